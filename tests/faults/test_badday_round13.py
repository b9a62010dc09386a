"""Bad day in production, round 13: the faults the suite did not inject yet. The wall clock
stepped back an hour or jumped two years ahead between restarts (no faketime on this host: a
test-only sitecustomize in tests/faults/clockshift shifts time.time/datetime.now in the
gateway process); the active segment emptied or cut mid-record in place (logrotate
copytruncate: same inode, fewer bytes); checkpoints.jsonl deleted or emptied while running;
another log's checkpoints restored over this one; `TRUNCATE` of the PostgreSQL trail tables
(which no row trigger sees) and a failover to a read-only standby (SQLSTATE 25006); files
zero-filled by a crash on a delayed-allocation file system (segment and checkpoint tails, the
pseudonym key, the map, the signing key and its `current`, the GeoIP DB and its last-good
name); a region map holding one control character (a paste with a terminal escape); GeoIP DBs
of another flavour (one address family only, country codes in lower case or alpha-3); a
client certificate renewed in place then a reload; the data dir read-only at start and for
every new open under load (a read-only bind mount: `remount,ro` with files open for writing is
refused); the gateway SIGSTOPped 5 s under load; its address-space limit lowered to what it
maps (prlimit --as); an upstream host name that does not resolve; the admin port flooded.

Real gateway processes, real PostgreSQL (a database per test), loopback only, every wait
bounded. Each finding is a strict xfail asserting the correct behaviour; what held stays as
passing tests. After each fault: every 2xx has its record, nothing reached an upstream without
one, no mainland request left CN, errors are problem+json, the trail verifies and the gateway
serves again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from tests.faults import test_badday_round11 as round11
from tests.faults.harness import (
    CN_HEADERS,
    SG_HEADERS,
    GatewayProc,
    Row,
    answers_again,
    check_invariants,
    load,
    trail_records,
    write_map_for,
)
from tests.faults.test_badday_round10 import verify_store
from tests.faults.test_badday_round12 import (
    alive,
    as_results,
    assert_problems,
    segment_files,
    send,
)

PROBLEM = "application/problem+json"


def records_by_decision(records: list[dict]) -> set[str]:
    return {r["decision_id"] for r in records if r.get("type") == "decision"}


# --- the active segment truncated under the gateway (logrotate copytruncate) ----------------

@pytest.mark.parametrize("cut", ["to-zero", "mid-record"])
async def test_active_segment_truncated_under_the_gateway(cut, tmp_path, geo_db, upstreams,
                                                          procs):
    """logrotate with `copytruncate` on the data dir (a glob like /var/lib/*/*.jsonl) copies
    the active segment away and truncates it in place: same inode, same name, fewer bytes;
    a truncate mid-record is the same with a torn line left. The records acknowledged before
    are gone from the file; appending after them forks the chain. The gateway must notice
    that its segment shrank before it writes again (as it notices a replaced inode, round
    12): refuse (503 problem, nothing moved) and, restarted, come up again."""
    async with asyncio.timeout(120):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        before = await load(gw.url, total=10, concurrency=2)
        assert all(r.status == 200 for r in before)
        seg = segment_files(gw)[-1]
        size = seg.stat().st_size
        keep = 0 if cut == "to-zero" else size // 2
        with seg.open("r+b") as fh:
            fh.truncate(keep)
        forwarded = len(upstreams.seen)
        after = [await send(gw.url, SG_HEADERS) for _ in range(3)]
        after += [await send(gw.url, CN_HEADERS) for _ in range(3)]
        moved = upstreams.seen[forwarded:]
        assert alive(gw)
        assert_problems(after)
        await gw.terminate()
        offline = await verify_store(gw.data_dir)
        gw2: GatewayProc = procs(tmp_path, gw.map_path, geo_db)
        gw2.spawn()
        started = True
        try:
            await gw2.wait_ready(20)
        except AssertionError:
            started = False
        assert moved == [], (f"{len(moved)} forwarded after the segment was truncated; "
                             f"afterwards: {offline.stdout[:300]}")
        assert {a[0] for a in after} == {503}
        assert started, gw2.log_tail()


# --- the whole gateway stopped (SIGSTOP) for 5 s under load, then continued ---------------

async def test_gateway_stopped_five_seconds_under_load_then_continued(tmp_path, geo_db,
                                                                      upstreams, procs):
    """A VM pause, a cgroup freezer, a debugger: the one gateway process stops for 5 s in the
    middle of mixed load (upstream connections and the trail's group commit in flight), then
    continues. Every client gets an answer (200 or a problem), nothing is forwarded without
    its record, no mainland request leaves CN, the trail verifies and it serves again."""
    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        loop = asyncio.get_running_loop()

        def freeze() -> None:
            gw.signal(signal.SIGSTOP)
            loop.call_later(5.0, gw.signal, signal.SIGCONT)

        results = await load(gw.url, total=160, concurrency=8, on_count=(30, freeze),
                             timeout_s=15)
        assert alive(gw)
        statuses = {r.status for r in results}
        assert statuses <= {200, 502, 503, 504}, statuses
        row = Row("SIGSTOP 5 s under load")
        row.recovery_s = await answers_again(gw.url, 10, row=row)
        assert await gw.terminate() == 0
        await check_invariants(row, results, upstreams, gw.data_dir)


# --- memory pressure: the address-space limit lowered under a running gateway --------------

@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("headroom_mib", [4, 0])
async def test_address_space_limit_under_a_running_gateway(headroom_mib, tmp_path, geo_db,
                                                           upstreams, procs):
    """`prlimit --as` on the gateway's pid to a little above what it maps now: allocations
    (bodies, inspection buffers, executor threads' stacks) start failing with ENOMEM. Each
    request is answered 200 or with a problem+json, the process stays up, nothing is
    forwarded unrecorded; the limit raised again, it serves as before."""
    import psutil

    async with asyncio.timeout(90):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        warm = await load(gw.url, total=10, concurrency=2)
        assert gw.proc is not None
        pid = gw.proc.pid
        vms = psutil.Process(pid).memory_info().vms
        old = resource.prlimit(pid, resource.RLIMIT_AS)
        answers = []
        try:
            resource.prlimit(pid, resource.RLIMIT_AS, (vms + (headroom_mib << 20), old[1]))
            big = json.dumps({"image": "A" * (6 << 20)}).encode()
            for i in range(6):
                answers.append(await send(gw.url, CN_HEADERS if i % 2 else SG_HEADERS, big,
                                          timeout_s=15))
                answers.append(await send(gw.url, SG_HEADERS, timeout_s=15))
        finally:
            if alive(gw):
                resource.prlimit(pid, resource.RLIMIT_AS, old)
        assert alive(gw), gw.log_tail()
        assert all(a[0] != 0 for a in answers), [a[0] for a in answers]
        assert_problems(answers)
        row = Row("RLIMIT_AS lowered")
        row.recovery_s = await answers_again(gw.url, 10, row=row)
        assert await gw.terminate() == 0
        await check_invariants(row, warm + as_results(answers, False), upstreams, gw.data_dir)


# --- an upstream named by a DNS name that does not resolve --------------------------------

async def test_upstream_names_that_do_not_resolve(tmp_path, geo_db, upstreams, procs):
    """The cn region's upstream is a host name that does not resolve (NXDOMAIN: a typo, a
    record deleted). Mainland requests get a problem+json 5xx or the other China region
    (cn2); never jp or sg. Overseas traffic is unaffected."""
    def edit(data: dict) -> None:
        data["regions"]["cn"]["upstreams"] = ["http://cn-kyc.invalid:8443"]
        data["limits"] = {"connect_timeout_s": 2.0}

    async with asyncio.timeout(60):
        gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, edit), geo_db)
        gw.spawn()  # (not ready: "no reachable upstream in region(s) cn", as it should say)
        await answers_again(gw.url, 20)
        answers = [await send(gw.url, CN_HEADERS) for _ in range(4)]
        overseas = [await send(gw.url, SG_HEADERS) for _ in range(2)]
        assert_problems(answers)
        assert all(a[0] in (200, 502, 503, 504) for a in answers), answers
        assert {a[0] for a in overseas} == {200}
        assert all(s.region in ("cn", "cn2") for s in upstreams.seen if s.origin == "CN")
        assert await gw.terminate() == 0
        await check_invariants(Row("upstream NXDOMAIN"), as_results(answers, True)
                               + as_results(overseas, False), upstreams, gw.data_dir)


# --- the admin port flooded -------------------------------------------------------------------

async def test_admin_port_flooded_never_slows_the_proxy(tmp_path, geo_db, upstreams, procs):
    """400 connections opened on the admin port and held, plus a burst of 300 /metrics
    scrapes: the proxy keeps answering within its usual bound, readiness comes back."""
    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        held = []
        for _ in range(400):
            with contextlib.suppress(OSError):
                held.append(await asyncio.open_connection("127.0.0.1", gw.admin_port))
        conn = aiohttp.TCPConnector(limit=0, force_close=True)

        async def scrape(s: aiohttp.ClientSession) -> int:
            try:
                async with s.get(gw.admin + "/metrics") as r:
                    await r.read()
                    return r.status
            except (TimeoutError, aiohttp.ClientError):
                return 0

        try:
            async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(
                    total=20)) as s:
                scrapes = asyncio.gather(*(scrape(s) for _ in range(300)))
                began = time.monotonic()
                proxied = [await send(gw.url, SG_HEADERS, timeout_s=5) for _ in range(5)]
                took = time.monotonic() - began
                got = await scrapes
        finally:
            for _, w in held:
                w.close()
        assert {p[0] for p in proxied} == {200}
        assert got.count(200) > 0, got  # (some scrapes may wait behind the held connections)
        assert took < 5, took
        assert alive(gw)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s:
            async with s.get(gw.admin + "/readyz") as r:
                assert r.status == 200
        assert await gw.terminate() == 0


# --- a GeoIP DB replaced by one that covers only one address family -------------------------

def one_family_db(tmp_path: Path, family: int) -> Path:
    """The demo networks of one address family only, as a MaxMind DB of that family (v4: an
    IPv4 tree; v6: an IPv6 tree with no IPv4 subtree), typed GeoIP2-Country."""
    import csv

    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    from residency_gateway.cli.demo import demo_file

    writer = MMDBWriter(ip_version=family, ipv4_compatible=False,
                        database_type="GeoIP2-Country", languages=["en"],
                        description="one address family")
    for row in csv.reader(line for line in demo_file("demo-networks.csv").splitlines()
                          if line.strip() and not line.startswith("#")):
        network, country = row[0].strip(), row[1].strip()
        if country and (":" in network) == (family == 6):
            writer.insert_network(IPSet([network]), {"country": {"iso_code": country,
                                                                 "names": {"en": country}}})
    out = tmp_path / f"v{family}-only.mmdb"
    writer.to_db_file(str(out))
    return out


LENIENT_CN = {"X-Tenant-ID": "lenient", "X-Forwarded-For": "192.0.2.10"}
LENIENT_CN6 = {"X-Tenant-ID": "lenient", "X-Forwarded-For": "2001:db8:86::1"}


@pytest.mark.parametrize("family", [6, 4])
async def test_geoip_db_replaced_by_one_address_family_only(family, tmp_path, geo_db,
                                                            upstreams, procs):
    """The GeoIP DB is replaced (by rename, picked up by the watcher) with a valid Country DB
    that holds only IPv6 networks (or only IPv4): every client of the other family becomes
    'unknown origin' at once. The gateway refuses a DB that resolves nothing, for that
    reason; a DB that resolves nothing for a whole address family the live DB covered is the
    same silent default for those clients. For a tenant whose unknown origin goes overseas,
    a mainland client of the lost family is then sent to Singapore. The replacement must be
    refused (the last good DB stays) or at least never move a client the live DB placed in
    CN out of China."""
    import shutil

    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    probe = LENIENT_CN if family == 6 else LENIENT_CN6
    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      served).start()
        first = await send(gw.url, probe)
        assert first[0] == 200 and upstreams.seen[-1].region == "cn", first
        incoming = tmp_path / "incoming.mmdb"
        shutil.copy(one_family_db(tmp_path, family), incoming)
        incoming.replace(served)
        await asyncio.sleep(2.0)  # the watcher polls every 0.2 s
        reloaded = [e for e in gw.log_events() if e.get("event") == "reloaded"]
        answers = [await send(gw.url, probe) for _ in range(3)]
        assert alive(gw)
        assert all(a[0] == 200 or a[1].startswith(PROBLEM) for a in answers), answers
        leaked = [s for s in upstreams.seen if s.region not in ("cn", "cn2")]
        assert leaked == [], (f"a client the live DB placed in CN now goes to "
                              f"{leaked[0].region} (origin {leaked[0].origin}) after {reloaded}")
        assert await gw.terminate() == 0


# --- files of another log restored into this one ------------------------------------------

async def run_then_stop(gw: GatewayProc, n: int) -> list:
    await gw.start()
    got = [await send(gw.url, SG_HEADERS if i % 2 else CN_HEADERS) for i in range(n)]
    assert {g[0] for g in got} == {200}, [g[0] for g in got]
    assert await gw.terminate() == 0
    return got


def two_logs(tmp_path: Path, upstreams, geo_db, procs) -> tuple[Path, Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    map_path = write_map_for(tmp_path, upstreams)
    return a, b, map_path


async def test_checkpoints_of_another_log_restored_over_this_one(tmp_path, geo_db, upstreams,
                                                                  procs):
    """Two deployments with the same log id (the default per host name pattern), and the
    wrong backup restored: log B's checkpoints.jsonl lands in log A while A is stopped. B's
    newest checkpoint claims a tree size inside A's entries, with B's frontier. Restarted, A
    must not continue a chain from a frontier that is not its own: refuse to start naming
    the file, or ignore what does not match its entries; whatever it appends afterwards
    must verify, and no new checkpoint may sign a root mixed from two logs."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}
    async with asyncio.timeout(90):
        a, b, map_path = two_logs(tmp_path, upstreams, geo_db, procs)
        await run_then_stop(procs(a, map_path, geo_db, env=env), 12)
        await run_then_stop(procs(b, map_path, geo_db, env=env), 8)
        ours = a / "data" / "trail" / "gw-fault" / "checkpoints.jsonl"
        theirs = b / "data" / "trail" / "gw-fault" / "checkpoints.jsonl"
        ours.write_bytes(theirs.read_bytes())
        gw = procs(a, map_path, geo_db, env=env)
        gw.spawn()
        started = True
        try:
            await gw.wait_ready(20)
        except AssertionError:
            started = False
        if started:
            got = [await send(gw.url, SG_HEADERS) for _ in range(8)]
            assert {g[0] for g in got} <= {200, 503}, got
            await gw.terminate()
        # the checkpoints A's gateway signed after the restart (B's were copied in)
        cps = ours.read_bytes().splitlines(keepends=True)
        foreign = len(theirs.read_bytes().splitlines())
        ours_after = cps[foreign:]
        if started:
            # what it signed after the restart covers its own entries: check with the
            # foreign lines removed (an auditor's first step)
            ours.write_bytes(b"".join(ours_after))
            again = await verify_store(a / "data")
            mixed = [ln for ln in again.stdout.splitlines() if "Merkle root" in ln]
            assert mixed == [], "\n".join(mixed)
        else:
            assert "checkpoints.jsonl" in gw.log_tail(), gw.log_tail()


# --- a segment with a zero-filled tail at restart (a crash on a delayed-allocation FS) --------

async def test_segment_and_checkpoints_with_a_zero_filled_tail_at_restart(tmp_path, geo_db,
                                                                          upstreams, procs):
    """A power loss on a file system with delayed allocation can leave a file's size
    extended over blocks never written: the tail reads as NUL bytes. Restarted, the gateway
    cuts the zeros (no line break in them: a torn write), keeps every record before them,
    and the trail verifies with the new records appended."""
    async with asyncio.timeout(90):
        map_path = write_map_for(tmp_path, upstreams)
        env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}
        gw = procs(tmp_path, map_path, geo_db, env=env)
        first = await run_then_stop(gw, 10)
        log_dir = gw.data_dir / "trail" / "gw-fault"
        for name in ("seg-000001.jsonl", "checkpoints.jsonl"):
            with (log_dir / name).open("ab") as fh:
                fh.write(b"\0" * 4096)
        gw2 = procs(tmp_path, map_path, geo_db, env=env)
        second = await run_then_stop(gw2, 6)
        errors, records = await trail_records(gw.data_dir)
        assert errors == [], errors
        kept = records_by_decision(records)
        assert {g[2] for g in first + second} <= kept
        assert b"\0" not in (log_dir / "seg-000001.jsonl").read_bytes()


# --- the wall clock stepped (no faketime here: a sitecustomize shifts time.time/now) ---------

CLOCKSHIFT = Path(__file__).parent / "clockshift"


def shifted(offset_s: float, **env: str) -> dict[str, str]:
    """Environment for a gateway whose wall clock reads `offset_s` seconds off."""
    from tests.faults.harness import ROOT

    return {"PYTHONPATH": os.pathsep.join([str(CLOCKSHIFT), str(ROOT)]),
            "RG13_CLOCK_OFFSET_S": str(offset_s), **env}


async def test_wall_clock_stepped_back_between_restarts_keeps_the_trail_verifiable(
        tmp_path, geo_db, upstreams, procs):
    """A host restarts with its clock an hour behind (RTC drift, NTP not yet synced; or NTP
    steps a clock that ran fast). The decisions made since are dated earlier than those
    before: that is the clock's truth, not tampering. The gateway keeps recording, and the
    trail it writes must still verify: its checkpoints are what an auditor checks, and a
    checkpoint 'dated before its predecessor' makes `audit verify` fail the whole store
    after an ordinary clock correction."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}
    async with asyncio.timeout(90):
        map_path = write_map_for(tmp_path, upstreams)
        first = await run_then_stop(procs(tmp_path, map_path, geo_db, env=env), 8)
        second = await run_then_stop(procs(tmp_path, map_path, geo_db,
                                           env=shifted(-3600, **env)), 8)
        offline = await verify_store(tmp_path / "data")
        assert offline.returncode == 0, offline.stdout[:1500]
        errors, records = await trail_records(tmp_path / "data")
        assert {g[2] for g in first + second} <= records_by_decision(records)


async def test_wall_clock_jumped_ahead_never_purges_records_written_minutes_ago(
        tmp_path, geo_db, upstreams, procs):
    """A host comes back with its clock two years ahead (a bad NTP source, a VM restored
    with a wrong RTC). Retention runs at start and deletes every closed segment whose last
    record is older than the retention by the wall clock: records written minutes ago (by
    the same gateway's clock) are gone, under a signed purge event. A clock step must not
    be able to destroy the trail: records this log wrote moments before are kept."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "2", "RG_AUDIT_SEGMENT_MAX_BYTES": "4096"}
    async with asyncio.timeout(90):
        map_path = write_map_for(tmp_path, upstreams)
        first = await run_then_stop(procs(tmp_path, map_path, geo_db, env=env), 16)
        log_dir = tmp_path / "data" / "trail" / "gw-fault"
        segs_before = sorted(p.name for p in log_dir.glob("seg-*.jsonl"))
        assert len(segs_before) >= 3, segs_before
        gw = procs(tmp_path, map_path, geo_db, env=shifted(2 * 365 * 86400, **env))
        await gw.start()
        await asyncio.sleep(1.0)  # housekeeping's first pass runs at start
        assert await gw.terminate() == 0
        purged = [e for e in gw.log_events() if e.get("event") == "trail_purged"]
        errors, records = await trail_records(tmp_path / "data")
        lost = {g[2] for g in first} - records_by_decision(records)
        assert not lost, f"{len(lost)} decisions written minutes ago were purged: {purged}"


# --- the data dir read-only ----------------------------------------------------------------

@contextlib.contextmanager
def read_only_bind(where: Path):
    """`where` covered by a read-only bind mount of itself: what a remount read-only does to
    every path lookup (new opens, creates, renames: EROFS), while descriptors opened before
    keep writing (a plain `remount,ro` with files open for writing is refused, EBUSY)."""
    # (a file the gateway opens for writing through the new bind mount, between the bind and
    # the remount, makes the remount EBUSY, "mount point is busy": 1 run in 6 under load;
    # the pair is retried, the fresh bind unmounted between tries)
    for attempt in range(20):
        subprocess.run(["mount", "--bind", str(where), str(where)], check=True, timeout=10)
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], timeout=10,
                              capture_output=True)
        if done.returncode == 0:
            break
        subprocess.run(["umount", "-l", str(where)], timeout=10, check=False)
        time.sleep(0.05 * (attempt + 1))
    else:
        raise AssertionError(f"could not remount {where} read-only: {done.stderr!r}")
    try:
        yield where
    finally:
        for _ in range(50):
            if subprocess.run(["umount", str(where)], timeout=10,
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            subprocess.run(["umount", "-l", str(where)], timeout=10, check=False)


async def test_data_dir_read_only_at_start_is_one_clear_line(tmp_path, geo_db, upstreams,
                                                             procs):
    """The data dir's file system comes back read-only after a reboot (fsck found errors,
    errors=remount-ro). The gateway refuses to start within a bound, with one line naming
    the directory and EROFS; no traceback; nothing is forwarded."""
    async with asyncio.timeout(60):
        map_path = write_map_for(tmp_path, upstreams)
        await run_then_stop(procs(tmp_path, map_path, geo_db), 4)
        seen = len(upstreams.seen)
        with read_only_bind(tmp_path / "data"):
            gw = procs(tmp_path, map_path, geo_db)
            gw.spawn()
            code = await gw.wait_exit(30)
        tail = gw.log_tail()
        assert code != 0
        assert "Traceback" not in tail, tail
        assert "read-only" in tail.lower() or "EROFS" in tail, tail
        assert len(upstreams.seen) == seen


async def test_data_dir_turned_read_only_under_load(tmp_path, geo_db, upstreams, procs):
    """Under mixed load the data dir becomes read-only for every new open (the segment's
    descriptor still writes; checkpoints, rotation, policy and key files fail with EROFS).
    Nothing is forwarded without its durable record, errors are problem+json, the process
    stays up; writable again, it serves and the trail verifies."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4", "RG_AUDIT_SEGMENT_MAX_BYTES": "8192"}
    async with asyncio.timeout(90):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=env).start()
        warm = await load(gw.url, total=10, concurrency=2)
        with read_only_bind(gw.data_dir):
            during = await load(gw.url, total=60, concurrency=4, timeout_s=10)
            probes = [await send(gw.url, SG_HEADERS) for _ in range(2)]
            probes += [await send(gw.url, CN_HEADERS) for _ in range(2)]
            assert alive(gw), gw.log_tail()
        assert_problems(probes)
        row = Row("data dir read-only under load")
        row.recovery_s = await answers_again(gw.url, 25, row=row)
        assert await gw.terminate() == 0
        await check_invariants(row, warm + during + as_results(probes[:2], False)
                               + as_results(probes[2:], True), upstreams, gw.data_dir)


# --- a pseudonym key file zero-filled (a crash, a sparse restore) ------------------------------

async def test_zero_filled_pseudonym_key_is_refused_not_used(tmp_path, geo_db, upstreams,
                                                             procs):
    """A tenant's pseudonym key file comes back as 32 NUL bytes (the zero-filled tail of a
    crash on a delayed-allocation file system, a sparse or pre-allocated restore). Its size
    is right, so it is used: every pseudonym is then an HMAC under a publicly known key, and
    the ID-number space is small enough to enumerate, so the records hold the identifiers in
    effect. A key that is all zeros is no key: that tenant is refused (503 problem, nothing
    forwarded) and the start names the file; other tenants are served."""
    from residency_gateway.core.pseudonym import pseudonymise
    from tests.helpers import ADULT_ID

    async with asyncio.timeout(60):
        map_path = write_map_for(tmp_path, upstreams)
        await run_then_stop(procs(tmp_path, map_path, geo_db), 2)
        key = tmp_path / "data" / "keys" / "pseudonym" / "acme.key"
        assert key.stat().st_size == 32
        key.write_bytes(b"\0" * 32)
        gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
        seen = len(upstreams.seen)
        body = json.dumps({"id_number": ADULT_ID}).encode()
        got = [await send(gw.url, SG_HEADERS, body) for _ in range(2)]
        other = await send(gw.url, {**SG_HEADERS, "X-Tenant-ID": "bank"}, body)
        assert other[0] == 200
        assert_problems(got)
        _, records = await trail_records(gw.data_dir)
        public = {pseudonymise(b"\0" * 32, s["kind"], ADULT_ID) for r in records
                  for s in r.get("subjects", []) if r.get("tenant") == "acme"}
        computable = [s["pseudonym"] for r in records for s in r.get("subjects", [])
                      if s["pseudonym"] in public]
        assert {g[0] for g in got} == {503}, (
            f"served {[g[0] for g in got]}; {len(computable)} recorded pseudonyms are "
            "HMACs under the all-zero key, computable by anyone from the ID number")
        assert len(upstreams.seen) == seen + 1  # only bank's
        assert "acme.key" in gw.log_tail()
        assert await gw.terminate() == 0


# --- the checkpoint chain deleted under a running gateway (a cleanup job) ----------------------

@pytest.mark.parametrize("how", ["deleted", "copytruncate"])
async def test_checkpoint_chain_deleted_while_running(how, tmp_path, geo_db, upstreams, procs):
    """A cleanup job (`find -name '*.jsonl' -mmin +N -delete`) deletes checkpoints.jsonl
    while the gateway runs, or logrotate's copytruncate empties it in place. The next checkpoint must not start a new file whose first line
    continues a chain that is not there (index and prev of the deleted one) without a word:
    the gateway notices (as it notices a deleted segment) and refuses to move data until
    the chain is restored or it is restarted; restarted, it comes up and the trail it writes
    from then on verifies."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}
    async with asyncio.timeout(90):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=env).start()
        assert {r.status for r in await load(gw.url, total=10, concurrency=2)} == {200}
        cps = gw.data_dir / "trail" / "gw-fault" / "checkpoints.jsonl"
        if how == "deleted":
            cps.unlink()
        else:
            with cps.open("r+b") as fh:
                fh.truncate(0)
        forwarded = len(upstreams.seen)
        for _ in range(6):
            await send(gw.url, SG_HEADERS)
        moved = upstreams.seen[forwarded:]
        assert await gw.terminate() == 0
        offline = await verify_store(gw.data_dir)
        gw2 = procs(tmp_path, gw.map_path, geo_db, env=env)
        gw2.spawn()
        try:
            await gw2.wait_ready(20)
            started = True
        except AssertionError:
            started = False
        assert started, gw2.log_tail()
        noticed = [e for e in gw.log_events() if e.get("level") == "error"
                   and "checkpoints.jsonl" in json.dumps(e)]
        assert noticed, (f"{len(moved)} forwarded with no word; afterwards audit verify says: "
                         f"{offline.stdout[:300]}")


# --- a client certificate renewed in place, then a reload ---------------------------------------

async def test_client_certificate_renewed_in_place_is_used_after_a_reload(tmp_path, geo_db,
                                                                          upstreams, procs):
    """The mainland upstreams require mTLS. The gateway's client certificate is not accepted
    (expired, or issued by a CA the upstream stopped trusting): mainland requests are
    refused, as they must be. The operator (cert-manager, an Ansible run) writes the renewed
    certificate and key to the same paths, by rename, and reloads (SIGHUP; the map itself is
    unchanged). The reload answers that it succeeded; from then on the renewed certificate
    must be the one presented, as nginx and envoy do on reload, and mainland requests are
    served again without a restart."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from tests.faults.test_badday_round11 import TlsUpstream, _cert, _dump, _name, tls_region

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("rt13 CA", ca_key, _name("rt13 CA"), ca_key, ca=True, days=(-10, 10))
    paths: dict[str, Path] = {}
    paths["ca"], _ = _dump(tmp_path, "ca", ca, ca_key)
    sk = ec.generate_private_key(ec.SECP256R1())
    paths["server_cert"], paths["server_key"] = _dump(
        tmp_path, "server", _cert("127.0.0.1", sk, ca.subject, ca_key, ca=False,
                                  san_ip="127.0.0.1"), sk)
    old_key = ec.generate_private_key(ec.SECP256R1())  # expired yesterday
    client = _dump(tmp_path, "client", _cert("gateway", old_key, ca.subject, ca_key, ca=False,
                                             days=(-30, -1)), old_key)
    up_cn = await TlsUpstream().start(paths, require_client_cert=True)
    try:
        def edit(data: dict) -> None:
            for rid in ("cn", "cn2"):
                data["regions"][rid].update(tls_region(up_cn.url, paths["ca"], client))

        async with asyncio.timeout(60):
            gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, edit),
                                    geo_db)
            gw.spawn()
            await answers_again(gw.url, 20)  # (overseas; readiness says cn is down)
            refused = await send(gw.url, CN_HEADERS)
            assert refused[0] in (502, 503), refused
            assert up_cn.hits == 0
            new_key = ec.generate_private_key(ec.SECP256R1())
            renewed = tmp_path / "renewed"
            renewed.mkdir()
            c, k = _dump(renewed, "client", _cert("gateway", new_key, ca.subject, ca_key,
                                                  ca=False, days=(-1, 30)), new_key)
            k.replace(client[1])
            c.replace(client[0])
            gw.signal(signal.SIGHUP)
            await asyncio.sleep(2.0)
            reloads = [e for e in gw.log_events() if e.get("event", "").startswith("reload")]
            after = [await send(gw.url, CN_HEADERS) for _ in range(3)]
            # control: a fresh process with the same map presents the renewed certificate
            fresh: GatewayProc = procs(tmp_path / "fresh", gw.map_path, geo_db)
            (tmp_path / "fresh").mkdir()
            await fresh.start()
            assert (await send(fresh.url, CN_HEADERS))[0] == 200
            assert await fresh.terminate() == 0
            assert all(s.region in ("cn", "cn2") for s in upstreams.seen if s.origin == "CN")
            assert {a[0] for a in after} == {200}, (
                f"{[a[0] for a in after]} after the renewed certificate and a reload "
                f"({reloads[-1:] if reloads else 'no reload event'})")
            assert await gw.terminate() == 0
    finally:
        await up_cn.close()


# --- other files zero-filled at restart -----------------------------------------------------

def _zero(path: Path) -> None:
    size = max(path.stat().st_size, 1)
    path.write_bytes(b"\0" * size)


@pytest.mark.parametrize("victim", [
    "map", "signing-current", "signing-key", "geoip-db", "last-good-with-db-missing"])
async def test_files_zero_filled_at_restart_are_one_clear_line(victim, tmp_path, geo_db,
                                                               upstreams, procs):
    """The same crash (size kept, blocks never written) on the other files a start reads:
    the region map, the signing key's `current` name or the key itself, the GeoIP DB, the
    name of the last good GeoIP copy (with the configured DB gone). The start either uses
    the last good copy (GeoIP) or refuses within a bound with one line naming the file;
    never a traceback, never a silent default."""
    import shutil

    async with asyncio.timeout(60):
        served = tmp_path / "served.mmdb"
        shutil.copy(geo_db, served)
        map_path = write_map_for(tmp_path, upstreams)
        await run_then_stop(procs(tmp_path, map_path, served), 2)
        data = tmp_path / "data"
        signing = data / "keys" / "signing"
        if victim == "map":
            _zero(map_path)
        elif victim == "signing-current":
            _zero(signing / "current")
        elif victim == "signing-key":
            _zero(next(signing.glob("*.key")))
        elif victim == "geoip-db":
            _zero(served)
        else:
            _zero(data / "geoip" / "last-good")
            served.unlink()
        gw = procs(tmp_path, map_path, served)
        gw.spawn()
        try:
            await gw.wait_ready(20)
            code = None
        except AssertionError:
            code = gw.proc.poll() if gw.proc else None
        tail = gw.log_tail(3000)
        assert "Traceback" not in tail, tail
        if code is None:  # started: only on the last good GeoIP copy, and saying so
            assert victim == "geoip-db", tail
            assert "geoip_db_refused_using_last_good" in tail
        else:
            assert code != 0
            last = tail.strip().splitlines()[-1]
            assert "\0" not in last and len(last) < 2000, last


# --- a region map holding a control character (a paste with a terminal escape) ----------------

def _with_control_character(map_path: Path, char: str = "\x1b") -> None:
    """The map as an SRE pasted it from a coloured terminal: one ESC inside a comment."""
    text = map_path.read_text("utf-8")
    tmp = map_path.with_name(map_path.name + ".new")
    tmp.write_text(f"# pasted: {char}[0m\n" + text, "utf-8")
    back = time.time_ns() - 1_000_000_000
    os.utime(tmp, ns=(back, back))
    tmp.replace(map_path)  # (by rename: the watcher loads only what was renamed into place)


async def test_map_with_a_control_character_at_start_is_a_file_line_error(tmp_path, geo_db,
                                                                          upstreams, procs):
    """One ESC (or NUL, DEL, form feed) anywhere in a region map: YAML refuses the character
    before parsing. At start that must be the usual `file:line: key: message`, never a
    traceback; `config check` must say the same."""
    from tests.faults.test_badday_round10 import acli

    async with asyncio.timeout(60):
        map_path = write_map_for(tmp_path, upstreams)
        _with_control_character(map_path)
        checked = await acli("config", "check", str(map_path))
        gw = procs(tmp_path, map_path, geo_db)
        gw.spawn()
        code = await gw.wait_exit(30)
        tail = gw.log_tail()
        assert "Traceback" not in checked.stderr, checked.stderr[-2000:]
        assert code != 0
        assert "Traceback" not in tail, tail[-2000:]
        assert f"{map_path}:1" in tail, tail[-800:]


@pytest.mark.parametrize("how", ["watcher", "sighup", "admin"])
async def test_map_with_a_control_character_on_reload_keeps_the_last_good_map(
        how, tmp_path, geo_db, upstreams, procs):
    """The same map written over a running gateway's: the reload is refused with a
    file:line error (admin: a problem or a refusal, never a 500), the last good map keeps
    serving, the process stays up and a later good map is still picked up."""
    token = "rt-badday13-token"
    async with asyncio.timeout(60):
        map_path = write_map_for(tmp_path, upstreams)
        env = {"RG_ADMIN_TOKEN": token}
        if how != "watcher":
            env["RG_RELOAD_POLL_S"] = "3600"
        gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
        good = map_path.read_text("utf-8")
        _with_control_character(map_path)
        answer = None
        if how == "sighup":
            gw.signal(signal.SIGHUP)
        elif how == "admin":
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, \
                    s.post(gw.admin + "/admin/reload",
                           headers={"Authorization": f"Bearer {token}"}) as r:
                answer = (r.status, r.headers.get("Content-Type", ""), await r.text())
        await asyncio.sleep(1.5)
        served = [await send(gw.url, SG_HEADERS), await send(gw.url, CN_HEADERS)]
        events = [e for e in gw.log_events() if e.get("level") in ("error", "critical")]
        assert alive(gw), gw.log_tail()
        assert [s[0] for s in served] == [200, 200]
        if answer is not None:  # (the error names no file:line: see the start test)
            assert answer[0] == 422 and answer[1].startswith(PROBLEM), answer
        assert any(e.get("event") == "reload_refused" for e in events), events[-3:]
        map_path.write_text(good, "utf-8")
        assert "Traceback" not in gw.log_tail(20000)
        assert await gw.terminate() == 0


# --- a GeoIP DB of another flavour: country codes not in ISO 3166-1 alpha-2 upper case ---------

def recoded_db(tmp_path: Path, recode: dict[str, str] | None, lower: bool) -> Path:
    """The demo networks with their country codes written another way: lower case (some
    converters of DB-IP / IP2Location CSVs), or alpha-3 ('CHN')."""
    from residency_gateway.cli.demo import build_geoip, demo_file

    rows = []
    for line in demo_file("demo-networks.csv").splitlines():
        if not line.strip() or line.startswith("#"):
            rows.append(line)
            continue
        net, _, code = line.partition(",")
        code = code.strip()
        code = (recode or {}).get(code, code)
        rows.append(f"{net},{code.lower() if lower else code}")
    return build_geoip("\n".join(rows) + "\n", tmp_path / "recoded.mmdb")


@pytest.mark.parametrize("flavour", ["lower-case", "alpha-3"])
async def test_geoip_db_with_codes_not_alpha2_never_sends_mainland_abroad(flavour, tmp_path,
                                                                         geo_db, upstreams,
                                                                         procs):
    """The GeoIP DB is replaced by one built by another converter: 'cn' in lower case, or
    'CHN'. It opens, its type says Country and its networks resolve, so it passes every check
    the gateway makes; but 'cn' / 'CHN' is not 'CN'. A mainland client must still never be
    sent abroad: the DB is refused (codes that are not ISO 3166-1 alpha-2), or the code is
    normalised, or the origin is unknown and refused."""
    import shutil

    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      served).start()
        assert (await send(gw.url, CN_HEADERS))[0] == 200
        recode = {"CN": "CHN", "SG": "SGP", "HK": "HKG", "ID": "IDN", "JP": "JPN", "TW": "TWN",
                  "US": "USA"} if flavour == "alpha-3" else None
        incoming = tmp_path / "incoming.mmdb"
        shutil.copy(recoded_db(tmp_path, recode, flavour == "lower-case"), incoming)
        incoming.replace(served)
        await asyncio.sleep(2.0)
        answers = [await send(gw.url, CN_HEADERS),
                   await send(gw.url, {**CN_HEADERS, "X-Tenant-ID": "lenient"})]
        assert alive(gw)
        assert_problems(answers)
        leaked = [s for s in upstreams.seen if s.region not in ("cn", "cn2")]
        assert leaked == [], f"mainland client sent to {leaked[0].region} as {leaked[0].origin}"
        assert await gw.terminate() == 0


# --- PostgreSQL: the trail table truncated by another session ---------------------------------

rt11_dsn = round11.rt11_dsn  # the fixture: a PostgreSQL database of its own per test


@pytest.mark.parametrize("table", ["rg_trail_entries", "rg_trail_checkpoints"])
async def test_pg_trail_table_truncated_by_another_session(table, tmp_path, geo_db, upstreams,
                                                           procs, rt11_dsn):
    """The PostgreSQL store is append-only: a trigger refuses UPDATE and DELETE on the trail
    tables. A DBA's cleanup (or a test-data reset run against the wrong database) issues
    `TRUNCATE` instead, which no row trigger sees. The records of transfers that happened
    must survive it: TRUNCATE is refused like DELETE (or, if it got through, the gateway
    notices and moves no more data on a trail with no beginning)."""
    import asyncpg

    async with asyncio.timeout(60):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env={**round11.pg_env(rt11_dsn),
                                           "RG_AUDIT_CHECKPOINT_EVERY": "4"}).start()
        before = await load(gw.url, total=8, concurrency=2)
        assert {r.status for r in before} == {200}
        await asyncio.sleep(0.5)
        conn = await asyncpg.connect(rt11_dsn)
        try:
            rows = await conn.fetchval(f"SELECT count(*) FROM {table}")
            assert rows > 0
            truncated = True
            try:
                await conn.execute(f"TRUNCATE {table}")
            except asyncpg.PostgresError:
                truncated = False
            left = await conn.fetchval(f"SELECT count(*) FROM {table}")
        finally:
            await conn.close()
        forwarded = len(upstreams.seen)
        after = [await send(gw.url, SG_HEADERS) for _ in range(4)]
        moved = upstreams.seen[forwarded:]
        assert alive(gw)
        assert_problems(after)
        assert not truncated or moved == [], (
            f"TRUNCATE {table} removed {rows - left} of {rows} rows past the append-only "
            f"trigger, and {len(moved)} requests were forwarded afterwards")
        assert await gw.terminate() == 0


async def test_pg_failover_to_a_read_only_standby_then_back(tmp_path, geo_db, upstreams, procs,
                                                            rt11_dsn):
    """A PostgreSQL failover points the trail's DSN at a hot standby for a while: the
    sessions are cut, the reconnects succeed, and every INSERT fails with SQLSTATE 25006
    (read-only transaction). Meanwhile each request is a 503 problem and nothing moves;
    once the primary is back, the gateway recovers without a restart and the trail verifies
    with contiguous seqs."""
    import asyncpg

    dbname = rt11_dsn.rpartition("/")[2]
    cut = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
           "WHERE datname = $1 AND pid <> pg_backend_pid()")
    async with asyncio.timeout(90):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=round11.pg_env(rt11_dsn)).start()
        before = await load(gw.url, total=6, concurrency=2)
        conn = await asyncpg.connect(rt11_dsn)  # (its own session stays writable)
        try:
            await conn.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only '
                               "= on")
            await conn.execute(cut, dbname)
            forwarded = len(upstreams.seen)
            during = [await send(gw.url, h) for h in (SG_HEADERS, CN_HEADERS) * 3]
            moved = upstreams.seen[forwarded:]
            await conn.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only '
                               "= off")
            await conn.execute(cut, dbname)
        finally:
            await conn.close()
        assert alive(gw), gw.log_tail()
        assert_problems(during)
        assert {d[0] for d in during} <= {200, 503}, [d[0] for d in during]
        row = Row("PG failover to a read-only standby")
        row.recovery_s = await answers_again(gw.url, 20, row=row)
        after = await load(gw.url, total=6, concurrency=2)
        assert {r.status for r in after} == {200}
        assert await gw.terminate() == 0
        await check_invariants(row, before + as_results(during, False) + after, upstreams,
                               gw.data_dir, rt11_dsn)
        assert len(moved) == sum(1 for d in during if d[0] == 200)
