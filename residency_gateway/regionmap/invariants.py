"""Invariants of a region map that single fields cannot express. Pure.

Checked at load time, not at request time (the core re-checks the mainland rule anyway, as
defence in depth). Each problem names the key path so the loader can print file:line.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from residency_gateway.regionmap.names import did_you_mean
from residency_gateway.regionmap.schema import MAINLAND, RegionMap

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    loc: Loc
    message: str
    severity: str = "error"  # "error" | "warning"


def check(rmap: RegionMap) -> list[Problem]:
    problems: list[Problem] = []
    regions = rmap.regions
    cn_regions = [r for r, reg in regions.items() if reg.jurisdiction == MAINLAND]

    def region_ref(loc: Loc, rid: str) -> bool:
        if rid not in regions:
            problems.append(Problem(loc, f"region {rid!r} is not defined under regions"
                                    f"{did_you_mean(rid, regions)}"))
            return False
        return True

    # A server named by a CN region and by an overseas one (a copied line, a typo): mainland
    # data sent to the CN region reaches a machine that also serves abroad, by failover too
    # (config red team: `cn-sh: upstreams: [https://kyc-sg...]` loaded). Compared by host as
    # a client connects (case, a trailing dot, the port, the path and the spelling of an
    # address do not make another machine); on loopback, where tests and demos run every
    # region on one machine, by host and port. Two names of one address cannot be seen here.
    abroad: dict[tuple[str, int], str] = {}
    for rid, region in regions.items():
        if region.jurisdiction != MAINLAND:
            for url in (*region.upstreams, region.public_endpoint):
                if (where := _endpoint(url)) is not None:
                    abroad.setdefault(where, rid)
    for rid, region in regions.items():
        if region.jurisdiction != MAINLAND:
            continue
        named: list[tuple[Loc, str | None]] = [
            (("regions", rid, "upstreams", i), url) for i, url in enumerate(region.upstreams)]
        named.append((("regions", rid, "public_endpoint"), region.public_endpoint))
        for loc, url in named:
            other = abroad.get(_endpoint(url) or ("", -1))
            if other is not None:
                problems.append(Problem(loc, f"{_host_port(url)} is also a server of region "
                                        f"{other!r} ({regions[other].jurisdiction}): "
                                        "mainland-origin data sent to CN region "
                                        f"{rid!r} would reach a server outside China"))

    for rid, region in regions.items():
        for i, url in enumerate(region.upstreams):
            if url.startswith("http://") and not region.allow_plaintext:
                problems.append(Problem(("regions", rid, "upstreams", i),
                    "plaintext http:// upstream needs allow_plaintext: true on the region"))
        if (region.tls.client_cert is None) != (region.tls.client_key is None):
            problems.append(Problem(("regions", rid, "tls"),
                "client_cert and client_key go together (mTLS)"))

    for tid, tenant in rmap.tenants.items():
        base: Loc = ("tenants", tid)
        if region_ref((*base, "overseas_region"), tenant.overseas_region) and (
                regions[tenant.overseas_region].jurisdiction == MAINLAND):
                problems.append(Problem((*base, "overseas_region"),
                    f"overseas_region {tenant.overseas_region!r} is a China region; "
                    "choose a region outside mainland China"))
        if tenant.china_region is not None:
            if region_ref((*base, "china_region"), tenant.china_region) and (
                regions[tenant.china_region].jurisdiction != MAINLAND
            ):
                problems.append(Problem((*base, "china_region"),
                    f"china_region {tenant.china_region!r} is not in jurisdiction CN: "
                    "mainland-origin data may only be processed in China"))
        elif len(cn_regions) != 1:
            problems.append(Problem((*base, "china_region"),
                "no china_region and the map does not have exactly one CN region to default to"
                if cn_regions else
                "the map has no region in jurisdiction CN, so mainland-origin data has nowhere "
                "to go; add one"))
        for origin, rid in tenant.pins.items():
            loc = (*base, "pins", origin)
            if not region_ref(loc, rid):
                continue
            dest = regions[rid].jurisdiction
            if origin == MAINLAND and dest != MAINLAND:
                problems.append(Problem(loc,
                    f"pins CN data to {rid!r} in {dest}: mainland-origin data may only be "
                    "processed in a CN region (PIPL art. 38-40)"))
            elif origin != MAINLAND and dest == MAINLAND:
                problems.append(Problem(loc,
                    f"pins {origin} data to China region {rid!r}; overseas data goes to "
                    "overseas regions"))
        for i, rid in enumerate(tenant.fallbacks):
            region_ref((*base, "fallbacks", i), rid)
        for key, basis in tenant.legal_bases.items():
            if key == MAINLAND:
                problems.append(Problem((*base, "legal_bases", key),
                    "no legal basis can export mainland-origin data through this gateway: "
                    "it keeps mainland data in China"))
            for i, rid in enumerate(basis.destinations or []):
                region_ref((*base, "legal_bases", key, "destinations", i), rid)

    if rmap.placement.redirects:
        for rid, region in regions.items():
            if not region.public_endpoint:
                problems.append(Problem(("regions", rid),
                    "placement may redirect here, so the region needs a public_endpoint"))

    if MAINLAND in rmap.transfer_rules and not rmap.transfer_rules[MAINLAND].legal_basis_required:
        problems.append(Problem(("transfer_rules", MAINLAND, "legal_basis_required"),
            "CN exports are never allowed; legal_basis_required cannot be false for CN"))

    overrides = rmap.cidr_overrides
    for i, a in enumerate(overrides):
        for j in range(i + 1, len(overrides)):
            b = overrides[j]
            if a.network.version != b.network.version or not a.network.overlaps(b.network):
                continue
            if a.network == b.network:
                problems.append(Problem(("cidr_overrides", j, "network"),
                    f"{b.network} is listed twice (also cidr_overrides[{i}])"))
            elif a.jurisdiction != b.jurisdiction:
                problems.append(Problem(("cidr_overrides", j, "network"),
                    f"{b.network} ({b.jurisdiction}) overlaps cidr_overrides[{i}] {a.network} "
                    f"({a.jurisdiction}); the most specific network wins, say so by removing "
                    "the overlap or splitting the range"))
            else:
                problems.append(Problem(("cidr_overrides", j, "network"),
                    f"{b.network} overlaps cidr_overrides[{i}] {a.network} with the same "
                    "jurisdiction; one of them is redundant", severity="warning"))
    inspect, body = rmap.payload.max_inspect_bytes, rmap.limits.max_body_bytes
    if inspect > body:
        # Not wrong (a body past max_body_bytes is refused 413 before inspection matters),
        # but the map says more than it does: inspection never reads past max_body_bytes.
        problems.append(Problem(("payload", "max_inspect_bytes"),
            f"{inspect} is more than limits.max_body_bytes ({body}): bodies past {body} "
            f"bytes are refused 413, so no body of {body + 1}-{inspect} bytes is ever "
            "inspected; lower max_inspect_bytes or raise max_body_bytes",
            severity="warning"))
    return problems


def _endpoint(url: str | None) -> tuple[str, int] | None:
    """The machine a client connects to for `url`: (host, 0), the host lower-cased without a
    trailing dot and an address in its canonical form; on loopback (host, port), the
    scheme's default port filled in. None when there is no host to compare."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    with contextlib.suppress(ValueError):
        host = str(ipaddress.ip_address(host))  # (2001:DB8::1 and 2001:db8:0::1 are one)
    if all(c in "0123456789abcdefx." for c in host):
        # an IPv4 address in a form connect() accepts too: 127.1, 2130706433, 0x7f.0.0.1
        with contextlib.suppress(OSError):
            host = socket.inet_ntoa(socket.inet_aton(host))
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = ipaddress.ip_address(host).is_loopback
    return host, (port or (443 if parts.scheme == "https" else 80)) if loopback else 0


def _host_port(url: str | None) -> str:
    where = _endpoint(url)
    if where is None:
        return "?"
    host = f"[{where[0]}]" if ":" in where[0] else where[0]
    return f"{host}:{where[1]}" if where[1] else f"host {host}"


def errors(rmap: RegionMap) -> list[Problem]:
    return [p for p in check(rmap) if p.severity == "error"]
