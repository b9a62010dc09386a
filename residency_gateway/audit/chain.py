"""Hash chain and Merkle tree hashing for trail entries (RFC 6962 / RFC 9162). Pure.

Leaf hash = SHA-256(0x00 || entry bytes); interior node = SHA-256(0x01 || left || right).
Each entry also names its sequence number and the previous entry's leaf hash, so a gap or a
reorder is visible without any tree at all.
"""

from __future__ import annotations

import hashlib

GENESIS = "0" * 64


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()
