"""Auditors' tools at scale: memory flat in the number of entries, PostgreSQL read in pages,
no progress output when not on a terminal."""

from __future__ import annotations

import asyncio
import tracemalloc
from pathlib import Path

import pytest

from residency_gateway.audit.export import Filters, export_bundle, verify_bundle, verify_store
from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.pgstore import PgTrail
from residency_gateway.audit.signing import Signer
from residency_gateway.audit.sources import FileSource, PgSource
from residency_gateway.cli import main
from tests.audit.conftest import fill, sample_records

RECORDS = sample_records(400)


def many(n: int) -> list[dict]:
    return [{**RECORDS[i % len(RECORDS)], "request_id": f"r{i}"} for i in range(n)]


async def store_of(root: Path, signer: Signer, n: int) -> Path:
    trail = FileTrail(root, "gw-a", signer, checkpoint_every=500)
    await fill(trail, many(n), batch=250)
    return root


def peak_kib(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


async def test_export_and_verify_memory_does_not_grow_with_the_entries(tmp_path, signer):
    small = await store_of(tmp_path / "s", signer, 1_500)
    large = await store_of(tmp_path / "l", signer, 6_000)
    keys = {signer.key_id: signer.public}
    peaks = {}
    for name, root in (("small", small), ("large", large)):
        out = tmp_path / f"bundle-{name}"
        peaks[name] = (
            peak_kib(lambda r=root, o=out: export_bundle(FileSource(r), o, Filters(), signer,
                                                         csv_too=True)),
            peak_kib(lambda o=out: verify_bundle(o, keys)),
            peak_kib(lambda r=root: verify_store(FileSource(r), keys)))
        assert [f for f in verify_bundle(out, keys) if f.severity == "error"] == []
    for s, lg in zip(peaks["small"], peaks["large"], strict=True):
        # Four times the entries, nowhere near four times the memory (a whole-list
        # implementation grows linearly: about 4x).
        assert lg < s * 1.6 + 512, peaks


async def pg_filled(pg_dsn: str, signer: Signer, n: int) -> None:
    trail = PgTrail(pg_dsn, "pg-a", signer, checkpoint_every=10)
    await fill(trail, many(n), batch=9)


def test_postgresql_entries_stream_in_pages_and_match_a_whole_read(pg_dsn, signer):
    asyncio.run(pg_filled(pg_dsn, signer, 47))
    paged = PgSource.connect(pg_dsn)
    paged.PAGE = 10
    whole = asyncio.run(PgSource.aload(pg_dsn))
    assert list(paged.entries("pg-a")) == list(whole.entries("pg-a"))
    assert len(list(paged.entries("pg-a"))) == 47
    assert paged.checkpoints("pg-a") == whole.checkpoints("pg-a")
    findings, count = verify_store(paged, {signer.key_id: signer.public})
    assert count == 47 and [f for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("command", ["verify", "report"])
async def test_no_progress_output_when_not_on_a_terminal(tmp_path, signer, capsys, command):
    root = await store_of(tmp_path / "t", signer, 300)
    key = str(tmp_path / "signing")
    args = (["audit", "verify", "--store", str(root), "--public-key", key]
            if command == "verify" else
            ["audit", "report", "--store", str(root), "--public-key", key, "--out",
             str(tmp_path / "r.html")])
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no bar, no carriage returns
    assert captured.out.count("\n") == 1
