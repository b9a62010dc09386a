"""Round 24: identifiers hidden in an encoding (base85 in its three alphabets, base32hex in
lower case, base32 of UTF-16 text or of a compressed stream, a first-generation ID as a hex
literal, a form's escapes of EBCDIC digits, control characters between digits, uuencoded
lines with no `begin`), with the false-positive side of each reading measured on seeded
random inputs and ordinary traffic."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import random
import urllib.parse

import pytest

from residency_gateway.core.payload import inspect_body
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found

ID = "110101199003071233"
OLD_ID = "110101900307123"
MOBILE = "13912345678"
DOC = ("姓名 张伟 身份证 " + ID).encode()
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
MP = "multipart/form-data; boundary=XX"

_B85 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_Z85 = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def z85(raw: bytes) -> bytes:
    return base64.b85encode(raw + b"\0" * (-len(raw) % 4)).translate(
        bytes.maketrans(_B85, _Z85))


def multipart(value: bytes) -> bytes:
    return (b'--XX\r\nContent-Disposition: form-data; name="d"\r\n\r\n' + value
            + b"\r\n--XX--\r\n")


def carriers(token: str) -> list[tuple[bytes, str]]:
    """`token` in a JSON string, as plain text, percent-encoded in a form, in a multipart
    part, and base64-encoded in JSON."""
    return [(json.dumps({"t": token}).encode(), JSON), (token.encode(), TEXT),
            (("a=1&t=" + urllib.parse.quote(token)).encode(), FORM),
            (multipart(token.encode()), MP),
            (json.dumps({"b": base64.b64encode(token.encode()).decode()}).encode(), JSON)]


# ---------------------------------------------------------------------------------------------
# 1. base85: Ascii85 (framed or not), RFC 1924 (Python's b85encode), Z85

B85_TOKENS = {
    "a85": base64.a85encode(DOC), "a85-adobe": base64.a85encode(DOC, adobe=True),
    "a85-adobe-wrapped": base64.a85encode(DOC, adobe=True, wrapcol=20),
    "a85-adobe-crlf": base64.a85encode(DOC, adobe=True, wrapcol=16).replace(b"\n", b"\r\n"),
    "a85-mobile": base64.a85encode(MOBILE.encode()),
    "a85-zeros": base64.a85encode(b"\0\0\0\0" + DOC),
    "b85": base64.b85encode(DOC), "b85-padded": base64.b85encode(DOC, pad=True),
    "b85-mobile": base64.b85encode(MOBILE.encode()),
    "b85-tel": base64.b85encode(("tel " + MOBILE).encode()),
    "b85-gzip": base64.b85encode(gzip.compress(DOC, mtime=0)),
    "b85-utf16": base64.b85encode(("身份证 " + ID).encode("utf-16-le")),
    "z85": z85(DOC), "z85-mobile": z85(MOBILE.encode()),
    "z85-gzip": z85(gzip.compress(DOC, mtime=0)),
}


@pytest.mark.parametrize("token", B85_TOKENS.values(), ids=B85_TOKENS.keys())
def test_base85_found(token):
    for body, content_type in carriers(token.decode()):
        assert found(body, content_type) & {"id", "mobile"}, (body[:60], content_type)


@pytest.mark.xfail(strict=True, reason=(
    "FALSE REFUSAL (found after session 11, about 1 gzip mtime in 400): a Z85 token of a gzip "
    "stream in a form body holds a stretch the base64 reading decodes to a gzip header whose "
    "stream then breaks, and round 20's rule refuses a broken compressed stream (422 "
    "malformed_payload). Safe (nothing moves) but a false refusal; the gzip streams above are "
    "made with mtime=0 so the found tests are deterministic"))
def test_z85_of_gzip_in_a_form_is_not_refused():
    token = z85(gzip.compress(DOC, mtime=1764580000 + 290 * 37)).decode()
    body = ("a=1&t=" + urllib.parse.quote(token)).encode()  # (as carriers() writes it)
    result = inspect_body(body, content_type=FORM, key=KEY, today=TODAY)
    assert result.error is None, result.note


@pytest.mark.parametrize("token", [base64.b85encode(DOC), z85(DOC), base64.a85encode(DOC)],
                         ids=["b85", "z85", "a85"])
def test_base85_in_the_request_line(token):
    quoted = urllib.parse.quote(token.decode(), safe="")
    assert line_found("/", "d=" + quoted) & {"id", "mobile"}
    assert line_found(headers=[("X-Data", token.decode())]) & {"id", "mobile"}


def kinds(body: bytes | str, content_type: str = JSON) -> set[str] | None:
    """found(), None where the body is refused."""
    if isinstance(body, str):
        body = body.encode()
    r = inspect_body(body, content_type=content_type, key=KEY, today=TODAY)
    if r.error is not None:
        return None
    return {"id" for i in r.ids if i.area_jurisdiction == "CN"} | {
        "mobile" for p in r.phones if p.jurisdiction == "CN"}


def test_base85_of_random_bytes_stays_clean():
    rng = random.Random(24)
    hits = refused = bodies = 0
    for n in range(300):
        raw = rng.randbytes(rng.randrange(11, 200))
        for encode in (base64.b85encode, z85, base64.a85encode):
            bodies += 1
            got = kinds(json.dumps({"t": encode(raw).decode(), "n": n}))
            hits += bool(got)
            refused += got is None
    assert hits == 0, f"{hits} of {bodies}"
    # (main refuses one Ascii85 string of these already: its backslashes, percent signs and
    # ampersands are more escape layers than the inspection allows; no base85 reading's)
    assert refused <= 1, refused


@pytest.mark.parametrize(("body", "content_type"), [
    (json.dumps({"email": "Zhang.Wei+kyc@Example-Mail.com", "url": "https://Example.com/a?b="
                 "1&c=2#Frag", "pw": "Tr0ub4dor&3!XkcD#936", "when": "2026-11-29T12:00:00Z",
                 "math": "(a+b)*c<d>=e;F@G^H", "cron": "*/5 * * * 1-5"}), JSON),
    ("Price: $1,234.56 (tax incl.); order #A-1391234; call us @ Example!", TEXT),
    ("if(a<b&&c>d){return Foo(x)*Bar[y];}else{q=`T${x}`;}", "application/javascript"),
    ('{"pw":"aB3$dE6^gH9*jK2!","totp":"JBSWY3DPEHPK3PXP","h":"sha256$AbC%DeF@1390"}', JSON),
])
def test_ordinary_punctuated_text_stays_clean(body, content_type):
    assert found(body, content_type) == set()


def test_long_base85_text_is_read_whole():
    token = base64.b85encode(b"lorem ipsum 123 " * 400 + DOC)
    assert found(json.dumps({"t": token.decode()})) == {"id"}


# ---------------------------------------------------------------------------------------------
# 2. base32: base32hex in lower case, of UTF-16 text, of a compressed stream

B32_TOKENS = {
    "hex-lower": base64.b32hexencode(DOC).lower(),
    "hex-lower-unpadded": base64.b32hexencode(DOC).lower().rstrip(b"="),
    "hex-lower-mobile": base64.b32hexencode(MOBILE.encode()).lower().rstrip(b"="),
    "utf16-le": base64.b32encode(("身份证 " + ID).encode("utf-16-le")),
    "utf16-be": base64.b32encode(("身份证 " + ID).encode("utf-16-be")),
    "utf16-bom": base64.b32encode(("身份证 " + ID).encode("utf-16")),
    "utf16-lower": base64.b32encode(("身份证 " + ID).encode("utf-16-le")).lower(),
    "hex-utf16": base64.b32hexencode(("身份证 " + ID).encode("utf-16-le")),
    "gzip": base64.b32encode(gzip.compress(DOC, mtime=0)),
    "gzip-lower-unpadded": base64.b32encode(gzip.compress(DOC, mtime=0)).lower().rstrip(b"="),
    "zlib": base64.b32encode(__import__("zlib").compress(DOC)),
    "hex-gzip": base64.b32hexencode(gzip.compress(DOC, mtime=0)),
}


@pytest.mark.parametrize("token", B32_TOKENS.values(), ids=B32_TOKENS.keys())
def test_base32_kinds_found(token):
    for body, content_type in carriers(token.decode()):
        assert found(body, content_type) & {"id", "mobile"}, (body[:60], content_type)


def test_base32_of_random_bytes_stays_clean():
    rng = random.Random(2424)
    hits = bodies = 0
    for _ in range(300):
        raw = rng.randbytes(rng.randrange(11, 120))
        for token in (base64.b32encode(raw), base64.b32hexencode(raw),
                      base64.b32hexencode(raw).lower().rstrip(b"="),
                      base64.b32encode(b"\x1f\x8b" + raw)):  # (gzip's magic, no method)
            bodies += 1
            hits += bool(found(json.dumps({"t": token.decode()})))
    assert hits == 0, f"{hits} of {bodies}"


@pytest.mark.parametrize("body", [
    '{"n": "averylongdnslabelfghijklmnop", "h": "0123456789abcdefghijklmnopqrstuv"}',
    '{"nsec3": "2vptu5timamqttgl4luu9kg21e0aor3s", "k": "deadbeefcafebabe0011223344556677"}',
])
def test_lower_case_words_and_hashes_stay_clean(body):
    assert found(body) == set()


# ---------------------------------------------------------------------------------------------
# 5. a first-generation (15-digit) ID as a hex literal

@pytest.mark.parametrize(("body", "content_type"), [
    ("id: " + hex(int(OLD_ID)), "application/yaml"),
    ("id: " + hex(int(OLD_ID)).upper().replace("0X", "0x"), "application/yaml"),
    ("id = " + hex(int(OLD_ID)) + "n;", "application/javascript"),
    (json.dumps({"id": hex(int(OLD_ID))}), JSON),
    ("id=" + hex(int(OLD_ID)), FORM),
    ("id: 0o" + format(int(OLD_ID), "o"), "application/yaml"),
])
def test_first_generation_id_in_another_base(body, content_type):
    assert "id" in found(body, content_type)


def test_pointers_and_random_hex_of_fifteen_digits_stay_clean():
    rng = random.Random(15)
    pointers = [hex(rng.randrange(0x7F00_0000_0000, 0x8000_0000_0000)) for _ in range(300)]
    assert found("stack:\n" + "\n".join(f"- {p}" for p in pointers), "application/yaml") \
        == set()
    hits = 0
    for _ in range(2000):
        value = rng.randrange(0x5AF3_107A_4000, 0x1_0000_0000_0000)
        hits += bool(found(json.dumps({"addr": hex(value)})))
    assert hits <= 4, hits  # (known area and birth date: ~0.05% of 12-digit hex values)


# ---------------------------------------------------------------------------------------------
# 6. a form's escapes of EBCDIC digits

@pytest.mark.parametrize("codec", ["cp037", "cp500", "cp1140", "cp273"])
def test_ebcdic_escapes(codec):
    escaped = "".join(f"%{c:02X}" for c in MOBILE.encode(codec))
    assert "mobile" in found("tel=" + escaped, FORM + "; charset=" + codec)
    assert "mobile" in found("a=b&tel=" + escaped.lower() + "&c=d", FORM)
    assert "mobile" in line_found("/", "tel=" + escaped)
    escaped_id = "".join(f"%{c:02X}" for c in ("ID " + ID).encode(codec))
    assert "id" in found(json.dumps({"q": "x=" + escaped_id}))


def test_legacy_cjk_escapes_are_not_ebcdic():
    text = "".join(f"%{c:02X}" for c in "鳌鳍鳎鳏鳐".encode("gb18030"))
    assert found("name=" + text, FORM) == set()


# ---------------------------------------------------------------------------------------------
# 7. control characters between the digits

CONTROLS = ["\x7f", "\x01", "\x08", "\x0e", "\x1b", "\x80", "\x85", "\x9f", "\ue000", "\ueabc",
            "\x7f\x7f", "\x01\x7f"]


@pytest.mark.parametrize("sep", CONTROLS, ids=[repr(c) for c in CONTROLS])
def test_controls_between_digits(sep):
    s = sep.join(MOBILE)
    quoted = urllib.parse.quote(s)
    assert "mobile" in found(json.dumps({"t": s}))
    assert "mobile" in found(json.dumps({"t": s}, ensure_ascii=False))
    assert "mobile" in found("t=" + quoted, FORM)
    assert "mobile" in found(multipart(s.encode()), MP)
    if len(sep) == 1:  # (two controls a digit: decoded, the bytes are binary, read as runs)
        assert "mobile" in found(json.dumps({"b": base64.b64encode(s.encode()).decode()}))
    assert "mobile" in line_found("/", "t=" + quoted)
    assert "id" in found(json.dumps({"t": sep.join(ID)}))
    assert "id" in found(json.dumps({"t": ID[:6] + sep + ID[6:14] + sep + ID[14:]}))


def test_raw_del_in_a_text_body():
    assert "mobile" in found(("tel " + "\x7f".join(MOBILE)).encode(), TEXT)


def test_controls_between_other_numbers_stay_clean():
    assert found(json.dumps({"a": "12\x0134\x7f56", "b": "2026\x1b11\x1b29",
                             "c": "\x01".join("139123"), "d": "139\x01" + "1234" * 5})) == set()


def test_random_bytes_with_controls_stay_clean():
    rng = random.Random(7)
    hits = 0
    for _ in range(200):
        hits += bool(kinds(rng.randbytes(2048), "application/octet-stream"))
    assert hits == 0


# ---------------------------------------------------------------------------------------------
# 3. uuencoded lines with no `begin` (at the start of a text, a part or a decoded token)

UU_LINES = binascii.b2a_uu(DOC[:30]) + binascii.b2a_uu(DOC[30:])


@pytest.mark.parametrize(("body", "content_type"), [
    (UU_LINES, TEXT),
    (UU_LINES.replace(b"\n", b"\r\n"), TEXT),
    (UU_LINES.replace(b"\n", b"\r"), TEXT),
    (binascii.b2a_uu(DOC, backtick=True), TEXT),
    (binascii.b2a_uu(("tel " + MOBILE).encode()), TEXT),
    (multipart(UU_LINES), MP),
    (json.dumps({"b": base64.b64encode(UU_LINES).decode()}).encode(), JSON),
    (gzip.compress(UU_LINES), "application/octet-stream"),
    (b"begin 644 a.txt\r" + UU_LINES.replace(b"\n", b"\r") + b"`\rend\r", TEXT),
], ids=["lf", "crlf", "cr", "backtick", "mobile", "multipart", "base64", "gzip", "begin-cr"])
def test_bare_uuencoded_lines(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_upper_case_lines_of_a_uu_length_stay_clean():
    rng = random.Random(3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789-.,:/"
    hits = 0
    for _ in range(500):
        size = rng.randrange(8, 46)
        line = chr(32 + size) + "".join(rng.choice(alphabet) for _ in range(4 * -(-size // 3)))
        hits += bool(found(line + "\nSecond line of an ordinary memo.\n", TEXT))
    assert hits == 0
    assert found("MERCHANT 4471 TOTAL 1,234.56 REF 2026-11-29 12:00 TERMINAL 1234567 OK\n"
                 "thanks\n", TEXT) == set()


# ---------------------------------------------------------------------------------------------
# 4. base64 in short groups

def grouped(raw: bytes, width: int, sep: str, url: bool = False) -> str:
    t = (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()
    return sep.join(t[i:i + width] for i in range(0, len(t), width))


@pytest.mark.parametrize(("width", "sep"), [
    (4, " "), (4, "\n"), (4, "\t"), (4, "-"), (2, "-"), (3, "-"), (5, "-"), (6, "-"), (8, "-"),
    (12, "-"), (15, "-"),
])
@pytest.mark.parametrize("raw", [("tel " + MOBILE).encode(), MOBILE.encode(), DOC,
                                 gzip.compress(DOC, mtime=0)], ids=["tel", "mobile", "doc", "gzip"])
def test_base64_in_short_groups(raw, width, sep):
    token = grouped(raw, width, sep)
    assert found(json.dumps({"d": token})) & {"id", "mobile"}
    assert found(token, TEXT) & {"id", "mobile"}
    assert found(multipart(token.encode()), MP) & {"id", "mobile"}
    assert line_found("/", "d=" + urllib.parse.quote(token)) & {"id", "mobile"}


def test_base64_in_short_groups_unpadded_and_url_safe():
    token = grouped(DOC, 4, " ", url=True).rstrip("=")
    assert found(json.dumps({"d": token})) == {"id"}


@pytest.mark.parametrize("body", [
    "Dear John, have been here with Mary Kate Paul Anna from 2026 to 2027. Sent from my iPad",
    "card 4111 1111 1111 1111 exp 12/29; iban DE89 3704 0044 0532 0130 00; key ABCD-1234-EF56",
    "serial AB12-CD34-EF56-GH78-IJ90 uuid 4f1c2a9e-8d7b-4c3e-9a1f-2b6d8e0c5a71 iso 2026-11-29",
    "GPS 3991 2345 1167 8901 2345; lot A1B2 C3D4 E5F6 G7H8 I9J0 K1L2; ref Xy12 Ab34 Cd56 Ef78",
    "ages 31-33-39-31-32-33-34-35-36-37-38; card 1391-2345-6780-1234; bytes e6-89-8b-e6-9c-ba",
])
def test_short_groups_of_ordinary_text_stay_clean(body):
    assert found(json.dumps({"t": body})) == set()
    assert found(body, TEXT) == set()


def test_short_groups_of_random_base64_stay_clean():
    rng = random.Random(4)
    hits = 0
    for _ in range(300):
        raw = rng.randbytes(rng.randrange(11, 90))
        hits += bool(found(json.dumps({"a": grouped(raw, 4, " "), "b": grouped(raw, 5, "-")})))
    assert hits == 0


# ---------------------------------------------------------------------------------------------
# 8. quoted-printable: a soft break in CSV rows, one escaped digit alone

@pytest.mark.parametrize("body", [
    "424449,=72,8615855=\n133269,=AD,68026576=\n",
    "424449;=72;8615855=\r\n133269;=AD;68026576=\r\n",
    "424449\t=72\t8615855=\n133269\t=AD\t68026576=\n",
    "id,sig\n1,aGVsbG8gMTM5MTI=\n2,MzQ1Njc4OTAxMjM=\n",
])
def test_csv_rows_ending_in_equals_stay_clean(body):
    assert found(body, "text/csv") == set()
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "tel 13912=\r\n345678", "tel 13912=\n345678\nnext line, with a comma",
    "a=E6=89=8B=E6=9C=BA 13912=\n345678",
])
def test_soft_breaks_outside_tables_still_read(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.parametrize(("body", "content_type"), [
    ("tel 1391234=35678", TEXT), ("tel 1=3391234=35678", TEXT),
    (json.dumps({"t": "139123=345678"}), JSON), ("t=1391234%3D35678", FORM),
    ("a=1&t=1391234=35678", FORM),
])
def test_one_escaped_digit(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    ("n1=35912345678&x=2", FORM), ("2+2=34, 1391=35 and 12=3", TEXT),
    ("a1=3912345678", FORM),
])
def test_form_names_and_equations_are_no_escapes(body, content_type):
    assert found(body, content_type) == set()
