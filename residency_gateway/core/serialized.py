"""Binary serializations read as their receiver reads them. Pure.

MessagePack, CBOR, BSON and protobuf keep integers as binary numbers: a mobile sent as the
uint64 13912345678 is eight bytes no text reading finds (red-team round 6). A body that
declares one of these types, or that decodes whole as a MessagePack, CBOR or BSON document
(sniffed only where the decode is strict: the whole body one document, the right first byte
or length), is decoded and written out as a JSON-like text ("{phone: 13912345678}") that the
scanner reads beside the raw bytes. A body that declares a type and does not decode as it is
malformed (a receiver could not read it either), as a declared JSON body is.

Protobuf has no schema here: its wire format is walked (field numbers, varints, fixed
64/32-bit numbers, length-delimited fields read as nested messages where they parse whole,
else as bytes; round 20: proto2 groups as nested messages), with a varint read both plain
and zigzag (sint64). It is decoded only when declared: random bytes often parse as a few
protobuf fields.

gRPC and gRPC-web bodies (application/grpc, grpc+proto, grpc-web, grpc-web-text, ...) are
length-prefixed messages: `grpc_frames` takes them apart (round 19: the 5-byte prefix read as a
protobuf field refused every clean +proto request, and compressed messages went uninflated).

ASN.1 DER (X.509 certificates, CSRs, PKCS#7 and CMS, CRLs): the tags of SEQUENCE (0x30) and SET
(0x31) are the ASCII digits 0 and 1, so a value that ends a string runs on into the next
element's tag ("110101199003071233" + "0..."): an ID in a certificate subject's serialNumber
went unread (red-team round 15). A body that is one whole DER element with a SEQUENCE at the
top is walked, its strings and integers written out apart.

Apache Avro and Thrift (round 20): an Avro object container file's records are read by the
schema in its header; a declared Avro datum has no schema here and is walked as longs and
strings; a declared Thrift body is walked as the binary or compact protocol (none is sniffed).
"""

from __future__ import annotations

import array
import base64
import bisect
import decimal
import io
import json
import math
import plistlib
import re
import struct
import sys
from dataclasses import dataclass
from typing import Any

import bson
import cbor2
import msgpack

MSGPACK_TYPES = frozenset({"application/msgpack", "application/x-msgpack",
                           "application/vnd.msgpack"})
CBOR_TYPES = frozenset({"application/cbor", "application/cbor-seq"})
BSON_TYPES = frozenset({"application/bson", "application/x-bson"})
PROTOBUF_TYPES = frozenset({"application/protobuf", "application/x-protobuf",
                            "application/vnd.google.protobuf", "application/x-google-protobuf",
                            "application/octet-stream+protobuf"})
# (round 20: Apple property lists; a binary one, bplist00, keeps numbers as binary numbers)
PLIST_TYPES = frozenset({"application/x-plist", "application/x-bplist", "application/plist",
                         "application/x-apple-plist", "application/vnd.apple.plist"})
MAX_DEPTH = 32  # nested containers written out; deeper ones are malformed here
MAX_ITEMS = 200_000  # values written out, all containers together


def declared(ctype: str) -> str | None:
    if ctype == "application/grpc" or ctype.startswith(("application/grpc+",
                                                        "application/grpc-web")):
        # (before "+proto": application/grpc+proto, grpc-web+proto are framed messages)
        return "grpc-web-text" if ctype.startswith("application/grpc-web-text") else "grpc"
    if ctype in MSGPACK_TYPES or ctype.endswith("+msgpack"):
        return "msgpack"
    if ctype in CBOR_TYPES or ctype.endswith("+cbor"):
        return "cbor"
    if ctype in BSON_TYPES or ctype.endswith("+bson"):
        return "bson"
    if ctype in PROTOBUF_TYPES or ctype.endswith("+protobuf") or ctype.endswith("+proto"):
        return "protobuf"
    if ctype in PLIST_TYPES or ctype.endswith("+plist"):
        return "plist"
    return None


MAX_GRPC_FRAMES = 16_384  # frames taken apart in one body; more is the caller's to refuse
_B64_CHUNK = re.compile(rb"[A-Za-z0-9+/]+={0,2}")


def grpc_frames(data: bytes, *, text: bool = False
                ) -> tuple[list[tuple[int, bytes]], bool] | None:
    """The length-prefixed messages of a gRPC or gRPC-web body (round 19), each as (its flag
    byte, its bytes): a flag byte (bit 0: compressed per grpc-encoding; 0x80: a gRPC-web
    trailer frame of "key: value" lines), a 4-byte big-endian length, the message; and
    whether they are the whole body (False: what follows the last whole frame, or all of it,
    is no frame; gRPC-web-text that is no base64). `text`: gRPC-web-text, the frames in
    base64 (in one or several padded chunks). Empty frames are left out. None when there are
    more than MAX_GRPC_FRAMES frames (empty ones counted: the caller refuses the body)."""
    if text:
        decoded = _grpc_web_text(data)
        if decoded is None:
            return [], False
        data = decoded
    frames: list[tuple[int, bytes]] = []
    i = count = 0
    while i < len(data):
        if i + 5 > len(data):
            return frames, False
        flag = data[i]
        end = i + 5 + int.from_bytes(data[i + 1:i + 5], "big")
        if flag & 0x7E or end > len(data):
            return frames, False
        if end > i + 5:
            frames.append((flag, data[i + 5:end]))
        i = end
        count += 1
        if count > MAX_GRPC_FRAMES:
            return None
    return frames, count > 0


def _grpc_web_text(data: bytes) -> bytes | None:
    """gRPC-web-text's base64, each padded chunk decoded on its own (a client may send the
    frames as several base64 strings one after the other); None when it is not base64."""
    compact = re.sub(rb"\s+", b"", data)
    out: list[bytes] = []
    pos = 0
    for m in _B64_CHUNK.finditer(compact):
        if m.start() != pos:
            return None
        chunk = m.group()
        pos = m.end()
        if len(chunk) % 4:
            if pos != len(compact) or chunk.endswith(b"="):
                return None
            chunk += b"=" * (-len(chunk) % 4)  # (the last chunk unpadded)
        try:
            out.append(base64.b64decode(chunk, validate=True))
        except ValueError:
            return None
    return b"".join(out) if pos == len(compact) and out else None


def sniffed(data: bytes) -> str | None:
    """The serialization a body of no declared one starts like (a map at the top, or BSON's
    length prefix); whether it decodes whole is for `tree_text` to say."""
    if len(data) < 2:
        return None
    if data.startswith(b"bplist00"):
        return "plist"  # (round 20: a binary property list by its signature)
    first = data[0]
    if 0x81 <= first <= 0x8F or first in (0xDE, 0xDF):
        return "msgpack"
    if 0xA1 <= first <= 0xBB or first == 0xBF or (first == 0xD9 and data[1] == 0xD9):
        return "cbor"  # (a map; or the self-described CBOR tag 55799)
    if len(data) >= 5 and int.from_bytes(data[:4], "little") == len(data) and data[-1] == 0:
        return "bson"
    if first == 0x30 and _der_header(data, 0) is not None:
        return "der"  # (a SEQUENCE first: whether all of it is DER is tree_text's to say)
    if der_within(data):
        return "der"  # (a certificate inside other bytes: a TLS message, a framed one)
    return None


def tree_text(kind: str, data: bytes, *, stream: bool = True) -> str | None:
    """The decoded document as a JSON-like text; None when `data` is not one whole document
    of `kind` (or one nested deeper than MAX_DEPTH, or of more than MAX_ITEMS values).
    `stream`: a MessagePack stream or CBOR sequence of documents is one too (declared types
    only: random bytes are a MessagePack stream of small integers)."""
    try:
        if kind == "msgpack":  # (one document, or a stream of them)
            unpacker = msgpack.Unpacker(raw=False, strict_map_key=False,
                                        unicode_errors="surrogateescape",
                                        max_buffer_size=max(len(data), 1))
            unpacker.feed(data)
            items: list[Any] = list(unpacker)
            if unpacker.tell() != len(data) or not items or (len(items) > 1 and not stream):
                return None
            tree: Any = items[0] if len(items) == 1 else items
        elif kind == "cbor":  # (one item, or a CBOR sequence, RFC 8742)
            source = io.BytesIO(data)
            decoder = cbor2.CBORDecoder(source)
            items = []
            while source.tell() < len(data):  # (cbor2.loads ignores what follows one item)
                items.append(decoder.decode())
            if not items or (len(items) > 1 and not stream):
                return None
            tree = items[0] if len(items) == 1 else items
        elif kind == "bson":
            tree = bson.decode(data)
        elif kind == "plist":
            tree = _plist(data)
        elif kind == "der":
            tree = _der(data, 0, [0])
            if tree is None or data[0] != 0x30:
                # Bytes before a certificate (a length prefix, a TLS message's header) that
                # are not a SEQUENCE walk as DER by chance about once in 150 certificates
                # (0x00 0x00 is an element, 0x01 0x65 skips into the certificate and the
                # rest happens to parse): the ID then ran on into the next tag byte. The
                # certificates found within are read as well.
                within = _der_within(data)
                if within is not None:
                    tree = within if tree is None else [tree, within]
        else:
            tree = _protobuf(data, 0)
    except Exception:  # (msgpack's ExtraData and FormatError, cbor2's CBORDecodeError,
        # bson's InvalidBSON, RecursionError, ...: any failure is "not one")
        return None
    if tree is None:
        return None
    out: list[str] = []
    try:
        _write(tree, out, 0, [0])
    except (_TooMuch, ValueError):  # (ValueError: an integer of more digits than str() prints)
        return None
    return "".join(out)


def protobuf_too_large(data: bytes) -> bool:
    """Round 20: whether `data` walks as a whole protobuf message with more values than
    tree_text writes (MAX_ITEMS, packed numbers counted): a reader that has no fallback to
    the bytes refuses it rather than read it only as bytes (a packed run of 300,000 zeros
    and a mobile in a gRPC message)."""
    try:
        tree = _protobuf(data, 0)
        if tree is not None:
            _write(tree, [], 0, [0])
    except _TooMuch:
        return True
    except Exception:  # (RecursionError, ...: not one)
        return False
    return False


def _plist(data: bytes) -> Any:
    """Round 20: an Apple property list as plistlib (and the receiver's NSPropertyList) reads
    it: a binary one (bplist00: integers big-endian binary, reals IEEE doubles, strings ASCII
    or UTF-16) or an XML one (a declared type's body that is no bplist). A binary one's
    trailer is checked first, its offset table within the data (plistlib sizes lists by
    it); None when it is not one whole property list."""
    if data.startswith(b"bplist00"):
        if len(data) < 40:
            return None
        offset_size, ref_size, count, top, table = struct.unpack(">6xBBQQQ", data[-32:])
        if not (1 <= offset_size <= 8 and 1 <= ref_size <= 8 and 0 < count <= len(data)
                and top < count and table >= 8 and table + count * offset_size <= len(data) - 32):
            return None
        return plistlib.loads(data, fmt=plistlib.FMT_BINARY)
    if data.startswith(b"bplist"):
        return None  # (bplist15, bplist16: formats no public reader reads)
    text = data.lstrip()
    if not text.startswith(b"<"):
        # an old-style (OpenStep) or UTF-16 one: text, read as text is, nothing to add
        return {}
    return plistlib.loads(text, fmt=plistlib.FMT_XML)


class _TooMuch(Exception):
    pass


class Pairs(list[Any]):
    """(round 22) A map as its [key, value] pairs, keys of any type (serialized_other's
    walks): written out as a map is."""


def _write(value: Any, out: list[str], depth: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_ITEMS or depth > MAX_DEPTH:
        raise _TooMuch
    if isinstance(value, dict):
        out.append("{")
        for n, (k, v) in enumerate(value.items()):
            if n:
                out.append(", ")
            _write(k, out, depth + 1, count)
            out.append(": ")
            _write(v, out, depth + 1, count)
        out.append("}")
    elif isinstance(value, Pairs):
        out.append("{")
        for n, pair in enumerate(value):
            if n:
                out.append(", ")
            _write(pair[0], out, depth + 1, count)
            out.append(": ")
            _write(pair[1], out, depth + 1, count)
        out.append("}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        out.append("[")
        for n, v in enumerate(value):
            if n:
                out.append(", ")
            _write(v, out, depth + 1, count)
        out.append("]")
    elif value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append(str(value).lower())
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        # (a number a sender typed as a double: 13912345678.0 is the integer a receiver shows)
        out.append(str(int(value)) if math.isfinite(value) and value.is_integer()
                   and abs(value) < 1e21 else repr(value))
    elif isinstance(value, decimal.Decimal) or callable(getattr(value, "to_decimal", None)):
        # Round 8: a CBOR decimal fraction (tag 4) or BSON Decimal128 of integral value,
        # "13912345678.0" as printed, is the integer as a double of it is (above).
        number = value if isinstance(value, decimal.Decimal) else value.to_decimal()
        out.append(str(int(number)) if number.is_finite() and number == number.to_integral_value()
                   and abs(number) < 10 ** 21 else str(number))
    elif isinstance(value, str):
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out.append('"' + bytes(value).decode("utf-8", "replace") + '"')
    elif isinstance(value, _Field):
        out.append(f"f{value.number}=")
        _write(value.value, out, depth + 1, count)
    else:  # tagged values, dates, ObjectIds, Decimal128, ...: as their receiver prints them
        tag_value = getattr(value, "value", None)
        if tag_value is not None and not isinstance(tag_value, (str, int, float)):
            _write(tag_value, out, depth + 1, count)
        else:
            out.append('"' + str(value).replace('"', '\\"') + '"')


class _Field:
    __slots__ = ("number", "value")

    def __init__(self, number: int, value: Any):
        self.number = number
        self.value = value


def _varint(data: bytes, i: int) -> tuple[int, int] | None:
    value = shift = 0
    while i < len(data) and shift < 70:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if not byte & 0x80:
            return value, i
        shift += 7
    return None


def varint_at(data: bytes, i: int) -> tuple[int, int] | None:
    """(round 21) The varint at `i` and where it ends; None when the bytes end first."""
    return _varint(data, i)


def _protobuf(data: bytes, depth: int) -> list[_Field] | None:
    """The fields of a protobuf message that `data` is whole; None if it is not one."""
    got = _protobuf_fields(data, 0, depth, None)
    return None if got is None or got[1] != len(data) else got[0]


def _protobuf_fields(data: bytes, i: int, depth: int, group: int | None
                     ) -> tuple[list[_Field], int] | None:
    """The fields from `data[i:]` to its end, or (`group`: the number of an open proto2 group)
    to that group's end tag, and where they stop; None if they are no protobuf. Round 20: a
    group (wire type 3 opens it, 4 with the same number closes it) is a nested message whose
    fields are read as any other's (groups are deprecated, but proto2 senders and Google's
    parsers still use them: a declared protobuf holding one was refused 400); an end tag
    with no group open, or another group's, or a group never closed, is no protobuf. Groups
    nest at most MAX_DEPTH deep, as length-delimited messages are read at most so deep."""
    if depth > MAX_DEPTH:
        return None
    fields: list[_Field] = []
    while i < len(data):
        key = _varint(data, i)
        if key is None:
            return None
        tag, i = key
        number, wire = tag >> 3, tag & 7
        if number == 0 or number > 536_870_911:
            return None
        if wire == 0:
            got = _varint(data, i)
            if got is None:
                return None
            value, i = got
            value &= (1 << 64) - 1
            signed = value - (1 << 64) if value >> 63 else value
            zigzag = (value >> 1) ^ -(value & 1)
            fields.append(_Field(number, [signed, zigzag] if zigzag != signed else signed))
        elif wire in (1, 5):  # fixed64 (or a double), fixed32 (or a float)
            width = 8 if wire == 1 else 4
            if i + width > len(data):
                return None
            raw = data[i:i + width]
            i += width
            fields.append(_Field(number, [int.from_bytes(raw, "little", signed=True),
                                          struct.unpack("<d" if wire == 1 else "<f", raw)[0]]))
        elif wire == 2:
            got = _varint(data, i)
            if got is None:
                return None
            size, i = got
            if i + size > len(data):
                return None
            chunk = data[i:i + size]
            i += size
            # (a string may parse as fields too: both readings)
            nested = _protobuf(chunk, depth + 1) if chunk else None
            readings: list[Any] = [nested, chunk] if nested else [chunk]
            readings += _packed(chunk)
            fields.append(_Field(number, readings if len(readings) > 1 else chunk))
        elif wire == 3:  # a group opens: its fields, to its own end tag
            inner = _protobuf_fields(data, i, depth + 1, number)
            if inner is None:
                return None
            members, i = inner
            fields.append(_Field(number, members))
        elif wire == 4:  # a group ends: the open one's, or this is no protobuf
            return (fields, i) if number == group else None
        else:  # 6 and 7 do not exist
            return None
    return None if group is not None else (fields, i)


# Round 20: a run of varints that could be a packed field holding an identifier: canonical
# (no multi-byte varint ends in a zero byte, none is over 10 bytes), of which none is 2 to 4
# bytes long and one at least 5 (2**28 and more: 9 digits). Text is no such run (ASCII has
# no wide varint, UTF-8 CJK text is 3-byte sequences), and random bytes rarely are one.
_NOT_PACKED = re.compile(rb"(?:^|[\x00-\x7f])[\x80-\xff]{1,3}[\x00-\x7f]|[\x80-\xff]\x00"
                         rb"|[\x80-\xff]{10}|[\x80-\xff]\Z")
_WIDE_VARINT = re.compile(rb"[\x80-\xff]{4}")
_HIGH_BYTES = bytes(range(0x80, 0x100))
WIDE = 10 ** 9  # a number that may hold an identifier (a mobile is 11 digits)


def _packed(chunk: bytes) -> list[list[Any]]:
    """Round 20: the numbers of a length-delimited field read as a packed repeated field
    (proto3 packs repeated scalars by default: "repeated int64 phones = 4;" is one field of
    concatenated varints, a repeated fixed64 or double one of 8-byte values). The wire does
    not say which a field is, so each reading that is plausible and holds a number wide
    enough for an identifier is offered beside the string and message readings: a run of
    varints (see _NOT_PACKED) as int64 and as sint64 (zigzag); fixed64 values each within
    2**53, one at least WIDE (a hash, an image's bytes read 8 at a time are not); doubles
    each finite and of a sane magnitude, one at least WIDE (zero padding is no reading).
    (fixed32 and float cannot hold a mobile's 11 digits.) Each value counts against
    MAX_ITEMS as a field does: more, and the message is "not one" (a declared body is
    refused)."""
    out: list[list[Any]] = []
    size = len(chunk)
    if size >= 5 and _WIDE_VARINT.search(chunk) and not _NOT_PACKED.search(chunk):
        if len(chunk.translate(None, _HIGH_BYTES)) > MAX_ITEMS:  # (the varints: one low byte each)
            raise _TooMuch
        varints = _packed_varints(chunk)
        plain = [v - (1 << 64) if v >> 63 else v for v in varints]
        out.append(plain)
        zigzag = [(v >> 1) ^ -(v & 1) for v in varints]
        if zigzag != plain:
            out.append(zigzag)
    if size and size % 8 == 0:
        ints = array.array("q", chunk)
        doubles = array.array("d", chunk)
        if sys.byteorder == "big":
            ints.byteswap()
            doubles.byteswap()
        if min(ints) > -(1 << 53) and max(ints) < 1 << 53 and (
                max(ints) >= WIDE or min(ints) <= -WIDE):
            if len(ints) > MAX_ITEMS:
                raise _TooMuch
            out.append(list(ints))
        total = sum(map(abs, doubles))
        if math.isfinite(total) and WIDE <= max(map(abs, doubles)) <= 1e30 and all(
                v == 0 or abs(v) >= 1e-30 for v in doubles):
            if len(doubles) > MAX_ITEMS:
                raise _TooMuch
            out.append(list(doubles))
    return out


def _packed_varints(chunk: bytes) -> list[int]:
    """The varints (as uint64) of `chunk`, a whole run of them (see _NOT_PACKED)."""
    values: list[int] = []
    i = 0
    while i < len(chunk):
        got = _varint(chunk, i)
        if got is None:
            break
        values.append(got[0] & ((1 << 64) - 1))
        i = got[1]
    return values


def _joined_segments(tag: int, values: list[Any]) -> Any:
    """A BER constructed string (0x33 PrintableString, 0x24 OCTET STRING, ... in segments) as
    the one string every decoder joins it into (round 16); any other constructed value as its
    list of values."""
    if tag & 0xC0 or ((tag & 0x1F) not in _DER_STRINGS and tag & 0x1F not in (0x03, 0x04)):
        return values
    parts: list[str] = []
    for v in values:
        if isinstance(v, list):
            v = _joined_segments(tag, v)
        parts.append(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
    return "".join(parts)


# ASN.1 universal string types, as their receivers decode them (BMPString is UTF-16BE,
# UniversalString UTF-32BE; the others are ASCII or UTF-8 in practice)
_DER_STRINGS = {0x0C: "utf-8", 0x12: "ascii", 0x13: "ascii", 0x14: "latin-1", 0x16: "ascii",
                0x1A: "ascii", 0x1B: "latin-1", 0x1E: "utf-16-be", 0x1C: "utf-32-be",
                0x19: "latin-1", 0x15: "latin-1"}


def _der_header(data: bytes, i: int) -> tuple[int, int, int] | None:
    """(tag, start of the content, end of the content) of the element at `i`, the end -1 for
    BER's indefinite length (constructed only: its content ends with two zero bytes); None
    where there is none (a multi-byte tag, an overlong length, past the end)."""
    if i + 2 > len(data):
        return None
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:
        # a high tag number (EMV's 9F1F, private structures): its bytes while the top bit is
        # set, at most four (round 16: the whole walk was given up for one)
        for _ in range(4):
            if i >= len(data):
                return None
            i += 1
            if not data[i - 1] & 0x80:
                break
        else:
            return None
    if i >= len(data):
        return None
    size = data[i]
    i += 1
    if size == 0x80:
        return (tag, i, -1) if tag & 0x20 else None
    if size & 0x80:
        count = size & 0x7F
        if not 1 <= count <= 4 or i + count > len(data):
            return None
        size = int.from_bytes(data[i:i + count], "big")
        i += count
    if i + size > len(data):
        return None
    return tag, i, i + size


MAX_EMBEDDED_DER = 64  # certificates looked for inside other bytes
# A certificate (or CSR, CMS, key) inside other bytes: a SEQUENCE of two- or one-byte long
# length whose first element is a SEQUENCE of such a length too (a TLS Certificate message, a
# length-prefixed frame, a signature appended after it)
_DER_WITHIN = re.compile(rb"0[\x81\x82][\x00-\xff]{1,2}?0[\x81\x82]")


def der_within(data: bytes) -> bool:
    """Whether `data` holds a certificate-like DER element somewhere (see _DER_WITHIN)."""
    return _DER_WITHIN.search(data) is not None


def _der_within(data: bytes) -> list[Any] | None:
    """The values of each whole DER element found inside `data` (round 16: bytes around a
    certificate made the walk give up, and the ID ran on into the next 0x30 tag)."""
    out: list[Any] = []
    count = [0]
    pos = 0
    for _ in range(MAX_EMBEDDED_DER):
        m = _DER_WITHIN.search(data, pos)
        if m is None:
            break
        head = _der_header(data, m.start())
        got = None if head is None or head[2] < 0 else _der_run(
            data, m.start(), head[2], 0, count, False)
        if got is None:
            pos = m.start() + 1
            continue
        out.append(got[0])
        pos = head[2]  # type: ignore[index]
    return out or None


def _der(data: bytes, depth: int, count: list[int]) -> list[Any] | None:
    """The elements of `data`, a whole run of DER (or BER) elements, as values; None when
    `data` is not one (a last line break aside)."""
    got = _der_run(data, 0, len(data), depth, count, False)
    if got is None and (stop := len(data.rstrip())) < len(data):
        got = _der_run(data, 0, stop, depth, count, False)  # (a file's last line break)
    return None if got is None else got[0]


def _der_run(data: bytes, i: int, stop: int, depth: int, count: list[int], until_end: bool
             ) -> tuple[list[Any], int] | None:
    """The elements from `i` to `stop` (or, `until_end`, to the end-of-contents octets of an
    indefinite length) as values (strings, integers, nested lists; an OCTET or BIT STRING or
    an implicitly tagged value that is DER itself, as certificate extensions are, nested too),
    and where they end; None where they are not elements."""
    if depth > MAX_DEPTH:
        return None
    out: list[Any] = []
    while i < stop:
        if until_end and data[i:i + 2] == b"\0\0":
            return out, i + 2
        count[0] += 1
        if count[0] > MAX_ITEMS:
            return None
        head = _der_header(data, i)
        if head is None:
            return None
        tag, start, end = head
        if end > stop:
            return None
        if end < 0:  # BER's indefinite length
            got = _der_run(data, start, stop, depth + 1, count, True)
            if got is None:
                return None
            nested, i = got
            out.append(_joined_segments(tag, nested))
            continue
        i = end
        content = data[start:end]
        if tag & 0x20:  # constructed: SEQUENCE, SET, [n] EXPLICIT
            got = _der_run(data, start, end, depth + 1, count, False)
            if got is None:
                return None
            out.append(_joined_segments(tag, got[0]))
        elif tag in _DER_STRINGS:
            out.append(content.decode(_DER_STRINGS[tag], "replace"))
        elif tag == 0x02 and 0 < len(content) <= 64:
            out.append(int.from_bytes(content, "big", signed=True))
        elif tag in (0x03, 0x04) or tag & 0xC0:
            # OCTET STRING, BIT STRING (its first byte the unused bits) and implicitly tagged
            # values: DER inside (an extension's value), or bytes read as text
            inner = content[1:] if tag == 0x03 else content
            walked = _der(inner, depth + 1, count) if inner[:1] in (b"0", b"1") else None
            out.append(walked if walked is not None else inner)
        # (BOOLEAN, NULL, OIDs, times: nothing of a person's)
    if until_end:
        return None  # (no end-of-contents octets)
    return out, i


# -- Apache Avro and Thrift (round 20) -------------------------------------------------------
#
# Schema-driven binary encodings keep integers as numbers no text reading sees: an Avro long
# is a zigzag varint, a Thrift binary-protocol i64 eight big-endian bytes, a compact-protocol
# i64 a zigzag varint. Read only where declared (random bytes walk as either).

AVRO_TYPES = frozenset({"avro/binary", "application/avro", "application/x-avro",
                        "application/avro-binary", "application/x-avro-binary",
                        "application/vnd.apache.avro", "application/vnd.apache.avro+binary",
                        "application/vnd.kafka.avro.v1+binary",
                        "application/vnd.kafka.avro.v2+binary"})
THRIFT_TYPES = {"application/x-thrift": "thrift", "application/thrift": "thrift",
                "application/vnd.apache.thrift": "thrift",
                "application/vnd.apache.thrift.binary": "thrift-binary",
                "application/x-thrift-binary": "thrift-binary",
                "application/vnd.apache.thrift.compact": "thrift-compact",
                "application/x-thrift-compact": "thrift-compact"}
AVRO_MAGIC = b"Obj\x01"  # an object container file (the spec's "Object Container Files")
MAX_AVRO_BLOCKS = 65_536  # blocks of one container file; more is refused as too complex
MAX_AVRO_META = 1024  # header metadata entries


class TooComplex(Exception):
    """More values (or blocks) than a reading here takes: the caller refuses the body."""


def schema_declared(ctype: str) -> str | None:
    """"avro", "thrift-binary", "thrift-compact" or "thrift" (either protocol) for a body that
    declares one of these types; None otherwise (Thrift's JSON protocol is JSON, read so)."""
    if ctype in AVRO_TYPES or ctype.endswith(("+avro", ".avro+binary")):
        return "avro"
    return THRIFT_TYPES.get(ctype)


def _zigzag_long(data: bytes, i: int) -> tuple[int, int] | None:
    """An Avro long (or Thrift compact integer): a zigzag varint of at most ten bytes."""
    got = _varint(data, i)
    if got is None or got[1] - i > 10:
        return None
    value, i = got
    value &= (1 << 64) - 1
    return (value >> 1) ^ -(value & 1), i


def avro_container(data: bytes) -> tuple[dict[bytes, bytes], list[tuple[int, bytes]]] | None:
    """The metadata and the blocks (record count, still coded bytes) of an Avro object
    container file: the
    magic, a metadata map (avro.schema, avro.codec), a 16-byte sync marker, then blocks of a
    record count, a byte size, the bytes and the sync marker again. None when `data` is not
    one whole such file (truncated, a wrong sync marker, a negative size). Raises TooComplex
    past MAX_AVRO_BLOCKS blocks or MAX_AVRO_META metadata entries."""
    if not data.startswith(AVRO_MAGIC):
        return None
    i = len(AVRO_MAGIC)
    meta: dict[bytes, bytes] = {}
    while True:  # (a map: blocks of entries, a block of 0 ends it; a negative count is
        # followed by the block's byte size)
        got = _zigzag_long(data, i)
        if got is None:
            return None
        count, i = got
        if count == 0:
            break
        if count < 0:
            count = -count
            size = _zigzag_long(data, i)
            if size is None:
                return None
            i = size[1]
        if len(meta) + count > MAX_AVRO_META:
            raise TooComplex
        for _ in range(count):
            pair: list[bytes] = []
            for _ in range(2):
                got = _zigzag_long(data, i)
                if got is None or got[0] < 0 or got[1] + got[0] > len(data):
                    return None
                size_, i = got
                pair.append(data[i:i + size_])
                i += size_
            meta[pair[0]] = pair[1]
    sync = data[i:i + 16]
    if len(sync) != 16:
        return None
    i += 16
    blocks: list[tuple[int, bytes]] = []
    while i < len(data):
        if len(blocks) >= MAX_AVRO_BLOCKS:
            raise TooComplex
        count_ = _zigzag_long(data, i)
        if count_ is None or count_[0] < 0:
            return None
        got = _zigzag_long(data, count_[1])
        if got is None or got[0] < 0 or got[1] + got[0] + 16 > len(data):
            return None
        size_, i = got
        blocks.append((count_[0], data[i:i + size_]))
        i += size_
        if data[i:i + 16] != sync:
            return None
        i += 16
    return meta, blocks


def _avro_datums(data: bytes) -> list[Any]:
    """The values of Avro-encoded data read without its schema (a bare datum, a Kafka record
    after Confluent's 5-byte prefix, an object container file's blocks), in two passes.

    First as a run of longs and strings: a long whose value would fit as a length in the
    bytes left is taken as one (a string where the bytes are text; at least 16 bytes that
    are not, a bytes field such as a photo, stepped over whole rather than walked as varints
    that could spell a mobile by chance), else it is a long, written out. Then, as a union's
    branch index (a 1 before a nullable field's value) can put that walk out of step, every
    varint of five bytes or more that starts where a value can (after a byte that ends one)
    outside the binary values stepped over is written out too: an integer that large is read
    whatever the walk made of the bytes before it. Raises TooComplex past MAX_AVRO_STEPS.
    (A container file's records are read by their schema, avro_records; this is for the
    datums that come without one, and for a schema that does not read them. A fixed or a
    double, random bytes to this walk, can spell a mobile by chance: about 4 datums in 100
    with a random 16-byte fixed are then read as holding one. Declared bodies only.)"""
    out: list[Any] = []
    skipped: list[tuple[int, int]] = []
    walked: set[int] = set()  # (where the first pass wrote a long out)
    i = steps = 0
    while i < len(data):
        steps += 1
        if steps > MAX_AVRO_STEPS:
            raise TooComplex
        got = _zigzag_long(data, i)
        if got is None:  # (a varint cut by the end: what is left is no value)
            break
        value, j = got
        if 0 <= value <= len(data) - j:
            chunk = data[j:j + value]
            if value and _avro_text(chunk):
                out.append(chunk.decode())
                i = j + value
                continue
            if value >= 16:
                if _binary_looking(chunk):
                    skipped.append((j, j + value))
                i = j + value
                continue
        else:
            out.append(value)
            walked.add(i)
        i = j
    starts = [s for s, _ in skipped]
    for m in _LONG_VARINT.finditer(data):
        at = bisect.bisect_right(starts, m.start()) - 1
        if m.start() in walked or (at >= 0 and m.start() < skipped[at][1]):
            continue
        steps += 1
        if steps > MAX_AVRO_STEPS:
            raise TooComplex
        got = _zigzag_long(data, m.start())
        if got is not None:
            out.append(got[0])
    return out


_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                         rb"|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH = re.compile(rb"[\x80-\xff]")


def _binary_looking(chunk: bytes) -> bool:
    """Whether bytes stepped over as a length's are a binary value (a photo, a hash, an
    encrypted blob: a quarter or more of its bytes high and no part of a UTF-8 character),
    not text and varints the walk went out of step in (the second pass reads those)."""
    stray = len(_HIGH.findall(chunk)) - sum(len(m) for m in _UTF8_MULTI.findall(chunk))
    return stray * 4 >= len(chunk)


MAX_AVRO_STEPS = 100_000  # values read in one Avro body (~0.5 s written out); more: too complex
_LONG_VARINT = re.compile(rb"(?<![\x80-\xff])[\x80-\xff]{4,9}[\x00-\x7f]")
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _avro_text(chunk: bytes) -> bool:
    """Whether a length's bytes are a string: UTF-8 without control characters."""
    if _NOT_TEXT.search(chunk):
        return False
    try:
        chunk.decode()
    except UnicodeDecodeError:
        return False
    return True


class ByteReader:
    """Bytes read front to back: `take` and `byte` raise ValueError past the end (the walks of
    Thrift, Avro and serialized_other's formats share it)."""

    def __init__(self, data: bytes):
        self.data = data
        self.i = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.i + n > len(self.data):
            raise ValueError("past the end")
        self.i += n
        return self.data[self.i - n:self.i]


# Thrift type ids: binary protocol, compact protocol
_TB_STOP, _TB_BOOL, _TB_BYTE, _TB_DOUBLE, _TB_I16, _TB_I32, _TB_I64 = 0, 2, 3, 4, 6, 8, 10
_TB_STRING, _TB_STRUCT, _TB_MAP, _TB_SET, _TB_LIST, _TB_UUID = 11, 12, 13, 14, 15, 16


class _Thrift(ByteReader):
    """A walk of Thrift-encoded bytes (binary or compact protocol) without the IDL: structs
    as their numbered fields, containers as lists; ValueError where the bytes are not it."""

    def __init__(self, data: bytes, compact: bool):
        super().__init__(data)
        self.compact = compact
        self.count = 0

    def varint(self) -> int:
        got = _varint(self.data, self.i)
        if got is None or got[1] - self.i > 10:
            raise ValueError("no varint")
        self.i = got[1]
        return got[0]

    def zigzag(self) -> int:
        value = self.varint() & ((1 << 64) - 1)
        return (value >> 1) ^ -(value & 1)

    def size(self) -> int:
        n = self.varint() if self.compact else int.from_bytes(self.take(4), "big", signed=True)
        if n < 0 or n > len(self.data) - self.i:  # (every element takes a byte at least)
            raise ValueError("bad size")
        return n

    def counted(self) -> None:
        self.count += 1
        if self.count > MAX_ITEMS:
            raise TooComplex

    def message(self) -> list[Any]:
        """One message (a call or reply: its header, then its arguments' struct), or a bare
        struct."""
        data, i = self.data, self.i
        if not self.compact and data[i:i + 2] == b"\x80\x01":  # strict: version, type
            self.take(4)
            name = self.take(self.size())
            self.take(4)
            return [name, self.struct(0)]
        if not self.compact and (n := int.from_bytes(data[i:i + 4], "big")) and (
                i + 4 + n + 5 <= len(data) and 1 <= data[i + 4 + n] <= 4):
            # (the old, non-strict header: the name's length, the name, a type byte, a
            # sequence id; a struct's first byte, a field type, makes a length of 32 MB up)
            name = self.take(4 + n)[4:]
            self.take(5)
            return [name, self.struct(0)]
        if self.compact and data[i:i + 1] == b"\x82" and len(data) > i + 1 and (
                data[i + 1] & 0x1F == 1):
            self.take(2)
            self.varint()  # (the sequence id)
            name = self.take(self.size())
            return [name, self.struct(0)]
        return [self.struct(0)]

    def struct(self, depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        fields: list[Any] = []
        last = 0
        while True:
            head = self.take(1)[0]
            if head == _TB_STOP:
                return fields
            self.counted()
            if self.compact:
                kind, delta = head & 0x0F, head >> 4
                number = last + delta if delta else self.zigzag()
                last = number
                if kind in (1, 2):  # (a bool field's value is its type)
                    fields.append(_Field(number, kind == 1))
                    continue
            else:
                kind = head
                number = int.from_bytes(self.take(2), "big", signed=True)
            fields.append(_Field(number, self.value(kind, depth + 1)))

    def value(self, kind: int, depth: int) -> Any:
        self.counted()
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        return self.compact_value(kind, depth) if self.compact else self.binary_value(kind, depth)

    def binary_value(self, kind: int, depth: int) -> Any:
        if kind in (_TB_BOOL, _TB_BYTE):
            return self.take(1)[0]
        if kind == _TB_DOUBLE:
            return struct.unpack(">d", self.take(8))[0]
        if kind in (_TB_I16, _TB_I32, _TB_I64):
            return int.from_bytes(self.take({6: 2, 8: 4, 10: 8}[kind]), "big", signed=True)
        if kind == _TB_STRING:
            return self.take(self.size())
        if kind == _TB_STRUCT:
            return self.struct(depth)
        if kind == _TB_UUID:
            return self.take(16).hex()
        if kind == _TB_MAP:
            key, val = self.take(1)[0], self.take(1)[0]
            return [[self.value(key, depth), self.value(val, depth)] for _ in range(self.size())]
        if kind in (_TB_SET, _TB_LIST):
            elem = self.take(1)[0]
            return [self.value(elem, depth) for _ in range(self.size())]
        raise ValueError("unknown type")

    def compact_value(self, kind: int, depth: int) -> Any:
        if kind in (1, 2):  # (a bool in a container: one byte)
            return self.take(1)[0] == 1
        if kind == 3:
            return self.take(1)[0]
        if kind in (4, 5, 6):  # i16, i32, i64
            return self.zigzag()
        if kind == 7:
            return struct.unpack("<d", self.take(8))[0]
        if kind == 8:
            return self.take(self.size())
        if kind == 12:
            return self.struct(depth)
        if kind == 13:
            return self.take(16).hex()
        if kind in (9, 10):  # list, set: size and type in one byte (size 15: a varint after)
            head = self.take(1)[0]
            n = head >> 4
            if n == 15:
                n = self.size()
            elem = head & 0x0F
            return [self.value(elem, depth) for _ in range(n)]
        if kind == 11:
            n = self.size()
            if not n:
                return []
            types = self.take(1)[0]
            return [[self.value(types >> 4, depth), self.value(types & 0x0F, depth)]
                    for _ in range(n)]
        raise ValueError("unknown type")


def _thrift(data: bytes, compact: bool) -> list[Any] | None:
    """The messages (or structs) of a Thrift body one after the other, framed or not (a
    4-byte big-endian length before each, TFramedTransport); None where it is not one."""
    frames: list[bytes] = []
    i = 0
    while i + 4 <= len(data) and (n := int.from_bytes(data[i:i + 4], "big")) and (
            i + 4 + n <= len(data)):
        frames.append(data[i + 4:i + 4 + n])
        i += 4 + n
    if i != len(data) or not frames:
        frames = [data]
    out: list[Any] = []
    try:
        for frame in frames:
            walk = _Thrift(frame, compact)
            while walk.i < len(frame):
                out.append(walk.message())
    except (ValueError, IndexError, struct.error, RecursionError):
        if frames == [data]:
            return None
        return _thrift_unframed(data, compact)
    return out


def _thrift_unframed(data: bytes, compact: bool) -> list[Any] | None:
    """(framing that was no framing, a first field's bytes read as a length: unframed)"""
    walk = _Thrift(data, compact)
    out: list[Any] = []
    try:
        while walk.i < len(data):
            out.append(walk.message())
    except (ValueError, IndexError, struct.error, RecursionError):
        return None
    return out


# Round 21: THeader (Thrift's and fbthrift's header transport, what fbthrift clients send over
# HTTP too): a frame is a 4-byte length, magic 0x0FFF, flags, a sequence id, the header's
# length in 4-byte words, then the header (varints: the payload's protocol id, its transforms,
# info headers of key-value strings, zero padding) and the payload, binary or compact, after
# the transforms (zlib, zstd). Before, every THeader frame, clean or not, was refused 400.
THEADER_MAGIC = b"\x0f\xff"
MAX_THEADER_FRAMES = 64  # frames of one body (a call is one); more: refused as not Thrift
MAX_THEADER_TRANSFORMS = 8


@dataclass(slots=True)
class THeaderFrame:
    protocol: int  # 0 binary, 1 JSON, 2 compact
    transforms: list[int]  # 1 zlib, 2 HMAC, 3 snappy, 4 QuickLZ, 5 zstd: applied in order
    info: list[bytes]  # the info headers' keys and values, one after the other
    payload: bytes  # (still transformed)


def theader_frames(data: bytes) -> list[THeaderFrame] | None:
    """The frames of a THeader body, None when it is not one (no magic after the length, a
    frame that does not end where its length says, a header that does not read: the caller
    then reads the body as plain Thrift, which refuses what is neither)."""
    frames: list[THeaderFrame] = []
    i = 0
    try:
        while i < len(data):
            if len(frames) >= MAX_THEADER_FRAMES or data[i + 4:i + 6] != THEADER_MAGIC:
                return None
            end = i + 4 + int.from_bytes(data[i:i + 4], "big")
            head_end = i + 14 + 4 * int.from_bytes(data[i + 12:i + 14], "big")
            if end > len(data) or head_end > end:
                return None
            walk = _Thrift(data[i + 14:head_end], compact=True)
            protocol = walk.varint()
            count = walk.varint()
            if count > MAX_THEADER_TRANSFORMS:
                return None
            transforms = [walk.varint() for _ in range(count)]
            info: list[bytes] = []
            while walk.i < len(walk.data):
                info_id = walk.varint()
                if info_id == 0:  # (padding to the 4-byte word)
                    if any(walk.data[walk.i:]):
                        return None
                    break
                if info_id not in (1, 2):  # (key-value, fbthrift's persistent key-value)
                    return None  # (an info header not read here: never skipped unread)
                for _ in range(walk.size()):
                    info.append(walk.take(walk.size()))
                    info.append(walk.take(walk.size()))
            frames.append(THeaderFrame(protocol, transforms, info, data[head_end:end]))
            i = end
    except (ValueError, IndexError):
        return None
    return frames or None


def schema_text(kind: str, data: bytes) -> str | None:
    """The values of a body of `kind` (see schema_declared) as a JSON-like text, as tree_text
    writes the other serializations; None when a declared Thrift body is not Thrift (in the
    protocol declared, or in either for plain "thrift"). Raises TooComplex past MAX_ITEMS
    values."""
    tree: Any
    if kind == "avro":
        tree = _avro_datums(data)
    else:  # (the generic type: each protocol the bytes walk as, both where both do)
        trees = [tree for compact in ((False, True) if kind == "thrift" else (
            kind == "thrift-compact",)) if (tree := _thrift(data, compact)) is not None]
        if not trees:
            return None
        tree = trees[0] if len(trees) == 1 else trees
    out: list[str] = []
    try:
        _write(tree, out, 0, [0])
    except _TooMuch:
        raise TooComplex from None
    return "".join(out)


_AVRO_FIXED_WIDTHS = {"float": 4, "double": 8}


class _AvroReader(ByteReader):
    """Avro binary data read by its writer's schema (an object container file's avro.schema):
    records as dicts of their fields, unions by their branch index, logical types as their
    underlying type. ValueError (and the like) where the bytes are not of the schema."""

    def __init__(self, data: bytes, schema: Any):
        super().__init__(data)
        self.steps = 0
        self.names: dict[str, Any] = {}
        self._define(schema, "", 0)

    def _define(self, schema: Any, namespace: str, depth: int) -> None:
        """Every named type (record, enum, fixed) by its full and its short name, wherever
        the schema defines it (a union branch not read may define one used later)."""
        if depth > MAX_DEPTH:
            raise ValueError("schema too deep")
        if isinstance(schema, list):
            for branch in schema:
                self._define(branch, namespace, depth + 1)
            return
        if not isinstance(schema, dict):
            return
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            name = str(schema["name"])
            space = str(schema.get("namespace", namespace)) if "." not in name else (
                name.rpartition(".")[0])
            short = name.rpartition(".")[2]
            self.names[f"{space}.{short}" if space else short] = schema
            self.names.setdefault(short, schema)
            namespace = space
            for item in schema.get("fields", ()) if kind != "enum" else ():
                self._define(item["type"], namespace, depth + 1)
        elif kind in ("array", "map"):
            self._define(schema["items" if kind == "array" else "values"], namespace, depth + 1)
        elif isinstance(kind, (dict, list)):
            self._define(kind, namespace, depth + 1)

    def long(self) -> int:
        got = _zigzag_long(self.data, self.i)
        if got is None:
            raise ValueError("no long")
        self.i = got[1]
        return got[0]

    def read(self, schema: Any, depth: int) -> Any:
        self.steps += 1
        if self.steps > MAX_AVRO_STEPS:
            raise TooComplex
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        if isinstance(schema, list):  # a union: the branch's index, then its value
            return self.read(schema[self.long()], depth + 1)
        kind = schema.get("type") if isinstance(schema, dict) else schema
        if isinstance(kind, (dict, list)):
            return self.read(kind, depth + 1)
        if kind == "null":
            return None
        if kind == "boolean":
            return self.take(1)[0] != 0
        if kind in ("int", "long"):
            return self.long()
        if kind in _AVRO_FIXED_WIDTHS:
            return struct.unpack("<f" if kind == "float" else "<d", self.take(
                _AVRO_FIXED_WIDTHS[kind]))[0]
        if kind in ("bytes", "string", "fixed"):
            raw = self.take(self.long() if kind != "fixed" else int(schema["size"]))
            if isinstance(schema, dict) and schema.get("logicalType") == "decimal" and (
                    kind != "string" and len(raw) <= 32):
                # (a database NUMERIC column as Kafka Connect writes it: the unscaled
                # integer's two's-complement bytes, big-endian; a phone kept as NUMERIC(20))
                return decimal.Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(
                    -int(schema.get("scale", 0)))
            return raw.decode("utf-8", "replace") if _avro_text(raw) else ""
        if kind in ("record", "error"):
            return {str(f["name"]): self.read(f["type"], depth + 1) for f in schema["fields"]}
        if kind == "enum":
            return str(schema["symbols"][self.long()])
        if kind in ("array", "map"):
            out: list[Any] = []
            while (count := self.long()) != 0:
                if count < 0:  # (a block's count negated: its byte size follows)
                    count = -count
                    self.long()
                for _ in range(count):
                    self.steps += 1
                    if self.steps > MAX_AVRO_STEPS:
                        raise TooComplex
                    if kind == "map":
                        key = self.take(self.long()).decode("utf-8", "replace")
                        out.append({key: self.read(schema["values"], depth + 1)})
                    else:
                        out.append(self.read(schema["items"], depth + 1))
            return out
        if isinstance(kind, str) and kind in self.names:
            return self.read(self.names[kind], depth + 1)
        if isinstance(kind, str) and (short := kind.rpartition(".")[2]) in self.names:
            return self.read(self.names[short], depth + 1)
        raise ValueError("not a type of the schema")


def avro_records(schema: bytes, blocks: list[tuple[int, bytes]]) -> str | None:
    """The records of an object container file's decoded blocks, each block its count of
    records read whole by the file's schema, as a JSON-like text; None where the schema is
    none or does not read them (the caller walks them without it). Raises TooComplex past
    MAX_AVRO_STEPS values."""
    try:
        tree = json.loads(schema)
    except ValueError:
        return None
    records: list[Any] = []
    try:
        reader = _AvroReader(b"", tree)
        for count, data in blocks:
            reader.data, reader.i = data, 0
            for _ in range(count):
                records.append(reader.read(tree, 0))
            if reader.i != len(data):
                return None
    except (ValueError, IndexError, KeyError, TypeError, AttributeError, struct.error,
            RecursionError):
        return None
    out: list[str] = []
    try:
        _write(records, out, 0, [0])
    except _TooMuch:
        raise TooComplex from None
    return "".join(out)
