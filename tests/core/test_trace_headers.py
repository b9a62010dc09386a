"""Trace headers, Baggage, Forwarded and X-Real-IP reach the upstream as the client wrote
them, so they are read (smuggling round 6: "Baggage: userId=<ID>" went abroad unread). A
trace header in exactly its standard form (hex ids and flags) is not: it is new on every
request, which the memo cannot spare, and it holds nothing the scan would read."""
from __future__ import annotations

import datetime as dt

import pytest

from residency_gateway.core.payload import _line_entries, scan_request_line

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"
MOBILE = "13912345678"

STANDARD = [
    ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ("sentry-trace", "771a43a4192642f0b136d5159a501700-8b7a1c5a3b2e4f11-1"),
    ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
    ("x-b3-spanid", "a2fb4a1d1a96d312"),
    ("x-b3-sampled", "1"),
    ("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
]


@pytest.mark.parametrize(("name", "value"), STANDARD)
def test_a_trace_header_in_its_standard_form_is_not_read(name, value):
    assert [label for label, _ in _line_entries("/", "", [(name, value)], ())] == ["path"]


@pytest.mark.parametrize(("name", "value", "kind"), [
    ("traceparent", f"00-{ID}-01", "id"),
    ("traceparent", f"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01;u={MOBILE}",
     "phone"),
    ("sentry-trace", f"{MOBILE}", "phone"),
    ("x-b3-traceid", ID, "id"),
    ("x-amzn-trace-id", f"Root=1-5759e988-bd862e3fe1be46a994272793;User={ID}", "id"),
    # (a decimal span id after the hex trace id: see the last test)
    ("x-cloud-trace-context", f"105445aa7843bc8bf206b12000100000/{MOBILE};o=1", "phone"),
    ("baggage", f"userId={ID}", "id"),
    ("tracestate", f"vendor=tel:{MOBILE}", "phone"),
    ("forwarded", f"for={ID}", "id"),
    ("x-real-ip", ID, "id"),
    ("content-type", f"application/vnd.{ID}+json", "id"),
    ("content-type", f"application/x-{MOBILE}; charset=utf-8", "phone"),
    ("content-type", f"multipart/form-data; boundary=x; name={ID}", "id"),
    ("x-tenant-id", ID, "id"),  # (not a credential unless the caller says so: skip_headers)
    ("x-api-key", ID, "id"),
    ("content-encoding", f"x{ID}", "id"),
    ("content-encoding", f"gzip, x-{MOBILE}", "phone"),
])
def test_anything_else_in_them_is_read(name, value, kind):
    scan = scan_request_line("/", "", key=KEY, today=TODAY, headers=[(name, value)])
    assert scan.error is None, scan.note
    assert (scan.ids if kind == "id" else scan.phones), (name, value)


def test_addresses_and_ordinary_trace_state_read_as_nothing():
    scan = scan_request_line("/", "", key=KEY, today=TODAY, headers=[
        ("forwarded", 'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"'),
        ("x-real-ip", "203.0.113.195"),
        ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
        ("baggage", "userId=alice,serverNode=DF%2028,isProduction=false"),
        ("x-cloud-trace-context", "105445aa7843bc8bf206b12000100000/1;o=1"),
    ])
    assert scan.error is None and not scan.ids and not scan.phones, scan


def test_a_mobile_after_a_hash_that_ends_in_digits_is_read():
    """Found writing these tests: a digit run that began inside a hash or UUID was skipped
    whole, the groups after the token included (scanner._clean_runs now begins it again
    after the token)."""
    path = "/files/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/" + MOBILE
    assert scan_request_line(path, "", key=KEY, today=TODAY).phones
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    assert scan_request_line(f"/u/{uuid} {MOBILE}", "", key=KEY, today=TODAY).phones
    # the token's own digits stay no identifier
    assert not scan_request_line("/h/" + "1" * 20 + "abcdef" + "2" * 20, "", key=KEY,
                                 today=TODAY).phones


@pytest.mark.parametrize(("value", "found"), [
    (f"application/json; profile={ID}", True),
    (f"application/json; boundary={ID}", True),          # not multipart: no body holds it
    (f'multipart/form-data; charset=utf-8; x="{MOBILE}"', True),
    ("multipart/form-data; boundary=---------------------------974767299852498929531610575",
     False),                                             # Firefox's boundary: read, nothing
    (f"multipart/form-data; boundary={ID}", True),       # a GET or empty body holds none
    (f"multipart/form-data; boundary=abc; boundary={ID}", True),
    ("application/json; charset=utf-8", False),
])
def test_content_type_parameters_are_read_a_multipart_boundary_too(value, found):
    scan = scan_request_line("/", "", key=KEY, today=TODAY, headers=[("Content-Type", value)])
    assert scan.error is None, scan.note
    assert bool(scan.ids or scan.phones) is found, value


@pytest.mark.parametrize("value", [
    "image/jp2", "audio/mp4", "video/mp2t", "application/x-pkcs12",
    "application/vnd.ms-excel.sheet.macroEnabled.12",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "multipart/form-data; boundary=--------------------------123456789012345678901234",
    "multipart/mixed; boundary=\"===============1390456789012345678==\"",
    "application/json; charset=utf-8", "gzip, br", "text/plain; charset=gb18030",
    "application/vnd.api+json; version=2.1.0", "application/pkcs7-mime; smime-type=enveloped-data",
])
def test_ordinary_media_types_read_as_nothing(value):
    name = "content-encoding" if value == "gzip, br" else "content-type"
    scan = scan_request_line("/", "", key=KEY, today=TODAY, headers=[(name, value)])
    assert scan.error is None and not scan.ids and not scan.phones, value
