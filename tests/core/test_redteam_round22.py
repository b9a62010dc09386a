"""Red team round 22: a hostile client against the inspection: round 21's notes of next
spellings, spellings across structure, binary-to-text encodings, serializations the gateway
does not know, hidden HTML, and the ordinary numbers of Singapore / Indonesian / Vietnamese /
Thai / Japanese traffic.

Attacked and held: an ID split over JSON array elements, nested object keys, repeated form
fields (plain and id[]), CSV columns, XML attributes, multipart parts; an ID as a JSON key;
URL-encoded JSON in a form inside a multipart part; data: URLs (base64, percent-encoded,
every byte escaped); \\uXXXX escapes; numeric character references in XML and HTML
attributes; hex, quoted-printable, base32 of ASCII text (padded, unpadded, lower case),
base64 of UTF-16 and of gzip/zlib; the check character X spelled as x, fullwidth, Cyrillic,
Greek, multiplication sign, Roman numeral, mathematical bold, Lisu; JSON in UTF-16/UTF-32
(with and without BOM, declared UTF-8 or UTF-16 while being the other); octet-stream that is
JSON, a form body declared JSON is refused (not forwarded), NDJSON, JSON-seq, CSV with a BOM,
odd-case and quoted Content-Type parameters, a +json suffix, no Content-Type; Smile strings,
Ion text and Ion strings, bencode; UTF-7 (direct and base64-shifted digits) and EBCDIC text;
Markdown and chat markup between digits; "+86(0)" trunk spellings; JSON numbers in scientific
and decimal spellings; gzip FNAME/FCOMMENT, zip archive and entry comments, entry names and
the Info-ZIP Unicode path, tar names and pax records; text and a zip after a small TIFF;
inline display:none and comments in HTML; the sentence ends round 21 made ('!', '?', '。',
a line end) and abbreviation lists that carry ('No. Rek.', 'Tbk.'); 200k spaced/dashed
digits, 100k "+86", 60k 身份证, nested base64, 50k short base64 strings, 200k quoted-printable
escapes and %u escapes, 40k encoded-words, zero-width joined and fullwidth digits, deep XML,
100k <br>-joined digits all within ~1.5 s of CPU each.

Found (strict xfails):
- MISS: an ID streamed or typed piece by piece: a JSON array of objects each holding one
  piece ({"content": "110101"}, streaming {"delta": {"content": ...}}), Server-Sent Events
  data lines (the spec joins them) and chat-completion chunks, a behavioural SDK's keystroke
  events ({"key": "1", "t": ...}, [key, time] pairs); a bare array of the pieces and NDJSON
  lines are joined (round 18's OCR char objects with boxes are the nearest known case).
- MISS: identity words the closed list (_IDENTITY_WORDS) lacks, before a payment word
  (the round-21 class, its next spellings): NIK and KTP spelled out ("Nomor Induk
  Kependudukan", "Kartu Tanda Penduduk"), Vietnam's personal identification number ("số
  định danh cá nhân", with and without accents), a passport ("hộ chiếu", 护照, 旅券,
  パスポート, หนังสือเดินทาง), a driving licence (Indonesia's SIM, ใบขับขี่), Japan's
  individual number by its legal name (個人番号), a mainland residence permit or household
  register (居住证, 户口: both show the ID number), KITAS, KK, "personal_id": the payment word
  after them excuses the holder's first-generation ID.
- FALSE POSITIVE: the payment words' abbreviations (A/C, Pmt., Pymt, Rcpt, Bkg, Resv, Ctr.,
  Inv., Trk, Pol., "Số TK", "Số HĐ", บ/ช, "เลขที่ บช.", Biller Code, Cust Ref) do not excuse
  a 15-digit account or bill number that reads as a first-generation ID; the words spelled out do.
- FALSE POSITIVE: RTF's backslash before a raw line end (\\<LF>, \\<CR><LF>, \\<CR>: the
  same as \\par) is read as nothing between two numbers, as \\tab was in round 21.
- MISS: text, gzip or a PDF after a TIFF of more than a few KB (IFD first or last, II or
  MM): the trailer is not read although the note says "what follows the image read" (round
  21's note); a zip there is found (from its central directory at the end).
- MISS: binary-to-text encodings beyond base64/hex/quoted-printable/base32 of ASCII: base32
  of UTF-8 text with Chinese, base32hex, uuencode (a JSON value, a begin/end block in a mail
  body; as a part's Content-Transfer-Encoding x-uuencode it is read). (Base85/Ascii85 are
  round 13's known strict xfail, not repeated.)
- MISS: round 13's payment words (account, order, transaction, invoice, awb, rekening, 口座,
  注文, 請求) excuse a first-generation ID from anywhere in its label: a person's word after
  them ("account_holder_id", "order_customer_id", "invoice_buyer_id", "pemilik rekening
  ID", 口座名義人ID, 注文者ID) does not stop them, as it stops round 20's loan, policy and
  wallet ("loan_borrower_id", "policy_holder_id" are found).
- MISS: audio and WebM metadata after the first 4 KB: an ID3 comment after the cover art
  (APIC), a WAV LIST/INFO chunk after the samples, a FLAC Vorbis comment after a PADDING or
  PICTURE block, WebM Tags after the clusters (MP4 is round 21's known case); in the head,
  and ID3v1 at the tail, they are read.
- MISS: a media signature alone makes a body media: a JPEG SOI + APP0 then no further
  segment, a GIF header, a PNG signature, a TIFF/JPEG 2000/WAV/Ogg/FLAC/WebM header, then
  zeros or garbage and text past the first few KB (declared as the image or as
  octet-stream): neither read nor refused as a malformed image (a hostile client's prefix;
  text right behind it is read; behind PDF, gzip, BMP, ICO, WOFF, SQLite, HEIC, AVIF, WebP,
  PSD, DICOM or an MPEG audio frame header it is read, a broken zip is refused).
- MISS: integers in binary serializations the gateway does not know, declared by their
  types: Smile, Amazon Ion binary, UBJSON, Cap'n Proto, FlatBuffers, Hessian 2 (Dubbo's
  default serialization), Java serialization, Python pickle: forwarded as inspected text
  with the mobile in an int64, neither decoded nor refused (as MessagePack/CBOR/BSON are).
- MISS: HTML decoys the browser does not show, other than an inline display:none: the
  hidden attribute, visibility:hidden, font-size:0, a CSS class set to display:none,
  <template>, <script>, <noscript> between the digits.
- FALSE POSITIVE: a Singapore HDB postal code (3101NN in Toa Payoh is Shanghai's 3101NN
  districts), a date of birth YYYYMMDD and a 4-digit field side by side in a CSV/TSV row, a
  JSON array row (strings or numbers) or an element's attributes are joined into an
  18-digit ID (one row in eleven passes the check; only the area's province is checked, so
  "322945" passes): 2-3% of seeded random single-row Singapore customer CSVs (9 of 300
  with seed 22, 14 of 600 with seed 7), 43% of 20-row exports (86 of 200); named JSON
  fields, form fields and XML elements are kept apart.
- BOUNDS: RTF of one-digit groups costs ~35 us a group: {1} x 50k (150 KB) ~1.7 s of CPU,
  x 100k (300 KB) ~3.5 s, a 600 KB one refused 422 only after ~5 s; the same digits as plain
  text cost ~0.2 s.

End to end through a real gateway (a Singapore client): a Dubbo Hessian 2 call with the
mobile in an int64 reaches the sg upstream; a Singapore CSV row (HDB postal code, date of
birth, a card's last four) is pinned to cn.

Also tried and held (not pinned here): a THeader frame with a TJSON payload; TOML, JSON5, .env,
C and Python string continuations; digits reversed under RLO, <bdo dir=rtl> and CSS
bidi-override; double percent-encoding; 4-4-4-4-2 and other groupings of an ID and a mobile;
multipart preamble, epilogue, LF-only lines, transport padding, folded part headers, part
Content-Encoding, MTOM/XOP with a UTF-16 binary part; lone surrogates, big integers, 1e400 and
1000-deep arrays in JSON; XHTML with &nbsp; and an external DTD; XML declared TIS-620, GBK,
GB2312, Shift_JIS, EUC-KR, Big5; Excel's UTF-16 "Unicode text" TSV, "sep=;" CSV; ID3 v2/v1,
WAV INFO, FLAC and WebM metadata in the head; 20k-member zips, 5k-member tars, 30-deep zips
and gzips (refused, fast); false positives: random base64 (8 B to 512 B), base64url, base32,
hex hashes and UUIDs (0 of 10,500 bodies), IDR/VND/THB amounts of 13-19 billion written with
separators (as bare integers under an amount word they are round 15's known case). Noted,
not pinned: a masked Indonesian NIK whose last digit is
masked ("110101450305000*", a woman born 2005: DD+40) reads as a first-generation ID even
under "nik"; JSON with a trailing NUL byte is refused 400 (Jackson reads the first value).

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import pickle
import quopri
import random
import struct
import time
import zipfile

import pytest

from residency_gateway.core.idnumber import check_character
from residency_gateway.core.inspection import options
from residency_gateway.core.payload import inspect_body
from residency_gateway.regionmap.schema import PayloadInspection
from tests.core.test_redteam_round6 import KEY, TODAY
from tests.core.test_redteam_round19 import ID, JSON, MOBILE
from tests.helpers import ADDR

OPTIONS = options(PayloadInspection())
TEXT = "text/plain"
HTML = "text/html"
XML = "application/xml"
CSV = "text/csv"
RTF = "application/rtf"
FIRST_GENERATION = "110101900307123"  # area 110101, born 1990-03-07, sequence 123
# A 15-digit account or bill number that reads as a first-generation ID (Fujian 350102, 1988)
ACCOUNT_SHAPED = "350102881122101"


def scan(body: bytes | str, content_type: str = JSON, content_encoding: str = ""):
    if isinstance(body, str):
        body = body.encode()
    return inspect_body(body, content_type=content_type, content_encoding=content_encoding,
                        key=KEY, today=TODAY, options=OPTIONS)


def kinds(result) -> set[str]:
    return ({"id" for i in result.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in result.phones if p.jurisdiction == "CN"})


def found(body: bytes | str, content_type: str = JSON, content_encoding: str = "") -> set[str]:
    result = scan(body, content_type, content_encoding)
    assert result.error is None, result.note
    return kinds(result)


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Structure: an ID split over elements, keys, columns, fields, parts (held)


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"id": ["110101", "19900307", "1233"]}), JSON),
    ('{"id":{"110101":{"19900307":{"1233":1}}}}', JSON),
    (j({ID: {"name": "Zhang Wei"}}), JSON),
    ("id=110101&id=19900307&id=1233", "application/x-www-form-urlencoded"),
    ("id[]=110101&id[]=19900307&id[]=1233", "application/x-www-form-urlencoded"),
    ("name,a,b,c\nZhang,110101,19900307,1233\n", CSV),
    ('<p a="110101" b="19900307" c="1233"/>', XML),
    ("".join(f'--b\r\nContent-Disposition: form-data; name="id"\r\n\r\n{part}\r\n'
             for part in ("110101", "19900307", "1233")) + "--b--\r\n",
     "multipart/form-data; boundary=b"),
    ('--b\r\nContent-Disposition: form-data; name="payload"\r\n'
     "Content-Type: application/x-www-form-urlencoded\r\n\r\ndata="
     "%7B%22idcard%22%3A%20%22110101199003071233%22%7D&x=1\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),
    (j({"f": "data:text/plain," + "".join(f"%{b:02X}" for b in ID.encode())}), JSON),
    ('<p id="&#49;&#49;&#48;&#49;&#48;&#49;&#x31;&#x39;&#x39;&#x30;&#x30;&#x33;&#x30;&#x37;'
     '&#x31;&#x32;&#x33;&#x33;"/>', XML),
    ("\ufeffname,id\nZ," + ID + "\n", CSV),
], ids=["json-array", "json-keys", "id-as-key", "form-repeated", "form-brackets", "csv-columns",
        "xml-attributes", "multipart-parts", "multipart-form-json", "data-url-escaped",
        "xml-ncr-attribute", "csv-bom"])
def test_an_id_split_over_structure_found(body, content_type):
    assert found(body, content_type) == {"id"}


X_ID = next(f"11010119900307{s:03d}" for s in range(100, 1000)
            if check_character(f"11010119900307{s:03d}") == "X")


@pytest.mark.parametrize("x", ["X", "x", "Ｘ", "Х", "х", "Χ", "χ", "×", "Ⅹ", "ⅹ", "𝐗", "ꓫ"])
def test_check_character_confusables_found(x):
    assert found(j({"ocr": f"公民身份号码 {X_ID}{x}"})) == {"id"}


GROUPS = ["110101", "19900307", "1233"]
QUADS = ["1101", "0119", "9003", "0712", "33"]


@pytest.mark.parametrize(("body", "content_type"), [
    (j(QUADS), JSON),
    (j(list(ID)), JSON),
    ("\n".join(j({"chunk": p}) for p in QUADS) + "\n", "application/x-ndjson"),
], ids=["array-of-quads", "array-of-chars", "ndjson-lines"])
def test_an_id_in_pieces_found(body, content_type):
    assert found(body, content_type) == {"id"}


def chat_chunk(piece: str) -> str:
    return "data: " + j({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": {"content": piece}}]}) + "\n\n"


@pytest.mark.parametrize(("body", "content_type"), [
    (j([{"content": p} for p in GROUPS]), JSON),
    (j([{"delta": {"content": p}} for p in QUADS]), JSON),
    ("".join(f"data: {p}\n" for p in GROUPS) + "\n", "text/event-stream"),
    ("".join(chat_chunk(p) for p in QUADS) + "data: [DONE]\n\n", "text/event-stream"),
    (j({"events": [{"type": "keydown", "key": c} for c in ID]}), JSON),
    (j({"events": [{"key": c, "t": 1733023557000 + 120 * i} for i, c in enumerate(ID)]}), JSON),
    (j({"k": [[c, 120 + i] for i, c in enumerate(ID)]}), JSON),
], ids=["objects-of-groups", "deltas-of-quads", "sse-data-lines", "sse-chat-chunks",
        "keydown-events", "key-and-time-events", "key-time-pairs"])
def test_an_id_in_pieces_missed(body, content_type):
    assert found(body, content_type) == {"id"}


# ---------------------------------------------------------------------------------------------
# Identity words the closed list lacks (round 21's class, its next spellings)


@pytest.mark.parametrize("label", [
    "resident_id_of_account_holder", "citizen id account holder", "个人证号 账户",
    "NIK pemegang rekening", "số CMND chủ tài khoản",
])
def test_identity_words_before_a_payment_word_found(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", [
    "nomor_induk_kependudukan_pemegang_rekening", "Nomor Induk Kependudukan Pemegang Polis",
    "Kartu Tanda Penduduk pemegang rekening", "số định danh cá nhân chủ tài khoản",
    "so dinh danh ca nhan chu tai khoan", "hộ chiếu chủ tài khoản", "口座名義人の個人番号",
    "护照号码 账户", "personal_id_of_account_holder", "SIM pemegang rekening",
    "หนังสือเดินทางผู้ถือบัญชี", "ใบขับขี่ผู้ถือบัญชี", "旅券番号 口座", "パスポート番号 口座",
    "居住证 账户", "户口 账户", "KITAS pemegang rekening", "nomor_kk_pemegang_rekening",
    "số hộ chiếu chủ tài khoản",
])
def test_identity_words_outside_the_list_missed(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", ["loan_borrower_id", "policy_holder_id", "wallet_owner_id",
                                   "Order placed by customer ID", "tracking recipient ID",
                                   "Transaksi oleh pelanggan ID"])
def test_a_person_word_after_a_payment_word_found(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", [
    "account_holder_id", "accountHolderId", "Account holder ID", "order_customer_id",
    "orderCustomerId", "transaction_user_id", "invoice_buyer_id", "awb consignee ID",
    "rekening nasabah ID", "pemilik rekening ID", "口座名義人ID", "注文者ID", "請求先 顧客ID",
])
def test_a_person_word_after_a_round13_payment_word_missed(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


# ---------------------------------------------------------------------------------------------
# Abbreviated payment labels


def test_account_shaped_number_reads_as_an_id_without_a_label():
    assert found(j({"memo": ACCOUNT_SHAPED})) == {"id"}


@pytest.mark.parametrize("label", ["No. Rek.", "Virtual Account", "Nomor Virtual Account",
                                   "BRIVA", "Kode Billing", "No. Tagihan", "Kode Bayar"])
def test_spelled_out_payment_labels_stay_clean(label):
    assert found(j({"memo": f"{label} {ACCOUNT_SHAPED}"})) == set()


@pytest.mark.parametrize("label", [
    "A/C No.", "a/c", "Pmt. Ref.", "Pymt Ref", "Rcpt No.", "Bkg Ref", "Resv No.", "Ctr. No.",
    "Inv. No.", "Trk No.", "Pol. No.", "Số TK", "Số HĐ", "บ/ช", "เลขที่ บช.", "Biller Code",
    "Cust Ref",
])
def test_abbreviated_payment_labels_false_positive(label):
    assert found(j({"memo": f"{label} {ACCOUNT_SHAPED}"})) == set()


# ---------------------------------------------------------------------------------------------
# RTF: a backslash before a raw line end is \par


def test_rtf_raw_line_end_alone_joins_a_number():
    # (a raw line end in RTF source is no text: the reader sees one number)
    assert found("{\\rtf1\\ansi Tel 1391\n2345678}", RTF) == {"mobile"}


@pytest.mark.xfail(strict=True, reason=(
    "POLICY (fx22-text): RTF's backslash before a raw line end is now read as \\par (no longer "
    "a string continuation: '1391\\<LF>2345678' and 'Kode 1391\\<LF>2345678' are clean, see "
    "test_round22_text), but after a phone word ('Tel') the scanner's phone-word rule joins "
    "a number over a paragraph break, so 'Tel 1391\\par 2345678' is a mobile too: label code"))
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_rtf_backslash_line_end_false_positive(line_end):
    assert found("{\\rtf1\\ansi Tel 1391\\" + line_end + "2345678}", RTF) == set()


# ---------------------------------------------------------------------------------------------
# What follows a TIFF


def tiff(pixels: int, ifd_last: bool = False, big_endian: bool = False) -> bytes:
    """A grey TIFF with one strip of `pixels` bytes (StripOffsets / StripByteCounts), its IFD
    before the strip or after it (as libtiff writes it)."""
    e = ">" if big_endian else "<"
    width = 100
    height = max(1, pixels // width)
    data = bytes((i * 7) % 251 for i in range(width * height))
    entries = [(256, 3, width), (257, 3, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 0), (277, 3, 1), (278, 3, height), (279, 4, len(data))]
    ifd_size = 2 + 12 * len(entries) + 4
    data_off, ifd_off = (8, 8 + len(data)) if ifd_last else (8 + ifd_size, 8)
    ifd = struct.pack(e + "H", len(entries))
    for tag, kind, value in entries:
        value = data_off if tag == 273 else value
        ifd += struct.pack(e + "HHI", tag, kind, 1) + (
            struct.pack(e + "H", value) + b"\0\0" if kind == 3 else struct.pack(e + "I", value))
    ifd += struct.pack(e + "I", 0)
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", ifd_off)
    return head + (data + ifd if ifd_last else ifd + data)


TRAILER = ("\n身份证 " + ID).encode()


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("big_endian", [False, True], ids=["ii", "mm"])
def test_text_after_a_small_tiff_found(big_endian):
    assert found(tiff(1000, big_endian=big_endian) + TRAILER, "image/tiff") == {"id"}


@pytest.mark.parametrize("ifd_last", [False, True], ids=["ifd-first", "ifd-last"])
def test_zip_after_a_larger_tiff_found(ifd_last):
    # (a zip is found from its end: its central directory)
    body = tiff(50000, ifd_last) + zipped({"id.txt": "身份证 " + ID})
    assert found(body, "image/tiff") == {"id"}


@pytest.mark.parametrize(("pixels", "ifd_last", "big_endian", "trailer"), [
    (5000, False, False, TRAILER), (5000, True, True, TRAILER),
    (50000, True, False, TRAILER), (50000, False, True, TRAILER),
    (50000, True, False, gzip.compress(("身份证 " + ID).encode())),
    (50000, False, False, b"%PDF-1.4\n(ID " + ID.encode() + b")"),
], ids=["5k-ii", "5k-mm-ifd-last", "50k-ii-ifd-last", "50k-mm", "50k-gzip", "50k-pdf"])
def test_trailer_after_a_larger_tiff_missed(pixels, ifd_last, big_endian, trailer):
    assert found(tiff(pixels, ifd_last, big_endian) + trailer, "image/tiff") == {"id"}


def synchsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3_frame(fid: bytes, data: bytes) -> bytes:
    return fid + synchsafe(len(data)) + b"\0\0" + data


def mp3(*frames: bytes) -> bytes:
    """ID3v2.4 tag with `frames`, then 50 MPEG audio frames."""
    tag = b"".join(frames)
    return b"ID3\x04\x00\x00" + synchsafe(len(tag)) + tag + (b"\xff\xfb\x90\x64" + bytes(413)) * 50


def riff_chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def wav(*chunks: bytes) -> bytes:
    fmt = riff_chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16))
    body = b"WAVE" + fmt + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def flac(*blocks: tuple[int, bytes]) -> bytes:
    """fLaC, STREAMINFO, then `blocks` (type, data), the last flagged, then frames."""
    out = b"fLaC" + b"\x00" + (34).to_bytes(3, "big") + bytes(34)
    for n, (kind, data) in enumerate(blocks):
        out += bytes([kind | (0x80 if n == len(blocks) - 1 else 0)]) + len(data).to_bytes(
            3, "big") + data
    return out + bytes(50000)


SPOKEN = ("身份证 " + ID).encode()
COMM = id3_frame(b"COMM", b"\x03eng\x00" + SPOKEN)
INFO = riff_chunk(b"LIST", b"INFO" + riff_chunk(b"ICMT", SPOKEN + b"\0"))
PCM = riff_chunk(b"data", bytes(64000))
VORBIS = (struct.pack("<I", 6) + b"ffmpeg" + struct.pack("<I", 1)
          + struct.pack("<I", len(b"COMMENT=" + SPOKEN)) + b"COMMENT=" + SPOKEN)
EBML_TAG = b"\x45\xa3\x87COMMENT\x44\x87" + bytes([0x80 | len(SPOKEN)]) + SPOKEN


@pytest.mark.parametrize(("body", "content_type"), [
    (mp3(COMM), "audio/mpeg"),
    (mp3(id3_frame(b"TIT2", b"\x01" + ("身份证 " + ID).encode("utf-16"))), "audio/mpeg"),
    ((b"\xff\xfb\x90\x64" + bytes(413)) * 50 + b"TAG" + ID.encode().ljust(30, b"\0")
     + bytes(95), "audio/mpeg"),
    (wav(INFO, PCM), "audio/wav"),
    (flac((4, VORBIS)), "audio/flac"),
    (b"\x1aE\xdf\xa3" + bytes(8) + EBML_TAG + bytes(50000), "video/webm"),
], ids=["id3-comm", "id3-utf16", "id3v1-tail", "wav-info-first", "flac-comment", "webm-head"])
def test_audio_and_webm_metadata_in_the_head_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (mp3(id3_frame(b"APIC", b"\x00image/jpeg\x00\x03\x00" + b"\xff\xd8" + bytes(20000)),
         COMM), "audio/mpeg"),
    (wav(PCM, INFO), "audio/wav"),
    (flac((1, bytes(20000)), (4, VORBIS)), "audio/flac"),
    (flac((6, bytes(20000)), (4, VORBIS)), "audio/flac"),
    (b"\x1aE\xdf\xa3" + bytes(50000) + EBML_TAG, "video/webm"),
], ids=["id3-after-cover-art", "wav-info-after-data", "flac-after-padding",
        "flac-after-picture", "webm-tags-at-end"])
def test_audio_and_webm_metadata_past_4k_missed(body, content_type):
    assert found(body, content_type) == {"id"}


JFIF_APP0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


@pytest.mark.parametrize(("body", "content_type"), [
    (b"\xff\xd8" + JFIF_APP0 + b"\xaa" * 1000 + SPOKEN, "image/jpeg"),
    (b"\xff\xd8" + JFIF_APP0 + b"A" * 50000 + SPOKEN, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\xaa" * 1000 + SPOKEN, "image/png"),
], ids=["jpeg-1k-garbage", "jpeg-50k-letters", "png-1k-garbage"])
def test_text_behind_a_bare_signature_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (b"\xff\xd8" + JFIF_APP0 + bytes(5000) + SPOKEN, "image/jpeg"),
    (b"\xff\xd8" + JFIF_APP0 + b"\xaa" * 50000 + SPOKEN, "image/jpeg"),
    (b"\xff\xd8" + JFIF_APP0 + bytes(50000) + SPOKEN, "application/octet-stream"),
    (b"GIF89a" + struct.pack("<HH", 1, 1) + b"\0\0\0" + b"\xaa" * 20000 + SPOKEN, "image/gif"),
    (b"\x89PNG\r\n\x1a\n" + b"\xaa" * 20000 + SPOKEN, "image/png"),
    (b"RIFF\0\0\0\0WAVE" + bytes(20000) + SPOKEN, "audio/wav"),
    (b"OggS" + bytes(20000) + SPOKEN, "audio/ogg"),
    (b"\x1aE\xdf\xa3" + bytes(10000) + SPOKEN, "application/octet-stream"),
    (b"II*\x00\x08\x00\x00\x00" + b"\xaa" * 20000 + SPOKEN, "image/tiff"),
    (b"fLaC" + b"\xaa" * 20000 + SPOKEN, "application/octet-stream"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\xaa" * 20000 + SPOKEN, "image/jp2"),
], ids=["jpeg-zeros", "jpeg-garbage", "jpeg-as-octet-stream", "gif", "png", "wav", "ogg",
        "webm-as-octet-stream", "tiff", "flac-as-octet-stream", "jpeg2000"])
def test_text_behind_a_bare_signature_missed(body, content_type):
    result = scan(body, content_type)
    assert result.error is not None or kinds(result) == {"id"}, result.note


# ---------------------------------------------------------------------------------------------
# Binary-to-text encodings


@pytest.mark.parametrize("value", [
    ("身份证 " + ID).encode().hex(),
    ("name: Zhang Wei, idcard: " + ID).encode().hex().upper(),
    quopri.encodestring(("身份证 " + ID).encode()).decode(),
    "".join(f"={b:02X}" for b in ("ID " + ID).encode()),
    base64.b32encode(("idcard: " + ID).encode()).decode(),
    base64.b32encode(("idcard: " + ID).encode()).decode().lower().rstrip("="),
    base64.b64encode(("身份证 " + ID).encode("utf-16")).decode(),
    base64.b64encode(gzip.compress(("身份证 " + ID).encode())).decode(),
], ids=["hex", "hex-upper", "quoted-printable", "qp-every-byte", "base32", "base32-lower-nopad",
        "base64-utf16", "base64-gzip"])
def test_binary_to_text_encodings_found(value):
    assert found(j({"doc": value})) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"doc": base64.b32encode(("姓名 张伟 身份证 " + ID).encode()).decode()}), JSON),
    (j({"doc": base64.b32hexencode(("idcard: " + ID).encode()).decode()}), JSON),
    (j({"doc": binascii.b2a_uu(("ID " + ID).encode()).decode()}), JSON),
    ("From: a@example.com\r\nSubject: KYC\r\n\r\nsee attached\r\nbegin 644 id.txt\n"
     + binascii.b2a_uu(("ID " + ID).encode()).decode() + "`\nend\n", "message/rfc822"),
], ids=["base32-chinese", "base32hex", "uuencode", "uuencode-block-in-mail"])
def test_other_binary_to_text_encodings_missed(body, content_type):
    assert found(body, content_type) == {"id"}


# ---------------------------------------------------------------------------------------------
# Serializations the gateway does not know


def smile_vint(value: int) -> bytes:
    out = [0x80 | (value & 0x3F)]
    value >>= 6
    while value:
        out.append(value & 0x7F)
        value >>= 7
    return bytes(reversed(out))


def zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


MOBILE_INT = int(MOBILE)


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (b":)\n\x03\xfa\x85idcard" + bytes([0x40 + len(ID) - 1]) + ID.encode() + b"\xfb",
     "application/x-jackson-smile", "id"),
    (b"\xe0\x01\x00\xea\x8e" + bytes([0x80 | len(ID)]) + ID.encode(), "application/x-amzn-ion",
     "id"),
    (f'{{idcard: "{ID}", phone: {MOBILE}}}', "application/x-amzn-ion+text", "mobile"),
    (f"d5:phonei{MOBILE}e6:idcard18:{ID}e", "application/x-bittorrent", "mobile"),
    ("ID ".encode("cp037") + ID.encode("cp037"), "text/plain; charset=ibm037", "id"),
    (("身份证 " + ID).encode("utf-7"), "text/plain; charset=utf-7", "id"),
    ("+" + base64.b64encode(("ID " + ID).encode("utf-16-be")).decode().rstrip("=") + "-",
     "text/plain; charset=utf-7", "id"),
], ids=["smile-string", "ion-string", "ion-text", "bencode", "ebcdic", "utf7", "utf7-shifted"])
def test_text_in_other_serializations_found(body, content_type, kind):
    assert kind in found(body, content_type)


SCHEMALESS_POLICY = pytest.mark.xfail(strict=True, reason=(
    "POLICY (fx22-serial): a mobile's int64 in Cap'n Proto or FlatBuffers is not read without "
    "the schema: two uint32 fields side by side (a count beside an enum of 3 or 4) are words "
    "in the mobiles' range (read, 96 and 55 of 400 generated messages were read as a mobile); "
    "their 18-digit words (IDs) are read (see serialized_other)"))


@pytest.mark.parametrize(("body", "content_type"), [
    (b":)\n\x03\xfa\x84phone\x25" + smile_vint(zigzag(MOBILE_INT)) + b"\xfb",
     "application/x-jackson-smile"),
    (b"\xe0\x01\x00\xea\x25" + MOBILE_INT.to_bytes(5, "big"), "application/x-amzn-ion"),
    (b"{i\x05phoneL" + struct.pack(">q", MOBILE_INT) + b"}", "application/ubjson"),
    pytest.param(b"\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00"
                 + struct.pack("<q", MOBILE_INT), "application/x-capnp",
                 marks=SCHEMALESS_POLICY),
    pytest.param(struct.pack("<I", 12) + struct.pack("<HHH", 6, 12, 4) + b"\0\0"
                 + struct.pack("<i", 8) + struct.pack("<q", MOBILE_INT),
                 "application/x-flatbuffers", marks=SCHEMALESS_POLICY),
    (b"H\x02\x00RL" + struct.pack(">q", MOBILE_INT), "x-application/hessian"),
    (b"\xac\xed\x00\x05w\x08" + struct.pack(">q", MOBILE_INT),
     "application/x-java-serialized-object"),
    (pickle.dumps({"phone": MOBILE_INT}, protocol=4), "application/python-pickle"),
], ids=["smile", "ion", "ubjson", "capnp", "flatbuffers", "hessian2", "java", "pickle"])
def test_integers_in_unknown_serializations_missed(body, content_type):
    result = scan(body, content_type)
    assert result.error is not None or kinds(result) == {"mobile"}, result.note


# ---------------------------------------------------------------------------------------------
# HTML the browser does not show


@pytest.mark.parametrize("body", [
    '<p>ID 1101011990<span style="display:none">5</span>03071233</p>',
    "<p>ID 1101011990<!--5-->03071233</p>",
    "ID 1101011990**0307**1233",
], ids=["inline-display-none", "comment", "markdown-bold"])
def test_html_decoys_found(body):
    assert found(body, HTML) == {"id"}


@pytest.mark.parametrize("body", [
    "<p>ID 1101011990<span hidden>5</span>03071233</p>",
    '<p>ID 1101011990<span style="visibility:hidden">5</span>03071233</p>',
    '<p>ID 1101011990<span style="font-size:0">5</span>03071233</p>',
    '<style>.h{display:none}</style><p>ID 1101011990<span class="h">5</span>03071233</p>',
    "<p>ID 1101011990<template>5</template>03071233</p>",
    "<p>ID 1101011990<script>5</script>03071233</p>",
    "<p>ID 1101011990<noscript>5</noscript>03071233</p>",
], ids=["hidden-attr", "visibility", "font-size-0", "css-class", "template", "script",
        "noscript"])
def test_hidden_html_decoys_missed(body):
    assert found(body, HTML) == {"id"}


# ---------------------------------------------------------------------------------------------
# Singapore postal code + date of birth + 4 digits side by side

HDB_ROWS = [("310101", "19900307"), ("310104", "19851120"), ("110105", "19770412")]


def last4(area: str, date: str) -> str:
    """Three digits and a digit check character that make area+date+them an ID."""
    return next(f"{s:03d}{c}" for s in range(100, 1000)
                if (c := check_character(f"{area}{date}{s:03d}")) != "X")


@pytest.mark.parametrize(("area", "date"), HDB_ROWS)
def test_postal_date_digits_in_named_fields_stay_clean(area, date):
    tail = last4(area, date)
    assert found(j({"postal_code": area, "dob": date, "card_last4": tail})) == set()
    assert found(f"postal={area}&dob={date}&last4={tail}",
                 "application/x-www-form-urlencoded") == set()
    assert found(f"<c><postal>{area}</postal><dob>{date}</dob><l4>{tail}</l4></c>", XML) == set()
    # (the first-generation spelling, YYMMDD and 3 digits, is not joined either)
    assert found(f"name,postal,dob,branch\nTan,{area},{date[2:]},{tail[:3]}\n", CSV) == set()


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE (POLICY, round 22): a Singapore HDB postal code that is a real mainland "
    "area code (3101NN: Shanghai's districts), a date of birth and a 4-digit field side by "
    "side in a CSV/TSV row, a JSON array row or an element's attributes are joined into an "
    "18-digit ID (one row in eleven). Since round 22 a joined ID needs an area code ever in "
    "use (GB/T 2260, areacodes.py), which clears unused codes (3.4% -> 0.2% of random "
    "single-row exports); a real code is kept: the row is an ID split over fields as a "
    "hostile client writes one, and field names (postal, dob) are the client's to choose"))
@pytest.mark.parametrize("container", ["csv", "tsv", "json-row", "json-table", "json-ints",
                                       "xml-attrs"])
@pytest.mark.parametrize(("area", "date"), HDB_ROWS)
def test_postal_date_digits_side_by_side_false_positive(container, area, date):
    tail = last4(area, date)
    body, content_type = {
        "csv": (f"name,postal_code,dob,card_last4\nTan Ah Kow,{area},{date},{tail}\n", CSV),
        "tsv": (f"name\tpostal\tdob\tlast4\nTan\t{area}\t{date}\t{tail}\n",
                "text/tab-separated-values"),
        "json-row": (j({"row": ["Tan Ah Kow", area, date, tail]}), JSON),
        "json-table": (j({"columns": ["name", "postal", "dob", "last4"],
                          "rows": [["Tan", area, date, tail]]}), JSON),
        "json-ints": (j({"row": ["Tan", int(area), int(date), int(tail)]}), JSON),
        "xml-attrs": (f'<customer name="Tan" postal="{area}" dob="{date}" last4="{tail}"/>',
                      XML),
    }[container]
    assert found(body, content_type) == set()


def singapore_customer_rows(seed: int, count: int) -> list[str]:
    """Seeded single-row CSV exports: name, a postal code of Singapore's sectors 01-82, a
    date of birth 1950-2005, a card's last four digits."""
    rng = random.Random(seed)
    return [f"name,postal_code,dob,card_last4\nTan Ah Kow,{rng.randrange(1, 83):02d}"
            f"{rng.randrange(10000):04d},{rng.randrange(1950, 2006)}{rng.randrange(1, 13):02d}"
            f"{rng.randrange(1, 29):02d},{rng.randrange(10000):04d}\n" for _ in range(count)]


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE rate (POLICY, round 22): was 9 of 300 (3%) seeded single-row Singapore "
    "customer CSVs (postal code, date of birth, last four), 43% of 20-row exports (only the "
    "area's province was checked: '322945' passed). Since round 22 a joined ID needs an area "
    "code ever in use: 1 of 300 (362321, Shangrao county until 2000: a real code), 0.2% of "
    "5,000 rows over five seeds, 2.5% of 20-row exports; a real code is kept (see above)"))
def test_singapore_customer_csv_rows_false_positive_rate():
    flagged = [row for row in singapore_customer_rows(22, 300) if found(row, CSV)]
    assert flagged == []


# ---------------------------------------------------------------------------------------------
# Bounds


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"v": " ".join("7" * 200_000)}), JSON),
    ("+86 " * 100_000, TEXT),
    (j({"v": "\u200b".join("1" * 100_000)}), JSON),
    ("=?utf-8?B?MQ==?=" * 40_000, TEXT),
], ids=["spaced-digits", "plus86", "zero-width-digits", "encoded-words"])
def test_dense_small_bodies_bounded(body, content_type):
    start = time.process_time()
    result = scan(body, content_type)
    assert time.process_time() - start < 2.0
    assert result.error is None and kinds(result) == set()


@pytest.mark.parametrize("group", ["{1}", "{\\b 1}"], ids=["plain-group", "bold-group"])
def test_rtf_digit_groups_bounded(group):
    body = "{\\rtf1 " + group * 50_000 + "}"
    start = time.process_time()
    result = scan(body, RTF)
    assert time.process_time() - start < 0.5
    assert result.error is None and kinds(result) == set()


# ---------------------------------------------------------------------------------------------
# End to end (a Singapore client)


async def test_e2e_hessian_mobile_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(
        xff=ADDR["SG"], data=b"H\x02\x00RL" + struct.pack(">q", MOBILE_INT),
        headers={"Content-Type": "x-application/hessian"})
    assert status != 200 or reply["region"] == "cn"


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE end to end (POLICY, round 22): a Singapore customer export (a CSV row of "
    "an HDB postal code that is a real Shanghai area code, 310101, a date of birth and a "
    "card's last four digits) from a Singapore client is pinned to cn; unused area codes are "
    "cleared since round 22, real ones are kept (an ID split over columns)"))
async def test_e2e_singapore_csv_row_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    area, date = HDB_ROWS[0]
    body = f"name,postal_code,dob,card_last4\nTan Ah Kow,{area},{date},{last4(area, date)}\n"
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body.encode(),
                                     headers={"Content-Type": CSV})
    assert status == 200, reply
    assert reply["region"] == "sg"
