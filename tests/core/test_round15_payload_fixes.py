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


# ---------------------------------------------------------------------------------------------
# EMVCo QR payloads: every field a two-digit tag and length glued to its value

def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def qr(*fields: str) -> str:
    return tlv("00", "01") + tlv("01", "12") + "".join(fields) + "6304ABCD"


SG_PAYNOW = tlv("26", tlv("00", "SG.PAYNOW") + tlv("01", "2") + tlv("02", "201234567K")
                + tlv("03", "0"))
ID_QRIS = tlv("26", tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "9360001234567890123")
              + tlv("02", "ID1020000000001") + tlv("03", "UMI"))
COMMON = tlv("52", "5411") + tlv("53", "360") + tlv("54", "139123.00") + tlv("58", "ID")
MERCHANT = tlv("59", "Toko Sumber Rejeki") + tlv("60", "Jakarta") + tlv("61", "12340")


@pytest.mark.parametrize(("payload", "kind"), [
    (qr(tlv("26", tlv("00", "SG.PAYNOW") + tlv("01", "0") + tlv("02", "+86" + MOBILE)),
        COMMON), "mobile"),
    (qr(tlv("26", tlv("00", "SG.PAYNOW") + tlv("01", "0") + tlv("02", "86" + MOBILE)),
        COMMON), "mobile"),
    (qr(ID_QRIS, COMMON, MERCHANT, tlv("62", tlv("02", MOBILE) + tlv("07", "A01"))), "mobile"),
    (qr(COMMON, tlv("62", tlv("06", ID))), "id"),
    (qr(COMMON, tlv("64", tlv("00", "ZH") + tlv("01", "张三") + tlv("02", MOBILE))), "mobile"),
    (qr(COMMON, tlv("80", tlv("00", "jp.example") + tlv("01", ID))), "id"),
    # (a template whose declared length runs past its fields: what parses, then the rest)
    (qr(tlv("26", tlv("00", "SG.PAYNOW") + tlv("02", "+86" + MOBILE) + "03"), COMMON),
     "mobile"),
], ids=["paynow-plus86", "paynow-86", "qris-additional-data", "additional-data-id",
        "language-template", "unreserved-template", "lenient-template"])
def test_emv_qr_values_are_read_apart(payload, kind):
    assert kind in found(j("qr", payload))
    assert kind in found(payload, TEXT)
    assert kind in line_found("/pay", "qr=" + payload)


@pytest.mark.parametrize("payload", [
    qr(SG_PAYNOW, COMMON.replace("ID", "SG"), tlv("59", "Example Pte"), tlv("60", "Singapore")),
    qr(ID_QRIS, COMMON, MERCHANT),
    qr(ID_QRIS, COMMON, MERCHANT, tlv("62", tlv("01", "INV-2026-1129") + tlv("07", "T0001"))),
])
def test_ordinary_payment_qr_codes_stay_clean(payload):
    assert not found(j("qr", payload))


# ---------------------------------------------------------------------------------------------
# Chunked coding inside an HTTP message carried in the body

def chunks(*pieces: str, eol: str = "\r\n", ext: str = "") -> str:
    return "".join(f"{len(p.encode()):X}{ext}{eol}{p}{eol}" for p in pieces) + f"0{eol}{eol}"


@pytest.mark.parametrize(("body", "content_type"), [
    ("POST /u HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\nHost: a\r\n\r\n"
     + chunks("tel 139", "1234", "5678"), "message/http"),
    ("POST /u HTTP/1.1\ntransfer-encoding: gzip, chunked\n\n"
     + chunks("tel 1391", "2345678", eol="\n"), "message/http"),
    ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     + chunks("id 1101011990", "03071233", ext=";name=x"), TEXT),
    (j("captured", "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
       + chunks("ph 1391", "2345678")), JSON),
    ("--b\r\nContent-Type: application/http\r\n\r\nPOST /a HTTP/1.1\r\nTransfer-Encoding: "
     "chunked\r\n\r\n" + chunks("x") + "\r\n--b\r\nContent-Type: application/http\r\n\r\n"
     "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks("ph 139", "12345678")
     + "\r\n--b--\r\n", "multipart/mixed; boundary=b"),
], ids=["upper-case-three-chunks", "lf-only", "extension", "json-string", "second-part"])
def test_chunked_messages_in_the_body_are_read_dechunked(body, content_type):
    kind = "id" if "id 1101" in body else "mobile"
    assert kind in found(body, content_type)


def test_a_chunked_message_of_ordinary_numbers_stays_clean():
    body = ("POST /orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunks('{"qty": 12, ', '"sku": "A-1391", ', '"total": 2345}'))
    assert not found(body, "message/http")


def test_a_gzip_body_in_chunks_inside_a_batch_part_is_read():
    import gzip

    gz = gzip.compress(b"tel " + MOBILE.encode())
    part = (b"POST /u HTTP/1.1\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n" % 5 + gz[:5] + b"\r\n" + b"%x\r\n" % (len(gz) - 5) + gz[5:]
            + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
    body = (b"--b\r\nContent-Type: application/http\r\n\r\n" + part + b"\r\n--b--\r\n")
    assert "mobile" in found(body, "multipart/mixed; boundary=b")


@pytest.mark.parametrize("body", [
    "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot chunks at all\r\n",
    "POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nshort\r\n",
    "Transfer-Encoding: chunked\r\n\r\n" * 200,
])
def test_a_broken_chunked_message_is_read_as_it_is_and_never_refused(body):
    assert not found(body, "message/http")
    assert not found("--b\r\nContent-Type: application/http\r\n\r\n" + body + "\r\n--b--\r\n",
                     "multipart/mixed; boundary=b")


@pytest.mark.parametrize(("payload", "kind"), [
    (qr(COMMON, tlv("62", tlv("50", tlv("00", "id.dana") + tlv("01", tlv("01", MOBILE))))),
     "mobile"),  # three levels
    (qr(COMMON, tlv("26", tlv("00", "SG.PAYNOW") + tlv("05", tlv("01", ID)))), "id"),
    (qr(COMMON, "5915张三便利店" + tlv("60", "City") + tlv("62", tlv("02", MOBILE))), "mobile"),
    (qr(COMMON, "5912山田商店" + tlv("62", tlv("02", "+86" + MOBILE))), "mobile"),
], ids=["three-levels", "sub-template-id", "name-in-bytes", "name-in-bytes-plus"])
def test_emv_nested_templates_and_byte_lengths_are_read(payload, kind):
    assert kind in found(j("qr", payload))


# ---------------------------------------------------------------------------------------------
# Cookies split into numbered crumbs (round 16)

@pytest.mark.parametrize("names", [
    (".AspNetCore.Kyc", ".AspNetCore.KycC1", ".AspNetCore.KycC2", ".AspNetCore.KycC3"),
    ("__Secure-authjs.session-token", "__Secure-authjs.session-token.0",
     "__Secure-authjs.session-token.1", "__Secure-authjs.session-token.2"),
    ("s", "s_1", "s_2", "s_3"),  # (a chunk of a size: the first crumbs of 1 KB or more)
])
def test_crumbs_of_a_cookie_are_read_joined_in_order(names):
    import urllib.parse

    value = urllib.parse.quote(json.dumps({"name": "Zhang San" + " " * 2000, "idNo": ID}))
    a, b = value.index("1101") + 5, value.index("1101") + 12
    if names[0] == "s":  # (each crumb before the last at least 1 KB)
        a, b = value.index("1101") - 1200, value.index("1101") + 12
    head, c1, c2, c3 = names
    shuffled = f"{c3}={value[b:]}; {head}=chunks-3; {c1}={value[:a]}; x=1; {c2}={value[a:b]}"
    assert "id" in line_found("/", "", [("Cookie", shuffled)])
    # (HTTP/2 sends each cookie as a field of its own)
    fields = [("Cookie", part) for part in shuffled.split("; ")]
    assert "id" in line_found("/", "", fields)


def test_ordinary_numbered_cookies_stay_clean():
    cookie = "_ga=GA1.1.139123; _ga_1=GS1.1.4567; _gid=GA1.2.8; ab_1=1; ab_2=2; ab_3=3"
    assert not line_found("/", "", [("Cookie", cookie)])


# ---------------------------------------------------------------------------------------------
# A phone stored as an object of parts, in any key order (round 17: sorted keys put area_code
# before country_code before number)

@pytest.mark.parametrize("body", [
    {"area_code": "139", "country_code": "86", "number": "12345678"},
    {"phone": {"areaCode": "139", "countryCode": "+86", "number": "1234 5678"}},
    {"line": "12345678", "prefix": "139"},
    {"号码": "12345678", "号段": "139", "国家代码": "86"},
])
def test_phone_objects_are_read_in_their_roles_order(body):
    assert "mobile" in found(json.dumps(body, sort_keys=True, ensure_ascii=False))


@pytest.mark.parametrize("body", [
    {"area_code": "139", "country_code": "65", "number": "12345678"},
    {"area_code": "139", "country_code": "62", "number": "12345678"},
    {"code": "139", "number": "12345678"},  # (no role: code of what?)
    {"postal_code": "139123", "number": "12", "country_code": "SG"},
])
def test_other_countries_phone_objects_and_other_objects_stay_clean(body):
    assert not found(json.dumps(body, sort_keys=True))


# ---------------------------------------------------------------------------------------------
# OCR results as lists of character or word objects with boxes (round 18)

@pytest.mark.parametrize("body", [
    {"chars": [{"text": c, "box": [10 * i, 5, 9, 12]} for i, c in enumerate("tel 13912345678")]},
    {"result": {"lines": [{"words": w, "bbox": [[40 * i, 0], [40 * i + 30, 0]]}
                          for i, w in enumerate(["tel", "139", "1234", "5678"])]}},
    {"items": [{"word": w, "location": {"left": x, "top": 9}}
               for w, x in (("5678", 300), ("tel", 10), ("1234", 200), ("139", 100))]},
])
def test_ocr_objects_are_read_in_order_and_from_the_left(body):
    assert "mobile" in found(json.dumps(body))


@pytest.mark.parametrize("body", [
    {"messages": [{"text": "hello"}, {"text": "139"}, {"text": "ok"}, {"text": "12345678"}]},
    {"words": [{"text": t, "box": [100 * i, 0, 50, 20]} for i, t in
               enumerate(["Total", "139", "Qty", "1234", "SKU", "5678"])]},
])
def test_ordinary_lists_of_text_objects_stay_clean(body):
    assert not found(json.dumps(body))
