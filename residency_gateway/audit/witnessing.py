"""Getting a trail's checkpoints witnessed (shell): submit, retry, keep the cosignatures.

Each new signed checkpoint of a trail (its `checkpoint_listeners` hook) wakes one task per
configured witness. The task sends `add-checkpoint` with a consistency proof from the size that
witness last cosigned (learnt from a 409 answer, or from its last cosignature), verifies the
returned cosignature with the witness's configured key and appends the cosigned note to the
trail store (`<log>/cosigned.jsonl`, or the `rg_trail_cosigned` table). Failures back off
exponentially with jitter; nothing here is on the request path, so a witness outage never
blocks traffic - `rg_checkpoint_unwitnessed_seconds` rises instead (alert
CheckpointUnwitnessed).

The proof needs the frontier at the old size (it is in our checkpoint of that size) and the
leaf hashes after it (read back from the store): RFC 6962 PROOF(m, n) uses only the perfect
subtrees of [0, m) and subtrees of [m, n).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import structlog

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.filestore import (
    _append_durable,
    iter_lines,
    list_segments,
    read_checkpoints,
)
from residency_gateway.audit.merkle import (
    Frontier,
    Unavailable,
    consistency_proof,
    frontier_ranges,
    range_hasher,
)
from residency_gateway.audit.note import (
    Verifier,
    parse_note,
    parse_signature_lines,
    parse_vkey,
    verify_note,
)
from residency_gateway.audit.records import canonical
from residency_gateway.audit.trail import Trail
from residency_gateway.audit.witness import submission_body
from residency_gateway.observability import Metrics
from residency_gateway.settings import Settings

log = structlog.get_logger("residency_gateway.witnessing")

COSIGNED_SCHEMA = """
CREATE TABLE IF NOT EXISTS rg_trail_cosigned (
    log_id text NOT NULL, tree_size bigint NOT NULL, witness text NOT NULL, note text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log_id, tree_size, witness));
"""


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    url: str
    verifier: Verifier


class TrailReader:
    """Read back what a trail store holds: the checkpoint of a size, leaves in a range, and
    the place to keep cosigned notes."""

    def __init__(self, trail: Trail):
        self.trail = trail
        self.dsn: str | None = getattr(trail, "dsn", None)
        self.dir: Path | None = getattr(trail, "dir", None)

    async def checkpoint_at(self, size: int) -> dict[str, Any] | None:
        if self.dsn is not None:
            conn = await asyncpg.connect(self.dsn, timeout=5)
            try:
                body = await conn.fetchval(
                    "SELECT body FROM rg_trail_checkpoints WHERE log_id = $1 AND "
                    "(body::jsonb ->> 'tree_size')::bigint = $2 AND body::jsonb ->> 'type' = "
                    "'checkpoint' ORDER BY idx DESC LIMIT 1", self.trail.log_id, size)
            finally:
                await conn.close()
            return None if body is None else dict(json.loads(body))
        assert self.dir is not None
        found = None
        for _, cp in read_checkpoints(self.dir):
            if cp.get("type") == "checkpoint" and cp.get("tree_size") == size:
                found = cp
        return found

    async def leaves(self, start: int, end: int) -> list[bytes]:
        if start >= end:
            return []
        if self.dsn is not None:
            conn = await asyncpg.connect(self.dsn, timeout=5)
            try:
                rows = await conn.fetch(
                    "SELECT line FROM rg_trail_entries WHERE log_id = $1 AND seq >= $2 AND "
                    "seq < $3 ORDER BY seq", self.trail.log_id, start, end)
            finally:
                await conn.close()
            return [leaf_hash(bytes(r["line"])) for r in rows]
        return await asyncio.get_running_loop().run_in_executor(
            None, self._file_leaves, start, end)

    def _file_leaves(self, start: int, end: int) -> list[bytes]:
        assert self.dir is not None
        segments = list_segments(self.dir)
        chosen: list[Path] = []
        for seg in reversed(segments):  # from the newest back to the one holding `start`
            chosen.insert(0, seg)
            first = next(iter_lines(seg), None)
            if first is not None and int(json.loads(first[1])["seq"]) <= start:
                break
        out: list[bytes] = []
        for seg in chosen:
            for _, line in iter_lines(seg):
                seq = int(json.loads(line)["seq"])
                if start <= seq < end:
                    out.append(leaf_hash(line))
        return out

    async def keep(self, size: int, witness: str, note: str) -> None:
        if self.dsn is not None:
            conn = await asyncpg.connect(self.dsn, timeout=5)
            try:
                await conn.execute(COSIGNED_SCHEMA)
                await conn.execute(
                    "INSERT INTO rg_trail_cosigned (log_id, tree_size, witness, note) VALUES "
                    "($1, $2, $3, $4) ON CONFLICT DO NOTHING", self.trail.log_id, size,
                    witness, note)
            finally:
                await conn.close()
            return
        assert self.dir is not None
        line = canonical({"tree_size": size, "witness": witness, "note": note}) + b"\n"
        await asyncio.get_running_loop().run_in_executor(
            None, _append_durable, self.dir / "cosigned.jsonl", line)


async def proof_between(reader: TrailReader, old: int, new: dict[str, Any]) -> list[bytes]:
    n = int(new["tree_size"])
    if old == 0 or old == n:
        return []
    base = await reader.checkpoint_at(old)
    if base is None:
        raise Unavailable(f"no checkpoint of size {old} to prove consistency from")
    known = frontier_ranges(Frontier.from_json(old, base["frontier"]))
    leaves = await reader.leaves(old, n)
    if len(leaves) != n - old:
        raise Unavailable(f"entries {old}..{n - 1} are not all in the store")
    return consistency_proof(old, n, range_hasher(leaves, offset=old, known=known))


@dataclass
class _State:
    cosigned: int | None = None  # size this witness last cosigned (None: not known yet)
    cosigned_at: float = 0.0


@dataclass
class Witnessing:
    """Submits one trail's checkpoints to its witnesses; tracks how long the newest one has
    waited for a quorum."""

    trail: Trail
    witnesses: list[WitnessEndpoint]
    quorum: int
    timeout_s: float = 5.0
    backoff_max_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    latest: dict[str, Any] | None = None
    pending_since: float | None = None
    states: dict[str, _State] = field(default_factory=dict)
    _wake: dict[str, asyncio.Event] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _session: aiohttp.ClientSession | None = None
    _quorum: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.reader = TrailReader(self.trail)
        self.trail.checkpoint_listeners.append(self.notify)

    def notify(self, cp: dict[str, Any]) -> None:
        """A new checkpoint (called by the trail, synchronously: only wakes the tasks)."""
        self.latest = cp
        if self.pending_since is None and self.witnessed_size() < int(cp["tree_size"]):
            self.pending_since = self.clock()
            self._quorum.clear()
        for ev in self._wake.values():
            ev.set()

    def witnessed_size(self) -> int:
        """The largest size at least `quorum` witnesses have cosigned."""
        sizes = sorted((s.cosigned or 0 for s in self.states.values()), reverse=True)
        return sizes[self.quorum - 1] if len(sizes) >= self.quorum else 0

    def unwitnessed_seconds(self) -> float:
        return 0.0 if self.pending_since is None else self.clock() - self.pending_since

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        if self.latest is None and self.trail.last_checkpoint is not None and \
                self.trail.last_checkpoint.get("type") == "checkpoint":
            self.notify(self.trail.last_checkpoint)
        for w in self.witnesses:
            self.states[w.url] = _State()
            self._wake[w.url] = asyncio.Event()
            if self.latest is not None:
                self._wake[w.url].set()
            self._tasks.append(asyncio.create_task(self._run(w), name=f"witness-{w.url}"))

    async def close(self, drain_s: float = 0.0) -> None:
        """Stop; first wait up to `drain_s` for the newest checkpoint to reach its quorum."""
        if self.pending_since is not None and self._tasks and drain_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quorum.wait(), drain_s)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()

    async def _run(self, w: WitnessEndpoint) -> None:
        delay = 0.5
        wake = self._wake[w.url]
        while True:
            await wake.wait()
            wake.clear()
            cp = self.latest
            if cp is None:
                continue
            try:
                await self._submit(w, cp)
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # whatever goes wrong (a store, a witness): retry, never die
                log.warning("witness_submit_failed", witness=w.verifier.name, url=w.url,
                            log_id=self.trail.log_id, size=cp["tree_size"],
                            error=f"{type(exc).__name__}: {exc}", retry_in_s=round(delay, 2))
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, self.backoff_max_s)
                wake.set()

    async def _submit(self, w: WitnessEndpoint, cp: dict[str, Any]) -> None:
        state = self.states[w.url]
        size = int(cp["tree_size"])
        if state.cosigned is not None and state.cosigned >= size:
            return
        assert self._session is not None
        for _ in range(3):  # learn the witness's size (409) and go again
            old = state.cosigned or 0
            proof = await proof_between(self.reader, old, cp)
            body = submission_body(old, proof, cp["note"])
            async with self._session.post(w.url.rstrip("/") + "/add-checkpoint",
                                          data=body) as resp:
                # (read to a bound: an endless or huge answer was read whole into memory,
                # hundreds of MB for one hostile witness: bad-day round 11)
                raw = bytearray()
                async for chunk in resp.content.iter_chunked(16384):
                    raw += chunk
                    if len(raw) > MAX_WITNESS_ANSWER:
                        raise WitnessRefusal(f"answer larger than {MAX_WITNESS_ANSWER} bytes")
                text = raw.decode("utf-8", "replace")
                if resp.status == 409 and text.strip().isdigit():
                    learnt = int(text.strip())
                    if learnt > size:
                        raise WitnessRefusal(f"witness has cosigned size {learnt}, above this "
                                             f"checkpoint's {size}: the log was rolled back")
                    state.cosigned = learnt
                    continue
                if resp.status != 200:
                    raise WitnessRefusal(f"HTTP {resp.status}: {text.strip()[:200]}")
            note = parse_note(cp["note"])
            sigs = parse_signature_lines(text)
            cosigned = note.with_signatures(sigs)
            if not verify_note(cosigned, [w.verifier]):
                raise WitnessRefusal("the answer carries no cosignature by the witness's key")
            await self.reader.keep(size, w.verifier.name, cosigned.render())
            state.cosigned, state.cosigned_at = size, self.clock()
            log.info("checkpoint_witnessed", witness=w.verifier.name, log_id=self.trail.log_id,
                     size=size)
            latest = self.latest
            if latest is not None and self.witnessed_size() >= int(latest["tree_size"]):
                self.pending_since = None
                self._quorum.set()
            return
        raise WitnessRefusal("witness keeps answering 409")


# A witness's answer is a few cosignature lines (C2SP tlog-witness), or a tree size
MAX_WITNESS_ANSWER = 64 * 1024


class WitnessRefusal(Exception):
    """The witness said no (or said something we cannot use)."""


def witnessing_for(trails: list[Trail], settings: Settings, metrics: Metrics
                   ) -> list[Witnessing]:
    """One `Witnessing` per trail when witnesses are configured (RG_WITNESSES)."""
    if not settings.witnesses:
        return []
    endpoints = [WitnessEndpoint(w.url, parse_vkey(w.vkey)) for w in settings.witnesses]
    out = []
    for trail in trails:
        w = Witnessing(trail, endpoints, settings.witness_quorum,
                       timeout_s=settings.witness_timeout_s,
                       backoff_max_s=settings.witness_backoff_max_s)
        metrics.checkpoint_unwitnessed.labels(log=trail.log_id).set_function(
            w.unwitnessed_seconds)
        out.append(w)
    return out
