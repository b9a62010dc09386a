"""Build tests/corpus/inspection.jsonl: `python -m tests.corpus.build` (a test keeps it current).

Each line is one request shape (method, target, headers, body) sent by a Singapore client
through a trusted proxy for tenant `acme` of tests.helpers.BASE_MAP, with the verdict expected:
`cn` (mainland data kept in China), `sg` (overseas, forwarded to the tenant's region) or the
reason of a refusal. Classes: identifier spellings x carriers, phone spellings, body structures,
encodings and compression, labels and polyglots, the request line and headers, ambiguity,
client addresses, children, and negative controls that must stay overseas.
"""

from __future__ import annotations

import base64
import bz2
import datetime as dt
import gzip
import io
import json
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import brotli
import zstandard

from residency_gateway.core.idnumber import check_character
from tests.corpus import CORPUS


def _rid(born: dt.date, area: str, seq: str) -> str:
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_character(first17)


ID18 = _rid(dt.date(1990, 3, 7), "110101", "123")
ID_X = "11010519491231002X"
ID15 = "110105491231002"
CHILD = _rid(dt.date(2020, 5, 5), "440305", "017")
PERMIT = _rid(dt.date(1990, 3, 7), "810000", "123")
MOBILE = "13912345678"
SG = "198.51.100.10"
CN_OVERRIDE = "203.0.113.201"  # tests.helpers.BASE_MAP cidr_overrides: 203.0.113.200/29 -> CN
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 16
FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SAID = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)  # reproducible bytes


def groups(text: str, sep: str) -> str:
    """An 18-character ID as area / birth date / sequence+check, joined by `sep`."""
    return sep.join((text[:6], text[6:14], text[14:]))


ID_SPELLINGS: dict[str, str] = {
    "plain": ID18,
    "spaces": groups(ID18, " "),
    "dashes": groups(ID18, "-"),
    "dots": groups(ID18, "."),
    "slashes": groups(ID18, "/"),
    "nbsp": groups(ID18, "\u00a0"),
    "ideographic-space": groups(ID18, "\u3000"),
    "en-dash": groups(ID18, "\u2013"),
    "em-dash-spaced": groups(ID18, " \u2014 "),
    "katakana-middle-dot": groups(ID18, "\u30fb"),
    "newline": groups(ID18, "\n"),
    "lowercase-x": ID_X.lower(),
    "x-spaced": groups(ID_X, " ").lower(),
    "fullwidth": ID18.translate(FULLWIDTH),
    "fullwidth-x-ideographic": groups(ID_X, "\u3000").translate(FULLWIDTH),
    "zero-width": "\u200b".join(ID18),
    "soft-hyphen": groups(ID18, "\u00ad"),
    "word-joiner": groups(ID18, "\u2060"),
    "arabic-indic": ID18.translate(ARABIC),
    "first-generation": ID15,
    "first-generation-spaced": f"{ID15[:6]} {ID15[6:12]} {ID15[12:]}",
    "four-four": " ".join(ID18[i:i + 4] for i in range(0, 18, 4)),
    "cn-numerals": ID18.translate(str.maketrans("0123456789", "〇一二三四五六七八九")),
    "cn-financial": ID18.translate(str.maketrans("0123456789", "零壹贰叁肆伍陆柒捌玖")),
    "cn-financial-traditional": ID18.translate(str.maketrans("0123456789", "零壹貳參肆伍陸柒捌玖")),
    "cn-numerals-grouped": groups(ID18, " ").translate(str.maketrans("0123456789",
                                                                     "〇一二三四五六七八九")),
    "cn-radio-numerals": ID18.translate(str.maketrans("0123456789", "洞幺两三四五六拐八勾")),
    "letter-o-for-zero": ID18.replace("0", "O"),
    "letters-l-and-o": ID18.replace("1", "l").replace("0", "o"),
    "cyrillic-o": ID18.replace("0", "\u041e"),
    "dingbat-digits": ID18.translate(str.maketrans("0123456789", "\u24ff\u2780\u2781\u2782\u2783"
                                                                 "\u2784\u2785\u2786\u2787\u2788")),
    "negative-circled": ID18.translate(str.maketrans("0123456789", "\u24ff\u2776\u2777\u2778"
                                                                   "\u2779\u277a\u277b\u277c"
                                                                   "\u277d\u277e")),
    "said-in-english": " ".join(SAID[int(c)] for c in ID18),
    "rtl-override": "\u202e" + ID18[::-1] + "\u202c",
    "comma-parts": groups(ID18, ", "),
    "colon-parts": groups(ID18, ":"),
}
PHONE_SPELLINGS: dict[str, str] = {
    "bare": MOBILE,
    "3-4-4": f"{MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}",
    "dashes": f"{MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}",
    "plus86-spaced": f"+86 {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}",
    "plus86-compact": f"+86{MOBILE}",
    "0086-dashes": f"0086-{MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}",
    "brackets": f"(+86){MOBILE}",
    "brackets-spaced": f"(+86) {MOBILE[:3]} {MOBILE[3:]}",
    "86-prefix": f"86{MOBILE}",
    "plus86-dashes": f"+86-{MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}",
    "fullwidth": f"＋８６ {MOBILE}".translate(FULLWIDTH),
    "dots": f"{MOBILE[:3]}.{MOBILE[3:7]}.{MOBILE[7:]}",
    "tel-prefix": f"Tel:{MOBILE}",
    "cjk-prefix": f"手机{MOBILE}",
    "cn-numerals-spoken": "手机" + MOBILE.translate(str.maketrans("0123456789", "○幺二三四五六七八九")),
    "cn-numerals-3-4-4": f"{MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}".translate(
        str.maketrans("0123456789", "〇一二三四五六七八九")),
    "cn-numerals-mixed": "".join(c if i % 2 else "〇一二三四五六七八九"[int(c)]
                                 for i, c in enumerate(MOBILE)),
    "cn-radio-numerals": "手机" + MOBILE.translate(str.maketrans("0123456789", "洞幺两三四五六拐八勾")),
    "digit-by-digit": " ".join(MOBILE),
    "rtl-override": "\u202e" + MOBILE[::-1],
    "said-in-english": "call me on one three nine, double one two three, four five six seven",
    "said-mixed": "Tel one three nine 1234 five six seven eight",
    "letter-l-for-one": MOBILE.replace("1", "l"),
}


def js(obj: Any, *, ascii_only: bool = False) -> bytes:
    return json.dumps(obj, ensure_ascii=ascii_only).encode()


def multipart(parts: list[tuple[list[str], bytes]], boundary: str = "kyc-7f3a",
              kind: str = "form-data") -> tuple[bytes, str]:
    out = b""
    for headers, value in parts:
        out += f"--{boundary}\r\n".encode() + "".join(f"{h}\r\n" for h in headers).encode()
        out += b"\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/{kind}; boundary={boundary}"


def field(name: str) -> str:
    return f'Content-Disposition: form-data; name="{name}"'


Row = dict[str, Any]
Carrier = Callable[[str], tuple[str, list[tuple[str, str]], bytes]]
JSON_H = [("Content-Type", "application/json")]


def carriers() -> dict[str, Carrier]:
    q = urllib.parse.quote
    return {
        "json-value": lambda t: ("/v1/verify", JSON_H, js({"id_number": t})),
        "json-sentence": lambda t: ("/v1/ocr", JSON_H,
                                    js({"ocr_text": f"姓名 张三 公民身份号码 {t} 住址 北京市"})),
        "json-escaped": lambda t: ("/v1/ocr", JSON_H, js({"ocr_text": f"证号 {t}"},
                                                         ascii_only=True)),
        "json-key": lambda t: ("/v1/batch", JSON_H, js({t: {"status": "ok"}})),
        "json-duplicate-first": lambda t: ("/v1/verify", JSON_H,
                                           f'{{"id": {json.dumps(t)}, "id": "x"}}'.encode()),
        "json-duplicate-last": lambda t: ("/v1/verify", JSON_H,
                                          f'{{"id": "x", "id": {json.dumps(t)}}}'.encode()),
        "json-in-json": lambda t: ("/v1/verify", JSON_H,
                                   js({"payload": json.dumps({"applicant": {"id": t}})})),
        "form": lambda t: ("/v1/verify", [("Content-Type", "application/x-www-form-urlencoded")],
                           f"name=zhang&idno={q(t)}".encode()),
        "text-plain": lambda t: ("/v1/notes", [("Content-Type", "text/plain; charset=utf-8")],
                                 f"applicant {t} called".encode()),
        "untyped": lambda t: ("/v1/notes", [], f"note: {t}".encode()),
        "octet-stream-json": lambda t: ("/v1/verify", [("Content-Type",
                                                        "application/octet-stream")],
                                        js({"id": t})),
        "ndjson": lambda t: ("/v1/batch", [("Content-Type", "application/x-ndjson")],
                             js({"a": 1}) + b"\n" + js({"id": t}) + b"\n"),
        "yaml": lambda t: ("/v1/batch", [("Content-Type", "application/yaml")],
                           f"applicant:\n  id: \"{t}\"\n".encode()),
        "xml": lambda t: ("/v1/batch", [("Content-Type", "application/xml")],
                          f"<a><id><![CDATA[{t}]]></id></a>".encode()),
        "csv-multipart-file": lambda t: _mp([([field("list") + '; filename="l.csv"',
                                               "Content-Type: text/csv"],
                                              f"name,id\nzhang,{t}\n".encode())]),
        "multipart-field": lambda t: _mp([([field("id_number")], t.encode())]),
        "gzip": lambda t: ("/v1/ocr", [*JSON_H, ("Content-Encoding", "gzip")],
                           _gz(js({"ocr_text": f"号码 {t}"}))),
        "query": lambda t: (f"/v1/lookup?id_number={q(t)}", [], b""),
        "path-suffix": lambda t: (f"/v1/subjects/{q(t)}.json", [], b""),
        "path-prefix": lambda t: (f"/v1/subjects/id:{q(t)}", [], b""),
        "header": lambda t: ("/v1/verify", [("X-Subject-Id", t.encode().decode("latin-1"))],
                             b""),
    }


def _mp(parts: list[tuple[list[str], bytes]]) -> tuple[str, list[tuple[str, str]], bytes]:
    body, ctype = multipart(parts)
    return "/v1/verify", [("Content-Type", ctype)], body


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for member, content in (("face.jpg", JPEG), (name, data)):
            info = zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


def special_cases() -> Iterator[tuple[str, str, str, list[tuple[str, str]], bytes, str, str]]:
    """(class, name, target, headers, body, expect, note) beyond the spelling x carrier grid."""
    sentence = js({"ocr_text": f"公民身份号码 {ID18}"})
    enc = "Content-Encoding"
    yield "encoding", "deflate", "/v1/ocr", [*JSON_H, (enc, "deflate")], zlib.compress(sentence), "cn", ""
    raw = zlib.compressobj(wbits=-15)
    yield "encoding", "raw-deflate", "/v1/ocr", [*JSON_H, (enc, "deflate")], raw.compress(sentence) + raw.flush(), "cn", ""
    yield "encoding", "br", "/v1/ocr", [*JSON_H, (enc, "br")], brotli.compress(sentence), "cn", ""
    yield "encoding", "zstd", "/v1/ocr", [*JSON_H, (enc, "zstd")], zstandard.ZstdCompressor().compress(sentence), "cn", ""
    yield "encoding", "gzip-then-br", "/v1/ocr", [*JSON_H, (enc, "gzip, br")], brotli.compress(_gz(sentence)), "cn", ""
    yield "encoding", "gzip-members", "/v1/ocr", [("Content-Type", "text/plain"), (enc, "gzip")], _gz(b"first ") + _gz(ID18.encode()), "cn", "concatenated gzip members"
    yield "encoding", "gzip-file-unlabelled", "/v1/upload", [("Content-Type", "application/octet-stream")], _gz(sentence), "cn", ""
    yield "encoding", "bzip2-file", "/v1/upload", [("Content-Type", "application/x-bzip2")], bz2.compress(sentence), "cn", ""
    yield "encoding", "zip-member", "/v1/upload", [("Content-Type", "application/zip")], zipped("meta.json", sentence), "cn", ""
    yield "encoding", "gzip-truncated", "/v1/ocr", [*JSON_H, (enc, "gzip")], _gz(sentence)[:-8], "malformed_payload", ""
    yield "encoding", "unknown-coding", "/v1/ocr", [*JSON_H, (enc, "compress")], sentence, "payload_encoding_not_inspectable", ""
    yield "encoding", "gzip-bomb", "/v1/ocr", [*JSON_H, (enc, "gzip")], _gz(b" " * 3_000_000), "payload_too_large_to_inspect", "ratio over 1000"
    yield "charset", "utf16-bom", "/v1/notes", [("Content-Type", "text/plain")], ("\ufeff证号 " + ID18).encode("utf-16-le"), "cn", ""
    yield "charset", "utf16le-unlabelled", "/v1/notes", [("Content-Type", "application/octet-stream")], ("id " + ID18).encode("utf-16-le"), "cn", ""
    yield "charset", "utf16be-declared", "/v1/notes", [("Content-Type", "text/plain; charset=utf-16be")], ("id " + ID18).encode("utf-16-be"), "cn", ""
    yield "charset", "gb18030-fullwidth", "/v1/notes", [("Content-Type", "text/plain")], ("号码" + ID18.translate(FULLWIDTH)).encode("gb18030"), "cn", ""
    yield "charset", "shift-jis-fullwidth", "/v1/notes", [("Content-Type", "text/plain; charset=shift_jis")], ("番号" + ID18.translate(FULLWIDTH)).encode("shift_jis"), "cn", ""
    yield "charset", "charset-lie", "/v1/notes", [("Content-Type", "text/plain; charset=nonsense-8")], f"id {ID18}".encode(), "cn", ""
    yield "escape", "html-entities", "/v1/batch", [("Content-Type", "text/html")], "".join(f"&#{ord(c)};" for c in ID18).encode(), "cn", ""
    yield "escape", "html-hex-entities", "/v1/batch", [("Content-Type", "application/xml")], ("<id>" + "".join(f"&#x{ord(c):x};" for c in ID18) + "</id>").encode(), "cn", ""
    yield "escape", "json-unicode-digits", "/v1/verify", JSON_H, ('{"id": "' + "".join(f"\\u{ord(c):04x}" for c in ID18) + '"}').encode(), "cn", ""
    yield "escape", "base64-json", "/v1/verify", JSON_H, js({"claims": base64.b64encode(js({"idno": ID18})).decode()}), "cn", ""
    yield "escape", "base64url-jwt", "/v1/verify", [("Authorization", "Bearer x"), *JSON_H], js({"token": "eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(js({"sub": ID18})).decode().rstrip("=") + "."}), "cn", ""
    # Header bytes that are not UTF-8 (the server keeps them as surrogate escapes) beside
    # percent escapes: the percent decoding once raised on them (a 500).
    yield "header-bytes", "percent-beside-undecodable-byte", "/v1/verify", [("X-Ref", "%31\xb3"), *JSON_H], js({}), "sg", ""
    gbk_id = "".join(f"%{ord(c):02X}" for c in ID18) + "\xd6\xa4\xba\xc5"  # + 证号 in GBK
    yield "header-bytes", "percent-id-beside-gbk-bytes", "/v1/verify", [("X-Ref", gbk_id), *JSON_H], js({}), "cn", ""
    yield "escape", "double-percent-query", "/v1/lookup?id=" + "".join(f"%25{ord(c):02X}" for c in ID18), [], b"", "cn", ""
    yield "escape", "percent-path", "/v1/subjects/" + "".join(f"%{ord(c):02X}" for c in ID18), [], b"", "cn", ""
    yield "escape", "quoted-printable-part", *_mp([([field("n"), "Content-Transfer-Encoding: quoted-printable"], ("id=3D" + ID18).encode())]), "cn", ""
    yield "escape", "base64-part", *_mp([([field("n"), "Content-Transfer-Encoding: base64"], base64.b64encode(f"id {ID18}".encode()))]), "cn", ""
    nested, nested_type = multipart([(["Content-Type: application/json"], js({"id": ID18}))], boundary="inner")
    yield "multipart", "nested-mixed", *_mp([([field("bundle"), f"Content-Type: {nested_type}"], nested)]), "cn", ""
    related, related_type = multipart([(["Content-Type: application/json"], js({"id": ID18})), (["Content-Type: image/jpeg"], JPEG)], kind="related")
    yield "multipart", "related", "/v1/verify", [("Content-Type", related_type)], related, "cn", ""
    quoted, quoted_type = multipart([([field("id")], ID18.encode())], boundary="a b;c")
    yield "multipart", "quoted-boundary", "/v1/verify", [("Content-Type", quoted_type.replace("boundary=a b;c", 'boundary="a b;c"'))], quoted, "cn", ""
    yield "multipart", "image-part-is-skipped", *_mp([([field("face") + '; filename="f.jpg"', "Content-Type: image/jpeg"], JPEG + b" " + PERMIT.encode())]), "sg", "media part, nothing else"
    yield "multipart", "image-labelled-text-part", *_mp([([field("face") + '; filename="f.jpg"', "Content-Type: image/jpeg"], f"id {ID18}".encode())]), "cn", "label says image, bytes are text"
    yield "multipart", "gzip-part", *_mp([([field("data"), "Content-Encoding: gzip"], _gz(sentence))]), "cn", ""
    yield "multipart", "unclosed", "/v1/verify", [("Content-Type", "multipart/form-data; boundary=zz")], f"--zz\r\n{field('a')}\r\n\r\n{ID18}".encode(), "malformed_payload", ""
    yield "polyglot", "gif-magic-then-json", "/v1/verify", [("Content-Type", "image/gif")], b"GIF89a" + js({"id": ID18}), "cn", ""
    yield "polyglot", "jpeg-magic-then-text", "/v1/face", [("Content-Type", "image/jpeg")], b"\xff\xd8\xff" + f"id {ID18} and more text here".encode(), "cn", ""
    yield "polyglot", "pdf-label-json-body", "/v1/doc", [("Content-Type", "application/pdf")], js({"id": ID18}), "cn", ""
    yield "media", "real-jpeg", "/v1/face", [("Content-Type", "image/jpeg")], JPEG * 4, "sg", "streams uninspected"
    yield "media", "jpeg-labelled-json", "/v1/face", JSON_H, JPEG * 4, "malformed_payload", "declared JSON is parsed, whatever its first bytes"
    yield "media", "jpeg-labelled-octet-stream", "/v1/face", [("Content-Type", "application/octet-stream")], JPEG * 4, "sg", "signature decides, not the label"
    pre, pre_type = multipart([([field("id_number")], ID18.encode())], boundary="XyZ")
    yield "polyglot", "multipart-with-media-preamble", "/v1/verify", [("Content-Type", pre_type)], JPEG[:260] + b"\r\n" + pre, "cn", "receivers ignore a multipart preamble"
    yield "polyglot", "form-with-media-prefix", "/v1/verify", [("Content-Type", "application/x-www-form-urlencoded")], JPEG[:260] + b"&id_number=" + ID18.encode(), "malformed_payload", "raw bytes are not form data"
    gbk = "name=" + urllib.parse.quote("张三", encoding="gbk") + "&id=" + urllib.parse.quote(ID18.translate(FULLWIDTH), encoding="gbk")
    yield "charset", "gbk-percent-form", "/v1/verify", [("Content-Type", "application/x-www-form-urlencoded")], gbk.encode(), "cn", "legacy Chinese web forms"
    yield "charset", "gbk-percent-query", "/v1/lookup?" + gbk, [], b"", "cn", ""
    yield "request-line", "matrix-param", f"/v1/subjects;id={ID18}/status", [], b"", "cn", ""
    yield "request-line", "cookie", "/v1/verify", [("Cookie", f"sid=abc; idno={ID18}")], b"", "cn", ""
    yield "request-line", "referer", "/v1/verify", [("Referer", f"https://app.example.test/form?id={ID18}")], b"", "cn", ""
    yield "request-line", "query-phone-plus", "/v1/lookup?tel=%2B86+" + MOBILE, [], b"", "cn", ""
    yield "request-line", "query-fragment-like", f"/v1/lookup?x=1&y={ID18[:9]}%20{ID18[9:]}", [], b"", "cn", ""
    yield "ambiguity", "tenant-twice", "/v1/verify", [("X-Tenant-ID", "bank")], b"", "ambiguous_request", "acme and bank"
    yield "ambiguity", "content-type-twice", "/v1/verify", [*JSON_H, ("Content-Type", "image/jpeg")], js({}), "ambiguous_request", ""
    yield "ambiguity", "content-encoding-twice", "/v1/verify", [*JSON_H, (enc, "gzip"), (enc, "br")], js({}), "ambiguous_request", ""
    yield "ambiguity", "tenant-twice-same", "/v1/verify", [("X-Tenant-ID", "acme")], b"", "sg", "same value twice is one value"
    yield "child", "child-json", "/v1/verify", JSON_H, js({"id": CHILD}), "minor_without_guardian_consent", ""
    yield "child", "child-fullwidth-sentence", "/v1/ocr", JSON_H, js({"t": f"号码 {groups(CHILD, ' ').translate(FULLWIDTH)}"}), "minor_without_guardian_consent", ""
    yield "child", "child-with-consent", "/v1/verify", [*JSON_H, ("X-Guardian-Consent", "ref-7")], js({"id": CHILD}), "cn", ""
    yield "child", "child-in-query", f"/v1/lookup?kid={CHILD}", [], b"", "minor_without_guardian_consent", ""
    yield "child", "child-gzip", "/v1/ocr", [*JSON_H, (enc, "gzip")], _gz(js({"id": CHILD})), "minor_without_guardian_consent", ""
    # Negative controls: ordinary traffic that must stay overseas.
    for name, value in {
        "bad-checksum": ID18[:17] + ("0" if ID18[17] != "0" else "1"),
        "future-birth": _rid(dt.date(2031, 1, 1), "110101", "123"),
        "impossible-date": "110101199013451234",
        "seventeen-digits": ID18[:17],
        "nineteen-digits": "9" + ID18,
        "uuid": "c0a8a138-0013-8000-a000-1101011990ab",
        "sha256": "a1380013800" * 5 + "abcdef0123456789a",
        "unix-ms": "1732886400000",
        "iso-datetime": "2026-11-29T12:00:00.123456Z",
        "price": "CNY 1,380.00 / 13,800.00",
        "ipv4": "138.10.138.100",
        "version": "Chrome/120.0.6099.109 Safari/537.36",
        "sg-phone": "+65 9123 4567",
        "jp-phone": "+81 90-1234-5678",
        "hk-phone": "+852 5123 4567",
        "tw-phone": "+886 912 345 678",
        "hk-permit-id": PERMIT,
        "order-number": "20261129123456789012",
        "short-numbers": "Room 12, floor 3, 2 guests, 1 night",
        "ipv4-in-text": "client 113.80.13.80 via 10.138.0.13",
    }.items():
        yield "negative", name, "/v1/verify", JSON_H, js({"value": value, "note": "ordinary"}), "sg", ""
    image = base64.b64encode(JPEG * 8).decode()
    yield "negative", "base64-image", "/v1/face", JSON_H, js({"image_base64": image}), "sg", ""


def split_cases() -> Iterator[tuple[str, str, str, list[tuple[str, str]], bytes, str, str]]:
    """An identifier split over the fields or parts of one request (class `split`), and the
    numbers side by side that must not join (class `negative`)."""
    area, born, rest = ID18[:6], ID18[6:14], ID18[14:]
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    text = [("Content-Type", "text/plain; charset=utf-8")]
    yield "split", "json-fields", "/v1/verify", JSON_H, js({"id_a": area, "id_b": born, "id_c": rest}), "cn", ""
    yield "split", "json-numbers", "/v1/verify", JSON_H, f'{{"a":{area},"b":{born},"c":{rest}}}'.encode(), "cn", "unquoted numbers"
    yield "split", "json-nested", "/v1/verify", JSON_H, js({"a": {"x": area}, "b": [{"y": born}], "c": {"z": [rest]}}), "cn", ""
    yield "split", "json-array", "/v1/verify", JSON_H, js({"id": [area, born, rest]}), "cn", ""
    yield "split", "json-characters", "/v1/verify", JSON_H, js({"id": list(ID18)}), "cn", "one character per item"
    yield "split", "json-fours", "/v1/verify", JSON_H, js({"id": [ID18[i:i + 4] for i in range(0, 18, 4)]}), "cn", ""
    yield "split", "json-php-keys", "/v1/verify", form, f"id[0]={area}&id[1]={born}&id[2]={rest}".encode(), "cn", ""
    yield "split", "form-fields", "/v1/verify", form, f"a={area}&b={born}&c={rest}".encode(), "cn", ""
    yield "split", "multipart-parts", *_mp([([field("a")], area.encode()), ([field("b")], born.encode()), ([field("c")], rest.encode())]), "cn", ""
    yield "split", "query-params", f"/v1/lookup?a={area}&b={born}&c={rest}", [], b"", "cn", ""
    yield "split", "path-and-query", f"/v1/subjects/{area}?b={born}&c={rest}", [], b"", "cn", ""
    yield "split", "headers", "/v1/verify", [("X-Id-Area", area), ("X-Id-Born", born), ("X-Id-Rest", rest)], b"", "cn", ""
    yield "split", "xml-elements", "/v1/batch", [("Content-Type", "application/xml")], f"<id><a>{area}</a><b>{born}</b><c>{rest}</c></id>".encode(), "cn", ""
    yield "split", "yaml-lines", "/v1/batch", [("Content-Type", "application/yaml")], f"part1: {area}\npart2: {born}\npart3: {rest}\n".encode(), "cn", ""
    yield "split", "labelled-sentence", "/v1/notes", text, f"身份证前六位：{area}，出生日期：{born}，后四位：{rest}".encode(), "cn", ""
    yield "split", "csv-row", "/v1/batch", [("Content-Type", "text/csv")], f"name,area,born,rest\nzhang,{area},{born},{rest}\n".encode(), "cn", ""
    yield "split", "phone-fields", "/v1/verify", JSON_H, js({"phone_1": MOBILE[:3], "phone_2": MOBILE[3:7], "phone_3": MOBILE[7:]}), "cn", ""
    yield "split", "hex-text", "/v1/verify", JSON_H, js({"blob": f"id={ID18}".encode().hex()}), "cn", "hex-encoded text"
    yield "negative", "landmarks", "/v1/face", JSON_H, js({"landmarks": [[412 + 7 * i % 300, 233 + 13 * i % 400] for i in range(106)]}), "sg", "int arrays"
    yield "negative", "pixel-rows", "/v1/face", JSON_H, js({"rows": [[(i * 37 + j * 11) % 10000 for j in range(16)] for i in range(16)]}), "sg", ""
    yield "negative", "digit-flags", "/v1/face", JSON_H, js({"flags": [int(c) for c in "31415926535897932384626433832795028841971693993751"]}), "sg", "50 digits, one per item"
    yield "negative", "scores", "/v1/face", JSON_H, js({"scores": [round(0.001 * i, 3) for i in range(200)]}), "sg", ""
    yield "negative", "timestamps", "/v1/face", JSON_H, js({"t": [1732896000 + 17 * i for i in range(50)]}), "sg", ""


ADDRESS_FORMS = {
    "ipv4-mapped": "::ffff:" + CN_OVERRIDE,
    "ipv4-mapped-bracket-port": "[::ffff:cb00:71c9]:443",
    "ipv4-compatible": "::" + CN_OVERRIDE,
    "6to4": "2002:cb00:71c9::1",
    "nat64": "64:ff9b::" + CN_OVERRIDE,
    "nat64-local-use": "64:ff9b:1::cb00:71c9",
    "teredo": "2001:0:4136:e378:8000:63bf:34ff:8e36",
    "plain-v4-with-port": CN_OVERRIDE + ":5555",
}


def rows() -> Iterator[Row]:
    n = 0

    def row(cls: str, name: str, target: str, headers: list[tuple[str, str]], body: bytes,
            expect: str, note: str = "", client: str = SG) -> Row:
        nonlocal n
        n += 1
        return {"id": f"{n:03d}-{cls}-{name}", "class": cls, "method": "POST" if body else "GET",
                "target": target, "headers": [list(h) for h in headers],
                "body_b64": base64.b64encode(body).decode(), "client": client,
                "expect": expect, "note": note}

    grid = carriers()
    for name, carrier in grid.items():
        yield row("id-carrier", name, *carrier(ID18), "cn")
    for spelling, text in ID_SPELLINGS.items():
        for carrier_name in ("json-sentence", "text-plain", "query", "multipart-field"):
            yield row("id-spelling", f"{spelling}@{carrier_name}", *grid[carrier_name](text),
                      "cn")
    for spelling, text in PHONE_SPELLINGS.items():
        for carrier_name in ("json-sentence", "form", "header"):
            yield row("phone-spelling", f"{spelling}@{carrier_name}", *grid[carrier_name](text),
                      "cn")
    for cls, name, target, headers, body, expect, note in special_cases():
        yield row(cls, name, target, headers, body, expect, note)
    for cls, name, target, headers, body, expect, note in split_cases():
        yield row(cls, name, target, headers, body, expect, note)
    for name, address in ADDRESS_FORMS.items():
        yield row("address", name, "/v1/verify", JSON_H, js({}), "cn", client=address)
    yield row("address", "mapped-sg-stays-sg", "/v1/verify", JSON_H, js({}), "sg",
              client="::ffff:" + SG)
    yield row("address", "garbage-xff-element", "/v1/verify", JSON_H, js({}), "unknown_origin",
              client="198.51.100.10 x")


def render() -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows())


if __name__ == "__main__":
    CORPUS.write_text(render(), "utf-8")
    print(f"wrote {CORPUS} ({render().count(chr(10))} cases)")
