"""An identifier base64-, base32- or hex-encoded in the request path or X-Request-ID: the
request is kept in China like the plain one (the request line's inspection decodes it), and
neither the trail nor the log shows the encoded form (anyone who decodes it reads the ID:
both showed it as sent)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import aiohttp
import pytest

from residency_gateway.core.payload import redact_path
from residency_gateway.gateway.proxy import _request_id
from tests.conftest import GatewayProcess, map_of_backends
from tests.corpus.build import ID18, MOBILE
from tests.helpers import ADDR, write_map


def encodings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "base64url-labelled": base64.urlsafe_b64encode(b"id:" + raw).decode().rstrip("="),
        "base32": base64.b32encode(raw).decode().rstrip("="),
        "base64-of-json": base64.b64encode(json.dumps({"id": secret}).encode()).decode()
        .rstrip("="),
        "base64-of-base64": base64.b64encode(base64.b64encode(raw)).decode().rstrip("="),
    }


CASES = [(f"{label}-{name}", token) for label, secret in (("id", ID18), ("mobile", "+86" + MOBILE))
         for name, token in encodings(secret).items()]


@pytest.mark.parametrize(("name", "token"), CASES, ids=[c[0] for c in CASES])
def test_a_path_segment_or_request_id_that_decodes_to_an_identifier_is_not_shown(name, token):
    assert redact_path(f"/v1/users/{token}/profile") == "/v1/users/{redacted}/profile"
    assert _request_id(token) != token


@pytest.mark.parametrize("ordinary", [
    "tkn_9f8e7d6c5b4aXyZQ", "YSBoZWxsbyB3b3JsZCB0ZXh0", "abcdefghijklmnopqrstuvwxyz",
    "req-7Hc2Kd9LmQpR3sTv", "ZXhhbXBsZS1yZXF1ZXN0LWlk",  # base64 of "example-request-id"
])
def test_tokens_that_decode_to_no_identifier_are_shown(ordinary):
    assert redact_path(f"/v1/users/{ordinary}/profile") == f"/v1/users/{ordinary}/profile"
    assert _request_id(ordinary) == ordinary


async def test_encoded_identifiers_in_path_and_request_id_stay_out_of_trail_and_log(
        tmp_path: Path, backends, geo_db, processes):
    gw = GatewayProcess(processes, write_map(tmp_path / "map.yaml", map_of_backends(backends)),
                        geo_db,
                        tmp_path / "data")
    await gw.start()
    try:
        async with aiohttp.ClientSession() as s:
            for _, token in CASES:
                async with s.post(f"{gw.url}/v1/users/{token}/compare", json={},
                                  headers={"X-Tenant-ID": "acme", "X-Request-ID": token,
                                           "X-Forwarded-For": ADDR["SG"]}) as r:
                    await r.read()
                    assert r.status == 200, (token, r.status)
                    assert r.headers["X-Residency-Region"] == "cn", token
    finally:
        assert gw.terminate() == 0
    text = "".join(p.read_text() for p in (tmp_path / "data" / "trail").rglob("*.jsonl"))
    text += gw.log.read_text()
    assert "/v1/users/{redacted}/compare" in text
    shown = [name for name, token in CASES if token in text]
    assert shown == [], f"encoded identifiers in the trail or log: {shown}"
