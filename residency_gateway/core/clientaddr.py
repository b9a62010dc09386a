"""Which address is the client's: the socket peer, or what trusted proxies say it was.

X-Forwarded-For and RFC 7239 `Forwarded` are read only when the peer is a trusted proxy, and
walked right to left: each hop that is itself a trusted proxy is skipped, the first untrusted
address is the client. A client that is not a trusted proxy cannot move its jurisdiction with
a header. A header a trusted proxy sent that cannot be parsed makes the client *unknown*, never
the proxy's own address (that would route by the load balancer's country).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from residency_gateway.core.values import ClientAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=65536)
def parse_ip(text: str) -> IPAddress | None:
    """An address from a header element: bare, `v4:port`, `[v6]` or `[v6]:port`."""
    value = text.strip().strip('"')
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        value = value[1:end]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IPAddress, trusted: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def xff_entries(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def forwarded_entries(values: Sequence[str]) -> list[str] | None:
    """The `for=` of each RFC 7239 element, left to right; None if an element lacks one."""
    out: list[str] = []
    for value in values:
        for element in _split_outside_quotes(value, ","):
            if not element.strip():
                continue
            found = None
            for pair in _split_outside_quotes(element, ";"):
                name, sep, val = pair.partition("=")
                if sep and name.strip().lower() == "for":
                    found = val.strip()
            if found is None:
                return None
            out.append(found)
    return out


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def resolve_client(
    peer: str | None,
    *,
    header_values: Sequence[str],
    header_kind: str,
    trusted: Sequence[Network],
) -> ClientAddress:
    """Decide the client address from the peer and the forwarding header values."""
    peer_ip = parse_ip(peer) if peer else None
    if peer_ip is None:
        return ClientAddress(None, peer, False, 0, "peer address unavailable")
    if not is_trusted(peer_ip, trusted) or not header_values:
        return ClientAddress(str(peer_ip), str(peer_ip), False, 0)
    entries = (forwarded_entries(header_values) if header_kind == "forwarded"
               else xff_entries(header_values))
    if not entries:
        return ClientAddress(None, str(peer_ip), True, 0, f"{header_kind} has no usable element")
    hops = 0
    candidate: IPAddress | None = None
    for raw in reversed(entries):
        hops += 1
        candidate = parse_ip(raw)
        if candidate is None:
            return ClientAddress(None, str(peer_ip), True, hops,
                                 f"{header_kind} element {hops} from the right is not an address")
        if not is_trusted(candidate, trusted):
            return ClientAddress(str(candidate), str(peer_ip), True, hops)
    # Every hop is a trusted proxy: the leftmost is as far as the chain can be believed.
    return ClientAddress(str(candidate), str(peer_ip), True, hops, "every hop is a trusted proxy")


@functools.lru_cache(maxsize=65536)
def truncated_prefix(address: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) around an address: what records keep instead of it."""
    if address is None:
        return None
    ip = ipaddress.ip_address(address)
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
