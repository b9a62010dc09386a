"""The request-line memo (NothingSeen): texts read with nothing found are not read again, and
a request's outcome is the same with the memo as without it, whatever earlier requests put in
it (an identifier split between a remembered value and a new one, the same value under
another header, another day, other payload settings, a budget spent on remembered values)."""
import base64
import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residency_gateway.core.payload import NothingSeen, scan_request_line
from residency_gateway.core.values import Reason

KEY = b"k" * 32
MEMO_KEY = b"m" * 32  # the digests' key (the gateway draws one per process)
TODAY = dt.date(2026, 11, 29)
ID = "110101199003071233"


def scan(path="/v1/face/compare", query="", headers=(), memo=None, **kw):
    return scan_request_line(path, query, key=KEY, today=kw.pop("today", TODAY),
                             headers=list(headers), memo=memo, **kw)


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


JWT = (_b64({"alg": "RS256", "typ": "JWT"}) + "." + _b64({"sub": "user-5f3a9c", "iat": 1764460800})
       + "." + base64.urlsafe_b64encode(bytes(range(200))).rstrip(b"=").decode())
BROWSER = [
    ("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                   "Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36"),
    ("Accept", "application/json, text/plain, */*"),
    ("Accept-Language", "en-SG,en;q=0.9,zh-CN;q=0.8"),
    ("Cookie", "_ga=GA1.2.1234567890.1764460800; session="
               + base64.b64encode(bytes(range(48))).decode()),
    ("Authorization", "Bearer " + JWT),
]


def test_ordinary_headers_are_remembered_and_not_read_again():
    memo = NothingSeen(MEMO_KEY)
    assert scan(headers=BROWSER, memo=memo) == scan(headers=BROWSER)
    remembered = len(memo)
    assert remembered >= len(BROWSER)  # each value (and the path) read once, nothing found
    assert scan(headers=BROWSER, memo=memo) == scan(headers=BROWSER)
    assert len(memo) == remembered  # the second request added nothing: every text was a hit


def test_memo_holds_no_header_value():
    memo = NothingSeen(MEMO_KEY)
    scan(headers=BROWSER, memo=memo)
    held = b"".join(memo._seen)  # digests only
    for _, value in BROWSER:
        assert value.encode()[:16] not in held
    assert all(len(d) == 16 for d in memo._seen)


def test_values_with_an_identifier_are_never_remembered():
    memo = NothingSeen(MEMO_KEY)
    for _ in range(2):
        found = scan(headers=[("X-Customer", ID), *BROWSER], memo=memo)
        assert [f.area_jurisdiction for f in found.ids] == ["CN"]
    assert found == scan(headers=[("X-Customer", ID), *BROWSER])


def test_identifier_split_between_a_remembered_value_and_a_new_one():
    memo = NothingSeen(MEMO_KEY)
    # Each part alone is clean and is remembered...
    assert not scan(headers=[("X-Id-A", "110101")], memo=memo).ids
    assert not scan(headers=[("X-Id-B", "19900307")], memo=memo).ids
    assert not scan(headers=[("X-Id-C", "1233")], memo=memo).ids
    # ...but side by side they are read joined, as without the memo.
    split = [("X-Id-A", "110101"), ("X-Id-B", "19900307"), ("X-Id-C", "1233")]
    assert scan(headers=split, memo=memo).ids
    assert scan(headers=split, memo=memo) == scan(headers=split)
    cookies = [("Cookie", "a=110101"), ("Cookie", "b=19900307"), ("Cookie", "c=1233")]
    for c in cookies:
        scan(headers=[c], memo=memo)
    assert scan(headers=cookies, memo=memo).ids
    # In the query: repeated parameters read as one list.
    scan(query="id=110101", memo=memo)
    assert scan(query="id=110101&id=19900307&id=1233", memo=memo).ids


def test_same_text_in_the_path_and_in_a_header_is_read_as_each():
    # A path is read with ';,:=' as separators (matrix parameters); a header value is not:
    # the text remembered as a clean header must not stand for the same text as a path.
    memo = NothingSeen(MEMO_KEY)
    for sep in ";,:=":
        text = f"/x{sep}139{sep}1234{sep}5678"
        as_header = scan(path="/", headers=[("X-Ref", text)], memo=memo)
        assert not as_header.phones and as_header == scan(path="/", headers=[("X-Ref", text)])
        as_path = scan(path=text, memo=memo)
        assert as_path.phones and as_path == scan(path=text)


def test_memo_is_per_day_and_per_payload_settings():
    memo = NothingSeen(MEMO_KEY)
    young = "110101202612011233"  # born 2026-12-01: not yet born on TODAY, a child after
    young = young[:17] + _check(young[:17])
    before = scan(headers=[("X-Ref", young)], memo=memo)
    assert not before.ids
    after = scan(headers=[("X-Ref", young)], memo=memo, today=dt.date(2026, 12, 2))
    assert after.ids and after == scan(headers=[("X-Ref", young)], today=dt.date(2026, 12, 2))
    # Phones off: a mobile is not a finding and the value is remembered; phones on: found.
    mobile = [("X-Contact", "13912345678")]
    assert not scan(headers=mobile, memo=memo, phones=False).phones
    assert scan(headers=mobile, memo=memo).phones


def _check(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def test_remembered_work_still_counts_against_the_budget():
    # A value that is costly to read: read once it is remembered with its cost, and a request
    # repeating it past the inspection budget is refused as too complex with or without it.
    costly = " ".join(["1 2 3 4 5 6 7 8 9 0"] * 20)
    memo = NothingSeen(MEMO_KEY)
    one = scan(headers=[("X-Note", costly)], memo=memo)
    assert one.error is None
    (cost,) = [c for _, c in memo._seen.values() if c > 0]
    many = [(f"X-Note-{i}", costly) for i in range(2_000_000 // cost + 2)]
    cold = scan(headers=many)
    assert cold.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert scan(headers=many, memo=memo) == cold
    assert scan(headers=many, memo=memo) == cold


def test_memo_is_bounded_oldest_first():
    memo = NothingSeen(MEMO_KEY, size=8)
    for i in range(50):
        scan(headers=[("X-Seq", f"value-{i}")], memo=memo)
    assert len(memo) == 8
    # The newest value is still remembered: scanning it again adds nothing.
    scan(headers=[("X-Seq", "value-49")], memo=memo)
    assert len(memo) == 8


PARTS = ["110101", "19900307", "1233", "139", "1234", "5678", "13912345678", ID,
         "+86 139 1234 5678", "one three nine one two three four five six seven eight",
         base64.b64encode(f"user:{ID}".encode()).decode(), "en-SG,en;q=0.9", "gzip, br",
         "GA1.2.1234567890.1764460800", JWT, "session=abc%31%31%30%31%30%31", "1764460800",
         "Mozilla/5.0 (X11; Linux x86_64)", "=?utf-8?B?MTEwMTAxMTk5MDAzMDcxMjMz?=", "x"]
NAMES = ["X-Id-A", "X-Id-B", "Cookie", "User-Agent", "Authorization", "X-Ref", "Referer"]


@st.composite
def request_lines(draw):
    headers = draw(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(PARTS)),
                            max_size=5))
    path = "/" + "/".join(draw(st.lists(st.sampled_from([*PARTS[:8], "v1", "ids"]),
                                        max_size=3)))
    query = "&".join(f"id={p}" for p in draw(st.lists(st.sampled_from(PARTS[:8]), max_size=3)))
    return path, query, headers


SHARED = NothingSeen(MEMO_KEY, size=64)  # across examples: what earlier requests left behind


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(request_lines())
def test_outcome_with_a_shared_memo_equals_outcome_without(line):
    path, query, headers = line
    expected = scan(path, query, headers)
    assert scan(path, query, headers, memo=SHARED) == expected
    assert scan(path, query, headers, memo=SHARED) == expected
