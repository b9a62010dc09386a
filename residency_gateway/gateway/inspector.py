"""Body inspection off the event loop (shell).

Small bodies are inspected inline while the work stays small (a work budget and a budget of
bytes that decoding may produce); anything larger or costlier goes to a worker process of its
own, so a large scan never holds the event loop (or the GIL) while other requests wait.
Measured on a 2-core machine: a 1.2 MB JSON array of 80,000 phone numbers (1.6 s of scanning)
delayed a concurrent small request by the whole scan inline, by tens of ms in a thread (the scan
holds the GIL between the interpreter's 5 ms switches), and by no more than scheduling noise in
a worker process.

Each job runs in its own process (forked from a forkserver that has the inspection code loaded)
with a wall-clock limit and a memory cap (inspect_memory_mib: an allocation past it fails in
that job, a refusal, before the container's limit kills the gateway): a job past its limit is
killed alone, so one hostile body can never
take other clients' inspections down with it (a shared pool can only be killed whole). The
number of concurrent jobs is bounded; the limit counts from the job's start, not its queueing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import importlib.machinery
import multiprocessing
import os
import resource
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
_CLIENT_GONE = PayloadScan(False, note="the client went away while its body waited for "
                           "inspection", error=Reason.INSPECTION_BUSY)


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus `extra` bytes: past it an
    allocation fails (MemoryError) in this job alone, instead of the job growing until the
    kernel, or the container's memory limit, kills whatever it picks (the whole gateway)."""
    try:
        with open("/proc/self/statm") as f:
            in_use = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = in_use + extra
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass  # no /proc (not Linux): the time limit still bounds the job


def _child(send: Connection, args: tuple[Any, ...]) -> None:
    body, content_type, content_encoding, key, today, options, memory = args
    try:
        if memory:
            _limit_memory(memory)
        try:
            found = inspect_body(body, content_type=content_type,
                                 content_encoding=content_encoding, key=key, today=today,
                                 options=options)
        except MemoryError:
            found = PayloadScan(False, note="inspection needs more memory than "
                                "inspect_memory_mib allows",
                                error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)
        send.send(found)
    finally:
        send.close()


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
                 workers: int | None = None, memory_bytes: int = 256 * 1024 * 1024):
        self.threshold = threshold
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes  # what one job may allocate (0: no cap)
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

    def _run(self, target: Any, args: tuple[Any, ...]) -> Any:
        _jobs_skip_main()
        recv, send = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=target, args=(send, args), daemon=True)
        try:
            process.start()
            send.close()
            if not recv.poll(self.timeout_s):
                raise TimeoutError
            return recv.recv()
        finally:
            recv.close()
            if process.is_alive():
                process.kill()
            process.join(5)
            process.close()

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
        job = asyncio.get_running_loop().run_in_executor(
            self._threads, self._run, _child,
            (body, content_type, content_encoding, key, today, options, self.memory_bytes))
        # The slot is held until the job's thread returns, even when this request is cancelled
        # (a client that gives up cannot make room for more processes than `workers`).
        job.add_done_callback(lambda _: slots.release())
        try:
            result = await asyncio.shield(job)
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
        """Jobs do not outlive their time limit; the waiting threads are let go."""
        self._threads.shutdown(wait=False, cancel_futures=True)
