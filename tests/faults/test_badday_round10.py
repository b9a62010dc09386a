"""Bad day in production, round 10: `serve --workers N` under process faults, the trail on disk
after crashes and hand edits, the offline tools on what those leave, and the admin listener.

A worker SIGKILLed under mixed mainland/overseas load (its trail continues and verifies, nothing
forwarded unrecorded, the supervisor restarts it, the other keeps serving); a worker hung by
SIGSTOP (new connections the kernel hands it, SIGTERM drain, `POST /admin/reload`); the trail
after a torn last line, a corrupt line in the middle of the active segment, a checkpoint file
rolled back to an older copy, a segment duplicated under the next name, a signing key rotated
between segments; exports and verifies of a live store under load, an export cut before its
manifest; the admin listener hammered with concurrent reloads, wrong tokens, a body past its
limit and slowloris clients while the proxy port serves. Real gateway processes and CLI
subprocesses, loopback only, every wait bounded. (The clock stepping backwards is not attacked:
the project has no knob for the wall clock and faketime is not available.)"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from residency_gateway.audit.filestore import segment_index, segment_name
from tests.faults.harness import (
    ROOT,
    SG_HEADERS,
    GatewayProc,
    Row,
    answers_again,
    check_invariants,
    load,
    trail_records,
    write_map_for,
)

TOKEN = "rt-badday10-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROBLEM = "application/problem+json"


class FleetProc(GatewayProc):
    """GatewayProc with `--workers N` (the harness pins one process)."""

    def __init__(self, *args: Any, workers: int = 2, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.workers = workers

    def spawn(self) -> None:
        with self.log_path.open("ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "residency_gateway", "serve", "--config",
                 str(self.map_path), "--geoip-db", str(self.geo), "--host", "127.0.0.1",
                 "--port", str(self.port), "--admin-port", str(self.admin_port),
                 "--data-dir", str(self.data_dir), "--region", "cn",
                 "--workers", str(self.workers)],
                stdout=subprocess.DEVNULL, stderr=log_file, cwd=self.workdir,
                env={**os.environ, "PYTHONPATH": str(ROOT), "RG_LOG_FORMAT": "json",
                     "RG_LOG_ID": self.log_id, "RG_DRAIN_DELAY_S": "0.5",
                     "RG_HEALTH_INTERVAL_S": "0.5", "RG_RELOAD_POLL_S": "3600",
                     "RG_INSPECT_WORKERS": "1", **self.env},
                preexec_fn=os.setsid)


async def worker_pids(gw: GatewayProc) -> dict[int, int]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, \
            s.get(gw.admin + "/readyz") as r:
        body = await r.json()
    return {w["worker"]: w["pid"] for w in body["workers"] if w.get("pid")}


def cli(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "residency_gateway", *args],
                          capture_output=True, text=True, timeout=timeout_s, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "RG_LOG_FORMAT": "json"})


async def acli(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    return await asyncio.get_running_loop().run_in_executor(None, lambda: cli(*args,
                                                                              timeout_s=timeout_s))


async def verify_store(data: Path, *keys: Path) -> subprocess.CompletedProcess[str]:
    args = ["audit", "verify", "--store", str(data / "trail")]
    for k in keys or (data / "keys" / "signing",):
        args += ["--public-key", str(k)]
    return await acli(*args)


def decision_ids(data: Path) -> set[str]:
    out = set()
    for seg in (data / "trail").glob("*/seg-*.jsonl"):
        for line in seg.read_bytes().splitlines():
            with contextlib.suppress(ValueError, KeyError):
                rec = json.loads(line)["record"]
                if rec["type"] == "decision":
                    out.add(rec["decision_id"])
    return out


async def send_many(url: str, n: int, headers: dict[str, str] | None = None,
                    timeout_s: float = 5.0) -> list[int]:
    """`n` POSTs in parallel, each on its own connection (SO_REUSEPORT spreads them);
    0 for one that got no answer in `timeout_s`."""
    conn = aiohttp.TCPConnector(force_close=True, limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(
            total=timeout_s)) as s:
        async def one(i: int) -> int:
            try:
                async with s.post(url + "/v1/compare", json={"i": i},
                                  headers=headers or SG_HEADERS) as r:
                    await r.read()
                    return r.status
            except (TimeoutError, aiohttp.ClientError):
                return 0

        return list(await asyncio.gather(*(one(i) for i in range(n))))


# --- (a) workers --------------------------------------------------------------------------

async def test_worker_sigkilled_under_mixed_load_loses_nothing_and_leaks_nothing(
        tmp_path, geo_db, upstreams):
    """kill -9 of one worker while both are mid-request and mid-group-commit: every request
    that reached an upstream has its record, no mainland request left CN, every 200 has its
    decision, both worker logs verify, the supervisor restarts it and the gateway serves."""
    async with asyncio.timeout(90):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        try:
            await gw.start()
            pids = await worker_pids(gw)
            assert set(pids) == {0, 1}
            results = await load(gw.url, 240, 16, on_count=(60, lambda: os.kill(
                pids[1], signal.SIGKILL)), timeout_s=10)
            await answers_again(gw.url, 20)
            await gw.wait_ready(30)
            new = await worker_pids(gw)
            assert new[0] == pids[0] and new[1] != pids[1]  # restarted, the other untouched
            assert await gw.terminate(30) == 0
            records = await check_invariants(Row("worker kill -9"), results, upstreams,
                                             gw.data_dir)
            assert {r.status for r in results} <= {0, 200, 503}, {r.status for r in results}
            assert sum(r.status == 200 for r in results) >= 180
            assert records
            done = await verify_store(gw.data_dir)
            assert done.returncode == 0 and done.stdout.startswith("VALID"), done.stdout
            assert "gw-w0" in done.stdout and "gw-w1" in done.stdout
        finally:
            gw.reap()


@contextlib.contextmanager
def stopped(pid: int):
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


async def test_sigterm_with_a_hung_worker_is_bounded_and_the_rest_is_recorded(
        tmp_path, geo_db, upstreams):
    """One worker SIGSTOPped (a hung process), then SIGTERM: the parent must not wait forever.
    It exits within drain delay + grace + its margin, non-zero (a worker had to be killed),
    and both trails verify."""
    async with asyncio.timeout(90):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_SHUTDOWN_GRACE_S": "1"})
        try:
            await gw.start()
            assert set(await send_many(gw.url, 20)) == {200}
            pids = await worker_pids(gw)
            os.kill(pids[1], signal.SIGSTOP)
            began = time.monotonic()
            gw.signal(signal.SIGHUP)  # a reload fanned out to it too, pending while stopped
            gw.signal(signal.SIGTERM)
            code = await gw.wait_exit(30)
            took = time.monotonic() - began
            assert took < 0.5 + 1 + 5 + 4, took
            assert code == 1
            assert '"workers_killed"' in gw.log_tail(100_000)
        finally:
            gw.reap()
        done = await verify_store(gw.data_dir)
        assert done.returncode == 0 and done.stdout.startswith("VALID"), done.stdout
        errors, _ = await trail_records(gw.data_dir)
        assert errors == []


async def test_a_hung_worker_is_replaced_and_new_connections_are_served(tmp_path, geo_db,
                                                                       upstreams):
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        try:
            await gw.start()
            pids = await worker_pids(gw)
            with stopped(pids[1]):
                await asyncio.sleep(10)  # a watchdog has had ample time to notice
                statuses = await send_many(gw.url, 24, timeout_s=4)
            assert statuses == [200] * 24, statuses
        finally:
            gw.reap()


async def test_admin_reload_with_a_hung_worker_answers_promptly(tmp_path, geo_db, upstreams):
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN})
        try:
            await gw.start()
            pids = await worker_pids(gw)
            with stopped(pids[1]):
                # /readyz keeps answering (its probe has a 1 s bound)
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
                    async with s.get(gw.admin + "/readyz") as r:
                        assert r.status == 503
                    began = time.monotonic()
                    status = 0
                    with contextlib.suppress(TimeoutError):
                        async with s.post(gw.admin + "/admin/reload", headers=AUTH,
                                          timeout=aiohttp.ClientTimeout(total=8)) as r:
                            status = r.status
                            body = await r.json(content_type=None)
                    took = time.monotonic() - began
            assert status != 0 and took < 8, f"no answer within {took:.1f}s"
            assert status != 200 and [w["worker"] for w in body["workers"]] == [0, 1], body
        finally:
            gw.reap()


# --- (b) the trail on disk after crashes and hand edits -----------------------------------

async def run_and_stop(gw: GatewayProc, n: int) -> set[str]:
    await gw.start()
    assert set(await send_many(gw.url, n)) == {200}
    assert await gw.terminate(30) == 0
    return decision_ids(gw.data_dir)


def last_segment(data: Path, log_id: str) -> Path:
    return sorted((data / "trail" / log_id).glob("seg-*.jsonl"))[-1]


async def test_a_torn_last_line_is_cut_at_restart_and_everything_before_it_is_kept(
        tmp_path, geo_db, upstreams, procs):
    """kill -9 in the middle of a write leaves half a line: offline verify names the file
    (never a traceback, never silently VALID over garbage), the restarted gateway cuts only
    that half line, every earlier decision stays and the trail verifies."""
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        before = await run_and_stop(gw, 20)
        seg = last_segment(gw.data_dir, "gw")
        lines = seg.read_bytes().splitlines(keepends=True)
        with seg.open("ab") as fh:
            fh.write(lines[-1][: len(lines[-1]) // 2])  # a torn copy of a record
        offline = await verify_store(gw.data_dir)
        assert "Traceback" not in offline.stderr, offline.stderr
        assert offline.returncode in (0, 1), (offline.stdout, offline.stderr)
        if offline.returncode == 0:  # accepted only with a word about the torn tail
            assert seg.name in offline.stdout + offline.stderr, offline.stdout
        else:
            assert seg.name in offline.stdout, offline.stdout
        gw2 = procs(tmp_path, gw.map_path, geo_db, log_id="gw")
        after = await run_and_stop(gw2, 10)
        assert before <= after and len(after) == 30
        done = await verify_store(gw.data_dir)
        assert done.returncode == 0, done.stdout


async def test_a_corrupt_line_mid_segment_never_destroys_the_records_after_it(
        tmp_path, geo_db, upstreams, procs):
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        await run_and_stop(gw, 20)
        seg = last_segment(gw.data_dir, "gw")
        lines = seg.read_bytes().splitlines(keepends=True)
        victim = len(lines) // 3
        later = {r["decision_id"] for x in lines[victim + 1:]
                 if (r := json.loads(x)["record"]).get("type") == "decision"}
        assert len(later) >= 5
        lines[victim] = b"#" + lines[victim][1:]  # one byte of one record
        seg.write_bytes(b"".join(lines))
        gw2 = procs(tmp_path, gw.map_path, geo_db, log_id="gw")
        gw2.spawn()
        refused = False
        try:
            await gw2.wait_ready(20)
        except AssertionError:
            refused = gw2.proc is not None and gw2.proc.poll() not in (None, 0)
        if refused:  # acceptable: refuses to start, says where, destroys nothing
            assert seg.name in gw2.log_tail(), gw2.log_tail()
        else:
            assert set(await send_many(gw2.url, 3)) == {200}
            assert await gw2.terminate(30) == 0
        kept = decision_ids(gw.data_dir)
        assert later <= kept, f"{len(later - kept)} recorded decisions destroyed at restart"


async def test_checkpoints_rolled_back_to_an_older_copy_then_restart_keeps_a_valid_trail(
        tmp_path, geo_db, upstreams, procs):
    """checkpoints.jsonl replaced by an older copy (a backup restored over it) while stopped:
    the gateway continues from the older checkpoint, no record is lost and the trail verifies
    (what was cut is the witnesses' to notice, not verify's)."""
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        first = await run_and_stop(gw, 10)
        cps = gw.data_dir / "trail" / "gw" / "checkpoints.jsonl"
        old = cps.read_bytes()
        gw2 = procs(tmp_path, gw.map_path, geo_db, log_id="gw")
        second = await run_and_stop(gw2, 10)
        assert len(cps.read_bytes()) > len(old)
        cps.write_bytes(old)
        gw3 = procs(tmp_path, gw.map_path, geo_db, log_id="gw")
        third = await run_and_stop(gw3, 10)
        assert first <= second <= third and len(third) == 30
        done = await verify_store(gw.data_dir)
        assert done.returncode == 0 and done.stdout.startswith("VALID"), done.stdout


async def test_signing_key_rotated_between_segments(tmp_path, geo_db, upstreams, procs):
    """keys generate + SIGHUP mid-run: the trail verifies with both keys, and verify given
    only the old key does not say VALID about checkpoints the new key signed."""
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                   env={"RG_AUDIT_SEGMENT_MAX_BYTES": "8192"})
        await gw.start()
        assert set(await send_many(gw.url, 15)) == {200}
        keydir = gw.data_dir / "keys" / "signing"
        old_keys = tmp_path / "old-keys"
        shutil.copytree(keydir, old_keys)
        gen = await acli("keys", "generate", "--data-dir", str(gw.data_dir))
        assert gen.returncode == 0, gen.stderr
        gw.signal(signal.SIGHUP)
        await asyncio.sleep(1.5)
        await gw.wait_ready(10)
        assert set(await send_many(gw.url, 15)) == {200}
        assert await gw.terminate(30) == 0
        assert len(list((gw.data_dir / "trail" / "gw").glob("seg-*.jsonl"))) >= 2
        both = await verify_store(gw.data_dir)
        assert both.returncode == 0 and both.stdout.startswith("VALID"), both.stdout
        pubs = sorted(old_keys.glob("*.pub"))
        assert pubs
        only_old = await verify_store(gw.data_dir, *pubs)
        assert only_old.returncode != 0 and not only_old.stdout.startswith("VALID"), \
            only_old.stdout
        assert "Traceback" not in only_old.stderr


async def test_an_export_cut_before_its_manifest_is_never_taken_for_a_bundle(
        tmp_path, geo_db, upstreams, procs):
    """An export killed before it wrote manifest.json / manifest.sig (or mid-way through
    them) leaves a directory that verify refuses with a clear message and exit 1 or 2; a new
    export into it is refused rather than mixed with the leftovers."""
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw")
        await run_and_stop(gw, 12)
        keys = str(gw.data_dir / "keys" / "signing")
        full = tmp_path / "bundle"
        made = await acli("audit", "export", "--data-dir", str(gw.data_dir), "--out", str(full))
        assert made.returncode == 0, made.stderr
        ok = await acli("audit", "verify", "--bundle", str(full), "--public-key", keys)
        assert ok.returncode == 0, ok.stdout
        for name, cut in [("no-manifest", ("manifest.json", "manifest.sig")),
                          ("no-sig", ("manifest.sig",)), ("half-manifest", ())]:
            part = tmp_path / name
            shutil.copytree(full, part)
            for f in cut:
                (part / f).unlink()
            if not cut:
                data = (part / "manifest.json").read_bytes()
                (part / "manifest.json").write_bytes(data[: len(data) // 2])
            res = await acli("audit", "verify", "--bundle", str(part), "--public-key", keys)
            assert res.returncode in (1, 2), (name, res.stdout)
            assert "VALID" not in res.stdout.split()[:1], (name, res.stdout)
            assert "Traceback" not in res.stderr, (name, res.stderr)
            assert "manifest" in (res.stdout + res.stderr).lower(), (name, res.stdout)
        again = await acli("audit", "export", "--data-dir", str(gw.data_dir), "--out",
                           str(tmp_path / "no-manifest"))
        assert again.returncode != 0 and "Traceback" not in again.stderr, again.stderr
        assert "not empty" in again.stderr, again.stderr


async def test_export_and_verify_of_a_live_store_under_load(tmp_path, geo_db, upstreams,
                                                           procs):
    """Auditors export while the gateway writes (group commits, a half-written line at the
    tail at any moment): each bundle verifies, and `verify --store` of the live store never
    calls a tail still being written INVALID nor crashes."""
    async with asyncio.timeout(120):
        gw = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                         env={"RG_AUDIT_SEGMENT_MAX_BYTES": "65536"}).start()
        keys = str(gw.data_dir / "keys" / "signing")
        stop = asyncio.Event()

        async def traffic() -> None:
            while not stop.is_set():
                await load(gw.url, 40, 8)

        task = asyncio.create_task(traffic())
        try:
            await asyncio.sleep(1.0)
            for i in range(3):
                out = tmp_path / f"live-{i}"
                made = await acli("audit", "export", "--data-dir", str(gw.data_dir), "--out",
                                  str(out))
                assert made.returncode == 0, made.stderr[-2000:]
                res = await acli("audit", "verify", "--bundle", str(out), "--public-key", keys)
                assert res.returncode == 0, res.stdout[-2000:]
                live = await verify_store(gw.data_dir)
                assert live.returncode == 0, live.stdout[-2000:]
        finally:
            stop.set()
            await task
        assert await gw.terminate(30) == 0


async def test_a_duplicated_segment_is_named_offline_and_never_silently_continued(
        tmp_path, geo_db, upstreams, procs):
    """A segment copied under the next segment's name (a restore script, a careless `cp`):
    offline verify names it; the gateway on that store refuses to start with one clear line,
    or, if it starts, forwards nothing without a record."""
    async with asyncio.timeout(90):
        gw = procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                   env={"RG_AUDIT_SEGMENT_MAX_BYTES": "8192"})
        await run_and_stop(gw, 20)
        segs = sorted((gw.data_dir / "trail" / "gw").glob("seg-*.jsonl"))
        assert len(segs) >= 2
        dup = segs[-1].with_name(segment_name(segment_index(segs[-1]) + 1))
        shutil.copyfile(segs[-2], dup)
        offline = await verify_store(gw.data_dir)
        assert offline.returncode == 1 and dup.name in offline.stdout, offline.stdout
        upstreams.seen.clear()
        gw2 = procs(tmp_path, gw.map_path, geo_db, log_id="gw")
        gw2.spawn()
        with contextlib.suppress(AssertionError):
            await gw2.wait_ready(20)
        if gw2.proc is not None and gw2.proc.poll() is not None:
            assert gw2.proc.returncode != 0
            assert "trail" in gw2.log_tail().lower(), gw2.log_tail()
        else:
            await send_many(gw2.url, 5)
            await gw2.terminate(30)
            recorded = decision_ids(gw.data_dir)
            assert all(s.decision_id in recorded for s in upstreams.seen)


# --- (c) the admin listener -----------------------------------------------------------------

async def test_concurrent_reloads_while_the_proxy_serves(tmp_path, geo_db, upstreams):
    """20 reloads at once on a 2-worker gateway, with traffic: every reload is answered (200, or
    a clear problem), the proxy never fails a request, both workers end on one version."""
    async with asyncio.timeout(90):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN})
        try:
            await gw.start()
            write_map_for(tmp_path, upstreams, lambda m: m["tenants"]["acme"].update(
                overseas_region="jp"))
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=40)) as s:
                async def reload() -> tuple[int, str]:
                    async with s.post(gw.admin + "/admin/reload", headers=AUTH) as r:
                        return r.status, r.headers.get("Content-Type", "")

                reloads = asyncio.gather(*(reload() for _ in range(20)))
                traffic = await send_many(gw.url, 60, timeout_s=20)
                answers = await reloads
            assert set(traffic) == {200}, traffic
            for status, ctype in answers:
                assert status == 200 or (status >= 400 and ctype.startswith(PROBLEM)), answers
            assert any(status == 200 for status, _ in answers)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, \
                    s.get(gw.admin + "/readyz") as r:
                ready = await r.json()
            assert len({w["policy_version"] for w in ready["workers"]}) == 1, ready
            async with aiohttp.ClientSession() as s, s.post(
                    gw.url + "/v1/compare", json={}, headers=SG_HEADERS) as r:
                assert r.headers.get("X-Residency-Region") == "jp"
            assert await gw.terminate(30) == 0
        finally:
            gw.reap()


async def test_wrong_tokens_are_refused_as_problems(tmp_path, geo_db, upstreams):
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN})
        try:
            await gw.start()
            bad = [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "},
                   {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
                   {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
                   {"Authorization": f"Bearer  {TOKEN}"}]
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
                for headers in bad:
                    for method, path in [("POST", "/admin/reload"), ("GET", "/admin/config"),
                                         ("POST", "/admin/explain")]:
                        async with s.request(method, gw.admin + path, headers=headers,
                                             json={"ip": "1.1.1.1", "tenant": "acme"}) as r:
                            assert r.status in (401, 403), (headers, path, r.status)
                            assert r.headers["Content-Type"].startswith(PROBLEM)
        finally:
            gw.reap()


@pytest.mark.parametrize("workers", [1, 2])
async def test_an_oversized_admin_body_is_a_problem(tmp_path, geo_db, upstreams, workers):
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN}, workers=workers)
        try:
            await gw.start()
            body = io.BytesIO(json.dumps({"ip": "1.1.1.1", "tenant": "acme",
                                          "body": "x" * (2 << 20)}).encode())
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as s:
                async with s.post(gw.admin + "/admin/explain", data=body, headers={
                        **AUTH, "Content-Type": "application/json"}) as r:
                    status, ctype = r.status, r.headers.get("Content-Type", "")
                async with s.get(gw.admin + "/readyz") as r:
                    assert r.status == 200  # the admin listener lives on
            assert set(await send_many(gw.url, 5)) == {200}
            assert status == 413
            assert ctype.startswith(PROBLEM), ctype
        finally:
            gw.reap()


@pytest.mark.parametrize("workers", [1, 2])
async def test_unknown_admin_paths_and_methods_are_problems(tmp_path, geo_db, upstreams,
                                                             workers):
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN}, workers=workers)
        try:
            await gw.start()
            got = []
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
                for method, path in [("GET", "/admin/reload"), ("DELETE", "/admin/config"),
                                     ("GET", "/admin/nope"), ("POST", "/metrics")]:
                    async with s.request(method, gw.admin + path, headers=AUTH) as r:
                        got.append((method, path, r.status, r.headers.get("Content-Type", "")))
            assert all(st in (404, 405) for _, _, st, _ in got), got
            assert all(ct.startswith(PROBLEM) for *_, ct in got), got
        finally:
            gw.reap()


async def test_slowloris_on_the_admin_port_never_stalls_the_proxy_or_readiness(
        tmp_path, geo_db, upstreams):
    """200 connections on the parent's admin port that send half a request head and stall:
    /readyz still answers promptly and the proxy port serves every request."""
    async with asyncio.timeout(60):
        gw = FleetProc(tmp_path, write_map_for(tmp_path, upstreams), geo_db, log_id="gw",
                       env={"RG_ADMIN_TOKEN": TOKEN})
        writers: list[asyncio.StreamWriter] = []
        try:
            await gw.start()
            for _ in range(200):
                _, w = await asyncio.open_connection("127.0.0.1", gw.admin_port)
                w.write(b"POST /admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
                writers.append(w)
            await asyncio.sleep(0.5)
            began = time.monotonic()
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, \
                    s.get(gw.admin + "/readyz") as r:
                assert r.status == 200
            assert time.monotonic() - began < 3
            assert set(await send_many(gw.url, 30)) == {200}
            assert await gw.terminate(30) == 0
        finally:
            for w in writers:
                w.close()
            gw.reap()
