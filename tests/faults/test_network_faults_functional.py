"""Faults of the network around the gateway: upstreams that reset, hang or crawl, clients
that stall or vanish mid-request, slowloris and idle-connection floods under a low file limit.
Completion records say what really happened; nobody else's requests suffer."""

from __future__ import annotations

import asyncio
import json
import resource
import time

import aiohttp
import pytest

from tests.faults.harness import (
    SG_HEADERS,
    GatewayProc,
    Result,
    answers_again,
    check_invariants,
    load,
    write_map_for,
)
from tests.helpers import MP4


def short_timeouts(data: dict) -> None:
    data["limits"] = {"read_timeout_s": 1.0, "connect_timeout_s": 1.0,
                      "client_idle_timeout_s": 1.0, "body_timeout_s": 3.0}


async def completions(gw: GatewayProc, count: int) -> list[dict]:
    from tests.faults.harness import trail_records

    for _ in range(100):
        try:  # the gateway is running: the tail may be mid-write (torn) right now
            _, records = await trail_records(gw.data_dir)
        except ValueError:
            await asyncio.sleep(0.05)
            continue
        done = [r for r in records if r["type"] == "completion"]
        if len(done) >= count:
            return done
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} completion records")


async def test_upstream_reset_hang_and_slow(tmp_path, geo_db, upstreams, procs, scorecard):
    """reset: 502 upstream_error; hang: 504 upstream_timeout; slow within the timeout: 200.
    bytes_up says the body went out even when the upstream then failed."""
    row = scorecard("upstream reset, hang, slow")
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams, short_timeouts),
                                  geo_db).start()
    results: list[Result] = []
    for mode, expected in (("reset", 502), ("hang", 504), ("slow", 200)):
        upstreams.mode, upstreams.delay_s = mode, 0.3
        got = await load(gw.url, total=4, concurrency=2, mainland_every=2)
        assert {r.status for r in got} == {expected}, (mode, [r.status for r in got])
        results += got
    upstreams.mode = "ok"
    row.recovery_s = await answers_again(gw.url, bound_s=5, row=row)
    done = await completions(gw, 13)
    outcomes = {c["outcome"] for c in done}
    assert {"upstream_error", "upstream_timeout", "completed"} <= outcomes
    timeouts = [c for c in done if c["outcome"] == "upstream_timeout"]
    assert all(c["bytes_up"] == len(json.dumps({"n": 0})) or c["bytes_up"] > 0 for c in timeouts)
    assert await gw.terminate() == 0
    await check_invariants(row, results, upstreams, gw.data_dir)


async def test_client_stall_and_disconnect_are_the_clients(tmp_path, geo_db, upstreams, procs,
                                                           scorecard):
    """A client that stops mid-body on a streamed upload: 408 client_timeout (not 504); a
    client that goes away while its answer streams: client_disconnected (not an upstream
    error). Other clients are served meanwhile."""
    row = scorecard("client stalls mid-body, client disconnects mid-answer")
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams, short_timeouts),
                                  geo_db).start()
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(b"POST /v1/upload HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                 b"X-Forwarded-For: 198.51.100.10\r\nContent-Type: video/mp4\r\n"
                 b"Content-Length: 100000\r\n\r\n" + MP4 + b"\xff" * 1000)
    # (video streams; a JPEG or PNG this small is held whole and read first, round 20)
    await writer.drain()
    others = await load(gw.url, total=6, concurrency=2)  # served while one client stalls
    head = await asyncio.wait_for(reader.read(4096), timeout=10)
    writer.close()
    assert head.startswith(b"HTTP/1.1 408"), head[:80]
    decision = next(line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
                    if line.lower().startswith(b"x-residency-decision"))
    done = await completions(gw, 7)
    stalled = next(c for c in done if c["decision_id"] == decision)
    assert stalled["outcome"] == "client_timeout"
    assert stalled["bytes_up"] >= 1000  # what went out before the stall is counted

    upstreams.mode, upstreams.delay_s = "slow", 0.5
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(b"POST /v1/compare HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                 b"X-Forwarded-For: 198.51.100.10\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 2\r\n\r\n{}")
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()  # gone before the answer
    upstreams.mode = "ok"
    row.recovery_s = await answers_again(gw.url, bound_s=5, row=row)
    await asyncio.sleep(0.6)
    done = await completions(gw, 9)
    metrics = ""
    async with aiohttp.ClientSession() as s, s.get(gw.admin + "/metrics") as r:
        metrics = await r.text()
    assert 'rg_upstream_errors_total{kind="body"' not in metrics
    assert any(c["outcome"] in ("client_disconnected", "completed") for c in done)
    assert await gw.terminate() == 0
    await check_invariants(row, [*others, Result(408, decision, False), Result(0, None, False)],
                           upstreams, gw.data_dir)


@pytest.mark.slow
async def test_slowloris_and_idle_flood_under_a_low_file_limit(tmp_path, geo_db, upstreams,
                                                               procs, scorecard):
    """RLIMIT_NOFILE 256: 300 idle connections and 40 slowloris connections (a header byte a
    second) never take the gateway down: idle ones are closed first at the cap, slow heads
    after header_timeout_s, new ones refused fast; real requests keep being served; the log
    stays small."""
    row = scorecard("slowloris + idle flood, RLIMIT_NOFILE 256")

    def low_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    env = {"RG_HEADER_TIMEOUT_S": "2", "RG_IDLE_TIMEOUT_S": "30"}
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=env, preexec=low_files).start()
    idle: list[asyncio.StreamWriter] = []
    for _ in range(300):
        try:
            _, w = await asyncio.open_connection("127.0.0.1", gw.port)
            idle.append(w)
        except OSError:
            break
    slow: list[asyncio.StreamWriter] = []
    for _ in range(40):
        _, w = await asyncio.open_connection("127.0.0.1", gw.port)
        w.write(b"POST /v1/compare HTTP/1.1\r\nHost: gw\r\n")
        slow.append(w)
    began = time.monotonic()
    results: list[Result] = []

    async def drip() -> None:
        for _ in range(6):
            for w in slow:
                if not w.is_closing():
                    w.write(b"X-Slow: 1\r\n")
            await asyncio.sleep(1)

    dripping = asyncio.create_task(drip())
    try:
        for _ in range(3):
            results += await load(gw.url, total=10, concurrency=2, timeout_s=10)
        row.recovery_s = round(time.monotonic() - began, 3)
    finally:
        await dripping
        for w in idle + slow:
            w.close()
    assert sum(r.status == 200 for r in results) >= 25, [r.status for r in results]
    assert {r.status for r in results} <= {200, 503}
    async with aiohttp.ClientSession() as s, s.get(gw.admin + "/metrics") as r:
        metrics = await r.text()
    assert 'rg_connections_closed_total{reason="header_timeout"}' in metrics
    assert "rg_connections_closed_total{reason=\"idle_at_cap\"}" in metrics
    await answers_again(gw.url, bound_s=5, headers=SG_HEADERS, row=row)
    assert await gw.terminate() == 0
    assert gw.log_path.stat().st_size < 2_000_000
    await check_invariants(row, results, upstreams, gw.data_dir)
