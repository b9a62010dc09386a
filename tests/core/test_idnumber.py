"""GB 11643-1999 resident ID numbers: checksum, real dates, permits, age."""

import datetime as dt

import pytest

from residency_gateway.core.idnumber import age_on, check_character, parse_resident_id
from tests.helpers import resident_id


@pytest.mark.parametrize(("first17", "check"), [
    ("11010519491231002", "X"),  # the standard's own worked example
    ("44052418800101001", "4"),
    ("11010119900307123", "3"),
])
def test_check_character_matches_iso7064_mod_11_2(first17, check):
    assert check_character(first17) == check


def test_valid_number_parses_with_birth_date_and_mainland_area():
    parsed = parse_resident_id("11010519491231002X")
    assert parsed is not None
    assert parsed.area_jurisdiction == "CN"
    assert parsed.birth_date == dt.date(1949, 12, 31)


def test_lower_case_x_is_normalised():
    parsed = parse_resident_id("11010519491231002x")
    assert parsed is not None and parsed.normalized.endswith("X")


@pytest.mark.parametrize("text", [
    "110105194912310021",  # wrong check character
    "11010519491231002",  # 17 characters
    "1101051949123100211",  # 19 characters
    "A1010519491231002X",  # letter
    "010105194912310028",  # leading zero area
])
def test_malformed_numbers_are_not_ids(text):
    assert parse_resident_id(text) is None


def test_impossible_birth_date_is_not_an_id():
    first17 = "11010519900230123"  # 30 February
    assert parse_resident_id(first17 + check_character(first17)) is None


def test_future_birth_date_is_not_an_id():
    number = resident_id(dt.date(2030, 1, 1))
    assert parse_resident_id(number, today=dt.date(2026, 1, 1)) is None
    assert parse_resident_id(number, today=dt.date(2031, 1, 1)) is not None


def test_unknown_province_is_not_an_id():
    assert parse_resident_id(resident_id(dt.date(1990, 1, 1), area="990101")) is None


@pytest.mark.parametrize(("area", "jurisdiction"), [("810000", "HK"), ("820000", "MO"),
                                                    ("830000", "TW")])
def test_residence_permits_name_their_jurisdiction(area, jurisdiction):
    parsed = parse_resident_id(resident_id(dt.date(1985, 5, 5), area=area))
    assert parsed is not None and parsed.area_jurisdiction == jurisdiction


@pytest.mark.parametrize(("born", "today", "age"), [
    (dt.date(2012, 11, 29), dt.date(2026, 11, 29), 14),  # birthday inclusive
    (dt.date(2012, 11, 30), dt.date(2026, 11, 29), 13),
    (dt.date(2012, 2, 29), dt.date(2026, 2, 28), 13),  # leap-day birthday in a common year
    (dt.date(2012, 2, 29), dt.date(2026, 3, 1), 14),
])
def test_age_counts_completed_years(born, today, age):
    assert age_on(born, today) == age
