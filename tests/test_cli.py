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
