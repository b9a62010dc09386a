"""Bad day in production, round 11: the PostgreSQL trail misbehaving in ways that are not a
clean outage, witnesses that lie or misbehave, TLS upstreams with bad certificates or stalled
handshakes, and reloads racing a map written in several steps or a GeoIP DB swapped mid-traffic.

PostgreSQL (a database of our own per test, dropped at teardown): the server answering slowly
(a proxy delaying every packet), a connection that hangs mid-transaction (bytes stop after BEGIN,
no RST), the entries table locked by another session briefly and indefinitely, INSERTs failing
like a full disk or a statement timeout (a test trigger that RAISEs with those SQLSTATEs), the
table renamed away and back, the table dropped under a running gateway, and a COMMIT
acknowledgement lost in the middle of concurrent load (no seq duplicated or lost). Witnesses:
one that hangs, answers 500, answers garbage, cosigns a different tree, and one that streams an
endless body (the gateway's memory is watched). TLS: an expired, wrong-host and self-signed
server certificate, an mTLS upstream that rejects the gateway's client certificate, a handshake
that stalls and one the upstream closes, for overseas and for mainland traffic (never failed
over abroad). Reloads: SIGHUP storms while the map is written in place in steps 0.5 s apart
(past the 0.3 s settle window) and replaced by rename between the steps; a GeoIP DB replaced by
rename with one that moves a client's address into mainland China.

Real gateway processes, real PostgreSQL, real aiohttp/ssl servers; loopback only; every wait
bounded."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import os
import shutil
import signal
import ssl
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from residency_gateway.audit.note import COSIGNATURE_V1, Verifier, cosign, parse_note
from residency_gateway.cli.demo import build_geoip, demo_file
from residency_gateway.regionmap.load import load_region_map
from tests.faults.harness import (
    CN_HEADERS,
    SG_HEADERS,
    GatewayProc,
    Result,
    Row,
    answers_again,
    check_invariants,
    fault_map,
    load,
    write_map_for,
)
from tests.faults.pgproxy import PgProxy
from tests.helpers import write_map

PG_ADMIN = os.environ.get("RG_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PROBLEM = "application/problem+json"
LENIENT_SG = {"X-Tenant-ID": "lenient", "X-Forwarded-For": "198.51.100.10"}


# --- shared helpers --------------------------------------------------------------------------

@pytest.fixture
async def rt11_dsn():
    name = f"rt11_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN.rpartition("/")[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def proxied(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, f"{parts.username or 'postgres'}@127.0.0.1:{port}",
                       parts.path, "", ""))


def pg_env(dsn: str) -> dict[str, str]:
    return {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": dsn,
            "RG_AUDIT_CHECKPOINT_INTERVAL_S": "3600", "RG_AUDIT_CHECKPOINT_EVERY": "100000"}


async def post(url: str, headers: dict[str, str], bound_s: float, body: Any = None
               ) -> tuple[int, str, float, dict[str, Any] | None]:
    """(status or 0 when unanswered within bound_s, content type, seconds, problem body)."""
    began = time.monotonic()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=bound_s)) as s, \
                s.post(url + "/v1/compare", json=body or {"n": 1}, headers=headers) as r:
            raw = await r.read()
            ctype = r.headers.get("Content-Type", "")
            doc = None
            if ctype.startswith(PROBLEM):
                doc = json.loads(raw)
            return r.status, ctype, time.monotonic() - began, doc
    except (TimeoutError, aiohttp.ClientError):
        return 0, "", time.monotonic() - began, None


async def admin_get(gw: GatewayProc, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s, \
            s.get(gw.admin + path) as r:
        return r.status, await r.text()


class StallProxy:
    """A TCP relay to PostgreSQL that can delay every chunk, or go silent mid-transaction:
    armed, it lets the next BEGIN through (and its answer), then relays nothing more in
    either direction and keeps both sockets open (no FIN, no RST)."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.delay_s = 0.0
        self.arm = False
        self.frozen = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> StallProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            ur, uw = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers += [writer, uw]
        tasks = [asyncio.create_task(self._pipe(reader, uw, client=True)),
                 asyncio.create_task(self._pipe(ur, writer, client=False))]
        self._tasks.update(tasks)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                    client: bool) -> None:
        begin_seen = False
        with contextlib.suppress(ConnectionError, OSError):
            while True:
                data = await reader.read(65536)
                if not data:
                    writer.close()
                    return
                if self.frozen.is_set() or (client and begin_seen):
                    self.frozen.set()
                    await asyncio.Event().wait()  # silent from now on, sockets stay open
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                writer.write(data)
                await writer.drain()
                if client and self.arm and b"BEGIN" in data:
                    begin_seen = True

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for w in self._writers:
            w.close()
        if self.server is not None:
            await self.server.wait_closed()


async def stall_proxy(dsn: str) -> StallProxy:
    parts = urlsplit(dsn)
    return await StallProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()


async def entry_seqs(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        return [r["seq"] for r in await conn.fetch("SELECT seq FROM rg_trail_entries "
                                                   "ORDER BY log_id, seq")]
    finally:
        await conn.close()


# --- (a) the PostgreSQL trail --------------------------------------------------------------

async def test_pg_answering_slowly_records_everything_and_moves_nothing_unrecorded(
        tmp_path, geo_db, upstreams, procs, rt11_dsn):
    """Every packet between gateway and PostgreSQL delayed by 40 ms (a congested link, a
    server under pressure): requests take longer but each one is recorded before it moves,
    mainland stays in CN, and the trail verifies."""
    proxy = await stall_proxy(rt11_dsn)
    try:
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=pg_env(proxied(rt11_dsn, proxy.port))).start()
        proxy.delay_s = 0.04
        async with asyncio.timeout(60):
            results = await load(gw.url, total=30, concurrency=6, timeout_s=20)
        assert {r.status for r in results} == {200}, [r.status for r in results]
        assert await gw.terminate() == 0
    finally:
        await proxy.close()
    await check_invariants(Row("slow pg"), results, upstreams, gw.data_dir, rt11_dsn)
    assert entry_seqs_ok(await entry_seqs(rt11_dsn))


def entry_seqs_ok(seqs: list[int]) -> bool:
    return seqs == list(range(len(seqs)))


async def test_pg_connection_hanging_mid_transaction_is_a_bounded_503(
        tmp_path, geo_db, upstreams, procs, rt11_dsn):
    """The trail's connection goes silent after BEGIN (a half-dead NAT entry, a frozen
    server): the request whose decision is being written, and the ones after it, must be
    answered 503 problem within a bound, with nothing forwarded, and the admin port must keep
    answering."""
    proxy = await stall_proxy(rt11_dsn)
    try:
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=pg_env(proxied(rt11_dsn, proxy.port))).start()
        assert (await post(gw.url, SG_HEADERS, 10))[0] == 200
        await asyncio.sleep(0.4)  # the lazy completion record is committed: the trail idles
        forwarded = len(upstreams.seen)
        proxy.arm = True
        async with asyncio.timeout(40):
            first, second = await asyncio.gather(
                post(gw.url, SG_HEADERS, 20),
                post(gw.url, CN_HEADERS, 20, body={"n": 2}))
            assert proxy.frozen.is_set()
            status, _ = await admin_get(gw, "/healthz")
            assert status == 200  # the process itself is alive
        assert len(upstreams.seen) == forwarded  # nothing moved without its record
        assert (first[0], first[1].split(";")[0]) == (503, PROBLEM), first[:3]
        assert (second[0], second[1].split(";")[0]) == (503, PROBLEM), second[:3]
        assert first[2] < 15 and second[2] < 15
    finally:
        await proxy.close()


async def test_pg_table_locked_briefly_delays_but_loses_nothing(tmp_path, geo_db, upstreams,
                                                                procs, rt11_dsn):
    """Another session holds ACCESS EXCLUSIVE on the entries table for 2 s (a migration, a
    VACUUM FULL): inserts block, then go through. Every request is answered, none forwarded
    before its record, seq numbers contiguous."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=pg_env(rt11_dsn)).start()
    locker = await asyncpg.connect(rt11_dsn)
    try:
        tr = locker.transaction()
        await tr.start()
        await locker.execute("LOCK TABLE rg_trail_entries IN ACCESS EXCLUSIVE MODE")

        async def release() -> None:
            await asyncio.sleep(2)
            await tr.rollback()

        async with asyncio.timeout(40):
            results, _ = await asyncio.gather(load(gw.url, total=12, concurrency=3,
                                                   timeout_s=20), release())
        assert {r.status for r in results} <= {200, 503}
        assert any(r.status == 200 for r in results)
        assert await gw.terminate() == 0
    finally:
        await locker.close()
    await check_invariants(Row("table locked 2 s"), results, upstreams, gw.data_dir, rt11_dsn)
    assert entry_seqs_ok(await entry_seqs(rt11_dsn))


async def test_pg_table_locked_indefinitely_is_a_bounded_503(tmp_path, geo_db, upstreams,
                                                             procs, rt11_dsn):
    """The lock is never released (a forgotten `BEGIN; LOCK TABLE ...` in a psql session):
    requests must be refused 503 within a bound, and nothing forwarded."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=pg_env(rt11_dsn)).start()
    locker = await asyncpg.connect(rt11_dsn)
    try:
        tr = locker.transaction()
        await tr.start()
        await locker.execute("LOCK TABLE rg_trail_entries IN ACCESS EXCLUSIVE MODE")
        async with asyncio.timeout(30):
            status, ctype, took, _ = await post(gw.url, SG_HEADERS, 20)
        assert upstreams.seen == []
        assert (status, ctype.split(";")[0]) == (503, PROBLEM), (status, took)
        assert took < 15
    finally:
        with contextlib.suppress(Exception):
            await tr.rollback()
        await locker.close()


@pytest.mark.parametrize("sqlstate", ["disk_full", "query_canceled"])
async def test_pg_insert_errors_refuse_clearly_then_recover(sqlstate, tmp_path, geo_db,
                                                            upstreams, procs, rt11_dsn):
    """INSERTs fail on the server (a trigger RAISEs with SQLSTATE 53100 disk_full, or 57014
    as a statement_timeout does): 503 trail_unavailable problems, nothing forwarded, no raw
    identifiers in the problem; the trigger goes: the gateway records and forwards again by
    itself and the trail verifies."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=pg_env(rt11_dsn)).start()
    results = await load(gw.url, total=6, concurrency=2)
    conn = await asyncpg.connect(rt11_dsn)
    try:
        await conn.execute(f"""
            CREATE FUNCTION rt11_fail() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'rt11 injected failure' USING ERRCODE = '{sqlstate}'; END $$;
            CREATE TRIGGER rt11_fail BEFORE INSERT ON rg_trail_entries
                FOR EACH ROW EXECUTE FUNCTION rt11_fail();""")
        forwarded = len(upstreams.seen)
        async with asyncio.timeout(30):
            down = [await post(gw.url, h, 10) for h in (SG_HEADERS, CN_HEADERS, SG_HEADERS)]
        assert [(d[0], d[1].split(";")[0]) for d in down] == [(503, PROBLEM)] * 3, down
        assert all(d[3] and d[3].get("reason", d[3].get("type", "")) for d in down)
        assert not any("192.0.2.10" in json.dumps(d[3]) for d in down)
        assert len(upstreams.seen) == forwarded
        await conn.execute("DROP TRIGGER rt11_fail ON rg_trail_entries")
        await answers_again(gw.url, bound_s=15)
        results += await load(gw.url, total=6, concurrency=2)
        assert all(r.status == 200 for r in results[-6:])
        assert await gw.terminate() == 0
    finally:
        await conn.close()
    results += [Result(d[0], None, False) for d in down]
    await check_invariants(Row(f"insert error {sqlstate}"), results, upstreams, gw.data_dir,
                           rt11_dsn)
    assert entry_seqs_ok(await entry_seqs(rt11_dsn))


async def test_pg_table_renamed_away_and_back(tmp_path, geo_db, upstreams, procs, rt11_dsn):
    """The entries table renamed under the running gateway (a botched migration), then
    renamed back: meanwhile nothing is forwarded unrecorded; afterwards the gateway recovers
    without a restart and the trail verifies with contiguous seqs."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=pg_env(rt11_dsn)).start()
    results = await load(gw.url, total=6, concurrency=2)
    conn = await asyncpg.connect(rt11_dsn)
    try:
        await conn.execute("ALTER TABLE rg_trail_entries RENAME TO rt11_moved")
        async with asyncio.timeout(30):
            during = await load(gw.url, total=6, concurrency=2)
        assert {r.status for r in during} <= {200, 503}, [r.status for r in during]
        await conn.execute("ALTER TABLE rt11_moved RENAME TO rg_trail_entries")
        await answers_again(gw.url, bound_s=15)
        after = await load(gw.url, total=6, concurrency=2)
        assert all(r.status == 200 for r in after)
        assert await gw.terminate() == 0
    finally:
        await conn.close()
    await check_invariants(Row("table renamed"), results + during + after, upstreams,
                           gw.data_dir, rt11_dsn)
    assert entry_seqs_ok(await entry_seqs(rt11_dsn))


async def test_pg_table_dropped_under_a_running_gateway_moves_nothing(tmp_path, geo_db,
                                                                      upstreams, procs,
                                                                      rt11_dsn):
    """`DROP TABLE rg_trail_entries` under a running gateway: it must not silently recreate
    an empty table and carry on at seq N (a trail with no beginning); every request is refused
    503 problem, nothing is forwarded, the process stays up and says it is not ready."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=pg_env(rt11_dsn)).start()
    await load(gw.url, total=4, concurrency=2)
    await asyncio.sleep(0.4)
    conn = await asyncpg.connect(rt11_dsn)
    try:
        await conn.execute("DROP TABLE rg_trail_entries")
        forwarded = len(upstreams.seen)
        async with asyncio.timeout(30):
            after = [await post(gw.url, h, 10) for h in (SG_HEADERS, CN_HEADERS) * 3]
            assert [(a[0], a[1].split(";")[0]) for a in after] == [(503, PROBLEM)] * 6, after
            assert len(upstreams.seen) == forwarded
            assert gw.proc is not None and gw.proc.poll() is None
            assert (await admin_get(gw, "/readyz"))[0] != 200
    finally:
        await conn.close()


async def test_pg_lost_commit_ack_under_concurrent_load_keeps_seqs_exact(
        tmp_path, geo_db, upstreams, procs, rt11_dsn):
    """A COMMIT acknowledgement lost while 4 clients keep sending (mainland and overseas):
    the batch is answered 503, the gateway reconciles from the store and continues; no seq is
    duplicated or skipped, every decision id appears once, nothing was forwarded unrecorded."""
    parts = urlsplit(rt11_dsn)
    proxy = await PgProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    try:
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=pg_env(proxied(rt11_dsn, proxy.port))).start()

        def lose() -> None:
            proxy.lose_next_commit_ack = True

        async with asyncio.timeout(60):
            results = await load(gw.url, total=60, concurrency=4, on_count=(10, lose))
            assert proxy.commits_lost == 1
            assert {r.status for r in results} <= {200, 503}
            await answers_again(gw.url, bound_s=15)
            results += await load(gw.url, total=10, concurrency=2)
        assert all(r.status == 200 for r in results[-10:])
        assert await gw.terminate() == 0
    finally:
        await proxy.stop()
    records = await check_invariants(Row("lost ack under load"), results, upstreams,
                                     gw.data_dir, rt11_dsn)
    assert entry_seqs_ok(await entry_seqs(rt11_dsn))
    ids = [r["decision_id"] for r in records if r["type"] == "decision"]
    assert len(ids) == len(set(ids))


# --- (b) witnesses ---------------------------------------------------------------------------

def witness_key(name: str) -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    return key, Verifier(name, COSIGNATURE_V1, key.public_key()).vkey()


class BadWitness:
    """An aiohttp witness that misbehaves in one way; counts the submissions it got."""

    def __init__(self, mode: str, name: str):
        self.mode, self.name = mode, name
        self.key, self.vkey = witness_key(name)
        self.hits = 0
        self.runner: web.AppRunner | None = None
        self.url = ""
        self.stream_stop = asyncio.Event()
        self.streamed = 0

    async def start(self) -> BadWitness:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/add-checkpoint", self.handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        body = (await request.read()).decode()
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "500":
            return web.Response(status=500, text="internal error\n")
        if self.mode == "garbage":
            return web.Response(body=b"\xff\xfe\x00garbage \x80\x81\n" * 50,
                                content_type="application/octet-stream")
        if self.mode == "lying":
            # a real cosignature by this witness, over a different tree of the same log
            note_text = body.split("\n\n", 1)[1] if "\n\n" in body else body
            note = parse_note(note_text)
            lines = note.text.split("\n")
            lines[1] = str(int(lines[1]) + 7)
            lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            other = "\n".join(lines)
            sig = cosign(other, self.name, self.key, int(time.time()))
            return web.Response(text=sig.line())
        if self.mode == "huge":
            resp = web.StreamResponse()
            await resp.prepare(request)
            chunk = b"\x00" * (1 << 20)
            with contextlib.suppress(ConnectionError, OSError):
                while not self.stream_stop.is_set():
                    await resp.write(chunk)
                    self.streamed += len(chunk)
            return resp
        return web.Response(status=400)

    async def close(self) -> None:
        self.stream_stop.set()
        if self.runner is not None:
            await self.runner.cleanup()


def witness_env(ws: list[BadWitness]) -> dict[str, str]:
    return {"RG_WITNESSES": json.dumps([{"url": w.url, "vkey": w.vkey} for w in ws]),
            "RG_WITNESS_QUORUM": "1", "RG_WITNESS_TIMEOUT_S": "1",
            "RG_WITNESS_BACKOFF_MAX_S": "1", "RG_AUDIT_CHECKPOINT_INTERVAL_S": "0.3"}


async def test_misbehaving_witnesses_never_slow_requests_nor_count_as_cosigned(
        tmp_path, geo_db, upstreams, procs):
    """Four witnesses: one hangs, one answers 500, one answers binary garbage, one returns a
    valid cosignature by its own key over a different tree. Checkpoints are made every 0.3 s
    and submitted to all of them while traffic runs: every request is answered 200 quickly,
    the gateway stays up and ready, no checkpoint counts as witnessed, and the failures are
    logged."""
    ws = [await BadWitness(m, f"rt11-{m}.test/w").start()
          for m in ("hang", "500", "garbage", "lying")]
    try:
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=witness_env(ws)).start()
        async with asyncio.timeout(60):
            results: list[Result] = []
            slowest = 0.0
            for _ in range(8):
                began = time.monotonic()
                results += await load(gw.url, total=8, concurrency=4, timeout_s=5)
                slowest = max(slowest, time.monotonic() - began)
                await asyncio.sleep(0.3)
            assert {r.status for r in results} == {200}
            assert slowest < 3, slowest
            assert all(w.hits for w in ws), [(w.mode, w.hits) for w in ws]
            assert (await admin_get(gw, "/readyz"))[0] == 200
            _, metrics = await admin_get(gw, "/metrics")
        events = gw.log_events()
        assert not [e for e in events if e.get("event") == "checkpoint_witnessed"]
        failed = {e.get("url") for e in events if e.get("event") == "witness_submit_failed"}
        assert {w.url for w in ws if w.mode != "hang"} <= failed
        unwitnessed = [line for line in metrics.splitlines()
                       if line.startswith("rg_checkpoint_unwitnessed_seconds{")]
        assert unwitnessed and all(float(x.rsplit(" ", 1)[1]) > 0 for x in unwitnessed)
        assert await gw.terminate(timeout_s=30) == 0
    finally:
        for w in ws:
            await w.close()
    await check_invariants(Row("bad witnesses"), results, upstreams, gw.data_dir)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def test_a_witness_answering_an_endless_body_does_not_inflate_the_gateway(
        tmp_path, geo_db, upstreams, procs):
    """The witness answers 200 and streams zeros without end. The gateway must stop reading
    after a small bound (a cosignature is a few hundred bytes); we cut the stream as soon as
    the gateway's RSS grew by 100 MB, so this test never endangers the machine."""
    w = await BadWitness("huge", "rt11-huge.test/w").start()
    try:
        env = {**witness_env([w]), "RG_WITNESS_TIMEOUT_S": "10"}
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=env).start()
        assert gw.proc is not None
        base = rss_bytes(gw.proc.pid)
        grew = 0
        async with asyncio.timeout(40):
            results = await load(gw.url, total=4, concurrency=2)
            deadline = time.monotonic() + 12
            while time.monotonic() < deadline:
                grew = max(grew, rss_bytes(gw.proc.pid) - base)
                if grew > 100 * 1024 * 1024:
                    break
                await asyncio.sleep(0.02)
            w.stream_stop.set()
            assert w.hits >= 1
            results += await load(gw.url, total=4, concurrency=2)
        assert {r.status for r in results} == {200}
        assert grew < 100 * 1024 * 1024, f"gateway RSS grew {grew >> 20} MB reading a witness " \
                                         f"answer ({w.streamed >> 20} MB streamed)"
    finally:
        await w.close()


# --- (c) TLS upstreams -----------------------------------------------------------------------

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, issuer: x509.Name, issuer_key: Any, *, ca: bool,
          san_ip: str | None = None, days: tuple[int, int] = (-1, 1)) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now + dt.timedelta(days=days[0]))
         .not_valid_after(now + dt.timedelta(days=days[1]))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san_ip:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(san_ip))]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _dump(tmp: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    c, k = tmp / f"{name}.crt", tmp / f"{name}.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return c, k


def pki(tmp: Path, kind: str) -> dict[str, Path]:
    """A CA the gateway trusts, a server certificate of the given kind, a client cert."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("rt11 CA", ca_key, _name("rt11 CA"), ca_key, ca=True, days=(-10, 10))
    out: dict[str, Path] = {}
    out["ca"], _ = _dump(tmp, "ca", ca, ca_key)
    sk = ec.generate_private_key(ec.SECP256R1())
    if kind == "expired":
        cert = _cert("127.0.0.1", sk, ca.subject, ca_key, ca=False, san_ip="127.0.0.1",
                     days=(-5, -1))
    elif kind == "wrong_host":
        cert = _cert("127.0.0.2", sk, ca.subject, ca_key, ca=False, san_ip="127.0.0.2")
    elif kind == "self_signed":
        cert = _cert("127.0.0.1", sk, _name("127.0.0.1"), sk, ca=False, san_ip="127.0.0.1")
    else:
        cert = _cert("127.0.0.1", sk, ca.subject, ca_key, ca=False, san_ip="127.0.0.1")
    out["server_cert"], out["server_key"] = _dump(tmp, "server", cert, sk)
    # a client certificate from a CA the upstream does NOT trust
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert("other CA", other_key, _name("other CA"), other_key, ca=True)
    ck = ec.generate_private_key(ec.SECP256R1())
    out["client_cert"], out["client_key"] = _dump(
        tmp, "client", _cert("gateway", ck, other.subject, other_key, ca=False), ck)
    return out


async def start_alive(gw: GatewayProc) -> None:
    """Spawn and wait for /healthz (readiness may say a region is down: that is the point)."""
    gw.spawn()
    async with asyncio.timeout(30):
        while True:
            assert gw.proc is not None and gw.proc.poll() is None, gw.log_tail()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                if (await admin_get(gw, "/healthz"))[0] == 200:
                    break
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # a couple of health probes


class TlsUpstream:
    def __init__(self) -> None:
        self.hits = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, paths: dict[str, Path], *, require_client_cert: bool
                    ) -> TlsUpstream:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(paths["server_cert"], paths["server_key"])
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(paths["ca"])

        async def handle(request: web.Request) -> web.Response:
            self.hits += 1
            await request.read()
            return web.json_response({"tls": True})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=ctx)
        await site.start()
        self.url = f"https://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class RawTls:
    """A TCP listener that stalls the handshake (reads the ClientHello, answers nothing) or
    closes in the middle of it."""

    def __init__(self, mode: str):
        self.mode = mode
        self.first_bytes: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.url = ""

    async def start(self) -> RawTls:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.url = f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, OSError):
            data = await reader.read(5)
            self.first_bytes.append(data)
            if self.mode == "close":
                writer.close()
                return
            await asyncio.sleep(3600)

    async def close(self) -> None:
        for w in self.writers:
            w.close()
        if self.server is not None:
            self.server.close()


def tls_region(url: str, ca: Path | None, client: tuple[Path, Path] | None = None
               ) -> dict[str, Any]:
    tls: dict[str, Any] = {}
    if ca is not None:
        tls["ca_file"] = str(ca)
    if client is not None:
        tls["client_cert"], tls["client_key"] = str(client[0]), str(client[1])
    return {"upstreams": [url], "allow_plaintext": False, "tls": tls}


@pytest.mark.parametrize("kind", ["expired", "wrong_host", "self_signed", "mtls_rejected"])
async def test_bad_upstream_certificates_are_refused_never_downgraded(kind, tmp_path, geo_db,
                                                                      upstreams, procs):
    """The sg upstream presents an expired / wrong-host / self-signed certificate, or
    requires a client certificate the gateway's is not accepted for: the overseas request of
    a tenant without fallback is refused with a 502/503 problem, the upstream's application
    never sees it, and no other upstream does; then a mainland request for the same tenant
    whose CN regions present the same bad certificate is refused too and never goes abroad."""
    paths = pki(tmp_path, "good" if kind == "mtls_rejected" else kind)
    up = await TlsUpstream().start(paths, require_client_cert=kind == "mtls_rejected")
    up_cn = await TlsUpstream().start(paths, require_client_cert=kind == "mtls_rejected")
    try:
        client = (paths["client_cert"], paths["client_key"]) if kind == "mtls_rejected" else None

        def edit(data: dict[str, Any]) -> None:
            data["regions"]["sg"].update(tls_region(up.url, paths["ca"], client))
            for rid in ("cn", "cn2"):
                data["regions"][rid].update(tls_region(up_cn.url, paths["ca"], client))

        gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, edit), geo_db)
        await start_alive(gw)
        async with asyncio.timeout(30):
            sg = await post(gw.url, LENIENT_SG, 10)
            cn = await post(gw.url, CN_HEADERS, 10)
        assert (sg[0] in (502, 503), sg[1].split(";")[0]) == (True, PROBLEM), sg[:3]
        assert (cn[0] in (502, 503), cn[1].split(";")[0]) == (True, PROBLEM), cn[:3]
        assert up.hits == 0 and up_cn.hits == 0
        assert upstreams.seen == [], upstreams.seen  # nothing failed over anywhere else
        _, metrics = await admin_get(gw, "/metrics")
        # (a rejected client certificate shows after a TLS 1.3 handshake: any upstream error)
        assert ('kind="tls"' if kind != "mtls_rejected" else "rg_upstream_errors_total{") \
            in metrics
    finally:
        await up.close()
        await up_cn.close()


@pytest.mark.parametrize("mode", ["stall", "close"])
async def test_tls_handshake_stalled_or_cut_is_bounded_and_never_plaintext(
        mode, tmp_path, geo_db, upstreams, procs):
    """The upstream accepts TCP and then stalls the TLS handshake (or closes in the middle of
    it): the request is answered with a problem within connect_timeout_s (1 s) plus slack; the
    bytes the upstream got were a TLS ClientHello (never a plaintext request); mainland
    traffic whose CN regions do this is never sent abroad; the gateway serves others meanwhile."""
    raw = await RawTls(mode).start()
    raw_cn = await RawTls(mode).start()
    try:
        def edit(data: dict[str, Any]) -> None:
            data.setdefault("limits", {})["connect_timeout_s"] = 1
            data["regions"]["sg"].update(tls_region(raw.url, None))
            for rid in ("cn", "cn2"):
                data["regions"][rid].update(tls_region(raw_cn.url, None))

        gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, edit), geo_db)
        await start_alive(gw)
        jp = {"X-Tenant-ID": "nobasis", "X-Forwarded-For": "198.51.100.130"}
        async with asyncio.timeout(30):
            sg, cn, other = await asyncio.gather(post(gw.url, LENIENT_SG, 15),
                                                 post(gw.url, CN_HEADERS, 15),
                                                 post(gw.url, jp, 15))
        for r in (sg, cn):
            assert r[0] in (502, 503, 504) and r[1].startswith(PROBLEM), r[:3]
            assert r[2] < 1 + 4, r[:3]
        assert other[0] != 0 and other[2] < 3, other[:3]  # another region is unaffected
        # (empty: the TCP health probes) every byte sent is a TLS record, never plaintext
        got = [b for b in raw.first_bytes + raw_cn.first_bytes if b]
        assert got and all(b[:1] == b"\x16" for b in got), got
        assert [s for s in upstreams.seen if s.origin == "CN"] == []
        assert {s.region for s in upstreams.seen} <= {"jp"}
    finally:
        await raw.close()
        await raw_cn.close()


# --- (d) reload races ------------------------------------------------------------------------

def _overrides_last(data: dict[str, Any]) -> None:
    data["cidr_overrides"] = data.pop("cidr_overrides")


async def _pinned_sender(gw: GatewayProc, done: asyncio.Event, statuses: list[int]) -> None:
    pinned = {"X-Tenant-ID": "acme", "X-Forwarded-For": "203.0.113.201"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        while not done.is_set():
            try:
                async with s.post(gw.url + "/v1/compare", json={}, headers=pinned) as r:
                    await r.read()
                    statuses.append(r.status)
            except (TimeoutError, aiohttp.ClientError):
                statuses.append(0)
            await asyncio.sleep(0.01)


async def _hup_storm(gw: GatewayProc, done: asyncio.Event) -> None:
    while not done.is_set():
        gw.signal(signal.SIGHUP)
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("swap", ["in_place", "rename_between"])
async def test_sighup_storm_while_map_written_in_steps_past_the_settle_window(
        swap, tmp_path, geo_db, upstreams, procs):
    """The map is rewritten in three steps 0.5 s apart (longer than the 0.3 s settle window)
    while SIGHUP arrives every 50 ms; each prefix is a valid map missing the override that
    makes 203.0.113.200/29 mainland. `rename_between`: between the steps a complete other map
    (with the override) is renamed over the file, then the writer goes on. A request from that
    range never reaches an upstream outside China, the gateway keeps answering, and when the
    storm ends the map in force is the last complete one."""
    map_path = write_map_for(tmp_path, upstreams, _overrides_last)

    def acme_to_jp(data: dict[str, Any]) -> None:
        _overrides_last(data)
        data["tenants"]["acme"]["overseas_region"] = "jp"

    final_path = write_map(tmp_path / "next.yaml", fault_map(upstreams, acme_to_jp))
    final_text = final_path.read_text()
    whole = {load_region_map(map_path).short_version, load_region_map(final_path).short_version}
    cut1 = final_text.index("trusted_proxies:")
    cut2 = final_text.index("cidr_overrides:")
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    done = asyncio.Event()
    statuses: list[int] = []
    tasks = [asyncio.create_task(_pinned_sender(gw, done, statuses)),
             asyncio.create_task(_hup_storm(gw, done))]
    try:
        async with asyncio.timeout(40):
            await asyncio.sleep(0.3)
            if swap == "in_place":
                with map_path.open("r+") as fh:
                    fh.truncate(0)
                    for part in (final_text[:cut1], final_text[cut1:cut2],
                                 final_text[cut2:]):
                        fh.write(part)
                        fh.flush()
                        await asyncio.sleep(0.5)
            else:
                incoming = tmp_path / "incoming.yaml"
                with map_path.open("r+") as fh:
                    fh.truncate(0)
                    fh.write(final_text[:cut2])
                    fh.flush()
                    await asyncio.sleep(0.5)
                    incoming.write_text(final_text)
                    incoming.replace(map_path)  # a complete map renamed over it
                    await asyncio.sleep(0.5)
                    fh.write(final_text[cut2:])  # the old writer goes on (unlinked inode)
                    fh.flush()
                    await asyncio.sleep(0.5)
            await asyncio.sleep(0.5)
            done.set()
            await asyncio.gather(*tasks)
            await asyncio.sleep(0.6)
            gw.signal(signal.SIGHUP)
            await asyncio.sleep(0.6)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, \
                    s.post(gw.url + "/v1/compare", json={}, headers=SG_HEADERS) as r:
                await r.read()
                last_region = json.loads(await r.text())["region"] if r.status == 200 else None
        assert gw.proc is not None and gw.proc.poll() is None
        loaded = [e.get("policy_version") for e in gw.log_events()
                  if e.get("event") == "reloaded"]
        assert set(loaded) <= whole, f"a partial map was loaded: {loaded} (whole: {whole})"
        assert statuses and set(statuses) <= {200}, sorted(set(statuses))
        # every request of the pinned range (all but the last one seen) landed in China
        abroad = [s for s in upstreams.seen[:-1] if s.region not in ("cn", "cn2")]
        assert abroad == [], f"{len(abroad)} requests from a CN-pinned range went to " \
                             f"{sorted({s.region for s in abroad})}"
        assert last_region == "jp"  # the last complete map is in force
        assert await gw.terminate() == 0
    finally:
        done.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_geoip_db_replaced_mid_traffic_moving_a_client_into_china(tmp_path, geo_db,
                                                                        upstreams, procs):
    """Under mixed load, the GeoIP DB is replaced by rename with a valid DB that says
    198.51.100.0/26 (Singapore in the old one) is mainland China. Each request is routed by
    the DB its decision names: whatever an upstream receives as mainland is in CN; after the
    swap the former Singapore client lands in CN; nothing is forwarded unrecorded."""
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    csv_text = demo_file("demo-networks.csv").replace("198.51.100.0/26,SG",
                                                      "198.51.100.0/26,CN")
    assert "198.51.100.0/26,CN" in csv_text
    new_db = build_geoip(csv_text, tmp_path / "moved.mmdb")
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), served).start()
    stop = asyncio.Event()
    results: list[Result] = []

    async def traffic() -> None:
        while not stop.is_set():
            results.extend(await load(gw.url, total=8, concurrency=4))

    running = asyncio.create_task(traffic())
    try:
        async with asyncio.timeout(40):
            await asyncio.sleep(0.5)
            tmp = tmp_path / "incoming.mmdb"
            shutil.copy(new_db, tmp)
            tmp.replace(served)
            for _ in range(100):
                st, _, _, _ = await post(gw.url, SG_HEADERS, 5)
                if st == 200 and upstreams.seen and upstreams.seen[-1].region == "cn":
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        await running
    before = len(upstreams.seen)
    after = []
    for _ in range(6):
        st, _, _, _ = await post(gw.url, SG_HEADERS, 5)
        after.append(Result(st, None, False))
    assert all(r.status == 200 for r in after)
    assert {s.region for s in upstreams.seen[before:]} == {"cn"}
    assert {s.origin for s in upstreams.seen[before:]} == {"CN"}
    assert all(s.region in ("cn", "cn2") for s in upstreams.seen if s.origin == "CN")
    assert all(r.status == 200 for r in results), {r.status for r in results}
    assert await gw.terminate() == 0
    await check_invariants(Row("geoip moves a client into CN"), results, upstreams,
                           gw.data_dir)
