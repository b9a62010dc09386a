"""Completion records say what happened: a request cut by shutdown is
`interrupted_by_shutdown` (it was sent), with the bytes that went out."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from residency_gateway.gateway.app import serve_handler


async def test_request_cut_by_shutdown_is_recorded_interrupted_with_its_bytes(make_gateway):
    arrived, release = asyncio.Event(), asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await request.read()
        arrived.set()
        await release.wait()
        return web.Response()

    runner, url = await serve_handler(hang)
    try:
        def to_hanging_sg(data):
            data["regions"]["sg"]["upstreams"] = [url]

        gw = await make_gateway(to_hanging_sg, shutdown_grace_s=0.2)
        body = b'{"photo": "' + b"a" * 5000 + b'"}'
        async with aiohttp.ClientSession() as s:
            call = asyncio.create_task(s.post(
                gw.url + "/v1/compare", data=body,
                headers={"X-Tenant-ID": "acme", "X-Forwarded-For": "198.51.100.10",
                         "Content-Type": "application/json"}))
            await asyncio.wait_for(arrived.wait(), timeout=10)
            await gw.running.stop()
            try:
                response = await call
                response.release()
            except aiohttp.ClientError:
                pass
        done = [r for r in gw.records() if r["type"] == "completion"]
        assert len(done) == 1
        assert done[0]["outcome"] == "interrupted_by_shutdown"
        assert done[0]["bytes_up"] == len(body)
    finally:
        release.set()
        await runner.cleanup()
