"""The policy: every routing rule and invariant of the gateway lives here.

`decide(facts, loaded map, geo, now, decision_id)` -> Decision. Pure: the clock, the decision
id and the GeoIP lookup come in as arguments. The order of the rules is the order of `steps`:
tenant -> client address -> origin -> child protection -> route -> legal basis -> fallbacks.
Mainland-origin data is only ever given CN regions; the last step re-checks that whatever the
map says (defence in depth behind the load-time invariants).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from residency_gateway.core.clientaddr import is_trusted, parse_ip, resolve_client, truncated_prefix
from residency_gateway.core.idnumber import age_on
from residency_gateway.core.origin import (
    GEOIP_CODE_UNREADABLE,
    GEOIP_FAMILY_UNCOVERED,
    GeoLookup,
    combine,
    network_signal,
    payload_signals,
)
from residency_gateway.core.values import (
    MAINLAND,
    NOT_INSPECTED,
    REJECT_STATUS,
    Action,
    ClientAddress,
    Decision,
    LegalBasisRef,
    OriginVerdict,
    PayloadScan,
    Reason,
    Signal,
)
from residency_gateway.regionmap.schema import RegionMap, Tenant, UnknownOriginHandling


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the shell observed of a request before deciding. Header names are lower-case."""

    peer: str | None
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "POST"
    path: str = "/"
    payload: PayloadScan = NOT_INSPECTED
    # The request already went through a placement redirect (the Location carried the marker):
    # it is never redirected again, so two gateways cannot bounce it between them.
    placed: bool = False
    # name -> values in order, built once: the rules ask for headers by name a dozen times.
    _index: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, tuple[str, ...]] = {}
        for k, v in self.headers:
            index[k] = (*index[k], v) if k in index else (v,)
        object.__setattr__(self, "_index", index)

    def header_values(self, name: str) -> tuple[str, ...]:
        return self._index.get(name.lower(), ())

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class TenantResult:
    tenant: str | None
    reason: Reason | None
    step: str


def api_key_digest(key: str) -> str:
    # "surrogatepass": a header that was not UTF-8 (aiohttp decodes headers with
    # surrogateescape) hashes to something that matches no tenant instead of raising
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def client_address(facts: RequestFacts, rmap: RegionMap) -> ClientAddress:
    return resolve_client(facts.peer,
                          header_values=facts.header_values(rmap.client_address_header),
                          header_kind=rmap.client_address_header, trusted=rmap.trusted_proxies)


def identify_tenant(facts: RequestFacts, rmap: RegionMap) -> TenantResult:
    """The tenant, from the header (trusted proxies only) and/or the API key (hash match)."""
    ident = rmap.tenant_identification
    peer_trusted = _peer_trusted(facts, rmap)
    by_header: str | None = None
    by_key: str | None = None
    header_value = facts.header(ident.header) if ident.mode != "api_key" else None
    if header_value is not None:
        if not peer_trusted:
            return TenantResult(None, Reason.UNTRUSTED_TENANT_HEADER,
                                f"{ident.header} sent by a peer outside trusted_proxies")
        by_header = header_value.strip()
        if not by_header:
            return TenantResult(None, Reason.MALFORMED_TENANT_CREDENTIAL,
                                f"{ident.header} is empty")
    key_value = facts.header(ident.api_key_header) if ident.mode != "header" else None
    if key_value is not None:
        if not key_value.strip():
            return TenantResult(None, Reason.MALFORMED_TENANT_CREDENTIAL,
                                f"{ident.api_key_header} is empty")
        digest = api_key_digest(key_value.strip())
        for candidate, tenant in rmap.tenants.items():
            if any(hmac.compare_digest(digest, h) for h in tenant.api_key_sha256):
                by_key = candidate
                break
        if by_key is None:
            return TenantResult(None, Reason.UNKNOWN_TENANT, "API key matches no tenant")
    if by_header is not None and by_key is not None and by_header != by_key:
        return TenantResult(None, Reason.TENANT_CONFLICT,
                            f"{ident.header} and the API key name different tenants")
    tid: str | None = by_key or by_header
    if tid is None:
        named = {"header": ident.header, "api_key": ident.api_key_header}.get(
            ident.mode, f"{ident.header} or {ident.api_key_header}")
        return TenantResult(None, Reason.MISSING_TENANT_CREDENTIAL,
                            f"no tenant credential: send {named}")
    if tid not in rmap.tenants:
        return TenantResult(None, Reason.UNKNOWN_TENANT, "tenant not in the region map")
    source = "API key" if by_key else f"{ident.header} from a trusted proxy"
    return TenantResult(tid, None, f"tenant {tid} by {source}")


def ambiguous_header(facts: RequestFacts, rmap: RegionMap) -> str | None:
    """A single-valued header that identifies or routes, sent twice with different values.

    Which value a server keeps (first, last, joined) differs between parsers, so a gateway that
    picked one could route by a value the upstream never sees: neither is believed (400)."""
    index = facts._index
    if len(index) == len(facts.headers):
        return None  # the common case: no header name sent twice
    ident = rmap.tenant_identification
    names: tuple[str, ...] = (
        ident.header.lower(), ident.api_key_header.lower(), "content-type", "content-encoding",
        "content-length", "host", "transfer-encoding",
        rmap.payload.guardian_consent_header.lower())
    if not _peer_trusted(facts, rmap):
        # A trusted proxy may append its own forwarding line; anyone else's is one value.
        names += ("x-forwarded-for", "forwarded", "x-real-ip")
    if all(len(index.get(name, ())) < 2 for name in names):
        return None  # the common case: each sent once at most
    seen: dict[str, str] = {}
    for name, value in facts.headers:  # the first repeated one in the order sent
        if name in names:
            value = value.strip()
            if seen.setdefault(name, value) != value:
                return name
    return None


def not_a_proxys_country(verdict: OriginVerdict, address: str | None,
                         rmap: RegionMap) -> OriginVerdict:
    """The verdict, unknown instead when a trusted proxy's own address would name a country
    other than the mainland.

    The client address is a trusted proxy's when the peer is one and sent no forwarding header,
    or when every hop the header names is one: that is where a load balancer stands, not where
    the client is (the rule of clientaddr: never route by the proxy's country). A public
    non-mainland proxy range (a cloud LB, a CDN) in trusted_proxies otherwise routed mainland
    clients abroad whenever the header was missing (red-team round 6). A mainland verdict is
    kept: any credible mainland signal keeps data in China, and a proxy in China is one."""
    if verdict.jurisdiction is None or verdict.jurisdiction == MAINLAND or address is None:
        return verdict
    ip = parse_ip(address)
    if ip is None or not is_trusted(ip, rmap.trusted_proxies):
        return verdict
    return OriginVerdict(None, "trusted_proxy_address", verdict.signals, verdict.conflict,
                         verdict.network_prefix)


def _peer_trusted(facts: RequestFacts, rmap: RegionMap) -> bool:
    ip = parse_ip(facts.peer) if facts.peer else None
    return ip is not None and is_trusted(ip, rmap.trusted_proxies)


def categories_for(facts: RequestFacts, rmap: RegionMap) -> tuple[str, ...]:
    cats: list[str] = []
    for rule in rmap.data_categories:
        if facts.path.startswith(rule.path_prefix):
            cats.extend(c for c in rule.categories if c not in cats)
    if facts.payload.ids and "id_number" not in cats:
        cats.append("id_number")
    if facts.payload.phones and "phone_number" not in cats:
        cats.append("phone_number")
    return tuple(cats)


@dataclass(slots=True)
class _Builder:
    facts: RequestFacts
    rmap: RegionMap
    version: str
    now: dt.datetime
    decision_id: str
    client: ClientAddress
    origin: OriginVerdict
    tenant: str | None = None
    steps: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    def reject(self, reason: Reason, step: str) -> Decision:
        self.steps.append(step)
        self.reasons.append(reason)
        return self._decision(Action.REJECT, None, (), None, None, REJECT_STATUS[reason])

    def forward(self, region: str, fallbacks: tuple[str, ...], cross: bool | None,
                basis: LegalBasisRef | None) -> Decision:
        return self._decision(Action.FORWARD, region, fallbacks, cross, basis, 200)

    def _decision(self, action: Action, region: str | None, fallbacks: tuple[str, ...],
                  cross: bool | None, basis: LegalBasisRef | None, status: int) -> Decision:
        return Decision(
            decision_id=self.decision_id, decided_at=self.now, tenant=self.tenant, action=action,
            origin=self.origin, client=self.client, region=region,
            region_jurisdiction=self.rmap.regions[region].jurisdiction if region else None,
            fallbacks=fallbacks, cross_border=cross, legal_basis=basis,
            reasons=tuple(self.reasons), steps=tuple(self.steps), policy_version=self.version,
            subjects=self.facts.payload.subjects, categories=categories_for(self.facts, self.rmap),
            status=status, payload_note=self.facts.payload.note,
            body_inspected=self.facts.payload.inspected,
            subject_counts=self.facts.payload.counts)


def china_region(tenant: Tenant, rmap: RegionMap) -> str | None:
    if MAINLAND in tenant.pins:
        return tenant.pins[MAINLAND]
    if tenant.china_region:
        return tenant.china_region
    cn = [rid for rid, r in rmap.regions.items() if r.jurisdiction == MAINLAND]
    return cn[0] if len(cn) == 1 else None


def legal_basis(tenant: Tenant, rmap: RegionMap, origin: str, region: str) -> LegalBasisRef | None:
    """The configured basis covering export of `origin` data to `region`, if any."""
    for key in (origin, "*"):
        basis = tenant.legal_bases.get(key)
        if basis is not None and (basis.destinations is None or region in basis.destinations):
            return LegalBasisRef(key, basis.mechanism.value, basis.reference)
    return None


def _needs_basis(rmap: RegionMap, origin: str) -> bool:
    rule = rmap.transfer_rules.get(origin)
    return origin == MAINLAND or rule is None or rule.legal_basis_required


def decide(facts: RequestFacts, rmap: RegionMap, version: str, geo: GeoLookup,
           now: dt.datetime, decision_id: str, *, gateway_region: str | None = None,
           tenant: str | None = None) -> Decision:
    """The decision for one request.

    `gateway_region` is where this gateway runs (placement: forward or redirect when the
    destination is in another jurisdiction). `tenant` skips tenant identification (explain and
    replay name the tenant themselves); the server never passes it.
    """
    memo = _memo(rmap, geo)
    client = memo.client(facts, rmap)
    origin = memo.origin(client.address, facts.payload, rmap, geo)
    b = _Builder(facts, rmap, version, now, decision_id, client, origin)
    twice = ambiguous_header(facts, rmap)
    if twice is not None:
        return b.reject(Reason.AMBIGUOUS_REQUEST,
                        f"{twice} sent more than once with different values")
    if tenant is not None:
        who = (TenantResult(tenant, None, f"tenant {tenant} given")
               if tenant in rmap.tenants else
               TenantResult(None, Reason.UNKNOWN_TENANT, "tenant not in the region map"))
    else:
        who = memo.tenant(facts, rmap)
    if who.reason is not None:
        return b.reject(who.reason, who.step)
    b.steps.append(who.step)
    assert who.tenant is not None
    return memo.route(b, who.tenant, gateway_region)


_MEMO_ENTRIES = 4096  # per table; a full table starts over (addresses, routes, clients)
_MEMO_KEY_CHARS = 512  # forwarding headers longer than this are resolved, not remembered


class _Memo:
    """What decide() works out again and again for the same inputs, remembered for one region
    map and GeoIP database (held here, so their ids cannot be reused while it lives): the
    client address of a peer and forwarding header, the tenant a peer names in the tenant
    header (never an API key), the network signal and origin verdict of an address (requests
    without payload signals), and the route of a tenant for an origin verdict. Each is a pure
    function of its key; a request with identifiers or a payload error is routed afresh."""

    __slots__ = ("clients", "geo", "networks", "origins", "rmap", "routes", "tenants")

    def __init__(self, rmap: RegionMap, geo: GeoLookup):
        self.rmap, self.geo = rmap, geo
        self.clients: dict[tuple[str | None, tuple[str, ...]], ClientAddress] = {}
        self.networks: dict[str | None, Signal] = {}
        self.origins: dict[str | None, OriginVerdict] = {}  # of requests without payload signals
        self.tenants: dict[tuple[str | None, str | None], TenantResult] = {}
        self.routes: dict[tuple[object, ...], tuple[Decision, int]] = {}

    def client(self, facts: RequestFacts, rmap: RegionMap) -> ClientAddress:
        values = facts.header_values(rmap.client_address_header)
        key = (facts.peer, values)
        found = self.clients.get(key)
        if found is None:
            found = client_address(facts, rmap)
            if sum(map(len, values)) <= _MEMO_KEY_CHARS:
                _remember(self.clients, key, found)
        return found

    def network(self, address: str | None, rmap: RegionMap, geo: GeoLookup) -> Signal:
        found = self.networks.get(address)
        if found is None:
            found = network_signal(address, rmap.cidr_overrides, geo)
            _remember(self.networks, address, found)
        return found

    def tenant(self, facts: RequestFacts, rmap: RegionMap) -> TenantResult:
        ident = rmap.tenant_identification
        if facts.header(ident.api_key_header) is not None:
            return identify_tenant(facts, rmap)  # API keys are never kept
        named = facts.header(ident.header)
        key = (facts.peer, named)
        found = self.tenants.get(key)
        if found is None:
            found = identify_tenant(facts, rmap)
            if named is None or len(named) <= _MEMO_KEY_CHARS:
                _remember(self.tenants, key, found)
        return found

    def origin(self, address: str | None, payload: PayloadScan, rmap: RegionMap,
               geo: GeoLookup) -> OriginVerdict:
        if payload.ids or payload.phones:
            return not_a_proxys_country(
                combine(self.network(address, rmap, geo),
                        payload_signals(payload, rmap.payload.credible_signals),
                        truncated_prefix(address)), address, rmap)
        found = self.origins.get(address)
        if found is None:
            found = not_a_proxys_country(
                combine(self.network(address, rmap, geo), (), truncated_prefix(address)),
                address, rmap)
            _remember(self.origins, address, found)
        return found

    def route(self, b: _Builder, tenant_id: str, gateway_region: str | None) -> Decision:
        payload = b.facts.payload
        if payload.error is not None or payload.ids:  # minors, dates: always afresh
            return _route(b, tenant_id, gateway_region)
        key = (tenant_id, gateway_region, b.facts.placed, b.client.note, b.origin.jurisdiction,
               b.origin.rule, b.origin.conflict)
        hit = self.routes.get(key)
        if hit is not None:
            d, first_step = hit
            b.tenant = tenant_id
            b.steps.extend(d.steps[first_step:])
            b.reasons.extend(d.reasons)
            return b._decision(d.action, d.region, d.fallbacks, d.cross_border, d.legal_basis,
                               d.status)
        first_step = len(b.steps)
        d = _route(b, tenant_id, gateway_region)
        _remember(self.routes, key, (d, first_step))
        return d


def tenant_of(facts: RequestFacts, rmap: RegionMap, geo: GeoLookup) -> TenantResult:
    """identify_tenant, remembered as decide() remembers it (never for API keys)."""
    return _memo(rmap, geo).tenant(facts, rmap)


def _remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _MEMO_ENTRIES:
        table.clear()
    table[key] = value


_MEMOS: list[_Memo] = []


def _memo(rmap: RegionMap, geo: GeoLookup) -> _Memo:
    """The memo of this map and database (the newest two pairs are kept: a reload's old and
    new snapshot serve side by side for a while)."""
    for memo in _MEMOS:
        if memo.rmap is rmap and memo.geo is geo:
            return memo
    memo = _Memo(rmap, geo)
    _MEMOS.insert(0, memo)
    del _MEMOS[2:]
    return memo


def decide_for_origin(rmap: RegionMap, version: str, tenant: str, origin: str | None,
                      now: dt.datetime, *, gateway_region: str | None = None) -> Decision:
    """The decision for a request of `tenant` whose origin is already known (config diff,
    replay of recorded decisions): the same routing rules, without client or payload facts."""
    facts = RequestFacts(peer=None)
    client = ClientAddress(None, None, False, 0, "origin given")
    verdict = OriginVerdict(origin, "given", ())
    b = _Builder(facts, rmap, version, now, "replay", client, verdict)
    if tenant not in rmap.tenants:
        return b.reject(Reason.UNKNOWN_TENANT, "tenant not in the region map")
    b.steps.append(f"tenant {tenant} given")
    return _route(b, tenant, gateway_region)


def _route(b: _Builder, tenant_id: str, gateway_region: str | None) -> Decision:
    """Every rule after the tenant is known: payload, children, route, basis, fallbacks."""
    facts, rmap, origin, client, now = b.facts, b.rmap, b.origin, b.client, b.now
    b.tenant = tenant_id
    tenant = rmap.tenants[tenant_id]

    if facts.payload.error is not None:
        return b.reject(facts.payload.error, f"payload: {facts.payload.note}")
    if client.note:
        b.steps.append(f"client address: {client.note}")
    b.steps.append(f"origin {origin.jurisdiction or 'unknown'} by rule {origin.rule}"
                   + (" (signals conflict)" if origin.conflict else ""))

    # Children under 14 (PIPL art. 28/31; seed policy section 6): prior guardian consent or
    # the data is not served.
    consent = bool((facts.header(rmap.payload.guardian_consent_header) or "").strip())
    today = now.date()
    minors = [f for f in facts.payload.ids if age_on(f.birth_date, today) < rmap.payload.minor_age]
    if minors and not consent:
        return b.reject(Reason.MINOR_WITHOUT_CONSENT,
                        f"resident ID at {minors[0].path} shows an age under "
                        f"{rmap.payload.minor_age} and {rmap.payload.guardian_consent_header} is "
                        "absent")
    if minors:
        b.reasons.append(Reason.GUARDIAN_CONSENT_PRESENT)
        b.steps.append(f"minor's data with {rmap.payload.guardian_consent_header} present")

    juris = origin.jurisdiction
    pinned_to: str | None = None
    if juris == MAINLAND:
        primary = china_region(tenant, rmap)
        if primary is None:
            return b.reject(Reason.NO_ROUTE, "no China region for this tenant")
        b.reasons.append(Reason.MAINLAND_DOMESTIC)
        b.steps.append(f"mainland origin stays in China: region {primary}")
    elif juris is None:
        handling = tenant.unknown_origin
        if origin.rule == GEOIP_CODE_UNREADABLE:  # maybe the mainland's: never routed abroad
            return b.reject(Reason.UNKNOWN_ORIGIN,
                            "the GeoIP database names the client's network with a code that is "
                            "not ISO 3166-1 alpha-2; refused whatever unknown_origin says")
        if handling is UnknownOriginHandling.REJECT:
            return b.reject(Reason.UNKNOWN_ORIGIN,
                            "origin unknown and the tenant's unknown_origin is reject")
        if (origin.rule == GEOIP_FAMILY_UNCOVERED
                and handling is UnknownOriginHandling.OVERSEAS):  # blind, not unknown
            return b.reject(Reason.UNKNOWN_ORIGIN,
                            "the GeoIP database places no address of the client's address "
                            "family, so a mainland client there cannot be told apart; "
                            "unknown_origin: overseas does not apply (china or a DB covering "
                            "IPv4 and IPv6 does)")
        b.reasons.append(Reason.UNKNOWN_ORIGIN_ROUTED)
        if handling is UnknownOriginHandling.CHINA:
            primary_cn = china_region(tenant, rmap)
            if primary_cn is None:
                return b.reject(Reason.NO_ROUTE, "no China region for this tenant")
            primary = primary_cn
        else:
            primary = tenant.overseas_region
        b.steps.append(f"unknown origin routed to {primary} by unknown_origin: {handling.value}")
    elif juris in tenant.pins:
        primary = pinned_to = tenant.pins[juris]
        b.reasons.append(Reason.LOCALISATION_PIN)
        b.steps.append(f"{juris} data pinned to region {primary}")
    else:
        primary = tenant.overseas_region
        b.reasons.append(Reason.TENANT_OVERSEAS_REGION)
        b.steps.append(f"overseas origin goes to the tenant's region {primary}")

    if primary not in rmap.regions:
        return b.reject(Reason.NO_ROUTE, f"region {primary} is not defined")
    dest_j = rmap.regions[primary].jurisdiction
    cross: bool | None = None if juris is None else juris != dest_j
    basis: LegalBasisRef | None = None
    if juris is not None and cross:
        if juris == MAINLAND:  # unreachable with a validated map; never export CN data
            return b.reject(Reason.NO_ROUTE, f"refusing to export mainland data to {primary}")
        basis = legal_basis(tenant, rmap, juris, primary)
        if basis is None and _needs_basis(rmap, juris):
            return b.reject(Reason.NO_LEGAL_BASIS,
                            f"{juris} -> {dest_j} ({primary}) needs a legal basis the tenant has "
                            "not configured")
        b.reasons.append(Reason.CROSS_BORDER_WITH_BASIS)
        b.steps.append(f"cross-border {juris} -> {dest_j} under "
                       + (f"{basis.mechanism} ({basis.reference})" if basis else
                          "transfer_rules: no legal basis required"))
    elif juris is not None:
        b.reasons.append(Reason.DOMESTIC)

    fallbacks = _fallbacks(tenant, rmap, juris, primary, pinned_to)
    if fallbacks:
        b.steps.append("fallbacks allowed: " + ", ".join(fallbacks))
    # Defence in depth: whatever produced it, a mainland decision names only CN regions.
    if juris == MAINLAND and any(rmap.regions[r].jurisdiction != MAINLAND
                                 for r in (primary, *fallbacks)):
        b.reasons.clear()
        return b.reject(Reason.NO_ROUTE, "mainland origin with a non-CN destination refused")
    if gateway_region is not None and gateway_region in rmap.regions:
        here = rmap.regions[gateway_region].jurisdiction
        if dest_j != here and rmap.placement.mode_for(juris) == "redirect" and facts.placed:
            b.steps.append(f"placement says redirect to {primary}, but this request was already "
                           "redirected once: forwarded (no redirect loops)")
        elif dest_j != here and rmap.placement.mode_for(juris) == "redirect":
            b.reasons.append(Reason.PLACEMENT_REDIRECT)
            b.steps.append(f"destination {primary} is in {dest_j}, this gateway in {here}: "
                           "redirect to its public endpoint")
            return b._decision(Action.REDIRECT, primary, (), cross, basis, 307)
    return b.forward(primary, fallbacks, cross, basis)


def redirect_stands_without_body(early: Decision) -> bool:
    """Whether a placement redirect decided from the request line and headers alone is final.

    Body signals can only add mainland evidence, so they can change the destination only of a
    request whose origin is not already CN. A redirect of a mainland-origin request is final
    (the body stays on the client, Expect: 100-continue unanswered); any other request is
    decided again with its body inspected, exactly as a forward would be."""
    return early.action is Action.REDIRECT and early.origin.jurisdiction == MAINLAND


def _fallbacks(tenant: Tenant, rmap: RegionMap, juris: str | None, primary: str,
               pinned_to: str | None) -> tuple[str, ...]:
    """Regions to try when `primary` is down, never across the jurisdiction rules."""
    out: list[str] = []
    primary_j = rmap.regions[primary].jurisdiction
    for rid in tenant.fallbacks:
        region = rmap.regions.get(rid)
        if region is None or rid == primary or rid in out:
            continue
        if juris == MAINLAND or primary_j == MAINLAND:
            ok = region.jurisdiction == MAINLAND  # a China region fails over only inside China
        elif pinned_to is not None:
            ok = region.jurisdiction == primary_j  # a pin holds through failover
        else:
            ok = region.jurisdiction != MAINLAND and (
                juris is None or juris == region.jurisdiction
                or legal_basis(tenant, rmap, juris, rid) is not None
                or not _needs_basis(rmap, juris))
        if ok:
            out.append(rid)
    return tuple(out)
