"""Round 20 fixes: protobuf packed repeated numbers (declared protobuf and gRPC), gRPC "-bin"
metadata read as protobuf, Apple binary property lists, and Excel binary workbook (.xlsb)
numeric cells. More spellings than the red team's, the clean look-alikes that stay clean, the
refusals that stay refusals, and bounds."""

from __future__ import annotations

import base64
import io
import plistlib
import random
import struct
import time
import zipfile

import pytest

from residency_gateway.core import serialized
from residency_gateway.core.payload import inspect_body, xlsb_cells
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round19 import ID, MOBILE, MOBILE2, frame, pb_int, pb_str, varint

PB = "application/x-protobuf"
FIRST_GENERATION = "110101900307123"
SG_MOBILE = 6591234567  # +65 9123 4567 as an integer


def packed(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def refused(body: bytes, content_type: str) -> str | None:
    return inspect_body(body, content_type=content_type, key=KEY, today=TODAY).error


# ---------------------------------------------------------------------------------------------
# Protobuf packed repeated fields


@pytest.mark.parametrize(("body", "content_type"), [
    (pb_str(1, "x") + packed(3, varint(zigzag(int(MOBILE)))), PB),  # sint64
    (pb_str(1, "x") + packed(3, varint(0) + varint(0) + varint(int(MOBILE))), PB),
    (pb_str(1, "x") + packed(3, varint(int(MOBILE)) + varint((1 << 64) - 5)), PB),  # a -5
    (pb_str(1, "x") + packed(2, pb_str(1, "Zhang Wei") + packed(7, varint(int(MOBILE2)))), PB),
    (pb_str(1, "x") + packed(3, struct.pack("<Q", 8600000000000 + int(MOBILE))), PB),
    (pb_str(1, "x") + packed(3, struct.pack("<dd", 0.0, float(8600000000000 + int(MOBILE)))),
     PB),
    (frame(pb_str(1, "x") + packed(5, struct.pack("<d", float(MOBILE2)))), "application/grpc"),
    (base64.b64encode(frame(pb_str(1, "x") + packed(5, varint(int(MOBILE))))),
     "application/grpc-web-text"),
    (pb_str(1, "x") + packed(3, varint(int(ID))), "application/vnd.kyc+proto"),
    (pb_str(1, "x") + packed(3, varint(int(FIRST_GENERATION))), PB),
], ids=["sint64", "after-zeros", "with-negative", "nested-message", "fixed64-e164",
        "double-e164", "grpc-double", "grpc-web-text", "eighteen-digit-id", "first-generation"])
def test_packed_numbers_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_packed_sg_numbers_stay_clean():
    body = pb_str(1, "Tan Ah Kow") + packed(4, varint(SG_MOBILE) + varint(SG_MOBILE + 1))
    assert found(body, PB) == set()
    assert found(pb_str(1, "x") + packed(4, struct.pack("<qd", SG_MOBILE, 0.5)), PB) == set()


@pytest.mark.parametrize("size", [20, 32, 64, 256, 4096])
def test_random_bytes_fields_stay_clean(size):
    # hashes, signatures, nonces and image bytes are no packed run of identifier numbers
    rng = random.Random(size)
    for _ in range(150 if size < 4096 else 10):
        blob = bytes(rng.randrange(256) for _ in range(size))
        assert found(pb_str(1, "Tan Ah Kow") + packed(2, blob), PB) == set()


@pytest.mark.parametrize("text", ["Tan Ah Kow lives at 10 Anson Road", "张伟住在新加坡 Anson 路十号",
                                  "a" * 5000])
def test_text_fields_are_no_packed_run(text):
    assert serialized._packed(text.encode()) == []


def test_a_long_packed_run_is_refused_not_read_as_bytes():
    run = bytes(300_000) + varint(int(MOBILE))  # more values than are written out
    assert refused(pb_str(1, "x") + packed(3, run), PB) == "malformed_payload"
    started = time.monotonic()
    assert refused(frame(pb_str(1, "x") + packed(3, run)), "application/grpc") == (
        "payload_too_complex_to_inspect")
    assert time.monotonic() - started < 10


def test_a_large_zero_bytes_field_is_read_not_refused():
    body = pb_str(1, "Tan Ah Kow") + packed(2, bytes(256 * 1024))
    assert found(body, PB) == set()


# ---------------------------------------------------------------------------------------------
# gRPC binary metadata ("-bin" headers)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("header", [
    ("x-subject-bin", base64.urlsafe_b64encode(pb_int(2, int(MOBILE))).decode().rstrip("=")),
    ("x-subject-bin", b64(pb_str(1, "a")) + "," + b64(pb_int(2, int(MOBILE2)))),  # two values
    ("x-subject-bin", b64(pb_str(1, "x") + packed(4, varint(int(MOBILE))))),  # packed
    ("x-subject-bin", b64(pb_int(3, int(ID)))),
    ("X-Trace-Ctx-Bin", b64(pb_str(1, pb_int(1, int(MOBILE))))),  # nested, any case
    ("grpc-status-details-bin", b64(pb_int(1, 3) + pb_str(3, pb_str(1, "type.googleapis.com/x")
                                                           + pb_str(2, pb_int(9, int(MOBILE)))))),
], ids=["urlsafe-unpadded", "comma-joined", "packed", "id-int64", "nested", "status-details"])
def test_bin_metadata_numbers_found(header):
    assert line_found("/svc.Kyc/Check", "", [header]) & {"id", "mobile"}


@pytest.mark.parametrize("header", [
    ("x-subject-bin", b64(pb_str(1, "Tan Ah Kow") + pb_int(2, SG_MOBILE))),
    ("x-subject-bin", "not base64 at all!"),
    ("grpc-trace-bin", b64(bytes(range(29)))),  # an OpenCensus trace context
    ("x-subject", b64(pb_int(2, 1234567))),
], ids=["sg-number", "not-base64", "trace-context", "no-bin-suffix"])
def test_bin_metadata_look_alikes_stay_clean(header):
    assert line_found("/svc.Kyc/Check", "", [header]) == set()


@pytest.mark.parametrize("fields", [6_000, 30_000])  # (within and past MAX_BIN_METADATA)
def test_bin_metadata_reading_is_bounded(fields):
    value = b64(pb_int(2, 7) * fields)
    assert (len(value) > serialized_limit()) == (fields > 6_000)
    started = time.monotonic()
    assert line_found("/", "", [("x-big-bin", value)]) == set()
    assert time.monotonic() - started < 10


def serialized_limit() -> int:
    from residency_gateway.core.payload import MAX_BIN_METADATA
    return MAX_BIN_METADATA


# ---------------------------------------------------------------------------------------------
# Apple binary property lists


def bplist(value: object) -> bytes:
    return plistlib.dumps(value, fmt=plistlib.FMT_BINARY)


@pytest.mark.parametrize(("body", "content_type"), [
    (bplist({"contacts": [{"tel": int(MOBILE)}, {"tel": int(MOBILE2)}]}), "application/x-plist"),
    (bplist([1, 2, int(MOBILE)]), "application/vnd.apple.plist"),
    (bplist({"id": int(ID)}), "application/x-bplist"),
    (bplist({"e164": float(8600000000000 + int(MOBILE))}), "application/octet-stream"),
    (bplist({"n": -1, "fg": int(FIRST_GENERATION)}), ""),
    (bplist({"blob": MOBILE.encode()}), "application/x-plist"),  # data
    (bplist({"phone": int(MOBILE)}), "application/vnd.kyc+plist"),
], ids=["nested-array", "array-top", "id-int", "real-undeclared", "no-type", "data", "plus-plist"])
def test_binary_plist_values_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_binary_plist_in_a_zip_found():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Payload/Info.plist", bplist({"phone": int(MOBILE)}))
    assert found(out.getvalue(), "application/zip") == {"mobile"}


def test_binary_plist_sg_numbers_stay_clean():
    assert found(bplist({"name": "Tan Ah Kow", "phone": SG_MOBILE, "score": 0.93}),
                 "application/x-plist") == set()


@pytest.mark.parametrize("body", [
    bplist({"phone": int(MOBILE)})[:-9],  # truncated
    bplist({"phone": int(MOBILE)})[:-32] + struct.pack(">6xBBQQQ", 1, 1, 1 << 60, 0, 8),
    b"bplist00" + bytes(40),
    b"<?xml version='1.0'?><plist><dict><key>a</key>",  # broken XML
], ids=["truncated", "hostile-object-count", "empty-trailer", "broken-xml"])
def test_broken_declared_plist_refused(body):
    assert refused(body, "application/x-plist") == "malformed_payload"


def test_undeclared_broken_bplist_read_as_bytes():
    body = bplist({"phone": int(MOBILE)})[:-9]
    assert refused(body, "application/octet-stream") is None


def test_old_style_plist_is_read_as_text():
    assert found(b'{ phone = "' + MOBILE.encode() + b'"; }', "application/x-plist") == {"mobile"}


def _dag_plist(levels: int) -> bytes:
    """A binary plist of `levels` arrays, each holding the next one twice: 2**levels leaves
    written out."""
    objects = [bytes([0xA2, n + 1, n + 1]) for n in range(levels)] + [b"\x10\x07"]
    body = b"bplist00"
    offsets = []
    for obj in objects:
        offsets.append(len(body))
        body += obj
    table = len(body)
    body += b"".join(struct.pack(">H", o) for o in offsets)
    return body + struct.pack(">6xBBQQQ", 2, 1, len(objects), 0, table)


def test_plist_that_expands_is_bounded():
    assert plistlib.loads(_dag_plist(2)) == [[7, 7], [7, 7]]
    started = time.monotonic()
    assert refused(_dag_plist(40), "application/x-plist") == "malformed_payload"
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------------------------------------
# Excel binary workbooks (.xlsb)


def biff12(kind: int, data: bytes) -> bytes:
    return varint(kind) + varint(len(data)) + data


def xlsb(*cells: bytes, name: str = "xl/worksheets/sheet1.bin") -> bytes:
    sheet = (biff12(0x81, b"") + biff12(0x91, b"") + biff12(0, struct.pack("<IIHB", 0, 0, 0, 0)
             + bytes(3)) + b"".join(cells) + biff12(0x92, b"") + biff12(0x82, b""))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.bin", b"")
        z.writestr(name, sheet)
    return out.getvalue()


XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"


def real(col: int, value: float) -> bytes:
    return biff12(5, struct.pack("<IId", col, 0, value))


def rk_double(value: float) -> int:
    raw = struct.unpack("<Q", struct.pack("<d", value))[0]
    assert raw & 0xFFFFFFFF == 0
    return raw >> 32


RK_MOBILE = int(MOBILE) - int(MOBILE) % 8192  # (a double whose low 32 bits are zero)


@pytest.mark.parametrize(("cells", "content_type", "name"), [
    ([real(1, float(MOBILE)), real(2, 3.5)], XLSB, "xl/worksheets/sheet1.bin"),
    ([real(1, float(8600000000000 + int(MOBILE)))], "application/zip", "xl/worksheets/s2.bin"),
    ([biff12(2, struct.pack("<III", 1, 0, rk_double(float(RK_MOBILE))))], XLSB,
     "xl/worksheets/sheet1.bin"),
    ([biff12(9, struct.pack("<IId", 1, 0, float(FIRST_GENERATION)) + bytes(2))], XLSB,
     "xl/macrosheets/sheet1.bin"),
    ([biff12(0, struct.pack("<IIHB", 5, 0, 0, 0) + bytes(3)), real(0, float(MOBILE2))],
     "application/octet-stream", "xl/worksheets/sheet1.bin"),
], ids=["real-beside-another", "e164-zip-type", "rk-double", "formula-macro-sheet",
        "second-row"])
def test_xlsb_numbers_found(cells, content_type, name):
    assert found(xlsb(*cells, name=name), content_type) & {"id", "mobile"}


def test_xlsb_sg_and_ordinary_numbers_stay_clean():
    cells = [real(0, float(SG_MOBILE)), real(1, 1234.5), real(2, 0.07),
             biff12(2, struct.pack("<III", 3, 0, (19900307 << 2) | 2))]
    assert found(xlsb(*cells), XLSB) == set()


def test_xlsb_cells_read_as_excel_shows_them():
    sheet = (biff12(0x81, b"") + biff12(0, bytes(17)) + real(0, float(MOBILE)) + real(1, 2.5)
             + biff12(2, struct.pack("<III", 2, 0, (1233 << 2) | 2 | 1))
             + biff12(0, bytes(17)) + biff12(6, struct.pack("<III", 0, 0, 2) + "张伟".encode(
                 "utf-16-le")))
    assert xlsb_cells(sheet) == f"{MOBILE} | 2.5 | 12.33\n张伟"


def test_xlsb_records_are_bounded():
    sheet = biff12(0x81, b"") + biff12(1, b"") * 1_100_000
    started = time.monotonic()
    assert refused(sheet, "application/octet-stream") == "payload_too_complex_to_inspect"
    assert time.monotonic() - started < 20


def test_serialized_plist_kind_is_declared_and_sniffed():
    assert serialized.declared("application/x-bplist") == "plist"
    assert serialized.sniffed(bplist({"a": 1})) == "plist"
