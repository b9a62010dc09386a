"""A GeoIP DB that places no address of one family (IPv4-only, or IPv6-only) is blind to that
family: a mainland client there looks like any private or anycast address. Such a client is
never routed abroad, whatever a tenant's `unknown_origin: overseas` says; `china` and `reject`
apply as written, a credible mainland payload signal still keeps it in China, and addresses of
the family the DB does place follow the usual rules. Checked on the decision core with real
one-family MMDB files and end to end through a real gateway whose only DB is one family."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from residency_gateway.core.origin import GEOIP_FAMILY_UNCOVERED
from residency_gateway.core.policy import RequestFacts, decide
from residency_gateway.core.values import NOT_INSPECTED, Action, Reason
from residency_gateway.geo import GeoDatabase
from tests.helpers import ADULT_ID, NOW, loaded, region_map
from tests.test_badday13_fixes_geo import _one_family

# (an address of each family that the demo networks place: CN, and an overseas one)
ADDRESSES = {4: ("192.0.2.10", "198.51.100.10"), 6: ("2001:db8:86::10", "2001:db8:65::10")}


def one_family_db(directory: Path, family: int) -> Path:
    """The demo networks of one address family only (mmdb-writer), as bad-day round 13's."""
    return _one_family(directory, family)


def _decide(geo: GeoDatabase, tenant: str, address: str, map_edit: dict | None = None,
            payload=NOT_INSPECTED):
    lm = loaded(region_map(**(map_edit or {})))
    facts = RequestFacts(peer="127.0.0.1", headers=(("x-forwarded-for", address),
                                                    ("x-tenant-id", tenant)),
                         path="/v1/compare", payload=payload)
    return decide(facts, lm.rmap, lm.version, geo, NOW, "d-test")


@pytest.fixture(params=[4, 6], ids=["ipv4-only", "ipv6-only"])
def only(request, tmp_path):
    family = request.param
    db = GeoDatabase(one_family_db(tmp_path, family))
    assert db.families == {family}
    yield family, db
    db.close()


def test_the_uncovered_family_is_answered_blind_not_silent(only):
    family, db = only
    other = 6 if family == 4 else 4
    for address in ADDRESSES[other]:
        answer = db(address)
        assert answer.country is None and answer.uncovered
        assert db(address).uncovered  # (and so from the cache)
    cn, overseas = ADDRESSES[family]
    assert db(cn).country == "CN" and not db(cn).uncovered
    assert db(overseas).country in {"SG"} and not db(overseas).uncovered


def test_overseas_unknown_origin_never_sends_a_blind_family_abroad(only):
    family, db = only
    other = 6 if family == 4 else 4
    for address in ADDRESSES[other]:  # a mainland and an overseas client: they look the same
        d = _decide(db, "lenient", address)  # lenient: unknown_origin overseas
        assert d.action is Action.REJECT, d
        assert d.origin.rule == GEOIP_FAMILY_UNCOVERED
        assert Reason.UNKNOWN_ORIGIN in d.reasons
        assert d.region is None


def test_reject_and_china_apply_as_written_to_a_blind_family(only):
    family, db = only
    other = 6 if family == 4 else 4
    address = ADDRESSES[other][0]
    d = _decide(db, "acme", address)  # unknown_origin: reject (the default)
    assert d.action is Action.REJECT and Reason.UNKNOWN_ORIGIN in d.reasons
    from tests.helpers import BASE_MAP

    tenants = json.loads(json.dumps(BASE_MAP["tenants"]))
    tenants["lenient"]["unknown_origin"] = "china"
    d = _decide(db, "lenient", address, {"tenants": tenants})
    assert d.action is Action.FORWARD and d.region == "cn", d


def test_a_credible_mainland_payload_signal_still_keeps_a_blind_client_in_china(only):
    from residency_gateway.core.payload import scan_json

    family, db = only
    other = 6 if family == 4 else 4
    scan = scan_json(json.dumps({"id": ADULT_ID}).encode(), key=b"k" * 32, today=NOW.date())
    d = _decide(db, "lenient", ADDRESSES[other][1], payload=scan)
    assert d.action is Action.FORWARD and d.region == "cn" and d.origin.jurisdiction == "CN"


def test_the_placed_family_follows_the_usual_rules(only):
    family, db = only
    cn, overseas = ADDRESSES[family]
    d = _decide(db, "lenient", cn)
    assert d.action is Action.FORWARD and d.region == "cn"
    d = _decide(db, "lenient", overseas)
    assert d.action is Action.FORWARD and d.region == "sg"
    # a genuinely unplaced address of the placed family is plain unknown: the tenant decides
    d = _decide(db, "lenient", "203.0.113.9" if family == 4 else "2001:db8:ffff::9")
    assert d.origin.rule == "no_origin_signal"
    assert d.action is Action.FORWARD and d.region == "sg"


@pytest.fixture
def geo_db(tmp_path_factory):  # (overrides conftest's: the gateway's only DB is IPv4-only)
    return one_family_db(tmp_path_factory.mktemp("geo4"), 4)


async def test_end_to_end_an_ipv6_client_of_an_ipv4_only_db_is_refused_not_sent_abroad(
        make_gateway, backends):
    gw = await make_gateway()
    status, headers, body = await gw.post(tenant="lenient", xff="2001:db8:86::10",
                                          json_body={"image": "x"})
    assert status == 451, body
    assert headers["Content-Type"].startswith("application/problem+json")
    assert not backends["sg"].requests and not backends["cn"].requests
    # the IPv4 clients the DB places are served as before
    status, _, _ = await gw.post(tenant="lenient", xff="198.51.100.10", json_body={"image": "x"})
    assert status == 200 and len(backends["sg"].requests) == 1
    decisions = [r for r in gw.records() if r.get("type") == "decision"]
    assert any(GEOIP_FAMILY_UNCOVERED in json.dumps(r) for r in decisions)
