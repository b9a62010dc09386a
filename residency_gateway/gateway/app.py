"""App factory and process lifecycle (shell)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import structlog
from aiohttp import web

from residency_gateway.audit.witnessing import witnessing_for
from residency_gateway.gateway.admin import admin_app
from residency_gateway.gateway.connections import (
    RateLimitedLoopErrors,
    connection_cap,
    start_guarded_site,
)
from residency_gateway.gateway.problem import problem, problem_middleware
from residency_gateway.gateway.proxy import RUNTIME, handle, no_early_continue
from residency_gateway.gateway.responses import with_house_headers
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.gateway.supervisor import Supervisor
from residency_gateway.regionmap.load import canonical_json

log = structlog.get_logger("residency_gateway")


def _unsupported_target(request: web.Request) -> web.Response:
    # Only the router raises 404 here: a target in neither origin- nor absolute-form (CONNECT's
    # authority-form, OPTIONS's "*") never reaches `handle`, so nothing was decided, recorded
    # or forwarded. Said as a problem, not aiohttp's text/plain 404.
    return problem(400, "unsupported_request_target", "the request target must be a path "
                   "(origin-form) or an absolute URL; nothing was forwarded")


# Last resort (the proxy handler records and answers its own failures): RFC 9457, no stack
# traces out, and only the redacted, escaped path in the log.
errors_as_problems = problem_middleware(not_found=_unsupported_target)


def proxy_app(rt: Runtime) -> web.Application:
    app = web.Application(middlewares=[errors_as_problems], client_max_size=0,
                          handler_args={"max_field_size": 16384,
                                        # Bodies are inspected and forwarded as received
                                        # (byte for byte); inspection decompresses a copy.
                                        "auto_decompress": False})
    app[RUNTIME] = rt
    with_house_headers(app)

    async def trail_ctx(_app: web.Application) -> AsyncIterator[None]:
        loaded = rt.active.loaded
        witnessing = witnessing_for(rt.trails, rt.settings, rt.metrics)
        for trail in rt.trails:
            await trail.start(spawn_writer=False)  # the supervisor runs the writers
            await trail.store_policy(loaded.version, canonical_json(loaded.rmap))
        for w in witnessing:
            await w.start()
        await rt.check_upstreams()
        supervisor = Supervisor(rt.metrics)
        rt.start_tasks(supervisor)
        yield
        # writers last: every other task stops, then each trail commits what is pending,
        # signs its shutdown checkpoint and its writer returns
        await supervisor.stop(lambda name: not name.startswith("trail_writer"))
        for trail in rt.trails:
            await trail.close()
        await supervisor.stop()
        await rt.close()
        for w in witnessing:  # after the shutdown checkpoints: a bounded try to get them cosigned
            await w.close(drain_s=rt.settings.witness_timeout_s)

    app.cleanup_ctx.append(trail_ctx)
    # every path, including decoded newlines (".*" would not match them: 404 without a record)
    app.router.add_route("*", r"/{tail:[\s\S]*}", handle, expect_handler=no_early_continue)
    return app


@dataclass
class Running:
    runtime: Runtime
    proxy: web.AppRunner
    admin: web.AppRunner
    proxy_port: int
    admin_port: int
    listener: asyncio.Server | None = None
    stopped: bool = False

    async def stop(self) -> None:
        """Data listener first (stop accepting; in-flight requests get shutdown_grace_s; the
        trail closes), the admin listener last: readiness answers 503 until the end."""
        if self.stopped:
            return
        self.stopped = True
        self.runtime.draining = True
        if self.listener is not None:
            self.listener.close()
        await self.proxy.cleanup()
        await self.admin.cleanup()


class ListenError(OSError):
    """A listener could not bind (a port in use, an address not on this host): one line to
    print, the runners already cleaned up (no unclosed sessions, no traceback)."""

    def __init__(self, which: str, host: str, port: int, cause: OSError):
        self.which, self.host, self.port = which, host, port
        why = "address already in use" if cause.errno == errno.EADDRINUSE else (
            cause.strerror or str(cause)).rsplit(": ", 1)[-1]
        super().__init__(cause.errno, f"cannot listen on {host}:{port} for the {which}: {why}")

    def __str__(self) -> str:
        return str(self.strerror)


async def start(rt: Runtime, *, host: str, port: int, admin_host: str,
                admin_port: int, reuse_port: bool = False,
                admin_socket: Path | None = None) -> Running:
    """Both listeners. A worker of `serve --workers N` shares the proxy port with its
    siblings (`reuse_port`) and serves its admin app on `admin_socket`, a Unix socket only
    the parent talks to (the parent owns the admin port)."""
    s = rt.settings
    proxy_runner = web.AppRunner(proxy_app(rt), access_log=None,
                                 shutdown_timeout=s.shutdown_grace_s,
                                 keepalive_timeout=s.idle_timeout_s)
    admin_runner = web.AppRunner(with_house_headers(admin_app(rt)), access_log=None)
    listener: asyncio.Server | None = None
    try:
        await proxy_runner.setup()
        try:
            listener = await start_guarded_site(
                proxy_runner, host, port, max_connections=connection_cap(s.max_connections),
                header_timeout_s=s.header_timeout_s, metrics=rt.metrics, reuse_port=reuse_port)
        except OSError as exc:
            raise ListenError("proxy", host, port, exc) from exc
        await admin_runner.setup()
        admin_site: web.BaseSite = (
            web.UnixSite(admin_runner, str(admin_socket)) if admin_socket is not None else
            web.TCPSite(admin_runner, admin_host, admin_port, reuse_address=True))
        try:
            await admin_site.start()
        except OSError as exc:
            raise ListenError("admin listener", admin_host, admin_port, exc) from exc
    except BaseException:
        # Close what setup opened (the listening socket, the trail, upstream client sessions)
        # before reporting.
        if listener is not None:
            listener.close()
            await listener.wait_closed()
        if admin_runner.server is not None:
            await admin_runner.cleanup()
        if proxy_runner.server is not None:
            await proxy_runner.cleanup()  # its cleanup_ctx closes the runtime
        else:
            await rt.close()
        raise
    assert listener is not None
    rt.listening = True
    bound = int(listener.sockets[0].getsockname()[1])
    return Running(rt, proxy_runner, admin_runner, bound, _port(admin_site), listener)


async def serve_handler(handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                        host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, str]:
    """Serve one catch-all handler (the demo's mock regional backends, test and bench
    upstreams); returns the runner to clean up and the base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, f"http://{host}:{_port(site)}"


def _port(site: web.BaseSite) -> int:
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None) or []
    name = sockets[0].getsockname() if sockets else None
    return int(name[1]) if isinstance(name, tuple) else 0  # (a Unix socket has no port)


GC_YOUNG_THRESHOLD = 20_000


async def serve_forever(rt: Runtime, *, reuse_port: bool = False,
                        admin_socket: Path | None = None) -> int:
    s = rt.settings
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(RateLimitedLoopErrors())
    running = await start(rt, host=s.listen_host, port=s.listen_port, admin_host=s.admin_host,
                          admin_port=s.admin_port, reuse_port=reuse_port,
                          admin_socket=admin_socket)
    # What startup built (modules, region map, GeoIP reader, patterns) lives as long as the
    # process: out of the collector's generations, each full collection scans only what requests
    # allocated instead of ~70k objects (bench: 100 ms pauses, 10% of the CPU under load).
    gc.collect()
    gc.freeze()
    # Requests allocate and free ~100k container objects a second, nearly all freed by their
    # reference counts: at the default threshold (700) the young generation was collected
    # 125 times a second, each walking whatever the requests in flight held at that moment
    # (0.36-0.40 s of 10 s of CPU under load); at 20,000, 6 collections in 10 s, 0.04-0.07 s
    # (bench: 2 KB JSON, 32 connections). Cyclic garbage (~280 objects a second) still goes.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
    log.info("listening", proxy=f"{s.listen_host}:{running.proxy_port}",
             admin=str(admin_socket) if admin_socket else f"{s.admin_host}:{running.admin_port}",
             policy_version=rt.active.loaded.short_version)
    stop = asyncio.Event()
    reloads: set[asyncio.Task[object]] = set()

    def on_hup() -> None:
        task = loop.create_task(rt.reload("sighup"))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    await stop.wait()
    rt.draining = True  # readiness drops first, so load balancers stop sending
    log.info("draining", grace_s=s.shutdown_grace_s, drain_delay_s=s.drain_delay_s)
    await asyncio.sleep(s.drain_delay_s)
    await running.stop()  # stop accepting; in-flight requests get shutdown_grace_s
    for task in list(reloads):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    log.info("stopped")
    # a second SIGTERM after the drain (a supervisor repeating itself) must not turn this
    # clean exit into a signal death while the loop closes
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(sig)
        signal.signal(sig, signal.SIG_IGN)
    return 0
