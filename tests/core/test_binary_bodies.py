"""Binary bodies and binary parts: read as the text runs in them (as `strings` finds them, in
UTF-8, UTF-16/32 and the legacy CJK charsets), not as whole texts in every charset.

Found: a photo uploaded as multipart/form-data (the commonest KYC upload) had its raw framing
read as text in nine charsets with every decoding of each: 60 KB took ~0.4 s, 150 KB of JPEG
data 7 s, and a 288 KB photo was refused as too complex; an opaque 64 KB blob took 3 s and a
150 KB one was refused. The work is measured here as bytes of views produced, not as time."""
from __future__ import annotations

import base64
import datetime as dt
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.inspection import photo
from residency_gateway.core import payload
from residency_gateway.core.payload import (
    InspectOptions,
    _Inspection,
    binary_data,
    binary_texts,
    inspect_body,
)

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"
MOBILE = "13912345678"
FULLWIDTH = {ord(c): 0xFF10 + int(c) for c in "0123456789"}
CONTROLS = bytes(range(1, 9)) * 4  # what makes text binary by the count


def scan(body: bytes, content_type: str = "application/octet-stream"):
    return inspect_body(body, content_type=content_type, key=KEY, today=TODAY,
                        options=InspectOptions())


def produced(body: bytes, content_type: str) -> int:
    work = _Inspection(InspectOptions())
    work.body("body", body, content_type, 0)
    return work.produced + sum(len(v) for _, v in work.views)


def form(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    out = b""
    for name, ctype, data in parts:
        out += (f'--B\r\nContent-Disposition: form-data; name="{name}"'
                + (f'; filename="{name}.bin"\r\nContent-Type: {ctype}' if ctype else "")
                + "\r\n\r\n").encode() + data + b"\r\n"
    return out + b"--B--\r\n", "multipart/form-data; boundary=B"


# -- what binary is --------------------------------------------------------------------------

def test_binary_is_counted_by_control_bytes_not_by_charset():
    assert binary_data(random.Random(3).randbytes(4096))
    assert not binary_data(("身份证 " + ID + "\n\t").encode("gbk") * 50)
    assert not binary_data(("id " + ID).encode("utf-16-le") * 50)  # NULs: UTF-16 text
    assert not binary_data(b"\x1b$B" + "番号".encode("iso-2022-jp") * 50)  # escapes
    assert not binary_data(b"text with one \x01 control byte " * 2)  # fewer than 8


# -- the photo upload and the opaque blob ----------------------------------------------------

@pytest.mark.parametrize("size", [20_000, 150_000, 300_000])
def test_photo_in_a_form_is_inspected_with_work_near_its_size(size):
    body, ctype = form(("image", "image/jpeg", photo(size)), ("id_number", None, ID.encode()))
    found = scan(body, ctype)
    assert found.error is None  # (a 288 KB photo was refused as too complex)
    assert [f.area_jurisdiction for f in found.ids] == ["CN"]
    assert produced(body, ctype) < 2 * len(body)  # (was ~95 views the size of the body)


@pytest.mark.parametrize("size", [16_000, 64_000, 150_000])
def test_opaque_blob_is_inspected_not_refused(size):
    blob = random.Random(size).randbytes(size)
    found = scan(blob)
    assert found.error is None and not found.ids and not found.phones
    assert produced(blob, "application/octet-stream") < 2 * size


def test_random_binary_holds_no_identifier():
    # Random bytes read as UTF-16/32 and the legacy CJK charsets are mostly CJK: no digits,
    # no numerals seven in a row, no false finding.
    for seed in range(40):
        blob = random.Random(seed).randbytes(8192)
        assert not scan(blob).ids and not scan(blob).phones, seed
        assert not scan(blob, "text/plain; charset=gbk").ids, seed


# -- identifiers in binary, in every reading ---------------------------------------------------

def _cases() -> dict[str, bytes]:
    fw = ID.translate(FULLWIDTH)
    return {
        "ascii": b"\x0a\x12" + ID.encode() + CONTROLS,
        "protobuf mobile": b"\x0a\x0b" + MOBILE.encode() + b"\x12\x02ab" + CONTROLS,
        "utf-8 chinese fullwidth": ("身份证" + fw).encode() + CONTROLS,
        "gbk fullwidth": ("身份证" + fw).encode("gbk") + CONTROLS,
        "big5 fullwidth": ("身分證" + fw).encode("big5") + CONTROLS,
        "shift_jis fullwidth": ("番号" + fw).encode("shift_jis") + CONTROLS,
        "gbk numerals": ("身份证" + "一一零一零一一九九零零三零七一二三三").encode("gbk") + CONTROLS,
        "utf-16-le cjk": ("身份证号码" + ID).encode("utf-16-le") + CONTROLS,
        "utf-16-be fullwidth": ("身份证" + fw).encode("utf-16-be") + CONTROLS,
        "utf-16 odd offset": b"\x01" + ("身份证" + fw).encode("utf-16-le") + CONTROLS,
        "utf-32-le": ("身份证" + ID).encode("utf-32-le") + CONTROLS,
        "utf-32-be": ("身份证" + ID).encode("utf-32-be") + CONTROLS,
        "percent-encoded": b"\x01\x02" + "".join(f"%{ord(c):02X}" for c in ID).encode()
                           + CONTROLS,
        "base64": b"\x01\x02" + base64.b64encode(f"idno={ID}".encode()) + CONTROLS,
        "said in words": b"\x01one one zero one zero one one nine nine zero zero three zero "
                         b"seven one two three three\x02" + CONTROLS,
        "pinyin with tones, utf-16": "yāo sān jiǔ yāo èr sān sì wǔ liù qī bā".encode(
            "utf-16-le") + CONTROLS,
    }


@pytest.mark.parametrize("name", list(_cases()))
@pytest.mark.parametrize("where", ["blob", "inside random bytes", "form part"])
def test_identifier_in_binary_is_found(name, where):
    data = _cases()[name]
    if where == "inside random bytes":
        noise = random.Random(5).randbytes(30_000)
        data = noise[:15_000] + b"\x00\x00\x00\x00" + data + b"\x00\x00\x00\x00" + noise[15_000:]
    found = scan(*form(("blob", "application/octet-stream", data))) if where == "form part" \
        else scan(data)
    assert found.ids or any(p.jurisdiction == "CN" for p in found.phones), (name, where)


def test_declared_charsets_are_read_in_binary():
    ebcdic = ("ID " + ID + "\n").encode("cp037") * 3  # its line end is a C0 control
    assert scan(ebcdic, "text/plain; charset=cp037").ids
    assert scan(ebcdic, "text/plain; charset=IBM1047").ids  # a name Python lacks
    utf16 = ("身份证号码 " + ID).encode("utf-16-le") + CONTROLS
    assert scan(utf16, "text/plain; charset=utf-16le").ids


def test_part_smuggled_inside_a_photo_is_read_by_the_raw_framing():
    # A receiver whose parser takes a bare LF before the boundary sees a field inside what
    # this one reads as the photo's bytes: the raw framing's text runs still hold it.
    inner = b"\n--B\nContent-Disposition: form-data; name=\"id\"\n\n" + ID.encode() + b"\n"
    data = photo(40_000)
    body, ctype = form(("image", "image/jpeg", data[:20_000] + inner + data[20_000:]))
    assert scan(body, ctype).ids


def test_binary_texts_of_text_free_bytes_are_small():
    blob = random.Random(9).randbytes(100_000)
    assert sum(len(t) for t in binary_texts(blob)) < len(blob) // 4


# -- the merged runs of a UTF-8 reading start only where eight characters hold no U+FFFD -----

_CTL_SAMPLE = "\x01\x02\x07\x1b"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab é" + _CTL_SAMPLE + "\ufffd", max_size=60))
def test_merged_runs_are_those_of_the_rule_without_the_lookahead(text):
    """The lookahead only rules out short runs: the runs of eight characters or more are
    the ones the rule without it finds."""
    ctl = payload._CONTROL_CHARS.pattern[1:-1]
    plain = re.compile(f"[^{ctl}\ufffd]+(?:[{ctl}]{{1,2}}[^{ctl}\ufffd]+)*")
    assert [r for r in payload._MERGED_RUNS.findall(text) if len(r) >= 8] == \
        [r for r in plain.findall(text) if len(r) >= 8]
