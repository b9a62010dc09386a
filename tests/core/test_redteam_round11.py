"""Red team round 11: told mobiles (round 10's _told_mobile), PDF content streams and office XML
text runs, compressed formats.

False positives fixed: a masked mobile beside a number that is no part of it (an SMS's
verification code, a year, an amount, an order number) was read with that number as its hidden
digits; numbers counted or labelled after a phone word ("Call 139 ways, then 1234 items") were
read as a told mobile; numbers in separate cells of an office table, joined a line apart, were
read as one (the digit rules read over line ends); PDF strings in separate table columns were
joined with nothing between them.

Misses fixed: a PDF filter name with #xx escapes (/ASCII#48exDecode), a Flate stream with a PNG
predictor (/DecodeParms), octal escapes and the ' operator in shown strings; a Word revision
(deleted text between two halves), a field code split over runs (w:instrText), a spreadsheet's
inline strings; a mask after four to seven digits (1391***5678).

Strict xfails: what is still missed or still read, with the reason a fix is not made here.
"""

from __future__ import annotations

import io
import json
import lzma
import zipfile
import zlib

import pytest

from residency_gateway.core.payload import (
    MAX_PDF_PREDICTED,
    _pdf_shown_text,
    inspect_body,
    office_text,
)
from tests.core.test_documents_round10 import kerned, pdf
from tests.core.test_redteam_round6 import KEY, TODAY, found

MOBILE = "13912345678"
A, B, C = MOBILE[:3], MOBILE[3:7], MOBILE[7:]
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def j(text: str) -> str:
    return json.dumps({"t": text}, ensure_ascii=False)


def zipped(members: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


# -- told mobiles: false positives ----------------------------------------------------------

@pytest.mark.parametrize("text", [
    f"您的手机{A}****{C}，验证码 4821",  # an SMS: the code is no hidden digits
    f"手机：{A}****{C}，验证码为4821，5分钟内有效",
    f"Your phone {A}****{C} was verified. Code: 4821",
    f"手机 {A}****{C} 于 2024 年注册",  # a year
    f"手机尾号{A}****{C}，消费¥1234",  # an amount
    f"mobile {A}****{C}, order 1234 shipped",  # an order number
    "Call 139 ways, then 1234 items and 5678 left",
    "Call center stats: 139 calls, then 1234 minutes, then 5678 seconds",
    "Contact number of units: 139, total 1234, pending 5678",
    "order number 139 qty 1234 sku 5678",
    "电话会议 139 人参加，1234 条消息，5678 次浏览",
    "phone bill: 139 then $1234 then 5678",
    "Interest due 4821. Phone 139****5678",  # labels are whole words ("rest")
    "Phone 139****5678, arrest record 4821",
    "midnight 2359 call 139****5678",
    "mobile 139****5678 (mid-2024)",
    "手机 139****5678 登录，中间件版本 1234",  # middleware, not the middle
    "联系我们：办公室139室，邮编1234，传真5678",  # a room, labels between
    "手机型号139，库存1234，销量5678",  # Chinese labels: stock, sales
])
def test_counts_codes_and_amounts_are_no_told_parts(text):
    assert found(j(text)) == set(), text
    assert found(text, "text/plain") == set(), text


@pytest.mark.parametrize("text", [
    f"手机：{A}****{C}，中间四位是{B}",  # (round 10's, kept)
    f"tel {A}****{C} - hidden ones are {B}",
    f"tel {A}****{C}, the stars are {B}",
    f"手机{A}****{C}，星号是{B}",
    f"手机号{A}****{C}，打码部分{B}",
    f"手机：{A}{B[0]}***{C}，中间三位是{B[1:]}",  # a mask after four digits
    f"my cell is {A}, {B} and finally {C}",
    f"my cell is {A}, then comes {B}, and lastly {C}",
    f"text me: {A}, next four {B}, final four {C}",
    f"my number is {A} and then {B} and {C} thanks",
    f"phone: {A} (first three) {B} (middle four) {C} (last four)",
    f"手机号{A}，后边是{B}，最后是{C}",
    f"手机{A}****{C} (****={B})",
    f"phone {A}xxxx{C}, xxxx: {B}",
    f"手机{A}打头，接着{B}，然后{C}",
    f"手機號碼{A}，中間{B}，尾號{C}",
    f"我的电话{A}，第二段{B}，第三段{C}",
    f"手机号码：{A}，再加上{B}，剩下的是{C}",
    f"电话号码前三位{A}，中间四位{B}，后四位{C}",
])
def test_told_mobiles_still_read(text):
    assert "mobile" in found(j(text)), text


@pytest.mark.parametrize("record", [
    {"mobile": "139****5678", "code": "4821"},  # a login: the masked phone and its SMS code
    {"masked_phone": "139****5678", "sms_code": "4821"},
    {"user": "a", "mobile": "139****5678", "verify": "4821"},
    {"mobile": "139****5678", "n": 4821},
    {"mobile": "139###5678", "pin": "482"},
])
def test_a_mask_is_no_field_boundary(record):
    """The field-gluing reading took a mask for a boundary ("139 5678") and glued the next
    number field to it: 1395678 + 4821 made a mobile."""
    assert found(json.dumps(record)) == set(), record


def test_told_across_fields_with_generic_keys():
    record = {"t1": f"my phone is {A}", "t2": f"then {B}", "t3": f"then {C}"}
    assert "mobile" in found(json.dumps(record))
    record = {"mobile_masked": f"{A}****{C}", "mobile_middle4": B}
    assert "mobile" in found(json.dumps(record))


@pytest.mark.xfail(strict=True, reason="FALSE POSITIVE (pre-existing, field gluing, not "
                   "_told_mobile): number fields named for themselves are glued with a form "
                   "feed, which the mobile rules read as a space: {'phone_count': 139, 'total':"
                   " 1234, 'pending': 5678} is read 139 1234 5678. Changing how named fields "
                   "part a mobile touches every structure reading: left to a round of its own")
def test_named_number_fields_read_as_a_mobile():
    assert found(json.dumps({"phone_count": 139, "total": 1234, "pending": 5678})) == set()


# -- told mobiles: still missed ---------------------------------------------------------------

# Fixed after round 24 (structure_parts.labelled_parts): parts labelled first/middle/last after a phone word.
def test_parts_told_out_of_order():
    assert "mobile" in found(j(f"my phone: last four {C}, first three {A}, middle {B}"))


# Missed before: a part in Chinese numerals among digit parts (fixed: runs of three, four,
# seven or eight numerals are digits to the told-mobile reading; see test_xfail_fixes.py).
def test_a_part_in_numerals():
    assert "mobile" in found(j(f"手机号一三九，中间{B}，尾号{C}"))


# Missed before: the phone word after the parts (fixed: looked for after a first part with no
# phone word before it, kept with a copula between; see test_xfail_fixes.py).
def test_phone_word_after_the_parts():
    assert "mobile" in found(j(f"{A} then {B} then {C} is my mobile"))


# Fixed after round 24 (structure_parts.masked_merged): an ellipsis between three and four digits read as the four-character mask.
def test_an_ellipsis_mask():
    assert "mobile" in found(j(f"手机：{A}…{C}，中间四位是{B}"))


# Fixed after round 24 (structure_parts.masked_merged): two masked copies merged place by place.
def test_two_masked_copies():
    assert "mobile" in found(j(f"手机 {A}****{C} 另一处 {A}{B}****"))


# -- PDF --------------------------------------------------------------------------------------

def test_pdf_filter_names_with_escapes():
    body = pdf(kerned(MOBILE).hex().encode() + b">", "/ASCII#48exDecode")
    assert "mobile" in found(body, PDF)
    body = pdf(zlib.compress(kerned(MOBILE)), "/#46l#61teDecode")
    assert "mobile" in found(body, PDF)


def test_pdf_stream_keyword_with_a_lone_cr():
    body = (b"%PDF-1.4\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\r"
            + zlib.compress(kerned(MOBILE)) + b"\nendstream\nendobj\n%%EOF\n")
    assert "mobile" in found(body, PDF)


def test_pdf_dictionary_padded_past_2_kb():
    head = b"<< /Filter /ASCIIHexDecode /Pad (" + b"x" * 3000 + b") >>"
    body = pdf(b"", "").replace(b"<< /Length 0 >>\nstream\n", head + b"\nstream\n"
                                + kerned(MOBILE).hex().encode() + b">")
    assert "mobile" in found(body, PDF)


def png_predicted(raw: bytes, columns: int, kind: int) -> bytes:
    out, prior = bytearray(), bytes(columns)
    for i in range(0, len(raw), columns):
        row = raw[i:i + columns].ljust(columns, b" ")
        if kind == 2:
            out += b"\x02" + bytes((row[k] - prior[k]) % 256 for k in range(columns))
        elif kind == 1:
            out += b"\x01" + bytes((row[k] - (row[k - 1] if k else 0)) % 256
                                   for k in range(columns))
        else:
            out += b"\x00" + row
        prior = row
    return bytes(out)


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_pdf_flate_with_a_png_predictor(kind):
    content = png_predicted(kerned(MOBILE), 4, kind)
    body = pdf(zlib.compress(content),
               "/FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>")
    assert "mobile" in found(body, PDF)


def test_pdf_image_predictor_left_alone():
    body = pdf(zlib.compress(png_predicted(b"\x10" * 4000, 40, 2)),
               "/FlateDecode /Subtype /Image /DecodeParms << /Predictor 15 /Columns 40 >>")
    assert found(body, PDF) == set()


def test_pdf_strings_octal_escapes_and_lines():
    assert _pdf_shown_text(rb"BT (\061\0639\n\\) Tj ET") == "139\n\\"
    assert _pdf_shown_text(b"BT 72 700 Td (a) Tj (b) ' [(c) -3000 (d) -20 (e)] TJ ET") \
        == "a\nbc de"  # (b shown by ' on the next line, c after it; d an em on)


@pytest.mark.parametrize("content", [
    b"BT /F1 12 Tf 72 712 Td [(1) -15 (3) -15 (9)] TJ ET",  # kerned
    b"BT /F1 12 Tf (1) Tj 6 0 Td (3) Tj 6 0 Td (9) Tj ET",  # glyphs placed one by one
    b"BT 1 0 0 1 72 700 Tm (1) Tj 1 0 0 1 78 700 Tm (3) Tj 1 0 0 1 84 700 Tm (9) Tj ET",
])
def test_pdf_glyphs_placed_together_are_one_text(content):
    assert _pdf_shown_text(content) == "139"


def test_pdf_table_columns_stay_apart():
    content = (b"BT /F1 10 Tf 72 700 Td (Qty) Tj 100 0 Td (1) Tj 100 0 Td (39) Tj "
               b"100 0 Td (12345678) Tj ET")
    assert _pdf_shown_text(content) == "Qty 1 39 12345678"
    assert found(pdf(content), PDF) == set()


# -- office documents -------------------------------------------------------------------------

def test_word_revision_deleted_text_between_halves():
    xml = (f"<w:document><w:body><w:p><w:r><w:t>{MOBILE[:5]}</w:t></w:r><w:del><w:r>"
           f"<w:delText>999</w:delText></w:r></w:del><w:ins><w:r><w:t>{MOBILE[5:]}</w:t>"
           f"</w:r></w:ins></w:p></w:body></w:document>")
    assert "mobile" in found(zipped({"word/document.xml": xml}), DOCX)


def test_word_field_code_split_over_runs():
    xml = (f'<w:document><w:body><w:p><w:r><w:instrText> HYPERLINK "tel:{MOBILE[:5]}'
           f'</w:instrText></w:r><w:r><w:instrText>{MOBILE[5:]}"</w:instrText></w:r></w:p>'
           f"</w:body></w:document>")
    assert "mobile" in found(zipped({"word/document.xml": xml}), DOCX)


def test_spreadsheet_inline_string_runs():
    xml = (f'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><r><t>{MOBILE[:5]}'
           f"</t></r><r><t>{MOBILE[5:]}</t></r></is></c></row></sheetData></worksheet>")
    assert "mobile" in found(zipped({"xl/worksheets/sheet1.xml": xml}), XLSX)


@pytest.mark.parametrize(("name", "xml"), [
    ("word/document.xml", "<w:document><w:body><w:tbl><w:tr>" + "".join(
        f"<w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc>" for n in (A, B, C))
     + "</w:tr></w:tbl></w:body></w:document>"),
    ("ppt/slides/slide1.xml", "<a:tbl><a:tr>" + "".join(
        f"<a:tc><a:txBody><a:p><a:r><a:t>{n}</a:t></a:r></a:p></a:txBody></a:tc>"
        for n in (A, MOBILE[3:])) + "</a:tr></a:tbl>"),
    ("content.xml", "<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p>'
        f"</table:table-cell>" for n in (A, MOBILE[3:])) + "</table:table-row>"),
    ("xl/worksheets/sheet1.xml", '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
     f'{A}</t></is></c><c r="B1" t="inlineStr"><is><t>{MOBILE[3:]}</t></is></c></row>'
     "</sheetData>"),
])
def test_numbers_in_cells_of_a_row_stay_apart(name, xml):
    assert found(zipped({name: xml}), "application/zip") == set()


def test_office_text_parts_cells():
    assert office_text(b"<w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
                       b"<w:t>b</w:t></w:r></w:p></w:tc>") == "a\n |\nb\n |\n"


@pytest.mark.xfail(strict=True, reason="FALSE POSITIVE (policy): numbers in PDF table columns "
                   "or apart by a tab in a Word paragraph read as a mobile ('139', '1234', "
                   "'5678'): the same text typed with spaces or tabs is read so on purpose "
                   "(a mobile is often written 139 1234 5678); a PDF has no cells to tell a "
                   "table from a spaced number")
def test_numbers_in_pdf_columns():
    content = b"BT 72 700 Td (139) Tj 200 0 Td (1234) Tj 200 0 Td (5678) Tj ET"
    assert found(pdf(content), PDF) == set()


# -- compressed -------------------------------------------------------------------------------

def test_xz_and_lzma_inside_zip():
    body = zipped({"a.xz": lzma.compress(f"tel {MOBILE}".encode()),
                   "b.lzma": lzma.compress(f"tel {MOBILE}".encode(), format=lzma.FORMAT_ALONE)})
    assert "mobile" in found(body, "application/zip")


@pytest.mark.xfail(strict=True, reason="MISS (out of scope): a raw LZMA1 stream with no "
                   "header (no properties, no magic) cannot be sniffed from random bytes")
def test_raw_lzma_without_header():
    body = lzma.compress(f"tel {MOBILE}".encode(), format=lzma.FORMAT_RAW,
                         filters=[{"id": lzma.FILTER_LZMA1}])
    assert "mobile" in found(body, "application/octet-stream")


def test_pdf_predicted_bytes_bounded():
    """Undoing a predictor is a Python loop per byte: past MAX_PDF_PREDICTED bytes in all a PDF
    is refused, not read for seconds."""
    stream = zlib.compress(png_predicted(b"x" * 64_000, 100, 2))
    body = b"%PDF-1.4\n" + b"".join(
        b"%d 0 obj\n<< /Length %d /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns"
        b" 100 >> >>\nstream\n%s\nendstream\nendobj\n" % (n, len(stream), stream)
        for n in range(MAX_PDF_PREDICTED // 64_000 + 2))
    r = inspect_body(body, content_type=PDF, key=KEY, today=TODAY)
    assert r.error is not None and "predicted" in (r.note or "")
