"""Tampering with a store or an export is detected and named by `audit verify`."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from residency_gateway.audit.export import Filters, export_bundle, verify_bundle, verify_store
from residency_gateway.audit.filestore import list_segments
from residency_gateway.audit.note import checkpoint_note, origin_of
from residency_gateway.audit.pgstore import PgTrail
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import generate, load_public_keys
from residency_gateway.audit.sources import FileSource, PgSource
from residency_gateway.audit.trail import checkpoint_digest
from residency_gateway.cli import main
from tests.audit.conftest import fill, sample_records


def errors(findings):
    return [str(f) for f in findings if f.severity == "error"]


# -- operations on lists of lines (shared by the file store, the bundle and PostgreSQL) --------

def change_byte(lines: list[bytes]) -> list[bytes]:
    i = len(lines) // 2
    changed = lines[i].replace(b'"time":"2026', b'"time":"2027', 1)
    assert changed != lines[i]
    lines[i] = changed
    return lines


def delete_record(lines: list[bytes]) -> list[bytes]:
    del lines[len(lines) // 2]
    return lines


def insert_record(lines: list[bytes]) -> list[bytes]:
    i = len(lines) // 2
    forged = json.loads(lines[i])
    forged["record"]["tenant"] = "forged"
    lines.insert(i + 1, canonical(forged))
    return lines


def swap_records(lines: list[bytes]) -> list[bytes]:
    i = len(lines) // 2
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return lines


def truncate_tail(lines: list[bytes]) -> list[bytes]:
    return lines[:-3]


def resign(cp: dict, key) -> dict:
    return key.sign({k: v for k, v in cp.items() if k not in ("signature", "key_id")})


LINE_CASES = [
    (change_byte, ["does not chain", "differs from the signed checkpoint"]),
    (delete_record, ["are missing"]),
    (insert_record, ["appears after seq"]),
    (swap_records, ["appears after seq"]),
    (truncate_tail, ["but only"]),
]


def all_lines(root: Path) -> tuple[list[Path], list[list[bytes]]]:
    segs = list_segments(root / "gw-a")
    return segs, [s.read_bytes().splitlines() for s in segs]


def rewrite_store(root: Path, op) -> None:
    """Apply `op` to the store's lines as one sequence, then write them back per segment."""
    segs, per = all_lines(root)
    sizes = [len(p) for p in per]
    flat = op([line for part in per for line in part])
    pos = 0
    for seg, size in zip(segs, sizes, strict=True):
        take = size if seg is not segs[-1] else len(flat) - pos
        seg.write_bytes(b"".join(line + b"\n" for line in flat[pos:pos + take]))
        pos += take


def cp_path(root: Path) -> Path:
    return root / "gw-a" / "checkpoints.jsonl"


def forge_checkpoints(path: Path, how: str, legit, tmp: Path) -> None:
    cps = [json.loads(line) for line in path.read_bytes().splitlines()]
    if how == "unknown key":
        cps[-1] = resign(cps[-1], generate(tmp / "attacker"))
    else:  # rolled back: a properly signed, properly chained checkpoint of an older tree
        older = next(cp for cp in cps if cp["type"] == "checkpoint" and 0 < cp["tree_size"] <
                     cps[-1]["tree_size"])
        body = {**older, "index": cps[-1]["index"] + 1, "prev": checkpoint_digest(cps[-1]),
                "time": cps[-1]["time"], "reason": "interval"}
        body["note"] = checkpoint_note(legit.key, origin_of(body["log_id"]), body)
        cps.append(resign(body, legit))
    path.write_bytes(b"".join(canonical(cp) + b"\n" for cp in cps))


CHECKPOINT_CASES = [("unknown key", "signed by unknown key"),
                    ("rolled back", "rolls the log back")]


def trusted(tmp_path):
    return load_public_keys([tmp_path / "signing"])


# -- file store --------------------------------------------------------------------------------

@pytest.mark.parametrize(("op", "fragments"), LINE_CASES, ids=[c[0].__name__ for c in LINE_CASES])
async def test_file_store_tampering_is_named(file_store, tmp_path, op, fragments):
    root = await file_store(60)
    assert errors(verify_store(FileSource(root), trusted(tmp_path))[0]) == []
    rewrite_store(root, op)
    found = errors(verify_store(FileSource(root), trusted(tmp_path))[0])
    assert found, "tampering went unnoticed"
    assert any(f in e for e in found for f in fragments), found
    assert any(".jsonl:" in e for e in found)  # the location names file and line


async def test_missing_segment_is_named(file_store, tmp_path):
    root = await file_store(60)
    list_segments(root / "gw-a")[1].unlink()
    found = errors(verify_store(FileSource(root), trusted(tmp_path))[0])
    assert any("seg-000002.jsonl: segment file is missing" in e for e in found), found


@pytest.mark.parametrize(("how", "fragment"), CHECKPOINT_CASES)
async def test_file_store_forged_checkpoints_are_named(file_store, tmp_path, signer, how,
                                                       fragment):
    root = await file_store(60)
    forge_checkpoints(cp_path(root), how, signer, tmp_path)
    found = errors(verify_store(FileSource(root), trusted(tmp_path))[0])
    assert any(fragment in e and "checkpoints.jsonl:" in e for e in found), found


async def test_cli_verify_prints_valid_or_first_failure_and_exits(file_store, tmp_path, capsys):
    root = await file_store(30)
    key = str(tmp_path / "signing")
    assert main(["audit", "verify", "--store", str(root), "--public-key", key]) == 0
    assert capsys.readouterr().out.startswith("VALID")
    rewrite_store(root, delete_record)
    assert main(["audit", "verify", "--store", str(root), "--public-key", key]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALID") and "gw-a/seg-" in out


# -- export bundles ----------------------------------------------------------------------------

async def make_bundle(file_store, tmp_path, signer, filters=None) -> Path:
    root = await file_store(60)
    out = tmp_path / "bundle"
    export_bundle(FileSource(root), out, filters or Filters(), signer, csv_too=True)
    return out


async def test_untouched_bundle_verifies_offline(file_store, tmp_path, signer):
    out = await make_bundle(file_store, tmp_path, signer)
    assert errors(verify_bundle(out, trusted(tmp_path))) == []
    filtered = tmp_path / "b2"
    export_bundle(FileSource(tmp_path / "trail"), filtered, Filters(tenant="acme"), signer)
    assert errors(verify_bundle(filtered, trusted(tmp_path))) == []


@pytest.mark.parametrize(("op", "fragments"), LINE_CASES, ids=[c[0].__name__ for c in LINE_CASES])
async def test_bundle_tampering_is_named(file_store, tmp_path, signer, op, fragments):
    out = await make_bundle(file_store, tmp_path, signer)
    path = out / "logs" / "gw-a" / "entries.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in op(path.read_bytes().splitlines())))
    found = errors(verify_bundle(out, trusted(tmp_path)))
    assert any("differs from the manifest" in e for e in found)
    assert any(f in e for e in found for f in fragments), found


async def test_filtered_bundle_record_change_fails_its_inclusion_proof(file_store, tmp_path,
                                                                       signer):
    out = await make_bundle(file_store, tmp_path, signer, Filters(origin="CN"))
    path = out / "logs" / "gw-a" / "entries.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in change_byte(path.read_bytes().splitlines())))
    found = errors(verify_bundle(out, trusted(tmp_path)))
    assert any("is not included in the tree signed by checkpoint" in e for e in found), found


@pytest.mark.parametrize(("how", "fragment"), CHECKPOINT_CASES)
async def test_bundle_forged_checkpoints_are_named(file_store, tmp_path, signer, how, fragment):
    out = await make_bundle(file_store, tmp_path, signer)
    forge_checkpoints(out / "logs" / "gw-a" / "checkpoints.jsonl", how, signer, tmp_path)
    found = errors(verify_bundle(out, trusted(tmp_path)))
    assert any(fragment in e for e in found), found


async def test_bundle_manifest_signed_by_another_key_is_refused(file_store, tmp_path, signer):
    out = await make_bundle(file_store, tmp_path, signer)
    other = generate(tmp_path / "other")
    import base64

    (out / "manifest.sig").write_text(base64.b64encode(
        other.sign_bytes((out / "manifest.json").read_bytes())).decode())
    found = errors(verify_bundle(out, trusted(tmp_path)))
    assert any("manifest signature is not valid" in e for e in found), found


# -- PostgreSQL --------------------------------------------------------------------------------

async def pg_store(pg_dsn, signer, n=60):
    await fill(PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=10), sample_records(n))


async def pg_apply(pg_dsn: str, op) -> None:
    """Rewrite the entries table as `op` would rewrite a file (as a superuser could)."""
    conn = await asyncpg.connect(pg_dsn)
    try:
        rows = await conn.fetch("SELECT line FROM rg_trail_entries WHERE log_id='gw-a' "
                                "ORDER BY seq")
        lines = op([bytes(r["line"]) for r in rows])
        async with conn.transaction():
            await conn.execute("ALTER TABLE rg_trail_entries DISABLE TRIGGER USER")
            await conn.execute("DELETE FROM rg_trail_entries WHERE log_id='gw-a'")
            # the table's key is (log_id, seq): a row's position is its seq column
            await conn.executemany("INSERT INTO rg_trail_entries (log_id, seq, line) VALUES "
                                   "('gw-a', $1, $2)", list(enumerate(lines)))
            await conn.execute("ALTER TABLE rg_trail_entries ENABLE TRIGGER USER")
    finally:
        await conn.close()


async def test_pg_store_is_append_only(pg_dsn, signer):
    await pg_store(pg_dsn, signer, 5)
    conn = await asyncpg.connect(pg_dsn)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE rg_trail_entries SET line = 'x'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM rg_trail_checkpoints")
    finally:
        await conn.close()
    assert errors(verify_store(await PgSource.aload(pg_dsn), trusted_pg(signer))[0]) == []


def trusted_pg(signer):
    return {signer.key_id: signer.public}


@pytest.mark.parametrize(("op", "fragments"), LINE_CASES, ids=[c[0].__name__ for c in LINE_CASES])
async def test_pg_store_tampering_is_named(pg_dsn, signer, op, fragments):
    await pg_store(pg_dsn, signer)
    assert errors(verify_store(await PgSource.aload(pg_dsn), trusted_pg(signer))[0]) == []
    await pg_apply(pg_dsn, op)
    found = errors(verify_store(await PgSource.aload(pg_dsn), trusted_pg(signer))[0])
    assert found and any(f in e for e in found for f in [*fragments, "does not chain"]), found
    assert any("gw-a@seq=" in e or "gw-a@checkpoint=" in e for e in found)


@pytest.mark.parametrize(("how", "fragment"), CHECKPOINT_CASES)
async def test_pg_forged_checkpoints_are_named(pg_dsn, signer, tmp_path, how, fragment):
    await pg_store(pg_dsn, signer)
    conn = await asyncpg.connect(pg_dsn)
    try:
        rows = await conn.fetch("SELECT body FROM rg_trail_checkpoints ORDER BY idx")
        path = tmp_path / "cps.jsonl"
        path.write_bytes(b"".join(r["body"].encode() + b"\n" for r in rows))
        forge_checkpoints(path, how, signer, tmp_path)
        async with conn.transaction():
            await conn.execute("ALTER TABLE rg_trail_checkpoints DISABLE TRIGGER USER")
            await conn.execute("DELETE FROM rg_trail_checkpoints")
            for line in path.read_bytes().splitlines():
                cp = json.loads(line)
                await conn.execute("INSERT INTO rg_trail_checkpoints VALUES ('gw-a', $1, $2)",
                                   cp["index"], line.decode())
            await conn.execute("ALTER TABLE rg_trail_checkpoints ENABLE TRIGGER USER")
    finally:
        await conn.close()
    found = errors(verify_store(await PgSource.aload(pg_dsn), trusted_pg(signer))[0])
    assert any(fragment in e for e in found), found


async def test_pg_export_bundle_verifies(pg_dsn, signer, tmp_path):
    await pg_store(pg_dsn, signer)
    out = tmp_path / "pg-bundle"
    export_bundle(await PgSource.aload(pg_dsn), out, Filters(cross_border_only=True), signer)
    assert errors(verify_bundle(out, {signer.key_id: signer.public})) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["decisions"] > 0
