"""Round 22 fix (fx22-serial): integers in serializations the gateway did not know (Smile, Ion
binary, UBJSON, Hessian 1 and 2 as Dubbo and the Hessian protocol send them, Java object
serialization, Python pickle) are walked (never deserialized) and read; Cap'n Proto and
FlatBuffers, which cannot be walked without their schema, have their 18-digit words read
(a mobile's int64 there is round 22's POLICY xfail). Clean look-alikes stay clean, declared
bodies that do not walk are refused, hostile sizes are bounded.

Some fixtures were made by the real writers once and kept as bytes: the JDK's
ObjectOutputStream (JAVA_*), hessian.js 2.x (HES_*) and amazon-ion (ION0); the rest are built
here by hand from the formats' specifications."""

from __future__ import annotations

import pickle
import random
import struct
import time

import pytest

from residency_gateway.core import serialized_other
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round22 import ID, MOBILE, found, kinds, scan, smile_vint, zigzag

M = int(MOBILE)
ID_INT = int(ID)  # (its check character is a digit)
SG = 6591234567  # a Singapore mobile, +65 9123 4567
SMILE = "application/x-jackson-smile"
ION = "application/x-amzn-ion"
UBJSON = "application/ubjson"
HESSIAN = "x-application/hessian"
JAVA = "application/x-java-serialized-object"
PICKLE = "application/python-pickle"
CAPNP = "application/x-capnp"
FLATBUFFERS = "application/x-flatbuffers"
OCTETS = "application/octet-stream"
JAVA_PERSON = bytes.fromhex(
    "aced00057372000a47656e24506572736f6e037ac5fe25282bf102000b5a000162440001644a000570686f6e"
    "654c0005626f7865647400104c6a6176612f6c616e672f4c6f6e673b4c0005657874726174000f4c6a617661"
    "2f7574696c2f4d61703b5b0007696443686172737400025b434c00046b696e6474000a4c47656e244b696e64"
    "3b4c00046e616d657400124c6a6176612f6c616e672f537472696e673b5b00046e756d737400025b494c0006"
    "70686f6e65737400104c6a6176612f7574696c2f4c6973743b4c00047768656e7400104c6a6176612f757469"
    "6c2f446174653b7872000847656e2442617365328f60185ee3bd48020002490006626173654e6f4c00046e6f"
    "746571007e000578700000000774000462617365013ff8000000000000000000033d3d8c4e7372000e6a6176"
    "612e6c616e672e4c6f6e673b8be490cc8f23df0200014a000576616c7565787200106a6176612e6c616e672e"
    "4e756d62657286ac951d0b94e08b0200007870000000033d3d8c4e737200116a6176612e7574696c2e486173"
    "684d61700507dac1c31660d103000246000a6c6f6164466163746f724900097468726573686f6c6478703f40"
    "00000000000c770800000010000000027400046e616d657400017874000374656c7371007e000c000000033d"
    "3d8c4e78757200025b43b02666b0e25d84ac0200007870000000120031003100300031003000310031003900"
    "390030003000330030003700310032003300337e72000847656e244b696e6400000000000000001200007872"
    "000e6a6176612e6c616e672e456e756d00000000000000001200007870740008504552534f4e414c7400095a"
    "68616e6720576569757200025b494dba602676eab2a502000078700000000300000001000000020000012c73"
    "7200136a6176612e7574696c2e41727261794c6973747881d21d99c7619d03000149000473697a6578700000"
    "00027704000000027371007e000c000000033d3d8c4e7371007e000c00000003adc0e257787372000e6a6176"
    "612e7574696c2e44617465686a81014b59741903000078707708000000000000000078"
)
JAVA_CUSTOM = bytes.fromhex(
    "aced00057372000a47656e24437573746f6dfcd8f11c90b551070300014c00037461677400124c6a6176612f"
    "6c616e672f537472696e673b7870740001637712000000033d3d8c4e00046d6f72650000000578"
)
JAVA_EXT = bytes.fromhex(
    "aced00057372000747656e2445787493e52ba0b18b09150c000078707708000000033d3d8c4e740005696e6e"
    "657278"
)
HES_OBJ = bytes.fromhex(
    "430c636f6d2e782e506572736f6e950570686f6e65046e616d65026964036167650474616773604c00000003"
    "3d3d8c4e095a68616e672057656912313130313031313939303033303731323333b17a4c000000033d3d8c4e"
    "95"
)
HES_DUBBO_FRAME = bytes.fromhex(
    "dabbc20000000000000000000000004c05322e302e320d636f6d2e782e5365727669636503312e3004736176"
    "65104c6a6176612f6c616e672f4c6f6e673b4c000000033d3d8c4e4804706174680d636f6d2e782e53657276"
    "6963655a"
)
ION0 = bytes.fromhex(
    "e00100eaeeaa8183dea687bea38570686f6e65816e8166826f6b846e6f6e65866e6573746564826964846465"
    "65708178dedb8486e5bca0e4bc9f8a25033d3d8c4e8bbe982101310222012c2301117035033d3d8c4e260100"
    "000000008c483ff80000000000008d118e0f8fdea0908e9231313031303131393930303330373132333391b9"
    "b8d79225033d3d8c4e"
)


# ---------------------------------------------------------------------------------------------
# Writers (from the specifications)


def smile_key(name: str) -> bytes:
    raw = name.encode()
    return bytes([0x80 + len(raw) - 1]) + raw  # (short ASCII name, 1-64 bytes)


def smile_value(value: object) -> bytes:
    if value is None:
        return b"\x21"
    if value is True or value is False:
        return b"\x23" if value else b"\x22"
    if isinstance(value, int):
        if -16 <= value <= 15:
            return bytes([0xC0 + zigzag(value)])
        return (b"\x24" if -2**31 <= value < 2**31 else b"\x25") + smile_vint(zigzag(value))
    if isinstance(value, float):
        bits = int.from_bytes(struct.pack(">d", value), "big")
        return b"\x29" + bytes((bits >> (7 * k)) & 0x7F for k in range(9, -1, -1))
    if isinstance(value, str):
        raw = value.encode()
        if len(raw) > 64:
            return (b"\xe0" if value.isascii() else b"\xe4") + raw + b"\xfc"
        if value.isascii():
            return bytes([0x40 + len(raw) - 1 if len(raw) <= 32 else 0x60 + len(raw) - 33]) + raw
        return bytes([0x80 + len(raw) - 2 if len(raw) <= 33 else 0xA0 + len(raw) - 34]) + raw
    if isinstance(value, list):
        return b"\xf8" + b"".join(smile_value(v) for v in value) + b"\xf9"
    assert isinstance(value, dict)
    return b"\xfa" + b"".join(smile_key(k) + smile_value(v) for k, v in value.items()) + b"\xfb"


def smile(value: object) -> bytes:
    return b":)\n\x00" + smile_value(value)


def ion_uint(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big") if n else b""


def ion_varuint(n: int) -> bytes:
    out = [0x80 | (n & 0x7F)]
    n >>= 7
    while n:
        out.append(n & 0x7F)
        n >>= 7
    return bytes(reversed(out))


def ion_td(kind: int, body: bytes) -> bytes:
    if len(body) < 14:
        return bytes([kind << 4 | len(body)]) + body
    return bytes([kind << 4 | 14]) + ion_varuint(len(body)) + body


def ion_value(value: object) -> bytes:
    if isinstance(value, int):
        return ion_td(2 if value >= 0 else 3, ion_uint(abs(value)))
    if isinstance(value, str):
        return ion_td(8, value.encode())
    if isinstance(value, list):
        return ion_td(11, b"".join(ion_value(v) for v in value))
    assert isinstance(value, dict)  # (field names by symbol ID: {10: ..., 11: ...})
    return ion_td(13, b"".join(ion_varuint(k) + ion_value(v) for k, v in value.items()))


def ion(*values: object) -> bytes:
    return b"\xe0\x01\x00\xea" + b"".join(ion_value(v) for v in values)


def ub_value(value: object) -> bytes:
    if isinstance(value, float):
        return b"D" + struct.pack(">d", value)
    if isinstance(value, int):
        for marker, fmt in ((b"i", ">b"), (b"I", ">h"), (b"l", ">i"), (b"L", ">q")):
            try:
                return marker + struct.pack(fmt, value)
            except struct.error:
                continue
    if isinstance(value, str):
        raw = value.encode()
        return b"S" + ub_value(len(raw)) + raw
    if isinstance(value, list):
        return b"[" + b"".join(ub_value(v) for v in value) + b"]"
    assert isinstance(value, dict)
    return b"{" + b"".join(ub_value(len(k.encode())) + k.encode()
                           + ub_value(v) for k, v in value.items()) + b"}"


def hs(text: str) -> bytes:
    raw = text.encode()
    assert len(text) < 32
    return bytes([len(text)]) + raw


def hl(n: int) -> bytes:
    return b"L" + struct.pack(">q", n)


def java_long_object(name: str, value: int) -> bytes:
    """An object of a class with one long field, as ObjectOutputStream writes it."""
    return (b"\xac\xed\x00\x05\x73\x72" + struct.pack(">H", 1) + b"P" + bytes(8) + b"\x02"
            + struct.pack(">H", 1) + b"J" + struct.pack(">H", len(name)) + name.encode()
            + b"\x78\x70" + struct.pack(">q", value))


def capnp_words(*words: int) -> bytes:
    """A one-segment Cap'n Proto message: a root pointer to a struct of these data words."""
    seg = struct.pack("<Q", len(words) << 32) + b"".join(struct.pack("<q", w) for w in words)
    return struct.pack("<II", 0, len(seg) // 8) + seg


def capnp_blob(word: int, blob: bytes) -> bytes:
    """A struct of one data word and one pointer, to a Data field (a list of bytes)."""
    padded = blob + bytes(-len(blob) % 8)
    seg = (struct.pack("<Q", (1 << 32) | (1 << 48)) + struct.pack("<q", word)
           + struct.pack("<Q", 1 | (2 << 32) | (len(blob) << 35)) + padded)
    return struct.pack("<II", 0, len(seg) // 8) + seg


def capnp_list(*values: int) -> bytes:
    """A struct whose one pointer is to a List(Int64)."""
    seg = (struct.pack("<Q", 1 << 48) + struct.pack("<Q", 1 | (5 << 32) | (len(values) << 35))
           + b"".join(struct.pack("<q", v) for v in values))
    return struct.pack("<II", 0, len(seg) // 8) + seg


def flatbuffer(value: int, *, aligned: bool = True) -> bytes:
    """A root table whose one field is an int64 (at offset 4 of the table, or 6: unaligned,
    as a hand-made vtable may place it)."""
    if aligned:
        return (struct.pack("<I", 12) + struct.pack("<HHH", 6, 12, 4) + b"\0\0"
                + struct.pack("<i", 8) + struct.pack("<q", value))
    return (struct.pack("<I", 12) + struct.pack("<HHH", 6, 14, 6) + b"\0\0"
            + struct.pack("<i", 8) + b"\0\0" + struct.pack("<q", value))


_called: list[object] = []


def _boom(*args: object) -> None:
    _called.append(args)


# ---------------------------------------------------------------------------------------------
# Found


@pytest.mark.parametrize("content_type", [
    SMILE, "application/smile", "application/x-smile", "application/vnd.example+smile"])
@pytest.mark.parametrize(("doc", "kind"), [
    ({"phone": M}, "mobile"),
    ({"customer": {"contacts": [{"mobile": M}], "name": "张伟"}}, "mobile"),
    ([1, 2, {"tel": M, "f": 1.5, "ok": True, "none": None}], "mobile"),
    ({"idcard": ID_INT}, "id"),
    ({"idcard": ID}, "id"),
    ({"memo": "身份证 " + ID + " " * 70}, "id"),
], ids=["int64", "nested", "list", "id-int64", "id-string", "long-text"])
def test_smile_found(content_type, doc, kind):
    assert kind in found(smile(doc), content_type)


def test_smile_shared_names_and_values_resolved():
    # header flags 0x03: shared names and values; the second "phone" is a back reference
    body = (b":)\n\x03\xf8\xfa" + smile_key("phone") + smile_value(1) + b"\xfb"
            + b"\xfa\x40" + smile_value(M) + b"\xfb\xf9")
    text = serialized_other.other_text("smile", body)
    assert text is not None and '"phone": 13912345678' in text
    assert found(body, SMILE) == {"mobile"}


def test_smile_big_integer_and_7bit_binary():
    raw = M.to_bytes(5, "big")  # BigInteger: a length, then 7-bit groups (5 bytes in 6)
    value = int.from_bytes(raw, "big")
    groups = bytes((value >> (7 * k)) & 0x7F for k in range(5, -1, -1))
    body = b":)\n\x00\xfa" + smile_key("phone") + b"\x26" + smile_vint(5) + groups + b"\xfb"
    assert found(body, SMILE) == {"mobile"}


@pytest.mark.parametrize("content_type", [
    ION, "application/ion", "application/vnd.amazon.ion", "application/x-amzn-ion+binary"])
@pytest.mark.parametrize(("values", "kind"), [
    (({10: M},), "mobile"),
    (([1, -2, {11: [M]}],), "mobile"),
    ((-M,), None),
    (({10: ID_INT},), "id"),
    (({10: "身份证 " + ID},), "id"),
], ids=["struct", "nested", "negative", "id-int", "id-string"])
def test_ion_found(content_type, values, kind):
    got = found(ion(*values), content_type)
    assert (kind in got) if kind else got <= {"mobile"}


def test_ion_written_by_amazon_ion_read_with_its_symbols():
    text = serialized_other.other_text("ion", ION0)
    assert text is not None and '"phone": 13912345678' in text and '"id": "' + ID in text
    assert found(ION0, ION) == {"mobile", "id"}


def test_ion_annotated_and_padded_values():
    # an annotation wrapper (one annotation, symbol 10) around the int; NOP padding before it
    inner = ion_value(M)
    wrapped = bytes([0xE0 | (len(inner) + 2)]) + b"\x81\x8a" + inner
    assert found(b"\xe0\x01\x00\xea\x03\x00\x00\x00" + wrapped, ION) == {"mobile"}


@pytest.mark.parametrize("content_type", [UBJSON, "application/x-ubjson", "application/x+ubjson"])
@pytest.mark.parametrize(("body", "kind"), [
    (ub_value({"phone": M}), "mobile"),
    (ub_value([1, "x", [M]]), "mobile"),
    (ub_value({"idcard": ID}), "id"),
    (ub_value({"idcard": ID_INT}), "id"),
    (b"[$L#i\x02" + struct.pack(">qq", 7, M), "mobile"),  # (an optimized container)
    (b"{#i\x01i\x05phoneL" + struct.pack(">q", M), "mobile"),
    (b"[NNL" + struct.pack(">q", M) + b"N]", "mobile"),  # (no-ops)
], ids=["map", "nested", "id-string", "id-int", "typed-counted", "counted", "no-op"])
def test_ubjson_found(content_type, body, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize("content_type", [
    HESSIAN, "application/x-hessian", "application/hessian", "x-application/hessian2",
    "application/x-dubbo"])
@pytest.mark.parametrize(("body", "kind"), [
    (b"H\x02\x00R" + hl(M), "mobile"),
    (b"H\x02\x00C" + hs("save") + b"\x92" + hs("Zhang Wei") + hl(M), "mobile"),
    (b"H\x02\x00C" + hs("save") + b"\x91" + b"H" + hs("phone") + hl(M) + b"Z", "mobile"),
    (b"H\x02\x00C" + hs("save") + b"\x91" + b"C" + hs("com.x.Person") + b"\x92" + hs("name")
     + hs("phone") + b"\x60" + hs("Zhang") + hl(M), "mobile"),
    (b"H\x02\x00C" + hs("save") + b"\x91" + b"\x79" + hl(1) + hl(M), "mobile"),
    (b"H\x02\x00C" + hs("save") + b"\x91" + b"W" + hl(M) + b"Z", "mobile"),
    (b"H\x02\x00F" + b"H" + hs("message") + hs("bad") + hs("detail") + hl(M) + b"Z",
     "mobile"),
    (b"H\x02\x00R" + b"S" + struct.pack(">H", 18) + ID.encode(), "id"),
    (b"H\x02\x00R" + b"R" + struct.pack(">H", 9) + ID[:9].encode() + hs(ID[9:]), "id"),
    (hs("2.0.2") + hs("com.x.Svc") + hs("1.0") + hs("save") + hs("J") + hl(M) + b"H" + b"Z",
     "mobile"),
    (HES_OBJ, "mobile"),
    (HES_DUBBO_FRAME, "mobile"),
], ids=["reply", "call", "map", "object", "fixed-list", "list", "fault", "string",
        "chunked-string", "dubbo-body", "hessian.js-object", "hessian.js-dubbo-frame"])
def test_hessian2_found(content_type, body, kind):
    assert kind in found(body, content_type)


def test_hessian1_call_found():
    # Hessian 1 (the same content type): 'c' 1 0, 'm' and the method, arguments, 'z'
    body = (b"c\x01\x00m\x00\x04saveL" + struct.pack(">q", M) + b"S\x00\x02"
            + "张伟".encode() + b"Mt\x00\x00S\x00\x05phoneL" + struct.pack(">q", M) + b"zz")
    assert found(body, HESSIAN) == {"mobile"}
    assert found(b"r\x01\x00S\x00\x12" + ID.encode() + b"z", HESSIAN) == {"id"}


@pytest.mark.parametrize("content_type", [
    JAVA, "application/java-serialized-object", "application/x-java-object"])
@pytest.mark.parametrize(("body", "kind"), [
    (java_long_object("phone", M), "mobile"),
    (java_long_object("idNumber", ID_INT), "id"),
    (b"\xac\xed\x00\x05w\x08" + struct.pack(">q", M), "mobile"),
    (b"\xac\xed\x00\x05w\x0c" + struct.pack(">i", 7) + struct.pack(">q", M), "mobile"),
    (b"\xac\xed\x00\x05z" + struct.pack(">I", 11) + b"abc" + struct.pack(">q", M), "mobile"),
    (b"\xac\xed\x00\x05t\x00\x12" + ID.encode(), "id"),
    (JAVA_PERSON, "mobile"),
    (JAVA_CUSTOM, "mobile"),
    (JAVA_EXT, "mobile"),
], ids=["long-field", "id-long-field", "block-long", "block-int-long", "block-long-unaligned",
        "string", "jdk-object-graph", "jdk-writeObject", "jdk-externalizable"])
def test_java_serialization_found(content_type, body, kind):
    assert kind in found(body, content_type)


def test_jdk_object_graph_read_whole():
    text = serialized_other.other_text("java", JAVA_PERSON)
    assert text is not None
    # a long field, a boxed Long, a HashMap's and an ArrayList's values, a char[] ID
    assert text.count("13912345678") >= 4 and '"idChars": "' + ID in text
    assert found(JAVA_PERSON, JAVA) == {"mobile", "id"}


@pytest.mark.parametrize("protocol", range(6))
@pytest.mark.parametrize("content_type", [
    PICKLE, "application/x-python-pickle", "application/x-pickle", "application/vnd.x+pickle"])
@pytest.mark.parametrize(("obj", "kind"), [
    ({"phone": M}, "mobile"),
    ([("Zhang", M)], "mobile"),
    ({"c": {"contacts": [{"m": M}], "s": {M}, "f": frozenset({M})}}, "mobile"),
    ({"idcard": ID_INT}, "id"),
    ({"idcard": ID}, "id"),
    ({"idcard": ID.encode()}, "id"),
], ids=["dict", "tuple", "nested", "id-int", "id-str", "id-bytes"])
def test_pickle_found(protocol, content_type, obj, kind):
    assert kind in found(pickle.dumps(obj, protocol=protocol), content_type)


class Customer:
    def __init__(self) -> None:
        self.name = "张伟"
        self.phone = M


@pytest.mark.parametrize("protocol", range(6))
def test_pickled_instances_read_never_built(protocol):
    assert found(pickle.dumps([Customer(), Customer()], protocol=protocol), PICKLE) == {"mobile"}


def test_pickle_callables_never_called():
    # GLOBAL names a function of this module and REDUCE would call it with the mobile: the
    # walk reads the arguments and neither imports nor calls anything
    body = (b"\x80\x04ctests.core.test_round22_serial\n_boom\n(\x8a\x05"
            + M.to_bytes(5, "little") + b"tR.")
    assert found(body, PICKLE) == {"mobile"}
    body = (b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x05true " + b"\x85R"
            + b"\x8a\x05" + M.to_bytes(5, "little") + b"\x86.")
    assert found(body, PICKLE) == {"mobile"}
    assert not _called


def test_pickle_shared_and_self_referencing_containers():
    shared = [M]
    assert found(pickle.dumps({"a": shared, "b": shared}, protocol=4), PICKLE) == {"mobile"}
    loop: list[object] = [M]
    loop.append(loop)
    assert found(pickle.dumps(loop, protocol=2), PICKLE) == {"mobile"}
    # a memoized list popped from the stack, fetched again and filled: still read
    body = (b"\x80\x04]\x94" + b"0" + b"h\x00" + b"\x8a\x05" + M.to_bytes(5, "little")
            + b"a.")
    assert found(body, PICKLE) == {"mobile"}


@pytest.mark.parametrize("content_type", [CAPNP, "application/capnp", "application/x-capnp-packed"])
def test_capnp_id_word_found(content_type):
    assert found(capnp_words(7, ID_INT), content_type) == {"id"}
    assert found(capnp_list(1, 2, ID_INT), content_type) == {"id"}
    assert found(capnp_blob(ID_INT, b"photo"), content_type) == {"id"}


def test_capnp_packed_id_word_found():
    words = capnp_words(ID_INT, 0, 5)
    packed = bytearray()
    for at in range(0, len(words), 8):
        word = words[at:at + 8]
        packed.append(sum(1 << k for k in range(8) if word[k]))
        packed += bytes(b for b in word if b)
        if all(word):
            packed.append(0)  # (no raw words after it)
        if not any(word):
            packed.append(0)  # (no more zero words)
    assert found(bytes(packed), CAPNP) == {"id"}


@pytest.mark.parametrize("aligned", [True, False], ids=["aligned", "vtable-unaligned"])
def test_flatbuffers_id_word_found(aligned):
    assert found(flatbuffer(ID_INT, aligned=aligned), FLATBUFFERS) == {"id"}
    prefixed = flatbuffer(ID_INT, aligned=aligned)
    assert found(struct.pack("<I", len(prefixed)) + prefixed, FLATBUFFERS) == {"id"}


@pytest.mark.parametrize("content_type", [OCTETS, ""])
@pytest.mark.parametrize("body", [
    pickle.dumps({"phone": M}, protocol=2),
    pickle.dumps({"phone": M}, protocol=5),
    java_long_object("phone", M),
    smile({"phone": M}),
    ion({10: M}),
    b"H\x02\x00R" + hl(M),
    HES_DUBBO_FRAME,
], ids=["pickle2", "pickle5", "java", "smile", "ion", "hessian", "dubbo"])
def test_sniffed_by_signature_found(content_type, body):
    assert found(body, content_type) == {"mobile"}


@pytest.mark.parametrize("body", [
    pickle.dumps([M, "x" * 40], protocol=4)[:-6] + b"\xff\xff.",
    smile({"phone": M, "name": "Zhang Wei"})[:-4],
    ion([M, "Zhang Wei"])[:-3],
    b"H\x02\x00RH" + hs("phone") + hl(M) + hs("name") + b"\x1f" + b"Zhang",
    b"c\x01\x00m\x00\x04saveL" + struct.pack(">q", M) + b"S\x00\x40Zhang",
    (b"\xac\xed\x00\x05\x73\x72\x00\x01P" + bytes(8) + b"\x02\x00\x02J\x00\x05phone"
     + b"L\x00\x04namet\x00\x12Ljava/lang/String;\x78\x70" + struct.pack(">q", M)
     + b"t\x00\x40Zhang"),
], ids=["pickle", "smile", "ion", "hessian2", "hessian1", "java"])
def test_sniffed_broken_after_the_mobile_read_as_far_as_it_walks(body):
    # (a receiver's streaming parser has had the mobile before the damage)
    assert found(body, OCTETS) == {"mobile"}
    assert scan(body, OCTETS.replace("octet-stream", "x-java-serialized-object")
                if body.startswith(b"\xac") else PICKLE if body[:1] == b"\x80" else
                SMILE if body[:1] == b":" else ION if body[:1] == b"\xe0" else HESSIAN
                ).error is not None  # (declared: refused)


# ---------------------------------------------------------------------------------------------
# Clean look-alikes


SG_DOC = {"name": "Tan Ah Kow", "mobile": SG, "postal": 310101, "amount": 125000,
          "created": 1764560000, "created_ms": 1764560000123, "count": 4, "ratio": 0.25,
          "tags": [3, 4, 17, 2**31 - 1], "nric": "S1234567D"}


@pytest.mark.parametrize(("body", "content_type"), [
    (smile(SG_DOC), SMILE),
    (ion({10: SG, 11: 310101, 12: 1764560000123, 13: [3, 4, 17]}), ION),
    (ub_value(SG_DOC), UBJSON),
    (b"H\x02\x00C" + hs("save") + b"\x92" + hl(SG) + hl(1764560000123), HESSIAN),
    (java_long_object("created", 1764560000123), JAVA),
    (b"\xac\xed\x00\x05w\x10" + struct.pack(">ii", 16, 4) + struct.pack(">q", 1764560000123),
     JAVA),
    (pickle.dumps(SG_DOC, protocol=4), PICKLE),
    (pickle.dumps(SG_DOC, protocol=0), PICKLE),
    (capnp_words(SG, 1764560000123, (4 << 32) | 8, (3 << 32) | 1024), CAPNP),
    (flatbuffer(1764560000123), FLATBUFFERS),
], ids=["smile", "ion", "ubjson", "hessian", "java", "java-block", "pickle", "pickle0",
        "capnp", "flatbuffers"])
def test_singapore_records_stay_clean(body, content_type):
    assert found(body, content_type) == set()


def test_ion_text_under_the_ion_type_is_read_as_text_not_refused():
    assert found(f"{{name: \"Tan\", phone: {SG}}}", ION) == set()
    assert found(f"{{name: \"Zhang\", phone: {M}}}", ION) == {"mobile"}


def test_random_clean_pickles_stay_clean():
    read = 0
    for seed in range(200):
        rng = random.Random(seed)
        doc = {"name": "Tan", "postal": rng.randrange(10**5, 10**6),
               "dob": rng.randrange(19500101, 20101231), "last4": rng.randrange(10**4),
               "amount": rng.randrange(10**9), "ts": rng.randrange(1_500_000_000, 1_800_000_000),
               "blob": rng.randbytes(rng.choice([8, 64, 1024]))}
        read += bool(found(pickle.dumps(doc, protocol=seed % 6), PICKLE))
    assert read == 0


@pytest.mark.parametrize(("content_type", "make", "most"), [
    (CAPNP, lambda rng: capnp_blob(rng.randrange(2**20), rng.randbytes(4096)), 0),
    (CAPNP, lambda rng: capnp_blob(rng.randrange(2**20), rng.randbytes(65536)), 0),
    (FLATBUFFERS, lambda rng: rng.randbytes(4096), 1),
    (CAPNP, lambda rng: capnp_words(*[(rng.randrange(3, 5) << 32) | rng.randrange(2**32)
                                      for _ in range(16)]), 0),
    (FLATBUFFERS, lambda rng: flatbuffer((rng.randrange(3, 5) << 32) | rng.randrange(2**32)), 0),
    (JAVA, lambda rng: b"\xac\xed\x00\x05z" + struct.pack(">I", 4096) + rng.randbytes(4096), 3),
    (JAVA, lambda rng: b"\xac\xed\x00\x05w\x08" + struct.pack(">ii", rng.randrange(1, 5),
                                                          rng.randrange(2**20)), 0),
], ids=["capnp-4k-data", "capnp-64k-data", "flatbuffers-random", "capnp-uint32-pairs",
        "flatbuffers-uint32-pair",
        "java-random-block", "java-two-ints"])
def test_schemaless_words_rarely_read(content_type, make, most):
    """A Cap'n Proto Data field (a photo) is not read as words; 4 KB of random bytes declared
    FlatBuffers hold no table; Java block data of 4 KB random bytes read as an identifier
    about once in 300; two uint32 halves (an enum of 3 or 4 beside a count or hash) are words
    in the mobiles' range, not read as mobiles."""
    rng = random.Random(22)
    read = sum(bool(found(make(rng), content_type)) for _ in range(300 if most else 60))
    assert read <= most


# ---------------------------------------------------------------------------------------------
# Refusals: a declared body that does not walk as its type


@pytest.mark.parametrize(("body", "content_type"), [
    (pickle.dumps({"phone": M}, protocol=4)[:-3], PICKLE),
    (b"\x80\x04\xff\xff\xff", PICKLE),
    (b"\xac\xed\x00\x05s\x99", JAVA),
    (java_long_object("phone", M)[:-3], JAVA),
    (b"H\x02\x00R" + hl(M)[:-2], HESSIAN),
    (b"H\x02\x00Q\x40", HESSIAN),
    (b":)\n\x00\xfa\x84phone", SMILE),
    (b"\xe0\x01\x00\xea\x2e\x90", ION),
    (b"{i\x05phone?", UBJSON),
    (b"not ubjson at all", UBJSON),
], ids=["pickle-cut", "pickle-opcode", "java-bad-tc", "java-cut", "hessian-cut",
        "hessian-reserved", "smile-cut", "ion-cut", "ubjson-marker", "ubjson-text"])
def test_declared_bodies_that_do_not_walk_refused(body, content_type):
    result = scan(body, content_type)
    assert result.error is not None


# ---------------------------------------------------------------------------------------------
# Bounds


def _timed(body: bytes, content_type: str):
    start = time.process_time()
    result = scan(body, content_type)
    return result, time.process_time() - start


@pytest.mark.parametrize(("body", "content_type"), [
    (pickle.dumps(list(range(300_000)), protocol=4), PICKLE),
    (b"\x80\x04" + b"]" * 50_000 + b"a" * 49_999 + b".", PICKLE),
    (b"\x80\x04" + b"(" * 100_000 + b".", PICKLE),
    (b"\x80\x04\x8b" + struct.pack("<i", 2**31 - 1) + b"\x00" * 100 + b".", PICKLE),
    (b":)\n\x00" + b"\xf8" * 100_000, SMILE),
    (b":)\n\x00\xe0" + b"1" * 300_000, SMILE),
    (b"\xe0\x01\x00\xea" + b"\xbe\x8f" * 50_000, ION),
    (b"[" * 100_000, UBJSON),
    (b"H\x02\x00R" + b"W" * 100_000, HESSIAN),
    (b"H\x02\x00R" + b"\x52\xff\xff" + b"1" * 200_000, HESSIAN),
    (b"H\x02\x00R" + (b"C" + hs("a") + b"\x90") * 50_000, HESSIAN),
    (b"\xac\xed\x00\x05" + b"\x79" * 200_000, JAVA),
    (b"\xac\xed\x00\x05" + b"\x75\x72\x00\x02[L" + bytes(8) + b"\x02\x00\x00\x78\x70" * 1
     + b"\x00\x01\x00\x00" + b"\x70" * 65_536, JAVA),
    (b"\xac\xed\x00\x05z" + struct.pack(">I", 1 << 18) + random.Random(1).randbytes(1 << 18),
     JAVA),
    (b"\x00\xff" * 200_000, CAPNP),
    (random.Random(2).randbytes(1 << 20), CAPNP),
    (capnp_blob(1, random.Random(4).randbytes(1 << 20)), CAPNP),
    (struct.pack("<II", 0, 1) + struct.pack("<Q", 0xFFFFFFFC), CAPNP),
    (struct.pack("<II", 0, 2) + struct.pack("<QQ", 1 | (7 << 32) | (1 << 35), 0xFFFF << 2), CAPNP),
    (random.Random(3).randbytes(1 << 20), FLATBUFFERS),
    (struct.pack("<I", 4) + b"\xfc\xff\xff\xff" * 100_000, FLATBUFFERS),
], ids=["pickle-300k-ints", "pickle-deep", "pickle-marks", "pickle-long4-lies",
        "smile-deep", "smile-no-end", "ion-deep", "ubjson-deep", "hessian-deep",
        "hessian-string-lies", "hessian-class-definitions", "java-resets", "java-64k-nulls", "java-256k-block",
        "capnp-zero-run-bomb", "capnp-1mb-random", "capnp-1mb-data", "capnp-self-pointer",
        "capnp-composite-lies", "flatbuffers-1mb-random",
        "flatbuffers-self-tables"])
def test_hostile_sizes_bounded(body, content_type):
    result, spent = _timed(body, content_type)
    assert spent < 1.5, spent
    assert result.error is not None or not kinds(result)


def test_refusals_name_the_reason():
    result = scan(pickle.dumps(list(range(300_000)), protocol=4), PICKLE)
    assert result.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    result = scan(b"\x00\xff" * 200_000, CAPNP)
    assert result.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


def test_flatbuffers_tables_of_many_fields_bounded():
    # a vtable of 16k distinct field offsets, each field an offset to another such table
    fields = b"".join(struct.pack("<H", 8 + 4 * k) for k in range(16_000))
    vtable = struct.pack("<HH", 4 + len(fields), 8) + fields
    body = struct.pack("<I", 4 + len(vtable)) + vtable + struct.pack("<i", len(vtable)) + bytes(
        4) + struct.pack("<I", 0) * 16_000
    result, spent = _timed(body, FLATBUFFERS)
    assert spent < 1.5, spent
    assert result.error is not None or not kinds(result)
