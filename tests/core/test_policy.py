"""The policy, table by table: where each kind of request goes and why."""

import datetime as dt
import json

import pytest

from residency_gateway.core.payload import scan_json
from residency_gateway.core.values import REJECT_STATUS, Action, Reason
from tests.helpers import ADDR, ADULT_ID, CHILD_ID, CN_MOBILE, decide_for, loaded, region_map

KEY = b"k" * 32


def body(doc, now=dt.date(2026, 11, 29)):
    return scan_json(json.dumps(doc).encode(), key=KEY, today=now)


@pytest.mark.parametrize(("where", "tenant", "region", "first_reason"), [
    ("CN", "acme", "cn", Reason.MAINLAND_DOMESTIC),
    ("CN6", "acme", "cn", Reason.MAINLAND_DOMESTIC),
    ("HK", "acme", "sg", Reason.TENANT_OVERSEAS_REGION),
    ("TW", "acme", "sg", Reason.TENANT_OVERSEAS_REGION),
    ("SG", "acme", "sg", Reason.TENANT_OVERSEAS_REGION),
    ("JP", "acme", "sg", Reason.TENANT_OVERSEAS_REGION),
    ("US", "acme", "sg", Reason.TENANT_OVERSEAS_REGION),
    ("ID", "bank", "id", Reason.LOCALISATION_PIN),
    ("JP", "bank", "sg", Reason.TENANT_OVERSEAS_REGION),
])
def test_routes_by_origin_and_tenant(where, tenant, region, first_reason):
    d = decide_for(loaded(), xff=ADDR[where], tenant=tenant)
    assert d.action is Action.FORWARD
    assert d.region == region
    assert d.reasons[0] is first_reason


def test_cross_border_transfer_names_its_legal_basis():
    d = decide_for(loaded(), xff=ADDR["HK"])
    assert d.cross_border is True
    assert d.legal_basis is not None and d.legal_basis.reference == "DPA-1"
    assert Reason.CROSS_BORDER_WITH_BASIS in d.reasons


def test_domestic_transfer_needs_no_basis():
    d = decide_for(loaded(), xff=ADDR["SG"])
    assert d.cross_border is False and d.legal_basis is None


def test_transfer_without_configured_basis_is_refused_451():
    d = decide_for(loaded(), xff=ADDR["SG"], tenant="nobasis")
    assert d.action is Action.REJECT and d.status == 451
    assert d.reject_reason is Reason.NO_LEGAL_BASIS


def test_basis_limited_to_other_destinations_does_not_cover():
    data = region_map()
    data["tenants"]["acme"]["legal_bases"] = {
        "*": {"mechanism": "contract", "reference": "x", "destinations": ["jp"]}}
    d = decide_for(loaded(data), xff=ADDR["HK"])
    assert d.reject_reason is Reason.NO_LEGAL_BASIS


def test_transfer_rules_can_waive_basis_for_a_jurisdiction():
    data = region_map(transfer_rules={"SG": {"legal_basis_required": False}})
    d = decide_for(loaded(data), xff=ADDR["SG"], tenant="nobasis")
    assert d.action is Action.FORWARD and d.region == "jp" and d.legal_basis is None


def test_cidr_override_beats_geoip():
    d = decide_for(loaded(), xff="203.0.113.201")  # GeoIP: US; override: CN
    assert d.region == "cn"
    assert d.origin.signals[0].kind.value == "cidr_override"


@pytest.mark.parametrize("where", ["NONE", "10.1.2.3", "127.0.0.5", "192.168.1.1", "fe80::1"])
def test_unknown_origin_is_refused_by_default(where):
    d = decide_for(loaded(), xff=ADDR.get(where, where))
    assert d.reject_reason is Reason.UNKNOWN_ORIGIN
    assert d.origin.jurisdiction is None


def test_unknown_origin_follows_tenant_rule_when_configured():
    d = decide_for(loaded(), xff=ADDR["NONE"], tenant="lenient")
    assert d.action is Action.FORWARD and d.region == "sg"
    assert d.reasons[0] is Reason.UNKNOWN_ORIGIN_ROUTED and d.cross_border is None


def test_mainland_id_in_payload_from_abroad_keeps_data_in_china():
    d = decide_for(loaded(), xff=ADDR["SG"], payload=body({"id": ADULT_ID}))
    assert d.region == "cn"
    assert d.origin.conflict is True
    assert d.origin.rule == "credible_mainland_signal:resident_id"


def test_mainland_mobile_in_payload_keeps_data_in_china():
    d = decide_for(loaded(), xff=ADDR["JP"], payload=body({"tel": CN_MOBILE}))
    assert d.region == "cn"


def test_mobile_signal_can_be_made_non_credible_but_is_still_recorded():
    data = region_map(payload={"credible_signals": ["resident_id"]})
    d = decide_for(loaded(data), xff=ADDR["JP"], payload=body({"tel": CN_MOBILE}))
    assert d.region == "sg"
    assert any(s.kind.value == "mobile_phone" and not s.credible for s in d.origin.signals)


def test_invalid_checksum_is_not_a_mainland_signal():
    bad = ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")
    d = decide_for(loaded(), xff=ADDR["SG"], payload=body({"id": bad}))
    assert d.region == "sg"


def test_hk_residence_permit_is_not_a_mainland_signal():
    from tests.helpers import resident_id

    permit = resident_id(dt.date(1980, 1, 1), area="810000")
    d = decide_for(loaded(), xff=ADDR["SG"], payload=body({"id": permit}))
    assert d.region == "sg"
    assert d.origin.signals[1].jurisdiction == "HK"


def test_child_without_guardian_consent_is_refused():
    d = decide_for(loaded(), xff=ADDR["SG"], payload=body({"id": CHILD_ID}))
    assert d.reject_reason is Reason.MINOR_WITHOUT_CONSENT and d.status == 451


def test_child_with_guardian_consent_is_served_and_stays_in_china():
    d = decide_for(loaded(), xff=ADDR["SG"], payload=body({"id": CHILD_ID}),
                   headers={"X-Guardian-Consent": "consent-ref-42"})
    assert d.action is Action.FORWARD and d.region == "cn"
    assert Reason.GUARDIAN_CONSENT_PRESENT in d.reasons


def test_fourteenth_birthday_is_no_longer_a_child():
    from tests.helpers import NOW, resident_id

    born = dt.date(NOW.year - 14, NOW.month, NOW.day)
    d = decide_for(loaded(), xff=ADDR["CN"], payload=body({"id": resident_id(born)}))
    assert d.action is Action.FORWARD


@pytest.mark.parametrize(("peer", "tenant", "headers", "reason", "status"), [
    ("127.0.0.1", None, {}, Reason.MISSING_TENANT_CREDENTIAL, 401),
    ("127.0.0.1", "  ", {}, Reason.MALFORMED_TENANT_CREDENTIAL, 400),
    ("127.0.0.1", None, {"X-Api-Key": " "}, Reason.MALFORMED_TENANT_CREDENTIAL, 400),
    ("127.0.0.1", "nobody", {}, Reason.UNKNOWN_TENANT, 403),
    ("198.51.100.10", "acme", {}, Reason.UNTRUSTED_TENANT_HEADER, 403),
    ("127.0.0.1", None, {"X-Api-Key": "wrong"}, Reason.UNKNOWN_TENANT, 403),
    ("127.0.0.1", "acme", {"X-Api-Key": "key-keyed-1"}, Reason.TENANT_CONFLICT, 403),
])
def test_tenant_must_come_from_a_trusted_source(peer, tenant, headers, reason, status):
    """Integration mistakes are 401/400/403, never 451 (a legal refusal)."""
    d = decide_for(loaded(), peer=peer, xff=None, tenant=tenant, headers=headers)
    assert d.reject_reason is reason and d.status == status


def test_451_is_only_for_legal_refusals():
    """The one reason -> status table: 451 exactly for what the law refuses, every reject
    reason has a status."""
    legal = {Reason.UNKNOWN_ORIGIN, Reason.NO_LEGAL_BASIS, Reason.MINOR_WITHOUT_CONSENT,
             Reason.NO_ROUTE}
    assert {r for r, s in REJECT_STATUS.items() if s == 451} == legal
    rejects = set(Reason) - {Reason.MAINLAND_DOMESTIC, Reason.TENANT_OVERSEAS_REGION,
                             Reason.LOCALISATION_PIN, Reason.DOMESTIC,
                             Reason.CROSS_BORDER_WITH_BASIS, Reason.UNKNOWN_ORIGIN_ROUTED,
                             Reason.GUARDIAN_CONSENT_PRESENT, Reason.PLACEMENT_REDIRECT}
    assert set(REJECT_STATUS) == rejects


def test_api_key_identifies_tenant_from_any_peer():
    d = decide_for(loaded(), peer="198.51.100.10", tenant=None, headers={"X-Api-Key": "key-keyed-1"})
    assert d.tenant == "keyed" and d.region == "sg"


def test_header_only_mode_ignores_api_keys():
    data = region_map(tenant_identification={"mode": "header"})
    d = decide_for(loaded(data), tenant=None, headers={"X-Api-Key": "key-keyed-1"})
    assert d.reject_reason is Reason.MISSING_TENANT_CREDENTIAL and d.status == 401
    assert d.steps[-1] == "no tenant credential: send X-Tenant-ID"


@pytest.mark.parametrize(("tenant", "where", "fallbacks"), [
    ("acme", "CN", ("cn2",)),  # China fails over only inside China
    ("acme", "HK", ("jp",)),  # overseas only to overseas fallbacks with a basis
    ("bank", "ID", ()),  # a pin holds through failover
    ("nobasis", "JP", ()),
])
def test_fallbacks_never_cross_the_residency_rules(tenant, where, fallbacks):
    d = decide_for(loaded(), xff=ADDR[where], tenant=tenant)
    assert d.fallbacks == fallbacks


def test_payload_errors_refuse_with_their_status():
    from residency_gateway.core.values import PayloadScan

    d = decide_for(loaded(), xff=ADDR["SG"],
                   payload=PayloadScan(False, note="bad", error=Reason.MALFORMED_PAYLOAD))
    assert d.reject_reason is Reason.MALFORMED_PAYLOAD and d.status == 400


def test_data_categories_come_from_path_rules_and_findings():
    data = region_map(data_categories=[{"path_prefix": "/v1/ocr", "categories": ["id_card_image"]}])
    d = decide_for(loaded(data), xff=ADDR["CN"], path="/v1/ocr/front",
                   payload=body({"id": ADULT_ID}))
    assert d.categories == ("id_card_image", "id_number")


def test_decision_steps_explain_every_rule_applied():
    d = decide_for(loaded(), xff=ADDR["HK"])
    text = " | ".join(d.steps)
    assert "tenant acme" in text and "origin HK" in text and "DPA-1" in text


def test_remembered_routes_keep_placement_marker_gateway_region_and_origin_apart():
    """decide() remembers routes per map snapshot; the inputs that change a route must each
    give their own answer in any order (a redirected request is never redirected again)."""
    from residency_gateway.core.policy import RequestFacts, decide
    from tests.helpers import NOW, table_geo

    data = region_map(placement={"default": "forward", "per_origin": {"SG": "redirect"}})
    for rid, region in data["regions"].items():
        region["public_endpoint"] = f"https://{rid}.kyc.example.test"
    lm = loaded(data)

    def one(xff: str, here: str, placed: bool) -> tuple[str, str | None]:
        facts = RequestFacts(peer="127.0.0.1", headers=(
            ("x-forwarded-for", xff), ("x-tenant-id", "acme")), placed=placed)
        d = decide(facts, lm.rmap, lm.version, table_geo, NOW, "d", gateway_region=here)
        return d.action.value, d.region

    sg, jp = ADDR["SG"], ADDR["JP"]
    for _ in range(2):  # the second round answers from what the first remembered
        assert one(sg, "cn", False) == ("redirect", "sg")
        assert one(sg, "cn", True) == ("forward", "sg")  # placed once: never bounced again
        assert one(sg, "sg", False) == ("forward", "sg")
        assert one(jp, "cn", False) == ("forward", "sg")  # JP origin: no redirect rule
