"""Documents as a reader shows them (round 10): PDF content streams with no filter or with
ASCII85, ASCIIHex and RunLength filters (alone or before Flate), and the text runs of office
XML (Word, PowerPoint, Excel shared strings, ODF), which are one text within a paragraph however
the runs split it (spell-check, formatting, revisions). Before, an ID in a kerned TJ array of
an uncompressed stream, or split over two Word runs, reached SG."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib

import pytest

from residency_gateway.core.payload import _run_length, office_text
from tests.core.test_redteam_encodings import ID, found

MOBILE = "13912345678"


def pdf(content: bytes, filters: str = "") -> bytes:
    head = f"<< /Length {len(content)}{' /Filter ' + filters if filters else ''} >>".encode()
    return (b"%PDF-1.4\n1 0 obj\n" + head + b"\nstream\n" + content
            + b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def kerned(value: str) -> bytes:
    return ("BT /F1 12 Tf 72 712 Td [" + " ".join(f"({c}) -15" for c in value)
            + "] TJ ET").encode()


def packbits(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 100):
        chunk = data[i:i + 100]
        out += bytes([len(chunk) - 1]) + chunk
    return bytes(out) + b"\x80"


def ascii_hex(data: bytes) -> bytes:
    return data.hex().encode() + b">"


def ascii85(data: bytes) -> bytes:
    return base64.a85encode(data, wrapcol=60) + b"~>"


@pytest.mark.parametrize(("encode", "filters"), [
    (lambda c: c, ""),
    (zlib.compress, "/FlateDecode"),
    (lambda c: ascii85(zlib.compress(c)), "[/ASCII85Decode /FlateDecode]"),
    (lambda c: ascii_hex(zlib.compress(c)), "[/AHx /Fl]"),
    (ascii85, "/ASCII85Decode"),
    (ascii_hex, "/ASCIIHexDecode"),
    (packbits, "/RunLengthDecode"),
], ids=["none", "flate", "a85+flate", "ahx+fl", "a85", "ahx", "runlength"])
@pytest.mark.parametrize("value", [ID, MOBILE])
def test_pdf_streams_through_their_filters(encode, filters, value):
    body = pdf(encode(kerned(value)), filters)
    assert ("id" if value == ID else "mobile") in found(body, "application/pdf")


def test_a_pdf_stream_with_a_filter_not_read_is_skipped_not_an_error():
    body = pdf(b"\x80\x0b\x60\x50\x22", "/LZWDecode")
    assert found(body, "application/pdf") == set()


def test_run_length_bounded():
    out = _run_length(b"\x81a" * 10_000, 1000)  # (past the limit: refused by the caller)
    assert 1000 < len(out) <= 1000 + 128 and set(out) == {ord("a")}
    assert _run_length(b"\x02abc\x80zzz", 100) == b"abc"


def zipped(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


def word_runs(value: str, cut: int) -> str:
    return ('<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>' + value[:cut]
            + '</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/><w:lang w:val='
            '"zh-CN"/></w:rPr><w:t xml:space="preserve">' + value[cut:]
            + "</w:t></w:r></w:p></w:body></w:document>")


@pytest.mark.parametrize("cut", [1, 5, 9, 13, 17])
def test_word_runs_split_anywhere(cut):
    assert "id" in found(zipped({"word/document.xml": word_runs(ID, cut)}), "application/"
                         "vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "id" in found(word_runs(ID, cut).encode(), "application/xml")  # Flat OPC, WordML


def test_powerpoint_excel_and_odf_runs():
    slide = f"<p:sld><a:p><a:r><a:t>{MOBILE[:4]}</a:t></a:r><a:r><a:rPr b=\"1\"/>" \
            f"<a:t>{MOBILE[4:]}</a:t></a:r></a:p></p:sld>"
    assert "mobile" in found(zipped({"ppt/slides/slide1.xml": slide}), "application/zip")
    shared = f"<sst><si><r><t>{ID[:10]}</t></r><r><rPr><b/></rPr><t>{ID[10:]}</t></r></si></sst>"
    assert "id" in found(zipped({"xl/sharedStrings.xml": shared}), "application/zip")
    odf = f"<office:text><text:p>{ID[:7]}<text:span text:style-name=\"T1\">{ID[7:]}" \
          f"</text:span></text:p></office:text>"
    assert "id" in found(zipped({"content.xml": odf}), "application/vnd.oasis.opendocument.text")


def test_office_text_keeps_paragraphs_cells_and_entities():
    xml = (b"<w:p><w:r><w:t>a&amp;b</w:t></w:r><w:r><w:tab/><w:t>c</w:t></w:r></w:p>"
           b"<w:p><w:r><w:t>d</w:t><w:br/><w:t>e</w:t></w:r></w:p>")
    assert office_text(xml) == "a&b\tc\nd\ne\n"


def test_numbers_in_separate_cells_of_a_table_stay_apart():
    cells = "".join(f"<w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc>"
                    for n in ("Qty", "162", "Price", "9461", "Total", "7894"))
    assert found(f"<w:tbl><w:tr>{cells}</w:tr></w:tbl>".encode(), "application/xml") == set()
