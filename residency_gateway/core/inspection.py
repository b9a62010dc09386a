"""What of a request is read and inspected, and what streams: the rules the proxy and `explain`
share, so both reach the same verdict on the same request.

- A body whose first bytes carry a binary media signature (and no Content-Encoding) streams
  uninspected and unbuffered, whatever its declared type (`payload.binary_signature`); the
  text in those first bytes (metadata) is read. Round 20: a JPEG or PNG image up to
  `payload.max_inspect_bytes` is held whole instead (`held_image`): the metadata of all its
  chunks / segments, and whatever follows its end (an appended archive), are read; a larger
  image, video and audio stream as before. Round 21: GIF, WebP, TIFF and HEIC/AVIF images
  are held and walked so too (`payload.HELD_IMAGES`); video (MP4/MOV) still streams.
  Round 22: audio (MP3, WAV, FLAC, Ogg), WebM and JPEG 2000 are held and walked too
  (`payload.HELD_MEDIA`: metadata anywhere, samples skipped, what follows read); a held body
  whose structure breaks after its signature is read as data from the break.
- Any other body up to `payload.max_inspect_bytes` is read whole and inspected.
- Over the limit it is refused (413), except a multipart body when the map says
  `oversize_multipart: stream`: it is forwarded with its fields uninspected, and the record
  says so.

Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt

from residency_gateway.core.payload import (
    HELD_MEDIA,
    SIGNATURE_BYTES,
    InspectOptions,
    binary_signature,
    inspect_body,
    media_texts,
    scan_views,
    shown_type,
    structured,
)
from residency_gateway.core.values import PayloadScan, Reason
from residency_gateway.regionmap.schema import PayloadInspection, RegionMap


def options(conf: PayloadInspection) -> InspectOptions:
    return InspectOptions(max_inspect_bytes=conf.max_inspect_bytes,
                          resident_ids=conf.resident_id, phones=conf.mobile_phone,
                          max_decompression_ratio=conf.max_decompression_ratio,
                          budget=conf.inspect_budget, max_subjects=conf.max_subjects,
                          max_view_bytes=conf.max_inspect_bytes * 8)


def identity_coded(content_encoding: str) -> bool:
    return all(c.strip().lower() in ("", "identity") for c in content_encoding.split(","))


def streamed_media(head: bytes, content_encoding: str, content_type: str = "") -> str | None:
    """The media format of a body that streams uninspected, from its first bytes."""
    if not identity_coded(content_encoding) or structured(content_type):
        return None
    return binary_signature(head[:SIGNATURE_BYTES])


def held_image(media: str | None, size: int | None, conf: PayloadInspection) -> bool:
    """Round 20: whether a media body is held whole and inspected rather than streamed: a
    JPEG or PNG image (round 21: GIF, WebP, TIFF, HEIC/AVIF too; photos and scans are rarely
    past a few MB) of at most max_inspect_bytes (`size` None: chunked, read up to the bound to
    find out). Round 22: audio, WebM and JPEG 2000 too (`payload.HELD_MEDIA`; a voice
    sample for a liveness check is a few hundred KB)."""
    return media in HELD_MEDIA and (size is None or size <= conf.max_inspect_bytes)


def media_scan(media: str, content_type: str, head: bytes, *, key: bytes, today: dt.date,
               conf: PayloadInspection) -> PayloadScan:
    """A media body streams uninspected; the text in its first bytes (EXIF and XMP metadata,
    a JPEG comment, PNG text chunks: where a camera, an app or a client writes words) is
    read as any text is."""
    note = (f"{shown_type(content_type)} body with a {media} signature streamed uninspected "
            f"(its text metadata in the first {len(head)} bytes read)")
    texts = media_texts(head)
    if not texts:
        return PayloadScan(False, note=note)
    found = scan_views([("body/metadata", texts)], key=key, today=today, options=options(conf),
                       inspected=False, note=note)
    return found if found.error is None else PayloadScan(False, note=note)


def oversize_scan(content_type: str, size: int | None, conf: PayloadInspection) -> PayloadScan:
    """The verdict on a body over `max_inspect_bytes` (`size` None: chunked, not declared)."""
    shown = shown_type(content_type)
    how = f"of {size} bytes" if size is not None else "(chunked)"
    if shown.startswith("multipart/") and conf.oversize_multipart == "stream":
        return PayloadScan(False, note=f"{shown} body {how} over payload.max_inspect_bytes "
                           "streamed uninspected (oversize_multipart: stream)")
    return PayloadScan(False, note=f"{shown} body {how} exceeds payload.max_inspect_bytes "
                       f"{conf.max_inspect_bytes}", error=Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)


def scan_held_body(body: bytes | None, content_type: str, content_encoding: str,
                   rmap: RegionMap, key: bytes, today: dt.date) -> PayloadScan:
    """The verdict on a body held whole in memory (explain; the proxy reads the same way)."""
    if not body:
        return PayloadScan(False, note="no body")
    media = streamed_media(body, content_encoding, content_type)
    if media is not None and not held_image(media, len(body), rmap.payload):
        return media_scan(media, content_type, body[:SIGNATURE_BYTES], key=key, today=today,
                          conf=rmap.payload)
    conf = rmap.payload
    if len(body) > conf.max_inspect_bytes:
        return oversize_scan(content_type, len(body), conf)
    return inspect_body(body, content_type=content_type, content_encoding=content_encoding,
                        key=key, today=today, options=options(conf))
