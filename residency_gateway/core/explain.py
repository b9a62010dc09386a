"""Explain one request: the same facts-to-decision path as the server, for a described request.

Used by `residency-gateway explain` and the admin listener's `/admin/explain`. Pure: the GeoIP
lookup, the clock and the pseudonym key come in as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from residency_gateway.core.origin import GeoLookup
from residency_gateway.core.payload import (
    inspect_complete,
    inspectable_kind,
    scan_request_line,
)
from residency_gateway.core.policy import RequestFacts, decide
from residency_gateway.core.values import NOT_INSPECTED, Decision, PayloadScan, Reason
from residency_gateway.regionmap.schema import RegionMap


def scan_body(body: bytes | None, content_type: str, rmap: RegionMap, key: bytes,
              today: dt.date) -> PayloadScan:
    """The same inspection rules as the proxy, for a body held in memory."""
    if not body:
        return NOT_INSPECTED
    kind = inspectable_kind(content_type)
    if kind is None:
        return PayloadScan(False, note=f"{content_type or 'untyped body'} streamed uninspected")
    conf = rmap.payload
    if len(body) > conf.max_inspect_bytes:
        if kind == "multipart" and conf.oversize_multipart == "stream":
            return PayloadScan(False, note="multipart body over payload.max_inspect_bytes "
                               "streamed uninspected (oversize_multipart: stream)")
        return PayloadScan(False, note="body exceeds payload.max_inspect_bytes",
                           error=Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)
    return inspect_complete(kind, body, content_type, key=key, today=today,
                            resident_ids=conf.resident_id, phones=conf.mobile_phone)


def explain(rmap: RegionMap, version: str, geo: GeoLookup, *, ip: str, tenant: str,
            headers: Sequence[tuple[str, str]] = (), body: bytes | None = None,
            now: dt.datetime, key: bytes, gateway_region: str | None = None,
            path: str = "/", method: str = "POST") -> Decision:
    """The decision for a request from client `ip` (as the gateway would see it after trusted
    proxies) of `tenant`, with optional headers and body."""
    hdrs = tuple((k.strip().lower(), v.strip()) for k, v in headers)
    ctype = next((v for k, v in hdrs if k == "content-type"), "application/json")
    route, _, query = path.partition("?")
    line = scan_request_line(route, query, key=key, today=now.date(), headers=hdrs,
                             resident_ids=rmap.payload.resident_id,
                             phones=rmap.payload.mobile_phone)
    payload = line.merged(scan_body(body, ctype, rmap, key, now.date()))
    path = route
    facts = RequestFacts(peer=ip, headers=hdrs, method=method, path=path, payload=payload)
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
