"""Per-tenant pseudonym keys (shell): 32 random bytes a tenant, one file each, mode 0600.

Deleting a tenant's key file crypto-shreds its pseudonyms: records stay and still verify, but
nobody can link them to a person any more (DOMAIN.md: de-identify where feasible).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


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
            key = path.read_bytes()
        except FileNotFoundError:
            if not create:
                return None
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = secrets.token_bytes(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
        if len(key) != 32:
            raise ValueError(f"{path}: pseudonym key must be 32 bytes")
        self._cache[tenant] = key
        return key

    def shred(self, tenant: str) -> bool:
        self._cache.pop(tenant, None)
        try:
            self.path(tenant).unlink()
        except FileNotFoundError:
            return False
        return True
