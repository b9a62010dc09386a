"""Red team of the request-line memo (NothingSeen): long random sequences of requests through
one shared memo, each result compared with a scan without any memo; and the inputs found
where they differ.

Found (and fixed: the memo keeps the lowest budget level a reading demanded, and refuses a
hit when less is left; scanner.Budget.floor): the scanner refuses a run *before* listing its groups when `groups * 4` exceeds what
the budget has left (scanner._tokens, "refused before its groups are listed"), even when the
run would then cost less (one unbroken number costs 1, a dotted quad 0, digits before a UUID
fewer than 8: 0). So a text's cost read cold depends on how much budget is left, while the
memo charges the cost recorded when it was read with plenty left: a request that spends its
budget to within a few units and then carries a remembered "192.168.100.200" or
"10000000000" was too complex without the memo and passed with it. Also found: a percent
escape beside an undecodable request byte ("%31" + 0xB3, kept by the HTTP parser as a
surrogate escape) raised UnicodeEncodeError in the percent decoding (a 500), memo or not."""
import base64
import datetime as dt
import functools
import random

import pytest

import residency_gateway.core.payload as payload
from residency_gateway.core.payload import NothingSeen
from residency_gateway.core.values import Reason
from tests.core.test_line_memo import ID, JWT, MEMO_KEY, TODAY, _b64
from tests.core.test_line_memo import scan as _scan


def scan(path="/", query="", headers=(), memo=None, **kw):
    return _scan(path, query, headers, memo, **kw)
JWT_ID = (_b64({"alg": "HS256"}) + "." + _b64({"sub": "139", "nat": "19900307"}) + "."
          + "c2lnbmF0dXJl")

# -- the found inputs ----------------------------------------------------------------------

FILLER = " ".join(["1 2 3 4 5 6 7 8 9 0"] * 400)  # one run of 4000 groups: 16000 units


def _spent_to(left: int) -> list[tuple[str, str]]:
    """Headers whose reading spends the budget (2,000,000) down to `left` units, none of them
    holding anything (the fine part first: its single numbers are refused early once the
    budget is nearly spent, the filler's runs only when spend would refuse them too)."""
    units = 2_000_000 - left
    fine = units % 16000
    return [("X-T", "a10000000000 " * fine)] + [(f"X-F{i}", FILLER) for i in range(units // 16000)]


@pytest.mark.parametrize("last", ["192.168.100.200",  # a dotted quad: costs 0
                                  "10000000000"])  # one unbroken number: costs 1
def test_remembered_text_read_at_the_end_of_the_budget(last):
    full = [*_spent_to(2), ("X-Forwarded-Host-Ip", last)]
    cold = scan(headers=full)
    memo = NothingSeen(MEMO_KEY)
    assert scan(headers=[("X-Forwarded-Host-Ip", last)], memo=memo) == scan(
        headers=[("X-Forwarded-Host-Ip", last)])  # nothing found: remembered
    warm = scan(headers=full, memo=memo)
    # Without the memo the request is too complex; with it, it passes.
    assert cold.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert warm == cold


def test_one_request_with_a_fresh_memo():
    # No earlier request at all: the query string is read first (and remembered), the same
    # text as the last header is then a hit, where without the memo it is refused.
    full = [*_spent_to(2), ("X-Ip", "192.168.100.200")]
    cold = scan(query="192.168.100.200", headers=full)
    assert cold.error == Reason.PAYLOAD_TOO_COMPLEX_TO_INSPECT
    assert scan(query="192.168.100.200", headers=full, memo=NothingSeen(MEMO_KEY)) == cold


@pytest.mark.parametrize("value", ["%31\udcb3", "1%32%33%33%20\udcb3\udcf6"])
def test_percent_escape_beside_a_non_utf8_byte(value):
    # Not the memo's: a header value with a percent escape and a byte that is not UTF-8 (as
    # aiohttp hands it over, surrogate-escaped) raises UnicodeEncodeError from
    # urllib.parse.unquote_to_bytes in payload._decodings, with or without a memo.
    assert scan(headers=[("X-Ref", value)]).error is None


# -- random sequences ----------------------------------------------------------------------

PARTS = ["110101", "19900307", "1233", "139", "1234", "5678", "13912345678", ID, "1101011990",
         "0307123", "3", "+86", "+86 139", "1234 5678", "139-1234-5678", "(+86)013912345678",
         "one three nine", "one two three four five six seven eight", "yi san jiu",
         "一三九一二三四五六七八", "１３９１２３４５６７８",
         base64.b64encode(f"user:{ID}".encode()).decode(),
         base64.b64encode(b"110101").decode(), base64.b64encode(b"19900307").decode(),
         "%31%31%30%31%30%31", "%31%39%39%30%30%33%30%37", "1%32%33%33",
         "=?utf-8?B?MTEwMTAxMTk5MDAzMDcxMjMz?=", "=?utf-8?Q?139=201234?=",
         "=?gb2312?B?" + base64.b64encode("１３９".encode("gb2312")).decode() + "?=",
         "attachment; filename*=utf-8''139%201234%205678", "x*0=139; x*1=12345678",
         "\\u0031\\u0033\\u0039", "&#49;&#51;&#57;12345678", "1&#x33;912345678",
         "139\u200b1234\u200b5678", "\u202e8765432193", b"13912345678".hex(),
         JWT, JWT_ID, "session=" + base64.b64encode(bytes(range(48))).decode(),
         "_ga=GA1.2.1234567890.1764460800", "1764460800", "192.168.100.200", "10000000000",
         "550e8400-e29b-41d4-a716-446655440000", "en-SG,en;q=0.9", "gzip, br",
         "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.6778.39", "ID:", "tel:", "phone ",
         "身份证", "手机", "x", "", " ", ",", ";", "a=", "1 2 3 4 5 6 7 8 9 0",
         "\udcb3\udcf6", "\udca3\udcb1\udca3\udcb3\udca3\udcb9",  # GBK fullwidth "１３９"
         "\udced\udcb3\udcb3", "20261201", "1101012026120112", "110101202612011233"]
NAMES = ["X-Id-A", "X-Id-B", "X-Id-C", "Cookie", "cookie", "User-Agent", "Authorization",
         "X-Ref", "Referer", "Content-Disposition", "X-Phone", "X-Tenant", "X-Api-Key",
         "X-Residency-Note", "X-110101", "Accept", "Subject", "X-Ref*"]
SEGMENTS = ["v1", "ids", "users", ";id=", ":", ",", "=", "%2F"]


def _value(rng: random.Random) -> str:
    n = rng.choice((1, 1, 1, 2, 2, 3))
    sep = rng.choice(("", "", " ", "-", ",", ";", "; ", "=", ":", "/", "&", "+", "%20"))
    return sep.join(rng.choice(PARTS) for _ in range(n))


def _request(rng: random.Random) -> tuple[str, str, list[tuple[str, str]]]:
    path = "/" + rng.choice(("", "/", ";", ":", ",", "=")).join(
        rng.choice(PARTS[:12] + SEGMENTS) for _ in range(rng.randrange(0, 4)))
    params = []
    for _ in range(rng.randrange(0, 5)):
        name = rng.choice(("id", "id[]", "id[0]", "id[1]", "id[2]", "q", "phone", "i%64"))
        params.append(f"{name}={_value(rng)}")
    query = rng.choice(("&", ";", "&&")).join(params)
    headers = [(rng.choice(NAMES), _value(rng)) for _ in range(rng.randrange(0, 7))]
    return path, query, headers


def _settings(rng: random.Random) -> dict:
    return {"today": rng.choice((TODAY, TODAY, TODAY, dt.date(2026, 12, 2))),
            "resident_ids": rng.random() > 0.1, "phones": rng.random() > 0.1,
            "skip_headers": rng.choice(((), (), ("X-Tenant", "X-Api-Key"), ("Cookie",)))}


def _small_budget(monkeypatch, units: int) -> None:
    # The claim holds for any budget: a small one puts the budget's edge within reach of
    # ordinary requests (the inner base64 reading takes no budget from these options).
    monkeypatch.setattr(payload, "InspectOptions",
                        functools.partial(payload.InspectOptions, budget=units))


def _outcome(path, query, headers, memo, kw):
    try:
        return scan(path, query, headers, memo=memo, **kw)
    except Exception as exc:
        return type(exc).__name__


def _run(seed: int, requests: int, memo: NothingSeen) -> list:
    rng = random.Random(seed)
    history: list = []
    failures = []
    for _ in range(requests):
        if history and rng.random() < 0.3:
            path, query, headers, kw = rng.choice(history)  # the same request again
            headers = headers[:]
            rng.shuffle(headers)
        else:
            path, query, headers = _request(rng)
            kw = _settings(rng)
            history.append((path, query, headers, kw))
            history = history[-50:]
        expected = _outcome(path, query, headers, None, kw)
        got = _outcome(path, query, headers, memo, kw)
        if got != expected:
            failures.append((path, query, headers, kw, expected, got))
    return failures


@pytest.mark.parametrize("seed", range(2))
def test_random_sequences_through_one_shared_memo(seed):
    failures = _run(seed, 1500, NothingSeen(MEMO_KEY, size=rng_size(seed)))
    assert not failures, failures[:3]


def rng_size(seed: int) -> int:
    return (16384, 64, 8, 1)[seed % 4]


@pytest.mark.parametrize("units", [30, 60, 200, 1000])
def test_random_sequences_at_the_budget_edge(monkeypatch, units):
    _small_budget(monkeypatch, units)
    failures = _run(100 + units, 1500, NothingSeen(MEMO_KEY, size=256))
    assert not failures, failures[:3]
