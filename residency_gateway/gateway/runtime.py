"""The gateway's running state (shell): the active map and GeoIP DB as one immutable snapshot,
the trail, the keys, metrics. A reload builds a new snapshot and swaps it in one assignment, so
an in-flight request keeps the snapshot it started with."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.keys import PseudonymKeys
from residency_gateway.audit.signing import SigningKeyError, load_signer
from residency_gateway.audit.trail import Trail, TrailUnavailable
from residency_gateway.core.origin import GeoLookup
from residency_gateway.core.payload import NothingSeen
from residency_gateway.core.policy import china_region
from residency_gateway.core.safetext import safe_text
from residency_gateway.core.values import MAINLAND
from residency_gateway.gateway.h1client import ReadAhead
from residency_gateway.gateway.inspector import Inspector
from residency_gateway.gateway.supervisor import Supervisor
from residency_gateway.gateway.upstream import Upstreams, tls_files
from residency_gateway.geo import (
    FAMILY_NAMES,
    LAST_GOOD,
    GeoDatabase,
    GeoDatabaseError,
    GeoInfo,
    last_good,
    no_database,
    remember_good,
)
from residency_gateway.observability import Metrics
from residency_gateway.regionmap.load import (
    ConfigError,
    ConfigIssue,
    LoadedMap,
    canonical_json,
    load_region_map,
    map_files,
)
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


def worker_log_id(settings: Settings, index: int) -> str:
    """Worker `index`'s trail log under `serve --workers N`: its own chain, stable across its
    restarts (the same index takes the same log back)."""
    return f"{default_log_id(settings)}-w{index}"


def effective_workers(settings: Settings, cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """RG_WORKERS, else the CPUs this process may use: the ones it may run on (a cpuset,
    taskset), no more than its cgroup's CPU quota (a container's CPU limit) rounded up."""
    if settings.workers is not None:
        return settings.workers
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def cpu_quota(root: Path) -> float | None:
    """CPUs' worth of time the cgroup may use (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us`
    over `cpu.cfs_period_us`); None when unlimited or unknown."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max"
        return None
    return q / p if q > 0 and p > 0 else None


def log_ids(settings: Settings) -> list[str]:
    """The trail logs this gateway writes (not counting the mainland trail's `-mainland`)."""
    workers = effective_workers(settings)
    if workers == 1:
        return [default_log_id(settings)]
    return [worker_log_id(settings, i) for i in range(workers)]


def preflight(settings: Settings) -> None:
    """What `Runtime.create` checks before it opens anything, for the parent of workers: the
    region map, the gateway's region, the GeoIP DB (or its last good copy), the mainland
    store rule; and the signing key made once, so workers never race to create one. Raises
    ConfigError, GeoDatabaseError, SigningKeyError, OSError as `create` would."""
    _, loaded = load_settled(settings)
    check_gateway_region(settings, loaded)
    open_geo_at_start(settings)
    load_signer(settings.signing_keys_dir)
    here = settings.region
    if here is not None and loaded.rmap.regions[here].jurisdiction != MAINLAND:
        make_mainland_trail(settings, Metrics(), loaded)  # raises when the store is required


Fingerprint = tuple[tuple[str, int, int, int], ...]  # (path, mtime ns, size, inode) each


def files_fingerprint(settings: Settings) -> Fingerprint:
    paths = map_files(settings.region_map)
    if settings.geoip_db is not None:
        paths.append(settings.geoip_db)
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append((str(p), -1, -1, -1))
    return tuple(out)


def changed_in_place(before: Fingerprint, now: Fingerprint,
                     geoip_db: Path | None) -> tuple[str, ...]:
    """The map files of `now` that are the same file (inode) as in `before` with another size
    or modification time: written over in place, so possibly still being written."""
    was = {path: (mtime, size, ino) for path, mtime, size, ino in before}
    skip = str(geoip_db) if geoip_db is not None else None
    return tuple(path for path, mtime, size, ino in now
                 if path != skip and ino != -1 and path in was and was[path][2] == ino
                 and was[path][:2] != (mtime, size))


# Reading maps that may still be being written (bad day: files replaced in place). An explicit
# reload (SIGHUP, POST /admin/reload) can arrive while a map file is still being written in
# place: a script that writes the file and signals at once, a config tool that writes slowly.
# The part on disk can be a valid map (one cut before its cidr_overrides sends a range the map
# pins to CN abroad), and a file can change between its read and its fingerprint, or between
# the reads of two files of a split map. So a reload reads the files only once they have held
# still, and throws away any read during which one of them changed.
# A map file modified less than this before now is watched this long. (0.3 s until bad-day
# round 11: a tool that wrote a map in steps 0.5 s apart had each valid prefix loaded, one
# without trusted_proxies refusing every client behind the load balancer.)
SETTLE_WINDOW_S = 1.0
SETTLE_BOUND_S = 3.0  # a reload waits at most about this long for the files to hold still
# A whole-second mtime may have been cut by a coarse filesystem (1 s: ext3, HFS+, some NFS and
# SMB servers; 2 s: FAT): the write may have happened up to this much later than it says.
COARSE_MTIME_NS = 2_000_000_000


def settling(files: Fingerprint, now_ns: int, geoip_db: Path | None,
             window_s: float = SETTLE_WINDOW_S) -> tuple[str, ...]:
    """The map files of `files` modified less than `window_s` before `now_ns` (the wall
    clock), or after it (a file server whose clock is ahead of ours): possibly still being
    written. The GeoIP DB is left out: it checks itself (a cut MMDB does not open)."""
    skip = str(geoip_db) if geoip_db is not None else None
    window = int(window_s * 1e9)
    out = []
    for path, mtime, _size, ino in files:
        if path == skip or ino == -1:
            continue
        latest = mtime + (COARSE_MTIME_NS if mtime % 1_000_000_000 == 0 else 0)
        if now_ns - latest < window:
            out.append(path)
    return tuple(out)


def changed_files(before: Fingerprint, after: Fingerprint) -> tuple[str, ...]:
    """The files of either fingerprint that appeared, went, or changed between the two."""
    was = {path: rest for path, *rest in before}
    now = {path: rest for path, *rest in after}
    return tuple(sorted(p for p in was.keys() | now.keys() if was.get(p) != now.get(p)))


class FilesStillChanging(ConfigError):
    """The map (or GeoIP) files kept changing for SETTLE_BOUND_S: the reload is refused (at
    start: the gateway does not start). Each file as `file:1: (file): message`."""

    def __init__(self, files: tuple[str, ...]):
        self.files = files
        super().__init__([ConfigIssue(
            safe_text(f, 300), 1, "(file)", "changed while being read; still being written? "
            f"(the last good map stays; the files must hold still for {SETTLE_WINDOW_S} s: "
            "write map files by rename)") for f in files])


def load_settled(settings: Settings) -> tuple[Fingerprint, LoadedMap]:
    """At start (blocking, before the event loop serves): the region map read from files
    that held still, with their fingerprint, by the rule reloads follow (see
    Runtime._read_settled): a gateway started while a map file is still being written in
    place (a deploy that writes the map and starts the service at once) waits for it, and
    never starts on its first part. FilesStillChanging after SETTLE_BOUND_S."""
    give_up = time.monotonic() + SETTLE_BOUND_S
    moving: tuple[str, ...] = ()
    while True:
        before = files_fingerprint(settings)
        fresh = settling(before, time.time_ns(), settings.geoip_db)
        if fresh or moving:
            if time.monotonic() + SETTLE_WINDOW_S > give_up:
                raise FilesStillChanging(moving or fresh)
            time.sleep(SETTLE_WINDOW_S)
            now = files_fingerprint(settings)
            if now != before:
                moving = changed_files(before, now)
                continue
        try:
            loaded = load_region_map(*settings.region_map)
        except ConfigError:
            after = files_fingerprint(settings)
            if after == before:
                raise
            moving = changed_files(before, after)
            continue
        after = files_fingerprint(settings)
        if after == before:
            return before, loaded
        moving = changed_files(before, after)


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    trail: Trail
    keys: PseudonymKeys
    active: Active
    mainland_trail: Trail | None = None
    draining: bool = False
    retired: list[Upstreams] = field(default_factory=list)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    supervisor: Supervisor | None = None

    health_checked: bool = False
    readiness_logged: tuple[str, ...] | None = None  # the reasons last logged (None: never)
    listening: bool = False  # both listeners bound (before that, readiness is not reported)
    inspector: Inspector = field(default_factory=Inspector)
    # Answers read ahead of slow clients, across this process (limits.response_buffer*).
    read_ahead: ReadAhead = field(default_factory=ReadAhead)
    # Request-line texts read with nothing found (keyed digests only): see NothingSeen.
    line_memo: NothingSeen = field(default_factory=lambda: NothingSeen(os.urandom(32)))
    # The map and GeoIP files as they were when the snapshot in force was read (see watch).
    loaded_files: Fingerprint = ()
    # The logs whose clock gap retention has reported this run (see _retention_now).
    _clock_ahead_said: set[str] = field(default_factory=set)

    @property
    def trails(self) -> list[Trail]:
        return [self.trail] + ([self.mainland_trail] if self.mainland_trail else [])

    def trail_for(self, origin: str | None) -> Trail:
        """Mainland-origin records go to the China-resident trail when there is one."""
        if origin == MAINLAND and self.mainland_trail is not None:
            return self.mainland_trail
        return self.trail

    @property
    def routable_regions(self) -> set[str]:
        """Regions some tenant routes to first (not only as a fallback)."""
        rmap = self.active.loaded.rmap
        out: set[str] = set()
        for tenant in rmap.tenants.values():
            out.add(tenant.overseas_region)
            out.update(tenant.pins.values())
            cn = china_region(tenant, rmap)
            if cn:
                out.add(cn)
        return out

    def readiness(self) -> dict[str, object]:
        pools = self.active.upstreams.pools
        down = sorted(r for r in self.routable_regions if r in pools and not pools[r].up)
        return {
            "draining": self.draining,
            "trail": all(t.running and t.failed is None for t in self.trails),
            "tasks_down": self.supervisor.down if self.supervisor else [],
            "upstreams_checked": self.health_checked,
            "regions_down": down,
            "policy_version": self.active.loaded.version,
            "geoip_build": self.active.geo_info.build_date if self.active.geo_info else None,
        }

    def not_ready_because(self) -> tuple[str, ...]:
        """Why /readyz answers 503, in words an SRE can act on; empty when ready."""
        r = self.readiness()
        down, tasks = r["regions_down"], r["tasks_down"]
        assert isinstance(down, list) and isinstance(tasks, list)
        return tuple(why for why, failing in (
            ("draining", r["draining"]),
            ("trail not running", not r["trail"]),
            ("upstreams not probed yet", not r["upstreams_checked"]),
            (f"no reachable upstream in region(s) {', '.join(down)}", bool(down)),
            (f"background task(s) down: {', '.join(map(str, tasks))}", bool(tasks)),
        ) if failing)

    @property
    def ready(self) -> bool:
        reasons = self.not_ready_because()
        if reasons != self.readiness_logged:  # one line per transition, not one per probe
            if reasons:
                log.warning("not_ready", reasons=list(reasons))
            elif self.readiness_logged is not None:  # ready from the start says nothing new
                log.info("ready")
            self.readiness_logged = reasons
        return not reasons

    async def check_upstreams(self) -> None:
        results = await self.active.upstreams.probe()
        for region, up in results.items():
            self.metrics.upstream_up.labels(region=region).set(1 if up else 0)
        self.health_checked = True
        if self.listening:  # log a readiness transition even when nobody polls /readyz
            _ = self.ready

    def start_tasks(self, supervisor: Supervisor) -> None:
        """Every background task, under one supervisor: the trail writers (critical: no
        writer, no record, no transfer), the upstream prober (critical: readiness reads its
        results), the reload watcher and the retention purge."""
        self.supervisor = supervisor
        for trail in self.trails:
            supervisor.spawn(f"trail_writer:{trail.log_id}", trail.writer, critical=True)
        supervisor.spawn("health_prober", self.probe_forever, critical=True)
        supervisor.spawn("reload_watcher", self.watch)
        supervisor.spawn("retention_purge", self.housekeeping)

    async def probe_forever(self) -> None:
        """Probe upstreams for readiness every `health_interval_s`."""
        while True:
            await self.check_upstreams()
            await asyncio.sleep(self.settings.health_interval_s)

    async def watch(self) -> None:
        """Reload when the region map files or the GeoIP DB change on disk (geoipupdate
        replaces the DB in place, or a copy lands over it), once the change has settled (the
        files are the same at two polls in a row).

        A map file changed *in place* (same inode, new size or time: `cp`, `cat >`, an
        editor that overwrites) is not loaded by the watcher: its first part can be a valid
        map, and one cut before its `cidr_overrides` sent a range the map pins to CN abroad
        until the copy completed (bad-day round 7). It is logged (`region_map_changed_in_
        place`) and counted (`rg_reloads_total{result="deferred"}`) until SIGHUP or POST
        /admin/reload loads it (once it holds still: `_read_settled`), or it is replaced by a
        rename (mv, an atomic write). A GeoIP DB checks itself (a cut MMDB does not open), so
        it is loaded either way."""
        attempted: Fingerprint | None = None
        pending: Fingerprint | None = None
        warned: tuple[str, ...] = ()
        while True:
            await asyncio.sleep(self.settings.reload_poll_s)
            now = files_fingerprint(self.settings)
            if now == self.loaded_files or now == attempted:
                pending = None
                continue
            in_place = changed_in_place(self.loaded_files, now, self.settings.geoip_db)
            if in_place:
                if in_place != warned:
                    warned = in_place
                    self.metrics.reloads.labels(what="file_change", result="deferred").inc()
                    log.warning("region_map_changed_in_place", files=[
                        safe_text(p, 300) for p in in_place], hint="not loaded: replace map "
                        "files by rename, or reload with SIGHUP or POST /admin/reload")
                continue
            if now != pending:  # not settled: look again at the next poll
                pending = now
                continue
            attempted, pending, warned = now, None, ()
            await self.reload("file_change")

    @property
    def geo_cache(self) -> Path:
        return geo_cache(self.settings)

    def _keep_good_geo(self) -> None:
        geo = self.active.geo
        if isinstance(geo, GeoDatabase):
            try:
                remember_good(geo, self.geo_cache)
            except OSError as exc:  # a full disk must not fail the reload that succeeded
                log.warning("geoip_last_good_not_kept", error=safe_text(str(exc), 300))

    @classmethod
    def create(cls, settings: Settings, metrics: Metrics | None = None) -> Runtime:
        metrics = metrics or Metrics()
        files, loaded = load_settled(settings)
        check_gateway_region(settings, loaded)
        geo, info = open_geo_at_start(settings)
        trail = make_trail(settings, metrics)
        mainland = make_mainland_trail(settings, metrics, loaded)
        rt = cls(settings, metrics, trail, PseudonymKeys(settings.keys_dir),
                 Active(loaded, geo, info, Upstreams(loaded.rmap.regions, loaded.rmap.limits)),
                 mainland_trail=mainland)
        rt.loaded_files = files
        rt.inspector = Inspector(threshold=settings.inspect_offload_bytes,
                                 timeout_s=settings.inspect_timeout_s,
                                 workers=settings.inspect_workers,
                                 memory_bytes=settings.inspect_memory_mib * 1024 * 1024)
        for problem in rt.keys.check():
            log.error("pseudonym_key_unusable", problem=problem)
        rt._keep_good_geo()
        rt._publish()
        return rt

    def _publish(self) -> None:
        self.metrics.set_policy(self.active.loaded.version)
        if self.active.geo_info is not None:
            self.metrics.geoip_build.set(self.active.geo_info.build_epoch)

    async def reload(self, what: str = "all") -> tuple[bool, str]:
        """Load (once the files hold still), validate, swap. A bad map or DB, or files still
        changing after SETTLE_BOUND_S, is refused and the last good one stays. One at a
        time (reload_lock): a SIGHUP storm queues, each reload bounded."""
        async with self.reload_lock:
            old = self.active
            try:
                return await self._reload(what, old)
            except Exception as exc:  # store write failure, EMFILE, ...: refused, never fatal
                self.metrics.reloads.labels(what=what, result="refused").inc()
                log.error("reload_refused", what=what, error=type(exc).__name__,
                          detail=safe_text(str(exc), 500))
                return False, f"{type(exc).__name__}: {exc}"

    async def _reload(self, what: str, old: Active) -> tuple[bool, str]:
        try:
            files, (loaded, geo, info) = await self._read_settled()
        except FilesStillChanging as exc:
            self.metrics.reloads.labels(what=what, result="refused").inc()
            log.error("reload_refused", what=what, error=str(exc).splitlines())
            return False, str(exc)
        except (ConfigError, GeoDatabaseError) as exc:
            self.metrics.reloads.labels(what=what, result="refused").inc()
            log.error("reload_refused", what=what, error=str(exc).splitlines()[:20])
            return False, str(exc)
        for trail in self.trails:  # before anything is built that would need closing
            await trail.store_policy(loaded.version, canonical_json(loaded.rmap))
        same_upstreams = loaded.rmap.regions == old.loaded.rmap.regions and \
            loaded.rmap.limits == old.loaded.rmap.limits
        if same_upstreams:  # the TLS files they read, renewed in place (upstream.tls_files)
            renewed = {rid for rid, _, _ in
                       set(tls_files(loaded.rmap.regions)) ^ set(old.upstreams.tls_files)}
            if renewed:
                same_upstreams = False
                log.info("upstream_tls_files_changed", regions=sorted(renewed))
        upstreams = old.upstreams if same_upstreams else Upstreams(loaded.rmap.regions,
                                                                   loaded.rmap.limits)
        self.active = Active(loaded, geo, info, upstreams)
        self.loaded_files = files
        if not same_upstreams:
            self.retired.append(old.upstreams)  # closed on shutdown; in-flight may use them
        self._keep_good_geo()
        self._publish()
        if not same_upstreams:
            await self.check_upstreams()
        await self._rotate_signer()
        self.metrics.reloads.labels(what=what, result="ok").inc()
        log.info("reloaded", what=what, policy_version=loaded.short_version,
                 previous=old.loaded.short_version,
                 geoip_build=info.build_date if info else None)
        return True, loaded.version

    async def _read_settled(self) -> tuple[Fingerprint, tuple[LoadedMap, GeoLookup,
                                                             GeoInfo | None]]:
        """The map and GeoIP DB read from files that held still, with their fingerprint.

        A map file modified less than SETTLE_WINDOW_S ago is watched for that long (a second
        stat, so neither a coarse mtime nor a skewed clock decides alone) before it is read;
        the files are fingerprinted before and after the read, and a read during which any
        of them changed is thrown away (never a mix of two versions, never a map that
        disagrees with the fingerprint the watcher compares against) and tried again after
        the window. Files still changing after SETTLE_BOUND_S: FilesStillChanging. Reading
        and parsing run in a thread, so the event loop keeps serving; the caller holds
        reload_lock, so reloads do not overlap."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + SETTLE_BOUND_S
        moving: tuple[str, ...] = ()
        while True:
            before = files_fingerprint(self.settings)
            fresh = settling(before, time.time_ns(), self.settings.geoip_db)
            if fresh or moving:
                if loop.time() + SETTLE_WINDOW_S > give_up:
                    raise FilesStillChanging(moving or fresh)
                log.info("reload_waiting_for_files", settle_s=SETTLE_WINDOW_S,
                         files=[safe_text(p, 300) for p in moving or fresh])
                await asyncio.sleep(SETTLE_WINDOW_S)
                now = files_fingerprint(self.settings)
                if now != before:
                    moving = changed_files(before, now)
                    continue
            try:
                read = await loop.run_in_executor(None, self._read_files)
            except (ConfigError, GeoDatabaseError):  # a file cut mid-write, maybe
                after = files_fingerprint(self.settings)
                if after == before:
                    raise
                moving = changed_files(before, after)
                continue
            after = files_fingerprint(self.settings)
            if after == before:
                return before, read
            moving = changed_files(before, after)
            geo = read[1]
            if isinstance(geo, GeoDatabase):  # never served: close it now
                geo.close()

    def _read_files(self) -> tuple[LoadedMap, GeoLookup, GeoInfo | None]:
        """Read, parse and check the map, open the GeoIP DB (blocking: run in a thread)."""
        loaded = load_region_map(*self.settings.region_map)
        check_gateway_region(self.settings, loaded)
        geo, info = open_geo(self.settings.geoip_db, self.geo_cache)
        try:
            refuse_lost_families(self.active.geo, geo)
        except GeoDatabaseError:
            if isinstance(geo, GeoDatabase):  # never served: close it now
                geo.close()
            raise
        return loaded, geo, info

    async def _rotate_signer(self) -> None:
        """`keys generate` made a new key current: sign from now on with it, and say so with a
        checkpoint signed by the new key (old checkpoints keep verifying with the old key)."""
        try:
            signer = load_signer(self.settings.signing_keys_dir, create=False)
        except SigningKeyError as exc:
            log.error("signing_key_unusable", error=str(exc))
            return
        for trail in self.trails:
            if trail.signer.key_id != signer.key_id:
                previous = trail.signer.key_id
                try:
                    await trail.rotated_key(signer)
                except Exception as exc:  # the map is already in force: this must not undo
                    # the reload's answer. If the public key could not be stored beside the
                    # log, the trail still signs with the old key and the next reload (or
                    # start) tries again; if only the checkpoint failed, the next one is
                    # signed with the new key
                    switched = trail.signer.key_id == signer.key_id
                    log.error("signing_key_rotation_incomplete" if switched
                              else "signing_key_rotation_refused", log_id=trail.log_id,
                              key_id=signer.key_id, signing_with=trail.signer.key_id,
                              error=type(exc).__name__, detail=safe_text(str(exc), 300))
                    continue
                log.info("signing_key_rotated", log_id=trail.log_id, previous=previous,
                         key_id=signer.key_id)

    async def housekeeping(self, every_s: float = 3600.0) -> None:
        """Retention: purge whole expired segments, hourly (never below 180 days)."""
        while True:
            for trail in self.trails:
                purge = getattr(trail, "purge", None)
                if purge is None:
                    continue
                try:
                    gone = await purge(self.settings.audit_retention_days,
                                       self._retention_now(trail))
                    if gone:
                        log.info("trail_purged", log_id=trail.log_id, segments=gone,
                                 retention_days=self.settings.audit_retention_days)
                except (OSError, TrailUnavailable) as exc:
                    log.error("trail_purge_failed", log_id=trail.log_id, error=str(exc))
            await asyncio.sleep(every_s)

    def _retention_now(self, trail: Trail) -> dt.datetime:
        """The trail's own time (Trail.retention_now): a wall clock far ahead of the log's
        newest checkpoint plus the uptime purges nothing early; it is said once per run."""
        wall = dt.datetime.now(dt.UTC)
        now, ahead_s = trail.retention_now(wall)
        if ahead_s > 86400 and trail.log_id not in self._clock_ahead_said:
            self._clock_ahead_said.add(trail.log_id)
            days = round(ahead_s / 86400, 1)
            far = days > self.settings.audit_retention_days
            (log.error if far else log.warning)(
                "trail_retention_clock_ahead", log_id=trail.log_id, ahead_days=days,
                retention_days=self.settings.audit_retention_days,
                hint="the wall clock reads later than the log's newest checkpoint plus this "
                     "run's uptime: retention counts from the log's own time, so nothing is "
                     "purged early" + ("; a jump this large is a wrong clock (check NTP) or "
                                       "a log unused for longer than its retention" if far
                                       else " (after a long stop, or a clock step)"))
        return now

    async def close(self) -> None:
        self.inspector.close()
        for trail in self.trails:
            await trail.close()
        await self.active.upstreams.close()
        for ups in self.retired:
            await ups.close()


def check_gateway_region(settings: Settings, loaded: LoadedMap) -> None:
    from residency_gateway.regionmap.load import ConfigIssue
    from residency_gateway.regionmap.names import did_you_mean

    if settings.region is not None and settings.region not in loaded.rmap.regions:
        raise ConfigError([ConfigIssue(loaded.sources[0], 1, "regions",
                                       f"this gateway's region {settings.region!r} (RG_REGION) "
                                       "is not defined in the region map"
                                       f"{did_you_mean(settings.region, loaded.rmap.regions)}")])


def make_trail(settings: Settings, metrics: Metrics, *, store: str | None = None,
               log_suffix: str = "") -> Trail:
    """The trail at `store` (a directory or postgresql:// DSN), else the configured one."""
    signer = load_signer(settings.signing_keys_dir)
    common: dict[str, Any] = {"checkpoint_every": settings.audit_checkpoint_every,
                              "checkpoint_interval_s": settings.audit_checkpoint_interval_s,
                              "on_commit": metrics.audit_committed}
    log_id = default_log_id(settings) + log_suffix
    if store is None and settings.audit_store == "postgres" and settings.audit_pg_dsn:
        store = settings.audit_pg_dsn.get_secret_value()
    if store is not None and store.startswith(("postgres://", "postgresql://")):
        from residency_gateway.audit.pgstore import PgTrail

        return PgTrail(store, log_id, signer, **common)
    return FileTrail(Path(store) if store else settings.trail_dir, log_id, signer,
                     segment_max_bytes=settings.audit_segment_max_bytes,
                     segment_max_age_s=settings.audit_segment_max_age_s, **common)


def make_mainland_trail(settings: Settings, metrics: Metrics, loaded: LoadedMap) -> Trail | None:
    """A China-resident trail for mainland-origin records when this gateway is abroad."""
    here = settings.region
    if here is None or loaded.rmap.regions[here].jurisdiction == MAINLAND:
        return None
    if settings.audit_mainland_store:
        return make_trail(settings, metrics, store=settings.audit_mainland_store,
                          log_suffix="-mainland")
    if settings.audit_mainland_records_abroad:
        log.warning("mainland_records_stored_abroad", region=here)
        return None
    from residency_gateway.regionmap.load import ConfigIssue

    raise ConfigError([ConfigIssue("<settings>", 0, "RG_AUDIT_MAINLAND_STORE",
                                   f"this gateway runs in {here} "
                                   f"({loaded.rmap.regions[here].jurisdiction}), outside mainland "
                                   "China: records of mainland-origin decisions must be stored "
                                   "in China; set RG_AUDIT_MAINLAND_STORE to a China-resident "
                                   "trail store (or RG_AUDIT_MAINLAND_RECORDS_ABROAD=true to "
                                   "accept keeping them here)")])


def geo_cache(settings: Settings) -> Path:
    return settings.data_dir / "geoip"


def open_geo(path: Path | None, cache: Path | None = None) -> tuple[GeoLookup, GeoInfo | None]:
    if path is None:
        return no_database, None
    db = GeoDatabase(path, cache)
    return db, db.info


def refuse_lost_families(live: GeoLookup, candidate: GeoLookup) -> None:
    """A replacement DB that places no address at all in an address family the live DB placed
    would make every client of that family 'unknown origin' at once (a tenant whose unknown
    origin goes overseas would then send mainland clients abroad): refused, like a DB that
    resolves nothing (bad-day round 13)."""
    if not isinstance(live, GeoDatabase) or not isinstance(candidate, GeoDatabase):
        return
    lost = live.families - candidate.families
    if lost:
        names = ", ".join(FAMILY_NAMES[f] for f in sorted(lost))
        raise GeoDatabaseError(
            f"{candidate.path}: the new GeoIP DB places no {names} address (it covers "
            f"{candidate.family_names()}; the live DB covers {live.family_names()}): every "
            f"{names} client would become unknown origin")


def warn_one_family(db: GeoLookup) -> None:
    if isinstance(db, GeoDatabase) and db.families != frozenset({4, 6}):
        log.warning("geoip_db_one_address_family", path=safe_text(db.path, 300),
                    covers=db.family_names(), hint="clients of the other address family have "
                    "unknown origin (each tenant's unknown_origin decides); use a DB covering "
                    "IPv4 and IPv6")


def open_geo_at_start(settings: Settings) -> tuple[GeoLookup, GeoInfo | None]:
    geo, info = _open_geo_at_start(settings)
    warn_one_family(geo)
    return geo, info


def _no_lost_family_since_last_good(geo: GeoLookup, cache: Path) -> None:
    """The rule of reload at start too: a configured DB that lost an address family the last
    good DB placed (a reload refused it; a restart, or a worker replaced, must not take it up
    now) raises GeoDatabaseError, so the last good copy is used, said loudly. An operator who
    means to run on one family removes <data-dir>/geoip/last-good."""
    if not isinstance(geo, GeoDatabase) or geo.families == frozenset({4, 6}):
        return
    previous = last_good(cache)
    if previous is None or previous == geo.private:
        return
    try:
        good = GeoDatabase(previous)
    except GeoDatabaseError:
        return  # no usable last good copy to compare with: the warning says the rest
    try:
        refuse_lost_families(good, geo)
    except GeoDatabaseError as exc:
        geo.close()
        raise GeoDatabaseError(f"{exc} (as at the last good DB {previous.name}; remove "
                               f"{cache / LAST_GOOD} to accept it)") from None
    finally:
        good.close()


def _open_geo_at_start(settings: Settings) -> tuple[GeoLookup, GeoInfo | None]:
    """The configured DB; if it is broken, the private copy of the last good one (said loudly),
    so a bad file on disk does not keep the gateway down after a restart."""
    cache = geo_cache(settings)
    try:
        geo, info = open_geo(settings.geoip_db, cache)
        _no_lost_family_since_last_good(geo, cache)
        return geo, info
    except GeoDatabaseError as exc:
        fallback = last_good(cache)
        if fallback is None:
            raise
        db = GeoDatabase(fallback)
        db.private = fallback
        log.error("geoip_db_refused_using_last_good", error=safe_text(str(exc), 500),
                  last_good=fallback.name, geoip_build=db.info.build_date)
        return db, db.info
