"""Files an operator points the gateway at are read only when they are regular files of a
bounded size: a named pipe, a device or a directory where a map, a DB or a key belongs is
refused at once, never read on the event loop until the end of time (bad-day round 7)."""
from __future__ import annotations

import asyncio
import os

import pytest

from residency_gateway.files import read_regular


def test_a_regular_file_and_a_symlink_to_one_are_read(tmp_path):
    f = tmp_path / "a"
    f.write_bytes(b"x" * 100)
    (tmp_path / "link").symlink_to(f)
    assert read_regular(f, 100) == b"x" * 100
    assert read_regular(tmp_path / "link", 1000) == b"x" * 100


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "too_big", "missing"])
def test_anything_else_is_refused_without_blocking(tmp_path, kind):
    path = tmp_path / "thing"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "too_big":
        path.write_bytes(b"x" * 101)
    with pytest.raises(FileNotFoundError if kind == "missing" else OSError):
        read_regular(path, 100)


async def test_a_fifo_for_the_map_or_the_geoip_db_is_a_refused_reload(make_gateway, tmp_path):
    gw = await make_gateway()
    rt = gw.runtime
    before = rt.active.loaded.version
    for target in (gw.map_path, rt.settings.geoip_db):
        saved = target.read_bytes()
        target.unlink()
        os.mkfifo(target)
        try:
            ok, detail = await asyncio.wait_for(rt.reload("test"), 10)
        finally:
            target.unlink()
            target.write_bytes(saved)
        assert not ok and "not a regular file" in detail, detail
        assert rt.active.loaded.version == before
    ok, _ = await rt.reload("test")
    assert ok
