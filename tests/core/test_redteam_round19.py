"""Red team round 19: the containers KYC apps really upload and the wire formats their SDKs
really speak, attacked for misses and for false positives of ordinary SG / ID / JP / VN traffic.

Attacked and held: PDF text (hex strings, TJ arrays with kerning, UTF-16BE hex, octal escapes,
object streams, ASCIIHex + Flate and ASCII85 filters, the Info dictionary); DOCX / XLSX / ODT
parts (split runs, proofing marks, rich shared strings, numeric cells in scientific notation,
ODF spans, tabs and line breaks, core properties); e-mail MIME (RFC 2047 B/Q/GBK words, RFC 2231
parameter continuations, per-part transfer encodings, nested multipart/mixed, adjacent words in
a message/rfc822 body or a request header); vCard 2.1 QUOTED-PRINTABLE and folding, iCalendar;
JSON Patch whole values, Merge Patch, GraphQL; gRPC string fields and gRPC-web-text; data:
URIs; XML (CDATA split, references with leading zeros, comments and PIs inside a number, SOAP);
CSV quoted newlines and Excel text formulas; ISO-2022 bodies, Shift_JIS percent escapes, JS
escape() %uFF11; matrix parameters, OData/JSON filters, Link and Baggage headers. False
positives that held: Indonesian, Japanese, Singapore and Vietnamese phones in national
spellings, NPWPs, bank accounts, split zip/tel/card fields of JP/SG/ID forms, e-tickets and
boarding passes of JAL/Emirates/Qatar, clean gRPC, SQLite and QR payloads, PNG frames.

Found (strict xfails):
- MISS: RFC 2047 adjacent encoded-words splitting a number, outside a message/rfc822 body (a
  JSON field, a form value, an inbound-mail webhook's raw "headers" field, text/plain).
- MISS: JSON Patch (RFC 6902) operations that each set one part of a value (the part named in
  the "path" string).
- MISS: gRPC framing: compressed messages (grpc-encoding gzip/deflate) in application/grpc and
  grpc-web, int64 varints unless the type says +proto, gzip after a 4-byte length prefix.
- FALSE POSITIVE (refusal): application/grpc+proto, grpc-web+proto, grpc-web-text+proto are
  refused 400 for every clean request (the frame prefix is no protobuf field).
- FALSE POSITIVE: protobuf varints also read zigzag: an even int64 of 2.6e10-4e10 (32 GiB of
  device storage in bytes) halves into a mobile.
- FALSE POSITIVE: IATA air waybills of JAL 131, Qatar 157, Emirates 176, Korean 180, Cargolux
  172 under an "awb" label.
- MISS: SQLite databases with the mobile or ID in an INTEGER or REAL column.
- MISS: packed decimal (COBOL COMP-3) in fixed-width records.
- FALSE POSITIVE: raw camera frames (NV21, PGM, BMP, or gzip/base64 of them) with a dim or an
  overexposed region read as digit runs (ASCII 48-57, EBCDIC 240-249): 22 of 30 scenes; a
  gradient frame is refused 422.
- MISS: ISO-2022-JP/KR and UTF-16 fullwidth digits inside a JSON string, a percent-escaped form
  value or query parameter.
- MISS: QR payload encodings: Base45 (EU DCC "HC1:") and SMART Health Card numeric "shc:/".
- MISS: PDFs encrypted with an empty user password (permissions only) are read as ciphertext;
  with a user password they are forwarded although an encrypted ZIP is refused.
- FALSE POSITIVE: Japanese corporate numbers and invoice registration numbers (T + 13 digits)
  that begin 86-1[3-9], read as the unbroken 861NN... mobile spelling.
- MISS: PDF decoys a viewer does not show (rendering mode 3, white fill, size 0, 1% scaling)
  between the digits, and runs drawn out of reading order on one baseline.
- MISS: hidden runs in DOCX/ODT (<w:vanish/>, a hidden character style, text:display="none")
  holding a decoy between the digits the reader shows.
- MISS: mathematical (astral) digits as surrogate pairs outside JSON: JavaScript escape()'s
  %uD835%uDFCF pairs in a form, a JSON string or the query, and CESU-8 bytes.

End to end through a real gateway (a Singapore client): adjacent encoded-words and a
permissions-only PDF reach the sg upstream; a Japanese receipt's T-number is pinned to cn; a
clean gRPC-web+proto request is refused 400.

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import quopri
import random
import sqlite3
import struct
import tempfile
import urllib.parse
import zipfile
import zlib
from pathlib import Path

import pytest

from residency_gateway.core.idnumber import check_character
from residency_gateway.core.payload import inspect_body
from residency_gateway.core.values import Reason
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_redteam_round13 import line_found
from tests.helpers import ADDR

ID = "110101199003071233"
ID2 = "44030419851231002" + check_character("44030419851231002")
MOBILE = "13912345678"
MOBILE2 = "15800001111"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
PDF = "application/pdf"
ZIP = "application/zip"
JSON_PATCH = "application/json-patch+json"


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def b64(data: str | bytes, codec: str = "utf-8") -> str:
    return base64.b64encode(data.encode(codec) if isinstance(data, str) else data).decode()


# ---------------------------------------------------------------------------------------------
# PDF text as real generators write it (held)


def pdf(content: bytes, filters: bytes | None = b"/FlateDecode") -> bytes:
    data = zlib.compress(content) if filters == b"/FlateDecode" else content
    head = (b"/Filter " + filters + b" ") if filters else b""
    return (b"%PDF-1.4\n1 0 obj\n<< " + head + b"/Length " + str(len(data)).encode()
            + b" >>\nstream\n" + data + b"\nendstream\nendobj\ntrailer\n<<>>\n%%EOF\n")


def spaced_hex(text: str) -> bytes:
    h = text.encode().hex()
    return " ".join(h[i:i + 2] for i in range(0, len(h), 2)).encode()


@pytest.mark.parametrize(("body", "kind"), [
    (pdf(b"BT /F1 12 Tf 10 10 Td <" + ID.encode().hex().encode() + b"> Tj ET"), "id"),
    (pdf(b"BT /F1 12 Tf 10 10 Td <" + spaced_hex(ID) + b"> Tj ET"), "id"),
    (pdf(b"BT /F1 12 Tf 10 10 Td [(1101)-20(0119)-15(9003)30(071233)] TJ ET"), "id"),
    (pdf(b"BT [" + b"".join(b"(" + c.encode() + b")-5" for c in MOBILE) + b"] TJ ET"), "mobile"),
    (pdf(b"BT <FEFF" + "".join(f"{ord(c):04X}" for c in MOBILE).encode() + b"> Tj ET"),
     "mobile"),
    (pdf(b"BT (" + b"".join(b"\\%03o" % ord(c) for c in MOBILE) + b") Tj ET"), "mobile"),
    (pdf(b"5 0 6 40 (ignored) << /Name (" + MOBILE.encode() + b") >>"), "mobile"),
    (b"%PDF-1.4\n1 0 obj\n<< /Filter [/ASCIIHexDecode /FlateDecode] >>\nstream\n"
     + zlib.compress(b"BT (" + MOBILE.encode() + b") Tj ET").hex().encode()
     + b">\nendstream\nendobj\n", "mobile"),
    (b"%PDF-1.4\n1 0 obj\n<< /Filter /ASCII85Decode /Length 40 >>\nstream\n"
     + base64.a85encode(b"BT (" + ID2.encode() + b") Tj ET") + b"~>\nendstream\nendobj\n", "id"),
    (b"%PDF-1.4\n1 0 obj << /Title <" + MOBILE.encode().hex().encode() + b"> >> endobj\n%%EOF",
     "mobile"),
], ids=["hex-tj", "hex-spaced", "tj-kerning", "tj-per-digit", "utf16-hex", "octal",
        "object-stream", "asciihex-flate", "ascii85", "info-title-hex"])
def test_pdf_text_spellings_found(body, kind):
    assert kind in found(body, PDF)
    assert kind in found(body, "application/octet-stream")


@pytest.mark.parametrize("content", [
    b"/Span <</ActualText (13912345678)>> BDC BT /F1 12 Tf 72 700 Td (xxx) Tj ET EMC",
    b"/Span <</ActualText <FEFF0031003300390031003200330034003500360037003800>>> BDC "
    b"BT (x) Tj ET EMC",
], ids=["actual-text", "actual-text-utf16"])
def test_pdf_actual_text_found(content):
    assert "mobile" in found(pdf(content), PDF)


@pytest.mark.parametrize("content", [
    b"BT /F1 12 Tf 72 700 Td (Tel 139) Tj 3 Tr (0000) Tj 0 Tr (12345678) Tj ET",
    b"BT /F1 12 Tf 72 700 Td (ID 1101011990) Tj 3 Tr (XXXX) Tj 0 Tr (03071233) Tj ET",
    b"BT /F1 12 Tf 72 700 Td (Tel 139) Tj 1 1 1 rg (0000) Tj 0 0 0 rg (12345678) Tj ET",
    b"BT /F1 12 Tf 72 700 Td (139) Tj /F1 0 Tf (0000) Tj /F1 12 Tf (12345678) Tj ET",
    b"BT /F1 12 Tf 72 700 Td (139) Tj 1 Tz (0000) Tj 100 Tz (12345678) Tj ET",
], ids=["invisible-mode", "invisible-x-in-id", "white-fill", "zero-size", "one-percent-scale"])
def test_pdf_invisible_decoys_missed(content):
    assert found(pdf(content), PDF) & {"id", "mobile"}


@pytest.mark.parametrize("content", [
    b"BT /F1 12 Tf 1 0 0 1 150 700 Tm (5678) Tj 1 0 0 1 72 700 Tm (139 1234 ) Tj ET",
    b"BT /F1 12 Tf 1 0 0 1 180 700 Tm (03071233) Tj 1 0 0 1 72 700 Tm (1101011990) Tj ET",
    b"BT /F1 12 Tf 1 0 0 1 120 700 Tm (1234 5678) Tj ET BT /F1 12 Tf 1 0 0 1 90 700 Tm (139 )"
    b" Tj ET",
], ids=["mobile", "id", "two-text-objects"])
def test_pdf_out_of_order_runs_missed(content):
    assert found(pdf(content), PDF) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Office Open XML and OpenDocument parts (held)


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as f:
        for name, text in members.items():
            f.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(("members", "kind"), [
    ({"word/document.xml": "<w:document><w:body><w:p><w:r><w:t>139</w:t></w:r><w:r><w:rPr>"
      "<w:b/></w:rPr><w:t>1234</w:t></w:r><w:r><w:t>5678</w:t></w:r></w:p></w:body>"
      "</w:document>"}, "mobile"),
    ({"word/document.xml": "<w:document><w:body><w:p><w:r><w:t>1101011990</w:t></w:r>"
      "<w:proofErr w:type=\"spellStart\"/><w:r><w:t>03071233</w:t></w:r></w:p></w:body>"
      "</w:document>"}, "id"),
    ({"xl/sharedStrings.xml": "<sst><si><r><t>139</t></r><r><rPr><b/></rPr><t>1234</t></r>"
      "<r><t>5678</t></r></si></sst>"}, "mobile"),
    ({"xl/worksheets/sheet1.xml": "<worksheet><sheetData><row r=\"1\"><c r=\"A1\">"
      "<v>1.3912345678E10</v></c></row></sheetData></worksheet>"}, "mobile"),
    ({"xl/worksheets/sheet1.xml": "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"n\">"
      "<v>15800001111</v></c></row></sheetData></worksheet>"}, "mobile"),
    ({"mimetype": "application/vnd.oasis.opendocument.text",
      "content.xml": "<office:document-content><office:body><office:text><text:p>Tel "
      "<text:span text:style-name=\"T1\">139</text:span><text:s/>1234<text:s text:c=\"2\"/>"
      "5678</text:p></office:text></office:body></office:document-content>"}, "mobile"),
    ({"content.xml": "<office:document-content><text:p>ID 110101<text:tab/>19900307"
      "<text:line-break/>1233</text:p></office:document-content>"}, "id"),
    ({"docProps/core.xml": "<cp:coreProperties><dc:title>KYC " + ID2 + "</dc:title>"
      "</cp:coreProperties>"}, "id"),
], ids=["docx-runs", "docx-proof-error", "xlsx-rich-shared-string", "xlsx-scientific-cell",
        "xlsx-number-cell", "odt-spans-and-spaces", "odt-tab-line-break", "docx-core-props"])
def test_office_parts_found(members, kind):
    assert kind in found(zipped(members), ZIP)


def docx(paragraph: str, styles: str | None = None) -> bytes:
    members = {"word/document.xml": "<w:document><w:body><w:p>" + paragraph
               + "</w:p></w:body></w:document>"}
    if styles is not None:
        members["word/styles.xml"] = styles
    return zipped(members)


def run(text: str, props: str = "") -> str:
    return f"<w:r>{'<w:rPr>' + props + '</w:rPr>' if props else ''}<w:t>{text}</w:t></w:r>"


HIDDEN = "<w:vanish/>"
ODT_HIDDEN_STYLE = ('<office:automatic-styles><style:style style:name="T9" style:family="text">'
                    '<style:text-properties text:display="none"/></style:style>'
                    "</office:automatic-styles>")


@pytest.mark.parametrize(("body", "kind"), [
    (docx(run("Tel 139") + run("-ext-", HIDDEN) + run("1234") + run("n/a", HIDDEN)
          + run("5678")), "mobile"),
    (zipped({"content.xml": "<office:document-content><office:body><office:text><text:p>ID "
             "1101011990<text:hidden-text text:condition=\"ooow:1\" text:string-value=\"XXXX\" "
             "text:is-hidden=\"true\"/>03071233</text:p></office:text></office:body>"
             "</office:document-content>"}), "id"),
], ids=["docx-hidden-words", "odt-hidden-text-field"])
def test_hidden_office_text_between_digits_found(body, kind):
    assert kind in found(body, ZIP)


@pytest.mark.parametrize("body", [
    docx(run("1101011990") + run("XXXX", HIDDEN) + run("03071233")),
    docx(run("Tel 139") + run("0000", HIDDEN) + run("12345678")),
    docx(run("139") + run("0000", '<w:rStyle w:val="Hid"/>') + run("12345678"),
         styles='<w:styles><w:style w:type="character" w:styleId="Hid"><w:rPr><w:vanish/>'
                "</w:rPr></w:style></w:styles>"),
    docx(run("身份证 110101") + run("0000", HIDDEN + "<w:specVanish/>") + run("199003071233")),
    zipped({"content.xml": "<office:document-content>" + ODT_HIDDEN_STYLE + "<office:body>"
            "<office:text><text:p>Tel 139<text:span text:style-name=\"T9\">0000</text:span>"
            "12345678</text:p></office:text></office:body></office:document-content>"}),
], ids=["docx-id-x-decoy", "docx-mobile-digit-decoy", "docx-hidden-style", "docx-spec-vanish",
        "odt-display-none"])
def test_hidden_office_text_between_digits_missed(body):
    assert found(body, ZIP) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# E-mail MIME


def ew(text: str, charset: str = "UTF-8") -> str:
    return f"=?{charset}?B?{b64(text, charset)}?="


def multipart(parts: list[tuple[str, str]], boundary: str = "b") -> str:
    out = "".join(f"--{boundary}\r\n{head}\r\n\r\n{value}\r\n" for head, value in parts)
    return out + f"--{boundary}--\r\n"


MP = "multipart/form-data; boundary=b"
JPEG = "\xff\xd8\xff\xe0JFIF"


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (j({"subject": ew("手机 " + MOBILE)}), JSON, "mobile"),
    (j({"from": ew("身份证" + ID, "GBK")}), JSON, "id"),
    (f"From: a@b.c\r\nSubject: {ew('申请人 ' + ID)}\r\nMIME-Version: 1.0\r\n\r\nhello\r\n",
     "message/rfc822", "id"),
    (f"Subject: {ew('tel 1391')}\r\n {ew('2345678')}\r\n\r\nx", "message/rfc822", "mobile"),
    (f"From: {ew('张伟 1391')} {ew('2345678')} <a@b.cn>\r\n\r\nx", "message/rfc822", "mobile"),
    ("Subject: =?utf-8?q?ID_110101?= =?utf-8?q?199003071233?=\r\n\r\nx", "message/rfc822",
     "id"),
    (multipart([(f"Content-Disposition: form-data; name=\"f\"; filename*0*=UTF-8''"
                 f"%E8%BA%AB%E4%BB%BD%E8%AF%81{ID[:9]}; filename*1*={ID[9:]}.jpg\r\n"
                 "Content-Type: image/jpeg", JPEG)]).encode("latin-1"), MP, "id"),
    (multipart([(f"Content-Disposition: form-data; name=\"f\"; filename*0=\"tel{MOBILE[:5]}\";"
                 f" filename*1=\"{MOBILE[5:]}.jpg\"\r\nContent-Type: image/jpeg", JPEG)]
               ).encode("latin-1"), MP, "mobile"),
    (multipart([(f"Content-Disposition: form-data; name=\"f\"; filename=\"{ew(ID + '.jpg')}\""
                 "\r\nContent-Type: image/jpeg", JPEG)]).encode("latin-1"), MP, "id"),
    (multipart([("Content-Disposition: form-data; name=\"n\"\r\n"
                 "Content-Transfer-Encoding: quoted-printable",
                 quopri.encodestring(f"手机：{MOBILE}".encode()).decode())]), MP, "mobile"),
    (multipart([("Content-Disposition: form-data; name=\"n\"\r\nContent-Transfer-Encoding: "
                 "base64\r\nContent-Type: text/plain; charset=utf-16le",
                 b64("ID " + ID, "utf-16le"))]), MP, "id"),
    (multipart([("Content-Disposition: form-data; name=\"n\"\r\n"
                 "Content-Type: multipart/mixed; boundary=i",
                 multipart([("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64",
                             b64(MOBILE2))], "i"))]), MP, "mobile"),
], ids=["b-word-json", "b-word-gbk", "rfc822-subject", "rfc822-folded-adjacent",
        "rfc822-from-adjacent", "rfc822-q-adjacent", "rfc2231-extended-continuation",
        "rfc2231-quoted-continuation", "encoded-word-filename", "part-quoted-printable",
        "part-base64-utf16le", "nested-mixed-base64"])
def test_mime_spellings_found(body, content_type, kind):
    assert kind in found(body, content_type)


SENDGRID_HEADERS = (f"Received: by mx.example.sg\nFrom: {ew('张伟 手机1391')} {ew('2345678')} "
                    "<zw@example.cn>\nSubject: KYC\n")


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"from": ew("张三 139") + " " + ew("12345678")}), JSON),
    (j({"subject": ew("tel 1391") + ew("2345678")}), JSON),
    (j({"subject": "=?utf-8?q?tel_1391?= =?utf-8?q?2345678?="}), JSON),
    (j({"s": " ".join(ew(p) for p in ["申请人身份证", "110101", "19900307", "1233"])}), JSON),
    (j({"s": ew("身份证1101011990", "GBK") + " " + ew("03071233", "GBK")}), JSON),
    (j({"s": ew("ID 1101011990") + "\t=?utf-8?q?03071233?="}), JSON),
    ("subject=" + urllib.parse.quote(ew("tel 1391") + " " + ew("2345678")), FORM),
    (multipart([("Content-Disposition: form-data; name=\"headers\"", SENDGRID_HEADERS),
                ("Content-Disposition: form-data; name=\"text\"", "hi")]), MP),
    (ew("身份证 1101011990") + " " + ew("03071233"), "text/plain"),
    ("Subject: =?utf-8?q?tel_1391?= =?utf-8?q?2345678?=\n", "text/plain"),
], ids=["b-b-space", "b-b-touching", "q-q", "b-four-words", "gbk", "b-then-q-tab", "form",
        "inbound-parse-headers", "text-plain-b", "text-plain-q-header-line"])
def test_adjacent_encoded_words_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


# held: a request header's adjacent encoded-words are joined (only bodies miss them)
@pytest.mark.parametrize("headers", [
    [("X-Subject", "=?utf-8?q?tel_1391?= =?utf-8?q?2345678?=")],
    [("X-Display-Name", ew("张伟 1391") + " " + ew("2345678"))],
    [("X-Applicant", ew("身份证 1101011990") + " " + ew("03071233"))],
], ids=["q-q", "b-b", "b-b-id"])
def test_adjacent_encoded_words_in_headers_found(headers):
    assert line_found("/", "", headers) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# vCard and iCalendar (held)


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    ("BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL;ENCODING=QUOTED-PRINTABLE:+86 139=\r\n1234=\r\n"
     "5678\r\nEND:VCARD\r\n", "text/vcard", "mobile"),
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nTEL;TYPE=cell:+86139123\r\n 45678\r\nEND:VCARD\r\n",
     "text/vcard", "mobile"),
    (f"BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=BASE64:{b64('身份证 ' + ID)}\r\n"
     "END:VCARD\r\n", "text/x-vcard", "id"),
    ("BEGIN:VCARD\r\nVERSION:4.0\r\nTEL;VALUE=uri;TYPE=cell:tel:+86-139-1234-5678\r\n"
     "END:VCARD\r\n", "text/vcard", "mobile"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:call 13912\r\n\t345678\r\nEND:VEVENT\r\n"
     "END:VCALENDAR\r\n", "text/calendar", "mobile"),
    ("BEGIN:VEVENT\r\nDESCRIPTION:id 110101\\,19900307\\,1233\r\nEND:VEVENT\r\n",
     "text/calendar", "id"),
], ids=["vcard21-qp-soft-breaks", "vcard30-folded", "vcard-note-base64", "vcard40-tel-uri",
        "ics-tab-fold", "ics-escaped-commas"])
def test_vcard_and_icalendar_found(body, content_type, kind):
    assert kind in found(body, content_type)


# ---------------------------------------------------------------------------------------------
# JSON Patch / Merge Patch / GraphQL


def patch(*pairs: tuple[str, object], op: str = "add") -> str:
    return j([{"op": op, "path": p, "value": v} for p, v in pairs])


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (patch(("/idNumber", ID), op="replace"), JSON_PATCH, "id"),
    (patch(("/id", ["110101", "19900307", "1233"])), JSON_PATCH, "id"),
    (patch(("/phone", {"cc": "86", "area_code": "139", "number": "12345678"})), JSON_PATCH,
     "mobile"),
    (patch(("/phone/cc", "+86"), ("/phone/national", MOBILE)), JSON_PATCH, "mobile"),
    (j({"contact": {"mobile": MOBILE2}}), "application/merge-patch+json", "mobile"),
    (j({"query": "mutation($p:String!){kyc(phone:$p){id}}",
        "variables": {"p": "+86 139 1234 5678"}}), JSON, "mobile"),
    ('mutation { kyc(id: "' + ID + '") { ok } }', "application/graphql", "id"),
], ids=["replace-whole", "array-value", "object-value", "cc-then-national", "merge-patch",
        "graphql-variables", "graphql-inline"])
def test_patch_documents_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    (patch(("/phone/country_code", "86"), ("/phone/area_code", "139"),
           ("/phone/number", "12345678")), JSON_PATCH),
    (patch(("/cc", "+86"), ("/mobile_prefix", "139"), ("/mobile_suffix", "12345678"),
           op="replace"), JSON_PATCH),
    (patch(("/idParts/0", "110101"), ("/idParts/1", "19900307"), ("/idParts/2", "1233")),
     JSON_PATCH),
    (patch(("/id/-", "110101"), ("/id/-", "19900307"), ("/id/-", "1233")), JSON_PATCH),
    (patch(("/mobile/0", "139"), ("/mobile/1", "1234"), ("/mobile/2", "5678")), JSON_PATCH),
    (patch(("/id/0", "110101"), ("/id/1", "19900307"), ("/id/2", "1233")), JSON),
], ids=["phone-object-paths", "mobile-prefix-suffix", "id-indexed", "id-appended",
        "mobile-indexed", "declared-plain-json"])
def test_json_patch_parts_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# gRPC and gRPC-web


def varint(n: int) -> bytes:
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def pb_str(number: int, text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return varint(number << 3 | 2) + varint(len(raw)) + raw


def pb_int(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def frame(message: bytes, compressed: bool = False) -> bytes:
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(message)) + message


def inspected(body: bytes, content_type: str):
    return inspect_body(body, content_type=content_type, key=KEY, today=TODAY)


def kinds(result) -> set[str]:
    return ({"id" for i in result.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in result.phones if p.jurisdiction == "CN"})


CN_MESSAGE = pb_str(1, "Zhang Wei") + pb_str(2, MOBILE) + pb_str(3, ID)
SG_MESSAGE = pb_str(1, "Tan Ah Kow") + pb_str(2, "+6591234567") + pb_str(3, "S1234567D")


@pytest.mark.parametrize(("body", "content_type"), [
    (frame(CN_MESSAGE), "application/grpc"),
    (frame(CN_MESSAGE), "application/grpc-web"),
    (base64.b64encode(frame(CN_MESSAGE)), "application/grpc-web-text"),
    (base64.b64encode(frame(gzip.compress(CN_MESSAGE), True)), "application/grpc-web-text"),
    (j({"phone": {"nationalNumber": MOBILE, "countryCode": 86}}), JSON),
], ids=["grpc-strings", "grpc-web-strings", "grpc-web-text", "grpc-web-text-gzip",
        "protojson"])
def test_grpc_string_fields_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (frame(gzip.compress(CN_MESSAGE), True), "application/grpc"),
    (frame(gzip.compress(CN_MESSAGE), True), "application/grpc-web"),
    (frame(zlib.compress(CN_MESSAGE), True), "application/grpc"),
    (base64.b64encode(frame(zlib.compress(CN_MESSAGE), True)), "application/grpc-web-text"),
    (frame(pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE))), "application/grpc"),
    (frame(pb_str(1, "Zhang Wei") + pb_int(2, int(MOBILE2))), "application/grpc-web"),
    (struct.pack(">I", len(gzip.compress(CN_MESSAGE))) + gzip.compress(CN_MESSAGE),
     "application/octet-stream"),
], ids=["grpc-gzip", "grpc-web-gzip", "grpc-deflate", "grpc-web-text-deflate",
        "grpc-int64", "grpc-web-int64", "length-prefixed-gzip"])
def test_grpc_framed_messages_missed(body, content_type):
    assert kinds(inspected(body, content_type)) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (frame(SG_MESSAGE), "application/grpc+proto"),
    (frame(SG_MESSAGE), "application/grpc-web+proto"),
    (frame(SG_MESSAGE) + b"\x80" + struct.pack(">I", 16) + b"grpc-status: 0\r\n",
     "application/grpc-web+proto"),
    (frame(gzip.compress(SG_MESSAGE), True), "application/grpc+proto"),
    (base64.b64encode(frame(SG_MESSAGE)), "application/grpc-web-text+proto"),
], ids=["grpc-proto", "grpc-web-proto", "grpc-web-with-trailer-frame", "grpc-proto-gzip",
        "grpc-web-text-proto"])
def test_grpc_proto_types_refused(body, content_type):
    result = inspected(body, content_type)
    assert result.error is None, result.note
    assert kinds(result) == set()


def test_grpc_proto_refusal_is_malformed_not_a_leak():
    # (round 19 fix: no longer refused; the framed message is read and the mainland data found)
    result = inspected(frame(CN_MESSAGE), "application/grpc-web+proto")
    assert result.error is None
    assert kinds(result) == {"id", "mobile"}


@pytest.mark.parametrize("body", [
    frame(SG_MESSAGE),
    frame(pb_str(1, "Tanaka Hanako") + pb_str(2, "+81 90-1234-5678") + pb_int(3, 1764523630123)),
], ids=["sg", "jp-with-epoch-ms"])
def test_clean_grpc_stays_clean(body):
    for content_type in ("application/grpc", "application/grpc-web"):
        assert kinds(inspected(body, content_type)) == set()


# ---------------------------------------------------------------------------------------------
# Protobuf device telemetry: varints read zigzag


def device_info(storage: int) -> bytes:
    return (pb_str(1, "SM-S918B") + pb_str(2, "Android 14") + pb_str(3, "+65 9123 4567")
            + pb_int(4, 11811160064) + pb_int(5, storage))


@pytest.mark.xfail(strict=True, reason=(
    "POLICY, kept (invariant 1 first: a sint64 mobile is only read so) -- "
    "FALSE POSITIVE (protobuf zigzag reading): serialized._protobuf writes every varint out "
    "both plain and zigzag-decoded (sint64), so an even int64 between 2.6e10 and 4e10 is also "
    "written as its half: device storage or memory in bytes (32 GiB = 34359738368 -> "
    "17179869184; 31708938240 -> 15854469120), a micro-unit amount, a file size, reads as a "
    "mainland mobile in an ordinary Singapore/Japan SDK request"))
@pytest.mark.parametrize("storage", [34359738368, 31708938240, 27917287424, 27824691356],
                         ids=["32GiB", "29.5GiB-free", "26GiB", "micro-amount"])
def test_protobuf_zigzag_false_positive(storage):
    assert kinds(inspected(device_info(storage), "application/x-protobuf")) == set()


def test_protobuf_plain_storage_stays_clean():
    # the same values in JSON (plain integers) stay clean: the zigzag reading is the cause
    assert found(j({"storage_total": 34359738368, "storage_free": 31708938240})) == set()


# ---------------------------------------------------------------------------------------------
# data: URIs, XML and CSV spellings (held)


def data_uri(media_type: str, payload: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(payload).decode()}"


@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (j({"doc": data_uri("text/plain", ("身份证 " + ID).encode())}), JSON, "id"),
    (j({"doc": data_uri("application/json", j({"mobile": MOBILE}).encode())}), JSON, "mobile"),
    (j({"doc": "data:text/plain;charset=utf-8,%E6%89%8B%E6%9C%BA%20" + MOBILE}), JSON,
     "mobile"),
    (j({"doc": data_uri("application/gzip", gzip.compress(("tel " + MOBILE).encode()))}), JSON,
     "mobile"),
    (j({"doc": data_uri(PDF, pdf(b"BT [(139)-5(1234)-5(5678)] TJ ET"))}), JSON, "mobile"),
    ("<r><m><![CDATA[139]]><![CDATA[12345678]]></m></r>", "application/xml", "mobile"),
    ("<r><m>" + "".join(f"&#00{ord(c)};" for c in MOBILE) + "</m></r>", "application/xml",
     "mobile"),
    ("<r><id>110101<!-- -->19900307<!-- x -->1233</id></r>", "application/xml", "id"),
    ("<r><id>110101<?pi x?>199003071233</id></r>", "application/xml", "id"),
    ('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
     ' xmlns:k="urn:kyc"><soap:Body><k:Verify><k:Phone><k:Cc>86</k:Cc><k:Num>' + MOBILE
     + "</k:Num></k:Phone></k:Verify></soap:Body></soap:Envelope>", "text/xml", "mobile"),
    ('<phone a="139" b="1234" c="5678"/>', "application/xml", "mobile"),
    ('name,note\n"zhang","tel 139\n1234 5678"\n', "text/csv", "mobile"),
    ('a,b\nx,"=""' + ID + '"""\n', "text/csv", "id"),
    ("name\tid\nzhang\t'" + ID2 + "\n", "text/tab-separated-values", "id"),
], ids=["data-text", "data-json", "data-percent", "data-gzip", "data-pdf", "cdata-split",
        "char-refs-leading-zeros", "xml-comments-inside", "xml-pi-inside", "soap",
        "attributes-split", "csv-quoted-newline", "csv-excel-text-formula", "tsv-apostrophe"])
def test_data_uris_xml_and_csv_found(body, content_type, kind):
    assert kind in found(body, content_type)


# ---------------------------------------------------------------------------------------------
# False positives that held: national spellings of SG / ID / JP / VN numbers


@pytest.mark.parametrize("value", [
    "0813-1234-56789", "+62 813-1234-56789", "+62813123456789", "0813 9123 4567",
    "+62 813 9123 4567", "62-813-9123-4567", "+62 (0)813-9123-4567", "+62 813-1391-2345",
    "081391234567",
])
def test_indonesian_mobiles_stay_clean(value):
    assert found(j({"no_hp": value})) == set()


@pytest.mark.parametrize(("key", "value"), [
    ("npwp", "01.391.234.5-678.000"), ("npwp", "013912345678000"),
    ("npwp", "09.139.123.4-567.000"), ("npwp16", "0139123456780000"),
    ("account_no", "139-123456-001"), ("account_no", "1390012345678"),
    ("account_no", "139-00-1234567-8"), ("ゆうちょ記号番号", "13960-12345671"),
    ("account_no", "139-1234567"), ("account_no", "1391-234567-8"),
    ("tel", "+81-90-1391-2345"), ("tel", "+81 (0)90 1391 2345"), ("tel", "+81 80 1391 2345"),
    ("tel", "0081-90-1391-2345"), ("tel", "+81-139-12-3456"), ("tel", "0120-139-123"),
    ("phone", "+65 9139 1234"), ("phone", "+65-8139-1234"), ("phone", "(65) 6139 1234"),
    ("phone", "+65 91391234 / +65 81234567"),
    ("sdt", "+84 91 391 2345"), ("sdt", "+84-139-123-4567"), ("sdt", "0139 123 4567"),
    ("sdt", "0168 123 4567"), ("cccd", "001203012345"),
])
def test_foreign_numbers_stay_clean(key, value):
    assert found(j({key: value})) == set()


def test_a_sg_kyc_email_webhook_stays_clean():
    headers = (f"From: {ew('Tan Ah Kow')} <tak@example.sg>\nSubject: {ew('NRIC S1234567D')} "
               f"{ew('tel +65 9139 1234')}\n")
    body = multipart([("Content-Disposition: form-data; name=\"headers\"", headers),
                      ("Content-Disposition: form-data; name=\"text\"",
                       "Please find my NRIC attached. HP 9139 1234.")])
    assert found(body, MP) == set()


# ---------------------------------------------------------------------------------------------
# Air waybills of airlines whose IATA prefix is a mainland mobile prefix


def awb(prefix: int, serial: str) -> str:
    """An IATA air waybill number: airline prefix, 7-digit serial, serial mod 7 check digit."""
    return f"{prefix}-{serial}{int(serial) % 7}"


@pytest.mark.xfail(strict=True, reason=(
    "POLICY, kept (a label never excuses a mobile: a mobile under an awb label passes the "
    "mod-7 check one time in seven; waybills are not KYC traffic) -- "
    "FALSE POSITIVE (air waybill numbers): an IATA AWB is a 3-digit airline prefix and 8 digits "
    "(the last the serial mod 7), written 3-8 or 3-4-4; JAL's 131, Qatar's 157, Emirates' 176, "
    "Korean Air's 180 and Cargolux's 172 are mainland mobile prefixes, so a Japanese or "
    "Singapore shipment's waybill reads as a mobile even under an 'awb'/'MAWB' label: the "
    "label is in scanner._FIFTEEN_DIGIT_WORDS, which excuses only 15-digit numbers, and the "
    "mod-7 check is not consulted"))
@pytest.mark.parametrize(("body", "content_type"), [
    (j({"awb": awb(131, "1234567")}), JSON),
    (j({"mawb_no": awb(157, "2345678"), "origin": "DOH", "dest": "SIN"}), JSON),
    (f"MAWB No.: {awb(176, '3456789')}  Origin: DXB  Dest: NRT", "text/plain"),
    (j({"waybill": awb(180, "4567890").replace("-", "")}), JSON),
    (f"AWB 172-7654 {awb(172, '7654321')[-4:]}", "text/plain"),
    ("awb=" + awb(131, "7777777") + "&carrier=JL", FORM),
], ids=["jal-json", "qatar-mawb", "emirates-text", "korean-unbroken", "cargolux-3-4-4",
        "jal-form"])
def test_air_waybill_false_positive(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize("value", [awb(160, "1234567"), awb(618, "1234567"),
                                   awb(205, "1234567"), awb(126, "1234567")],
                         ids=["cathay", "singapore-airlines", "ana", "garuda"])
def test_other_airlines_waybills_stay_clean(value):
    assert found(j({"awb": value})) == set()


# ---------------------------------------------------------------------------------------------
# SQLite databases (an app's offline queue or backup, uploaded whole)


def sqlite_db(schema: str, rows: list[tuple]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kyc.db"
        con = sqlite3.connect(path)
        con.execute(schema)
        con.executemany(f"INSERT INTO kyc VALUES ({','.join('?' * len(rows[0]))})", rows)
        con.commit()
        con.close()
        return path.read_bytes()


SQLITE = "application/vnd.sqlite3"


@pytest.mark.parametrize(("schema", "row", "kind"), [
    ("CREATE TABLE kyc(name TEXT, phone TEXT, id TEXT)", ("Zhang Wei", MOBILE, "-"), "mobile"),
    ("CREATE TABLE kyc(name TEXT, phone TEXT, id TEXT)", ("Zhang Wei", "-", ID), "id"),
], ids=["text-phone", "text-id"])
def test_sqlite_text_columns_found(schema, row, kind):
    assert kind in kinds(inspected(sqlite_db(schema, [row]), SQLITE))


@pytest.mark.parametrize(("schema", "row", "content_type"), [
    ("CREATE TABLE kyc(name TEXT, phone INTEGER, id TEXT)", ("Zhang Wei", int(MOBILE), "-"),
     SQLITE),
    ("CREATE TABLE kyc(name TEXT, phone INTEGER, id TEXT)", ("Li Na", int(MOBILE2), "-"),
     "application/x-sqlite3"),
    ("CREATE TABLE kyc(name TEXT, phone INTEGER PRIMARY KEY, id TEXT)",
     ("Zhang Wei", int(MOBILE), "-"), SQLITE),
    ("CREATE TABLE kyc(name TEXT, phone INTEGER, id INTEGER)", ("Zhang Wei", 0, int(ID)),
     SQLITE),
    ("CREATE TABLE kyc(name TEXT, phone REAL, id TEXT)", ("Zhang Wei", float(MOBILE), "-"),
     SQLITE),
    ("CREATE TABLE kyc(name TEXT, phone INTEGER, id TEXT)", ("Zhang Wei", int(MOBILE), "-"),
     "application/octet-stream"),
], ids=["integer", "integer-x-sqlite3", "rowid-alias", "integer-id", "real", "undeclared"])
def test_sqlite_numeric_columns_found(schema, row, content_type):
    # (missed until round 24: SQLite's INTEGER and REAL are big-endian binary in its record
    # format; serialized_other.sqlite_text parses the file by hand)
    assert kinds(inspected(sqlite_db(schema, [row]), content_type)) & {"id", "mobile"}


def test_sqlite_foreign_numbers_stay_clean():
    body = sqlite_db("CREATE TABLE kyc(name TEXT, phone INTEGER, id TEXT)",
                     [("Tan Ah Kow", 6591234567, "S1234567D"), ("Lim", 34359738368, "T0123456J")])
    assert kinds(inspected(body, SQLITE)) == set()


# ---------------------------------------------------------------------------------------------
# Packed decimal (COBOL COMP-3) in fixed-width records


@pytest.mark.parametrize("packed", [
    bytes.fromhex(MOBILE + "C"), bytes.fromhex(MOBILE + "F"), bytes.fromhex("0" + ID + "C"),
    bytes.fromhex("86" + MOBILE + "C"), bytes.fromhex(MOBILE2 + "D"),
], ids=["mobile-c", "mobile-f", "id", "with-86", "mobile2"])
def test_packed_decimal_found(packed):
    # (missed until round 24: payload.packed_decimals, in a body that is mostly EBCDIC)
    record = "KYC001ZHANG WEI  ".encode("cp037") + packed + "SHANGHAI".encode("cp037")
    assert kinds(inspected(record, "application/octet-stream")) & {"id", "mobile"}


def test_ebcdic_zoned_record_found():
    record = ("KYC001ZHANG WEI  " + ID + " " + MOBILE).encode("cp037")
    assert kinds(inspected(record, "application/octet-stream")) == {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# Raw camera frames (NV21 / grayscale) read as text


def scene(w: int, h: int, seed: int, dark: int = 52, bright: int = 245, sd: int = 3) -> bytes:
    """A luma plane: a dim background on top (dark), a face in the middle, an overexposed
    shirt below (bright), each with a sensor's gaussian noise."""
    rng = random.Random(seed)
    out = bytearray()
    for y in range(h):
        mean = dark if y < h // 3 else (125 if y < 2 * h // 3 else bright)
        spread = sd if mean != 125 else 25
        out.extend(max(0, min(255, int(rng.gauss(mean, spread)))) for _ in range(w))
    return bytes(out)


def nv21(luma: bytes) -> bytes:
    return luma + bytes([128]) * (len(luma) // 2)


def bmp8(w: int, h: int, pixels: bytes) -> bytes:
    palette = b"".join(bytes([i, i, i, 0]) for i in range(256))
    offset = 14 + 40 + len(palette)
    return (b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
            + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 0, len(pixels), 2835, 2835, 256, 0)
            + palette + pixels)


W, H = 160, 120


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE (raw camera frames): an uncompressed luma plane (Android NV21 preview "
    "frames that liveness SDKs post, grayscale PGM/BMP) with a dim region (luma 48-57 is ASCII "
    "0-9) or an overexposed one (luma 240-249 is EBCDIC 0-9) under ordinary sensor noise is, "
    "to payload.binary_texts' strings-like reading, runs of random digits cut by punctuation: "
    "mainland mobiles and IDs with valid check digits turn up (22 of 30 seeded 160x120 "
    "scenes); the same pixels base64-encoded in JSON are read too (a headerless frame says "
    "nothing of what it is); a PGM whose first 4 KB of samples are dim is text-like, and a "
    "signature before text is read as text (else any body could hide behind 'P5 1 1 255'); "
    "BMP frames, and Netpbm frames that are not text-like, are read for their headers only "
    "since round 19's fixes (test_round19_frames.py)"))
@pytest.mark.parametrize(("body", "content_type"), [
    (nv21(scene(W, H, 2)), "application/octet-stream"),
    (b"P5\n%d %d\n255\n" % (W, H) + scene(W, H, 2), "image/x-portable-graymap"),
    (j({"image_type": "NV21", "width": W, "height": H,
        "image": base64.b64encode(nv21(scene(W, H, 2))).decode()}), JSON),
    (nv21(scene(W, H, 1, dark=125)), "application/octet-stream"),
    (nv21(scene(W, H, 2, bright=125)), "application/octet-stream"),
    (gzip.compress(nv21(scene(W, H, 2))), "application/octet-stream"),
    (zlib.compress(nv21(scene(W, H, 2))), "application/octet-stream"),
], ids=["nv21-octet", "pgm-dim-top", "nv21-base64-json", "overexposed-only", "dim-only",
        "gzip", "zlib"])
def test_raw_frames_false_positive(body, content_type):
    assert kinds(inspected(body if isinstance(body, bytes) else body.encode(), content_type)) \
        == set()


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE (raw camera frames, rate): 22 of 30 seeded NV21 scenes of 160x120 with a "
    "dim and an overexposed band read as mainland data (payload.binary_texts); seeds 0-7 "
    "here, stopping at the first (each frame takes ~1-2 s to inspect)"))
def test_raw_frames_rate():
    # (stops at the first frame read: 22 of 30 seeds were, measured once)
    assert not any(kinds(inspected(nv21(scene(W, H, seed)), "application/octet-stream"))
                   for seed in range(8))


def gradient(w: int, h: int, sd: float, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(max(0, min(255, int(20 + 215 * (y / h) + rng.gauss(0, sd))))
                 for y in range(h) for _ in range(w))


@pytest.mark.xfail(strict=True, reason=(
    "FALSE POSITIVE (refusal of raw frames): a 320x240 NV21 frame of a vertical light "
    "gradient with sensor noise (a wall lit from above) is refused 422 "
    "payload_too_complex_to_inspect: the rows in the 48-57 and 240-249 bands make thousands "
    "of digit runs, each a view, and the inline/offload budget runs out"))
@pytest.mark.parametrize("seed", [0, 2])
def test_raw_gradient_frame_refused(seed):
    result = inspected(nv21(gradient(320, 240, 3.0, seed)), "application/octet-stream")
    assert result.error is None, result.note


def png_gray(w: int, h: int, pixels: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + pixels[r * w:(r + 1) * w] for r in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream"])
def test_png_of_the_same_scene_stays_clean(content_type):
    # what most SDKs send: the same pixels as a PNG (unfiltered rows, zlib) are clean
    assert kinds(inspected(png_gray(W, H, scene(W, H, 2)), content_type)) == set()


# ---------------------------------------------------------------------------------------------
# Fullwidth digits (what Chinese and Japanese input methods type) inside an escaped value


def fullwidth(value: str) -> str:
    return value.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})


def pct(raw: bytes) -> str:
    return "".join(f"%{b:02X}" for b in raw)


ISO2022_JP = ("電話 " + fullwidth(MOBILE)).encode("iso-2022-jp")
ISO2022_ID = ("番号 " + fullwidth(ID)).encode("iso-2022-jp")


@pytest.mark.parametrize(("body", "content_type"), [
    (ISO2022_JP, "text/plain"),
    (b"--b\r\nContent-Disposition: form-data; name=\"n\"\r\nContent-Type: text/plain; "
     b"charset=ISO-2022-JP\r\n\r\n" + ISO2022_JP + b"\r\n--b--\r\n", MP),
    ("note=" + pct(("電話 " + fullwidth(MOBILE)).encode("shift_jis")), FORM),
    ("tel=" + "".join(f"%u{ord(c):04X}" for c in fullwidth(MOBILE)), FORM),
    (j({"t": "".join(f"%u{ord(c):04X}" for c in "身份证" + fullwidth(ID))}), JSON),
    (j({"note": ISO2022_ID.decode("latin-1")}), JSON),
], ids=["iso2022-body", "iso2022-part", "shift-jis-percent", "js-escape-u", "js-escape-u-json",
        "json-iso2022-id"])
def test_fullwidth_digits_in_escapes_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"subject": ISO2022_JP.decode("latin-1")}), JSON),
    ("note=" + pct(ISO2022_JP), FORM),
    ("note=" + pct(ISO2022_JP), FORM + "; charset=iso-2022-jp"),
    ("note=" + pct(fullwidth(MOBILE).encode("iso-2022-jp")), FORM),
    ("note=" + pct(("전화 " + fullwidth(MOBILE)).encode("iso-2022-kr")), FORM),
    ("tel=" + pct(fullwidth(MOBILE).encode("utf-16le")), FORM),
    ("tel=" + pct(fullwidth(MOBILE).encode("utf-16le")), FORM + "; charset=utf-16le"),
    ("a=1&tel=" + pct(fullwidth(MOBILE).encode("utf-16be")), FORM),
    (j({"t": pct(("身份证 " + fullwidth(ID)).encode("utf-16le"))}), JSON),
], ids=["json-iso2022-mobile", "form-iso2022", "form-iso2022-declared",
        "form-iso2022-digits-only", "form-iso2022-kr", "form-utf16le", "form-utf16le-declared",
        "form-utf16be", "json-utf16le-percent"])
def test_fullwidth_digits_in_escaped_values_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize("query", [
    "note=" + pct(ISO2022_JP),
    "tel=" + pct(fullwidth(MOBILE).encode("utf-16le")),
], ids=["iso2022", "utf16le"])
def test_fullwidth_digits_in_escaped_query_missed(query):
    assert line_found("/", query) & {"id", "mobile"}


# ---------------------------------------------------------------------------------------------
# QR payload encodings: Base45 (RFC 9285, the EU Digital COVID Certificate's "HC1:") and the
# SMART Health Card numeric mode ("shc:/" + two digits a base64url character)

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out.append(BASE45[n % 45] + BASE45[n // 45 % 45] + BASE45[n // 2025])
    if len(data) % 2:
        out.append(BASE45[data[-1] % 45] + BASE45[data[-1] // 45])
    return "".join(out)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def hc1(claims: dict) -> str:
    import cbor2
    cose = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), {},
                                          cbor2.dumps({-260: {1: claims}}), b"s" * 64]))
    return "HC1:" + base45(zlib.compress(cose))


def shc_jws(resource: dict) -> str:
    head = b64u(j({"alg": "ES256", "zip": "DEF", "kid": "k1"}).encode())
    payload = j({"iss": "https://issuer.example", "vc": {"credentialSubject": {
        "fhirBundle": {"entry": [{"resource": resource}]}}}}).encode()
    return head + "." + b64u(raw_deflate(payload)) + "." + b64u(bytes(range(64)))


def shc_numeric(jws: str) -> str:
    return "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)


CN_PATIENT = {"resourceType": "Patient", "identifier": [{"value": ID}],
              "telecom": [{"system": "phone", "value": MOBILE}]}
SG_PATIENT = {"resourceType": "Patient", "name": [{"family": "Tan", "given": ["Ah Kow"]}],
              "birthDate": "1990-03-07", "telecom": [{"system": "phone", "value": "+6591391234"}]}


def test_smart_health_card_jws_found():
    assert found(j({"verifiableCredential": [shc_jws(CN_PATIENT)]})) == {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"qr": base45(("tel " + MOBILE).encode())}), JSON),
    (base45(("ID " + ID).encode()), "text/plain"),
    (j({"qr": base45(zlib.compress(("身份证 " + ID).encode()))}), JSON),
    (j({"qr": hc1({"nam": {"fn": "Zhang", "gn": "Wei"}, "dob": "1990-03-07", "id": ID,
                   "tel": MOBILE})}), JSON),
    (hc1({"nam": {"fn": "Li", "gn": "Na"}, "tel": MOBILE2}), "text/plain"),
    (j({"qr": shc_numeric(shc_jws(CN_PATIENT))}), JSON),
    (shc_numeric(shc_jws(CN_PATIENT)), "text/plain"),
], ids=["base45-text", "base45-text-plain", "base45-zlib", "hc1-json", "hc1-text",
        "shc-numeric-json", "shc-numeric-text"])
def test_qr_payload_encodings_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"qr": hc1({"nam": {"fn": "Tan", "gn": "Ah Kow"}, "dob": "1990-03-07",
                   "tel": "+6591391234"})}), JSON),
    (j({"qr": shc_numeric(shc_jws(SG_PATIENT))}), JSON),
    (j({"qr": "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN4NN3F85QNCY0O%0VZ001HOC9JU0D0HT0HB2PL/IB*09B9LW4T*8+DCMH0LDK2%K:XFE70*LP$V25$0Q:J:4MO1P0%0L0HD+9E/HY+4J6TH48S%4K.GJ2PT3QY:GQ3TE2I+-CPHN6D7LLK*2HG%89UV-0LZ 2ZJJ524-LH/CJTK96L6SR9MU9DHGZ%P WUQRENS431T1XCNCF+47AY0-IFO0500TGPN8F5G.41Q2E4T8ALW.INSV$ 07UV5SR+BNQHNML7 /KD3TU 4V*CAT3ZGLQMI/XI%ZJNSBBXK2:UG%UJMI:TU+MMPZ5$/PMX19UE4-0HH9CE8L4BBH5YC8K/BG:N1R5"}), JSON),
], ids=["hc1-sg", "shc-numeric-sg", "base45-like-text"])
def test_clean_qr_payloads_stay_clean(body, content_type):
    assert found(body, content_type) == set()


# ---------------------------------------------------------------------------------------------
# Held: split fields of Japanese / Singapore / Indonesian forms, e-tickets, request lines


@pytest.mark.parametrize("fields", [
    {"zip1": "135", "zip2": "0061", "tel1": "03", "tel2": "1234", "tel3": "5678"},
    {"zip1": "150", "zip2": "0002", "tel1": "090", "tel2": "1391", "tel3": "2345"},
    {"postal_code_1": "160", "postal_code_2": "0023", "phone_1": "080", "phone_2": "1234",
     "phone_3": "5678"},
    {"yubin1": "158", "yubin2": "0094", "denwa1": "03", "denwa2": "3391", "denwa3": "2345"},
    {"birth_y": "1990", "birth_m": "03", "birth_d": "07", "zip1": "150", "zip2": "0002"},
    {"card1": "4111", "card2": "1391", "card3": "2345", "card4": "6789", "exp_m": "12",
     "exp_y": "28"},
    {"kode_pos": "13910", "rt": "003", "rw": "012", "no_hp": "081234567890"},
    {"nric": "S1391234D", "postal": "139123", "unit": "#12-345", "hp": "91234567"},
    {"blk": "139", "street": "Bedok North Ave 3", "unit": "12-345", "postal": "460139"},
    {"postal": "139123", "blk": "456", "unit_floor": "07", "unit_no": "89"},
], ids=["jp-zip-landline", "jp-zip-mobile", "jp-postal-phone", "jp-yubin-denwa", "jp-birth",
        "jp-card", "id-address", "sg-nric-postal", "sg-hdb", "sg-unit"])
def test_split_form_fields_stay_clean(fields):
    assert found(j(fields)) == set()
    assert found(urllib.parse.urlencode(fields), FORM) == set()


@pytest.mark.parametrize("value", [
    "131-2345678901", "1312345678901", "176 2345678901", "157-2345678901/02",
    "180-2345678901 C1",
    "M1TAN/AHKOW           ELXKQPZ SINNRTSQ 0638 139Y039K0131 147>5180 O9139BSQ 2A61813912345"
    "670 1SQ 12345678    Y",
], ids=["jal-3-10", "jal-unbroken", "emirates-spaced", "qatar-conjunction", "korean-coupon",
        "boarding-pass-bcbp"])
def test_e_tickets_and_boarding_passes_stay_clean(value):
    assert found(j({"ticket_number": value})) == set()
    assert found(f"E-TICKET NUMBER: {value}  PASSENGER: TANAKA/HANAKO MS", "text/plain") == set()


@pytest.mark.parametrize(("path", "query", "headers", "kind"), [
    ("/v1/users;mobile=13912345678/kyc", "", None, "mobile"),
    ("/v1/users;cc=86;a=139;b=12345678/kyc", "", None, "mobile"),
    ("/v1/kyc;jsessionid=ABC;id=" + ID, "", None, "id"),
    ("/v1/id/110101/19900307/1233", "", None, "id"),
    ("/v1/u/" + b64u(b'{"m":"13912345678"}'), "", None, "mobile"),
    ("/", "filter[phone][eq]=" + MOBILE, None, "mobile"),
    ("/", "$filter=mobile eq '" + MOBILE + "'", None, "mobile"),
    ("/", "where=%7B%22mobile%22%3A%22" + MOBILE + "%22%7D", None, "mobile"),
    ("/", "", [("Link", f"<https://x.cn/u?m={MOBILE}>; rel=next")], "mobile"),
    ("/", "", [("Baggage", f"userId={ID},region=cn")], "id"),
    ("/", "", [("X-Amz-Meta-Phone", "=?utf-8?b?" + b64(MOBILE) + "?=")], "mobile"),
], ids=["matrix", "matrix-parts", "matrix-after-session", "path-segments", "path-base64url",
        "bracket-filter", "odata-filter", "json-where", "link-header", "baggage",
        "s3-meta-encoded-word"])
def test_request_line_carriers_found(path, query, headers, kind):
    assert kind in line_found(path, query, headers)


# ---------------------------------------------------------------------------------------------
# PDFs encrypted with an empty user password (permissions only: how banks, telcos and
# government portals issue statements and e-KTP / My Number printouts, "no copy, no print")


PDF_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for b in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def encrypted_pdf(content: bytes, title: bytes | None = None, flate: bool = True,
                  user: bytes = b"") -> bytes:
    """A one-page PDF under the Standard security handler, V1 R2 (RC4, 40-bit; PDF 1.7
    algorithms 3.1-3.4) with an empty user password: every reader opens it without asking."""
    perms = -44
    id0 = hashlib.md5(b"statement-2026-11").digest()
    owner_key = hashlib.md5((b"owner-secret" + PDF_PAD)[:32]).digest()[:5]
    o_entry = rc4(owner_key, (user + PDF_PAD)[:32])
    key = hashlib.md5((user + PDF_PAD)[:32] + o_entry + perms.to_bytes(4, "little", signed=True)
                      + id0).digest()[:5]
    u_entry = rc4(key, PDF_PAD)

    def object_key(number: int) -> bytes:
        return hashlib.md5(key + number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]

    data = rc4(object_key(4), zlib.compress(content) if flate else content)
    info = b""
    if title is not None:
        info = (b"6 0 obj\n<< /Title <" + rc4(object_key(6), title).hex().encode()
                + b"> /Producer <" + rc4(object_key(6), b"Bank Statement Engine").hex().encode()
                + b"> >>\nendobj\n")
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
            b"\nendobj\n4 0 obj\n<< " + (b"/Filter /FlateDecode " if flate else b"")
            + b"/Length " + str(len(data)).encode() + b" >>\nstream\n" + data
            + b"\nendstream\nendobj\n5 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <"
            + o_entry.hex().encode() + b"> /U <" + u_entry.hex().encode() + b"> /P "
            + str(perms).encode() + b" >>\nendobj\n" + info + b"trailer\n<< /Root 1 0 R "
            + (b"/Info 6 0 R " if title is not None else b"") + b"/Encrypt 5 0 R /ID [<"
            + id0.hex().encode() + b"><" + id0.hex().encode() + b">] >>\n%%EOF\n")


STATEMENT = b"BT /F1 10 Tf 72 760 Td (Account holder: ZHANG WEI) Tj 0 -14 Td (Mobile: " \
    + MOBILE.encode() + b") Tj 0 -14 Td (ID: " + ID.encode() + b") Tj ET"


def test_unencrypted_statement_found():
    assert found(pdf(STATEMENT), PDF) == {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (encrypted_pdf(STATEMENT), PDF),
    (encrypted_pdf(STATEMENT), "application/octet-stream"),
    (encrypted_pdf(STATEMENT, flate=False), PDF),
    (encrypted_pdf(b"BT (statement) Tj ET", title=b"e-Statement " + ID.encode()), PDF),
    (j({"file_name": "statement.pdf",
        "file": base64.b64encode(encrypted_pdf(STATEMENT)).decode()}), JSON),
    (multipart([("Content-Disposition: form-data; name=\"doc\"; filename=\"statement.pdf\"\r\n"
                 "Content-Type: application/pdf",
                 encrypted_pdf(STATEMENT).decode("latin-1"))]).encode("latin-1"), MP),
], ids=["flate", "octet-stream", "unfiltered", "encrypted-info-title", "base64-in-json",
        "multipart-upload"])
def test_empty_user_password_pdf_missed(body, content_type):
    result = inspected(body if isinstance(body, bytes) else body.encode(), content_type)
    assert result.error is not None or kinds(result) & {"id", "mobile"}


def encrypted_zip(name: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as f:
        f.writestr(name, b"x" * size)
    data = bytearray(out.getvalue())
    data[6] |= 1  # the encrypted flag, local header and central directory
    data[data.find(b"PK\x01\x02") + 8] |= 1
    start = 30 + len(name)
    data[start:start + size] = hashlib.sha256(b"ciphertext").digest() * (size // 32) \
        + b"\x00" * (size % 32)
    return bytes(data)


def test_encrypted_zip_is_refused():
    result = inspected(encrypted_zip("kyc.csv", 256), ZIP)
    assert result.error is Reason.MALFORMED_PAYLOAD


@pytest.mark.parametrize("password", [b"1234", b"19900307", b"S1234567D"],
                         ids=["pin", "birth-date", "nric"])
def test_password_protected_pdf_forwarded(password):
    result = inspected(encrypted_pdf(STATEMENT, user=password), PDF)
    assert result.error is not None or kinds(result)


# ---------------------------------------------------------------------------------------------
# Astral digits (mathematical bold 𝟏𝟑𝟗, U+1D7CE-) as surrogate pairs outside JSON


def math_bold(value: str) -> str:
    return "".join(chr(0x1D7CE + int(c)) for c in value)


def js_escape_pairs(value: str, zero: int = 0x1D7CE) -> str:
    """JavaScript's escape() of astral characters: %uD835%uDFCF, one pair a digit."""
    out = []
    for c in value:
        cp = zero + int(c) - 0x10000
        out.append(f"%u{0xD800 + (cp >> 10):04X}%u{0xDC00 + (cp & 0x3FF):04X}")
    return "".join(out)


def cesu8(text: str) -> bytes:
    """CESU-8 / Java's modified UTF-8: each UTF-16 surrogate as three bytes of its own."""
    out = bytearray()
    for ch in text:
        cp = ord(ch)
        if cp <= 0xFFFF:
            out += ch.encode()
            continue
        cp -= 0x10000
        for half in (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)):
            out += bytes([0xE0 | half >> 12, 0x80 | (half >> 6) & 0x3F, 0x80 | half & 0x3F])
    return bytes(out)


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"t": math_bold(MOBILE)}), JSON),
    (json.dumps({"t": "ID " + math_bold(ID)}), JSON),
    ("t=" + urllib.parse.quote(math_bold(MOBILE)), FORM),
    ("var t='" + "".join(f"\\u{0xD835:04x}\\u{0xDFCE + int(c):04x}" for c in MOBILE) + "';",
     "application/javascript"),
], ids=["json-utf8", "json-surrogate-escapes", "form-utf8-percent", "js-u-escapes"])
def test_astral_digits_found(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    ("t=" + js_escape_pairs(MOBILE), FORM),
    ("id=" + js_escape_pairs(ID, 0x1D7F6), FORM),
    (j({"t": js_escape_pairs(MOBILE)}), JSON),
    (b'{"t":"' + cesu8(math_bold(MOBILE)) + b'"}', JSON),
    (b"tel " + cesu8(math_bold(MOBILE)), "text/plain"),
    (b"ID " + cesu8(math_bold(ID)), "text/plain; charset=utf-8"),
], ids=["form-pairs", "form-monospace-id", "json-pairs", "cesu8-json", "cesu8-text",
        "cesu8-id"])
def test_astral_digits_as_surrogate_pairs_missed(body, content_type):
    assert found(body, content_type) & {"id", "mobile"}


def test_astral_digits_as_surrogate_pairs_in_query_missed():
    assert line_found("/", "t=" + js_escape_pairs(MOBILE)) & {"mobile"}


# ---------------------------------------------------------------------------------------------
# Japanese corporate numbers and qualified-invoice registration numbers ("T" + 13 digits)


def corporate_number(base12: str) -> str:
    """Japan's 13-digit corporate number: a check digit, 9 - (sum of the base's digits from
    the right weighted 1, 2, 1, 2 ...) mod 9, then the 12-digit base."""
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base12)))
    return str(9 - total % 9) + base12


def corporate_86(after: str) -> str:
    """The first valid corporate number 8-6-<after>-...: it reads as +86 and a mobile."""
    for tail in range(10_000):
        base = "6" + after + f"{tail:04d}"
        number = corporate_number(base[:12])
        if number[0] == "8":
            return number
    raise AssertionError(after)


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"invoice_registration_number": "T" + corporate_86("1391234")}), JSON),
    ("適格請求書発行事業者登録番号：T" + corporate_86("1580000"), "text/plain"),
    (j({"corporate_number": corporate_86("1861234")}), JSON),
    ("法人番号 " + corporate_86("1771234"), "text/plain"),
    (j({"receipt": {"issuer": "株式会社サンプル", "registration": "T" + corporate_86("1391234"),
                    "total": 1980, "tax": 180}}), JSON),
    ("registration_no=T" + corporate_86("1580000") + "&amount=12000", FORM),
], ids=["invoice-json", "invoice-label", "corporate-json", "corporate-label", "receipt-ocr",
        "form"])
def test_japanese_corporate_numbers_false_positive(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize("value", [
    "T" + corporate_number("139123456789"), "T" + corporate_number("580000111122"),
    "T 8-6139-1234-0004", "1391234567890",
], ids=["t-13", "t-58", "grouped-86", "round13-shape"])
def test_other_corporate_numbers_stay_clean(value):
    assert found(j({"invoice_registration_number": value})) == set()


def imei(tac_serial: str) -> str:
    total = 0
    for i, c in enumerate(reversed(tac_serial)):
        n = int(c) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return tac_serial + str((10 - total % 10) % 10)


@pytest.mark.parametrize("value", [
    imei("86139123456789"), imei("86158000011112")[:14],
    "-".join([imei("86770312345678")[:2], imei("86770312345678")[2:8],
              imei("86770312345678")[8:14], imei("86770312345678")[14]]),
    " ".join([imei("86183104567890")[:2], imei("86183104567890")[2:8],
              imei("86183104567890")[8:14], imei("86183104567890")[14]]),
], ids=["unbroken", "without-check", "aa-bbbbbb-cccccc-d", "spaced"])
def test_imeis_of_86_tacs_stay_clean(value):
    # Xiaomi / OPPO / vivo phones sold in Indonesia carry TACs beginning 86
    assert found(j({"imei": value})) == set()
    assert found(j({"device": {"model": "Redmi Note 13", "id": value}})) == set()
    assert found(f"IMEI1: {value}\nIMEI2: 862345678901234", "text/plain") == set()


# ---------------------------------------------------------------------------------------------
# End to end: what the findings do to a Singapore client's request through a real gateway


async def test_e2e_plain_mainland_id_is_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], json_body={"id_number": ID})
    assert (status, reply["region"]) == (200, "cn")


async def test_e2e_adjacent_encoded_words_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(
        xff=ADDR["SG"], json_body={"from": ew("张伟 手机1391") + " " + ew("2345678")})
    assert status != 200 or reply["region"] == "cn"


async def test_e2e_permissions_only_pdf_kept_in_china(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=encrypted_pdf(STATEMENT),
                                     headers={"Content-Type": PDF})
    assert status != 200 or reply["region"] == "cn"


async def test_e2e_japanese_receipt_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(
        xff=ADDR["SG"], json_body={"issuer": "株式会社サンプル",
                                   "registration": "T" + corporate_86("1391234"), "total": 1980})
    assert (status, reply["region"]) == (200, "sg")


async def test_e2e_grpc_web_proto_goes_overseas(make_gateway, backends):
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=frame(SG_MESSAGE),
                                     headers={"Content-Type": "application/grpc-web+proto"})
    assert status == 200, reply
    assert reply["region"] == "sg"
