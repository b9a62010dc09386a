"""Metrics (prometheus-client, one registry per app) and structlog configuration (shell).

No label and no log field ever carries personal data: labels are jurisdictions, regions,
tenants, reason codes and legal-basis mechanisms.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog
from prometheus_client import CollectorRegistry
from prometheus_client import Counter as _Counter
from prometheus_client import Gauge as _Gauge
from prometheus_client import Histogram as _Histogram

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                    5, 10, 30, 60)


_CHILDREN_MAX = 4096  # label combinations kept per metric; values come from the region map


class _BoundChildren:
    """`labels()` answered from a dict of the children already made: the request path asks
    for the same few label combinations (jurisdictions, regions, tenants, reasons) every time,
    and prometheus-client's own `labels()` validates names, builds sets and takes a lock on
    each call. `clear()`/`remove()` drop the cache with the children."""

    _rg_children: dict[tuple[Any, ...], Any]

    def labels(self, *values: Any, **kw: Any) -> Any:
        key = (values, tuple(kw.items()))
        try:
            cache = self._rg_children
        except AttributeError:
            cache = self._rg_children = {}
        child = cache.get(key)
        if child is None:
            child = super().labels(*values, **kw)  # type: ignore[misc]
            if len(cache) < _CHILDREN_MAX:
                cache[key] = child
        return child

    def clear(self) -> None:
        self._rg_children = {}
        super().clear()  # type: ignore[misc]

    def remove(self, *values: Any) -> None:
        self._rg_children = {}
        super().remove(*values)  # type: ignore[misc]


class Counter(_BoundChildren, _Counter):
    pass


class Gauge(_BoundChildren, _Gauge):
    pass


class Histogram(_BoundChildren, _Histogram):
    pass


def multiprocess() -> bool:
    """A worker of `serve --workers N`: values live in files the parent adds up
    (prometheus-client reads this variable when it is imported)."""
    return "PROMETHEUS_MULTIPROC_DIR" in os.environ


_PID: list[int] = []


def _fork_aware_values() -> None:
    """In a worker, prometheus-client's file-backed values call os.getpid() on every update to
    notice a fork (a system call each: glibc no longer caches it; 2% of a worker's time under
    load). The pid kept here is updated by os.register_at_fork instead."""
    if _PID or not multiprocess():
        return
    from prometheus_client import values

    _PID.append(os.getpid())
    os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))
    values.ValueClass = values.MultiProcessValue(lambda: _PID[0])  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self) -> None:
        _fork_aware_values()
        r = self.registry = CollectorRegistry()
        self.decisions = Counter("rg_decisions", "Decisions by origin, destination, action, reason",
                                 ["origin", "destination", "action", "reason"], registry=r)
        self.cross_border = Counter("rg_cross_border_transfers",
                                    "Forwarded cross-border transfers by tenant and legal basis",
                                    ["tenant", "origin", "destination", "legal_basis"], registry=r)
        self.mainland_outside_cn = Counter(
            "rg_mainland_routed_outside_cn",
            "Mainland-origin requests that reached the forwarding step with a non-CN region "
            "(refused by the shell tripwire; must stay 0)", registry=r)
        self.unknown_origin = Counter("rg_unknown_origin", "Decisions whose origin was unknown",
                                      ["tenant", "action"], registry=r)
        self.override_hits = Counter("rg_cidr_override_hits", "Decisions placed by a CIDR override",
                                     ["jurisdiction"], registry=r)
        self.request_seconds = Histogram("rg_request_duration_seconds",
                                         "Time from request to end of response", ["action"],
                                         buckets=_LATENCY_BUCKETS, registry=r)
        self.decision_seconds = Histogram("rg_decision_duration_seconds",
                                          "Time to decide (inspection, policy) before recording",
                                          buckets=_LATENCY_BUCKETS, registry=r)
        self.upstream_seconds = Histogram("rg_upstream_duration_seconds",
                                          "Upstream time to response headers", ["region"],
                                          buckets=_LATENCY_BUCKETS, registry=r)
        self.upstream_errors = Counter("rg_upstream_errors", "Upstream failures by region and kind",
                                       ["region", "kind"], registry=r)
        # multiprocess_mode: how `serve --workers N` adds up the workers' values (one file per
        # worker, prometheus-client multiprocess mode; "live": only workers alive now).
        self.upstream_up = Gauge("rg_upstream_up", "1 if the region's last attempt reached it",
                                 ["region"], registry=r,
                                 multiprocess_mode="livemin")  # 0 if any worker cannot reach it
        self.audit_commit_seconds = Histogram("rg_audit_commit_seconds",
                                              "Trail group-commit latency (write + fsync)",
                                              buckets=_LATENCY_BUCKETS, registry=r)
        self.audit_batch = Histogram("rg_audit_commit_batch_size", "Entries per group commit",
                                     buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024), registry=r)
        self.audit_backlog = Gauge("rg_audit_backlog", "Entries waiting for the next commit",
                                   registry=r, multiprocess_mode="livesum")
        self.audit_failures = Counter("rg_audit_write_failures",
                                      "Requests refused because the trail could not record",
                                      registry=r)
        self.geoip_build = Gauge("rg_geoip_build_timestamp_seconds",
                                 "Build time of the active GeoIP database", registry=r,
                                 multiprocess_mode="livemin")  # the oldest DB still in use
        self.policy_info = Gauge("rg_policy_info", "The active region map (value 1)",
                                 ["version"], registry=r,
                                 multiprocess_mode="livemax")  # 1 while any worker runs it
        self._policy: str | None = None
        self.reloads = Counter("rg_reloads", "Region map / GeoIP reloads", ["what", "result"],
                               registry=r)
        self.checkpoint_unwitnessed = Gauge(
            "rg_checkpoint_unwitnessed_seconds", "How long the newest signed checkpoint of a log "
            "has waited for its quorum of witness cosignatures (0 when witnessed)", ["log"],
            registry=r, multiprocess_mode="livemax")  # each log has one writer
        self.internal_errors = Counter("rg_internal_errors", "Requests that failed inside the "
                                       "gateway (each one recorded and answered 500)", registry=r)
        self.completions = Counter("rg_completions", "Forwarded requests by how they ended",
                                   ["outcome"], registry=r)
        self.client_errors = Counter("rg_client_errors", "Clients that stalled or went away "
                                     "mid-request", ["kind"], registry=r)
        self.connections_refused = Counter("rg_connections_refused", "Connections refused with a "
                                           "fast 503 at the connection cap", registry=r)
        self.connections_closed = Counter("rg_connections_closed", "Connections closed by the "
                                          "gateway", ["reason"], registry=r)
        self.read_ahead = Counter("rg_read_ahead", "Answers to a client that fell behind: "
                                  "read ahead in memory (result=held, their upstream "
                                  "connection freed at once) or found no room the first time "
                                  "(result=streamed: too big, or the process's budget spent; "
                                  "tried again while the client stays behind)",
                                  ["result"], registry=r)
        self.read_ahead_bytes = Gauge("rg_read_ahead_bytes", "Answer bytes this process holds "
                                      "ahead of slow clients (at most limits."
                                      "response_buffers_total_bytes)", registry=r,
                                      multiprocess_mode="livesum")
        self.task_failures = Counter("rg_task_failures", "Background task crashes (restarted "
                                     "with backoff by the supervisor)", ["task"], registry=r)
        self.ready = Gauge("rg_ready", "1 when the gateway is ready to take traffic", registry=r,
                           multiprocess_mode="livemin")  # (the parent reports its own)

    def set_policy(self, version: str) -> None:
        short = version[:12]
        if self._policy is not None and self._policy != short:
            self.policy_info.labels(version=self._policy).set(0)
        if not multiprocess():  # (a worker's file keeps every label it had: 0 is the best)
            self.policy_info.clear()
        self.policy_info.labels(version=short).set(1)
        self._policy = short

    def audit_committed(self, count: int, seconds: float) -> None:
        self.audit_commit_seconds.observe(seconds)
        self.audit_batch.observe(count)


class _DropUnwritable:
    """A log line that cannot be written (a full disk under the log file, a closed stderr) is
    dropped and counted instead of failing the request or task that logged it."""

    dropped = 0

    def msg(self, message: Any) -> None:
        try:
            super().msg(message)  # type: ignore[misc]
        except (OSError, ValueError):
            _DropUnwritable.dropped += 1

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class SafePrintLogger(_DropUnwritable, structlog.PrintLogger):
    """structlog's PrintLogger that drops what it cannot write."""


class _ParserRefusals(logging.Filter):
    """aiohttp logs a request its HTTP parser refuses (400) with a traceback quoting the raw
    request line, which can hold an ID number: log the error type only (invariant 3)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        structlog.get_logger("residency_gateway").warning(
            "request_refused_by_parser", error=type(exc).__name__ if exc else "unknown")
        return False


_PARSER_FILTER = _ParserRefusals()


def _json_line(event: dict[str, Any], **kw: Any) -> bytes:
    """orjson for the log line; the standard library for what orjson refuses (integers past
    64 bits, non-str keys), so a log call never fails on a value."""
    try:
        return orjson.dumps(event, default=kw.get("default"))
    except TypeError:
        return json.dumps(event, **kw).encode()


class SafeBytesLogger(_DropUnwritable, structlog.BytesLogger):
    """structlog's BytesLogger (orjson lines) that drops what it cannot write."""


_REQUEST_LOGGER: list[Any] = [None, None]  # [the configuration it was made with, the logger]


def request_logger() -> Any:
    """The gateway's logger as a concrete bound logger, made once per logging configuration:
    `structlog.get_logger()` is a lazy proxy that builds a new bound logger on every call
    (configure_logging keeps cache_logger_on_first_use off so that a reconfiguration, and
    structlog.testing.capture_logs, take effect). Keyed on the configuration, so either
    still does."""
    config = structlog.get_config()
    config["stderr"] = sys.stderr  # the console logger writes to whatever stderr is now
    made = _REQUEST_LOGGER[0]
    if made is None or any(made[k] is not config[k] for k in _MADE_WITH):
        _REQUEST_LOGGER[1] = structlog.get_logger("residency_gateway").bind()
        _REQUEST_LOGGER[0] = config
    return _REQUEST_LOGGER[1]


_MADE_WITH = ("processors", "wrapper_class", "logger_factory", "context_class", "stderr")


_STAMP: list[Any] = [-1, ""]  # [the second, its ISO 8601 form]


def utc_timestamp(_logger: Any, _method: str,
                  event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """`timestamp`: ISO 8601 UTC with microseconds ("2026-11-29T17:28:11.216644Z", as
    structlog's TimeStamper(fmt="iso", utc=True) writes it), the date and time formatted once
    a second: one line per request makes this part of the hot path."""
    now = time.time()
    second = int(now)
    if second != _STAMP[0]:
        _STAMP[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _STAMP[0] = second
    event["timestamp"] = f"{_STAMP[1]}.{int((now - second) * 1_000_000):06d}Z"
    return event


def configure_logging(fmt: str = "auto", level: str = "info") -> None:
    server_log = logging.getLogger("aiohttp.server")
    if _PARSER_FILTER not in server_log.filters:
        server_log.addFilter(_PARSER_FILTER)
    if fmt == "auto":
        fmt = "console" if sys.stderr.isatty() else "json"
    binary = getattr(sys.stderr, "buffer", None)  # absent when a test swaps in a StringIO
    renderer: structlog.typing.Processor
    factory: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer()
        factory = lambda *_: SafePrintLogger(sys.stderr)  # noqa: E731
    elif binary is None:
        renderer = structlog.processors.JSONRenderer()
        factory = lambda *_: SafePrintLogger(sys.stderr)  # noqa: E731
    else:  # rendered by orjson straight to bytes
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
        factory = lambda *_: SafeBytesLogger(binary)  # noqa: E731
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            utc_timestamp,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
