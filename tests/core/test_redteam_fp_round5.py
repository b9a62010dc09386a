"""False positives of red-team round 5's encodings readings on non-mainland traffic (round 5)."""
from __future__ import annotations

import datetime as dt

import pytest

from residency_gateway.core.payload import inspect_body

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def cn(body: bytes, content_type: str = "application/json") -> set[str]:
    scan = inspect_body(body, content_type=content_type, key=KEY, today=TODAY)
    kinds = {"id" for i in scan.ids if getattr(i, "jurisdiction", None) == "CN"}
    return kinds | {"phone" for p in scan.phones if p.jurisdiction == "CN"}


# -- JSON numbers in scientific notation: rounded quantities are not identifiers ---------------

@pytest.mark.parametrize("body", [
    # Java's Double.toString of a round measurement (15 GHz, 18 GB) beside another double
    b'{"freqHz":1.5E10,"gain":1.3862913890144988E0}',
    b'{"a":1.8e10,"b":3.141593e0}',
    b'{"bandwidth":1.38E10,"snr":2.718281828E0}',
    # printf %e (six fraction digits, rounded): a byte counter, a rate
    b'{"bytes_total":1.576376e+10,"rate":7.570194e+00}',
    # numpy.savetxt / %.18e of a round value: trailing zeros, not digits
    b'{"v":1.380000000000000000e+10,"t":1.753040335517460413e+00}',
    b'{"v":1.500000000000000000e+10}',
    # Java's BigDecimal.stripTrailingZeros().toString(): a VND/IDR amount rounded to thousands
    b'{"currency":"VND","amount":1.5129E+10,"fee":6.9E+4,"fxRate":2.1484621E+4}',
])
def test_rounded_scientific_numbers_stay_quantities(body):
    assert cn(body) == set()


@pytest.mark.parametrize("body", [
    b'{"mobile":1.3912345678E10}', b'{"amount":1.391234567e10,"x":2.5e0}',
    b'{"v":1.5823401234e+10}',
])
def test_scientific_numbers_with_all_their_digits_still_read(body):
    assert "phone" in cn(body)
