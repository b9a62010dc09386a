"""The auditors' commands (shell): export, verify, report, keys generate."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from residency_gateway.audit.export import (
    Filters,
    WitnessCheck,
    export_bundle,
    verify_bundle,
    verify_store,
)
from residency_gateway.audit.keys import PseudonymKeys
from residency_gateway.audit.note import ED25519, Verifier, origin_of
from residency_gateway.audit.progress import track
from residency_gateway.audit.report import render, summarise
from residency_gateway.audit.signing import SigningKeyError, generate, load_signer
from residency_gateway.audit.sources import Source, open_source
from residency_gateway.audit.trust import Trust, TrustError, ask_witnesses, load_trust
from residency_gateway.audit.verify import Finding
from residency_gateway.core.idnumber import parse_resident_id
from residency_gateway.core.phones import parse_phone
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.regionmap.names import unknown
from residency_gateway.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    data_dir = getattr(args, "data_dir", None)
    return Settings(data_dir=data_dir) if data_dir else Settings()


def _source(args: argparse.Namespace, settings: Settings) -> Source:
    store = args.store
    if store is None:
        if settings.audit_store == "postgres" and settings.audit_pg_dsn is not None:
            store = settings.audit_pg_dsn.get_secret_value()
        else:
            store = str(settings.trail_dir)
    return open_source(store)


def subject_pseudonyms(value: str, keys: PseudonymKeys) -> frozenset[str]:
    """Every pseudonym `value` has under any tenant key present (crypto-shredded: none)."""
    forms: list[tuple[str, str]] = []
    rid = parse_resident_id(value.strip())
    if rid is not None:
        forms.append(("resident_id", rid.normalized))
    phone = parse_phone(value.strip())
    if phone is not None:
        forms.append(("phone", phone.e164))
    if not forms:
        raise ValueError("--subject is neither a valid resident ID number nor a phone number")
    out: set[str] = set()
    if keys.dir.exists():
        for key_file in keys.dir.glob("*.key"):
            key = keys.get(key_file.stem, create=False)
            if key is not None:
                out.update(pseudonymise(key, kind, norm) for kind, norm in forms)
    return frozenset(out)


def _trust(args: argparse.Namespace) -> Trust:
    return load_trust(public_keys=args.public_key, log_keys=args.log_key,
                      witnesses=args.witness, quorum=args.witness_quorum,
                      trust_file=args.trust, expected_logs=args.expect_log)


UNTRUSTED_NO_KEY = ("no trusted log key given (--public-key, --log-key or --trust): keys found "
                    "in the store or bundle prove nothing")


def _witness_check(trust: Trust, problems: list[str]) -> WitnessCheck | None:
    if not trust.witnesses:
        return None

    def ask(log_id: str) -> list[tuple[str, str]]:
        notes, trouble = ask_witnesses(trust, origin_of(log_id))
        problems.extend(trouble)
        return notes

    return WitnessCheck(trust.witnesses, trust.quorum, ask if trust.witness_urls else None,
                        len(trust.witness_urls))


def _result(findings: list[Finding]) -> str:
    errors = [f for f in findings if f.severity == "error"]
    if any(f.message.startswith("UNTRUSTED") for f in errors):
        return "UNTRUSTED"
    return "INVALID" if errors else "VALID"


def _print_json(result: str, what: str, findings: list[Finding], count: int | None) -> int:
    print(json.dumps({
        "result": result, "target": what, "entries": count,
        "errors": [{"location": f.location, "message": f.message} for f in findings
                   if f.severity == "error"],
        "warnings": [{"location": f.location, "message": f.message} for f in findings
                     if f.severity == "warning"]}, indent=2))
    return {"VALID": 0, "INVALID": 1}.get(result, 2)


def _verify(args: argparse.Namespace) -> int:
    try:
        trust = _trust(args)
    except TrustError as exc:
        print(f"residency-gateway audit: {exc}", file=sys.stderr)
        return 2
    what = str(args.bundle if args.bundle is not None else args.store)
    if not trust.log_keys:
        if args.json:
            return _print_json("UNTRUSTED", what, [Finding(what, UNTRUSTED_NO_KEY)], None)
        print(f"UNTRUSTED {what}: {UNTRUSTED_NO_KEY}")
        return 2
    problems: list[str] = []
    check = _witness_check(trust, problems)
    count: int | None = None
    if args.bundle is not None:
        findings = verify_bundle(args.bundle, trust.log_keys, check)
    else:
        source = open_source(args.store)
        findings, count = verify_store(source, trust.log_keys, check,
                                       expected=trust.expected_logs)
        what = f"{args.store} ({count} entries in {_logs_named(source.logs())})"
    findings = [*(Finding("witnesses", p, "warning") for p in problems), *findings]
    if args.json:
        return _print_json(_result(findings), what, findings, count)
    return _print_findings(findings, what)


def _logs_named(logs: list[str], most: int = 8) -> str:
    """"2 logs: gw-w0, gw-w1" (a gateway's workers each write their own log)."""
    names = ", ".join(logs[:most]) + (f", ... ({len(logs) - most} more)"
                                      if len(logs) > most else "")
    return f"{len(logs)} log{'s' if len(logs) != 1 else ''}: {names}" if logs else "no log"


def _print_findings(findings: list[Finding], what: str) -> int:
    errors = [f for f in findings if f.severity == "error"]
    for w in (f for f in findings if f.severity == "warning"):
        print(f"warning: {w}", file=sys.stderr)
    if _result(findings) == "UNTRUSTED":
        print(f"UNTRUSTED {what}: {next(f for f in errors if f.message.startswith('UNTRUSTED'))}")
        return 2
    if errors:
        print(f"INVALID {what}: {errors[0]}")
        for more in errors[1:20]:
            print(f"  also: {more}")
        if len(errors) > 20:
            print(f"  ... and {len(errors) - 20} more")
        return 1
    print(f"VALID {what}")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
        if args.audit_command == "verify":
            return _verify(args)
        source = _source(args, settings)
        if args.audit_command == "export":
            filters = Filters(since=args.since, until=args.until, tenant=args.tenant,
                              origin=args.origin, destination=args.destination,
                              cross_border_only=args.cross_border_only)
            if args.subject:
                filters.subject_pseudonyms = subject_pseudonyms(
                    args.subject, PseudonymKeys(settings.keys_dir))
            signer = load_signer(settings.signing_keys_dir)
            result = export_bundle(source, args.out, filters, signer,
                                   csv_too=args.format == "csv")
            print(f"exported {result.selected} entries from {len(result.logs)} logs to "
                  f"{result.out} (manifest signed by key {signer.key_id})")
            if result.selected == 0 and args.tenant is not None and \
                    args.tenant not in filters.seen_tenants:
                print(f"residency-gateway: --tenant: no decision names "
                      f"{unknown('tenant', args.tenant, filters.seen_tenants)[8:]}",
                      file=sys.stderr)
            return 0
        if args.audit_command == "report":
            trust = _trust(args)
            if trust.log_keys:
                findings, _ = verify_store(source, trust.log_keys,
                                           _witness_check(trust, []),
                                           expected=trust.expected_logs)
                errors = [f for f in findings if f.severity == "error"]
                verified = "VALID" if not errors else f"INVALID: {errors[0]}"
            else:
                errors = []
                verified = "UNTRUSTED (no trusted key given: not verified)"
            filters = Filters(since=args.since, until=args.until)
            records = (json.loads(line)["record"] for log in source.logs()
                       for _, line in track(source.entries(log), f"report {log}"))
            summary = summarise(r for r in records if r.get("type") == "decision"
                                and filters.match(r))
            html = render(summary, since=args.since, until=args.until,
                          generated=dt.datetime.now(dt.UTC), verified=verified)
            args.out.write_text(html, "utf-8")
            print(f"wrote {args.out}: {summary['total']} decisions, trail {verified}")
            return 0 if not errors else 1
    except (SigningKeyError, OSError, ValueError) as exc:  # TrustError is a ValueError
        print(f"residency-gateway audit: {exc}", file=sys.stderr)
        return 2
    return 2


def keys_generate(args: argparse.Namespace) -> int:
    directory: Path = args.dir or _settings(args).signing_keys_dir
    signer = generate(directory)
    print(f"generated Ed25519 key {signer.key_id} in {directory} (now current); public key "
          f"{directory / (signer.key_id + '.pub')}")
    return 0


def keys_vkey(args: argparse.Namespace) -> int:
    """The signed-note verifier key of a log (what its witnesses and auditors trust)."""
    settings = _settings(args)
    signer = load_signer(args.dir or settings.signing_keys_dir, create=False)
    from residency_gateway.gateway.runtime import log_ids

    # one line a log: with `serve --workers N` (RG_WORKERS), each worker's log <id>-w<i>
    for log_id in [args.log_id] if args.log_id else log_ids(settings):
        print(Verifier(origin_of(log_id), ED25519, signer.public).vkey())
    return 0
