"""`serve --workers 2` as real processes on loopback: both workers serve and record into their
own trails, signals reach every worker, a killed worker comes back, readiness and metrics speak
for the whole gateway, and a port in use is one line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from residency_gateway.cli import main
from residency_gateway.gateway.app import serve_handler
from tests.conftest import GatewayProcess, Processes, free_port, map_for, serve_command
from tests.helpers import ADDR, act_as_load_balancer, metric_value, write_map

HEADERS = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}


async def upstream(delay_s: float = 0.0) -> tuple[web.AppRunner, str]:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        if delay_s:
            await asyncio.sleep(delay_s)
        return web.json_response({"ok": True})

    return await serve_handler(handle)


async def send(url: str, n: int, *, parallel: int = 8) -> list[tuple[int, str]]:
    """`n` POSTs, each on a new connection (so the kernel spreads them across workers):
    (status, region) each."""
    out: list[tuple[int, str]] = []
    conn = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=conn) as s:
        todo = iter(range(n))

        async def one() -> None:
            for _ in todo:
                async with s.post(url + "/v1/compare", json={"x": 1}, headers=HEADERS) as r:
                    await r.read()
                    out.append((r.status, r.headers.get("X-Residency-Region", "")))

        await asyncio.gather(*(one() for _ in range(parallel)))
    return out


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        text = await r.text()
        return r.status, json.loads(text) if r.content_type.endswith("json") else text


def decisions_total(text: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text)
               if family.name == "rg_decisions" for sample in family.samples
               if sample.name == "rg_decisions_total")


def trail_records(data: Path, log_id: str) -> list[dict[str, Any]]:
    out = []
    for seg in sorted((data / "trail" / log_id).glob("seg-*.jsonl")):
        out.extend(json.loads(line)["record"] for line in seg.read_text().splitlines())
    return out


def verify(data: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["audit", "verify", "--store", str(data / "trail"),
                 "--public-key", str(data / "keys" / "signing")])
    text = capsys.readouterr().out
    assert code == 0, text
    return text


async def start(processes: Processes, tmp_path: Path, geo_db: Path, url: str,
                **env: str) -> GatewayProcess:
    map_path = write_map(tmp_path / "map.yaml", map_for(url))
    return await GatewayProcess(processes, map_path, geo_db, tmp_path / "data", workers=2,
                                env={"RG_LOG_ID": "gw", **env}).start()


async def test_two_workers_both_serve_each_into_its_own_verifiable_trail_and_metrics_add_up(
        tmp_path, geo_db, processes, capsys):
    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url)
            results = await send(gw.url, 200)
            assert results == [(200, "sg")] * 200
            data = tmp_path / "data"
            # each worker records into its own log, and both took a share of the connections
            assert sorted(p.name for p in (data / "trail").iterdir() if p.is_dir()
                          and p.name != "policies") == ["gw-w0", "gw-w1"]
            decided = {log: [r for r in trail_records(data, log) if r["type"] == "decision"]
                       for log in ("gw-w0", "gw-w1")}
            assert all(len(d) > 10 for d in decided.values()), {k: len(v) for k, v in
                                                                decided.items()}
            assert sum(len(d) for d in decided.values()) == 200
            # one admin port speaks for both: totals are the sum of what was sent
            status, text = await get(gw.admin + "/metrics")
            assert status == 200
            assert decisions_total(text) == 200
            assert metric_value(text, "rg_workers") == 2
            assert metric_value(text, "rg_ready") == 1
            assert metric_value(text, "rg_workers_ready") == 2
            status, ready = await get(gw.admin + "/readyz")
            assert status == 200 and [w["worker"] for w in ready["workers"]] == [0, 1]
            assert gw.terminate() == 0
            out = verify(data, capsys)
            assert out.startswith("VALID") and "in 2 logs: gw-w0, gw-w1)" in out, out
    finally:
        await runner.cleanup()


async def test_sighup_reaches_every_worker(tmp_path, geo_db, processes):
    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url, RG_RELOAD_POLL_S="3600")
            _, ready = await get(gw.admin + "/readyz")
            first = {w["policy_version"] for w in ready["workers"]}
            assert len(first) == 1
            write_map(gw.map_path, map_for(url, lambda m: m["tenants"]["acme"].update(
                overseas_region="jp")))
            gw.proc.send_signal(signal.SIGHUP)
            for _ in range(200):
                _, ready = await get(gw.admin + "/readyz")
                versions = {w.get("policy_version") for w in ready["workers"]}
                if not versions & first:
                    break
                await asyncio.sleep(0.05)
            assert len(versions) == 1 and not versions & first, versions  # both reloaded
            assert await send(gw.url, 60) == [(200, "jp")] * 60  # whichever worker answers
            _, text = await get(gw.admin + "/metrics")
            assert metric_value(text, "rg_reloads_total", result="ok", what="sighup") == 2
            policies = [s.labels["version"] for f in text_string_to_metric_families(text)
                        if f.name == "rg_policy_info" for s in f.samples]
            assert policies == [versions.pop()[:12]]  # the one in force, not the old one
            assert gw.terminate() == 0
    finally:
        await runner.cleanup()


async def test_sigterm_under_load_drains_every_worker_with_no_failed_request(tmp_path, geo_db,
                                                                             processes):
    runner, url = await upstream(delay_s=0.3)
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url, RG_DRAIN_DELAY_S="1.0",
                             RG_SHUTDOWN_GRACE_S="10")
            lb_stopped = asyncio.Event()  # what a load balancer does when /readyz fails
            results: list[int] = []
            active = 0

            async def client() -> None:
                nonlocal active
                conn = aiohttp.TCPConnector(force_close=True)
                async with aiohttp.ClientSession(connector=conn) as s:
                    while not lb_stopped.is_set():
                        active += 1
                        try:
                            async with s.post(gw.url + "/v1/compare", json={"x": 1},
                                              headers=HEADERS) as r:
                                await r.read()
                                results.append(r.status)
                        finally:
                            active -= 1

            checker = asyncio.create_task(act_as_load_balancer(gw.admin, lb_stopped))
            clients = [asyncio.create_task(client()) for _ in range(16)]
            await asyncio.sleep(1.5)
            in_flight = active
            gw.proc.send_signal(signal.SIGTERM)
            await asyncio.gather(*clients)  # a failed request raises here
            await checker
            code = await asyncio.get_running_loop().run_in_executor(None, gw.proc.wait, 30)
            assert code == 0
            assert in_flight > 0
            assert results and set(results) == {200}
            data = tmp_path / "data"
            completed = [r for log in ("gw-w0", "gw-w1") for r in trail_records(data, log)
                         if r["type"] == "completion"]
            assert len(completed) == len(results)  # every request finished and was recorded
    finally:
        await runner.cleanup()


async def test_a_killed_worker_is_restarted_readiness_dips_and_totals_survive(
        tmp_path, geo_db, processes, capsys):
    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url)
            assert await send(gw.url, 50) == [(200, "sg")] * 50
            _, ready = await get(gw.admin + "/readyz")
            pids = {w["worker"]: w["pid"] for w in ready["workers"]}
            os.kill(pids[1], signal.SIGKILL)
            seen: list[int] = []
            for _ in range(600):
                status, ready = await get(gw.admin + "/readyz")
                seen.append(status)
                if 503 in seen and status == 200:
                    break
                await asyncio.sleep(0.02)
            assert 503 in seen and seen[-1] == 200, seen[-5:]  # dipped, then recovered
            new = {w["worker"]: w["pid"] for w in ready["workers"]}
            assert new[0] == pids[0] and new[1] != pids[1]
            assert await send(gw.url, 50) == [(200, "sg")] * 50
            _, text = await get(gw.admin + "/metrics")
            assert metric_value(text, "rg_worker_restarts_total", worker="1") == 1
            assert metric_value(text, "rg_worker_restarts_total", worker="0") == 0
            assert decisions_total(text) == 100  # the dead worker's counts stay in the totals
            run_dir = next(json.loads(line)["run_dir"] for line in gw.log.read_text().splitlines()
                           if '"workers_starting"' in line)
            files = sorted(p.name for p in (Path(run_dir) / "metrics").iterdir())
            assert not [f for f in files if f.endswith(f"_{pids[1]}.db")], files  # folded in
            assert "counter_archive.db" in files
            assert gw.terminate() == 0
            log = gw.log.read_text()
            assert '"event": "worker_exited"' in log or '"event":"worker_exited"' in log
            out = verify(tmp_path / "data", capsys)  # worker 1 continued its own chain
            assert out.startswith("VALID")
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("which", ["proxy", "admin"])
async def test_a_port_in_use_is_one_line_and_exit_1(tmp_path, geo_db, processes, which):
    map_path = write_map(tmp_path / "map.yaml", map_for("http://127.0.0.1:9"))
    port, admin = free_port(), free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port if which == "proxy" else admin))
        taken.listen(1)
        proc = processes.popen(serve_command(map_path, geo_db, port, admin, tmp_path / "data",
                                             workers=2),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, err = await asyncio.get_running_loop().run_in_executor(
            None, lambda: proc.communicate(timeout=60))
    assert proc.returncode == 1
    if which == "proxy":
        assert err.splitlines() == [
            f"residency-gateway: cannot listen on 127.0.0.1:{port} for the proxy: address "
            "already in use; choose another with --port / RG_LISTEN_PORT"]
    else:
        assert err.splitlines() == [
            f"residency-gateway: cannot listen on 127.0.0.1:{admin} for the admin listener: "
            "address already in use; choose another with --admin-port / RG_ADMIN_PORT"]


async def test_a_second_gateway_cannot_share_the_port_of_running_workers(tmp_path, geo_db,
                                                                          processes):
    """SO_REUSEPORT would let any process of the same user join the port: a second gateway
    (with workers or not) is refused instead of silently taking half the connections."""
    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url)
            for workers in (2, 1):
                proc = processes.popen(
                    serve_command(gw.map_path, geo_db, gw.port, free_port(),
                                  tmp_path / f"data{workers}", workers=workers),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                _, err = await asyncio.get_running_loop().run_in_executor(
                    None, lambda p=proc: p.communicate(timeout=60))
                assert proc.returncode == 1, err
                assert err.splitlines()[-1].endswith(
                    "address already in use; choose another with --port / RG_LISTEN_PORT")
            assert gw.terminate() == 0
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("files", "expected"), [
    ({}, None),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
])
def test_the_cgroup_cpu_quota_is_read_from_v1_and_v2_files(tmp_path, files, expected):
    from residency_gateway.gateway.runtime import cpu_quota

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cpu_quota(tmp_path) == expected


def test_workers_default_to_the_cpus_the_process_may_use(tmp_path, monkeypatch):
    from residency_gateway.gateway.runtime import effective_workers, log_ids
    from residency_gateway.settings import Settings

    monkeypatch.delenv("RG_WORKERS", raising=False)

    assert effective_workers(Settings(), tmp_path) == len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # a container limited to half a CPU
    assert effective_workers(Settings(), tmp_path) == 1
    assert effective_workers(Settings(workers=3)) == 3
    assert log_ids(Settings(workers=1, log_id="gw")) == ["gw"]
    assert log_ids(Settings(workers=2, log_id="gw")) == ["gw-w0", "gw-w1"]


async def test_workers_die_with_a_killed_parent_and_a_restart_continues_their_trails(
        tmp_path, geo_db, processes, capsys):
    """kill -9 of the parent: no worker outlives it (PR_SET_PDEATHSIG), their trail locks are
    free, and a new gateway on the same data directory continues each worker's chain."""
    import psutil

    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url)
            assert await send(gw.url, 40) == [(200, "sg")] * 40
            _, ready = await get(gw.admin + "/readyz")
            workers = [w["pid"] for w in ready["workers"]]
            gw.kill9()

            def gone(pid: int) -> bool:
                try:
                    return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
                except psutil.NoSuchProcess:
                    return True

            for _ in range(100):
                if all(gone(pid) for pid in workers):
                    break
                await asyncio.sleep(0.05)
            assert all(gone(pid) for pid in workers)
            again = await GatewayProcess(processes, gw.map_path, geo_db, tmp_path / "data",
                                         workers=2, env={"RG_LOG_ID": "gw"}).start()
            assert await send(again.url, 40) == [(200, "sg")] * 40
            assert again.terminate() == 0
    finally:
        await runner.cleanup()
    data = tmp_path / "data"
    decided = sum(1 for log in ("gw-w0", "gw-w1") for r in trail_records(data, log)
                  if r["type"] == "decision")
    assert decided == 80  # every answered request has its record, across the crash
    assert verify(data, capsys).startswith("VALID")


async def test_the_admin_endpoints_speak_for_every_worker(tmp_path, geo_db, processes):
    """/admin/reload reloads every worker (refused as a whole when the map is bad), and
    /admin/config and /admin/explain are answered by one; the token is checked first."""
    runner, url = await upstream()
    auth = {"Authorization": "Bearer t"}
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url, RG_ADMIN_TOKEN="t",
                             RG_RELOAD_POLL_S="3600")
            async with aiohttp.ClientSession() as s:
                async with s.post(gw.admin + "/admin/reload") as r:
                    assert r.status == 401
                write_map(gw.map_path, map_for(url, lambda m: m["tenants"]["acme"].update(
                    overseas_region="jp")))
                async with s.post(gw.admin + "/admin/reload", headers=auth) as r:
                    body = await r.json()
                    assert r.status == 200, body
                assert [w["worker"] for w in body["workers"]] == [0, 1]
                async with s.get(gw.admin + "/admin/config", headers=auth) as r:
                    assert (await r.json())["policy_version"] == body["policy_version"]
                assert await send(gw.url, 20) == [(200, "jp")] * 20
                async with s.post(gw.admin + "/admin/explain", headers=auth, json={
                        "ip": ADDR["SG"], "tenant": "acme"}) as r:
                    assert r.status == 200
                    assert (await r.json())["destination"]["region"] == "jp"
                gw.map_path.write_text("version: 1\nregions: {}\n")
                async with s.post(gw.admin + "/admin/reload", headers=auth) as r:
                    refused = await r.json()
                    assert r.status == 422 and refused["reason"] == "reload_refused"
                assert {w["status"] for w in refused["workers"]} == {422}
            assert await send(gw.url, 20) == [(200, "jp")] * 20  # the last good map stays
            assert gw.terminate() == 0
    finally:
        await runner.cleanup()


async def test_a_worker_that_cannot_start_is_one_line_and_exit_1(tmp_path, geo_db, processes):
    """The trail database is unreachable: the first worker says so in the line a single
    process prints, the parent stops (no second worker is started) and exits 1."""
    map_path = write_map(tmp_path / "map.yaml", map_for("http://127.0.0.1:9"))
    proc = processes.popen(
        serve_command(map_path, geo_db, free_port(), free_port(), tmp_path / "data", workers=2),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "RG_LOG_FORMAT": "json", "RG_AUDIT_STORE": "postgres",
             "RG_AUDIT_PG_DSN": f"postgresql://postgres@127.0.0.1:{free_port()}/none"})
    _, err = await asyncio.get_running_loop().run_in_executor(
        None, lambda: proc.communicate(timeout=60))
    assert proc.returncode == 1
    lines = [line for line in err.splitlines() if not line.startswith("{")]  # not log lines
    assert len(lines) == 1 and lines[0].startswith(
        "residency-gateway: the decision trail cannot be opened: trail database unreachable"), err
    started = [json.loads(line)["worker"] for line in err.splitlines()
               if '"worker_started"' in line]
    assert started == [0]


async def test_the_run_directory_is_kept_fresh_for_temporary_file_cleaners(tmp_path):
    """systemd-tmpfiles removes /tmp entries unused for days: the parent touches the workers'
    sockets and metric files so a gateway that runs for weeks keeps them."""
    from residency_gateway.gateway.workers import Fleet
    from residency_gateway.settings import Settings

    fleet = Fleet(Settings(), 2, lambda i: [], tmp_path)
    fleet.metrics_dir.mkdir()
    files = [tmp_path / "w0.sock", fleet.metrics_dir / "counter_1.db"]
    for path in [*files, tmp_path, fleet.metrics_dir]:
        path.touch()
        os.utime(path, (1_000_000, 1_000_000))
    task = asyncio.create_task(fleet.keep_fresh(every_s=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for path in [*files, tmp_path, fleet.metrics_dir]:
        assert path.stat().st_mtime > 1_000_000_000, path
