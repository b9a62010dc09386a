"""Round 22 fixes, media: what follows a TIFF of any size (its end from its IFDs, values and
strips), audio (MP3, WAV, FLAC, Ogg), WebM and JPEG 2000 held up to max_inspect_bytes and
walked (metadata wherever it stands, cover art read as a body, samples skipped), and a held
body whose structure breaks after its signature read as data past the break.

Clean look-alikes stay clean: pixels and samples that are ASCII digits inside a whole
structure are not read (as before), padding of zeros is nothing. Bounds: many frames, blocks
or elements within a generous CPU time."""

from __future__ import annotations

import datetime as dt
import gzip
import struct
import time
import zlib

import pytest

from residency_gateway.core.inspection import held_image, scan_held_body, streamed_media
from residency_gateway.core.payload import HELD_MEDIA, MAX_IMAGE_SEGMENTS, MAX_LOOSE_BODIES
from residency_gateway.regionmap.schema import PayloadInspection, RegionMap
from tests.core.test_redteam_round22 import (
    COMM,
    ID,
    INFO,
    JFIF_APP0,
    PCM,
    SPOKEN,
    TRAILER,
    VORBIS,
    flac,
    id3_frame,
    kinds,
    mp3,
    riff_chunk,
    scan,
    synchsafe,
    tiff,
    wav,
)
from tests.helpers import region_map

FIRST_GENERATION = "110101900307123"
LABELLED = ("身份证 " + FIRST_GENERATION).encode()
DIGIT_SAMPLES = b"13912345678" * 400  # (pixels / samples that are ASCII digits)


def found(body: bytes, content_type: str) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


def clean(body: bytes, content_type: str) -> bool:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return not result.ids and not result.phones


# ---------------------------------------------------------------------------------------------
# TIFF: its end from its structure


def tiled_tiff(tiles: int, big_endian: bool = False) -> bytes:
    """A TIFF of `tiles` 16x16 tiles (TileOffsets / TileByteCounts as LONG arrays), its IFD
    last."""
    e = ">" if big_endian else "<"
    tile = bytes((i * 13) % 251 for i in range(256))
    data = tile * tiles
    offsets_at = 8 + len(data)
    counts_at = offsets_at + 4 * tiles
    ifd_at = counts_at + 4 * tiles
    entries = [(256, 4, 1, 16 * tiles), (257, 3, 1, 16), (258, 3, 1, 8), (322, 3, 1, 16),
               (323, 3, 1, 16), (324, 4, tiles, offsets_at), (325, 4, tiles, counts_at)]
    ifd = struct.pack(e + "H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack(e + "HHI", tag, kind, count) + (
            struct.pack(e + "H", value) + b"\0\0" if kind == 3 and count == 1
            else struct.pack(e + "I", value))
    ifd += struct.pack(e + "I", 0)
    offsets = b"".join(struct.pack(e + "I", 8 + 256 * n) for n in range(tiles))
    counts = struct.pack(e + f"{tiles}I", *([256] * tiles))
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", ifd_at)
    return head + data + offsets + counts + ifd


@pytest.mark.parametrize("pixels", [2000, 5000, 20000, 200000])
@pytest.mark.parametrize(("ifd_last", "big_endian"), [(False, False), (True, False),
                                                      (False, True), (True, True)])
@pytest.mark.parametrize("trailer", [
    TRAILER, b"\n" + LABELLED, gzip.compress(TRAILER), zlib.compress(TRAILER),
    b"%PDF-1.4\n(ID " + ID.encode() + b")", ("\n身份证 " + ID).encode("utf-16"),
], ids=["text", "first-generation", "gzip", "zlib", "pdf", "utf16"])
def test_what_follows_a_tiff_of_any_size_found(pixels, ifd_last, big_endian, trailer):
    assert found(tiff(pixels, ifd_last, big_endian) + trailer, "image/tiff") == {"id"}


@pytest.mark.parametrize("big_endian", [False, True])
def test_what_follows_a_tiled_tiff_found(big_endian):
    body = tiled_tiff(300, big_endian)
    assert clean(body, "image/tiff")
    assert found(body + TRAILER, "image/tiff") == {"id"}
    assert found(body + TRAILER, "application/octet-stream") == {"id"}


@pytest.mark.parametrize("ifd_last", [False, True])
def test_tiff_pixels_and_padding_stay_unread(ifd_last):
    # pixels that are ASCII digits (a dim frame) inside a whole TIFF are not read; zeros
    # after it are padding
    body = bytearray(tiff(50000, ifd_last))
    at = body.find(bytes((i * 7) % 251 for i in range(100)))
    body[at:at + len(DIGIT_SAMPLES)] = DIGIT_SAMPLES
    assert clean(bytes(body), "image/tiff")
    assert clean(bytes(body) + bytes(4000), "image/tiff")
    assert "after the image" not in scan(bytes(body) + bytes(4000), "image/tiff").note


def test_a_tiff_whose_ifd_lies_past_its_end_read_as_data():
    body = tiff(20000)
    broken = body[:4] + struct.pack("<I", 10 ** 6) + body[8:] + TRAILER
    result = scan(broken, "image/tiff")
    assert kinds(result) == {"id"} and "structure broken" in result.note


# ---------------------------------------------------------------------------------------------
# Audio and WebM: held and walked


def id3v23(*frames: bytes) -> bytes:
    """An ID3v2.3 tag (plain 32-bit frame sizes), then MPEG frames."""
    tag = b"".join(frames)
    return b"ID3\x03\x00\x00" + synchsafe(len(tag)) + tag + (b"\xff\xfb\x90\x64" + bytes(413)) * 50


def frame23(fid: bytes, data: bytes, flags: bytes = b"\0\0") -> bytes:
    return fid + struct.pack(">I", len(data)) + flags + data


def jpeg_with_comment(text: bytes) -> bytes:
    return (b"\xff\xd8" + JFIF_APP0 + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text
            + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + bytes(range(1, 200)) * 100
            + b"\xff\xd9")


COVER = id3_frame(b"APIC", b"\x00image/jpeg\x00\x03\x00" + jpeg_with_comment(b"cover"))
UTF16_COMM = id3_frame(b"COMM", b"\x01eng" + "\ufeff\0".encode("utf-16-le")
                       + ("\ufeff身份证 " + ID).encode("utf-16-le"))


def ogg_page(body: bytes, granule: int, seq: int) -> bytes:
    lacing = bytes([255] * (len(body) // 255) + [len(body) % 255])
    return (b"OggS\x00" + (b"\x02" if seq == 0 else b"\x00") + struct.pack("<qII", granule, 7, seq)
            + b"\0\0\0\0" + bytes([len(lacing)]) + lacing + body)


def ogg(comment_magic: bytes, head: bytes, comments: bytes, audio_pages: int = 20) -> bytes:
    pages = [ogg_page(head, 0, 0), ogg_page(comment_magic + comments, 0, 1)]
    pages += [ogg_page(bytes((i * 31 + n) % 256 for i in range(4000)), 960 * (n + 1), n + 2)
              for n in range(audio_pages)]
    return b"".join(pages)


def ebml(eid: int, value: bytes, unknown: bool = False) -> bytes:
    raw_id = eid.to_bytes((eid.bit_length() + 7) // 8, "big")
    if unknown:
        return raw_id + b"\x01\xff\xff\xff\xff\xff\xff\xff" + value
    return raw_id + b"\x01" + len(value).to_bytes(7, "big") + value


def webm(tags: bytes, clusters: int = 40, block: bytes = bytes(range(256)) * 40) -> bytes:
    """MediaRecorder-style WebM: EBML header, a Segment and Clusters of unknown size, Tags
    after the clusters."""
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, b"webm"))
    info = ebml(0x1549A966, ebml(0x2AD7B1, b"\x0f\x42\x40") + ebml(0x4D80, b"Chrome")
                + ebml(0x5741, b"Chrome"))
    tracks = ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01") + ebml(0x73C5, b"\x12\x34")
                                   + ebml(0x83, b"\x01") + ebml(0x86, b"V_VP8")
                                   + ebml(0xE0, ebml(0xB0, b"\x02\x80") + ebml(0xBA, b"\x01\xe0"))))
    body = b"".join(ebml(0x1F43B675, ebml(0xE7, bytes([n])) + ebml(0xA3, b"\x81\0\0\x80" + block),
                         unknown=True) for n in range(clusters))
    return header + ebml(0x18538067, info + tracks + body + tags, unknown=True)


def webm_tags(value: bytes) -> bytes:
    return ebml(0x1254C367, ebml(0x7373, ebml(0x63C0, b"") + ebml(
        0x67C8, ebml(0x45A3, b"COMMENT") + ebml(0x4487, value))))


def jp2(*boxes: bytes) -> bytes:
    return b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"".join(boxes)


def box(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", 8 + len(data)) + kind + data


PICTURE = b"METADATA_BLOCK_PICTURE=" + b"QUJD" * 5000
BIG_OPUS_TAGS = (struct.pack("<I", 6) + b"ffmpeg" + struct.pack("<I", 2)
                 + struct.pack("<I", len(PICTURE)) + PICTURE
                 + struct.pack("<I", len(b"COMMENT=" + SPOKEN)) + b"COMMENT=" + SPOKEN)
J2C = b"\xff\x4f\xff\x51" + struct.pack(">H", 41) + bytes(39) + b"\xff\x90\x00\x0a\x00\x00" + \
    struct.pack(">I", 12 + 30000) + b"\x00\x01" + b"\xff\x93" + bytes(range(1, 250)) * 120 + b"\xff\xd9"


@pytest.mark.parametrize(("body", "content_type"), [
    (mp3(COVER, COMM), "audio/mpeg"),
    (mp3(COVER, UTF16_COMM), "audio/mpeg"),
    (mp3(COVER, id3_frame(b"TXXX", b"\x03note\x00" + LABELLED)), "audio/mpeg"),
    (mp3(COVER, id3_frame(b"TIT2", b"\x02" + ("身份证 " + ID).encode("utf-16-be"))), "audio/mpeg"),
    (mp3(COVER, id3_frame(b"PRIV", b"app\x00" + SPOKEN)), "audio/mpeg"),
    (mp3(id3_frame(b"APIC", b"\x00image/jpeg\x00\x03cover\x00" + jpeg_with_comment(SPOKEN))),
     "audio/mpeg"),
    (id3v23(frame23(b"APIC", b"\x00image/png\x00\x03\x00" + bytes(30000)),
            frame23(b"COMM", b"\x03eng\x00" + SPOKEN)), "audio/mpeg"),
    (id3v23(frame23(b"APIC", b"\x00image/png\x00\x03\x00" + bytes(30000)),
            frame23(b"COMM", struct.pack(">I", 200) + zlib.compress(b"\x03eng\x00" + SPOKEN),
                    b"\x00\x80")), "audio/mpeg"),
    (mp3(COVER, id3_frame(b"TIT2", b"\x03ok")) + b"\0" * 3000 + SPOKEN, "audio/mpeg"),
    (mp3(COVER) + b"TAG" + ID.encode().ljust(30, b"\0") + bytes(95), "audio/mpeg"),
    (wav(PCM, INFO), "audio/wav"),
    (wav(PCM, INFO), "audio/x-wav"),
    (wav(PCM, riff_chunk(b"LIST", b"INFO" + riff_chunk(b"INAM", LABELLED + b"\0"))), "audio/wav"),
    (wav(PCM, riff_chunk(b"iXML", b"<BWFXML><NOTE>" + SPOKEN + b"</NOTE></BWFXML>")), "audio/wav"),
    (wav(PCM, riff_chunk(b"id3 ", b"ID3\x04\x00\x00" + synchsafe(len(COMM)) + COMM)), "audio/wav"),
    (wav(PCM) + SPOKEN, "audio/wav"),
    (flac((1, bytes(20000)), (4, VORBIS)), "audio/flac"),
    (flac((6, bytes(20000)), (4, VORBIS)), "audio/flac"),
    (flac((2, b"riff" + bytes(20000) + SPOKEN)), "audio/flac"),
    (flac((1, bytes(20000) + SPOKEN)), "audio/flac"),
    (flac((6, struct.pack(">II", 3, 10) + b"image/jpeg" + struct.pack(">I", 5) + b"cover"
          + bytes(16) + struct.pack(">I", 9000) + jpeg_with_comment(SPOKEN)),), "audio/flac"),
    (ogg(b"\x03vorbis", b"\x01vorbis" + bytes(23), VORBIS[0:] + b"\x01"), "audio/ogg"),
    (ogg(b"OpusTags", b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0", VORBIS), "audio/ogg"),
    (ogg(b"OpusTags", b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0", VORBIS) + SPOKEN,
     "audio/ogg"),
    (ogg(b"OpusTags", b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0", BIG_OPUS_TAGS),
     "audio/ogg"),
    (webm(webm_tags(SPOKEN)), "video/webm"),
    (webm(webm_tags(LABELLED)), "audio/webm"),
    (webm(ebml(0x1254C367, ebml(0x7373, ebml(0x67C8, ebml(0x45A3, b"ID") + ebml(
        0x4485, b"\0\0" + SPOKEN))))), "video/webm"),
    (webm(ebml(0xEC, bytes(100) + SPOKEN)), "video/webm"),
    (webm(b"") + SPOKEN, "video/webm"),
    (webm(b"") + ebml(0x1941A469, ebml(0x61A7, ebml(0x466E, b"id.txt") + ebml(0x465C, SPOKEN))),
     "video/webm"),
    (jp2(box(b"ftyp", b"jp2 \0\0\0\0jp2 "), box(b"jp2c", bytes(range(256)) * 100),
         box(b"xml ", b"<x>" + SPOKEN + b"</x>")), "image/jp2"),
    (jp2(box(b"ftyp", b"jp2 \0\0\0\0jp2 "), box(b"jp2c", bytes(range(256)) * 100)) + SPOKEN,
     "image/jp2"),
    (J2C + SPOKEN, "image/jp2"),
], ids=["id3-comm-after-cover", "id3-utf16-comm", "id3-txxx-first-generation", "id3-utf16be",
        "id3-priv", "id3-cover-art-comment", "id3v23-after-cover", "id3v23-compressed",
        "mp3-text-after-frames", "id3v1-tail", "wav-info-after-data", "x-wav",
        "wav-inam-first-generation", "wav-ixml", "wav-id3-chunk", "wav-text-after-riff",
        "flac-after-padding", "flac-after-picture", "flac-application", "flac-in-padding",
        "flac-cover-art-comment", "ogg-vorbis", "ogg-opus", "ogg-text-after-pages", "ogg-after-cover-art",
        "webm-tags-after-clusters", "webm-audio-first-generation", "webm-tag-binary",
        "webm-void", "webm-text-after", "webm-attachment", "jp2-xml-after-codestream",
        "jp2-text-after", "j2k-text-after"])
def test_audio_webm_and_jp2_metadata_anywhere_found(body, content_type):
    assert len(body) > 8000
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (mp3(COVER, id3_frame(b"TIT2", b"\x03Track 01"), id3_frame(b"TPE1", b"\x03Zhang Wei")),
     "audio/mpeg"),
    (b"ID3\x04\x00\x00" + synchsafe(10) + id3_frame(b"TIT2", b"\x03ok") + bytes(0)
     + (b"\xff\xfb\x90\x64" + DIGIT_SAMPLES[:413]) * 40, "audio/mpeg"),
    (wav(riff_chunk(b"data", DIGIT_SAMPLES), riff_chunk(b"LIST", b"INFO" + riff_chunk(
        b"ISFT", b"Lavf58.76.100\0"))), "audio/wav"),
    (wav(riff_chunk(b"data", DIGIT_SAMPLES * 4)), "audio/wav"),
    (flac((4, VORBIS.replace(SPOKEN, b"x" * len(SPOKEN))), (1, bytes(8000))), "audio/flac"),
    (ogg(b"OpusTags", b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0",
         VORBIS.replace(SPOKEN, b"y" * len(SPOKEN))), "audio/ogg"),
    (webm(webm_tags(b"Zhang Wei"), block=DIGIT_SAMPLES), "video/webm"),
    (webm(webm_tags(b"ok")) + bytes(3000), "video/webm"),
    (jp2(box(b"ftyp", b"jp2 \0\0\0\0jp2 "), box(b"jp2c", DIGIT_SAMPLES * 3)), "image/jp2"),
], ids=["mp3-tags", "mp3-digit-samples", "wav-digit-samples", "wav-digit-samples-only",
        "flac", "ogg", "webm-digit-samples", "webm-zero-padding", "jp2-digit-codestream"])
def test_clean_audio_and_webm_stay_clean(body, content_type):
    result = scan(body, content_type)
    assert result.error is None and not result.ids and not result.phones, result.note
    assert "structure broken" not in result.note


# ---------------------------------------------------------------------------------------------
# A signature then something else


@pytest.mark.parametrize("filler", [bytes(6000), b"\xaa" * 30000, bytes(range(256)) * 40,
                                    b"\xff" * 9000 + b"\x01" * 9000],
                         ids=["zeros", "aa", "bytes", "ff-01"])
@pytest.mark.parametrize(("head", "content_type"), [
    (b"\xff\xd8" + JFIF_APP0, "image/jpeg"),
    (b"\xff\xd8\xff\xe1" + struct.pack(">H", 30) + b"Exif\0\0II*\0" + bytes(18), "image/jpeg"),
    (b"GIF87a" + struct.pack("<HH", 1, 1) + b"\0\0\0", "image/gif"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(13) + b"\0\0\0\0", "image/png"),
    (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    (b"RIFF\xff\xff\xff\xffWAVE" + riff_chunk(b"fmt ", bytes(16)), "audio/wav"),
    (b"fLaC\x80\x00\x00\x22" + bytes(34), "audio/flac"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"OggS\x00\x02" + bytes(20) + b"\x01\x1e" + b"\x01vorbis" + bytes(23), "audio/ogg"),
    (b"\x1aE\xdf\xa3\x84\x42\x86\x81\x01", "video/webm"),
    (b"\xff\x4f\xff\x51\x00\x04\0\0", "image/jp2"),
], ids=["jpeg", "jpeg-exif", "gif87", "png-ihdr", "tiff-mm", "wav-fmt", "flac-streaminfo",
        "id3-empty", "ogg-page", "webm-header", "j2k"])
@pytest.mark.parametrize("content_type_declared", [True, False], ids=["declared", "octet"])
def test_text_behind_a_signature_read_or_refused(head, content_type, filler,
                                                 content_type_declared):
    body = head + filler + SPOKEN
    result = scan(body, content_type if content_type_declared else "application/octet-stream")
    assert result.error is not None or kinds(result) == {"id"}, result.note


# ---------------------------------------------------------------------------------------------
# The gateway's reading: audio and WebM up to max_inspect_bytes are held, video streams


def test_audio_and_webm_held_video_streams():
    conf = PayloadInspection()
    assert {"mp3", "wav", "flac", "ogg", "webm", "jpeg2000", "tiff"} <= HELD_MEDIA
    body = wav(PCM, INFO)
    media = streamed_media(body[:4096], "", "audio/wav")
    assert media == "wav" and held_image(media, len(body), conf)
    assert not held_image(media, conf.max_inspect_bytes + 1, conf)
    assert not held_image("mp4", 1000, conf) and not held_image("quicktime", 1000, conf)


def test_explain_reads_a_held_wav_whole():
    rmap = RegionMap.model_validate(region_map())
    result = scan_held_body(wav(PCM, INFO), "audio/wav", "", rmap, b"k" * 32, dt.date(2026, 1, 1))
    assert result.error is None and any(i.area_jurisdiction == "CN" for i in result.ids)


# ---------------------------------------------------------------------------------------------
# Bounds


def bounded(body: bytes, content_type: str, seconds: float = 3.0):
    start = time.process_time()
    result = scan(body, content_type)
    assert time.process_time() - start < seconds, len(body)
    return result


def test_many_mpeg_frames_bounded():
    # 8 kbit/s MPEG-2.5 layer III: 24-byte frames, 300k of them (7 MB)
    frame = b"\xff\xe3\x18\xc4" + bytes(20)
    body = b"ID3\x04\x00\x00" + synchsafe(len(COMM)) + COMM + frame * 300_000
    result = bounded(body, "audio/mpeg", 4.0)
    assert result.error is not None or kinds(result) == {"id"}


def test_many_id3_frames_bounded():
    frames = id3_frame(b"TXXX", b"\x03a\x00b") * (MAX_IMAGE_SEGMENTS + 10)
    result = bounded(mp3(frames), "audio/mpeg")
    assert result.error is not None


def test_many_webm_blocks_bounded():
    blocks = b"".join(ebml(0xA3, b"\x81\0\0\x80" + bytes(8)) for _ in range(60_000))
    body = webm(webm_tags(SPOKEN), clusters=1, block=b"") + b""
    body = body[:-len(webm_tags(SPOKEN))] + blocks + webm_tags(SPOKEN)
    result = bounded(body, "video/webm")
    assert result.error is not None or kinds(result) == {"id"}


def test_many_ogg_pages_and_wav_chunks_bounded():
    pages = ogg(b"OpusTags", b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0", VORBIS, 0)
    pages += b"".join(ogg_page(b"x", n, n) for n in range(2, 60_000))
    result = bounded(pages, "audio/ogg")
    assert result.error is not None or kinds(result) == {"id"}
    chunks = riff_chunk(b"junk", b"") * 60_000
    result = bounded(wav(chunks, INFO), "audio/wav")
    assert result.error is not None or kinds(result) == {"id"}


def test_tiff_with_many_strips_bounded():
    body = tiled_tiff(20_000)
    result = bounded(body + TRAILER, "image/tiff")
    assert result.error is not None or kinds(result) == {"id"}


def test_nested_signatures_bounded():
    body = b"\xff\x4f\xff\x51" * 20_000 + SPOKEN
    result = bounded(body, "image/jp2")
    assert result.error is not None or kinds(result) == {"id"}


def test_many_embedded_objects_bounded():
    # small binary frames / chunks are read together; objects that are media or archives
    # one by one, at most MAX_LOOSE_BODIES of them
    body = mp3(*[id3_frame(b"PRIV", b"app\x00" + bytes(range(40)))] * 20_000, COMM)
    assert kinds(bounded(body, "audio/mpeg")) == {"id"}
    body = wav(*[riff_chunk(b"abcd", b"zz" + bytes(30))] * 20_000, INFO)
    assert kinds(bounded(body, "audio/wav")) == {"id"}
    many = wav(*[riff_chunk(b"abcd", gzip.compress(b"x"))] * (MAX_LOOSE_BODIES + 1))
    assert bounded(many, "audio/wav").error is not None
    few = wav(*[riff_chunk(b"abcd", gzip.compress(b"x"))] * 3, riff_chunk(b"abcd", gzip.compress(
        SPOKEN)))
    assert found(few, "audio/wav") == {"id"}


# ---------------------------------------------------------------------------------------------
# BMP and Netpbm: their end from their headers, their pixels never read


def bmp(width: int, height: int, pixels: bytes) -> bytes:
    rows = (width * 24 + 31) // 32 * 4 * height
    pixels = (pixels * (rows // max(1, len(pixels)) + 1))[:rows]
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, rows, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + rows, 0, 0, 54) + info + pixels


def pgm(width: int, height: int, pixels: bytes) -> bytes:
    size = width * height
    return f"P5\n{width} {height}\n255\n".encode() + (pixels * (size // len(pixels) + 1))[:size]


@pytest.mark.parametrize("make", [bmp, pgm], ids=["bmp", "pgm"])
def test_raster_pixels_unread_what_follows_read(make):
    # (binary pixels first: a signature followed by text is text, not media)
    image = make(120, 100, bytes(range(256)) * 20 + DIGIT_SAMPLES)
    assert len(image) > 8000 and clean(image, "application/octet-stream")
    assert "signature" in scan(image, "application/octet-stream").note
    assert clean(image + bytes(3000), "application/octet-stream")
    assert found(image + TRAILER, "application/octet-stream") == {"id"}
    assert found(image + b"\xaa" * 9000 + TRAILER, "application/octet-stream") == {"id"}
    assert found(image + gzip.compress(TRAILER), "application/octet-stream") == {"id"}


def test_mp3_junk_before_the_first_frame_synced():
    frames = (b"\xff\xfb\x90\x64" + DIGIT_SAMPLES[:413]) * 200
    body = mp3(id3_frame(b"TIT2", b"\x03ok"))[:-len((b"\xff\xfb\x90\x64" + bytes(413)) * 50)]
    junked = body + b"junk\xff\x00junk" + frames
    assert clean(junked, "audio/mpeg")
    assert found(junked + SPOKEN, "audio/mpeg") == {"id"}


def sub_ifd_tiff(pixels: bytes) -> bytes:
    """A little-endian TIFF whose main IFD points at two SubIFDs (a raw file's full-size
    images), each with one strip of `pixels` after the main image's strip."""
    main_strip = bytes(range(256)) * 24  # (past the first 4 KB, whose text runs are read)
    ifd_size = 2 + 12 * 3 + 4
    main_at, subs_at = 8, 8 + ifd_size
    pointers_at = subs_at + 2 * ifd_size
    strips_at = pointers_at + 8
    sub_strips = [strips_at + len(main_strip), strips_at + len(main_strip) + len(pixels)]

    def ifd(entries: list[tuple[int, int, int, int]], nxt: int = 0) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            out += struct.pack("<HHII", tag, kind, count, value)
        return out + struct.pack("<I", nxt)

    main = ifd([(273, 4, 1, strips_at), (279, 4, 1, len(main_strip)),
                (0x014A, 4, 2, pointers_at)])
    subs = b"".join(ifd([(256, 4, 1, 10), (273, 4, 1, at), (279, 4, 1, len(pixels))])
                    for at in sub_strips)
    body = (b"II*\x00" + struct.pack("<I", main_at) + main + subs
            + struct.pack("<II", subs_at, subs_at + ifd_size) + main_strip + pixels + pixels)
    assert len(body) == sub_strips[1] + len(pixels)
    return body


def test_sub_ifd_strips_are_pixels_what_follows_is_read():
    pixels = (b"\x01\x02 tel 13912345678 \x03\x04" + bytes(range(256))) * 30
    body = sub_ifd_tiff(pixels)
    assert clean(body, "image/tiff")
    assert found(body + TRAILER, "image/tiff") == {"id"}
