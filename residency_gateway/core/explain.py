"""Explain one request: the same facts-to-decision path as the server, for a described request.

Used by `residency-gateway explain` and the admin listener's `/admin/explain`. Pure: the GeoIP
lookup, the clock and the pseudonym key come in as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from residency_gateway.core.inspection import scan_held_body
from residency_gateway.core.origin import GeoLookup
from residency_gateway.core.payload import PLACEMENT_MARKER, NothingSeen, scan_request_line
from residency_gateway.core.policy import RequestFacts, decide, redirect_stands_without_body
from residency_gateway.core.values import Decision, PayloadScan
from residency_gateway.regionmap.schema import RegionMap


def split_target(target: str) -> tuple[str, str, bool]:
    """(path, query without the placement marker, whether the marker was there)."""
    path, _, query = target.partition("?")
    if PLACEMENT_MARKER not in query:
        return path, query, False
    params = query.split("&")
    kept = [p for p in params if p.split("=", 1)[0] != PLACEMENT_MARKER]
    return path, "&".join(kept), len(kept) != len(params)


def request_facts(peer: str | None, headers: Iterable[tuple[str, str]], method: str,
                  target: str) -> tuple[RequestFacts, str]:
    """The facts of a request line and headers (names lower-cased), and its query string.
    `target` is the raw (still percent-encoded) path and query."""
    path, query, placed = split_target(target)
    facts = RequestFacts(peer=peer, headers=tuple((k.lower(), v) for k, v in headers),
                         method=method, path=path, placed=placed)
    return facts, query

EMPTY_LINE_SCAN = PayloadScan(False)  # what scan_request_line finds in a plain request


def credential_headers(rmap: RegionMap) -> tuple[str, ...]:
    """The headers tenant identification reads (a request goes on only when each names a
    tenant of the map or matches a tenant's key hash): the line scan need not read them. The
    ones the mode does not read are client text like any other and are read (with mode
    api_key, "X-Tenant-ID: <ID>" reached the upstream unread)."""
    ident = rmap.tenant_identification
    return {"header": (ident.header,), "api_key": (ident.api_key_header,)}.get(
        ident.mode, (ident.header, ident.api_key_header))


def with_line_scan(facts: RequestFacts, query: str, rmap: RegionMap, key: bytes,
                   today: dt.date, memo: NothingSeen | None = None) -> RequestFacts:
    """The facts with identifiers in the path, query and header values as payload signals
    (texts in `memo` were read by an earlier request with nothing found)."""
    line = scan_request_line(facts.path, query, key=key, today=today, headers=facts.headers,
                             resident_ids=rmap.payload.resident_id,
                             phones=rmap.payload.mobile_phone,
                             skip_headers=credential_headers(rmap), memo=memo)
    if line == EMPTY_LINE_SCAN:
        return facts  # nothing found: merging would change nothing
    return replace(facts, payload=facts.payload.merged(line))


def explain(rmap: RegionMap, version: str, geo: GeoLookup, *, ip: str, tenant: str,
            headers: Sequence[tuple[str, str]] = (), body: bytes | None = None,
            now: dt.datetime, key: bytes, gateway_region: str | None = None,
            path: str = "/", method: str = "POST") -> Decision:
    """The decision for a request from client `ip` (as the gateway would see it after trusted
    proxies) of `tenant`, with optional headers and body: the server's steps in its order
    (request line and headers; a placement redirect the body cannot change; then the body)."""
    hdrs = tuple((k.strip(), v.strip()) for k, v in headers)
    facts, query = request_facts(ip, hdrs, method, path)
    facts = with_line_scan(facts, query, rmap, key, now.date())
    if gateway_region and rmap.placement.redirects:
        early = decide(facts, rmap, version, geo, now, "explain", gateway_region=gateway_region,
                       tenant=tenant)
        if redirect_stands_without_body(early):
            return early
    ctype = facts.header("content-type") or ""
    cenc = ", ".join(facts.header_values("content-encoding"))
    scan = scan_held_body(body, ctype, cenc, rmap, key, now.date())
    facts = replace(facts, payload=facts.payload.merged(scan))
    return decide(facts, rmap, version, geo, now, "explain", gateway_region=gateway_region,
                  tenant=tenant)


def render_text(d: Decision) -> str:
    lines = [f"decision: {d.action.value}" + (f" -> region {d.region} ({d.region_jurisdiction})"
                                               if d.region else "")
             + (f" [HTTP {d.status}]" if d.status != 200 else "")]
    lines.append(f"origin: {d.origin.jurisdiction or 'unknown'} (rule {d.origin.rule}"
                 + (", signals conflict)" if d.origin.conflict else ")"))
    for s in d.origin.signals:
        lines.append(f"  signal {s.kind.value}: {s.jurisdiction or '-'}"
                     f"{'' if s.credible else ' (not credible)'} at {s.detail}")
    if d.fallbacks:
        lines.append("fallbacks: " + ", ".join(d.fallbacks))
    if d.legal_basis:
        lines.append(f"legal basis: {d.legal_basis.mechanism} ({d.legal_basis.reference})")
    lines.append("reasons: " + ", ".join(r.value for r in d.reasons))
    lines.append("steps:")
    lines.extend(f"  {i}. {step}" for i, step in enumerate(d.steps, start=1))
    lines.append(f"policy version: {d.policy_version}")
    return "\n".join(lines)
