"""Round 19 fixes: gRPC / gRPC-web framing taken apart (no refusal of clean +proto traffic),
compressed members after a short length prefix, JSON Patch operations read as the document
their paths build. More spellings of each class, clean look-alikes, and bounds."""

from __future__ import annotations

import base64
import gzip
import json
import random
import struct
import time
import zlib

import pytest
import zstandard

from residency_gateway.core.payload import inspect_body
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round19 import patch, pb_int, pb_str

ID = "110101199003071233"
MOBILE = "13912345678"
JSON_PATCH = "application/json-patch+json"
RNG = random.Random(19)








def frame(message: bytes, flag: int = 0) -> bytes:
    return bytes([flag]) + struct.pack(">I", len(message)) + message


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-15)
    return c.compress(data) + c.flush()


def inspected(body: bytes, content_type: str):
    return inspect_body(body, content_type=content_type, key=KEY, today=TODAY)


def kinds(result) -> set[str]:
    return ({"id" for i in result.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in result.phones if p.jurisdiction == "CN"})


CN = pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE)) + pb_str(3, "note")
CN_TEXT = pb_str(1, "Zhang Wei") + pb_str(2, MOBILE)  # (octets read as text find it)
CN_ID = pb_str(1, "Li Na") + pb_str(3, ID)
SG = pb_str(1, "Tan Ah Kow") + pb_str(2, "+6591234567") + pb_str(3, "S1234567D")
JP = pb_str(1, "Tanaka Hanako") + pb_str(2, "+81 90-1234-5678") + pb_int(3, 1764523630123)
TRAILER = b"grpc-status: 0\r\ngrpc-message: OK\r\n"


# ---------------------------------------------------------------------------------------------
# gRPC framing: found


@pytest.mark.parametrize(("body", "content_type"), [
    (frame(CN), "application/grpc+proto"),
    (frame(CN), "application/grpc-web+proto"),
    (frame(CN_ID), "application/grpc+json"),
    (frame(SG) + frame(CN), "application/grpc"),
    (frame(SG) + frame(gzip.compress(CN), 1), "application/grpc-web+proto"),
    (frame(CN) + frame(TRAILER, 0x80), "application/grpc-web"),
    (frame(SG) + frame(b"x-contact: " + MOBILE.encode() + b"\r\n", 0x80), "application/grpc-web"),
    (frame(raw_deflate(CN), 1), "application/grpc"),
    (frame(zstandard.ZstdCompressor().compress(CN), 1), "application/grpc"),
    (frame(gzip.compress(json.dumps({"phone": MOBILE}).encode()), 1), "application/grpc+json"),
    (base64.b64encode(frame(SG)) + base64.b64encode(frame(gzip.compress(CN), 1)),
     "application/grpc-web-text"),
    (base64.b64encode(frame(SG)) + b"\r\n" + base64.b64encode(frame(CN)),
     "application/grpc-web-text+proto"),
    (base64.b64encode(frame(zlib.compress(CN_ID), 1)), "application/grpc-web-text+proto"),
    (frame(SG) * 100 + frame(CN), "application/grpc"),  # (past the messages read apart)
    (frame(gzip.compress(CN), 1) + b"\x07junk", "application/grpc"),  # (broken after)
    (frame(gzip.compress(CN_TEXT), 1)[:-3], "application/grpc"),  # (truncated)
    (b"\x05\x00\x00" + CN_TEXT, "application/grpc"),  # (no frame at all: read as octets)
], ids=["grpc-proto", "grpc-web-proto", "grpc-json", "second-frame", "web-proto-gzip-second",
        "with-trailer", "in-trailer", "raw-deflate", "zstd", "grpc-json-gzip",
        "web-text-chunks-gzip", "web-text-chunks-newline", "web-text-zlib-id", "many-frames",
        "junk-after", "truncated", "not-framed"])
def test_grpc_framed_found(body, content_type):
    result = inspected(body, content_type)
    assert result.error is None, result.note
    assert kinds(result) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (struct.pack(">I", len(gzip.compress(CN_TEXT))) + gzip.compress(CN_TEXT), ""),
    (struct.pack("<I", len(gzip.compress(CN_TEXT))) + gzip.compress(CN_TEXT), "application/octet-stream"),
    (struct.pack(">H", len(zlib.compress(CN_ID))) + zlib.compress(CN_ID),
     "application/octet-stream"),
    (bytes([len(gzip.compress(CN_TEXT))]) + gzip.compress(CN_TEXT), "application/octet-stream"),
    (frame(gzip.compress(CN_TEXT), 1), "application/octet-stream"),
    (struct.pack(">I", 20) + RNG.randbytes(20) + struct.pack(">I", len(gzip.compress(CN_TEXT)))
     + gzip.compress(CN_TEXT), "application/octet-stream"),  # (in the second record)
    (b"\x00\x00\xff\xff" + gzip.compress(CN_TEXT), "application/octet-stream"),  # (a wrong length)
    (b"HDR" + RNG.randbytes(97) + b"\x20" + gzip.compress(CN_TEXT * 20) + RNG.randbytes(50),
     "application/octet-stream"),  # (deep inside, a short wrong length before it)
], ids=["be32-gzip-undeclared", "le32-gzip", "be16-zlib", "u8-gzip", "grpc-frame-as-octets",
        "second-record", "wrong-length", "inside-wrong-u8"])
def test_length_prefixed_members_found(body, content_type):
    result = inspected(body, content_type)
    assert result.error is None, result.note
    assert kinds(result) & {"id", "mobile"}


def test_grpc_frame_spelling_a_media_signature_still_read():
    # (the frame's last length byte "f" and a message starting "typisom": an MP4 signature at
    # offset 4 of the body, which skipped all inspection)
    message = b"typisom" + bytes(range(32)) * 8 + CN_TEXT
    message += b"\0" * (0x166 - len(message))
    body = frame(message)
    assert body[4:8] == b"ftyp"
    for content_type in ("application/grpc", "application/grpc+proto", "application/grpc-web"):
        result = inspected(body, content_type)
        assert result.error is None, result.note
        assert "mobile" in kinds(result)


# ---------------------------------------------------------------------------------------------
# gRPC framing: clean traffic stays clean and is not refused


@pytest.mark.parametrize("content_type", [
    "application/grpc", "application/grpc+proto", "application/grpc-web",
    "application/grpc-web+proto"])
@pytest.mark.parametrize("body", [
    frame(SG), frame(JP), frame(SG) + frame(JP), frame(gzip.compress(SG), 1),
    frame(zlib.compress(JP), 1) + frame(TRAILER, 0x80), frame(b""), b"",
    frame(SG) * 300,
], ids=["sg", "jp", "two", "gzip", "zlib-trailer", "empty-frame", "empty-body", "stream"])
def test_clean_grpc_not_refused(body, content_type):
    result = inspected(body, content_type)
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_clean_grpc_web_text_not_refused():
    for body in (base64.b64encode(frame(SG)),
                 base64.b64encode(frame(SG)) + base64.b64encode(frame(TRAILER, 0x80)),
                 base64.b64encode(frame(gzip.compress(JP), 1))):
        for content_type in ("application/grpc-web-text", "application/grpc-web-text+proto"):
            result = inspected(body, content_type)
            assert result.error is None, result.note
            assert kinds(result) == set()


@pytest.mark.parametrize("body", [
    struct.pack(">I", 1234) + b"\x1f\x8b\x08" + RNG.randbytes(40),
    struct.pack(">I", 30) + b"\x78\x9c" + RNG.randbytes(28),
    bytes(range(256)) * 4,
], ids=["gzip-magic-junk", "zlib-header-junk", "byte-ramp"])
def test_octets_like_a_prefixed_member_stay_clean(body):
    result = inspected(body, "application/octet-stream")
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_compressed_grpc_message_that_does_not_inflate_is_refused():
    # (a message flagged compressed in a codec not read here: uninspectable, never forwarded)
    result = inspected(frame(b"\x00\x01snappy-like" + RNG.randbytes(40), 1), "application/grpc")
    assert result.error is Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE


# ---------------------------------------------------------------------------------------------
# gRPC framing: bounds


def test_too_many_grpc_frames_refused_fast():
    body = frame(b"") * 20_000 + frame(gzip.compress(CN), 1)
    start = time.process_time()
    result = inspected(body, "application/grpc")
    assert time.process_time() - start < 2
    assert result.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


def test_many_small_grpc_frames_bounded():
    body = frame(pb_int(1, 7)) * 16_000 + frame(CN)
    start = time.process_time()
    result = inspected(body, "application/grpc")
    assert time.process_time() - start < 5
    assert result.error is not None or kinds(result) & {"mobile"}


def test_compressed_grpc_bomb_refused():
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    result = inspected(frame(bomb, 1), "application/grpc")
    assert result.error in (Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                            Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)


def test_many_prefixed_gzip_records_bounded():
    record = gzip.compress(SG)
    body = (struct.pack(">I", len(record)) + record) * 2000
    start = time.process_time()
    result = inspected(body, "application/octet-stream")
    assert time.process_time() - start < 5
    assert kinds(result) == set()


# ---------------------------------------------------------------------------------------------
# JSON Patch parts




@pytest.mark.parametrize(("body", "content_type"), [
    (patch(("/contact/phone/countryCode", 86), ("/contact/phone/nationalNumber", MOBILE)),
     JSON_PATCH),
    (patch(("/customer~1phone/area_code", "139"), ("/customer~1phone/number", "12345678"),
           ("/customer~1phone/country_code", "86")), JSON_PATCH),
    (patch(("/id", ["110101"]), ("/id/-", "19900307"), ("/id/-", "1233")), JSON_PATCH),
    (patch(("/id/2", "1233"), ("/id/0", "110101"), ("/id/1", "19900307")), JSON_PATCH),
    (patch(("/mobile/-", "139"), ("/mobile/-", "1234"), ("/mobile/-", "5678"), op="replace"),
     "application/json"),
    (json.dumps([{"op": "test", "path": "/v", "value": 1},
                 {"op": "add", "path": "/id/0", "value": "110101"},
                 {"op": "remove", "path": "/x"},
                 {"op": "add", "path": "/id/1", "value": "19900307"},
                 {"op": "add", "path": "/id/2", "value": "1233"}]), JSON_PATCH),
    (json.dumps([{"path": "/phone/area_code", "value": "139", "op": "add"},
                 {"value": "12345678", "path": "/phone/number", "op": "add"},
                 {"path": "/phone/country_code", "op": "add", "value": "+86"}]), JSON_PATCH),
    (patch(("/x", 1), ("/id/0", "110101"), ("/id/1", "19900307"), ("/id/2", "1233"))
     .replace('"value": 1}', '"value": 1e400}'), JSON_PATCH),  # (orjson refuses it)
    (patch(("/note", "x"), ("/id/0", "110101"), ("/id/1", "19900307"), ("/id/2", "1233"))
     .replace('"x"', '"\\ud800"'), JSON_PATCH),  # (a lone surrogate: orjson refuses it)
    ('[{"\\u006fp": "add", "p\\u0061th": "/phone/country_code", "value": "86"},'
     ' {"op": "add", "path": "/phone/area_code", "value": "139"},'
     ' {"op": "add", "path": "/phone/n\\u0075mber", "value": "12345678"}]', JSON_PATCH),
], ids=["nested-protojson-names", "escaped-slash", "array-then-appended", "indexes-reversed",
        "appended-plain-json", "among-test-and-remove", "keys-reordered", "infinity-aside", "surrogate-aside",
        "escaped-keys"])
def test_json_patch_parts_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize("body", [
    patch(("/phone/country_code", "65"), ("/phone/number", "91234567")),
    patch(("/phone/country_code", "81"), ("/phone/area_code", "90"),
          ("/phone/number", "12345678")),
    patch(("/items/0/qty", 139), ("/items/1/qty", 1234), ("/items/2/qty", 5678)),
    patch(("/npwp/0", "01"), ("/npwp/1", "234"), ("/npwp/2", "567")),
    json.dumps([{"op": "add", "path": "/a"}, {"op": "move", "from": "/b", "path": "/c"}]),
    json.dumps([{"name": "op"}, {"path": "x"}]),
], ids=["sg-phone", "jp-phone", "quantities", "short-parts", "no-values", "not-a-patch"])
def test_json_patch_clean_stays_clean(body):
    assert found(body, JSON_PATCH) == set()
    assert found(body, "application/json") == set()


def test_json_patch_bounded():
    deep = "/" + "/".join(["a"] * 5000)
    ops = [{"op": "add", "path": deep, "value": 1}] * 50
    ops += [{"op": "add", "path": f"/k{n}/{n % 7}", "value": "x"} for n in range(50_000)]
    body = json.dumps(ops).encode()
    start = time.process_time()
    result = inspected(body, JSON_PATCH)
    assert time.process_time() - start < 10
    assert kinds(result) == set()


def test_json_patch_many_deep_paths_bounded():
    ops = [{"op": "add", "path": "/" + "/".join([f"x{n}"] * 30), "value": "1"}
           for n in range(20_000)]
    body = json.dumps(ops).encode()
    start = time.process_time()
    result = inspected(body, JSON_PATCH)
    assert time.process_time() - start < 20
    assert kinds(result) == set()


def test_length_prefixed_bomb_refused():
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    result = inspected(struct.pack(">I", len(bomb)) + bomb, "application/octet-stream")
    assert result.error is Reason.PAYLOAD_TOO_LARGE_TO_INSPECT


def test_many_fake_gzip_headers_bounded():
    junk = bytearray(RNG.randbytes(512 * 1024))
    for k in range(500):
        junk[k * 1000 + 10:k * 1000 + 14] = b"\x1f\x8b\x08\x00"
    start = time.process_time()
    result = inspected(bytes(junk), "application/octet-stream")
    assert time.process_time() - start < 20
    assert kinds(result) == set()
