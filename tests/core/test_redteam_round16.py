"""Red team round 16: the readings added after round 15 (ASN.1 DER/BER walking, EMVCo QR
fields, RFC 3966 phone-context, chunked coding inside an embedded HTTP message) attacked on
their edges, and spellings of a hostile client who knows the scanner reads digits, words,
encodings and structures.

Attacked: certificates with the ID in other attributes and extensions (subjectAltName
otherName/UPN, directoryName, dnQualifier, BMPString, an unrecognized extension, the serial
INTEGER), BER constructed strings (tag 0x33, 0x24), high-tag-number elements, CMS SignedData
eContent, PKCS#12, PEM with headers, CRLF, YAML indentation or no line breaks, a certificate
in a ZIP, gzip, multipart, a JWT x5c, a JSON byte array or hex, a TLS Certificate message or
after trailing bytes; EMVCo QR with nested templates, byte-counted CJK names, in URLs and
base64; phone-context percent-encoded, in vCards and SIP headers; chunked bodies with quoted
extensions, trailers, zero-padded sizes, CJK text (sizes count bytes), gzip, nesting. New
classes: repeated and split fields (headers, queries, PHP arrays, chunked ASP.NET cookies,
structured phone objects), SVG text runs, JavaScript and spreadsheet arithmetic, LaTeX
spacing, Morse code, Japanese kun readings, T9 vanity letters, a reversed number under an
explicit hint. False positives: foreign phone-contexts stay clean; no new false positive was
found (11-digit QR bill numbers read as mobiles are read so in any field already).

What holds is pinned by ordinary tests; what is missed is a strict xfail whose reason says
why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import json
import urllib.parse
import zipfile
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID, ObjectIdentifier

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import line_found

ID = "110101199003071233"
MOBILE = "13912345678"
JSON = "application/json"
TEXT = "text/plain"
CSV = "text/csv"
FORM = "application/x-www-form-urlencoded"
OCTETS = "application/octet-stream"
CERT = "application/pkix-cert"
JS = "application/javascript"
SVG = "image/svg+xml"
MSG = "message/http"
UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


def j(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


@cache
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def cert(attrs: tuple[tuple[x509.ObjectIdentifier, str], ...] = ((NameOID.COMMON_NAME,
                                                                  "api.example.sg"),),
         ext: x509.ExtensionType | None = None, serial: int | None = None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key().public_key())
               .serial_number(serial or x509.random_serial_number())
               .not_valid_before(dt.datetime(2026, 1, 1))
               .not_valid_after(dt.datetime(2027, 1, 1)))
    if ext is not None:
        builder = builder.add_extension(ext, critical=False)
    return builder.sign(key(), hashes.SHA256())


PERSON = ((NameOID.COMMON_NAME, "Zhang San"), (NameOID.SERIAL_NUMBER, ID))


@cache
def person_der() -> bytes:
    return cert(PERSON).public_bytes(serialization.Encoding.DER)


def person_pem() -> str:
    return cert(PERSON).public_bytes(serialization.Encoding.PEM).decode()


def der_of(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.DER)


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element (definite length, short or long form)."""
    n = len(content)
    size = bytes([n]) if n < 128 else bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + size + content


def name_with(value: bytes) -> bytes:
    """SEQUENCE { RDN { serialNumber = value } } then an empty SEQUENCE (0x30 is the digit 0)."""
    atv = tlv(0x30, tlv(0x06, bytes.fromhex("550405")) + value)
    return tlv(0x30, tlv(0x30, tlv(0x31, atv)) + tlv(0x30, b""))


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def signed(content: bytes, encoding: serialization.Encoding) -> bytes:
    return (pkcs7.PKCS7SignatureBuilder().set_data(content)
            .add_signer(cert(), key(), hashes.SHA256()).sign(encoding, []))


def jwt_with_x5c() -> str:
    head = json.dumps({"alg": "ES256", "x5c": [base64.b64encode(person_der()).decode()]})
    return base64.urlsafe_b64encode(head.encode()).rstrip(b"=").decode() + ".eyJzdWIiOiJ4In0.c2ln"


# =============================================================================================
# Held: the ID or mobile elsewhere in a certificate, CMS, PKCS#12, PEM spellings, containers

@pytest.mark.parametrize(("make", "kind"), [
    (lambda: der_of(cert(ext=x509.SubjectAlternativeName(
        [x509.OtherName(UPN, tlv(0x0C, ID.encode()))]))), "id"),
    (lambda: der_of(cert(ext=x509.SubjectAlternativeName(
        [x509.OtherName(UPN, tlv(0x0C, (MOBILE + "@corp.example").encode()))]))), "mobile"),
    (lambda: der_of(cert(ext=x509.SubjectAlternativeName([x509.DirectoryName(
        x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, ID)]))]))), "id"),
    (lambda: der_of(cert(ext=x509.SubjectAlternativeName(
        [x509.RFC822Name(MOBILE + "@139.com")]))), "mobile"),
    (lambda: der_of(cert(serial=int(ID))), "id"),
    (lambda: der_of(cert(serial=int(MOBILE))), "mobile"),
    (lambda: der_of(cert(((NameOID.DN_QUALIFIER, ID),))), "id"),
    (lambda: der_of(cert(((NameOID.COMMON_NAME, ID),))).replace(
        b"\x0c\x12" + ID.encode(), b"\x1e\x24" + ID.encode("utf-16-be")), "id"),  # BMPString
    (lambda: der_of(cert(ext=x509.UnrecognizedExtension(
        ObjectIdentifier("1.2.156.10260.4.1.1"), ID.encode()))), "id"),
    (lambda: der_of(cert(ext=x509.UnrecognizedExtension(
        ObjectIdentifier("1.2.156.10260.4.1.1"), tlv(0x13, ID.encode())))), "id"),
], ids=["upn-id", "upn-mobile", "dirname", "rfc822", "serial-id", "serial-mobile", "dnq",
        "bmpstring", "ext-raw", "ext-printable"])
def test_certificate_fields_found(make, kind):
    assert kind in found(make(), CERT)


@pytest.mark.parametrize(("make", "content_type", "kind"), [
    (lambda: signed(b"name=Zhang San\nid=" + ID.encode(), serialization.Encoding.DER),
     "application/pkcs7-mime", "id"),
    (lambda: signed(json.dumps({"phone": MOBILE}).encode(), serialization.Encoding.DER),
     "application/pkcs7-mime", "mobile"),
    (lambda: signed(ID.encode(), serialization.Encoding.PEM), TEXT, "id"),
    (lambda: signed(b"tel " + MOBILE.encode(), serialization.Encoding.SMIME), TEXT, "mobile"),
    (lambda: pkcs12.serialize_key_and_certificates(b"zs", key(), cert(PERSON), None,
                                                   serialization.NoEncryption()),
     "application/x-pkcs12", "id"),
    (lambda: pkcs12.serialize_key_and_certificates(ID.encode(), key(), cert(), None,
                                                   serialization.NoEncryption()),
     "application/x-pkcs12", "id"),  # the friendly name
    (lambda: person_pem().replace("\n", "\r\n"), "application/x-pem-file", "id"),
    (lambda: person_pem().replace("-----\n", "-----\nProc-Type: 4,ENC\nDEK-Info: AES-128-CBC,"
                                  "00112233445566778899AABBCCDDEEFF\n\n", 1),
     "application/x-pem-file", "id"),
    (lambda: "Bag Attributes\n    localKeyID: 01 02\nsubject=CN = Zhang San\n" + person_pem(),
     TEXT, "id"),
    (lambda: j("c", person_pem().replace("\n", "\r\n")), JSON, "id"),
    (lambda: j("c", person_pem().replace("\n", " ")), JSON, "id"),
    (lambda: zipped("client.cer", person_der()), "application/zip", "id"),
    (lambda: gzip.compress(person_der()), "application/gzip", "id"),
    (lambda: b'--b\r\nContent-Disposition: form-data; name="c"; filename="c.bin"\r\n'
     b"Content-Type: application/octet-stream\r\n\r\n" + person_der() + b"\r\n--b--\r\n",
     "multipart/form-data; boundary=b", "id"),
    (lambda: json.dumps({"keys": [{"kty": "EC", "x5c": [
        base64.b64encode(person_der()).decode()]}]}), JSON, "id"),
    (lambda: person_der() + b"\0\0\0\0", OCTETS, "id"),
], ids=["cms-econtent", "cms-json", "cms-pem", "smime", "pkcs12", "pkcs12-friendly-name",
        "pem-crlf", "pem-proc-type", "pem-bag-attributes", "pem-json-crlf", "pem-spaces", "zip",
        "gzip", "multipart", "jwk-x5c", "trailing-nuls"])
def test_certificate_carriers_found(make, content_type, kind):
    assert kind in found(make(), content_type)


@pytest.mark.parametrize("header", [
    lambda: ("X-SSL-Client-Cert", person_pem().replace("\n", "\t").strip()),
    lambda: ("Client-Cert-Chain", f":{base64.b64encode(der_of(cert())).decode()}:, "
                                  f":{base64.b64encode(person_der()).decode()}:"),  # RFC 9440
    lambda: ("Authorization", "Bearer " + jwt_with_x5c()),
], ids=["pem-tabs", "rfc9440-chain", "jwt-x5c"])
def test_certificate_headers_found(header):
    assert "id" in line_found("/", "", [header()])


# MISS: BER constructed strings. BER (CMS from Java/BouncyCastle streaming, Windows) may send a
# string as a constructed string of segments (PrintableString 0x33, OCTET STRING 0x24); the
# receiver concatenates them. The walk keeps the segments apart, the raw bytes have tag and
# length bytes between them.
@pytest.mark.parametrize("body", [
    name_with(tlv(0x33, tlv(0x13, ID[:9].encode()) + tlv(0x13, ID[9:].encode()))),
    name_with(b"\x33\x80" + tlv(0x13, ID[:9].encode()) + tlv(0x13, ID[9:].encode()) + b"\0\0"),
    tlv(0x30, tlv(0x24, tlv(0x04, b"ph " + MOBILE[:5].encode()) + tlv(0x04, MOBILE[5:].encode()))
        + tlv(0x30, b"")),
], ids=["printable-0x33", "printable-indefinite", "octets-0x24"])
def test_ber_constructed_strings_found(body):
    assert found(body, OCTETS)


# MISS: one element the walk does not take (a high tag number, 0x9F 0x1F: EMV BER-TLV, private
# structures) anywhere in the body, or bytes around a certificate (a TLS Certificate handshake
# message from a capture, a length-prefixed frame, a signature appended): the whole walk is
# given up and the raw bytes glue the ID to the 0x30 after it.
@pytest.mark.parametrize("make", [
    lambda: tlv(0x30, b"\x9f\x1f\x01\x00" + name_with(tlv(0x13, ID.encode()))),
    lambda: (b"\x0b" + (len(person_der()) + 6).to_bytes(3, "big")
             + (len(person_der()) + 3).to_bytes(3, "big")
             + len(person_der()).to_bytes(3, "big") + person_der()),
    lambda: len(person_der()).to_bytes(4, "big") + person_der(),
    lambda: person_der() + b"SIGv1",
], ids=["high-tag", "tls-certificate", "length-prefixed", "trailing-bytes"])
def test_der_walk_given_up_found(make):
    assert "id" in found(make(), OCTETS)


# MISS: a certificate as a JSON array of its bytes (Gson byte[], Node's Buffer.toJSON) or as
# hex: text in those forms is read (round 8), a certificate is not walked.
@pytest.mark.parametrize("make", [
    lambda: json.dumps({"cert": list(person_der())}),
    lambda: json.dumps({"cert": {"type": "Buffer", "data": list(person_der())}}),
    lambda: json.dumps({"cert": person_der().hex()}),
    lambda: json.dumps({"cert": person_der().hex(":").upper()}),
], ids=["byte-array", "node-buffer", "hex", "hex-colons"])
def test_certificate_as_bytes_in_json_found(make):
    assert "id" in found(make(), JSON)


# MISS: PEM in YAML (a Kubernetes Secret, Helm values: every line indented) or with its line
# breaks taken out (pasted into a one-line field); the spaced and CRLF forms are read.
@pytest.mark.parametrize(("make", "content_type"), [
    (lambda: "tls:\n  cert: |\n" + "".join("    " + line + "\n"
                                           for line in person_pem().splitlines()),
     "application/yaml"),
    (lambda: j("c", person_pem().replace("\n", "")), JSON),
], ids=["yaml-indented", "no-line-breaks"])
def test_pem_spellings_found(make, content_type):
    assert "id" in found(make(), content_type)


# =============================================================================================
# EMVCo QR payloads

def qf(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def qr(*fields: str, crc: bool = True) -> str:
    return qf("00", "01") + qf("01", "12") + "".join(fields) + ("6304ABCD" if crc else "")


COMMON = qf("52", "5411") + qf("53", "360") + qf("54", "50000") + qf("58", "ID")
QRIS = qf("26", qf("00", "ID.CO.QRIS.WWW") + qf("01", "9360001234567890123")
          + qf("02", "ID1020000000001") + qf("03", "UMI"))
MERCHANT = qf("59", "Toko Sumber Rejeki") + qf("60", "Jakarta") + qf("61", "12340")
QR_MOBILE = qr(QRIS, COMMON, MERCHANT, qf("62", qf("02", MOBILE)))


@pytest.mark.parametrize(("body", "content_type"), [
    (j("qr", qr(COMMON, qf("59", "张三便利店"), qf("60", "Beijing"), qf("62", qf("02", MOBILE)))),
     JSON),  # lengths in characters
    (j("link", "https://pay.example/q?d=" + urllib.parse.quote(QR_MOBILE)), JSON),
    (j("qr", base64.b64encode(QR_MOBILE.encode()).decode()), JSON),
    (j("qr", qr(COMMON, qf("62", qf("02", MOBILE)), crc=False)), JSON),
    (j("qr", " " + QR_MOBILE), JSON),
    (j("qr", qr(qf("26", qf("00", "sg.paynow") + qf("01", "0") + qf("02", "+86" + MOBILE)),
                COMMON)), JSON),
    (j("qr", qr(COMMON, qf("62", qf("02", "139") + qf("03", "12345678")))), JSON),
], ids=["cjk-char-lengths", "in-url", "base64", "no-crc", "leading-space", "lower-case-guid",
        "split-subfields"])
def test_emv_qr_spellings_found(body, content_type):
    assert "mobile" in found(body, content_type)


def test_emv_qr_percent_encoded_in_query_found():
    assert "mobile" in line_found("/pay", "qr=" + urllib.parse.quote(QR_MOBILE))


# MISS: a template inside a template (62's payment-system-specific templates 50-99, a PayNow
# account's own sub-template): only one level of templates is read apart.
@pytest.mark.parametrize("payload", [
    qr(QRIS, COMMON, MERCHANT, qf("62", qf("50", qf("00", "id.dana") + qf("01", MOBILE)))),
    qr(qf("26", qf("00", "SG.PAYNOW") + qf("05", qf("01", MOBILE) + qf("02", "x"))), COMMON),
], ids=["62-50", "26-05"])
def test_emv_nested_templates_found(payload):
    assert "mobile" in found(j("qr", payload))


# MISS: a generator that counts a CJK merchant name's length in UTF-8 bytes (a common bug;
# wallets parse on leniently): every field after the name is read glued.
def byte_counted(name: str, extra: str) -> str:
    return qr(COMMON, f"59{len(name.encode()):02d}{name}", qf("60", "City"), extra)


def test_emv_byte_counted_name_then_mobile_found():
    assert "mobile" in found(j("qr", byte_counted("张三便利店", qf("62", qf("02", MOBILE)))))


# (an ID after the same name is still read)
def test_emv_byte_counted_name_then_id_found():
    assert "id" in found(j("qr", byte_counted("山田商店", qf("62", qf("06", ID)))))


# =============================================================================================
# Held: RFC 3966 phone-context spellings; other countries' contexts stay clean

@pytest.mark.parametrize(("body", "content_type"), [
    (j("c", "tel:1234-5678;phone-context=%2b86139"), JSON),
    (j("c", "tel:12345678;phone-context=+86139;ext=22"), JSON),
    ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zhang San\r\nTEL;VALUE=uri;TYPE=cell:tel:1234-5678;"
     "phone-context=+86-139\r\nEND:VCARD\r\n", "text/vcard"),
    ("BEGIN:VCARD\r\nVERSION:4.0\r\nTEL;VALUE=uri:tel:1234-5678;phone-\r\n context=+86-139\r\n"
     "END:VCARD\r\n", "text/vcard"),  # a folded line
    ('<a href="tel:1234-5678;phone-context=&#43;86-139">call</a>', "text/html"),
    ('{"c":"tel:1234-5678;phone-context=\\u002b86-139"}', JSON),
    (j("c", "TEL:12345678;PHONE-CONTEXT=+86139"), JSON),
    ('<c uri="tel:12345678;phone-context=+86139"/>', "application/xml"),
])
def test_phone_context_spellings_found(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize(("path", "query", "headers"), [
    ("/", "", [("To", "<sip:1234-5678;phone-context=+86-139@ims.example;user=phone>")]),
    ("/", "", [("P-Asserted-Identity",
                "<sip:1234-5678%3Bphone-context%3D%2B86-139@ims.example;user=phone>")]),
    ("/c", "to=tel%3A1234-5678%3Bphone-context%3D%2B86-139", []),
    ("/c", "to=tel:1234-5678;phone-context=+86-139", []),  # '+' read as a space as well
])
def test_phone_context_in_the_request_line_found(path, query, headers):
    assert "mobile" in line_found(path, query, headers)


@pytest.mark.parametrize("body", [
    "tel:9123-4567;phone-context=+65", "tel:1234-5678;phone-context=+81-90",
    "tel:1234-5678;phone-context=+62-812",
])
def test_foreign_phone_contexts_stay_clean(body):
    assert not found(j("c", body))


# =============================================================================================
# Chunked coding inside an embedded HTTP message

HEAD = "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunks(*pieces: str, ext: str = "", size: str = "{:X}", last: str = "0\r\n\r\n") -> str:
    return "".join(size.format(len(p.encode())) + ext + "\r\n" + p + "\r\n"
                   for p in pieces) + last


@pytest.mark.parametrize(("body", "content_type"), [
    (HEAD + chunks("ph 1391", "2345678", ext=';sig="a;b c"'), MSG),
    (HEAD + chunks("ph 1391", "2345678", last="0\r\nX-Sum: 1\r\n\r\n"), MSG),
    (HEAD + chunks("ph 1391", "2345678", size="{:08X}"), MSG),
    (HEAD + chunks("x" * 26 + " ph 1391", "2345678", size="{:x}"), MSG),
    (HEAD + chunks("1391", "2345678"), MSG),
    (HEAD + chunks("110101199", "003071233"), MSG),
    (j("outer", j("raw", HEAD + chunks("ph 1391", "2345678"))), JSON),
    (HEAD + chunks(HEAD + chunks("ph 1391", "2345678")), MSG),
    ("POST /u HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
     + chunks("ph 1391", "2345678"), MSG),
    (HEAD + chunks("ph 1391", "2345678", ext=" ; a=b"), MSG),
], ids=["quoted-extension", "trailer", "zero-padded-8", "lower-case", "no-word", "id",
        "json-in-json", "chunked-in-chunked", "two-te-headers", "space-before-extension"])
def test_chunked_spellings_found(body, content_type):
    assert found(body, content_type)


# MISS: chunk sizes count bytes; the reading counts characters, so a chunk with CJK text in it
# is cut short and every later chunk-size line stays between the digits.
@pytest.mark.parametrize("pieces", [("姓名张三，号码1391", "2345678"), ("张三 1391", "2345678"),
                                    ("张三 11010119", "9003071233")])
def test_chunked_cjk_byte_sizes_found(pieces):
    assert found(HEAD + chunks(*pieces), MSG)


def test_chunked_gzip_body_found():
    gz = gzip.compress(b"tel " + MOBILE.encode())
    body = (b"POST /u HTTP/1.1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%X\r\n" % len(gz) + gz + b"\r\n0\r\n\r\n")
    assert "mobile" in found(body, MSG)


def test_chunked_long_zero_padding_found():
    assert "mobile" in found(HEAD + chunks("ph 1391", "2345678", size="{:010X}"), MSG)


# =============================================================================================
# Fields split across repeats: held where a phone word names them

@pytest.mark.parametrize(("path", "query", "headers"), [
    ("/r", "tel1=139&tel2=1234&tel3=5678", []),  # Japanese forms' three phone boxes
    ("/r", "phone=139&phone=1234&phone=5678", []),
    ("/", "", [("X-Phone", "139"), ("X-Phone", "12345678")]),
    ("/v1/139/1234/5678", "", []),
])
def test_split_fields_found(path, query, headers):
    assert "mobile" in line_found(path, query, headers)


def test_php_array_form_found():
    assert "mobile" in found("mobile[]=139&mobile[]=1234&mobile[]=5678", FORM)


# MISS: ASP.NET Core's ChunkingCookieManager splits a long cookie into C1, C2, ... crumbs the
# server joins; the split can fall inside the ID.
def test_chunked_cookie_crumbs_found():
    value = urllib.parse.quote(json.dumps({"name": "Zhang San", "idNo": ID}))
    cut = value.index("1101") + 10
    cookie = f".AspNetCore.Kyc=chunks-2; .AspNetCore.KycC1={value[:cut]}; .AspNetCore.KycC2={value[cut:]}"
    assert "id" in line_found("/", "", [("Cookie", cookie)])


# (was a MISS: a phone number as a structured object, country code, area code, line number
# apart, as US-style forms and CRMs store it; the labels of its parts are read as phone words)
@pytest.mark.parametrize("body", [
    {"phone": {"country_code": "86", "area_code": "139", "number": "12345678"}},
    {"cc": "86", "prefix": "139", "line": "12345678"},
])
def test_structured_phone_parts_missed(body):
    assert "mobile" in found(json.dumps(body))


# =============================================================================================
# Held: data: URIs, SVG tspans, an array join, atob, spreadsheet TEXT/MID, LaTeX \num and ~, goroawase kana,
# Indonesian words, a hex integer, Unicode tag characters, dingbat digits

@pytest.mark.parametrize(("body", "content_type"), [
    (j("avatar", "data:text/plain;base64," + base64.b64encode(
        ("tel " + MOBILE).encode()).decode()), JSON),
    (j("u", "data:,139%201234%205678"), JSON),
    ('<svg><text>139<tspan dx="3">1234</tspan> <tspan dx="3">5678</tspan></text></svg>', SVG),
    ('<svg><text x="0">tel 139</text><text x="30">1234</text><text x="70">5678</text></svg>',
     SVG),
    ("const phone = [139,1234,5678].join('');", JS),
    ("atob('" + base64.b64encode(MOBILE.encode()).decode() + "')", JS),
    ('a,b\nZhang,=TEXT(13912345678,"0")\n', CSV),
    ('a,b\nZhang,"=MID(""xx13912345678yy"",3,11)"\n', CSV),
    (j("tex", "\\num{13912345678}"), JSON),
    ("Tel.~139~1234~5678", "application/x-tex"),
    (j("msg", "電話 いちさんきゅう いちにさんよん ごろくななはち"), JSON),
    (j("msg", "nomor hp gw: satu tiga sembilan, satu dua tiga empat, lima enam tujuh delapan"),
     JSON),
    (j("tel", hex(int(MOBILE))), JSON),
    (j("n", "Zhang" + "".join(chr(0xE0000 + ord(c)) for c in MOBILE)), JSON),
    (j("tel", "".join("❶❷❸❹❺❻❼❽❾"[int(c) - 1] for c in MOBILE)), JSON),
])
def test_hostile_spellings_found(body, content_type):
    assert "mobile" in found(body, content_type)


# (was a MISS) SVG text drawn as separate <text> runs (PDF-to-SVG converters emit one per run
# or glyph; an ID-card render is one): the runs are apart in the markup, together on screen;
# consecutive <text> elements of one line are read joined.
@pytest.mark.parametrize("body", [
    '<svg><text x="0">139</text><text x="30">1234</text><text x="70">5678</text></svg>',
    "<svg>\n" + "\n".join(f'<text x="{i * 8}" y="10">{c}</text>' for i, c in enumerate(MOBILE))
    + "\n</svg>",
], ids=["runs", "glyphs"])
def test_svg_text_runs_missed(body):
    assert "mobile" in found(body, SVG)


# MISS: code that computes the number (JS arithmetic, String.fromCharCode - the classic
# anti-scraper obfuscation of contact details -, a template literal; an array join is read).
@pytest.mark.xfail(strict=True, reason="round 16 MISS: a mobile computed in code "
                   "(139e8 + 12345678, a template literal) even after a phone word; the page "
                   "or rule engine evaluates it")
@pytest.mark.parametrize(("body", "content_type"), [
    ("const phone = 139e8 + 12345678;", JS),
    (j("expr", "139*1e8+12345678"), JSON),
    ("const p = `${139}${12345678}`;", JS),
])
def test_js_computed_numbers_missed(body, content_type):
    assert "mobile" in found(body, content_type)


# (was a MISS) String.fromCharCode(49,51,57,...): character codes are read as the characters
def test_js_char_codes_found():
    body = "var tel = String.fromCharCode(49,51,57,49,50,51,52,53,54,55,56);"
    assert "mobile" in found(body, JS)


@pytest.mark.xfail(strict=True, reason="round 16 MISS: a spreadsheet formula that computes the "
                   "mobile (=139*10^8+12345678); TEXT, MID, SUM and & of literals are read, "
                   "Excel shows the number either way")
@pytest.mark.parametrize("body", [
    "a,b\nZhang,=139*10^8+12345678\n",
])
def test_spreadsheet_arithmetic_missed(body):
    assert "mobile" in found(body, CSV)


# (was a MISS) =CHAR(49)&CHAR(51)&...: a chain of character codes is read as its string
def test_spreadsheet_char_chain_found():
    assert "mobile" in found('a,b\nZhang,=CHAR(49)&CHAR(51)&CHAR(57)&"12345678"\n', CSV)


# (was a MISS) LaTeX spacing and grouping between digit groups: taken out
@pytest.mark.parametrize("tex", ["$139\\,1234\\,5678$", "139{}1234{}5678",
                                 "\\mathrm{139}\\mathrm{1234}\\mathrm{5678}"])
def test_latex_spacing_missed(tex):
    assert "mobile" in found(j("tex", tex))


MORSE = {"0": "-----", "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....",
         "6": "-....", "7": "--...", "8": "---..", "9": "----."}


# Fixed after round 24 (scanner._morse): digits in Morse code.
@pytest.mark.parametrize(("body", "content_type"), [
    (j("msg", "tel " + " ".join(MORSE[c] for c in MOBILE)), JSON),
    ("Tel: " + "/".join(MORSE[c] for c in MOBILE), TEXT),
    (j("morse", " ".join(MORSE[c] for c in ID)), JSON),
])
def test_morse_digits_missed(body, content_type):
    assert found(body, content_type)


KUN = ["rei", "hito", "futa", "mi", "yo", "itsu", "mu", "nana", "ya", "kokono"]
KUN_KANA = ["れい", "ひと", "ふた", "み", "よ", "いつ", "む", "なな", "や", "ここの"]


# (was a MISS) Japanese kun readings (the hifumi count) after a phone word
@pytest.mark.parametrize("said", [" ".join(KUN[int(c)] for c in MOBILE),
                                  " ".join(KUN_KANA[int(c)] for c in MOBILE)])
def test_japanese_kun_readings_missed(said):
    assert "mobile" in found(j("denwa", said))


# (was a MISS) phone-keypad vanity letters in a mobile (139-1ADG-JMPT: A/D/G/J/M/P/T are 2-8
# on every keypad), read where the run is a mainland mobile's by more than its letters
@pytest.mark.parametrize("tel", ["139-1ADG-JMPT", "+86 1DW 1ADG JMPT"])
def test_keypad_letters_missed(tel):
    assert "mobile" in found(j("tel", tel))


# Fixed after round 24 (scanner._reversed_values): reversed under a name that says so.
@pytest.mark.parametrize(("key", "value", "kind"), [("id_reversed", ID[::-1], "id"),
                                                    ("phone_rev", MOBILE[::-1], "mobile")])
def test_reversed_under_a_hint_missed(key, value, kind):
    assert kind in found(j(key, value))
