"""The lean upstream client (gateway.h1client) against real servers on loopback: raw asyncio
socket servers that answer exactly the bytes a test gives them (chunked, close-delimited, 1xx,
stale keep-alive, hostile), and through a real gateway."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest

from residency_gateway.gateway import h1client
from residency_gateway.gateway.h1client import (
    BadResponse,
    ConnectFailed,
    Disconnected,
    Pool,
    UpstreamTimeout,
)
from tests.helpers import ADDR, MP4


@dataclass
class Sent:
    bytes_up: int = 0


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One request (head, body) as it arrived, or None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lower = head.lower()
    if b"\r\ncontent-length:" in lower:
        n = int(lower.split(b"\r\ncontent-length:")[1].split(b"\r\n")[0])
        return head, await reader.readexactly(n)
    if b"\r\ntransfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += data[:-2]
    return head, b""


Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@dataclass
class RawUpstream:
    """A socket server that runs `script(reader, writer, n)` for its n-th connection and keeps
    every request it read (via `self.request`) and the connection it came on. Connections that
    carried no request (the gateway's TCP readiness probes) count in `connections` only."""

    script: Script
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    closed_by_peer: int = 0
    server: asyncio.Server | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    on_connection: list[int] = field(default_factory=list)
    _n: dict[int, int] = field(default_factory=dict)

    async def start(self) -> RawUpstream:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def request(self, reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
        got = await read_request(reader)
        if got is not None:
            self.requests.append(got[0] + got[1])
            self.on_connection.append(self._n[id(reader)])
        return got

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.connections += 1
        n = self._n[id(reader)] = self.connections
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            await self.script(reader, writer, n)
            if await reader.read() == b"" and n in self.on_connection:
                self.closed_by_peer += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            if n in self.on_connection:
                self.closed_by_peer += 1
        except RuntimeError:
            # uvloop's write on a transport the peer has closed raises RuntimeError ("the
            # handler is closed") where asyncio's raises ConnectionError: the same fact
            if not writer.transport.is_closing():
                raise
            if n in self.on_connection:
                self.closed_by_peer += 1
        except asyncio.CancelledError:
            pass  # close(): the test is over (swallowed: start_server's callback would log it)
        finally:
            self.open_now -= 1
            writer.close()
            self.tasks.discard(task)

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for task in list(self.tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[Script], Awaitable[RawUpstream]]]:
    made: list[RawUpstream] = []

    async def make(script: Script) -> RawUpstream:
        up = await RawUpstream(script).start()
        made.append(up)
        return up

    yield make
    for up in made:
        await up.close()


def answer_each(*responses: bytes) -> Script:
    """Answer the requests on every connection with these responses, in turn."""

    async def script(reader, writer, n):
        for resp in responses:
            if await up_request(reader, script) is None:
                return
            writer.write(resp)
            await writer.drain()
        await asyncio.sleep(0.05)

    return script


def answer_ok() -> Script:
    """Answer every request on every connection with 200 "ok" (keep-alive)."""
    async def script(reader, writer, n):
        while await up_request(reader, script) is not None:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    return script


async def up_request(reader: asyncio.StreamReader, script: Script) -> tuple[bytes, bytes] | None:
    return await script.upstream.request(reader)  # type: ignore[attr-defined]


async def serve(raw, script: Script) -> RawUpstream:
    up = await raw(script)
    script.upstream = up  # type: ignore[attr-defined]
    return up


def pool_for(up: RawUpstream, *, read_timeout: float = 2.0, connect_timeout: float = 2.0,
             prefix: str = "", per_base: int = h1client.LIMIT_PER_BASE) -> Pool:
    return Pool([up.url + prefix], None, None, connect_timeout, read_timeout, per_base=per_base)


async def fetch(pool: Pool, method: str = "GET", target: str = "/x", *,
                headers: list[tuple[str, str]] | None = None, body: bytes | None = None,
                stream: AsyncIterator[bytes] | None = None,
                sent: Sent | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = await pool.request(pool.bases[0], method, target, headers or [], body=body,
                              stream=stream, sent=sent or Sent())
    data = b""
    try:
        while chunk := await conn.read():
            data += chunk
    finally:
        pool.release(conn)
    return conn.status, list(conn.headers), data


# -- what goes out --------------------------------------------------------------------------

async def test_request_heads_are_the_callers_fields_in_order_plus_host_and_framing(raw):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    up = await serve(raw, answer_each(*[ok] * 7))
    pool = pool_for(up, prefix="/pre")
    fields = [("X-B", "2"), ("x-a", "1"), ("X-B", "3"), ("Content-Type", "application/json")]
    sent = Sent()
    await fetch(pool, "POST", "/v1/a?q=1&r=%2F", headers=fields, body=b'{"a": 1}', sent=sent)
    await fetch(pool, "GET", "/v1/b", headers=fields)
    await fetch(pool, "DELETE", "/v1/c", headers=fields)

    async def chunks():
        yield b"abc"
        yield b""
        yield b"defg"

    await fetch(pool, "PUT", "/v1/d", headers=fields, stream=chunks(), sent=sent)
    await fetch(pool, "PUT", "/v1/e", headers=[*fields, ("Content-Length", "7")], stream=chunks(),
                sent=sent)
    # a field whose value was not UTF-8 on the way in is left out, as aiohttp's writer did
    await fetch(pool, "GET", "/v1/f", headers=[("X-Odd", "caf\udcff"), ("X-Ok", "café")])
    with pytest.raises(ValueError):
        await fetch(pool, "GET", "/v1/g", headers=[("X-Bad", "a\r\nX-Injected: 1")])
    host = up.url.removeprefix("http://")
    assert up.requests == [
        f"POST /pre/v1/a?q=1&r=%2F HTTP/1.1\r\nHost: {host}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
        f"Content-Type: application/json\r\nContent-Length: 8\r\n\r\n{{\"a\": 1}}".encode(),
        f"GET /pre/v1/b HTTP/1.1\r\nHost: {host}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
        f"Content-Type: application/json\r\n\r\n".encode(),
        f"DELETE /pre/v1/c HTTP/1.1\r\nHost: {host}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
        f"Content-Type: application/json\r\nContent-Length: 0\r\n\r\n".encode(),
        f"PUT /pre/v1/d HTTP/1.1\r\nHost: {host}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
        f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nabcdefg".encode(),
        f"PUT /pre/v1/e HTTP/1.1\r\nHost: {host}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n"
        f"Content-Type: application/json\r\nContent-Length: 7\r\n\r\nabcdefg".encode(),
        f"GET /pre/v1/f HTTP/1.1\r\nHost: {host}\r\nX-Ok: café\r\n\r\n".encode(),
    ]
    assert sent.bytes_up == 8 + 7 + 7  # body bytes only, as handed to the connection
    assert up.connections == 1  # one keep-alive connection for all of them
    await pool.close()


# -- what comes back ------------------------------------------------------------------------

async def test_chunked_close_delimited_interim_and_bodiless_answers(raw):
    up = await serve(raw, answer_each(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1 \r\n\r\n"
        b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 201 Made\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\nX-N: 1\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",  # HEAD: no body whatever it says
    ))
    pool = pool_for(up)
    assert await fetch(pool) == (200, [("Transfer-Encoding", "chunked"), ("X-A", "1")],
                                 b"hello world")
    status, headers, body = await fetch(pool)
    assert (status, headers, body) == (201, [("Content-Length", "2")], b"ok")
    assert await fetch(pool) == (204, [("X-N", "1")], b"")
    assert await fetch(pool) == (304, [("Content-Length", "99")], b"")
    conn = await pool.request(pool.bases[0], "HEAD", "/x", [], sent=Sent())
    assert (conn.status, conn.content_length, await conn.read()) == (200, 12, b"")
    pool.release(conn)
    assert up.connections == 1 and len(up.requests) == 5
    await asyncio.sleep(0.3)
    assert up.closed_by_peer == 1  # after HEAD the connection is not trusted again
    await pool.close()


async def test_close_delimited_body_is_read_to_the_end_and_not_reused(raw):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"part two")
        await writer.drain()
        writer.close()

    up = await serve(raw, script)
    pool = pool_for(up)
    assert await fetch(pool) == (200, [("Content-Type", "text/plain")], b"part one, part two")
    assert await fetch(pool) == (200, [("Content-Type", "text/plain")], b"part one, part two")
    assert up.connections == 2
    await pool.close()


async def test_a_keep_alive_connection_the_upstream_closed_is_not_used(raw):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1")
        await writer.drain()
        writer.close()  # its keep-alive ends at once

    up = await serve(raw, script)
    pool = pool_for(up)
    await fetch(pool)
    await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle in the pool
    assert await fetch(pool) == (200, [("Content-Length", "1")], b"1")
    assert up.connections == 2 and len(up.requests) == 2
    await pool.close()


async def test_a_stale_connection_closed_unanswered_is_retried_once_without_a_body(raw):
    """The race aiohttp retries: the upstream drops a reused connection as the request
    arrives. Idempotent and bodiless: once more on a fresh connection; with a body: never."""

    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await up_request(reader, script)  # the second request on this connection ...
        writer.transport.abort()  # ... is never answered

    up = await serve(raw, script)
    pool = pool_for(up)
    await fetch(pool)
    assert (await fetch(pool))[2] == b"ok"  # retried on connection 2
    assert up.connections == 2 and len(up.requests) == 3
    with pytest.raises(Disconnected):  # POST with a body went out: not retried
        await fetch(pool, "POST", body=b"{}")
    assert up.connections == 2 and len(up.requests) == 4
    await pool.close()


def ask(path: bytes, tenant: bytes = b"acme") -> bytes:
    """A GET request head for the gateway, from a Singapore client behind the trusted proxy."""
    return (b"GET %s HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: %s\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\n\r\n") % (path, tenant)


async def through_gateway(make_gateway, raw, script: Script):  # type: ignore[no-untyped-def]
    """A raw upstream running `script`, a gateway whose region sg is it, and a client
    connection to that gateway: (gateway, reader, writer)."""
    up = await serve(raw, script)
    gw = await sg_gateway(make_gateway, up.url)
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    return gw, r, w


async def sg_gateway(make_gateway, url: str, **limits: float):  # type: ignore[no-untyped-def]
    """A gateway whose region sg (where the test's traffic goes) is `url`, with `limits`."""
    def edit(m):  # type: ignore[no-untyped-def]
        m["regions"]["sg"]["upstreams"] = [url]
        if limits:
            m["limits"] = limits

    return await make_gateway(edit)


# -- hostile upstreams ----------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    b"HTTX/1.1 200 OK\r\n\r\n",
    b"garbage\r\n\r\n",
    b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
    b"HTTP/1.1 200 " + b"r" * 9000 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n",
    b"HTTP/1.1 200 OK\r\nX-Nul: a\x00b\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nX-Ctl: a\x01b\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Del: a\x7f\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
    # transfer codings other than chunked: the gateway would relay them undone and unsaid
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\nConnection: close\r\n\r\nxx",
], ids=["bad-version", "garbage", "status-2000", "long-field", "long-reason", "200-fields",
        "nul", "two-lengths", "length-and-chunked", "bad-length", "101", "bad-chunk-size",
        "control-in-value", "del-in-value", "control-in-reason", "gzip-chunked",
        "gzip-then-chunked-lines", "br-until-close"])
async def test_a_malformed_answer_is_bad_response(raw, answer):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(answer)
        await writer.drain()
        await asyncio.sleep(0.2)

    up = await serve(raw, script)
    pool = pool_for(up)
    with pytest.raises(BadResponse):
        await fetch(pool)
    await pool.close()


async def test_an_endless_head_is_cut_at_its_bound(raw):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        with contextlib.suppress(ConnectionError):
            for _ in range(1000):  # a 64 MB header value if nobody stopped it
                writer.write(b"v" * 65536)
                await writer.drain()

    up = await serve(raw, script)
    pool = pool_for(up)
    with pytest.raises(BadResponse):
        await fetch(pool)
    await pool.close()


async def test_a_head_that_ends_within_the_read_that_crosses_its_bound_is_refused(raw):
    # (bad-day round 9: counted only by read, a head of up to twice MAX_HEAD that ended within
    # the read crossing the bound got through as a 200)
    fields = b"".join(b"X-F%d: %s\r\n" % (n, b"v" * 4000) for n in range(80))
    assert h1client.MAX_HEAD < len(fields) < 2 * h1client.MAX_HEAD

    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 2\r\n\r\nok")
        await writer.drain()
        await asyncio.sleep(1)

    up = await serve(raw, script)
    pool = pool_for(up)
    with pytest.raises(BadResponse, match="head too large"):
        await fetch(pool)
    await pool.close()


@pytest.mark.parametrize("trickle", [
    [b"HTTP/1.1 102 Processing\r\n\r\n"] * 100,  # interim answers, never a final one
    [b"HTTP/1.1 200 OK\r\n"] + [b"X"] * 100,  # a head one byte at a time
    [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: "] + [b"1"] * 100,
], ids=["interim", "byte-by-byte", "interim-then-trickle"])
async def test_the_whole_head_is_bounded_by_the_read_timeout(raw, trickle):
    # (bad-day round 9: every byte moved the timer, so a head trickled at one byte per read
    # timeout, or endless 1xx answers, held the request and its connection for hours)
    async def script(reader, writer, n):
        await up_request(reader, script)
        with contextlib.suppress(ConnectionError):
            for piece in trickle:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.05)

    up = await serve(raw, script)
    pool = pool_for(up, read_timeout=0.5)
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(UpstreamTimeout, match="head"):
        await fetch(pool)
    assert 0.45 < loop.time() - began < 1.5
    await pool.close()


async def test_a_slow_but_steady_body_is_not_cut_by_the_head_deadline(raw):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 102 Processing\r\n\r\n")
        await asyncio.sleep(0.2)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        for _ in range(10):  # 1.5 s of body, a byte every 0.15 s: each gap within 0.5 s
            await asyncio.sleep(0.15)
            writer.write(b"x")
            await writer.drain()
        await asyncio.sleep(1)

    up = await serve(raw, script)
    pool = pool_for(up, read_timeout=0.5)
    conn = await pool.request(pool.bases[0], "GET", "/x", [], sent=Sent())
    got = b""
    while chunk := await conn.read():
        got += chunk
    assert got == b"x" * 10
    pool.release(conn)
    await pool.close()


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n100\r\nshort",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
], ids=["chunked", "length"])
async def test_a_truncated_body_is_an_error_after_what_arrived(raw, answer):
    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(answer)
        await writer.drain()
        writer.close()

    up = await serve(raw, script)
    pool = pool_for(up)
    conn = await pool.request(pool.bases[0], "GET", "/x", [], sent=Sent())
    got = b""
    with pytest.raises(Disconnected):
        while chunk := await conn.read():
            got += chunk
    assert got.endswith(b"short")
    assert not conn.reusable
    pool.release(conn)
    await pool.close()


async def test_slow_head_and_slow_body_time_out(raw):
    async def script(reader, writer, n):
        await up_request(reader, script)
        if n == 1:
            await asyncio.sleep(5)  # never a head
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfive!")
        await writer.drain()
        await asyncio.sleep(5)  # half a body, then nothing

    up = await serve(raw, script)
    pool = pool_for(up, read_timeout=0.3)
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(UpstreamTimeout):
        await fetch(pool)
    assert 0.25 < loop.time() - began < 2
    conn = await pool.request(pool.bases[0], "GET", "/x", [], sent=Sent())
    assert await conn.read() == b"five!"
    with pytest.raises(UpstreamTimeout):
        await conn.read()
    pool.release(conn)
    await pool.close()


async def test_bytes_after_a_complete_answer_keep_the_answer_but_not_the_connection(raw):
    up = await serve(raw, answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK\r\n"))
    pool = pool_for(up)
    assert (await fetch(pool))[2] == b"ok"
    await asyncio.sleep(0.05)
    assert up.closed_by_peer == 1 and not pool.bases[0].idle
    await pool.close()


# -- streaming, back-pressure, pool limits ---------------------------------------------------

async def test_a_large_answer_is_held_back_while_the_reader_is_slow(raw):
    block = b"x" * 65536

    async def script(reader, writer, n):
        await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(block) * 256))
        for _ in range(256):  # 16 MB
            writer.write(block)
            await writer.drain()

    up = await serve(raw, script)
    pool = pool_for(up)
    conn = await pool.request(pool.bases[0], "GET", "/x", [], sent=Sent())
    total, most = 0, 0
    while True:
        await asyncio.sleep(0.002)  # a slow client
        most = max(most, conn.buffered)
        chunk = await conn.read()
        if not chunk:
            break
        total += len(chunk)
    assert total == len(block) * 256
    assert most <= h1client.HIGH_WATER + 256 * 1024, most  # one socket read past the mark
    assert conn.reusable
    pool.release(conn)
    await pool.close()


async def test_large_streamed_chunks_arrive_whole_in_both_framings(raw):
    """Chunks larger than the transport's buffer limits arrive whole, chunked or not."""
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    up = await serve(raw, answer_each(ok, ok))
    pool = pool_for(up)
    parts = [bytes([i]) * size for i, size in enumerate((300_000, 10, 65536, 65537, 1))]
    body = b"".join(parts)

    async def chunks():
        for part in parts:
            yield part

    sent = Sent()
    await fetch(pool, "POST", stream=chunks(), sent=sent)
    await fetch(pool, "POST", headers=[("Content-Length", str(len(body)))], stream=chunks(),
                sent=sent)
    assert [r.split(b"\r\n\r\n", 1)[1] for r in up.requests] == [body, body]
    assert sent.bytes_up == 2 * len(body) and up.connections == 1
    await pool.close()


async def test_an_upstream_that_stops_reading_a_streamed_body_times_out(raw):
    async def script(reader, writer, n):
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)  # reads nothing more

    up = await serve(raw, script)
    pool = pool_for(up, read_timeout=0.3)
    sent = Sent()

    async def endless():
        while True:
            yield b"z" * 65536

    with pytest.raises(UpstreamTimeout):
        await fetch(pool, "POST", stream=endless(), sent=sent)
    assert sent.bytes_up > 0
    await pool.close()


async def test_an_early_answer_ends_the_upload_and_the_connection(raw):
    async def script(reader, writer, n):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\nConnection: close\r\n"
                     b"\r\nbig")
        await writer.drain()
        while await reader.read(65536):  # what was sent anyway is read and dropped
            pass

    up = await serve(raw, script)
    pool = pool_for(up)

    async def slow_upload():
        for _ in range(50):
            yield b"u" * 1000
            await asyncio.sleep(0.01)

    assert await fetch(pool, "POST", stream=slow_upload()) == (
        413, [("Content-Length", "3"), ("Connection", "close")], b"big")
    assert not pool.bases[0].idle
    await pool.close()


async def test_pool_limits_queue_requests_within_the_connect_timeout(raw):

    async def script(reader, writer, n):
        while await up_request(reader, script) is not None:
            await asyncio.sleep(0.5)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    up = await serve(raw, script)
    pool = pool_for(up, connect_timeout=10, per_base=2)
    results = await asyncio.gather(*(fetch(pool) for _ in range(6)))
    assert [r[2] for r in results] == [b"ok"] * 6
    assert up.most_open == 2 and pool.busy == 0
    short = pool_for(up, connect_timeout=0.25, per_base=2)
    outcome = await asyncio.gather(*(fetch(short) for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(r, TimeoutError) for r in outcome) == 2  # waited past the bound
    assert short.busy == 0 and not short.waiters
    await pool.close()
    await short.close()


@pytest.mark.parametrize("mode", ["closes", "speaks-first"])
async def test_a_new_connection_the_upstream_dropped_before_use_fails_at_once(raw, monkeypatch,
                                                                             mode):
    """An upstream that accepts and at once closes (an overloaded server at its connection
    limit) or speaks first: when its FIN or bytes are handled before the request goes out (a
    busy loop handles the connect and the close in one turn; here a delay after the connect
    stands for that), nothing was sent: it is a failed connect (the proxy tries the next base),
    not a RuntimeError from writing to a closed uvloop transport (the proxy's 500) nor, on
    asyncio's loop, a wait for an answer that never wakes (the read timer ignores a closed
    connection)."""

    async def script(reader, writer, n):
        if mode == "speaks-first":
            writer.write(b"220 hello\r\n")
            await writer.drain()
        writer.close()

    up = await serve(raw, script)
    connect = Pool._connect

    async def busy_connect(self, base, deadline):
        conn = await connect(self, base, deadline)
        await asyncio.sleep(0.1)  # the loop is busy: the upstream's FIN arrives meanwhile
        return conn

    monkeypatch.setattr(Pool, "_connect", busy_connect)
    pool = pool_for(up, read_timeout=0.3)
    for method, body in (("POST", b"{}"), ("GET", None)):
        with pytest.raises(ConnectFailed):
            await asyncio.wait_for(fetch(pool, method, body=body), 5)
    assert pool.busy == 0 and not pool.inuse
    await pool.close()


async def test_nothing_listening_is_connect_failed():
    pool = Pool(["http://127.0.0.1:9"], None, None, 1.0, 1.0)
    with pytest.raises(ConnectFailed) as info:
        await fetch(pool)
    assert info.value.kind == "connect" and pool.busy == 0
    await pool.close()


VIDEO = MP4 + b"v" * 20000  # longer than the signature read: streamed, not held


# -- through the gateway --------------------------------------------------------------------

async def test_the_gateway_sends_its_fields_in_order_and_nothing_else(make_gateway, raw):
    up = await serve(raw, answer_each(*[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"] * 3))
    gw = await make_gateway(lambda m: m["regions"]["sg"].update(upstreams=[up.url + "/pre"]))
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    w.write(b"POST /v1/raw?x=1 HTTP/1.1\r\nHost: gw.example\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\nX-Z: last-first\r\nx-a: 1\r\nX-Z: again\r\n"
            b"Connection: keep-alive, X-Hop\r\nX-Hop: no\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n\r\n{}")
    w.write(b"POST /v1/media HTTP/1.1\r\nHost: gw.example\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\nContent-Type: video/mp4\r\nTransfer-Encoding: "
            b"chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(VIDEO), VIDEO))
    await w.drain()
    answers = b""
    while answers.count(b"HTTP/1.1 200") < 2:
        answers += await asyncio.wait_for(r.read(65536), 5)
    w.close()
    decisions = [line.split(b": ")[1].decode() for line in answers.split(b"\r\n")
                 if line.startswith(b"X-Residency-Decision")]
    policy = gw.runtime.active.loaded.version[:12]
    host = up.url.removeprefix("http://")
    tail = (f"X-Forwarded-For: 198.51.100.10, 127.0.0.1\r\nX-Forwarded-Host: gw.example\r\n"
            f"X-Residency-Origin: SG\r\nX-Residency-Decision: {{}}\r\nX-Residency-Tenant: acme\r\n"
            f"X-Residency-Policy: {policy}\r\nX-Residency-Region: sg\r\n")
    assert up.requests[0] == (
        f"POST /pre/v1/raw?x=1 HTTP/1.1\r\nHost: {host}\r\nX-Tenant-ID: acme\r\n"
        f"X-Z: last-first\r\nx-a: 1\r\nX-Z: again\r\nContent-Type: application/json\r\n"
        + tail.format(decisions[0]) + "Content-Length: 2\r\n\r\n{}").encode()
    assert up.requests[1] == (
        f"POST /pre/v1/media HTTP/1.1\r\nHost: {host}\r\nX-Tenant-ID: acme\r\n"
        f"Content-Type: video/mp4\r\n" + tail.format(decisions[1])
        + "Transfer-Encoding: chunked\r\n\r\n").encode() + VIDEO
    assert up.on_connection[0] == up.on_connection[1]  # kept alive between them


async def test_hostile_upstreams_are_502_and_504_and_the_gateway_carries_on(make_gateway, raw):
    async def script(reader, writer, n):
        while await up_request(reader, script) is not None:
            mode = script.upstream.requests[-1].split(b" ")[1]  # type: ignore[attr-defined]
            if mode == b"/garbage":
                writer.write(b"\x16\x03\x01 not http at all\r\n\r\n")
            elif mode == b"/huge":
                writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-H: " + b"h" * 20000 + b"\r\n\r\n")
            elif mode == b"/slow":
                await asyncio.sleep(2)
            elif mode == b"/cut":
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhalf")
                await writer.drain()
                writer.transport.abort()
                return
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"3\r\nfin\r\n3\r\ne!!\r\n0\r\n\r\n")
            await writer.drain()

    up = await serve(raw, script)

    gw = await sg_gateway(make_gateway, up.url, read_timeout_s=0.4)
    for path, status, reason in (("/garbage", 502, "upstream_error"),
                                 ("/huge", 502, "upstream_error"),
                                 ("/slow", 504, "upstream_timeout")):
        got, headers, problem = await gw.post(path, tenant="lenient", xff=ADDR["SG"],
                                              json_body={})
        assert (got, problem["reason"]) == (status, reason), path
        assert headers["Content-Type"].startswith("application/problem+json")
    async with gw.session.post(gw.url + "/cut", json={}, headers={
            "X-Tenant-ID": "lenient", "X-Forwarded-For": ADDR["SG"]}) as resp:
        assert resp.status == 200
        with pytest.raises(Exception):  # noqa: B017 - the client sees a cut answer
            await resp.read()
    got, _, text = await gw.post("/fine", tenant="lenient", xff=ADDR["SG"], json_body={})
    assert (got, text) == (200, "fine!!")
    done = await gw.completions(5)
    assert [c["outcome"] for c in done] == ["upstream_error", "upstream_error",
                                            "upstream_timeout", "upstream_body_error",
                                            "completed"]


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nX-Ctl: a\x01b\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nX-Del: a\x7f\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok",
], ids=["control-in-value", "del-in-value", "control-in-reason"])
async def test_control_characters_in_an_answer_head_are_the_upstreams_502(make_gateway, raw,
                                                                          answer):
    """llhttp's lenient header parsing lets control characters through that aiohttp's writer
    refuses downstream: they must be the upstream's 502, not the gateway's 500 internal_error
    (which pages whoever runs the gateway for an upstream's fault)."""
    up = await serve(raw, answer_each(answer))
    gw = await sg_gateway(make_gateway, up.url)
    got, headers, problem = await gw.post("/v1/ctl", tenant="acme", xff=ADDR["SG"],
                                          json_body={})
    assert (got, problem["reason"]) == (502, "upstream_error")
    assert headers["Content-Type"].startswith("application/problem+json")
    done = await gw.completions(1)
    assert done[0]["outcome"] == "upstream_error"
    assert gw.runtime.metrics.internal_errors._value.get() == 0


def answer_at_length(size: int, chunk: int, pause: float, *, at_head: bool = False) -> Script:
    """Answer the first request with `size` bytes of body, `chunk` at a time, `pause` s apart
    (an answer that takes a while); `at_head`: as soon as the request head is in, before its
    body."""
    async def script(reader, writer, n):
        if at_head:
            await reader.readuntil(b"\r\n\r\n")
        else:
            await up_request(reader, script)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        with contextlib.suppress(ConnectionError):
            for _ in range(size // chunk):
                writer.write(b"d" * chunk)
                await writer.drain()
                if pause:
                    await asyncio.sleep(pause)

    return script


async def test_a_client_gone_mid_answer_closes_the_upstream_connection(make_gateway, raw):
    # (100 MB at 10 MB/s: a loaded machine cannot read the whole answer before the gateway
    # sees the client gone, which would rightly keep the connection; 10 MB once could)
    up = await serve(raw, answer_at_length(100_000_000, 10_000, 0.001))
    gw = await sg_gateway(make_gateway, up.url)
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    w.write(b"GET /v1/big HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\n\r\n")
    await r.readuntil(b"\r\n\r\n")
    await r.readexactly(50000)
    w.transport.abort()
    for _ in range(100):
        if up.closed_by_peer:
            break
        await asyncio.sleep(0.05)
    assert up.closed_by_peer == 1
    done = await gw.completions(1)
    assert done[0]["outcome"] == "client_disconnected"
    assert 50000 <= done[0]["bytes_down"] < 100_000_000


async def test_a_client_that_stops_reading_does_not_hold_the_upstream_connection(make_gateway,
                                                                                  raw):
    """A client that takes no bytes of the answer for client_idle_timeout_s is cut and its
    upstream connection closed: otherwise 128 such clients hold every connection of a base
    (LIMIT_PER_BASE) for as long as they like and every other request waits and fails."""

    up = await serve(raw, answer_at_length(1_000_000_000, 10_000, 0))  # unless stopped

    gw = await sg_gateway(make_gateway, up.url, client_idle_timeout_s=0.5)
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    w.write(b"GET /v1/big HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\n\r\n")
    await r.readuntil(b"\r\n\r\n")
    w.transport.pause_reading()  # and never reads again
    for _ in range(100):
        if up.closed_by_peer:
            break
        await asyncio.sleep(0.05)
    assert up.closed_by_peer == 1  # well within the upstream's read_timeout_s (60 s)
    done = await gw.completions(1)
    assert done[0]["outcome"] == "client_timeout"
    assert 0 < done[0]["bytes_down"] < 1_000_000_000
    assert not gw.runtime.active.upstreams["sg"].client.inuse
    w.transport.abort()


@pytest.mark.parametrize("size", [200_000, 30_000_000])
async def test_a_slow_reader_holds_no_upstream_connection_once_the_answer_is_in_hand(
        make_gateway, raw, size):
    """A client that takes a 200 KB answer slowly holds no upstream connection: once the whole
    answer is read off it (the connection buffers 256 KiB, the sockets more), the connection
    goes back to the pool before the last bytes go to the client, so slow readers cannot hold
    every connection of a base; the client still gets every byte, in order. An answer too big
    to hold (30 MB) streams at the client's pace on its connection."""
    body = bytes(range(256)) * (size // 256) + b"e" * (size % 256)

    async def script(reader, writer, n):
        while await up_request(reader, script) is not None:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + body)
            with contextlib.suppress(ConnectionError):
                await writer.drain()

    up = await serve(raw, script)
    gw = await sg_gateway(make_gateway, up.url)
    pool = gw.runtime.active.upstreams["sg"].client
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a client that takes little
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gw.running.proxy_port))
    r, w = await asyncio.open_connection(sock=sock)
    w.transport.pause_reading()
    w.write(b"GET /v1/result HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\n\r\n")
    for _ in range(100):
        if up.requests and not pool.inuse:
            break
        await asyncio.sleep(0.02)
    held = bool(pool.inuse)
    w.transport.resume_reading()
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
    got = await asyncio.wait_for(r.readexactly(size), 30)
    assert head.startswith(b"HTTP/1.1 200 ") and got == body
    [done] = await gw.completions(1)
    assert done["outcome"] == "completed" and done["bytes_down"] == size
    if size <= 256 * 1024:
        assert not held  # back in the pool before the client took the answer
        w.write(b"GET /v1/again HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                b"X-Forwarded-For: 198.51.100.10\r\n\r\n")
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
        assert await asyncio.wait_for(r.readexactly(size), 30) == body
        assert len(set(up.on_connection)) == 1  # the second reused the freed connection
    else:
        assert held  # 30 MB are not held in memory: the connection streams them
    w.close()


def _dns_pki(tmp_path):
    """A CA and a server certificate for the name sg.upstream.test only (no IP address)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(subject, key, issuer, issuer_key, *, ca, dns=None):
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
             .issuer_name(issuer).public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(minutes=5))
             .not_valid_after(now + dt.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if dns:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = cert("test CA", ca_key, ca_name, ca_key, ca=True)
    server = cert("sg.upstream.test", key, ca_name, ca_key, ca=False, dns="sg.upstream.test")
    (tmp_path / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return tmp_path / "ca.crt", tmp_path / "server.crt", tmp_path / "server.key"


async def test_tls_names_the_server_by_the_maps_server_hostname(make_gateway, tmp_path):
    """SNI and the certificate check use tls.server_hostname, the connection goes to the
    base URL's address; without it a certificate for another name is refused."""
    import ssl

    ca, crt, key = _dns_pki(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    names: list[str | None] = []
    ctx.sni_callback = lambda sock, name, _ctx: names.append(name)  # type: ignore[assignment]
    requests: list[bytes] = []

    async def serve_tls(reader, writer):
        while (got := await read_request(reader)) is not None:
            requests.append(got[0])
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsecured")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve_tls, "127.0.0.1", 0, ssl=ctx)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        gw = await make_gateway(lambda m: m["regions"]["sg"].update(
            upstreams=[url], allow_plaintext=False,
            tls={"ca_file": str(ca), "server_hostname": "sg.upstream.test"}))
        for _ in range(2):
            status, _, text = await gw.post(tenant="lenient", xff=ADDR["SG"], json_body={})
            assert (status, text) == (200, "secured")
        assert names == ["sg.upstream.test"]  # one handshake: the connection was kept
        assert requests[0].startswith(b"POST /v1/compare HTTP/1.1\r\nHost: 127.0.0.1:")
        gw2 = await make_gateway(lambda m: m["regions"]["sg"].update(
            upstreams=[url], allow_plaintext=False, tls={"ca_file": str(ca)}))
        status, _, problem = await gw2.post(tenant="lenient", xff=ADDR["SG"], json_body={})
        assert (status, problem["reason"]) == (503, "upstream_unavailable")
        assert len(requests) == 2
    finally:
        server.close()


async def test_streamed_uploads_keep_their_upstream_connection(make_gateway, raw):
    """An upload answered once it was read whole leaves its connection for the next one."""

    up = await serve(raw, answer_ok())
    gw = await sg_gateway(make_gateway, up.url)
    video = MP4 + b"v" * (4 * 1024 * 1024)
    for _ in range(5):
        status, _, text = await gw.post("/v1/liveness", xff=ADDR["SG"], data=io.BytesIO(video),
                                        headers={"Content-Type": "video/mp4"})
        assert (status, text) == (200, "ok")
    assert len(up.requests) == 5 and len(set(up.on_connection)) == 1


async def test_health_probes_send_host_only_and_leave_the_connection_for_traffic(
        make_gateway, raw):
    up = await serve(raw, answer_ok())
    gw = await make_gateway(lambda m: m["regions"]["sg"].update(upstreams=[up.url + "/p"],
                                                                health_path="/healthz"))
    await gw.runtime.check_upstreams()
    status, _, _ = await gw.post(tenant="lenient", xff=ADDR["SG"], json_body={})
    assert status == 200
    host = up.url.removeprefix("http://")
    probes = [r for r in up.requests if b"/healthz" in r]
    assert probes and all(r == f"GET /p/healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
                          for r in probes)
    assert len(set(up.on_connection)) == 1  # probes and the request on one connection


async def test_a_streamed_body_over_max_body_bytes_is_413_and_cut_upstream(make_gateway, raw):
    up = await serve(raw, answer_ok())

    gw = await sg_gateway(make_gateway, up.url, max_body_bytes=8192)
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    w.write(b"POST /v1/liveness HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\nContent-Type: video/mp4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    body = MP4 + b"v" * 20000
    for i in range(0, len(body), 3000):
        piece = body[i:i + 3000]
        w.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        await w.drain()
        await asyncio.sleep(0.01)
    w.write(b"0\r\n\r\n")
    answer = await asyncio.wait_for(r.read(4096), 5)
    w.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:60]
    done = await gw.completions(1)
    assert done[0]["outcome"] == "body_too_large" and 0 < done[0]["bytes_up"] <= 8192
    assert up.requests == []  # the upstream never saw a whole request: it was cut
    await asyncio.sleep(0.1)
    assert up.connections >= 1 and up.open_now == 0


async def test_an_answer_head_is_relayed_before_a_slow_body_and_whole_answers_stay_whole(
        make_gateway, raw):
    """The head of an answer goes out with its first body bytes when they came together (one
    send), but never waits for a body still on its way: a client sees the status while a slow
    upstream is still producing the body."""
    release = asyncio.Event()

    async def script(reader, writer, n):
        while (got := await up_request(reader, script)) is not None:
            if got[0].startswith(b"GET /v1/slow"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
                await writer.drain()
                await release.wait()
                writer.write(b"hello")
            elif got[0].startswith(b"GET /v1/chunked"):
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    gw, r, w = await through_gateway(make_gateway, raw, script)
    w.write(ask(b"/v1/slow"))
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)  # the body is held back
    assert head.startswith(b"HTTP/1.1 200 ") and b"Content-Length: 5" in head
    release.set()
    assert await asyncio.wait_for(r.readexactly(5), 5) == b"hello"
    w.write(ask(b"/v1/whole"))
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 201 ") and b"X-Residency-Region: sg" in head
    assert await asyncio.wait_for(r.readexactly(2), 5) == b"ok"
    w.write(ask(b"/v1/chunked"))
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
    assert b"Transfer-Encoding: chunked" in head
    body = await asyncio.wait_for(r.readuntil(b"0\r\n\r\n"), 5)
    assert b"hello" in body and b" world" in body
    w.close()
    done = await gw.completions(3)
    assert [c["outcome"] for c in done] == ["completed"] * 3


@pytest.mark.parametrize(("how", "outcome"), [("leaves", "client_disconnected"),
                                              ("stalls", "client_timeout")])
async def test_a_client_that_fails_its_upload_after_the_answer_began_is_the_clients_failure(
        make_gateway, raw, how, outcome):
    """The upstream answers before the streamed upload ends (its answer streams slowly), and
    then the client leaves or stalls mid-upload: the completion record says so, not that the
    upstream's answer failed (the upstream did nothing wrong)."""
    up = await serve(raw, answer_at_length(1_000_000, 1000, 0.02, at_head=True))
    gw = await sg_gateway(make_gateway, up.url, client_idle_timeout_s=0.5)
    r, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    w.write(b"POST /v1/liveness HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            b"X-Forwarded-For: 198.51.100.10\r\nContent-Type: video/mp4\r\n"
            b"Content-Length: 10000000\r\n\r\n" + MP4 + b"v" * 100_000)
    await w.drain()
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200 ")
    await r.readexactly(2000)
    if how == "leaves":
        w.transport.abort()  # mid-upload and mid-answer
    else:  # sends no more of its upload, and reads on: the gateway cuts it after 0.5 s
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while await asyncio.wait_for(r.read(65536), 10):
                pass
    [done] = await gw.completions(1)
    assert done["outcome"] == outcome, done
    assert done["upstream_status"] == 200 and 0 < done["bytes_down"] < 1_000_000
    w.transport.abort()


async def test_the_gateway_invents_no_content_type_and_names_no_versions(make_gateway, raw):
    """An answer without Content-Type leaves without one (aiohttp would add
    application/octet-stream), one with its own Server keeps it, and the gateway's own answers
    (a refusal, the admin listener) name it without Python's or aiohttp's version."""
    async def script(reader, writer, n):
        while (got := await up_request(reader, script)) is not None:
            server = b"Server: kyc-api/2\r\n" if b"/v1/named" in got[0] else b""
            writer.write(b"HTTP/1.1 200 OK\r\n" + server + b"Content-Length: 2\r\n\r\nok")
            await writer.drain()

    gw, r, w = await through_gateway(make_gateway, raw, script)
    heads = []
    for path, tenant in ((b"/v1/plain", b"acme"), (b"/v1/named", b"acme"),
                         (b"/v1/refused", b"nobody")):
        w.write(ask(path, tenant))
        head = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)).decode().lower()
        length = int(head.split("content-length: ")[1].split("\r\n")[0])
        await r.readexactly(length)
        heads.append(head)
    w.close()
    plain, named, refused = heads
    assert plain.startswith("http/1.1 200") and "content-type" not in plain
    assert "server: residency-gateway\r\n" in plain
    assert "server: kyc-api/2\r\n" in named
    assert refused.startswith("http/1.1 4") and "server: residency-gateway\r\n" in refused
    assert "content-type: application/problem+json" in refused
    async with aiohttp.ClientSession() as s, s.get(
            f"http://127.0.0.1:{gw.running.admin_port}/healthz") as resp:
        assert resp.headers["Server"] == "residency-gateway"
    assert all("aiohttp" not in h and "python" not in h for h in heads)
