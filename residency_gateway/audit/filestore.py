"""The embedded trail store: append-only JSON-lines segment files (shell).

Layout of `<trail_dir>/<log_id>/`:
  seg-NNNNNN.jsonl   entries, one canonical JSON line each, rotated by size and age
  checkpoints.jsonl  the signed checkpoint chain (and signed purge events)
  keys/<key_id>.pub  public keys that signed this log's checkpoints
  LOCK               held (flock) by the one process writing this log
and `<trail_dir>/policies/<version>.json`, the canonical region map of each policy version.

Every write is followed by fsync (and the directory is fsync'd when a file is created). On open,
a torn last line (a crash mid-write) is cut off and the chain continues after the last complete
entry. A failed write truncates the segment back to its last durable length. Before each
write the segment and the checkpoint chain must be as this process left them (size, file):
one cut, emptied, deleted or replaced under it refuses the write (`_check_unchanged`). On open
the newest checkpoint must match the entries it covers (`_recover_frontier`).
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

from residency_gateway.audit.chain import GENESIS, leaf_hash
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
        self._checkpoints_id: tuple[int, int] | None = None  # (dev, inode) of that file
        self._tampered: str | None = None  # a file of the log changed under us (logged once)
        self._opened_size = 0  # entries in the log when this process opened it

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
        if last_cp is not None and last_cp.get("log_id") != self.log_id:
            raise TrailUnavailable(
                f"{self.dir / 'checkpoints.jsonl'}: the newest checkpoint belongs to log "
                f"{last_cp.get('log_id')!r}, not {self.log_id!r}: another log's checkpoints "
                f"were restored here; restore this log's own checkpoints.jsonl")
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
        self._note_checkpoints_file(self.dir / "checkpoints.jsonl")
        self._opened_size = frontier.size
        if frontier.size and last_cp is None:
            # (a crash before the first checkpoint, or the chain deleted: said, not silent)
            log.warning("trail_checkpoints_missing", log_id=self.log_id,
                        file=str(self.dir / "checkpoints.jsonl"), entries=frontier.size,
                        hint="entries and no signed checkpoint: a new checkpoint chain starts "
                             "over them; if checkpoints.jsonl was deleted or emptied, the "
                             "checkpoints signed before (and their witnesses) are in its copy")
        return Recovered(frontier, prev, last_cp)

    def _recover_frontier(self, checkpoints: list[dict[str, Any]],
                          segments: list[Path]) -> tuple[Frontier, str]:
        """The tree after the last durable entry. Resumes from the newest signed checkpoint's
        frontier and reads only the entries after it, so a restart does not rehash the log.

        The checkpoint is checked against the entries it covers first: the entry at
        tree_size - 1 must be the checkpoint's last leaf. Another log's checkpoints.jsonl
        restored over this one (the wrong backup; two hosts with the same log id) made the
        gateway continue from a foreign frontier and sign roots mixed from two logs: refused,
        naming the file (bad-day round 13). Entries the checkpoint covers that are no longer
        in the segments (a segment truncated by logrotate's copytruncate) are logged as an
        error naming the range, and the log continues from the signed frontier: the next
        entries extend the tree that was signed (and witnessed), never a shorter one."""
        sized = [cp for cp in checkpoints if cp.get("type") == "checkpoint" and cp.get("frontier")
                 is not None]
        if sized and segments:
            cp = sized[-1]
            size = int(cp["tree_size"])
            anchor, tail, reached = self._tail_after(segments, size)
            if not reached and tail and int(json.loads(tail[0])["seq"]) > size:
                # (the kept segments start after this checkpoint: continue from the one
                # signed where they start, as after a purge)
                start, prev = self._start_point(checkpoints, segments)
                return rebuild(tail, start, prev)
            if anchor is not None:
                self._check_anchor(cp, anchor)
            elif size and (reached or not tail) and not self._purged_through(checkpoints, size):
                self._entries_missing(checkpoints, segments, cp)
            if tail and int(json.loads(tail[0])["seq"]) != size:
                raise TrailUnavailable(f"log {self.log_id}: entries after checkpoint "
                                       f"#{cp['index']} do not start at seq {size}")
            return rebuild(tail, Frontier.from_json(size, cp["frontier"]), cp["last_leaf"])
        start, prev = self._start_point(checkpoints, segments)
        return rebuild((line for seg in segments for _, line in iter_lines(seg)), start, prev)

    @staticmethod
    def _tail_after(segments: list[Path], size: int) -> tuple[bytes | None, list[bytes], bool]:
        """(the entry line at seq size - 1 if the segments hold it, the entry lines from seq
        `size` on, whether the segments reach back to seq size - 1 or before)."""
        tail: list[bytes] = []
        for seg in reversed(segments):
            lines = [line for _, line in iter_lines(seg)]
            if not lines:
                continue
            first = int(json.loads(lines[0])["seq"])
            if first >= size:
                tail[:0] = lines
                continue
            i = size - 1 - first
            if i < len(lines) and int(json.loads(lines[i])["seq"]) == size - 1:
                return lines[i], lines[i + 1:] + tail, True
            # not where it would be in a contiguous segment: look it up by its seq
            anchor, after = None, []
            for line in lines:
                seq = int(json.loads(line)["seq"])
                if seq == size - 1:
                    anchor = line
                elif seq >= size:
                    after.append(line)
            return anchor, after + tail, True
        return None, tail, False

    def _check_anchor(self, cp: dict[str, Any], anchor: bytes) -> None:
        if cp.get("log_id") == self.log_id and leaf_hash(anchor).hex() == cp.get("last_leaf"):
            return
        path = self.dir / "checkpoints.jsonl"
        raise TrailUnavailable(
            f"{path}: checkpoint #{cp.get('index')} (tree size {cp.get('tree_size')}, log "
            f"{cp.get('log_id')!r}) does not match this log's entries: the entry at seq "
            f"{int(cp['tree_size']) - 1} is not its last leaf. Checkpoints of another log (or "
            f"another copy of this one) were restored here, or entries were replaced; restore "
            f"this log's own checkpoints.jsonl (`audit verify --store` says what differs)")

    @staticmethod
    def _purged_through(checkpoints: list[dict[str, Any]], size: int) -> bool:
        """A signed purge removed every entry up to seq size - 1 (nothing is missing)."""
        return any(cp.get("type") == "purge" and int(cp.get("through_seq", -1)) >= size - 1
                   for cp in checkpoints)

    def _entries_missing(self, checkpoints: list[dict[str, Any]], segments: list[Path],
                         cp: dict[str, Any]) -> None:
        size = int(cp["tree_size"])
        held = -1  # the highest seq below `size` the segments still hold
        for seg in reversed(segments):
            seqs = [int(json.loads(line)["seq"]) for _, line in iter_lines(seg)]
            below = [q for q in seqs if q < size]
            if below:
                held = max(below)
                break
        # the newest checkpoint inside what is held must match it (another log's chain
        # claiming more entries than this log has is no truncation)
        older = [c for c in checkpoints if c.get("type") == "checkpoint"
                 and 0 < int(c.get("tree_size", 0)) <= held + 1 and c.get("frontier") is not None]
        if older:
            anchor, _, _ = self._tail_after(segments, int(older[-1]["tree_size"]))
            if anchor is not None:
                self._check_anchor(older[-1], anchor)
        log.error("trail_entries_missing", log_id=self.log_id,
                  file=str(self.dir / segment_name(segment_index(segments[-1]))),
                  checkpoint=cp.get("index"), first_missing_seq=held + 1,
                  last_missing_seq=size - 1,
                  hint="entries a signed checkpoint covers are no longer in the segments (a "
                       "segment truncated in place, e.g. by logrotate copytruncate, or an old "
                       "copy restored): the log continues from the signed checkpoint; put the "
                       "missing lines back from the copy for `audit verify` to pass")

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
        await self._run(self._rotate_sync)

    def _rotate_sync(self) -> None:
        self._check_unchanged()  # (a segment cut under us is not closed as if it were whole)
        self._open_segment(self._segment + 1)

    async def _persist(self, entries: list[Entry]) -> None:
        await self._run(self._write_sync, b"".join(e.line + b"\n" for e in entries))

    def _write_sync(self, data: bytes) -> None:
        assert self._fd is not None
        before = self._segment_size
        if self._lock.fd is not None:
            self._check_lock()  # (nothing written yet: refused, nothing to undo)
        self._check_unchanged()  # (likewise)
        try:
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
            os.fsync(self._fd)
            self._check_still_linked()
            size = os.fstat(self._fd).st_size
            if size != before + len(data):  # cut (or written) between the check and the write
                self._refuse(self.dir / segment_name(self._segment), "segment_changed",
                             expected_bytes=before + len(data), found_bytes=size)
        except OSError:
            with contextlib.suppress(OSError):
                # only what this write added: a file cut under us is never extended with zeros
                if os.fstat(self._fd).st_size > before:
                    os.ftruncate(self._fd, before)
            raise
        self._segment_size = before + len(data)

    def _check_unchanged(self) -> None:
        """Before each write to the log (an entry batch, a checkpoint, a new segment): the
        files this process writes must be as it left them. The segment being written must
        keep the size of what was written to it, and checkpoints.jsonl its file and size.
        logrotate's `copytruncate` (same inode, fewer bytes), a cleanup job deleting
        `*.jsonl`, or another log's checkpoints restored over this one would otherwise go
        unnoticed: the next entry would follow records no longer in the file and the next
        checkpoint a chain that is gone, forking the log under a signature (bad-day round
        13). Refused, the trail takes no record and no data moves (503) until the files
        are restored as they were or the gateway restarts (which re-reads the log and says
        what it found); the first refusal is logged as an error naming the file."""
        if self._fd is not None:
            size = os.fstat(self._fd).st_size
            if size != self._segment_size:
                self._refuse(self.dir / segment_name(self._segment), "segment_changed",
                             expected_bytes=self._segment_size, found_bytes=size)
        path = self.dir / "checkpoints.jsonl"
        try:
            st = path.stat()
        except FileNotFoundError:
            st = None
        if st is None:
            if self._checkpoints_size:
                self._refuse(path, "checkpoints_deleted", expected_bytes=self._checkpoints_size)
            self._restored()
            return
        if st.st_size != self._checkpoints_size:
            self._refuse(path, "checkpoints_changed", expected_bytes=self._checkpoints_size,
                         found_bytes=st.st_size)
        if self._checkpoints_id is not None and (st.st_dev, st.st_ino) != self._checkpoints_id:
            # the same size in another file: a copy put back is fine if it ends with the
            # last checkpoint written here
            if self._checkpoints_tail(path) != self._last_checkpoint_line():
                self._refuse(path, "checkpoints_replaced", expected_bytes=self._checkpoints_size,
                             found_bytes=st.st_size)
            self._checkpoints_id = (st.st_dev, st.st_ino)
        self._restored()

    def _restored(self) -> None:
        if self._tampered is not None:
            self._tampered = None
            log.warning("trail_files_restored", log_id=self.log_id, dir=str(self.dir))

    def _last_checkpoint_line(self) -> bytes | None:
        return None if self.last_checkpoint is None else canonical(self.last_checkpoint)

    @staticmethod
    def _checkpoints_tail(path: Path) -> bytes | None:
        try:
            with open_regular(path) as fh:
                size = os.fstat(fh.fileno()).st_size
                fh.seek(max(0, size - (1 << 16)))
                lines = fh.read().split(b"\n")
        except OSError:
            return None
        return lines[-2] if len(lines) >= 2 and lines[-1] == b"" else None

    def _refuse(self, path: Path, what: str, **sizes: int) -> None:
        hints = {
            "segment_changed": "the segment being written was truncated or written by "
                               "another program (logrotate copytruncate? exclude the trail "
                               "directory from it): records acknowledged before may be gone",
            "checkpoints_deleted": "the signed checkpoint chain was deleted (a cleanup job?)",
            "checkpoints_changed": "the signed checkpoint chain was truncated, emptied or "
                                   "written by another program",
            "checkpoints_replaced": "the signed checkpoint chain was replaced by another file",
        }
        message = (f"{path}: {hints[what]}; appends are refused until the file is restored "
                   f"as it was or the gateway restarts")
        if self._tampered is None:
            self._tampered = message
            log.error("trail_file_changed_under_the_gateway", log_id=self.log_id,
                      file=str(path), what=what, hint=message, **sizes)
        raise OSError(errno.ESTALE, message)

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
            self._check_unchanged()
        path = self.dir / "checkpoints.jsonl"
        _append_durable(path, line)
        self._note_checkpoints_file(path)

    def _note_checkpoints_file(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            st = path.stat()
            self._checkpoints_size = st.st_size
            self._checkpoints_id = (st.st_dev, st.st_ino)

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
        """Delete whole segments older than the retention, after a signed purge event.
        `now` is the trail's own time (Trail.retention_now), not the wall clock alone; and a
        segment holding an entry this process wrote is never purged."""
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
            if lines[-1]["seq"] >= self._opened_size:
                break  # written by this run: no clock step makes that old
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
