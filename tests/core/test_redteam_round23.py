"""Red team round 23: a hostile client against round 22's new readings (the identity words,
the payment words' abbreviations and person-word stop, the area-code table for joined
fields, json_piece_runs, event_stream_texts, _unshown_html, base32 of UTF-8 and base32hex,
uuencode, RTF, serialized_other.py and the HELD_MEDIA walkers).

Attacked and held: the abbreviations never excuse a 15-digit number under an identity word
spelled out before or after them ("NIK pemilik A/C", "KTP A/C", "CCCD (TK)", "passport/a/c",
"身份证 单号", "A/C holder's ID", "pmt payer id", "trk receiver id"); the area-code table
knows the codes made since 2020 (临平 330113, 钱塘 330114, 三元 350404, 会理 513402, 新星
659011, 白杨 659012) and the prefecture, 市辖区 and directly-administered county-level codes
(440300, 440301, 419001, 429021, 469030, 659009), so an ID joined from fields with them is
found (810000/820000/830000 are the HK/MO/TW permits, not mainland, by DOMAIN.md); pieces
under varying keys, with nulls, in a delta list, one-digit ints; Server-Sent Events with CR
line ends, id:/retry: lines, comments, multi-line JSON data, no space after the colon,
declared text/plain or octet-stream; HTML hidden by font-size:0px/!important, opacity:0%,
upper-case DISPLAY:NONE, an entity in the style, hidden="hidden", HIDDEN, <style> rules with
tag.class, !important, @media, a comment, after the element, two classes, the framework
classes; base32 of UTF-8 (padded, unpadded, lower case), base32hex upper case; uuencode in a
begin block (with ` for zero), in a JSON value with its line end, in a form or XML with a
begin line; RTF \\v hidden text, ignorable destinations, bookmarks, \\<CR>, \\~ \\- \\_,
\\zwj and kin, \\uc1 fallbacks; pickle every protocol (int, str, bytes, bytearray, Decimal,
set, frozenset, deque, float, complex, LONG4, LONG/INT text, STRING/BINSTRING/
SHORT_BINSTRING/UNICODE, REDUCE of str.join and int('...'), two pickles in a row); Java
writeLong at any offset of block data and in a long (0x7A) block, writeUTF, writeChars;
Hessian chunked strings (R...S) and binary (A...B), maps, doubles; UBJSON typed C/U arrays,
H, typed int64; Smile long; random bytes after the Java, Smile, pickle and Hessian
signatures (0 of 200 each); ID3 TXXX, USLT, PRIV, GEOB, compressed frames, v2.2 and v2.3,
the unsynchronisation flag, APEv2 at the end; WAV bext, iXML and LIST/adtl after the
samples, an id3 chunk, an unknown chunk, RF64, a trailer after RIFF, a 0xFFFFFFFF data
size; FLAC APPLICATION, CUESHEET, picture description, ID3 in front, a trailer; Ogg Vorbis,
Opus, Theora, Speex and FLAC-in-Ogg comments, a comment packet over two pages, a chained
stream, a trailer; WebM/Matroska Info title, track name, attachments, chapters and tags
after 60 KB of clusters, an unknown-size segment, text in a SimpleBlock; JPEG 2000 xml,
uuid, asoc/lbl and jp2i boxes, the COM marker (jp2 and raw j2k), XL boxes; BMP trailers and
gaps; PPM/PAM comments (in the header's middle too), PFM trailers; 300k LIST chunks and
FLAC blocks refused in ~0.1-0.6 s; an 8 MB WAV of samples in 25 ms; damaged media (a PNG,
MP3, WAV or FLAC cut short, a bad CRC) neither refused nor its head's metadata lost.

Found (strict xfails):
(Round 24, web24: the pieces, Server-Sent Events, HTML hiding and RTF misses below are fixed,
their markers taken off; see tests/core/test_round24_pieces.py, _html.py and _rtf.py. The
int-pieces case's pieces were 17 digits (307 for 0307): now 11010, 119900, 307, 1233.)
- MISS: pieces json_piece_runs does not join: piece objects nested deeper than
  MAX_PIECE_DEPTH, pieces that are fewer than half the list's elements (heartbeat or ping
  objects between them), pieces of several digits as JSON integers, [type, key, time]
  keystroke arrays (two strings each), pieces in an object keyed by their index rather than
  in a list, piece objects padded past MAX_PIECE_KEYS members, a delta's content-part list
  whose first part is a type.
- MISS: Server-Sent Events a client assembles that event_stream_texts does not: a BOM
  before the first field (the spec strips it), events of another type (event: ping) between
  the token events (a client's handler for the token events sees the pieces alone).
- MISS: HTML hiding _unshown_html does not know: an element inside a display:none or hidden
  element (only elements of text alone are taken out), color:transparent / rgba(...,0),
  clip / clip-path, off-screen positioning, width/height:0 with overflow:hidden,
  transform:scale(0), visibility:collapse, a CSS comment inside the value, a <style> rule by
  a descendant or attribute selector, Tailwind's opacity-0 and text-transparent classes, an
  SVG of size zero, a closed <details>.
- MISS: base32hex in lower case (NSEC3 writes it so; decoders take either case), base32 of
  UTF-16 and of gzip (base64 of these is read).
- MISS: uuencode without the gates: one uuencoded line as a JSON value (no line end), lines
  in a text or XML body without a begin line, a begin block with CR-only line ends.
- MISS: round 22's person-word stop after a payment word, when the words are fused into one
  lower-case token (accountholderid, acctholderid, ordercustomerid, invoicebuyerid,
  order_custid: accholderid and AccountHolderID hold) or the person word is abbreviated
  (acct_hldr_id, acct_ownr_id, order_cstmr_id, acct_usr_id, acct_mbr_id).
- MISS: the identity words' abbreviations (and "government id") lose to a payment word after
  them: "Nat. ID", "Natl ID", "Nat'l ID", nat_id, natId, "Govt ID", "Gov't ID", "Pspt No.",
  "PP No.", "DL No.", res_id, "Res. ID", "Pers. ID", "I/C No.", "I.C.", CMT (Vietnam's old
  chứng minh thư), "id no." (while id_no holds): a first-generation ID under "Nat. ID
  account" is excused as an account number.
- MISS (fixed in round 24): an int64 array in a pickle (array.array('q'/'Q'), as numpy's
  arrays travel: raw machine bytes under _array_reconstructor, protocol 3+) is not read; protocols 0-2 (a
  list) are.
- FALSE POSITIVE: an Ion symbol ID with no symbol table behind it ($13912345678, a value or
  a field's name) reads as a mobile (2 of 1000 random 400-byte bodies after the Ion BVM read
  as a mobile, by such symbol IDs and loose integers; 0 for the other signatures).
- MISS (fixed in round 24): media metadata outside the walkers' places: an ID3v2.4 tag
  appended at the end of an MP3 (its footer "3DI"), a Lyrics3 v2 block before the ID3v1 tag, the comment of the
  second image of a multi-image Netpbm file.
- MISS: RTF text that is not shown inline between the digits: a field's instruction
  ({\\*\\fldinst ...} with an empty result), a footnote.
- BOUND: bytes of repeated MPEG frame headers (\\xff\\xfb\\x10\\x00) or 0xFF, under any
  declared type, cost ~2 s of CPU per MB (~4-6 times random bytes of the same size): an
  8 MB body (the default max_inspect_bytes) ~15 s.
"""

from __future__ import annotations

import array
import base64
import binascii
import gzip
import json
import os
import pickle
import struct
import time
import zlib

import pytest

from residency_gateway.core.areacodes import known_area
from tests.core.test_redteam_round22 import (
    COMM,
    FIRST_GENERATION,
    ID,
    INFO,
    MOBILE,
    PCM,
    SPOKEN,
    flac,
    id3_frame,
    kinds,
    mp3,
    riff_chunk,
    scan,
    synchsafe,
    wav,
)
from tests.core.test_round22_labels import containers, tail_for

JSON = "application/json"
TEXT = "text/plain"
HTML = "text/html"
XML = "application/xml"
SSE = "text/event-stream"
RTF = "application/rtf"
PICKLE = "application/python-pickle"
ION = "application/x-amzn-ion"
OCTETS = "application/octet-stream"
M = int(MOBILE)
GROUPS = ["110101", "19900307", "1233"]
QUADS = ["1101", "0119", "9003", "0712", "33"]


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def found(body: bytes | str, content_type: str = JSON) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


# ---------------------------------------------------------------------------------------------
# Labels: abbreviations, identity words, area codes


@pytest.mark.parametrize("label", [
    "NIK pemilik A/C", "ID No. (A/C holder)", "A/C holder's ID", "KTP A/C", "身份证 单号",
    "identity card a/c", "NRIC/A/C", "passport/a/c", "CCCD (TK)", "chủ TK số CCCD",
    "citizen id, pmt ref", "pmt payer id", "rcpt recipient id", "trk receiver id",
    "inv buyer id", "Inv. pelanggan ID", "national id account", "Citizen ID account",
])
def test_abbreviations_with_an_identity_word_found(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", [
    "Nat. ID account", "Natl ID account", "Nat'l ID account", "nat_id_account",
    "natId account", "Govt ID account", "Gov't ID account", "government id account",
    "Pspt No. account", "PP No. account", "DL No. account", "res_id account",
    "Res. ID account", "Pers. ID A/C", "I/C No. account", "I.C. account", "CMT account",
    "id no. order",
])
def test_abbreviated_identity_words_before_a_payment_word_missed(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", ["acctholder_id", "acc_holder_id", "accholderid",
                                   "acct_cust_id", "accountowner_id", "AccountHolderID"])
def test_person_word_fused_or_abbreviated_found(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("label", ["accountholderid", "acctholderid", "ordercustomerid",
                                   "invoicebuyerid", "order_custid", "acct_hldr_id",
                                   "acct_ownr_id", "order_cstmr_id", "acct_usr_id",
                                   "acct_mbr_id"])
def test_person_word_fused_or_abbreviated_missed(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}


@pytest.mark.parametrize("area", ["330113", "330114", "350404", "513402", "659011", "659012",
                                  "440300", "440301", "419001", "429021", "469030", "659009"])
def test_recent_and_edge_area_codes_joined_from_fields_found(area):
    assert known_area(area)
    date = "19900307"
    tail = tail_for(area, date)
    for body, content_type in containers(area, date, tail)[:3]:
        assert found(body, content_type) == {"id"}, content_type


# ---------------------------------------------------------------------------------------------
# Pieces of an ID across JSON objects


@pytest.mark.parametrize("body", [
    j([{f"p{i}": q} for i, q in enumerate(QUADS)]),
    j([{"content": g, "x": None} for g in GROUPS]),
    j([{"delta": [{"text": q}]} for q in QUADS]),
    j([[q, {"t": 1}] for q in QUADS]),
], ids=["varying-keys", "nulls", "delta-list", "pairs-with-objects"])
def test_pieces_found(body):
    assert found(body) == {"id"}


@pytest.mark.parametrize("body", [
    j([{"a": {"b": {"c": {"d": {"e": {"content": q}}}}}} for q in QUADS]),
    j([{"type": "ping"}] * 12 + [{"delta": q} for q in QUADS]),
    j([{"delta": q} for q in QUADS] + [{"type": "ping", "n": i} for i in range(12)]),
    j([{"content": int(p)} for p in ["11010", "119900", "307", "1233"]]),
    j([["keydown", c, 100 + i] for i, c in enumerate(ID)]),
    j({"chunks": {str(i): {"content": q} for i, q in enumerate(QUADS)}}),
    j([{**{f"k{n}": "x" for n in range(70)}, "content": q} for q in QUADS]),
    j([{"delta": [{"type": "text"}, {"text": q}]} for q in QUADS]),
], ids=["deeper-than-bound", "pings-before", "pings-after", "int-pieces", "typed-keystrokes",
        "object-by-index", "padded-members", "typed-content-parts"])
def test_pieces_missed(body):
    assert found(body) == {"id"}


def sse(pieces: list[str], end: str = "\n") -> str:
    return "".join(f"data: {p}{end}{end}" for p in pieces)


@pytest.mark.parametrize(("body", "content_type"), [
    (sse(GROUPS, "\r"), SSE),
    ("".join(f"id: {i}\nretry: 100\ndata: {g}\n\n" for i, g in enumerate(GROUPS)), SSE),
    ("".join(f": keep-alive\ndata: {g}\n\n" for g in GROUPS), SSE),
    ("".join(f'data: {{\ndata: "c": "{q}"\ndata: }}\n\n' for q in QUADS), SSE),
    ("".join(f"data:{j({'t': q})}\n\n" for q in QUADS), SSE),
    (sse(GROUPS), TEXT),
    (sse(GROUPS), OCTETS),
], ids=["cr", "id-retry", "comments", "multiline-json", "no-space", "as-text", "as-octets"])
def test_event_streams_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize("body", [
    "\ufeff" + sse(GROUPS),
    "".join(f"event: token\ndata: {g}\n\nevent: ping\ndata: 0\n\n" for g in GROUPS),
], ids=["bom", "other-event-type-between"])
def test_event_streams_missed(body):
    assert found(body, SSE) == {"id"}


# ---------------------------------------------------------------------------------------------
# HTML a browser does not show (a decoy digit between the ID's halves)


def decoyed(decoy: str, style: str = "") -> str:
    return f"<html>{style}<body><p>身份证 {ID[:8]}{decoy}{ID[8:]}</p></body></html>"


@pytest.mark.parametrize(("decoy", "style"), [
    ('<span style="font-size: 0px">5</span>', ""),
    ('<span style="font-size:0 !important">5</span>', ""),
    ('<span style="opacity:0%">5</span>', ""),
    ('<span style="DISPLAY:NONE">5</span>', ""),
    ('<span hidden="hidden">5</span>', ""),
    ('<span class="h">5</span>', "<style>span.h{display:none}</style>"),
    ('<span class="q">5</span>', "<style>@media screen{.q{display:none}}</style>"),
    ('<span class="a q">5</span>', "<style>/* x */.q{display:none!important}</style>"),
    ('<span class="visually-hidden">5</span>', ""),
])
def test_html_hiding_found(decoy, style):
    assert found(decoyed(decoy, style), HTML) == {"id"}


@pytest.mark.parametrize(("decoy", "style"), [
    ('<span style="display:none"><b>5</b></span>', ""),
    ("<div hidden><i>5</i></div>", ""),
    ('<span style="color:transparent">5</span>', ""),
    ('<span style="color:rgba(0,0,0,0)">5</span>', ""),
    ('<span style="position:absolute;clip:rect(0 0 0 0)">5</span>', ""),
    ('<span style="clip-path:inset(50%)">5</span>', ""),
    ('<span style="position:absolute;left:-9999px">5</span>', ""),
    ('<span style="display:inline-block;width:0;overflow:hidden">5</span>', ""),
    ('<span style="display:inline-block;height:0;overflow:hidden">5</span>', ""),
    ('<span style="display:inline-block;transform:scale(0)">5</span>', ""),
    ('<span style="visibility:collapse">5</span>', ""),
    ('<span style="display:/**/none">5</span>', ""),
    ('<span class="box"><span>5</span></span>', "<style>.box span{display:none}</style>"),
    ("<span data-x>5</span>", "<style>[data-x]{display:none}</style>"),
    ('<span class="opacity-0">5</span>', ""),
    ('<span class="text-transparent">5</span>', ""),
    ('<svg width="0" height="0"><text>5</text></svg>', ""),
    ("<details><summary></summary>5</details>", ""),
], ids=["nested-display-none", "nested-hidden", "transparent", "rgba-0", "clip", "clip-path",
        "off-screen", "width-0", "height-0", "scale-0", "collapse", "css-comment",
        "descendant-rule", "attribute-rule", "tw-opacity-0", "tw-text-transparent",
        "svg-zero", "details"])
def test_html_hiding_missed(decoy, style):
    assert found(decoyed(decoy, style), HTML) == {"id"}


# ---------------------------------------------------------------------------------------------
# Binary-to-text encodings

CHINESE = ("姓名 张伟 身份证 " + ID).encode()


@pytest.mark.parametrize("token", [
    base64.b32encode(CHINESE), base64.b32hexencode(CHINESE), base64.b32encode(CHINESE).lower(),
    base64.b32encode(CHINESE).rstrip(b"=").lower(),
], ids=["b32", "b32hex", "b32-lower", "b32-lower-unpadded"])
def test_base32_found(token):
    assert found(j({"v": token.decode()})) == {"id"}


# Fixed in round 24 (payload._base64_texts, _base32_other)
@pytest.mark.parametrize("token", [
    base64.b32hexencode(CHINESE).lower(), base64.b32hexencode(CHINESE).rstrip(b"=").lower(),
    base64.b32hexencode(("id " + ID).encode()).lower(),
    base64.b32encode(("身份证 " + ID).encode("utf-16-le")),
    base64.b32hexencode(("身份证 " + ID).encode("utf-16-le")),
    base64.b32encode(gzip.compress(CHINESE)),
], ids=["b32hex-lower", "b32hex-lower-unpadded", "b32hex-lower-ascii", "b32-utf16",
        "b32hex-utf16", "b32-gzip"])
def test_other_base32_found(token):
    assert found(j({"v": token.decode()})) == {"id"}


UU = binascii.b2a_uu(CHINESE)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"begin 644 a.txt\n" + UU + b"`\nend\n", TEXT),
    (b"begin 644 a.txt\n" + UU.replace(b" ", b"`") + b"`\nend\n", TEXT),
    (j({"v": UU.decode()}).encode(), JSON),
    (b"<a>begin 644 x\n" + UU + b"`\nend\n</a>", XML),
], ids=["begin", "backtick-zero", "json-with-line-end", "xml-begin"])
def test_uuencode_found(body, content_type):
    assert found(body, content_type) == {"id"}


# Fixed in round 24 (payload._uu_first_line, CR line ends under a `begin`)
@pytest.mark.parametrize(("body", "content_type"), [
    (UU, TEXT),
    (binascii.b2a_uu(CHINESE[:30]) + binascii.b2a_uu(CHINESE[30:]), TEXT),
    (b"begin 644 a.txt\r" + UU.replace(b"\n", b"\r") + b"`\rend\r", TEXT),
], ids=["text-no-begin", "text-two-lines", "begin-cr"])
def test_uuencode_without_begin_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.xfail(strict=True, reason="MISS (round 24 reads bare uuencoded lines at a text's "
                   "start only): a uuencoded line with no `begin` and no line end in a JSON "
                   "string, or after other text (<a>...); finding such lines anywhere is a run "
                   "search over every body (~10-40 us per 2 KB: a translate and a run search or "
                   "a split into lines), over the scan's budget; uuencode and Python's uu "
                   "module write a begin line, binascii.b2a_uu's bare lines are read where "
                   "they begin a text, a part or a decoded token")
@pytest.mark.parametrize(("body", "content_type"), [
    (j({"v": UU.decode().rstrip("\n")}).encode(), JSON),
    (b"<a>" + UU + b"</a>", XML),
], ids=["json-one-line", "xml-no-begin"])
def test_uuencode_missed(body, content_type):
    assert found(body, content_type) == {"id"}


# ---------------------------------------------------------------------------------------------
# RTF


def rtf(middle: str) -> bytes:
    return ("{\\rtf1\\ansi {\\fonttbl{\\f0 Arial;}}\\f0 \\u36523?\\u20221?\\u35777? " + ID[:8]
            + middle + ID[8:] + "\\par}").encode()


@pytest.mark.parametrize("middle", ["{\\v 5}", "\\v 5\\v0 ", "{\\*\\foo 5}", "\\\r",
                                    "{\\*\\bkmkstart x}", "\\zwj ", "\\uc1\\u8203 5", "\\-"])
def test_rtf_unshown_found(middle):
    assert found(rtf(middle), RTF) == {"id"}


@pytest.mark.parametrize("middle", ["{\\field{\\*\\fldinst 5}{\\fldrslt }}", "{\\footnote 5}"],
                         ids=["fldinst", "footnote"])
def test_rtf_unshown_missed(middle):
    assert found(rtf(middle), RTF) == {"id"}


# ---------------------------------------------------------------------------------------------
# Serializations


@pytest.mark.parametrize("value", [{"p": M}, {"id": ID.encode()}, frozenset([ID]),
                                   ("110101", "19900307", "1233"), array.array("u", ID)],
                         ids=["int", "bytes", "frozenset", "tuple-pieces", "array-u"])
@pytest.mark.parametrize("protocol", range(6))
def test_pickle_found(value, protocol):
    assert found(pickle.dumps(value, protocol=protocol), PICKLE)


@pytest.mark.parametrize("typecode", ["q", "Q"])
@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_pickle_int64_array_found(typecode, protocol):
    # (fixed in round 24: serialized_other's typed arrays)
    assert found(pickle.dumps({"phones": array.array(typecode, [M])}, protocol=protocol),
                 PICKLE) == {"mobile"}


@pytest.mark.parametrize("body", [
    b"\xe0\x01\x00\xea\x75" + M.to_bytes(5, "big"),
    b"\xe0\x01\x00\xea\xd7\x8a\x75" + M.to_bytes(5, "big"),
], ids=["symbol-value", "symbol-in-struct"])
@pytest.mark.parametrize("content_type", [ION, OCTETS])
def test_ion_symbol_id_false_positive(body, content_type):
    result = scan(body, content_type)
    assert result.error is not None or kinds(result) == set()


# ---------------------------------------------------------------------------------------------
# Held media

FRAME = b"\xff\xfb\x90\x64" + bytes(413)


def f23(fid: bytes, data: bytes) -> bytes:
    return fid + struct.pack(">I", len(data)) + b"\0\0" + data


@pytest.mark.parametrize(("body", "content_type"), [
    (mp3(id3_frame(b"TXXX", b"\x03note\x00" + SPOKEN)), "audio/mpeg"),
    (mp3(id3_frame(b"PRIV", b"owner\x00" + SPOKEN)), "audio/mpeg"),
    (b"ID3\x03\x00\x00" + synchsafe(len(f23(b"COMM", b"\x03eng\x00" + SPOKEN)))
     + f23(b"COMM", b"\x03eng\x00" + SPOKEN) + FRAME * 50, "audio/mpeg"),
    (b"ID3\x04\x00\x80" + synchsafe(len(COMM)) + COMM + FRAME * 50, "audio/mpeg"),
    (wav(PCM, riff_chunk(b"iXML", b"<BWFXML><NOTE>" + SPOKEN + b"</NOTE></BWFXML>")),
     "audio/wav"),
    (wav(PCM, riff_chunk(b"LIST", b"adtl" + riff_chunk(b"note", b"\x01\0\0\0" + SPOKEN))),
     "audio/wav"),
    (wav(b"data\xff\xff\xff\xff" + bytes(64000)) + INFO, "audio/wav"),
    (flac((2, b"abcd" + SPOKEN)), "audio/flac"),
    (b"P6\n100 # " + SPOKEN + b"\n100\n255\n" + bytes(30000), "image/x-portable-pixmap"),
], ids=["id3-txxx", "id3-priv", "id3v2.3", "id3-unsync", "wav-ixml", "wav-adtl",
        "wav-size-lie", "flac-application", "ppm-comment-mid-header"])
def test_media_metadata_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (FRAME * 200 + b"ID3\x04\x00\x10" + synchsafe(len(COMM)) + COMM
     + b"3DI\x04\x00\x10" + synchsafe(len(COMM)), "audio/mpeg"),
    (FRAME * 200 + b"LYRICSBEGIN" + b"LYR" + b"%05d" % len(SPOKEN) + SPOKEN
     + b"%06d" % (len(SPOKEN) + 8 + 11) + b"LYRICS200" + b"TAG" + bytes(125), "audio/mpeg"),
    (b"P6\n10 10\n255\n" + bytes(300) + b"P6\n# " + SPOKEN + b"\n10 10\n255\n" + bytes(300),
     "image/x-portable-pixmap"),
], ids=["id3v2-appended", "lyrics3v2", "netpbm-second-image"])
def test_media_metadata_outside_the_walkers_places_found(body, content_type):
    # (fixed in round 24: audio_tags anywhere in a binary body, every Netpbm image's comments)
    assert found(body, content_type) == {"id"}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 0))
       + _png_chunk(b"IDAT", zlib.compress(bytes(30100))) + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (PNG[:len(PNG) // 2], "image/png", set()),
    (PNG[:-5] + b"\x00" + PNG[-4:], "image/png", set()),
    (mp3(COMM)[:20000], "audio/mpeg", {"id"}),
    (wav(INFO, PCM)[:30000], "audio/wav", {"id"}),
    (flac((4, b"\x06\0\0\0ffmpeg\x01\0\0\0" + struct.pack("<I", len(b"COMMENT=" + SPOKEN))
           + b"COMMENT=" + SPOKEN))[:100], "audio/flac", {"id"}),
], ids=["png-cut", "png-bad-crc", "mp3-cut", "wav-cut", "flac-cut"])
def test_damaged_media_neither_refused_nor_lost(body, content_type, expected):
    # (a download cut short or a bad checksum: inspected, its metadata read, not refused)
    assert found(body, content_type) == expected


def test_held_audio_bounded():
    # (big held bodies whose structure walks are cheap: the samples are skipped)
    for body, content_type in [
        (wav(riff_chunk(b"data", bytes(8_000_000))), "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x10\x00" * 500_000, "audio/mpeg"),
        (wav(*[riff_chunk(b"LIST", b"INFO" + riff_chunk(b"ICMT", b"a\0"))] * 60000),
         "audio/wav"),
    ]:
        start = time.process_time()
        scan(body, content_type)
        assert time.process_time() - start < 1.5, content_type


def _cpu(body: bytes, content_type: str) -> float:
    start = time.process_time()
    scan(body, content_type)
    return time.process_time() - start


@pytest.mark.xfail(strict=False, reason="BOUND (partly fixed, fx23-bound): ~2 s/MB now ~0.9 "
                   "s/MB, 2-3x random bytes (8 whole readings of the text remain): passes or "
                   "not by how cheap the random megabyte was")
@pytest.mark.parametrize("content_type", ["audio/mpeg", OCTETS])
def test_frame_header_bytes_bounded(content_type):
    random_bytes = _cpu(os.urandom(1_000_000), OCTETS)
    hostile = _cpu(b"\xff\xfb\x10\x00" * 250_000, content_type)
    assert hostile < 2.5 * random_bytes + 0.2
