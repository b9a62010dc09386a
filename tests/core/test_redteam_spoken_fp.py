"""Red team, false positives of the said-digits / pinyin / unbroken-mobile readings: ordinary
non-mainland data that must not be read as a mainland mobile or ID (a finding routes the
customer's data to China).

- one unbroken 11-digit group beside other numbers is a number of its own only when it stands
  apart as a word: not the integer part of an amount ("15012345678.50" IDR), not part of a
  reference joined by dashes, slashes, dots or underscores ("INV-2026-15012345678"), not the
  national number after a foreign country code written without its plus ("0049 15112345678");
- a list of names in pinyin ("Yao Si Qi", "Liu Yi Ling", ...) is names, not digits said."""

from __future__ import annotations

import datetime as dt
import json
import random

from residency_gateway.core.payload import inspect_body, scan_request_line
from residency_gateway.core.scanner import tokens

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def mainland(body: str, content_type: str = "application/json") -> bool:
    found = inspect_body(body.encode(), content_type=content_type, key=KEY, today=TODAY)
    return bool(found.ids) or any(p.jurisdiction == "CN" for p in found.phones)


def eleven(rng: random.Random) -> str:
    """An 11-digit number that is also a valid mainland mobile (most 1[3-9]... are)."""
    return rng.choice(["139", "150", "151", "172", "186", "199"]) + "".join(
        rng.choice("0123456789") for _ in range(8))


def test_an_amount_with_decimals_is_not_a_mobile():
    rng = random.Random(1)
    for _ in range(200):
        n, cents = eleven(rng), f"{rng.randrange(100):02d}"
        for body in (json.dumps({"amount": f"{n}.{cents}", "currency": "IDR"}),
                     json.dumps({"balance": f"{n}.00", "currency": "VND"}),
                     json.dumps({"score": f"0.{n}"})):
            assert not mainland(body), body
        assert not mainland(f"Total transfer Rp {n}.{cents} to BCA", "text/plain")


def test_a_reference_joined_by_dashes_slashes_or_underscores_is_not_a_mobile():
    rng = random.Random(2)
    for _ in range(200):
        n = eleven(rng)
        for value in (f"{n}-{rng.randrange(1, 99):02d}", f"INV-2026-{n}", f"ORD/20261129/{n}",
                      f"scan_20261029_{n}.jpg", f"SO.2026.{n}", f"{n}/2"):
            assert not mainland(json.dumps({"ref": value})), value
        assert not scan_request_line(f"/v1/orders/2026/{n}-01", "", key=KEY,
                                     today=TODAY).phones


def test_a_foreign_mobile_after_its_country_code_without_a_plus_is_not_mainland():
    rng = random.Random(3)
    for _ in range(200):
        german = rng.choice(["151", "152", "157", "160", "162", "170", "176", "177"]) + "".join(
            rng.choice("0123456789") for _ in range(8))
        brazilian = rng.choice("3456789") + "9" + "".join(
            rng.choice("0123456789") for _ in range(8))
        for value in (f"0049 {german}", f"49 {german}", f"0055 1{brazilian}",
                      f"55 1{brazilian}"):
            assert not mainland(json.dumps({"hp": value})), value
            assert not any(t.jurisdiction == "CN" for t in tokens(value, today=TODAY)), value


def test_an_unbroken_mobile_set_apart_by_spaces_is_still_read():
    # what the rule is for stays: a number before or after a mobile does not hide it
    for text in ("0 13912345678", "13912345678 2026", "order 12 13912345678 paid",
                 "1 13912345678", "0086 13912345678", "86 13912345678"):
        assert {t.value for t in tokens(text, today=TODAY)} == {"+8613912345678"}, text


SURNAMES = ("Liu", "Wu", "Yao", "Liang", "Qi", "Yi")
GIVEN = ("Yi", "Ling", "Si", "Qi", "Yao", "Wu", "Liang", "Er", "San", "Jiu", "Ba", "Liu")


def test_a_list_of_names_in_pinyin_is_not_a_number():
    # names made of the syllables of digits only (the worst case): directors, household
    assert not mainland(json.dumps(
        {"directors": ["Yao Si Qi", "Liu Yi Ling", "Liang Wu", "Wu Yi Ling"]}))
    rng = random.Random(4)
    for _ in range(1500):
        style = rng.randrange(3)
        names = []
        for _ in range(rng.randint(3, 8)):
            given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))]
            name = rng.choice(SURNAMES) + " " + (
                "".join(given).capitalize() if style == 1 else " ".join(given))
            names.append(name.upper() if style == 2 else name)
        for body, content_type in ((json.dumps({"ubo": names}), "application/json"),
                                   (", ".join(names), "text/plain"),
                                   ("; ".join(names), "text/plain"),
                                   ("\t".join(names), "text/tab-separated-values"),
                                   (json.dumps({"x": ["Tan Wei", *names]}), "application/json")):
            assert not mainland(body, content_type), body


def test_a_number_said_in_pinyin_in_a_list_is_still_read():
    said = ["Yao", "San", "Jiu", "Yao", "Er", "San", "Si", "Wu", "Liu", "Qi", "Ba"]
    for body in (json.dumps({"x": said}), json.dumps({"x": ", ".join(said)}),
                 json.dumps({"x": "Yao San Jiu, Yao Er San Si, Wu Liu Qi Ba"}),
                 json.dumps({"x": "\t".join(said)}),
                 json.dumps({"x": "YAO SAN JIU YAO ER SAN SI WU LIU QI BA"})):
        assert mainland(body), body


def test_numbers_alone_are_not_rewritten_when_something_else_in_the_body_says_digits():
    # Pinyin names (seven syllables) or a glued digit word anywhere made the said-digits
    # reading run on the whole body, which wrote [1, 3, 9, 1, 2, ...] as spaced digits: a
    # mobile read digit by digit. A survey's answers, ratings, a PIN pad's layout.
    rng = random.Random(5)
    for _ in range(300):
        answers = [int(rng.choice("13")), rng.choice([3, 5, 8, 9])] + [
            rng.randrange(10) for _ in range(9)]
        for other in ({"names": ["Liu Yi Ling", "Wu Si Qi", "Yao San"]},
                      {"ref": "oneoneone"}, {"comment": "one or two, three at most"}):
            body = json.dumps({**other, "answers": answers})
            assert not mainland(body), body
    # said digits among them are still read
    assert mainland(json.dumps({"m": "one three nine 1 2 3 4 5 6 7 8"}))
