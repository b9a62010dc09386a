"""Mainland resident identity numbers (GB 11643-1999).

18 characters: 6-digit area code, birth date YYYYMMDD, 3-digit sequence, check character.
Check: S = sum(d_i * w_i), w = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = "10X98765432"[S mod 11]
(ISO 7064 MOD 11-2). The birth date must be a real calendar date. Area codes 810000, 820000 and
830000 are the residence permits of Hong Kong, Macau and Taiwan residents (2018 rules).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{16}[\dXx]$")
# First two digits of an area code: the provincial-level divisions (GB/T 2260).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65}
)
_PERMITS = {"810000": "HK", "820000": "MO", "830000": "TW"}
_EARLIEST = dt.date(1880, 1, 1)
_CENTURIES = frozenset({"18", "19", "20"})  # of birth years from _EARLIEST to this century


@dataclass(frozen=True, slots=True)
class ResidentId:
    normalized: str
    area_jurisdiction: str
    birth_date: dt.date


def check_character(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse_resident_id(text: str, *, today: dt.date | None = None) -> ResidentId | None:
    """Return the parsed ID if `text` is a valid GB 11643 number, else None.

    A birth date after `today` (the decision's clock) is not a real person's and is refused.
    """
    if len(text) != 18 or not _SHAPE.match(text) or text[6:8] not in _CENTURIES:
        return None  # (the century first: most digit windows a scan tries fail it, in C)
    value = text.upper()
    if check_character(value[:17]) != value[17]:
        return None
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born < _EARLIEST or (today is not None and born > today):
        return None
    area = value[:6]
    if area in _PERMITS:
        return ResidentId(value, _PERMITS[area], born)
    if int(area[:2]) not in _PROVINCES:
        return None
    return ResidentId(value, "CN", born)


def age_on(born: dt.date, today: dt.date) -> int:
    """Completed years on `today`, birthday inclusive (one is 14 on the 14th birthday).

    A 29 February birthday is reached on 1 March in common years.
    """
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years
