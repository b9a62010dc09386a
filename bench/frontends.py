"""What the HTTP front costs before the gateway does anything (issue 9: where a request's CPU
goes): the same 2 KB POST answered with 200 by four servers, side by side in one run, each a
child process pinned to CPU 0 with wrk on CPU 1, interleaved and repeated, medians printed:

- nginx `return 200` (1 worker), the baseline;
- a bare asyncio protocol on httptools (llhttp), uvloop: what a front of our own would cost;
- aiohttp's low-level `web.Server` with a handler, uvloop;
- aiohttp's `web.Application` with one route and one middleware, uvloop: what the gateway's
  proxy listener is built on today.

Printed: req/s, CPU microseconds per request and the ratio to nginx's. Loopback only; every wrk
run is bounded (`--seconds`); every child is stopped by pid.

    python -m bench.frontends [--seconds 5] [--rounds 3] [--conns 32]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.inspection import kyc_body
from bench.proxy import (
    BACKEND,
    SERVER_CPU,
    WRK_CPU,
    Proc,
    ensure_wrk,
    free_port,
    measure,
    nginx_binary,
    pinned,
    start_nginx,
    wait_listening,
)

# Each server reads the whole body, then answers 200 with a small JSON body, keep-alive.
SERVERS = {
    "httptools protocol": """
import asyncio, sys, httptools, uvloop
ANSWER = (b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
          b"Content-Length: 11\\r\\n\\r\\n{\\"ok\\":true}")
class P(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
        self.p = httptools.HttpRequestParser(self)
    def data_received(self, data):
        try:
            self.p.feed_data(data)
        except httptools.HttpParserError:
            self.t.close()
    def on_message_complete(self):
        self.t.write(ANSWER)
        if not self.p.should_keep_alive():
            self.t.close()
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(P, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
uvloop.run(main())
""",
    "aiohttp web.Server": """
import asyncio, sys, uvloop
from aiohttp import web
async def handler(request):
    await request.read()
    return web.json_response({"ok": True})
async def main():
    runner = web.ServerRunner(web.Server(handler), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    await asyncio.Event().wait()
uvloop.run(main())
""",
    "aiohttp web.Application": """
import asyncio, sys, uvloop
from aiohttp import web
@web.middleware
async def passthrough(request, handler):
    return await handler(request)
async def handler(request):
    await request.read()
    return web.json_response({"ok": True})
async def main():
    app = web.Application(middlewares=[passthrough], client_max_size=0)
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    await asyncio.Event().wait()
uvloop.run(main())
""",
}


def start_python(tmp: Path, name: str, code: str) -> Proc:
    script = tmp / (name.replace(" ", "_").replace(".", "_") + ".py")
    script.write_text(code)
    port = free_port()
    popen = subprocess.Popen(pinned([sys.executable, str(script), str(port)], SERVER_CPU))
    proc = Proc(name, popen, port)
    wait_listening(proc)
    return proc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.frontends", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--conns", type=int, default=32)
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 10 or not 0 < args.rounds <= 5:
        raise SystemExit("bench.frontends: --seconds in (0, 10], --rounds in 1..5")
    wrk_bin = ensure_wrk()
    nginx = nginx_binary()
    with tempfile.TemporaryDirectory(prefix="rg-frontends-") as d:
        tmp = Path(d)
        body = tmp / "body.json"
        body.write_bytes(kyc_body(False))
        procs: list[Proc] = []
        try:
            if nginx is not None:
                procs.append(start_nginx(tmp, "nginx", BACKEND, free_port(), 1,
                                         SERVER_CPU))
            procs += [start_python(tmp, name, code) for name, code in SERVERS.items()]
            cpu: dict[str, list[float]] = {p.name: [] for p in procs}
            rps: dict[str, list[float]] = {p.name: [] for p in procs}
            for _ in range(args.rounds):
                for p in procs:  # (interleaved: each round measures every server once)
                    s = measure(wrk_bin, tmp, [(p.name, p.port)], [p.pid], body,
                                "application/json", args.conns, args.seconds, "/v1/compare",
                                WRK_CPU)
                    cpu[p.name].append(s.cpu_us)
                    rps[p.name].append(s.rps)
            base = statistics.median(cpu[procs[0].name])
            print(f"2 KB JSON POST, {args.conns} connections, medians of {args.rounds} rounds "
                  f"of {args.seconds:g} s (server on CPU {SERVER_CPU}, wrk on CPU {WRK_CPU})")
            for p in procs:
                c = statistics.median(cpu[p.name])
                print(f"{p.name:26s} {statistics.median(rps[p.name]):9.0f} req/s  "
                      f"{c:7.1f} us CPU/request  x{c / base:5.2f} of {procs[0].name}")
        finally:
            for p in reversed(procs):
                p.stop()


if __name__ == "__main__":
    main()
