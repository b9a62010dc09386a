"""Japan's corporate numbers and invoice registration numbers ("T" + 13 digits) that begin
86-1[3-9] are not the unbroken +86 spelling of a mainland mobile (red team round 19's false
positive), where a T or a corporate-number label says so and the check digit holds; a phone
word, a failed check digit or no T/label keeps the mobile reading."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round19 import corporate_86, corporate_number

JSON = "application/json"
TEXT = "text/plain"


def j(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def bad_check(number: str) -> str:
    """The same number but for a last digit that makes the check digit fail."""
    last = int(number[-1])
    return number[:-1] + str(last + 1 if last < 9 else last - 1)


@pytest.mark.parametrize("after", ["1391234", "1580000", "1861234", "1771234", "1990001",
                                   "1330000", "1450123"])
@pytest.mark.parametrize("spell", [
    lambda n: (j({"invoice_registration_number": "T" + n}), JSON),
    lambda n: ("登録番号: T" + n + "\n合計 ¥1,980", TEXT),
    lambda n: ("Registration No. T" + n, TEXT),
    lambda n: (j({"corporate_number": n}), JSON),
    lambda n: ("法人番号：" + n, TEXT),
    lambda n: (j({"issuer": {"name": "株式会社サンプル", "t_no": "T" + n}}), JSON),
    lambda n: ("seller=ACME&reg=T" + n + "&total=1980", "application/x-www-form-urlencoded"),
    lambda n: ("適格請求書発行事業者 " + n, TEXT),
], ids=["json-t", "label-t", "english-t", "json-label", "label", "nested-t", "form-t",
        "qualified-issuer-label"])
def test_corporate_numbers_beginning_86_stay_clean(spell, after):
    body, ctype = spell(corporate_86(after))
    assert "mobile" not in found(body, ctype), body


@pytest.mark.parametrize("spell", [
    lambda n: ("tel: " + n, TEXT),  # a phone word: the mobile reading stands
    lambda n: (j({"mobile": "T" + n}), JSON),
    lambda n: (j({"ref": n}), JSON),  # no T, no corporate label
    lambda n: ("ABT" + n, TEXT),  # a T inside a code is no invoice number's
], ids=["phone-word", "phone-key-t", "bare", "t-inside-a-code"])
def test_the_same_digits_without_what_says_corporate_are_read(spell):
    body, ctype = spell(corporate_86("1391234"))
    assert "mobile" in found(body, ctype), body


@pytest.mark.parametrize("label", ["T", "法人番号 ", "invoice registration "])
def test_a_failed_check_digit_keeps_the_mobile(label):
    number = bad_check(corporate_86("1391234"))
    assert "mobile" in found(label + number, TEXT)


def test_the_check_digit_rule_is_japans():
    # (the National Tax Agency's own corporate number)
    assert corporate_number("000012050002") == "7000012050002"
