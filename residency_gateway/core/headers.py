"""Header rules for the proxy: what is forwarded upstream and what comes back. Pure.

- Hop-by-hop fields (RFC 9110 s.7.6.1: Connection and every field it names, plus the classic
  Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Authenticate,
  Proxy-Authorization) are never forwarded.
- Any client-supplied `X-Residency-*` field is dropped: only the gateway says where data came
  from and where it goes.
- X-Forwarded-For is appended to when the peer is a trusted proxy and replaced by the peer's
  address otherwise, so a client cannot plant addresses upstream either.
"""

from __future__ import annotations

from collections.abc import Iterable

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "proxy-authenticate", "proxy-authorization",
})
RESIDENCY_PREFIX = "x-residency-"
# Set again by the client library for the upstream connection, or handled by the server.
_RECOMPUTED = frozenset({"host", "content-length", "expect"})


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> frozenset[str]:
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
    return frozenset(tokens)


def upstream_request_headers(
    headers: Iterable[tuple[str, str]],
    *,
    peer: str | None,
    peer_trusted: bool,
    host: str | None,
    residency: dict[str, str],
    keep_content_length: bool,
) -> list[tuple[str, str]]:
    items = list(headers)
    drop = HOP_BY_HOP | _connection_tokens(items)
    out: list[tuple[str, str]] = []
    xff: list[str] = []
    for name, value in items:
        lname = name.lower()
        if lname in drop or lname.startswith(RESIDENCY_PREFIX):
            continue
        if lname == "x-forwarded-for":
            xff.append(value)
            continue
        if lname in _RECOMPUTED and not (lname == "content-length" and keep_content_length):
            continue
        out.append((name, value))
    chain = [v for v in xff if peer_trusted]
    if peer:
        chain.append(peer)
    if chain:
        out.append(("X-Forwarded-For", ", ".join(chain)))
    if host:
        out.append(("X-Forwarded-Host", host))
    out.extend(residency.items())
    return out


def downstream_response_headers(headers: Iterable[tuple[str, str]],
                                residency: dict[str, str]) -> list[tuple[str, str]]:
    items = list(headers)
    drop = HOP_BY_HOP | _connection_tokens(items) | {"content-length"}
    out = [(n, v) for n, v in items
           if n.lower() not in drop and not n.lower().startswith(RESIDENCY_PREFIX)]
    out.extend(residency.items())
    return out
