"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification. Pure.

leaf = SHA-256(0x00 || data); node = SHA-256(0x01 || left || right); the root of n leaves splits
at the largest power of two smaller than n (RFC 6962 s.2.1). Proof generation follows RFC 6962
s.2.1.1 (PATH) and s.2.1.2 (SUBPROOF); verification follows RFC 9162 s.2.1.3.2 and s.2.1.4.2.
`Frontier` is the compact range [0, n): the roots of the perfect subtrees that make up n leaves,
enough to extend the tree and to compute its root without the leaves themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from residency_gateway.audit.chain import node_hash

EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


RangeRoot = Callable[[int, int], bytes]


class Unavailable(LookupError):
    """A subtree hash needs leaves that are no longer there (purged) and no frontier has it."""


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf *hashes*."""
    return range_hasher(leaves)(0, len(leaves)) if leaves else EMPTY_ROOT


def range_hasher(leaves: Sequence[bytes], *, offset: int = 0,
                 known: dict[tuple[int, int], bytes] | None = None) -> RangeRoot:
    """MTH(D[a:b]) for leaves[i] = D[offset + i], memoised; `known` supplies subtree roots
    (from a signed frontier) for ranges whose leaves are gone."""
    memo: dict[tuple[int, int], bytes] = dict(known or {})

    def rr(a: int, b: int) -> bytes:
        key = (a, b)
        hit = memo.get(key)
        if hit is not None:
            return hit
        if b - a == 1:
            if a < offset or a - offset >= len(leaves):
                raise Unavailable(f"leaf {a} is not available")
            h = leaves[a - offset]
        else:
            k = _split(b - a)
            h = node_hash(rr(a, a + k), rr(a + k, b))
        memo[key] = h
        return h

    return rr


def frontier_ranges(frontier: Frontier) -> dict[tuple[int, int], bytes]:
    """The (start, end) of each perfect subtree of a frontier, with its hash."""
    out: dict[tuple[int, int], bytes] = {}
    start = 0
    for height, h in frontier.nodes:
        out[(start, start + (1 << height))] = h
        start += 1 << height
    return out


def inclusion_proof(index: int, leaves: Sequence[bytes] | int,
                    rr: RangeRoot | None = None) -> list[bytes]:
    """PATH(m, D[n]); `leaves` is the leaf list, or the tree size when `rr` is given."""
    n = leaves if isinstance(leaves, int) else len(leaves)
    rr = rr or range_hasher(leaves)  # type: ignore[arg-type]
    if not 0 <= index < n:
        raise ValueError("leaf index out of range")
    return _path(index, 0, n, rr)


def _path(m: int, lo: int, hi: int, rr: RangeRoot) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, lo, lo + k, rr), rr(lo + k, hi)]
    return [*_path(m - k, lo + k, hi, rr), rr(lo, lo + k)]


def consistency_proof(m: int, leaves: Sequence[bytes] | int,
                      rr: RangeRoot | None = None) -> list[bytes]:
    """PROOF(m, D[n]), 0 < m <= n."""
    n = leaves if isinstance(leaves, int) else len(leaves)
    rr = rr or range_hasher(leaves)  # type: ignore[arg-type]
    if not 0 < m <= n:
        raise ValueError("consistency proof needs 0 < m <= n")
    return _subproof(m, 0, n, True, rr)


def _subproof(m: int, lo: int, hi: int, complete: bool, rr: RangeRoot) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if complete else [rr(lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, complete, rr), rr(lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, False, rr), rr(lo, lo + k)]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 s.2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 s.2.1.4.2."""
    if size1 > size2 or size1 < 0:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the first subtree is root1 itself
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


@dataclass(slots=True)
class Frontier:
    """Compact range [0, size): (height, hash) of each perfect subtree, left to right."""

    size: int = 0
    nodes: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        height, h = 0, leaf
        while self.nodes and self.nodes[-1][0] == height:
            _, left = self.nodes.pop()
            h = node_hash(left, h)
            height += 1
        self.nodes.append((height, h))
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        h = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.nodes))

    def to_json(self) -> list[list[object]]:
        return [[height, h.hex()] for height, h in self.nodes]

    @classmethod
    def from_json(cls, size: int, nodes: Sequence[Sequence[object]]) -> Frontier:
        parsed = [(int(str(hgt)), bytes.fromhex(str(h))) for hgt, h in nodes]
        if sum(1 << hgt for hgt, _ in parsed) != size:
            raise ValueError("frontier does not add up to its size")
        return cls(size, parsed)


class LeafHashes(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> bytes: ...


class BoundedHasher:
    """MTH(D[a:b]) like `range_hasher`, for trees too large to memoise whole: hashes of ranges
    of at least `keep` leaves are kept (about 2n/keep of them), smaller ones only in a bounded
    cache that is dropped when full. Asked in leaf order (export's inclusion proofs), each leaf
    block is hashed about once, and memory stays flat in the number of leaves."""

    def __init__(self, leaves: LeafHashes, *, offset: int = 0,
                 known: dict[tuple[int, int], bytes] | None = None, keep: int = 256,
                 small_cache: int = 4096):
        self.leaves = leaves
        self.offset = offset
        self.big: dict[tuple[int, int], bytes] = dict(known or {})
        self.small: dict[tuple[int, int], bytes] = {}
        self.keep = keep
        self.small_cache = small_cache

    def __call__(self, a: int, b: int) -> bytes:
        key = (a, b)
        hit = self.big.get(key) or self.small.get(key)  # `known` may hold small ranges too
        if hit is not None:
            return hit
        if b - a == 1:
            i = a - self.offset
            if i < 0 or i >= len(self.leaves):
                raise Unavailable(f"leaf {a} is not available")
            h = self.leaves[i]
        else:
            k = _split(b - a)
            h = node_hash(self(a, a + k), self(a + k, b))
        if b - a >= self.keep:
            self.big[key] = h
        else:
            if len(self.small) >= self.small_cache:
                self.small.clear()
            self.small[key] = h
        return h
