"""Which map files a reload lets settle before reading them (`settling`), and which files a
read saw change (`changed_files`): pure functions over fingerprints and a clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from residency_gateway.gateway.runtime import (
    COARSE_MTIME_NS,
    SETTLE_WINDOW_S,
    changed_files,
    settling,
)

NOW = 1_780_000_000_123_456_789  # ns, not a whole second
WINDOW = int(SETTLE_WINDOW_S * 1e9)
DB = Path("/geo/country.mmdb")


@pytest.mark.parametrize(("mtime", "fresh"), [
    (NOW - 10 * WINDOW, False),  # written long ago
    (NOW - WINDOW - 1, False),  # just outside the window
    (NOW - WINDOW + 1_000_000, True),  # inside it
    (NOW - 1_000, True),  # a moment ago
    (NOW + 5_000_000_000, True),  # in the future: the file server's clock is ahead
    # a whole-second mtime may be cut by a coarse filesystem: the write may be later
    (NOW // 10**9 * 10**9 - 10**9, True),
    (NOW // 10**9 * 10**9 - COARSE_MTIME_NS - WINDOW - 10**9, False),
])
def test_a_map_file_modified_within_the_window_is_settling(mtime, fresh):
    files = (("/maps/a.yaml", mtime, 100, 7),)
    assert settling(files, NOW, DB) == (("/maps/a.yaml",) if fresh else ())


def test_the_geoip_db_and_a_missing_file_are_not_waited_for():
    files = ((str(DB), NOW, 100, 1), ("/maps/gone.yaml", -1, -1, -1),
             ("/maps/b.yaml", NOW, 10, 2))
    assert settling(files, NOW, DB) == ("/maps/b.yaml",)


def test_changed_files_names_files_changed_added_and_gone():
    before = (("/a", 1, 1, 1), ("/b", 1, 1, 2), ("/c", 1, 1, 3))
    after = (("/a", 1, 1, 1), ("/b", 2, 1, 2), ("/d", 1, 1, 4))
    assert changed_files(before, after) == ("/b", "/c", "/d")
    assert changed_files(before, before) == ()
