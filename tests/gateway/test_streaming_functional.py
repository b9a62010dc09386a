"""A 100 MB liveness video streams through a real gateway process with its memory flat."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from residency_gateway.gateway.app import serve_handler
from tests.conftest import free_port
from tests.helpers import ADDR, BASE_MAP, MP4, write_map

SIZE = 100 * 1024 * 1024
CHUNK = 256 * 1024


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


async def wait_ready(admin: str, proc: subprocess.Popen) -> None:
    async with aiohttp.ClientSession() as s:
        for _ in range(200):
            if proc.poll() is not None:
                raise AssertionError(f"gateway exited with {proc.returncode}")
            try:
                async with s.get(admin + "/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("gateway never became ready")


@pytest.fixture
async def sink():
    """An upstream that counts uploaded bytes and can stream a large download."""
    received: list[int] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/download":
            resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
            resp.content_length = SIZE
            await resp.prepare(request)
            block = b"\0" * CHUNK
            for _ in range(SIZE // CHUNK):
                await resp.write(block)
            await resp.write_eof()
            return resp
        n = 0
        async for chunk in request.content.iter_any():
            n += len(chunk)
        received.append(n)
        return web.json_response({"bytes": n})

    runner, url = await serve_handler(handle)
    yield url, received
    await runner.cleanup()


@pytest.fixture
async def gateway_process(tmp_path, geo_db, sink):
    url, _ = sink
    data = {**BASE_MAP, "regions": {
        rid: {**r, "upstreams": [url], "allow_plaintext": True}
        for rid, r in BASE_MAP["regions"].items()}}
    map_path = write_map(tmp_path / "map.yaml", data)
    port, admin_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "residency_gateway", "serve", "--config", str(map_path),
         "--geoip-db", str(geo_db), "--host", "127.0.0.1", "--port", str(port),
         "--admin-port", str(admin_port), "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RG_LOG_FORMAT": "json"})
    try:
        await wait_ready(f"http://127.0.0.1:{admin_port}", proc)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_100mb_upload_and_download_stream_with_flat_memory(gateway_process, sink):
    proc, url = gateway_process
    _, received = sink
    headers = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"], "Content-Type": "video/mp4"}
    async with aiohttp.ClientSession() as s:
        async with s.post(url + "/warmup", data=MP4 + b"x" * CHUNK, headers=headers) as r:
            assert r.status == 200
        before = rss_kb(proc.pid, "VmRSS")

        async def video():  # a real MP4 start, so it streams as media (never buffered)
            block = os.urandom(CHUNK)
            yield MP4 + block[len(MP4):]
            for _ in range(SIZE // CHUNK - 1):
                yield block

        async with s.post(url + "/v1/liveness", data=video(), headers=headers) as r:
            assert r.status == 200
            assert (await r.json())["bytes"] == SIZE
        got = 0
        async with s.get(url + "/download", headers=headers) as r:
            assert r.status == 200
            async for chunk in r.content.iter_any():
                got += len(chunk)
        assert got == SIZE
    assert received[-1] == SIZE
    peak = rss_kb(proc.pid, "VmHWM")
    growth_mb = (peak - before) / 1024
    print(f"rss growth {growth_mb:.1f} MB")
    assert growth_mb < 50, f"gateway RSS grew {growth_mb:.1f} MB while streaming 2 x 100 MB"
