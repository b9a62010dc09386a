"""Inspect a JSON request body for signals of origin: resident ID numbers and phone numbers.

Walks every string (and integer, for IDs/phones stored as numbers) in the document. Returns
findings with JSON paths and keyed pseudonyms; the raw values never leave this module.
"""

from __future__ import annotations

import datetime as dt
import email.errors
import email.parser
import email.policy
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from residency_gateway.core.idnumber import parse_resident_id
from residency_gateway.core.phones import parse_phone
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.core.values import IdFinding, PayloadScan, PhoneFinding, Reason, Subject

MAX_DEPTH = 64
# Seven digits in a row could be part of an identifier: such text never goes into a path.
_DIGITS = re.compile(r"\d{7}")
# Identifier-shaped tokens in free text: an 18-character ID, or a phone number written as
# +CC / 00CC ... or as a bare mainland mobile.
_TEXT_TOKENS = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9]\d{16}[\dXx]"
    r"|(?:\+|00)\d[\d \-().]{6,20}\d"
    r"|1[3-9]\d{9})(?![0-9A-Za-z])")
_BOUNDARY_DEFECTS = (email.errors.StartBoundaryNotFoundDefect,
                     email.errors.CloseBoundaryNotFoundDefect)


class PayloadError(ValueError):
    """The body claims to be JSON but is not, or is too deep to inspect safely."""


def _walk(node: Any, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        raise PayloadError("JSON nesting deeper than 64 levels")
    if isinstance(node, dict):
        for key, value in node.items():
            text = str(key)
            if _DIGITS.search(text):
                # A key may itself be an identifier: scan it, and never copy it into a path.
                yield f"{path}.<key>", text.strip()
                child = f"{path}.<key>"
            else:
                child = f"{path}.{text}" if text.isidentifier() else f"{path}[{text!r}]"
            yield from _walk(value, child, depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]", depth + 1)
    elif isinstance(node, str):
        yield path, node.strip()
    elif isinstance(node, int) and not isinstance(node, bool):
        yield path, str(node)


def inspectable_kind(content_type: str) -> str | None:
    """"json", "form", "multipart" or "text" for bodies the gateway inspects; None for the
    binary ones it streams (images, video, octet-stream)."""
    ctype = content_type.split(";")[0].strip().lower()
    if not ctype or ctype.startswith("text/") or ctype in ("application/xml",) or (
            ctype.startswith("application/") and ctype.endswith("+xml")):
        return "text"
    if ctype == "application/json" or (ctype.startswith("application/")
                                       and ctype.endswith("+json")):
        return "json"
    if ctype == "application/x-www-form-urlencoded":
        return "form"
    if ctype == "multipart/form-data":
        return "multipart"
    return None


def parse_multipart(body: bytes, content_type: str) -> Any:
    """multipart/form-data (RFC 7578) -> {field name: [values]} for the parts that are fields:
    text parts as strings, JSON parts parsed. File parts (a filename, or a binary type) are
    images and videos: they are skipped, not scanned."""
    if "boundary=" not in content_type.lower():
        raise PayloadError("multipart body without a boundary")
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or any(
            isinstance(d, _BOUNDARY_DEFECTS) for d in message.defects):
        raise PayloadError("multipart body is malformed (boundary not found or not closed)")
    out: dict[str, list[Any]] = {}
    for index, part in enumerate(message.iter_parts()):
        name = part.get_param("name", header="content-disposition") or f"part{index}"
        ptype = part.get_content_type()
        is_file = part.get_filename() is not None
        if is_file and ptype not in ("application/json", "text/plain"):
            continue
        raw = part.get_payload(decode=True)
        if not isinstance(raw, bytes):
            continue
        if ptype == "application/json" or ptype.endswith("+json"):
            value: Any = parse_json(raw)
        elif ptype.startswith("text/") or not part.get("content-type"):
            try:
                value = raw.decode(part.get_content_charset() or "utf-8")
            except (UnicodeDecodeError, LookupError):
                raise PayloadError(f"multipart field {name!r} is not valid text") from None
        else:
            continue
        out.setdefault(str(name), []).append(value)
    return out


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(f"body is not valid JSON: {type(exc).__name__}") from None


def parse_form(body: bytes) -> Any:
    """application/x-www-form-urlencoded -> {name: [values]}, strictly (bad encoding refused)."""
    try:
        pairs = urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True,
                                       strict_parsing=bool(body), errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid form data: {type(exc).__name__}") from None
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def parse_text(body: bytes, content_type: str) -> Any:
    """Free text (text/*, XML, untyped bodies): the identifier-shaped tokens in it, by offset."""
    charset = "utf-8"
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        text = body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise PayloadError("text body is not valid in its charset") from None
    return {f"text@{m.start()}": m.group(0) for m in _TEXT_TOKENS.finditer(text)}


def parse_body(kind: str, body: bytes, content_type: str) -> Any:
    """Parse an inspectable body of `kind` (see `inspectable_kind`)."""
    if kind == "json":
        return parse_json(body)
    if kind == "form":
        return parse_form(body)
    if kind == "text":
        return parse_text(body, content_type)
    return parse_multipart(body, content_type)


# Headers that carry protocol or gateway data, never a data subject's identifier.
_PROTOCOL_HEADERS = frozenset({
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
    "x-real-ip", "x-request-id", "x-correlation-id", "x-api-key", "x-tenant-id",
    "x-guardian-consent", "x-amzn-trace-id", "x-b3-traceid", "x-b3-spanid", "x-cloud-trace-context",
})


def request_line_document(path: str, query: str,
                          headers: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """Path segments, query parameters and custom `X-` header values that could carry an
    identifier (GET /subjects/<id>, ?id_number=..., X-Id-Number: ...), for `scan_document`."""
    doc: dict[str, Any] = {}
    custom: dict[str, list[str]] = {}
    for name, value in headers:
        lname = name.lower()
        if (lname.startswith("x-") and lname not in _PROTOCOL_HEADERS
                and not lname.startswith("x-residency-") and _DIGITS.search(value)):
            custom.setdefault(lname, []).append(value)
    if custom:
        doc["headers"] = custom
    segments = [s for s in path.split("/") if _DIGITS.search(s)]
    if segments:
        doc["path"] = segments
    if query:
        params: dict[str, list[str]] = {}
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            params.setdefault(name, []).append(value)
        doc["query"] = params
    return doc


def redact_path(path: str) -> str:
    """The request path as records and logs may show it: segments that could be identifiers
    become `{redacted}`."""
    return "/".join("{redacted}" if _DIGITS.search(s) else s for s in path.split("/"))


def scan_document(
    document: Any,
    *,
    key: bytes,
    today: dt.date,
    resident_ids: bool = True,
    phones: bool = True,
) -> PayloadScan:
    """Find resident IDs and phone numbers anywhere in a parsed document."""
    ids: list[IdFinding] = []
    found_phones: list[PhoneFinding] = []
    for path, text in _walk(document, "$", 0):
        if resident_ids and len(text) == 18:
            parsed = parse_resident_id(text, today=today)
            if parsed is not None:
                alias = pseudonymise(key, "resident_id", parsed.normalized)
                subject = Subject("resident_id", alias)
                ids.append(IdFinding(path, parsed.area_jurisdiction, parsed.birth_date, subject))
                continue
        if phones and 8 <= len(text) <= 26:
            phone = parse_phone(text)
            if phone is not None:
                subject = Subject("phone", pseudonymise(key, "phone", phone.e164))
                found_phones.append(PhoneFinding(path, phone.region, phone.mobile, subject))
    return PayloadScan(inspected=True, ids=tuple(ids), phones=tuple(found_phones))


def inspect_complete(kind: str, body: bytes, content_type: str, *, key: bytes, today: dt.date,
                     resident_ids: bool = True, phones: bool = True) -> PayloadScan:
    """Parse and scan a whole inspectable body; malformed content is an error, never a pass."""
    if not body:
        return PayloadScan(True, note=f"empty {kind} body")
    try:
        scan = scan_document(parse_body(kind, body, content_type), key=key, today=today,
                             resident_ids=resident_ids, phones=phones)
    except PayloadError as exc:
        return PayloadScan(False, note=str(exc), error=Reason.MALFORMED_PAYLOAD)
    return replace(scan, note=f"{kind} body inspected ({len(body)} bytes)")


def may_hold_identifier(text: str) -> bool:
    """Seven digits in a row could be part of an ID or phone number."""
    return _DIGITS.search(text) is not None


def scan_request_line(path: str, query: str, *, key: bytes, today: dt.date,
                      headers: Iterable[tuple[str, str]] = (), resident_ids: bool = True,
                      phones: bool = True) -> PayloadScan:
    """Identifiers in the path, query string or custom headers are signals like those in a
    body."""
    doc = request_line_document(path, query, headers)
    if not doc:
        return PayloadScan(False)
    scan = scan_document(doc, key=key, today=today, resident_ids=resident_ids, phones=phones)
    return PayloadScan(False, scan.ids, scan.phones)


def scan_json(body: bytes, **options: Any) -> PayloadScan:
    """Scan a JSON body. Raises PayloadError if it does not parse."""
    return scan_document(parse_json(body), **options)
