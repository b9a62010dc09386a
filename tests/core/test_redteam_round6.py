"""Red-team round 6: spellings a receiver still reads as a mainland ID or mobile that earlier
rounds did not cover (RFC 2047 Q words, quoted-printable variants, CSS escapes, Suzhou numerals,
JSON scientific notation with a long mantissa), and false positives of the headerless
quoted-printable reading. Misses not fixed are strict xfails."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from residency_gateway.core.payload import inspect_body

ID = "110101199003071233"
MOBILE = "13912345678"
KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
FORM = "application/x-www-form-urlencoded"


def found(body: bytes | str, content_type: str = "application/json") -> set[str]:
    if isinstance(body, str):
        body = body.encode()
    r = inspect_body(body, content_type=content_type, key=KEY, today=TODAY)
    assert r.error is None, r.note
    kinds = {"id" for i in r.ids if i.area_jurisdiction == "CN"}
    return kinds | {"mobile" for p in r.phones if p.jurisdiction == "CN"}


def css(value: str) -> str:
    return "".join(f"\\{ord(c):x} " for c in value)


def every_other_escaped(value: str) -> str:
    return "".join(f"={ord(c):02X}" if n % 2 else c for n, c in enumerate(value))


SUZHOU = "〇〡〢〣〤〥〦〧〨〩"  # U+3007, U+3021-U+3029


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    # RFC 2047 Q encoded-word with a single escape (a mail header pasted into a field)
    (json.dumps({"subject": "=?utf-8?q?tel_1391234=35678?="}), "application/json", "mobile"),
    ("Subject: =?UTF-8?Q?110101199003=3071233?=", "text/plain", "id"),
    # quoted-printable with every other digit escaped: never two escapes in a row
    ("tel 1=339=312=334=356=378", "text/plain", "mobile"),
    ("id " + every_other_escaped(ID), "text/plain", "id"),
    # quoted-printable inside a form value (the receiver decodes the value, not `t=`)
    ("t=139123%3D%0D%0A45678&x=1", FORM, "mobile"),
    ("t=1%3D339%3D312%3D334%3D356%3D378", FORM, "mobile"),
    # CSS escapes, as a stylesheet or inline style renders them
    ('a::after{content:"' + css(MOBILE) + '"}', "text/css", "mobile"),
    ('a{content:"' + "".join(f"\\{ord(c):06x}" for c in ID) + '"}', "text/css", "id"),
    (json.dumps({"style": "content:'" + css(MOBILE) + "'"}), "application/json", "mobile"),
    # Suzhou (Hangzhou) numerals, read as digits by a Chinese reader
    ("tel " + "".join(SUZHOU[int(c)] for c in MOBILE), "text/plain", "mobile"),
    (json.dumps({"n": "".join(SUZHOU[int(c)] for c in ID)}), "application/json", "id"),
    # JSON scientific notation with more than three digits before the point
    ('{"t":13912345.678e3}', "application/json", "mobile"),
    ('{"t":1391234567.8E+1}', "application/json", "mobile"),
    ('{"t":110101199.003071233e9}', "application/json", "id"),
])
def test_new_spellings_found(body, content_type, kind):
    assert kind in found(body, content_type)


CN = "〇一二三四五六七八九"
TAG = 0xE0000


def b64(text: str, codec: str) -> bytes:
    return json.dumps({"data": base64.b64encode(text.encode(codec)).decode()}).encode()


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    # base64 of Chinese text in a legacy charset or UTF-16 (neither UTF-8 nor ASCII)
    (b64("手机13912345678", "gbk"), "application/json", "mobile"),
    (b64("手机号码：１３９１２３４５６７８", "gb18030"), "application/json", "mobile"),
    (b64("身份证" + ID, "gbk"), "application/json", "id"),
    (b64("一三九一二三四五六七八", "big5"), "application/json", "mobile"),
    (b64("１３９１２３４５６７８", "utf-16-le"), "application/json", "mobile"),
    (b64("身份证" + ID.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"}),
         "utf-16-be"), "application/json", "id"),
    # an IDN domain of Chinese numerals, as a browser shows it
    ("see https://xn--" + "".join(CN[int(c)] for c in MOBILE).encode("punycode").decode()
     + ".cn/", "text/plain", "mobile"),
    (json.dumps({"host": "xn--" + "".join(CN[int(c)] for c in ID).encode("punycode").decode()}),
     "application/json", "id"),
    # Unicode tag digits (invisible; a program or a language model reads the ASCII)
    ("hello " + "".join(chr(TAG + ord(c)) for c in MOBILE), "text/plain", "mobile"),
    (json.dumps({"n": "x" + "".join(chr(TAG + ord(c)) for c in ID)}), "application/json", "id"),
])
def test_round6_later_spellings_found(body, content_type, kind):
    assert kind in found(body, content_type)


GBK_FULLWIDTH = "".join(f"\\'{b:02x}" for b in "１３９１２３４５６７８".encode("gbk"))


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    # a backslash before a line break: a line continuation (JavaScript, Python, C, shell)
    ("var t = '139123\\\n45678';", "application/javascript", "mobile"),
    ("echo 110101199\\\r\n003071233", "text/x-sh", "id"),
    # Perl/Ruby/PHP \x{..}, Python \N{...}
    ('t="\\x{31}\\x{33}\\x{39}12345678"', "text/plain", "mobile"),
    ("t='\\N{DIGIT ONE}\\N{DIGIT THREE}\\N{DIGIT NINE}12345678'", "text/x-python", "mobile"),
    # iCalendar / vCard folded lines (a line break and one space or tab are nothing)
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:call 139123\r\n 45678\r\nEND:VEVENT\r\n"
     "END:VCALENDAR\r\n", "text/calendar", "mobile"),
    ("BEGIN:VCARD\r\nNOTE:id 110101199\r\n\t003071233\r\nEND:VCARD\r\n", "text/plain", "id"),
    # RTF as a word processor shows it
    ("{\\rtf1 tel 139\\'31234 5678}", "application/rtf", "mobile"),
    ("{\\rtf1 tel \\u49?\\u51?\\u57?12345678}", "application/rtf", "mobile"),
    ("{\\rtf1\\ansi\\ansicpg936 tel " + GBK_FULLWIDTH + "}", "application/rtf", "mobile"),
    ("{\\rtf1 id 110101\\b 1990\\b0 0307\\i 1233}", "application/rtf", "id"),
])
def test_round6_code_and_document_spellings_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    # shown reversed by the browser
    (f'<p>tel <bdo dir="rtl">{MOBILE[::-1]}</bdo></p>', "text/html", "mobile"),
    (f"<p>id <BDO DIR=RTL>{ID[::-1]}</BDO></p>", "text/html", "id"),
    (f'<span style="unicode-bidi: bidi-override; direction: rtl">{MOBILE[::-1]}</span>',
     "text/html", "mobile"),
    # a decoy the browser does not show
    ('tel 139<span style="display:none">000</span>12345678', "text/html", "mobile"),
    # SVG tspans of one text element: one line
    ("<svg><text><tspan>139</tspan><tspan>1234</tspan><tspan>5678</tspan></text></svg>",
     "image/svg+xml", "mobile"),
])
def test_round6_markup_shown_differently_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize("body", [
    '<div style="display:flex;flex-direction:row-reverse"><b>5678</b><b>1234</b><b>139</b></div>',
    '<style>.a::before{content:"139"}</style><span class="a">12345678</span>',
])
def test_css_layout(body):
    assert "mobile" in found(body, "text/html")


# (integers in binary serializations: fixed, tests/core/test_serialized.py)


@pytest.mark.parametrize("body", ['{"t":139123456780e-1}', '{"t":1101011990030712330e-1}',
                                  '{"t":13912345678E0}', '[1391234567800000e-5]',
                                  '{"t":1.3912345678e10}'])
def test_scientific_without_point(body):
    assert found(body)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"tel +ADEAMwA5ADEAMgAzADQANQA2ADcAOA-", "text/plain"),
    (b"tel +ADEAMwA5ADEAMgAzADQANQA2ADcAOA", "text/plain"),   # (no closing dash)
    (b"tel 139+ADEAMgAzADQ-5678", "text/plain"),                # part of a number
    (b'{"t": "+ADEAMwA5ADEAMgAzADQANQA2ADcAOA-"}', "application/json"),
    (b"t=%2BADEAMwA5ADEAMgAzADQANQA2ADcAOA-", "application/x-www-form-urlencoded"),
])
def test_undeclared_utf7(body, content_type):
    assert "mobile" in found(body, content_type)


def test_base64_with_plus_a_is_not_utf7():
    blob = base64.b64encode(bytes(range(256)) * 64 + b"+A" * 50).decode()
    assert "+A" in blob
    assert found(json.dumps({"img": blob, "n": "a+ADE-b"}), "application/json") == set()


# -- false positives of the headerless quoted-printable reading --------------------------------

@pytest.mark.parametrize(("body", "content_type"), [
    # a form field whose name ends in a digit, an 11-digit value starting with 3 (the QP
    # reading of the whole body would eat "=35" and join "p1" to "912345678")
    ("p1=35912345678&p2=x", FORM),
    ("tel1=393471234567&tel2=393471234568", FORM),
    # an IMEI after a key (one escaped-looking digit: no quoted-printable mark)
    (json.dumps({"q": "request_id=4001394711019055247&device_imei=355271550418177"}),
     "application/json"),
    ("request_id=4001394711019055247\ndevice_imei=355271550418177\n", "text/plain"),
    # base64 with padding, a PEM block, a signed URL
    ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUE3Q=\n-----END CERTIFICATE-----\n",
     "application/x-pem-file"),
    ("sig=QUJDMTM=\n12345678901\n", "text/plain"),
    # exponents of ordinary numbers, with and without a point
    ('{"t": 12345678e3, "u": 1.5e10, "v": "12345678901e2", "w": 99999999e-3}',
     "application/json"),
    ('{"big": 123456789012e5, "small": 20261129e-3}', "application/json"),
    (json.dumps({"url": "https://s3.example.com/o?X-Amz-Expires=3600&X-Amz-Signature=3d3f31"
                        "&X-Amz-Credential=AKIA1234567890%2F20261129"}), "application/json"),
    # a subdivision flag (tag letters) before an ordinary number; an ordinary IDN
    ("\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f 12345678",
     "text/plain"),
    ("https://xn--fiqs8s.cn/x/12345678", "text/plain"),
    # base64 of random bytes, of binary with digits
    (json.dumps({"sig": "q83vASNFZ4mrze8BI0Vnia"}), "application/json"),
    # an ordinary RTF letter, an ordinary calendar entry
    ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0\\fs24 Invoice 2026\\par Total 1,234.56"
     "\\par Ref 4471-22\\par}", "application/rtf"),
    ("BEGIN:VCALENDAR\r\nDTSTART:20261129T100000Z\r\nDESCRIPTION:room 12\r\n 34 floor 5\r\n"
     "END:VCALENDAR\r\n", "text/calendar"),
    # ordinary right-to-left text and hidden elements
    ('<p dir="rtl">\u05e9\u05dc\u05d5\u05dd 12345678</p><bdo dir="rtl">abc</bdo>', "text/html"),
    ('<div style="display:none">menu</div><p>order 13912 qty 345678</p>', "text/html"),
    # a stylesheet's ordinary escapes
    ('.a::before{content:"\\201C"} .b{content:"\\2014 "}', "text/css"),
])
def test_ordinary_bodies_stay_clean(body, content_type):
    assert found(body, content_type) == set()


# Fixed in round 24 (payload._csv_rows): rows of a table keep their line ends
def test_soft_break_joins_csv_rows():
    body = "424449,=72,8615855=\n133269,=AD,68026576=\n"
    assert found(body, "text/csv") == set()


# Fixed in round 24 (payload._QP_LONE_DIGIT): an escaped digit between digits
def test_single_escaped_digit():
    assert "mobile" in found("tel 1391234=35678", "text/plain")
