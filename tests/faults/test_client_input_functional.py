"""Faults a single client can cause: bytes that are not UTF-8 in headers and paths, odd
request targets and expectations, a request that makes the gateway fail. Each gets a recorded
answer, and the gateway keeps answering everyone else."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from tests.faults.harness import (
    Result,
    answers_again,
    check_invariants,
    load,
    write_map_for,
)
from tests.helpers import ADDR


async def raw(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request written byte for byte; returns status, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=15)
    finally:
        writer.close()
    head_text, _, payload = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, payload


def request_head(target: bytes, *extra: bytes, tenant: bytes = b"acme",
                 length: int = 2) -> bytes:
    lines = [b"POST " + target + b" HTTP/1.1", b"Host: gw.test", b"X-Tenant-ID: " + tenant,
             b"X-Forwarded-For: " + ADDR["SG"].encode(), b"Content-Type: application/json",
             b"Content-Length: " + str(length).encode(), b"Connection: close", *extra]
    return b"\r\n".join(lines) + b"\r\n"


BAD = b"\xff\xfe\xc3\x28\x00"[:4]  # not UTF-8 (and no NUL, which the parser refuses itself)


async def test_client_text_that_is_not_utf8_is_recorded_safely_and_the_gateway_stays_up(
        tmp_path, geo_db, upstreams, procs, scorecard):
    """Non-UTF-8 bytes in X-Api-Key, Content-Encoding, X-Request-ID, the tenant header and the
    path each get an answer with a decision id; the trail verifies and holds only escaped text;
    normal traffic is forwarded afterwards without a restart."""
    row = scorecard("non-UTF-8 header and path bytes")
    gw = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db).start()
    cases = [
        request_head(b"/v1/compare", b"X-Api-Key: key-" + BAD),
        request_head(b"/v1/compare", b"Content-Encoding: gz" + BAD),
        request_head(b"/v1/compare", b"X-Request-ID: r-" + BAD),
        request_head(b"/v1/compare", tenant=b"ac" + BAD),
        request_head(b"/v1/comp%ff%fe/%00%0a%1b[31m"),
        request_head(b"/v1/compare", b"X-Custom-Note: " + BAD * 200),
    ]
    results: list[Result] = []
    for head in cases:
        status, headers, _ = await raw(gw.port, head, b"{}")
        assert status < 500, status  # forwarded (the upstream answers) or refused
        assert headers.get("x-residency-decision")
        results.append(Result(status, headers["x-residency-decision"], False))
    # raw bytes in the request line: the HTTP parser refuses them (400, nothing read, no
    # request, so nothing to record) and the log does not quote the line
    status, _, _ = await raw(gw.port, request_head(b"/v1/" + BAD + b"110105194912310021"), b"{}")
    assert status == 400
    row.recovery_s = await answers_again(gw.url, bound_s=5, row=row)
    results += await load(gw.url, total=40, concurrency=4)
    assert all(r.status == 200 for r in results[len(cases):])
    async with aiohttp.ClientSession() as s, s.get(gw.admin + "/readyz") as r:
        assert r.status == 200, await r.text()
    assert await gw.terminate() == 0  # before reading the trail: no torn read of a live tail
    records = await check_invariants(row, results, upstreams, gw.data_dir)
    text = json.dumps(records, ensure_ascii=False)
    # client bytes enter records only as escapes (or not at all), never raw
    assert "\xff" not in text and "\udcff" not in text and "\ufffd" not in text
    shown = [r["path"] for r in records if r.get("type") == "decision"]
    assert all(p.isprintable() and p.isascii() for p in shown), shown
    log_text = gw.log_path.read_text(errors="replace")
    assert "110105194912310021" not in log_text
    assert "request_refused_by_parser" in log_text


async def test_every_odd_request_gets_a_recorded_answer(tmp_path, geo_db, upstreams, procs,
                                                        scorecard):
    """Absolute-form targets are forwarded in origin-form (RFC 9112 s.3.2.2), an unsupported
    Expect is a recorded 417, and bodies that crashed the scanner (a JSON integer of 5000
    digits, a NUL in a multipart charset) get an answer with a recorded decision id."""
    row = scorecard("odd requests (absolute-form, Expect, pathological bodies)")
    gw = await procs(tmp_path, write_map_for(tmp_path, upstreams), geo_db).start()
    results: list[Result] = []

    status, headers, _ = await raw(gw.port, request_head(
        b"http://gw.test:8080/v1/compare?x=1"), b"{}")
    assert status == 200
    assert upstreams.seen[-1].decision_id == headers["x-residency-decision"]
    results.append(Result(status, headers["x-residency-decision"], False))

    status, headers, body = await raw(gw.port, request_head(b"/v1/compare",
                                                            b"Expect: teapot"), b"{}")
    assert status == 417
    assert json.loads(body)["reason"] == "expectation_failed"
    results.append(Result(status, headers["x-residency-decision"], False))

    digits = b"[" + b"7" * 5000 + b"]"
    status, headers, _ = await raw(gw.port, request_head(b"/v1/compare", length=len(digits)),
                                   digits)
    assert headers.get("x-residency-decision"), status
    results.append(Result(status, headers["x-residency-decision"], False))

    multipart = (b"--b\r\nContent-Disposition: form-data; name=\"f\"\r\n"
                 b"Content-Type: text/plain; charset=\"u\x00tf\"\r\n\r\nhello\r\n--b--\r\n")
    head = request_head(b"/v1/compare", length=len(multipart)).replace(
        b"application/json", b"multipart/form-data; boundary=b")
    status, headers, _ = await raw(gw.port, head, multipart)
    assert headers.get("x-residency-decision"), status
    results.append(Result(status, headers["x-residency-decision"], False))

    began = time.monotonic()
    row.recovery_s = await answers_again(gw.url, bound_s=5, row=row)
    assert time.monotonic() - began < 5
    assert await gw.terminate() == 0
    records = await check_invariants(row, results, upstreams, gw.data_dir)
    recorded = {r["decision_id"] for r in records if r["type"] == "decision"}
    assert {r.decision_id for r in results} <= recorded
