"""Digits said in words alone (seven or more in a row) in Cantonese (Jyutping, tones or none),
Russian, Hindi (Devanagari), Arabic and native Korean numbers, spaced or (Korean) run together.
Before round 10 these languages were read nowhere; their words among digits are read by the
mixed runs (test_mixed_said.py). Prose in them holding the same words stays clean."""

from __future__ import annotations

import json

import pytest

from residency_gateway.core import scanner
from tests.core.test_redteam_round6 import found

MOBILE = "13912345678"
ID = "110101199003071233"
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def said(number: str, language: str, sep: str = " ", tones: str = "") -> str:
    table: dict[str, str] = {}
    for word, english in scanner._MORE_DIGITS[language].items():
        if language == "Hindi" and word.isascii():
            continue  # (Devanagari: Latin-script Hindi is read among digits only)
        table.setdefault(str(ENGLISH.index(english)), word)
    return sep.join(table[c] + (tones[int(c)] if tones else "") for c in number)


@pytest.mark.parametrize("language", ["Cantonese", "Russian", "Hindi", "Arabic", "Korean"])
@pytest.mark.parametrize(("number", "kind"), [(MOBILE, "mobile"), (ID, "id")])
@pytest.mark.parametrize("sep", [" ", ", ", "-"])
def test_a_number_said_in_words_alone(language, number, kind, sep):
    text = said(number, language, sep)
    assert kind in found(json.dumps({"t": text}, ensure_ascii=False)), text
    assert kind in found("请拨打 " + text, "text/plain"), text


def test_jyutping_with_tone_numbers_and_russian_in_capitals_and_korean_run_together():
    assert "mobile" in found(said(MOBILE, "Cantonese", " ", "4162365231"), "text/plain")
    assert "mobile" in found(said(MOBILE, "Russian").upper(), "text/plain")
    assert "mobile" in found(said(MOBILE, "Korean", ""), "text/plain")


@pytest.mark.parametrize("text", [
    "У меня один брат и две сестры, три кошки и один пёс.",  # one brother, two sisters
    "एक दो तीन चार पाँच — गिनती सीखो",  # counting to five
    "لدي واحد أو اثنان من الكتب",  # one or two books
    "하나 둘 셋 넷 다섯! 운동을 시작합니다",  # counting to five, exercise
    "jat go jan heoi ji go dei fong",  # Cantonese words, not digits in a row
])
def test_prose_with_those_words_stays_clean(text):
    assert found(json.dumps({"t": text}, ensure_ascii=False)) == set(), text


def test_english_and_chinese_text_makes_no_such_reading():
    body = json.dumps({"notes": "Call John on Monday; 北京市东城区景山前街4号"},
                      ensure_ascii=False).encode()
    assert scanner._more_said(body) is None
