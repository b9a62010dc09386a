"""Round 19 fixes in the decoding layers (payload._decodings, decode_text): adjacent RFC 2047
encoded-words joined wherever text is decoded; JavaScript escape()'s %uD835%uDFCF surrogate
pairs and CESU-8 joined into the astral character; ISO-2022 / HZ text and percent-escaped
UTF-16 fullwidth digits inside a value. More spellings of each class, clean look-alikes
that must stay clean, and bounds for hostile input."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
import zlib

import pytest

from residency_gateway.core.payload import derived_views, inspect_body
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round19 import b64u, base45, cesu8

ID = "110101199003071233"
MOBILE = "13912345678"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MP = "multipart/form-data; boundary=b"
SG_MOBILE = "+65 9139 1234"
JP_MOBILE = "090-1391-2345"


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def ew(text: str, charset: str = "UTF-8", kind: str = "B") -> str:
    raw = text.encode(charset.partition("*")[0])
    if kind in "Bb":
        return f"=?{charset}?{kind}?{base64.b64encode(raw).decode()}?="
    q = "".join(chr(b) if chr(b).isalnum() else "_" if b == 32 else f"={b:02X}" for b in raw)
    return f"=?{charset}?{kind}?{q}?="


def multipart(parts: list[tuple[str, str]]) -> str:
    out = "".join(f"--b\r\n{head}\r\n\r\n{value}\r\n" for head, value in parts)
    return out + "--b--\r\n"


def pct(raw: bytes) -> str:
    return "".join(f"%{b:02X}" for b in raw)


def fullwidth(value: str) -> str:
    return value.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})


def inspected(body: str | bytes, content_type: str):
    return inspect_body(body.encode() if isinstance(body, str) else body,
                        content_type=content_type, key=KEY, today=TODAY)


# ---------------------------------------------------------------------------------------------
# RFC 2047 adjacent encoded-words


def split_bytes_words(text: str) -> str:
    """One UTF-8 character cut over two encoded-words (encoders that split on bytes)."""
    raw = text.encode()
    cut = 1  # inside the first (three-byte) character
    return (f"=?utf-8?b?{base64.b64encode(raw[:cut]).decode()}?="
            f"=?utf-8?b?{base64.b64encode(raw[cut:]).decode()}?=")


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"s": ew("tel 1391", kind="b") + "  " + ew("2345678", kind="q")}), JSON),
    (j({"s": ew("tel 1391", "utf-8*zh") + " " + ew("2345678", "utf-8*zh")}), JSON),
    (j({"s": ew("電話 ", "big5") + ew(fullwidth("1391"), "big5") + " "
              + ew(fullwidth("2345678"), "big5")}), JSON),
    (j({"s": ew("電話", "shift_jis", "Q") + " " + ew(fullwidth("13912"), "shift_jis", "Q")
              + " " + ew(fullwidth("345678"), "shift_jis", "Q")}), JSON),
    (j({"s": ew("手机1391", "GBK") + " " + ew("2345678")}), JSON),  # two charsets
    (j({"s": split_bytes_words("手机 " + MOBILE[:4]) + " " + ew(MOBILE[4:])}), JSON),
    ("Subject: " + ew("tel 1391") + "\r\n " + ew("2345678") + "\r\n\r\nhi", "text/plain"),
    ("subject=" + urllib.parse.quote_plus(ew("tel 1391") + " " + ew("2345678")), FORM),
    (multipart([("Content-Disposition: form-data; name=\"subject\"",
                 ew("身份证 1101011990") + "\r\n\t" + ew("03071233"))]), MP),
    (j({"headers": "From: " + ew("ZHANG 1391") + " " + ew("2345678") + " <a@b.cn>\n"}), JSON),
], ids=["b-then-q", "rfc2231-language", "big5-fullwidth", "shift-jis-q-fullwidth",
        "gbk-then-utf8", "character-cut-over-words", "text-folded", "form-quote-plus",
        "multipart-folded-tab", "json-raw-headers"])
def test_adjacent_encoded_words_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_adjacent_encoded_words_in_query_found():
    assert line_found("/", "subject=" + urllib.parse.quote(ew("tel 1391") + " " + ew("2345678")))


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"s": ew("tel +65 9139") + " " + ew("1234")}), JSON),
    (j({"s": ew("携帯 090-1391") + " " + ew("-2345")}), JSON),
    (j({"a": ew("order 1391"), "b": ew("Singapore")}), JSON),
    (j({"s": "=?utf-8?q?Re:_KYC?= =?utf-8?q?_review?= =?unknown-x?b?AAEC?="}), JSON),
    ("Subject: " + ew("Tan Ah Kow") + " " + ew(SG_MOBILE) + "\n", "text/plain"),
], ids=["sg-mobile", "jp-mobile", "apart-in-fields", "no-digits-and-unknown-charset",
        "sg-header-line"])
def test_adjacent_encoded_words_clean(body, content_type):
    assert found(body, content_type) == set()


def test_encoded_words_bounded():
    many = " ".join(ew(f"w{n}") for n in range(20_000))  # ~300 KB of adjacent words
    start = time.process_time()
    inspected(j({"s": many}), JSON)
    inspected("=?a?B?" * 50_000, "text/plain")  # openings that never close
    inspected("=?utf-8?q?" + "x" * 200_000 + " ?=", "text/plain")
    assert time.process_time() - start < 10


# ---------------------------------------------------------------------------------------------
# Astral digits: %u surrogate pairs and CESU-8


def js_pairs(value: str, zero: int) -> str:
    out = []
    for c in value:
        cp = zero + int(c) - 0x10000
        out.append(f"%u{0xD800 + (cp >> 10):04X}%u{0xDC00 + (cp & 0x3FF):04x}")
    return "".join(out)




def math(value: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) for c in value)


@pytest.mark.parametrize(("body", "content_type"), [
    ("t=" + js_pairs(MOBILE, 0x1D7D8), FORM),  # double-struck
    ("t=a+b&id=" + js_pairs(ID, 0x1D7E2), FORM),  # sans-serif
    (multipart([("Content-Disposition: form-data; name=\"t\"", js_pairs(MOBILE, 0x1D7EC))]),
     MP),
    ("t=" + pct(cesu8("tel " + math(MOBILE, 0x1D7CE))), FORM),
    (b"--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n" + cesu8(math(ID, 0x1D7CE))
     + b"\r\n--b--\r\n", MP),
    (b"<p>" + cesu8(math(MOBILE, 0x1D7F6)) + b"</p>", "text/html"),
], ids=["form-double-struck", "form-sans-serif-id", "multipart-pairs", "form-cesu8-percent",
        "multipart-cesu8", "html-cesu8"])
def test_astral_digits_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_astral_pairs_in_query_found():
    assert line_found("/", "a=1&id=" + js_pairs(ID, 0x1D7CE)) & {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    ("t=" + js_pairs("6591391234", 0x1D7CE), FORM),
    ("t=%uD835%uD835%uDFCF%u0041" + js_pairs("123", 0x1D7CE), FORM),  # lone surrogates
    (b"tel " + cesu8(math("6591391234", 0x1D7CE)), "text/plain"),
    (b"x \xed\xa0\xb5 \xed\xbf\x8f y", "text/plain"),  # halves apart: no character
    ("t=%uD83D%uDE00%uD83D%uDE00", FORM),
], ids=["sg-pairs", "lone-surrogates", "sg-cesu8", "cesu8-halves-apart", "emoji-pairs"])
def test_astral_look_alikes_clean(body, content_type):
    assert found(body, content_type) == set()


def test_cesu8_bounded():
    body = cesu8(math("0123456789", 0x1D7CE)) * 30_000  # 1.8 MB of surrogate halves
    start = time.process_time()
    inspected(body, "text/plain")
    inspected("t=" + "%uD835%uDFCF" * 50_000, FORM)
    assert time.process_time() - start < 20


# ---------------------------------------------------------------------------------------------
# ISO-2022 / HZ and UTF-16 fullwidth digits inside a value


def iso2022(text: str, codec: str = "iso-2022-jp") -> bytes:
    return text.encode(codec)


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"note": iso2022("番号 " + fullwidth(ID)).decode("latin-1")}), JSON),
    (j({"note": pct(iso2022("電話 " + fullwidth(MOBILE)))}), JSON),
    ("a=b&note=" + urllib.parse.quote(iso2022("電話 " + fullwidth(MOBILE))), FORM),
    ("note=" + pct(("電話 " + fullwidth(MOBILE)).encode("iso-2022-jp-2")), FORM),
    ("note=" + pct(("电话 " + fullwidth(MOBILE)).encode("hz")), FORM),
    ("tel=" + pct(fullwidth(ID).encode("utf-16be")), FORM),
    ("tel=" + pct(("tel " + fullwidth(MOBILE)).encode("utf-16le")), FORM),
    ("tel=" + pct(fullwidth(MOBILE).encode("utf-32le")), FORM),
    (multipart([("Content-Disposition: form-data; name=\"n\"",
                 pct(fullwidth(MOBILE).encode("utf-16le")))]), MP),
], ids=["json-iso2022-id", "json-iso2022-percent", "form-quoted", "form-iso2022-jp-2",
        "form-hz", "form-utf16be-id", "form-utf16le-label", "form-utf32le", "multipart-utf16"])
def test_fullwidth_in_values_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize("query", [
    "tel=" + pct(fullwidth(MOBILE).encode("utf-16be")),
    "note=" + pct(("電話 " + fullwidth(MOBILE)).encode("iso-2022-jp")) + "&x=1",
    "note=" + pct(("电话 " + fullwidth(MOBILE)).encode("hz")),
], ids=["utf16be", "iso2022-then-param", "hz"])
def test_fullwidth_in_query_found(query):
    assert line_found("/", query) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    ("note=" + pct(iso2022("電話 " + fullwidth(JP_MOBILE))), FORM),
    ("note=" + pct(iso2022("電話 " + fullwidth(SG_MOBILE))), FORM),
    ("tel=" + pct(fullwidth(SG_MOBILE).encode("utf-16le")), FORM),
    ("tel=" + pct(fullwidth("6591391234").encode("utf-16be")), FORM),
    (j({"log": "\u001b[31mERROR\u001b[0m order 1391 retry 2345678"}), JSON),
    (j({"t": "~{template}~ 1391 ~}"}), JSON),
    ("d=" + pct(bytes(range(256)) * 4), FORM),
], ids=["jp-mobile-iso2022", "sg-mobile-iso2022", "sg-mobile-utf16le", "sg-digits-utf16be",
        "ansi-colours", "tilde-braces", "all-bytes"])
def test_fullwidth_look_alikes_clean(body, content_type):
    assert found(body, content_type) == set()


def test_fullwidth_values_bounded():
    start = time.process_time()
    inspected("d=" + "%11%FF" * 100_000, FORM)
    inspected(j({"t": "\u001b$B#1\u001b(B" * 20_000}), JSON)
    inspected("t=" + "~{#1~}" * 30_000, FORM)
    assert time.process_time() - start < 20


def test_views_stay_within_the_layer_limit():
    # a value with every new encoding at once is read (or refused as too complex), not hung
    value = (ew("tel 1391") + " " + ew("2345678") + " %uD835%uDFCF "
             + "\u001b$B#1\u001b(B ~{#1~} " + pct(fullwidth("1391").encode("utf-16le")))
    views = list(derived_views(urllib.parse.quote(value), plus=True))
    assert len(views) <= 40


# ---------------------------------------------------------------------------------------------
# QR payload encodings: Base45 (RFC 9285, "HC1:") and SMART Health Card numeric ("shc:/")




def hc1(claims: dict, tagged: bool = True) -> str:
    import cbor2
    sign1 = [cbor2.dumps({1: -7}), {}, cbor2.dumps({-260: {1: claims}}), b"s" * 64]
    cose = cbor2.dumps(cbor2.CBORTag(18, sign1) if tagged else sign1)
    return "HC1:" + base45(zlib.compress(cose))




def shc_numeric(payload: dict, chunk: str = "") -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(j(payload).encode()) + c.flush()
    jws = (b64u(j({"alg": "ES256", "zip": "DEF"}).encode()) + "." + b64u(body) + "."
           + b64u(bytes(64)))
    return "shc:/" + chunk + "".join(f"{ord(ch) - 45:02d}" for ch in jws)


CN = {"id": ID, "tel": MOBILE}
SG = {"nric": "S1234567D", "tel": "+6591391234", "dob": "1990-03-07"}


@pytest.mark.parametrize(("body", "content_type"), [
    ("qr=" + urllib.parse.quote(hc1(CN)), FORM),
    (j({"qr": hc1(CN, tagged=False)}), JSON),
    ("Scanned QR: " + hc1(CN) + "\n", "text/plain"),
    (j({"qr": base45(("电话 " + MOBILE).encode())}), JSON),
    (j({"qr": base45(zlib.compress(j(CN).encode()))}), JSON),
    (j({"qr": base45(("  " + ID).encode())}), JSON),  # base45 beginning with spaces
    (j({"qr": shc_numeric(CN, "1/1/")}), JSON),
    (j({"qr": shc_numeric(CN).upper()}), JSON),
    (multipart([("Content-Disposition: form-data; name=\"qr\"", hc1(CN))]), MP),
], ids=["hc1-form", "hc1-untagged", "hc1-text-prefixed", "base45-cjk", "base45-zlib-json",
        "base45-leading-spaces", "shc-chunked", "shc-upper", "hc1-multipart"])
def test_qr_payloads_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_qr_payload_in_query_found():
    assert line_found("/", "qr=" + urllib.parse.quote(hc1(CN))) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"qr": hc1(SG)}), JSON),
    (j({"qr": base45(zlib.compress(j(SG).encode()))}), JSON),
    (j({"qr": shc_numeric(SG)}), JSON),
    (j({"address": "BLK 123 ANG MO KIO AVE 3 #10-01 SINGAPORE 560123",
        "name": "TAN AH KOW", "ref": "INV-2026-11-29-000123", "ts": "2026-11-29T12:00:00.123Z",
        "note": "JALAN JENDERAL SUDIRMAN KAV. 52-53 JAKARTA SELATAN 12190"}), JSON),
    ("HELLO WORLD 1234 ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 $%*+-./: " * 20, "text/plain"),
    (j({"qr": "shc:/" + "99" * 40}), JSON),  # not base64url characters
], ids=["hc1-sg", "base45-zlib-sg", "shc-sg", "uppercase-address", "alphabet-text",
        "shc-out-of-range"])
def test_qr_look_alikes_clean(body, content_type):
    assert found(body, content_type) == set()


def test_qr_payloads_bounded():
    bomb = base45(zlib.compress(b"1" * 10_000_000))  # ~10 KB that inflate to 10 MB
    start = time.process_time()
    inspected(j({"qr": "HC1:" + bomb}), JSON)
    inspected(" ".join([bomb] * 40), "text/plain")
    inspected("A1" + "0123456789" * 100_000, "text/plain")  # one long token of digits
    inspected(("ABCDEFGHIJKLMNO " * 40_000), "text/plain")  # 640 KB of base45-alphabet words
    inspected(j({"qr": "shc:/" + "56" * 200_000}), JSON)
    assert time.process_time() - start < 30
