"""Process settings (pydantic-settings, env prefix RG_, nested delimiter __). Built once in the CLI
and passed down; nothing reads the environment anywhere else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from residency_gateway.audit.note import COSIGNATURE_V1, NoteError, parse_vkey


class WitnessEndpoint(BaseModel):
    """A witness this gateway submits its checkpoints to: its URL (the tlog-witness submission
    prefix) and its cosigner vkey (`name+id+base64`, signature type 0x04)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str = Field(pattern=r"^https?://")
    vkey: str

    @field_validator("vkey")
    @classmethod
    def _vkey(cls, text: str) -> str:
        try:
            v = parse_vkey(text)
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        if v.sig_type != COSIGNATURE_V1:
            raise ValueError("a witness vkey must have signature type 0x04 (cosignature/v1)")
        return text


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RG_", env_nested_delimiter="__", extra="forbid")

    # RG_REGION_MAP: one path, several separated by commas, or a JSON list.
    region_map: Annotated[list[Path], NoDecode] = [Path("region_configs")]
    geoip_db: Path | None = None
    listen_host: str = "0.0.0.0"  # noqa: S104 - a reverse proxy listens for its load balancers
    listen_port: int = Field(default=8080, ge=0, le=65535)
    admin_host: str = "127.0.0.1"
    admin_port: int = Field(default=9901, ge=0, le=65535)
    admin_token: SecretStr | None = None
    # `serve --workers N`: worker processes sharing the proxy port (SO_REUSEPORT), each with
    # its own trail log `<log_id>-w<i>`; None: one per CPU this process may use. 1: one process,
    # no supervisor parent (the gateway as it always ran).
    workers: int | None = Field(default=None, ge=1, le=256)
    data_dir: Path = Path("var")
    # The region this gateway runs in (its records are stored here) and its log id.
    region: str | None = None
    log_id: str | None = None
    log_format: Literal["json", "console", "auto"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # In-flight requests get this long after the listener closes (deploy/k8s: 25 s, inside a
    # terminationGracePeriodSeconds of 40).
    shutdown_grace_s: float = Field(default=25.0, ge=0, le=600)
    # After SIGTERM, readiness fails for this long before the listener closes, so load
    # balancers stop sending first: a few readiness probe periods (deploy/k8s probes every
    # 2 s and sets 5 s, the default).
    drain_delay_s: float = Field(default=5.0, ge=0, le=120)
    # Connection hygiene on the data listener (public-facing defaults, after nginx):
    # a new connection must send a complete request head within header_timeout_s; an idle
    # keep-alive connection is closed after idle_timeout_s (longer than the usual load
    # balancer idle timeout of 60 s, so the balancer closes first); at most max_connections
    # open connections (lowered to fit the file limit): idle ones are closed first, then new
    # ones get a fast 503.
    header_timeout_s: float = Field(default=10.0, gt=0, le=600)
    idle_timeout_s: float = Field(default=75.0, gt=0, le=3600)
    max_connections: int = Field(default=10000, ge=16, le=1_000_000)
    reload_poll_s: float = Field(default=2.0, gt=0, le=3600)
    # `serve --workers N`: the parent asks each worker's admin socket for /healthz (its event
    # loop answers at once, whatever its requests and inspections are doing) every
    # worker_check_interval_s, each ask bounded by it; a worker that misses
    # worker_check_failures in a row (a hung process: SIGSTOP, a stuck loop) is killed and
    # started again (default: replaced within about 3 s, plus its start).
    worker_check_interval_s: float = Field(default=1.0, ge=0.05, le=60)
    worker_check_failures: int = Field(default=3, ge=1, le=100)
    health_interval_s: float = Field(default=5.0, gt=0, le=3600)
    # Request bodies larger than this are inspected in worker processes, off the event loop;
    # an inspection that takes longer than inspect_timeout_s is refused (422), not forwarded.
    inspect_offload_bytes: int = Field(default=64 * 1024, ge=0)
    inspect_timeout_s: float = Field(default=10.0, gt=0, le=600)
    inspect_workers: int | None = Field(default=None, ge=1, le=64)
    # What one worker's inspection may allocate (MiB, above what the worker holds at its
    # start; 0: no cap). Past it the body is refused (422) in that worker alone. An 8 MiB body
    # (KYC JSON, JSON with a base64 image) fits in 128, not in 96; keep serve workers x
    # inspect workers x this (plus ~75 MiB a process) under the container's memory limit.
    inspect_memory_mib: int = Field(default=256, ge=0, le=65536)
    # The event loop `serve` runs on: uvloop (libuv; the default where it is installed) or
    # the standard library's asyncio loop.
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    audit_store: Literal["file", "postgres"] = "file"
    audit_pg_dsn: SecretStr | None = None
    audit_segment_max_bytes: int = Field(default=64 * 1024 * 1024, ge=4096)
    audit_segment_max_age_s: float = Field(default=86400.0, gt=0)
    audit_checkpoint_every: int = Field(default=1000, ge=1)
    audit_checkpoint_interval_s: float = Field(default=10.0, gt=0, le=3600)
    audit_retention_days: int = 400
    # DOMAIN: "Records of mainland-origin decisions are stored in the China region, like the
    # data." A gateway outside CN writes them to this China-resident store (a directory on
    # China-resident storage, or a postgresql:// DSN of a trail database in China).
    audit_mainland_store: str | None = None
    # Explicit opt-out (staging, labs): keep mainland-origin records in this gateway's store.
    audit_mainland_records_abroad: bool = False

    # Witnesses (c2sp.org/tlog-witness) that cosign this gateway's checkpoints, as JSON:
    # RG_WITNESSES='[{"url": "https://w1.example/", "vkey": "w1.example+abcd1234+BA..."}]'.
    witnesses: list[WitnessEndpoint] = []
    # How many witnesses must cosign a checkpoint before it counts as witnessed.
    witness_quorum: int = Field(default=1, ge=1)
    witness_timeout_s: float = Field(default=5.0, gt=0, le=120)
    witness_backoff_max_s: float = Field(default=60.0, gt=0, le=3600)
    # `residency-gateway witness serve`: this witness's key name, listener, store, and the logs
    # it cosigns (their vkeys, signature type 0x01, from `residency-gateway keys vkey`).
    witness_name: str | None = None
    witness_host: str = "127.0.0.1"
    witness_port: int = Field(default=9960, ge=0, le=65535)
    witness_data_dir: Path = Path("var/witness")
    witness_store: str | None = None
    witness_logs: list[str] = []

    @field_validator("region_map", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    raise ValueError("expected paths separated by commas, or a JSON list of "
                                     "paths") from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("audit_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        # Cybersecurity Law art. 21: network logs are kept for at least six months.
        if days < 180:
            raise ValueError(f"{days} days is below the legal minimum of 180 days "
                             "(Cybersecurity Law art. 21); refusing to start")
        return days

    @model_validator(mode="after")
    def _store(self) -> Settings:
        if self.audit_store == "postgres" and self.audit_pg_dsn is None:
            raise ValueError("RG_AUDIT_STORE=postgres needs RG_AUDIT_PG_DSN (the trail "
                             "database's postgresql:// DSN)")
        if self.witnesses and self.witness_quorum > len(self.witnesses):
            raise ValueError(f"RG_WITNESS_QUORUM {self.witness_quorum} is more than the "
                             f"{len(self.witnesses)} witnesses configured (RG_WITNESSES)")
        return self

    @property
    def trail_dir(self) -> Path:
        return self.data_dir / "trail"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def signing_keys_dir(self) -> Path:
        return self.keys_dir / "signing"
