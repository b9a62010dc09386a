"""`residency-gateway witness serve`: a c2sp.org/tlog-witness witness (shell).

Its own Ed25519 key (`<witness-data-dir>/key/`), its own small store (one JSON file per log
under `<witness-data-dir>/state/`, or a PostgreSQL table), the logs it serves given as vkeys.
  POST /add-checkpoint           verify, check consistency, persist, return the cosignature
  GET  /<origin sha256>/checkpoint   the latest cosigned checkpoint (monitoring)
  GET  /metrics                  Prometheus text
A refused checkpoint that shows a log misbehaving (roll-back, fork, inconsistent proof) is
counted in `rg_witness_checkpoints_total{result=...}`, logged at error level and alerted on
(deploy/prometheus/alerts.yaml, WitnessRefusedCheckpoint). Check and update of a log's state
are one atomic step (a lock and fsync'd replace; a PostgreSQL transaction with an advisory
lock), so two racing submissions cannot roll the witness back (tlog-witness, add-checkpoint).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import signal
import time
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import structlog
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from residency_gateway.audit.note import COSIGNATURE_V1, Note, Verifier, cosign, parse_vkey
from residency_gateway.audit.signing import Signer, load_signer
from residency_gateway.audit.witness import (
    MISBEHAVIOUR,
    SIZE_CONTENT_TYPE,
    Latest,
    Refused,
    Submission,
    check_consistency,
    check_signature,
    origin_hash,
    parse_submission,
)
from residency_gateway.files import HeldLock, read_regular, write_durable

log = structlog.get_logger("residency_gateway.witness")
MAX_BODY = 64 * 1024


class WitnessStore(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def get(self, origin: str) -> Latest | None: ...
    async def update(self, origin: str, decide: Callable[[Latest | None], Latest]) -> Latest: ...


def _latest_json(origin: str, latest: Latest) -> bytes:
    return json.dumps({"origin": origin, "size": latest.size, "root": latest.root.hex(),
                       "note": latest.note}, sort_keys=True).encode()


def _latest_from(data: str | bytes) -> Latest:
    obj = json.loads(data)
    return Latest(int(obj["size"]), bytes.fromhex(obj["root"]), str(obj["note"]))


class FileWitnessStore:
    """One file per log, replaced atomically (write, fsync, rename, fsync the directory)."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self._lock = asyncio.Lock()
        self._held = HeldLock(self.dir / "LOCK")

    async def open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._held = HeldLock(self.dir / "LOCK")  # (a FIFO or directory there: OSError)
        if not self._held.take():
            raise OSError(f"witness store {self.dir} is held by another process")

    async def close(self) -> None:
        self._held.release()

    def _path(self, origin: str) -> Path:
        return self.dir / f"{origin_hash(origin)}.json"

    async def get(self, origin: str) -> Latest | None:
        try:
            # a regular file, bounded: a named pipe there must not hang the witness
            return _latest_from(read_regular(self._path(origin), 1 << 20))
        except FileNotFoundError:
            return None

    async def update(self, origin: str, decide: Callable[[Latest | None], Latest]) -> Latest:
        async with self._lock:
            # LOCK must still name the file this process locked (as a trail's: a deleted LOCK
            # let a second witness cosign from the same state beside this one); taken back
            # when deleted and no other process made a new one, else no cosignature
            state = self._held.check(lambda: True)
            if state == "retaken":
                log.warning("witness_lock_retaken", file=str(self._held.path))
            elif state == "lost":
                log.error("witness_lock_lost", file=str(self._held.path),
                          hint="LOCK was replaced: another process may cosign from this store; "
                               "nothing is cosigned until this witness restarts")
                raise OSError(errno.ENOLCK, "the witness store's LOCK file was replaced",
                              str(self._held.path))
            new = decide(await self.get(origin))
            await asyncio.get_running_loop().run_in_executor(
                None, write_durable, self._path(origin), _latest_json(origin, new), 0o600)
            return new


PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS rg_witness_latest (
    origin text PRIMARY KEY, size bigint NOT NULL, root bytea NOT NULL, note text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now());
"""


class PgWitnessStore:
    """A row per log; check and update in one transaction under an advisory lock."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._pool: Any = None

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4, timeout=5)
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", 0x5247_5774)
            await conn.execute(PG_SCHEMA)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def get(self, origin: str) -> Latest | None:
        row = await self._pool.fetchrow(
            "SELECT size, root, note FROM rg_witness_latest WHERE origin = $1", origin)
        return None if row is None else Latest(row["size"], bytes(row["root"]), row["note"])

    async def update(self, origin: str, decide: Callable[[Latest | None], Latest]) -> Latest:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)",
                               zlib.crc32(origin.encode()) | (1 << 41))
            row = await conn.fetchrow(
                "SELECT size, root, note FROM rg_witness_latest WHERE origin = $1", origin)
            current = None if row is None else Latest(row["size"], bytes(row["root"]),
                                                      row["note"])
            new = decide(current)
            await conn.execute(
                "INSERT INTO rg_witness_latest (origin, size, root, note) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (origin) DO UPDATE SET size = $2, root = $3, note = $4, "
                "updated_at = now()", origin, new.size, new.root, new.note)
            return new


class WitnessMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.checkpoints = Counter(
            "rg_witness_checkpoints", "Checkpoints submitted to this witness, by log and result "
            "(cosigned, or why refused: rollback, fork and inconsistent mean a misbehaving log)",
            ["log", "result"], registry=r)
        self.cosigned_size = Gauge("rg_witness_cosigned_size",
                                   "Tree size of the latest checkpoint cosigned, by log",
                                   ["log"], registry=r)


class Witness:
    def __init__(self, name: str, signer: Signer, logs: list[Verifier], store: WitnessStore,
                 *, clock: Callable[[], float] = time.time):
        self.name = name
        self.signer = signer
        self.verifier = Verifier(name, COSIGNATURE_V1, signer.public)
        self.trusted: dict[str, list[Verifier]] = {}
        for v in logs:
            self.trusted.setdefault(v.name, []).append(v)
        self.store = store
        self.clock = clock
        self.metrics = WitnessMetrics()

    def _cosigned(self, sub: Submission) -> Callable[[Latest | None], Latest]:
        def decide(latest: Latest | None) -> Latest:
            check_consistency(sub, latest)
            keys = self.trusted[sub.checkpoint.origin]
            mine = [s for s in sub.note.signatures
                    if any(s.name == v.name and s.key_id == v.key_id for v in keys)]
            sig = cosign(sub.note.text, self.name, self.signer.key, int(self.clock()))
            note = Note(sub.note.text, (*mine, sig))
            return Latest(sub.checkpoint.size, sub.checkpoint.root, note.render())
        return decide

    async def add_checkpoint(self, body: bytes) -> tuple[int, str, str]:
        """(status, content type, body) for a submission."""
        origin = "unknown"
        try:
            sub = parse_submission(body)
            check_signature(sub, self.trusted)
            origin = sub.checkpoint.origin
            new = await self.store.update(origin, self._cosigned(sub))
        except OSError as exc:  # the store cannot be read or written: nothing cosigned
            self.metrics.checkpoints.labels(log=origin, result="store_unavailable").inc()
            log.error("witness_store_unavailable", log=origin, error=type(exc).__name__,
                      detail=str(exc)[:300])
            return 503, PROBLEM_JSON, _problem(
                503, "witness_store_unavailable", "the witness could not read or write its "
                "state: nothing was cosigned; submit again later")
        except Refused as exc:
            self.metrics.checkpoints.labels(log=origin, result=exc.reason).inc()
            if exc.reason in MISBEHAVIOUR:
                log.error("witness_refused_checkpoint", log=origin, reason=exc.reason,
                          status=exc.status, detail=str(exc))
            else:
                log.info("witness_submission_rejected", log=origin, reason=exc.reason,
                         status=exc.status, detail=str(exc))
            if exc.body is not None:
                return exc.status, SIZE_CONTENT_TYPE, exc.body
            return exc.status, "text/plain", f"{exc}\n"
        self.metrics.checkpoints.labels(log=origin, result="cosigned").inc()
        self.metrics.cosigned_size.labels(log=origin).set(new.size)
        log.info("witness_cosigned", log=origin, size=new.size)
        mine = new.note.rstrip("\n").split("\n")[-1] + "\n"  # our signature line is the last
        return 200, "text/plain", mine


PROBLEM_JSON = "application/problem+json"
_TITLES = {500: "Internal Error", 503: "Service Unavailable"}


def _problem(status: int, reason: str, detail: str) -> str:
    """An RFC 9457 body, as the gateway's (the audit package stands below the gateway's
    shell, so it does not take gateway.problem)."""
    return json.dumps({"type": "urn:residency-gateway:problem:" + reason,
                       "title": _TITLES.get(status, "Error"), "status": status,
                       "detail": detail, "reason": reason})


@web.middleware
async def _errors_as_problems(request: web.Request, handler: Any) -> web.StreamResponse:
    """The witness's last resort: an unexpected error is a logged 500 problem+json, and a
    store that cannot be read (latest) a 503 (aiohttp's own 4xx pass as they are)."""
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPException:
        raise
    except OSError as exc:
        log.error("witness_store_unavailable", error=type(exc).__name__, detail=str(exc)[:300])
        return web.Response(status=503, text=_problem(
            503, "witness_store_unavailable", "the witness could not read its state"),
            content_type=PROBLEM_JSON)
    except Exception as exc:
        log.error("witness_unhandled_error", error=type(exc).__name__)
        return web.Response(status=500, text=_problem(
            500, "internal_error", "the witness failed on this request"),
            content_type=PROBLEM_JSON)


def witness_app(w: Witness) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_errors_as_problems])

    async def add(request: web.Request) -> web.Response:
        status, ctype, body = await w.add_checkpoint(await request.read())
        return web.Response(status=status, text=body, content_type=ctype)

    async def latest(request: web.Request) -> web.Response:
        for origin in w.trusted:
            if origin_hash(origin) == request.match_info["hash"]:
                got = await w.store.get(origin)
                if got is not None:
                    return web.Response(text=got.note, content_type="text/plain")
        raise web.HTTPNotFound(text="no checkpoint cosigned for that log\n")

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(w.metrics.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def store_ctx(_app: web.Application) -> AsyncIterator[None]:
        await w.store.open()
        yield
        await w.store.close()

    app.cleanup_ctx.append(store_ctx)
    app.router.add_post("/add-checkpoint", add)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/{hash:[0-9a-f]{64}}/checkpoint", latest)
    return app


def build_witness(name: str, data_dir: Path, log_vkeys: list[str],
                  store: str | None = None) -> Witness:
    logs = [parse_vkey(v) for v in log_vkeys]
    signer = load_signer(data_dir / "key")
    st: WitnessStore = (PgWitnessStore(store) if store and store.startswith(
        ("postgres://", "postgresql://")) else FileWitnessStore(Path(store or data_dir / "state")))
    return Witness(name, signer, logs, st)


async def serve(w: Witness, host: str, port: int,
                ready: Callable[[int], None] | None = None) -> None:
    runner = web.AppRunner(witness_app(w), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = int(runner.addresses[0][1]) if runner.addresses else port
    log.info("witness_listening", host=host, port=bound, vkey=w.verifier.vkey(),
             logs=sorted(w.trusted))
    if ready is not None:
        ready(bound)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
