"""A lean HTTP/1.1 client for the forwarding path (shell): keep-alive connections on asyncio
protocols, responses parsed by httptools (llhttp, in C).

It replaces aiohttp's ClientSession in the request path and keeps what the proxy relied on:

- The request head is the caller's header list, byte for byte and in order, after `Host` (from
  the base URL, as aiohttp wrote it); the only fields added are the framing ones aiohttp added:
  `Content-Length: N` for a held body, `Content-Length: 0` for no body on a method other than
  GET/HEAD/OPTIONS/TRACE, `Transfer-Encoding: chunked` for a streamed body without a length.
  A header that is not valid UTF-8 is left out (aiohttp's writer did the same); CR or LF in the
  head is a ValueError, as in aiohttp.
- Responses: 1xx interim answers are skipped (101 is a protocol error: the gateway never asks
  for an upgrade), HEAD/204/304 have no body, bodies are chunked, by length or until close.
  Parsing is as lax as aiohttp's (llhttp lenient headers, bare LF, spaces after a chunk size),
  with its limits: a status line or header field of at most 8190 bytes, 128 fields; plus a
  bound on the whole head. A control character (other than HTAB) in a field value or the
  reason phrase is refused (RFC 9110 s.5.5; aiohttp's writer would refuse it downstream).
  Anything else malformed is `BadResponse` (the proxy's 502).
- Timeouts: `connect_timeout_s` bounds waiting for a pool slot, the TCP connect and the TLS
  handshake together (`TimeoutError`); `read_timeout_s` bounds each wait for the upstream once
  the request is sent: the whole head (interim 1xx answers and a head trickled a byte at a
  time do not move that deadline: bad-day round 9), then every gap in the body
  (`UpstreamTimeout`), and also a wait for the upstream to take more of a streamed request
  body.
- Read-ahead: a connection buffers 256 KiB of an answer before it stops reading from the
  upstream; `Conn.hold_up_to(n)` lets it read on while the whole answer so far is at most `n`
  bytes (the proxy's response buffering, charged to a `ReadAhead` budget), and `on_done` tells
  the caller at once when the answer is complete, so it can take the rest and free the
  connection before a slow client has read it.
- Limits: at most `per_base` (LIMIT_PER_BASE) busy connections per base URL and `per_region`
  (LIMIT_PER_REGION) per region (limits.upstream_connections_per_* in the map).
- A connection goes back to the pool only when its response was read to the end, the request
  was sent whole and both sides allow keep-alive; idle connections close after 30 s. A request
  without body bytes sent on a reused connection that the upstream closed before answering
  anything is retried once on a fresh connection, for idempotent methods (as aiohttp does).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Protocol, cast

import httptools
from yarl import URL

MAX_FIELD = 8190  # aiohttp's max_line_size / max_field_size
MAX_HEADERS = 128  # aiohttp's max_headers
MAX_HEAD = 256 * 1024  # bytes read before the head is complete
HIGH_WATER = 256 * 1024  # response bytes buffered before reading from the upstream pauses
KEEPALIVE_S = 30.0  # aiohttp's keepalive_timeout
LIMIT_PER_REGION = 256  # aiohttp's TCPConnector limit ...
LIMIT_PER_BASE = 128  # ... and limit_per_host
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # no Content-Length: 0
# RFC 9110 s.5.5: no control character but HTAB in a field value (nor in a reason phrase).
# llhttp's lenient header parsing lets them through, and aiohttp's writer refuses them
# downstream with a ValueError (the gateway's 500): they are the upstream's malformed answer.
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class UpstreamError(Exception):
    """The upstream failed; `kind` is the metric label."""

    kind = "protocol"


class ConnectFailed(UpstreamError):
    """No connection (refused, unreachable, reset during the handshake): try the next base."""

    kind = "connect"


class TLSFailed(ConnectFailed):
    kind = "tls"


class UpstreamTimeout(UpstreamError):
    kind = "timeout"


class BadResponse(UpstreamError):
    """The upstream's answer is not HTTP/1.1 the gateway accepts."""


class Disconnected(BadResponse):
    """The upstream closed the connection before its answer was complete."""

    def __init__(self, msg: str, *, nothing_received: bool):
        super().__init__(msg)
        self.nothing_received = nothing_received


class Sent(Protocol):
    """Where body bytes handed to the upstream connection are counted (completion records)."""

    bytes_up: int


def _head_block(method: str, path: str, host: str, headers: list[tuple[str, str]],
                framing: str) -> bytes:
    text = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
            + "".join([f"{n}: {v}\r\n" for n, v in headers]) + framing + "\r\n")
    lines = len(headers) + 3 + (1 if framing else 0)
    if text.count("\n") != lines or text.count("\r") != lines:
        raise ValueError("newline or carriage return in the request line or a header")
    try:
        return text.encode()
    except UnicodeEncodeError:  # client bytes that were not UTF-8: such a field is left out
        kept = [(n, v) for n, v in headers if _utf8(n) and _utf8(v)]
        return _head_block(method, path.encode(errors="ignore").decode(), host, kept, framing)


def _utf8(s: str) -> bool:
    try:
        s.encode()
    except UnicodeEncodeError:
        return False
    return True


class ReadAhead:
    """Bytes that answers may be read ahead of their clients, across all responses of a process
    (limits.response_buffers_total_bytes): a response that cannot have its share streams at its
    client's pace instead, so no number of slow clients grows memory past the cap."""

    def __init__(self) -> None:
        self.used = 0
        self.peak = 0  # the most ever taken at once (for tests and operators)

    def take(self, n: int, cap: int) -> bool:
        if self.used + n > cap:
            return False
        self.used += n
        self.peak = max(self.peak, self.used)
        return True

    def give(self, n: int) -> None:
        self.used -= n


class Base:
    """One base URL of a region, parsed once: where to connect and what to put in the head."""

    def __init__(self, url: str, pool: Pool, ctx: ssl.SSLContext | None):
        parsed = URL(url)
        self.url = url
        self.pool = pool
        self.host = parsed.raw_host or ""
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.ssl = ctx if parsed.scheme == "https" else None
        self.host_header = parsed.host_port_subcomponent or self.host
        rest = url.partition("://")[2]
        slash = rest.find("/")
        self.prefix = rest[slash:] if slash >= 0 else ""  # prepended to every target, as is
        self.idle: list[Conn] = []
        self.busy = 0
        self._sweep: asyncio.TimerHandle | None = None

    def swept(self) -> None:
        """Close connections idle for KEEPALIVE_S; come back while any stay idle."""
        self._sweep = None
        now = asyncio.get_running_loop().time()
        keep = []
        for conn in self.idle:
            if now - conn.idle_since >= KEEPALIVE_S:
                conn.close()
            else:
                keep.append(conn)
        self.idle = keep
        if keep:
            self._sweep = asyncio.get_running_loop().call_at(
                keep[0].idle_since + KEEPALIVE_S, self.swept)


class Conn(asyncio.Protocol):
    """One upstream connection; one exchange at a time (begin ... Pool.release)."""

    def __init__(self, base: Base, read_timeout: float):
        self.base = base
        self.loop = asyncio.get_running_loop()
        self.read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        parser = httptools.HttpResponseParser(self)
        parser.set_dangerous_leniencies(lenient_headers=True, lenient_optional_cr_before_lf=True,
                                        lenient_spaces_after_chunk_size=True)
        self.parser = parser
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.active = False
        self.writer: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._write_paused = False
        self._read_paused = False
        self._timer: asyncio.TimerHandle | None = None
        self._timing = False
        self._last = 0.0
        self._head_due = 0.0
        self.begin(True)
        self.active = False

    # -- one exchange -------------------------------------------------------------------------
    def begin(self, expect_body: bool) -> None:
        self.active = True
        self.expect_body = expect_body
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[str, str]] = []
        self.content_length: int | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.received = 0  # body bytes of this answer received so far
        self.hold = 0  # read on past HIGH_WATER while the answer so far is at most this
        self.on_done: Callable[[], None] | None = None  # called once when the answer is whole
        self.on_failed: Callable[[], None] | None = None  # called once when the exchange fails
        self.head_done = False
        self.done = False
        self.sent = False
        self.keep_alive = False
        self.error: BaseException | None = None
        # The caller's request body failed (client gone, stalled, too large) after the answer
        # began: the connection was dropped for that, not for anything the upstream did.
        self.body_failure: BaseException | None = None
        self.got_bytes = False
        self._head_bytes = 0
        self._field_bytes = 0  # the fields of this exchange's heads, interim ones included
        self._reason = b""
        self._cl: bytes | None = None
        self._te: bytes | None = None
        self._interim = False
        self._until_close = False
        self._ignore = False

    def request_sent(self) -> None:
        """The whole request is out: from now on the upstream has read_timeout_s for its whole
        head (1xx answers included), then per wait."""
        self.sent = True
        self._time(True)
        self._head_due = self._last + self.read_timeout

    async def head(self) -> None:
        while not self.head_done:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def read(self) -> bytes:
        """The next body bytes, b"" at the end."""
        while True:
            if self.chunks:
                chunks = self.take()
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if self.done:
                return b""
            if self.error is not None:
                raise self.error
            await self._wait()

    def take(self) -> list[bytes]:
        """Every body byte buffered now (the caller holds them from here on)."""
        chunks = self.chunks
        self.chunks = []
        self.buffered = 0
        self._resume()
        return chunks

    def hold_up_to(self, n: int) -> None:
        """Read on past HIGH_WATER while the whole answer so far is at most `n` bytes."""
        self.hold = n
        if self.received <= n:
            self._resume()

    def _resume(self) -> None:
        if self._read_paused and self.transport is not None and not self.closed:
            self._read_paused = False
            self._last = self.loop.time()
            self.transport.resume_reading()

    def tell_failed(self) -> None:
        """Call `on_failed` (once) if the exchange failed: a caller waiting on something
        else (its client, while the answer is read ahead) learns of it at once."""
        hook = self.on_failed
        if hook is not None and self.error is not None:
            self.on_failed = None
            hook()

    def answer_whole(self) -> None:
        """Call `on_done` (once) if the answer is complete."""
        hook = self.on_done
        if hook is not None and self.done and self.error is None and self.active:
            self.on_done = None
            hook()

    async def drain(self) -> None:
        """Wait until the upstream takes more of the request (at most read_timeout_s idle)."""
        if self.error is not None:
            raise self.error
        if not self._write_paused:
            return
        fut = self._drain = self.loop.create_future()
        timing = self._timing
        self._time(True)
        try:
            await fut
        finally:
            self._drain = None
            if not timing:
                self._timing = False
        if self.error is not None:
            raise self.error

    async def _wait(self) -> None:
        fut = self._waiter = self.loop.create_future()
        try:
            await fut
        finally:
            self._waiter = None

    def _wake(self) -> None:
        fut = self._waiter
        if fut is not None and not fut.done():
            fut.set_result(None)

    def fail(self, exc: BaseException) -> None:
        """The exchange cannot go on: wake whoever waits, drop the connection."""
        if self.error is None and not (self.done and self.head_done):
            self.error = exc
        self.keep_alive = False
        self._wake()
        self.tell_failed()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self.abort()

    def _time(self, on: bool) -> None:
        self._timing = on
        if on:
            self._last = self.loop.time()
            if self._timer is None:
                self._timer = self.loop.call_at(self._last + self.read_timeout, self._on_timer)

    def _on_timer(self) -> None:
        # One timer per connection, moved only when it fires: an exchange costs no timer
        # operations, just `_last = loop.time()` when it starts waiting and on every read.
        self._timer = None
        if not self._timing or self.closed or self.done:
            return
        now = self.loop.time()
        due = self._last + self.read_timeout
        if self.sent and not self.head_done:
            # the head as a whole: bytes that trickle in, or interim answers, do not extend it
            if now >= self._head_due:
                self.fail(UpstreamTimeout(
                    f"no response head from the upstream within {self.read_timeout} s"))
                return
            due = min(due, self._head_due)
        if self._read_paused and self._drain is None:  # we hold the upstream back: not its fault
            due = now + self.read_timeout
        elif now >= due:
            self.fail(UpstreamTimeout(f"no data from the upstream for {self.read_timeout} s"))
            return
        self._timer = self.loop.call_at(due, self._on_timer)

    def finish(self) -> None:
        """End of the exchange (the pool decides whether the connection stays)."""
        self.active = False
        self.on_done = None
        self._timing = False  # the timer, if armed, goes quiet when it fires
        self.chunks = []

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    @property
    def at_end(self) -> bool:
        """The answer is complete and every byte of it was read."""
        return self.done and not self.chunks

    @property
    def has_transfer_encoding(self) -> bool:
        return self._te is not None

    @property
    def reusable(self) -> bool:
        return (self.done and self.keep_alive and self.sent and self.error is None
                and not self.closed and not self._ignore and not self.chunks
                and not self._read_paused)

    # -- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (uvloop's transports are not asyncio.Transport subclasses: no isinstance check)
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if not self.active:  # nothing was asked: a stale or misbehaving upstream
            self.abort()
            return
        self.got_bytes = True
        self._last = self.loop.time()
        if not self.head_done:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(BadResponse("the upstream switched protocols"))
            return
        except httptools.HttpParserError as exc:
            if self.done:  # bytes after a complete answer: keep the answer, drop the connection
                self.keep_alive = False
                self.close()
            else:
                cause = exc.__context__ if isinstance(exc.__context__, BadResponse) else None
                self.fail(cause or BadResponse(f"malformed response: {exc}"))
            return
        if not self.head_done and self._head_bytes > MAX_HEAD:
            self.fail(BadResponse("response head too large"))
            return
        if (self.buffered > HIGH_WATER and self.received > self.hold
                and not self._read_paused and self.transport is not None):
            self._read_paused = True
            self.transport.pause_reading()
        self._wake()
        if self.done:
            self.answer_whole()

    def eof_received(self) -> bool | None:
        return None  # close; connection_lost says whether the answer was complete

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.active and not self.done and self.error is None:
            if self.head_done and self._until_close and exc is None:
                self.done = True  # a body delimited by the end of the connection
                self.keep_alive = False
            else:
                self.error = Disconnected(
                    "the upstream closed the connection" + (f" ({type(exc).__name__})"
                                                            if exc else ""),
                    nothing_received=not self.got_bytes)
        self._wake()
        self.tell_failed()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self.base.pool.lost(self)
        if self.done:
            self.answer_whole()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._last = self.loop.time()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    # -- httptools callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.head_done:
            raise BadResponse("a second response to one request")
        self.headers = []
        self._reason = b""
        self._cl = self._te = None
        self._interim = False

    def on_status(self, status: bytes) -> None:
        self._reason += status
        if len(self._reason) > MAX_FIELD:
            raise BadResponse("status line too long")
        if _CONTROL.search(status) is not None:
            raise BadResponse("control character in the reason phrase")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.head_done:
            return  # a chunked body's trailer fields are not forwarded (nor were they before)
        if len(name) + len(value) > MAX_FIELD:
            raise BadResponse("header field too long")
        self._field_bytes += len(name) + len(value) + 4
        if self._field_bytes > MAX_HEAD:
            # (counted by field as well as by read: a head that ends within the read that
            # crosses the bound got through at up to twice it; interim heads count too)
            raise BadResponse("response head too large")
        if len(self.headers) >= MAX_HEADERS:
            raise BadResponse("too many header fields")
        value = value.rstrip(b" \t")
        if _CONTROL.search(value) is not None:
            raise BadResponse("control character in a header value")
        if len(name) == 14 and name.lower() == b"content-length":
            self._cl = value
        elif len(name) == 17 and name.lower() == b"transfer-encoding":
            # several lines are one list (RFC 9110 s.5.3)
            self._te = value if self._te is None else self._te + b", " + value
        self.headers.append((name.decode("utf-8", "surrogateescape"),
                             value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self._interim = True  # 100 Continue, 103 Early Hints: not the answer
            return
        if status == 101:
            raise BadResponse("101 Switching Protocols was not asked for")
        self.status = status
        self.reason = self._reason.decode("utf-8", "surrogateescape")
        if self._cl is not None:
            try:
                self.content_length = int(self._cl)
            except ValueError:
                raise BadResponse("bad Content-Length") from None
        self.head_done = True
        if not self.expect_body:  # HEAD: no body whatever the head says; not reused after
            self.done = True
            self._ignore = True
            self.keep_alive = False
            return
        codings = [c.strip().lower() for c in (self._te or b"").split(b",") if c.strip()]
        if any(c != b"chunked" for c in codings):
            # gzip, br, ... as a transfer coding: Transfer-Encoding is hop-by-hop, so the
            # client would get the coded bytes with nothing saying so; refused as the
            # upstream's error (502), as a malformed answer is.
            raise BadResponse("transfer coding other than chunked")
        chunked = bool(codings)
        self._until_close = (self._cl is None and not chunked and status not in (204, 304))

    def on_body(self, body: bytes) -> None:
        if not self._ignore:
            self.chunks.append(body)
            self.buffered += len(body)
            self.received += len(body)

    def on_message_complete(self) -> None:
        if self._interim or self._ignore:
            return
        self.done = True
        self.keep_alive = self.parser.should_keep_alive()


class Pool:
    """The connections of one region: at most `per_base` busy per base URL and `per_region`
    per region; beyond that a request waits (within connect_timeout_s)."""

    def __init__(self, urls: list[str], ctx: ssl.SSLContext | None,
                 server_hostname: str | None, connect_timeout: float, read_timeout: float, *,
                 per_base: int = LIMIT_PER_BASE, per_region: int = LIMIT_PER_REGION):
        self.bases = [Base(u, self, ctx) for u in urls]
        self.by_url = {b.url: b for b in self.bases}
        self.server_hostname = server_hostname
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.per_base = per_base
        self.per_region = per_region
        self.busy = 0
        self.inuse: set[Conn] = set()
        self.waiters: deque[tuple[Base, asyncio.Future[None]]] = deque()
        self.closed = False

    # -- slots and connections ----------------------------------------------------------------
    def _free_slot(self, base: Base) -> None:
        base.busy -= 1
        self.busy -= 1
        while self.waiters:
            wbase, fut = self.waiters[0]
            if fut.done():
                self.waiters.popleft()
                continue
            if wbase.busy >= self.per_base or self.busy >= self.per_region:
                # the head of the queue still waits for its base: wake the first that can go
                for i, (b, f) in enumerate(self.waiters):
                    if not f.done() and b.busy < self.per_base and self.busy < self.per_region:
                        del self.waiters[i]
                        self._hand(b, f)
                        break
                return
            self.waiters.popleft()
            self._hand(wbase, fut)
            return

    def _hand(self, base: Base, fut: asyncio.Future[None]) -> None:
        base.busy += 1
        self.busy += 1
        fut.set_result(None)

    async def _slot(self, base: Base, deadline: float) -> None:
        # Every queued request waits for a limit that still holds (a freed slot goes to the
        # first that can take it), so a request within both limits may go at once.
        if base.busy < self.per_base and self.busy < self.per_region:
            base.busy += 1
            self.busy += 1
            return
        fut = asyncio.get_running_loop().create_future()
        entry = (base, fut)
        self.waiters.append(entry)
        try:
            async with asyncio.timeout_at(deadline):
                await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._free_slot(base)  # handed a slot we will not use
            else:
                fut.cancel()
                with contextlib.suppress(ValueError):
                    self.waiters.remove(entry)
            raise

    def _take_idle(self, base: Base) -> Conn | None:
        """The fast path, without a coroutine: a kept connection when the limits allow."""
        idle = base.idle
        if not idle or base.busy >= self.per_base or self.busy >= self.per_region:
            return None
        now = idle[-1].loop.time()
        while idle:
            conn = idle.pop()
            if (not conn.closed and conn.transport is not None
                    and not conn.transport.is_closing()
                    and now - conn.idle_since < KEEPALIVE_S):
                base.busy += 1
                self.busy += 1
                self.inuse.add(conn)
                return conn
            conn.close()
        return None

    async def acquire(self, base: Base) -> Conn:
        """A connection to `base`, idle or new; holds a slot until `release`."""
        if self.closed:
            raise ConnectFailed("the pool is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        await self._slot(base, deadline)
        try:
            now = loop.time()
            idle = base.idle
            while idle:
                conn = idle.pop()
                if (not conn.closed and conn.transport is not None
                        and not conn.transport.is_closing()
                        and now - conn.idle_since < KEEPALIVE_S):
                    self.inuse.add(conn)
                    return conn
                conn.close()
            conn = await self._connect(base, deadline)
        except BaseException:
            self._free_slot(base)
            raise
        self.inuse.add(conn)
        return conn

    async def _connect(self, base: Base, deadline: float) -> Conn:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(deadline):
                if base.ssl is not None:
                    _, conn = await loop.create_connection(
                        lambda: Conn(base, self.read_timeout), base.host, base.port,
                        ssl=base.ssl, server_hostname=self.server_hostname or base.host)
                else:
                    _, conn = await loop.create_connection(
                        lambda: Conn(base, self.read_timeout), base.host, base.port)
        except ssl.SSLError as exc:  # includes certificate verification
            raise TLSFailed(type(exc).__name__) from exc
        except TimeoutError as exc:
            if exc.errno is None:
                raise  # our connect_timeout_s (the proxy's 504), as with aiohttp
            raise ConnectFailed(type(exc).__name__) from exc
        except OSError as exc:
            raise ConnectFailed(type(exc).__name__) from exc
        return conn

    def release(self, conn: Conn, reuse: bool = True) -> None:
        """End an exchange: keep the connection if its answer was read whole, else close it."""
        writer = conn.writer
        if writer is not None:
            conn.writer = None
            if not writer.done():
                writer.cancel()  # the answer ended before the request body did
                reuse = False
        keep = reuse and conn.reusable and not self.closed
        conn.finish()
        self.inuse.discard(conn)
        if keep:
            conn.reused = True
            conn.idle_since = asyncio.get_running_loop().time()
            base = conn.base
            base.idle.append(conn)
            if base._sweep is None:
                base._sweep = asyncio.get_running_loop().call_at(
                    conn.idle_since + KEEPALIVE_S, base.swept)
        elif conn.done:
            conn.close()
        else:
            conn.abort()
        self._free_slot(conn.base)

    def lost(self, conn: Conn) -> None:
        if not conn.active:
            with contextlib.suppress(ValueError):
                conn.base.idle.remove(conn)

    # -- one request --------------------------------------------------------------------------
    async def request(self, base: Base, method: str, target: str,
                      headers: list[tuple[str, str]], *, body: bytes | None = None,
                      stream: AsyncIterator[bytes] | None = None, sent: Sent) -> Conn:
        """Send one request and return the connection with the response head read; the caller
        reads the body with `Conn.read` and must call `release`. `headers` must not hold Host,
        nor Content-Length unless `stream` is given (then it says how long the stream is)."""
        path = base.prefix + target
        chunked = False
        if stream is not None:
            chunked = not any(n.lower() == "content-length" for n, _ in headers)
            framing = "Transfer-Encoding: chunked\r\n" if chunked else ""
        elif body is not None:
            framing = f"Content-Length: {len(body)}\r\n"
        elif method not in _NO_BODY_METHODS:
            framing = "Content-Length: 0\r\n"
        else:
            framing = ""
        head = _head_block(method, path, base.host_header, headers, framing)
        retry = stream is None and not body and method in IDEMPOTENT
        while True:
            conn = self._take_idle(base) or await self.acquire(base)
            reused = conn.reused
            try:
                conn.begin(method != "HEAD")
                transport = conn.transport
                assert transport is not None
                if conn.closed or transport.is_closing():
                    # A new connection the upstream closed (or spoke on) before a byte was
                    # sent: a busy loop can handle the connect and the close in one turn.
                    # Nothing went out, so it is a failed connect (the next base may take it);
                    # writing would raise on uvloop, and no answer would ever wake us.
                    raise ConnectFailed("the upstream closed the connection before the request")
                if stream is not None:
                    transport.write(head)
                    conn.writer = asyncio.create_task(_pump(conn, stream, chunked, sent))
                elif body:
                    if len(body) < 65536:
                        transport.write(head + body)
                    else:
                        transport.write(head)
                        transport.write(body)
                    sent.bytes_up += len(body)
                    conn.request_sent()
                else:
                    transport.write(head)
                    conn.request_sent()
                await conn.head()
            except Disconnected as exc:
                self.release(conn, reuse=False)
                if retry and reused and exc.nothing_received:
                    retry = False  # a keep-alive connection the upstream had closed: once more
                    continue
                raise
            except BaseException:
                self.release(conn, reuse=False)
                raise
            return conn

    async def get_status(self, base: Base, path: str) -> int:
        """GET `path` (health probes): the status. A short answer is read to its end, so the
        connection stays for the traffic (no handshake per probe); a long one is cut."""

        class Nothing:
            bytes_up = 0

        conn = await self.request(base, "GET", path, [], sent=Nothing())
        reuse = False
        try:
            size = 0
            while chunk := await conn.read():
                size += len(chunk)
                if size > 65536:
                    break
            else:
                reuse = True
        finally:
            self.release(conn, reuse=reuse)
        return conn.status

    async def close(self) -> None:
        self.closed = True
        for base in self.bases:
            if base._sweep is not None:
                base._sweep.cancel()
                base._sweep = None
            for conn in base.idle:
                conn.close()
            base.idle = []
        for conn in list(self.inuse):
            conn.abort()


async def _pump(conn: Conn, stream: AsyncIterator[bytes], chunked: bool, sent: Sent) -> None:
    """Stream a request body to the upstream (a task, so the answer is read meanwhile)."""
    transport = conn.transport
    assert transport is not None
    try:
        async for chunk in stream:
            if not chunk:
                continue
            if conn.error is not None or conn.closed:
                raise conn.error or Disconnected("the upstream closed the connection",
                                                 nothing_received=not conn.got_bytes)
            if chunked:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            else:
                transport.write(chunk)
            sent.bytes_up += len(chunk)
            await conn.drain()
        if chunked:
            transport.write(b"0\r\n\r\n")
        conn.request_sent()
    except UpstreamError:
        pass  # already the exchange's error
    except Exception as exc:  # the client's side failed (too large, stalled, gone)
        if not conn.head_done:
            conn.fail(exc)
        else:
            if conn.error is None and not conn.closed:  # else the upstream's failure stands
                conn.body_failure = exc
            conn.keep_alive = False
            conn.abort()
