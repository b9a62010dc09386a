"""Read-only views of stored trails for export and verify (shell): file stores, PostgreSQL.

A source lists logs, yields each log's entries as (location, exact line bytes), its checkpoint
chain as (location, dict), structural problems only the store can see (a missing segment file),
the public keys kept beside the logs, and the archived policy versions.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from residency_gateway.audit.filestore import (
    iter_lines,
    list_segments,
    segment_index,
)
from residency_gateway.audit.signing import load_public_keys
from residency_gateway.audit.verify import TORN, checkpoint_item
from residency_gateway.files import open_regular, read_regular

MAX_POLICY_BYTES = 64 << 20  # one canonical map (the map files are bounded to 16 MiB)


class Source(Protocol):
    def logs(self) -> list[str]: ...
    def entries(self, log_id: str) -> Iterator[tuple[str, bytes]]: ...
    def checkpoints(self, log_id: str) -> list[tuple[str, dict[str, Any]]]: ...
    def cosigned(self, log_id: str) -> list[tuple[str, str]]: ...
    def structure(self, log_id: str) -> list[tuple[str, str]]: ...
    def public_keys(self) -> dict[str, Ed25519PublicKey]: ...
    def policies(self) -> dict[str, str]: ...


class FileSource:
    """A trail directory (`<data-dir>/trail`) or one log directory inside it."""

    def __init__(self, path: Path):
        path = Path(path)
        self._only: str | None = None
        self._ambiguous: str | None = None
        self.root = path
        # A log directory holds a checkpoint chain or segments; a trail directory holds log
        # directories. An honest store is never both: a stray checkpoints.jsonl or seg-*.jsonl
        # dropped beside the logs (or a stray log directory inside a log) must not make verify
        # check an empty decoy and skip the real logs, so it is named as an error.
        if (path / "checkpoints.jsonl").exists() or list_segments(path):
            if not self.logs():
                self.root, self._only = path.parent, path.name
            else:
                self._ambiguous = (f"{path} holds both a log's files (checkpoints.jsonl or "
                                   "seg-*.jsonl) and log directories: stray files (tampering?); "
                                   "the directories are verified as logs")

    def logs(self) -> list[str]:
        if self._only:
            return [self._only]
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name != "policies"
                      and ((p / "checkpoints.jsonl").exists() or list_segments(p)))

    def entries(self, log_id: str) -> Iterator[tuple[str, bytes]]:
        """Each complete line of each segment; at "<segment>:end", a last line without its line
        break: in the newest segment TORN (a write still in progress in a live store, or what
        a crash left, which the gateway cuts at its next start), in an older one the bytes as
        they are (damage: verify and export name it). Decided from what was read: a size taken
        before reading made every append meanwhile look torn, and a live export failed on it."""
        segments = list_segments(self.root / log_id)
        for k, seg in enumerate(segments):
            with open_regular(seg) as fh:
                for number, raw in enumerate(fh, start=1):
                    if not raw.endswith(b"\n"):
                        # (in an older segment, a rotated one, the line as it is: damage)
                        yield f"{log_id}/{seg.name}:end", (
                            TORN if k == len(segments) - 1 else raw)
                        break
                    yield f"{log_id}/{seg.name}:{number}", raw[:-1]

    def checkpoints(self, log_id: str) -> list[tuple[str, dict[str, Any]]]:
        path = self.root / log_id / "checkpoints.jsonl"
        out = []
        if path.exists():
            out = [(f"{log_id}/checkpoints.jsonl:{n}", checkpoint_item(line))
                   for n, line in iter_lines(path)]
            with open_regular(path) as fh:
                size = os.fstat(fh.fileno()).st_size
                fh.seek(max(size - 1, 0))
                last = fh.read(1)
            if last and last != b"\n":  # a last line without newline
                out.append((f"{log_id}/checkpoints.jsonl:end", {"type": "torn"}))
        return out

    def cosigned(self, log_id: str) -> list[tuple[str, str]]:
        """Witness-cosigned checkpoint notes kept beside the log (`cosigned.jsonl`)."""
        path = self.root / log_id / "cosigned.jsonl"
        if not path.exists():
            return []
        out = []
        for number, line in iter_lines(path):
            try:
                out.append((f"{log_id}/cosigned.jsonl:{number}", str(json.loads(line)["note"])))
            except (ValueError, KeyError, TypeError):
                out.append((f"{log_id}/cosigned.jsonl:{number}", "<unparseable>"))
        return out

    def structure(self, log_id: str) -> list[tuple[str, str]]:
        segs = [segment_index(s) for s in list_segments(self.root / log_id)]
        out = [] if self._ambiguous is None else [(str(self.root), self._ambiguous)]
        purged = {s["name"] for _, cp in self.checkpoints(log_id) if cp.get("type") == "purge"
                  for s in cp.get("segments", [])}
        first = min(segs) if segs else 1
        for missing in sorted(set(range(1, max(segs, default=0) + 1)) - set(segs)):
            name = f"seg-{missing:06d}.jsonl"
            if name not in purged or missing > first:
                out.append((f"{log_id}/{name}", "segment file is missing (deleted?) and no "
                            "signed purge covers it"))
        return out

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        dirs = [self.root / log / "keys" for log in self.logs()]
        return load_public_keys([d for d in dirs if d.exists()])

    def policies(self) -> dict[str, str]:
        pdir = self.root / "policies"
        if not pdir.exists():
            return {}
        # read as regular files only, bounded: a named pipe or a device among the policy
        # versions hung `audit export` forever (bad-day round 12); it is an OSError naming
        # the file, as for a segment
        out = {}
        for p in pdir.glob("*.json"):
            try:
                out[p.stem] = read_regular(p, MAX_POLICY_BYTES).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{p}: not UTF-8 text ({exc.reason})") from None
        return out


class PgSource:
    """A PostgreSQL trail store. From synchronous code (the CLI, `connect`) entries are read in
    pages of `PAGE` rows by sequence number, so memory stays flat; `aload` (inside a running
    event loop) reads the store whole."""

    PAGE = 10_000

    def __init__(self, data: dict[str, Any], dsn: str | None = None):
        self.data = data
        self.dsn = dsn

    @classmethod
    def connect(cls, dsn: str) -> PgSource:
        """Read the store's checkpoints, keys and policies; entries stream on demand."""
        return cls(asyncio.run(read_meta(dsn)), dsn)

    @classmethod
    async def aload(cls, dsn: str) -> PgSource:
        from residency_gateway.audit.pgstore import read_all

        data = await read_all(dsn)
        data["cosigned"] = await read_cosigned(dsn)
        return cls(data)

    def logs(self) -> list[str]:
        return sorted(self.data["logs"])

    def entries(self, log_id: str) -> Iterator[tuple[str, bytes]]:
        if self.dsn is None:
            for seq, line in self.data["logs"][log_id]["entries"]:
                yield f"{log_id}@seq={seq}", line
            return
        after = -1
        while True:
            rows = asyncio.run(_page(self.dsn, log_id, after, self.PAGE))
            for seq, line in rows:
                yield f"{log_id}@seq={seq}", line
            if len(rows) < self.PAGE:
                return
            after = rows[-1][0]

    def checkpoints(self, log_id: str) -> list[tuple[str, dict[str, Any]]]:
        return [(f"{log_id}@checkpoint={idx}", checkpoint_item(body.encode()))
                for idx, body in self.data["logs"][log_id]["checkpoints"]]

    def cosigned(self, log_id: str) -> list[tuple[str, str]]:
        return [(f"{log_id}@cosigned={size}/{witness}", note) for size, witness, note
                in self.data.get("cosigned", {}).get(log_id, [])]

    def structure(self, log_id: str) -> list[tuple[str, str]]:
        return []

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        from residency_gateway.audit.signing import public_keys_from_pem

        out: dict[str, Ed25519PublicKey] = {}
        for kid, pem in self.data["keys"].items():
            out.update(public_keys_from_pem(pem.encode(), f"rg_trail_keys[{kid}]"))
        return out

    def policies(self) -> dict[str, str]:
        return dict(self.data["policies"])


async def _page(dsn: str, log_id: str, after: int, limit: int) -> list[tuple[int, bytes]]:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch("SELECT seq, line FROM rg_trail_entries WHERE log_id = $1 AND "
                                "seq > $2 ORDER BY seq LIMIT $3", log_id, after, limit)
        return [(int(r["seq"]), bytes(r["line"])) for r in rows]
    finally:
        await conn.close()


async def read_meta(dsn: str) -> dict[str, Any]:
    """Everything but the entries: log ids, checkpoint chains, keys, policies, cosignatures."""
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        logs: dict[str, dict[str, list[Any]]] = {}
        for r in await conn.fetch("SELECT DISTINCT log_id FROM rg_trail_entries UNION "
                                  "SELECT DISTINCT log_id FROM rg_trail_checkpoints"):
            logs[r["log_id"]] = {"entries": [], "checkpoints": []}
        for r in await conn.fetch("SELECT log_id, idx, body FROM rg_trail_checkpoints "
                                  "ORDER BY log_id, idx"):
            logs[r["log_id"]]["checkpoints"].append((r["idx"], r["body"]))
        keys = {r["key_id"]: r["pem"] for r in await conn.fetch(
            "SELECT key_id, pem FROM rg_trail_keys")}
        policies = {r["version"]: r["body"] for r in await conn.fetch(
            "SELECT version, body FROM rg_trail_policies")}
    finally:
        await conn.close()
    return {"logs": logs, "keys": keys, "policies": policies,
            "cosigned": await read_cosigned(dsn)}


async def read_cosigned(dsn: str) -> dict[str, list[tuple[int, str, str]]]:
    """The `rg_trail_cosigned` table (absent until a gateway had a checkpoint witnessed)."""
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        if await conn.fetchval("SELECT to_regclass('rg_trail_cosigned')") is None:
            return {}
        out: dict[str, list[tuple[int, str, str]]] = {}
        for r in await conn.fetch("SELECT log_id, tree_size, witness, note FROM "
                                  "rg_trail_cosigned ORDER BY log_id, tree_size, witness"):
            out.setdefault(r["log_id"], []).append((r["tree_size"], r["witness"], r["note"]))
        return out
    finally:
        await conn.close()


def open_source(store: str) -> Source:
    if store.startswith(("postgres://", "postgresql://")):
        return PgSource.connect(store)
    return FileSource(Path(store))
