"""Our checkpoints are C2SP signed notes: spec vectors, and an independent verifier reads ours."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from residency_gateway.audit.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    NoteError,
    Verifier,
    cosign,
    origin_of,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    sign,
    verify_note,
)
from residency_gateway.audit.signing import Signer
from tests.audit import c2sp_verifier as independent

# c2sp.org/signed-note, "Example".
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6Tf"
             "Xppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
# golang.org/x/mod/sumdb/note, note_test.go: a signer key (type byte + Ed25519 seed) and the note
# it produces (Ed25519 is deterministic, so our signer must reproduce it byte for byte).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = GO_TEXT + ("\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
                     "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
# c2sp.org/tlog-checkpoint, the example's note text.
SPEC_CHECKPOINT = ("example.com/behind-the-sofa\n20852163\n"
                   "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")


def go_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert seed[0] == ED25519
    return Ed25519PrivateKey.from_private_bytes(seed[1:])


def test_spec_example_note_verifies_with_the_spec_vkey() -> None:
    v = parse_vkey(SPEC_VKEY)
    assert v.name == "example.com/foo" and v.vkey() == SPEC_VKEY
    note = parse_note(SPEC_NOTE)
    assert note.text == "This is an example message.\n"
    assert [x.verifier.name for x in verify_note(note, [v])] == ["example.com/foo"]
    assert independent.open_note(SPEC_NOTE, [SPEC_VKEY])[0] == note.text


def test_our_signer_reproduces_the_go_sumdb_note_byte_for_byte() -> None:
    key = go_key()
    assert Verifier("PeterNeumann", ED25519, key.public_key()).vkey() == GO_VKEY
    note = parse_note(GO_TEXT + "\n" + sign(GO_TEXT, "PeterNeumann", key).line())
    assert note.render() == GO_NOTE
    verify_note(parse_note(GO_NOTE), [parse_vkey(GO_VKEY)])


@pytest.mark.parametrize("mangle", [
    lambda s: s.replace("example message", "example massage"),  # text changed
    lambda s: s.replace("Ztg1ER", "Ztg1EX"),  # signature changed
])
def test_a_changed_note_is_rejected_by_both_implementations(mangle) -> None:
    bad = mangle(SPEC_NOTE)
    with pytest.raises(NoteError):
        verify_note(parse_note(bad), [parse_vkey(SPEC_VKEY)])
    with pytest.raises(independent.Rejected):
        independent.open_note(bad, [SPEC_VKEY])


def test_signatures_by_unknown_keys_are_ignored_but_some_known_one_is_needed() -> None:
    other = Verifier("example.com/foo", ED25519, Ed25519PrivateKey.generate().public_key())
    assert verify_note(parse_note(SPEC_NOTE), [other]) == []  # same name, other id: ignored
    with pytest.raises(independent.Rejected):
        independent.open_note(SPEC_NOTE, [other.vkey()])
    # A changed key id makes it someone else's signature: ignored, so nothing verifies.
    assert verify_note(parse_note(SPEC_NOTE.replace("Uw2QO", "Uw2QP")), [parse_vkey(SPEC_VKEY)]) == []


def test_spec_checkpoint_example_parses() -> None:
    cp = parse_checkpoint(SPEC_CHECKPOINT)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert cp.text() == SPEC_CHECKPOINT
    assert independent.read_checkpoint(SPEC_CHECKPOINT)[1] == 20852163


@pytest.mark.parametrize("text", [
    "o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # leading zero
    "o\n12\nshort\n",  # not a 32-byte hash
    "o\n12\n",  # two lines
    "o\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n",  # empty extension line
])
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


def test_cosignature_v1_verifies_independently() -> None:
    witness = Ed25519PrivateKey.generate()
    wv = Verifier("witness.example/w1", COSIGNATURE_V1, witness.public_key())
    note = parse_note(GO_NOTE).with_signatures([cosign(GO_TEXT, wv.name, witness, 1679315147)])
    text, good = independent.open_note(note.render(), [GO_VKEY, wv.vkey()])
    assert text == GO_TEXT
    assert good == [("PeterNeumann", 0), ("witness.example/w1", 1679315147)]
    got = verify_note(note, [wv])
    assert [(g.verifier.name, g.timestamp) for g in got] == [("witness.example/w1", 1679315147)]


async def test_trail_checkpoints_are_notes_an_independent_verifier_accepts(
        file_store, signer: Signer) -> None:
    root: Path = await file_store(n=25)
    vkey = Verifier(origin_of("gw-a"), ED25519, signer.public).vkey()
    lines = (root / "gw-a" / "checkpoints.jsonl").read_text().splitlines()
    cps = [json.loads(line) for line in lines]
    assert len(cps) >= 3
    for cp in cps:
        text, good = independent.open_note(cp["note"], [vkey])
        origin, size, root_hash, ext = independent.read_checkpoint(text)
        assert (origin, size, root_hash.hex()) == ("residency-gateway/gw-a", cp["tree_size"],
                                                   cp["root"])
        assert ext == [f"index {cp['index']}", f"time {cp['time']}", f"prev {cp['prev']}"]
        assert good == [("residency-gateway/gw-a", 0)]
    assert Checkpoint("residency-gateway/gw-a", 0, b"\0" * 32).text().startswith("residency")


def test_vkeys_whose_base64_contains_a_plus_parse() -> None:
    # transparency-dev/formats note tests: the key material's base64 contains '+'.
    v = parse_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert v.name == "TEST" and v.vkey() == "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
    assert independent.parse_vkey(v.vkey())[0] == "TEST"
