"""Red team round 21: round 20's new readings (label-aware excuses for 15-digit numbers,
held and walked JPEG/PNG, multipart/byteranges, RTF shown text, Avro/Thrift, protobuf packed
fields, gRPC -bin headers, bplist, legacy-charset JSON) attacked for misses, false positives
and bounds, and their next spellings tried.

Attacked and held: an ID's own XML element, JSON key, YAML line or HTML cell after another
field's label (a comma, a line end, an object keep the label to its field); IMEIs under the
device labels round 20 knows (deviceId, hardwareId, uniqueDeviceId, imei_slot_1) and card
numbers under English card labels; multipart/byteranges of a gzip resource, with a part's
Content-Encoding or Content-Transfer-Encoding, UTF-16 cut mid-character; RTF \\upr/\\ud,
\\binN with braces in its data, field results; Thrift strict and compact messages,
multiplexed names and framed messages; Avro with Confluent framing under a Kafka type;
protobuf packed fields beside 1-byte varints, sint64 and doubles, and in gRPC -bin headers;
bplist in base64 JSON, in a zip, in a multipart part, gzipped, UIDs and NSKeyedArchiver; the
text, zip, gzip, tar, bzip2, xz, zstd, UTF-16, PDF, JPEG and PNG appended to a JPEG or PNG;
EXIF UserComment in little-endian UNICODE and ASCII, XPComment, IPTC; Extended XMP with
whole values; random bytes in a protobuf/gRPC/Avro/Thrift bytes field (a face image) read
clean; JSON in TIS-620, cp874, iso-8859-11, windows-31j, ms949, ms950, csShiftJIS,
windows-1258; WHATWG forms of 200k '&' and bad escapes, a 40 MB zTXt bomb, 100k RTF \\uN,
60k JPEG comments, 1000 overlapping byteranges, 60k Avro blocks all within a few seconds.

Found (strict xfails):
- MISS: an XML element's label is read across the previous sibling's closing tag
  (<Account>A-1</Account><Id>ID</Id>; wallet, policy, bill 12, an empty element, a device
  with a Luhn-valid ID): the sibling's label excuses a first-generation ID.
- MISS: an attribute of the element (type="loan" id=...) or the sentence before a full stop
  ("Paid by e-wallet. ID ...") is read as the ID's label.
- MISS: the holder's words after the identity word, as the region's languages write them
  ("NIK Pemegang Polis", "số CMND chủ tài khoản", "No. KP pemegang akaun", Thai and Chinese
  account-holder labels, "identity_no_of_account_holder"): the payment word last in the
  label excuses the holder's first-generation ID.
- MISS: a run of numbers after one label gives each the label ("Loan <account> <ID>",
  "IMEI <imei> <Luhn-valid ID>", after a comma, a dash or on the next line).
- FALSE POSITIVE: Luhn-valid IMEIs of 35 TACs under device labels the closed list does not
  know (deviceIdentifier, devId, dev_id, device_sn, terminalId, Indonesian perangkat,
  Vietnamese thiet bi, Japanese 端末) read as first-generation IDs.
- FALSE POSITIVE: 15-digit card numbers under the region's words for a card (kartu, kad,
  บัตร, カード: Ponta and d POINT card numbers) read as first-generation IDs; ASCII "card"
  excuses them.
- MISS: WebP, GIF, TIFF, HEIC and MP4 metadata after the first 4 KB (WebP XMP/EXIF chunks,
  a GIF comment or XMP extension after the first frame, a TIFF IFD at the end, an HEIC Exif
  item, an MP4 udta comment).
- MISS: a zip or text appended to a GIF or WebP is streamed as the image (round 20 reads
  what follows a JPEG or PNG only).
- MISS: EXIF UserComment in the standard's character codes: UNICODE in a big-endian (MM)
  EXIF is UTF-16BE (iPhone, Canon, Nikon); JIS is JIS X 0208 without escapes.
- MISS: Adobe Extended XMP cut across APP1 segments at byte offsets: a value cut between
  two segments is read as two halves (in order or not).
- MISS: a protobuf packed repeated int64 where a 2-4 byte varint (300, 70000) stands beside
  the mobile (1-byte neighbours are read), in a body or a gRPC message.
- MISS: protobuf and Avro integers in base64 binary records inside JSON (Kafka REST Proxy
  v2 records and v3 BINARY data, Confluent framing, a Pub/Sub push message's data), where
  base64 MessagePack/CBOR/BSON in JSON is read.
- FALSE POSITIVE: RTF breaks (\\par, \\line, \\tab, \\sect, \\page) read as nothing between
  two numbers ("1391\\tab 2345678"), where a newline, a tab, <p>, <br>, <li> keep them apart.
- FALSE POSITIVE (refusal): JSON in a legacy charset named as Java names it (x-windows-874,
  x-IBM874, x-windows-949, x-windows-950, x-MS950-HKSCS, x-mswin-936, windows-936, x-IBM943,
  x-euc-jp-linux) is refused 400 as not valid JSON.
- FALSE POSITIVE (refusal): a Thrift THeader frame (magic 0x0FFF: fbthrift's header
  transport), clean, is refused 400 as not the thrift declared.
- BOUNDS: 40 PNG zTXt / iTXt chunks of 2 MB inflated text each (an 83 KB PNG, 80 MB
  inflated) are inflated each within the limit, not bounded together: ~4 s of CPU and ~60
  MB per request, neither refused nor cut.

End to end through a real gateway (a Singapore client): an XML record whose ID follows an
<Account> sibling reaches the sg upstream; a clean THeader call is refused 400.

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import io
import json
import lzma
import plistlib
import random
import struct
import time
import zipfile
import zlib

import msgpack
import pytest

from residency_gateway.core.payload import inspect_body
from residency_gateway.core.values import Reason
from tests.core.test_fifteen_digit_labels import first_generation_shaped
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found
from tests.core.test_redteam_round19 import (
    ID,
    JSON,
    MOBILE,
    MOBILE2,
    b64,
    frame,
    inspected,
    kinds,
    pb_int,
    pb_str,
    varint,
)
from tests.core.test_redteam_round20 import (
    IMEIS_35,
    avro_long,
    avro_string,
    packed,
    zigzag,
)
from tests.helpers import ADDR

TEXT = "text/plain"
XML = "application/xml"
PB = "application/x-protobuf"
THRIFT = "application/x-thrift"
FIRST_GENERATION = "110101900307123"  # area 110101, born 1990-03-07, sequence 123
ACCOUNT = "860012345678901"  # a 15-digit account number


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def luhn_valid_first_generation(seed: int) -> str:
    """A first-generation ID (Beijing Dongcheng, born 19YY) whose last digit happens to be a
    Luhn check digit: one ID in ten."""
    rng = random.Random(seed)
    while True:
        number = (f"110101{rng.randrange(50, 99):02d}{rng.randrange(1, 13):02d}"
                  f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}")
        if luhn_ok(number):
            return number


LUHN_FIRST_GENERATION = luhn_valid_first_generation(5)


def noise(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


def zipped_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Round 20's label excuses for 15-digit numbers: another field's label reaches over


def test_a_first_generation_id_under_its_own_xml_element_found():
    assert found(f"<Customer><Name>Zhang Wei</Name><Id>{FIRST_GENERATION}</Id></Customer>",
                 XML) == {"id"}
    assert found(f"<Customer><Account>A-1</Account><IdNumber>{FIRST_GENERATION}</IdNumber>"
                 "</Customer>", XML) == {"id"}


@pytest.mark.parametrize("body", [
    f"<Customer><Account>A-1</Account><Id>{FIRST_GENERATION}</Id></Customer>",
    f"<Customer><Wallet>GoPay</Wallet><Id>{FIRST_GENERATION}</Id></Customer>",
    f"<Customer><Policy>P-88</Policy><No>{FIRST_GENERATION}</No></Customer>",
    f"<Customer><Bill>12</Bill><Id>{FIRST_GENERATION}</Id></Customer>",
    f'<Customer><Order ref="A"/><Id>{FIRST_GENERATION}</Id></Customer>',
    f"<Kyc><Device>Redmi</Device><Id>{LUHN_FIRST_GENERATION}</Id></Kyc>",
], ids=["account", "wallet", "policy", "bill-two-digits", "empty-order-element", "device-luhn"])
def test_xml_sibling_label_reaches_over_missed(body):
    assert found(body, XML) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (f'<customer type="loan" id="{FIRST_GENERATION}"/>', XML),
    (f'<Applicant product="loan" no="{FIRST_GENERATION}"/>', XML),
    (f"Paid by e-wallet. ID {FIRST_GENERATION}", TEXT),
    (f"Applied for a loan. ID {FIRST_GENERATION}", TEXT),
], ids=["attribute-type", "attribute-product", "sentence-wallet", "sentence-loan"])
def test_label_of_another_attribute_or_sentence_missed(body, content_type):
    assert found(body, content_type) == {"id"}


def test_other_fields_labels_do_not_reach_over_in_json_and_lines():
    for body, content_type in [
        (j_dump({"loan": 1, "id": FIRST_GENERATION}), JSON),
        (j_dump({"payer": {"wallet": "OVO", "id": FIRST_GENERATION}}), JSON),
        (j_dump({"device": "Redmi Note 12", "id": LUHN_FIRST_GENERATION}), JSON),
        (f"loan: x\nid: {FIRST_GENERATION}", "application/yaml"),
        (f"<tr><td>Payment</td><td>{FIRST_GENERATION}</td></tr>", "text/html"),
    ]:
        assert found(body, content_type) == {"id"}, body


@pytest.mark.parametrize("body", [
    f"Loan {ACCOUNT} {FIRST_GENERATION}",
    f"Account {ACCOUNT} {FIRST_GENERATION}",
    f"Policy {ACCOUNT} / {FIRST_GENERATION}",
    f"IMEI 356938035643809 {LUHN_FIRST_GENERATION}",
    f"Account {ACCOUNT}, {FIRST_GENERATION}",
    f"Account {ACCOUNT} - {FIRST_GENERATION}",
    f"Account: {ACCOUNT}\n  {FIRST_GENERATION}",
], ids=["loan", "account", "policy-slash", "imei-luhn", "comma", "dash", "next-line"])
def test_run_after_one_label_excuses_an_id_missed(body):
    assert found(body, TEXT) == {"id"}


def j_dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


IMEI_35 = IMEIS_35[0]  # a Samsung TAC: 353918 is Fujian's area code, 101225 a date


@pytest.mark.parametrize("label", ["deviceId", "device_id", "hardwareId", "handsetId",
                                   "equipmentId", "uniqueDeviceId", "imei_slot_1"])
def test_imeis_under_known_device_labels_stay_clean(label):
    assert found(j_dump({label: IMEI_35})) == set()


@pytest.mark.parametrize("label", ["deviceIdentifier", "devId", "dev_id", "device_sn",
                                   "terminalId", "perangkat_id", "id_perangkat", "ma_thiet_bi",
                                   "mã thiết bị", "端末ID"])
def test_imeis_under_other_device_labels_false_positive(label):
    assert found(j_dump({label: IMEI_35})) == set()


@pytest.mark.parametrize("label", ["account holder identity", "borrowerIdentityNo",
                                   "loan_applicant_identity"])
def test_identity_labels_before_a_holder_found(label):
    assert found(j_dump({label: FIRST_GENERATION})) == {"id"}
    assert found(f"{label}: {FIRST_GENERATION}", TEXT) == {"id"}


@pytest.mark.parametrize("label", [
    "Nomor Identitas Pemilik Rekening", "identitas_nasabah_pinjaman", "NIK Pemegang Polis",
    "số CMND chủ tài khoản", "số giấy tờ tùy thân chủ hợp đồng", "No. KP pemegang akaun",
    "เลขประจำตัวผู้ถือบัญชี", "账户持有人证号", "合同签署人证号", "identity_no_of_account_holder",
])
def test_identity_of_an_account_holder_missed(label):
    assert found(j_dump({label: FIRST_GENERATION})) == {"id"}
    assert found(f"{label}: {FIRST_GENERATION}", TEXT) == {"id"}


@pytest.mark.parametrize("label", ["card_no", "cardNumber", "loyaltyCardNo", "points_card"])
def test_card_numbers_under_english_labels_stay_clean(label):
    rng = random.Random(label)
    for _ in range(10):
        assert found(j_dump({label: first_generation_shaped(rng)})) == set()


@pytest.mark.parametrize("label", ["nomor_kartu", "noKartu", "no_kad", "nombor kad",
                                   "หมายเลขบัตร", "カード番号", "dポイントカード番号"])
def test_card_numbers_under_other_languages_labels_false_positive(label):
    rng = random.Random(label)
    for _ in range(10):
        number = first_generation_shaped(rng)
        assert found(j_dump({label: number})) == set(), number


# ---------------------------------------------------------------------------------------------
# Media other than JPEG/PNG: only the first 4 KB is read


MEDIA_TEXT = f"tel {MOBILE} id {ID}".encode()
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:description="'
       + MEDIA_TEXT + b'"/></rdf:RDF></x:xmpmeta>')


def riff_chunk(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def webp(pixels: int, after: bytes) -> bytes:
    """An extended WebP (VP8X), its VP8 bitstream, then `after` (XMP / EXIF chunks)."""
    chunks = (riff_chunk(b"VP8X", bytes([0x0C, 0, 0, 0]) + (99).to_bytes(3, "little") * 2)
              + riff_chunk(b"VP8 ", noise(pixels)) + after)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def exif_tiff(text: bytes) -> bytes:
    """A little-endian TIFF/EXIF block with one ImageDescription (ASCII, 0x010E)."""
    return (b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x010E, 2,
                                                                    len(text) + 1, 26)
            + b"\0\0\0\0" + text + b"\0")


def gif_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                    for i in range(0, len(data), 255)) + b"\x00"


def gif(pixels: int, after: bytes, trailer: bytes = b"") -> bytes:
    """A GIF89a: one frame of `pixels` LZW bytes, then `after` (extensions), ';', `trailer`."""
    head = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\0" * 6
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 10, 10, 0) + b"\x08" + gif_blocks(
        noise(pixels))
    return head + image + after + b"\x3b" + trailer


def tiff(pixels: int, text: bytes) -> bytes:
    """A TIFF whose strip comes first and whose IFD (ImageDescription) is at the end, as
    scanners and libtiff write it."""
    strip = noise(pixels)
    ifd_at = 8 + len(strip)
    text_at = ifd_at + 2 + 12 * 3 + 4
    ifd = (struct.pack("<H", 3) + struct.pack("<HHII", 0x010E, 2, len(text) + 1, text_at)
           + struct.pack("<HHII", 0x0111, 4, 1, 8) + struct.pack("<HHII", 0x0117, 4, 1, len(strip))
           + b"\0\0\0\0")
    return b"II*\x00" + struct.pack("<I", ifd_at) + strip + ifd + text + b"\0"


def box(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", 8 + len(data)) + kind + data


def heic(pixels: int, exif: bytes) -> bytes:
    """An HEIC/ISO-BMFF file: ftyp, the coded image (mdat), then an Exif item's data."""
    return (box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"mdat", noise(pixels))
            + box(b"mdat", b"\0\0\0\x06Exif\0\0" + exif))


def mp4(pixels: int, comment: bytes) -> bytes:
    return (box(b"ftyp", b"isom\0\0\0\0isom") + box(b"mdat", noise(pixels))
            + box(b"udta", box(b"\xa9cmt", comment)))


GIF_COMMENT = b"\x21\xfe" + gif_blocks(MEDIA_TEXT)
GIF_XMP = b"\x21\xff\x0bXMP DataXMP" + gif_blocks(XMP)
MEDIA = [
    (lambda n: webp(n, riff_chunk(b"XMP ", XMP)), "image/webp"),
    (lambda n: webp(n, riff_chunk(b"EXIF", exif_tiff(MEDIA_TEXT))), "image/webp"),
    (lambda n: gif(n, GIF_COMMENT), "image/gif"),
    (lambda n: gif(n, GIF_XMP), "image/gif"),
    (lambda n: tiff(n, b"Scanned ID card " + MEDIA_TEXT), "image/tiff"),
    (lambda n: heic(n, exif_tiff(MEDIA_TEXT)), "image/heic"),
    (lambda n: mp4(n, MEDIA_TEXT), "video/mp4"),
]
MEDIA_IDS = ["webp-xmp", "webp-exif", "gif-comment", "gif-xmp", "tiff-description-at-end",
             "heic-exif-item", "mp4-udta-comment"]


@pytest.mark.parametrize(("make", "content_type"), MEDIA, ids=MEDIA_IDS)
def test_media_metadata_in_the_first_4k_found(make, content_type):
    assert kinds(inspected(make(200), content_type)) == {"id", "mobile"}


@pytest.mark.parametrize(("make", "content_type"), MEDIA, ids=MEDIA_IDS)
def test_media_metadata_past_4k_found(make, content_type):
    # (WebP, GIF, TIFF and HEIC, missed here at first, are held and walked since round 21's
    # fixes; MP4 since round 24's, where the body is inspected: a top-level video body
    # still streams at the gateway, see tests/core/test_round24_binary.py)
    assert kinds(inspected(make(20000), content_type)) == {"id", "mobile"}


APPENDED_ZIP = zipped({"kyc/subject.txt": f"id {ID} tel {MOBILE}"})


@pytest.mark.parametrize(("body", "content_type"), [
    (gif(20000, b"", APPENDED_ZIP), "image/gif"),
    (gif(20000, b"", MEDIA_TEXT), "image/gif"),
    (webp(20000, b"") + APPENDED_ZIP, "image/webp"),
    (webp(20000, b"") + MEDIA_TEXT, "image/webp"),
], ids=["gif-zip", "gif-text", "webp-zip", "webp-text"])
def test_data_appended_to_other_images_missed(body, content_type):
    assert kinds(inspected(body, content_type)) == {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# JPEG metadata as cameras and phones write it (round 20 walks all segments of a held JPEG)


def jpeg_segment(marker: int, data: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data


JPEG_SCAN = (b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
             + noise(20000).replace(b"\xff", b"\xff\x00") + b"\xff\xd9")


def jpeg(*segments: bytes, tail: bytes = b"") -> bytes:
    return b"\xff\xd8" + b"".join(segments) + JPEG_SCAN + tail


def exif_user_comment(code: bytes, text: bytes, order: bytes = b"MM") -> bytes:
    """APP1 Exif with one UserComment (0x9286, UNDEFINED): 8 bytes of character code, then
    the text; in a big-endian ("MM": iPhone, Canon, Nikon) TIFF, UNICODE is UTF-16BE."""
    comment = code + text
    fmt = ">" if order == b"MM" else "<"
    tiff_block = (order + struct.pack(fmt + "H", 42) + struct.pack(fmt + "IH", 8, 1)
                  + struct.pack(fmt + "HHII", 0x9286, 7, len(comment), 26) + b"\0\0\0\0" + comment)
    return jpeg_segment(0xE1, b"Exif\0\0" + tiff_block)


def jis_x0208(text: str) -> bytes:
    return text.encode("iso2022_jp")[3:-3]  # (the JIS X 0208 bytes, without ESC $ B / ESC ( B)


@pytest.mark.parametrize("segment", [
    exif_user_comment(b"UNICODE\0", f"tel {MOBILE}".encode("utf-16-le"), b"II"),
    exif_user_comment(b"ASCII\0\0\0", f"tel {MOBILE}".encode(), b"MM"),
    jpeg_segment(0xFE, f"tel {MOBILE}".encode()),
], ids=["unicode-little-endian", "ascii-big-endian", "comment"])
def test_jpeg_comments_found(segment):
    assert kinds(inspected(jpeg(segment), "image/jpeg")) == {"mobile"}


@pytest.mark.parametrize("segment", [
    exif_user_comment(b"UNICODE\0", f"tel {MOBILE}".encode("utf-16-be")),
    exif_user_comment(b"UNICODE\0", f"+86 {MOBILE}".encode("utf-16-be")),
    exif_user_comment(b"JIS\0\0\0\0\0", jis_x0208("電話１３９１２３４５６７８")),
], ids=["unicode-big-endian", "unicode-big-endian-e164", "jis"])
def test_exif_user_comment_codes_missed(segment):
    assert "mobile" in kinds(inspected(jpeg(segment), "image/jpeg"))


def extended_xmp(text: str, split_at: str, reverse: bool = False) -> bytes:
    """Adobe Extended XMP (Google depth / motion photos): the main XMP names a GUID, the
    extension packet is cut across APP1 segments at byte offsets (here inside a number)."""
    packet = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
              'xmlns:GDepth="http://ns.google.com/photos/1.0/depthmap/" GDepth:Data="'
              + "A" * 3000 + f'" dc:description="{text}"/></rdf:RDF></x:xmpmeta>').encode()
    guid = hashlib.md5(packet).hexdigest().upper().encode()
    cut = packet.index(split_at.encode()) + len(split_at) // 2
    pieces = [(0, packet[:cut]), (cut, packet[cut:])]
    main = (b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF>"
            b"<rdf:Description xmlns:xmpNote=\"http://ns.adobe.com/xmp/note/\" "
            b"xmpNote:HasExtendedXMP=\"" + guid + b"\"/></rdf:RDF></x:xmpmeta>")
    return jpeg_segment(0xE1, main) + b"".join(
        jpeg_segment(0xE1, b"http://ns.adobe.com/xmp/extension/\0" + guid
                     + struct.pack(">II", len(packet), offset) + piece)
        for offset, piece in (reversed(pieces) if reverse else pieces))


def test_extended_xmp_whole_values_found():
    assert kinds(inspected(jpeg(extended_xmp(f"tel {MOBILE} id {ID}", "tel ")),
                           "image/jpeg")) == {"id", "mobile"}


@pytest.mark.parametrize(("text", "split_at", "reverse"), [
    (f"tel {MOBILE}", MOBILE, False),
    (f"tel {MOBILE}", MOBILE, True),
    (f"id {ID}", ID, False),
], ids=["mobile", "mobile-pieces-reversed", "id"])
def test_extended_xmp_split_values_missed(text, split_at, reverse):
    assert kinds(inspected(jpeg(extended_xmp(text, split_at, reverse)), "image/jpeg")) & {
        "id", "mobile"}


@pytest.mark.parametrize("tail", [
    b"tel " + MOBILE.encode(), b"PK" + zipped({"a.txt": f"tel {MOBILE}"})[2:],
], ids=["text", "zip"])
def test_data_appended_to_a_jpeg_found(tail):
    assert "mobile" in kinds(inspected(jpeg(tail=tail), "image/jpeg"))


# ---------------------------------------------------------------------------------------------
# Protobuf packed fields beside small varints


def test_packed_identifiers_alone_found():
    body = pb_str(1, "Zhang Wei") + packed(4, varint(int(MOBILE)) + varint(int(MOBILE2)))
    assert kinds(inspected(body, PB)) == {"mobile"}


@pytest.mark.xfail(strict=True, reason=(
    "MISS (POLICY, kept): a packed repeated int64 whose other elements are 2-4 byte varints "
    "(a count, a timestamp offset, an enum) beside the mobile: the packed reading is given up "
    "unless every element is identifier-sized or 1 byte. A fix was merged and reverted: it "
    "tripled the share of random 8-byte protobuf bytes fields (nonces, short ids) read as a "
    "mobile, 0.55% -> 1.6%, ordinary overseas gRPC traffic pinned to cn"))
@pytest.mark.parametrize(("body", "content_type"), [
    (pb_str(1, "Zhang Wei") + packed(4, varint(300) + varint(int(MOBILE))), PB),
    (pb_str(1, "Zhang Wei") + packed(4, varint(int(MOBILE)) + varint(70000)), PB),
    (pb_str(1, "Zhang Wei") + packed(4, varint(1) + varint(20000) + varint(3000000)
                                     + varint(int(MOBILE))), PB),
    (frame(pb_str(1, "Zhang Wei") + packed(4, varint(300) + varint(int(MOBILE)))),
     "application/grpc"),
], ids=["two-byte-before", "three-byte-after", "mixed-widths", "grpc"])
def test_packed_beside_small_varints_missed(body, content_type):
    assert "mobile" in kinds(inspected(body, content_type))


@pytest.mark.parametrize(("content_type", "seed"), [
    (ct, seed) for ct in (PB, "application/grpc", "avro/binary", THRIFT) for seed in range(6)])
def test_random_bytes_in_binary_fields_stay_clean(content_type, seed):
    """A face image in a bytes field is no packed or Avro/Thrift integer reading."""
    blob = noise(4096, seed)
    if content_type == "avro/binary":
        body = avro_string("Tan Ah Kow") + avro_string("S1234567D") + avro_long(
            len(blob)) + blob
    elif content_type == THRIFT:
        body = (b"\x0b\x00\x01" + struct.pack(">i", 10) + b"Tan Ah Kow" + b"\x0b\x00\x02"
                + struct.pack(">i", len(blob)) + blob + b"\x00")
    else:
        body = pb_str(1, "Tan Ah Kow") + pb_str(2, "S1234567D") + pb_str(3, blob)
        if content_type == "application/grpc":
            body = frame(body)
    r = inspected(body, content_type)
    assert r.error is None, r.note
    assert kinds(r) == set()


# ---------------------------------------------------------------------------------------------
# Binary records in base64 inside JSON: Kafka REST Proxy, Pub/Sub push


CONFLUENT_AVRO_STRINGS = b"\x00\x00\x00\x00\x07" + avro_string("Zhang Wei") + avro_string(MOBILE)
CONFLUENT_AVRO_LONG = b"\x00\x00\x00\x00\x07" + avro_string("Zhang Wei") + avro_long(int(MOBILE))
PB_INT64 = pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE))


@pytest.mark.parametrize(("body", "content_type"), [
    (j_dump({"records": [{"value": b64(CONFLUENT_AVRO_STRINGS)}]}),
     "application/vnd.kafka.binary.v2+json"),
    (j_dump({"data": b64(msgpack.packb({"n": "Zhang Wei", "t": int(MOBILE)}))}), JSON),
], ids=["kafka-avro-strings", "msgpack-integer"])
def test_base64_records_in_json_found(body, content_type):
    assert found(body, content_type) == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j_dump({"records": [{"value": b64(CONFLUENT_AVRO_LONG)}]}),
     "application/vnd.kafka.binary.v2+json"),
    (j_dump({"value": {"type": "BINARY", "data": b64(CONFLUENT_AVRO_LONG)}}), JSON),
    (j_dump({"records": [{"value": b64(PB_INT64)}]}), "application/vnd.kafka.binary.v2+json"),
    (j_dump({"value": {"type": "BINARY", "data": b64(
        b"\x00\x00\x00\x00\x07\x00" + PB_INT64)}}), JSON),
    (j_dump({"message": {"data": b64(PB_INT64), "messageId": "9876543210"},
             "subscription": "projects/kyc/subscriptions/verify"}), JSON),
], ids=["kafka-v2-avro", "kafka-v3-avro", "kafka-v2-protobuf", "kafka-v3-confluent-protobuf",
        "pubsub-push-protobuf"])
def test_base64_binary_record_integers_missed(body, content_type):
    assert found(body, content_type) == {"mobile"}


# ---------------------------------------------------------------------------------------------
# Bounds: the PNG text chunks of round 20 are inflated one by one


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with(chunks: bytes) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunks + png_chunk(b"IDAT", zlib.compress(b"\0\0")) + png_chunk(b"IEND", b""))


ZEROS_2M = zlib.compress(b"0" * (2 << 20), 9)


def test_one_png_text_bomb_bounded():
    body = png_with(png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"0" * (40 << 20), 9)))
    start = time.process_time()
    result = inspected(body, "image/png")
    assert time.process_time() - start < 5
    assert result.error is None or result.error in (Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                                    Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)


@pytest.mark.parametrize("chunk", [
    png_chunk(b"zTXt", b"Comment\0\0" + ZEROS_2M),
    png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + ZEROS_2M),
], ids=["ztxt", "itxt"])
def test_many_png_text_chunks_bounded_together(chunk):
    body = png_with(chunk * 40)
    start = time.process_time()
    result = inspected(body, "image/png")
    assert result.error is not None or time.process_time() - start < 1.0


# ---------------------------------------------------------------------------------------------
# RTF shown text: breaks between numbers


def rtf(text: str) -> str:
    return "{\\rtf1\\ansi\\ansicpg1252\\deff0 " + text + "}"


@pytest.mark.parametrize(("body", "content_type"), [
    ("Kode:\n1391\n2345678\n", TEXT),
    ("Qty\tHarga\n1391\t2345678\n", TEXT),
    ("<p>Kode 1391</p><p>2345678</p>", "text/html"),
    ("Kode 1391<br>2345678", "text/html"),
    ("<li>1391</li><li>2345678</li>", "text/html"),
], ids=["text-newlines", "text-tab", "html-paragraphs", "html-br", "html-list"])
def test_breaks_between_numbers_stay_apart(body, content_type):
    assert found(body, content_type) == set()


def test_rtf_split_mobile_found():
    assert found(rtf("Tel: 139{\\b 1234}5678"), "application/rtf") == {"mobile"}


@pytest.mark.parametrize("body", [
    rtf("Qty\\tab Harga\\par 1391\\tab 2345678\\par"),
    rtf("Kode:\\par 1391\\par 2345678\\par"),
    rtf("{\\pard 1391\\par}{\\pard 2345678\\par}"),
    rtf("Blok 1391\\line 2345678"),
    rtf("Hal. 1391\\sect 2345678"),
    rtf("1391\\page 2345678"),
], ids=["tab-invoice-line", "paragraphs", "pard-groups", "line", "sect", "page"])
def test_rtf_breaks_joined_false_positive(body):
    assert found(body, "application/rtf") == set()


# ---------------------------------------------------------------------------------------------
# JSON in a legacy charset named as Java names it


def legacy_json(charset: str, codec: str, name: str) -> tuple[bytes, str]:
    body = j_dump({"name": name, "phone": "+65 9123 4567", "score": 0.97}).encode(codec)
    return body, f"application/json; charset={charset}"


@pytest.mark.parametrize(("charset", "codec", "name"), [
    ("TIS-620", "tis-620", "สมชาย ใจดี"), ("cp874", "cp874", "สมชาย ใจดี"),
    ("iso-8859-11", "cp874", "สมชาย ใจดี"), ("windows-31j", "cp932", "山田太郎"),
    ("ms949", "cp949", "김철수"), ("ms950", "cp950", "陳大文"), ("csShiftJIS", "shift_jis", "山田太郎"),
    ("windows-1258", "cp1258", "Nguyên"),
])
def test_legacy_charset_json_names_read(charset, codec, name):
    r = inspected(*legacy_json(charset, codec, name))
    assert r.error is None, r.note
    assert kinds(r) == set()


@pytest.mark.parametrize(("charset", "codec", "name"), [
    ("x-windows-874", "cp874", "สมชาย ใจดี"), ("x-IBM874", "cp874", "สมชาย ใจดี"),
    ("x-windows-949", "cp949", "김철수"), ("x-windows-950", "cp950", "陳大文"),
    ("x-MS950-HKSCS", "big5hkscs", "陳大文"), ("x-mswin-936", "gbk", "张伟"),
    ("windows-936", "gbk", "张伟"), ("x-IBM943", "cp932", "山田太郎"),
    ("x-euc-jp-linux", "euc_jp", "山田太郎"),
])
def test_legacy_charset_json_java_names_refused(charset, codec, name):
    r = inspected(*legacy_json(charset, codec, name))
    assert r.error is None, r.note
    assert kinds(r) == set()


def test_legacy_charset_java_names_refused_not_forwarded():
    """(mainland data under such a name is refused, not forwarded: what holds for Invariant 1)"""
    body = j_dump({"name": "สมชาย", "phone": MOBILE}).encode("cp874")
    r = inspected(body, "application/json; charset=x-windows-874")
    assert r.error is not None or kinds(r) == {"mobile"}


# ---------------------------------------------------------------------------------------------
# Thrift as RPC over HTTP sends it: the message envelope, THeader


def thrift_struct(name: str, phone: str) -> bytes:
    return (b"\x0b\x00\x01" + struct.pack(">i", len(name)) + name.encode()
            + b"\x0b\x00\x02" + struct.pack(">i", len(phone)) + phone.encode() + b"\x00")


def thrift_call(args: bytes, method: bytes = b"verify") -> bytes:
    """TBinaryProtocol strict message (THttpClient's body): version|CALL, name, seqid, then
    the args struct whose field 1 is the request struct."""
    return (struct.pack(">I", 0x80010001) + struct.pack(">i", len(method)) + method
            + struct.pack(">i", 1) + b"\x0c\x00\x01" + args + b"\x00")


def theader(payload: bytes) -> bytes:
    """fbthrift/Thrift THeader: length, magic 0x0FFF, flags, seqid, header words, protocol
    id (binary) and no transforms, then the payload."""
    head = varint(0) + varint(0) + b"\0\0"
    body = struct.pack(">HHI", 0x0FFF, 0, 1) + struct.pack(">H", len(head) // 4) + head + payload
    return struct.pack(">I", len(body)) + body


SG_THRIFT = thrift_struct("Tan Ah Kow", "+6591234567")


def compact_call(args: bytes, method: bytes = b"verify") -> bytes:
    """TCompactProtocol message: protocol id 0x82, version|CALL, seqid, name, args struct."""
    return b"\x82\x21" + varint(1) + varint(len(method)) + method + b"\x1c" + args + b"\x00"


COMPACT_SG = b"\x18\x0aTan Ah Kow" + b"\x18\x0b+6591234567" + b"\x00"
COMPACT_CN = b"\x18\x09Zhang Wei" + b"\x18\x0b" + MOBILE.encode() + b"\x00"


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (thrift_struct("Zhang Wei", MOBILE), THRIFT, {"mobile"}),
    (SG_THRIFT, THRIFT, set()),
    (thrift_call(thrift_struct("Zhang Wei", MOBILE)), THRIFT, {"mobile"}),
    (thrift_call(SG_THRIFT), THRIFT, set()),
    (thrift_call(SG_THRIFT, b"KycService:verify"), THRIFT, set()),
    (struct.pack(">I", len(thrift_call(SG_THRIFT))) + thrift_call(SG_THRIFT), THRIFT, set()),
    (compact_call(COMPACT_CN), "application/vnd.apache.thrift.compact", {"mobile"}),
    (compact_call(COMPACT_SG), "application/vnd.apache.thrift.compact", set()),
], ids=["struct", "struct-clean", "message", "message-clean", "multiplexed-clean",
        "framed-message-clean", "compact-message", "compact-message-clean"])
def test_thrift_messages_read(body, content_type, expected):
    r = inspected(body, content_type)
    assert r.error is None, r.note
    assert kinds(r) == expected


@pytest.mark.parametrize("body", [
    theader(SG_THRIFT),
    theader(thrift_call(SG_THRIFT)),
    theader(thrift_call(SG_THRIFT, b"compareFaces")),
], ids=["struct", "message", "message-other-method"])
def test_thrift_theader_refused(body):
    r = inspected(body, THRIFT)
    assert r.error is None, r.note
    assert kinds(r) == set()


def test_thrift_theader_is_refused_not_forwarded():
    """(the refusal keeps a mainland request from leaving: what holds for Invariant 1)"""
    r = inspected(theader(thrift_call(thrift_struct("Zhang Wei", MOBILE))), THRIFT)
    assert r.error is not None or kinds(r) == {"mobile"}


# ---------------------------------------------------------------------------------------------
# Round 20's other readings, next spellings (held)


BR = "multipart/byteranges; boundary=R"
CSV_DOC = f"name,tel,id\nZhang Wei,{MOBILE},{ID}\n".encode()
CUT = CSV_DOC.index(MOBILE.encode()) + 5


def byteranges(pieces: list[bytes], part_type: str, extra: str = "") -> bytes:
    total, offset, out = sum(len(p) for p in pieces), 0, b""
    for piece in pieces:
        out += (f"--R\r\nContent-Type: {part_type}\r\n{extra}Content-Range: bytes {offset}-"
                f"{offset + len(piece) - 1}/{total}\r\n\r\n").encode() + piece + b"\r\n"
        offset += len(piece)
    return out + b"--R--\r\n"


GZ_DOC = gzip.compress(CSV_DOC * 3)
UTF16_DOC = CSV_DOC.decode().encode("utf-16")
UTF16_CUT = UTF16_DOC.index(MOBILE[:5].encode("utf-16-le")) + 9  # (inside a character)


@pytest.mark.parametrize(("body", "encoding"), [
    (byteranges([GZ_DOC[:len(GZ_DOC) // 2], GZ_DOC[len(GZ_DOC) // 2:]], "application/gzip"), ""),
    (byteranges([gzip.compress(CSV_DOC)], "text/csv", "Content-Encoding: gzip\r\n"), ""),
    (gzip.compress(byteranges([CSV_DOC[:CUT], CSV_DOC[CUT:]], "text/csv")), "gzip"),
    (byteranges([base64.b64encode(CSV_DOC[:CUT]), base64.b64encode(CSV_DOC[CUT:])], "text/csv",
                "Content-Transfer-Encoding: base64\r\n"), ""),
    (byteranges([UTF16_DOC[:UTF16_CUT], UTF16_DOC[UTF16_CUT:]], "text/csv; charset=utf-16"), ""),
], ids=["gzip-resource-cut", "part-content-encoding", "body-content-encoding", "base64-parts",
        "utf16-cut-mid-character"])
def test_byteranges_next_spellings_found(body, encoding):
    r = inspect_body(body, content_type=BR, content_encoding=encoding, key=KEY, today=TODAY)
    assert r.error is None, r.note
    assert kinds(r) == {"id", "mobile"}


def fullwidth_u(digits: str) -> str:
    return "".join(f"\\u{0xFF10 + int(c) - 65536}?" for c in digits)


@pytest.mark.parametrize("body", [
    rtf("Tel {\\upr{???????????}{\\*\\ud{" + fullwidth_u(MOBILE) + "}}}"),
    rtf("Tel 139{\\upr{0000}{\\*\\ud{" + fullwidth_u("1234") + "}}}5678"),
    rtf("Tel 139{\\*\\blipuid\\bin4 0000}12345678"),
    rtf("Tel 139{\\pict\\bin2 }}}12345678"),
    rtf("{\\field{\\*\\fldinst HYPERLINK \"x\"}{\\fldrslt Tel " + fullwidth_u(MOBILE) + "}}"),
], ids=["upr-ud", "upr-ud-split", "bin-decoy", "bin-braces", "field-result"])
def test_rtf_next_spellings_found(body):
    assert found(body, "application/rtf") == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (pb_str(1, "Zhang Wei") + packed(4, varint(86) + varint(int(MOBILE))), PB),
    (pb_str(1, "Zhang Wei") + packed(4, varint(zigzag(-5)) + varint(zigzag(int(MOBILE)))), PB),
    (pb_str(1, "Zhang Wei") + packed(4, struct.pack("<ddd", 0.5, float(MOBILE), 3.25)), PB),
    (b"\x00\x00\x00\x00\x07" + avro_string("Zhang Wei") + avro_long(8600000000000 + int(MOBILE)),
     "application/vnd.kafka.avro.v2+binary"),
    (b"\x00\x00\x00\x00\x07" + avro_string("Zhang Wei") + avro_long(int(MOBILE)),
     "application/avro"),
], ids=["packed-one-byte-neighbour", "packed-sint64", "packed-doubles", "confluent-kafka-type",
        "confluent-avro-type"])
def test_binary_integer_spellings_found(body, content_type):
    assert kinds(inspected(body, content_type)) == {"mobile"}


@pytest.mark.parametrize("header", [
    ("x-kyc-bin", b64(pb_str(1, "Zhang Wei") + packed(2, varint(int(MOBILE))))),
    ("x-kyc-bin", b64(pb_str(1, "Zhang Wei") + packed(2, varint(7) + varint(int(MOBILE))))),
    ("x-kyc-bin", b64(pb_str(1, pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE))))),
    ("x-kyc-bin", b64(pb_str(1, "Zhang Wei") + varint(2 << 3 | 1) + struct.pack("<d", float(MOBILE)))),
], ids=["packed", "packed-beside-one-byte", "nested", "double"])
def test_grpc_bin_header_spellings_found(header):
    assert line_found("/kyc.Verify/Compare", "", [header]) == {"mobile"}


BPLIST = plistlib.dumps({"name": "Zhang Wei", "phone": int(MOBILE)}, fmt=plistlib.FMT_BINARY)


@pytest.mark.parametrize(("body", "content_type"), [
    (j_dump({"payload": b64(BPLIST)}), JSON),
    (zipped_bytes({"Payload/App.app/Info.plist": BPLIST}), "application/zip"),
    (b'--XX\r\nContent-Disposition: form-data; name="f"; filename="a.plist"\r\nContent-Type: '
     b"application/octet-stream\r\n\r\n" + BPLIST + b"\r\n--XX--\r\n",
     "multipart/form-data; boundary=XX"),
    (gzip.compress(BPLIST), "application/x-bplist"),
    (plistlib.dumps({"u": plistlib.UID(int(MOBILE))}, fmt=plistlib.FMT_BINARY),
     "application/x-bplist"),
    (plistlib.dumps({"$archiver": "NSKeyedArchiver", "$objects": ["$null", int(MOBILE)],
                     "$top": {"root": plistlib.UID(1)}}, fmt=plistlib.FMT_BINARY),
     "application/x-bplist"),
    (zipped_bytes({"a.plist": plistlib.dumps({"phone": int(MOBILE)})}), "application/zip"),
], ids=["base64-in-json", "in-zip", "multipart-part", "gzip", "uid", "nskeyedarchiver",
        "xml-plist-in-zip"])
def test_plist_next_spellings_found(body, content_type):
    assert found(body, content_type) == {"mobile"}


@pytest.mark.parametrize("tail", [
    gzip.compress(MEDIA_TEXT), bz2.compress(MEDIA_TEXT), lzma.compress(MEDIA_TEXT),
    MEDIA_TEXT.decode().encode("utf-16"),
    b"%PDF-1.4\n1 0 obj<</Length 30>>stream\nBT (" + MEDIA_TEXT + b") Tj ET\nendstream endobj",
], ids=["gzip", "bzip2", "xz", "utf16", "pdf"])
def test_more_data_appended_to_a_jpeg_found(tail):
    assert kinds(inspected(jpeg(tail=tail), "image/jpeg")) == {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (("&" * 200_000 + "a=1").encode(), "application/x-www-form-urlencoded"),
    (("a=" + "%zz%" * 100_000).encode(), "application/x-www-form-urlencoded"),
    (("name=" + "Nguyễn Văn An " * 30_000).encode(), "application/x-www-form-urlencoded"),
    (jpeg(*[jpeg_segment(0xFE, b"1234567")] * 60_000), "image/jpeg"),
    (rtf("\\uc1 " + "\\u65297?" * 100_000).encode(), "application/rtf"),
    (rtf("{\\upr{a}{\\*\\ud{" * 3000 + "x" + "}}}" * 3000).encode(), "application/rtf"),
], ids=["form-ampersands", "form-bad-escapes", "form-raw-utf8", "jpeg-60k-comments",
        "rtf-100k-u", "rtf-nested-upr"])
def test_new_readings_bounded(body, content_type):
    start = time.process_time()
    r = inspected(body, content_type)
    assert time.process_time() - start < 10
    assert r.error is None or r.error in (Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT,
                                          Reason.PAYLOAD_TOO_LARGE_TO_INSPECT)


# ---------------------------------------------------------------------------------------------
# End to end


async def test_e2e_xml_sibling_label_id_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    body = f"<Customer><Account>A-1</Account><Id>{FIRST_GENERATION}</Id></Customer>"
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body.encode(),
                                     headers={"Content-Type": XML})
    assert status != 200 or reply["region"] == "cn"


async def test_e2e_clean_theader_call_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=theader(thrift_call(SG_THRIFT)),
                                     headers={"Content-Type": THRIFT})
    assert status == 200, reply
    assert reply["region"] == "sg"
