"""Round 24 (round 6's miss): CSS layout that shows children in another order or adds text
(laid_out_html): flex row-reverse / column-reverse, a flex row in an rtl container, `order`,
float:right runs, ::before/::after content; ordinary flex pages read as no mainland data."""

from __future__ import annotations

import random
import time

import pytest

from residency_gateway.core.payload import laid_out_html
from tests.core.test_redteam_round22 import ID, MOBILE, kinds, scan

HTML = "text/html"


def found(body: str) -> set[str]:
    result = scan(body, HTML)
    assert result.error is None, result.note
    return kinds(result)


def parts(number: str) -> list[str]:
    return [number[:3], number[3:7], number[7:]] if number == MOBILE else [
        number[:6], number[6:14], number[14:]]


def items(pieces: list[str], tag: str = "b", style: str = "") -> str:
    return "".join(f'<{tag}{style}>{p}</{tag}>' for p in pieces)


LAYOUTS = [
    lambda p: f'<div style="display:flex;flex-direction:row-reverse">{items(p[::-1])}</div>',
    lambda p: f'<div style="display: flex; flex-flow: row-reverse wrap">{items(p[::-1])}</div>',
    lambda p: f'<div style="display:flex;flex-direction:column-reverse">{items(p[::-1])}</div>',
    lambda p: f'<div dir="rtl" style="display:inline-flex">{items(p[::-1], "span")}</div>',
    lambda p: ('<div style="display:flex">' + "".join(
        f'<b style="order:{len(p) - n}">{x}</b>' for n, x in enumerate(p[::-1])) + "</div>"),
    lambda p: "<p>" + " ".join(f'<span style="float:right">{x}</span>' for x in p[::-1])
    + "</p>",
    lambda p: ("<style>.r{display:flex;flex-direction:row-reverse}</style>"
               f'<div class="r"> {items(p[::-1], "i")} </div>'),
    lambda p: ("<style>#q::before{content:'" + p[0] + "'}</style>"
               f'<span id="q">{"".join(p[1:])}</span>'),
    lambda p: ('<style>span.t::after { content: "' + p[-1] + '" }</style>'
               f'<span class="t">{"".join(p[:-1])}</span>'),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("number", "kind"), [(MOBILE, "mobile"), (ID, "id")])
def test_layout_found(layout, number, kind):
    assert kind in found(layout(parts(number)))


def test_layout_in_markup_order_is_no_new_reading():
    assert laid_out_html('<div style="display:flex"><b>1</b><b>2</b></div>') is None
    assert laid_out_html('<div style="float:left">1</div><p>no layout</p>') is None


def flex_page(rng: random.Random) -> str:
    cards = "".join(
        f'<div class="card" style="order:{rng.randint(0, 5)}"><span>Order '
        f"{rng.randint(10**5, 10**8)}</span><span>${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
        f"</span><time>2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}</time></div>"
        for _ in range(rng.randint(2, 10)))
    nav = "".join(f'<a style="float:right" href="/p/{n}">Page {n}</a>'
                  for n in range(1, rng.randint(2, 9)))
    return ("<html><head><style>.row{display:flex;flex-direction:row-reverse}"
            ".price::before{content:'USD '}</style></head><body><nav>" + nav
            + '</nav><div class="row">' + cards + "</div><p class='price'>"
            + str(rng.randint(1, 99999)) + "</p></body></html>")


def test_flex_pages_false_positive_rate():
    rng = random.Random(24)
    hits = sum(bool(found(flex_page(rng))) for _ in range(300))
    assert hits <= 3, hits  # (measured: 0 of 300)


@pytest.mark.parametrize("body", [
    '<div style="display:flex;flex-direction:row-reverse">' * 25_000 + "1",
    "<style>" + "".join(f".c{i}::before{{content:'{i}'}}" for i in range(5000)) + "</style>"
    + '<p class="c1" style="float:right">1</p>' * 10_000,
    '<p style="float:right">' + "<b>1</b>" * 50_000,
])
def test_layout_bounded(body):
    start = time.process_time()
    laid_out_html(body)
    assert time.process_time() - start < 3.0
