"""A mobile told in parts in a sentence (round 10): after a phone word, with words between the
parts ("my number is 139 and then 1234 and 5678", "手机号139, 中间1234, 尾号5678" with fullwidth commas), or masked with
the hidden digits given apart ("手机: 139****5678, 中间四位是1234"). Before, each reached SG:
the digit runs stop at a word, and a mask is no digit. Numbers that make no mainland mobile, or
are not grouped as one is told, stay what they are."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found

MOBILE = "13912345678"
A, B, C = MOBILE[:3], MOBILE[3:7], MOBILE[7:]


def j(text: str) -> str:
    return json.dumps({"t": text}, ensure_ascii=False)


@pytest.mark.parametrize("text", [
    f"my number is {A} and then {B} and {C}",
    f"call {A}, then {B}, then {C}",
    f"Phone: {A} (area) {B} (mid) {C} (end)",
    f"text me at {A} then {MOBILE[3:]}",
    f"WhatsApp {MOBILE[:7]} ... ending {C}",
    f"手机号{A}，中间{B}，尾号{C}",
    f"电话是{A}，然后{B}，最后是{C}",
    f"微信号 {A} 后面 {B} 再 {C}",
    f"联系方式：{A}开头，中间{B}，结尾{C}",
])
def test_told_in_parts_with_words_between(text):
    assert "mobile" in found(j(text)), text
    assert "mobile" in found(text, "text/plain"), text


@pytest.mark.parametrize("text", [
    f"手机：{A}****{C}，中间四位是{B}",
    f"tel {A}-xxxx-{C} (middle: {B})",
    f"mobile {A}XXXX{C}; the hidden part is {B}",
    f"手机 {A}••••{C}，补全：{B}",
    f"the middle digits are {B}; phone {A}****{C}",
])
def test_a_mask_filled_by_the_part_told_apart(text):
    assert "mobile" in found(j(text)), text


@pytest.mark.parametrize("text", [
    "Phone orders: 12 items, 2024 total, 1130 returned",  # no mobile's first digits
    f"tel {A}****{C}",  # masked, nothing given for the mask
    f"手机：{A}****{C}，验证码 48",  # a code of another length
    "call 139 times, then 12 and 5678",  # not grouped as a mobile is told
    "Call us Monday to Friday, 9:00 to 17:30, 1234 Main Street 5678",
    "contact: order 2026.11.29, 139 items, 1234 ok",
    f"tel {A} {B} {C}",  # plain groups: the digit runs read them (no second reading)
])
def test_what_is_no_told_mobile(text):
    readings = found(j(text))
    if text.startswith("tel 139 1234"):
        assert readings == {"mobile"}
    else:
        assert readings == set(), text
