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
    "+14155552671",  # a real US number stays American
    "+442079460958",
])
def test_valid_international_numbers_keep_their_country(text: str) -> None:
    scan = inspect_body(text.encode(), content_type="text/plain", key=KEY, today=TODAY)
    assert scan.phones and all(p.jurisdiction != "CN" for p in scan.phones)


@pytest.mark.parametrize("text", ["012345678901", "order 010012345678"])
def test_twelve_digits_starting_01_that_hold_no_mobile(text: str) -> None:
    assert not _cn_phone(text)
