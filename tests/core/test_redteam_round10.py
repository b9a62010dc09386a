"""Red-team round 10: digit words among single digits (_mixed_said) spelled with punctuation,
quotes, tags, line ends or a check character said in words, which passed unread; and ordinary
text in the languages read, with single digits beside everyday words that are digit words,
which must stay clean. Misses and false positives not fixed are strict xfails."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from residency_gateway.core import scanner
from residency_gateway.core.payload import scan_request_line
from tests.core.test_redteam_round6 import KEY, TODAY, found

MOBILE = "13912345678"
ID = "110101199003071233"
ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
FORM = "application/x-www-form-urlencoded"


def spelled(number: str, words: dict[int, str], sep: str, wrap: str = "{}") -> str:
    """`number` with the digits at the keys of `words` as those words, each token wrapped."""
    return sep.join(wrap.format(words.get(i, c)) for i, c in enumerate(number))


# the mobile's fifth digit (2) and the ID's fifth (0) in a few languages
WORDS = {"Malay": ("dua", "kosong"), "Spanish": ("dos", "cero"), "Hindi": ("do", "shunya"),
         "Russian": ("два", "ноль"), "kana": ("に", "ぜろ"), "English": ("two", "zero")}


def cases(sep: str, wrap: str = "{}") -> list[tuple[str, str]]:
    out = []
    for two, zero in WORDS.values():
        out.append((spelled(MOBILE, {4: two}, sep, wrap), "mobile"))
        out.append((spelled(ID, {4: zero}, sep, wrap), "id"))
    return out


# --- misses fixed ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    *cases(". "), *cases("."), *cases(" | "), *cases(" ", "({})"), *cases(" ", "'{}'"),
    *cases(" ", "[{}]"), *cases("\n"), *cases("\r\n"), *cases(" ", '"{}"'),
    # a word with a full stop or comma of its own, in a run otherwise apart
    ("1 3 9 1 dua. 3 4 5 6 7 8", "mobile"), ("1 3 9 1 (dua) 3 4 5 6 7 8", "mobile"),
    ('1 3 9 1 "cinco" 3 4 5 6 7 8', "mobile"),
    # a run that goes on as a list after a comma ("..., 2 3")
    ("tel: 1 3 9 1 dua 3 4 5 6 7 8, 2 3", "mobile"),
])
def test_punctuated_tokens_are_read(text, kind):
    assert kind in found(json.dumps({"t": text}, ensure_ascii=False)), text


@pytest.mark.parametrize(("text", "kind"), cases("\n") + cases("\r\n") + cases(". "))
def test_one_token_a_line_in_plain_text(text, kind):
    assert kind in found(text, "text/plain"), text


@pytest.mark.parametrize(("body", "kind"), [
    # JSON lists of strings, and of numbers with a word among them
    (json.dumps({"t": list(spelled(MOBILE, {4: "dua"}, "\0").split("\0"))}), "mobile"),
    (json.dumps({"t": [int(c) if i != 4 else "dua" for i, c in enumerate(MOBILE)]}), "mobile"),
    (json.dumps({"t": [int(c) if i != 2 else "nove" for i, c in enumerate(MOBILE)]}), "mobile"),
    (json.dumps({"t": [int(c) if i != 4 else "kosong" for i, c in enumerate(ID)]}), "id"),
    (json.dumps({"t": list(spelled(ID, {8: "jiu"}, "\0").split("\0"))}), "id"),
    (json.dumps({"t": [c if i != 1 else "さん" for i, c in enumerate(MOBILE)]},
                ensure_ascii=False), "mobile"),
])
def test_json_lists_with_a_word_are_read(body, kind):
    assert kind in found(body), body


@pytest.mark.parametrize(("body", "content_type"), [
    ("".join(f"<p>{t}</p>" for t in spelled(MOBILE, {4: "dua"}, " ").split()), "text/html"),
    ("<ul>" + "".join(f"<li>{t}</li>" for t in spelled(MOBILE, {3: "un"}, " ").split())
     + "</ul>", "text/html"),  # (li is a Hokkien word: the tags hold no token)
    ("1 3 9 1 <b>dua</b> 3 4 5 6 7 8", "text/html"),
    ('<span class="d">1</span> <span class="d">3</span> <span class="d">nueve</span> '
     + " ".join(f'<span class="d">{c}</span>' for c in MOBILE[3:]), "text/html"),
    ("<r>" + "".join(f"<d>{t}</d>" for t in spelled(MOBILE, {6: "empat"}, " ").split())
     + "</r>", "application/xml"),
    (json.dumps({"html": "<td>1</td><td>3</td><td>9</td><td>1</td><td>deux</td><td>3</td>"
                         "<td>4</td><td>5</td><td>6</td><td>7</td><td>8</td>"}), "application/json"),
])
def test_tokens_between_tags_are_read(body, content_type):
    assert "mobile" in found(body, content_type), body


@pytest.mark.parametrize("x", ["X", "x", "equis", "ekis", "eks", "iks", "икс", "エックス", "엑스", "叉"])
def test_the_check_character_said_ends_a_run(x):
    words = "1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 kosong 2 " + x
    assert "id" in found(json.dumps({"t": words}, ensure_ascii=False)), words
    if x not in "Xx":
        digits = "1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 " + x  # (digits alone, X said)
        assert "id" in found(json.dumps({"t": digits}, ensure_ascii=False)), digits


def test_malay_sifar():
    text = spelled(ID, {4: "sifar"}, " ")
    assert "id" in found(json.dumps({"t": text})), text


@pytest.mark.parametrize("text", [spelled(MOBILE, {4: "dua"}, "."),
                                  spelled(MOBILE, {4: "dua"}, ".", "({})")])
def test_dotted_runs_in_request_lines(text):
    for path, query, headers in (("/v1/u/" + text, "", []), ("/v1/u", "t=" + text, []),
                                 ("/v1/u", "t=" + urllib.parse.quote(text), []),
                                 ("/v1/x", "", [("X-Contact", text)])):
        scan = scan_request_line(path, query, key=KEY, today=TODAY, headers=headers)
        assert [p for p in scan.phones if p.jurisdiction == "CN"], (path, query, headers)


def test_dotted_runs_in_forms_multipart_and_base64():
    text = spelled(MOBILE, {4: "dua"}, ".")
    assert "mobile" in found("tel=" + urllib.parse.quote_plus(text), FORM)
    quoted = json.dumps(spelled(MOBILE, {4: "dua"}, "\0").split("\0"))
    assert "mobile" in found("tel=" + urllib.parse.quote_plus(quoted), FORM)
    multipart = ('--b\r\nContent-Disposition: form-data; name="t"\r\n\r\n' + text
                 + "\r\n--b--\r\n")
    assert "mobile" in found(multipart, "multipart/form-data; boundary=b")
    assert "mobile" in found(json.dumps({"t": base64.b64encode(text.encode()).decode()}))


AMBIGUOUS = ["ba", "san", "go", "lima", "sei", "un", "do", "it", "si", "ng", "cat", "ni", "tu",
             "nam", "hai", "tres", "due", "tre", "nove", "ek", "char", "tin", "li", "ji", "sam",
             "er", "yi", "shi", "ku", "sau", "bay", "tam", "chin", "um", "una", "ein", "null",
             "six", "isa", "nol"]


def ambiguous_cases() -> list[tuple[str, str]]:
    """Each word that is a digit in one language or more (and an everyday word in another), in
    every place of the mobile and ID where it stands for the digit there."""
    out = []
    for word in AMBIGUOUS:
        digits = {str(ENGLISH.index(m.split(":")[1])) for m in scanner._MIXED_MEANING[word]}
        for number, kind in ((MOBILE, "mobile"), (ID, "id")):
            for i, c in enumerate(number):
                if c in digits:
                    out.append((spelled(number, {i: word}, ", " if i % 2 else " "), kind))
    return out


@pytest.mark.parametrize(("text", "kind"), ambiguous_cases())
def test_ambiguous_words_in_every_place(text, kind):
    assert kind in found(json.dumps({"t": text})), text


def test_many_tagged_tokens_are_bounded():
    budget = scanner.Budget(2_000)
    body = ("<b>1</b>.<i>dua</i>." * 20_000).encode()
    with pytest.raises(scanner.BudgetExceeded):
        scanner._mixed_said(body, budget)


def test_floats_open_no_window():
    """JSON numbers ("blur": 0.02) are no single digit beside a word: decided in C."""
    body = json.dumps({f"k{i}": i / 100 for i in range(200)}).encode()
    assert scanner._mixed_said(body) is None


# --- misses not fixed -----------------------------------------------------------------------

@pytest.mark.xfail(strict=True, reason=(
    "MISS: a comma inside the run ('1 3 9 1 dua, 3 4 5 6 7 8') is a pause, kept as a space "
    "as the English rule keeps it ('13912 345678', no mobile's grouping); digits alone "
    "('1 3 9 1 2, 3 4 ...') are not read either. Joining over commas read lists of ages "
    "('1세, 3세, 4세, 5세, 6세, 2' was a mobile). Round 24: kept, an accepted trade-off: "
    "comma-separated single digits are how ratings, ages and survey answers are listed "
    "(test_round24_text.test_ordinary_overseas_bodies_stay_clean's shapes)"))
def test_a_comma_inside_a_run():
    assert "mobile" in found(json.dumps({"t": "1 3 9 1 dua, 3 4 5 6 7 8"}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: colons and plus signs are no separator of a run: digits alone "
    "('1:3:9:1:2:...', '1+3+9+...') are not read either (times, ratios, sums). Round 24: "
    "kept, an accepted trade-off: a colon between single digits is a time or score "
    "('1:3', '9:1'), a plus a sum; eleven of them in a row is the only tell and a said "
    "word among them does not make it one"))
@pytest.mark.parametrize("sep", [":", "+"])
def test_colon_and_plus_separators(sep):
    assert "mobile" in found(json.dumps({"t": spelled(MOBILE, {4: "dua"}, sep)}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: a number of two digits or more beside a word stays apart ('139 dua 345 678'), as "
    "in the English rule: reading it would join years and counts ('năm 2024', 'lima 5 "
    "ekor', 'tháng ba 2024'). Round 24: kept, an accepted trade-off (a mobile's own "
    "grouping, 3 + word + 3 + 4, is no grouping of the numbering plan either)"))
def test_groups_beside_a_word():
    assert "mobile" in found(json.dumps({"t": "139 dua 345 678"}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: a Latin digit word touching digits ('1dua3 9 1 2 ...') is not read (nor 'two' "
    "so): codes and base64 ('1ba3', '2do', 'A1go3') would be read as words. Round 24: "
    "kept, an accepted trade-off: a word glued to digits is a code's shape first"))
def test_a_latin_word_touching_digits():
    assert "mobile" in found(json.dumps({"t": "1 3 9 1dua3 4 5 6 7 8"}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: one token per unlabelled JSON field, or a run split over two unlabelled fields: "
    "digits alone are not joined there either (only labelled continuations are). Round 24: "
    "kept: unlabelled fields hold counters, coordinates and ratings side by side by design; "
    "the structure-joining code (another helper's area) decides what joins"))
@pytest.mark.parametrize("body", [
    json.dumps(dict(zip("abcdefghijk", spelled(MOBILE, {4: "dua"}, " ").split(), strict=True))),
    json.dumps({"a": "1 3 9 1 dua", "b": "3 4 5 6 7 8"}),
])
def test_tokens_in_fields_of_their_own(body):
    assert "mobile" in found(body)


def test_tokens_50_spaces_apart():
    text = (" " * 50).join(spelled(MOBILE, {10: "lapan"}, " ").split())
    assert "mobile" in found(json.dumps({"t": text}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: tokens 80 spaces apart or more, the word at one end: a run is read within 400 bytes "
    "of a digit beside a word (digits alone so far apart are not read either). Round 24: "
    "kept, a bound: _MIXED_REACH keeps the reading linear; tokens 100 spaces apart are "
    "as far apart as the paragraphs of a page"))
def test_tokens_far_apart():
    text = (" " * 100).join(spelled(MOBILE, {10: "lapan"}, " ").split())
    assert "mobile" in found(json.dumps({"t": text}))


@pytest.mark.xfail(strict=True, reason=(
    "MISS: Korean's attributive numerals as a quoted value of their own ('네', also 'yes') are "
    "not read: an answer in a JSON list of ratings made a mobile. Round 24: kept; a quoted "
    "네 alone is yes/no first, and the survey words that now rule out unquoted answers "
    "(_MIXED_ANSWER_WORDS) are seldom in such a list"))
def test_a_quoted_attributive_korean_numeral():
    body = json.dumps([c if i != 6 else "네" for i, c in enumerate(MOBILE)], ensure_ascii=False)
    assert "mobile" in found(body)


# --- false positives ------------------------------------------------------------------------

CLEAN = [
    # Vietnamese: dates, receipts, scores, numbered lists of digit words
    "Ngày 3 tháng 4 năm 2024, tôi mua 2 kg gạo, 1 chai nước mắm và 3 bó rau, tháng ba 7 ngày",
    "3 4 5 tháng ba\n1 2 3 năm\n6 7 8 sáu\n9 1 2 bảy",
    "Hóa đơn\n1 x Phở bò 45.000\n3 x Trà đá 5.000\nBa 1 2 3 4 5 6 7 8 9",
    "Tỉ số: 1-3, 9-1, 2-3, ba 4 5 6 7 8 bàn thắng",
    "1. Một\n2. Hai\n3. Ba\n4. Bốn\n5. Năm\n6. Sáu\n7. Bảy\n8. Tám\n9. Chín",
    "Bàn 1 3 người, bàn 9 1 người, ba 2 3 4 5 6 7 8 món",
    # Malay
    "Resipi: 1 cawan gula, 3 biji telur, lima 9 sudu, 1 2 3 4 5 6 7 8 minit",
    "Resipi:\n1. Lima biji bawang\n3. Dua cawan air\n9. Satu sudu garam",
    "Harga: RM 1.3, 9.1, lima 2.3, 4.5, 6.7, 8",
    "Jalan 1/3, Lot 9, Taman Lima 1, 2 3 4 5 6 7 8",
    "Nilai: 1 3 lima 1 2 3 4 5 6 7 8 9",
    # French, German, Spanish
    "Chapitre 1. Un 2. Deux 3. Trois 4. Quatre 5. Cinq 6. Six",
    "Étape 1: un oeuf. Étape 3: six pommes. 9. 1. 2. 3. 4. 5.",
    "Recette: 1 œuf, 3 cuillères, 9 g, un 1 2 3 4 5 6 7 8 minutes",
    "Score final: 1 3 9 1 un 2 3 4 5 6 7 8",
    "Sets: 1-3, 9-1, un-2, 3-4, 5-6, 7-8",
    "Wir haben 1 Hund, 3 Katzen und ein 9 1 2 3 4 5 6 7 Fische",
    "1 o 2 pastillas, 3 o 4 veces, 5 o 6 días, 7 o 8 semanas",
    "una 1 3 9 1 2 3 4 5 6 7",
    # Hindi, Hokkien, romaji
    "IP 1.3.9.1 do 2.3.4.5 and 6.7.8",
    "Q1. 1\nQ2. 3\nQ3. 9\nQ4. 1\nQ5. do\nQ6. 3\nQ7. 4\nQ8. 5\nQ9. 6\nQ10. 7\nQ11. 8",
    "Test answers: 1 2 3 4 go",
    "Version 1.3.9 go 1.2.3 build 4.5.6.7.8",
    "Page 1 of 3. Go to 9. 1 2 3 4 5 6 7 8",
    "it 1 3 9 1 2 3 4 5 6 7",
    "2 4 6 8 | go | 1 3 5 7 9",
    "Timetable: 1 3 9 | 1 2 3 | ba | 4 5 6 | 7 8",
    "ラーメン 1 杯、ご 3 9 1 2 3 4 5 6 7 8 円",
    # Korean: counters and ages after digits, 한 번 (once)
    "1 2 3 한 번 더 해 주세요. 4 5 6 두 번.",
    "자녀 나이: 1세 3세 4세 5세 6세 2명",
    "자녀 나이: 1세, 3세, 4세, 5세, 6세, 2",
    "세 1 3 9 1 2 3 4 5 6 7",
    # lists and tables of single digits with a word elsewhere
    "Giants 1 3 0 0 2 0 1 0 X 7 9 1\nTigers 0 0 1 0 0 0 2 0 0 3 6 2",
    "<td>1</td><td>3</td><td>9</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td>"
    "<td>6</td><td>7</td><td>go</td><td>8</td>",
]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_text_stays_clean(text):
    assert found(json.dumps({"t": text}, ensure_ascii=False)) == set(), text
    assert found(text, "text/plain") == set(), text


@pytest.mark.parametrize("body", [
    '{"answers": [1, 3, "네", 5, 2, 4, 3, 5, "네", 1, 2]}',
    '{"grid": [[1,3,9],[1,"ba",3],[4,5,6],[7,8,9]]}',
    '{"qty": [1, 3, 9, 1, 2, 3, 4, 5, 6, 7], "note": "go"}',
    '[{"q": 1, "a": "go"}, {"q": 3, "a": "do"}, {"q": 9, "a": "un"}]',
    json.dumps({f"k{i}": i / 100 for i in range(50)}),
])
def test_json_stays_clean(body):
    assert found(body) == set(), body


# Fixed after round 24 (scanner._MIXED_ANSWER_WORDS): 네 after a survey's words is yes.
def test_korean_survey_answers():
    assert found(json.dumps({"t": "설문 답: 1 3 네 5 2 4 3 5 네 1 2"},
                            ensure_ascii=False)) == set()
