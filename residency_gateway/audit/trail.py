"""The decision trail: group commit, hash chain, Merkle frontier and signed checkpoints.

`Trail` owns everything that is the same for every store: sequence numbers, the `prev` link,
the leaf hashes, the RFC 6962 frontier, when to sign a checkpoint (every N entries, every T
seconds, at segment boundaries, after recovery and on shutdown), and group commit: appends that
arrive while a commit is in flight wait for the next one and share its fsync/transaction.
Stores (`FileTrail`, `PgTrail`) only persist entries and checkpoints and recover their tail.

`append()` returns only when the entry is durable. If persisting fails, every waiting append
fails with `TrailUnavailable` and the state does not advance: the caller must not move data
(invariant 2: no record, no transfer). A record is encoded in `append()`, in the caller's
context, so a record that cannot be encoded fails that caller and never the writer; and
`append()` fails fast when the writer is not running (nothing waits on a dead writer).

The writer (`writer()`) is run by the trail itself (`start()`) or, in the gateway, by the
supervisor that restarts it with backoff (`start(spawn_writer=False)`).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from residency_gateway.audit.chain import GENESIS, leaf_hash
from residency_gateway.audit.merkle import Frontier
from residency_gateway.audit.note import checkpoint_note, origin_of
from residency_gateway.audit.records import canonical, entry_line
from residency_gateway.audit.signing import Signer, public_pem

log = structlog.get_logger("residency_gateway")

# How long a record nobody waits on (a completion) may wait for a commit to share.
LAZY_DELAY_S = 0.005
# A caller waits at most this long for its record to be durable: past it, the trail is
# unavailable for that request (503, nothing forwarded). The record may still be committed
# later: a decision whose data never moved, as after a crash mid-transfer.
APPEND_TIMEOUT_S = 5.0
MIN_RETENTION_DAYS = 180  # Cybersecurity Law art. 21: network logs kept at least six months


class TrailUnavailable(Exception):
    """The trail cannot record right now; no data may move."""

    http_status = 503


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    leaf: bytes
    line: bytes


def checkpoint_digest(cp: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(cp)).hexdigest()


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass
class Recovered:
    frontier: Frontier
    prev: str
    last_checkpoint: dict[str, Any] | None


def rebuild(lines: Iterable[bytes], start: Frontier, prev: str) -> tuple[Frontier, str]:
    """Extend `start` with the leaves of `lines` (recovery); returns frontier and last leaf."""
    frontier = start.copy()
    for line in lines:
        leaf = leaf_hash(line)
        frontier.append(leaf)
        prev = leaf.hex()
    return frontier, prev


class Trail(abc.ABC):
    def __init__(self, log_id: str, signer: Signer, *, checkpoint_every: int = 1000,
                 checkpoint_interval_s: float = 10.0,
                 on_commit: Callable[[int, float], None] | None = None):
        self.log_id = log_id
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self.checkpoint_interval_s = checkpoint_interval_s
        self.on_commit = on_commit
        self.frontier = Frontier()
        self.prev = GENESIS
        self.last_checkpoint: dict[str, Any] | None = None
        self._pending: list[tuple[bytes, asyncio.Future[Entry]]] = []
        self._wakeup: asyncio.Event | None = None
        self._lazy_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._writer_alive = False
        self._writer_exited: asyncio.Event | None = None
        self._opened = False
        self._closing = False
        self._ambiguous = False  # a write failed: the store may hold more than we know
        self.reconciled = 0  # entries taken over from the store after an ambiguous write
        self._chain_lock = asyncio.Lock()
        self.failed: str | None = None
        # Called with each new signed tree checkpoint once it is durable (witness submission).
        self.checkpoint_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._clock_behind_logged = False
        # The log's own time when it was opened (its newest checkpoint's), and the monotonic
        # clock then: what retention measures against (retention_now)
        self._opened_at: tuple[dt.datetime, float] | None = None

    # -- store hooks ------------------------------------------------------------------------
    @abc.abstractmethod
    async def _open(self) -> Recovered: ...

    @abc.abstractmethod
    async def _persist(self, entries: list[Entry]) -> None: ...

    @abc.abstractmethod
    async def _persist_checkpoint(self, cp: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def _close(self) -> None: ...

    async def _store_public_key(self, key_id: str, pem: bytes) -> None:  # noqa: B027
        """Keep the public key beside the log so `verify --store` can find it."""

    async def store_policy(self, version: str, canonical_map: str) -> None:  # noqa: B027
        """Keep the canonical region map of each policy version the log refers to."""

    def _should_rotate(self, nbytes: int) -> bool:
        return False

    async def _rotate(self) -> None:  # noqa: B027
        pass

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """The writer is alive and the trail is not closing: appends can be committed."""
        return self._writer_alive and not self._closing

    @property
    def backlog(self) -> int:
        return len(self._pending)

    async def start(self, *, spawn_writer: bool = True) -> None:
        state = await self._open()
        self.frontier, self.prev, self.last_checkpoint = (state.frontier, state.prev,
                                                          state.last_checkpoint)
        self._opened_at = None
        with contextlib.suppress(KeyError, TypeError, ValueError):
            when = dt.datetime.fromisoformat(str((self.last_checkpoint or {})["time"]))
            if when.tzinfo is not None:
                self._opened_at = (when, time.monotonic())
        await self._store_public_key(self.signer.key_id, public_pem(self.signer.public))
        if self.frontier.size and (self.last_checkpoint is None
                                   or self.last_checkpoint.get("tree_size") != self.frontier.size
                                   or self.last_checkpoint.get("key_id") != self.signer.key_id):
            # After a crash (or a key rotation) sign what is there before adding to it.
            await self.checkpoint("recovery")
        self._wakeup = asyncio.Event()
        self._writer_exited = asyncio.Event()
        self._opened = True
        if spawn_writer:
            self._task = asyncio.create_task(self.writer(), name=f"trail-{self.log_id}")

    def writer(self) -> Coroutine[Any, Any, None]:
        """The group-commit loop, claimed now (appends are accepted from this call on) and run
        when awaited. It returns when the trail closes; if it ever stops otherwise, every
        waiting append fails at once with TrailUnavailable and new ones fail fast."""
        if not self._opened or self._writer_alive:
            raise RuntimeError(f"trail {self.log_id}: writer not startable")
        assert self._writer_exited is not None
        self._writer_alive = True
        self._writer_exited.clear()
        return self._write_loop()

    async def _write_loop(self) -> None:
        assert self._writer_exited is not None
        try:
            await self._flusher()
        finally:
            self._writer_alive = False
            self._writer_exited.set()
            if self._lazy_timer is not None:
                self._lazy_timer.cancel()
                self._lazy_timer = None
            if self._pending:
                batch, self._pending = self._pending, []
                error = TrailUnavailable("trail writer stopped")
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(error)

    async def close(self) -> None:
        if not self._opened:
            await self._close()
            return
        self._closing = True
        assert self._wakeup is not None and self._writer_exited is not None
        self._wakeup.set()
        if self._writer_alive:
            await self._writer_exited.wait()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
            self._task = None
        self._opened = False
        if self.failed is None:
            with contextlib.suppress(OSError, TrailUnavailable):
                await self.checkpoint("shutdown")
        await self._close()

    # -- appending --------------------------------------------------------------------------
    async def append(self, record: dict[str, Any]) -> Entry:
        """Commit `record`; returns once it is durable. Raises TrailUnavailable at once when
        the writer is not running, and ValueError/TypeError (from `canonical`) for a record
        that cannot be encoded: the caller built it and must handle that."""
        # Not shielded: a caller cancelled while it waits cancels only its own future; the
        # entry is committed all the same (the writer skips futures already done).
        fut = self.submit(record)
        try:
            async with asyncio.timeout(APPEND_TIMEOUT_S):
                return await fut
        except TimeoutError:
            # (bad-day round 11: a store that stops answering, a database connection gone
            # silent or a table another session locked, held every request here with no end)
            raise TrailUnavailable(f"the trail did not confirm the record within "
                                   f"{APPEND_TIMEOUT_S:g} s") from None

    def submit(self, record: dict[str, Any], *, lazy: bool = False) -> asyncio.Future[Entry]:
        """Queue `record` for the next group commit without waiting: the future resolves once
        it is durable (or fails with TrailUnavailable). Entries keep the order of submission.

        `lazy`: nobody waits on this record (a completion, written after the data moved), so
        it may wait up to LAZY_DELAY_S for the next record someone does wait on and share its
        commit (at one connection: one durable write per request instead of two). Closing the
        trail commits it at once."""
        if self._wakeup is None or not self.running:
            raise TrailUnavailable("trail writer is not running")
        body = canonical(record)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Entry] = loop.create_future()
        self._pending.append((body, fut))
        if not lazy:
            self._wakeup.set()
        elif self._lazy_timer is None:
            self._lazy_timer = loop.call_later(LAZY_DELAY_S, self._wakeup.set)
        return fut

    def _build(self, bodies: list[bytes]) -> list[Entry]:
        seq, prev = self.frontier.size, self.prev
        out = []
        for body in bodies:
            line = entry_line(self.log_id, seq, prev, body)
            leaf = leaf_hash(line)
            out.append(Entry(seq, leaf, line))
            seq += 1
            prev = leaf.hex()
        return out

    async def _flusher(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        last_cp_time = loop.time()
        while True:
            if not self._wakeup.is_set():  # (else at once: no timer)
                # A timer that sets the event, not wait_for: wait_for wraps the wait in a new
                # task each time, and at one connection the writer waits once per request.
                timer = loop.call_later(self.checkpoint_interval_s, self._wakeup.set)
                try:
                    await self._wakeup.wait()
                finally:
                    timer.cancel()
            self._wakeup.clear()
            if self._lazy_timer is not None:
                self._lazy_timer.cancel()
                self._lazy_timer = None
            if self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._commit(batch, loop)
                except Exception as exc:  # never let one batch kill the writer
                    error = TrailUnavailable(f"trail commit failed: {type(exc).__name__}")
                    self.failed = str(error)
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(error)
            since = self.frontier.size - int((self.last_checkpoint or {}).get("tree_size", 0))
            due = since >= self.checkpoint_every or (
                since and loop.time() - last_cp_time >= self.checkpoint_interval_s)
            if due and not self._closing:
                try:
                    if self._ambiguous:
                        await self._reconcile()
                    await self.checkpoint("interval")
                    last_cp_time = loop.time()
                except Exception as exc:  # store errors of any kind: retried next interval
                    self.failed = f"checkpoint failed: {type(exc).__name__}: {exc}"
            if self._pending:
                self._wakeup.set()
            elif self._closing:
                return

    async def _commit(self, batch: list[tuple[bytes, asyncio.Future[Entry]]],
                      loop: asyncio.AbstractEventLoop) -> None:
        started = loop.time()
        try:
            if self._ambiguous:
                await self._reconcile()
            entries = self._build([r for r, _ in batch])
            if self._should_rotate(sum(len(e.line) + 1 for e in entries)):
                await self.checkpoint("segment")
                await self._rotate()
            self._ambiguous = True  # until the store says it is done, it may or may not be
            await self._persist(entries)
            self._ambiguous = False
        except Exception as exc:  # OSError, a driver's own errors (asyncpg, ...), ...
            error = exc if isinstance(exc, TrailUnavailable) else TrailUnavailable(
                f"trail write failed: {type(exc).__name__}: {exc}")
            self.failed = str(error)
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(error)
            return
        self.failed = None
        for e in entries:
            self.frontier.append(e.leaf)
        self.prev = entries[-1].leaf.hex()
        if self.on_commit is not None:
            self.on_commit(len(entries), loop.time() - started)
        for (_, fut), entry in zip(batch, entries, strict=True):
            if not fut.done():
                fut.set_result(entry)

    async def _reconcile(self) -> None:
        """After a write whose outcome is unknown (a lost COMMIT acknowledgement, a dropped
        connection), continue from what the store holds, not from what we hoped: entries it
        committed after our last known one are taken over (each must carry the next
        sequence number and the previous entry's hash), and so is a checkpoint it holds
        beyond ours. Nothing is retried blindly."""
        lines = await self._stored_after(self.frontier.size)
        adopted = 0
        for line in lines:
            doc = json.loads(line)
            if doc.get("seq") != self.frontier.size or doc.get("prev") != self.prev \
                    or doc.get("log_id") != self.log_id:
                raise TrailUnavailable(f"log {self.log_id}: the store holds an entry at seq "
                                       f"{doc.get('seq')} that does not continue the chain")
            leaf = leaf_hash(line)
            self.frontier.append(leaf)
            self.prev = leaf.hex()
            adopted += 1
        stored_cp = await self._stored_checkpoint_after(self._next_index()[0])
        if stored_cp is not None:
            self.last_checkpoint = stored_cp
        self._ambiguous = False
        self.reconciled += adopted
        if adopted or stored_cp is not None:
            log.warning("trail_reconciled", log_id=self.log_id, adopted_entries=adopted,
                        adopted_checkpoint=stored_cp is not None, tree_size=self.frontier.size)

    async def _stored_after(self, seq: int) -> list[bytes]:
        """Store hook: the stored entry lines with sequence number >= seq, in order."""
        return []

    async def _stored_checkpoint_after(self, index: int) -> dict[str, Any] | None:
        """Store hook: the newest stored checkpoint with index >= `index`, if any."""
        return None

    def retention_now(self, wall: dt.datetime) -> tuple[dt.datetime, float]:
        """The time retention purges against, and by how many seconds the wall clock reads
        ahead of it. Not the wall clock alone: a host that came back with its clock two
        years ahead (a bad NTP source, a VM restored with a wrong RTC) purged every segment
        at start, records written minutes before included (bad-day round 13). The log's own
        time at open (its newest checkpoint's) plus the monotonic time since, which no clock
        step moves; the wall clock when it reads earlier. After a long stop this lags
        behind the real time by the length of the stop, for this run only: segments are
        then kept that much longer than the retention, never purged early."""
        if self._opened_at is None:
            return wall, 0.0
        since, mono = self._opened_at
        own = since + dt.timedelta(seconds=max(0.0, time.monotonic() - mono))
        if wall <= own:
            return wall, 0.0
        return own, (wall - own).total_seconds()

    # -- checkpoints ------------------------------------------------------------------------
    def _next_index(self) -> tuple[int, str]:
        if self.last_checkpoint is None:
            return 0, GENESIS
        return int(self.last_checkpoint["index"]) + 1, checkpoint_digest(self.last_checkpoint)

    async def checkpoint(self, reason: str) -> dict[str, Any]:
        # One link of the checkpoint chain at a time: the writer (every N entries), the timer,
        # key rotation and purge events would otherwise take the same index.
        async with self._chain_lock:
            return await self._checkpoint(reason)

    def _chain_time(self) -> dict[str, str]:
        """The time of the next link of the checkpoint chain: the wall clock, never before
        its predecessor's. A clock stepped back (a host restarted before NTP synced, NTP
        stepping a clock that ran fast) dated checkpoints before their predecessor, and
        `audit verify` failed the whole store after an ordinary clock correction (bad-day
        round 13). The link then keeps its predecessor's time and records the clock's reading
        beside it (`wall_time`), and a warning says by how much the clock is behind."""
        now = utcnow()
        last = str((self.last_checkpoint or {}).get("time", ""))
        if now >= last:
            self._clock_behind_logged = False
            return {"time": now}
        if not self._clock_behind_logged:
            self._clock_behind_logged = True
            try:
                behind = (dt.datetime.fromisoformat(last)
                          - dt.datetime.fromisoformat(now)).total_seconds()
            except ValueError:
                behind = None
            log.warning("trail_clock_behind", log_id=self.log_id, behind_s=behind,
                        hint="the wall clock reads earlier than the newest checkpoint: "
                             "checkpoints keep that time (and record the clock's as "
                             "wall_time) until the clock passes it; check NTP")
        return {"time": last, "wall_time": now}

    async def _checkpoint(self, reason: str) -> dict[str, Any]:
        index, prev = self._next_index()
        body = {
            "type": "checkpoint", "log_id": self.log_id, "index": index, "prev": prev,
            "tree_size": self.frontier.size, "root": self.frontier.root().hex(),
            "last_leaf": self.prev, "frontier": self.frontier.to_json(), **self._chain_time(),
            "reason": reason,
        }
        body["note"] = checkpoint_note(self.signer.key, origin_of(self.log_id), body)
        cp = self.signer.sign(body)
        try:
            await self._persist_checkpoint(cp)
        except BaseException:
            self._ambiguous = True
            raise
        self.last_checkpoint = cp
        for listener in self.checkpoint_listeners:
            listener(cp)
        return cp

    async def rotated_key(self, signer: Signer | None = None) -> None:
        """Publish the new key (`signer`'s, or the one already set) beside the log, then sign
        with it from now on and sign the current tree with it. When the public key cannot be
        stored (no space) this raises and the trail keeps signing with its old key: a
        checkpoint signed by a key whose public half was never kept would leave auditors a
        chain they cannot check (bad-day round 12); the next rotation or start tries again."""
        if signer is None:
            signer = self.signer
        await self._store_public_key(signer.key_id, public_pem(signer.public))
        self.signer = signer
        if self.running:
            await self.checkpoint("key_rotation")

    async def signed_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """Append a signed non-checkpoint event (a purge) to the checkpoint chain."""
        async with self._chain_lock:
            return await self._signed_event(body)

    async def _signed_event(self, body: dict[str, Any]) -> dict[str, Any]:
        index, prev = self._next_index()
        cp = self.signer.sign({**body, "log_id": self.log_id, "index": index, "prev": prev,
                               **self._chain_time()})
        await self._persist_checkpoint(cp)
        self.last_checkpoint = cp
        return cp
