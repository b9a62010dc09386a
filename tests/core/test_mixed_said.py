"""Digit words mixed with single digits, fewer words than a language's own rule reads ("1 3 9 1
dua 3 4 5 6 7 8", "yao 3 9 1 2 3 4 5 6 7 8", "1 3 9 いち 2 3 4 5 6 7 8"). Before, one English
word among digits, and any word of the other languages in a run of fewer than seven (pinyin:
any digit at all between its syllables) left the identifier unread; and the words of
Cantonese, Hokkien, native Korean, Spanish, Portuguese, French, German, Italian, Russian, Hindi
and Arabic were read nowhere (they are read among digits only). Each language and each
number of words is tried at random places, with the separators a run may have, from fixed
seeds; and what is not a number said stays clean."""

from __future__ import annotations

import json
import random
import urllib.parse

import pytest

from residency_gateway.core import scanner
from residency_gateway.core.payload import scan_request_line
from tests.core.test_redteam_round6 import KEY, TODAY, found

MOBILE = "13912345678"
ID = "110101199003071233"
ID_X = "11010519491231002X"
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def words_of(table: dict[str, str]) -> dict[str, str]:
    """digit -> the first word of `table` (word -> English word) for it."""
    out: dict[str, str] = {}
    for word, said in table.items():
        if said in ENGLISH:
            out.setdefault(str(ENGLISH.index(said)), word)
    return out


LANGUAGES = {
    "English": {str(i): w for i, w in enumerate(ENGLISH)},
    "English, capitals": {str(i): w.upper() for i, w in enumerate(ENGLISH)},
    "pinyin": words_of(scanner._PINYIN_DIGITS),
    "pinyin, capitalised": {d: w.title() for d, w in words_of(scanner._PINYIN_DIGITS).items()},
    "Malay": words_of(scanner._MALAY_DIGITS),
    "romaji": words_of(scanner._ROMAJI_DIGITS),
    "kana": words_of(scanner._KANA_DIGITS),
    "katakana": {d: "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in w)
                 for d, w in words_of(scanner._KANA_DIGITS).items()},
    "Hangul": words_of(scanner._HANGUL_DIGITS),
    "Thai": words_of(scanner._THAI_WORDS),
    "Vietnamese": words_of(scanner._VIETNAMESE_DIGITS),
    "Tagalog": words_of(scanner._TAGALOG_DIGITS),
    **{name: words_of(table) for name, table in scanner._MORE_DIGITS.items()},
    "Russian, capitals": {d: w.upper()
                          for d, w in words_of(scanner._MORE_DIGITS["Russian"]).items()},
}
SEPARATORS = [" ", "-", ", ", " / ", "_", "  "]


def mixed(number: str, table: dict[str, str], places: set[int], sep: str) -> str:
    return sep.join(table.get(c, c) if i in places else c for i, c in enumerate(number))


def cases(count: int) -> list[tuple[str, int, str, str]]:
    """(language, words, the text, kind) for one to six words (and seven or more), placed at
    random (a fixed seed per language)."""
    out = []
    for name, table in LANGUAGES.items():
        rnd = random.Random(name)
        for words in (1, 2, 3, 4, 6, 9):
            for number, kind in ((MOBILE, "mobile"), (ID, "id")):
                for _ in range(count):
                    places = set(rnd.sample(range(len(number)), min(words, len(number))))
                    out.append((name, words, mixed(number, table, places,
                                                   rnd.choice(SEPARATORS)), kind))
    return out


@pytest.mark.parametrize(("language", "words", "text", "kind"), cases(2))
def test_digit_words_mixed_with_digits_are_read(language, words, text, kind):
    assert kind in found(json.dumps({"t": text}, ensure_ascii=False)), text


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_in_plain_text_and_forms(language):
    table = LANGUAGES[language]
    text = mixed(MOBILE, table, {2, 6}, " ")
    assert "mobile" in found("call me on " + text + " tomorrow", "text/plain"), text
    form = "tel=" + urllib.parse.quote_plus(text)
    assert "mobile" in found(form, "application/x-www-form-urlencoded"), form


def test_the_check_character_ends_a_mixed_run():
    text = mixed(ID_X[:-1], LANGUAGES["Malay"], {4}, " ") + " X"
    assert "id" in found(json.dumps({"t": text})), text


def test_words_that_are_digits_in_two_languages_are_read_in_each():
    # ba is 3 in Vietnamese and 8 in pinyin; san 3 in both pinyin and romaji
    for text in ("1 3 9 1 2 ba 4 5 6 7 8",  # Vietnamese 3
                 "1 3 9 1 2 3 4 5 6 7 ba"):  # pinyin 8
        assert "mobile" in found(json.dumps({"t": text})), text


@pytest.mark.parametrize("text", [
    "1 3 9 1 2 ba 4 5 6 7 8", "1 3 9 1 2 3 4 5 6 7 ba",  # Vietnamese 3, pinyin 8
    "1 3 9 1 2 3 4 cinco 6 7 8",  # Spanish and Portuguese alike: one reading, not two
    "1 1 0 1 0 1 1 9 9 0 0 ba 0 7 1 2 3 3",  # the second reading is the ID's
])
def test_ambiguous_words_in_plain_text_and_headers(text):
    """Each language's reading stands apart: two readings side by side were joined into one
    22-digit run by the said-digits rules (a bar between them is one of their separators)."""
    kind = "id" if len(text.split()) == 18 else "mobile"
    assert kind in found(text, "text/plain")
    scan = scan_request_line("/v1/x", "", key=KEY, today=TODAY, headers=[("X-Note", text)])
    assert scan.ids if kind == "id" else [p for p in scan.phones if p.jurisdiction == "CN"]


def test_kana_touching_digits():
    assert "mobile" in found(json.dumps({"t": "いち3きゅう1に3よん5ろく7はち"}, ensure_ascii=False))
    assert "mobile" in found(json.dumps({"t": "1 3 9 1 2 3 4 5 6 7 はち"}, ensure_ascii=False))


def test_in_a_path_and_a_header():
    text = mixed(MOBILE, LANGUAGES["pinyin"], {0, 3, 8}, "-")
    scan = scan_request_line("/v1/users/" + text, "", key=KEY, today=TODAY, headers=[])
    assert [p for p in scan.phones if p.jurisdiction == "CN"], text
    scan = scan_request_line("/v1/x", "", key=KEY, today=TODAY,
                             headers=[("X-Contact", mixed(MOBILE, LANGUAGES["Malay"], {5}, " "))])
    assert [p for p in scan.phones if p.jurisdiction == "CN"]


@pytest.mark.parametrize("text", [
    "năm 2024 tôi có 3 con mèo và 2 con chó",  # Vietnamese prose: year, three cats, two dogs
    "lima 5 ekor kucing, dua 2 ekor anjing",
    "Wu 3, Liu 2, Yi 1 (team scores)",
    "1 2 3 4 5 6 go",  # seven tokens, no identifier
    "ichi ni san 1 2 3 4 5 6 7",  # a count, no mobile's shape
    "3人と2匹、いち に さん",
    "1 2 3 이에요",
    "rooms 1 3 9 and 1 2 3 4 5 6 7 8",  # "and" is no digit word of these languages' runs
    '{"month": 3, "day": 7, "go": 1, "ba": 2, "san": 4}',
    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]",
])
def test_prose_and_counts_stay_clean(text):
    assert found(json.dumps({"t": text}, ensure_ascii=False)) == set(), text


def test_a_clean_body_makes_no_mixed_reading():
    body = json.dumps({"month": 3, "day": 7, "notes": "lima orang, 2 anak; go 5 km"}).encode()
    assert scanner._mixed_said(body) is None


def test_many_single_digits_beside_words_are_bounded():
    """A body of single digits and digit words spends from the inspection budget: read
    inline or refused to a worker, never unbounded on the event loop."""
    budget = scanner.Budget(2_000)
    body = ("1 dua " * 20_000).encode()
    with pytest.raises(scanner.BudgetExceeded):
        scanner._mixed_said(body, budget)
