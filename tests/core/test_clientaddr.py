"""Client address: headers count only from trusted proxies, walked right to left."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residency_gateway.core.clientaddr import (
    embedded_ipv4,
    forwarded_entries,
    forwarded_suffix,
    origin_ip,
    parse_ip,
    resolve_client,
    truncated_prefix,
)

TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32")]


def xff(peer, *values):
    return resolve_client(peer, header_values=values, header_kind="x-forwarded-for",
                          trusted=TRUSTED)


def test_untrusted_peer_cannot_move_its_address_with_a_header():
    got = xff("198.51.100.10", "192.0.2.10")
    assert got.address == "198.51.100.10"
    assert not got.via_trusted_proxy


def test_trusted_peer_header_names_the_client():
    got = xff("10.1.1.1", "192.0.2.10")
    assert got.address == "192.0.2.10" and got.via_trusted_proxy


def test_walk_skips_trusted_hops_and_stops_at_first_untrusted():
    # client forged "192.0.2.10"; the real client 198.51.100.10 was appended by our LB chain
    got = xff("10.1.1.1", "192.0.2.10, 198.51.100.10, 10.2.2.2")
    assert got.address == "198.51.100.10"
    assert got.hops == 2


def test_multiple_header_lines_are_one_list():
    assert xff("10.1.1.1", "192.0.2.10", "198.51.100.10").address == "198.51.100.10"


def test_garbage_from_a_trusted_proxy_makes_the_client_unknown_not_the_proxy():
    got = xff("10.1.1.1", "not-an-ip")
    assert got.address is None and got.note


def test_ports_and_brackets_are_accepted():
    assert xff("10.1.1.1", "198.51.100.10:4711").address == "198.51.100.10"
    assert xff("10.1.1.1", "[2001:db8::1]:443").address == "2001:db8::1"


def test_ipv4_mapped_peer_is_treated_as_ipv4():
    assert xff("::ffff:10.1.1.1", "192.0.2.10").address == "192.0.2.10"


def test_rfc7239_forwarded_for_values():
    entries = forwarded_entries(['for=192.0.2.60;proto=http;by=203.0.113.43',
                                 'for="[2001:db8:cafe::17]:4711", for=198.51.100.17'])
    assert entries == ["192.0.2.60", "[2001:db8:cafe::17]:4711", "198.51.100.17"]
    got = resolve_client("10.0.0.1", header_values=['for=192.0.2.60, for="[2001:db8::9]"'],
                         header_kind="forwarded", trusted=TRUSTED)
    assert got.address == "2001:db8::9"


def test_forwarded_element_without_for_or_obfuscated_is_unknown():
    assert resolve_client("10.0.0.1", header_values=["proto=https"], header_kind="forwarded",
                          trusted=TRUSTED).address is None
    assert resolve_client("10.0.0.1", header_values=["for=_hidden"], header_kind="forwarded",
                          trusted=TRUSTED).address is None


@pytest.mark.parametrize(("address", "prefix"), [("192.0.2.77", "192.0.2.0/24"),
                                                 ("2001:db8:86:1::5", "2001:db8:86::/48"),
                                                 (None, None)])
def test_records_keep_only_a_truncated_prefix(address, prefix):
    assert truncated_prefix(address) == prefix


@pytest.mark.parametrize("value", [
    'for="192.0.2.60, for=198.51.100.17',          # unbalanced quote swallows the next element
    'for=198.51.100.17, for="192.0.2.60',
    'for="192.0.2.60\\", for=198.51.100.17',       # escaped closing quote
    'for=192.0.2.60;for=198.51.100.17',            # a parameter twice
    'for=192.0.2.60 x',                            # not a token
    'for=a"b"',
    'for=',
])
def test_unparseable_forwarded_makes_the_client_unknown(value):
    assert forwarded_entries([value]) is None
    got = resolve_client("10.0.0.1", header_values=[value], header_kind="forwarded",
                         trusted=TRUSTED)
    tail, _ = forwarded_suffix([value])
    if tail:  # a well-formed rightmost element (what a proxy appended) still names the client
        assert got.address == str(parse_ip(tail[-1]))
    else:
        assert got.address is None and got.via_trusted_proxy


def test_malformed_forwarded_reached_by_the_walk_makes_the_client_unknown():
    for values in (['for="192.0.2.60'], ["for=10.0.0.7, by=x"], ['for="oops, for=10.0.0.8']):
        got = resolve_client("10.0.0.1", header_values=values, header_kind="forwarded",
                             trusted=TRUSTED)
        assert got.address is None and got.via_trusted_proxy, values


@pytest.mark.parametrize("junk", ['for="oops', "by=x", 'for=1.2.3.4;for=5.6.7.8', 'for="a\\'])
def test_client_junk_left_of_the_trusted_proxys_element_does_not_hide_the_client(junk):
    """What the proxy appended (the rightmost elements) decides; the client's own text to the
    left is never reached, malformed or not."""
    for values in ([f"{junk}, for=192.0.2.10"], [junk, "for=192.0.2.10"]):
        got = resolve_client("10.0.0.1", header_values=values, header_kind="forwarded",
                             trusted=TRUSTED)
        assert got.address == "192.0.2.10", (values, got)


def test_quoted_strings_undo_their_escapes():
    assert forwarded_entries(['for="\\[2001:db8::1\\]"']) == ["[2001:db8::1]"]


V4 = ipaddress.IPv4Address


@pytest.mark.parametrize(("form", "v4"), [
    ("::ffff:192.0.2.10", "192.0.2.10"), ("::192.0.2.10", "192.0.2.10"),
    ("2002:c000:020a::1", "192.0.2.10"), ("2002:c000:20a:1:2:3:4:5", "192.0.2.10"),
    ("64:ff9b::192.0.2.10", "192.0.2.10"), ("64:ff9b:1::c000:20a", "192.0.2.10"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdf5", "192.0.2.10"),
])
def test_ipv6_forms_that_embed_ipv4_name_the_ipv4_network(form, v4):
    assert embedded_ipv4(ipaddress.ip_address(form)) == V4(v4)
    assert truncated_prefix(form) == "192.0.2.0/24"


@given(st.ip_addresses(v=4))
def test_every_embedding_of_any_ipv4_address_is_undone(v4):
    n = int(v4)
    forms = [ipaddress.IPv6Address((0xFFFF << 32) | n), ipaddress.IPv6Address((0x2002 << 112) | (n << 80)),
             ipaddress.IPv6Address((0x64FF9B << 96) | n),
             ipaddress.IPv6Address((0x0064FF9B0001 << 80) | n),
             ipaddress.IPv6Address((0x20010000 << 96) | (~n & 0xFFFFFFFF))]
    if n > 0xFFFF:
        forms.append(ipaddress.IPv6Address(n))
    for form in forms:
        assert origin_ip(form) == v4


def test_trust_is_never_granted_through_an_embedded_form():
    trusted = [ipaddress.ip_network("10.0.0.0/8")]
    got = resolve_client("2002:a00:1::1", header_values=["192.0.2.10"],
                         header_kind="x-forwarded-for", trusted=trusted)
    assert not got.via_trusted_proxy and got.address == "2002:a00:1::1"
