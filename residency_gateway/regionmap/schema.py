"""Region map schema (pydantic, `extra="forbid"`, frozen). What SREs write in region_configs/.

Pure: no I/O. The loader (`load.py`) turns YAML into these models and maps every validation
error back to a file and line; `invariants.py` checks what a single field cannot (mainland data
only to CN regions, references resolve, overrides do not overlap).
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from residency_gateway.regionmap.names import parse_network

MAINLAND = "CN"
"""ISO 3166-1 alpha-2 for mainland China. HK, MO and TW are separate jurisdictions."""

Jurisdiction = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
RegionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
TenantId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


# IPv6 forms that carry a client's IPv4 address (core.clientaddr.embedded_ipv4 reads them).
EMBEDDED_IPV4_SPACES = tuple((ipaddress.IPv6Network(net), form) for net, form in (
    ("::ffff:0:0/96", "IPv4-mapped"), ("::ffff:0:0:0/96", "SIIT IPv4-translated"),
    ("::/96", "IPv4-compatible"),
    ("2002::/16", "6to4"), ("64:ff9b::/96", "NAT64"), ("64:ff9b:1::/48", "local-use NAT64"),
    ("2001::/32", "Teredo")))


def _as_ipv4(net: ipaddress.IPv6Network) -> str:
    """": write <the IPv4 network>" for an IPv4-mapped or -compatible network of /8 or
    narrower (a hint to trust or pin all of IPv4 would be worse than none); else ""."""
    if net.prefixlen < 104:
        return ""
    v4 = ipaddress.IPv4Network((int(net.network_address) & 0xFFFFFFFF, net.prefixlen - 96))
    return f": write {v4}"


def _network(value: object) -> object:
    # The stdlib's parse, with an error that says what is wrong (host bits, octet, prefix).
    return parse_network(value) if isinstance(value, str) else value


Network = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_network)]
BasisKey = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|\*)$")]  # origin, or * for any


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class TLSOptions(Strict):
    """TLS towards a region's upstreams. Verification is on unless a map says otherwise."""

    verify: bool = True
    ca_file: str | None = None
    client_cert: str | None = None  # mTLS
    client_key: str | None = None
    server_hostname: str | None = None


class Region(Strict):
    jurisdiction: Jurisdiction
    upstreams: list[str] = Field(min_length=1)
    # Plaintext http:// upstreams only where a map says so explicitly (DOMAIN.md: transmission
    # is encrypted end to end).
    allow_plaintext: bool = False
    tls: TLSOptions = TLSOptions()
    public_endpoint: str | None = None
    # Readiness probe: GET <upstream><health_path> must answer 2xx; without it a TCP connect.
    health_path: str | None = Field(default=None, pattern=r"^/")
    description: str = ""

    @field_validator("upstreams")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            scheme, sep, rest = url.partition("://")
            authority = rest.split("/")[0]
            if "@" in authority:
                # (the credentials are not repeated: this message reaches terminals, CI logs
                # and the gateway's own log at reload)
                shown = f"{scheme}{sep}<userinfo>@{authority.rpartition('@')[2]}"
                raise ValueError(f"upstream {shown!r} carries credentials (user:password@): "
                                 "give mTLS (tls.client_cert) or put them nowhere in the map")
            if not sep or scheme not in ("http", "https") or not rest:
                raise ValueError(f"upstream {url!r} must be an http:// or https:// base URL")
        return [u.rstrip("/") for u in urls]


class Mechanism(StrEnum):
    """Legal routes for a cross-border transfer (PDPA s.26, APPI art. 28, UU PDP art. 56)."""

    CONTRACT = "contract"
    BINDING_CORPORATE_RULES = "binding_corporate_rules"
    CERTIFICATION = "certification"
    CONSENT = "consent"
    ADEQUACY = "adequacy"
    STANDARD_CONTRACT = "standard_contract"
    SECURITY_ASSESSMENT = "security_assessment"


class LegalBasis(Strict):
    mechanism: Mechanism
    reference: str = Field(min_length=1)
    # Regions the basis covers (e.g. the contract names the destination); None = any.
    destinations: list[RegionId] | None = None


class UnknownOriginHandling(StrEnum):
    REJECT = "reject"  # default: unknown origin is its own outcome, never a silent guess
    OVERSEAS = "overseas"  # the tenant accepts routing unknown origin to its overseas region
    CHINA = "china"  # the tenant keeps unknown origin in China


class Tenant(Strict):
    overseas_region: RegionId
    china_region: RegionId | None = None
    unknown_origin: UnknownOriginHandling = UnknownOriginHandling.REJECT
    # Localisation pins: origin jurisdiction -> region (e.g. Indonesian data stays in `id`).
    pins: dict[Jurisdiction, RegionId] = {}
    # Regions this tenant's traffic may fail over to, tried in order, never across the
    # jurisdiction rules (a China region only to China regions; a pin only within its country).
    fallbacks: list[RegionId] = []
    # Origin jurisdiction (or "*" for any other) -> the basis for exporting its data.
    legal_bases: dict[BasisKey, LegalBasis] = {}
    api_key_sha256: list[Sha256Hex] = []
    description: str = ""


class CidrOverride(Strict):
    network: Network
    jurisdiction: Jurisdiction
    note: str = ""

    @field_validator("network")
    @classmethod
    def _not_embedded(cls, net: ipaddress.IPv4Network | ipaddress.IPv6Network
                      ) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        # A client address of these IPv6 forms is read as the IPv4 address it carries before
        # any override is matched: an override written in such a form matches nothing, and
        # a CN pin so written pinned no one (config red team).
        for space, form in EMBEDDED_IPV4_SPACES:
            if isinstance(net, ipaddress.IPv6Network) and net.subnet_of(space):
                hint = _as_ipv4(net) if form in ("IPv4-mapped", "IPv4-compatible") else ""
                raise ValueError(f"{net} is {form} space ({space}), whose client addresses "
                                 "are matched as the IPv4 address they carry: this override "
                                 f"would match no one{hint}")
        return net


class TenantIdentification(Strict):
    """Where the tenant comes from. The header is honoured only from trusted proxies."""

    mode: Literal["header", "api_key", "header_or_api_key"] = "header_or_api_key"
    header: HeaderName = "X-Tenant-ID"
    api_key_header: HeaderName = "X-Api-Key"


class PayloadInspection(Strict):
    max_inspect_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # A multipart body over max_inspect_bytes (a large upload with form fields) is refused with
    # 413 by default; `stream` forwards it with its fields uninspected, recorded as such.
    oversize_multipart: Literal["reject", "stream"] = "reject"
    resident_id: bool = True
    mobile_phone: bool = True
    # Payload signals that decide origin on their own (network signals always do).
    credible_signals: list[Literal["resident_id", "mobile_phone"]] = ["resident_id", "mobile_phone"]
    guardian_consent_header: HeaderName = "X-Guardian-Consent"
    # PIPL art. 28/31 and the seed policy: under 14 is a child. A map may be stricter, not laxer.
    minor_age: int = Field(default=14, ge=14, le=21)
    # Compressed bodies and parts are decompressed for inspection only: at most
    # max_inspect_bytes of output and at most this many times the compressed size (bombs).
    max_decompression_ratio: int = Field(default=1000, ge=10, le=100_000)
    # Work units (candidate digit windows) one request's inspection may spend; over it the
    # request is refused (422 payload_too_complex_to_inspect), never forwarded uninspected.
    inspect_budget: int = Field(default=2_000_000, ge=10_000, le=100_000_000)
    # Subjects kept per decision record (the youngest ID and mainland signals first); counts by
    # kind are always recorded in full.
    max_subjects: int = Field(default=32, ge=1, le=1024)


class TransferRule(Strict):
    legal_basis_required: bool = True
    note: str = ""


class CategoryRule(Strict):
    """Tags requests whose path starts with `path_prefix` with data categories (PIPL art. 28
    sensitive personal information: facial features, identity documents, ...)."""

    path_prefix: str = Field(pattern=r"^/")
    categories: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]] = Field(
        min_length=1)


class Limits(Strict):
    max_body_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=120)
    read_timeout_s: float = Field(default=60.0, gt=0, le=3600)  # upstream headers and idle body
    client_idle_timeout_s: float = Field(
        default=60.0, gt=0, le=3600,
        description="A client that sends no body bytes for this long is answered 408 "
                    "(client_body_timeout before the decision, client_timeout while streaming); "
                    "a client that takes none of the answer for this long is cut "
                    "(client_timeout)")
    body_timeout_s: float = Field(
        default=600.0, gt=0, le=86400,
        description="Total time a client has to send its whole request body, from the start of "
                    "the request: a slow trickle that never idles long still ends (408 "
                    "client_timeout)")
    client_min_rate_bytes_s: int = Field(
        default=4096, ge=0, le=1024 * 1024 * 1024,
        description="While the gateway waits for a client to take an answer, it waits at most "
                    "client_idle_timeout_s plus one second per this many bytes the client has "
                    "taken (Apache mod_reqtimeout's MinRate, applied to the answer); past that "
                    "the client is cut (client_timeout), so a client that trickles cannot "
                    "hold an upstream connection for as long as it likes. 0: no rate, only "
                    "the idle rule")
    response_buffer_bytes: int = Field(
        default=1024 * 1024, ge=0, le=64 * 1024 * 1024,
        description="An answer up to this size is read whole off its upstream connection ahead "
                    "of a slow client, in memory (never on disk), and the connection goes back "
                    "to the pool at once (nginx's proxy buffering); a larger answer streams at "
                    "the client's pace")
    response_buffers_total_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, le=16 * 1024 * 1024 * 1024,
        description="The memory all answers read ahead of their clients may take at once, per "
                    "gateway process; an answer that finds none left streams at its client's "
                    "pace")
    upstream_connections_per_base: int = Field(
        default=128, ge=1, le=100_000,
        description="Busy connections to one upstream URL at most; more requests wait for one "
                    "within connect_timeout_s (504)")
    upstream_connections_per_region: int = Field(
        default=256, ge=1, le=100_000,
        description="Busy connections to one region's upstreams at most")


PlacementMode = Literal["forward", "redirect"]


class Placement(Strict):
    """What a gateway does when a request's destination region is in another jurisdiction than
    the gateway itself: `forward` (the transfer goes through this gateway and is recorded as
    such) or `redirect` (HTTP 307 to the destination region's `public_endpoint`, decided from
    headers before the body is read)."""

    default: PlacementMode = "forward"
    per_origin: dict[Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|unknown)$")],
                     PlacementMode] = {}

    def mode_for(self, origin: str | None) -> str:
        return self.per_origin.get(origin or "unknown", self.default)

    @property
    def redirects(self) -> bool:
        return self.default == "redirect" or "redirect" in self.per_origin.values()


class RegionMap(Strict):
    version: Literal[1]
    regions: dict[RegionId, Region] = Field(min_length=1)
    tenants: dict[TenantId, Tenant] = {}
    cidr_overrides: list[CidrOverride] = []
    trusted_proxies: list[Network] = []

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_not_mapped(cls, nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
                            ) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        mapped = ipaddress.IPv6Network("::ffff:0:0/96")
        for net in nets:
            if isinstance(net, ipaddress.IPv6Network) and net.subnet_of(mapped):
                raise ValueError(f"{net} is IPv4-mapped space: a peer connecting so is read "
                                 f"as its IPv4 address, which this entry never matches"
                                 f"{_as_ipv4(net)}")
        return nets
    # The header the trusted load balancers set. Only that one is read, so a client cannot
    # smuggle a second kind of forwarding header past a proxy that only appends the first.
    client_address_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    tenant_identification: TenantIdentification = TenantIdentification()
    payload: PayloadInspection = PayloadInspection()
    # Per origin jurisdiction: does exporting its data need a configured legal basis? Default
    # yes for every jurisdiction; CN exports are forbidden outright, whatever this says.
    transfer_rules: dict[Jurisdiction, TransferRule] = {}
    limits: Limits = Limits()
    data_categories: list[CategoryRule] = []
    placement: Placement = Placement()
