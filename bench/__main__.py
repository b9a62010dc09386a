"""Benchmarks for the decision trail and the proxy.

1. Durable decisions per second: the file trail with group commit under concurrent appenders,
   against the baseline of one append (one fsync) at a time; the same for PostgreSQL when a
   server is reachable (RG_TEST_PG_DSN or 127.0.0.1:5432).
2. Proxy throughput: requests per second through the gateway with the trail on, with a trail
   that persists nothing (the cost of durability), and straight to the upstream (the cost of the
   gateway). All traffic stays on 127.0.0.1 and every loop is bounded by a request count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import demo_setup, one_server_map
from residency_gateway.audit.chain import GENESIS
from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.merkle import Frontier
from residency_gateway.audit.signing import generate
from residency_gateway.audit.trail import Entry, Recovered, Trail
from residency_gateway.cli.demo import build_geoip, demo_file
from residency_gateway.gateway.app import serve_handler, start
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.settings import Settings

RECORD = {"type": "decision", "decision_id": "x", "time": "2026-11-29T00:00:00+00:00",
          "tenant": "acme", "action": "forward", "payload": "n" * 600}


class NullTrail(Trail):
    """Persists nothing: the baseline that shows what durability costs. Bench only."""

    async def _open(self) -> Recovered:
        return Recovered(Frontier(), GENESIS, None)

    async def _persist(self, entries: list[Entry]) -> None:
        return None

    async def _persist_checkpoint(self, cp: dict[str, Any]) -> None:
        return None

    async def _close(self) -> None:
        return None


async def appends_per_second(trail: Trail, total: int, concurrency: int) -> float:
    await trail.start()
    queue = iter(range(total))

    async def worker() -> None:
        for _ in queue:
            await trail.append(RECORD)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    await trail.close()
    return total / elapsed


async def bench_trail(tmp: Path, total: int) -> None:
    signer = generate(tmp / "keys")
    print("== durable decisions per second (append returns after fsync / commit)")
    base = await appends_per_second(FileTrail(tmp / "t1", "b", signer), max(total // 10, 200), 1)
    print(f"file   one at a time (baseline)      {base:10.0f} /s")
    for conc in (16, 64, 256):
        rate = await appends_per_second(FileTrail(tmp / f"t{conc}", "b", signer), total, conc)
        print(f"file   group commit, {conc:3d} concurrent {rate:10.0f} /s   x{rate / base:6.1f}")
    dsn = os.environ.get("RG_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import asyncpg

        admin = await asyncpg.connect(dsn, timeout=3)
    except (OSError, Exception) as exc:
        print(f"postgres: skipped ({type(exc).__name__})")
        return
    from residency_gateway.audit.pgstore import PgTrail

    name = f"rg_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = dsn.rsplit("/", 1)[0] + "/" + name
    try:
        pbase = await appends_per_second(PgTrail(db, "b1", signer), max(total // 10, 200), 1)
        print(f"pg     one at a time (baseline)      {pbase:10.0f} /s")
        rate = await appends_per_second(PgTrail(db, "b2", signer), total, 64)
        print(f"pg     group commit,  64 concurrent {rate:10.0f} /s   x{rate / pbase:6.1f}")
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def upstream() -> tuple[web.AppRunner, str]:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})

    return await serve_handler(handle)


async def requests_per_second(url: str, total: int, concurrency: int) -> float:
    headers = {"X-Tenant-ID": "acme", "X-Forwarded-For": "198.51.100.10"}
    queue = iter(range(total))

    async def worker(s: aiohttp.ClientSession) -> None:
        for i in queue:
            async with s.post(url + "/v1/compare", json={"ref": i}, headers=headers) as r:
                await r.read()
                if r.status != 200:
                    raise RuntimeError(f"status {r.status}")

    async with aiohttp.ClientSession() as s:
        began = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
        return total / (time.perf_counter() - began)


async def bench_proxy(tmp: Path, total: int) -> None:
    print("== proxy throughput (client, gateway and upstream share this machine's 2 cores)")
    runner, up = await upstream()
    maps, geo = demo_setup(tmp, "maps", up)
    direct = await requests_per_second(up, total, 32)
    print(f"straight to upstream (baseline)      {direct:8.0f} req/s")
    results = {}
    for mode in ("trail off", "trail on"):
        settings = Settings(region_map=[maps], geoip_db=geo, data_dir=tmp / mode,
                            listen_host="127.0.0.1", log_id="bench", log_level="warning")
        rt = Runtime.create(settings)
        if mode == "trail off":
            rt.trail = NullTrail("bench", rt.trail.signer)
        running = await start(rt, host="127.0.0.1", port=0, admin_host="127.0.0.1",
                              admin_port=0)
        url = f"http://127.0.0.1:{running.proxy_port}"
        await requests_per_second(url, 50, 4)  # warm-up
        results[mode] = await requests_per_second(url, total, 32)
        await running.stop()
    off, on = results["trail off"], results["trail on"]
    print(f"gateway, trail off (null trail)      {off:8.0f} req/s   x{off / direct:5.2f} of direct")
    print(f"gateway, trail on (fsync'd, 2 records/request) {on:8.0f} req/s   "
          f"x{on / off:5.2f} of trail off")
    await runner.cleanup()


def bench_core(tmp: Path, n: int) -> None:
    """The pure decision path per request, against a bare GeoIP lookup as the baseline."""
    import datetime as dt

    from residency_gateway.audit.chain import leaf_hash
    from residency_gateway.audit.records import canonical, decision_record
    from residency_gateway.core.policy import RequestFacts, decide
    from residency_gateway.geo import GeoDatabase
    from residency_gateway.regionmap.load import load_region_map

    print("== decision core (one core, no I/O)")
    geo = GeoDatabase(build_geoip(demo_file("demo-networks.csv"), tmp / "core-geo.mmdb"))
    (tmp / "core.yaml").write_text(one_server_map("http://127.0.0.1:1"))
    lm = load_region_map(tmp / "core.yaml")
    facts = RequestFacts(peer="127.0.0.1", headers=(
        ("x-tenant-id", "acme"), ("x-forwarded-for", "198.51.100.10"),
        ("content-type", "application/json")))
    now = dt.datetime.now(dt.UTC)

    def rate(fn: Any) -> float:
        began = time.perf_counter()
        for _ in range(n):
            fn()
        return n / (time.perf_counter() - began)

    base = rate(lambda: geo("198.51.100.10"))
    print(f"GeoIP lookup (baseline)              {base:10.0f} /s")
    d = decide(facts, lm.rmap, lm.version, geo, now, "b")
    dec = rate(lambda: decide(facts, lm.rmap, lm.version, geo, now, "b"))
    print(f"decide()                             {dec:10.0f} /s   x{dec / base:5.2f} of lookup")
    rec = rate(lambda: leaf_hash(canonical(decision_record(
        d, geoip_build="x", gateway_region="cn", request_id="r", method="POST", path="/"))))
    print(f"record + canonical JSON + leaf hash  {rec:10.0f} /s   x{rec / base:5.2f} of lookup")


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--appends", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--scans", type=int, default=3000)
    args = parser.parse_args()
    from residency_gateway.observability import configure_logging

    configure_logging("json", "error")
    from bench.inspection import bench_loop_delay, bench_scan

    with tempfile.TemporaryDirectory(prefix="rg-bench-") as d:
        bench_scan(args.scans)
        runner, up = await upstream()
        await bench_loop_delay(Path(d), up)
        await runner.cleanup()
        bench_core(Path(d), args.decisions)
        await bench_trail(Path(d), args.appends)
        await bench_proxy(Path(d), args.requests)


if __name__ == "__main__":
    asyncio.run(main())
