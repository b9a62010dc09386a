"""A client that goes away is the client's failure, never the gateway's internal_error (which
counts in rg_internal_errors_total and pages whoever runs the gateway)."""

from __future__ import annotations

import asyncio

from tests.helpers import ADDR


async def test_a_client_gone_before_100_continue_is_not_an_internal_error(make_gateway):
    """`Expect: 100-continue`, then the client leaves before the gateway says 100 Continue:
    each request still has its record (a recorded 400 client_disconnected), none is an
    internal_error."""
    gw = await make_gateway()
    for _ in range(10):
        _, w = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
        w.write(b"POST /v1/x HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme"
                + b"\r\nX-Forwarded-For: " + ADDR["SG"].encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: 10\r\n"
                b"Expect: 100-continue\r\n\r\n")
        await w.drain()
        w.transport.abort()
    for _ in range(100):
        records = gw.records()
        decided = {r["decision_id"] for r in records if r["type"] == "decision"}
        forwarded = {r["decision_id"] for r in records
                     if r["type"] == "decision" and r.get("action") == "forward"}
        completed = {r["decision_id"] for r in records if r["type"] == "completion"}
        if len(decided) >= 10 and forwarded <= completed:
            break
        await asyncio.sleep(0.05)
    assert len(decided) == 10 and forwarded <= completed  # every request has its record
    assert gw.runtime.metrics.internal_errors._value.get() == 0
    reasons = [reason for r in records if r["type"] == "decision" for reason in r["reasons"]]
    outcomes = [r["outcome"] for r in records if r["type"] == "completion"]
    assert "internal_error" not in reasons + outcomes
    assert set(reasons + outcomes) & {"client_disconnected"}
