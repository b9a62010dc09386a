"""Binary serializations (MessagePack, CBOR, BSON, protobuf) are read as their receiver
decodes them: an integer there is binary, and "phone: <uint64 13912345678>" went abroad unread
(red-team round 6). Declared types are decoded, or refused when they do not decode; MessagePack,
CBOR and BSON are also sniffed where the whole body is one document."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import struct

import bson
import cbor2
import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.core.payload import inspect_body
from residency_gateway.core.serialized import sniffed, tree_text
from residency_gateway.core.values import Reason

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"
MOBILE = 13912345678


def scan(body: bytes, content_type: str = ""):
    return inspect_body(body, content_type=content_type, key=KEY, today=TODAY)


def found(body: bytes, content_type: str = "") -> set[str]:
    r = scan(body, content_type)
    assert r.error is None, r.note
    return ({"id" for i in r.ids if i.area_jurisdiction == "CN"}
            | {"mobile" for p in r.phones if p.jurisdiction == "CN"})


def varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([low])
        out += bytes([low | 0x80])


def pb_field(number: int, wire: int, payload: bytes) -> bytes:
    return varint(number << 3 | wire) + payload


DOC = {"phone": MOBILE, "name": "x"}
CASES = {
    "msgpack uint64": (msgpack.packb(DOC), "application/msgpack"),
    "msgpack float64": (msgpack.packb({"phone": float(MOBILE)}, use_single_float=False),
                        "application/x-msgpack"),
    "msgpack id": (msgpack.packb({"id": int(ID[:17]) * 10 + 3}), "application/vnd.msgpack"),
    "msgpack stream": (msgpack.packb({"a": 1}) + msgpack.packb([MOBILE]), "application/msgpack"),
    "msgpack int keys": (msgpack.packb({1: {2: MOBILE}}), "application/msgpack"),
    "cbor uint64": (cbor2.dumps(DOC), "application/cbor"),
    "cbor tagged": (cbor2.dumps(cbor2.CBORTag(55799, DOC)), "application/cbor"),
    "cbor sequence": (cbor2.dumps("x") + cbor2.dumps(MOBILE), "application/cbor-seq"),
    "cbor suffix type": (cbor2.dumps([MOBILE]), "application/vnd.acme+cbor"),
    "bson int64": (bson.encode({"phone": bson.Int64(MOBILE)}), "application/bson"),
    "bson double": (bson.encode({"phone": float(MOBILE)}), "application/bson"),
    "protobuf varint": (pb_field(1, 0, varint(MOBILE)), "application/x-protobuf"),
    "protobuf zigzag": (pb_field(3, 0, varint(MOBILE * 2)), "application/protobuf"),
    "protobuf fixed64": (pb_field(2, 1, struct.pack("<q", MOBILE)), "application/protobuf"),
    "protobuf double": (pb_field(2, 1, struct.pack("<d", float(MOBILE))),
                        "application/protobuf"),
    "protobuf nested": (pb_field(5, 2, varint(6) + pb_field(1, 0, varint(MOBILE))),
                        "application/vnd.google.protobuf"),
}


@pytest.mark.parametrize("case", CASES)
def test_declared_serializations_are_decoded(case):
    body, ctype = CASES[case]
    assert found(body, ctype), case


@pytest.mark.parametrize("case", [c for c in CASES if c.split()[0] in ("msgpack", "cbor",
                                                                        "bson")
                                  and "stream" not in c and "sequence" not in c
                                  and "suffix" not in c])  # (a map at the top, sniffed)
@pytest.mark.parametrize("ctype", ["", "application/octet-stream", "image/x-unknown"])
def test_undeclared_documents_are_sniffed(case, ctype):
    body, _ = CASES[case]
    assert found(body, ctype), case


def test_inside_base64_in_json():
    token = base64.b64encode(msgpack.packb(DOC)).decode()
    assert found(json.dumps({"blob": token}).encode(), "application/json")


@pytest.mark.parametrize("ctype", ["application/msgpack", "application/cbor",
                                   "application/bson", "application/x-protobuf"])
def test_a_declared_body_that_does_not_decode_is_malformed(ctype):
    body = b"\xc1\xff\xff\x00 this is no document \x07" if "proto" not in ctype else b"\x07\x07"
    r = scan(body, ctype)
    assert r.error == Reason.MALFORMED_PAYLOAD, r.note


def test_ordinary_documents_stay_clean():
    doc = {"ts": 1764403200, "count": 12, "ratio": 0.5, "ok": True, "tags": ["a", "b"],
           "uid": 4503599627370495, "nothing": None}
    for body, ctype in [(msgpack.packb(doc), "application/msgpack"),
                        (cbor2.dumps(doc), "application/cbor"),
                        (bson.encode(doc), "application/bson")]:
        assert found(body, ctype) == set(), ctype
        assert found(body) == set(), ctype


def test_deep_or_huge_documents_are_not_written_out_without_bound():
    deep: object = MOBILE
    for _ in range(200):
        deep = [deep]
    assert tree_text("msgpack", msgpack.packb(deep)) is None
    assert tree_text("cbor", cbor2.dumps(list(range(300_000)))) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=8, max_size=512), st.sampled_from([0x81, 0x82, 0x8F, 0xA1, 0xA2,
                                                              0xBF, 0xDE]))
def test_random_bytes_that_start_like_a_map_are_no_finding(tail, first):
    body = bytes([first]) + tail
    kind = sniffed(body)
    assert kind in ("msgpack", "cbor")
    r = scan(body, "application/octet-stream")
    assert r.error is None
    assert not r.ids and not r.phones


def test_random_binary_bodies_are_not_refused_by_the_sniff():
    for _ in range(200):
        body = os.urandom(256)
        assert scan(body, "application/octet-stream").error is None
