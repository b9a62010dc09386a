"""Seeded generators aimed at round 24's new readings (YAML anchors, label/value rows, joined
literals, base85/base32/uuencode/hex, flex HTML, SSE, RTF, HL7, trunk-0 field values, Morse-like
strings, Markdown tables, Korean/Japanese survey data): ordinary overseas traffic, none of it
mainland data. `python -m tests.core.overseas_traffic25 N` prints FP seeds per shape."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Callable

from tests.core.overseas_traffic import phone, sg_nric


def _n(r: random.Random, k: int) -> str:
    """k random digits, never leading with 1 (a bare 1[3-9]... is a mobile by design)."""
    return str(r.randint(2, 9)) + "".join(str(r.randrange(10)) for _ in range(k - 1))


def yaml_config(r: random.Random) -> tuple[bytes, str]:
    port = r.randint(1024, 65535)
    txt = (f"defaults: &defaults\n  timeout: {r.randint(1, 600)}\n  retries: {r.randint(0, 9)}\n"
           f"  build: \"{_n(r, r.choice([11, 13, 15, 18]))}\"\n"
           f"production:\n  <<: *defaults\n  port: {port}\n  replicas: {r.randint(1, 30)}\n"
           f"  image: app:{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 99)}\n"
           f"  checksum: {hashlib.sha256(_n(r, 8).encode()).hexdigest()}\n"
           f"items:\n  0: {_n(r, 4)}\n  1: {_n(r, 4)}\n  2: {_n(r, 3)}\n  3: {_n(r, 4)}\n")
    return txt.encode(), "application/yaml"


def json_numeric(r: random.Random) -> tuple[bytes, str]:
    doc = {"sku": "0" + _n(r, r.choice([10, 11, 12])), "upc": _n(r, 12), "ean": _n(r, 13),
           "account": "0" + _n(r, r.choice([9, 10, 11])), "order": _n(r, r.choice([11, 15, 18])),
           "qty": r.randint(1, 99), "zip": "0" + _n(r, 4),
           "tracking": "0" + _n(r, 10), "ref": _n(r, 3) + "-" + _n(r, 4) + "-" + _n(r, 4),
           "contact": phone(r)}
    return json.dumps(doc).encode(), "application/json"


def csv_summary(r: random.Random) -> tuple[bytes, str]:
    sep = r.choice([",", "\t", ";"])
    rows = [f"Invoice{sep}{_n(r, 8)}", f"Account{sep}0{_n(r, 10)}",
            f"Subtotal{sep}{r.randint(1, 9999)}.{_n(r, 2)}", f"Tax{sep}{r.randint(0, 999)}.{_n(r, 2)}",
            f"Phone{sep}{phone(r)}", f"Total{sep}{r.randint(1, 99999)}.{_n(r, 2)}",
            f"Date{sep}2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            f"Ref{sep}{_n(r, 6)}{sep}{_n(r, 5)}"]
    return "\n".join(rows).encode(), r.choice(["text/csv", "text/tab-separated-values"])


def source_concat(r: random.Random) -> tuple[bytes, str]:
    a, b, c = _n(r, 3), _n(r, 4), _n(r, 4)
    op = r.choice(["+", "||", ".", "&", "~"])
    lines = [f'var ver = "{a}" {op} "{b}" {op} "{c}";',
             f"SELECT '{_n(r, 6)}' || '{_n(r, 5)}' FROM t WHERE id = {r.randint(1, 10**9)};",
             f"$x = '{_n(r, 5)}' . '{_n(r, 6)}';",
             f"const mask = 0x{r.getrandbits(32):08x} & ~0x{r.getrandbits(16):04x};",
             f"total = {r.randint(1, 999)} + {r.randint(1, 9999)} + {r.randint(1, 9999)}"]
    r.shuffle(lines)
    return "\n".join(lines).encode(), r.choice(["application/javascript", "text/plain"])


def logs_dots(r: random.Random) -> tuple[bytes, str]:
    out = []
    for _ in range(r.randint(3, 12)):
        out.append(r.choice([
            f"[{_n(r, 2)}:{_n(r, 2)}:{_n(r, 2)}.{_n(r, 3)}] ....... OK {_n(r, 4)}ms",
            "-" * r.randint(3, 60),
            f"--- .-- -. . .-. {_n(r, 3)} -- ..",
            f"build {_n(r, 1)}.{_n(r, 2)}.{_n(r, 3)}-{_n(r, 4)} ... done",
            f"id={_n(r, 11)} seq={_n(r, 7)} .... -.-. {r.randint(0, 99)}",
            "=" * 20 + " . - . - . " + "=" * 20,
        ]))
    return "\n".join(out).encode(), "text/plain"


def encoded_blobs(r: random.Random) -> tuple[bytes, str]:
    raw = r.randbytes(r.randint(8, 200))
    digest = hashlib.sha1(raw).digest()
    doc = {"b64": base64.b64encode(raw).decode(), "b85": base64.b85encode(raw).decode(),
           "a85": base64.a85encode(raw).decode(), "b32": base64.b32encode(raw).decode(),
           "b32hex": base64.b32hexencode(raw).decode().rstrip("="),
           "hex": raw.hex(), "sha1": digest.hex(), "nums_b64": base64.b64encode(
               _n(r, r.choice([6, 8, 12, 20])).encode()).decode()}
    return json.dumps(doc).encode(), "application/json"


def html_flex(r: random.Random) -> tuple[bytes, str]:
    cells = "".join(f"<div style=\"order:{r.randint(0, 5)}\">{_n(r, r.randint(2, 5))}</div>"
                    for _ in range(r.randint(3, 6)))
    direction = r.choice(["row", "row-reverse", "column"])
    html = (f"<html><style>.p::before{{content:'{_n(r, 3)}'}} .f{{float:right}}</style><body>"
            f"<div style=\"display:flex;flex-direction:{direction}\">{cells}</div>"
            f"<span class=p>{_n(r, 4)}</span><span class=f>{_n(r, 4)}</span>"
            f"<table><tr><td>Qty</td><td>{_n(r, 2)}</td><td>SKU</td><td>0{_n(r, 10)}</td></tr>"
            f"<tr><td>Tel</td><td>{phone(r)}</td></tr></table></body></html>")
    return html.encode(), "text/html"


def sse_prices(r: random.Random) -> tuple[bytes, str]:
    out = []
    for _ in range(r.randint(3, 10)):
        ev = r.choice(["price", "tick", "quote"])
        out.append(f"id: {r.randint(1, 10**6)}\nevent: {ev}\n"
                   f"data: {{\"px\": {r.randint(1, 999)}.{_n(r, 3)}, \"vol\": {_n(r, 4)}}}\n")
        if r.random() < .3:
            out.append(f"event: {ev}\ndata: {_n(r, 3)}\ndata: {_n(r, 4)}\n")
    return "\n".join(out).encode(), "text/event-stream"


def hl7(r: random.Random) -> tuple[bytes, str]:
    tel = r.choice(["+65", "+62", "+81", "+60"]) + _n(r, r.choice([8, 9, 10]))
    msg = (f"MSH|^~\\&|LAB|SGH|||2026{_n(r, 10)}||ADT^A01|{_n(r, 10)}|P|2.5\r"
           f"PID|1||{sg_nric(r)}^^^SGH||TAN^WEI||19{_n(r, 2)}0{r.randint(1, 9)}1{r.randint(0, 9)}"
           f"|M|||1 ORCHARD RD^^SG^^{_n(r, 6)}||^PRN^PH^^{tel[:3]}^{_n(r, 4)}^{_n(r, 4)}"
           f"~{tel}|||||{_n(r, 9)}\r")
    return msg.encode(), "application/hl7-v2"


def markdown_table(r: random.Random) -> tuple[bytes, str]:
    rows = ["| item | qty | price | code |", "|---|---:|---:|---|"]
    for _ in range(r.randint(3, 10)):
        rows.append(f"| {r.choice(['bolt', 'nut', 'gear'])} | {r.randint(1, 99)} | "
                    f"{r.randint(1, 999)}.{_n(r, 2)} | {_n(r, 3)} {_n(r, 4)} {_n(r, 4)} |")
    rows.append(f"| l1 | I0 | {_n(r, 3)}|{_n(r, 4)}!{_n(r, 4)} | O{_n(r, 2)} |")
    return "\n".join(rows).encode(), "text/markdown"


def survey(r: random.Random) -> tuple[bytes, str]:
    doc = {"응답자": r.randint(1, 9999), "전화": "010-" + _n(r, 4) + "-" + _n(r, 4),
           "点数": [r.randint(1, 5) for _ in range(11)], "回答番号": "0" + _n(r, 10),
           "電話": "090-" + _n(r, 4) + "-" + _n(r, 4), "コメント": "いち に さん " + _n(r, 4),
           "携帯": "0" + r.choice(["70", "80", "90"]) + _n(r, 8)}
    return json.dumps(doc, ensure_ascii=False).encode(), "application/json"


def rtf_prices(r: random.Random) -> tuple[bytes, str]:
    rows = "".join(f"\\pard Item {i}\\tab {r.randint(1, 999)}.{_n(r, 2)}\\tab {_n(r, 4)}\\par\n"
                   for i in range(r.randint(2, 8)))
    txt = ("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}" + rows
           + f"{{\\field{{\\*\\fldinst PAGE}}{{\\fldrslt {r.randint(1, 9)}}}}}"
           + f"{{\\footnote Ref {_n(r, 5)} {_n(r, 6)}}}" + f"Acct 0{_n(r, 10)}}}")
    return txt.encode(), "application/rtf"


SHAPES: dict[str, Callable[[random.Random], tuple[bytes, str]]] = {
    "yaml": yaml_config, "json_numeric": json_numeric, "csv_summary": csv_summary,
    "source_concat": source_concat, "logs_dots": logs_dots, "encoded": encoded_blobs,
    "html_flex": html_flex, "sse": sse_prices, "hl7": hl7, "markdown": markdown_table,
    "survey": survey, "rtf": rtf_prices,
}


def mainland(data: bytes, ctype: str) -> list[str]:
    import datetime as dt

    from residency_gateway.core.inspection import options
    from residency_gateway.core.payload import inspect_body
    from residency_gateway.regionmap.schema import PayloadInspection

    res = inspect_body(data, content_type=ctype, key=b"k" * 32, today=dt.date(2026, 12, 1),
                       options=options(PayloadInspection()))
    return [f.path for f in res.ids if f.area_jurisdiction == "CN"] + [
        f.path for f in res.phones if f.jurisdiction == "CN" and f.mobile] + (
        [str(res.error)] if res.error else [])


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    only = sys.argv[2:] or list(SHAPES)
    for name in only:
        hits = []
        for seed in range(n):
            data, ctype = SHAPES[name](random.Random(seed))
            m = mainland(data, ctype)
            if m:
                hits.append((seed, m, data[:200]))
        print(f"{name}: {len(hits)} of {n}")
        for h in hits[:3]:
            print("   ", h)
