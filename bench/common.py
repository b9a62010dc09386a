"""What the benchmarks share: the demo region map and GeoIP DB pointed at one upstream."""

from __future__ import annotations

from pathlib import Path

from residency_gateway.cli.demo import build_geoip, demo_file


def one_server_map(upstream_url: str) -> str:
    """The demo region map with every region's upstream being `upstream_url` (a loopback
    URL). The CN region names it `localhost`: a map whose CN region names a server of an
    overseas region is refused, and only another name of the same loopback server (which
    the check cannot see through) makes a one-server bench possible."""
    text = demo_file("demo-region-map.yaml")
    for region in ("cn", "sg", "id", "jp"):
        url = upstream_url.replace("//127.0.0.1:", "//localhost:") if region == "cn" else \
            upstream_url
        text = text.replace("http://127.0.0.1:{" + region + "_port}", url)
    return text


def demo_setup(tmp: Path, name: str, upstream_url: str) -> tuple[Path, Path]:
    """(map directory, GeoIP DB) of the demo, every region's upstream being `upstream_url`."""
    geo = build_geoip(demo_file("demo-networks.csv"), tmp / f"{name}-geo.mmdb")
    text = one_server_map(upstream_url)
    maps = tmp / name
    maps.mkdir()
    (maps / "m.yaml").write_text(text)
    return maps, geo
