"""The Grafana dashboard says what it shows: units, thresholds where a value is wrong, instant
queries for tables, a legend per series, one quantity per axis; every query parses as PromQL
(promtool) and uses only metrics the gateway exports."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from tests.deploy.test_deploy import DEPLOY, exported_series, tool

DASHBOARD = DEPLOY / "grafana" / "residency-gateway.json"
# Grafana's own variables, replaced by what Grafana would send so promtool can parse the query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "6h", "$__interval": "1m",
                     "$namespace": ".*"}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict]:
    return dashboard()["panels"]


def promql(expr: str) -> str:
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


def test_schema_version_and_unique_ids():
    dash = dashboard()
    assert dash["schemaVersion"] == 39  # Grafana 10.x; import migrates older ones silently
    assert dash["uid"] == "residency-gateway"
    ids = [p["id"] for p in panels()]
    assert len(ids) == len(set(ids)) and len(ids) >= 18


def test_every_panel_query_parses_as_promql(tmp_path):
    """Each expression becomes a recording rule; `promtool check rules` parses them all."""
    rules = [{"record": f"dashboard:panel{p['id']}:{t['refId']}", "expr": promql(t["expr"])}
             for p in panels() for t in p["targets"]]
    path = tmp_path / "dashboard-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    check = subprocess.run([tool("promtool"), "check", "rules", str(path)], capture_output=True,
                           text=True, check=False, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"SUCCESS: {len(rules)} rules found" in check.stdout


def test_every_metric_is_one_the_gateway_exports():
    used = {m for p in panels() for t in p["targets"] for m in re.findall(r"\brg_[a-z_]+",
                                                                           t["expr"])}
    assert used - exported_series() == set()


def test_every_panel_has_a_unit():
    for p in panels():
        assert p["fieldConfig"]["defaults"].get("unit"), p["title"]


def test_tables_and_stats_use_instant_queries():
    for p in panels():
        if p["type"] in ("table", "stat"):
            for t in p["targets"]:
                assert (t.get("instant"), t.get("range")) == (True, False), p["title"]
        if p["type"] == "table":
            assert all(t.get("format") == "table" for t in p["targets"]), p["title"]


def test_every_series_has_a_legend_and_each_axis_one_quantity():
    for p in (p for p in panels() if p["type"] == "timeseries"):
        legends = [t.get("legendFormat", "") for t in p["targets"]]
        assert all(legends) and len(set(legends)) == len(legends), p["title"]
        assert "__auto" not in legends, p["title"]
        # one quantity per axis: every query of a panel reads the same metric family, and no
        # override gives a series another unit
        families = {frozenset(re.sub(r"_(bucket|sum|count|total)$", "", m)
                              for m in re.findall(r"\brg_[a-z_]+", t["expr"]))
                    for t in p["targets"]}
        assert len(families) == 1, p["title"]
        assert not any(prop["id"] == "unit" for o in p["fieldConfig"]["overrides"]
                       for prop in o["properties"]), p["title"]
        assert p["fieldConfig"]["defaults"]["custom"]["axisLabel"], p["title"]


def mainland_panel() -> dict:
    [panel] = [p for p in panels() if "rg_mainland_routed_outside_cn_total" in
               p["targets"][0]["expr"]]
    return panel


@pytest.mark.parametrize(("value", "colour"), [(0, "green"), (1, "red"), (80, "red")])
def test_mainland_outside_cn_is_red_above_zero(value, colour):
    panel = mainland_panel()
    assert panel["type"] == "stat" and panel["options"]["colorMode"] == "background"
    # the query is a whole number of requests (ceil), so "> 0" is ">= 1" for the threshold
    assert panel["targets"][0]["expr"].startswith("ceil(")
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    applying = [s for s in steps if s["value"] is None or value >= s["value"]]
    assert applying[-1]["color"] == colour


def test_alert_names_in_descriptions_exist():
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    named = {m for p in panels() for m in re.findall(r"\balert (\w+)", p.get("description", ""))}
    assert len(named) >= 3 and named <= alerts
