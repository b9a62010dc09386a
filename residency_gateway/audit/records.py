"""Decision records: what the trail keeps of each decision. Pure.

A record holds no payload bytes and no raw identifiers: subjects are keyed pseudonyms, the
client is a truncated prefix (/24 or /48), signals carry JSON paths and networks only.
Canonical JSON (RFC 8785 style: sorted keys, no spaces, UTF-8, integers only - durations are
integer microseconds) makes the bytes that are hashed reproducible. Everything a client
chose (path, method, request id, the texts of steps and signals, which can quote a header) passes
through `core.safetext.safe_text`, so a record always encodes.
"""

from __future__ import annotations

from typing import Any

from residency_gateway.audit.canonjson import canonical
from residency_gateway.core.safetext import safe_text
from residency_gateway.core.values import Decision

__all__ = ["canonical", "completion_record", "decision_record"]

PATH_LIMIT = 1024
TEXT_LIMIT = 512


def entry_line(log_id: str, seq: int, prev: str, body: bytes) -> bytes:
    """`canonical({"log_id", "seq", "prev", "record"})` around an already canonical record
    body: the trail encodes each record once, in the caller's task, not in the writer."""
    return b"".join((b'{"log_id":', canonical(log_id), b',"prev":', canonical(prev),
                     b',"record":', body, b',"seq":', str(int(seq)).encode(), b"}"))


def decision_record(d: Decision, *, geoip_build: str | None, gateway_region: str | None,
                    request_id: str, method: str, path: str) -> dict[str, Any]:
    return {
        "type": "decision",
        "decision_id": d.decision_id,
        "request_id": safe_text(request_id, 64),
        "time": d.decided_at.isoformat(timespec="microseconds"),
        "tenant": None if d.tenant is None else safe_text(d.tenant, 64),
        "method": safe_text(method, 32),
        "path": safe_text(path, PATH_LIMIT),
        "action": d.action.value,
        "status": d.status,
        "origin": {
            "jurisdiction": d.origin.jurisdiction,
            "rule": d.origin.rule,
            "conflict": d.origin.conflict,
            "client_prefix": d.origin.network_prefix,
            "via_trusted_proxy": d.client.via_trusted_proxy,
            "signals": [
                {"kind": s.kind.value, "jurisdiction": s.jurisdiction, "credible": s.credible,
                 "detail": safe_text(s.detail, TEXT_LIMIT)}
                for s in d.origin.signals
            ],
        },
        "destination": {
            "region": d.region,
            "jurisdiction": d.region_jurisdiction,
            "fallbacks": list(d.fallbacks),
            "cross_border": d.cross_border,
        },
        "legal_basis": None if d.legal_basis is None else {
            "key": d.legal_basis.key, "mechanism": d.legal_basis.mechanism,
            "reference": d.legal_basis.reference},
        "reasons": [r.value for r in d.reasons],
        "steps": [safe_text(step, TEXT_LIMIT) for step in d.steps],
        "subjects": [{"kind": s.kind, "pseudonym": s.pseudonym} for s in d.subjects],
        # What was and was not looked at: the body inspected or why not (binary signature,
        # over the limit, streamed by oversize_multipart: stream), and how many distinct
        # subjects were found before the per-record cap.
        "inspection": {"body_inspected": d.body_inspected, "note": d.payload_note,
                       "subject_counts": dict(d.subject_counts)},
        "categories": list(d.categories),
        "policy_version": d.policy_version,
        "geoip_build": geoip_build,
        "gateway_region": gateway_region,
    }


def completion_record(*, decision_id: str, time: str, region: str | None, status: int | None,
                      outcome: str, bytes_up: int, bytes_down: int, duration_us: int,
                      attempts: list[str]) -> dict[str, Any]:
    return {
        "type": "completion",
        "decision_id": decision_id,
        "time": time,
        "region": region,
        "upstream_status": status,
        "outcome": outcome,
        "bytes_up": bytes_up,
        "bytes_down": bytes_down,
        "duration_us": duration_us,
        "attempts": attempts,
    }


def shell_refusal_record(*, decision_id: str, time: str, reason: str, status: int, step: str,
                         request_id: str, method: str, path: str, policy_version: str | None,
                         geoip_build: str | None, gateway_region: str | None) -> dict[str, Any]:
    """A refusal made by the shell before (or instead of) a policy decision: an internal
    error, an unsupported `Expect`. Same shape as a decision record, so every tool reads it;
    nothing moved, origin and destination are unknown."""
    return {
        "type": "decision",
        "decision_id": decision_id,
        "request_id": safe_text(request_id, 64),
        "time": time,
        "tenant": None,
        "method": safe_text(method, 32),
        "path": safe_text(path, PATH_LIMIT),
        "action": "reject",
        "status": status,
        "origin": {"jurisdiction": None, "rule": "not_decided", "conflict": False,
                   "client_prefix": None, "via_trusted_proxy": False, "signals": []},
        "destination": {"region": None, "jurisdiction": None, "fallbacks": [],
                        "cross_border": False},
        "legal_basis": None,
        "reasons": [reason],
        "steps": [safe_text(step, TEXT_LIMIT)],
        "subjects": [],
        "categories": [],
        "policy_version": policy_version,
        "geoip_build": geoip_build,
        "gateway_region": gateway_region,
    }
