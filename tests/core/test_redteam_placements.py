"""Red team: simple, realistic placements and spellings of an identifier that were missed."""

from __future__ import annotations

import datetime as dt

import pytest

from residency_gateway.core.payload import inspect_body

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def _cn_phone(text: str, content_type: str = "text/plain") -> bool:
    scan = inspect_body(text.encode(), content_type=content_type, key=KEY, today=TODAY)
    return any(p.jurisdiction == "CN" for p in scan.phones)


@pytest.mark.parametrize("text", [
    "+13912345678",  # a plus typed before a bare mobile: no +1 number
    "tel: +139 1234 5678",
    "+139-1234-5678",
    "+008613912345678",
    "86+13912345678",
    "0086+13912345678",
])
def test_plus_before_a_number_that_is_no_international_one(text: str) -> None:
    assert _cn_phone(text)


@pytest.mark.parametrize("text", ["013912345678", "call 013912345678 today", "联系：013912345678。"])
def test_trunk_prefix_zero_before_a_mobile(text: str) -> None:
    assert _cn_phone(text)


@pytest.mark.parametrize("text", [
    "+86 (0)139 1234 5678", "+86(0)13912345678", "+86 (0)13912345678", "(+86)013912345678",
    "(+86) 013912345678", "+86 013912345678", "+86-0-139-1234-5678", "+860 13912345678",
    "tel +86 0139 1234 5678", "手机 (+86) 0139-1234-5678", "0086 0 139 1234 5678",
    "00860 13912345678", '{"phone":"+86(0)13912345678"}',
    "+86 (0)10 6512 3456", "+86 010 6512 3456",  # landlines too
])
def test_trunk_prefix_written_after_the_country_code(text: str) -> None:
    # As numbers of countries that keep a trunk prefix are written ("+44 (0)20 ..."): no
    # mainland number starts 0 after 86, so the 0 can only be that prefix.
    assert _cn_phone(text)
    trunk = inspect_body(text.encode(), content_type="text/plain", key=KEY, today=TODAY)
    plain = inspect_body(text.replace("(0)", "").replace("0139", "139").replace(
        "86 0 ", "86 ").replace("860 ", "86 ").replace("-0-", "-").replace("013912", "13912")
        .replace("010", "10").encode(), content_type="text/plain", key=KEY, today=TODAY)
    assert [p.subject for p in trunk.phones] == [p.subject for p in plain.phones]


def test_a_signed_amount_after_86_is_no_trunk_prefixed_number() -> None:
    assert not _cn_phone("amount +86013912345678 IDR")


@pytest.mark.parametrize("text", [
    "+14155552671",  # a real US number stays American
    "+442079460958",
])
def test_valid_international_numbers_keep_their_country(text: str) -> None:
    scan = inspect_body(text.encode(), content_type="text/plain", key=KEY, today=TODAY)
    assert scan.phones and all(p.jurisdiction != "CN" for p in scan.phones)


@pytest.mark.parametrize("text", ["012345678901", "order 010012345678"])
def test_twelve_digits_starting_01_that_hold_no_mobile(text: str) -> None:
    assert not _cn_phone(text)


def _cn_id(text: str, content_type: str = "text/plain") -> bool:
    scan = inspect_body(text.encode(), content_type=content_type, key=KEY, today=TODAY)
    return bool(scan.ids)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html", "text/markdown"])
@pytest.mark.parametrize("text", [
    "<b>139</b>12345678", "<p>手机：<strong>139</strong>1234 5678</p>",
    "<span>139</span><span>12345678</span>", "139<!-- -->12345678", "139<wbr>12345678",
    "139<br>1234<br/>5678", "**139**12345678", "`139`12345678", "~~139~~12345678",
    '<a href="#">139</a>1234<span style="x">5678</span>',
])
def test_inline_markup_between_digits_of_a_mobile(text: str, content_type: str) -> None:
    assert _cn_phone(text, content_type)


@pytest.mark.parametrize("text", [
    "<span>110101</span><span>199003071233</span>", "`110101`199003071233",
    "110101<!-- -->199003071233", "110101<wbr>199003071233",
])
def test_inline_markup_between_digits_of_an_id(text: str) -> None:
    assert _cn_id(text)


@pytest.mark.parametrize("text", [
    "<sup>139</sup>12345678",  # a superscript shows a number of its own
    "2**10 = 1024, 3**7 = 2187",
])
def test_markup_that_is_not_inline_text_joins_nothing(text: str) -> None:
    assert not _cn_phone(text)


@pytest.mark.parametrize("text", [
    "1. 139 1234 5678", "1) 139 1234 5678", "2. 139-1234-5678", "0 139-1234-5678",
    "139-1234-5678 0", "2026-11-29 139 1234 5678", "139 1234 5678 2026-11-29",
    "139.1234.5678 2",
])
def test_a_mobile_in_groups_set_apart_from_the_number_beside_it(text: str) -> None:
    assert _cn_phone(text)


@pytest.mark.parametrize("text", [
    "box 12 139 1234 5678 3", "1 2 139 1234 5678 3 4", "a 12.139.1234.5678",
])
def test_a_mobile_shape_inside_an_array_of_one_separator_is_not_a_mobile(text: str) -> None:
    assert not _cn_phone(text)


@pytest.mark.parametrize("text", ["110101、19900307、1233", "身份证：110101、19900307、1233。",
                                  "110101､19900307､1233"])
def test_the_ideographic_enumeration_comma_parts_an_id_as_a_comma_does(text: str) -> None:
    assert _cn_id(text)


def test_a_list_with_ideographic_commas_is_no_identifier() -> None:
    text = "1、2、3、4、5、6、7、8、9、10、11、12；编号、20261129、0001"
    scan = inspect_body(text.encode(), content_type="text/plain", key=KEY, today=TODAY)
    assert not scan.ids and not scan.phones


def test_the_multiplication_sign_typed_for_the_check_character() -> None:
    from residency_gateway.core.idnumber import check_character

    base = next(b for b in (f"44030619851231{s}" for s in range(100, 1000))
                if check_character(b) == "X")
    assert _cn_id(base + "\u00d7")
    assert _cn_id(f"身份证号：{base}\u00d7。")
    assert not _cn_id("1920\u00d71080 and 3840\u00d72160")


@pytest.mark.parametrize("text", ["¥200 139 1234 5678", "￥200 139 1234 5678",
                                  "$12 139 1234 5678", "€5 139 1234 5678", "#3 139 1234 5678"])
def test_an_amount_or_item_number_before_a_mobile_in_groups(text: str) -> None:
    assert _cn_phone(text)


def test_an_amount_before_an_array_of_one_separator_is_still_an_array() -> None:
    assert not _cn_phone("¥12 139 1234 5678 3")


@pytest.mark.parametrize("text", [
    "<p>139</p><p>1234 5678</p>", "<div>139</div>\n<div>1234</div>\n<div>5678</div>",
    "<tr><td>139</td><td>1234</td><td>5678</td></tr>", "139 <b>1234</b> 5678",
    "<li>139 1234 5678</li><li>2</li>",
])
def test_block_edges_between_digits_read_as_line_breaks(text: str) -> None:
    assert _cn_phone(text, "text/html")


@pytest.mark.parametrize("text", [
    "<td>12</td><td>139</td><td>1234</td><td>5678</td><td>3</td>",  # a row of numbers
    "1 <b>3912345678</b>",  # whitespace around a mark stays a space
])
def test_markup_keeps_the_grouping_a_page_shows(text: str) -> None:
    assert not _cn_phone(text, "text/html")


def test_unmarking_is_linear() -> None:
    import time

    from residency_gateway.core import scanner

    def took(n: int) -> float:
        data = b"1 <b>" * n + b"1" + b" " * n + b"<a"
        best = float("inf")
        for _ in range(2):
            t = time.process_time()
            scanner._unmarked(data)
            best = min(best, time.process_time() - t)
        return best

    assert took(80_000) < 32 * took(10_000) + 0.01
