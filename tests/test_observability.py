"""Metric children answered from a cache stay the live children (also after clear), and JSON
log lines rendered by orjson carry every value, including those orjson cannot encode."""

from __future__ import annotations

import io
import json
import sys

import structlog
from prometheus_client import generate_latest

from residency_gateway.observability import Metrics, configure_logging, request_logger
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


def test_the_request_logger_follows_every_reconfiguration(monkeypatch):
    """request_logger() is made once per configuration (the per-request bind is the hot path),
    but a reconfiguration, a captured stderr and structlog's capture_logs still take effect."""
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(raw, encoding="utf-8"))
    try:
        configure_logging("json", "info")
        assert request_logger() is request_logger()
        request_logger().bind(decision_id="d1").info("request", status=200)
        with structlog.testing.capture_logs() as captured:
            request_logger().bind(decision_id="d2").info("request", status=503)
        configure_logging("json", "warning")
        request_logger().info("request", status=201)  # below the level now: not written
        request_logger().warning("request", status=202)
    finally:
        configure_logging("console", "info")  # as tests/conftest.py has it
    written = [json.loads(line) for line in raw.getvalue().splitlines()]
    assert [(e.get("decision_id"), e["status"]) for e in written] == [("d1", 200), (None, 202)]
    assert [(e["decision_id"], e["status"]) for e in captured] == [("d2", 503)]
    console = io.StringIO()
    monkeypatch.setattr(sys, "stderr", console)  # a swapped stderr (pytest's capture) is used
    request_logger().info("request", status=204)
    assert "request" in console.getvalue() and "204" in console.getvalue()


def test_log_timestamps_are_iso_utc_microseconds_and_follow_the_clock():
    import datetime as dt
    import re
    import time

    from residency_gateway.observability import utc_timestamp

    seen = []
    for _ in range(3):
        before = dt.datetime.now(dt.UTC)
        stamp = utc_timestamp(None, "info", {})["timestamp"]
        after = dt.datetime.now(dt.UTC)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp)
        parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert before - dt.timedelta(microseconds=1) <= parsed <= after
        seen.append(parsed)
        time.sleep(0.6)  # across a second boundary at least once: the cached part moves on
    assert seen == sorted(seen) and seen[-1] - seen[0] >= dt.timedelta(seconds=1)
