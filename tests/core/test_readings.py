"""The scanner's other readings of a text: fields joined, letters read as digits, digits said
in words (the corpus holds the request shapes; these are their properties)."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core import scanner
from residency_gateway.core.idnumber import check_character, parse_resident_id
from residency_gateway.core.payload import redact_path
from residency_gateway.core.scanner import tokens

TODAY = dt.date(2026, 11, 29)
ID18 = "110101199003071233"
SAID = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def ids(text: str | bytes) -> set[str]:
    return {t.value for t in tokens(text, today=TODAY) if t.kind == "resident_id"}


def _full_glue(data: bytes) -> tuple[bytes, list[int]]:
    """Reference: every joint replaced by one space in the whole text."""
    skeleton = data.translate(scanner._READINGS_SKELETON)
    out, spaces, last = b"", [], 0
    for m in scanner._GLUE.finditer(skeleton):
        out += data[last:m.start(1)]
        spaces.append(len(out))
        joint = data[m.start(1):m.end(1)]
        out += b"\f" if scanner._names_a_field(joint) else \
            b"\v" if re.search(rb"[\[\]{}]", joint) else b" "
        last = m.end(1)
    return out + data[last:], spaces


def _joined_runs(data: bytes, spaces: list[int]) -> list[bytes]:
    return [data[a:b] for a, b in scanner._runs(data) if scanner._joins(spaces, a, b)]


FRAGMENTS = st.sampled_from([
    "110101", "19900307", "1233", "7", "42", "0.5", "2016.03.07", ", ", '", "', '": "',
    '"key": ', " ", "\n", "-", "[", "]", "{", "}", "name", "身份证", "：", "&b=", "</a><b>",
    "x", "phone", "  ", "1" * 25,
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(FRAGMENTS, max_size=60))
def test_the_joined_reading_keeps_every_joined_run_whole(parts):
    """_glued keeps only the neighbourhood of each joint: the runs that cross a joint there
    are exactly those of the whole text glued (no run is cut at a neighbourhood's edge)."""
    data = "".join(parts).encode()
    full, full_spaces = _full_glue(data)
    compact = scanner._glued(data, data.translate(scanner._READINGS_SKELETON))
    if compact is None:
        assert full_spaces == []
        return
    glued, spaces = compact
    assert _joined_runs(glued, spaces) == _joined_runs(full, full_spaces)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(10, 9999), min_size=1, max_size=300), st.sampled_from(
    [", ", ",", ",\n  ", " ,", ";"]))
def test_numbers_side_by_side_never_join_into_an_id(numbers, sep):
    """Landmarks, boxes, pixels: arrays of 2 to 4 digit numbers are split at cuts no ID is
    split at, so joining their fields never makes an identifier, however the array is laid
    out. (Numbers parted by separators alone, "170 1000 1000", are the main reading's: three
    groups of 3-4-4 digits are how a mobile is written.)"""
    body = '{"landmarks": [' + sep.join(map(str, numbers)) + "]}"
    assert list(tokens(body, today=TODAY)) == []


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([(6, 8, 4), (6, 8, 3, 1), (4, 4, 4, 4, 2), (6, 12), (14, 4), (17, 1)]),
       st.sampled_from(["json-array", "json-fields", "form", "csv", "xml", "labelled"]),
       st.dates(dt.date(1930, 1, 1), dt.date(2008, 12, 31)), st.sampled_from(["110101",
                                                                              "440305"]))
def test_an_id_split_as_people_split_it_is_found_in_any_structure(cut, shape, born, area):
    first17 = f"{area}{born:%Y%m%d}123"
    rid = first17 + check_character(first17)
    parts, at = [], 0
    for size in cut:
        parts.append(rid[at:at + size])
        at += size
    body = {
        "json-array": json.dumps({"id": parts}),
        "json-fields": json.dumps({f"p{i}": p for i, p in enumerate(parts)}),
        "form": "&".join(f"p{i}={p}" for i, p in enumerate(parts)),
        "csv": "name," + ",".join(f"p{i}" for i in range(len(parts))) + "\nzhang," +
               ",".join(parts),
        "xml": "".join(f"<p{i}>{p}</p{i}>" for i, p in enumerate(parts)),
        "labelled": "，".join(f"第{i}段：{p}" for i, p in enumerate(parts)),
    }[shape]
    assert ids(body) == {rid.upper()}


def test_an_array_of_single_digits_is_an_id_only_as_a_whole():
    """Character by character is how an ID is split into an array (of its own, whatever
    stands around it); eighteen digits taken from the middle of a longer array of digits, or
    from one-digit fields of many objects, are not an ID."""
    assert ids(json.dumps({"id": list(ID18)})) == {ID18}
    assert ids(json.dumps({"n": 5, "id": [int(c) for c in ID18], "m": [7]})) == {ID18}
    assert ids(json.dumps([{"v": int(c)} for c in "3" + ID18 + "5"])) == set()
    assert ids(json.dumps([[int(c)] for c in ID18])) == set()
    assert ids(json.dumps({"id": list("11010519491231002x")})) == {"11010519491231002X"}
    assert ids(json.dumps({"flags": [int(c) for c in "3" + ID18 + "5"]})) == set()


def test_a_fraction_never_joins():
    """Scores and dated versions stay apart from the numbers beside them."""
    for body in ('{"a": 110101.5, "b": "19900307", "c": "1233"}',
                 '{"a": "110101", "b": 19900307.0, "c": "1233"}'):
        assert ids(body) == set(), body


@settings(max_examples=300, deadline=None)
@given(st.text("0123456789", min_size=7, max_size=18), st.sampled_from([" ", ", ", "-", "  "]),
       st.booleans())
def test_digits_said_in_words_are_read_as_digits(digits, sep, title):
    said = sep.join(SAID[int(c)] for c in digits)
    if title:
        said = said.title()
    reading = scanner._said(f"note: {said} end".encode())
    assert reading is not None
    assert digits in re.sub(r"[ ,-]", "", reading.decode())


def test_prose_with_a_few_numbers_in_words_is_left_as_it_is():
    for text in ("someone at nine said one of the two people weighed eight stone",
                 "one or two, three at most; the rest of the seven left at five",
                 "phone one of our agents"):
        assert scanner._said(text.encode()) is None, text


def test_letters_read_as_digits_only_inside_words_of_digits():
    assert scanner._lettered(b"x 11O1O1199OO3O71233 y", b"x 11O1O1199OO3O71233 y".translate(
        scanner._READINGS_SKELETON)) == b"x 110101199003071233 y"
    for text, kept in ((b"Hello123 lol Io 0.5", (b"Hello123", b"lol", b"Io")),
                       (b"version 2.0 Oslo 10 l0l", (b"version", b"Oslo"))):
        got = scanner._lettered(text, text.translate(scanner._READINGS_SKELETON)) or text
        assert all(word in got for word in kept), got
        assert len(got) == len(text)


def test_a_path_with_digits_said_in_words_is_redacted():
    said = "-".join(SAID[int(c)] for c in ID18)
    assert redact_path(f"/v1/subjects/{said}") == "/v1/subjects/{redacted}"
    spread = "/".join(SAID[int(c)] for c in ID18[:11])
    assert "three" not in redact_path(f"/v1/{spread}/x")
    assert redact_path("/v1/someone/done") == "/v1/someone/done"


@settings(max_examples=800, deadline=None)
@given(st.data(), st.text("0123456789", min_size=1, max_size=40),
       st.sampled_from([" ", "-", " - ", "\n"]))
def test_a_long_run_read_digit_by_digit_finds_what_its_windows_hold(data, noise, sep):
    """A run of more than 18 one-character groups is read from where a birth century
    stands, not window by window: it finds exactly the IDs the windows hold (an ID overlapping
    one found before it is not taken, as in any run)."""
    born = data.draw(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)))
    first17 = f"{data.draw(st.sampled_from(['110101', '440305', '810000']))}{born:%Y%m%d}" \
              f"{data.draw(st.integers(0, 999)):03d}"
    rid = first17 + check_character(first17)
    at = len(noise) if rid.endswith("X") else data.draw(st.integers(0, len(noise)))
    digits = noise[:at] + rid + noise[at:]
    found = [t.value for t in tokens(sep.join(digits), today=TODAY) if t.kind == "resident_id"]
    expected, used = [], set()
    for i in range(len(digits) - 17):
        window = digits[i:i + 18]
        if "X" not in window[:17] and parse_resident_id(window, today=TODAY) is not None \
                and not used & set(range(i, i + 18)):
            expected.append(window)
            used |= set(range(i, i + 18))
    assert found == expected
    assert rid in found or used & set(range(at, at + 18))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([("postcode", "dob", "pin"), ("zip", "birth_date", "last4"),
                        ("branch", "created", "code"), ("邮编", "出生日期", "密码")]),
       st.integers(110000, 659999), st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)),
       st.integers(0, 9999), st.sampled_from(["json", "form", "yaml"]))
def test_a_record_shaped_as_an_id_cut_in_its_parts_is_not_one(keys, code, born, pin, shape):
    """A postcode (6 digits), a date of birth (8) and a PIN (4) side by side are an ID's
    parts in shape, and one in eleven would pass its check character: fields a label names as
    things of their own are not joined into an ID (an ID split into parts is labelled as
    parts: a, b, p1, id_b, 身份证后四位)."""
    values = (f"{code:06d}", f"{born:%Y%m%d}", f"{pin:04d}")
    body = {"json": json.dumps(dict(zip(keys, values, strict=True)), ensure_ascii=False),
            "form": "&".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)),
            "yaml": "".join(f"{k}: {v}\n" for k, v in zip(keys, values, strict=True))}[shape]
    assert ids(body) == set()


def test_part_labels_join_and_labels_of_things_of_their_own_do_not():
    """The labels README names: part labels join fields into one run, labels that name a
    field as a thing of its own mark a record."""
    for label in ("a", "p1", "part_2", "id_b", "x-id-born", "ns:a", "身份证后四位", "第2段"):
        assert not scanner._names_a_field(f'", "{label}": "'.encode()), label
    for label in ("dob", "postcode", "created", "出生日期"):
        assert scanner._names_a_field(f'", "{label}": "'.encode()), label
    assert not scanner._names_a_field(b"</a><b>") and scanner._names_a_field(b"</dob><pin>")


def test_a_group_glued_to_a_word_is_not_part_of_the_number_beside_it():
    """"/v1/13912345678": the 1 of v1 is the word's, and the run "1/13912345678" (12 digits,
    not a mobile as a whole) hid the mobile after it; so did a version or a code after it
    and a trailing X (no phone number has a check character)."""
    for text in (b"/v1/13912345678", b"/api/v2/139-1234-5678", b"rev2 139 1234 5678",
                 b"139 1234 5678 2b", b"/v3/13912345678/x2", b"/v3/13912345678/X",
                 b"/v1/one/three/nine/one/two/three/four/five/six/seven/eight"):
        assert {t.value for t in tokens(text, today=TODAY)} == {"+8613912345678"}, text
    # groups of their own around a mobile in groups make the run another number (a box)...
    assert {t.value for t in tokens(b"box 12 139 1234 5678 3", today=TODAY)} == set()
    # ...but one unbroken mobile is a number of its own, whatever stands beside it (a number
    # before or after it hid it: "0 13912345678", "13912345678 2026")
    for text in (b"0 13912345678", b"note 7 13912345678", b"13912345678 5",
                 b"13912345678 2026", b"12 13912345678"):
        assert {t.value for t in tokens(text, today=TODAY)} == {"+8613912345678"}, text
