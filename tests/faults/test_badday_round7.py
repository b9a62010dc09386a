"""Bad day in production, round 7: the next faults after the ones the fault suite already
injects. Files an operator (or a cleanup job, or an editor) breaks under a running gateway:
the active trail segment deleted, the signing key truncated or re-encoded; every China
upstream down at once; a reload of a map that would send mainland data abroad. Real gateway
processes, loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys

import aiohttp
import pytest

from residency_gateway.regionmap.load import load_region_map
from tests.faults.harness import (
    SG_HEADERS,
    GatewayProc,
    Row,
    answers_again,
    check_invariants,
    fault_map,
    load,
    trail_records,
    write_map_for,
)
from tests.helpers import write_map

TOKEN = "rt-badday-token"
ADMIN_ENV = {"RG_ADMIN_TOKEN": TOKEN, "RG_RELOAD_POLL_S": "3600"}  # reloads only when asked


async def admin_reload(gw: GatewayProc) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.post(
            gw.admin + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        return r.status, await r.text()


async def ready(gw: GatewayProc) -> int:
    async with aiohttp.ClientSession() as s, s.get(gw.admin + "/readyz") as r:
        return r.status


def segments(gw: GatewayProc) -> list:
    return sorted((gw.data_dir / "trail").rglob("seg-*.jsonl"))


async def test_active_segment_deleted_while_running_moves_no_unrecorded_data(
        tmp_path, geo_db, upstreams, procs):
    """A cleanup job deletes the segment the gateway is appending to. The gateway must not go
    on 'recording' into the deleted inode (records that vanish when the file closes) and
    forwarding: from then on it refuses (503) and says so, until it is restarted."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}  # signed checkpoints cover what gets deleted
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=env).start()
    before = await load(gw.url, total=10, concurrency=2)
    assert all(r.status == 200 for r in before)
    for seg in segments(gw):
        seg.unlink()
    forwarded = len(upstreams.seen)
    after = await load(gw.url, total=10, concurrency=2)
    moved = upstreams.seen[forwarded:]
    assert moved == [], f"{len(moved)} requests forwarded with records in a deleted file"
    assert {r.status for r in after} == {503}, [r.status for r in after]
    assert await ready(gw) == 503
    events = [e for e in gw.log_events() if e.get("level") in ("error", "critical")]
    assert events, "the deleted segment is not reported"
    assert await gw.terminate() == 0
    # a restart opens a fresh segment and serves; the deletion stays evident in the trail
    gw2: GatewayProc = procs(tmp_path, gw.map_path, geo_db, env=env)
    await gw2.start()
    assert all(r.status == 200 for r in await load(gw2.url, total=6, concurrency=2))
    assert await gw2.terminate() == 0
    errors, records = await trail_records(gw.data_dir)
    assert errors, "a deleted segment must not verify"
    decided = {r["decision_id"] for r in records if r["type"] == "decision"}
    assert all(s.decision_id in decided for s in upstreams.seen[forwarded:])


async def start_fails_in_one_line(gw: GatewayProc, tmp_path, needle: str) -> None:
    """The gateway started on a broken file exits 1 with a line naming it, no traceback."""
    gw.log_path = tmp_path / "gw2.log"
    gw.spawn()
    assert await gw.wait_exit(30) == 1
    text = gw.log_path.read_text()
    assert "Traceback" not in text, text[-1500:]
    assert needle in text


async def test_signing_key_truncated_at_start_is_one_clear_line(tmp_path, geo_db, upstreams,
                                                              procs):
    """The signing key file cut short (a restore from a broken backup): `serve` (one process,
    as the fault suite runs it) refuses to start with one line naming the file, not a
    traceback."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    assert await gw.terminate() == 0
    keys = gw.data_dir / "keys" / "signing"
    kid = (keys / "current").read_text().strip()
    key_file = keys / f"{kid}.key"
    key_file.write_bytes(key_file.read_bytes()[:40])
    await start_fails_in_one_line(procs(tmp_path, map_path, geo_db), tmp_path, f"{kid}.key")


async def test_signing_key_current_reencoded_at_start_is_one_clear_line(tmp_path, geo_db,
                                                                       upstreams, procs):
    """`keys/signing/current` saved by an editor as UTF-16: one line naming the file, exit 1,
    never a traceback."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    assert await gw.terminate() == 0
    current = gw.data_dir / "keys" / "signing" / "current"
    current.write_bytes(current.read_text().encode("utf-16"))
    await start_fails_in_one_line(procs(tmp_path, map_path, geo_db), tmp_path, "current")


async def test_reload_with_a_broken_signing_key_never_reports_refused_while_serving_the_new_map(
        tmp_path, geo_db, upstreams, procs):
    """A map edit plus a `current` that cannot be read: the reload's answer must say what is in
    force. Either the new map serves and the reload says ok (the key problem logged), or the
    reload is refused and the old map keeps serving; never 'refused, the last good one stays'
    while the new map routes traffic."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=ADMIN_ENV).start()
    current = gw.data_dir / "keys" / "signing" / "current"
    current.write_bytes(current.read_text().encode("utf-16"))

    def to_jp(data: dict) -> None:
        data["tenants"]["acme"]["overseas_region"] = "jp"

    write_map(map_path, fault_map(upstreams, to_jp))
    status, answer = await admin_reload(gw)
    upstreams.seen.clear()
    got = await load(gw.url, total=4, concurrency=1, mainland_every=1000)
    assert [r.status for r in got[1:]] == [200] * 3
    went = {s.region for s in upstreams.seen if s.origin != "CN"}
    if status == 200:
        assert went == {"jp"}, went
        assert any(e.get("event") == "signing_key_unusable" for e in gw.log_events())
    else:
        assert went == {"sg"}, f"reload answered {status} ({answer[:200]}) but traffic went {went}"
    assert await gw.terminate() == 0


async def test_every_china_upstream_down_never_fails_over_abroad(tmp_path, geo_db, upstreams,
                                                                 procs):
    """cn and cn2 both gone (acme's fallbacks are jp and cn2): mainland requests get 503
    upstream_unavailable, recorded with the regions tried; none reaches jp or sg; overseas
    traffic is still served."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db).start()
    for runner in upstreams.runners[:2]:  # cn, cn2
        await runner.cleanup()
    await asyncio.sleep(1.2)  # a few health probes
    results = await load(gw.url, total=12, concurrency=3, mainland_every=1)
    assert {r.status for r in results} == {503}, [r.status for r in results]
    assert not [s for s in upstreams.seen if s.origin == "CN"]
    await answers_again(gw.url, bound_s=5, headers=SG_HEADERS)
    assert await gw.terminate() == 0
    records = await check_invariants(Row("every China upstream down"), results, upstreams,
                                     gw.data_dir)
    tried = [r for r in records if r["type"] == "completion"
             and r["outcome"] == "upstream_unavailable"]
    assert tried and all(set(r["attempts"]) <= {"cn", "cn2"} for r in tried)


async def test_reload_of_a_map_sending_mainland_abroad_is_refused_and_old_map_serves(
        tmp_path, geo_db, upstreams, procs):
    """A map that validates as YAML but names a non-China region as a tenant's china_region,
    or swaps the jurisdictions of cn and sg: refused with file:line errors; mainland traffic
    keeps landing in cn."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=ADMIN_ENV).start()

    def china_is_sg(data: dict) -> None:
        data["tenants"]["acme"]["china_region"] = "sg"

    def swapped(data: dict) -> None:
        data["regions"]["sg"]["jurisdiction"] = "CN"
        data["regions"]["cn"]["jurisdiction"] = "SG"

    for edit in (china_is_sg, swapped):
        write_map(map_path, fault_map(upstreams, edit))
        status, answer = await admin_reload(gw)
        assert status == 422, answer
        assert "map.yaml:" in answer and "mainland" in answer
        got = await load(gw.url, total=6, concurrency=2)
        assert all(r.status == 200 for r in got)
    assert {s.region for s in upstreams.seen if s.origin == "CN"} == {"cn"}
    assert await gw.terminate() == 0


async def test_reload_with_key_rotation_on_a_full_disk_reports_what_is_in_force(
        tmp_path, geo_db, upstreams, procs):
    """`keys generate` then a reload back to a map version the trail already stored, on a disk
    that is full (RLIMIT_FSIZE 1): the map needs no new file, the new key's public key does.
    The answer must match what serves afterwards."""

    def no_sigxfsz() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=ADMIN_ENV,
                                  preexec=no_sigxfsz).start()

    def to_jp(data: dict) -> None:
        data["tenants"]["acme"]["overseas_region"] = "jp"

    write_map(map_path, fault_map(upstreams, to_jp))
    assert (await admin_reload(gw))[0] == 200
    made = subprocess.run([sys.executable, "-m", "residency_gateway", "keys", "generate",
                           "--data-dir", str(gw.data_dir)], capture_output=True, timeout=30)
    assert made.returncode == 0, made.stderr
    assert gw.proc is not None
    resource.prlimit(gw.proc.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
    write_map(map_path, fault_map(upstreams))  # back to the first version (sg)
    status, answer = await admin_reload(gw)
    resource.prlimit(gw.proc.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    upstreams.seen.clear()
    got = await load(gw.url, total=4, concurrency=1, mainland_every=1000)
    assert [r.status for r in got] == [200] * 4
    went = {s.region for s in upstreams.seen if s.origin != "CN"}
    if status == 200:
        assert went == {"sg"}, went
    else:
        assert went == {"jp"}, f"reload answered {status} ({answer[:200]}) but traffic went {went}"
    assert await gw.terminate() == 0
    errors, _ = await trail_records(gw.data_dir)
    assert errors == []


async def test_half_written_map_copied_in_place_never_routes_mainland_abroad(
        tmp_path, geo_db, upstreams, procs):
    """A map copied over in place by a slow writer (a network copy, `cat > file`): for a
    second only its first part is on disk, and that part is a valid map without the
    cidr_overrides that mark 203.0.113.200/29 (GeoIP: US) as mainland. Requests from that
    range must never reach a non-China upstream."""

    def overrides_last(data: dict) -> None:
        data["cidr_overrides"] = data.pop("cidr_overrides")

    map_path = write_map_for(tmp_path, upstreams, overrides_last)
    text = map_path.read_text()
    assert "203.0.113.200/29" in text
    assert text.index("cidr_overrides:") > text.index("trusted_proxies:")
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    pinned = {"X-Tenant-ID": "acme", "X-Forwarded-For": "203.0.113.201"}

    async def from_pinned_range() -> list[int]:
        out = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            for i in range(4):
                async with s.post(gw.url + "/v1/compare", json={"n": i}, headers=pinned) as r:
                    await r.read()
                    out.append(r.status)
        return out

    assert await from_pinned_range() == [200] * 4
    head = text[: text.index("cidr_overrides:")]
    with map_path.open("r+") as fh:  # in place: same inode, the writer stalls mid-copy
        fh.truncate(0)
        fh.write(head)
    await asyncio.sleep(1.0)  # the watcher polls every 0.2 s
    during = await from_pinned_range()
    with map_path.open("a") as fh:
        fh.write(text[len(head):])
    await asyncio.sleep(1.0)
    after = await from_pinned_range()
    assert after == [200] * 4
    assert await gw.terminate() == 0
    abroad = [s for s in upstreams.seen if s.region not in ("cn", "cn2")]
    assert abroad == [], f"{len(abroad)} requests from a CN-pinned range went to " \
                         f"{sorted({s.region for s in abroad})} (statuses during: {during})"


async def test_half_written_map_with_sighup_sent_at_once_is_never_loaded(
        tmp_path, geo_db, upstreams, procs):
    """The operator's script writes the map in place and sends SIGHUP at once, and the write
    stalls mid-file (0.2 s, less than the 0.3 s settle window) where its first part is a
    valid map without the CN override of 203.0.113.200/29. The reload waits for the file to
    hold still and loads the whole map: no request from that range goes abroad, before,
    during or after, and the new map is the one in force."""

    def overrides_last(data: dict) -> None:
        data["cidr_overrides"] = data.pop("cidr_overrides")

    def acme_to_jp(data: dict) -> None:
        overrides_last(data)
        data["tenants"]["acme"]["overseas_region"] = "jp"

    map_path = write_map_for(tmp_path, upstreams, overrides_last)
    new = write_map(tmp_path / "next.yaml", fault_map(upstreams, acme_to_jp))
    text = new.read_text()
    head = text[: text.index("cidr_overrides:")]
    version = load_region_map(new).short_version
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    pinned = {"X-Tenant-ID": "acme", "X-Forwarded-For": "203.0.113.201"}
    done = asyncio.Event()
    statuses: list[int] = []

    async def from_pinned_range() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            while not done.is_set():
                async with s.post(gw.url + "/v1/compare", json={}, headers=pinned) as r:
                    await r.read()
                    statuses.append(r.status)
                await asyncio.sleep(0.01)

    sender = asyncio.create_task(from_pinned_range())
    await asyncio.sleep(0.3)
    with map_path.open("r+") as fh:  # in place, as `cat > map.yaml; kill -HUP` does
        fh.truncate(0)
        fh.write(head)
        fh.flush()
        gw.signal(signal.SIGHUP)
        await asyncio.sleep(0.2)  # the writer stalls
        fh.write(text[len(head):])
    for _ in range(100):
        if any(e.get("event") == "reloaded" for e in gw.log_events()):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    done.set()
    await sender
    assert await gw.terminate() == 0
    reloads = [e for e in gw.log_events() if e.get("event") in ("reloaded", "reload_refused")]
    assert [(e["event"], e.get("policy_version")) for e in reloads] == [("reloaded", version)]
    assert statuses and set(statuses) == {200}, statuses
    abroad = [s for s in upstreams.seen if s.region not in ("cn", "cn2")]
    assert abroad == [], f"{len(abroad)} requests from a CN-pinned range went to " \
                         f"{sorted({s.region for s in abroad})}"


async def test_pseudonym_key_that_is_a_fifo_takes_down_only_its_tenant(tmp_path, geo_db,
                                                                       upstreams, procs):
    """`keys/pseudonym/bank.key` is a named pipe nobody writes (not a regular file). bank's
    requests get a clear 503 pseudonym_key_unavailable; acme keeps being served."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db).start()
    assert all(r.status == 200 for r in await load(gw.url, total=4, concurrency=2))
    keys = gw.data_dir / "keys" / "pseudonym"
    keys.mkdir(parents=True, exist_ok=True)
    os.mkfifo(keys / "bank.key")
    bank = {"X-Tenant-ID": "bank", "X-Forwarded-For": "198.51.100.10"}
    statuses: list[int] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=4)) as s:

        async def one(headers: dict[str, str]) -> None:
            try:
                async with s.post(gw.url + "/v1/compare", json={}, headers=headers) as r:
                    await r.read()
                    statuses.append(r.status)
            except (TimeoutError, aiohttp.ClientError):
                statuses.append(0)

        try:
            await asyncio.wait_for(one(bank), timeout=5)
            bank_status = statuses.pop()
            acme = await load(gw.url, total=6, concurrency=2, timeout_s=4)
        finally:
            with contextlib.suppress(OSError):  # unblock a reader stuck on the pipe
                fd = os.open(keys / "bank.key", os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
    assert [r.status for r in acme] == [200] * 6, [r.status for r in acme]
    assert bank_status == 503, bank_status
    assert await gw.terminate() == 0


async def test_inode_exhaustion_at_segment_rotation_never_mixes_trail_and_sockets(
        tmp_path, geo_db, upstreams, procs):
    """The data directory runs out of inodes (a small tmpfs) just as the trail must open its
    next segment: 503 while it lasts, then recovery by itself once inodes are free again.
    The failed rotation must not leave the trail holding a closed file descriptor: closed
    again or written to, that number belongs to whatever opened next (a client socket),
    and an HTTP answer lands in the trail or a record in a client's connection."""
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,nr_inodes=200", "tmpfs",
                              str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                            env={"RG_AUDIT_SEGMENT_MAX_BYTES": "4096"})
    try:
        await gw.start()
        results = await load(gw.url, total=4, concurrency=2)
        filler = data / "filler"
        filler.mkdir()
        with contextlib.suppress(OSError):
            for n in range(10_000):
                (filler / str(n)).touch()
        full = await load(gw.url, total=30, concurrency=2)
        # (an entry or two may still fit in the open segment, durably: 200; from the first
        # commit that needs the next segment on, 503 until inodes are free)
        statuses = [r.status for r in full]
        assert set(statuses) <= {200, 503} and statuses.count(503) >= 25, statuses
        assert statuses[-5:] == [503] * 5, statuses
        shutil.rmtree(filler)
        after = await load(gw.url, total=30, concurrency=2)
        assert [r.status for r in after] == [200] * 30
        assert await gw.terminate() == 0
        for seg in (data / "trail").rglob("seg-*.jsonl"):
            assert b"HTTP/1.1" not in seg.read_bytes(), f"an HTTP answer in {seg.name}"
        await check_invariants(Row("inode exhaustion at segment rotation"),
                               results + full + after, upstreams, gw.data_dir)
    finally:
        gw.reap()
        subprocess.run(["umount", "-l", str(data)], capture_output=True)


class AbroadGatewayProc(GatewayProc):
    """The gateway as it runs in Singapore (`--region sg`), with a China-resident trail."""

    def spawn(self) -> None:
        real = subprocess.Popen

        def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
            i = args.index("--region")
            return real([*args[:i + 1], "sg", *args[i + 2:]], **kwargs)  # type: ignore[call-overload]

        subprocess.Popen = popen  # type: ignore[assignment,misc]
        try:
            super().spawn()
        finally:
            subprocess.Popen = real  # type: ignore[misc]


async def test_mainland_trail_down_abroad_refuses_mainland_only_and_records_nothing_abroad(
        tmp_path, geo_db, upstreams, pg_dsn):
    """A gateway in sg writes mainland-origin records to a China-resident PostgreSQL store.
    That store goes away: mainland requests get 503 and nothing of theirs moves or is
    recorded in the sg trail instead; overseas traffic goes on; the store comes back: mainland
    traffic is recorded in China and forwarded to cn again."""
    from tests.faults.test_trail_faults_functional import pg_proxy_for, proxied

    proxy = await pg_proxy_for(pg_dsn)
    gw = AbroadGatewayProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                           env={"RG_AUDIT_MAINLAND_STORE": proxied(pg_dsn, proxy.port)})
    try:
        await gw.start()
        ok = await load(gw.url, total=8, concurrency=2)
        assert all(r.status == 200 for r in ok)
        await proxy.stop()
        forwarded = len(upstreams.seen)
        down = await load(gw.url, total=20, concurrency=2)
        mainland = [r.status for r in down if r.mainland]
        overseas = [r.status for r in down if not r.mainland]
        assert set(mainland) == {503}, mainland
        assert set(overseas) == {200}, overseas
        assert all(s.origin != "CN" for s in upstreams.seen[forwarded:])
        await proxy.resume()
        await answers_again(gw.url, bound_s=15, headers={"X-Tenant-ID": "acme",
                                                         "X-Forwarded-For": "192.0.2.10"})
        assert await gw.terminate() == 0
    finally:
        gw.reap()
        await proxy.stop()
    _, here = await trail_records(gw.data_dir)
    assert not [r for r in here if r.get("origin", {}).get("jurisdiction") == "CN"
                or r.get("origin") == "CN"]
    errors, china = await trail_records(gw.data_dir, pg_dsn)
    assert errors == []
    decided = {r["decision_id"] for r in here + china if r["type"] == "decision"}
    assert all(s.decision_id in decided for s in upstreams.seen)


async def test_upstream_that_closes_after_the_request_head_is_never_replayed_elsewhere(
        tmp_path, geo_db, upstreams, procs):
    """sg and cn accept, read the request head and drop the connection. POST and PUT
    (idempotent), overseas and mainland: 502 upstream_error, recorded with the one region
    tried; the request is not replayed to a fallback (jp, cn2) nor anywhere else."""
    heads: list[bytes] = []

    async def drop_after_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = await reader.read(65536)
                if not chunk:
                    return  # a health probe's TCP connect
                data += chunk
            heads.append(data.split(b"\r\n", 1)[0])
        finally:
            writer.close()

    server = await asyncio.start_server(drop_after_head, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    def both_drop(data: dict) -> None:
        data["regions"]["sg"]["upstreams"] = [url]
        # (the same server by another name: a CN region naming an overseas one's is refused)
        data["regions"]["cn"]["upstreams"] = [url.replace("//127.0.0.1:", "//localhost:")]

    try:
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams, both_drop),
                                      geo_db).start()
        statuses = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            for method in ("POST", "PUT"):
                for headers in (SG_HEADERS, {"X-Tenant-ID": "acme",
                                             "X-Forwarded-For": "192.0.2.10"}):
                    async with s.request(method, gw.url + "/v1/compare", json={"x": 1},
                                         headers=headers) as r:
                        await r.read()
                        statuses.append(r.status)
        assert statuses == [502] * 4
        assert len(heads) == 4 and upstreams.seen == []
        assert await gw.terminate() == 0
    finally:
        server.close()
        await server.wait_closed()
    _, records = await trail_records(gw.data_dir)
    done = [r for r in records if r["type"] == "completion"]
    assert [(r["outcome"], r["attempts"]) for r in done] == [
        ("upstream_error", ["sg"]), ("upstream_error", ["cn"])] * 2

