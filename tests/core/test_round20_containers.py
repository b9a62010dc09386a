"""Round 20 fixes (containers): the spellings past the red team's of its five container misses,
the clean look-alikes that stay clean, the refusals that stay refusals, and the bounds.

- Zstandard frames that name a dictionary are refused wherever they are a body; a stream whose
  header leaves no doubt (gzip, zstd, xz, bzip2) of which nothing inflates is refused; one
  damaged later is read up to the damage (a gzip with a bad CRC: all of it).
- multipart/byteranges: the ranges put back in range order and read whole as their type.
- RTF read as a reader shows it (\\ucN fallbacks skipped, hidden text and unshown
  destinations out), the earlier reading kept.
- JPEG / PNG held whole: the metadata of all their segments / chunks (compressed PNG text
  inflated), and what follows the image's end read as a body of its own (a motion photo's
  MP4 left as media is).
"""

from __future__ import annotations

import base64
import bz2
import gzip
import itertools
import json
import lzma
import struct
import time
import zlib

import pytest
import zstandard

from residency_gateway.core import payload
from residency_gateway.core.inspection import scan_held_body
from residency_gateway.core.payload import rtf_shown_text
from residency_gateway.core.values import Reason
from residency_gateway.regionmap.schema import RegionMap
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round19 import ID, JSON, MOBILE, inspected, j, kinds
from tests.core.test_redteam_round20 import (
    ARCHIVE,
    BYTERANGES,
    CN_UPLOAD,
    EXIF_WITH_THUMBNAIL,
    JFIF,
    RAW,
    SMALL_JPEG,
    XMP,
    byteranges,
    dict_zstd,
    gbk_fallback,
    jpeg,
    jpeg_segment,
    noise,
    png,
    png_chunk,
    rtf,
    tarred,
    zipped,
)
from tests.helpers import ADDR, region_map

SG_DOC = j({"name": "Tan Ah Kow", "phone": "+65 9123 4567", "nric": "S1234567D"})
FIRST_GEN = "110101900307123"  # a first-generation (15-digit) ID


def refused(body: bytes, content_type: str) -> Reason | None:
    result = inspected(body, content_type)
    return result.error


def multipart_file(body: bytes, ctype: str, name: str = "f.bin") -> tuple[bytes, str]:
    return (b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + name.encode()
            + b'"\r\nContent-Type: ' + ctype.encode() + b"\r\n\r\n" + body + b"\r\n--B--\r\n",
            "multipart/form-data; boundary=B")


# ---------------------------------------------------------------------------------------------
# Zstandard dictionaries and damaged streams


@pytest.mark.parametrize("where", ["application/zstd", "application/octet-stream", "",
                                   "multipart-octets", "zip-member", "tar-member", "gzip-inside",
                                   "base64-in-json", "sg-content"])
def test_dictionary_zstd_refused_wherever_it_is(where):
    frame = dict_zstd(SG_DOC.encode() if where == "sg-content" else CN_UPLOAD.encode())
    body, ctype = frame, where
    if where in ("multipart-octets",):
        body, ctype = multipart_file(frame, "application/octet-stream")
    elif where == "zip-member":
        body, ctype = zipped({"batch.json.zst": frame}), "application/zip"
    elif where == "tar-member":
        body, ctype = tarred({"batch.json.zst": frame}), "application/x-tar"
    elif where == "gzip-inside":
        body, ctype = gzip.compress(frame), "application/gzip"
    elif where == "base64-in-json":
        body, ctype = j({"batch": base64.b64encode(frame).decode()}).encode(), JSON
    elif where == "sg-content":
        ctype = "application/zstd"  # (unreadable whatever it holds: refused all the same)
    assert refused(body, ctype) is not None


def test_dictionary_frame_after_a_plain_frame_refused():
    plain = zstandard.ZstdCompressor().compress(SG_DOC.encode())
    body = plain * 3 + dict_zstd(CN_UPLOAD.encode())
    for ctype in ("application/zstd", "application/octet-stream", ""):
        assert refused(body, ctype) == Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE


def test_zstd_without_dictionary_still_read():
    one = zstandard.ZstdCompressor().compress(CN_UPLOAD.encode())
    assert found(one, "application/zstd") == {"id", "mobile"}
    two = zstandard.ZstdCompressor().compress(SG_DOC.encode()) + one  # concatenated frames
    assert found(two, "application/octet-stream") == {"id", "mobile"}
    assert found(zstandard.ZstdCompressor().compress(SG_DOC.encode()), "application/zstd") == set()


def bad_crc(member: bytes) -> bytes:
    return member[:-8] + bytes(b ^ 0xFF for b in member[-8:-4]) + member[-4:]


@pytest.mark.parametrize("body", [
    bad_crc(gzip.compress(CN_UPLOAD.encode())),  # gunzip writes it all, then complains
    gzip.compress(CN_UPLOAD.encode())[:-6],  # cut in the trailer
    lzma.compress(CN_UPLOAD.encode() + noise(50_000))[:-40],  # cut near the end
    zstandard.ZstdCompressor().compress(CN_UPLOAD.encode() + noise(50_000))[:-20],
], ids=["gzip-bad-crc", "gzip-cut-trailer", "xz-cut", "zstd-cut"])
def test_damaged_streams_read_up_to_the_damage(body):
    assert found(body, "application/octet-stream") & {"id", "mobile"}


@pytest.mark.parametrize("body", [
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + noise(300),  # a gzip header, then junk
    lzma.compress(CN_UPLOAD.encode())[:24],  # an xz cut in its first block
    bz2.compress(CN_UPLOAD.encode())[:20],
    b"(\xb5/\xfd\x00\x58" + noise(200),  # a zstd frame header, then junk
], ids=["gzip-junk", "xz-head-only", "bzip2-head-only", "zstd-junk"])
@pytest.mark.parametrize("content_type", ["application/octet-stream", "application/gzip", ""])
def test_streams_of_which_nothing_inflates_refused(body, content_type):
    assert refused(body, content_type) == Reason.MALFORMED_PAYLOAD


@pytest.mark.parametrize(("body", "content_type"), [
    (b"BZh9 is what bzip2 writes first; tel +65 9123 4567", "text/plain"),
    (b"\x1f\x8bnot gzip at all " + b"a" * 40, "application/octet-stream"),
    (b"x^2 + y^2 = 1, tel +65 9123 4567", "application/octet-stream"),
    (b"(\xb5/\xfd", "application/octet-stream"),  # a bare magic: no frame header
], ids=["bzip2-words", "gzip-magic-only", "zlib-like-text", "zstd-magic-only"])
def test_look_alikes_of_archives_not_refused(body, content_type):
    assert refused(body, content_type) is None


def test_dictionary_zstd_refusal_bounded():
    frame = dict_zstd((CN_UPLOAD * 20_000).encode())
    start = time.process_time()
    assert refused(frame, "application/zstd") == Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE
    assert time.process_time() - start < 1


# ---------------------------------------------------------------------------------------------
# multipart/byteranges


def ranged(doc: bytes, cuts: list[int], part_type: str, order: list[int] | None = None,
           total: str | None = None) -> bytes:
    bounds = [0, *cuts, len(doc)]
    parts = [b"--R\r\nContent-Type: " + part_type.encode() + b"\r\nContent-Range: bytes "
             + f"{a}-{b - 1}/{total or len(doc)}".encode() + b"\r\n\r\n" + doc[a:b] + b"\r\n"
             for a, b in itertools.pairwise(bounds)]
    return b"".join(parts[i] for i in (order or range(len(parts)))) + b"--R--\r\n"


CN_JSON = json.dumps({"name": "Zhang Wei", "tel": MOBILE, "id": ID}).encode()


@pytest.mark.parametrize(("doc", "part_type"), [
    (CN_JSON, "application/json"),  # (each piece alone is no JSON: refused before)
    (CN_JSON, "application/json; charset=utf-8"),
    (f"name=Zhang+Wei&tel={MOBILE}&id={ID}".encode(), "application/x-www-form-urlencoded"),
    (f"<kyc><tel>{MOBILE}</tel><id>{ID}</id></kyc>".encode(), "application/xml"),
    (gzip.compress(CN_JSON), "application/gzip"),  # (one gzip member cut into ranges)
    (("电话 " + MOBILE + " 身份证 " + ID).encode("utf-16-le"), "text/plain; charset=utf-16le"),
], ids=["json", "json-charset", "form", "xml", "gzip", "utf16"])
@pytest.mark.parametrize("order", [None, [2, 0, 1], [1, 2, 0]], ids=["in-order", "cab", "bca"])
def test_byteranges_read_whole(doc, part_type, order):
    cuts = [doc.find(MOBILE.encode()) + 5, doc.find(ID.encode()) + 9]
    if cuts[0] < 5 or cuts[1] < 9:
        cuts = [len(doc) // 3, 2 * len(doc) // 3]
    assert found(ranged(doc, cuts, part_type, order, total="*"), BYTERANGES) == {"id", "mobile"}


def test_byteranges_overlap_read_both_ways():
    """Two ranges over the same bytes: the first's and the later's readings."""
    doc = f"tel {MOBILE} ok".encode()
    first = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-8/20\r\n\r\n"
             b"tel 00000\r\n")
    later = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-19/20\r\n\r\n"
             + doc[4:] + b"\r\n--R--\r\n")
    assert found(first + later, BYTERANGES) == {"mobile"}
    clean_first = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-8/20\r\n\r\n"
                   b"tel 13912\r\n")
    hidden_later = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-8/20\r\n\r\n"
                    b"00000\r\n--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 9-19/20"
                    b"\r\n\r\n345678 ok..\r\n--R--\r\n")
    assert found(clean_first + hidden_later, BYTERANGES) == {"mobile"}


def test_byteranges_with_a_gap_read_apart():
    doc = f"a tel {MOBILE} b id {ID} c".encode()
    body = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-19/100\r\n\r\n"
            + doc[:20] + b"\r\n--R\r\nContent-Type: text/plain\r\nContent-Range: bytes "
            b"60-99/100\r\n\r\n" + doc[20:] + b"\r\n--R--\r\n")
    assert found(body, BYTERANGES) == {"id", "mobile"}


@pytest.mark.parametrize("body", [
    ranged(SG_DOC.encode(), [10, 30], "application/json", [1, 0, 2]),
    ranged(b"order 4000123412341234 total 139.50 SGD", [9, 20], "text/plain"),
    ranged(b"name,qty\nwidget,13\n912345678,4\n", [13, 22], "text/csv"),  # (parts of rows)
], ids=["sg-json", "card-and-amount", "csv-rows"])
def test_byteranges_clean_stay_clean(body):
    result = inspected(body, BYTERANGES)
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_byteranges_without_content_range_read_as_parts():
    assert found(byteranges([CSV_PIECE := f"tel,{MOBILE}\n", "x"], "text/csv").replace(
        "Content-Range", "X-Range"), BYTERANGES) == {"mobile"}
    assert CSV_PIECE


def test_byteranges_bounded():
    doc = (SG_DOC * 400).encode()
    body = ranged(doc, list(range(7, len(doc), 7)), "text/plain", total="*")
    start = time.process_time()
    result = inspected(body, BYTERANGES)
    assert time.process_time() - start < 10
    assert result.error is not None or kinds(result) == set()
    huge = (b"--R\r\nContent-Type: text/plain\r\nContent-Range: bytes 999999999999-"
            b"999999999999999/*\r\n\r\nabc\r\n--R\r\nContent-Type: text/plain\r\nContent-Range:"
            b" bytes 0-2/*\r\n\r\nxyz\r\n--R--\r\n")
    assert inspected(huge, BYTERANGES).error is None


# ---------------------------------------------------------------------------------------------
# RTF as a reader shows it


def uc(n: int, digits: str, fallback) -> str:
    return f"\\uc{n} " + "".join(f"\\u{0xFF10 + int(c) - 65536}" + fallback(c) for c in digits)


@pytest.mark.parametrize(("text", "kind"), [
    (uc(2, ID, lambda c: gbk_fallback(chr(0xFF10 + int(c)))), "id"),
    (uc(1, ID, lambda c: "?"), "id"),
    (uc(0, MOBILE, lambda c: ""), "mobile"),
    (uc(1, MOBILE, lambda c: " " + c), "mobile"),  # (a space delimiter, then the ANSI digit)
    (uc(2, MOBILE, lambda c: f"\\'a3\\'{0xb0 + int(c):02x}"), "mobile"),
    ("tel 139{\\v\\fs20 9999}1234{\\*\\bkmkstart a}{\\*\\bkmkend a}5678", "mobile"),
    ("tel 139\\v 0000\\v0 12345678", "mobile"),
    ("tel 139\\v 0000\\plain 12345678", "mobile"),
    ("tel 1391234{\\*\\generator Riched20 10.0.19041}5678", "mobile"),
    ("ID 110101{\\*\\shppict{\\pict\\pngblip 89504e47}}199003071233", "id"),
    ("tel {\\field{\\*\\fldinst HYPERLINK \"tel:" + MOBILE + "\"}{\\fldrslt call}}", "mobile"),
    ("{\\v hidden " + MOBILE + "} shown text", "mobile"),  # (the earlier reading is kept)
    ("tel 1391234\\u-10179?\\u-8704?5678", "mobile"),  # (an emoji as a surrogate pair)
], ids=["uc2-gbk-id", "uc1-question-id", "uc0", "uc1-spaced-digit", "uc2-gbk-hex",
        "hidden-group-and-bookmarks", "hidden-toggle", "hidden-plain", "generator",
        "picture", "field-instruction", "hidden-only", "surrogate-pair"])
def test_rtf_spellings_found(text, kind):
    body = rtf(text)
    for ctype in ("application/rtf", "text/rtf", "application/octet-stream", "application/msword"):
        assert kind in found(body, ctype), ctype


def test_rtf_shown_text():
    assert rtf_shown_text(rtf("a{\\fonttbl{\\f0 SimSun 139;}}b\\par c\\tab d")) == "ab\nc\td"
    assert rtf_shown_text(rtf("\\uc2 \\u-239\\'a3\\'b1x")) == "\uff11x"
    assert rtf_shown_text(rtf("{\\uc2 \\u-239}??")) == "\uff11??"  # (a group ends the skip)


@pytest.mark.parametrize("text", [
    "{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}{\\colortbl;\\red139\\green123\\blue45;}"
    "{\\*\\rsidtbl \\rsid13912345\\rsid678}\\paperw11906\\paperh16838 Hello",
    "\\uc2 " + "".join(f"\\u{ord(c)}" + gbk_fallback(c) for c in "你好，世界") + " order 1234",
    "{\\info{\\creatim\\yr2026\\mo11\\dy30\\hr13\\min9}{\\version139}{\\edmins12345678}}Hi",
], ids=["tables", "gbk-words", "info"])
def test_rtf_clean_stays_clean(text):
    result = inspected(rtf(text).encode(), "application/rtf")
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_rtf_bounded(monkeypatch):
    body = rtf("{\\b x}" * 100_000 + "tel " + MOBILE).encode()
    start = time.process_time()
    assert found(body, "application/rtf") == {"mobile"}
    assert time.process_time() - start < 10
    monkeypatch.setattr(payload, "MAX_RTF_TOKENS", 1000)
    assert refused(body, "application/rtf") == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


# ---------------------------------------------------------------------------------------------
# Image metadata past the head


def progressive(*between: bytes) -> bytes:
    """A JPEG of two scans, with segments between them (as progressive JPEGs have tables)."""
    scan = noise(3000).replace(b"\xff", b"\xff\x00")
    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    return JFIF + sos + scan + b"".join(between) + sos + scan + b"\xff\xd0" + scan + b"\xff\xd9"


@pytest.mark.parametrize(("body", "content_type"), [
    (png(png_chunk(b"IDAT", noise(9000)), png_chunk(b"zTXt", b"Author\x00\x00" + zlib.compress(
        ("身份证 " + ID).encode("latin-1", "replace") + b" tel " + MOBILE.encode()))),
     "image/png"),
    (png(png_chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00tel " + MOBILE.encode())), "image/png"),
    (png(png_chunk(b"iTXt", b"Title\x00\x01\x00zh-CN\x00\xe6\xa0\x87\xe9\xa2\x98\x00"
                   + zlib.compress(("手机 " + MOBILE).encode()))), "image/png"),
    (png(png_chunk(b"IDAT", noise(9000)), png_chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08"
                                                     + b"ImageDescription id " + ID.encode())),
     "image/png"),
    (jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL * 4), jpeg_segment(
        0xE1, XMP.replace(b"ID ", "身份证号 ".encode()))), "image/jpeg"),
    (jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL), jpeg_segment(0xED, b"Photoshop 3.0\x00"
                                                                 + b"8BIM caption tel "
                                                                 + MOBILE.encode())),
     "image/jpeg"),
    (progressive(jpeg_segment(0xFE, b"tel " + MOBILE.encode())), "image/jpeg"),
    (progressive(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL)) + b"\xff\xfe", "image/jpeg"),
], ids=["png-ztxt-after-idat", "png-itxt-plain", "png-itxt-cjk", "png-exif-after-idat",
        "jpeg-xmp-cjk-after-large-exif", "jpeg-iptc-after-exif", "jpeg-comment-between-scans",
        "jpeg-head-only-metadata-none"])
def test_image_metadata_anywhere_found(body, content_type):
    want = set() if body.endswith(b"\xff\xfe") else {"id", "mobile"}
    got = found(body, content_type)
    assert (got & want) if want else got == set()
    if want:  # (as a multipart file part too)
        assert found(*multipart_file(body, content_type)) & want


@pytest.mark.parametrize("body", [
    png(png_chunk(b"IDAT", noise(20_000)), png_chunk(b"tEXt", b"Software\x00darktable 4.6.1"),
        png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(
            b"exif\n 120\n" + noise(60).hex().encode()))),
    jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL * 5), jpeg_segment(
        0xFE, b"Created with GIMP 2.10.36, 20261130 134502")),
    progressive(jpeg_segment(0xC4, noise(400))),
], ids=["png-software", "jpeg-gimp", "progressive-tables"])
def test_clean_images_stay_clean(body):
    result = inspected(body, "image/png" if body.startswith(b"\x89PNG") else "image/jpeg")
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_image_text_bomb_bounded():
    bomb = png(png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"0" * 50_000_000, 9)))
    start = time.process_time()
    result = inspected(bomb, "image/png")
    assert time.process_time() - start < 5
    assert result.error is None or result.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


def test_image_of_many_segments_bounded():
    body = JFIF + jpeg_segment(0xFE, b"x") * 120_000 + b"\xff\xd9"
    start = time.process_time()
    assert refused(body, "image/jpeg") == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert time.process_time() - start < 5


# ---------------------------------------------------------------------------------------------
# What follows an image


def mp4(n: int = 20_000) -> bytes:
    return (struct.pack(">I", 24) + b"ftypisom\x00\x00\x02\x00isomiso2" + struct.pack(
        ">I", n + 8) + b"mdat" + noise(n, 3))


@pytest.mark.parametrize(("body", "content_type"), [
    (SMALL_JPEG + ARCHIVE, "image/jpeg"),
    (SMALL_JPEG + ARCHIVE, "application/octet-stream"),
    (SMALL_JPEG + ARCHIVE, ""),
    (png() + gzip.compress(RAW), "image/png"),
    (png() + bz2.compress(RAW), "image/png"),
    (jpeg() + lzma.compress(RAW), "image/jpeg"),
    (jpeg() + tarred({"a.json": RAW}), "image/jpeg"),
    (jpeg() + zstandard.ZstdCompressor().compress(RAW), "image/jpeg"),
    (jpeg() + jpeg() + ARCHIVE, "image/jpeg"),  # (a multi-picture JPEG, then the archive)
    (jpeg() + png() + ARCHIVE, "image/jpeg"),
    (progressive() + b"\n" + RAW, "image/jpeg"),
    (jpeg() + base64.b64encode(gzip.compress(RAW)), "image/jpeg"),
    (jpeg() + b"junk before the archive" + ARCHIVE, "image/jpeg"),
    (JFIF + b"\x00broken" + ARCHIVE, "image/jpeg"),  # (the image's end is not found)
], ids=["jpeg-zip", "jpeg-zip-octets", "jpeg-zip-untyped", "png-gzip", "png-bzip2", "jpeg-xz",
        "jpeg-tar", "jpeg-zstd", "mpf-then-zip", "jpeg-png-zip", "progressive-text",
        "jpeg-base64-gzip", "junk-then-zip", "broken-image-then-zip"])
def test_what_follows_an_image_read(body, content_type):
    assert found(body, content_type) == {"mobile"}
    assert found(*multipart_file(body, content_type or "image/jpeg")) == {"mobile"}


@pytest.mark.parametrize("body", [
    jpeg() + mp4(),  # Google motion photo
    jpeg() + b"MotionPhoto_Data" + mp4(),  # Samsung
    jpeg() + mp4() + b"SEFHSEFT" + b"\x00" * 40 + b"Image_UTC_Data1764508800000",
    jpeg() + b"\x00" * 4096,
    png() + b"\xff" * 100,
    jpeg() + jpeg(),
    SMALL_JPEG + j({"note": "thank you", "ref": "SG-2026-11-30"}).encode(),
    jpeg() + noise(300) + b"PK\x05\x06" + noise(30),  # (a zip's end by chance)
], ids=["google-motion", "samsung-motion", "samsung-sef", "zero-padding", "ff-padding",
        "mpf", "json-trailer", "eocd-by-chance"])
def test_ordinary_photos_stay_clean_and_forwarded(body):
    result = inspected(body, "image/jpeg")
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize("trailer", [
    dict_zstd(CN_UPLOAD.encode()),
    b"7z\xbc\xaf\x27\x1c" + noise(100),
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + noise(300),
], ids=["dictionary-zstd", "7z", "broken-gzip"])
def test_unreadable_things_after_an_image_refused(trailer):
    assert refused(jpeg() + trailer, "image/jpeg") is not None


def test_image_trailers_do_not_excuse():
    """An ID in an image's trailer is an ID whatever the label around it."""
    text = f"imei 35{FIRST_GEN[2:]} id {ID} tel +86 {MOBILE}".encode()
    assert found(SMALL_JPEG + gzip.compress(text), "image/jpeg") == {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Held or streamed: the shared rule (explain reads as the proxy does)


def test_images_held_up_to_the_bound_and_streamed_past_it():
    rmap = RegionMap.model_validate(region_map(payload={"max_inspect_bytes": 65536}))
    body = jpeg() + ARCHIVE
    held = scan_held_body(body, "image/jpeg", "", rmap, KEY, TODAY)
    assert any(p.jurisdiction == "CN" for p in held.phones), held.note
    big = jpeg() + noise(rmap.payload.max_inspect_bytes) + ARCHIVE
    streamed = scan_held_body(big, "image/jpeg", "", rmap, KEY, TODAY)
    assert "streamed uninspected" in streamed.note and not streamed.phones
    video = mp4() + ARCHIVE
    assert "streamed uninspected" in scan_held_body(video, "video/mp4", "", rmap, KEY,
                                                    TODAY).note


# ---------------------------------------------------------------------------------------------
# End to end: a Singapore client's image through a real gateway


async def test_e2e_image_with_appended_archive_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=jpeg() + ARCHIVE,
                                     headers={"Content-Type": "image/jpeg"})
    assert status != 200 or reply["region"] == "cn"


async def test_e2e_clean_photo_goes_to_sg_byte_for_byte(make_gateway, backends):
    gw = await make_gateway()
    photo = jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL)) + mp4()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=photo,
                                     headers={"Content-Type": "image/jpeg"})
    assert (status, reply["region"]) == (200, "sg")


async def test_e2e_metadata_past_the_head_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    body = jpeg(jpeg_segment(0xE1, EXIF_WITH_THUMBNAIL), jpeg_segment(0xE1, XMP))
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body,
                                     headers={"Content-Type": "image/jpeg"})
    assert status != 200 or reply["region"] == "cn"

