"""The embedded trail store: append-only JSON-lines segment files with group commit (shell).

One directory per log (one log per gateway process, `log_id`), holding `seg-NNNNNN.jsonl`
segments rotated by size. Each line is the canonical JSON of an entry
`{"log_id", "seq", "prev", "record"}` where `prev` is the previous entry's leaf hash.

Durability: `append()` returns only after the entry's bytes are written and fsync'd. Appends
that arrive while a flush is in progress wait for the next flush and share its fsync (group
commit). A failed write truncates the segment back to the last durable entry and fails every
waiting append with `TrailUnavailable`: the caller must not move data.

Recovery on open: a torn last line (a crash mid-write) is cut off; the chain continues from the
last complete entry. A lock file stops two processes from writing one log.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from residency_gateway.audit.chain import GENESIS, leaf_hash
from residency_gateway.audit.records import canonical


class TrailUnavailable(Exception):
    """The trail cannot record right now; no data may move (invariant 2)."""

    http_status = 503


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    leaf: bytes
    line: bytes


def segment_name(index: int) -> str:
    return f"seg-{index:06d}.jsonl"


def list_segments(log_dir: Path) -> list[Path]:
    return sorted(log_dir.glob("seg-*.jsonl"))


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without newline) for each complete line of a segment."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if raw.endswith(b"\n"):
                yield number, raw[:-1]
            else:
                return


class FileTrail:
    """Append-only, group-committed, crash-recovering trail for one log."""

    def __init__(self, root: Path, log_id: str, *, segment_max_bytes: int = 64 << 20,
                 on_commit: Callable[[int, float], None] | None = None):
        self.root = Path(root)
        self.log_id = log_id
        self.dir = self.root / log_id
        self.segment_max_bytes = segment_max_bytes
        self.on_commit = on_commit
        self.next_seq = 0
        self.prev = GENESIS
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._segment_index = 0
        self._segment_size = 0
        self._pending: list[tuple[dict[str, Any], asyncio.Future[Entry]]] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.listeners: list[Callable[[list[Entry]], None]] = []

    # -- lifecycle ------------------------------------------------------------------------
    def open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise TrailUnavailable(f"log {self.log_id} is held by another process") from None
        self._recover()

    def _recover(self) -> None:
        segments = list_segments(self.dir)
        if not segments:
            self._open_segment(1)
            return
        last = segments[-1]
        good_end = 0
        last_line: bytes | None = None
        with last.open("rb") as fh:
            offset = 0
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break
                try:
                    json.loads(raw)
                except ValueError:
                    break
                offset += len(raw)
                good_end = offset
                last_line = raw[:-1]
        if good_end != last.stat().st_size:
            with last.open("r+b") as fh:  # cut the torn tail left by a crash mid-write
                fh.truncate(good_end)
                os.fsync(fh.fileno())
        if last_line is None and len(segments) > 1:
            # an empty newest segment: the chain continues from the one before
            for _, line in iter_lines(segments[-2]):
                last_line = line
        if last_line is not None:
            entry = json.loads(last_line)
            self.next_seq = int(entry["seq"]) + 1
            self.prev = leaf_hash(last_line).hex()
        self._open_segment(int(last.stem.split("-")[1]), size=good_end)

    def _open_segment(self, index: int, size: int = 0) -> None:
        if self._fd is not None:
            os.close(self._fd)
        path = self.dir / segment_name(index)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._segment_index = index
        self._segment_size = size
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new file's name is durable too
        finally:
            os.close(dir_fd)

    async def start(self) -> None:
        if self._fd is None:
            self.open()
        self._wakeup = asyncio.Event()
        self._task = asyncio.create_task(self._flusher(), name=f"trail-flusher-{self.log_id}")

    async def close(self) -> None:
        self._closing = True
        if self._wakeup is not None:
            self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- appending ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._closing

    @property
    def backlog(self) -> int:
        return len(self._pending)

    async def append(self, record: dict[str, Any]) -> Entry:
        if self._wakeup is None or self._closing:
            raise TrailUnavailable("trail is not running")
        fut: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._pending.append((record, fut))
        self._wakeup.set()
        return await asyncio.shield(fut)

    async def _flusher(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if not self._pending:
                if self._closing:
                    return
                continue
            batch, self._pending = self._pending, []
            started = loop.time()
            try:
                entries = await loop.run_in_executor(None, self._write_batch,
                                                     [r for r, _ in batch])
            except (OSError, ValueError, TrailUnavailable) as exc:
                error = exc if isinstance(exc, TrailUnavailable) else TrailUnavailable(
                    f"trail write failed: {type(exc).__name__}: {exc}")
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(error)
            else:
                if self.on_commit is not None:
                    self.on_commit(len(entries), loop.time() - started)
                for listener in self.listeners:
                    listener(entries)
                for (_, fut), entry in zip(batch, entries, strict=True):
                    if not fut.done():
                        fut.set_result(entry)
            if self._pending:
                self._wakeup.set()

    def _write_batch(self, records: list[dict[str, Any]]) -> list[Entry]:
        """Runs in a worker thread, one batch at a time. State moves only on success."""
        assert self._fd is not None
        seq, prev = self.next_seq, self.prev
        entries: list[Entry] = []
        for record in records:
            line = canonical({"log_id": self.log_id, "seq": seq, "prev": prev, "record": record})
            leaf = leaf_hash(line)
            entries.append(Entry(seq, leaf, line))
            seq += 1
            prev = leaf.hex()
        data = b"".join(e.line + b"\n" for e in entries)
        if self._segment_size and self._segment_size + len(data) > self.segment_max_bytes:
            self._open_segment(self._segment_index + 1)
        before = self._segment_size
        try:
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
            os.fsync(self._fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, before)
            raise
        self._segment_size = before + len(data)
        self.next_seq, self.prev = seq, prev
        return entries
