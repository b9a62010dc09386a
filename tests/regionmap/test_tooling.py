"""config check / diff / schema: the SREs' tools, driven through the real CLI."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from residency_gateway.cli import main
from residency_gateway.cli.config import region_map_schema
from residency_gateway.maptools.diff import replay, route_changes
from residency_gateway.regionmap.load import from_mapping
from tests.helpers import BASE_MAP, demo_geo, write_map
from tests.regionmap.test_load import GOOD

ROOT = Path(__file__).parents[2]
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


BROKEN = [
    ("pins CN abroad", "    overseas_region: sg\n", "    overseas_region: sg\n    pins: {CN: sg}\n",
     12, "tenants.acme.pins.CN"),
    ("unknown key", "    overseas_region: sg\n", "    overseas_region: sg\n    colour: red\n",
     12, "tenants.acme.colour"),
    ("missing region", "    overseas_region: sg\n", "    overseas_region: sg\n    fallbacks: [xx]\n",
     12, "tenants.acme.fallbacks[0]"),
    ("bad cidr", "trusted_proxies: [10.0.0.0/8]", "trusted_proxies: [10.0.0.0/33]", 14,
     "trusted_proxies[0]"),
    ("plaintext", "[https://cn.example.test]", "[http://cn.example.test]", 5,
     "regions.cn.upstreams[0]"),
    ("basis for CN", '"*": {mechanism', 'CN: {mechanism', 13, "tenants.acme.legal_bases.CN"),
]

# Syntax errors carry a column too (file:line:column, like yamllint, opa check, gcc).
YAML_BROKEN = [
    ("unclosed list", "tenants:\n", "tenants:\n  - [\n", "12:20",
     "expected ',' or ']', but got ':' (while parsing a flow sequence at line 10, column 5)"),
    ("tab indent", "  acme:\n", "  acme:\n\t  x: 1\n", "11:1", "found character '\\t'"),
    ("unclosed flow map", "    overseas_region: sg\n", "    overseas_region: {a: 1\n", "12:16",
     "expected ',' or '}', but got ':' (while parsing a flow mapping at line 11, column 22)"),
]


@pytest.mark.parametrize(("name", "old", "new", "where", "message"), YAML_BROKEN,
                         ids=[b[0] for b in YAML_BROKEN])
def test_yaml_syntax_errors_have_line_and_column(tmp_path, capsys, name, old, new, where,
                                                 message):
    path = tmp_path / "map.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new, 1))
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any(e.startswith(f"{path}:{where}: <yaml>: ") and message in e for e in err), err


@pytest.mark.parametrize(("cidr", "message"), [
    ("10.0.0.1/8", "10.0.0.1/8 has host bits set: the network is 10.0.0.0/8"),
    ("10.0.0.256/24", "octet 256 is out of range (0-255) in 10.0.0.256"),
    ("10.0.0.0/33", "prefix /33 is too long: an IPv4 prefix is at most /32"),
    ("2001:db8::/129", "prefix /129 is too long: an IPv6 prefix is at most /128"),
    ("2001:db8::1/32", "2001:db8::1/32 has host bits set: the network is 2001:db8::/32"),
    ("10.0.0/8", "'10.0.0/8' is not an IPv4 network: Expected 4 octets in '10.0.0'"),
])
def test_cidr_errors_say_what_is_wrong(tmp_path, capsys, cidr, message):
    path = tmp_path / "map.yaml"
    path.write_text(GOOD.replace("trusted_proxies: [10.0.0.0/8]", f"trusted_proxies: [{cidr}]"))
    assert main(["config", "check", str(path)]) == 1
    assert f"{path}:14: trusted_proxies[0]: {message}" in capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "line"), [
    ("    overseas_region: sg\n", "    overseas_region: sg\n    fallback: [jp]\n",
     "tenants.acme.fallback: unknown key; did you mean 'fallbacks'? (allowed here: "
     "overseas_region, china_region"),
    ("    overseas_region: sg\n", "    overseas_region: sg\n    fallbacks: [sgg]\n",
     "tenants.acme.fallbacks[0]: region 'sgg' is not defined under regions; did you mean 'sg'?"),
    ("trusted_proxies:", "trusted_proxy:", ":14: trusted_proxy: unknown key; did you mean "
     "'trusted_proxies'?"),
])
def test_unknown_keys_and_regions_get_did_you_mean(tmp_path, capsys, old, new, line):
    path = tmp_path / "map.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new, 1))
    assert main(["config", "check", str(path)]) == 1
    assert line in capsys.readouterr().err


def test_config_check_json_lists_issues_with_file_line_column(tmp_path, capsys):
    path = tmp_path / "map.yaml"
    path.write_text(GOOD.replace("tenants:\n", "tenants:\n  - [\n", 1))
    assert main(["config", "check", str(path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert doc["issues"] == [{"file": str(path), "line": 12, "column": 20, "key": "<yaml>",
                              "severity": "error",
                              "message": doc["issues"][0]["message"]}]
    assert main(["config", "check", str(ROOT / "region_configs"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is True and doc["regions"] >= 1 and len(doc["policy_version"]) == 64
    assert doc["issues"] == []


@pytest.mark.parametrize(("name", "old", "new", "line", "key"), BROKEN, ids=[b[0] for b in BROKEN])
def test_config_check_prints_file_line_key_and_exits_1(tmp_path, capsys, name, old, new, line,
                                                       key):
    path = tmp_path / "map.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new, 1))
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert any(e.startswith(f"{path}:{line}: {key}: ") for e in err), err


def test_config_check_ok_and_warnings(tmp_path, capsys):
    path = tmp_path / "map.yaml"
    text = GOOD.replace("    overseas_region: sg\n", "    overseas_region: sg\n"
                        "    fallbacks: [cn]\n") + (
        "cidr_overrides:\n  - {network: 192.0.2.0/24, jurisdiction: SG}\n")
    path.write_text(text)
    geo = demo_geo(tmp_path)
    assert main(["config", "check", str(path), "--geoip-db", str(geo)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("OK ")
    assert f"{path}:12: tenants.acme.fallbacks[0]: warning: fallback region 'cn' is never " \
           "usable" in out.err
    assert f"{path}:17: cidr_overrides[0].jurisdiction: warning: 192.0.2.0/24 is set to SG " \
           "but the GeoIP database places" in out.err


def test_shipped_maps_pass_check(capsys):
    assert main(["config", "check", str(ROOT / "region_configs")]) == 0


def changes(old, new):
    return {(c.tenant, c.origin, str(c.old), str(c.new))
            for c in route_changes(from_mapping(old), from_mapping(new), NOW)}


def edited(fn):
    data = copy.deepcopy(BASE_MAP)
    fn(data)
    return data


def test_diff_identical_maps_have_no_changes():
    assert changes(BASE_MAP, copy.deepcopy(BASE_MAP)) == set()


def test_diff_pin_moves_exactly_one_origin_of_one_tenant():
    new = edited(lambda m: m["tenants"]["acme"].setdefault("pins", {}).update({"JP": "jp"}))
    got = changes(BASE_MAP, new)
    assert {(t, o) for t, o, _, _ in got} == {("acme", "JP")}
    (_, _, old, now), = got
    assert old.startswith("forward sg") and now.startswith("forward jp")


def test_diff_overseas_region_change_moves_every_overseas_origin_but_not_cn():
    new = edited(lambda m: m["tenants"]["acme"].update(overseas_region="jp"))
    got = changes(BASE_MAP, new)
    moved = {o for t, o, _, _ in got if t == "acme"}
    assert "CN" not in moved and None not in moved
    assert {"HK", "MO", "TW", "SG", "US"} <= moved
    assert "JP" in moved  # sg -> jp: JP data becomes domestic
    assert all(t == "acme" for t, *_ in got)


def test_diff_removing_a_legal_basis_turns_transfers_into_rejects():
    new = edited(lambda m: m["tenants"]["acme"].update(legal_bases={}))
    got = changes(BASE_MAP, new)
    by_origin = {o: (old, new_) for t, o, old, new_ in got if t == "acme"}
    assert {t for t, *_ in got} == {"acme"}
    for origin in ("HK", "TW", "JP", "US", "ID"):
        assert by_origin[origin][1] == "reject [no_legal_basis]"
    # SG -> sg stays domestic; only its fallback to jp (which needed the basis) goes away
    assert by_origin["SG"] == ("forward sg (fallbacks jp) [tenant_overseas_region]",
                               "forward sg [tenant_overseas_region]")


def test_diff_added_and_removed_tenants():
    new = edited(lambda m: (m["tenants"].pop("nobasis"),
                            m["tenants"].__setitem__("newco", {"overseas_region": "jp",
                                                               "china_region": "cn"})))
    got = changes(BASE_MAP, new)
    assert {t for t, *_ in got} == {"nobasis", "newco"}
    assert all(n == "None" for t, _, _, n in got if t == "nobasis")


def test_diff_replay_counts_recorded_decisions_that_would_change(tmp_path):
    from tests.audit.conftest import sample_records

    records = sample_records(60)
    new = edited(lambda m: m["tenants"]["acme"].update(overseas_region="jp"))
    result = replay(records, from_mapping(BASE_MAP), from_mapping(new))
    expected = sum(1 for r in records if r["type"] == "decision" and r["tenant"] == "acme"
                   and r["origin"]["jurisdiction"] not in ("CN", None)
                   and r["reasons"][-1] != "minor_without_guardian_consent")
    assert result.changed == expected > 0
    # through the CLI, from a trail-shaped file
    trail = tmp_path / "seg.jsonl"
    trail.write_text("".join(json.dumps({"record": r}) + "\n" for r in records))
    old_p, new_p = write_map(tmp_path / "a.yaml", BASE_MAP), write_map(tmp_path / "b.yaml", new)
    assert main(["config", "diff", str(old_p), str(new_p), "--replay", str(trail), "--json",
                 "--exit-code"]) == 1


def test_diff_cli_text_names_tenant_origin_and_both_outcomes(tmp_path, capsys):
    new = edited(lambda m: m["tenants"]["bank"]["pins"].update({"ID": "sg"}))
    a, b = write_map(tmp_path / "a.yaml", BASE_MAP), write_map(tmp_path / "b.yaml", new)
    assert main(["config", "diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "tenant bank:" in out and "ID" in out and "forward id" in out and "forward sg" in out


def test_published_json_schema_is_current_and_validates_maps():
    published = json.loads((ROOT / "schema" / "region-map.schema.json").read_text())
    assert published == json.loads(json.dumps(region_map_schema())), \
        "schema/region-map.schema.json is stale: run residency-gateway config schema"
    part = json.loads((ROOT / "schema" / "region-map-part.schema.json").read_text())
    assert part == json.loads(json.dumps(region_map_schema(part=True)))
    validator = jsonschema.Draft202012Validator(published)
    part_validator = jsonschema.Draft202012Validator(part)
    merged: dict = {}
    for f in sorted((ROOT / "region_configs").glob("*.yaml")):
        piece = yaml.safe_load(f.read_text())
        part_validator.validate(piece)  # each file, as an editor checks it
        assert f.read_text().startswith("# yaml-language-server: $schema=../schema/")
        for k, v in piece.items():
            merged[k] = {**merged.get(k, {}), **v} if isinstance(v, dict) else v
    validator.validate(merged)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**merged, "colour": "red"})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"tenants": merged["tenants"]})  # a whole map needs its regions


def test_config_check_warns_when_inspection_reaches_past_the_body_limit(tmp_path, capsys):
    """A map whose max_inspect_bytes is over max_body_bytes loads (the smaller bound rules),
    but `config check` says where the map promises more than it does."""
    path = tmp_path / "map.yaml"
    path.write_text(GOOD + "payload:\n  max_inspect_bytes: 2097152\n"
                           "limits:\n  max_body_bytes: 1048576\n")
    assert main(["config", "check", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:16: payload.max_inspect_bytes: warning: 2097152 is more than " \
           "limits.max_body_bytes (1048576)" in err
    path.write_text(GOOD + "payload:\n  max_inspect_bytes: 1048576\n"
                           "limits:\n  max_body_bytes: 1048576\n")
    assert main(["config", "check", str(path)]) == 0
    assert "warning" not in capsys.readouterr().err
