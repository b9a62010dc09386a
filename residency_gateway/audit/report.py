"""`audit report`: one self-contained HTML file an auditor opens in a browser (shell + pure).

Numbers come from `summarise()` (pure, over decision records); the page has tables with the
numbers and inline SVG charts drawn from the same figures. No scripts, styles or fonts are
fetched: the file works with the network off.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any


def summarise(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    matrix: Counter[tuple[str, str]] = Counter()
    rejects: Counter[str] = Counter()
    bases: Counter[str] = Counter()
    volume: dict[str, Counter[str]] = defaultdict(Counter)
    policies: dict[str, dict[str, Any]] = {}
    total = forwarded = cross = redirected = 0
    first: str | None = None
    last: str | None = None
    cross_cells: set[str] = set()
    for r in records:
        if r.get("type") != "decision":
            continue
        total += 1
        first = r["time"] if first is None else min(first, r["time"])
        last = r["time"] if last is None else max(last, r["time"])
        day = r["time"][:10]
        origin = r["origin"]["jurisdiction"] or "unknown"
        volume[day][r["action"]] += 1
        p = policies.setdefault(r["policy_version"], {"first": r["time"], "last": r["time"],
                                                      "decisions": 0})
        p["first"], p["last"] = min(p["first"], r["time"]), max(p["last"], r["time"])
        p["decisions"] += 1
        if r["action"] == "forward":
            forwarded += 1
            matrix[(origin, r["destination"]["region"])] += 1
            if r["destination"]["cross_border"]:
                cross += 1
                cross_cells.add(f"{origin}->{r['destination']['region']}")
                basis = r.get("legal_basis") or {}
                bases[f"{basis.get('mechanism', 'none')}: {basis.get('reference', '')}"] += 1
        elif r["action"] == "reject":
            rejects[r["reasons"][-1] if r["reasons"] else "none"] += 1
        else:
            redirected += 1
    return {
        "total": total, "forwarded": forwarded, "redirected": redirected,
        "first": first, "last": last,
        "rejected": total - forwarded - redirected,
        "cross_border": cross,
        "matrix": {f"{o}->{d}": n for (o, d), n in sorted(matrix.items())},
        "cross_border_cells": sorted(cross_cells),
        "rejects": dict(sorted(rejects.items(), key=lambda kv: (-kv[1], kv[0]))),
        "legal_bases": dict(sorted(bases.items(), key=lambda kv: (-kv[1], kv[0]))),
        "volume": {day: {"forward": c["forward"], "reject": c["reject"]}
                   for day, c in sorted(volume.items())},
        "policies": dict(sorted(policies.items(), key=lambda kv: kv[1]["first"])),
    }


WIDTH = 640
CHAR_W = 7.2  # a generous average advance of 12px sans-serif text, for layout budgets
FONT = 'font-family="system-ui,sans-serif"'


def _text_budget(px: float) -> int:
    return max(4, int(px // CHAR_W))


def _fit(label: str, px: float) -> str:
    """The label cut with an ellipsis to what fits in `px` (the full text is in a <title>)."""
    n = _text_budget(px)
    return label if len(label) <= n else label[:n - 1] + "\u2026"


def _bars(items: list[tuple[str, int]], *, color: str, title: str) -> str:
    """One labelled row a bar: the label on its own line (never under or over a bar), the bar
    below it, and its value right after the bar inside a margin kept free for the widest
    value."""
    if not items:
        return "<p class=empty>none</p>"
    row = 38
    top = max(n for _, n in items) or 1
    value_px = (len(f"{max(n for _, n in items)}") + 1) * CHAR_W + 6
    bar_max = WIDTH - value_px
    parts = [f'<svg role="img" aria-label="{html.escape(title)}" width="{WIDTH}" '
             f'height="{row * len(items) + 4}" viewBox="0 0 {WIDTH} {row * len(items) + 4}" '
             f'xmlns="http://www.w3.org/2000/svg" {FONT}>']
    for i, (label, n) in enumerate(items):
        w = max(1, round(bar_max * n / top))
        y = i * row + 2
        parts.append(f'<g><title>{html.escape(label)}: {n}</title>'
                     f'<text x="0" y="{y + 12}" font-size="12">'
                     f'{html.escape(_fit(label, WIDTH))}</text>'
                     f'<rect x="0" y="{y + 17}" width="{w}" height="14" fill="{color}"/>'
                     f'<text x="{w + 4}" y="{y + 29}" font-size="12">{n}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _volume_chart(volume: dict[str, dict[str, int]]) -> str:
    """Stacked bars a day with a y axis (0, half, top) and the first and last day under the
    axis; bars are at most 40px wide, so one day is a bar, not a block."""
    if not volume:
        return "<p class=empty>none</p>"
    days = list(volume)
    top = max(v["forward"] + v["reject"] for v in volume.values()) or 1
    left = (len(str(top)) + 1) * CHAR_W + 4
    height, plot_top = 180, 8
    plot_w = WIDTH - left - 4
    slot = plot_w / len(days)
    bw = max(1.0, min(40.0, slot - 2))
    out = [f'<svg role="img" aria-label="decisions per day" width="{WIDTH}" '
           f'height="{height + 24}" viewBox="0 0 {WIDTH} {height + 24}" '
           f'xmlns="http://www.w3.org/2000/svg" {FONT}>']
    scale = (height - plot_top) / top
    for value in sorted({0, top // 2, top}):
        y = height - value * scale
        out.append(f'<line x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" '
                   f'text-anchor="end">{value}</text>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{plot_top}" y2="{height}" stroke="#888"/>')
    for i, day in enumerate(days):
        f, r = volume[day]["forward"], volume[day]["reject"]
        x = left + i * slot + (slot - bw) / 2
        hf, hr = f * scale, r * scale
        out.append(f'<rect x="{x:.1f}" y="{height - hf:.1f}" width="{bw:.1f}" height="{hf:.1f}" '
                   f'fill="#2b7a4b"><title>{day}: {f} forwarded</title></rect>'
                   f'<rect x="{x:.1f}" y="{height - hf - hr:.1f}" width="{bw:.1f}" '
                   f'height="{hr:.1f}" fill="#b03a2e"><title>{day}: {r} rejected</title></rect>')
    first_x = left + (slot - bw) / 2
    out.append(f'<text x="{first_x:.1f}" y="{height + 16}" font-size="11">{days[0]}</text>')
    if len(days) > 1:
        out.append(f'<text x="{WIDTH - 2}" y="{height + 16}" font-size="11" '
                   f'text-anchor="end">{days[-1]}</text>')
    out.append("</svg>")
    return "".join(out)


def _when(text: str) -> str:
    """A record time as UTC `YYYY-MM-DD HH:MM:SSZ` (no offset to wrap in a cell)."""
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M:%SZ")


def period_of(summary: dict[str, Any], since: dt.datetime | None,
              until: dt.datetime | None) -> str:
    """The period the report covers: the filters' bounds, else the first and last decision."""
    first = since.isoformat() if since else summary.get("first")
    last = until.isoformat() if until else summary.get("last")
    if first is None or last is None:
        return "no decisions"
    return f"{_when(first)} \u2013 {_when(last)}"


def _table(table_id: str, head: list[str], rows: list[list[Any]],
           marked: set[tuple[int, int]] | None = None) -> str:
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in head)
    marked = marked or set()
    body = "".join(
        "<tr>" + "".join(f'<td{" class=x" if (i, j) in marked else ""}>{html.escape(str(c))}'
                         "</td>" for j, c in enumerate(row)) + "</tr>"
        for i, row in enumerate(rows))
    return f'<table id="{table_id}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def render(summary: dict[str, Any], *, since: dt.datetime | None, until: dt.datetime | None,
           generated: dt.datetime, verified: str) -> str:
    origins = sorted({k.split("->")[0] for k in summary["matrix"]})
    dests = sorted({k.split("->")[1] for k in summary["matrix"]})
    matrix_rows = [[o, *[summary["matrix"].get(f"{o}->{d}", 0) for d in dests]] for o in origins]
    crossing = {(i, j + 1) for i, o in enumerate(origins) for j, d in enumerate(dests)
                if f"{o}->{d}" in summary["cross_border_cells"]}
    period = period_of(summary, since, until)
    css = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
           "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
           "padding:.25em .6em;text-align:right}th:first-child,td:first-child{text-align:left}"
           ".kpi{display:inline-block;margin-right:2em}.kpi b{font-size:1.6em;display:block}"
           "td.x{background:#fde9c8}.key span{display:inline-block;width:1em;height:1em;"
           "margin:0 .3em 0 1em;vertical-align:middle}"
           "#policies td{white-space:nowrap}"
           "#policies td:first-child{font-family:monospace;font-size:.8em;white-space:normal;"
           "word-break:break-all}")
    data = json.dumps(summary, sort_keys=True).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Transfer report {html.escape(period)}</title>
<style>{css}</style></head><body>
<h1>Cross-border transfer report</h1>
<p>Period: <span id="period">{html.escape(period)}</span> · generated
{_when(generated.isoformat())} ·
trail verification: <b id="verified">{html.escape(verified)}</b></p>
<div><span class=kpi><b id="kpi-total">{summary["total"]}</b>decisions</span>
<span class=kpi><b id="kpi-forwarded">{summary["forwarded"]}</b>forwarded</span>
<span class=kpi><b id="kpi-rejected">{summary["rejected"]}</b>rejected</span>
<span class=kpi><b id="kpi-cross">{summary["cross_border"]}</b>cross-border</span>
<span class=kpi><b id="kpi-redirected">{summary["redirected"]}</b>redirected</span></div>
<h2>Transfer matrix (origin jurisdiction by destination region, forwarded)</h2>
{_table("matrix", ["origin", *dests], matrix_rows, crossing)}
<p class=key><span style="background:#fde9c8"></span>cross-border (origin jurisdiction differs
from the destination region's)</p>
<h2>Volume over time</h2>
<p class=key><span style="background:#2b7a4b"></span>forwarded
<span style="background:#b03a2e"></span>rejected (per day, stacked)</p>
{_volume_chart(summary["volume"])}
<details><summary>per-day figures</summary>
{_table("volume", ["day", "forwarded", "rejected"],
        [[d, v["forward"], v["reject"]] for d, v in summary["volume"].items()])}
</details>
<h2>Rejects by reason</h2>
{_bars(list(summary["rejects"].items()), color="#b03a2e", title="rejects by reason")}
{_table("rejects", ["reason", "count"], [[k, v] for k, v in summary["rejects"].items()])}
<h2>Cross-border transfers by legal basis</h2>
{_bars(list(summary["legal_bases"].items()), color="#1f5f8b", title="legal bases")}
{_table("bases", ["legal basis", "transfers"], [[k, v] for k, v in summary["legal_bases"].items()])}
<h2>Policy versions in force</h2>
{_table("policies", ["policy version", "first decision", "last decision", "decisions"],
        [[k, _when(v["first"]), _when(v["last"]), v["decisions"]]
         for k, v in summary["policies"].items()])}
<script type="application/json" id="report-data">{data}</script>
</body></html>
"""
