"""The admin listener (shell): health, readiness and metrics on their own port, so no upstream
path is ever shadowed. Loopback by default."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from residency_gateway.gateway.proxy import RUNTIME


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    checks = {
        "draining": rt.draining,
        "trail": rt.trail.running,
        "policy_version": rt.active.loaded.version,
        "geoip_build": rt.active.geo_info.build_date if rt.active.geo_info else None,
    }
    rt.metrics.ready.set(1 if rt.ready else 0)
    return web.json_response({"ready": rt.ready, **checks}, status=200 if rt.ready else 503)


async def metrics(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    rt.metrics.audit_backlog.set(rt.trail.backlog)
    rt.metrics.ready.set(1 if rt.ready else 0)
    body = generate_latest(rt.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def admin_app(rt: object) -> web.Application:
    app = web.Application()
    app[RUNTIME] = rt  # type: ignore[assignment]
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
