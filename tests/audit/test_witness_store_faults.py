"""A witness's file store on a bad day (the class bad-day round 12 found in the trail): its
LOCK deleted (taken back), replaced while another process holds the new one (nothing
cosigned, 503 problem+json), a state file that is no regular file (503, no hang), and a
FIFO as LOCK at start (refused)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from residency_gateway.audit.note import ED25519, Verifier
from residency_gateway.audit.signing import generate
from residency_gateway.audit.witness import origin_hash
from residency_gateway.audit.witnessd import FileWitnessStore, Witness, witness_app
from tests.audit.test_witness import LOG_KEY, ORIGIN, body


@pytest.fixture
async def witness(tmp_path: Path):
    store = FileWitnessStore(tmp_path / "state")
    w = Witness("witness.test/w1", generate(tmp_path / "wkey"),
                [Verifier(ORIGIN, ED25519, LOG_KEY.public_key())], store, clock=lambda: 1700000000)
    await store.open()
    yield w
    await store.close()


def state_dir(w: Witness) -> Path:
    assert isinstance(w.store, FileWitnessStore)
    return w.store.dir


async def test_a_deleted_lock_is_taken_back_and_cosigning_goes_on(witness: Witness) -> None:
    assert (await witness.add_checkpoint(body(0, 4)))[0] == 200
    (state_dir(witness) / "LOCK").unlink()
    assert (await witness.add_checkpoint(body(4, 8)))[0] == 200
    lock = state_dir(witness) / "LOCK"
    assert lock.is_file()
    fd = os.open(lock, os.O_RDWR)
    try:  # held again by the witness: a second process cannot take it
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


async def test_a_lock_another_process_took_stops_cosigning(witness: Witness) -> None:
    assert (await witness.add_checkpoint(body(0, 4)))[0] == 200
    lock = state_dir(witness) / "LOCK"
    lock.unlink()
    other = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)  # a second witness's LOCK
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        before = {p.name: p.read_bytes() for p in state_dir(witness).glob("*.json")}
        status, ctype, text = await witness.add_checkpoint(body(4, 8))
        assert status == 503 and ctype == "application/problem+json"
        assert json.loads(text)["reason"] == "witness_store_unavailable"
        after = {p.name: p.read_bytes() for p in state_dir(witness).glob("*.json")}
        assert after == before  # nothing cosigned, nothing written
    finally:
        os.close(other)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
async def test_a_state_file_that_is_no_regular_file_is_a_prompt_503(witness: Witness,
                                                                   kind: str) -> None:
    assert (await witness.add_checkpoint(body(0, 4)))[0] == 200
    (state,) = state_dir(witness).glob("*.json")
    state.unlink()
    if kind == "fifo":
        os.mkfifo(state)
    else:
        state.mkdir()
    status, ctype, _ = await witness.add_checkpoint(body(4, 8))
    assert (status, ctype) == (503, "application/problem+json")


@pytest.mark.parametrize("kind", ["fifo", "directory"])
async def test_a_lock_that_is_no_regular_file_refuses_the_start(tmp_path: Path,
                                                               kind: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    if kind == "fifo":
        os.mkfifo(state / "LOCK")
    else:
        (state / "LOCK").mkdir()
    with pytest.raises(OSError):
        await FileWitnessStore(state).open()


async def test_over_http_a_store_it_cannot_read_is_a_503_problem(tmp_path: Path) -> None:
    """A real witness server on loopback: a state file that became a named pipe answers the
    checkpoint lookup and a submission with 503 problem+json, never hangs, never a plain 500."""
    store = FileWitnessStore(tmp_path / "state")
    w = Witness("witness.test/w1", generate(tmp_path / "wkey"),
                [Verifier(ORIGIN, ED25519, LOG_KEY.public_key())], store, clock=lambda: 1700000000)
    server = TestServer(witness_app(w), host="127.0.0.1")
    async with TestClient(server) as client:
        async with client.post("/add-checkpoint", data=body(0, 4)) as r:
            assert r.status == 200
        (state,) = store.dir.glob("*.json")
        state.unlink()
        os.mkfifo(state)
        async with client.get(f"/{origin_hash(ORIGIN)}/checkpoint") as r:
            assert r.status == 503 and r.content_type == "application/problem+json"
            assert (await r.json())["reason"] == "witness_store_unavailable"
        async with client.post("/add-checkpoint", data=body(4, 8)) as r:
            assert r.status == 503 and r.content_type == "application/problem+json"
