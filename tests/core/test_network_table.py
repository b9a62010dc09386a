"""The precompiled network tables answer exactly what the linear scans they replace answered:
the most specific listed network, the first listed of two equal ones, across IP versions."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.clientaddr import NetworkTable, compiled, is_trusted
from residency_gateway.core.origin import _NON_ROUTABLE, non_routable


def linear(items, address):
    """The scan the tables replaced (core/origin.py before precompilation)."""
    best = None
    for i, net in items:
        if net.version == address.version and address in net and (
                best is None or net.prefixlen > best[1].prefixlen):
            best = (i, net)
    return best


# Small address spaces so that networks nest and addresses hit them often.
v4 = st.builds(lambda a, p: ipaddress.ip_network((a, p), strict=False),
               st.integers(0xC0000200, 0xC00002FF), st.integers(20, 32))
v6 = st.builds(lambda a, p: ipaddress.ip_network((a, p), strict=False),
               st.integers(0x20010DB8 << 96, (0x20010DB8 << 96) + 0xFFFF), st.integers(100, 128))
address = st.one_of(st.integers(0xC0000200, 0xC00002FF).map(ipaddress.IPv4Address),
                    st.integers(0x20010DB8 << 96, (0x20010DB8 << 96) + 0xFFFF)
                    .map(ipaddress.IPv6Address))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(v4, v6), max_size=12), st.lists(address, min_size=1, max_size=20))
def test_table_equals_the_linear_scan(networks, addresses):
    items = list(enumerate(networks))
    table = NetworkTable(items, lambda item: item[1])
    for a in addresses:
        assert table.match(a) == linear(items, a)
        assert is_trusted(a, networks) == (linear(items, a) is not None)


def test_first_listed_wins_between_equal_networks():
    net = ipaddress.ip_network("192.0.2.0/24")
    table = NetworkTable([("first", net), ("second", net)], lambda item: item[1])
    assert table.match(ipaddress.ip_address("192.0.2.9")) == ("first", net)


def test_a_new_list_gets_its_own_table():
    """A reload brings new lists: never the previous snapshot's table."""
    old = [ipaddress.ip_network("192.0.2.0/24")]
    new = [ipaddress.ip_network("198.51.100.0/24")]
    ip = ipaddress.ip_address("198.51.100.1")
    assert compiled(old, lambda n: n).match(ip) is None
    assert compiled(new, lambda n: n).match(ip) == new[0]
    assert not is_trusted(ip, old) and is_trusted(ip, new)


@given(st.one_of(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address),
                 st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)))
def test_non_routable_equals_the_registry_scan(a):
    assert non_routable(a) == any(a.version == n.version and a in n for n in _NON_ROUTABLE)
