"""Payload inspection: IDs and phones found anywhere, reported by path and pseudonym only."""

import datetime as dt
import json

import pytest

from residency_gateway.core.payload import PayloadError, parse_form, scan_document, scan_json
from residency_gateway.core.pseudonym import pseudonymise
from tests.helpers import ADULT_ID, CN_MOBILE

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def test_finds_nested_id_and_phone_with_paths_and_pseudonyms_only():
    body = json.dumps({"applicant": {"id_number": ADULT_ID, "contacts": [{"tel": CN_MOBILE}]},
                       "image": "aGVsbG8="}).encode()
    scan = scan_json(body, key=KEY, today=TODAY)
    assert [f.path for f in scan.ids] == ["$.applicant.id_number"]
    assert [p.path for p in scan.phones] == ["$.applicant.contacts[0].tel"]
    assert scan.ids[0].subject.pseudonym == pseudonymise(KEY, "resident_id", ADULT_ID)
    assert ADULT_ID not in repr(scan) and "13912345678" not in repr(scan)


def test_pseudonyms_depend_on_the_tenant_key():
    a = scan_json(json.dumps([ADULT_ID]).encode(), key=KEY, today=TODAY)
    b = scan_json(json.dumps([ADULT_ID]).encode(), key=b"z" * 32, today=TODAY)
    assert a.ids[0].subject.pseudonym != b.ids[0].subject.pseudonym


def test_ids_stored_as_integers_are_found():
    number = int("440524188001010014")
    scan = scan_json(json.dumps({"n": number}).encode(), key=KEY, today=TODAY)
    assert len(scan.ids) == 1


def test_disabled_signal_kinds_are_not_scanned():
    doc = {"id": ADULT_ID, "tel": CN_MOBILE}
    scan = scan_document(doc, key=KEY, today=TODAY, resident_ids=False, phones=False)
    assert scan.ids == () and scan.phones == ()


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"a": 1', b"[" * 70 + b"]" * 70])
def test_malformed_or_too_deep_json_is_an_error_not_a_pass(body):
    with pytest.raises(PayloadError):
        scan_json(body, key=KEY, today=TODAY)


def test_form_bodies_are_scanned_too():
    doc = parse_form(f"name=x&idno={ADULT_ID}".encode())
    assert len(scan_document(doc, key=KEY, today=TODAY).ids) == 1
    with pytest.raises(PayloadError):
        parse_form(b"a=%ZZ&&=")
