"""Origin resolution: from the client's network and the payload's signals to a verdict.

The rule (DOMAIN.md): CIDR overrides beat GeoIP; private, reserved, anycast or country-less
addresses are *unknown*; any credible mainland signal makes the origin CN (the safe default);
otherwise the network's country decides; with no country the origin is unknown. Every signal
and any conflict stays in the verdict so the decision can be explained.

A GeoIP country code that is not ISO 3166-1 alpha-2 upper case ('cn', 'CHN', '') is never a
known country: it could be the mainland's, so the verdict is `GEOIP_CODE_UNREADABLE`, which the
policy refuses whatever the tenant's unknown_origin says (a credible mainland signal still
makes it CN).

A client of an address family the database places nowhere (an IPv4-only DB, an IPv6 client) is
`GEOIP_FAMILY_UNCOVERED`: the DB is blind to the whole family, so a mainland client there looks
like any other unknown one. The policy never routes it abroad: `unknown_origin: overseas` does
not apply to it (refused), `china` and `reject` do.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence

from residency_gateway.core.clientaddr import NetworkTable, compiled, origin_ip, parse_ip
from residency_gateway.core.values import (
    MAINLAND,
    GeoAnswer,
    OriginVerdict,
    PayloadScan,
    Signal,
    SignalKind,
)
from residency_gateway.regionmap.schema import CidrOverride

GeoLookup = Callable[[str], GeoAnswer]

GEOIP_CODE_UNREADABLE = "geoip_code_unreadable"  # the verdict's rule (and the signal's detail)
GEOIP_FAMILY_UNCOVERED = "geoip_family_uncovered"  # the same, for a family the DB places nowhere
_ALPHA2 = re.compile(r"[A-Z]{2}\Z")

# Addresses no GeoIP answer can place (RFC 6890 special-purpose registry, minus the documentation
# ranges, which demo and test databases deliberately map). A CIDR override can still place them.
_NON_ROUTABLE = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
))


_NON_ROUTABLE_TABLE = NetworkTable(_NON_ROUTABLE, lambda n: n)


def non_routable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return _NON_ROUTABLE_TABLE.match(address) is not None


def _override_network(rule: CidrOverride) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return rule.network


def network_signal(address: str | None, overrides: Sequence[CidrOverride],
                   geo: GeoLookup) -> Signal:
    """The network's signal: an override (most specific wins), else GeoIP, else unknown."""
    if address is None:
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, "client address unknown")
    raw = parse_ip(address)
    if raw is None:
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, "client address unparseable")
    ip = origin_ip(raw)
    best = compiled(overrides, _override_network).match(ip)  # the most specific wins
    if best is not None:
        return Signal(SignalKind.CIDR_OVERRIDE, best.jurisdiction, True, str(best.network))
    if non_routable(ip):
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, "private or reserved address")
    answer = geo(str(ip))
    if answer.uncovered:
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, GEOIP_FAMILY_UNCOVERED)
    if answer.anycast:
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, "anycast network")
    if answer.country is None:
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, "no country in the GeoIP database")
    if not isinstance(answer.country, str) or not _ALPHA2.match(answer.country):
        return Signal(SignalKind.NETWORK_UNKNOWN, None, True, GEOIP_CODE_UNREADABLE)
    return Signal(SignalKind.GEOIP, answer.country, True, answer.network or "geoip")


def payload_signals(scan: PayloadScan, credible: Iterable[str]) -> tuple[Signal, ...]:
    trust = frozenset(credible)
    out: list[Signal] = []
    for found in scan.ids:
        if found.area_jurisdiction == MAINLAND:
            out.append(Signal(SignalKind.RESIDENT_ID, MAINLAND, "resident_id" in trust, found.path))
        else:
            # A HK/MO/TW residence permit says who the person is, not where data was collected.
            out.append(Signal(SignalKind.RESIDENCE_PERMIT, found.area_jurisdiction, False,
                              found.path))
    for phone in scan.phones:
        credible_phone = ("mobile_phone" in trust and phone.mobile
                          and phone.jurisdiction == MAINLAND)
        out.append(Signal(SignalKind.MOBILE_PHONE, phone.jurisdiction, credible_phone, phone.path))
    return tuple(out)


def combine(network: Signal, payload: tuple[Signal, ...], prefix: str | None) -> OriginVerdict:
    """Any credible mainland signal -> CN; else the network's country; else unknown."""
    signals = (network, *payload)
    mainland = [s for s in signals if s.credible and s.jurisdiction == MAINLAND]
    others = {s.jurisdiction for s in signals if s.jurisdiction is not None}
    conflict = len(others) > 1
    if mainland:
        return OriginVerdict(MAINLAND, f"credible_mainland_signal:{mainland[0].kind}", signals,
                             conflict, prefix)
    if network.kind is SignalKind.NETWORK_UNKNOWN and network.detail in (
            GEOIP_CODE_UNREADABLE, GEOIP_FAMILY_UNCOVERED):
        return OriginVerdict(None, network.detail, signals, conflict, prefix)
    if network.jurisdiction is not None:
        return OriginVerdict(network.jurisdiction, f"network:{network.kind}", signals, conflict,
                             prefix)
    return OriginVerdict(None, "no_origin_signal", signals, conflict, prefix)
