"""The file trail: chain, checkpoints, rotation, recovery, retention, crypto-shredding."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from residency_gateway.audit.export import verify_store
from residency_gateway.audit.filestore import FileTrail, list_segments, read_checkpoints
from residency_gateway.audit.signing import load_public_keys
from residency_gateway.audit.sources import FileSource
from residency_gateway.audit.trail import TrailUnavailable
from residency_gateway.settings import Settings
from tests.audit.conftest import fill, sample_records


def errors(findings):
    return [str(f) for f in findings if f.severity == "error"]


async def test_untouched_store_verifies_with_the_public_key(file_store, signer, tmp_path):
    root = await file_store(60)
    findings, count = verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))
    assert errors(findings) == [] and count == 60
    assert len(list_segments(root / "gw-a")) >= 3  # rotated by size
    cps = [cp for _, cp in read_checkpoints(root / "gw-a")]
    assert cps[-1]["reason"] == "shutdown" and cps[-1]["tree_size"] == 60
    assert {"segment", "interval"} <= {cp["reason"] for cp in cps}


async def test_entries_chain_and_carry_sequence(file_store):
    root = await file_store(12)
    lines = [json.loads(line) for seg in list_segments(root / "gw-a")
             for line in seg.read_text().splitlines()]
    assert [e["seq"] for e in lines] == list(range(12))
    assert lines[0]["prev"] == "0" * 64 and all(e["log_id"] == "gw-a" for e in lines)


async def test_torn_last_line_is_cut_and_the_chain_continues(tmp_path, signer):
    root = tmp_path / "trail"
    await fill(FileTrail(root, "gw-a", signer, checkpoint_every=1000), sample_records(5))
    seg = list_segments(root / "gw-a")[-1]
    with seg.open("ab") as fh:
        fh.write(b'{"log_id":"gw-a","seq":5,"prev":"ab')  # a crash mid-write
    trail = FileTrail(root, "gw-a", signer, checkpoint_every=1000)
    await fill(trail, sample_records(3))
    findings, count = verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))
    assert errors(findings) == [] and count == 8


async def test_second_writer_of_one_log_is_refused(tmp_path, signer):
    first = FileTrail(tmp_path, "gw-a", signer)
    await first.start()
    try:
        with pytest.raises(TrailUnavailable, match="held by another process"):
            await FileTrail(tmp_path, "gw-a", signer).start()
    finally:
        await first.close()


async def test_key_rotation_keeps_old_checkpoints_verifiable(tmp_path, signer):
    from residency_gateway.audit.signing import generate

    root = tmp_path / "trail"
    await fill(FileTrail(root, "gw-a", signer, checkpoint_every=4), sample_records(10))
    new = generate(tmp_path / "signing")
    await fill(FileTrail(root, "gw-a", new, checkpoint_every=4), sample_records(10))
    cps = [cp for _, cp in read_checkpoints(root / "gw-a")]
    assert {cp["key_id"] for cp in cps} == {signer.key_id, new.key_id}
    findings, count = verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))
    assert errors(findings) == [] and count == 20
    only_new = load_public_keys([tmp_path / "signing" / f"{new.key_id}.pub"])
    assert any("unknown key" in e for e in errors(verify_store(FileSource(root), only_new)[0]))


async def test_retention_purges_whole_old_segments_with_a_signed_event(tmp_path, signer):
    root = tmp_path / "trail"
    old = sample_records(40, start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    new = sample_records(20, start=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    trail = FileTrail(root, "gw-a", signer, segment_max_bytes=12_000, checkpoint_every=10)
    await fill(trail, old + new)
    # (a later run purges: segments this run wrote are never purged, whatever their dates)
    trail = FileTrail(root, "gw-a", signer, segment_max_bytes=12_000, checkpoint_every=10)
    await trail.start()
    before = len(list_segments(root / "gw-a"))
    gone = await trail.purge(180, dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    await trail.close()
    assert gone and len(list_segments(root / "gw-a")) == before - len(gone)
    purge = [cp for _, cp in read_checkpoints(root / "gw-a") if cp["type"] == "purge"]
    assert purge and purge[0]["retention_days"] == 180 and purge[0]["key_id"] == signer.key_id
    findings, _ = verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))
    assert errors(findings) == []
    # the purged log keeps growing and still verifies after a restart
    await fill(FileTrail(root, "gw-a", signer, checkpoint_every=10), sample_records(5))
    assert errors(verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))[0]) == []


def test_retention_below_180_days_is_refused():
    with pytest.raises(ValidationError, match="legal minimum of 180 days"):
        Settings(audit_retention_days=179)
    assert Settings(audit_retention_days=180).audit_retention_days == 180


async def test_crypto_shredding_a_tenant_key_keeps_the_log_verifiable(tmp_path, signer):
    from residency_gateway.audit.keys import PseudonymKeys
    from residency_gateway.cli.audit import subject_pseudonyms
    from tests.helpers import ADULT_ID

    keys = PseudonymKeys(tmp_path / "keys")
    key = keys.get("acme")
    assert key is not None and len(key) == 32
    assert subject_pseudonyms(ADULT_ID, keys)
    assert keys.shred("acme")
    assert subject_pseudonyms(ADULT_ID, keys) == frozenset()
    root = tmp_path / "trail"
    await fill(FileTrail(root, "gw-a", signer), sample_records(10))
    assert errors(verify_store(FileSource(root), load_public_keys([tmp_path / "signing"]))[0]) == []


async def test_postgres_retention_purges_old_entries_with_a_signed_event(pg_dsn, signer):
    import asyncpg

    from residency_gateway.audit.pgstore import PgTrail
    from residency_gateway.audit.sources import PgSource

    trail = PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=10)
    await fill(trail, sample_records(45))
    conn = await asyncpg.connect(pg_dsn)
    try:  # the first 25 entries were written a year ago
        await conn.execute("ALTER TABLE rg_trail_entries DISABLE TRIGGER USER")
        await conn.execute("UPDATE rg_trail_entries SET recorded_at = now() - interval '365 days'"
                           " WHERE seq < 25")
        await conn.execute("ALTER TABLE rg_trail_entries ENABLE TRIGGER USER")
    finally:
        await conn.close()
    before = await PgSource.aload(pg_dsn)
    sizes = [cp["tree_size"] for _, cp in before.checkpoints("gw-a") if cp["type"] == "checkpoint"]
    boundary = max(n for n in sizes if 0 < n <= 25)  # the last signed boundary before the cutoff
    trail = PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=10)
    await trail.start()
    gone = await trail.purge(180, dt.datetime.now(dt.UTC))
    await trail.close()
    assert gone == [f"gw-a@seq<{boundary}"]
    keys = {signer.key_id: signer.public}
    source = await PgSource.aload(pg_dsn)
    findings, count = verify_store(source, keys)
    assert errors(findings) == [] and count == 45 - boundary
    assert [cp for _, cp in source.checkpoints("gw-a") if cp["type"] == "purge"]
    # and the log continues after a restart
    await fill(PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=10), sample_records(5))
    assert errors(verify_store(await PgSource.aload(pg_dsn), keys)[0]) == []


async def test_postgres_trail_serves_appends_while_a_purge_and_checkpoints_run(pg_dsn, signer):
    """The writer, the checkpoint timer and the retention purge never share one in-flight
    operation on the database connection (asyncpg refuses that: every append would fail)."""
    import asyncio

    from residency_gateway.audit.pgstore import PgTrail

    trail = PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=3)
    await trail.start()
    try:
        records = sample_records(60)

        async def appends():
            for record in records:
                await trail.append(record)

        async def purges():
            for _ in range(20):
                await trail.purge(180, dt.datetime.now(dt.UTC))
                await trail.checkpoint("test")

        await asyncio.gather(appends(), appends(), purges())
    finally:
        await trail.close()
    assert trail.frontier.size == 120
