"""The supervisor restarts a crashed task with backoff, counts it, and reports a critical
task as down while it is not running."""

from __future__ import annotations

import asyncio

from residency_gateway.gateway.supervisor import Supervisor
from residency_gateway.observability import Metrics


async def test_crashing_task_is_restarted_counted_and_reported_down_meanwhile():
    metrics = Metrics()
    sup = Supervisor(metrics, backoff_initial_s=0.2, backoff_max_s=0.2)
    runs = 0
    release = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs <= 2:
            raise OSError("too many open files")
        await release.wait()

    sup.spawn("flaky", flaky, critical=True)
    await asyncio.sleep(0.05)
    assert sup.down == ["flaky"]  # crashed, waiting to be restarted
    for _ in range(100):
        if runs >= 3:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.01)
    assert runs == 3 and sup.down == []
    assert metrics.task_failures.labels(task="flaky")._value.get() == 2
    release.set()
    await asyncio.sleep(0.01)
    assert sup.tasks == {"flaky": False}  # returned normally: done, not restarted
    await sup.stop()


async def test_stop_cancels_selected_tasks_then_all():
    sup = Supervisor(Metrics())

    async def forever() -> None:
        await asyncio.Event().wait()

    sup.spawn("trail_writer:a", forever, critical=True)
    sup.spawn("reload_watcher", forever)
    await asyncio.sleep(0)
    await sup.stop(lambda name: not name.startswith("trail_writer"))
    assert sup.tasks == {"trail_writer:a": True, "reload_watcher": False}
    await sup.stop()
    assert sup.tasks == {"trail_writer:a": False, "reload_watcher": False}
