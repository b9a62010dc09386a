"""Properties of the identifier tokenizer: any valid ID in any text, body type, encoding and
position is found; random digits are an ID exactly when GB 11643 says so (no other false
positives)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.idnumber import check_character, parse_resident_id
from residency_gateway.core.payload import InspectOptions, inspect_body
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.core.scanner import (
    CN_NUMERAL_CHARS,
    CN_NUMERALS,
    may_hold_identifier,
    tokens,
)

TODAY = dt.date(2026, 11, 29)
KEY = b"k" * 32
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
             "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
             "61", "62", "63", "64", "65"]
SEPARATORS = [" ", "-", ".", "/", "\u00a0", "\u3000", "\u2013", "\u2014", "_", "\n", " - "]
# Text around an identifier: letters, CJK, punctuation, spaces; no digits (a digit next to an
# ID makes a different, longer number).
AROUND = st.text(st.characters(blacklist_categories=("Nd", "No", "Cs"),
                               blacklist_characters="xX"), max_size=40)


@st.composite
def valid_ids(draw):
    area = draw(st.sampled_from(PROVINCES)) + f"{draw(st.integers(0, 9999)):04d}"
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 29)))
    first17 = f"{area}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + check_character(first17)


@st.composite
def spelled(draw, rid):
    style = draw(st.sampled_from(["plain", "groups", "fullwidth", "lower", "zero-width"]))
    if style == "groups":
        sep = draw(st.sampled_from(SEPARATORS))
        return sep.join((rid[:6], rid[6:14], rid[14:]))
    if style == "fullwidth":
        return rid.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    if style == "lower":
        return rid.lower()
    if style == "zero-width":
        return "\u200b".join(rid)
    return rid


def carry(kind: str, text: str) -> tuple[bytes, str, str]:
    """(body, content type, content encoding) carrying `text`."""
    if kind == "json":
        return json.dumps({"ocr": text}).encode(), "application/json", ""
    if kind == "json-ascii":
        return json.dumps({"ocr": text}, ensure_ascii=True).encode(), "application/json", ""
    if kind == "form":
        return (f"a=1&note={urllib.parse.quote_plus(text)}".encode(),
                "application/x-www-form-urlencoded", "")
    if kind == "utf16":
        return text.encode("utf-16"), "text/plain", ""
    if kind == "gzip":
        return gzip.compress(json.dumps({"t": text}).encode()), "application/json", "gzip"
    if kind == "multipart":
        body = ("--b0\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n" + text
                + "\r\n--b0--\r\n").encode()
        return body, "multipart/form-data; boundary=b0", ""
    return text.encode(), "application/octet-stream", ""


@settings(max_examples=400, deadline=None)
@given(data=st.data(), rid=valid_ids(), before=AROUND, after=AROUND,
       kind=st.sampled_from(["json", "json-ascii", "form", "utf16", "gzip", "multipart",
                             "octet"]))
def test_any_valid_id_anywhere_in_any_body_is_found(data, rid, before, after, kind):
    text = before + " " + data.draw(spelled(rid)) + " " + after
    body, ctype, cenc = carry(kind, text)
    scan = inspect_body(body, content_type=ctype, content_encoding=cenc, key=KEY, today=TODAY,
                        options=InspectOptions())
    assert scan.error is None, scan.note
    want = pseudonymise(KEY, "resident_id", rid.upper())
    assert want in {f.subject.pseudonym for f in scan.ids}, (text, scan.note)


@settings(max_examples=2000, deadline=None)
@given(st.text("0123456789", min_size=18, max_size=18))
def test_random_18_digit_numbers_are_ids_exactly_when_gb11643_says_so(digits):
    found = [t for t in tokens(digits, today=TODAY) if t.kind == "resident_id"]
    assert bool(found) == (parse_resident_id(digits, today=TODAY) is not None)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Nd", "No"),
                             blacklist_characters=CN_NUMERAL_CHARS), max_size=200))
def test_text_without_digits_holds_no_identifier(text):
    assert list(tokens(text, today=TODAY)) == []
    assert not may_hold_identifier(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(0, 10**6), max_size=40))
def test_short_numbers_in_json_are_never_identifiers(numbers):
    """Counters, ages, amounts: separated numbers of up to 7 digits never join into one."""
    body = json.dumps({"values": numbers, "pairs": [[n, n] for n in numbers]})
    assert list(tokens(body, today=TODAY)) == []


def test_the_byte_check_sees_every_character_that_folding_changes():
    """`_needs_folding` decides with a byte table and one character class whether the slow
    per-character folding must run: for every code point (after NFKC), if folding changes it,
    the check says so."""
    import unicodedata

    from residency_gateway.core.scanner import _fold, _needs_folding

    missed = []
    for cp in (*range(0x80, 0x20000), *range(0xE0000, 0xE1000)):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        n = unicodedata.normalize("NFKC", chr(cp))
        if _fold(n) != n and not _needs_folding(n, n.encode()):
            missed.append(f"U+{cp:04X}")
    assert not missed, missed[:20]


@pytest.mark.parametrize("spelled", [
    "110101\u200919900307\u20091233", "110101\u200719900307\u20071233", "1101011990\u034f03071233",
    "1101011990\u061c03071233", "1101011990\u316403071233", "110101\u202719900307\u20271233",
    "".join(chr(0x07C0 + int(c)) for c in "110101199003071233"),
    "".join(chr(0xA9D0 + int(c)) for c in "110101199003071233"),
    "".join(c + "\u0332" for c in "110101199003071233"), "11010519491231002\u0425",
    "公民身份号码：110101\u200919900307\u20091233",
])
def test_unusual_unicode_spellings_are_found(spelled):
    assert [t.kind for t in tokens(spelled, today=TODAY)] == ["resident_id"]


_NUMERAL_PIECES = st.text(st.sampled_from(list(CN_NUMERAL_CHARS + "十百千号码电话 -01a㈠⼀陸貳"
                                                + "\u200b\u200d\u00ad\ufe0f\u0301")),
                          max_size=12)
# Text with runs of numerals of every length around seven, in any company.
NUMERAL_TEXT = st.lists(st.one_of(_NUMERAL_PIECES, st.text(st.sampled_from(
    list(CN_NUMERAL_CHARS)), min_size=5, max_size=9)), max_size=5).map("".join)


@settings(max_examples=500, deadline=None)
@given(NUMERAL_TEXT)
def test_chinese_numeral_runs_are_found_by_the_byte_prefilter_exactly_as_by_counting(text):
    """The byte search that decides whether to look for numeral runs finds every text the
    regex would change (the count it replaced: seven numerals in all, then the regex)."""
    import unicodedata

    from residency_gateway.core import scanner

    normal = scanner._fold(unicodedata.normalize("NFKC", text))  # invisible marks gone first
    expected = normal
    if sum(map(normal.count, CN_NUMERAL_CHARS)) >= 7 and scanner._CN_NUMERALS.search(normal):
        expected = scanner._CN_NUMERALS.sub(
            lambda m: m.group().translate(scanner._CN_DIGITS), normal)
    assert scanner._prepared(text.encode()) == expected.encode("utf-8", "replace")


@settings(max_examples=1500, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=60)
       | st.text("0123456789/%&\\.;-aZ", max_size=60) | st.text(max_size=40))
def test_path_redaction_fast_paths_decide_as_the_full_rule(path):
    """may_hold_identifier counts ASCII digits in C, and a path with no encoding to undo skips
    derived_views: both decide as counting digits over every derived view."""
    from residency_gateway.core.payload import _may_hold, derived_views, normalise
    from residency_gateway.core.scanner import REDACT_DIGITS, may_hold_identifier

    def digits(t: str) -> int:
        return sum(c.isdigit() or c in CN_NUMERAL_CHARS for c in normalise(t))

    assert may_hold_identifier(path) == (digits(path) >= REDACT_DIGITS)
    assert _may_hold(path) == any(digits(v) >= REDACT_DIGITS
                                  for v in (path, *derived_views(path)))


def _reference_windows(groups: list[str], plus: bool) -> list[tuple[int, int, str]]:
    """scanner._windows as first written: every (i, j) tried."""
    out = []
    for i in range(len(groups)):
        if groups[i] in ("X", "x"):
            continue
        size = 0
        for j in range(i, len(groups)):
            size += len(groups[j])
            if size > 18:
                break
            if (size in (11, 13, 15, 18) or (groups[i].startswith("00") and 10 <= size <= 17)
                    or (plus and i == 0 and 8 <= size <= 15)):
                out.append((i, j, "".join(groups[i:j + 1])))
            if groups[j] in ("X", "x"):
                break
    return out


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.text("0123456789", min_size=1, max_size=12) | st.sampled_from(["X", "x"])
                | st.sampled_from(["00", "0086", "86"]), max_size=12), st.booleans())
def test_windows_with_early_exits_are_the_windows_of_every_pair(groups, plus):
    from residency_gateway.core.scanner import _windows

    assert list(_windows(groups, plus)) == _reference_windows(groups, plus)


_EVERYDAY = {d: chars[0] for d, chars in CN_NUMERALS.items()}  # 〇 一 二 ... 九


@pytest.mark.parametrize("forms", [
    {},
    {"0": "零", "1": "壹", "2": "贰", "3": "叁", "4": "肆", "5": "伍", "6": "陆", "7": "柒",
     "8": "捌", "9": "玖"},
    {"0": "零", "1": "壹", "2": "貳", "3": "參", "4": "肆", "5": "伍", "6": "陸", "7": "柒",
     "8": "捌", "9": "玖"},
    {"0": "○", "1": "幺"},
    {"1": "弌", "2": "弍", "3": "弎"},
], ids=["everyday", "financial", "traditional", "circle-and-yao", "old-forms"])
def test_every_chinese_numeral_spelling_of_an_id_and_a_mobile_is_found(forms):
    """Each form in CN_NUMERALS, written digit by digit (the everyday numeral for the digits a
    form has no character of), spells an ID and a mobile the scanner finds."""
    spell = str.maketrans({**_EVERYDAY, **forms})
    rid = "11010119900307123" + check_character("11010119900307123")
    spelled_id = rid.translate(spell)
    assert [t.value for t in tokens(f"身份证号：{spelled_id}", today=TODAY)] == [rid]
    assert may_hold_identifier(spelled_id)
    spelled_mobile = "13912345678".translate(spell)
    assert [t.value for t in tokens(f"手机 {spelled_mobile}", today=TODAY)] == ["+8613912345678"]


@pytest.mark.parametrize("between", ["\u200b", "\u200d", "\u2060", "\u00ad", "\ufeff",
                                     "\ufe0f", "\u0301", "\u20e3", "\U000e0031"])
def test_invisible_characters_between_chinese_numerals_do_not_split_them(between):
    """Zero-width characters, variation selectors and combining marks are removed so they
    cannot split an identifier: between Chinese numerals as between digits (they split the
    seven-in-a-row run before, and the ID or mobile went through as text)."""
    spell = str.maketrans(_EVERYDAY)
    rid = "11010119900307123" + check_character("11010119900307123")
    assert [t.value for t in tokens(between.join(rid.translate(spell)), today=TODAY)] == [rid]
    mobile = "13912345678".translate(spell)
    assert [t.value for t in tokens(mobile[:6] + between + mobile[6:], today=TODAY)] == [
        "+8613912345678"]
    body = json.dumps({"note": between.join(mobile)}).encode()  # \u escapes in JSON
    scan = inspect_body(body, content_type="application/json", key=KEY, today=TODAY)
    assert [p.jurisdiction for p in scan.phones] == ["CN"]


def test_every_numeral_is_normalised_and_folded_as_itself():
    """NFKC and the fold leave each numeral as it is (the run regex sees what was sent)."""
    import unicodedata

    from residency_gateway.core import scanner

    for c in CN_NUMERAL_CHARS:
        assert unicodedata.normalize("NFKC", c) == c and scanner._fold(c) == c, c


_NFKC_ALPHABET = st.one_of(
    st.characters(max_codepoint=0x7F), st.characters(min_codepoint=0xFF01, max_codepoint=0xFFEE),
    st.sampled_from(["\u3000", "\u0301", "\u0308", "\u0323", "\u0338", "\u3099", "\u309a",
                     "\u1100", "\u1161", "\u11a8", "\uac00", "\ufb01", "\u2460", "\u2026",
                     "\u00b7", "\u4e00", "\u5f35", "\u3007", "\u30ab", "\uf9d3", "\u2f00"]),
    st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF))


@settings(max_examples=3000, deadline=None)
@given(st.text(_NFKC_ALPHABET, max_size=40))
def test_nfkc_with_fullwidth_forms_first_is_unicodedata_nfkc(text):
    """Fullwidth forms replaced by their ASCII equivalents before NFKC (the fast path for CJK
    text) give exactly unicodedata's NFKC, combining marks and Hangul jamo around them too."""
    import unicodedata

    from residency_gateway.core.scanner import nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)


_RID = "11010119900307123" + check_character("11010119900307123")
_DIGITS_AS_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


@pytest.mark.parametrize(("text", "found"), [
    ("一三九 一二三四 五六七八", "+8613912345678"),
    ("手机：一三九-一二三四-五六七八", "+8613912345678"),
    ("一3九1二3四5六7八", "+8613912345678"),
    ("一\uff13九\uff11二\uff13四\uff15六\uff17八", "+8613912345678"),
    ("+86 一三九 一二三四 五六七八", "+8613912345678"),
    ("卷一13912345678", "+8613912345678"),  # the first reading finds it, the second does not
    (" ".join(p.translate(_DIGITS_AS_NUMERALS) for p in (_RID[:6], _RID[6:14], _RID[14:])),
     _RID),
    (_RID[:6] + _RID[6:].translate(_DIGITS_AS_NUMERALS), _RID),
    ("".join(c if i % 2 else c.translate(_DIGITS_AS_NUMERALS) for i, c in enumerate(_RID)),
     _RID),
], ids=["3-4-4", "dashes", "mixed-ascii", "mixed-fullwidth", "plus86-grouped", "word-before",
        "id-grouped", "id-half-numerals", "id-alternating"])
def test_numerals_in_groups_or_mixed_with_digits_are_found(text, found):
    assert found in [t.value for t in tokens(text, today=TODAY)]


_PROSE = st.text(st.sampled_from(list("统第章节的是在了人有这个上们来到时大地为子中你说生国年着就那和要她出"
                                      "张李王赵刘一二三五八九十百千万零两")), max_size=80)


@settings(max_examples=1000, deadline=None)
@given(_PROSE, st.lists(st.sampled_from(list(CN_NUMERAL_CHARS + "0123456789 -.")), max_size=6))
def test_the_second_reading_is_made_exactly_when_a_numeral_touches_a_unit(prose, extra):
    """_numerals_spelled decides with a byte skeleton, a scan of the numerals and a look at
    their neighbours; the definition is this regex: a numeral next to a digit (zero to three
    separators between) or to another numeral across one to three separators."""
    import re

    from residency_gateway.core.scanner import _numerals_spelled

    text = prose + "".join(extra) + prose[::-1]
    n, sep = CN_NUMERAL_CHARS, "[ \\t\\r\\n./_()-]"
    near = re.compile(f"[{n}]{sep}{{0,3}}[0-9]|[0-9]{sep}{{0,3}}[{n}]|[{n}]{sep}{{1,3}}[{n}]")
    assert (_numerals_spelled(text.encode()) is not None) == (near.search(text) is not None)
