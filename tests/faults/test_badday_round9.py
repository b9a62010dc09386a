"""Bad day in production, round 9: faults the suite did not inject yet. A real ENOSPC (a tiny
tmpfs as the data dir, filled while requests flow: short writes, not RLIMIT_FSIZE's EFBIG);
the PostgreSQL trail's backends killed by pg_terminate_backend mid-burst; the region map and
the GeoIP DB swapped for a dangling symlink or truncated to nothing, then a reload asked for;
upstreams that answer with a malformed status line, an oversized header block, fewer or more
body bytes than their Content-Length, a 101 or an endless stream of 1xx, or that close a
keep-alive connection as the gateway reuses it; a client that pipelines a mainland and an
overseas request on one keep-alive connection; SIGTERM and SIGHUP storms during load; a new
tenant first seen on a full disk; the gateway stopped (SIGTERM, kill -9) on a full disk; an
upstream that answers 413 before reading the upload, or trickles its head. Real
gateway processes, loopback only, every wait bounded."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.faults.harness import (
    CN_HEADERS,
    SG_HEADERS,
    GatewayProc,
    Result,
    Row,
    answers_again,
    check_invariants,
    load,
    trail_records,
    write_map_for,
)
from tests.helpers import ADDR, ADULT_ID

TOKEN = "rt-badday9-token"
ADMIN_ENV = {"RG_ADMIN_TOKEN": TOKEN, "RG_RELOAD_POLL_S": "3600"}  # reloads only when asked
PROBLEM = "application/problem+json"


async def admin_reload(gw: GatewayProc) -> tuple[int, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, s.post(
            gw.admin + "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        return r.status, await r.text()


async def post(url: str, headers: dict[str, str], body: bytes = b'{"x": 1}',
               path: str = "/v1/compare", timeout_s: float = 8.0
               ) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as s, \
            s.post(url + path, data=body, headers={**headers,
                                                   "Content-Type": "application/json"}) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.read()


# --- the data dir's filesystem full (real ENOSPC) -------------------------------------------

@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "2m"):
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                   check=True, timeout=10)
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


def fill(where: Path) -> Path:
    """Fill the filesystem of `where` to the last byte (ENOSPC)."""
    filler = where / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


async def test_data_dir_filesystem_full_refuses_clearly_and_recovers(tmp_path, geo_db,
                                                                     upstreams, procs):
    """The data dir is a 2 MiB tmpfs; it fills up to the last byte while requests flow (short
    writes, then ENOSPC: not the EFBIG of RLIMIT_FSIZE). Every request gets 200 or a 503
    problem+json `trail_unavailable`; nothing moves without its record; when space returns the
    gateway forwards again without a restart and the whole trail verifies."""
    row = Row("data dir filesystem full (tmpfs ENOSPC)")
    data_dir = tmp_path / "data"
    with tiny_tmpfs(data_dir):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams),
                                      geo_db).start()
        try:
            results = await load(gw.url, total=10, concurrency=2)
            assert {r.status for r in results} == {200}
            filler = fill(data_dir)
            bodies: list[tuple[int, str, bytes]] = []
            for i in range(20):
                bodies.append(await post(gw.url, CN_HEADERS if i % 2 else SG_HEADERS,
                                         body=b'{"pad": "' + b"x" * 2000 + b'"}'))
            statuses = {s for s, _, _ in bodies}
            assert statuses <= {200, 503}, statuses
            assert 503 in statuses
            refused = [(c, b) for s, c, b in bodies if s == 503]
            assert all(c.startswith(PROBLEM) and b"trail_unavailable" in b for c, b in refused)
            filler.unlink()
            row.recovery_s = await answers_again(gw.url, bound_s=10, row=row)
            results += await load(gw.url, total=10, concurrency=2)
            assert all(r.status == 200 for r in results[-10:])
            assert await gw.terminate() == 0
            await check_invariants(row, results, upstreams, data_dir)
        finally:
            gw.reap()


async def test_rotation_on_a_full_filesystem_keeps_recording_after_space_returns(
        tmp_path, geo_db, upstreams, procs):
    """Small segments (rotation every few entries) on a filesystem that fills up: rotation
    cannot create the next segment nor sign its checkpoint; after space returns the gateway
    records and forwards again, and every forward is in a trail that verifies."""
    data_dir = tmp_path / "data"
    env = {"RG_AUDIT_SEGMENT_MAX_BYTES": "4096", "RG_AUDIT_CHECKPOINT_EVERY": "3"}
    with tiny_tmpfs(data_dir, "1m"):
        gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                      env=env).start()
        try:
            results = await load(gw.url, total=10, concurrency=2)
            filler = fill(data_dir)
            results += await load(gw.url, total=20, concurrency=3)
            assert {r.status for r in results[10:]} <= {200, 503}
            filler.unlink()
            await answers_again(gw.url, bound_s=10)
            results += await load(gw.url, total=20, concurrency=3)
            assert all(r.status == 200 for r in results[-20:])
            assert await gw.terminate() == 0
            await check_invariants(Row("rotation on ENOSPC"), results, upstreams, data_dir)
        finally:
            gw.reap()


async def test_new_tenant_first_seen_on_a_full_filesystem(tmp_path, geo_db, upstreams, procs):
    """A tenant's first request arrives while the data dir is full: its pseudonym key cannot
    be written. A 503 problem+json (never a 500, never a forward with a half-written or
    unsaved key); no temporary key file left behind; once space returns the tenant is served
    with a 32-byte key that stays the same across a restart."""
    data_dir = tmp_path / "data"
    with tiny_tmpfs(data_dir):
        map_path = write_map_for(tmp_path, upstreams)
        gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
        try:
            assert (await post(gw.url, SG_HEADERS))[0] == 200
            filler = fill(data_dir)
            bank = {"X-Tenant-ID": "bank", "X-Forwarded-For": ADDR["SG"]}
            for _ in range(3):
                status, ctype, body = await post(gw.url, bank)
                assert status == 503 and ctype.startswith(PROBLEM), (status, body[:300])
            assert not [s for s in upstreams.seen if s.decision_id == "?"]
            assert len(upstreams.seen) == 1
            filler.unlink()
            deadline = time.monotonic() + 10
            while (await post(gw.url, bank))[0] != 200:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            keys = data_dir / "keys" / "pseudonym"
            assert sorted(p.name for p in keys.iterdir()) == ["acme.key", "bank.key"]
            key = (keys / "bank.key").read_bytes()
            assert len(key) == 32
            assert await gw.terminate() == 0
            gw2: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
            assert (await post(gw2.url, bank))[0] == 200
            assert (keys / "bank.key").read_bytes() == key
            assert await gw2.terminate() == 0
        finally:
            gw.reap()
        errors, records = await trail_records(data_dir)
        assert errors == []
        decided = {r["decision_id"] for r in records if r["type"] == "decision"}
        assert all(s.decision_id in decided for s in upstreams.seen)


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
async def test_stopped_on_a_full_filesystem_then_restarted_with_space(stop, tmp_path, geo_db,
                                                                     upstreams, procs):
    """The gateway is stopped (SIGTERM: its final checkpoint cannot be written; kill -9: a
    short write may have left a torn line) while the data dir is full. It must stop within a
    bound; restarted once space is back it serves, and the trail verifies with every forward
    recorded."""
    data_dir = tmp_path / "data"
    with tiny_tmpfs(data_dir):
        map_path = write_map_for(tmp_path, upstreams)
        gw: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
        try:
            results = await load(gw.url, total=10, concurrency=2)
            filler = fill(data_dir)
            results += await load(gw.url, total=16, concurrency=4)
            if stop == "sigterm":
                gw.signal(signal.SIGTERM)
                await gw.wait_exit(15)
            else:
                gw.kill9()
            filler.unlink()
            gw2: GatewayProc = await procs(tmp_path, map_path, geo_db).start()
            results += await load(gw2.url, total=10, concurrency=2)
            assert all(r.status == 200 for r in results[-10:])
            assert await gw2.terminate() == 0
        finally:
            gw.reap()
        await check_invariants(Row(f"{stop} on a full disk"), results, upstreams, data_dir)


# --- PostgreSQL backends terminated mid-burst -----------------------------------------------

async def test_pg_terminate_backend_mid_burst(tmp_path, geo_db, upstreams, procs, pg_dsn):
    """An operator (or a failover) kills every backend of the trail's database while a burst
    is in flight: the affected requests are refused (503) or forwarded with their record,
    never forwarded unrecorded; the gateway reconnects by itself and the trail verifies."""
    dbname = pg_dsn.rsplit("/", 1)[1]
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env={"RG_AUDIT_STORE": "postgres",
                                       "RG_AUDIT_PG_DSN": pg_dsn}).start()
    killed: list[int] = []

    async def kill_backends() -> None:
        admin = await asyncpg.connect(pg_dsn.rsplit("/", 1)[0] + "/postgres")
        try:
            for _ in range(3):
                rows = await admin.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()", dbname)
                killed.append(len(rows))
                await asyncio.sleep(0.15)
        finally:
            await admin.close()

    tasks: list[asyncio.Task[None]] = []
    try:
        results = await load(gw.url, total=60, concurrency=6,
                             on_count=(15, lambda: tasks.append(
                                 asyncio.ensure_future(kill_backends()))))
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert sum(killed) > 0
        assert {r.status for r in results} <= {200, 503}, {r.status for r in results}
        await answers_again(gw.url, bound_s=15)
        results += await load(gw.url, total=10, concurrency=2)
        assert all(r.status == 200 for r in results[-10:])
        assert await gw.terminate() == 0
    finally:
        gw.reap()
    await check_invariants(Row("pg_terminate_backend"), results, upstreams, gw.data_dir,
                           pg_dsn)


# --- the region map and GeoIP DB swapped for broken files, then a reload ---------------------

async def mainland_stays_in_cn(gw: GatewayProc, upstreams) -> None:
    before = len(upstreams.seen)
    results = await load(gw.url, total=6, concurrency=2)
    assert all(r.status == 200 for r in results), [r.status for r in results]
    moved = upstreams.seen[before:]
    assert len(moved) == 6
    assert all(s.region == ("cn" if s.origin == "CN" else "sg") for s in moved), moved


def _swap_map_dangling(map_path: Path, tmp: Path) -> None:
    link = tmp / "map.link"
    link.symlink_to(tmp / "nowhere.yaml")
    link.replace(map_path)


def _truncate_map(map_path: Path, tmp: Path) -> None:
    map_path.write_bytes(b"")


def _map_half(map_path: Path, tmp: Path) -> None:
    text = map_path.read_bytes()
    map_path.write_bytes(text[: len(text) // 3])


def _swap_map_directory(map_path: Path, tmp: Path) -> None:
    map_path.unlink()
    map_path.mkdir()


@pytest.mark.parametrize("swap", [_swap_map_dangling, _truncate_map, _map_half,
                                  _swap_map_directory],
                         ids=["dangling-symlink", "truncated-empty", "cut-to-a-third",
                              "became-a-directory"])
@pytest.mark.parametrize("how", ["admin", "sighup"])
async def test_broken_map_then_reload_keeps_the_last_good_map(swap, how, tmp_path, geo_db,
                                                              upstreams, procs):
    """The map file replaced by a dangling symlink, truncated to nothing, cut to a third, or
    turned into a directory; then a reload (admin or SIGHUP). The reload is refused (422 on
    the admin endpoint), the gateway stays up and ready, and the last good map keeps routing
    mainland traffic to cn and overseas traffic to sg."""
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, geo_db, env=ADMIN_ENV).start()
    await mainland_stays_in_cn(gw, upstreams)
    swap(map_path, tmp_path)
    if how == "admin":
        status, text = await admin_reload(gw)
        assert status == 422, (status, text)
    else:
        gw.signal(signal.SIGHUP)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not any(
                e.get("event") == "reload_refused" for e in gw.log_events()):
            await asyncio.sleep(0.1)
        assert any(e.get("event") == "reload_refused" for e in gw.log_events())
    assert gw.proc is not None and gw.proc.poll() is None
    await mainland_stays_in_cn(gw, upstreams)
    async with aiohttp.ClientSession() as s, s.get(gw.admin + "/readyz") as r:
        assert r.status == 200
    assert "Traceback" not in gw.log_tail(200_000)
    assert await gw.terminate() == 0


async def test_geoip_db_dangling_symlink_then_reload_keeps_the_last_good_db(tmp_path, geo_db,
                                                                          upstreams, procs):
    """The GeoIP DB path swapped (by rename) for a symlink to a file that is not there, then a
    reload: refused, the last good DB stays, mainland stays in cn, and the watcher does not
    crash-loop on the missing file."""
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    map_path = write_map_for(tmp_path, upstreams)
    gw: GatewayProc = await procs(tmp_path, map_path, served,
                                  env={"RG_ADMIN_TOKEN": TOKEN}).start()
    link = tmp_path / "db.link"
    link.symlink_to(tmp_path / "gone.mmdb")
    link.replace(served)
    await asyncio.sleep(1.0)  # several watcher polls on a dangling path
    status, text = await admin_reload(gw)
    assert status == 422, (status, text)
    await mainland_stays_in_cn(gw, upstreams)
    failures = [e for e in gw.log_events() if e.get("event") == "task_failed"]
    assert failures == [], failures[:2]
    assert await gw.terminate() == 0


# --- upstreams that answer badly ------------------------------------------------------------

class RawUpstream:
    """One TCP server for sg (127.0.0.1) and cn (localhost); each request's answer is the
    bytes `answers[path]` returns (a coroutine writing to the socket). Records what reached
    it: (host, origin, decision id, method, path)."""

    def __init__(self, answers: dict[str, Callable[[asyncio.StreamWriter], Awaitable[bool]]]):
        self.answers = answers
        self.seen: list[tuple[str, str, str, str, str]] = []
        self.conns = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> RawUpstream:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.conns += 1
        self.writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                fields = {k.strip().lower(): v.strip() for k, _, v in
                          (ln.partition(":") for ln in lines[1:] if ln)}
                size = int(fields.get("content-length", "0"))
                if size:
                    await reader.readexactly(size)
                self.seen.append((fields.get("host", ""), fields.get("x-residency-origin", "?"),
                                  fields.get("x-residency-decision", "?"), method, path))
                answer = self.answers.get(path.split("?")[0], ok)
                if not await answer(writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self.writers.discard(writer)
            writer.close()

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 3)


async def ok(w: asyncio.StreamWriter) -> bool:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    await w.drain()
    return True


def raw(data: bytes, keep: bool = False, then_sleep: float = 0.0
        ) -> Callable[[asyncio.StreamWriter], Awaitable[bool]]:
    async def answer(w: asyncio.StreamWriter) -> bool:
        w.write(data)
        await w.drain()
        if then_sleep:
            await asyncio.sleep(then_sleep)
        return keep

    return answer


async def endless_1xx(w: asyncio.StreamWriter) -> bool:
    with contextlib.suppress(ConnectionError):
        for _ in range(400):  # 20 s of interim answers, one every 50 ms
            w.write(b"HTTP/1.1 102 Processing\r\n\r\n")
            await w.drain()
            await asyncio.sleep(0.05)
    return False


BAD_ANSWERS = {
    "/status-garbage": raw(b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}"),
    "/status-not-http": raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
    "/status-huge": raw(b"HTTP/1.1 999999999999 OK\r\nContent-Length: 2\r\n\r\n{}"),
    "/headers-oversized": raw(b"HTTP/1.1 200 OK\r\n"
                              + b"".join(b"X-F%d: %s\r\n" % (i, b"v" * 8000)
                                         for i in range(120))
                              + b"Content-Length: 2\r\n\r\n{}"),
    "/header-one-huge": raw(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000
                            + b"\r\nContent-Length: 2\r\n\r\n{}"),
    "/upgrade-101": raw(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\n\r\n"),
    "/two-lengths": raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n"
                        b"{}abc"),
    "/te-and-cl": raw(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked"
                      b"\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
    "/closed-before-head": raw(b""),
}


def raw_map(ups: RawUpstream) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["regions"]["sg"]["upstreams"] = [f"http://127.0.0.1:{ups.port}"]
        data["regions"]["cn"]["upstreams"] = [f"http://localhost:{ups.port}"]
        data["limits"] = {"read_timeout_s": 2.0, "connect_timeout_s": 1.0}

    return edit


@pytest.fixture
async def raw_gw(tmp_path, geo_db, upstreams, procs):
    answers = dict(BAD_ANSWERS)
    ups = await RawUpstream(answers).start()
    gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, raw_map(ups)), geo_db)
    try:
        await gw.start()
        yield gw, ups, answers
    finally:
        gw.reap()
        await ups.close()


@pytest.mark.parametrize("path", sorted(BAD_ANSWERS))
async def test_malformed_upstream_answer_is_a_recorded_502_and_never_goes_elsewhere(path, raw_gw,
                                                                                 upstreams):
    """An upstream answer that is not HTTP, or breaks its own framing: the client gets a 502
    problem+json (never the upstream's bytes), the completion record says upstream_error,
    the request was sent exactly once and to its own region (mainland: cn, never jp), and the
    gateway answers the next request."""
    gw, ups, _ = raw_gw
    for headers, host in ((SG_HEADERS, "127.0.0.1"), (CN_HEADERS, "localhost")):
        before = len(ups.seen)
        status, ctype, body = await post(gw.url, headers, path=path)
        assert status == 502, (status, body[:200])
        assert ctype.startswith(PROBLEM)
        sent = ups.seen[before:]
        assert len(sent) == 1 and sent[0][0].startswith(host), sent
        assert upstreams.seen == []  # the real jp/cn2 were never tried
        status, _, _ = await post(gw.url, headers, path="/v1/fine")
        assert status == 200
    assert await gw.terminate() == 0
    errors, records = await trail_records(gw.data_dir)
    assert errors == []
    outcomes = [r["outcome"] for r in records if r["type"] == "completion"]
    assert outcomes == ["upstream_error", "completed"] * 2, outcomes


@pytest.mark.parametrize("path,answer", [
    ("/short-body", raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":1}")),
    ("/short-chunked", raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"64\r\n{\"a\":1}")),
    ("/bad-chunk", raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n")),
], ids=["content-length", "chunked", "bad-chunk-size"])
async def test_upstream_body_shorter_than_announced_is_never_a_clean_200(path, answer, raw_gw):
    """The upstream announces 100 bytes (or a 100-byte chunk), sends 7 and closes; or sends a
    chunk size that is not hex. The client must be able to tell: a 502 before the answer
    began, or a cut connection; never a complete 200. The completion record says
    upstream_body_error."""
    gw, ups, answers = raw_gw
    answers[path] = answer
    for headers in (SG_HEADERS, CN_HEADERS):
        got: object
        try:
            got = await post(gw.url, headers, path=path)
        except aiohttp.ClientPayloadError:
            got = "cut"
        assert got == "cut" or got[0] == 502, got
        status, _, _ = await post(gw.url, headers, path="/v1/fine")
        assert status == 200
    assert await gw.terminate() == 0
    errors, records = await trail_records(gw.data_dir)
    assert errors == []
    outcomes = [r["outcome"] for r in records if r["type"] == "completion"]
    assert outcomes[0::2] == ["upstream_body_error"] * 2, outcomes


async def test_bytes_after_content_length_never_answer_the_next_request(raw_gw):
    """The upstream sends its 2-byte body plus a whole second response (`HTTP/1.1 200 ...
    {"smuggled": ...}`) on a keep-alive connection. The next request on that pooled
    connection (another client, another tenant) must get its own answer, never the leftover."""
    gw, ups, answers = raw_gw
    answers["/extra"] = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                            b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"smuggled\":1}",
                            keep=True, then_sleep=0.05)
    answers["/mine"] = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"mine\":1}",
                           keep=True)
    for _ in range(3):
        s1, _, b1 = await post(gw.url, SG_HEADERS, path="/extra")
        s2, _, b2 = await post(gw.url, SG_HEADERS, path="/mine")
        assert b"smuggled" not in b1 + b2
        assert s2 != 200 or b2 == b'{"mine":1}', (s2, b2)
    assert await gw.terminate() == 0


async def trickled_head(w: asyncio.StreamWriter) -> bool:
    with contextlib.suppress(ConnectionError):
        for _ in range(40):  # 20 s: one header byte every 0.5 s, never the end of the head
            w.write(b"HTTP/1.1 200 OK\r\nX-Slow: " if _ == 0 else b"a")
            await w.drain()
            await asyncio.sleep(0.5)
    return False


@pytest.mark.parametrize(("path", "answer", "headers"), [
    ("/interim", endless_1xx, SG_HEADERS),
    ("/trickle", trickled_head, CN_HEADERS),
], ids=["endless-interim", "trickled-head"])
async def test_an_upstream_head_never_finished_is_bounded(raw_gw, path, answer, headers):
    """The upstream answers `102 Processing` every 50 ms forever and never a final status, or
    sends its status line and then one header byte every 0.5 s, never finishing the head. The
    request must end within the read timeout's order (2 s here) with a 504 or 502
    problem+json, not hold the client and a connection for as long as the upstream likes."""
    gw, ups, answers = raw_gw
    answers[path] = answer
    began = time.monotonic()
    try:
        status, ctype, _ = await post(gw.url, headers, path=path, timeout_s=7)
    except TimeoutError:
        status, ctype = 0, ""
    took = time.monotonic() - began
    assert status in (502, 504) and ctype.startswith(PROBLEM), (status, took)
    assert took < 6, took


async def test_interim_answers_then_final_are_forwarded(raw_gw):
    """100 Continue and 103 Early Hints before the 200: the client gets the 200 and its body,
    recorded completed, for both origins."""
    gw, ups, answers = raw_gw
    answers["/hints"] = raw(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                            b"Link: </a.css>; rel=preload\r\n\r\n"
                            b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"ok\":1}", keep=True)
    for headers in (SG_HEADERS, CN_HEADERS):
        status, _, body = await post(gw.url, headers, path="/hints")
        assert (status, body) == (200, b'{"ok":1}')
    assert {s[1] for s in ups.seen} == {"SG", "CN"}
    assert await gw.terminate() == 0


async def test_keepalive_closed_as_it_is_reused_never_resends_a_post(raw_gw, upstreams):
    """The upstream keeps the connection after a first answer, then reads the next request
    (a POST, with a body) and closes without a word, exactly as the gateway reuses the
    connection. The POST must not be sent again (not on a fresh connection, not to a
    fallback: jp for overseas, never anything abroad for mainland): one arrival, 502."""
    gw, ups, answers = raw_gw
    answers["/first"] = raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", keep=True)
    answers["/second"] = raw(b"")
    for headers, host in ((SG_HEADERS, "127.0.0.1"), (CN_HEADERS, "localhost")):
        s1, _, _ = await post(gw.url, headers, path="/first")
        assert s1 == 200
        before = len(ups.seen)
        status, ctype, _ = await post(gw.url, headers, path="/second")
        assert status == 502 and ctype.startswith(PROBLEM)
        sent = ups.seen[before:]
        assert [(h.split(":")[0], m) for h, _, _, m, _ in sent] == [(host, "POST")], sent
    assert upstreams.seen == []
    assert await gw.terminate() == 0


async def test_upstream_that_answers_413_before_reading_the_upload(tmp_path, geo_db, upstreams,
                                                                    procs):
    """The upstream reads the request head, answers 413 with `Connection: close` at once and
    closes while the gateway is still sending a 3 MiB upload (mainland and overseas). The
    client gets a clear answer (the upstream's 413 or a 502 problem+json), the request is not
    sent again anywhere, the outcome is recorded and the gateway serves the next request."""
    heads: list[bytes] = []

    async def early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            heads.append(head.split(b"\r\n", 1)[0])
            writer.write(b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json"
                         b"\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(early, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    def both(data: dict) -> None:
        data["regions"]["sg"]["upstreams"] = [url]
        data["regions"]["cn"]["upstreams"] = [url.replace("//127.0.0.1:", "//localhost:")]

    gw: GatewayProc = procs(tmp_path, write_map_for(tmp_path, upstreams, both), geo_db)
    try:
        await gw.start()
        media = b"\xff\xd8\xff\xe0" + os.urandom(3 * 1024 * 1024)
        for headers in (SG_HEADERS, CN_HEADERS):
            before = len(heads)
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, \
                        s.post(gw.url + "/v1/upload", data=io.BytesIO(media),
                               headers={**headers, "Content-Type": "image/jpeg"}) as r:
                    status, ctype = r.status, r.headers.get("Content-Type", "")
                    await r.read()
            except aiohttp.ClientOSError:
                status, ctype = -1, ""  # the gateway closed while the client still sent
            assert status == 413 or (status == 502 and ctype.startswith(PROBLEM)) \
                or status == -1, (status, ctype)
            assert len(heads) == before + 1, heads
        assert upstreams.seen == []
        for headers in (SG_HEADERS, CN_HEADERS):
            status, _, _ = await post(gw.url, headers, path="/v1/other")
            assert status == 413  # the same upstream, answered again, no crash
        assert await gw.terminate() == 0
    finally:
        gw.reap()
        server.close()
        await server.wait_closed()
    errors, records = await trail_records(gw.data_dir)
    assert errors == []
    done = [r for r in records if r["type"] == "completion"]
    assert len(done) == 4 and all(r["attempts"] in (["sg"], ["cn"]) for r in done), done


# --- a client pipelining two origins on one connection --------------------------------------

async def test_pipelined_mainland_and_overseas_requests_each_go_to_their_own_region(
        tmp_path, geo_db, upstreams, procs):
    """One keep-alive connection, written in one go: an overseas request, a mainland one
    (CN address), an overseas one whose body carries a resident ID, and another tenant's
    overseas one. Each is decided on its own: sg, cn, cn, sg; nothing of the second leaks
    into the first's decision or the other way round; four answers in order."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db).start()

    def req(tenant: str, addr: str, body: bytes) -> bytes:
        return (b"POST /v1/compare HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: " + tenant.encode()
                + b"\r\nX-Forwarded-For: " + addr.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)

    wire = (req("acme", ADDR["SG"], b'{"a":1}') + req("acme", ADDR["CN"], b'{"b":2}')
            + req("acme", ADDR["SG"], b'{"id":"' + ADULT_ID.encode() + b'"}')
            + req("bank", ADDR["SG"], b'{"c":3}'))
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    try:
        writer.write(wire)
        await writer.drain()
        got = b""
        deadline = time.monotonic() + 10
        while got.count(b"HTTP/1.1 ") < 4 and time.monotonic() < deadline:
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            if not chunk:
                break
            got += chunk
            if got.count(b"HTTP/1.1 200") == 4 and got.rstrip().endswith(b"}"):
                break
    finally:
        writer.close()
    assert got.count(b"HTTP/1.1 200") == 4, got[:600]
    await asyncio.sleep(0.2)
    assert [(s.region, s.origin) for s in upstreams.seen] == [
        ("sg", "SG"), ("cn", "CN"), ("cn", "CN"), ("sg", "SG")], upstreams.seen
    assert await gw.terminate() == 0
    errors, records = await trail_records(gw.data_dir)
    assert errors == []
    tenants = [r.get("tenant") for r in records if r["type"] == "decision"]
    assert tenants == ["acme", "acme", "acme", "bank"], tenants


# --- signal storms during load --------------------------------------------------------------

async def test_sigterm_and_sighup_storm_during_load_drains_cleanly(tmp_path, geo_db, upstreams,
                                                                   procs):
    """Under load: a SIGHUP, then SIGTERM, then five more SIGTERMs and SIGHUPs interleaved
    while the gateway drains (a supervisor that repeats its signal, an operator at the
    keyboard). The gateway exits 0 once, every request that got a 200 is in the trail, nothing
    forwarded unrecorded, and the trail (with its shutdown checkpoint) verifies."""
    gw: GatewayProc = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db,
                                  env={"RG_SHUTDOWN_GRACE_S": "5"}).start()
    upstreams.mode, upstreams.delay_s = "slow", 0.2

    def storm() -> None:
        gw.signal(signal.SIGHUP)
        gw.signal(signal.SIGTERM)

        async def more() -> None:
            for _ in range(5):
                await asyncio.sleep(0.05)
                with contextlib.suppress(ProcessLookupError):
                    gw.signal(signal.SIGTERM)
                    gw.signal(signal.SIGHUP)

        spawned.append(asyncio.ensure_future(more()))

    spawned: list[asyncio.Task[None]] = []
    results: list[Result] = await load(gw.url, total=60, concurrency=6, on_count=(10, storm),
                                       timeout_s=10)
    await asyncio.gather(*spawned)
    assert await gw.wait_exit(20) == 0
    assert "Traceback" not in gw.log_tail(200_000)
    ok_count = sum(1 for r in results if r.status == 200)
    assert ok_count >= 10
    await check_invariants(Row("signal storm"), results, upstreams, gw.data_dir)
