"""Command line (shell): serve, demo, config check. Builds Settings once and passes it down."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from residency_gateway import __version__
from residency_gateway.geo import GeoDatabaseError
from residency_gateway.observability import configure_logging
from residency_gateway.regionmap.load import ConfigError, load_region_map
from residency_gateway.settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="residency-gateway", description=__doc__)
    p.add_argument("--version", action="version", version=f"residency-gateway {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway (production entry point)")
    serve.add_argument("--config", action="append", type=Path,
                       help="region map file or directory (repeatable; env RG_REGION_MAP)")
    serve.add_argument("--geoip-db", type=Path, help="GeoIP2/GeoLite2 Country .mmdb (RG_GEOIP_DB)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--admin-host")
    serve.add_argument("--admin-port", type=int)
    serve.add_argument("--data-dir", type=Path, help="trail and keys (RG_DATA_DIR)")
    serve.add_argument("--region", help="the region this gateway runs in (RG_REGION)")

    demo = sub.add_parser("demo", help="gateway + four mock regional backends on loopback")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--admin-port", type=int, default=9901)
    demo.add_argument("--workdir", type=Path, default=Path("demo-run"))

    config = sub.add_parser("config", help="region map tooling")
    csub = config.add_subparsers(dest="config_command", required=True)
    check = csub.add_parser("check", help="validate region maps: exit 0 valid, 1 invalid")
    check.add_argument("paths", nargs="+", type=Path)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "config" and args.config_command == "check":
            return config_check(args.paths)
        if args.command == "demo":
            from residency_gateway.demo import run_demo

            configure_logging("auto", "info")
            return asyncio.run(run_demo(args.workdir, args.port, args.admin_port))
        if args.command == "serve":
            return serve(args)
    except KeyboardInterrupt:
        return 130
    return 2


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in {
        "region_map": args.config, "geoip_db": args.geoip_db, "listen_host": args.host,
        "listen_port": args.port, "admin_host": args.admin_host, "admin_port": args.admin_port,
        "data_dir": args.data_dir, "region": args.region}.items() if v is not None}
    return Settings(**overrides)


def serve(args: argparse.Namespace) -> int:
    from residency_gateway.gateway.app import serve_forever
    from residency_gateway.gateway.runtime import Runtime

    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"residency-gateway: bad settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    if settings.geoip_db is None:
        print("residency-gateway: --geoip-db (RG_GEOIP_DB) is required: without it every "
              "origin is unknown", file=sys.stderr)
        return 2

    async def run() -> int:
        try:
            rt = Runtime.create(settings)  # inside the loop: client sessions belong to it
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 1
        except GeoDatabaseError as exc:
            print(f"residency-gateway: {exc}", file=sys.stderr)
            return 1
        return await serve_forever(rt)

    return asyncio.run(run())


def config_check(paths: Sequence[Path]) -> int:
    try:
        loaded = load_region_map(*paths)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return 1
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    print(f"OK {', '.join(loaded.sources)}: {len(loaded.rmap.regions)} regions, "
          f"{len(loaded.rmap.tenants)} tenants, policy version {loaded.version}")
    return 0
