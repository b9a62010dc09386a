"""One owner for every long-lived background task (shell), after Erlang/OTP supervisors.

Each task is started from a factory; when it raises, the supervisor logs it, counts it in
`rg_task_failures_total{task}`, waits (exponential backoff with jitter, capped) and starts it
again. A task that returns normally is done (a trail writer returns when its trail closes). While
a *critical* task (one the request path depends on, such as a trail writer) is not running, the
supervisor reports it in `down`, and readiness fails. Nothing is fire-and-forget: `stop()`
cancels and awaits every task.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from residency_gateway.core.safetext import safe_text
from residency_gateway.observability import Metrics

log = structlog.get_logger("residency_gateway")

Factory = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class _Child:
    name: str
    factory: Factory
    critical: bool
    task: asyncio.Task[None] | None = None
    running: bool = False
    failures: int = 0


class Supervisor:
    def __init__(self, metrics: Metrics, *, backoff_initial_s: float = 0.05,
                 backoff_max_s: float = 10.0, healthy_after_s: float = 30.0):
        self.metrics = metrics
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.healthy_after_s = healthy_after_s
        self._children: dict[str, _Child] = {}
        self._stopping = False

    def spawn(self, name: str, factory: Factory, *, critical: bool = False) -> None:
        """Run `factory()` now (it may claim resources synchronously) and keep it running."""
        if name in self._children:
            raise ValueError(f"task {name} already supervised")
        child = _Child(name, factory, critical)
        self._children[name] = child
        first = factory()
        child.running = True
        child.task = asyncio.create_task(self._run(child, first), name=f"supervised-{name}")

    @property
    def down(self) -> list[str]:
        """Critical tasks that are not running right now (readiness fails while any is)."""
        return sorted(c.name for c in self._children.values() if c.critical and not c.running)

    @property
    def tasks(self) -> dict[str, bool]:
        return {c.name: c.running for c in self._children.values()}

    async def _run(self, child: _Child, first: Coroutine[Any, Any, None]) -> None:
        loop = asyncio.get_running_loop()
        coro: Coroutine[Any, Any, None] | None = first
        delay = self.backoff_initial_s
        while True:
            started = loop.time()
            try:
                if coro is None:
                    coro = child.factory()
                child.running = True
                await coro
                child.running = False
                return  # a normal return: the task is done (its owner closed it)
            except asyncio.CancelledError:
                child.running = False
                raise
            except Exception as exc:
                child.running = False
                child.failures += 1
                self.metrics.task_failures.labels(task=child.name).inc()
                log.error("task_failed", task=child.name, error=type(exc).__name__,
                          detail=safe_text(str(exc), 200), failures=child.failures)
            finally:
                if coro is not None:
                    coro.close()  # never left unawaited, whatever happened
                coro = None
            if self._stopping:
                return
            if loop.time() - started >= self.healthy_after_s:
                delay = self.backoff_initial_s  # it ran well for a while: start over
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.backoff_max_s)
            log.info("task_restarted", task=child.name, failures=child.failures)

    async def stop(self, which: Callable[[str], bool] | None = None) -> None:
        """Cancel and await the tasks `which` selects (all by default; then for good)."""
        if which is None:
            self._stopping = True
        tasks = [c.task for c in self._children.values()
                 if c.task is not None and (which is None or which(c.name))]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for child in self._children.values():
            if which is None or which(child.name):
                child.running = False
