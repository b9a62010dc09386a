"""Red-team round 3: ordinary non-Chinese KYC traffic that today's readings (joined fields,
joined headers/target views, said digits, right-to-left override) read as holding a mainland
identifier, where the scanner before them (e90a70a) found none. A false positive sends a
customer's data to China: each of these must find nothing."""
import datetime as dt

from residency_gateway.core.payload import inspect_body, scan_request_line

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def _mainland(scan) -> bool:
    return bool(scan.ids) or any(p.jurisdiction == "CN" for p in scan.phones)


def body(text: str, content_type: str = "application/json") -> bool:
    return _mainland(inspect_body(text.encode(), content_type=content_type, key=KEY,
                                  today=TODAY))


def line(path: str, query: str = "", headers=()) -> bool:
    return _mainland(scan_request_line(path, query, key=KEY, today=TODAY, headers=headers))


def test_us_phone_in_a_header_beside_another_numeric_header_is_not_a_mainland_mobile():
    # joined headers view decoded `+` as a space; the header name gave the phone word
    assert not line("/v1/ocr", headers=[("X-Phone", "+1 (325) 935-3974"),
                                        ("X-Client-Seq", "654")])


def test_year_of_an_iso_timestamp_does_not_end_an_id_joined_over_fields():
    assert not body('{"postcode": "617678", "dob": "19640911", '
                    '"created": "2025-10-07T15:35:09.463Z"}')


def test_first_group_of_a_dashed_account_does_not_end_a_first_generation_id():
    assert not body('{"customer_id": "6247", "order_no": "235966620112", '
                    '"account": "780-522-9174"}')


def test_imei_after_another_fields_id_key_is_not_a_first_generation_id():
    assert not line("/v1/liveness", "request_id=4001394711019055247&device_imei=355271550418177")


def test_unclosed_override_in_one_json_value_does_not_reverse_the_next_fields():
    assert not body('{"ref": "\u202e196008051426", "p": "08001194741"}')


def test_numbers_and_said_words_in_prose_are_not_glued_into_one_number():
    assert not body('{"note": "telepon six. 51893 eight 20041219 five: seven four"}')


def test_rest_resource_id_then_date_and_pin_in_the_query_is_not_an_id():
    assert not line("/users/439731/kyc", "created=20051225&pin=0685")
