"""Red team round 15, the classes read in payload.py: a local number under an RFC 3966
phone-context, EMVCo QR payloads (PayNow, QRIS, JPQR) whose fields are tag and length digits
glued to their values. Each class with more spellings than the round's own, and the guards
that keep ordinary text clean."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import line_found

MOBILE = "13912345678"
ID = "110101199003071233"
JSON = "application/json"
TEXT = "text/plain"


def j(key: str, value: object) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# tel: and SIP URIs with a numeric phone-context

@pytest.mark.parametrize(("body", "content_type"), [
    (j("contact", "tel:1234-5678;phone-context=+86-139"), JSON),
    ("<sip:1234-5678;phone-context=+86-139@ims.example.com;user=phone>", TEXT),
    ("tel:5678;ext=1;PHONE-CONTEXT=+86 139 1234", TEXT),
    (j("c", "tel%3A1234-5678%3Bphone-context%3D%2B86-139"), JSON),
    ("tel:(1234).5678;isub=7;phone-context=+86.139", TEXT),
])
def test_a_local_number_under_a_numeric_context_is_read_whole(body, content_type):
    assert "mobile" in found(body, content_type)


def test_the_context_is_read_in_the_query_and_headers():
    assert "mobile" in line_found("/c", "to=tel:1234-5678;phone-context=%2B86-139")
    assert "mobile" in line_found("/", "", [("P-Called-Party-ID",
                                             "<tel:12345678;phone-context=+86139>")])


@pytest.mark.parametrize("body", [
    "tel:1234-5678;phone-context=+65-6",  # Singapore
    "tel:1234-5678;phone-context=example.com",  # a domain context
    "tel:+6561234567;phone-context=+86",  # (a global number takes no context)
    "see sections 3;phone-context=+86 of the RFC",
])
def test_other_contexts_stay_clean(body):
    assert not found(body, TEXT)
