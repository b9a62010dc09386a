"""Fixtures of the fault suite: every subprocess is owned and its process group killed in
teardown; upstreams per region; a scorecard row per fault (written as JSON when
RG_SCORECARD_OUT names a file, for scripts/robustness-scorecard.py)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import pg_dsn  # noqa: F401 - the fixture, shared with the audit tests
from tests.faults.harness import GatewayProc, RegionUpstreams, Row

_ROWS: list[Row] = []


@pytest.fixture
async def upstreams() -> AsyncIterator[RegionUpstreams]:
    ups = await RegionUpstreams().start(["cn", "cn2", "sg", "id", "jp"])
    yield ups
    await ups.close()


@pytest.fixture
def procs() -> Iterator[Callable[..., GatewayProc]]:
    """Make gateway processes; each one's process group is killed at teardown."""
    made: list[GatewayProc] = []

    def make(*args: Any, **kwargs: Any) -> GatewayProc:
        gw = GatewayProc(*args, **kwargs)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        gw.reap()


@pytest.fixture
def scorecard(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Row]]:
    rows: list[Row] = []

    def row(fault: str) -> Row:
        r = Row(fault)
        rows.append(r)
        return r

    yield row
    if getattr(request.node, "rg_passed", False):  # only faults that held make the scorecard
        _ROWS.extend(rows)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.rg_passed = report.passed  # type: ignore[attr-defined]
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = os.environ.get("RG_SCORECARD_OUT")
    if out and _ROWS:
        Path(out).write_text(json.dumps([dataclasses.asdict(r) for r in _ROWS], indent=1))
