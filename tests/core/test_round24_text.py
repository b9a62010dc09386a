"""Round 24: digits written as text and phones written in groups (scanner._trunk_field,
_dialled, _grouped_word_after, _ocr_grouped; payload.zero_fractions and
scanner.amount_labelled): the classes of the round 9, 13 and 14 misses, their next
spellings, and the ordinary overseas traffic of the same shapes that must stay clean."""
from __future__ import annotations

import json
import random
import urllib.parse

import pytest

from residency_gateway.core import scanner
from residency_gateway.core.payload import scan_request_line
from tests.core.test_redteam_round6 import KEY, TODAY, found

JSON = "application/json"
TEXT = "text/plain"
CSV = "text/csv"
FORM = "application/x-www-form-urlencoded"
# mainland mobiles of several operators' blocks (each passes the numbering plan)
MOBILES = ["13912345678", "18612345678", "15012345678", "17712345678", "19912345678",
           "13800138000"]


def j(key: str, value: str) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


def line_found(path: str = "/", query: str = "") -> set[str]:
    r = scan_request_line(path, query, key=KEY, today=TODAY)
    return {"mobile" for p in r.phones if p.jurisdiction == "CN"}


def upc_a(digits11: str) -> str:
    """`digits11` with its UPC-A check digit."""
    total = sum(int(c) * (3 if k % 2 == 0 else 1) for k, c in enumerate(digits11))
    return digits11 + str((10 - total % 10) % 10)


# --- 1. a mobile after the trunk prefix 0 ---------------------------------------------------

def not_upc(mobile: str) -> bool:
    return upc_a(("0" + mobile)[:11]) != "0" + mobile


@pytest.mark.parametrize("mobile", [m for m in MOBILES if not_upc(m)])
@pytest.mark.parametrize("where", ["json", "array", "nested", "value", "query", "form",
                                   "path", "path_end", "number_key"])
def test_trunk_zero_as_a_fields_whole_value(mobile, where):
    value = "0" + mobile
    if where == "json":
        assert "mobile" in found(j("p", value))
    elif where == "array":
        assert "mobile" in found(json.dumps(["x", value]))
    elif where == "nested":
        assert "mobile" in found(json.dumps({"a": {"b": [{"v": value}]}}))
    elif where == "value":
        assert "mobile" in found(j("value", value))
    elif where == "query":
        assert "mobile" in line_found("/", "a=1&p=" + value + "&b=2")
    elif where == "form":
        assert "mobile" in found("a=1&p=" + value, FORM)
    elif where == "path":
        assert "mobile" in line_found("/v1/u/" + value + "/profile")
    elif where == "path_end":
        assert "mobile" in line_found("/v1/u/" + value)
    else:
        assert "mobile" in found(j("number", value))


@pytest.mark.parametrize("text", [
    "tel 0139 1234 5678", "Tel: 0139-1234-5678", "phone 0139-12345678", "call 0 139 1234 5678",
    "手机 0139 1234 5678", "dial 0139.1234.5678", "+86 0139 1234 5678", "0086-139-1234-5678",
    "+86 (0)139 1234 5678", "(0)139 1234 5678", "+86 013912345678",
])
def test_trunk_zero_in_groups_and_with_country_code(text):
    assert "mobile" in found(j("t", text)), text
    assert "mobile" in found(text, TEXT), text


@pytest.mark.parametrize("body", [
    # a field named by another word says what else it holds (round 14's words too)
    j("order_no", "013912345678"), j("account", "013912345678"), j("automovil", "013912345678"),
    j("usdt", "0139-1234-5678"), j("マイナンバー", "013912345678"), j("serial", "013912345678"),
    j("upc", "013912345678"), j("invoiceRef", "0139 1234 5678"), j("tracking", "018612345678"),
    # a UPC-A code (US grocery codes start 01) in an unnamed array
    json.dumps(["013000006408", upc_a("01861234567"), upc_a("01501234567")]),
    # inside prose, not a field's whole value; in a longer number, a decimal, a date
    j("t", "Ref 013912345678 paid"), j("t", "account 019128013488"),
    j("t", "0.13912345678"), j("t", "1013912345678"), j("t", "2013912345678"),
    j("t", "v0139.1234.5678.9"), j("t", "10139 1234 5678"), j("t", "0139 1234 56789"),
])
def test_trunk_zero_lookalikes_stay_clean(body):
    assert found(body) == set(), body


def test_trunk_zero_rate_under_named_fields_is_zero():
    """Seeded: 12-digit numbers starting 01 under the field names of ordinary records."""
    rng = random.Random(24)
    names = ["order_id", "account_no", "invoice", "reference", "tracking", "sku", "barcode",
             "serial_number", "customer_ref", "booking", "policy_no", "gtin", "ean", "code"]
    hits = 0
    for _ in range(400):
        value = "01" + "".join(rng.choice("0123456789") for _ in range(10))
        if found(j(rng.choice(names), value)):
            hits += 1
    assert hits == 0


def test_upc_codes_in_arrays_stay_clean():
    rng = random.Random(2024)
    codes = [upc_a("01" + "".join(rng.choice("0123456789") for _ in range(9)))
             for _ in range(300)]
    for i in range(0, 300, 30):
        assert found(json.dumps(codes[i:i + 30])) == set()


# --- 4. HL7 v2 XTN telephones ----------------------------------------------------------------

PID = "MSH|^~\\&|APP|FAC|||202611290800||ADT^A01|1|P|2.5\rPID|1||12345^^^HOSP^MR||DOE^JOHN||19800101|M|||||"


@pytest.mark.parametrize("xtn", [
    "^PRN^CP^^86^139^12345678", "^PRN^PH^^86^139^12345678", "^PRN^CP^^^139^12345678",
    "^ORN^CP^^+86^186^12345678", "^WPN^CP^^0086^150^1234-5678",
    "^PRN^CP^^86^139^12345678~^NET^Internet^a@example.com",
    "(555)555-1234^PRN^PH^^1^555^5551234~^PRN^CP^^86^139^12345678",
])
def test_hl7_xtn_read(xtn):
    assert "mobile" in found(PID + xtn, TEXT)
    assert "mobile" in found(j("hl7", PID + xtn))


@pytest.mark.parametrize("xtn", [
    "^PRN^PH^^1^555^5551234", "^PRN^CP^^65^139^12345678", "^PRN^CP^^44^139^12345678",
    "^PRN^PH^^1^212^5551234", "^PRN^CP^^^139^1234567", "^PRN^CP^^^12^12345678",
    "^PRN^CP^^86^139^123456789",
])
def test_hl7_other_telephones_stay_clean(xtn):
    assert found(PID + xtn, TEXT) == set(), xtn


# --- 4. zero fractions -----------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type"), [
    (j("t", "１３９１２３４５６７８．０"), JSON), (j("t", "１８６１２３４５６７８.０"), JSON),
    (j("t", "13912345678．0"), JSON), (j("t", "13912345678.０"), JSON),
    ("My number is 13912345678.0.", TEXT), ("Call 13912345678.0. Thanks", TEXT),
    (j("t", "it is 18612345678.0."), JSON), ("n: 13912345678.0\n", "application/yaml"),
    ('{"score": 13912345678.0, "total_idr": 5.0}', JSON),
])
def test_zero_fraction_spellings_read(body, content_type):
    assert "mobile" in found(body, content_type), body


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"jumlah":13912345678.0}', JSON), ('{"total_idr":13912345678.0}', JSON),
    ('{"saldo": 15012345678.0}', JSON), ('{"amountDue": 13912345678.0}', JSON),
    ('{"price_vnd": "18612345678.0"}', JSON), ('{"金额": 13912345678.0}', JSON),
    ('{"balance":"１３９１２３４５６７８．０"}', JSON), ("amount\n13912345678.0\n", CSV),
    ("name,amount,date\nLi,13912345678.0,2026-11-29\n", CSV),
    ("name\ttotal\nLi\t13912345678.0\n", "text/tab-separated-values"),
    ("total=13912345678.0", FORM),
    # versions, IPs, a second fraction, two zeros
    ('{"v":"13912345678.0.5"}', JSON), ('{"v":"13912345678.00."}', JSON),
    ("Version 1.0. Build 13912345.0.", TEXT),
])
def test_zero_fraction_amounts_and_versions_stay_clean(body, content_type):
    assert found(body, content_type) == set(), body


def test_zero_fraction_amount_rate_is_zero():
    """Seeded: amounts of 13-19 billion written as floats of integral value under amount
    labels of the region's languages (pandas float64 columns, IDR/VND)."""
    rng = random.Random(1324)
    labels = ["amount", "total", "jumlah", "saldo", "balance", "price", "harga", "nominal",
              "totalAmount", "grand_total", "so tien", "tổng", "金额", "余额", "payment"]
    hits = 0
    for _ in range(300):
        number = f"1{rng.randint(3, 9)}" + "".join(rng.choice("0123456789") for _ in range(9))
        if found(json.dumps({rng.choice(labels): float(number)}, ensure_ascii=False)):
            hits += 1
    assert hits == 0


# --- 4. thousands-grouped mobiles with a phone word after ------------------------------------

@pytest.mark.parametrize("text", [
    "13,912,345,678 wechat", "13.912.345.678 WA", "13 912 345 678 (WhatsApp)",
    "18,612,345,678 是我的手机", "13,912,345,678☎", "13,912,345,678 📱", "13,912,345,678 ext",
    "13'912'345'678 - zalo", "13\u2009912\u2009345\u2009678 tel", "13٬912٬345٬678 WA",
    "tel 13’912’345’678", "13,912,345,678 is my phone", "15,012,345,678: mobile",
])
def test_grouped_with_a_phone_word_after_read(text):
    assert "mobile" in found(j("x", text)), text


@pytest.mark.parametrize("text", [
    "13,912,345,678 total", "13.912.345.678 telur", "13,912,345,678 telescopes",
    "Rp 13.912.345.678 WA", "IDR 13,912,345,678 (WhatsApp order)", "omzet 13.912.345.678 wa",
    "13,912,345,678 x 2", "13’912’345’678", "1,139,912,345,678 wechat",
    "13,912,345,678,000 WA", "0.13,912,345,678 wa", "13,912,345,6789 tel",
])
def test_grouped_amounts_stay_clean(text):
    assert found(j("x", text)) == set(), text


def test_grouped_amount_rate_is_zero():
    """Seeded: amounts of 13-19 billion with thousands separators followed by the words of
    invoices and ledgers (not phone words), and preceded by a currency."""
    rng = random.Random(99)
    after = ["IDR", "VND", "rupiah", "dong", "total", "paid", "(lunas)", "net", "telah dibayar",
             "for 2 items", "units", "views", "bytes", "ok"]
    hits = 0
    for _ in range(300):
        digits = f"1{rng.randint(3, 9)}" + "".join(rng.choice("0123456789") for _ in range(9))
        sep = rng.choice([",", ".", " ", "'"])
        grouped = digits[:2] + sep + sep.join(digits[k:k + 3] for k in (2, 5, 8))
        if found(j("x", f"{grouped} {rng.choice(after)}")):
            hits += 1
        if found(j("x", f"Rp {grouped} WA")):
            hits += 1
    assert hits == 0


# --- 3. OCR letters in groups, bars for ones -------------------------------------------------

@pytest.mark.parametrize("text", [
    "tel 139 1Z34 S678", "tel |39|2345678", "tel !39!2345678", "phone l39-lZ34-5G78",
    "手机 I39 I234 S678", "mobile: 186.I234.S67B", "tel !39 !234 5678", "cell |3912345678",
])
def test_ocr_groups_after_a_phone_word_read(text):
    assert "mobile" in found(j("x", text)), text


def test_ocr_id_groups_after_an_id_word_read():
    assert "id" in found(j("x", "身份证 110101 199OO3O7 1233"))
    assert "id" in found(j("x", "id: |10|0|199003071233"))


@pytest.mark.parametrize("text", [
    "139 1Z34 S678", "|39|2345678", "1|2|3|4|5|6|7|8|9|1|2", "tel 2026-11-29T12:00",
    "phone: SW1A 2AA, B2B-13912", "Tel: +65 6123 4567 | fax 6123 4568",
])
def test_ocr_lookalikes_stay_clean(text):
    assert found(j("x", text)) == set(), text


def test_ocr_reading_of_pipe_records_is_empty():
    """Seeded: pipe-delimited records and Markdown tables of digits after a phone word give
    the OCR reading nothing (other readings take digit groups after a phone word as ever)."""
    rng = random.Random(7)
    for _ in range(300):
        cells = [str(rng.randint(0, 9999)) for _ in range(rng.randint(3, 8))]
        for text in ("tel " + "|".join(cells), "| phone | " + " | ".join(cells) + " |"):
            assert scanner._ocr_grouped(text.encode()) is None, text


# --- ordinary overseas traffic ---------------------------------------------------------------

def test_ordinary_overseas_bodies_stay_clean():
    """Seeded random JSON, CSV and text of dates, times, prices, ratings, ages, survey answers,
    addresses and foreign phone numbers (the shapes the round 24 readings look for)."""
    rng = random.Random(20261201)
    hits = []

    def pick() -> str:
        n = rng.randint(0, 11)
        d = lambda k: "".join(rng.choice("0123456789") for _ in range(k))  # noqa: E731
        return [
            f"{rng.randint(2000, 2030)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
            f"{rng.randint(0, 23):02}:{rng.randint(0, 59):02}:{rng.randint(0, 59):02}.0",
            f"{rng.randint(1, 99999)}.0", f"{rng.randint(1, 999):,}.00",
            f"Rp {rng.randint(10**9, 10**11):,}".replace(",", "."), f"{rng.randint(1, 5)}/5",
            f"+65 {d(4)} {d(4)}", f"+44 20 {d(4)} {d(4)}", f"0{d(3)} {d(3)} {d(4)}",
            f"SKU-{d(6)}", f"Jl. Sudirman No. {rng.randint(1, 200)}, RT {d(2)}/RW {d(2)}",
            f"{d(2)}^{d(3)}^{d(4)}",
        ][n]

    for _ in range(300):
        record = {f"k{i}": pick() for i in range(rng.randint(3, 8))}
        body = json.dumps(record)
        if found(body):
            hits.append(body)
        text = " | ".join(record.values()) + "."
        if found(text, TEXT):
            hits.append(text)
        csv = ",".join(record) + "\n" + ",".join(v.replace(",", "") for v in record.values())
        if found(csv, CSV):
            hits.append(csv)
    assert hits == []


def test_query_of_ordinary_values_stays_clean():
    rng = random.Random(5)
    for _ in range(200):
        query = urllib.parse.urlencode({"page": rng.randint(1, 99), "ts": rng.randint(
            10**12, 10**13), "ref": "01" + str(rng.randint(10**9, 10**10 - 1))})
        assert line_found("/v1/orders", query) == set(), query


# --- 6. Japanese kun readings after an ID card's or a number's word -------------------------

KUN_KANA = ["れい", "ひと", "ふた", "み", "よ", "いつ", "む", "なな", "や", "ここの"]


@pytest.mark.parametrize(("word", "number", "kind"), [
    ("身分証", "110101199003071233", "id"), ("マイナンバー", "110101199003071233", "id"),
    ("番号:", "13912345678", "mobile"), ("ばんごう", "18612345678", "mobile"),
    ("bangou", "13912345678", "mobile"),
])
def test_kun_after_an_id_or_number_word_read(word, number, kind):
    said = " ".join(KUN_KANA[int(c)] for c in number)
    assert kind in found(f"{word} {said}", TEXT)


@pytest.mark.parametrize("text", [
    "番号はまだ決まっていません。ひとつ、ふたつ、みっつ。",
    "受付番号: ひとりずつ よんでください",
    "身分証をみせてください。よろしく",
    "bangou wa mada desu, hi fu mi yo",
])
def test_kun_prose_after_a_number_word_stays_clean(text):
    assert found(text, TEXT) == set()


# --- 7. digits in Morse code -----------------------------------------------------------------

MORSE = {"0": "-----", "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....",
         "6": "-....", "7": "--...", "8": "---..", "9": "----."}


@pytest.mark.parametrize("sep", [" ", "  ", "/", " / "])
@pytest.mark.parametrize(("number", "kind"), [("18612345678", "mobile"),
                                              ("110101199003071233", "id")])
def test_morse_digits_read(sep, number, kind):
    said = sep.join(MORSE[c] for c in number)
    assert kind in found(j("m", said))
    assert kind in found("msg: " + said + ".", TEXT)


@pytest.mark.parametrize("text", [
    "-----\n----- ----- ----- ----- ----- ----- ----- ----- ----- ----- -----",
    "Wait... what... no... yes... ok... fine... go... stop... now... then... end...",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    " ".join(MORSE[c] for c in "1391234567"),  # ten digits
    " ".join(MORSE[c] for c in "110101199003071234"),  # a bad check character
    "SOS ... --- ... ... --- ... ... --- ... ... --- ...",
])
def test_morse_lookalikes_stay_clean(text):
    assert found(j("m", text)) == set(), text


# --- 2. Korean survey answers: 네 is yes there ------------------------------------------------

@pytest.mark.parametrize("text", [
    "설문 답: 1 3 네 5 2 4 3 5 네 1 2", "응답 1 3 네 5 2 4 3 5 네 1 2", "평점: 5 4 네 3 5 4 4 5 네 3 2",
    "만족도 점수 1, 3, 네, 5, 2, 4, 3, 5, 네, 1, 2", "survey answers: 1 3 네 5 2 4 3 5 네 1 2",
])
def test_korean_survey_answers_stay_clean(text):
    assert found(j("t", text)) == set(), text


@pytest.mark.parametrize("text", ["1 3 9 1 2 3 네 5 6 7 8", "전화 1 3 9 1 2 3 네 5 6 7 8",
                                  "연락처: 1 8 6 1 2 3 네 5 6 7 8"])
def test_korean_numerals_in_a_number_read(text):
    assert "mobile" in found(j("t", text)), text


# --- 7. an ID or mobile written reversed under a name that says so ---------------------------

ID = "110101199003071233"


@pytest.mark.parametrize(("body", "kind"), [
    (j("id_reversed", ID[::-1]), "id"), (j("phone_rev", "13912345678"[::-1]), "mobile"),
    (j("reversedMobile", "18612345678"[::-1]), "mobile"), ("mobile_rev=87654321681", "mobile"),
    (j("Reversed_ID", ID[::-1]), "id"),
    ('{"user": {"idCardReversed": "' + ID[::-1] + '"}}', "id"),
])
def test_reversed_under_a_name_read(body, kind):
    content_type = JSON if body.startswith("{") else FORM
    assert kind in found(body, content_type)


@pytest.mark.parametrize("body", [
    j("rev", "87654321931"), j("revision", "87654321931"), j("doc_rev", "87654321931"),
    j("reverse_geocode_id", "87654321"), j("phone", "87654321931"),
    j("reviewer_phone", "87654321931"), j("revenue", "87654321931"),
])
def test_reversed_lookalikes_stay_clean(body):
    assert found(body) == set(), body


# --- 5. a told part said in English words ----------------------------------------------------

@pytest.mark.parametrize("text", [
    "my number is one three nine, then 1234 and 5678", "tel one eight six 1234 5678",
    "phone: one-five-zero, 1234, 5678", "call me: one three nine 1234 5678",
    "phone: 139, then one two three four, then 5678",
])
def test_told_part_in_english_words_read(text):
    assert "mobile" in found(j("t", text)), text


@pytest.mark.xfail(strict=True, reason="MISS (round 24, cost): a later told part said in words "
                   "('139, then four five six seven, then 5678'), or capitalised ('One Eight "
                   "Six', 'ONE'): runs are looked for at each 'one' only (a mobile's first "
                   "part); each more byte search costs ~1-2 us a 2 KB body")
@pytest.mark.parametrize("text", ["phone: 139, then four five six seven, then 5678",
                                  "tel ONE EIGHT SIX 1234 5678"])
def test_told_later_part_in_english_words_missed(text):
    assert "mobile" in found(j("t", text))


@pytest.mark.parametrize("text", [
    "Steps one two three, then 1234 and 5678 apples", "one two three four 2026-11-29 12:00",
    "Chapter one two three: pages 1234 to 5678", "one, two, three, go! 1234 5678 9012",
])
def test_told_words_in_ordinary_text_stay_clean(text):
    assert found(j("t", text)) == set(), text
