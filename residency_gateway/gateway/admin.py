"""The admin listener (shell): health, readiness, metrics, and operator endpoints on their own
port (loopback by default), so no upstream path is ever shadowed.

`/healthz`, `/readyz`, `/metrics` are open (probes and scrapers). `/admin/config`,
`/admin/reload` and `/admin/explain` need `Authorization: Bearer <RG_ADMIN_TOKEN>`; without a
configured token they are refused. Every error is RFC 9457 problem+json (ADMIN_MIDDLEWARES):
an unknown path 404, a wrong method 405, a body past ADMIN_MAX_BODY 413.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from residency_gateway.audit.keys import KeyUnavailable
from residency_gateway.audit.records import decision_record
from residency_gateway.core.explain import explain
from residency_gateway.core.payload import redact_path
from residency_gateway.gateway.problem import problem, problem_middleware
from residency_gateway.gateway.proxy import RUNTIME
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.regionmap.load import canonical_json

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ADMIN_MAX_BODY = 1024 ** 2  # an admin request body (an explain's) is at most 1 MiB
# Both admin apps (one process's, and the parent's with workers): aiohttp's own refusals
# (404, 405, 413) and anything unhandled as problems, never text/plain.
ADMIN_MIDDLEWARES = [problem_middleware()]


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    ready = rt.ready
    rt.metrics.ready.set(1 if ready else 0)
    # (with workers the parent asks each worker's /readyz before it reads their metrics)
    rt.metrics.audit_backlog.set(sum(t.backlog for t in rt.trails))
    return web.json_response({"ready": ready, **rt.readiness()}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    rt.metrics.audit_backlog.set(sum(t.backlog for t in rt.trails))
    rt.metrics.ready.set(1 if rt.ready else 0)
    body = generate_latest(rt.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def refused(request: web.Request, token: SecretStr | None) -> web.Response | None:
    """The problem to answer when `request` may not use the /admin endpoints, else None."""
    if token is None:
        return problem(403, "admin_disabled", "set RG_ADMIN_TOKEN to enable /admin endpoints")
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {token.get_secret_value()}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return problem(401, "unauthorized", "a valid bearer token is required",
                       headers={"WWW-Authenticate": 'Bearer realm="residency-gateway"'})
    return None


def guarded(handler: Handler) -> Handler:
    async def check(request: web.Request) -> web.StreamResponse:
        refusal = refused(request, request.app[RUNTIME].settings.admin_token)
        return refusal if refusal is not None else await handler(request)

    return check


async def admin_config(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    loaded = rt.active.loaded
    return web.json_response({"policy_version": loaded.version, "sources": list(loaded.sources),
                              "map": json.loads(canonical_json(loaded.rmap))})


async def admin_reload(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    ok, detail = await rt.reload("admin")
    if not ok:
        return problem(422, "reload_refused", "the new map or GeoIP DB was refused; the last "
                       "good one stays", errors=detail.splitlines())
    return web.json_response({"reloaded": True, "policy_version": detail})


# One explain at a time (each app its own: made with the app, in its event loop)
EXPLAINING = web.AppKey("explaining", asyncio.Semaphore)


async def admin_explain(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    try:
        spec = await request.json()
        ip, tenant = str(spec["ip"]), str(spec["tenant"])
        headers = [(str(k), str(v)) for k, v in (spec.get("headers") or {}).items()]
        body = spec.get("body")
        raw = body.encode() if isinstance(body, str) else (
            None if body is None else json.dumps(body).encode())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return problem(400, "bad_explain_request", f"expected JSON with ip and tenant: {exc}")
    active = rt.active
    try:
        key = rt.keys.get(tenant, create=False) or secrets.token_bytes(32)
    except KeyUnavailable as exc:
        return problem(503, "pseudonym_key_unavailable", str(exc))
    try:
        # In a thread, one at a time: a large body's inspection (a second or more for 1 MiB)
        # yields the event loop every switch interval instead of holding it, so the proxy
        # keeps serving while an operator asks (invariant 5; it ran on the loop before).
        async with request.app[EXPLAINING]:
            d = await asyncio.to_thread(
                explain, active.loaded.rmap, active.loaded.version, active.geo, ip=ip,
                tenant=tenant, headers=headers, body=raw, now=dt.datetime.now(dt.UTC), key=key,
                gateway_region=rt.settings.region, path=str(spec.get("path", "/")))
    except ValueError as exc:
        return problem(400, "bad_explain_request", str(exc))
    info = active.geo_info
    return web.json_response(decision_record(
        d, geoip_build=info.build_date if info else None, gateway_region=rt.settings.region,
        request_id="explain", method="POST",
        path=redact_path(str(spec.get("path", "/")).partition("?")[0])))


def admin_app(rt: Runtime) -> web.Application:
    app = web.Application(middlewares=ADMIN_MIDDLEWARES, client_max_size=ADMIN_MAX_BODY)
    app[RUNTIME] = rt
    app[EXPLAINING] = asyncio.Semaphore(1)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/admin/config", guarded(admin_config))
    app.router.add_post("/admin/reload", guarded(admin_reload))
    app.router.add_post("/admin/explain", guarded(admin_explain))
    return app
