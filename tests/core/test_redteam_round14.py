"""Red team round 14: the readings added today (numbers with a fraction of one zero, the labels
of other 15-digit numbers, the phone words of the product's markets, masked IDs filled with a
told birth date, Unicode 15/16 digits and characters stripped between digits, quoted-pairs,
lower-case base32, FS/GS/RS/US and HL7 carets as field separators, thousands-grouped mobiles
with no word, Chinese numerals with place units).

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters and which of today's changes it concerns. Nothing here changes the
gateway.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import line_found

ID = "110101199003071233"
IDX = "11010119900307109X"
OLD_ID = "110101900307123"  # first generation (15 digits)
MOBILE = "13912345678"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
CSV = "text/csv"
YAML = "application/yaml"


def j(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# 1. payload.zero_fractions: "13912345678.0" read as the integer


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"t":13912345678.0}', JSON),
    ('{"t":"13912345678.0"}', JSON),
    ('{"t":13912345678.0e0}', JSON),
    ('{"t":"13912345678.0E+00"}', JSON),
    ('{"t":"13912345678."}', JSON),
    ('{"t":"+13912345678.0"}', JSON),
    ('{"t":"-13912345678.0"}', JSON),
    ('{"t":"8613912345678.0"}', JSON),
    ('{"t":"008613912345678.0"}', JSON),
    ('{"t":"1.3912345678E+10"}', JSON),
    ('{"t":"139123456780e-1"}', JSON),
    ('{"t":"13912345678.0f"}', JSON),
    ('{"t":"13912345678.0L"}', JSON),
    ('{"t":"13912345678.0\u00a0"}', JSON),
    ('{"t":"13912345678.0%"}', JSON),
    ('{"t":"np.float64(13912345678.0)"}', JSON),
    ("t=13912345678.0", FORM),
    ("a,b\nx,13912345678.0 \n", CSV),
    ("t: 13912345678.0\n", YAML),
    ("tel 13912345678.0.", TEXT),
    ('{"t":"13912345678.0"}'.encode("utf-16"), "application/json; charset=utf-16"),
    ('{"id":"110101900307123.0"}', JSON),
    ('{"ids":"110101199003071233.0"}', JSON),
])
def test_zero_fraction_found(body, content_type):
    assert found(body, content_type)


@pytest.mark.parametrize(("query", "headers"), [
    ("t=13912345678.0", []),
    ("t=" + urllib.parse.quote("１３９１２３４５６７８") + ".0", []),
    ("", [("X-Phone", "13912345678.0")]),
])
def test_zero_fraction_request_line_found(query, headers):
    assert "mobile" in line_found("/", query, headers)


@pytest.mark.parametrize("body", [
    '{"ts":1732873412.0}', '{"ts":"1732873412.0"}', '{"ts_ms":1732873412000.0}',
    '{"v":"10.0"}', '{"v":"1.0"}', '{"price":139123456.0}', '{"n":"1391234567.0"}',
    '{"v":"13912345678.00"}', '{"v":"13912345678.05"}', '{"v":"1391234567.80"}',
    '{"v":"v13912345678.0"}', '{"x":"1.3912345678.0"}', '{"v":"0.13912345678.0"}',
])
def test_zero_fraction_no_false_positive(body):
    assert found(body) == set()


# Fixed after round 24 (payload._ZERO_FRACTION): fullwidth digits with a zero fraction.
@pytest.mark.parametrize("value", ["１３９１２３４５６７８．０", "１３９１２３４５６７８.０",
                                   "13912345678．0"])
def test_zero_fraction_fullwidth_missed(value):
    assert "mobile" in found(j("t", value))


# Fixed after round 24 (payload._ZERO_FRACTION): a sentence's full stop after the fraction.
def test_zero_fraction_sentence_end_missed():
    assert "mobile" in found("My number is 13912345678.0.", TEXT)


# Fixed after round 24 (scanner.amount_labelled): an amount so written under an amount word.
@pytest.mark.parametrize(("body", "content_type"), [
    ('{"jumlah":13912345678.0}', JSON),
    ('{"total_idr":13912345678.0}', JSON),
    ('{"saldo": 15012345678.0}', JSON),
    ("amount\n13912345678.0\n", CSV),
])
def test_zero_fraction_amount_false_positive(body, content_type):
    assert found(body, content_type) == set()


# ---------------------------------------------------------------------------------------------
# 2. _FIFTEEN_DIGIT_WORDS


@pytest.mark.parametrize("key", ["order_no", "orderid", "invoice", "npwp", "nomor_rekening",
                                 "norek", "virtual_account", "acct", "tax_id", "trx_id",
                                 "transaction", "awb", "no_resi", "tracking", "waybill", "imei"])
def test_fifteen_digit_label_not_an_id(key):
    assert found(j(key, OLD_ID)) == set()


@pytest.mark.parametrize("body", [
    j("id_card", OLD_ID)[:-1] + ', "order": 1}',
    '{"order":"1","身份证号":"110101900307123"}',
    '{"tracking":"","身份证":"x","v":"110101900307123"}',
    '{"account_id_card":"110101900307123"}',
    '{"x":"110101900307123"}',
])
def test_fifteen_digit_id_word_wins(body):
    assert "id" in found(body)


@pytest.mark.parametrize("body", [
    '{"nik":"3174011501900001"}', '{"nik":"1101011903900012"}',  # Indonesian NIK, 16 digits
    '{"card":"4111111111111111"}', '{"amex":"371449635398431"}',
    '{"imei":"356938035643809"}', '{"x":"356938035643809"}',
    '{"cccd":"001090012345"}', '{"corp_no":"1234567890123"}', '{"uen":"201912345K"}',
])
def test_other_countries_numbers_not_ids(body):
    assert found(body) == set()


# Fixed after round 24 (scanner._inside_other_word): a payment word inside another English word (border, syntax) labels nothing.
@pytest.mark.parametrize("body", [
    '{"border":"110101900307123"}',
    '{"syntax":"110101900307123"}',
])
def test_fifteen_digit_label_of_neighbour_missed(body):
    assert "id" in found(body)


# (round 21: a field's separator ends the round-13 words' reach, and an identity word wins)
@pytest.mark.parametrize("body", [
    '{"order":"1","id":"110101900307123"}',
    '{"tax":0,"id":"110101900307123"}',
    '{"account":"x","idnum":"110101900307123"}',
    '{"order":"1","sfzh":"110101900307123"}',
    '{"order":"1","证号":"110101900307123"}',
    '{"lacct":"1","nik":"110101900307123"}',
])
def test_fifteen_digit_label_of_neighbour_found(body):
    assert "id" in found(body)


@pytest.mark.xfail(strict=True, reason="POLICY (round 24, _FIFTEEN_DIGIT_WORDS): a real "
                   "first-generation ID smuggled under an order/invoice/tax/tracking key. A "
                   "15-digit number has no check character: about 1 in 80 random 15-digit "
                   "order, invoice, tax and tracking numbers has a provincial prefix and a "
                   "valid 19YYMMDD date, so reading them would refuse ~1.3% of ordinary "
                   "overseas order traffic; an ID word anywhere in the label still wins, and "
                   "the ID under its own key after such a field is read")
@pytest.mark.parametrize("key", ["order", "invoice", "tax", "tracking"])
def test_fifteen_digit_smuggled_under_order(key):
    assert "id" in found(j(key, OLD_ID))


# Fixed after round 14 (was: FALSE POSITIVE (_FIFTEEN_DIGIT_WORDS incomplete): ...)
@pytest.mark.parametrize(("key", "number"), [
    ("nomor_pajak", "310101850612001"), ("no_rek", "350102881122101"),
    ("acc_no", "440301850615231"), ("transaksi", OLD_ID), ("no_pesanan", OLD_ID),
    ("faktur", OLD_ID), ("stk", OLD_ID), ("so_tai_khoan", OLD_ID), ("ma_don_hang", OLD_ID),
    ("口座番号", OLD_ID), ("注文番号", OLD_ID),
])
def test_fifteen_digit_local_label_false_positive(key, number):
    assert found(j(key, number)) == set()


# ---------------------------------------------------------------------------------------------
# 3. _PHONE_WORDS of the product's markets


@pytest.mark.parametrize("body", [
    j("msisdn", "013912345678"), j("no_hp", "013912345678"), j("sdt", "013912345678"),
    j("SĐT", "139 1234 5678"), j("携帯", "139-1234-5678"), j("휴대폰", "013912345678"),
    j("sjh", "013912345678"), j("celular", "13,912,345,678"),
])
def test_market_phone_words_read(body):
    assert "mobile" in found(body)


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"sdt":"0912345678","cccd":"015090012345"}', JSON),
    ('{"so_dien_thoai":"0912345678","so_cccd":"019090012345"}', JSON),
    ('{"no_hp":"081234567890","nik":"3174011501900001"}', JSON),
    ('{"携帯":"090-1234-5678","マイナンバー":"013912345678"}', JSON),
    ('{"usdt_balance":"139,123.45678"}', JSON),
    ('{"usdt":"0139-1234-5678"}', JSON),
])
def test_market_phone_words_no_false_positive(body, content_type):
    assert found(body, content_type) == set()


# Fixed after round 14 (was: FALSE POSITIVE (_PHONE_WORDS 'sdt'): 'sdt' is a substring ...)
@pytest.mark.parametrize(("body", "line"), [
    ('{"usdt":"13912.345678"}', False),
    ('{"amount_usdt":"13912.345678"}', False),
    ('{"usdt_amount":"15012.345678"}', False),
    ('{"usdt":"1391.2345678"}', False),
    ('{"usdt_amount":"13,912,345,678"}', False),
    ("usdt=13912.345678", True),
])
def test_usdt_amount_false_positive(body, line):
    assert (line_found("/", body) if line else found(body)) == set()


# Fixed after round 14 (was: FALSE POSITIVE (_PHONE_WORDS 'SĐT'/'sdt'): a Vietnamese ...)
@pytest.mark.parametrize(("body", "content_type"), [
    ("sdt=0912345678&cccd=015090012345", FORM),
    ("SĐT: 0912345678, CCCD: 015090012345", TEXT),
    ("Sdt 0912345678 - CCCD 019090012345", TEXT),
])
def test_vietnamese_cccd_after_sdt_false_positive(body, content_type):
    assert found(body, content_type) == set()


# Fixed after round 14 (was: FALSE POSITIVE (_PHONE_WORDS substrings): 'movil' in ...)
@pytest.mark.parametrize("key", ["automovil", "โทรทัศน์", "携帯品", "전화위복"])
def test_phone_word_substring_false_positive(key):
    assert found(j(key, "013912345678")) == set()


# ---------------------------------------------------------------------------------------------
# 4. _masked_ids_filled


@pytest.mark.parametrize("body", [
    j("id", "110101********1233")[:-1] + ', "birthday": "1990-03-07"}',
    '{"id":"110101********109X","birthday":"1990-03-07"}',
    '{"id":"110101********109x","birthday":"1990-03-07"}',
    '{"id":"110101 ******** 1233","birthday":"1990-03-07"}',
    '{"id":"110101########1233","birthday":"1990-03-07"}',
    '{"id":"110101xxxxxxxx1233","birthday":"1990-03-07"}',
    '{"id":"110101XXXXXXXX1233","birthday":"1990-03-07"}',
    '{"id":"110101＊＊＊＊＊＊＊＊1233","birthday":"1990-03-07"}',
    '{"id":"110101ｘｘｘｘｘｘｘｘ1233","birthday":"1990-03-07"}',
    '{"id":"110101××××××××1233","birthday":"1990-03-07"}',
    '{"id":"110101＃＃＃＃＃＃＃＃1233","birthday":"1990-03-07"}',
    '{"id":"110101****\\u002a***1233","birthday":"1990-03-07"}',
    '{"id":"110101%2A%2A%2A%2A%2A%2A%2A%2A1233","birthday":"1990-03-07"}',
    '{"id":"110101********1233","birthday":"19900307"}',
    '{"id":"110101********1233","birthday":"1990/3/7"}',
    '{"id":"110101********1233","birthday":"1990.03.07"}',
    '{"id":"110101********1233","birthday":"1990-3-7"}',
    '{"id":"110101********1233","birthday":"1990年03月07日"}',
    '{"id":"110101********1233","birthday":"1990年3月7日"}',
    '{"id":"110101********1233","birthday":"１９９０－０３－０７"}',
    '{"id":"110101********1233","birthday":"1990-03-07T00:00:00Z"}',
    '{"id":"110101********1233","dates":[' + ",".join(
        f'"{2000 + i}-01-15"' for i in range(40)) + '],"birthday":"1990-03-07"}',
])
def test_masked_id_filled(body):
    assert "id" in found(body)


def test_masked_id_filled_form():
    assert "id" in found("id=110101********1233&birthday=1990-03-07", FORM)


@pytest.mark.parametrize("body", [
    '{"id":"110101********1233"}',
    '{"card":"6222********1234","date":"2026-11-30"}',
    '{"card":"622202********1234","date":"2026-11-30"}',
    '{"masked_va":"310101********5678","dob":"1985-06-12","issued":"2019-04-01"}',
])
def test_masked_no_false_positive(body):
    assert found(body) == set()


# Fixed after round 14: the other masks UIs use, and a mask set off by dashes.
@pytest.mark.parametrize("masked", ["110101●●●●●●●●1233", "110101••••••••1233",
                                    "110101········1233", "110101∗∗∗∗∗∗∗∗1233",
                                    "110101✱✱✱✱✱✱✱✱1233", "110101⁎⁎⁎⁎⁎⁎⁎⁎1233",
                                    "110101________1233", "110101????????1233",
                                    "110101-********-1233"])
def test_masked_id_other_mask_missed(masked):
    assert "id" in found(json.dumps({"id": masked, "birthday": "1990-03-07"},
                                    ensure_ascii=False))


# Fixed after round 14: a date with the year last (day or month first: both are tried, the
# check character decides), with spaces or underscores.
@pytest.mark.parametrize("date", ["07/03/1990", "03/07/1990", "07.03.1990", "07-03-1990",
                                  "1990 03 07", "1990_03_07"])
def test_masked_id_numeric_date_formats(date):
    assert "id" in found(json.dumps({"id": "110101********1233", "birthday": date}))


@pytest.mark.parametrize("body", [
    # (a statement of a masked bank card: no ID word, nothing filled, whatever the dates)
    json.dumps({"card": "622202________1234", "dates": ["07/03/1990", "1990 03 07"]}),
    # (dashes in a line that is no mask of an ID)
    "110101--------1233 19900307",
])
def test_new_masks_and_dates_without_an_id_word_stay_clean(body):
    assert found(body, TEXT) == set()


# Fixed after round 24 (structure_parts.spelled_dates): dates in Chinese numerals, with an English month or in a Japanese era beside a masked ID.
@pytest.mark.parametrize("date", ["一九九〇年三月七日", "7 Mar 1990", "March 7, 1990",
                                  "平成2年3月7日"])
def test_masked_id_date_format_missed(date):
    assert "id" in found(json.dumps({"id": "110101********1233", "birthday": date},
                                    ensure_ascii=False))


@pytest.mark.xfail(strict=True, reason="MISS (_masked_ids_filled, by design): the date more than "
                   "2 KB away from the masked ID (an attacker pads between them)")
def test_masked_id_date_far_missed():
    body = '{"birthday":"1990-03-07","pad":"' + "a" * 2100 + '","id":"110101********1233"}'
    assert "id" in found(body)


# Fixed after round 14 (was: FALSE POSITIVE (_masked_ids_filled): a statement of an ...)
@pytest.mark.parametrize("card", ["622202********1234", "452001********7788"])
def test_masked_card_statement_false_positive(card):
    rows = [{"card": card, "date": f"2025-01-{d:02d}", "amt": "10.00"} for d in range(1, 16)]
    assert found(json.dumps(rows)) == set()


# ---------------------------------------------------------------------------------------------
# 5. Unicode 15/16 digits, characters stripped between digits, 叉 as X

FAMILIES = {"kawi": 0x11F50, "nag_mundari": 0x1E4F0, "garay": 0x10D40, "sunuwar": 0x11BF0,
            "pau_cin_hau?": 0x116D0, "eastern_pwo_karen": 0x116DA, "gurung_khema": 0x16130,
            "kirat_rai": 0x16D70, "outlined": 0x1CCF0, "ol_onal": 0x1E5F1}


def family(base: int, digits: str = MOBILE) -> str:
    return "".join(chr(base + int(c)) for c in digits)


@pytest.mark.parametrize("base", FAMILIES.values(), ids=FAMILIES.keys())
def test_new_digit_families_everywhere(base):
    s = family(base)
    assert "mobile" in found(j("t", s))
    assert "mobile" in found(json.dumps({"t": s}))  # \ud8xx escapes
    assert "mobile" in found(j("t", s).encode("utf-16"), "application/json; charset=utf-16")
    assert "mobile" in found("t=" + urllib.parse.quote(s), FORM)
    assert "mobile" in line_found("/", "t=" + urllib.parse.quote(s))
    assert "mobile" in line_found("/", "", [("X-Note", s)])


@pytest.mark.parametrize("sep", ["\x00", "\u180e", "\u3164", "\uffa0", "\u0640", "\u115f",
                                 "\u1160", "\u2800", "\U000e0020", "\u200b", "\ufeff", "\u034f",
                                 "\u17b4", "\u061c", "\ufe00"])
def test_stripped_between_digits(sep):
    s = sep.join(MOBILE)
    assert "mobile" in found(json.dumps({"t": s}))
    assert "mobile" in line_found("/", "t=" + urllib.parse.quote(s))


def test_nul_percent_encoded_in_form():
    assert "mobile" in found("t=" + "%00".join(MOBILE), FORM)


# Fixed in round 24 (scanner._CONTROLS_BETWEEN_DIGITS): DEL, the other C0 controls, C1 controls
# and private use U+E000-EFFF between digits, as NUL is.
@pytest.mark.parametrize("sep", ["\x7f", "\x01", "\x1b", "\x85", "\x9f", "\ue000"])
def test_other_controls_between_digits(sep):
    assert "mobile" in found(json.dumps({"t": sep.join(MOBILE)}))


@pytest.mark.xfail(strict=True, reason="MISS (NUL, C0/C1 controls and U+E000-EFFF folded, these "
                   "not): U+FFFD and U+FFFE between digits; a receiver that strips unprintable "
                   "characters (Cn filters, or U+FFFD after a lossy decoding) reads the mobile. "
                   "Their UTF-8 (EF BF BD/BE) has no byte of its own that a one-byte search "
                   "finds (EF starts CJK fullwidth punctuation, BD/BE continue CJK): a search "
                   "per scanned text costs ~5 us per 2 KB")
@pytest.mark.parametrize("sep", ["\ufffd", "\ufffe"])
def test_other_controls_between_digits_missed(sep):
    assert "mobile" in found(json.dumps({"t": sep.join(MOBILE)}))


# Fixed in round 24, as in a body
@pytest.mark.parametrize("sep", ["%7F", "%01", "%1B", "%7f", "%C2%85"])
def test_other_controls_in_query(sep):
    assert "mobile" in line_found("/", "t=" + sep.join(MOBILE))


@pytest.mark.parametrize(("body", "content_type"), [
    ("交叉编号11010119900307109叉", TEXT),
    ('{"t":"11010119900307109叉"}', JSON),
    ('{"t":"11010119900307109⨉"}', JSON),
    ('{"t":"11010119900307109☒"}', JSON),
])
def test_cha_as_check_character(body, content_type):
    assert "id" in found(body, content_type)


@pytest.mark.parametrize("body", ["交叉编号110101199003071", "交叉引用 350102198811221 叉车",
                                  "叉烧包 12 个, 订单 44030119850615231 叉"])
def test_cha_in_prose_no_false_positive(body):
    assert found(body, TEXT) == set()


# ---------------------------------------------------------------------------------------------
# 6. quoted-pairs, lower-case base32, FS/GS/RS/US and HL7 carets


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"x":"2^10"}', JSON), ("x^2+139^1234^5678", TEXT), ('{"f":"x^2+139^1234^5678"}', JSON),
    ('{"eq":"2^139+1234^5678"}', JSON), ("OBX|1|NM|GLU^Glucose||139^1234^5678|mg/dl", TEXT),
    ('{"regex":"\\\\d\\\\1\\\\3\\\\9"}', JSON), ('{"x":"mfrggzdfmztwq2lk"}', JSON),
    ('{"slug":"transactionhistorypagetwo"}', JSON), ('{"k":"gezdgnbvgy3tqojq"}', JSON),
])
def test_separators_no_false_positive(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"t":"\\"1\\\\3\\\\9\\\\1\\\\2\\\\3\\\\4\\\\5\\\\6\\\\7\\\\8\\""}', JSON),
    ('{"tel":"139^12345678"}', JSON), ("tel 139^1234^5678", TEXT),
    ("PID|1||110101199003071233^^^CHN^NNCHN||ZHANG^SAN", TEXT),
    ("PID|1||110101^19900307^1233||ZHANG^SAN", TEXT),
    (json.dumps({"t": "geztsmjsgm2dknrxha======"}), JSON),  # base32 of the mobile, lower case
])
def test_separators_and_quoted_pairs_read(body, content_type):
    assert found(body, content_type)


def test_quoted_pair_cookie_read():
    assert "mobile" in line_found("/", "", [("Cookie", 't="1\\3\\9\\1\\2\\3\\4\\5\\6\\7\\8"')])


# Fixed after round 14 (was: FALSE POSITIVE (quoted-pairs): a Windows path whose ...)
@pytest.mark.parametrize("body", ['{"path":"C:\\\\data\\\\1391\\\\234\\\\5678.pdf"}',
                                  '{"path":"C:\\\\1391\\\\2345\\\\678"}'])
def test_windows_path_false_positive(body):
    assert found(body) == set()


# Fixed after round 14 (was: FALSE POSITIVE (quoted-pairs): the same Windows path in ...)
def test_windows_path_cookie_false_positive():
    assert line_found("/", "", [("Cookie", 'p="C:\\1391\\234\\5678"')]) == set()


# Fixed after round 24 (scanner._dialled): an HL7 v2 XTN telephone, carets parting its fields.
@pytest.mark.parametrize("xtn", ["^PRN^CP^^86^139^12345678", "^PRN^PH^^86^139^12345678",
                                 "^PRN^CP^^^139^12345678"])
def test_hl7_xtn_missed(xtn):
    assert "mobile" in found("PID|1||12345^^^HOSP^MR||DOE^JOHN||19800101|M|||||" + xtn, TEXT)


# ---------------------------------------------------------------------------------------------
# 7. thousands-grouped mobiles with no word, Chinese numerals with place units


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"mobile":"13,912,345,678"}', JSON), ('{"mobile":"13.912.345.678"}', JSON),
    ('{"mobile":"13 912 345 678"}', JSON), ('{"mobile":"13\'912\'345\'678"}', JSON),
    ('{"mobile":"13\u2009912\u2009345\u2009678"}', JSON), ('{"mobile":"13٬912٬345٬678"}', JSON),
    ('{"mobile":"一百三十九亿一千二百三十四万五千六百七十八"}', JSON),
    ('{"mobile":"壹佰叁拾玖亿壹仟贰佰叁拾肆万伍仟陆佰柒拾捌"}', JSON),
    ('{"mobile":"一百三十九億一千二百三十四萬五千六百七十八"}', JSON),
    ('{"mobile":"139亿1234万5678"}', JSON),
])
def test_grouped_and_numerals_read(body, content_type):
    # (after a phone word: with none, see test_grouped_and_numerals_without_a_word)
    assert "mobile" in found(body, content_type)


@pytest.mark.xfail(strict=True, reason="POLICY (after round 14): a mobile written with "
                   "thousands separators or in Chinese numerals with place units is read after "
                   "a phone or ID word only; with none, an IDR/VND/JPY amount of 13-19 billion "
                   "under a word no list holds is as likely, and keeping it in China breaks its "
                   "own residency rules")
@pytest.mark.parametrize(("body", "content_type"), [
    ('{"v":"Line: 13,912,345,678"}', JSON), ('{"x":"13\u2019912\u2019345\u2019678"}', JSON),
    ('{"v":"13，912，345，678"}', JSON),
    ('{"v":"百三十九亿千二百三十四万五千六百七十八"}', JSON), ('{"v":"1百39亿12百34万56百78"}', JSON),
    ('{"x":"13,912,345,678"}', JSON), ('{"x":"13.912.345.678"}', JSON),
    ('{"x":"13 912 345 678"}', JSON), ('{"x":"13\'912\'345\'678"}', JSON),
    ('{"x":"13\u2009912\u2009345\u2009678"}', JSON), ('{"x":"13٬912٬345٬678"}', JSON),
    ('{"x":"一百三十九亿一千二百三十四万五千六百七十八"}', JSON),
    ('{"x":"壹佰叁拾玖亿壹仟贰佰叁拾肆万伍仟陆佰柒拾捌"}', JSON),
    ('{"x":"一百三十九億一千二百三十四萬五千六百七十八"}', JSON),
    ('{"x":"139亿1234万5678"}', JSON),
])
def test_grouped_and_numerals_without_a_word(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"harga_total":"13.912.345.678"}', JSON), ('{"gia_tri":"13.912.345.678"}', JSON),
    ('{"資本金":"13,912,345,678"}', JSON), ('{"sales":"13,912,345,678"}', JSON),
    ('{"x":"￥13,912,345,678"}', JSON), ('{"x":"13,912,345,678円"}', JSON),
    ('{"x":"13,912,345,678 円"}', JSON), ('{"x":"(13,912,345,678)"}', JSON),
    ('{"x":"13,912,345,678.00"}', JSON), ('{"x":"13.912.345.678,00"}', JSON),
    ('{"x":"-13.912.345.678"}', JSON), ('{"amount":"13,912,345,678","tel":1}', JSON),
    ("Số tiền vay được duyệt là 13.912.345.678 đồng", TEXT),
    ("Tong gia tri hop dong: 13.912.345.678", TEXT),
    ("売上高は13,912,345,678円です", TEXT), ("資本金 13,912,345,678 円", TEXT),
    ("Revenue FY2025: 13,912,345,678", TEXT),
    ('{"note":"预算一百三十九亿一千二百三十四万五千六百七十八元"}', JSON),
    ('{"note":"一百三十九亿一千二百三十四万五千六百七十八人次"}', JSON),
    ('{"x":"人口一百三十九亿"}', JSON), ("売上高は139億1234万5678円", TEXT),
    ('{"yen":"百三十九億千二百三十四万五千六百七十八円"}', JSON),
])
def test_amounts_no_false_positive(body, content_type):
    assert found(body, content_type) == set()


# Fixed after round 14 (was: FALSE POSITIVE (thousands-grouped mobiles with no word): ...)
@pytest.mark.parametrize("key", ["nilai", "tien", "so_tien", "thanh_tien", "omzet", "penghasilan",
                                 "pendapatan", "modal", "aset", "pinjaman", "plafon", "tagihan",
                                 "setoran", "dana", "gaji", "kekayaan", "doanh_thu", "von_dieu_le",
                                 "khoan_vay", "han_muc", "luong", "thu_nhap", "売上", "年収",
                                 "価格", "料金", "value", "turnover", "net_worth", "transfer"])
def test_local_amount_words_false_positive(key):
    assert found(j(key, "13.912.345.678")) == set()
    assert found(j(key, "13,912,345,678")) == set()


# Fixed after round 14 (was: FALSE POSITIVE (thousands-grouped mobiles with no word): ...)
@pytest.mark.parametrize(("body", "content_type"), [
    ('date,amount\n2026-01-01,"13,912,345,678"\n', CSV),
    ("id;desc;value\n1;Kredit;13.912.345.678\n", CSV),
    ('{"rows":[["2026-01-01","13.912.345.678"]]}', JSON),
    ("Nilai pinjaman yang disetujui adalah 13.912.345.678", TEXT),
    ("nilai=13.912.345.678", FORM),
    ('{"data":{"omzet_tahunan":"13.912.345.678","currency":"IDR"}}', JSON),
])
def test_amount_column_false_positive(body, content_type):
    assert found(body, content_type) == set()


# Fixed after round 14 (was: FALSE POSITIVE (Chinese numerals with place units): a ...)
@pytest.mark.parametrize("body", [
    '{"売上":"139億1234万5678"}', '{"売上":"百三十九億千二百三十四万五千六百七十八"}',
    '{"amount":"一百三十九亿一千二百三十四万五千六百七十八"}',
    '{"note":"总人口约一百三十九亿一千二百三十四万五千六百七十八"}',
])
def test_numerals_with_units_false_positive(body):
    assert found(body) == set()


# Fixed after round 14 (was: FALSE POSITIVE (thousands reading, query string): ...)
@pytest.mark.parametrize("query", ["nilai=13.912.345.678", "tien=13.912.345.678"])
def test_amount_query_false_positive(query):
    assert line_found("/", query) == set()


# ---------------------------------------------------------------------------------------------
# Found on the way (not today's changes): the (3, 8) grouping of a bare mobile


@pytest.mark.xfail(strict=True, reason="FALSE POSITIVE (the 3-8 grouping, before today): a "
                   "longitude in Japan (130-139 E: Tokyo, Yokohama, Osaka, Fukuoka) or a crypto "
                   "amount with 8 decimals (139.12345678 ETH) is read as a mobile")
@pytest.mark.parametrize(("body", "content_type"), [
    ('{"lat":35.68949,"lng":139.69171234}', JSON),
    ('{"geo":"35.6894875,139.69171234"}', JSON),
    ("lng=139.69171234", FORM),
    ('{"amount":139.12345678}', JSON),
    ('{"amount_eth":"135.50000000"}', JSON),
])
def test_decimal_three_eight_false_positive(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize("value", ["📱13,912,345,678", "☎ 13,912,345,678",
                                   "WA: 13.912.345.678",
                                   "zalo 13.912.345.678", "qq 13,912,345,678",
                                   "电话 百三十九亿千二百三十四万五千六百七十八",
                                   "手机 1百39亿12百34万56百78"])
def test_grouped_with_markers_read(value):
    assert "mobile" in found(j("x", value))


# Fixed after round 24 (scanner._grouped_word_after): a phone word after the groups says what
# they are, as one before them does; U+2019 as the separator after a phone word (with no word
# at all it stays an amount's spelling too: test_grouped_and_numerals_without_a_word)
@pytest.mark.parametrize("value", ["13,912,345,678 wechat", "13.912.345.678 WA",
                                   "13,912,345,678 是我的手机", "13,912,345,678☎",
                                   "tel 13’912’345’678", "13,912,345,678 ext",
                                   "13,912,345,678 (WhatsApp)"])
def test_grouped_with_word_after_missed(value):
    assert "mobile" in found(j("x", value))
