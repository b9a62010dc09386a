"""Region map files an SRE, a tool or an attacker with write access could produce: each is a
`file:line: key: message` error in bounded time, never a traceback, a hang or a map that loads
and silently does not do what it says (config red team)."""

from __future__ import annotations

import ipaddress
import time

import pytest

from residency_gateway.regionmap.load import ConfigError, load_region_map
from tests.regionmap.test_load import GOOD, load_text


def errors(tmp_path, text: str) -> list[str]:
    began = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text)
    assert time.monotonic() - began < 10, "a broken map must be refused in bounded time"
    return [str(i) for i in info.value.issues]


def test_aliases_of_aliases_are_refused_not_expanded(tmp_path):
    # "Billion laughs": nine lines, 10^9 values once expanded (the build hung).
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "00.yaml").write_text(GOOD)
    (tmp_path / "maps" / "30-bomb.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as info:
        load_region_map(tmp_path / "maps")
    text = [str(i) for i in info.value.issues]
    assert any("30-bomb.yaml:" in e and "more than 200,000 values" in e for e in text), text


def test_an_alias_used_as_an_alias_is_meant_still_loads(tmp_path):
    text = GOOD.replace('"*": {mechanism: contract, reference: DPA-1}',
                        '"*": &basis {mechanism: contract, reference: DPA-1}\n      SG: *basis')
    loaded = load_text(tmp_path, text)
    assert loaded.rmap.tenants["acme"].legal_bases["SG"].reference == "DPA-1"


@pytest.mark.parametrize("deep", [
    "x: " + "[" * 5000 + "]" * 5000 + "\n",  # the parser's own recursion
    "x: " + "[" * 40 + "]" * 40 + "\n",  # ours
    "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n",  # block style
], ids=["flow-5000", "flow-40", "block-60"])
def test_nesting_too_deep_is_an_error_with_a_file(tmp_path, deep):
    found = errors(tmp_path, GOOD + deep)
    assert any(e.startswith(str(tmp_path / "map.yaml") + ":") and (
        "deeper than 32 levels" in e or "nested too deeply" in e) for e in found), found


def test_credentials_in_an_upstream_url_are_refused_without_repeating_them(tmp_path):
    found = errors(tmp_path, GOOD.replace("https://sg.example.test",
                                          "https://admin:s3cret-pw@sg.example.test"))
    assert any("regions.sg.upstreams" in e and "carries credentials" in e for e in found), found
    assert not any("s3cret" in e or "admin" in e for e in found), found


@pytest.mark.parametrize(("network", "hint"), [
    ("::ffff:203.0.113.0/124", "write 203.0.113.0/28"),  # IPv4-mapped
    ("::203.0.113.0/124", "write 203.0.113.0/28"),  # IPv4-compatible
    ("::ffff:0:cb00:7100/120", None),  # SIIT
    ("2002:cb00:7100::/40", None),  # 6to4 of 203.0.113.0/24
    ("64:ff9b::cb00:7100/120", None),  # NAT64
    ("64:ff9b:1::/64", None),  # local-use NAT64
    ("2001:0:cb00::/48", None),  # Teredo
])
def test_a_cn_pin_written_in_an_ipv6_form_of_ipv4_is_refused(tmp_path, network, hint):
    """The gateway matches overrides against the IPv4 address such a client address carries:
    an override in the IPv6 form itself matched no one, and a CN pin so written kept no
    mainland client in China."""
    found = errors(tmp_path, GOOD + f"cidr_overrides:\n  - {{network: '{network}', "
                                    "jurisdiction: CN}\n")
    assert any("cidr_overrides[0].network" in e and "would match no one" in e
               for e in found), found
    if hint:
        assert any(hint in e for e in found), found


def test_ordinary_ipv6_overrides_still_load(tmp_path):
    loaded = load_text(tmp_path, GOOD + "cidr_overrides:\n  - {network: '240e::/20', "
                                        "jurisdiction: CN}\n  - {network: '2400:cb00::/32', "
                                        "jurisdiction: SG}\n")
    nets = {str(o.network) for o in loaded.rmap.cidr_overrides}
    assert nets == {"240e::/20", "2400:cb00::/32"}


@pytest.mark.parametrize(("proxy", "hint"), [("::ffff:10.0.0.0/104", "write 10.0.0.0/8"),
                                             ("::ffff:0:0/96", None)])
def test_a_trusted_proxy_in_ipv4_mapped_form_is_refused(tmp_path, proxy, hint):
    found = errors(tmp_path, GOOD.replace("trusted_proxies: [10.0.0.0/8]",
                                          f"trusted_proxies: ['{proxy}']"))
    assert any(e.split(": ", 2)[1] == "trusted_proxies" and "never matches" in e
               for e in found), found
    if hint:
        assert any(hint in e for e in found), found
    else:  # no hint to trust all of IPv4
        assert not any("write 0.0.0.0" in e for e in found), found
    assert ipaddress.ip_network(proxy.split("/")[0] + "/128")  # (the test's own input is valid)


@pytest.mark.parametrize("cn_url", [
    "https://sg.example.test",  # a copied line
    "https://SG.Example.Test./v2",  # case, a trailing dot, a path: the same server
    "https://sg.example.test:443",  # the default port written out
])
def test_a_cn_region_naming_an_overseas_server_is_refused(tmp_path, cn_url):
    """Mainland data sent to the CN region (or failing over to it) would reach a server that
    serves Singapore: invariant 1 by config."""
    found = errors(tmp_path, GOOD.replace("upstreams: [https://cn.example.test]",
                                          f"upstreams: ['{cn_url}']"))
    assert any("regions.cn.upstreams[0]" in e and "also a server of region 'sg' (SG)" in e
               for e in found), found


@pytest.mark.parametrize(("cn_url", "sg_url"), [
    ("http://127.1:8080", "http://127.0.0.1:8080"),  # IPv4 shorthand
    ("http://2130706433:8080", "http://127.0.0.1:8080"),  # one number
    ("http://[2001:DB8::1]:8443", "http://[2001:db8:0::1]:8443"),  # IPv6 spellings
])
def test_one_address_spelled_twice_is_one_server(tmp_path, cn_url, sg_url):
    text = GOOD.replace("upstreams: [https://cn.example.test]",
                        f"upstreams: ['{cn_url}']\n    allow_plaintext: true").replace(
        "upstreams: [https://sg.example.test]",
        f"upstreams: ['{sg_url}']\n    allow_plaintext: true")
    found = errors(tmp_path, text)
    assert any("regions.cn.upstreams[0]" in e and "also a server of region 'sg'" in e
               for e in found), found


def test_a_cn_public_endpoint_abroad_is_refused(tmp_path):
    text = GOOD.replace("upstreams: [https://sg.example.test]",
                        "upstreams: [https://sg.example.test]\n"
                        "    public_endpoint: https://kyc.example.sg").replace(
        "upstreams: [https://cn.example.test]",
        "upstreams: [https://cn.example.test]\n    public_endpoint: https://kyc.example.sg/")
    found = errors(tmp_path, text)
    assert any("regions.cn.public_endpoint" in e for e in found), found


def test_another_port_of_an_overseas_host_is_the_same_machine(tmp_path):
    found = errors(tmp_path, GOOD.replace("upstreams: [https://cn.example.test]",
                                          "upstreams: ['https://sg.example.test:8443']"))
    assert any("regions.cn.upstreams[0]" in e and "also a server of region 'sg'" in e
               for e in found), found


def test_on_loopback_each_port_is_a_server_of_its_own(tmp_path):
    # (tests and demos run every region on one machine: there a port is the server)
    text = GOOD.replace("upstreams: [https://cn.example.test]",
                        "upstreams: ['http://127.0.0.1:8001']\n    allow_plaintext: true"
                        ).replace("upstreams: [https://sg.example.test]",
                                  "upstreams: ['http://127.0.0.1:8002']\n"
                                  "    allow_plaintext: true")
    loaded = load_text(tmp_path, text)
    assert loaded.rmap.regions["cn"].upstreams == ["http://127.0.0.1:8001"]
