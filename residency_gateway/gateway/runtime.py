"""The gateway's running state (shell): the active map and GeoIP DB as one immutable snapshot,
the trail, the keys, metrics. A reload builds a new snapshot and swaps it in one assignment, so
an in-flight request keeps the snapshot it started with."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.keys import PseudonymKeys
from residency_gateway.audit.signing import load_signer
from residency_gateway.audit.trail import Trail, TrailUnavailable
from residency_gateway.core.origin import GeoLookup
from residency_gateway.gateway.upstream import Upstreams
from residency_gateway.geo import GeoDatabase, GeoDatabaseError, GeoInfo, no_database
from residency_gateway.observability import Metrics
from residency_gateway.regionmap.load import ConfigError, LoadedMap, canonical_json, load_region_map
from residency_gateway.settings import Settings

log = structlog.get_logger("residency_gateway")


@dataclass(frozen=True, slots=True)
class Active:
    loaded: LoadedMap
    geo: GeoLookup
    geo_info: GeoInfo | None
    upstreams: Upstreams


def default_log_id(settings: Settings) -> str:
    if settings.log_id:
        return settings.log_id
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname())
    return f"{host}-{settings.listen_port}"


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    trail: Trail
    keys: PseudonymKeys
    active: Active
    draining: bool = False
    retired: list[Upstreams] = field(default_factory=list)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def ready(self) -> bool:
        return not self.draining and self.trail.running

    @classmethod
    def create(cls, settings: Settings, metrics: Metrics | None = None) -> Runtime:
        metrics = metrics or Metrics()
        loaded = load_region_map(*settings.region_map)
        geo, info = open_geo(settings.geoip_db)
        trail = make_trail(settings, metrics)
        rt = cls(settings, metrics, trail, PseudonymKeys(settings.keys_dir),
                 Active(loaded, geo, info, Upstreams(loaded.rmap.regions, loaded.rmap.limits)))
        rt._publish()
        return rt

    def _publish(self) -> None:
        self.metrics.set_policy(self.active.loaded.version)
        if self.active.geo_info is not None:
            self.metrics.geoip_build.set(self.active.geo_info.build_epoch)

    async def reload(self, what: str = "all") -> tuple[bool, str]:
        """Load, validate, swap. A bad map or DB is refused and the last good one stays."""
        async with self.reload_lock:
            old = self.active
            try:
                loaded = load_region_map(*self.settings.region_map)
                geo, info = open_geo(self.settings.geoip_db)
            except (ConfigError, GeoDatabaseError) as exc:
                self.metrics.reloads.labels(what=what, result="refused").inc()
                log.error("reload_refused", what=what, error=str(exc).splitlines()[:20])
                return False, str(exc)
            same_upstreams = loaded.rmap.regions == old.loaded.rmap.regions and \
                loaded.rmap.limits == old.loaded.rmap.limits
            upstreams = old.upstreams if same_upstreams else Upstreams(loaded.rmap.regions,
                                                                       loaded.rmap.limits)
            await self.trail.store_policy(loaded.version, canonical_json(loaded.rmap))
            self.active = Active(loaded, geo, info, upstreams)
            if not same_upstreams:
                self.retired.append(old.upstreams)  # closed on shutdown; in-flight may use them
            self._publish()
            self.metrics.reloads.labels(what=what, result="ok").inc()
            log.info("reloaded", what=what, policy_version=loaded.short_version,
                     previous=old.loaded.short_version,
                     geoip_build=info.build_date if info else None)
            return True, loaded.version

    async def housekeeping(self, every_s: float = 3600.0) -> None:
        """Retention: purge whole expired segments, hourly (never below 180 days)."""
        purge = getattr(self.trail, "purge", None)
        while purge is not None:
            try:
                gone = await purge(self.settings.audit_retention_days, dt.datetime.now(dt.UTC))
                if gone:
                    log.info("trail_purged", segments=gone,
                             retention_days=self.settings.audit_retention_days)
            except (OSError, TrailUnavailable) as exc:
                log.error("trail_purge_failed", error=str(exc))
            await asyncio.sleep(every_s)

    async def close(self) -> None:
        await self.trail.close()
        await self.active.upstreams.close()
        for ups in self.retired:
            await ups.close()


def make_trail(settings: Settings, metrics: Metrics) -> Trail:
    signer = load_signer(settings.signing_keys_dir)
    common = {"checkpoint_every": settings.audit_checkpoint_every,
              "checkpoint_interval_s": settings.audit_checkpoint_interval_s,
              "on_commit": metrics.audit_committed}
    if settings.audit_store == "postgres":
        from residency_gateway.audit.pgstore import PgTrail

        if settings.audit_pg_dsn is None:
            raise ConfigError([])  # pragma: no cover - settings validation below prevents it
        return PgTrail(settings.audit_pg_dsn.get_secret_value(), default_log_id(settings),
                       signer, **common)
    return FileTrail(settings.trail_dir, default_log_id(settings), signer,
                     segment_max_bytes=settings.audit_segment_max_bytes,
                     segment_max_age_s=settings.audit_segment_max_age_s, **common)


def open_geo(path: Path | None) -> tuple[GeoLookup, GeoInfo | None]:
    if path is None:
        return no_database, None
    db = GeoDatabase(path)
    return db, db.info
