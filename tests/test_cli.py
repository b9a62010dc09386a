"""The command line's first hour: settings errors a person can act on, help that shows defaults
and RG_ variables, flags named alike."""

from __future__ import annotations

import pytest

from residency_gateway.cli import main


@pytest.mark.parametrize(("env", "line"), [
    ({"RG_LISTEN_PORT": "abc"}, "RG_LISTEN_PORT='abc': expected an integer from 0 to 65535"),
    ({"RG_ADMIN_PORT": "70000"}, "RG_ADMIN_PORT='70000': expected an integer from 0 to 65535"),
    ({"RG_LOG_FORMAT": "xml"}, "RG_LOG_FORMAT='xml': expected one of json, console, auto"),
    ({"RG_SHUTDOWN_GRACE_S": "-1"}, "RG_SHUTDOWN_GRACE_S='-1': expected a number from 0 to 600"),
    ({"RG_RELOAD_POLL_S": "0"}, "RG_RELOAD_POLL_S='0': expected a number > 0 and <= 3600"),
    ({"RG_AUDIT_RETENTION_DAYS": "90"}, "RG_AUDIT_RETENTION_DAYS='90': 90 days is below the "
     "legal minimum of 180 days (Cybersecurity Law art. 21); refusing to start"),
    ({"RG_AUDIT_STORE": "postgres"}, "RG_AUDIT_STORE=postgres needs RG_AUDIT_PG_DSN (the trail "
     "database's postgresql:// DSN)"),
    ({"RG_REGION_MAP": "[x"}, "RG_REGION_MAP='[x': expected paths separated by commas, or a "
     "JSON list of paths"),
    # inside a structured value: where, not "expected a JSON list" of a list
    ({"RG_WITNESSES": '[1]'}, "RG_WITNESSES[0]=1: Input should be a valid dictionary or "
     "instance of WitnessEndpoint"),
])
def test_bad_settings_are_one_line_naming_the_variable_value_and_what_is_allowed(
        monkeypatch, capsys, env, line):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--geoip-db", "x.mmdb"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"residency-gateway: bad setting {line}"]
    assert "pydantic" not in err and "listen_port" not in err


def test_a_bad_flag_value_names_the_flag(capsys):
    assert main(["serve", "--port", "70000", "--geoip-db", "x.mmdb"]) == 2
    assert capsys.readouterr().err == ("residency-gateway: bad setting --port=70000: expected "
                                       "an integer from 0 to 65535\n")


def test_audit_and_keys_commands_report_settings_the_same_way(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("RG_AUDIT_RETENTION_DAYS", "3")
    assert main(["keys", "generate", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(
        "residency-gateway: bad setting RG_AUDIT_RETENTION_DAYS='3': 3 days is below")


def test_region_map_variable_takes_plain_paths(monkeypatch):
    from residency_gateway.settings import Settings

    monkeypatch.setenv("RG_REGION_MAP", "a/, b.yaml")
    assert [str(p) for p in Settings().region_map] == ["a", "b.yaml"]
    monkeypatch.setenv("RG_REGION_MAP", '["/etc/maps"]')  # the Dockerfile's form
    assert [str(p) for p in Settings().region_map] == ["/etc/maps"]


def test_serve_help_shows_defaults_and_rg_variables(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "proxy port (RG_LISTEN_PORT; default: 8080)" in out
    assert "(RG_ADMIN_HOST; default: 127.0.0.1)" in out
    assert "RG_AUDIT_RETENTION_DAYS an integer; default: 400" in out  # environment-only ones too
    assert "RG_AUDIT_PG_DSN" in out


def test_top_level_help_is_for_users_and_subcommand_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "Builds Settings" not in out and "data-residency gateway" in out
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 8080)" in out and "(default: 9901)" in out


def test_keys_generate_takes_data_dir_like_every_other_command(tmp_path, capsys):
    assert main(["keys", "generate", "--data-dir", str(tmp_path)]) == 0
    assert list((tmp_path / "keys" / "signing").glob("*"))
    with pytest.raises(SystemExit):
        main(["keys", "generate", "--help"])
    out = capsys.readouterr().out
    assert "--data-dir" in out and "--dir" not in out.replace("--data-dir", "")
    other = tmp_path / "elsewhere"
    assert main(["keys", "generate", "--dir", str(other)]) == 0  # the old flag still works
    assert list(other.glob("*"))


@pytest.fixture
def demo_dir(tmp_path, monkeypatch):
    """A directory laid out like the demo's: region_configs/ and demo-country.mmdb."""
    from residency_gateway.cli.demo import build_geoip, demo_file
    from tests.helpers import BASE_MAP, write_map

    for name in ("RG_GEOIP_DB", "RG_REGION_MAP"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "region_configs").mkdir()
    write_map(tmp_path / "region_configs" / "map.yaml", BASE_MAP)
    build_geoip(demo_file("demo-networks.csv"), tmp_path / "demo-country.mmdb")
    return tmp_path


def test_explain_in_a_demo_directory_finds_its_map_and_geoip_db(demo_dir, monkeypatch, capsys):
    monkeypatch.chdir(demo_dir)
    assert main(["explain", "--ip", "192.0.2.10", "--tenant", "acme"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("decision: forward -> region cn") and "signal geoip: CN" in out


def test_explain_takes_rg_geoip_db_like_serve(demo_dir, monkeypatch, capsys, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("RG_GEOIP_DB", str(demo_dir / "demo-country.mmdb"))
    monkeypatch.setenv("RG_REGION_MAP", str(demo_dir / "region_configs"))
    assert main(["explain", "--ip", "198.51.100.10", "--tenant", "acme"]) == 0
    assert capsys.readouterr().out.startswith("decision: forward -> region sg")


def test_explain_without_a_geoip_db_refuses_rather_than_answer_unknown_origin(
        demo_dir, monkeypatch, capsys):
    (demo_dir / "demo-country.mmdb").unlink()
    monkeypatch.chdir(demo_dir)
    assert main(["explain", "--ip", "192.0.2.10", "--tenant", "acme"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("residency-gateway: explain needs a GeoIP database: pass --geoip-db, "
                            "set RG_GEOIP_DB, or run it in a demo directory (one holding "
                            "demo-country.mmdb)\n")


@pytest.mark.parametrize(("argv", "message"), [
    (["explain", "--ip", "192.0.2.10", "--tenant", "acne"],
     "unknown tenant 'acne'; did you mean 'acme'? (tenants: acme, bank, keyed, lenient, nobasis)"),
    (["explain", "--ip", "192.0.2.10", "--tenant", "acme", "--gateway-region", "sgp"],
     "--gateway-region: unknown region 'sgp'; did you mean 'sg'? (regions: cn, cn2, id, jp,"),
    (["config", "show", "--tenant", "ACME"], "unknown tenant 'ACME'; did you mean 'acme'?"),
    (["config", "diff", "region_configs/map.yaml", "region_configs/map.yaml",
      "--gateway-region", "jpn"],
     "--gateway-region: unknown region 'jpn'; did you mean 'jp'? (regions: cn, cn2, id, jp,"),
])
def test_unknown_names_get_did_you_mean(demo_dir, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(demo_dir)
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"residency-gateway: {message}")


def test_config_show_prints_the_effective_map_and_routes_per_origin(demo_dir, monkeypatch,
                                                                    capsys):
    import json

    import yaml

    monkeypatch.chdir(demo_dir)
    assert main(["config", "show", "--tenant", "bank"]) == 0
    out = capsys.readouterr().out
    effective = yaml.safe_load(out.split("\n# tenant bank")[0])
    assert list(effective["tenants"]) == ["bank"]
    assert effective["limits"]["connect_timeout_s"] == 5.0  # defaults filled in
    table = out.split("\n# tenant bank: route per origin jurisdiction\n")[1].splitlines()
    assert table[0].split() == ["origin", "action", "region", "fallbacks", "legal", "basis",
                                "reason"]
    rows = {line.split()[0]: line.split() for line in table[2:]}
    assert rows["CN"][:3] == ["CN", "forward", "cn"]
    assert rows["ID"][:3] == ["ID", "forward", "id"] and rows["ID"][-1] == "localisation_pin"
    assert rows["unknown"][:2] == ["unknown", "reject"]
    assert main(["config", "show", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["routes"]) == set(doc["map"]["tenants"]) and len(doc["policy_version"]) == 64
    assert {"origin": "CN", "action": "forward", "region": "cn"}.items() <= \
        doc["routes"]["acme"][0].items()


def test_serve_with_an_unknown_gateway_region_suggests_the_closest(tmp_path, capsys, monkeypatch):
    from residency_gateway.cli.demo import build_geoip, demo_file
    from tests.helpers import BASE_MAP, write_map

    monkeypatch.delenv("RG_REGION", raising=False)
    map_path = write_map(tmp_path / "map.yaml", BASE_MAP)
    geo = build_geoip(demo_file("demo-networks.csv"), tmp_path / "geo.mmdb")
    from residency_gateway.observability import configure_logging

    try:
        assert main(["serve", "--config", str(map_path), "--geoip-db", str(geo), "--region",
                     "sgp", "--data-dir", str(tmp_path / "var"), "--port", "0",
                     "--admin-port", "0"]) == 1
    finally:
        configure_logging("console", "info")  # serve configured logging: back to the suite's
    assert ("regions: this gateway's region 'sgp' (RG_REGION) is not defined in the region map; "
            "did you mean 'sg'?") in capsys.readouterr().err


async def test_audit_export_with_a_tenant_no_decision_names_says_which_there_are(tmp_path,
                                                                                 capsys):
    """A typo in --tenant exports an empty bundle (that is an answer) and says so, with the
    tenants the trail's decisions do name."""
    from residency_gateway.audit.filestore import FileTrail
    from residency_gateway.audit.signing import generate
    from tests.audit.conftest import fill, sample_records

    data = tmp_path / "data"
    signer = generate(data / "keys" / "signing")
    await fill(FileTrail(data / "trail", "gw-a", signer), sample_records(30))
    code = main(["audit", "export", "--data-dir", str(data), "--tenant", "acmee",
                 "--out", str(tmp_path / "bundle")])
    captured = capsys.readouterr()
    assert code == 0 and captured.out.startswith("exported 0 entries")
    assert captured.err == ("residency-gateway: --tenant: no decision names tenant 'acmee'; "
                            "did you mean 'acme'? (tenants: acme, bank, nobasis)\n")
    assert main(["audit", "export", "--data-dir", str(data), "--tenant", "acme",
                 "--out", str(tmp_path / "bundle2")]) == 0
    assert capsys.readouterr().err == ""


def test_each_bad_part_of_a_structured_setting_is_named(monkeypatch, capsys):
    monkeypatch.setenv("RG_WITNESSES", '[{"url": 1}]')
    assert main(["serve", "--geoip-db", "x.mmdb"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "residency-gateway: bad setting RG_WITNESSES[0].url=1: Input should be a valid string",
        'residency-gateway: bad setting RG_WITNESSES[0].vkey={"url": 1}: Field required']


@pytest.mark.parametrize("option", ["--replay", "--body"])
def test_a_named_pipe_given_as_an_input_file_is_a_usage_error_not_a_hang(
        demo_dir, monkeypatch, capsys, option):
    """`config diff --replay` and `explain --body` read the file named as a regular file of a
    bounded size: a named pipe (or a device) there blocked the tool forever (bad-day round
    12's class: every file a tool is pointed at)."""
    import os

    monkeypatch.chdir(demo_dir)
    os.mkfifo(demo_dir / "input.fifo")
    argv = (["config", "diff", "region_configs/map.yaml", "region_configs/map.yaml",
             "--replay", "input.fifo"] if option == "--replay"
            else ["explain", "--ip", "192.0.2.10", "--tenant", "acme", "--body", "input.fifo"])
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"residency-gateway: {option} input.fifo: ") and "Traceback" not in err
