"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from residency_gateway.regionmap.schema import RegionMap

PROBLEM_TYPE = "urn:residency-gateway:problem:"

TITLES = {
    307: "Temporary Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 408: "Request Timeout",
    422: "Unprocessable Content", 404: "Not Found", 413: "Content Too Large",
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
