"""Round 22 fixes (fx22-text): an ID in pieces (lists of piece objects, [key, time] pairs,
Server-Sent Events), HTML a browser does not show, base32 of UTF-8 text, base32hex and
uuencode, RTF's backslash before a line end and RTF documents of many groups."""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time

import pytest

from residency_gateway.core import payload
from residency_gateway.core.payload import inspect_body, rtf_shown_text, rtf_text
from tests.core.test_redteam_round19 import ID, MOBILE
from tests.core.test_redteam_round22 import (
    FIRST_GENERATION,
    HTML,
    JSON,
    KEY,
    OPTIONS,
    RTF,
    TEXT,
    TODAY,
    kinds,
)

SSE = "text/event-stream"
GROUPS = ["110101", "19900307", "1233"]
QUADS = ["1101", "0119", "9003", "0712", "33"]
MOBILE_PARTS = ["139", "1234", "5678"]


def scan(body: bytes | str, content_type: str = JSON):
    if isinstance(body, str):
        body = body.encode()
    return inspect_body(body, content_type=content_type, content_encoding="", key=KEY,
                        today=TODAY, options=OPTIONS)


def found(body: bytes | str, content_type: str = JSON) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def bounded(body: bytes | str, content_type: str, seconds: float) -> set[str]:
    start = time.process_time()
    result = scan(body, content_type)
    assert time.process_time() - start < seconds
    assert result.error is None or result.error.name.startswith("PAYLOAD_TOO"), result.note
    return kinds(result) if result.error is None else set()


# ---------------------------------------------------------------------------------------------
# An ID in pieces


def sse(*pieces: str, crlf: bool = False, space: bool = True) -> str:
    end = "\r\n" if crlf else "\n"
    return "".join(f"event: delta{end}id: {n}{end}data:{' ' if space else ''}{p}{end}{end}"
                   for n, p in enumerate(pieces))


@pytest.mark.parametrize(("body", "content_type"), [
    (j([{"text": p} for p in GROUPS]), JSON),
    (j([{"token": p, "logprob": -0.1 * n} for n, p in enumerate(QUADS)]), JSON),
    (j({"chunks": [{"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": p}} for p in QUADS]}), JSON),
    (j([{"choices": [{"index": 0, "delta": {"content": p}}]} for p in ["ID: ", *GROUPS]]),
     JSON),
    (j({"events": [{"type": t, "key": c} for c in ID for t in ("keydown", "keyup")]}), JSON),
    (j({"input": [{"inputType": "insertText", "data": c} for c in ID]}), JSON),
    (j({"k": [[1733023557 + i, c] for i, c in enumerate(ID)]}), JSON),
    (j({"digits": [{"d": int(c)} for c in ID[:-1]] + [{"d": ID[-1]}]}), JSON),
    (sse(*GROUPS), SSE),
    (sse(*QUADS, crlf=True, space=False), SSE),
    (sse(*(j({"delta": {"content": p}}) for p in QUADS)), SSE),
    ("data: 110101\ndata: 19900307\ndata: 1233\n\n", "text/plain"),
], ids=["text-objects", "token-objects", "content-block-deltas", "chat-choices",
        "keydown-keyup", "input-events", "time-key-pairs", "digit-numbers", "sse-events",
        "sse-crlf-no-space", "sse-json-deltas", "sse-as-text-plain"])
def test_id_in_pieces_found(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j([{"delta": {"content": p}} for p in MOBILE_PARTS]), JSON),
    (j({"keys": [{"key": c, "ts": 1000 + i} for i, c in enumerate(MOBILE)]}), JSON),
    (sse(*MOBILE_PARTS), SSE),
], ids=["deltas", "keys", "sse"])
def test_mobile_in_pieces_found(body, content_type):
    assert found(body, content_type) == {"mobile"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j([{"delta": {"content": p}} for p in ["Order ", "1391", " shipped, ref ", "2345678"]]),
     JSON),
    (j({"landmarks": [{"x": 110 + i, "y": 190 + i} for i in range(68)]}), JSON),
    (j([{"id": "chatcmpl-1", "object": "chunk", "n": 1}] * 10), JSON),
    (j({"events": [{"key": c, "t": 1733023557000 + i} for i, c in enumerate("2024-03-07")]}),
     JSON),
    (sse("Qty ", "1391", "\n", "Ref ", "2345678"), SSE),
], ids=["words-between", "landmarks", "identical-chunks", "typed-date", "sse-words"])
def test_pieces_look_alikes_stay_clean(body, content_type):
    assert found(body, content_type) == set()


def test_record_lists_stay_clean():
    rng = random.Random(22)
    hits = 0
    for _ in range(200):
        rows = [{"code": str(rng.randrange(10 ** rng.randint(2, 8))), "city": "SG",
                 "qty": rng.randrange(10)} for _ in range(rng.randint(3, 6))]
        hits += bool(found(j(rows)))
    assert hits <= 2


@pytest.mark.parametrize(("body", "content_type"), [
    (j([[str(i % 10), i] for i in range(100_000)]), JSON),
    (j([{"id": str(i), "name": f"user{i}", "k": i % 10, "tags": ["a", "b"]}
        for i in range(20_000)]), JSON),
    (j([{"k" + str(n): str(n) for n in range(2000)} for _ in range(50)]), JSON),
    ("data: x\n\n" * 50_000, SSE),
    ("".join("data: " + j({"delta": {"content": str(i % 10)}}) + "\n\n"
             for i in range(20_000)), SSE),
], ids=["pairs-100k", "records-20k", "wide-objects", "sse-50k", "sse-json-20k"])
def test_pieces_bounded(body, content_type):
    bounded(body, content_type, 6.0)


# ---------------------------------------------------------------------------------------------
# HTML a browser does not show


@pytest.mark.parametrize("decoy", [
    '<span hidden="hidden">5</span>',
    "<SPAN HIDDEN>5</SPAN>",
    '<span style="visibility: hidden">5</span>',
    "<span style='font-size: 0px'>5</span>",
    '<span style="color:red;font-size:0;">5</span>',
    '<span style="opacity:0">5</span>',
    '<span style="DISPLAY : NONE">5</span>',
    '<span class="x hidden">5</span>',
    '<span class="d-none">5</span>',
    '<span class="sr-only">5</span>',
    "<template><b>5</b></template>",
    "<SCRIPT type='text/javascript'>var a = 5;</SCRIPT>",
    "<noscript><i>5</i></noscript>",
    "<style>p{margin:0}</style>",
], ids=["hidden-value", "hidden-upper", "visibility-space", "font-size-0px",
        "font-size-in-list", "opacity", "display-spaced-upper", "class-hidden", "d-none",
        "sr-only", "template-nested", "script-upper", "noscript-nested", "style-element"])
def test_hidden_html_decoys_found(decoy):
    assert found(f"<p>ID 1101011990{decoy}03071233</p>", HTML) == {"id"}


@pytest.mark.parametrize("style", [
    ".a, .h {display: none}", "span.h{visibility:hidden}", ".h { font-size: 0 }",
    "#h{display:none}",
])
def test_hiding_style_rules_found(style):
    decoy = '<span id="h">5</span>' if style.startswith("#") else '<span class="h">5</span>'
    body = f"<html><head><style>{style}</style></head><body><p>ID 1101011990{decoy}03071233"
    assert found(body + "</p></body></html>", HTML) == {"id"}


@pytest.mark.parametrize("decoy", [
    '<span aria-hidden="true">5</span>',
    '<span style="font-size:0.8em">5</span>',
    '<span style="opacity:0.5">5</span>',
    '<span style="visibility:visible">5</span>',
    '<span class="hidden-xs">5</span>',
    '<span title="hidden">5</span>',
    '<span class="h">5</span>',  # (no rule hides it)
], ids=["aria-hidden", "font-size-small", "opacity-half", "visible", "hidden-xs", "title",
        "unstyled-class"])
def test_shown_html_digits_stay(decoy):
    # (a digit a browser shows: 19 digits, no ID)
    assert found(f"<p>ID 1101011990{decoy}03071233</p>", HTML) == set()


def test_id_inside_hidden_element_still_found():
    assert found(f'<p>x<span hidden>{ID}</span></p>', HTML) == {"id"}
    assert found(f"<script>var id = '{ID}';</script>", HTML) == {"id"}


@pytest.mark.parametrize("body", [
    "<script>" * 20_000 + "1",
    "<p><span hidden>1</span>2</p>" * 20_000,
    "<style>" + ".a{display:none}" * 20_000 + "</style>" + '<b class="a">1</b>' * 20_000,
    "<template>" + "x" * 100 + "</template>1" * 20_000,
], ids=["unclosed-scripts", "hidden-spans", "many-rules", "templates"])
def test_hidden_html_bounded(body):
    bounded(body, HTML, 3.0)


# ---------------------------------------------------------------------------------------------
# Binary-to-text encodings


def uu(data: bytes, backtick: bool = False) -> str:
    return "".join(binascii.b2a_uu(data[i:i + 45], backtick=backtick).decode()
                   for i in range(0, len(data), 45))


TEXT_ZH = ("姓名 张伟 身份证 " + ID).encode()


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"doc": base64.b32encode(TEXT_ZH).decode().rstrip("=")}), JSON),
    (j({"doc": base64.b32encode(TEXT_ZH).decode().lower()}), JSON),
    (j({"doc": base64.b32hexencode(("身份证 " + ID).encode()).decode()}), JSON),
    (j({"doc": base64.b32hexencode(("idcard: " + ID).encode()).decode().rstrip("=")}), JSON),
    ("id=" + base64.b32hexencode(("idcard " + ID).encode()).decode().rstrip("="),
     "application/x-www-form-urlencoded"),
    (j({"doc": uu(("ID " + ID).encode(), backtick=True)}), JSON),
    (j({"doc": uu(("Name: Zhang Wei, address: Beijing Dongcheng, ID " + ID).encode())}),
     JSON),
    (j({"doc": uu(TEXT_ZH).replace("\n", "\r\n")}), JSON),
    ("begin 644 kyc.txt\n" + uu(("x" * 40 + " ID " + ID + " end").encode()) + "`\nend\n",
     TEXT),
    ("From: a@example.com\r\n\r\nbegin 600 a.txt\r\n" + uu(TEXT_ZH).replace("\n", "\r\n")
     + "`\r\nend\r\n", "message/rfc822"),
], ids=["base32-zh-unpadded", "base32-zh-lower", "base32hex-zh", "base32hex-unpadded",
        "base32hex-form", "uu-backtick", "uu-two-lines", "uu-crlf", "uu-block-text",
        "uu-block-mail-crlf"])
def test_other_encodings_found(body, content_type):
    assert found(body, content_type) == {"id"}


def test_random_encoded_tokens_stay_clean():
    rng = random.Random(2222)
    for _ in range(300):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(11, 60)))
        for value in (base64.b32encode(raw).decode(), base64.b32hexencode(raw).decode(),
                      uu(raw)):
            assert found(j({"v": value})) == set(), value


@pytest.mark.parametrize("body", [
    "".join(f"{n},{n * 7 % 1000},{n * 13 % 10000}\n" for n in range(2000)),
    "ORDER 1391 QTY 5\nREF 2345678 \"\n" * 100,
    '{"v": "ABCDEFGHIJKLMNOPQRSTUV0123456789"}',
], ids=["csv-lines", "upper-lines", "base32hex-alphabet"])
def test_encoding_look_alikes_stay_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "begin 644 a\n" + "M" + "1" * 60 + "\n" * 1 + ("5" + "A" * 28 + "\n") * 50_000,
    '"\n' + ("+" + "!" * 16 + "\n") * 50_000,
    j({"v": [base64.b32hexencode(b"x" * 20).decode()] * 20_000}),
], ids=["uu-lines", "uu-shaped-lines", "base32hex-tokens"])
def test_encodings_bounded(body):
    bounded(body, TEXT, 4.0)


# ---------------------------------------------------------------------------------------------
# RTF


def rtf(text: str) -> str:
    return "{\\rtf1\\ansi\\ansicpg1252\\deff0 " + text + "}"


@pytest.mark.parametrize("body", [
    rtf("1391\\\n2345678"),
    rtf("Kode 1391\\\r\n2345678"),
    rtf("Ref: 1391\\\r2345678"),
    rtf("No.\\tab 1391\\\n\\\n2345678"),
    rtf("{\\b 1391\\\n}2345678"),
], ids=["lf", "crlf", "cr", "twice", "in-group"])
def test_rtf_backslash_line_end_keeps_numbers_apart(body):
    assert found(body, RTF) == set()


@pytest.mark.parametrize(("body", "kind"), [
    (rtf("Tel: 139{\\b 1234}5678"), "mobile"),
    (rtf("Tel: 139\n12345678"), "mobile"),
    (rtf("Tel: 139\\\\\n12345678\\par"), "mobile"),
    (rtf("{1}" * 3000 + " ID {110101}{19900307}{1233}"), "id"),
    (rtf("{\\b 1}" * 3000 + " ID {\\b 1101011990}{\\i 03071233}"), "id"),
    (rtf("{\\v 5}" * 3000 + " ID 1101011990{\\v 5}03071233"), "id"),
    (rtf("{1}" * 3000 + f" ID \\u49?{ID[1:]}"), "id"),
    (rtf("{\\*\\bkmkstart a}" * 2500 + f"NIK\\tab {ID}\\par"), "id"),
], ids=["group", "source-wrap", "escaped-backslash", "many-groups", "many-bold",
        "many-hidden", "many-unicode", "many-bookmarks"])
def test_rtf_numbers_found(body, kind):
    assert kind in found(body, RTF)


def test_continuation_outside_rtf_still_joins():
    # (a string's line continuation in a JSON or text body is still nothing)
    assert found(j({"tel": "1391\\\n2345678"}), TEXT) == {"mobile"}


def _rtf_text_one_pass(text: str) -> str:
    """rtf_text's control words as round 21 removed them: one pass, a Python step each."""
    def control(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return payload._RTF_BREAKS.get(m.group(1), "")
        return "\n" if m.group(2) in ("\n", "\r") else ("\t" if m.group(2) == "\t" else "")
    return payload._RTF_CONTROL.sub(control, text)


def test_rtf_fast_paths_read_as_before(monkeypatch):
    atoms = ["{", "}", "{1}", "{\\b 1}", "{\\b1 23}", "{\\f0\\fs24 x}", "{}", "\\par ",
             "\\pard ", "\\tab", "\\\\", "\\\n", "\\\r\n", "\\\t", "\\b ", "\\b", "1", " ",
             "\n", "\\*", "\\v ", "\\v0 ", "\\fonttbl ", "\\fldinst ", "\\~",
             "\\cell", "\\line1 ", "\\up3 ", "\\plain ", "\\parx ", "\\tab-2 "]
    rng = random.Random(22)
    texts = ["{\\rtf1 " + "".join(rng.choice(atoms) for _ in range(rng.randint(1, 20))) + "}"
             for _ in range(3000)]
    fast = [rtf_shown_text(text) for text in texts]
    for text in texts:
        assert rtf_text(text) == _rtf_text_one_pass(text), text
    monkeypatch.setattr(payload, "_RTF_UNICODE_WORD", re.compile(""))  # (the walk alone)
    for text, shown in zip(texts, fast, strict=True):
        assert rtf_shown_text(text) == shown, text


@pytest.mark.parametrize("group", ["{1}", "{\\b 1}", "{\\i\\fs24 1}", "{\\v 1}", "{\\u49 1}",
                                   "{\\*\\x 1}"])
def test_rtf_groups_bounded(group):
    assert bounded(rtf(group * 100_000), RTF, 1.5) == set()


def test_first_generation_id_in_rtf_groups_found():
    body = rtf("{1}" * 3000 + "{\\pard ID " + "".join(
        "{" + c + "}" for c in FIRST_GENERATION) + "\\par}")
    assert "id" in found(body, RTF)


def test_style_without_rules_bounded():
    body = "<style>" + "a" * 300_000 + "</style><p>1</p>" + "<style>" + "x{" * 50_000
    bounded(body, HTML, 3.0)
