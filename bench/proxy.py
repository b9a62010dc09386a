"""Side by side with nginx (issue 9): the same load through a fast backend directly, through
nginx `proxy_pass` (1 worker, the same keep-alive settings) and through `residency-gateway
serve` (a child process, as operators run it, with the real trail), measured by `wrk`,
interleaved and repeated, in one run.

Scenarios: 2 KB KYC JSON without and with identifiers (32 connections), the same with the
headers a mobile browser or SDK sends (User-Agent, Accept*, a cookie, a bearer JWT), 1
connection latency, face photos uploaded as multipart forms (inspected in worker processes), 20
MB binary uploads that start with an MP4 header (they stream), and 2 processes (nginx with 2
workers against `serve --workers 2` on one port). Printed: req/s, p50/p99, CPU microseconds per
request (utime + stime from /proc/<pid>/stat of the measured server's process tree, and of
the children it reaped meanwhile), memory (PSS: each page shared by the gateway, its
forkserver and its inspection workers counted once in all, where a sum of RSS counted it once
per process), and ratios to nginx; every response must be 2xx (a Lua `response()` hook counts
the others) and
`residency-gateway audit verify` must pass on the trail after each gateway scenario. Also the
fsync time of the data directory (one durable append costs about that).

All traffic stays on 127.0.0.1; every wrk run is bounded (`-d`, default 5 s) and every child
process is stopped by pid when the bench ends. wrk is pinned with `taskset` to CPU 1 and the
measured servers to CPU 0 for the one-process scenarios (2 cores allow no more); in the
2-process scenario nothing is pinned. The machine may be shared: compare ratios within a run,
and read the load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import one_server_map
from bench.inspection import client_headers, kyc_body, photo_form
from residency_gateway.cli.demo import build_geoip, demo_file

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
MP4 = (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
       + bytes(range(256)) * 16)  # the same signature tests/helpers.py uses
TICK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1
WRK_CPU, SERVER_CPU = ("1", "0") if CPUS >= 2 else (None, None)
HEADERS = {"X-Tenant-ID": "acme", "X-Forwarded-For": "198.51.100.10"}

# wrk script: POST a body file with headers; count non-2xx in response(); print a JSON summary.
LUA = r"""
local f = assert(io.open(os.getenv("RG_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("RG_BENCH_CTYPE")
wrk.headers["X-Tenant-ID"] = "acme"
wrk.headers["X-Forwarded-For"] = "198.51.100.10"
local extra = os.getenv("RG_BENCH_HEADERS")
if extra and extra ~= "" then
  for line in io.lines(extra) do
    local name, value = line:match("^([^:]+): (.*)$")
    if name then wrk.headers[name] = value end
  end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
bad = 0
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local nb = 0
  for _, t in ipairs(threads) do nb = nb + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'RGJSON {"requests": %d, "us": %d, "p50": %d, "p99": %d, "bad": %d, '
    .. '"errors": %d}\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), nb, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                     else None)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("bench: installing wrk (apt)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=300,
                       capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
                       env=env, check=True, timeout=600, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk is required (apt-get install wrk)")
    return found


# ---------------------------------------------------------------- processes, CPU and memory


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return out


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for root in pids:
        for p in _tree(root):
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                # utime, stime (fields 14, 15), and cutime, cstime (16, 17): the CPU of
                # children reaped meanwhile (the gateway's inspection jobs, a process each)
                total += sum(int(f) for f in fields[11:15])
    return total


def rss_kib(pids: list[int]) -> int:
    """The memory of the process trees: the sum of their PSS (a page shared by n processes
    counted 1/n in each: forked inspection workers share most of their pages with the
    gateway's forkserver, and a sum of RSS counted those once per worker), or of RSS where
    the kernel has no smaps_rollup."""
    total = 0
    for root in pids:
        for p in _tree(root):
            with contextlib.suppress(OSError):
                try:
                    lines = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
                    key = "Pss:"
                except OSError:
                    lines = Path(f"/proc/{p}/status").read_text().splitlines()
                    key = "VmRSS:"
                for line in lines:
                    if line.startswith(key):
                        total += int(line.split()[1])
                        break
    return total


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    admin_port: int | None = None
    data_dir: Path | None = None
    store: str | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def wait_listening(proc: Proc, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise SystemExit(f"bench: {proc.name} exited with {proc.popen.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", proc.port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench: {proc.name} never listened on {proc.port}")


def pinned(cmd: list[str], cpu: str | None) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if cpu is not None and shutil.which("taskset") else cmd


# ---------------------------------------------------------------- the three servers

NGINX_COMMON = """
worker_processes {workers};
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_max_body_size 256m;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{body}
}}
"""

# The backend answers 200 with a small JSON body. Small bodies: `return 200` (nginx reads and
# discards the body). /upload reads the whole body before answering: the mirror module reads it
# (mirror_request_body), then POST on a missing static file turns into the 200.
BACKEND = """
    server {{
        listen 127.0.0.1:{port};
        default_type application/json;
        location / {{ return 200 '{{"ok":true}}'; }}
        location /upload {{
            client_body_buffer_size 32m;
            mirror /sink;
            mirror_request_body on;
            root {prefix}/empty;
            error_page 404 405 =200 @ok;
        }}
        location = /sink {{ internal; return 204; }}
        location @ok {{ return 200 '{{"ok":true}}'; }}
    }}
"""

# nginx as the proxy: the settings deploy/lb/nginx.conf uses in front of the gateway.
PROXY = """
    upstream backend {{ server 127.0.0.1:{backend}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 90s;
        }}
    }}
"""


def start_nginx(tmp: Path, name: str, body: str, port: int, workers: int,
                cpu: str | None, **fmt: object) -> Proc:
    prefix = tmp / name
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "empty"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / sub).chmod(0o777)  # nginx workers drop root to an unprivileged user
    tmp.chmod(0o755)
    prefix.chmod(0o755)
    conf = NGINX_COMMON.format(workers=workers, prefix=prefix,
                               body=body.format(port=port, prefix=prefix, **fmt))
    (prefix / "nginx.conf").write_text(conf)
    binary = nginx_binary()
    assert binary is not None
    test = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                          capture_output=True, text=True, check=False, timeout=60)
    if test.returncode != 0:
        raise SystemExit(f"bench: nginx config for {name} refused:\n{test.stderr}")
    popen = subprocess.Popen(pinned([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                     "-g", "daemon off;"], cpu), stderr=subprocess.DEVNULL)
    proc = Proc(name, popen, port)
    wait_listening(proc)
    return proc


def start_aiohttp_backend(tmp: Path, port: int, cpu: str | None) -> Proc:
    """Only when nginx is absent: an aiohttp responder that reads every body."""
    code = ("import sys\nfrom aiohttp import web\n"
            "async def ok(r):\n    async for _ in r.content.iter_any():\n        pass\n"
            "    return web.json_response({'ok': True})\n"
            "app = web.Application(client_max_size=0)\napp.router.add_route('*', '/{t:.*}', ok)\n"
            "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)\n")
    (tmp / "backend.py").write_text(code)
    popen = subprocess.Popen(pinned([sys.executable, str(tmp / "backend.py"), str(port)], cpu))
    proc = Proc("backend (aiohttp)", popen, port)
    wait_listening(proc)
    return proc


def gateway_config(tmp: Path, backend_port: int) -> tuple[Path, Path]:
    geo = tmp / "geo.mmdb"
    if not geo.exists():
        build_geoip(demo_file("demo-networks.csv"), geo)
    text = one_server_map(f"http://127.0.0.1:{backend_port}")
    maps = tmp / "maps"
    maps.mkdir(exist_ok=True)
    (maps / "bench.yaml").write_text(text)
    return maps, geo


def start_gateway(tmp: Path, name: str, maps: Path, geo: Path, cpu: str | None,
                  pg_dsn: str | None = None, workers: int = 1) -> Proc:
    """`residency-gateway serve`, one process (`--workers 1`) or a parent and `workers`
    worker processes sharing one port (SO_REUSEPORT)."""
    port, admin = free_port(), free_port()
    data = tmp / f"data-{name}"
    env = {**os.environ, "RG_REGION_MAP": json.dumps([str(maps)]), "RG_GEOIP_DB": str(geo),
           "RG_DATA_DIR": str(data), "RG_LISTEN_HOST": "127.0.0.1", "RG_LISTEN_PORT": str(port),
           "RG_ADMIN_PORT": str(admin), "RG_LOG_ID": f"bench-{name}", "RG_LOG_FORMAT": "json",
           "RG_LOG_LEVEL": "info", "RG_WORKERS": str(workers)}
    if pg_dsn is not None:
        env.update(RG_AUDIT_STORE="postgres", RG_AUDIT_PG_DSN=pg_dsn)
    popen = subprocess.Popen(pinned([str(BIN / "residency-gateway"), "serve"], cpu), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = Proc(name, popen, port, admin, data, pg_dsn or str(data / "trail"))
    wait_listening(proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # ready: trail open, upstreams probed
        with contextlib.suppress(OSError), urllib.request.urlopen(
                f"http://127.0.0.1:{admin}/readyz", timeout=2) as r:
            if r.status == 200:
                return proc
        time.sleep(0.1)
    proc.stop()
    raise SystemExit(f"bench: gateway {name} never became ready")


def verify_trail(proc: Proc) -> str:
    assert proc.data_dir is not None and proc.store is not None
    out = subprocess.run([str(BIN / "residency-gateway"), "audit", "verify", "--store", proc.store,
                          "--public-key", str(proc.data_dir / "keys" / "signing")],
                         capture_output=True, text=True, timeout=300, check=False)
    text = (out.stdout + out.stderr).strip().splitlines()
    verdict = text[-1] if text else ""
    if out.returncode != 0:
        raise SystemExit(f"bench: audit verify failed on {proc.store}:\n" + "\n".join(text[-20:]))
    return verdict


# ---------------------------------------------------------------- measuring


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    rss_mib: float
    peak_rss_mib: float


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def wrk(wrk_bin: str, tmp: Path, url: str, body: Path, ctype: str, conns: int, seconds: float,
        cpu: str | None, headers: Path | None = None) -> subprocess.Popen[str]:
    script = tmp / "bench.lua"
    if not script.exists():
        script.write_text(LUA)
    env = {**os.environ, "RG_BENCH_BODY": str(body), "RG_BENCH_CTYPE": ctype,
           "RG_BENCH_HEADERS": str(headers or "")}
    cmd = [wrk_bin, "-t1", f"-c{conns}", f"-d{int(seconds)}s", "--timeout", "30s",
           "-s", str(script), url]
    return subprocess.Popen(pinned(cmd, cpu), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wrk_result(p: subprocess.Popen[str], seconds: float) -> dict[str, int]:
    out, _ = p.communicate(timeout=seconds + 60)
    for line in out.splitlines():
        if line.startswith("RGJSON "):
            result: dict[str, int] = json.loads(line[len("RGJSON "):])
            if result["bad"] or result["errors"]:
                print(out, file=sys.stderr)
            return result
    raise SystemExit(f"bench: wrk printed no summary:\n{out}")


def measure(wrk_bin: str, tmp: Path, targets: list[tuple[str, int]], pids: list[int],
            body: Path, ctype: str, conns: int, seconds: float, path: str,
            cpu: str | None, headers: Path | None = None) -> Sample:
    """One wrk per target port (connections split between them), all at once."""
    # warm-up: connections, caches, the gateway's upstream pool
    warm = [wrk(wrk_bin, tmp, f"http://127.0.0.1:{port}{path}", body, ctype,
                max(1, conns // len(targets)), 1, cpu, headers) for _, port in targets]
    for p in warm:
        wrk_result(p, 1)
    rss0 = rss_kib(pids)
    t0 = cpu_ticks(pids)
    runs = [wrk(wrk_bin, tmp, f"http://127.0.0.1:{port}{path}", body, ctype,
                max(1, conns // len(targets)), seconds, cpu, headers) for _, port in targets]
    peak = rss0
    while any(p.poll() is None for p in runs):
        peak = max(peak, rss_kib(pids))
        time.sleep(0.2)
    results = [wrk_result(p, seconds) for p in runs]
    ticks = cpu_ticks(pids) - t0
    requests = sum(r["requests"] for r in results)
    bad = sum(r["bad"] + r["errors"] for r in results)
    names = ", ".join(n for n, _ in targets)
    if requests == 0 or bad:
        raise SystemExit(f"bench: {names}: {bad} non-2xx responses or socket errors out of "
                         f"{requests}: every response must be 2xx")
    us = max(r["us"] for r in results)
    return Sample(rps=requests / (us / 1e6),
                  p50_ms=statistics.median(r["p50"] for r in results) / 1000,
                  p99_ms=max(r["p99"] for r in results) / 1000,
                  cpu_us=ticks / TICK * 1e6 / requests,
                  rss_mib=rss0 / 1024, peak_rss_mib=peak / 1024)


def fsync_ms(directory: Path, n: int = 50) -> float:
    """Median time of one 4 KiB append + fsync in `directory` (what one durable append costs)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"fsync-probe-{uuid.uuid4().hex}"
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(n):
            began = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            samples.append((time.perf_counter() - began) * 1e3)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(samples)


@contextlib.contextmanager
def pg_database() -> Iterator[str | None]:
    """A fresh database for the PostgreSQL trail, when a server is reachable."""
    dsn = os.environ.get("RG_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import asyncpg
    except ImportError:
        yield None
        return
    name = f"rg_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn, timeout=3)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure: no PostgreSQL trail in this run
        print(f"postgres trail: skipped ({type(exc).__name__})")
        yield None
        return
    try:
        yield dsn.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Scenario:
    name: str
    body: str  # file name in tmp
    ctype: str
    conns: int
    path: str = "/v1/compare"
    processes: int = 1
    headers: str | None = None  # file name in tmp: "Name: value" lines wrk adds


def report(scenario: Scenario, series: dict[str, Series], rounds: int) -> None:
    base = series.get("nginx")
    print(f"\n-- {scenario.name}: {scenario.conns} connection(s), medians of {rounds} "
          f"interleaved rounds")
    print(f"{'':22s}{'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'CPU us/req':>10s} "
          f"{'PSS MiB':>8s} {'peak':>6s} {'x nginx':>8s} {'CPU x nginx':>11s}")
    for name, s in series.items():
        rps, cpu = s.median("rps"), s.median("cpu_us")
        ratio = f"{rps / base.median('rps'):8.3f}" if base else "       -"
        cratio = f"{cpu / base.median('cpu_us'):11.1f}" if base and name != "direct" else \
            "          -"
        print(f"{name:22s}{rps:9.0f} {s.median('p50_ms'):8.2f} {s.median('p99_ms'):8.2f} "
              f"{cpu:10.0f} {s.median('rss_mib'):8.1f} {s.median('peak_rss_mib'):6.1f} "
              f"{ratio} {cratio}")


def run(args: argparse.Namespace) -> None:
    wrk_bin = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="rg-bench-proxy-") as d:
        tmp = Path(d)
        kyc_plain, kyc_ids = tmp / "kyc.json", tmp / "kyc-ids.json"
        kyc_plain.write_bytes(kyc_body(False))
        kyc_ids.write_bytes(kyc_body(True))
        form, form_type = photo_form()
        (tmp / "photo-form.bin").write_bytes(form)
        (tmp / "client-headers.txt").write_text(
            "".join(f"{k}: {v}\n" for k, v in client_headers()))
        video = tmp / "upload.mp4"
        with video.open("wb") as f:
            f.write(MP4)
            chunk = os.urandom(1024 * 1024)
            while f.tell() < args.upload_mib * 1024 * 1024:
                f.write(chunk)
            f.truncate(args.upload_mib * 1024 * 1024)
        scenarios = [
            Scenario("2 KB JSON, no identifiers", "kyc.json", "application/json", 32),
            Scenario("2 KB JSON, an ID number and a phone", "kyc-ids.json", "application/json",
                     32),
            Scenario("2 KB JSON, browser/SDK headers (UA, cookie, bearer JWT)", "kyc.json",
                     "application/json", 32, headers="client-headers.txt"),
            Scenario("1 connection, 2 KB JSON", "kyc.json", "application/json", 1),
            Scenario("face photo forms (multipart, 150 KB JPEG data, inspected)",
                     "photo-form.bin", form_type, 4, path="/upload"),
            Scenario(f"{args.upload_mib} MB MP4 uploads (streamed)", "upload.mp4", "video/mp4",
                     4, path="/upload"),
            Scenario("2 processes, 2 KB JSON", "kyc.json", "application/json", 32, processes=2),
        ]
        if args.only:
            scenarios = [s for s in scenarios if any(o in s.name for o in args.only)]
        children: list[Proc] = []
        try:
            nginx_ok = nginx_binary() is not None
            bport = free_port()
            backend = (start_nginx(tmp, "backend", BACKEND, bport, 1, SERVER_CPU) if nginx_ok
                       else start_aiohttp_backend(tmp, bport, SERVER_CPU))
            children.append(backend)
            maps, geo = gateway_config(tmp, bport)
            fs = fsync_ms(tmp / "fsync-probe")
            print(f"== side by side: {CPUS} CPUs, load average {os.getloadavg()[0]:.2f} "
                  f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; wrk on CPU {WRK_CPU}, "
                  f"servers on CPU {SERVER_CPU} (1-process scenarios); {args.seconds:g} s per "
                  f"measurement; fsync of the data dir (4 KiB append) {fs:.2f} ms median")
            with pg_database() as pg:
                for sc in scenarios:
                    run_scenario(args, wrk_bin, tmp, sc, backend, maps, geo, pg, children)
            print(f"\nload average at the end {os.getloadavg()[0]:.2f}; fsync of the data dir "
                  f"{fsync_ms(tmp / 'fsync-probe'):.2f} ms median")
        finally:
            for child in reversed(children):
                child.stop()


def run_scenario(args: argparse.Namespace, wrk_bin: str, tmp: Path, sc: Scenario,
                 backend: Proc, maps: Path, geo: Path, pg: str | None,
                 children: list[Proc]) -> None:
    cpu = SERVER_CPU if sc.processes == 1 else None
    wcpu = WRK_CPU if sc.processes == 1 else None
    tag = uuid.uuid4().hex[:6]
    nginx = start_nginx(tmp, f"proxy-{tag}", PROXY, free_port(), sc.processes, cpu,
                        backend=backend.port)
    children.append(nginx)
    # one gateway: a single process, or `serve --workers N` on one port (as nginx with N
    # worker processes)
    gateways = [start_gateway(tmp, tag, maps, geo, cpu, workers=sc.processes)]
    children.extend(gateways)
    targets: dict[str, tuple[list[tuple[str, int]], list[int]]] = {
        "direct": ([("direct", backend.port)], [backend.pid]),
        "nginx": ([("nginx", nginx.port)], [nginx.pid]),
        "gateway (file trail)": ([(g.name, g.port) for g in gateways],
                                 [g.pid for g in gateways]),
    }
    gw_pg: Proc | None = None
    if pg is not None and sc.processes == 1 and sc.name.startswith("2 KB JSON, no"):
        gw_pg = start_gateway(tmp, f"{tag}-pg", maps, geo, cpu, pg_dsn=pg)
        children.append(gw_pg)
        targets["gateway (PostgreSQL)"] = ([(gw_pg.name, gw_pg.port)], [gw_pg.pid])
    series = {name: Series() for name in targets}
    body = tmp / sc.body
    for _ in range(args.rounds):
        for name, (ports, pids) in targets.items():
            series[name].samples.append(measure(wrk_bin, tmp, ports, pids, body, sc.ctype,
                                                sc.conns, args.seconds, sc.path, wcpu,
                                                tmp / sc.headers if sc.headers else None))
    for p in [nginx, *gateways, *([gw_pg] if gw_pg else [])]:
        p.stop()
        children.remove(p)
    verdicts = [verify_trail(g) for g in [*gateways, *([gw_pg] if gw_pg else [])]]
    report(sc, series, args.rounds)
    if sc.conns == 1:
        added = series["gateway (file trail)"].median("p50_ms") - series["direct"].median("p50_ms")
        print(f"added p50 at 1 connection: {added:.2f} ms (nginx "
              f"{series['nginx'].median('p50_ms') - series['direct'].median('p50_ms'):.2f} ms)")
    if sc.path == "/upload":
        gw = series["gateway (file trail)"]
        growth = (gw.median("peak_rss_mib") - gw.median("rss_mib")) / sc.conns
        print("gateway memory (PSS) growth under load (peak minus idle) per concurrent upload: "
              f"{growth:.2f} MiB")
    print("trail verified: " + " | ".join(verdicts))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5.0, help="per measurement (<= 10)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--upload-mib", type=int, default=20)
    parser.add_argument("--only", action="append", help="run scenarios whose name contains this")
    args = parser.parse_args(argv)
    args.seconds = max(1, min(int(args.seconds), 10))
    run(args)


if __name__ == "__main__":
    main()
