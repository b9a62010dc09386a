"""Header rules for the proxy: what is forwarded upstream and what comes back. Pure.

- Hop-by-hop fields (RFC 9110 s.7.6.1: Connection and every field it names, plus the classic
  Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Authenticate,
  Proxy-Authorization) are never forwarded.
- Any client-supplied `X-Residency-*` field is dropped: only the gateway says where data came
  from and where it goes.
- X-Forwarded-For is written by the gateway alone: the chain it vouches for (the client's
  address and the trusted proxies after it, as the walk from the right read them, canonical)
  and the peer. From a peer outside trusted_proxies that is the peer alone. Whatever a client
  wrote left of its own address (or in an X-Forwarded-For beside a trusted `Forwarded`) is not
  passed on: it cannot be checked, and passed on unread it carried anything, an ID number
  included, to the upstream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
    chain: Sequence[str],
    host: str | None,
    residency: dict[str, str],
    keep_content_length: bool,
) -> list[tuple[str, str]]:
    items = list(headers)
    drop = HOP_BY_HOP | _connection_tokens(items)
    out: list[tuple[str, str]] = []
    for name, value in items:
        lname = name.lower()
        if lname in drop or lname.startswith(RESIDENCY_PREFIX) or lname == "x-forwarded-for":
            continue
        if lname in _RECOMPUTED and not (lname == "content-length" and keep_content_length):
            continue
        out.append((name, value))
    hops = [*chain, peer] if peer else list(chain)
    if hops:
        out.append(("X-Forwarded-For", ", ".join(hops)))
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
