"""Bad-day round 14: a hostile client and a bad day in production against the newest code.

- inspection workers reused across jobs (gateway/inspector.py): state of one job in the next,
  workers killed between jobs or mid-result, the forkserver killed, fd and process leaks over
  many jobs, a worker's unexpected failure, a gateway killed while a worker is busy;
- the PostgreSQL trail's start checks (audit/pgstore.py `_open`): the legal paths (purges,
  crashes, the mainland log, a log of one checkpoint and no entry, a large log) must not be
  refused;
- GeoIP address families (geo.py, core/origin.py, core/policy.py): embedded IPv4 forms, zone
  ids, DBs placing one family only, reload between DBs of different families.

Every test is bounded in count and time and uses loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import pytest

from residency_gateway.audit.pgstore import PgTrail
from residency_gateway.core.origin import GEOIP_FAMILY_UNCOVERED
from residency_gateway.core.payload import InspectOptions, inspect_body
from residency_gateway.core.policy import RequestFacts, decide
from residency_gateway.core.values import NOT_INSPECTED, Action, PayloadScan, Reason
from residency_gateway.gateway.inspector import Inspector
from residency_gateway.geo import GeoDatabase
from tests.audit.conftest import pg_dsn, sample_records, signer  # noqa: F401  (fixtures)
from tests.helpers import ADULT_ID, NOW, loaded, region_map, resident_id

# ---------------------------------------------------------------------------------------------
# PostgreSQL trail: legal paths at restart must not be refused


async def _pg_trail(dsn: str, log_id: str, signer) -> PgTrail:  # noqa: F811
    trail = PgTrail(dsn, log_id, signer, checkpoint_every=1000)
    try:
        await trail.start()
    except BaseException:
        await trail.close()
        raise
    return trail


async def _pg_fill(trail: PgTrail, n: int, checkpoint_at: tuple[int, ...]) -> None:
    for i, r in enumerate(sample_records(n)):
        await trail.append(r)
        if i + 1 in checkpoint_at:
            await trail.checkpoint("test")


async def test_pg_a_purge_of_every_entry_then_a_write_and_a_restart(pg_dsn, signer):  # noqa: F811
    """Every entry older than the retention and a checkpoint at the newest: a legal purge takes
    them all. The next write and the next start must go on from the signed checkpoint (a
    gateway that refused them would refuse every request: no record, no transfer)."""
    trail = await _pg_trail(pg_dsn, "gw-purge-all", signer)
    try:
        await _pg_fill(trail, 6, (6,))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        assert await trail.purge(1, later) == ["gw-purge-all@seq<6"]
    finally:
        await trail.close()
    trail = await _pg_trail(pg_dsn, "gw-purge-all", signer)  # restart right after the purge
    try:
        assert trail.frontier.size == 6
        await _pg_fill(trail, 2, ())  # and writes on
        assert trail.frontier.size == 8
    finally:
        await trail.close()
    trail = await _pg_trail(pg_dsn, "gw-purge-all", signer)
    try:
        assert trail.frontier.size == 8
    finally:
        await trail.close()


async def test_pg_a_purge_of_every_entry_then_a_write_without_restart(pg_dsn, signer):  # noqa: F811
    trail = await _pg_trail(pg_dsn, "gw-purge-run", signer)
    try:
        await _pg_fill(trail, 5, (5,))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        assert await trail.purge(1, later) == ["gw-purge-run@seq<5"]
        await _pg_fill(trail, 1, ())
        assert trail.frontier.size == 6
    finally:
        await trail.close()


async def _pg_sql(dsn: str, *statements: tuple[str, tuple]) -> None:
    """Statements run past the append-only triggers (what a crash, or a restore, leaves)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER TABLE rg_trail_entries DISABLE TRIGGER USER")
        await conn.execute("ALTER TABLE rg_trail_checkpoints DISABLE TRIGGER USER")
        for sql, args in statements:
            await conn.execute(sql, *args)
        await conn.execute("ALTER TABLE rg_trail_entries ENABLE TRIGGER USER")
        await conn.execute("ALTER TABLE rg_trail_checkpoints ENABLE TRIGGER USER")
    finally:
        await conn.close()


async def test_pg_a_partial_purge_then_restart(pg_dsn, signer):  # noqa: F811
    trail = await _pg_trail(pg_dsn, "gw-purge-part", signer)
    try:
        await _pg_fill(trail, 8, (4, 8))
        await _pg_sql(pg_dsn, ("UPDATE rg_trail_entries SET recorded_at = now() - interval "
                               "'30 days' WHERE seq < 6", ()))
        assert await trail.purge(7, dt.datetime.now(dt.UTC)) == ["gw-purge-part@seq<4"]
    finally:
        await trail.close()
    trail = await _pg_trail(pg_dsn, "gw-purge-part", signer)
    try:
        assert trail.frontier.size == 8
    finally:
        await trail.close()


async def test_pg_a_crash_after_the_purge_event_before_its_delete(pg_dsn, signer):  # noqa: F811
    trail = await _pg_trail(pg_dsn, "gw-purge-crash", signer)
    try:
        await _pg_fill(trail, 6, (3, 6))
        await trail.signed_event({"type": "purge", "retention_days": 1, "cutoff": "x",
                                  "through_seq": 2, "entries": 3})  # the DELETE never ran
    finally:
        await trail.close()
    trail = await _pg_trail(pg_dsn, "gw-purge-crash", signer)
    try:
        assert trail.frontier.size == 6
    finally:
        await trail.close()


async def test_pg_a_crash_between_entries_and_their_checkpoint(pg_dsn, signer):  # noqa: F811
    trail = await _pg_trail(pg_dsn, "gw-crash", signer)
    try:
        await _pg_fill(trail, 7, (3,))
    finally:
        await trail.close()
    # (the shutdown checkpoint never written: what a crash after the entries leaves)
    await _pg_sql(pg_dsn, ("DELETE FROM rg_trail_checkpoints WHERE log_id='gw-crash' AND "
                           "body LIKE '%shutdown%'", ()))
    trail = await _pg_trail(pg_dsn, "gw-crash", signer)
    try:
        assert trail.frontier.size == 7
        await _pg_fill(trail, 1, ())
    finally:
        await trail.close()


async def test_pg_the_mainland_log_beside_its_gateway_log(pg_dsn, signer):  # noqa: F811
    main = await _pg_trail(pg_dsn, "gw-m", signer)
    mainland = await _pg_trail(pg_dsn, "gw-m-mainland", signer)
    try:
        await _pg_fill(main, 5, (2,))
        await _pg_fill(mainland, 3, (1,))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        await mainland.purge(1, later)
    finally:
        await main.close()
        await mainland.close()
    for log_id, size in (("gw-m", 5), ("gw-m-mainland", 3)):
        trail = await _pg_trail(pg_dsn, log_id, signer)
        try:
            assert trail.frontier.size == size
        finally:
            await trail.close()


async def test_pg_a_log_of_no_entry_and_one_checkpoint(pg_dsn, signer):  # noqa: F811
    for _ in range(3):  # started and stopped with no traffic, again and again
        trail = await _pg_trail(pg_dsn, "gw-empty", signer)
        try:
            assert trail.frontier.size == 0
        finally:
            await trail.close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM rg_trail_entries") == 0
    finally:
        await conn.close()
    trail = await _pg_trail(pg_dsn, "gw-empty", signer)
    try:
        await _pg_fill(trail, 2, ())
    finally:
        await trail.close()


# ---------------------------------------------------------------------------------------------
# Inspection workers reused across jobs


TODAY = dt.date(2026, 12, 1)
KEY_A, KEY_B = b"a" * 32, b"b" * 32


def _id_body(resident: str) -> bytes:
    return json.dumps({"customer": {"id_number": resident}, "pad": "x" * 200}).encode()


def _slow_body(items: int) -> bytes:
    """A JSON array of phone-like strings: seconds of scanning in a worker, whatever its size."""
    return json.dumps([f"+86 138 {i % 10000:04d} {i % 7919:04d}" for i in range(items)]).encode()


async def _scan(inspector: Inspector, body: bytes, key: bytes = KEY_A,
                options: InspectOptions | None = None) -> PayloadScan:
    return await inspector.inspect(body, content_type="application/json", content_encoding="",
                                   key=key, today=TODAY, options=options or InspectOptions())


def _inline(body: bytes, key: bytes = KEY_A) -> PayloadScan:
    return inspect_body(body, content_type="application/json", content_encoding="", key=key,
                        today=TODAY, options=InspectOptions())


def _pids(inspector: Inspector) -> list[int]:
    return [w.process.pid for w in inspector._idle if w.process.pid is not None]


def _gone(pid: int, within_s: float) -> bool:
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):
                    return True  # dead, not yet reaped by its parent
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
async def inspector():
    ins = Inspector(threshold=0, workers=1, timeout_s=20)
    yield ins
    ins.close()


async def test_a_reused_worker_keeps_no_tenant_key_and_no_option_of_a_previous_job(inspector):
    """One worker, jobs of two tenants (two pseudonym keys) and two option sets alternating:
    each answer is what an inspection of that body with that key and those options says."""
    body = _id_body(ADULT_ID)
    for key in (KEY_A, KEY_B, KEY_A, KEY_B):
        assert await _scan(inspector, body, key) == _inline(body, key)
    assert (_inline(body, KEY_A).ids[0].subject.pseudonym
            != _inline(body, KEY_B).ids[0].subject.pseudonym)
    off = await _scan(inspector, body, KEY_A, InspectOptions(resident_ids=False))
    assert not off.ids
    assert await _scan(inspector, body, KEY_A) == _inline(body, KEY_A)
    assert inspector.started == 1


async def test_a_worker_killed_while_idle_is_replaced_and_the_next_body_answered(inspector):
    body = _id_body(ADULT_ID)
    assert await _scan(inspector, body) == _inline(body)
    (pid,) = _pids(inspector)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid, 5)
    assert await _scan(inspector, body, KEY_B) == _inline(body, KEY_B)
    assert inspector.started == 2


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV], ids=["kill", "segv"])
async def test_a_worker_dying_mid_job_refuses_that_body_alone(inspector, sig):
    """Killed (OOM killer) or crashed in C code (orjson at the memory cap) while it inspects:
    that body is refused, never forwarded; the next body gets its own answer."""
    assert await _scan(inspector, _id_body(ADULT_ID)) == _inline(_id_body(ADULT_ID))
    (pid,) = _pids(inspector)
    job = asyncio.ensure_future(_scan(inspector, _slow_body(6000)))
    await asyncio.sleep(0.3)
    os.kill(pid, sig)
    scan = await asyncio.wait_for(job, 30)
    assert scan.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    other = _id_body(resident_id(dt.date(1985, 6, 1)))
    assert await _scan(inspector, other, KEY_B) == _inline(other, KEY_B)


async def test_a_job_past_its_limit_never_hands_its_answer_to_the_next_job():
    ins = Inspector(threshold=0, workers=1, timeout_s=0.3)
    try:
        slow = await _scan(ins, _slow_body(6000))
        assert slow.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
        assert "longer than" in slow.note
        ins.timeout_s = 20
        for born in (dt.date(1980, 1, 2), dt.date(1991, 2, 3)):
            body = _id_body(resident_id(born))
            assert await _scan(ins, body) == _inline(body)
    finally:
        ins.close()


async def test_the_forkserver_killed_between_jobs(inspector):
    from multiprocessing import forkserver

    body = _id_body(ADULT_ID)
    assert await _scan(inspector, body) == _inline(body)
    server = forkserver._forkserver._forkserver_pid
    assert server is not None
    (idle,) = _pids(inspector)
    os.kill(server, signal.SIGKILL)
    assert _gone(idle, 5)  # (an idle worker ends with its forkserver)
    assert await _scan(inspector, body, KEY_B) == _inline(body, KEY_B)  # a new forkserver
    assert await _scan(inspector, body) == _inline(body)
    assert inspector.started == 2
    assert forkserver._forkserver._forkserver_pid != server


async def test_no_fd_or_process_left_behind_over_many_short_lived_workers():
    ins = Inspector(threshold=0, workers=2, timeout_s=20, jobs_per_worker=2)
    body = _id_body(ADULT_ID)
    try:
        await asyncio.gather(*(_scan(ins, body) for _ in range(4)))  # (warm: forkserver up)
        fds = len(list(Path("/proc/self/fd").iterdir()))
        for _ in range(15):
            scans = await asyncio.gather(*(_scan(ins, body) for _ in range(4)))
            assert all(s == _inline(body) for s in scans)
        assert ins.started >= 30
        assert len(list(Path("/proc/self/fd").iterdir())) <= fds + 8  # (2 idle workers)
        assert len(multiprocessing.active_children()) <= 2
    finally:
        ins.close()


async def test_a_job_that_fails_unexpectedly_is_refused_and_says_nothing_of_the_body(
        monkeypatch, capfd):
    """A bug in inspection code (any exception, its message quoting the body) used to end the
    worker with multiprocessing's traceback on the gateway's stderr, the exception's message
    (here a resident ID) with it: payload bytes in the logs. (A fork context, so that the
    worker runs the failing inspection patched in here.)"""
    import residency_gateway.gateway.inspector as module

    def failing(body: bytes, **kwargs):
        if b"BOOM" in body:
            raise ValueError(f"invalid literal for int(): {body[:60]!r}")
        return inspect_body(body, **kwargs)

    monkeypatch.setattr(module, "inspect_body", failing)
    ins = Inspector(threshold=0, workers=1, timeout_s=20)
    ins._ctx = multiprocessing.get_context("fork")
    try:
        body = json.dumps({"BOOM": ADULT_ID}).encode()
        scan = await _scan(ins, body)
        assert scan.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
        assert ADULT_ID not in scan.note
        other = _id_body(resident_id(dt.date(1985, 6, 1)))
        assert await _scan(ins, other, KEY_B) == _inline(other, KEY_B)
    finally:
        ins.close()
    out, err = capfd.readouterr()
    assert ADULT_ID not in out + err
    assert "Traceback" not in err


def test_a_worker_answers_an_unexpected_failure_instead_of_dying_with_its_traceback(
        monkeypatch):
    """Why the test above could pass before: the worker closed its end of the pipe on the
    way out, the gateway killed it at once, and multiprocessing's traceback (the body quoted
    in it) was printed only when the worker was not killed first. Run here in a thread, the
    worker's loop shows what it does: it must answer a refusal and retire, not raise."""
    import residency_gateway.gateway.inspector as module

    def failing(body: bytes, **kwargs):
        raise ValueError(f"invalid literal for int(): {body[:60]!r}")

    monkeypatch.setattr(module, "inspect_body", failing)
    monkeypatch.setattr(module, "_die_with_parent", lambda: None)  # (not this test process)
    ours, theirs = multiprocessing.Pipe(duplex=True)
    raised: list[BaseException] = []

    def serve() -> None:
        try:
            module._serve(theirs, 0, 1 << 30, 5)
        except BaseException as exc:  # (what a process would print)
            raised.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        body = json.dumps({"BOOM": ADULT_ID}).encode()
        ours.send((body, "application/json", "", KEY_A, TODAY, InspectOptions()))
        assert ours.poll(10)
        found, retire = ours.recv()
        assert found.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT and retire
        assert ADULT_ID not in found.note and "ValueError" in found.note
    finally:
        ours.close()
        thread.join(10)
    assert not raised


_ORPHAN_SCRIPT = """
import asyncio, datetime as dt, json, sys
from residency_gateway.core.payload import InspectOptions
from residency_gateway.gateway.inspector import Inspector

async def main():
    ins = Inspector(threshold=0, workers=1, timeout_s=300)
    async def scan(body):
        return await ins.inspect(body, content_type="application/json", content_encoding="",
                                 key=b"k" * 32, today=dt.date(2026, 12, 1),
                                 options=InspectOptions())
    await scan(json.dumps({"a": "b" * 70000}).encode())
    print(ins._idle[0].process.pid, flush=True)
    await scan(json.dumps([f"+86 138 {i % 10000:04d} {i % 7919:04d}"
                           for i in range(int(sys.argv[1]))]).encode())

asyncio.run(main())
"""


def test_a_worker_busy_when_the_gateway_is_killed_dies_with_it(tmp_path):
    """The gateway SIGKILLed (OOM killer, a supervisor's stop timeout) while a worker inspects
    a slow body: the worker must not run on, orphaned, until its job ends (the time limit was
    the gateway's to enforce, and it is gone)."""
    script = tmp_path / "gw.py"
    script.write_text(_ORPHAN_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), "40000"], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        time.sleep(1.0)  # (the slow job is running in that worker)
        assert not _gone(worker, 0.1)
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    try:
        assert _gone(worker, 5), "the worker outlived the gateway"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# GeoIP address families


def _aliased_ipv4_only_db(path: Path) -> Path:
    """An IPv4-only database as MaxMind's writers build one (IPv6 tree, IPv4 at ::/96 and
    aliased where an IPv6 address embeds an IPv4 one: ::ffff:0:0/96, 2002::/16 6to4, 2001::/32
    Teredo): data in 2000::/3, none of it an IPv6 network's."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country",
                        languages=["en"])
    for net, country in (("192.0.2.0/24", "CN"), ("198.51.100.0/24", "SG")):
        network = ipaddress.ip_network(net)
        value, bits = int(network.network_address), network.prefixlen
        aliases = [net, f"::ffff:{network.network_address}/{96 + bits}",
                   f"{ipaddress.IPv6Address((0x2002 << 112) | (value << 80))}/{16 + bits}",
                   f"{ipaddress.IPv6Address((0x20010000 << 96) | (value << 64))}/{32 + bits}"]
        writer.insert_network(IPSet(aliases), {"country": {"iso_code": country}})
    writer.to_db_file(str(path))
    return path


def _geo_decide(geo, tenant: str, address: str):
    lm = loaded(region_map())
    facts = RequestFacts(peer="127.0.0.1", headers=(("x-forwarded-for", address),
                                                    ("x-tenant-id", tenant)),
                         path="/v1/compare", payload=NOT_INSPECTED)
    return decide(facts, lm.rmap, lm.version, geo, NOW, "d-test")


def test_an_ipv4_only_db_with_ipv4_aliases_in_the_ipv6_tree_is_blind_to_ipv6(tmp_path):
    """The IPv4 aliases put data in 2000::/3, and the family check took that for IPv6
    coverage: a mainland IPv6 client had no country, and a lenient tenant's unknown_origin:
    overseas sent it abroad."""
    db = GeoDatabase(_aliased_ipv4_only_db(tmp_path / "v4-aliased.mmdb"))
    try:
        assert db.families == {4}
        assert db("2001:db8:86::10").uncovered
        d = _geo_decide(db, "lenient", "2001:db8:86::10")
        assert d.action is Action.REJECT and d.origin.rule == GEOIP_FAMILY_UNCOVERED
        # (the IPv4 clients, bare or embedded in an IPv6 form, are placed as before)
        for client in ("192.0.2.10", "::ffff:192.0.2.10", "2002:c000:20a::1",
                       "64:ff9b::192.0.2.10", "[::ffff:192.0.2.10]:443"):
            d = _geo_decide(db, "lenient", client)
            assert d.origin.jurisdiction == "CN", (client, d)
    finally:
        db.close()


@pytest.mark.parametrize("family", [4, 6])
def test_embedded_ipv4_and_zone_ids_never_go_abroad_on_a_one_family_db(tmp_path, family):
    """Every IPv6 form of a mainland IPv4 client (mapped, compatible, SIIT, NAT64 and its
    local-use prefix, 6to4, Teredo) and a zoned IPv6 one: CN where the DB places the family,
    never overseas where it does not."""
    from tests.test_geoip_family_uncovered import one_family_db

    db = GeoDatabase(one_family_db(tmp_path, family))
    teredo = ipaddress.IPv6Address((0x20010000 << 96) | (~int(ipaddress.IPv4Address(
        "192.0.2.10")) & 0xFFFFFFFF))
    v4_forms = ("::ffff:192.0.2.10", "::192.0.2.10", "::ffff:0:192.0.2.10",
                "64:ff9b::192.0.2.10", "64:ff9b:1::192.0.2.10", "2002:c000:20a::1",
                str(teredo), "[::ffff:192.0.2.10]:8080", "::ffff:192.0.2.10%eth0")
    v6_forms = ("2001:db8:86::10%eth0", "[2001:db8:86::10%25en0]:443", "2001:DB8:86:0::10")
    try:
        for client in v4_forms + v6_forms:
            placed = (client in v4_forms) == (family == 4)
            d = _geo_decide(db, "lenient", client)
            if placed:
                assert d.origin.jurisdiction == "CN", (client, d)
            else:
                assert d.action is Action.REJECT, (client, d)
                assert d.origin.rule == GEOIP_FAMILY_UNCOVERED, (client, d)
    finally:
        db.close()


async def test_a_real_gateway_killed_while_it_inspects_leaves_no_process_behind(
        tmp_path, geo_db, upstreams, procs):
    """`residency-gateway serve` SIGKILLed (the OOM killer picks the biggest process) while a
    worker inspects a slow body: its forkserver, its resource tracker and the busy worker are
    gone within seconds, not when the job would have ended."""
    import aiohttp
    import psutil

    from tests.faults.harness import SG_HEADERS, GatewayProc, write_map_for

    async with asyncio.timeout(90):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env={"RG_INSPECT_TIMEOUT_S": "120"}).start()
        assert gw.proc is not None
        body = _slow_body(45000)  # (under 1 MiB; tens of seconds of scanning here)

        async def post() -> None:
            async with aiohttp.ClientSession() as s, s.post(
                    gw.url + "/v1/compare", data=body,
                    headers={**SG_HEADERS, "Content-Type": "application/json"}) as r:
                await r.read()

        client = asyncio.ensure_future(post())
        family: list[psutil.Process] = []
        for _ in range(300):  # until a worker (a forkserver's child) is busy
            family = psutil.Process(gw.proc.pid).children(recursive=True)
            if any(p.ppid() != gw.proc.pid for p in family):
                break
            await asyncio.sleep(0.1)
        assert any(p.ppid() != gw.proc.pid for p in family), gw.log_tail()
        await asyncio.sleep(1.0)
        gw.proc.send_signal(signal.SIGKILL)  # the gateway alone, not its process group
        gw.proc.wait(10)
        _, alive = await asyncio.to_thread(psutil.wait_procs, family, 5)
        client.cancel()
        with contextlib.suppress(BaseException):
            await client
        assert not alive, [(p.pid, p.cmdline()[-1][:60]) for p in alive]


async def test_a_real_gateway_stopped_while_it_inspects_exits_promptly(
        tmp_path, geo_db, upstreams, procs):
    """SIGTERM while a worker inspects a slow body: the gateway drains (the request is answered
    within the drain's grace) and exits within a bound; no process of it is left."""
    import aiohttp
    import psutil

    from tests.faults.harness import SG_HEADERS, GatewayProc, write_map_for

    async with asyncio.timeout(120):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env={"RG_INSPECT_TIMEOUT_S": "120"}).start()
        assert gw.proc is not None
        body = _slow_body(45000)

        async def post() -> None:
            async with aiohttp.ClientSession() as s, s.post(
                    gw.url + "/v1/compare", data=body,
                    headers={**SG_HEADERS, "Content-Type": "application/json"}) as r:
                await r.read()

        client = asyncio.ensure_future(post())
        family: list[psutil.Process] = []
        for _ in range(300):
            family = psutil.Process(gw.proc.pid).children(recursive=True)
            if any(p.ppid() != gw.proc.pid for p in family):
                break
            await asyncio.sleep(0.1)
        assert any(p.ppid() != gw.proc.pid for p in family), gw.log_tail()
        await asyncio.sleep(1.0)
        began = time.monotonic()
        await gw.terminate(60)
        took = time.monotonic() - began
        _, alive = await asyncio.to_thread(psutil.wait_procs, family, 5)
        client.cancel()
        with contextlib.suppress(BaseException):
            await client
        assert not alive, [(p.pid, p.cmdline()[-1][:60]) for p in alive]
        # (the drain's grace, 25 s, lets the inspection finish and its request be answered;
        # measured 9.6-11.4 s here, the job's own length)
        assert took < 35, f"the stop took {took:.1f} s"


async def test_a_burst_of_slow_bodies_never_starves_small_ones():
    """One worker, a burst of slow bodies (one running, four queued: full): a small body is
    answered inline at once, a body past the queue is refused busy at once (503), never held;
    each slow one ends by its limit, and the worker pool serves again afterwards."""
    ins = Inspector(threshold=4096, workers=1, timeout_s=1.0)
    try:
        slow = [asyncio.ensure_future(_scan(ins, _slow_body(6000))) for _ in range(5)]
        await asyncio.sleep(0.2)
        small = _id_body(ADULT_ID)
        began = time.monotonic()
        assert await _scan(ins, small) == _inline(small)
        over = await _scan(ins, _slow_body(300))
        took = time.monotonic() - began
        assert over.error is Reason.INSPECTION_BUSY
        assert took < 0.5, took
        scans = await asyncio.wait_for(asyncio.gather(*slow), 30)
        # (each ends by its limit, or within it on a fast moment: none is held past it)
        assert {s.error for s in scans} <= {Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                            Reason.INSPECTION_BUSY, None}
        ins.timeout_s = 20
        big = json.dumps({"id": ADULT_ID, "pad": "x" * 8000}).encode()
        assert await _scan(ins, big) == _inline(big)
    finally:
        ins.close()


async def test_a_reload_to_an_aliased_ipv4_only_db_keeps_mainland_ipv6_clients_home(
        tmp_path, geo_db, upstreams, procs):
    """The live DB places IPv4 and IPv6; it is replaced (rename, the watcher) by an IPv4-only
    DB built with IPv4 aliases in its IPv6 tree. Taken for a DB placing IPv6, the reload was
    accepted and a lenient tenant's mainland IPv6 client went abroad (unknown origin,
    overseas). The reload is refused (IPv6 lost): that client stays in China."""
    import shutil

    from tests.faults.harness import GatewayProc, write_map_for
    from tests.faults.test_badday_round12 import alive, send

    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    probe = {"X-Tenant-ID": "lenient", "X-Forwarded-For": "2001:db8:86::1"}
    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      served).start()
        first = await send(gw.url, probe)
        assert first[0] == 200 and upstreams.seen[-1].region == "cn", first
        incoming = tmp_path / "incoming.mmdb"
        _aliased_ipv4_only_db(incoming)
        incoming.replace(served)
        await asyncio.sleep(2.0)  # (the watcher polls every 0.2 s)
        answers = [await send(gw.url, probe) for _ in range(3)]
        assert alive(gw)
        assert all(a[0] == 200 for a in answers), answers
        leaked = [s for s in upstreams.seen if s.region not in ("cn", "cn2")]
        assert leaked == [], [(s.region, s.origin) for s in leaked]
        events = {e.get("event") for e in gw.log_events()}
        assert "reloaded" not in events or "reload_failed" in events, events
        assert await gw.terminate() == 0


async def test_a_body_offered_after_the_inspector_closed_is_refused_busy():
    """(Hardening: a handler still running after the runtime closed, in some future order of
    shutdown, got RuntimeError "cannot schedule new futures after shutdown", a 500.)"""
    ins = Inspector(threshold=0, workers=1, timeout_s=20)
    body = _id_body(ADULT_ID)
    assert await _scan(ins, body) == _inline(body)
    ins.close()
    scan = await _scan(ins, body)
    assert scan.error is Reason.INSPECTION_BUSY
    small = Inspector(threshold=4096, workers=1)
    small.close()
    assert await _scan(small, body) == _inline(body)  # (inline needs no worker)


@pytest.mark.parametrize("shape", ["dicts", "strings"])
async def test_the_memory_cap_hit_while_parsing_refuses_that_body_alone(shape):
    """A small cap (32 MiB) and a 3 MB body that parses into far more (a million empty
    objects, or of distinct short strings): the cap is hit in C code (orjson) or Python; the
    body is refused whichever way the worker fails, and the next bodies get their answers."""
    ins = Inspector(threshold=0, workers=1, timeout_s=30, memory_bytes=32 * 1024 * 1024)
    try:
        count = 1_000_000 if shape == "dicts" else 400_000
        item = "{}" if shape == "dicts" else None
        big = ("[" + ",".join(item or f'"{i:06x}"' for i in range(count)) + "]").encode()
        scan = await _scan(ins, big)
        assert scan.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT, scan
        for key in (KEY_A, KEY_B):
            body = _id_body(ADULT_ID)
            assert await _scan(ins, body, key) == _inline(body, key)
    finally:
        ins.close()


async def test_sighup_reload_while_a_worker_inspects(tmp_path, geo_db, upstreams, procs):
    """SIGHUP (map and GeoIP reload) while a slow body is in a worker: the body is answered
    (forwarded to China: its phones are mainland ones), the reload happens, and small and
    offloaded bodies after it get their answers; no request is lost to the reload, and the
    stop after it leaves no process."""
    import aiohttp
    import psutil

    from tests.faults.harness import SG_HEADERS, GatewayProc, write_map_for

    async with asyncio.timeout(120):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env={"RG_INSPECT_TIMEOUT_S": "120"}).start()
        assert gw.proc is not None

        async def post(body: bytes) -> int:
            async with aiohttp.ClientSession() as s, s.post(
                    gw.url + "/v1/compare", data=body,
                    headers={**SG_HEADERS, "Content-Type": "application/json"}) as r:
                await r.read()
                return r.status

        slow = asyncio.ensure_future(post(_slow_body(8000)))
        await asyncio.sleep(1.0)
        gw.signal(signal.SIGHUP)
        await asyncio.sleep(0.5)
        assert await post(_id_body(ADULT_ID)) == 200
        assert await post(json.dumps({"id": ADULT_ID, "pad": "x" * 100_000}).encode()) == 200
        assert await slow == 200
        assert {s.region for s in upstreams.seen} <= {"cn", "cn2"}
        assert len(upstreams.seen) == 3
        family = psutil.Process(gw.proc.pid).children(recursive=True)
        assert await gw.terminate() == 0
        _, alive = await asyncio.to_thread(psutil.wait_procs, family, 10)
        assert not alive, [(p.pid, p.cmdline()[-1:]) for p in alive]


async def test_pg_a_purge_excuses_only_the_entries_it_signed_for(pg_dsn, signer):  # noqa: F811
    """The purge rule is narrow: after a purge through seq 3, the newest entry deleted past
    the triggers (seq 7) still stops the next write, and a restart, as before."""
    from residency_gateway.audit.trail import TrailUnavailable

    trail = await _pg_trail(pg_dsn, "gw-narrow", signer)
    try:
        await _pg_fill(trail, 8, (4, 8))
        await _pg_sql(pg_dsn, ("UPDATE rg_trail_entries SET recorded_at = now() - interval "
                               "'30 days' WHERE seq < 6", ()))
        assert await trail.purge(7, dt.datetime.now(dt.UTC)) == ["gw-narrow@seq<4"]
        await _pg_sql(pg_dsn, ("DELETE FROM rg_trail_entries WHERE seq = 7", ()))
        with pytest.raises(TrailUnavailable):
            await _pg_fill(trail, 1, ())
    finally:
        await trail.close()
    with pytest.raises(TrailUnavailable):
        await _pg_trail(pg_dsn, "gw-narrow", signer)


async def test_pg_a_store_purged_whole_then_written_on_verifies(pg_dsn, signer):  # noqa: F811
    """`audit verify --store` after the legal total purge and more writes: no finding."""
    from residency_gateway.audit.export import verify_store
    from residency_gateway.audit.sources import PgSource

    trail = await _pg_trail(pg_dsn, "gw-verify", signer)
    try:
        await _pg_fill(trail, 4, (4,))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
        assert await trail.purge(1, later) == ["gw-verify@seq<4"]
        await _pg_fill(trail, 3, (3,))
    finally:
        await trail.close()
    source = await PgSource.aload(pg_dsn)
    findings, _ = verify_store(source, {signer.key_id: signer.public})
    assert findings == [], findings
