"""`serve --workers 2` with each trail store: every worker's log is kept apart (its own
directory, its own `log_id` rows), and `audit verify` and `audit export` take all of them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from residency_gateway.cli import main
from tests.conftest import Processes
from tests.gateway.test_workers_functional import send, start, upstream


async def test_each_worker_keeps_its_own_log_in_a_file_store_and_the_tools_read_them_all(
        tmp_path, geo_db, processes, capsys, monkeypatch):
    await check(tmp_path, geo_db, processes, capsys, monkeypatch, None)


async def test_each_worker_keeps_its_own_log_in_postgresql_and_the_tools_read_them_all(
        tmp_path, geo_db, processes, capsys, monkeypatch, pg_dsn):
    await check(tmp_path, geo_db, processes, capsys, monkeypatch, pg_dsn)


async def cli(argv: list[str]) -> int:
    """The CLI in a thread: its PostgreSQL reads run their own event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, main, argv)


async def check(tmp_path: Path, geo_db: Path, processes: Processes,
                capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                dsn: str | None) -> None:
    env = {"RG_AUDIT_STORE": "postgres", "RG_AUDIT_PG_DSN": dsn} if dsn else {}
    data = tmp_path / "data"
    where = dsn or str(data / "trail")
    runner, url = await upstream()
    try:
        async with asyncio.timeout(120):
            gw = await start(processes, tmp_path, geo_db, url, **env)
            assert await send(gw.url, 120) == [(200, "sg")] * 120
            assert gw.terminate() == 0
    finally:
        await runner.cleanup()
    capsys.readouterr()
    assert await cli(["audit", "verify", "--store", where,
                 "--public-key", str(data / "keys" / "signing")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VALID") and "in 2 logs: gw-w0, gw-w1)" in out, out
    assert await cli(["audit", "export", "--store", where, "--data-dir", str(data),
                 "--out", str(tmp_path / "bundle")]) == 0
    assert "from 2 logs" in capsys.readouterr().out
    bundle = tmp_path / "bundle"
    assert sorted(p.name for p in (bundle / "logs").iterdir()) == ["gw-w0", "gw-w1"]
    decided = {log: [json.loads(line)["record"] for line in
                     (bundle / "logs" / log / "entries.jsonl").read_text().splitlines()]
               for log in ("gw-w0", "gw-w1")}
    counts = {log: sum(1 for r in records if r["type"] == "decision")
              for log, records in decided.items()}
    assert sum(counts.values()) == 120 and all(counts.values()), counts  # both served
    assert await cli(["audit", "verify", "--bundle", str(bundle),
                 "--public-key", str(data / "keys" / "signing")]) == 0
    capsys.readouterr()
    # a worker's vkey names its own log; with RG_WORKERS, `keys vkey` prints one per worker
    monkeypatch.setenv("RG_WORKERS", "2")
    monkeypatch.setenv("RG_LOG_ID", "gw")
    assert await cli(["keys", "vkey", "--data-dir", str(data)]) == 0
    vkeys = capsys.readouterr().out.splitlines()
    assert [v.split("+")[0] for v in vkeys] == ["residency-gateway/gw-w0",
                                                "residency-gateway/gw-w1"]
