"""Round 24: RTF text a reader does not show inline between an ID's digits (a field's
instruction, a footnote, a header, a comment, an index entry), read as the page shows it
(rtf_shown_text(inline=True)) and apart; and ordinary RTF documents (tables of amounts,
PAGE and DATE fields, footnotes with numbers) that must not read as mainland data."""

from __future__ import annotations

import random

import pytest

from residency_gateway.core.payload import rtf_shown_text
from tests.core.test_redteam_round22 import ID, MOBILE, kinds, scan

RTF = "application/rtf"


def found(body: bytes | str, content_type: str = RTF) -> set[str]:
    result = scan(body, content_type)
    assert result.error is None, result.note
    return kinds(result)


def rtf(middle: str, number: str = ID, cut: int = 8) -> str:
    return ("{\\rtf1\\ansi {\\fonttbl{\\f0 Arial;}}\\f0 \\u36523?\\u20221?\\u35777? " + number[:cut]
            + middle + number[cut:] + "\\par}")


@pytest.mark.parametrize("middle", [
    "{\\field{\\*\\fldinst 5}{\\fldrslt }}",
    "{\\field{\\*\\fldinst {\\b 55}}{\\fldrslt}}",
    "{\\field{\\fldinst 5}{\\fldrslt }}",
    '{\\field{\\*\\fldinst HYPERLINK "http://x/5"}{\\fldrslt }}',
    "{\\field\\fldedit{\\*\\fldinst { SET x 5 }}{\\fldrslt {\\v 7}}}",
    "{\\footnote 5}",
    "{\\super \\chftn}{\\footnote \\pard\\plain {\\super \\chftn} 55 note\\par}",
    "{\\*\\atnid x}{\\*\\atnauthor x}\\chatn{\\*\\annotation 5}",
    "{\\xe {\\v 5}}{\\xe 6}",
    "{\\tc 5}",
    "{\\header 5}",
    "{\\footerr 5\\par}",
    "{\\shp{\\*\\shpinst{\\shptxt 5}}}",
])
@pytest.mark.parametrize(("number", "kind"), [(ID, "id"), (MOBILE, "mobile")])
def test_text_shown_elsewhere_found(middle, number, kind):
    assert kind in found(rtf(middle, number, 5 if number == MOBILE else 8))


@pytest.mark.parametrize("group", ["{\\footnote " + ID + "}", "{\\header " + ID + "}",
                                   "{\\field{\\*\\fldinst HYPERLINK \"tel:" + MOBILE + "\"}"
                                   "{\\fldrslt call}}"])
def test_identifier_only_in_text_shown_elsewhere_found(group):
    kind = "mobile" if MOBILE in group else "id"
    assert kind in found("{\\rtf1\\ansi see " + group + " here\\par}")


def invoice(rng: random.Random) -> str:
    rows = []
    for _ in range(rng.randint(2, 12)):
        cells = [f"SKU-{rng.randint(100, 99999)}", str(rng.randint(1, 99)),
                 f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}",
                 f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}", "USD"]
        rows.append("\\trowd\\cellx1440\\cellx2880\\cellx4320\\cellx5760\\cellx7200 "
                    + "".join(f"\\pard\\intbl {c}\\cell " for c in cells) + "\\row ")
    page = "Page {\\field{\\*\\fldinst PAGE}{\\fldrslt " + str(rng.randint(1, 9)) + "}}"
    date = ("{\\field{\\*\\fldinst DATE \\\\@ \"yyyyMMdd\"}{\\fldrslt 2026"
            + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + "}}")
    note = ("Total" + str(rng.randint(100, 99999)) + "{\\super \\chftn}{\\footnote \\chftn "
            "Order " + str(rng.randint(10**6, 10**9)) + " of " + str(rng.randint(1, 12)) + "}"
            + str(rng.randint(0, 9999)))
    header = "{\\header Invoice " + str(rng.randint(10**5, 10**8)) + "\\par}"
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}" + header + "\\f0 " + "".join(rows)
            + "\\pard " + page + " " + date + "\\par " + note + "\\par}")


def test_ordinary_rtf_false_positive_rate():
    """The inline reading of invoices (tables of amounts, PAGE and DATE fields, footnotes
    and headers with numbers) reads no mainland data. (The whole body does, 92 of these 300,
    on main as here: the source's own reading joins an amount and a later \\cellx1440
    across the control words, "18757.41\\cell ... \\cellx1440" a mobile; left to it.)"""
    rng = random.Random(24)
    hits = sum(bool(found(rtf_shown_text(invoice(rng), inline=True), "text/plain"))
               for _ in range(300))
    assert hits <= 1, hits  # (measured: 0 of 300)
