"""The witness protocol (c2sp.org/tlog-witness `add-checkpoint`), as pure functions.

A request body is `old <size>`, up to 63 base64 consistency-proof lines, a blank line, and a
signed checkpoint note. The witness answers with the spec's status codes:
  404 unknown origin; 403 no valid signature by a trusted key of that origin;
  400 malformed, or old size above the checkpoint size (a log rolled back below what the witness
      cosigned - refused loudly);
  409 old size is not the size the witness last cosigned (body: that size, text/x.tlog.size);
  422 empty-tree root wrong, proof where none belongs, a consistency proof that does not verify,
      or the same size with another root (a fork - refused loudly);
  200 the witness's cosignature lines, after it has durably recorded the new checkpoint.
The shell (`witnessd`) does the I/O: reading and persisting the state atomically, signing,
metrics and logs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from residency_gateway.audit.merkle import EMPTY_ROOT, verify_consistency
from residency_gateway.audit.note import (
    Checkpoint,
    Note,
    NoteError,
    Verifier,
    parse_checkpoint,
    parse_note,
    verify_note,
)

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


def origin_hash(origin: str) -> str:
    """The monitoring path component: lowercase hex SHA-256 of the origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Refused(Exception):
    """The witness refuses a submission: HTTP status, metric reason, explanation."""

    def __init__(self, status: int, reason: str, message: str, body: str | None = None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.body = body


# Reasons that mean a log misbehaved (not a client's protocol mistake): say so loudly.
MISBEHAVIOUR = frozenset({"rollback", "fork", "inconsistent"})


@dataclass(frozen=True, slots=True)
class Submission:
    old: int
    proof: tuple[bytes, ...]
    note: Note
    checkpoint: Checkpoint


def parse_submission(body: bytes) -> Submission:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "malformed", "request body is not UTF-8") from None
    head, sep, rest = text.partition("\n\n")
    if not sep:
        raise Refused(400, "malformed", "request has no blank line before the checkpoint")
    lines = head.split("\n")
    old_word, _, old_text = lines[0].partition(" ")
    if old_word != "old" or not old_text.isdigit() or not old_text.isascii() or (
            old_text != "0" and old_text.startswith("0")):
        raise Refused(400, "malformed", "first line must be `old <size>`")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise Refused(400, "malformed", f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise Refused(400, "malformed", "a proof line is not base64") from None
        if len(h) != 32:
            raise Refused(400, "malformed", "a proof line is not a 32-byte hash")
        proof.append(h)
    try:
        note = parse_note(rest)
        cp = parse_checkpoint(note.text)
    except NoteError as exc:
        raise Refused(400, "malformed", f"checkpoint: {exc}") from None
    return Submission(int(old_text), tuple(proof), note, cp)


def check_signature(sub: Submission, trusted: dict[str, list[Verifier]]) -> None:
    """404 for an origin the witness does not serve, 403 without a valid trusted signature."""
    keys = trusted.get(sub.checkpoint.origin)
    if keys is None:
        raise Refused(404, "unknown_log", f"unknown log origin {sub.checkpoint.origin!r}")
    try:
        ok = verify_note(sub.note, keys)
    except NoteError as exc:
        raise Refused(403, "bad_signature", str(exc)) from None
    if not ok:
        raise Refused(403, "bad_signature", "no signature by a trusted key of this log")


@dataclass(frozen=True, slots=True)
class Latest:
    """What the witness last cosigned for a log."""

    size: int
    root: bytes
    note: str


def check_consistency(sub: Submission, latest: Latest | None) -> None:
    """The spec's checks of old size, proof and root against the witness's state."""
    cp = sub.checkpoint
    have = latest.size if latest is not None else 0
    if sub.old > cp.size:
        raise Refused(400, "rollback" if sub.old == have else "malformed",
                      f"old size {sub.old} is above the checkpoint size {cp.size}"
                      + (" (the log is going back below what this witness cosigned)"
                         if sub.old == have else ""))
    if sub.old != have:
        # 409 as the spec says; below what we cosigned it is a roll-back, counted as such.
        back = have > cp.size
        raise Refused(409, "rollback" if back else "conflict",
                      f"checkpoint size {cp.size} is below size {have} this witness already "
                      "cosigned" if back else
                      f"old size {sub.old} is not the latest cosigned size {have}",
                      body=f"{have}\n")
    if cp.size == 0 and cp.root != EMPTY_ROOT:
        raise Refused(422, "malformed", "a checkpoint of size 0 must have the empty-tree root")
    if sub.old == 0:
        if sub.proof:
            raise Refused(422, "malformed", "old size 0 takes no consistency proof")
        return
    assert latest is not None
    if sub.old == cp.size:
        if cp.root != latest.root:
            raise Refused(422, "fork", f"same size {cp.size} as cosigned, different root "
                          "(a fork of the log)")
        return
    if not verify_consistency(sub.old, cp.size, latest.root, cp.root, sub.proof):
        raise Refused(422, "inconsistent", f"checkpoint of size {cp.size} is not an "
                      f"append-only extension of the cosigned size {sub.old} (consistency "
                      "proof does not verify)")


def submission_body(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(p).decode() for p in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()
