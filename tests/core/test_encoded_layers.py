"""An identifier under layers of encodings (base64, URL-safe base64, base32, hex, in any
order, up to the nesting the inspection reads) in a body, a path or a header. Missed before:
three layers of base64 (base64 of base64 text has few digits, three layers often none, and a
token without digits was skipped as a word), base32 of base64, hex after a path prefix, and
any nesting in the request line (a decoded token that was plain text was not decoded again)."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import random

import pytest

from residency_gateway.core.payload import inspect_body, scan_request_line
from tests.core.test_redteam_round6 import found

TODAY = dt.date(2026, 11, 29)
KEY = b"k" * 32
SECRETS = {"id": b"110101199003071233", "mobile": b"+8613912345678",
           "id-x": b"11010519491231002X"}
LAYERS = {
    "b64": base64.b64encode,
    "b64url": lambda b: base64.urlsafe_b64encode(b).rstrip(b"="),
    "b32": lambda b: base64.b32encode(b).rstrip(b"="),
    "hex": lambda b: b.hex().encode(),
}
STACKS = [stack for n in (1, 2, 3) for stack in itertools.product(LAYERS, repeat=n)
          if not (n > 1 and stack.count("hex") > 1)]  # (hex of hex: long, same class)


def encoded(secret: bytes, stack: tuple[str, ...]) -> str:
    for layer in stack:
        secret = LAYERS[layer](secret)
    return secret.decode()


@pytest.mark.parametrize("stack", STACKS, ids=["+".join(s) for s in STACKS])
@pytest.mark.parametrize("kind", SECRETS)
def test_layers_of_encodings_in_a_body(kind, stack):
    token = encoded(SECRETS[kind], stack)
    want = "mobile" if kind == "mobile" else "id"
    assert want in found(json.dumps({"ref": token}), "application/json")


@pytest.mark.parametrize("stack", STACKS, ids=["+".join(s) for s in STACKS])
@pytest.mark.parametrize("where", ["path", "header", "query"])
def test_layers_of_encodings_in_the_request_line(where, stack):
    token = encoded(SECRETS["id"], stack)
    scan = scan_request_line(
        f"/v1/users/{token}" if where == "path" else "/v1/users",
        f"ref={token}" if where == "query" else "", key=KEY, today=TODAY,
        headers=[("X-Ref", token)] if where == "header" else [])
    assert scan.ids or scan.error is not None, (where, token)


def test_words_and_identifiers_without_digits_are_neither_found_nor_refused():
    # camelCase keys and values, long words: tokens with upper and lower case and no digit
    rng = random.Random(5)
    words = ["".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
        for _ in range(rng.randint(3, 6))) for _ in range(3000)]
    body = json.dumps({w: w[::-1] for w in words}).encode()
    scan = inspect_body(body, content_type="application/json", key=KEY, today=TODAY)
    assert scan.error is None, scan.note
    assert not scan.ids and not scan.phones
