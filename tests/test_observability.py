"""Metric children answered from a cache stay the live children (also after clear), and JSON
log lines rendered by orjson carry every value, including those orjson cannot encode."""

from __future__ import annotations

import io
import json
import sys

import structlog
from prometheus_client import generate_latest

from residency_gateway.observability import Metrics, configure_logging
from tests.helpers import metric_value


def test_cached_children_count_into_the_exposition():
    m = Metrics()
    for _ in range(3):
        m.decisions.labels(origin="SG", destination="sg", action="forward", reason="r").inc()
    m.decisions.labels("SG", "sg", "forward", "r").inc()  # positional: same child
    text = generate_latest(m.registry).decode()
    assert metric_value(text, "rg_decisions_total", origin="SG", destination="sg",
                        action="forward", reason="r") == 4


def test_children_after_clear_are_the_new_live_ones():
    m = Metrics()
    m.set_policy("a" * 64)
    m.set_policy("b" * 64)
    m.set_policy("a" * 64)
    text = generate_latest(m.registry).decode()
    assert metric_value(text, "rg_policy_info", version="a" * 12) == 1
    assert f'version="{"b" * 12}"' not in text


def test_json_log_lines_carry_every_value(monkeypatch):
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(raw, encoding="utf-8"))
    configure_logging("json", "info")
    try:
        log = structlog.get_logger("residency_gateway")
        log.bind(tenant="acme").info("request", region="sg", note="中文", big=2**70)
        log.info("plain", status=200, ratio=0.5, obj=object)
    finally:
        configure_logging("console", "info")  # as tests/conftest.py has it
    first, second = (json.loads(line) for line in raw.getvalue().splitlines())
    assert first["event"] == "request" and first["tenant"] == "acme"
    assert first["note"] == "中文" and first["big"] == 2**70 and first["level"] == "info"
    assert second["status"] == 200 and second["ratio"] == 0.5 and "object" in second["obj"]
