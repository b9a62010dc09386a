"""SIGTERM under load: readiness drops first, in-flight requests finish, exit 0 in the grace."""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp
from aiohttp import web

from residency_gateway.gateway.app import serve_handler
from tests.conftest import GatewayProcess, map_for
from tests.helpers import ADDR, act_as_load_balancer, write_map


async def slow_upstream():
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(0.3)  # every request is in flight for a while
        return web.json_response({"ok": True})

    return await serve_handler(handle)


async def test_sigterm_under_load_finishes_in_flight_requests_and_exits_0(tmp_path, geo_db,
                                                                         processes):
    runner, upstream = await slow_upstream()
    map_path = write_map(tmp_path / "map.yaml", map_for(upstream))
    gw = await GatewayProcess(processes, map_path, geo_db, tmp_path / "data", env={
        "RG_DRAIN_DELAY_S": "1.0", "RG_SHUTDOWN_GRACE_S": "10"}).start()
    lb_stopped = asyncio.Event()  # what a load balancer does when /readyz fails
    results: list[int] = []
    in_flight_at_term: list[int] = []

    active = 0

    async def client() -> None:
        nonlocal active
        conn = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=conn) as s:
            while not lb_stopped.is_set() and len(results) < 2000:
                active += 1
                try:
                    async with s.post(gw.url + "/v1/compare", json={"x": 1}, headers={
                            "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as r:
                        await r.read()
                        results.append(r.status)
                except aiohttp.ClientError as exc:
                    results.append(-1)
                    raise AssertionError(f"request failed during shutdown: {exc!r}") from exc
                finally:
                    active -= 1

    checker = asyncio.create_task(act_as_load_balancer(gw.admin, lb_stopped))
    clients = [asyncio.create_task(client()) for _ in range(8)]
    await asyncio.sleep(1.0)
    in_flight_at_term.append(active)
    began = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    await asyncio.gather(*clients)
    await checker
    code = await asyncio.get_running_loop().run_in_executor(None, gw.proc.wait, 15)
    took = time.monotonic() - began
    await runner.cleanup()
    assert code == 0
    assert took < 10 + 1 + 2, f"shutdown took {took:.1f}s"
    assert in_flight_at_term[0] > 0
    assert results and set(results) == {200}, set(results)


async def test_sighup_reloads_the_map_and_refuses_a_broken_one(tmp_path, geo_db, processes):
    runner, upstream = await slow_upstream()
    map_path = write_map(tmp_path / "map.yaml", map_for(upstream))
    gw = await GatewayProcess(processes, map_path, geo_db, tmp_path / "data", env={
        "RG_ADMIN_TOKEN": "t", "RG_RELOAD_POLL_S": "3600"}).start()
    auth = {"Authorization": "Bearer t"}

    async def version() -> str:
        async with aiohttp.ClientSession() as s, s.get(gw.admin + "/admin/config",
                                                       headers=auth) as r:
            return str((await r.json())["policy_version"])

    try:
        first = await version()
        write_map(map_path, map_for(upstream, lambda m: m["tenants"]["acme"].update(
            overseas_region="jp")))
        gw.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if await version() != first:
                break
            await asyncio.sleep(0.05)
        second = await version()
        assert second != first
        map_path.write_text("version: 1\nregions: {}\n")
        gw.proc.send_signal(signal.SIGHUP)
        text = ""
        for _ in range(100):  # (the reload waits for the file to hold still: SETTLE_WINDOW_S)
            async with aiohttp.ClientSession() as s, s.get(gw.admin + "/metrics") as r:
                text = await r.text()
            if 'result="refused"' in text:
                break
            await asyncio.sleep(0.05)
        assert await version() == second  # the broken map was refused
        assert 'rg_reloads_total{result="refused",what="sighup"} 1.0' in text
        assert 'rg_reloads_total{result="ok",what="sighup"} 1.0' in text
    finally:
        assert gw.terminate() == 0
        await runner.cleanup()
