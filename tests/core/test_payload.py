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


def multipart(fields, files=(), boundary="XyZ"):
    out = b""
    for name, value, ctype in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n"
                + (f"Content-Type: {ctype}\r\n" if ctype else "") + "\r\n").encode()
        out += value + b"\r\n"
    for name, filename, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_multipart_fields_are_scanned_and_files_skipped():
    from residency_gateway.core.payload import parse_multipart

    body, ctype = multipart([("id_number", ADULT_ID.encode(), None),
                             ("meta", json.dumps({"tel": CN_MOBILE}).encode(), "application/json")],
                            files=[("face", "face.jpg", b"\xff\xd8" + ADULT_ID.encode())])
    doc = parse_multipart(body, ctype)
    assert set(doc) == {"id_number", "meta"}
    scan = scan_document(doc, key=KEY, today=TODAY)
    assert [f.path for f in scan.ids] == ["$.id_number[0]"]
    assert [p.path for p in scan.phones] == ["$.meta[0].tel"]


@pytest.mark.parametrize(("body", "ctype"), [
    (b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx", "multipart/form-data; boundary=XyZ"),
    (b"no boundary here", "multipart/form-data"),
    (b"--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Type: application/json\r\n\r\n{bad"
     b"\r\n--XyZ--\r\n", "multipart/form-data; boundary=XyZ"),
])
def test_malformed_multipart_is_an_error(body, ctype):
    from residency_gateway.core.payload import parse_multipart

    with pytest.raises(PayloadError):
        parse_multipart(body, ctype)
