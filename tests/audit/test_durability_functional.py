"""No record, no transfer, under crashes and failures, for the file store and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import resource

import aiohttp
import asyncpg

from residency_gateway.audit.export import verify_store
from residency_gateway.audit.signing import load_public_keys
from residency_gateway.audit.sources import FileSource, PgSource
from tests.conftest import GatewayProcess, map_for
from tests.helpers import ADDR, metric_value, write_map

HEADERS = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}


async def load(url: str, total: int, concurrency: int, stop_after: int | None = None,
               on_threshold=None, problems: list[str] | None = None
               ) -> list[tuple[int, str | None]]:
    """Bounded concurrent load on loopback; returns (status, decision id) per request, and
    appends what went wrong with each non-200 to `problems` (for failure messages).
    The per-request timeout is generous: these tests check answers, not latency, and a busy
    machine must not turn a slow 200 into a failure."""
    results: list[tuple[int, str | None]] = []
    queue = iter(range(total))
    fired = asyncio.Event()

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in queue:
            try:
                async with session.post(url + "/v1/compare", json={"n": i},
                                        headers=HEADERS) as r:
                    body = await r.read()
                    results.append((r.status, r.headers.get("X-Residency-Decision")))
                    if r.status != 200 and problems is not None:
                        problems.append(f"{r.status} {body[:300]!r}")
            except (TimeoutError, aiohttp.ClientError) as exc:
                results.append((0, None))
                if problems is not None:
                    problems.append(repr(exc))
            if stop_after is not None and len(results) >= stop_after and not fired.is_set():
                fired.set()
                on_threshold()

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    return results


def decision_ids(records) -> set[str]:
    return {r["decision_id"] for r in records if r["type"] == "decision"}


async def records_of(kind, data_dir, dsn):
    if kind == "file":
        source = FileSource(data_dir / "trail")
    else:
        source = await PgSource.aload(dsn)
    keys = load_public_keys([data_dir / "keys" / "signing"])
    findings, _ = verify_store(source, keys)
    recs = [json.loads(line)["record"] for log in source.logs()
            for _, line in source.entries(log)]
    return [str(f) for f in findings if f.severity == "error"], recs


async def sessions_gone(dsn: str, timeout_s: float = 30) -> None:
    """Until no session is connected to the test database (only the gateway connects to it).
    A backend notices its client died only when it next reads; until then it holds the log's
    advisory lock and a restarted gateway would rightly refuse to open the log."""
    from tests.audit.conftest import PG_DSN

    dbname = dsn.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_DSN)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                                   dbname):
            assert loop.time() < deadline, f"sessions of the killed gateway still open in {dbname}"
            await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def crash_and_restart(tmp_path, geo_db, recorder, processes, kind, dsn=None) -> None:
    upstream, seen = recorder
    env = {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": dsn} if dsn else {}
    map_path = write_map(tmp_path / "map.yaml", map_for(upstream))
    data_dir = tmp_path / "data"
    gw = await GatewayProcess(processes, map_path, geo_db, data_dir, env=env).start()
    results = await load(gw.url, total=400, concurrency=16, stop_after=120,
                         on_threshold=gw.kill9)
    assert any(status == 200 for status, _ in results)
    assert gw.proc.returncode == -9
    if dsn:  # PostgreSQL ends the dead process's sessions (and its log lock) when it notices
        await sessions_gone(dsn)
    # restart on the same trail: a torn tail is cut, the chain continues
    gw2 = await GatewayProcess(processes, map_path, geo_db, data_dir, env=env).start()
    problems: list[str] = []
    after = await load(gw2.url, total=20, concurrency=4, problems=problems)
    assert [s for s, _ in after] == [200] * 20, (problems, gw2.log.read_text()[-3000:])
    assert gw2.terminate() == 0
    errors, recs = await records_of(kind, data_dir, dsn)
    assert errors == []
    recorded = decision_ids(recs)
    missing = set(seen) - recorded
    assert not missing, f"{len(missing)} requests reached the upstream without a record"
    acknowledged = {d for status, d in results + after if status == 200}
    assert acknowledged <= recorded


async def test_kill_9_under_load_file_store(tmp_path, geo_db, recorder, processes):
    await crash_and_restart(tmp_path, geo_db, recorder, processes, "file")


async def test_kill_9_under_load_postgres_store(tmp_path, geo_db, recorder, pg_dsn, processes):
    await crash_and_restart(tmp_path, geo_db, recorder, processes, "postgres", pg_dsn)


async def test_unwritable_file_store_refuses_with_503_and_forwards_nothing(
        tmp_path, geo_db, recorder, processes):
    upstream, seen = recorder
    map_path = write_map(tmp_path / "map.yaml", map_for(upstream))
    data_dir = tmp_path / "data"

    def small_files() -> None:  # the disk is "full" once the trail segment reaches 24 KB
        resource.setrlimit(resource.RLIMIT_FSIZE, (24_000, resource.RLIM_INFINITY))

    gw = await GatewayProcess(processes, map_path, geo_db, data_dir, preexec=small_files).start()
    try:
        results = await load(gw.url, total=60, concurrency=4)
        statuses = [s for s, _ in results]
        assert 503 in statuses and 200 in statuses
        async with aiohttp.ClientSession() as s:
            refused = None
            for _ in range(20):  # the "disk" is full for records larger than what is left
                async with s.post(gw.url + "/v1/compare", json={}, headers=HEADERS) as r:
                    body = await r.json()
                    statuses.append(r.status)
                    if r.status == 503:
                        refused = body
                        break
            assert refused is not None and refused["reason"] == "trail_unavailable"
            assert refused["type"] == "urn:residency-gateway:problem:trail_unavailable"
            async with s.get(gw.admin + "/metrics") as r:
                assert metric_value(await r.text(), "rg_audit_write_failures_total") > 0
        assert len(seen) == statuses.count(200)  # nothing moved without its record
    finally:
        gw.terminate()
    _, recs = await records_of("file", data_dir, None)
    assert set(seen) <= decision_ids(recs)


async def test_postgres_store_down_refuses_with_503_and_forwards_nothing(
        tmp_path, geo_db, recorder, pg_dsn, processes):
    upstream, seen = recorder
    map_path = write_map(tmp_path / "map.yaml", map_for(upstream))
    env = {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": pg_dsn}
    gw = await GatewayProcess(processes, map_path, geo_db, tmp_path / "data", env=env).start()
    try:
        ok = await load(gw.url, total=10, concurrency=2)
        assert all(s == 200 for s, _ in ok) and len(seen) == 10
        dbname = pg_dsn.rsplit("/", 1)[1]
        from tests.audit.conftest import PG_DSN

        admin = await asyncpg.connect(PG_DSN)
        try:  # the store goes down: no new connections, existing ones cut
            await admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1", dbname)
            down = await load(gw.url, total=10, concurrency=2)
            assert [s for s, _ in down] == [503] * 10
            assert len(seen) == 10
            await admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        finally:
            await admin.close()
        back = await load(gw.url, total=5, concurrency=1)
        assert all(s == 200 for s, _ in back)  # recovers by itself once the store is back
    finally:
        assert gw.terminate() == 0
