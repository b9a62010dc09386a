"""core.safetext: client text is data, never an encoding hazard (properties over arbitrary
bytes and strings)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residency_gateway.core.safetext import safe_text


def _is_safe(out: str, limit: int) -> None:
    out.encode("utf-8")  # never raises: no surrogates left
    json.dumps(out, ensure_ascii=False).encode("utf-8")
    assert len(out) <= max(limit, 8)
    assert out.isprintable(), repr(out)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out


@given(st.binary(max_size=600), st.integers(min_value=8, max_value=300))
def test_any_bytes_become_safe_bounded_text(raw, limit):
    _is_safe(safe_text(raw, limit), limit)


@given(st.text(max_size=600), st.integers(min_value=8, max_value=300))
def test_any_string_even_with_lone_surrogates_becomes_safe_bounded_text(text, limit):
    _is_safe(safe_text(text, limit), limit)


@given(st.binary(max_size=200))
def test_surrogateescaped_header_values_read_like_the_bytes_sent(raw):
    """aiohttp decodes header bytes with surrogateescape; the result shows the same bytes."""
    as_header = raw.decode("utf-8", "surrogateescape")
    assert safe_text(as_header, 10_000) == safe_text(raw, 10_000)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                      exclude_characters="\\"), max_size=100))
def test_printable_ascii_is_kept_as_is(text):
    assert safe_text(text, 100) == text


@given(st.binary(min_size=1, max_size=300))
def test_escaping_is_unambiguous(raw):
    """Different inputs that fit the limit never collide (a literal backslash is doubled)."""
    out = safe_text(raw, 10_000)
    assert safe_text(out, 10_000) != out or "\\" not in out


@pytest.mark.parametrize(("value", "expected"), [
    (b"key-\xff\xfe", "key-\\xff\\xfe"),
    ("line\nbreak\x1b[31m", "line\\x0abreak\\x1b[31m"),
    ("a\\b", "a\\\\b"),
    ("\u2028", "\\u2028"),
    ("中文 ok", "中文 ok"),
    ("x" * 20, "xxxxxxxxxxx…(+9)"),
    ("\u202eevil", "\\u202eevil"),
])
def test_examples(value, expected):
    assert safe_text(value, 16 if expected.startswith("x") else 64) == expected


def _reference_safe_text(value: str, limit: int) -> str:
    """safe_text as defined before its fast path (the general path for every string)."""
    from residency_gateway.core import safetext as s

    budget = max(limit, 8)
    pieces = [s._piece(ch) for ch in value[: budget + 1]]
    if len(value) <= budget and sum(map(len, pieces)) <= budget:
        return "".join(pieces)
    out: list[str] = []
    size = 0
    for index, piece in enumerate(pieces):
        if size + len(piece) + len(s._marker(len(value) - index - 1)) > budget:
            break
        out.append(piece)
        size += len(piece)
    out.append(s._marker(len(value) - len(out))[: budget - size])
    return "".join(out)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=80)
       | st.text(max_size=80), st.integers(min_value=0, max_value=90))
def test_the_fast_path_gives_what_the_general_path_gives(text, limit):
    assert safe_text(text, limit) == _reference_safe_text(text, limit)
