"""Trust comes from the auditor: trust files, vkeys, and checkpoints whose note disagrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from residency_gateway.audit.export import verify_store
from residency_gateway.audit.note import COSIGNATURE_V1, ED25519, Verifier, origin_of
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import Signer, key_id_of
from residency_gateway.audit.sources import FileSource
from residency_gateway.audit.trust import TrustError, load_trust
from residency_gateway.cli import main

WITNESS = Verifier("w.test/w1", COSIGNATURE_V1, Ed25519PrivateKey.generate().public_key())


def test_a_trust_file_gives_log_keys_witnesses_and_a_quorum(tmp_path: Path, signer: Signer):
    log = Verifier(origin_of("gw-a"), ED25519, signer.public)
    f = tmp_path / "trust.txt"
    f.write_text(f"# auditor's trust\nlog-key {log.vkey()}\npublic-key signing\n\n"
                 f"witness {WITNESS.vkey()} http://127.0.0.1:1/\nwitness-quorum 1\n")
    trust = load_trust(trust_file=f)
    assert set(trust.log_keys) == {key_id_of(signer.public)}
    assert trust.witnesses == [WITNESS] and trust.witness_urls == {"w.test/w1":
                                                                   "http://127.0.0.1:1/"}


@pytest.mark.parametrize(("line", "message"), [
    ("log-key nonsense", "trust.txt:2: log-key: verifier key"),
    (f"log-key {WITNESS.vkey()}", "trust.txt:2: log-key: not a log key"),
    ("witness " + Verifier("l", ED25519, WITNESS.public).vkey(), "trust.txt:2: witness: not a "
     "cosigner key"),
    (f"witness {WITNESS.vkey()} ftp://x", "trust.txt:2: witness: 'ftp://x' is not an http"),
    ("witness-quorum two", "trust.txt:2: witness-quorum: 'two' is not a number"),
    ("trust-everyone yes", "trust.txt:2: trust-everyone: unknown statement"),
    ("log gw-a/../x", "trust.txt:2: log: expected one log id"),
    ("log", "trust.txt:2: log: expected one log id"),
    (f"witness {WITNESS.vkey()}\nwitness-quorum 2", "witness quorum 2 must be between 1 and"),
])
def test_bad_trust_statements_name_file_line_and_key(tmp_path: Path, line: str, message: str):
    f = tmp_path / "trust.txt"
    f.write_text(f"# header\n{line}\n")
    with pytest.raises(TrustError) as err:
        load_trust(trust_file=f)
    assert message in str(err.value)


async def test_bad_trust_file_exits_2(tmp_path: Path, file_store, capsys):
    root = await file_store(12)
    (tmp_path / "t.txt").write_text("nonsense\n")
    assert main(["audit", "verify", "--store", str(root), "--trust", str(tmp_path / "t.txt")]) == 2
    assert "t.txt:1: nonsense: unknown statement" in capsys.readouterr().err


async def test_the_logs_a_store_must_hold_come_from_the_cli_or_the_trust_file(
        tmp_path: Path, file_store, capsys):
    """`--expect-log` and trust-file `log` lines: a log the auditor names that the store does
    not hold (one worker's, deleted whole) is INVALID, exit 1; the others verify as before."""
    root = await file_store(12)  # one log, gw-a
    key = str(tmp_path / "signing")
    assert main(["audit", "verify", "--store", str(root), "--public-key", key,
                 "--expect-log", "gw-a"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--store", str(root), "--public-key", key,
                 "--expect-log", "gw-a", "--expect-log", "gw-b"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("INVALID") and "gw-b" in out and "missing" in out
    (tmp_path / "t.txt").write_text(f"public-key {key}\nlog gw-a\nlog gw-b\n")
    assert main(["audit", "verify", "--store", str(root), "--trust", str(tmp_path / "t.txt")]) \
        == 1
    assert load_trust(trust_file=tmp_path / "t.txt").expected_logs == ["gw-a", "gw-b"]


async def test_a_checkpoint_whose_note_disagrees_with_its_json_is_named(file_store, tmp_path,
                                                                        signer):
    root = await file_store(30)
    path = root / "gw-a" / "checkpoints.jsonl"
    cps = [json.loads(line) for line in path.read_text().splitlines()]
    # Re-sign the JSON (the operator has the key) around the note of another checkpoint.
    cps[1]["note"] = cps[2]["note"]
    cps[1] = signer.sign({k: v for k, v in cps[1].items() if k not in ("signature", "key_id")})
    path.write_text("".join(canonical(cp).decode() + "\n" for cp in cps))
    findings, _ = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert any("signed note does not match" in str(f) for f in findings), findings


async def test_verify_without_any_trusted_key_is_untrusted_json(file_store, capsys):
    root = await file_store(12)
    assert main(["audit", "verify", "--store", str(root), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["result"] == "UNTRUSTED" and "no trusted log key" in out["errors"][0]["message"]


async def test_an_empty_public_key_file_is_named_not_skipped(tmp_path: Path, file_store, capsys):
    """An empty .pub (an older version's key write cut by a full disk) among the auditor's
    keys: verify exits 2 naming it, not "signed by an unknown key" later. In the store's own
    keys directory (no --public-key) the finding names it too."""
    root = await file_store(12)
    key_dir = tmp_path / "signing"
    assert main(["audit", "verify", "--store", str(root), "--public-key", str(key_dir)]) == 0
    capsys.readouterr()
    empty = key_dir / "0000.pub"
    empty.write_bytes(b"")
    assert main(["audit", "verify", "--store", str(root), "--public-key", str(key_dir)]) == 2
    assert f"{empty}: holds no PEM public key (0 bytes)" in capsys.readouterr().err
    empty.unlink()
    stored = next(root.glob("*/keys/*.pub"))
    stored.write_bytes(b"\n")
    found = [str(f) for f in verify_store(FileSource(root), None)[0]]
    assert any(f"{stored}: holds no PEM public key (1 bytes)" in f for f in found), found
