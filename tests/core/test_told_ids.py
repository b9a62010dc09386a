"""An ID told in parts after a word that says it is one, each part labelled in words and no
colon between ("身份证号码前六位110101, 出生日期19900307, ..." with fullwidth commas): the told-ID
reading joins the numbers after the word."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.idnumber import check_character
from residency_gateway.core.payload import inspect_body
from residency_gateway.core.scanner import tokens

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def ids(text: str, content_type: str = "text/plain") -> set[str]:
    found = inspect_body(text.encode(), content_type=content_type, key=KEY, today=TODAY)
    return {i.subject.pseudonym for i in found.ids}


def id_values(text: str) -> set[str]:
    return {t.value for t in tokens(text, today=TODAY) if t.kind == "resident_id"}


def resident_id(rng: random.Random) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25000))
    head = (rng.choice(["110101", "310104", "440305", "510107", "650102"])
            + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}")
    return head + check_character(head)


# (word before, label of each part) in the ways people write them
STYLES = [
    ("身份证号码", ["前六位", "，出生日期", "，顺序码", "，校验码"]),
    ("身份证", ["前六位是", "，中间八位是", "，后三位是", "，最后一位是"]),
    ("公民身份号码", ["地区码", "，生日", "，顺序号", "，末位"]),
    ("证件号", ["前6位", "，第7到14位", "，第15-17位", "，第18位"]),
    ("ID", [" first six ", ", born ", ", then ", ", check "]),
    ("citizen ID:", [" first 6 digits ", ", date of birth ", ", sequence ", ", last digit "]),
    ("Resident ID", [" area ", " birth ", " seq ", " check "]),
]


@pytest.mark.parametrize(("word", "labels"), STYLES)
def test_an_id_told_in_labelled_parts_is_read(word, labels):
    rid = "11010519491231002X"
    text = word + "".join(label + part for label, part in zip(
        labels, (rid[:6], rid[6:14], rid[14:17], rid[17]), strict=True))
    assert id_values(text) == {rid}, text
    assert ids(f"客户留言：{text}。谢谢") and ids('{"note": "' + text + '"}', "application/json")


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(STYLES),
       st.sampled_from([(6, 8, 4), (6, 8, 3, 1), (6, 12), (14, 4)]))
def test_any_valid_id_told_in_parts_is_read(rng, style, cut):
    word, labels = style
    rid = resident_id(rng)
    parts, at = [], 0
    for size in cut:
        parts.append(rid[at:at + size])
        at += size
    text = word + "".join(label + part for label, part in zip(labels, parts, strict=False))
    assert rid in id_values(text), text


def test_numbers_after_an_id_word_that_are_not_its_parts_are_not_an_id():
    for text in ("ID card issued 2016.03.07, valid for 20 years; fee 120 dollars",
                 "resident since 1990, 2 children, unit 12-345, postal code 238801",
                 "身份证有效期2016.03.07-2036.03.07，签发机关东城分局",
                 "citizen ID verified at 10:32:05 on 2026-11-29, score 0.9982, attempt 3",
                 '{"id": "4f1c2a9e", "request_id": 20261129, "seq": 123456}'):
        assert not ids(text), text


def test_random_numbers_after_id_words_rarely_make_an_id():
    """With a word that says "ID", numbers side by side are tried joined; the birth date,
    the province and the check character keep chance agreements rare (measured: 4 in
    3000 texts of 2 to 5 random numbers of 1 to 8 digits)."""
    rng = random.Random(3)
    words = ["ID", "resident", "citizen", "ID card", "身份证", "证件", "Resident ID"]
    fill = ["since", "unit", "postal", "points", "order", "ref", "born", "issued", "valid",
            "room", "tel", "年", "号", "邮编", "序号"]
    hits = 0
    for _ in range(3000):
        parts = [rng.choice(fill) + " " + "".join(rng.choice("0123456789") for _ in range(
            rng.choice([1, 2, 3, 4, 4, 6, 6, 8, 8, 5]))) for _ in range(rng.randrange(2, 6))]
        hits += bool(ids(rng.choice(words) + " " + ", ".join(parts)))
    assert hits <= 10


def test_the_traditional_forms_of_the_id_words_say_it_too():
    # Hong Kong, Macau and Taiwan write 身分證 and 證件 (a mainland ID in their text still is one)
    rid = "11010519491231002X"
    for text in (f"身分證號碼前六位{rid[:6]}，出生日期{rid[6:14]}，順序碼{rid[14:17]}，校驗碼X",
                 f"證件號碼前六位是{rid[:6]}，中間八位是{rid[6:14]}，最後四位是{rid[14:]}",
                 f'{{"身分證前六位": "{rid[:6]}", "出生日期": "{rid[6:14]}", '
                 f'"後四位": "{rid[14:]}"}}'):
        assert id_values(text) == {rid}, text


def test_the_traditional_phone_words_say_a_phone_too():
    for text in ("手機：139 1234 5678 2", '{"手機": [139, 1234, 5678]}', "聯絡 139-1234-5678 x"):
        assert {t.value for t in tokens(text, today=TODAY) if t.kind == "phone"} == {
            "+8613912345678"}, text
