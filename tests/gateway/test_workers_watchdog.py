"""`serve --workers N`: the parent's liveness watchdog (a hung worker is killed and restarted
within its bound, a busy one is left alone), the bound on `POST /admin/reload` with a hung
worker (and concurrent reloads sharing fan-outs), and RFC 9457 problems for every error of
the admin apps. Fake workers (a few lines of aiohttp on the worker's admin socket) for the
parent's logic; real gateways for what a real worker does."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from residency_gateway.cli import main
from residency_gateway.gateway import workers
from residency_gateway.gateway.admin import ADMIN_MAX_BODY, ADMIN_MIDDLEWARES
from residency_gateway.gateway.workers import Fleet, socket_path
from residency_gateway.settings import Settings
from tests.conftest import Processes
from tests.gateway.test_workers_functional import HEADERS, start, upstream

PROBLEM = "application/problem+json"

# A worker as the parent sees it: /healthz, /readyz and /admin/reload on its admin socket
# (each reload takes 0.2 s and is counted in a file).
FAKE_WORKER = """
import asyncio, sys
from aiohttp import web
sock, count = sys.argv[1], sys.argv[2]
async def ok(request):
    return web.json_response({"status": "ok", "ready": True})
async def reload(request):
    await asyncio.sleep(0.2)
    with open(count, "a") as fh:
        fh.write("r\\n")
    return web.json_response({"reloaded": True, "policy_version": "v1"})
app = web.Application()
app.router.add_get("/healthz", ok)
app.router.add_get("/readyz", ok)
app.router.add_post("/admin/reload", reload)
web.run_app(app, path=sock, print=None, handle_signals=True)
"""


@pytest.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[Fleet]:
    """Two fake workers under a real Fleet, checked every 0.2 s, 3 misses in a row."""
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    count = tmp_path / "reloads"
    settings = Settings(worker_check_interval_s=0.2, worker_check_failures=3,
                        admin_token="t")  # type: ignore[arg-type]
    f = Fleet(settings, 2, lambda i: [sys.executable, "-c", FAKE_WORKER,
                                      str(socket_path(run_dir, i)), str(count)], run_dir)
    try:
        async with asyncio.timeout(30):
            await f.start()
        yield f
    finally:
        for w in f.workers:  # never leave a stopped process behind
            if w.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(w.pid, signal.SIGCONT)
        await f.terminate(grace_s=5)
        await f.close()


def reloads_seen(f: Fleet) -> int:
    path = f.run_dir.parent / "reloads"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def test_a_stopped_worker_is_killed_and_restarted_within_the_bound(fleet):
    w0, w1 = fleet.workers
    first, other = w1.pid, w0.pid
    assert first is not None
    assert (await fleet.readiness())[0]
    os.kill(first, signal.SIGSTOP)
    began = time.monotonic()
    assert not (await fleet.readiness())[0]  # honest while it hangs: it still takes connections
    async with asyncio.timeout(10):
        while not (w1.up and w1.pid != first):
            await asyncio.sleep(0.05)
    took = time.monotonic() - began
    # 3 checks of 0.2 s, the kill, a restart (0.1 s backoff) and a fake worker's start
    assert took < 0.2 * 3 + 4, took
    assert w1.restarts == 1 and w0.pid == other and w0.restarts == 0
    assert (await fleet.readiness())[0]  # ready again once it is replaced


async def test_a_worker_that_answers_is_never_killed(fleet):
    """Checks that fail now and then (fewer than the threshold in a row) kill nothing."""
    pids = [w.pid for w in fleet.workers]
    for _ in range(4):
        os.kill(pids[1], signal.SIGSTOP)
        await asyncio.sleep(0.15)  # at most two missed checks
        os.kill(pids[1], signal.SIGCONT)
        await asyncio.sleep(0.5)
    assert [w.pid for w in fleet.workers] == pids
    assert [w.restarts for w in fleet.workers] == [0, 0]


async def test_a_reload_with_a_hung_worker_answers_within_its_bound_and_names_it(
        fleet, monkeypatch):
    monkeypatch.setattr(workers, "RELOAD_WAIT_S", 1.0)
    fleet.settings.worker_check_failures = 1000  # the watchdog leaves it hung for this test
    hung = fleet.workers[1].pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)
    began = time.monotonic()
    status, reason, detail, body = await fleet.reload_all()
    assert time.monotonic() - began < 2.5
    assert status == 503 and reason == "worker_unresponsive"
    assert body["unanswered"] == [1] and "worker 1 did not answer within 1 s" in detail
    assert [w["worker"] for w in body["workers"]] == [0, 1]
    assert body["workers"][0]["status"] == 200 and body["workers"][1]["answered"] is False


async def test_concurrent_reloads_share_fan_outs(fleet):
    """20 reloads at once: each is answered 200 and the workers reload at most twice each
    (the running fan-out and the one every later request joins), never 20 times."""
    answers = await asyncio.gather(*(fleet.reload_all() for _ in range(20)))
    assert {a[0] for a in answers} == {200}
    assert 2 <= reloads_seen(fleet) <= 4
    # one that comes after they are all done gets its own
    assert (await fleet.reload_all())[0] == 200
    assert reloads_seen(fleet) <= 6


async def test_the_parents_admin_app_answers_every_error_as_a_problem(fleet):
    async with TestClient(TestServer(fleet.admin_app())) as client:
        for method, path, status in [("GET", "/admin/nope", 404), ("DELETE", "/readyz", 405),
                                     ("GET", "/admin/reload", 405)]:
            r = await client.request(method, path)
            body = await r.json(content_type=None)
            assert (r.status, r.content_type) == (status, PROBLEM), (method, path)
            assert body["status"] == status and body["type"].startswith("urn:")
        r = await client.request("DELETE", "/readyz")
        assert "GET" in r.headers["Allow"]
        r = await client.post("/admin/explain", data=io.BytesIO(b"x" * (ADMIN_MAX_BODY + 1)),
                              headers={"Authorization": "Bearer t"})
        body = await r.json(content_type=None)
        assert (r.status, r.content_type, body["reason"]) == (413, PROBLEM, "body_too_large")
        assert str(ADMIN_MAX_BODY) in body["detail"]


async def test_the_admin_middleware_turns_a_crash_into_a_500_problem():
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    app = web.Application(middlewares=ADMIN_MIDDLEWARES)
    app.router.add_get("/boom", boom)
    async with TestClient(TestServer(app)) as client:
        r = await client.get("/boom")
        text = await r.text()
        assert (r.status, r.content_type) == (500, PROBLEM)
        assert "secret" not in text and json.loads(text)["reason"] == "internal_error"


# --- real workers ----------------------------------------------------------------------------

def log_events(path: Path, event: str) -> list[dict[str, object]]:
    out = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            rec = json.loads(line)
            if rec.get("event") == event:
                out.append(rec)
    return out


async def readyz(admin: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, \
            s.get(admin + "/readyz") as r:
        return r.status, await r.json()


async def test_a_hung_real_worker_is_replaced_and_its_trail_verifies(
        tmp_path, geo_db, processes: Processes, capsys):
    runner, url = await upstream()
    try:
        async with asyncio.timeout(90):
            gw = await start(processes, tmp_path, geo_db, url,
                             RG_WORKER_CHECK_INTERVAL_S="0.5", RG_WORKER_CHECK_FAILURES="3")
            _, ready = await readyz(gw.admin)
            pids = {w["worker"]: w["pid"] for w in ready["workers"]}
            conn = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=conn) as s:
                for _ in range(20):
                    async with s.post(gw.url + "/v1/compare", json={}, headers=HEADERS) as r:
                        assert r.status == 200
            os.kill(pids[1], signal.SIGSTOP)
            began = time.monotonic()
            while True:
                status, ready = await readyz(gw.admin)
                now = {w["worker"]: w.get("pid") for w in ready["workers"]}
                if status == 200 and now[1] not in (None, pids[1]):
                    break
                assert time.monotonic() - began < 20, ready
                await asyncio.sleep(0.2)
            assert now[0] == pids[0]
            [event] = log_events(gw.log, "worker_unresponsive")
            assert event["worker"] == 1 and event["pid"] == pids[1]
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                    force_close=True), timeout=aiohttp.ClientTimeout(total=5)) as s:
                for _ in range(20):
                    async with s.post(gw.url + "/v1/compare", json={}, headers=HEADERS) as r:
                        assert r.status == 200
            assert gw.terminate() == 0
        capsys.readouterr()
        code = main(["audit", "verify", "--store", str(tmp_path / "data" / "trail"),
                     "--public-key", str(tmp_path / "data" / "keys" / "signing")])
        out = capsys.readouterr().out
        assert code == 0 and out.startswith("VALID") and "gw-w1" in out, out
    finally:
        await runner.cleanup()


async def test_busy_real_workers_are_not_killed(tmp_path, geo_db, processes: Processes):
    """An aggressive watchdog (0.25 s, 2 misses) against workers busy for seconds: slow
    uploads trickled over 3 s, bodies of half a MiB inspected in the inspection processes and
    a slow upstream, and a 1 MiB explain on the admin port. Each is answered, no worker is
    called unresponsive, none is replaced."""
    runner, url = await upstream(delay_s=2.0)
    try:
        async with asyncio.timeout(90):
            gw = await start(processes, tmp_path, geo_db, url, RG_ADMIN_TOKEN="t",
                             RG_WORKER_CHECK_INTERVAL_S="0.25", RG_WORKER_CHECK_FAILURES="2",
                             RG_INSPECT_WORKERS="1")
            _, ready = await readyz(gw.admin)
            pids = [w["pid"] for w in ready["workers"]]

            async def trickle() -> int:
                async def body() -> AsyncIterator[bytes]:
                    yield b'{"note": "'
                    for _ in range(12):
                        await asyncio.sleep(0.25)
                        yield b"a" * 1000
                    yield b'"}'

                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                        force_close=True)) as s, s.post(
                        gw.url + "/v1/compare", data=body(),
                        headers={**HEADERS, "Content-Type": "application/json"}) as r:
                    return r.status

            async def big() -> int:
                doc = json.dumps({"items": [{"id": i, "text": "lorem ipsum " * 20}
                                            for i in range(2000)]}).encode()
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                        force_close=True)) as s, s.post(
                        gw.url + "/v1/compare", data=io.BytesIO(doc),
                        headers={**HEADERS, "Content-Type": "application/json"}) as r:
                    return r.status

            async def explain() -> int:
                async with aiohttp.ClientSession() as s, s.post(
                        gw.admin + "/admin/explain", headers={"Authorization": "Bearer t"},
                        data=io.BytesIO(json.dumps({"ip": "1.1.1.1", "tenant": "acme",
                                                    "body": "x" * (ADMIN_MAX_BODY - 200)}
                                                   ).encode())) as r:
                    await r.read()
                    return r.status

            statuses = await asyncio.gather(*(trickle() for _ in range(4)),
                                            *(big() for _ in range(2)), explain())
            assert statuses == [200] * 7, statuses
            status, ready = await readyz(gw.admin)
            assert status == 200
            assert [w["pid"] for w in ready["workers"]] == pids
            assert log_events(gw.log, "worker_unresponsive") == []
            assert gw.terminate() == 0
    finally:
        await runner.cleanup()
