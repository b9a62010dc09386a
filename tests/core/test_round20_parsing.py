"""Round 20's refusals of clean traffic, fixed: JSON in its declared legacy charset, form bodies
with raw UTF-8 (or raw bytes of their declared charset), form bodies with empty pairs or bare
keys, and proto2 groups in a declared protobuf are read, not refused 400. What a receiver
reads in them is read (IDs and mobiles found as in UTF-8 JSON, a form or protobuf fields);
what no receiver can read (an unknown charset, bytes that are no text in it, a nameless form
field, an unmatched group) stays refused; hostile sizes stay bounded."""

from __future__ import annotations

import json
import time

import pytest

from residency_gateway.core import serialized
from residency_gateway.core.payload import (
    PayloadError,
    inspect_body,
    python_codec,
    scan_request_line,
    validate_form,
)
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round19 import (
    FORM,
    ID,
    JSON,
    MOBILE,
    frame,
    inspected,
    kinds,
    pb_int,
    pb_str,
    varint,
)

FIRST_GENERATION = "110101900307123"  # 15-digit first-generation ID
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def group(number: int, inner: bytes) -> bytes:
    return varint(number << 3 | 3) + inner + varint(number << 3 | 4)


def refused(body: bytes, content_type: str) -> str:
    result = inspected(body, content_type)
    assert result.error is Reason.MALFORMED_PAYLOAD, result.note
    return result.note


# ---------------------------------------------------------------------------------------------
# JSON in a declared charset


NAMES = {
    "tis-620": "สมชาย ใจดี", "cp874": "สมชาย ใจดี", "windows-874": "สมหญิง รักดี",
    "iso-8859-11": "สมชาย ใจดี", "shift_jis": "山田 太郎", "Shift_JIS": "ヤマダ タロウ",
    "cp932": "髙橋 一郎", "windows-31j": "山田 花子", "euc-jp": "山田 太郎",
    "iso-2022-jp": "山田 太郎", "euc-kr": "김민준", "cp949": "이서연", "gbk": "陈伟",
    "gb2312": "王芳", "gb18030": "李娜", "big5": "陳偉", "big5hkscs": "陳大文",
    "iso-8859-1": "José Ramos", "latin1": "Zoë Müller", "windows-1252": "François Dœuf",
    "windows-1251": "Иван Петров", "koi8-r": "Иван Петров", "windows-1258": "Lê Văn Hùng", "x-cp1258": "Lê Văn Hùng",
    "windows-949": "김민준", "x-sjis": "山田 太郎", "ucs-2": "陳偉", "cn-big5": "陳偉",
    "utf-16": "สมชาย ใจดี", "utf-16le": "山田 太郎", "utf-16be": "김민준", "utf-32": "陳偉",
    "utf-7": "Nguyễn Văn An", "UTF-8": "Nguyễn Văn An",
}


def legacy_json(value: object, charset: str) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode(python_codec(charset))


@pytest.mark.parametrize("charset", NAMES)
@pytest.mark.parametrize("ctype", [JSON, "application/ld+json", "application/vnd.api+json"])
def test_json_in_its_declared_charset_is_read_clean(charset, ctype):
    body = legacy_json({"name": NAMES[charset], "score": 0.98, "tel": "+66 81 234 5678"},
                       charset)
    for declared in (f"{ctype}; charset={charset}", f'{ctype}; charset="{charset.upper()}"',
                     f"{ctype};charset={charset} "):
        result = inspected(body, declared)
        assert result.error is None, result.note
        assert kinds(result) == set()


@pytest.mark.parametrize("charset", NAMES)
def test_identifiers_in_legacy_json_are_found(charset):
    name = NAMES[charset]
    ctype = f"{JSON}; charset={charset}"
    assert found(legacy_json({"name": name, "id": ID}, charset), ctype) == {"id"}
    assert found(legacy_json({"name": name, "tel": MOBILE}, charset), ctype) == {"mobile"}
    assert found(legacy_json({"name": name, "tel": int(MOBILE)}, charset), ctype) == {"mobile"}
    # (the label escaped, as not every charset has its characters)
    text = json.dumps({"name": name}, ensure_ascii=False)[:-1]
    body = (text + f', "\\u8eab\\u4efd\\u8bc1": "{FIRST_GENERATION}"}}').encode(
        python_codec(charset))
    assert found(body, ctype) == {"id"}


@pytest.mark.parametrize("charset", ["shift_jis", "euc-jp", "euc-kr", "gbk", "big5", "cp949",
                                     "gb18030", "utf-16", "utf-32"])
def test_fullwidth_digits_in_legacy_json_are_found(charset):
    """Fullwidth digits are two bytes in these charsets: only a reading in the charset sees
    them as digits (the body was refused before, never read)."""
    ctype = f"{JSON}; charset={charset}"
    assert found(legacy_json({"id": ID.translate(FULLWIDTH)}, charset), ctype) == {"id"}
    assert found(legacy_json({"tel": MOBILE.translate(FULLWIDTH)}, charset),
                 ctype) == {"mobile"}


def test_legacy_json_has_every_reading_of_utf8_json():
    ctype = f"{JSON}; charset=tis-620"
    # escapes, a phone object whose keys are sorted (round 17), a JSON patch (round 19)
    escaped = json.dumps({"name": "สมชาย", "id": ID}, ensure_ascii=True)
    assert found(escaped.encode("tis-620") + "  ".encode("tis-620"), ctype) == {"id"}
    parts = {"area_code": "139", "country_code": "86", "name": "สมชาย", "number": "12345678"}
    assert found(legacy_json(parts, "tis-620"), ctype) == {"mobile"}
    patch = [{"op": "add", "path": "/id/1", "value": ID[6:]},  # (only the patch reads it)
             {"op": "add", "path": "/id/0", "value": ID[:6]},
             {"op": "add", "path": "/name", "value": "สมชาย"}]
    assert found(legacy_json(patch, "tis-620"), "application/json-patch+json; charset=tis-620"
                 ) == {"id"}


@pytest.mark.parametrize("charset", ["shift_jis", "tis-620", "big5", "euc-kr", "utf-16"])
def test_utf8_or_ascii_json_under_another_declared_charset_stays_read(charset):
    """A charset declared over UTF-8 or ASCII JSON (RFC 8259 receivers ignore it): read as
    before, clean and found alike."""
    ctype = f"{JSON}; charset={charset}"
    assert found(json.dumps({"name": "Nguyễn Văn An"}, ensure_ascii=False), ctype) == set()
    assert found(json.dumps({"name": "Tan Ah Kow", "nric": "S1234567D"}), ctype) == set()
    assert found(json.dumps({"name": "Nguyễn Văn An", "id": ID}, ensure_ascii=False),
                 ctype) == {"id"}
    assert found(json.dumps({"tel": MOBILE}), ctype) == {"mobile"}


@pytest.mark.parametrize(("body", "ctype"), [
    ("{\"name\": \"สมชาย\"}".encode("tis-620"), JSON),  # no charset, no UTF-8
    ("{\"name\": \"สมชาย\"}".encode("tis-620"), f"{JSON}; charset=x-thai-unknown"),
    ("{\"name\": \"สมชาย\"}".encode("tis-620"), f"{JSON}; charset=base64"),
    ("{\"name\": \"สมชาย\"}".encode("tis-620"), f"{JSON}; charset=punycode"),
    (b'{"name": "\x81\x39\xff\xfe"}', f"{JSON}; charset=shift_jis"),  # no SJIS, no UTF-8
    ("{\"name\": \"山田\"".encode("shift_jis"), f"{JSON}; charset=shift_jis"),  # not JSON
    ("name: 山田".encode("euc-jp"), f"{JSON}; charset=euc-jp"),
], ids=["undeclared", "unknown", "bytes-codec", "punycode", "undecodable", "truncated",
        "not-json"])
def test_unreadable_legacy_json_stays_refused(body, ctype):
    refused(body, ctype)


def test_refusal_notes_name_no_client_charset_and_no_bytes():
    body = "{\"id\": \"ทดสอบ\"}".encode("tis-620")
    note = refused(body, f"{JSON}; charset=x-{ID}")
    assert ID not in note and "x-" not in note
    note = refused(body[:-1] + b"\xff", f"{JSON}; charset=shift_jis")
    assert "shift_jis" in note


def test_large_legacy_json_is_read_in_time():
    body = legacy_json({"rows": [{"name": "สมชาย ใจดี", "n": n} for n in range(60_000)]},
                       "tis-620")
    assert len(body) > 1_500_000
    start = time.process_time()
    result = inspected(body, f"{JSON}; charset=tis-620")
    assert result.error is None, result.note
    assert kinds(result) == set()
    assert time.process_time() - start < 30


def test_a_body_declared_in_a_slow_codec_is_read_in_time_or_refused():
    """Punycode decodes in quadratic time (360 KB took 2.4 s; 1 MB, ~20 s): a text body
    declaring it is read in that charset up to 16 KiB (round 8: a number spelled in punycode
    is found), and refused as too complex past that at once, never forwarded with its
    punycode reading skipped."""
    body = b"note " + b"x" * 1_000_000 + b"-" + b"ab" * 100_000 + f" tel {MOBILE}".encode()
    start = time.process_time()
    scan = inspect_body(body, content_type="text/plain; charset=punycode", key=KEY,
                        today=TODAY)
    assert scan.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT, scan.note
    assert time.process_time() - start < 5
    small = ("x" * 16_000 + " 电话１３９１２３４５６７８").encode("punycode")
    assert len(small) <= 16 * 1024
    start = time.process_time()
    assert found(small, "text/plain; charset=punycode") == {"mobile"}
    assert time.process_time() - start < 5


def test_a_slow_codec_is_refused_at_once():
    body = b'{"a": "' + "ก".encode("tis-620") * 300_000 + b'"}'
    start = time.process_time()
    refused(body, f"{JSON}; charset=punycode")
    assert time.process_time() - start < 1


# ---------------------------------------------------------------------------------------------
# Form bodies with raw bytes


@pytest.mark.parametrize("body", [
    "name=Nguyễn Văn An&city=Hà Nội", "name=Nguyễn+Văn+An&city=H%C3%A0+N%E1%BB%99i",
    "name=สมชาย ใจดี&province=กรุงเทพ", "name=山田太郎&kana=ヤマダタロウ&zip=100-0001",
    "name=김민준&tel=010-1234-5678", "name=陳偉&note=😀 ok", "name=José&discount=10%",
    "name=Tan Ah Kow&nric=S1234567D&tel=+65 9123 4567", "name=Nguyễn Văn An&",
], ids=["vietnamese", "mixed-escapes", "thai", "japanese", "korean", "chinese-emoji",
        "latin-percent", "ascii-spaces", "trailing-amp"])
@pytest.mark.parametrize("params", ["", "; charset=UTF-8", "; charset=utf8", '; charset="utf-8"'])
def test_form_with_raw_utf8_is_read_clean(body, params):
    result = inspected(body.encode(), FORM + params)
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize(("charset", "name"), [
    ("shift_jis", "山田太郎"), ("euc-kr", "김민준"), ("gbk", "陈伟"), ("big5", "陳偉"),
    ("tis-620", "สมชาย"), ("iso-8859-1", "José"), ("windows-1258", "Lê Văn Hùng"), ("windows-874", "สมชาย"),
])
def test_form_with_raw_bytes_of_its_declared_charset_is_read(charset, name):
    ctype = f"{FORM}; charset={charset}"
    charset = python_codec(charset)
    assert found(f"name={name}&city=x".encode(charset), ctype) == set()
    assert found(f"name={name}&id={ID}".encode(charset), ctype) == {"id"}
    assert found(f"name={name}&tel={MOBILE}".encode(charset), ctype) == {"mobile"}


@pytest.mark.parametrize("charset", ["shift_jis", "gbk", "big5", "euc-kr"])
def test_fullwidth_digits_in_a_legacy_form_are_found(charset):
    ctype = f"{FORM}; charset={charset}"
    assert found(f"name=山&id={ID.translate(FULLWIDTH)}".encode(charset), ctype) == {"id"}


@pytest.mark.parametrize("make", [
    lambda v: f"name=Nguyễn Văn An&id={v}",
    lambda v: f"họ_tên=Nguyễn&số={v}&",
    lambda v: "name=山田&id=" + "".join(f"%{ord(c):02X}" for c in v),
    lambda v: f"name=สมชาย&id={v.translate(FULLWIDTH)}",
    lambda v: f"name=山田&a={v[:6]}&b={v[6:14]}&c={v[14:]}",
    lambda v: f"name=陳&id[2]={v[14:]}&id[0]={v[:6]}&id[1]={v[6:14]}",
    lambda v: f"name=Nguyễn+Văn+An&身份证号码={v}",
], ids=["plain", "vietnamese-keys", "escaped", "fullwidth", "split", "indexed", "cn-key"])
def test_identifiers_in_raw_utf8_forms_are_found(make):
    assert found(make(ID), FORM) == {"id"}
    assert "id" in found(make(ID), FORM + "; charset=UTF-8")


def test_mobiles_in_raw_utf8_forms_are_found():
    for body in (f"name=Nguyễn&tel={MOBILE}", f"name=山田&tel=+86 {MOBILE[:3]} {MOBILE[3:]}",
                 f"name=สมชาย&tel={MOBILE.translate(FULLWIDTH)}",
                 f"name=陳&tel=%2B86{MOBILE}", f"名前=山田&電話={MOBILE}&"):
        assert found(body, FORM) == {"mobile"}, body


@pytest.mark.parametrize("body", [
    "tel=ù3912345678", "name=x&tel=Ź3912345678&", "id=ù10101199003071233",
    "note=call+ù3912345678+now&name=Lê",
], ids=["c3-b9", "c5-b9", "id", "in-words"])
@pytest.mark.parametrize("params", ["", "; charset=UTF-8"])
def test_raw_utf8_read_as_latin1_by_a_servlet_is_read_so(body, params):
    """UTF-8 continuation bytes B2, B3, B9 are superscript digits in ISO-8859-1, a servlet
    container's default: "ù3912345678" is "Ã¹3912345678" there."""
    assert found(body, FORM + params) & {"id", "mobile"}


@pytest.mark.parametrize("body", [
    "name=สมชาย ใจดี&tel=081-234-5678&id=1101700207531&province=กรุงเทพ",
    "ชื่อ=ไพโรจน์&โทร=0812345678&หมายเหตุ=ๆ3912345&",
    "name=Nguyễn Văn Ưng&sđt=0912345678&cccd=001090001234",
    "name=Zoë Ørsted&iban=DK5000400440116243&note=ù½ ¼ ¾",
], ids=["thai", "thai-keys", "vietnamese", "latin"])
def test_raw_utf8_forms_of_the_region_stay_clean(body):
    assert found(body, FORM) == set()


@pytest.mark.parametrize(("body", "ctype"), [
    ("name=陈伟".encode("gbk"), FORM),  # raw GBK, no charset: no UTF-8
    ("name=陈伟".encode("gbk"), FORM + "; charset=utf-8"),
    ("name=陈伟".encode("gbk"), FORM + "; charset=x-unknown"),
    (b"name=\xff\xfe\x81", FORM + "; charset=shift_jis"),
], ids=["gbk-undeclared", "gbk-declared-utf8", "unknown-charset", "undecodable"])
def test_form_raw_bytes_no_receiver_reads_stay_refused(body, ctype):
    refused(body, ctype)


def test_a_superscript_index_is_no_crash():
    """isdigit() is true of "²", int() refuses it (a raw UTF-8 form, a percent-decoded query
    name): the index is the order sent."""
    assert found(f"name=x&id[²]={ID}&id[0]=1".encode(), FORM) == {"id"}
    result = scan_request_line("/a", f"id[%C2%B2]={ID}&id[0]=1", key=KEY, today=TODAY)
    assert {i.area_jurisdiction for i in result.ids} == {"CN"}


# ---------------------------------------------------------------------------------------------
# Form bodies with empty pairs and bare keys


@pytest.mark.parametrize("body", [
    b"name=Tan+Ah+Kow&nric=S1234567D&", b"&name=Tan+Ah+Kow", b"name=Tan&&nric=S1234567D",
    b"consent&name=Tan+Ah+Kow", b"name=Tan+Ah+Kow&consent", b"&", b"&&&", b"consent",
    b"a=1&&&b=2&&", b"a&b&c", b"name=Tan&consent&nric=S1234567D", b"flag=&name=Tan",
    b"name=Tan&tags[]&tags[]=a", b"&name=Nguy%E1%BB%85n+V%C4%83n+An&",
    "&name=Nguyễn Văn An&&consent&".encode(),
], ids=["trailing", "leading", "double", "bare-first", "bare-last", "amp-only", "amps-only",
        "bare-only", "many-empty", "bare-keys", "bare-middle", "empty-value", "bare-array",
        "escaped-both-ends", "raw-utf8-everything"])
def test_form_with_empty_pairs_and_bare_keys_is_read_clean(body):
    result = inspected(body, FORM)
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize("body", [
    f"&id={ID}&", f"consent&id={ID}", f"{ID}&name=Tan", f"name=Tan&{ID}", f"id={ID}&&",
    f"&&id[1]={ID[6:]}&id[0]={ID[:6]}&", f"consent&身份证={FIRST_GENERATION}&",
], ids=["amps", "bare-key", "id-as-bare-key", "id-as-last-bare-key", "double-trailing",
        "indexed", "first-generation"])
def test_identifiers_beside_empty_pairs_are_found(body):
    assert found(body, FORM) == {"id"}


def test_mobiles_beside_empty_pairs_are_found():
    for body in (f"consent&tel={MOBILE}&", f"&&tel=%2B86+{MOBILE}", f"{MOBILE}&"):
        assert found(body, FORM) == {"mobile"}, body


@pytest.mark.parametrize("body", [b"=x", b"a=1&=x", b"=", b"a=%ZZ&&=", b"name=Tan&=S1234567D&"],
                         ids=["nameless", "nameless-second", "bare-equals", "escape-and-equals",
                              "nameless-middle"])
def test_a_field_with_no_name_stays_refused(body):
    note = refused(body, FORM)
    assert "no name" in note
    with pytest.raises(PayloadError):
        validate_form(body)


def test_many_empty_pairs_are_read_in_time():
    for body in (b"&" * 4_000_000, b"consent&" * 500_000, b"a=1&&" * 400_000):
        start = time.process_time()
        result = inspected(body, FORM)
        assert result.error is None, result.note
        assert kinds(result) == set()
        assert time.process_time() - start < 30


# ---------------------------------------------------------------------------------------------
# proto2 groups


SG_PERSON = pb_str(1, "Tan Ah Kow") + pb_str(2, "+6591234567") + pb_int(3, 65)


@pytest.mark.parametrize("body", [
    pb_str(1, "Tan Ah Kow") + group(2, pb_str(1, "+6591234567") + pb_int(2, 65)),
    group(1, SG_PERSON),
    group(1, SG_PERSON) + group(1, pb_str(1, "Tanaka Hanako") + pb_str(2, "+81 90-1234-5678")),
    group(1, group(2, group(3, SG_PERSON))),
    pb_int(1, 7) + group(2, b"") + pb_str(3, "x"),
    group(1, varint(2 << 3 | 1) + b"\x00" * 8 + varint(3 << 3 | 5) + b"\x00\x00\x80\x3f"),
    group(5, pb_str(1, pb_str(1, "Nguyen Van An") + pb_int(2, 84))),
    group(536_870_911, SG_PERSON),
], ids=["sg", "top-level", "repeated", "nested", "empty", "fixed", "message-inside",
        "largest-number"])
@pytest.mark.parametrize("ctype", ["application/x-protobuf", "application/protobuf",
                                   "application/vnd.google.protobuf"])
def test_protobuf_groups_are_read_clean(body, ctype):
    result = inspected(body, ctype)
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_protobuf_groups_in_grpc_frames_are_read_clean():
    body = frame(pb_str(1, "Tan Ah Kow") + group(2, SG_PERSON))
    for ctype in ("application/grpc", "application/grpc+proto", "application/grpc-web+proto"):
        result = inspected(body, ctype)
        assert result.error is None, result.note
        assert kinds(result) == set()


@pytest.mark.parametrize("make", [
    lambda: group(2, pb_str(1, ID)),
    lambda: group(2, pb_int(1, int(ID))) + pb_str(3, "x"),
    lambda: group(1, group(2, group(3, pb_str(7, "id " + ID)))),
    lambda: group(1, pb_str(1, ID[:9])) + group(1, pb_str(1, ID[9:])),
    lambda: group(2, pb_str(1, pb_str(4, ID))),
], ids=["string", "int-and-check", "nested", "split-over-groups", "message-in-group"])
def test_ids_in_protobuf_groups_are_found(make):
    assert "id" in found(make(), "application/x-protobuf")


@pytest.mark.parametrize("body", [
    group(2, pb_int(1, int(MOBILE))),
    group(1, group(2, pb_int(4, int("86" + MOBILE)))),
    group(2, pb_str(1, "+86 " + MOBILE)),
], ids=["varint", "nested-varint-86", "string"])
def test_mobiles_in_protobuf_groups_are_found(body):
    assert found(body, "application/x-protobuf") == {"mobile"}
    assert found(frame(body), "application/grpc") == {"mobile"}


@pytest.mark.parametrize("body", [
    pb_str(1, "x") + varint(2 << 3 | 4),  # an end with no group open
    varint(2 << 3 | 3) + pb_int(1, 5) + varint(3 << 3 | 4),  # another group's end
    varint(2 << 3 | 3) + pb_int(1, 5),  # never closed
    group(1, varint(2 << 3 | 3) + pb_int(1, 5)),  # the inner one never closed
    varint(1 << 3 | 3) + varint(2 << 3 | 3) + varint(1 << 3 | 4) + varint(2 << 3 | 4),
    varint(0 << 3 | 3) + varint(0 << 3 | 4),  # field number 0
], ids=["stray-end", "mismatched", "unclosed", "inner-unclosed", "crossed", "number-zero"])
def test_unmatched_protobuf_groups_stay_refused(body):
    assert "protobuf" in refused(body, "application/x-protobuf")
    assert serialized.tree_text("protobuf", body) is None


def test_hostile_protobuf_groups_stay_bounded():
    deep = varint(1 << 3 | 3) * 100_000 + varint(1 << 3 | 4) * 100_000
    many = group(1, SG_PERSON) * 10_000  # (past serialized.MAX_ITEMS values: refused)
    start = time.process_time()
    assert inspected(deep, "application/x-protobuf").error is not None  # (too deep: refused)
    result = inspected(many, "application/x-protobuf")
    assert result.error is None, result.note
    assert kinds(result) == set()
    assert time.process_time() - start < 30


def test_declared_protobuf_groups_need_the_declaration():
    """Sniffed octets are not walked as protobuf (random bytes parse as a few fields): a
    group in undeclared octets is read as its bytes are, as before."""
    result = inspect_body(group(2, pb_str(1, ID)), content_type="application/octet-stream",
                          key=KEY, today=TODAY)
    assert result.error is None
    assert "id" in kinds(result)
