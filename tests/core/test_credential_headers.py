"""The line scan skips only the credentials tenant identification reads. A request goes on
only when such a header names a tenant of the map or matches a tenant's key hash, so it holds
nothing of the client's. A credential header the mode does not read (or one named like a
credential but not configured as one) is client text that reaches the upstream: it is read.
With mode api_key, "X-Tenant-ID: <ID>" reached SG unread."""
from __future__ import annotations

import datetime as dt

import pytest

from residency_gateway.core.explain import credential_headers, with_line_scan
from residency_gateway.core.policy import RequestFacts
from tests.helpers import loaded, region_map

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"


def line_ids(mode: str, headers: list[tuple[str, str]], **ident: str):
    lm = loaded(region_map(tenant_identification={"mode": mode, **ident}))
    facts = RequestFacts(peer="127.0.0.1", headers=tuple((k.lower(), v) for k, v in headers))
    return with_line_scan(facts, "", lm.rmap, KEY, TODAY).payload.ids


@pytest.mark.parametrize(("mode", "unread"), [
    ("api_key", "X-Tenant-ID"),
    ("header", "X-Api-Key"),
])
def test_a_credential_header_the_mode_does_not_read_is_read_by_the_scan(mode, unread):
    assert line_ids(mode, [(unread, ID)])
    assert line_ids(mode, [(unread, f"t-{ID[:6]} {ID[6:]}")])


def test_headers_named_like_the_defaults_are_read_when_others_are_configured():
    ident = {"header": "X-Customer", "api_key_header": "X-Customer-Key"}
    assert line_ids("header_or_api_key", [("X-Tenant-ID", ID)], **ident)
    assert line_ids("header_or_api_key", [("X-Api-Key", ID)], **ident)
    assert not line_ids("header_or_api_key", [("X-Customer", ID)], **ident)


@pytest.mark.parametrize(("mode", "skipped"), [
    ("header", ("X-Tenant-ID",)),
    ("api_key", ("X-Api-Key",)),
    ("header_or_api_key", ("X-Tenant-ID", "X-Api-Key")),
])
def test_the_credentials_the_mode_reads_are_skipped(mode, skipped):
    lm = loaded(region_map(tenant_identification={"mode": mode}))
    assert [h.lower() for h in credential_headers(lm.rmap)] == [h.lower() for h in skipped]
    # (an API key is a secret the map holds the hash of; a random one may well hold digits)
    for name in skipped:
        assert not line_ids(mode, [(name, ID)])
