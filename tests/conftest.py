"""Fixtures for functional tests: real aiohttp upstream servers and a real gateway on loopback."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from residency_gateway.gateway.app import Running, serve_handler, start
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.observability import configure_logging
from residency_gateway.settings import Settings
from tests.helpers import BASE_MAP, demo_geo, write_map

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
        size = 0
        digest = hashlib.sha256()
        async for chunk in request.content.iter_any():
            size += len(chunk)
            digest.update(chunk)
        self.requests.append({"method": request.method, "path": request.raw_path,
                              "headers": dict(request.headers), "body_bytes": size,
                              "sha256": digest.hexdigest()})
        return web.json_response({"region": self.region, "body_bytes": size},
                                 status=self.status, headers={"Connection": "keep-alive",
                                                              "X-Residency-Region": "forged"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def backends() -> AsyncIterator[dict[str, Backend]]:
    made: dict[str, Backend] = {}
    for region in ("cn", "cn2", "sg", "id", "jp"):
        b = Backend(region)
        # Bodies as sent (no automatic decompression): the tests compare bytes.
        app = web.Application(handler_args={"auto_decompress": False})
        app.router.add_route("*", "/{tail:.*}", b.handle)
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

    async def completions(self, count: int) -> list[dict[str, Any]]:
        """Completion records are written after the response ends: wait for `count` of them."""
        for _ in range(200):
            done = [r for r in self.records() if r["type"] == "completion"]
            if len(done) >= count:
                return done
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} completion records")

    def trail_text(self) -> str:
        return "".join(p.read_text() for p in (self.data_dir / "trail").glob("*/seg-*.jsonl"))

    async def post(self, path: str = "/v1/compare", *, tenant: str | None = "acme",
                   xff: str | None = None, json_body: Any = None, data: Any = None,
                   headers: dict[str, str] | None = None, session: aiohttp.ClientSession | None = None,
                   allow_redirects: bool = True) -> tuple[int, dict[str, str], Any]:
        hdrs = dict(headers or {})
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
        data = copy.deepcopy(BASE_MAP)
        for rid, region in data["regions"].items():
            url = f"http://127.0.0.1:{free_port()}" if rid in down else backends[rid].url
            region["upstreams"] = [url]
            region["allow_plaintext"] = True
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

    yield make
    for gw in started:
        await gw.session.close()
        await gw.running.stop()


class GatewayProcess:
    """`residency-gateway serve` as a real child process (for kill -9, RSS and limit tests)."""

    def __init__(self, map_path: Path, geo: Path, data_dir: Path, *,
                 env: dict[str, str] | None = None, preexec: Callable[[], None] | None = None):
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

    async def start(self) -> GatewayProcess:
        import os
        import subprocess
        import sys

        with (self.data_dir.parent / "gateway.log").open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "residency_gateway", "serve", "--config",
                 str(self.map_path), "--geoip-db", str(self.geo), "--host", "127.0.0.1",
                 "--port", str(self.port), "--admin-port", str(self.admin_port),
                 "--data-dir", str(self.data_dir)],
                stdout=subprocess.DEVNULL, stderr=log_file,
                env={**os.environ, "RG_LOG_FORMAT": "json", "RG_LOG_ID": "gw-proc", **self.env},
                preexec_fn=self.preexec)
        async with aiohttp.ClientSession() as s:
            for _ in range(300):
                if self.proc.poll() is not None:
                    log = (self.data_dir.parent / "gateway.log").read_text()[-3000:]
                    raise AssertionError(f"gateway exited with {self.proc.returncode}: {log}")
                try:
                    async with s.get(self.admin + "/readyz") as r:
                        if r.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("gateway never became ready")

    def kill9(self) -> None:
        import signal

        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        return int(self.proc.wait(timeout=60))


def map_for(upstream: str, edit: MapEdit | None = None) -> dict[str, Any]:
    data = copy.deepcopy(BASE_MAP)
    for region in data["regions"].values():
        region["upstreams"] = [upstream]
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
