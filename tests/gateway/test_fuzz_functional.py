"""A fuzzer over raw request bodies against a running gateway: whatever the bytes, label and
coding, every request is answered (never 500) and has a decision record; nothing that was
refused reached an upstream."""

from __future__ import annotations

import gzip
import json
import random
import zlib

import pytest

from tests.corpus import load
from tests.helpers import ADDR

pytestmark = pytest.mark.slow

TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain",
         "multipart/form-data; boundary=b0", "multipart/related; boundary=\"b 0\"",
         "application/octet-stream", "image/jpeg", "", "text/plain; charset=utf-16",
         "text/plain; charset=\"u\\\"8\"", "application/json; charset=gb18030"]
CODINGS = ["", "", "", "gzip", "deflate", "br", "zstd", "gzip, br", "identity", "x-nope"]
SEEDS = [c.body for c in load() if c.body]


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        pos = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[min(pos, len(out) - 1)] = rng.randrange(256)
        elif op == 1:
            out[pos:pos] = rng.choice([b"\x00", b"\\", b'"', b"--b0", b"\r\n", b"9" * 5000,
                                       b"\\ud800", b"%", b"&#", b"\xff\xfe", b"{", b"["])
        elif op == 2:
            del out[pos:pos + rng.randint(1, 50)]
        else:
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
    return bytes(out)


def body_for(rng: random.Random) -> tuple[bytes, str, str]:
    seed = rng.choice(SEEDS)
    data = mutate(rng, seed) if rng.random() < 0.8 else bytes(rng.randrange(256)
                                                              for _ in range(rng.randint(0, 300)))
    coding = rng.choice(CODINGS)
    if coding == "gzip" and rng.random() < 0.7:
        data = gzip.compress(data)
        if rng.random() < 0.3:
            data = data[: rng.randint(0, len(data))]
    elif coding == "deflate" and rng.random() < 0.7:
        data = zlib.compress(data)
    return data, rng.choice(TYPES), coding


async def test_random_bodies_never_crash_and_are_always_recorded(make_gateway, backends):
    gw = await make_gateway()
    rng = random.Random(20261129)
    statuses = []
    for _ in range(250):
        data, ctype, coding = body_for(rng)
        headers = {"Content-Type": ctype} if ctype else {}
        if coding:
            headers["Content-Encoding"] = coding
        status, _, body = await gw.post(xff=ADDR["SG"], data=data, headers=headers)
        statuses.append(status)
        assert status != 500, (ctype, coding, data[:200])
        if status >= 400:
            assert isinstance(body, dict) and body.get("decision_id"), body
    decisions = [r for r in gw.records() if r["type"] == "decision"]
    assert len(decisions) == len(statuses)
    forwarded = sum(1 for s in statuses if s == 200)
    assert forwarded == sum(len(b.requests) for b in backends.values())
    assert forwarded and len(set(statuses)) > 2  # the fuzzer reached both verdicts
    json.dumps(decisions)  # every record is plain JSON
