"""Fixtures for functional tests: real aiohttp upstream servers and a real gateway on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
from aiohttp import web
from multidict import CIMultiDict

from residency_gateway.gateway.app import Running, serve_handler, start
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.observability import configure_logging
from residency_gateway.settings import Settings
from tests.helpers import BASE_MAP, demo_geo, free_port, write_map

configure_logging("console", "info")  # logs to stderr, as in production; stdout stays the CLI's


@dataclass
class Backend:
    """A regional KYC backend that records everything it receives."""

    region: str
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    status: int = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        size, digest = 0, hashlib.sha256()
        async for chunk in request.content.iter_any():
            size += len(chunk)
            digest.update(chunk)
        self.requests.append({"method": request.method, "path": request.raw_path,
                              "headers": dict(request.headers), "body_bytes": size,
                              "sha256": digest.hexdigest()})
        return web.json_response({"region": self.region, "body_bytes": size,
                                  "sha256": digest.hexdigest()},
                                 status=self.status, headers={"Connection": "keep-alive",
                                                              "X-Residency-Region": "forged"})


@pytest.fixture
async def backends() -> AsyncIterator[dict[str, Backend]]:
    made: dict[str, Backend] = {}
    for region in ("cn", "cn2", "sg", "id", "jp"):
        b = Backend(region)
        # Bodies as sent (no automatic decompression): the tests compare bytes.
        app = web.Application(handler_args={"auto_decompress": False})
        app.router.add_route("*", r"/{tail:[\s\S]*}", b.handle)
        b.runner = web.AppRunner(app, access_log=None)
        await b.runner.setup()
        site = web.TCPSite(b.runner, "127.0.0.1", 0)
        await site.start()
        b.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        made[region] = b
    yield made
    for b in made.values():
        assert b.runner is not None
        await b.runner.cleanup()


@pytest.fixture(scope="session")
def geo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_geo(tmp_path_factory.mktemp("geo"))


@dataclass
class Gateway:
    running: Running
    data_dir: Path
    map_path: Path
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.running.proxy_port}"

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.running.admin_port}"

    @property
    def runtime(self) -> Runtime:
        return self.running.runtime

    def records(self) -> list[dict[str, Any]]:
        out = []
        for seg in sorted((self.data_dir / "trail").glob("*/seg-*.jsonl")):
            out.extend(json.loads(line)["record"] for line in seg.read_text().splitlines())
        return out

    async def completions(self, count: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """Completion records are written after the response ends: wait for `count` of them
        (up to `timeout_s`: on a loaded 2-core machine a 3 MB answer to a paused client took
        2.2 s to end, past the 2 s this waited before)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            done = [r for r in self.records() if r["type"] == "completion"]
            if len(done) >= count:
                return done
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"expected {count} completion records")
            await asyncio.sleep(0.01)

    def trail_text(self) -> str:
        return "".join(p.read_text() for p in (self.data_dir / "trail").glob("*/seg-*.jsonl"))

    async def post(self, path: str = "/v1/compare", *, tenant: str | None = "acme",
                   xff: str | None = None, json_body: Any = None, data: Any = None,
                   headers: Any = None, session: aiohttp.ClientSession | None = None,
                   allow_redirects: bool = True) -> tuple[int, dict[str, str], Any]:
        hdrs = CIMultiDict(headers or {})  # (a list of pairs: a header sent more than once)
        if tenant is not None:
            hdrs["X-Tenant-ID"] = tenant
        if xff is not None:
            hdrs["X-Forwarded-For"] = xff
        s = session or self.session
        async with s.post(self.url + path, json=json_body, data=data, headers=hdrs,
                          allow_redirects=allow_redirects) as r:
            text = await r.text()
            body = json.loads(text) if r.content_type.endswith("json") else text
            return r.status, dict(r.headers), body


MapEdit = Callable[[dict[str, Any]], None]


@pytest.fixture
async def make_gateway(tmp_path: Path, backends: dict[str, Backend], geo_db: Path
                       ) -> AsyncIterator[Callable[..., Any]]:
    started: list[Gateway] = []

    async def make(edit: MapEdit | None = None, *, down: tuple[str, ...] = (),
                   **settings: Any) -> Gateway:
        data = map_of_backends(backends)
        for rid in down:
            data["regions"][rid]["upstreams"] = [f"http://127.0.0.1:{free_port()}"]
        if edit is not None:
            edit(data)
        n = len(started)
        map_path = write_map(tmp_path / f"map{n}.yaml", data)
        data_dir = tmp_path / f"data{n}"
        s = Settings(region_map=[map_path], geoip_db=geo_db, listen_host="127.0.0.1",
                     listen_port=0, admin_port=0, data_dir=data_dir, log_id=f"test{n}",
                     **{"region": "cn", **settings})
        rt = Runtime.create(s)
        running = await start(rt, host="127.0.0.1", port=0, admin_host="127.0.0.1", admin_port=0)
        gw = Gateway(running, data_dir, map_path, aiohttp.ClientSession())
        started.append(gw)
        return gw

    async with contextlib.AsyncExitStack() as stack:  # every gateway stopped, even if one fails
        yield make
        for gw in started:
            stack.push_async_callback(gw.running.stop)  # its inspection workers end with it
            stack.push_async_callback(gw.session.close)


class Processes:
    """Owns every subprocess a test starts. Each runs in its own session (process group); at
    teardown every group still there is killed with SIGKILL and every process reaped, whether
    the test passed, failed or was interrupted, so nothing a test starts outlives it."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[Any]] = []

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        proc: subprocess.Popen[Any] = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.started.append(proc)
        return proc

    def cleanup(self) -> None:
        for proc in self.started:
            # the whole group: workers a process forked (nginx) and orphans of a dead leader
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def processes() -> Iterator[Processes]:
    owner = Processes()
    try:
        yield owner
    finally:
        owner.cleanup()


# multiprocessing's own helpers, one per interpreter, started on first use (the in-process
# gateway's inspection pool uses forkserver) and ended when pytest exits: not a test's leak.
# Their children (pool workers) are checked like any other process.
_SHARED_HELPERS = ("from multiprocessing.forkserver import main",
                   "from multiprocessing.resource_tracker import main")


def live_children() -> list[psutil.Process]:
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            if child.ppid() == os.getpid() and any(
                    h in " ".join(child.cmdline()) for h in _SHARED_HELPERS):
                continue
            out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


def describe(procs: list[psutil.Process]) -> str:
    out = []
    for p in procs:
        try:
            out.append(f"pid {p.pid}: {' '.join(p.cmdline())[:200]}")
        except psutil.Error:
            out.append(f"pid {p.pid}")
    return "; ".join(out)


def kill_all(procs: list[psutil.Process]) -> None:
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(procs, timeout=10)


@pytest.fixture(autouse=True)
def no_process_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set up before, torn down after every other fixture of the test: a child process still
    running then was left behind by the test (or by a fixture that does not own its processes).
    It is killed, and the test errors naming it."""
    before = {p.pid for p in live_children()}
    yield
    left = [p for p in live_children() if p.pid not in before]
    if left:
        text = describe(left)
        kill_all(left)
        pytest.fail(f"{request.node.nodeid} left child processes running: {text}",
                    pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    """Make pytest a child subreaper (Linux): a process a test daemonises (double fork, `cmd &`
    in a shell) is re-parented to pytest instead of init, so the checks here still see it."""
    if sys.platform == "linux":
        import ctypes

        pr_set_child_subreaper = 36
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Bytes that are not short printable ASCII (a gzip stream, whose header holds the time;
    random bytes) are named by argument and length: `make test` runs the suite in two xdist
    workers, which must collect the same test ids (duplicates get pytest's numbered suffix)."""
    if isinstance(val, bytes | bytearray) and (
            len(val) > 64 or not all(32 <= c < 127 for c in val)):
        return f"{argname}-{len(val)}B"
    if isinstance(val, str) and len(val) > 48:  # (keys and tokens made when collected)
        return f"{argname}-{len(val)}"
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The last line of defence: the session fails if any child of pytest is still running.
    (Under xdist each worker checks its own children; the controller's are the workers.)"""
    if getattr(session.config.option, "dist", "no") != "no" and \
            not hasattr(session.config, "workerinput"):
        return
    left = live_children()
    if left:
        text = describe(left)
        kill_all(left)
        session.config.stash[LEFT_BEHIND] = text
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


LEFT_BEHIND = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    text = config.stash.get(LEFT_BEHIND, None)
    if text:
        terminalreporter.section("child processes left behind", sep="=", red=True)
        terminalreporter.line(f"the session fails: these outlived every test and were killed: {text}")


def serve_command(map_path: Path, geo: Path, port: int, admin_port: int,
                  data_dir: Path, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "residency_gateway", "serve", "--config", str(map_path),
            "--geoip-db", str(geo), "--host", "127.0.0.1", "--port", str(port),
            "--admin-port", str(admin_port), "--data-dir", str(data_dir),
            "--workers", str(workers)]


async def wait_ready(admin: str, proc: subprocess.Popen[Any], log: Path | None = None,
                     timeout_s: float = 60) -> None:
    """Until `/readyz` answers 200 (trail open, upstreams probed), not merely until the port
    accepts; fails at once if the process exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
        while loop.time() < deadline:
            if proc.poll() is not None:
                tail = log.read_text()[-3000:] if log is not None and log.exists() else ""
                raise AssertionError(f"gateway exited with {proc.returncode}: {tail}")
            try:
                async with s.get(admin + "/readyz") as r:
                    if r.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"gateway never became ready in {timeout_s:.0f}s")


class GatewayProcess:
    """`residency-gateway serve` as a real child process (for kill -9, RSS and limit tests),
    started through a `Processes` owner so it never outlives its test."""

    def __init__(self, processes: Processes, map_path: Path, geo: Path, data_dir: Path, *,
                 env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None,
                 workers: int = 1):
        self.processes = processes
        self.workers = workers
        self.map_path, self.geo, self.data_dir = map_path, geo, data_dir
        self.env = env or {}
        self.preexec = preexec
        self.port, self.admin_port = free_port(), free_port()
        self.proc: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def log(self) -> Path:
        return self.data_dir.parent / "gateway.log"

    async def start(self) -> GatewayProcess:
        with self.log.open("ab") as log_file:
            self.proc = self.processes.popen(
                serve_command(self.map_path, self.geo, self.port, self.admin_port, self.data_dir,
                              self.workers),
                stdout=subprocess.DEVNULL, stderr=log_file,
                env={**os.environ, "RG_LOG_FORMAT": "json", "RG_LOG_ID": "gw-proc", **self.env},
                preexec_fn=self.preexec)
        await wait_ready(self.admin, self.proc, self.log)
        return self

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        return int(self.proc.wait(timeout=60))


def map_of_backends(backends: dict[str, Backend], edit: MapEdit | None = None
                    ) -> dict[str, Any]:
    """BASE_MAP with each region served by its own loopback backend (plaintext)."""
    data = copy.deepcopy(BASE_MAP)
    for rid, region in data["regions"].items():
        region["upstreams"] = [backends[rid].url]
        region["allow_plaintext"] = True
    if edit is not None:
        edit(data)
    return data


def map_for(upstream: str, edit: MapEdit | None = None) -> dict[str, Any]:
    """BASE_MAP with every region served by `upstream` (a loopback URL): the CN regions name
    it `localhost`, since a map whose CN region names a server of an overseas region is
    refused (the check cannot see that two names are one server)."""
    data = copy.deepcopy(BASE_MAP)
    for region in data["regions"].values():
        cn = region["jurisdiction"] == "CN"
        region["upstreams"] = [upstream.replace("//127.0.0.1:", "//localhost:") if cn
                               else upstream]
        region["allow_plaintext"] = True
    if edit is not None:
        edit(data)
    return data


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[str]]]:
    """One upstream for every region that records the decision id of each request it sees."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Residency-Decision", "?"))
        async for _ in request.content.iter_any():
            pass
        return web.json_response({"ok": True})

    runner, url = await serve_handler(handle)
    yield url, seen
    await runner.cleanup()


@pytest.fixture(scope="session")
def event_loop_policy() -> asyncio.AbstractEventLoopPolicy:
    """In-process gateways run on the loop `serve` runs on (uvloop, RG_EVENT_LOOP's default)."""
    import uvloop

    return uvloop.EventLoopPolicy()
