"""The trail survives what callers hand it: records are encoded in the caller's task (an
unencodable record fails its caller, never the writer), append fails fast when no writer runs,
and the entry bytes are exactly the canonical JSON of the whole entry."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
