"""Clients that read an answer slowly, through a real gateway to a real upstream on loopback:
answers up to limits.response_buffer_bytes are read ahead of them so their upstream
connections go back to the pool (within limits.response_buffers_total_bytes), bigger answers
stream, and a client that takes an answer slower than limits.client_min_rate_bytes_s is cut."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.test_h1client_functional import RawUpstream, read_request
from tests.helpers import ADDR


def body_of(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


async def answer_by_path(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         n: int) -> None:
    """GET /<size>/<cl|chunked>: `size` bytes of body, framed by Content-Length or chunked
    (64 KiB chunks); keep-alive, every request of the connection."""
    up: RawUpstream = answer_by_path.upstream  # type: ignore[attr-defined]
    while (got := await read_request(reader)) is not None:
        up.requests.append(got[0])
        up.on_connection.append(n)
        _, size_s, mode = got[0].split(b" ", 2)[1].split(b"/")
        body = body_of(int(size_s))
        if mode == b"cl":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(body), 65536):
                part = body[i:i + 65536]
                writer.write(b"%x\r\n%b\r\n" % (len(part), part))
            writer.write(b"0\r\n\r\n")
        await writer.drain()


@pytest.fixture
async def upstream() -> AsyncIterator[RawUpstream]:
    up = await RawUpstream(answer_by_path).start()
    answer_by_path.upstream = up  # type: ignore[attr-defined]
    yield up
    await up.close()


async def gateway(make_gateway: Any, url: str, **limits: float) -> Any:
    def edit(m: dict[str, Any]) -> None:
        m["regions"]["sg"]["upstreams"] = [url]
        m["limits"] = limits

    return await make_gateway(edit)


async def slow_client(gw: Any, path: str, buffer: int = 4096
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client with a `buffer` byte receive buffer that has asked for `path` and reads
    nothing yet (the kernel cannot hide its slowness by buffering the answer for it)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gw.running.proxy_port))
    r, w = await asyncio.open_connection(sock=sock, limit=buffer)
    w.transport.pause_reading()
    w.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: " + ADDR["SG"].encode() + b"\r\n\r\n")
    return r, w


class Trickler:
    """Reads up to `step` bytes every `pause` s until the answer of `size` body bytes is in
    (or the gateway cuts it); the test may change `pause` on the way."""

    def __init__(self, r: asyncio.StreamReader, w: asyncio.StreamWriter, size: int,
                 step: int, pause: float):
        self.r, self.w, self.size, self.step, self.pause = r, w, size, step, pause
        self.got = bytearray()

    async def run(self) -> bytes:
        self.w.transport.resume_reading()
        with contextlib.suppress(ConnectionError):
            while chunk := await self.r.read(self.step):
                self.got += chunk
                head_end = self.got.find(b"\r\n\r\n")
                if head_end >= 0 and (
                        self.got.endswith(b"\r\n0\r\n\r\n")
                        if b"chunked" in self.got[:head_end].lower()
                        else len(self.got) - head_end - 4 >= self.size):
                    break
                await asyncio.sleep(self.pause)
        return bytes(self.got)


def split_answer(raw: bytes) -> tuple[bytes, bytes]:
    """(head, body), the body's chunked framing taken off."""
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        return head, body
    out, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2:]
    return head, bytes(out)


async def until(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


# On loopback the kernel's socket buffers (tcp_wmem up to 4 MiB), the client connection's
# buffer and the upstream connection's 256 KiB take up to about 2 MB of an answer whatever
# the client does (measured: a 2 MB answer freed its connection without read-ahead, a 4 MB
# one did not): the answers here are bigger than that.
BIG = 4_000_000


@pytest.mark.parametrize(("buffer", "mode"), [(5_000_000, "cl"), (5_000_000, "chunked"),
                                              (0, "cl")])
async def test_slow_readers_of_answers_within_the_buffer_hold_no_upstream_connection(
        make_gateway, upstream, buffer, mode):
    """Two clients trickle a 4 MB answer (1 KiB every 20 ms; by length or chunked) on a base
    limited to 2
    connections: read ahead of them (response_buffer_bytes 5 MB), their connections go back to
    the pool at once, and other requests to the same base go on them while the tricklers are
    still reading. Without read-ahead (0) they hold both connections and the others wait past
    connect_timeout_s (504): what 128 tricklers did to a whole region."""
    size = BIG
    gw = await gateway(make_gateway, upstream.url, upstream_connections_per_base=2,
                       connect_timeout_s=0.5, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffer_bytes=buffer)
    pool = gw.runtime.active.upstreams["sg"].client
    slow = [await slow_client(gw, f"/{size}/{mode}") for _ in range(2)]
    tricklers = [Trickler(r, w, size, 1024, 0.02) for r, w in slow]
    readers = [asyncio.create_task(t.run()) for t in tricklers]
    try:
        await until(lambda: len(upstream.requests) == 2)
        freed = await until(lambda: not pool.inuse, 1.0)
        others = []
        for _ in range(4 if buffer else 1):
            async with gw.session.get(gw.url + "/2000/cl", headers={
                    "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as resp:
                others.append((resp.status, await resp.read()))
        still_reading = not any(t.done() for t in readers)
        if buffer:
            assert freed and still_reading
            assert others == [(200, body_of(2000))] * 4
            assert len(set(upstream.on_connection)) <= 2  # on the freed connections
            for t in tricklers:
                t.pause = 0  # and now quickly
            for task in readers:
                head, body = split_answer(await asyncio.wait_for(task, 30))
                assert head.startswith(b"HTTP/1.1 200 ") and body == body_of(size)
            assert gw.runtime.read_ahead.used == 0
        else:
            assert not freed and still_reading
            assert [status for status, _ in others] == [504]
    finally:
        for task in readers:
            task.cancel()
        for _, w in slow:
            w.transport.abort()


@pytest.mark.parametrize(("step", "outcome"), [(2048, "client_timeout"),
                                                (64 * 1024, "completed")])
async def test_a_client_below_the_minimum_rate_on_a_streamed_answer_is_cut(
        make_gateway, upstream, step, outcome):
    """An 8 MB answer (more than response_buffer_bytes: it streams at the client's pace). A
    client taking 40 KB/s, never idle, against client_min_rate_bytes_s 200000 is cut once the
    gateway has waited for it client_idle_timeout_s (0.5) plus a second per 200000 bytes taken
    (client_timeout, client_errors{kind="timeout"}), and its upstream connection is closed,
    not reused. A client taking 1.3 MB/s in the same steps gets every byte."""
    size = 8_000_000 if outcome == "client_timeout" else 2_000_000
    gw = await gateway(make_gateway, upstream.url, client_idle_timeout_s=0.5,
                       client_min_rate_bytes_s=200_000)
    pool = gw.runtime.active.upstreams["sg"].client
    r, w = await slow_client(gw, f"/{size}/cl", step)
    began = time.monotonic()
    got = await asyncio.wait_for(Trickler(r, w, size, step, 0.05).run(), 30)
    took = time.monotonic() - began
    w.transport.abort()
    [done] = await gw.completions(1)
    timeouts = gw.runtime.metrics.client_errors.labels(kind="timeout")._value.get()
    head, body = split_answer(got)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert done["outcome"] == outcome
    if outcome == "client_timeout":
        assert timeouts == 1 and len(body) < size and body == body_of(size)[:len(body)]
        assert 0.5 <= took < 5, took
        assert await until(lambda: upstream.closed_by_peer == 1)  # closed by the gateway
        assert not pool.inuse and not pool.bases[0].idle
    else:
        assert timeouts == 0 and body == body_of(size)


async def test_read_ahead_never_takes_more_than_the_gateway_wide_cap(make_gateway, upstream):
    """Five clients that read nothing yet ask for 4 MB answers; response_buffer_bytes 5 MB
    and response_buffers_total_bytes 9 MB: two answers are read ahead (their connections
    freed), the other three stream at their clients' pace and hold theirs. Memory for
    read-ahead never passes the cap; then every client gets its whole answer."""
    size = BIG
    gw = await gateway(make_gateway, upstream.url, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffer_bytes=5_000_000,
                       response_buffers_total_bytes=9_000_000)
    pool = gw.runtime.active.upstreams["sg"].client
    budget = gw.runtime.read_ahead
    slow = [await slow_client(gw, f"/{size}/cl") for _ in range(5)]
    try:
        assert await until(lambda: len(upstream.requests) == 5 and len(pool.inuse) == 3)
        await asyncio.sleep(0.3)  # nothing more is read ahead
        assert len(pool.inuse) == 3
        assert budget.used == 2 * size and budget.peak == 2 * size
        got = await asyncio.gather(*(asyncio.wait_for(Trickler(r, w, size, 65536, 0).run(), 30)
                                     for r, w in slow))
        assert [split_answer(g)[1] == body_of(size) for g in got] == [True] * 5
        assert [c["outcome"] for c in await gw.completions(5)] == ["completed"] * 5
        assert budget.used == 0 and budget.peak <= 9_000_000
    finally:
        for _, w in slow:
            w.transport.abort()


@pytest.mark.parametrize("mode", ["cl", "chunked"])
@pytest.mark.parametrize("size", [2000, 600_000, 5_000_000])
async def test_a_fast_client_gets_every_answer_byte_exact(make_gateway, upstream, size, mode):
    """Small, mid-size (read ahead when the client lags) and streamed answers, framed by
    length or chunked, reach a client that reads at once whole and in order."""
    gw = await gateway(make_gateway, upstream.url)
    async with gw.session.get(f"{gw.url}/{size}/{mode}", headers={
            "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as resp:
        assert resp.status == 200
        assert await resp.read() == body_of(size)
        assert resp.headers["X-Residency-Region"] == "sg"
    [done] = await gw.completions(1)
    assert (done["outcome"], done["bytes_down"]) == ("completed", size)
    assert gw.runtime.read_ahead.used == 0
