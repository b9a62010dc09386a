"""Text in the first bytes of a media body (EXIF and XMP metadata, a JPEG comment, PNG text
chunks, UTF-16 tags) is read as text; the rest of the media streams uninspected."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib

from residency_gateway.core.inspection import media_scan
from residency_gateway.core.payload import inspect_body, media_texts
from residency_gateway.regionmap.schema import PayloadInspection
from tests.helpers import ADULT_ID, CN_MOBILE

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
CONF = PayloadInspection()


def jpeg(*segments: bytes, pixels: bytes = b"") -> bytes:
    """SOI, JFIF APP0, the given segments (marker + payload), SOS and entropy-coded bytes."""
    out = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01" \
        b"\x00\x01\x00\x00"
    for seg in segments:
        marker, payload = seg[:2], seg[2:]
        out += marker + struct.pack(">H", len(payload) + 2) + payload
    rng = random.Random(5)
    return out + b"\xff\xda" + (pixels or bytes(rng.randrange(256) for _ in range(20000)))


def png(*chunks: tuple[bytes, bytes]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, data in ((b"IHDR", struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0)), *chunks):
        out += struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    return out


def scan(body: bytes, content_type: str):
    return media_scan("jpeg" if body[:2] == b"\xff\xd8" else "png", content_type, body[:4096],
                      key=KEY, today=TODAY, conf=CONF)


def test_an_id_in_a_jpeg_comment_or_exif_is_found():
    comment = b"\xff\xfe" + f"customer id {ADULT_ID}".encode()
    exif = b"\xff\xe1Exif\x00\x00II*\x00\x08\x00\x00\x00" + b"\x00" * 10 + \
        f"ImageDescription: tel {CN_MOBILE}".encode() + b"\x00"
    assert scan(jpeg(comment), "image/jpeg").ids
    assert any(p.jurisdiction == "CN" for p in scan(jpeg(exif), "image/jpeg").phones)
    # a UTF-16LE tag (EXIF UserComment "UNICODE", Windows XPComment)
    xp = b"\xff\xe1Exif\x00\x00" + b"UNICODE\x00" + f"ID {ADULT_ID}".encode("utf-16-le")
    assert scan(jpeg(xp), "image/jpeg").ids
    # XMP (an XML packet in APP1)
    xmp = (b"\xff\xe1http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:description>"
           + ADULT_ID.encode() + b"</dc:description></x:xmpmeta>")
    assert scan(jpeg(xmp), "image/jpeg").ids


def test_an_id_in_png_text_chunks_is_found():
    assert scan(png((b"tEXt", b"Comment\x00" + ADULT_ID.encode())), "image/png").ids
    assert scan(png((b"iTXt", b"Description\x00\x00\x00\x00\x00id " + ADULT_ID.encode())),
                "image/png").ids


def test_a_media_part_of_a_multipart_body_has_its_metadata_read():
    from tests.core.test_payload import multipart

    body, ctype = multipart([(['Content-Disposition: form-data; name="face"; filename="f.jpg"',
                               "Content-Type: image/jpeg"],
                              jpeg(b"\xff\xfe" + f"id {ADULT_ID}".encode()))])
    found = inspect_body(body, content_type=ctype, key=KEY, today=TODAY)
    assert found.ids and "metadata" in found.note


def test_media_without_text_and_random_binary_find_nothing():
    rng = random.Random(11)
    for _ in range(300):
        noise = bytes(rng.randrange(256) for _ in range(4096))
        for body in (b"\xff\xd8\xff\xe0" + noise, b"\x89PNG\r\n\x1a\n" + noise):
            found = scan(body, "image/jpeg")
            assert not found.ids and not found.phones
            assert found.error is None and not found.inspected
    camera = jpeg(b"\xff\xe1Exif\x00\x00MM\x00*Canon EOS R5\x002026:11:29 12:00:00\x00"
                  b"F/2.8 1/250s ISO 400 serial 0123456789")
    assert not scan(camera, "image/jpeg").ids and not scan(camera, "image/jpeg").phones


def test_media_texts_are_runs_of_eight_characters_or_more():
    assert media_texts(b"\x00\x01abc\x02hello world\x03" + "wide text".encode("utf-16-le")) \
        == b"hello world;\nwide text"
