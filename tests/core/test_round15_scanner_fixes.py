"""Red team round 15's scanner classes, fixed as classes: more spellings of each than the
round's own tests (tests/core/test_redteam_round15.py), and the false-positive guards that
must stay clean: IMSIs under the subscriber labels, American Express card numbers, Cyrillic
look-alikes of digits, Braille digits, Korean place-unit numerals, digit words alone in Tamil
and the big European languages."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round15 import j, luhn

ID = "110101199003071233"
FIRST_GEN = "110101900307123"  # Beijing Dongcheng, 1990-03-07
MOBILE = "13912345678"
JSON = "application/json"
TEXT = "text/plain"


# =============================================================================================
# IMSIs under the names Android and telecom APIs give them

IMSIS = ["510104900307123", "440103900307123", "510112900307123", "440201900307123"]


@pytest.mark.parametrize("imsi", IMSIS)
@pytest.mark.parametrize("key", ["subscriberId", "subscriber_id", "SubscriberID", "subscriber",
                                 "sim_subscriber_id", "subscriber-number", "supi",
                                 "subscriberIdentity"])
def test_imsi_under_subscriber_labels_clean(key, imsi):
    assert found(j(key, imsi)) == set()


@pytest.mark.parametrize("query", ["subscriber_id=510104900307123",
                                   "subscriberId=440103900307123&mcc=440"])
def test_imsi_in_query_clean(query):
    assert line_found("/", query) == set()


def test_imsi_in_text_clean():
    assert found("SIM subscriber id: 510104900307123 (Telkomsel)", TEXT) == set()


# (a bare "sub" too: a JWT's subject is as often the person's own identifier)
@pytest.mark.parametrize("key", ["subscription", "substation", "subtotal_id", "subject",
                                 "suburb", "id", "resident", "sub"])
def test_first_generation_id_under_other_words_still_read(key):
    assert "id" in found(j(key, FIRST_GEN))


@pytest.mark.parametrize("key", ["subscriberId", "sub", "supi"])
def test_18_character_id_under_subscriber_labels_still_read(key):
    assert "id" in found(j(key, ID))


@pytest.mark.parametrize("body", [
    json.dumps({"subscriber": {"id_card": FIRST_GEN}}),
    "subscriber resident id number " + FIRST_GEN,
])
def test_id_labelled_as_such_after_subscriber_still_read(body):
    assert "id" in found(body, JSON if body.startswith("{") else TEXT)


# =============================================================================================
# American Express card numbers: 34/37, Luhn-valid, grouped 4-6-5 or after a card word

AMEX = luhn("37010290030712")  # also a valid first-generation ID (Jinan, 1990-03-07)


def amex_465(number: str, sep: str = " ") -> str:
    return sep.join((number[:4], number[4:10], number[10:]))


@pytest.mark.parametrize(("body", "content_type"), [
    (f"Paid with AMEX {amex_465(AMEX)}", TEXT),
    (f"Paid with AMEX {amex_465(AMEX, '-')}", TEXT),
    (f"paid {amex_465(AMEX)} thank you", TEXT),
    (j("paid_with", amex_465(AMEX)), JSON),
    (f"American Express {AMEX[:6]} {AMEX[6:12]} {AMEX[12:]}", TEXT),
    (j("american_express", AMEX), JSON),
    (j("AMEX", AMEX), JSON),
    (f"card ending {amex_465(AMEX)}", TEXT),
])
def test_amex_clean(body, content_type):
    assert found(body, content_type) == set()


def test_a_34_card_grouped_is_clean():
    number = luhn("34010219003071")
    assert found(f"paid {amex_465(number)}", TEXT) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    # not Luhn-valid: no card, a first-generation ID said to be one
    (f"ID {FIRST_GEN[:6]} {FIRST_GEN[6:12]} {FIRST_GEN[12:]}", TEXT),
    # an ID word wins over the grouping
    (f"身份证 {amex_465(AMEX)}", TEXT),
    (j("id_card", amex_465(AMEX)), JSON),
    # unlabelled and unbroken: read (policy; see test_redteam_round15)
    (j("value", AMEX), JSON),
    (f"ID {AMEX[:6]} {AMEX[6:12]} {AMEX[12:]}", TEXT),
])
def test_ids_shaped_as_amex_still_read(body, content_type):
    assert "id" in found(body, content_type)


def test_a_15_digit_order_number_clean():
    assert found(j("order_no", "370102900307121")) == set()


# =============================================================================================
# Braille digits: the number sign, then the cells a-j (UEB, literary) or the lower cells (Nemeth)

UEB = "⠚⠁⠃⠉⠙⠑⠋⠛⠓⠊"  # 0-9
NEMETH = "⠴⠂⠆⠒⠲⠢⠖⠶⠦⠔"  # 0-9


def ueb(number: str) -> str:
    return "⠼" + "".join(UEB[int(c)] for c in number)


def nemeth(number: str) -> str:
    return "⠼" + "".join(NEMETH[int(c)] for c in number)


@pytest.mark.parametrize(("value", "kind"), [
    (ueb(MOBILE), "mobile"),
    (ueb("139") + "⠤" + ueb("1234") + "⠤" + ueb("5678"), "mobile"),
    (" ".join((ueb("139"), ueb("1234"), ueb("5678"))), "mobile"),
    (ueb("139") + "⠐" + ueb("1234")[1:] + "⠐" + ueb("5678")[1:], "mobile"),  # numeric space
    (ueb("86") + " " + ueb(MOBILE), "mobile"),
    (nemeth(MOBILE), "mobile"),
    (ueb(ID), "id"),
    (ueb("11010119900307109") + "⠭", "id"),
    (ueb("11010119900307109") + "⠰⠭", "id"),
    (ueb(FIRST_GEN[:6]) + " " + ueb(FIRST_GEN[6:12]) + " " + ueb(FIRST_GEN[12:]), "id"),
])
def test_braille_numbers_read(value, kind):
    assert kind in found(j("x", value))


def test_braille_in_text_read():
    assert "mobile" in found("⠞⠑⠇⠒ " + ueb(MOBILE), TEXT)


@pytest.mark.parametrize("value", [
    "⠁⠉⠊⠁⠃⠉⠙⠑⠋⠛⠓",  # the letters a-j without the number sign: "acia bcde fgh"
    "⠁⠉⠊⠁⠃⠉⠙⠑⠋⠛⠓⠁⠉⠊⠁⠃⠉⠙⠑⠋⠛⠓⠚",
    "⠂⠒⠔⠂⠆⠒⠲⠢⠖⠶⠦",  # lower cells, punctuation, without the number sign
    "⠠⠓⠑⠇⠇⠕ ⠺⠕⠗⠇⠙ ⠼⠃⠚⠃⠋",  # "Hello world 2026"
    ueb("139") + " " + ueb("2026"),
])
def test_braille_without_a_number_clean(value):
    assert found(j("x", value)) == set()


# =============================================================================================
# Cyrillic and Greek look-alikes of digits, under the OCR letters' guard (a whole word of an
# identifier's length with seven digits or more)

@pytest.mark.parametrize(("value", "kind"), [
    ("1З912З45678", "mobile"), ("1з912з45678", "mobile"),  # Ze, capital and small
    ("139123Ч5678", "mobile"), ("139123ч5678", "mobile"),  # Che
    ("13912345б78", "mobile"), ("13912345Б78", "mobile"),  # Be
    ("1391234Ѕ678", "mobile"), ("1391234ѕ678", "mobile"),  # Dze (S)
    ("139123456Т8", "mobile"), ("1391234567В", "mobile"),  # Te (T 7), Ve (B 8)
    ("139123А5678", "mobile"), ("і3912345678", "mobile"),  # A 4, Ukrainian i 1
    ("1Ӡ912Ӡ45678", "mobile"), ("1Ʒ912Ʒ45678", "mobile"),  # Abkhaz dze, Latin ezh
    ("1391Ζ345678", "mobile"), ("139123456Τ8", "mobile"),  # Greek Zeta 2, Tau 7
    ("139123Α5678", "mobile"), ("1391234567Β", "mobile"),  # Greek Alpha 4, Beta 8
    ("1З9І2З45б78", "mobile"), ("1З9I2З4S678", "mobile"),  # with the folded and Latin ones
    ("8613912З45678", "mobile"),
    ("11010119900З071233", "id"), ("110101199ОО3О7123З", "id"),
    ("110101900З07123", "id"),
])
def test_script_lookalikes_read(value, kind):
    assert kind in found(j("tel", value))


def test_script_lookalikes_in_text_read():
    assert "mobile" in found("Мой номер: 1З912З45678, звоните", TEXT)


@pytest.mark.parametrize(("body", "content_type"), [
    ("Заказ №1391234 от 12.03.2024, сумма 5 678 руб.", TEXT),
    ("Звоните: 8 (495) 123-45-67, обработка заявки 3 дня", TEXT),
    (j("адрес", "г. Москва, ул. Зорге, д. 5, кв. 78, индекс 125252"), JSON),
    (j("note", "Заказ 2024 обработан, Ч1 Б2 В3 Т4 А5"), JSON),
    (j("code", "ЗБ-1391-2345"), JSON),
    (j("code", "БВ139123456ЧЗА"), JSON),  # a word longer than an identifier
    (j("code", "ЗЗЗЗЗЗЗ1391"), JSON),  # too few digits
    ("Ζ 139 ΑΒΓ 12345 Τ", TEXT),
    (j("греческий", "ΑΒΓΔΕΖΗΘ 2024"), JSON),
])
def test_russian_and_greek_text_clean(body, content_type):
    assert found(body, content_type) == set()


def test_lookalike_beside_a_letter_not_read():
    # (as the Latin OCR letters: a look-alike inside a word of letters is that word's)
    assert found(j("x", "тел1З912З45678ок")) == set()


# =============================================================================================
# Korean place-unit numerals in Hangul, after a phone or ID word

KO_MOBILE = "백삼십구억천이백삼십사만오천육백칠십팔"


@pytest.mark.parametrize(("body", "kind"), [
    (j("전화", KO_MOBILE), "mobile"),
    (j("phone", "백삼십구억 천이백삼십사만 오천육백칠십팔"), "mobile"),  # Korean spacing
    ("전화번호는 " + KO_MOBILE + "이에요", "mobile"),  # the copula after it
    ("전화번호는 " + KO_MOBILE + "입니다.", "mobile"),
    ("연락처: " + KO_MOBILE, "mobile"),
    ("핸드폰 번호 백삼십구억천이백삼십사만오천륙백칠십팔", "mobile"),  # 륙 for 6
    ("휴대폰: 일백삼십구억일천이백삼십사만오천육백칠십팔", "mobile"),  # 일 before each unit
    ("전화 139억 천이백삼십사만 5678", "mobile"),  # digits among them
    ("주민번호 백십만천십구억삼십만칠천백이십삼", "id"),  # a first-generation ID
    ("신분증 번호: 백십만천십구억 삼십만 칠천백이십삼", "id"),
])
def test_korean_place_unit_numerals_read(body, kind):
    assert kind in found(body, JSON if body.startswith("{") else TEXT)


@pytest.mark.parametrize("body", [
    KO_MOBILE,  # no phone or ID word
    j("매출", KO_MOBILE),  # sales
    j("금액", KO_MOBILE),  # amount
    "인구는 " + KO_MOBILE + "명입니다",  # a population, counted
    "전화 상담 후 " + KO_MOBILE + "원을 입금했습니다",  # won
    "전화위복이라고 " + KO_MOBILE,  # 전화위복 is no phone word
    "기억 속의 " + KO_MOBILE,
    "올해 매출은 삼천이백억 원, 영업이익은 오백억 원으로 전년 대비 이십 퍼센트 늘었다.",
    "전화번호 안내: 일이삼사 오육칠팔, 이억 명이 이용합니다",
    "서울시 구로구 오류동 일이삼 번지, 이번 주 일요일 오후 삼시에 만나요. 사십억 년 전 지구",
])
def test_korean_prose_with_numbers_clean(body):
    assert found(body, JSON if body.startswith("{") else TEXT) == set()


# =============================================================================================
# Digit words alone (seven or more in a row) in Tamil, Spanish, Portuguese, French, German and
# Italian

WORDS = {
    "Tamil": ["பூஜ்ஜியம்", "ஒன்று", "இரண்டு", "மூன்று", "நான்கு", "ஐந்து", "ஆறு", "ஏழு", "எட்டு",
              "ஒன்பது"],
    "Tamil, spoken": ["சைபர்", "ஒண்ணு", "ரெண்டு", "மூணு", "நாலு", "அஞ்சு", "ஆறு", "ஏழு", "எட்டு",
                      "ஒன்பது"],
    "Spanish": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho",
                "nueve"],
    "Portuguese": ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito",
                   "nove"],
    "Brazilian": ["zero", "um", "dois", "tres", "quatro", "cinco", "meia", "sete", "oito",
                  "nove"],
    "French": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"],
    "German": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
               "neun"],
    "German, radio": ["null", "eins", "zwo", "drei", "vier", "fuenf", "sechs", "sieben", "acht",
                      "neun"],
    "Italian": ["zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto",
                "nove"],
}


def say(number: str, language: str, sep: str = " ") -> str:
    return sep.join(WORDS[language][int(c)] for c in number if c.isdigit())


@pytest.mark.parametrize("language", sorted(WORDS))
@pytest.mark.parametrize(("number", "kind"), [(MOBILE, "mobile"), (ID[:17], None)])
@pytest.mark.parametrize("sep", [" ", ", ", "-"])
def test_digit_words_alone_read(language, number, kind, sep):
    text = say(number, language, sep)
    if kind is None:  # an ID said in words, its check character a digit word too
        text, kind = say(ID, language, sep), "id"
    assert kind in found(j("t", text)), text


@pytest.mark.parametrize("language", ["Spanish", "French", "German", "Portuguese", "Italian"])
def test_digit_words_alone_capitalised_and_in_a_sentence(language):
    assert "mobile" in found(j("t", say(MOBILE, language).upper()))
    assert "mobile" in found(j("t", say(MOBILE, language).title()))
    assert "mobile" in found("Tel.: " + say(MOBILE, language) + ". Gracias", TEXT)


def test_digit_words_alone_at_the_start_of_a_text():
    assert "mobile" in found(say(MOBILE, "Spanish"), TEXT)
    assert "mobile" in found("tel=" + say(MOBILE, "French").replace(" ", "+"),
                             "application/x-www-form-urlencoded")


@pytest.mark.parametrize("text", [
    # prose with numbers and their words, and fewer than seven digit words in a row
    "Tengo dos hermanos y una hermana; vivimos en la calle Cinco número 139, piso 3.",
    "Uno, dos, tres, cuatro, cinco: ¡a jugar! El pedido 13912345 llega el día 5.",
    "Eu tenho dois irmãos e uma irmã, moramos na rua Sete, número 1391, apartamento 23.",
    "Um, dois, três, quatro, cinco e seis: conte até seis e ligue 0800 123 456.",
    "J'ai deux frères et une sœur; un deux trois, nous irons au bois, quatre cinq six.",
    "Il est neuf heures et demie, le train numéro 6139 part du quai deux.",
    "Ich habe zwei Brüder und eine Schwester; eins zwei drei vier fünf sechs, los geht's!",
    "Null Fehler, eins a Qualität: Bestellnummer 139123, Lieferung in drei Tagen.",
    "Ho due fratelli e una sorella, uno due tre quattro cinque sei, via Roma 139.",
    "எனக்கு இரண்டு சகோதரர்கள் மற்றும் ஒரு சகோதரி உள்ளனர்; ஒன்று இரண்டு மூன்று நான்கு ஐந்து.",
    "அவர் ஆறு மணிக்கு வந்தார், ஏழு பேர் இருந்தனர், 2024 ஆம் ஆண்டு.",
    # English prose of those letters
    "it is not the one that is sent on the date the order of the case is due",
    "the cat sat on the mat and it is the one seen at the door",
])
def test_prose_in_those_languages_clean(text):
    assert found(j("t", text)) == set(), text
    assert found(text, TEXT) == set(), text


def test_json_of_short_words_clean():
    body = json.dumps({"status": "ok", "items": ["un", "deux", "trois", "quatre", "cinq"],
                       "codes": ["null", "null", "null", "null", "null", "null", "null"],
                       "note": "sent on due date", "ref": "A-1391"})
    assert found(body) == set()


def test_ascii_json_without_prose_makes_no_such_reading():
    from residency_gateway.core import scanner

    body = json.dumps({"request_id": "4f1c2a9e", "card_side": "front", "status": "ok",
                       "count": 3, "items": [{"name": "uno", "value": 1}]}).encode()
    assert scanner._more_said(body) is None


@pytest.mark.parametrize("text", ["1 3 9 ஒன்று 2 3 4 5 6 7 8", "1 3 9 1 இரண்டு 3 4 5 6 7 8",
                                  "ஒண்ணு 3 9 1 2 3 4 5 6 7 8"])
def test_tamil_words_among_digits_read(text):
    assert "mobile" in found(j("t", text))


def test_tamil_prose_with_digits_clean():
    text = "அவர் 3 மணிக்கு 5 பேர் 7 நாட்கள் 2 வாரம் 9 மாதம் 1 ஆண்டு 4"
    assert found(j("t", text)) == set()
