"""Ed25519 signing keys for checkpoints and export manifests (cryptography).

A key directory holds `<key_id>.key` (PKCS#8 PEM, mode 0600) and `<key_id>.pub`
(SubjectPublicKeyInfo PEM) per key, and `current` naming the key that signs now. Rotation is
`keys generate`: a new key becomes current; old public keys stay so old checkpoints verify.
The key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from residency_gateway.audit.records import canonical
from residency_gateway.files import read_regular, write_durable


class SigningKeyError(Exception):
    """A key file is missing, unreadable or not Ed25519."""


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    key_id: str

    @property
    def public(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def sign(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return `body` with key_id and an Ed25519 signature over its canonical JSON."""
        unsigned = {**body, "key_id": self.key_id}
        unsigned.pop("signature", None)
        sig = self.key.sign(canonical(unsigned))
        return {**unsigned, "signature": base64.b64encode(sig).decode()}

    def sign_bytes(self, data: bytes) -> bytes:
        return self.key.sign(data)


def verify_signed(body: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> str | None:
    """None if `body` carries a valid signature by one of `keys`, else why not."""
    key_id = body.get("key_id")
    sig = body.get("signature")
    if not isinstance(key_id, str) or not isinstance(sig, str):
        return "unsigned"
    public = keys.get(key_id)
    if public is None:
        return f"signed by unknown key {key_id}"
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        raw = base64.b64decode(sig, validate=True)
        public.verify(raw, canonical(unsigned))
    except (InvalidSignature, ValueError):
        return f"bad signature (key {key_id})"
    if base64.b64encode(raw).decode() != sig:
        # Base64 has spare bits: only the encoding the signer wrote is accepted, or the newest
        # checkpoint (no later `prev` covers it) could be edited and still verify.
        return f"signature is not in its canonical base64 form (key {key_id})"
    return None


def generate(directory: Path, *, make_current: bool = True) -> Signer:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    kid = key_id_of(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    key_path = directory / f"{kid}.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            if os.write(fd, pem) != len(pem):
                raise OSError(errno.ENOSPC, "short write", str(key_path))
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:  # (no space: no empty or cut .key left behind)
        with contextlib.suppress(OSError):
            key_path.unlink()
        raise
    # (durable, all or nothing: a full disk must not leave an empty .pub or `current`)
    write_durable(directory / f"{kid}.pub", public_pem(key.public_key()))
    if make_current:
        write_durable(directory / "current", (kid + "\n").encode())
    return Signer(key, kid)


def load_signer(directory: Path, *, create: bool = True) -> Signer:
    """The current signing key of `directory`, generating the first one if asked."""
    current = directory / "current"
    if not current.exists():
        if not create:
            raise SigningKeyError(f"{directory}: no current signing key")
        return generate(directory)
    try:
        kid = read_regular(current, 4096).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningKeyError(f"{current}: cannot read the current key id: {exc}") from exc
    if not kid or not all(c in "0123456789abcdef" for c in kid):
        raise SigningKeyError(f"{current}: expected a key id (hex digits), found {kid[:40]!r}")
    try:
        key = serialization.load_pem_private_key(read_regular(directory / f"{kid}.key", 65536),
                                                 None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(f"{directory}/{kid}.key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{directory}/{kid}.key is not an Ed25519 key")
    return Signer(key, key_id_of(key.public_key()))


def public_keys_from_pem(text: bytes, where: str) -> dict[str, Ed25519PublicKey]:
    """Every Ed25519 public key in a PEM text (one or several blocks), by key id."""
    out: dict[str, Ed25519PublicKey] = {}
    blocks = [b + b"-----END PUBLIC KEY-----\n"
              for b in text.split(b"-----END PUBLIC KEY-----") if b.strip()]
    for block in blocks:
        try:
            key = serialization.load_pem_public_key(block.strip() + b"\n")
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(f"{where}: not a PEM public key ({exc})") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{where}: not an Ed25519 public key")
        out[key_id_of(key)] = key
    return out


def load_public_keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    """Public keys from PEM files, or every *.pub in directories (several PEMs per file too)."""
    out: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        files = sorted(path.glob("*.pub")) if path.is_dir() else [path]
        for f in files:
            try:
                text = read_regular(f, 1 << 20)
            except OSError as exc:
                raise SigningKeyError(f"{f}: {exc}") from exc
            found = public_keys_from_pem(text, str(f))
            if not found:
                # (an empty .pub: a version before durable key writes, cut by a full disk or a
                # crash; a key file that silently holds nothing would surface later as "signed
                # by an unknown key" without naming the file)
                raise SigningKeyError(f"{f}: holds no PEM public key ({len(text)} bytes): "
                                      "restore it from the key directory's copy or remove it")
            out.update(found)
    return out
