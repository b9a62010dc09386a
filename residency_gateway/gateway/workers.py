"""`serve --workers N` (shell): one gateway process per CPU under a supervising parent, after
gunicorn's arbiter and nginx's master process.

Each **worker** is the single-process gateway as it always ran (`serve --workers 1`): its own
event loop, upstream pools and inspection pool, and its own trail log `<log_id>-w<i>`, to
which it writes every record durably before data moves. It binds the proxy port with
SO_REUSEPORT, so the kernel spreads new connections across the workers' listeners, and serves
its admin app on a Unix socket in the parent's private run directory. It dies with the parent
(PR_SET_PDEATHSIG): a worker never outlives the gateway it belongs to.

The **parent** never sees a request or a record, so it cannot lose one. It:
- checks what the workers would check first (settings, region map, GeoIP DB, mainland store,
  ports) and makes the signing key once, so a mistake is one line, not one per worker;
- holds the proxy port (bound with SO_REUSEPORT, never listening: it takes no connection, and
  no other program can take the port while every worker is down);
- starts worker 0, then the others once worker 0 is up (so a trail or database problem is
  reported once, and schema creation is not raced);
- restarts a worker that exits, with backoff (`rg_worker_restarts_total{worker}`, a log line);
- watches that each worker is alive (`_watchdog`): every `worker_check_interval_s` it asks the
  worker's admin socket for `/healthz`, which the worker's event loop answers at once whatever
  its requests do (big inspections run in its inspection processes, uploads are read by the
  loop between other work); a worker that misses `worker_check_failures` in a row is hung
  (SIGSTOP, a stuck loop: the kernel would keep handing it its share of new connections), so
  it is logged (`worker_unresponsive`), SIGKILLed and restarted as any worker that exits;
- passes SIGHUP on to every worker (each reloads), and SIGTERM/SIGINT (each drains as a single
  gateway does); it exits 0 only when every worker did;
- serves the one admin port: `/healthz` (the parent is alive), `/readyz` (ready only when every
  worker answers ready: false while any is down, hung, starting or draining), `/metrics` (every
  worker's metrics added up by prometheus-client's multiprocess mode from files in the run
  directory; counters of a worker that died keep counting in the totals; gauges take the
  `multiprocess_mode` chosen in observability.Metrics), `/admin/reload` (to every worker, each
  answer awaited at most RELOAD_WAIT_S, one fan-out at a time; 200 only when every worker
  reloaded), `/admin/config` and `/admin/explain` (answered by one worker: they all load the
  same files). Every error of that app is problem+json, as one process's admin app.

The run directory (the workers' admin sockets and metric files) is a fresh private directory
made at start (mode 0700, so stale metric files of an earlier run can never be counted) and
removed at exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import json
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from residency_gateway.gateway.admin import ADMIN_MAX_BODY, ADMIN_MIDDLEWARES, refused
from residency_gateway.gateway.app import ListenError
from residency_gateway.gateway.problem import problem
from residency_gateway.gateway.responses import with_house_headers
from residency_gateway.settings import Settings

log = structlog.get_logger("residency_gateway")

METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
PR_SET_PDEATHSIG = 1
_PROBE_TIMEOUT_S = 1.0  # a worker that does not answer /readyz within this is not ready
_FORWARD_TIMEOUT_S = 30.0  # /admin/config and /admin/explain (a 1 MiB explain takes seconds)
# POST /admin/reload waits at most this long for each worker's answer (a reload waits at most
# runtime.SETTLE_BOUND_S, 3 s, for the files to hold still, then loads them): one that does not
# answer is named in the problem; its reload may still complete.
RELOAD_WAIT_S = 5.0
# After SIGTERM a worker has drain_delay_s + shutdown_grace_s and this long to close its trail
# before the parent kills it (deploy/k8s: 5 + 25 + 5, inside terminationGracePeriodSeconds 40).
DRAIN_MARGIN_S = 5.0
# The series the parent adds to the workers' (for tests of dashboards and alert rules).
FLEET_SERIES = ("rg_workers", "rg_workers_ready", "rg_worker_restarts_total")


class WorkersFailed(Exception):
    """The workers could not start. `said`: the worker printed its one-line reason (exit 1 or
    2, as `serve` does), which is then the gateway's only line, as with one process."""

    def __init__(self, message: str, *, said: bool):
        super().__init__(message)
        self.said = said


def socket_path(run_dir: Path, index: int) -> Path:
    return run_dir / f"w{index}.sock"


def become_worker(parent_pid: int) -> None:
    """In a worker, first thing: die with the parent (Linux), and not start at all if the
    parent is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        raise SystemExit(1)


def hold_port(host: str, port: int) -> socket.socket:
    """Check that nothing listens on host:port and hold it for the workers: a socket bound
    with SO_REUSEPORT that never listens takes no connection, but keeps the port while every
    worker is down. Port 0 picks a free port (the workers are told which). Raises
    ListenError, the same one line as a single gateway."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ListenError("proxy", host, port, OSError(errno.EADDRNOTAVAIL, str(exc))) from exc
    if port:
        # As a single gateway binds (SO_REUSEADDR, no SO_REUSEPORT): fails when anything
        # listens there, another gateway's workers included.
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise ListenError("proxy", host, port, exc) from exc
    hold = socket.socket(family, kind, proto)
    hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        try:
            hold.bind(address)  # without SO_REUSEADDR: no other program can bind the port
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            # TIME_WAIT connections of an earlier non-REUSEPORT listener: bind as it did
            hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            hold.bind(address)
    except OSError as exc:
        hold.close()
        raise ListenError("proxy", host, port, exc) from exc
    return hold


@dataclass
class Worker:
    index: int
    proc: asyncio.subprocess.Process | None = None
    restarts: int = 0
    up: bool = False  # answered on its admin socket since it was (re)started
    missed: int = 0  # liveness checks missed in a row (the watchdog's)
    session: aiohttp.ClientSession | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None


class _FleetCollector:
    """The workers' metrics added up (prometheus-client multiprocess mode), the workers' own
    `rg_ready` replaced by the parent's (ready only when every worker is), and the parent's
    own: worker counts and restarts."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet

    def collect(self) -> Iterator[Metric]:
        fleet = self.fleet
        files = MultiProcessCollector(None, path=str(fleet.metrics_dir))  # type: ignore[no-untyped-call]
        for family in files.collect():  # type: ignore[no-untyped-call]
            if family.name == "rg_ready":
                continue
            if family.name == "rg_policy_info":  # versions no live worker runs any more (0)
                family.samples = [s for s in family.samples if s.value]
            yield family
        yield GaugeMetricFamily("rg_ready", "1 when the gateway is ready to take traffic",
                                value=1 if fleet.last_ready else 0)
        yield GaugeMetricFamily("rg_workers", "Worker processes configured (serve --workers)",
                                value=len(fleet.workers))
        yield GaugeMetricFamily("rg_workers_ready", "Worker processes answering ready",
                                value=fleet.last_ready_count)
        restarts = CounterMetricFamily("rg_worker_restarts", "Worker processes that exited "
                                       "and were started again", labels=["worker"])
        for w in fleet.workers:
            restarts.add_metric([str(w.index)], w.restarts)
        yield restarts


@dataclass
class Fleet:
    settings: Settings
    count: int
    command: Callable[[int], list[str]]  # worker i's command line
    run_dir: Path
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 10.0
    healthy_after_s: float = 30.0
    workers: list[Worker] = field(default_factory=list)
    draining: bool = False
    last_ready: bool = False
    last_ready_count: int = 0
    _watchers: list[asyncio.Task[None]] = field(default_factory=list)
    # POST /admin/reload: one fan-out at a time; requests that come while one runs share the
    # next one (it starts after they came, so it reads what they wrote): at most two at once
    _reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _next_reload: asyncio.Future[tuple[int, str | None, str, dict[str, Any]]] | None = None

    def __post_init__(self) -> None:
        # all of them from the start: not ready until each one answers ready
        self.workers = [Worker(i) for i in range(self.count)]

    @property
    def metrics_dir(self) -> Path:
        return self.run_dir / "metrics"

    # ------------------------------------------------------------------ processes
    async def _spawn(self, w: Worker) -> None:
        env = {**os.environ, METRICS_ENV: str(self.metrics_dir)}
        with contextlib.suppress(FileNotFoundError):
            socket_path(self.run_dir, w.index).unlink()  # a dead worker's socket
        w.up = False
        w.proc = await asyncio.create_subprocess_exec(*self.command(w.index), env=env,
                                                      stdin=asyncio.subprocess.DEVNULL)
        if w.session is None:
            w.session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(socket_path(self.run_dir, w.index)),
                                                force_close=True),
                timeout=aiohttp.ClientTimeout(total=_FORWARD_TIMEOUT_S))
        log.info("worker_started", worker=w.index, pid=w.proc.pid)

    async def _wait_up(self, w: Worker) -> bool:
        """Until the worker answers on its admin socket (True) or exits (False)."""
        assert w.proc is not None and w.session is not None
        while w.alive:
            with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                async with w.session.get("http://worker/healthz",
                                         timeout=aiohttp.ClientTimeout(total=1)) as r:
                    if r.status == 200:
                        w.up = True
                        return True
            await asyncio.sleep(0.05)
        return False

    async def start(self) -> None:
        """Worker 0, then the others: a worker that exits while starting stops them all."""
        self.metrics_dir.mkdir(mode=0o700)
        await self._spawn(self.workers[0])
        if not await self._wait_up(self.workers[0]):
            await self._failed_start(self.workers[0])
        for w in self.workers[1:]:
            await self._spawn(w)
        results = await asyncio.gather(*(self._wait_up(w) for w in self.workers[1:]))
        for w, ok in zip(self.workers[1:], results, strict=True):
            if not ok:
                await self._failed_start(w)
        self._watchers = [asyncio.create_task(self._watch(w), name=f"worker-{w.index}")
                          for w in self.workers]
        self._watchers += [asyncio.create_task(self._watchdog(w), name=f"watchdog-{w.index}")
                           for w in self.workers]
        self._watchers.append(asyncio.create_task(self.keep_fresh(), name="keep_fresh"))
        if os.getpid() == 1:
            self._watchers.append(asyncio.create_task(self.reap_orphans(), name="reaper"))

    async def _failed_start(self, w: Worker) -> None:
        assert w.proc is not None
        code = w.proc.returncode
        await self.terminate(grace_s=10)
        raise WorkersFailed(f"worker {w.index} exited with code {code} while starting; "
                            "the gateway stops", said=code in (1, 2))

    async def _watch(self, w: Worker) -> None:
        """Wait for the worker to exit; unless the gateway is stopping, start it again with
        backoff (exponential with jitter, reset after it ran `healthy_after_s`)."""
        loop = asyncio.get_running_loop()
        delay = self.backoff_initial_s
        while True:
            assert w.proc is not None
            started = loop.time()
            code = await w.proc.wait()
            w.up = False
            pid = w.proc.pid
            self._dead(pid)
            if self.draining:
                return
            w.restarts += 1
            if loop.time() - started >= self.healthy_after_s:
                delay = self.backoff_initial_s
            wait = delay * (0.5 + random.random())
            log.error("worker_exited", worker=w.index, pid=pid,
                      code=code if code >= 0 else None,
                      signal=signal.Signals(-code).name if code < 0 else None,
                      restarts=w.restarts, restart_in_s=round(wait, 2))
            await asyncio.sleep(wait)
            delay = min(delay * 2, self.backoff_max_s)
            if self.draining:
                return
            await self._spawn(w)
            if self.draining:  # SIGTERM came while it was being started
                self.signal_all(signal.SIGTERM)
            if await self._wait_up(w):
                log.info("worker_restarted", worker=w.index, pid=w.pid, restarts=w.restarts)

    async def _answers(self, w: Worker, timeout_s: float) -> bool:
        """Whether the worker's event loop answers `/healthz` on its admin socket in time."""
        assert w.session is not None
        try:
            async with w.session.get("http://worker/healthz",
                                     timeout=aiohttp.ClientTimeout(total=timeout_s)) as r:
                await r.read()
                return r.status == 200
        except (TimeoutError, aiohttp.ClientError, OSError):
            return False

    async def _watchdog(self, w: Worker) -> None:
        """Liveness, not readiness: every `worker_check_interval_s` (each check bounded by it),
        `/healthz` of a worker that is up. Its event loop answers that at once however busy the
        worker is (inspections run in its inspection processes, bodies are read between other
        work), and a worker whose upstreams are down is not ready but alive. A worker that
        misses `worker_check_failures` checks in a row is hung: SIGKILL, and its watcher
        (`_watch`) restarts it as any worker that exits (its trail continues from what it wrote
        durably, as after any kill)."""
        loop = asyncio.get_running_loop()
        every_s = self.settings.worker_check_interval_s
        limit = self.settings.worker_check_failures
        while not self.draining:
            began = loop.time()
            proc = w.proc
            if not (w.alive and w.up) or proc is None:
                w.missed = 0  # starting, or exited: its watcher's
            elif await self._answers(w, every_s):
                w.missed = 0
            elif w.proc is proc and w.alive and w.up and not self.draining:
                w.missed += 1
                if w.missed >= limit:
                    log.error("worker_unresponsive", worker=w.index, pid=proc.pid,
                              missed_checks=w.missed, check_interval_s=every_s)
                    w.up, w.missed = False, 0
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
            await asyncio.sleep(max(0.0, every_s - (loop.time() - began)))

    async def keep_fresh(self, every_s: float = 3600.0) -> None:
        """Touch the run directory and what is in it, hourly: temporary-file cleaners
        (systemd-tmpfiles: /tmp entries unused for 10 days) must never take the workers'
        sockets from under a gateway that runs for weeks."""
        while True:
            await asyncio.sleep(every_s)
            with contextlib.suppress(OSError):
                for path in [self.run_dir, *self.run_dir.iterdir(), *self.metrics_dir.iterdir()]:
                    os.utime(path)

    async def reap_orphans(self, every_s: float = 5.0) -> None:
        """As PID 1 of a container, processes a dead worker leaves behind (its inspection
        processes) become this process's children: reap them, never a worker (its watcher
        does)."""
        while True:
            await asyncio.sleep(every_s)
            _reap_orphans({w.pid for w in self.workers if w.pid is not None})

    def _dead(self, pid: int) -> None:
        """A worker's live gauges leave the totals with it; its counters and histograms stay,
        folded into one archive file per type (a crash loop cannot pile up files that every
        scrape reads)."""
        with contextlib.suppress(OSError):
            mark_process_dead(pid, str(self.metrics_dir))  # type: ignore[no-untyped-call]
        _archive(self.metrics_dir, pid)

    def signal_all(self, sig: int) -> None:
        for w in self.workers:
            if w.alive:
                assert w.proc is not None
                with contextlib.suppress(ProcessLookupError):
                    w.proc.send_signal(sig)

    async def terminate(self, grace_s: float) -> bool:
        """SIGTERM to every worker; True when each exited 0 within `grace_s` (the rest are
        killed)."""
        self.draining = True
        alive = [w for w in self.workers if w.alive]  # (one that died is its watcher's)
        procs = [w.proc for w in alive if w.proc is not None]
        self.signal_all(signal.SIGTERM)
        try:
            codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), grace_s)
        except TimeoutError:
            self.signal_all(signal.SIGKILL)
            await asyncio.gather(*(p.wait() for p in procs))
            log.error("workers_killed", after_s=grace_s)
            return False
        bad = {w.index: c for w, c in zip(alive, codes, strict=True) if c != 0}
        if bad:
            log.error("workers_exited_badly", codes=bad)
        return not bad

    async def close(self) -> None:
        for task in self._watchers:
            task.cancel()
        for task in self._watchers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for w in self.workers:
            if w.session is not None:
                await w.session.close()

    # ------------------------------------------------------------------ admin
    async def readiness(self) -> tuple[bool, list[dict[str, Any]]]:
        async def one(w: Worker) -> dict[str, Any]:
            if not (w.alive and w.up) or w.session is None:
                return {"worker": w.index, "ready": False, "down": True}
            try:
                async with w.session.get("http://worker/readyz", timeout=aiohttp.ClientTimeout(
                        total=_PROBE_TIMEOUT_S)) as r:
                    body = await r.json()
                    return {"worker": w.index, "pid": w.pid, **body, "ready": r.status == 200}
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                # (a hung worker: the watchdog replaces it within its bound)
                return {"worker": w.index, "pid": w.pid, "ready": False,
                        "error": type(exc).__name__, "missed_checks": w.missed}

        answers = list(await asyncio.gather(*(one(w) for w in self.workers)))
        count = sum(1 for a in answers if a["ready"])
        ready = not self.draining and count == len(self.workers)
        self.last_ready, self.last_ready_count = ready, count
        return ready, answers

    def _any(self) -> Worker | None:
        live = [w for w in self.workers if w.alive and w.up]
        answering = [w for w in live if not w.missed] or live  # not one the watchdog doubts
        return random.choice(answering) if answering else None

    async def reload_all(self) -> tuple[int, str | None, str, dict[str, Any]]:
        """POST /admin/reload to every worker: (status, problem reason or None, detail, body).
        One fan-out at a time; a request that comes while one runs joins the next (which
        starts after it came), so any number of concurrent requests make at most two fan-outs
        and each waits at most about 2 x RELOAD_WAIT_S."""
        if self._next_reload is None:
            self._next_reload = asyncio.ensure_future(self._reload_when_free())
        return await asyncio.shield(self._next_reload)

    async def _reload_when_free(self) -> tuple[int, str | None, str, dict[str, Any]]:
        async with self._reload_lock:
            self._next_reload = None  # later requests join the next fan-out
            return await self._reload_every_worker()

    async def _reload_every_worker(self) -> tuple[int, str | None, str, dict[str, Any]]:
        token = self.settings.admin_token
        headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}

        async def one(w: Worker) -> dict[str, Any]:
            if not (w.alive and w.up) or w.session is None:
                return {"worker": w.index, "down": True}
            pid = w.pid
            try:
                async with w.session.post("http://worker/admin/reload", headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=RELOAD_WAIT_S)
                                          ) as r:
                    return {"worker": w.index, "pid": pid, "status": r.status,
                            **_json(await r.read())}
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                return {"worker": w.index, "pid": pid, "answered": False,
                        "error": type(exc).__name__}

        results = list(await asyncio.gather(*(one(w) for w in self.workers)))
        refusals = [r for r in results if "status" in r and r["status"] != 200]
        unanswered = [r["worker"] for r in results if r.get("answered") is False]
        down = [r["worker"] for r in results if r.get("down")]
        if not (refusals or unanswered or down):
            versions = {r.get("policy_version") for r in results}
            return 200, None, "", {
                "reloaded": True, "policy_version": versions.pop() if len(versions) == 1
                else sorted(map(str, versions)), "workers": results}
        said = []
        if refusals:
            said.append("worker " + ", ".join(str(r["worker"]) for r in refusals) +
                        " refused it")
        if unanswered:
            said.append("worker " + ", ".join(map(str, unanswered)) + " did not answer within "
                        f"{RELOAD_WAIT_S:g} s (its reload may still complete)")
        if down:
            said.append("worker " + ", ".join(map(str, down)) + " is down or starting")
        status, reason = ((int(refusals[0]["status"]), "reload_refused") if refusals else
                          (503, "worker_unresponsive" if unanswered else "worker_down"))
        return status, reason, ("not every worker reloaded: " + "; ".join(said) +
                                "; each one that did uses the new map or DB"), {
            "workers": results, "unanswered": unanswered, "down": down}

    async def forward(self, w: Worker, request: web.Request) -> web.Response:
        assert w.session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("authorization", "content-type")}
        try:
            async with w.session.request(request.method, f"http://worker{request.rel_url}",
                                         data=body or None, headers=headers) as r:
                return web.Response(body=await r.read(), status=r.status, headers={
                    "Content-Type": r.headers.get("Content-Type", "application/json")})
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return problem(503, "worker_unavailable", f"worker {w.index} did not answer "
                           f"({type(exc).__name__})")

    def admin_app(self) -> web.Application:
        app = with_house_headers(web.Application(middlewares=ADMIN_MIDDLEWARES,
                                                 client_max_size=ADMIN_MAX_BODY))
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_FleetCollector(self))
        token = self.settings.admin_token

        async def healthz(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok", "workers": len(self.workers)})

        async def readyz(request: web.Request) -> web.Response:
            ready, answers = await self.readiness()
            return web.json_response({"ready": ready, "draining": self.draining,
                                      "workers": answers}, status=200 if ready else 503)

        async def metrics(request: web.Request) -> web.Response:
            await self.readiness()  # each worker refreshes its gauges as it answers
            body = generate_latest(registry)  # on the loop: never during an _archive
            return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

        async def to_one(request: web.Request) -> web.Response:
            refusal = refused(request, token)
            if refusal is not None:
                return refusal
            w = self._any()
            if w is None:
                return problem(503, "no_worker_running", "no worker is running right now")
            return await self.forward(w, request)

        async def reload(request: web.Request) -> web.Response:
            refusal = refused(request, token)
            if refusal is not None:
                return refusal
            status, reason, detail, body = await self.reload_all()
            if reason is None:
                return web.json_response(body, status=status)
            return problem(status, reason, detail, **body)

        app.router.add_get("/healthz", healthz)
        app.router.add_get("/readyz", readyz)
        app.router.add_get("/metrics", metrics)
        app.router.add_get("/admin/config", to_one)
        app.router.add_post("/admin/reload", reload)
        app.router.add_post("/admin/explain", to_one)
        return app


def _archive(directory: Path, pid: int) -> None:
    """Add a dead process's counter and histogram values into `<type>_archive.db` and remove
    its files. Runs on the event loop, as scrapes do, so a scrape never sees both."""
    for typ in ("counter", "histogram"):
        src = directory / f"{typ}_{pid}.db"
        if not src.exists():
            continue
        # (prometheus-client's mmap_dict has no type hints)
        dst = MmapedDict(str(directory / f"{typ}_archive.db"))  # type: ignore[no-untyped-call]
        try:
            values = MmapedDict.read_all_values_from_file(  # type: ignore[no-untyped-call]
                str(src))
            for key, value, _, _ in values:
                total, _ = dst.read_value(key)  # type: ignore[no-untyped-call]
                dst.write_value(key, total + value, 0.0)  # type: ignore[no-untyped-call]
        finally:
            dst.close()  # type: ignore[no-untyped-call]
        src.unlink()


def _reap_orphans(workers: set[int]) -> None:
    """Reap exited children that are not workers (WNOWAIT: look before taking; WNOHANG)."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid in workers:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(info.si_pid, os.WNOHANG)


def _json(body: Any) -> dict[str, Any]:
    try:
        value = json.loads(bytes(body))
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


async def run_fleet(settings: Settings, count: int,
                    command: Callable[[Path, int, int], list[str]]) -> int:
    """The parent: `command(run_dir, port, index)` is worker `index`'s command line. Returns
    the exit code; raises ListenError or WorkersFailed (one line each) when it cannot start."""
    s = settings
    loop = asyncio.get_running_loop()
    run_dir = Path(tempfile.mkdtemp(prefix="rg-workers-"))  # 0700, fresh: no stale metrics
    admin_runner: web.AppRunner | None = None
    fleet: Fleet | None = None
    hold: socket.socket | None = None
    try:
        hold = hold_port(s.listen_host, s.listen_port)
        port = int(hold.getsockname()[1])
        fleet = Fleet(s, count, lambda i: command(run_dir, port, i), run_dir)
        admin_runner = web.AppRunner(fleet.admin_app(), access_log=None)
        await admin_runner.setup()
        site = web.TCPSite(admin_runner, s.admin_host, s.admin_port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            raise ListenError("admin listener", s.admin_host, s.admin_port, exc) from exc
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, fleet.signal_all, signal.SIGHUP)
        log.info("workers_starting", workers=count, proxy=f"{s.listen_host}:{port}",
                 admin=f"{s.admin_host}:{s.admin_port}", run_dir=str(run_dir))
        starting = asyncio.create_task(fleet.start())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # WorkersFailed
            log.info("workers_running", workers=count, pids=[w.pid for w in fleet.workers])
            await stopped
        else:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, WorkersFailed):
                await starting
        fleet.draining = True  # readiness fails at once; each worker drains as one gateway
        log.info("draining", workers=count, grace_s=s.shutdown_grace_s,
                 drain_delay_s=s.drain_delay_s)
        ok = await fleet.terminate(s.drain_delay_s + s.shutdown_grace_s + DRAIN_MARGIN_S)
        log.info("stopped", clean=ok)
        for sig in (signal.SIGTERM, signal.SIGINT):  # a repeated SIGTERM must not kill the exit
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)
        return 0 if ok else 1
    finally:
        if hold is not None:
            hold.close()
        if fleet is not None:
            if any(w.alive for w in fleet.workers):
                await fleet.terminate(grace_s=10)
            await fleet.close()
        if admin_runner is not None:
            await admin_runner.cleanup()
        shutil.rmtree(run_dir, ignore_errors=True)
