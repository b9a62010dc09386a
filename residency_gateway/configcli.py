"""SRE commands (shell): config diff, config schema, explain. They call the server's own code."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from residency_gateway.audit.records import decision_record
from residency_gateway.core.explain import explain, render_text
from residency_gateway.core.payload import redact_path
from residency_gateway.geo import GeoDatabase, GeoDatabaseError, no_database
from residency_gateway.regionmap.diff import network_changes, replay, route_changes
from residency_gateway.regionmap.load import ConfigError, load_region_map
from residency_gateway.regionmap.schema import RegionMap


def _load(paths: list[Path]) -> Any:
    try:
        return load_region_map(*paths)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        raise SystemExit(1) from None


def _records(paths: list[Path]) -> list[dict[str, Any]]:
    out = []
    for path in paths:
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                print(f"{path}:{number}: not JSON, skipped", file=sys.stderr)
                continue
            out.append(obj.get("record", obj))
    return out


def config_diff(args: argparse.Namespace) -> int:
    old, new = _load([args.old]), _load([args.new])
    now = dt.datetime.now(dt.UTC)
    changes = route_changes(old, new, now, args.gateway_region)
    network = network_changes(old, new)
    result = replay(_records(args.replay), old, new, args.gateway_region) if args.replay else None
    if args.json:
        print(json.dumps({
            "old_version": old.version, "new_version": new.version,
            "routes": [{"tenant": c.tenant, "origin": c.origin or "unknown",
                        "old": str(c.old) if c.old else None,
                        "new": str(c.new) if c.new else None} for c in changes],
            "network": network,
            "replay": None if result is None else {
                "replayed": result.replayed, "changed": result.changed,
                "skipped": result.skipped,
                "moves": [{"tenant": t, "origin": o, "old": a, "new": b, "requests": n}
                          for (t, o, a, b), n in result.moves.most_common()]},
        }, indent=2))
    else:
        print(f"policy {old.short_version} -> {new.short_version}")
        if not changes and not network:
            print("no routing changes")
        current = None
        for c in changes:
            if c.tenant != current:
                current = c.tenant
                print(f"tenant {c.tenant}:")
            print(f"  {c.origin or 'unknown':8} {c.old or '(tenant absent)'}  ->  "
                  f"{c.new or '(tenant absent)'}")
        for line in network:
            print(f"network: {line}")
        if result is not None:
            print(f"replay: {result.changed} of {result.replayed} recorded decisions would change"
                  f" ({result.skipped} not replayable: payload-dependent or no tenant)")
            for (t, o, a, b), n in result.moves.most_common(20):
                print(f"  {n:6d}  {t} {o}: {a} -> {b}")
    changed = bool(changes or network or (result and result.changed))
    return 1 if args.exit_code and changed else 0


def print_schema(part: bool = False) -> int:
    print(json.dumps(region_map_schema(part=part), indent=2, sort_keys=True))
    return 0


def region_map_schema(*, part: bool = False) -> dict[str, Any]:
    """The region map's JSON Schema; `part` is the same for one file of a split map (no
    top-level key is required there: the merged map is checked by `config check`)."""
    schema = RegionMap.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:residency-gateway:region-map" + (":part:1" if part else ":1")
    schema["title"] = "residency-gateway region map" + (" (one file of a split map)"
                                                         if part else "")
    if part:
        schema.pop("required", None)
    return schema


def explain_cmd(args: argparse.Namespace) -> int:
    lm = _load(args.config)
    try:
        geo = GeoDatabase(args.geoip_db) if args.geoip_db else no_database
    except GeoDatabaseError as exc:
        print(f"residency-gateway: {exc}", file=sys.stderr)
        return 1
    headers = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            print(f"residency-gateway: --header {item!r} is not K:V", file=sys.stderr)
            return 2
        headers.append((name, value))
    body = args.body.read_bytes() if args.body else None
    now = dt.datetime.now(dt.UTC)
    try:
        decision = explain(lm.rmap, lm.version, geo, ip=args.ip, tenant=args.tenant,
                           headers=headers, body=body, now=now, key=secrets.token_bytes(32),
                           gateway_region=args.gateway_region, path=args.path)
    except ValueError as exc:
        print(f"residency-gateway: {exc}", file=sys.stderr)
        return 2
    if args.json:
        info = getattr(geo, "info", None)
        print(json.dumps(decision_record(decision, geoip_build=info.build_date if info else None,
                                         gateway_region=args.gateway_region,
                                         request_id="explain", method="POST",
                                         path=redact_path(args.path.partition("?")[0])),
                         indent=2, sort_keys=True))
    else:
        print(render_text(decision))
    return 0
