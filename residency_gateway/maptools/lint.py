"""Warnings for maps that are legal but suspicious (`config check`). Pure.

- a fallback region the residency rules never let this tenant use;
- CIDR overrides that shadow each other (from `invariants`);
- an override that contradicts the GeoIP database for most of its range (needs a DB).
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from residency_gateway.core.origin import GeoLookup
from residency_gateway.core.policy import decide_for_origin
from residency_gateway.maptools.diff import origins
from residency_gateway.regionmap.invariants import Problem
from residency_gateway.regionmap.load import LoadedMap

SAMPLES = 64


def warnings(lm: LoadedMap, geo: GeoLookup | None, now: dt.datetime) -> list[Problem]:
    out: list[Problem] = []
    rmap = lm.rmap
    every_origin = origins(lm)
    for tid, tenant in rmap.tenants.items():
        usable: set[str] = set()
        for origin in every_origin:
            usable.update(decide_for_origin(rmap, lm.version, tid, origin, now).fallbacks)
        for i, rid in enumerate(tenant.fallbacks):
            if rid not in usable:
                out.append(Problem(("tenants", tid, "fallbacks", i),
                    f"fallback region {rid!r} is never usable for this tenant: the residency "
                    "rules (jurisdiction, pins, legal bases) exclude it for every origin",
                    "warning"))
    if geo is not None:
        for i, rule in enumerate(rmap.cidr_overrides):
            net = rule.network
            step = max(1, net.num_addresses // SAMPLES)
            placed = contradicting = 0
            for k in range(min(SAMPLES, net.num_addresses)):
                address = net.network_address + k * step
                answer = geo(str(ipaddress.ip_address(address)))
                if answer.country is not None:
                    placed += 1
                    contradicting += answer.country != rule.jurisdiction
            if placed and contradicting * 2 > placed:
                out.append(Problem(("cidr_overrides", i, "jurisdiction"),
                    f"{net} is set to {rule.jurisdiction} but the GeoIP database places "
                    f"{contradicting} of {placed} sampled addresses elsewhere; intended?",
                    "warning"))
    return out
