"""Invariant 1 as a property: for every region map that passes validation and every generated
request, a mainland-origin decision never names a non-China region (primary or fallback)."""

import datetime as dt
import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from residency_gateway.core.payload import scan_json
from residency_gateway.core.values import MAINLAND, Action
from residency_gateway.regionmap.load import ConfigError, LoadedMap, from_mapping, policy_version
from residency_gateway.regionmap.schema import RegionMap
from tests.helpers import ADULT_ID, CHILD_ID, CN_MOBILE, NOW, decide_for

JURIS = ["CN", "SG", "ID", "JP", "HK", "TW", "US"]
REGION_IDS = ["cn", "cn2", "sg", "id", "jp", "hk", "us"]
ADDRESSES = ["192.0.2.10", "192.0.2.200", "198.51.100.10", "198.51.100.70", "198.51.100.130",
             "203.0.113.9", "203.0.113.140", "203.0.113.201", "10.0.0.7", "2001:db8:86::1",
             "2001:db8:81::5", "not-an-ip", "127.0.0.1"]


@st.composite
def region_maps(draw, biased=True):
    """Maps shaped like real ones. `biased` steers choices towards maps that pass the load-time
    invariants; unbiased maps only pass the schema and test the core's own defence in depth."""
    extra = draw(st.lists(st.sampled_from(REGION_IDS[1:]), max_size=5, unique=True))
    rids = ["cn", *extra] if biased else (extra or ["cn"])
    regions = {r: {"jurisdiction": "CN" if r == "cn" else draw(st.sampled_from(JURIS)),
                   "upstreams": [f"https://{r}.example.test"]} for r in rids}
    cn = [r for r in rids if regions[r]["jurisdiction"] == "CN"]
    abroad = [r for r in rids if regions[r]["jurisdiction"] != "CN"] or rids
    some_region = st.sampled_from(rids)
    tenants = {}
    for tid in draw(st.lists(st.sampled_from(["t1", "t2", "t3"]), min_size=1, unique=True)):
        tenant = {"overseas_region": draw(st.sampled_from(abroad if biased else rids))}
        if draw(st.booleans()) or (biased and len(cn) > 1):
            tenant["china_region"] = draw(st.sampled_from(cn if biased and cn else rids))
        pin_region = (lambda j: st.sampled_from(cn if j == "CN" else abroad)) if biased else (
            lambda j: some_region)
        pins = {}
        for j in draw(st.lists(st.sampled_from(JURIS), max_size=3, unique=True)):
            pins[j] = draw(pin_region(j))
        tenant["pins"] = pins
        tenant["fallbacks"] = draw(st.lists(some_region, max_size=4))
        tenant["unknown_origin"] = draw(st.sampled_from(["reject", "overseas", "china"]))
        keys = draw(st.lists(st.sampled_from([*(JURIS[1:] if biased else JURIS), "*"]),
                             max_size=3, unique=True))
        tenant["legal_bases"] = {k: {"mechanism": "contract", "reference": "r"} for k in keys}
        tenants[tid] = tenant
    overrides = draw(st.lists(st.fixed_dictionaries({
        "network": st.sampled_from(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                    "10.0.0.0/8", "2001:db8::/32"]),
        "jurisdiction": st.sampled_from(JURIS)}), max_size=3, unique_by=lambda o: o["network"]))
    return {"version": 1, "regions": regions, "tenants": tenants, "cidr_overrides": overrides,
            "trusted_proxies": ["127.0.0.1/32", "10.0.0.0/8"],
            "transfer_rules": draw(st.dictionaries(
                st.sampled_from([j for j in JURIS if j != "CN"]),
                st.fixed_dictionaries({"legal_basis_required": st.booleans()}), max_size=2))}


payload_docs = st.lists(st.sampled_from([ADULT_ID, CHILD_ID, CN_MOBILE, "+65 8123 4567",
                                         "hello", "110105194912310021"]), max_size=3)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=region_maps(), peer=st.sampled_from(["127.0.0.1", "10.1.1.1", "198.51.100.10"]),
       xff=st.one_of(st.none(), st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=3)),
       tenant=st.sampled_from(["t1", "t2", "t3", None]), doc=payload_docs,
       consent=st.booleans())
def test_mainland_origin_never_names_a_non_china_region(data, peer, xff, tenant, doc, consent):
    try:
        lm = from_mapping(data)
    except ConfigError:
        assume(False)
        return
    check_request(lm, peer, xff, tenant, doc, consent)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=region_maps(biased=False), peer=st.sampled_from(["127.0.0.1", "198.51.100.10"]),
       xff=st.one_of(st.none(), st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=3)),
       tenant=st.sampled_from(["t1", "t2", None]), doc=payload_docs, consent=st.booleans())
def test_core_keeps_mainland_in_china_even_with_a_map_that_skipped_invariants(
        data, peer, xff, tenant, doc, consent):
    """Not by config: even a map that only passed the schema cannot send CN data abroad."""
    try:
        rmap = RegionMap.model_validate(data)
    except ValidationError:
        assume(False)
        return
    check_request(LoadedMap(rmap, policy_version(rmap), ("<raw>",), (), {}), peer, xff, tenant,
                  doc, consent)


def check_request(lm, peer, xff, tenant, doc, consent):
    scan = scan_json(json.dumps({"items": doc}).encode(), key=b"k" * 32, today=NOW.date())
    d = decide_for(lm, peer=peer, xff=", ".join(xff) if xff else None, tenant=tenant,
                   payload=scan, headers={"X-Guardian-Consent": "yes"} if consent else {})
    named = [r for r in (d.region, *d.fallbacks) if r is not None]
    if d.origin.jurisdiction == MAINLAND:
        assert all(lm.rmap.regions[r].jurisdiction == MAINLAND for r in named), d
    # A credible mainland payload signal always makes the origin CN.
    if d.action is Action.FORWARD and (ADULT_ID in doc or CN_MOBILE in doc or CHILD_ID in doc):
        assert d.origin.jurisdiction == MAINLAND
        assert lm.rmap.regions[d.region].jurisdiction == MAINLAND
    if d.action is Action.FORWARD and d.cross_border:
        assert d.origin.jurisdiction != MAINLAND


@settings(max_examples=200, deadline=None)
@given(born=st.dates(min_value=dt.date(1900, 1, 1), max_value=NOW.date()))
def test_child_ids_are_never_forwarded_without_consent(born):
    from tests.helpers import loaded, resident_id

    scan = scan_json(json.dumps({"id": resident_id(born)}).encode(), key=b"k" * 32,
                     today=NOW.date())
    d = decide_for(loaded(), xff="192.0.2.10", payload=scan)
    from residency_gateway.core.idnumber import age_on

    assert (d.action is Action.REJECT) == (age_on(born, NOW.date()) < 14)


requests_ = st.lists(st.tuples(
    st.sampled_from(["127.0.0.1", "10.1.1.1", "198.51.100.10"]),
    st.one_of(st.none(), st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2)),
    st.sampled_from(["t1", "t2"]), payload_docs, st.booleans(),
    st.sampled_from([None, "cn", "sg", "jp"]), st.booleans()), min_size=6, max_size=16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=region_maps(), seq=requests_,
       placement=st.sampled_from([None, "redirect", "per_origin"]))
def test_remembered_decisions_equal_decisions_made_afresh(data, seq, placement):
    """decide() remembers client addresses, network signals and routes per map snapshot: in
    any order of requests, each decision equals the one made with nothing remembered."""
    from residency_gateway.core import policy
    from residency_gateway.core.policy import RequestFacts, decide
    from tests.helpers import table_geo

    if placement is not None:
        for rid, region in data["regions"].items():
            region["public_endpoint"] = f"https://{rid}.public.test"
        data["placement"] = ({"default": "redirect"} if placement == "redirect" else
                             {"per_origin": {"SG": "redirect", "unknown": "redirect"}})
    try:
        lm = from_mapping(data)
    except ConfigError:
        assume(False)
        return
    policy._MEMOS.clear()
    for peer, xff, tenant, doc, consent, here, placed in seq:
        scan = scan_json(json.dumps({"items": doc}).encode(), key=b"k" * 32, today=NOW.date())
        hdrs = [("x-forwarded-for", ", ".join(xff))] if xff else []
        hdrs += [("x-tenant-id", tenant), *([("x-guardian-consent", "yes")] if consent else [])]
        facts = RequestFacts(peer=peer, headers=tuple(hdrs), payload=scan, placed=placed)
        here = here if here in lm.rmap.regions else None
        remembered = decide(facts, lm.rmap, lm.version, table_geo, NOW, "d", gateway_region=here)
        saved = list(policy._MEMOS)
        policy._MEMOS.clear()
        fresh = decide(facts, lm.rmap, lm.version, table_geo, NOW, "d", gateway_region=here)
        policy._MEMOS[:] = saved
        assert remembered == fresh
