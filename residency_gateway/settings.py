"""Process settings (pydantic-settings, env prefix RG_, nested delimiter __). Built once in the CLI
and passed down; nothing reads the environment anywhere else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    data_dir: Path = Path("var")
    # The region this gateway runs in (its records are stored here) and its log id.
    region: str | None = None
    log_id: str | None = None
    log_format: Literal["json", "console", "auto"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    shutdown_grace_s: float = Field(default=20.0, ge=0, le=600)
    # After SIGTERM, readiness fails for this long before the listener closes, so load
    # balancers stop sending first (match the probe period; Kubernetes: a few seconds).
    drain_delay_s: float = Field(default=0.0, ge=0, le=120)
    reload_poll_s: float = Field(default=2.0, gt=0, le=3600)
    health_interval_s: float = Field(default=5.0, gt=0, le=3600)
    # Request bodies larger than this are inspected in worker processes, off the event loop;
    # an inspection that takes longer than inspect_timeout_s is refused (422), not forwarded.
    inspect_offload_bytes: int = Field(default=64 * 1024, ge=0)
    inspect_timeout_s: float = Field(default=10.0, gt=0, le=600)
    inspect_workers: int | None = Field(default=None, ge=1, le=64)
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
