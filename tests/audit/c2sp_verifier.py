"""An independent, test-only reader of C2SP signed notes, checkpoints and cosignatures.

Written from the specs (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature) without
looking at `residency_gateway.audit.note`, sharing no code with it: only the Ed25519 primitive
comes from `cryptography`. Tests use it to show that our checkpoints are readable by someone
else's implementation of the format.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Rejected(Exception):
    pass


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """name+hex(id)+base64(type||key) -> (name, id, type, key). The base64 may contain '+'."""
    name, key_hash, material = vkey.split("+", 2)
    blob = base64.b64decode(material)
    key_id = bytes.fromhex(key_hash)
    expected = hashlib.sha256(name.encode("utf-8") + b"\x0a" + blob).digest()[:4]
    if key_id != expected:
        raise Rejected("vkey id does not match")
    return name, key_id, blob[0], blob[1:]


def open_note(message: str, vkeys: list[str]) -> tuple[str, list[tuple[str, int]]]:
    """Verify a signed note; returns its text and (key name, timestamp or 0) of each signature
    by a known key. Raises Rejected if none verifies or a known key's signature is bad."""
    raw = message.encode("utf-8")
    for byte in raw:
        if byte < 0x20 and byte != 0x0A:
            raise Rejected("control character")
    cut = raw.rfind(b"\n\n")
    if cut == -1 or not raw.endswith(b"\n"):
        raise Rejected("no signature block")
    text, block = raw[: cut + 1], raw[cut + 2:]
    known = [parse_vkey(v) for v in vkeys]
    good: list[tuple[str, int]] = []
    for line in block.decode("utf-8").splitlines():
        if not line.startswith("\u2014 "):
            raise Rejected("bad signature line")
        name, b64 = line[2:].split(" ")
        blob = base64.b64decode(b64)
        key_id, sig = blob[:4], blob[4:]
        for kname, kid, ktype, key in known:
            if (kname, kid) != (name, key_id):
                continue
            pub = Ed25519PublicKey.from_public_bytes(key)
            try:
                if ktype == 1:
                    pub.verify(sig, text)
                    good.append((name, 0))
                elif ktype == 4:
                    ts = int.from_bytes(sig[:8], "big")
                    msg = b"cosignature/v1\ntime " + str(ts).encode() + b"\n" + text
                    pub.verify(sig[8:], msg)
                    good.append((name, ts))
                else:
                    raise Rejected("unsupported key type")
            except Exception as exc:
                raise Rejected(f"bad signature by {name}") from exc
    if not good:
        raise Rejected("no signature by a known key")
    return text.decode("utf-8"), good


def read_checkpoint(text: str) -> tuple[str, int, bytes, list[str]]:
    lines = text.split("\n")
    assert lines[-1] == ""
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    if str(size) != lines[1] or len(root) != 32 or not origin:
        raise Rejected("bad checkpoint body")
    return origin, size, root, lines[3:-1]
