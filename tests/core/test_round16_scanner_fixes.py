"""Round 16 fixes (tests/core/test_redteam_round16.py): more spellings of each class read now,
and the false positives each reading must not make.

Classes: a phone as an object of parts (the parts' labels are phone words for the joined
fields), TeX spacing and grouping between digits, phone-keypad vanity letters, Japanese kun
readings after a phone word, SVG <text> runs of one line, character codes
(String.fromCharCode, =CHAR(n)&...).
"""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found

MOBILE = "13912345678"
ID = "110101199003071233"
JSON = "application/json"
SVG = "image/svg+xml"
JS = "application/javascript"
CSV = "text/csv"


def j(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


# -- a phone as an object of parts ---------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"phone": {"country_code": "86", "area_code": "139", "number": "12345678"}},
    {"cc": "86", "prefix": "139", "line": "12345678"},
    {"dial": "86", "area_code": "139", "number": "12345678"},
    {"user": 7, "area_code": "139", "subscriber_number": "12345678"},
    {"callingCode": "86", "areaCode": "139", "localNumber": "12345678"},
    {"dialCode": "0086", "areaCode": "139", "subscriberNumber": "1234-5678"},
    {"country-code": "86", "national_number": "139", "ext": "12345678"},
    {"区号": "86", "前缀": "139", "尾号": "12345678"},
])
def test_phone_parts_found(body):
    assert "mobile" in found(json.dumps(body, ensure_ascii=False))


@pytest.mark.parametrize("body", [
    {"country_code": "SG", "postal_code": "139123", "unit": "12345"},
    {"address": {"country_code": "CN", "postal_code": "100010", "street_no": "139",
                 "building": "12345678"}},
    {"country_code": "65", "qty": 139, "sku": 12345678},  # another country's code first
    {"cc": "65", "area_code": "139", "number": "12345678"},
    {"cc_number": "4111111111111111", "cc_exp": "1391", "cvv": "2345678"},
    {"amount": {"currency_code": "CNY", "units": "139", "nanos": "12345678"}},
    {"order": 139, "number": 12345678},
    {"total": 139, "subtotal": 1234, "tax": 5678},
    {"postal_code": "139", "line": "12345678"},
])
def test_phone_parts_guards_stay_clean(body):
    assert not found(json.dumps(body, ensure_ascii=False))


# -- TeX spacing and grouping ------------------------------------------------------------------

@pytest.mark.parametrize("tex", [
    "139\\hspace{1pt}1234\\hspace*{0.5em}5678", "{\\rm 139}{\\rm 1234}{\\rm 5678}",
    "139\\kern1pt 1234\\kern.2em5678", "$139\\;1234\\!5678$",
    "\\text{139}\\,\\text{1234}\\,\\text{5678}", "$1\\,3\\,9\\,1\\,2\\,3\\,4\\,5\\,6\\,7\\,8$",
    "139\\phantom{0}1234\\phantom{0}5678", "139\\quad 1234\\thinspace 5678",
    "\\mathbf{139}\\,\\mathbf{1234}\\,\\mathbf{5678}",
])
def test_tex_spellings_found(tex):
    assert "mobile" in found(j("tex", tex))
    assert "mobile" in found(tex, "application/x-tex")


def test_tex_spaced_id_found():
    assert "id" in found(j("tex", "$110101\\,19900307\\,1233$"))


@pytest.mark.parametrize("tex", [
    "$139\\times 1234 + 5678$", "$x^{139}{1234}5678$", "\\frac{139}{12345678}",
    "$139 \\cdot 12345678$", "\\section{139}\\label{12345678}", "$2^{10}\\,\\mathrm{kB}$",
    "\\binom{139}{12345678}",
])
def test_tex_guards_stay_clean(tex):
    assert not found(j("tex", tex))


# -- keypad letters -----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("note", "tel 139-1ADG-JMPT"), ("note", "call +86 139 1ADG JMPT"), ("note", "+86-1391-ADG-JMPT"),
    ("phone", "1391ADGJMPT"), ("msg", "my mobile is 139 1234 LOVE"), ("x", "0086 139 1234 JMPT"),
    ("tel", "+86 (139) 1ADG-JMPT"), ("contact", "139.1ADG.JMPT"),
])
def test_keypad_spellings_found(key, value):
    assert "mobile" in found(j(key, value))


@pytest.mark.parametrize(("key", "value"), [
    ("sku", "139-ABCD-EFGH"), ("sku", "139ABCD1234"), ("plate", "粤B-139ADG"), ("pnr", "139ABC"),
    ("phone", "1-800-FLOWERS"), ("phone", "1800FLOWERS"), ("serial", "C02X1391ABCD"),
    ("model", "SM-G9910ZKA"), ("isbn", "ISBN 139-1ADG-JMP"), ("code", "139-1ADG-JMPTX"),
    ("ts", "2026-11-29T12:00:00.123Z"), ("vin", "LSVAU2180N2183294"),
    ("ref", "139-1adg-jmpt"),  # lower case: no keypad word
])
def test_keypad_guards_stay_clean(key, value):
    assert not found(j(key, value))


# -- Japanese kun readings ------------------------------------------------------------------------

KUN = ["rei", "hito", "futa", "mi", "yo", "itsu", "mu", "nana", "ya", "kokono"]
KANA = ["れい", "ひと", "ふた", "み", "よ", "いつ", "む", "なな", "や", "ここの"]


@pytest.mark.parametrize(("key", "said"), [
    ("msg", "電話: " + "".join(KANA[int(c)] for c in MOBILE)),
    ("msg", "tel " + "-".join(KUN[int(c)] for c in MOBILE)),
    ("msg", "denwa bangou wa hito mi kokono, hito futa mi yon, itsu mu nana ya desu"),
    ("msg", "電話番号は ひと み ここの ひと ふた み よん いつ む なな や です"),
    ("msg", "電話 ひと さん ここの いち に さん よん ご ろく なな はち"),  # kun and on mixed
    ("phone", "hī mi kokono hī fū mi yo itsu mu nana ya"),
])
def test_kun_spellings_found(key, said):
    assert "mobile" in found(j(key, said))


@pytest.mark.parametrize(("key", "said"), [
    ("msg", "mi ya to hi fu mu yo ni go ku"),  # no phone word
    ("msg", "ひとふたみよいつむななやここのとお"),
    ("msg", "kimi no na wa. ya mi to hi no mu yo"),
    ("denwa", "hito ya mi"),  # fewer than seven words
    ("lyrics", "hito futa mi yo itsu mu nana ya kokono to"),
    ("msg", "電話 ひと ふた み よ いつ む 45678"),  # six words and a number: no run
    ("msg", "denwa hito futa mi yo itsu mu 45678"),
])
def test_kun_guards_stay_clean(key, said):
    assert not found(j(key, said))


# -- SVG <text> runs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "kind"), [
    ('<svg xmlns:svg="x"><svg:text x="0" y="5">139</svg:text> <svg:text x="30" y="5">1234'
     '</svg:text><svg:text x="70" y="5">5678</svg:text></svg>', "mobile"),
    # (10 digits at 9 units take about 54: the next run starts there)
    ('<svg><text x="0" y="10" font-size="9">1101011990</text><text x="56" y="10">03071233'
     "</text></svg>", "id"),
    ('<svg><text x="0" y="10">13</text><text x="20" y="10"><tspan>912</tspan>345</text>'
     '<text x="50" y="10">678</text></svg>', "mobile"),
    ("<svg>" + "".join(f"<text>{c}</text>" for c in ID) + "</svg>", "id"),
])
def test_svg_runs_found(body, kind):
    assert kind in found(body, SVG)


@pytest.mark.parametrize("body", [
    '<svg><text x="0" y="10">139</text><text x="0" y="30">1234</text>'
    '<text x="0" y="50">5678</text></svg>',  # three lines
    '<svg><text x="0" y="300">0</text><text x="50" y="300">100</text>'
    '<text x="100" y="300">200</text><text x="150" y="300">300</text></svg>',  # an axis
    '<svg><text x="0" y="10">139</text><rect/><text x="30" y="10">1234</text><line/>'
    '<text x="70" y="10">5678</text></svg>',  # not consecutive
])
def test_svg_guards_stay_clean(body):
    assert not found(body, SVG)


# -- character codes ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "kind"), [
    ("x = String.fromCharCode(" + ", ".join(hex(ord(c)) for c in MOBILE) + ")", JS, "mobile"),
    ("x = String.fromCodePoint(" + ",".join(str(ord(c)) for c in ID) + ")", JS, "id"),
    (j("js", "document.write(String.fromCharCode(" + ",".join(str(ord(c)) for c in
                                                              "tel 13912345678") + "))"),
     JSON, "mobile"),
    ("a,b\nZhang,=" + "&".join(f"CHAR({ord(c)})" for c in MOBILE) + "\n", CSV, "mobile"),
    ("a,b\nZhang,=" + "&".join(f"UNICHAR({ord(c)})" for c in MOBILE) + "\n", CSV, "mobile"),
    ("p = " + "+".join(f"chr({ord(c)})" for c in MOBILE), "text/x-python", "mobile"),
])
def test_char_codes_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    ("String.fromCharCode(65,66,67)", JS), ("=CHAR(10)&A1", CSV),
    ("x = String.fromCharCode(1391234, 5678)", JS),
    ("a,b\nZhang,=CHAR(65)&\"139\"\n", CSV),
])
def test_char_codes_guards_stay_clean(body, content_type):
    assert not found(body, content_type)
