"""Red-team of "Inspection: binary bodies and parts are read as the text runs in them" (106b441).

Every case here was found by the parent commit (2b8bb2e, whole-text decoding) or refused by it
(fail-closed), and missed by 106b441; all fixed since (UTF-16/32 text with a clean reading is
text, not binary; wide runs of every script's letters, digits and punctuation; cp037 and
ISO-2022 readings of binary; a control byte or two inside a UTF-8 run as a space; derived
views past the limit refused, as for text):

1. test_utf16_text_outside_wide_class: plain UTF-16 Chinese text (binary by the new 1% C0
   count, with no added controls: CJK code units have C0 low bytes) whose identifier uses a
   character outside `_WIDE_TEXT_RUNS` (em dash, non-breaking hyphen U+2011, narrow NBSP
   U+202F, thin space, ZWSP/word joiner/U+FEFF, minus, katakana middle dot, line separator,
   combining marks, Arabic-Indic/Devanagari/Thai/Persian/math-bold/circled digits). The run
   is cut into pieces under 8 characters and dropped. The old code read the whole text as
   UTF-16 and the scanner's NFKC + fold joined it. Same in UTF-32.
2. test_undeclared_ebcdic: EBCDIC (cp037) text without a declared charset that is binary by
   the count (NEL 0x15 line ends, or a few control bytes added). The old code read cp037
   whenever data was not UTF-8; binary_texts only reads cp037 when a charset is declared.
3. test_iso2022_readings: ISO-2022-KR (SO/SI shifts are C0 controls, so Korean text is binary
   by itself) and ISO-2022-JP plus a few controls, fullwidth digits: the ISO-2022 readings of
   decode_text are not made on the binary path.
4. test_context_split_by_control: an ID whose digits are split by a control byte is found by
   the scanner thanks to a keyword before it ("身份证", "id", "ID number"); the new path cuts
   the keyword into another run (joined by ';\\n') and the ID is lost.
5. test_derived_view_limit_silent: a binary body (16 control bytes) whose identifier is under
   three encodings (percent x3, or entities over percent x2) and enough other escapes to pass
   MAX_DERIVED_VIEWS: the old code refused (payload_too_complex_to_inspect); the new code
   calls derived_views(strict=False), drops the views past the limit and lets the body through
   with nothing found. The same text without the controls is still refused.
"""

from __future__ import annotations

import datetime

import pytest

from residency_gateway.core.payload import InspectOptions, inspect_body

ID = "110101199003071233"
PHONE = "13912345678"
CN = "这是一段很长的中文说明文字，用于测试宽字符编码中的身份信息是否会被发现。" * 3


def scan(body: bytes, content_type: str = "application/octet-stream"):
    return inspect_body(body, content_type=content_type, content_encoding="", key=b"k" * 32,
                        today=datetime.date(2026, 11, 29), options=InspectOptions())


def caught(body: bytes, content_type: str = "application/octet-stream") -> bool:
    """Found (an ID or a mainland phone), or refused: either way nothing leaves."""
    s = scan(body, content_type)
    return bool(s.error) or bool(s.ids) or any(p.jurisdiction == "CN" for p in s.phones)


def _digits(base: int, s: str) -> str:
    return "".join(chr(base + int(c)) if c.isdigit() else c for c in s)


SEPARATORS = {"emdash": "\u2014", "nbhyphen": "\u2011", "nnbsp": "\u202f", "hyphen": "\u2010",
              "katadot": "\u30fb", "thin": "\u2009", "zwsp": "\u200b", "wj": "\u2060",
              "bom": "\ufeff", "minus": "\u2212", "figsp": "\u2007", "lsep": "\u2028"}
DIGITS = {"arabic": 0x660, "deva": 0x966, "thai": 0xE50, "persian": 0x6F0, "mathbold": 0x1D7CE}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("sep", sorted(SEPARATORS))
def test_utf16_text_outside_wide_class_separator(codec: str, sep: str) -> None:
    s = SEPARATORS[sep]
    body = (CN + "电话：139" + s + "1234" + s + "5678。" + CN).encode(codec)
    assert caught(body)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("script", sorted(DIGITS))
@pytest.mark.parametrize("value", [ID, PHONE])
def test_utf16_text_outside_wide_class_digits(codec: str, script: str, value: str) -> None:
    body = (CN + "号码：" + _digits(DIGITS[script], value) + "。" + CN).encode(codec)
    assert caught(body)


def test_utf16_text_outside_wide_class_combining_and_circled() -> None:
    assert caught((CN + "".join(c + "\u0301" for c in PHONE) + CN).encode("utf-16-le"))
    circled = "".join("\u24ea" if c == "0" else chr(0x2460 + int(c) - 1) for c in PHONE)
    assert caught((CN + circled + CN).encode("utf-16-le"))


def test_utf16_part_in_form() -> None:
    part = (CN + "电话：139\u20141234\u20145678。" + CN).encode("utf-16-le")
    body = (b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + part + b"\r\n--b--\r\n")
    assert caught(body, "multipart/form-data; boundary=b")


@pytest.mark.parametrize("newline", [b"\x15", b"\x25"])
def test_undeclared_ebcdic(newline: bytes) -> None:
    lines = [f"CUSTOMER RECORD LINE {i} NAME ZHANG SAN" for i in range(20)]
    lines[10] = "PHONE " + PHONE
    lines[12] = "ID " + ID
    body = newline.join(line.encode("cp037") for line in lines)
    if newline == b"\x25":
        body = b"\x01\x02\x03\x04" * 4 + body  # (LF is '%': a few controls make it binary)
    assert caught(body)


def test_undeclared_ebcdic_with_controls_around() -> None:
    body = b"\x05\x06\x07\x08" * 4 + "tel: +86 139 1234 5678 ok".encode("cp037")
    assert caught(body)


def test_iso2022_readings() -> None:
    kr = "전화번호는 " + _digits(0xFF10, PHONE) + " 입니다. " + "한국어 문장입니다. " * 20
    assert caught(kr.encode("iso2022_kr"))
    jp = "電話番号は" + _digits(0xFF10, PHONE) + "です。" + "日本語の文章です。" * 20
    assert caught(jp.encode("iso2022_jp") + b"\x01\x02" * 40)


@pytest.mark.parametrize("keyword", ["身份证", "证件号码", "id ", "ID number"])
@pytest.mark.parametrize("digits", ["1101011990030\x0771233", "110101\x0719900307\x071233"])
def test_context_split_by_control(keyword: str, digits: str) -> None:
    body = b"\x03" * 12 + ("前文" + keyword + "\x01" + digits + " 后文").encode()
    assert caught(body)


_NOISE = "%ff%fe\\\\u005c %u0025%u0025 &amp;#37; <!DOCTYPE x> %e4%b8 \\x25 &#92; %5c%5c%5c%5c "


def _pct(s: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in s)


def _ent(s: str) -> str:
    return "".join(f"&#{ord(c)};" for c in s)


@pytest.mark.parametrize("value", [ID, PHONE])
@pytest.mark.parametrize("layers", ["pct3", "ent_pct2"])
def test_derived_view_limit_silent(value: str, layers: str) -> None:
    encoded = _pct(_pct(_pct(value))) if layers == "pct3" else _ent(_pct(_pct(value)))
    text = (_NOISE * 2 + " v " + encoded).encode()
    assert caught(text)  # refused as text, old and new
    controls = bytes(range(1, 9)) * 2
    assert caught(controls + text + controls)
