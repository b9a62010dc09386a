"""The words that say a number is a phone number, in the languages of the product's markets
and of Chinese database schemas (red team round 13: only English and Chinese ones were known).
After one, the spellings that are read only after a phone word are read: a trunk 0, groups
over repeated fields, thousands separators."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.core.test_redteam_round6 import found

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MOBILE = "13912345678"

WORDS = ["msisdn", "no_hp", "nohp", "nomor_hp", "Nomor HP", "ponsel", "telepon_bimbit",
         "携帯番号", "ケータイ", "휴대폰", "핸드폰 번호", "전화번호", "sdt", "SĐT", "số điện thoại",
         "dien_thoai", "Điện Thoại", "ĐIỆN THOẠI", "MÓVIL", "เบอร์โทร", "มือถือ", "shouji", "shoujihao", "dianhua", "sjh", "lxdh",
         "celular", "movil", "móvil"]


@pytest.mark.parametrize("word", WORDS)
def test_a_trunk_zero_after_the_word(word):
    assert "mobile" in found(json.dumps({word: "0" + MOBILE}, ensure_ascii=False)), word


# (a field name with a space in it is no label the joined-fields reading steps over: form
# field names have none)
@pytest.mark.parametrize("word", [w for w in WORDS if " " not in w])
def test_groups_over_repeated_fields_after_the_word(word):
    form = urlencode([(word, part) for part in (MOBILE[:3], MOBILE[3:7], MOBILE[7:])])
    assert "mobile" in found(form.encode(), FORM), word


@pytest.mark.parametrize("word", WORDS)
def test_other_numbers_after_the_word_stay_clean(word):
    for value in ("2024", "+65 9123 4567", "081234567890", "1391", "139-1234",
                  "13,912,345"):
        assert found(json.dumps({word: value}, ensure_ascii=False)) == set(), (word, value)
