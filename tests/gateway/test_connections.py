"""Connection hygiene helpers: loop errors rate-limited, the cap fitted to the file limit."""

from __future__ import annotations

import asyncio
import resource

from structlog.testing import capture_logs

from residency_gateway.gateway.connections import (
    FD_RESERVE,
    RateLimitedLoopErrors,
    connection_cap,
)


def test_accept_errors_are_logged_at_most_once_per_second_with_a_count():
    handler = RateLimitedLoopErrors(every_s=3600)
    loop = asyncio.new_event_loop()
    try:
        with capture_logs() as logs:
            for _ in range(1000):
                handler(loop, {"message": "socket.accept() out of system resource",
                               "exception": OSError(24, "Too many open files")})
            handler(loop, {"message": "another kind"})
    finally:
        loop.close()
    assert [e["message"] for e in logs] == ["socket.accept() out of system resource",
                                            "another kind"]
    assert logs[0]["error"] == "OSError"


def test_connection_cap_leaves_room_for_an_upstream_connection_each():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = connection_cap(1_000_000)
    if soft != resource.RLIM_INFINITY:
        assert cap == max(16, (soft - FD_RESERVE) // 2)
    assert connection_cap(20) == 20
