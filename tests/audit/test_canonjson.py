"""The trail's canonical JSON (orjson where it writes the same bytes) equals the reference
definition (the standard library's sorted, compact, UTF-8 form) byte for byte, and refuses
what the reference refuses: trails written before stay verifiable."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.audit.canonjson import canonical, stdlib_canonical
from residency_gateway.audit.records import completion_record, decision_record
from residency_gateway.core.payload import InspectOptions, inspect_body
from tests.helpers import ADULT_ID, decide_for, loaded


def same(obj):
    try:
        expected = stdlib_canonical(obj)
    except Exception as exc:  # the reference refuses: so must we, with the same error type
        with pytest.raises(type(exc)):
            canonical(obj)
        return
    assert canonical(obj) == expected


def record_corpus():
    lm = loaded()
    out = []
    body = json.dumps({"name": "张三", "id": ADULT_ID, "mobile": "+86 139 1234 5678",
                       "note": "ok"}, ensure_ascii=False).encode()
    scan = inspect_body(body, content_type="application/json", key=b"k" * 32,
                        today=dt.date(2026, 11, 29), options=InspectOptions())
    for xff in ("198.51.100.10", "192.0.2.9", "203.0.113.200", "10.0.0.1", "2001:db8:86::1",
                "not an address", None):
        for payload in (None, scan):
            d = decide_for(lm, xff=xff, payload=payload)
            out.append(decision_record(d, geoip_build="2026-11-29", gateway_region="cn",
                                       request_id="r-1", method="POST", path="/v1/公司/ocr"))
    out.append(decision_record(decide_for(lm, tenant="nobody"), geoip_build=None,
                               gateway_region=None, request_id="r", method="GET", path="/"))
    out.append(completion_record(decision_id="d", time="2026-11-29T00:00:00.000001+00:00",
                                 region="sg", status=200, outcome="completed",
                                 bytes_up=2**40, bytes_down=0, duration_us=123,
                                 attempts=["sg", "jp"]))
    return out


def test_real_records_and_trail_lines_are_byte_identical():
    corpus = record_corpus()
    assert len(corpus) >= 15
    for seq, record in enumerate(corpus):
        same(record)
        same({"log_id": "gw-1", "seq": seq, "prev": "ab" * 32, "record": record})


class Colour(enum.Enum):
    RED = "red"


class Code(enum.StrEnum):
    A = "a"


class Level(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize("value", [
    2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**40, -(10**40),
    "\x00\x1f\x7f\b\f\n\r\t\"\\/", "\u2028\u2029", "é中😀\U0010ffff", "\ud800",
    {"\U00010000": 1, "\uffff": 2, "é": 3, "z": 4, "": 5},
    1.0, 0.1, 1e16, 1e-7, -0.0, math.nan, math.inf,
    {1: "int key"}, {True: 1}, Code.A, Level.ONE, Colour.RED, (1, "tuple"), [[], {}],
    {"deep": [{"x": [1, 2**70, None, True]}]},
])
def test_edge_values(value):
    same(value)
    same({"wrapped": value})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_json_value(value):
    same(value)
