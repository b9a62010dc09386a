"""Round 24: identifiers split or hidden by a document's structure or labels
(core/structure_parts.py, payload._structure_parts, scanner._inside_other_word).

The class of each round's strict xfail fixed here, in its next spellings: YAML aliases (flow
and block sequences, merge keys), objects keyed by shuffled indices, an ID's parts in
label/value rows and with decoy values between, parts labelled out of order, masks merged
and ellipsis masks, literals joined by an operator, spelled birth dates beside a masked ID,
long mantissas outside JSON, payment words inside other words. Then the false-positive side:
ordinary overseas documents that look alike stay clean, measured on seeded random ones
against the same inspection without this round's readings, and the readings' bounds.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator

import pytest

from residency_gateway.core import payload, structure_parts
from residency_gateway.core.structure_parts import (
    gap_joined_ids,
    index_ordered,
    labelled_parts,
    masked_merged,
    operator_joined,
    spelled_dates,
    text_readings,
    yaml_aliases,
)
from tests.core.test_redteam_round6 import found

ID = "110101199003071233"
IDX = "11010119900307109X"
MOBILE = "13912345678"
A, B, C = MOBILE[:3], MOBILE[3:7], MOBILE[7:]
JSON, TEXT, YAML, CSV, HTML = ("application/json", "text/plain", "application/yaml",
                               "text/csv", "text/html")
MASK_ID = "110101********1233"


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def ja(value: object) -> str:
    """JSON as Python writes it by default: every non-ASCII character escaped."""
    return json.dumps(value)


# -- found: the classes in their next spellings ------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "kind"), [
    # YAML aliases: flow and block sequences, quoted anchors, a merge key, a mobile
    ("a: &a 110101\nb: &b '19900307'\nid:\n  - *a\n  - *b\n  - 1233\n", YAML, "id"),
    ("base: &base\n  area: 110101\n  birth: 19900307\nperson:\n  <<: *base\n  seq: 1233\n",
     YAML, "id"),
    ("p: &p 139\nphone: [*p, 1234, 5678]\n", YAML, "mobile"),
    ("a: &a 110101\nid: [*a, 19900307, 109X]\n", YAML, "id"),
    # objects keyed by indices, 0..n-1 or 1..n, strings or numbers, nested
    (j({"id": {"3": "1233", "1": "110101", "2": "19900307"}}), JSON, "id"),
    (j({"tel": {"1": "1234", "2": "5678", "0": "139"}}), JSON, "mobile"),
    (j([{"x": {"2": "1233", "0": "110101", "1": "19900307"}}]), JSON, "id"),
    (j({"id": {"2": 1233, "0": 110101, "1": 19900307}}), JSON, "id"),
    # label/value rows: CSV and TSV, Chinese labels, k/v and key/value lists, dl, an X
    ("项目,值\n地区,110101\n出生,19900307\n顺序码,1233\n", CSV, "id"),
    ("part\tvalue\narea\t110101\nbirth\t19900307\nseq\t1233\n", "text/tab-separated-values",
     "id"),
    (j([{"k": "area", "v": "110101"}, {"k": "birth", "v": "19900307"},
        {"k": "seq", "v": "1233"}]), JSON, "id"),
    (j([{"key": "area", "value": "110101"}, {"key": "dob", "value": "19900307"},
        {"key": "seq", "value": "1233"}]), JSON, "id"),
    ("<dl><dt>area</dt><dd>110101</dd><dt>birth</dt><dd>19900307</dd><dt>seq</dt>"
     "<dd>109X</dd></dl>", HTML, "id"),
    ('[{"110101": "n/a"}, {"19900307": "ok"}, {"1233": ""}]', JSON, "id"),
    # parts labelled by their place, out of order
    (j({"t": "后四位1233，前六位110101，出生日期19900307"}), JSON, "id"),
    (ja({"t": "后四位1233，前六位110101，出生日期19900307"}), JSON, "id"),
    (j({"t": f"手机尾号{C}，前三位{A}，中间四位{B}"}), JSON, "mobile"),
    (f"mobile: middle {B}; last 4 digits {C}; first 3 {A}", TEXT, "mobile"),
    (j({"phone": {"last_four": C, "first_three": A, "middle": B}}), JSON, "mobile"),
    # masks: an ellipsis (three points, U+2026 raw or escaped), two copies merged
    (j({"t": f"phone {A}...{C}, middle four {B}"}), JSON, "mobile"),
    (ja({"t": f"手机：{A}\u2026{C}，中间四位是{B}"}), JSON, "mobile"),
    (j({"a": MASK_ID, "b": "******19900307****"}), JSON, "id"),
    (j({"t": f"{A}\u25cf\u25cf\u25cf\u25cf{C} / {A}{B}\u25cf\u25cf\u25cf\u25cf"}), JSON,
     "mobile"),
    (f"tel {A}xxxx{C} and {A}{B}xxxx", TEXT, "mobile"),
    # literals joined by an operator: PHP, Lua, VB, JavaScript (an ID)
    ("<?php $p = '139' . '12345678';", TEXT, "mobile"),
    ('local p = "139" .. "1234" .. "5678"', TEXT, "mobile"),
    ('p = "1391234" & "5678"', TEXT, "mobile"),
    (j({"code": "const v = '110101' + '19900307' + '1233';"}), JSON, "id"),
    # birth dates spelled out beside a masked ID
    (j({"id": MASK_ID, "dob": "7th March 1990"}), JSON, "id"),
    (j({"id": MASK_ID, "dob": "Mar. 7, 1990"}), JSON, "id"),
    (ja({"身份证": MASK_ID, "生日": "一九九〇年三月七日"}), JSON, "id"),
    (j({"id": "110101********1233", "dob": "一九九〇年三月七日"}), JSON, "id"),
    # long mantissas with no point outside JSON
    ("name,t\nA,139123456780e-1\n", CSV, "mobile"),
    ("t=139123456780e-1", "application/x-www-form-urlencoded", "mobile"),
    ("t: 1391234567.8E1\n", YAML, "mobile"),
    # a payment word inside another word labels nothing
    ('{"recorder":"110101900307123"}', JSON, "id"),
    ('{"taxi":"110101900307123"}', JSON, "id"),
])
def test_structure_hidden_identifiers_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize("date", ["十月七日", "十二月三十一日"])
def test_chinese_month_and_day_with_tens(date):
    assert spelled_dates(f"id {MASK_ID} 一九九〇年{date}") is not None
    assert "1990-10-07" in (spelled_dates(f"id {MASK_ID} 一九九〇年十月七日") or "")


@pytest.mark.parametrize(("era", "iso"), [("平成2年3月7日", "1990-03-07"),
                                           ("昭和64年1月7日", "1989-01-07"),
                                           ("平成元年1月8日", "1989-01-08")])
def test_japanese_eras(era, iso):
    assert iso in (spelled_dates(f"id {MASK_ID} {era}") or "")


# -- clean: what looks alike -----------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type"), [
    # a row's columns with punctuation alone between them (the joined-fields reading's)
    ("pin,date,amount\n560001,20261130,1499\n110011,20180905,6803\n", CSV),
    # parts under words that name fields of their own
    ('{"postcode": "110101", "dob": "19900307", "pin": "1233"}', JSON),
    ("zip 110101 ordered 19900307 total 1233", TEXT),
    ("<table><tr><th>postcode</th><td>110101</td></tr><tr><th>date</th><td>19900307</td>"
     "</tr><tr><th>amount</th><td>1233</td></tr></table>", HTML),
    # labelled parts with no phone word (a mobile's) or incomplete (an ID's)
    (j({"t": f"last four {C}, first three {A}, middle {B}"}), JSON),
    (j({"card": {"first6": "110101", "last4": "1233"}}), JSON),
    # masks of two different numbers, and a list of many masked ones
    (j({"a": "138****1234", "b": "1395678****"}), JSON),
    (j({"phones": [f"13{n}****{n}{n}{n}{n}" for n in range(10)]
        + [f"13{n}{n}{n}{n}{n}****" for n in range(10)]}), JSON),
    # an ellipsis with no middle told, a range
    (j({"t": f"手机：{A}\u2026{C}"}), JSON),
    ("pages 139...5678 of the archive", TEXT),
    # operators over other numbers: versions, dates, short codes
    ("v = '1.2' + '3'; d = '2026' || '-' || '11' || '-' || '30'", TEXT),
    ("x = '12' + '345'; y = \"2026\" + \"1130\" + \"0001\"", TEXT),
    # a masked bank card beside spelled dates: no ID word
    (j({"card": "622202********1234", "date": "7 Mar 1990"}), JSON),
    # objects keyed by indices that hold no identifier
    (j({"rows": {"2": "c", "0": "a", "1": "b"}, "n": {"1": 20, "0": 10}}), JSON),
    # YAML anchors of ordinary configuration
    ("defaults: &d\n  timeout: 30\n  retries: 3\nprod:\n  <<: *d\n  port: 8080\n", YAML),
    # 15-digit numbers under payment keys stay payment numbers
    ('{"purchaseorder":"110101900307123"}', JSON),
])
def test_look_alikes_stay_clean(body, content_type):
    assert found(body, content_type) == set()


# -- the readings' shapes and bounds ---------------------------------------------------------

def test_yaml_aliases_add_at_most_the_texts_size():
    text = "a: &a " + "1" * 200 + "\n" + "x: [*a]\n" * 5000
    resolved = yaml_aliases(text)
    assert resolved is not None and len(resolved) <= 2 * len(text) + 4096


def test_yaml_blocks_read_within_a_bound():
    text = "\n".join(f"a{i}: &a{i}\n  x: 1" for i in range(5000)) + "\nb: *a1\n"
    resolved = yaml_aliases(text)
    assert resolved is not None and resolved.endswith("b: x: 1\n")


def test_ellipsis_kept_with_its_neighbourhood_only():
    text = "x" * 5000 + f" phone {A}\u2026{C} middle {B} " + "y" * 5000
    got = masked_merged(text)
    assert got is not None and f"{A}****{C}" in got and len(got) < 2000


def test_many_masked_copies_are_a_list_not_merged():
    copies = " ".join([f"{A}****{C}", f"{A}{B}****"] * 3)
    assert masked_merged(copies) is None
    assert masked_merged(f"{A}****{C} {A}{B}****") == MOBILE


def test_index_ordered_needs_shuffled_contiguous_indices():
    for tree in ({"0": "a", "1": "b"}, {"0": "a", "2": "b"}, {"5": "a", "4": "b"}):
        assert index_ordered(json.dumps(tree).encode(), tree) is None
    tree = {"t": {"1": "b", "0": "a"}}
    assert index_ordered(json.dumps(tree).encode(), tree) == '"t": ["a", "b"]'


def test_gap_needs_a_part_word_and_no_other_word():
    assert gap_joined_ids(b"110101,19900307,1233") is None
    assert gap_joined_ids(b"area 110101 birth 19900307 seq 1233") == ID
    assert gap_joined_ids(b"area 110101 total 19900307 seq 1233") is None
    assert gap_joined_ids(b"area 110101 birth 19900307 seq 1234") is None  # (check char)


def test_operator_groupings():
    assert operator_joined("'139' + '12345678'") == MOBILE
    assert operator_joined("'1391' + '2345678'") is None  # (4-7: no grouping of a mobile)
    assert operator_joined("'139' - '12345678'") is None


def test_labelled_mobile_needs_a_phone_word_near():
    told = f"last four {C}, first three {A}, middle {B}"
    assert labelled_parts(told) is None
    assert labelled_parts("phone: " + told) == MOBILE
    assert labelled_parts("phone" + " " * 2000 + told) is None


# -- cost and worst cases ----------------------------------------------------------------------

def test_an_ordinary_kyc_body_pays_no_reading():
    from bench.inspection import kyc_body
    for identifiers in (False, True):
        body = kyc_body(identifiers)
        assert list(text_readings(body)) == []
        tree = json.loads(body)
        assert index_ordered(body, tree) is None


@pytest.mark.parametrize("body", [
    b"last 1234, " * 20000, b"139****5678 1391234**** " * 8000, b"139...5678 " * 20000,
    b"'139' + '1234' + " * 12000, b"area 110101 birth 19900307 seq 1233 " * 6000,
    b"110101********1233 7 Mar 1990 " * 7000, b"12345678 " * 20000,
])
def test_worst_cases_give_bounded_readings(body):
    for _, reading in text_readings(body, yaml=True):
        assert len(reading) <= 2 * len(body) + 4096


# -- false positives on seeded random structured documents --------------------------------------

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 30)


def _kinds(body: str, content_type: str) -> set[str]:
    r = payload.inspect_body(body.encode(), content_type=content_type, key=KEY, today=TODAY)
    assert r.error is None, r.note
    return ({"id" for i in r.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in r.phones if p.jurisdiction == "CN"})


def _date(r: random.Random) -> str:
    return (dt.date(2015, 1, 1) + dt.timedelta(days=r.randrange(4000))).strftime("%Y%m%d")


def _postcode(r: random.Random) -> str:
    # (India's PIN codes and other 6-digit postcodes: many in the mainland's area-code space)
    return str(r.choice([110001, 560001, 400001, 411014, 122001, 320001, 530001, 610001,
                         360001]) + r.randrange(99))


def _amount(r: random.Random) -> str:
    return str(r.randrange(100, 9999))


def _documents(r: random.Random) -> Iterator[tuple[str, str, str]]:
    """Ordinary overseas documents shaped like the classes above: (kind, body, type)."""
    rows = r.randrange(3, 25)
    yield "csv", "\n".join([r.choice(["pin,date,amount", "code,date,qty", "id,value,total"])]
                           + [f"{_postcode(r)},{_date(r)},{_amount(r)}"
                              for _ in range(rows)]), CSV
    yield "kv", j([{"k": r.choice(["code", "pin", "date", "total", "id", "area"]),
                    "v": r.choice([_postcode(r), _date(r), _amount(r)])}
                   for _ in range(rows)]), JSON
    yield "html", "<table>" + "".join(
        f"<tr><th>{r.choice(['postcode', 'order date', 'amount'])}</th>"
        f"<td>{r.choice([_postcode(r), _date(r), _amount(r)])}</td></tr>"
        for _ in range(rows)) + "</table>", HTML
    yield "orders", j({"orders": [{"id": _postcode(r), "date": _date(r), "qty": r.randrange(9),
                                   "price": _amount(r), "status": "paid"}
                                  for _ in range(rows)]}), JSON
    keys = list(range(r.randrange(2, 6)))
    r.shuffle(keys)
    yield "index", j({"lines": {str(k): r.choice([_postcode(r), _date(r), _amount(r), "abc"])
                                for k in keys}}), JSON
    yield "log", "\n".join(
        f"{_date(r)} {r.randrange(24):02d}:{r.randrange(60):02d} order={_postcode(r)} "
        f"last {_amount(r)} ms card ****{_amount(r)} v='{r.randrange(9)}.{r.randrange(20)}' + "
        f"'-rc{r.randrange(9)}' ... done" for _ in range(rows)), TEXT
    yield "invoice", (f"Invoice {_postcode(r)}\nDate: {r.randrange(1, 28)} "
                      f"{r.choice(['Mar', 'March', 'Nov'])} {r.randrange(2015, 2027)}\n"
                      f"Card: 4111********{_amount(r)}\nTotal: {_amount(r)}.00\n"), TEXT
    yield "yaml", ("defaults: &d\n  timeout: " + _amount(r) + "\n  region: ap-south-1\n"
                   + "".join(f"svc{i}:\n  <<: *d\n  port: {_amount(r)}\n"
                             for i in range(rows))), YAML


def _without_this_round(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], set[str]]:
    def kinds(body: str, content_type: str) -> set[str]:
        with monkeypatch.context() as m:
            m.setattr(structure_parts, "text_readings", lambda data, yaml=False: iter(()))
            m.setattr(structure_parts, "index_ordered", lambda data, tree: None)
            return _kinds(body, content_type)
    return kinds


def test_false_positive_rate_on_seeded_documents(monkeypatch):
    """8 kinds x 40 seeded documents: what this round's readings add to what the inspection
    found before (measured: none)."""
    before = _without_this_round(monkeypatch)
    r = random.Random(24)
    added: dict[str, int] = {}
    for _ in range(40):
        for kind, body, content_type in _documents(r):
            if _kinds(body, content_type) - before(body, content_type):
                added[kind] = added.get(kind, 0) + 1
    assert added == {}
