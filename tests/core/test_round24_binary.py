"""Round 24 (bin24): identifiers in binary data the walkers did not reach.

- MP4 / QuickTime / 3GP / M4A held in a body (a part, a trailer, inspect_body): the box tree
  walked to its end, udta / meta / ilst after the media data read (ilst items by their data
  type, integers too), sample boxes skipped, a truncated mdat the file's end.
- Audio tags wherever they stand in a binary body: ID3v2 (appended with a footer, in the
  middle), Lyrics3 v1 / v2, APEv2 (header or footer), each field apart; the comment of every
  Netpbm image in a multi-image file.
- Typed arrays in a pickle: array.array (protocol 3+, raw machine bytes), NumPy's
  _reconstruct state and protocol 5 _frombuffer, by their element type and byte order.

And the false-positive side: random bytes after these signatures, random typed arrays,
random video boxes read as nothing mainland (rates measured in test_random_*).
"""

from __future__ import annotations

import array
import datetime as dt
import json
import pickle
import random
import sqlite3
import struct
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import pytest

from residency_gateway.core import serialized_other
from residency_gateway.core.inspection import scan_held_body
from residency_gateway.core.payload import packed_decimals, semi_octet_numbers
from residency_gateway.regionmap.schema import RegionMap
from tests.core.test_redteam_round22 import (
    COMM,
    ID,
    MOBILE,
    SPOKEN,
    kinds,
    mp3,
    scan,
    synchsafe,
)
from tests.helpers import region_map

M = int(MOBILE)
FRAME = b"\xff\xfb\x90\x64" + bytes(413)
OCTETS = "application/octet-stream"
PICKLE = "application/python-pickle"
TEXT = ("身份证 " + ID + " tel " + MOBILE).encode()


def found(body: bytes, content_type: str) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


def box(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", 8 + len(data)) + kind + data


def noise(n: int, seed: int = 24) -> bytes:
    return random.Random(seed).randbytes(n)


FTYP = box(b"ftyp", b"isom\0\0\2\0isomiso2avc1mp41")
MDAT = box(b"mdat", noise(20000))
MOOV_HEAD = box(b"mvhd", bytes(100)) + box(b"trak", box(b"tkhd", bytes(84)) + box(
    b"mdia", box(b"mdhd", bytes(24)) + box(b"minf", box(b"stbl", box(b"stsz", noise(400))
                                                    + box(b"stco", noise(400))))))


def ilst_item(kind: bytes, dtype: int, value: bytes) -> bytes:
    return box(kind, box(b"data", struct.pack(">I", dtype) + b"\0\0\0\0" + value))


def itunes(*items: bytes, full: bool = True) -> bytes:
    hdlr = box(b"hdlr", bytes(8) + b"mdirappl" + bytes(9))
    return box(b"udta", box(b"meta", (b"\0\0\0\0" if full else b"") + hdlr
                            + box(b"ilst", b"".join(items))))


def qt_text(kind: bytes, text: bytes) -> bytes:
    return box(kind, struct.pack(">HH", len(text), 0x55C4) + text)


# ---------------------------------------------------------------------------------------------
# MP4 / QuickTime


@pytest.mark.parametrize("body", [
    FTYP + MDAT + box(b"moov", MOOV_HEAD + box(b"udta", qt_text(b"\xa9cmt", TEXT))),
    FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"\xa9cmt", 1, TEXT))),
    FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"\xa9nam", 1, TEXT), full=False)),
    FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"desc", 2, TEXT.decode()
                                                                .encode("utf-16-be")))),
    FTYP + MDAT + box(b"moov", MOOV_HEAD + box(b"udta", box(
        b"dscp", b"\0\0\0\0\x15\xc7" + b"\xfe\xff" + TEXT.decode().encode("utf-16-be")))),
    FTYP + MDAT + box(b"moov", MOOV_HEAD) + box(b"uuid", bytes(16) + b"<x:xmpmeta><dc:d>"
                                                + TEXT + b"</dc:d></x:xmpmeta>"),
    FTYP + struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 20000) + noise(20000)
    + box(b"moov", itunes(ilst_item(b"\xa9cmt", 1, TEXT))),
    box(b"ftyp", b"qt  \0\0\2\0qt  ") + MDAT + box(b"moov", box(b"udta",
                                                                qt_text(b"\xa9inf", TEXT))),
    box(b"ftyp", b"M4A \0\0\2\0M4A mp42isom") + MDAT + box(b"moov", itunes(
        ilst_item(b"----", 1, TEXT))),
    FTYP + box(b"moof", box(b"mfhd", bytes(8)) + box(b"traf", box(b"tfhd", bytes(8))))
    + MDAT + box(b"moof", box(b"traf", box(b"trun", noise(64)))) + MDAT
    + box(b"udta", qt_text(b"\xa9cmt", TEXT)),
    FTYP + MDAT + box(b"free", bytes(100)) + box(b"moov", itunes(ilst_item(b"\xa9cmt", 1, TEXT)))
    + b"\0" * 64,
], ids=["udta-comment", "ilst", "ilst-quicktime-meta", "ilst-utf16", "3gpp-dscp-utf16",
        "xmp-uuid", "mdat-64-bit-size", "quicktime", "m4a-freeform", "fragmented",
        "free-and-padding"])
@pytest.mark.parametrize("content_type", ["video/mp4", OCTETS])
def test_mp4_metadata_after_the_media_data_found(body, content_type):
    assert found(body, content_type) == {"id", "mobile"}


@pytest.mark.xfail(strict=True, reason=(
    "MISS (gateway): a top-level video/mp4 or QuickTime body still streams with its first 4 KB "
    "read (held_image: video is no HELD_MEDIA; the gateway's streaming tests and a video's "
    "size rely on it); its metadata after the media data is read where the body is "
    "inspected (a multipart part, an image's trailer, an archive member, a coded body)"))
def test_top_level_video_at_the_gateway_missed():
    rmap = RegionMap.model_validate(region_map())
    video = FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"\xa9cmt", 1, TEXT)))
    result = scan_held_body(video, "video/mp4", "", rmap, b"k" * 32, dt.date(2026, 1, 1))
    assert kinds(result) == {"id", "mobile"}


@pytest.mark.parametrize(("dtype", "value"), [
    (21, M.to_bytes(8, "big")), (22, M.to_bytes(8, "big")), (74, M.to_bytes(8, "big")),
    (78, M.to_bytes(8, "big")),
])
def test_mp4_integer_items_read_as_numbers(dtype, value):
    body = FTYP + MDAT + box(b"moov", itunes(ilst_item(b"tvsn", dtype, value)))
    assert found(body, "video/mp4") == {"mobile"}


def test_mp4_in_a_multipart_part_found():
    video = FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"\xa9cmt", 1, TEXT)))
    body = (b"--b\r\nContent-Disposition: form-data; name=\"v\"; filename=\"a.mp4\"\r\n"
            b"Content-Type: video/mp4\r\n\r\n" + video + b"\r\n--b--\r\n")
    assert found(body, "multipart/form-data; boundary=b") == {"id", "mobile"}


def test_mp4_trailer_and_cover_art_read():
    png = b"\x89PNG\r\n\x1a\n" + bytes(8) + TEXT
    video = FTYP + MDAT + box(b"moov", itunes(ilst_item(b"covr", 14, png)))
    assert found(video, "video/mp4") == {"id", "mobile"}
    assert found(FTYP + MDAT + b"appended " + TEXT, "video/mp4") == {"id", "mobile"}


@pytest.mark.parametrize("body", [
    FTYP + MDAT + box(b"moov", MOOV_HEAD + itunes(ilst_item(b"\xa9too", 1, b"Lavf60.16.100"),
                                                  ilst_item(b"trkn", 0, bytes(8)))),
    FTYP + box(b"mdat", noise(50000, 3))[:30000],  # (cut short: its samples not read)
    FTYP + MDAT + box(b"moov", MOOV_HEAD) + bytes(100),
    FTYP + box(b"moov", MOOV_HEAD + box(b"udta", qt_text(b"\xa9day", b"2026-11-30T08:00:00Z")))
    + MDAT,
    FTYP + MDAT + box(b"moov", MOOV_HEAD + box(b"udta", qt_text(b"\xa9xyz", b"+22.5431+114.0579/")
                                               + box(b"meta", box(b"hdlr", bytes(24)) + box(
        b"keys", b"\0\0\0\0\0\0\0\2" + box(b"mdta", b"com.apple.quicktime.make")
        + box(b"mdta", b"com.apple.quicktime.location.ISO6709")) + box(b"ilst", box(
            b"\0\0\0\1", box(b"data", b"\0\0\0\1\0\0\0\0Apple")) + box(
            b"\0\0\0\2", box(b"data", b"\0\0\0\1\0\0\0\0+31.2304+121.4737+010.000/")))))),
], ids=["ordinary-tags", "truncated-mdat", "zero-padding", "date", "phone-location"])
def test_ordinary_videos_clean(body):
    result = scan(body, "video/mp4")
    assert result.error is None and kinds(result) == set(), result.note


def test_many_boxes_bounded():
    body = FTYP + box(b"moov", box(b"free", b"") * 90_000) + MDAT
    start = time.process_time()
    result = scan(body, "video/mp4")
    assert result.error is None or "boxes" in result.note
    assert time.process_time() - start < 2
    deep = FTYP + MDAT
    inner = box(b"udta", qt_text(b"\xa9cmt", TEXT))
    for _ in range(200):
        inner = box(b"trak", inner)
    assert found(deep + box(b"moov", inner), "video/mp4") == {"id", "mobile"}


def test_big_video_walk_linear():
    body = FTYP + box(b"mdat", bytes(6_000_000)) + box(b"moov", MOOV_HEAD + itunes(
        ilst_item(b"\xa9cmt", 1, TEXT)))
    start = time.process_time()
    assert found(body, "video/mp4") == {"id", "mobile"}
    assert time.process_time() - start < 1.5


# ---------------------------------------------------------------------------------------------
# Audio tags anywhere, Netpbm comments


def ape_tag(items: list[tuple[bytes, bytes, int]]) -> bytes:
    raw = b"".join(struct.pack("<II", len(v), f) + k + b"\0" + v for k, v, f in items)
    def head(flags: int) -> bytes:
        return (b"APETAGEX" + struct.pack("<IIII", 2000, len(raw) + 32, len(items), flags)
                + bytes(8))
    return head(0xA0000000) + raw + head(0x80000000)


def lyrics3v2(*fields: tuple[bytes, bytes]) -> bytes:
    raw = b"LYRICSBEGIN" + b"".join(k + b"%05d" % len(v) + v for k, v in fields)
    return raw + b"%06d" % len(raw) + b"LYRICS200"


ID3V1 = b"TAG" + b"title".ljust(30, b"\0") + bytes(95)
APPENDED_ID3 = (b"ID3\x04\x00\x10" + synchsafe(len(COMM)) + COMM + b"3DI\x04\x00\x10"
                + synchsafe(len(COMM)))


@pytest.mark.parametrize("body", [
    FRAME * 100 + APPENDED_ID3,
    FRAME * 100 + APPENDED_ID3 + ID3V1,
    FRAME * 50 + b"ID3\x03\x00\x00" + synchsafe(len(COMM)) + COMM + FRAME * 50,
    FRAME * 100 + lyrics3v2((b"IND", b"10"), (b"LYR", SPOKEN)) + ID3V1,
    FRAME * 100 + lyrics3v2((b"INF", SPOKEN), (b"AUT", b"x")) + ID3V1,
    FRAME * 100 + b"LYRICSBEGIN" + SPOKEN + b"LYRICSEND" + ID3V1,
    FRAME * 100 + ape_tag([(b"Comment", SPOKEN, 0)]) + ID3V1,
    FRAME * 100 + ape_tag([(b"Comment", SPOKEN, 0), (b"Title", b"1", 0)])[32:],
    mp3() + APPENDED_ID3,
    mp3() + ape_tag([(b"Comment", SPOKEN, 0)]) + ID3V1,
    mp3() + lyrics3v2((b"LYR", SPOKEN)) + ID3V1,
], ids=["id3-footer", "id3-footer-id3v1", "id3-mid-stream", "lyrics3v2", "lyrics3v2-inf",
        "lyrics3v1", "ape", "ape-footer-only", "tagged-mp3-id3-appended", "tagged-mp3-ape",
        "tagged-mp3-lyrics3"])
@pytest.mark.parametrize("content_type", ["audio/mpeg", OCTETS])
def test_audio_tags_anywhere_found(body, content_type):
    assert "id" in found(body, content_type)


@pytest.mark.parametrize("body", [
    b"P6\n10 10\n255\n" + bytes(300) + b"P6\n# " + SPOKEN + b"\n10 10\n255\n" + bytes(300),
    b"P5\n4 4\n255\n" + bytes(16) + b"P5\n4 4\n255\n" + bytes(16) + b"P5 #" + SPOKEN
    + b"\n4 4 255\n" + bytes(16),
    b"P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n" + bytes(4)
    + b"P7\n# " + SPOKEN + b"\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nENDHDR\n" + bytes(4),
], ids=["ppm-second", "pgm-third", "pam-second"])
def test_netpbm_comments_of_every_image_found(body):
    assert found(body, "image/x-portable-anymap") == {"id"}


def test_audio_tag_marks_bounded():
    body = FRAME * 10 + (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"LYRICSBEGIN" + b"APETAGEX") * 50_000
    start = time.process_time()
    scan(body, "audio/mpeg")
    assert time.process_time() - start < 3


# ---------------------------------------------------------------------------------------------
# Typed arrays in a pickle


@pytest.mark.parametrize("typecode", ["q", "Q", "l", "L", "d"])
@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_pickled_typed_arrays_found(typecode, protocol):
    values = [7, float(M) if typecode == "d" else M, 42]
    assert found(pickle.dumps({"phones": array.array(typecode, values)}, protocol=protocol),
                 PICKLE) == {"mobile"}


@pytest.mark.xfail(strict=True, reason="POLICY: an int64 viewed as two int32s is not read "
                   "(an int32 array's [3, 1700000000], a count beside a timestamp, is "
                   "14584901888 read so: a mobile)")
@pytest.mark.parametrize("content_type", [PICKLE, OCTETS])
def test_pickled_int32_pairs_missed(content_type):
    raw = M.to_bytes(8, "little")
    pairs = array.array("i", [1, 2, int.from_bytes(raw[:4], "little", signed=True),
                              int.from_bytes(raw[4:], "little", signed=True)])
    assert found(pickle.dumps({"p": pairs}, protocol=4), content_type) == {"mobile"}


def _fake_numpy() -> tuple[type, type]:
    """Classes that pickle as NumPy's ndarray and dtype do (numpy is not installed here:
    the opcodes are the same, the module names are registered for the pickler only)."""
    class dtype:
        def __init__(self, code: str, order: str) -> None:
            self.code, self.order = code, order

        def __reduce__(self) -> Any:
            return (dtype, (self.code, False, True), (3, self.order, None, None, None, -1, -1, 0))

    def _reconstruct(*args: Any) -> None: ...
    def _frombuffer(*args: Any) -> None: ...

    class ndarray:
        def __init__(self, raw: bytes, kind: dtype, protocol5: bool = False) -> None:
            self.raw, self.kind, self.protocol5 = raw, kind, protocol5

        def __reduce__(self) -> Any:
            if self.protocol5:
                return (_frombuffer, (self.raw, self.kind, (len(self.raw) // 8,), "C"))
            return (_reconstruct, (ndarray, (0,), b"b"),
                    (1, (len(self.raw) // 8,), self.kind, False, self.raw))

    core = types.ModuleType("numpy.core")
    multiarray = types.ModuleType("numpy.core.multiarray")
    numeric = types.ModuleType("numpy.core.numeric")
    numpy = types.ModuleType("numpy")
    for module, name, value in [(multiarray, "_reconstruct", _reconstruct),
                                (numeric, "_frombuffer", _frombuffer),
                                (numpy, "ndarray", ndarray), (numpy, "dtype", dtype)]:
        setattr(module, name, value)
        value.__module__ = module.__name__
        value.__qualname__ = name
    sys.modules.update({"numpy": numpy, "numpy.core": core,
                        "numpy.core.multiarray": multiarray, "numpy.core.numeric": numeric})
    return ndarray, dtype


@pytest.mark.parametrize(("code", "order", "data"), [
    ("i8", "<", M.to_bytes(8, "little")), ("i8", ">", M.to_bytes(8, "big")),
    ("u8", "<", M.to_bytes(8, "little")), ("f8", "<", struct.pack("<d", M)),
    ("int64", "<", M.to_bytes(8, "little")),
])
@pytest.mark.parametrize("protocol5", [False, True])
def test_pickled_numpy_like_arrays_found(code, order, data, protocol5, monkeypatch):
    saved = {k: v for k, v in sys.modules.items() if k == "numpy" or k.startswith("numpy.")}
    try:
        ndarray, dtype = _fake_numpy()
        body = pickle.dumps({"x": ndarray(bytes(8) + data, dtype(code, order), protocol5)},
                            protocol=5 if protocol5 else 2)
    finally:
        for k in [k for k in sys.modules if k == "numpy" or k.startswith("numpy.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    assert found(body, PICKLE) == {"mobile"}


def test_pickled_small_arrays_clean():
    for typecode in "bBhHiIqQd":
        values = [1, 2, 3, 1_700_000_000, 2_000_000_000] if typecode in "iIqQd" else [1, 2, 3]
        body = pickle.dumps({"v": array.array(typecode, values)}, protocol=4)
        assert found(body, PICKLE) == set()


# ---------------------------------------------------------------------------------------------
# False positives: seeded random binaries, 2,000 x 4 KB each (before -> after round 24):
# octets 0 -> 0, MPEG frame header then random 0 -> 0, ID3 header then random 0 -> 0, MP4
# with a random mdat and udta 0 -> 0, ftyp then random 0 -> 0; a pickled array.array of
# random bytes: int32 0 -> 0, double 0 -> 0 (3 before the 10^14 bound: see _typed_numbers),
# int64 0 -> 1: the same random int64 values as a msgpack list or a protocol 2 pickle list
# (both read before round 24) are also 1 of 2,000 (an 18-digit value that is a valid ID)


def _random_cases(n: int) -> list[tuple[bytes, str]]:
    rng = random.Random(2024)
    out = []
    for _ in range(n):
        b = rng.randbytes(4096)
        out += [
            (b, OCTETS),
            (b"\xff\xfb\x90\x64" + b, "audio/mpeg"),
            (FTYP + box(b"mdat", b[:3000]) + box(b"moov", box(b"udta", b[3000:])), "video/mp4"),
            (FTYP + b, "video/mp4"),
            (pickle.dumps({"v": array.array("q", b[:4088])}, protocol=4), PICKLE),
            (pickle.dumps({"v": array.array("i", b[:4088])}, protocol=4), PICKLE),
            (pickle.dumps({"v": array.array("d", b[:4088])}, protocol=4), PICKLE),
        ]
    return out


def test_random_binaries_not_mainland():
    hits = [(n, ct) for n, (body, ct) in enumerate(_random_cases(100))
            if (r := scan(body, ct)).error is None and kinds(r)]
    assert hits == []


# ---------------------------------------------------------------------------------------------
# SQLite database files


def sqlite_file(statements: list[str], rows: list[tuple[Any, ...]], pragma: str = "") -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app.db"
        con = sqlite3.connect(path)
        if pragma:
            con.execute(pragma)
        for statement in statements:
            con.execute(statement)
        if rows:
            con.executemany(f"INSERT INTO t VALUES ({','.join('?' * len(rows[0]))})", rows)
        con.commit()
        con.close()
        return path.read_bytes()


FILLER = [(n, f"user {n}", n * 7) for n in range(2000)]


@pytest.mark.parametrize(("statements", "rows", "pragma"), [
    (["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)"], [*FILLER, (1, "x", M)], ""),
    (["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)"], [(1, "x", -M)], ""),
    (["CREATE TABLE t(a INTEGER, b TEXT, c REAL)"], [(1, "x", float(M))], ""),
    (["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)", "CREATE INDEX i ON t(c)"],
     [*FILLER, (1, "x", M)], ""),
    (["CREATE TABLE t(c INTEGER PRIMARY KEY, b TEXT, a INTEGER) WITHOUT ROWID"],
     [*[(n * 11 + 1, "u", n) for n in range(3000)], (M, "x", 1)], ""),
    (["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)"], [(1, "y" * 9000 + " " + MOBILE, 2)],
     ""),
    (["CREATE TABLE t(a INTEGER, b BLOB, c INTEGER)"], [(1, b"\x00\x01" * 5000, M)], ""),
    (["CREATE TABLE t(a INTEGER, b TEXT, c TEXT)"], [(1, "x", MOBILE)],
     "PRAGMA encoding = 'UTF-16le'"),
    (["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)"], [(1, "x", M)], "PRAGMA page_size = 65536"),
], ids=["integer-many-pages", "negative", "real", "index", "without-rowid", "overflow-text",
        "after-overflow-blob", "utf16", "page-64k"])
@pytest.mark.parametrize("content_type", ["application/vnd.sqlite3", OCTETS])
def test_sqlite_values_found(statements, rows, pragma, content_type):
    assert found(sqlite_file(statements, rows, pragma), content_type) == {"mobile"}


def test_sqlite_deleted_rows_and_freelist_do_not_crash():
    body = sqlite_file(["CREATE TABLE t(a INTEGER, b TEXT, c INTEGER)"], FILLER)
    damaged = bytearray(body)
    for at in range(4096 + 8, len(damaged), 997):
        damaged[at] ^= 0x5A
    result = scan(bytes(damaged), "application/vnd.sqlite3")
    assert result.note


def test_sqlite_parse_bounded():
    # (the parse alone: the body's generic text reading of long runs is what costs here)
    body = sqlite_file(["CREATE TABLE t(a INTEGER, b TEXT)"],
                       [(n, "z" * 5000) for n in range(300)])
    start = time.process_time()
    assert serialized_other.sqlite_text(body)
    # a hostile file: every cell of a page pointing at one long overflow chain
    page = bytearray(4096)
    page[0], page[3:5] = 0x0D, (1000).to_bytes(2, "big")
    cell = bytes([0x83, 0xff, 0x7f, 1]) + b"\x02\x1b" + bytes(4000)
    page[8:8 + 2000] = (2100).to_bytes(2, "big") * 1000
    page[2100:4096] = cell[:1996]
    page[2100 + 4 + 489:2100 + 4 + 493] = (3).to_bytes(4, "big")  # (after the 489 local bytes)
    chain = b"".join((n + 4).to_bytes(4, "big") + bytes(4092) for n in range(2000))
    header = bytearray(sqlite_file(["CREATE TABLE t(a INTEGER, b TEXT)"], [(1, "x")])[:4096])
    hostile = bytes(header) + bytes(page) + chain
    with pytest.raises(serialized_other.TooComplex):
        serialized_other.sqlite_text(hostile)
    assert time.process_time() - start < 2


def test_random_sqlite_databases_not_mainland():
    # (random int64 / REAL / blob columns: 0 of 200 databases of 50 rows read as mainland
    # data, before and after round 24; with a column of random hex text instead of words,
    # 3 of 200 both before and after: "16713938068a98..." is a mobile to the text reading)
    rng = random.Random(19)
    hits = 0
    for _ in range(200):
        rows = [(rng.getrandbits(63) - (1 << 62), rng.random() * 1e12, rng.randbytes(16),
                 f"user {rng.randrange(1000)}") for _ in range(50)]
        body = sqlite_file(["CREATE TABLE t(a INTEGER, b REAL, c BLOB, d TEXT)"], rows)
        hits += bool(kinds(scan(body, "application/vnd.sqlite3")))
    assert hits == 0


# ---------------------------------------------------------------------------------------------
# Packed decimal (COBOL COMP-3) in EBCDIC records


def ebcdic(text: str) -> bytes:
    return text.encode("cp037")


@pytest.mark.parametrize(("packed", "kind"), [
    (bytes.fromhex(MOBILE + "C"), "mobile"), (bytes.fromhex(MOBILE + "F"), "mobile"),
    (bytes.fromhex(MOBILE + "D"), "mobile"), (bytes.fromhex("0" + ID + "C"), "id"),
    (bytes.fromhex("86" + MOBILE + "C"), "mobile"), (bytes.fromhex("00" + MOBILE + "C"), "mobile"),
])
@pytest.mark.parametrize(("before", "after"), [
    ("KYC001ZHANG WEI  ", "SHANGHAI"), ("kyc001 zhang wei ", " shanghai"), ("", "SHANGHAI"),
    ("KYC001ZHANG WEI  ", ""),
])
def test_packed_decimal_in_ebcdic_records_found(packed, kind, before, after):
    record = ebcdic(before) + packed + ebcdic(after)
    if len(record) < 20:
        record += ebcdic(" " * 20)
    assert kind in found(record, OCTETS)


def test_packed_decimal_fields_apart():
    record = (ebcdic("KYC001") + bytes.fromhex("000012345C") + bytes.fromhex(MOBILE + "C")
              + ebcdic("ZHANG WEI           SHANGHAI") + bytes.fromhex("020261130C"))
    assert found(record, OCTETS) == {"mobile"}


def test_packed_decimal_false_positives():
    # (random bytes never pass the EBCDIC gate; EBCDIC records of random text, amounts and
    # 11-digit account numbers as packed decimals: 0 of 2,000 read as mainland data. With
    # random 15-digit packed numbers instead, 31 of 2,000, as the same numbers in EBCDIC
    # text are 21: a bare 15-digit number is a first-generation ID to the scanner)
    rng = random.Random(15)
    hits = 0
    for _ in range(2000):
        words = " ".join(rng.choice(["ACCT", "SMITH", "JONES", "LONDON", "paid", "ref", "GBP"])
                         for _ in range(6))
        record = (ebcdic(f"{rng.randrange(10**6):06d}{words:<40}") + bytes.fromhex(
            f"{rng.randrange(10**9):09d}C") + bytes.fromhex(f"{rng.randrange(10**10):011d}F")
            + ebcdic(f"{rng.randrange(10**8):08d}"))
        hits += bool(kinds(scan(record, OCTETS)))
    assert hits == 0
    assert all(packed_decimals(noise(4096, seed)) is None for seed in range(200))


# ---------------------------------------------------------------------------------------------
# Semi-octet (TBCD) numbers and SMS PDUs in text


def tbcd(digits: str) -> str:
    padded = digits + ("F" if len(digits) % 2 else "")
    return "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"msisdn": "' + tbcd(MOBILE) + '"}', "application/json"),
    ('{"msisdn": "' + tbcd(MOBILE).lower() + '"}', "application/json"),
    ('{"msisdn": "91' + tbcd("86" + MOBILE) + '"}', "application/json"),
    ('{"a": "A1' + tbcd(MOBILE) + '"}', "application/json"),
    ("msisdn=" + tbcd("0086" + MOBILE) + "&x=1", "application/x-www-form-urlencoded"),
    ("0011000D91" + tbcd("86" + MOBILE) + "0000AA0BE8329BFD06", "text/plain"),  # (SUBMIT)
    ("07911326040000F0040D91" + tbcd("86" + MOBILE) + "00002260113121400004D4F29C0E",
     "text/plain"),  # (DELIVER)
    ("00040B81" + tbcd(MOBILE) + "0000226011312140000100", "text/plain"),
    ('{"pdu": "0891' + tbcd("86" + MOBILE) + '040481214300002260113121400004D4F29C0E"}',
     "application/json"),  # (the SMSC address)
], ids=["json", "lower", "ton-91", "ton-a1", "form-0086", "pdu-submit", "pdu-deliver",
        "pdu-national", "pdu-smsc"])
def test_semi_octet_numbers_found(body, content_type):
    assert "mobile" in found(body.encode(), content_type)


def test_semi_octet_false_positives():
    # (UUIDs, hashes, MAC addresses, short hex tokens and PDU-sized hex of random bytes:
    # 2,000 JSON bodies, 2 read as mainland data before and after round 24, by the hex
    # readings of before; none by the semi-octet reading. A token of ten digits, F and a
    # digit IS the shape of an 11-digit number's semi-octets: 7% of random ones read as a
    # mobile, by design)
    rng = random.Random(8)
    hits = 0
    for _ in range(2000):
        doc = {"id": rng.randbytes(16).hex(), "sha": rng.randbytes(20).hex().upper(),
               "mac": rng.randbytes(6).hex(), "short": rng.randbytes(rng.randrange(5, 12)).hex(),
               "pdu": rng.randbytes(rng.randrange(12, 40)).hex().upper()}
        text = json.dumps(doc)
        if semi_octet_numbers(text) != text:
            hits += bool(kinds(scan(text.encode(), "application/json")))
    assert hits == 0
