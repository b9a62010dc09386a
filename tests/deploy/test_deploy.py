"""Deployment artefacts render and validate: kustomize overlays against Kubernetes schemas,
Prometheus alert rules with promtool (including a case that fires the mainland alert), and a
Grafana dashboard that uses only metrics the gateway exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from prometheus_client.metrics_core import Metric

from residency_gateway.observability import Metrics

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.30"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run scripts/test-services.sh (make test does)")
    return found


def render(overlay: str) -> list[dict]:
    """Plain `kubectl kustomize`, no flags: what `kubectl apply -k` and GitOps tools run."""
    out = subprocess.run([tool("kubectl"), "kustomize",
                          str(DEPLOY / "k8s" / "overlays" / overlay)],
                         capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def test_kustomize_region_maps_are_the_repository_region_maps():
    """One source of truth: deploy/k8s/base/region_configs/ is a copy of region_configs/
    (inside the kustomize root, so overlays build without --load-restrictor)."""
    source = {p.name: p.read_bytes() for p in (ROOT / "region_configs").glob("*.yaml")}
    copy = {p.name: p.read_bytes()
            for p in (DEPLOY / "k8s" / "base" / "region_configs").glob("*.yaml")}
    assert copy == source, ("deploy/k8s/base/region_configs/ differs from region_configs/: "
                            "cp region_configs/*.yaml deploy/k8s/base/region_configs/")
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "base" / "kustomization.yaml").read_text())
    files = kustomization["configMapGenerator"][0]["files"]
    assert sorted(files) == sorted(f"region_configs/{name}" for name in source)


@pytest.mark.parametrize("region", ["cn", "sg", "id", "jp"])
def test_overlay_renders_and_validates_against_kubernetes_schemas(region):
    docs = render(region)
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                            "PodDisruptionBudget", "Service", "ServiceAccount"])
    for doc in docs:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        assert doc["metadata"]["namespace"] == f"residency-{region}"
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    gateway = pod["containers"][0]
    env = {e["name"]: e for e in gateway["env"]}
    assert env["RG_REGION"]["value"] == region
    assert "secretKeyRef" in env["RG_AUDIT_PG_DSN"]["valueFrom"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["terminationGracePeriodSeconds"] > 5 + 25
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert set(config["data"]) == {p.name for p in (ROOT / "region_configs").glob("*.yaml")}
    netpol = next(d for d in docs if d["kind"] == "NetworkPolicy")
    cidrs = [rule["to"][0].get("ipBlock", {}).get("cidr") for rule in netpol["spec"]["egress"]]
    assert cidrs[0] != "192.0.2.0/24"  # the overlay replaced the base's placeholder
    assert "0.0.0.0/0" not in cidrs


def test_overlays_differ_only_where_regions_differ():
    cn, sg = render("cn"), render("sg")
    region_env = lambda docs: next(d for d in docs if d["kind"] == "Deployment")[  # noqa: E731
        "spec"]["template"]["spec"]["containers"][0]["env"][0]["value"]
    assert (region_env(cn), region_env(sg)) == ("cn", "sg")


def test_alert_rules_pass_promtool_and_the_mainland_alert_fires():
    promtool = tool("promtool")
    check = subprocess.run([promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yaml")],
                           capture_output=True, text=True, check=False, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run([promtool, "test", "rules", "alerts.test.yaml"],
                          cwd=DEPLOY / "prometheus", capture_output=True, text=True, check=False, timeout=120)
    assert test.returncode == 0, test.stdout + test.stderr
    cases = yaml.safe_load((DEPLOY / "prometheus" / "alerts.test.yaml").read_text())
    fired = {t["alertname"] for case in cases["tests"] for t in case["alert_rule_test"]
             if t.get("exp_alerts")}
    assert "MainlandDataRoutedOutsideCN" in fired


def exported_series() -> set[str]:
    names: set[str] = set()
    from residency_gateway.audit.witnessd import WitnessMetrics
    from residency_gateway.gateway.workers import FLEET_SERIES

    names.update(FLEET_SERIES)  # what the parent of `serve --workers N` adds
    collected = [*Metrics().registry.collect(), *WitnessMetrics().registry.collect()]
    for metric in collected:
        assert isinstance(metric, Metric)
        suffixes = {"counter": ["_total", "_created"], "histogram": ["_bucket", "_sum", "_count",
                                                                   "_created"],
                    "gauge": [""]}.get(metric.type, [""])
        names.update(metric.name + s for s in suffixes)
    return names


def test_dashboard_uses_only_exported_metrics():
    dash = json.loads((DEPLOY / "grafana" / "residency-gateway.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 15
    used = {m for e in exprs for m in re.findall(r"\brg_[a-z_]+", e)}
    known = exported_series()
    assert used - known == set(), f"dashboard uses unknown metrics: {used - known}"
    assert "rg_mainland_routed_outside_cn_total" in used


def test_alert_rules_use_only_exported_metrics():
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    used = {m for g in rules["groups"] for r in g["rules"]
            for m in re.findall(r"\brg_[a-z_]+", r["expr"])}
    assert used - exported_series() == set()


def test_lb_examples_strip_client_tenant_headers():
    for name in ("nginx.conf", "haproxy.cfg", "envoy.yaml"):
        text = (DEPLOY / "lb" / name).read_text().lower()
        assert "x-tenant-id" in text, name
        assert "x-forwarded-for" in text or "forwardfor" in text or "use_remote_address" in text


def test_dockerfile_runs_as_non_root_with_pinned_base_and_dependencies():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.M)
    assert "USER 10001" in text and "--constraint constraints.txt" in text
    pins = (DEPLOY / "constraints.txt").read_text().split()
    assert all("==" in p for p in pins) and any(p.startswith("aiohttp==") for p in pins)


def test_shutdown_defaults_match_the_kubernetes_manifest():
    """Without any setting, SIGTERM behaves as the manifest expects: the same drain delay and
    grace, inside terminationGracePeriodSeconds."""
    from residency_gateway.settings import Settings

    deploy = next(d for d in render("cn") if d["kind"] == "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    defaults = Settings()
    assert float(env["RG_DRAIN_DELAY_S"]) == defaults.drain_delay_s
    assert float(env["RG_SHUTDOWN_GRACE_S"]) == defaults.shutdown_grace_s
    assert pod["terminationGracePeriodSeconds"] > defaults.drain_delay_s + defaults.shutdown_grace_s


def test_workers_match_the_cpu_limit_and_have_a_writable_tmp():
    """`serve --workers N`: one worker per CPU of the limit (said explicitly, not left to the
    quota's rounding), the run directory on a writable /tmp under a read-only root, and the
    parent's kill deadline inside the pod's grace period."""
    from residency_gateway.gateway.workers import DRAIN_MARGIN_S
    from residency_gateway.settings import Settings

    deploy = next(d for d in render("sg") if d["kind"] == "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    gateway = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in gateway["env"]}
    assert int(env["RG_WORKERS"]) == int(gateway["resources"]["limits"]["cpu"])
    assert gateway["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m["name"] for m in gateway["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    defaults = Settings()
    assert pod["terminationGracePeriodSeconds"] > (defaults.drain_delay_s
                                                   + defaults.shutdown_grace_s + DRAIN_MARGIN_S)
