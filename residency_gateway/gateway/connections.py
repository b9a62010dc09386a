"""Connection hygiene for the data listener (shell): limits that hold whatever clients do.

- a request head must arrive within `header_timeout_s` of the connection opening (slowloris);
  between keep-alive requests aiohttp's `keepalive_timeout` (`idle_timeout_s`) applies;
- at most `max_connections` open connections per process: over it the oldest idle
  connections are closed first, and only when none is idle a new one gets a fast 503 and is
  closed, before a byte of its request is read (so nothing needs a record);
- errors of the accept loop (EMFILE and friends) are logged at most once per second.

- what aiohttp's own parser refuses (a malformed request line or header, a body longer than
  its framing, ...) is answered as RFC 9457 problem+json that quotes nothing of the request.

aiohttp has no header timeout or connection cap of its own; this wraps its protocol factory
and reads two attributes of its RequestHandler (`_request_count`, `_request_in_progress`),
stable across aiohttp 3.x; its handlers are a subclass overriding `handle_error`, the hook
aiohttp documents for it.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from typing import Any, cast

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler

from residency_gateway.core.safetext import safe_text
from residency_gateway.gateway.problem import problem
from residency_gateway.gateway.responses import SERVER_NAME
from residency_gateway.observability import Metrics

log = structlog.get_logger("residency_gateway")

_REFUSAL_BODY = json.dumps({
    "type": "urn:residency-gateway:problem:too_many_connections",
    "title": "Service Unavailable", "status": 503, "reason": "too_many_connections",
    "detail": "the gateway is at its connection limit; retry shortly"}).encode()
REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
           b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
           + str(len(_REFUSAL_BODY)).encode() + b"\r\n\r\n" + _REFUSAL_BODY)
FD_RESERVE = 64  # descriptors kept for the trail, keys, the admin listener, DNS, ...


class _Refuse(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (uvloop's transports are not asyncio.Transport subclasses: no isinstance check)
        cast(asyncio.Transport, transport).write(REFUSAL)
        transport.close()


class ProblemHandler(RequestHandler):
    """aiohttp's connection handler, answering what it refuses itself as problem+json.

    aiohttp's own answer to a request its parser refuses was a text/plain 400 that quoted the
    refused bytes back ("Invalid header value char ... b'X-Id: 110101...'") and named the
    Python and aiohttp versions. Here the answer says only the error's kind, as the log line
    does (aiohttp's own log line, a traceback quoting the bytes, is not made: see also
    observability._ParserRefusals). Nothing was decided or forwarded, so there is no record:
    the request never became one."""

    __slots__ = ("_metrics",)
    _metrics: Metrics

    def handle_error(self, request: web.BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:  # (as aiohttp: the connection is broken)
            raise ConnectionError("a response was already sent; cannot send another")
        kind = type(exc).__name__ if exc is not None else "none"
        if isinstance(exc, HttpProcessingError) or status == 400:
            reason = "malformed_http_request"
            detail = (f"the request is not well-formed HTTP/1.1 ({kind}); nothing was "
                      "decided or forwarded")
            self._metrics.client_errors.labels(kind="malformed_http").inc()
            log.warning("request_refused_by_parser", status=status, error=kind)
        else:  # (the proxy handler answers its own failures; this is the last resort)
            reason = "internal_error"
            detail = "the gateway failed on this request; nothing was forwarded"
            log.error("unhandled_error", status=status, error=kind)
        if status not in (400, 413, 431, 500, 501, 504):
            status = 400
        response = problem(status, reason, detail)
        response.headers["Server"] = SERVER_NAME
        response.force_close()
        return response


class ConnectionGuard:
    """A protocol factory around aiohttp's `Server`: cap and header timeout."""

    def __init__(self, server: web.Server, *, max_connections: int, header_timeout_s: float,
                 metrics: Metrics):
        self.server = server
        self.max_connections = max_connections
        self.header_timeout_s = header_timeout_s
        self.metrics = metrics
        self._loop = asyncio.get_running_loop()

    def __call__(self) -> asyncio.Protocol:
        if len(self.server._connections) >= self.max_connections and not self._make_room():
            self.metrics.connections_refused.inc()
            return _Refuse()
        server = self.server
        handler = ProblemHandler(server, loop=server._loop, **server._kwargs)
        handler._metrics = self.metrics
        # (RequestHandler has __slots__ without __weakref__: the timer holds it until it fires)
        self._loop.call_later(self.header_timeout_s, self._header_deadline, handler)
        return handler

    def _live(self) -> list[RequestHandler]:
        return [h for h in self.server._connections if h.transport is not None]

    def _make_room(self) -> bool:
        live = self._live()
        if len(live) < self.max_connections:
            return True  # some were closed already and are on their way out
        for handler in live:  # oldest first
            if not getattr(handler, "_request_in_progress", True):
                handler.force_close()
                self.metrics.connections_closed.labels(reason="idle_at_cap").inc()
                return True
        return False

    def _header_deadline(self, handler: RequestHandler) -> None:
        if handler.transport is None:
            return
        if getattr(handler, "_request_count", 1) == 0:
            handler.force_close()
            self.metrics.connections_closed.labels(reason="header_timeout").inc()


async def start_guarded_site(runner: web.AppRunner, host: str, port: int, *,
                             max_connections: int, header_timeout_s: float,
                             metrics: Metrics, reuse_port: bool = False) -> asyncio.Server:
    """Listen with the guard in front of the runner's server (instead of web.TCPSite).
    `reuse_port`: SO_REUSEPORT, for workers that share the port (the kernel spreads
    connections across their listeners)."""
    server = runner.server
    assert server is not None
    guard = ConnectionGuard(server, max_connections=max_connections,
                            header_timeout_s=header_timeout_s, metrics=metrics)
    loop = asyncio.get_running_loop()
    return await loop.create_server(guard, host, port, reuse_address=True, backlog=1024,
                                    reuse_port=reuse_port or None)


def raise_nofile_limit() -> tuple[int, int]:
    """RLIMIT_NOFILE soft limit raised to the hard limit; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("nofile_limit_not_raised", soft=soft, hard=hard, error=str(exc))
    return soft, hard


def connection_cap(configured: int) -> int:
    """The configured cap, lowered so that every client connection can also hold an
    upstream connection within the file limit (two descriptors each)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(16, min(configured, (soft - FD_RESERVE) // 2))


class RateLimitedLoopErrors:
    """The loop's exception handler: the same message at most once per second (with a count
    of those suppressed), so an accept loop out of descriptors cannot flood the log."""

    def __init__(self, every_s: float = 1.0):
        self.every_s = every_s
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", "loop error"))
        now = time.monotonic()
        if now - self._last.get(message, -1e9) < self.every_s:
            self._suppressed[message] = self._suppressed.get(message, 0) + 1
            return
        self._last[message] = now
        exc = context.get("exception")
        log.error("event_loop_error", message=safe_text(message, 200),
                  error=type(exc).__name__ if exc is not None else None,
                  detail=safe_text(str(exc), 200) if exc is not None else None,
                  suppressed_since_last=self._suppressed.pop(message, 0))
