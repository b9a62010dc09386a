"""Bad-day round 14, PostgreSQL trail at restart (real PostgreSQL): what the file store refuses
or says since round 13, the PostgreSQL store now refuses or says too.

- checkpoint rows of another copy of this log (another environment's backup of
  rg_trail_checkpoints restored, two stores merged under one log id): refused at start, since
  resuming from them would sign roots mixed from two logs;
- entries a signed checkpoint covers deleted past the triggers while the gateway was stopped,
  the newest rows kept: refused at start (only "all entries gone" was before);
- every checkpoint row deleted while stopped: logged as trail_checkpoints_missing (a crash
  before the first checkpoint looks the same, so it is said, not refused)."""

from __future__ import annotations

import asyncpg
import pytest
from structlog.testing import capture_logs

from residency_gateway.audit.pgstore import PgTrail
from residency_gateway.audit.trail import TrailUnavailable
from tests.audit.conftest import pg_dsn, sample_records, signer  # noqa: F401  (fixtures)


async def _filled(dsn: str, log_id: str, signer, n: int = 9, checkpoint_at=(3, 6)) -> None:  # noqa: F811
    trail = PgTrail(dsn, log_id, signer, checkpoint_every=1000)
    await trail.start()
    try:
        for i, r in enumerate(sample_records(n)):
            await trail.append(r)
            if i + 1 in checkpoint_at:
                await trail.checkpoint("test")
    finally:
        await trail.close()


async def _start(dsn: str, log_id: str, signer) -> PgTrail:  # noqa: F811
    trail = PgTrail(dsn, log_id, signer, checkpoint_every=1000)
    try:
        await trail.start()
    except BaseException:
        await trail.close()
        raise
    return trail


async def _sql(dsn: str, *statements: tuple[str, tuple]) -> None:
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


async def test_a_clean_restart_resumes_and_says_nothing(pg_dsn, signer):  # noqa: F811
    await _filled(pg_dsn, "gw-a", signer)
    with capture_logs() as logs:
        trail = await _start(pg_dsn, "gw-a", signer)
    try:
        await trail.append(sample_records(10)[9])  # and writes on
    finally:
        await trail.close()
    assert not [e for e in logs if e.get("log_level") in ("warning", "error")]


@pytest.mark.parametrize("copy_from", ["other environment", "same log, other run"])
async def test_checkpoints_of_another_copy_of_this_log_refuse_the_start(pg_dsn, signer,  # noqa: F811
                                                                        copy_from):
    """Another store's gw-a (different records: another environment, or this log's earlier
    run on another database) wrote checkpoints; they are restored over this store's."""
    await _filled(pg_dsn, "gw-a", signer)
    foreign_records = sample_records(12)[3:] if copy_from == "other environment" \
        else list(reversed(sample_records(9)))
    trail = PgTrail(pg_dsn, "gw-x", signer, checkpoint_every=1000)
    await trail.start()
    try:
        for i, r in enumerate(foreign_records[:9]):
            await trail.append(r)
            if i + 1 in (3, 6):
                await trail.checkpoint("test")
    finally:
        await trail.close()
    # the foreign rows as the other store wrote them: its log id is gw-a there
    await _sql(pg_dsn,
               ("DELETE FROM rg_trail_checkpoints WHERE log_id = 'gw-a'", ()),
               ("UPDATE rg_trail_checkpoints SET log_id = 'gw-a', body = replace(body, "
                "'\"log_id\":\"gw-x\"', '\"log_id\":\"gw-a\"') WHERE log_id = 'gw-x'", ()))
    with pytest.raises(TrailUnavailable, match="does not match this log's entries"):
        await _start(pg_dsn, "gw-a", signer)


async def test_checkpoints_naming_another_log_id_refuse_the_start(pg_dsn, signer):  # noqa: F811
    await _filled(pg_dsn, "gw-a", signer)
    await _sql(pg_dsn, ("UPDATE rg_trail_checkpoints SET body = replace(body, "
                        "'\"log_id\":\"gw-a\"', '\"log_id\":\"gw-z\"') WHERE log_id = 'gw-a'",
                        ()))
    with pytest.raises(TrailUnavailable, match="log 'gw-z'"):
        await _start(pg_dsn, "gw-a", signer)


@pytest.mark.parametrize("deleted", [(5, 5), (3, 5), (0, 5), (4, 4)])
async def test_signed_entries_deleted_while_stopped_refuse_the_start(pg_dsn, signer,  # noqa: F811
                                                                     deleted):
    """Checkpoint #1 signed 6 entries (seq 0-5); rows inside it are deleted, the newer rows
    (seq 6-8) kept. The entry at seq 5 (the newest checkpoint's last leaf) gone, or an older
    one: either way the trail does not start on a log with a hole a signature covers."""
    await _filled(pg_dsn, "gw-a", signer)
    first, last = deleted
    await _sql(pg_dsn, ("DELETE FROM rg_trail_entries WHERE log_id = 'gw-a' AND seq BETWEEN "
                        "$1 AND $2", (first, last)))
    with pytest.raises(TrailUnavailable, match="is gone from the PostgreSQL store"):
        trail = await _start(pg_dsn, "gw-a", signer)
        await trail.close()


async def test_every_checkpoint_row_deleted_while_stopped_is_said(pg_dsn, signer):  # noqa: F811
    await _filled(pg_dsn, "gw-a", signer)
    await _sql(pg_dsn, ("DELETE FROM rg_trail_checkpoints WHERE log_id = 'gw-a'", ()))
    with capture_logs() as logs:
        trail = await _start(pg_dsn, "gw-a", signer)
    await trail.close()
    said = [e for e in logs if e["event"] == "trail_checkpoints_missing"]
    assert said and said[0]["log_level"] == "warning" and said[0]["entries"] == 9
