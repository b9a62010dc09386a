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


async def test_a_connection_over_the_cap_gets_a_fast_503_when_none_is_idle(make_gateway):
    """At max_connections with every connection mid-request, a new one is answered 503
    too_many_connections and closed before a byte of its request is read (on the loop
    `serve` runs: uvloop)."""
    gw = await make_gateway(max_connections=16)
    busy: list[asyncio.StreamWriter] = []
    try:
        for _ in range(16):  # each waits for a body it was promised
            _, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
            w.write(b"POST /v1/compare HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            await w.drain()
            busy.append(w)
        await asyncio.sleep(0.3)
        r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
        answer = await asyncio.wait_for(r.read(), timeout=5)
        w.close()
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b'"reason": "too_many_connections"' in answer
    finally:
        for w in busy:
            w.close()
