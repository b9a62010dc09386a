"""Red team round 17's scanner classes, fixed as classes: more spellings of each than the
round's own tests (tests/core/test_redteam_round17.py), and the false-positive guards that
must stay clean: payment cards after card words, keypad-shaped codes with no phone word, TeX
thousands, series letters of Russian numbers, Korean amounts, displacement labels."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round15 import j, luhn

ID = "110101199003071233"
FIRST_GEN = "110101900307123"  # Beijing Dongcheng, 1990-03-07
MOBILE = "13912345678"
JSON = "application/json"
TEXT = "text/plain"


def jd(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


AMEX = luhn("37010290030712")  # also a valid first-generation ID (Jinan, 1990-03-07)


# =============================================================================================
# Every spelling of an identity card is an ID's own label: the card word excuses nothing

@pytest.mark.parametrize("label", [
    "Identity Card", "identity-card", "IDENTITY_CARD", "IdentityCard", "identity  card",
    "ID Card", "id-card", "ID_CARD", "IDCard", "id. card", "ID.Card", "Resident Card",
    "身份证", "居民身份证", "身份證", "identity card (back side), no.",
])
def test_first_generation_id_after_identity_card_spellings_found(label):
    assert "id" in found(f"{label}: {FIRST_GEN}", TEXT)


@pytest.mark.parametrize("key", ["identityCard", "identity_card_no", "ID-Card", "idCardNo",
                                 "id_card_number", "identity-card"])
def test_first_generation_id_under_identity_card_keys_found(key):
    assert "id" in found(j(key, FIRST_GEN))


def test_identity_card_label_reaches_past_a_card_word():
    assert "id" in found(f"Identity card, reverse side of the card: {FIRST_GEN}", TEXT)


# Round 21 (POLICY, kept): an identity word anywhere in a number's label means the number is
# an identity number and is never excused (round 21's misses: "NIK Pemegang Polis <ID>", an
# account holder's identity read as the account), so an AmEx number after "KTP card" is read as
# a first-generation ID: a false positive accepted for invariant 1.
_IDENTITY_WINS = pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE (POLICY, round 21): an identity word (KTP, kartu identitas) in the label "
    "wins over the card word; a 15-digit card number there reads as a first-generation ID"))


@pytest.mark.parametrize(("body", "content_type"), [
    (f"Credit card {AMEX}", TEXT),
    (f"card number {AMEX}", TEXT),
    (f"prepaid card {AMEX}", TEXT),
    (f"paid card {AMEX}", TEXT),
    (j("card_number", AMEX), JSON),
    (j("amex", AMEX), JSON),
    (j("creditCard", AMEX), JSON),
    pytest.param(f"KTP card {AMEX}", TEXT, marks=_IDENTITY_WINS),
    pytest.param(f"kartu identitas card {AMEX}", TEXT, marks=_IDENTITY_WINS),
])
def test_payment_cards_after_card_words_stay_clean(body, content_type):
    assert found(body, content_type) == set()


# =============================================================================================
# Keypad letters only after a phone word or +86 / 0086; lower case there too

@pytest.mark.parametrize(("body", "content_type"), [
    ("Tracking no. 139-ABCD-1234", TEXT),
    ("Resi 188-JKTX-0042 dikirim", TEXT),
    ("SKU 1391ABC5678", TEXT),
    (j("voucher_code", "1591ABC 5678"), JSON),
    (j("order_ref", "177-JPNX-2026"), JSON),
    (j("coupon", "138-SALE-2026"), JSON),
    ("Ticket 155-KA7Q2M9X", TEXT),
    ("Parcel 139 ABCD EFGH", TEXT),
    (j("note", "139-1ADG-JMPT"), JSON),  # (the round-16 shape rule: no phone word, no read)
])
def test_keypad_shaped_codes_without_a_phone_word_stay_clean(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    ("tel +86 139-1adg-jmpt", TEXT),
    ("+86 139 1adg jmpt", TEXT),
    ("0086-139-1234-love", TEXT),
    ("手机 139-1adg-jmpt", TEXT),
    ("phone: 139 1234 love", TEXT),
    (j("mobile", "1391234jmpt"), JSON),
    ("tel 139-1ADG-JMPT", TEXT),
    ("Tel. +86 139.1ADG.JMPT", TEXT),
])
def test_keypad_letters_after_a_phone_word_or_plus_86_found(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize("body", [
    "phone: call 1 hour before", "tel: 139 hours ago", "phone 1 day before you go",
    "tel 1-800-flowers", "ref 139-1adg-jmpt", "mobile apps: 1password vault",
])
def test_lower_case_words_after_a_phone_word_stay_clean(body):
    assert found(body, TEXT) == set()


# =============================================================================================
# TeX: thousands grouping is a comma; decorations of digit groups are taken out

@pytest.mark.parametrize(("body", "content_type"), [
    (r"Capital $13\;912\;345\;678$ yen", TEXT),
    (r"Capital $13\:912\:345\:678$ yen", TEXT),
    (r"Revenue $13{,}912{,}345{,}678$", TEXT),
    (r"$1\,391\,234\,567$ visitors", TEXT),
    (r"\SI{13\,912\,345\,678}{\yen}", TEXT),
    (j("latex", r"$13\,912\,345\,678$"), JSON),
    (r"$\frac{139}{12345678}$", TEXT),
    (r"$\overline{139}$ and $\hat{x} = 12345678$", TEXT),
])
def test_tex_thousands_and_fractions_stay_clean(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    (r"$139\,1234\,5678$", TEXT),
    (r"tel $139\,12345678$", TEXT),
    (j("latex", r"$139\,1234\,5678$"), JSON),
    (r"tel \underline{139}\underline{1234}\underline{5678}", TEXT),
    (r"tel $\boxed{139}1234\,5678$", TEXT),
    (r"tel \emph{139}12345678", TEXT),
    (r"tel \colorbox{yellow}{139}\colorbox{yellow}{12345678}", TEXT),
    (r"tel \fcolorbox{red}{white}{139}\fcolorbox{red}{white}{12345678}", TEXT),
    (r"tel \textcolor[rgb]{1,0,0}{139}\textcolor[rgb]{1,0,0}{12345678}", TEXT),
    (r"tel {\color{red}139}12345678", TEXT),
    (r"tel $139\mathbb{1234}5678$", TEXT),
    (r"tel $139\widehat{1234}5678$", TEXT),
    (j("latex", r"tel \\textcolor{red}{139}\\textcolor{red}{12345678}"), JSON),
    (r"身份证 \underline{110101}\underline{19900307}\underline{1233}", TEXT),
])
def test_tex_spellings_found_round17(body, content_type):
    assert found(body, content_type)


@pytest.mark.parametrize("body", [
    r"$110\,101\,199\,003\,071\,233$", r"$110\,101\,900\,307\,123$",
    r"ID $110101\,199003\,071233$", r"tel $13\,912\,345\,678$",
])
def test_ids_and_labelled_mobiles_in_tex_groups_of_three_still_found(body):
    assert found(body, TEXT)


# =============================================================================================
# Cyrillic / Greek look-alikes first or last in a word: series letters unless a word says more

@pytest.mark.parametrize("body", [
    "Счёт № 1391234567Б от 01.02.2026", "Заказ 1391234567Т оформлен",
    "Накладная З139123456 от 01.02", "Квитанция 1591234567Ч", "Παραγγελία 1391234567Β",
    "Договор А1391234567", "Счёт-фактура № 1391234567В",
])
def test_series_letters_of_numbers_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize(("body", "kind"), [
    ("тел. 1391234567В", "mobile"), ("Телефон: 1391234567В", "mobile"),
    ("моб. 1391234567З", "mobile"), ("сотовый 1391234567З", "mobile"),
    ("κινητό 1391234567Β", "mobile"),
    ("τηλ 1391234567Β", "mobile"), ("tel: і3912345678", "mobile"),
    ("Номер 1З912345678", "mobile"),  # (inside the word: read with no word before)
    ("Заказ 139123Ч5678", "mobile"),
    ("身份证 11010190030712З", "id"),
    ("Паспорт 11010119900307123З", "id"),  # (18 characters: the check character holds)
])
def test_lookalikes_read_where_a_word_says_so(body, kind):
    assert kind in found(body, TEXT)


# =============================================================================================
# Korean amounts in place-unit numerals after a phone word a sentence before

KO_NUMERALS = "백삼십구억 천이백삼십사만 오천육백칠십팔"


@pytest.mark.parametrize("word", ["예산", "가격", "금액", "매출", "자본금", "비용", "총액",
                                  "합계", "연봉", "대출", "수익", "요금", "지출", "보증금"])
def test_korean_amounts_after_call_us_stay_clean(word):
    assert found(f"전화 문의. {word} {KO_NUMERALS}", TEXT) == set()


def test_korean_won_amount_stays_clean():
    assert found(f"전화 문의. {KO_NUMERALS}원", TEXT) == set()


@pytest.mark.parametrize("body", [f"전화번호 {KO_NUMERALS}", f"전화번호: {KO_NUMERALS}",
                                  f"휴대폰 {KO_NUMERALS}"])
def test_korean_phone_numerals_still_found(body):
    assert "mobile" in found(body, TEXT)


# =============================================================================================
# Phone parts: "cc" as a whole word only; the Chinese labels of a phone's parts

@pytest.mark.parametrize("body", [
    jd({"engine_cc": "139", "vin_1": "1234", "vin_2": "5678"}),
    jd({"engineCc": "139", "part_a": "1234", "part_b": "5678"}),
    jd({"Engine CC": "139", "stock_1": "1234", "stock_2": "5678"}),
    jd({"bcc": "139", "a": "1234", "b": "5678"}),
    jd({"国家代码": "65", "号段": "139", "号码": "12345678"}),
    jd({"国际区号": "+62", "号段": "139", "号码": "12345678"}),
])
def test_not_a_mainland_calling_code_stays_clean(body):
    assert found(body) == set()


@pytest.mark.parametrize("body", [
    jd({"cc": "86", "a": "139", "b": "1234", "c": "5678"}),
    jd({"country_cc": "86", "a": "139", "b": "1234", "c": "5678"}),
    jd({"phoneCc": "86", "a": "139", "b": "1234", "c": "5678"}),
    jd({"国家代码": "86", "号段": "139", "号码": "12345678"}),
    jd({"國家代碼": "86", "號段": "139", "號碼": "12345678"}),
    jd({"国际区号": "+86", "手机号段": "139", "号码": "12345678"}),
    jd({"国家区号": "0086", "号段": "1391", "尾号": "2345678"}),
    jd({"国家代码": "86", "号段": "139", "中间": "1234", "尾号": "5678"}),
])
def test_mainland_phone_parts_by_their_labels_found(body):
    assert "mobile" in found(body)


# =============================================================================================
# Digit words said aloud with a connector between (y, e, und, et)

@pytest.mark.parametrize("body", [
    "uno tres nueve uno y dos tres cuatro y cinco seis siete ocho",
    "Mi número: uno, tres, nueve, uno y dos, tres, cuatro y cinco, seis, siete, ocho",
    "um três nove um e dois três quatro e cinco seis sete oito",
    "uno tre nove uno e due tre quattro e cinque sei sette otto",
    "eins drei neun eins und zwei drei vier und fünf sechs sieben acht",
    "un trois neuf un et deux trois quatre et cinq six sept huit",
])
def test_digit_words_with_connectors_found(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.parametrize("body", [
    "uno y dos y tres y cuatro y cinco y seis y siete: ¡a contar!",
    "Tengo dos perros y tres gatos, y cuatro peces y un loro",
    "un et deux et trois, nous irons au bois",
    "eins und zwei und drei und vier, fünf und sechs",
    "Canción: uno, dos, tres, cuatro, cinco, seis, siete, ocho, nueve, diez",
    "uno e due e tre e quattro e cinque e sei e sette e otto e nove",
])
def test_counting_with_connectors_stays_clean(body):
    assert found(body, TEXT) == set()


# ---------------------------------------------------------------------------------------------
# Round 18: the fraction of a decimal number is no first-generation ID

@pytest.mark.parametrize("body", [
    '{"brightness": 22.646366050515294}', '{"s": "0.646366050515294"}',
    '{"e": [-0.646366050515294, 1.646366050515294]}', "score 22.646366050515294",
])
def test_a_fifteen_digit_fraction_stays_clean(body):
    assert found(body, JSON if body.startswith("{") else TEXT) == set()


@pytest.mark.parametrize("body", [
    "ID 110101900307123", "ID: 110101.900307.123", "110101900307123.0",
    "身份证 110101.900307123", "tel 139.1234.5678",
])
def test_dotted_identifiers_and_zero_fractions_still_read(body):
    assert found(body, TEXT)


@pytest.mark.parametrize("body", [
    "tel 13912345678", "id a 13912345678", '{"t": "a13912345678"}',  # (short: no hex id)
    '{"t": "tel-13912345678-ok"}', '{"t": "xyz13912345678xyz"}',  # (no hex token)
])
def test_numbers_beside_letters_outside_hex_ids_still_read(body):
    assert "mobile" in found(body, JSON if body.startswith("{") else TEXT)


def test_a_mobiles_digits_inside_a_hex_id_stay_clean():
    assert found('{"t": "deadbeefcafe13912345678"}', JSON) == set()


def test_an_id_inside_a_hex_like_token_keeps_its_check_character():
    assert "id" in found('{"t": "abcdef110101199003071233"}', JSON)
