"""The gateway's running state (shell): the active map and GeoIP DB as one immutable snapshot,
the trail, the keys, metrics. A reload builds a new snapshot and swaps it in one assignment, so
an in-flight request keeps the snapshot it started with."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.keys import PseudonymKeys
from residency_gateway.core.origin import GeoLookup
from residency_gateway.gateway.upstream import Upstreams
from residency_gateway.geo import GeoDatabase, GeoDatabaseError, GeoInfo, no_database
from residency_gateway.observability import Metrics
from residency_gateway.regionmap.load import ConfigError, LoadedMap, load_region_map
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
    trail: FileTrail
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
        trail = FileTrail(settings.trail_dir, default_log_id(settings),
                          segment_max_bytes=settings.audit_segment_max_bytes,
                          on_commit=metrics.audit_committed)
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
            self.active = Active(loaded, geo, info, upstreams)
            if not same_upstreams:
                self.retired.append(old.upstreams)  # closed on shutdown; in-flight may use them
            self._publish()
            self.metrics.reloads.labels(what=what, result="ok").inc()
            log.info("reloaded", what=what, policy_version=loaded.short_version,
                     previous=old.loaded.short_version,
                     geoip_build=info.build_date if info else None)
            return True, loaded.version

    async def close(self) -> None:
        await self.trail.close()
        await self.active.upstreams.close()
        for ups in self.retired:
            await ups.close()


def open_geo(path: Path | None) -> tuple[GeoLookup, GeoInfo | None]:
    if path is None:
        return no_database, None
    db = GeoDatabase(path)
    return db, db.info
