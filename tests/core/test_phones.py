"""Phone numbers: libphonenumber's plans decide, bare 11-digit mainland mobiles are recognised."""

import pytest

from residency_gateway.core.phones import parse_phone


@pytest.mark.parametrize(("text", "region", "mobile"), [
    ("+86 139 1234 5678", "CN", True),
    ("13912345678", "CN", True),
    ("0086-139-1234-5678", "CN", True),
    ("+852 6123 4567", "HK", True),
    ("+853 6612 3456", "MO", True),
    ("+886 912 345 678", "TW", True),
    ("+65 8123 4567", "SG", True),
    ("+81 90-1234-5678", "JP", True),
    ("+62 812-3456-7890", "ID", True),
    ("+86 10 6552 9988", "CN", False),  # Beijing fixed line
])
def test_numbers_are_placed_by_their_plan(text, region, mobile):
    phone = parse_phone(text)
    assert phone is not None
    assert phone.region == region
    assert phone.mobile is mobile


@pytest.mark.parametrize("text", ["12345678901", "+86 123", "hello world", "2026-11-29",
                                  "+86 139 1234 567", "11010519491231002X", "61234567"])
def test_non_numbers_and_invalid_numbers_are_ignored(text):
    assert parse_phone(text) is None
