"""Immutable values that flow through the decision core: signals, verdicts, decisions.

Owns the vocabulary of DOMAIN.md (origin jurisdiction, destination region, signal, decision,
reason code, legal basis). Must not do I/O or hold raw personal identifiers: payload findings
carry keyed pseudonyms only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

# The map's vocabulary, re-exported: the core builds on the region map's types.
from residency_gateway.regionmap.schema import MAINLAND as MAINLAND


class SignalKind(StrEnum):
    """Where a piece of evidence about origin came from."""

    CIDR_OVERRIDE = "cidr_override"  # the region map names the client's network
    GEOIP = "geoip"  # the GeoIP database names the client's network
    NETWORK_UNKNOWN = "network_unknown"  # no country for the client address
    RESIDENT_ID = "resident_id"  # GB 11643 mainland resident ID number in the payload
    RESIDENCE_PERMIT = "hmt_residence_permit"  # 81/82/83 area code: HK/MO/TW resident permit
    MOBILE_PHONE = "mobile_phone"  # a mobile number of a national numbering plan


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence about where the data was collected.

    `detail` never holds a raw identifier: a JSON path, a network prefix, a GeoIP note.
    """

    kind: SignalKind
    jurisdiction: str | None
    credible: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Subject:
    """A data subject found in a payload, as a keyed pseudonym (HMAC), never the raw value."""

    kind: str  # "resident_id" | "phone"
    pseudonym: str


@dataclass(frozen=True, slots=True)
class IdFinding:
    """A valid resident ID number found in a payload: what the policy needs, nothing more."""

    path: str
    area_jurisdiction: str  # CN, or HK/MO/TW for the 81/82/83 residence permits
    birth_date: dt.date
    subject: Subject


@dataclass(frozen=True, slots=True)
class PhoneFinding:
    path: str
    jurisdiction: str  # region of the numbering plan (CN, HK, MO, TW, SG, ...)
    mobile: bool
    subject: Subject


@dataclass(frozen=True, slots=True)
class PayloadScan:
    """What inspecting a request body found. `inspected` False means nothing was looked at."""

    inspected: bool
    ids: tuple[IdFinding, ...] = ()
    phones: tuple[PhoneFinding, ...] = ()
    note: str = ""
    # Set when the body should have been inspected but could not be: the request is refused,
    # never forwarded uninspected (invariant 1: "not by a malformed request").
    error: Reason | None = None
    # Distinct identifiers found, by kind, before the per-request cap on ids/phones.
    counts: tuple[tuple[str, int], ...] = ()

    def merged(self, other: PayloadScan) -> PayloadScan:
        """Findings of both scans (request line and body); an error in either stands. The
        placeholder note of a request not yet inspected gives way to what inspecting it says
        (not "body not inspected; application/json body inspected ...")."""
        if self.note == _NOT_INSPECTED_NOTE and other.note:
            if not (self.inspected or self.ids or self.phones or self.error or self.counts):
                return other  # the placeholder itself: nothing of it to keep
            self = replace(self, note="")
        note = "; ".join(n for n in (self.note, other.note) if n)
        counts = dict(self.counts)
        for kind, n in other.counts:
            counts[kind] = counts.get(kind, 0) + n
        return PayloadScan(self.inspected or other.inspected, self.ids + other.ids,
                           self.phones + other.phones, note, self.error or other.error,
                           tuple(sorted(counts.items())))

    @property
    def subjects(self) -> tuple[Subject, ...]:
        seen: dict[str, Subject] = {}
        for subject in (*(i.subject for i in self.ids), *(p.subject for p in self.phones)):
            seen.setdefault(subject.pseudonym, subject)
        return tuple(seen.values())


_NOT_INSPECTED_NOTE = "body not inspected"
NOT_INSPECTED = PayloadScan(inspected=False, note=_NOT_INSPECTED_NOTE)


@dataclass(frozen=True, slots=True)
class GeoAnswer:
    """What the GeoIP database says of one address. `country` None means it names none;
    `uncovered` that the database places no address of this address's family at all (an
    IPv4-only DB asked of an IPv6 client): the DB is blind there, not silent about one place."""

    country: str | None
    anycast: bool = False
    network: str | None = None
    uncovered: bool = False


@dataclass(frozen=True, slots=True)
class ClientAddress:
    """The client address the gateway believes, and how it got there.

    `address` is None when a trusted proxy sent a header that could not be parsed: the
    client is then unknown, never silently the proxy.
    """

    address: str | None
    peer: str | None
    via_trusted_proxy: bool
    hops: int
    note: str = ""
    # The forwarding chain the gateway vouches for, left to right, the peer not included: each
    # hop a walk from the right reached and parsed (the client's address, then the trusted
    # proxies after it), in canonical form. What a client wrote left of its own address is not
    # in it: it cannot be checked, and it reached the upstream unread.
    chain: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OriginVerdict:
    """The origin jurisdiction with every signal that led to it. `jurisdiction` None: unknown."""

    jurisdiction: str | None
    rule: str
    signals: tuple[Signal, ...]
    conflict: bool = False
    network_prefix: str | None = None  # truncated client prefix (/24, /48), never the address


class Action(StrEnum):
    FORWARD = "forward"
    REJECT = "reject"
    REDIRECT = "redirect"  # 307 to the destination region's public endpoint (placement)


class Reason(StrEnum):
    """Reason codes. Forward reasons explain the route, reject reasons explain the refusal."""

    # forward
    MAINLAND_DOMESTIC = "mainland_domestic"
    TENANT_OVERSEAS_REGION = "tenant_overseas_region"
    LOCALISATION_PIN = "localisation_pin"
    DOMESTIC = "domestic"
    CROSS_BORDER_WITH_BASIS = "cross_border_with_legal_basis"
    UNKNOWN_ORIGIN_ROUTED = "unknown_origin_routed_by_tenant_rule"
    GUARDIAN_CONSENT_PRESENT = "guardian_consent_present"
    PLACEMENT_REDIRECT = "placement_redirect"
    # reject
    MISSING_TENANT_CREDENTIAL = "missing_tenant_credential"
    MALFORMED_TENANT_CREDENTIAL = "malformed_tenant_credential"
    UNKNOWN_TENANT = "unknown_tenant"
    UNTRUSTED_TENANT_HEADER = "untrusted_tenant_header"
    TENANT_CONFLICT = "tenant_conflict"
    UNKNOWN_ORIGIN = "unknown_origin"
    NO_LEGAL_BASIS = "no_legal_basis"
    MINOR_WITHOUT_CONSENT = "minor_without_guardian_consent"
    NO_ROUTE = "no_route"
    MALFORMED_PAYLOAD = "malformed_payload"
    PAYLOAD_TOO_LARGE_TO_INSPECT = "payload_too_large_to_inspect"
    PAYLOAD_ENCODING_NOT_INSPECTABLE = "payload_encoding_not_inspectable"
    BODY_TOO_LARGE = "body_too_large"
    PAYLOAD_TOO_COMPLEX_TO_INSPECT = "payload_too_complex_to_inspect"
    CLIENT_BODY_TIMEOUT = "client_body_timeout"
    AMBIGUOUS_REQUEST = "ambiguous_request"
    INSPECTION_BUSY = "inspection_busy"


REJECT_STATUS: dict[Reason, int] = {
    # The one table of reason -> HTTP status (README "Rules it enforces" repeats it).
    # Integration mistakes are not legal refusals: no credential is 401 (the shell adds
    # WWW-Authenticate, RFC 9110 §15.5.2), an empty one 400, a credential naming no tenant, a
    # tenant header from an untrusted peer or two credentials naming different tenants 403.
    Reason.MISSING_TENANT_CREDENTIAL: 401,
    Reason.MALFORMED_TENANT_CREDENTIAL: 400,
    Reason.UNKNOWN_TENANT: 403,
    Reason.UNTRUSTED_TENANT_HEADER: 403,
    Reason.TENANT_CONFLICT: 403,
    # RFC 7725: 451 only when the law (residency and transfer rules, child protection) forbids
    # serving the request as it stands.
    Reason.UNKNOWN_ORIGIN: 451,
    Reason.NO_LEGAL_BASIS: 451,
    Reason.MINOR_WITHOUT_CONSENT: 451,
    Reason.NO_ROUTE: 451,
    Reason.MALFORMED_PAYLOAD: 400,
    Reason.PAYLOAD_TOO_LARGE_TO_INSPECT: 413,
    Reason.PAYLOAD_ENCODING_NOT_INSPECTABLE: 415,
    Reason.BODY_TOO_LARGE: 413,
    Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT: 422,
    Reason.CLIENT_BODY_TIMEOUT: 408,
    # A header that identifies or routes, sent twice with different values: which one counts
    # would depend on the parser, so neither does.
    Reason.AMBIGUOUS_REQUEST: 400,
    # Every inspection worker busy and the queue full (or no worker free in time): the body
    # is not forwarded uninspected; the client may retry.
    Reason.INSPECTION_BUSY: 503,
}


@dataclass(frozen=True, slots=True)
class LegalBasisRef:
    """The legal basis a cross-border transfer relies on, as the region map names it."""

    key: str  # the origin jurisdiction it was configured under, or "*"
    mechanism: str
    reference: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request: forward to a region (with ordered fallbacks) or reject."""

    decision_id: str
    decided_at: dt.datetime
    tenant: str | None
    action: Action
    origin: OriginVerdict
    client: ClientAddress
    region: str | None
    region_jurisdiction: str | None
    fallbacks: tuple[str, ...]
    cross_border: bool | None
    legal_basis: LegalBasisRef | None
    reasons: tuple[Reason, ...]
    steps: tuple[str, ...]  # the reason chain, in words, in order
    policy_version: str
    subjects: tuple[Subject, ...] = ()
    categories: tuple[str, ...] = ()
    status: int = 200
    payload_note: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    body_inspected: bool = False
    subject_counts: tuple[tuple[str, int], ...] = ()

    @property
    def forwarded(self) -> bool:
        return self.action is Action.FORWARD

    @property
    def reject_reason(self) -> Reason | None:
        return self.reasons[-1] if self.action is Action.REJECT else None
