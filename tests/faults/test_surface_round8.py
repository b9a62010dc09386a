"""Round 8 red team of the request surface, as a hostile client on raw TCP: identifiers spelt
in ways a receiver decodes (integer literals in another base, eight-digit escapes, byte
arrays, HZ, percent-escaped UTF-16, X lookalikes) in every place a client controls.

The non-CN upstreams are the raw recorders of round 7. A spelling that hides the digits from
`readable()` (hex, a byte array) is judged by where the request went: one that carries an
identifier must not reach a non-CN upstream at all."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import urllib.parse
import zlib

import pytest

from tests.faults import test_surface_round7 as round7
from tests.faults.test_smuggling_round6 import exchange, statuses
from tests.faults.test_surface_round7 import abroad, leaked, request
from tests.helpers import ADULT_ID

raw_ups = round7.raw_ups  # the fixtures of round 7: raw recorders as the non-CN upstreams
gw = round7.gw

ID = ADULT_ID.encode()
MOBILE = b"13912345678"
HEX_MOBILE = hex(int(MOBILE)).encode()  # 0x33d4c0b4e
HEX_ID = hex(int(ID)).encode()
X_ID = b"11010119900307109X"  # an ID whose check character is X


def _bytes_array(text: bytes) -> bytes:
    return b"[" + b",".join(str(c).encode() for c in text) + b"]"


def _u8(text: bytes) -> bytes:
    return b"".join(b"\\U%08x" % c for c in text)


# Each request carries a mainland identifier in a spelling a receiver decodes: it must be
# kept in China (200 from the CN upstream, nothing abroad) or refused (4xx, nothing abroad).
CARRIES: dict[str, bytes] = {
    # integer literals in another base (YAML, TOML, JSON5, Python, JS), in every place
    "header_hex_mobile": request(b"X-Phone: " + HEX_MOBILE),
    "header_hex_id": request(b"X-Ref: " + HEX_ID),
    "header_upper_hex_mobile": request(b"X-Phone: " + HEX_MOBILE.upper().replace(b"0X", b"0x")),
    "query_hex_mobile": request(target=b"/v1/compare?tel=" + HEX_MOBILE),
    "path_hex_id": request(target=b"/v1/subjects/" + HEX_ID),
    "cookie_hex_mobile": request(b"Cookie: sid=abc; tel=" + HEX_MOBILE),
    "body_yaml_hex": request(body=b"phone: " + HEX_MOBILE, content_type=b"application/yaml"),
    "body_json5_hex": request(body=b"{tel: " + HEX_MOBILE + b"}",
                              content_type=b"application/json5"),
    "body_toml_underscored": request(body=b"id = 0x" + b"_".join(
        HEX_ID[2:][i:i + 4] for i in range(0, len(HEX_ID) - 2, 4)),
        content_type=b"application/toml"),
    "body_form_hex": request(body=b"tel=" + HEX_MOBILE,
                             content_type=b"application/x-www-form-urlencoded"),
    # eight-digit \U escapes (Python, C, C++) in a header, the query and a body
    "header_U_escapes": request(b"X-Note: " + _u8(MOBILE)),
    "query_U_escapes": request(target=b"/v1/compare?q=" + _u8(ID).replace(b"\\", b"%5C")),
    "body_U_escapes": request(body=b'{"t": "' + _u8(MOBILE).replace(b"\\", b"\\\\") + b'"}'),
    # text as the array of its bytes (Node's Buffer as JSON), plain and gzipped
    "body_node_buffer": request(body=b'{"type":"Buffer","data":' + _bytes_array(
        b"tel " + MOBILE) + b"}"),
    "body_byte_array_id": request(body=b'{"doc":' + _bytes_array(ID) + b"}"),
    "body_byte_array_gzip": request(body=b'{"blob":' + _bytes_array(gzip.compress(
        b'{"id":"' + ID + b'"}', mtime=0)) + b"}"),
    "body_byte_array_in_base64": request(body=b'{"b":"' + base64.b64encode(
        b"tel " + _bytes_array(MOBILE)) + b'"}'),
    # HZ (RFC 1843), undeclared: fullwidth digits as "~{#1#3#9...~}"
    "body_hz": request(body="电话１３９１２３４５６７８".encode("hz"), content_type=b"text/plain"),
    "body_hz_multipart": request(
        body=b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
        + "电话１３９１２３４５６７８".encode("hz") + b"\r\n--b--\r\n",
        content_type=b"multipart/form-data; boundary=b"),
    # a form posted in UTF-16: its percent escapes are of UTF-16 bytes
    "body_form_utf16": request(body=b"tel=" + b"".join(b"%%%02X%%00" % c for c in MOBILE),
                               content_type=b"application/x-www-form-urlencoded; "
                               b"charset=utf-16le"),
    "query_utf16_escapes": request(target=b"/v1/compare?tel=" + b"".join(
        b"%%00%%%02X" % c for c in MOBILE)),
    # the check character X as a cross or a lookalike letter
    "header_x_dingbat": request(b"X-Note: " + X_ID[:-1] + "\u2715".encode()),
    "query_x_saltire": request(target=b"/v1/compare?id=" + X_ID[:-1] + b"%E2%98%93"),
    "body_x_cross_mark": request(body=json.dumps({"id": X_ID[:-1].decode() + "\u274c"}).encode()),
    "body_x_ideograph": request(body=json.dumps({"id": X_ID[:-1].decode() + "\u4e42"},
                                                ensure_ascii=False).encode()),
    "body_x_coptic": request(body=json.dumps({"id": X_ID[:-1].decode() + "\u2cad"}).encode()),
    "body_bullet_groups": request(body=json.dumps({"n": "139\u20221234\u20225678"}).encode()),
    # scientific notation outside a JSON body, and overlong UTF-8 escapes
    "header_scientific": request(b"X-Amount: 1.3912345678E10"),
    "query_scientific": request(target=b"/v1/compare?t=1.3912345678e%2B10"),
    "body_yaml_scientific": request(body=b"t: 1.3912345678e+10", content_type=b"application/yaml"),
    "query_overlong_utf8": request(target=b"/v1/compare?t=" + b"".join(
        b"%%C0%%%02X" % (0x80 | c) for c in MOBILE)),
    # a charset declared twice (a dict-building parser keeps the last); HZ under another label
    "body_second_charset": request(body="电话１３９１２３４５６７８".encode("punycode"),
                                   content_type=b"text/plain; charset=utf-8; charset=punycode"),
    "body_hz_labelled_utf8": request(body="电话１３９１２３４５６７８".encode("hz"),
                                     content_type=b"text/plain; charset=utf-8"),
    # base64 inside a UTF-16 body (its bytes hold no token); compressed bytes percent-encoded
    "body_utf16_json_base64": request(body=json.dumps({"d": base64.b64encode(
        b"tel " + MOBILE).decode()}).encode("utf-16")),
    "body_form_percent_gzip": request(body=b"a=1&d=" + urllib.parse.quote_from_bytes(
        gzip.compress(b'{"id":"' + ID + b'"}'), safe="").encode(),
        content_type=b"application/x-www-form-urlencoded"),
    "query_percent_gzip": request(target=b"/v1/compare?d=" + urllib.parse.quote_from_bytes(
        gzip.compress(b"tel " + MOBILE), safe="").encode()),
    "cookie_percent_zlib": request(b"Cookie: s=" + urllib.parse.quote_from_bytes(
        zlib.compress(b"tel " + MOBILE), safe="").encode()),
    # a header value in HZ (its '#'-separated digits are no run); a header name in hex
    "header_value_hz": request(b"X-Note: " + "电话１３９１２３４５６７８".encode("hz")),
    "header_name_hex": request(b"X-" + HEX_MOBILE + b": a"),
    # byte arrays in a header and a cookie
    "header_byte_array": request(b"X-Data: " + _bytes_array(MOBILE)),
    "cookie_node_buffer": request(b"Cookie: d=" + urllib.parse.quote(json.dumps(
        {"type": "Buffer", "data": list(b"tel " + MOBILE)})).encode()),
    # decimal numbers of a binary serialization (CBOR tag 4: Decimal('13912345678.0'))
    "body_cbor_decimal_fraction": request(body=b"\xa1\x61t\xc4\x82\x20\x1b" + (
        10 * int(MOBILE)).to_bytes(8, "big"), content_type=b"application/cbor"),
    # form fields bound in index order
    "body_form_index_order": request(body=b"id[2]=1233&id[0]=110101&id[1]=19900307",
                                     content_type=b"application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("name", list(CARRIES))
async def test_an_encoded_identifier_stays_in_china(name, gw, raw_ups):
    got = await exchange(gw.running.proxy_port, CARRIES[name])
    await asyncio.sleep(0.05)
    seen = statuses(got)
    assert seen and all(s < 500 for s in seen), (seen, got[:400])
    assert abroad(raw_ups) == [], abroad(raw_ups)[:1]
    assert seen == [200], got[:400]  # kept in China, not refused


# The same places with ordinary values of those shapes: still abroad.
CLEAN: dict[str, bytes] = {
    "header_hex_colour_and_mask": request(b"X-Style: color 0xff8800; mask 0xFFFF0000"),
    "header_pointer": request(b"X-Debug: at 0x7ffee3b1c9a0 in frame 0x0000000000401000"),
    "header_eth_address": request(b"X-Wallet: 0x52908400098527886E0F7030069857D2E4169EE7"),
    "body_eth_call": request(body=json.dumps({
        "jsonrpc": "2.0", "method": "eth_call", "id": 1,
        "params": [{"to": "0xd46e8dd67c5d32be8058bb8eb970870f07244567",
                    "gas": "0x76c0", "gasPrice": "0x9184e72a000", "value": "0x9184e72a"}],
    }).encode()),
    "body_uint8_embedding": request(body=json.dumps({
        "embedding": [(n * 37 + 11) % 256 for n in range(128)]}).encode()),
    "body_small_int_arrays": request(body=json.dumps({
        "scores": [88, 92, 75, 60, 99, 100, 45, 67, 81, 90, 73, 58],
        "landmarks": [[120, 88], [131, 90], [142, 91]]}).encode()),
    "body_bullet_list": request(body=json.dumps({"note": "• 2026 • 12 • 1 •"}).encode()),
}


@pytest.mark.parametrize("name", list(CLEAN))
async def test_ordinary_values_of_those_shapes_still_go_abroad(name, gw, raw_ups):
    got = await exchange(gw.running.proxy_port, CLEAN[name])
    await asyncio.sleep(0.05)
    assert statuses(got) == [200], got[:400]
    assert len(abroad(raw_ups)) == 1
    assert leaked(raw_ups) == []


# Tried in this round and held (pinned): what the client wrote there never reaches a non-CN
# upstream. (statuses, requests abroad): abroad 1 means the field was not forwarded.
HELD: dict[str, tuple[bytes, list[int], int]] = {
    # chunk extensions (on a data chunk and on the last one) are not forwarded
    "chunk_extension": (request(b"Transfer-Encoding: chunked",
                                body=b"2;x=" + ID + b"\r\n{}\r\n0\r\n\r\n"), [200], 1),
    "last_chunk_extension": (request(b"Transfer-Encoding: chunked",
                                     body=b"2\r\n{}\r\n0;x=" + ID + b"\r\n\r\n"), [200], 1),
    "upgrade": (request(b"Upgrade: " + ID, b"Connection: Upgrade"), [200], 1),
    "obs_fold": (request(b"X-Note: 139\r\n 12345678"), [400], 0),
    "cookie_octal_escapes": (request(b'Cookie: a="' + b"".join(b"\\%03o" % c for c in MOBILE)
                                     + b'"'), [200], 0),
    "header_gbk_bytes": (request(b"X-Note: " + "手机１３９１２３４５６７８".encode("gbk")), [200], 0),
    "header_rfc2047_q_gbk": (request(b"X-Note: =?gbk?q?" + b"".join(
        b"=%02X" % c for c in "１３９１２３４５６７８".encode("gbk")) + b"?="), [200], 0),
    "query_percent_u": (request(target=b"/v1/c?tel=" + b"".join(b"%%u%04x" % c for c in MOBILE)),
                        [200], 0),
    "x_original_url": (request(b"X-Original-URL: /v1/" + ID), [200], 0),
    "digest_base64": (request(b"Digest: sha-256=" + base64.b64encode(b"tel " + MOBILE)),
                      [200], 0),
    "host_punycode_numerals": (request().replace(b"Host: gw.test", b"Host: xn--" + "一三九一二三四五六七八"
                                                 .encode("punycode") + b".test"), [200], 0),
    "content_encoding_gzip_twice": (request(b"Content-Encoding: gzip, gzip", body=gzip.compress(
        gzip.compress(b'{"id":"' + ID + b'"}'))), [200], 0),
    # the tenant header must name a tenant as it is (no trailing text, no other spelling)
    "tenant_with_trailing_mobile": (request().replace(b"X-Tenant-ID: acme", b"X-Tenant-ID: acme "
                                                      + MOBILE), [403], 0),
    "tenant_with_parameter": (request().replace(b"X-Tenant-ID: acme", b"X-Tenant-ID: acme;"
                                                + MOBILE), [403], 0),
    "tenant_upper_case": (request().replace(b"X-Tenant-ID: acme", b"X-Tenant-ID: ACME"), [403], 0),
    # hop-by-hop fields and their tokens are not forwarded
    "connection_token": (request().replace(b"Connection: close", b"Connection: close, " + ID),
                         [200], 1),
    "te_parameter": (request(b"TE: trailers;q=" + ID), [200], 1),
    "connection_named_header": (request(b"X-Note: " + ID).replace(
        b"Connection: close", b"Connection: close, X-Note"), [200], 0),
    "target_asterisk_with_body": (request(method=b"OPTIONS", target=b"*", body=b'{"id":"' + ID
                                          + b'"}'), [400], 0),
}


@pytest.mark.parametrize("name", list(HELD))
async def test_held(name, gw, raw_ups):
    data, want_status, want_abroad = HELD[name]
    got = await exchange(gw.running.proxy_port, data)
    await asyncio.sleep(0.05)
    assert (statuses(got), len(abroad(raw_ups))) == (want_status, want_abroad), got[:300]
    assert leaked(raw_ups) == []
