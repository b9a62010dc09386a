"""Routing impact of a region map change: what moves, for whom. Pure.

Not a text diff: for every tenant and every origin jurisdiction either map can tell apart, the
decision under the old and the new map (the same `decide` the server runs), and the
differences. Replay re-decides recorded decisions (tenant and origin from the trail) under both
maps and counts those whose outcome would change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from residency_gateway.core.policy import decide_for_origin
from residency_gateway.core.values import Decision
from residency_gateway.regionmap.load import LoadedMap

BASE_ORIGINS = ("CN", "HK", "MO", "TW", "SG", "ID", "JP", "US")
NOT_REPLAYABLE = {"minor_without_guardian_consent", "malformed_payload",
                  "payload_too_large_to_inspect", "payload_encoding_not_inspectable",
                  "body_too_large", "untrusted_tenant_header", "tenant_conflict"}


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str
    region: str | None
    fallbacks: tuple[str, ...]
    basis: str | None
    reason: str

    def __str__(self) -> str:
        where = f" {self.region}" if self.region else ""
        extra = f" (fallbacks {', '.join(self.fallbacks)})" if self.fallbacks else ""
        basis = f" under {self.basis}" if self.basis else ""
        return f"{self.action}{where}{extra}{basis} [{self.reason}]"


def outcome(d: Decision) -> Outcome:
    basis = f"{d.legal_basis.mechanism}: {d.legal_basis.reference}" if d.legal_basis else None
    return Outcome(d.action.value, d.region, d.fallbacks, basis,
                   d.reasons[-1].value if d.action.value != "forward" else
                   (d.reasons[0].value if d.reasons else ""))


def origins(*maps: LoadedMap) -> list[str | None]:
    found: set[str] = set(BASE_ORIGINS)
    for lm in maps:
        m = lm.rmap
        found.update(r.jurisdiction for r in m.regions.values())
        found.update(o.jurisdiction for o in m.cidr_overrides)
        found.update(m.transfer_rules)
        found.update(k for k in m.placement.per_origin if k != "unknown")
        for t in m.tenants.values():
            found.update(t.pins)
            found.update(k for k in t.legal_bases if k != "*")
    return [*sorted(found), None]


@dataclass(frozen=True, slots=True)
class RouteChange:
    tenant: str
    origin: str | None
    old: Outcome | None  # None: tenant absent from that map
    new: Outcome | None


def route_changes(old: LoadedMap, new: LoadedMap, now: dt.datetime,
                  gateway_region: str | None = None) -> list[RouteChange]:
    out = []
    for tenant in sorted(set(old.rmap.tenants) | set(new.rmap.tenants)):
        for origin in origins(old, new):
            a = _outcome(old, tenant, origin, now, gateway_region)
            b = _outcome(new, tenant, origin, now, gateway_region)
            if a != b:
                out.append(RouteChange(tenant, origin, a, b))
    return out


def _outcome(lm: LoadedMap, tenant: str, origin: str | None, now: dt.datetime,
             gateway_region: str | None) -> Outcome | None:
    if tenant not in lm.rmap.tenants:
        return None
    region = gateway_region if gateway_region in lm.rmap.regions else None
    return outcome(decide_for_origin(lm.rmap, lm.version, tenant, origin, now,
                                     gateway_region=region))


def network_changes(old: LoadedMap, new: LoadedMap) -> list[str]:
    out = []
    a = {str(o.network): o.jurisdiction for o in old.rmap.cidr_overrides}
    b = {str(o.network): o.jurisdiction for o in new.rmap.cidr_overrides}
    for net in sorted(set(a) | set(b)):
        if a.get(net) != b.get(net):
            out.append(f"cidr override {net}: {a.get(net, '-')} -> {b.get(net, '-')} "
                       "(traffic from it changes origin)")
    ta = {str(n) for n in old.rmap.trusted_proxies}
    tb = {str(n) for n in new.rmap.trusted_proxies}
    out += [f"trusted proxy added {n}" for n in sorted(tb - ta)]
    out += [f"trusted proxy removed {n} (its forwarded headers stop counting)"
            for n in sorted(ta - tb)]
    if old.rmap.tenant_identification != new.rmap.tenant_identification:
        out.append("tenant identification changed")
    if old.rmap.payload != new.rmap.payload:
        out.append("payload inspection settings changed (origin of bodies may change)")
    return out


@dataclass
class ReplayResult:
    replayed: int
    changed: int
    skipped: int
    moves: Counter[tuple[str, str, str, str]]  # (tenant, origin, old, new) -> requests


def replay(records: Iterable[dict[str, Any]], old: LoadedMap, new: LoadedMap,
           gateway_region: str | None = None) -> ReplayResult:
    result = ReplayResult(0, 0, 0, Counter())
    for r in records:
        if r.get("type") != "decision":
            continue
        reason = r["reasons"][-1] if r.get("reasons") else ""
        if r.get("tenant") is None or (r["action"] == "reject" and reason in NOT_REPLAYABLE):
            result.skipped += 1
            continue
        now = dt.datetime.fromisoformat(r["time"])
        origin = r["origin"]["jurisdiction"]
        a = _outcome(old, r["tenant"], origin, now, gateway_region)
        b = _outcome(new, r["tenant"], origin, now, gateway_region)
        result.replayed += 1
        if a != b:
            result.changed += 1
            result.moves[(r["tenant"], origin or "unknown", str(a), str(b))] += 1
    return result
