"""Red-team round D: mislabelled, duplicated, encoded and compressed payloads.

Each case is an identifier a plausible receiver would still read (it unpacks the archive,
honours the declared charset, decodes the protocol's encoding); the gateway must find it or
refuse the body."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import json
import tarfile
import zipfile
import zlib

import pytest

from residency_gateway.core.payload import inspect_body

ID = "110101199003071233"
MOBILE = "13912345678"
KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def scan(body: bytes, content_type: str = "application/json", content_encoding: str = ""):
    return inspect_body(body, content_type=content_type, content_encoding=content_encoding,
                        key=KEY, today=TODAY)


def found(body: bytes, content_type: str = "application/json", content_encoding: str = "",
          ) -> set[str]:
    r = scan(body, content_type, content_encoding)
    assert r.error is None, r.note
    kinds = {"id" for i in r.ids if i.area_jurisdiction == "CN"}
    return kinds | {"mobile" for p in r.phones if p.jurisdiction == "CN"}


def kind_of(value: str) -> str:
    return "id" if value == ID else "mobile"


def doc(value: str) -> bytes:
    return json.dumps({"name": "a", "v": value}).encode()


def zipped(name: str, content: bytes = b"hello", comment: bytes = b"",
           member_comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.comment = member_comment
        archive.writestr(info, content)
        archive.comment = comment
    return out.getvalue()


def tarred(name: str, content: bytes, mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        info = tarfile.TarInfo(name)
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def gzip_named(name: str, content: bytes = b"x") -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, fileobj=out, mode="wb", mtime=0) as fh:
        fh.write(content)
    return out.getvalue()


# -- archives: what an unpacking receiver keeps besides the content ----------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("make", [
    lambda v: zipped(v + ".jpg"),
    lambda v: zipped(v, b""),
    lambda v: zipped("a.txt", comment=v.encode()),
    lambda v: zipped("a.txt", member_comment=v.encode()),
], ids=["member-name", "empty-member-name", "archive-comment", "member-comment"])
def test_zip_names_and_comments(make, value):
    assert kind_of(value) in found(make(value), "application/zip")
    wrapped = json.dumps({"file": base64.b64encode(make(value)).decode()}).encode()
    assert kind_of(value) in found(wrapped)


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_gzip_original_file_name(value):
    body = gzip_named(value + ".json")
    assert kind_of(value) in found(body, "application/gzip")
    assert kind_of(value) in found(body, "text/plain", "gzip")


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_compressed_tar_member(value):
    assert kind_of(value) in found(tarred("a.json.gz", gzip.compress(doc(value))),
                                   "application/x-tar")
    assert kind_of(value) in found(tarred("a.json.z", zlib.compress(doc(value)), "w:gz"),
                                   "application/gzip")


def test_plain_archives_stay_clean():
    assert found(zipped("scan_0001.jpg", b"\xff\xd8\xff\xe0" + bytes(64),
                        comment=b"created 2026-11-29")) == set()
    assert found(tarred("report-2026-11-29.txt", b"total 1234.50 EUR"), "application/x-tar") \
        == set()
    assert found(gzip_named("invoice_20261129.json", doc("none")), "application/gzip") == set()


# -- charsets -------------------------------------------------------------------------------

def fullwidth(value: str) -> str:
    return "".join(chr(0xFF10 + int(c)) for c in value)


@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("content_type", [
    "text/plain; charset=IBM1047", "text/plain; charset=x-ebcdic-international",
    "application/octet-stream", "text/plain",
])
def test_ebcdic_under_a_name_python_lacks_or_none(content_type, value):
    assert kind_of(value) in found(f"id {value}".encode("cp037"), content_type)


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_unlabelled_iso_2022(value):
    body = f"番号 {fullwidth(value)}".encode("iso-2022-jp")
    assert kind_of(value) in found(body, "text/plain")
    assert kind_of(value) in found(f"번호 {fullwidth(value)}".encode("iso-2022-kr"), "text/plain")


def test_ebcdic_reading_adds_no_finding_to_latin_text():
    body = "Þórður Ásgeirsson, Reykjavík, kt. ððððð".encode("latin-1")
    assert found(body, "text/plain") == set()
    assert found(body, "text/plain; charset=x-unknown") == set()


# -- multipart: parameters and charsets a form parser honours ------------------------------------

def multipart(*parts: tuple[str, bytes], boundary: str = "XyZ") -> bytes:
    out = b""
    for head, body in parts:
        out += f"--{boundary}\r\n{head}\r\n\r\n".encode() + body + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


JPEG = b"\xff\xd8\xff\xe0" + bytes(100)


@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("disposition", [
    'form-data; name="scan"; filename*0="{a}"; filename*1="{b}.jpg"',
    "form-data; name=\"scan\"; filename*0*=UTF-8''{a}; filename*1*={pb}",
], ids=["continuation", "encoded-continuation"])
def test_rfc2231_filename_continuations(disposition, value):
    a, b = value[:6], value[6:]
    pb = "".join(f"%{ord(c):02X}" for c in b)
    body = multipart(("Content-Disposition: " + disposition.format(a=a, b=b, pb=pb), JPEG))
    assert kind_of(value) in found(body, "multipart/form-data; boundary=XyZ")


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_form_charset_field(value):
    body = multipart(('Content-Disposition: form-data; name="_charset_"', b"IBM037"),
                     ('Content-Disposition: form-data; name="v"', f"id {value}".encode("cp037")))
    assert kind_of(value) in found(body, "multipart/form-data; boundary=XyZ")


# -- nested encodings ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("make", [
    lambda v: f"<a>{v[:6]}<![CDATA[{v[6:12]}]]>{v[12:]}</a>",
    lambda v: "<a>" + "".join(f"<![CDATA[{c}]]>" for c in v) + "</a>",
    lambda v: f"<a>{v[:6]}<?pi x?>{v[6:]}</a>",
    lambda v: f'<!DOCTYPE a [<!ENTITY e "{v[:8]}"><!ENTITY f "{v[8:]}">]><a>&e;&f;</a>',
    lambda v: ('<!DOCTYPE a [<!ENTITY e "' + "".join(f"&#{ord(c)};" for c in v[:8])
               + f'">]><a>&e;{v[8:]}</a>'),
], ids=["cdata-split", "cdata-each", "pi-split", "entities", "entity-charrefs"])
def test_xml_character_data(make, value):
    assert kind_of(value) in found(make(value).encode(), "application/xml")


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_percent_u_escapes(value):
    body = ("v=" + "".join(f"%u{ord(c):04X}" for c in value)).encode()
    assert kind_of(value) in found(body, "text/plain")


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_base64_of_raw_deflate(value):
    """SAML HTTP-Redirect binding: base64(raw DEFLATE(xml))."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    token = base64.b64encode(c.compress(f"<r><p>{value}</p></r>".encode()) + c.flush())
    assert kind_of(value) in found(json.dumps({"SAMLRequest": token.decode()}).encode())


def test_xml_views_add_nothing_to_plain_documents():
    body = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY co "ACME 2026">]><a>'
            b"<![CDATA[price: 1234]]><!-- 5678 --><b>&co; 90</b></a>")
    assert found(body, "application/xml") == set()


# -- JSON numbers a parser reads as integers ----------------------------------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("spelling", [
    lambda v: f"{v[0]}.{v[1:]}e{len(v) - 1}", lambda v: f"{v[0]}.{v[1:]}E+{len(v) - 1}",
    lambda v: f"{v[:2]}.{v[2:]}e{len(v) - 2}",
], ids=["scientific", "scientific-plus", "scientific-two"])
def test_json_number_in_scientific_notation(spelling, value):
    body = ('{"name": "a", "mobile": ' + spelling(value) + "}").encode()
    assert kind_of(value) in found(body)


def test_json_amounts_and_versions_stay_amounts():
    body = (b'{"amount": 13912345678.5, "v": "1.3912345678e10x", "ratio": 0.0, '
            b'"total": 1.391234e6, "build": "v1.3912345678e10", "small": 1.3912345678e-10}')
    assert found(body) == set()


# -- uuencoded parts --------------------------------------------------------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("cte", ["x-uuencode", "uuencode", "x-uue"])
def test_uuencoded_part(cte, value):
    import binascii
    encoded = b"begin 644 id.txt\n" + binascii.b2a_uu(f"id {value}".encode()) + b"`\nend\n"
    body = multipart((f'Content-Disposition: form-data; name="v"\r\n'
                      f"Content-Transfer-Encoding: {cte}", encoded))
    assert kind_of(value) in found(body, "multipart/form-data; boundary=XyZ")


# -- the request line and headers ----------------------------------------------------------------

def line_found(path: str, query: str = "", headers: list[tuple[str, str]] | None = None
               ) -> set[str]:
    from residency_gateway.core.payload import scan_request_line
    r = scan_request_line(path, query, key=KEY, today=TODAY, headers=headers or [])
    assert r.error is None
    return ({"id" for i in r.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in r.phones if p.jurisdiction == "CN"})


@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("codec", ["gb18030", "shift_jis", "big5"])
def test_legacy_charset_bytes_in_a_header_or_target(codec, value):
    """Non-UTF-8 bytes reach the gateway as surrogate escapes (aiohttp decodes headers as
    UTF-8 with surrogateescape); a receiver decoding GBK reads fullwidth digits."""
    raw = f"ID {fullwidth(value)}".encode(codec).decode("utf-8", "surrogateescape")
    assert kind_of(value) in line_found("/a", "", [("X-Name", raw)])
    assert kind_of(value) in line_found("/a/" + raw, "q=" + raw)


@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("header", [
    lambda v: ("X-Name", "=?UTF-8?Q?" + "".join(f"={ord(c):02X}" for c in v) + "?="),
    lambda v: ("Content-Disposition", f'attachment; filename*0="{v[:6]}"; filename*1="{v[6:]}"'),
], ids=["encoded-word-q", "rfc2231-continuation"])
def test_header_value_encodings(header, value):
    assert kind_of(value) in line_found("/a", "", [header(value)])


# -- base64 wrapped at other widths -------------------------------------------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("width", [16, 20, 32, 40, 57, 64, 72, 76, 100, 128])
@pytest.mark.parametrize("sep", ["\n", "\r\n", " "], ids=["lf", "crlf", "space"])
def test_base64_wrapped_at_any_width(sep, width, value):
    for pad in (0, 1, 2, 5):
        token = base64.b64encode(json.dumps({"note": "x" * (40 + pad), "v": value}).encode())
        wrapped = sep.join(token[i:i + width].decode() for i in range(0, len(token), width))
        assert kind_of(value) in found(wrapped.encode(), "text/plain")
        assert kind_of(value) in found(json.dumps({"file": wrapped}).encode())


def test_wrapped_words_are_not_base64():
    body = (b"Reconciliation completedSuccessfully ThirteenNineTwelve34 5678 "
            b"AccountNumberIsHidden Pending 13912 FollowUpWithCustomer")
    assert found(body, "text/plain") == set()


# -- base32 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [ID, MOBILE])
@pytest.mark.parametrize("padded", [True, False])
def test_base32(padded, value):
    for raw in (value.encode(), doc(value)):
        token = base64.b32encode(raw).decode()
        token = token if padded else token.rstrip("=")
        assert kind_of(value) in found(json.dumps({"d": token}).encode())


def test_upper_case_words_are_not_base32():
    body = json.dumps({"status": "SECONDGENERATIONRESIDENTCARD", "code": "ABCDEFGHIJKLMNOPQRST",
                       "region": "GUANGDONGPROVINCE"}).encode()
    assert found(body) == set()


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_zip_unicode_path_extra_field(value):
    """unzip, 7-Zip and libarchive name the file by the Info-ZIP Unicode Path field."""
    import struct
    name = f"{value}.txt".encode()
    info = zipfile.ZipInfo("a.txt")
    info.extra = struct.pack("<HHBI", 0x7075, 5 + len(name), 1, zlib.crc32(b"a.txt")) + name
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(info, b"hello")
    assert kind_of(value) in found(out.getvalue(), "application/zip")


@pytest.mark.parametrize("value", [ID, MOBILE])
def test_concatenated_bzip2_and_xz_streams(value):
    """bzip2 -d, xz -d and Python's bz2/lzma.decompress read every stream of a file."""
    import bz2
    import lzma
    body = doc(value)
    assert kind_of(value) in found(bz2.compress(body[:10]) + bz2.compress(body[10:]),
                                   "application/x-bzip2")
    assert kind_of(value) in found(lzma.compress(body[:10]) + bytes(4) + lzma.compress(body[10:]),
                                   "application/x-xz")


def test_wrapped_base64_search_is_linear():
    """A body of mixed-case runs with no '.' anywhere: the look-back for a line's start is
    bounded (it once scanned back to the body's start at every run). Best of three timings
    each; 8x the data may take 30x (quadratic would be 64x)."""
    import time

    from residency_gateway.core.payload import _base64_texts

    def best(data: bytes) -> float:
        times = []
        for _ in range(3):
            began = time.process_time()
            list(_base64_texts(data))
            times.append(time.process_time() - began)
        return min(times)

    small = b"AbcdEfghIjklMnop AbcdEfghIjklMnopQ " * 5000
    assert best(small * 8) < 30 * best(small) + 0.05


# -- quoted-printable that no header declares (a mail body or MIME part pasted as it is) ----

def _qp_escaped(text: str) -> str:
    return "".join(f"={b:02X}" for b in text.encode())


@pytest.mark.parametrize(("body", "content_type"), [
    ("call 13912=\r\n345678 tomorrow", "text/plain"),                 # soft line break
    ("xx 139=\r\n1234=\r\n5678", "text/plain"),                       # two of them
    ("note: 13912=\n345678", "text/plain"),                           # bare LF
    (f"v {_qp_escaped(MOBILE)}", "text/plain"),                       # every digit escaped
    (f"{_qp_escaped('手机')} {_qp_escaped(MOBILE)}".lower(), "text/plain"),  # lower-case hex
    (json.dumps({"memo": "13912=\r\n345678"}), "application/json"),   # inside a JSON string
    (f"{_qp_escaped('身份证')}: 110101199=\r\n003071233", "text/plain"),
    ("=CA=D6=BB=FA 13912=\r\n345678", "text/plain"),                  # GBK escapes beside
])
def test_quoted_printable_without_a_header_is_read(body, content_type):
    value = ID if "110101199" in body else MOBILE
    assert kind_of(value) in found(body.encode(), content_type)


@pytest.mark.parametrize("body", [
    "amount=12&fee=34&ref=56",             # form fields: one escape-like "=12" each
    "x = 13912 + 34 = 13946\nok",          # an equation, no soft break
    "token=ab=cd",                         # two "=XX" in a row that decode to no digits
])
def test_text_that_only_looks_quoted_printable_finds_nothing(body):
    assert found(body.encode(), "text/plain") == set()
