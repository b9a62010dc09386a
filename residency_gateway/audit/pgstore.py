"""The fleet trail store: PostgreSQL, append-only tables with the same entries and checkpoints.

Same chain, leaves and checkpoints as the file store (the `Trail` base class builds them); this
module only persists. A group commit is one transaction (one WAL flush for the whole batch).
Tables refuse UPDATE and DELETE through a row trigger (DELETE only inside a retention purge that
sets `rg.purge`) and TRUNCATE through a statement trigger, which no row trigger sees (bad-day
round 13; never allowed, not even in a purge). The schema, triggers included, is re-applied at
every start, so a database created by an older version gets them too. Each gateway process
holds a session advisory lock on its log id, so two processes never write one chain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import zlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

import asyncpg
import structlog

from residency_gateway.audit.chain import GENESIS, leaf_hash
from residency_gateway.audit.merkle import Frontier
from residency_gateway.audit.records import canonical
from residency_gateway.audit.trail import Entry, Recovered, Trail, TrailUnavailable, rebuild

log = structlog.get_logger("residency_gateway")

SCHEMA = """
CREATE TABLE IF NOT EXISTS rg_trail_entries (
    log_id text NOT NULL, seq bigint NOT NULL, line bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log_id, seq));
CREATE TABLE IF NOT EXISTS rg_trail_checkpoints (
    log_id text NOT NULL, idx bigint NOT NULL, body text NOT NULL, PRIMARY KEY (log_id, idx));
CREATE TABLE IF NOT EXISTS rg_trail_keys (key_id text PRIMARY KEY, pem text NOT NULL);
CREATE TABLE IF NOT EXISTS rg_trail_policies (version text PRIMARY KEY, body text NOT NULL);
CREATE OR REPLACE FUNCTION rg_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('rg.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'residency-gateway trail tables are append-only (% on %)',
        TG_OP, TG_TABLE_NAME;
END $$;
DROP TRIGGER IF EXISTS rg_trail_entries_append_only ON rg_trail_entries;
CREATE TRIGGER rg_trail_entries_append_only BEFORE UPDATE OR DELETE ON rg_trail_entries
    FOR EACH ROW EXECUTE FUNCTION rg_trail_append_only();
DROP TRIGGER IF EXISTS rg_trail_checkpoints_append_only ON rg_trail_checkpoints;
CREATE TRIGGER rg_trail_checkpoints_append_only BEFORE UPDATE OR DELETE ON rg_trail_checkpoints
    FOR EACH ROW EXECUTE FUNCTION rg_trail_append_only();
DROP TRIGGER IF EXISTS rg_trail_entries_no_truncate ON rg_trail_entries;
CREATE TRIGGER rg_trail_entries_no_truncate BEFORE TRUNCATE ON rg_trail_entries
    FOR EACH STATEMENT EXECUTE FUNCTION rg_trail_append_only();
DROP TRIGGER IF EXISTS rg_trail_checkpoints_no_truncate ON rg_trail_checkpoints;
CREATE TRIGGER rg_trail_checkpoints_no_truncate BEFORE TRUNCATE ON rg_trail_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION rg_trail_append_only();
"""
_SCHEMA_LOCK = 0x5247_7472  # "RGtr": serialises schema creation across processes
# Every statement of the trail's connection is bounded (bad-day round 11: a connection gone
# silent mid-transaction, or a table another session locked, held every request on the
# append with no end): asyncpg cancels a command past COMMAND_TIMEOUT_S, and the server
# refuses a wait for a lock past LOCK_TIMEOUT, a statement past STATEMENT_TIMEOUT. The trail
# is then unavailable (503 trail_unavailable, nothing forwarded) and reconnects.
COMMAND_TIMEOUT_S = 5.0
_SERVER_SETTINGS = {"lock_timeout": "3s", "statement_timeout": "4s",
                    "idle_in_transaction_session_timeout": "10s"}
_DB_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def _said(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__  # (a TimeoutError says nothing)


def _vanished(log_id: str, what: str) -> TrailUnavailable:
    """The store lost rows it acknowledged (a TRUNCATE or DELETE past the triggers, by a
    superuser with the triggers disabled): nothing more is written on a trail with no
    beginning; each request is refused (503 trail_unavailable) until an operator looks."""
    return TrailUnavailable(f"log {log_id}: {what} is gone from the PostgreSQL store (rows "
                            "deleted or truncated past the append-only triggers?); nothing "
                            "more is written to it")


def _purged_through(checkpoints: list[dict[str, Any]]) -> int:
    """The last seq a signed purge event of these checkpoint rows removed (-1: none)."""
    return max((int(c.get("through_seq", -1)) for c in checkpoints
                if c.get("type") == "purge"), default=-1)


def _log_lock(log_id: str) -> int:
    return zlib.crc32(log_id.encode()) | (1 << 40)


async def ensure_schema(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK)
        await conn.execute(SCHEMA)


_M = TypeVar("_M", bound=Callable[..., Any])


def _serialized(method: _M) -> _M:
    """One operation at a time on the trail's connection: asyncpg refuses a second one while
    the first is in flight ("another operation is in progress"), and the writer, the
    checkpoint timer and start-up share the connection."""

    @functools.wraps(method)
    async def run(self: PgTrail, *args: Any, **kwargs: Any) -> Any:
        async with self._db_lock:
            return await method(self, *args, **kwargs)

    return cast(_M, run)


class PgTrail(Trail):
    def __init__(self, dsn: str, log_id: str, signer: Any, **kwargs: Any):
        super().__init__(log_id, signer, **kwargs)
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._db_lock = asyncio.Lock()

    async def _connect(self) -> asyncpg.Connection:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        try:
            conn = await asyncpg.connect(self.dsn, timeout=5, command_timeout=COMMAND_TIMEOUT_S,
                                         server_settings=_SERVER_SETTINGS)
        except _DB_ERRORS as exc:
            raise TrailUnavailable(f"trail database unreachable: {_said(exc)}") from exc
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _log_lock(self.log_id)):
            await conn.close()
            raise TrailUnavailable(f"log {self.log_id} is held by another process")
        self._conn = conn
        return conn

    @_serialized
    async def _open(self) -> Recovered:
        conn = await self._connect()
        await ensure_schema(conn)
        rows = await conn.fetch("SELECT body FROM rg_trail_checkpoints WHERE log_id=$1 "
                                "ORDER BY idx", self.log_id)
        checkpoints = [json.loads(r["body"]) for r in rows]
        last = checkpoints[-1] if checkpoints else None
        sized = [c for c in checkpoints if c.get("type") == "checkpoint"]
        if sized:  # resume from the newest signed frontier; read only the entries after it
            cp = sized[-1]
            size = int(cp["tree_size"])
            anchor = await conn.fetchval("SELECT line FROM rg_trail_entries WHERE log_id=$1 "
                                         "AND seq = $2", self.log_id, size - 1) if size else None
            self._check_anchor(cp, None if anchor is None else bytes(anchor))
            if anchor is not None:
                await self._no_hole_below(conn, size, checkpoints)
            elif size and _purged_through(checkpoints) >= size - 1 and not await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM rg_trail_entries WHERE log_id=$1 AND "
                    "seq < $2)", self.log_id, size):
                # (bad-day round 14: a signed purge took every entry up to this checkpoint,
                # the newest included, when all were older than the retention; the tail, if
                # any, goes on from the checkpoint's frontier. Refused until now: the gateway
                # that purged could neither write its next entry nor start again)
                anchor = b""
            if anchor is not None or not size:
                tail = [bytes(r["line"]) for r in await conn.fetch(
                    "SELECT line FROM rg_trail_entries WHERE log_id=$1 AND seq >= $2 "
                    "ORDER BY seq", self.log_id, size)]
                frontier, prev = rebuild(tail, Frontier.from_json(size, cp["frontier"]),
                                         cp["last_leaf"])
                return Recovered(frontier, prev, last)
        lines = [bytes(r["line"]) for r in await conn.fetch(
            "SELECT line FROM rg_trail_entries WHERE log_id=$1 ORDER BY seq", self.log_id)]
        if not lines and sized and int(sized[-1]["tree_size"]):
            # (a legal purge always leaves its own signed event and what follows it)
            raise _vanished(self.log_id, f"all {int(sized[-1]['tree_size'])} entries its "
                            "checkpoints cover")
        start, prev = Frontier(), GENESIS
        if lines:
            first_seq = json.loads(lines[0])["seq"]
            if first_seq:
                cp = next((c for c in checkpoints if c.get("type") == "checkpoint"
                           and c.get("tree_size") == first_seq), None)
                if cp is None:
                    raise TrailUnavailable(f"log {self.log_id} starts at seq {first_seq} "
                                           "without a checkpoint to continue from")
                self._check_anchor(cp, None)
                self._purged_below(first_seq, checkpoints)
                start, prev = Frontier.from_json(first_seq, cp["frontier"]), cp["last_leaf"]
        frontier, prev = rebuild(lines, start, prev)
        if sized and frontier.size < int(sized[-1]["tree_size"]):
            # (rows a signed checkpoint covers deleted past the triggers, the newest kept)
            raise _vanished(self.log_id, f"entries {frontier.size}-"
                            f"{int(sized[-1]['tree_size']) - 1}, which checkpoint "
                            f"#{sized[-1].get('index')} signed,")
        if lines and not checkpoints:
            # (a crash before the first checkpoint, or the checkpoints deleted while stopped:
            # said, not silent, as the file store says it)
            log.warning("trail_checkpoints_missing", log_id=self.log_id,
                        table="rg_trail_checkpoints", entries=frontier.size,
                        hint="entries and no signed checkpoint: a new checkpoint chain starts "
                             "over them; if the checkpoint rows were deleted, the checkpoints "
                             "signed before (and their witnesses) are in a backup")
        return Recovered(frontier, prev, checkpoints[-1] if checkpoints else None)

    async def _no_hole_below(self, conn: asyncpg.Connection, size: int,
                             checkpoints: list[dict[str, Any]]) -> None:
        """The rows below a checkpoint resumed from are not read again at start, so a row
        deleted among them past the triggers while the gateway was stopped is looked for by
        count (index only): seq runs from the first kept row to size - 1 without a gap, and
        the rows before the first kept one went by a signed purge."""
        low, held = await conn.fetchrow("SELECT min(seq), count(*) FROM rg_trail_entries "
                                        "WHERE log_id=$1 AND seq < $2", self.log_id, size)
        if low is not None and held != size - low:
            raise _vanished(self.log_id, f"{size - low - held} of the entries {low}-{size - 1}, "
                            "which a signed checkpoint covers,")
        if low is not None:
            self._purged_below(int(low), checkpoints)

    def _purged_below(self, first_seq: int, checkpoints: list[dict[str, Any]]) -> None:
        """The entries before the first kept one went by a signed purge event (a retention
        purge signs one before it deletes), not by a DELETE past the triggers."""
        if first_seq and not any(c.get("type") == "purge"
                                 and int(c.get("through_seq", -1)) >= first_seq - 1
                                 for c in checkpoints):
            raise _vanished(self.log_id, f"the entries 0-{first_seq - 1} (no signed purge "
                            "removed them)")

    def _check_anchor(self, cp: dict[str, Any], anchor: bytes | None) -> None:
        """A checkpoint this log resumes from must be its own: its log id, and (when the entry
        it ends at is held) that entry's leaf. Checkpoint rows of another copy of this log
        (a table restored from another environment's backup, two stores merged under one log
        id) would otherwise make the gateway sign roots mixed from two logs (bad-day round 14,
        as the file store refuses since round 13)."""
        if cp.get("log_id") == self.log_id and (
                anchor is None or leaf_hash(anchor).hex() == cp.get("last_leaf")):
            return
        raise TrailUnavailable(
            f"log {self.log_id}: checkpoint #{cp.get('index')} in rg_trail_checkpoints (tree "
            f"size {cp.get('tree_size')}, log {cp.get('log_id')!r}) does not match this log's "
            f"entries: the entry at seq {int(cp.get('tree_size', 0)) - 1} is not its last leaf "
            f"(checkpoints of another copy of this log restored, or entries replaced); nothing "
            f"is written until an operator looks (`audit verify --store` says what differs)")

    @_serialized
    async def _persist(self, entries: list[Entry]) -> None:
        try:
            conn = await self._connect()
            async with conn.transaction():
                first = entries[0].seq if entries else 0
                if first and not await conn.fetchval(
                        "SELECT EXISTS (SELECT 1 FROM rg_trail_entries WHERE log_id=$1 AND "
                        "seq=$2)", self.log_id, first - 1) and not await conn.fetchval(
                        # (or a signed purge took it: every entry was past the retention)
                        "SELECT EXISTS (SELECT 1 FROM rg_trail_checkpoints WHERE log_id=$1 "
                        "AND body::jsonb->>'type' = 'purge' AND "
                        "(body::jsonb->>'through_seq')::bigint >= $2)", self.log_id, first - 1):
                    raise _vanished(self.log_id, f"the entry at seq {first - 1}")
                await conn.executemany(
                    "INSERT INTO rg_trail_entries (log_id, seq, line) VALUES ($1, $2, $3)",
                    [(self.log_id, e.seq, e.line) for e in entries])
        except _DB_ERRORS as exc:
            await self._drop()
            raise TrailUnavailable(f"trail database write failed: {_said(exc)}") from exc

    @_serialized
    async def _persist_checkpoint(self, cp: dict[str, Any]) -> None:
        try:
            conn = await self._connect()
            index = int(cp["index"])
            async with conn.transaction():
                if index and not await conn.fetchval(
                        "SELECT EXISTS (SELECT 1 FROM rg_trail_checkpoints WHERE log_id=$1 "
                        "AND idx=$2)", self.log_id, index - 1):
                    raise _vanished(self.log_id, f"checkpoint {index - 1}")
                await conn.execute("INSERT INTO rg_trail_checkpoints (log_id, idx, body) "
                                   "VALUES ($1, $2, $3)", self.log_id, index,
                                   canonical(cp).decode())
        except _DB_ERRORS as exc:
            await self._drop()
            raise TrailUnavailable(f"checkpoint write failed: {_said(exc)}") from exc

    @_serialized
    async def _stored_after(self, seq: int) -> list[bytes]:
        try:
            conn = await self._connect()
            rows = await conn.fetch("SELECT line FROM rg_trail_entries WHERE log_id=$1 AND "
                                    "seq >= $2 ORDER BY seq", self.log_id, seq)
        except _DB_ERRORS as exc:
            await self._drop()
            raise TrailUnavailable(f"trail database unreachable: {_said(exc)}") from exc
        return [bytes(r["line"]) for r in rows]

    @_serialized
    async def _stored_checkpoint_after(self, index: int) -> dict[str, Any] | None:
        try:
            conn = await self._connect()
            body = await conn.fetchval("SELECT body FROM rg_trail_checkpoints WHERE log_id=$1 "
                                       "AND idx >= $2 ORDER BY idx DESC LIMIT 1",
                                       self.log_id, index)
        except _DB_ERRORS as exc:
            await self._drop()
            raise TrailUnavailable(f"trail database unreachable: {_said(exc)}") from exc
        return None if body is None else dict(json.loads(body))

    @_serialized
    async def _store_public_key(self, key_id: str, pem: bytes) -> None:
        conn = await self._connect()
        await conn.execute("INSERT INTO rg_trail_keys (key_id, pem) VALUES ($1, $2) "
                           "ON CONFLICT (key_id) DO NOTHING", key_id, pem.decode())

    @_serialized
    async def store_policy(self, version: str, canonical_map: str) -> None:
        conn = await self._connect()
        await conn.execute("INSERT INTO rg_trail_policies (version, body) VALUES ($1, $2) "
                           "ON CONFLICT (version) DO NOTHING", version, canonical_map)

    async def purge(self, retention_days: int, now: dt.datetime) -> list[str]:
        """Delete entries written before the retention cutoff, up to a signed checkpoint
        boundary, after a signed purge event (the same rule as whole file segments)."""
        cutoff = now - dt.timedelta(days=retention_days)
        # Its own connection: the purge runs beside the writer and signs an event through it.
        try:
            conn = await asyncpg.connect(self.dsn, timeout=5, command_timeout=COMMAND_TIMEOUT_S,
                                         server_settings=_SERVER_SETTINGS)
        except _DB_ERRORS as exc:
            raise TrailUnavailable(f"trail database unreachable: {_said(exc)}") from exc
        try:
            return await self._purge(conn, cutoff, retention_days)
        finally:
            await conn.close()

    async def _purge(self, conn: asyncpg.Connection, cutoff: dt.datetime,
                     retention_days: int) -> list[str]:
        first = await conn.fetchval("SELECT min(seq) FROM rg_trail_entries WHERE log_id=$1",
                                    self.log_id)
        if first is None:
            return []
        keep_from = await conn.fetchval(
            "SELECT min(seq) FROM rg_trail_entries WHERE log_id=$1 AND recorded_at >= $2",
            self.log_id, cutoff)
        limit = self.frontier.size if keep_from is None else int(keep_from)
        sizes = [json.loads(r["body"]).get("tree_size") for r in await conn.fetch(
            "SELECT body FROM rg_trail_checkpoints WHERE log_id=$1", self.log_id)]
        boundary = max((int(n) for n in sizes if isinstance(n, int) and first < n <= limit),
                       default=None)
        if boundary is None:
            return []
        await self.signed_event({"type": "purge", "retention_days": retention_days,
                                 "cutoff": cutoff.isoformat(), "through_seq": boundary - 1,
                                 "entries": boundary - int(first)})
        async with conn.transaction():
            await conn.execute("SET LOCAL rg.purge = 'on'")
            await conn.execute("DELETE FROM rg_trail_entries WHERE log_id=$1 AND seq < $2",
                               self.log_id, boundary)
        return [f"{self.log_id}@seq<{boundary}"]

    async def _drop(self, graceful: bool = False) -> None:
        """Forget the connection: after a failure at once (a connection gone silent would hold
        the writer for the graceful close's timeout), at shutdown gracefully."""
        if self._conn is not None:
            try:
                if not graceful:
                    raise TimeoutError
                await self._conn.close(timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                self._conn.terminate()
            self._conn = None

    @_serialized
    async def _close(self) -> None:
        await self._drop(graceful=True)


async def read_all(dsn: str) -> dict[str, Any]:
    """Everything in a PostgreSQL trail store, for export and verify."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        logs: dict[str, dict[str, list[Any]]] = {}
        for r in await conn.fetch("SELECT log_id, seq, line FROM rg_trail_entries "
                                  "ORDER BY log_id, seq"):
            logs.setdefault(r["log_id"], {"entries": [], "checkpoints": []})["entries"].append(
                (r["seq"], bytes(r["line"])))
        for r in await conn.fetch("SELECT log_id, idx, body FROM rg_trail_checkpoints "
                                  "ORDER BY log_id, idx"):
            logs.setdefault(r["log_id"], {"entries": [], "checkpoints": []})[
                "checkpoints"].append((r["idx"], r["body"]))
        keys = {r["key_id"]: r["pem"] for r in await conn.fetch(
            "SELECT key_id, pem FROM rg_trail_keys")}
        policies = {r["version"]: r["body"] for r in await conn.fetch(
            "SELECT version, body FROM rg_trail_policies")}
        return {"logs": logs, "keys": keys, "policies": policies}
    finally:
        await conn.close()
