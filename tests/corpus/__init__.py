"""The inspection corpus: request shapes with expected verdicts, shared by the unit tests
(`explain`), the functional tests (a real gateway process) and the benchmarks."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("inspection.jsonl")


@dataclass(frozen=True)
class Case:
    id: str
    cls: str
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client: str  # the client address a trusted proxy reports in X-Forwarded-For
    expect: str  # "cn" | "sg" (forwarded there) | a reject reason
    note: str

    @property
    def status(self) -> int | None:
        from residency_gateway.core.values import REJECT_STATUS, Reason

        if self.expect in ("cn", "sg"):
            return 200
        return REJECT_STATUS[Reason(self.expect)]


def load() -> list[Case]:
    out = []
    # "\n" only: a header value carried as Latin-1 can hold U+0085, which splitlines() splits at
    for line in filter(None, CORPUS.read_text("utf-8").split("\n")):
        row = json.loads(line)
        out.append(Case(row["id"], row["class"], row["method"], row["target"],
                        tuple((k, v) for k, v in row["headers"]),
                        base64.b64decode(row["body_b64"]), row["client"], row["expect"],
                        row["note"]))
    return out
