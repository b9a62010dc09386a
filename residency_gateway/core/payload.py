"""Inspect what a request carries for signals of origin: resident ID numbers and phone numbers.

Every body is inspected unless it provably cannot hold text: whatever its declared type, a body
streams uninspected only when its first bytes carry the signature of a binary media format
(`binary_signature`). Everything else becomes *views*, texts the one tokenizer
(`core.scanner`) reads whole: the body in its charset (UTF-8 or a BOM's UTF-16/32 when none is
declared; UTF-16 too when NUL bytes suggest it), the same with JSON/JavaScript escapes undone,
percent-encoding undone (up to three layers), HTML character references undone, base64 tokens
that decode to text, each multipart part (nested multiparts, base64 and quoted-printable parts,
compressed parts), and compressed content (gzip, deflate, br, zstd, bzip2, xz, zip members),
decompressed for inspection only, within the output size and ratio limits. Structure cannot hide
an identifier: duplicate JSON keys, keys, numbers and nested documents are all text in a view.
Declared JSON, form and multipart bodies are also parsed, only to refuse malformed ones.

Findings leave this module as keyed pseudonyms only, capped per request (`max_subjects`, the
youngest ID and mainland signals kept first so no decision-relevant finding is dropped), with
counts by kind. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import contextlib
import datetime as dt
import decimal
import email.header
import email.message
import email.utils
import functools
import hashlib
import html
import io
import itertools
import json
import lzma
import math
import quopri
import re
import struct
import tarfile
import unicodedata
import urllib.parse
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import brotli
import cbor2
import orjson
import zstandard

from residency_gateway.core import serialized, serialized_other, structure_parts
from residency_gateway.core.areacodes import known_area
from residency_gateway.core.idnumber import check_character
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.core.scanner import (
    CN_NUMERAL_CHARS,
    Budget,
    BudgetExceeded,
    Token,
    amount_labelled,
    ascii_digits,
    digit_run_spans,
    has_said_digit,
    is_digit_like,
    labels_other_number,
    may_hold_identifier,
    normalise,
    says_digits,
    tokens,
)
from residency_gateway.core.values import (
    MAINLAND,
    IdFinding,
    PayloadScan,
    PhoneFinding,
    Reason,
    Subject,
)

MAX_NESTING = 4  # multipart in multipart, archive in part, ...
MAX_BASE64_TOKENS = 4096
MAX_ZIP_MEMBERS = 1000
MAX_PDF_STREAMS = 1024
MAX_DERIVED_VIEWS = 32
VIEW_OVERHEAD = 64  # bytes a view counts against max_view_bytes besides its own (see view)


class PayloadError(ValueError):
    """The body claims a structure (JSON, form, multipart) it does not have."""


class Uninspectable(Exception):
    """The body cannot be inspected within the limits; `reason` says which refusal applies."""

    def __init__(self, reason: Reason, note: str):
        super().__init__(note)
        self.reason = reason
        self.note = note


@dataclass(frozen=True, slots=True)
class InspectOptions:
    """The region map's `payload:` settings that inspection needs."""

    max_inspect_bytes: int = 8 * 1024 * 1024
    resident_ids: bool = True
    phones: bool = True
    max_decompression_ratio: int = 1000
    budget: int = 2_000_000
    max_subjects: int = 32
    # Bytes that decoding may produce in all (views, decompressed parts, base64 tokens): what
    # bounds the work and memory of inspecting one request, whatever its layering.
    max_view_bytes: int = 64 * 1024 * 1024


# -- binary signatures ---------------------------------------------------------------------

def _ftyp(data: bytes) -> str | None:
    if data[4:8] != b"ftyp":
        return None
    brand = data[8:12]
    if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        return "heic"
    if brand in (b"avif", b"avis"):
        return "avif"
    if brand == b"qt  ":
        return "quicktime"
    return "mp4"


def _riff(data: bytes) -> str | None:
    if data[:4] != b"RIFF":
        return None
    return {b"WEBP": "webp", b"AVI ": "avi", b"WAVE": "wav"}.get(data[8:12])


# Media formats that hold pixels or samples, not text a person typed. PDF is listed because the
# product brief treats document scans like images (it can carry text; see README).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1aE\xdf\xa3", "webm"),
    (b"%PDF-", "pdf"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000"),
    (b"\xff\x4f\xff\x51", "jpeg2000"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"fLaC", "flac"),
    (b"\x00\x00\x01\xba", "mpeg"),
    (b"\x00\x00\x01\xb3", "mpeg"),
)


# Netpbm's binary rasters (PGM, PPM, PBM, PAM: raw camera frames and scanner output): the
# magic, then width, height and (but for PBM) the largest sample value in ASCII, comments
# allowed, and one white-space byte before the samples (red team round 19: a dim frame's
# samples 48-57 are ASCII digits, read as runs of mainland mobiles).
_PNM_HEADER = re.compile(rb"P([456])(?:\s+(?:#[^\n]*\n\s*)*)([0-9]{1,5})\s+(?:#[^\n]*\n\s*)*"
                         rb"([0-9]{1,5})(?:\s+(?:#[^\n]*\n\s*)*([0-9]{1,5}))?\s")
_PAM_HEADER = re.compile(rb"P7\n(?:[A-Z]+[ \t][^\n]*\n|#[^\n]*\n)*ENDHDR\n")


def _pnm_header(data: bytes) -> int | None:
    """Where the samples of a binary Netpbm image start (the header's length), or None."""
    if data[:2] == b"P7":
        m = _PAM_HEADER.match(data)
        return m.end() if m and b"WIDTH" in m.group() and b"HEIGHT" in m.group() else None
    m = _PNM_HEADER.match(data)
    if m is None or (m.group(1) != b"4") != (m.group(4) is not None):
        return None
    if int(m.group(2)) == 0 or int(m.group(3)) == 0 or (
            m.group(4) is not None and not 0 < int(m.group(4)) <= 65535):
        return None
    return m.end()


def _metadata_head(data: bytes) -> bytes:
    """The part of a media file's first bytes that can hold text metadata: a BMP's headers
    and palette and a Netpbm image's header, not their pixels (round 19: a dim frame's
    pixels are ASCII digits); other formats' first bytes as they are."""
    if data[:2] == b"BM" and len(data) >= 14:
        return data[:max(14, min(int.from_bytes(data[10:14], "little"), len(data)))]
    if data[:1] == b"P":
        end = _pnm_header(data)
        if end is not None:
            return data[:end]
    return data


def _signature(data: bytes) -> tuple[str, int] | None:
    found = _ftyp(data) or _riff(data)
    if found:
        return found, 12
    if data[:1] == b"P" and _pnm_header(data) is not None:
        return "netpbm", 2
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            if name == "bmp" and data[6:10] != b"\0\0\0\0":
                continue  # "BM" alone is too common a text start
            return name, len(magic)
    return None


_PRINTABLE = frozenset(range(32, 127)) | {9, 10, 13}
_PRINTABLE_BYTES = bytes(sorted(_PRINTABLE))


def _printable(data: bytes) -> int:
    """How many bytes of `data` are printable ASCII (or tab, LF, CR): counted in C."""
    return len(data) - len(data.translate(None, _PRINTABLE_BYTES))
SIGNATURE_BYTES = 4096  # what `binary_signature` needs to see (or the whole body if shorter)


# Text inside binary media: runs of printable ASCII (EXIF strings, XMP, a JPEG comment, PNG
# tEXt) and of UTF-16LE (EXIF UserComment, Windows XP tags), eight characters or more.
_ASCII_STRINGS = re.compile(rb"[\t\n\r\x20-\x7e]{8,}")
_UTF16_STRINGS = re.compile(rb"(?:[\t\n\r\x20-\x7e]\x00){8,}")


def media_texts(data: bytes) -> bytes:
    """The text runs in binary `data`, one per line, each ended by a semicolon (b"" when none).
    Each run is a field of its own (a serial number, a timestamp, a lens's focal length): the
    semicolon parts the numbers of neighbouring runs, as a newline alone would not (a newline
    joins digit groups: "BodySerial 433170750116" and "187.0 mm" are no 15-digit ID)."""
    data = _metadata_head(data)
    runs = _ASCII_STRINGS.findall(data)
    if b"\x00" in data:
        runs += [r.decode("utf-16-le").encode() for r in _UTF16_STRINGS.findall(data)]
    return b";\n".join(runs)


# Round 20: the text metadata of a whole image, not only of its first SIGNATURE_BYTES: the
# chunks of a PNG (tEXt, zTXt and iTXt inflated, eXIf; after IDAT too) and the APPn / COM
# segments of a JPEG (an XMP packet or a comment after a 30 KB EXIF segment), found by
# walking the structure (pixel data skipped by length, a JPEG's scans by one search for the
# next marker), and where the image ends (what follows it, an appended archive or text, is
# read as a body of its own). Round 21: GIF (comment, plain-text and application
# extensions, XMP among them, after any frame; its end the trailer after the block
# structure) and WebP (XMP and EXIF chunks after the bitstream; its end where the RIFF
# length says), TIFF (its IFDs wherever they are) and HEIC / AVIF (boxes; Exif and XMP items
# in the coded data found by their signatures) are held and walked so too: they are photos
# and scans. Video (MP4, QuickTime) still streams: its metadata past the first bytes is not
# read.
HELD_IMAGES = frozenset({"jpeg", "png", "gif", "webp", "tiff", "heic", "avif"})  # (held whole)
MAX_IMAGE_SEGMENTS = 100_000  # chunks / segments / GIF sub-blocks of one image; more: refused
MAX_IMAGE_TEXT = 1024 * 1024  # bytes one compressed PNG text chunk inflates to (and 100x)
# Round 21: all the compressed PNG text of a body's images together inflates to at most this
# (and max_inspect_bytes, and the decompression ratio): 40 zTXt chunks of 2 MB each (83 KB of
# PNG) inflated one by one within MAX_IMAGE_TEXT took 4 s and 60 MB. Past it: refused as too
# complex, as other decompression is. (A real image's text, XMP included, is a few KB.)
MAX_IMAGE_TEXTS = 2 * MAX_IMAGE_TEXT
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf"})
_JPEG_MARKER = re.compile(rb"\xff+([^\xff])")  # (fill bytes before a marker allowed)
_JPEG_SCAN_END = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")  # a marker after entropy data
_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\0"
# An EXIF UserComment IFD entry (tag 0x9286, type UNDEFINED) in either byte order.
_USER_COMMENT = {b"MM": re.compile(rb"\x92\x86\x00\x07", re.S),
                 b"II": re.compile(rb"\x86\x92\x07\x00", re.S)}
MAX_EXIF_COMMENTS = 16  # UserComment entries read per EXIF block
_COMMENT_CODES = frozenset({b"UNICODE\0", b"JIS\0\0\0\0\0"})


@dataclass(slots=True)
class ImageWalk:
    """What walking an image found: its text metadata, and where it ends (None: it does not
    end inside the data, truncated or not the format its signature says); `inflated`: the
    bytes its compressed texts inflated to."""

    texts: list[str]
    end: int | None
    inflated: int = 0
    # Round 22: where the walk stopped when the data is not the format its signature says
    # past that point (end None): the rest is read as a body of its own (binary: its text
    # runs), never forwarded unread; and `loose`: bytes inside the structure that are
    # neither metadata nor pixels / samples (cover art, padding that is not zeros, chunks
    # or elements not known), read so too.
    stop: int | None = None
    loose: list[bytes] = field(default_factory=list)


def _inflated_text(raw: bytes, room: int) -> bytes:
    """A zlib-compressed PNG text, at most MAX_IMAGE_TEXT and 100 times its size (what
    inflates before damage: a reader shows no more), and one byte more than `room` (what is
    left of the body's bound: more is refused by the caller)."""
    d = zlib.decompressobj()
    try:
        return d.decompress(raw, max(1, min(MAX_IMAGE_TEXT, 100 * max(len(raw), 1), room + 1)))
    except zlib.error:
        return b""


def _too_much_image_text() -> Uninspectable:
    return Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                         "the image text metadata inflates past what the inspection allows")


def _png_walk(data: bytes, start: int, room: int) -> ImageWalk:
    texts: list[str] = []
    inflated = 0
    pos = start + len(_PNG_MAGIC)
    for _ in range(MAX_IMAGE_SEGMENTS):
        if pos + 12 > len(data):
            return ImageWalk(texts, None, inflated, pos)
        size = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + size
        if end > len(data):
            return ImageWalk(texts, None, inflated, pos)
        chunk = data[pos + 8:pos + 8 + size] if kind in _PNG_TEXT_CHUNKS else b""
        if kind == b"tEXt":
            texts.append(chunk.replace(b"\0", b": ", 1).decode("latin-1"))
        elif kind == b"zTXt":
            keyword, _, rest = chunk.partition(b"\0")
            value = _inflated_text(rest[1:], room - inflated)
            inflated += len(value)
            texts.append(keyword.decode("latin-1") + ": " + value.decode("latin-1"))
        elif kind == b"iTXt":
            keyword, _, rest = chunk.partition(b"\0")
            compressed = rest[:1] == b"\x01"
            language, _, rest = rest[2:].partition(b"\0")
            translated, _, text = rest.partition(b"\0")
            value = _inflated_text(text, room - inflated) if compressed else text
            inflated += len(value) if compressed else 0
            texts.append(b": ".join((keyword, language, translated, value)).decode(
                "utf-8", "replace"))
        elif kind == b"eXIf" and (runs := media_texts(chunk)):
            texts.append(runs.decode("latin-1"))
            texts.extend(exif_comments(chunk))
        if inflated > room:
            raise _too_much_image_text()
        if kind == b"IEND":
            return ImageWalk(texts, end, inflated)
        pos = end
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"image of more than {MAX_IMAGE_SEGMENTS} chunks")


def _jis_reading(raw: bytes) -> list[str]:
    """A UserComment in the EXIF "JIS" code: JIS X 0208 without escapes as the standard
    says, ISO-2022-JP with them, or Shift_JIS as many Japanese cameras write it."""
    if b"\x1b" in raw:
        return [raw.decode("iso2022_jp", "replace")]
    if max(raw, default=0) >= 0x80:
        return [raw.decode("cp932", "replace")]
    return [raw.decode("ascii"), (b"\x1b$B" + raw + b"\x1b(B").decode("iso2022_jp", "replace")]


def exif_comments(block: bytes) -> list[str]:
    """Round 21: the EXIF UserComments of a TIFF/EXIF `block` (an "Exif\\0\\0" prefix
    allowed) read in their character code: UNICODE is UTF-16 in the block's byte order
    (UTF-16BE in a big-endian "MM" block: iPhone, Canon, Nikon), JIS is Japanese (above).
    (ASCII and little-endian UNICODE are read by `media_texts` as runs.) Found by their IFD
    entry (tag 0x9286): its count and offset give the comment."""
    if block.startswith(b"Exif\0\0"):
        block = block[6:]
    order = block[:2]
    entry = _USER_COMMENT.get(order)
    if entry is None:
        return []
    fmt: Literal["big", "little"] = "big" if order == b"MM" else "little"
    found: list[str] = []
    # (entries tried: 64 times the comments read, so decoys ahead of the real one do not
    # hide it; each costs a few slices)
    for m in itertools.islice(entry.finditer(block, 8), 64 * MAX_EXIF_COMMENTS):
        count = int.from_bytes(block[m.end():m.end() + 4], fmt)
        at = int.from_bytes(block[m.end() + 4:m.end() + 8], fmt)
        if count <= 8 or at + count > len(block) or block[at:at + 8] not in _COMMENT_CODES:
            continue
        if len(found) >= MAX_EXIF_COMMENTS:
            break
        code, raw = block[at:at + 8], block[at + 8:at + count].rstrip(b"\0 ")
        if code == b"UNICODE\0":
            codec = "utf-16"
            if raw[:2] not in (b"\xfe\xff", b"\xff\xfe"):
                codec = "utf-16-be" if order == b"MM" else "utf-16-le"
            found.append(raw[:len(raw) & ~1].decode(codec, "replace").replace("\0", " "))
        elif code == b"JIS\0\0\0\0\0":
            found.extend(_jis_reading(raw))
    return found


def _extended_xmp(pieces: dict[bytes, list[tuple[int, bytes]]]) -> list[str]:
    """Round 21: Adobe Extended XMP (Google depth and motion photos): one packet per GUID cut
    across APP1 segments at byte offsets, put together in offset order as its readers do
    (an overlap kept once, a gap kept apart) before it is read: a value cut between two
    segments is whole again."""
    found = []
    for parts in pieces.values():
        out = bytearray()
        for offset, piece in sorted(parts, key=lambda part: part[0]):
            if offset > len(out):
                out += b";\n"  # (a missing piece: what is on either side is not one value)
                offset = len(out)
            out += piece[len(out) - offset:]
        found.append(bytes(out).decode("utf-8", "replace"))
    return found


def _jpeg_walk(data: bytes, start: int) -> ImageWalk:
    texts: list[str] = []
    extended: dict[bytes, list[tuple[int, bytes]]] = {}
    walk = _jpeg_segments(data, start, texts, extended)
    walk.texts.extend(_extended_xmp(extended))
    return walk


def _jpeg_segments(data: bytes, start: int, texts: list[str],
                   extended: dict[bytes, list[tuple[int, bytes]]]) -> ImageWalk:
    pos = start + 2  # (after SOI)
    for _ in range(MAX_IMAGE_SEGMENTS):
        m = _JPEG_MARKER.match(data, pos)
        if m is None:
            return ImageWalk(texts, None, stop=pos)
        marker = m.group(1)[0]
        pos = m.end()
        if marker == 0xD9:  # EOI
            return ImageWalk(texts, pos)
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            continue  # (no length)
        if pos + 2 > len(data):
            return ImageWalk(texts, None, stop=pos)
        size = int.from_bytes(data[pos:pos + 2], "big")
        if size < 2 or pos + size > len(data):
            return ImageWalk(texts, None, stop=pos)
        segment = data[pos + 2:pos + size] if marker == 0xFE or 0xE0 <= marker <= 0xEF else b""
        pos += size
        if marker == 0xFE or (marker == 0xE1 and segment.startswith(b"http")):
            texts.append(segment.decode("utf-8", "replace"))  # a comment, an XMP packet
            if segment.startswith(_XMP_EXTENSION) and len(segment) >= len(_XMP_EXTENSION) + 40:
                head = len(_XMP_EXTENSION)
                extended.setdefault(segment[head:head + 32], []).append(
                    (int.from_bytes(segment[head + 36:head + 40], "big"), segment[head + 40:]))
        elif 0xE0 <= marker <= 0xEF and (runs := media_texts(segment)):
            texts.append(runs.decode("latin-1"))
            if marker == 0xE1:
                texts.extend(exif_comments(segment))
        if marker == 0xDA:  # SOS: entropy-coded data up to the next marker
            found = _JPEG_SCAN_END.search(data, pos)
            if found is None:
                return ImageWalk(texts, None, stop=pos)
            pos = found.end() - 2
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"image of more than {MAX_IMAGE_SEGMENTS} segments")


def _gif_walk(data: bytes, start: int) -> ImageWalk:
    """Round 21: a GIF's blocks: extensions' data read (a comment, plain text, an
    application's: XMP both as sub-blocks and as the raw bytes Adobe writes it in, whose
    "lengths" are its own text), frames skipped by their sub-blocks, up to the trailer."""
    texts: list[str] = []
    flags = data[start + 10] if start + 13 <= len(data) else 0
    pos = start + 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    steps = 0
    while pos < len(data):
        kind = data[pos]
        if kind == 0x3B:  # trailer
            return ImageWalk(texts, pos + 1)
        if kind == 0x2C:  # a frame: descriptor, local colour table, LZW code size
            if pos + 10 > len(data):
                break
            local = data[pos + 9]
            pos += 11 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
        elif kind == 0x21 and pos + 2 <= len(data):
            label = data[pos + 1]
            pos += 2
        else:
            break
        blocks_at = pos
        parts: list[bytes] = []
        while pos < len(data) and data[pos]:
            steps += 1
            if steps > MAX_IMAGE_SEGMENTS:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"image of more than {MAX_IMAGE_SEGMENTS} blocks")
            if kind == 0x21:
                parts.append(data[pos + 1:pos + 1 + data[pos]])
            pos += 1 + data[pos]
        if pos >= len(data):
            break
        pos += 1  # (the block terminator)
        if kind == 0x21 and label in (0xFE, 0x01, 0xFF):
            joined = b"".join(parts)
            if label == 0x01:
                joined = joined[12:]  # (the text grid's geometry)
            if label == 0xFF and joined[:11] == b"XMP DataXMP":
                texts.append(data[blocks_at + 12:pos].decode("utf-8", "replace"))
            texts.append(joined.decode("utf-8", "replace") if label != 0xFF else (
                media_texts(joined).decode("latin-1")))
    return ImageWalk([t for t in texts if t], None, stop=pos)


def _webp_walk(data: bytes, start: int) -> ImageWalk:
    """Round 21: a WebP's RIFF chunks (XMP, EXIF: after the bitstream, where libwebp's
    webpmux writes them); its end where the RIFF length says."""
    texts: list[str] = []
    end = start + 8 + int.from_bytes(data[start + 4:start + 8], "little")
    last = min(end, len(data))
    pos = start + 12
    for _ in range(MAX_IMAGE_SEGMENTS):
        if pos + 8 > last:
            return ImageWalk(texts, end if end <= len(data) else None, stop=pos)
        kind = data[pos:pos + 4]
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        chunk = data[pos + 8:min(pos + 8 + size, last)] if kind in (b"XMP ", b"EXIF") else b""
        if kind == b"XMP ":
            texts.append(chunk.decode("utf-8", "replace"))
        elif kind == b"EXIF" and (runs := media_texts(chunk)):
            texts.append(runs.decode("latin-1"))
            texts.extend(exif_comments(chunk))
        pos += 8 + size + (size & 1)
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"image of more than {MAX_IMAGE_SEGMENTS} chunks")


_TIFF_POINTERS = frozenset({0x8769, 0x8825, 0xA005, 0x014A})  # Exif, GPS, interop, SubIFDs
_TIFF_SKIPPED = frozenset({0x8773, 0x015B, 0x8649})  # ICC profile, JPEG tables, Photoshop


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
                    13: 4}
# Strip, tile and JPEG-thumbnail offsets and byte counts: where the pixels are
_TIFF_EXTENTS = frozenset({273, 279, 324, 325, 513, 514})


def _tiff_values(data: bytes, at: int, kind: int, count: int,
                 fmt: Literal["big", "little"]) -> list[int]:
    """`count` SHORT (3) or LONG (4) values at `at` (as many as the data holds)."""
    width = 2 if kind == 3 else 4
    count = min(count, max(0, (len(data) - at) // width))
    code = f"{'>' if fmt == 'big' else '<'}{count}{'H' if width == 2 else 'I'}"
    return list(struct.unpack_from(code, data, at)) if count else []


def _tiff_walk(data: bytes, start: int) -> ImageWalk:
    """Round 21: a TIFF's IFDs, wherever their offsets put them (scanners and libtiff write
    the IFD after the strips, at the end of the file), the Exif, GPS and sub-IFDs too: the
    values of its text and byte tags read (XMP, tag 700, as UTF-8). Every IFD once; entries
    and value bytes within bounds. Its end is not known (the strips are anywhere)."""
    order = data[start:start + 2]
    fmt: Literal["big", "little"] = "big" if order == b"MM" else "little"
    size = len(data) - start

    def number(at: int, width: int) -> int:
        return int.from_bytes(data[start + at:start + at + width], fmt)

    texts: list[str] = []
    extents: dict[int, list[int]] = {}
    queue, seen = [number(4, 4)], set()
    steps = read = 0
    # Round 22: where the image ends: past its last IFD, value and strip / tile (what
    # follows is read as a body of its own, as after other images); an IFD or strip past
    # the data: not a TIFF there, all of it after the header read as binary
    extent, broken = 8, False
    while queue:
        ifd = queue.pop()
        if ifd in seen or not 8 <= ifd <= size - 2:
            broken = broken or (ifd not in seen and ifd != 0)
            continue
        seen.add(ifd)
        entries = number(ifd, 2)
        steps += entries + 1
        if steps > MAX_IMAGE_SEGMENTS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"image of more than {MAX_IMAGE_SEGMENTS} entries")
        extent = max(extent, ifd + 2 + 12 * entries + 4)
        for i in range(entries):
            at = ifd + 2 + 12 * i
            if at + 12 > size:
                break
            tag, kind, count = number(at, 2), number(at + 2, 2), number(at + 4, 4)
            width = _TIFF_TYPE_SIZES.get(kind, 0) * count
            if width > 4:
                extent = max(extent, number(at + 8, 4) + width)
            if tag in _TIFF_EXTENTS and kind in (3, 4) and width:
                steps += count
                if steps > MAX_IMAGE_SEGMENTS:
                    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                        f"image of more than {MAX_IMAGE_SEGMENTS} entries")
                extents[tag] = _tiff_values(data, start + (at + 8 if width <= 4 else
                                                           number(at + 8, 4)), kind, count, fmt)
            if tag in _TIFF_POINTERS and kind in (4, 13) and count >= 1:
                # (round 22: every SubIFD of a raw / multi-resolution file, its strips too)
                queue.extend(_tiff_values(data, start + (at + 8 if count == 1 else number(
                    at + 8, 4)), 4, min(count, 64), fmt))
            if kind not in (1, 2, 7) or tag in _TIFF_SKIPPED or count == 0:
                continue
            where = at + 8 if count <= 4 else number(at + 8, 4)
            value = data[start + where:start + min(where + count, size)]
            read += len(value)
            if read > 2 * size:  # (many entries pointing at one large value)
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    "image tags point at more bytes than the image has")
            if tag == 0x02BC or kind == 2:
                texts.append(value.replace(b"\0", b" ").decode("utf-8", "replace"))
            elif runs := media_texts(value):
                texts.append(runs.decode("latin-1"))
        queue.append(number(ifd + 2 + 12 * entries, 4))  # (the next IFD)
        for offsets, counts in ((273, 279), (324, 325), (513, 514)):
            pairs = zip(extents.pop(offsets, ()), extents.pop(counts, ()), strict=False)
            extent = max(extent, max((at + n for at, n in pairs), default=0))
        extents.clear()
    texts.extend(exif_comments(data[start:]))
    if broken or extent > size:
        return ImageWalk(texts, None, stop=start + 8)
    return ImageWalk(texts, start + extent + (extent & 1))


_ISO_EXIF = re.compile(rb"Exif\0\0(?=II\*\0|MM\0\*)")


def _iso_walk(data: bytes, start: int, coded: bytes = b"mdat") -> ImageWalk:
    """Round 21: an HEIC / AVIF (ISO-BMFF) image's boxes: all but the coded data (mdat) read
    as metadata; in mdat, where the meta box's item locations put the Exif and XMP items, the
    items found by their own signatures ("Exif\\0\\0" and a TIFF header; an x:xmpmeta
    packet), a bounded number of them. Its end: after its last box."""
    texts: list[str] = []
    pos = start
    for _ in range(MAX_IMAGE_SEGMENTS):
        if pos + 8 > len(data):
            return ImageWalk(texts, pos if pos == len(data) else None, stop=pos)
        size, kind, head = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8], 8
        if size == 1:
            size, head = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = len(data) - pos
        if size < head or (pos + size > len(data) and pos > start):
            # (what does not fit after whole boxes: data appended to the image, read as a
            # body of its own; a truncated file's rest is read so too)
            return ImageWalk(texts, pos if pos > start else None, stop=start + 8)
        end = min(pos + size, len(data))
        if kind == coded != b"mdat":
            pass  # (round 22: a JPEG 2000 codestream, its pixels)
        elif kind != b"mdat":
            if runs := media_texts(data[pos + head:end]):
                texts.append(runs.decode("latin-1"))
        else:
            for m in itertools.islice(_ISO_EXIF.finditer(data, pos + head, end),
                                      MAX_EXIF_COMMENTS):
                block = data[m.end():min(m.end() + 65536, end)]
                texts.append(media_texts(block).decode("latin-1"))
                texts.extend(exif_comments(block))
            at = data.find(b"<x:xmpmeta", pos + head, end)
            if at >= 0:
                close = data.find(b"</x:xmpmeta>", at, min(at + MAX_IMAGE_TEXT, end))
                texts.append(data[at:close if close >= 0 else min(at + 65536, end)].decode(
                    "utf-8", "replace"))
        pos += size
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"image of more than {MAX_IMAGE_SEGMENTS} boxes")


# Round 22: audio (MP3, WAV, FLAC, Ogg), WebM / Matroska and JPEG 2000 up to max_inspect_bytes
# are held whole and walked as images are (a voice sample for a liveness check is a few hundred
# KB): their metadata wherever it stands (ID3v2 frames, an ID3 comment after the cover art;
# RIFF chunks, LIST/INFO after the samples; FLAC metadata blocks, a Vorbis comment after a
# PICTURE or PADDING block; Ogg header pages; Matroska Tags, titles and names after the
# clusters; JPEG 2000 boxes and codestream comments), cover art and other embedded data read
# as bodies of their own, the samples skipped by their lengths (as pixels are: not read), and
# what follows the media's end, or where its structure breaks (a signature put before other
# data), read as a body of its own. MP4 / QuickTime video still streams (see inspection.py).
# BMP and Netpbm rasters too: their end from their headers (their pixels, ASCII digits in a dim
# frame, never read).
HELD_MEDIA = HELD_IMAGES | frozenset({"jpeg2000", "mp3", "wav", "flac", "ogg", "webm", "bmp",
                                      "netpbm"})
# Round 24: video read whole where the body is held anyway (see _mp4_walk); it is no
# HELD_MEDIA (a top-level video body streams, its first SIGNATURE_BYTES read).
WALKED_VIDEO = frozenset({"mp4", "quicktime"})
MAX_LOOSE_BODIES = 64  # embedded objects (cover art, ...) of one media file read one by one
_FIELD_BREAKS = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]+")
_FOURCC = re.compile(rb"[\x20-\x7e]{4}")
_ID3_CODECS = ("latin-1", "utf-16", "utf-16-be", "utf-8")
_ID3_FRAME_ID = re.compile(rb"[A-Z0-9]{3,4}")
_NOT_ZERO = re.compile(rb"[^\x00]")


def _field_text(raw: bytes, codec: str = "utf-8") -> str:
    """A metadata field's bytes as text: control bytes and bytes that are no text in `codec`
    are field breaks (a length or a flag between two values joins neither)."""
    return _FIELD_BREAKS.sub(";\n", raw.decode(codec, "replace").replace("\ufeff", ""))


def _id3_text(raw: bytes) -> str:
    """An ID3v2 text field: its first byte names its encoding."""
    if not raw or raw[0] > 3:
        return media_texts(raw).decode("latin-1")
    codec, body = _ID3_CODECS[raw[0]], raw[1:]
    if codec.startswith("utf-16"):
        body = body[:len(body) & ~1]
    return _field_text(body, codec)


def _id3_picture(content: bytes, major: int, texts: list[str], loose: list[bytes]) -> None:
    """APIC (PIC in ID3v2.2): encoding, MIME type (a 3-letter format), picture type, its
    description, then the picture: the description read, the picture kept as a body."""
    wide = content[:1] in (b"\x01", b"\x02")
    at = 4 if major == 2 else content.find(b"\0", 1)
    if at < 0:
        loose.append(content)
        return
    at += 1 if major == 2 else 2  # (the format / MIME type's NUL, then the picture type)
    desc_end = content.find(b"\0\0", at) if wide else content.find(b"\0", at)
    while wide and desc_end >= 0 and (desc_end - at) % 2:
        desc_end = content.find(b"\0\0", desc_end + 1)
    desc_end = len(content) if desc_end < 0 else desc_end
    texts.append(_id3_text(content[:1] + content[at:desc_end]))
    loose.append(content[desc_end + (2 if wide else 1):])


def _synchsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def _id3_tag(data: bytes, pos: int, texts: list[str], loose: list[bytes],
             room: int) -> tuple[int | None, int]:
    """The ID3v2 tag at `pos` read (frames as their encodings say, compressed ones inflated;
    pictures and other binary frames kept as bodies; padding that is not zeros kept too):
    its end (None: not a whole tag) and the bytes inflated."""
    if pos + 10 > len(data) or data[pos + 3] not in (2, 3, 4) or any(
            b & 0x80 for b in data[pos + 6:pos + 10]):
        return None, 0
    major, flags = data[pos + 3], data[pos + 5]
    size = _synchsafe(data[pos + 6:pos + 10])
    end = pos + 10 + size + (10 if major == 4 and flags & 0x10 else 0)
    if end > len(data):
        return None, 0
    tag = data[pos + 10:pos + 10 + size]
    if flags & 0x80 and major < 4:
        tag = tag.replace(b"\xff\x00", b"\xff")  # (unsynchronisation of the whole tag)
    at = 0
    if flags & 0x40 and major > 2:
        at = 4 + int.from_bytes(tag[:4], "big") if major == 3 else _synchsafe(tag[:4])
    head, width = (6, 3) if major == 2 else (10, 4)
    inflated = 0
    for _ in range(MAX_IMAGE_SEGMENTS):
        if at + head > len(tag) or tag[at] == 0:
            break
        fid = tag[at:at + width]
        if not _ID3_FRAME_ID.fullmatch(fid):
            break  # (not a frame: what is left kept below)
        raw_size = tag[at + width:at + width + (3 if major == 2 else 4)]
        fsize = _synchsafe(raw_size) if major == 4 else int.from_bytes(raw_size, "big")
        fflags = tag[at + 9] if major > 2 else 0  # (the format flags)
        content = tag[at + head:at + head + fsize]
        at += head + fsize
        compressed = False
        if major == 4:
            if fflags & 0x01:
                content = content[4:]  # (the data length indicator)
            if fflags & 0x02:
                content = content.replace(b"\xff\x00", b"\xff")
            compressed = bool(fflags & 0x08)
        elif major == 3 and fflags & 0x80:
            content, compressed = content[4:], True
        if compressed:
            content = _inflated_text(content, room - inflated)
            inflated += len(content)
            if inflated > room:
                raise _too_much_image_text()
        if fid in (b"APIC", b"PIC"):
            _id3_picture(content, major, texts, loose)
        elif fid in (b"COMM", b"COM", b"USLT", b"ULT", b"USER"):
            # (an encoding, a language, then the strings)
            texts.append(_field_text(content[1:4], "latin-1") + ": "
                         + _id3_text(content[:1] + content[4:]))
        elif fid[:1] in (b"T", b"W"):
            texts.append(_id3_text(content) if fid[:1] != b"W" or fid in (b"WXXX", b"WXX")
                         else _field_text(content, "latin-1"))
        else:
            loose.append(content)  # (PRIV, GEOB, UFID, ...: read as bodies of their own)
    else:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"ID3 tag of more than {MAX_IMAGE_SEGMENTS} frames")
    if at < len(tag):
        loose.append(tag[at:])  # (padding: zeros are skipped where it is read)
    return end, inflated


# MPEG audio frame lengths: bit rates (kbit/s) by (MPEG-1?, layer bits), sample rates by version
_MPEG_BITRATES = {
    (True, 3): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frames(data: bytes, pos: int) -> int:
    """Where the run of MPEG audio frames at `pos` ends (each skipped by the length its
    header gives; at most 4 x MAX_IMAGE_SEGMENTS of them: what follows is read as data)."""
    for _ in range(4 * MAX_IMAGE_SEGMENTS):
        if pos + 4 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
            break
        b1, b2 = data[pos + 1], data[pos + 2]
        version, layer, rate, freq = (b1 >> 3) & 3, (b1 >> 1) & 3, b2 >> 4, (b2 >> 2) & 3
        if version == 1 or layer == 0 or rate in (0, 15) or freq == 3:
            break  # (free format, reserved values: not a frame this walk can skip)
        bits = _MPEG_BITRATES[(version == 3, layer)][rate - 1] * 1000
        sample_rate, pad = _MPEG_RATES[version][freq], (b2 >> 1) & 1
        if layer == 3:
            pos += (12 * bits // sample_rate + pad) * 4
        else:
            pos += (144 if version == 3 or layer == 2 else 72) * bits // sample_rate + pad
    return min(pos, len(data))


def _mp3_walk(data: bytes, start: int, room: int) -> ImageWalk:
    """An MP3: its ID3v2 tags, then its MPEG audio frames (skipped); its end after them (an
    ID3v1 or APE tag there is read as what follows it)."""
    texts: list[str] = []
    loose: list[bytes] = []
    pos, inflated = start, 0
    while data.startswith(b"ID3", pos):
        end, more = _id3_tag(data, pos, texts, loose, room - inflated)
        inflated += more
        if end is None:
            return ImageWalk(texts, None, inflated, pos + 3, loose)
        pos = end
    m = _NOT_ZERO.search(data, pos)  # (zeros between the tag and the first frame)
    first = len(data) if m is None else m.start()
    end = _mpeg_frames(data, first)
    at = first
    for _ in range(64):
        # (junk before the first frame: found, as a player syncs, within 4 KB; the junk
        # read as a body)
        if end > first or (at := data.find(b"\xff", at + 1, first + 4096)) < 0:
            break
        if (after := _mpeg_frames(data, at)) - at > 4 * 1024:
            loose.append(data[first:at])
            first, end = at, after
    return ImageWalk(texts, end if end > first else pos, inflated, loose=loose)


def _riff_walk(data: bytes, start: int) -> ImageWalk:
    """A WAV file's RIFF chunks: LIST (INFO) sub-chunks read as text, an id3 chunk as an ID3
    tag, others (bext, iXML, XMP, cue, ...) kept as bodies; the samples (data) skipped, to the
    end of the data when its size says more (a writer that streamed it). Its end where the
    RIFF size says; a chunk whose name is no FourCC: the structure broken there."""
    texts: list[str] = []
    loose: list[bytes] = []
    end = min(start + 8 + int.from_bytes(data[start + 4:start + 8], "little"), len(data))
    pos = start + 12
    for _ in range(MAX_IMAGE_SEGMENTS):
        if pos + 8 > end:
            return ImageWalk(texts, end, loose=loose)
        kind, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if not _FOURCC.fullmatch(kind):
            return ImageWalk(texts, None, stop=pos, loose=loose)
        chunk = data[pos + 8:min(pos + 8 + size, len(data))] if kind != b"data" else b""
        if kind == b"LIST":
            at = 4
            while at + 8 <= len(chunk) and _FOURCC.fullmatch(chunk[at:at + 4]):
                sub = int.from_bytes(chunk[at + 4:at + 8], "little")
                texts.append(_field_text(chunk[at:at + 4] + b": " + chunk[at + 8:at + 8 + sub]))
                at += 8 + sub + (sub & 1)
            if at < len(chunk):
                loose.append(chunk[at:])
        elif kind.lower() == b"id3 " and chunk.startswith(b"ID3"):
            if _id3_tag(chunk, 0, texts, loose, MAX_IMAGE_TEXT)[0] is None:
                loose.append(chunk)
        elif chunk:
            loose.append(chunk)
        pos += 8 + size + (size & 1)
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"audio of more than {MAX_IMAGE_SEGMENTS} chunks")


def _vorbis_comments(block: bytes) -> list[str]:
    """A Vorbis comment block (FLAC, Ogg Vorbis and Opus): the vendor and each FIELD=value,
    by their lengths (UTF-8); bytes after the last read as text runs."""
    found: list[str] = []
    at, count = 0, None
    while at + 4 <= len(block) and len(found) <= MAX_IMAGE_SEGMENTS:
        size = int.from_bytes(block[at:at + 4], "little")
        if count is not None and len(found) > count:
            break
        found.append(_field_text(block[at + 4:at + 4 + size]))
        at += 4 + size
        if count is None and at + 4 <= len(block):
            count = int.from_bytes(block[at:at + 4], "little")
            at += 4
    if at < len(block) and (runs := media_texts(block[at:])):
        found.append(runs.decode("latin-1"))
    return found


def _flac_picture(block: bytes, texts: list[str], loose: list[bytes]) -> None:
    """A FLAC PICTURE block (and an Ogg METADATA_BLOCK_PICTURE): its MIME type and
    description read, the picture kept as a body."""
    mime = int.from_bytes(block[4:8], "big")
    desc = int.from_bytes(block[8 + mime:12 + mime], "big")
    texts.append(_field_text(block[8:8 + mime] + b"\0" + block[12 + mime:12 + mime + desc]))
    loose.append(block[12 + mime + desc + 20:])


def _flac_walk(data: bytes, start: int) -> ImageWalk:
    """A FLAC stream's metadata blocks (Vorbis comment, picture; padding, application and
    cue sheet kept as bodies), then its frames from a frame sync to the end: the samples,
    not length-prefixed, read only as text runs (ASCII, where an appended tag is)."""
    texts: list[str] = []
    loose: list[bytes] = []
    pos = start + 4
    for n in range(MAX_IMAGE_SEGMENTS):
        if pos + 4 > len(data):
            return ImageWalk(texts, None, stop=pos, loose=loose)
        head, size = data[pos], int.from_bytes(data[pos + 1:pos + 4], "big")
        kind = head & 0x7F
        if kind == 127 or pos + 4 + size > len(data) or (n == 0 and (kind, size) != (0, 34)):
            return ImageWalk(texts, None, stop=pos, loose=loose)
        block = data[pos + 4:pos + 4 + size]
        if kind == 4:
            texts.extend(_vorbis_comments(block))
        elif kind == 6:
            _flac_picture(block, texts, loose)
        elif kind not in (0, 3):  # (stream info, seek table: numbers)
            loose.append(block)
        pos += 4 + size
        if head & 0x80:
            break
    else:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"audio of more than {MAX_IMAGE_SEGMENTS} metadata blocks")
    if pos == len(data) or data[pos] != 0xFF or data[pos + 1] & 0xFE != 0xF8:
        return ImageWalk(texts, None if pos < len(data) else pos, stop=pos, loose=loose)
    runs = _ASCII_STRINGS.findall(data, pos)
    if runs:
        texts.append(b";\n".join(runs).decode("ascii"))
    return ImageWalk(texts, len(data), loose=loose)


def _ogg_walk(data: bytes, start: int) -> ImageWalk:
    """An Ogg stream's pages: the header packets (those before the first page with a
    granule position: Vorbis / Opus comments, read by their lengths; Speex, FLAC, Theora
    headers as text runs), the audio pages skipped; its end after its last page."""
    texts: list[str] = []
    headers = bytearray()
    pos, in_headers = start, True
    for _ in range(MAX_IMAGE_SEGMENTS):
        if not data.startswith(b"OggS", pos) or pos + 27 > len(data) or data[pos + 4] != 0:
            break
        lacing = data[pos + 27:pos + 27 + data[pos + 26]]
        nxt = pos + 27 + len(lacing) + sum(lacing)
        if nxt > len(data):
            break
        granule = data[pos + 6:pos + 14]
        in_headers = in_headers and granule in (bytes(8), b"\xff" * 8)
        if in_headers:
            headers += data[pos + 27 + len(lacing):nxt]
        pos = nxt
    else:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"audio of more than {MAX_IMAGE_SEGMENTS} pages")
    header_bytes = bytes(headers)
    for magic in (b"\x03vorbis", b"OpusTags"):
        at = header_bytes.find(magic)
        if at >= 0:
            if runs := media_texts(header_bytes[:at]):
                texts.append(runs.decode("latin-1"))
            texts.extend(_vorbis_comments(header_bytes[at + len(magic):]))
            break
    else:
        if runs := media_texts(header_bytes):
            texts.append(runs.decode("latin-1"))
    if pos == start:
        return ImageWalk(texts, None, stop=start + 4)
    return ImageWalk(texts, pos)


# Matroska / WebM elements (EBML IDs, marker bits kept): masters walked into (their size not
# needed: a live recorder writes Segment and Cluster of unknown size), blocks skipped (the
# samples), strings read, binary values kept as bodies, numbers skipped. An element not known
# here: the structure broken there (what follows read as data).
_EBML_MASTERS = frozenset({
    0x1A45DFA3, 0x18538067, 0x114D9B74, 0x4DBB, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0, 0xE1,
    0x55B0, 0x55D0, 0x7670, 0x6D80, 0x6240, 0x5034, 0x5035, 0x47E7, 0x1F43B675, 0xA0, 0x75A1,
    0xA6, 0x8E, 0xE8, 0x5854, 0x1C53BB6B, 0xBB, 0xB7, 0xDB, 0x1254C367, 0x7373, 0x63C0, 0x67C8,
    0x1043A770, 0x45B9, 0xB6, 0x80, 0x8F, 0x6924, 0x6944, 0x6911, 0x1941A469, 0x61A7, 0x6624,
    0x41E4, 0xE2, 0xE3, 0xE4, 0xE9, 0xED})
_EBML_SAMPLES = frozenset({0xA3, 0xA1, 0xA2, 0xAF, 0xBF, 0x73A4, 0x3CB923, 0x3EB923, 0x4444})
_EBML_STRINGS = frozenset({
    0x4282, 0x7BA9, 0x4D80, 0x5741, 0x536E, 0x86, 0x258688, 0x22B59C, 0x22B59D, 0x45A3, 0x447A,
    0x447B, 0x4487, 0x85, 0x437C, 0x437D, 0x437E, 0x466E, 0x467E, 0x4660, 0x7384, 0x3C83AB,
    0x3E83BB, 0x63CA, 0x5654, 0x3A9697, 0x3B4040, 0x26B240})
_EBML_LOOSE = frozenset({0x465C, 0x4485, 0x63A2, 0xEC, 0xA5, 0x4255, 0x47E2, 0x41ED, 0x6933,
                         0x6944, 0x450D, 0x7672})
_EBML_NUMBERS = frozenset({
    0x4286, 0x42F7, 0x42F2, 0x42F3, 0x4287, 0x4285, 0x53AB, 0x53AC, 0x2AD7B1, 0x4489, 0x4461,
    0xD7, 0x73C5, 0x83, 0xB9, 0x88, 0x55AA, 0x55AB, 0x55AF, 0x55AC, 0x55AD, 0x55AE, 0x9C,
    0x6DE7, 0x6DF8, 0x23E383, 0x234E7A, 0x23314F, 0x55EE, 0x56AA, 0x56BB, 0xAA, 0x6FAB, 0x9A,
    0x9D, 0x53B8, 0x53C0, 0x53B9, 0xB0, 0xBA, 0x54AA, 0x54BB, 0x54CC, 0x54DD, 0x54B0, 0x54BA,
    0x54B2, 0x54B3, 0x2EB524, 0x2FB523, 0x55B1, 0x55B2, 0x55B3, 0x55B4, 0x55B5, 0x55B6, 0x55B7,
    0x55B8, 0x55B9, 0x55BA, 0x55BB, 0x55BC, 0x55BD, 0x55D1, 0x55D2, 0x55D3, 0x55D4, 0x55D5,
    0x55D6, 0x55D7, 0x55D8, 0x55D9, 0x55DA, 0x7671, 0x7673, 0x7674, 0x7675, 0xB5, 0x78B5, 0x9F,
    0x6264, 0xE7, 0xA7, 0xAB, 0x9B, 0xFB, 0xFA, 0xFD, 0x75A2, 0xEE, 0xCC, 0xCB, 0xCD, 0xCE,
    0xCF, 0xC8, 0xC9, 0xCA, 0xB3, 0xF7, 0xF1, 0xF0, 0xB2, 0x5378, 0xEA, 0xEB, 0x535F, 0x68CA,
    0x63C5, 0x63C9, 0x63C4, 0x63C6, 0x4484, 0x44B4, 0x73C4, 0x91, 0x92, 0x98, 0x4598, 0x45BC,
    0x45BD, 0x45DB, 0x45DD, 0x6EBC, 0x63C3, 0x6955, 0x6922, 0x6FA5, 0x46AE, 0x5031, 0x5032,
    0x5033, 0x4254, 0x47E1, 0x47E8, 0x47E3, 0x47E4, 0x47E5, 0x47E6, 0x58D7, 0x5854, 0x26B240,
    0x6FF3, 0x45DC, 0x4661, 0x4662, 0xC0, 0xC1, 0xC4, 0xC6, 0xC7, 0x7446, 0xF2, 0xF3, 0xF4,
    0x41E7, 0x41F0, 0x6532, 0x6DE8, 0x6DE9, 0x58D8, 0xE5, 0xE6})


def _ebml_walk(data: bytes, start: int) -> ImageWalk:
    """A WebM / Matroska file's elements (above), in file order (masters entered, whatever
    their size); its end at the end of the data."""
    texts: list[str] = []
    loose: list[bytes] = []
    pos = start
    for _ in range(MAX_IMAGE_SEGMENTS):
        if pos == len(data):
            return ImageWalk(texts, pos, loose=loose)
        first = data[pos]
        id_len = 9 - first.bit_length()
        if not first or id_len > 4 or pos + id_len >= len(data):
            break
        eid = int.from_bytes(data[pos:pos + id_len], "big")
        at = pos + id_len
        size_len = 9 - data[at].bit_length()
        if not data[at] or at + size_len > len(data):
            break
        size = int.from_bytes(data[at:at + size_len], "big") & ((1 << (7 * size_len)) - 1)
        at += size_len
        if eid in _EBML_MASTERS:
            pos = at
            continue
        if size == (1 << (7 * size_len)) - 1 or at + size > len(data) or (
                eid not in _EBML_SAMPLES and eid not in _EBML_STRINGS
                and eid not in _EBML_LOOSE and eid not in _EBML_NUMBERS):
            break
        if eid in _EBML_STRINGS:
            texts.append(_field_text(data[at:at + size]))
        elif eid in _EBML_LOOSE:
            loose.append(data[at:at + size])
        pos = at + size
    else:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"media of more than {MAX_IMAGE_SEGMENTS} elements")
    return ImageWalk(texts, None, stop=max(pos, start + 4), loose=loose)


def _bmp_walk(data: bytes, start: int) -> ImageWalk:
    """A BMP: its end after its pixel rows (uncompressed: rows of width x bits, padded to 4
    bytes; compressed: the image size its header gives), not where its file size says."""
    def number(at: int, width: int = 4) -> int:
        return int.from_bytes(data[start + at:start + at + width], "little", signed=True)

    offset, header = number(10), number(14)
    if header == 12:  # (OS/2 core header)
        width, height, bits, compression, size = number(18, 2), number(20, 2), number(24, 2), 0, 0
    else:
        width, height, bits = number(18), number(22), number(28, 2)
        compression, size = number(30), number(34)
    rows = (abs(width) * bits + 31) // 32 * 4 * abs(height)
    end = start + offset + (rows if compression in (0, 3, 6) else size)
    if offset < 14 + header or width <= 0 or bits <= 0 or end > len(data) or (
            compression not in (0, 3, 6) and size <= 0):
        return ImageWalk([], None, stop=start + 14)
    return ImageWalk([], end)


_PNM_COMMENT = re.compile(rb"#([^\n]*)")
_PAM_FIELDS = re.compile(rb"^(WIDTH|HEIGHT|DEPTH|MAXVAL)[ \t]+([0-9]{1,9})", re.M)


def _pnm_walk(data: bytes, start: int) -> ImageWalk:
    """A Netpbm raster (P4-P7): its end after width x height x depth samples (of two bytes
    past a MAXVAL of 255; P4 packs eight pixels a byte)."""
    head = data[start:start + 4096]
    at = _pnm_header(head)
    if at is None:
        return ImageWalk([], None, stop=start + 2)
    if head[:2] == b"P7":
        fields = {k: int(v) for k, v in _PAM_FIELDS.findall(head[:at])}
        width, height, depth = fields.get(b"WIDTH", 0), fields.get(b"HEIGHT", 0), fields.get(
            b"DEPTH", 1)
        maxval = fields.get(b"MAXVAL", 255)
    else:
        m = _PNM_HEADER.match(head)
        assert m is not None  # (as _pnm_header found it)
        width, height = int(m.group(2)), int(m.group(3))
        depth, maxval = (3 if m.group(1) == b"6" else 1), int(m.group(4) or 1)
    size = ((width + 7) // 8 * height if head[:2] == b"P4"
            else width * height * depth * (2 if maxval > 255 else 1))
    end = start + at + size
    # (round 24: its header's comments, each a field: the second image of a multi-image
    # file has its own, which the first bytes' reading never sees)
    texts = [_field_text(c) for c in _PNM_COMMENT.findall(head[:at])]
    return ImageWalk(texts, end) if end <= len(data) else ImageWalk(texts, None,
                                                                    stop=start + at)


def _j2k_walk(data: bytes, start: int) -> ImageWalk:
    """A JPEG 2000 codestream's marker segments (comments read), its tile-parts skipped by
    their lengths; its end after the EOC marker."""
    texts: list[str] = []
    pos = start + 2
    for _ in range(MAX_IMAGE_SEGMENTS):
        if data[pos:pos + 2] == b"\xff\xd9":
            return ImageWalk(texts, pos + 2)
        if pos + 4 > len(data) or data[pos] != 0xFF:
            break
        marker, size = data[pos + 1], int.from_bytes(data[pos + 2:pos + 4], "big")
        nxt = pos + 2 + size
        if marker == 0x90:  # SOT: the tile-part's length (0: to the EOC at the end)
            psot = int.from_bytes(data[pos + 6:pos + 10], "big")
            nxt = pos + psot if psot else data.rfind(b"\xff\xd9", pos)
        elif marker == 0x64:
            texts.append(_field_text(data[pos + 6:nxt]))
        if size < 2 or nxt <= pos or nxt > len(data):
            break
        pos = nxt
    else:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"image of more than {MAX_IMAGE_SEGMENTS} segments")
    return ImageWalk(texts, None, stop=max(pos, start + 2))


# Round 24: packed decimal (COBOL COMP-3) in fixed-width EBCDIC records (a bank's batch file):
# two digits a byte, the last byte's low nibble the sign (C, D or F): 13912345678 is
# 13 91 23 45 67 8C, bytes no text reading shows as digits (red team round 19). Read only in a
# body that is mostly EBCDIC text (random bytes are a third EBCDIC letters, digits and
# punctuation; packed digits are a third of all byte values, so a run of them ended by a sign
# byte stands in random data every few hundred bytes): each run of digit bytes ended by a
# sign byte, its leading bytes that are EBCDIC space, letters or punctuation left out (a text
# field before it: " " is 0x40, "a" 0x81), a pad nibble 0 (before an even count) too.
_EBCDIC_TEXT_BYTES = bytes([0x40, 0x4B, 0x4C, 0x4D, 0x4E, 0x50, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E,
                            0x60, 0x61, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x7A, 0x7B, 0x7C, 0x7D,
                            0x7E, 0x7F, *range(0x81, 0x8A), *range(0x91, 0x9A),
                            *range(0xA2, 0xAA), *range(0xC1, 0xCA), *range(0xD1, 0xDA),
                            *range(0xE2, 0xEA), *range(0xF0, 0xFA)])
_PACKED_DIGITS = bytes(h << 4 | lo for h in range(10) for lo in range(10))
_PACKED_SIGNS = bytes(h << 4 | s for h in range(10) for s in (0xC, 0xD, 0xF))
_PACKED_RUN = re.compile(b"[" + re.escape(_PACKED_DIGITS) + b"]{5,24}+["
                         + re.escape(_PACKED_SIGNS) + b"]")
_EBCDIC_LEADING = frozenset(_EBCDIC_TEXT_BYTES) & frozenset(_PACKED_DIGITS)


def packed_decimals(data: bytes) -> str | None:
    """The packed decimal numbers of an EBCDIC record body (see above), each a field of its
    own; None when the body is not mostly EBCDIC text."""
    if len(data) < 8 or len(data.translate(None, _EBCDIC_TEXT_BYTES)) * 2 > len(data):
        return None
    found: list[str] = []
    for m in itertools.islice(_PACKED_RUN.finditer(data), 100_000):
        run = m.group()
        start = 0
        while start < len(run) - 1 and run[start] in _EBCDIC_LEADING:
            start += 1
        digits = run[start:].hex()[:-1]
        if digits.startswith("0"):
            digits = digits[1:]  # (the pad nibble before an even count of digits)
        if len(digits) >= 11:
            found.append(digits)
    return ";\n".join(found) or None


# Round 24: audio tags wherever they stand in a body (red team round 23: an MP3 with no tag in
# front, whose ID3v2.4 tag is appended at its end with a footer, a Lyrics3 block before its
# ID3v1 tag, or an APE tag: read as binary text runs, the tag's last digits ran into the
# footer's or the size field's ("...1233" "3DI", "...1233" "000045LYRICS200")): each tag is
# read by its own structure, its fields apart. Found by their magic (C-speed searches, only in
# bodies that hold one), each parsed by its lengths; at most MAX_AUDIO_TAGS of them.
_ID3_HEADER = re.compile(rb"ID3[\x02-\x04][\x00-\xfe][\x00-\xff][\x00-\x7f]{4}")
_LYRICS3_FIELD = re.compile(rb"([A-Z]{3})([0-9]{5})")
_APE_ITEM_KEY = re.compile(rb"[\x20-\x7e]{2,255}\x00")
MAX_AUDIO_TAGS = 64
AUDIO_TAG_MARKS = (b"ID3", b"LYRICSBEGIN", b"APETAGEX")


def _lyrics3(data: bytes, at: int, texts: list[str]) -> None:
    """A Lyrics3 block from LYRICSBEGIN: v2's fields (an ID, a five-digit size, the value)
    read apart; v1's lyrics (to LYRICSEND, at most 5,100 bytes) read whole."""
    pos = at + 11
    fields = 0
    while (m := _LYRICS3_FIELD.match(data, pos)) is not None and fields < MAX_IMAGE_SEGMENTS:
        size = int(m.group(2))
        if m.end() + size > len(data):
            break
        texts.append(m.group(1).decode() + ": " + _field_text(data[m.end():m.end() + size]))
        pos, fields = m.end() + size, fields + 1
    if not fields:
        end = data.find(b"LYRICSEND", pos, pos + 5100)
        texts.append(_field_text(data[pos:end if end >= 0 else pos + 5100]))


def _ape_tag(data: bytes, at: int, texts: list[str], loose: list[bytes]) -> None:
    """An APEv1/v2 tag's header or footer at `at`: its items (a value size, flags, a key
    ended by NUL, the value) read apart; binary items kept as bodies."""
    if at + 32 > len(data):
        return
    size, count, flags = struct.unpack_from("<III", data, at + 12)
    start = at + 32 if flags & (1 << 29) else at + 32 - size
    end = start + size - (0 if flags & (1 << 29) else 32)
    if start < 0 or end > len(data) or size > len(data):
        return
    pos = start
    for _ in range(min(count, MAX_IMAGE_SEGMENTS)):
        if pos + 8 > end:
            break
        vsize, iflags = struct.unpack_from("<II", data, pos)
        key = _APE_ITEM_KEY.match(data, pos + 8, min(end, pos + 8 + 256))
        if key is None or key.end() + vsize > end:
            break
        value = data[key.end():key.end() + vsize]
        if (iflags >> 1) & 3 == 1:
            loose.append(value)  # (binary: cover art, ...)
        else:
            texts.append(key.group()[:-1].decode("ascii") + ": " + _field_text(value))
        pos = key.end() + vsize


def audio_tags(data: bytes) -> tuple[list[str], list[bytes]]:
    """The ID3v2, Lyrics3 and APE tags anywhere in `data` (see above): their texts, and the
    binary values (pictures) kept as bodies."""
    texts: list[str] = []
    loose: list[bytes] = []
    room = MAX_IMAGE_TEXTS
    for m in itertools.islice(_ID3_HEADER.finditer(data), MAX_AUDIO_TAGS):
        _, inflated = _id3_tag(data, m.start(), texts, loose, room)
        room -= inflated
    at, tags = data.find(b"LYRICSBEGIN"), 0
    while at >= 0 and tags < MAX_AUDIO_TAGS:
        _lyrics3(data, at, texts)
        at, tags = data.find(b"LYRICSBEGIN", at + 11), tags + 1
    at, tags = data.find(b"APETAGEX"), 0
    while at >= 0 and tags < MAX_AUDIO_TAGS:
        _ape_tag(data, at, texts, loose)
        at, tags = data.find(b"APETAGEX", at + 8), tags + 1
    return [t for t in texts if t.strip(";\n ")], loose


# Round 24: MP4 / QuickTime / 3GP / M4A (ISO-BMFF) video and audio walked when the body is held
# (in a multipart part, an archive, an image's trailer, a held body: a top-level video body
# still streams, see inspection.py): the box tree to its end, each box skipped by its length
# (an 8 MB video is a few hundred boxes), so metadata after the media data (a udta comment,
# iTunes meta/ilst items, an XMP uuid box) is read wherever it stands. Boxes of samples and
# of sample-table numbers are skipped (their bytes are frames and offsets, as pixels are
# never read); ilst items are read by their data type (UTF-8, UTF-16, and the big-endian
# integers of types 21/22/65-67/74-78 as decimal), QuickTime and 3GPP udta strings by their
# lengths, other leaf boxes as text runs; cover art and other embedded media kept as bodies.
_MP4_CONTAINERS = frozenset({
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"meta", b"ilst", b"edts", b"dinf",
    b"moof", b"traf", b"mvex", b"mfra", b"tref", b"sinf", b"schi", b"clip", b"matt", b"gmhd",
    b"tapt", b"iprp", b"ipco", b"meco", b"strk", b"strd", b"rinf", b"trgr", b"grpl", b"cmov"})
_MP4_SKIPPED = frozenset({
    b"mdat", b"stts", b"stsc", b"stsz", b"stz2", b"stco", b"co64", b"stss", b"ctts", b"sdtp",
    b"sbgp", b"sgpd", b"saiz", b"saio", b"senc", b"trun", b"tfdt", b"tfhd", b"sidx", b"ssix",
    b"tfra", b"mfro", b"mfhd", b"mvhd", b"tkhd", b"mdhd", b"vmhd", b"smhd", b"hmhd", b"nmhd",
    b"elst", b"stps", b"cslg", b"mehd", b"trex", b"pssh", b"iloc", b"iinf", b"pitm"})
_MP4_INTEGERS = {21: True, 22: False, 65: True, 66: True, 67: True, 74: True, 75: False,
                 76: False, 77: False, 78: False}  # (ilst data types: signed?)
MAX_MP4_DEPTH = 32  # boxes within boxes entered; deeper ones read as leaves


def _mp4_string(raw: bytes) -> str:
    """A UTF-8 string, or UTF-16 after a byte order mark (QuickTime, 3GPP)."""
    if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return _field_text(raw[:len(raw) & ~1], "utf-16")
    return _field_text(raw)


def _mp4_leaf(kind: bytes, parent: bytes, raw: bytes, texts: list[str],
              loose: list[bytes]) -> None:
    """One leaf box's payload read (see above)."""
    if kind == b"data" and len(raw) >= 8:
        dtype, value = int.from_bytes(raw[1:4], "big"), raw[8:]
        if dtype in _MP4_INTEGERS and len(value) in (1, 2, 3, 4, 8):
            texts.append(str(int.from_bytes(value, "big", signed=_MP4_INTEGERS[dtype])))
        elif dtype == 2:
            texts.append(_field_text(value[:len(value) & ~1], "utf-16-be"))
        elif dtype in (13, 14, 27, 0) and (binary_signature(value[:SIGNATURE_BYTES])
                                            or _archive(value)):
            loose.append(value)  # (cover art)
        else:
            texts.append(_mp4_string(value))
        return
    if kind in (b"mean", b"name") and parent != b"ilst":
        texts.append(_field_text(raw[4:]))
        return
    if parent == b"udta" and kind[:1] == b"\xa9" and len(raw) >= 4 and (
            4 + int.from_bytes(raw[:2], "big") <= len(raw)):
        # (QuickTime: a 16-bit length, a language, the text; perhaps more strings after)
        size = int.from_bytes(raw[:2], "big")
        texts.append(_mp4_string(raw[4:4 + size]))
        raw = raw[4 + size:]
    elif parent == b"udta" and len(raw) >= 6 and raw[:4] == b"\0\0\0\0":
        texts.append(_mp4_string(raw[6:]))  # (3GPP: a full box, a language, the text)
        return
    if runs := media_texts(raw):
        texts.append(runs.decode("latin-1"))
    if len(raw) > 64 and (binary_signature(raw[:SIGNATURE_BYTES]) or _archive(raw)):
        loose.append(raw)


def _mp4_walk(data: bytes, start: int) -> ImageWalk:
    """Round 24: an MP4 / QuickTime file's box tree (see above); its end after its last
    whole box (a last box cut short, mdat most often: the file truncated, its end the data's
    end). What does not parse as a box inside a container is kept as a body."""
    texts: list[str] = []
    loose: list[bytes] = []
    stack: list[tuple[bytes, int]] = [(b"", len(data))]  # (kind, end) of the boxes entered
    pos = start
    for _ in range(MAX_IMAGE_SEGMENTS):
        while len(stack) > 1 and pos >= stack[-1][1]:
            pos = stack.pop()[1]
        parent, limit = stack[-1]
        if pos + 8 > limit:
            if len(stack) == 1:
                return ImageWalk(texts, pos if pos == limit else None, stop=pos, loose=loose)
            loose.append(data[pos:limit])
            pos = limit
            continue
        size, kind, head = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8], 8
        if size == 1:
            size, head = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = limit - pos
        top = len(stack) == 1
        known = kind in _MP4_CONTAINERS or kind in _MP4_SKIPPED
        if size < head or (top and not _FOURCC.fullmatch(kind)) or (
                top and pos + size > limit and not known):
            if top:  # (what follows the boxes: read as a body of its own)
                return ImageWalk(texts, pos if pos > start else None, stop=start + 8,
                                 loose=loose)
            loose.append(data[pos:limit])  # (not a box: kept)
            pos = limit
            continue
        end = min(pos + size, limit)
        body = pos + head
        if kind in _MP4_CONTAINERS and len(stack) < MAX_MP4_DEPTH:
            if kind == b"meta" and data[body:body + 4] == b"\0\0\0\0":
                body += 4  # (ISO's meta is a full box; QuickTime's is not)
            stack.append((kind, end))
            pos = body
            continue
        if parent == b"ilst":  # (an item: its data, mean and name boxes inside)
            stack.append((b"item", end))
            pos = body
            continue
        if kind == b"mdat":
            for m in itertools.islice(_ISO_EXIF.finditer(data, body, end), MAX_EXIF_COMMENTS):
                block = data[m.end():min(m.end() + 65536, end)]
                texts.append(media_texts(block).decode("latin-1"))
                texts.extend(exif_comments(block))
            at = data.find(b"<x:xmpmeta", body, end)
            if at >= 0:
                close = data.find(b"</x:xmpmeta>", at, min(at + MAX_IMAGE_TEXT, end))
                texts.append(data[at:close if close >= 0 else min(at + 65536, end)].decode(
                    "utf-8", "replace"))
        elif kind not in _MP4_SKIPPED:
            _mp4_leaf(kind, parent, data[body:end], texts, loose)
        pos = end
    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                        f"media of more than {MAX_IMAGE_SEGMENTS} boxes")


def image_walk(data: bytes, media: str, start: int = 0,
               room: int = MAX_IMAGE_TEXTS) -> ImageWalk | None:
    """The held image at `start` of `data` walked whole (None: another format); its end is an
    offset in `data`; its compressed texts inflate to at most `room` bytes (more: refused).
    (Nothing but the text segments is copied.)"""
    if media == "png" and data.startswith(_PNG_MAGIC, start):
        return _png_walk(data, start, room)
    if media == "jpeg" and data.startswith(b"\xff\xd8", start):
        return _jpeg_walk(data, start)
    if media == "gif" and data.startswith((b"GIF87a", b"GIF89a"), start):
        return _gif_walk(data, start)
    if media == "webp" and data[start:start + 4] + data[start + 8:start + 12] == b"RIFFWEBP":
        return _webp_walk(data, start)
    if media == "tiff" and data[start:start + 4] in (b"II*\0", b"MM\0*"):
        return _tiff_walk(data, start)
    if media in ("heic", "avif") and data[start + 4:start + 8] == b"ftyp":
        return _iso_walk(data, start)
    return _media_walk(data, media, start, room)


def _media_walk(data: bytes, media: str, start: int, room: int) -> ImageWalk | None:
    """Round 22: image_walk for the media HELD_MEDIA adds to HELD_IMAGES."""
    if media == "jpeg2000" and data[start + 4:start + 8] == b"jP  ":
        return _iso_walk(data, start, b"jp2c")
    if media == "jpeg2000" and data.startswith(b"\xff\x4f\xff\x51", start):
        return _j2k_walk(data, start)
    if media == "mp3" and data.startswith(b"ID3", start):
        return _mp3_walk(data, start, room)
    if media == "wav" and data[start:start + 4] + data[start + 8:start + 12] == b"RIFFWAVE":
        return _riff_walk(data, start)
    if media == "flac" and data.startswith(b"fLaC", start):
        return _flac_walk(data, start)
    if media == "ogg" and data.startswith(b"OggS", start):
        return _ogg_walk(data, start)
    if media == "webm" and data.startswith(b"\x1aE\xdf\xa3", start):
        return _ebml_walk(data, start)
    if media == "bmp" and data.startswith(b"BM", start):
        return _bmp_walk(data, start)
    if media == "netpbm" and data.startswith(b"P", start):
        return _pnm_walk(data, start)
    if media in WALKED_VIDEO and data[start + 4:start + 8] == b"ftyp":
        return _mp4_walk(data, start)
    return None


def appended_media(trailer: bytes) -> int | None:
    """Where an MP4 / QuickTime file starts in what follows an image (a motion photo: Google
    puts it right after the JPEG, Samsung after a "MotionPhoto_Data" marker), or None."""
    at = trailer.find(b"ftyp", 4, 4096)
    return at - 4 if at >= 4 else None


# Binary data that is no text in any charset read: C0 control bytes other than tab, line
# ends, form feeds and escape (and NUL, which UTF-16 text is full of) in more than 1% of it.
# Random bytes have ~11%; text, even UTF-16 text of Latin script, none. (UTF-16 text of
# CJK script has many by this count: a clean UTF-16/32 reading makes it text, see wide_texts.)
_CONTROL_BYTES = bytes([*range(1, 9), *range(14, 27), *range(28, 32), 127])


def _many_controls(data: bytes) -> bool:
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls >= 8 and controls * 100 > len(data)


def wide_texts(data: bytes) -> list[str]:
    """The UTF-16/32 readings of `data` (either byte order; UTF-16 at either alignment) that
    have few replacement characters and controls (under 1%): text, though a CJK character's
    code unit often has a C0 byte (and pure CJK text has no NUL byte to show it is UTF-16).
    (Random bytes are never such: one UTF-16 unit in 32 is a lone surrogate.)"""
    wide32 = data.count(b"\x00\x00") * 8 >= len(data)
    found: list[str] = []
    for codec, width in _WIDE_CODECS:
        if width == 4 and not wide32:
            continue  # (decoding random bytes as UTF-32 is slow: nearly every unit replaced)
        for offset in range(width if width == 2 else 1):
            piece = data[offset:]
            text = piece[:len(piece) - len(piece) % width].decode(codec, "replace")
            if text and (text.count("\ufffd") + len(_CONTROL_CHARS.findall(text))) * 100 <= \
                    len(text):
                found.append(text)
    return found


def binary_data(data: bytes) -> bool:
    """C0 control bytes in more than 1% of `data` (see above), and no clean UTF-16/32 reading."""
    return _many_controls(data) and not wide_texts(data)


# The text in binary data, as `strings` finds it: runs of eight characters or more, in each
# reading: UTF-8 (ASCII included; a control byte or two inside a run, as text sprinkled with
# them has, stands for a space); the declared charset; UTF-16 and UTF-32 of either byte
# order and alignment (letters, digits, punctuation and CJK of the scripts identifiers are
# written in), the runs holding two digits or more (any script's, fullwidth, circled, Chinese
# numerals) or eight ASCII letters (digits said in words); EBCDIC (cp037, read whenever the
# data is no UTF-8, as decode_text reads it), the runs holding four digits or more; ISO-2022
# where its escapes stand; and each two-byte legacy CJK charset (GB18030/GBK, Big5,
# Shift_JIS), the runs holding eight digits or numerals (no identifier has fewer; random
# bytes read in these are mostly CJK). Each reading is decoded in C and searched with one
# pattern (a byte-pattern alternation was ~15 MB/s).
_CTL = "\x00-\x08\x0e-\x1f\x7f"
_CONTROL_CHARS = re.compile(f"[{_CTL}]")
_TEXT_RUNS = re.compile(f"[^{_CTL}\ufffd]{{8,}}")
# (in the UTF-8 reading, a control byte or two inside a run: random bytes break there at
# once on the invalid sequences; a reading that maps every byte, cp037 or GB18030, would
# make one run of them all)
# (a run starts only where eight characters follow with no U+FFFD: random bytes read as UTF-8
# hold one every few bytes, so most would-be runs are ruled out in C without being listed:
# 150 KB of JPEG data, 33k short runs found and dropped, 5.9 -> 2.2 ms; a run of eight or
# more is found whole as before, since it holds no U+FFFD)
_MERGED_RUNS = re.compile(f"(?=[^\ufffd]{{8}})[^{_CTL}\ufffd]+(?:[{_CTL}]{{1,2}}[^{_CTL}\ufffd]+)*")
_WIDE_RANGES = ((0x09, 0x0a), (0x0d, 0x0d), (0x20, 0x7e), (0xa0, 0x6ff), (0x900, 0xe7f),
                (0x2000, 0x24ff), (0x2776, 0x2793), (0x3000, 0x30ff), (0x3400, 0x4dbf),
                (0x4e00, 0x9fff), (0xac00, 0xd7a3), (0xff00, 0xffef), (0x1d400, 0x1d7ff))


def _class_of(ranges: Iterable[tuple[int, int]]) -> str:
    """A regex character class body for the inclusive code point ranges."""
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


def _complement(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for a, b in ranges:
        if a > nxt:
            out.append((nxt, a - 1))
        nxt = b + 1
    return [*out, (nxt, 0x10FFFF)] if nxt <= 0x10FFFF else out


_WIDE_CLASS = _class_of(_WIDE_RANGES)
_NOT_WIDE = _class_of(_complement(_WIDE_RANGES))
_WIDE_TEXT_RUNS = re.compile(f"[{_WIDE_CLASS}]{{8,}}")
_WIDE_CODECS = (("utf-16-le", 2), ("utf-16-be", 2), ("utf-32-le", 4), ("utf-32-be", 4))
_DBCS_CODECS = ("gb18030", "big5", "shift_jis")


def _at_least(count: int, chars: str) -> re.Pattern[str]:
    """A pattern whose .match() says a text holds `count` characters of the class `chars` or
    more (possessive: one pass, no list of matches; runs are checked in tens of thousands)."""
    return re.compile(f"(?:[^{chars}]*+[{chars}]){{{count}}}")


_DBCS_DIGITS = "0-9\uff10-\uff19" + CN_NUMERAL_CHARS
_DBCS_KEPT = _at_least(8, _DBCS_DIGITS)
_EBCDIC_KEPT = _at_least(4, "0-9")
_WIDE_DIGIT_CHARS = "\\d\u2460-\u24ff\u2776-\u2793" + CN_NUMERAL_CHARS
_WIDE_DIGITS = _at_least(2, _WIDE_DIGIT_CHARS)
_WIDE_LETTERS = _at_least(8, "A-Za-z")


def _within_a_run(count: int, chars: str, not_run: str) -> re.Pattern[str]:
    """A pattern that matches `count` characters of the class `chars` with only other run
    characters (none of the class `not_run`) between them: it matches inside every run that
    holds `count` of them, and never across two runs, provided no character of `chars` is of
    `not_run` (for _kept_runs). It starts with a plain class, which the engine skips to in C
    (a lookahead first, or an alternation, was slower than listing every run)."""
    return re.compile(f"[{chars}](?:[^{not_run}{chars}]*+[{chars}]){{{count - 1}}}")


_DBCS_WITHIN = _within_a_run(8, _DBCS_DIGITS, f"{_CTL}\ufffd")
_EBCDIC_WITHIN = _within_a_run(4, "0-9", f"{_CTL}\ufffd")


def _wide_digit_class() -> str:
    """_WIDE_DIGIT_CHARS within _WIDE_RANGES, as a class of its own (a digit no run holds,
    Myanmar's, would start a match that takes the next run's first digit)."""
    wide = "".join(chr(c) for a, b in _WIDE_RANGES for c in range(a, b + 1))
    found = sorted({ord(c) for c in re.findall(f"[{_WIDE_DIGIT_CHARS}]", wide)})
    ranges: list[tuple[int, int]] = []
    for c in found:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return _class_of(ranges)


_WIDE_WITHIN = (_within_a_run(2, _wide_digit_class(), _NOT_WIDE),
                _within_a_run(8, "A-Za-z", _NOT_WIDE))
_ISO2022 = (("iso-2022-jp", (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")),
            ("iso-2022-kr", (b"\x1b$)C",)))
_RUN_JOINT = ";\n"  # (each run a field of its own: a newline alone joins digit groups)
_ESCAPE_CHARS = re.compile(r"[\\%&<+]")  # what _decodings undoes starts with one of these


def _runs(text: str, keep: Callable[[str], bool] | None = None, merged: bool = False,
          kept: re.Pattern[str] | None = None) -> str:
    """The runs of `text` (see above), joined; `merged`: controls inside one as spaces.
    `kept`: a pattern that matches inside every run `keep` keeps (see _kept_runs)."""
    if kept is not None and keep is not None:
        return _RUN_JOINT.join(_kept_runs(text, (kept,), _NOT_RUN, keep))
    found = [run for run in _MERGED_RUNS.findall(text) if len(run) >= 8] if merged else \
        _TEXT_RUNS.findall(text)
    if keep is not None:
        found = [run for run in found if keep(run)]
    return _CONTROL_CHARS.sub(" ", _RUN_JOINT.join(found))


def _kept_runs(text: str, kept: tuple[re.Pattern[str], ...], apart: re.Pattern[str],
               keep: Callable[[str], bool]) -> list[str]:
    """The runs of eight characters or more of `text` (maximal stretches with no character
    of `apart`) that `keep` keeps, in order: the same list as filtering every run, found from
    the matches of the `kept` patterns, which lie within one run each and, one or another,
    match in every run `keep` keeps. Random bytes read in a legacy charset or as UTF-16 make
    tens of thousands of runs, each a string and a call: the raw body of a form with a
    150 KB photo (read as binary) took ~80 ms, about half of it in listing runs."""
    out: list[str] = []
    taken = 0  # where the last run listed ends (a character of `apart`, or the end)
    found = [m.start() for m in kept[0].finditer(text)] if len(kept) == 1 else \
        sorted(m.start() for pattern in kept for m in pattern.finditer(text))
    for at in found:
        if at < taken:
            continue  # inside the run just listed
        stop = apart.search(text, at)
        end = len(text) if stop is None else stop.start()
        # the run's start: after the last character of `apart` before the match (searched
        # in growing windows back to the last run: a few characters in random data)
        start, width = -1, 64
        while start < 0:
            lo = max(taken, at - width)
            for sep in apart.finditer(text, lo, at):
                start = sep.end()
            if start < 0 and lo == taken:
                start = taken
            width *= 4
        taken = end
        run = text[start:end]
        if len(run) >= 8 and keep(run):
            out.append(run)
    return out


_NOT_RUN = re.compile(f"[{_CTL}\ufffd]")
_NOT_WIDE_RUN = re.compile(f"[{_NOT_WIDE}]")


def _wide_kept(run: str) -> bool:
    return _WIDE_DIGITS.match(run) is not None or _WIDE_LETTERS.match(run) is not None


_ZERO_PAIR = re.compile(b"\x00\x00")


def _wide32_regions(data: bytes) -> list[bytes]:
    """The stretches of `data` where UTF-32 text may stand: eight or more zero-byte pairs
    (one in each UTF-32 character of the BMP), each within 16 bytes of the one before, with
    16 bytes either side."""
    regions: list[bytes] = []
    first = last = -1
    count = 0
    for m in _ZERO_PAIR.finditer(data):
        at = m.start()
        if at - last > 16:
            if count >= 8:
                regions.append(data[max(0, first - 16):last + 18])
            first, count = at, 0
        last = at
        count += 1
    if count >= 8:
        regions.append(data[max(0, first - 16):last + 18])
    return regions


def binary_texts(data: bytes, charset: str | None = None) -> list[str]:
    """The texts a reader finds in binary `data`: its runs in each reading (see above), one
    text per reading, runs one per line (the first: UTF-8, possibly empty)."""
    texts = [_runs(data.decode("utf-8", "replace"), merged=True)]
    if charset:
        declared = _declared_reading(data, charset)
        if declared is None:
            declared = data.decode("cp037", "replace")  # (as decode_text reads it)
        wide = charset.lower().replace("_", "-").startswith(("utf-16", "utf-32", "ucs"))
        texts.append(_RUN_JOINT.join(_kept_runs(declared, _WIDE_WITHIN, _NOT_WIDE_RUN,
                                                _wide_kept)) if wide else _runs(declared))
    # (UTF-32 only where its characters' two zero bytes stand close together: decoding
    # random bytes as UTF-32 replaces nearly every unit, ~10 ms per 300 KB and alignment)
    regions = _wide32_regions(data)
    for codec, width in _WIDE_CODECS:
        texts.append(_RUN_JOINT.join(
            run for piece in ([data] if width == 2 else regions) for offset in range(width)
            for run in _kept_runs(piece[offset:len(piece) - (len(piece) - offset) % width]
                                  .decode(codec, "replace"), _WIDE_WITHIN, _NOT_WIDE_RUN,
                                  _wide_kept)))
    texts.append(_runs(data.decode("cp037", "replace"),
                       lambda run: _EBCDIC_KEPT.match(run) is not None, kept=_EBCDIC_WITHIN))
    if b"\x1b" in data:
        texts.extend(_runs(data.decode(codec, "replace")) for codec, marks in _ISO2022
                     if any(m in data for m in marks))
    for codec in _DBCS_CODECS:
        texts.append(_runs(data.decode(codec, "replace"), lambda run: not run.isascii()
                           and _DBCS_KEPT.match(run) is not None, kept=_DBCS_WITHIN))
    return [texts[0], *(t for t in texts[1:] if t)]


def text_like(sample: bytes) -> bool:
    """Mostly printable ASCII: text that a signature was put in front of (a polyglot)."""
    return len(sample) >= 16 and _printable(sample) >= 0.95 * len(sample)


def binary_signature(data: bytes) -> str | None:
    """The binary media format `data` (its first SIGNATURE_BYTES) is, or None.

    A signature followed by text (`GIF89a{"id": ...}`) is not media: it is inspected like any
    text. PDF is a document that holds text: it is never media (see `_pdf_streams`)."""
    found = _signature(data)
    if found is None:
        return None
    name, skip = found
    if name == "pdf" or text_like(data[skip:SIGNATURE_BYTES]):
        return None
    return name


# -- compression ----------------------------------------------------------------------------

# Archives and compressed formats not decoded here: a body (or a base64 token) in one is
# refused, never forwarded unread. (Round 10: lz4, lzip, snappy's framing and Unix compress
# passed as opaque bytes, whatever they held.)
_ARCHIVES_REFUSED = ((b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"),
                     (b"\x04\x22\x4d\x18", "lz4"), (b"\x02\x21\x4c\x18", "lz4"),
                     (b"LZIP\x01", "lzip"), (b"LZIP\x00", "lzip"),
                     (b"\xff\x06\x00\x00sNaPpY", "snappy"))
_REFUSED_NAMES = frozenset(name for _, name in _ARCHIVES_REFUSED) | {"compress"}


def _bounded(limit: int, chunks: Iterable[bytes], what: str) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                f"{what} decompresses beyond the inspection limit")
    return bytes(out)


# Input is fed to a decompressor in chunks this size: at the end of a stream it copies what
# it was given and did not read (unused_data), so handed the whole rest of the body, a body
# of thousands of tiny concatenated members copied that rest once per member (quadratic).
_FEED = 4096
_NOT_NUL = re.compile(rb"[^\0]")


def _zlib_stream(data: bytes, wbits: int, limit: int) -> Iterator[bytes]:
    view = memoryview(data)
    pos = 0
    d = zlib.decompressobj(wbits)
    pending: bytes | memoryview = b""
    while True:
        if not pending:
            if pos >= len(data):
                break
            pending = view[pos:pos + _FEED]
            pos += len(pending)
        yield d.decompress(pending, 65536)
        pending = d.unconsumed_tail
        if d.eof:
            rest = d.unused_data
            if wbits in (31, 47) and (rest or pos < len(data)):
                # Concatenated gzip members (RFC 1952 s.2.2): each one is part of the body.
                pending, d = rest, zlib.decompressobj(wbits)
            else:
                return
    if not d.eof:
        raise zlib.error("truncated stream")


def _streams(factory: Callable[[], bz2.BZ2Decompressor | lzma.LZMADecompressor], magic: bytes,
             data: bytes, limit: int) -> Iterator[bytes]:
    """Each of the concatenated streams of a bzip2 or xz file, as `bzip2 -d`, `xz -d` and
    Python's bz2/lzma.decompress read them all (each decompressor stops after one). What
    follows the last stream (padding, junk) is ignored as before. Fed in chunks (see
    _FEED): linear in the number of streams."""
    view = memoryview(data)
    pos = 0
    while True:
        d = factory()
        while not d.eof and pos < len(data):
            chunk = view[pos:pos + _FEED]
            yield d.decompress(chunk, limit + 1)  # more than limit: refused by _bounded
            pos += len(chunk) - (len(d.unused_data) if d.eof else 0)
        if not d.eof:
            return
        m = _NOT_NUL.search(data, pos)  # xz stream padding
        if m is None or not data.startswith(magic, m.start()):
            return
        pos = m.start()


def decompress(data: bytes, coding: str, *, limit: int, ratio: int) -> bytes:
    """`data` decoded from one content coding (RFC 9110 s.8.4.1), at most `limit` bytes and
    `ratio` times its input; a bomb or a broken stream is refused, never forwarded unread."""
    cap = min(limit, max(len(data), 1) * ratio)
    what = f"{coding} content"
    try:
        if coding in ("gzip", "x-gzip"):
            return _bounded(cap, _zlib_stream(data, 47, cap), what)
        if coding == "deflate":  # RFC 9110: zlib format; raw deflate is common in the wild
            wbits = 15 if len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0 else -15
            return _bounded(cap, _zlib_stream(data, wbits, cap), what)
        if coding == "deflate-raw":  # (round 20: an Avro block, raw RFC 1951 by its spec)
            return _bounded(cap, _zlib_stream(data, -15, cap), what)
        if coding == "br":
            dec = brotli.Decompressor()
            return _bounded(cap, _brotli_chunks(dec, data), what)
        if coding == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
            return _bounded(cap, iter(lambda: reader.read(65536), b""), what)
        if coding == "bzip2":
            return _bounded(cap, _streams(bz2.BZ2Decompressor, b"BZh", data, cap), what)
        if coding == "xz":
            return _bounded(cap, _streams(lzma.LZMADecompressor, b"\xfd7zXZ\x00", data, cap),
                            what)
        if coding == "lzma":  # (sniffed only: no Content-Encoding names it)
            return _bounded(cap, _streams(_lzma_alone, _NO_MAGIC, data, cap), what)
    except Uninspectable as exc:
        if cap < limit:
            raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                f"{what} expands more than {ratio} times "
                                "(payload.max_decompression_ratio)") from exc
        raise
    except (zlib.error, brotli.error, zstandard.ZstdError, OSError, EOFError, ValueError,
            lzma.LZMAError) as exc:
        raise PayloadError(f"{what} is not a valid {coding} stream") from exc
    raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                        "content coding not supported for inspection")


MAX_SNAPPY_ELEMENTS = 250_000  # literals and copies of snappy data undone (~1 s); more: 422


def snappy_raw(data: bytes, *, limit: int, ratio: int) -> bytes:
    """Raw snappy (no framing: an Avro block's codec, round 20; no snappy library is
    installed): the uncompressed length as a varint, then literals and back-references. At
    most `limit` bytes and `ratio` times its input, MAX_SNAPPY_ELEMENTS elements; a stream
    that is not whole is a PayloadError."""
    size = value = shift = i = 0
    while i < len(data) and shift < 35:
        value |= (data[i] & 0x7F) << shift
        i += 1
        shift += 7
        if not data[i - 1] & 0x80:
            size = value
            break
    else:
        raise PayloadError("snappy data has no length")
    if size > min(limit, max(len(data), 1) * ratio):
        raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                            "snappy data decompresses beyond the inspection limit")
    out = bytearray()
    elements = 0
    while i < len(data):
        elements += 1
        if elements > MAX_SNAPPY_ELEMENTS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"snappy data of more than {MAX_SNAPPY_ELEMENTS} elements")
        tag = data[i]
        i += 1
        kind = tag & 3
        if kind == 0:  # a literal: its length in the tag, or in 1-4 bytes after it
            length = tag >> 2
            if length >= 60:
                width = length - 59
                length = int.from_bytes(data[i:i + width], "little")
                i += width
            length += 1
            if i + length > len(data):
                raise PayloadError("snappy literal past the end")
            out += data[i:i + length]
            i += length
        else:  # a copy of bytes already written (1-, 2- or 4-byte offset)
            if kind == 1:
                if i >= len(data):
                    raise PayloadError("snappy copy past the end")
                length, offset = ((tag >> 2) & 7) + 4, (tag >> 5) << 8 | data[i]
                i += 1
            else:
                width = 2 if kind == 2 else 4
                length = (tag >> 2) + 1
                offset = int.from_bytes(data[i:i + width], "little")
                i += width
            if not 0 < offset <= len(out) or i > len(data):
                raise PayloadError("snappy copy out of range")
            start = len(out) - offset
            if offset >= length:
                out += out[start:start + length]
            else:  # (a run: the last `offset` bytes repeated)
                out += (out[start:] * (length // offset + 1))[:length]
        if len(out) > size:
            raise PayloadError("snappy data longer than its length")
    if len(out) != size:
        raise PayloadError("snappy data shorter than its length")
    return bytes(out)


def _brotli_chunks(dec: brotli.Decompressor, data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), 16384):
        yield dec.process(data[i:i + 16384])
    if not dec.is_finished():
        raise brotli.error("truncated stream")


_CODINGS = {"gzip", "x-gzip", "deflate", "br", "zstd"}
# Avro container codecs (the spec's and the Java library's names) and the coding each is;
# any other is refused (round 20)
_AVRO_CODECS = {b"null": "null", b"deflate": "deflate-raw", b"bzip2": "bzip2", b"xz": "xz",
                b"zstandard": "zstd", b"snappy": "snappy"}


def _partial(data: bytes, coding: str, limit: int) -> bytes:
    """What a truncated or damaged compressed stream yields before it breaks (a receiver's
    decoder, `xz -d` or `gunzip`, writes it out before it stops with an error)."""
    if coding in ("gzip", "deflate"):
        # (fed in chunks, round 20: a gzip member with a bad CRC or length gave nothing, the
        # check failing in the one call that had inflated it all; gunzip writes it out)
        d = zlib.decompressobj(47 if coding == "gzip" else 15)
        got = bytearray()
        try:
            for pos in range(0, len(data), _FEED):
                got += d.decompress(data[pos:pos + _FEED], max(1, limit - len(got)))
                if d.eof or len(got) >= limit:
                    break
        except zlib.error:
            if coding == "gzip" and not got and len(data) > 18:
                # (a bad CRC or length in the trailer: the member without it inflates)
                with contextlib.suppress(zlib.error):
                    got += zlib.decompressobj(47).decompress(data[:-8], limit)
        return bytes(got[:limit])
    if coding == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        got = bytearray()
        with contextlib.suppress(zstandard.ZstdError):
            while len(got) < limit and (chunk := reader.read(65536)):
                got += chunk
        return bytes(got[:limit])
    factories: dict[str, Callable[[], bz2.BZ2Decompressor | lzma.LZMADecompressor]] = {
        "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor, "lzma": _lzma_alone}
    factory = factories.get(coding)
    if factory is None:
        return b""
    dec = factory()
    out = bytearray()
    try:
        for pos in range(0, len(data), _FEED):  # (fed in chunks: what came before the damage)
            out += dec.decompress(data[pos:pos + _FEED], max(0, limit - len(out)))
            if dec.eof or len(out) >= limit:
                break
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        pass
    return bytes(out[:limit])


def _lzma_alone() -> lzma.LZMADecompressor:
    """A decompressor of the legacy .lzma format (LZMA_Alone: `lzma`, `xz --format=lzma`,
    7-Zip's and Java's LZMA streams)."""
    return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)


_NO_MAGIC = b"\x00no magic: one stream\x00"


def _lzma_alone_head(data: bytes) -> bool:
    """Whether `data` starts as an LZMA_Alone stream: a properties byte (lc, lp, pb: below
    225), a dictionary size of 2^n or 2^n + 2^(n-1) bytes (4 KiB to 1.5 GiB, as encoders
    write it) and an uncompressed size, unknown (all ones) or below 2^40. (Missed before:
    an ID in a .lzma file, undeclared or in base64, was not decoded.)"""
    if len(data) < 14 or data[0] >= 225:
        return False
    dict_size = int.from_bytes(data[1:5], "little")
    if not 4096 <= dict_size <= 3 << 29:
        return False
    top = 1 << (dict_size.bit_length() - 1)
    if dict_size not in (top, top | top >> 1):
        return False
    size = data[5:13]
    return size == b"\xff" * 8 or int.from_bytes(size, "little") < 1 << 40


def decode_content(data: bytes, content_encoding: str, *, limit: int, ratio: int) -> bytes:
    """Undo a Content-Encoding list, last applied first (RFC 9110 s.8.4)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in _CODINGS:
            raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                "Content-Encoding not supported for inspection")
        data = decompress(data, coding, limit=limit, ratio=ratio)
    return data


def rfc2231_params(value: str) -> str:
    """The parameters of a header value with RFC 2231 continuations (filename*0="110101";
    filename*1="1990...") and charset'lang'percent values joined as an email or form parser
    joins them, space-separated; "" when it cannot be parsed."""
    try:
        message = email.message.Message()
        message["x"] = value
        return " ".join(email.utils.collapse_rfc2231_value(v)
                        for _, v in message.get_params(header="x", failobj=[]))
    except Exception:  # a value the email package cannot parse adds nothing
        return ""


def _zip_unicode_extras(extra: bytes) -> bytes:
    """The Info-ZIP Unicode Path (0x7075) and Unicode Comment (0x6375) extra fields: the
    name and comment that unzip, 7-Zip and libarchive show in place of the header's."""
    out = b""
    pos = 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        if kind in (0x7075, 0x6375) and size > 5:
            out += b"\n" + extra[pos + 9:pos + 4 + size]
        pos += 4 + size
    return out


def uudecoded(data: bytes) -> bytes:
    """A uuencoded part (Content-Transfer-Encoding: x-uuencode, as Python's email decodes
    it): the lines between `begin` and `end`, a line that does not decode skipped."""
    out: list[bytes] = []
    lines = data.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith(b"begin ")), 0)
    for line in lines[start:]:
        if line.strip() == b"end":
            break
        with contextlib.suppress(binascii.Error):
            out.append(binascii.a2b_uu(line))
    return b"".join(out)


def gzip_header_text(data: bytes) -> bytes:
    """FNAME and FCOMMENT of the first gzip member's header (RFC 1952 s.2.3), b"" if none."""
    if len(data) < 10 or data[:3] != b"\x1f\x8b\x08":
        return b""
    flags, pos = data[3], 10
    if flags & 4:  # FEXTRA
        if len(data) < 12:
            return b""
        pos = 12 + data[10] + 256 * data[11]
    found: list[bytes] = []
    for bit in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & bit:
            end = data.find(b"\0", pos, pos + 65536)
            if end < 0:
                return b"\n".join(found)
            found.append(data[pos:end])
            pos = end + 1
    return b"\n".join(found)


def _archive(data: bytes) -> str | None:
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    if data.startswith(b"(\xb5/\xfd"):
        return "zstd"
    if data.startswith(b"BZh") and data[3:4].isdigit():
        return "bzip2"
    if data.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if _lzma_alone_head(data):
        return "lzma"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    if len(data) > 2 and data[0] == 0x78 and data[1] in (0x01, 0x5E, 0x9C, 0xDA) and (
            data[0] * 256 + data[1]) % 31 == 0:
        return "deflate"  # a bare zlib stream (RFC 1950), e.g. compressed session cookies
    for magic, name in _ARCHIVES_REFUSED:
        if data.startswith(magic):
            return name
    if data.startswith(b"\x1f\x9d") and len(data) > 3 and not data[2] & 0x60 and \
            9 <= data[2] & 0x1F <= 16:
        return "compress"  # Unix compress (.Z, LZW): its flags byte, 9 to 16 bits a code
    return None


def _zstd_dictionary(data: bytes) -> int:
    """The Dictionary_ID a Zstandard frame header names (0: none, or no valid header)."""
    try:
        return int(zstandard.get_frame_parameters(data[:18]).dict_id)
    except zstandard.ZstdError:
        return 0


MAX_ZSTD_FRAMES = 4096  # concatenated zstd frames walked for one that names a dictionary


def _zstd_later_dictionary(data: bytes, limit: int) -> int:
    """The Dictionary_ID of the first of concatenated zstd frames that names one, 0 when none
    does before the frames break off (fed in chunks, see _FEED: linear in the frames)."""
    view = memoryview(data)
    pos = produced = 0
    for _ in range(MAX_ZSTD_FRAMES):
        if not data.startswith(b"(\xb5/\xfd", pos):
            return 0
        if dict_id := _zstd_dictionary(bytes(view[pos:pos + 18])):
            return dict_id
        dec = zstandard.ZstdDecompressor().decompressobj()
        try:
            while not dec.eof and pos < len(data):
                chunk = view[pos:pos + _FEED]
                produced += len(dec.decompress(chunk))
                if produced > limit:
                    return 0
                pos += len(chunk) - (len(dec.unused_data) if dec.eof else 0)
        except zstandard.ZstdError:
            return 0
        if not dec.eof:
            return 0
    return 0


def _strong_archive(data: bytes, archive: str) -> bool:
    """Whether `data` starts with a header of `archive` that text or junk does not: gzip's
    magic, deflate method and flags; a zstd frame header; xz's six-byte magic; bzip2's
    magic, block size and block (or end-of-stream) magic. (Sniffed zlib and LZMA_Alone
    heads are weak: text can start so, and is read as it is.)"""
    if archive == "gzip":
        return data[2:3] == b"\x08" and len(data) > 3 and data[3] < 0x20
    if archive == "zstd":
        try:
            zstandard.get_frame_parameters(data[:18])
        except zstandard.ZstdError:
            return False
        return True
    if archive == "xz":
        return True
    if archive == "bzip2":
        return data[3:4] in b"123456789" and data[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    return False


def _ended(data: bytes, archive: str) -> bool:
    """Whether the first xz or bzip2 stream of `data` (one that inflates to nothing) ends."""
    factory = {"xz": lzma.LZMADecompressor, "bzip2": bz2.BZ2Decompressor}.get(archive)
    if factory is None:
        return True
    dec = factory()
    try:
        dec.decompress(data, 1)
    except (OSError, EOFError, lzma.LZMAError, ValueError):
        return False
    return bool(dec.eof)


# -- text views -----------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))
# Round 6: also Perl/Ruby/PHP "\x{31}", Python's "\N{DIGIT ONE}", and a backslash before a
# line break (a line continuation in JavaScript, Python, C and shell strings: nothing).
# Round 8: Python's, C's and C++'s eight-digit "\U00000031" (it was read as a "U").
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|x\{[0-9a-fA-F]{1,6}\}|N\{[A-Z0-9 -]{1,88}\}"
                        r"|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[0-7]{1,3}|\r\n|.)",
                        re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def _unescape_one(m: re.Match[str]) -> str:
    esc = m.group(1)
    if esc[1:2] == "{":
        if esc[0] == "N":
            try:
                return unicodedata.lookup(esc[2:-1])
            except KeyError:
                return esc
        return chr(min(int(esc[2:-1], 16), 0x10FFFF))
    if esc in ("\n", "\r", "\r\n"):
        return ""
    if esc[0] in "uxU" and len(esc) > 1:
        return chr(min(int(esc[1:], 16), 0x10FFFF))
    if esc.isdigit() and esc[0] in "01234567":
        return chr(int(esc, 8))
    return _SIMPLE_ESCAPES.get(esc, esc)


def undo_escapes(text: str) -> str:
    """JSON / JavaScript / C escapes undone, surrogate pairs joined (`\\ud83d\\ude00`)."""
    out = _JS_ESCAPE.sub(_unescape_one, text)
    return out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def charset_of(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').strip() or None
    return None


def later_charsets(content_type: str) -> list[str]:
    """Round 8: the last charset parameter, when it names another charset than the first
    (`charset_of`). Parsers disagree on a parameter given twice (aiohttp and the email
    package take the first, a dict-building parser such as Werkzeug's the last): both are
    readings. (The last only: one more reading per parameter would let a header of many
    multiply the work on a small body.)"""
    if content_type.count("=") < 2:
        return []
    first = charset_of(content_type)
    last = None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            last = value.strip().strip('"').strip() or None
    return [last] if last is not None and last != first else []


def decode_text(data: bytes, charset: str | None) -> list[str]:
    """The texts a receiver could read from `data`: in the declared charset when Python knows
    it, else by BOM, else UTF-8; UTF-16 as well when NUL bytes suggest it. Undecodable bytes
    become U+FFFD: they cannot be an identifier, and the rest is still read."""
    texts: list[str] = []
    utf8: bool | None = None  # whether `data` is valid UTF-8, once known
    for bom, codec in _BOMS:
        if data.startswith(bom):
            texts.append(data.decode(codec, "replace"))
            break
    else:
        try:
            texts.append(data.decode("utf-8"))
            utf8 = True
        except UnicodeDecodeError:
            texts.append(data.decode("utf-8", "replace"))
            utf8 = False
    if charset:
        # The declared charset is one more reading, never the only one: receivers (JSON ones
        # by RFC 8259) often ignore it. An unknown name (or one with a NUL) adds nothing.
        declared = _declared_reading(data, charset)
        if declared is None and not data.isascii():
            # A name Python lacks (IBM1047, x-IBM037, ebcdic-...) that a receiver (Java, ICU)
            # knows: the EBCDIC family shares its digits (0xF0-0xF9), which are no digits
            # in any ASCII-based charset.
            declared = data.decode("cp037", "replace")
        if declared is not None and declared != texts[0]:
            texts.append(declared)
    if b"\x00" in data:
        for codec in ("utf-16-le", "utf-16-be"):
            texts.append(data.decode(codec, "replace"))
        texts.extend(_utf32_reading(data, codec) for codec in ("utf-32-le", "utf-32-be"))
    if utf8 is None and not data.isascii():
        try:
            data.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
    if utf8 is False:
        # Not UTF-8 and not labelled: what a lenient receiver would guess (fullwidth digits
        # are two bytes in these legacy CJK charsets).
        texts.extend(data.decode(codec, "replace") for codec in ("gb18030", "shift_jis", "big5",
                                                                 "cp037"))
        if _OVERLONG_DIGITS.search(data):
            texts.append(_overlong_ascii(data).decode("utf-8", "replace"))  # (see _OVERLONG)
        if (cesu := _cesu8_reading(data)) is not None:
            texts.append(cesu)  # (round 19: see _CESU8_PAIR)
    # (round 8: whatever charset is declared, as the other readings are: a receiver that
    # takes the last of two charset parameters, or sniffs, reads what the first one hid)
    if b"\x1b" in data:
        # ISO-2022 (7-bit, shifted by escape sequences): what a charset detector names it.
        for codec, marks in _ISO2022:
            if any(m in data for m in marks):
                texts.append(data.decode(codec, "replace"))
    if b"~" in data and b"~{" in data:  # (one byte first: memchr speed)
        # Round 8: HZ (RFC 1843), the 7-bit GB2312 of old mail and Usenet, which a charset
        # detector names as ISO-2022 is named: "~{#1#3#9...~}" is fullwidth 139... (its
        # bytes read as ASCII show "#1#3#9", no digit run).
        texts.append(data.decode("hz", "replace"))
    # (round 23: one reading once: bytes no legacy charset maps (0xFF, MPEG frame headers
    # "\xff\xfb...") read as the same U+FFFD text in UTF-8, GB18030, Shift_JIS and Big5, each a
    # whole view scanned again: ~0.5 s of an MB's ~1.7 s; equal texts find the same tokens)
    unique: list[str] = []
    for text in texts:
        if text not in unique:
            unique.append(text)
    return unique


def _utf32_reading(data: bytes, codec: str) -> str:
    """data.decode(codec, "replace") for UTF-32: when no unit's high byte is zero (no unit
    is a code point, as in MPEG frame headers), U+FFFD for each unit and for a cut one, as
    the decoder makes them (round 23: its error handler took ~0.17 s an MB)."""
    high = data[3::4] if codec == "utf-32-le" else data[0::4]
    if b"\x00" not in high:
        return "\ufffd" * ((len(data) + 3) // 4)
    return data.decode(codec, "replace")


def _declared_reading(data: bytes, charset: str) -> str | None:
    """`data` in a charset the client declared, or None when Python has no text codec by that
    name. The escape codecs (charset="unicode_escape") warn about a bad escape instead of
    replacing it quietly; a warning is not a failure of the request (and under -W error it
    would be an exception), so none is let out: "replace" already stands for what cannot be
    read."""
    try:
        name = codecs.lookup(python_codec(charset)).name
    except (LookupError, ValueError):  # (ValueError: a NUL in the name)
        return None
    if name in _SLOW_CODECS and len(data) > _SLOW_CODEC_MOST:
        # (round 20: charset=punycode made 360 KB of text take 2.4 s; read up to 16 KiB,
        # which takes a few ms, refused past it: skipping the reading would forward a
        # punycode-spelled number unread, round 8's miss)
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"a body of {len(data)} bytes declared in {name}, whose decoding "
                            f"is quadratic (read up to {_SLOW_CODEC_MOST} bytes)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return data.decode(name, "replace")
        except (LookupError, ValueError):
            return None


def _raw(text: str) -> bytes:
    """`text` as the bytes it came from: UTF-8, with undecodable request bytes (surrogate
    escapes) as they were; any other lone surrogate (an escape such as "\\ud800" undone)
    as UTF-8 would write it."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


# Round 8: overlong UTF-8 ("%C0%B1" for "1", the %c0%af of path traversals), which strict
# decoders refuse and lenient ones (old IIS, Java's modified UTF-8 readers, hand-written
# decoders) read as the ASCII character it spells: two- and three-byte forms, as ASCII.
_OVERLONG = re.compile(rb"[\xc0\xc1][\x80-\xbf]|\xe0[\x80\x81][\x80-\xbf]")
# (the reading is made only where four overlong digits stand in a row: GBK text is full of
# C0/C1 lead bytes, and a reading of all of it for them cost a 60 KB GBK body ~40%)
_OVERLONG_DIGITS = re.compile(rb"(?:\xc0[\xb0-\xb9]|\xe0\x80[\xb0-\xb9]){4}")


def _overlong_ascii(raw: bytes) -> bytes:
    return _OVERLONG.sub(lambda m: bytes([((m.group()[-2] & 0x1F) << 6 | m.group()[-1] & 0x3F)
                                          & 0x7F]), raw)


# (RFC 3966 s.3: local-number-digits, visual separators, the parameters before the context)
_TEL_CONTEXT = re.compile(r"(?<![0-9A-Za-z])([0-9A-Fa-f*#][0-9A-Fa-f*#\-.()\s]*)"
                          r"((?:;[A-Za-z0-9\-]+(?:=[^;@,\s\"'<>&]{0,64})?){0,8}?)"
                          r";phone-context=(\+[0-9][0-9\-.()\s]*)", re.IGNORECASE)


# EMVCo merchant-presented QR (and its national profiles): the payload format indicator
# "000201" first, then fields of ID, length and value, the printable characters a QR holds
_EMV_QR = re.compile(r"(?<![0-9A-Za-z])000201[\x20-\x7e\u00a0-\uffff]{8,2048}")
# the fields that hold fields: merchant account information, additional data, language
# templates, unreserved templates
_EMV_TEMPLATES = frozenset({*range(2, 52), 62, 64, *range(80, 100)})


MAX_EMV_DEPTH = 4  # templates within templates read apart


def _emv_fields(text: str, depth: int, out: list[str], by_bytes: bool = False) -> int:
    """The values of the EMV TLV fields `text` starts with, appended to `out`; how far the
    fields reach. A template's own fields are read in turn (a lenient reader's: as far as
    they parse, then the rest); below the top, a value that is fields whole (templates in
    templates: 62 -> 50 -> 01) is read both as it is and as its fields. `by_bytes`: lengths
    count UTF-8 bytes (a generator's common bug with a CJK merchant name; wallets read on)."""
    i = 0
    while i + 4 <= len(text):
        tag, size = text[i:i + 2], text[i + 2:i + 4]
        if not (tag.isascii() and tag.isdigit() and size.isascii() and size.isdigit()):
            break
        end = i + 4 + int(size)
        if by_bytes and not text.isascii():
            # (the characters whose UTF-8 bytes the length counts; ASCII: one each)
            want, end = int(size), i + 4
            while want > 0 and end < len(text):
                want -= len(text[end].encode("utf-8", "surrogatepass"))
                end += 1
            if want:
                break
        if end > len(text) or end == i + 4:
            break
        value = text[i + 4:end]
        inner: list[str] = []
        if depth < MAX_EMV_DEPTH and (depth or int(tag) in _EMV_TEMPLATES):
            reach = _emv_fields(value, depth + 1, inner, by_bytes)
            if not depth and 0 < reach < len(value):
                inner.append(value[reach:])
            elif depth and reach < len(value):
                inner = []  # (below the top, only a value that is fields whole)
            elif depth:
                inner.insert(0, value)
        out.extend(inner or [value])
        i = end
    return i


def _emv_fields_apart(m: re.Match[str]) -> str:
    text = m.group()
    values: list[str] = []
    reach = _emv_fields(text, 0, values)
    if len(values) < 3:
        return text
    shown = "\n".join(values) + "\n" + text[reach:]
    if not text.isascii():
        by_bytes: list[str] = []
        reach = _emv_fields(text, 0, by_bytes, by_bytes=True)
        if by_bytes != values and len(by_bytes) >= 3:
            shown += "\n\n" + "\n".join(by_bytes) + "\n" + text[reach:]
    return shown


# Round 24: semi-octet (TBCD) numbers (red team round 15): an SMS PDU's address fields and a
# MAP / Diameter MSISDN keep a number two digits a byte with the nibbles swapped and an F
# filler after an odd count of digits (13912345678 is 3119325476F8, +86 ... 683119325476F8).
# Read where a hex token stands alone (a JSON value, a form or query field, a line) and ends
# such a number (a TON byte 81/91/A1 before it too), or is an SMS PDU whose structure
# (SMSC, first octet, reference, address length and TON) puts an address field there. Gate:
# six digits, then F and a digit (an odd count's filler), in the text.
# (a literal first: the regex module then skips to each F, ~3 us a 2 KB text; "[Ff]" first
# tried every position, ~30 us)
_TBCD_HINT = re.compile(r"F(?<=[0-9]{6}F)[0-9]")
_TBCD_HINT_LOWER = re.compile(r"f(?<=[0-9]{6}f)[0-9]")
_TBCD_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{10,400}(?![0-9A-Za-z])")
_TBCD_TONS = frozenset({0x81, 0x91, 0xA1, 0xC1, 0xD1})


def _semi_octets(raw: bytes, digits: int | None = None) -> str | None:
    """`raw` as semi-octets (`digits` of them, or all, an F filler last allowed), or None."""
    out = "".join(f"{b & 0xF:x}{b >> 4:x}" for b in raw)
    if digits is not None:
        if out[digits:] not in ("", "f"):
            return None
        out = out[:digits]
    elif out.endswith("f"):
        out = out[:-1]
    return out if out.isdigit() else None


def _pdu_addresses(raw: bytes) -> list[str]:
    """The address fields of an SMS PDU (SMS-DELIVER or SMS-SUBMIT, SMSC first)."""
    found: list[str] = []
    smsc = raw[0]
    if smsc > 12 or 1 + smsc + 3 > len(raw):
        return found
    if smsc > 1 and raw[1] in _TBCD_TONS and (n := _semi_octets(raw[2:1 + smsc])):
        found.append(n)
    at = 1 + smsc
    first = raw[at]
    at += 2 if first & 3 == 1 else 1  # (SMS-SUBMIT: a message reference)
    if at + 2 > len(raw):
        return found
    count, ton = raw[at], raw[at + 1]
    size = (count + 1) // 2
    if 4 <= count <= 20 and ton & 0x80 and at + 2 + size <= len(raw) and (
            n := _semi_octets(raw[at + 2:at + 2 + size], count)):
        found.append(n)
    return found


def _tbcd_apart(m: re.Match[str]) -> str:
    token = m.group()
    if len(token) % 2:
        return token
    raw = bytes.fromhex(token)
    found: list[str] = []
    if len(raw) <= 11:
        for skip in (0, 1) if raw[0] in _TBCD_TONS else (0,):
            if token[-2] in "Ff" and (n := _semi_octets(raw[skip:])):
                found.append(n)
    found += _pdu_addresses(raw)
    return token if not found else token + " (" + "; ".join(found) + ")"


def semi_octet_numbers(text: str) -> str:
    """`text` with each semi-octet number or SMS PDU (see above) followed by its digits."""
    return _TBCD_TOKEN.sub(_tbcd_apart, text)


_CHUNKED_HEAD = re.compile(rb"transfer-encoding[ \t]*:[^\r\n]*chunked[^\r\n]*\r?\n"
                           rb"(?:[^\r\n]+\r?\n)*?\r?\n", re.IGNORECASE)
# (leading zeros of any length, as llhttp and nginx take them)
_CHUNK_SIZE = re.compile(rb"0{0,256}([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r?\n")


def _dechunked(data: bytes) -> bytes:
    """`data` with the chunked coding of each HTTP message in it (a head that says
    Transfer-Encoding: chunked, then its body) undone, as far as its chunks are whole. Sizes
    count bytes: text is dechunked as its UTF-8 bytes (a chunk of Chinese text counted in
    characters lost its place: red team round 16)."""
    out: list[bytes] = []
    pos = 0
    for head in _CHUNKED_HEAD.finditer(data):
        if head.start() < pos:
            continue
        out.append(data[pos:head.end()])
        pos = _dechunk_body(data, head.end(), out)
        out.append(b"\r\n")  # (what follows the message stays on a line of its own)
    out.append(data[pos:])
    return b"".join(out)


_CHUNK_TRAILER = re.compile(rb"(?:[!-9;-~]{1,256}:[^\r\n]{0,8192}\r?\n){0,64}\r?\n")


def _dechunk_body(data: bytes, i: int, out: list[bytes]) -> int:
    """The chunks of a chunked body starting at `i`, as far as they are whole, appended to
    `out`; where they end (after the last chunk's line)."""
    while (size := _CHUNK_SIZE.match(data, i)) is not None:
        n = int(size.group(1), 16)
        start = size.end()
        if n == 0:
            # the last chunk, its trailer fields and the blank line that ends them: no text
            # of the message's body (a gzip body with them after it is no gzip stream)
            end = _CHUNK_TRAILER.match(data, start)
            return end.end() if end is not None else start
        if start + n > len(data):
            break
        out.append(data[start:start + n])
        i = start + n
        if data.startswith(b"\r\n", i):
            i += 2
        elif data.startswith(b"\n", i):
            i += 1
    return i


def _dechunked_text(text: str) -> str:
    raw = _raw(text)
    shown = _dechunked(raw)
    return text if shown == raw else shown.decode("utf-8", "surrogateescape")


def _tel_global(m: re.Match[str]) -> str:
    """The global number a local one under a numeric phone-context is: the context's digits,
    then the local number's."""
    return m.group(3) + m.group(1) + m.group(2)


# Round 19: RFC 2047 encoded-words wherever text is read (a JSON field, a form value, a text
# body, an inbound-mail webhook's raw headers): adjacent words, apart only by linear white
# space or touching, are one text once decoded (s.6.2: the space between them is dropped),
# so "=?utf-8?b?..1391?= =?utf-8?b?..2345678?=" displays as one number. The charset may
# carry an RFC 2231 language ("utf-8*zh"); the encoded text holds no "?" or white space (so
# each start scans only up to the next one: linear).
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([BbQq])\?([^?\s]*)\?=")
_WORD_GAP = re.compile(r"[ \t\r\n]*")


def _encoded_word_bytes(kind: str, payload: str) -> bytes:
    raw = payload.encode("ascii", "replace")
    if kind in "Bb":
        raw = raw.rstrip(b"=")
        with contextlib.suppress(binascii.Error, ValueError):
            return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        return b""
    return binascii.a2b_qp(raw, header=True)


def _encoded_word_text(data: bytes, charset: str) -> str:
    charset = charset.partition("*")[0]
    return _declared_reading(data, charset) or data.decode("utf-8", "replace")


def _encoded_words(text: str) -> str:
    """`text` with its RFC 2047 encoded-words decoded, adjacent ones (white space alone
    between them) joined as one text; the bytes of adjacent words of one charset are decoded
    together (encoders split a character over two words)."""
    out: list[str] = []
    pos = 0
    run: list[tuple[str, bytes]] = []  # (charset, bytes) of the adjacent words so far

    def flush() -> None:
        for charset, pieces in itertools.groupby(run, key=lambda w: w[0].lower()):
            out.append(_encoded_word_text(b"".join(b for _, b in pieces), charset))
        run.clear()

    for m in _ENCODED_WORD.finditer(text):
        if run and _WORD_GAP.fullmatch(text, pos, m.start()) is None:
            flush()
        if not run:
            out.append(text[pos:m.start()])
        run.append((m.group(1), _encoded_word_bytes(m.group(2), m.group(3))))
        pos = m.end()
    if not run:
        return text
    flush()
    out.append(text[pos:])
    return "".join(out)


# Round 19: ISO-2022 text (7-bit, shifted by escape sequences) inside a value: a JSON string
# with \u001b escapes or a form field after percent-decoding; its fullwidth digits are
# "#1#3#9" between ESC $ B and ESC ( B (KR: between SO and SI after ESC $ ) C). HZ (RFC
# 1843, "~{#1#3#9~}") so too, as a whole body's is read (see decode_text).
def _iso2022_readings(text: str) -> Iterator[str]:
    for codec, marks in _ISO2022:
        if any(m.decode("ascii") in text for m in marks):
            yield _raw(text).decode(codec, "replace")


# Round 19: CESU-8 / Java's modified UTF-8: an astral character as its two UTF-16
# surrogates, three bytes each (ED A0-AF xx, ED B0-BF xx), which strict UTF-8 decoders
# refuse and lenient ones (Java's DataInput, MySQL's utf8mb3 readers) join: mathematical
# digits (U+1D7CE-) are so written.
_CESU8_PAIR = re.compile(rb"\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]")


def _cesu8_char(m: re.Match[bytes]) -> bytes:
    b = m.group()
    high = (b[1] & 0x0F) << 6 | b[2] & 0x3F
    low = (b[4] & 0x0F) << 6 | b[5] & 0x3F
    return chr(0x10000 + (high << 10 | low)).encode("utf-8")


def _cesu8_reading(data: bytes) -> str | None:
    if b"\xed" not in data or _CESU8_PAIR.search(data) is None:
        return None
    return _CESU8_PAIR.sub(_cesu8_char, data).decode("utf-8", "replace")


# Round 19: percent-escaped UTF-16 of fullwidth digits and punctuation (U+FF01-FF1A, what a
# CJK input method types: "%11%FF%13%FF..." is LE U+FF11 U+FF13 ...) with no zero byte
# between (the NUL reading is for ASCII digits): each run of four or more such code units,
# in either byte order, as text. (Not the fullwidth letters: their low bytes are printable
# ASCII, and "tel=" before a BE run would be read as an LE unit "=\xff" one byte off.)
_WIDE_FULLWIDTH = re.compile(rb"(?P<le>(?:[\x01-\x1a]\xff){4,})"
                             rb"|(?P<be>(?:\xff[\x01-\x1a]){4,})")


def _wide_fullwidth(m: re.Match[bytes]) -> bytes:
    codec = "utf-16-le" if m.group("le") else "utf-16-be"
    return m.group().decode(codec).encode("utf-8")


# Round 19: QR payload encodings posted as the text a scanner app read. Base45 (RFC 9285,
# the QR alphanumeric mode's alphabet; the EU Digital COVID Certificate is "HC1:" + base45
# of zlib of a COSE_Sign1 whose payload is CBOR) and the SMART Health Card numeric mode
# ("shc:/" + two decimal digits a character, each +45 a base64url character of a JWS, which
# the base64 reading then opens). Ordinary uppercase words and numbers are in the base45
# alphabet too: a token is read only when it decodes whole to UTF-8 text with digits in it,
# to zlib of that or of CBOR, or to CBOR (COSE) itself; each bounded.
_BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = {c: n for n, c in enumerate(_BASE45)}
# (a token from its first letter: a run of digits, dates and times is no payload)
_BASE45_START = re.compile(r"[A-Z][0-9A-Z $%*+./:-]{14,}")
_BASE45_CHARS = frozenset(_BASE45) - {" "}
_BASE45_MAP = bytes(0x41 if 0x41 <= c <= 0x5A else 0x61 if c in b"0123456789 $%*+-./:" else 0
                    for c in range(256))  # (a letter "A", another base45 character "a")
_BASE45_RUN = b"a" * 15


def _qr_marked(text: str) -> bool:
    """Whether `text` holds a SMART Health Card's "shc:/" or what _BASE45_START finds (a
    letter and 14 base45 characters), by byte search and translation (C speed): the regex's
    search cost a 2 KB JSON body ~1%, every body, and ISO timestamps and date ranges (runs
    of base45 characters without such a start) are in most of them."""
    raw = text.encode("utf-8", "surrogatepass")
    mapped = raw.translate(_BASE45_MAP)
    flat = mapped.replace(b"A", b"a")
    i = flat.find(_BASE45_RUN)
    while i >= 0:
        end = flat.find(b"\0", i)
        end = len(flat) if end < 0 else end
        if mapped.find(b"A", i, end - 14) >= 0 or (
                raw.startswith(b":/", i) and raw[max(i - 3, 0):i] == b"shc"):
            return True  # (a payload's digits after "shc:/" are a run of their own)
        i = flat.find(_BASE45_RUN, end)
    return False


_SHC_NUMERIC = re.compile(r"(?i:shc:/)(?:[0-9]{1,2}/[0-9]{1,2}/)?([0-9]{2,65536})")
MAX_QR_CHARS = 65_536  # characters of one token (a QR code holds at most 4,296)
MAX_QR_INFLATE = 256 * 1024  # bytes one token inflates to
MAX_QR_RATIO = 32  # ... and at most this many times its compressed bytes
_QR_TEXT_DIGITS = re.compile(r"(?:\d\D{0,8}){7}")  # decoded text worth a view: seven digits


def _base45(token: str) -> bytes | None:
    if len(token) % 3 == 1 or len(token) > MAX_QR_CHARS:
        return None
    out = bytearray()
    value = _BASE45_VALUE
    for i in range(0, len(token), 3):
        group = token[i:i + 3]
        n = value[group[0]] + value[group[1]] * 45
        if len(group) == 3:
            n += value[group[2]] * 2025
            if n > 0xFFFF:
                return None
            out += n.to_bytes(2, "big")
        elif n > 0xFF:
            return None
        else:
            out.append(n)
    return bytes(out)


def _cose_text(raw: bytes, any_cbor: bool) -> str | None:
    """A COSE_Sign1 (tag 18, or the bare array of four) as text, its signed payload (CBOR in
    a byte string) decoded; with `any_cbor` (bytes a zlib checksum vouched for) any CBOR
    item. (Random bytes of an ordinary base45-alphabet word parse as a small CBOR map now
    and then, and an integer in one can spell a number: no bare CBOR is taken.)"""
    if not raw or not (raw[:2] == b"\xd2\x84" or raw[0] == 0x84 or (
            any_cbor and 0x80 <= raw[0] <= 0xBF)):
        return None
    with contextlib.suppress(Exception):
        item = cbor2.loads(raw)
        item = getattr(item, "value", item)
        if isinstance(item, list) and len(item) == 4 and isinstance(item[2], bytes):
            payload = serialized.tree_text("cbor", item[2], stream=False)
            if payload is not None:
                return payload
    return serialized.tree_text("cbor", raw, stream=False) if any_cbor else None


def _qr_bytes_text(raw: bytes, inflated: bool = False) -> str | None:
    if not inflated and len(raw) > 2 and raw[0] == 0x78 and (raw[0] * 256 + raw[1]) % 31 == 0:
        with contextlib.suppress(zlib.error):
            inner = zlib.decompressobj()
            # (what inflates within the bound: a QR code's payload is a few KB, and its
            # compression a ratio of 2 or 3; the bound keeps a text of many tokens linear)
            limit = min(MAX_QR_INFLATE, MAX_QR_RATIO * len(raw))
            return _qr_bytes_text(inner.decompress(raw, limit), inflated=True)
        return None
    if (cose := _cose_text(raw, inflated)) is not None:
        return cose
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL_CHARS.search(text) or not _QR_TEXT_DIGITS.search(text):
        return None
    return text


def _qr_token(text: str, start: int, end: int) -> str | None:
    """What the base45 token text[start:end] decodes to (see _BASE45), or None."""
    token = text[start:end]
    if (marker := token.find("HC1:")) >= 0:
        body, before = token[marker + 4:], 0
    else:
        # (a space is a base45 character too: one or two before or after the token may be
        # its first or last, "  B96..." the base45 of "ID ...")
        body, before = token, min(len(text[max(start - 2, 0):start]) - len(
            text[max(start - 2, 0):start].rstrip(" ")), 2)
    after = min(len(text[end:end + 2]) - len(text[end:end + 2].lstrip(" ")), 2)
    for lead in range(before + 1):
        for trail in range(after + 1):
            if (lead + len(body) + trail) % 3 == 1:
                continue
            raw = _base45(" " * lead + body + " " * trail)
            if raw and (shown := _qr_bytes_text(raw)) is not None:
                return shown
    return None


def _shc_token(m: re.Match[str]) -> str:
    digits = m.group(1)
    if len(digits) % 2:
        return m.group()
    pairs = [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    if max(pairs) > 77:  # ("z", the last base64url character, is 122 = 77 + 45)
        return m.group()
    return "shc:/\n" + "".join(chr(p + 45) for p in pairs) + "\n"


def _qr_payloads(text: str) -> str:
    """`text` with its base45 tokens and SMART Health Card numeric payloads decoded (see
    _BASE45), each in place of the token (a next layer reads it, not the token again).
    (Every base45 token is tried: a cap would let a payload hide behind that many ordinary
    words; the work is linear in the text, most words failing within a few characters, and
    inflating is bounded by MAX_QR_RATIO.)"""
    if "shc:/" in text or "SHC:/" in text:
        text = _SHC_NUMERIC.sub(_shc_token, text)
    out: list[str] = []
    pos = 0
    for m in _BASE45_START.finditer(text):
        start, end = m.start(), min(m.end(), m.start() + MAX_QR_CHARS)
        while start > pos and end - start < MAX_QR_CHARS and text[start - 1] in _BASE45_CHARS:
            start -= 1  # (the digits and signs before its first letter)
        end = start + len(text[start:end].rstrip(" "))
        if (shown := _qr_token(text, start, end)) is not None:
            out += (text[pos:start], "\n", shown, "\n")
            pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _decodings(text: str, plus: bool) -> Iterator[str]:
    # (not in RTF, whose control words are no escapes: with the backslash gone, an amount
    # and the word after it, "18189868\\par" or "16518.67\\cell", read as a keypad mobile
    # after the "cell" before; RTF's own escapes are the RTF readings')
    if "\\" in text and "{\\rtf" not in text:
        yield undo_escapes(text)
        if _QUOTED_PAIR_DIGIT.search(text):
            # Round 13: quoted-pairs (RFC 9110 s.5.6.4, RFC 5322), a backslash before any
            # character in a quoted-string, which a Cookie or Forwarded parser (Python's
            # SimpleCookie, RFC 7239's) takes off: '"1\\3\\9..."' is 139...; undo_escapes
            # reads "\\3" as an octal escape.
            yield _QUOTED_PAIR.sub(r"\1", text)
    if "%" in text and _PERCENT.search(text):
        yield urllib.parse.unquote(text, errors="replace")
        if plus and "+" in text:
            yield urllib.parse.unquote_plus(text, errors="replace")
        # (as bytes: undecodable request bytes are kept as surrogate escapes, and are the
        # legacy charset's bytes beside the escapes)
        raw = urllib.parse.unquote_to_bytes(_raw(text.replace("+", " ") if plus else text))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            # Escapes of a legacy CJK charset (GBK/GB18030 forms, Shift_JIS, Big5).
            for codec in ("gb18030", "shift_jis", "big5"):
                yield raw.decode(codec, "replace")
            if _OVERLONG_DIGITS.search(raw):
                yield _overlong_ascii(raw).decode("utf-8", "replace")
            if b"\xff" in raw and (wide := _WIDE_FULLWIDTH.sub(_wide_fullwidth, raw)) != raw:
                yield wide.decode("utf-8", "replace")
            if (cesu := _cesu8_reading(raw)) is not None:
                yield cesu
            if _EBCDIC_ESCAPED_DIGITS.search(raw) is not None:
                yield _ebcdic_escapes(text)
        if b"\x00" in raw:
            # Round 8: escapes of UTF-16 or UTF-32 text (a form posted with charset=utf-16,
            # "%31%00%33%00..."): its ASCII digits with the zero bytes between them dropped,
            # whatever the byte order and wherever the field starts.
            dropped = raw.replace(b"\x00", b"")
            if b"\xff" in dropped:  # (round 19: UTF-32 of fullwidth digits, "%11%FF%00%00")
                dropped = _WIDE_FULLWIDTH.sub(_wide_fullwidth, dropped)
            yield dropped.decode("utf-8", "replace")
    elif plus and "+" in text:
        yield text.replace("+", " ")
    if "%" in text and ("%u" in text or "%U" in text):
        # JavaScript escape() / IIS: %uXXXX, which unescape() and some servers decode.
        unescaped = _PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), text)
        if unescaped != text:
            # (round 19: escape() writes an astral character as its surrogates,
            # "%uD835%uDFCF", which unescape() joins: joined so too)
            yield (unescaped.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
                   if _PERCENT_U_HIGH.search(text) else unescaped)
    if "=" in text and _QP_MARKS.search(text):
        # Quoted-printable (RFC 2045 s.6.7) that no header declares: a mail body or MIME
        # part pasted as it is, soft line breaks and =XX escapes undone as a MIME decoder
        # undoes them ("13912=\r\n345678", "=31=33=39...", "=E6=89=8B=E6=9C=BA" for 手机).
        # Round 6: in a form, a receiver decodes each field's value, never the whole body: the
        # `name=` before a value is no escape ("t=1391234=35678" would lose "=13"), so the
        # names are taken out first (the `&` between values stays).
        qp = _FORM_NAMES.sub("&", text) if plus else text
        if "\n" in qp and _csv_rows(qp):
            # Round 24: rows of a CSV (or TSV) body, a cell ending in "=" (a formula's, base64
            # padding) being no soft line break that joins it to the next row's digits
            qp = _CSV_SOFT_BREAK.sub(_CSV_BREAK_KEPT, qp)
        raw = binascii.a2b_qp(_raw(qp))
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("utf-8", "replace")
            for codec in ("gb18030", "shift_jis", "big5"):  # escapes of a legacy CJK charset
                yield raw.decode(codec, "replace")
    if "=3" in text and (shown := _QP_LONE_DIGIT.sub(
            functools.partial(_lone_digit, text, plus), text)) != text:
        # Round 24: one escaped digit between digits ("1391234=35678": =35 is 5 to a
        # quoted-printable decoder), which _QP_MARKS takes for no mark
        yield shown
    if "?" in text and "=?" in text and "?=" in text and (shown := _encoded_words(text)) != text:
        yield shown  # (round 19: see _ENCODED_WORD)
    if _qr_marked(text) and (shown := _qr_payloads(text)) != text:
        yield shown  # (round 19: see _BASE45)
    if "\x1b" in text:
        yield from _iso2022_readings(text)  # (round 19)
    if "~" in text and "~{" in text and "~}" in text:
        yield _raw(text).decode("hz", "replace")  # (round 19: see _iso2022_readings)
    if "+" in text and "=+" in text and (shown := _TEL_CONTEXT.sub(_tel_global, text)) != text:
        # Round 15: a local number with its prefix as an RFC 3966 phone-context (tel: URIs,
        # SIP's user=phone): "tel:1234-5678;phone-context=+86-139" is +86 139 1234 5678 to
        # the parser that dials it.
        yield shown
    if "\n" in text and ("\n\n" in text or "\n\r\n" in text) and "chunked" in text.lower() and (
            shown := _dechunked_text(text)) != text:
        # Round 15: an HTTP message inside the body (a $batch part of application/http, a
        # message/http body, a captured exchange) in chunked coding: each chunk-size line
        # falls between the digits, and the receiver that runs the batch takes them off.
        yield shown
    if "000201" in text and (shown := _EMV_QR.sub(_emv_fields_apart, text)) != text:
        # Round 15: an EMVCo QR payload (PayNow, QRIS, JPQR, ...), every field a two-digit tag
        # and a two-digit length glued to its value: its values apart, as the payment app
        # that parses it has them ("...0111" "13912345678" "5303156...").
        yield shown
    if (("F" in text and _TBCD_HINT.search(text)) or _TBCD_HINT_LOWER.search(text)) and (
            shown := semi_octet_numbers(text)) != text:
        yield shown  # (round 24: see _TBCD_HINT)
    if "+A" in text and _UTF7.search(text):
        # UTF-7 (RFC 2152) that no charset names: "+ADEAMwA5ADE-" is 1391 to a receiver that
        # sniffs it (IE, old mail clients). A segment of at most 64 characters that the text
        # around ends (a base64 run of an image goes on: not UTF-7), read where it decodes to
        # two ASCII digits or more (random base64 at a run's end almost never does).
        shown = _UTF7.sub(_utf7_segment, text)
        if shown != text:
            yield shown
    if not text.isascii() and any(c in text for c in _TAG_DIGITS):
        # Round 6: the tag digits U+E0030-E0039, invisible (the scan drops them as a human
        # sees them), which a program or a language model reads as the ASCII digits they
        # shadow ("ASCII smuggling"): that reading as a view of its own.
        yield _TAG_DIGIT.sub(lambda m: chr(ord(m.group()) - 0xE0000), text)
    if ("x" in text or "X" in text) and ("xn--" in text or "XN--" in text or "Xn--" in text
                                         or "xN--" in text):
        # Round 6: IDNA labels (punycode) as a browser or a mail client shows them: a domain
        # "xn--..." of Chinese numerals is shown as 一三九一二三四五六七八. (One-character
        # searches first: a longer one in a CJK text costs ~1 us, a regex ~7 us.)
        shown = _PUNYCODE.sub(_idn_label, text)
        if shown != text:
            yield shown
    if "\\" in text and _CSS_ESCAPE.search(text):
        # Round 6: CSS escapes (CSS Syntax s.4.3.7: a backslash, 1-6 hex digits, one optional
        # white space), which a stylesheet or an inline style renders as the characters:
        # `content: "\\31 \\33 \\39 ..."` shows 139...; undo_escapes reads "\\31" as octal.
        yield _CSS_ESCAPE.sub(_css_char, text)
    if "&" in text:
        unescaped = html.unescape(text)
        if unescaped != text:
            yield unescaped
    hiding: bool | None = None
    if "<" in text and ("<bdo" in text or "<BDO" in text or "bidi-override" in text
                        or "display:none" in text or "display: none" in text
                        or "<tspan" in text or (hiding := (
                            _may_hide(text) or _SHOWN_MARKS.search(text) is not None))):
        # Round 6: markup that changes what a browser shows. <bdo dir="rtl"> and a
        # `unicode-bidi: bidi-override; direction: rtl` style show their text reversed (as
        # U+202E ... U+202C, which the scan undoes); an element styled display:none is not
        # shown ("139<span style="display:none">000</span>12345678"); SVG <tspan>s of one
        # <text> are one line.
        shown = _HIDDEN.sub("", _BIDI_OVERRIDE.sub(_bidi_marks, text))
        shown = _TSPAN.sub("", shown) if "<tspan" in shown else shown
        if hiding is None:
            hiding = _may_hide(text) or _SHOWN_MARKS.search(text) is not None
        if hiding:
            # Round 22: and the other elements a browser does not show; round 24: hidden by
            # an ancestor, a colour, a clip, a position, a size ... (see shown_html)
            shown = shown_html(shown)
        if shown != text:
            yield shown
    if "<" in text and _LAYOUT_MARKS.search(text) is not None and (
            laid := laid_out_html(text)) is not None:
        # Round 24: CSS layout that reorders the children or adds text (see laid_out_html)
        yield laid
    if "(" in text and ("harCode" in text or "odePoint" in text or "HAR(" in text
                        or "har(" in text or "chr(" in text) and (
            shown := _char_codes(text)) != text:
        yield shown
    if "<" in text and ("<text" in text or ":text" in text) and (
            shown := _svg_text_runs(text)) != text:
        yield shown
    if "<" in text and ("<!" in text or text.find("<?", 1) >= 0):
        # (a document's `<?xml ...?>` declaration alone changes nothing worth a view)
        flat = xml_text(text)
        if flat != text:
            yield flat


# Round 24: percent escapes of EBCDIC text (a form posted with charset=cp037, cp500, cp1047,
# ... whose digits are the bytes F0-F9: "%F1%F3%F9" is 139 to a receiver that honours it).
# Four escaped digits in a row mark it; read as Java's URLDecoder reads a form in a declared
# charset, each run of escapes decoded in it and the characters between them kept.
_EBCDIC_ESCAPED_DIGITS = re.compile(rb"[\xf0-\xf9]{4}")
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _ebcdic_escapes(text: str) -> str:
    return _ESCAPE_RUN.sub(
        lambda m: urllib.parse.unquote_to_bytes(m.group()).decode("cp037"), text)


_PERCENT_U = re.compile(r"%[uU]([0-9A-Fa-f]{4})")
_PERCENT_U_HIGH = re.compile(r"%[uU][dD][89aAbB][0-9A-Fa-f]{2}")  # a high surrogate
_UTF7 = re.compile(r"\+A[A-Za-z0-9+/]{2,64}(?![A-Za-z0-9+/])-?")
_TWO_DIGITS = re.compile(r"[0-9].*[0-9]", re.DOTALL)


def _utf7_segment(m: re.Match[str]) -> str:
    segment = m.group()
    try:
        shown = (segment if segment.endswith("-") else segment + "-").encode(
            "ascii").decode("utf-7")
    except (UnicodeError, ValueError):
        return segment
    return shown if _TWO_DIGITS.search(shown) else segment
# A soft line break, or two =XX escapes in a row: text that may be quoted-printable (one
# escape alone is a form's "a=12" or an equation). Round 6 adds: an RFC 2047 Q encoded-word
# opening ("=?utf-8?q?1391234=35678?=" has one escape), and two escaped digits with only
# digits between ("1=339=312=334...", every other digit escaped: never two escapes in a row).
# (Not one escaped digit touching a digit: "device_imei=355271550418177" in a query string is
# one, and its reading glues the key to the digits.)
_QP_MARKS = re.compile(r"=\r?\n|=[0-9A-Fa-f]{2}=[0-9A-Fa-f]{2}|=\?[\w.:-]{1,40}\?[qQ]\?"
                       r"|=3[0-9][0-9]{0,16}=3[0-9]")
_FORM_NAMES = re.compile(r"(?:^|&)[^&=]{0,256}=")  # a form field's `name=` (see _decodings)
_QP_LONE_DIGIT = re.compile(r"(?<=[0-9])=3([0-9])(?=[0-9])")
_CSV_SOFT_BREAK = re.compile(r"=(?=\r?\n)")
_CSV_BREAK_KEPT = "=3D"  # (a literal "=" to a2b_qp: the line end after it stays)
MAX_CSV_SNIFF_LINES = 64


def _lone_digit(text: str, form: bool, m: re.Match[str]) -> str:
    """The digit an escape of _QP_LONE_DIGIT stands for; in a form (`form`), not where its "="
    is the one between a field's name and value ("n1=35..." is a name and a value)."""
    if form and text.find("=", text.rfind("&", 0, m.start()) + 1) == m.start():
        return m.group()
    return m.group(1)


def _csv_rows(text: str) -> bool:
    """Round 24: whether `text` is rows of a CSV or TSV table: two lines or more (of the first
    MAX_CSV_SNIFF_LINES), each with the same number (one or more) of commas, semicolons or
    tabs."""
    lines = [line for line in text.split("\n", MAX_CSV_SNIFF_LINES)[:MAX_CSV_SNIFF_LINES]
             if line.strip()]
    if len(lines) < 2:
        return False
    return any(lines[0].count(sep) and all(line.count(sep) == lines[0].count(sep)
                                           for line in lines) for sep in ",;\t")
# (content bounded and without a nested element of the same name: linear, no backtracking
# past 4 KB)
_BIDI_OVERRIDE = re.compile(
    r"<(bdo|[a-zA-Z][\w-]{0,15})(\s[^<>]{0,512}?)>([^<]{0,4096})</\1\s*>", re.IGNORECASE)
_RTL = re.compile(r"""\bdir\s*=\s*["']?rtl|direction\s*:\s*rtl""", re.IGNORECASE)
_HIDDEN = re.compile(r"""<([a-zA-Z][\w-]{0,15})\s[^<>]{0,512}?display\s*:\s*none[^<>]{0,512}>"""
                     r"[^<]{0,4096}</\1\s*>", re.IGNORECASE)
_TSPAN = re.compile(r"</?tspan\b[^<>]{0,512}>")

# Round 22: what else a browser does not show between the digits of an ID ("1101011990<span
# hidden>5</span>03071233"): the hidden attribute; a style of visibility:hidden, font-size:0
# or opacity:0; a class or id a <style> rule of the document hides that way, or a CSS
# framework's hiding class; the elements whose content is no text of the page (template,
# script, noscript, style). Round 24 reads them, and more, in shown_html (round 22's
# _unshown_html took out elements of text alone only); these marks gate it with the others.
_HIDE_MARKS = ("hidden", "font-size", "opacity", "<template", "<script", "<noscript", "<style",
               "d-none", "invisible", "sr-only")


def _may_hide(text: str) -> bool:
    """Whether `text` (which holds a "<") may hold an element shown_html takes out."""
    low = text.lower()
    return any(mark in low for mark in _HIDE_MARKS) or ("display" in low and "none" in low)


# Round 24: the page as a browser shows it, by one walk over its tags (round 23's misses of
# _unshown_html): an element is hidden with everything in it (a hidden parent hides its
# children), by the hidden attribute, an inline style or a <style> rule (by tag, class, id,
# attribute, and descendant selectors), or a hiding class of the CSS frameworks; hidden is:
# display:none, visibility:hidden/collapse, font-size:0 (and the `font: 0/0 a` trick),
# opacity:0 (and filter:opacity(0)), a transparent colour (transparent, an alpha of 0,
# -webkit-text-fill-color) or the colour of the background, clip:rect() of no area,
# clip-path:inset(50%)/circle(0), an absolute or fixed position or a text-indent far
# off-screen, a zero width or height with overflow hidden, transform:scale(0); an SVG of size
# zero; a closed <details> past its <summary>; comments and the elements whose content is no
# text of the page (template, script, noscript, style). CSS comments in a value are nothing.
# What is left keeps its tags (the scan reads inline markup between digits as nothing). The
# whole text is read as well (an ID in hidden text is personal data all the same).
_SHOWN_MARKS = re.compile(r"class\s*=|style\s*=|hidden|<(?:details|svg|template|script|noscript|"
                          r"style|title|iframe)\b|<!--", re.IGNORECASE)
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][\w:.-]{0,31})(\s[^<>]{0,2048}?)?\s*(/?)>|<!--")
_HTML_ATTR = re.compile(
    r"""([^\s=/>"']{1,64})(?:\s*=\s*(?:"([^"]{0,2048})"|'([^']{0,2048})'|([^\s"'>]{1,2048})))?""")
_HTML_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                        "meta", "param", "source", "track", "wbr", "keygen", "basefont"})
_HTML_RAW = frozenset({"script", "style", "template", "noscript", "textarea", "title", "xmp"})
_HTML_UNSHOWN = frozenset({"script", "style", "template", "noscript", "title"})
_HIDING_CLASSES = frozenset({
    "hidden", "d-none", "invisible", "sr-only", "visually-hidden", "visuallyhidden", "hide",
    "opacity-0", "text-transparent", "collapse", "scale-0", "text-[0px]", "text-[0]",
    "screen-reader-text", "element-invisible", "is-hidden", "uk-hidden", "offscreen",
    "a11y-hidden", "u-hidden", "hidden-visually", "clip", "sr-only-focusable"})
_ZERO_SIZE_CLASSES = frozenset({"w-0", "h-0", "size-0", "max-w-0", "max-h-0"})
_CSS_DECL = re.compile(r"([-\w]{1,64})\s*:\s*([^;]{0,512})")
_CSS_NUMBER = re.compile(r"(-?[0-9]{0,9}(?:\.[0-9]{1,9})?)\s*([a-z%]{0,4})")
_ZERO = re.compile(r"[-+]?(?:0+(?:\.0*)?|\.0+)[a-z%]{0,4}")
# (a rule's selector starts after a brace: tried there only, linear; the sheet read with a
# "}" before it)
_CSS_RULE_ANY = re.compile(r"(?<=[{}])([^{}]{1,512})\{([^{}]{0,2048})\}")
_CSS_COMPOUND = re.compile(
    r"(\*|[a-zA-Z][\w-]{0,31})?((?:[.#][\w\[\]-]{1,64}|\[[^\]]{1,128}\])*)")
_CSS_PART = re.compile(r"([.#])([\w-]{1,64})|\[\s*([\w:-]{1,64})\s*(?:[~|^$*]?=\s*[\"']?([^\"'\]]"
                       r"{0,128})[\"']?\s*)?\]")
_COLOUR_NAMES = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff",
                 "green": "#008000", "gray": "#808080", "grey": "#808080", "yellow": "#ffff00"}
MAX_SHOWN_RULES = 128  # hiding rules of a document's <style> elements read
MAX_SHOWN_DEPTH = 512  # elements open at once that the walk tracks (deeper: not tracked)


_Compound = tuple[str | None, list[tuple[str, str, str | None]]]


def _css_compounds(selector: str) -> list[_Compound]:
    """A selector's compounds (tag, [(kind, name, value)]) from the outermost to the subject,
    combinators dropped; [] when a compound is not one _CSS_COMPOUND reads (shown_html's
    hiding rules and laid_out_html's layout rules share it)."""
    compounds: list[_Compound] = []
    for part in re.split(r"\s*[>+~]\s*|\s+", selector):
        c = _CSS_COMPOUND.fullmatch(part)
        if c is None:
            return []
        tag = c.group(1).lower() if c.group(1) and c.group(1) != "*" else None
        compounds.append((tag, [(p.group(1) or "[", p.group(2) or (p.group(3) or "").lower(),
                                 p.group(4)) for p in _CSS_PART.finditer(c.group(2))]))
    return compounds


def _without_css_comments(text: str) -> str:
    """`text` without /* ... */ (an unclosed one to the end). Linear."""
    if "/*" not in text:
        return text
    out: list[str] = []
    pos = 0
    while (start := text.find("/*", pos)) >= 0:
        out.append(text[pos:start])
        end = text.find("*/", start + 2)
        if end < 0:
            return "".join(out)
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


def _css_declarations(style: str) -> dict[str, str]:
    decls: dict[str, str] = {}
    for m in _CSS_DECL.finditer(_without_css_comments(html.unescape(style) if "&" in style
                                                      else style).lower()):
        decls[m.group(1)] = m.group(2).replace("!important", "").strip()
    return decls


def _css_length(value: str) -> tuple[float, str] | None:
    m = _CSS_NUMBER.fullmatch(value.strip())
    if m is None or m.group(1) in ("", "-", "."):
        return None
    return float(m.group(1)), m.group(2)


def _colour(value: str) -> str | None:
    """A CSS colour in one spelling (#rrggbb or #rrggbbaa, 'transparent'), else None."""
    v = value.strip()
    if v in _COLOUR_NAMES:
        return _COLOUR_NAMES[v]
    if v == "transparent":
        return v
    if v.startswith("#") and len(v) in (4, 5, 7, 9):
        h = v[1:]
        if len(h) in (3, 4):
            h = "".join(c * 2 for c in h)
        h = h if len(h) == 8 else h + "ff"
        return "transparent" if h.endswith("00") else "#" + h[:6]
    m = re.fullmatch(r"(rgba?|hsla?)\(([^()]{1,64})\)", v)
    if m is None:
        return None
    args = [a for a in re.split(r"[\s,/]+", m.group(2)) if a]
    if len(args) == 4 and _ZERO.fullmatch(args[3]) is not None:
        return "transparent"
    if m.group(1).startswith("rgb") and len(args) >= 3:
        try:
            return "#" + "".join(f"{min(255, int(float(a.rstrip('%')))):02x}" for a in args[:3])
        except ValueError:
            return None
    return v


def _off_screen(value: str) -> bool:
    size = _css_length(value)
    if size is None:
        return False
    number, unit = size
    return number <= -500 if unit in ("px", "") else (
        number <= -50 if unit in ("em", "rem", "vw", "vh", "ch", "ex") else number <= -100)


def _hiding_declarations(decls: dict[str, str], background: str | None) -> bool:
    """Whether these declarations hide the element's text (see above); `background`: the
    colour of the background the element inherits, if known."""
    get = decls.get
    if get("display") == "none" or get("visibility") in ("hidden", "collapse") or (
            get("content-visibility") == "hidden"):
        return True
    if (size := get("font-size")) is not None and _ZERO.fullmatch(size):
        return True
    if (font := get("font")) is not None and re.match(r"0+(?:\.0*)?[a-z%]{0,4}\s*/", font):
        return True
    if (opacity := get("opacity")) is not None and _ZERO.fullmatch(opacity):
        return True
    if (fil := get("filter")) is not None and re.search(r"opacity\(\s*0*(?:\.0*)?%?\s*\)", fil):
        return True
    colour = get("color")
    fill = get("-webkit-text-fill-color")
    for value in (colour, fill):
        if value is not None and _colour(value) == "transparent":
            return True
    own_background = get("background-color") or get("background")
    back = _colour(own_background) if own_background is not None else background
    if colour is not None and back is not None and _colour(colour) == back != "transparent":
        return True
    if (clip := get("clip")) is not None and "rect(" in clip:
        edges = [_css_length(e) for e in re.split(r"[\s,]+", clip[clip.find("(") + 1:].rstrip(
            ") "))[:4]]
        if len(edges) == 4 and all(edges):
            top, right, bottom, left = (e[0] for e in edges if e)
            if bottom <= top or right <= left:
                return True
    if (path := get("clip-path")) is not None and (
            re.search(r"inset\(\s*(?:50|[5-9][0-9]|100)(?:\.[0-9]+)?%", path)
            or re.search(r"(?:circle|ellipse)\(\s*0*(?:\.0*)?[a-z%]{0,4}\s*(?:at|\)|0)", path)):
        return True
    if get("position") in ("absolute", "fixed") and any(
            _off_screen(get(side) or "") for side in ("left", "top", "right", "bottom")):
        return True
    if (indent := get("text-indent")) is not None and _off_screen(indent):
        return True
    overflow = get("overflow") or get("overflow-x") or get("overflow-y") or ""
    if overflow.startswith(("hidden", "clip")) and (
            any(_ZERO.fullmatch(get(k) or "x") for k in ("width", "height", "max-width",
                                                         "max-height"))
            or (indent is not None and indent.endswith("%") and indent.startswith("100"))):
        return True
    transform = get("transform") or get("scale") or ""
    return bool(re.search(r"scale[xyz3d]{0,2}\(\s*0*(?:\.0*)?\s*[,)]|^0+(?:\.0*)?$|"
                          r"matrix\(\s*0\s*,\s*0\s*,\s*0\s*,\s*0", transform))


class _CssRule:
    __slots__ = ("ancestors", "compounds", "declarations")

    def __init__(self, compounds: list[_Compound],
                 declarations: dict[str, str]) -> None:
        self.compounds = compounds
        self.declarations = declarations
        self.ancestors = [_rule_key(c) for c in compounds[:-1]]  # (each on an open element)


def _rule_key(compound: tuple[str | None, list[tuple[str, str, str | None]]]) -> str:
    """The index key of a rule by its last compound: a class, an id, an attribute, a tag."""
    tag, parts = compound
    return parts[0][0] + parts[0][1] if parts else tag or "*"


def _css_rules(sheet: str, rules: dict[str, dict[str, list[_CssRule]]], seen: set[str]
               ) -> None:
    """The rules of a style sheet with a hiding declaration (see _hiding_declarations), their
    selectors parsed (descendant combinators; a selector with a pseudo-class is left out)."""
    sheet = "}" + _without_css_comments(sheet)
    for m in _CSS_RULE_ANY.finditer(sheet):
        if len(seen) >= MAX_SHOWN_RULES:
            return
        decls = _css_declarations(m.group(2))
        if not _hiding_declarations(decls, None) and "color" not in decls and (
                "background" not in decls and "background-color" not in decls):
            continue
        for selector in m.group(1).split(","):
            selector = selector.strip()
            if not selector or ":" in selector or "@" in selector:
                continue
            compounds = _css_compounds(selector)
            if compounds and (seen_key := f"{selector}{{{m.group(2)}}}") not in seen:
                seen.add(seen_key)
                rule = _CssRule(compounds, decls)
                rules.setdefault(_rule_key(compounds[-1]), {}).setdefault(
                    rule.ancestors[0] if rule.ancestors else "", []).append(rule)


class _Element:
    __slots__ = ("attrs", "background", "classes", "hide_from", "name", "open_end", "start",
                 "summary")

    def __init__(self, name: str, attrs: dict[str, str], start: int, open_end: int) -> None:
        self.name = name
        self.attrs = attrs
        self.classes = set(attrs.get("class", "").split())
        self.start = start
        self.open_end = open_end
        self.hide_from: int | None = None  # (a closed <details>: hidden from here)
        self.summary = 0  # (a closed <details>: 1 before its first child, 2 in its summary)
        self.background: str | None = None


def _compound_matches(compound: tuple[str | None, list[tuple[str, str, str | None]]],
                      element: _Element) -> bool:
    tag, parts = compound
    if tag is not None and tag != element.name:
        return False
    for kind, name, value in parts:
        if kind == ".":
            if name not in element.classes:
                return False
        elif kind == "#":
            if element.attrs.get("id") != name:
                return False
        elif name not in element.attrs or (value is not None and value != element.attrs[name]):
            return False
    return True


def _rule_matches(rule: _CssRule, stack: list[_Element], element: _Element,
                  present: dict[str, int]) -> bool:
    if not _compound_matches(rule.compounds[-1], element) or not all(
            present.get(key) for key in rule.ancestors if key != "*"):
        return False
    want = len(rule.compounds) - 2
    for ancestor in reversed(stack):
        if want < 0:
            break
        if _compound_matches(rule.compounds[want], ancestor):
            want -= 1
    return want < 0


def _element_keys(element: _Element) -> list[str]:
    """The rule index keys an element may match (see _rule_key)."""
    keys = [element.name, *("." + c for c in element.classes),
            *("[" + a for a in element.attrs)]
    if "id" in element.attrs:
        keys.append("#" + element.attrs["id"])
    return keys


def _element_hidden(element: _Element, stack: list[_Element],
                    rules: dict[str, dict[str, list[_CssRule]]], present: dict[str, int]
                    ) -> bool:
    attrs = element.attrs
    inherited = stack[-1].background if stack else None
    decls = _css_declarations(attrs["style"]) if "style" in attrs else {}
    if rules:
        for key in [*_element_keys(element), "*"]:
            if (by_ancestor := rules.get(key)) is None:
                continue
            # (by the key of a rule's first ancestor compound: those of open elements only)
            firsts = [a for a in present if present[a] and a in by_ancestor] if len(
                by_ancestor) > len(present) else [a for a in by_ancestor if present.get(a)]
            for first in ["", "*", *firsts]:
                for rule in by_ancestor.get(first, ()):
                    if _rule_matches(rule, stack, element, present):
                        decls = {**rule.declarations, **decls}
    own = decls.get("background-color") or decls.get("background")
    element.background = (_colour(own) if own is not None else None) or inherited
    if "hidden" in attrs or element.name in _HTML_UNSHOWN:
        return True
    if (element.name == "svg" or element.name == "iframe") and any(
            _ZERO.fullmatch(attrs.get(k, "x").strip()) for k in ("width", "height")):
        return True
    classes = element.classes
    if not classes.isdisjoint(_HIDING_CLASSES) or (
            not classes.isdisjoint(_ZERO_SIZE_CLASSES) and "overflow-hidden" in classes):
        return True
    return bool(decls) and _hiding_declarations(decls, inherited)


_STYLE_OPEN = re.compile(r"<style\b[^<>]{0,512}>", re.IGNORECASE)
_SELF_CLOSED = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})


class _RawEnds:
    """Where the content of a raw text element (script, style, ...) ends: at its end tag, or
    the text's end (then every later one of that name does: one search each, linear)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.unended: set[str] = set()

    def __call__(self, name: str, start: int) -> tuple[int, int]:
        if name not in self.unended:
            m = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(self.text, start)
            if m is not None:
                return m.start(), m.end()
            self.unended.add(name)
        return len(self.text), len(self.text)


def shown_html(text: str) -> str:
    """`text` (HTML) as a browser shows it: the hidden elements (see above) cut out, tags
    and all. Linear: one pass over the tags, each tag's attributes read once, matched against
    MAX_SHOWN_RULES rules at most (each against the open elements)."""
    raw_end = _RawEnds(text)
    rules: dict[str, dict[str, list[_CssRule]]] = {}
    seen: set[str] = set()
    if "<style" in text or "<STYLE" in text or "<Style" in text:
        for opening in _STYLE_OPEN.finditer(text):
            _css_rules(text[opening.end():raw_end("style", opening.end())[0]], rules, seen)
            if len(seen) >= MAX_SHOWN_RULES:
                break
    cuts: list[tuple[int, int]] = []
    stack: list[_Element] = []
    present: dict[str, int] = {}  # (the rule keys of the open elements, when there are rules)
    hidden_at: int | None = None  # (the stack depth of the outermost hidden element)

    def close(depth: int, start: int, end: int) -> None:
        nonlocal hidden_at
        if hidden_at is not None and depth <= hidden_at:
            cuts.append((stack[hidden_at].start, end))
            hidden_at = None
        elif hidden_at is None:
            for element in stack[depth:]:
                if element.summary == 1:
                    element.hide_from = element.open_end
                if element.hide_from is not None:
                    cuts.append((element.hide_from, start))
        parent = stack[depth - 1] if depth and stack[depth].name == "summary" else None
        if rules:
            for element in stack[depth:]:
                for key in _element_keys(element):
                    present[key] -= 1
        del stack[depth:]
        if parent is not None and parent.summary == 2:
            parent.hide_from, parent.summary = end, 0

    pos = 0
    while (m := _HTML_TAG.search(text, pos)) is not None:
        if m.group() == "<!--":
            end = text.find("-->", m.end())
            pos = len(text) if end < 0 else end + 3
            if hidden_at is None:
                cuts.append((m.start(), pos))
            continue
        pos = m.end()
        name = m.group(2).lower()
        if m.group(1):
            for depth in range(len(stack) - 1, max(-1, len(stack) - 65), -1):
                if stack[depth].name == name:
                    close(depth, m.start(), m.end())
                    break
            continue
        if name in _SELF_CLOSED and stack and stack[-1].name == name:
            close(len(stack) - 1, m.start(), m.start())
        attrs: dict[str, str] = {}
        if m.group(3):
            for a in _HTML_ATTR.finditer(m.group(3)):
                attrs.setdefault(a.group(1).lower(),
                                 a.group(2) or a.group(3) or a.group(4) or "")
        element = _Element(name, attrs, m.start(), m.end())
        if stack and stack[-1].summary == 1:
            parent = stack[-1]
            if name == "summary" and not text[parent.open_end:m.start()].strip():
                parent.summary = 2
            else:
                parent.hide_from, parent.summary = parent.open_end, 0
        if hidden_at is None and _element_hidden(element, stack, rules, present):
            hidden_at = len(stack)
        if name == "details" and "open" not in attrs and hidden_at is None:
            element.summary = 1
        if name in _HTML_RAW or m.group(4) or name in _HTML_VOID:
            end = raw_end(name, m.end())[1] if name in _HTML_RAW else m.end()
            if hidden_at == len(stack):
                cuts.append((m.start(), end))
                hidden_at = None
            pos = end
            continue
        if len(stack) < MAX_SHOWN_DEPTH:
            stack.append(element)
            if rules:
                for key in _element_keys(element):
                    present[key] = present.get(key, 0) + 1
        elif hidden_at == len(stack):
            hidden_at = None  # (too deep to follow: not cut)
    if hidden_at is not None:
        cuts.append((stack[hidden_at].start, len(text)))
    elif stack:
        close(0, len(text), len(text))
    if not cuts:
        return text
    out: list[str] = []
    last = 0
    for start, stop in sorted(cuts):
        if stop > last:
            out.append(text[last:max(start, last)])
            last = stop
    out.append(text[last:])
    return "".join(out)


# Round 24 (round 6's miss): CSS layout that shows an element's children in another order or
# adds text: a flex container whose main axis runs backwards (flex-direction: row-reverse or
# column-reverse, or a row in a direction: rtl container) shows its children last first;
# children with an `order` are shown by it (a stable sort); a run of float:right siblings is
# shown right to left (the first at the right edge); a ::before / ::after rule's quoted
# content is shown at the element's start / end. Read as a view of its own (the markup's
# order is read as well), by a tree of the elements (MAX_LAYOUT_DEPTH deep), linear.
_LAYOUT_MARKS = re.compile(r"flex|float|order\s*:|::?(?:before|after)|direction", re.IGNORECASE)
_PSEUDO = re.compile(r"::?(before|after)\s*$", re.IGNORECASE)
_CSS_CONTENT = re.compile(r"""^\s*(?:"([^"]{0,256})"|'([^']{0,256})')\s*$""")
MAX_LAYOUT_DEPTH = 200  # elements open at once that the layout reading follows
MAX_LAYOUT_RULES = 256


class _Node:
    __slots__ = ("after", "before", "children", "decls", "end", "name", "start_tag")

    def __init__(self, name: str, start_tag: str, decls: dict[str, str]) -> None:
        self.name = name
        self.start_tag = start_tag
        self.decls = decls
        self.children: list[_Node | str] = []
        self.end = ""
        self.before = ""
        self.after = ""


def _layout_rules(text: str) -> list[tuple[_CssRule, str]]:
    """The rules of the document's <style> elements that lay out or add text, each with the
    pseudo-element it is for ("" for the element itself)."""
    out: list[tuple[_CssRule, str]] = []
    ends = _RawEnds(text)
    for opening in _STYLE_OPEN.finditer(text):
        sheet = "}" + _without_css_comments(text[opening.end():ends("style", opening.end())[0]])
        for m in _CSS_RULE_ANY.finditer(sheet):
            decls = _css_declarations(m.group(2))
            if not ({"display", "flex-direction", "flex-flow", "direction", "order", "float",
                     "content"} & decls.keys()):
                continue
            for selector in m.group(1).split(","):
                pseudo = _PSEUDO.search(selector)
                kind = pseudo.group(1).lower() if pseudo else ""
                selector = selector[:pseudo.start()] if pseudo else selector
                selector = selector.strip()
                if not selector or ":" in selector or "@" in selector:
                    continue
                compounds = _css_compounds(selector)
                if compounds:
                    out.append((_CssRule(compounds, decls), kind))
                if len(out) >= MAX_LAYOUT_RULES:
                    return out
    return out


def _layout_children(node: _Node) -> list[_Node | str]:
    """`node`'s children in the order they are shown (see above)."""
    children = node.children
    elements = [c for c in children if isinstance(c, _Node)]
    if not elements:
        return children
    decls = node.decls
    display = decls.get("display", "")
    if "flex" in display:
        flow = decls.get("flex-direction") or decls.get("flex-flow", "")
        reverse = "reverse" in flow
        if not flow.startswith("column") and decls.get("direction") == "rtl":
            reverse = not reverse
        if any("order" in c.decls for c in elements):
            def order(child: _Node | str) -> int:
                if isinstance(child, str):
                    return 0
                try:
                    return int(child.decls.get("order", "0"))
                except ValueError:
                    return 0
            children = sorted(children, key=order)
        if reverse:
            children = children[::-1]
        return children
    if any(c.decls.get("float") == "right" for c in elements):
        out: list[_Node | str] = []
        run: list[_Node | str] = []
        for child in children:
            if isinstance(child, _Node) and child.decls.get("float") == "right":
                run.append(child)
            elif isinstance(child, str) and not child.strip() and run:
                continue
            else:
                out.extend(run[::-1])
                run = []
                out.append(child)
        out.extend(run[::-1])
        return out
    return children


def _render(node: _Node, out: list[str], depth: int) -> None:
    out.append(node.start_tag)
    out.append(node.before)
    for child in (_layout_children(node) if depth < MAX_LAYOUT_DEPTH else node.children):
        if isinstance(child, str):
            out.append(child)
        else:
            _render(child, out, depth + 1)
    out.append(node.after)
    out.append(node.end)


def laid_out_html(text: str) -> str | None:
    """`text` (HTML) in the order a browser lays it out, with generated content (see above);
    None when that is the markup's own."""
    rules: dict[str, list[tuple[_CssRule, str]]] = {}
    if "<style" in text or "<STYLE" in text:
        for rule, kind in _layout_rules(text):
            if len(rule.compounds) == 1:  # (descendant selectors are not read here)
                rules.setdefault(_rule_key(rule.compounds[0]), []).append((rule, kind))
    root = _Node("", "", {})
    stack = [root]
    changed = False
    ends = _RawEnds(text)
    last = 0
    pos = 0
    while (m := _HTML_TAG.search(text, pos)) is not None:
        if m.start() > last:
            stack[-1].children.append(text[last:m.start()])
        if m.group() == "<!--":
            end = text.find("-->", m.end())
            pos = last = len(text) if end < 0 else end + 3
            continue
        pos = last = m.end()
        name = m.group(2).lower()
        if m.group(1):
            for depth in range(len(stack) - 1, max(0, len(stack) - 65), -1):
                if stack[depth].name == name:
                    stack[depth].end = m.group()
                    del stack[depth:]
                    break
            else:
                stack[-1].children.append(m.group())
            continue
        attrs: dict[str, str] = {}
        if m.group(3):
            for a in _HTML_ATTR.finditer(m.group(3)):
                attrs.setdefault(a.group(1).lower(),
                                 a.group(2) or a.group(3) or a.group(4) or "")
        element = _Element(name, attrs, m.start(), m.end())
        decls: dict[str, str] = {}
        node = _Node(name, m.group(), decls)
        for rule, kind in [r for key in (*_element_keys(element), "*") if rules
                           for r in rules.get(key, ())]:
            if _rule_matches(rule, [], element, {}):
                if kind:
                    content = _CSS_CONTENT.match(rule.declarations.get("content", ""))
                    if content is not None:
                        setattr(node, kind, content.group(1) or content.group(2) or "")
                        changed = True
                else:
                    decls.update(rule.declarations)
        if "style" in attrs:
            decls.update(_css_declarations(attrs["style"]))
        if "dir" in attrs:
            decls["direction"] = attrs["dir"].lower()
        if decls.keys() & {"display", "float", "order"}:
            changed = True
        stack[-1].children.append(node)
        if name in _HTML_RAW:
            start, end = ends(name, m.end())
            node.children.append(text[m.end():start])
            node.end = text[start:end]
            pos = last = end
        elif not (m.group(4) or name in _HTML_VOID) and len(stack) < MAX_LAYOUT_DEPTH:
            stack.append(node)
    if not changed:
        return None
    stack[-1].children.append(text[last:])
    out: list[str] = []
    _render(root, out, 0)
    shown = "".join(out)
    return shown if shown != text else None


# Round 16: SVG text drawn as separate <text> elements side by side (PDF-to-SVG converters
# emit one per run or per glyph; an ID card rendered so is one), which a renderer or OCR shows
# as one line: consecutive <text> elements (nothing but white space between them) of one line
# (the same y, or no y) read as one text, their contents joined as the <tspan>s of one <text>
# are. Bounded (attributes 512, contents 256 characters; no nested element but tspans).
_SVG_TEXT = re.compile(r"<((?:[A-Za-z][\w-]{0,15}:)?text)\b([^<>]{0,512})>((?:[^<]|</?(?:[A-Za-z]"
                       r"[\w-]{0,15}:)?tspan\b[^<>]{0,512}>){0,256})</\1\s*>")
_SVG_Y = re.compile(r"""\sy\s*=\s*["']\s*([^"']{0,64}?)\s*["']""")
_SVG_TSPAN = re.compile(r"</?(?:[A-Za-z][\w-]{0,15}:)?tspan\b[^<>]{0,512}>")
_SVG_X = re.compile(r"""\sx\s*=\s*["']\s*(-?[0-9]{1,9}(?:\.[0-9]{1,9})?)\s*["']""")
_SVG_TRANSLATE = re.compile(r"translate\(\s*(-?[0-9]{1,9}(?:\.[0-9]{1,9})?)")
_SVG_FONT_SIZE = re.compile(r"font-size\s*[=:]\s*[\"']?\s*([0-9]{1,4}(?:\.[0-9]{1,4})?)")


def _svg_x(attrs: str) -> float | None:
    """The x where a <text> element starts, from its x attribute or a translate()."""
    m = _SVG_X.search(attrs) or _SVG_TRANSLATE.search(attrs)
    return float(m.group(1)) if m else None


def _svg_text_runs(text: str) -> str:
    """`text` with each line of consecutive SVG <text> elements as one element holding their
    contents joined (see _SVG_TEXT); `text` itself when there is none."""
    pieces: list[str] = []
    last = 0
    line: list[re.Match[str]] = []

    def close() -> None:
        nonlocal last
        if len(line) > 1:
            pieces.append(text[last:line[0].start()])
            pieces.append("<text>" + "".join(_SVG_TSPAN.sub("", m.group(3)) for m in line)
                          + "</text>")
            last = line[-1].end()
        line.clear()

    y: str | None = None
    reach: float | None = None  # where the previous element's text could end, when it says
    for m in _SVG_TEXT.finditer(text):
        attrs = m.group(2)
        m_y = _SVG_Y.search(attrs)
        at = m_y.group(1) if m_y else None
        x = _svg_x(attrs)
        if line and (text[line[-1].end():m.start()].strip() or at != y or (
                x is not None and reach is not None and x > reach)):
            # (round 17: cells of one table row are apart by more than their text's width)
            close()
        line.append(m)
        y = at
        size = _SVG_FONT_SIZE.search(attrs)
        # (three quarters of an em a character: digits are about half an em wide)
        width = (float(size.group(1)) if size else 16.0) * 0.75
        shown = _SVG_TSPAN.sub("", m.group(3))
        reach = None if x is None else x + width * (len(shown) + 1)
    close()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


# Round 16: characters given by their codes, as code writes them (String.fromCharCode(49, 51,
# 57, ...), the classic obfuscation of contact details against scrapers; fromCodePoint) and
# spreadsheets (=CHAR(49)&CHAR(51)&..., UNICHAR; Python's chr(49)+...): read as the
# characters, as byte arrays are (see byte_arrays). A call's codes become its string; a chain
# of CHAR(n) joined by & (or +) with string literals and numbers, the string it makes.
_CHAR_CODE = r"\s*(?:0[xX][0-9A-Fa-f]{1,6}|[0-9]{1,7})\s*"
_FROM_CHAR_CODE = re.compile(r"(?:\bString\s*\.\s*)?\bfrom(?:CharCode|CodePoint)\s*\(("
                             + _CHAR_CODE + r"(?:," + _CHAR_CODE + r"){0,255})\)")
_CHAR_ITEM = (r"(?:(?<![\w.])(?:UNI)?(?:CHAR|char|Char|chr)\s*\(" + _CHAR_CODE + r"\)"
              r"|\"\"?[^\"&+\r\n]{0,64}\"\"?|'[^'&+\r\n]{0,64}'|[0-9]{1,20})")
_CHAR_CHAIN = re.compile(_CHAR_ITEM + r"(?:\s*[&+]\s*" + _CHAR_ITEM + r"){1,255}")
_SQL_CHAR = re.compile(r"(?<![\w.])N?(?:CHAR|char|Char)\s*\((" + _CHAR_CODE + r"(?:,"
                       + _CHAR_CODE + r"){1,255})\)")
_CONCAT_CHAIN = re.compile(r"(?<![\w.])(?:CONCAT(?:ENATE)?|concat(?:enate)?|Concat)\s*\(\s*("
                           + _CHAR_ITEM + r"(?:\s*[,;]\s*" + _CHAR_ITEM + r"){1,255})\s*\)")
_CHAR_PART = re.compile(r"(?:UNI)?(?:CHAR|char|Char|chr)\s*\((" + _CHAR_CODE + r")\)"
                        r"|\"\"?([^\"&+\r\n]{0,64})\"\"?|'([^'&+\r\n]{0,64})'|([0-9]{1,20})")


def _code_chars(codes: str) -> str | None:
    """The characters of comma-separated decimal or 0x codes; None when one is no character
    (or a control character but white space)."""
    try:
        chars = "".join(chr(int(c, 16) if c.strip()[:2] in ("0x", "0X") else int(c))
                        for c in codes.split(","))
    except (ValueError, OverflowError):
        return None
    return chars if chars.isprintable() or not chars.strip("\t\r\n") else None


def _char_codes(text: str) -> str:
    """`text` with character codes read as the characters (see _FROM_CHAR_CODE); `text`
    itself when there is none."""
    def call(m: re.Match[str]) -> str:
        chars = _code_chars(m.group(1))
        return m.group() if chars is None else chars

    def chain(m: re.Match[str]) -> str:
        out: list[str] = []
        for part in _CHAR_PART.finditer(m.group()):
            if part.group(1) is not None:
                chars = _code_chars(part.group(1))
                if chars is None:
                    return m.group()
                out.append(chars)
            else:
                out.append(part.group(2) or part.group(3) or part.group(4) or "")
        return "".join(out)

    shown = _FROM_CHAR_CODE.sub(call, text) if "From" in text or "from" in text else text
    if "har(" in text or "HAR(" in text or "hr(" in text:
        shown = _CHAR_CHAIN.sub(lambda m: chain(m) if "(" in m.group() else m.group(), shown)
        # Round 17: SQL's CHAR(49,51,...) (many codes in one call) and a spreadsheet's
        # CONCAT(CHAR(49),CHAR(51),...) (items parted by commas)
        shown = _SQL_CHAR.sub(call, shown)
        shown = _CONCAT_CHAIN.sub(lambda m: chain(m) if "(" in m.group(1) else m.group(),
                                  shown)
    return shown


def _bidi_marks(m: re.Match[str]) -> str:
    tag, attrs, content = m.group(1), m.group(2), m.group(3)
    if _RTL.search(attrs) and (tag.lower() == "bdo" or "bidi-override" in attrs):
        return f"<{tag}{attrs}>\u202e{content}\u202c</{tag}>"
    return m.group()


_TAG_DIGIT = re.compile("[\U000e0030-\U000e0039]")
# (searched one by one: `in` answers at once for a text with no character past U+FFFF, where
# the regex reads all of it)
_TAG_DIGITS = tuple(map(chr, range(0xE0030, 0xE003A)))
_PUNYCODE = re.compile(r"(?<![\w-])(?i:xn)--([A-Za-z0-9-]{1,59})")


def _idn_label(m: re.Match[str]) -> str:
    try:
        return codecs.decode(m.group(1).encode("ascii"), "punycode")
    except (UnicodeError, ValueError):
        return m.group()


_CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6})[ \t\n]?")


def _css_char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    # (CSS reads 0, a surrogate or past U+10FFFF as U+FFFD)
    return "\ufffd" if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else chr(code)


_XML_ENTITY = re.compile(
    r"""<!ENTITY\s+([A-Za-z_][\w.-]{0,63})\s+(?:"([^"<]{0,4096})"|'([^'<]{0,4096})')\s*>""")
MAX_XML_ENTITIES = 64


def _cut(text: str, start: str, end: str, keep: bool) -> str:
    """`text` with each `start`...`end` section removed (or only its markers when `keep`);
    an unclosed section is left as it is. Linear: str.find from where the last one ended."""
    out: list[str] = []
    pos = 0
    while (i := text.find(start, pos)) >= 0:
        j = text.find(end, i + len(start))
        if j < 0:
            break
        out.append(text[pos:i])
        if keep:
            out.append(text[i + len(start):j])
        pos = j + len(end)
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def xml_text(text: str) -> str:
    """The character data an XML parser reports: CDATA sections as their content, comments
    and processing instructions gone (`110101<![CDATA[199003]]><?pi?>071233` is one text
    node), internal entities (`<!ENTITY a "110101">` ... `&a;`) expanded as parsers do by
    default, within a bound."""
    flat = _cut(_cut(_cut(text, "<![CDATA[", "]]>", True), "<!--", "-->", False), "<?", "?>",
                False)
    if "<!ENTITY" in text:
        entities = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
                    for _, m in zip(range(MAX_XML_ENTITIES), _XML_ENTITY.finditer(text),
                                    strict=False)}
        if entities:
            pattern = re.compile(r"&(" + "|".join(map(re.escape, entities)) + r");")
            for _ in range(2):  # an entity that refers to another
                grown = _expanded(flat, pattern, entities, len(text) + 65536)
                if grown is None or grown == flat:  # no entity bomb
                    break
                flat = grown
    return flat


def _expanded(flat: str, pattern: re.Pattern[str], entities: dict[str, str],
              limit: int) -> str | None:
    """`flat` with its entity references replaced, or None as soon as the text written
    passes `limit` characters (the bound holds while expanding: a 4 KB entity referenced a
    million times is never written out, 1.3 GB for a 1 MB body)."""
    out: list[str] = []
    size = pos = 0
    for m in pattern.finditer(flat):
        value = entities[m.group(1)]
        size += m.start() - pos + len(value)
        if size > limit:
            return None
        out.append(flat[pos:m.start()])
        out.append(value)
        pos = m.end()
    if not out:
        return flat
    out.append(flat[pos:])
    return "".join(out)


# A JSON number in scientific notation ("1.3912345678e10", which a parser reads as the integer
# 13912345678; no common serializer writes an 11- to 18-digit integer so). "13912345678.0" is
# read too (zero_fractions, below). The prefilter starts with a literal,
# which the regex engine finds at memchr speed. Round 6: any number of digits before the point
# and a negative exponent ("13912345.678e3", "139123456.780e-1"): JavaScript's JSON.parse gives
# 13912345678 for them as well. The fraction and exponent are matched first (from the literal
# point: a digit-led pattern costs ~30 us on a 2 KB body), the digits before it looked up after.
# (a mantissa with a point, "1.3912345678e10", or of 8+ digits without one, "139123456780e-1":
# both are numbers a parser reads as the integer, round 6; the second is looked for in the
# bytes with every digit made 0: a regex led by a digit class costs ~90 us per 2 KB, this ~2)
_JSON_FRACTION = re.compile(r"\.\d{1,40}[eE][-+]?\d")
# (and E as e: one search, not two; round 8, ~1.6 us a 2 KB body, which pays for its readings)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")
_JSON_NUMBER = re.compile(r"(?:\.\d{1,40}|(?<=\d{7})\d)[eE][-+]?\d{1,2}(?![\w.])")
_JSON_WHOLE = re.compile(r"(?<![\w.])\d{1,40}\Z")  # the digits before the point


def _long_mantissa(data: bytes) -> bool:
    return b"00000000e" in data.translate(_DIGITS_AS_ZERO)


def json_integers(text: str) -> str:
    """`text` with each JSON number in scientific notation of integral value (7 to 20 digits)
    written as the integer a parser gives (1.3912345678e10 is 13912345678)."""
    out: list[str] = []
    pos = 0
    for m in _JSON_NUMBER.finditer(text):
        whole = _JSON_WHOLE.search(text, max(pos, m.start() - 40), m.start())
        if whole is None:
            continue  # a version, a word: not a number a parser reads
        number = text[whole.start():m.end()]
        integral = _integral(number)
        if integral is not None:
            out.append(text[pos:whole.start()])
            out.append(integral)
            pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _integral(number: str) -> str | None:
    mantissa = number[:number.find("e") if "e" in number else number.find("E")]
    if len(mantissa.replace(".", "").strip("0")) < 8:
        # A rounded quantity (1.8e10, printf's 1.523457e+10, numpy's 1.8000...e+10): a
        # writer of an identifier (Java's Double.toString) writes all its digits.
        return None
    with contextlib.suppress(decimal.InvalidOperation, ValueError, OverflowError):
        value = decimal.Decimal(number)
        if value == value.to_integral_value():
            whole = str(int(value))
            if 7 <= len(whole.lstrip("-")) <= 20:
                return whole
    return None


# Round 8: an integer literal in another base (YAML 1.2, TOML, JSON5, Python, JavaScript and C
# read "0x33D4C0B4E" as 13912345678; "0o" octal and "0b" binary too; TOML and Python allow
# underscores between digits), written as the decimal a parser gives. Only values of the
# lengths an identifier has (a mobile, with 86, a resident ID): a hex colour, a flag mask or
# a pointer ("0x7ffee3b1c9a0", fifteen decimal digits) is left as it is. Longer hex tokens
# (hashes, addresses) do not match at all.
# (led by the literal 0, the lookbehind after it: a leading lookbehind costs ~25 us per 2 KB)
# (a BigInt's n and C's U/L suffixes end a literal too: 0x187287507ec3301n, 0x33D4C0B4EULL)
_RADIX = re.compile(r"0(?<![\w.]0)(?:[xX](?:_?[0-9a-fA-F]){8,16}|[oO](?:_?[0-7]){11,21}"
                    r"|[bB](?:_?[01]){33,60})[nuUlL]{0,3}(?![\w.])")
_RADIX_HINT = re.compile(r"0[xXoObB]")
# Hex alone where no code or configuration is declared (every other body, the request line):
# "0o" and "0b" are literals of those languages only, and their hint costs ~1 us per 2 KB.
_RADIX_HEX = re.compile(r"0(?<![\w.]0)[xX](?:_?[0-9a-fA-F]){8,16}[nuUlL]{0,3}(?![\w.])")
_CODE_TYPE = re.compile(r"yaml|toml|json5|javascript|ecmascript|python|x-c\b|java|rust|go\b")
_RADIX_LENGTHS = frozenset({11, 13, 18})


def _radix_decimal(m: re.Match[str]) -> str:
    value = int(m.group().rstrip("nuUlL").replace("_", ""), 0)
    decimal_ = str(value)
    if len(decimal_) == 15:
        return decimal_ if _first_generation_value(value, decimal_) else m.group()
    return decimal_ if len(decimal_) in _RADIX_LENGTHS else m.group()


# x86-64 and arm64 user-space pointers (Linux mmap and stack, Windows DLLs: 0x7f00_0000_0000
# to 0x7fff_ffff_ffff) are 15-digit decimals led by Shanxi's codes 1396xx-1407xx.
_POINTERS = range(0x7F00_0000_0000, 0x8000_0000_0000)


def _first_generation_value(value: int, decimal_: str) -> bool:
    """Round 24: a literal whose decimal is a first-generation (15-digit) ID's shape, a known
    area code and a YYMMDD birth date, and outside the range pointers fill."""
    if value in _POINTERS or not known_area(decimal_[:6]):
        return False
    month, day = int(decimal_[8:10]), int(decimal_[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


_YAML_OCTAL = re.compile(rb"(?<![\w.])0[0-7_]{10,22}(?![\w.])")


# (YAML 1.1's int: [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+, as a whole plain scalar: after ": " or
# "- " or a flow sequence's "[" / ", ", to the line's end, a comment, "," or "]")
_YAML_SEXAGESIMAL = re.compile(rb"(?<=[:\-\[,] )[-+]?[1-9][0-9_]{0,20}(?::[0-5]?[0-9]){2,12}"
                               rb"(?=[ \t]*(?:#|,|\]|\r?\n|$))")


def _yaml_sexagesimal(m: re.Match[bytes]) -> bytes:
    parts = m.group().lstrip(b"+-").replace(b"_", b"").split(b":")
    if len(parts) in (6, 8) and all(len(p) == 2 for p in parts):
        return m.group()  # (a MAC or EUI-64 address of decimal-looking bytes: round 17)
    value = 0
    for part in parts:
        value = value * 60 + int(part)
    decimal_ = str(value).encode()
    return decimal_ if len(decimal_) in _RADIX_LENGTHS else m.group()


def _yaml_octal(m: re.Match[bytes]) -> bytes:
    decimal_ = str(int(m.group().replace(b"_", b""), 8)).encode()
    return decimal_ if len(decimal_) in _RADIX_LENGTHS else m.group()


def radix_integers(text: str, all_bases: bool = False) -> str:
    """`text` with each hex (`all_bases`: also octal or binary) integer literal of an
    identifier's length written in decimal (see _RADIX); `text` itself when it has none."""
    if all_bases:
        if _RADIX_HINT.search(text) is None:  # (~0.9 us per 2 KB; six `in` tests cost ~10)
            return text
        return _RADIX.sub(_radix_decimal, text)
    if ("x" not in text and "X" not in text) or _RADIX_HEX.search(text) is None:
        return text
    return _RADIX_HEX.sub(_radix_decimal, text)


# Round 8: text serialized as an array of its bytes: Node's JSON.stringify of a Buffer
# ({"type": "Buffer", "data": [49, 51, 57, ...]}), Python's list(bytes), a Uint8Array or a
# Java byte[] written by hand. Eleven items or more (a phone's digits), each 0-255; kept when
# the bytes are text or a compressed stream, and then read as a base64 token's bytes are
# (face embeddings quantized to uint8 are not text and are not read).
_BYTE_ARRAY = re.compile(r"\[[ \t\r\n]*+((?:[0-9]{1,3}[ \t\r\n]*+,[ \t\r\n]*+){10,}[0-9]{1,3})"
                         r"[ \t\r\n]*+\]")
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The first bytes of a gzip, zlib, bzip2, xz or zstd stream, percent-encoded (letters and
# digits left as they are: quote() leaves "x" and "BZh" alone), at the start of a value.
_PERCENT_ARCHIVE = re.compile(r"(?<![^=&?;])(?:%1[Ff]%8[Bb]|x%(?:01|5[Ee]|9[Cc]|[Dd][Aa])"
                              r"|BZh[1-9]|%[Ff][Dd]7zXZ%00|%28%[Bb]5%2[Ff]%[Ff][Dd])")


def _utf16_text(raw: bytes) -> bool:
    """UTF-16 by its BOM, or ASCII text in UTF-16 without one: every other byte zero, the
    others printable (an array of zeros or a sparse vector is neither)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    half = len(raw) // 2
    return any(raw[zero::2].count(0) >= half and _NOT_TEXT.search(raw[1 - zero::2]) is None
               for zero in (0, 1))


def byte_arrays(text: str) -> Iterator[tuple[bytes, bool]]:
    """The byte arrays in `text` (see _BYTE_ARRAY) that hold text or an archive, each with
    whether it is plain UTF-8 text (read as it is) or must be opened as a body would be."""
    for m in _BYTE_ARRAY.finditer(text):
        values = [int(v) for v in m.group(1).split(",")]
        if max(values) > 255:
            continue
        raw = bytes(values)
        if _archive(raw) or _cjk_text(raw[:MAX_CJK_SNIFF]) or _utf16_text(raw) or (
                serialized.sniffed(raw) == "der"):
            yield raw, False  # (DER: a certificate as its bytes, walked by `body`; round 16)
        elif _NOT_TEXT.search(raw) is None:
            with contextlib.suppress(UnicodeDecodeError):
                raw.decode("utf-8")
                yield raw, True


def scientific(text: str) -> str | None:
    """Round 8: `text` with its numbers in scientific notation written as integers (see
    json_integers), wherever a receiver parses numbers, not only in a JSON body (YAML, CSV,
    XML, a form field or query parameter, a header, JSON inside any of them): "t:
    1.3912345678e+10" is 13912345678 to a YAML loader and to float(); None when nothing
    changes. A view of its own beside each text and decoding, not one more decoding (that
    would double the combinations a text's escapes make, against MAX_DERIVED_VIEWS)."""
    integral = json_integers(text) if _JSON_FRACTION.search(text) is not None else text
    if ".0" in text or "\uff0e" in text or ".\uff10" in text:  # (round 24: fullwidth too)
        integral = zero_fractions(integral)
    return integral if integral != text else None


# A number written with a fraction of one zero, "13912345678.0": how Python, pandas (a phone
# column with a missing value is float64; astype(str) and to_json write it so) and Java write
# a float of integral value, which JSON.parse, YAML and float() read as the integer. Read as
# that integer wherever numbers are read, as the integer itself is (round 13: a mobile so
# written was read only after a phone word). Two zeros or more ("13912345678.00") is how an
# amount is written, and stays one. (Led by the literal point: found at memchr speed.)
# (round 24: before a sentence's full stop, "My number is 13912345678.0.": a point then a
# space, a quote or the end; and in fullwidth, digits and point as a Chinese IME writes them,
# with a search of its own where a fullwidth point or zero stands, so that this one stays led
# by its literal)
_ZERO_FRACTION = re.compile(r"\.0(?!\w)(?!\.[^\s\"'<)\]])")
_ZERO_FRACTION_WIDE = re.compile("[.\uff0e][0\uff10](?!\\w)(?![.\uff0e][^\\s\"'<)\\]])")


def zero_fractions(text: str) -> str:
    """`text` with each number of 7 to 20 digits followed by ".0" written without it."""
    out: list[str] = []
    pos = 0
    wide = "\uff0e" in text or "\uff10" in text
    for m in (_ZERO_FRACTION_WIDE if wide else _ZERO_FRACTION).finditer(text):
        whole = _JSON_WHOLE.search(text, max(pos, m.start() - 21), m.start())
        if whole is None or not 7 <= len(whole.group()) <= 20:
            continue  # a version ("v1.0"), a short number, a date part: left as written
        if amount_labelled(text, whole.start()):
            continue  # (round 24: an amount so written stays one: {"jumlah": 13912345678.0})
        out.append(text[pos:m.start()])
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def derived_views(text: str, *, plus: bool = False, depth: int = 4,
                  strict: bool = False) -> Iterator[str]:
    """`text` with the encodings people and programs wrap around values undone, in any
    combination (JSON escapes inside percent-encoding inside HTML, ...), up to `depth` layers.
    `plus`: `+` means space (forms and query strings)."""
    seen = {text}
    layer = [text]
    for _ in range(depth):
        following: list[str] = []
        for item in layer:
            for view in _decodings(item, plus):
                if view in seen:
                    continue
                if len(seen) > MAX_DERIVED_VIEWS:
                    if strict:
                        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                            "more encoding layers than the inspection allows")
                    return
                seen.add(view)
                following.append(view)
                yield view
        if not following:
            return
        layer = following


_PEM_BEGIN = re.compile(rb"-----BEGIN [A-Z0-9 ]{1,40}-----", re.IGNORECASE)
MAX_PEM_BLOCKS = 64


def _pem_blocks(data: bytes) -> Iterator[bytes]:
    """What stands between each PEM BEGIN line and the END line after it (found with
    memmem-speed searches: a lazy regex over what follows each BEGIN was quadratic in
    BEGINs without an END)."""
    pos = 0
    for _ in range(MAX_PEM_BLOCKS):
        m = _PEM_BEGIN.search(data, pos)
        if m is None:
            return
        end = data.find(b"-----END ", m.end())
        if end < 0:
            end = data.find(b"-----end ", m.end())
        if end < 0:
            return
        yield data[m.end():end]
        pos = end + 9
_PEM_HEADERS = re.compile(rb"^[ \t]*[A-Za-z][A-Za-z0-9-]{0,63}:[^\r\n]*", re.MULTILINE)
# Hex bytes parted by one separator throughout ("30:82:03:...", openssl's dumps, "30 82 03"):
# read when they are DER (as text they would be lists of two-digit numbers: ages 30-39 are
# the ASCII digits)
# Round 13's miss, read since round 16: the same as text, eleven bytes or more, also as a C or
# JavaScript list ("0x31, 0x33, ..."), as a debug log or a byte array pastes it.
_SEPARATED_HEX = re.compile(rb"(?<![0-9A-Za-z])(?:0[xX])?[0-9A-Fa-f]{2}(?P<sep>:|-| |, ?)"
                            rb"(?:(?:0[xX])?[0-9A-Fa-f]{2}(?P=sep)){9,}"
                            rb"(?:0[xX])?[0-9A-Fa-f]{2}(?![0-9A-Za-z])")
_HEX_MARKS = re.compile(rb"0[xX]|[:\- ,]")
_HEX_LETTER = re.compile(rb"[a-fA-F]")
# (a hex-dumped digit: 3 and a digit, parted as above from the next)
_HEX_TEXT_START = re.compile(rb"3[0-9](?P<s>[: \-]|, ?0[xX])3[0-9](?P=s)")


_DER_HEX_START = re.compile(rb"30([: \-])8[12]\1")  # (a certificate's first bytes)


def _is_der(raw: bytes) -> bool:
    return serialized.sniffed(raw) == "der" and serialized.tree_text(
        "der", raw, stream=False) is not None


_CRUMB = re.compile(r"(.{1,256}?)(C|\.|_|-|)([0-9]{1,3})")


def _cookie_crumbs(cookie: str) -> str:
    """The values of each cookie split into numbered crumbs (names that differ only in a
    number at the end, after C, a dot, an underscore, a dash or nothing), joined in the
    number's order, one line each; "" when there are none."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    values: dict[str, str] = {}
    for pair in cookie.split(";")[:256]:
        name, eq, value = pair.strip().partition("=")
        values[name] = value
        m = _CRUMB.fullmatch(name) if eq else None
        if m is not None:
            groups.setdefault((m.group(1), m.group(2)), []).append((int(m.group(3)), value))
    joined = []
    for (base, sep), crumbs in groups.items():
        crumbs.sort()
        # Chunked, not merely numbered (viewed_1, viewed_2: round 17): ASP.NET names the
        # count in the base cookie ("chunks-3"), Auth.js counts from .0, and any scheme cuts
        # at a size (about 4 KB): a crumb of 1 KB or more before the last
        if len(crumbs) > 1 and (
                (sep == "C" and values.get(base, "").startswith("chunks-"))
                or (sep == "." and crumbs[0][0] == 0)
                or any(len(v) >= 1024 for _, v in crumbs[:-1])):
            joined.append("".join(v for _, v in crumbs))
    return "\n".join(joined)


def _b64_table() -> bytes:
    table = bytearray(b"." * 256)
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-":
        table[c] = ord("a")
    for c in b" \t\r\n":
        table[c] = ord(" ")  # where a wrapped token may continue (_b64_tokens)
    return bytes(table)


# (three escaped digits in a row: a Windows path "C:\\1391\\234\\5678" escapes none, round 14)
_QUOTED_PAIR_DIGIT = re.compile(r"(?:\\[0-9]){3}")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_B64_SKELETON = _b64_table()
_B64_MIN = b"a" * 15  # unpadded base64 of 11 bytes: the shortest text holding a phone
_B64_REST = re.compile(rb"a*")
_B64_WRAPPED = re.compile(rb"a{60,76}  ?a")  # a full base64 line, a line break, more


_DIGIT_BYTES = b"0123456789"
# Base64 of three ASCII digits (any alignment of the groups): six digits or more in a row.
_B64_DIGIT_TRIPLES = re.compile(rb"(?:[MNO][DTjz][AEIMQUYcgk][w-z0-5]){2}")
_BASE32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_DIGIT_RUN = re.compile(rb"[0-9]{3}")  # base32 decoded: text worth reading holds digits
_HEX = b"0123456789ABCDEFabcdef"


_BASE32_LOWER = _BASE32.lower()


_BASE32HEX = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
_BASE32HEX_LOWER = _BASE32HEX.lower()


def _base32_text(token: bytes, one_more: Callable[[], None], *, extended: bool = False
                 ) -> Iterator[bytes]:
    """What upper-case base32 `token` (`extended`: base32hex, RFC 4648 s.7) decodes to, when
    that is text worth reading: ASCII, or (round 22) UTF-8 text such as "姓名 张伟 身份证 ..."
    (random bytes that merely decoded are almost never valid UTF-8)."""
    with contextlib.suppress(binascii.Error, ValueError):
        padded = token + b"=" * (-len(token) % 8)
        raw = base64.b32hexdecode(padded) if extended else base64.b32decode(padded)
        if ((_DIGIT_RUN.search(raw) or _wraps_token(raw)) and (raw.isascii() or _utf8(raw))) \
                or _base32_other(raw):
            one_more()
            yield raw


_WIDE_DIGIT_RUN = re.compile(r"[0-9\uff10-\uff19]{3}")


def _base32_other(raw: bytes) -> bool:
    """Round 24: decoded base32 that is no ASCII or UTF-8 text but is read as a body: a
    compressed stream (gzip, zlib, ...: the body pipeline opens it) or UTF-16 text (a NUL in
    every other byte of its ASCII) holding three digits in a row. Random bytes are neither
    (an archive's magic, or a quarter of NULs that decode strictly to such a text)."""
    if len(raw) < 8:
        return False
    if (archive := _archive(raw)) is not None:
        # (one that inflates: a token decoded at the wrong offset or with a percent escape in
        # it can start with the magic and then be junk, refused as a damaged stream)
        return archive == "zip" or bool(_partial(raw[:4096], archive, 64))
    for codec, half in (("utf-16-le", raw[1::2]), ("utf-16-be", raw[0::2])):
        if half.count(0) * 4 >= len(raw):
            try:
                text = raw[:len(raw) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                continue
            if _WIDE_DIGIT_RUN.search(text) is not None:
                return True
    return False


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Round 22: uuencoded lines (a `begin` block in a mail, or a JSON value holding the lines):
# a length character (' ' + bytes, '!' to 'M') and four characters (' ' to '`') per three
# bytes. A run of those characters before a line end is checked in Python (its length must
# agree with its first character, allowing a few leading characters of a key: '": "'), only
# where a `begin` line or a line end before a closing quote says uuencode may be there.
_UU_RUN = re.compile(rb"(?<![ -`])[ -`]{5,69}+(?=\r?\n|\r)")  # (round 24: CR alone too)
_UU_GATES = (b"begin ", b'\n"', b"\n'", b'\r\n"')
MAX_UU_LEAD = 8  # characters of a run tried before its length character


def _uu_texts(data: bytes, one_more: Callable[[], None]) -> Iterator[bytes]:
    """The text of each block of consecutive uuencoded lines in `data` worth reading."""
    block: list[bytes] = []
    last = -1
    for m in _UU_RUN.finditer(data):
        run, line = m.group(), None
        for lead in range(min(MAX_UU_LEAD, len(run) - 4)):
            size = run[lead] - 32
            if 0 < size <= 45 and 0 <= len(run) - lead - 1 - 4 * -(-size // 3) <= 1:
                with contextlib.suppress(binascii.Error, ValueError):
                    line = binascii.a2b_uu(run[lead:])
                    break
        if line is None:
            continue
        if block and data[last:m.start()].strip(b"\r\n"):  # (not the next line: a block)
            yield from _uu_block(block, one_more)
            block = []
        block.append(line)
        last = m.end()
    yield from _uu_block(block, one_more)


_UU_CHARS = bytes(range(0x20, 0x61))


def _uu_first_line(data: bytes) -> bool:
    """Round 24: whether `data` (a text body, a part, a decoded token) begins with a line that
    is uuencoded by its shape (its length agrees with its length character, every character
    ' ' to '`'): bare uuencoded lines with no `begin` before them. Decided on the first line
    alone (O(1)): lines after other text are read only behind the gates of _UU_GATES."""
    end = data.find(b"\n", 0, 72)
    if end < 0:
        end = data.find(b"\r", 0, 72)
    line = data[:end].rstrip(b"\r")
    if end < 0 or len(line) < 5:
        return False
    size = line[0] - 32
    return 0 < size <= 45 and 0 <= len(line) - 1 - 4 * -(-size // 3) <= 1 and \
        not line.translate(None, _UU_CHARS)


def _uu_block(block: list[bytes], one_more: Callable[[], None]) -> Iterator[bytes]:
    raw = b"".join(block)
    if len(raw) >= 8 and (_DIGIT_RUN.search(raw) or _wraps_token(raw)) and _could_be_text(raw):
        one_more()
        yield raw


# Round 24: base85 in its three alphabets: Ascii85 (btoa, PostScript/PDF, Python's a85encode:
# "!" to "u", "z" for four zero bytes; Adobe's framing "<~ ... ~>"), RFC 1924's (Python's
# b85encode, git's binary patches) and ZeroMQ's Z85. Unframed, a token is a run of 14 or more
# characters of the b85 or Z85 alphabet (11 bytes: a phone) with upper and lower case and a
# mark that no base64, URL, UUID or timestamp has (see _B85_SPECIAL); it is read when it
# decodes to text with three digits in a row (random bytes and words decode to bytes that
# are not), UTF-16 text or a compressed stream.
_B85 = (b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        b"!#$%&()*+-;<=>?@^_`{|}~")
_Z85 = (b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        b".-:+=^!/*?&<>()[]{}@%$#")
_Z85_AS_B85 = bytes.maketrans(_Z85, _B85)
_A85 = bytes(range(0x21, 0x76)) + b"z"
_B85_SPECIAL = b"!#$%&()*<>?@^`|~"  # (not "+-_=/.:", which URLs and timestamps have, nor JSON's
# brackets, nor the semicolon of prose, CSS and header parameters: a token is looked at only
# where one of these is; a 14-character token has none 5% of the time in b85, 12% in Z85,
# 1-5% at 20 characters, almost never at 40)
_A85_ONLY = b"\"',\\"  # (Ascii85 characters that no other alphabet has: a JSON string escapes
# the quote and backslash, the view that undoes JSON escapes has them)


def _b85_table() -> bytes:
    table = bytearray(b"." * 256)
    for c in _B85 + _Z85:
        table[c] = ord("a")
    for c in _B85_SPECIAL:
        table[c] = ord("s")
    for c in _A85_ONLY:
        table[c] = ord("q")
    return bytes(table)


_B85_SKELETON = _b85_table()
_A85_EDGES = b"\"',;{}[]"  # (a JSON or CSV value's quotes and what is around them)
_ADOBE_85 = re.compile(rb"<~([!-u\sz]{5,}?)~>")
_A85_QUOTES = re.compile(rb"[\"',\\]")
MAX_B85_TRIES = 6  # (token, alphabet) pairs of one run decoded at most (see _b85_candidates)
MAX_B85_SNIFF = 4095  # characters of a token decoded to decide whether it is text (x5)
MAX_B85_TOKEN = 1024 * 1024  # characters of a token decoded whole; a longer text: refused


def _b85_decoded(token: bytes, alphabet: str) -> bytes | None:
    with contextlib.suppress(binascii.Error, ValueError):
        if alphabet == "a85":
            return base64.a85decode(token)
        if alphabet == "z85":
            token = token.translate(_Z85_AS_B85)
        return base64.b85decode(token)
    return None


def _b85_values(alphabet: bytes, first: int = 0) -> list[int]:
    values = [-1] * 256
    for n, c in enumerate(alphabet):
        values[c] = first + n
    return values


_B85_VALUES = {"b85": _b85_values(_B85), "z85": _b85_values(_Z85),
               "a85": _b85_values(bytes(range(0x21, 0x76)))}
# Printable ASCII and UTF-8 characters, the last one maybe cut (a prefix of a text)
_UTF8_HEAD = re.compile(rb"(?:[\t\n\r\x20-\x7e]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                        rb"|[\xf0-\xf4][\x80-\xbf]{3})*(?:[\xc2-\xf4][\x80-\xbf]{0,2})?")


_ARCHIVE_LEADS = frozenset(b"\x1f\x78(BP\xfd\x5d")  # (the first bytes _archive knows)


def _b85_head(token: bytes, alphabet: str) -> bytes | None:
    """The first 8 bytes `token` decodes to in `alphabet` (no exception raised: junk is the
    common case), None where its first 10 characters are no base85 (Ascii85's "z" group of
    zero bytes taken as it is)."""
    values = _B85_VALUES[alphabet]
    out = 0
    pos = 0
    for _ in range(2):
        if alphabet == "a85" and token[pos:pos + 1] == b"z":
            out <<= 32
            pos += 1
            continue
        group = token[pos:pos + 5]
        if len(group) < 5:
            return None
        a, b, c, d, e = (values[x] for x in group)
        if min(a, b, c, d, e) < 0:
            return None
        value = (((a * 85 + b) * 85 + c) * 85 + d) * 85 + e
        if value > 0xFFFFFFFF:
            return None
        out = out << 32 | value
        pos += 5
    return out.to_bytes(8, "big")


def _b85_text(token: bytes, alphabet: str, one_more: Callable[[], None]) -> bytes | None:
    """`token` decoded in `alphabet` when it is text worth reading (a prefix decoded first:
    a long run of ordinary characters costs a sniff, not a whole decoding)."""
    head = _b85_head(token, alphabet)  # (8 bytes: ~96% of junk rejected for ~2 us)
    if head is None or not (b"\0" in head or _UTF8_HEAD.fullmatch(head) is not None
                            or (head[0] in _ARCHIVE_LEADS and _archive(head) is not None)):
        return None
    sniff = _b85_decoded(token[:MAX_B85_SNIFF], alphabet)
    if sniff is None or not (
            ((_DIGIT_RUN.search(sniff) or _wraps_token(sniff)) and _could_be_text(sniff))
            or _base32_other(sniff)):
        return None
    if len(token) > MAX_B85_TOKEN:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            "a base85 text longer than the inspection reads")
    raw = sniff if len(token) <= MAX_B85_SNIFF else _b85_decoded(token, alphabet)
    if raw is None:
        return None
    one_more()
    return raw


_NAME_BEFORE = re.compile(rb"(?:^|&)[\w.\[\]-]{1,64}[=:]")
MAX_B85_NAMES = 4  # `name=` prefixes of one run tried


def _after_names(piece: bytes) -> list[bytes]:
    """`piece` and what follows a form's `name=` (or a `name:`) in it, the first few."""
    out = [piece]
    if b"=" not in piece and b":" not in piece:
        return out
    for n, m in enumerate(_NAME_BEFORE.finditer(piece)):
        if n >= MAX_B85_NAMES:
            break
        out.append(piece[m.end():])
    return out


def _b85_candidates(run: bytes) -> Iterator[tuple[bytes, str]]:
    """The tokens a run of non-blank characters may be, each with the alphabet to try: the
    run and its pieces between quotes (Ascii85: the run, what is inside its quotes, the run
    stripped of quotes and brackets), a form's `name=` and a key's `": "` taken off."""
    pieces = [run] if _A85_QUOTES.search(run) is None else _A85_QUOTES.split(run)
    for piece in pieces:
        for token in dict.fromkeys(_after_names(piece)):
            if len(token) < 14 or token.isalnum() or token.islower() or token.isupper():
                continue  # (decided in C: words, numbers, hashes, base64 without + or /)
            if token.translate(_B85_SKELETON).find(b"s") < 0:
                continue
            if not token.translate(None, _B85):
                yield token, "b85"
            if not token.translate(None, _Z85):
                yield token, "z85"
    first, last = run.find(b'"'), run.rfind(b'"')
    wholes = (run, run[first + 1:last], run.strip(_A85_EDGES))
    for token in dict.fromkeys(t for whole in wholes for t in _after_names(whole)):
        if len(token) >= 14 and not token.translate(None, _A85) and \
                token.translate(_B85_SKELETON).find(b"s") >= 0:
            yield token, "a85"


def _base85_texts(data: bytes, one_more: Callable[[], None]) -> Iterator[bytes]:
    """The texts base85 tokens of `data` decode to (see _B85). Only the runs of non-blank
    characters that hold one of _B85_SPECIAL are looked at (found by byte searches)."""
    if b"~" in data and b"<~" in data:  # (a byte first: "<~" costs ~5 us per 2 KB of CJK)
        for m in _ADOBE_85.finditer(data):
            token = re.sub(rb"\s", b"", m.group(1))
            if (raw := _b85_text(token, "a85", one_more)) is not None:
                yield raw
    skeleton = data.translate(_B85_SKELETON)
    pos = skeleton.find(b"s")
    while pos >= 0:
        start = skeleton.rfind(b".", 0, pos) + 1
        end = skeleton.find(b".", pos)
        end = len(data) if end < 0 else end
        pos = skeleton.find(b"s", end)
        if end - start < 14 or data[start:start + 2] == b"<~":
            continue
        run = data[start:end]
        if b"://" in run:
            continue  # (a URL with its query: Z85's alphabet, never its encoding)
        for n, (token, alphabet) in enumerate(_b85_candidates(run)):
            if n >= MAX_B85_TRIES:
                break
            if (raw := _b85_text(token, alphabet, one_more)) is not None:
                yield raw
                break


def _base64_texts(data: bytes) -> Iterator[bytes]:
    """Base64 (standard or URL-safe) and hex tokens of 16+ characters, decoded, that are not
    media.

    Only tokens with upper case, lower case and digits are tried: base64 of 12+ bytes almost
    always has all three, while words, snake_case keys, hex hashes and UUIDs do not. A token
    after a slash is also tried without its leading path part."""
    skeleton = data.translate(_B64_SKELETON)
    tried = 0

    def one_more() -> None:  # a token decoded: counted against MAX_BASE64_TOKENS
        nonlocal tried
        tried += 1
        if tried > MAX_BASE64_TOKENS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"more than {MAX_BASE64_TOKENS} base64 tokens")

    if b"-----BEGIN " in data or b"-----begin " in data:
        # Round 16: PEM however it travels: lines indented in a YAML block scalar, line
        # breaks taken out, headers (Proc-Type) and CRLF; the armour's dashes would otherwise
        # join the base64 as URL-safe characters
        for block in _pem_blocks(data):
            inner = re.sub(rb"[^A-Za-z0-9+/=]", b"", _PEM_HEADERS.sub(b"", block))
            with contextlib.suppress(binascii.Error, ValueError):
                raw = base64.b64decode(inner + b"=" * (-len(inner) % 4))
                if raw and (_is_der(raw) or _could_be_text(raw)):
                    one_more()
                    yield raw
    if _DER_HEX_START.search(data) is not None or _HEX_TEXT_START.search(data) is not None:
        for m in _SEPARATED_HEX.finditer(data):
            raw = bytes.fromhex(_HEX_MARKS.sub(b"", m.group()).decode("ascii"))
            if _is_der(raw) or (_could_be_text(raw) and (
                    m.group("sep") == b":" or b"0x" in m.group() or b"0X" in m.group()
                    or _HEX_LETTER.search(m.group()) is not None)):
                # (as text only where colons part the bytes, 0x marks them or a letter shows
                # the pairs are hex: "31 33 39 ..." or "[31, 33, 39, ...]" alone is as often a
                # list of ages)
                one_more()
                yield raw
    if (b"\n" in data and any(gate in data for gate in _UU_GATES)) or (
            b"\r" in data and b"begin " in data) or _uu_first_line(data):
        yield from _uu_texts(data, one_more)
    yield from _base85_texts(data, one_more)
    if b"\n" in data and _B64_WRAPPED.search(skeleton):
        # MIME-wrapped base64 (76-column lines): the lines joined are one token.
        data = re.sub(rb"(?<=[A-Za-z0-9+/=])\r?\n(?=[A-Za-z0-9+/])", b"", data)
        skeleton = data.translate(_B64_SKELETON)
    wholes = _short_groups(data, skeleton, _b64_tokens(data, skeleton))  # (round 24)
    for whole in dict.fromkeys(wholes):  # (each token once: a word repeats)
        if whole[:2] in (b"0x", b"0X") and not whole[2:].translate(None, _HEX):
            whole = whole[2:]  # 0x-prefixed hex ("0x313130...")
        candidates = (whole, whole.rpartition(b"/")[2]) if b"/" in whole else (whole,)
        for token in candidates:
            if token.islower() and (len(token) % 2 or token.translate(None, _HEX)):
                # words and snake_case keys: the common case, decided in C (per candidate:
                # decided for the whole, "/v1/<hex of an ID>" skipped the hex after a path)
                if len(token) >= 18 and not token.translate(None, _BASE32_LOWER):
                    # Round 13: base32 in lower case (DNS labels, onion-style names and CIDs
                    # write it so; decoders take either case). A long word decodes to bytes
                    # that are no text, decided in C before it counts as a token.
                    yield from _base32_text(token.upper(), one_more)
                elif len(token) >= 18 and not token.translate(None, _BASE32HEX_LOWER):
                    # Round 24: base32hex in lower case (0-9 and a-v; DNSSEC NSEC3 names
                    # write it so), kept as lower-case base32 is
                    yield from _base32_text(token.upper(), one_more, extended=True)
                continue
            if len(token) >= 16 and not len(token) % 2 and not token.translate(None, _HEX):
                # Hex-encoded text ("313130..." is "110..."): hashes decode to random bytes,
                # which are not text (and cost nothing of the token budget: a list of hashes
                # is an ordinary body).
                raw = bytes.fromhex(token.decode("ascii"))
                if binary_signature(raw[:SIGNATURE_BYTES]) is None and (
                        _digits_hex_text(raw) if token.isdigit() else (
                            _could_be_text(raw) or _cjk_text(raw[:MAX_CJK_SNIFF])
                            or _is_der(raw))):  # (a certificate in hex: round 16)
                    one_more()
                    yield raw
                    continue
            if len(token) >= 18 and token.isupper() and not token.translate(None, _BASE32HEX) \
                    and token.translate(None, _BASE32):
                # Round 22: base32hex (RFC 4648 s.7: 0-9 and A-V), kept as base32 is
                yield from _base32_text(token, one_more, extended=True)
                continue
            if len(token) >= 18 and token.isupper() and not token.translate(None, _BASE32):
                # Base32 (RFC 4648: upper case and 2-7), 11 bytes or more: kept when it
                # decodes to text (upper-case words decode to bytes that are not).
                yield from _base32_text(token, one_more)
                continue
            # Digits alone (a bare ID or phone number) decode to bytes whose first of every
            # three is 0xD3 or above and whose second is never a digit: no digit run.
            if len(token) >= 20 and token.translate(None, _DIGIT_BYTES) == token and \
                    not token.islower() and not token.isupper() and \
                    _ascii_text(raw := _b64_plain(token)):
                # Base64 of base64 text has few digits, and three layers often none; base64 of
                # '{"data":[49,51,57,...]}' has none: such a token was skipped as a word. It is
                # read when it decodes to ASCII text (a word decodes to bytes that are not:
                # decided without counting it against the budget).
                one_more()
                yield raw
                continue
            if len(token) < 15 or token.islower() or token.isupper() or token.isdigit() or (
                    token.translate(None, _DIGIT_BYTES) == token
                    and not _B64_DIGIT_TRIPLES.search(token)):
                # (a digit run whose every third digit is 0-3 encodes with no digit at all
                # when it starts two bytes into a group: "user:110101199003071233" is
                # "dXNlcjoxMTAxMDExOTkwMDMwNzEyMzM"; such runs are let through by their shape)
                continue
            one_more()
            token = token.replace(b"-", b"+").replace(b"_", b"/")
            token += b"=" * (-len(token) % 4)
            try:
                raw = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                continue
            media = binary_signature(raw[:SIGNATURE_BYTES])
            # (raw DEFLATE first: the stream of a bare ID is ASCII bytes itself, "344\0BCKK...",
            # and was read as that text only: round 13)
            inflated = _raw_inflated(raw) if len(raw) > 8 and raw[0] & 6 != 6 else b""
            if inflated:
                yield inflated
            if media is None and _could_be_text(raw):
                yield raw
                continue
            if inflated:
                continue
            if media is None and _cjk_text(raw[:MAX_CJK_SNIFF]):
                yield raw  # Chinese text in GBK or UTF-16 (after the DEFLATE check)
            elif media is None and (kind := serialized.sniffed(raw)) and serialized.tree_text(
                    kind, raw, stream=False) is not None:
                yield raw  # a MessagePack, CBOR or BSON document (read as one by `body`)


MAX_RAW_INFLATE = 1024 * 1024


def _raw_inflated(raw: bytes) -> bytes:
    """A base64 token that is raw DEFLATE (RFC 1951, no zlib header: SAML's HTTP-Redirect
    binding, some mobile SDKs) inflated, when it is a whole stream of text; else b""."""
    d = zlib.decompressobj(-15)
    limit = min(MAX_RAW_INFLATE, len(raw) * 1000)
    try:
        out = d.decompress(raw, limit)
    except zlib.error:
        return b""
    if d.unconsumed_tail and len(out) >= limit and _could_be_text(out[:SIGNATURE_BYTES]):
        # A stream of text that inflates past what is read: refused, not skipped (skipped, an
        # identifier in it went unread; random bytes never inflate this far).
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            "a base64 token inflates past the inspection's limit")
    if not d.eof or not out or d.unconsumed_tail:
        return b""
    return out if _could_be_text(out) and not _archive(out) else b""


_B64_WRAP = b"a" * 16 + b" "


def _b64_tokens(data: bytes, skeleton: bytes) -> list[bytes]:
    """The runs of 15+ base64 characters of `data` (found with memmem-speed searches: a regex
    would try a match at every letter of ordinary text), then each token wrapped at a fixed
    width (lines or space-separated groups of one length, 16 characters or more, the last
    one shorter) joined: what a lenient decoder (Python's, Java's MIME decoder, Node's)
    reads."""
    found: list[bytes] = []  # a list, not a generator: one frame, not one per token
    start = skeleton.find(_B64_MIN)
    while start >= 0:
        end = _B64_REST.match(skeleton, start + 15).end()  # type: ignore[union-attr]
        found.append(data[start:end])
        start = skeleton.find(_B64_MIN, end)
    pos = skeleton.find(_B64_WRAP)
    while pos >= 0:
        # A run of 16+ that a space or line break ends: the first line of a wrapped token?
        end = pos + 16
        if data[pos:end].islower() or data[pos:end].isupper():
            # A word ("second-generation "): base64 lines mix cases (decided in C).
            pos = skeleton.find(_B64_WRAP, end + 1)
            continue
        # (bounded look-back: a line is at most 1024 wide; linear over any body)
        low = max(0, end - 1026)
        start = max(skeleton.rfind(b".", low, end), skeleton.rfind(b" ", low, end)) + 1
        if not start and low:
            pos = skeleton.find(_B64_WRAP, end + 1)
            continue
        width = end - start
        pieces = [data[start:end]]
        while width <= 1024:
            gap = 2 if data.startswith(b"\r\n", end) else 1
            if skeleton[end:end + gap] != b" " * gap:
                break
            nxt = _B64_REST.match(skeleton, end + gap).end()  # type: ignore[union-attr]
            size = nxt - end - gap
            if not size or size > width:
                break
            pieces.append(data[end + gap:nxt])
            end = nxt
            if size < width:
                break  # the last line
        if len(pieces) > 1:
            found.append(b"".join(pieces))
        pos = skeleton.find(_B64_WRAP, max(end, pos + 17))
    return found


# Round 24: base64 written in short groups, which lenient decoders (Python's b64decode, Java's
# MIME decoder, Node's Buffer) read through: groups of four (a quantum each) parted by one
# blank ("dGVs IDEz OTEy MzQ1 Njc4"), found with one byte search of the skeleton, and groups
# of any width 2-15 parted by dashes at a fixed interval inside one token
# ("dGVs-IDEz-OTEy-..."). A group run joined is a token like any other: tried only when it
# mixes cases and digits, kept only when it decodes to text (joined words do not).
_B64_QUADS = b"aaaa aaaa aaaa a"
MAX_SHORT_GROUPS = 256  # runs of short groups joined per text


def _short_groups(data: bytes, skeleton: bytes, tokens: list[bytes]) -> list[bytes]:
    """`tokens`, those whose dashes (two or more) fall at a fixed interval with them taken
    out, and the runs of four or more short base64 groups in `data` (see _B64_QUADS) joined.
    (A dash-grouped token is not tried as it is: base64url of its first groups is junk that
    may start like a gzip stream, which would be refused as a damaged one.)"""
    dashed = dict.fromkeys(token for token in tokens if b"-" in token)  # (UUIDs, kebab-case)
    found = [token for token in tokens if b"-" not in token] if dashed else tokens
    for token in dashed:
        width = token.find(b"-")
        if len(token) >= 14 and 2 <= width <= 15 and (
                token[2 * width + 1:2 * width + 2] == b"-" or token.count(b"-") == 1):
            # (a second dash a group further, or the only one: a UUID's are not, decided in C)
            dashes, at = 0, width
            while at < len(token) and token[at] == 0x2D:  # ("-" every width + 1 characters)
                dashes += 1
                at += width + 1
            last = token.find(b"-", at - width)  # (the last group, up to a dash or the end)
            end = len(token) if last < 0 else last
            if end - (at - width) <= width and (dashes >= 2 or (width >= 4 and last < 0)) \
                    and (undashed := token[:end].replace(b"-", b"")).translate(None, _HEX):
                # (hex pairs parted by dashes, "31-33-39-...", are the separated hex reading's,
                # which reads digit pairs as a list of numbers: not joined here)
                found.append(undashed)
                if dashes >= 2:
                    continue  # (one dash: the token may be base64url as it is, tried too)
        found.append(token)
    pos = skeleton.find(_B64_QUADS)
    joined = 0
    while pos >= 0 and joined < MAX_SHORT_GROUPS:
        if pos and skeleton[pos - 1] == 0x61:  # (inside a longer run: not a group's start)
            pos = skeleton.find(_B64_QUADS, pos + 1)
            continue
        groups: list[bytes] = []
        end = pos
        while True:
            nxt = _B64_REST.match(skeleton, end).end()  # type: ignore[union-attr]
            if not 0 < nxt - end <= 4:
                break
            groups.append(data[end:nxt])
            end = nxt
            if len(groups[-1]) < 4 or skeleton[end:end + 2] != b" a":
                break  # (the last group: shorter, or the run's end)
            end += 1
        if len(groups) >= 4:
            found.append(b"".join(groups))
            joined += 1
        pos = skeleton.find(_B64_QUADS, max(end, pos + 1))
    return found


_TOKEN_TEXT = re.compile(rb"[A-Za-z0-9+/_=-]{15,}")


def _wraps_token(raw: bytes) -> bool:
    """Whether decoded `raw` is itself a base64 (or base32, hex) token of 15 characters or
    more: a layer of an encoding in an encoding."""
    return _TOKEN_TEXT.fullmatch(raw.strip()) is not None


_SJIS_DIGITS = re.compile(rb"\x82[\x50-\x58]")


def _digits_hex_text(raw: bytes) -> bool:
    """Whether `raw`, decoded from a hex token of digits alone, is worth reading. Its bytes are
    0x00-0x99 with no nibble over 9: hex of text in that alphabet (ASCII digits, space,
    "ID", pinyin "yi wu ba", ...) is printable ASCII; UTF-16 of it has a zero every other
    byte; Shift_JIS fullwidth digits (0x82 0x50-0x58) and DER are the rest. What every other
    list of numbers decodes to, random bytes of that alphabet, is not read: a text file of
    8,000 18-digit order numbers (wrapped lines of one width join into one token) decoded to
    36 KB of such bytes, read in every charset and escape: 10 s, or a refusal (too many
    encoding layers), for a plain list. Hex of a GBK/Big5/UTF-8 CJK text always has a letter
    (its bytes are 0xA1 and over), so it is no digit-only token."""
    return _ascii_text(raw) or _is_der(raw) or bool(_archive(raw)) or (
        raw[1::2].count(0) * 4 >= len(raw) or raw[0::2].count(0) * 4 >= len(raw)) or (
        len(_SJIS_DIGITS.findall(raw[:4096])) * 8 >= min(len(raw), 4096))


def _ascii_text(raw: bytes) -> bool:
    """Decoded bytes that are ASCII text (printable, or spaces): what a token of letters
    only decodes to when it is base64 of text, and almost never when it is a word."""
    return bool(raw) and raw.isascii() and _printable(raw) * 4 >= len(raw) * 3


def _b64_plain(token: bytes) -> bytes:
    """`token` decoded as base64 (standard or URL-safe, padding added), b"" when it is not."""
    try:
        return base64.b64decode(token.replace(b"-", b"+").replace(b"_", b"/")
                                + b"=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _could_be_text(raw: bytes) -> bool:
    """A decoded base64 token worth reading: text (UTF-8, or UTF-16 by BOM or NULs) or a
    compressed stream; random bytes that merely decoded (words that look like base64) not."""
    if raw.isascii() or _archive(raw) or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    if raw[1::2].count(0) * 4 >= len(raw) or raw[0::2].count(0) * 4 >= len(raw):
        return True  # UTF-16 without a BOM
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        # Mostly printable: text behind a few misaligned bytes (a token that took in a word).
        return _printable(raw[:512]) * 4 >= min(len(raw), 512) * 3
    return True


MAX_CJK_SNIFF = 4096


def _cjk_text(raw: bytes) -> bool:
    """Round 6: Chinese text that a legacy system (GBK on Chinese Windows, Big5, Shift_JIS) or
    UTF-16 wrote before base64-encoding it ("手机13912345678" in GBK, fullwidth digits in
    UTF-16LE, which has no NUL byte): its bytes are neither UTF-8 nor mostly printable ASCII.
    Kept when it decodes (strictly, for the legacy charsets) to a text holding 8 digits,
    fullwidth digits or Chinese numerals; random bytes almost never do both."""
    for codec in _DBCS_CODECS:
        try:
            if _DBCS_KEPT.match(raw.decode(codec)):
                return True
        except UnicodeDecodeError:
            continue
    even = raw[:len(raw) // 2 * 2]
    return any(_DBCS_KEPT.match(even.decode(codec, "replace"))
               for codec in ("utf-16-le", "utf-16-be"))


_PDF_STREAM = re.compile(rb"stream(?:\r?\n|\r)")  # (a lone CR too: readers take it)
# A literal string stops at the next "(" as well as its ")": a run of unclosed "(" costs one
# step each, not a scan to the end each (linear, not quadratic).
_PDF_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)|<([0-9A-Fa-f\s]{1,4096})>", re.DOTALL)
MAX_PDF_TEXT_STREAM = 1024 * 1024


def _pdf_shown_text(stream: bytes) -> str:
    """The strings a content stream shows, in order (TJ arrays with kerning, split Tj
    operators, hex strings, UTF-16BE strings with a BOM): text as a reader lays it out.
    Glyph ids of CID fonts (mapped only through the font's ToUnicode CMap) are not text.
    Round 11: strings are joined where a reader sees them touch (kerning, glyphs placed one by
    one), parted by a space where the text moves on along its line by more than the strings
    shown since could fill (table columns: "(Qty) Tj 100 0 Td (1) Tj 100 0 Td (39) Tj") or a
    TJ array leaves an em or more, and by a line end where it moves to another line."""
    parts: list[str] = []
    x = y = lx = ly = 0.0  # (where the last string was shown; the line's start, for Td)
    size, shown, last = 12.0, 0, 0
    for m in _PDF_STRING.finditer(stream):
        between = stream[last:m.start()]
        last = m.end()
        if between.strip():
            gap = ""
            for op in _PDF_TEXT_MOVE.finditer(between):
                if op.group("tf") is not None:
                    size = abs(_pdf_number(op.group("tf"))) or size
                    continue
                if op.group("kern") is not None:
                    if _pdf_number(op.group("kern")) <= -1000 and not gap:
                        gap = " "
                    continue
                if op.group() == b"BT":  # (the text matrix starts anew)
                    lx = ly = 0.0
                    continue
                if op.group("tx") is not None:
                    lx, ly = lx + _pdf_number(op.group("tx")), ly + _pdf_number(op.group("ty"))
                elif op.group("e") is not None:
                    scale = abs(_pdf_number(op.group("a"))) or 1.0
                    lx, ly = _pdf_number(op.group("e")) / scale, _pdf_number(op.group("f")) / scale
                else:  # (T*: the next line)
                    ly -= size
                if ly != y:
                    gap = "\n"
                elif (lx - x > size * max(shown, 1) or lx < x) and not gap:
                    gap = " "
                x, y, shown = lx, ly, 0
            if gap and parts:
                parts.append(gap)
        if parts and stream[m.end():m.end() + 8].lstrip()[:1] in (b"'", b'"'):
            parts.append("\n")  # (shown by ' or ": on the next line)
        if m.group(1) is not None:
            raw = bytes.fromhex(re.sub(rb"\s+", b"", m.group(1)).decode() + (
                "0" if len(re.sub(rb"\s+", b"", m.group(1))) % 2 else ""))
        else:
            raw = _PDF_ESCAPE.sub(_pdf_unescape, m.group()[1:-1])
        text = (raw[2:].decode("utf-16-be", "replace") if raw.startswith(b"\xfe\xff")
                else raw.decode("latin-1"))
        shown += len(text)
        parts.append(text)
    return "".join(parts)


# Round 19: what a viewer shows of a content stream. Text drawn invisibly (rendering mode 3 or
# 7, filled or stroked white, at size 0, at ~0% horizontal scaling) is left out, and the runs
# on one baseline are put in order of x (drawn out of order, "5678" at x=150 before "139 1234"
# at x=72, they read "139 1234 5678" on the page, in copy/paste and pdftotext).
_PDF_CONTENT = re.compile(rb"\((?:\\.|[^\\()])*\)|<([0-9A-Fa-f\s]{1,4096})>|\[|\]"
                          rb"|[-+]?(?:\d{1,9}(?:\.\d{0,9})?|\.\d{1,9})|/[^\s/<>\[\]()%{}]{0,127}"
                          rb"|[A-Za-z][A-Za-z0-9*]{0,2}|[\"']|%[^\r\n]{0,4096}", re.DOTALL)
_PDF_COLOURS = {b"g": "fill", b"rg": "fill", b"k": "fill", b"sc": "fill", b"scn": "fill",
                b"G": "stroke", b"RG": "stroke", b"K": "stroke", b"SC": "stroke",
                b"SCN": "stroke"}
MAX_PDF_STATE_DEPTH = 64  # q within q saved (a deeper q is not: its Q pops the level below)


def _pdf_white(values: list[float], op: bytes) -> bool:
    """Whether a colour operator's operands are white (gray 1, RGB 1 1 1, CMYK 0 0 0 0)."""
    if op in (b"k", b"K") or len(values) == 4:
        return len(values) == 4 and all(v <= 0.02 for v in values)
    return len(values) in (1, 3) and all(v >= 0.98 for v in values)


def _pdf_string_text(m: re.Match[bytes]) -> str:
    if m.group(1) is not None:
        raw = _pdf_hex(m.group(1))
    else:
        raw = _PDF_ESCAPE.sub(_pdf_unescape, m.group()[1:-1])
    return (raw[2:].decode("utf-16-be", "replace") if raw.startswith(b"\xfe\xff")
            else raw.decode("latin-1"))


def _pdf_viewed_text(stream: bytes) -> str:
    """The text of a content stream as a viewer shows it (see above): one line per baseline,
    top to bottom, its runs in order of x, parted by a space where they are further apart
    than an em a character. Widths are guessed (half an em a character): a hidden run takes
    no room. Linear: one regex pass, a bounded state stack."""
    state = {"mode": 0, "fill": False, "stroke": False, "size": 12.0, "scale": 100.0,
             "leading": 0.0}
    stack: list[dict[str, Any]] = []
    a = d = 1.0
    le = lf = px = py = 0.0  # (the line's start; where the next glyph goes)
    operands: list[Any] = []
    array: list[Any] | None = None
    runs: list[tuple[float, float, str, float]] = []  # (y, x, text, em)

    def show(items: list[Any]) -> None:
        nonlocal px
        em = state["size"] * abs(a) * state["scale"] / 100.0
        fills, strokes = state["mode"] in (0, 2, 4, 6), state["mode"] in (1, 2, 5, 6)
        visible = em > 0.05 * abs(a) and abs(state["scale"]) >= 5 and (
            (fills and not state["fill"]) or (strokes and not state["stroke"]))
        text, advance = [], 0.0
        for item in items:
            if isinstance(item, str):
                text.append(item)
                advance += len(item) * em / 2
            elif isinstance(item, float):
                advance -= item / 1000 * em
                if item <= -1000:
                    text.append(" ")
        if visible and text:
            runs.append((round(py, 1), px, "".join(text), em))
            px += advance

    for m in _PDF_CONTENT.finditer(stream):
        tok = m.group()
        first = tok[:1]
        if first in (b"(", b"<"):
            (operands if array is None else array).append(_pdf_string_text(m))
        elif first == b"[":
            array = []
        elif first == b"]":
            if array is not None:
                operands.append(array)
            array = None
        elif first in b"+-.0123456789":
            (operands if array is None else array).append(float(tok))
        elif first in (b"/", b"%"):
            if first == b"/":
                operands.append(tok)
        else:
            nums = [v for v in operands if isinstance(v, float)]
            if tok == b"q":
                if len(stack) < MAX_PDF_STATE_DEPTH:
                    stack.append(dict(state))
            elif tok == b"Q":
                if stack:
                    state = stack.pop()
            elif tok == b"BT":
                a = d = 1.0
                le = lf = px = py = 0.0
            elif tok == b"Tf" and nums:
                state["size"] = abs(nums[-1])
            elif tok == b"Tz" and nums:
                state["scale"] = nums[-1]
            elif tok == b"Tr" and nums:
                state["mode"] = int(nums[-1]) if 0 <= nums[-1] <= 7 else 0
            elif tok == b"TL" and nums:
                state["leading"] = nums[-1]
            elif tok in (b"Td", b"TD") and len(nums) >= 2:
                le, lf = le + nums[-2] * a, lf + nums[-1] * d
                px, py = le, lf
                if tok == b"TD":
                    state["leading"] = -nums[-1]
            elif tok == b"Tm" and len(nums) >= 6:
                a, d, le, lf = nums[-6] or 1.0, nums[-3] or 1.0, nums[-2], nums[-1]
                px, py = le, lf
            elif tok in (b"T*", b"'", b'"'):
                lf -= (state["leading"] or state["size"]) * abs(d)
                px, py = le, lf
                if tok != b"T*" and operands and isinstance(operands[-1], str):
                    show([operands[-1]])
            elif tok == b"Tj" and operands and isinstance(operands[-1], str):
                show([operands[-1]])
            elif tok == b"TJ" and operands and isinstance(operands[-1], list):
                show(operands[-1])
            elif tok in _PDF_COLOURS:
                state[_PDF_COLOURS[tok]] = _pdf_white(nums[-4:] if tok in (b"k", b"K") else nums,
                                                      tok)
            elif tok in (b"cs", b"CS"):
                state["fill" if tok == b"cs" else "stroke"] = False
            operands = []
            continue
        if len(operands) > 16:
            del operands[:-16]
    lines: dict[float, list[tuple[float, str, float]]] = {}
    for y, x, text, em in runs:
        lines.setdefault(y, []).append((x, text, em))
    out = []
    for y in sorted(lines, reverse=True):
        parts: list[str] = []
        last: tuple[float, str, float] | None = None
        for x, text, em in sorted(lines[y], key=lambda r: r[0]):
            if last is not None and x - last[0] > last[2] * max(len(last[1]), 1):
                parts.append(" ")
            parts.append(text)
            last = (x, text, em)
        out.append("".join(parts))
    return "\n".join(out)


MAX_PDF_VIEWED = 4 * 1024 * 1024  # bytes of a PDF's text streams read as viewed (~1-2 s a MB)


def _pdf_viewed(stream: bytes, spent: list[int]) -> str:
    """_pdf_viewed_text of a content stream (one of text operators: printable, with BT),
    `spent[0]` counting the bytes read so for the whole PDF: past MAX_PDF_VIEWED the PDF is
    refused (Uninspectable), as with too many streams; images and other binary streams are
    not read."""
    head = stream[:4096]
    if b"BT" not in stream or _printable(head) < 0.9 * len(head):
        return ""
    spent[0] += len(stream)
    if spent[0] > MAX_PDF_VIEWED:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"more than {MAX_PDF_VIEWED} bytes of PDF text streams")
    return _pdf_viewed_text(stream)

# What moves the text between two strings: Td/TD (by tx ty), Tm (to e f, scaled by a), T*
# (the next line), BT (the matrix anew), a TJ array's kerning (in thousandths of an em,
# rightwards when negative), and Tf (the font size, the em the moves are measured by).
_PDF_NUM = rb"[-+]?(?:\d{1,9}(?:\.\d{0,9})?|\.\d{1,9})"
_PDF_TEXT_MOVE = re.compile(
    rb"(?P<tx>" + _PDF_NUM + rb")\s+(?P<ty>" + _PDF_NUM + rb")\s+T[dD]"
    rb"|(?P<a>" + _PDF_NUM + rb")\s+(?:" + _PDF_NUM + rb"\s+){3}(?P<e>" + _PDF_NUM
    + rb")\s+(?P<f>" + _PDF_NUM + rb")\s+Tm"
    rb"|(?P<tf>" + _PDF_NUM + rb")\s+Tf|T\*|\bBT\b|^\s*(?P<kern>" + _PDF_NUM + rb")\s*$")
_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b""}


def _pdf_number(text: bytes) -> float:
    return float(text)


def _pdf_unescape(m: re.Match[bytes]) -> bytes:
    """A literal string's escape: \\ddd (octal), \\n and the others, a line end (nothing)."""
    code = m.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 255])
    return _PDF_ESCAPES.get(code, code)


# A stream's dictionary ends just before its `stream` keyword; its filters, one name or an
# array of them, are applied in order (`[/ASCII85Decode /FlateDecode]`: A85, then inflate).
_PDF_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]{0,200}\]|/[A-Za-z0-9#]{1,40})")
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]{1,40})")
# A name may spell any of its characters as #xx (PDF 1.2+): /Fl#61teDecode is /FlateDecode.
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_END = re.compile(rb"\r?\n?endstream")
_PDF_STREAM_MAX = 1_048_576  # bytes of one stream read


def _pdf_dictionary(data: bytes, at: int, floor: int) -> bytes:
    """The dictionary of the stream whose `stream` keyword starts at `at`: from its object's
    `obj` in the 2 KB before it, or (round 11: a dictionary padded past 2 KB hid its /Filter)
    back to `floor`, the end of the stream before (so all streams' look-backs read the PDF
    once at most)."""
    head = data[max(floor, at - 2048):at]
    if b"obj" not in head and at - 2048 > floor:
        head = data[floor:at]
    return head[max(0, head.rfind(b"obj")):]


def _pdf_filters(data: bytes, at: int, floor: int = 0) -> list[bytes]:
    """The filter names of the stream whose `stream` keyword starts at `at` (in its
    dictionary: see _pdf_dictionary)."""
    found = _PDF_FILTERS.findall(_pdf_dictionary(data, at, floor))
    # (the last /Filter before the keyword: its own dictionary's)
    return [_PDF_NAME_ESCAPE.sub(lambda e: bytes.fromhex(e.group(1).decode()), name)
            for name in _PDF_NAME.findall(found[-1])] if found else []


# Round 11: a Flate stream's /DecodeParms may name a predictor (PNG 10-15: a filter-type
# byte before each row of /Columns samples; TIFF 2): the inflated bytes are then differences,
# not the text ("\x00BT (1391\x002345..." with type-0 rows, or nothing readable with Sub/Up).
_PDF_PREDICTOR = re.compile(rb"/Predictor\s+(\d{1,3})")
_PDF_PARAM = re.compile(rb"/(Columns|Colors|BitsPerComponent)\s+(\d{1,6})")
# Bytes of a PDF's streams whose prediction is undone byte by byte in Python (~0.3 s a MB at
# worst), in all: more is refused (text streams are small; images and xref streams pass).
MAX_PDF_PREDICTED = 256 * 1024


def _pdf_predicted(data: bytes, at: int, out: bytes, spent: list[int], floor: int = 0
                   ) -> bytes:
    """`out` (a stream inflated) with the PNG predictor of the dictionary before `at` undone;
    `out` as it is with none, a TIFF predictor, an image or an xref stream. `spent[0]`
    counts the bytes undone byte by byte for the whole PDF: past MAX_PDF_PREDICTED the PDF
    is refused (Uninspectable), as with too many streams."""
    head = _pdf_dictionary(data, at, floor)
    predictor = _PDF_PREDICTOR.search(head)
    if predictor is None or int(predictor.group(1)) < 10 or b"/Image" in head or (
            b"/XRef" in head):
        return out
    params = {k: int(v) for k, v in _PDF_PARAM.findall(head)}
    bpp = max(1, params.get(b"Colors", 1) * params.get(b"BitsPerComponent", 8) // 8)
    width = params.get(b"Columns", 1) * bpp
    if not 0 < width <= 65536:
        return out
    rows = [out[i:i + 1 + width] for i in range(0, len(out), width + 1)]
    if all(row[:1] == b"\x00" for row in rows):  # (no prediction: the bytes as they are)
        return b"".join(row[1:] for row in rows)
    spent[0] += len(out)
    if spent[0] > MAX_PDF_PREDICTED:
        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                            f"more than {MAX_PDF_PREDICTED} bytes of PDF streams predicted")
    done = bytearray()
    prior = bytearray(width)
    for row in rows:
        kind, line = row[0], bytearray(row[1:].ljust(width, b"\x00"))
        for i in range(width):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prior[i], (prior[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 255
        done += line[:len(row) - 1]
        prior = line
    return bytes(done)


def _pdf_decoded(raw: bytes, filters: list[bytes], limit: int) -> bytes | None:
    """`raw` through `filters` (Flate, ASCIIHex, ASCII85, RunLength and their abbreviations),
    at most `limit` bytes; None at a filter not read here (LZW, images' DCT and others) or
    a stream that does not decode."""
    out = raw
    for name in filters:
        try:
            if name in (b"FlateDecode", b"Fl"):
                d = zlib.decompressobj()
                out = d.decompress(out, limit + 1)
            elif name in (b"ASCIIHexDecode", b"AHx"):
                hexa = re.sub(rb"[^0-9A-Fa-f]", b"", out.split(b">", 1)[0])
                out = bytes.fromhex((hexa + b"0" * (len(hexa) % 2)).decode())
            elif name in (b"ASCII85Decode", b"A85"):
                body = out.strip()
                body = body[2:] if body.startswith(b"<~") else body
                out = base64.a85decode(re.sub(rb"\s+", b"", body.split(b"~>", 1)[0]))
            elif name in (b"RunLengthDecode", b"RL"):
                out = _run_length(out, limit)
            else:
                return None
        except (zlib.error, ValueError):
            return None
        if len(out) > limit:
            return out[:limit + 1]
    return out


def _run_length(data: bytes, limit: int) -> bytes:
    """PDF's RunLengthDecode (PackBits), at most `limit` + 1 bytes."""
    out = bytearray()
    i = 0
    while i < len(data) and len(out) <= limit:
        n = data[i]
        if n == 128:
            break
        if n < 128:
            out += data[i + 1:i + 2 + n]
            i += 2 + n
        else:
            out += data[i + 1:i + 2] * (257 - n)
            i += 2
    return bytes(out)


def _pdf_streams(data: bytes, limit: int) -> Iterator[bytes]:
    """The content streams of a PDF (where its text layer lives), decoded through their
    filters (Flate, ASCIIHex, ASCII85, RunLength, chained) or as written when they have
    none, within `limit` bytes in all; more streams or output than that is refused. (Round
    10: streams with no filter, or ASCII85 or hex before Flate, were not read; an ID in a
    kerned TJ array of an uncompressed stream reached SG.)"""
    total = 0
    predicted = [0]  # (bytes whose prediction was undone in Python)
    view = memoryview(data)
    floor = 0  # (where the stream before ended: a dictionary is looked for after it)
    for count, m in enumerate(_PDF_STREAM.finditer(data)):
        if count >= MAX_PDF_STREAMS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"more than {MAX_PDF_STREAMS} PDF streams")
        prev, floor = floor, m.end()
        filters = _pdf_filters(data, m.start(), prev)
        if not filters:
            d = zlib.decompressobj()
            try:  # (a Flate stream whose dictionary was not found: as before)
                out = d.decompress(view[m.end():m.end() + _PDF_STREAM_MAX], limit - total + 1)
            except zlib.error:
                out = b""
            if not out:
                end = _PDF_END.search(data, m.end(), m.end() + _PDF_STREAM_MAX)
                out = bytes(view[m.end():end.start() if end else m.end() + _PDF_STREAM_MAX])
                out = out[:limit - total + 1]
        else:
            end = _PDF_END.search(data, m.end(), m.end() + _PDF_STREAM_MAX)
            raw = bytes(view[m.end():end.start() if end else m.end() + _PDF_STREAM_MAX])
            decoded = _pdf_decoded(raw, filters, limit - total)
            if decoded is None:
                continue
            out = _pdf_predicted(data, m.start(), decoded, predicted, prev) if filters[
                -1] in (b"FlateDecode", b"Fl") else decoded
        total += len(out)
        if total > limit:
            raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                "PDF streams inflate beyond the inspection limit")
        if out:
            yield out


# -- PDF encryption (round 19) ---------------------------------------------------------------
# A PDF under the Standard security handler with an empty user password (owner password only:
# "no copy, no print" statements) opens in every reader without a prompt, but its strings and
# streams are RC4 / AES ciphertext to the readings above. Its key is derived here as ISO
# 32000-2 7.6.4 says (R2-R4: MD5 of the padded password, /O, /P, /ID[0]; R5/R6: SHA-256 and
# the 2.B hash) and its objects decrypted into a copy of the PDF that is read as any other;
# one that needs a real password is refused as an encrypted ZIP member is (PayloadError).
# (Done here rather than with a PDF library: the key is ~60 lines over hashlib and
# cryptography's ciphers, while a library parses the whole object graph in Python, has had
# denial-of-service bugs on malformed files and would be a second, stricter PDF parser beside
# this tolerant one; the copy keeps every bound the readings above have.)
_PDF_ENCRYPT = re.compile(rb"/Encrypt\s*(?:(\d{1,10})\s+(\d{1,5})\s+R|(<<))")
_PDF_ID = re.compile(rb"/ID\s*\[\s*(?:<([0-9A-Fa-f\s]{0,512})>|(\())")
_PDF_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_PDF_OBJ = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b")
# What ends or matters inside an object: a dictionary's start (skipped: not a hex string), a
# string, the stream keyword, endobj, the next object's header (an endobj missing), a comment.
_PDF_SCAN = re.compile(rb"<<|<|\(|(?<![A-Za-z])stream(?:\r\n|\r|\n)|endobj"
                       rb"|(?<![0-9])\d{1,10}\s+\d{1,5}\s+obj\b|%[^\r\n]{0,4096}")
_PDF_LITERAL_MARK = re.compile(rb"[()\\]")
_PDF_HEX_STRING = re.compile(rb"<([0-9A-Fa-f\s]{0,65536})>")
_PDF_LENGTH = re.compile(rb"/Length\s+(\d{1,10})(?![0-9]|\s+\d{1,5}\s+R)")
_PDF_TOKEN = re.compile(rb"\s*(?:%[^\r\n]*\s*)*(<<|>>|\[|\]|/[^\s/<>\[\]()%{}]{0,127}|\(|<"
                        rb"|[-+]?[0-9.]{1,20}|true|false|null|R)")
MAX_PDF_OBJECTS = 20_000  # objects of an encrypted PDF decrypted; more is refused
# Parentheses and escapes walked in its literal strings, 64 for each string decrypted
MAX_PDF_STRING_STEPS = 1_000_000
MAX_PDF_ENCRYPT_DICT = 65536


def _pdf_literal_end(data: bytes, start: int, stop: int, steps: list[int]) -> int | None:
    """The end of the literal string opening at `start` (nested parentheses balance, \\x
    escapes one); None when it does not close before `stop`. `steps[0]` counts the marks
    walked for the whole PDF, past MAX_PDF_STRING_STEPS it is refused."""
    depth, i = 0, start
    while True:
        m = _PDF_LITERAL_MARK.search(data, i, stop)
        if m is None:
            return None
        steps[0] += 1
        if steps[0] > MAX_PDF_STRING_STEPS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                "too many PDF strings or string marks")
        c = data[m.start()]
        if c == 0x5C:
            i = m.start() + 2
            continue
        depth += 1 if c == 0x28 else -1
        i = m.end()
        if depth == 0:
            return i


def _pdf_hex(text: bytes) -> bytes:
    digits = re.sub(rb"\s+", b"", text)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


def _pdf_value(data: bytes, i: int, depth: int = 0) -> tuple[Any, int]:
    """One object of a (small) dictionary's text from `i`: a dict, list, bytes (a string),
    str (a name), float, bool or None; with where it ends. ValueError when it is none."""
    m = _PDF_TOKEN.match(data, i)
    if m is None or depth > 8:
        raise ValueError("not a PDF object")
    tok, i = m.group(1), m.end()
    if tok == b"<<":
        out: dict[str, Any] = {}
        while True:
            m = _PDF_TOKEN.match(data, i)
            if m is None:
                raise ValueError("unclosed dictionary")
            if m.group(1) == b">>":
                return out, m.end()
            key, i = _pdf_value(data, i, depth + 1)
            value, i = _pdf_value(data, i, depth + 1)
            if isinstance(key, str):
                out[key] = value
    if tok == b"[":
        items: list[Any] = []
        while True:
            m = _PDF_TOKEN.match(data, i)
            if m is None:
                raise ValueError("unclosed array")
            if m.group(1) == b"]":
                return items, m.end()
            value, i = _pdf_value(data, i, depth + 1)
            items.append(value)
    if tok == b"(":
        end = _pdf_literal_end(data, i - 1, len(data), [0])
        if end is None:
            raise ValueError("unclosed string")
        return _PDF_ESCAPE.sub(_pdf_unescape, data[i:end - 1]), end
    if tok == b"<":
        h = _PDF_HEX_STRING.match(data, i - 1)
        if h is None:
            raise ValueError("bad hex string")
        return _pdf_hex(h.group(1)), h.end()
    if tok.startswith(b"/"):
        return _PDF_NAME_ESCAPE.sub(lambda e: bytes.fromhex(e.group(1).decode()),
                                    tok[1:]).decode("latin-1"), i
    if tok in (b"true", b"false"):
        return tok == b"true", i
    if tok in (b"null", b"R", b">>", b"]"):
        return None, i
    return float(tok), i


def _pdf_rc4(key: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher

    if len(key) * 8 in ARC4.key_sizes:
        return Cipher(ARC4(key), mode=None).decryptor().update(data)
    # (a key length OpenSSL does not take: 48-120 bits but 56, 64, 80; short data only)
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 255
        s[i], s[j] = s[j], s[i]
    out = bytearray(data)
    i = j = 0
    for n in range(len(out)):
        i = (i + 1) & 255
        j = (j + s[i]) & 255
        s[i], s[j] = s[j], s[i]
        out[n] ^= s[(s[i] + s[j]) & 255]
    return bytes(out)


def _pdf_aes(key: bytes, data: bytes, iv: bytes | None = None, unpad: bool = True) -> bytes:
    """AES-CBC decryption: the IV the first 16 bytes unless given; PKCS#5 padding undone
    when it is one (a truncated stream's last block is kept)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if iv is None:
        iv, data = data[:16], data[16:]
    data = data[:len(data) // 16 * 16]
    if len(iv) != 16 or not data:
        return b""
    out = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(data)
    if unpad and 1 <= out[-1] <= 16 and out.endswith(bytes([out[-1]]) * out[-1]):
        out = out[:-out[-1]]
    return out


def _pdf_hash_2b(password: bytes, salt: bytes, udata: bytes) -> bytes:
    """ISO 32000-2 algorithm 2.B (R6): at most 288 rounds of AES-128 and SHA-2."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    k = hashlib.sha256(password + salt + udata).digest()
    n = 0
    while True:
        k1 = (password + k + udata) * 64
        e = Cipher(algorithms.AES(k[:16]), modes.CBC(k[16:32])).encryptor().update(k1)
        k = hashlib.new(("sha256", "sha384", "sha512")[sum(e[:16]) % 3], e).digest()
        n += 1
        if n >= 64 and e[-1] <= n - 32:
            return k[:32]


class _PdfCrypt:
    """The Standard security handler of one PDF, opened with the empty user password."""

    def __init__(self, enc: dict[str, Any], id0: bytes) -> None:
        def num(name: str, default: int) -> int:
            value = enc.get(name)
            return int(value) if isinstance(value, float) else default

        def text(name: str) -> bytes:
            value = enc.get(name)
            return value if isinstance(value, bytes) else b""

        if enc.get("Filter") != "Standard":
            raise PayloadError("encrypted PDF (a security handler other than the password one)")
        v, r = num("V", 0), num("R", 0)
        o, u = text("O"), text("U")
        self.stream_method = self.string_method = "V2" if v in (1, 2, 3) else "None"
        filters = enc.get("CF")
        filters = filters if isinstance(filters, dict) else {}
        if v >= 4:
            for attr, name in (("stream_method", "StmF"), ("string_method", "StrF")):
                chosen = enc.get(name, "Identity")
                cf = filters.get(chosen) if isinstance(chosen, str) else None
                method = cf.get("CFM", "None") if isinstance(cf, dict) else "None"
                setattr(self, attr, method if isinstance(method, str) else "None")
        self.metadata = enc.get("EncryptMetadata", True) is not False
        if r in (2, 3, 4) and len(o) >= 32 and len(u) >= 16:
            # (V4's key is 128 bits: its crypt filter's /Length, where given, says so in bytes)
            n = 5 if r == 2 else 16 if v >= 4 else max(5, min(16, num("Length", 40) // 8))
            p = num("P", 0) & 0xFFFFFFFF
            h = hashlib.md5(_PDF_PAD + o[:32] + p.to_bytes(4, "little") + id0
                            + (b"" if self.metadata or r < 4 else b"\xff" * 4),
                            usedforsecurity=False).digest()
            if r >= 3:
                for _ in range(50):
                    h = hashlib.md5(h[:n], usedforsecurity=False).digest()
            self.key = h[:n]
            if r == 2:
                ok = _pdf_rc4(self.key, _PDF_PAD) == u[:32]
            else:
                check = hashlib.md5(_PDF_PAD + id0, usedforsecurity=False).digest()
                for i in range(20):
                    check = _pdf_rc4(bytes(b ^ i for b in self.key), check)
                ok = check == u[:16]
        elif r in (5, 6) and len(u) >= 48 and len(text("UE")) >= 32:
            def digest(salt: bytes) -> bytes:
                return (hashlib.sha256(salt).digest() if r == 5
                        else _pdf_hash_2b(b"", salt, b""))
            ok = digest(u[32:40]) == u[:32]
            self.key = _pdf_aes(digest(u[40:48]), text("UE")[:32], bytes(16), unpad=False)
        else:
            raise PayloadError(f"encrypted PDF (security handler revision {r} not read)")
        if not ok:
            raise PayloadError("encrypted PDF needs a password: it cannot be inspected")

    def decrypt(self, data: bytes, number: int, generation: int, method: str) -> bytes:
        if method in ("None", "Identity"):
            return data
        if method == "AESV3":
            return _pdf_aes(self.key, data)
        salt = b"sAlT" if method == "AESV2" else b""
        key = hashlib.md5(self.key + number.to_bytes(8, "little")[:3]
                          + generation.to_bytes(4, "little")[:2] + salt,
                          usedforsecurity=False).digest()
        key = key[:min(len(self.key) + 5, 16)]
        return _pdf_aes(key, data) if method == "AESV2" else _pdf_rc4(key, data)


def _pdf_encryption(data: bytes) -> tuple[_PdfCrypt, tuple[int, int] | None] | None:
    """The PDF's security handler opened with the empty password, and its dictionary's object;
    None when it has no /Encrypt, or one naming no encryption dictionary (PayloadError when
    it cannot be opened)."""
    # (the last: an update's trailer)
    found = functools.reduce(lambda _, m: m, _PDF_ENCRYPT.finditer(data), None)
    if found is None:
        return None
    where = None
    if found.group(3) is None:
        where = int(found.group(1)), int(found.group(2))
        at = re.search(rb"(?<![0-9])" + found.group(1) + rb"\s+" + found.group(2)
                       + rb"\s+obj\b", data)
        if at is None:  # (no reader could decrypt it either: "/Encrypt 5 0 R" in a text)
            return None
        start = at.end()
    else:
        start = found.start(3)
    ident = functools.reduce(lambda _, m: m, _PDF_ID.finditer(data), None)
    id0 = b""
    if ident is not None:
        if ident.group(1) is not None:
            id0 = _pdf_hex(ident.group(1))
        else:
            with contextlib.suppress(ValueError):
                id0 = _pdf_value(data[ident.start(2):ident.start(2) + 4096], 0)[0]
    try:
        enc, _ = _pdf_value(data[start:start + MAX_PDF_ENCRYPT_DICT], 0)
    except (ValueError, RecursionError):  # (no reader opens it either)
        return None
    if not isinstance(enc, dict) or "Filter" not in enc:  # (not an encryption dictionary)
        return None
    if not isinstance(id0, bytes):
        raise PayloadError("encrypted PDF whose encryption dictionary cannot be read")
    return _PdfCrypt(enc, id0), where


def _pdf_literal(raw: bytes) -> bytes:
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_decrypted(data: bytes) -> tuple[bytes, bytes] | None:
    """An encrypted PDF as it would be unencrypted (strings and streams decrypted, the rest
    as it is), and its text outside the streams (its dictionaries: the Info's title, an
    annotation's contents); None when the PDF is not encrypted. PayloadError when it needs
    a password. Bounded: the copy is no longer than the PDF (and its strings' escapes), at most
    MAX_PDF_OBJECTS objects, MAX_PDF_STREAMS streams and _PDF_STREAM_MAX bytes a stream."""
    opened = _pdf_encryption(data)
    if opened is None:
        return None
    crypt, own = opened
    out, skeleton = bytearray(), bytearray()
    steps = [0]
    pos = count = streams = 0
    while (m := _PDF_OBJ.search(data, pos)) is not None:
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"more than {MAX_PDF_OBJECTS} encrypted PDF objects")
        piece = data[pos:m.end()]
        out += piece
        skeleton += piece
        number, generation = int(m.group(1)), int(m.group(2))
        plain = (number, generation) == own
        i = m.end()
        while True:
            s = _PDF_SCAN.search(data, i)
            if s is None or s.group()[:1].isdigit():
                stop = len(data) if s is None else s.start()
                break
            tok = s.group()
            if tok in (b"<<",) or tok[:1] == b"%":
                continue_at = s.end()
                out += data[i:continue_at]
                skeleton += data[i:continue_at]
                i = continue_at
                continue
            if tok == b"endobj":
                stop = s.end()
                break
            if tok in (b"(", b"<"):
                if tok == b"(":
                    end = _pdf_literal_end(data, s.start(), len(data), steps)
                    raw = (_PDF_ESCAPE.sub(_pdf_unescape, data[s.start() + 1:end - 1])
                           if end is not None else None)
                else:
                    h = _PDF_HEX_STRING.match(data, s.start())
                    end, raw = (h.end(), _pdf_hex(h.group(1))) if h else (None, None)
                if end is None or raw is None or plain:  # (the encryption dictionary's own)
                    out += data[i:end or s.end()]
                    skeleton += data[i:end or s.end()]
                    i = end or s.end()
                    continue
                steps[0] += 64  # (a decryption costs ~ a key derivation and a cipher's setup)
                if steps[0] > MAX_PDF_STRING_STEPS:
                    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                        "too many PDF strings or string marks")
                text = _pdf_literal(crypt.decrypt(raw, number, generation, crypt.string_method))
                out += data[i:s.start()] + text
                skeleton += data[i:s.start()] + text
                i = end
                continue
            # the stream keyword: its data to /Length when endstream is there, else to the
            # first endstream
            streams += 1
            if streams > MAX_PDF_STREAMS:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"more than {MAX_PDF_STREAMS} PDF streams")
            head = data[m.end():s.start()]
            begin = s.end()
            length = _PDF_LENGTH.search(head)
            end = None
            if length is not None:
                e = begin + int(length.group(1))
                if data[e:e + 12].lstrip(b"\r\n").startswith(b"endstream"):
                    end = e
            if end is None:
                em = _PDF_END.search(data, begin, begin + _PDF_STREAM_MAX)
                end = em.start() if em else min(len(data), begin + _PDF_STREAM_MAX)
            cipher = data[begin:min(end, begin + _PDF_STREAM_MAX)]
            if plain or re.search(rb"/Type\s*/XRef\b", head) or (
                    not crypt.metadata and re.search(rb"/Type\s*/Metadata\b", head)):
                decrypted = cipher
            else:
                decrypted = crypt.decrypt(cipher, number, generation, crypt.stream_method)
            out += data[i:begin] + decrypted
            skeleton += data[i:begin]
            i = end
            em = _PDF_END.match(data, end)
            if em is not None:
                out += data[end:em.end()]
                skeleton += data[end:em.end()]
                i = em.end()
        out += data[i:stop]
        skeleton += data[i:stop]
        pos = max(stop, i)
    out += data[pos:]
    skeleton += data[pos:]
    return bytes(out), bytes(skeleton)


# -- structure ------------------------------------------------------------------------------

# The parts of a phone number stored as an object, by role; a key is matched lowered, with its
# separators taken out (countryCode, country_code, country-code)
_PHONE_ROLES = (
    ("country", frozenset({"countrycode", "callingcode", "dialcode", "countrycallingcode", "cc",
                           "countrydialcode", "idd", "isd", "phonecountrycode", "国家代码",
                           "国际区号", "国家区号", "國家代碼", "國際區號"})),
    ("area", frozenset({"areacode", "prefix", "ndc", "trunk", "networkcode", "mobileprefix",
                        "区号", "區號", "号段", "號段", "市外局番"})),
    ("number", frozenset({"number", "nationalnumber", "subscribernumber", "localnumber",
                          "line", "linenumber", "phonenumber", "phone", "mobile", "号码",
                          "號碼", "电话", "電話"})),
)
_FLAT_OBJECT = re.compile(rb"\{[^{}\[\]]{8,1024}+\}")  # (possessive: no backtracking)
# (on the text lowered: a case-insensitive regex of these cost 18 us a 2 KB body, fifteen
# byte searches 15 us, these ~5)
_CJK_BEFORE_MARK = ("区".encode(), "區".encode())
_CJK_AFTER_MARK = ("段".encode(), "码".encode(), "碼".encode())


def _phone_object_hint(data: bytes) -> bool:
    lowered = data.lower()
    if b"ode" in lowered or b"refix" in lowered or b"ndc" in lowered or b'"cc"' in lowered:
        return True
    if data.isascii():
        return False
    # (区号 號段 号码 ...: each 号 or 號 found, and its neighbours looked at)
    for mark in ("号".encode(), "號".encode()):
        pos = data.find(mark)
        while pos >= 0:
            if data[pos - 3:pos] in _CJK_BEFORE_MARK or data[pos + 3:pos + 6] in _CJK_AFTER_MARK:
                return True
            pos = data.find(mark, pos + 3)
    return "局番".encode() in data
MAX_PHONE_OBJECTS = 256
_PHONE_PART_MARKS = str.maketrans("", "", " -()+.\t")
_KEY_MARKS = str.maketrans("", "", " _-.\t")


_OCR_TEXT_KEYS = ("text", "Text", "words", "word", "DetectedText", "char", "detectedText")
_OCR_HINTS = tuple(b'"' + k.encode() + b'"' for k in _OCR_TEXT_KEYS)
MAX_OCR_NODES = 200_000


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _ocr_xy(item: dict[str, Any]) -> tuple[float, float] | None:
    """Where an OCR object stands (left, top), by the box conventions vendors use."""
    box = item.get("box") or item.get("bbox") or item.get("Polygon") or item.get("polygon")
    if isinstance(box, list) and box:
        first = box[0]
        if isinstance(first, dict):
            x, y = _number(first.get("X", first.get("x"))), _number(first.get("Y", first.get("y")))
        elif isinstance(first, list) and len(first) >= 2:
            x, y = _number(first[0]), _number(first[1])
        else:
            x, y = _number(first), _number(box[1]) if len(box) > 1 else None
        return None if x is None or y is None else (x, y)
    for key in ("location", "Location", "BoundingBox", "Geometry"):
        place = item.get(key)
        if isinstance(place, dict) and key == "Geometry":
            place = place.get("BoundingBox")
        if isinstance(place, dict):
            x = _number(place.get("left", place.get("Left", place.get("x"))))
            y = _number(place.get("top", place.get("Top", place.get("y"))))
            return None if x is None or y is None else (x, y)
    return None


def ocr_word_runs(data: bytes, tree: Any = None) -> str | None:
    """The text of each list of OCR objects in JSON `data` (three or more objects holding a
    short text under a text key), joined as read: characters with nothing between, words with
    a space; in the list's order, and again from left to right when every object has a box
    and all stand on one line. `tree`: `data` parsed already (validate_json's), else parsed
    here. None when there is none."""
    if not any(hint in data for hint in _OCR_HINTS):
        return None
    if tree is None:
        try:
            tree = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
    lines: list[str] = []
    stack: list[Any] = [tree]
    seen = 0
    while stack and seen < MAX_OCR_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            continue
        if not isinstance(node, list):
            continue
        items: list[tuple[tuple[float, float] | None, str]] = []
        for element in node:
            if isinstance(element, dict):
                text = next((element[k] for k in _OCR_TEXT_KEYS
                             if isinstance(element.get(k), str)), None)
                if text is not None and len(text) <= 64:
                    items.append((_ocr_xy(element), text))
                stack.append(element)
            elif isinstance(element, list):
                stack.append(element)
        if len(items) < 3:
            continue
        joint = "" if all(len(t) == 1 for _, t in items) else " "
        lines.append(joint.join(t for _, t in items))
        places = [xy for xy, _ in items]
        if all(xy is not None for xy in places) and len({xy[1] for xy in places if xy}) == 1:
            # (from the left, for objects of one line only: the same top; words of several
            # lines sorted by x alone mixed the lines, round 18's own KTP bodies)
            lines.append(joint.join(t for _, t in sorted(items, key=lambda it: (it[0] or (
                0.0, 0.0))[0])))
    return "\n".join(lines) if lines else None


# Round 22: an ID streamed or typed piece by piece: a list of objects each holding one piece
# under the same key (streaming deltas {"delta": {"content": "1101"}}, chat-completion chunks
# {"choices": [{"delta": {"content": ...}}]}, keystroke events {"key": "1", "t": ...}) or of
# small arrays each holding one short string ([key, time] pairs): the pieces under each key
# joined in the list's order with nothing between, as the receiver assembles them (round
# 18's OCR objects are the case with boxes; a bare array of pieces is joined by the scan).
# Events of several types ("keydown", "keyup") are joined per type as well. Only strings of
# up to MAX_PIECE characters and one-digit numbers are pieces; a key whose pieces are all the
# same (an "object" or "id" of every chunk) is none.
# Round 24 (round 23's misses): a key's pieces are joined when three elements or more hold
# one, however many other elements (heartbeats, pings) lie between them; objects are walked
# to any depth (MAX_PIECE_DEPTH, orjson's own bound is 1024) and with all their members; a
# short array inside an element (a delta's content parts [{"type": "text"}, {"text": ...}])
# is walked with its parts' pieces under one key, joined in order; arrays of several strings
# ([type, key, time] keystrokes) are read column by column; an object keyed by index
# ({"0": {...}, "1": {...}}) is the list it spells. A JSON integer of several digits is a
# piece too, but its key's pieces are joined only when they make an ID with its check
# character (15 or 18 digits): three line items' prices (1399, 2500, 999) make a mobile's
# shape as often as not.
MAX_PIECE = 64
MAX_PIECE_DEPTH = 256  # objects and arrays walked into an element for its pieces
MAX_PIECE_NODES = 200_000
MAX_PIECE_PARTS = 16  # elements of an array inside an element walked into (more: a list)
MAX_PIECE_LIST_DEPTH = 4  # ... and how deep in it, when that array is a list of pieces itself
MAX_PIECE_VISITS = 2_000_000  # members looked at in the elements' walks, in all
_LIST_OF_LISTS = re.compile(rb"\[\s*[\[{]")
_INDEX_KEY = re.compile(rb'"[0-9]{1,9}"\s*:\s*[\[{]')  # an object keyed by index (a gate)
_PART = object()  # the key of an array's element inside an element (its parts joined)
_ID_SHAPE = re.compile(r"[1-9][0-9]{14}|[1-9][0-9]{16}[0-9X]")


def _piece_leaves(element: Any, path: int, out: dict[int, str], paths: dict[tuple[int, Any], int],
                  walk: tuple[set[int], list[int], bool], depth: int) -> None:
    """The short strings and numbers in `element`, by their key path's number in `paths`
    (the pieces under one path in an element's arrays joined); `walk`: the paths holding an
    integer of several digits (added to), the visits spent, whether numbers are pieces."""
    wide, spent, numbers = walk
    items: Iterable[tuple[Any, Any]]
    if isinstance(element, dict):
        items = element.items()
    elif depth == 0:
        items = enumerate(element)
    elif len(element) <= MAX_PIECE_PARTS and (depth <= MAX_PIECE_LIST_DEPTH or sum(
            isinstance(value, (dict, list)) for value in element) < 3):
        # (a short array deeper than MAX_PIECE_LIST_DEPTH that is a list of pieces of its
        # own is read as one: each node walked from a few lists above it at most, linear)
        items = ((_PART, value) for value in element)
    else:
        return
    spent[0] += len(element)
    if spent[0] > MAX_PIECE_VISITS:
        return
    for key, value in items:
        at = paths.setdefault((path, key), len(paths))
        if isinstance(value, str):
            if len(value) <= MAX_PIECE:
                out[at] = out[at] + value if at in out else value
        elif numbers and type(value) is int:
            if 0 <= value <= 9:
                out[at] = out[at] + str(value) if at in out else str(value)
            elif 9 < value < 10**18:
                out[at] = out[at] + str(value) if at in out else str(value)
                wide.add(at)
        elif depth < MAX_PIECE_DEPTH and isinstance(value, (dict, list)):
            _piece_leaves(value, at, out, paths, walk, depth + 1)


def _piece_join(values: list[str], wide: bool) -> str | None:
    """`values` joined, when they are pieces (several distinct; numbers of several digits only
    when they join into an ID's shape with its check character)."""
    if len(values) < 3 or len(set(values)) == 1:
        return None
    joined = "".join(values)
    if wide and (_ID_SHAPE.fullmatch(joined) is None or (
            len(joined) == 18 and check_character(joined[:17]) != joined[17])):
        return None
    return joined


def _piece_runs(node: list[Any], spent: list[int] | None = None) -> list[str]:
    """The joined pieces of one list (see above): one text per key path."""
    numbers = True
    if all(type(element) is list for element in node):
        # (arrays of [key, time] pairs: their one short string each, with no walk)
        keys = [strings[0] for strings in (
            [v for v in element[:MAX_PIECE_PARTS] if type(v) is str] for element in node)
            if len(strings) == 1 and len(strings[0]) <= MAX_PIECE]
        if len(keys) >= 3 and len(set(keys)) > 1:
            return ["".join(keys)]
        numbers = False  # (arrays of numbers are data: a matrix's columns are no pieces)
    walk: tuple[set[int], list[int], bool] = (set(), spent if spent is not None else [0],
                                              numbers)
    paths: dict[tuple[int, Any], int] = {}
    leaves: list[dict[int, str]] = []
    for element in node:
        found: dict[int, str] = {}
        if isinstance(element, (dict, list)):
            _piece_leaves(element, -1, found, paths, walk, 0)
        leaves.append(found)
    counts: dict[int, int] = {}
    for found in leaves:
        for path in found:
            counts[path] = counts.get(path, 0) + 1
    wide = walk[0]
    runs: list[str] = []
    varying: list[int] = []
    kinds: list[int] = []  # (paths of few values: an event's type)
    for path, count in counts.items():
        if count < 3:
            continue
        values = [found[path] for found in leaves if path in found]
        if (joined := _piece_join(values, path in wide)) is None:
            continue
        runs.append(joined)
        varying.append(path)
        distinct = set(values)
        if len(distinct) <= 4 and all(len(v) > 1 for v in distinct) and path not in wide:
            kinds.append(path)
    for kind in kinds:
        for value in sorted({found[kind] for found in leaves if kind in found}):
            for path in varying:
                if path == kind:
                    continue
                values = [found[path] for found in leaves
                          if found.get(kind) == value and path in found]
                if (joined := _piece_join(values, path in wide)) is not None:
                    runs.append(joined)
    return runs


def json_piece_runs(data: bytes, tree: Any = None) -> str | None:
    """Each list of pieces in JSON `data` joined (see above), one a line; None when there is
    none. `tree`: `data` parsed already, else parsed here. Walked only when `data` holds a
    list of objects or lists, or an object keyed by index."""
    if (b"[" not in data or (b"[{" not in data and b"[[" not in data
                             and _LIST_OF_LISTS.search(data) is None)) and (
            b'"2"' not in data or _INDEX_KEY.search(data) is None):
        return None
    if tree is None:
        try:
            tree = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
    return _tree_piece_runs(tree)


def _by_index(node: dict[Any, Any]) -> list[Any] | None:
    """An object keyed by index ("0", "1", ...: three keys or more) as the list it spells."""
    if len(node) < 3 or not all(type(k) is str and k.isdigit() and len(k) <= 9 for k in node):
        return None
    return [value for _, value in sorted(node.items(), key=lambda kv: int(kv[0]))]


def _tree_piece_runs(tree: Any) -> str | None:
    lines: list[str] = []
    stack: list[Any] = [tree]
    seen = 0
    spent = [0]
    while stack and seen < MAX_PIECE_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            if (node := _by_index(node)) is None:
                continue
        elif not isinstance(node, list):
            continue
        else:
            stack.extend(v for v in node if isinstance(v, (dict, list)))
        if len(node) >= 3 and sum(isinstance(v, (dict, list)) for v in node) >= 3:
            seen += len(node)
            lines.extend(_piece_runs(node, spent))
    return "\n".join(lines) if lines else None


_SSE_LINE_END = re.compile(r"\r\n|\r|\n")  # (the spec's line ends only: not U+2028, \x0c ...)
_SSE_START = (b"data:", b"event:", b"id:", b"retry:", b":")


def event_stream_start(data: bytes) -> bool:
    """Whether `data` (of any declared type) starts as Server-Sent Events do: a field or a
    comment, after a BOM (round 24: the spec strips one)."""
    return data.removeprefix(b"\xef\xbb\xbf").startswith(_SSE_START)


def event_stream_texts(data: bytes) -> list[str]:
    """Server-Sent Events (`data`: a text/event-stream body) as a client assembles them: the
    data of every event joined (a stream of tokens is one text), and the events whose data is
    JSON read as a list of pieces (chat-completion chunks); [] when there are no events.
    (An event's data lines are joined by a line end, the spec says; the events' data, by
    nothing: the stream.) Round 24: a BOM before the first field is dropped (the spec's
    decoder does), lines end at CR, LF or CRLF only, and the events of each type (event:
    token, event: ping) are joined apart as well, as the handler of one type sees them."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    events: list[tuple[str, str]] = []
    current: list[str] | None = None
    kind = ""
    for line in _SSE_LINE_END.split(text):
        if not line:
            if current is not None:
                events.append((kind, "\n".join(current)))
            current = None
            kind = ""
            continue
        field, colon, value = line.partition(":")
        value = value[1:] if colon and value.startswith(" ") else value
        if field == "data":
            current = [*current, value] if current is not None else [value]
        elif field == "event":
            kind = value
    if current is not None:
        events.append((kind, "\n".join(current)))
    if not events:
        return []
    groups = [[data for _, data in events]]
    if len({kind for kind, _ in events}) > 1:
        # (each event in one group: linear however many types there are)
        by_kind: dict[str, list[str]] = {}
        for kind, value in events[:MAX_PIECE_NODES]:
            by_kind.setdefault(kind, []).append(value)
        groups.extend(group for group in by_kind.values() if len(group) > 1)
    out: list[str] = []
    for group in groups:
        out.extend(("".join(group), "".join(
            line for event in group for line in event.split("\n"))))
        documents = []
        for event in group[:MAX_PIECE_NODES]:
            if event[:1] in ("{", "["):
                with contextlib.suppress(orjson.JSONDecodeError):
                    documents.append(orjson.loads(event))
        if len(documents) >= 3 and (runs := _tree_piece_runs(documents)) is not None:
            out.append(runs)
    return list(dict.fromkeys(out))


def phone_objects(data: bytes) -> str | None:
    """Each flat JSON object of `data` holding two of a phone's parts or more (country code,
    area code or prefix, number), written as the number its parts make in their roles' order,
    one a line; None when there is none. (The joined-fields reading joins parts in the order
    they were written, which a writer sorting keys turns around.)"""
    if not _phone_object_hint(data):
        return None
    lines = []
    for m in itertools.islice(_FLAT_OBJECT.finditer(data), MAX_PHONE_OBJECTS):
        try:
            obj = orjson.loads(m.group())
        except orjson.JSONDecodeError:
            continue
        if not isinstance(obj, dict):
            continue
        parts: dict[str, str] = {}
        for key, value in obj.items():
            digits = str(value).translate(_PHONE_PART_MARKS)
            if not digits.isascii() or not digits.isdigit():
                continue
            name = str(key).translate(_KEY_MARKS).lower()
            for role, names in _PHONE_ROLES:
                if name in names and role not in parts:
                    parts[role] = digits
        if len(parts) >= 2 and "number" in parts:
            country = parts.get("country")
            lines.append(("+" + country if country else "") + parts.get("area", "")
                         + parts["number"])
    return "\n".join(lines) if lines else None


MAX_PATCH_OPS = 10_000  # JSON Patch operations applied to the document they build
MAX_PATCH_TOKENS = 20_000  # the tokens of their paths, all together


# Round 21: binary records carried as base64 in JSON, read as the serialization the JSON
# says they are: Kafka REST Proxy v2 ("records": [{"key", "value"}] under a
# vnd.kafka.<format>.v2+json type), v3 ({"type": "BINARY" / "AVRO" / "PROTOBUF", "data"}),
# a Pub/Sub push ({"message": {"data", "messageId"}}), a value beside a format field
# ("value_format": "avro"), and any with Confluent's framing (a zero byte and a 4-byte schema
# id). Protobuf integers and Avro longs in them were never read (base64 MessagePack, CBOR and
# BSON were, by the token reading). Avro is walked only where the JSON or the framing says
# Avro (random bytes walk as Avro longs).
MAX_JSON_RECORDS = 4096  # binary records read in one JSON document; more: too complex
MAX_JSON_RECORD_NODES = 200_000  # objects and arrays walked for them; more: too complex
# (only a document that may hold one is walked: a Kafka REST type, or these words)
# (the words any case, as ASCII folds: a search of `data.lower()` for each is ~20 times
# faster than one case-insensitive alternation, which the regex engine tries at every byte)
_RECORD_WORDS = (b"avro", b"proto", b'"binary"', b'"messageid"', b'"message_id"',
                 b'"subscription"')
_RECORD_AAA = re.compile(rb'"AAA[A-D]')


def _record_marked(data: bytes) -> bool:
    """Whether a JSON document may carry base64 protobuf/Avro records (Kafka REST, Pub/Sub)."""
    if b'"AAA' in data and _RECORD_AAA.search(data):
        return True
    low = data.lower()
    return any(word in low for word in _RECORD_WORDS)


_KAFKA_REST = re.compile(r"application/vnd\.kafka\.(binary|avro|protobuf|jsonschema|json)\.v\d")
_FORMAT_KEYS = ("value_format", "key_format", "format", "embedded_format", "valueFormat",
                "keyFormat", "embeddedFormat", "schemaType", "schema_type", "serializer",
                "content_type", "contentType")
_RECORD_KEYS = ("value", "key", "data", "payload")


def _format_hint(value: Any) -> frozenset[str]:
    text = value.lower() if isinstance(value, str) else ""
    return frozenset(k for k in ("avro", "protobuf") if k in text or (
        k == "protobuf" and "proto" in text))


def json_binary_records(tree: Any, content_type: str) -> list[tuple[frozenset[str], bytes]]:
    """(round 21) The base64 binary records of a JSON document that it says are protobuf or
    Avro (see above), each with the formats to read it as: (formats, decoded bytes)."""
    kafka = _KAFKA_REST.match(content_type)
    in_type = frozenset({"protobuf"}) if kafka and kafka.group(1) == "binary" else (
        _format_hint(kafka.group(1)) if kafka else frozenset())
    out: list[tuple[frozenset[str], bytes]] = []
    stack: list[tuple[Any, frozenset[str], int]] = [(tree, frozenset(), 0)]
    steps = 0
    while stack:
        node, inherited, depth = stack.pop()
        steps += 1
        if len(out) > MAX_JSON_RECORDS or steps > MAX_JSON_RECORD_NODES:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                "more binary records in JSON than the inspection reads")
        if isinstance(node, list) and depth < 8:
            stack.extend((item, inherited, depth + 1) for item in node)
            continue
        if not isinstance(node, dict) or depth >= 8:
            continue
        hint = inherited.union(*(_format_hint(node.get(k)) for k in _FORMAT_KEYS))
        kind = node.get("type")
        if isinstance(kind, str) and kind.upper() in ("BINARY", "AVRO", "PROTOBUF"):
            hint |= frozenset({"protobuf"}) if kind.upper() == "BINARY" else _format_hint(kind)
        if "records" in node and in_type:
            hint |= in_type
        if isinstance(message := node.get("message"), dict) and (
                "subscription" in node or "messageId" in message or "message_id" in message):
            hint |= frozenset({"protobuf"})  # (a Pub/Sub push: its data is the publisher's bytes)
        for key in _RECORD_KEYS:
            value = node.get(key)
            if isinstance(value, str) and 8 <= len(value) <= 1 << 24 and (
                    raw := _record_bytes(value)) is not None:
                formats = hint | (frozenset({"avro", "protobuf"}) if _confluent(raw)
                                  else frozenset())
                if formats:
                    out.append((formats, raw))
        stack.extend((child, hint if key in ("records", "message", "value", "key") else
                      frozenset(), depth + 1) for key, child in node.items()
                     if isinstance(child, (dict, list)))
    return out


def _confluent(raw: bytes) -> bool:
    """Confluent's wire format: the magic 0 and a 4-byte schema id (a registry's ids are
    small: its first byte 0 too, so that random bytes are one once in 65536)."""
    return len(raw) > 5 and raw[:2] == b"\0\0"


def _record_bytes(value: str) -> bytes | None:
    """A JSON string that is base64 (standard or URL-safe) of bytes that are neither text
    nor a known media type: None otherwise."""
    token = value.strip().translate(_URLSAFE_B64).rstrip("=")
    if not _B64_TOKEN.fullmatch(token):
        return None
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except ValueError:
        return None
    if not raw or binary_signature(raw[:SIGNATURE_BYTES]) is not None or (raw.isascii() and (
            raw.isalnum() or _could_be_text(raw))):
        return None
    return raw


def json_patch_document(tree: Any) -> bytes | None:
    """The JSON of the document an RFC 6902 JSON Patch (a list of {op, path, value} objects)
    builds from an empty one: each "add" or "replace" value set at its path, objects made on
    the way, a list where the tokens are indexes or "-" (in index order, appended last); None
    when `tree` is no patch of two values or more. Bounded: MAX_PATCH_OPS operations, paths
    of at most serialized.MAX_DEPTH tokens, MAX_PATCH_TOKENS tokens in all."""
    if not isinstance(tree, list) or len(tree) < 2 or not isinstance(tree[0], dict) or (
            "op" not in tree[0] or "path" not in tree[0]):
        return None
    root: dict[str, Any] = {}
    applied = spent = 0
    for op in itertools.islice(tree, MAX_PATCH_OPS):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace") or (
                "value" not in op) or not isinstance(path := op.get("path"), str):
            continue
        if path.count("/", 0, 4096) > serialized.MAX_DEPTH:
            continue
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        spent += len(tokens)
        if spent > MAX_PATCH_TOKENS:
            break
        if not tokens or len(tokens) > serialized.MAX_DEPTH:
            continue
        node = root
        for token in tokens[:-1]:
            child = node.get(token)
            if isinstance(child, list):  # (an array set whole, then appended to)
                child = node[token] = {str(i): v for i, v in enumerate(child)}
            elif not isinstance(child, dict):
                child = node[token] = {}
            node = child
        last = tokens[-1]
        node[f"-{len(node)}" if last == "-" else last] = op["value"]
        applied += 1
    if applied < 2:
        return None
    doc = _patched(root, 0)
    try:
        return orjson.dumps(doc)
    except (TypeError, orjson.JSONEncodeError):  # (a lone surrogate, a depth orjson refuses)
        try:
            return json.dumps(doc, ensure_ascii=False).encode("utf-8", "replace")
        except (ValueError, RecursionError):
            return None


def _lenient_json(data: bytes) -> Any:
    """JSON orjson refused (integers past 64 bits, 1e400) as the standard parser reads it,
    numbers kept as their digits; None when it is not JSON."""
    try:
        return json.loads(data, parse_int=str, parse_float=str, parse_constant=str)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def _patched(node: Any, depth: int) -> Any:
    """A document built by json_patch_document as JSON: an object whose keys are all indexes
    or appended ("-n") a list in index order."""
    if not isinstance(node, dict) or depth > serialized.MAX_DEPTH:
        return node
    values = {k: _patched(v, depth + 1) for k, v in node.items()}
    if values and all(k.isdigit() or (k[:1] == "-" and k[1:].isdigit()) for k in values):
        order = sorted(values, key=lambda k: (k[0] == "-", int(k.lstrip("-"))))
        return [values[k] for k in order]
    return values


def validate_json(data: bytes) -> Any:
    """Refuse a body that is not JSON. Numbers are not converted (no 4,300-digit int limit).
    Returns orjson's tree (None where the standard parser decided: orjson refused it)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass  # orjson is stricter (64-bit integers, surrogates): ask the standard parser
    try:
        json.loads(data, parse_int=len, parse_float=len, parse_constant=len)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body is not valid JSON ({type(exc).__name__})") from None
    return None


def validate_form(data: bytes, charset: str | None = None) -> str:
    """application/x-www-form-urlencoded as the WHATWG URL standard parses it (s.5.1), as
    aiohttp, PHP and servlet containers read it; returns its text. Round 20: raw bytes are text
    in the declared charset, UTF-8 when none is (curl -d "name=Nguyễn Văn An", browsers and
    IoT clients send them so: they were refused as not ASCII); an empty pair (a trailing,
    leading or doubled "&") is skipped and a name without "=" is a field with an empty value
    (urllib's strict_parsing, chosen only to refuse bad encoding, refused both: hand-built
    bodies end in "&"). Percent escapes are left to the readings: every parser takes a "%"
    that escapes nothing as text, and escaped bytes may be a legacy charset's (GBK forms).
    Refused still: bytes that are no text in the charset, and a pair with no name ("=x"),
    which no form encoder writes and parsers read apart (WHATWG keeps an empty name, PHP drops
    the pair)."""
    text = data.decode("ascii") if data.isascii() else charset_text(data, charset, "form data")
    if _NAMELESS_PAIR.search(text) is not None:
        raise PayloadError("body is not valid form data (a field with no name)")
    return text


_NAMELESS_PAIR = re.compile(r"(?:^|&)=")
# Round 21: THeader transform ids read (1 zlib, 5 fbthrift's zstd; HMAC, snappy and QuickLZ
# are refused) and protocol ids (the payload's type)
_THEADER_TRANSFORMS = {1: "deflate", 5: "zstd"}
_THEADER_PROTOCOLS = {0: "application/vnd.apache.thrift.binary", 1: "application/json",
                      2: "application/vnd.apache.thrift.compact"}
_LATIN1_DIGITS = re.compile(rb"[\xb2\xb3\xb9\xbc-\xbe]")  # ² ³ ¹ ¼ ½ ¾ in ISO-8859-1
# Codecs whose decoding is not linear in its input (punycode's is quadratic): no body's charset
_SLOW_CODECS = frozenset({"punycode"})
_SLOW_CODEC_MOST = 16 * 1024


# Round 20: labels of the WHATWG Encoding Standard (what browsers, and Java or .NET receivers,
# take) that Python's codec registry lacks, as Python's codec of the same bytes: a Thai Windows
# client's "windows-874", a Japanese one's "windows-31j", UCS-2 as Windows names it, ...
_CHARSET_LABELS = {
    **dict.fromkeys(("windows-874", "dos-874", "iso885911"), "cp874"),
    **dict.fromkeys(("windows-31j", "x-sjis"), "cp932"),
    **dict.fromkeys(("x-euc-jp", "cseucpkdfmtjapanese"), "euc_jp"),
    **dict.fromkeys(("windows-949", "ks_c_5601-1989", "ksc_5601", "cseuckr", "csksc56011987",
                     "iso-ir-149"), "cp949"),
    **dict.fromkeys(("x-gbk", "gb_2312", "gb_2312-80", "csgb2312"), "gbk"),
    **dict.fromkeys(("cn-big5", "x-x-big5"), "big5hkscs"),
    **{f"x-cp125{n}": f"cp125{n}" for n in range(9)},
    "iso88591": "latin-1", "iso88592": "iso8859_2", "csisolatin9": "iso8859_15",
    "sun_eu_greek": "iso8859_7", "koi": "koi8_r", "koi8": "koi8_r", "koi8-ru": "koi8_u",
    **dict.fromkeys(("iso-8859-6-e", "iso-8859-6-i", "csiso88596e", "csiso88596i"), "iso8859_6"),
    **dict.fromkeys(("iso-8859-8-e", "iso-8859-8-i", "csiso88598e", "csiso88598i", "visual",
                     "logical"), "iso8859_8"),
    **dict.fromkeys(("mac", "x-mac-roman", "csmacintosh"), "mac_roman"),
    **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), "mac_cyrillic"),
    **dict.fromkeys(("ucs-2", "csunicode", "iso-10646-ucs-2", "unicode", "unicodefeff"),
                    "utf-16-le"),
    "unicodefffe": "utf-16-be",
    **dict.fromkeys(("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"),
                    "utf-8"),
    # Round 21: Java's names (Charset.name() and its aliases, the "Extended Encoding Set") a
    # Java client writes into its Content-Type, as the Python codec of the same bytes (its
    # ASCII, digits included, is ASCII in each); one Python lacks (x-EUC-TW, x-ISCII91, the
    # EBCDIC DBCS pages) stays refused.
    **dict.fromkeys(("x-windows-874", "ms874", "ms-874", "x-ibm874", "ibm874", "ibm-874", "874",
                     "x-ibm874c"), "cp874"),
    "x-iso-8859-11": "iso8859_11",
    **dict.fromkeys(("x-windows-949", "windows949", "x-ibm949", "ibm949", "ibm-949",
                     "x-ibm949c", "ibm949c"), "cp949"),
    **dict.fromkeys(("x-windows-950", "windows-950", "windows950", "ms-950"), "cp950"),
    **dict.fromkeys(("x-ms950-hkscs", "ms950_hkscs", "x-ms950-hkscs-xp", "ms950_hkscs_xp",
                     "x-big5-hkscs-2001", "big5-hkscs-2001", "big5hk-2001"), "big5hkscs"),
    **dict.fromkeys(("x-big5-solaris", "big5_solaris"), "big5"),
    **dict.fromkeys(("x-mswin-936", "windows-936", "windows936", "ms_936", "ms-936"), "gbk"),
    **dict.fromkeys(("x-ibm943", "ibm943", "ibm-943", "943", "x-ibm943c", "ibm943c", "943c",
                     "x-ibm942", "ibm942", "ibm-942", "942", "x-ibm942c", "ibm942c", "942c",
                     "x-pck", "pck", "ms_kanji", "x-ms932", "windows-932"), "cp932"),
    **dict.fromkeys(("x-euc-jp-linux", "euc-jp-linux", "euc_jp_linux", "x-eucjp-open",
                     "eucjp-open", "euc_jp_solaris", "x-ibm33722", "ibm33722", "ibm-33722",
                     "33722", "x-ibm29626c", "ibm29626c", "29626c"), "euc_jp"),
    **dict.fromkeys(("x-sjis_0213", "x-ms932_0213"), "shift_jis_2004"),
    **dict.fromkeys(("x-windows-50220", "x-windows-50221", "x-windows-iso2022jp", "cp50220",
                     "cp50221", "ms50220", "ms50221", "windows-iso2022jp"), "iso2022_jp"),
    **dict.fromkeys(("x-ibm970", "ibm970", "ibm-970", "ibm-euckr", "970"), "euc_kr"),
    **dict.fromkeys(("x-johab", "ms1361"), "johab"),
    **dict.fromkeys(("x-ibm737", "ibm737", "ibm-737", "737"), "cp737"),
    **dict.fromkeys(("x-ibm856", "ibm856", "ibm-856", "856"), "cp856"),
    **dict.fromkeys(("x-ibm875", "ibm875", "ibm-875", "875"), "cp875"),
    **dict.fromkeys(("x-ibm1006", "ibm1006", "ibm-1006", "1006"), "cp1006"),
    **dict.fromkeys(("x-maccentraleurope", "maccentraleurope"), "mac_latin2"),
    **dict.fromkeys(("x-maccroatian", "maccroatian"), "mac_croatian"),
    **dict.fromkeys(("x-maccyrillic", "maccyrillic", "x-macukraine", "macukraine"),
                    "mac_cyrillic"),
    **dict.fromkeys(("x-macgreek", "macgreek"), "mac_greek"),
    **dict.fromkeys(("x-maciceland", "maciceland"), "mac_iceland"),
    **dict.fromkeys(("x-macroman", "macroman"), "mac_roman"),
    **dict.fromkeys(("x-macromania", "macromania"), "mac_romanian"),
    **dict.fromkeys(("x-macturkish", "macturkish"), "mac_turkish"),
}


def python_codec(charset: str) -> str:
    """The name Python decodes a declared charset by (a WHATWG label it lacks mapped)."""
    name = charset.strip().lower()
    if name not in _CHARSET_LABELS and name.startswith("x-") and name[2:] in _CHARSET_LABELS:
        # (round 21: Java, and IANA's private names, put "x-" before a known label)
        return _CHARSET_LABELS[name[2:]]
    return _CHARSET_LABELS.get(name, name)


def _codec_name(charset: str | None) -> str:
    """Python's name of a charset a client declared (safe in a note or label), "charset"
    when it has none."""
    try:
        return codecs.lookup(python_codec(charset or "utf-8")).name
    except (LookupError, ValueError):
        return "charset"


def charset_text(data: bytes, charset: str | None, what: str) -> str:
    """Round 20: the text of a `what` (JSON, form data) body read strictly in its declared
    charset, as its receiver reads it (aiohttp's request.json() and post(), a servlet's
    getParameter): TIS-620, Shift_JIS, EUC-JP, EUC-KR, GBK, Big5, Latin-1, windows-125x,
    UTF-16/32, ...; UTF-8 when none is declared. Raises PayloadError when Python has no text
    codec by that name or the bytes are no text in it (the note names Python's codec, never
    the client's spelling of it nor a byte)."""
    unread = PayloadError(f"body is not valid {what} (its declared charset is none the gateway "
                          "reads)")
    try:
        name = codecs.lookup(python_codec(charset or "utf-8")).name
    except (LookupError, ValueError):
        raise unread from None
    if name in _SLOW_CODECS:
        raise unread
    with warnings.catch_warnings():  # (see _declared_reading: the escape codecs warn)
        warnings.simplefilter("ignore")
        try:
            return data.decode(name)
        except LookupError:  # (a bytes-to-bytes codec: base64, zlib, ...)
            raise unread from None
        except ValueError:  # (UnicodeDecodeError, a bad escape)
            raise PayloadError(f"body is not valid {what} (bytes that are not {name} "
                               "text)") from None


def _param(header: str, name: str) -> str | None:
    """A parameter of a structured header value (quoted or token), case-insensitive."""
    m = re.search(rf'(?:^|;)\s*{name}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))', header,
                  re.IGNORECASE)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


@dataclass(slots=True)
class _Part:
    headers: dict[str, str]
    body: bytes


def split_multipart(data: bytes, content_type: str) -> list[_Part]:
    """RFC 2046 s.5.1 parts of a multipart body; malformed framing is an error."""
    boundary = _param(content_type, "boundary")
    if not boundary or len(boundary) > 200:
        raise PayloadError("multipart body without a valid boundary")
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    chunks = re.split(rb"(?:^|\r?\n)" + re.escape(delimiter), data)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise PayloadError("multipart body is malformed (boundary not found or not closed)")
    parts: list[_Part] = []
    for chunk in chunks[1:-1]:
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        head, sep, body = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = chunk.partition(b"\n\n")
        if not sep:
            head, body = b"", chunk
        headers: dict[str, str] = {}
        for line in re.split(rb"\r?\n(?![ \t])", head):
            name, colon, value = line.decode("latin-1").partition(":")
            if colon:
                headers[name.strip().lower()] = " ".join(value.split())
        parts.append(_Part(headers, body))
    return parts


_CONTENT_RANGE = re.compile(r"bytes\s+([0-9]{1,15})-([0-9]{1,15})/(?:[0-9]{1,15}|\*)",
                            re.IGNORECASE)


def _range_start(part: _Part) -> int | None:
    m = _CONTENT_RANGE.fullmatch(part.headers.get("content-range", "").strip())
    if m is None or int(m.group(2)) < int(m.group(1)):
        return None
    return int(m.group(1))


def _byte_ranges(parts: list[_Part]) -> list[list[tuple[int, _Part]]] | None:
    """The parts of a multipart/byteranges body in range order, with where each starts, in
    runs of contiguous or overlapping ranges (a gap starts a new run); None when a part has
    no Content-Range. A range's bytes are the part's body (its length, not the declared
    end, places the next: the runs are never longer than the parts)."""
    placed: list[tuple[int, int, _Part]] = []
    for n, part in enumerate(parts):
        start = _range_start(part)
        if start is None:
            return None
        placed.append((start, n, part))
    placed.sort(key=lambda item: (item[0], item[1]))
    runs: list[list[tuple[int, _Part]]] = []
    end = -1
    for start, _, part in placed:
        if not runs or start > end:
            runs.append([])
        runs[-1].append((start, part))
        end = max(end, start + len(part.body))
    return runs


def _joined_ranges(run: list[tuple[int, _Part]], later_wins: bool = False) -> bytes:
    """One run of ranges as the resource's bytes. Where ranges overlap, the first range's
    bytes stand (or, `later_wins`, each later range's over them: a receiver may write each
    range where it goes): either way no longer than the parts."""
    origin = run[0][0]
    out = bytearray()
    for start, part in run:
        at = start - origin
        if later_wins:
            out[at:at + len(part.body)] = part.body
        else:
            out += part.body[max(0, len(out) - at):]
    return bytes(out)


def _overlapping(run: list[tuple[int, _Part]]) -> bool:
    end = run[0][0]
    for start, part in run:
        if start < end:
            return True
        end = max(end, start + len(part.body))
    return False


MAX_FIELD_BYTES = 256  # a part this short may hold a piece of a split identifier


def _short_fields(parts: list[_Part]) -> bytes:
    """The short text parts of a multipart body as `name: value` fields joined by commas (what
    a receiver could concatenate), or b"" when fewer than two parts are short text."""
    fields: list[bytes] = []
    for part in parts:
        body = part.body
        if len(body) > MAX_FIELD_BYTES or b"\x00" in body or binary_signature(body):
            continue
        name = _param(part.headers.get("content-disposition", ""), "name") or "part"
        fields.append(name.encode("utf-8", "replace") + b": " + body.strip())
    return b", ".join(fields) if len(fields) > 1 else b""


MAX_GRPC_MESSAGES = 64  # gRPC messages read as bodies apart; the rest are read together
MAX_PREFIXED_MEMBERS = 64  # length-prefixed compressed members read in an undeclared body
_PREFIX_WIDTHS = (4, 2, 1)  # bytes of a length before a member (big- or little-endian)


def _member_coding(member: bytes) -> str:
    """The coding a compressed member (a gRPC message, a length-prefixed record) starts as:
    gzip, zstd, else deflate (zlib's header, or raw)."""
    if member[:2] == b"\x1f\x8b":
        return "gzip"
    if member[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return "deflate"


def _prefixed_member(data: bytes, pos: int) -> tuple[int, int] | None:
    """(start, end) of the first gzip or zlib member within 8 bytes after `pos` whose length
    the 1, 2 or 4 bytes just before it give (big- or little-endian; the member ending within
    `data`), or of a gzip member there whatever its prefix (to the end); None where there is
    none."""
    for start in range(pos + 1, min(pos + 9, len(data) - 10)):
        head = data[start:start + 3]
        gzip_member = head == b"\x1f\x8b\x08"
        if gzip_member or (head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0):
            end = _member_end(data, start, pos)
            if end is not None:
                return start, end
            if gzip_member:  # (gzip's magic is telling: to the end, whatever the prefix says)
                return start, len(data)
    return None


def _member_end(data: bytes, start: int, floor: int) -> int | None:
    """Where a member at `start` ends by the length the 1, 2 or 4 bytes before it give (not
    before `floor`); None when none of them gives one that fits."""
    for width in _PREFIX_WIDTHS:
        if start - width < floor:
            continue
        prefix = data[start - width:start]
        for size in (int.from_bytes(prefix, "big"), int.from_bytes(prefix, "little")):
            if 10 <= size <= len(data) - start:
                return start + size
    return None


def _inflated_member(data: bytes, start: int, opts: InspectOptions) -> bytes:
    """The gzip or zlib member at `start` inflated, to its end or to where it breaks (what a
    receiver's decoder writes out before it stops), fed from a view in _FEED pieces (no copy
    of the rest of `data` per member); past max_inspect_bytes or max_decompression_ratio
    times the bytes that follow it, refused as a bomb is."""
    head = data[start:start + 2]
    wbits = 31 if head == b"\x1f\x8b" else 15
    cap = min(opts.max_inspect_bytes, max(len(data) - start, 1) * opts.max_decompression_ratio)
    view = memoryview(data)[start:]
    d = zlib.decompressobj(wbits)
    out = bytearray()
    with contextlib.suppress(zlib.error):
        for pos in range(0, len(view), _FEED):
            out += d.decompress(view[pos:pos + _FEED], cap + 1 - len(out))
            if d.eof or len(out) > cap:
                break
    if len(out) > cap:
        raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                            "a compressed member decompresses beyond the inspection limit")
    return bytes(out)


_GZIP_MEMBER = re.compile(rb"\x1f\x8b\x08[\x00-\x1f]")  # (magic, deflate, flags)


# -- the inspection -------------------------------------------------------------------------

@dataclass
class _Inspection:
    options: InspectOptions
    views: list[tuple[str, str | bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    produced: int = 0
    seen_tokens: set[bytes] = field(default_factory=set)
    office_hidden_styles: frozenset[bytes] = frozenset()  # (a DOCX's, see office_shown_text)

    def produce(self, size: int) -> None:
        """Count bytes that decoding produced; past max_view_bytes the request is refused."""
        self.produced += size
        if self.produced > self.options.max_view_bytes:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                "decoding the body produces more than the inspection allows")

    def view(self, label: str, text: str | bytes) -> None:
        # (each view counted VIEW_OVERHEAD bytes more: scanning one costs ~35 us whatever its
        # size, and thousands of tiny ones, base64 tokens each decoding to a few escapes and
        # so to 15-33 views, took ~270 ms inline within the byte bound: red-team round 6)
        self.produce(len(text) + VIEW_OVERHEAD)
        self.views.append((label, text))

    def add_text(self, label: str, data: bytes, charset: str | None, *, plus: bool = False,
                 depth: int = 0) -> None:
        readings = None
        if _many_controls(data):
            wide = wide_texts(data)
            if not wide:
                # Binary (an encrypted blob, a proprietary format, a photo in a form's raw
                # framing): the text inside it, as `strings` finds it, not the whole of it
                # read in every charset (a 64 KB blob made 95 views of ~70 KB: 3 s; 150 KB,
                # refused).
                self.notes.append(f"{label}: binary, the text runs in it read")
                self._add_readings(label, data, binary_texts(data, charset), plus=plus,
                                   depth=depth, runs=True)
                return
            readings = decode_text(data, charset)
            readings += [w for w in wide if w not in readings]  # (UTF-16 CJK: no NUL byte)
        self._add_readings(label, data, readings or decode_text(data, charset), plus=plus,
                           depth=depth)

    def _add_readings(self, label: str, data: bytes, readings: list[str], *, plus: bool,
                      depth: int, runs: bool = False) -> None:
        """Each reading of `data` as a view, with its decodings (percent, escapes, entities,
        ...) and the base64 tokens in any of them. `runs`: the readings are the text runs of
        binary data (see binary_texts), each run decoded on its own, the decodings of all of
        them one view: a run's layers past the limit are refused as a text's are, but escapes
        scattered over unrelated runs of a blob add up to no combination."""
        texts = [data]
        for n, text in enumerate(readings):
            name = label if n == 0 else f"{label}~{n}"
            self.view(name, data if n == 0 and data.isascii() else text)
            if runs:
                decoded = [d for run in text.split(_RUN_JOINT) if _ESCAPE_CHARS.search(run)
                           for d in derived_views(run, plus=plus, strict=True)]
                if decoded:
                    joined = _RUN_JOINT.join(decoded)
                    self.view(f"{name}+runs", joined)
                    texts.append(joined.encode("utf-8", "replace"))
                continue
            if n > 0 or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                # Round 8: a reading that is not the bytes as sent (UTF-16/32, a declared or
                # legacy charset, EBCDIC) is searched for base64 and hex tokens too: a UTF-16
                # JSON body's base64 field was never decoded (its bytes hold no token).
                texts.append(text.encode("utf-8", "replace"))
            # (a mantissa with a point is read in every text and decoding by scientific(), round
            # 8; here the JSON body's long mantissas without one, "139123456780e-1")
            if n == 0 and text[:64].lstrip()[:1] in ("{", "[") and _long_mantissa(data) and (
                    _JSON_FRACTION.search(text) is None):
                integral = json_integers(text)
                if integral != text:
                    self.view(f"{name}/numbers", integral)
            if n == 0:
                radix = radix_integers(text)
                if radix != text:
                    self.view(f"{name}/radix", radix)
                if "[" in text and (arrays := self._byte_arrays(name, text, depth)):
                    texts.append(arrays)
            if (numbers := scientific(text)) is not None:
                self.view(f"{name}/numbers", numbers)
            for m, derived in enumerate(derived_views(text, plus=plus, strict=True)):
                self.view(f"{name}+{m}", derived)
                texts.append(derived.encode("utf-8", "replace"))
                if (numbers := scientific(derived)) is not None:
                    self.view(f"{name}+{m}/numbers", numbers)
                if "[" in derived and (  # round 8: a byte array in a form field, JSON string...
                        arrays := self._byte_arrays(f"{name}+{m}", derived, depth)):
                    texts.append(arrays)
            if "%" in text and _PERCENT_ARCHIVE.search(text):
                self._percent_archives(name, text, plus, depth)
        count = 0
        for item in texts:
            for raw in _base64_texts(item):
                if self._decoded(f"{label}/base64[{count}]", raw, depth):
                    count += 1

    def _decoded(self, label: str, raw: bytes, depth: int) -> bool:
        """Read bytes decoded from a token (base64, percent-encoded archive, byte array) as a
        body one level deeper, once per distinct value; False when it was read already."""
        if raw in self.seen_tokens:
            return False
        self.seen_tokens.add(raw)
        self.produce(len(raw))
        # Decoded junk that merely looks like an archive is not a refusal.
        with contextlib.suppress(PayloadError):
            self.body(label, raw, "", depth + 1)
        return True

    def _percent_archives(self, label: str, text: str, plus: bool, depth: int) -> None:
        """Round 8: compressed data percent-encoded in a form field or query parameter (what
        requests and curl --data-urlencode make of a bytes value; PHP's $_POST keeps its
        bytes and gzdecode reads it), each read as a body of its own: its text view is
        lossy (bytes that are no UTF-8) and held no readable digit."""
        for n, m in enumerate(_PERCENT_ARCHIVE.finditer(text)):
            if n >= MAX_BASE64_TOKENS:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"more than {MAX_BASE64_TOKENS} percent-encoded archives")
            end = text.find("&", m.start())
            value = text[m.start():end if end >= 0 else len(text)]
            raw = urllib.parse.unquote_to_bytes(_raw(value.replace("+", " ") if plus else value))
            self._decoded(f"{label}/percent[{n}]", raw, depth)

    def _byte_arrays(self, label: str, text: str, depth: int) -> bytes:
        """The byte arrays in `text`: those of plain text read as one view (returned, for
        the base64 search), each other one (gzip, UTF-16, GBK ...) as a body of its own,
        one decoded token each against MAX_BASE64_TOKENS. (Plain text opened as a body was
        decoded every way, ~0.1 ms an array: 3,000 arrays of ages took 0.3 s more.)"""
        plain: list[bytes] = []
        opened = 0
        for raw, is_plain in byte_arrays(text):
            if is_plain:
                plain.append(raw)
                continue
            opened += 1
            if opened > MAX_BASE64_TOKENS:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"more than {MAX_BASE64_TOKENS} byte arrays")
            self._decoded(f"{label}/bytes[{opened - 1}]", raw, depth)
        if not plain:
            return b""
        joined = _RUN_JOINT.encode().join(plain)
        self.view(f"{label}/bytes", joined)
        return joined

    def body(self, label: str, data: bytes, content_type: str, depth: int,
             declared_encoding: str = "") -> None:
        if depth > MAX_NESTING:
            raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                f"{label}: nested more than {MAX_NESTING} levels")
        opts = self.options
        if declared_encoding:
            if data.startswith(b"\x1f\x8b"):
                self._gzip_names(label, data, depth)
            data = decode_content(data, declared_encoding, limit=opts.max_inspect_bytes,
                                  ratio=opts.max_decompression_ratio)
            self.produce(len(data))
        media = None if structured(content_type) else binary_signature(data[:SIGNATURE_BYTES])
        if media:
            if media in HELD_MEDIA or media in WALKED_VIDEO:
                self.notes.append(f"{label}: {media} signature, its pixels or samples not "
                                  "inspected (its text metadata and what follows it read)")
            else:
                self.notes.append(f"{label}: {media} signature, not inspected (its text "
                                  f"metadata in the first {SIGNATURE_BYTES} bytes read)")
            texts = media_texts(data[:SIGNATURE_BYTES])
            if texts:
                self.view(f"{label}/metadata", texts)
            if media in HELD_MEDIA or media in WALKED_VIDEO:
                self._image(label, data, media, depth)
            return
        if data.startswith(serialized.AVRO_MAGIC):
            self._avro_file(label, data, depth)
        archive = _archive(data)
        if archive == "zip":
            self._zip(label, data, depth)
            return
        if archive in _REFUSED_NAMES:
            raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                f"{label}: {archive} archive cannot be inspected")
        if archive == "gzip":
            self._gzip_names(label, data, depth)
        if archive == "zstd" and (dict_id := _zstd_dictionary(data)):
            # Round 20: a frame that names a dictionary cannot be inflated without it (as
            # under Content-Encoding: zstd, refused): never forwarded as opaque bytes.
            raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                f"{label}: zstd frame compressed with a dictionary "
                                f"(id {dict_id}) cannot be inspected")
        if archive is not None:
            try:
                inner = decompress(data, archive, limit=opts.max_inspect_bytes,
                                   ratio=opts.max_decompression_ratio)
            except PayloadError:
                if archive == "zstd" and (
                        dict_id := _zstd_later_dictionary(data, opts.max_inspect_bytes)):
                    raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                        f"{label}: a zstd frame compressed with a dictionary "
                                        f"(id {dict_id}) cannot be inspected") from None
                # Sniffed, not declared: text that merely starts like an archive ("x^2 ..."),
                # or a truncated stream; read what decompresses and the bytes as they are.
                inner = _partial(data, archive, opts.max_inspect_bytes)
                if not inner and _strong_archive(data, archive):
                    # Round 20: a stream whose header leaves no doubt (gzip, zstd, xz,
                    # bzip2) of which nothing inflates is refused, not forwarded unread
                    # (one damaged later is read up to the damage, as a receiver reads it).
                    raise Uninspectable(Reason.MALFORMED_PAYLOAD,
                                        f"{label}: {archive} stream does not decompress") from None
                if inner:
                    self.produce(len(inner))
                    self.add_text(f"{label}/{archive}~partial", inner, None, depth=depth + 1)
            else:
                if not inner and _strong_archive(data, archive) and not _ended(data, archive):
                    # Round 20: an xz or bzip2 stream cut before any output (read as what it
                    # gave, nothing): refused as one of which nothing inflates
                    raise Uninspectable(Reason.MALFORMED_PAYLOAD,
                                        f"{label}: {archive} stream does not decompress")
                self.produce(len(inner))
                self.body(f"{label}/{archive}", inner, "", depth + 1)
                return
        if data[257:262] == b"ustar":
            self._tar(label, data, depth)
        if data[:2] == _XLSB_SHEET and (cells := xlsb_cells(data)):
            # Round 20: an Excel binary workbook's sheet (.xlsb, a zip member) keeps numeric
            # cells as doubles: read as the numbers Excel shows, as an XLSX sheet's <v> are
            self.view(f"{label}/xlsb", cells)
        ctype = content_type.split(";")[0].strip().lower()
        if (ctype.startswith("message/") or ctype == "application/http") and depth < MAX_NESTING:
            # An enclosed message (RFC 2046 s.5.2; an OData/Google $batch part): its headers
            # and its body, decoded.
            head, sep, rest = data.partition(b"\r\n\r\n")
            if not sep:
                head, sep, rest = data.partition(b"\n\n")
            if sep:
                headers: dict[str, str] = {}
                for line in re.split(rb"\r?\n(?![ \t])", head):
                    name, colon, value = line.decode("latin-1").partition(":")
                    if colon:
                        headers[name.strip().lower()] = " ".join(value.split())
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    # (round 16: a gzip body in chunks is whole only dechunked)
                    pieces: list[bytes] = []
                    end = _dechunk_body(rest, 0, pieces)
                    rest = b"".join(pieces) + rest[end:]
                with contextlib.suppress(PayloadError):
                    self.part(f"{label}/message", _Part(headers, rest), depth + 1)
        if (ctype in _FOLDED_TYPES or data[:64].lstrip().upper().startswith(
                (b"BEGIN:VCALENDAR", b"BEGIN:VCARD"))) and _FOLDED_LINE.search(data):
            # Round 6: iCalendar and vCard lines are folded (RFC 5545 s.3.1, RFC 6350 s.3.2):
            # a line break and one space or tab are nothing to the receiver, which unfolds
            # "DESCRIPTION:call 139123\r\n 45678" into one line.
            self.add_text(f"{label}/unfolded", _FOLDED_LINE.sub(b"", data),
                          charset_of(content_type), depth=depth)
        if data[:32].lstrip().startswith(b"{\\rtf"):
            # Round 6: RTF as a word processor shows it (escapes undone, control words gone):
            # "139\\'31234", "\\u49?\\u51?..." are digits on the page.
            self.view(f"{label}/rtf", rtf_text(data.decode("latin-1")))
            # Round 20: and as a reader shows it (\ucN fallbacks skipped, hidden text and
            # unshown destinations out: "139{\v 0000}12345678" shows 13912345678)
            self.view(f"{label}/rtf-shown", rtf_shown_text(data.decode("latin-1")))
            if rtf_inline_marked(source := data.decode("latin-1")):
                # Round 24: and as the page shows it where the digits stand (fields'
                # instructions, footnotes, headers and comments elsewhere or nowhere)
                self.view(f"{label}/rtf-inline", rtf_shown_text(source, inline=True))
        if _OFFICE_TEXT.search(data) is not None:
            # Round 10: the text runs of a word processor's XML (OOXML w:t, DrawingML a:t, ODF
            # text:span, a spreadsheet's shared strings) are one text within a paragraph:
            # "<w:t>110101199</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>003071233</w:t>" shows
            # as one ID in Word (missed before: two fields of an XML document).
            self.view(f"{label}/office-text", office_text(data))
            if b"<w:delText" in data:
                # Round 11: a revision's deleted text (w:delText) is gone from the document as
                # accepted: "139<del>999</del><ins>12345678</ins>" shows 13912345678.
                self.view(f"{label}/office-accepted", office_text(_OFFICE_DELETED.sub(b"", data)))
            if (shown := office_shown_text(data, self.office_hidden_styles)) is not None:
                # Round 19: also without the runs Word or Writer hides (w:vanish, a hidden
                # character style, text:display="none")
                self.view(f"{label}/office-shown", shown)
        if (b"\n\n" in data or b"\n\r\n" in data) and b"chunked" in data.lower() and (
                dechunked := _dechunked(data)) != data:
            # Round 16: an HTTP message in the body in chunked coding, read as its bytes
            # dechunked (sizes count bytes; an enclosed message/http or application/http
            # body is dechunked by its own head, below, and a gzip one is whole again there)
            self.add_text(f"{label}/dechunked", dechunked, charset_of(content_type),
                          depth=depth + 1)
        if b"%PDF-" in data[:1024]:  # readers accept up to 1 KB before the header
            pdf = data
            if b"/Encrypt" in data and (decrypted := _pdf_decrypted(data)) is not None:
                # Round 19: encrypted with an empty user password, read decrypted (one that
                # needs a password is refused in _pdf_decrypted)
                pdf, outside = decrypted
                self.produce(len(pdf) + len(outside))
                self.add_text(f"{label}/pdf-decrypted", outside, "latin-1", depth=depth + 1)
            viewed_bytes = [0]
            for n, stream in enumerate(_pdf_streams(pdf, opts.max_inspect_bytes)):
                self.add_text(f"{label}/pdf[{n}]", stream, "latin-1", depth=depth + 1)
                shown = _pdf_shown_text(stream) if len(stream) <= MAX_PDF_TEXT_STREAM else ""
                if shown:
                    self.view(f"{label}/pdf[{n}]/text", shown)
                    # round 19: also as a viewer shows it (hidden runs out, runs in x order)
                    if (viewed := _pdf_viewed(stream, viewed_bytes)) and viewed != shown:
                        self.view(f"{label}/pdf[{n}]/viewed", viewed)
        if ctype.startswith("multipart/"):
            parts = split_multipart(data, content_type)
            # HTML's `_charset_` field names the charset of the other fields (receivers such
            # as Sling and Spring's CharacterEncodingFilter setups honour it).
            form_charset = next((p.body.strip()[:40].decode("latin-1") for p in parts if _param(
                p.headers.get("content-disposition", ""), "name") == "_charset_"), None)
            runs = _byte_ranges(parts) if ctype == "multipart/byteranges" else None
            if runs is not None:
                # Round 20: the parts of multipart/byteranges are ranges of one resource
                # (RFC 9110 s.14.6): put back in range order, each contiguous run is read
                # whole as its parts' Content-Type says (a value cut between two ranges is
                # whole there); a piece on its own (a gap on either side) is read as a part.
                for n, run in enumerate(runs):
                    if len(run) == 1:
                        self.part(f"{label}/part[{n}]", run[0][1], depth + 1, form_charset)
                        continue
                    run_type = run[0][1].headers.get("content-type", "text/plain")
                    for m, later in enumerate((False, True) if _overlapping(run) else (False,)):
                        joined = _joined_ranges(run, later)
                        self.produce(len(joined))
                        self.body(f"{label}/ranges[{n}]~{m}", joined, run_type, depth + 1)
            for n, part in enumerate(parts if runs is None else []):
                self.part(f"{label}/part[{n}]", part, depth + 1, form_charset)
            fields = _short_fields(parts)
            if fields:
                # An identifier split over fields: "a: 110101, b: 19900307, c: 1233" (the
                # scanner joins fields and tells what stands before them).
                self.view(f"{label}/fields", fields)
            self.notes.append(f"{label}: multipart, {len(parts)} parts inspected")
            # The raw framing too: whatever a receiver's parser makes of the parts.
            self.add_text(f"{label}/raw", data, charset_of(content_type))
            return
        if (ctype == "application/json" or ctype.endswith("+json")) and (
                not ctype.startswith("application/grpc")):  # (gRPC+json: framed, below)
            for name, doc, tree in self._json_documents(label, data, charset_of(content_type),
                                                        depth):
                self._json_readings(name, doc, tree, ctype)
        elif ctype == "application/x-www-form-urlencoded":
            text = validate_form(data, charset := charset_of(content_type))
            utf8 = text.encode("utf-8", "replace")
            if not data.isascii() and utf8 != data:
                # Round 20: raw bytes of another charset than UTF-8, as UTF-8 text: every
                # reading a UTF-8 form has (the declared reading below is one of many)
                self.add_text(f"{label}/{_codec_name(charset)}", utf8, None, plus=True,
                              depth=depth)
            if not data.isascii() and _LATIN1_DIGITS.search(data) is not None and (
                    latin := data.decode("latin-1").encode()) != utf8:
                # Round 20: a servlet container reads a form's raw bytes as ISO-8859-1 unless
                # told otherwise, where a UTF-8 continuation byte is a superscript digit or a
                # fraction ("ù" is C3 B9, "Ã¹": "ù3912345678" shows ¹3912345678): so read
                # too (raw bytes were refused before, so never read one way and sent on)
                self.add_text(f"{label}/latin-1", latin, None, plus=True, depth=depth)
            if "]=" in text or "%5D=" in text or "%5d=" in text:
                reordered = _grouped_params(text, reordered_only=True)
                if reordered:
                    # Round 8: fields indexed out of order as a framework binds them, one
                    # list per name in index order, as the query string's are read (a form
                    # "id[2]=1233&id[0]=110101&id[1]=19900307" was read only as sent; fields
                    # in the order sent are read so in the body itself).
                    self.add_text(f"{label}/grouped", reordered.encode(), None, plus=True,
                                  depth=depth)
        elif not ctype.startswith("text/"):
            self._serialized(label, data, ctype, depth)
            self._schema_binary(label, data, ctype, depth)
            self._other_serialized(label, data, ctype)
            if any(mark in data for mark in AUDIO_TAG_MARKS):
                self._audio_tags(label, data, depth)
            if data.startswith(serialized_other.SQLITE_MAGIC):
                self._sqlite(label, data)
            if (packed := packed_decimals(data)) is not None:
                self.view(f"{label}/packed-decimal", packed)
            if (ctype in ("", "application/octet-stream") and len(data) > 8 and data[0] & 6 != 6
                    and (inflated := _raw_inflated(data[:MAX_RAW_INFLATE]))):
                # Round 13: a body of raw DEFLATE (no zlib or gzip header to sniff), declared
                # as nothing or as octets: read when it is one whole stream of text.
                self.produce(len(inflated))
                self.body(f"{label}/deflate-raw", inflated, "", depth + 1)
        if _CODE_TYPE.search(ctype):
            # Round 8: code and configuration read "0o..." and "0b..." literals too
            code = data.decode("utf-8", "replace")
            if (radix := radix_integers(code, all_bases=True)) != code:
                self.view(f"{label}/radix", radix)
            if ctype.endswith("yaml") and _YAML_OCTAL.search(data):
                # YAML 1.1 (PyYAML, SnakeYAML, Ruby's Psych) reads an integer with a leading
                # 0 as octal: "phone: 0147524140516" is 13912345678 to the receiver.
                self.view(f"{label}/octal", _YAML_OCTAL.sub(_yaml_octal, data))
            if ctype.endswith("yaml") and b":" in data and _YAML_SEXAGESIMAL.search(data):
                # Round 13's miss: YAML 1.1 (PyYAML's safe_load) reads base 60 integers
                # ("17:53:29:0:27:58" is 13912345678) as it reads octal.
                self.view(f"{label}/sexagesimal",
                          _YAML_SEXAGESIMAL.sub(_yaml_sexagesimal, data))
        charset = charset_of(content_type)
        if ctype == "text/event-stream" or event_stream_start(data):
            # Round 22: Server-Sent Events as the client assembles them (event_stream_texts)
            for n, text in enumerate(event_stream_texts(data)):
                self.view(f"{label}/events[{n}]", text)
        if data[:32].lstrip().startswith(b"{\\rtf"):
            if b"\\\n" in data or b"\\\r" in data:
                # Round 22: in RTF source a backslash before a raw line end is a paragraph
                # break (as \par), not a string's line continuation that the escapes reading
                # undoes into nothing ("1391\\<LF>2345678" is two paragraphs)
                data = _RTF_LINE_BREAK.sub(_rtf_line_break, data)
            if data.count(b"{", 0, MAX_RTF_SOURCE_GROUPS * 64) > MAX_RTF_SOURCE_GROUPS:
                # Round 22: the source of an RTF document of many groups is read as its text
                # (the RTF views' reading, control words and braces gone), not as fields
                # between braces: "{1}{1}..." x 50k, each "}{" a joint between two fields,
                # cost ~1.4 s to read so (the text costs ~10 ms; the reader shows the same)
                data, charset = rtf_text(data.decode("latin-1")).encode("utf-8"), None
        self._structure_parts(label, data, ctype)
        self.add_text(label, data, charset,
                      plus=ctype == "application/x-www-form-urlencoded", depth=depth)
        for n, charset in enumerate(later_charsets(content_type)):
            self.add_text(f"{label}~charset[{n}]", data, charset,
                          plus=ctype == "application/x-www-form-urlencoded", depth=depth)

    def _structure_parts(self, label: str, data: bytes, ctype: str) -> None:
        """Round 24: identifiers split or hidden by the body's structure or labels (YAML
        aliases, label/value rows, parts labelled out of order, masks, literals joined by an
        operator, spelled birth dates: see structure_parts), and (outside JSON, whose own
        reading is _add_readings') mantissas of 8+ digits with no point ("t: 139123456780e-1"),
        which YAML 1.2, float() and a query's parser read as the integer."""
        for name, reading in structure_parts.text_readings(data, yaml=ctype.endswith("yaml")):
            self.view(f"{label}/{name}", reading)
        if data[:64].lstrip()[:1] not in (b"{", b"[") and _long_mantissa(data) and (
                integral := json_integers(text := data.decode("utf-8", "replace"))) != text:
            self.view(f"{label}/long-mantissas", integral)

    def _json_documents(self, label: str, data: bytes, charset: str | None, depth: int
                        ) -> list[tuple[str, bytes, Any]]:
        """A declared JSON body as the documents a receiver may parse, each (label, UTF-8 or
        UTF-16/32 bytes, orjson's tree or None): the bytes as RFC 8259 reads them (UTF-8, a
        BOM's or detected UTF-16/32), and (round 20) the text of its declared charset when
        that is another (TIS-620, Shift_JIS, EUC-JP, EUC-KR, GBK, Big5, Latin-1,
        windows-125x, UTF-7 ...: refused 400 as "not valid JSON" before), as UTF-8, with
        every reading a UTF-8 body has. Refused (PayloadError) when neither is JSON, or the
        body is none and its charset unknown or its bytes no text in it."""
        docs: list[tuple[str, bytes, Any]] = []
        try:
            docs.append((label, data, validate_json(data)))
        except PayloadError:
            if charset is None:
                raise
        if charset is None or (docs and data.isascii()):
            return docs  # (ASCII: the same text in every charset a JSON receiver takes)
        try:
            text = charset_text(data, charset, "JSON")
        except PayloadError:
            if docs:  # (a receiver that ignores the charset, as RFC 8259 says: read so)
                return docs
            raise
        utf8 = text.encode("utf-8", "replace")
        if utf8 == data:
            return docs
        name = f"{label}/{_codec_name(charset)}"
        try:
            tree = validate_json(utf8)
        except PayloadError:
            if docs:
                return docs
            raise PayloadError("body is not valid JSON, nor in its declared charset "
                               f"({_codec_name(charset)})") from None
        self.produce(len(utf8))
        self.add_text(name, utf8, None, depth=depth)
        return [*docs, (name, utf8, tree)]

    def _json_readings(self, label: str, data: bytes, tree: Any, content_type: str = ""
                       ) -> None:
        """The readings of a JSON document's structure (its text is read by add_text)."""
        if _KAFKA_REST.match(content_type) or _record_marked(data):
            records = tree if tree is not None else _lenient_json(data)  # (orjson refused it)
            for n, (formats, raw) in enumerate(json_binary_records(records, content_type)):
                self._binary_record(f"{label}/record[{n}]", raw, formats)
        if (words := ocr_word_runs(data, tree)) is not None:
            # Round 18: OCR results as lists of character or word objects with their boxes
            # (Baidu's chars, PaddleOCR, Textract WORD blocks, Rekognition detections): the
            # box numbers stand between the digits the objects spell
            self.view(f"{label}/ocr-words", words)
        if (pieces := json_piece_runs(data, tree)) is not None:
            # Round 22: an ID streamed or typed piece by piece (see json_piece_runs)
            self.view(f"{label}/pieces", pieces)
        if (ordered := structure_parts.index_ordered(data, tree)) is not None:
            # Round 24: an object keyed by indices sent out of order (see index_ordered)
            self.view(f"{label}/index-ordered", ordered)
        if tree is not None and data.isascii() and b"\\u" in data:
            # Round 24: the structure readings (see _structure_parts) of a document whose
            # text is escaped (ensure_ascii: "\u5c3e\u53f7" for a label, "\u2026" for a
            # mask; such a document is ASCII: one with UTF-8 text is read as it stands)
            plain = json.dumps(tree, ensure_ascii=False).encode("utf-8", "surrogatepass")
            for name, reading in structure_parts.text_readings(plain):
                self.view(f"{label}/unescaped/{name}", reading)
        if (phone := phone_objects(data)) is not None:
            # Round 17: a phone stored as an object of parts, in whatever key order (a
            # writer that sorts keys puts area_code before country_code before number)
            self.view(f"{label}/phone-objects", phone)
        if tree is None and data.lstrip()[:1] == b"[":
            tree = _lenient_json(data)  # (a patch with a number orjson refuses, 1e400)
        if (patched := json_patch_document(tree)) is not None:
            # Round 19: RFC 6902 operations that each set one part of a value
            # ("/phone/area_code", "/id/1", "/id/-"): the document their paths build
            self.view(f"{label}/json-patch", patched.decode())
            if (phone := phone_objects(patched)) is not None:
                self.view(f"{label}/json-patch/phone-objects", phone)

    def _binary_record(self, label: str, raw: bytes, formats: frozenset[str]) -> None:
        """Round 21: a binary record of a JSON document (see json_binary_records) read as
        protobuf (after Confluent's prefix and message indexes too) and as Avro (a Confluent
        prefix is the Avro walk's own) where its formats say so."""
        bodies = [raw]
        if _confluent(raw):
            bodies.append(raw[5:])
            got = serialized.varint_at(raw, 5)  # (Confluent protobuf: the message indexes)
            if got is not None and got[0] < 16:
                end = got[1]
                for _ in range((got[0] >> 1) ^ -(got[0] & 1)):
                    nxt = serialized.varint_at(raw, end)
                    if nxt is None:
                        break
                    end = nxt[1]
                bodies.append(raw[end:])
        try:
            if "avro" in formats and (text := serialized.schema_text("avro", raw)):
                self.view(f"{label}/avro", text)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more avro values than the inspection reads") from None
        if "protobuf" in formats:
            for body in dict.fromkeys(bodies):
                if body and (text := serialized.tree_text("protobuf", body)):
                    self.view(f"{label}/protobuf", text)
                    break

    def _image(self, label: str, data: bytes, media: str, depth: int) -> None:
        """Round 20: a JPEG or PNG (round 21: any of HELD_IMAGES) held whole: the text
        metadata of all its chunks or segments, and what follows its end (images appended
        to it, as a phone's multi-picture JPEG has, walked in turn; an archive or text after
        them read as a body of its own; a motion photo's MP4 left as media is)."""
        pos = 0
        opts = self.options
        # (round 21: the texts of all its images inflated together within one bound)
        room = min(MAX_IMAGE_TEXTS, opts.max_inspect_bytes,
                   len(data) * opts.max_decompression_ratio)
        for n in itertools.count():
            walk = image_walk(data, media, pos, room) if n < MAX_NESTING * 4 else None
            if walk is None:
                break
            room -= walk.inflated
            if walk.texts:
                self.view(f"{label}/image[{n}]/metadata", ";\n".join(walk.texts))
            self._loose(f"{label}/image[{n}]", walk.loose, depth)
            if walk.end is None:
                self._appended_zip(label, data, pos, depth)
                if walk.stop is not None and walk.stop > pos and (
                        rest := data[walk.stop:]).strip(b"\x00\xff\r\n\t "):
                    # Round 22: not the format its signature says past this point (a
                    # signature put before other data, a damaged or truncated file): the rest
                    # read as a body of its own, never forwarded unread
                    self.notes.append(f"{label}: {media} structure broken at byte "
                                      f"{walk.stop}, the {len(rest)} bytes after it read")
                    self.body(f"{label}/unparsed", rest, "", depth + 1)
                return
            pos = walk.end
            media = binary_signature(data[pos:pos + SIGNATURE_BYTES]) or ""
        trailer = data[pos:]
        if not trailer.startswith(b"PK"):
            self._appended_zip(label, data, pos, depth)
        if not trailer.strip(b"\x00\xff\r\n\t "):
            return  # (padding)
        self.notes.append(f"{label}: {len(trailer)} bytes after the image read")
        at = appended_media(trailer)
        if at is not None:
            if at:
                self.body(f"{label}/trailer", trailer[:at], "", depth + 1)
            trailer = trailer[at:]
        self.body(f"{label}/{'trailer-media' if at is not None else 'trailer'}", trailer, "",
                  depth + 1)

    def _sqlite(self, label: str, data: bytes) -> None:
        """Round 24: a SQLite database file's rows, its numbers as numbers (see
        serialized_other.sqlite_text)."""
        try:
            text = serialized_other.sqlite_text(data)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more SQLite values than the inspection reads"
                                ) from None
        if text:
            self.view(f"{label}/sqlite", text)

    def _audio_tags(self, label: str, data: bytes, depth: int) -> None:
        """Round 24: the audio tags anywhere in a binary body (see audio_tags)."""
        texts, loose = audio_tags(data)
        if texts:
            self.view(f"{label}/audio-tags", ";\n".join(texts))
        self._loose(f"{label}/audio-tags", loose, depth)

    def _loose(self, label: str, blobs: list[bytes], depth: int) -> None:
        """Round 22: the bytes inside a media file's structure that are neither its metadata
        nor its pixels / samples (cover art, padding that is not zeros, chunks or frames not
        known): each that is media, an archive or over 4 KB read as a body of its own (at
        most MAX_LOOSE_BODIES: more refused), the others together as one (each a field of its
        own): 20,000 small ID3 frames read one by one took 8 s."""
        plain: list[bytes] = []
        whole = 0
        for blob in blobs:
            if not blob.strip(b"\x00\xff\r\n\t "):
                continue  # (padding)
            if len(blob) <= 4096 and _archive(blob) is None and binary_signature(
                    blob[:SIGNATURE_BYTES]) is None:
                plain.append(blob)
                continue
            whole += 1
            if whole > MAX_LOOSE_BODIES:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"{label}: more than {MAX_LOOSE_BODIES} embedded objects")
            self.body(f"{label}/embedded[{whole - 1}]", blob, "", depth + 1)
        if plain:
            self.body(f"{label}/embedded", _RUN_JOINT.encode().join(plain), "", depth + 1)

    def _appended_zip(self, label: str, data: bytes, start: int, depth: int) -> None:
        """A zip whose end of central directory closes the data, after an image whose end
        was not found or behind junk after it: zip readers find it from the end whatever
        comes first (a polyglot), so it is read so too."""
        if b"PK\x05\x06" in data[max(start, len(data) - 65557):]:
            # (the four bytes by chance in pixel data are no zip: not a refusal)
            with contextlib.suppress(PayloadError):
                self._zip(f"{label}/appended-zip", data[start:], depth + 1)

    def _serialized(self, label: str, data: bytes, ctype: str, depth: int) -> None:
        """MessagePack, CBOR, BSON or protobuf, declared or (the first three) sniffed, as the
        receiver decodes it: integers are binary there, unread by any text reading. gRPC's
        framed messages each so; a compressed member after a short length prefix inflated."""
        kind = serialized.declared(ctype)
        if kind in ("grpc", "grpc-web-text"):
            got = serialized.grpc_frames(data, text=kind == "grpc-web-text")
            if got is None:
                raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                    f"more than {serialized.MAX_GRPC_FRAMES} gRPC frames")
            frames, whole = got
            if frames:
                self._grpc(label, frames, depth)  # (the whole frames, as a receiver reads on)
            if whole:
                return
            # (framing broken after them, or no frame at all: read as octets are)
            kind = None
            ctype = "application/octet-stream"
        if ctype in ("", "application/octet-stream"):
            self._prefixed_members(label, data, depth)
        text = serialized.tree_text(kind, data) if kind else None
        if kind and text is None:
            raise PayloadError(f"body is not the {kind} its Content-Type declares")
        if kind is None:
            kind = serialized.sniffed(data)
            text = serialized.tree_text(kind, data, stream=False) if kind else None
        if text:
            self.view(f"{label}/{kind}", text)

    def _schema_binary(self, label: str, data: bytes, ctype: str, depth: int) -> None:
        """Round 20: a body declared Avro (a bare datum, a Confluent-framed Kafka record) or
        Thrift (binary or compact protocol), its values written out as the other
        serializations' are: an Avro long, a Thrift i64 are binary numbers no text reading
        sees. Only where declared (random bytes walk as either); a declared Thrift body that
        is not Thrift is malformed. (An object container file is read by _avro_file.)"""
        kind = serialized.schema_declared(ctype)
        if kind is None or (kind == "avro" and data.startswith(serialized.AVRO_MAGIC)):
            return
        if kind == "thrift" and data.lstrip()[:1] in (b"[", b"{"):
            return  # (Thrift's JSON protocol under the generic type: read as the text it is)
        if kind != "avro" and (frames := serialized.theader_frames(data)) is not None:
            self._theader(label, frames, depth)
            return
        try:
            text = serialized.schema_text(kind, data)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more {kind} values than the inspection reads"
                                ) from None
        if text is None:
            raise PayloadError(f"body is not the {kind} its Content-Type declares")
        if text:
            self.view(f"{label}/{kind}", text)

    def _other_serialized(self, label: str, data: bytes, ctype: str) -> None:
        """Round 22: Smile, Ion binary, UBJSON, Hessian 2 (Dubbo), Java serialization and
        pickle walked (never deserialized: see serialized_other), Cap'n Proto's and
        FlatBuffers' wide words read, where declared; the first six also where a body of no
        declared type has their signature (what walks read). Before, a mobile in their int64
        was forwarded as inspected text. A declared body that does not walk is malformed."""
        kind = serialized_other.declared(ctype)
        whole = kind is not None
        if kind is None:
            if ctype not in ("", "application/octet-stream"):
                return
            kind = serialized_other.sniffed(data)
            if kind is None:
                return
        elif kind == "ion" and not data.startswith(serialized_other.ION_BVM):
            return  # (Ion text under the generic type: read as the text it is)
        try:
            text = serialized_other.other_text(kind, data, whole=whole)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more {kind} values than the inspection reads"
                                ) from None
        if text is None and whole:
            raise PayloadError(f"body is not the {kind} its Content-Type declares")
        if text:
            self.view(f"{label}/{kind}", text)

    def _theader(self, label: str, frames: list[serialized.THeaderFrame], depth: int) -> None:
        """Round 21: the frames of a THeader body (see serialized.theader_frames): each
        payload untransformed (zlib, zstd: within max_inspect_bytes and the ratio, all frames
        together) and read as the protocol its header names, the info headers as text. A
        transform or protocol not read here is refused, never forwarded unread."""
        opts = self.options
        total = 0
        for n, frame in enumerate(frames):
            payload = frame.payload
            for transform in frame.transforms:
                coding = _THEADER_TRANSFORMS.get(transform)
                if coding is None:
                    raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                        f"{label}: a THeader transform that cannot be inspected")
                payload = decompress(payload, coding, limit=opts.max_inspect_bytes - total,
                                     ratio=opts.max_decompression_ratio)
                total += len(payload)
                self.produce(len(payload))
            protocol = _THEADER_PROTOCOLS.get(frame.protocol)
            if protocol is None:
                raise PayloadError(f"{label}: a THeader frame of a protocol that is not Thrift's")
            if frame.info:
                self.view(f"{label}/theader{n}-info", b"\n".join(frame.info))
            self.body(f"{label}/theader{n}", payload, protocol, depth + 1)

    def _avro_file(self, label: str, data: bytes, depth: int) -> None:
        """Round 20: an Avro object container file (Kafka Connect sinks, data-lake and batch
        exports), whatever its declared type: its blocks decoded by the header's avro.codec
        (deflate is raw RFC 1951; bzip2, xz, zstandard; snappy is raw snappy and a CRC32)
        within max_inspect_bytes and the ratio (all blocks together), and read by the file's
        schema (or, where it does not read them, walked without it). Before, a deflate file's
        strings reached the upstream unread. A codec not read here, or a file that is not
        whole, is refused: never forwarded unread."""
        opts = self.options
        try:
            got = serialized.avro_container(data)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more than {serialized.MAX_AVRO_BLOCKS} Avro blocks "
                                "or metadata entries") from None
        if got is None:
            raise PayloadError(f"{label}: not a whole Avro object container file")
        meta, blocks = got
        coding = _AVRO_CODECS.get(meta.get(b"avro.codec", b"null"))
        if coding is None:
            raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                f"{label}: an Avro codec that cannot be inspected")
        cap = min(opts.max_inspect_bytes, max(len(data), 1) * opts.max_decompression_ratio)
        decoded: list[tuple[int, bytes]] = []
        total = 0
        for count, block in blocks:
            if coding == "snappy":  # (raw snappy, then the CRC32 of what it decodes to)
                unsnapped = snappy_raw(block[:-4], limit=cap - total,
                                       ratio=opts.max_decompression_ratio)
                if len(block) < 4 or zlib.crc32(unsnapped) != int.from_bytes(block[-4:], "big"):
                    raise PayloadError(f"{label}: an Avro snappy block fails its checksum")
                block = unsnapped
            elif coding != "null":
                block = decompress(block, coding, limit=cap - total,  # (what is left)
                                   ratio=opts.max_decompression_ratio)
            total += len(block)
            if total > cap:
                raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                    f"{label}: Avro blocks decode beyond the inspection limit")
            decoded.append((count, block))
        joined = b"".join(block for _, block in decoded)  # (blocks end with a record)
        self.produce(len(joined))
        self.notes.append(f"{label}: Avro container file, {len(blocks)} blocks read")
        try:
            records = serialized.avro_records(meta.get(b"avro.schema", b""), decoded)
        except serialized.TooComplex:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: more Avro values than the inspection reads") from None
        if records:
            # (read by its schema: the blocks' bytes are then read as other binary is, not
            # walked again without it)
            self.view(f"{label}/avro-records", records)
        if joined:
            self.body(f"{label}/avro", joined, "" if records is not None else "avro/binary",
                      depth + 1)

    def _grpc(self, label: str, frames: list[tuple[int, bytes]], depth: int) -> None:
        """Round 19: the messages of a gRPC (or gRPC-web) body, its 5-byte prefixes taken off
        and compressed ones inflated, each read as protobuf (the message type is unknown: as
        fields where it parses whole) and as an undeclared octet-stream body is read (the
        first MAX_GRPC_MESSAGES apart, the rest together). Before, +proto bodies were walked
        whole as protobuf, and the frame prefix refused every clean request."""
        opts = self.options
        messages: list[bytes] = []
        for flag, message in frames:
            if flag & 1:
                coding = _member_coding(message)
                try:
                    message = decompress(message, coding, limit=opts.max_inspect_bytes,
                                         ratio=opts.max_decompression_ratio)
                except PayloadError:
                    raise Uninspectable(Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE,
                                        f"{label}: a compressed gRPC message that does not "
                                        "inflate (gzip, deflate, zstd)") from None
                self.produce(len(message))
            messages.append(message)
        rest = messages[MAX_GRPC_MESSAGES:]
        # (the rest as one message: protobuf messages one after the other are one, merged)
        fields = [text for m in [*messages[:MAX_GRPC_MESSAGES], b"".join(rest)]
                  if m and (text := serialized.tree_text("protobuf", m))]
        if len(fields) < len(messages) and any(serialized.protobuf_too_large(m) for m in [
                *messages[:MAX_GRPC_MESSAGES], b"".join(rest)] if m):
            # (round 20: a message of more values than are written out, such as a long
            # packed run, was read as bytes only, and the numbers in it not at all)
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"{label}: a gRPC message of more than "
                                f"{serialized.MAX_ITEMS} values")
        if fields:
            self.view(f"{label}/grpc/protobuf", "\n".join(fields))
        for n, message in enumerate(messages[:MAX_GRPC_MESSAGES]):
            with contextlib.suppress(PayloadError):
                self.body(f"{label}/grpc[{n}]", message, "application/octet-stream", depth + 1)
        if rest:
            with contextlib.suppress(PayloadError):
                self.body(f"{label}/grpc[{MAX_GRPC_MESSAGES}:]", b"\n".join(rest),
                          "application/octet-stream", depth + 1)

    def _prefixed_members(self, label: str, data: bytes, depth: int) -> None:
        """Round 19: gzip or zlib members each after a short length prefix (a 4-byte length
        and a gzip member, a gRPC frame in octets, records of 1, 2 or 4 bytes' length one
        after the other), and gzip members anywhere else (to their length prefix, or to the
        end), in an undeclared body, inflated and read as bodies (MAX_PREFIXED_MEMBERS)."""
        spans: list[tuple[int, int]] = []
        pos = 0
        while len(spans) < MAX_PREFIXED_MEMBERS and (found := _prefixed_member(data, pos)):
            spans.append(found)
            pos = found[1]
        walked = {start for start, _ in spans}
        for m in _GZIP_MEMBER.finditer(data, 1):
            if len(spans) >= MAX_PREFIXED_MEMBERS:
                break
            if m.start() not in walked:
                spans.append((m.start(), _member_end(data, m.start(), 0) or len(data)))
        for n, (start, _) in enumerate(spans):
            # (a length that is no member's aside: the member as it inflates, to its end)
            inner = _inflated_member(data, start, self.options)
            if inner:
                self.produce(len(inner))
                with contextlib.suppress(PayloadError):
                    self.body(f"{label}/prefixed[{n}]", inner, "", depth + 1)

    def part(self, label: str, part: _Part, depth: int, form_charset: str | None = None
             ) -> None:
        data = part.body
        disposition = part.headers.get("content-disposition", "")
        if "*" in disposition and len(disposition) <= 2048:
            joined = rfc2231_params(disposition)
            if joined:
                self.view(f"{label}/disposition", joined)
        # "base64 (comment)": the token, not the comment (RFC 2045 s.6.1 allows comments).
        cte = (part.headers.get("content-transfer-encoding", "").lower().split() or [""])[0]
        for value in part.headers.values():
            # RFC 2047 encoded words (a filename, a description); the decoder is quadratic in
            # unclosed words, so only bounded values that close one are decoded.
            if "=?" in value and "?=" in value and len(value) <= 2048:
                with contextlib.suppress(Exception):
                    words = email.header.decode_header(value)
                    self.view(f"{label}/encoded-words", "".join(
                        (_declared_reading(w, c or "utf-8") or w.decode("utf-8", "replace"))
                        if isinstance(w, bytes) else w for w, c in words))
        try:
            if cte == "base64":
                data = base64.b64decode(re.sub(rb"\s+", b"", data), validate=False)
            elif cte in ("x-uuencode", "uuencode", "x-uue"):
                data = uudecoded(data)
            elif cte == "quoted-printable":
                data = quopri.decodestring(data)
        except (binascii.Error, ValueError):
            raise PayloadError(f"{label}: invalid {cte} content") from None
        default = f"text/plain; charset={form_charset}" if form_charset else "text/plain"
        self.body(label, data, part.headers.get("content-type", default), depth,
                  part.headers.get("content-encoding", ""))

    def _gzip_names(self, label: str, data: bytes, depth: int) -> None:
        """The original file name and comment of a gzip member (RFC 1952 FNAME, FCOMMENT):
        what `gunzip -N` or an upload handler names the file."""
        text = gzip_header_text(data)
        if text:
            self.add_text(f"{label}/gzip-name", text, "latin-1", depth=depth + 1)

    def _tar(self, label: str, data: bytes, depth: int) -> None:
        """The members of a (ustar/pax/GNU) tar archive, each inspected as a body: a member can
        be compressed or encoded where the raw archive text does not show it. (Names and pax
        headers are plain text in the archive, read with it.) An archive tarfile cannot read
        is left to the raw text reading."""
        opts = self.options
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
                for n, info in enumerate(archive):
                    if n >= MAX_ZIP_MEMBERS:
                        raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                            f"{label}: more than {MAX_ZIP_MEMBERS} tar members")
                    if not info.isfile() or not info.size:
                        continue
                    fh = archive.extractfile(info)
                    if fh is None:
                        continue
                    content = fh.read(opts.max_inspect_bytes + 1)
                    self.produce(len(content))
                    self.body(f"{label}/tar[{n}]", content, "", depth + 1)
        except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError):
            return

    def _zip(self, label: str, data: bytes, depth: int) -> None:
        opts = self.options
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
                if len(members) > MAX_ZIP_MEMBERS:
                    raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                        f"{label}: more than {MAX_ZIP_MEMBERS} zip members")
                # What an unpacking receiver keeps besides the content: member names (a scan
                # saved as "110101199003071233.jpg"), member comments, the archive comment.
                names = [archive.comment] + [i.filename.encode("utf-8", "replace") + b"\n"
                                             + i.comment + _zip_unicode_extras(i.extra)
                                             for i in members]
                listing = b"\n".join(n for n in names if n)
                if listing:
                    self.add_text(f"{label}/zip-names", listing, None, depth=depth + 1)
                styles = next((i for i in members if i.filename == "word/styles.xml"), None)
                if styles is not None and styles.file_size <= opts.max_inspect_bytes:
                    # (round 19: a DOCX's hidden character styles, for its document's runs)
                    with archive.open(styles) as fh:
                        self.office_hidden_styles = office_hidden_styles(
                            fh.read(opts.max_inspect_bytes + 1))
                total = 0
                for n, info in enumerate(members):
                    if info.file_size == 0 and info.compress_size == 0:
                        continue  # a directory entry (a name ending in / can still hold data)
                    with archive.open(info) as fh:
                        content = fh.read(opts.max_inspect_bytes + 1)
                    total += len(content)
                    self.produce(len(content))
                    if total > opts.max_inspect_bytes or (
                            total > max(len(data), 1) * opts.max_decompression_ratio):
                        raise Uninspectable(Reason.PAYLOAD_TOO_LARGE_TO_INSPECT,
                                            f"{label}: zip content beyond the inspection limit")
                    self.body(f"{label}/zip[{n}]", content, "", depth + 1)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
                OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, IndexError,
                KeyError, OverflowError, UnicodeDecodeError, struct.error) as exc:
            raise PayloadError(f"{label}: zip archive cannot be read "
                               f"({type(exc).__name__})") from None


_RTF_UNICODE = re.compile(r"\\u(-?\d{1,6}) ?(?:\\'[0-9a-fA-F]{2}|[^\\{}])?")
_RTF_BYTES = re.compile(r"(?:\\'[0-9a-fA-F]{2})+")
_RTF_CODEPAGE = re.compile(r"\\ansicpg(\d{3,5})")
_RTF_BREAK = re.compile(r"\\\\|\\(par|line|sect|page|row|cell|tab|emspace|enspace|qmspace)"
                        r"(?![a-zA-Z])(?:-?\d{1,10})? ?|\\(\n|\r|\t)")
_RTF_CONTROL = re.compile(r"\\([a-zA-Z]{1,32})(?:-?\d{1,10})? ?|\\([^a-zA-Z])|[{}]")


# (round 11: also a field's code split over runs, w:instrText ('HYPERLINK "tel:139..."'), and
# a spreadsheet's inline strings, <c t="inlineStr"><is><r><t>)
_OFFICE_TEXT = re.compile(rb"<(?:w:t|a:t|text:span|text:p|text:h|w:instrText)[ >]|<si><r>|<is>")
# Where a shown line ends: a paragraph, a shared string, a line break; a tab shows as one. A
# table's cell ends with " |\n" (round 11: with a line end alone, "139", "1234", "5678" in
# three cells of a row were read as a mobile, which the digit rules read over line ends).
_OFFICE_CELL = re.compile(rb"</(?:w:tc|a:tc|table:table-cell|table:covered-table-cell|c)>")
_OFFICE_BREAK = re.compile(rb"</(?:w:p|a:p|text:p|text:h|si)>"
                           rb"|<(?:w:br|w:cr|a:br|text:line-break)\b[^<>]{0,200}>")
_OFFICE_DELETED = re.compile(rb"<w:delText\b[^<>]{0,200}>[^<]*</w:delText>")
_OFFICE_TAB = re.compile(rb"<(?:w:tab|text:tab)\b[^<>]{0,200}>")
_ANY_TAG = re.compile(rb"<[^<>]{0,4096}>")


_XLSB_SHEET = b"\x81\x01"  # BIFF12 BrtBeginSheet (record 129): an .xlsb sheet stream's start
MAX_XLSB_RECORDS = 1_000_000  # records of one sheet walked; more is refused as too complex


def xlsb_cells(data: bytes) -> str:
    """Round 20: the cells of an .xlsb worksheet stream (BIFF12 records: a type and a size as
    7-bit varints, then the data), one line a row, " | " between cells: numbers as Excel
    shows them (BrtCellReal 5 and BrtFmlaNum 9 an 8-byte double, BrtCellRk 2 an RK number;
    an integral double as its integer, 13912345678, as scientific() reads XLSX's
    1.3912345678E10) and inline strings (BrtCellSt 6, BrtFmlaString 8). Read to where the
    records stop being records."""
    lines: list[str] = []
    row: list[str] = []
    i = count = 0
    while i < len(data):
        count += 1
        if count > MAX_XLSB_RECORDS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"more than {MAX_XLSB_RECORDS} records in an .xlsb sheet")
        kind, i = _xlsb_varint(data, i, 2)
        size, i = _xlsb_varint(data, i, 4)
        if kind < 0 or size < 0 or i + size > len(data):
            break
        record = data[i:i + size]
        i += size
        if kind == 0 and row:  # BrtRowHdr: a new row
            lines.append(" | ".join(row))
            row = []
        elif kind in (5, 9) and size >= 16:
            row.append(_xlsb_number(struct.unpack_from("<d", record, 8)[0]))
        elif kind == 2 and size >= 12:
            row.append(_xlsb_number(_rk_number(int.from_bytes(record[8:12], "little"))))
        elif kind in (6, 8) and size >= 12:
            chars = int.from_bytes(record[8:12], "little")
            row.append(record[12:12 + 2 * chars].decode("utf-16-le", "replace"))
    if row:
        lines.append(" | ".join(row))
    return "\n".join(lines)


def _xlsb_varint(data: bytes, i: int, width: int) -> tuple[int, int]:
    """A BIFF12 record type (at most 2 bytes) or size (4): (value, next); (-1, i) past the
    end or the width."""
    value = 0
    for n in range(width):
        if i + n >= len(data):
            return -1, i
        value |= (data[i + n] & 0x7F) << (7 * n)
        if not data[i + n] & 0x80:
            return value, i + n + 1
    return -1, i


def _rk_number(rk: int) -> float:
    """An RK number ([MS-XLSB] 2.5.122): a 30-bit integer or a double's top 30 bits, /100 if
    its low bit says so."""
    value = float((rk >> 2) - ((rk >> 31) << 30)) if rk & 2 else struct.unpack(
        "<d", ((rk & 0xFFFFFFFC) << 32).to_bytes(8, "little"))[0]
    return value / 100 if rk & 1 else value


def _xlsb_number(value: float) -> str:
    return (str(int(value)) if math.isfinite(value) and value.is_integer() and abs(value) < 1e21
            else repr(value))


def office_text(data: bytes) -> str:
    """The text of an office document's XML as a reader shows it: the runs of a paragraph
    joined (every tag inside it gone), a line for each paragraph, cell or break, entities
    decoded."""
    text = _OFFICE_TAB.sub(b"\t", _OFFICE_BREAK.sub(b"\n", _OFFICE_CELL.sub(b" |\n", data)))
    return html.unescape(_ANY_TAG.sub(b"", text).decode("utf-8", "replace"))


# Round 19: runs a word processor does not show: Word's <w:vanish/> (directly, or through a
# character style that has it, basedOn included; w:specVanish too) and Writer's spans whose
# style says text:display="none". A decoy between the digits ("1101011990<hidden>XXXX
# </hidden>03071233") breaks the number in office_text; office_shown_text leaves them out.
_W_VANISH = re.compile(rb"<w:(?:vanish|specVanish)\b(?![^<>]{0,200}w:val=\"(?:0|false|off)\")")
_W_RUN_START = re.compile(rb"<w:r[\s>]")
_W_STYLE_START = re.compile(rb"<w:style\b")
_W_STYLE_ID = re.compile(rb"w:styleId=\"([^\"]{1,256})\"")
_W_BASED_ON = re.compile(rb"<w:basedOn\s+w:val=\"([^\"]{1,256})\"")
_W_RUN_STYLE = re.compile(rb"<w:rStyle\s+w:val=\"([^\"]{1,256})\"")
_ODF_STYLE_START = re.compile(rb"<style:style\b([^<>]{0,1024})>")
_ODF_STYLE_NAME = re.compile(rb"style:name=\"([^\"]{1,256})\"")
_ODF_SPAN = re.compile(rb"<text:span\b([^<>]{0,4096})>|</text:span>")
_ODF_SPAN_STYLE = re.compile(rb"text:style-name=\"([^\"]{1,256})\"")
MAX_OFFICE_STYLES = 4096


def office_hidden_styles(styles: bytes) -> frozenset[bytes]:
    """The character styles of a Word styles part that hide their runs (w:vanish in the
    style, or in the style it is based on, at most 16 levels)."""
    if b"vanish" not in styles.lower():
        return frozenset()
    based: dict[bytes, bytes] = {}
    hidden: set[bytes] = set()
    for piece in styles.split(b"</w:style>")[:MAX_OFFICE_STYLES]:  # (linear: no .*? per start)
        start = functools.reduce(lambda _, m: m, _W_STYLE_START.finditer(piece), None)
        if start is None:
            continue
        style = piece[start.start():]
        sid = _W_STYLE_ID.search(style)
        if sid is None:
            continue
        if _W_VANISH.search(style):
            hidden.add(sid.group(1))
        elif (base := _W_BASED_ON.search(style)) is not None:
            based[sid.group(1)] = base.group(1)
    for _ in range(16):
        more = {s for s, b in based.items() if b in hidden} - hidden
        if not more:
            break
        hidden |= more
    return frozenset(hidden)


def office_shown_text(data: bytes, hidden_styles: frozenset[bytes] = frozenset()) -> str | None:
    """office_text of `data` with the runs a reader does not show left out (see above);
    None when it hides none. Linear: runs are cut at each </w:r> and spans walked once."""
    kept = data
    if b"<w:r" in data and (b"anish" in data or (hidden_styles and b"w:rStyle" in data)):
        pieces = data.split(b"</w:r>")
        out: list[bytes] = []
        for piece in pieces[:-1]:
            start = functools.reduce(lambda _, m: m, _W_RUN_START.finditer(piece), None)
            if start is not None:
                run = piece[start.start():]
                style = _W_RUN_STYLE.search(run)
                if _W_VANISH.search(run) or (style and style.group(1) in hidden_styles):
                    out.append(piece[:start.start()])
                    continue
            out.append(piece + b"</w:r>")
        out.append(pieces[-1])
        kept = b"".join(out)
    if b"text:display=\"none\"" in kept and b"<text:span" in kept:
        names = set()
        for piece in kept.split(b"</style:style>")[:MAX_OFFICE_STYLES]:
            if b'text:display="none"' not in piece:
                continue
            head = functools.reduce(lambda _, m: m, _ODF_STYLE_START.finditer(piece), None)
            if head is not None and b'text:display="none"' in piece[head.start():] and (
                    name := _ODF_STYLE_NAME.search(head.group(1))):
                names.add(name.group(1))
        cuts: list[tuple[int, int]] = []
        depth, hidden_at = 0, -1  # (the depth of the outermost hidden span open)
        begin = 0
        for m in _ODF_SPAN.finditer(kept):
            if m.group(1) is not None:
                depth += 1
                style = _ODF_SPAN_STYLE.search(m.group(1))
                if hidden_at < 0 and style and style.group(1) in names:
                    hidden_at, begin = depth, m.start()
            else:
                if depth == hidden_at:
                    cuts.append((begin, m.end()))
                    hidden_at = -1
                depth = max(0, depth - 1)
        if cuts:
            parts, last = [], 0
            for a, b in cuts:
                parts.append(kept[last:a])
                last = b
            parts.append(kept[last:])
            kept = b"".join(parts)
    return office_text(kept) if kept != data else None


_RTF_LINE_BREAK = re.compile(rb"\\(?:\\|\r\n|\r|\n)")


def _rtf_line_break(m: re.Match[bytes]) -> bytes:
    """A backslash before a raw line end as the \\par it is; an escaped backslash kept."""
    return m.group() if m.group() == b"\\\\" else b"\\par "


def rtf_text(text: str) -> str:
    """The text of an RTF document (`text`: its bytes as latin-1): \\uN (with its one fallback
    character) and \\'hh runs (in the \\ansicpg code page, cp1252 by default) as characters,
    control words, control symbols and groups' braces removed. Linear: four regex passes."""
    page = _RTF_CODEPAGE.search(text[:4096])
    codec = f"cp{page.group(1)}" if page else "cp1252"

    def as_bytes(m: re.Match[str]) -> str:
        raw = bytes.fromhex(m.group().replace("\\'", ""))
        try:
            return raw.decode(codec, "replace")
        except LookupError:
            return raw.decode("cp1252", "replace")

    def control(m: re.Match[str]) -> str:
        # Round 21: a break (\par, \line, \tab, \sect, \page, \cell, \row, "\" before a
        # line end) is the newline or tab a reader sees, as in the shown text: "1391\tab
        # 2345678" on an invoice line is two numbers. Other control words are nothing.
        if m.group(1) is not None:
            return _RTF_BREAKS.get(m.group(1), "")
        return "\n" if m.group(2) in ("\n", "\r") else ("\t" if m.group(2) == "\t" else "")

    text = _RTF_UNICODE.sub(lambda m: chr(int(m.group(1)) % 65536), text)
    text = _RTF_BYTES.sub(as_bytes, text)
    # (round 22: the breaks first, each a Python step, then the other control words, braces
    # and escaped backslashes removed in C: a step for each of 50k "{\b 1}" took ~0.15 s.
    # An escaped backslash is kept by the first pass, so "\\par" stays text.)
    text = _RTF_BREAK.sub(lambda m: _RTF_BREAKS[m.group(1)] if m.group(1) is not None else (
        m.group() if m.group(2) is None else _RTF_SYMBOLS[m.group(2)]), text)
    return _RTF_CONTROL.sub("", text)


# Round 20: RTF as a reader shows it (RTF 1.9.1): a token is a group brace, a control word
# (its parameter and one space delimiter), \'hh, a control symbol, or a run of text.
_RTF_TOKEN = re.compile(r"[{}]|\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|"
                        r"[^\\{}]+", re.DOTALL)
# Destinations whose text is not shown: tables, metadata, pictures and objects (the
# ignorable ones are {\* ...}); \fldinst (a field's instruction, a "tel:" link) is read,
# apart from the text around it.
_RTF_UNSHOWN = frozenset({
    "fonttbl", "colortbl", "stylesheet", "info", "pict", "listtable", "listoverridetable",
    "rsidtbl", "generator", "themedata", "colorschememapping", "latentstyles", "datastore",
    "xmlnstbl", "filetbl", "revtbl", "objdata", "nonshppict", "bkmkstart", "bkmkend",
    "userprops", "docvar", "private", "listtext", "pntext"})
_RTF_BREAKS = {"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n",
               "cell": "\t", "tab": "\t", "emspace": " ", "enspace": " ", "qmspace": " "}
_RTF_SYMBOLS = {"~": " ", "_": "-", "-": "", "\\": "\\", "{": "{", "}": "}", "\n": "\n",
                "\r": "\n", "\t": "\t"}
_RTF_UNICODE_WORD = re.compile(r"\\u-?[0-9]")
# (not after a letter, digit, hyphen, quote or backslash: "\\b{1}" is not "\\b1")
_RTF_PLAIN_GROUP = re.compile(
    r"(?<![0-9A-Za-z\\'-])\{(?:\\(?:b|i|ul|ulnone|uld|uldb|ulw|strike|striked|f|fs|cf|cb|"
    r"highlight|super|sub|nosupersub|caps|scaps|outl|shad|lang|langfe|langnp|langfenp|loch|"
    r"hich|dbch|insrsid|charrsid|kerning|expnd|expndtw|charscale|up|dn|rtlch|ltrch|ab|ai|af|"
    r"afs|cs|noproof)(?:-?[0-9]{1,10})?(?![A-Za-z]) ?)*([^\\{}]*)\}")
MAX_RTF_SOURCE_GROUPS = 2_000  # groups past which an RTF source is read as its text only
MAX_RTF_TOKENS = 2_000_000  # tokens of one RTF document read as shown (~1 s); more: refused


@dataclass(slots=True)
class _RtfGroup:
    uc: int = 1  # fallback characters after each \uN (\ucN)
    hidden: bool = False  # \v ... \v0
    unshown: bool = False  # a destination whose text is not shown
    apart: bool = False  # a field instruction: read apart from the text around it


# Round 24: destinations whose text a reader shows elsewhere, not where they stand: notes at
# the page's foot or the document's end, headers and footers, comments, index and table of
# contents entries, a shape's text box. Read apart (a line of their own) as a field's
# instruction is; and, in the inline reading, left out with the instruction: a page shows
# "11010119{\field{\*\fldinst 5}{\fldrslt }}9003071233" or "...{\footnote 5}..." as the
# ID, the 5 elsewhere or nowhere.
_RTF_ELSEWHERE = frozenset({
    "footnote", "header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr",
    "footerf", "annotation", "atnref", "xe", "tc", "tcn", "shptxt", "txe", "rxe", "bxe"})
_RTF_INLINE_MARKS = re.compile(r"\\(?:fldinst|footnote|header[lrf]?|footer[lrf]?|annotation|"
                               r"atnref|xe|tcn?|shptxt|txe|rxe|bxe)(?![a-z])")


def rtf_inline_marked(text: str) -> bool:
    """Whether an RTF document (`text`) holds a field or a destination shown elsewhere (see
    _RTF_ELSEWHERE): worth the inline reading."""
    return _RTF_INLINE_MARKS.search(text) is not None


def rtf_shown_text(text: str, inline: bool = False) -> str:
    """The text a reader of an RTF document (`text`: its bytes as latin-1) shows: \\uN with
    its \\ucN fallback characters skipped (GBK \\'hh pairs, '?', the ANSI digit: what a reader
    without Unicode shows instead), \\'hh runs in the \\ansicpg code page, hidden text (\\v)
    and unshown destinations (font, colour and style tables, \\info, pictures, ignorable
    {\\* ...} groups such as Word's bookmarks) left out; fields' instructions and what is
    shown elsewhere (_RTF_ELSEWHERE) read apart, or left out when `inline`. Linear: one pass
    over the tokens."""
    page = _RTF_CODEPAGE.search(text[:4096])
    codec = f"cp{page.group(1)}" if page else "cp1252"
    try:
        b"".decode(codec)
    except LookupError:
        codec = "cp1252"
    if _RTF_UNICODE_WORD.search(text) is None and "\\bin" not in text:
        # Round 22: a group of character formatting and text alone ("{\\b 1}") is its text
        # where it stands (with no \\uN no fallback is skipped, and a group's formatting
        # shows nothing): one C pass, not a Python step per token (~5 us a group)
        text, collapsed = _RTF_PLAIN_GROUP.subn(r"\1", text)
        base = 2 * collapsed  # (each group's braces: tokens still, for MAX_RTF_TOKENS)
    else:
        base = 0
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (a GBK character is two)
    units: list[int] = []  # \uN code units (a surrogate pair is two)
    stack = [_RtfGroup()]
    skip = 0  # fallback characters still to skip

    def flush() -> None:
        if pending:
            out.append(pending.decode(codec, "replace"))
            pending.clear()
        if units:
            out.append(b"".join(u.to_bytes(2, "little") for u in units).decode(
                "utf-16-le", "replace"))
            units.clear()

    def emit(piece: str) -> None:
        state = stack[-1]
        if not state.hidden and not state.unshown:
            flush()
            out.append(piece)

    for count, m in enumerate(_RTF_TOKEN.finditer(text), base):
        if count >= MAX_RTF_TOKENS:
            raise Uninspectable(Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                f"RTF document of more than {MAX_RTF_TOKENS} tokens")
        got = m.group()
        word, param, hexbyte, symbol = m.group(1), m.group(2), m.group(3), m.group(4)
        if got == "{":
            skip = 0
            stack.append(_RtfGroup(stack[-1].uc, stack[-1].hidden, stack[-1].unshown))
            continue
        if got == "}":
            skip = 0
            if len(stack) > 1 and stack.pop().apart:
                emit("\n")
            continue
        state = stack[-1]
        if word is None and hexbyte is None and symbol is None:  # a run of text
            run = got.replace("\r", "").replace("\n", "")
            if skip:
                taken = min(skip, len(run))
                run, skip = run[taken:], skip - taken
            if run:
                emit(run)
            continue
        run = ""
        if word == "u" and param is not None and not -32768 <= int(param) <= 65535:
            # A fallback digit written with no space after \uN ("\u-652311": U+FF11, then
            # "1"): the longest parameter in range is N, the digits after it are text.
            keep = len(param)
            while keep > 1 and not -32768 <= int(param[:keep]) <= 65535:
                keep -= 1
            param, run = param[:keep], param[keep:] + (" " if got.endswith(" ") else "")
        elif word == "u" and param is not None and 0 < state.uc <= 2 < len(param):
            # ... or with one in range: "\u-2391" read as U+FF11 and its fallback "1", when
            # that fallback is the character's own ANSI form (NFKC), as writers put it
            for k in range(1, state.uc + 1):
                head, tail = param[:-k], param[-k:]
                if head.lstrip("-") and unicodedata.normalize(
                        "NFKC", chr(int(head) % 65536)) == tail:
                    param, run = head, tail + (" " if got.endswith(" ") else "")
                    break
        if skip:  # a fallback \'hh, control word or symbol counts as one character
            skip -= 1
            continue
        if hexbyte is not None:
            if not state.hidden and not state.unshown:
                if units:
                    flush()
                pending.append(int(hexbyte, 16))
            continue
        if symbol is not None:
            if symbol == "*":
                state.unshown = True  # (an ignorable destination: unknown or not shown)
            elif symbol in _RTF_SYMBOLS:
                emit(_RTF_SYMBOLS[symbol])
            continue
        if word == "u" and param is not None:
            if not state.hidden and not state.unshown:
                if pending:
                    flush()
                units.append(int(param) % 65536)
            skip = state.uc
            if run:  # (the digits after an out-of-range parameter: fallback text)
                taken = min(skip, len(run))
                run, skip = run[taken:], skip - taken
                if run:
                    emit(run)
        elif word == "uc" and param is not None:
            state.uc = max(0, min(int(param), 16))
        elif word == "v":
            state.hidden = param != "0"
        elif word == "plain":
            state.hidden = False
        elif word == "bin" and param is not None:
            pass  # (binary data follows; its bytes are read as text runs of the group)
        elif word == "fldinst" or word in _RTF_ELSEWHERE:
            if inline:
                state.unshown = True
                continue
            state.unshown = len(stack) > 1 and stack[-2].unshown
            state.apart = True
            emit("\n")
        elif word in _RTF_UNSHOWN:
            state.unshown = True
        elif word in _RTF_BREAKS:
            emit(_RTF_BREAKS[word])
    flush()
    return "".join(out)


_FOLDED_TYPES = frozenset({"text/calendar", "text/vcard", "text/x-vcard", "text/directory"})
_FOLDED_LINE = re.compile(rb"\r?\n[ \t]")


def _order(tokens_: list[tuple[str, Token]]) -> list[tuple[str, Token]]:
    """Decision-relevant first: the youngest ID (child protection), mainland IDs, mainland
    mobiles, then the rest in order found."""
    ids = [t for t in tokens_ if t[1].kind == "resident_id"]
    youngest = max(ids, key=lambda t: t[1].birth_date or dt.date.min, default=None)
    return sorted(tokens_, key=lambda t: (
        t is not youngest, t[1].jurisdiction != MAINLAND, t[1].kind != "resident_id"))


def findings(found: Iterable[tuple[str, Token]], *, key: bytes, max_subjects: int
             ) -> tuple[tuple[IdFinding, ...], tuple[PhoneFinding, ...], dict[str, int]]:
    """Tokens -> pseudonymised findings, one per distinct identifier, capped."""
    distinct: dict[tuple[str, str], tuple[str, Token]] = {}
    for label, token in found:
        distinct.setdefault((token.kind, token.value), (label, token))
    counts: dict[str, int] = {}
    for kind, _ in distinct:
        counts[kind] = counts.get(kind, 0) + 1
    ids: list[IdFinding] = []
    phones: list[PhoneFinding] = []
    for label, token in _order(list(distinct.values()))[:max_subjects]:
        where = f"{label}@{token.offset}"
        subject = Subject(token.kind, pseudonymise(key, token.kind, token.value))
        if token.kind == "resident_id":
            assert token.birth_date is not None
            ids.append(IdFinding(where, token.jurisdiction, token.birth_date, subject))
        else:
            phones.append(PhoneFinding(where, token.jurisdiction, token.mobile, subject))
    return tuple(ids), tuple(phones), counts


_TOO_COMPLEX = PayloadScan(False, note="inspection needs more work than "
                           "payload.inspect_budget allows",
                           error=Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT)


def scan_views(views: Iterable[tuple[str, str | bytes]], *, key: bytes, today: dt.date,
               options: InspectOptions, inspected: bool, note: str) -> PayloadScan:
    budget = Budget(options.budget)
    found: list[tuple[str, Token]] = []
    try:
        for label, text in views:
            for token in tokens(text, today=today, resident_ids=options.resident_ids,
                                phones=options.phones, budget=budget):
                found.append((label, token))
    except BudgetExceeded:
        return _TOO_COMPLEX
    if not found:
        return PayloadScan(inspected, note=note)  # the common case: nothing to pseudonymise
    return _scanned(found, key=key, options=options, inspected=inspected, note=note)


def _scanned(found: list[tuple[str, Token]], *, key: bytes, options: InspectOptions,
             inspected: bool, note: str) -> PayloadScan:
    ids, phones, counts = findings(found, key=key, max_subjects=options.max_subjects)
    return PayloadScan(inspected, ids, phones, note, counts=tuple(sorted(counts.items())))


def structured(content_type: str) -> bool:
    """Declared as a structure a receiver parses whatever its first bytes are (multipart
    preambles are ignored, forms and JSON parsed, text read): never media by signature."""
    ctype = content_type.split(";")[0].strip().lower()
    return (ctype.startswith(("multipart/", "text/")) or ctype in (
        "application/x-www-form-urlencoded", "application/json", "application/xml")
        or ctype.endswith(("+json", "+xml"))
        # (round 19: gRPC frames, whose 4-byte length and first bytes could spell "ftyp")
        or serialized.declared(ctype) in ("grpc", "grpc-web-text"))


_COMMON_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded",
                           "multipart/form-data", "text/plain", "application/octet-stream",
                           "image/jpeg", "image/png", "video/mp4", "application/pdf"})


def shown_type(content_type: str) -> str:
    """A declared media type as records may show it (never a parameter, never client junk)."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in _COMMON_TYPES:
        return ctype
    if (re.fullmatch(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}", ctype)
            and not may_hold_identifier(ctype)):
        return ctype
    return "untyped" if not ctype else "unrecognised type"


def inspect_body(body: bytes, *, content_type: str, content_encoding: str = "", key: bytes,
                 today: dt.date, options: InspectOptions = InspectOptions()) -> PayloadScan:
    """Inspect a whole request body (as received: `content_encoding` is undone here)."""
    if not body:
        return PayloadScan(True, note="empty body")
    shown = shown_type(content_type)
    work = _Inspection(options)
    try:
        work.body("body", body, content_type, 0, content_encoding)
    except PayloadError as exc:
        return PayloadScan(False, note=f"{shown} body refused: {exc}",
                           error=Reason.MALFORMED_PAYLOAD)
    except Uninspectable as exc:
        return PayloadScan(False, note=f"{shown} body refused: {exc.note}", error=exc.reason)
    note = f"{shown} body inspected ({len(body)} bytes, {len(work.views)} views)"
    if work.notes:
        note += "; " + "; ".join(work.notes)
    inspected = bool(work.views)
    return scan_views(work.views, key=key, today=today, options=options, inspected=inspected,
                      note=note)


def scan_json(body: bytes, *, key: bytes, today: dt.date, resident_ids: bool = True,
              phones: bool = True) -> PayloadScan:
    """Inspect a JSON body; raises PayloadError when it is not JSON (tests and tools)."""
    validate_json(body)
    return inspect_body(body, content_type="application/json", key=key, today=today,
                        options=InspectOptions(resident_ids=resident_ids, phones=phones))


# -- the request line -----------------------------------------------------------------------

# Headers whose values are framing, or which the gateway rewrites (X-Forwarded-For: only the
# addresses it read are passed on). The credentials tenant identification reads are skipped by
# the caller (`skip_headers`), and only those its mode reads. Every other header a client
# sends and the upstream receives (custom X- headers, Cookie, Referer, Origin, User-Agent,
# Authorization with its base64 or JWT payload, request ids, If-None-Match, Via, the consent
# reference, ...) is inspected.
PROTOCOL_HEADERS = frozenset({
    "host", "content-length", "content-type", "transfer-encoding",
    "connection", "keep-alive", "te", "trailer", "upgrade", "expect",
    "x-forwarded-for",
})
# (Trace headers, Baggage, Forwarded and X-Real-IP are read like any other: a client writes
# them and they reach the upstream as written, so "Baggage: userId=110101..." went abroad
# unread (smuggling round 6). A trace header whose value has exactly its standard form, hex
# ids and flags only, is the one exception: such a value is new on every request, so the
# memo never spares it (three of them took the request line from 22 to 278 us), and it holds
# nothing the scan would read (fixed-width hex ids: one run no identifier is cut from, or
# noise). Any other value of theirs, anything a client adds, is read.)
_TRACE_FORMS = {name: re.compile(form) for name, form in {
    "traceparent": r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}",
    "sentry-trace": r"[0-9a-f]{32}(?:-[0-9a-f]{16}(?:-[01])?)?",
    "x-b3-traceid": r"[0-9a-f]{16}|[0-9a-f]{32}",
    "x-b3-spanid": r"[0-9a-f]{16}",
    "x-b3-parentspanid": r"[0-9a-f]{16}",
    "x-b3-sampled": r"[01]|true|false|d",
    "x-amzn-trace-id": r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}(?:;Parent=[0-9a-f]{16})?"
                       r"(?:;Sampled=[01?])?",
}.items()}
_ASCII_DIGIT_GROUP = re.compile(r"[0-9]+")
_LINE_CODINGS = frozenset({*_CODINGS, "identity", ""})
_PATH_PUNCTUATION = str.maketrans(";,:=", "    ")
PLACEMENT_MARKER = "rg_placed"  # query parameter a redirect adds (see gateway placement)


@functools.lru_cache(maxsize=1024)
def _names_may_hold(names: str) -> bool:
    """may_hold_identifier of a request's header names, remembered: a client sends the same
    names on every request (the check was ~1.5% of a request's CPU under load)."""
    return may_hold_identifier(names) or _RADIX_HEX.search(names) is not None  # (round 8)


def _line_entries(path: str, query: str, headers: Iterable[tuple[str, str]],
                  skip_headers: Iterable[str]) -> list[tuple[str, str]]:
    """The texts of a request line to read, each with its label: the path, query string and
    inspectable header values, the joinings a receiver makes of them (repeated parameters,
    repeated headers, short fields side by side), and what a receiver decodes from one
    (non-UTF-8 bytes, encoded words, RFC 2231 parameters)."""
    named = {h.lower() for h in skip_headers}  # (the tenant and API-key headers)
    skip = PROTOCOL_HEADERS | named
    base: list[tuple[str, str]] = [("path", path)]
    if query:
        base.append(("query", query))
        if _any_digit(path) or has_said_digit(path):
            # "/ids/110101?rest=19900307...", "/ids/110101/x?rest=19900307..." (or said)
            base.append(("target", f"{path}?{query}"))
    if query and ascii_digits(query.encode("utf-8", "replace")) >= 6:
        grouped = _grouped_params(query)
        if grouped:
            # Repeated parameters as a framework reads them: one list per name, in index
            # order ("id=110101&page=2&id=19900307&id=1233", "id[2]=1233&id[0]=110101&...";
            # Spring binds such a list to a String joined with commas).
            base.append(("query/grouped", grouped))
    fields: list[str] = []
    repeated: dict[str, list[str]] = {}
    cookies: list[str] = []
    names: list[str] = []
    numbered: list[tuple[str, str]] = []  # headers whose name holds a digit
    for name, value in headers:
        lname = name.lower()
        if lname.startswith("x-residency-"):
            continue  # (dropped: only the gateway's own reach the upstream)
        names.append(lname)
        read = lname not in skip and not (
            lname in _TRACE_FORMS and _TRACE_FORMS[lname].fullmatch(value))
        if read and _any_digit(lname) and len(value) <= MAX_FIELD_BYTES:
            numbered.append((lname, value))
        if lname == "content-type" and lname not in named:
            # The media type and its parameters reach the upstream as written ("application/
            # json; profile=<ID>" went abroad unread: smuggling round 6, and so did
            # "application/vnd.<ID>+json"): read, a multipart boundary included. (It was
            # skipped as "held by the body, read there"; but a GET or an empty body holds
            # none, a second boundary parameter or text after the token is in no body, and
            # each carried an ID to SG unread: red team round 7. A random boundary costs one
            # read the memo cannot spare, ~80 us, beside the multipart body's own.)
            if value.strip().lower() not in _COMMON_TYPES:
                media, semi, params = value.partition(";")
                if (text := f"{media}; {params}" if semi else media).strip(" ;\t"):
                    base.append(("header:content-type", text))
            continue
        if lname == "content-encoding" and all(
                c.strip().lower() in _LINE_CODINGS for c in value.split(",")):
            # (any other coding of a body is refused (415); one on a request with no body was
            # not, and "Content-Encoding: x<ID>" went abroad unread)
            continue
        if read:
            if lname == "cookie":
                cookies.append(value)
            # (round 20: a header whose name labels a 15-digit number as another than an ID,
            # "X-Device-Id: <an IMEI>", "X-VA-Number: ...", is read with its name before it, as
            # a body's key is: the value alone was read as a first-generation ID)
            base.append((f"header:{lname}" if _safe_label(lname) else "header",
                         f"{lname}: {value}" if _labelling_name(lname) else value))
            if lname.endswith("-bin") and (fields_text := grpc_bin_metadata(value)):
                base.append((f"header:{lname}/protobuf" if _safe_label(lname)
                             else "header/protobuf", fields_text))
            if len(value) <= MAX_FIELD_BYTES and (_any_digit(value)
                                                  or says_digits(value.encode("utf-8", "replace"))):
                fields.append(f"{lname}: {value}")
                repeated.setdefault(lname, []).append(value)
    for lname, values in repeated.items():
        if len(values) > 1:
            # A header sent several times, as the receiver joins it (Cookie fields, which
            # HTTP/2 sends one cookie a field, with "; "; any other with ", ").
            base.append((f"header:{lname}/joined" if _safe_label(lname) else "header/joined",
                         ("; " if lname == "cookie" else ", ").join(values)))
    if cookies and (crumbs := _cookie_crumbs("; ".join(cookies))):
        # Round 16: a long cookie split into numbered crumbs (ASP.NET Core's chunking cookie
        # manager: XC1, XC2, ...; Auth.js: x.0, x.1, ...), which the server joins before it
        # reads the value: the split can fall inside an ID.
        base.append(("header:cookie/crumbs", crumbs))
    if names and _names_may_hold(all_names := ", ".join(names)):
        # A field's name reaches the upstream as written too ("X-110101199003071233: 1" went
        # abroad unread: red team round 7): the names are read when, together, they could
        # hold an identifier (seven digits, or digits said in words).
        base.append(("header-names", all_names))
        # The digit groups of the names as one list: "X-110101: a", "X-19900307: a",
        # "X-1233: a" is one ID cut over three names (red team round 7).
        groups = [g for n in names for g in _ASCII_DIGIT_GROUP.findall(n)]
        if len(groups) > 1:
            base.append(("header-names/digits", ", ".join(groups)))
    for lname, value in numbered:
        # A name's digits before its value, as the receiver of the field may join them
        # ("X-139: 1234 5678" is 139 1234 5678: red team round 7).
        base.append(("header-names/value", " ".join(
            [*_ASCII_DIGIT_GROUP.findall(lname), value])))
    if len(fields) > 1 or (fields and _any_digit(fields[0].partition(":")[0])):
        # An identifier split over headers ("X-Id-A: 110101", "X-Id-B: 19900307", ...), or
        # between one's name and its value ("X-110101: 199003071233": red team round 7).
        base.append(("headers", ", ".join(fields)))
    for label, text in list(base):
        if not text.isascii():
            # Bytes that are not UTF-8 (kept as surrogate escapes by the HTTP parser): a
            # header or target in GBK/GB18030, Shift_JIS or Big5, as a receiver decoding it so
            # reads it (fullwidth digits are two bytes in each).
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raw = _raw(text)
                base.extend((f"{label}~{n}", t) for n, t in
                            enumerate(decode_text(raw, None)[1:], 1))
        if "=?" in text and "?=" in text and len(text) <= 2048:
            # RFC 2047 encoded words (B and Q), as mail-derived header parsers decode them.
            with contextlib.suppress(Exception):
                words = email.header.decode_header(text)
                base.append((f"{label}/encoded-words", "".join(
                    (_declared_reading(w, c or "utf-8") or w.decode("utf-8", "replace"))
                    if isinstance(w, bytes) else w for w, c in words)))
        if "*" in text and label.startswith("header:") and len(text) <= 2048 and \
                _RFC2231.search(text) and ("%" in text or ascii_digits(_raw(text)) >= 4):
            disposition = rfc2231_params(text)
            if disposition:
                base.append((f"{label}/params", disposition))
    return base


# characters of a "-bin" header value read as protobuf (the gateway's server takes no header
# field longer: max_field_size in gateway/app.py)
MAX_BIN_METADATA = 16 * 1024


def grpc_bin_metadata(value: str) -> str | None:
    """Round 20: a gRPC binary metadata value (a header whose name ends in "-bin": base64 by
    protocol, padded or not, several values joined with ","), each value read as the
    protobuf message it is in practice (grpc-status-details-bin is a google.rpc.Status, a
    custom one any message): its integers are binary there (a phone kept as int64 was never
    read; its strings were, by the base64 token reading). None when no value is one."""
    if len(value) > MAX_BIN_METADATA:
        return None
    texts: list[str] = []
    for item in value.split(","):
        token = item.strip().translate(_URLSAFE_B64).rstrip("=")
        if not token or not _B64_TOKEN.fullmatch(token):
            continue
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except ValueError:
            continue
        if raw and (text := serialized.tree_text("protobuf", raw)):
            texts.append(text)
    return "\n".join(texts) or None


_URLSAFE_B64 = str.maketrans("-_", "+/")
_B64_TOKEN = re.compile(r"[A-Za-z0-9+/]+")


def _entry_views(label: str, text: str) -> list[tuple[str, str | bytes]]:
    """One text of the request line with its decodings (percent, escapes, base64 tokens run
    through the body pipeline, ...), labelled; none when it plainly holds nothing. Depends on
    the label only as `_entry_kind` says."""
    if _plainly_nothing(text):
        return []
    views: list[tuple[str, str | bytes]] = [(label, text)]
    # (`+` is a space in a query, not in the joined headers: "x-phone: +1 (325) 935-3974"
    # read as "x-phone:  1 325 ..." is a mainland mobile by the phone word)
    # (strict: a value with more decodings than MAX_DERIVED_VIEWS is refused, not read in
    # part; a body's are refused so too)
    derived = list(derived_views(text, plus=label not in ("path", "headers"), strict=True))
    if label == "path" and any(c in text for c in ";,:="):
        # Matrix parameters and lists split a value over ';' ',' ':' in a path.
        derived.append(text.translate(_PATH_PUNCTUATION))
    views.extend((f"{label}+{n}", d) for n, d in enumerate(derived))
    for n, item in enumerate((text, *derived)):
        if (numbers := scientific(item)) is not None:  # round 8: "X-N: 1.3912345678e10"
            views.append((f"{label}~{n}/numbers", numbers))
    radix = radix_integers(text)
    if radix != text:  # round 8: "X-Phone: 0x33D4C0B4E", "?tel=0o147...", as a body's
        views.append((f"{label}/radix", radix))
    if "~{" in text and text.isascii():  # round 8: an HZ value ("~{#1#3#9...~}"), as a body's
        views.append((f"{label}/hz", text.encode("ascii").decode("hz", "replace")))
    arrays = "[" in text or any("[" in d for d in derived)
    if arrays or ("%" in text and _PERCENT_ARCHIVE.search(text)):
        # round 8: "?d=%1F%8B%08..." (gzip bytes percent-encoded) and byte arrays
        # ("X-Data: [49,51,57,...]", percent-encoded in a cookie), as a body's
        work = _Inspection(InspectOptions(max_view_bytes=4 * 1024 * 1024))
        if "%" in text and _PERCENT_ARCHIVE.search(text):
            work._percent_archives(label, text, label not in ("path", "headers"), 1)
        for n, item in enumerate((text, *derived) if arrays else ()):
            if "[" in item:
                work._byte_arrays(f"{label}~{n}", item, 1)  # (its views: work.views)
        views.extend(work.views)
    # A value whose tokens are more than the inspection reads (MAX_BASE64_TOKENS, nesting,
    # decoded bytes past the token's own bound, an archive that cannot be opened) raises
    # Uninspectable: the request is refused as a body would be. (It was suppressed, and the
    # tokens after the limit, or the rest of one token's decodings, went unread.)
    for item in (text, *derived):
        for n, raw in enumerate(_base64_texts(item.encode("utf-8", "replace"))):
            if raw.isascii() and not _archive(raw) and not _ESCAPE_BYTES.search(raw) and \
                    raw.translate(_B64_SKELETON).find(_B64_MIN) < 0:
                # Plain text (a JWT's claims): read as it is. (Text that holds a token of its
                # own goes through the pipeline below, which decodes it too: base64 of the
                # base64 of an ID in a path or X-Request-ID reached SG.)
                if ascii_digits(raw):
                    views.append((f"{label}/base64[{n}]", raw))
                continue
            # The token through the whole body pipeline (zlib session cookies,
            # UTF-16, nested base64, ...), within a small budget of its own.
            work = _Inspection(InspectOptions(max_view_bytes=4 * 1024 * 1024))
            with contextlib.suppress(PayloadError):  # junk that merely looks like an archive
                work.body(f"{label}/base64[{n}]", raw, "", 1)
            views.extend(work.views)
    return views


def _entry_kind(label: str) -> str:
    """What of an entry's label changes what `_entry_views` reads (the rest only names)."""
    return label if label in ("path", "headers") else ""


class NothingSeen:
    """Request-line texts already read in full with nothing found, and the scan work each
    cost, so that the next request carrying the same User-Agent, Cookie or bearer token is
    not read again (a browser or SDK sends the same header values on every request; reading
    a JWT and a session cookie costs ~0.3 ms). Only texts where nothing was found are kept,
    and only as keyed digests (BLAKE2b under a per-process random key): the memo holds no
    header value, token or identifier. A hit charges the recorded work to the request's
    budget, so a request's outcome (found, nothing, too complex) is the same with or without
    the memo. Bounded: at `size` entries the oldest goes first (a client sending a new value
    each time only finds the memo empty)."""

    def __init__(self, key: bytes, size: int = 16384) -> None:
        self.size = size
        self._key = key  # random per process (the shell draws it): digests cannot be matched
        self._seen: dict[bytes, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def digest(self, kind: str, text: str, context: bytes) -> bytes:
        return hashlib.blake2b(b"%s%s\0%s" % (context, kind.encode(), text.encode(
            "utf-8", "surrogatepass")), key=self._key, digest_size=16).digest()

    def work(self, digest: bytes) -> tuple[int, int] | None:
        """(budget the reading needed left to pass, budget it spent), or None if unseen."""
        return self._seen.get(digest)

    def add(self, digest: bytes, need: int, cost: int) -> None:
        if len(self._seen) >= self.size:
            del self._seen[next(iter(self._seen))]
        self._seen[digest] = (need, cost)


def _grouped_params(query: str, reordered_only: bool = False) -> str:
    """The parameters named more than once (after percent-decoding the name and dropping
    a trailing "[]" or "[n]"), each as name=v1,v2,... in index order; "" when none is.
    `reordered_only`: only those whose index order is not the order sent."""
    groups: dict[str, list[tuple[int, int, str]]] = {}
    for n, param in enumerate(p for p in re.split(r"[&;]", query) if p):
        name, _, value = param.partition("=")
        with contextlib.suppress(Exception):
            name = urllib.parse.unquote_plus(name)
        index = n
        bracket = name.rfind("[") if name.endswith("]") else -1
        if bracket >= 0:  # "id[]", "id[2]", "a[b][c]" (the last bracket only)
            last = name[bracket + 1:-1]
            # (isdecimal: a superscript is isdigit() and no int(); a raw UTF-8 form, round 20)
            index = int(last) if last.isdecimal() and len(last) < 6 else n
            name = name[:bracket]
        groups.setdefault(name, []).append((index, n, value))
    return " ".join(f"{name}=" + ",".join(v for _, _, v in sorted(items))
                    for name, items in groups.items() if len(items) > 1 and (
                        not reordered_only or sorted(items) != items))


_ESCAPE_BYTES = re.compile(rb"[%&\\+]")
_RFC2231 = re.compile(r"\*(?:[0-9]{1,3}\*?)?=")  # filename*=, filename*0=, filename*1*=


def _plainly_nothing(text: str) -> bool:
    """An ASCII value with fewer than 8 digits, no escape and no base64-looking token cannot
    hold an identifier in any spelling the views would find: skip its views (most header
    values; every identifier has 8 digits or more)."""
    if not text.isascii():
        return False
    data = text.encode()
    if ascii_digits(data) >= 8 or _ESCAPE_BYTES.search(data) or says_digits(data) or (
            _RADIX_HEX.search(text)):
        return False
    return data.translate(_B64_SKELETON).find(_B64_MIN) < 0


_LABEL = re.compile(r"[a-z0-9-]{1,64}")
_ASCII_DIGIT = re.compile(r"[0-9]")


def _any_digit(text: str) -> bool:
    """Whether `text` has a character str.isdigit calls a digit (a regex search when ASCII)."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(c.isdigit() for c in text)


@functools.lru_cache(maxsize=1024)
def _labelling_name(name: str) -> bool:
    return len(name) <= 64 and labels_other_number(name)


@functools.lru_cache(maxsize=1024)
def _safe_label(name: str) -> bool:
    return bool(_LABEL.fullmatch(name)) and not may_hold_identifier(name)


_NOTHING_IN_LINE = PayloadScan(False)  # what scan_views finds in no views


# Red-team round 6 (complexity): the request line was read with a body's full budget
# (2,000,000 windows, ~2.4 us each) and no bound on its views' bytes. One 8 KB header
# ("\\u0041 %41 <bdo dir=rtl>1</bdo> &#37;41 1 2 1 2 ...": 33 views of it) held the event
# loop 4.2 s; eight headers of "... id 1 2 id 1 2" 4.5 s; a 2 KB base64 zlib token inflating
# to 786 KB of views 0.28 s. A 64 KiB head of digit groups ("12 34 12 34 ...") spends ~85k.
REQUEST_LINE_BUDGET = 50_000
REQUEST_LINE_VIEW_BYTES = 256 * 1024


def scan_request_line(path: str, query: str, *, key: bytes, today: dt.date,
                      headers: Iterable[tuple[str, str]] = (), resident_ids: bool = True,
                      phones: bool = True, skip_headers: Iterable[str] = (),
                      memo: NothingSeen | None = None) -> PayloadScan:
    """Identifiers in the path, query string or header values are signals like a body's.
    With a `memo`, texts an earlier request read with nothing found are not read again."""
    options = InspectOptions(resident_ids=resident_ids, phones=phones)
    # (the request line is read on the event loop, and no worker takes it over: a budget of
    # its own, and a bound on the bytes its decodings produce; past either, the request is
    # refused as too complex to inspect)
    budget = Budget(min(options.budget, REQUEST_LINE_BUDGET))
    produced = 0
    context = f"{today.isoformat()} {int(resident_ids)}{int(phones)} ".encode()
    found: list[tuple[str, Token]] = []
    try:
        for label, text in _line_entries(path, query, headers, skip_headers):
            digest = None
            if memo is not None:
                digest = memo.digest(_entry_kind(label), text, context)
                seen = memo.work(digest)
                if seen is not None:
                    need, cost = seen
                    if need > budget.remaining:
                        raise BudgetExceeded  # as reading it with this much left would
                    budget.spend(cost)
                    continue
                budget.floor = budget.remaining
            before, count = budget.remaining, len(found)
            views = _entry_views(label, text)
            produced += sum(len(view) + VIEW_OVERHEAD for _, view in views)
            if produced > REQUEST_LINE_VIEW_BYTES:
                raise BudgetExceeded  # (before any of them is scanned)
            for view_label, view in views:
                found.extend((view_label, token) for token in tokens(
                    view, today=today, resident_ids=resident_ids, phones=phones, budget=budget))
            if digest is not None and len(found) == count:
                assert memo is not None and budget.floor is not None
                memo.add(digest, before - budget.floor, before - budget.remaining)
    except BudgetExceeded:
        return _TOO_COMPLEX
    except Uninspectable as exc:
        return PayloadScan(False, note=f"request line refused: {exc.note}", error=exc.reason)
    if not found:
        return _NOTHING_IN_LINE  # the common case: no value could hold an identifier
    return _scanned(found, key=key, options=options, inspected=False, note="")


def redact_path(path: str) -> str:
    """The request path as records and logs may show it: when the path could hold an
    identifier (seven digits in all, however spelled, percent-encoded or spread over
    segments), every segment with a digit becomes `{redacted}`."""
    segments = path.split("/")
    # (the segments with a base64, base32 or hex token that decodes to one: decoded once)
    encoded = {i for i, s in enumerate(segments) if encoded_identifier(s)}
    if not encoded and not _may_hold(path):
        return path
    if not path.isascii() or "%" in path or "&" in path or "\\" in path:
        return "/".join("{redacted}" if i in encoded or _has_digit(s) else s
                        for i, s in enumerate(segments))
    # Plain ASCII: the segments a digit run of 7+ digits crosses ("/110101/199003/071233"),
    # and those holding 7+ digits on their own ("id:110101:199003:071233").
    crossed: set[int] = set()
    for start, end in digit_run_spans(path.encode()):
        first = path.count("/", 0, start)
        crossed.update(range(first, first + path.count("/", start, end) + 1))
    said = says_digits(path.encode())  # "/one/three/nine/..."
    return "/".join("{redacted}" if i in crossed or i in encoded or may_hold_identifier(s) or (
        said and has_said_digit(s)) else s for i, s in enumerate(segments))


def encoded_identifier(text: str, depth: int = 2) -> bool:
    """Whether a base64, base32 or hex token in `text` decodes to text that could hold an
    identifier (see may_hold_identifier; tokens in tokens, `depth` layers): a path segment or
    request id "MTEwMTAxMTk5MDAzMDcxMjMz" is an ID number to anyone who decodes it, so it is
    never shown in a record or log as sent (it was, in both). Too many tokens to try: True."""
    if depth <= 0 or len(text) < 15:
        return False
    for m in _ENCODED_TOKEN.finditer(text):
        for raw in _token_decodings(m.group()):
            try:
                decoded = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue  # (what a random token decodes to: no text to read)
            if may_hold_identifier(decoded) or encoded_identifier(decoded, depth - 1):
                return True
    return False


# (15 base64 characters are 11 bytes, the shortest that hold a mobile; the request line's
# own inspection reads further: compressed, UTF-16, CBOR... A shown path or id only needs
# what a glance decodes, cheaply: paths with tokens are common.)
_ENCODED_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{15,}")


def _token_decodings(token: str) -> Iterator[bytes]:
    """What base64 (standard or URL-safe, padded or not), base32 or hex `token` decodes to."""
    bare = token.rstrip("=")
    if len(bare) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in bare):
        yield bytes.fromhex(bare)
    if all(c in _BASE32_CHARS for c in bare.upper()):  # (either case, as decoders take it)
        with contextlib.suppress(binascii.Error, ValueError):
            yield base64.b32decode(bare.upper() + "=" * (-len(bare) % 8))
    with contextlib.suppress(binascii.Error, ValueError):
        yield base64.b64decode(bare.replace("-", "+").replace("_", "/") + "=" * (-len(bare) % 4),
                               validate=True)


_BASE32_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _has_digit(text: str) -> bool:
    return any(is_digit_like(c) for c in normalise(text)) or has_said_digit(text) or any(
        any(is_digit_like(c) for c in normalise(d)) for d in derived_views(text))


def _may_hold(text: str) -> bool:
    """Whether `text` could hold an identifier, as written or decoded (percent, escapes),
    with what each of those decodings' tokens decode to; the path's own tokens are decided
    by redact_path (once)."""
    if may_hold_identifier(text):
        return True
    if text.isascii() and "%" not in text and "&" not in text and "\\" not in text:
        return False  # no encoding to undo (derived_views would find none): the common path
    return any(may_hold_identifier(d) or encoded_identifier(d) for d in derived_views(text))
