"""The GeoIP adapter's per-request path (raw maxminddb record, per-address cache) answers what
geoip2's Country model answers, and never answers from a database it no longer uses."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import geoip2.database
import geoip2.errors
import maxminddb
import pytest

from residency_gateway import geo
from residency_gateway.cli.demo import build_geoip
from residency_gateway.core.values import GeoAnswer
from residency_gateway.geo import GeoDatabase

MAXMIND = Path(__file__).parents[2] / "shared" / "testdata" / "maxmind"
REAL = [MAXMIND / "GeoIP2-Country-Test.mmdb", MAXMIND / "GeoLite2-Country-Test.mmdb"]


def reference(reader: geoip2.database.Reader, address: str) -> GeoAnswer:
    try:
        record = reader.country(address)
    except geoip2.errors.AddressNotFoundError:
        return GeoAnswer(None)
    network = str(record.traits.network) if record.traits.network else None
    return GeoAnswer(record.country.iso_code, bool(record.traits.is_anycast), network)


def addresses(path: Path) -> list[str]:
    """The first, an inner and the last address of every network in the database, plus a few
    outside any network."""
    out = ["10.0.0.1", "127.0.0.1", "::1", "2001:db8::1", "8.8.8.8"]
    with maxminddb.open_database(str(path)) as raw:
        for network, _ in raw:
            net = ipaddress.ip_network(network)
            out += [str(net.network_address), str(net.network_address + net.num_addresses // 2),
                    str(net.broadcast_address)]
    return out


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_fast_lookup_equals_geoip2_on_real_test_databases(path):
    db = GeoDatabase(path)
    reader = geoip2.database.Reader(str(path))
    checked = addresses(path)
    assert len(checked) > 100
    for address in checked:
        expected = reference(reader, address)
        assert db(address) == expected, address
        assert db(address) == expected, address  # the cached answer too
    reader.close()
    db.close()


def test_a_replaced_database_answers_from_its_own_records(tmp_path):
    path = tmp_path / "geo.mmdb"
    build_geoip("192.0.2.0/24,CN\n", path)
    old = GeoDatabase(path)
    assert old("192.0.2.7").country == "CN"
    build_geoip("192.0.2.0/24,SG\n", tmp_path / "new.mmdb")
    (tmp_path / "new.mmdb").replace(path)  # as geoipupdate does
    assert GeoDatabase(path)("192.0.2.7").country == "SG"


def test_the_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(geo, "CACHE_SIZE", 8)
    db = GeoDatabase(build_geoip("192.0.2.0/24,CN\n", tmp_path / "geo.mmdb"))
    for i in range(100):
        assert db(f"192.0.2.{i}").country == "CN"
    assert len(db._cache) <= 8


def test_unparseable_address_is_no_country_and_not_cached(tmp_path):
    db = GeoDatabase(build_geoip("192.0.2.0/24,CN\n", tmp_path / "geo.mmdb"))
    assert db("not-an-address") == GeoAnswer(None)
    assert "not-an-address" not in db._cache
