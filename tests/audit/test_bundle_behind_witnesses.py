"""A bundle behind what witnesses cosigned (verify_witnessed with a snapshot time): each case of
the rule, with cosignatures made up around the bundle's snapshot. The functional side (real
witnesses, a real gateway) is in test_witness_functional.py."""

from __future__ import annotations

import pytest

from residency_gateway.audit.verify import ChainResult, Witnessed, verify_witnessed

SNAPSHOT = 1_764_460_800.25  # when the bundle's store was read
ROOT_8, ROOT_12, OTHER_12 = "a" * 64, "b" * 64, "c" * 64
CHAIN = ChainResult([("cp:1", {"tree_size": 4, "root": "d" * 64}),
                     ("cp:2", {"tree_size": 8, "root": ROOT_8})], None, [])


def seen(*cosigned: tuple[str, int, str, float]) -> list[Witnessed]:
    return [Witnessed(name, size, root, int(when), "x") for name, size, root, when in cosigned]


def judge(cosigned: list[Witnessed], quorum: int = 1) -> tuple[list[str], list[str]]:
    findings, _ = verify_witnessed("gw", CHAIN, cosigned, quorum, snapshot=SNAPSHOT)
    return ([f.message for f in findings if f.severity != "warning"],
            [f.message for f in findings if f.severity == "warning"])


def test_a_witness_that_cosigned_the_bundle_head_vouches_for_the_growth_since():
    errors, warnings = judge(seen(("w1", 8, ROOT_8, SNAPSHOT - 60),
                                  ("w1", 12, ROOT_12, SNAPSHOT + 60)))
    assert errors == []
    assert any("has grown since" in w and "size 12" in w for w in warnings)


@pytest.mark.parametrize("cosigned_at", [SNAPSHOT - 1.25, SNAPSHOT - 3600])
def test_a_size_cosigned_before_the_snapshot_is_a_roll_back(cosigned_at):
    # The witness had cosigned 12 before the store was read, yet the bundle ends at 8.
    errors, _ = judge(seen(("w1", 8, ROOT_8, SNAPSHOT - 7200), ("w1", 12, ROOT_12, cosigned_at)))
    assert any(e.startswith("rolled back: witnesses saw size 12") for e in errors)


def test_the_second_of_the_snapshot_is_given_the_benefit_of_the_doubt():
    # Cosigned in the very second the store was read (whole seconds): after it, maybe.
    errors, _ = judge(seen(("w1", 8, ROOT_8, SNAPSHOT - 60), ("w1", 12, ROOT_12, SNAPSHOT)))
    assert errors == []


def test_a_head_no_witness_cosigned_is_not_tied_to_the_witnessed_log():
    errors, _ = judge(seen(("w1", 4, "d" * 64, SNAPSHOT - 60), ("w1", 12, ROOT_12, SNAPSHOT + 5)))
    assert any(e.startswith("fork not ruled out") and "size 8" in e for e in errors)


def test_a_head_cosigned_with_another_root_is_a_fork():
    errors, _ = judge(seen(("w1", 8, "e" * 64, SNAPSHOT - 60), ("w1", 12, ROOT_12, SNAPSHOT + 5)))
    assert any(e.startswith("fork: witness w1") for e in errors)
    assert any(e.startswith("fork not ruled out") for e in errors)


def test_another_witness_that_cosigned_the_head_and_the_same_tree_since_ties_it():
    # w2 never saw size 8, but w1 did, and both now cosign the same tree at 12.
    errors, warnings = judge(seen(("w1", 8, ROOT_8, SNAPSHOT - 60),
                                  ("w1", 12, ROOT_12, SNAPSHOT + 5),
                                  ("w2", 12, ROOT_12, SNAPSHOT + 6)), quorum=2)
    assert errors == []
    assert len([w for w in warnings if "has grown since" in w]) == 2


def test_a_witness_on_another_tree_is_not_tied_by_the_first():
    errors, _ = judge(seen(("w1", 8, ROOT_8, SNAPSHOT - 60),
                           ("w1", 12, ROOT_12, SNAPSHOT + 5),
                           ("w2", 12, OTHER_12, SNAPSHOT + 6)), quorum=2)
    assert any(e.startswith("fork not ruled out: w2") for e in errors)


def test_a_store_is_held_to_every_size_witnesses_cosigned():
    findings, _ = verify_witnessed("gw", CHAIN, seen(("w1", 8, ROOT_8, SNAPSHOT - 60),
                                                     ("w1", 12, ROOT_12, SNAPSHOT + 60)), 1)
    assert any(f.message.startswith("rolled back") for f in findings)
