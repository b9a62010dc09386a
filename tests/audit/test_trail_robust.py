"""The trail survives what callers hand it: records are encoded in the caller's task (an
unencodable record fails its caller, never the writer), append fails fast when no writer runs,
and the entry bytes are exactly the canonical JSON of the whole entry."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residency_gateway.audit import trail as trail_module
from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.records import canonical, entry_line
from residency_gateway.audit.trail import TrailUnavailable


@given(st.text(max_size=30), st.integers(min_value=0, max_value=2**53), st.text(max_size=64),
       st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4))
def test_entry_line_is_the_canonical_json_of_the_entry(log_id, seq, prev, record):
    try:
        expected = canonical({"log_id": log_id, "seq": seq, "prev": prev, "record": record})
    except UnicodeEncodeError:
        return  # lone surrogates: canonical() refuses them, and so does append()
    assert entry_line(log_id, seq, prev, canonical(record)) == expected


async def test_unencodable_record_fails_its_caller_and_the_writer_lives_on(tmp_path, signer):
    trail = FileTrail(tmp_path, "gw-a", signer)
    await trail.start()
    try:
        with pytest.raises(UnicodeEncodeError):
            await trail.append({"path": "/x\udcff"})
        with pytest.raises(ValueError):
            await trail.append({"duration": float("nan")})
        entries = await asyncio.gather(*(trail.append({"n": i}) for i in range(5)))
        assert [e.seq for e in entries] == [0, 1, 2, 3, 4]
        assert trail.running and trail.failed is None
    finally:
        await trail.close()


async def test_append_fails_fast_without_a_running_writer(tmp_path, signer):
    trail = FileTrail(tmp_path, "gw-a", signer)
    with pytest.raises(TrailUnavailable):
        await trail.append({"n": 0})  # never started
    await trail.start(spawn_writer=False)
    try:
        with pytest.raises(TrailUnavailable):
            await asyncio.wait_for(trail.append({"n": 0}), timeout=1)  # nobody runs the writer
        writer = asyncio.create_task(trail.writer())
        assert (await trail.append({"n": 1})).seq == 0
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        assert not trail.running
        with pytest.raises(TrailUnavailable):
            await asyncio.wait_for(trail.append({"n": 2}), timeout=1)  # the writer died
    finally:
        await trail.close()


class _CountingTrail(FileTrail):
    """A real file trail that remembers the size of each durable write."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    async def _persist(self, entries):  # type: ignore[no-untyped-def]
        self.batches.append(len(entries))
        await super()._persist(entries)


async def test_lazy_record_shares_the_next_commit_or_is_committed_soon_or_at_close(
        tmp_path, signer, monkeypatch):
    monkeypatch.setattr(trail_module, "LAZY_DELAY_S", 0.5)  # room for a busy machine
    trail = _CountingTrail(tmp_path, "gw-a", signer, checkpoint_every=10_000)
    await trail.start()
    try:
        # A completion nobody waits on, then a decision someone waits on: one durable write.
        lazy = trail.submit({"type": "completion", "n": 0}, lazy=True)
        await asyncio.sleep(0.05)  # the writer is idle meanwhile: it waits for company
        assert not lazy.done()
        urgent = await trail.append({"type": "decision", "n": 1})
        assert lazy.done() and lazy.result().seq == 0 and urgent.seq == 1
        assert trail.batches == [2]
        # Alone, it is committed within the lazy delay all the same.
        alone = trail.submit({"type": "completion", "n": 2}, lazy=True)
        assert (await asyncio.wait_for(alone, timeout=5)).seq == 2
        assert trail.batches == [2, 1]
        last = trail.submit({"type": "completion", "n": 3}, lazy=True)
    finally:
        await trail.close()  # closing commits what is queued, lazy or not
    assert last.done() and last.result().seq == 3
    lines = [ln for seg in sorted(tmp_path.glob("*/seg-*.jsonl"))
             for ln in seg.read_text().splitlines()]
    assert [json.loads(ln)["record"]["n"] for ln in lines] == [0, 1, 2, 3]


async def test_a_cancelled_appender_still_gets_its_entry_committed_and_the_writer_lives_on(
        tmp_path, signer):
    trail = FileTrail(tmp_path, "gw-a", signer)
    await trail.start()
    try:
        waiter = asyncio.create_task(trail.append({"n": 0}))
        await asyncio.sleep(0)  # queued
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        after = await trail.append({"n": 1})
        assert after.seq == 1 and trail.running and trail.failed is None
    finally:
        await trail.close()
    lines = [ln for seg in sorted(tmp_path.glob("*/seg-*.jsonl"))
             for ln in seg.read_text().splitlines()]
    assert [json.loads(ln)["record"]["n"] for ln in lines] == [0, 1]


async def _filled(tmp_path, signer, n: int, **kw) -> FileTrail:
    trail = FileTrail(tmp_path, "gw-a", signer, **kw)
    await trail.start()
    for i in range(n):
        await trail.append({"n": i})
    await trail.close()
    return trail


def _seq_of(trail: FileTrail) -> list[int]:
    return [json.loads(line)["seq"] for seg in sorted(trail.dir.glob("seg-*.jsonl"))
            for line in seg.read_bytes().splitlines() if line.startswith(b"{")]


@pytest.mark.parametrize("damage", [
    lambda line: b"#" + line[1:],  # one byte
    lambda line: b"\0" * len(line),  # a zeroed sector
    lambda line: line[:10] + b"\n",  # a line cut short in the middle of the file
    lambda line: b"[]\n",  # JSON, but no record
])
async def test_a_damaged_line_with_records_after_it_is_refused_not_cut(tmp_path, signer, damage):
    # (bad-day round 10: the restart cut the segment at the damage, destroying every durable
    # record after it, and said nothing)
    trail = await _filled(tmp_path, signer, 30)
    seg = sorted(trail.dir.glob("seg-*.jsonl"))[-1]
    whole = seg.read_bytes()
    lines = whole.splitlines(keepends=True)
    lines[10] = damage(lines[10])
    seg.write_bytes(b"".join(lines))
    before = seg.read_bytes()
    again = FileTrail(tmp_path, "gw-a", signer)
    with pytest.raises(TrailUnavailable, match=rf"{seg.name}: line 11 is damaged"):
        await again.start()
    assert seg.read_bytes() == before  # nothing was cut
    # and the log is not left held: restored from a copy, it opens and goes on
    seg.write_bytes(whole)
    restored = FileTrail(tmp_path, "gw-a", signer)
    await restored.start()
    try:
        assert (await restored.append({"n": 30})).seq == 30
    finally:
        await restored.close()


@pytest.mark.parametrize("tail", [
    b'{"log_id":"gw-a","seq":30,"pr',  # a last line without its line break
    b'{"log_id":"gw-a","seq":30,"pr\n\0\0\0\0',  # a half-flushed batch
    b"\0" * 4096,  # a zeroed page
])
async def test_a_torn_tail_is_cut_and_the_trail_goes_on(tmp_path, signer, tail):
    trail = await _filled(tmp_path, signer, 30)
    seg = sorted(trail.dir.glob("seg-*.jsonl"))[-1]
    whole = seg.read_bytes()
    seg.write_bytes(whole + tail)
    again = FileTrail(tmp_path, "gw-a", signer)
    await again.start()
    try:
        assert (await again.append({"n": 30})).seq == 30
    finally:
        await again.close()
    assert seg.read_bytes().startswith(whole)
    assert _seq_of(again) == list(range(31))


async def test_a_damaged_older_segment_recovery_must_read_is_refused_with_a_message(tmp_path,
                                                                                     signer):
    trail = FileTrail(tmp_path, "gw-a", signer, segment_max_bytes=600)
    await trail.start()
    await trail.append({"n": 0})
    await trail.checkpoint("test")
    early = (trail.dir / "checkpoints.jsonl").read_bytes()
    for i in range(1, 30):
        await trail.append({"n": i})
    await trail.close()
    # checkpoints rolled back to an early copy: recovery reads every segment after it, and
    # one of them is damaged at its first line
    (trail.dir / "checkpoints.jsonl").write_bytes(early)
    seg = sorted(trail.dir.glob("seg-*.jsonl"))[1]
    seg.write_bytes(b"#" + seg.read_bytes()[1:])
    with pytest.raises(TrailUnavailable, match="an entry cannot be read"):
        await FileTrail(tmp_path, "gw-a", signer, segment_max_bytes=600).start()
