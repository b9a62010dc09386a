"""Round 21 fixes of binary and legacy readings: Java's charset names for JSON, RTF breaks in
the shown text, Thrift THeader frames, protobuf packed fields beside small varints, protobuf
and Avro records in base64 inside JSON. Each class: more spellings than the red team's, the
clean look-alikes that stay clean, the refusals that stay refusals, and a bound."""

from __future__ import annotations

import base64
import json
import random
import struct
import time
import zlib

import pytest
import zstandard

from residency_gateway.core.values import Reason
from tests.core.test_redteam_round19 import (
    ID,
    MOBILE,
    inspected,
    kinds,
    pb_int,
    pb_str,
    varint,
)
from tests.core.test_redteam_round20 import avro_long, avro_string
from tests.core.test_redteam_round21 import (
    COMPACT_CN,
    COMPACT_SG,
    SG_THRIFT,
    THRIFT,
    compact_call,
    theader,
    thrift_call,
    thrift_struct,
)


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
    body = rtf("1391\\par " * 200_000)
    start = time.process_time()
    r = inspected(body, "application/rtf")
    assert time.process_time() - start < 10
    assert r.error is None or r.error.name.startswith("PAYLOAD_TOO")


# ---------------------------------------------------------------------------------------------
# Thrift THeader frames


def theader_of(payload: bytes, protocol: int = 0, transforms: tuple[int, ...] = (),
               info: dict[str, str] | None = None, info_id: int = 1) -> bytes:
    head = varint(protocol) + varint(len(transforms)) + b"".join(varint(t) for t in transforms)
    if info:
        head += varint(info_id) + varint(len(info))
        for k, v in info.items():
            head += varint(len(k.encode())) + k.encode() + varint(len(v.encode())) + v.encode()
    head += b"\0" * (-len(head) % 4)
    for t in transforms:
        payload = {1: zlib.compress, 5: zstandard.ZstdCompressor().compress}.get(
            t, lambda b: b)(payload)
    body = struct.pack(">HHI", 0x0FFF, 1, 7) + struct.pack(">H", len(head) // 4) + head + payload
    return struct.pack(">I", len(body)) + body


CN_CALL = thrift_call(thrift_struct("Zhang Wei", MOBILE))
SG_CALL = thrift_call(SG_THRIFT)


@pytest.mark.parametrize(("body", "expected"), [
    (theader(CN_CALL), {"mobile"}),
    (theader_of(CN_CALL, transforms=(1,)), {"mobile"}),
    (theader_of(CN_CALL, transforms=(5,)), {"mobile"}),
    (theader_of(CN_CALL, transforms=(1, 1)), {"mobile"}),
    (theader_of(compact_call(COMPACT_CN), protocol=2), {"mobile"}),
    (theader_of(compact_call(COMPACT_CN), protocol=2, transforms=(1,)), {"mobile"}),
    (theader_of(SG_CALL, info={"x-customer-phone": MOBILE}), {"mobile"}),
    (theader_of(SG_CALL, info={"x-phone": MOBILE}, info_id=2), {"mobile"}),
    (theader_of(SG_CALL) + theader_of(CN_CALL, transforms=(1,)), {"mobile"}),
    (theader_of(b'[1,"verify",1,1,{"1":{"rec":{"2":{"str":"' + MOBILE.encode() + b'"}}}}]',
                protocol=1), {"mobile"}),
    (theader_of(thrift_call(b"\x0a\x00\x02" + struct.pack(">q", int(MOBILE)) + b"\x00"),
                transforms=(1,)), {"mobile"}),
    (theader_of(thrift_call(thrift_struct("Zhang Wei", ID)), transforms=(1,)), {"id"}),
], ids=["binary", "zlib", "zstd", "zlib-twice", "compact", "compact-zlib", "info-header",
        "persistent-info-header", "second-frame", "json-protocol", "i64-zlib", "id-zlib"])
def test_theader_mainland_data_found(body, expected):
    r = inspected(body, THRIFT)
    assert r.error is None, r.note
    assert kinds(r) == expected


@pytest.mark.parametrize("body", [
    theader_of(SG_CALL), theader_of(SG_CALL, transforms=(1,)), theader_of(SG_CALL, transforms=(5,)),
    theader_of(compact_call(COMPACT_SG), protocol=2, transforms=(1,)),
    theader_of(SG_CALL, info={"client": "kyc-sg/1.2", "trace": "9876543210"}),
    theader_of(SG_CALL) + theader_of(SG_CALL),
], ids=["binary", "zlib", "zstd", "compact-zlib", "info-headers", "two-frames"])
def test_theader_clean_read(body):
    for ctype in (THRIFT, "application/vnd.apache.thrift.binary", "application/x-thrift"):
        r = inspected(body, ctype)
        assert r.error is None, r.note
        assert kinds(r) == set()


@pytest.mark.parametrize("body", [
    theader_of(CN_CALL, transforms=(3,)), theader_of(CN_CALL, transforms=(2,)),
    theader_of(CN_CALL, transforms=(4,)), theader_of(CN_CALL, transforms=(1, 9)),
    theader_of(CN_CALL, protocol=7), theader_of(CN_CALL, info={"k": "v"}, info_id=5),
    theader_of(CN_CALL)[:-3], theader_of(CN_CALL)[:20],
    theader_of(zlib.compress(CN_CALL)[:-6], transforms=()),
], ids=["snappy", "hmac", "quicklz", "unknown", "unknown-protocol", "unknown-info",
        "cut", "cut-header", "not-thrift"])
def test_theader_unread_refused(body):
    r = inspected(body, THRIFT)
    assert r.error is not None or kinds(r) == {"mobile"}


def test_theader_unknown_transform_refused_clean_too():
    r = inspected(theader_of(SG_CALL, transforms=(3,)), THRIFT)
    assert r.error is not None


def test_theader_zlib_bomb_bounded():
    bomb = zlib.compress(b"\x00" * (64 << 20), 9)
    start = time.process_time()
    r = inspected(_raw_theader(bomb, (1,)) * 4, THRIFT)
    assert time.process_time() - start < 5
    assert r.error in (Reason.PAYLOAD_TOO_LARGE_TO_INSPECT, Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)


def test_theader_many_frames_bounded():
    start = time.process_time()
    r = inspected(theader_of(SG_CALL) * 5000, THRIFT)
    assert time.process_time() - start < 5
    assert r.error is not None or kinds(r) == set()


def _raw_theader(payload: bytes, transforms: tuple[int, ...]) -> bytes:
    """(a frame whose payload is given already transformed)"""
    head = varint(0) + varint(len(transforms)) + b"".join(varint(t) for t in transforms)
    head += b"\0" * (-len(head) % 4)
    body = struct.pack(">HHI", 0x0FFF, 0, 1) + struct.pack(">H", len(head) // 4) + head + payload
    return struct.pack(">I", len(body)) + body


# ---------------------------------------------------------------------------------------------
# Protobuf and Avro records in base64 inside JSON


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


SG_MOBILE = 6591234567
CONFLUENT = b"\x00\x00\x00\x01\x2c"
AVRO_CN = avro_string("Zhang Wei") + avro_long(int(MOBILE))
AVRO_SG = avro_string("Tan Ah Kow") + avro_long(SG_MOBILE)
PB_CN = pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE))
PB_SG = pb_str(1, "Tan Ah Kow") + pb_int(2, SG_MOBILE)
KAFKA_BINARY = "application/vnd.kafka.binary.v2+json"
JSON = "application/json"


def records_cases(avro: bytes, pb: bytes) -> list[tuple[str, str]]:
    return [
        (j_dump({"records": [{"key": b64(b"k-1\xff\xfe"), "value": b64(CONFLUENT + avro)}]}),
         KAFKA_BINARY),
        (j_dump({"records": [{"value": b64(pb)}, {"value": b64(pb)}]}), KAFKA_BINARY),
        (j_dump({"records": [{"value": b64url(pb)}]}),
         "application/vnd.kafka.binary.v2+json; charset=utf-8"),
        (j_dump({"records": [{"value": b64(avro)}]}), "application/vnd.kafka.avro.v2+json"),
        (j_dump({"records": [{"value": b64(pb)}]}), "application/vnd.kafka.protobuf.v2+json"),
        (j_dump({"key": {"type": "BINARY", "data": b64(b"\x01\x02\xff")},
                 "value": {"type": "BINARY", "data": b64(CONFLUENT + avro)}}), JSON),
        (j_dump({"value": {"type": "BINARY", "data": b64(CONFLUENT + b"\x04\x02\x00" + pb)}}),
         JSON),
        (j_dump({"value": {"type": "AVRO", "data": b64(avro)}}), JSON),
        (j_dump({"value_format": "AVRO", "value": b64(avro)}), JSON),
        (j_dump({"format": "protobuf", "payload": b64(pb)}), JSON),
        (j_dump({"message": {"data": b64(pb), "message_id": "1", "attributes": {"a": "b"}}}),
         JSON),
        (j_dump({"deliveryAttempt": 1, "subscription": "projects/p/subscriptions/s",
                 "message": {"data": b64(pb), "messageId": "2"}}), JSON),
        (j_dump([{"value": b64(CONFLUENT + avro)}]), JSON),
    ]


RECORD_IDS = ["v2-confluent-avro-with-key", "v2-protobuf-two", "v2-urlsafe", "v2-avro-type",
              "v2-protobuf-type", "v3-avro-with-key", "v3-protobuf-indexes", "v3-avro-type",
              "value-format", "format-payload", "pubsub-message-id", "pubsub-push",
              "bare-confluent-in-list"]


@pytest.mark.parametrize(("body", "content_type"), records_cases(AVRO_CN, PB_CN),
                         ids=RECORD_IDS)
def test_binary_records_in_json_found(body, content_type):
    r = inspected(body.encode(), content_type)
    assert r.error is None, r.note
    assert kinds(r) == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), records_cases(AVRO_SG, PB_SG),
                         ids=RECORD_IDS)
def test_binary_records_in_json_clean_stay_clean(body, content_type):
    r = inspected(body.encode(), content_type)
    assert r.error is None, r.note
    assert kinds(r) == set()


def test_binary_record_id_found():
    body = j_dump({"message": {"data": b64(pb_str(1, "x") + pb_str(2, b"\xff") + pb_int(
        3, int(ID))), "messageId": "3"}})
    assert "id" in kinds(inspected(body.encode(), JSON))


@pytest.mark.parametrize("key", ["data", "value", "payload", "blob"])
def test_random_base64_in_json_stays_clean(key):
    """(random bytes, a photo or a hash, are not walked as Avro without a hint or Confluent's
    prefix; under a Pub/Sub or BINARY hint they are walked as protobuf, which they rarely are)"""
    rng = random.Random(21)
    for n in range(120):
        blob = rng.randbytes(rng.choice([16, 20, 32, 48, 64, 200]))
        for doc in ({key: b64(blob)}, {"message": {key: b64(blob), "messageId": str(n)}},
                    {"value": {"type": "BINARY", key: b64(blob)}}):
            assert kinds(inspected(j_dump(doc).encode(), JSON)) == set(), (n, doc)


def test_binary_records_bounded():
    body = j_dump({"records": [{"value": b64(PB_SG * 50)}] * 20000}).encode()
    started = time.process_time()
    r = inspected(body, KAFKA_BINARY)
    assert time.process_time() - started < 15
    assert r.error is None or r.error.name.startswith("PAYLOAD_TOO")


def test_binary_record_beside_a_number_orjson_refuses_found():
    body = ('{"n": 123456789012345678901234567890, "message": {"data": "' + b64(PB_CN)
            + '", "messageId": "1"}}')
    assert kinds(inspected(body.encode(), JSON)) == {"mobile"}


def test_more_binary_records_than_read_refused():
    body = j_dump({"records": [{"value": b64(PB_SG)}] * 5000}).encode()
    r = inspected(body, KAFKA_BINARY)
    assert r.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


# ---------------------------------------------------------------------------------------------
# What the packed readings cost ordinary traffic: short random bytes fields (nonces, short ids,
# truncated hashes) read as a mobile. Measured when round 21's mixed-width packed reading was
# reverted: 5 bytes 1.15%, 8 bytes 0.55%, 16 bytes 0.15% (with it, 8 bytes was 1.6%). A reading
# that widens these fails here; 32 bytes and more read none.

@pytest.mark.parametrize(("size", "most"), [(5, 24), (8, 16), (12, 6), (16, 4), (32, 0)])
def test_short_random_bytes_fields_rarely_read_as_a_mobile(size, most):
    rng = random.Random(size * 7919)
    read = 0
    for _ in range(2000):
        body = (pb_str(1, "Tan Ah Kow") + varint(2 << 3 | 2)
                + varint(size) + rng.randbytes(size) + varint(3 << 3) + varint(rng.randrange(1000)))
        read += bool(kinds(inspected(body, "application/x-protobuf")) & {"id", "mobile"})
    assert read <= most, f"{read} of 2000 random {size}-byte fields read as an identifier"
