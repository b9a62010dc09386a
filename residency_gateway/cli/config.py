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
from residency_gateway.files import read_regular
from residency_gateway.geo import GeoDatabase, GeoDatabaseError
from residency_gateway.maptools.diff import network_changes, replay, route_changes
from residency_gateway.regionmap.load import ConfigError, load_region_map
from residency_gateway.regionmap.names import unknown
from residency_gateway.regionmap.schema import RegionMap


def _load(paths: list[Path]) -> Any:
    try:
        return load_region_map(*paths)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        raise SystemExit(1) from None


MAX_REPLAY_FILE_BYTES = 1 << 30
MAX_BODY_FILE_BYTES = 64 << 20


def _read_input(path: Path, limit: int, option: str) -> bytes:
    """A file named on the command line: a regular file, bounded (a named pipe or a device
    given here blocked the tool forever); a usage error naming it otherwise."""
    try:
        return read_regular(path, limit)
    except OSError as exc:
        print(f"residency-gateway: {option} {path}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _records(paths: list[Path]) -> list[dict[str, Any]]:
    out = []
    for path in paths:
        data = _read_input(path, MAX_REPLAY_FILE_BYTES, "--replay")
        for number, line in enumerate(data.splitlines(), start=1):
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
    known = {**old.rmap.regions, **new.rmap.regions}
    if args.gateway_region is not None and args.gateway_region not in known:
        print(f"residency-gateway: --gateway-region: "
              f"{unknown('region', args.gateway_region, known)}", file=sys.stderr)
        return 2
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


DEMO_GEOIP_DB = "demo-country.mmdb"  # what `demo` writes into its directory (demo.DEMO_GEOIP_DB)


def find_geoip_db(given: Path | None) -> Path | None:
    """The DB `serve` would use (the flag, else RG_GEOIP_DB), else the demo's DB when run in a
    demo directory; None when there is none."""
    if given is not None:
        return given
    from residency_gateway.settings import Settings

    configured = Settings().geoip_db
    if configured is not None:
        return configured
    demo = Path(DEMO_GEOIP_DB)
    return demo if demo.is_file() else None


def explain_cmd(args: argparse.Namespace) -> int:
    lm = _load(default_map_paths(args.config))
    db = find_geoip_db(args.geoip_db)
    if db is None:
        # Without a database every address is of unknown origin: an answer that looks like a
        # decision but is only the absence of one.
        print("residency-gateway: explain needs a GeoIP database: pass --geoip-db, set "
              f"RG_GEOIP_DB, or run it in a demo directory (one holding {DEMO_GEOIP_DB})",
              file=sys.stderr)
        return 2
    if args.tenant not in lm.rmap.tenants:
        print(f"residency-gateway: {unknown('tenant', args.tenant, lm.rmap.tenants)}",
              file=sys.stderr)
        return 2
    if args.gateway_region is not None and args.gateway_region not in lm.rmap.regions:
        print(f"residency-gateway: --gateway-region: "
              f"{unknown('region', args.gateway_region, lm.rmap.regions)}", file=sys.stderr)
        return 2
    try:
        geo = GeoDatabase(db)
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
    body = _read_input(args.body, MAX_BODY_FILE_BYTES, "--body") if args.body else None
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


def default_map_paths(given: list[Path] | None) -> list[Path]:
    """The map `serve` would load: the paths given, else RG_REGION_MAP, else region_configs/."""
    if given:
        return given
    from residency_gateway.settings import Settings

    return list(Settings().region_map)


def config_show(args: argparse.Namespace) -> int:
    """The effective map (files merged, defaults filled) and each tenant's route per origin,
    decided by the core's own `decide_for_origin`."""
    from residency_gateway.core.policy import decide_for_origin
    from residency_gateway.maptools.diff import origins, outcome
    from residency_gateway.regionmap.names import unknown

    lm = _load(default_map_paths(args.paths))
    rmap: RegionMap = lm.rmap
    tenants = sorted(rmap.tenants)
    if args.tenant is not None:
        if args.tenant not in rmap.tenants:
            print(f"residency-gateway: {unknown('tenant', args.tenant, rmap.tenants)}",
                  file=sys.stderr)
            return 2
        tenants = [args.tenant]
    now = dt.datetime.now(dt.UTC)
    routes: dict[str, list[dict[str, Any]]] = {}
    for tenant in tenants:
        rows = routes.setdefault(tenant, [])
        for origin in origins(lm):
            o = outcome(decide_for_origin(rmap, lm.version, tenant, origin, now,
                                          gateway_region=args.gateway_region))
            rows.append({"origin": origin or "unknown", "action": o.action, "region": o.region,
                         "fallbacks": list(o.fallbacks), "legal_basis": o.basis,
                         "reason": o.reason})
    effective = rmap.model_dump(mode="json")
    if args.tenant is not None:
        effective["tenants"] = {args.tenant: effective["tenants"][args.tenant]}
    if args.format == "json":
        print(json.dumps({"policy_version": lm.version, "sources": list(lm.sources),
                          "map": effective, "routes": routes}, indent=2))
        return 0
    import yaml

    print(f"# policy version {lm.version} from {', '.join(lm.sources)}")
    print("# the effective map: files merged, defaults filled")
    print(yaml.safe_dump(effective, sort_keys=False, allow_unicode=True).rstrip())
    for tenant in tenants:
        print(f"\n# tenant {tenant}: route per origin jurisdiction")
        print(_table(["origin", "action", "region", "fallbacks", "legal basis", "reason"],
                     [[r["origin"], r["action"], r["region"] or "-",
                       ", ".join(r["fallbacks"]) or "-", r["legal_basis"] or "-", r["reason"]]
                      for r in routes[tenant]]))
    return 0


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
                     .rstrip() for line in lines)
