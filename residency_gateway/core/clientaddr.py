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
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from residency_gateway.core.values import ClientAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")


class NetworkTable(Generic[T]):
    """Longest-prefix match over a fixed list of networks: per IP version, one dict per prefix
    length (network bits -> item), tried from the longest prefix down. A lookup costs one dict
    probe per distinct prefix length instead of one containment test per listed network; the
    most specific network wins, and of two equal networks the one listed first (as the linear
    scans it replaces did)."""

    __slots__ = ("_levels",)

    def __init__(self, items: Sequence[T], network: Callable[[T], Network]):
        levels: dict[tuple[int, int], dict[int, T]] = {}
        for item in items:
            net = network(item)
            bits = net.max_prefixlen
            level = levels.setdefault((net.version, net.prefixlen), {})
            level.setdefault(int(net.network_address) >> (bits - net.prefixlen), item)
        self._levels: dict[int, tuple[tuple[int, dict[int, T]], ...]] = {
            version: tuple((bits - plen, level) for (v, plen), level in
                           sorted(levels.items(), key=lambda kv: -kv[0][1]) if v == version)
            for version, bits in ((4, 32), (6, 128))}

    def match(self, address: IPAddress) -> T | None:
        value = int(address)
        for shift, level in self._levels[address.version]:
            hit = level.get(value >> shift)
            if hit is not None:
                return hit
        return None


_COMPILED: dict[tuple[int, int], tuple[object, NetworkTable[object]]] = {}
_COMPILED_MAX = 64


def compiled(items: Sequence[T], network: Callable[[T], Network]) -> NetworkTable[T]:
    """The table for `items`, built once per list object (a region map snapshot's lists are
    never modified; a reload brings new ones). The cache holds the list itself, so its id
    cannot be reused by another list while the entry lives; it is bounded."""
    key = (id(items), id(network))
    found = _COMPILED.get(key)
    if found is not None and found[0] is items:
        return found[1]  # type: ignore[return-value]
    table = NetworkTable(items, network)
    if len(_COMPILED) >= _COMPILED_MAX:
        del _COMPILED[next(iter(_COMPILED))]
    _COMPILED[key] = (items, table)  # type: ignore[assignment]
    return table


def _itself(net: Network) -> Network:
    return net


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
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        # A zone id (`fe80::1%eth0`) names an interface of the receiving host, not a network:
        # the address is the same one without it. Kept, it reached the GeoIP reader, which
        # finds no country for "2001:db8::1%eth0", and a mainland IPv6 client became unknown
        # (red-team round 6).
        address = ipaddress.IPv6Address(int(address))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


_6TO4 = ipaddress.ip_network("2002::/16")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_TEREDO = ipaddress.ip_network("2001::/32")


@functools.lru_cache(maxsize=65536)
def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, in each transition form that names the
    client's IPv4 network: IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d` (RFC 4291
    s.2.5.5.1, deprecated), 6to4 `2002:AABB:CCDD::/48` (RFC 3056), NAT64 `64:ff9b::/96` (RFC 6052)
    and local-use `64:ff9b:1::/48` (RFC 8215, /96 layout), Teredo `2001::/32` (RFC 4380: the
    client's public address, obfuscated by XOR in the last 32 bits); and SIIT's IPv4-translated
    `::ffff:0:a.b.c.d` (RFC 6145)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    value = int(address)
    if value >> 32 == 0 and value > 0xFFFF:  # ::a.b.c.d, but not :: or ::1
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if value >> 32 == 0xFFFF0000:
        # SIIT "IPv4-translated" ::ffff:0:a.b.c.d (RFC 2765 s.2.1, RFC 6145 s.1.3): one more
        # wrapper of an IPv4 client; unread, it had no country and a mainland client was unknown
        # (red-team round 6). Nothing else lives in ::ffff:0:0/96.
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _6TO4:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _TEREDO:
        return ipaddress.IPv4Address(~value & 0xFFFFFFFF)
    return None


def origin_ip(address: IPAddress) -> IPAddress:
    """The address whose network says where the client is: an embedded IPv4 address when
    there is one. Only for origin (CIDR overrides, GeoIP, record prefixes): trust in a proxy
    is never granted through an embedded form."""
    return embedded_ipv4(address) or address


def is_trusted(address: IPAddress, trusted: Sequence[Network]) -> bool:
    return compiled(trusted, _itself).match(address) is not None


def xff_entries(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def forwarded_entries(values: Sequence[str]) -> list[str] | None:
    """The `for=` of each RFC 7239 element, left to right; None if any element is malformed
    (RFC 7230 token or quoted-string values, each parameter once, `for` present)."""
    out: list[str] = []
    for value in values:
        elements = _split_outside_quotes(value, ",")
        if elements is None:
            return None
        for element in elements:
            if not element.strip():
                continue
            pairs = _split_outside_quotes(element, ";")
            if pairs is None:
                return None
            params: dict[str, str] = {}
            for pair in pairs:
                name, sep, raw = pair.partition("=")
                name = name.strip().lower()
                parsed = _param_value(raw.strip()) if sep else None
                if not name or parsed is None or name in params or not set(name) <= _TOKEN_CHARS:
                    return None
                params[name] = parsed
            if "for" not in params:
                return None
            out.append(params["for"])
    return out


MAX_FORWARDED_ELEMENTS = 64


def _split_from_right(text: str) -> tuple[list[str], bool]:
    """`text` split at commas outside quoted-strings, scanning from the right (one linear
    pass): the elements right to left, and whether the scan ended outside a quoted-string."""
    backslashes = [0] * (len(text) + 1)  # backslashes[i]: run of backslashes ending before i
    for i, ch in enumerate(text):
        backslashes[i + 1] = backslashes[i] + 1 if ch == "\\" else 0
    elements: list[str] = []
    inside = False
    end = len(text)
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch == '"' and not (inside and backslashes[i] % 2):
            inside = not inside
        elif ch == "," and not inside:
            elements.append(text[i + 1:end])
            end = i
            if len(elements) > MAX_FORWARDED_ELEMENTS:
                return elements, False
    elements.append(text[:end])
    return elements, not inside


def forwarded_suffix(values: Sequence[str]) -> tuple[list[str], bool]:
    """The `for=` values of the well-formed tail of the Forwarded field (left to right), and
    whether that tail is the whole field. A client may write anything to the left of what
    trusted proxies append; only the elements a walk from the right reaches need to parse.
    Linear in the field's length, at most MAX_FORWARDED_ELEMENTS elements."""
    joined = ",".join(values)
    text = joined[-8192:]
    # A field longer than what is read was cut: even when the cut falls on an element boundary
    # (the leftmost kept piece parses) there is more to the left, so the kept tail is never the
    # whole field. Taken as whole, a walk through trusted hops ended at the leftmost kept one
    # and believed it, not knowing the client's element was cut off (red-team round 6).
    cut = len(joined) > len(text)
    pieces, balanced = _split_from_right(text)
    found: list[str] = []
    for n, piece in enumerate(pieces):
        if not piece.strip():
            continue
        if n == len(pieces) - 1 and not balanced:
            return list(reversed(found)), False
        parsed = forwarded_entries([piece])
        if parsed is None or len(parsed) != 1:
            return list(reversed(found)), False
        found.append(parsed[0])
    return list(reversed(found)), balanced and len(pieces) <= MAX_FORWARDED_ELEMENTS and not cut


def _param_value(raw: str) -> str | None:
    """An RFC 7230 token, or a quoted-string with its escapes undone; None if neither."""
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            return None
        out: list[str] = []
        body = raw[1:-1]
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == "\\":
                if i + 1 >= len(body):
                    return None
                ch = body[i + 1]
                i += 1
            elif ch == '"':
                return None
            out.append(ch)
            i += 1
        return "".join(out)
    return raw if raw and set(raw) <= _TOKEN_CHARS | {":"} else None


def _split_outside_quotes(text: str, sep: str) -> list[str] | None:
    """`text` split at `sep` outside quoted-strings; None on an unbalanced quote."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    if quoted or escaped:
        return None
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
    complete = True
    if header_kind == "forwarded":
        entries, complete = forwarded_suffix(header_values)
    else:
        entries = xff_entries(header_values)
    if not entries:
        return ClientAddress(None, str(peer_ip), True, 0, f"{header_kind} has no usable element")
    hops = 0
    candidate: IPAddress | None = None
    walked: list[str] = []  # canonical, right to left
    for raw in reversed(entries):
        hops += 1
        candidate = parse_ip(raw)
        if candidate is None:
            return ClientAddress(None, str(peer_ip), True, hops,
                                 f"{header_kind} element {hops} from the right is not an address",
                                 tuple(reversed(walked)))
        walked.append(str(candidate))
        if not is_trusted(candidate, trusted):
            return ClientAddress(str(candidate), str(peer_ip), True, hops, "",
                                 tuple(reversed(walked)))
    if not complete:
        return ClientAddress(None, str(peer_ip), True, hops,
                             f"{header_kind} is malformed beyond the trusted hops",
                             tuple(reversed(walked)))
    # Every hop is a trusted proxy: the leftmost is as far as the chain can be believed.
    return ClientAddress(str(candidate), str(peer_ip), True, hops, "every hop is a trusted proxy",
                         tuple(reversed(walked)))


@functools.lru_cache(maxsize=65536)
def truncated_prefix(address: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) around an address: what records keep instead of it."""
    if address is None:
        return None
    ip = origin_ip(ipaddress.ip_address(address))
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
