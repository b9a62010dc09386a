"""The byte-search form of the run-together digit words rewrite (_glued_apart) is the regex
substitution it replaces, on any text (property test over digit words, other letters,
digits, separators, case and non-ASCII bytes)."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.scanner import (
    _LETTERED_WORD,
    _LETTERED_WORD_AT,
    _SAID_GLUED,
    _SAID_WHOLE,
    _SAID_WORDS,
    _glued_apart,
)

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


# -- the said-digit rules found from the byte before (_SAID_RUN_AT, _SAID_FIELD_AT) ----------

def _matches_before(data: bytes) -> list[tuple[str, int, int]]:
    """The spans the lookbehind rules find in `data` (as _said searched them before)."""
    from residency_gateway.core.scanner import _SAID_FIELD, _SAID_RUN
    lower = data.lower()
    return [("run", m.start(), m.end()) for m in _SAID_RUN.finditer(lower)] + \
        [("field", m.start(1), m.end(1)) for m in _SAID_FIELD.finditer(lower)]


def _matches_now(data: bytes) -> list[tuple[str, int, int]]:
    from residency_gateway.core.scanner import _SAID_FIELD_AT, _SAID_RUN_AT
    lower = b"\n" + data.lower()
    return [("run", m.start(1) - 1, m.end(1) - 1) for m in _SAID_RUN_AT.finditer(lower)] + \
        [("field", m.start(1) - 1, m.end(1) - 1) for m in _SAID_FIELD_AT.finditer(lower)]


SAID = ["one", "two", "three", "nine", "oh", "o", "double", "twenty", "eleven", "x", "X",
        "7", "139", " ", ", ", ". ", "-", "/", ":", "=", '"', "'", "?", ">", "&", "<", "\n",
        "\t", "a", "Q", "_", "(", ")", "|", "é"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(SAID), max_size=40))
def test_said_rules_from_the_byte_before_find_the_same(pieces):
    data = "".join(pieces).encode()
    assert _matches_now(data) == _matches_before(data)


def test_said_rules_on_a_base64_photo_body():
    from bench.inspection import face_compare_json
    body = face_compare_json(20_000)
    crafted = body[:5000] + b'", "a": "one two three four five six seven", "b": "/nine/' \
        b'one/two/three/four/five/six/seven/eight/nine/oh"' + body[5000:]
    for data in (body, crafted):
        assert _matches_now(data) == _matches_before(data)
    assert _matches_now(crafted)



# -- the digit words of a stretch counted in C (_SAID_WHOLE, says_digits) -------------------

_NOT_A_LETTER = re.compile(rb"[^a-z]+")
WORDS = [*SAID, "none", "height", "ten", "fifty", "seventy", "nineteen", "oo", "ohh", "b",
                "ones", "eighty", "nil", "zero"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_digit_words_counted_in_c_are_the_words_of_the_stretch(pieces):
    """_SAID_WHOLE counts exactly the words (maximal letter runs) of a lower-cased stretch
    that are digit words, as splitting it on what is not a letter did."""
    stretch = "".join(pieces).lower().encode()
    assert len(_SAID_WHOLE.findall(stretch)) == sum(
        w in _SAID_WORDS for w in _NOT_A_LETTER.split(stretch))


# -- letters typed for digits found from the byte before (_LETTERED_WORD_AT, _lettered) ------

@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="aLX0u qpkod/.", max_size=60))
def test_lettered_words_from_the_byte_before_are_the_same(skeleton):
    """On any readings skeleton, the rule searched from the byte before finds the spans the
    lookbehind rule found."""
    data = skeleton.encode()
    before = [m.span() for m in _LETTERED_WORD.finditer(data)]
    now = [(m.start(1) - 1, m.end(1) - 1) for m in _LETTERED_WORD_AT.finditer(b"." + data)]
    assert now == before
