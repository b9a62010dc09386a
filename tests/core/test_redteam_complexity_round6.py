"""Red-team round 6 (complexity): one hostile body whose inline inspection (on the event
loop, bodies up to 64 KiB) costs far more than its size. No wall-time thresholds: a
quadratic reading is told from a linear one by the ratio of the time of 8x the data to the
time of the same construction (best of three, 2 ms floor), and by the regex's own result."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from residency_gateway.core import scanner
from residency_gateway.core.payload import InspectOptions, inspect_body

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
INLINE = InspectOptions(budget=20_000, max_view_bytes=1024 * 1024)  # the gateway's inline ones


def best_of_three(body: bytes, content_type: str) -> float:
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = inspect_body(body, content_type=content_type, key=KEY, today=TODAY,
                              options=INLINE)
        best = min(best, time.perf_counter() - began)
        assert result.error is None or result.error.value.startswith("payload_"), result.note
    return best


def assert_linear(make: Callable[[int], bytes], content_type: str = "text/plain",
                  size: int = 8 * 1024) -> None:
    small = best_of_three(make(size), content_type)
    large = best_of_three(make(size * 8), content_type)
    assert large < 20 * max(small, 2e-3), (small, large)


# -- letters typed for digits (_LETTERED_WORD) ----------------------------------------------
# A word of digits and O/o/I/l that ends in another letter ("1O1O...1Oa") made the
# backtracking pattern try every split of it: 2 KB 53 ms, 8 KB 0.8 s, 16 KB 3 s, 64 KB ~50 s.

def test_a_long_lettered_word_ending_in_a_letter_is_read_in_linear_time() -> None:
    assert_linear(lambda n: b"1O" * (n // 2 - 1) + b"a")
    assert_linear(lambda n: b"1l" * (n // 2 - 1) + b"xa")


def test_the_lettered_word_pattern_does_not_backtrack() -> None:
    # possessive quantifiers, from the word's start only: no split of a word is tried twice
    # (before the fix this one search took ~50 s)
    assert scanner._LETTERED_WORD.pattern.count(b"++") == 2
    skeleton = b"." + b"0L" * 32768 + b"a"
    assert list(scanner._LETTERED_WORD_AT.finditer(skeleton)) == []


def test_lettered_words_are_still_read() -> None:
    text = b"x 11O1O1199OO3O71233 y 139l2345678, Hello123 lol 1O1a"
    got = scanner._lettered(text, text.translate(scanner._READINGS_SKELETON))
    assert got == b"x 110101199003071233 y 13912345678, Hello123 lol 1O1a"
    result = inspect_body(b"1O" * 30000 + b"a id 11O1O1199OO3O71233", content_type="text/plain",
                          key=KEY, today=TODAY, options=INLINE)
    assert result.error is None, result.note
    assert any(i.area_jurisdiction == "CN" for i in result.ids), result.note


# -- fields joined, each named (_id_windows) -------------------------------------------------
# Each window of a run of joined fields asked whether any of the named joints lay inside it by
# walking all of them: groups x named joints, "1 abc=1 abc=..." 22 KiB took ~270 ms (the
# budget refuses past ~23 KiB, so that was the worst one body could do), now ~20 ms.

def test_many_named_fields_are_read_in_linear_time() -> None:
    for unit in (b"1 abc=", b"1<abc>", b'1, "abc": '):
        assert_linear(lambda n, unit=unit: (unit * (n // len(unit) + 1))[:n], size=2816)


def test_windows_over_named_fields_are_still_left_out() -> None:
    groups = ["110101", "19900307", "1233"]
    assert list(scanner._id_windows(groups, False, fields=frozenset({1, 2}))) == [
        (0, 2, "110101199003071233")]
    # a joint that names its field (group 1 after "dob=") keeps the window out
    assert list(scanner._id_windows(groups, False, fields=frozenset({1, 2}),
                                    named=frozenset({1}))) == []
    assert list(scanner._id_windows(groups, False, fields=frozenset({1, 2}),
                                    named=frozenset({3}))) != []
    # one character per group: an ID only as a whole array (bounds: where arrays start/end)
    digits = list("110101199003071233")
    assert list(scanner._id_windows(["9", *digits, "9"], False,
                                    bounds=frozenset({1, 19}))) == [(1, 18, "".join(digits))]
    assert list(scanner._id_windows(["9", *digits, "9"], False,
                                    bounds=frozenset({1, 5, 19}))) == []
