"""Round 24: an identifier a client assembles from pieces (json_piece_runs) or from
Server-Sent Events (event_stream_texts): round 23's misses and their next spellings, and the
overseas traffic of the same shape that must not read as mainland data."""

from __future__ import annotations

import json
import random
import time

import pytest

from residency_gateway.core.payload import json_piece_runs
from tests.core.test_redteam_round22 import ID, kinds, scan

JSON = "application/json"
SSE = "text/event-stream"
TEXT = "text/plain"
GROUPS = ["110101", "19900307", "1233"]
QUADS = ["1101", "0119", "9003", "0712", "33"]
MOBILE_PIECES = ["139", "1234", "5678"]


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def found(body: bytes | str, content_type: str = JSON) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


def nest(value: object, depth: int) -> object:
    for n in range(depth):
        value = {f"k{n}": value}
    return value


# ---------------------------------------------------------------------------------------------
# Pieces


@pytest.mark.parametrize("body", [
    *(j([nest({"content": q}, depth) for q in QUADS]) for depth in (5, 12, 40, 200)),
    j([{"type": "ping"}] * 40 + [{"delta": q} for q in QUADS]),
    j([x for q in QUADS for x in ({"delta": q}, {"type": "ping"}, {"type": "ping"},
                                  {"type": "heartbeat", "ts": 1})]),
    j([x for q in QUADS for x in ({"delta": q}, {"delta": ""})]),
    j([{"delta": q} for q in QUADS] + [{"type": "ping", "n": i} for i in range(50)]),
    j([["keydown", c, 100 + i] for i, c in enumerate(ID)]),
    j([[100 + i, "keypress", c, "US"] for i, c in enumerate(ID)]),
    j({"chunks": {str(i): {"content": q} for i, q in enumerate(QUADS)}}),
    j({"chunks": {str(i + 1): {"content": q} for i, q in enumerate(QUADS)}}),
    j({"chunks": {str(i): {"content": q} for i, q in reversed(list(enumerate(QUADS)))}}),
    j([{**{f"k{n}": "x" for n in range(500)}, "content": q} for q in QUADS]),
    j([{"delta": [{"type": "text"}, {"text": q}]} for q in QUADS]),
    j([{"delta": [{"type": "text"}, {"text": q}, {"type": "end"}]} for q in QUADS]),
    j([{"choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": q}]}}]}
       for q in QUADS]),
], ids=["depth-5", "depth-12", "depth-40", "depth-200", "pings-before", "pings-between",
        "empty-pieces-between", "pings-after", "typed-keystrokes", "time-first-keystrokes",
        "object-by-index", "object-by-index-from-1", "object-by-index-unordered",
        "padded-500", "typed-parts", "three-parts", "openai-parts"])
def test_pieces_found(body):
    assert found(body) == {"id"}


@pytest.mark.parametrize("pieces", [["11010", "119900", "307", "1233"],
                                    ["110101", "19900307", "1233"],
                                    ["1101011", "99003071", "233"]])
@pytest.mark.parametrize("key", ["content", "n"])
def test_integer_pieces_of_an_id_found(pieces, key):
    assert found(j([{key: int(p)} for p in pieces])) == {"id"}


def test_mobile_pieces_found():
    assert found(j([{"type": "ping"}] * 9 + [{"delta": p} for p in MOBILE_PIECES])) == {
        "mobile"}
    assert found(j({"parts": {str(i): {"t": p} for i, p in enumerate(MOBILE_PIECES)}})) == {
        "mobile"}


def test_integer_pieces_of_a_mobile_not_joined():
    """Several-digit integers join into IDs only (with the check character): three prices
    (1399, 2500, 999) make a mobile's shape too often."""
    assert found(j([{"price": 1399}, {"price": 2500}, {"price": 999}])) == set()
    assert found(j([{"price": p} for p in (110101, 19900307, 1234)])) == set()  # (bad check)


def test_piece_walk_is_bounded():
    """Deep chains of lists of objects (each short array walked from the lists within
    MAX_PIECE_LIST_DEPTH above it only) and wide objects: linear, tens of ms a MB."""
    value: object = {"c": "1"}
    for _ in range(900):
        value = [value, {"c": "2"}, {"c": "3"}]
    deep = json.dumps(value).encode()
    wide = j([{f"k{n}": str(n % 10) for n in range(200)} for _ in range(1000)]).encode()
    for body in (deep, wide):
        start = time.process_time()
        json_piece_runs(body)
        assert time.process_time() - start < 1.5, len(body)  # (measured: 0.04 s, 0.24 s)
    start = time.process_time()
    assert scan(deep).error is None
    assert time.process_time() - start < 1.5  # (measured: 0.08 s; main 0.03 s)


def records(rng: random.Random) -> object:
    n = rng.randint(3, 12)
    kind = rng.randrange(5)
    if kind == 0:  # order lines
        return {"lines": [{"sku": f"SKU-{rng.randint(100, 99999)}", "qty": rng.randint(1, 9),
                           "price": rng.randint(99, 99999)} for _ in range(n)]}
    if kind == 1:  # a chat log with numbers (a stream of chunks)
        words = ["the", "order", "total", "is", str(rng.randint(1, 999)), "USD", "at",
                 f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", "ok", "ref",
                 str(rng.randint(1000, 999999))]
        return [{"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {
            "content": rng.choice(words) + " "}}]} for _ in range(n)]
    if kind == 2:  # metrics with timestamps
        t = rng.randint(1_600_000_000, 1_800_000_000)
        return [{"ts": t + 10 * i, "v": round(rng.random() * 100, 2)} for i in range(n)]
    if kind == 3:  # an object keyed by index of small ints
        return {"pages": {str(i): {"n": rng.randint(0, 9999), "w": rng.randint(1, 999)}
                          for i in range(n)}}
    return [[rng.randint(0, 9) for _ in range(rng.randint(2, 6))] for _ in range(n)]


def test_records_false_positive_rate():
    rng = random.Random(24)
    hits = sum(bool(found(j(records(rng)))) for _ in range(600))
    assert hits <= 3, hits  # (measured: 0 of 600)


# ---------------------------------------------------------------------------------------------
# Server-Sent Events


def sse(pieces: list[str], end: str = "\n") -> str:
    return "".join(f"data: {p}{end}{end}" for p in pieces)


@pytest.mark.parametrize(("body", "content_type"), [
    ("\ufeff" + sse(GROUPS), SSE),
    ("\ufeff" + sse(GROUPS, "\r\n"), SSE),
    ("\ufeff" + sse(GROUPS), TEXT),
    ("\ufeff: ok\n\n" + sse(GROUPS), SSE),
    (": stream\n\n" + sse(GROUPS), TEXT),
    ("id: 1\n" + sse(GROUPS), TEXT),
    ("".join(f"event: token\ndata: {g}\n\nevent: ping\ndata: 0\n\n" for g in GROUPS), SSE),
    ("".join(f"event: token\r\ndata: {g}\r\n\r\n: ping\r\n\r\nevent: ping\r\ndata: {{}}\r\n\r\n"
             for g in GROUPS), SSE),
    ("".join(f"event:delta\rid: {i}\rretry: 5\rdata: {j({'t': q})}\r\revent: ping\rdata: 1\r\r"
             for i, q in enumerate(QUADS)), SSE),
    ("".join(f"event: token\ndata: {p}\n\nevent: heartbeat\ndata: 7\n\n"
             for p in MOBILE_PIECES), SSE),
    ("".join(f"data: {g}\n\nevent: ping\ndata:\n\n" for g in GROUPS), SSE),
    ("".join(f"event: token\ndata: {g}\n\n" + "".join(
        f"event: t{n}\ndata: {n % 10}\n\n" for n in range(40)) for g in GROUPS), SSE),
    ("".join(f"event: token\ndata: {g[:3]}\ndata: {g[3:]}\n\nevent: ping\ndata: 9\n\n"
             for g in GROUPS), SSE),
], ids=["bom", "bom-crlf", "bom-as-text", "bom-comment", "comment-first-as-text",
        "id-first-as-text", "ping-events", "crlf-comments-pings", "cr-json-pings",
        "mobile-heartbeats", "unnamed-and-empty-pings", "many-types", "multi-line-data"])
def test_event_streams_found(body, content_type):
    expected = {"mobile"} if "heartbeat" in body else {"id"}
    assert found(body, content_type) == expected


def amounts_stream(rng: random.Random) -> str:
    out = []
    for i in range(rng.randint(3, 30)):
        kind = rng.choice(["price", "ping", "trade"])
        value = rng.choice([str(rng.randint(1, 99999)), f"{rng.random() * 1000:.2f}",
                            str(rng.randint(1_600_000_000_000, 1_800_000_000_000)),
                            j({"px": rng.randint(1, 999), "ts": rng.randint(1, 10**10)})])
        out.append(f"id: {i}\nevent: {kind}\ndata: {value}\n\n")
        if rng.random() < 0.3:
            out.append(": keep-alive\n\n")
    return "".join(out)


def test_event_streams_false_positive_rate():
    rng = random.Random(2024)
    hits = sum(bool(found(amounts_stream(rng), SSE)) for _ in range(400))
    assert hits <= 2, hits  # (measured: 1 of 400, as on main: the all-events join of round 22)


def test_colon_start_text_not_an_event_stream():
    assert found(":: note\norder 13912345 total 678\n", TEXT) == set()
