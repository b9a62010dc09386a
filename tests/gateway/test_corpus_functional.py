"""The inspection corpus against a real `residency-gateway serve` process on loopback.

Every shape is sent as raw HTTP/1.1 bytes (headers exactly as listed, duplicates included)
through a trusted proxy address. For each: the status is the expected one; mainland data
reaches only the cn upstream; nothing reaches an upstream without a decision record; the
record's verdict equals what `explain` says for the same request; no raw identifier appears
in the trail or the gateway's log.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.conftest import GatewayProcess, map_of_backends
from tests.core.test_corpus import CASES, explained, verdict, wire_headers
from tests.corpus.build import ID15, ID18, ID_X, MOBILE
from tests.helpers import write_map

pytestmark = pytest.mark.slow


async def send(port: int, case, request_id: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"{case.method} {case.target} HTTP/1.1\r\nHost: gw.test\r\n"
        headers = wire_headers(case)
        headers = [(k, request_id if k == "X-Request-ID" else v) for k, v in headers]
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers)
        length = f"Content-Length: {len(case.body)}\r\n" if case.body else ""
        writer.write((head + lines + length + "Connection: close\r\n\r\n")
                     .encode("utf-8", "surrogateescape") + case.body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
        await asyncio.wait_for(reader.read(), 30)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_every_corpus_shape_through_a_real_gateway(tmp_path: Path, backends, geo_db,
                                                        processes):
    gw = GatewayProcess(processes, write_map(tmp_path / "map.yaml", map_of_backends(backends)),
                        geo_db,
                        tmp_path / "data")
    await gw.start()
    failures: list[str] = []
    sent: dict[str, str] = {}
    try:
        for n, case in enumerate(CASES):
            before = {r: len(b.requests) for r, b in backends.items()}
            rid = f"corpus-{n:04d}"
            sent[rid] = case.id
            status = await send(gw.port, case, rid)
            reached = [r for r, b in backends.items() if len(b.requests) > before[r]]
            want = case.status
            if status != want:
                failures.append(f"{case.id}: status {status}, expected {want} ({case.expect})")
            expected_reach = [case.expect] if case.expect in ("cn", "sg") else []
            if reached != expected_reach:
                failures.append(f"{case.id}: reached {reached}, expected {expected_reach}")
    finally:
        code = gw.terminate()
    assert not failures, "\n".join(failures)
    assert code == 0
    records = []
    for seg in sorted((tmp_path / "data" / "trail").glob("*/seg-*.jsonl")):
        records.extend(json.loads(line)["record"] for line in seg.read_text().splitlines())
    decisions = {r["request_id"]: r for r in records if r["type"] == "decision"}
    by_id = {c.id: c for c in CASES}
    unrecorded = {by_id[sent[rid]].id for rid in set(sent) - set(decisions)}
    # aiohttp's own parser answers 400 to some ambiguous messages (a second Content-Type)
    # before any handler runs: nothing is decided and nothing moves (checked above).
    assert all(by_id[c].status == 400 for c in unrecorded), unrecorded
    assert len(unrecorded) <= 2, unrecorded
    for rid, case_id in sent.items():
        if case_id in unrecorded:
            continue
        record = decisions[rid]
        d = explained(by_id[case_id])
        server = record["destination"]["region"] if record["action"] == "forward" \
            else record["reasons"][-1]
        assert server == verdict(d), f"{case_id}: server {server}, explain {verdict(d)}"
        assert record["origin"]["jurisdiction"] == d.origin.jurisdiction, case_id
    text = "".join(p.read_text() for p in (tmp_path / "data" / "trail").rglob("*.jsonl"))
    text += (tmp_path / "gateway.log").read_text()
    for secret in (ID18, ID_X, ID_X.lower(), ID15, MOBILE, MOBILE[3:]):
        assert secret not in text
