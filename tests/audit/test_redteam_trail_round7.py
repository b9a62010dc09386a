"""Red team, round 7: an insider against the decision trail and `audit verify` / `audit export`.

Each test is one attack. It passes where the trail holds (the tampering is DETECTED: an error
finding, exit 1, or a clear exit 2 for unreadable input) and is a strict xfail, with the reason
starting UNDETECTED, where verify still says VALID. Two attackers: one with write access to the
data dir but not to the signing key, and one who also holds the signing key but not the
witnesses' keys.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from residency_gateway.audit.export import (
    Filters,
    WitnessCheck,
    export_bundle,
    verify_bundle,
    verify_store,
)
from residency_gateway.audit.filestore import FileTrail, list_segments
from residency_gateway.audit.note import (
    COSIGNATURE_V1,
    Verifier,
    cosign,
    origin_of,
    parse_note,
)
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import Signer, generate, load_public_keys, public_pem
from residency_gateway.audit.sources import FileSource
from tests.audit.conftest import fill, sample_records

LOG = "gw-a"


def errors(findings) -> list[str]:
    return [str(f) for f in findings if f.severity == "error"]


def cps_of(root: Path, log: str = LOG) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / log / "checkpoints.jsonl").read_bytes()
            .splitlines()]


def store_errors(root: Path, keys, check: WitnessCheck | None = None) -> list[str]:
    return errors(verify_store(FileSource(root), keys, check)[0])


async def build(root: Path, signer: Signer, records: list[dict[str, Any]], log: str = LOG,
                batch: int = 7, **kwargs: Any) -> Path:
    opts = {"segment_max_bytes": 12_000, "checkpoint_every": 10, **kwargs}
    await fill(FileTrail(root, log, signer, **opts), records, batch)
    return root


def keys_of(signer: Signer) -> dict:
    return {signer.key_id: signer.public}


# -- witnesses, simulated: a trusted cosigner key and what it answers when asked ---------------

WITNESS = "witness.example/w1"


def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b"w" * 32)


def cosigned(cp: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
    """The checkpoint's signed note with the witness's cosignature added."""
    key = key or witness_key()
    note = parse_note(cp["note"])
    return note.with_signatures([cosign(note.text, WITNESS, key, 1_790_000_000)]).render()


def online_witness(notes: list[str]) -> WitnessCheck:
    """A witness with a URL: verify asks it for its newest cosigned checkpoint."""
    verifier = Verifier(WITNESS, COSIGNATURE_V1, witness_key().public_key())

    def ask(log_id: str) -> list[tuple[str, str]]:
        return [(f"witness {WITNESS}", n) for n in notes
                if n.startswith(origin_of(log_id) + "\n")]

    return WitnessCheck([verifier], 1, ask, 1)


def rechain(lines: list[bytes]) -> list[bytes]:
    """Re-link `prev` of every entry after an edit (anyone can: it is a plain hash)."""
    from residency_gateway.audit.chain import GENESIS, leaf_hash

    out, prev = [], GENESIS
    for line in lines:
        obj = json.loads(line)
        obj["prev"] = prev
        new = canonical(obj)
        out.append(new)
        prev = leaf_hash(new).hex()
    return out


def rewrite_entries(root: Path, op, log: str = LOG) -> None:
    segs = list_segments(root / log)
    per = [s.read_bytes().splitlines() for s in segs]
    flat = op([line for part in per for line in part])
    pos = 0
    for seg, part in zip(segs, per, strict=True):
        take = len(part) if seg is not segs[-1] else len(flat) - pos
        seg.write_bytes(b"".join(line + b"\n" for line in flat[pos:pos + take]))
        pos += take


def forge_tenant(lines: list[bytes], seq: int) -> list[bytes]:
    obj = json.loads(lines[seq])
    obj["record"]["tenant"] = "forged"
    lines[seq] = canonical(obj)
    return rechain(lines)


def cli_verify(args: list[str], timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "residency_gateway", "audit", "verify", *args],
                          capture_output=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


@pytest.fixture
async def store(tmp_path: Path, signer: Signer) -> Path:
    return await build(tmp_path / "trail", signer, sample_records(60))


# == Store layout =============================================================================

async def test_a_stray_checkpoints_file_at_the_trail_root_does_not_hide_the_logs(
        store: Path, signer: Signer):
    """`FileSource` took any directory holding a checkpoints.jsonl (or a seg-*.jsonl) for one log
    directory: an empty file dropped at the trail root made verify check a log named after
    the root, with 0 entries, and ignore every real log (VALID, exit 0)."""
    rewrite_entries(store, lambda lines: forge_tenant(lines, 5))
    (store / "checkpoints.jsonl").write_bytes(b"")
    found = store_errors(store, keys_of(signer))
    assert any("does not chain" in e or "differs from the signed" in e for e in found), found


async def test_a_stray_segment_at_the_trail_root_does_not_hide_the_logs(store: Path,
                                                                        signer: Signer):
    rewrite_entries(store, lambda lines: [*lines[:-1], lines[-1].replace(b"2026", b"2027", 1)])
    (store / "seg-000001.jsonl").write_bytes(b"")
    assert store_errors(store, keys_of(signer))


async def test_a_decoy_log_directory_inside_the_verified_log_is_named(store: Path,
                                                                       signer: Signer):
    """The auditor points --store at one log directory; a decoy log directory made inside it
    must not become what is verified instead."""
    rewrite_entries(store, lambda lines: forge_tenant(lines, 5))
    (store / LOG / "decoy").mkdir()
    (store / LOG / "decoy" / "checkpoints.jsonl").write_bytes(b"")
    r = cli_verify(["--store", str(store / LOG), "--public-key",
                    str(signer_dir(signer, store))])
    assert r.returncode == 1 and r.stdout.startswith(b"INVALID"), r.stdout


async def test_an_emptied_trail_directory_is_not_valid(store: Path, signer: Signer):
    """`rm -rf trail/*`: nothing is left to verify, which must not read VALID."""
    for child in store.iterdir():
        shutil.rmtree(child)
    r = cli_verify(["--store", str(store), "--public-key", str(signer_dir(signer, store))])
    assert r.returncode != 0 and not r.stdout.startswith(b"VALID"), r.stdout


def signer_dir(signer: Signer, store: Path) -> Path:
    d = store.parent / "pinned-keys"
    d.mkdir(exist_ok=True)
    (d / f"{signer.key_id}.pub").write_bytes(public_pem(signer.public))
    return d


async def test_deleting_one_whole_log_is_detected_when_the_auditor_names_the_logs(
        tmp_path: Path, signer: Signer):
    """Deleting one worker's whole log leaves every other log consistent, and witnesses are
    asked only about the logs that are there: without a list of the logs that must exist it
    verified VALID. The auditor names them (--expect-log, or `log` lines in a trust file)."""
    root = tmp_path / "trail"
    await build(root, signer, sample_records(30), log="gw-a")
    await build(root, signer, sample_records(30), log="gw-b")
    witness = online_witness([cosigned(cps_of(root, "gw-a")[-1]),
                              cosigned(cps_of(root, "gw-b")[-1])])
    expected = ["gw-a", "gw-b"]
    assert errors(verify_store(FileSource(root), keys_of(signer), witness,
                               expected=expected)[0]) == []
    shutil.rmtree(root / "gw-b")
    found = errors(verify_store(FileSource(root), keys_of(signer), witness,
                               expected=expected)[0])
    assert any("gw-b" in e and "missing" in e for e in found), found
    # (unnamed, it is still not seen: the option is what makes it visible)
    assert store_errors(root, keys_of(signer), witness) == []


# == Entries and checkpoints (no signing key) ================================================

async def test_a_duplicated_key_in_an_entry_is_detected(store: Path, signer: Signer):
    def dup(lines: list[bytes]) -> list[bytes]:
        lines[7] = lines[7][:-1] + b',"seq":7}'
        return lines

    rewrite_entries(store, dup)
    assert store_errors(store, keys_of(signer))


async def test_a_checkpoint_line_with_a_duplicated_key_is_detected(store: Path, signer: Signer):
    """A checkpoints.jsonl line is parsed (last key wins) and the parsed dict is checked: a
    line that says `"tree_size":999` first and the real size second verified VALID, though a
    first-key-wins reader (other tooling) sees another tree. Written lines are canonical."""
    path = store / LOG / "checkpoints.jsonl"
    lines = path.read_bytes().splitlines()
    lines[-1] = b'{"tree_size":999,' + lines[-1][1:]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    assert store_errors(store, keys_of(signer))


async def test_cross_log_checkpoint_replay_is_detected(tmp_path: Path, signer: Signer):
    root = tmp_path / "trail"
    await build(root, signer, sample_records(30), log="gw-a")
    await build(root, signer, sample_records(30), log="gw-b")
    shutil.copy(root / "gw-b" / "checkpoints.jsonl", root / "gw-a" / "checkpoints.jsonl")
    assert any("belongs to log 'gw-b'" in e for e in store_errors(root, keys_of(signer)))


async def test_replaying_an_old_checkpoint_at_the_end_is_detected(store: Path, signer: Signer):
    path = store / LOG / "checkpoints.jsonl"
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"".join(line + b"\n" for line in [*lines, lines[2]]))
    assert any("does not follow" in e for e in store_errors(store, keys_of(signer)))


async def test_swapping_two_segments_is_detected(store: Path, signer: Signer):
    a, b = list_segments(store / LOG)[1:3]
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    assert store_errors(store, keys_of(signer))


async def test_inserting_a_whole_segment_is_detected(store: Path, signer: Signer):
    segs = list_segments(store / LOG)
    shutil.copy(segs[1], store / LOG / "seg-000099.jsonl")
    assert store_errors(store, keys_of(signer))


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design without witnesses): deleting "
                   "checkpoints.jsonl leaves every entry uncovered; verify warns 'no signed "
                   "checkpoint covers this log' and says VALID, so entries rewritten (prev "
                   "re-chained) pass")
async def test_deleting_the_checkpoints_then_rewriting_entries_is_detected(store: Path,
                                                                           signer: Signer):
    (store / LOG / "checkpoints.jsonl").unlink()
    rewrite_entries(store, lambda lines: forge_tenant(lines, 5))
    assert store_errors(store, keys_of(signer))


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design without witnesses): cutting the "
                   "last signed checkpoints off checkpoints.jsonl turns the entries they covered "
                   "into 'not yet covered' (a warning): those entries can then be rewritten and "
                   "verify says VALID")
async def test_dropping_the_last_checkpoints_then_editing_entries_is_detected(
        store: Path, signer: Signer):
    path = store / LOG / "checkpoints.jsonl"
    lines = path.read_bytes().splitlines()
    keep = lines[:2]
    path.write_bytes(b"".join(line + b"\n" for line in keep))
    rewrite_entries(store, lambda lines: forge_tenant(lines, 50))
    assert store_errors(store, keys_of(signer))


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design without witnesses): a roll-back "
                   "to an earlier signed checkpoint (entries and checkpoints cut back together) "
                   "is a consistent older trail; verify says VALID with no warning")
async def test_rollback_to_an_earlier_checkpoint_without_witnesses(store: Path, signer: Signer):
    rollback(store, 3)
    assert store_errors(store, keys_of(signer))


def rollback(store: Path, keep_checkpoints: int) -> int:
    path = store / LOG / "checkpoints.jsonl"
    lines = path.read_bytes().splitlines()[:keep_checkpoints]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    size = json.loads(lines[-1])["tree_size"]
    rewrite_entries(store, lambda entries: entries[:size])
    for seg in list_segments(store / LOG):
        if not seg.read_bytes():
            seg.unlink()
    return size


async def test_rollback_is_detected_by_an_online_witness(store: Path, signer: Signer):
    newest = cps_of(store)[-1]
    rollback(store, 3)
    found = store_errors(store, keys_of(signer), online_witness([cosigned(newest)]))
    assert any("rolled back: witnesses saw size" in e for e in found), found


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design): a forged entry appended after "
                   "the last signed checkpoint, correctly chained, is only a warning ('1 entries "
                   "after the last signed checkpoint are not yet covered'); VALID, exit 0")
async def test_a_forged_entry_appended_after_the_last_checkpoint(store: Path, signer: Signer):
    def append(lines: list[bytes]) -> list[bytes]:
        obj = json.loads(lines[-1])
        obj["seq"] += 1
        obj["record"]["tenant"] = "forged"
        return rechain([*lines, canonical(obj)])

    rewrite_entries(store, append)
    findings, _ = verify_store(FileSource(store), keys_of(signer))
    assert any(f.severity == "warning" and "not yet covered" in f.message for f in findings)
    assert errors(findings)


async def test_an_attacker_key_kept_beside_the_log_is_not_trusted(store: Path, signer: Signer,
                                                                  tmp_path: Path):
    """verify never trusts `<trail>/<log>/keys/*.pub`: a rewritten trail re-signed by a key the
    insider put there is signed by an unknown key."""
    attacker = generate(tmp_path / "attacker")
    records = sample_records(60)
    records[5]["tenant"] = "forged"
    forged = await build(tmp_path / "forged", attacker, records)
    shutil.rmtree(store / LOG)
    shutil.copytree(forged / LOG, store / LOG)
    assert (store / LOG / "keys" / f"{attacker.key_id}.pub").exists()
    r = cli_verify(["--store", str(store), "--public-key", str(signer_dir(signer, store))])
    assert r.returncode == 1 and b"signed by unknown key" in r.stdout, r.stdout


# == Trusted keys =============================================================================

@pytest.mark.xfail(strict=True, reason="UNDETECTED: `--public-key <dir>` trusts every *.pub in "
                   "the directory, and the README's example points it at the data dir's "
                   "keys/signing: an insider who can write there drops in their own public key, "
                   "re-signs a rewritten trail and verify says VALID")
async def test_an_attacker_key_beside_the_signing_key_is_not_trusted(tmp_path: Path,
                                                                     signer: Signer):
    data_keys = tmp_path / "signing"  # the signer fixture's directory: the data dir's keys
    attacker = generate(tmp_path / "attacker")
    (data_keys / f"{attacker.key_id}.pub").write_bytes(public_pem(attacker.public))
    records = sample_records(60)
    records[5]["tenant"] = "forged"
    root = await build(tmp_path / "trail", attacker, records)
    assert store_errors(root, load_public_keys([data_keys]))


async def test_an_attacker_key_is_caught_by_an_online_witness(tmp_path: Path, signer: Signer):
    honest = await build(tmp_path / "honest", signer, sample_records(60))
    witnessed_cp = cps_of(honest)[-1]
    attacker = generate(tmp_path / "attacker")
    records = sample_records(60)
    records[5]["tenant"] = "forged"
    forged = await build(tmp_path / "trail", attacker, records)
    keys = {**keys_of(signer), **keys_of(attacker)}  # the attacker's key got trusted too
    found = store_errors(forged, keys, online_witness([cosigned(witnessed_cp)]))
    assert any("fork" in e for e in found), found


# == The signing key held, witnesses' keys not ==============================================

async def forged_fork(tmp_path: Path, signer: Signer) -> tuple[Path, dict[str, Any]]:
    """An honest trail and a re-signed fork of it (one record changed, checkpoints at other
    sizes); returns the fork and an honest checkpoint whose size the fork has no checkpoint
    at (what the witness cosigned)."""
    honest = await build(tmp_path / "honest", signer, sample_records(60), checkpoint_every=10)
    records = sample_records(60)
    records[5]["tenant"] = "forged"
    fork = await build(tmp_path / "fork", signer, records, batch=5)
    fork_sizes = {cp.get("tree_size") for cp in cps_of(fork)}
    witnessed_cp = next(cp for cp in reversed(cps_of(honest))
                        if cp.get("tree_size") not in fork_sizes and cp.get("tree_size", 0) > 5)
    return fork, witnessed_cp


async def test_a_forked_store_is_caught_by_an_online_witness(tmp_path: Path, signer: Signer):
    fork, witnessed_cp = await forged_fork(tmp_path, signer)
    found = store_errors(fork, keys_of(signer), online_witness([cosigned(witnessed_cp)]))
    assert any("fork" in e for e in found), found


async def test_a_forked_complete_bundle_is_caught_by_an_online_witness(tmp_path: Path,
                                                                       signer: Signer):
    fork, witnessed_cp = await forged_fork(tmp_path, signer)
    export_bundle(FileSource(fork), tmp_path / "bundle", Filters(), signer)
    found = errors(verify_bundle(tmp_path / "bundle", keys_of(signer),
                                 online_witness([cosigned(witnessed_cp)])))
    assert any("fork" in e for e in found), found


async def test_a_forked_filtered_bundle_is_caught_by_an_online_witness(tmp_path: Path,
                                                                       signer: Signer):
    """A filtered (subject, tenant) export carries inclusion proofs into the fork's own signed
    checkpoints: nothing tied them to the witnessed tree when the witness's size is not one of
    the bundle's checkpoint sizes, and verify said VALID."""
    fork, witnessed_cp = await forged_fork(tmp_path, signer)
    export_bundle(FileSource(fork), tmp_path / "bundle", Filters(tenant="forged"), signer)
    assert json.loads((tmp_path / "bundle" / "manifest.json").read_bytes())["counts"]["entries"]
    found = errors(verify_bundle(tmp_path / "bundle", keys_of(signer),
                                 online_witness([cosigned(witnessed_cp)])))
    assert found


async def test_an_honest_filtered_bundle_and_store_stay_valid_with_an_online_witness(
        store: Path, signer: Signer, tmp_path: Path):
    """No false alarm: the witness cosigned one of the log's own checkpoints."""
    witness = online_witness([cosigned(cps_of(store)[3]), cosigned(cps_of(store)[-1])])
    assert store_errors(store, keys_of(signer), witness) == []
    export_bundle(FileSource(store), tmp_path / "bundle", Filters(tenant="acme"), signer)
    assert errors(verify_bundle(tmp_path / "bundle", keys_of(signer), witness)) == []


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design): a filtered export proves each "
                   "record it holds is in the signed tree, not that it holds every record the "
                   "filter matches; the key holder can leave one out and re-sign the manifest")
async def test_the_key_holder_omitting_a_record_from_a_filtered_export(store: Path,
                                                                       signer: Signer,
                                                                       tmp_path: Path):
    out = tmp_path / "bundle"
    export_bundle(FileSource(store), out, Filters(tenant="acme"), signer)
    entries = out / "logs" / LOG / "entries.jsonl"
    proofs = out / "logs" / LOG / "proofs.jsonl"
    entries.write_bytes(b"".join(line + b"\n" for line in entries.read_bytes().splitlines()[1:]))
    proofs.write_bytes(b"".join(line + b"\n" for line in proofs.read_bytes().splitlines()[1:]))
    manifest = json.loads((out / "manifest.json").read_bytes())
    manifest["logs"][LOG]["entries"] -= 1
    manifest["counts"]["entries"] -= 1
    for name in ("entries.jsonl", "proofs.jsonl"):
        import hashlib

        manifest["files"][f"logs/{LOG}/{name}"] = hashlib.sha256(
            (out / "logs" / LOG / name).read_bytes()).hexdigest()
    data = canonical(manifest)
    (out / "manifest.json").write_bytes(data)
    (out / "manifest.sig").write_text(base64.b64encode(signer.sign_bytes(data)).decode() + "\n")
    assert errors(verify_bundle(out, keys_of(signer)))


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design: deleting a pseudonym key "
                   "crypto-shreds): an insider who swaps a tenant's pseudonym key file makes a "
                   "right-of-access export (--subject) find none of that person's records; the "
                   "bundle holds 0 entries and verifies VALID, nothing says a key changed")
async def test_a_swapped_pseudonym_key_empties_a_subject_export(store: Path, signer: Signer,
                                                                tmp_path: Path):
    from residency_gateway.audit.keys import PseudonymKeys
    from residency_gateway.cli.audit import subject_pseudonyms
    from tests.audit.conftest import PSEUDONYM_KEY
    from tests.helpers import ADULT_ID

    keys = tmp_path / "pkeys"
    (keys / "pseudonym").mkdir(parents=True)
    (keys / "pseudonym" / "acme.key").write_bytes(PSEUDONYM_KEY)
    honest = Filters(subject_pseudonyms=subject_pseudonyms(ADULT_ID, PseudonymKeys(keys)))
    assert export_bundle(FileSource(store), tmp_path / "honest", honest, signer).selected > 0
    (keys / "pseudonym" / "acme.key").write_bytes(bytes(range(90, 122)))  # the insider's swap
    swapped = Filters(subject_pseudonyms=subject_pseudonyms(ADULT_ID, PseudonymKeys(keys)))
    result = export_bundle(FileSource(store), tmp_path / "bundle", swapped, signer)
    found = errors(verify_bundle(tmp_path / "bundle", keys_of(signer)))
    assert result.selected > 0 or found


# == Bundles, no key ==========================================================================

async def test_a_log_added_to_a_bundle_is_detected(store: Path, signer: Signer, tmp_path: Path):
    out = tmp_path / "bundle"
    export_bundle(FileSource(store), out, Filters(tenant="acme"), signer)
    shutil.copytree(out / "logs" / LOG, out / "logs" / "gw-z")
    assert any("not listed" in e for e in errors(verify_bundle(out, keys_of(signer))))


async def test_a_log_removed_from_a_bundle_is_detected(store: Path, signer: Signer,
                                                       tmp_path: Path):
    out = tmp_path / "bundle"
    export_bundle(FileSource(store), out, Filters(tenant="acme"), signer)
    shutil.rmtree(out / "logs" / LOG)
    assert errors(verify_bundle(out, keys_of(signer)))


# == verify's own robustness: clear error and exit 2 (or INVALID), never a hang ===============

def fifo_in_place_of(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("target", ["checkpoints", "segment", "cosigned"])
async def test_a_fifo_in_the_store_is_a_clear_error_not_a_hang(store: Path, signer: Signer,
                                                               target: str):
    log = store / LOG
    if target == "checkpoints":
        fifo_in_place_of(log / "checkpoints.jsonl")
    elif target == "segment":
        fifo_in_place_of(list_segments(log)[-1])
    else:
        (log / "cosigned.jsonl").write_bytes(b"")
        fifo_in_place_of(log / "cosigned.jsonl")
    wkey = witness_key().public_key()
    vkey = Verifier(WITNESS, COSIGNATURE_V1, wkey).vkey()
    r = cli_verify(["--store", str(store), "--public-key", str(signer_dir(signer, store)),
                    "--witness", vkey], timeout=60)
    assert r.returncode in (1, 2) and not r.stdout.startswith(b"VALID"), r
    assert b"Traceback" not in r.stderr, r.stderr


async def test_a_segment_linked_to_dev_zero_is_a_clear_error_not_a_hang(store: Path,
                                                                         signer: Signer):
    seg = list_segments(store / LOG)[-1]
    seg.unlink()
    seg.symlink_to("/dev/zero")
    r = cli_verify(["--store", str(store), "--public-key", str(signer_dir(signer, store))],
                   timeout=60)
    assert r.returncode in (1, 2) and b"Traceback" not in r.stderr, r


@pytest.mark.parametrize("target", ["manifest.json", f"logs/{LOG}/entries.jsonl"])
async def test_a_fifo_in_a_bundle_is_a_clear_error_not_a_hang(store: Path, signer: Signer,
                                                              tmp_path: Path, target: str):
    out = tmp_path / "bundle"
    export_bundle(FileSource(store), out, Filters(), signer)
    fifo_in_place_of(out / target)
    r = cli_verify(["--bundle", str(out), "--public-key", str(signer_dir(signer, store))],
                   timeout=60)
    assert r.returncode in (1, 2) and b"Traceback" not in r.stderr, r


async def test_binary_garbage_and_a_huge_line_are_invalid(store: Path, signer: Signer):
    segs = list_segments(store / LOG)
    segs[1].write_bytes(bytes(range(256)) * 20 + b"\n")
    with segs[-1].open("ab") as fh:
        fh.write(b"{" * (8 << 20) + b"\n")
    r = cli_verify(["--store", str(store), "--public-key", str(signer_dir(signer, store))],
                   timeout=120)
    assert r.returncode == 1 and r.stdout.startswith(b"INVALID"), r


# == PostgreSQL ===============================================================================

async def pg_exec(dsn: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("ALTER TABLE rg_trail_entries DISABLE TRIGGER USER")
            await conn.execute("ALTER TABLE rg_trail_checkpoints DISABLE TRIGGER USER")
            for sql, args in statements:
                await conn.execute(sql, *args)
            await conn.execute("ALTER TABLE rg_trail_entries ENABLE TRIGGER USER")
            await conn.execute("ALTER TABLE rg_trail_checkpoints ENABLE TRIGGER USER")
    finally:
        await conn.close()


async def pg_filled(pg_dsn: str, signer: Signer) -> None:
    from residency_gateway.audit.pgstore import PgTrail

    await fill(PgTrail(pg_dsn, LOG, signer, checkpoint_every=10), sample_records(40))


async def pg_errors(pg_dsn: str, signer: Signer) -> list[str]:
    from residency_gateway.audit.sources import PgSource

    return errors(verify_store(await PgSource.aload(pg_dsn), keys_of(signer))[0])


async def test_pg_a_row_copied_past_a_gap_in_seq_is_detected(pg_dsn: str, signer: Signer):
    await pg_filled(pg_dsn, signer)
    await pg_exec(pg_dsn, ("INSERT INTO rg_trail_entries (log_id, seq, line) SELECT log_id, "
                           "1000, line FROM rg_trail_entries WHERE log_id = $1 AND seq = 10",
                           (LOG,)))
    assert any("appears after" in e for e in await pg_errors(pg_dsn, signer))


async def test_pg_rows_renumbered_to_reorder_them_is_detected(pg_dsn: str, signer: Signer):
    await pg_filled(pg_dsn, signer)
    await pg_exec(pg_dsn,
                  ("UPDATE rg_trail_entries SET seq = -1 WHERE log_id = $1 AND seq = 5", (LOG,)),
                  ("UPDATE rg_trail_entries SET seq = 5 WHERE log_id = $1 AND seq = 6", (LOG,)),
                  ("UPDATE rg_trail_entries SET seq = 6 WHERE log_id = $1 AND seq = -1", (LOG,)))
    assert await pg_errors(pg_dsn, signer)


async def test_pg_a_non_canonical_checkpoint_body_is_detected(pg_dsn: str, signer: Signer):
    await pg_filled(pg_dsn, signer)
    await pg_exec(pg_dsn, ("UPDATE rg_trail_checkpoints SET body = '{\"tree_size\":1,' || "
                           "substr(body, 2) WHERE log_id = $1 AND idx = 2", (LOG,)))
    assert any("canonical" in e for e in await pg_errors(pg_dsn, signer))


async def test_pg_an_entry_of_another_log_under_this_log_id_is_detected(pg_dsn: str,
                                                                          signer: Signer):
    await pg_filled(pg_dsn, signer)
    await pg_exec(pg_dsn, ("UPDATE rg_trail_entries SET line = convert_to(replace(convert_from("
                           "line, 'UTF8'), '\"log_id\":\"gw-a\"', '\"log_id\":\"gw-b\"'), "
                           "'UTF8') WHERE log_id = $1 AND seq = 3", (LOG,)))
    assert await pg_errors(pg_dsn, signer)


@pytest.mark.xfail(strict=True, reason="UNDETECTED (by design without witnesses): DELETE of the "
                   "newest rows and checkpoints (as a superuser, triggers off) is a consistent "
                   "older trail")
async def test_pg_delete_of_the_newest_rows_and_checkpoints(pg_dsn: str, signer: Signer):
    await pg_filled(pg_dsn, signer)
    from residency_gateway.audit.sources import PgSource

    src = await PgSource.aload(pg_dsn)
    keep = src.checkpoints(LOG)[2][1]
    await pg_exec(pg_dsn,
                  ("DELETE FROM rg_trail_checkpoints WHERE log_id = $1 AND idx > $2",
                   (LOG, keep["index"])),
                  ("DELETE FROM rg_trail_entries WHERE log_id = $1 AND seq >= $2",
                   (LOG, keep["tree_size"])))
    assert await pg_errors(pg_dsn, signer)
