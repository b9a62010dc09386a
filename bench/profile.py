"""Profile `residency-gateway serve` under wrk load (issue 9: profile before optimising).

Starts the nginx backend and one gateway (as bench.proxy does), runs wrk against it for
`--seconds` while `py-spy record` samples the gateway, and writes the profile (speedscope or
flamegraph SVG, by the file's suffix) plus py-spy's top functions by own time. Loopback only.

    python -m bench.profile --out /tmp/gw.svg --seconds 15 [--ids] [--conns 32] [--workers 2]

With `--workers N` the gateway is `serve --workers N` (not pinned) and py-spy samples the
parent and every worker (`--subprocesses`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.inspection import kyc_body
from bench.proxy import (
    BACKEND,
    SERVER_CPU,
    WRK_CPU,
    ensure_wrk,
    free_port,
    gateway_config,
    measure,
    start_gateway,
    start_nginx,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help=".svg or .json (speedscope)")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--conns", type=int, default=32)
    parser.add_argument("--ids", action="store_true", help="bodies with an ID and a phone")
    parser.add_argument("--native", action="store_true", help="py-spy --native")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers N")
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--nonblocking", action="store_true",
                        help="py-spy --nonblocking: sample without pausing the gateway (the "
                        "default pauses it per sample, which slows it several times under load)")
    parser.add_argument("--gil", action="store_true",
                        help="py-spy --gil: only the thread holding the GIL (CPU, not waits)")
    args = parser.parse_args(argv)
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists():
        raise SystemExit("bench.profile: py-spy is not installed: pip install -e '.[bench]'")
    wrk_bin = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="rg-profile-") as d:
        tmp = Path(d)
        body = tmp / "body.json"
        body.write_bytes(kyc_body(args.ids))
        backend = start_nginx(tmp, "backend", BACKEND, free_port(), 1, SERVER_CPU)
        children = [backend]
        try:
            maps, geo = gateway_config(tmp, backend.port)
            cpu = SERVER_CPU if args.workers == 1 else None
            gw = start_gateway(tmp, "prof", maps, geo, cpu, workers=args.workers)
            children.append(gw)
            fmt = "speedscope" if args.out.suffix == ".json" else "flamegraph"
            spy = subprocess.Popen(
                [pyspy, "record", "-p", str(gw.pid), "-d", str(args.seconds + 1),
                 "-r", str(args.rate),
                 "-f", fmt, "-o", str(args.out), *(["--native"] if args.native else []),
                 *(["--nonblocking"] if args.nonblocking else []),
                 *(["--gil"] if args.gil else []),
                 *(["--subprocesses"] if args.workers > 1 else [])],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            s = measure(wrk_bin, tmp, [("gateway", gw.port)], [gw.pid], body,
                        "application/json", args.conns, args.seconds, "/",
                        WRK_CPU if args.workers == 1 else None)
            spy.wait(timeout=120)
            print(f"{s.rps:.0f} req/s, {s.cpu_us:.0f} us CPU/request, p50 {s.p50_ms:.2f} ms; "
                  f"profile: {args.out}")
        finally:
            for c in reversed(children):
                c.stop()


if __name__ == "__main__":
    main()
