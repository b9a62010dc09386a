"""Compressed forms a receiver decodes that inspection did not: the legacy .lzma format
(LZMA_Alone: `lzma`, `xz --format=lzma`, 7-Zip's and Java's LZMA streams), undeclared or inside
base64, whatever its properties byte; and bzip2, xz and .lzma streams cut or damaged after an
identifier, which `xz -d` and `bunzip2` write out before they stop."""

from __future__ import annotations

import base64
import bz2
import json
import lzma
import random

import pytest

from residency_gateway.core.payload import _archive, _lzma_alone_head
from tests.core.test_redteam_encodings import ID, found, scan

DOC = json.dumps({"name": "a", "v": ID, "pad": "x" * 3000}).encode()


def alone(data: bytes, lc: int = 3, lp: int = 0, pb: int = 2, dict_size: int = 1 << 23) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_ALONE, filters=[
        {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}])


@pytest.mark.parametrize(("lc", "lp", "pb", "dict_size"), [
    (3, 0, 2, 1 << 23), (0, 0, 0, 1 << 16), (4, 0, 0, 1 << 26), (0, 4, 4, 3 << 20),
    (3, 0, 2, 4096)])
@pytest.mark.parametrize("content_type", ["application/octet-stream", "application/json",
                                          "application/x-lzma"])
def test_lzma_alone_undeclared(lc, lp, pb, dict_size, content_type):
    body = alone(DOC, lc, lp, pb, dict_size)
    assert _archive(body) == "lzma"
    assert "id" in found(body, content_type)


def test_lzma_alone_in_base64_in_json():
    body = json.dumps({"d": base64.b64encode(alone(DOC)).decode()}).encode()
    assert "id" in found(body)


def bzip2_small_blocks(data: bytes) -> bytes:
    return bz2.compress(data, compresslevel=1)  # 100 kB blocks: bzip2 decodes whole blocks


@pytest.mark.parametrize("compress", [bzip2_small_blocks, lzma.compress, alone],
                         ids=["bzip2", "xz", "lzma"])
@pytest.mark.parametrize("damage", ["cut", "corrupt"])
def test_a_stream_cut_or_damaged_after_the_identifier_is_read_up_to_the_damage(compress, damage):
    whole = compress(DOC + bytes(random.Random(1).randbytes(300_000)))
    if damage == "cut":
        body = whole[:len(whole) * 3 // 4]
    else:
        mid = len(whole) * 3 // 4
        body = whole[:mid] + bytes(b ^ 0xA5 for b in whole[mid:mid + 64]) + whole[mid + 64:]
    assert "id" in found(body, "application/octet-stream")


def test_random_and_media_bytes_are_not_taken_for_lzma():
    rnd = random.Random(7)
    starts = [rnd.randbytes(32) for _ in range(20000)]
    assert sum(_lzma_alone_head(b) for b in starts) == 0
    png = b"\x89PNG\r\n\x1a\n" + rnd.randbytes(100)
    assert not _lzma_alone_head(png)
    r = scan(rnd.randbytes(4096), "application/octet-stream")
    assert r.error is None and not r.ids


def test_an_lzma_bomb_is_refused_not_forwarded_unread():
    r = scan(alone(b"0" * (64 << 20)), "application/octet-stream")
    assert r.error is not None


@pytest.mark.parametrize("head", [
    b"\x04\x22\x4d\x18\x64\x40\xa7", b"\x02\x21\x4c\x18", b"LZIP\x01\x0c",
    b"\xff\x06\x00\x00sNaPpY", b"\x1f\x9d\x90"], ids=["lz4", "lz4-legacy", "lzip", "snappy",
                                                    "compress"])
@pytest.mark.parametrize("where", ["body", "base64"])
def test_formats_not_decoded_are_refused_not_forwarded_unread(head, where):
    data = head + random.Random(3).randbytes(2000)
    body = data if where == "body" else json.dumps(
        {"d": base64.b64encode(data).decode()}).encode()
    r = scan(body, "application/octet-stream" if where == "body" else "application/json")
    assert r.error is not None and "cannot be inspected" in r.note, r.note


def test_random_bytes_that_begin_as_compress_flags_do_not():
    # (a 1F 9D start with reserved bits set, or an impossible code width, is not .Z)
    for third in (0x60, 0x08, 0x11):
        r = scan(b"\x1f\x9d" + bytes([third]) + random.Random(4).randbytes(500),
                 "application/octet-stream")
        assert r.error is None
