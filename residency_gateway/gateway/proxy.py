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
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import aiohttp
import structlog
from aiohttp import web
from yarl import URL

from residency_gateway.audit.records import completion_record, decision_record
from residency_gateway.audit.trail import TrailUnavailable
from residency_gateway.core.explain import request_facts, split_target, with_line_scan
from residency_gateway.core.headers import downstream_response_headers, upstream_request_headers
from residency_gateway.core.inspection import (
    media_scan,
    options,
    oversize_scan,
    streamed_media,
)
from residency_gateway.core.payload import PLACEMENT_MARKER, SIGNATURE_BYTES, redact_path
from residency_gateway.core.policy import (
    decide,
    identify_tenant,
    redirect_stands_without_body,
)
from residency_gateway.core.scanner import may_hold_identifier
from residency_gateway.core.values import (
    MAINLAND,
    Action,
    Decision,
    PayloadScan,
    Reason,
    SignalKind,
)
from residency_gateway.gateway.problem import challenge, problem
from residency_gateway.gateway.runtime import Active, Runtime
from residency_gateway.regionmap.schema import RegionMap

log = structlog.get_logger("residency_gateway")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
UNKNOWN_ORIGIN_CODE = "ZZ"  # CLDR's "unknown region"; sent upstream when origin is unknown


class BodyTooLarge(Exception):
    pass


async def _read_limited(request: web.Request, limit: int, idle: float,
                        first: bytes = b"") -> tuple[bytes, bool]:
    """Read until just past `limit` bytes (counting `first`): (what was read, whether that is
    the whole body)."""
    chunks: list[bytes] = [first] if first else []
    size = len(first)
    while size <= limit:
        async with asyncio.timeout(idle):
            chunk = await request.content.readany()
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
    cenc = request.headers.get("Content-Encoding", "")
    idle = limits.client_idle_timeout_s
    head, whole = await _read_limited(request, SIGNATURE_BYTES - 1, idle)
    if whole and not head:
        return PayloadScan(False, note="no body"), NO_BODY
    media = streamed_media(head, cenc)
    if media is not None:
        return media_scan(media, ctype), (Body(complete=head) if whole else Body(prefix=head))
    if declared is not None and declared > conf.max_inspect_bytes:
        scan = oversize_scan(ctype, declared, conf)
        return scan, (NO_BODY if scan.error else Body(prefix=head))
    body = head
    if not whole:
        body, whole = await _read_limited(request, conf.max_inspect_bytes, idle, head)
        if not whole:
            scan = oversize_scan(ctype, None, conf)
            return scan, (NO_BODY if scan.error else Body(prefix=body))
    scan = await rt.inspector.inspect(body, content_type=ctype, content_encoding=cenc, key=key,
                                      today=today, options=options(conf))
    return scan, (NO_BODY if scan.error else Body(complete=body))


@dataclass
class Transfer:
    region: str | None = None
    status: int | None = None
    outcome: str = "not_sent"
    bytes_up: int = 0
    bytes_down: int = 0
    body_started: bool = False
    attempts: list[str] = field(default_factory=list)


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
    if _REQUEST_ID.match(given) and not may_hold_identifier(given):
        return given
    return uuid.uuid4().hex


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
    """aiohttp's default expect handler says 100 Continue before the handler runs; we don't."""
    if request.headers.get("Expect", "").lower() not in ("", "100-continue"):
        raise web.HTTPExpectationFailed(text="unknown Expect")


async def handle(request: web.Request) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    active = rt.active  # this request's snapshot, whatever a reload does meanwhile
    rmap = active.loaded.rmap
    started = time.perf_counter()
    request_id = _request_id(request.headers.get("X-Request-ID", ""))
    shown_path = redact_path(request.path)
    decision_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    here = rt.settings.region
    facts, query = request_facts(request.remote, request.headers.items(), request.method,
                                 request.raw_path)
    body = NO_BODY
    decision: Decision | None = None
    send_continue = Continue(request)
    who = identify_tenant(facts, rmap)
    key = rt.keys.get(who.tenant) if who.tenant is not None else None
    if key is not None:
        facts = with_line_scan(facts, query, rmap, key, now.date())
    if key is not None and here and rmap.placement.redirects:
        # A redirect that the body cannot change is decided before a byte of it is read.
        early = decide(facts, rmap, active.loaded.version, active.geo, now, decision_id,
                       gateway_region=here)
        if redirect_stands_without_body(early):
            decision = early
    if decision is None:
        if key is not None:
            await send_continue()
            try:
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
                  error=str(exc))
        return problem(503, "trail_unavailable", "the decision could not be recorded, so no data "
                       "was transferred; retry later", decision_id=decision_id)
    _observe_decision(rt, decision)
    bound = log.bind(request_id=request_id, decision_id=decision_id, tenant=decision.tenant,
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
        await send_continue()
        return await forward(request, rt, active, decision, body, transfer)
    finally:
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
        try:
            await asyncio.shield(rt.trail_for(decision.origin.jurisdiction).append(completion))
        except TrailUnavailable as exc:
            rt.metrics.audit_failures.inc()
            log.error("completion_not_recorded", decision_id=decision_id, error=str(exc))


def redirect(request: web.Request, rmap: RegionMap, decision: Decision) -> web.Response:
    """307 keeps method and body (RFC 9110 s.15.4.8): the client resends to the right region."""
    assert decision.region is not None
    endpoint = rmap.regions[decision.region].public_endpoint or ""
    # The marker tells the next gateway this request was placed once: it never redirects it
    # again (a forged marker only makes a gateway forward, under the same residency rules).
    target = request.raw_path
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
                  held: Body, t: Transfer) -> web.StreamResponse:
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
    target = request.raw_path
    if PLACEMENT_MARKER in request.query_string:
        path, query, placed = split_target(target)
        if placed:  # the marker is the gateways' business, not the upstream's
            target = path + (f"?{query}" if query else "")
    streaming = body is None and (request.can_read_body or bool(held.prefix))

    async def stream_body() -> AsyncIterator[bytes]:
        t.body_started = True
        if held.prefix:
            t.bytes_up += len(held.prefix)
            yield held.prefix
        while True:
            async with asyncio.timeout(limits.client_idle_timeout_s):
                chunk = await request.content.readany()
            if not chunk:
                return
            t.bytes_up += len(chunk)
            if t.bytes_up > limits.max_body_bytes:
                raise BodyTooLarge
            yield chunk

    upstream: aiohttp.ClientResponse | None = None
    for region in regions:
        pool = active.upstreams[region]
        headers = upstream_request_headers(
            request.headers.items(), peer=peer,
            peer_trusted=decision.client.via_trusted_proxy, host=request.host,
            residency={**residency, "X-Residency-Region": region},
            keep_content_length=streaming)
        for base in pool.order():
            if streaming and t.body_started:
                break  # the body is partly consumed: it cannot be replayed elsewhere
            t.attempts.append(region)
            t.region = region
            began = time.perf_counter()
            try:
                upstream = await pool.session.request(
                    request.method, URL(base + target, encoded=True), headers=headers,
                    data=stream_body() if streaming else body, allow_redirects=False,
                    server_hostname=pool.server_hostname)
            except aiohttp.ClientConnectorError as exc:
                kind = "tls" if isinstance(exc, aiohttp.ClientSSLError) else "connect"
                rt.metrics.upstream_errors.labels(region=region, kind=kind).inc()
                log.warning("upstream_unreachable", region=region, kind=kind,
                            error=type(exc).__name__)
                rt.metrics.upstream_up.labels(region=region).set(0)
                continue
            except BodyTooLarge:
                t.outcome = "body_too_large"
                return problem(413, Reason.BODY_TOO_LARGE.value, "request body exceeds "
                               f"max_body_bytes {limits.max_body_bytes}",
                               decision_id=decision.decision_id)
            except (TimeoutError, aiohttp.ServerTimeoutError):
                rt.metrics.upstream_errors.labels(region=region, kind="timeout").inc()
                t.outcome = "upstream_timeout"
                return problem(504, "upstream_timeout", f"region {region} did not answer in time",
                               decision_id=decision.decision_id)
            except aiohttp.ClientError as exc:
                if t.bytes_up > limits.max_body_bytes:  # raised inside aiohttp's body writer
                    t.outcome = "body_too_large"
                    return problem(413, Reason.BODY_TOO_LARGE.value, "request body exceeds "
                                   f"max_body_bytes {limits.max_body_bytes}",
                                   decision_id=decision.decision_id)
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
    if upstream is None:
        t.outcome = "upstream_unavailable"
        tried = ", ".join(dict.fromkeys(t.attempts)) or "none"
        return problem(503, "upstream_unavailable", f"no upstream reachable in the allowed regions "
                       f"({tried}); no failover beyond what the residency rules allow",
                       decision_id=decision.decision_id)
    if body is not None:
        t.bytes_up = len(body)
    return await _relay(request, upstream, t, decision, residency)


async def _relay(request: web.Request, upstream: aiohttp.ClientResponse, t: Transfer,
                 decision: Decision, residency: dict[str, str]) -> web.StreamResponse:
    t.status = upstream.status
    out = {"X-Residency-Region": t.region or "", "X-Residency-Decision": decision.decision_id}
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
    for name, value in downstream_response_headers(upstream.headers.items(), out):
        response.headers.add(name, value)
    if upstream.content_length is not None and "Transfer-Encoding" not in upstream.headers:
        response.content_length = upstream.content_length
    try:
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            t.bytes_down += len(chunk)
            await response.write(chunk)
        await response.write_eof()
        t.outcome = "completed"
    except (aiohttp.ClientError, TimeoutError) as exc:
        t.outcome = "upstream_body_error"
        log.warning("upstream_body_error", decision_id=decision.decision_id,
                    error=type(exc).__name__)
        with contextlib.suppress(Exception):
            if request.transport is not None:
                request.transport.close()
    except ConnectionResetError:
        t.outcome = "client_disconnected"
    finally:
        upstream.release()
    return response
