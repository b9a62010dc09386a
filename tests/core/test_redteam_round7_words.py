"""Red-team round 7 (words and formats): digits said in the languages of the gateway's regions
and their neighbours, digits in other number formats, and identifiers spread over the names
of a structure rather than its values. Misses not fixed are strict xfails; false-positive
guards keep ordinary text in those languages and formats clean."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse

import pytest

from residency_gateway.core.scanner import may_hold_identifier
from tests.core.test_redteam_round6 import found as round6_found

ID = "110101199003071233"
MOBILE = "13912345678"
KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
JSON = "application/json"
TEXT = "text/plain"
BOUNDARY = "XyZb"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def found(body: bytes | str, content_type: str = JSON) -> set[str]:
    return round6_found(body, content_type)


def said(value: str, words: list[str], sep: str = " ") -> str:
    return sep.join(words[int(c)] if c.isdigit() else c for c in value)


def kind_of(value: str) -> str:
    return "id" if value == ID else "mobile"


INDONESIAN = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
              "sembilan"]
MALAY = ["kosong", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "lapan",
         "sembilan"]
HIRAGANA = ["ぜろ", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]
KATAKANA = ["ゼロ", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュウ"]
ROMAJI = ["zero", "ichi", "ni", "san", "yon", "go", "roku", "nana", "hachi", "kyuu"]
KOREAN = ["공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]
THAI_WORDS = ["ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"]
VIETNAMESE = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
TAGALOG = ["sero", "isa", "dalawa", "tatlo", "apat", "lima", "anim", "pito", "walo", "siyam"]


# -- digits said in Malay and Indonesian (Singapore, Malaysia, Indonesia) -----------------
# Missed before round 7: only English and pinyin digit words were read.

@pytest.mark.parametrize("words", [INDONESIAN, MALAY], ids=["indonesian", "malay"])
@pytest.mark.parametrize(("make", "content_type"), [
    (lambda v, w: "telp " + said(v, w), TEXT),
    (lambda v, w: "no hp: " + said(v, w, ", "), TEXT),
    (lambda v, w: json.dumps({"nik": said(v, w)}), JSON),
    (lambda v, w: json.dumps({"nomor": said(v, w).title()}), JSON),
    (lambda v, w: "nomor " + said(v, w).upper(), TEXT),
    (lambda v, w: "hp " + said(v, w, ""), TEXT),  # run together
    (lambda v, w: "telp " + said(v[:3], w) + " " + v[3:7] + " " + said(v[7:], w), TEXT),
], ids=["spaced", "commas", "json", "title", "upper", "run-together", "digits-mixed"])
@pytest.mark.parametrize("value", [MOBILE, ID])
def test_digits_said_in_malay_and_indonesian(words, make, content_type, value):
    assert kind_of(value) in found(make(value, words), content_type)


def test_malay_said_id_with_check_character_x():
    # 11010119900307123X is not valid; 11010519491231002X is
    value = "11010519491231002X"
    assert "id" in found("nik: " + said(value[:-1], INDONESIAN) + " X", TEXT)


def test_malay_said_digits_count_for_redaction():
    assert may_hold_identifier(said(MOBILE, INDONESIAN))


@pytest.mark.parametrize("body", [
    # counting, an address, amounts and dates in words: numbers, no identifier
    "satu, dua, tiga, empat, lima, enam, tujuh, delapan, sembilan, sepuluh",
    "satu dua tiga empat lima enam tujuh lapan sembilan kosong",
    "Jalan Merdeka nomor 12, RT 003 RW 005, Kelurahan Tujuh, Kecamatan Lima Puluh",
    "Harga: dua ratus lima puluh ribu rupiah (Rp 250.000), diskon lima persen",
    "Tanggal lahir: tujuh belas Agustus sembilan belas sembilan puluh",
    "Total Rp 13.912.345.678, dibayar dalam dua kali cicilan",
    "Lima orang, satu mobil, dua motor dan tiga sepeda di rumah nomor 8",
    json.dumps({"alamat": "Jl. Sudirman Kav. 52-53, Jakarta 12190", "lantai": "dua puluh satu",
                "catatan": "satu dua tiga, tes mikrofon", "telp_kantor": "021 5790 1234"}),
    "Dual SIM, individual plan, Saturday delivery: residual value 1200",
])
def test_ordinary_malay_and_indonesian_text_stays_clean(body):
    assert found(body, TEXT) == set()


# -- other languages ------------------------------------------------------------------------
# A KYC form in Japan, Korea, Thailand, Vietnam or the Philippines is filled in with digits
# (the forms ask for them, and ASR writes digits); Japanese kanji numerals are read as
# Chinese numerals already. Words in these scripts are single syllables that are also
# ordinary words (Korean 이, 사, 오; Japanese に, ご, さん). Missed in round 7 (strict xfails);
# read since round 8 as pinyin is, seven digit words in a row (tests/core/
# test_redteam_round8_words.py covers the class: spellings, readings, forms, prose).

@pytest.mark.parametrize(("before", "words"), [
    pytest.param("電話 ", HIRAGANA, id="hiragana"),
    pytest.param("電話 ", KATAKANA, id="katakana"),
    pytest.param("電話 ", ROMAJI, id="romaji"),
    pytest.param("전화 ", KOREAN, id="korean"),
    pytest.param("โทร ", THAI_WORDS, id="thai"),
    pytest.param("sđt ", VIETNAMESE, id="vietnamese"),
    pytest.param("tel ", TAGALOG, id="tagalog"),
])
def test_digits_said_in_other_languages_of_the_region(before, words):
    assert "mobile" in found(before + said(MOBILE, words), TEXT)


def test_thai_digits_are_digits():
    thai = "๐๑๒๓๔๕๖๗๘๙"
    assert found("โทร " + "".join(thai[int(c)] for c in MOBILE), TEXT) == {"mobile"}
    assert found("".join(thai[int(c)] for c in ID), TEXT) == {"id"}


@pytest.mark.parametrize("body", [
    "2026年11月29日 14時30分、東京都渋谷区1-2-3、電話は受付まで。いち、に、さん！",
    "価格 ¥13,800（税込）、数量 2、合計 ¥27,600",
    "일이삼 테스트, 서울시 강남구 테헤란로 123, 2026년 11월 29일",
    "ราคา ๑,๒๕๐ บาท วันที่ ๒๙ พฤศจิกายน ๒๕๖๙",
    "Giá 139.000 đồng, ngày 29/11/2026, số nhà 12",
])
def test_ordinary_text_in_neighbouring_languages_stays_clean(body):
    assert found(body, TEXT) == set()


# -- number formats ------------------------------------------------------------------------

SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉"
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
PARENTHESIZED = "⓪⑴⑵⑶⑷⑸⑹⑺⑻⑼"
FULL_STOP = "⓪⒈⒉⒊⒋⒌⒍⒎⒏⒐"
MATH_BOLD = "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"
MATH_MONO = "𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
THAI = "๐๑๒๓๔๕๖๗๘๙"
DINGBAT = "⓿❶❷❸❹❺❻❼❽❾"


def digits_in(value: str, table: str) -> str:
    return "".join(table[int(c)] if c.isdigit() else c for c in value)


@pytest.mark.parametrize("table", [SUPERSCRIPT, SUBSCRIPT, CIRCLED, PARENTHESIZED, FULL_STOP,
                                   MATH_BOLD, MATH_MONO, ARABIC_INDIC, PERSIAN, THAI, DINGBAT])
@pytest.mark.parametrize("value", [MOBILE, ID])
def test_digits_of_other_forms_fold(table, value):
    assert kind_of(value) in found("tel " + digits_in(value, table), TEXT)


def test_digits_mixed_across_scripts():
    tables = [ARABIC_INDIC, PERSIAN, THAI, MATH_BOLD, CIRCLED]
    mixed = "".join(tables[n % 5][int(c)] for n, c in enumerate(ID))
    assert found(mixed, TEXT) == {"id"}


@pytest.mark.parametrize("body", [
    "tel 13 912 345 678", "tel 13\u00a0912\u00a0345\u00a0678", "tel 13\u202f912\u202f345\u202f678",
    "telp 13.91.23.45.678", "tel 139'1234'5678", "110.101.199.003.071.233",
    "id: 110,101,199,003,071,233", "110 101 199 003 071 233",
])
def test_grouped_numbers_found(body):
    assert found(body, TEXT)


# A mobile formatted as a number with thousands separators (a spreadsheet's phone column set
# to "number" and pasted, or exported with the formatting). Missed before round 7: the comma,
# the apostrophe (Swiss) and the Arabic thousands separator U+066C did not join its groups
# as a phone number, even after a phone word.
@pytest.mark.parametrize("body", [
    "phone: 13,912,345,678", '{"phone": "13,912,345,678"}', "tel 13'912'345'678",
    "mobile 13,91,23,45,678",  # Indian grouping
    'name,phone\n"Li","13,912,345,678"\n',
    "tel " + digits_in("13٬912٬345٬678", ARABIC_INDIC),
    "Telepon: ١٣,٩١٢,٣٤٥,٦٧٨",
])
def test_mobile_with_thousands_separators(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.xfail(strict=True, reason="POLICY: a mobile with thousands separators and no "
                   "phone word before it is not read: an amount is so written too, and IDR/VND "
                   "amounts of 13-19 billion under words no list holds are common (read for a "
                   "while after round 13, taken back after red team round 14)")
def test_mobile_with_thousands_separators_and_no_word():
    assert "mobile" in found('{"contact_no": "x", "value": "13,912,345,678"}', JSON)


def test_mobile_with_thousands_dots_is_no_ip_address():
    # Missed before round 7: four dot-separated groups of at most three digits were skipped
    # as an IPv4 address though 912 is no octet.
    assert found("tel 13.912.345.678", TEXT) == {"mobile"}
    assert found(json.dumps({"telepon": "13.912.345.678"}), JSON) == {"mobile"}


@pytest.mark.parametrize("body", [
    "server 139.123.245.78", "tel 139.123.245.78 (gateway address)",
    "Total: 13,912,345,678 IDR", "Rp 15.120.340.480", "[15,120,340,480]",
    json.dumps({"bbox": [15, 120, 340, 480], "score": 0.98}), "amount 1,39,12,345 INR",
    "ราคา ๑๓,๙๑๒ บาท", "المبلغ " + digits_in("13٬912٬345٬678", ARABIC_INDIC),
    # after a phone word, but an item of a list or array, or a number with a fraction
    json.dumps({"phone_models": [15, 120, 340, 480]}), '{"phones":[15,120,340,480]}',
    "phone,a,b,c,d\nLi,15,120,340,480\n", "tel count (15,120,340,480)",
    "phone bill 13,912,345,678.50", "phone 1,13,912,345,678", "tel ٣٫١٤ and 15,120",
])
def test_amounts_and_boxes_stay_clean(body):
    assert found(body, TEXT) == set()


# -- structure: identifiers spread over names, not values ---------------------------------

def multipart(parts: list[tuple[str, str]]) -> str:
    out = ""
    for disposition, body in parts:
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n{body}\r\n"
    return out + f"--{BOUNDARY}--\r\n"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(claims: dict) -> str:
    return b64url(b'{"alg":"HS256"}') + "." + b64url(json.dumps(claims).encode()) + ".sig"


# Missed before round 7: the values between the keys (text, null, numbers of their own) are
# no field boundary the joined-fields reading crosses.
@pytest.mark.parametrize(("body", "content_type"), [
    ('{"110101": null, "19900307": null, "1233": null}', JSON),
    ('{"110101":"","19900307":"","1233":""}', JSON),
    ('{"110101": "a", "19900307": "b", "1233": "c"}', JSON),
    ('{"110101": 1, "19900307": 2, "1233": 3}', JSON),
    ('{"110101": {}, "19900307": [], "1233": true}', JSON),
    ('{"x": {"1101": 0, "0119": 0, "9003": 0, "0712": 0, "33": 0}}', JSON),
    ('{"tel": {"139": "", "1234": "", "5678": ""}}', JSON),
    (multipart([('form-data; name="110101"', "x"), ('form-data; name="19900307"', "y"),
                ('form-data; name="1233"', "z")]), MULTIPART),
    (multipart([('form-data; name="tel"', "x"), ('form-data; name="139"', "x"),
                ('form-data; name="1234"', "y"), ('form-data; name="5678"', "z")]), MULTIPART),
    (multipart([('form-data; name="a"; filename="110101.jpg"', "x"),
                ('form-data; name="b"; filename="19900307.jpg"', "y"),
                ('form-data; name="c"; filename="1233.png"', "z")]), MULTIPART),
], ids=["json-null", "json-empty", "json-text", "json-numbers", "json-mixed", "json-fours",
        "json-tel", "multipart-names", "multipart-tel-names", "multipart-filenames"])
def test_identifier_spread_over_names(body, content_type):
    assert found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    # placements that held: attributes, CSV with a header, GraphQL, data: URIs, JWTs nested
    ('<p a="110101" b="19900307" c="1233"/>', "application/xml"),
    ('<tel a="139" b="1234" c="5678"/>', "application/xml"),
    ("area,born,seq\n110101,19900307,1233\n", "text/csv"),
    ("tel1,tel2,tel3\n139,1234,5678\n", "text/csv"),
    (json.dumps({"query": "mutation($a:String,$b:String){x(a:$a,b:$b)}",
                 "variables": {"a": "110101", "b": "19900307", "c": "1233"}}), JSON),
    (json.dumps({"query": 'mutation{kyc(idA:"110101",idB:"19900307",idC:"1233")}'}), JSON),
    (json.dumps({"query": '{user(tel:"139", mid:"1234", end:"5678"){id}}'}), JSON),
    (json.dumps({"doc": "data:text/plain;base64," + base64.b64encode(
        f"tel {MOBILE}".encode()).decode()}), JSON),
    (json.dumps({"doc": "data:,"  + "".join(f"%{ord(c):02X}" for c in MOBILE)}), JSON),
    (json.dumps({"doc": "data:text/plain," + urllib.parse.quote("id " + ID)}), JSON),
    (json.dumps({"blob": base64.b64encode(json.dumps(
        {"token": jwt({"phone": MOBILE})}).encode()).decode()}), JSON),
    (json.dumps({"blob": base64.b64encode(json.dumps(
        {"t": jwt({"nid": ID})}).encode()).decode()}), JSON),
    (multipart([(f'form-data; name="f"; filename="{ID}.jpg"', "x")]), MULTIPART),
    (multipart([("form-data; name=\"f\"; filename*=UTF-8''" + "".join(
        f"%{ord(c):02X}" for c in ID) + ".jpg", "x")]), MULTIPART),
    (multipart([("form-data; name=\"f\"; filename*=utf-8'zh'" + urllib.parse.quote(
        "手机１３９１２３４５６７８") + ".png", "x")]), MULTIPART),
])
def test_structure_placements_that_held(body, content_type):
    assert found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    # objects keyed by numbers: years, ids, status codes, dates; numbered form fields
    (json.dumps({"2019": 5, "2020": 7, "2021": 9, "2022": 11, "2023": 13, "2024": 2}), JSON),
    (json.dumps({str(n): {"qty": n % 7} for n in range(100231, 100281)}), JSON),
    (json.dumps({"200": "ok", "201": "created", "404": "missing", "500": "error"}), JSON),
    (json.dumps({"20231105": 3, "20231106": 4, "20231107": 1, "12": 0}), JSON),
    (json.dumps({"139": "Ramen", "1234": "Udon", "5678": "Soba"}), JSON),
    (json.dumps({"15": [120, 340], "480": [1, 2]}), JSON),
    (multipart([(f'form-data; name="{n}"', "x") for n in range(1, 30)]), MULTIPART),
    (multipart([(f'form-data; name="p{n}"; filename="2023110{n}.jpg"', "x")
                for n in range(1, 9)]), MULTIPART),
])
def test_numbered_names_stay_clean(body, content_type):
    assert found(body, content_type) == set()
