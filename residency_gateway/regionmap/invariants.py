"""Invariants of a region map that single fields cannot express. Pure.

Checked at load time, not at request time (the core re-checks the mainland rule anyway, as
defence in depth). Each problem names the key path so the loader can print file:line.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    return problems


def errors(rmap: RegionMap) -> list[Problem]:
    return [p for p in check(rmap) if p.severity == "error"]
