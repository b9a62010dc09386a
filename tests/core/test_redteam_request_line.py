"""Red team, the request line: identifiers a receiving framework reassembles from repeated
query parameters, repeated headers and base64 credentials."""
import base64
import datetime as dt

from residency_gateway.core.payload import scan_request_line

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"


def line(path: str, query: str = "", headers: list[tuple[str, str]] | None = None) -> bool:
    scan = scan_request_line(path, query, key=KEY, today=TODAY, headers=headers or [])
    return bool(scan.ids
                or [p for p in scan.phones if p.jurisdiction == "CN"])


# -- repeated query parameters, as frameworks group them ------------------------------------

def test_repeated_parameter_with_other_parameters_between():
    # Express/qs, Django getlist, Rails, Go url.Values: id = [110101, 19900307, 1233];
    # Spring binds it to a String as "110101,19900307,1233".
    assert line("/x", "id=110101&page=2&id=19900307&lang=en&id=1233")


def test_indexed_array_parameters_out_of_order():
    assert line("/x", "id[2]=1233&id[0]=110101&id[1]=19900307")
    assert line("/x", "id%5B2%5D=1233&id%5B0%5D=110101&id%5B1%5D=19900307")


# -- repeated headers, as the receiver joins them -------------------------------------------

def test_cookie_sent_as_several_fields():
    # HTTP/2 sends one cookie per field; servers join them with "; ".
    assert line("/x", "", [("Cookie", "a=110101"), ("Cookie", "b=19900307"),
                           ("Cookie", "c=1233")])


# -- base64 whose digits encode to no digit ------------------------------------------------

def test_basic_auth_password_is_an_id():
    token = base64.b64encode(f"user:{ID}".encode()).decode()
    assert not any(c.isdigit() for c in token)  # the shape the old filter skipped
    assert line("/x", "", [("Authorization", f"Basic {token}")])


def test_base64url_value_two_bytes_before_the_id():
    for prefix in ("ab", "u:", "user:"):
        token = base64.urlsafe_b64encode(f"{prefix}{ID}".encode()).decode().rstrip("=")
        assert line("/x", f"t={token}"), prefix
        assert line("/x", "", [("X-Token", token)]), prefix


# -- what stays clean -------------------------------------------------------------------------

def test_repeated_ordinary_parameters_are_clean():
    assert not line("/v1/items", "page=2&per_page=50&page=3")
    assert not line("/v1/items", "ids=110105&ids=123456&ids=789012&ids=345678")
    assert not line("/v1/events", "ts=1732838400&ts=1732838401&ts=1732838402")
    assert not line("/v1/items", "id[]=42&id[]=1234567&id[]=20240101&id[]=5")
    assert not line("/users/439731/kyc", "created=20051225&created=20051226&pin=0685")


def test_repeated_ordinary_headers_are_clean():
    assert not line("/x", "", [("Cookie", "sid=8f2a9c41d3"), ("Cookie", "ts=1732838400"),
                               ("Cookie", "theme=dark")])
    assert not line("/x", "", [("Accept", "application/json"), ("Accept", "text/plain")])
    assert not line("/x", "", [("X-Retry", "2"), ("X-Retry", "20240101"), ("X-Retry", "17")])


def test_camel_case_tokens_without_digits_stay_clean():
    assert not line("/x", "", [("X-Client", "MyApplicationClientVersionString")])
    assert not line("/x", "", [("Authorization",
                                "Basic " + base64.b64encode(b"alice:CorrectHorseBattery").decode())])
    assert not line("/x", "", [("Authorization",
                                "Basic " + base64.b64encode(b"user:20240101").decode())])


def test_base64_at_every_alignment_in_credentials_cookies_and_query():
    import urllib.parse
    for number in (ID, "13912345678", "110101900307123", "44030419851231002X"):
        for prefix in ("", "a", "ab", "abc:", "user:", '{"id":"'):
            raw = (prefix + number).encode()
            for token in (base64.b64encode(raw).decode(),
                          base64.urlsafe_b64encode(raw).decode().rstrip("=")):
                assert line("/x", "", [("Authorization", f"Basic {token}")]), (prefix, number)
                assert line("/x", "", [("Cookie", "s=" + urllib.parse.quote(token))])
                assert line("/x", "t=" + urllib.parse.quote(token)), (prefix, number)
