"""Header rules: hop-by-hop removed, X-Residency-* only from the gateway, XFF appended."""

from residency_gateway.core.headers import downstream_response_headers, upstream_request_headers


def names(headers):
    return [n.lower() for n, _ in headers]


def test_hop_by_hop_and_connection_named_fields_are_removed():
    out = upstream_request_headers(
        [("Connection", "keep-alive, X-Secret-Hop"), ("X-Secret-Hop", "1"), ("Keep-Alive", "5"),
         ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Authorization", "x"),
         ("Transfer-Encoding", "chunked"), ("Accept", "*/*")],
        peer="10.0.0.1", peer_trusted=False, host=None, residency={}, keep_content_length=False)
    assert names(out) == ["accept", "x-forwarded-for"]


def test_client_residency_headers_never_pass_and_gateway_ones_do():
    out = upstream_request_headers(
        [("X-Residency-Origin", "SG"), ("x-residency-region", "sg")], peer="10.0.0.1",
        peer_trusted=True, host=None, residency={"X-Residency-Origin": "CN"},
        keep_content_length=False)
    assert [v for n, v in out if n.lower() == "x-residency-origin"] == ["CN"]
    assert "x-residency-region" not in names(out)


def test_xff_appended_for_trusted_peer_and_replaced_for_untrusted():
    trusted = upstream_request_headers([("X-Forwarded-For", "192.0.2.1")], peer="10.0.0.1",
                                       peer_trusted=True, host=None, residency={},
                                       keep_content_length=False)
    assert dict(trusted)["X-Forwarded-For"] == "192.0.2.1, 10.0.0.1"
    untrusted = upstream_request_headers([("X-Forwarded-For", "192.0.2.1")], peer="198.51.100.1",
                                         peer_trusted=False, host=None, residency={},
                                         keep_content_length=False)
    assert dict(untrusted)["X-Forwarded-For"] == "198.51.100.1"


def test_response_hop_by_hop_removed_and_residency_added():
    out = downstream_response_headers(
        [("Connection", "close"), ("Content-Type", "application/json"),
         ("X-Residency-Region", "forged")], {"X-Residency-Region": "cn"})
    assert out == [("Content-Type", "application/json"), ("X-Residency-Region", "cn")]
