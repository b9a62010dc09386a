"""Pseudonym keys are written atomically; a short or unreadable key is a clear 503 error."""

from __future__ import annotations

import pytest

from residency_gateway.audit.keys import KeyUnavailable, PseudonymKeys


def test_new_key_is_32_bytes_mode_0600_and_no_temporary_file_is_left(tmp_path):
    keys = PseudonymKeys(tmp_path)
    key = keys.get("acme")
    assert key is not None and len(key) == 32
    path = keys.path("acme")
    assert path.read_bytes() == key and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in keys.dir.iterdir()] == ["acme.key"]
    assert PseudonymKeys(tmp_path).get("acme") == key  # the same key after a restart


def test_empty_key_left_by_a_failed_write_is_replaced(tmp_path):
    keys = PseudonymKeys(tmp_path)
    keys.dir.mkdir(parents=True)
    keys.path("acme").write_bytes(b"")
    key = keys.get("acme")
    assert key is not None and len(key) == 32 and keys.path("acme").read_bytes() == key


@pytest.mark.parametrize("content", [b"short", b"x" * 33])
def test_wrong_size_key_is_a_clear_error_never_silently_replaced(tmp_path, content):
    keys = PseudonymKeys(tmp_path)
    keys.dir.mkdir(parents=True)
    keys.path("acme").write_bytes(content)
    with pytest.raises(KeyUnavailable, match="32 bytes"):
        keys.get("acme")
    assert keys.path("acme").read_bytes() == content
    assert keys.check() == [f"{keys.path('acme')}: {len(content)} bytes, expected 32"]


def test_unwritable_key_directory_is_a_clear_error(tmp_path):
    (tmp_path / "pseudonym").write_text("not a directory")
    with pytest.raises(KeyUnavailable, match=r"unreadable|could not be written"):
        PseudonymKeys(tmp_path).get("acme")


def test_two_workers_creating_one_tenants_key_at_once_both_use_the_one_that_won(
        tmp_path, monkeypatch):
    """`serve --workers N`: two processes may create the same tenant's key at the same moment.
    A new key appears by link, never by rename over another: the one that loses the race uses
    the winner's key, so one tenant never has two keys (and two sets of pseudonyms)."""
    from residency_gateway.audit import keys as keysmod

    winner = bytes(range(32))
    real = keysmod._write_atomic

    def other_worker_first(path, data, *, exclusive=False):
        real(path, winner, exclusive=True)  # the other worker's write lands first
        real(path, data, exclusive=exclusive)

    loser = PseudonymKeys(tmp_path)
    monkeypatch.setattr(keysmod, "_write_atomic", other_worker_first)
    assert loser.get("acme") == winner
    assert loser.path("acme").read_bytes() == winner
    assert sorted(p.name for p in loser.dir.iterdir()) == ["acme.key"]  # no temporary left
    monkeypatch.setattr(keysmod, "_write_atomic", real)
    assert PseudonymKeys(tmp_path).get("acme") == winner
