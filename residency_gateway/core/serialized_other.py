"""Round 22: binary serializations the gateway did not know, read as their receiver reads them
(no I/O, and never with their own libraries: no pickle.loads, no ObjectInputStream: the bytes
are walked here, bounded, and nothing they name is ever called or constructed).

Smile (Jackson's binary JSON), Amazon Ion binary, UBJSON, Hessian 2 (Dubbo's default
serialization, and the Hessian protocol's call/reply envelope), Java object serialization and
Python pickle keep integers as binary numbers (a mobile sent as the int64 13912345678 is eight
bytes no text reading finds): a body that declares one of these types is walked and written
out as serialized.tree_text writes MessagePack ("{phone: 13912345678}"); one that declares a
type and does not walk as it is malformed (as a declared MessagePack body is). A body of no
declared type (or octet-stream) is walked only where its signature leaves no doubt (pickle's
PROTO opcode and STOP, Java's 0xACED0005, Smile's ":)\\n", Ion's version marker, Hessian's
"H\\x02\\x00" envelope, Dubbo's 0xDABB frame), and what it walked up to a failure is read.

Cap'n Proto and FlatBuffers cannot be read whole without their schema (a struct's data
section is opaque words): a declared Cap'n Proto message (framed, or packed) is walked from
its root pointer, every struct's data words and lists of 8-byte elements read where they may
hold an 18-digit ID (10^17 to 10^18: the scanner checks the check digit), its Text and Data
(byte lists) not; a FlatBuffers buffer's tables are walked from the root as their vtables
place their fields (any 4-byte field tried as an offset to a table or a vector of tables),
each field's 8 bytes read so. A mobile's int64 is not read in either: two uint32 fields side
by side (a count or hash beside an enum of 3 or 4), a FlatBuffers soffset beside a length,
are words of 1.29e10..2.1e10, the mobiles' range (read, 96 and 55 of 400 generated messages
were read as a mobile). POLICY: such a mobile is forwarded unread (round 22's xfail).
Java block data (what a writeObject writes: writeLong) is read in big-endian 8-byte windows
at every offset, mobiles too (two small halves side by side left out: see _wide_word).
"""

from __future__ import annotations

import array
import math
import re
import struct
import sys
from typing import Any, Literal

from residency_gateway.core import serialized
from residency_gateway.core.serialized import MAX_DEPTH, MAX_ITEMS, ByteReader, TooComplex

SMILE_TYPES = frozenset({"application/x-jackson-smile", "application/smile",
                         "application/x-smile", "application/vnd.jackson.smile"})
ION_TYPES = frozenset({"application/x-amzn-ion", "application/ion", "application/x-ion",
                       "application/vnd.amazon.ion", "application/amazon-ion",
                       "application/x-amzn-ion+binary", "application/ion+binary"})
UBJSON_TYPES = frozenset({"application/ubjson", "application/x-ubjson",
                          "application/vnd.ubjson"})
CAPNP_TYPES = frozenset({"application/x-capnp", "application/capnp", "application/x-capnproto",
                         "application/capnproto", "application/vnd.capnproto",
                         "application/x-capnp-packed", "application/vnd.capnproto.packed"})
FLATBUFFERS_TYPES = frozenset({"application/x-flatbuffers", "application/flatbuffers",
                               "application/x-flatbuffer", "application/flatbuffer",
                               "application/vnd.flatbuffers"})
HESSIAN_TYPES = frozenset({"x-application/hessian", "application/x-hessian",
                           "application/hessian", "application/x-hessian2",
                           "application/hessian2", "x-application/hessian2",
                           "application/x-dubbo", "application/dubbo"})
JAVA_TYPES = frozenset({"application/x-java-serialized-object",
                        "application/java-serialized-object", "application/x-java-object",
                        "application/x-java-serialized", "application/java-archive-object"})
PICKLE_TYPES = frozenset({"application/python-pickle", "application/x-python-pickle",
                          "application/pickle", "application/x-pickle",
                          "application/vnd.python.pickle", "application/x-python-serialize"})
_KINDS = ((SMILE_TYPES, "smile"), (ION_TYPES, "ion"), (UBJSON_TYPES, "ubjson"),
          (CAPNP_TYPES, "capnp"), (FLATBUFFERS_TYPES, "flatbuffers"),
          (HESSIAN_TYPES, "hessian"), (JAVA_TYPES, "java"), (PICKLE_TYPES, "pickle"))
_SUFFIXES = {"+smile": "smile", "+ion": "ion", "+ubjson": "ubjson", "+capnp": "capnp",
             "+flatbuffers": "flatbuffers", "+hessian": "hessian", "+pickle": "pickle"}

ION_BVM = b"\xe0\x01\x00\xea"
_ION_SYSTEM = ("$0", "$ion", "$ion_1_0", "$ion_symbol_table", "name", "version", "imports",
               "symbols", "max_id", "$ion_shared_symbol_table")
JAVA_MAGIC = b"\xac\xed\x00\x05"
SMILE_MAGIC = b":)\n"
HESSIAN_ENVELOPE = b"H\x02\x00"
DUBBO_MAGIC = b"\xda\xbb"
WIDE = serialized.WIDE  # a number that may hold an identifier
NARROW = 10 ** 18  # (an 18-digit ID is below it)


def declared(ctype: str) -> str | None:
    """The kind of a declared type of these serializations, None for any other type (Ion
    text, "+text", is text and read so)."""
    for types, kind in _KINDS:
        if ctype in types:
            return kind
    for suffix, kind in _SUFFIXES.items():
        if ctype.endswith(suffix):
            return kind
    return None


def sniffed(data: bytes) -> str | None:
    """The kind a body of no declared type is by a signature that leaves no doubt."""
    if data.startswith(JAVA_MAGIC):
        return "java"
    if data.startswith(SMILE_MAGIC):
        return "smile"
    if data.startswith(ION_BVM):
        return "ion"
    if (len(data) > 3 and data[0] == 0x80 and 2 <= data[1] <= 5
            and data.rstrip(b"\x00")[-1:] == b"."):
        return "pickle"
    if (data.startswith(HESSIAN_ENVELOPE) and data[3:4] in (b"C", b"R", b"F")) or (
            data.startswith((b"c\x01\x00m", b"c\x01\x00H", b"r\x01\x00"))):
        return "hessian"  # (Hessian 2's envelope; Hessian 1's call and reply)
    if data.startswith(DUBBO_MAGIC) and len(data) >= 16 and (
            int.from_bytes(data[12:16], "big") <= len(data) - 16):
        return "hessian"
    return None


_Map = serialized.Pairs  # (a map's [key, value] pairs, keys of any type, in order)


def other_text(kind: str, data: bytes, *, whole: bool = True) -> str | None:
    """The values of a body of `kind` as a JSON-like text; None when `whole` and the body
    does not walk as one (or more, one after the other) of it. Not `whole` (a sniffed body):
    what walked up to the failure. Raises TooComplex past MAX_ITEMS values."""
    walk = _Walk(data)
    if not whole:
        walk.loose = []
    try:
        if kind == "smile":
            walk.smile()
        elif kind == "ion":
            walk.ion()
        elif kind == "ubjson":
            walk.ubjson()
        elif kind == "hessian":
            try:
                walk.hessian()
            except (ValueError, IndexError, KeyError, struct.error, UnicodeError):
                if data[:1] not in (b"M", b"V") or not whole:
                    raise
                walk = _Walk(data)  # (bare Hessian 1 values: a map, a list)
                while walk.i < len(data):
                    walk.out.append(walk.hessian1_value(0))
        elif kind == "java":
            walk.java()
        elif kind == "pickle":
            walk.pickle()
        elif kind == "capnp":
            message = data if _capnp_whole(data) else _capnp_unpacked(data)
            if message is None:
                raise ValueError("neither a framed nor a packed Cap'n Proto message")
            walk.capnp(message)
        else:
            walk.flatbuffers()
    except TooComplex:
        raise
    except (ValueError, IndexError, KeyError, struct.error, RecursionError, UnicodeError):
        if whole:
            return None
        walk.out.append(walk.loose)  # (the values of what did not walk to its end)
    if not walk.out:
        return "" if whole else None
    tree: Any = walk.out
    if kind == "pickle":
        tree = _once(tree, set(), 0)
    out: list[str] = []
    try:
        serialized._write(tree, out, 0, [0])
    except serialized._TooMuch:
        raise TooComplex from None
    except ValueError:  # (an integer of more digits than str() prints)
        return None
    return "".join(out)


def _once(value: Any, seen: set[int], depth: int) -> Any:
    """A pickle's values with each container written where it first stands (the memo shares
    one container among many places, or puts one inside itself): later, "&"."""
    if not isinstance(value, list):
        return value
    if id(value) in seen:
        return "&"
    if depth > MAX_DEPTH:
        raise TooComplex
    seen.add(id(value))
    if isinstance(value, _Map):
        return _Map([_once(k, seen, depth + 1), _once(v, seen, depth + 1)] for k, v in value)
    return [_once(v, seen, depth + 1) for v in value]


def _capnp_whole(data: bytes) -> bool:
    """Whether `data` is a Cap'n Proto message as framed unpacked: a segment table (the
    count less one, each segment's size in words), padded to a word, then the segments."""
    if len(data) < 8:
        return False
    count = int.from_bytes(data[:4], "little") + 1
    head = (4 + 4 * count + 7) // 8 * 8
    if head > len(data):
        return False
    sizes = struct.unpack_from(f"<{count}I", data, 4)
    return bool(head + 8 * sum(sizes) == len(data))


MAX_CAPNP_UNPACKED = 1 << 22  # bytes a packed message unpacks to (or 4 times its size)


def _capnp_unpacked(data: bytes) -> bytes | None:
    """Cap'n Proto's packed encoding undone (a tag byte, the word's nonzero bytes; tag 0: a
    count of zero words more; tag 0xFF: a count of raw words more); None where it is not
    one. Raises TooComplex past MAX_CAPNP_UNPACKED bytes."""
    out = bytearray()
    i = 0
    limit = max(MAX_CAPNP_UNPACKED, 4 * len(data))  # (random bytes unpack to ~2.5 times)
    try:
        while i < len(data):
            tag = data[i]
            i += 1
            for bit in range(8):
                if tag >> bit & 1:
                    out.append(data[i])
                    i += 1
                else:
                    out.append(0)
            if tag == 0:
                out += bytes(8 * data[i])
                i += 1
            elif tag == 0xFF:
                n = 8 * data[i]
                raw = data[i + 1:i + 1 + n]
                if len(raw) != n:
                    return None
                out += raw
                i += 1 + n
            if len(out) > limit:
                raise TooComplex
    except IndexError:
        return None
    return bytes(out) if _capnp_whole(bytes(out)) else None


def _wide(value: int) -> bool:
    return WIDE <= abs(value) < NARROW


def _wide_word(value: int) -> bool:
    """Whether a Java block data window may hold an identifier: wide, and not two small
    32-bit halves side by side (3 or 4 above a count below 2^20: writeInt(4), writeInt(n),
    12884901888..12885950463 or 17179869184..17180917759, the latter 11-digit "mobiles"
    1717986xxxx-1718091xxxx; such a mobile written with writeLong is missed)."""
    return _wide(value) and not (value >> 32 in (3, 4) and value & 0xFFFFFFFF < 1 << 20)


SCHEMALESS_FLOOR = 10 ** 17  # (an 18-digit ID; see the module's docstring)


def _id_word(value: int) -> bool:
    return SCHEMALESS_FLOOR <= value < NARROW


# Round 24: typed arrays in a pickle keep their numbers as raw machine bytes (red team round
# 23: array.array('q', [13912345678]) pickles, protocol 3 and later, as
# array._array_reconstructor(array.array, 'q', 12, b'N\x8c==\x03\x00\x00\x00'); NumPy's
# ndarray as _reconstruct(...) then a state whose last member is the raw bytes and whose
# dtype names the element type and byte order, or (protocol 5) _frombuffer(bytes, dtype,
# shape, order)). The element type is the sender's own, so each element is read as exactly
# the number it is (no windows at every offset: random data reads as the same numbers any
# typed reader gets). POLICY: 32-bit elements are not read in pairs (an int64 viewed as two
# int32s): [3, 1700000000] (a count beside a timestamp) is 14584901888 so, a "mobile".
_ARRAY_MACHINE_FORMATS = {6: "<I", 7: ">I", 8: "<i", 9: ">i", 10: "<Q", 11: ">Q", 12: "<q",
                          13: ">q", 16: "<d", 17: ">d"}  # (array's mformat codes)
_NUMPY_KINDS = {("i", 4): "i", ("u", 4): "I", ("i", 8): "q", ("u", 8): "Q", ("f", 8): "d"}


def _numpy_format(dtype: Any) -> str | None:
    """The struct format of a walked numpy.dtype node ["numpy.dtype", ["<i8", ...], [3,
    "<", ...]], or None."""
    if not (isinstance(dtype, list) and len(dtype) >= 2 and isinstance(dtype[0], str)
            and dtype[0].endswith(".dtype") and isinstance(dtype[1], list) and dtype[1]
            and isinstance(dtype[1][0], str)):
        return None
    code = dtype[1][0]
    order = code[0] if code[:1] in ("<", ">", "=", "|") else ""
    code = code.lstrip("<>=|")
    if len(dtype) > 2 and isinstance(dtype[2], list) and len(dtype[2]) > 1 and dtype[2][1] in (
            "<", ">"):
        order = dtype[2][1]
    named = {"int32": "i4", "uint32": "u4", "int64": "i8", "uint64": "u8", "float64": "f8"}
    code = named.get(code, code)
    kind = _NUMPY_KINDS.get((code[:1], int(code[1:]) if code[1:].isdigit() else 0))
    if kind is None:
        return None
    return (">" if order == ">" else "<") + kind


def _raw_bytes(value: Any) -> bytes | None:
    """Bytes as a pickle holds them: BINBYTES / BYTEARRAY8, or (protocol 2 and before,
    Python 3 bytes) the walked _codecs.encode(text, "latin1") call."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, list) and len(value) == 2 and value[0] == "_codecs.encode" and (
            isinstance(value[1], list) and len(value[1]) == 2 and isinstance(value[1][0], str)
            and value[1][1] in ("latin1", "latin-1")):
        return value[1][0].encode("latin-1", "replace")
    return None


def _typed_format(node: list[Any]) -> tuple[str, bytes] | None:
    """(struct format, raw bytes) of a walked REDUCE / BUILD node that makes a typed array
    (array.array's reconstructor, NumPy's _reconstruct with its state or _frombuffer)."""
    if not node or not isinstance(node[0], str):
        return None
    name, args = node[0], node[1] if len(node) > 1 else None
    if name.endswith("_array_reconstructor") and isinstance(args, list) and len(args) == 4 and (
            isinstance(args[2], int) and (raw := _raw_bytes(args[3])) is not None):
        fmt = _ARRAY_MACHINE_FORMATS.get(args[2])
        return (fmt, raw) if fmt else None
    if name.endswith("_frombuffer") and isinstance(args, list) and len(args) >= 2 and (
            (raw := _raw_bytes(args[0])) is not None):
        fmt = _numpy_format(args[1])
        return (fmt, raw) if fmt else None
    if name.endswith("._reconstruct") and len(node) == 3 and isinstance(node[2], list) and (
            len(node[2]) == 5 and (raw := _raw_bytes(node[2][4])) is not None):
        fmt = _numpy_format(node[2][2])
        return (fmt, raw) if fmt else None
    return None


def _typed_numbers(raw: bytes, fmt: str) -> list[int]:
    """The elements of `raw` as `fmt` ("<q", ">I", "<d", ...) that may hold an identifier
    (wide integers; doubles of integral wide values)."""
    width = 8 if fmt[1] in "qQd" else 4
    values = array.array(fmt[1])
    values.frombytes(raw[:len(raw) // width * width])
    if (fmt[0] == ">") == (sys.byteorder == "little"):
        values.byteswap()
    if fmt[1] == "d":
        # (a mobile's 11 digits, with 86 before them too, below 10^14. POLICY: not above:
        # random bytes read as doubles are integral ever more often past 2^40 (all of them
        # past 2^52), and 3 of 2,000 random 4 KB arrays read as a 15-digit ID so)
        found = [int(v) for v in values if math.isfinite(v) and abs(v) < 10 ** 14
                 and float(v).is_integer() and _wide(int(v))]
    else:
        found = [int(v) for v in values if _wide(int(v))]
    return found


class _Walk(ByteReader):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.out: list[Any] = []
        self.count = 0
        self.loose: list[Any] | None = None  # (see scalar)

    # -- shared ---------------------------------------------------------------------------

    def byte(self) -> int:
        if self.i >= len(self.data):
            raise ValueError("past the end")
        self.i += 1
        return self.data[self.i - 1]

    def utf16_counted(self, n: int) -> bytes:
        """The UTF-8 bytes of `n` UTF-16 units (Hessian counts a string's length so: a
        4-byte character is two units)."""
        start = self.i
        units = 0
        while units < n:
            lead = self.byte()
            width = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            self.take(width - 1)
            units += 2 if width == 4 else 1
        return self.data[start:self.i]

    def peek(self) -> int:
        if self.i >= len(self.data):
            raise ValueError("past the end")
        return self.data[self.i]

    def uint(self, n: int, order: Literal["little", "big"] = "big", signed: bool = False
             ) -> int:
        return int.from_bytes(self.take(n), order, signed=signed)

    def counted(self, depth: int = 0) -> None:
        self.count += 1
        if self.count > MAX_ITEMS:
            raise TooComplex
        if depth > MAX_DEPTH:
            raise ValueError("too deep")

    def words(self, chunk: bytes) -> None:
        """The big-endian 8-byte windows of Java block data at every offset that may hold an
        identifier (what writeLong wrote, wherever it stands among the other writes)."""
        swap = sys.byteorder == "little"
        for start in range(8):
            words = array.array("q")
            words.frombytes(chunk[start:start + (len(chunk) - start) // 8 * 8])
            if swap:
                words.byteswap()
            found = [value for value in words if WIDE <= value < NARROW and _wide_word(value)]
            self.count += len(found)
            if self.count > MAX_ITEMS:
                raise TooComplex
            self.out.extend(found)

    # -- what a walk read before it failed (a sniffed body: a receiver's streaming parser
    # has had the values before the damage) ------------------------------------------------

    def scalar(self, value: Any) -> Any:
        if self.loose is not None and isinstance(value, (int, str)) and not isinstance(
                value, bool) and len(self.loose) < MAX_ITEMS:
            self.loose.append(value)
        return value

    def smile_value(self, depth: int) -> Any:
        return self.scalar(self._smile_value(depth))

    def ion_value(self, stop: int, depth: int) -> Any:
        return self.scalar(self._ion_value(stop, depth))

    def ub_value(self, marker: int, depth: int) -> Any:
        return self.scalar(self._ub_value(marker, depth))

    def hessian1_value(self, depth: int) -> Any:
        return self.scalar(self._hessian1_value(depth))

    def hessian_value(self, depth: int) -> Any:
        return self.scalar(self._hessian_value(depth))

    def java_object(self, depth: int) -> Any:
        return self.scalar(self._java_object(depth))

    def java_field(self, code: str, depth: int) -> Any:
        return self.scalar(self._java_field(code, depth))

    # -- Cap'n Proto: every struct's data words and every list of 8-byte elements reachable
    # from the root (what a receiver can read; Text and Data are byte lists, not read) -------

    def capnp(self, message: bytes) -> None:
        count = int.from_bytes(message[:4], "little") + 1
        at = (4 + 4 * count + 7) // 8 * 8
        self.segments: list[tuple[int, int]] = []
        for size in struct.unpack_from(f"<{count}I", message, 4):
            self.segments.append((at, at + 8 * size))
            at += 8 * size
        self.message = message
        self.capnp_pointer(0, 0, 0)

    def capnp_word(self, segment: int, word: int) -> int:
        start, end = self.segments[segment]
        at = start + 8 * word
        if word < 0 or at + 8 > end:
            raise ValueError("a pointer out of its segment")
        self.counted()
        return int.from_bytes(self.message[at:at + 8], "little")

    def capnp_data(self, segment: int, word: int, n: int) -> None:
        for k in range(n):
            value = self.capnp_word(segment, word + k)
            value -= (value >> 63) << 64
            if _id_word(value):
                self.out.append(value)

    def capnp_pointer(self, segment: int, word: int, depth: int) -> None:
        if depth > 2 * MAX_DEPTH:
            raise ValueError("too deep")
        pointer = self.capnp_word(segment, word)
        kind = pointer & 3
        if pointer == 0 or kind == 3:  # (null; a capability)
            return
        if kind == 2:  # far: a landing pad in another segment
            segment = pointer >> 32
            if segment >= len(self.segments):
                raise ValueError("a far pointer to no segment")
            pad = (pointer >> 3) & 0x1FFFFFFF
            if not pointer & 4:
                self.capnp_pointer(segment, pad, depth + 1)
                return
            far = self.capnp_word(segment, pad)  # (double-far: the content, then a tag)
            tag = self.capnp_word(segment, pad + 1)
            if far & 7 != 2 or (far >> 32) >= len(self.segments) or tag & 3 > 1:
                raise ValueError("a bad double-far landing pad")
            self.capnp_content(far >> 32, (far >> 3) & 0x1FFFFFFF, tag, depth)
            return
        offset = (pointer >> 2) & 0x3FFFFFFF
        offset -= (offset >> 29) << 30
        self.capnp_content(segment, word + 1 + offset, pointer, depth)

    def capnp_content(self, segment: int, start: int, pointer: int, depth: int) -> None:
        if pointer & 3 == 0:  # a struct: its data words, then its pointers
            data_words, pointers = (pointer >> 32) & 0xFFFF, pointer >> 48
            self.capnp_data(segment, start, data_words)
            for k in range(pointers):
                self.capnp_pointer(segment, start + data_words + k, depth + 1)
            return
        size, count = (pointer >> 32) & 7, pointer >> 35
        if size == 5:  # 8-byte elements
            self.capnp_data(segment, start, count)
        elif size == 6:  # pointers
            for k in range(count):
                self.capnp_pointer(segment, start + k, depth + 1)
        elif size == 7:  # structs, after a tag word (count is the words that follow it)
            tag = self.capnp_word(segment, start)
            elements = (tag >> 2) & 0x3FFFFFFF
            data_words, pointers = (tag >> 32) & 0xFFFF, tag >> 48
            if elements * (data_words + pointers) > count:
                raise ValueError("a composite list larger than its words")
            for n in range(elements):
                at = start + 1 + n * (data_words + pointers)
                self.capnp_data(segment, at, data_words)
                for k in range(pointers):
                    self.capnp_pointer(segment, at + data_words + k, depth + 1)
        # (bits, bytes, 2- and 4-byte elements hold no 18-digit number)

    # -- FlatBuffers: the tables' fields, from the root, as their vtables place them --------

    def flatbuffers(self) -> None:
        data = self.data
        self.tables: set[int] = set()
        if len(data) >= 8:
            self.fb_table(int.from_bytes(data[:4], "little"), 0)
            if int.from_bytes(data[:4], "little") == len(data) - 4:  # (size-prefixed)
                self.fb_table(4 + int.from_bytes(data[4:8], "little"), 0)

    def fb_table(self, at: int, depth: int) -> None:
        data = self.data
        if at in self.tables or depth > MAX_DEPTH or not 0 <= at <= len(data) - 4:
            return
        self.tables.add(at)
        self.counted()
        vtable = at - int.from_bytes(data[at:at + 4], "little", signed=True)
        if not 0 <= vtable <= len(data) - 4:
            return
        size = int.from_bytes(data[vtable:vtable + 2], "little")
        if size < 4 or size & 1 or vtable + size > len(data):
            return
        for n in range(4, size, 2):
            self.counted()
            offset = int.from_bytes(data[vtable + n:vtable + n + 2], "little")
            field = at + offset
            if not offset or field > len(data) - 4:
                continue
            if field <= len(data) - 8 and _id_word(
                    value := struct.unpack_from("<q", data, field)[0]):
                self.counted()
                self.out.append(value)
            target = field + int.from_bytes(data[field:field + 4], "little")
            if target <= len(data) - 4 and target != field:
                self.fb_table(target, depth + 1)  # (the field as an offset to a table)
                count = int.from_bytes(data[target:target + 4], "little")
                if count > 0 and target + 4 + 4 * count <= len(data):
                    for k in range(min(count, 4096)):  # (a vector of tables)
                        item = target + 4 + 4 * k
                        self.fb_table(item + int.from_bytes(data[item:item + 4], "little"),
                                      depth + 1)

    # -- Smile ----------------------------------------------------------------------------

    def smile(self) -> None:
        self.names: list[str] = []
        self.values: list[str] = []
        while self.i < len(self.data):
            if self.data.startswith(SMILE_MAGIC, self.i):
                self.take(4)  # (the header: ':)\n' and a flags byte)
                self.names, self.values = [], []
                continue
            if self.peek() == 0xFF:  # (end of a document)
                self.i += 1
                continue
            self.out.append(self.smile_value(0))

    def smile_vint(self) -> int:
        value = 0
        for _ in range(12):
            b = self.byte()
            if b & 0x80:
                return (value << 6) | (b & 0x3F)
            value = (value << 7) | b
        raise ValueError("vint too long")

    def smile_7bit(self, n: int) -> bytes:
        """`n` bytes of Smile's 7-bit binary: 7 bytes in each 8, the last few right-aligned
        in one group more than their count."""
        out = bytearray()
        full, rest = divmod(n, 7)
        for size, groups in [(7, 8)] * full + ([(rest, rest + 1)] if rest else []):
            value = 0
            for b in self.take(groups):
                value = (value << 7) | (b & 0x7F)
            out += (value & ((1 << (8 * size)) - 1)).to_bytes(size, "big")
        return bytes(out)

    def smile_number(self, n: int) -> bytes:
        """A float (n=4) or double (n=8): its bits right-aligned in 7-bit groups."""
        value = 0
        for b in self.take((n * 8 + 6) // 7):
            value = (value << 7) | (b & 0x7F)
        return (value & ((1 << (8 * n)) - 1)).to_bytes(n, "big")

    def smile_text(self, n: int, table: list[str]) -> str:
        text = self.take(n).decode("utf-8")
        if n <= 64:
            if len(table) >= 1024:
                table.clear()
            table.append(text)
        return text

    def _smile_value(self, depth: int) -> Any:
        self.counted(depth)
        b = self.byte()
        if b < 0x20:  # (a short shared value)
            return self.values[b - 1] if 0 < b <= len(self.values) else ""
        if b in (0x20, 0x21, 0x22, 0x23):
            return ("", None, False, True)[b - 0x20]
        if b in (0x24, 0x25):
            value = self.smile_vint()
            return (value >> 1) ^ -(value & 1)
        if b == 0x26:
            return int.from_bytes(self.smile_7bit(self.smile_vint()), "big", signed=True)
        if b == 0x28:
            return struct.unpack(">f", self.smile_number(4))[0]
        if b == 0x29:
            return struct.unpack(">d", self.smile_number(8))[0]
        if b == 0x2A:
            self.smile_vint()  # (the scale)
            return int.from_bytes(self.smile_7bit(self.smile_vint()), "big", signed=True)
        if 0x40 <= b < 0x60:
            return self.smile_text((b & 0x1F) + 1, self.values)
        if 0x60 <= b < 0x80:
            return self.smile_text((b & 0x1F) + 33, self.values)
        if 0x80 <= b < 0xA0:
            return self.smile_text((b & 0x1F) + 2, self.values)
        if 0xA0 <= b < 0xC0:
            return self.smile_text((b & 0x1F) + 34, self.values)
        if 0xC0 <= b < 0xE0:
            value = b & 0x1F
            return (value >> 1) ^ -(value & 1)
        if b in (0xE0, 0xE4):  # long text, to an end marker
            end = self.data.index(b"\xfc", self.i)
            return self.take(end - self.i + 1)[:-1].decode("utf-8")
        if b == 0xE8:
            return self.smile_7bit(self.smile_vint())
        if 0xEC <= b <= 0xEF:
            n = ((b & 3) << 8) | self.byte()
            return self.values[n] if n < len(self.values) else ""
        if b == 0xFD:
            return self.take(self.smile_vint())
        if b == 0xF8:
            items: list[Any] = []
            while self.peek() != 0xF9:
                items.append(self.smile_value(depth + 1))
            self.i += 1
            return items
        if b == 0xFA:
            pairs = _Map()
            while (k := self.byte()) != 0xFB:
                pairs.append([self.smile_key(k), self.smile_value(depth + 1)])
            return pairs
        raise ValueError("not a Smile value")

    def smile_key(self, b: int) -> str:
        if b == 0x20:
            return ""
        if 0x30 <= b <= 0x33:
            n = ((b & 3) << 8) | self.byte()
            return self.names[n] if n < len(self.names) else ""
        if b == 0x34:
            end = self.data.index(b"\xfc", self.i)
            return self.take(end - self.i + 1)[:-1].decode("utf-8")
        if 0x40 <= b < 0x80:
            n = b & 0x3F
            return self.names[n] if n < len(self.names) else ""
        if 0x80 <= b < 0xC0:
            return self.smile_text((b & 0x3F) + 1, self.names)
        if 0xC0 <= b < 0xF8:
            return self.smile_text((b & 0x3F) + 2, self.names)
        raise ValueError("not a Smile key")

    # -- Ion binary -----------------------------------------------------------------------

    def ion(self) -> None:
        self.symbols = list(_ION_SYSTEM)
        while self.i < len(self.data):
            if self.data.startswith(ION_BVM, self.i):
                self.i += 4
                self.symbols = list(_ION_SYSTEM)
                continue
            self.annotations: list[int] = []
            value = self.ion_value(len(self.data), 0)
            if 3 in self.annotations and isinstance(value, _Map):
                # a local symbol table: its symbols name the fields and symbols after it
                fields = {k: v for k, v in value if isinstance(k, str)}
                if fields.get("imports") != "$ion_symbol_table":
                    self.symbols = list(_ION_SYSTEM)
                symbols = fields.get("symbols")
                if isinstance(symbols, list):
                    self.symbols.extend(str(v) for v in symbols[:MAX_ITEMS])
            if value is not None:
                self.out.append(value)

    def ion_symbol(self, sid: int) -> str:
        # (round 23: a symbol ID no table here names is an index into a table the receiver
        # holds (a shared one, or none), no data: "$13912345678" was read as a mobile. Its
        # text, when a local table gives it, is read as any other.)
        return self.symbols[sid] if 0 < sid < len(self.symbols) else "$sym"

    def ion_varuint(self) -> int:
        value = 0
        for _ in range(10):
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
            if b & 0x80:
                return value
        raise ValueError("VarUInt too long")

    def ion_varint(self) -> int:
        b = self.byte()
        negative = b & 0x40
        value = b & 0x3F
        while not b & 0x80:
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
        return -value if negative else value

    def _ion_value(self, stop: int, depth: int) -> Any:
        self.counted(depth)
        b = self.byte()
        kind, low = b >> 4, b & 0x0F
        if kind == 0 and low != 15:  # (NOP padding)
            self.take(self.ion_varuint() if low == 14 else low)
            return None
        if low == 15 or kind == 1:
            return None if low == 15 else bool(low)
        # (L=14: the length after; a struct's L=1: sorted, the length after too)
        n = self.ion_varuint() if low == 14 or (kind == 0xD and low == 1) else low
        end = self.i + n
        if end > stop:
            if self.loose is None or kind not in (11, 12, 13):
                raise ValueError("past the container")
            end = stop  # (sniffed: the values inside read up to the damage)
        if kind in (2, 3):
            value = int.from_bytes(self.take(n), "big")
            return -value if kind == 3 else value
        if kind == 4:
            if n not in (0, 4, 8):
                raise ValueError("bad float")
            return struct.unpack(">f" if n == 4 else ">d", self.take(n))[0] if n else 0.0
        if kind == 5:  # decimal: exponent, coefficient (signed magnitude)
            if not n:
                return 0
            exponent = self.ion_varint()
            raw = self.take(end - self.i)
            coefficient = int.from_bytes(raw, "big") if raw else 0
            if raw and raw[0] & 0x80:
                coefficient = -(coefficient & ~(1 << (8 * len(raw) - 1)))
            return coefficient * 10 ** exponent if 0 <= exponent <= 18 else coefficient
        if kind == 6:  # (a timestamp)
            self.take(n)
            return None
        if kind == 7:
            return self.ion_symbol(int.from_bytes(self.take(n), "big"))
        if kind == 8:
            return self.take(n).decode("utf-8")
        if kind in (9, 10):
            return self.take(n)
        if kind in (11, 12, 13):
            items: list[Any] = _Map() if kind == 13 else []
            while self.i < end:
                if kind == 13:
                    field = self.ion_symbol(self.ion_varuint())
                    value = self.ion_value(end, depth + 1)
                    items.append([field, value])
                elif (value := self.ion_value(end, depth + 1)) is not None:
                    items.append(value)
            if self.i != end:
                raise ValueError("container overrun")
            return items
        if kind == 14:  # annotations, then the value
            stop_at = self.ion_varuint() + self.i
            annotations = []
            while self.i < stop_at:
                annotations.append(self.ion_varuint())
            if self.i != stop_at:
                raise ValueError("annotation overrun")
            if depth == 0:
                self.annotations = annotations
            value = self.ion_value(end, depth + 1)
            if self.i != end:
                raise ValueError("annotation overrun")
            return value
        raise ValueError("not an Ion value")

    # -- UBJSON ---------------------------------------------------------------------------

    _UB_FIXED = {ord("i"): (1, True), ord("U"): (1, False), ord("I"): (2, True),
                 ord("l"): (4, True), ord("L"): (8, True)}

    def ubjson(self) -> None:
        while self.i < len(self.data):
            if self.peek() == ord("N"):
                self.i += 1
                continue
            self.out.append(self.ub_value(self.byte(), 0))

    def ub_length(self) -> int:
        n = self.ub_value(self.byte(), 0)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > len(self.data):
            raise ValueError("bad length")
        return n

    def _ub_value(self, marker: int, depth: int) -> Any:
        self.counted(depth)
        if marker in self._UB_FIXED:
            width, signed = self._UB_FIXED[marker]
            return self.uint(width, signed=signed)
        if marker in (ord("Z"), ord("T"), ord("F")):
            return {ord("Z"): None, ord("T"): True, ord("F"): False}[marker]
        if marker == ord("d"):
            return struct.unpack(">f", self.take(4))[0]
        if marker == ord("D"):
            return struct.unpack(">d", self.take(8))[0]
        if marker == ord("C"):
            return chr(self.byte())
        if marker in (ord("S"), ord("H")):
            return self.take(self.ub_length()).decode("utf-8")
        if marker in (ord("["), ord("{")):
            mapping = marker == ord("{")
            close = ord("}") if mapping else ord("]")
            typed = count = None
            if self.peek() == ord("$"):
                self.i += 1
                typed = self.byte()
                if self.peek() != ord("#"):
                    raise ValueError("a type without a count")
            if self.peek() == ord("#"):
                self.i += 1
                count = self.ub_length()
            items: list[Any] = _Map() if mapping else []
            n = 0
            while count is None or n < count:
                if count is None:
                    while self.peek() == ord("N"):
                        self.i += 1
                    if self.peek() == close:
                        self.i += 1
                        break
                key = self.take(self.ub_length()).decode("utf-8") if mapping else None
                element = self.byte() if typed is None else typed
                value = self.ub_value(element, depth + 1)
                items.append([key, value] if mapping else value)
                n += 1
            return items
        raise ValueError("not a UBJSON value")

    # -- Hessian 2 ------------------------------------------------------------------------

    def hessian(self) -> None:
        self.classes: list[tuple[str, list[str]]] = []
        data = self.data
        if data.startswith(DUBBO_MAGIC):
            # Dubbo frames: a 16-byte header (magic, flags, status, request id, body length)
            while self.i < len(data):
                if not data.startswith(DUBBO_MAGIC, self.i) or self.i + 16 > len(data):
                    raise ValueError("not a Dubbo frame")
                end = self.i + 16 + int.from_bytes(data[self.i + 12:self.i + 16], "big")
                if end > len(data):
                    raise ValueError("frame past the end")
                self.i += 16
                while self.i < end:
                    self.out.append(self.hessian_value(0))
            return
        if data[:3] in (b"c\x01\x00", b"r\x01\x00"):
            self.hessian1()  # (Hessian 1's call and reply, the same content type)
            return
        if data.startswith(HESSIAN_ENVELOPE):
            self.i = 3
            call = self.byte()
            if call == ord("C"):  # a call: the method, the count of arguments, the arguments
                self.out.append(self.hessian_value(0))
                count = self.hessian_value(0)
                if not isinstance(count, int) or count < 0:
                    raise ValueError("bad argument count")
            elif call not in (ord("R"), ord("F")):  # (a reply, a fault)
                raise ValueError("not a Hessian 2 message")
        while self.i < len(data):
            self.out.append(self.hessian_value(0))

    def hessian1(self) -> None:
        """A Hessian 1 call ('c' 1 0, headers, 'm' and the method, the arguments, 'z') or
        reply ('r' 1 0, headers, a value or a fault 'f' of pairs, 'z')."""
        call = self.byte() == ord("c")
        self.take(2)
        while self.peek() == ord("H"):  # (headers: a name, a value)
            self.i += 1
            self.out.append(self.take(self.uint(2)).decode("utf-8", "replace"))
            self.out.append(self.hessian1_value(0))
        if call:
            if self.byte() != ord("m"):
                raise ValueError("a Hessian 1 call without its method")
            self.out.append(self.take(self.uint(2)).decode("utf-8", "replace"))
        elif self.peek() == ord("f"):
            self.i += 1
            pairs = _Map()
            while self.peek() != ord("z"):
                pairs.append([self.hessian1_value(1), self.hessian1_value(1)])
            self.out.append(pairs)
        while self.peek() != ord("z"):
            self.out.append(self.hessian1_value(0))
        self.i += 1
        if self.i != len(self.data):
            raise ValueError("bytes after a Hessian 1 message")

    def hessian1_chunks(self, b: int, final: int, text: bool) -> Any:
        parts: list[bytes] = []
        while True:
            n = self.uint(2)
            if text:  # (the length counts UTF-16 units)
                parts.append(self.utf16_counted(n))
            else:
                parts.append(self.take(n))
            if b == final:
                joined = b"".join(parts)
                return joined.decode("utf-8", "surrogatepass") if text else joined
            b = self.byte()
            if b not in (final, final + 0x20):
                raise ValueError("bad chunk")

    def _hessian1_value(self, depth: int) -> Any:
        self.counted(depth)
        b = self.byte()
        if b == ord("N"):
            return None
        if b in (ord("T"), ord("F")):
            return b == ord("T")
        if b == ord("I"):
            return self.uint(4, signed=True)
        if b == ord("L"):
            return self.uint(8, signed=True)
        if b == ord("D"):
            return struct.unpack(">d", self.take(8))[0]
        if b == ord("d"):
            self.take(8)
            return None
        if b in (ord("S"), ord("s"), ord("X"), ord("x")):
            return self.hessian1_chunks(b, ord("S") if b in (ord("S"), ord("s")) else ord("X"),
                                        True)
        if b in (ord("B"), ord("b")):
            return self.hessian1_chunks(b, ord("B"), False)
        if b == ord("R"):
            self.take(4)
            return None
        if b == ord("r"):  # a remote: its type, its URL
            if self.peek() == ord("t"):
                self.i += 1
                self.take(self.uint(2))
            return self.hessian1_value(depth + 1)
        if b in (ord("V"), ord("M")):
            if self.peek() == ord("t"):
                self.i += 1
                self.take(self.uint(2))
            if b == ord("V") and self.peek() == ord("l"):
                self.i += 1
                self.take(4)
            items: list[Any] = _Map() if b == ord("M") else []
            while self.peek() != ord("z"):
                if b == ord("M"):
                    items.append([self.hessian1_value(depth + 1), self.hessian1_value(depth + 1)])
                else:
                    items.append(self.hessian1_value(depth + 1))
            self.i += 1
            return items
        raise ValueError("not a Hessian 1 value")

    def hessian_string(self, b: int) -> str:
        """A string of `b`'s kind: its length counts UTF-16 units, not bytes."""
        parts: list[str] = []
        while True:
            if b < 0x20:
                n, final = b, True
            elif 0x30 <= b <= 0x33:
                n, final = ((b - 0x30) << 8) | self.byte(), True
            elif b in (0x52, 0x53):
                n, final = self.uint(2), b == 0x53
            else:
                raise ValueError("not a string chunk")
            parts.append(self.utf16_counted(n).decode("utf-8", "surrogatepass"))
            if final:
                return "".join(parts)
            b = self.byte()

    def hessian_int(self) -> int:
        value = self.hessian_value(0)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not an int")
        return value

    def hessian_type(self) -> Any:
        return self.hessian_value(0)  # (a type name, or an int that refers to one)

    def _hessian_value(self, depth: int) -> Any:
        self.counted(depth)
        b = self.byte()
        if b < 0x20 or 0x30 <= b <= 0x33 or b in (0x52, 0x53):
            return self.hessian_string(b)
        if (0x20 <= b < 0x38 and not 0x30 <= b <= 0x33) or b in (0x41, 0x42):
            chunks = []  # (binary: chunks 'A', then a final one of any form)
            while b == 0x41:
                chunks.append(self.take(self.uint(2)))
                b = self.byte()
            if b == 0x42:
                chunks.append(self.take(self.uint(2)))
            elif 0x20 <= b < 0x30:
                chunks.append(self.take(b - 0x20))
            elif 0x34 <= b <= 0x37:
                chunks.append(self.take(((b - 0x34) << 8) | self.byte()))
            else:
                raise ValueError("bad binary chunk")
            return b"".join(chunks)
        if 0x38 <= b <= 0x3F:
            return ((b - 0x3C) << 16) + self.uint(2)
        if 0x80 <= b <= 0xBF:
            return b - 0x90
        if 0xC0 <= b <= 0xCF:
            return ((b - 0xC8) << 8) + self.byte()
        if 0xD0 <= b <= 0xD7:
            return ((b - 0xD4) << 16) + self.uint(2)
        if 0xD8 <= b <= 0xEF:
            return b - 0xE0
        if 0xF0 <= b <= 0xFF:
            return ((b - 0xF8) << 8) + self.byte()
        if b in (0x49, 0x59):  # I, Y: 32 bits
            return self.uint(4, signed=True)
        if b == 0x4C:  # L
            return self.uint(8, signed=True)
        if b == 0x44:  # D
            return struct.unpack(">d", self.take(8))[0]
        if b in (0x5B, 0x5C):
            return float(b - 0x5B)
        if b == 0x5D:
            return float(self.uint(1, signed=True))
        if b == 0x5E:
            return float(self.uint(2, signed=True))
        if b == 0x5F:
            return self.uint(4, signed=True) / 1000
        if b in (0x4A, 0x4B):  # dates
            self.take(8 if b == 0x4A else 4)
            return None
        if b == 0x4E:
            return None
        if b in (0x54, 0x46):
            return b == 0x54
        if b == 0x51:  # a reference to an earlier value
            self.hessian_int()
            return None
        if b in (0x48, 0x4D):  # H: untyped map, M: typed map
            if b == 0x4D:
                self.hessian_type()
            pairs = _Map()
            while self.peek() != 0x5A:
                pairs.append([self.hessian_value(depth + 1), self.hessian_value(depth + 1)])
            self.i += 1
            return pairs
        if b in (0x55, 0x57):  # variable-length lists (typed, untyped), to Z
            if b == 0x55:
                self.hessian_type()
            items: list[Any] = []
            while self.peek() != 0x5A:
                items.append(self.hessian_value(depth + 1))
            self.i += 1
            return items
        if b in (0x56, 0x58) or 0x70 <= b <= 0x7F:  # fixed-length lists
            if b == 0x56 or 0x70 <= b <= 0x77:
                self.hessian_type()
            n = self.hessian_int() if b in (0x56, 0x58) else (b - 0x70) & 7
            if n < 0 or n > len(self.data) - self.i:
                raise ValueError("bad list length")
            return [self.hessian_value(depth + 1) for _ in range(n)]
        if b == 0x43:  # a class definition: name, field count, field names
            name = self.hessian_value(depth + 1)
            n = self.hessian_int()
            if n < 0 or n > len(self.data) - self.i:
                raise ValueError("bad field count")
            fields = [str(self.hessian_value(depth + 1)) for _ in range(n)]
            self.classes.append((str(name), fields))
            return None if self.i >= len(self.data) else self.hessian_value(depth + 1)
        if b == 0x4F or 0x60 <= b <= 0x6F:  # an instance of a defined class
            ref = self.hessian_int() if b == 0x4F else b - 0x60
            name, fields = self.classes[ref]
            obj = _Map([["class", name]])
            for field in fields:
                obj.append([field, self.hessian_value(depth + 1)])
            return obj
        raise ValueError("not a Hessian 2 value")

    # -- Java object serialization -------------------------------------------------------

    def java(self) -> None:
        self.handles: list[Any] = []
        while self.i < len(self.data):
            if self.data.startswith(JAVA_MAGIC, self.i):
                self.i += 4
                self.handles = []
                continue
            value = self.java_content(0)
            if value is not None:
                self.out.append(value)

    def java_utf(self, n: int) -> str:
        return self.take(n).decode("utf-8", "surrogatepass")

    def java_content(self, depth: int) -> Any:
        self.counted(depth)
        tc = self.byte()
        if tc == 0x77:  # TC_BLOCKDATA
            return self.java_block(self.byte())
        if tc == 0x7A:  # TC_BLOCKDATALONG
            return self.java_block(self.uint(4))
        if tc == 0x79:  # TC_RESET
            self.handles = []
            return None
        self.i -= 1
        return self.java_object(depth)

    def java_block(self, n: int) -> Any:
        chunk = self.take(n)
        found: list[Any] = []
        walk = _Walk(chunk)
        walk.words(chunk)
        self.count += len(walk.out)
        found.extend(walk.out)
        return found or None

    def _java_object(self, depth: int) -> Any:
        self.counted(depth)
        tc = self.byte()
        if tc == 0x70:  # TC_NULL
            return None
        if tc == 0x71:  # TC_REFERENCE
            handle = self.uint(4) - 0x7E0000
            if not 0 <= handle < len(self.handles):
                raise ValueError("bad handle")
            return None
        if tc in (0x72, 0x7D):
            self.i -= 1
            self.java_class_desc(depth)
            return None
        if tc in (0x74, 0x7C):  # TC_STRING, TC_LONGSTRING
            text = self.java_utf(self.uint(2 if tc == 0x74 else 8))
            self.handles.append(text)
            return text
        if tc == 0x73:  # TC_OBJECT
            desc = self.java_class_desc(depth)
            self.handles.append(None)
            obj = _Map()
            for _name, flags, fields in self.java_hierarchy(desc):
                if flags & 0x04:  # (externalizable: in block data, protocol 2)
                    if not flags & 0x08:
                        raise ValueError("externalizable object of protocol 1")
                    obj.extend(["", v] for v in self.java_annotation(depth))
                    continue
                for code, field in fields:
                    obj.append([field, self.java_field(code, depth)])
                if flags & 0x01:  # (writeObject's own data after the fields)
                    obj.extend(["", v] for v in self.java_annotation(depth))
            return obj
        if tc == 0x75:  # TC_ARRAY
            desc = self.java_class_desc(depth)
            self.handles.append(None)
            n = self.uint(4, signed=True)
            name = desc[0] if desc else "[L"
            code = name[1:2] if name.startswith("[") else "L"
            if n < 0 or n > len(self.data) - self.i:
                raise ValueError("bad array length")
            if code == "C":  # (a char[]: the text it is)
                return self.take(2 * n).decode("utf-16-be", "surrogatepass")
            if code == "B":
                return self.take(n)
            return [self.java_field(code, depth) for _ in range(n)]
        if tc == 0x76:  # TC_CLASS
            self.java_class_desc(depth)
            self.handles.append(None)
            return None
        if tc == 0x7E:  # TC_ENUM
            self.java_class_desc(depth)
            self.handles.append(None)
            return self.java_object(depth + 1)
        if tc == 0x7B:  # TC_EXCEPTION
            self.handles = []
            return self.java_object(depth + 1)
        raise ValueError("not a Java serialization content")

    def _java_field(self, code: str, depth: int) -> Any:
        if code in ("L", "["):
            return self.java_object(depth + 1)
        width, fmt = {"B": (1, ">b"), "C": (2, ">H"), "D": (8, ">d"), "F": (4, ">f"),
                      "I": (4, ">i"), "J": (8, ">q"), "S": (2, ">h"), "Z": (1, ">?")}[code]
        value = struct.unpack(fmt, self.take(width))[0]
        return chr(value) if code == "C" else value

    def java_annotation(self, depth: int) -> list[Any]:
        values: list[Any] = []
        while self.peek() != 0x78:  # TC_ENDBLOCKDATA
            if (value := self.java_content(depth + 1)) is not None:
                values.append(value)
        self.i += 1
        return values

    def java_class_desc(self, depth: int) -> Any:
        """A class descriptor (name, flags, fields, its superclass's), a reference to one,
        or None (TC_NULL)."""
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        tc = self.byte()
        if tc == 0x70:
            return None
        if tc == 0x71:
            handle = self.uint(4) - 0x7E0000
            if not 0 <= handle < len(self.handles):
                raise ValueError("bad handle")
            desc = self.handles[handle]
            if not isinstance(desc, tuple):
                raise ValueError("a handle that is no class")
            return desc
        if tc == 0x7D:  # a proxy class: interface names
            slot = len(self.handles)
            self.handles.append(None)
            n = self.uint(4)
            if n > len(self.data) - self.i:
                raise ValueError("bad interface count")
            for _ in range(n):
                self.java_utf(self.uint(2))
            self.java_annotation(depth)
            desc = ("proxy", 0x02, [], self.java_class_desc(depth + 1))
            self.handles[slot] = desc
            return desc
        if tc != 0x72:
            raise ValueError("not a class descriptor")
        name = self.java_utf(self.uint(2))
        self.take(8)  # (serialVersionUID)
        slot = len(self.handles)
        self.handles.append(None)
        flags = self.byte()
        fields: list[tuple[str, str]] = []
        for _ in range(self.uint(2)):
            self.counted(depth)
            code = chr(self.byte())
            field = self.java_utf(self.uint(2))
            if code in ("L", "["):
                self.java_object(depth + 1)  # (the field's class name, a string)
            elif code not in "BCDFIJSZ":
                raise ValueError("bad field type")
            fields.append((code, field))
        self.java_annotation(depth)
        desc = (name, flags, fields, None)
        self.handles[slot] = desc
        desc = (name, flags, fields, self.java_class_desc(depth + 1))
        self.handles[slot] = desc
        return desc

    def java_hierarchy(self, desc: Any) -> list[tuple[str, int, list[tuple[str, str]]]]:
        chain = []
        while desc is not None:
            chain.append(desc[:3])
            desc = desc[3]
            if len(chain) > MAX_DEPTH:
                raise ValueError("too deep")
        return chain[::-1]

    # -- Python pickle (walked: nothing it names is imported or called) -------------------

    def typed_array(self, node: list[Any]) -> list[Any]:
        """Round 24: a typed array's raw machine bytes as its numbers (see _typed_format):
        [what it would call, its element type, the numbers that may hold an identifier]."""
        got = _typed_format(node)
        if got is None:
            return node
        fmt, raw = got
        found = _typed_numbers(raw, fmt)
        self.count += len(found)
        if self.count > MAX_ITEMS:
            raise TooComplex
        return [node[0], fmt, found]


    def pickle(self) -> None:
        while self.i < len(self.data):
            if not self.data[self.i:].strip(b"\x00"):
                return
            self.pickle_one()

    def pickle_line(self) -> bytes:
        end = self.data.index(b"\n", self.i)
        return self.take(end - self.i + 1)[:-1]

    def pickle_one(self) -> None:
        stack: list[Any] = []
        marks: list[int] = []
        memo: dict[int, Any] = {}
        self.stack = stack

        def pop_mark() -> list[Any]:
            at = marks.pop()
            items = stack[at:]
            del stack[at:]
            return items

        try:
            while True:
                self.counted()
                op = self.byte()
                if op == 0x2E:  # STOP
                    self.out.extend(stack)
                    return
                if op == 0x80:  # PROTO
                    self.byte()
                elif op == 0x95:  # FRAME
                    self.take(8)
                elif op == 0x28:  # MARK
                    marks.append(len(stack))
                elif op in (0x4B, 0x4D, 0x4A):  # BININT1, BININT2, BININT
                    width = {0x4B: 1, 0x4D: 2, 0x4A: 4}[op]
                    stack.append(self.uint(width, "little", signed=op == 0x4A))
                elif op in (0x8A, 0x8B):  # LONG1, LONG4
                    n = self.byte() if op == 0x8A else self.uint(4, "little", signed=True)
                    if n < 0 or n > 4096:
                        raise ValueError("bad long")
                    stack.append(self.uint(n, "little", signed=True))
                elif op in (0x49, 0x4C):  # INT, LONG (text)
                    text = self.pickle_line().rstrip(b"L")
                    stack.append(int(text) if text not in (b"00", b"01") else text == b"01")
                elif op == 0x46:  # FLOAT (text)
                    stack.append(float(self.pickle_line()))
                elif op == 0x47:  # BINFLOAT
                    stack.append(struct.unpack(">d", self.take(8))[0])
                elif op in (0x55, 0x8C, 0x43):  # SHORT_BINSTRING, SHORT_BINUNICODE, ..BYTES
                    chunk = self.take(self.byte())
                    stack.append(chunk.decode("utf-8", "surrogatepass") if op == 0x8C
                                 else chunk)
                elif op in (0x54, 0x58, 0x42):  # BINSTRING, BINUNICODE, BINBYTES
                    chunk = self.take(self.uint(4, "little", signed=op == 0x54))
                    stack.append(chunk.decode("utf-8", "surrogatepass") if op == 0x58
                                 else chunk)
                elif op in (0x8D, 0x8E, 0x96):  # BINUNICODE8, BINBYTES8, BYTEARRAY8
                    chunk = self.take(self.uint(8, "little"))
                    stack.append(chunk.decode("utf-8", "surrogatepass") if op == 0x8D
                                 else chunk)
                elif op == 0x53:  # STRING (a quoted repr)
                    stack.append(self.pickle_line().strip(b"'\""))
                elif op == 0x56:  # UNICODE (raw-unicode-escape)
                    stack.append(self.pickle_line().decode("raw_unicode_escape"))
                elif op in (0x4E, 0x88, 0x89):  # NONE, NEWTRUE, NEWFALSE
                    stack.append({0x4E: None, 0x88: True, 0x89: False}[op])
                elif op in (0x7D, 0x5D, 0x29, 0x8F):  # EMPTY_DICT, _LIST, _TUPLE, _SET
                    stack.append(_Map() if op == 0x7D else [])
                elif op in (0x61, 0x65, 0x90):  # APPEND, APPENDS, ADDITEMS
                    items = [stack.pop()] if op == 0x61 else pop_mark()
                    target = stack[-1]
                    if isinstance(target, list):
                        target.extend(items)
                elif op in (0x73, 0x75):  # SETITEM, SETITEMS
                    items = stack[-2:] if op == 0x73 else pop_mark()
                    if op == 0x73:
                        del stack[-2:]
                    target = stack[-1]
                    if isinstance(target, list):
                        target.extend([items[n], items[n + 1]]
                                      for n in range(0, len(items) - 1, 2))
                elif op in (0x64, 0x6C, 0x74, 0x91):  # DICT, LIST, TUPLE, FROZENSET
                    items = pop_mark()
                    stack.append(_Map([items[n], items[n + 1]]
                                      for n in range(0, len(items) - 1, 2))
                                 if op == 0x64 else items)
                elif op in (0x85, 0x86, 0x87):  # TUPLE1..3
                    n = op - 0x84
                    if len(stack) < n:
                        raise ValueError("stack underflow")
                    items = stack[-n:]
                    del stack[-n:]
                    stack.append(items)
                elif op == 0x30:  # POP
                    if marks and marks[-1] == len(stack):
                        marks.pop()
                    else:
                        stack.pop()
                elif op == 0x31:  # POP_MARK
                    pop_mark()
                elif op == 0x32:  # DUP
                    stack.append(stack[-1])
                elif op in (0x68, 0x6A, 0x67):  # BINGET, LONG_BINGET, GET
                    key = (self.byte() if op == 0x68 else self.uint(4, "little") if op == 0x6A
                           else int(self.pickle_line()))
                    stack.append(memo[key])
                elif op in (0x71, 0x72, 0x70):  # BINPUT, LONG_BINPUT, PUT
                    key = (self.byte() if op == 0x71 else self.uint(4, "little") if op == 0x72
                           else int(self.pickle_line()))
                    memo[key] = stack[-1]
                elif op == 0x94:  # MEMOIZE
                    memo[len(memo)] = stack[-1]
                elif op == 0x63:  # GLOBAL: a name, never looked up
                    stack.append(self.pickle_line().decode("utf-8", "replace") + "."
                                 + self.pickle_line().decode("utf-8", "replace"))
                elif op == 0x93:  # STACK_GLOBAL
                    name, qual = stack.pop(), stack.pop()
                    stack.append(f"{qual}.{name}")
                elif op in (0x52, 0x81):  # REDUCE, NEWOBJ: what it would call, its arguments
                    args = stack.pop()
                    stack.append(self.typed_array([stack.pop(), args]))
                elif op == 0x92:  # NEWOBJ_EX
                    kwargs, args = stack.pop(), stack.pop()
                    stack.append([stack.pop(), args, kwargs])
                elif op == 0x62:  # BUILD
                    state = stack.pop()
                    target = stack[-1]
                    if isinstance(target, list):
                        target.append(state)
                        stack[-1] = self.typed_array(target)
                    else:
                        stack[-1] = [target, state]
                elif op == 0x6F:  # OBJ
                    stack.append(pop_mark())
                elif op == 0x69:  # INST
                    name = self.pickle_line() + b"." + self.pickle_line()
                    stack.append([name.decode("utf-8", "replace"), pop_mark()])
                elif op == 0x50:  # PERSID
                    stack.append(self.pickle_line().decode("utf-8", "replace"))
                elif op == 0x51:  # BINPERSID
                    stack.append([stack.pop()])
                elif op in (0x82, 0x83, 0x84):  # EXT1, EXT2, EXT4
                    stack.append(self.uint({0x82: 1, 0x83: 2, 0x84: 4}[op], "little"))
                elif op == 0x97:  # NEXT_BUFFER (out of band)
                    stack.append(None)
                elif op == 0x98:  # READONLY_BUFFER
                    pass
                else:
                    raise ValueError("not a pickle opcode")
        except (IndexError, KeyError):
            self.out.extend(stack)
            raise ValueError("a pickle that does not walk") from None
        except ValueError:
            self.out.extend(stack)
            raise


# -- SQLite database files (round 24) ------------------------------------------------------
# An app's offline queue or backup uploaded whole (application/vnd.sqlite3, or sniffed by its
# "SQLite format 3" header): its record format keeps an INTEGER as a big-endian 1-8 byte two's
# complement and a REAL as a big-endian IEEE double (red team round 19: a mobile in an INTEGER
# column was bytes no text reading finds). The file is parsed here by hand, never opened with
# sqlite3 (untrusted bytes): every page that is a table or index b-tree page, each cell's
# record (its overflow chain followed, bounded), a table row's rowid (an INTEGER PRIMARY KEY's
# value is kept there, its column NULL). Each row a line of its fields: integers and integral
# reals as decimal, text in the database's encoding, blobs as their text runs.
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_TYPES = frozenset({"application/vnd.sqlite3", "application/x-sqlite3",
                          "application/sqlite3", "application/x-sqlite"})
_SQLITE_CODECS = {1: "utf-8", 2: "utf-16-le", 3: "utf-16-be"}
_SQLITE_INT_WIDTHS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _sqlite_varint(data: bytes, i: int) -> tuple[int, int]:
    """SQLite's big-endian varint at `i` (1-9 bytes; the ninth's 8 bits all count)."""
    value = 0
    for n in range(9):
        byte = data[i + n]  # (IndexError past the end: the caller's cell is broken)
        if n == 8:
            return (value << 8) | byte, i + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + n + 1
    raise AssertionError  # (unreachable)


def _sqlite_record(payload: bytes, codec: str) -> list[str]:
    """A record's values as text (see above); what does not parse is left out."""
    size, at = _sqlite_varint(payload, 0)
    kinds: list[int] = []
    while at < min(size, len(payload)):
        kind, at = _sqlite_varint(payload, at)
        kinds.append(kind)
    out: list[str] = []
    at = size
    for kind in kinds:
        if kind in _SQLITE_INT_WIDTHS:
            width = _SQLITE_INT_WIDTHS[kind]
            out.append(str(int.from_bytes(payload[at:at + width], "big", signed=True)))
            at += width
        elif kind == 7:
            value = struct.unpack(">d", payload[at:at + 8].ljust(8, b"\0"))[0]
            if math.isfinite(value) and value.is_integer():
                out.append(str(int(value)))  # (a fraction holds no identifier: left out)
            at += 8
        elif kind >= 12:
            width = (kind - 12) // 2
            raw = payload[at:at + width]
            out.append(raw.decode(codec, "replace") if kind & 1 else
                       ";".join(r.decode("ascii") for r in _SQLITE_RUNS.findall(raw)))
            at += width
        elif kind in (8, 9):
            out.append(str(kind - 8))
    return out


_SQLITE_RUNS = re.compile(rb"[\x20-\x7e]{4,}")


def sqlite_text(data: bytes) -> str | None:
    """The rows of a SQLite database file (see above), one a line; None if `data` is not
    one. Raises TooComplex past MAX_ITEMS values or overflow pages (a chain shared by many
    cells)."""
    if not data.startswith(SQLITE_MAGIC) or len(data) < 100:
        return None
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return None
    usable = page_size - data[20]
    codec = _SQLITE_CODECS.get(int.from_bytes(data[56:60], "big"), "utf-8")
    pages = (len(data) + page_size - 1) // page_size
    lines: list[str] = []
    budget = [MAX_ITEMS, 2 * pages + 16]  # (values, overflow pages followed)
    for number in range(1, pages + 1):
        start = (number - 1) * page_size
        head = start + (100 if number == 1 else 0)
        kind = data[head] if head < len(data) else 0
        if kind not in (0x0D, 0x0A, 0x02):
            continue
        cells = int.from_bytes(data[head + 3:head + 5], "big")
        pointers = head + (12 if kind == 0x02 else 8)
        for n in range(min(cells, (page_size - 8) // 2)):
            cell = start + int.from_bytes(data[pointers + 2 * n:pointers + 2 * n + 2], "big")
            try:
                line = _sqlite_cell(data, cell, kind, page_size, usable, codec, budget)
            except (IndexError, struct.error, ValueError):
                continue  # (a broken cell: its bytes are read as the body's text runs)
            budget[0] -= len(line)
            if budget[0] < 0 or budget[1] < 0:
                raise TooComplex
            if line:
                lines.append("; ".join(line))
    return ";\n".join(lines)


def _sqlite_cell(data: bytes, cell: int, kind: int, page_size: int, usable: int, codec: str,
                 budget: list[int]) -> list[str]:
    """One b-tree cell's values: a table leaf's rowid and record, an index cell's record."""
    at = cell + (4 if kind == 0x02 else 0)
    size, at = _sqlite_varint(data, at)
    rowid: list[str] = []
    if kind == 0x0D:
        key, at = _sqlite_varint(data, at)
        rowid = [str(key - (1 << 64) if key >= 1 << 63 else key)]
    # (the local part of the payload: SQLite's file format, section 1.6)
    most = usable - 35 if kind == 0x0D else (usable - 12) * 64 // 255 - 23
    if size <= most:
        payload = data[at:at + size]
    else:
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        local = local if local <= most else least
        parts = [data[at:at + local]]
        got = local
        page = int.from_bytes(data[at + local:at + local + 4], "big")
        while page and got < size:
            budget[1] -= 1
            if budget[1] < 0:
                raise TooComplex
            start = (page - 1) * page_size
            if start + 4 > len(data):
                break
            chunk = data[start + 4:start + min(usable, 4 + size - got)]
            parts.append(chunk)
            got += len(chunk)
            page = int.from_bytes(data[start:start + 4], "big")
        payload = b"".join(parts)
    return rowid + _sqlite_record(payload, codec)
