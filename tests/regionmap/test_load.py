"""Region map loading: every error names file, line and key; invariants refuse unsafe maps."""

import textwrap

import pytest

from residency_gateway.regionmap.load import ConfigError, load_region_map
from tests.helpers import BASE_MAP, write_map

GOOD = textwrap.dedent("""\
    version: 1
    regions:
      cn:
        jurisdiction: CN
        upstreams: [https://cn.example.test]
      sg:
        jurisdiction: SG
        upstreams: [https://sg.example.test]
    tenants:
      acme:
        overseas_region: sg
        legal_bases:
          "*": {mechanism: contract, reference: DPA-1}
    trusted_proxies: [10.0.0.0/8]
    """)


def load_text(tmp_path, text, name="map.yaml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return load_region_map(path)


def errors_of(tmp_path, text):
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text)
    return [str(i) for i in info.value.issues], tmp_path / "map.yaml"


def test_good_map_loads_with_a_stable_policy_version(tmp_path):
    a = load_text(tmp_path, GOOD)
    b = load_text(tmp_path, "# a comment changes nothing\n" + GOOD, name="other.yaml")
    assert a.version == b.version and len(a.version) == 64


def test_rule_sending_cn_data_to_sg_fails_with_file_and_line(tmp_path):
    text = GOOD.replace("    overseas_region: sg\n", "    overseas_region: sg\n    pins: {CN: sg}\n")
    errs, path = errors_of(tmp_path, text)
    assert len(errs) == 1
    assert errs[0].startswith(f"{path}:12: tenants.acme.pins.CN: ")
    assert "mainland-origin data may only be processed in a CN region" in errs[0]


@pytest.mark.parametrize(("old", "new", "line", "key", "fragment"), [
    ("    overseas_region: sg\n", "    overseas_region: sg\n    color: blue\n", 12,
     "tenants.acme.color", "unknown key (allowed here: overseas_region,"),
    ("jurisdiction: SG", "jurisdiction: sgp", 7, "regions.sg.jurisdiction", "pattern"),
    ("    overseas_region: sg\n", "    overseas_region: cn\n", 11, "tenants.acme.overseas_region",
     "is a China region"),
    ("    overseas_region: sg\n", "    overseas_region: mars\n", 11,
     "tenants.acme.overseas_region", "not defined"),
    ("[https://sg.example.test]", "[http://sg.example.test]", 8, "regions.sg.upstreams[0]",
     "allow_plaintext"),
    ("[https://sg.example.test]", "[ftp://sg.example.test]", 8, "regions.sg.upstreams",
     "http:// or https://"),
    ("mechanism: contract", "mechanism: vibes", 13, 'tenants.acme.legal_bases.*.mechanism',
     "Input should be"),
    ("trusted_proxies: [10.0.0.0/8]", "trusted_proxies: [10.0.0.300/8]", 14, "trusted_proxies[0]",
     ""),
    ("version: 1", "version: 2", 1, "version", "Input should be 1"),
    ("trusted_proxies: [10.0.0.0/8]", "trusted_proxies: [10.0.0.0/8]\nlimits:\n"
     "  response_buffer_bytes: -1", 16, "limits.response_buffer_bytes",
     "greater than or equal to 0"),
    ("trusted_proxies: [10.0.0.0/8]", "trusted_proxies: [10.0.0.0/8]\nlimits:\n"
     "  upstream_connections_per_base: 0", 16, "limits.upstream_connections_per_base",
     "greater than or equal to 1"),
])
def test_broken_maps_name_file_line_and_key(tmp_path, old, new, line, key, fragment):
    assert old in GOOD
    errs, path = errors_of(tmp_path, GOOD.replace(old, new, 1))
    assert any(e.startswith(f"{path}:{line}: {key}: ") and fragment in e for e in errs), errs


def test_duplicate_keys_are_errors_not_silent_overrides(tmp_path):
    errs, path = errors_of(tmp_path, GOOD.replace("  sg:\n", "  cn:\n    jurisdiction: CN\n"
                                                  "    upstreams: [https://x.test]\n  sg:\n", 1))
    assert any(e.startswith(f"{path}:6: regions.cn: duplicate key") for e in errs), errs


def test_yaml_syntax_error_has_a_line(tmp_path):
    errs, path = errors_of(tmp_path, GOOD + "tenants: [unclosed\n")
    assert errs[0].startswith(f"{path}:")


def test_norway_stays_a_country_code(tmp_path):
    text = GOOD + "cidr_overrides:\n  - {network: 192.0.2.0/24, jurisdiction: NO}\n"
    lm = load_text(tmp_path, text)
    assert lm.rmap.cidr_overrides[0].jurisdiction == "NO"


def test_overlapping_overrides_with_different_jurisdictions_fail(tmp_path):
    text = GOOD + ("cidr_overrides:\n  - {network: 192.0.2.0/24, jurisdiction: CN}\n"
                   "  - {network: 192.0.2.128/25, jurisdiction: SG}\n")
    errs, path = errors_of(tmp_path, text)
    assert errs == [f"{path}:17: cidr_overrides[1].network: 192.0.2.128/25 (SG) overlaps "
                    "cidr_overrides[0] 192.0.2.0/24 (CN); the most specific network wins, say "
                    "so by removing the overlap or splitting the range"]


def test_directory_of_files_merges_and_reports_cross_file_duplicates(tmp_path):
    (tmp_path / "10-regions.yaml").write_text(GOOD.split("tenants:")[0], "utf-8")
    (tmp_path / "20-tenants.yaml").write_text("tenants:" + GOOD.split("tenants:")[1], "utf-8")
    lm = load_region_map(tmp_path)
    assert set(lm.rmap.tenants) == {"acme"} and len(lm.sources) == 2
    (tmp_path / "30-more.yaml").write_text("tenants:\n  acme:\n    overseas_region: sg\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_region_map(tmp_path)
    assert str(info.value.issues[0]).startswith(f"{tmp_path / '30-more.yaml'}:2: tenants.acme: ")


def test_empty_and_missing_files_are_errors(tmp_path):
    (tmp_path / "empty.yaml").write_text("", "utf-8")
    with pytest.raises(ConfigError, match="empty region map"):
        load_region_map(tmp_path / "empty.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        load_region_map(tmp_path / "missing.yaml")


def test_base_test_map_is_valid(tmp_path):
    load_region_map(write_map(tmp_path / "m.yaml", BASE_MAP))


def test_shipped_region_configs_are_valid():
    from pathlib import Path

    lm = load_region_map(Path(__file__).parents[2] / "region_configs")
    assert lm.rmap.regions
