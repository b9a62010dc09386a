"""Export filters, subject lookup, CSV, and an HTML report whose numbers match the records."""

from __future__ import annotations

import csv
import json
from collections import Counter
from html.parser import HTMLParser

import pytest

from residency_gateway.audit.export import Filters, export_bundle, verify_bundle
from residency_gateway.audit.keys import PseudonymKeys
from residency_gateway.audit.report import render, summarise
from residency_gateway.audit.sources import FileSource
from residency_gateway.cli import main
from residency_gateway.cli.audit import subject_pseudonyms
from tests.audit.conftest import PSEUDONYM_KEY
from tests.helpers import ADULT_ID


def decisions(root):
    src = FileSource(root)
    return [json.loads(line)["record"] for log in src.logs() for _, line in src.entries(log)
            if json.loads(line)["record"]["type"] == "decision"]


def exported(out):
    return [json.loads(line)["record"] for line in
            (out / "logs" / "gw-a" / "entries.jsonl").read_bytes().splitlines()]


async def test_filters_select_exactly_the_matching_decisions_and_their_completions(
        file_store, tmp_path, signer):
    root = await file_store(80)
    every = decisions(root)
    cases = {
        "tenant": (Filters(tenant="bank"), lambda r: r["tenant"] == "bank"),
        "origin": (Filters(origin="CN"), lambda r: r["origin"]["jurisdiction"] == "CN"),
        "destination": (Filters(destination="sg"), lambda r: r["destination"]["region"] == "sg"),
        "cross": (Filters(cross_border_only=True),
                  lambda r: r["action"] == "forward" and r["destination"]["cross_border"]),
    }
    for name, (filters, pred) in cases.items():
        out = tmp_path / name
        export_bundle(FileSource(root), out, filters, signer)
        got = exported(out)
        want = {r["decision_id"] for r in every if pred(r)}
        assert want, name
        assert {r["decision_id"] for r in got if r["type"] == "decision"} == want, name
        completions = {r["decision_id"] for r in got if r["type"] == "completion"}
        assert completions <= want
        assert json.loads((out / "manifest.json").read_text())["counts"]["decisions"] == len(want)
        assert [f for f in verify_bundle(out, {signer.key_id: signer.public})
                if f.severity == "error"] == []


async def test_time_window_and_csv(file_store, tmp_path, signer):
    import datetime as dt

    root = await file_store(80)
    since = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    until = dt.datetime(2026, 11, 4, tzinfo=dt.UTC)
    out = tmp_path / "window"
    export_bundle(FileSource(root), out, Filters(since=since, until=until), signer, csv_too=True)
    want = [r["decision_id"] for r in decisions(root)
            if since <= dt.datetime.fromisoformat(r["time"]) < until]
    with (out / "records.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [row["decision_id"] for row in rows] == want
    assert rows[0]["policy_version"] and "ps1:" not in rows[0]["decision_id"]


async def test_subject_lookup_finds_that_persons_transfers(file_store, tmp_path, signer):
    root = await file_store(80)
    keys = PseudonymKeys(tmp_path / "keys")
    keys.dir.mkdir(parents=True)
    (keys.dir / "acme.key").write_bytes(PSEUDONYM_KEY)
    wanted = subject_pseudonyms(ADULT_ID, keys)
    out = tmp_path / "subject"
    export_bundle(FileSource(root), out, Filters(subject_pseudonyms=wanted), signer)
    got = [r for r in exported(out) if r["type"] == "decision"]
    expected = [r for r in decisions(root)
                if any(s["pseudonym"] in wanted for s in r["subjects"])]
    assert got and [r["decision_id"] for r in got] == [r["decision_id"] for r in expected]
    assert ADULT_ID not in (out / "logs" / "gw-a" / "entries.jsonl").read_text()


class Tables(HTMLParser):
    """Collects every <table id=...> as rows of cell text, and every src/href attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[str] = []
        self.ids: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._id: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif "id" in a:
            self._id = a["id"]
            self.ids[self._id] = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell or []))
            self._cell = None
        elif tag == "tr" and self._table:
            self.tables[self._table].append(self._row)
        elif tag == "table":
            self._table = None
        elif self._id and tag in ("b", "script"):
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._id:
            self.ids[self._id] += data


async def test_report_numbers_match_the_records_and_load_offline(file_store, tmp_path, capsys):
    root = await file_store(120)
    out = tmp_path / "report.html"
    assert main(["audit", "report", "--store", str(root), "--public-key",
                 str(tmp_path / "signing"), "--out", str(out)]) == 0
    page = Tables()
    page.feed(out.read_text())
    recs = decisions(root)
    fwd = [r for r in recs if r["action"] == "forward"]
    assert int(page.ids["kpi-total"]) == len(recs)
    assert int(page.ids["kpi-forwarded"]) == len(fwd)
    assert int(page.ids["kpi-cross"]) == sum(1 for r in fwd if r["destination"]["cross_border"])
    assert page.ids["verified"] == "VALID"
    matrix = page.tables["matrix"]
    dests = matrix[0][1:]
    shown = {(row[0], d): int(n) for row in matrix[1:] for d, n in zip(dests, row[1:],
                                                                        strict=True) if int(n)}
    assert shown == Counter((r["origin"]["jurisdiction"] or "unknown",
                             r["destination"]["region"]) for r in fwd)
    rejects = {row[0]: int(row[1]) for row in page.tables["rejects"][1:]}
    assert rejects == Counter(r["reasons"][-1] for r in recs if r["action"] == "reject")
    bases = {row[0]: int(row[1]) for row in page.tables["bases"][1:]}
    assert sum(bases.values()) == int(page.ids["kpi-cross"])
    volume = {row[0]: (int(row[1]), int(row[2])) for row in page.tables["volume"][1:]}
    assert sum(f + r for f, r in volume.values()) == len(recs)
    policies = page.tables["policies"][1:]
    assert [p[0] for p in policies] == sorted({r["policy_version"] for r in recs})
    # self-contained: no external scripts, styles, images or fonts
    assert page.links == []
    assert "<svg" in out.read_text() and "http://www.w3.org/2000/svg" in out.read_text()
    assert json.loads(page.ids["report-data"])["total"] == len(recs)


def test_empty_report_renders():
    import datetime as dt

    html = render(summarise([]), since=None, until=None,
                  generated=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), verified="VALID")
    assert 'id="kpi-total">0<' in html


async def test_a_write_in_progress_at_the_tail_is_not_exported_and_the_bundle_verifies(
        file_store, tmp_path, signer):
    # (bad-day round 10: a live export failed with "Expecting value" on the torn marker)
    root = await file_store(40)
    seg = sorted((root / "gw-a").glob("seg-*.jsonl"))[-1]
    whole = len(seg.read_bytes().splitlines())
    with seg.open("ab") as fh:
        fh.write(b'{"log_id":"gw-a","prev":"ab')  # the writer's next line, half written
    out = tmp_path / "live"
    export_bundle(FileSource(root), out, Filters(), signer)
    assert len(exported(out)) == sum(
        len(s.read_bytes().splitlines()) for s in (root / "gw-a").glob("seg-*.jsonl")) - 1
    assert whole > 0
    assert [f for f in verify_bundle(out, {signer.key_id: signer.public})
            if f.severity == "error"] == []


async def test_a_damaged_entry_fails_the_export_with_its_location(file_store, tmp_path, signer):
    root = await file_store(40)
    seg = sorted((root / "gw-a").glob("seg-*.jsonl"))[-1]
    lines = seg.read_bytes().splitlines(keepends=True)
    lines[3] = b"#" + lines[3][1:]
    seg.write_bytes(b"".join(lines))
    with pytest.raises(ValueError, match=rf"gw-a/{seg.name}:4: the entry is not valid trail"):
        export_bundle(FileSource(root), tmp_path / "out", Filters(), signer)


async def test_verify_of_a_store_with_a_write_in_progress_warns_and_a_torn_older_segment_fails(
        file_store, signer):
    from residency_gateway.audit.export import verify_store

    root = await file_store(40)
    keys = {signer.key_id: signer.public}
    seg = sorted((root / "gw-a").glob("seg-*.jsonl"))[-1]
    with seg.open("ab") as fh:
        fh.write(b'{"log_id":"gw-a","prev":"ab')
    findings, _ = verify_store(FileSource(root), keys)
    assert [f.severity for f in findings] == ["warning"], findings
    assert seg.name in findings[0].location and "incomplete" in findings[0].message
    # the same torn line in a segment that is not the newest: an error
    newer = seg.with_name(f"seg-{int(seg.stem.split('-')[1]) + 1:06d}.jsonl")
    newer.write_bytes(b"")
    findings, _ = verify_store(FileSource(root), keys)
    assert any(f.severity == "error" and seg.name in f.location for f in findings), findings
