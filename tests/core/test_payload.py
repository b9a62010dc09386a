"""Body inspection: every body that can hold text is read, whatever its structure, encoding or
label; findings leave the core as pseudonyms only, capped, with counts."""

import base64
import bz2
import datetime as dt
import gzip
import io
import json
import lzma
import zipfile
import zlib

import brotli
import pytest
import zstandard

from residency_gateway.core.payload import (
    InspectOptions,
    PayloadError,
    binary_signature,
    decompress,
    inspect_body,
    redact_path,
    scan_json,
    scan_request_line,
    validate_json,
)
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.core.values import MAINLAND, Reason
from tests.helpers import ADULT_ID, CN_MOBILE, resident_id

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
CHILD_ID = resident_id(dt.date(2020, 5, 5), area="440305")


def inspect(body: bytes, ctype: str = "application/json", cenc: str = "", **opts):
    return inspect_body(body, content_type=ctype, content_encoding=cenc, key=KEY, today=TODAY,
                        options=InspectOptions(**opts))


def test_finds_nested_id_and_phone_as_pseudonyms_only():
    body = json.dumps({"applicant": {"id_number": ADULT_ID, "contacts": [{"tel": CN_MOBILE}]},
                       "image": "aGVsbG8="}).encode()
    scan = scan_json(body, key=KEY, today=TODAY)
    assert [f.area_jurisdiction for f in scan.ids] == [MAINLAND]
    assert [p.jurisdiction for p in scan.phones] == [MAINLAND]
    assert scan.ids[0].subject.pseudonym == pseudonymise(KEY, "resident_id", ADULT_ID)
    assert ADULT_ID not in repr(scan) and CN_MOBILE not in repr(scan)
    assert dict(scan.counts) == {"resident_id": 1, "phone": 1}


def test_pseudonyms_depend_on_the_tenant_key():
    a = scan_json(json.dumps([ADULT_ID]).encode(), key=KEY, today=TODAY)
    b = scan_json(json.dumps([ADULT_ID]).encode(), key=b"z" * 32, today=TODAY)
    assert a.ids[0].subject.pseudonym != b.ids[0].subject.pseudonym


@pytest.mark.parametrize("body", [
    json.dumps({"n": int(ADULT_ID)}).encode(),                      # a JSON number
    json.dumps({ADULT_ID: "key, not value"}).encode(),               # a key
    f'{{"id": "x", "id": "{ADULT_ID}"}}'.encode(),                    # duplicate key, last
    f'{{"id": "{ADULT_ID}", "id": "x"}}'.encode(),                    # duplicate key, first
    json.dumps({"ocr": f"公民身份号码 {ADULT_ID} 签发机关"}, ensure_ascii=False).encode(),
    json.dumps({"ocr": f"公民身份号码 {ADULT_ID}"}, ensure_ascii=True).encode(),  # \\u escapes
    ("{\"id\": \"" + "".join(f"\\u{ord(c):04x}" for c in ADULT_ID) + "\"}").encode(),
    json.dumps({"a": {"b": [[{"c": f"id:{ADULT_ID};"}]]}}).encode(),
])
def test_ids_are_found_whatever_the_json_structure(body):
    scan = inspect(body)
    assert scan.error is None
    assert [f.area_jurisdiction for f in scan.ids] == [MAINLAND]


def test_disabled_signal_kinds_are_not_scanned():
    body = json.dumps({"id": ADULT_ID, "tel": CN_MOBILE}).encode()
    scan = inspect(body, resident_ids=False, phones=False)
    assert scan.ids == () and scan.phones == ()


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"a": 1', b"[" * 5000 + b"]" * 5000])
def test_malformed_declared_json_is_refused_not_passed(body):
    with pytest.raises(PayloadError):
        validate_json(body)
    assert inspect(body).error is Reason.MALFORMED_PAYLOAD


def test_huge_json_numbers_and_nul_bytes_are_data_not_crashes():
    assert inspect(b'{"n": ' + b"9" * 50_000 + b"}").error is None
    assert inspect(b'{"n": "a\\u0000b"}').error is None


def test_form_bodies_are_scanned_and_malformed_ones_refused():
    scan = inspect(f"name=x&idno={ADULT_ID}".encode(), "application/x-www-form-urlencoded")
    assert len(scan.ids) == 1
    encoded = "".join(f"%{ord(c):02X}" for c in ADULT_ID)
    assert len(inspect(f"idno={encoded}".encode(), "application/x-www-form-urlencoded").ids) == 1
    assert inspect(b"a=%ZZ&&=", "application/x-www-form-urlencoded").error is \
        Reason.MALFORMED_PAYLOAD


@pytest.mark.parametrize("ctype", [
    "application/octet-stream", "application/x-ndjson", "application/yaml", "text/csv",
    "image/jpeg", "video/mp4", "", "application/vnd.custom", "text/plain; charset=utf-8",
])
def test_labels_do_not_exempt_a_body_that_is_text(ctype):
    body = f'{{"subject": "{ADULT_ID}"}}\n'.encode()
    assert len(inspect(body, ctype).ids) == 1


@pytest.mark.parametrize(("magic", "name"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "gif"), (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "quicktime"),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01", "webm"),
    (b"II*\x00\x08\x00\x00\x00", "tiff"),
])
def test_binary_media_signatures_are_recognised(magic, name):
    data = magic + bytes(range(256)) * 8
    assert binary_signature(data) == name
    # past the first 4 KB (whose text, the metadata, is read: tests/core/test_media_metadata)
    scan = inspect(data + b"\x00" * 4096 + ADULT_ID.encode(), "application/octet-stream")
    # (round 21: a held WebP ends where its RIFF length says, an HEIC after its last whole
    # box; what follows is read as a body of its own, as what follows a JPEG's end is;
    # round 22: a signature then bytes that are not the format (these headers then a count
    # of bytes): the rest read as data; round 24: video (MP4, QuickTime) so too where it is
    # held and inspected, as here: at the gateway's top level it still streams)
    assert scan.error is None and len(scan.ids) == 1
    assert f"{name} signature" in scan.note
    # declared structures are parsed by receivers whatever their first bytes: inspected
    for ctype in ("multipart/form-data; boundary=b", "application/x-www-form-urlencoded",
                  "text/plain"):
        assert f"{name} signature" not in inspect(data, ctype).note


def test_a_signature_in_front_of_text_is_not_media():
    for magic in (b"GIF89a", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"):
        body = magic + f'{{"id_number": "{ADULT_ID}", "note": "plain text"}}'.encode()
        assert binary_signature(body) is None
        assert len(inspect(body, "image/gif").ids) == 1


COMPRESSORS = {
    "gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress,
    "br": brotli.compress, "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
}


@pytest.mark.parametrize("coding", sorted(COMPRESSORS))
def test_compressed_bodies_are_inspected(coding):
    body = json.dumps({"tel": f"+86 {CN_MOBILE}"}).encode()
    scan = inspect(COMPRESSORS[coding](body), cenc=coding)
    assert scan.error is None and len(scan.phones) == 1


def test_raw_deflate_and_layered_codings_are_inspected():
    body = json.dumps({"id": ADULT_ID}).encode()
    raw = zlib.compressobj(wbits=-15)
    assert len(inspect(raw.compress(body) + raw.flush(), cenc="deflate").ids) == 1
    assert len(inspect(brotli.compress(gzip.compress(body)), cenc="gzip, br").ids) == 1


@pytest.mark.parametrize("pack", [
    gzip.compress, bz2.compress, lzma.compress,
    lambda b: zstandard.ZstdCompressor().compress(b),
])
def test_compressed_files_without_content_encoding_are_inspected(pack):
    body = f"name,id\nzhang,{ADULT_ID}\n".encode()
    assert len(inspect(pack(body), "application/octet-stream").ids) == 1


def test_zip_members_are_inspected():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("face.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
        z.writestr("meta.json", json.dumps({"id": ADULT_ID}))
    assert len(inspect(buf.getvalue(), "application/zip").ids) == 1


def test_decompression_bombs_and_broken_streams_are_refused():
    bomb = gzip.compress(b"0" * 5_000_000)
    scan = inspect(bomb, cenc="gzip", max_inspect_bytes=1_000_000)
    assert scan.error is Reason.PAYLOAD_TOO_LARGE_TO_INSPECT
    ratio = gzip.compress(b" " * 900_000)
    assert inspect(ratio, cenc="gzip", max_decompression_ratio=100).error is \
        Reason.PAYLOAD_TOO_LARGE_TO_INSPECT
    assert inspect(gzip.compress(b"{}")[:-6], cenc="gzip").error is Reason.MALFORMED_PAYLOAD
    assert inspect(b"{}", cenc="compress").error is Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE
    with pytest.raises(PayloadError):
        decompress(b"not gzip", "gzip", limit=1000, ratio=10)


@pytest.mark.parametrize(("charset", "text"), [
    ("utf-16", f"id {ADULT_ID}"), ("utf-16-le", f"id {ADULT_ID}"), ("utf-32", f"id {ADULT_ID}"),
    ("gb18030", "公民身份号码 " + "".join(chr(ord(c) + 0xFEE0) for c in ADULT_ID)),
    ("shift_jis", "番号 " + "".join(chr(ord(c) + 0xFEE0) for c in ADULT_ID)),
])
def test_declared_and_undeclared_charsets_are_read(charset, text):
    data = text.encode(charset)
    assert len(inspect(data, f"text/plain; charset={charset}").ids) == 1
    assert len(inspect(data, "application/octet-stream").ids) == 1


def multipart(parts, boundary="XyZ"):
    out = b"preamble\r\n"
    for headers, value in parts:
        out += f"--{boundary}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode()
        out += b"\r\n" + value + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_every_multipart_part_that_is_not_media_is_inspected():
    body, ctype = multipart([
        (['Content-Disposition: form-data; name="face"; filename="f.jpg"',
          "Content-Type: image/jpeg"], b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4),
        (['Content-Disposition: form-data; name="list"; filename="l.csv"',
          "Content-Type: text/csv"], f"a,{ADULT_ID}".encode()),
        (['Content-Disposition: form-data; name="b64"', "Content-Transfer-Encoding: base64"],
         base64.b64encode(f"tel {CN_MOBILE}".encode())),
    ])
    scan = inspect(body, ctype)
    assert scan.error is None
    assert len(scan.ids) == 1 and len(scan.phones) == 1
    assert "jpeg signature" in scan.note


def test_nested_and_related_multiparts_are_inspected():
    inner, inner_type = multipart([(["Content-Type: application/json"],
                                    json.dumps({"id": ADULT_ID}).encode())], boundary="in")
    outer, _ = multipart([([f"Content-Type: {inner_type}"], inner)], boundary="out")
    scan = inspect(outer, "multipart/related; boundary=out")
    assert len(scan.ids) == 1


@pytest.mark.parametrize(("body", "ctype"), [
    (b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx", "multipart/form-data; boundary=XyZ"),
    (b"no boundary here", "multipart/form-data"),
    (b"--XyZ\r\nContent-Type: application/json\r\n\r\n{bad\r\n--XyZ--\r\n",
     "multipart/form-data; boundary=XyZ"),
])
def test_malformed_multipart_is_refused(body, ctype):
    assert inspect(body, ctype).error is Reason.MALFORMED_PAYLOAD


def test_base64_wrapped_text_is_inspected_but_images_are_not_decoded_as_text():
    token = base64.b64encode(json.dumps({"id_number": ADULT_ID}).encode()).decode()
    assert len(inspect(json.dumps({"jwt_claims": token}).encode()).ids) == 1
    image = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64).decode()
    assert inspect(json.dumps({"image_base64": image}).encode()).ids == ()


def test_findings_are_capped_with_full_counts_and_decisive_ones_kept():
    phones = [f"+65 9{n:03d} {n:04d}" for n in range(200)]
    body = json.dumps({"contacts": phones, "late_cn": CN_MOBILE, "kid": CHILD_ID,
                       "adult": ADULT_ID}).encode()
    scan = inspect(body, max_subjects=8)
    assert len(scan.ids) + len(scan.phones) == 8
    assert dict(scan.counts)["phone"] >= 150 and dict(scan.counts)["resident_id"] == 2
    assert any(f.birth_date == dt.date(2020, 5, 5) for f in scan.ids)  # the child is kept
    assert any(p.jurisdiction == MAINLAND for p in scan.phones)      # the CN mobile is kept


def test_inspection_work_is_bounded():
    body = ("1 " * 200_000).encode()
    scan = inspect(body, "text/plain", budget=10_000)
    assert scan.error is Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


@pytest.mark.parametrize("path", [
    f"/subjects/{ADULT_ID}.json", f"/subjects/id:{ADULT_ID}", f"/s/{ADULT_ID[:6]}-{ADULT_ID[6:]}",
    "/s/" + "".join(f"%{ord(c):02X}" for c in ADULT_ID), "/s/" + "".join(f"%25{ord(c):02X}" for c in ADULT_ID),
    # Chinese numerals written digit by digit: the scanner reads seven in a row as a number
    "/v1/subjects/" + ADULT_ID.translate(str.maketrans("0123456789", "〇一二三四五六七八九")),
    "/v1/subjects/" + ADULT_ID[:6] + ADULT_ID[6:].translate(str.maketrans("0123456789",
                                                                         "零一二三四五六七八九")),
])
def test_identifiers_inside_path_segments_are_signals_and_redacted(path):
    scan = scan_request_line(path, "", key=KEY, today=TODAY)
    assert len(scan.ids) == 1
    assert ADULT_ID[:10] not in redact_path(path) and "{redacted}" in redact_path(path)


def test_query_and_header_values_are_signals():
    q = scan_request_line("/v1", f"q=tel%3A%2B86+{CN_MOBILE}", key=KEY, today=TODAY)
    assert len(q.phones) == 1
    h = scan_request_line("/v1", "", key=KEY, today=TODAY,
                          headers=[("referer", f"https://x.test/?id={ADULT_ID}"),
                                   ("x-forwarded-for", "138.10.138.100")])
    assert len(h.ids) == 1 and h.phones == ()


def test_pdf_is_a_document_whose_text_is_inspected():
    flate = zlib.compress(f"BT /F1 12 Tf ({ADULT_ID}) Tj ET".encode())
    pdf = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n4 0 obj <</Filter /FlateDecode /Length "
           + str(len(flate)).encode() + b">>\nstream\n" + flate + b"\nendstream\nendobj\n")
    assert binary_signature(pdf) is None
    assert len(inspect(pdf, "application/pdf").ids) == 1
    assert len(inspect(b"%PDF-1.4\nBT (" + ADULT_ID.encode() + b") Tj ET", "application/pdf").ids) == 1


# Regressions from the adversarial review of the tokenizer (each a class, not one input).
MOB = "13912345678"


@pytest.mark.parametrize(("body", "ctype"), [
    (f"name=Tan&phone={MOB[:3]}+{MOB[3:7]}+{MOB[7:]}", "application/x-www-form-urlencoded"),
    (f"id={ADULT_ID[:6]}+{ADULT_ID[6:14]}+{ADULT_ID[14:]}", "application/x-www-form-urlencoded"),
    (json.dumps({"ocr": "号码 " + ADULT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))},
                ensure_ascii=False), "application/json; charset=iso-8859-1"),
    (json.dumps({"name": "张三", "id": ADULT_ID}, ensure_ascii=False), "application/json; charset=utf-16"),
    (json.dumps({"file": f"{ADULT_ID}_9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg"}),
     "application/json"),
    (json.dumps({"u": f"/v1/verify/{ADULT_ID}/3f2a8b1c-1111-2222-3333-444455556666"}), "application/json"),
    (json.dumps({"v": base64.b64encode(MOB.encode()).decode()}), "application/json"),
    (json.dumps({"v": base64.b64encode(("id " + ADULT_ID).encode("utf-16-le")).decode()}), "application/json"),
    (json.dumps({"v": base64.b64encode(gzip.compress(json.dumps({"id": ADULT_ID}).encode())).decode()}),
     "application/json"),
    (json.dumps({"u": "/files/v1/" + base64.b64encode(("id " + ADULT_ID).encode()).decode()}), "application/json"),
    (json.dumps({"d": json.dumps({"id": ADULT_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))})}),
     "application/json"),
    ("note=" + __import__("urllib.parse").parse.quote(f"{ADULT_ID[:6]}&nbsp;{ADULT_ID[6:14]}&nbsp;{ADULT_ID[14:]}"),
     "application/x-www-form-urlencoded"),
])
def test_adversarial_spellings_are_found(body, ctype):
    charset = "utf-16" if "utf-16" in ctype else "utf-8"
    scan = inspect(body.encode(charset if "json" in ctype and charset == "utf-16" else "utf-8"), ctype)
    assert scan.error is None, scan.note
    assert scan.ids or scan.phones, scan.note


@pytest.mark.parametrize("text", [
    "Mozilla/5.0 (X11) AppleWebKit/537.36 Chrome/139.0.7258.154 Safari/537.36",
    "bbox 1787 266 1544 1881", "bbox 139.5 203.25 14.75 88", "139.691706 35.689487",
    "version 8.18.6.95179340", "13.9.1234.5678", "1764417600.1",
])
def test_versions_coordinates_and_boxes_are_not_phones(text):
    assert inspect(json.dumps({"device": text}).encode()).phones == ()


def test_damaged_zip_archives_are_refused_not_crashed():
    import struct

    def archive():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.txt", b"hello")
        return bytearray(buf.getvalue())

    d = archive()
    end = d.rfind(b"PK\x05\x06")
    struct.pack_into("<I", d, end + 16, struct.unpack_from("<I", d, end + 16)[0] + 64)
    d2 = archive()
    for sig, off in ((b"PK\x03\x04", 7), (b"PK\x01\x02", 9)):
        d2[d2.find(sig) + off] |= 0x08
    for p in [i for i in range(len(d2)) if d2[i:i + 5] == b"a.txt"]:
        d2[p] = 0xFF
    for damaged in (d, d2):
        assert inspect(bytes(damaged), "application/zip").error is Reason.MALFORMED_PAYLOAD


@pytest.mark.parametrize("content", [
    f"BT [({ADULT_ID[:6]}) -20 ({ADULT_ID[6:14]}) 15 ({ADULT_ID[14:]})] TJ ET".encode(),
    f"BT ({ADULT_ID[:10]}) Tj 40 0 Td ({ADULT_ID[10:]}) Tj ET".encode(),
    b"BT <" + ADULT_ID.encode().hex().encode() + b"> Tj ET",
    b"BT <FEFF" + ("\u8eab\u4efd\u8bc1" + ADULT_ID).encode("utf-16-be").hex().encode() + b"> Tj ET",
])
def test_pdf_text_shown_in_any_common_way_is_read(content):
    flate = zlib.compress(content)
    pdf = (b"\r\n%PDF-1.7\n4 0 obj <</Filter /FlateDecode>>\nstream\n" + flate
           + b"\nendstream\nendobj\n")
    assert len(inspect(pdf, "application/pdf").ids) == 1


@pytest.mark.parametrize(("body", "ctype"), [
    (f"{ADULT_ID[:12]}\n      {ADULT_ID[12:]}", "text/plain"),                           # wrapped
    ("一一〇一〇一一九九〇〇三〇七" + "".join("〇一二三四五六七八九"[int(c)] for c in ADULT_ID[14:17])
     + ADULT_ID[17], "text/plain"),                                                      # numerals
    ("x" * 40 + "\n" + base64.encodebytes(("hello " * 12 + ADULT_ID).encode()).decode(), "text/plain"),
])
def test_wrapped_numeral_and_mime_wrapped_spellings_are_found(body, ctype):
    assert len(inspect(body.encode(), ctype).ids) == 1


def test_mime_corners_are_read():
    body, ctype = multipart([
        (['Content-Disposition: form-data; name="a"', "Content-Transfer-Encoding: base64 (c)"],
         base64.b64encode(f"id {ADULT_ID}".encode())),
    ])
    assert len(inspect(body, ctype).ids) == 1
    enclosed = (b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + base64.b64encode(f"id {ADULT_ID}".encode()) + b"\r\n")
    assert len(inspect(enclosed, "message/rfc822").ids) == 1


def test_matrix_parameters_in_a_path_are_one_value():
    scan = scan_request_line(f"/v1/p/{ADULT_ID[:6]};{ADULT_ID[6:12]};{ADULT_ID[12:]}",
                             "", key=KEY, today=TODAY)
    assert len(scan.ids) == 1


def test_decoders_stay_linear_on_hostile_input():
    """A few hundred bytes that inflate into unclosed PDF strings or unclosed RFC 2047 words
    were quadratic (20 s and more on the event loop); they must stay cheap. The bound is
    generous (a linear scan takes milliseconds) so a busy machine cannot fail it."""
    import time

    pdf = b"%PDF-1.4\n1 0 obj<</Filter/FlateDecode>>stream\n" + zlib.compress(b"(" * 64_000) \
        + b"\nendstream\n"
    words = b"=?a?q?x" * 9000
    body, ctype = multipart([([f'Content-Disposition: form-data; name="f"; filename="'
                               f'{words.decode()}"'], b"x")])
    began = time.process_time()
    inspect(pdf, "application/pdf", budget=20_000, max_view_bytes=1_048_576)
    inspect(body, ctype, budget=20_000, max_view_bytes=1_048_576)
    assert time.process_time() - began < 5.0


def test_client_named_parts_and_headers_never_name_a_finding():
    """Labels in findings (record signal details) are the gateway's own words: a part header
    whose *name* holds an ID does not carry it into the record."""
    body, ctype = multipart([([f"X-{ADULT_ID}: =?utf-8?q?{ADULT_ID}?=",
                               'Content-Disposition: form-data; name="a"'], b"x")])
    scan = inspect(body, ctype)
    assert len(scan.ids) == 1
    assert ADULT_ID not in repr(scan) and ADULT_ID[:10] not in scan.note


def test_digit_only_tokens_cannot_decode_into_digit_runs():
    """Why _base64_texts skips tokens of digits alone (bare IDs and phone numbers): every
    4-digit group decodes to a first byte of 0xD3 or above and a second byte that is never a
    digit, so no decoded text holds two digits in a row."""
    import base64
    import itertools

    for group in itertools.product("0123456789", repeat=4):
        raw = base64.b64decode("".join(group))
        assert raw[0] >= 0xD3 and not 0x30 <= raw[1] <= 0x39


def test_merging_scans_keeps_every_finding_and_drops_only_the_placeholder_note():
    from residency_gateway.core.values import NOT_INSPECTED, PayloadScan, Reason

    body = PayloadScan(True, note="application/json body inspected (10 bytes, 1 views)",
                       counts=(("phone", 1),))
    assert NOT_INSPECTED.merged(body) == body
    assert NOT_INSPECTED.merged(PayloadScan(False)) == NOT_INSPECTED  # nothing said: it stays
    line = NOT_INSPECTED.merged(PayloadScan(False, counts=(("resident_id", 1),)))
    assert line.note == "body not inspected" and line.counts == (("resident_id", 1),)
    both = line.merged(body)
    assert both.note == body.note and both.inspected
    assert both.counts == (("phone", 1), ("resident_id", 1))
    refused = line.merged(PayloadScan(False, note="too big", error=Reason.BODY_TOO_LARGE))
    assert (refused.note, refused.error) == ("too big", Reason.BODY_TOO_LARGE)
    plain = PayloadScan(False, note="request line").merged(body)
    assert plain.note == "request line; " + body.note


@pytest.mark.parametrize("charset", ["unicode_escape", "raw_unicode_escape", "utf-7", "punycode",
                                     "idna", "rot13", "hex", "no-such-charset", "utf\x00-8"])
def test_any_declared_charset_is_one_more_reading_never_a_failure(charset):
    """A client-declared charset that is an escape codec warns on bad escapes (an exception
    under -W error, as this suite runs), is a bytes-to-bytes codec, or is no codec at all:
    the body is still read (found by a property test: charset=unicode_escape and a stray
    backslash)."""
    body = b"\\\xc3\x97 id " + ADULT_ID.encode() + b" \\x \\u12"
    scan = inspect(body, f'text/plain; charset="{charset}"')
    assert scan.error is None and [f.subject.kind for f in scan.ids] == ["resident_id"]
