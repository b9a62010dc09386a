"""Per-tenant pseudonym keys (shell): 32 random bytes a tenant, one file each, mode 0600.

Deleting a tenant's key file crypto-shreds its pseudonyms: records stay and still verify, but
nobody can link them to a person any more (DOMAIN.md: de-identify where feasible).

A new key is written atomically (temporary file, fsync, rename, fsync of the directory), so a
crash or a full disk never leaves a short key behind. A key file that cannot be read or does
not hold 32 bytes raises `KeyUnavailable` (HTTP 503 for that tenant's requests), except an
empty file: a key is only ever used after it was written whole, so an empty file (left by a
write that failed before this version wrote atomically) never keyed a pseudonym and is
replaced. A key of 32 bytes that is no secret is refused the same way: all one byte value
(32 NUL bytes: the zero-filled tail of a crash on a delayed-allocation file system, a sparse
restore) or fewer than MIN_DISTINCT_BYTES distinct values (a placeholder such as "0123..."):
an HMAC under a guessable key makes the small ID-number space enumerable (bad-day round 13).
32 random bytes have fewer than 8 distinct values with a probability far below 2^-100.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from residency_gateway.files import read_regular


class KeyUnavailable(ValueError):
    """A tenant's pseudonym key cannot be used; its requests are refused with 503."""

    http_status = 503


def _write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """`exclusive`: link instead of rename, so that of two processes creating the same key at
    once (workers of one gateway) one wins and the other gets FileExistsError, never two keys
    in use for one tenant."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            if os.write(fd, data) != len(data):
                raise OSError("short write")
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            os.link(tmp, path)
            tmp.unlink()
        else:
            tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


KEY_BYTES = 32
MIN_DISTINCT_BYTES = 8


def degenerate(key: bytes) -> str | None:
    """Why 32 bytes cannot be a random key (a zero-filled or placeholder file), or None."""
    distinct = len(set(key))
    if distinct == 1:
        return f"all {len(key)} bytes are 0x{key[0]:02x} (a zero-filled file?)"
    if distinct < MIN_DISTINCT_BYTES:
        return (f"only {distinct} distinct byte values in {len(key)} (a placeholder, not "
                "random bytes)")
    return None


def _read_key(path: Path) -> bytes:
    """A key file's bytes: a regular file of at most 64 KiB (see files.read_regular)."""
    return read_regular(path, 65536)


class PseudonymKeys:
    def __init__(self, directory: Path):
        self.dir = Path(directory) / "pseudonym"
        self._cache: dict[str, bytes] = {}

    def path(self, tenant: str) -> Path:
        return self.dir / f"{tenant}.key"

    def get(self, tenant: str, *, create: bool = True) -> bytes | None:
        if tenant in self._cache:
            return self._cache[tenant]
        path = self.path(tenant)
        try:
            key = _read_key(path)
        except FileNotFoundError:
            key = b""
        except OSError as exc:
            raise KeyUnavailable(f"{path}: pseudonym key unreadable: {exc.strerror}") from exc
        if not key:
            if not create:
                return None
            key = secrets.token_bytes(32)
            try:
                self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                # a new file only appears whole (link); an empty one left by an old version
                # is replaced (rename)
                _write_atomic(path, key, exclusive=not path.exists())
            except FileExistsError:  # another worker created it first: use that one
                self._cache.pop(tenant, None)
                return self.get(tenant, create=False)
            except OSError as exc:
                raise KeyUnavailable(f"{path}: pseudonym key could not be written: "
                                     f"{exc.strerror or exc}") from exc
        if len(key) != KEY_BYTES:
            raise KeyUnavailable(f"{path}: pseudonym key must be 32 bytes, found {len(key)}")
        why = degenerate(key)
        if why is not None:
            raise KeyUnavailable(f"{path}: pseudonym key is not a secret: {why}; restore the "
                                 "tenant's key from backup (or remove it to crypto-shred)")
        self._cache[tenant] = key
        return key

    def check(self) -> list[str]:
        """Problems with the key files present (logged at start; those tenants get 503)."""
        problems = []
        for path in sorted(self.dir.glob("*.key")) if self.dir.is_dir() else []:
            try:
                key = _read_key(path)
            except OSError as exc:
                problems.append(f"{path}: unreadable: {exc.strerror}")
                continue
            if len(key) not in (0, KEY_BYTES):
                problems.append(f"{path}: {len(key)} bytes, expected 32")
            elif key and (why := degenerate(key)) is not None:
                problems.append(f"{path}: not a secret: {why}")
        return problems

    def shred(self, tenant: str) -> bool:
        self._cache.pop(tenant, None)
        try:
            self.path(tenant).unlink()
        except FileNotFoundError:
            return False
        return True
