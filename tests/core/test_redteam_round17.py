"""Red team round 17: the readings added in round 16 (phone words of parts, TeX spacing,
keypad letters, Japanese kun readings, Cyrillic/Greek look-alikes, Braille, Korean place-unit
numerals, digit words alone, IMSI/AmEx labels; EMVCo QR fields, phone-context, chunked coding,
DER/PEM, separated hex, cookie crumbs, SVG text runs, character codes, YAML base-60) attacked
for false positives on ordinary SG/ID/JP traffic first, then for the next spelling of a miss,
then for their cost on hostile 64 KB - 1 MB inputs.

Found: keypad letters read in SKUs, vouchers and tracking codes shaped 3-4-4; TeX thousands
grouping (13\\,912\\,345\\,678) read as a mobile where the same commas stay clean; Cyrillic
suffix letters of Russian invoice numbers; SVG table cells on one row joined; a YAML MAC
address read as base 60; numbered cookies of separate values joined; the digits of a PayNow
reference glued to the QR's CRC tag; "engine_cc" taken for a calling code. Misses: a
first-generation ID after "Identity Card" / "ID-Card" (the card word excuses it as a payment
card), Chinese labels of phone parts, lower-case keypad letters, katakana kun readings,
SQL/Excel CHAR lists. Every new reading stayed linear in size (none superlinear), though
TeX, DER, separated hex and character codes cost ~2 ms per KB on hostile input.

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round16 import COMMON, MERCHANT, QRIS, qf, qr

ID = "110101199003071233"
FIRST_GEN = "110101900307123"
MOBILE = "13912345678"
JSON = "application/json"
TEXT = "text/plain"
YAML = "application/yaml"
SVG = "image/svg+xml"
JS = "application/javascript"
MSG = "message/http"
OCTETS = "application/octet-stream"


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def svg(*cells: str, y: str = "50") -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg">' + "".join(
        f'<text x="{10 + 70 * i}" y="{y}">{c}</text>' for i, c in enumerate(cells)) + "</svg>")


# =============================================================================================
# Phone words of parts (_PHONE_PART_WORDS, _phone_parts)

@pytest.mark.parametrize(("body", "content_type"), [
    (j({"address": {"country_code": "SG", "postal_code": "139123", "unit": "45678"}}), JSON),
    (j({"country_code": "SG", "a": "139", "b": "12345678"}), JSON),
    (j({"country_code": "65", "area_code": "", "number": "91391234"}), JSON),
    (j({"country_code": "62", "area_code": "21", "number": "3912345678"}), JSON),
    (j({"country_code": "62", "ndc": "813", "subscriber_number": "91234567"}), JSON),
    (j({"市外局番": "0139", "市内局番": "12", "加入者番号": "3456"}), JSON),
    (j({"to": "a@x.sg", "cc": "b@x.sg", "p1": "139", "p2": "1234", "p3": "5678"}), JSON),
    (j({"cc": "65", "a": "139", "b": "1234", "c": "5678"}), JSON),
    (j({"country_code": "65", "amount": "139", "cents": "12345678"}), JSON),
    (j({"cc": "65", "local_number": "6139 1234"}), JSON),
    (j([{"dial_code": "+65", "name": "Singapore"}, {"dial_code": "+62", "name": "Indonesia"},
        {"dial_code": "+81", "name": "Japan"}]), JSON),
    (j([{"country": "SG", "calling_code": "65", "population": "5917600"},
        {"country": "ID", "calling_code": "62", "population": "275501339"}]), JSON),
    (j({"model": "Vario", "engine_cc": "125", "price_1": "1391", "price_2": "2345678"}), JSON),
], ids=["sg-address", "sg-code-parts", "sg-phone", "jakarta-phone", "id-ndc", "jp-0139",
        "email-cc", "cc-65-parts", "amount-cents", "sg-local", "dial-code-list",
        "calling-code-table", "moto-listing"])
def test_foreign_phone_part_objects_stay_clean(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"cc": "+86", "a": "139", "b": "1234", "c": "5678"}), JSON),
    (j({"cc": "0086", "a": "139", "b": "1234", "c": "5678"}), JSON),
    (j({"country_code": "CN", "area_code": "139", "number": "12345678"}), JSON),
    (j({"country_code": "China (+86)", "area_code": "139", "number": "12345678"}), JSON),
    ('{"country_code":86,"area_code":139,"number":12345678}', JSON),
    ("<phone><countryCode>86</countryCode><areaCode>139</areaCode><number>12345678</number>"
     "</phone>", "application/xml"),
    ("country_code=86&prefix=139&line=12345678", "application/x-www-form-urlencoded"),
    (j({"cc": "86", "mobile_prefix": "139", "mobile_suffix": "12345678"}), JSON),
    (j({"国际区号": "+86", "手机号前缀": "139", "尾号": "12345678"}), JSON),
    ("country_code,area_code,number\n86,139,12345678\n", "text/csv"),
    (j({"countryCode": 86, "nationalNumber": 13912345678}), JSON),
], ids=["plus-86", "0086", "cn", "china-label", "json-ints", "xml", "form", "mobile-prefix",
        "chinese-intl-code", "csv", "libphonenumber"])
def test_mainland_phone_part_objects_found(body, content_type):
    assert "mobile" in found(body, content_type)


def test_engine_cc_is_no_calling_code():
    assert found(j({"engine_cc": "139", "vin_1": "1234", "vin_2": "5678"})) == set()


def test_chinese_phone_part_labels_found():
    assert "mobile" in found(j({"国家代码": "86", "号段": "139", "号码": "12345678"}))


def test_phone_parts_in_key_order_found():
    assert "mobile" in found(j({"number": "12345678", "area_code": "139",
                                "country_code": "86"}))


# =============================================================================================
# Keypad letters (_keypad)

@pytest.mark.parametrize("body", [
    "Call 1800-FLOWERS or 6-CALL-NOW",
    "Booking ref 1ABCDEF2345 confirmed",
    "Your booking code: 139ABCD1234",
    "Kendaraan B 1391 ABC, tel 021-5551234",
    "No. polisi: B 1391 ABC; B 1392 XYZ; B 1393 DEF",
    "〒139-1234 TOKYO  Tel 03-1234-5678",
    "Part no. 1390-ABCD-EFG phone +65 6123 4567",
    "Flight SQ 139 1AB CDEF, phone desk",
    "Phone model: 1SG-ABCD-EFGH",
    "phone: iPhone 13 PRO MAX",
    "Phone serial 1H2K3L4M5N6",
    "Tel: 1 ABC DEF GHIJ",
], ids=["vanity-1800", "booking-ref", "booking-139", "id-plate", "id-plates", "jp-postal",
        "part-no", "flight", "phone-model-code", "iphone", "phone-serial", "tel-letters"])
def test_keypad_lookalikes_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "手机 139-1ADG-JMPT", "+86 139 1ADG JMPT", "tel: 1391ADGJMPT",
], ids=["chinese-word", "plus-86", "tel-unbroken"])
def test_keypad_mobiles_found(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.parametrize(("body", "content_type"), [
    ("Tracking: 139-ABCD-1234", TEXT),
    ("SKU 139-XL45-BLUE", TEXT),
    (j({"sku": "158-TX90-GOLD", "qty": 2}), JSON),
    (j({"voucher": "188-WXYZ-8842"}), JSON),
    ("Order ref 177-JPNX-2026 shipped to Tokyo", TEXT),
    ("Kode voucher 1391ABC 5678", TEXT),
    ("Ticket 155-KA7Q2M9X", TEXT),
], ids=["tracking", "sku", "sku-json", "voucher", "order-ref", "voucher-7-4", "ticket-3-8"])
def test_keypad_shaped_codes_stay_clean(body, content_type):
    assert found(body, content_type) == set()


def test_lower_case_keypad_after_plus_86_found():
    assert "mobile" in found("tel +86 139-1adg-jmpt", TEXT)


# =============================================================================================
# TeX (_tex)

@pytest.mark.parametrize("body", [
    r"The value is $6\,123\,4567$ SGD",
    r"\begin{pmatrix}139 & 1234 & 5678\end{pmatrix}",
    r"139 & 1234 & 5678 \\",
    r"population $139\,123\,456$ and area $78$",
    r"$1$, $3$, $9$ \quad $1234\,5678$",
    r"$x^{139}{}_{1234}{}5678$",
    r"Revenue \$139\,123\,456.78",
    r"pages = {139{}--{}1234}, volume={5678}",
    r"ISBN~978\,0\,139\,12345\,6",
], ids=["sg-number", "matrix", "table-row", "population", "list", "exponents", "money",
        "bibtex", "isbn"])
def test_tex_numbers_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    r"$139{}1234{}5678$", r"139\kern.2em1234\kern.2em5678",
    r"139\hspace{0.1em}1234\hspace{0.1em}5678", r"手机 139\,1234\,5678", r"139\!1234\!5678",
    r"\mbox{139}\mbox{1234}\mbox{5678}", r"$110101\,19900307\,1233$",
], ids=["empty-groups", "kern", "hspace", "chinese-word", "negative-space", "mbox", "id"])
def test_tex_spellings_found(body):
    assert found(body, TEXT)


def test_comma_thousands_stay_clean():
    assert found("Capital 13,912,345,678 yen", TEXT) == set()


@pytest.mark.parametrize("body", [r"Capital $13\,912\,345\,678$ yen",
                                  r"$13\,912\,345\,678$"])
def test_tex_thousands_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [r"tel \textcolor{red}{139}\textcolor{red}{12345678}",
                                  r"tel $139\overline{1234}5678$"],
                         ids=["textcolor", "overline"])
def test_tex_decorated_groups_found(body):
    assert "mobile" in found(body, TEXT)


# =============================================================================================
# Japanese kun readings (_kun)

@pytest.mark.parametrize("body", [
    "ひとつ、ふたつ、みっつ、よっつ、いつつ、むっつ、ななつ、やっつ、ここのつ、とお。電話してね",
    "電話で数え歌: ひ、ふ、み、よ、いつ、む、なな、や、ここの、とお",
    "denwa de hanashita. mi ya to mu ni hi yo futa go ni",
    "Tel 03-1234-5678 (Ito, Mu, Nana, Ya, Mi, Hi, Yo)",
    "denwa shite ne! ya mi ni to go hi yo",
    "電話番号はまだ。ひとつふたつみっつよっつ",
], ids=["counting", "counting-song", "romaji-prose", "names", "romaji-chat", "hiragana-prose"])
def test_kun_prose_stays_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "でんわ ひー みー くー ひー ふー みー よー ごー むー なな やー",
    "電話：ｈｉｔｏ ｍｉ ｋｕ ｈｉｔｏ ｆｕｔａ ｍｉ ｙｏ ｉｔｓｕ ｍｕ ｎａｎａ ｙａ",
], ids=["long-vowels", "fullwidth"])
def test_kun_spellings_found(body):
    assert "mobile" in found(body, TEXT)


def test_kun_in_katakana_found():
    assert "mobile" in found("電話 ヒト ミ ク ヒト フタ ミ ヨ イツ ム ナナ ヤ", TEXT)


# Fixed after round 24 (scanner._KUN_PHONE_WORDS): after an ID card's word or a number's.
@pytest.mark.parametrize(("body", "kind"), [
    ("身分証 ひと ひと れい ひと れい ひと ひと く く れい れい み れい なな ひと ふた み み", "id"),
    ("番号: ひと み く ひと ふた み よ いつ む なな や", "mobile"),
], ids=["id-card-word", "number-word"])
def test_kun_without_a_phone_word_found(body, kind):
    assert kind in found(body, TEXT)


# =============================================================================================
# Cyrillic / Greek look-alikes (_script_lookalikes), Braille, Korean, digit words

@pytest.mark.parametrize("body", [
    "Номер: З91234567ВА", "SKU: ВТ1301011990030712", "В 1391 году было 1234567 человек",
    "б1391234567",
], ids=["ru-doc", "sku-18", "ru-prose", "cyrillic-prefix"])
def test_lookalike_words_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", ["Счёт № 1391234567З от 01.02.2026",
                                  "Заказ 1391234567В оформлен"], ids=["invoice", "order"])
def test_cyrillic_series_letters_stay_clean(body):
    assert found(body, TEXT) == set()


def test_braille_prose_stays_clean():
    assert found("⠠⠞⠓⠑ ⠽⠑⠁⠗ ⠼⠁⠊⠊⠚ ⠁⠝⠙ ⠼⠃⠚⠃⠋", TEXT) == set()


@pytest.mark.parametrize("body", ["⠞⠑⠇ ⠼⠁⠉⠊⠁⠃⠉⠙⠑⠋⠛⠓", "⠞⠑⠇ ⠼⠁⠉⠊ ⠼⠁⠃⠉⠙ ⠼⠑⠋⠛⠓"],
                         ids=["one-sign", "sign-per-group"])
def test_braille_mobiles_found(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.xfail(strict=True, reason="round 17 MISS: computer braille (NABCC / 8-dot "
                   "terminals) writes digits in the lower cells with no number sign: after "
                   "'tel' the run is not read")
def test_computer_braille_digits_found():
    assert "mobile" in found("tel ⠂⠒⠔⠂⠆⠒⠲⠢⠖⠶⠦", TEXT)


@pytest.mark.parametrize("body", [
    "가격 백삼십구억 천이백삼십사만 오천육백칠십팔원",
    "인구 백삼십구억 천이백삼십사만 오천육백칠십팔명",
    "대표전화 02-123-4567. 자본금 백삼십구억 천이백삼십사만 오천육백칠십팔",
    "연락처 매출액 139억 1234만 5678원",
], ids=["price-won", "population", "capital", "sales-won"])
def test_korean_amounts_stay_clean(body):
    assert found(body, TEXT) == set()


def test_korean_phone_numerals_found():
    assert "mobile" in found("전화번호 백삼십구억 천이백삼십사만 오천육백칠십팔", TEXT)


def test_korean_budget_after_call_us_stays_clean():
    assert found("전화 문의. 예산 백삼십구억 천이백삼십사만 오천육백칠십팔", TEXT) == set()


@pytest.mark.parametrize("body", [
    "Canción: uno, dos, tres, cuatro, cinco, seis, siete, ocho, nueve, diez",
    "Uno, tres, cinco, siete, nueve: los impares. Dos, cuatro, seis, ocho: los pares.",
    "tu sei uno tre sei otto nove due sei tre",
    "un deux trois, nous irons au bois; quatre cinq six, cueillir des cerises",
], ids=["es-song", "es-rhyme", "it-sei", "fr-rhyme"])
def test_digit_word_prose_stays_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "eins drei neun eins zwei drei vier fünf sechs sieben acht",
    "um três nove um dois três quatro cinco seis sete oito",
    "ஒன்று மூன்று ஒன்பது ஒன்று இரண்டு மூன்று நான்கு ஐந்து ஆறு ஏழு எட்டு",
    "mi número: uno 3 nueve uno dos 3 cuatro 5 seis siete ocho",
], ids=["de", "pt", "ta", "es-mixed"])
def test_digit_words_found(body):
    assert "mobile" in found(body, TEXT)


def test_spanish_digit_words_with_y_found():
    assert "mobile" in found("uno tres nueve uno y dos tres cuatro y cinco seis siete ocho",
                             TEXT)


# =============================================================================================
# IMSI / AmEx label rules: the card word before a first-generation ID

@pytest.mark.parametrize("body", [
    j({"subscriber": {"name": "Li Wei", "national_id": FIRST_GEN}}),
    j({"cardholder": "Li Wei", "holder_id": FIRST_GEN}),
    f"身份证 {FIRST_GEN}",
], ids=["subscriber-national-id", "cardholder", "shenfenzheng"])
def test_first_generation_ids_near_device_words_found(body):
    assert "id" in found(body, JSON if body.startswith("{") else TEXT)


@pytest.mark.parametrize(("body", "content_type"), [
    (f"Identity Card No.: {FIRST_GEN}", TEXT),
    (f"ID-Card No. {FIRST_GEN}", TEXT),
    (j({"ID-Card": FIRST_GEN}), JSON),
    (j({"identity_card": FIRST_GEN}), JSON),
    (f"ID card back side, number {FIRST_GEN}", TEXT),
], ids=["identity-card", "id-dash-card", "id-dash-card-json", "identity_card",
        "id-card-back"])
def test_first_generation_id_after_card_words_found(body, content_type):
    assert "id" in found(body, content_type)


# =============================================================================================
# EMVCo QR (_emv_fields), phone-context, chunked coding (_dechunked)

@pytest.mark.parametrize("body", [
    j({"files": ["000201_report.pdf", "000201011113912_v2.txt"]}),
    j({"batch": "0002010203139120304567800"}),
    j({"qr": qr(QRIS, COMMON, MERCHANT)}),
], ids=["filenames", "batch-number", "qris"])
def test_emv_lookalikes_stay_clean(body):
    assert found(body) == set()


@pytest.mark.parametrize("body", [
    j({"qr": qr(COMMON, qf("59", "ZHANG " + ID), qf("60", "SH"))}),
    j({"qr": qr(COMMON, qf("62", qf("01", "139") + qf("05", "1234") + qf("07", "5678")))}),
    j({"qr": qr(COMMON, qf("59", "139"), qf("60", "12345678"))}),
], ids=["id-in-name", "split-62", "split-59-60"])
def test_emv_spellings_found(body):
    assert found(body)


@pytest.mark.xfail(strict=True, reason="round 17 FP: a PayNow QR whose last field (the bill "
                   "reference INV1391234) ends in seven digits glued to the CRC tag '6304' "
                   "reads as the mobile 13912346304: the raw payload is scanned as one string "
                   "though _emv_fields knows where each field ends")
def test_emv_reference_glued_to_crc_stays_clean():
    payload = qr(qf("26", qf("00", "SG.PAYNOW") + qf("01", "2") + qf("02", "201912345K")
                    + qf("03", "0")), qf("52", "0000"), qf("53", "702"), qf("54", "13.90"),
                 qf("58", "SG"), qf("59", "KOPI SHOP"), qf("60", "Singapore"),
                 qf("62", qf("01", "INV1391234")))
    assert found(j({"qr": payload})) == set()


def test_phone_context_area_found():
    assert "mobile" in found("tel:12345678;phone-context=+86-139", TEXT)


HEAD = "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("body", [
    HEAD + "id,qty\r\n13,9123\r\n45678,1\r\n",
    HEAD + "3\r\n139\r\n4\r\n1234\r\n0\r\n\r\n",
], ids=["not-chunks", "short-capture"])
def test_chunked_captures_stay_clean(body):
    assert found(body, MSG) == set()


# =============================================================================================
# Separated hex, character codes, YAML base 60, SVG text runs, cookie crumbs

@pytest.mark.parametrize("body", [
    "SHA256 Fingerprint=9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82"
    ":2C:D1:5D:6C:15:B0:F0:0A:08",
    "SHA256 Fingerprint=31:33:39:31:32:33:34:35:36:37:38:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"
    ":23:45:67:89:AB:CD:EF:01:23",
    "ages 31 33 39 31 32 33 34 35 36 37 38",
    "String.fromCharCode(72,101,108,108,111)",
    "start: 17:53:29\nduration: 1:30:00\nversion: 1:2:3\n",
], ids=["fingerprint", "fingerprint-digit-bytes", "ages", "char-codes-hello", "yaml-times"])
def test_separated_and_coded_lookalikes_stay_clean(body):
    assert found(body, YAML if body.startswith("start") else TEXT) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    ("macs: 31-33-39-31-32-33-34-35-36-37-38-3a", TEXT),
    (r"\x31\x33\x39\x31\x32\x33\x34\x35\x36\x37\x38", TEXT),
    ("String.fromCharCode(0x31,0x33,0x39,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38)", JS),
    ("[49,51,57,49,50,51,52,53,54,55,56].map(c=>String.fromCharCode(c)).join('')", JS),
    ("new TextDecoder().decode(new Uint8Array([49,51,57,49,50,51,52,53,54,55,56]))", JS),
], ids=["dash-hex", "backslash-x", "hex-char-codes", "map-char-codes", "text-decoder"])
def test_coded_spellings_found(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize("body", [
    "SELECT CHAR(49,51,57,49,50,51,52,53,54,55,56)",
    "=CONCAT(CHAR(49),CHAR(51),CHAR(57),CHAR(49),CHAR(50),CHAR(51),CHAR(52),CHAR(53),CHAR(54),"
    "CHAR(55),CHAR(56))",
], ids=["sql-char", "excel-concat"])
def test_char_code_calls_found(body):
    assert "mobile" in found(body, TEXT)


def test_yaml_mac_address_stays_clean():
    assert found("hosts:\n  web1:\n    mac: 17:53:29:00:27:58\n", YAML) == set()


@pytest.mark.parametrize("cells", [
    ("1", "3", "10", "30", "100", "300"), ("1990", "1995", "2000"),
    ("13", "14", "15", "16", "17", "18"),
], ids=["log-axis", "years", "days"])
def test_svg_axis_labels_stay_clean(cells):
    assert found(svg(*cells), SVG) == set()


def test_svg_transformed_runs_found():
    body = ('<svg><text transform="translate(10 50)">139</text>'
            '<text transform="translate(40 50)">12345678</text></svg>')
    assert "mobile" in found(body, SVG)


@pytest.mark.parametrize("cells", [("139", "1234", "5678"), ("Tampines", "139", "1234", "5678")],
                         ids=["row", "labelled-row"])
def test_svg_table_cells_stay_clean(cells):
    assert found(svg(*cells), SVG) == set()


def test_cookie_crumbs_in_two_headers_found():
    assert "mobile" in line_found("/", "", [("Cookie", "t.0=139"), ("Cookie", "t.1=12345678")])


def test_numbered_cookies_of_short_values_stay_clean():
    assert line_found("/", "", [("Cookie", "viewed_1=1391; viewed_2=2345678")]) == set()


# =============================================================================================
# Bounds: every new reading stayed linear (64 KB -> 1 MB is x16 in time); 64 KB pinned here

HOSTILE = {
    "keypad": ("139-ABCD-123 " * 5000, TEXT),
    "tex": ("1\\," * 21000, TEXT),
    "kun": ("電話 " + "ひと み " * 6500, TEXT),
    "lookalike": ("З1 " * 16000, TEXT),
    "emv": (j({"q": "000201" * 11000}), JSON),
    "chunked": ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + "1\r\n1\r\n" * 11000,
                MSG),
    "der-82": (b"\x30\x82\xff\xff" * 16000, OCTETS),
    "der-indefinite": (b"\x30\x80" * 32000, OCTETS),
    "separated-hex": (":".join(["31"] * 21000), TEXT),
    "svg": ("<svg>" + '<text y="1">1</text>' * 3000 + "</svg>", SVG),
    "char-codes": ("String.fromCharCode(" + "49," * 21000 + "49)", JS),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_64k_is_bounded(name):
    body, content_type = HOSTILE[name]
    started = time.process_time()
    found(body, content_type)
    assert time.process_time() - started < 2.0
