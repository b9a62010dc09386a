"""Canonical JSON bytes for the trail: sorted keys, compact separators, UTF-8, integers only.

The definition is the standard library's `json.dumps(obj, sort_keys=True, separators=(",",
":"), ensure_ascii=False, allow_nan=False).encode()`: trails written before this module
existed are re-canonicalised by `audit verify` and must give the same bytes. orjson writes
exactly those bytes for str keys and str/int/bool/None/list/dict values (same escapes, keys
sorted by code point, integers in decimal), about 8 times faster; anything else (floats, whose
exponent form differs, NaN, which orjson would write as null, integers beyond 64 bits, str or
int subclasses, non-str keys, lone surrogates) goes to the standard library, which decides
exactly as before. tests/audit/test_canonjson.py holds the two equal on a corpus.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_SORT = orjson.OPT_SORT_KEYS


def stdlib_canonical(obj: Any) -> bytes:
    """The reference definition."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def _plain(obj: Any) -> bool:
    """Only str keys and str/int/bool/None/list/tuple/dict values (exact types) inside."""
    t = type(obj)
    if t is dict:
        for k, v in obj.items():
            if type(k) is not str:
                return False
            tv = type(v)
            if tv is str or tv is int or tv is bool or v is None:
                continue
            if not _plain(v):
                return False
        return True
    if t is list or t is tuple:
        for v in obj:
            tv = type(v)
            if tv is str or tv is int or tv is bool or v is None:
                continue
            if not _plain(v):
                return False
        return True
    return t is str or t is int or t is bool or obj is None


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, compact separators, UTF-8, no floats allowed."""
    if _plain(obj):
        try:
            return orjson.dumps(obj, option=_SORT)
        except orjson.JSONEncodeError:
            pass  # integers beyond 64 bits, lone surrogates: the reference decides
    return stdlib_canonical(obj)
