"""Trail fixtures: populated file and PostgreSQL stores built through the real Trail classes."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.records import completion_record, decision_record
from residency_gateway.audit.signing import Signer, generate
from residency_gateway.core.payload import scan_json
from tests.helpers import ADDR, ADULT_ID, CHILD_ID, decide_for, loaded

PG_DSN = os.environ.get("RG_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PSEUDONYM_KEY = bytes(range(7, 39))  # (a key of one repeated byte is refused: bad-day 13)
WHERE = ["CN", "HK", "SG", "JP", "ID", "NONE", "US", "CN"]


def sample_records(n: int, start: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Realistic records: decisions made by the real core, plus completions for forwards."""
    import json

    lm = loaded()
    out: list[dict[str, Any]] = []
    start = start or dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    i = 0
    while len(out) < n:
        now = start + dt.timedelta(hours=i * 5)
        where = WHERE[i % len(WHERE)]
        tenant = ["acme", "bank", "nobasis"][i % 3]
        doc = {"id": ADULT_ID} if i % 7 == 3 else ({"id": CHILD_ID} if i % 11 == 5 else {})
        scan = scan_json(json.dumps(doc).encode(), key=PSEUDONYM_KEY, today=now.date())
        d = decide_for(lm, xff=ADDR[where], tenant=tenant, payload=scan, now=now)
        d = type(d)(**{**{f: getattr(d, f) for f in d.__dataclass_fields__},
                       "decision_id": f"d-{i:05d}"})
        out.append(decision_record(d, geoip_build="2026-11-01", gateway_region="sg",
                                   request_id=f"r{i}", method="POST", path="/v1/compare"))
        if d.forwarded and len(out) < n:
            out.append(completion_record(decision_id=d.decision_id, time=now.isoformat(),
                                         region=d.region, status=200, outcome="completed",
                                         bytes_up=10, bytes_down=20, duration_us=1000,
                                         attempts=[d.region or ""]))
        i += 1
    return out


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return generate(tmp_path / "signing")


async def fill(trail: Any, records: list[dict[str, Any]], batch: int = 7) -> None:
    import asyncio

    await trail.start()
    for i in range(0, len(records), batch):
        await asyncio.gather(*(trail.append(r) for r in records[i:i + batch]))
    await trail.close()


@pytest.fixture
async def file_store(tmp_path: Path, signer: Signer) -> Callable[..., Any]:
    async def make(n: int = 60, **kwargs: Any) -> Path:
        root = tmp_path / "trail"
        opts = {"segment_max_bytes": 12_000, "checkpoint_every": 10, **kwargs}
        trail = FileTrail(root, "gw-a", signer, **opts)
        await fill(trail, sample_records(n))
        return root

    return make


@pytest.fixture
async def pg_dsn() -> AsyncIterator[str]:
    """A fresh, empty database on the test PostgreSQL server, dropped afterwards."""
    name = f"rg_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = PG_DSN.rpartition("/")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(PG_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
