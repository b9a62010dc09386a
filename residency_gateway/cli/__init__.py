"""Command line (shell): serve, demo, config check. Builds Settings once and passes it down."""
# (The parser's description is DESCRIPTION below: this docstring is for developers.)

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from residency_gateway import __version__
from residency_gateway.audit.trail import TrailUnavailable
from residency_gateway.geo import GeoDatabaseError
from residency_gateway.observability import configure_logging
from residency_gateway.regionmap.load import ConfigError, load_region_map
from residency_gateway.settings import Settings
from residency_gateway.settingserrors import (
    describe,
    describe_source_error,
    env_name,
    env_table,
)

DESCRIPTION = """\
A data-residency gateway for KYC traffic: keeps mainland-Chinese personal data in China,
routes the rest to the tenant's region, and records every transfer decision first.
Every serve option is also an RG_ environment variable (shown with each option)."""

# serve's flags and the settings they set (an error names the flag when it came from one).
SERVE_FLAGS = {"region_map": "--config", "geoip_db": "--geoip-db", "listen_host": "--host",
               "listen_port": "--port", "admin_host": "--admin-host",
               "admin_port": "--admin-port", "data_dir": "--data-dir", "region": "--region",
               "workers": "--workers"}


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows each option's default, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (action.default not in (None, False, argparse.SUPPRESS) and action.option_strings
                and "default" not in text):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _env_help(field: str, text: str) -> str:
    """`text`, the RG_ variable behind the option and the setting's default."""
    default = Settings.model_fields[field].default
    if isinstance(default, list):
        default = ",".join(str(d) for d in default)
    shown = "" if default is None else f"; default: {default}"
    return f"{text} ({env_name(field)}{shown})"

if TYPE_CHECKING:
    from residency_gateway.gateway.runtime import Runtime


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="residency-gateway", description=DESCRIPTION)
    p.add_argument("--version", action="version", version=f"residency-gateway {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway (production entry point)",
                           description="Run the gateway. Options not given come from their RG_\n"
                           "environment variable, else the default shown.",
                           epilog="settings without a flag (environment only):\n"
                           + env_table(set(SERVE_FLAGS)))
    serve.add_argument("--config", action="append", type=Path,
                       help=_env_help("region_map", "region map file or directory (repeatable)"))
    serve.add_argument("--geoip-db", type=Path,
                       help=_env_help("geoip_db", "GeoIP2/GeoLite2 Country .mmdb (required)"))
    serve.add_argument("--host", help=_env_help("listen_host", "proxy listen address"))
    serve.add_argument("--port", type=int, help=_env_help("listen_port", "proxy port"))
    serve.add_argument("--admin-host",
                       help=_env_help("admin_host", "admin listener (/readyz, /metrics) address"))
    serve.add_argument("--admin-port", type=int, help=_env_help("admin_port", "admin port"))
    serve.add_argument("--data-dir", type=Path, help=_env_help("data_dir", "trail and keys"))
    serve.add_argument("--region", help=_env_help("region", "the region this gateway runs in"))
    serve.add_argument("--workers", type=int,
                       help=_env_help("workers", "worker processes sharing the proxy port, each "
                                      "with its own trail log <log id>-w<i> (default: the CPUs "
                                      "this process may use; 1: a single process)"))
    # a worker of `serve --workers N` (started by the parent, never by hand)
    serve.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--worker-run-dir", type=Path, help=argparse.SUPPRESS)
    serve.add_argument("--worker-parent", type=int, help=argparse.SUPPRESS)

    demo = sub.add_parser("demo", help="gateway + four mock regional backends on loopback")
    demo.add_argument("--port", type=int, default=8080, help="the gateway's port")
    demo.add_argument("--admin-port", type=int, default=9901,
                      help="its admin port (/metrics, /healthz, /readyz)")
    demo.add_argument("--workdir", type=Path, default=Path("demo-run"),
                      help="where the demo writes its map, GeoIP DB, trail and keys")

    config = sub.add_parser("config", help="region map tooling")
    csub = config.add_subparsers(dest="config_command", required=True)
    check = csub.add_parser("check", help="validate region maps: exit 0 valid, 1 invalid")
    check.add_argument("paths", nargs="+", type=Path)
    check.add_argument("--geoip-db", type=Path, help="also compare CIDR overrides with this DB")
    check.add_argument("--format", choices=["text", "json"], default="text",
                       help="json: one document on stdout (valid, issues with file, line, "
                       "column, key, severity, message)")
    diff = csub.add_parser("diff", help="routing impact of a map change (not a text diff)")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    diff.add_argument("--replay", type=Path, action="append",
                      help="trail segment or export entries.jsonl to replay (repeatable)")
    diff.add_argument("--gateway-region", help="evaluate placement as this gateway's region")
    diff.add_argument("--json", action="store_true")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when routes change")
    show = csub.add_parser("show", help="the effective map and each tenant's route per origin")
    show.add_argument("paths", nargs="*", type=Path,
                      help="region map files or directories (default: RG_REGION_MAP, else "
                      "region_configs)")
    show.add_argument("--tenant", help="only this tenant")
    show.add_argument("--gateway-region", help="evaluate placement as this gateway's region")
    show.add_argument("--format", choices=["text", "json"], default="text",
                      help="text: the map as YAML and a route table per tenant")
    schema = csub.add_parser("schema", help="print the region map JSON Schema")
    schema.add_argument("--part", action="store_true",
                        help="the schema for one file of a map split across files")

    explain = sub.add_parser("explain", help="dry run: the decision for a described request")
    explain.add_argument("--config", type=Path, action="append",
                         help="region map file or directory, repeatable (default: RG_REGION_MAP, "
                         "else region_configs)")
    explain.add_argument("--ip", required=True, help="the client address (after trusted proxies)")
    explain.add_argument("--tenant", required=True, help="a tenant of the map (config show lists "
                         "them)")
    explain.add_argument("--header", action="append", default=[], metavar="K:V",
                         help="a request header, repeatable")
    explain.add_argument("--body", type=Path, help="request body file (JSON or form)")
    explain.add_argument("--path", default="/", help="the request path")
    explain.add_argument("--geoip-db", type=Path,
                         help="GeoIP2/GeoLite2 Country .mmdb (default: RG_GEOIP_DB, else the "
                         "demo's DB when run in a demo directory)")
    explain.add_argument("--gateway-region", help="evaluate placement as this gateway's region")
    explain.add_argument("--json", action="store_true", help="the decision record's shape")

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
    _trust_args(verify)
    verify.add_argument("--json", action="store_true", help="machine-readable result (CI)")
    report = asub.add_parser("report", help="self-contained HTML report")
    _store_arg(report)
    report.add_argument("--since", type=_when)
    report.add_argument("--until", type=_when)
    _trust_args(report)
    report.add_argument("--out", type=Path, required=True)

    keys = sub.add_parser("keys", help="signing keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    gen = ksub.add_parser("generate", help="new Ed25519 signing key; it becomes current")
    gen.add_argument("--data-dir", type=Path,
                     help="the key goes to <data-dir>/keys/signing (RG_DATA_DIR; default: var)")
    gen.add_argument("--dir", type=Path, help=argparse.SUPPRESS)  # the signing key directory
    vkey = ksub.add_parser("vkey", help="print a log's signed-note verifier key (for witnesses "
                           "and auditors)")
    vkey.add_argument("--data-dir", type=Path,
                      help="the key is read from <data-dir>/keys/signing (RG_DATA_DIR; "
                      "default: var)")
    vkey.add_argument("--dir", type=Path, help=argparse.SUPPRESS)  # the signing key directory
    vkey.add_argument("--log-id", help="default: RG_LOG_ID or <hostname>-<port>; with "
                      "RG_WORKERS above 1, one line for each worker's log <log id>-w<i>")

    witness = sub.add_parser("witness", help="checkpoint witness (c2sp.org/tlog-witness)")
    wsub = witness.add_subparsers(dest="witness_command", required=True)
    wserve = wsub.add_parser("serve", help="run a witness")
    wvkey = wsub.add_parser("vkey", help="print this witness's cosigner vkey")
    for wp in (wserve, wvkey):
        wp.add_argument("--name", help="witness key name, e.g. witness.example.com/w1 "
                        "(RG_WITNESS_NAME)")
        wp.add_argument("--data-dir", type=Path, help="key and file store "
                        "(RG_WITNESS_DATA_DIR)")
    wserve.add_argument("--host", help="RG_WITNESS_HOST (default 127.0.0.1)")
    wserve.add_argument("--port", type=int, help="RG_WITNESS_PORT (default 9960)")
    wserve.add_argument("--store", help="postgresql:// DSN (default: files in the data dir)")
    wserve.add_argument("--log", action="append", metavar="VKEY",
                        help="a log to witness: its vkey from `keys vkey` (repeatable; "
                        "RG_WITNESS_LOGS)")
    return p


def _trust_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--public-key", type=Path, action="append",
                   help="trusted log public key: PEM file or directory (repeatable)")
    p.add_argument("--log-key", action="append", metavar="VKEY",
                   help="trusted log key as a signed-note vkey (repeatable)")
    p.add_argument("--witness", action="append", metavar="'VKEY [URL]'",
                   help="trusted witness cosigner vkey, and the URL to ask it for the newest "
                   "checkpoint it cosigned (repeatable)")
    p.add_argument("--witness-quorum", type=int, help="witnesses that must have cosigned "
                   "(default 1)")
    p.add_argument("--trust", type=Path, help="trust file (log-key, public-key, witness, "
                   "witness-quorum, log lines)")
    p.add_argument("--expect-log", action="append", metavar="LOG_ID",
                   help="a log the store must hold (repeatable): a whole log deleted, one "
                   "worker's, is otherwise not seen")


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
            return config_check(args.paths, args.geoip_db, args.format)
        if args.command == "config" and args.config_command == "diff":
            from residency_gateway.cli.config import config_diff

            return config_diff(args)
        if args.command == "config" and args.config_command == "show":
            from residency_gateway.cli.config import config_show

            return config_show(args)
        if args.command == "config" and args.config_command == "schema":
            from residency_gateway.cli.config import print_schema

            return print_schema(args.part)
        if args.command == "explain":
            from residency_gateway.cli.config import explain_cmd

            return explain_cmd(args)
        if args.command == "demo":
            from residency_gateway.cli.demo import run_demo

            configure_logging("auto", "info")
            return asyncio.run(run_demo(args.workdir, args.port, args.admin_port))
        if args.command == "serve":
            return serve(args)
        if args.command == "audit":
            from residency_gateway.cli import audit as auditcli

            return auditcli.run(args)
        if args.command == "keys":
            from residency_gateway.cli import audit as auditcli

            if args.keys_command == "vkey":
                return auditcli.keys_vkey(args)
            return auditcli.keys_generate(args)
        if args.command == "witness":
            from residency_gateway.cli import witness as witnesscli

            return witnesscli.run(args)
    except KeyboardInterrupt:
        return 130
    except ValidationError as exc:  # settings built by a command (audit, keys)
        given = {"data_dir": "--data-dir"} if getattr(args, "data_dir", None) else {}
        return _bad_settings(describe(exc, given))
    except SettingsError as exc:
        return _bad_settings([describe_source_error(exc)])
    return 2


def _bad_settings(lines: list[str]) -> int:
    for line in lines:
        print(f"residency-gateway: bad setting {line}", file=sys.stderr)
    return 2


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(**_serve_overrides(args))


def _serve_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in {
        "region_map": args.config, "geoip_db": args.geoip_db, "listen_host": args.host,
        "listen_port": args.port, "admin_host": args.admin_host, "admin_port": args.admin_port,
        "data_dir": args.data_dir, "region": args.region,
        "workers": args.workers}.items() if v is not None}


def _listen_error(exc: Exception) -> int:
    from residency_gateway.gateway.app import ListenError

    assert isinstance(exc, ListenError)
    flag = "--port / RG_LISTEN_PORT" if exc.which == "proxy" else "--admin-port / RG_ADMIN_PORT"
    print(f"residency-gateway: {exc}; choose another with {flag}", file=sys.stderr)
    return 1


def serve(args: argparse.Namespace) -> int:
    from residency_gateway.audit.signing import SigningKeyError
    from residency_gateway.gateway.app import ListenError, serve_forever
    from residency_gateway.gateway.runtime import Runtime, effective_workers, worker_log_id

    try:
        settings = _settings(args)
    except ValidationError as exc:
        return _bad_settings(describe(exc, {f: SERVE_FLAGS[f] for f in _serve_overrides(args)}))
    except SettingsError as exc:
        return _bad_settings([describe_source_error(exc)])
    worker = args.worker_index
    if worker is not None:
        import structlog

        from residency_gateway.gateway.workers import become_worker

        become_worker(args.worker_parent)
        update: dict[str, Any] = {"log_id": worker_log_id(settings, worker)}
        if settings.inspect_workers is None:  # the gateway's inspection processes, shared out
            update["inspect_workers"] = max(1, min(4, os.cpu_count() or 1)
                                            // effective_workers(settings))
        settings = settings.model_copy(update=update)
        structlog.contextvars.bind_contextvars(worker=worker)  # on each of its log lines
    configure_logging(settings.log_format, settings.log_level)
    if settings.geoip_db is None:
        print("residency-gateway: --geoip-db (RG_GEOIP_DB) is required: without it every "
              "origin is unknown", file=sys.stderr)
        return 2

    from residency_gateway.gateway.connections import raise_nofile_limit

    raise_nofile_limit()  # idle floods must hit the connection cap, not EMFILE
    workers = effective_workers(settings)
    if worker is None and workers > 1:
        return _serve_workers(args, settings, workers)
    admin_socket = None
    if worker is not None:
        from residency_gateway.gateway.workers import socket_path

        admin_socket = socket_path(args.worker_run_dir, worker)

    async def run() -> int:
        try:
            rt = Runtime.create(settings)  # inside the loop: client sessions belong to it
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 1
        except (GeoDatabaseError, SigningKeyError, OSError) as exc:  # as the workers' parent
            print(f"residency-gateway: {exc}", file=sys.stderr)
            return 1
        try:
            return await serve_forever(rt, reuse_port=worker is not None,
                                       admin_socket=admin_socket)
        except TrailUnavailable as exc:
            print(f"residency-gateway: the decision trail cannot be opened: {exc}",
                  file=sys.stderr)
            await _close_quietly(rt)
            return 1
        except ListenError as exc:  # one line, the runtime already closed by start()
            return _listen_error(exc)
        except OSError as exc:  # a data directory not writable, ...
            print(f"residency-gateway: {exc}", file=sys.stderr)
            await _close_quietly(rt)
            return 1

    from residency_gateway.gateway.eventloop import run as run_loop

    return run_loop(run(), settings.event_loop)


def _serve_workers(args: argparse.Namespace, settings: Settings, count: int) -> int:
    """The parent of `count` workers: checks once what each worker would, then supervises."""
    from residency_gateway.audit.signing import SigningKeyError
    from residency_gateway.gateway.app import ListenError
    from residency_gateway.gateway.runtime import preflight
    from residency_gateway.gateway.workers import WorkersFailed, run_fleet

    try:
        preflight(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (GeoDatabaseError, SigningKeyError, OSError) as exc:
        print(f"residency-gateway: {exc}", file=sys.stderr)
        return 1

    def command(run_dir: Path, port: int, index: int) -> list[str]:
        out = [sys.executable, "-m", "residency_gateway", "serve"]
        for path in args.config or []:
            out += ["--config", str(path)]
        for flag, value in (("--geoip-db", args.geoip_db), ("--host", args.host),
                            ("--data-dir", args.data_dir), ("--region", args.region)):
            if value is not None:
                out += [flag, str(value)]
        return [*out, "--port", str(port), "--workers", str(count), "--worker-index", str(index),
                "--worker-run-dir", str(run_dir), "--worker-parent", str(os.getpid())]

    try:
        return asyncio.run(run_fleet(settings, count, command))
    except ListenError as exc:
        return _listen_error(exc)
    except WorkersFailed as exc:
        if not exc.said:  # (else the worker's own line says why)
            print(f"residency-gateway: {exc}", file=sys.stderr)
        return 1


async def _close_quietly(rt: Runtime) -> None:
    """A start that failed half-way: close what was opened (client sessions, trail files)."""
    import contextlib

    with contextlib.suppress(Exception):
        await rt.close()


def config_check(paths: Sequence[Path], geoip_db: Path | None = None,
                 fmt: str = "text") -> int:
    """Exit 0 valid (warnings allowed), 1 invalid. `fmt` json: one document on stdout."""
    from residency_gateway.maptools.lint import warnings as lint
    from residency_gateway.regionmap.load import ConfigIssue, issues_for

    def report(ok: bool, issues: Sequence[ConfigIssue], summary: dict[str, Any]) -> int:
        if fmt == "json":
            print(json.dumps({"valid": ok, **summary,
                              "issues": [i.as_dict() for i in issues]}, indent=2))
        else:
            for issue in issues:
                print(issue, file=sys.stderr)
            if ok:
                print(f"OK {', '.join(summary['sources'])}: {summary['regions']} regions, "
                      f"{summary['tenants']} tenants, policy version "
                      f"{summary['policy_version']}")
        return 0 if ok else 1

    try:
        loaded = load_region_map(*paths)
        geo = None
        if geoip_db is not None:
            from residency_gateway.geo import GeoDatabase

            geo = GeoDatabase(geoip_db)
    except ConfigError as exc:
        return report(False, exc.issues, {"sources": [str(p) for p in paths]})
    except GeoDatabaseError as exc:
        issue = ConfigIssue(str(geoip_db), 1, "<geoip-db>", str(exc))
        return report(False, [issue], {"sources": [str(p) for p in paths]})
    found = [*loaded.warnings, *issues_for(loaded, lint(loaded, geo, dt.datetime.now(dt.UTC)))]
    return report(True, found, {"sources": list(loaded.sources),
                                "regions": len(loaded.rmap.regions),
                                "tenants": len(loaded.rmap.tenants),
                                "policy_version": loaded.version})
