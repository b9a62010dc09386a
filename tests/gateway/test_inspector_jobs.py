"""Inspection jobs start from the forkserver without re-running the parent's main script.

Found: a process multiprocessing starts re-runs the parent's __main__ when it is a plain file,
as the `residency-gateway` console script is, so every job imported the whole CLI (aiohttp,
the app) before its work: ~370 ms a job against ~30 ms of inspecting a 150 KB photo form (and
the job's own module, not preloaded in the forkserver, another ~70 ms)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import live_children

SCRIPT = textwrap.dedent("""
    import asyncio, datetime as dt, os, sys
    with open(sys.argv[1], "a") as f:  # one line each time this file runs as a module
        f.write(f"{__name__} {os.getpid()}\\n")
    from residency_gateway.core.payload import InspectOptions
    from residency_gateway.gateway.inspector import Inspector

    async def main():
        inspector = Inspector(workers=1, threshold=1024)
        body = ("110101199003071233 " + "x" * 4000).encode()
        for _ in range(3):
            found = await inspector.inspect(body, content_type="text/plain",
                                            content_encoding="", key=b"k" * 32,
                                            today=dt.date(2026, 11, 29),
                                            options=InspectOptions())
            assert found.ids, found
        inspector.close()
        print(inspector.jobs)

    if __name__ == "__main__":
        asyncio.run(main())
""")


def test_jobs_do_not_rerun_a_plain_main_script(tmp_path: Path) -> None:
    script = tmp_path / "entry.py"  # a plain file, as a console script is
    script.write_text(SCRIPT)
    marks = tmp_path / "marks"
    before = {p.pid for p in live_children()}
    done = subprocess.run([sys.executable, str(script), str(marks)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).parents[2])
    # The script's forkserver exits once it sees its parent gone (pytest, a subreaper, is its
    # parent then): waited for here, bounded, so the leak check sees no process left behind.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(p.pid not in before for p in live_children()):
        time.sleep(0.05)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3"]  # three jobs ran in worker processes
    lines = marks.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["__main__"], lines  # the parent's run only


async def test_a_body_whose_client_has_gone_is_not_inspected() -> None:
    """A handler goes on when its client hangs up (the server does not cancel it): a body
    nobody waits for any more is not given a worker."""
    import datetime as dt

    from residency_gateway.core.payload import InspectOptions
    from residency_gateway.core.values import Reason
    from residency_gateway.gateway.inspector import Inspector

    inspector = Inspector(workers=1, threshold=16)
    try:
        body = b"110101199003071233 " * 10
        kw = {"content_type": "text/plain", "content_encoding": "", "key": b"k" * 32,
              "today": dt.date(2026, 11, 29), "options": InspectOptions()}
        gone = await inspector.inspect(body, gone=lambda: True, **kw)
        assert gone.error == Reason.INSPECTION_BUSY and "went away" in gone.note
        assert inspector.jobs == 0
        here = await inspector.inspect(body, gone=lambda: False, **kw)
        assert here.ids and inspector.jobs == 1  # the slot was given back
    finally:
        inspector.close()


async def test_a_queued_body_whose_client_has_gone_leaves_the_queue() -> None:
    """While every worker is busy, a waiting inspection whose client hangs up leaves the queue
    within a slice, not when a worker frees: it held a place others were refused for."""
    import asyncio
    import datetime as dt

    from residency_gateway.core.payload import InspectOptions
    from residency_gateway.core.values import Reason
    from residency_gateway.gateway.inspector import Inspector

    inspector = Inspector(workers=1, threshold=16, timeout_s=20)
    kw = {"content_type": "text/plain", "content_encoding": "", "key": b"k" * 32,
          "today": dt.date(2026, 11, 29), "options": InspectOptions()}
    try:
        inspector._slots = asyncio.Semaphore(1)
        await inspector._slots.acquire()  # the one worker busy (as with a long job)
        hung_up = False
        waiter = asyncio.create_task(inspector.inspect(b"x" * 64, gone=lambda: hung_up, **kw))
        await asyncio.sleep(0.3)
        assert not waiter.done() and inspector._waiting == 1
        hung_up = True
        left = await asyncio.wait_for(waiter, 2)  # within a slice, the worker still busy
        assert left.error == Reason.INSPECTION_BUSY and "went away" in left.note
        assert inspector._waiting == 0 and inspector.jobs == 0
        inspector._slots.release()
        here = await inspector.inspect(b"110101199003071233 " * 4, **kw)
        assert here.ids and inspector.jobs == 1
    finally:
        inspector.close()
