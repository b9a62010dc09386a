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

import base64
import csv
import datetime as dt
import hashlib
import itertools
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.merkle import (
    Frontier,
    Unavailable,
    consistency_proof,
    frontier_ranges,
    inclusion_proof,
    range_hasher,
    verify_inclusion,
)
from residency_gateway.audit.note import Verifier
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import Signer, public_pem
from residency_gateway.audit.sources import Source
from residency_gateway.audit.verify import (
    ChainResult,
    Finding,
    verify_chain,
    verify_consistency_chain,
    verify_entries,
    verify_witnessed,
    witnessed,
)

BUNDLE_FORMAT = "residency-gateway-export/1"


@dataclass
class Filters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    tenant: str | None = None
    origin: str | None = None
    destination: str | None = None
    cross_border_only: bool = False
    subject_pseudonyms: frozenset[str] | None = None

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
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\rexporting: {done}/{total} entries")
        sys.stderr.flush()


def export_bundle(source: Source, out: Path, filters: Filters, signer: Signer, *,
                  csv_too: bool = False,
                  progress: Callable[[int, int], None] = _progress) -> ExportResult:
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    result = ExportResult(out, 0)
    keys_used = {signer.key_id: signer.public}
    store_keys = source.public_keys()
    versions: set[str] = set()
    decisions_for_csv: list[dict[str, Any]] = []
    for log_id in source.logs():
        entries = list(source.entries(log_id))
        chain_items = source.checkpoints(log_id)
        checkpoints = [cp for _, cp in chain_items if cp.get("type") == "checkpoint"]
        for cp in (c for _, c in chain_items):
            kid = cp.get("key_id")
            if isinstance(kid, str) and kid in store_keys:
                keys_used[kid] = store_keys[kid]
        parsed = [(json.loads(line), line) for _, line in entries]
        selected_ids = {obj["record"]["decision_id"] for obj, _ in parsed
                        if filters.match(obj["record"])}
        chosen = parsed if filters.complete else [
            (obj, line) for obj, line in parsed
            if obj["record"].get("decision_id") in selected_ids]
        first_seq = parsed[0][0]["seq"] if parsed else 0
        leaves = [leaf_hash(line) for _, line in parsed]
        known = _known_ranges(chain_items, first_seq)
        rr = range_hasher(leaves, offset=first_seq, known=known)
        anchor = checkpoints[-1] if checkpoints else None
        ldir = out / "logs" / log_id
        ldir.mkdir(parents=True)
        proofs: list[dict[str, Any]] = []
        with (ldir / "entries.jsonl").open("wb") as fh:
            for i, (obj, line) in enumerate(chosen, start=1):
                fh.write(line + b"\n")
                versions.add(obj["record"].get("policy_version") or "")
                if obj["record"]["type"] == "decision":
                    decisions_for_csv.append(obj["record"])
                seq = obj["seq"]
                if anchor is not None and seq < anchor["tree_size"]:
                    try:
                        path = inclusion_proof(seq, anchor["tree_size"], rr)
                        proofs.append({"seq": seq, "tree_size": anchor["tree_size"],
                                       "checkpoint": anchor["index"],
                                       "path": [p.hex() for p in path]})
                    except Unavailable:
                        proofs.append({"seq": seq, "tree_size": None, "path": None})
                else:
                    proofs.append({"seq": seq, "tree_size": None, "path": None})
                if i % 1000 == 0:
                    progress(i, len(chosen))
        _write_jsonl(ldir / "proofs.jsonl", proofs)
        _write_jsonl(ldir / "checkpoints.jsonl", [cp for _, cp in chain_items])
        _write_jsonl(ldir / "cosigned.jsonl", [{"note": note} for _, note in
                                               source.cosigned(log_id)])
        consistency = []
        for a, b in itertools.pairwise(checkpoints):
            m, n = a["tree_size"], b["tree_size"]
            if 0 < m < n:
                try:
                    proof = consistency_proof(m, n, rr)
                except Unavailable:
                    continue
                consistency.append({"from": m, "to": n, "path": [p.hex() for p in proof]})
        _write_jsonl(ldir / "consistency.jsonl", consistency)
        result.logs[log_id] = {"entries": len(chosen), "decisions": len(
            [1 for o, _ in chosen if o["record"]["type"] == "decision"]),
            "first_seq": first_seq, "store_entries": len(parsed),
            "anchor_checkpoint": anchor["index"] if anchor else None,
            "unanchored": sum(1 for p in proofs if p["path"] is None)}
        result.selected += len(chosen)
    (out / "keys").mkdir()
    for kid, public in keys_used.items():
        (out / "keys" / f"{kid}.pub").write_bytes(public_pem(public))
    (out / "policies").mkdir()
    policies = source.policies()
    for version in sorted(v for v in versions if v):
        if version in policies:
            (out / "policies" / f"{version}.json").write_text(policies[version], "utf-8")
    if csv_too:
        write_csv(out / "records.csv", decisions_for_csv)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = {
        "format": BUNDLE_FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "filters": filters.to_json(),
        "complete": filters.complete,
        "logs": result.logs,
        "counts": {"entries": result.selected, "decisions": len(decisions_for_csv)},
        "policy_versions": sorted(v for v in versions if v),
        "files": {str(p.relative_to(out)): _sha256(p) for p in files},
        "signed_by": signer.key_id,
    }
    data = canonical(manifest)
    (out / "manifest.json").write_bytes(data)
    (out / "manifest.sig").write_text(base64.b64encode(signer.sign_bytes(data)).decode() + "\n")
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    return result


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


def write_csv(path: Path, decisions: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in decisions:
            basis = r.get("legal_basis")
            w.writerow([r["time"], r["decision_id"], r["tenant"], r["action"], r["status"],
                        r["origin"]["jurisdiction"] or "unknown", r["origin"]["rule"],
                        r["destination"]["region"], r["destination"]["jurisdiction"],
                        r["destination"]["cross_border"],
                        f"{basis['mechanism']}: {basis['reference']}" if basis else "",
                        " ".join(r["reasons"]), " ".join(r["categories"]),
                        " ".join(s["pseudonym"] for s in r["subjects"]),
                        r["policy_version"], r["geoip_build"], r["gateway_region"]])


# -- verification of a bundle ------------------------------------------------------------------

@dataclass
class WitnessCheck:
    """Trusted witnesses, the quorum, and a way to ask them for their latest cosigned
    checkpoint of a log (None: offline, only cosignatures found in the store or bundle)."""

    witnesses: list[Verifier]
    quorum: int = 1
    ask: Callable[[str], list[tuple[str, str]]] | None = None

    def check(self, log_id: str, chain: ChainResult, notes: list[tuple[str, str]],
              keys: dict[str, Ed25519PublicKey]) -> tuple[list[Finding], dict[int, str]]:
        if not self.witnesses:
            return [], {}
        if self.ask is not None:
            notes = [*notes, *self.ask(log_id)]
        seen, findings = witnessed(log_id, notes, keys, self.witnesses)
        more, extra = verify_witnessed(log_id, chain, seen, self.quorum)
        return [*findings, *more], extra

def verify_bundle(bundle: Path, trusted: dict[str, Ed25519PublicKey] | None,
                  witness_check: WitnessCheck | None = None) -> list[Finding]:
    """Everything a bundle claims, checked with nothing but the bundle and the trusted keys
    (never the keys the bundle carries: with none trusted, nothing verifies)."""
    from residency_gateway.audit.signing import SigningKeyError, load_public_keys

    findings: list[Finding] = []
    manifest_path = bundle / "manifest.json"
    try:
        raw = manifest_path.read_bytes()
        manifest = json.loads(raw)
        sig_text = (bundle / "manifest.sig").read_bytes()
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
                                               witness_check))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            # Whatever shape the damage takes, it is reported, never a crash.
            findings.append(Finding(f"logs/{log_id}", f"malformed bundle content "
                                    f"({type(exc).__name__}: {exc})"))
    return findings


def _read_jsonl(path: Path) -> list[tuple[str, bytes]]:
    if not path.exists():
        return []
    return [(f"{path.parent.name}/{path.name}:{i}", line)
            for i, line in enumerate(path.read_bytes().split(b"\n"), start=1) if line]


def _verify_bundle_log(ldir: Path, log_id: str, info: dict[str, Any], complete: bool,
                       keys: dict[str, Ed25519PublicKey],
                       witness_check: WitnessCheck | None = None) -> list[Finding]:
    findings: list[Finding] = []
    chain_items = []
    for loc, line in _read_jsonl(ldir / "checkpoints.jsonl"):
        try:
            item = json.loads(line)
            chain_items.append((loc, item if isinstance(item, dict) else {"type": "unparseable"}))
        except ValueError:
            chain_items.append((loc, {"type": "unparseable"}))
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
        more, extra = witness_check.check(log_id, chain, notes, keys)
        findings.extend(more)
    entries = _read_jsonl(ldir / "entries.jsonl")
    if complete:
        full, _ = verify_entries(log_id, entries, chain, witnessed_roots=extra)
        findings.extend(full)
    anchors = {int(cp["index"]): cp for _, cp in chain.checkpoints}
    proofs: list[dict[str, Any]] = []
    for loc, line in _read_jsonl(ldir / "proofs.jsonl"):
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise TypeError("not an object")
            if row.get("path") is not None:
                row["path"] = [bytes.fromhex(h) for h in row["path"]]
                int(row["checkpoint"])
            proofs.append(row)
        except (ValueError, KeyError, TypeError):
            findings.append(Finding(loc, "inclusion proof is malformed"))
            proofs.append({"seq": None, "path": None})
    if len(proofs) != len(entries):
        findings.append(Finding(f"{log_id}/proofs.jsonl", f"{len(proofs)} proofs for "
                                f"{len(entries)} entries"))
    unanchored = 0
    for (loc, line), proof in zip(entries, proofs, strict=False):
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
    if unanchored:
        findings.append(Finding(f"{log_id}/entries.jsonl", f"{unanchored} entries are newer "
                                "than the last signed checkpoint and carry no proof",
                                "warning"))
    if info.get("entries") != len(entries):
        findings.append(Finding(f"{log_id}/entries.jsonl", f"manifest counts "
                                f"{info.get('entries')} entries, the bundle has {len(entries)}"))
    return findings


def verify_store(source: Source, trusted: dict[str, Ed25519PublicKey] | None,
                 witness_check: WitnessCheck | None = None) -> tuple[list[Finding], int]:
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
    for log_id in source.logs():
        try:
            findings.extend(Finding(loc, msg) for loc, msg in source.structure(log_id))
            chain: ChainResult = verify_chain(log_id, source.checkpoints(log_id), keys)
            findings.extend(chain.findings)
            extra: dict[int, str] = {}
            if witness_check is not None:
                wf, extra = witness_check.check(log_id, chain, source.cosigned(log_id), keys)
                findings.extend(wf)
            more, count = verify_entries(log_id, source.entries(log_id), chain,
                                         witnessed_roots=extra)
            findings.extend(more)
            total += count
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            findings.append(Finding(log_id, f"malformed store content "
                                    f"({type(exc).__name__}: {exc})"))
    return findings, total
