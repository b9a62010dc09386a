"""C2SP signed notes, tlog checkpoints and Ed25519 cosignatures (c2sp.org/signed-note,
/tlog-checkpoint, /tlog-cosignature). Pure: text in, text out; no I/O.

A checkpoint note is three lines (origin, tree size, base64 RFC 6962 root) plus our extension
lines (`index`, `time`, `prev`), a blank line, and signature lines
`— <key name> base64(key id || signature)`. The log signs with signature type 0x01 (Ed25519 over
the note text) under its origin as key name; witnesses add type 0x04 cosignatures
(`cosignature/v1`, a timestamp, then the note text). Key ids are SHA-256(name || 0x0A || type ||
public key)[:4], as the spec computes them, so transparency-log tooling reads our checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"
ORIGIN_PREFIX = "residency-gateway"
MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16


class NoteError(ValueError):
    """A note, checkpoint, key or signature line that does not follow the spec."""


def origin_of(log_id: str) -> str:
    """The checkpoint origin (and the log's note key name) of one of our logs."""
    return f"{ORIGIN_PREFIX}/{log_id}"


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def note_key_id(name: str, sig_type: int, public: Ed25519PublicKey) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] (signed-note)."""
    data = name.encode() + b"\n" + bytes([sig_type]) + raw_public(public)
    return hashlib.sha256(data).digest()[:4]


@dataclass(frozen=True, slots=True)
class Verifier:
    """A trusted key: name, signature type (0x01 log, 0x04 cosigner) and Ed25519 public key."""

    name: str
    sig_type: int
    public: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return note_key_id(self.name, self.sig_type, self.public)

    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + raw_public(self.public)).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def parse_vkey(text: str) -> Verifier:
    """`<name>+<hex key id>+<base64(type || key)>`; the id must match the key."""
    parts = text.strip().split("+", 2)  # the base64 part may itself contain '+'
    if len(parts) != 3:
        raise NoteError(f"verifier key {text.strip()!r} is not name+id+key")
    name, kid, material = parts
    try:
        raw = base64.b64decode(material, validate=True)
        kid_bytes = bytes.fromhex(kid)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"verifier key for {name!r}: {exc}") from exc
    if not _valid_name(name) or len(kid_bytes) != 4 or len(raw) != 33:
        raise NoteError(f"verifier key {text.strip()!r} is malformed")
    if raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError(f"verifier key for {name!r}: unsupported signature type {raw[0]:#04x}")
    v = Verifier(name, raw[0], Ed25519PublicKey.from_public_bytes(raw[1:]))
    if v.key_id != kid_bytes:
        raise NoteError(f"verifier key for {name!r}: key id {kid} does not match the key")
    return v


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    key_id: bytes
    sig: bytes

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_id + self.sig).decode()}\n"


@dataclass(frozen=True, slots=True)
class Note:
    text: str  # ends with a newline; excludes the separating blank line
    signatures: tuple[Signature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: list[Signature]) -> Note:
        seen = {(s.name, s.key_id, s.sig) for s in self.signatures}
        more = [s for s in extra if (s.name, s.key_id, s.sig) not in seen]
        return Note(self.text, self.signatures + tuple(more))


def parse_signature_lines(data: str) -> list[Signature]:
    out = []
    for line in data.split("\n"):
        if not line:
            continue
        prefix, _, rest = line.partition(" ")
        name, _, b64 = rest.partition(" ")
        if prefix != DASH or not _valid_name(name) or not b64 or " " in b64:
            raise NoteError(f"malformed signature line {line[:80]!r}")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature of {name!r} is not base64") from exc
        if len(blob) < 5:
            raise NoteError(f"signature of {name!r} is too short")
        out.append(Signature(name, blob[:4], blob[4:]))
    if len(out) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(out)} signatures (more than {MAX_SIGNATURES})")
    return out


def parse_note(data: str) -> Note:
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError("note contains control characters")
    if not data.endswith("\n"):
        raise NoteError("note does not end with a newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, sigs = data[:split + 1], data[split + 2:]
    sigs_parsed = parse_signature_lines(sigs)
    if not sigs_parsed:
        raise NoteError("note has no signatures")
    return Note(text, tuple(sigs_parsed))


def sign(text: str, name: str, key: Ed25519PrivateKey) -> Signature:
    """A log signature (type 0x01) over the note text."""
    return Signature(name, note_key_id(name, ED25519, key.public_key()), key.sign(text.encode()))


def cosignature_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> Signature:
    """A tlog-cosignature v1 (type 0x04): u64 timestamp || Ed25519 signature."""
    sig = key.sign(cosignature_message(text, timestamp))
    return Signature(name, note_key_id(name, COSIGNATURE_V1, key.public_key()),
                     struct.pack(">Q", timestamp) + sig)


def verify_signature(text: str, s: Signature, v: Verifier) -> int | None:
    """For a signature line that matches `v` by name and key id: None if it does not verify,
    else 0 (a log signature) or the cosignature timestamp."""
    try:
        if v.sig_type == ED25519:
            v.public.verify(s.sig, text.encode())
            return 0
        if len(s.sig) != 72:
            return None
        (timestamp,) = struct.unpack(">Q", s.sig[:8])
        if timestamp >= 1 << 63:
            return None
        v.public.verify(s.sig[8:], cosignature_message(text, timestamp))
        return int(timestamp)
    except InvalidSignature:
        return None


@dataclass(frozen=True, slots=True)
class Verified:
    verifier: Verifier
    timestamp: int


def verify_note(note: Note, verifiers: list[Verifier]) -> list[Verified]:
    """Signatures by known keys, verified; unknown ones are ignored (signed-note). A known key
    whose signature fails rejects the whole note (NoteError)."""
    out = []
    for s in note.signatures:
        for v in verifiers:
            if s.name == v.name and s.key_id == v.key_id:
                ts = verify_signature(note.text, s, v)
                if ts is None:
                    raise NoteError(f"signature by {v.name} ({v.key_id.hex()}) does not verify")
                out.append(Verified(v, ts))
    return out


# -- checkpoints -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(),
                 *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint has fewer than three lines")
    origin, size, root, *ext = lines[:-1]
    if not origin or any(not e for e in ext):
        raise NoteError("checkpoint has an empty line")
    if not size.isdigit() or (size != "0" and size.startswith("0")) or not size.isascii():
        raise NoteError(f"checkpoint tree size {size!r} is not a decimal without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise NoteError("checkpoint root hash is not base64") from exc
    if len(root_hash) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root_hash, tuple(ext))


def checkpoint_note(key: Ed25519PrivateKey, origin: str, body: dict[str, Any]) -> str:
    """The signed note of a checkpoint body (as `Trail.checkpoint` builds it)."""
    cp = Checkpoint(origin, int(body["tree_size"]), bytes.fromhex(str(body["root"])),
                    (f"index {body['index']}", f"time {body['time']}", f"prev {body['prev']}"))
    text = cp.text()
    return Note(text, (sign(text, origin, key),)).render()


def note_matches(cp: Checkpoint, body: dict[str, Any]) -> bool:
    """The note says what the JSON checkpoint says (origin, size, root, extensions)."""
    want = (f"index {body.get('index')}", f"time {body.get('time')}", f"prev {body.get('prev')}")
    return (cp.origin == origin_of(str(body.get("log_id"))) and cp.size == body.get("tree_size")
            and cp.root.hex() == body.get("root") and cp.extensions == want)
