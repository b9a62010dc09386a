"""Red-team round E: bounds on the work of inspecting one body (time roughly linear in its
size, whatever today's readings make of it). Timing is ratio-based: the best of three runs
of 8x the data must take less than 30x the time."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest

from residency_gateway.core.payload import inspect_body

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def scan(body: bytes, content_type: str = "text/plain", content_encoding: str = ""):
    return inspect_body(body, content_type=content_type, content_encoding=content_encoding,
                        key=KEY, today=TODAY)


def best_of_three(body: bytes, content_type: str, content_encoding: str = "") -> float:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = scan(body, content_type, content_encoding)
        best = min(best, time.perf_counter() - began)
        assert result.error is None or result.error.value.startswith("payload_"), result.note
    return best


def assert_linear(make: Callable[[int], bytes], content_type: str = "text/plain",
                  content_encoding: str = "", size: int = 16 * 1024) -> None:
    small = best_of_three(make(size), content_type, content_encoding)
    large = best_of_three(make(size * 8), content_type, content_encoding)
    assert large < 30 * max(small, 1e-3), (small, large)


@pytest.mark.parametrize("unit", [
    # said in pairs: one run of thousands of groups, each window of which asked for the
    # spans of every group in the run (9.9 s for 128 KB before the fix)
    "one fifty, ten ten, ten ten, ",
    "10 10 ",
    "139 1234 5678 ",
    "13912345678 ",
])
def test_a_long_run_of_groups_is_read_in_linear_time(unit: str) -> None:
    assert_linear(lambda n: (unit * (n // len(unit))).encode())
