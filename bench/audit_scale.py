"""Auditors' tools at scale: time and peak RSS of `audit verify`, `audit export` and
`audit report` over a trail of N entries (default 1 million).

    python -m bench.audit_scale [--entries 1000000] [--workdir DIR] [--keep]

The trail is written by the real `FileTrail` (group commit, checkpoints every 1000 entries)
with realistic decision and completion records (about 800 bytes each, spread over 30 days).
Each command then runs as its own child process of `residency-gateway`, and its peak resident
set size is read from the kernel's accounting for that child (getrusage RUSAGE_CHILDREN after
wait4), its time from the wall clock. Needs about 2.5 kB of disk per entry (trail + bundle).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from residency_gateway.audit.filestore import FileTrail
from residency_gateway.audit.signing import generate

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
ORIGINS = [("CN", "cn", "CN"), ("HK", "hk", "HK"), ("SG", "sg", "SG"), ("JP", "jp", "JP"),
           ("CN", "sg", "SG"), (None, "sg", "SG"), ("US", "sg", "SG")]


def record(i: int) -> dict[str, Any]:
    """A decision record shaped like the gateway's (records.decision_record), varied by i."""
    origin, region, dest = ORIGINS[i % len(ORIGINS)]
    when = START + dt.timedelta(seconds=i * 30 * 86400 // 1_000_000)
    forward = i % 9 != 4
    cross = forward and origin is not None and origin != dest
    return {
        "type": "decision", "decision_id": f"d-{i:08d}", "request_id": f"r-{i:08d}",
        "time": when.isoformat(timespec="microseconds"),
        "tenant": ["acme", "bank", "insure"][i % 3], "method": "POST", "path": "/v1/compare",
        "action": "forward" if forward else "reject", "status": 200 if forward else 451,
        "origin": {"jurisdiction": origin, "rule": "geoip", "conflict": False,
                   "client_prefix": f"203.0.{i % 250}.0/24", "via_trusted_proxy": True,
                   "signals": [{"kind": "geoip", "jurisdiction": origin, "credible": True,
                                "detail": "GeoLite2-Country"}]},
        "destination": {"region": region if forward else None,
                        "jurisdiction": dest if forward else None, "fallbacks": [],
                        "cross_border": cross},
        "legal_basis": {"key": "scc-2026", "mechanism": "standard_contract",
                        "reference": "CAC SCC filing 2026-0042"} if cross else None,
        "reasons": ["tenant_overseas_region"] if forward else ["mainland_id_outside_cn"],
        "steps": ["origin", "tenant", "placement"],
        "subjects": [{"kind": "resident_id", "pseudonym": f"{i * 2654435761 % 2**64:016x}"}],
        "categories": ["identity_document"], "policy_version": "a" * 64,
        "geoip_build": "2026-11-01", "gateway_region": "sg",
    }


async def build(root: Path, n: int, batch: int = 2000) -> None:
    signer = generate(root / "keys")
    trail = FileTrail(root / "trail", "bench-gw", signer, checkpoint_every=1000,
                      checkpoint_interval_s=3600, segment_max_bytes=64 << 20)
    await trail.start()
    for start in range(0, n, batch):
        end = min(n, start + batch)
        await asyncio.gather(*(trail.append(record(i)) for i in range(start, end)))
    await trail.close()


def measure(argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--keep", action="store_true", help="keep the trail and bundle afterwards")
    args = p.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="rg-audit-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rg = [sys.executable, "-m", "residency_gateway"]
    try:
        t0 = time.perf_counter()
        asyncio.run(build(work, args.entries))
        size = sum(f.stat().st_size for f in (work / "trail").rglob("*") if f.is_file())
        print(f"trail: {args.entries} entries, {size / 2**20:.0f} MiB, written in "
              f"{time.perf_counter() - t0:.0f} s")
        key = str(work / "keys")
        env_store = ["--store", str(work / "trail")]
        runs = {
            "verify": [*rg, "audit", "verify", *env_store, "--public-key", key],
            "export": [*rg, "audit", "export", *env_store, "--data-dir", str(work / "data"),
                       "--out", str(work / "bundle")],
            "verify --bundle": [*rg, "audit", "verify", "--bundle", str(work / "bundle"),
                                "--public-key", key, "--public-key",
                                str(work / "data" / "keys" / "signing")],
            "report": [*rg, "audit", "report", *env_store, "--public-key", key, "--out",
                       str(work / "report.html")],
        }
        print(f"{'command':<18}{'seconds':>9}{'peak RSS MiB':>14}{'exit':>6}")
        for name, argv in runs.items():
            seconds, rss, code = measure(argv)
            print(f"{name:<18}{seconds:>9.1f}{rss:>14.0f}{code:>6}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
