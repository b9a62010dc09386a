"""Test-only wall-clock shift for gateway subprocesses (round 13; no faketime on this host).

Put this directory first on PYTHONPATH and set RG13_CLOCK_OFFSET_S: time.time(),
time.time_ns() and datetime.datetime.now() then read the wall clock shifted by that many
seconds (a host whose clock is ahead or behind, or was stepped). Monotonic clocks are left
alone, as a real step leaves them."""

from __future__ import annotations

import datetime as _dt
import os
import time as _time

_OFFSET = float(os.environ.get("RG13_CLOCK_OFFSET_S", "0") or 0)

if _OFFSET:
    _real_time, _real_time_ns, _Real = _time.time, _time.time_ns, _dt.datetime

    def _time_shifted() -> float:
        return _real_time() + _OFFSET

    def _time_ns_shifted() -> int:
        return _real_time_ns() + int(_OFFSET * 1_000_000_000)

    class _ShiftedDatetime(_Real):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return _Real.fromtimestamp(_time_shifted(), tz)

        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def, override]
            return _Real.fromtimestamp(_time_shifted(), _dt.UTC).replace(tzinfo=None)

    _time.time = _time_shifted
    _time.time_ns = _time_ns_shifted
    _dt.datetime = _ShiftedDatetime  # type: ignore[misc]
