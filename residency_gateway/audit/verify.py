"""Offline verification of a trail: stores and export bundles. Pure logic over what was read.

Checks, in order of the data: checkpoint chain (Ed25519 signatures by trusted keys, index and
`prev` links, no roll-back or fork of the tree), then every entry (valid canonical JSON, right
log, contiguous sequence, `prev` link to the previous leaf), and the RFC 6962 root at every
checkpoint size. For bundles also the signed manifest, file hashes, inclusion proofs of each
exported entry and consistency proofs between checkpoints. Each problem names its location.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from residency_gateway.audit.chain import GENESIS, leaf_hash
from residency_gateway.audit.merkle import Frontier, verify_consistency
from residency_gateway.audit.note import (
    ED25519,
    NoteError,
    Verifier,
    note_matches,
    origin_of,
    parse_checkpoint,
    parse_note,
    verify_note,
)
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import verify_signed
from residency_gateway.audit.trail import checkpoint_digest

TORN = b"<torn>"  # a source's stand-in for a last line without its line break


@dataclass(frozen=True, slots=True)
class Finding:
    location: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class ChainResult:
    checkpoints: list[tuple[str, dict[str, Any]]]  # valid tree checkpoints, in order
    purge: dict[str, Any] | None
    findings: list[Finding]


def checkpoint_item(line: bytes) -> dict[str, Any]:
    """A stored checkpoint chain line as verify_chain reads it: the object, or a marker when
    the line is not a JSON object or not in the canonical form the gateway writes (a line with
    a duplicated key or other spacing parses to the signed object, yet says something else to
    another reader)."""
    try:
        item = json.loads(line)
    except ValueError:
        return {"type": "unparseable"}
    if not isinstance(item, dict):
        return {"type": "unparseable"}
    try:
        same = canonical(item) == line
    except (ValueError, TypeError):
        same = False
    return item if same else {"type": "noncanonical"}


def verify_chain(log_id: str, items: Iterable[tuple[str, dict[str, Any]]],
                 keys: dict[str, Ed25519PublicKey]) -> ChainResult:
    findings: list[Finding] = []
    good: list[tuple[str, dict[str, Any]]] = []
    purge: dict[str, Any] | None = None
    prev, expected, last_time = GENESIS, 0, ""
    last_size, last_root = -1, ""
    for loc, cp in items:
        kind = cp.get("type")
        idx = cp.get("index")
        if kind in ("unparseable", "torn"):
            findings.append(Finding(loc, "checkpoint line is not valid JSON or not complete "
                                    "(modified, or torn by a crash the gateway has not yet "
                                    "recovered from)"))
            continue
        if kind == "noncanonical":
            findings.append(Finding(loc, "checkpoint line is not in the canonical JSON form the "
                                    "gateway writes (edited: a duplicated key, spacing or "
                                    "escapes)"))
            continue
        label = f"checkpoint #{idx}" if kind == "checkpoint" else f"{kind} event #{idx}"
        problem = verify_signed(cp, keys)
        if problem is not None:
            findings.append(Finding(loc, f"{label} {problem}"))
            continue
        if cp.get("log_id") != log_id:
            findings.append(Finding(loc, f"{label} belongs to log {cp.get('log_id')!r}"))
            continue
        if kind == "checkpoint" and cp.get("note") is not None:
            problem = check_note(cp, keys)
            if problem is not None:
                findings.append(Finding(loc, f"{label} {problem}"))
                continue
        if idx != expected or cp.get("prev") != prev:
            findings.append(Finding(loc, f"{label} does not follow #{expected - 1} (a checkpoint "
                                    "was removed, reordered or replaced)"))
        if str(cp.get("time", "")) < last_time:
            findings.append(Finding(loc, f"{label} is dated before its predecessor"))
        expected = (idx if isinstance(idx, int) else expected) + 1
        prev = checkpoint_digest(cp)
        last_time = max(last_time, str(cp.get("time", "")))
        if kind == "purge":
            purge = cp
            continue
        if kind != "checkpoint":
            findings.append(Finding(loc, f"unknown checkpoint chain event {kind!r}"))
            continue
        size, root = int(cp["tree_size"]), str(cp["root"])
        if size < last_size:
            findings.append(Finding(loc, f"{label} rolls the log back from {last_size} to {size} "
                                    "entries"))
            continue
        if size == last_size and root != last_root:
            findings.append(Finding(loc, f"{label} forks the log: same size {size}, different "
                                    "root"))
            continue
        try:
            if Frontier.from_json(size, cp["frontier"]).root().hex() != root:
                findings.append(Finding(loc, f"{label} frontier does not match its root"))
                continue
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(loc, f"{label} has a malformed frontier"))
            continue
        last_size, last_root = size, root
        good.append((loc, cp))
    return ChainResult(good, purge, findings)


def log_verifiers(origin: str, keys: dict[str, Ed25519PublicKey]) -> list[Verifier]:
    """The note verifiers of a log: each trusted key under the log's origin as key name."""
    return [Verifier(origin, ED25519, public) for public in keys.values()]


def check_note(cp: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> str | None:
    """None if the checkpoint's signed note says what its JSON says and a trusted key signed
    it, else why not."""
    try:
        note = parse_note(str(cp["note"]))
        body = parse_checkpoint(note.text)
        if not note_matches(body, cp):
            return "signed note does not match the checkpoint it belongs to"
        if not verify_note(note, log_verifiers(body.origin, keys)):
            return "signed note carries no signature by a trusted key"
    except NoteError as exc:
        return f"signed note is not valid: {exc}"
    return None


@dataclass(frozen=True, slots=True)
class Witnessed:
    """One trusted witness's cosignature on a checkpoint signed by a trusted log key."""

    witness: str
    size: int
    root: str
    timestamp: int
    where: str


def witnessed(log_id: str, notes: Iterable[tuple[str, str]],
              keys: dict[str, Ed25519PublicKey], witnesses: list[Verifier]
              ) -> tuple[list[Witnessed], list[Finding]]:
    """Cosigned checkpoints of `log_id` (from the store, the bundle or the witnesses),
    checked against trusted log and witness keys only."""
    origin = origin_of(log_id)
    out: list[Witnessed] = []
    findings: list[Finding] = []
    for where, text in notes:
        try:
            note = parse_note(text)
            body = parse_checkpoint(note.text)
            if body.origin != origin:
                continue
            if not verify_note(note, log_verifiers(origin, keys)):
                findings.append(Finding(where, "cosigned checkpoint is not signed by a trusted "
                                        "log key (ignored)", "warning"))
                continue
            for v in verify_note(note, witnesses):
                out.append(Witnessed(v.verifier.name, body.size, body.root.hex(), v.timestamp,
                                     where))
        except NoteError as exc:
            findings.append(Finding(where, f"cosigned checkpoint is not valid: {exc}"))
    return out, findings


def verify_witnessed(log_id: str, chain: ChainResult, seen: list[Witnessed], quorum: int,
                     *, snapshot: float | None = None
                     ) -> tuple[list[Finding], dict[int, str]]:
    """Roll-back and fork checks against what trusted witnesses cosigned. Returns findings and
    the witnessed roots by size that the entries must still be checked against.

    `snapshot`: the trail is a bundle whose store was read then (Unix time). A store must
    reach every size a witness cosigned; a bundle only those cosigned before its snapshot
    (the log goes on growing after an export). A bundle behind a witness is a prefix of the
    log that witness saw when that witness cosigned the bundle's newest checkpoint: a witness
    cosigns a larger size only with a consistency proof from the last it cosigned, so it has
    checked the growth in between. When it never cosigned that checkpoint, nothing ties the
    bundle's tail to the witnessed log (a fork re-signed by the key holder looks the same)."""
    findings: list[Finding] = []
    newest: dict[str, Witnessed] = {}
    for w in seen:
        if w.witness not in newest or w.size > newest[w.witness].size:
            newest[w.witness] = w
    have = int(chain.checkpoints[-1][1]["tree_size"]) if chain.checkpoints else 0
    roots = {int(cp["tree_size"]): str(cp["root"]) for _, cp in chain.checkpoints}
    if len(newest) < quorum:
        findings.append(Finding(log_id, f"not witnessed: {len(newest)} of the {quorum} "
                                "witnesses required cosigned a checkpoint of this log"))
    if newest and snapshot is not None:
        findings.extend(_bundle_behind(log_id, have, roots.get(have), seen, newest, snapshot))
    elif newest:
        top = max(newest.values(), key=lambda w: w.size)
        if top.size > have:
            names = ", ".join(sorted(w.witness for w in newest.values() if w.size == top.size))
            findings.append(Finding(log_id, f"rolled back: witnesses saw size {top.size} "
                                    f"({names}), but the trail ends at size {have}"))
    if newest:
        sizes = sorted((w.size for w in newest.values()), reverse=True)
        if len(sizes) >= quorum and have > sizes[quorum - 1]:
            findings.append(Finding(log_id, f"the newest checkpoint (size {have}) is not yet "
                                    f"cosigned by {quorum} witnesses (they agree on size "
                                    f"{sizes[quorum - 1]})", "warning"))
    extra: dict[int, str] = {}
    for w in seen:
        known = roots.get(w.size)
        if known is not None and known != w.root:
            findings.append(Finding(w.where, f"fork: witness {w.witness} cosigned a different "
                                    f"root at size {w.size} than the trail's checkpoint"))
        elif known is None and w.size <= have:
            extra[w.size] = w.root
    return findings, extra


def _bundle_behind(log_id: str, have: int, root: str | None, seen: list[Witnessed],
                   newest: dict[str, Witnessed], snapshot: float) -> list[Finding]:
    """The witnesses whose newest size is past a bundle's newest checkpoint (`have`, `root`),
    judged as verify_witnessed says."""
    findings: list[Finding] = []
    when = _utc(snapshot)
    for w in sorted(newest.values(), key=lambda w: (w.size, w.witness)):
        if w.size <= have:
            continue
        if w.timestamp + 1 <= snapshot:  # (a cosignature's time is in whole seconds)
            findings.append(Finding(log_id, f"rolled back: witnesses saw size {w.size} "
                                    f"({w.witness}, cosigned {_utc(w.timestamp)}), but the "
                                    f"trail ends at size {have} (this bundle's store was read "
                                    f"{when})"))
        elif root is not None and any(
                s.size == have and s.root == root and (s.witness == w.witness or (
                    newest[s.witness].size, newest[s.witness].root) == (w.size, w.root))
                for s in seen):
            # (it cosigned the bundle's newest checkpoint, or another witness did that has
            # since cosigned the same tree as this one)
            findings.append(Finding(log_id, f"the log has grown since this bundle's store was "
                                    f"read ({when}): {w.witness} cosigned size {w.size} "
                                    f"{_utc(w.timestamp)}, after this bundle's newest "
                                    f"checkpoint (size {have}), which it cosigned too",
                                    "warning"))
        else:
            findings.append(Finding(log_id, f"fork not ruled out: {w.witness} has cosigned "
                                    f"size {w.size} since this bundle's store was read "
                                    f"({when}), but not this bundle's newest checkpoint (size "
                                    f"{have}): nothing ties the bundle's tail to the witnessed "
                                    "log (export again once the newest checkpoint is "
                                    "witnessed)"))
    return findings


def _utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).isoformat(timespec="seconds")


def verify_entries(log_id: str, entries: Iterable[tuple[str, bytes]], chain: ChainResult,
                   *, partial: bool = False, witnessed_roots: dict[int, str] | None = None
                   ) -> tuple[list[Finding], int]:
    """Walk every entry of a log. Returns findings and how many entries were read."""
    findings: list[Finding] = []
    by_size = {int(cp["tree_size"]): (loc, cp) for loc, cp in chain.checkpoints}
    extra = witnessed_roots or {}
    frontier, expected, prev = Frontier(), 0, GENESIS
    if chain.purge is not None:
        through = int(chain.purge["through_seq"])
        anchor = by_size.get(through + 1)
        if anchor is None:
            findings.append(Finding(f"{log_id}/purge", f"purge through seq {through} has no "
                                    "signed checkpoint at that size to continue from"))
        else:
            cp = anchor[1]
            frontier = Frontier.from_json(through + 1, cp["frontier"])
            expected, prev = through + 1, str(cp["last_leaf"])
    count = 0
    checked: set[int] = set()
    for loc, line in entries:
        if line == TORN:
            # the newest line without its line break (a source yields TORN only there): a
            # write in progress (a live store), or what a crash left, which the gateway cuts at
            # its next start (never acknowledged, so no data moved on it): no entry
            findings.append(Finding(loc, "the newest line is incomplete: a write in progress, "
                                    "or a crash's torn tail the gateway cuts at its next start; "
                                    "not part of the verified log", severity="warning"))
            continue
        count += 1
        try:
            obj = json.loads(line)
            seq = int(obj["seq"])
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(loc, "entry is not valid trail JSON (modified or torn)"))
            continue
        if obj.get("log_id") != log_id:
            findings.append(Finding(loc, f"entry seq {seq} belongs to log {obj.get('log_id')!r}"))
        if canonical(obj) != line:
            findings.append(Finding(loc, f"entry seq {seq} is not in canonical form (edited?)"))
        if seq > expected:
            findings.append(Finding(loc, f"entries seq {expected}..{seq - 1} are missing "
                                    "(deleted or truncated)"))
        elif seq < expected:
            findings.append(Finding(loc, f"entry seq {seq} appears after seq {expected - 1} "
                                    "(inserted, duplicated or reordered)"))
        if obj.get("prev") != prev and seq == expected:
            findings.append(Finding(loc, f"entry seq {seq} does not chain to the previous entry "
                                    "(prev hash mismatch: an entry before it changed or was "
                                    "replaced)"))
        leaf = leaf_hash(line)
        if seq == expected:
            frontier.append(leaf)
        prev, expected = leaf.hex(), seq + 1
        hit = by_size.get(frontier.size) if seq + 1 == frontier.size else None
        if hit is not None and frontier.root().hex() != hit[1]["root"]:
            findings.append(Finding(loc, f"Merkle root over entries 0..{seq} differs from the "
                                    f"signed checkpoint #{hit[1]['index']} ({hit[0]})"))
        want = extra.get(frontier.size) if seq + 1 == frontier.size else None
        if want is not None:
            checked.add(frontier.size)
        if want is not None and frontier.root().hex() != want:
            findings.append(Finding(loc, f"fork: Merkle root over entries 0..{seq} differs from "
                                    "the one witnesses cosigned at that size"))
    if not partial:
        findings.extend(unchecked_witnessed(log_id, set(extra) - checked))
    if chain.checkpoints and not partial:
        loc, last = chain.checkpoints[-1]
        if int(last["tree_size"]) > frontier.size:
            findings.append(Finding(loc, f"checkpoint #{last['index']} covers "
                                    f"{last['tree_size']} entries but only {frontier.size} are "
                                    "present (truncated tail or missing segment)"))
        elif frontier.size > int(last["tree_size"]):
            findings.append(Finding(loc, f"{frontier.size - int(last['tree_size'])} entries after "
                                    "the last signed checkpoint are not yet covered by one",
                                    severity="warning"))
    elif not chain.checkpoints and count and not partial:
        findings.append(Finding(log_id, "no signed checkpoint covers this log", "warning"))
    return findings, count


def unchecked_witnessed(log_id: str, sizes: Iterable[int]) -> list[Finding]:
    """Witnessed sizes that neither a checkpoint of the trail nor its entries could be checked
    against. An honest log's witnesses only cosign its own checkpoints, so such a size means
    the trail's signed checkpoints were replaced (a fork re-signed with the log key) or the
    entries that would show it are gone."""
    return [Finding(log_id, f"fork not ruled out: witnesses cosigned a checkpoint at size "
                    f"{size}, which no checkpoint here has and no entries here can be checked "
                    "against (checkpoints re-signed by the log key?)") for size in sorted(sizes)]


def verify_consistency_chain(log_id: str, chain: ChainResult,
                             proofs: dict[tuple[int, int], list[bytes]]) -> list[Finding]:
    """Consecutive checkpoints must be consistent (append-only growth, no rewrite)."""
    findings = []
    cps = [cp for _, cp in chain.checkpoints]
    for a, b in itertools.pairwise(cps):
        m, n = int(a["tree_size"]), int(b["tree_size"])
        if m == 0 or m == n:
            continue
        proof = proofs.get((m, n))
        if proof is None:
            continue
        if not verify_consistency(m, n, bytes.fromhex(a["root"]), bytes.fromhex(b["root"]),
                                  proof):
            findings.append(Finding(f"{log_id}/consistency.jsonl",
                                    f"checkpoint #{b['index']} ({n} entries) is not an "
                                    f"append-only extension of #{a['index']} ({m} entries)"))
    return findings
