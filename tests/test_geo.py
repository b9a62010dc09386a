"""The GeoIP adapter: copy-on-open, candidates validated before use, the last good copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from residency_gateway.cli.demo import build_geoip
from residency_gateway.geo import GeoDatabase, GeoDatabaseError, last_good, remember_good

MAXMIND = Path(__file__).parents[2] / "shared" / "testdata" / "maxmind"


def test_the_served_db_is_a_private_copy_so_in_place_writes_cannot_touch_it(tmp_path, geo_db):
    served = tmp_path / "served.mmdb"
    shutil.copy(geo_db, served)
    db = GeoDatabase(served, tmp_path / "cache")
    assert db.private is not None and db.private.parent == tmp_path / "cache"
    before = db("192.0.2.10").country
    with served.open("r+b") as fh:  # overwrite the configured file in place
        fh.write(b"\x00" * served.stat().st_size)
    assert db("192.0.2.10").country == before == "CN"
    with pytest.raises(GeoDatabaseError):
        GeoDatabase(served, tmp_path / "cache")


def test_a_db_that_resolves_nothing_is_refused(tmp_path):
    empty = build_geoip("10.0.0.0/8,\n", tmp_path / "empty.mmdb")
    with pytest.raises(GeoDatabaseError, match="resolves to a country"):
        GeoDatabase(empty, tmp_path / "cache")


@pytest.mark.parametrize("name", ["libmaxminddb-corrupt-search-tree.mmdb",
                                  "invalid-data-record-offset.mmdb"])
def test_broken_databases_are_refused(tmp_path, name):
    path = MAXMIND / "bad-data" / name
    if not path.exists():
        pytest.fail(f"test data missing: {path}")
    with pytest.raises(GeoDatabaseError):
        GeoDatabase(path, tmp_path / "cache")


def test_last_good_copy_is_kept_and_older_copies_dropped(tmp_path, geo_db):
    cache = tmp_path / "cache"
    first = GeoDatabase(geo_db, cache)
    remember_good(first, cache)
    assert last_good(cache) == first.private
    other = build_geoip("192.0.2.0/24,JP\n", tmp_path / "other.mmdb")
    second = GeoDatabase(other, cache)
    remember_good(second, cache)
    assert last_good(cache) == second.private
    assert sorted(p.name for p in cache.glob("geoip-*.mmdb")) == [second.private.name]
    assert first("192.0.2.10").country == "CN"  # a mapped file unlinked stays readable
