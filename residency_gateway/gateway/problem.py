"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

from residency_gateway.core.payload import redact_path
from residency_gateway.core.safetext import safe_text
from residency_gateway.regionmap.schema import RegionMap

log = structlog.get_logger("residency_gateway")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PROBLEM_TYPE = "urn:residency-gateway:problem:"

TITLES = {
    307: "Temporary Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 408: "Request Timeout",
    422: "Unprocessable Content", 404: "Not Found", 405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type", 417: "Expectation Failed",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def problem(status: int, code: str, detail: str, *, decision_id: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "reason": code,
    }
    if decision_id is not None:
        body["decision_id"] = decision_id
    body.update(extra)
    out_headers = dict(headers or {})
    if decision_id is not None:
        out_headers.setdefault("X-Residency-Decision", decision_id)
    return web.Response(status=status, text=json.dumps(body), headers=out_headers,
                        content_type="application/problem+json")


def challenge(rmap: RegionMap) -> dict[str, str]:
    """WWW-Authenticate for a 401 (RFC 9110 §11.6.1, §15.5.2): the credential the map expects."""
    ident = rmap.tenant_identification
    header = ident.header if ident.mode == "header" else ident.api_key_header
    return {"WWW-Authenticate": f'ApiKey realm="residency-gateway", header="{header}"'}


# aiohttp's own refusals (the router's 404 and 405, a body past client_max_size), said as
# problems: (reason, detail) by status; any other error status takes aiohttp's reason.
HTTP_ERRORS = {
    404: ("not_found", "nothing is served at this path"),
    405: ("method_not_allowed", "this path does not take that method (see Allow)"),
    413: ("body_too_large", "the request body is larger than this endpoint accepts"),
}


def http_error_problem(exc: web.HTTPException) -> web.Response:
    """An aiohttp HTTPException (status >= 400) as RFC 9457 problem+json, same status, its
    headers (Allow of a 405, ...) kept."""
    reason, detail = HTTP_ERRORS.get(exc.status, (
        "_".join(exc.reason.lower().split()) or "error", exc.reason))
    if exc.status == 413 and exc.text:
        detail = f"{detail}: {exc.text}"
    headers = {k: v for k, v in exc.headers.items()
               if k.lower() not in ("content-type", "content-length")}
    return problem(exc.status, reason, detail, headers=headers)


def problem_middleware(
        not_found: Callable[[web.Request], web.Response] | None = None) -> Middleware:
    """Last resort of an app (invariant 4): every error leaves as RFC 9457, no stack traces
    out, and only the redacted, escaped path in the log. aiohttp's own refusals (404/405 from
    the router, 413 past client_max_size, ...) keep their status; `not_found` answers the
    router's 404 instead, when given. Anything else unhandled is a logged 500."""

    @web.middleware
    async def errors_as_problems(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound as exc:
            return not_found(request) if not_found is not None else http_error_problem(exc)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return http_error_problem(exc)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception as exc:
            log.error("unhandled_error", error=type(exc).__name__,
                      path=safe_text(redact_path(request.path), 1024))
            return problem(500, "internal_error", "the gateway failed on this request; nothing "
                           "was forwarded unless a decision id is attached")

    return errors_as_problems
