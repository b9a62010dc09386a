"""`residency-gateway witness serve | vkey` (shell): run a checkpoint witness, print its key."""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError

from residency_gateway.audit.note import NoteError
from residency_gateway.audit.signing import SigningKeyError
from residency_gateway.observability import configure_logging
from residency_gateway.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in {
        "witness_name": args.name, "witness_data_dir": args.data_dir,
        "witness_host": getattr(args, "host", None), "witness_port": getattr(args, "port", None),
        "witness_store": getattr(args, "store", None),
        "witness_logs": getattr(args, "log", None)}.items() if v is not None}
    return Settings(**overrides)


def run(args: argparse.Namespace) -> int:
    from residency_gateway.audit.witnessd import build_witness, serve

    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"residency-gateway witness: bad settings:\n{exc}", file=sys.stderr)
        return 2
    if not settings.witness_name:
        print("residency-gateway witness: --name (RG_WITNESS_NAME) is required: the key name "
              "of this witness, e.g. witness.example.com/w1", file=sys.stderr)
        return 2
    try:
        witness = build_witness(settings.witness_name, settings.witness_data_dir,
                                settings.witness_logs, settings.witness_store)
    except (NoteError, SigningKeyError, OSError) as exc:
        print(f"residency-gateway witness: {exc}", file=sys.stderr)
        return 2
    if args.witness_command == "vkey":
        print(witness.verifier.vkey())
        return 0
    if not settings.witness_logs:
        print("residency-gateway witness: no log to witness: give --log <vkey> (RG_WITNESS_LOGS)"
              " from `residency-gateway keys vkey` of each gateway", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)

    def ready(port: int) -> None:
        print(f"witness {witness.name} listening on {settings.witness_host}:{port} "
              f"vkey {witness.verifier.vkey()}", flush=True)

    try:
        asyncio.run(serve(witness, settings.witness_host, settings.witness_port, ready))
    except OSError as exc:
        print(f"residency-gateway witness: {exc}", file=sys.stderr)
        return 1
    return 0
