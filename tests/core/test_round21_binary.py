"""Round 21 fixes of binary and legacy readings: Java's charset names for JSON, RTF breaks in
the shown text, Thrift THeader frames, protobuf packed fields beside small varints, protobuf
and Avro records in base64 inside JSON. Each class: more spellings than the red team's, the
clean look-alikes that stay clean, the refusals that stay refusals, and a bound."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round19 import ID, MOBILE, inspected, kinds


def j_dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# JSON in a legacy charset named as Java names it


JAVA_NAMES = [
    ("x-windows-874", "cp874", "สมชาย ใจดี"), ("X-IBM874", "cp874", "สมชาย ใจดี"),
    ("MS874", "cp874", "สมชาย ใจดี"), ("x-iso-8859-11", "iso8859_11", "สมชาย ใจดี"),
    ("x-windows-949", "cp949", "김철수"), ("x-IBM949", "cp949", "김철수"),
    ("x-IBM970", "euc_kr", "김철수"), ("x-Johab", "johab", "김철수"),
    ("x-windows-950", "cp950", "陳大文"), ("windows-950", "cp950", "陳大文"),
    ("x-MS950-HKSCS", "big5hkscs", "陳大文"), ("x-MS950-HKSCS-XP", "big5hkscs", "陳大文"),
    ("x-Big5-HKSCS-2001", "big5hkscs", "陳大文"), ("x-Big5-Solaris", "big5", "陳大文"),
    ("x-mswin-936", "gbk", "张伟"), ("windows-936", "gbk", "张伟"), ("MS936", "gbk", "张伟"),
    ("x-IBM943", "cp932", "山田太郎"), ("x-IBM943C", "cp932", "山田太郎"),
    ("x-IBM942C", "cp932", "山田太郎"), ("x-PCK", "cp932", "山田太郎"),
    ("x-euc-jp-linux", "euc_jp", "山田太郎"), ("x-eucJP-Open", "euc_jp", "山田太郎"),
    ("x-IBM33722", "euc_jp", "山田太郎"), ("x-SJIS_0213", "shift_jis_2004", "山田太郎"),
    ("x-windows-iso2022jp", "iso2022_jp", "山田太郎"),
    ("x-MacCentralEurope", "mac_latin2", "Łukasz"), ("x-MacRomania", "mac_romanian", "Ștefan"),
    ("\"x-windows-874\"", "cp874", "สมชาย ใจดี"),
]


def legacy_json(charset: str, codec: str, name: str, phone: str) -> tuple[bytes, str]:
    body = j_dump({"name": name, "phone": phone, "score": 0.97}).encode(codec)
    return body, f"application/json; charset={charset}"


@pytest.mark.parametrize(("charset", "codec", "name"), JAVA_NAMES)
def test_java_charset_names_read_clean(charset, codec, name):
    r = inspected(*legacy_json(charset, codec, name, "+65 9123 4567"))
    assert r.error is None, r.note
    assert kinds(r) == set()


@pytest.mark.parametrize(("charset", "codec", "name"), JAVA_NAMES)
def test_java_charset_names_mainland_data_found(charset, codec, name):
    r = inspected(*legacy_json(charset, codec, name, MOBILE))
    assert r.error is None, r.note
    assert kinds(r) == {"mobile"}
    r = inspected(*legacy_json(charset, codec, name, ID))
    assert kinds(r) == {"id"}


@pytest.mark.parametrize("charset", ["x-EUC-TW", "x-ISCII91", "x-IBM930", "x-no-such-874",
                                     "x-"])
def test_java_names_python_lacks_stay_refused(charset):
    r = inspected(j_dump({"name": "สมชาย", "phone": "+65 9123 4567"}).encode("cp874"),
                  f"application/json; charset={charset}")
    assert r.error is not None
    r = inspected(j_dump({"name": "สมชาย", "phone": MOBILE}).encode("cp874"),
                  f"application/json; charset={charset}")
    assert r.error is not None or kinds(r) == {"mobile"}


def test_java_name_bytes_not_in_the_charset_refused():
    """(cp874 has no 0xDB..0xDE: bytes no Thai text are refused, not read as Latin-1)"""
    r = inspected(b'{"name": "\xdb\xdc", "phone": "' + MOBILE.encode() + b'"}',
                  "application/json; charset=x-windows-874")
    assert r.error is not None or kinds(r) == {"mobile"}


def test_java_names_bounded():
    body = j_dump([{"name": "สมชาย ใจดี", "phone": "+65 9123 4567"}] * 20000).encode("cp874")
    r = inspected(body, "application/json; charset=x-windows-874")
    assert r.error is None or r.error.name.startswith("PAYLOAD_TOO")


# ---------------------------------------------------------------------------------------------
# RTF breaks in the text (round 6's view) as in the shown text (round 20's)


def rtf(text: str) -> bytes:
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0 " + text + "}").encode("latin-1")


@pytest.mark.parametrize("body", [
    rtf("Qty\\tab Harga\\par 1391\\tab 2345678\\par"),
    rtf("1391\\cell 2345678\\cell\\row"),
    rtf("\\trowd 1391\\cell\\row\\trowd 2345678\\cell\\row"),
    rtf("Kode 1391\\\t2345678"),
    rtf("{\\pard\\plain 1391\\par}{\\pard\\plain 2345678\\par}"),
    rtf("1391\\line\\line 2345678"),
    rtf("1391{\\b\\par}2345678"),
    rtf("1391\\sect\\sectd 2345678"),
    rtf("Kode 1391\\page\n2345678"),
    rtf("1391\\tab{\\*\\bkmkstart x}2345678"),
], ids=["tab-invoice", "cells", "rows", "backslash-tab",
        "pard-plain", "double-line", "par-in-group", "sect-sectd", "page-newline",
        "tab-bookmark"])
def test_rtf_breaks_keep_numbers_apart(body):
    r = inspected(body, "application/rtf")
    assert r.error is None, r.note
    assert kinds(r) == set()


@pytest.mark.parametrize("body", [
    rtf("Tel: 139{\\b 1234}5678"),
    rtf("Tel: 139\\b 1234\\b0 5678"),
    rtf("Tel: 139\\'31234\\'35678"),
    rtf("Tel:\\tab 13912345678\\par"),
    rtf("\\trowd Tel\\cell 13912345678\\cell\\row"),
    rtf("Tel: {\\pard 13912345678\\par}"),
    rtf("Tel: 139\\u49?2345678"),
    rtf("Tel: 139{\\*\\bkmkstart a}1234{\\*\\bkmkend a}5678"),
    rtf("Tel: 139\n12345678"),
], ids=["group", "bold-toggle", "hex-digits", "after-tab", "in-cell", "own-paragraph",
        "unicode-digit", "bookmarks", "source-line-wrap"])
def test_rtf_numbers_seen_as_one_found(body):
    assert "mobile" in kinds(inspected(body, "application/rtf"))


def test_rtf_id_beside_a_break_found():
    assert "id" in kinds(inspected(rtf(f"Qty\\tab 1\\par NIK\\tab {ID}\\par"), "application/rtf"))


def test_rtf_breaks_bounded():
    import time
    body = rtf("1391\\par " * 200_000)
    start = time.process_time()
    r = inspected(body, "application/rtf")
    assert time.process_time() - start < 10
    assert r.error is None or r.error.name.startswith("PAYLOAD_TOO")
