"""A 100 MB liveness video streams through a real gateway process with its memory flat."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from residency_gateway.gateway.app import serve_handler
from tests.conftest import GatewayProcess, map_for
from tests.helpers import ADDR, MP4, write_map

SIZE = 100 * 1024 * 1024
CHUNK = 256 * 1024
DOWNLOAD_BLOCK = os.urandom(CHUNK)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"VmRSS not in /proc/{pid}/status")


class RssSampler:
    """Samples the gateway's resident set every 20 ms while a transfer runs. Growth is the
    largest sample minus a baseline taken just before the transfer, so start-up peaks cannot
    hide it (VmHWM, the lifetime peak, could)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.baseline = rss_kb(pid)
        self.samples: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.samples.append(rss_kb(self.pid))
            await asyncio.sleep(0.02)

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self.samples.append(rss_kb(self.pid))

    @property
    def growth_mb(self) -> float:
        return (max(self.samples) - self.baseline) / 1024


@pytest.fixture
async def sink():
    """An upstream that counts uploaded bytes and can stream a large download."""
    received: list[int] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/download":
            resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
            resp.content_length = SIZE
            await resp.prepare(request)
            for _ in range(SIZE // CHUNK):
                await resp.write(DOWNLOAD_BLOCK)
            await resp.write_eof()
            return resp
        n, digest = 0, hashlib.sha256()
        async for chunk in request.content.iter_any():
            n += len(chunk)
            digest.update(chunk)
        received.append(n)
        return web.json_response({"bytes": n, "sha256": digest.hexdigest()})

    runner, url = await serve_handler(handle)
    yield url, received
    await runner.cleanup()


@pytest.fixture
async def gateway_process(tmp_path, geo_db, sink, processes):
    url, _ = sink
    map_path = write_map(tmp_path / "map.yaml", map_for(url))
    gw = await GatewayProcess(processes, map_path, geo_db, tmp_path / "data").start()
    yield gw.proc, gw.url
    assert gw.terminate() == 0


async def test_100mb_upload_and_download_stream_with_flat_memory(gateway_process, sink):
    proc, url = gateway_process
    _, received = sink
    headers = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"], "Content-Type": "video/mp4"}
    async with aiohttp.ClientSession() as s:
        async with s.post(url + "/warmup", data=MP4 + b"x" * CHUNK, headers=headers) as r:
            assert r.status == 200

        sent = hashlib.sha256()

        async def video():  # a real MP4 start, so it streams as media (never buffered)
            for i in range(SIZE // CHUNK):
                block = os.urandom(CHUNK)
                if i == 0:
                    block = MP4 + block[len(MP4):]
                sent.update(block)
                yield block

        async with RssSampler(proc.pid) as upload:
            async with s.post(url + "/v1/liveness", data=video(), headers=headers) as r:
                assert r.status == 200
                assert await r.json() == {"bytes": SIZE, "sha256": sent.hexdigest()}
        got, digest = 0, hashlib.sha256()
        async with RssSampler(proc.pid) as download:
            async with s.get(url + "/download", headers=headers) as r:
                assert r.status == 200
                async for chunk in r.content.iter_any():
                    got += len(chunk)
                    digest.update(chunk)
        assert got == SIZE
        assert digest.hexdigest() == hashlib.sha256(DOWNLOAD_BLOCK * (SIZE // CHUNK)).hexdigest()
    assert received[-1] == SIZE
    for name, m in (("upload", upload), ("download", download)):
        # the sampler ran through the transfer: the figure is a measurement, not a default
        assert len(m.samples) >= 5, f"{name}: only {len(m.samples)} RSS samples"
        print(f"{name}: baseline {m.baseline / 1024:.1f} MB, growth {m.growth_mb:.1f} MB "
              f"over {len(m.samples)} samples")
        assert m.growth_mb < 50, f"gateway RSS grew {m.growth_mb:.1f} MB during the 100 MB {name}"
