"""`make bench`'s in-process harness still runs (a rename in the gateway left it calling a
method that no longer existed, and nothing noticed): every section, small counts, exit 0.
No figure is asserted: speed is for the bench to print, not for a test on a shared machine."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_bench_harness_runs_every_section():
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--appends", "50", "--requests", "50",
         "--decisions", "200", "--scans", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    sections = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert [s.split(" (")[0] for s in sections] == [
        "== inspection", "== a small request while a 1 MiB body is inspected",
        "== decision core", "== durable decisions per second", "== proxy throughput"]
