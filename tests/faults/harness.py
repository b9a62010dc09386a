"""Fault-injection harness: a gateway as a real process (owning its process group), one
recording upstream per region, bounded load on loopback, and the four checks every fault test
makes (no mainland request at a non-CN upstream, no upstream request without a record, the
trail verifies, the gateway answers again within a bound)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from aiohttp import web

from residency_gateway.audit.export import verify_store
from residency_gateway.audit.signing import load_public_keys
from residency_gateway.audit.sources import FileSource, PgSource
from tests.helpers import ADDR, BASE_MAP, free_port, write_map

ROOT = Path(__file__).parents[2]
SG_HEADERS = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}
CN_HEADERS = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["CN"]}


@dataclass
class Seen:
    region: str
    decision_id: str
    origin: str
    body_bytes: int


@dataclass
class RegionUpstreams:
    """One aiohttp upstream per region; each records what reached it. `mode` changes how
    they answer: ok, slow (delay), hang (never answer), reset (abort the connection)."""

    seen: list[Seen] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    mode: str = "ok"
    delay_s: float = 0.0
    runners: list[web.AppRunner] = field(default_factory=list)

    async def start(self, regions: list[str]) -> RegionUpstreams:
        for region in regions:
            app = web.Application()
            app.router.add_route("*", r"/{tail:[\s\S]*}", self._handler(region))
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.urls[region] = f"http://127.0.0.1:{port}"
            self.runners.append(runner)
        return self

    def _handler(self, region: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            size = 0
            async for chunk in request.content.iter_any():
                size += len(chunk)
            self.seen.append(Seen(region, request.headers.get("X-Residency-Decision", "?"),
                                  request.headers.get("X-Residency-Origin", "?"), size))
            if self.mode == "reset" and request.transport is not None:
                request.transport.abort()
                await asyncio.sleep(0)
                return web.Response(status=500)
            if self.mode == "hang":
                await asyncio.sleep(3600)
            if self.mode == "slow":
                await asyncio.sleep(self.delay_s)
            return web.json_response({"region": region, "body_bytes": size})

        return handle

    async def close(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


def fault_map(upstreams: RegionUpstreams, edit: Callable[[dict[str, Any]], None] | None = None
              ) -> dict[str, Any]:
    import copy

    data = copy.deepcopy(BASE_MAP)
    for rid, region in data["regions"].items():
        region["upstreams"] = [upstreams.urls[rid]]
        region["allow_plaintext"] = True
    if edit is not None:
        edit(data)
    return data


class GatewayProc:
    """`residency-gateway serve` in its own process group (killed whole in teardown)."""

    def __init__(self, workdir: Path, map_path: Path, geo: Path, *, env: dict[str, str] | None
                 = None, preexec: Callable[[], None] | None = None, log_id: str = "gw-fault"):
        self.workdir, self.map_path, self.geo = workdir, map_path, geo
        self.data_dir = workdir / "data"
        self.env = env or {}
        self.preexec = preexec
        self.log_id = log_id
        self.port, self.admin_port = free_port(), free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "gateway.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def spawn(self) -> None:
        def pre() -> None:
            os.setsid()
            if self.preexec is not None:
                self.preexec()

        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "residency_gateway", "serve", "--config",
                 str(self.map_path), "--geoip-db", str(self.geo), "--host", "127.0.0.1",
                 "--port", str(self.port), "--admin-port", str(self.admin_port),
                 "--data-dir", str(self.data_dir), "--region", "cn",
                 "--workers", "1"],  # one process: the faults hit the process that records
                stdout=subprocess.DEVNULL, stderr=log_file, cwd=self.workdir,
                # this checkout's code, not whatever the virtualenv's editable install names
                env={**os.environ, "PYTHONPATH": os.pathsep.join(
                         [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
                     "RG_LOG_FORMAT": "json", "RG_LOG_ID": self.log_id,
                     "RG_DRAIN_DELAY_S": "0.5", "RG_HEALTH_INTERVAL_S": "0.5",
                     "RG_RELOAD_POLL_S": "0.2", **self.env},
                preexec_fn=pre)

    async def start(self, timeout_s: float = 30.0) -> GatewayProc:
        self.spawn()
        await self.wait_ready(timeout_s)
        return self

    async def wait_ready(self, timeout_s: float = 30.0) -> float:
        """Seconds until /readyz says 200 (readiness, not just an open port)."""
        began = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as s:
            while time.monotonic() - began < timeout_s:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise AssertionError(f"gateway exited with {self.proc.returncode}: "
                                         f"{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with s.get(self.admin + "/readyz") as r:
                        if r.status == 200:
                            return time.monotonic() - began
                await asyncio.sleep(0.05)
        raise AssertionError(f"gateway not ready within {timeout_s}s: {self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def log_events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    async def wait_exit(self, timeout_s: float = 60) -> int:
        assert self.proc is not None
        began = time.monotonic()
        while self.proc.poll() is None:
            if time.monotonic() - began > timeout_s:
                raise AssertionError(f"gateway did not exit within {timeout_s}s")
            await asyncio.sleep(0.05)
        return int(self.proc.returncode)

    async def terminate(self, timeout_s: float = 60) -> int:
        """SIGTERM and wait for the exit without blocking this loop (which may be running
        the upstreams and proxies the gateway needs to finish)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.terminate()
        began = time.monotonic()
        while self.proc.poll() is None:
            if time.monotonic() - began > timeout_s:
                raise AssertionError(f"gateway did not exit within {timeout_s}s after SIGTERM")
            await asyncio.sleep(0.05)
        return int(self.proc.returncode)

    def reap(self) -> None:
        """Teardown: kill the whole process group, whatever state it is in, and wait until
        each of its processes is gone (workers are not our children: killed with their
        parent, they were sometimes still exiting when the left-behind check looked, under
        load)."""
        if self.proc is None:
            return
        try:
            family = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            family = []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for member in family:  # (one outside the group too: a replacement started apart)
            with contextlib.suppress(psutil.Error):
                member.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        psutil.wait_procs(family, timeout=10)


@dataclass
class Result:
    status: int
    decision_id: str | None
    mainland: bool


async def load(url: str, total: int, concurrency: int, *, mainland_every: int = 2,
               on_count: tuple[int, Callable[[], None]] | None = None,
               timeout_s: float = 10.0, path: str = "/v1/compare") -> list[Result]:
    """Bounded concurrent load: `total` POSTs, every `mainland_every`-th from a CN address."""
    results: list[Result] = []
    queue = iter(range(total))
    fired = False

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal fired
        for i in queue:
            mainland = i % mainland_every == 0
            headers = CN_HEADERS if mainland else SG_HEADERS
            try:
                async with session.post(url + path, json={"n": i}, headers=headers) as r:
                    await r.read()
                    results.append(Result(r.status, r.headers.get("X-Residency-Decision"),
                                          mainland))
            except (TimeoutError, aiohttp.ClientError):
                results.append(Result(0, None, mainland))
            if on_count is not None and not fired and len(results) >= on_count[0]:
                fired = True
                on_count[1]()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    return results


async def answers_again(url: str, bound_s: float, headers: dict[str, str] | None = None,
                        row: Row | None = None) -> float:
    """Seconds until a request is forwarded again (200); fails past `bound_s`. Each probe
    counts as a request sent in `row`."""
    began = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s:
        while time.monotonic() - began < bound_s:
            if row is not None:
                row.sent += 1
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with s.post(url + "/v1/compare", json={"probe": 1},
                                  headers=headers or SG_HEADERS) as r:
                    await r.read()
                    if r.status == 200:
                        return round(time.monotonic() - began, 3)
            await asyncio.sleep(0.05)
    raise AssertionError(f"the gateway did not answer 200 again within {bound_s}s")


async def trail_records(data_dir: Path, dsn: str | None = None
                        ) -> tuple[list[str], list[dict[str, Any]]]:
    """(verification errors, records) of the gateway's trail (file store or PostgreSQL)."""
    source: Any = PgSource.aload(dsn) if dsn else FileSource(data_dir / "trail")
    if dsn:
        source = await source
    keys = load_public_keys([data_dir / "keys" / "signing"])
    findings, _ = verify_store(source, keys)
    records = [json.loads(line)["record"] for log in source.logs()
               for _, line in source.entries(log)]
    return [str(f) for f in findings if f.severity == "error"], records


@dataclass
class Row:
    """One line of docs/robustness.md."""

    fault: str
    sent: int = 0
    forwarded: int = 0
    records: int = 0
    refusals: int = 0
    unanswered: int = 0
    lost: int = 0
    unrecorded_forwards: int = 0
    mainland_leaks: int = 0
    recovery_s: float | None = None
    note: str = ""


async def check_invariants(row: Row, results: list[Result], upstreams: RegionUpstreams,
                           data_dir: Path, dsn: str | None = None) -> list[dict[str, Any]]:
    """The four promises, asserted and written into `row`. Returns the records."""
    errors, records = await trail_records(data_dir, dsn)
    assert errors == [], errors
    decisions = {r["decision_id"]: r for r in records if r["type"] == "decision"}
    row.sent += len(results)
    row.forwarded = len(upstreams.seen)
    row.records = len(records)
    row.refusals = sum(1 for r in results if r.status and r.status != 200)
    row.unanswered = sum(1 for r in results if not r.status)
    unrecorded = [s for s in upstreams.seen if s.decision_id not in decisions]
    leaks = [s for s in upstreams.seen if s.origin == "CN" and s.region not in ("cn", "cn2")]
    # lost: a client was told its request was decided (a decision id in a 2xx answer) but
    # the trail holds no such decision
    lost = [r for r in results if r.status == 200 and r.decision_id not in decisions]
    row.unrecorded_forwards, row.mainland_leaks, row.lost = len(unrecorded), len(leaks), len(lost)
    assert unrecorded == [], f"forwarded without a record: {unrecorded[:3]}"
    assert leaks == [], f"mainland data outside CN: {leaks[:3]}"
    assert lost == [], f"answered 200 without a record: {lost[:3]}"
    return records


def write_map_for(workdir: Path, upstreams: RegionUpstreams,
                  edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    return write_map(workdir / "map.yaml", fault_map(upstreams, edit))
