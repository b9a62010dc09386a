"""The request handler (shell): gather facts, decide (core), record, then forward or refuse.

Order matters and is the product's promise:
1. identify the tenant (headers only); scan the request line and headers; read the body's
   first bytes: a binary media signature streams (never buffered or written to disk), any
   other body under the inspection limit is read whole and inspected (off the loop when
   large); placement redirects of mainland-origin requests are decided before the body;
2. decide (pure core);
3. append the decision record and wait until it is durable (no record, no transfer);
4. refuse with problem+json, or stream to the decided region (fallbacks only as decided);
5. append the completion record.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import re
import socket
import struct
import sys
import termios
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from residency_gateway.audit.keys import KeyUnavailable
from residency_gateway.audit.records import (
    completion_record,
    decision_record,
    shell_refusal_record,
)
from residency_gateway.audit.trail import TrailUnavailable
from residency_gateway.core.explain import request_facts, split_target, with_line_scan
from residency_gateway.core.headers import downstream_response_headers, upstream_request_headers
from residency_gateway.core.inspection import (
    held_image,
    media_scan,
    options,
    oversize_scan,
    streamed_media,
)
from residency_gateway.core.payload import (
    PLACEMENT_MARKER,
    SIGNATURE_BYTES,
    encoded_identifier,
    redact_path,
)
from residency_gateway.core.policy import (
    decide,
    redirect_stands_without_body,
    tenant_of,
)
from residency_gateway.core.safetext import safe_text
from residency_gateway.core.scanner import may_hold_identifier
from residency_gateway.core.values import (
    MAINLAND,
    Action,
    Decision,
    PayloadScan,
    Reason,
    SignalKind,
)
from residency_gateway.gateway.h1client import (
    Conn,
    ConnectFailed,
    Pool,
    UpstreamError,
    UpstreamTimeout,
)
from residency_gateway.gateway.ids import uuid4_hex, uuid4_str
from residency_gateway.gateway.problem import challenge, problem
from residency_gateway.gateway.responses import Relayed
from residency_gateway.gateway.runtime import Active, Runtime
from residency_gateway.gateway.upstream import RegionPool
from residency_gateway.observability import request_logger
from residency_gateway.regionmap.schema import Limits, RegionMap

log = structlog.get_logger("residency_gateway")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
UNKNOWN_ORIGIN_CODE = "ZZ"  # CLDR's "unknown region"; sent upstream when origin is unknown


class BodyTooLarge(Exception):
    pass


async def _read_limited(request: web.Request, limit: int, idle: float,
                        first: bytes = b"") -> tuple[bytes, bool]:
    """Read until just past `limit` bytes (counting `first`), never more than one byte past
    it: (what was read, whether that is the whole body). A body that streams on keeps only
    this much in memory (readany() would take whatever the socket buffered, ~1 MiB)."""
    chunks: list[bytes] = [first] if first else []
    size = len(first)
    content = request.content
    while size <= limit:
        if content.is_eof():  # the whole body is here: reading cannot wait on the client
            chunk = await content.read(limit + 1 - size)
        else:
            async with asyncio.timeout(idle):
                chunk = await content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks), True
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks), False


@dataclass(frozen=True, slots=True)
class Body:
    """What the gateway holds of a request body: all of it (inspected), or a prefix it read
    before deciding to stream the rest uninspected, or nothing yet."""

    complete: bytes | None = None
    prefix: bytes = b""


NO_BODY = Body()


async def inspect_body(request: web.Request, rt: Runtime, rmap: RegionMap, key: bytes,
                       today: dt.date) -> tuple[PayloadScan, Body]:
    """Read and inspect the body by the shared rules (core.inspection), as `explain` does."""
    limits, conf = rmap.limits, rmap.payload
    declared = request.content_length
    if declared is not None and declared > limits.max_body_bytes:
        return PayloadScan(False, note=f"declared body of {declared} bytes exceeds "
                           f"max_body_bytes {limits.max_body_bytes}",
                           error=Reason.BODY_TOO_LARGE), NO_BODY
    if not request.body_exists:
        return PayloadScan(False, note="no body"), NO_BODY
    ctype = request.headers.get("Content-Type", "")
    # Repeated Content-Encoding lines are one list (RFC 9110 s.5.3): decode every coding.
    cenc = ", ".join(request.headers.getall("Content-Encoding", []))
    idle = limits.client_idle_timeout_s

    def too_large() -> tuple[PayloadScan, Body]:
        # A body without Content-Length (chunked) that grew past the map's limit while it was
        # read: refused like a declared one, nothing forwarded (bad-day round 12: it was read
        # up to max_inspect_bytes and forwarded whole when max_body_bytes was lower)
        return PayloadScan(False, note=f"body of more than {limits.max_body_bytes} bytes "
                           f"exceeds max_body_bytes {limits.max_body_bytes}",
                           error=Reason.BODY_TOO_LARGE), NO_BODY

    head, whole = await _read_limited(request, SIGNATURE_BYTES - 1, idle)
    if whole and not head:
        return PayloadScan(False, note="no body"), NO_BODY
    if len(head) > limits.max_body_bytes:
        return too_large()
    media = streamed_media(head, cenc, ctype)
    if media is not None and not held_image(media, declared, conf):
        scan = media_scan(media, ctype, head, key=key, today=today, conf=conf)
        return scan, (Body(complete=head) if whole else Body(prefix=head))
    if declared is not None and declared > conf.max_inspect_bytes:
        scan = oversize_scan(ctype, declared, conf)
        return scan, (NO_BODY if scan.error else Body(prefix=head))
    body = head
    if not whole:
        # never more than one byte past max_body_bytes either: that byte says "too large"
        body, whole = await _read_limited(
            request, min(conf.max_inspect_bytes, limits.max_body_bytes), idle, head)
        if len(body) > limits.max_body_bytes:
            return too_large()
        if not whole and media is not None:
            # (round 20: a chunked image past max_inspect_bytes streams as media does, its
            # head's metadata read; what was read is forwarded first)
            scan = media_scan(media, ctype, head, key=key, today=today, conf=conf)
            return scan, Body(prefix=body)
        if not whole:
            scan = oversize_scan(ctype, None, conf)
            return scan, (NO_BODY if scan.error else Body(prefix=body))
    scan = await rt.inspector.inspect(body, content_type=ctype, content_encoding=cenc, key=key,
                                      today=today, options=options(conf),
                                      gone=lambda: request.transport is None
                                      or request.transport.is_closing())
    return scan, (NO_BODY if scan.error else Body(complete=body))


class ClientBodyTimeout(Exception):
    """The client stopped sending its body (idle, or past limits.body_timeout_s)."""


class ClientGone(Exception):
    """The client's connection failed while the gateway read its body."""


@dataclass
class Transfer:
    """What happened to one forwarded request, for its completion record. `bytes_up` counts
    bytes handed to the upstream connection (counted by h1client as it writes), `bytes_read`
    bytes read from the client; `outcome` is one of OUTCOMES."""

    region: str | None = None
    status: int | None = None
    outcome: str = "not_sent"
    bytes_up: int = 0
    bytes_read: int = 0
    bytes_down: int = 0
    body_started: bool = False
    attempts: list[str] = field(default_factory=list)


OUTCOMES = ("completed", "not_sent", "refused_tripwire", "body_too_large", "client_timeout",
            "client_disconnected", "upstream_timeout", "upstream_error", "upstream_body_error",
            "upstream_unavailable", "interrupted_by_shutdown", "internal_error")


@dataclass
class Progress:
    """How far `_handle` got, so `handle` can record a failure honestly."""

    decision_id: str
    request_id: str = ""
    recorded: bool = False  # the decision record is durable
    response: web.StreamResponse | None = None  # a response already being streamed


def _observe_decision(rt: Runtime, d: Decision) -> None:
    m = rt.metrics
    origin = d.origin.jurisdiction or "unknown"
    # forwards are labelled by the rule that routed them, rejects by the rule that refused
    reason = (d.reasons[0] if d.forwarded else d.reasons[-1]).value if d.reasons else "none"
    m.decisions.labels(origin=origin, destination=d.region or "none", action=d.action.value,
                       reason=reason).inc()
    if d.origin.jurisdiction is None:
        m.unknown_origin.labels(tenant=d.tenant or "none", action=d.action.value).inc()
    if d.origin.signals and d.origin.signals[0].kind is SignalKind.CIDR_OVERRIDE:
        m.override_hits.labels(jurisdiction=d.origin.signals[0].jurisdiction or "unknown").inc()
    if d.forwarded and d.cross_border:
        basis = d.legal_basis.mechanism if d.legal_basis else "none"
        m.cross_border.labels(tenant=d.tenant or "none", origin=origin,
                              destination=d.region_jurisdiction or "none", legal_basis=basis).inc()


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id(given: str) -> str:
    """A caller's X-Request-ID is kept only if it cannot be a personal identifier."""
    if _REQUEST_ID.match(given) and not may_hold_identifier(given) and \
            not encoded_identifier(given):
        return given
    return uuid4_hex()


class Continue:
    """RFC 9110 s.10.1.1: answer `Expect: 100-continue` only once the gateway will read the
    body, so a refused or redirected request never makes the client send it."""

    def __init__(self, request: web.Request):
        self.request = request
        self.pending = (request.version >= aiohttp.HttpVersion11
                        and request.headers.get("Expect", "").lower() == "100-continue")

    async def __call__(self) -> None:
        if self.pending and self.request.writer is not None:
            self.pending = False
            await self.request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")


async def no_early_continue(request: web.Request) -> None:
    """aiohttp's default expect handler says 100 Continue before the handler runs; we don't.
    An unsupported Expect is refused by `handle`, with a record, not here."""


def _forwarded_host(request: web.Request) -> str:
    """The host the upstream is told (X-Forwarded-Host): RFC 9112 s.3.2.2, with an
    absolute-form target its authority replaces Host."""
    return request.host if request.raw_path.startswith("/") else (
        request.url.raw_authority or request.host)


def _shown_path(request: web.Request) -> str:
    return safe_text(redact_path(request.path), 1024)


# The methods forwarded (RFC 9110 s.9, PATCH of RFC 5789, QUERY of the IETF httpbis draft).
# A method is any token, and it reaches the upstream, the record and the log as sent:
# "ID110101199003071233 /v1/compare" carried an ID number abroad and into the trail. Any other
# method (TRACE, WebDAV's, a made-up one) is a recorded 501 and shown as "OTHER".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "QUERY"})


def _shown_method(request: web.Request) -> str:
    return request.method if request.method in METHODS else "OTHER"


async def handle(request: web.Request) -> web.StreamResponse:
    """Every request gets a record: an unsupported `Expect` is a recorded 417 and any
    exception in the request path a recorded 500 `internal_error` (logged with its type and
    place only, never its message or the raw path, which could hold client data)."""
    progress = Progress(decision_id=uuid4_str())
    try:
        if request.method not in METHODS:
            # (RFC 9110 s.15.6.2: a method the server does not support is a 501)
            return await _shell_refusal(request, progress, 501, "method_not_implemented",
                                        "the gateway forwards " + ", ".join(sorted(METHODS))
                                        + " only; nothing was forwarded")
        expect = request.headers.get("Expect", "")
        if expect and expect.lower() != "100-continue":
            # RFC 9110 s.10.1.1: an expectation the server cannot meet gets 417
            return await _shell_refusal(request, progress, 417, "expectation_failed",
                                        "only Expect: 100-continue is supported")
        return await _handle(request, progress)
    except (asyncio.CancelledError, web.HTTPException):
        raise
    except KeyUnavailable as exc:  # a broken key file: 503 for this tenant, said clearly
        log.error("pseudonym_key_unavailable", decision_id=progress.decision_id,
                  error=safe_text(str(exc), 300))
        return await _shell_refusal(request, progress, 503, "pseudonym_key_unavailable",
                                    "the tenant's pseudonym key is unusable; nothing was "
                                    "forwarded")
    except Exception as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = (f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} "
                 f"{tb.tb_frame.f_code.co_name}") if tb is not None else "?"
        rt = request.app[RUNTIME]
        rt.metrics.internal_errors.inc()
        log.error("internal_error", error=type(exc).__name__, where=where,
                  decision_id=progress.decision_id, recorded=progress.recorded,
                  method=_shown_method(request), path=_shown_path(request))
        if progress.response is not None:  # the answer is already on its way: cut it
            with contextlib.suppress(Exception):
                if request.transport is not None:
                    request.transport.close()
            return progress.response
        if progress.recorded:
            return problem(500, "internal_error", "the gateway failed on this request",
                           decision_id=progress.decision_id)
        return await _shell_refusal(request, progress, 500, "internal_error",
                                    f"the gateway failed on this request ({type(exc).__name__}); "
                                    "nothing was forwarded")


async def _shell_refusal(request: web.Request, progress: Progress, status: int, reason: str,
                         detail: str) -> web.StreamResponse:
    """Record a refusal the shell made (no policy decision), then answer problem+json."""
    rt = request.app[RUNTIME]
    active = rt.active
    decision_id = progress.decision_id
    record = shell_refusal_record(
        decision_id=decision_id, time=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        reason=reason, status=status, step=detail,
        request_id=progress.request_id or _request_id(request.headers.get("X-Request-ID", "")),
        method=_shown_method(request), path=_shown_path(request),
        policy_version=active.loaded.version,
        geoip_build=active.geo_info.build_date if active.geo_info else None,
        gateway_region=rt.settings.region)
    try:
        await rt.trail_for(None).append(record)
    except TrailUnavailable as exc:
        rt.metrics.audit_failures.inc()
        log.error("trail_unavailable", decision_id=decision_id, error=safe_text(str(exc), 300))
        return problem(503, "trail_unavailable", "the decision could not be recorded, so no data "
                       "was transferred; retry later", decision_id=decision_id)
    progress.recorded = True
    rt.metrics.decisions.labels(origin="unknown", destination="none", action="reject",
                                reason=reason).inc()
    log.info("request", request_id=record["request_id"], decision_id=decision_id,
             action="reject", reason=reason, status=status, method=record["method"],
             path=record["path"])
    response = problem(status, reason, detail, decision_id=decision_id)
    response.force_close()  # the body, if any, was not read
    return response


async def _handle(request: web.Request, progress: Progress) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    active = rt.active  # this request's snapshot, whatever a reload does meanwhile
    rmap = active.loaded.rmap
    started = time.perf_counter()
    request_id = progress.request_id = _request_id(request.headers.get("X-Request-ID", ""))
    shown_path = _shown_path(request)
    decision_id = progress.decision_id
    now = dt.datetime.now(dt.UTC)
    here = rt.settings.region
    # The origin-form target: an absolute-form request line (RFC 9112 s.3.2.2) names a host
    # the gateway ignores; only its path and query are decided on and forwarded.
    target = request.rel_url.raw_path_qs
    # Host is a routing header the line scan skips, but its value (or an absolute-form
    # target's authority) goes upstream as X-Forwarded-Host: that value is read like any
    # other forwarded header, so an identifier in it is decided on, not carried out unread.
    facts, query = request_facts(request.remote, [*request.headers.items(),
                                                  ("X-Forwarded-Host", _forwarded_host(request))],
                                 request.method, target)
    body = NO_BODY
    decision: Decision | None = None
    send_continue = Continue(request)
    who = tenant_of(facts, rmap, active.geo)
    key = rt.keys.get(who.tenant) if who.tenant is not None else None
    if key is not None:
        facts = with_line_scan(facts, query, rmap, key, now.date(), rt.line_memo)
    if key is not None and here and rmap.placement.redirects:
        # A redirect that the body cannot change is decided before a byte of it is read.
        early = decide(facts, rmap, active.loaded.version, active.geo, now, decision_id,
                       gateway_region=here)
        if redirect_stands_without_body(early):
            decision = early
    if decision is None:
        if key is not None:
            try:
                await send_continue()
            except _CLIENT_WRITE_ERRORS:  # the client left before its body: nothing moved
                rt.metrics.client_errors.labels(kind="disconnected").inc()
                return await _shell_refusal(request, progress, 400, "client_disconnected",
                                            "the client went away before sending the request "
                                            "body; nothing was forwarded")
            try:
                # The whole body within limits.body_timeout_s, each chunk within the idle time
                # (no timer when all of it has arrived already: the common small request).
                async with (contextlib.nullcontext() if request.content.is_eof()
                            else asyncio.timeout(rmap.limits.body_timeout_s)):
                    scan, body = await inspect_body(request, rt, rmap, key, now.date())
            except TimeoutError:  # recorded like any refusal: nothing moved
                scan = PayloadScan(False, note="the client stopped sending the body",
                                   error=Reason.CLIENT_BODY_TIMEOUT)
            facts = replace(facts, payload=facts.payload.merged(scan))
        decision = decide(facts, rmap, active.loaded.version, active.geo, now, decision_id,
                          gateway_region=here)
    rt.metrics.decision_seconds.observe(time.perf_counter() - started)
    record = decision_record(decision, geoip_build=active.geo_info.build_date
                             if active.geo_info else None, gateway_region=here,
                             request_id=request_id, method=request.method, path=shown_path)
    try:
        await rt.trail_for(decision.origin.jurisdiction).append(record)
    except TrailUnavailable as exc:
        rt.metrics.audit_failures.inc()
        log.error("trail_unavailable", request_id=request_id, decision_id=decision_id,
                  error=safe_text(str(exc), 300))
        return problem(503, "trail_unavailable", "the decision could not be recorded, so no data "
                       "was transferred; retry later", decision_id=decision_id)
    progress.recorded = True
    _observe_decision(rt, decision)
    bound = request_logger().bind(
        request_id=request_id, decision_id=decision_id, tenant=decision.tenant,
        origin=decision.origin.jurisdiction, origin_rule=decision.origin.rule,
        method=request.method, path=shown_path)
    if decision.action is not Action.FORWARD:
        reason = decision.reasons[-1]
        elapsed = time.perf_counter() - started
        bound.info("request", action=decision.action.value, reason=reason.value,
                   region=decision.region, status=decision.status,
                   duration_ms=round(elapsed * 1000, 3))
        rt.metrics.request_seconds.labels(action=decision.action.value).observe(elapsed)
        if decision.action is Action.REDIRECT:
            return redirect(request, rmap, decision)
        return problem(decision.status, reason.value, decision.steps[-1], decision_id=decision_id,
                       headers=challenge(rmap) if decision.status == 401 else None)
    transfer = Transfer()
    try:
        try:
            await send_continue()
        except _CLIENT_WRITE_ERRORS:  # the client left before its body: nothing moved
            transfer.outcome = "client_disconnected"
            rt.metrics.client_errors.labels(kind="disconnected").inc()
            return problem(400, "client_disconnected", "the client went away before sending "
                           "the request body", decision_id=decision_id)
        return await forward(request, rt, active, decision, body, transfer, progress)
    except asyncio.CancelledError:
        # aiohttp cancels handlers only when the server shuts down (handler_cancellation off)
        transfer.outcome = "interrupted_by_shutdown" if rt.draining else "client_disconnected"
        raise
    except Exception:
        transfer.outcome = "internal_error"
        raise
    finally:
        rt.metrics.completions.labels(outcome=transfer.outcome).inc()
        elapsed = time.perf_counter() - started
        rt.metrics.request_seconds.labels(action="forward").observe(elapsed)
        bound.info("request", action="forward", region=transfer.region, status=transfer.status,
                   outcome=transfer.outcome, bytes_up=transfer.bytes_up,
                   bytes_down=transfer.bytes_down, duration_ms=round(elapsed * 1000, 3))
        completion = completion_record(
            decision_id=decision_id, time=dt.datetime.now(dt.UTC).isoformat(
                timespec="microseconds"), region=transfer.region, status=transfer.status,
            outcome=transfer.outcome, bytes_up=transfer.bytes_up, bytes_down=transfer.bytes_down,
            duration_us=int(elapsed * 1_000_000), attempts=transfer.attempts)
        # Queued, not awaited: the data has moved already, and waiting for this commit would
        # hold the connection's next request behind a second durable write. Lazy: it shares
        # the next decision's commit (or is committed within LAZY_DELAY_S, or at shutdown).
        try:
            queued = rt.trail_for(decision.origin.jurisdiction).submit(completion, lazy=True)
        except TrailUnavailable as exc:
            _completion_failed(rt, decision_id, exc)
        else:
            queued.add_done_callback(lambda fut: _completion_done(rt, decision_id, fut))


def _completion_done(rt: Runtime, decision_id: str, fut: asyncio.Future[Any]) -> None:
    exc = None if fut.cancelled() else fut.exception()
    if fut.cancelled() or exc is not None:
        _completion_failed(rt, decision_id, exc)


def _completion_failed(rt: Runtime, decision_id: str, exc: BaseException | None) -> None:
    rt.metrics.audit_failures.inc()
    log.error("completion_not_recorded", decision_id=decision_id,
              error=safe_text(str(exc) if exc is not None else "cancelled", 300))


def redirect(request: web.Request, rmap: RegionMap, decision: Decision) -> web.Response:
    """307 keeps method and body (RFC 9110 s.15.4.8): the client resends to the right region."""
    assert decision.region is not None
    endpoint = rmap.regions[decision.region].public_endpoint or ""
    # The marker tells the next gateway this request was placed once: it never redirects it
    # again (a forged marker only makes a gateway forward, under the same residency rules).
    target = request.rel_url.raw_path_qs
    location = (endpoint.rstrip("/") + target + ("&" if "?" in target else "?")
                + f"{PLACEMENT_MARKER}=1")
    response = problem(307, Reason.PLACEMENT_REDIRECT.value,
                       f"process this request in region {decision.region}: {location}",
                       decision_id=decision.decision_id, location=location)
    response.headers["Location"] = location
    response.headers["X-Residency-Region"] = decision.region
    # The body (if the client sent one without waiting for 100 Continue) is not read.
    response.force_close()
    return response


async def forward(request: web.Request, rt: Runtime, active: Active, decision: Decision,
                  held: Body, t: Transfer, progress: Progress | None = None
                  ) -> web.StreamResponse:
    rmap = active.loaded.rmap
    regions = [r for r in (decision.region, *decision.fallbacks) if r is not None]
    # Tripwire: the core never produces this; if it ever did, nothing leaves China.
    if decision.origin.jurisdiction == MAINLAND and any(
            rmap.regions[r].jurisdiction != MAINLAND for r in regions):
        rt.metrics.mainland_outside_cn.inc()
        log.critical("mainland_route_outside_cn_refused", decision_id=decision.decision_id)
        t.outcome = "refused_tripwire"
        return problem(451, Reason.NO_ROUTE.value, "refused: mainland data routed outside CN",
                       decision_id=decision.decision_id)
    limits = rmap.limits
    residency = {
        "X-Residency-Origin": decision.origin.jurisdiction or UNKNOWN_ORIGIN_CODE,
        "X-Residency-Decision": decision.decision_id,
        "X-Residency-Tenant": decision.tenant or "",
        "X-Residency-Policy": active.loaded.version[:12],
    }
    peer = request.remote
    body = held.complete
    target = request.rel_url.raw_path_qs
    if PLACEMENT_MARKER in request.query_string:
        path, query, placed = split_target(target)
        if placed:  # the marker is the gateways' business, not the upstream's
            target = path + (f"?{query}" if query else "")
    streaming = body is None and (request.can_read_body or bool(held.prefix))
    host = _forwarded_host(request)  # as read by the line scan in _handle
    loop = asyncio.get_running_loop()
    body_deadline = loop.time() + limits.body_timeout_s

    async def stream_body() -> AsyncIterator[bytes]:
        t.body_started = True
        if held.prefix:
            t.bytes_read += len(held.prefix)
            if t.bytes_read > limits.max_body_bytes:  # (inspect_body refuses this already)
                raise BodyTooLarge
            yield held.prefix
        while True:
            wait = min(limits.client_idle_timeout_s, body_deadline - loop.time())
            try:
                if wait <= 0:
                    raise TimeoutError
                async with asyncio.timeout(wait):
                    chunk = await request.content.readany()
            except TimeoutError:
                raise ClientBodyTimeout from None
            except (OSError, aiohttp.ClientError, asyncio.IncompleteReadError) as exc:
                raise ClientGone(type(exc).__name__) from None
            if not chunk:
                return
            t.bytes_read += len(chunk)
            if t.bytes_read > limits.max_body_bytes:
                raise BodyTooLarge
            yield chunk

    def client_failure(exc: BaseException) -> web.StreamResponse | None:
        """The client, not the upstream, failed: say so (the exception may come wrapped by
        aiohttp's body writer)."""
        seen: BaseException | None = exc
        while seen is not None:
            if isinstance(seen, BodyTooLarge) or t.bytes_read > limits.max_body_bytes:
                t.outcome = "body_too_large"
                return problem(413, Reason.BODY_TOO_LARGE.value, "request body exceeds "
                               f"max_body_bytes {limits.max_body_bytes}",
                               decision_id=decision.decision_id)
            if isinstance(seen, ClientBodyTimeout):
                t.outcome = "client_timeout"
                rt.metrics.client_errors.labels(kind="timeout").inc()
                return problem(408, "client_timeout", "the client stopped sending the request "
                               "body", decision_id=decision.decision_id)
            if isinstance(seen, ClientGone):
                t.outcome = "client_disconnected"
                rt.metrics.client_errors.labels(kind="disconnected").inc()
                return problem(400, "client_disconnected", "the request body was cut off",
                               decision_id=decision.decision_id)
            seen = seen.__cause__ or seen.__context__
        return None

    upstream: Conn | None = None
    pool: RegionPool | None = None
    for region in regions:
        pool = active.upstreams[region]
        headers = upstream_request_headers(
            request.headers.items(), peer=peer,
            chain=decision.client.chain, host=host,
            residency={**residency, "X-Residency-Region": region},
            keep_content_length=streaming)
        for base in pool.order():
            if streaming and t.body_started:
                break  # the body is partly consumed: it cannot be replayed elsewhere
            t.attempts.append(region)
            t.region = region
            began = time.perf_counter()
            try:
                upstream = await pool.client.request(
                    base, request.method, target, headers, body=body,
                    stream=stream_body() if streaming else None, sent=t)
            except (BodyTooLarge, ClientBodyTimeout, ClientGone) as exc:
                answer = client_failure(exc)
                assert answer is not None
                return answer
            except ConnectFailed as exc:
                kind = exc.kind
                rt.metrics.upstream_errors.labels(region=region, kind=kind).inc()
                log.warning("upstream_unreachable", region=region, kind=kind,
                            error=type(exc).__name__)
                rt.metrics.upstream_up.labels(region=region).set(0)
                continue
            except (TimeoutError, UpstreamTimeout) as exc:
                answer = client_failure(exc)
                if answer is not None:
                    return answer
                rt.metrics.upstream_errors.labels(region=region, kind="timeout").inc()
                t.outcome = "upstream_timeout"
                return problem(504, "upstream_timeout", f"region {region} did not answer in time",
                               decision_id=decision.decision_id)
            except UpstreamError as exc:
                answer = client_failure(exc)
                if answer is not None:
                    return answer
                rt.metrics.upstream_errors.labels(region=region, kind="protocol").inc()
                t.outcome = "upstream_error"
                log.warning("upstream_error", region=region, error=type(exc).__name__)
                return problem(502, "upstream_error", f"region {region} failed: "
                               f"{type(exc).__name__}", decision_id=decision.decision_id)
            rt.metrics.upstream_seconds.labels(region=region).observe(time.perf_counter() - began)
            rt.metrics.upstream_up.labels(region=region).set(1)
            break
        if upstream is not None:
            break
    if upstream is None or pool is None:
        t.outcome = "upstream_unavailable"
        tried = ", ".join(dict.fromkeys(t.attempts)) or "none"
        return problem(503, "upstream_unavailable", f"no upstream reachable in the allowed regions "
                       f"({tried}); no failover beyond what the residency rules allow",
                       decision_id=decision.decision_id)
    return await _relay(request, pool.client, upstream, t, decision, rt, progress,
                        limits=limits)


_CLIENT_WRITE_ERRORS = (ConnectionError, OSError, aiohttp.ClientConnectionResetError)
# A streamed upload that failed after the answer began: (completion outcome, client_errors kind)
_CLIENT_BODY_OUTCOMES: dict[type[BaseException], tuple[str, str | None]] = {
    ClientGone: ("client_disconnected", "disconnected"),
    ClientBodyTimeout: ("client_timeout", "timeout"),
    BodyTooLarge: ("body_too_large", None),
}
_UNTIMED_WRITE = 16384  # well under the transport's high-water mark, with the head


def _unacknowledged(transport: asyncio.BaseTransport) -> int:
    """Bytes in the kernel's send queue of a client connection that its peer has not
    acknowledged (Linux SIOCOUTQ): without them, the kernel's buffers (up to tcp_wmem's
    4 MiB) would count as taken by a client that took nothing. 0 where unknown."""
    sock = transport.get_extra_info("socket")
    if sock is None or transport.is_closing() or _OUTQ is None:
        return 0
    try:
        return int.from_bytes(fcntl.ioctl(sock.fileno(), _OUTQ, bytes(4)),
                              sys.byteorder, signed=True)
    except (OSError, ValueError):
        return 0


_OUTQ = getattr(termios, "TIOCOUTQ", None)  # (Linux; elsewhere the kernel's queue counts)


def _reset(transport: asyncio.Transport) -> None:
    """Cut a client connection with a reset (SO_LINGER 0, nginx's reset_timedout_connection):
    a plain close leaves the unsent answer in the kernel's send queue (MiBs), still going out
    to the client at its pace after the gateway gave up on it."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class ClientTooSlow(Exception):
    """The client took none of the answer for client_idle_timeout_s, or took it slower than
    limits.client_min_rate_bytes_s allows."""


class UpstreamCut(Exception):
    """The upstream's answer failed (cut, timed out) while the gateway read it ahead of a
    client that is behind: the client can never have it whole, so it waits no longer."""


async def _relay(request: web.Request, client: Pool, upstream: Conn, t: Transfer,
                 decision: Decision, rt: Runtime, progress: Progress | None = None, *,
                 limits: Limits) -> web.StreamResponse:
    """Stream the upstream's answer; a failure is the upstream's or the client's, never
    confused (a client that goes away is not an upstream error). The upstream connection goes
    back to the pool only if its answer was read whole and the client took all of it, or the
    gateway holds the rest.

    A slow client must not hold its upstream connection, a pool slot (a few such clients
    would hold every connection of a base: limits.upstream_connections_per_base):
    - an answer of at most limits.response_buffer_bytes is read whole off the upstream ahead
      of a client that is behind, in memory, within limits.response_buffers_total_bytes for
      the process, and its connection goes back to the pool at once (nginx's proxy
      buffering, without its temporary files: payloads never touch the disk); a bigger answer,
      or one that finds that budget spent, streams at the client's pace;
    - the gateway waits for a client to take the answer at most client_idle_timeout_s in a
      row without a byte taken, and in all at most client_idle_timeout_s plus one second per
      client_min_rate_bytes_s bytes taken (Apache mod_reqtimeout's MinRate); past either the
      client is cut (`client_timeout`) and the upstream connection closed. Time spent waiting
      for the upstream is not the client's: it does not count."""
    idle, min_rate = limits.client_idle_timeout_s, limits.client_min_rate_bytes_s
    t.status = upstream.status
    out = {"X-Residency-Region": t.region or "", "X-Residency-Decision": decision.decision_id}
    response = Relayed(status=upstream.status, reason=upstream.reason,
                       headers=downstream_response_headers(upstream.headers, out))
    response.untyped = not any(n.lower() == "content-type" for n, _ in upstream.headers)
    if upstream.content_length is not None and not upstream.has_transfer_encoding:
        response.content_length = upstream.content_length
    if upstream.chunks or upstream.done:
        # The answer's first bytes (or its end) came with its head: the head goes out with
        # them in one send, not two. A head whose body is still on its way goes out at once,
        # so a slow body never holds back the status. (aiohttp >= 3.11 reads this; older
        # versions ignore it and send the head at once.)
        response._send_headers_immediately = False
    loop = asyncio.get_running_loop()
    held = True  # the upstream connection is ours until the whole answer is in hand
    # (the head's size as it goes out, about: what the first small write carries with it)
    head_bytes = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 64
    rest: list[bytes] | None = None  # the end of the answer, taken off a freed connection
    reserved = 0  # bytes of rt.read_ahead this answer may hold
    streamed = False  # whether read_ahead found no room for this answer (counted once)
    handed = 0  # answer bytes handed to the client's connection
    waited = 0.0  # seconds spent waiting for the client to take them

    def let_go() -> None:
        # The answer is read whole: the connection goes back to the pool now, before a slow
        # client takes the rest (as nginx's proxy buffering frees its upstreams).
        nonlocal held
        held = False
        client.release(upstream, reuse=True)

    def detach() -> None:
        # (Conn.on_done) the answer became whole while the client is behind: hold the rest
        # here and free the connection now, not once the client has caught up.
        nonlocal rest
        rest = upstream.take()
        let_go()

    def read_ahead() -> None:
        """The client is behind: read on ahead of it if the whole answer can be held."""
        nonlocal reserved, streamed
        if reserved:
            return
        cap = limits.response_buffer_bytes
        size = upstream.content_length if (upstream.content_length is not None and
                                           not upstream.has_transfer_encoding) else cap
        if size <= cap and upstream.received <= size and rt.read_ahead.take(
                size, limits.response_buffers_total_bytes):
            reserved = size
            upstream.hold_up_to(size)
            rt.metrics.read_ahead.labels(result="held").inc()
            rt.metrics.read_ahead_bytes.set(rt.read_ahead.used)
        elif not streamed:  # too big to hold, or the budget spent: it streams at the
            # client's pace (tried again each time the client is behind: room may free)
            streamed = True
            rt.metrics.read_ahead.labels(result="streamed").inc()

    def taken() -> int:
        """Answer bytes the client has taken: handed to its connection, acknowledged."""
        transport = request.transport
        if transport is None:
            return handed
        return handed - transport.get_write_buffer_size() - _unacknowledged(transport)

    async def paced(data: bytes) -> None:
        """Hand `data` to the client, then wait until its connection is back under its
        low-water mark, within the rule (else ClientTooSlow); meanwhile read ahead."""
        nonlocal handed, waited
        await response.hand(data)
        handed += len(data)
        if request.transport is None or not request.protocol.writing_paused:
            return  # the client is not behind
        failed: asyncio.Future[None] = loop.create_future()
        if held:
            read_ahead()
            upstream.on_done = detach
            upstream.answer_whole()  # (at once if it is whole already)
            # (a cut answer ends the wait at once: found only when the client took its bytes,
            # a paused client whose kernel acknowledged 2 KB every 5 s held the handler, and
            # its completion record, for as long as it liked with no minimum rate)
            upstream.on_failed = lambda: None if failed.done() else failed.set_result(None)
            upstream.tell_failed()
        start = last = loop.time()
        seen = taken()
        # A task, so that the wait can be looked at and resumed: a cancelled aiohttp drain
        # leaves its waiter cancelled for the next one.
        drain = asyncio.ensure_future(response.drained())
        try:
            while True:
                if failed.done():
                    raise UpstreamCut
                now = loop.time()
                if (got := taken()) > seen:
                    seen, last = got, now
                left = last + idle - now
                if min_rate:
                    left = min(left, idle + got / min_rate - waited - (now - start))
                if left <= 0:
                    raise ClientTooSlow
                if drain in (await asyncio.wait((drain, failed), timeout=left,
                                                return_when=asyncio.FIRST_COMPLETED))[0]:
                    drain.result()
                    return
        finally:
            waited += loop.time() - start
            if held:
                upstream.on_done = None
                upstream.on_failed = None
            if not drain.done():
                drain.cancel()
            elif not drain.cancelled():
                drain.exception()  # (retrieved: a connection lost as the client was cut)

    try:
        try:
            await response.prepare(request)
            if progress is not None:
                progress.response = response
        except _CLIENT_WRITE_ERRORS:
            t.outcome = "client_disconnected"
            rt.metrics.client_errors.labels(kind="disconnected").inc()
            return response
        while True:
            if rest is not None:
                chunk, last, rest = b"".join(rest), True, []  # (not held twice)
            else:
                try:
                    chunk = await upstream.read()
                except (UpstreamError, TimeoutError) as exc:
                    failed = upstream.body_failure
                    if failed is not None:  # the client's upload failed, and the exchange
                        t.outcome, kind = _CLIENT_BODY_OUTCOMES.get(
                            type(failed), ("client_disconnected", "disconnected"))
                        if kind is not None:
                            rt.metrics.client_errors.labels(kind=kind).inc()
                    else:
                        t.outcome = ("upstream_timeout" if isinstance(
                            exc, UpstreamTimeout | TimeoutError) else "upstream_body_error")
                        rt.metrics.upstream_errors.labels(region=t.region or "none",
                                                          kind="body").inc()
                        log.warning("upstream_body_error", decision_id=decision.decision_id,
                                    error=type(exc).__name__)
                    with contextlib.suppress(Exception):
                        if request.transport is not None:
                            request.transport.close()
                    return response
                last = not chunk or upstream.at_end
                if last:
                    let_go()
            t.bytes_down += len(chunk)
            transport = request.transport
            try:
                if (transport is not None and len(chunk) <= _UNTIMED_WRITE
                        and not transport.get_write_buffer_size()):
                    # A small write into an empty send buffer: it waits for the client only
                    # if the head that goes out with it is big (up to MAX_HEAD, 256 KiB) and
                    # the kernel's buffers are small (a real network), and then at most
                    # client_idle_timeout_s: aiohttp's drain has no limit of its own. (No
                    # timer with a common head: the small answer's fast path.)
                    async with (asyncio.timeout(idle) if head_bytes + len(chunk) >
                                _UNTIMED_WRITE else contextlib.nullcontext()):
                        if last:  # the last bytes go out with the end mark
                            await response.write_eof(chunk)
                            break
                        await response.write(chunk)
                    head_bytes = 0  # (sent)
                    handed += len(chunk)
                    continue
                await paced(chunk)
                if last:
                    # (under the low-water mark now: the end mark cannot wait)
                    async with asyncio.timeout(idle):
                        await response.write_eof()
                    break
            except UpstreamCut:
                t.outcome = "upstream_body_error"
                rt.metrics.upstream_errors.labels(region=t.region or "none", kind="body").inc()
                log.warning("upstream_body_error", decision_id=decision.decision_id,
                            error=type(upstream.error).__name__)
                if request.transport is not None:
                    _reset(request.transport)  # (it is behind: close() would wait for it)
                return response
            except (TimeoutError, ClientTooSlow):  # (an OSError: before _CLIENT_WRITE_ERRORS)
                t.outcome = "client_timeout"
                rt.metrics.client_errors.labels(kind="timeout").inc()
                if request.transport is not None:
                    _reset(request.transport)  # close() would wait for it to read the rest
                return response
            except _CLIENT_WRITE_ERRORS:
                t.outcome = "client_disconnected"
                rt.metrics.client_errors.labels(kind="disconnected").inc()
                return response
        t.outcome = "completed"
    finally:
        if held:
            client.release(upstream, reuse=False)
        if reserved:
            rt.read_ahead.give(reserved)
            rt.metrics.read_ahead_bytes.set(rt.read_ahead.used)
    return response
