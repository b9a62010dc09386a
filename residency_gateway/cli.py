"""Command line (shell): serve, demo, config check. Builds Settings once and passes it down."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from residency_gateway import __version__
from residency_gateway.audit.trail import TrailUnavailable
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
    check.add_argument("--geoip-db", type=Path, help="also compare CIDR overrides with this DB")
    diff = csub.add_parser("diff", help="routing impact of a map change (not a text diff)")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    diff.add_argument("--replay", type=Path, action="append",
                      help="trail segment or export entries.jsonl to replay (repeatable)")
    diff.add_argument("--gateway-region", help="evaluate placement as this gateway's region")
    diff.add_argument("--json", action="store_true")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when routes change")
    schema = csub.add_parser("schema", help="print the region map JSON Schema")
    schema.add_argument("--part", action="store_true",
                        help="the schema for one file of a map split across files")

    explain = sub.add_parser("explain", help="dry run: the decision for a described request")
    explain.add_argument("--config", type=Path, action="append", required=True)
    explain.add_argument("--ip", required=True, help="the client address (after trusted proxies)")
    explain.add_argument("--tenant", required=True)
    explain.add_argument("--header", action="append", default=[], metavar="K:V")
    explain.add_argument("--body", type=Path, help="request body file (JSON or form)")
    explain.add_argument("--path", default="/")
    explain.add_argument("--geoip-db", type=Path)
    explain.add_argument("--gateway-region")
    explain.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="auditors' tools: export, verify, report")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    export = asub.add_parser("export", help="signed export bundle of decision records")
    _store_arg(export)
    export.add_argument("--since", type=_when)
    export.add_argument("--until", type=_when)
    export.add_argument("--tenant")
    export.add_argument("--origin", help="origin jurisdiction (ISO alpha-2) or 'unknown'")
    export.add_argument("--destination", help="destination region or jurisdiction")
    export.add_argument("--cross-border-only", action="store_true")
    export.add_argument("--subject", help="a resident ID or phone number: finds that person's "
                        "transfers through the tenants' pseudonym keys")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                        help="csv adds records.csv for spreadsheets (jsonl is always written)")
    export.add_argument("--out", type=Path, required=True)
    verify = asub.add_parser("verify", help="verify a store or bundle offline: exit 0 VALID, 1")
    where = verify.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", help="trail directory or postgresql:// DSN")
    where.add_argument("--bundle", type=Path)
    verify.add_argument("--public-key", type=Path, action="append",
                        help="trusted Ed25519 public key file or directory (repeatable)")
    report = asub.add_parser("report", help="self-contained HTML report")
    _store_arg(report)
    report.add_argument("--since", type=_when)
    report.add_argument("--until", type=_when)
    report.add_argument("--public-key", type=Path, action="append")
    report.add_argument("--out", type=Path, required=True)

    keys = sub.add_parser("keys", help="signing keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    gen = ksub.add_parser("generate", help="new Ed25519 signing key; it becomes current")
    gen.add_argument("--dir", type=Path, help="default: <data-dir>/keys/signing")
    return p


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="trail directory or postgresql:// DSN "
                   "(default: <data-dir>/trail, or RG_AUDIT_PG_DSN with RG_AUDIT_STORE=postgres)")
    p.add_argument("--data-dir", type=Path, help="where keys live (RG_DATA_DIR)")


def _when(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or time") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "config" and args.config_command == "check":
            return config_check(args.paths, args.geoip_db)
        if args.command == "config" and args.config_command == "diff":
            from residency_gateway.configcli import config_diff

            return config_diff(args)
        if args.command == "config" and args.config_command == "schema":
            from residency_gateway.configcli import print_schema

            return print_schema(args.part)
        if args.command == "explain":
            from residency_gateway.configcli import explain_cmd

            return explain_cmd(args)
        if args.command == "demo":
            from residency_gateway.demo import run_demo

            configure_logging("auto", "info")
            return asyncio.run(run_demo(args.workdir, args.port, args.admin_port))
        if args.command == "serve":
            return serve(args)
        if args.command == "audit":
            from residency_gateway import auditcli

            return auditcli.run(args)
        if args.command == "keys":
            from residency_gateway import auditcli

            return auditcli.keys_generate(args)
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
    from residency_gateway.gateway.app import ListenError, serve_forever
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
        try:
            return await serve_forever(rt)
        except TrailUnavailable as exc:
            print(f"residency-gateway: the decision trail cannot be opened: {exc}",
                  file=sys.stderr)
            return 1
        except ListenError as exc:  # one line, the runtime already closed by start()
            flag = "--port / RG_LISTEN_PORT" if exc.which == "proxy" else \
                "--admin-port / RG_ADMIN_PORT"
            print(f"residency-gateway: {exc}; choose another with {flag}", file=sys.stderr)
            return 1
        except OSError as exc:  # a data directory not writable, ...
            print(f"residency-gateway: {exc}", file=sys.stderr)
            return 1

    return asyncio.run(run())


def config_check(paths: Sequence[Path], geoip_db: Path | None = None) -> int:
    from residency_gateway.regionmap.lint import warnings as lint
    from residency_gateway.regionmap.load import issues_for

    try:
        loaded = load_region_map(*paths)
        geo = None
        if geoip_db is not None:
            from residency_gateway.geo import GeoDatabase

            geo = GeoDatabase(geoip_db)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return 1
    except GeoDatabaseError as exc:
        print(f"residency-gateway: {exc}", file=sys.stderr)
        return 1
    found = [*loaded.warnings, *issues_for(loaded, lint(loaded, geo, dt.datetime.now(dt.UTC)))]
    for warning in found:
        print(warning, file=sys.stderr)
    print(f"OK {', '.join(loaded.sources)}: {len(loaded.rmap.regions)} regions, "
          f"{len(loaded.rmap.tenants)} tenants, policy version {loaded.version}")
    return 0
