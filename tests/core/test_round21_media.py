"""Round 21 fixes (branch fix21-media): the images round 20 holds, read further and bounded.

- The compressed PNG text (zTXt, iTXt) of all a body's images inflates within one bound
  (MAX_IMAGE_TEXTS, max_inspect_bytes, the decompression ratio): past it refused as too complex.
- EXIF UserComment in its character codes: UNICODE in the block's byte order (UTF-16BE in a
  big-endian block), JIS (JIS X 0208, ISO-2022-JP, Shift_JIS), in a JPEG, a PNG eXIf, a WebP.
- Adobe Extended XMP put together in offset order before it is read.
- GIF and WebP are held and walked: their metadata anywhere, and what follows their end.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import struct
import time
import zlib

import pytest

from residency_gateway.core.payload import HELD_IMAGES, MAX_IMAGE_TEXTS, exif_comments
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round19 import ID, MOBILE, MOBILE2, inspected, kinds
from tests.core.test_redteam_round21 import (
    APPENDED_ZIP,
    exif_tiff,
    exif_user_comment,
    gif,
    gif_blocks,
    jpeg,
    jpeg_segment,
    noise,
    png_chunk,
    png_with,
    riff_chunk,
    webp,
)

TOO_MUCH = (Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT, Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def bounded(body: bytes, content_type: str, seconds: float = 2.0):
    start = time.process_time()
    result = inspected(body, content_type)
    assert time.process_time() - start < seconds
    return result


# ---------------------------------------------------------------------------------------------
# PNG text inflated within one bound for the body


ZEROS_1M = zlib.compress(b"0" * (1 << 20), 9)
HEX_300K = base64.b64encode(noise(225 << 10, 3))  # (text that compresses little)


@pytest.mark.parametrize(("chunk", "count"), [
    (png_chunk(b"zTXt", b"Comment\0\0" + ZEROS_1M), 80),
    (png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + ZEROS_1M), 80),
    (png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(HEX_300K, 9)), 8),
    (png_chunk(b"zTXt", b"Comment\0\0" + ZEROS_1M) + png_chunk(b"iTXt", b"Description\0\1\0"
                                                              b"\0\0" + ZEROS_1M), 40),
], ids=["ztxt-1m", "itxt-1m", "ztxt-300k", "mixed"])
def test_many_text_chunks_refused_together(chunk, count):
    result = bounded(png_with(chunk * count), "image/png")
    assert result.error in TOO_MUCH


def test_text_chunks_of_appended_pngs_bounded_together():
    """Two PNGs one after the other (each within the bound alone) share the body's bound."""
    chunk = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(HEX_300K, 9))
    one = png_with(chunk * 4)  # (4 x 300 KB: 1.2 MB, within MAX_IMAGE_TEXTS)
    assert 4 * len(HEX_300K) < MAX_IMAGE_TEXTS < 8 * len(HEX_300K)
    assert inspected(one, "image/png").error is None
    assert bounded(one + one, "image/png").error in TOO_MUCH


@pytest.mark.parametrize("text", [f"tel {MOBILE}", f"id {ID}"])
def test_real_text_chunks_still_read(text):
    """A large XMP packet (a 300 KB iTXt: an editor's history) and several text chunks are
    read, the value after them found."""
    xmp = (b"<x:xmpmeta>" + b"<rdf:li>" + HEX_300K + b"</rdf:li>" * 2 + text.encode()
           + b"</x:xmpmeta>")
    body = png_with(png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"edited " * 2000))
                    + png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + zlib.compress(xmp)))
    result = inspected(body, "image/png")
    assert result.error is None
    assert kinds(result) == ({"mobile"} if "tel" in text else {"id"})


def test_one_bomb_still_bounded():
    body = png_with(png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"0" * (40 << 20), 9)))
    result = bounded(body, "image/png", 5)
    assert result.error is None or result.error in TOO_MUCH


# ---------------------------------------------------------------------------------------------
# EXIF UserComment character codes


def sjis_comment(text: str) -> bytes:
    return exif_user_comment(b"JIS\0\0\0\0\0", text.encode("cp932"))


@pytest.mark.parametrize(("segment", "kind"), [
    (exif_user_comment(b"UNICODE\0", f"電話 {MOBILE}".encode("utf-16-be")), "mobile"),
    (exif_user_comment(b"UNICODE\0", f"身份证 {ID}".encode("utf-16-be")), "id"),
    (exif_user_comment(b"UNICODE\0", f"身份證 {ID}".encode("utf-16-le"), b"II"), "id"),
    (exif_user_comment(b"UNICODE\0", f"電話 {MOBILE}".encode("utf-16-le"), b"II"), "mobile"),
    (exif_user_comment(b"UNICODE\0", f"tel {MOBILE}".encode("utf-16")), "mobile"),  # (a BOM)
    (exif_user_comment(b"UNICODE\0", b"\xfe\xff" + f"tel {MOBILE}".encode("utf-16-be"),
                       b"II"), "mobile"),
    (exif_user_comment(b"JIS\0\0\0\0\0", f"電話{MOBILE}".translate(FULLWIDTH).encode(
        "iso2022_jp")), "mobile"),
    (sjis_comment(f"電話 {MOBILE}"), "mobile"),
    (sjis_comment(f"身分証 {ID}"), "id"),
    (exif_user_comment(b"JIS\0\0\0\0\0", f"tel {MOBILE}".encode()), "mobile"),
], ids=["be-cjk-mobile", "be-id", "le-cjk-id", "le-cjk-mobile", "bom", "bom-against-order",
        "iso-2022-jp-escapes", "shift-jis-mobile", "shift-jis-id", "jis-ascii"])
def test_user_comment_codes_read(segment, kind):
    assert kind in kinds(inspected(jpeg(segment), "image/jpeg"))


def test_user_comment_in_png_exif_and_webp_exif():
    block = exif_user_comment(b"UNICODE\0", f"電話 {MOBILE}".encode("utf-16-be"))[4:]
    assert "mobile" in kinds(inspected(png_with(png_chunk(b"eXIf", block[6:])), "image/png"))
    assert "mobile" in kinds(inspected(webp(20000, riff_chunk(b"EXIF", block)), "image/webp"))


@pytest.mark.parametrize("segment", [
    exif_user_comment(b"UNICODE\0", "Shot on iPhone 15 Pro 第二张".encode("utf-16-be")),
    exif_user_comment(b"UNICODE\0", "Serial 4331707501".encode("utf-16-be")),
    sjis_comment("運動会 2024年10月13日"),
    exif_user_comment(b"UNDEFINED", noise(64)),
], ids=["be-clean", "be-short-number", "shift-jis-date", "undefined-code"])
def test_user_comment_clean_stays_clean(segment):
    result = inspected(jpeg(segment), "image/jpeg")
    assert result.error is None
    assert kinds(result) == set()


def test_user_comment_entries_bounded():
    """A hostile EXIF block full of UserComment entries pointing everywhere: read up to a
    bound, fast."""
    entries = struct.pack(">HHII", 0x9286, 7, 60000, 8) * 5000
    block = b"MM\x00\x2a" + struct.pack(">I", 8) + entries
    start = time.process_time()
    exif_comments(block)
    assert time.process_time() - start < 0.5
    bounded(jpeg(jpeg_segment(0xE1, b"Exif\0\0" + block[:60000])), "image/jpeg")


# ---------------------------------------------------------------------------------------------
# Extended XMP


ICC = jpeg_segment(0xE2, b"ICC_PROFILE\0\1\1" + noise(6000, 7))  # (binary first 4 KB: a photo)


def extended(packet: bytes, cuts: list[int], order: list[int] | None = None) -> bytes:
    guid = hashlib.md5(packet).hexdigest().upper().encode()
    bounds = [0, *cuts, len(packet)]
    pieces = [(a, packet[a:b]) for a, b in itertools.pairwise(bounds)]
    if order:
        pieces = [pieces[i] for i in order]
    return ICC + b"".join(
        jpeg_segment(0xE1, b"http://ns.adobe.com/xmp/extension/\0" + guid
                     + struct.pack(">II", len(packet), offset) + piece)
        for offset, piece in pieces)


def packet_with(text: str) -> bytes:
    return (b'<x:xmpmeta><rdf:Description GDepth:Data="' + b"Qk" * 2000 + b'" dc:title="'
            + text.encode() + b'"/></x:xmpmeta>')


@pytest.mark.parametrize(("text", "value", "order"), [
    (f"tel {MOBILE}", MOBILE, [2, 0, 1]),
    (f"id {ID}", ID, [1, 2, 0]),
    (f"tel +86 {MOBILE2}", MOBILE2, None),
    (f"id {ID}", ID, [2, 1, 0]),
], ids=["mobile-three-pieces", "id-three-pieces", "e164-in-order", "id-reversed"])
def test_extended_xmp_cut_in_three_read(text, value, order):
    packet = packet_with(text)
    at = packet.index(value.encode())
    body = jpeg(extended(packet, [at + 3, at + 7], order))
    assert kinds(inspected(body, "image/jpeg")) & {"id", "mobile"}


def test_extended_xmp_overlapping_pieces_and_two_guids():
    packet = packet_with(f"tel {MOBILE}")
    at = packet.index(MOBILE.encode())
    guid = hashlib.md5(packet).hexdigest().upper().encode()
    overlapping = b"".join(jpeg_segment(0xE1, b"http://ns.adobe.com/xmp/extension/\0" + guid
                                        + struct.pack(">II", len(packet), off) + piece)
                           for off, piece in ((0, packet[:at + 6]), (at + 2, packet[at + 2:])))
    other = extended(packet_with("nothing here"), [100])
    assert "mobile" in kinds(inspected(jpeg(other + overlapping), "image/jpeg"))


def test_extended_xmp_gap_keeps_values_apart():
    """A missing piece: the numbers on either side are not joined into one."""
    packet = b'<x:xmpmeta dc:a="code 139' + b"X" * 100 + b'12345678 end"/>'
    body = jpeg(extended(packet, [25, 125], [0, 2]))
    assert kinds(inspected(body, "image/jpeg")) == set()


def test_extended_xmp_clean_depth_map_stays_clean():
    packet = packet_with("Portrait depth, focus 0.7, 2024:10:13 10:22:31")
    result = inspected(jpeg(extended(packet, [1000, 2500], [1, 0, 2])), "image/jpeg")
    assert result.error is None
    assert kinds(result) == set()


# ---------------------------------------------------------------------------------------------
# GIF and WebP held and walked


MEDIA_TEXT = f"tel {MOBILE} id {ID}".encode()
XMP = b'<x:xmpmeta><rdf:Description dc:description="' + MEDIA_TEXT + b'"/></x:xmpmeta>'


def gif_frame(pixels: int, seed: int = 1) -> bytes:
    return b"\x2c" + struct.pack("<HHHHB", 0, 0, 10, 10, 0) + b"\x08" + gif_blocks(
        noise(pixels, seed))


def test_gif_and_webp_held():
    assert {"gif", "webp"} <= HELD_IMAGES


@pytest.mark.parametrize("body", [
    gif(20000, gif_frame(20000, 2) + b"\x21\xfe" + gif_blocks(MEDIA_TEXT)),
    gif(20000, b"\x21\x01" + gif_blocks(b"\0" * 12 + MEDIA_TEXT)),
    gif(20000, b"\x21\xff" + gif_blocks(b"MYAPP   1.0" + MEDIA_TEXT)),
    # (Adobe writes XMP unblocked: its own bytes are the "lengths", a 258-byte ramp ends it)
    gif(20000, b"\x21\xff\x0bXMP DataXMP" + XMP + b"\x01" + bytes(range(255, -1, -1))
        + b"\x00"),
    b"GIF87a" + gif(20000, b"\x21\xfe" + gif_blocks(MEDIA_TEXT))[6:],
    (b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x81, 0, 0) + b"\0" * 12
     + gif(20000, b"\x21\xfe" + gif_blocks(MEDIA_TEXT))[19:]),
], ids=["comment-after-second-frame", "plain-text", "application", "adobe-raw-xmp", "gif87a",
        "global-colour-table"])
def test_gif_metadata_anywhere_read(body):
    assert kinds(inspected(body, "image/gif")) == {"id", "mobile"}


@pytest.mark.parametrize("body", [
    webp(20001, riff_chunk(b"XMP ", XMP)),
    webp(20000, riff_chunk(b"ICCP", noise(3001)) + riff_chunk(b"EXIF", exif_tiff(MEDIA_TEXT))),
    webp(20000, riff_chunk(b"EXIF", b"Exif\0\0" + exif_tiff(MEDIA_TEXT))),
], ids=["xmp-after-odd-bitstream", "exif-after-odd-iccp", "exif-with-prefix"])
def test_webp_metadata_anywhere_read(body):
    assert kinds(inspected(body, "image/webp")) == {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (gif(20000, gif_frame(5000), APPENDED_ZIP), "image/gif"),
    (gif(20000, b"", gzip.compress(MEDIA_TEXT)), "image/gif"),
    (gif(20000, b"", b"\n" + MEDIA_TEXT), "application/octet-stream"),
    (webp(20001, b"") + gzip.compress(MEDIA_TEXT), "image/webp"),
    (webp(20000, riff_chunk(b"XMP ", b"<x/>")) + APPENDED_ZIP, "application/octet-stream"),
    (webp(20000, b"") + gif(3000, b"", MEDIA_TEXT), "image/webp"),
    (gif(20000, b"") + webp(3000, b"") + MEDIA_TEXT, "image/gif"),
], ids=["gif-two-frames-zip", "gif-gzip", "gif-text-octets", "webp-gzip", "webp-zip-octets",
        "webp-then-gif-then-text", "gif-then-webp-then-text"])
def test_data_after_gif_or_webp_read(body, content_type):
    assert kinds(inspected(body, content_type)) == {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (gif(20000, gif_frame(20000, 3) + b"\x21\xfe" + gif_blocks(b"GIF by 2024-10-13 #1391")),
     "image/gif"),
    (gif(200000, b""), "image/gif"),
    (webp(200000, riff_chunk(b"XMP ", b"<x:xmpmeta>Created 2024:10:13</x:xmpmeta>")),
     "image/webp"),
    (gif(20000, b"")[:-1], "image/gif"),  # (no trailer: truncated)
    (webp(20000, b"")[:15000], "image/webp"),  # (truncated)
], ids=["gif-comment-clean", "gif-large", "webp-large", "gif-truncated", "webp-truncated"])
def test_clean_gif_and_webp_stay_clean(body, content_type):
    result = inspected(body, content_type)
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    (gif(100, b"\x21\xfe" + b"\x01a" * 300000 + b"\x00"), "image/gif"),
    (gif(100, (b"\x21\xfe\x01a\x00") * 300000), "image/gif"),
    (webp(100, riff_chunk(b"JUNK", b"") * 300000), "image/webp"),
], ids=["gif-one-byte-blocks", "gif-many-comments", "webp-many-chunks"])
def test_hostile_gif_and_webp_bounded(body, content_type):
    result = bounded(body, content_type, 3)
    assert result.error is None or result.error in TOO_MUCH


# ---------------------------------------------------------------------------------------------
# TIFF and HEIC held and walked


def tiff_be(pixels: int, entries: list[tuple[int, int, bytes]]) -> bytes:
    """A big-endian TIFF: the strip first, then the IFD, then its values (tag, type, data)."""
    strip = noise(pixels, 4)
    ifd_at = 8 + len(strip)
    values_at = ifd_at + 2 + 12 * len(entries) + 4
    ifd, values = struct.pack(">H", len(entries)), b""
    for tag, kind, data in entries:
        ifd += struct.pack(">HHII", tag, kind, len(data), values_at + len(values))
        values += data
    return b"MM\x00\x2a" + struct.pack(">I", ifd_at) + strip + ifd + b"\0\0\0\0" + values


@pytest.mark.parametrize("body", [
    tiff_be(20000, [(0x010E, 2, b"Scan " + MEDIA_TEXT + b"\0")]),
    tiff_be(20000, [(0x0131, 2, b"ScanApp 2.1\0"), (0x02BC, 1, XMP)]),
    tiff_be(20000, [(0x013B, 2, b"Clerk\0"), (0x9C9C, 1, MEDIA_TEXT.decode().encode(
        "utf-16-le"))]),
], ids=["description-big-endian", "xmp-tag-700", "xp-comment"])
def test_tiff_tags_at_the_end_read(body):
    assert kinds(inspected(body, "image/tiff")) == {"id", "mobile"}


def test_tiff_exif_sub_ifd_user_comment_read():
    comment = b"UNICODE\0" + f"電話 {MOBILE}".encode("utf-16-be")
    strip = noise(20000, 5)
    ifd_at = 8 + len(strip)
    exif_at = ifd_at + 2 + 12 + 4
    value_at = exif_at + 2 + 12 + 4
    body = (b"MM\x00\x2a" + struct.pack(">I", ifd_at) + strip
            + struct.pack(">HHHII", 1, 0x8769, 4, 1, exif_at) + b"\0\0\0\0"
            + struct.pack(">HHHII", 1, 0x9286, 7, len(comment), value_at) + b"\0\0\0\0"
            + comment)
    assert "mobile" in kinds(inspected(body, "image/tiff"))


@pytest.mark.parametrize("body", [
    tiff_be(20000, [(0x010E, 2, b"Scanned 2024:10:13 page 1391\0")]),
    tiff_be(200000, [(0x0131, 2, b"ScanApp 2.1\0")]),
    tiff_be(20000, [(0x010E, 2, b"x\0")])[:12000],  # (truncated)
], ids=["clean", "large-clean", "truncated"])
def test_clean_tiff_stays_clean(body):
    result = inspected(body, "image/tiff")
    assert result.error is None, result.note
    assert kinds(result) == set()


@pytest.mark.parametrize("body", [
    # (an IFD that points at itself as its next IFD and as its Exif IFD)
    b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x8769, 4, 1, 8)
    + struct.pack("<I", 8),
    # (thousands of ASCII entries all pointing at one 1 MB value)
    b"II*\x00" + struct.pack("<IH", 8, 4000) + struct.pack("<HHII", 0x010E, 2, 1 << 20, 8)
    * 4000 + b"\0\0\0\0" + noise(1 << 20, 6),
], ids=["ifd-loop", "entries-on-one-value"])
def test_hostile_tiff_bounded(body):
    result = bounded(body, "image/tiff", 3)
    assert result.error is None or result.error in TOO_MUCH


def iso_box(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", 8 + len(data)) + kind + data


@pytest.mark.parametrize("body", [
    iso_box(b"ftyp", b"heic\0\0\0\0mif1heic") + iso_box(b"mdat", noise(20000, 8) + XMP),
    iso_box(b"ftyp", b"avif\0\0\0\0mif1avif") + iso_box(b"mdat", noise(20000, 8)
                                                        + b"\0\0\0\x06Exif\0\0"
                                                        + exif_tiff(MEDIA_TEXT)),
    iso_box(b"ftyp", b"heic\0\0\0\0mif1heic") + iso_box(b"mdat", noise(20000, 8))
    + iso_box(b"meta", b"\0" * 4 + iso_box(b"idat", XMP)),
], ids=["heic-xmp-item", "avif-exif-item", "heic-meta-after-mdat"])
def test_heic_items_read(body):
    assert kinds(inspected(body, "image/heic")) == {"id", "mobile"}


def test_heic_clean_and_followed_by_text():
    head = iso_box(b"ftyp", b"heic\0\0\0\0mif1heic") + iso_box(b"mdat", noise(200000, 9))
    clean = inspected(head, "image/heic")
    assert clean.error is None
    assert kinds(clean) == set()
    assert kinds(inspected(head + b"\n" + MEDIA_TEXT, "image/heic")) == {"id", "mobile"}


def test_user_comment_behind_decoy_entries_read():
    """Entries that look like UserComment entries (pointing nowhere, or at no code) ahead of
    the real one do not use up the comments read."""
    comment = b"UNICODE\0" + f"電話 {MOBILE}".encode("utf-16-be")
    decoys = struct.pack(">HHII", 0x9286, 7, 40, 12) * 40
    at = 8 + 2 + 12 * 41 + 4
    block = (b"MM\x00\x2a" + struct.pack(">IH", 8, 41) + decoys
             + struct.pack(">HHII", 0x9286, 7, len(comment), at) + b"\0\0\0\0" + comment)
    assert exif_comments(block) == [f"電話 {MOBILE}"]
    assert "mobile" in kinds(inspected(jpeg(jpeg_segment(0xE1, b"Exif\0\0" + block)),
                                       "image/jpeg"))
