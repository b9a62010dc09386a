"""What the benchmarks share: the demo region map and GeoIP DB pointed at one upstream."""

from __future__ import annotations

from pathlib import Path

from residency_gateway.cli.demo import build_geoip, demo_file


def demo_setup(tmp: Path, name: str, upstream_url: str) -> tuple[Path, Path]:
    """(map directory, GeoIP DB) of the demo, every region's upstream being `upstream_url`."""
    geo = build_geoip(demo_file("demo-networks.csv"), tmp / f"{name}-geo.mmdb")
    text = demo_file("demo-region-map.yaml")
    for region in ("cn", "sg", "id", "jp"):
        text = text.replace("http://127.0.0.1:{" + region + "_port}", upstream_url)
    maps = tmp / name
    maps.mkdir()
    (maps / "m.yaml").write_text(text)
    return maps, geo
