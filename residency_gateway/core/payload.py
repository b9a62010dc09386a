"""Inspect a JSON request body for signals of origin: resident ID numbers and phone numbers.

Walks every string (and integer, for IDs/phones stored as numbers) in the document. Returns
findings with JSON paths and keyed pseudonyms; the raw values never leave this module.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

from residency_gateway.core.idnumber import parse_resident_id
from residency_gateway.core.phones import parse_phone
from residency_gateway.core.pseudonym import pseudonymise
from residency_gateway.core.values import IdFinding, PayloadScan, PhoneFinding, Subject

MAX_DEPTH = 64


class PayloadError(ValueError):
    """The body claims to be JSON but is not, or is too deep to inspect safely."""


def _walk(node: Any, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        raise PayloadError("JSON nesting deeper than 64 levels")
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if _plain(key) else f"{path}[{key!r}]"
            yield from _walk(value, child, depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]", depth + 1)
    elif isinstance(node, str):
        yield path, node.strip()
    elif isinstance(node, int) and not isinstance(node, bool):
        yield path, str(node)


def _plain(key: str) -> bool:
    return key.isidentifier()


def inspectable_kind(content_type: str) -> str | None:
    """"json" or "form" for bodies the gateway inspects, None for those it streams."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json" or (ctype.startswith("application/")
                                       and ctype.endswith("+json")):
        return "json"
    if ctype == "application/x-www-form-urlencoded":
        return "form"
    return None


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


def scan_json(body: bytes, **options: Any) -> PayloadScan:
    """Scan a JSON body. Raises PayloadError if it does not parse."""
    return scan_document(parse_json(body), **options)
