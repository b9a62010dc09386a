"""The trail's own files, and the files auditors' tools read, as a bad day leaves them
(bad-day round 12): a named pipe, a symlink to one, a device or a directory where a segment,
the checkpoint chain, LOCK, a policy version or the trust file belongs is refused at once,
naming the file, never read or opened for writing until the end of time; a public key or
policy version left empty by a full disk is repaired, and a failure to store one refuses
the start or the key rotation; a LOCK deleted under a running trail is taken back when
nothing else wrote the log, and otherwise the trail refuses to append."""

from __future__ import annotations

import asyncio
import errno
import json
import os
from pathlib import Path

import pytest

from residency_gateway import files
from residency_gateway.audit import filestore
from residency_gateway.audit.export import verify_store
from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.signing import generate, public_pem
from residency_gateway.audit.sources import FileSource
from residency_gateway.audit.trail import TrailUnavailable
from residency_gateway.audit.trust import TrustError, load_trust
from residency_gateway.files import read_regular

LOG = "gw-a"
BOUND_S = 5


def make_kind(path: Path, kind: str) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "fifo-link":
        target = path.with_name(f"{path.name}.target")
        os.mkfifo(target)
        path.symlink_to(target)
    elif kind == "device":
        path.symlink_to("/dev/null")
    elif kind == "directory":
        path.mkdir()


KINDS = ["fifo", "fifo-link", "device", "directory"]


async def a_log(tmp_path: Path, signer, n: int = 3, **kwargs) -> FileTrail:
    trail = FileTrail(tmp_path, LOG, signer, **kwargs)
    await trail.start()
    for i in range(n):
        await trail.append({"n": i})
    await trail.close()
    return trail


def test_a_file_larger_than_the_bound_is_refused_by_its_size_before_a_byte_is_read(
        tmp_path, monkeypatch):
    big = tmp_path / "sparse"
    with big.open("wb") as fh:
        fh.truncate(2 << 30)

    def no_read(*_a):
        raise AssertionError("read before the size was checked")

    monkeypatch.setattr(files.os, "read", no_read)
    with pytest.raises(OSError) as info:
        read_regular(big, 1 << 20)
    assert info.value.errno == errno.EFBIG and "sparse" in str(info.value)


@pytest.mark.parametrize("which", ["segment", "checkpoints", "LOCK"])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_start_on_a_non_regular_trail_file_is_refused_at_once(tmp_path, signer, which,
                                                                     kind):
    await a_log(tmp_path, signer)
    log_dir = tmp_path / LOG
    path = {"segment": log_dir / "seg-000001.jsonl", "LOCK": log_dir / "LOCK",
            "checkpoints": log_dir / "checkpoints.jsonl"}[which]
    make_kind(path, kind)
    trail = FileTrail(tmp_path, LOG, signer)
    with pytest.raises((OSError, TrailUnavailable)) as info:
        await asyncio.wait_for(trail.start(), BOUND_S)
    assert path.name in str(info.value)
    await trail.close()


@pytest.mark.parametrize("kind", ["fifo", "fifo-link", "directory"])
async def test_the_next_segment_or_the_chain_turned_non_regular_while_running(tmp_path, signer,
                                                                             kind):
    trail = FileTrail(tmp_path, LOG, signer, segment_max_bytes=400)
    await trail.start()
    try:
        await trail.append({"n": 0, "pad": "x" * 300})
        log_dir = tmp_path / LOG
        make_kind(log_dir / "seg-000002.jsonl", kind)
        with pytest.raises(TrailUnavailable):
            await asyncio.wait_for(trail.append({"n": 1, "pad": "x" * 300}), BOUND_S)
        make_kind(log_dir / "checkpoints.jsonl", kind)
        with pytest.raises((OSError, TrailUnavailable)):
            await asyncio.wait_for(trail.checkpoint("test"), BOUND_S)
    finally:
        await asyncio.wait_for(trail.close(), BOUND_S)


async def test_an_empty_or_wrong_public_key_beside_the_log_is_repaired(tmp_path, signer):
    await a_log(tmp_path, signer)
    pub = tmp_path / LOG / "keys" / f"{signer.key_id}.pub"
    want = public_pem(signer.public)
    for broken in (b"", want[:20], public_pem(generate(tmp_path / "other").public)):
        pub.write_bytes(broken)
        await a_log(tmp_path, signer, n=1)
        assert pub.read_bytes() == want
    assert not [p for p in pub.parent.iterdir() if p.name.endswith(".tmp")]


async def test_a_public_key_that_cannot_be_stored_refuses_the_start(tmp_path, signer):
    await a_log(tmp_path, signer)
    pub = tmp_path / LOG / "keys" / f"{signer.key_id}.pub"
    pub.unlink()
    pub.mkdir()
    trail = FileTrail(tmp_path, LOG, signer)
    with pytest.raises(TrailUnavailable) as info:
        await trail.start()
    assert pub.name in str(info.value)
    await trail.close()


async def test_a_rotation_whose_public_key_cannot_be_stored_keeps_the_old_key(
        tmp_path, signer, monkeypatch):
    trail = FileTrail(tmp_path, LOG, signer)
    await trail.start()
    try:
        await trail.append({"n": 0})
        new = generate(tmp_path / "signing", make_current=False)

        def full(path, data, mode=0o644):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(filestore, "write_durable", full)
        with pytest.raises(TrailUnavailable):
            await trail.rotated_key(new)
        assert trail.signer.key_id == signer.key_id
        assert not (tmp_path / LOG / "keys" / f"{new.key_id}.pub").exists()
        monkeypatch.undo()
        await trail.rotated_key(new)
        assert trail.signer.key_id == new.key_id
        assert (tmp_path / LOG / "keys" / f"{new.key_id}.pub").read_bytes() == \
            public_pem(new.public)
    finally:
        await trail.close()


async def test_an_empty_policy_version_is_repaired(tmp_path, signer):
    trail = FileTrail(tmp_path, LOG, signer)
    await trail.store_policy("abc", '{"x": 1}')
    path = tmp_path / "policies" / "abc.json"
    path.write_bytes(b"")
    await trail.store_policy("abc", '{"x": 1}')
    assert path.read_text() == '{"x": 1}'


async def test_a_deleted_lock_is_taken_back_when_nothing_else_wrote_the_log(tmp_path, signer):
    trail = FileTrail(tmp_path, LOG, signer)
    await trail.start()
    try:
        await trail.append({"n": 0})
        (tmp_path / LOG / "LOCK").unlink()
        assert (await trail.append({"n": 1})).seq == 1
        assert (tmp_path / LOG / "LOCK").exists()
        second = FileTrail(tmp_path, LOG, signer)
        with pytest.raises(TrailUnavailable, match="held by another process"):
            await second.start()
        await second.close()
    finally:
        await trail.close()


@pytest.mark.parametrize("how", ["second-writer", "replaced"])
async def test_a_lost_lock_refuses_appends_and_the_chain_does_not_fork(tmp_path, signer, how):
    first = FileTrail(tmp_path, LOG, signer)
    await first.start()
    second = None
    try:
        await first.append({"n": 0})
        lock = tmp_path / LOG / "LOCK"
        lock.unlink()
        if how == "second-writer":
            second = FileTrail(tmp_path, LOG, signer)
            await second.start()
            assert (await second.append({"by": "second"})).seq == 1
        else:  # a restore put another file there
            lock.write_bytes(b"")
        with pytest.raises(TrailUnavailable):
            await first.append({"by": "first"})
        with pytest.raises(TrailUnavailable):  # (and so is every later one)
            await first.append({"by": "first"})
    finally:
        await first.close()  # its shutdown checkpoint is refused too
        if second is not None:
            await second.close()
    seqs = [json.loads(line)["seq"] for seg in sorted((tmp_path / LOG).glob("seg-*"))
            for line in seg.read_bytes().splitlines()]
    assert seqs == sorted(set(seqs))
    chain = tmp_path / LOG / "checkpoints.jsonl"
    indexes = [json.loads(line)["index"] for line in
               (chain.read_bytes().splitlines() if chain.exists() else [])]
    assert indexes == list(range(len(indexes)))
    findings, _ = verify_store(FileSource(tmp_path), {signer.key_id: signer.public})
    assert [str(f) for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("kind", KINDS)
async def test_a_non_regular_policy_version_is_an_error_naming_it(tmp_path, signer, kind):
    await a_log(tmp_path, signer)
    bad = tmp_path / "policies" / "0000deadbeef.json"
    bad.parent.mkdir(exist_ok=True)
    make_kind(bad, kind)
    with pytest.raises(OSError) as info:
        await asyncio.wait_for(asyncio.to_thread(FileSource(tmp_path).policies), BOUND_S)
    assert bad.name in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_non_regular_trust_file_is_a_usage_error(tmp_path, kind):
    trust = tmp_path / "trust.txt"
    make_kind(trust, kind)
    with pytest.raises(TrustError) as info:
        await asyncio.wait_for(asyncio.to_thread(load_trust, trust_file=trust), BOUND_S)
    assert trust.name in str(info.value)
