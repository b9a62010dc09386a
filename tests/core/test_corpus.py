"""Every request shape of the inspection corpus gets its expected verdict from `explain` (the
same core steps the server runs; tests/gateway/test_corpus_functional.py sends them to a real
gateway process and checks both agree)."""

from __future__ import annotations

from collections import Counter

import pytest

from residency_gateway.core.explain import explain
from residency_gateway.core.values import Action, Decision
from tests.corpus import Case, load
from tests.corpus.build import CORPUS, render
from tests.helpers import NOW, loaded, table_geo

CASES = load()
LM = loaded()
KEY = b"k" * 32


def wire_headers(case: Case) -> list[tuple[str, str]]:
    """The headers as the server sees them: what the client sends, decoded as aiohttp does."""
    out = [("X-Tenant-ID", "acme"), ("X-Forwarded-For", case.client),
           ("X-Request-ID", f"corpus-{case.id[:3]}")]
    out += [(k, v.encode("latin-1").decode("utf-8", "surrogateescape")) for k, v in case.headers]
    return out


def explained(case: Case) -> Decision:
    return explain(LM.rmap, LM.version, table_geo, ip="127.0.0.1", tenant="acme",
                   headers=wire_headers(case), body=case.body or None, now=NOW, key=KEY,
                   path=case.target, method=case.method)


def verdict(d: Decision) -> str:
    if d.action is Action.FORWARD:
        return d.region or "?"
    return d.reasons[-1].value


def test_corpus_file_is_current_and_covers_every_class():
    assert CORPUS.read_text("utf-8") == render(), "run: python -m tests.corpus.build"
    assert len(CASES) >= 150
    classes = Counter(c.cls for c in CASES)
    assert {"id-carrier", "id-spelling", "phone-spelling", "encoding", "charset", "escape",
            "multipart", "polyglot", "media", "request-line", "ambiguity", "child", "negative",
            "address"} <= set(classes)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_explain_gives_each_shape_its_expected_verdict(case):
    d = explained(case)
    assert verdict(d) == case.expect, (d.steps, d.payload_note)
    if d.origin.jurisdiction == "CN":
        assert d.region in (None, "cn", "cn2") and all(f in ("cn", "cn2") for f in d.fallbacks)
