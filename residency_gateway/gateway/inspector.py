"""Body inspection off the event loop (shell).

Small bodies are inspected inline while the work stays small (a work budget and a budget of
bytes that decoding may produce); anything larger or costlier goes to a worker process, so a
large scan never holds the event loop (or the GIL) while other requests wait.
Measured on a 2-core machine: a 1.2 MB JSON array of 80,000 phone numbers (1.6 s of scanning)
delayed a concurrent small request by the whole scan inline, by tens of ms in a thread (the scan
holds the GIL between the interpreter's 5 ms switches), and by no more than scheduling noise in
a worker process.

Each worker process (forked from a forkserver that has the inspection code loaded) runs one job
at a time with a wall-clock limit and a memory cap (inspect_memory_mib: an allocation past it
fails in that job, a refusal, before the container's limit kills the gateway): a job past its
limit is killed alone, with its process, so one hostile body can never take other clients'
inspections down with it (a shared pool can only be killed whole). The number of concurrent jobs
is bounded; the limit counts from the job's start, not its queueing.

Issue 9: a worker serves job after job (it used to be one process per job). A fresh process per
job paid its fork and the copy-on-write faults of every page the inspection code touched, ~25 ms
of CPU against ~60 ms of inspecting a 150 KB photo form. A worker is retired (and a new one
forked when needed) after a job that failed for memory, after its address space grew by
RETIRE_GROWTH_BYTES (so each job keeps nearly the whole cap), after JOBS_PER_WORKER jobs, and
when idle for IDLE_S (the memory goes back when the traffic stops).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import datetime as dt
import functools
import importlib.machinery
import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

import structlog

from residency_gateway.core.payload import InspectOptions, binary_data, inspect_body
from residency_gateway.core.values import PayloadScan, Reason

log = structlog.get_logger("residency_gateway")
INLINE_BUDGET = 20_000  # work units (candidate windows) an inline inspection may spend
# Bytes decoding may produce inline. Each view is scanned whole, and the readings' steps per
# byte are no candidate windows the budget counts, so this is what bounds the inline scan: a
# 62 KiB body whose escapes decode into 16 views (~1 MiB) of "one two three x ..." took
# ~440 ms on the event loop at 1 MiB (red-team round 6, complexity); at 384 KiB ~170 ms, and
# a body that needs more goes to a worker. (A 64 KiB body and five decoded views of it stay
# inline; one with three kinds of escape, eight views, goes to a worker.)
INLINE_VIEW_BYTES = 384 * 1024
# Binary bodies (photos in forms, opaque blobs) over this go to a worker whatever their size:
# finding the text runs in them is C work no budget counts (~10 ms for 60 KB) that would hold
# the event loop.
INLINE_BINARY_BYTES = 8 * 1024
QUEUE_PER_WORKER = 4  # inspections that may wait for a worker, per worker; more: 503
WAIT_SLICE_S = 0.1  # how often a queued inspection looks whether its client is still there
JOBS_PER_WORKER = 500  # then the worker is retired (whatever a job left behind goes with it)
RETIRE_GROWTH_BYTES = 32 * 1024 * 1024  # address space grown past its start: retired
# (at most an eighth of inspect_memory_mib)
IDLE_S = 60.0  # an idle worker is retired after this long
_CLIENT_GONE = PayloadScan(False, note="the client went away while its body waited for "
                           "inspection", error=Reason.INSPECTION_BUSY)


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus `extra` bytes: past it an
    allocation fails (MemoryError) in this job alone, instead of the job growing until the
    kernel, or the container's memory limit, kills whatever it picks (the whole gateway)."""
    try:
        in_use = _vm_bytes()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = in_use + extra
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass  # no /proc (not Linux): the time limit still bounds the job


def _inspect(args: tuple[Any, ...]) -> tuple[PayloadScan, bool]:
    """One job: its scan, and whether the worker must retire after it (out of memory, or a
    failure of the inspection code)."""
    body, content_type, content_encoding, key, today, options = args
    failed: str | None = None
    try:
        return inspect_body(body, content_type=content_type,
                            content_encoding=content_encoding, key=key, today=today,
                            options=options), False
    except MemoryError:
        pass
    except Exception as exc:  # (a bug in inspection code: this body refused)
        # Bad-day round 14: raised out of the worker, multiprocessing printed its traceback,
        # the exception's message (which may quote the body: "invalid literal for int():
        # '1101011990...'") on the gateway's stderr, unless the gateway killed the worker
        # first on seeing its pipe close. The type's name alone is said, and the worker
        # retires (whatever state the failure left goes with it).
        failed = type(exc).__name__
    # (after the except block: its traceback, and the frames holding what filled the memory,
    # are gone; the refusal itself is built in advance)
    if failed is not None:
        return PayloadScan(False, note=f"inspection failed on this body ({failed})",
                           error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT), True
    return _OUT_OF_MEMORY, True


# (Not every allocation failure is a MemoryError: orjson 3.13 segfaults when the cap is hit
# inside it. That worker dies alone, and the body is refused all the same: "the inspection
# worker failed on this body".)
_OUT_OF_MEMORY = PayloadScan(False, note="inspection needs more memory than "
                             "inspect_memory_mib allows",
                             error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)


def _serve(conn: Connection, memory: int, retire_growth: int, jobs: int) -> None:
    """A worker process: jobs from `conn`, one at a time, each answered with its scan and
    whether this worker retires after it. Ends at EOF (the gateway closed its end or died),
    and with its parent, the forkserver, which ends with the gateway: a job running when the
    gateway is killed stops there (bad-day round 14: it ran on, orphaned, to its end, the time
    limit being the gateway's to enforce)."""
    _die_with_parent()
    try:
        if memory:
            _limit_memory(memory)
        try:
            start = _vm_bytes()
        except (OSError, ValueError):
            start = 0
        for n in range(1, jobs + 1):
            try:
                args = conn.recv()
            except (EOFError, OSError):
                return
            found, out_of_memory = _inspect(args)
            try:
                grown = _vm_bytes() - start if start else 0
            except (OSError, ValueError):
                grown = 0
            retire = out_of_memory or grown > retire_growth or n == jobs
            conn.send((found, retire))
            if retire:
                return
    finally:
        conn.close()


def _die_with_parent() -> None:
    """SIGKILL this process when its parent, the forkserver, ends (Linux's PR_SET_PDEATHSIG);
    elsewhere, and if it fails, a worker ends at its next EOF as before. The forkserver ends
    when every holder of its "alive" pipe's write end has closed it: the gateway, and each
    process it starts, this one included (multiprocessing hands it to every child, so that
    it may start processes itself), which a worker never does: its copy is closed here, or a
    busy worker and the forkserver would have kept each other alive."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        with contextlib.suppress(OSError):
            os.close(alive)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # (the parent ended before the request took effect)
        os._exit(1)


_PR_SET_PDEATHSIG = 1


class _Worker:
    """The gateway's end of one worker process."""

    def __init__(self, ctx: Any, memory: int, retire_growth: int, jobs: int):
        self.conn, theirs = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(theirs, memory, retire_growth, jobs),
                                   daemon=True)
        try:
            self.process.start()
        finally:
            theirs.close()
        self.idle_since = 0.0

    def answer(self, timeout_s: float) -> tuple[PayloadScan, bool]:
        if not self.conn.poll(timeout_s):
            raise TimeoutError
        found, retire = self.conn.recv()
        return found, retire

    def end(self, kill: bool) -> None:
        """Close it; `kill`: do not wait for it to finish on its own."""
        self.conn.close()
        if kill and self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(ValueError):
            self.process.close()


def _jobs_skip_main() -> None:
    """Jobs need nothing of the parent's __main__ (their target lives in this module), but a
    process started by multiprocessing re-runs the parent's main script when it is a plain
    file, as the `residency-gateway` console script is: every job imported the whole CLI
    (aiohttp, the app) before its work, ~320 ms a job against ~30 ms of inspecting a 150 KB
    photo form. A main module whose spec is named "__main__" is left alone in the child
    (multiprocessing.spawn._fixup_main_from_name); one run with `python -m` already is."""
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None:
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)


@functools.lru_cache(maxsize=16)
def _inline(options: InspectOptions) -> InspectOptions:
    """The options of an inline inspection: the same, within the inline budgets."""
    return dataclasses.replace(options, budget=min(options.budget, INLINE_BUDGET),
                               max_view_bytes=min(options.max_view_bytes, INLINE_VIEW_BYTES))


class Inspector:
    def __init__(self, *, threshold: int = 64 * 1024, timeout_s: float = 10.0,
                 workers: int | None = None, memory_bytes: int = 256 * 1024 * 1024,
                 jobs_per_worker: int = JOBS_PER_WORKER, idle_s: float = IDLE_S):
        self.threshold = threshold
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes  # what one job may allocate (0: no cap)
        self.jobs_per_worker = jobs_per_worker
        self.idle_s = idle_s
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._ctx = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has the inspection code loaded (no import per job).
        self._ctx.set_forkserver_preload(["residency_gateway.core.payload",
                                          "residency_gateway.gateway.inspector"])
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        # Its own threads: waiting on worker processes never takes the default executor's
        # threads, which the trail's writes use.
        self._threads = ThreadPoolExecutor(max_workers=self.workers,
                                           thread_name_prefix="inspect")
        self.jobs = 0  # inspections run in a worker process (tests and metrics read it)
        self.started = 0  # worker processes started (tests read it)
        self._idle: list[_Worker] = []  # workers waiting for a job (on the event loop only)
        self._prune_at: asyncio.TimerHandle | None = None
        self._closed = False

    def _run(self, worker: _Worker | None, args: tuple[Any, ...]
             ) -> tuple[PayloadScan, _Worker | None]:
        """One job in `worker` (None: a new one), in a thread: its scan, and the worker when
        it may take another job. A worker that fails or passes its time limit is killed."""
        if worker is not None:
            try:
                if not worker.process.is_alive():  # (it ended with its forkserver, or killed)
                    raise BrokenPipeError
                worker.conn.send(args)  # (a worker that died while idle: a new one instead)
            except (OSError, ValueError):
                worker.end(kill=True)
                worker = None
        if worker is None:
            _jobs_skip_main()
            # (retired once grown by an eighth of the cap: each job keeps 7/8 of it at least)
            growth = min(RETIRE_GROWTH_BYTES, self.memory_bytes // 8 or RETIRE_GROWTH_BYTES)
            worker = _Worker(self._ctx, self.memory_bytes, growth, self.jobs_per_worker)
            self.started += 1
            try:
                worker.conn.send(args)
            except BaseException:
                worker.end(kill=True)
                raise
        try:
            found, retire = worker.answer(self.timeout_s)
        except BaseException:
            worker.end(kill=True)
            raise
        if retire or self._closed:
            worker.end(kill=False)
            return found, None
        return found, worker

    def _done(self, job: asyncio.Future[tuple[PayloadScan, _Worker | None]]) -> None:
        """On the loop, when a job's thread returns: its worker back to the idle ones."""
        if job.cancelled() or job.exception() is not None:
            return
        worker = job.result()[1]
        if worker is None:
            return
        if self._closed:
            worker.end(kill=True)
            return
        loop = asyncio.get_running_loop()
        worker.idle_since = loop.time()
        self._idle.append(worker)
        if self._prune_at is None:
            self._prune_at = loop.call_later(self.idle_s, self._prune)

    def _prune(self) -> None:
        """Retire the workers idle for idle_s (their memory back to the system)."""
        self._prune_at = None
        now = asyncio.get_running_loop().time()
        keep = []
        for worker in self._idle:
            if now - worker.idle_since >= self.idle_s:
                worker.end(kill=True)
            else:
                keep.append(worker)
        self._idle = keep
        if keep:
            self._prune_at = asyncio.get_running_loop().call_later(
                self.idle_s - (now - min(w.idle_since for w in keep)), self._prune)

    async def inspect(self, body: bytes, *, content_type: str, content_encoding: str,
                      key: bytes, today: dt.date, options: InspectOptions,
                      gone: Callable[[], bool] | None = None) -> PayloadScan:
        """The scan of `body`, inline or in a worker. `gone`: whether the client has gone
        away; checked while the body waits for a worker (every WAIT_SLICE_S) and when one
        frees, so a body nobody waits for is not inspected (the server does not cancel a
        handler whose client left: a client that sent large bodies and hung up would have
        kept every worker busy and the queue full for the others). The forkserver starts
        with the first job (~0.3 s, once)."""
        if len(body) <= self.threshold and not (
                len(body) > INLINE_BINARY_BYTES and not content_encoding and binary_data(body)):
            # Inline only while the work stays small: a small body that needs more (64 KiB of
            # "1 1 1 ...", a few KB that decompress or decode into megabytes) goes to a worker
            # with the full budget instead of holding the loop.
            quick = inspect_body(body, content_type=content_type,
                                 content_encoding=content_encoding, key=key, today=today,
                                 options=_inline(options))
            if quick.error is not Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT:
                return quick
        if self._closed:  # (stopping: no thread takes a job any more, a RuntimeError was 500)
            return PayloadScan(False, note="the gateway is stopping",
                               error=Reason.INSPECTION_BUSY)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        if self._waiting >= self.workers * QUEUE_PER_WORKER:
            log.warning("inspection_busy", waiting=self._waiting)
            return PayloadScan(False, note="every inspection worker is busy",
                               error=Reason.INSPECTION_BUSY)
        self._waiting += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        try:
            while True:
                # (in slices: a waiter whose client has gone leaves the queue within one,
                # instead of holding a place others are refused for)
                try:
                    async with asyncio.timeout(min(WAIT_SLICE_S, deadline - loop.time())):
                        await self._slots.acquire()
                    break
                except TimeoutError:
                    if gone is not None and gone():
                        return _CLIENT_GONE
                    if loop.time() >= deadline:
                        log.warning("inspection_busy", waiting=self._waiting)
                        return PayloadScan(False, note="no inspection worker became free in "
                                           "time", error=Reason.INSPECTION_BUSY)
        finally:
            self._waiting -= 1
        if gone is not None and gone():
            self._slots.release()
            return _CLIENT_GONE
        self.jobs += 1
        slots = self._slots
        worker = self._idle.pop() if self._idle else None
        job = asyncio.get_running_loop().run_in_executor(
            self._threads, self._run, worker,
            (body, content_type, content_encoding, key, today, options))
        # The slot is held until the job's thread returns, even when this request is cancelled
        # (a client that gives up cannot make room for more processes than `workers`).
        job.add_done_callback(self._done)
        job.add_done_callback(lambda _: slots.release())
        try:
            result, _ = await asyncio.shield(job)
        except TimeoutError:
            log.warning("inspection_timeout", body_bytes=len(body), limit_s=self.timeout_s)
            return PayloadScan(False, note=f"inspection took longer than {self.timeout_s} s",
                               error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)
        except (EOFError, OSError) as exc:
            log.error("inspection_worker_died", body_bytes=len(body), error=type(exc).__name__)
            return PayloadScan(False, note="the inspection worker failed on this body",
                               error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)
        assert isinstance(result, PayloadScan)
        return result

    def close(self) -> None:
        """Idle workers are ended; a running job does not outlive its time limit (its worker
        ends after it); the waiting threads are let go."""
        self._closed = True
        if self._prune_at is not None:
            self._prune_at.cancel()
            self._prune_at = None
        idle, self._idle = self._idle, []
        for worker in idle:
            worker.end(kill=True)
        self._threads.shutdown(wait=False, cancel_futures=True)
