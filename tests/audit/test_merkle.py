"""RFC 6962 known answers, proofs, and the mutations a verifier must reject."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.merkle import (
    Frontier,
    consistency_proof,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# The RFC 6962 / certificate-transparency reference test vectors (merkle_tree_test.cc).
INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(d) for d in INPUTS]


def test_empty_tree_root_is_sha256_of_nothing():
    assert root_of([]).hex() == hashlib.sha256(b"").hexdigest()
    assert root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("n", range(1, 9))
def test_known_answer_roots(n):
    assert root_of(LEAVES[:n]).hex() == ROOTS[n - 1]


def test_frontier_matches_full_root_for_every_size():
    f = Frontier()
    for n, leaf in enumerate(LEAVES, start=1):
        f.append(leaf)
        assert f.root().hex() == ROOTS[n - 1]
    again = Frontier.from_json(f.size, f.to_json())
    assert again.root() == f.root()
    with pytest.raises(ValueError):
        Frontier.from_json(f.size + 1, f.to_json())


@pytest.mark.parametrize(("index", "size", "path"), [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
])
def test_known_answer_inclusion_proofs(index, size, path):
    proof = inclusion_proof(index, LEAVES[:size])
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(LEAVES[index], index, size, proof, root_of(LEAVES[:size]))


@pytest.mark.parametrize(("m", "n", "path"), [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
])
def test_known_answer_consistency_proofs(m, n, path):
    proof = consistency_proof(m, LEAVES[:n])
    assert [p.hex() for p in proof] == path
    assert verify_consistency(m, n, root_of(LEAVES[:m]), root_of(LEAVES[:n]), proof)


# Small trees, and both sides of the power-of-two boundaries where the tree's shape changes
# (a cap of 40 leaves never reaches a second level of 64 or a tree the size of a busy day's log).
TREE_SIZES = st.one_of(st.integers(1, 40), st.sampled_from(
    [63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097]))


def flip(b: bytes) -> bytes:
    return bytes([b[0] ^ 1]) + b[1:]


@settings(max_examples=150, deadline=None)
@given(n=TREE_SIZES, data=st.data())
def test_inclusion_proofs_verify_and_every_mutation_fails(n, data):
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    index = data.draw(st.integers(0, n - 1))
    root = root_of(leaves)
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(leaves[index], index, n, proof, root)
    assert not verify_inclusion(flip(leaves[index]), index, n, proof, root)
    assert not verify_inclusion(leaves[index], index, n, proof, flip(root))
    if n > 1:
        assert not verify_inclusion(leaves[index], (index + 1) % n, n, proof, root)
        assert not verify_inclusion(leaves[index], index, n, proof[:-1], root)
        assert not verify_inclusion(leaves[index], index, n, [*proof, proof[0]], root)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i])
        assert not verify_inclusion(leaves[index], index, n, bad, root)


@settings(max_examples=150, deadline=None)
@given(n=TREE_SIZES, data=st.data())
def test_consistency_proofs_verify_and_every_mutation_fails(n, data):
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    m = data.draw(st.integers(1, n))
    r1, r2 = root_of(leaves[:m]), root_of(leaves)
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, n, r1, r2, proof)
    assert not verify_consistency(m, n, flip(r1), r2, proof)
    assert not verify_consistency(m, n, r1, flip(r2), proof)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = flip(bad[i])
        assert not verify_consistency(m, n, r1, r2, bad)
    if m < n:
        assert not verify_consistency(m, n, r1, r2, proof[:-1])
        assert not verify_consistency(n, m, r2, r1, proof)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 63, 64, 65, 200])
def test_bounded_hasher_gives_the_same_proofs_as_the_full_memo(n: int) -> None:
    from residency_gateway.audit.merkle import BoundedHasher

    leaves = [leaf_hash(b"%d" % i) for i in range(n)]
    bh = BoundedHasher(leaves, keep=8, small_cache=16)
    assert bh(0, n) == root_of(leaves)
    for i in range(n):
        assert inclusion_proof(i, n, bh) == inclusion_proof(i, leaves)
    for m in range(1, n + 1):
        assert consistency_proof(m, n, bh) == consistency_proof(m, leaves)
    assert len(bh.small) <= 16
