"""Bad-day round 13 fixes (GeoIP flavours, map control characters, degenerate pseudonym keys,
TRUNCATE of the PostgreSQL trail): the classes, unit-level, beyond the red team's examples."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from residency_gateway.audit.keys import KeyUnavailable, PseudonymKeys, degenerate
from residency_gateway.cli.demo import build_geoip, demo_file
from residency_gateway.core.origin import GEOIP_CODE_UNREADABLE
from residency_gateway.core.policy import RequestFacts, decide
from residency_gateway.core.values import NOT_INSPECTED, Action, GeoAnswer, Reason
from residency_gateway.gateway.runtime import refuse_lost_families
from residency_gateway.geo import GeoDatabase, GeoDatabaseError, canonical_country
from residency_gateway.regionmap.load import ConfigError, load_region_map
from tests.audit.conftest import pg_dsn, sample_records, signer  # noqa: F401  (fixtures)
from tests.helpers import NOW, loaded

# --- GeoIP country codes that are not ISO 3166-1 alpha-2 upper case -------------------------


def _recoded(tmp_path: Path, recode: dict[str, str], name: str = "recoded.mmdb") -> Path:
    rows = []
    for line in demo_file("demo-networks.csv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        net, _, code = line.partition(",")
        code = code.strip()
        rows.append(f"{net},{recode.get(code, code)}")
    return build_geoip("\n".join(rows) + "\n", tmp_path / name)


@pytest.mark.parametrize("recode", [
    {"CN": "cn"}, {"CN": "CHN", "SG": "SGP"}, {"SG": "sg"}, {"JP": "Jp"}, {"HK": "156"},
    {"CN": "C N"}, {"CN": "China"}])
def test_a_db_whose_codes_are_not_upper_case_alpha2_is_refused(tmp_path, recode):
    with pytest.raises(GeoDatabaseError, match="not an ISO 3166-1 alpha-2"):
        GeoDatabase(_recoded(tmp_path, recode), tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("last-good"))


@pytest.mark.parametrize("code, expected", [
    ("CN", "CN"), ("cn", "CN"), ("Cn", "CN"), ("sg", "SG"), ("CHN", "CN"), ("chn", "CN"),
    ("156", "CN"), ("SGP", "SGP"), ("HKG", "HKG"), ("", ""), ("C1", "C1"), ("ＣＮ", "ＣＮ")])
def test_lookup_codes_are_made_canonical_only_where_unambiguous(code, expected):
    assert canonical_country(code) == expected


def _bulk_db(tmp_path: Path, odd: str) -> Path:
    """300 well-formed networks first (the open-time sample sees only those), then one network
    with an odd code no probe reaches."""
    rows = [f"1.0.{i}.0/24,SG" for i in range(256)] + [f"1.1.{i}.0/24,JP" for i in range(44)]
    rows.append(f"45.10.0.0/16,{odd}")
    return build_geoip("\n".join(rows) + "\n", tmp_path / f"bulk-{len(odd)}.mmdb")


def _decide(geo, tenant: str, address: str = "192.0.2.10"):
    lm = loaded()
    facts = RequestFacts(peer="127.0.0.1", headers=(("x-forwarded-for", address),
                                                    ("x-tenant-id", tenant)),
                         path="/v1/compare", payload=NOT_INSPECTED)
    return decide(facts, lm.rmap, lm.version, geo, NOW, "d-test")


@pytest.mark.parametrize("odd", ["cn", "CHN"])
def test_an_odd_mainland_code_past_the_sample_still_means_mainland(tmp_path, odd):
    db = GeoDatabase(_bulk_db(tmp_path, odd), tmp_path / "cache")
    try:
        assert db("45.10.0.5").country == "CN"
        for tenant in ("acme", "lenient"):
            d = _decide(db, tenant, "45.10.0.5")
            assert d.action is Action.FORWARD and d.region in ("cn", "cn2"), d
    finally:
        db.close()


@pytest.mark.parametrize("odd", ["China", "X1", "SGP", "PRC"])
def test_an_unreadable_code_is_refused_whatever_unknown_origin_says(odd):
    def geo(_address: str) -> GeoAnswer:
        return GeoAnswer(odd, network="192.0.2.0/25")

    for tenant in ("acme", "lenient"):  # lenient: unknown_origin overseas
        d = _decide(geo, tenant)
        assert d.action is Action.REJECT, d
        assert d.origin.rule == GEOIP_CODE_UNREADABLE
        assert Reason.UNKNOWN_ORIGIN in d.reasons


def test_an_unreadable_code_does_not_hide_a_credible_mainland_payload_signal():
    import json

    from residency_gateway.core.payload import scan_json
    from tests.helpers import ADULT_ID

    scan = scan_json(json.dumps({"id": ADULT_ID}).encode(), key=b"k" * 32, today=NOW.date())
    lm = loaded()
    facts = RequestFacts(peer="127.0.0.1", headers=(("x-forwarded-for", "198.51.100.10"),
                                                    ("x-tenant-id", "lenient")),
                         path="/v1/compare", payload=scan)
    d = decide(facts, lm.rmap, lm.version, lambda _a: GeoAnswer("sgp"), NOW, "d-test")
    assert d.action is Action.FORWARD and d.region == "cn" and d.origin.jurisdiction == "CN"


def test_a_genuinely_unknown_address_still_follows_the_tenants_rule():
    d = _decide(lambda _a: GeoAnswer(None), "lenient")
    assert d.action is Action.FORWARD and d.region == "sg"


# --- a GeoIP DB of one address family only ----------------------------------------------------


def _one_family(tmp_path: Path, family: int) -> Path:
    import csv

    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=family, ipv4_compatible=False,
                        database_type="GeoIP2-Country", languages=["en"])
    for row in csv.reader(line for line in demo_file("demo-networks.csv").splitlines()
                          if line.strip() and not line.startswith("#")):
        network, country = row[0].strip(), row[1].strip()
        if country and (":" in network) == (family == 6):
            writer.insert_network(IPSet([network]), {"country": {"iso_code": country}})
    out = tmp_path / f"v{family}.mmdb"
    writer.to_db_file(str(out))
    return out


def test_families_are_what_the_db_places(tmp_path, geo_db):
    both = GeoDatabase(geo_db)
    v4 = GeoDatabase(_one_family(tmp_path, 4))
    v6 = GeoDatabase(_one_family(tmp_path, 6))
    v4_in_v6 = GeoDatabase(build_geoip("192.0.2.0/25,CN\n", tmp_path / "v4in6.mmdb"))
    try:
        assert both.families == {4, 6}
        assert v4.families == {4}
        assert v6.families == {6}
        assert v4_in_v6.families == {4}
    finally:
        for db in (both, v4, v6, v4_in_v6):
            db.close()


@pytest.mark.parametrize("family", [4, 6])
def test_a_replacement_losing_a_family_is_refused_and_the_same_families_pass(tmp_path, geo_db,
                                                                            family):
    live = GeoDatabase(geo_db)
    one = GeoDatabase(_one_family(tmp_path, family))
    again = GeoDatabase(_one_family(tmp_path, family))
    try:
        lost = "IPv6" if family == 4 else "IPv4"
        with pytest.raises(GeoDatabaseError, match=f"places no {lost} address"):
            refuse_lost_families(live, one)
        refuse_lost_families(one, again)  # a one-family DB replaced by its like: accepted
        refuse_lost_families(one, live)  # gaining a family: accepted
    finally:
        for db in (live, one, again):
            db.close()


def test_a_one_family_db_at_start_is_a_warning_naming_what_it_covers(tmp_path, geo_db):
    from structlog.testing import capture_logs

    from residency_gateway.gateway.runtime import warn_one_family

    one, both = GeoDatabase(_one_family(tmp_path, 4)), GeoDatabase(geo_db)
    try:
        with capture_logs() as logs:
            warn_one_family(one)
            warn_one_family(both)
    finally:
        one.close()
        both.close()
    assert [(e["event"], e["log_level"], e["covers"]) for e in logs] == [
        ("geoip_db_one_address_family", "warning", "IPv4")]


def test_a_restart_on_a_db_that_lost_a_family_uses_the_last_good_copy(tmp_path, geo_db):
    """A reload refused the one-family DB; a restart (or a replaced worker) must not take it
    up: the last good copy serves, said as geoip_db_refused_using_last_good."""
    from structlog.testing import capture_logs

    from residency_gateway.gateway.runtime import open_geo_at_start
    from residency_gateway.geo import remember_good
    from residency_gateway.settings import Settings

    data = tmp_path / "data"
    good = GeoDatabase(geo_db, data / "geoip")
    remember_good(good, data / "geoip")
    good.close()
    settings = Settings(region_map=[tmp_path], geoip_db=_one_family(tmp_path, 6),
                        data_dir=data)
    with capture_logs() as logs:
        geo, _ = open_geo_at_start(settings)
    try:
        assert isinstance(geo, GeoDatabase) and geo.families == {4, 6}
        assert geo("192.0.2.10").country == "CN"
        refused = [e for e in logs if e["event"] == "geoip_db_refused_using_last_good"]
        assert refused and "places no IPv4 address" in refused[0]["error"]
    finally:
        geo.close()
    # with no last good copy (a first start), the one-family DB serves, with a warning
    settings = Settings(region_map=[tmp_path], geoip_db=_one_family(tmp_path, 6),
                        data_dir=tmp_path / "fresh")
    with capture_logs() as logs:
        geo, _ = open_geo_at_start(settings)
    try:
        assert isinstance(geo, GeoDatabase) and geo.families == {6}
        assert [e["event"] for e in logs] == ["geoip_db_one_address_family"]
    finally:
        geo.close()


def test_the_real_maxmind_test_databases_cover_both_families():
    path = Path(__file__).parents[2] / "shared" / "testdata" / "maxmind" / \
        "GeoIP2-Country-Test.mmdb"
    if not path.exists():
        pytest.skip(f"test data missing: {path}")
    db = GeoDatabase(path)
    try:
        assert db.families == {4, 6}
    finally:
        db.close()


# --- a region map holding a control character --------------------------------------------------


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x7f", "\x07", "\x80", "\ufffe"])
@pytest.mark.parametrize("where", ["comment", "value", "first-line"])
def test_a_control_character_anywhere_is_a_file_line_error(tmp_path, char, where):
    lines = ["version: 1", "regions:", "  cn: {jurisdiction: CN, upstreams: "
             "['https://cn.example.test']}", "tenants: {}"]
    if where == "comment":
        lines.insert(2, f"# pasted {char}[0m")
        line = 3
    elif where == "value":
        lines[0] = f"version: 1{char}"
        line = 1
    else:
        lines.insert(0, f"{char}")
        line = 1
    path = tmp_path / "map.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ConfigError) as err:
        load_region_map(path)
    text = str(err.value)
    assert f"{path}:{line}:" in text, text
    assert char not in text and "Traceback" not in text
    assert "unacceptable character U+" in text


def test_config_check_says_file_line_for_a_control_character(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "map.yaml"
    path.write_text("# \x1b[0m\nversion: 1\n", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    out = subprocess.run([sys.executable, "-m", "residency_gateway", "config", "check",
                          str(path)], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout
    assert f"{path}:1:" in out.stderr + out.stdout


# --- degenerate pseudonym keys ------------------------------------------------------------------


@pytest.mark.parametrize("key", [b"\0" * 32, b"\xff" * 32, b"A" * 32, b"0123" * 8,
                                 bytes(range(7)) * 4 + b"\0\1\2\3"])
def test_a_degenerate_key_is_refused_with_its_file(tmp_path, key):
    keys = PseudonymKeys(tmp_path)
    keys.dir.mkdir(parents=True)
    keys.path("acme").write_bytes(key)
    with pytest.raises(KeyUnavailable, match=r"acme\.key: pseudonym key is not a secret"):
        keys.get("acme")
    with pytest.raises(KeyUnavailable):
        keys.get("acme", create=False)
    problems = keys.check()
    assert len(problems) == 1 and "acme.key" in problems[0] and "not a secret" in problems[0]
    assert keys.path("acme").read_bytes() == key  # never replaced: an operator decides


def test_random_and_generated_keys_pass(tmp_path):
    keys = PseudonymKeys(tmp_path)
    assert len(keys.get("acme") or b"") == 32
    for _ in range(200):
        assert degenerate(secrets.token_bytes(32)) is None
    assert keys.check() == []


# --- PostgreSQL: TRUNCATE of the trail tables ---------------------------------------------------

_OLD_SCHEMA_END = "DROP TRIGGER IF EXISTS rg_trail_entries_no_truncate"


@pytest.mark.parametrize("table", ["rg_trail_entries", "rg_trail_checkpoints"])
async def test_truncate_is_refused_also_on_a_database_of_an_older_version(pg_dsn,  # noqa: F811
                                                                         table):
    import asyncpg

    from residency_gateway.audit import pgstore

    conn = await asyncpg.connect(pg_dsn, timeout=5)
    try:
        old = pgstore.SCHEMA[:pgstore.SCHEMA.index(_OLD_SCHEMA_END)]
        await conn.execute(old)  # the tables as an older version created them
        await conn.execute("INSERT INTO rg_trail_entries (log_id, seq, line) "
                           "VALUES ('l', 0, 'x')")
        await conn.execute("INSERT INTO rg_trail_checkpoints (log_id, idx, body) "
                           "VALUES ('l', 0, '{}')")
        await pgstore.ensure_schema(conn)  # what every start does
        await pgstore.ensure_schema(conn)  # (idempotent)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute(f"TRUNCATE {table}")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("TRUNCATE rg_trail_entries, rg_trail_checkpoints")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            async with conn.transaction():  # not even inside a purge
                await conn.execute("SET LOCAL rg.purge = 'on'")
                await conn.execute(f"TRUNCATE {table}")
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 1
    finally:
        await conn.close()


@pytest.mark.parametrize("table", ["rg_trail_entries", "rg_trail_checkpoints"])
async def test_rows_deleted_past_the_triggers_stop_the_trail(pg_dsn, signer, table):  # noqa: F811
    """A superuser who disables the triggers and empties a table: the running trail notices
    at its next write (entries: the next append; checkpoints: the next checkpoint) and
    writes nothing more; a restart on entries that vanished is refused too."""
    import asyncpg

    from residency_gateway.audit.pgstore import PgTrail
    from residency_gateway.audit.trail import TrailUnavailable

    records = sample_records(12)
    trail = PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=3)
    await trail.start()
    try:
        for r in records[:6]:
            await trail.append(r)
        await trail.checkpoint("test")
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            await conn.execute(f"DELETE FROM {table}")
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            with pytest.raises(TrailUnavailable, match="is gone from the PostgreSQL store"):
                if table == "rg_trail_entries":
                    await trail.append(records[6])
                else:
                    await trail.checkpoint("test")
            after = await conn.fetchval("SELECT count(*) FROM rg_trail_entries")
        finally:
            await conn.close()
        if table == "rg_trail_entries":
            assert after == 0  # the refused append wrote nothing
    finally:
        await trail.close()
    if table == "rg_trail_entries":
        with pytest.raises(TrailUnavailable, match="is gone"):
            again = PgTrail(pg_dsn, "gw-a", signer, checkpoint_every=3)
            try:
                await again.start()
            finally:
                await again.close()
