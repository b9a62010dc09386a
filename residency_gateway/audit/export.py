"""Export bundles for auditors, and their offline verification (shell around pure checks).

A bundle directory:
  manifest.json                 filters, counts, per-file SHA-256, logs and anchors
  manifest.sig                  detached Ed25519 signature over manifest.json (base64)
  logs/<log_id>/entries.jsonl   the selected entries, byte for byte as stored
  logs/<log_id>/checkpoints.jsonl  the log's whole signed checkpoint chain
  logs/<log_id>/proofs.jsonl    an RFC 6962 inclusion proof of each entry in the anchor tree
  logs/<log_id>/consistency.jsonl  consistency proofs between consecutive checkpoints
  keys/<key_id>.pub             every public key that signed a checkpoint or the manifest
  policies/<version>.json       the region map of every policy version the records name
  records.csv                   with --format csv, one row per decision, for spreadsheets
"""

from __future__ import annotations

import array
import base64
import contextlib
import csv
import datetime as dt
import hashlib
import itertools
import json
import mmap
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.merkle import (
    BoundedHasher,
    Frontier,
    Unavailable,
    consistency_proof,
    frontier_ranges,
    inclusion_proof,
    verify_inclusion,
)
from residency_gateway.audit.note import Verifier
from residency_gateway.audit.progress import track
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import Signer, public_pem
from residency_gateway.audit.sources import Source
from residency_gateway.audit.verify import (
    TORN,
    ChainResult,
    Finding,
    checkpoint_item,
    unchecked_witnessed,
    verify_chain,
    verify_consistency_chain,
    verify_entries,
    verify_witnessed,
    witnessed,
)
from residency_gateway.files import open_regular, read_regular

BUNDLE_FORMAT = "residency-gateway-export/1"
MANIFEST_LIMIT = 1 << 30  # a file list, counts and filters: far below this for any bundle


@dataclass
class Filters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    tenant: str | None = None
    origin: str | None = None
    destination: str | None = None
    cross_border_only: bool = False
    subject_pseudonyms: frozenset[str] | None = None
    # With a tenant filter: the tenants the scanned decisions named (at most 1000), so a
    # filter that selects nothing can say which names there are.
    seen_tenants: set[str] = field(default_factory=set, compare=False)

    @property
    def complete(self) -> bool:
        return self == Filters()

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "tenant": self.tenant, "origin": self.origin, "destination": self.destination,
            "cross_border_only": self.cross_border_only,
            "subject": "pseudonym match" if self.subject_pseudonyms is not None else None,
        }

    def match(self, record: dict[str, Any]) -> bool:
        if record.get("type") != "decision":
            return False
        when = dt.datetime.fromisoformat(record["time"])
        if (self.since and when < self.since) or (self.until and when >= self.until):
            return False
        if self.tenant is not None and record.get("tenant") != self.tenant:
            named = record.get("tenant")
            if isinstance(named, str) and len(self.seen_tenants) < 1000:
                self.seen_tenants.add(named)
            return False
        origin = record["origin"]["jurisdiction"] or "unknown"
        if self.origin is not None and origin != self.origin:
            return False
        dest = record["destination"]
        if self.destination is not None and self.destination not in (dest["region"],
                                                                     dest["jurisdiction"]):
            return False
        if self.cross_border_only and not (record["action"] == "forward"
                                           and dest["cross_border"]):
            return False
        if self.subject_pseudonyms is not None:
            mine = {s["pseudonym"] for s in record.get("subjects", [])}
            if not mine & self.subject_pseudonyms:
                return False
        return True


@dataclass
class ExportResult:
    out: Path
    selected: int
    logs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    with open_regular(path) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class _MappedLeaves:
    """Leaf hashes kept in a temporary file (32 bytes each), read back through mmap: the
    export's tree does not live in memory."""

    def __init__(self, fh: Any):
        fh.flush()
        size = os.fstat(fh.fileno()).st_size
        self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._n = size // 32

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> bytes:
        assert self._mm is not None
        return self._mm[i * 32:(i + 1) * 32]

    def close(self) -> None:
        if self._mm is not None:
            self._mm.close()


def export_bundle(source: Source, out: Path, filters: Filters, signer: Signer, *,
                  csv_too: bool = False) -> ExportResult:
    """Write a bundle in two streaming passes per log (entries, then proofs): memory stays flat
    in the number of entries; progress shows on a terminal."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    result = ExportResult(out, 0)
    # When the store was read: what witnesses cosigned after it may be missing from the bundle
    # (the log grew since), what they cosigned before it may not (verify_witnessed).
    as_of = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    keys_used = {signer.key_id: signer.public}
    store_keys = source.public_keys()
    versions: set[str] = set()
    decisions = 0
    with contextlib.ExitStack() as stack:
        csv_writer = None
        if csv_too:
            csv_writer = csv.writer(stack.enter_context(
                (out / "records.csv").open("w", newline="", encoding="utf-8")))
            csv_writer.writerow(CSV_COLUMNS)
        for log_id in source.logs():
            chain_items = source.checkpoints(log_id)
            for cp in (c for _, c in chain_items):
                kid = cp.get("key_id")
                if isinstance(kid, str) and kid in store_keys:
                    keys_used[kid] = store_keys[kid]
            info = _export_log(source, log_id, chain_items, out / "logs" / log_id, filters,
                               versions, csv_writer)
            decisions += info["decisions"]
            result.logs[log_id] = info
            result.selected += info["entries"]
    (out / "keys").mkdir()
    for kid, public in keys_used.items():
        (out / "keys" / f"{kid}.pub").write_bytes(public_pem(public))
    (out / "policies").mkdir()
    policies = source.policies()
    for version in sorted(v for v in versions if v):
        if version in policies:
            (out / "policies" / f"{version}.json").write_text(policies[version], "utf-8")
    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = {
        "format": BUNDLE_FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": as_of,
        "filters": filters.to_json(),
        "complete": filters.complete,
        "logs": result.logs,
        "counts": {"entries": result.selected, "decisions": decisions},
        "policy_versions": sorted(v for v in versions if v),
        "files": {str(p.relative_to(out)): _sha256(p) for p in files},
        "signed_by": signer.key_id,
    }
    data = canonical(manifest)
    (out / "manifest.json").write_bytes(data)
    (out / "manifest.sig").write_text(base64.b64encode(signer.sign_bytes(data)).decode() + "\n")
    return result


def _export_log(source: Source, log_id: str, chain_items: list[tuple[str, dict[str, Any]]],
                ldir: Path, filters: Filters, versions: set[str],
                csv_writer: Any) -> dict[str, Any]:
    checkpoints = [cp for _, cp in chain_items if cp.get("type") == "checkpoint"]
    anchor = checkpoints[-1] if checkpoints else None
    ldir.mkdir(parents=True)
    seqs = array.array("q")
    open_ids: set[str] = set()  # selected decisions whose completion may still follow
    first_seq: int | None = None
    store_entries = decisions = 0
    with tempfile.TemporaryFile() as leaf_file:
        with (ldir / "entries.jsonl").open("wb") as fh:
            total = int(anchor["tree_size"]) if anchor else None
            for loc, line in track(source.entries(log_id), f"export {log_id}", total):
                if line == TORN:
                    # the newest segment's last line, without its line break: a write in
                    # progress in a live store, or what a crash left (cut at the next start,
                    # and never acknowledged): no entry; the export ends before it
                    break
                try:
                    obj = json.loads(line)
                    seq = int(obj["seq"])
                except (ValueError, KeyError, TypeError):
                    raise ValueError(f"{loc}: the entry is not valid trail JSON (modified or "
                                     "damaged): run `audit verify --store`, which names what "
                                     "differs") from None
                if first_seq is None:
                    first_seq = seq
                leaf_file.write(leaf_hash(line))
                store_entries += 1
                rec = obj["record"]
                take = filters.complete
                if not take and filters.match(rec):
                    take = True
                    open_ids.add(rec["decision_id"])
                elif not take and rec.get("type") == "completion" and \
                        rec.get("decision_id") in open_ids:
                    take = True
                    open_ids.discard(rec["decision_id"])
                if not take:
                    continue
                fh.write(line + b"\n")
                seqs.append(seq)
                versions.add(rec.get("policy_version") or "")
                if rec.get("type") == "decision":
                    decisions += 1
                    if csv_writer is not None:
                        csv_writer.writerow(csv_row(rec))
        first = first_seq or 0
        leaves = _MappedLeaves(leaf_file)
        try:
            rr = BoundedHasher(leaves, offset=first, known=_known_ranges(chain_items, first))
            unanchored = 0
            with (ldir / "proofs.jsonl").open("wb") as pf:
                for seq in track(seqs, f"proofs {log_id}", len(seqs)):
                    row: dict[str, Any] = {"seq": seq, "tree_size": None, "path": None}
                    if anchor is not None and seq < anchor["tree_size"]:
                        try:
                            path = inclusion_proof(seq, anchor["tree_size"], rr)
                            row = {"seq": seq, "tree_size": anchor["tree_size"],
                                   "checkpoint": anchor["index"],
                                   "path": [p.hex() for p in path]}
                        except Unavailable:
                            pass
                    unanchored += row["path"] is None
                    pf.write(canonical(row) + b"\n")
            consistency = []
            for a, b in itertools.pairwise(checkpoints):
                m, n = a["tree_size"], b["tree_size"]
                if 0 < m < n:
                    try:
                        proof = consistency_proof(m, n, rr)
                    except Unavailable:
                        continue
                    consistency.append({"from": m, "to": n, "path": [p.hex() for p in proof]})
        finally:
            leaves.close()
    _write_jsonl(ldir / "checkpoints.jsonl", [cp for _, cp in chain_items])
    _write_jsonl(ldir / "cosigned.jsonl", [{"note": note} for _, note in
                                           source.cosigned(log_id)])
    _write_jsonl(ldir / "consistency.jsonl", consistency)
    return {"entries": len(seqs), "decisions": decisions, "first_seq": first,
            "store_entries": store_entries,
            "anchor_checkpoint": anchor["index"] if anchor else None, "unanchored": unanchored}


def _known_ranges(chain_items: list[tuple[str, dict[str, Any]]],
                  first_seq: int) -> dict[tuple[int, int], bytes]:
    for _, cp in chain_items:
        if cp.get("type") == "checkpoint" and cp.get("tree_size") == first_seq and first_seq:
            return frontier_ranges(Frontier.from_json(first_seq, cp["frontier"]))
    return {}


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("wb") as fh:
        for row in rows:
            fh.write(canonical(row) + b"\n")


CSV_COLUMNS = ["time", "decision_id", "tenant", "action", "status", "origin", "origin_rule",
               "destination_region", "destination_jurisdiction", "cross_border",
               "legal_basis", "reasons", "categories", "subjects", "policy_version",
               "geoip_build", "gateway_region"]


def csv_row(r: dict[str, Any]) -> list[Any]:
    basis = r.get("legal_basis")
    return [r["time"], r["decision_id"], r["tenant"], r["action"], r["status"],
            r["origin"]["jurisdiction"] or "unknown", r["origin"]["rule"],
            r["destination"]["region"], r["destination"]["jurisdiction"],
            r["destination"]["cross_border"],
            f"{basis['mechanism']}: {basis['reference']}" if basis else "",
            " ".join(r["reasons"]), " ".join(r["categories"]),
            " ".join(s["pseudonym"] for s in r["subjects"]),
            r["policy_version"], r["geoip_build"], r["gateway_region"]]


def write_csv(path: Path, decisions: Iterable[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in decisions:
            w.writerow(csv_row(r))


# -- verification of a bundle ------------------------------------------------------------------

@dataclass
class WitnessCheck:
    """Trusted witnesses, the quorum, and a way to ask them for their latest cosigned
    checkpoint of a log (None: offline, only cosignatures found in the store or bundle)."""

    witnesses: list[Verifier]
    quorum: int = 1
    ask: Callable[[str], list[tuple[str, str]]] | None = None
    asked: int = 0  # how many witnesses `ask` asks (those with a URL)

    def check(self, log_id: str, chain: ChainResult, notes: list[tuple[str, str]],
              keys: dict[str, Ed25519PublicKey], *, snapshot: float | None = None
              ) -> tuple[list[Finding], dict[int, str]]:
        """`snapshot`: a bundle's, when the store was read (Unix seconds; see
        verify_witnessed); None for a store, which must hold all that witnesses saw."""
        if not self.witnesses:
            return [], {}
        findings: list[Finding] = []
        if self.ask is not None:
            answers = self.ask(log_id)
            need = min(self.quorum, self.asked)
            if len(answers) < need:
                # Only a witness's own answer shows the newest size it cosigned: the
                # cosignatures kept in the store or bundle can be cut back with the trail.
                findings.append(Finding(log_id, f"roll-back not ruled out: {len(answers)} of "
                                        f"the {self.asked} witnesses asked answered, "
                                        f"{need} needed"))
            notes = [*notes, *answers]
        seen, more = witnessed(log_id, notes, keys, self.witnesses)
        more2, extra = verify_witnessed(log_id, chain, seen, self.quorum, snapshot=snapshot)
        return [*findings, *more, *more2], extra


def verify_bundle(bundle: Path, trusted: dict[str, Ed25519PublicKey] | None,
                  witness_check: WitnessCheck | None = None) -> list[Finding]:
    """Everything a bundle claims, checked with nothing but the bundle and the trusted keys
    (never the keys the bundle carries: with none trusted, nothing verifies)."""
    from residency_gateway.audit.signing import SigningKeyError, load_public_keys

    findings: list[Finding] = []
    manifest_path = bundle / "manifest.json"
    try:
        raw = read_regular(manifest_path, MANIFEST_LIMIT)
        manifest = json.loads(raw)
        sig_text = read_regular(bundle / "manifest.sig", 4096)
        signature = base64.b64decode(sig_text.strip(), validate=True)
    except (OSError, ValueError) as exc:
        return [Finding(str(manifest_path), f"manifest or signature unreadable: {exc}")]
    bundle_keys: dict[str, Ed25519PublicKey] = {}
    for key_file in sorted((bundle / "keys").glob("*.pub")) if (bundle / "keys").exists() else []:
        try:
            bundle_keys.update(load_public_keys([key_file]))
        except SigningKeyError as exc:
            findings.append(Finding(str(key_file.relative_to(bundle)), f"not a usable public "
                                    f"key: {exc}"))
    keys = trusted or {}
    if not keys:
        findings.append(Finding(str(bundle), "UNTRUSTED: no trusted log key given; the keys "
                                f"inside the bundle ({', '.join(sorted(bundle_keys)) or 'none'}) "
                                "prove nothing"))
    signer = keys.get(str(manifest.get("signed_by")))
    if signer is None:
        findings.append(Finding("manifest.sig", f"manifest signed by unknown key "
                                f"{manifest.get('signed_by')}"))
    else:
        try:
            signer.verify(signature, raw)
        except Exception:
            findings.append(Finding("manifest.sig", "manifest signature is not valid"))
    if sig_text != base64.b64encode(signature) + b"\n":
        # Base64 has spare bits and padding: only the exact encoding written is accepted.
        findings.append(Finding("manifest.sig", "signature file is not in its canonical form"))
    if not isinstance(manifest, dict):
        return [*findings, Finding("manifest.json", "manifest is not a JSON object")]
    listed = manifest.get("files", {})
    if not isinstance(listed, dict):
        findings.append(Finding("manifest.json", "manifest has no file list"))
        listed = {}
    present = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()} - {
        "manifest.json", "manifest.sig"}
    for name in sorted(present - set(listed)):
        findings.append(Finding(name, "file is not listed in the manifest (added?)"))
    for name in sorted(set(listed) - present):
        findings.append(Finding(name, "file listed in the manifest is missing"))
    for name in sorted(set(listed) & present):
        if _sha256(bundle / name) != listed[name]:
            findings.append(Finding(name, "file content differs from the manifest's SHA-256"))
    logs = manifest.get("logs", {})
    if not isinstance(logs, dict):
        return [*findings, Finding("manifest.json", "manifest has no log list")]
    for log_id, info in sorted(logs.items()):
        try:
            findings.extend(_verify_bundle_log(bundle / "logs" / log_id, log_id, info,
                                               bool(manifest.get("complete")), keys,
                                               witness_check, _snapshot(manifest)))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            # Whatever shape the damage takes, it is reported, never a crash.
            findings.append(Finding(f"logs/{log_id}", f"malformed bundle content "
                                    f"({type(exc).__name__}: {exc})"))
    return findings


def _snapshot(manifest: dict[str, Any]) -> float | None:
    """When the bundle's store was read (`as_of`; bundles written before it was recorded:
    `created`, when the export ended), in Unix seconds; None when neither is a time (then
    the bundle is held to a store's rule: it must reach every size witnesses cosigned)."""
    for name in ("as_of", "created"):
        value = manifest.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                when = dt.datetime.fromisoformat(value)
                if when.tzinfo is not None:
                    return when.timestamp()
    return None


def _read_jsonl(path: Path) -> Iterator[tuple[str, bytes]]:
    """(location, line) of each non-empty line, read as a stream."""
    if not path.exists():
        return
    with open_regular(path) as fh:
        for i, raw in enumerate(fh, start=1):
            line = raw.rstrip(b"\n")
            if line:
                yield f"{path.parent.name}/{path.name}:{i}", line


def _verify_bundle_log(ldir: Path, log_id: str, info: dict[str, Any], complete: bool,
                       keys: dict[str, Ed25519PublicKey],
                       witness_check: WitnessCheck | None = None,
                       snapshot: float | None = None) -> list[Finding]:
    findings: list[Finding] = []
    chain_items = []
    for loc, line in _read_jsonl(ldir / "checkpoints.jsonl"):
        chain_items.append((loc, checkpoint_item(line)))
    chain = verify_chain(log_id, chain_items, keys)
    findings.extend(chain.findings)
    proofs_c = {}
    for loc, line in _read_jsonl(ldir / "consistency.jsonl"):
        try:
            row = json.loads(line)
            proofs_c[(int(row["from"]), int(row["to"]))] = [bytes.fromhex(h) for h in row["path"]]
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(loc, "consistency proof is malformed"))
    findings.extend(verify_consistency_chain(log_id, chain, proofs_c))
    extra: dict[int, str] = {}
    if witness_check is not None:
        notes = [(loc, str(json.loads(line).get("note"))) for loc, line in
                 _read_jsonl(ldir / "cosigned.jsonl")]
        more, extra = witness_check.check(log_id, chain, notes, keys, snapshot=snapshot)
        findings.extend(more)
    entries_path = ldir / "entries.jsonl"
    expected = info.get("entries") if isinstance(info.get("entries"), int) else None
    if not complete:
        # A filtered bundle's proofs lead into its own checkpoints only: a witnessed tree that
        # none of them is cannot be tied to them.
        findings.extend(unchecked_witnessed(log_id, extra))
    if complete:
        full, _ = verify_entries(log_id, track(_read_jsonl(entries_path), f"verify {log_id}",
                                               expected),
                                 chain, witnessed_roots=extra)
        findings.extend(full)
    anchors = {int(cp["index"]): cp for _, cp in chain.checkpoints}
    unanchored = n_entries = n_proofs = 0
    pairs = itertools.zip_longest(
        track(_read_jsonl(entries_path), f"proofs {log_id}", expected),
        _read_jsonl(ldir / "proofs.jsonl"))
    for entry, proof_line in pairs:  # one entry and its proof at a time: flat memory
        n_entries += entry is not None
        n_proofs += proof_line is not None
        if entry is None or proof_line is None:
            continue
        loc, line = entry
        proof_loc, proof_text = proof_line
        proof = _parse_proof(proof_loc, proof_text, findings)
        try:
            seq = int(json.loads(line)["seq"])
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(loc, "entry is not valid trail JSON"))
            continue
        if proof.get("seq") != seq:
            findings.append(Finding(loc, f"entry seq {seq} is paired with the proof of seq "
                                    f"{proof.get('seq')} (entries reordered, inserted or "
                                    "removed)"))
            continue
        if proof.get("path") is None:
            unanchored += 1
            continue
        anchor = anchors.get(int(proof["checkpoint"]))
        if anchor is None or anchor["tree_size"] != proof["tree_size"]:
            findings.append(Finding(loc, f"entry seq {seq}: its proof names checkpoint "
                                    f"#{proof['checkpoint']}, which is not in the verified "
                                    "chain"))
            continue
        ok = verify_inclusion(leaf_hash(line), seq, int(anchor["tree_size"]), proof["path"],
                              bytes.fromhex(anchor["root"]))
        if not ok:
            findings.append(Finding(loc, f"entry seq {seq} is not included in the tree signed "
                                    f"by checkpoint #{anchor['index']} (changed?)"))
    if n_proofs != n_entries:
        findings.append(Finding(f"{log_id}/proofs.jsonl", f"{n_proofs} proofs for "
                                f"{n_entries} entries"))
    if unanchored:
        findings.append(Finding(f"{log_id}/entries.jsonl", f"{unanchored} entries are newer "
                                "than the last signed checkpoint and carry no proof",
                                "warning"))
    if info.get("entries") != n_entries:
        findings.append(Finding(f"{log_id}/entries.jsonl", f"manifest counts "
                                f"{info.get('entries')} entries, the bundle has {n_entries}"))
    return findings


def _parse_proof(loc: str, line: bytes, findings: list[Finding]) -> dict[str, Any]:
    try:
        row = json.loads(line)
        if not isinstance(row, dict):
            raise TypeError("not an object")
        if row.get("path") is not None:
            row["path"] = [bytes.fromhex(h) for h in row["path"]]
            int(row["checkpoint"])
        return row
    except (ValueError, KeyError, TypeError):
        findings.append(Finding(loc, "inclusion proof is malformed"))
        return {"seq": None, "path": None}


def verify_store(source: Source, trusted: dict[str, Ed25519PublicKey] | None,
                 witness_check: WitnessCheck | None = None, *,
                 expected: Sequence[str] = ()) -> tuple[list[Finding], int]:
    from residency_gateway.audit.signing import SigningKeyError

    findings: list[Finding] = []
    try:
        keys = trusted if trusted is not None else source.public_keys()
    except SigningKeyError as exc:
        findings.append(Finding("store keys", f"a stored public key is unusable: {exc}"))
        keys = {}
    if trusted is None:
        findings.append(Finding("store", "no --public-key given: trusting the keys stored beside "
                                "the logs", "warning"))
    total = 0
    logs = source.logs()
    for log_id in expected:
        if log_id not in logs:
            # (a whole log deleted leaves every other one consistent: only a list of the logs
            # that must exist shows it; witnesses are asked only about logs that are there)
            findings.append(Finding(f"log {log_id}", "missing: the auditor expects this log "
                                    "(--expect-log / trust file `log`), and the store does not "
                                    "hold it"))
    if not logs:
        # An emptied trail directory (or a wrong path) verifies nothing: never VALID.
        findings.append(Finding("store", "no log found: nothing was verified (an emptied or "
                                "wrong trail directory?)"))
    for log_id in logs:
        try:
            findings.extend(Finding(loc, msg) for loc, msg in source.structure(log_id))
            chain: ChainResult = verify_chain(log_id, source.checkpoints(log_id), keys)
            findings.extend(chain.findings)
            extra: dict[int, str] = {}
            if witness_check is not None:
                wf, extra = witness_check.check(log_id, chain, source.cosigned(log_id), keys)
                findings.extend(wf)
            size = int(chain.checkpoints[-1][1]["tree_size"]) if chain.checkpoints else None
            more, count = verify_entries(log_id, track(source.entries(log_id),
                                                       f"verify {log_id}", size),
                                         chain, witnessed_roots=extra)
            findings.extend(more)
            total += count
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            findings.append(Finding(log_id, f"malformed store content "
                                    f"({type(exc).__name__}: {exc})"))
    return findings, total
