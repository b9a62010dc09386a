"""Past an inspection limit, a request is refused, never read in part.

Found (round 6): the request line read a value's decodings only up to MAX_DERIVED_VIEWS and
suppressed what its base64 tokens raised past their bounds, and a base64 token of raw DEFLATE
that inflated past MAX_RAW_INFLATE was skipped as if it held nothing, in a header or a body:
an identifier past the limit went through unread."""
from __future__ import annotations

import base64
import datetime as dt
import json
import zlib

from residency_gateway.core.payload import (
    MAX_DERIVED_VIEWS,
    derived_views,
    inspect_body,
    scan_request_line,
)
from residency_gateway.core.values import Reason

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"


def line(value: str):
    return scan_request_line("/", "", key=KEY, today=TODAY, headers=[("X-Note", value)])


def test_a_header_with_more_decodings_than_read_is_refused():
    # every decoding of it (JSON escapes, percent, markup, entities, QP, CSS) decodes again
    value = "\\u0041 %41 <bdo dir=rtl>1</bdo> &#37;41 =41=42 \\31  hello"
    assert len(list(derived_views(value))) >= MAX_DERIVED_VIEWS  # (non-strict: cut there)
    scan = line(value)
    assert scan.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert "encoding layers" in scan.note


def test_a_header_of_ordinary_encodings_is_read():
    scan = line("name%3D%22zhang%22%26id%3D" + ID)
    assert scan.error is None and len(scan.ids) == 1


def _inflating_past_the_limit() -> str:
    """base64 of raw DEFLATE whose text (an ID first) inflates to ~2.9 MB."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = c.compress(f"id {ID} ".encode() + bytes(range(32, 127)) * 30000) + c.flush()
    return base64.b64encode(raw).decode()


def test_a_deflate_token_inflating_past_the_limit_in_a_header_is_refused():
    scan = line(_inflating_past_the_limit())
    assert scan.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert "inflates" in scan.note


def test_a_deflate_token_inflating_past_the_limit_in_a_body_is_refused():
    body = json.dumps({"blob": _inflating_past_the_limit()}).encode()
    scan = inspect_body(body, content_type="application/json", key=KEY, today=TODAY)
    assert scan.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT


def test_a_deflate_token_within_the_limit_is_read():
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = c.compress(f"<AuthnRequest><Subject>{ID}</Subject></AuthnRequest>".encode()) + c.flush()
    scan = line(base64.b64encode(raw).decode())
    assert scan.error is None and len(scan.ids) == 1
