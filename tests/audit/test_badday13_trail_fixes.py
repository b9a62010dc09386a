"""The trail's files changed under a running gateway, foreign checkpoints, clock steps and TLS
files renewed in place (bad-day round 13), at unit level.

- the segment being written cut (logrotate copytruncate: same inode, fewer bytes), emptied or
  written by another program: the next write is refused (no record, no transfer), the cut file
  is never extended with zeros, one error names the file; restarted, the log continues from
  the signed frontier and says which entries are missing;
- checkpoints.jsonl deleted, emptied or replaced: refused likewise until it is put back as
  it was (a copy of the same bytes is accepted again);
- another log's checkpoints restored over this one: the start is refused naming the file,
  whether its newest checkpoint lies inside this log's entries or claims more than it holds;
- the wall clock stepped back: checkpoint times never go backwards and the store verifies;
- the wall clock far ahead: retention counts from the log's own time, and never purges a
  segment the running process wrote;
- TLS files renewed in place: their fingerprint changes, so a reload rebuilds the pools."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from residency_gateway.audit import trail as trail_mod
from residency_gateway.audit.export import verify_store
from residency_gateway.audit.filestore import FileTrail, list_segments, read_checkpoints
from residency_gateway.audit.sources import FileSource
from residency_gateway.audit.trail import TrailUnavailable
from tests.audit.conftest import fill, sample_records

LOG = "gw-a"


def errors(findings) -> list[str]:
    return [str(f) for f in findings if f.severity == "error"]


def events(logs: list[dict], name: str) -> list[dict]:
    return [e for e in logs if e.get("event") == name]


async def opened(root: Path, signer, **kw) -> FileTrail:
    t = FileTrail(root, LOG, signer, checkpoint_every=kw.pop("checkpoint_every", 4), **kw)
    await t.start()
    return t


# --- the segment being written changed under the trail ----------------------------------------

@pytest.mark.parametrize("cut", ["to-zero", "mid-record", "one-line", "grown"])
async def test_a_segment_changed_under_the_trail_refuses_the_next_write(cut, tmp_path, signer):
    root = tmp_path / "trail"
    t = await opened(root, signer)
    try:
        for r in sample_records(10):
            await t.append(r)
        seg = list_segments(root / LOG)[-1]
        data = seg.read_bytes()
        lines = data.splitlines(keepends=True)
        with seg.open("r+b") as fh:
            if cut == "to-zero":
                fh.truncate(0)
            elif cut == "mid-record":
                fh.truncate(len(data) // 2)
            elif cut == "one-line":  # a whole record gone, the file still well formed
                fh.truncate(len(data) - len(lines[-1]))
            else:
                fh.seek(0, os.SEEK_END)
                fh.write(lines[0])
        size = seg.stat().st_size
        size_before = t.frontier.size
        with capture_logs() as logs:
            for r in sample_records(3):
                with pytest.raises(TrailUnavailable):
                    await t.append(r)
        assert seg.stat().st_size == size  # nothing appended, never zero-extended
        assert t.frontier.size == size_before
        said = events(logs, "trail_file_changed_under_the_gateway")
        assert len(said) == 1 and said[0]["file"] == str(seg) and said[0]["log_level"] == "error"
        with pytest.raises((TrailUnavailable, OSError)):
            await t.checkpoint("test")  # nor is a checkpoint signed over the cut file
    finally:
        await t.close()


@pytest.mark.parametrize("cut", ["to-zero", "mid-record"])
async def test_after_a_cut_segment_the_restart_continues_from_the_signed_frontier(
        cut, tmp_path, signer):
    root = tmp_path / "trail"
    t = await opened(root, signer)
    for r in sample_records(12):
        await t.append(r)
    await t.close()  # (a shutdown checkpoint at 12)
    seg = list_segments(root / LOG)[-1]
    whole = seg.read_bytes()  # (what logrotate copied away)
    keep = 0 if cut == "to-zero" else len(whole) // 2
    with seg.open("r+b") as fh:
        fh.truncate(keep)
    kept_lines = len(whole[:keep].splitlines(keepends=True)) - (0 if cut == "to-zero" else 1)
    with capture_logs() as logs:
        t2 = await opened(root, signer)
    try:
        missing = events(logs, "trail_entries_missing")
        assert len(missing) == 1 and missing[0]["last_missing_seq"] == 11, logs
        assert missing[0]["log_level"] == "error"
        assert t2.frontier.size == 12  # not a new tree from seq 0 (the fork of round 13)
        entry = await t2.append(sample_records(1)[0])
        assert entry.seq == 12
    finally:
        await t2.close()
    # the entries after the gap extend the signed tree: with the lost lines put back the
    # log verifies whole
    keys = {signer.key_id: signer.public}
    findings, _ = verify_store(FileSource(root), keys)
    assert errors(findings)  # (the gap is reported)
    now = seg.read_bytes().splitlines(keepends=True)
    seg.write_bytes(whole + b"".join(now[kept_lines:]))
    findings, count = verify_store(FileSource(root), keys)
    assert errors(findings) == [] and count == 13


# --- the checkpoint chain changed under the trail --------------------------------------------

@pytest.mark.parametrize("how", ["deleted", "emptied", "cut", "replaced"])
async def test_a_checkpoint_chain_changed_under_the_trail_refuses_writes(how, tmp_path, signer):
    root = tmp_path / "trail"
    t = await opened(root, signer)
    try:
        for r in sample_records(9):
            await t.append(r)
        cps = root / LOG / "checkpoints.jsonl"
        data = cps.read_bytes()
        if how == "deleted":
            cps.unlink()
        elif how == "emptied":
            with cps.open("r+b") as fh:
                fh.truncate(0)
        elif how == "cut":
            with cps.open("r+b") as fh:
                fh.truncate(len(data) - len(data.splitlines(keepends=True)[-1]))
        else:  # the same size, other bytes, another file
            other = tmp_path / "other"
            other.write_bytes(data[:-2] + b" \n")
            other.replace(cps)
        with capture_logs() as logs:
            with pytest.raises(TrailUnavailable):
                await t.append(sample_records(1)[0])
            with pytest.raises(OSError):
                await t.checkpoint("test")
        said = events(logs, "trail_file_changed_under_the_gateway")
        assert len(said) == 1 and "checkpoints.jsonl" in said[0]["file"], logs
        assert said[0]["log_level"] == "error"
    finally:
        await t.close()


async def test_a_restart_without_the_checkpoint_chain_says_so(tmp_path, signer):
    root = tmp_path / "trail"
    await fill(FileTrail(root, LOG, signer, checkpoint_every=4), sample_records(9))
    (root / LOG / "checkpoints.jsonl").unlink()
    with capture_logs() as logs:
        t = await opened(root, signer)
    await t.close()
    said = events(logs, "trail_checkpoints_missing")
    assert len(said) == 1 and said[0]["entries"] == 9
    findings, _ = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert errors(findings) == []  # (the new chain covers every entry)


async def test_a_checkpoint_chain_put_back_as_it_was_is_accepted_again(tmp_path, signer):
    root = tmp_path / "trail"
    t = await opened(root, signer)
    try:
        for r in sample_records(9):
            await t.append(r)
        cps = root / LOG / "checkpoints.jsonl"
        copy = tmp_path / "copy"
        shutil.copy2(cps, copy)
        cps.unlink()
        with pytest.raises(TrailUnavailable):
            await t.append(sample_records(1)[0])
        copy.replace(cps)  # restored from the copy: another inode, the same bytes
        with capture_logs() as logs:
            await t.append(sample_records(1)[0])
            await t.checkpoint("test")
        assert events(logs, "trail_files_restored")
    finally:
        await t.close()
    findings, _ = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert errors(findings) == []


# --- another log's checkpoints restored over this one ------------------------------------------

@pytest.mark.parametrize("theirs_n", [6, 30])  # inside our entries / claiming more than we hold
async def test_another_logs_checkpoints_are_refused_at_start(theirs_n, tmp_path, signer):
    ours, theirs = tmp_path / "a", tmp_path / "b"
    await fill(FileTrail(ours, LOG, signer, checkpoint_every=4), sample_records(20))
    other = sample_records(theirs_n + 3)[3:]  # other records: other leaves
    await fill(FileTrail(theirs, LOG, signer, checkpoint_every=4), other)
    cps = ours / LOG / "checkpoints.jsonl"
    cps.write_bytes((theirs / LOG / "checkpoints.jsonl").read_bytes())
    before = {p.name: p.read_bytes() for p in (ours / LOG).glob("*.jsonl")}
    with pytest.raises(TrailUnavailable, match=r"checkpoints\.jsonl.*does not match"):
        await FileTrail(ours, LOG, signer).start()
    assert {p.name: p.read_bytes() for p in (ours / LOG).glob("*.jsonl")} == before
    # and a refused start leaves the log free for the next
    cps.unlink()
    t = await opened(ours, signer)
    await t.close()


async def test_checkpoints_of_another_log_id_are_refused_at_start(tmp_path, signer):
    root = tmp_path / "trail"
    await fill(FileTrail(root, LOG, signer, checkpoint_every=4), sample_records(8))
    await fill(FileTrail(root, "gw-b", signer, checkpoint_every=4), sample_records(8))
    (root / LOG / "checkpoints.jsonl").write_bytes(
        (root / "gw-b" / "checkpoints.jsonl").read_bytes())
    with pytest.raises(TrailUnavailable, match=r"checkpoints\.jsonl.*belongs to log 'gw-b'"):
        await FileTrail(root, LOG, signer).start()


async def test_own_checkpoints_after_a_rotation_and_restart_still_match(tmp_path, signer):
    root = tmp_path / "trail"
    for n in (0, 1, 2):
        await fill(FileTrail(root, LOG, signer, checkpoint_every=3, segment_max_bytes=4000),
                   sample_records(15 + n))
    assert len(list_segments(root / LOG)) > 2
    findings, count = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert errors(findings) == [] and count == 48


# --- the wall clock -------------------------------------------------------------------------

async def test_checkpoint_times_never_go_backwards_after_a_clock_step(tmp_path, signer,
                                                                     monkeypatch):
    root = tmp_path / "trail"
    await fill(FileTrail(root, LOG, signer, checkpoint_every=4), sample_records(8))
    real = trail_mod.utcnow

    def behind() -> str:
        return (dt.datetime.fromisoformat(real()) - dt.timedelta(hours=1)).isoformat(
            timespec="microseconds")

    monkeypatch.setattr(trail_mod, "utcnow", behind)
    with capture_logs() as logs:
        await fill(FileTrail(root, LOG, signer, checkpoint_every=4), sample_records(8))
    assert len(events(logs, "trail_clock_behind")) == 1
    cps = [cp for _, cp in read_checkpoints(root / LOG)]
    times = [cp["time"] for cp in cps]
    assert times == sorted(times)
    assert any("wall_time" in cp for cp in cps)
    findings, _ = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert errors(findings) == []


async def test_retention_counts_from_the_logs_own_time(tmp_path, signer):
    root = tmp_path / "trail"
    await fill(FileTrail(root, LOG, signer, checkpoint_every=2, segment_max_bytes=3000),
               sample_records(30, start=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    segs = len(list_segments(root / LOG))
    assert segs >= 3
    t = await opened(root, signer, checkpoint_every=2, segment_max_bytes=3000)
    try:
        wall = dt.datetime.now(dt.UTC) + dt.timedelta(days=730)
        now, ahead = t.retention_now(wall)
        assert ahead > 700 * 86400 and now < dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        assert await t.purge(180, now) == []
        assert len(list_segments(root / LOG)) == segs
        # a clock behind is used as it is (it purges less, never more)
        back = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        assert t.retention_now(back) == (back, 0.0)
    finally:
        await t.close()


async def test_retention_never_purges_a_segment_this_run_wrote(tmp_path, signer):
    root = tmp_path / "trail"
    t = await opened(root, signer, checkpoint_every=2, segment_max_bytes=3000)
    try:
        for r in sample_records(30, start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)):
            await t.append(r)
        assert len(list_segments(root / LOG)) >= 3
        # (dated 2020 by a clock that was wrong then: this run wrote them minutes ago)
        assert await t.purge(180, dt.datetime.now(dt.UTC)) == []
    finally:
        await t.close()
    t = await opened(root, signer, checkpoint_every=2, segment_max_bytes=3000)
    try:  # a later run, by a clock that agrees they are old, purges them
        assert await t.purge(180, dt.datetime.now(dt.UTC))
    finally:
        await t.close()
    findings, _ = verify_store(FileSource(root), {signer.key_id: signer.public})
    assert errors(findings) == []


# --- TLS files renewed in place ---------------------------------------------------------------

def test_tls_files_fingerprint_follows_their_content(tmp_path):
    from residency_gateway.gateway.upstream import tls_files
    from tests.helpers import loaded

    regions = dict(loaded().rmap.regions)
    rid = next(iter(regions))
    ca, cert, key = (tmp_path / n for n in ("ca.pem", "client.pem", "client.key"))
    for p in (ca, cert, key):
        p.write_text(f"{p.name} v1\n")
    region = regions[rid]
    tls = region.tls.model_copy(update={"ca_file": str(ca), "client_cert": str(cert),
                                        "client_key": str(key)})
    regions[rid] = region.model_copy(update={"tls": tls,
                                             "upstreams": ["https://127.0.0.1:1"]})
    first = tls_files(regions)
    assert {(r, Path(p).name) for r, p, _ in first} >= {(rid, "ca.pem"), (rid, "client.pem"),
                                                         (rid, "client.key")}
    assert tls_files(regions) == first
    renewed = tmp_path / "new.pem"
    renewed.write_text("client.pem v2\n")
    renewed.replace(cert)  # renewed in place, by rename
    second = tls_files(regions)
    assert second != first
    assert {r for r, _, _ in set(first) ^ set(second)} == {rid}
    cert.unlink()  # unreadable: recorded as such (building the pool then fails the reload)
    assert any(d.startswith("unreadable") for _, p, d in tls_files(regions) if p == str(cert))
    json.dumps(second)  # (plain data: loggable, comparable)
