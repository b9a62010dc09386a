"""Round 20 fixes: Apache Avro object container files decoded by their codec, and the integers
of declared Avro and Thrift bodies read.

An Avro object container file (magic "Obj\\x01") is read whatever its declared type: its blocks
decoded by the header's avro.codec (null; deflate, raw RFC 1951; bzip2; xz; zstandard) within
max_inspect_bytes and the ratio, and read as an Avro body; snappy (no decoder here), any other
codec and a file that is not whole are refused. A body declared Avro (a datum, a Confluent-
framed Kafka record) or Thrift (binary or compact protocol) has its values written out as the
other serializations' are; random bytes are not read as either unless so declared.
"""

from __future__ import annotations

import base64
import bz2
import io
import json
import lzma
import random
import struct
import time
import zipfile
import zlib

import pytest
import zstandard

from residency_gateway.core import serialized
from residency_gateway.core.payload import InspectOptions, inspect_body
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round19 import ID, MOBILE, MOBILE2, inspected, j, kinds, varint
from tests.core.test_redteam_round20 import (
    AVRO_SCHEMA,
    CN_LONG_RECORD,
    CN_RECORD,
    SG_RECORD,
    SYNC,
    avro_long,
    avro_string,
    kyc_record,
    thrift_binary_i64,
    thrift_compact_i64,
    zigzag,
)

AVRO = "application/avro"
FIRST_GEN = "110101900307123"  # a first-generation (15-digit) ID: area, yymmdd, sequence
SCHEMA = json.dumps({"type": "record", "name": "Kyc", "fields": [
    {"name": "name", "type": "string"}, {"name": "phone", "type": ["null", "string"]},
    {"name": "msisdn", "type": ["null", "long"]}]}).encode()
KYC = AVRO_SCHEMA.encode()  # (name, phone, id_number: strings; msisdn: long)


def coded(block: bytes, codec: str) -> bytes:
    if codec == "deflate":
        return zlib.compress(block)[2:-4]  # (raw RFC 1951, as the Java and Python writers)
    if codec == "bzip2":
        return bz2.compress(block)
    if codec == "xz":
        return lzma.compress(block)
    if codec == "zstandard":
        return zstandard.ZstdCompressor().compress(block)
    if codec == "snappy":
        return snappy(block) + struct.pack(">I", zlib.crc32(block))
    return block


def snappy(data: bytes) -> bytes:
    """Raw snappy as a writer makes it (no library here): a repeat of the previous 4 to 64
    bytes as a copy (2-byte offset), a 1-byte-offset copy for short repeats, else literals
    (the long ones with a 1- or 2-byte length)."""
    out = varint(len(data))
    i = 0
    literal = bytearray()

    def flush() -> None:
        nonlocal out
        if literal:
            n = len(literal) - 1
            out += (bytes([n << 2]) if n < 60 else bytes([60 << 2, n]) if n < 256
                    else bytes([61 << 2]) + n.to_bytes(2, "little")) + literal
            literal.clear()

    while i < len(data):
        for offset in (len(data[max(0, i - 64):i]),):
            length = 0
            while (length < 64 and i + length < len(data) and offset
                   and data[i + length] == data[i - offset + length]):
                length += 1
            if length >= 4 and offset:
                flush()
                if length <= 11 and offset < 2048:
                    out += bytes([(offset >> 8) << 5 | (length - 4) << 2 | 1, offset & 0xFF])
                else:
                    out += bytes([(length - 1) << 2 | 2]) + offset.to_bytes(2, "little")
                i += length
                break
        else:
            literal.append(data[i])
            i += 1
    flush()
    return out


def ocf(blocks: list[list[bytes]], codec: str = "deflate", *, schema: bytes = SCHEMA,
        negative_map: bool = False, sync: bytes = SYNC) -> bytes:
    """An Avro object container file of several blocks, each of its records."""
    meta = avro_string("avro.schema") + avro_long(len(schema)) + schema
    meta += avro_string("avro.codec") + avro_long(len(codec)) + codec.encode()
    head = b"Obj\x01"
    head += (avro_long(-2) + avro_long(len(meta)) if negative_map else avro_long(2)) + meta
    head += b"\x00" + SYNC
    out = head
    for records in blocks:
        data = coded(b"".join(records), codec)
        out += avro_long(len(records)) + avro_long(len(data)) + data + sync
    return out


def nullable(name: str, phone: str | None, msisdn: int | None) -> bytes:
    """A record of the schema above: each nullable field a union index, then the value."""
    out = avro_string(name)
    out += b"\x00" if phone is None else avro_long(1) + avro_string(phone)
    out += b"\x00" if msisdn is None else avro_long(1) + avro_long(msisdn)
    return out


def clean(body: bytes, content_type: str) -> bool:
    """Read (not refused) and nothing of the mainland found."""
    r = inspected(body, content_type)
    assert r.error is None, r.note
    return kinds(r) == set()


def refused(body: bytes, content_type: str = AVRO, **options: int):
    r = inspect_body(body, content_type=content_type, key=KEY, today=TODAY,
                     options=InspectOptions(**options))
    assert r.error is not None, "forwarded"
    return r.error


CODECS = ["null", "deflate", "bzip2", "xz", "zstandard", "snappy"]


# ---------------------------------------------------------------------------------------------
# Object container files


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("content_type", [AVRO, "avro/binary", "application/octet-stream", "",
                                          "application/x-avro-binary", "binary/octet-stream"])
def test_container_strings_found_by_codec(codec, content_type):
    assert found(ocf([[SG_RECORD], [SG_RECORD, CN_RECORD]], codec, schema=KYC),
                 content_type) == {"id", "mobile"}


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("value", [int(MOBILE), 8600000000000 + int(MOBILE), int(ID),
                                   int(FIRST_GEN)], ids=["mobile", "e164", "id", "first-gen"])
def test_container_longs_found(codec, value):
    record = kyc_record("Zhang Wei", "", "", value)
    assert found(ocf([[SG_RECORD, record]], codec, schema=KYC), AVRO)
    assert found(ocf([[CN_LONG_RECORD]], codec, schema=KYC), AVRO) == {"mobile"}
    # (and where the schema does not read the records: walked without it)
    assert found(ocf([[SG_RECORD, record]], codec, schema=b'"long"'), AVRO)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("record", [
    nullable("Zhang Wei", None, int(MOBILE)),
    nullable("Zhang Wei", "a note of sixteen chars or more", int(MOBILE)),
    nullable("Zhang Wei", "@", 8600000000000 + int(MOBILE2)),
    nullable("Zhang Wei", MOBILE, None),
], ids=["null-then-long", "long-string-then-long", "short-string-then-e164", "string"])
def test_container_nullable_fields_found(codec, record):
    """A union's branch index (1) before a long reads as a length of one byte: the walk out of
    step still writes out the long (the second pass)."""
    body = ocf([[nullable("Tan Ah Kow", "+6591234567", 6591234567), record]], codec)
    assert "mobile" in found(body, AVRO)


@pytest.mark.parametrize("codec", ["null", "deflate"])
@pytest.mark.parametrize("note", ["b" * 16, "bbbb bbbb bbbb bbbb bbbb", "d" * 40])
def test_container_walk_out_of_step_still_reads_longs(codec, note):
    """A union index (1) read as a one-byte length takes the string's length byte as text;
    the string's letters then read as a length that swallows the long (as bytes stepped
    over): the second pass reads it."""
    sg = nullable("Tan Ah Kow", "+6591234567", 6591234567)
    records = [sg, nullable("Zhang Wei", note, int(MOBILE)), sg, sg, sg]
    assert found(ocf([records], codec), AVRO) == {"mobile"}
    datum = b"".join(records)
    assert found(datum, "avro/binary") == {"mobile"}


def test_container_many_blocks_and_negative_map_block():
    blocks = [[SG_RECORD]] * 50 + [[CN_RECORD]] + [[SG_RECORD]] * 50
    assert found(ocf(blocks, negative_map=True, schema=KYC), AVRO) == {"id", "mobile"}


def test_container_in_other_carriers():
    body = ocf([[CN_RECORD]], schema=KYC)
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as archive:
        archive.writestr("export/part-0000.avro", body)
    assert found(z.getvalue(), "application/zip") == {"id", "mobile"}
    part = (b'--B\r\nContent-Disposition: form-data; name="f"; filename="kyc.avro"\r\n'
            b"Content-Type: application/avro\r\n\r\n" + body + b"\r\n--B--\r\n")
    assert found(part, "multipart/form-data; boundary=B") == {"id", "mobile"}
    r = inspect_body(zlib.compress(body), content_type=AVRO, content_encoding="deflate",
                     key=KEY, today=TODAY)
    assert kinds(r) == {"id", "mobile"}


RICH = json.dumps({"type": "record", "name": "Subject", "namespace": "kyc", "fields": [
    {"name": "name", "type": "string"},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["PERSON", "ORG"]}},
    {"name": "seen", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "score", "type": "double"},
    {"name": "photo", "type": "bytes"},
    {"name": "digest", "type": {"type": "fixed", "name": "Md5", "size": 16}},
    {"name": "contact", "type": {"type": "record", "name": "Contact", "fields": [
        {"name": "msisdn", "type": ["null", "long"]}]}},
    {"name": "previous", "type": ["null", "kyc.Contact"]},
    {"name": "phones", "type": {"type": "array", "items": "long"}},
    {"name": "extra", "type": {"type": "map", "values": "long"}}]}).encode()


def rich(seed: int, contact: int, previous: int | None = None, phones: tuple[int, ...] = (),
         extra: int | None = None) -> bytes:
    rng = random.Random(seed)
    photo = bytes(rng.randrange(256) for _ in range(rng.randrange(100, 2000)))
    out = avro_string("Tan Ah Kow") + avro_long(0) + avro_long(1764547200000 + seed)
    out += struct.pack("<d", 0.97) + avro_long(len(photo)) + photo
    out += bytes(rng.randrange(256) for _ in range(16))
    out += avro_long(1) + avro_long(contact)
    out += b"\x00" if previous is None else avro_long(1) + avro_long(1) + avro_long(previous)
    out += (avro_long(-len(phones)) + avro_long(len(b"".join(map(avro_long, phones))))
            + b"".join(map(avro_long, phones)) + b"\x00") if phones else b"\x00"
    out += avro_long(1) + avro_string("home") + avro_long(extra) + b"\x00" if extra else b"\x00"
    return out


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("record", [
    rich(1, int(MOBILE)), rich(2, 6591234567, previous=int(MOBILE)),
    rich(3, 6591234567, phones=(7, int(MOBILE), 9)), rich(4, 6591234567, extra=int(MOBILE)),
    rich(5, 6591234567, previous=8600000000000 + int(MOBILE2)),
], ids=["field", "named-reference", "array-block", "map", "e164"])
def test_container_read_by_its_schema(codec, record):
    """Named types (enum, fixed, a record referred to by its full name), logical types,
    unions, array and map blocks (one with its byte size): read by the file's schema."""
    sg = [rich(n, 6591234567) for n in range(10, 14)]
    body = ocf([sg[:2], [sg[2], record, sg[3]]], codec, schema=RICH)
    assert found(body, AVRO) == {"mobile"}


@pytest.mark.parametrize(("value", "scale"), [(int(MOBILE), 0), (int(ID), 0),
                                              (int(MOBILE) * 100, 2)])
@pytest.mark.parametrize("fixed", [False, True])
def test_container_decimal_logical_type(value, scale, fixed):
    """A NUMERIC column as Kafka Connect writes it: the unscaled integer's bytes."""
    width = 9 if fixed else (value.bit_length() + 8) // 8
    kind: dict[str, object] = ({"type": "fixed", "name": "Num", "size": width} if fixed
                               else {"type": "bytes"})
    schema = json.dumps({"type": "record", "name": "R", "fields": [
        {"name": "name", "type": "string"},
        {"name": "msisdn", "type": {**kind, "logicalType": "decimal", "precision": 20,
                                    "scale": scale}}]}).encode()
    raw = value.to_bytes(width, "big", signed=True)
    record = avro_string("Zhang Wei") + (b"" if fixed else avro_long(width)) + raw
    assert found(ocf([[record]], schema=schema), AVRO)
    sg = avro_string("Tan Ah Kow") + (b"" if fixed else avro_long(width)) + (
        6591234567 * 10**scale).to_bytes(width, "big", signed=True)
    assert clean(ocf([[sg]], schema=schema), AVRO)


@pytest.mark.parametrize("codec", CODECS)
def test_clean_container_read_by_its_schema_stays_clean(codec):
    records = [rich(n, 6591234567, 6581234567, (6591234567,), 6591234567) for n in range(30)]
    assert clean(ocf([records[:10], records[10:]], codec, schema=RICH), AVRO)


def test_container_as_a_base64_field():
    body = j({"file": base64.b64encode(ocf([[CN_RECORD]], "zstandard", schema=KYC)).decode()})
    assert found(body, "application/json") == {"id", "mobile"}


def test_notes_say_what_not_the_bytes():
    """A refusal or a reading's note names no codec or value the sender wrote."""
    for body in (ocf([[CN_RECORD]], "x13912345678"), ocf([[CN_RECORD]], schema=KYC),
                 ocf([[CN_RECORD]])[:-3]):
        r = inspected(body, AVRO)
        assert MOBILE not in r.note and ID not in r.note and "x139" not in r.note
    r = inspected(t_str(1, MOBILE) + b"\x0f", "application/vnd.apache.thrift.binary")
    assert r.error == Reason.MALFORMED_PAYLOAD and MOBILE not in r.note


@pytest.mark.parametrize("codec", CODECS)
def test_clean_container_stays_clean(codec):
    """Singapore records, timestamps in ms and us, doubles, a photo in a bytes field."""
    rng = random.Random(20)
    photo = bytes(rng.randrange(256) for _ in range(4096))
    records = [SG_RECORD + avro_long(1764547200000 + n) + avro_long(1764547200000123)
               + struct.pack("<d", 0.97) + avro_long(len(photo)) + photo for n in range(20)]
    assert clean(ocf([records[:10], records[10:]], codec), AVRO)


@pytest.mark.parametrize("seed", range(8))
def test_clean_container_random_bytes_fields(seed):
    """Bytes fields of random content (images, hashes, encrypted blobs) are stepped over."""
    rng = random.Random(seed)
    records = []
    for _ in range(8):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 3000)))
        records.append(avro_string("Tan Ah Kow") + avro_long(len(blob)) + blob
                       + avro_long(6591234567))
    assert clean(ocf([records]), AVRO)


@pytest.mark.parametrize("codec", ["lzo", "brotli", "lz4", "deflate64", "Snappy", ""])
def test_codec_not_read_is_refused(codec):
    assert refused(ocf([[CN_RECORD]], codec)) == Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE
    assert refused(ocf([[SG_RECORD]], codec), "application/octet-stream") == (
        Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE)


@pytest.mark.parametrize("body", [
    ocf([[CN_RECORD]])[:-5],  # truncated in the sync marker
    ocf([[CN_RECORD]], sync=b"\xff" * 16),  # another sync marker
    ocf([[CN_RECORD]])[:40],  # cut inside the header
    ocf([], "null") + avro_long(1) + avro_long(len(CN_RECORD) + 40) + CN_RECORD + SYNC,
], ids=["truncated", "wrong-sync", "header-cut", "bad-size"])
def test_broken_container_is_refused(body):
    assert refused(body) == Reason.MALFORMED_PAYLOAD
    assert refused(body, "application/octet-stream") == Reason.MALFORMED_PAYLOAD


@pytest.mark.parametrize("codec", ["deflate", "bzip2", "xz", "zstandard", "snappy"])
def test_block_that_does_not_decode_is_refused(codec):
    body = ocf([[CN_RECORD]], codec)
    data = coded(CN_RECORD, codec)
    broken = data[:4] + bytes(b ^ 0x5A for b in data[4:])
    assert refused(body.replace(data, broken)) in (Reason.MALFORMED_PAYLOAD,
                                                   Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)


def snappy_file(block: bytes) -> bytes:
    """A one-block snappy container file of an already coded block (a hostile one)."""
    return ocf([], "snappy", schema=KYC) + avro_long(1) + avro_long(len(block)) + block + SYNC


def test_snappy_copies_and_checksum():
    """Copies with 1- and 2-byte offsets, runs (an offset shorter than the copy), a checksum
    that does not match (refused), a copy before any byte (refused)."""
    records = [SG_RECORD, CN_RECORD, CN_RECORD, b"\x00" * 200]
    block = snappy(b"".join(records))
    assert any(b & 3 == 1 for b in block) or any(b & 3 == 2 for b in block)
    assert found(ocf([records], "snappy", schema=b'"bytes"'), AVRO) == {"id", "mobile"}
    body = ocf([[CN_RECORD]], "snappy", schema=KYC)
    assert found(body, AVRO) == {"id", "mobile"}
    crc = struct.pack(">I", zlib.crc32(CN_RECORD))
    assert refused(body.replace(crc, bytes(4))) == Reason.MALFORMED_PAYLOAD
    bad = varint(10) + b"\x0a\x01\x00"  # (a copy of 3 bytes at offset 1, nothing written)
    assert refused(snappy_file(bad + struct.pack(">I", zlib.crc32(b"x" * 10)))) == (
        Reason.MALFORMED_PAYLOAD)
    assert found(snappy_file(snappy(CN_RECORD) + crc), AVRO) == {"id", "mobile"}  # (as built)


def test_container_bounded():
    bomb = ocf([[b"\x00" * 4_000_000]], "deflate")
    assert refused(bomb, max_decompression_ratio=100) == Reason.PAYLOAD_TOO_LARGE_TO_INSPECT
    assert refused(ocf([[b"\x00" * 2_000_000]] * 5, "zstandard"), max_inspect_bytes=4_000_000
                   ) == Reason.PAYLOAD_TOO_LARGE_TO_INSPECT
    snappy_bomb = varint(3_000_000) + b"\x00\x00" + b"\xfe\x01\x00" * 47_000
    assert refused(snappy_file(snappy_bomb + bytes(4)), max_decompression_ratio=10) == Reason.PAYLOAD_TOO_LARGE_TO_INSPECT
    elements = varint(4 * 400_000 + 1) + b"\x00a" + b"\x01\x01" * 400_000  # 4-byte copies
    start = time.process_time()
    assert refused(snappy_file(elements + bytes(4))) == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert time.process_time() - start < 5
    tiny = json.dumps({"type": "record", "name": "R", "fields": [
        {"name": "a", "type": "string"}, {"name": "b", "type": "long"}]}).encode()
    start = time.process_time()
    assert refused(ocf([[avro_string("a") + avro_long(1)] * 150_000], schema=tiny)) == (
        Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)
    nulls = ocf([[avro_long(10**9) + b"\x00"]], "null", schema=b'{"type": "array", "items": "null"}')
    assert refused(nulls) == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert time.process_time() - start < 5
    many = ocf([[b"\x00"]] * (serialized.MAX_AVRO_BLOCKS + 1), "null")
    start = time.process_time()
    assert refused(many) == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert time.process_time() - start < 5


# ---------------------------------------------------------------------------------------------
# Declared Avro datums


@pytest.mark.parametrize("content_type", [
    "avro/binary", AVRO, "application/x-avro-binary", "application/vnd.apache.avro+binary",
    "application/vnd.kafka.avro.v1+binary", "application/vnd.kafka.avro.v2+binary",
    "application/vnd.kyc.subject+avro", "application/avro; charset=binary"])
@pytest.mark.parametrize("body", [
    avro_string("Zhang Wei") + avro_long(int(MOBILE)),
    b"\x00\x00\x00\x01\x2c" + avro_string("Zhang Wei") + avro_long(8600000000000 + int(MOBILE)),
    avro_string("Zhang Wei") + avro_long(1) + avro_long(int(MOBILE2)),  # (a nullable long)
    avro_long(3) + avro_long(-int(MOBILE)) + avro_long(0),  # (an array block of longs)
    avro_string("Zhang Wei") + struct.pack("<d", 0.5) + avro_long(int(MOBILE)),
], ids=["datum", "confluent", "union", "array", "after-double"])
def test_declared_avro_longs_found(content_type, body):
    assert "mobile" in found(body, content_type)


def test_declared_avro_id_long_found():
    assert found(avro_string("Zhang Wei") + avro_long(int(ID)), "avro/binary") == {"id"}


@pytest.mark.parametrize("body", [
    avro_string("Tan Ah Kow") + avro_long(6591234567) + avro_long(1764547200000),
    avro_string("Siti") + avro_long(60123456789) + avro_long(1764547200000123),
    b"\x00\x00\x00\x00\x07" + avro_string("Tan Ah Kow") + avro_long(6581234567),
], ids=["sg", "my-and-us-time", "confluent-sg"])
def test_clean_avro_datums_stay_clean(body):
    assert clean(body, "avro/binary")


@pytest.mark.parametrize("seed", range(16))
def test_random_bytes_undeclared_are_not_read_as_avro_or_thrift(seed):
    rng = random.Random(seed)
    blob = bytes(rng.randrange(256) for _ in range(4096))
    assert clean(blob, "application/octet-stream")


def test_avro_walk_bounded():
    start = time.process_time()
    assert refused(b"\x02" * 600_000, "avro/binary") == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert time.process_time() - start < 5
    start = time.process_time()
    assert clean(b"\x80" * 600_000, "avro/binary")  # (one cut varint)
    assert time.process_time() - start < 5


# ---------------------------------------------------------------------------------------------
# Declared Thrift


def t_str(field: int, text: str) -> bytes:
    return b"\x0b" + struct.pack(">hi", field, len(text.encode())) + text.encode()


def tc_str(delta: int, text: str) -> bytes:
    return bytes([delta << 4 | 8]) + varint(len(text.encode())) + text.encode()


ARGS = t_str(1, "Zhang Wei") + thrift_binary_i64(2, int(MOBILE)) + b"\x00"
CARGS = tc_str(1, "Zhang Wei") + thrift_compact_i64(1, int(MOBILE)) + b"\x00"


@pytest.mark.parametrize("content_type", ["application/x-thrift", "application/thrift",
                                          "application/vnd.apache.thrift.binary"])
@pytest.mark.parametrize("body", [
    ARGS,
    b"\x80\x01\x00\x01" + struct.pack(">i", 6) + b"submit" + struct.pack(">i", 7)
    + b"\x0c\x00\x01" + ARGS + b"\x00",  # a strict call, the struct an argument
    struct.pack(">i", 6) + b"submit" + b"\x01" + struct.pack(">i", 7) + ARGS,  # old header
    struct.pack(">I", len(ARGS)) + ARGS,  # TFramedTransport
    t_str(1, "Zhang Wei") + b"\x0f\x00\x02\x0a" + struct.pack(">iqq", 2, 7, int(MOBILE))
    + b"\x00",  # list<i64>
    t_str(1, "Zhang Wei") + b"\x0d\x00\x03\x0b\x0a" + struct.pack(">i", 1)
    + struct.pack(">i", 6) + b"mobile" + struct.pack(">q", int(MOBILE)) + b"\x00",  # map
    t_str(1, "Zhang Wei") + b"\x04\x00\x02" + struct.pack(">d", float(MOBILE)) + b"\x00",
    t_str(1, "Zhang Wei") + thrift_binary_i64(2, 8600000000000 + int(MOBILE)) + b"\x00",
], ids=["struct", "strict-call", "old-call", "framed", "list", "map", "double", "e164"])
def test_thrift_binary_found(content_type, body):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize("content_type", ["application/x-thrift",
                                          "application/vnd.apache.thrift.compact"])
@pytest.mark.parametrize("body", [
    CARGS,
    b"\x82\x21\x07" + varint(6) + b"submit" + b"\x1c" + CARGS + b"\x00",  # call, struct arg
    tc_str(1, "Zhang Wei") + b"\x06" + varint(zigzag(300)) + varint(zigzag(int(MOBILE)))
    + b"\x00",  # a field id too far for the delta: a zigzag i16 after the type
    tc_str(1, "Zhang Wei") + b"\x19\x26" + varint(zigzag(7)) + varint(zigzag(int(MOBILE)))
    + b"\x00",  # list<i64>
    tc_str(1, "Zhang Wei") + b"\x1b\x01\x86" + b"\x06mobile" + varint(zigzag(int(MOBILE)))
    + b"\x00",  # map<string, i64>
    tc_str(1, "Zhang Wei") + b"\x11" + b"\x17" + struct.pack("<d", float(MOBILE2)) + b"\x00",
], ids=["struct", "call", "long-field-id", "list", "map", "bool-then-double"])
def test_thrift_compact_found(content_type, body):
    assert "mobile" in found(body, content_type)


def test_thrift_id_found():
    assert found(t_str(1, "Zhang Wei") + thrift_binary_i64(2, int(ID)) + b"\x00",
                 "application/x-thrift") == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (t_str(1, "Tan Ah Kow") + thrift_binary_i64(2, 6591234567)
     + thrift_binary_i64(3, 1764547200000) + b"\x00", "application/x-thrift"),
    (tc_str(1, "Tan Ah Kow") + thrift_compact_i64(1, 6591234567)
     + thrift_compact_i64(1, 1764547200000123) + b"\x00", "application/vnd.apache.thrift.compact"),
], ids=["binary", "compact"])
def test_clean_thrift_stays_clean(body, content_type):
    assert clean(body, content_type)


def test_thrift_json_under_generic_type_read_as_text():
    body = j({"1": {"str": "Zhang Wei"}, "2": {"i64": int(MOBILE)}})
    assert found(body, "application/x-thrift") == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (b"name=Zhang Wei, not thrift at all", "application/vnd.apache.thrift.binary"),
    (ARGS[:-3], "application/vnd.apache.thrift.binary"),  # truncated
    (t_str(1, "Zhang Wei") + b"\x0f\x00\x02\x0a" + struct.pack(">i", 1 << 30) + b"\x00",
     "application/x-thrift"),  # a list longer than the body
    (b"\x0c\x00\x01" * 100 + b"\x00" * 100, "application/vnd.apache.thrift.binary"),  # deep
    (b"\x1f" + b"\x00", "application/vnd.apache.thrift.compact"),  # an unknown type
], ids=["text", "truncated", "list-size", "deep", "unknown-type"])
def test_declared_thrift_that_is_not_is_refused(body, content_type):
    assert refused(body, content_type) == Reason.MALFORMED_PAYLOAD


def test_thrift_walk_bounded():
    start = time.process_time()
    many = b"\x11" * (serialized.MAX_ITEMS + 10) + b"\x00"  # bool fields, one byte each
    assert refused(many, "application/vnd.apache.thrift.compact") == (
        Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)
    assert time.process_time() - start < 5
