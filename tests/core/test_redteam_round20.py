"""Red team round 20: the serializations, containers and placements no earlier round tried,
and the ordinary numbers of Thai / Malaysian / Indonesian / Japanese / Vietnamese KYC traffic.

Attacked and held: digits of 25 other scripts (Devanagari, Thai, Khmer, Myanmar, Mongolian,
Tibetan, N'Ko, Adlam, Osmanya, Balinese, Javanese, Sundanese, Ol Chiki, segmented ...), Chinese
financial numerals (simplified and traditional), 幺/两/拐 phone dictation, circled,
negative-circled, parenthesized, full-stop, superscript and subscript digits, keycap emoji;
Unicode TAG characters, variation selectors, bidi controls, Hangul fillers, CGJ, Mongolian
vowel separator and combining marks between the digits; Content-Encoding stacks (zstd+br, gzip
x3, br+zstd+gzip+deflate), concatenated zstd frames and gzip members; zip in zip in zip, tar.gz
in zip, tar.bz2 in tar, bzip2/LZMA zip methods, streamed zip and zip64, EPUB, ODS, XLSX inline
strings; XML internal-DTD entities (nested, parameter entities, ATTLIST defaults); RTF \\uN,
\\'hh, GBK \\'hh, groups and control words between digits; JSON5, HJSON, TOML, YAML (folded,
underscores, !!binary), INI continuations, JS concatenation; tel: URIs with ext/phone-context,
SIP URIs, vCard 4, WhatsApp JIDs, wa.me / t.me links, 139.com mails; an ID in a path, a
Content-Disposition / multipart / tus Upload-Metadata / X-File-Name / Slug filename, a cookie,
a JWT, S3/GCS meta headers; MessagePack/CBOR/BSON integers and floats, and the same base64 in
JSON; Avro null-codec strings, Thrift JSON, unpacked repeated int64, strings in gRPC -bin
headers, XML plists, XLSB strings, image text metadata in the first 4 KB, a plain-text trailer
after a JPEG; BOM'd JSON, NaN, cbor-seq, msgpack streams and ext types; 7z, RAR, lz4, snappy
and compress bodies are refused (not forwarded). False positives that held: Thai national IDs
(plain, dashed, spaced), MyKad, NIK, ICCIDs of SG/ID/VN/TH SIMs, Visa / UnionPay cards, Unix
time in ms/us/ns, snowflake ids, My Numbers, CCCDs, coordinates, Japan Post / Yamato tracking
numbers, Japan Post Bank 記号番号, Malaysian, Thai, Vietnamese and Japanese mobiles in all their
spellings.

Found (strict xfails):
- FALSE POSITIVE: 15-digit numbers of the region's payment and contract systems (Indonesian
  virtual accounts and payment codes, PromptPay e-wallet ids, Malay / Thai account words,
  policy, loan, contract, payment, receipt, bill and booking numbers) read as
  first-generation IDs: the excusing labels are a closed English/Indonesian list.
- FALSE POSITIVE: IMEIs of 35-prefixed TACs (Samsung, Apple: Fujian's 35xxxx area codes)
  under the labels SDKs really use (deviceId, device_id, hwid, udid, android_id, an "imeis"
  array, X-Device-Id, ?deviceId=) read as first-generation IDs.
- FALSE POSITIVE (refusal): JSON in a declared legacy charset (TIS-620, Shift_JIS, EUC-JP,
  EUC-KR, GBK, Big5, ISO-8859-1) is refused 400 as "not valid JSON".
- FALSE POSITIVE (refusal): a form body with unescaped UTF-8 (curl -d "name=Nguyễn Văn An"),
  even with charset=UTF-8 declared, is refused 400.
- FALSE POSITIVE (refusal): a form body with an empty pair (trailing/leading '&', '&&') or a
  bare key ("consent&name=...") is refused 400 (strict parsing).
- FALSE POSITIVE (refusal): proto2 groups (wire types 3/4) in a declared protobuf are
  refused as "not the protobuf its Content-Type declares".
- MISS: RTF as Word writes it on a Chinese system: \\ucN fallback bytes after \\uN (GBK
  fallbacks, ANSI digit fallbacks), hidden text (\\v) and ignorable destinations
  ({\\*\\bkmkstart _GoBack}) between the digits.
- MISS: multipart/byteranges: the ranges of one resource are read apart (text/csv, text/plain
  pieces), in order or not.
- MISS: Apache Avro object container files: deflate-codec blocks are neither inflated nor
  refused (the strings in them hidden).
- MISS: Avro and Thrift integer encodings (zigzag long, binary i64, compact i64) in declared
  bodies, where MessagePack/CBOR/BSON/protobuf integers are read.
- MISS: protobuf packed repeated fields (proto3's default for repeated int64/fixed64/double).
- MISS: gRPC binary metadata: "-bin" headers are base64 protobuf by protocol; an int64
  field in them (a custom header, grpc-status-details-bin) is not read.
- MISS: Apple binary property lists (bplist00): integers and reals (a phone, a
  first-generation ID as a number) are not decoded.
- MISS: Excel binary workbooks (.xlsb): numeric cells (BrtCellReal, BrtFmlaNum doubles).
- MISS: Zstandard frames that name a dictionary, as a body (application/zstd, octet-stream,
  a multipart file part): neither inflated nor refused (under Content-Encoding: refused).
- MISS: media text metadata the 4 KB head does not show: PNG zTXt and compressed iTXt, PNG
  text after IDAT, JPEG XMP after a large EXIF segment.
- MISS: an archive appended to an image (JPEG + ZIP polyglot, Samsung/Google motion-photo
  style trailer) is streamed as a JPEG.

End to end through a real gateway (a Singapore client): an Avro OCF upload reaches the sg
upstream; a Samsung IMEI under deviceId is pinned to cn; a Thai TIS-620 JSON is refused.

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import bz2
import functools
import gzip
import io
import json
import plistlib
import random
import struct
import tarfile
import zipfile
import zlib

import brotli
import cbor2
import msgpack
import pytest
import zstandard

from residency_gateway.core.payload import inspect_body
from tests.core.test_fifteen_digit_labels import first_generation_shaped
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round19 import (
    FORM,
    ID,
    JSON,
    MOBILE,
    MOBILE2,
    b64,
    frame,
    imei,
    inspected,
    j,
    kinds,
    pb_int,
    pb_str,
    varint,
)
from tests.helpers import ADDR

TEXT = "text/plain"


def digits_in(value: str, zero: int | str) -> str:
    table = [chr(zero + n) for n in range(10)] if isinstance(zero, int) else zero
    return "".join(table[int(c)] if c.isdigit() else c for c in value)


def with_encoding(body: bytes, coding: str, content_type: str = JSON) -> set[str]:
    r = inspect_body(body, content_type=content_type, content_encoding=coding, key=KEY,
                     today=TODAY)
    assert r.error is None, r.note
    return kinds(r)


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def tarred(members: dict[str, bytes], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Digits of other scripts, numerals, and invisible characters between the digits (held)


@pytest.mark.parametrize("zero", [0x966, 0xE50, 0x17E0, 0x1040, 0x1810, 0xF20, 0x7C0, 0x1E950,
                                  0x104A0, 0x9E6, 0xED0, 0x1B50, 0xA9D0, 0x1BB0, 0x1A80, 0x19D0,
                                  0xAA50, 0xA900, 0x1C50, 0x1946, 0x1090, 0x1FBF0],
                         ids=lambda z: f"U+{z:04X}")
def test_digits_of_other_scripts_found(zero):
    assert found("tel " + digits_in(MOBILE, zero), TEXT) == {"mobile"}
    assert found(j({"id": digits_in(ID, zero)})) == {"id"}


@pytest.mark.parametrize(("text", "kind"), [
    ("电话 " + digits_in(MOBILE, "零壹贰叁肆伍陆柒捌玖"), "mobile"),
    ("身份证 " + digits_in(ID, "零壹贰叁肆伍陆柒捌玖"), "id"),
    ("身分證 " + digits_in(ID, "零壹貳參肆伍陸柒捌玖"), "id"),
    ("电话 幺三九幺二三四五六七八", "mobile"),
    ("手机 幺三九幺两三四五六拐八", "mobile"),
    ("tel " + digits_in(MOBILE, "⓪①②③④⑤⑥⑦⑧⑨"), "mobile"),
    ("tel " + digits_in(MOBILE, "⓿❶❷❸❹❺❻❼❽❾"), "mobile"),
    ("tel " + digits_in(MOBILE, "0⑴⑵⑶⑷⑸⑹⑺⑻⑼"), "mobile"),
    ("tel " + digits_in(MOBILE, "🄀⒈⒉⒊⒋⒌⒍⒎⒏⒐"), "mobile"),
    ("tel " + digits_in(MOBILE, "⁰¹²³⁴⁵⁶⁷⁸⁹"), "mobile"),
    ("tel " + digits_in(MOBILE, "₀₁₂₃₄₅₆₇₈₉"), "mobile"),
    ("tel " + "\ufe0f\u20e3".join(MOBILE), "mobile"),
], ids=["financial", "financial-id", "financial-traditional", "yao", "yao-liang-guai",
        "circled", "negative-circled", "parenthesized", "full-stop", "superscript", "subscript",
        "keycap"])
def test_numerals_found(text, kind):
    assert kind in found(text, TEXT)


@pytest.mark.parametrize("sep", ["\U000E0031", "\U000E0020", "\ufe0f", "\ufe0e", "\U000E0100",
                                 "\u202e", "\u2066", "\u2069", "\u061c", "\u034f", "\u180e",
                                 "\u115f", "\u3164", "\u1160", "\u17b4", "\u0301",
                                 "\U0001D173"],
                         ids=["tag-one", "tag-space", "vs16", "vs15", "vs17", "rlo", "lri", "pdi",
                              "alm", "cgj", "mvs", "hangul-choseong-filler", "hangul-filler",
                              "hangul-jungseong-filler", "khmer-inherent", "combining-acute",
                              "music-begin-beam"])
def test_invisible_characters_between_digits_found(sep):
    assert found("tel " + sep.join(MOBILE), TEXT) == {"mobile"}
    assert found(j({"t": sep.join(ID)})) == {"id"}


# ---------------------------------------------------------------------------------------------
# Compression stacks and archives (held)


RAW = json.dumps({"name": "Zhang Wei", "tel": MOBILE}).encode()


@pytest.mark.parametrize(("body", "coding"), [
    (brotli.compress(zstandard.ZstdCompressor().compress(RAW)), "zstd, br"),
    (gzip.compress(gzip.compress(gzip.compress(RAW))), "gzip, gzip, gzip"),
    (zlib.compress(gzip.compress(zstandard.ZstdCompressor().compress(brotli.compress(RAW)))),
     "br, zstd, gzip, deflate"),
    (zstandard.ZstdCompressor().compress(RAW[:20]) + zstandard.ZstdCompressor().compress(RAW[20:]),
     "zstd"),
    (gzip.compress(RAW[:20]) + gzip.compress(RAW[20:]), "gzip"),
    (b"\x50\x2a\x4d\x18\x04\x00\x00\x00skip" + zstandard.ZstdCompressor().compress(RAW), "zstd"),
], ids=["zstd-br", "gzip-x3", "four-stack", "zstd-frames-split", "gzip-members-split",
        "zstd-skippable-frame"])
def test_content_encoding_stacks_found(body, coding):
    assert with_encoding(body, coding) == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (zipped({"x.zip": zipped({"y.zip": zipped({"a.json": RAW})})}), "application/zip"),
    (zipped({"batch.tar.gz": tarred({"a.json": RAW}, "w:gz")}), "application/zip"),
    (tarred({"b.tar.bz2": tarred({"a.json": RAW}, "w:bz2")}), "application/x-tar"),
    (tarred({"a.json": RAW}, "w:xz"), "application/x-xz"),
    (zipped({"a.json": RAW}, zipfile.ZIP_BZIP2), "application/zip"),
    (zipped({"a.json": RAW}, zipfile.ZIP_LZMA), "application/zip"),
    (zipped({"mimetype": b"application/epub+zip",
             "OEBPS/c1.xhtml": b"<html><body><p>Tel: " + MOBILE.encode() + b"</p></body></html>"}),
     "application/epub+zip"),
    (zipped({"content.xml": b'<office:document-content><table:table-cell office:value-type='
                            b'"float" office:value="1.3912345678E10"><text:p>1.39E+10</text:p>'
                            b'</table:table-cell></office:document-content>'}),
     "application/vnd.oasis.opendocument.spreadsheet"),
    (zipped({"xl/worksheets/sheet1.xml": b'<worksheet><sheetData><row><c r="A1" t="inlineStr">'
                                         b'<is><r><t>1391234</t></r><r><t>5678</t></r></is></c>'
                                         b'</row></sheetData></worksheet>'}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
], ids=["zip-zip-zip", "targz-in-zip", "tarbz2-in-tar", "tar-xz", "zip-bzip2", "zip-lzma",
        "epub", "ods-float", "xlsx-inline-runs"])
def test_archives_found(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24) + bz2.compress(RAW), "application/x-7z-compressed"),
    (b"Rar!\x1a\x07\x01\x00" + bz2.compress(RAW), "application/vnd.rar"),
    (b"\x04\x22\x4d\x18\x64\x40\xa7\x10\x00\x00\x00xxxx", "application/octet-stream"),
    (b"\xff\x06\x00\x00sNaPpY\x01\x0a\x00\x00abcdxx", "application/x-snappy-framed"),
    (b"\x1f\x9d\x90abc", "application/octet-stream"),
], ids=["7z", "rar", "lz4", "snappy", "compress"])
def test_unreadable_archives_refused(body, content_type):
    assert inspected(body, content_type).error is not None


# ---------------------------------------------------------------------------------------------
# Markup, config and URI spellings (held)


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    ('<?xml version="1.0"?><!DOCTYPE k [<!ENTITY p "139"><!ENTITY a "&p;1234">'
     '<!ENTITY b "5678">]><k><tel>&a;&b;</tel></k>', "application/xml", "mobile"),
    ('<?xml version="1.0"?><!DOCTYPE k [<!ENTITY % x "<!ENTITY a \'' + MOBILE + '\'>"> %x;]>'
     "<k>&a;</k>", "application/xml", "mobile"),
    ('<?xml version="1.0"?><!DOCTYPE k [<!ATTLIST k tel CDATA "' + MOBILE + '">]><k/>',
     "application/xml", "mobile"),
    ("{\\rtf1\\ansi Tel: " + "".join(f"\\u{ord(c)}?" for c in MOBILE) + "}", "application/rtf",
     "mobile"),
    ("{\\rtf1\\ansi Tel: " + "".join(f"\\'{ord(c):02x}" for c in MOBILE) + "}",
     "application/rtf", "mobile"),
    ("{\\rtf1\\ansi\\ansicpg936 " + "".join(f"\\'{b:02x}" for c in MOBILE
                                         for b in chr(0xFF10 + int(c)).encode("gbk")) + "}",
     "application/rtf", "mobile"),
    ("{\\rtf1\\ansi Tel: {\\b 139}{\\i 1234}\\ul0 5678}", "application/rtf", "mobile"),
    ("{\\rtf1\\ansi ID 110101\\line 19900307\\tab 1233}", "application/rtf", "id"),
    ("{tel: '139' + '12345678'}", "application/json5", "mobile"),
    ("{\n  tel: '''\n    1391234\n    5678\n    '''\n}", "application/hjson", "mobile"),
    ("tel = 139_1234_5678\n", "application/toml", "mobile"),
    ("[kyc]\ntel = 1391234\\\n5678\n", TEXT, "mobile"),
    ("tel: >-\n  1391234\n  5678\n", "application/yaml", "mobile"),
    ("tel: !!binary " + b64(MOBILE) + "\n", "application/yaml", "mobile"),
    (j({"uri": "tel:+86-139-1234-5678;ext=12"}), JSON, "mobile"),
    (j({"from": "sip:+86" + MOBILE + "@ims.mnc000.mcc460.3gppnetwork.org;user=phone"}), JSON,
     "mobile"),
    ("BEGIN:VCARD\r\nVERSION:4.0\r\nTEL;VALUE=uri;TYPE=cell:tel:+86-139-1234-5678\r\nEND:VCARD\r\n",
     "text/vcard", "mobile"),
    (j({"from": "86" + MOBILE + "@s.whatsapp.net", "link": "https://wa.me/86" + MOBILE2}), JSON,
     "mobile"),
    (j({"mail": MOBILE + "@139.com"}), JSON, "mobile"),
], ids=["dtd-nested-entities", "dtd-parameter-entity", "dtd-attlist-default", "rtf-u",
        "rtf-hex", "rtf-gbk-hex", "rtf-groups", "rtf-line-tab", "json5-concat", "hjson-multiline",
        "toml-underscores", "ini-continuation", "yaml-folded", "yaml-binary", "tel-uri-ext",
        "sip-uri", "vcard4-uri", "whatsapp", "mail-139"])
def test_markup_and_uri_spellings_found(body, content_type, kind):
    assert kind in found(body, content_type)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


JWT = (b64u(b'{"alg":"HS256"}') + "." + b64u(j({"sub": "u1", "phone_number": "+86" + MOBILE})
                                               .encode()) + "." + b64u(b"s" * 32))


@pytest.mark.parametrize(("path", "query", "headers", "kind"), [
    ("/v1/users/" + ID + "/ocr", "", [], "id"),
    ("/v1/tel/139/1234/5678", "", [], "mobile"),
    ("/", "", [("Cookie", "id_token=" + JWT)], "mobile"),
    ("/", "", [("Authorization", "Bearer " + JWT)], "mobile"),
    ("/", "", [("Content-Disposition", "attachment; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF"
                "%81" + ID + ".jpg")], "id"),
    ("/", "", [("Upload-Metadata", "filename " + b64("idcard_" + ID + ".jpg")
                + ",filetype aW1hZ2UvanBlZw==")], "id"),
    ("/", "", [("X-File-Name", "idcard_" + ID + ".jpg")], "id"),
    ("/", "", [("x-goog-meta-subject", b64(ID))], "id"),
    ("/", "", [("Referer", "https://kyc.example.sg/verify?tel=%2B86" + MOBILE)], "mobile"),
], ids=["path", "path-segments", "jwt-cookie", "jwt-bearer", "content-disposition",
        "tus-metadata", "x-file-name", "gcs-meta-b64", "referer"])
def test_request_line_placements_found(path, query, headers, kind):
    assert kind in line_found(path, query, headers)


def test_multipart_filename_found():
    body = (b'--B\r\nContent-Disposition: form-data; name="front"; filename="' + ID.encode()
            + b'_front.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0JFIF\r\n--B--\r\n')
    assert "id" in found(body, "multipart/form-data; boundary=B")


@pytest.mark.parametrize(("body", "content_type"), [
    (msgpack.packb({"tel": int(MOBILE)}), "application/msgpack"),
    (msgpack.packb({"id": 110101900307123}), "application/msgpack"),
    (cbor2.dumps({"tel": float(MOBILE)}), "application/cbor"),
    (j({"payload": b64(msgpack.packb({"tel": int(MOBILE)}))}), JSON),
    (j({"payload": b64(cbor2.dumps({"tel": int(MOBILE)}))}), JSON),
], ids=["msgpack-int", "msgpack-first-generation", "cbor-float", "msgpack-b64-in-json",
        "cbor-b64-in-json"])
def test_binary_json_numbers_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Numbers of the region's markets (held) and the 15-digit ones read as first-generation IDs


def luhn(base: str) -> str:
    return imei(base)  # (round 19's IMEI check digit is the Luhn digit)


def thai_id(base12: str) -> str:
    return base12 + str((11 - sum(int(d) * (13 - i) for i, d in enumerate(base12)) % 11) % 10)


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"citizen_id": thai_id("110370207181")}), JSON),
    (j({"id_card": "1-3910-01234-56-" + thai_id("139100123456")[-1]}), JSON),
    ("เลขประจำตัวประชาชน 1 3912 34567 81 " + thai_id("139123456781")[-1], TEXT),
    (j({"ic_no": "900307-14-5678", "mykad": "880101105123"}), JSON),
    (j({"nik": "3174015203900001", "value": "3273 0147 1290 0003"}), JSON),
    (j({"iccid": luhn("896501" + "1391234567890"), "sim": luhn("896603" + "1391234567890")}),
     JSON),
    (j({"pan": luhn("621391234567890"), "card": "4111 1111 1111 1111"}), JSON),
    (j({"ts_ms": 1764547200123, "ts_us": 1764547200123456, "ts_ns": 1764547200123456789}),
     JSON),
    (j({"my_number": "1391-2345-6789", "cccd": "001203012345"}), JSON),
    (j({"id": 713912345678901234, "trace": "713912345678901234", "lat": 1.352083000000000,
        "lng": 103.819836000000000}), JSON),
    ("お問い合わせ番号 139-12-34567-8 / 送り状番号 1391-2345-6789", TEXT),
    ("ゆうちょ銀行 記号 13930 番号 1234561 / 記号番号 13910-12345681", TEXT),
    (j({"phone": "+60 13-912 3456", "alt": "011-3912 3456", "e164": "60139123456"}), JSON),
    (j({"phone": "+66 81 391 2345", "vn": "0169 123 4567", "jp": "050-1391-2345"}), JSON),
], ids=["thai-id", "thai-id-dashed", "thai-id-spaced", "mykad", "nik", "iccid", "cards",
        "epoch-ms-us-ns", "my-number-cccd", "snowflake-coordinates", "jp-tracking", "jp-post-bank", "my-mobiles",
        "th-vn-jp-phones"])
def test_market_numbers_stay_clean(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize("label", ["virtual_account", "so_tai_khoan", "口座番号",
                                   "serial_number", "imei", "order_id"])
def test_fifteen_digit_numbers_under_excusing_labels_stay_clean(label):
    rng = random.Random(label)
    for _ in range(10):
        assert found(j({label: first_generation_shaped(rng)})) == set()


@pytest.mark.parametrize("label", ["va_number", "vaNumber", "payment_code", "bill_key",
                                   "promptpay_id", "ewallet_id", "no_akaun", "nombor_akaun",
                                   "เลขบัญชี", "policy_no", "loan_id", "contract_no",
                                   "no_kontrak", "payment_id", "receipt_no", "bill_no",
                                   "booking_id"])
def test_fifteen_digit_market_numbers_false_positive(label):
    rng = random.Random(label)
    for _ in range(10):
        assert found(j({label: first_generation_shaped(rng)})) == set()


# IMEIs of type-allocation codes beginning 35 (BABT-issued TACs: Apple, Samsung, Nokia ...)
# begin with a Fujian area code (35xxxx); their digits 7-12 (the TAC's last two, the serial's
# first four) are a 19YY date for about 1 in 40 of them (5 of 200 sampled under deviceId).
IMEIS_35 = [imei("35391810122515"), imei("35290611092848"), imei("35684610070786")]


def test_imeis_of_35_tacs_under_imei_labels_stay_clean():
    for value in IMEIS_35:
        assert found(j({"imei": value, "imei_no": value, "deviceImei": value})) == set()
        assert found(f"IMEI1: {value}", TEXT) == set()


@pytest.mark.parametrize("make", [
    lambda v: found(j({"deviceId": v})),
    lambda v: found(j({"device_id": v})),
    lambda v: found(j({"hwid": v})),
    lambda v: found(j({"udid": v})),
    lambda v: found(j({"android_id": v})),
    lambda v: found(j({"imeis": [v, imei("35391810122516")]})),
    lambda v: found(j({"device": {"id": v, "model": "SM-A546E", "os": "Android 14"}})),
    lambda v: found("deviceId=" + v, FORM),
    lambda v: line_found("/v1/liveness", "deviceId=" + v),
    lambda v: line_found("/", "", [("X-Device-Id", v)]),
], ids=["deviceId", "device_id", "hwid", "udid", "android_id", "imeis-array", "device-id",
        "form", "query", "header"])
def test_imeis_of_35_tacs_false_positive(make):
    for value in IMEIS_35:
        assert make(value) == set(), value


# ---------------------------------------------------------------------------------------------
# Ordinary bodies refused


@pytest.mark.parametrize("body", [
    b"\xef\xbb\xbf" + j({"name": "Tan Ah Kow"}).encode(),
    j({"name": "สมชาย ใจดี"}).encode("utf-16"),
    b'{"liveness": NaN, "distance": Infinity}',
], ids=["utf8-bom", "utf16-bom", "python-nan"])
def test_json_bom_and_python_constants_accepted(body):
    assert kinds(inspected(body, JSON)) == set()


@pytest.mark.parametrize(("charset", "name"), [
    ("tis-620", "สมชาย ใจดี"), ("shift_jis", "山田 太郎"), ("euc-jp", "山田 太郎"),
    ("euc-kr", "김민준"), ("gbk", "陈伟"), ("big5", "陳偉"), ("iso-8859-1", "José Ramos"),
])
def test_json_in_declared_legacy_charset_refused(charset, name):
    body = json.dumps({"name": name, "score": 0.98}, ensure_ascii=False).encode(charset)
    result = inspected(body, f"{JSON}; charset={charset}")
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_form_bodies_with_escapes_and_raw_spaces_accepted():
    for body in (b"name=Nguy%E1%BB%85n+V%C4%83n+An", b"name=Tan Ah Kow&nric=S1234567D",
                 b"discount=10%&name=Tan"):
        assert kinds(inspected(body, FORM)) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    ("name=Nguyễn Văn An&city=Hà Nội", FORM),
    ("name=สมชาย ใจดี&province=กรุงเทพ", FORM),
    ("name=山田太郎&kana=ヤマダタロウ", FORM),
    ("name=Nguyễn Văn An", FORM + "; charset=UTF-8"),
], ids=["vietnamese", "thai", "japanese", "declared-utf8"])
def test_form_with_raw_utf8_refused(body, content_type):
    result = inspected(body.encode(), content_type)
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize("body", [
    b"name=Tan+Ah+Kow&nric=S1234567D&", b"&name=Tan+Ah+Kow", b"name=Tan&&nric=S1234567D",
    b"consent&name=Tan+Ah+Kow", b"name=Tan+Ah+Kow&consent",
], ids=["trailing-amp", "leading-amp", "double-amp", "bare-key-first", "bare-key-last"])
def test_form_with_empty_pairs_refused(body):
    result = inspected(body, FORM)
    assert result.error is None, result.note
    assert kinds(result) == set()


def group(number: int, inner: bytes) -> bytes:
    """A proto2 group: start-group tag (wire type 3), the fields, end-group tag (4)."""
    return varint(number << 3 | 3) + inner + varint(number << 3 | 4)


@pytest.mark.parametrize("body", [
    pb_str(1, "Tan Ah Kow") + group(2, pb_str(1, "+6591234567") + pb_int(2, 65)),
    pb_str(1, "Tanaka Hanako") + group(4, pb_str(1, "+81 90-1234-5678")),
], ids=["sg", "jp"])
def test_protobuf_groups_refused(body):
    result = inspected(body, "application/x-protobuf")
    assert result.error is None, result.note
    assert kinds(result) == set()


# ---------------------------------------------------------------------------------------------
# RTF as Word writes it


def rtf(text: str) -> str:
    return "{\\rtf1\\ansi\\ansicpg936\\deff0 " + text + "}"


def gbk_fallback(c: str) -> str:
    return "".join(f"\\'{b:02x}" for b in c.encode("gbk"))


def test_rtf_unicode_with_one_question_mark_found():
    body = rtf("\\uc1 " + "".join(f"\\u{0xFF10 + int(c) - 65536}?" for c in MOBILE))
    assert found(body, "application/rtf") == {"mobile"}


@pytest.mark.parametrize("body", [
    rtf("\\uc2 " + "".join(f"\\u{0xFF10 + int(c) - 65536}" + gbk_fallback(chr(0xFF10 + int(c)))
                           for c in MOBILE)),
    rtf("\\uc2 " + "".join(f"\\u{0xFF10 + int(c) - 65536}??" for c in MOBILE)),
    rtf("\\uc1 " + "".join(f"\\u{0xFF10 + int(c) - 65536}{c}" for c in MOBILE)),
    rtf("Tel: 139{\\v 0000}12345678"),
    rtf("ID 110101{\\v 0}19900307{\\v 99}1233"),
    rtf("Tel: 1391234{\\*\\bkmkstart _GoBack}{\\*\\bkmkend _GoBack}5678"),
], ids=["uc2-gbk-fallback", "uc2-question-marks", "uc1-digit-fallback", "hidden-v",
        "hidden-v-id", "bookmark-destination"])
def test_rtf_skipped_text_between_digits_missed(body):
    assert found(body, "application/rtf") & {"id", "mobile"}
    assert found(body, "application/octet-stream") & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# multipart/byteranges: one resource in ranges


def byteranges(pieces: list[str], part_type: str, order: list[int] | None = None) -> str:
    total = sum(len(p) for p in pieces)
    parts, offset = [], 0
    for piece in pieces:
        parts.append(f"--R\r\nContent-Type: {part_type}\r\nContent-Range: bytes {offset}-"
                     f"{offset + len(piece) - 1}/{total}\r\n\r\n{piece}\r\n")
        offset += len(piece)
    return "".join(parts[i] for i in (order or range(len(parts)))) + "--R--\r\n"


BYTERANGES = "multipart/byteranges; boundary=R"
CSV_DOC = f"name,tel,id\nZhang Wei,{MOBILE},{ID}\n"
CSV_PIECES = [CSV_DOC[:CSV_DOC.index(MOBILE) + 5], CSV_DOC[CSV_DOC.index(MOBILE) + 5:
                                                           CSV_DOC.index(ID) + 9],
              CSV_DOC[CSV_DOC.index(ID) + 9:]]


def test_byteranges_whole_values_found():
    assert found(byteranges([CSV_DOC[:20], CSV_DOC[20:]], "text/csv"), BYTERANGES)


@pytest.mark.parametrize(("part_type", "order"), [
    ("text/csv", None), ("text/plain", None), ("application/octet-stream", None),
    ("text/csv", [2, 0, 1]),
], ids=["csv", "plain", "octet-stream", "csv-out-of-order"])
def test_byteranges_split_values_missed(part_type, order):
    assert found(byteranges(CSV_PIECES, part_type, order), BYTERANGES) == {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Apache Avro and Thrift


def zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def avro_string(text: str) -> bytes:
    raw = text.encode()
    return varint(zigzag(len(raw))) + raw


def avro_long(n: int) -> bytes:
    return varint(zigzag(n))


AVRO_SCHEMA = json.dumps({"type": "record", "name": "Kyc", "fields": [
    {"name": "name", "type": "string"}, {"name": "phone", "type": "string"},
    {"name": "id_number", "type": "string"}, {"name": "msisdn", "type": "long"}]})
SYNC = bytes(range(16))


def avro_ocf(records: list[bytes], codec: str = "deflate") -> bytes:
    """An Avro object container file: magic, metadata map (schema, codec), sync marker, one
    block of records (deflate = raw RFC 1951), sync marker."""
    meta = {"avro.schema": AVRO_SCHEMA.encode(), "avro.codec": codec.encode()}
    head = b"Obj\x01" + avro_long(len(meta))
    for key, value in meta.items():
        head += avro_string(key) + avro_long(len(value)) + value
    block = b"".join(records)
    if codec == "deflate":
        block = zlib.compress(block)[2:-4]
    return (head + b"\x00" + SYNC + avro_long(len(records)) + avro_long(len(block)) + block
            + SYNC)


def kyc_record(name: str, phone: str, id_number: str, msisdn: int) -> bytes:
    return avro_string(name) + avro_string(phone) + avro_string(id_number) + avro_long(msisdn)


SG_RECORD = kyc_record("Tan Ah Kow", "+6591234567", "S1234567D", 6591234567)
CN_RECORD = kyc_record("Zhang Wei", MOBILE, ID, 0)
CN_LONG_RECORD = kyc_record("Zhang Wei", "", "", 8600000000000 + int(MOBILE))


def test_avro_null_codec_strings_found():
    assert found(avro_ocf([SG_RECORD, CN_RECORD], "null"), "application/avro") == {"id",
                                                                                   "mobile"}


def test_clean_avro_file_stays_clean():
    for content_type in ("application/avro", "application/octet-stream"):
        assert kinds(inspected(avro_ocf([SG_RECORD] * 3), content_type)) == set()


@pytest.mark.parametrize(("records", "content_type"), [
    ([CN_RECORD], "application/avro"),
    ([SG_RECORD, SG_RECORD, CN_RECORD], "application/avro"),
    ([CN_RECORD], "avro/binary"),
    ([CN_RECORD], "application/octet-stream"),
], ids=["one-record", "third-record", "avro-binary", "octet-stream"])
def test_avro_deflate_blocks_missed(records, content_type):
    assert found(avro_ocf(records), content_type) == {"id", "mobile"}


def thrift_binary_i64(field: int, value: int) -> bytes:
    return b"\x0a" + struct.pack(">hq", field, value)


def thrift_compact_i64(delta: int, value: int) -> bytes:
    return bytes([delta << 4 | 6]) + varint(zigzag(value))


@pytest.mark.parametrize(("body", "content_type"), [
    (avro_string("Zhang Wei") + avro_long(int(MOBILE)), "avro/binary"),
    (avro_string("Zhang Wei") + avro_long(int(MOBILE)), "application/avro"),
    (b"\x00\x00\x00\x00\x07" + avro_string("Zhang Wei") + avro_long(8600000000000 + int(MOBILE)),
     "application/vnd.kafka.avro.v2+binary"),
    (avro_ocf([CN_LONG_RECORD], "null"), "application/avro"),
    (b"\x0b\x00\x01" + struct.pack(">i", 9) + b"Zhang Wei" + thrift_binary_i64(2, int(MOBILE))
     + b"\x00", "application/x-thrift"),
    (b"\x0b\x00\x01" + struct.pack(">i", 9) + b"Zhang Wei" + thrift_binary_i64(2, int(MOBILE2))
     + b"\x00", "application/vnd.apache.thrift.binary"),
    (b"\x18\x09Zhang Wei" + thrift_compact_i64(1, int(MOBILE)) + b"\x00",
     "application/vnd.apache.thrift.compact"),
], ids=["avro-datum", "avro-datum-application", "confluent-framed", "ocf-null-long",
        "thrift-binary", "thrift-binary-vnd", "thrift-compact"])
def test_avro_and_thrift_integers_missed(body, content_type):
    assert "mobile" in found(body, content_type)


def test_thrift_json_found():
    body = j({"1": {"str": "Zhang Wei"}, "2": {"i64": int(MOBILE)}})
    assert found(body, "application/vnd.apache.thrift.json") == {"mobile"}


# ---------------------------------------------------------------------------------------------
# Protobuf packed repeated fields and gRPC binary metadata


def packed(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_unpacked_repeated_int64_found():
    body = pb_str(1, "Zhang Wei") + pb_int(4, int(MOBILE)) + pb_int(4, int(MOBILE2))
    assert found(body, "application/x-protobuf") == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (pb_str(1, "Zhang Wei") + packed(4, varint(int(MOBILE)) + varint(int(MOBILE2))),
     "application/x-protobuf"),
    (pb_str(1, "Zhang Wei") + packed(4, varint(int(MOBILE))), "application/x-protobuf"),
    (pb_str(1, "Zhang Wei") + packed(4, varint(8600000000000 + int(MOBILE))),
     "application/protobuf"),
    (pb_str(1, "Zhang Wei") + packed(5, struct.pack("<qq", int(MOBILE), 7)),
     "application/x-protobuf"),
    (pb_str(1, "Zhang Wei") + packed(6, struct.pack("<dd", float(MOBILE), 0.5)),
     "application/x-protobuf"),
    (frame(pb_str(1, "Zhang Wei") + packed(4, varint(int(MOBILE)) + varint(1))),
     "application/grpc"),
], ids=["int64-two", "int64-one", "e164-int64", "fixed64", "double", "grpc"])
def test_protobuf_packed_repeated_missed(body, content_type):
    assert "mobile" in found(body, content_type)


STATUS_DETAILS = (pb_int(1, 3) + pb_str(2, "invalid subject")
                  + pb_str(3, pb_str(1, "type.googleapis.com/kyc.Subject")
                           + pb_str(2, pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE)))))


def test_grpc_bin_metadata_strings_found():
    value = b64(pb_str(1, "Zhang Wei") + pb_str(2, MOBILE))
    assert line_found("/", "", [("x-kyc-subject-bin", value)]) == {"mobile"}


@pytest.mark.parametrize("header", [
    ("x-kyc-subject-bin", b64(pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE)))),
    ("x-kyc-subject-bin", b64(pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE))).rstrip("=")),
    ("x-phone-bin", b64(pb_int(1, 86) + pb_int(2, int(MOBILE2)))),
    ("grpc-status-details-bin", b64(STATUS_DETAILS)),
], ids=["custom", "unpadded", "libphonenumber-shape", "status-details"])
def test_grpc_bin_metadata_integers_missed(header):
    assert line_found("/kyc.Verify/Compare", "", [header]) == {"mobile"}


# ---------------------------------------------------------------------------------------------
# Apple binary property lists and Excel binary workbooks (XLSB)


FIRST_GENERATION = "110101900307123"  # area 110101, born 1990-03-07, sequence 123


def plist(value: dict, fmt: plistlib.PlistFormat = plistlib.FMT_BINARY) -> bytes:
    return plistlib.dumps(value, fmt=fmt)


@pytest.mark.parametrize(("body", "content_type"), [
    (plist({"name": "Zhang Wei", "phone": int(MOBILE)}, plistlib.FMT_XML), "application/x-plist"),
    (plist({"doc": {"fg": int(FIRST_GENERATION)}}, plistlib.FMT_XML), "application/x-plist"),
    (plist({"name": "张伟", "phone": "１３９１２３４５６７８"}), "application/x-bplist"),
    (plist({"name": "Zhang Wei", "phone": MOBILE}), "application/octet-stream"),
], ids=["xml-integer", "xml-first-generation", "binary-utf16-string", "binary-ascii-string"])
def test_plist_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (plist({"name": "Zhang Wei", "phone": int(MOBILE)}), "application/x-plist"),
    (plist({"name": "Zhang Wei", "phone": int(MOBILE)}), "application/x-bplist"),
    (plist({"name": "Zhang Wei", "msisdn": 8600000000000 + int(MOBILE2)}),
     "application/octet-stream"),
    (plist({"name": "Zhang Wei", "phone": float(MOBILE)}), "application/x-plist"),
    (plist({"doc": {"fg": int(FIRST_GENERATION)}}), "application/x-plist"),
], ids=["int", "int-bplist-type", "e164-int-undeclared", "real", "first-generation-int"])
def test_binary_plist_numbers_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def biff12(kind: int, data: bytes) -> bytes:
    """An XLSB record: type and size as 7-bit varints, then the data."""
    return varint(kind) + varint(len(data)) + data


def xlsb_sheet(*cells: bytes) -> bytes:
    return zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"",
                   "xl/worksheets/sheet1.bin": biff12(0x81, b"") + biff12(0x91, b"")
                   + biff12(0, struct.pack("<IIHB", 0, 0, 0, 0) + bytes(3)) + b"".join(cells)
                   + biff12(0x92, b"") + biff12(0x82, b"")})


XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"


def test_xlsb_strings_found():
    text = "电话 " + MOBILE
    cell = biff12(6, struct.pack("<III", 0, 0, len(text)) + text.encode("utf-16-le"))
    assert found(xlsb_sheet(cell), XLSB) == {"mobile"}


@pytest.mark.parametrize(("cell", "content_type"), [
    (biff12(5, struct.pack("<IId", 1, 0, float(MOBILE))), XLSB),
    (biff12(5, struct.pack("<IId", 1, 0, float(MOBILE))), "application/octet-stream"),
    (biff12(5, struct.pack("<IId", 2, 0, float(FIRST_GENERATION))), XLSB),
    (biff12(9, struct.pack("<IId", 1, 0, float(MOBILE2)) + bytes(2)), XLSB),
], ids=["real-cell", "real-cell-undeclared", "first-generation", "formula-result"])
def test_xlsb_numeric_cells_missed(cell, content_type):
    assert found(xlsb_sheet(cell), content_type) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Zstandard frames compressed with a dictionary


@functools.cache
def zstd_dictionary() -> zstandard.ZstdCompressionDict:
    samples = [j({"name": f"Tan Ah Kow {i}", "phone": f"+65 9{i * 7919 % 10**7:07d}",
                  "nric": f"S{i:07d}D", "liveness": {"score": 0.9}}).encode() for i in range(300)]
    return zstandard.train_dictionary(2048, samples, k=64, d=8)


def dict_zstd(body: bytes) -> bytes:
    return zstandard.ZstdCompressor(dict_data=zstd_dictionary()).compress(body)


CN_UPLOAD = j({"name": "Zhang Wei", "phone": MOBILE, "nric": ID, "liveness": {"score": 0.9}})


def test_zstd_body_without_dictionary_found():
    assert found(zstandard.ZstdCompressor().compress(CN_UPLOAD.encode()), "application/zstd") == {
        "id", "mobile"}


def test_zstd_dictionary_as_content_encoding_refused():
    result = inspect_body(dict_zstd(CN_UPLOAD.encode()), content_type=JSON,
                          content_encoding="zstd", key=KEY, today=TODAY)
    assert result.error is not None


@pytest.mark.parametrize("content_type", ["application/zstd", "application/octet-stream",
                                          "multipart"])
def test_zstd_dictionary_frames_missed(content_type):
    body = dict_zstd(CN_UPLOAD.encode())
    assert MOBILE.encode() not in body
    if content_type == "multipart":
        body = (b'--B\r\nContent-Disposition: form-data; name="batch"; filename="b.json.zst"\r\n'
                b"Content-Type: application/zstd\r\n\r\n" + body + b"\r\n--B--\r\n")
        content_type = "multipart/form-data; boundary=B"
    result = inspected(body, content_type)
    assert result.error is not None or kinds(result) == {"id", "mobile"}, result.note


# ---------------------------------------------------------------------------------------------
# Media: text metadata past the 4 KB head, and archives appended to an image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def noise(n: int, seed: int = 20) -> bytes:
    return bytes((seed * 7919 + i * 104729 + (i * i) % 251) % 256 for i in range(n))


def png(*chunks: bytes, w: int = 64, h: int = 96) -> bytes:
    pixels = b"".join(b"\x00" + noise(w, row) for row in range(h))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + b"".join(chunks) + png_chunk(b"IDAT", zlib.compress(pixels))
            + png_chunk(b"IEND", b""))


def png_text_after_idat(text: bytes) -> bytes:
    body = png()
    return body[:-12] + png_chunk(b"tEXt", b"Comment\x00" + text) + body[-12:]


JFIF = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
EXIF_WITH_THUMBNAIL = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00" + noise(6000)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(*segments: bytes) -> bytes:
    scan = noise(2000).replace(b"\xff", b"\xfe")
    return (JFIF + b"".join(segments) + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + scan
            + b"\xff\xd9")


XMP = (b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF>"
       b"<rdf:Description><dc:description>ID " + ID.encode() + b"</dc:description>"
       b"</rdf:Description></rdf:RDF></x:xmpmeta>")


@pytest.mark.parametrize(("body", "content_type"), [
    (png(png_chunk(b"tEXt", b"Comment\x00tel " + MOBILE.encode())), "image/png"),
    (jpeg(jpeg_segment(0xFE, b"tel " + MOBILE.encode())), "image/jpeg"),
    (jpeg(jpeg_segment(0xE1, XMP)), "image/jpeg"),
], ids=["png-text-first", "jpeg-comment-first", "jpeg-xmp-first"])
def test_media_metadata_in_head_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (png(png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"tel " + MOBILE.encode()))),
     "image/png"),
    (png(png_chunk(b"iTXt", b"Description\x00\x01\x00zh\x00\xe6\x8f\x8f\xe8\xbf\xb0\x00"
                   + zlib.compress(("身份证 " + ID).encode()))), "image/png"),
    (png_text_after_idat(b"tel " + MOBILE.encode()), "image/png"),
    (jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL), jpeg_segment(0xE1, XMP)), "image/jpeg"),
    (jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL), jpeg_segment(0xFE, b"tel " + MOBILE.encode())),
     "image/jpeg"),
], ids=["png-ztxt", "png-itxt-compressed", "png-text-after-idat", "jpeg-xmp-after-exif",
        "jpeg-comment-after-exif"])
def test_media_metadata_past_head_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


SMALL_JPEG = JFIF + b"\xff\xd9"
ARCHIVE = zipped({"subject.json": RAW})


def test_jpeg_with_appended_text_found():
    assert found(SMALL_JPEG + b"tel " + MOBILE.encode(), "image/jpeg") == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (SMALL_JPEG + ARCHIVE, "image/jpeg"),
    (SMALL_JPEG + ARCHIVE, "application/zip"),
    (png() + ARCHIVE, "image/png"),
    (SMALL_JPEG + gzip.compress(RAW), "image/jpeg"),
    (b'--B\r\nContent-Disposition: form-data; name="front"; filename="front.jpg"\r\n'
     b"Content-Type: image/jpeg\r\n\r\n" + SMALL_JPEG + ARCHIVE + b"\r\n--B--\r\n",
     "multipart/form-data; boundary=B"),
], ids=["jpeg-zip", "jpeg-zip-declared-zip", "png-zip", "jpeg-gzip", "multipart-part"])
def test_archive_appended_to_image_missed(body, content_type):
    assert found(body, content_type) == {"mobile"}


# ---------------------------------------------------------------------------------------------
# End to end: what the findings do to a Singapore client's request through a real gateway


async def test_e2e_avro_upload_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=avro_ocf([SG_RECORD, CN_RECORD]),
                                     headers={"Content-Type": "application/avro"})
    assert status != 200 or reply["region"] == "cn"


async def test_e2e_samsung_device_id_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(
        xff=ADDR["SG"], json_body={"deviceId": IMEIS_35[0], "model": "SM-A546E",
                                   "liveness": {"score": 0.97}})
    assert (status, reply["region"]) == (200, "sg")


async def test_e2e_thai_legacy_json_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    body = json.dumps({"name": "สมชาย ใจดี", "score": 0.98}, ensure_ascii=False).encode("tis-620")
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body,
                                     headers={"Content-Type": "application/json; charset=tis-620"})
    assert status == 200, reply
    assert reply["region"] == "sg"

