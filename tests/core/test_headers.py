"""Header rules: hop-by-hop removed, X-Residency-* only from the gateway, X-Forwarded-For
written by the gateway from the chain it vouches for."""

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from residency_gateway.core.clientaddr import resolve_client
from residency_gateway.core.headers import downstream_response_headers, upstream_request_headers


def names(headers):
    return [n.lower() for n, _ in headers]


def test_hop_by_hop_and_connection_named_fields_are_removed():
    out = upstream_request_headers(
        [("Connection", "keep-alive, X-Secret-Hop"), ("X-Secret-Hop", "1"), ("Keep-Alive", "5"),
         ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Authorization", "x"),
         ("Transfer-Encoding", "chunked"), ("Accept", "*/*")],
        peer="10.0.0.1", chain=(), host=None, residency={}, keep_content_length=False)
    assert names(out) == ["accept", "x-forwarded-for"]


def test_client_residency_headers_never_pass_and_gateway_ones_do():
    out = upstream_request_headers(
        [("X-Residency-Origin", "SG"), ("x-residency-region", "sg")], peer="10.0.0.1",
        chain=(), host=None, residency={"X-Residency-Origin": "CN"},
        keep_content_length=False)
    assert [v for n, v in out if n.lower() == "x-residency-origin"] == ["CN"]
    assert "x-residency-region" not in names(out)


def xff_sent(peer, values, *, trusted=("10.0.0.0/8", "127.0.0.1/32"), kind="x-forwarded-for"):
    nets = [ipaddress.ip_network(n) for n in trusted]
    client = resolve_client(peer, header_values=values, header_kind=kind, trusted=nets)
    out = upstream_request_headers([("X-Forwarded-For", v) for v in values], peer=peer,
                                   chain=client.chain, host=None, residency={},
                                   keep_content_length=False)
    sent = [v for n, v in out if n.lower() == "x-forwarded-for"]
    assert len(sent) == 1
    return sent[0]


def test_xff_is_the_vouched_chain_for_a_trusted_peer_and_the_peer_for_others():
    assert xff_sent("10.0.0.1", ["192.0.2.1"]) == "192.0.2.1, 10.0.0.1"
    assert xff_sent("198.51.100.1", ["192.0.2.1"]) == "198.51.100.1"
    # through trusted hops, each in canonical form (ports, brackets, zone ids, mapped forms)
    assert xff_sent("10.0.0.1", ["192.0.2.1:4711", "[::ffff:10.0.0.7]:80, 10.0.0.9"]) == \
        "192.0.2.1, 10.0.0.7, 10.0.0.9, 10.0.0.1"
    assert xff_sent("10.0.0.1", ["[2001:0DB8::0001%eth0]"]) == "2001:db8::1, 10.0.0.1"


def test_what_a_client_wrote_left_of_its_own_address_is_not_passed_on():
    """A trusted load balancer appends the client's address to whatever the client sent: the
    elements left of it are the client's own words. They were forwarded unread, so
    "X-Forwarded-For: <ID>, <client>" carried an ID number to the upstream abroad."""
    for left in ("110101199003071234", "13912345678, 8.8.8.8", "unknown", "_hidden",
                 "tel:+86 139 1234 5678", "1101:0119:9003:0712:34::", "a" * 500):
        assert xff_sent("10.0.0.1", [f"{left}, 198.51.100.10"]) == "198.51.100.10, 10.0.0.1"
        assert xff_sent("10.0.0.1", [left, "198.51.100.10"]) == "198.51.100.10, 10.0.0.1"
    # a chain that cannot be read passes on only the trusted hops read before the bad element
    assert xff_sent("10.0.0.1", ["198.51.100.10, 13912345678, 10.0.0.5"]) == \
        "10.0.0.5, 10.0.0.1"
    assert xff_sent("10.0.0.1", ["110101199003071234"]) == "10.0.0.1"
    # with the Forwarded setting an X-Forwarded-For is not read, nor passed on
    assert xff_sent("10.0.0.1", ["110101199003071234"], kind="forwarded") == "10.0.0.1"


_ELEMENT = st.one_of(
    st.ip_addresses().map(str),
    st.text(alphabet="0123456789abcdef:.[]_-% ", max_size=40),
    st.sampled_from(["10.0.0.3", "127.0.0.1", "unknown", "110101199003071234"]),
)


@given(st.lists(_ELEMENT, min_size=1, max_size=6), st.sampled_from(["10.0.0.1", "192.0.2.77"]))
def test_every_element_passed_on_is_a_canonical_address_the_walk_read(elements, peer):
    sent = xff_sent(peer, [", ".join(elements)])
    hops = sent.split(", ")
    assert hops[-1] == peer
    for hop in hops[:-1]:
        assert str(ipaddress.ip_address(hop)) == hop  # canonical, nothing else
    # and only what the walk from the right reached: a suffix of the elements as read
    assert len(hops) - 1 <= len([e for e in ", ".join(elements).split(",") if e.strip()])


def test_response_hop_by_hop_removed_and_residency_added():
    out = downstream_response_headers(
        [("Connection", "close"), ("Content-Type", "application/json"),
         ("X-Residency-Region", "forged")], {"X-Residency-Region": "cn"})
    assert out == [("Content-Type", "application/json"), ("X-Residency-Region", "cn")]
