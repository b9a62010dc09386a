"""Bad day in production, round 12: fault classes the suite did not inject yet. The file limit
lowered under a running gateway (prlimit on its pid: EMFILE for every new socket and file);
the active segment replaced by a copy of itself (a `sed -i`, a restore by rename); the next
segment's name taken by a directory; checkpoints.jsonl turned into a directory while running
and at restart; a Kubernetes ConfigMap's `..data` symlink swapped to a broken map, then to a
good one; the map or the GeoIP DB replaced by a named pipe, a device or a 2 GiB sparse file;
the GeoIP private-copy directory full; the pseudonym key directory replaced by a file; 200
clients stalled mid-body at once; an upstream that sends 100 Continue and then nothing, or
stalls in the middle of its body; PostgreSQL accepting the trail's reconnects but never
answering them. Real gateway processes (or real aiohttp upstreams), loopback only, every wait
bounded. After each fault: every 2xx has its record, nothing reached an upstream without one,
errors are problem+json, the trail verifies and the gateway serves again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest

from residency_gateway.cli.demo import build_geoip, demo_file
from tests.faults import test_badday_round9 as round9
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
    trail_records,
    write_map_for,
)
from tests.faults.pgproxy import PgProxy
from tests.faults.test_badday_round9 import fill, tiny_tmpfs
from tests.helpers import ADDR, write_map

raw_gw = round9.raw_gw  # the fixture: a gateway whose sg and cn upstreams answer raw bytes

TOKEN = "rt-badday12-token"
PROBLEM = "application/problem+json"
LOG_ID = "gw-fault"


async def send(url: str, headers: dict[str, str], body: bytes = b'{"x": 1}',
               path: str = "/v1/compare", timeout_s: float = 10.0,
               session: aiohttp.ClientSession | None = None
               ) -> tuple[int, str, str | None, bytes]:
    """(status, content type, decision id, body); status 0 when the request failed."""
    async def go(s: aiohttp.ClientSession) -> tuple[int, str, str | None, bytes]:
        async with s.post(url + path, data=body,
                          headers={**headers, "Content-Type": "application/json"}) as r:
            return (r.status, r.headers.get("Content-Type", ""),
                    r.headers.get("X-Residency-Decision"), await r.read())

    try:
        if session is not None:
            return await asyncio.wait_for(go(session), timeout_s)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as s:
            return await go(s)
    except (TimeoutError, aiohttp.ClientError):
        return 0, "", None, b""


async def admin_reload(gw: GatewayProc, timeout_s: float = 15) -> tuple[int, str, str, float]:
    began = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as s, \
            s.post(gw.admin + "/admin/reload",
                   headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        return (r.status, r.headers.get("Content-Type", ""), await r.text(),
                time.monotonic() - began)


async def readyz(gw: GatewayProc) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s, \
            s.get(gw.admin + "/readyz") as r:
        return r.status


def alive(gw: GatewayProc) -> bool:
    return gw.proc is not None and gw.proc.poll() is None


def trail_dir(gw: GatewayProc) -> Path:
    return gw.data_dir / "trail" / LOG_ID


def segment_files(gw: GatewayProc) -> list[Path]:
    return sorted(p for p in trail_dir(gw).glob("seg-*.jsonl") if p.is_file())


def assert_problems(results: list[tuple[int, str, str | None, bytes]]) -> None:
    """Every error answer is RFC 9457 problem+json (a 0 is a connection the gateway cut)."""
    for status, ctype, _, body in results:
        if status >= 400:
            assert ctype.startswith(PROBLEM), (status, ctype, body[:200])
            assert json.loads(body).get("status") == status


def as_results(answers: list[tuple[int, str, str | None, bytes]], mainland: bool
               ) -> list[Result]:
    return [Result(st, dec, mainland) for st, _, dec, _ in answers]


# --- file descriptors: the limit lowered under a running gateway ----------------------------

def fd_count(pid: int) -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def set_nofile(pid: int, soft: int) -> None:
    hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))


async def test_file_limit_lowered_under_a_running_gateway_refuses_cleanly_and_recovers(
        tmp_path, geo_db, upstreams, procs):
    """`prlimit --pid <gw> --nofile=<open now>`: from that moment every new socket and file
    fails with EMFILE (new client connections, a new upstream connection, a checkpoint file,
    a new tenant's pseudonym key). Requests on a connection already open are answered 200
    with their record or a problem+json, never hang past a bound and never move unrecorded;
    the process stays up and does not flood its log; the limit back, it serves again."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env={"RG_AUDIT_CHECKPOINT_INTERVAL_S": "0.3"}).start()
    assert gw.proc is not None
    answers: list[tuple[int, str, str | None, bytes]] = []
    conn = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=conn,
                                     timeout=aiohttp.ClientTimeout(total=10)) as kept:
        answers.append(await send(gw.url, SG_HEADERS, session=kept))
        assert answers[0][0] == 200
        log_before = gw.log_path.stat().st_size
        set_nofile(gw.proc.pid, fd_count(gw.proc.pid))
        try:
            began = time.monotonic()
            # on the kept connection: overseas (pooled upstream), mainland (new upstream
            # connection to cn), a tenant first seen (its key file), bank pinned to id
            for headers in (SG_HEADERS, CN_HEADERS,
                            {"X-Tenant-ID": "lenient", "X-Forwarded-For": ADDR["SG"]},
                            {"X-Tenant-ID": "bank", "X-Forwarded-For": ADDR["ID"]},
                            SG_HEADERS):
                answers.append(await send(gw.url, headers, session=kept, timeout_s=12))
            fresh = await asyncio.gather(*(send(gw.url, SG_HEADERS, timeout_s=3)
                                           for _ in range(5)))
            assert time.monotonic() - began < 60
            await asyncio.sleep(2)  # the accept loop meets EMFILE for a while
            assert alive(gw), gw.log_tail()
        finally:
            set_nofile(gw.proc.pid, resource.prlimit(gw.proc.pid,
                                                     resource.RLIMIT_NOFILE)[1])
    grown = gw.log_path.stat().st_size - log_before
    assert grown < 512 * 1024, f"the log grew by {grown} bytes in a few seconds of EMFILE"
    assert_problems(answers)
    assert {a[0] for a in fresh} <= {0, 200, 503}, [a[0] for a in fresh]
    await answers_again(gw.url, bound_s=15)
    await answers_again(gw.url, bound_s=15, headers=CN_HEADERS)
    assert await gw.terminate() == 0
    await check_invariants(Row("nofile lowered live"), as_results(answers, False)
                           + as_results(list(fresh), False), upstreams, gw.data_dir)


# --- the trail's files swapped under a running gateway --------------------------------------

async def test_active_segment_replaced_by_a_copy_of_itself_moves_nothing_unrecorded(
        tmp_path, geo_db, upstreams, procs):
    """A tool rewrites the active segment by copy and rename (`sed -i`, a restore script):
    the same bytes under the same name, another inode. Records appended to the old inode
    would vanish with it: from then on the gateway must refuse (503 problem, nothing moved);
    restarted, it continues on the copy and the trail verifies with every forward in it."""
    env = {"RG_AUDIT_CHECKPOINT_EVERY": "4"}
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=env).start()
    before = await load(gw.url, total=10, concurrency=2)
    assert all(r.status == 200 for r in before)
    for seg in segment_files(gw):
        tmp = seg.with_name(seg.name + ".sedXXXX")
        shutil.copy2(seg, tmp)
        tmp.replace(seg)
    forwarded = len(upstreams.seen)
    after = [await send(gw.url, SG_HEADERS) for _ in range(4)]
    after += [await send(gw.url, CN_HEADERS) for _ in range(4)]
    moved = upstreams.seen[forwarded:]
    assert moved == [], f"{len(moved)} forwarded with records in a replaced segment"
    assert {a[0] for a in after} == {503}, [a[0] for a in after]
    assert_problems(after)
    assert alive(gw)
    assert await gw.terminate() == 0
    gw2: GatewayProc = procs(tmp_path, gw.map_path, geo_db, env=env)
    await gw2.start()
    again = await load(gw2.url, total=6, concurrency=2)
    assert all(r.status == 200 for r in again)
    assert await gw2.terminate() == 0
    await check_invariants(Row("segment replaced by copy"), before + again, upstreams,
                           gw.data_dir)


async def test_next_segment_name_taken_by_a_directory_refuses_then_recovers(
        tmp_path, geo_db, upstreams, procs):
    """Small segments; the names of the next segments are taken by directories (a restore
    that made `seg-000002.jsonl/`): rotation cannot open its file. Each request gets 200 with
    its record or a 503 problem; nothing moves unrecorded; the directories removed, the
    gateway records and forwards again without a restart and the trail verifies."""
    env = {"RG_AUDIT_SEGMENT_MAX_BYTES": "4096"}
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env=env).start()
    results = await load(gw.url, total=4, concurrency=1)
    assert all(r.status == 200 for r in results)
    current = max(int(p.stem.split("-")[1]) for p in segment_files(gw))
    blockers = [trail_dir(gw) / f"seg-{i:06d}.jsonl" for i in range(current + 1, current + 4)]
    for b in blockers:
        b.mkdir()
    answers = [await send(gw.url, SG_HEADERS if i % 2 else CN_HEADERS) for i in range(30)]
    assert_problems(answers)
    assert {a[0] for a in answers} <= {200, 503}, [a[0] for a in answers]
    assert 503 in {a[0] for a in answers}, "30 requests of ~1 KiB never needed a rotation?"
    assert alive(gw)
    for b in blockers:
        b.rmdir()
    await answers_again(gw.url, bound_s=10)
    after = await load(gw.url, total=10, concurrency=2)
    assert all(r.status == 200 for r in after), [r.status for r in after]
    assert await gw.terminate() == 0
    await check_invariants(Row("next segment is a directory"),
                           results + as_results(answers, False) + after, upstreams,
                           gw.data_dir)


async def test_checkpoints_file_turned_into_a_directory_while_running_and_at_restart(
        tmp_path, geo_db, upstreams, procs):
    """checkpoints.jsonl moved aside and a directory made in its place while the gateway
    runs (checkpoints every 0.3 s): entries are still durable, so requests get 200 with a
    record or a 503 problem, never a crash. SIGTERM must end within a bound (its shutdown
    checkpoint cannot be written). A start with the directory still there is one clear line
    naming the file (no traceback); the file back, the gateway starts, serves and the trail
    verifies with every forward in it."""
    env = {"RG_AUDIT_CHECKPOINT_INTERVAL_S": "0.3"}
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
    results = await load(gw.url, total=6, concurrency=2)
    await asyncio.sleep(0.8)
    cps = trail_dir(gw) / "checkpoints.jsonl"
    aside = tmp_path / "checkpoints.aside"
    shutil.move(cps, aside)
    cps.mkdir()
    answers = []
    for i in range(12):
        answers.append(await send(gw.url, SG_HEADERS if i % 2 else CN_HEADERS))
        await asyncio.sleep(0.1)
    assert_problems(answers)
    assert {a[0] for a in answers} <= {200, 503}, [a[0] for a in answers]
    assert alive(gw)
    assert await gw.terminate(timeout_s=40) in (0, 1)
    gw2: GatewayProc = procs(tmp_path, map_path, geo_db, env=env)
    gw2.log_path = tmp_path / "gw2.log"
    gw2.spawn()
    code = await gw2.wait_exit(30)
    text = gw2.log_path.read_text(errors="replace")
    assert code == 1, text[-1500:]
    assert "Traceback" not in text, text[-3000:]
    assert "checkpoints.jsonl" in text, text[-1500:]
    cps.rmdir()
    shutil.move(aside, cps)
    gw3: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
    after = await load(gw3.url, total=6, concurrency=2)
    assert all(r.status == 200 for r in after)
    assert await gw3.terminate() == 0
    await check_invariants(Row("checkpoints.jsonl became a directory"),
                           results + as_results(answers, False) + after, upstreams,
                           gw.data_dir)


# --- the region map in a Kubernetes ConfigMap volume ------------------------------------------

def configmap_publish(cfg: Path, stamp: str, files: dict[str, bytes]) -> None:
    """What the kubelet does: a new timestamped directory, `..data_tmp` pointing at it,
    renamed over `..data`; the visible names are symlinks through `..data`."""
    new = cfg / f"..{stamp}"
    new.mkdir()
    for name, data in files.items():
        (new / name).write_bytes(data)
    tmp = cfg / "..data_tmp"
    tmp.symlink_to(new.name)
    tmp.replace(cfg / "..data")
    for name in files:
        link = cfg / name
        if not link.is_symlink():
            link.symlink_to(Path("..data") / name)


async def test_configmap_data_symlink_swapped_to_a_broken_then_a_good_map(
        tmp_path, geo_db, upstreams, procs):
    """`--config` is a ConfigMap volume: `map.yaml -> ..data/map.yaml`, `..data -> ..<ts>/`.
    The kubelet swaps `..data` to a map with a YAML syntax error (a bad edit shipped): the watcher refuses
    it, the last good map routes (mainland in cn). Then it swaps `..data` to a good map that
    sends acme's overseas traffic to jp: that is a write by rename, so it is loaded without a
    signal, within a bound, and mainland traffic still stays in cn."""
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    good = (tmp_path / "good.yaml")
    write_map(good, fault_map(upstreams))
    configmap_publish(cfg, "2026_11_30_20_00_00.1", {"map.yaml": good.read_bytes()})
    gw: GatewayProc = await procs(tmp_path, cfg, geo_db,
                                  env={"RG_RELOAD_POLL_S": "0.2"}).start()
    assert (await send(gw.url, SG_HEADERS))[0] == 200 and upstreams.seen[-1].region == "sg"
    broken = good.read_bytes().replace(b"regions:", b"regions: [", 1)  # a YAML syntax error
    configmap_publish(cfg, "2026_11_30_20_01_00.2", {"map.yaml": broken})
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and not any(
            e.get("event") == "reload_refused" for e in gw.log_events()):
        await asyncio.sleep(0.1)
    assert any(e.get("event") == "reload_refused" for e in gw.log_events()), gw.log_tail()
    results = await load(gw.url, total=6, concurrency=2)
    assert all(r.status == 200 for r in results)
    assert {(s.origin, s.region) for s in upstreams.seen[-6:]} == {("CN", "cn"), ("SG", "sg")}

    def to_jp(data: dict) -> None:
        data["tenants"]["acme"]["overseas_region"] = "jp"

    moved = tmp_path / "moved.yaml"
    write_map(moved, fault_map(upstreams, to_jp))
    configmap_publish(cfg, "2026_11_30_20_02_00.3", {"map.yaml": moved.read_bytes()})
    deadline = time.monotonic() + 10
    region = None
    while time.monotonic() < deadline:
        st, _, dec, _ = await send(gw.url, SG_HEADERS)
        results.append(Result(st, dec, False))
        region = upstreams.seen[-1].region
        if region == "jp":
            break
        await asyncio.sleep(0.2)
    assert region == "jp", f"the ConfigMap swap was not loaded within 10 s: {gw.log_tail()}"
    more = await load(gw.url, total=6, concurrency=2)
    assert all(s.region == "cn" for s in upstreams.seen if s.origin == "CN")
    assert await gw.terminate() == 0
    await check_invariants(Row("configmap ..data swap"), results + more, upstreams,
                           gw.data_dir)


# --- maps and DBs that are not regular files ------------------------------------------------

def _fifo_over(path: Path, tmp: Path) -> None:
    fifo = tmp / "fifo.tmp"
    os.mkfifo(fifo)
    fifo.replace(path)


def _dev_zero_over(path: Path, tmp: Path) -> None:
    link = tmp / "zero.link"
    link.symlink_to("/dev/zero")
    link.replace(path)


def _sparse_over(path: Path, tmp: Path) -> None:
    big = tmp / "big.tmp"
    with big.open("wb") as fh:
        fh.truncate(2 << 30)  # 2 GiB of holes, past the 1 GiB (DB) and 16 MiB (map) bounds
    big.replace(path)



@pytest.mark.parametrize(("target", "swap"), [
    ("map", _fifo_over), ("map", _dev_zero_over), ("map", _sparse_over),
    ("geoip", _fifo_over), ("geoip", _dev_zero_over),
    ("geoip", _sparse_over),
], ids=["map-fifo", "map-dev-zero", "map-sparse-2GiB", "geoip-fifo", "geoip-dev-zero",
        "geoip-sparse-2GiB"])
async def test_map_or_db_replaced_by_a_non_regular_or_huge_file_is_refused_promptly(
        target, swap, tmp_path, geo_db, upstreams, procs):
    """The map or the GeoIP DB replaced (by rename) with a named pipe nobody writes, a
    symlink to /dev/zero, or a 2 GiB sparse file; then SIGHUP-free polling for a while and an
    admin reload. The reload is refused promptly (422 problem, never a hang of the admin
    port), the proxy keeps answering 200 within a second meanwhile, the last good map/DB
    stays (mainland in cn), no background task fails, the process's peak memory stays far below the
    bound it refuses (a 1 GiB container limit must survive it)."""
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, served,
                                  env={"RG_ADMIN_TOKEN": TOKEN,
                                       "RG_RELOAD_POLL_S": "0.2"}).start()
    assert gw.proc is not None
    swap(map_path if target == "map" else served, tmp_path)
    probes: list[tuple[int, str, str | None, bytes]] = []
    slow: list[float] = []

    async def probe() -> None:
        for i in range(12):
            began = time.monotonic()
            probes.append(await send(gw.url, CN_HEADERS if i % 2 else SG_HEADERS,
                                     timeout_s=5))
            slow.append(time.monotonic() - began)
            await asyncio.sleep(0.1)

    probing = asyncio.create_task(probe())
    status, ctype, text, took = await admin_reload(gw)
    await probing
    assert status == 422, (status, text[:300])
    assert ctype.startswith(PROBLEM), ctype
    assert took < 8, f"the reload took {took:.1f} s"
    assert all(p[0] == 200 for p in probes), [p[0] for p in probes]
    assert max(slow) < 2.5, f"a proxied request took {max(slow):.1f} s during the reload"
    assert all(s.region == ("cn" if s.origin == "CN" else "sg") for s in upstreams.seen)
    assert not [e for e in gw.log_events() if e.get("event") == "task_failed"]
    peak_kb = int(next(ln.split()[1] for ln in
                       Path(f"/proc/{gw.proc.pid}/status").read_text().splitlines()
                       if ln.startswith("VmHWM:")))
    assert peak_kb < 600 * 1024, f"peak RSS {peak_kb} KiB refusing a file that is too big"
    assert await readyz(gw) == 200
    assert await gw.terminate() == 0
    await check_invariants(Row(f"{target} non-regular"), as_results(probes, False),
                           upstreams, gw.data_dir)


# --- the GeoIP private copy's directory full --------------------------------------------------

async def test_geoip_private_copy_directory_full_refuses_reload_and_keeps_the_last_good_db(
        tmp_path, geo_db, upstreams, procs):
    """`<data-dir>/geoip/` (where the gateway keeps its private copy of the DB) is a small
    filesystem that fills up. A new DB renamed over the configured one cannot be copied:
    the reload is refused (422 problem), the old DB keeps routing, the trail (elsewhere) keeps
    recording. Space back, the reload takes the new DB."""
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    csv_text = demo_file("demo-networks.csv").replace("198.51.100.0/26,SG",
                                                      "198.51.100.0/26,CN")
    new_db = build_geoip(csv_text, tmp_path / "moved.mmdb")
    geo_dir = tmp_path / "data" / "geoip"
    with tiny_tmpfs(geo_dir, "1m"):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), served,
                                      env={"RG_ADMIN_TOKEN": TOKEN,
                                           "RG_RELOAD_POLL_S": "3600"}).start()
        filler = fill(geo_dir)
        tmp = tmp_path / "incoming.mmdb"
        shutil.copy(new_db, tmp)
        tmp.replace(served)
        status, ctype, text, _ = await admin_reload(gw)
        assert status == 422, (status, text[:300])
        assert ctype.startswith(PROBLEM)
        results = await load(gw.url, total=6, concurrency=2)
        assert all(r.status == 200 for r in results)
        assert {(s.origin, s.region) for s in upstreams.seen[-6:]} == {("CN", "cn"),
                                                                        ("SG", "sg")}
        assert alive(gw)
        filler.unlink()
        status, _, text, _ = await admin_reload(gw)
        assert status == 200, (status, text[:300])
        st, _, dec, _ = await send(gw.url, SG_HEADERS)
        assert st == 200 and upstreams.seen[-1].region == "cn", upstreams.seen[-1]
        results.append(Result(st, dec, False))
        assert await gw.terminate() == 0
    await check_invariants(Row("geoip copy dir full"), results, upstreams, gw.data_dir)


# --- the pseudonym key directory replaced by a file ------------------------------------------

async def test_pseudonym_key_directory_replaced_by_a_file_refuses_only_new_tenants(
        tmp_path, geo_db, upstreams, procs):
    """`keys/pseudonym/` moved away and a file left in its place (ENOTDIR for every key path):
    a tenant first seen now gets a clear 503 problem and nothing moves; a tenant whose key is
    already loaded keeps being served; the directory back, the new tenant is served."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                  geo_db).start()
    assert (await send(gw.url, SG_HEADERS))[0] == 200
    keys = gw.data_dir / "keys" / "pseudonym"
    aside = tmp_path / "pseudonym.aside"
    shutil.move(keys, aside)
    keys.write_bytes(b"not a directory\n")
    forwarded = len(upstreams.seen)
    bank = {"X-Tenant-ID": "bank", "X-Forwarded-For": ADDR["SG"]}
    answers = [await send(gw.url, bank) for _ in range(3)]
    assert {a[0] for a in answers} == {503}, [a[:2] for a in answers]
    assert_problems(answers)
    assert all(s.decision_id != a[2] for s in upstreams.seen for a in answers)
    assert len(upstreams.seen) == forwarded
    acme = [await send(gw.url, h) for h in (SG_HEADERS, CN_HEADERS)]
    assert [a[0] for a in acme] == [200, 200]
    keys.unlink()
    shutil.move(aside, keys)
    await answers_again(gw.url, bound_s=10, headers=bank)
    assert alive(gw)
    assert await gw.terminate() == 0
    await check_invariants(Row("pseudonym dir is a file"),
                           as_results(answers + acme, False), upstreams, gw.data_dir)


# --- 200 clients stalled in the middle of their bodies -------------------------------------

async def test_two_hundred_clients_stalled_mid_body_never_starve_a_normal_client(
        tmp_path, geo_db, upstreams, procs):
    """200 connections (half mainland, half overseas) each send a request head announcing a
    64 KiB body, 1 KiB of it, and stall. Mainland ones are decided from their head and may
    already be streaming to cn, each on an upstream connection. Meanwhile normal clients
    (mainland and overseas) are each served 200 within 3 s; the stalled ones end with a 408
    problem (or a cut) after client_idle_timeout_s; nothing reaches an upstream unrecorded,
    nothing mainland leaves CN, and the trail verifies."""
    def limits(data: dict) -> None:
        data["limits"] = {"client_idle_timeout_s": 4.0, "body_timeout_s": 8.0,
                          "upstream_connections_per_base": 64,
                          "upstream_connections_per_region": 128}

    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams, limits),
                                  geo_db).start()
    stalled: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    for i in range(200):
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        origin = ADDR["CN"] if i % 2 == 0 else ADDR["SG"]
        writer.write(f"POST /v1/compare HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                     f"X-Forwarded-For: {origin}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: 65536\r\n\r\n".encode() + b'{"pad": "' + b"a" * 1014)
        stalled.append((reader, writer))
    try:
        for w in (w for _, w in stalled):
            await w.drain()
        await asyncio.sleep(0.5)
        normal: list[tuple[int, str, str | None, bytes]] = []
        took: list[float] = []
        for i in range(8):
            began = time.monotonic()
            normal.append(await send(gw.url, CN_HEADERS if i % 2 == 0 else SG_HEADERS,
                                     timeout_s=6))
            took.append(round(time.monotonic() - began, 2))
        assert [a[0] for a in normal] == [200] * 8, ([a[:2] for a in normal], took)
        assert max(took) < 3, took

        async def ending(reader: asyncio.StreamReader) -> bytes:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                return await reader.read(4096)
            return b""

        async with asyncio.timeout(15):
            ends = await asyncio.gather(*(ending(r) for r, _ in stalled))
    finally:
        for _, w in stalled:
            w.close()
    heads = [e.split(b"\r\n", 1)[0] for e in ends if e]
    assert len(heads) >= 190, f"only {len(heads)} of 200 stalled clients got an answer"
    assert all(h.startswith(b"HTTP/1.1 408") for h in heads), set(heads)
    assert all(PROBLEM.encode() in e for e in ends if e)
    assert alive(gw)
    assert await gw.terminate() == 0
    await check_invariants(Row("200 stalled mid-body"), as_results(normal, False), upstreams,
                           gw.data_dir)


# --- upstreams that stop half-way -------------------------------------------------------------

async def continue_then_silence(w: asyncio.StreamWriter) -> bool:
    w.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    await w.drain()
    await asyncio.sleep(20)
    return False


async def body_stalls(w: asyncio.StreamWriter) -> bool:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"a": "01')
    await w.drain()
    await asyncio.sleep(20)
    return False


@pytest.mark.parametrize(("path", "answer", "outcomes"), [
    ("/continue-silence", continue_then_silence, {"upstream_timeout"}),
    ("/body-stalls", body_stalls, {"upstream_timeout", "upstream_body_error"}),
], ids=["100-continue-then-nothing", "body-stalls-mid-way"])
async def test_upstream_that_stops_half_way_is_bounded_and_recorded(path, answer, outcomes,
                                                                    raw_gw):
    """The upstream answers `100 Continue` and then nothing, or sends its head and 9 of 100
    body bytes and then nothing (read timeout 2 s). The client must know within a bound: a
    504/502 problem before the answer began, or a cut connection, never a complete 200; the
    request went once to its own region; the completion record names the upstream's side;
    the next request is served."""
    gw, ups, answers = raw_gw
    answers[path] = answer
    for headers, host in ((SG_HEADERS, "127.0.0.1"), (CN_HEADERS, "localhost")):
        before = len(ups.seen)
        began = time.monotonic()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=12)) as s, \
                    s.post(gw.url + path, data=b'{"x": 1}', headers=headers) as r:
                status, ctype = r.status, r.headers.get("Content-Type", "")
                body = await r.read()
                got: object = (status, ctype, body)
        except aiohttp.ClientPayloadError:
            got = "cut"
        took = time.monotonic() - began
        assert took < 6, f"{took:.1f} s"
        assert got == "cut" or (got[0] in (502, 504) and got[1].startswith(PROBLEM)), got
        sent = ups.seen[before:]
        assert len(sent) == 1 and sent[0][0].startswith(host), sent
        st, _, _, _ = await send(gw.url, headers, path="/v1/fine")
        assert st == 200
    assert await gw.terminate() == 0
    errors, records = await trail_records(gw.data_dir)
    assert errors == []
    got_outcomes = [r["outcome"] for r in records if r["type"] == "completion"]
    assert set(got_outcomes[0::2]) <= outcomes and len(got_outcomes) == 4, got_outcomes


# --- PostgreSQL accepting reconnects and never answering them -------------------------------

class BlackholePgProxy(PgProxy):
    """While `blackhole` is set, new connections are accepted and never answered (a server
    frozen mid-startup, a half-dead NAT, a SYN-proxying firewall in front of a dead host)."""

    def __init__(self, host: str, port: int):
        super().__init__(host, port)
        self.blackhole = False
        self.held: list[asyncio.StreamWriter] = []

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.blackhole:
            self.held.append(writer)
            return
        await super()._accept(reader, writer)

    def cut_links(self) -> None:
        for w in list(self._writers):
            w.close()

    def release(self) -> None:
        self.blackhole = False
        for w in self.held:
            w.close()
        self.held.clear()


def proxied(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    user = parts.username or "postgres"
    auth = f"{user}:{parts.password}@" if parts.password else f"{user}@"
    return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{port}", parts.path, parts.query, ""))


async def test_pg_reconnects_that_hang_at_startup_are_bounded_503s(tmp_path, geo_db, upstreams,
                                                                   procs, pg_dsn):
    """The trail's PostgreSQL connection is cut, and every reconnect is accepted by TCP and
    then never answered (no startup reply). Requests must get a 503 problem within the
    trail's 5 s bound (not a connect timeout of a minute), nothing moves, the admin port
    answers; the database answering again, the gateway reconnects by itself and the trail
    verifies with every forward in it."""
    parts = urlsplit(pg_dsn)
    proxy = await BlackholePgProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    try:
        env = {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": proxied(pg_dsn, proxy.port),
               "RG_AUDIT_CHECKPOINT_INTERVAL_S": "3600"}
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=env).start()
        results = await load(gw.url, total=6, concurrency=2)
        assert all(r.status == 200 for r in results)
        forwarded = len(upstreams.seen)
        proxy.blackhole = True
        proxy.cut_links()
        began = time.monotonic()
        down = await asyncio.gather(*(send(gw.url, h, timeout_s=12)
                                      for h in (SG_HEADERS, CN_HEADERS) * 3))
        first_wave = time.monotonic() - began
        assert await readyz(gw) in (200, 503)
        began = time.monotonic()
        later = await send(gw.url, SG_HEADERS, timeout_s=12)
        second = time.monotonic() - began
        assert [a[0] for a in down] + [later[0]] == [503] * 7, [a[:2] for a in down] + [later[:2]]
        assert_problems([*down, later])
        assert first_wave < 8 and second < 8, (first_wave, second)
        assert len(upstreams.seen) == forwarded
        assert alive(gw)
        proxy.release()
        await answers_again(gw.url, bound_s=15)
        results += await load(gw.url, total=6, concurrency=2)
        assert await gw.terminate() == 0
    finally:
        proxy.release()
        await proxy.stop()
    await check_invariants(Row("pg reconnect blackholed"),
                           results + as_results([*down, later], False), upstreams,
                           gw.data_dir, pg_dsn)


# --- a witness whose disk is full ----------------------------------------------------------

def cosigned_sizes(gw: GatewayProc) -> list[int]:
    path = trail_dir(gw) / "cosigned.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        note = json.loads(line).get("note", "")
        out.append(int(note.split("\n")[1]))
    return out


async def witness_latest(url: str, log_id: str) -> int | None:
    from residency_gateway.audit.note import origin_of
    from residency_gateway.audit.witness import origin_hash
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s, \
            s.get(f"{url}/{origin_hash(origin_of(log_id))}/checkpoint") as r:
        if r.status != 200:
            return None
        return int((await r.text()).split("\n")[1])


class WitnessProc:
    def __init__(self, tmp: Path, data_dir: Path, log_vkey: str):
        self.data_dir, self.log_vkey, self.tmp = data_dir, log_vkey, tmp
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.vkey = ""

    async def start(self) -> WitnessProc:
        import sys
        cmd = [sys.executable, "-m", "residency_gateway", "witness", "serve", "--name",
               "rt12.test/w", "--data-dir", str(self.data_dir), "--host", "127.0.0.1",
               "--port", str(self.port), "--log", self.log_vkey]
        with (self.tmp / "witness.log").open("ab") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err,
                                         start_new_session=True)
        assert self.proc.stdout is not None
        async with asyncio.timeout(20):
            line = (await asyncio.to_thread(self.proc.stdout.readline)).decode()
        assert "listening on" in line, (self.tmp / "witness.log").read_text()[-2000:]
        self.port = int(line.split("listening on 127.0.0.1:")[1].split()[0])
        self.url = f"http://127.0.0.1:{self.port}"
        self.vkey = line.split(" vkey ")[1].strip()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()


async def test_a_witness_with_a_full_disk_never_cosigns_what_it_did_not_record(
        tmp_path, geo_db, upstreams, procs):
    """The witness's state directory fills up (ENOSPC) while the gateway submits a checkpoint
    every 0.3 s under traffic. A cosignature the gateway keeps must be for a size the witness
    recorded durably: whatever cosigned.jsonl holds, the witness (restarted, so only its disk
    speaks) must say it saw at least that size, or a roll-back could slip past it. Traffic is
    never slowed; space back, checkpoints are cosigned again."""
    map_path = write_map_for(tmp_path, upstreams)
    gw0: GatewayProc = await procs(tmp_path, map_path, geo_db).start()  # makes the signing key
    assert await gw0.terminate() == 0
    import sys
    vkey = subprocess.run([sys.executable, "-m", "residency_gateway", "keys", "vkey",
                           "--data-dir", str(gw0.data_dir), "--log-id", LOG_ID],
                          capture_output=True, text=True, timeout=30, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
                          ).stdout.split()[-1]
    wdir = tmp_path / "witness"
    with tiny_tmpfs(wdir, "1m"):
        w = await WitnessProc(tmp_path, wdir, vkey).start()
        try:
            env = {"RG_WITNESSES": json.dumps([{"url": w.url, "vkey": w.vkey}]),
                   "RG_WITNESS_QUORUM": "1", "RG_WITNESS_TIMEOUT_S": "1",
                   "RG_WITNESS_BACKOFF_MAX_S": "0.5", "RG_AUDIT_CHECKPOINT_INTERVAL_S": "0.3"}
            gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
            results = await load(gw.url, total=6, concurrency=2)
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and not cosigned_sizes(gw):
                await asyncio.sleep(0.2)
            assert cosigned_sizes(gw), "never cosigned before the fault"
            filler = fill(wdir)
            slowest = 0.0
            for _ in range(6):
                began = time.monotonic()
                results += await load(gw.url, total=6, concurrency=2, timeout_s=5)
                slowest = max(slowest, time.monotonic() - began)
                await asyncio.sleep(0.4)
            assert slowest < 3, slowest
            assert [e for e in gw.log_events() if e.get("event") == "witness_submit_failed"], \
                "the full disk never made a submission fail: the fault did not hit"
            # only the witness's disk speaks: restart it (same port) and ask
            w.stop()
            await w.start()
            recorded = await witness_latest(w.url, LOG_ID) or 0
            kept = max(cosigned_sizes(gw))
            assert kept <= recorded, (f"the gateway holds a cosignature for size {kept}, the "
                                      f"witness's disk says {recorded}")
            filler.unlink()
            results += await load(gw.url, total=6, concurrency=2)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and max(cosigned_sizes(gw)) <= kept:
                results += await load(gw.url, total=2, concurrency=1)
                await asyncio.sleep(0.3)
            assert max(cosigned_sizes(gw)) > kept, "not cosigned again after space returned"
            assert await gw.terminate() == 0
        finally:
            w.stop()
    await check_invariants(Row("witness disk full"), results, upstreams, gw.data_dir)


# --- the policy store unwritable at a reload ---------------------------------------------------

async def test_reload_when_the_policy_store_cannot_be_written_keeps_maps_auditable(
        tmp_path, geo_db, upstreams, procs):
    """`trail/policies/` (the canonical map of every policy version a record names) is a file
    when a new map is reloaded (ENOTDIR). The reload must be refused (422 problem) with the
    old version serving, or succeed only with the new version stored: after the fault, every
    policy version a record names has its map in the store (auditors export it)."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db,
                                  env={"RG_ADMIN_TOKEN": TOKEN,
                                       "RG_RELOAD_POLL_S": "3600"}).start()
    results = await load(gw.url, total=4, concurrency=2)
    policies = gw.data_dir / "trail" / "policies"
    aside = tmp_path / "policies.aside"
    shutil.move(policies, aside)
    policies.write_bytes(b"")

    def to_jp(data: dict) -> None:
        data["tenants"]["acme"]["overseas_region"] = "jp"

    new = tmp_path / "new.yaml"
    write_map(new, fault_map(upstreams, to_jp))
    new.replace(map_path)
    status, ctype, text, _ = await admin_reload(gw)
    st, _, dec, _ = await send(gw.url, SG_HEADERS)
    results.append(Result(st, dec, False))
    assert st == 200
    served = upstreams.seen[-1].region
    if status == 422:
        assert ctype.startswith(PROBLEM)
        assert served == "sg", "refused, yet the new map serves"
    else:
        assert status == 200, (status, text[:300])
        assert served == "jp"
    policies.unlink()
    shutil.move(aside, policies)
    assert await gw.terminate() == 0
    records = await check_invariants(Row("policy store unwritable"), results, upstreams,
                                     gw.data_dir)
    named = {r["policy_version"] for r in records if r.get("policy_version")}
    stored = {p.stem for p in policies.glob("*.json")}
    assert named <= stored, f"records name policy versions with no stored map: {named - stored}"


# --- key rotation on a full disk: the public key kept beside the log -----------------------

def cli(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    import sys
    return subprocess.run([sys.executable, "-m", "residency_gateway", *args],
                          capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


async def test_key_rotation_on_a_full_disk_leaves_no_broken_public_key_for_auditors(
        tmp_path, geo_db, upstreams, procs):
    """`keys generate` (while there is room), then the data dir fills (tmpfs ENOSPC) before
    the reload that makes the new key current: publishing the public key beside the log
    (`trail/<log>/keys/<id>.pub`) fails half-way. Requests get 200 with a record or a 503
    problem. Space back and a restart: every .pub kept beside the log is a whole PEM, and
    the auditors' tools work: `audit export` succeeds and its bundle verifies with the
    signing keys."""
    data_dir = tmp_path / "data"
    with tiny_tmpfs(data_dir, "2m"):
        map_path = write_map_for(tmp_path, upstreams)
        env = {"RG_ADMIN_TOKEN": TOKEN, "RG_RELOAD_POLL_S": "3600"}
        gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
        results = await load(gw.url, total=4, concurrency=2)
        made = cli("keys", "generate", "--data-dir", str(data_dir))
        assert made.returncode == 0, made.stderr[-1000:]
        filler = fill(data_dir)
        status, ctype, text, _ = await admin_reload(gw)
        assert status in (200, 422, 503), (status, text[:300])
        if status != 200:
            assert ctype.startswith(PROBLEM)
        answers = [await send(gw.url, SG_HEADERS) for _ in range(4)]
        assert_problems(answers)
        assert {a[0] for a in answers} <= {200, 503}
        filler.unlink()
        await answers_again(gw.url, bound_s=10)
        assert await gw.terminate() == 0
        gw2: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env).start()
        results += await load(gw2.url, total=4, concurrency=2)
        assert await gw2.terminate() == 0
        await check_invariants(Row("key rotation, disk full"),
                               results + as_results(answers, False), upstreams, data_dir)
        kept = sorted((trail_dir(gw) / "keys").glob("*.pub"))
        assert kept
        broken = [p.name for p in kept if b"BEGIN PUBLIC KEY" not in p.read_bytes()
                  or b"END PUBLIC KEY" not in p.read_bytes()]
        out = tmp_path / "bundle"
        exported = cli("audit", "export", "--data-dir", str(data_dir), "--out", str(out))
        verified = cli("audit", "verify", "--bundle", str(out), "--public-key",
                       str(data_dir / "keys" / "signing"))
    assert exported.returncode == 0, (exported.stdout[-800:], exported.stderr[-800:])
    assert "Traceback" not in exported.stderr
    assert verified.returncode == 0, (verified.stdout[-800:], verified.stderr[-800:])
    assert broken == [], f"public keys left broken beside the log: {broken}"


# --- a start on a data dir whose files are not what they should be ---------------------------

def _seg_fifo(gw: GatewayProc) -> str:
    seg = segment_files(gw)[-1]
    seg.unlink()
    os.mkfifo(seg)
    return seg.name


def _seg_dir(gw: GatewayProc) -> str:
    seg = segment_files(gw)[-1]
    seg.unlink()
    seg.mkdir()
    return seg.name


def _checkpoints_fifo(gw: GatewayProc) -> str:
    cps = trail_dir(gw) / "checkpoints.jsonl"
    cps.unlink()
    os.mkfifo(cps)
    return cps.name


def _log_dir_is_a_file(gw: GatewayProc) -> str:
    shutil.rmtree(trail_dir(gw))
    trail_dir(gw).write_bytes(b"")
    return LOG_ID


def _policies_is_a_file(gw: GatewayProc) -> str:
    policies = gw.data_dir / "trail" / "policies"
    shutil.rmtree(policies)
    policies.write_bytes(b"")
    return "policies"


def _signing_dir_is_a_file(gw: GatewayProc) -> str:
    signing = gw.data_dir / "keys" / "signing"
    shutil.rmtree(signing)
    signing.write_bytes(b"")
    return "signing"



@pytest.mark.parametrize("sabotage", [
    _seg_fifo,
    _seg_dir,
    _checkpoints_fifo,
    _log_dir_is_a_file, _policies_is_a_file, _signing_dir_is_a_file,
], ids=["segment-fifo", "segment-dir", "checkpoints-fifo", "log-dir-is-a-file",
        "policies-is-a-file", "signing-dir-is-a-file"])
async def test_start_on_a_data_dir_with_the_wrong_kinds_of_files(sabotage, tmp_path, geo_db,
                                                                 upstreams, procs):
    """The data dir restored badly while the gateway was stopped: the active segment or the
    checkpoint chain is a named pipe or a directory, the log's directory or the policy store
    is a file, the signing key directory is a file. The start must not hang (a FIFO opened
    for writing blocks forever) nor crash with a traceback: either it refuses with exit 1
    and one line naming what is wrong, or it starts and records every forward (no data moves
    unrecorded)."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    results = await load(gw.url, total=4, concurrency=2)
    assert await gw.terminate() == 0
    name = sabotage(gw)
    gw2: GatewayProc = procs(tmp_path, map_path, geo_db)
    gw2.log_path = tmp_path / "gw2.log"
    gw2.spawn()
    assert gw2.proc is not None
    began = time.monotonic()
    outcome = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as s:
        while time.monotonic() - began < 8:
            if gw2.proc.poll() is not None:
                outcome = "exited"
                break
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with s.get(gw2.admin + "/readyz") as r:
                    if r.status == 200:
                        outcome = "ready"
                        break
            await asyncio.sleep(0.1)
    text = gw2.log_path.read_text(errors="replace")
    assert outcome is not None, f"neither ready nor exited within 8 s: {text[-1500:]}"
    assert "Traceback" not in text, text[-3000:]
    if outcome == "exited":
        assert gw2.proc.returncode == 1, (gw2.proc.returncode, text[-1500:])
        assert name in text, text[-1500:]
        return
    forwarded = len(upstreams.seen)
    after = await load(gw2.url, total=4, concurrency=2)
    assert {r.status for r in after} <= {200, 503}
    assert await gw2.terminate() == 0
    errors, records = await trail_records(gw2.data_dir)
    decided = {r["decision_id"] for r in records if r["type"] == "decision"}
    assert all(s.decision_id in decided for s in upstreams.seen[forwarded:])
    del results


# --- files replaced by rename with a surprising mtime ----------------------------------------

@pytest.mark.parametrize(("target", "mtime"), [("map", "past"), ("geoip", "future")])
async def test_file_replaced_by_rename_with_an_old_or_future_mtime_is_picked_up_once(
        target, mtime, tmp_path, geo_db, upstreams, procs):
    """A new map (acme overseas -> jp) or GeoIP DB (198.51.100.0/26 becomes CN) renamed over
    the served one, its mtime kept from elsewhere: years in the past (`cp -p`, `rsync -t`, a
    tar extract, a ConfigMap built from an old checkout) or a day in the future (a clock-
    skewed build host). A rename is a new file: the watcher must load it within a bound
    (without a signal) and then not reload it again and again."""
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, served,
                                  env={"RG_RELOAD_POLL_S": "0.2"}).start()
    assert (await send(gw.url, SG_HEADERS))[0] == 200 and upstreams.seen[-1].region == "sg"
    incoming = tmp_path / "incoming"
    if target == "map":
        def to_jp(data: dict) -> None:
            data["tenants"]["acme"]["overseas_region"] = "jp"
        write_map(incoming, fault_map(upstreams, to_jp))
        want = "jp"
    else:
        csv_text = demo_file("demo-networks.csv").replace("198.51.100.0/26,SG",
                                                          "198.51.100.0/26,CN")
        build_geoip(csv_text, incoming)
        want = "cn"
    stamp = time.time() + (86400 if mtime == "future" else -5 * 365 * 86400)
    os.utime(incoming, (stamp, stamp))
    incoming.replace(map_path if target == "map" else served)
    results: list[Result] = []
    deadline = time.monotonic() + 10
    region = None
    while time.monotonic() < deadline:
        st, _, dec, _ = await send(gw.url, SG_HEADERS)
        results.append(Result(st, dec, False))
        region = upstreams.seen[-1].region
        if region == want:
            break
        await asyncio.sleep(0.2)
    assert region == want, f"not loaded within 10 s: {gw.log_tail(1500)}"
    loaded_at = len([e for e in gw.log_events() if e.get("event") == "reloaded"])
    await asyncio.sleep(2)
    reloads = len([e for e in gw.log_events() if e.get("event") == "reloaded"])
    assert reloads == loaded_at, f"{reloads - loaded_at} more reloads of an unchanged file"
    results += await load(gw.url, total=4, concurrency=2)
    assert await gw.terminate() == 0
    await check_invariants(Row(f"{target} mtime {mtime}"), results, upstreams, gw.data_dir)


# --- the log's LOCK file deleted, then a second gateway on the same data dir --------------------

async def test_lock_file_deleted_then_a_second_gateway_on_the_same_log(tmp_path, geo_db,
                                                                       upstreams, procs):
    """A cleanup job (tmpreaper, `find -delete` of empty files) removes `trail/<log>/LOCK`
    while the gateway runs; then a second gateway starts on the same data dir and log id (a
    deploy that overlaps, a systemd restart racing the old process). The new LOCK is another
    inode, so its flock does not see the first one's. Two writers on one chain fork it: one
    of them must refuse (to start, or to record), so that after both stop the trail verifies
    and every 200 either answered is in it."""
    map_path = write_map_for(tmp_path, upstreams)
    gw1: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
    results = await load(gw1.url, total=4, concurrency=2)
    (trail_dir(gw1) / "LOCK").unlink()
    gw2: GatewayProc = procs(tmp_path, map_path, geo_db)
    gw2.log_path = tmp_path / "gw2.log"
    started = True
    try:
        await gw2.start(timeout_s=15)
    except AssertionError:
        started = False
    for _ in range(3):
        results += await load(gw1.url, total=6, concurrency=2)
        if started:
            results += await load(gw2.url, total=6, concurrency=2)
    assert await gw1.terminate() == 0
    if started:
        assert await gw2.terminate() == 0
    await check_invariants(Row("LOCK deleted, second writer"), results, upstreams,
                           gw1.data_dir)


async def test_pg_session_lost_then_a_second_gateway_takes_the_log(tmp_path, geo_db, upstreams,
                                                                   procs, pg_dsn):
    """The PostgreSQL trail's single-writer guard dies with the session. gw1's connection is
    cut (and stays cut for a while); meanwhile gw2 starts with the same log id and takes the
    log. When gw1's database comes back it must not resume writing the same chain beside gw2:
    it refuses (503, nothing moves) or takes the log back only once gw2 is gone. After both
    stop the trail verifies, each seq once, and every 200 either answered is in it."""
    parts = urlsplit(pg_dsn)
    proxy = await PgProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    env1 = {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": proxied(pg_dsn, proxy.port),
            "RG_AUDIT_CHECKPOINT_INTERVAL_S": "0.5"}
    env2 = {**env1, "RG_AUDIT_PG_DSN": pg_dsn}
    map_path = write_map_for(tmp_path, upstreams)
    try:
        gw1: GatewayProc = await procs(tmp_path, map_path, geo_db, env=env1).start()
        results = await load(gw1.url, total=4, concurrency=2)
        await proxy.stop()
        await asyncio.sleep(0.5)
        gw2: GatewayProc = procs(tmp_path, map_path, geo_db, env=env2)  # same keys
        gw2.log_path = tmp_path / "gw2.log"
        started = True
        try:
            await gw2.start(timeout_s=15)
        except AssertionError:
            started = False
        if started:
            results += await load(gw2.url, total=6, concurrency=2)
        await proxy.resume()
        await asyncio.sleep(1.5)  # gw1 reconnects
        for _ in range(3):
            results += await load(gw1.url, total=6, concurrency=2)
            if started:
                results += await load(gw2.url, total=6, concurrency=2)
        assert alive(gw1)
        assert await gw1.terminate() in (0, 1)
        if started:
            assert await gw2.terminate() in (0, 1)
    finally:
        await proxy.stop()
    records = await check_invariants(Row("pg lock lost, second writer"), results, upstreams,
                                     gw1.data_dir, pg_dsn)
    assert len({r["decision_id"] for r in records if r["type"] == "decision"}) == \
        len([r for r in records if r["type"] == "decision"])


# --- auditors' tools pointed at named pipes ----------------------------------------------------

def cli_bounded(*args: str, timeout_s: float = 6) -> tuple[int | None, str]:
    """(exit code, stderr+stdout tail); None when it did not end within `timeout_s`."""
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "residency_gateway", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout_s)
        return proc.returncode, out.decode(errors="replace")[-1500:]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        return None, ""


@pytest.mark.parametrize("where", [
    "policy", "trust"], ids=["policy-fifo-export", "trust-file-fifo-verify"])
async def test_auditor_tools_given_a_named_pipe_answer_promptly(where, tmp_path, geo_db,
                                                                upstreams, procs):
    """A named pipe where an auditor's tool reads a file: a policy version in the store
    (`audit export`), the trust file (`audit verify --trust`). As for a segment or a
    checkpoint chain (the documented case, round 7), each must end within a bound with a
    clear error naming the file (exit 1 or 2, no traceback), never block forever."""
    if where == "policy":
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        assert all(r.status == 200 for r in await load(gw.url, total=4, concurrency=2))
        assert await gw.terminate() == 0
        fifo = gw.data_dir / "trail" / "policies" / "0000deadbeef.json"
        os.mkfifo(fifo)
        code, out = cli_bounded("audit", "export", "--data-dir", str(gw.data_dir), "--out",
                                str(tmp_path / "bundle"))
    else:  # the trust file is read before the store: an empty store will do
        (tmp_path / "trail").mkdir()
        fifo = tmp_path / "trust.txt"
        os.mkfifo(fifo)
        code, out = cli_bounded("audit", "verify", "--store", str(tmp_path / "trail"),
                                "--trust", str(fifo))
    assert code is not None, f"`audit` blocked on the named pipe {fifo.name}"
    assert code in (1, 2), (code, out)
    assert "Traceback" not in out, out
    assert fifo.name in out, out


# --- a chunked upload that grows past the body limit while it streams ----------------------------

@pytest.mark.parametrize("headers", [CN_HEADERS, SG_HEADERS], ids=["mainland", "overseas"])
async def test_chunked_upload_past_the_body_limit_never_completes_at_the_upstream(
        headers, tmp_path, geo_db, upstreams, procs):
    """max_body_bytes 64 KiB; a chunked upload (no Content-Length, so it cannot be refused
    up front) of 512 KiB in 8 KiB chunks. A mainland one is decided from its head and may
    already be streaming to cn. The client must get a 413 problem (or a cut), and the
    upstream must never see a complete request: a truncated body that ends cleanly would be
    processed as if it were the whole one, and a limit the map sets must not be ignored
    silently. The gateway serves the next request."""
    def limits(data: dict) -> None:
        data["limits"] = {"max_body_bytes": 65536}

    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams, limits),
                                  geo_db).start()

    async def chunks():  # one valid JSON array, 512 KiB
        yield b"["
        for _ in range(64):
            yield b'"' + b"a" * 8188 + b'",'
            await asyncio.sleep(0.005)
        yield b'"end"]'

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, \
                s.post(gw.url + "/v1/compare", data=chunks(),
                       headers={**headers, "Content-Type": "application/json"}) as r:
            got: object = (r.status, r.headers.get("Content-Type", ""), await r.read(),
                           r.headers.get("X-Residency-Decision"))
    except (aiohttp.ClientError, ConnectionError):
        got = "cut"
    assert got == "cut" or (got[0] == 413 and got[1].startswith(PROBLEM)), got
    await asyncio.sleep(0.5)
    assert upstreams.seen == [], f"the upstream took a truncated body as whole: {upstreams.seen}"
    st, _, dec, _ = await send(gw.url, headers)
    assert st == 200
    assert await gw.terminate() == 0
    await check_invariants(Row("chunked past max_body"), [Result(st, dec, False)], upstreams,
                           gw.data_dir)
