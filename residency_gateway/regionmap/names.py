"""Names an SRE typed, checked against the names that exist: "did you mean" (difflib). Pure.

Used wherever a name is looked up (config keys, regions, tenants in `explain` and
`config show`), so a typo gets the same help everywhere.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`"; did you mean 'x'?"` for the closest known names, or `""` when none is close."""
    choices = sorted(set(known))
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    if not close and name:  # a different case, or the start of a longer name ("acme")
        low = name.lower()
        close = [c for c in choices if c.lower() == low or c.lower().startswith(low)][:3]
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """`unknown tenant 'acne'; did you mean 'acme'? (tenants: acme, bank)`."""
    choices = sorted(set(known))
    listed = ", ".join(choices[:20]) + (", ..." if len(choices) > 20 else "")
    return f"unknown {kind} {name!r}{did_you_mean(name, choices)} ({kind}s: {listed or 'none'})"


_OCTET = re.compile(r"Octet (\d+) \(> 255\) not permitted in '([^']*)'")
_NETMASK = re.compile(r"'([^']*)' is not a valid netmask")


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR network, or a ValueError that says what is wrong with it: host bits set (and
    the network meant), an octet out of range, a prefix too long, not an address at all."""
    text = text.strip()
    v6 = ":" in text
    cls = ipaddress.IPv6Network if v6 else ipaddress.IPv4Network
    try:
        return cls(text, strict=True)
    except ValueError as exc:
        message = str(exc)
    bits = 128 if v6 else 32
    family = "IPv6" if v6 else "IPv4"
    if message.endswith("has host bits set"):
        net = cls(text, strict=False)
        raise ValueError(f"{text} has host bits set: the network is {net} (or write the "
                         f"address as /{bits})") from None
    if m := _OCTET.search(message):
        raise ValueError(f"octet {m[1]} is out of range (0-255) in {m[2]}") from None
    if m := _NETMASK.search(message):
        prefix = m[1]
        if prefix.isdigit() and int(prefix) > bits:
            raise ValueError(f"prefix /{prefix} is too long: an {family} prefix is at most "
                             f"/{bits}") from None
        raise ValueError(f"/{prefix} is not a prefix length (0-{bits}) or netmask") from None
    raise ValueError(f"{text!r} is not an {family} network: {message}") from None
