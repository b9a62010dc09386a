"""Keyed pseudonyms for data subjects (HMAC-SHA256, RFC 2104).

Records and logs name a person only as HMAC(tenant key, kind:normalized value). Without the
tenant's key nobody can link a pseudonym back to an ID number or phone; destroying the key
crypto-shreds every pseudonym of that tenant while the records (and their hashes) stay intact.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "ps1:"


def pseudonymise(key: bytes, kind: str, normalized: str) -> str:
    digest = hmac.new(key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:32]
