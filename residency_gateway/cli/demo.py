"""`residency-gateway demo`: the gateway, four mock regional KYC backends and a demo GeoIP DB,
all on loopback, with ready-to-paste curl commands (shell)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import signal
import sys
from importlib import resources
from pathlib import Path

import structlog
from aiohttp import web
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from residency_gateway.cli.config import DEMO_GEOIP_DB  # `explain` run in the directory finds it
from residency_gateway.core.idnumber import check_character
from residency_gateway.gateway.app import ListenError, serve_handler, start
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.settings import Settings

log = structlog.get_logger("residency_gateway")
DEMO_REGIONS = ("cn", "sg", "id", "jp")


def demo_file(name: str) -> str:
    return resources.files("residency_gateway").joinpath("demo_data", name).read_text("utf-8")


def build_geoip(csv_text: str, out: Path) -> Path:
    """Write a GeoIP2-Country-shaped MMDB from `network,country` rows (empty country: a record
    with no country, as GeoIP has for some ranges)."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country",
                        languages=["en"], description="residency-gateway demo/test database")
    for row in csv.reader(line for line in csv_text.splitlines()
                          if line.strip() and not line.startswith("#")):
        network, country = row[0].strip(), row[1].strip()
        record: dict[str, object] = {"continent": {"code": "AS"}}
        if country:
            record["country"] = {"iso_code": country, "names": {"en": country}}
        writer.insert_network(IPSet([network]), record)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer.to_db_file(str(out))
    return out


def resident_id(born: dt.date, area: str = "110101", seq: str = "123") -> str:
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_character(first17)


async def mock_backend_handler(request: web.Request, region: str) -> web.Response:
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
    return web.json_response({
        "served_by_region": region,
        "path": request.path,
        "received_bytes": size,
        "x_residency_origin": request.headers.get("X-Residency-Origin"),
        "x_residency_region": request.headers.get("X-Residency-Region"),
        "x_residency_decision": request.headers.get("X-Residency-Decision"),
    })


async def start_mock_backend(region: str) -> tuple[web.AppRunner, int]:
    async def handle(request: web.Request) -> web.Response:
        return await mock_backend_handler(request, region)

    runner, url = await serve_handler(handle)
    return runner, int(url.rsplit(":", 1)[1])


async def run_demo(workdir: Path, port: int, admin_port: int) -> int:
    # start-up, before serving: blocking path calls are fine here
    workdir = workdir.resolve()  # noqa: ASYNC240 - printed paths work from any directory
    workdir.mkdir(parents=True, exist_ok=True)
    backends = {r: await start_mock_backend(r) for r in DEMO_REGIONS}
    try:
        return await _run(workdir, port, admin_port, backends)
    finally:
        for runner, _ in backends.values():
            await runner.cleanup()


async def _run(workdir: Path, port: int, admin_port: int,
               backends: dict[str, tuple[web.AppRunner, int]]) -> int:
    ports = {f"{r}_port": p for r, (_, p) in backends.items()}
    map_path = workdir / "region_configs" / "demo.yaml"
    map_path.parent.mkdir(parents=True, exist_ok=True)
    text = demo_file("demo-region-map.yaml")
    for name, value in ports.items():
        text = text.replace("{" + name + "}", str(value))
    map_path.write_text(text, "utf-8")
    geo_path = build_geoip(demo_file("demo-networks.csv"), workdir / DEMO_GEOIP_DB)
    settings = Settings(region_map=[map_path.parent], geoip_db=geo_path, listen_host="127.0.0.1",
                        listen_port=port, admin_port=admin_port, data_dir=workdir / "var",
                        region="cn", log_id="demo")
    rt = Runtime.create(settings)
    try:
        running = await start(rt, host="127.0.0.1", port=port, admin_host="127.0.0.1",
                              admin_port=admin_port)
    except ListenError as exc:
        flag = "--port (make run PORT=...)" if exc.which == "proxy" else \
            "--admin-port (make run ADMIN_PORT=...)"
        print(f"residency-gateway demo: {exc}; choose another with {flag}", file=sys.stderr)
        return 1
    print(banner(running.proxy_port, running.admin_port, settings), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    rt.draining = True
    await running.stop()
    return 0


def banner(port: int, admin_port: int, settings: Settings) -> str:
    base = f"http://127.0.0.1:{port}"
    adult = resident_id(dt.date(1990, 3, 7))
    child = resident_id(dt.date.today().replace(year=dt.date.today().year - 9, day=1))
    jhdr = "-H 'Content-Type: application/json'"
    cli = f"{sys.executable} -m residency_gateway"

    def curl(tenant: str, xff: str, path: str, body: dict[str, object], extra: str = "") -> str:
        return (f"curl -si {base}{path} -H 'X-Tenant-ID: {tenant}' -H 'X-Forwarded-For: {xff}' "
                f"{jhdr} {extra}-d '{json.dumps(body)}'")

    lines = [
        "",
        "residency-gateway demo is running (Ctrl-C to stop)",
        f"  proxy  {base}    admin http://127.0.0.1:{admin_port}/metrics  /healthz  /readyz",
        f"  region map  {settings.region_map[0]}",
        f"  decisions   {settings.trail_dir}/demo/seg-*.jsonl",
        "  curl from this machine plays the load balancer (127.0.0.0/8 is a trusted proxy).",
        "",
        "# 1. a mainland address (192.0.2.10 -> CN) lands on cn",
        curl("acme", "192.0.2.10", "/v1/compare", {"image_ref": "demo-1"}),
        "# 2. a Hong Kong address (192.0.2.200 -> HK) is overseas traffic: acme's region sg",
        curl("acme", "192.0.2.200", "/v1/compare", {"image_ref": "demo-2"}),
        "# 3. a Japanese address (198.51.100.130 -> JP) also goes to acme's chosen region sg",
        curl("acme", "198.51.100.130", "/v1/liveness", {"video_ref": "demo-3"}),
        "# 4. a Singapore session carrying a valid mainland ID number stays in China (cn)",
        curl("acme", "198.51.100.10", "/v1/ocr", {"id_number": adult}),
        "# 5. a child's ID (age 9) without X-Guardian-Consent is refused with 451, never forwarded",
        curl("acme", "198.51.100.10", "/v1/ocr", {"id_number": child}),
        "# 6. Indonesian data of bank-id is pinned to id",
        curl("bank-id", "198.51.100.70", "/v1/compare", {"image_ref": "demo-6"}),
        "# 7. an address with no country in GeoIP: unknown origin, refused with 451",
        curl("acme", "203.0.113.9", "/v1/compare", {"image_ref": "demo-7"}),
        "# 8. a 20 MB liveness video streams through without inspection or buffering",
        f"head -c 20000000 /dev/urandom | curl -s {base}/v1/liveness -H 'X-Tenant-ID: acme' "
        "-H 'X-Forwarded-For: 198.51.100.10' -H 'Content-Type: video/mp4' --data-binary @-",
        "",
        f"Decision records: tail -n 4 {settings.trail_dir}/demo/seg-000001.jsonl",
        "Ask the map (run in the demo directory, these find its map and GeoIP DB):",
        f"  cd {settings.data_dir.parent}",
        f"  {cli} config show --tenant acme",
        f"  {cli} explain --ip 198.51.100.10 --tenant acme",
        "Verify the trail, export it, report on it (as an auditor would):",
        f"  {cli} audit verify --store {settings.trail_dir} --public-key "
        f"{settings.signing_keys_dir}",
        f"  {cli} audit export --data-dir {settings.data_dir} --cross-border-only "
        f"--format csv --out {settings.data_dir.parent / 'export'}",
        f"  {cli} audit report --data-dir {settings.data_dir} --out "
        f"{settings.data_dir.parent / 'report.html'}",
        "",
    ]
    return "\n".join(lines)
