"""Process settings (pydantic-settings, env prefix RG_, nested delimiter __). Built once in the CLI
and passed down; nothing reads the environment anywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RG_", env_nested_delimiter="__", extra="forbid")

    region_map: list[Path] = [Path("region_configs")]
    geoip_db: Path | None = None
    listen_host: str = "0.0.0.0"  # noqa: S104 - a reverse proxy listens for its load balancers
    listen_port: int = Field(default=8080, ge=0, le=65535)
    admin_host: str = "127.0.0.1"
    admin_port: int = Field(default=9901, ge=0, le=65535)
    admin_token: SecretStr | None = None
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
    health_interval_s: float = Field(default=5.0, gt=0, le=3600)
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

    @field_validator("audit_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        # Cybersecurity Law art. 21: network logs are kept for at least six months.
        if days < 180:
            raise ValueError(f"audit_retention_days {days} is below the legal minimum of 180 "
                             "days (Cybersecurity Law art. 21); refusing to start")
        return days

    @model_validator(mode="after")
    def _store(self) -> Settings:
        if self.audit_store == "postgres" and self.audit_pg_dsn is None:
            raise ValueError("audit_store postgres needs audit_pg_dsn (RG_AUDIT_PG_DSN)")
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
