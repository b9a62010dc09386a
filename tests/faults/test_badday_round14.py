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

import datetime as dt

import asyncpg
import pytest

from residency_gateway.audit.pgstore import PgTrail
from tests.audit.conftest import pg_dsn, sample_records, signer  # noqa: F401  (fixtures)

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
