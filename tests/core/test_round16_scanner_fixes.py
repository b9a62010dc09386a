"""Round 16 fixes (tests/core/test_redteam_round16.py): more spellings of each class read now,
and the false positives each reading must not make.

Classes: a phone as an object of parts (the parts' labels are phone words for the joined
fields), TeX spacing and grouping between digits, phone-keypad vanity letters, Japanese kun
readings after a phone word, SVG <text> runs of one line, character codes
(String.fromCharCode, =CHAR(n)&...).
"""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found

MOBILE = "13912345678"
ID = "110101199003071233"
JSON = "application/json"
SVG = "image/svg+xml"
JS = "application/javascript"
CSV = "text/csv"


def j(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


# -- a phone as an object of parts ---------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"phone": {"country_code": "86", "area_code": "139", "number": "12345678"}},
    {"cc": "86", "prefix": "139", "line": "12345678"},
    {"dial": "86", "area_code": "139", "number": "12345678"},
    {"user": 7, "area_code": "139", "subscriber_number": "12345678"},
    {"callingCode": "86", "areaCode": "139", "localNumber": "12345678"},
    {"dialCode": "0086", "areaCode": "139", "subscriberNumber": "1234-5678"},
    {"country-code": "86", "national_number": "139", "ext": "12345678"},
    {"区号": "86", "前缀": "139", "尾号": "12345678"},
])
def test_phone_parts_found(body):
    assert "mobile" in found(json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize("body", [
    {"country_code": "SG", "postal_code": "139123", "unit": "12345"},
    {"address": {"country_code": "CN", "postal_code": "100010", "street_no": "139",
                 "building": "12345678"}},
    {"country_code": "65", "qty": 139, "sku": 12345678},  # another country's code first
    {"cc": "65", "area_code": "139", "number": "12345678"},
    {"cc_number": "4111111111111111", "cc_exp": "1391", "cvv": "2345678"},
    {"amount": {"currency_code": "CNY", "units": "139", "nanos": "12345678"}},
    {"order": 139, "number": 12345678},
    {"total": 139, "subtotal": 1234, "tax": 5678},
    {"postal_code": "139", "line": "12345678"},
])
def test_phone_parts_guards_stay_clean(body):
    assert not found(json.dumps(body, ensure_ascii=False))
