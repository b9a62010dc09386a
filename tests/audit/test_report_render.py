"""The HTML report as a browser lays it out: headless Chromium measures every SVG text."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from residency_gateway.audit.report import render, summarise
from tests.audit.conftest import sample_records

MEASURE = """<script>
(() => {
  const boxes = (el) => el.getBoundingClientRect();
  const inside = (r, b) => r.left >= b.left - 0.5 && r.right <= b.right + 0.5 &&
                           r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5;
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                         a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const result = {overflow: [], overlap: [], wrapped: [], texts: 0};
  for (const svg of document.querySelectorAll("svg")) {
    const box = boxes(svg);
    const texts = [...svg.querySelectorAll("text")].map((t) => [t.textContent, boxes(t)]);
    const rects = [...svg.querySelectorAll("rect")].map(boxes).filter((r) => r.width > 0);
    result.texts += texts.length;
    for (const [text, r] of texts) {
      if (!inside(r, box)) result.overflow.push([svg.getAttribute("aria-label"), text]);
      if (rects.some((q) => meet(r, q))) result.overlap.push([text, "a bar"]);
    }
    texts.forEach(([a, ra], i) => texts.slice(i + 1).forEach(([b, rb]) => {
      if (meet(ra, rb)) result.overlap.push([a, b]);
    }));
  }
  for (const td of document.querySelectorAll("#policies td:not(:first-child)")) {
    const range = document.createRange();
    range.selectNodeContents(td);
    if (range.getClientRects().length > 1) result.wrapped.push(td.textContent);
  }
  document.body.insertAdjacentHTML("beforeend",
    "<pre id=measure>" + JSON.stringify(result) + "</pre>");
})();
</script></body>"""


def layout(page: str, tmp_path: Path) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: run scripts/test-services.sh (make test does)")
    html = tmp_path / "report.html"
    html.write_text(page.replace("</body>", MEASURE), "utf-8")
    out = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900",
         "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"<pre id=\"measure\">(.*?)</pre>", out.stdout, re.S)
    assert found, f"chromium printed no measurement (exit {out.returncode}): {out.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def hard_summary() -> dict:
    """What broke the old layout: a 4-digit count at the longest bar, long legal-basis
    labels, a single day of traffic, timestamps with an offset."""
    records = [r for r in sample_records(60) if r["type"] == "decision"]
    for r in records:
        r["time"] = "2026-11-03T09:15:00.123456+08:00"
    summary = summarise(records)
    summary["rejects"] = {"mainland_id_outside_cn": 5001, "no_legal_basis": 17, "x": 1}
    summary["legal_bases"] = {
        "standard_contract: CAC standard contract filing 2026-0042 (acme, onshore processor)": 4,
        "certification: Personal information protection certification PIPC-2026-117": 3,
        "security_assessment: CAC security assessment 2026-SA-0009 WWWWWWWWWWWWWWWWWWWWWW": 2,
    }
    return summary


def test_no_svg_text_overflows_or_overlaps_and_no_timestamp_wraps(tmp_path):
    page = render(hard_summary(), since=None, until=None,
                  generated=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC), verified="VALID")
    result = layout(page, tmp_path)
    assert result["texts"] >= 10  # the charts were there to be measured
    assert result["overflow"] == [], result["overflow"]
    assert result["overlap"] == [], result["overlap"]
    assert result["wrapped"] == [], result["wrapped"]


def test_bar_values_and_period_are_shown_whole():
    summary = hard_summary()
    page = render(summary, since=None, until=None,
                  generated=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC), verified="VALID")
    assert ">5001</text>" in page
    period = re.search(r'<span id="period">(.*?)</span>', page)
    assert period is not None
    assert period.group(1) == "2026-11-03 01:15:00Z \u2013 2026-11-03 01:15:00Z"
    assert "start" not in period.group(1) and "now" not in period.group(1)
    # One day of traffic: one bar of bounded width and an axis, not a 600px block.
    volume = page.split('aria-label="decisions per day"')[1].split("</svg>")[0]
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', volume)]
    assert widths and max(widths) <= 40
    assert volume.count("<line") >= 3 and 'text-anchor="end">0<' in volume
