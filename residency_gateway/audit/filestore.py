"""The embedded trail store: append-only JSON-lines segment files (shell).

Layout of `<trail_dir>/<log_id>/`:
  seg-NNNNNN.jsonl   entries, one canonical JSON line each, rotated by size and age
  checkpoints.jsonl  the signed checkpoint chain (and signed purge events)
  keys/<key_id>.pub  public keys that signed this log's checkpoints
  LOCK               held (flock) by the one process writing this log
and `<trail_dir>/policies/<version>.json`, the canonical region map of each policy version.

Every write is followed by fsync (and the directory is fsync'd when a file is created). On open,
a torn last line (a crash mid-write) is cut off and the chain continues after the last complete
entry. A failed write truncates the segment back to its last durable length.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import structlog

from residency_gateway.audit.chain import GENESIS
from residency_gateway.audit.merkle import Frontier
from residency_gateway.audit.records import canonical
from residency_gateway.audit.trail import Entry, Recovered, Trail, TrailUnavailable, rebuild
from residency_gateway.files import (
    HeldLock,
    fsync_dir,
    open_regular,
    open_regular_for_writing,
    read_regular,
    write_durable,
)

log = structlog.get_logger("residency_gateway")


def segment_name(index: int) -> str:
    return f"seg-{index:06d}.jsonl"


def segment_index(path: Path) -> int:
    return int(path.stem.split("-")[1])


def list_segments(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob("seg-*.jsonl"), key=segment_index)


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without newline) for each complete line of a file."""
    with open_regular(path) as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                return
            yield number, raw[:-1]


def read_checkpoints(log_dir: Path) -> list[tuple[int, dict[str, Any]]]:
    path = log_dir / "checkpoints.jsonl"
    if not path.exists():
        return []
    out = []
    for number, line in iter_lines(path):
        try:
            out.append((number, json.loads(line)))
        except ValueError:
            out.append((number, {"type": "unparseable"}))
    return out


_fsync_dir = fsync_dir

MAX_PUBLIC_KEY_BYTES = 65536
MAX_POLICY_BYTES = 64 << 20  # a canonical map (the map files themselves are bounded to 16 MiB)


def _append_durable(path: Path, data: bytes) -> None:
    fd = open_regular_for_writing(path)  # (a FIFO there must not block the writer thread)
    try:
        before = os.fstat(fd).st_size
        try:
            if os.write(fd, data) != len(data):
                raise OSError("short write")
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, before)
            raise
    finally:
        os.close(fd)


def _store_whole(path: Path, data: bytes, limit: int, what: str, log_id: str) -> None:
    """Keep `data` at `path` (a public key beside the log, a policy version), durably: kept
    as it is when the file already holds exactly `data`; written by temporary file, fsync and
    rename otherwise. A file there that is empty, cut short or different (left by a write
    that ran out of space before this was atomic, or edited) is repaired, with a warning: its
    name is the content's identity (a key id, a version hash), so other bytes are wrong. A
    failure raises TrailUnavailable naming the file: the start or the key rotation that
    needed it is refused, never left with a silently broken file (bad-day round 12)."""
    try:
        try:
            held: bytes | None = read_regular(path, limit)
        except (FileNotFoundError, NotADirectoryError):  # (the latter: mkdir below says so)
            held = None
        except OSError as exc:  # not a regular file, too large: replaced below (a rename
            # over a FIFO or device is fine; over a directory it fails and says so)
            held = None
            log.warning("trail_file_repaired", log_id=log_id, file=str(path), what=what,
                        found=str(exc))
        if held == data:
            return
        if held is not None:
            log.warning("trail_file_repaired", log_id=log_id, file=str(path), what=what,
                        found_bytes=len(held), expected_bytes=len(data))
        path.parent.mkdir(parents=True, exist_ok=True)
        write_durable(path, data)
    except OSError as exc:
        raise TrailUnavailable(f"{path}: cannot store the {what}: "
                               f"{exc.strerror or exc}") from exc


class FileTrail(Trail):
    def __init__(self, root: Path, log_id: str, signer: Any, *,
                 segment_max_bytes: int = 64 << 20, segment_max_age_s: float = 86400.0,
                 **kwargs: Any):
        super().__init__(log_id, signer, **kwargs)
        self.root = Path(root)
        self.dir = self.root / log_id
        self.segment_max_bytes = segment_max_bytes
        self.segment_max_age_s = segment_max_age_s
        self._fd: int | None = None
        self._lock = HeldLock(self.dir / "LOCK")
        self._segment = 0
        self._segment_size = 0
        self._segment_opened = 0.0
        self._lock_lost = False
        self._checkpoints_size = 0  # after this process's last checkpoint write

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args))

    # -- open / recover ---------------------------------------------------------------------
    async def _open(self) -> Recovered:
        return await self._run(self._open_sync)  # type: ignore[no-any-return]

    def _open_sync(self) -> Recovered:
        self.dir.mkdir(parents=True, exist_ok=True)
        if not self._lock.take():
            raise TrailUnavailable(f"log {self.log_id} is held by another process")
        try:
            return self._recover()
        except BaseException:
            self._lock.release()  # (refused: the log is not held by this process)
            raise

    def _check_lock(self) -> None:
        """Before each commit batch and each checkpoint: LOCK must still name the file whose
        flock this process holds (files.HeldLock; bad-day round 12: a deleted LOCK let a
        second gateway write the same chain beside this one, forking it). If LOCK is gone and
        nothing else wrote to the log, it is taken back; if another file is there now, or the
        log grew under us, this process refuses to write (no record, no transfer) until it is
        restarted, which re-reads the log."""
        state = self._lock.check(self._log_unchanged)
        if state == "held":
            return
        if state == "retaken":
            log.warning("trail_lock_retaken", log_id=self.log_id, file=str(self._lock.path))
            return
        if not self._lock_lost:
            self._lock_lost = True
            log.error("trail_lock_lost", log_id=self.log_id, file=str(self._lock.path),
                      hint="LOCK was deleted or replaced: another process may write this log; "
                           "appends are refused until this gateway restarts")
        raise OSError(errno.ENOLCK, "the log's LOCK file was deleted or replaced: another "
                      "process may be writing this log", str(self._lock.path))

    def _log_unchanged(self) -> bool:
        """Nothing but this process wrote to the log since its last write: the segment keeps
        its size, no later segment exists and the checkpoint chain keeps its size."""
        if self._fd is None or os.fstat(self._fd).st_size != self._segment_size:
            return False
        if (self.dir / segment_name(self._segment + 1)).exists():
            return False
        try:
            size = (self.dir / "checkpoints.jsonl").stat().st_size
        except FileNotFoundError:
            size = 0
        return size == self._checkpoints_size

    def _recover(self) -> Recovered:
        self._cut_torn_tail(self.dir / "checkpoints.jsonl")
        checkpoints = [cp for _, cp in read_checkpoints(self.dir)]
        last_cp = checkpoints[-1] if checkpoints else None
        segments = list_segments(self.dir)
        if segments:
            self._cut_torn_tail(segments[-1])
        try:
            frontier, prev = self._recover_frontier(checkpoints, segments)
        except (ValueError, KeyError, TypeError) as exc:
            # (an older segment damaged where no checkpoint lets recovery skip it)
            raise TrailUnavailable(f"log {self.log_id}: an entry cannot be read ({exc}); "
                                   f"`audit verify --store` names the file and line") from None
        index = segment_index(segments[-1]) if segments else 1
        self._open_segment(index)
        with contextlib.suppress(FileNotFoundError):
            self._checkpoints_size = (self.dir / "checkpoints.jsonl").stat().st_size
        return Recovered(frontier, prev, last_cp)

    def _recover_frontier(self, checkpoints: list[dict[str, Any]],
                          segments: list[Path]) -> tuple[Frontier, str]:
        """The tree after the last durable entry. Resumes from the newest signed checkpoint's
        frontier and reads only the entries after it, so a restart does not rehash the log."""
        sized = [cp for cp in checkpoints if cp.get("type") == "checkpoint" and cp.get("frontier")
                 is not None]
        if sized and segments:
            cp = sized[-1]
            size = int(cp["tree_size"])
            tail: list[bytes] = []
            for seg in reversed(segments):
                lines = [line for _, line in iter_lines(seg)]
                if not lines:
                    continue
                first = int(json.loads(lines[0])["seq"])
                tail[:0] = lines[max(0, size - first):] if first <= size else lines
                if first <= size:
                    break
            else:
                tail = []  # the checkpoint's entries were not found: fall back to a full read
                sized = []
            if sized:
                if tail and int(json.loads(tail[0])["seq"]) != size:
                    raise TrailUnavailable(f"log {self.log_id}: entries after checkpoint "
                                           f"#{cp['index']} do not start at seq {size}")
                return rebuild(tail, Frontier.from_json(size, cp["frontier"]), cp["last_leaf"])
        start, prev = self._start_point(checkpoints, segments)
        return rebuild((line for seg in segments for _, line in iter_lines(seg)), start, prev)

    @staticmethod
    def _start_point(checkpoints: list[dict[str, Any]], segments: list[Path]
                     ) -> tuple[Frontier, str]:
        """Empty tree, or (after a purge) the signed frontier at the first kept entry."""
        if not segments:
            sized = [cp for cp in checkpoints if cp.get("type") == "checkpoint"]
            if sized:  # everything purged: continue from the newest checkpoint
                cp = sized[-1]
                return Frontier.from_json(cp["tree_size"], cp["frontier"]), cp["last_leaf"]
            return Frontier(), GENESIS
        first = next(iter_lines(segments[0]), None)
        first_seq = json.loads(first[1])["seq"] if first else 0
        if first_seq == 0:
            return Frontier(), GENESIS
        for cp in checkpoints:
            if cp.get("type") == "checkpoint" and cp.get("tree_size") == first_seq:
                return Frontier.from_json(first_seq, cp["frontier"]), cp["last_leaf"]
        raise TrailUnavailable(f"log {segments[0]} starts at seq {first_seq} with no checkpoint "
                               "at that size to continue from")

    def _cut_torn_tail(self, path: Path) -> None:
        """Cut what a crash left half-written at the end of `path` (a last line without its
        line break, or damaged lines with no whole record after them: a group commit that was
        never acknowledged, so no data moved on it). A damaged line with whole records after
        it is no torn write (a bad sector, a stray edit, tampering): cutting there destroyed
        every durable record after it (bad-day round 10), so the trail refuses to open and
        says where, and nothing is cut."""
        if not path.exists():
            return
        good = 0
        bad_line = 0
        after = 0  # whole records after the first damaged line
        with open_regular(path) as fh:  # (a named pipe there blocked the start forever)
            size = os.fstat(fh.fileno()).st_size
            for n, raw in enumerate(fh, 1):
                ok = raw.endswith(b"\n")
                if ok:
                    try:
                        ok = isinstance(json.loads(raw), dict)
                    except ValueError:
                        ok = False
                if not bad_line:
                    if ok:
                        good += len(raw)
                        continue
                    bad_line = n
                elif ok:
                    after += 1
        if after:
            raise TrailUnavailable(
                f"{path}: line {bad_line} is damaged and {after} whole record(s) follow it: "
                f"that is no torn write of a crash, so nothing was cut; restore the file from "
                f"a copy (audit verify names what differs), or move it aside to keep it")
        if good != size:
            log.warning("trail_torn_tail_cut", log_id=self.log_id, file=path.name,
                        line=bad_line, bytes_cut=size - good)
            fd = open_regular_for_writing(path, 0)
            try:
                os.ftruncate(fd, good)
                os.fsync(fd)
            finally:
                os.close(fd)

    def _open_segment(self, index: int) -> None:
        """Open segment `index` and make it the one written. The old descriptor is closed
        only once the new one is open and its name durable: after a failure (no space, no
        inode) the trail keeps a descriptor it owns, never the number of a closed one (which
        the next socket or file would take, to be written to or closed by the retry)."""
        path = self.dir / segment_name(index)
        fd = open_regular_for_writing(path)  # (a FIFO there must not block the writer)
        try:
            size = os.fstat(fd).st_size
            if not size:  # new (or left empty by a failed attempt): make its name durable
                _fsync_dir(self.dir)
        except BaseException:
            os.close(fd)
            raise
        if self._fd is not None:
            os.close(self._fd)
        self._fd = fd
        self._segment = index
        self._segment_size = size
        self._segment_opened = time.time()

    # -- writing ----------------------------------------------------------------------------
    def _should_rotate(self, nbytes: int) -> bool:
        if not self._segment_size:
            return False
        return (self._segment_size + nbytes > self.segment_max_bytes
                or time.time() - self._segment_opened > self.segment_max_age_s)

    async def _rotate(self) -> None:
        await self._run(self._open_segment, self._segment + 1)

    async def _persist(self, entries: list[Entry]) -> None:
        await self._run(self._write_sync, b"".join(e.line + b"\n" for e in entries))

    def _write_sync(self, data: bytes) -> None:
        assert self._fd is not None
        before = self._segment_size
        if self._lock.fd is not None:
            self._check_lock()  # (nothing written yet: refused, nothing to undo)
        try:
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
            os.fsync(self._fd)
            self._check_still_linked()
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, before)
            raise
        self._segment_size = before + len(data)

    def _check_still_linked(self) -> None:
        """The segment's path must still name the file written to: an entry in a segment
        deleted (or renamed away) under the gateway would vanish when the file is closed, so
        it is not durable (no record, no transfer)."""
        assert self._fd is not None
        path = self.dir / segment_name(self._segment)
        held = os.fstat(self._fd)
        try:
            named = path.stat()
        except FileNotFoundError:
            named = None
        if named is None or (named.st_dev, named.st_ino) != (held.st_dev, held.st_ino):
            raise OSError(f"{path}: the segment being written was deleted or replaced")

    async def _persist_checkpoint(self, cp: dict[str, Any]) -> None:
        await self._run(self._persist_checkpoint_sync, canonical(cp) + b"\n")

    def _persist_checkpoint_sync(self, line: bytes) -> None:
        if self._lock.fd is not None:  # (None only before the log is opened)
            self._check_lock()
        path = self.dir / "checkpoints.jsonl"
        _append_durable(path, line)
        with contextlib.suppress(OSError):
            self._checkpoints_size = path.stat().st_size

    async def _store_public_key(self, key_id: str, pem: bytes) -> None:
        await self._run(_store_whole, self.dir / "keys" / f"{key_id}.pub", pem,
                        MAX_PUBLIC_KEY_BYTES, "public key", self.log_id)

    async def store_policy(self, version: str, canonical_map: str) -> None:
        # (workers store the same version at once: each writes its own temporary file)
        await self._run(_store_whole, self.root / "policies" / f"{version}.json",
                        canonical_map.encode("utf-8"), MAX_POLICY_BYTES, "policy version",
                        self.log_id)

    async def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._lock.release()

    # -- retention --------------------------------------------------------------------------
    async def purge(self, retention_days: int, now: dt.datetime) -> list[str]:
        """Delete whole segments older than the retention, after a signed purge event."""
        cutoff = now - dt.timedelta(days=retention_days)
        victims: list[dict[str, Any]] = []
        sized = {cp.get("tree_size") for _, cp in read_checkpoints(self.dir)
                 if cp.get("type") == "checkpoint"}
        for seg in list_segments(self.dir)[:-1]:  # never the segment being written
            if segment_index(seg) == self._segment:
                break
            lines = [json.loads(line) for _, line in iter_lines(seg)]
            if not lines or dt.datetime.fromisoformat(lines[-1]["record"]["time"]) >= cutoff:
                break
            if lines[-1]["seq"] + 1 not in sized:
                break  # no signed frontier to continue from: keep it
            victims.append({"name": seg.name, "first_seq": lines[0]["seq"],
                            "last_seq": lines[-1]["seq"], "entries": len(lines)})
        if not victims:
            return []
        await self.signed_event({"type": "purge", "retention_days": retention_days,
                                 "cutoff": cutoff.isoformat(), "segments": victims,
                                 "through_seq": victims[-1]["last_seq"]})
        for v in victims:
            (self.dir / v["name"]).unlink()
        _fsync_dir(self.dir)
        return [v["name"] for v in victims]
