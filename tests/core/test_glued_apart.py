"""The byte-search form of the run-together digit words rewrite (_glued_apart) is the regex
substitution it replaces, on any text (property test over digit words, other letters,
digits, separators, case and non-ASCII bytes)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.scanner import _SAID_GLUED, _glued_apart

PIECES = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight",
          "nine", "ONE", "Three", "nInE", "o", "on", "ne", "thre", "a", "x", "Q", "z", "h",
          "1", "42", " ", ",", "/", "+", "-", "_", "\n", "é", "\u4e00", "=", '"']


def mark(m):
    return b"<" + m.group().upper() + b">"


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_glued_apart_equals_the_regex(pieces):
    data = "".join(pieces).encode()
    assert _glued_apart(data, mark) == _SAID_GLUED.sub(mark, data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_glued_apart_equals_the_regex_on_any_bytes(data):
    assert _glued_apart(data, mark) == _SAID_GLUED.sub(mark, data)
