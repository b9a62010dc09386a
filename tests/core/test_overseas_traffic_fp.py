"""Ordinary overseas KYC traffic is read as overseas: the false-positive side of every reading.

tests/core/overseas_traffic.py generates seeded bodies of the region's own traffic (OCR results
of NRIC, KTP, My Number, HKID and MyKad cards; liveness and face-compare requests; payments,
transaction lists, CSV exports, logs, SOAP, receipts, telemetry, embeddings, multipart forms)
with no mainland data in them. Before this file, 24 of 4,000 such bodies were read as holding a
mainland ID or mobile, in three classes, each fixed and pinned here with its next spellings
(and the readings they must not lose):

- a foreign number's later groups told as a mainland mobile's first part: "+66 92 196 8799"
  after a phone word, with a date after it (196 8799 2024);
- "id" inside another word (IDR, paid, valid, android) taken for an ID word, under which a
  CSV row's last field and the next row's first joined into a first-generation ID;
- a phone word of a CSV header taken as the label of the next row's first field, a
  transaction id after a trunk 0 (019690429435)."""

from __future__ import annotations

import json

import pytest

from tests.core.overseas_traffic import body
from tests.core.test_redteam_round22 import found, scan

SEEDS = range(1500)
BATCH = 250


@pytest.mark.parametrize("first", range(0, len(SEEDS), BATCH))
def test_ordinary_overseas_traffic_holds_no_mainland_data(first):
    wrong = []
    for seed in SEEDS[first:first + BATCH]:
        data, content_type = body(seed)
        result = scan(data, content_type)
        if result.error is not None:
            wrong.append((seed, result.error))
        elif any(i.area_jurisdiction == "CN" for i in result.ids) or any(
                p.jurisdiction == "CN" and p.mobile for p in result.phones):
            # (what the policy takes as a mainland signal: an ID, a mainland mobile; a
            # fraction's digits read as a +86 landline, "78.00868554045154", decide nothing)
            wrong.append((seed, "mainland"))
    assert wrong == [], f"seeds read wrongly (python -m tests.core.overseas_traffic): {wrong}"


# --- a foreign number's groups are no mobile's first part ----------------------------------

FOREIGN = ["+66 92 196 8799", "+66 98 132 8121", "+63 970 183 0676", "+60 17-139 1234",
           "+62 812-1391-2345", "+65 9139 1234", "+81 90-1391-2345", "+852 9139 1234",
           "+84 91 139 12 34", "+44 7700 139 123"]
AFTER = ['", "paid_at": "2024-08-16"', '", "year": 2025, "n": 5678', '", "at": "2026 5678"']


@pytest.mark.parametrize("number", FOREIGN)
@pytest.mark.parametrize("after", AFTER)
@pytest.mark.parametrize("label", ["phone", "payer_phone", "tel", "mobile", "whatsapp"])
def test_a_foreign_numbers_groups_and_what_follows_make_no_mobile(number, after, label):
    assert found('{"' + label + '": "' + number + after + "}") == set()


@pytest.mark.parametrize("text", [
    "called from +63 970 183 0676 on 2025-08-03 about the order",
    "tel +66 92 196 8799 at 2024 5678",
    "WhatsApp +60 12-139 1234 then 5678",
    "電話 +81 90-1391-2345、2024年5678",
])
def test_a_foreign_number_in_text_and_what_follows_make_no_mobile(text):
    assert found(text, "text/plain") == set()


@pytest.mark.parametrize("text", [
    "my phone is 139 and then 1234 and 5678",
    "tel 0 139, then 1234 and 5678",
    "tel +86 139, then 1234 and 5678",
    "手机号139, 中间1234, 尾号5678",
    "phone: 139 (then) 1234 (then) 5678",
    "+65 9123 4567 is my office, my mobile is 139 and then 1234 and 5678",
])
def test_a_mobile_told_in_parts_is_still_found(text):
    assert found(text, "text/plain") == {"mobile"}


# --- "id" inside another word is no ID word ------------------------------------------------

SPLIT = "458\n163100330283"  # a row's last field, the next row's first: 15 digits, 1982-09-22


@pytest.mark.parametrize("word", ["IDR", "paid", "valid", "Android", "video", "idle", "UID",
                                  "bid", "guid", "Idaho", "idempotent"])
def test_a_word_holding_id_joins_no_rows_into_an_id(word):
    assert found(f"currency,branch\n{word},{SPLIT},2\n", "text/csv") == set()
    assert found(f"{word} {SPLIT}", "text/plain") == set()


@pytest.mark.parametrize("word", ["ID", "id:", "user_id", "userId", "idNo", "ID-No", "IdCard",
                                  "identity", "nationalIdNumber", "身份证"])
def test_an_id_word_still_joins_an_id_told_in_parts(word):
    assert found(f"{word} 110101 900307 123", "text/plain") == {"id"}
    assert found(json.dumps({"note": f"{word} 110101 19900307 1233"}, ensure_ascii=False)) \
        == {"id"}


# --- a CSV header's phone word names its own column ------------------------------------------


@pytest.mark.parametrize(("header", "row"), [
    ("txn_id,date,amount,currency,phone,branch", "019690429435,2026-06-09,12.50,JPY,x,354"),
    ("ref;phone", "013078481473;+65 8937 7599"),
    ("ref\tmobile\tbranch", "013912345678\t+65 8937 7599\t12"),
    ("order|tel", "013912345678|+60 12-899 3254"),
])
def test_a_trunk_zero_number_under_another_column_is_no_mobile(header, row):
    assert found(f"{header}\n{row}\n", "text/csv") == set()


@pytest.mark.parametrize(("header", "row"), [
    ("phone,branch", "013912345678,12"),
    ("name,phone", "Zhang,013912345678"),
    ("name\tmobile", "Zhang\t013912345678"),
    ("name;tel;city", "Zhang;013912345678;Beijing"),
])
def test_a_trunk_zero_mobile_under_its_phone_column_is_found(header, row):
    assert found(f"{header}\n{row}\n", "text/csv") == {"mobile"}


def test_a_phone_label_on_its_own_line_still_labels_the_number():
    assert found("Phone:\n013912345678", "text/plain") == {"mobile"}


# --- a phone word names its own key's value, not the next key's ---------------------------------

QUAD = "[175, 1121, 1381, 1009, 348, 1706]"


@pytest.mark.parametrize("before", [
    '{"confidence": {"name": 0.8764, "phone": 0.9259}, "quad": ' + QUAD + "}",
    '{"phone": 0.9259, "quad": ' + QUAD + "}",
    '{"phone_verified": true, "bbox": ' + QUAD + "}",
    '{"has_phone": 1, "box": ' + QUAD + "}",
    '{"tel": null, "points": ' + QUAD + "}",
])
def test_a_phone_word_of_another_key_labels_no_coordinates(before):
    assert found(before) == set()


@pytest.mark.parametrize(("text", "content_type"), [
    ("phone=0.92&quad=175,1121,1381", "application/x-www-form-urlencoded"),
    ("phone: 0.92\nquad: [175, 1121, 1381]\n", "application/yaml"),
    ("phone: 0.92; quad: 175, 1121, 1381", "text/plain"),
])
def test_a_phone_word_of_another_key_labels_no_numbers_in_other_forms(text, content_type):
    assert found(text, content_type) == set()


@pytest.mark.parametrize("body", [
    '{"phone": [175, 1121, 1381]}',
    '{"phone": ["139", "1234", "5678"]}',
    '{"type": "mobile", "number": ["139", "1234", "5678"]}',
    '{"phone": {"area": "139", "mid": "1234", "end": "5678"}}',
    '{"phone": {"p1": 139, "p2": 1234, "p3": 5678}}',
    '{"tel": "139", "x": "1234", "y": "5678"}',
])
def test_a_mobile_in_parts_under_its_own_phone_key_is_still_found(body):
    assert found(body) == {"mobile"}


# --- tables of amounts: an RTF \cell after an amount, three cells of consecutive rows -----------

def test_rtf_tables_of_amounts_hold_no_mobile():
    """RTF's \\cell control word is a phone word once the backslash is gone; after an amount
    ("16518.67\\cell") the keypad reading made 165 1867 2355 of it: 105 of 300 RTF tables."""
    import random

    from tests.core.overseas_traffic import rtf_invoice

    hits = [seed for seed in range(200)
            if found(rtf_invoice(random.Random(seed)).encode(), "application/rtf")]
    assert hits == []


@pytest.mark.parametrize("text", ["tel 139-1adg-jmpt", "+86 139-1adg-jmpt", "tel 1391ADGJMPT",
                                  "cell 139 ADGJ MPTW", "phone 1-3-9-A-D-G-J-M-P-T-W"])
def test_keypad_mobiles_are_still_read(text):
    assert found(text, "text/plain") == {"mobile"}


def test_html_tables_of_amounts_hold_no_mobile():
    import random

    from tests.core.overseas_traffic import html_table

    assert found("<table><tr><td>156</td></tr><tr><td>1096</td><td>9949.18</td></tr></table>",
                 "text/html") == set()
    hits = [seed for seed in range(200)
            if found(html_table(random.Random(seed)).encode(), "text/html")]
    assert hits == []


@pytest.mark.parametrize(("text", "content_type"), [
    ("tel 139 1234 5678.00", "text/plain"), ("tel 139\n1234\n5678", "text/plain"),
    ("<td>139</td><td>1234</td><td>5678</td>", "text/html"),
    ("<tr><td>139</td></tr><tr><td>1234</td></tr><tr><td>5678</td></tr>", "text/html"),
])
def test_a_mobile_over_cells_or_lines_is_still_read(text, content_type):
    assert found(text, content_type) == {"mobile"}
