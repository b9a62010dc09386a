"""The witness answers add-checkpoint as c2sp.org/tlog-witness says, with either store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.merkle import EMPTY_ROOT, consistency_proof, root_of
from residency_gateway.audit.note import (
    ED25519,
    Checkpoint,
    Note,
    Verifier,
    parse_note,
    sign,
)
from residency_gateway.audit.signing import generate
from residency_gateway.audit.witness import submission_body
from residency_gateway.audit.witnessd import FileWitnessStore, PgWitnessStore, Witness
from tests.audit import c2sp_verifier as independent

ORIGIN = "example.test/log"
LOG_KEY = Ed25519PrivateKey.generate()
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(16)]


def note(size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = LOG_KEY,
         origin: str = ORIGIN, root: bytes | None = None) -> str:
    text = Checkpoint(origin, size, root if root is not None else root_of(leaves[:size])).text()
    return Note(text, (sign(text, origin, key),)).render()


def body(old: int, size: int, *, proof: list[bytes] | None = None, **kw) -> bytes:
    if proof is None:
        proof = consistency_proof(old, LEAVES[:size]) if 0 < old < size else []
    return submission_body(old, proof, note(size, **kw))


@pytest.fixture(params=["file", "postgres"])
async def witness(request, tmp_path: Path, pg_dsn: str):
    if request.param == "file":
        store = FileWitnessStore(tmp_path / "state")
    else:
        store = PgWitnessStore(pg_dsn)
    w = Witness("witness.test/w1", generate(tmp_path / "wkey"),
                [Verifier(ORIGIN, ED25519, LOG_KEY.public_key())], store, clock=lambda: 1700000000)
    await store.open()
    yield w
    await store.close()


async def test_the_add_checkpoint_sequence_of_answers(witness: Witness) -> None:
    other = Ed25519PrivateKey.generate()
    steps = [
        (b"garbage", 400, None),
        (body(0, 5, origin="other.test/log"), 404, None),
        (body(0, 5, key=other), 403, None),
        (body(0, 5), 200, None),
        (body(0, 8), 409, "5\n"),  # the client learns the cosigned size
        (body(5, 8), 200, None),
        (body(8, 8), 200, None),  # same size, same root: cosigned again
        (body(8, 8, root=b"\1" * 32), 422, None),  # same size, other root: a fork
        (body(9, 8), 400, None),  # old above the checkpoint
        (body(8, 10, proof=consistency_proof(8, LEAVES[:10])[:-1]), 422, None),  # bad proof
        (body(0, 6), 409, "8\n"),  # below what was cosigned: 409, counted as a roll-back
    ]
    for i, (request, status, text) in enumerate(steps):
        got_status, _, got = await witness.add_checkpoint(request)
        assert got_status == status, (i, got)
        if text is not None:
            assert got == text
    latest = await witness.store.get(ORIGIN)
    assert latest is not None and latest.size == 8
    # The monitoring view: log signature and our cosignature, readable by others.
    text, good = independent.open_note(latest.note, [
        Verifier(ORIGIN, ED25519, LOG_KEY.public_key()).vkey(), witness.verifier.vkey()])
    assert good == [(ORIGIN, 0), ("witness.test/w1", 1700000000)]
    assert parse_note(latest.note).text == text
    samples = {s.labels["result"]: s.value for m in witness.metrics.registry.collect()
               for s in m.samples if s.name == "rg_witness_checkpoints_total"}
    assert samples["cosigned"] == 3 and samples["fork"] == 1 and samples["rollback"] == 1
    assert samples["inconsistent"] == 1 and samples["bad_signature"] == 1


@pytest.mark.parametrize(("request_body", "status"), [
    (submission_body(0, [], note(0, root=b"\2" * 32)), 422),  # size 0 needs the empty root
    (submission_body(0, [], note(0, root=EMPTY_ROOT)), 200),
    (submission_body(0, [b"\0" * 32], note(4)), 422),  # old 0 takes no proof
    (submission_body(0, [b"\0" * 32] * 64, note(4)), 400),  # more than 63 proof lines
    (b"old 01\n\n" + note(4).encode(), 400),  # leading zero
])
async def test_first_submissions(witness: Witness, request_body: bytes, status: int) -> None:
    assert (await witness.add_checkpoint(request_body))[0] == status


async def test_racing_submissions_never_roll_the_witness_back(witness: Witness) -> None:
    assert (await witness.add_checkpoint(body(0, 4)))[0] == 200
    results = await asyncio.gather(*(witness.add_checkpoint(body(4, n)) for n in (9, 12, 6)))
    assert sorted(r[0] for r in results) == [200, 409, 409]
    latest = await witness.store.get(ORIGIN)
    assert latest is not None
    winner = next(n for n, r in zip((9, 12, 6), results, strict=True) if r[0] == 200)
    assert latest.size == winner
