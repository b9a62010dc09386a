"""Process settings (pydantic-settings, env prefix RG_, nested delimiter __). Built once in the CLI
and passed down; nothing reads the environment anywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    shutdown_grace_s: float = Field(default=20.0, ge=0, le=600)
    audit_group_commit_ms: float = Field(default=2.0, ge=0, le=1000)
    audit_segment_max_bytes: int = Field(default=64 * 1024 * 1024, ge=4096)

    @property
    def trail_dir(self) -> Path:
        return self.data_dir / "trail"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"
