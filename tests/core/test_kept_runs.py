"""The runs of binary data that are read (`binary_texts`) are found from the places that can
make a run worth keeping (_kept_runs), not by listing every run and filtering: the result must
be the very list that filtering every run gives, for any text, in every reading."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.payload import (
    _DBCS_KEPT,
    _DBCS_WITHIN,
    _EBCDIC_KEPT,
    _EBCDIC_WITHIN,
    _NOT_RUN,
    _NOT_WIDE_RUN,
    _TEXT_RUNS,
    _WIDE_TEXT_RUNS,
    _WIDE_WITHIN,
    _kept_runs,
    _wide_kept,
    binary_texts,
)


def _dbcs_kept(run: str) -> bool:
    return not run.isascii() and _DBCS_KEPT.match(run) is not None


def _ebcdic_kept(run: str) -> bool:
    return _EBCDIC_KEPT.match(run) is not None


READINGS = [  # (runs, kept patterns, what parts runs, keep)
    (_TEXT_RUNS, (_DBCS_WITHIN,), _NOT_RUN, _dbcs_kept),
    (_TEXT_RUNS, (_EBCDIC_WITHIN,), _NOT_RUN, _ebcdic_kept),
    (_WIDE_TEXT_RUNS, _WIDE_WITHIN, _NOT_WIDE_RUN, _wide_kept),
]

# What matters at a run's edges and inside it: ASCII and fullwidth digits, Chinese numerals,
# Arabic-Indic, Devanagari and circled digits (in the wide class), Myanmar and Kawi-free
# digits outside it (a digit no run holds), letters, CJK, controls, U+FFFD, a space.
ALPHABET = ("0123456789" "\uff11\uff13\uff19" "一三九零壹" "\u0661\u0969\u2460\u2776"
            "\u1041\u1049" "abcXYZ" "中文字" "\x00\x01\x1b\x7f" "\ufffd" " \n\u00e9\u0416")


def _reference(text: str, runs: re.Pattern[str], keep: object) -> list[str]:
    return [r for r in runs.findall(text) if keep(r)]  # type: ignore[operator]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=300))
def test_the_same_runs_as_filtering_all_of_them(text: str) -> None:
    for runs, kept, apart, keep in READINGS:
        assert _kept_runs(text, kept, apart, keep) == _reference(text, runs, keep)


def test_random_bytes_in_every_reading_give_the_same_runs() -> None:
    rng = random.Random(13)
    for size in (0, 7, 8, 64, 4096, 65536):
        data = rng.randbytes(size)
        # (digits planted so that some runs are kept in each reading)
        data = data[: size // 2] + b"13912345678" + "一三九".encode("gb18030") + data[size // 2:]
        for codec, (runs, kept, apart, keep) in (
                ("gb18030", READINGS[0]), ("big5", READINGS[0]), ("shift_jis", READINGS[0]),
                ("cp037", READINGS[1]), ("utf-16-le", READINGS[2]), ("utf-16-be", READINGS[2])):
            for offset in (0, 1):
                text = data[offset:].decode(codec, "replace")
                assert _kept_runs(text, kept, apart, keep) == _reference(text, runs, keep), \
                    (codec, size, offset)


def test_long_runs_and_runs_at_the_edges() -> None:
    # a run from the very start, one to the very end, one of 100k characters with its digits
    # far apart, and a digit outside every wide run (Myanmar) before a run of two digits
    cases = ["一二三四五六七八中文", "中文\x01一二三四五六七八", "中" * 50_000 + "1" + "中" * 50_000
             + "2345678" + "\x01" + "九" * 8, "\u1041中文中文中文1中文2中文", "1" * 8 + "\ufffd" + "2" * 7]
    for text in cases:
        for runs, kept, apart, keep in READINGS:
            assert _kept_runs(text, kept, apart, keep) == _reference(text, runs, keep)


def test_a_mobile_in_utf16_inside_binary_data_is_still_read() -> None:
    blob = random.Random(5).randbytes(20_000)
    data = blob[:9_999] + "tel 13912345678".encode("utf-16-le") + blob[10_000:]
    assert any("13912345678" in text for text in binary_texts(data))
    data = blob[:10_000] + "电话一三九一二三四五六七八".encode("gb18030") + blob[10_000:]
    assert any("一三九一二三四五六七八" in text for text in binary_texts(data))
