"""Red team round 4, false positives of today's readings on non-mainland KYC traffic (a
finding routes the customer's data to China):

- the numbers told after an ID word are joined for 18-character IDs only (a passport number,
  a date and a phone after "ID" joined to a 15-digit first-generation ID with a valid yymmdd
  in one cut of ten, and a 15-digit ID has no check character); a time ("2020:12:09 10:18")
  is no part;
- the trunk prefix 0 is read before a mobile only when the number is said to be dialled or
  stands alone (12-digit account numbers, references, My Numbers and camera serials start
  01[3-9] one time in 180);
- a plus before a number that is no valid international one is not dropped when its country
  code is written apart ("+1 (535) 804-6326") or when it is an amount's sign ("balance:
  +13681921664 VND");
- the text runs of a media body's metadata are fields of their own: a serial and the focal
  length in the next run are no 15-digit ID."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import struct

import pytest

from residency_gateway.core.inspection import media_scan
from residency_gateway.core.payload import inspect_body
from residency_gateway.core.scanner import _cn_mobile
from residency_gateway.regionmap.schema import PayloadInspection
from tests.helpers import ADULT_ID

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)


def mainland(body: str, content_type: str = "text/plain") -> bool:
    found = inspect_body(body.encode(), content_type=content_type, key=KEY, today=TODAY)
    return bool(found.ids) or any(p.jurisdiction == "CN" for p in found.phones)


@pytest.mark.parametrize("text", [
    "Citizen ID F1536694Z, Singapore citizen since 01/12/1954, unit #47-202, tel 8256 6904",
    "Citizen: yes. ID number 1329573303, issued 1 May 1980, ref 919473",
    "My Number (ID number): 8462 9374 3318\n生年月日: 03-03-1969\n電話: 090-6164-5775",
    "<p>Your ID: <b>M0974620I</b></p><p>Reference <code>501</code><code>24676010</code></p>"
    "<p>Amount 52<sup>27</sup></p>",
    "OwnerName ID 121119; 2020:12:09 10:18:67",
])
def test_told_parts_do_not_join_to_a_first_generation_id_or_across_a_time(text: str) -> None:
    assert not mainland(text, "text/html" if text.startswith("<") else "text/plain")


def test_told_ids_after_foreign_id_words_and_dates():
    rng = random.Random(41)

    def d(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    def date() -> str:
        y, m, day = rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29)
        return rng.choice([f"{day:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{day:02d}", f"{day:02d}{m:02d}{y}"])

    for _ in range(400):
        nric = rng.choice("STFG") + d(7) + rng.choice("ABCDZ")
        for text in (f"Citizen ID {nric}, since {date()}, unit #{d(2)}-{d(3)}, tel {d(4)} {d(4)}",
                     f"ID number {d(10)}, issued {date()}, ref {d(6)}",
                     f"id card {d(9)} / {date()} / branch {d(3)} / {d(4)}"):
            assert not mainland(text), text


def test_a_told_id_is_still_read():
    assert mainland(f"citizen ID: first six {ADULT_ID[:6]}, born {ADULT_ID[6:14]}, "
                    f"last four {ADULT_ID[14:]}")


@pytest.mark.parametrize("text", [
    "Citizen ID: 600701 10 3489 ; issued 13 Jun 1970 ; account 019128013488",
    "Dear customer, your resident ID G9183591H was verified. Ref 019075461804.",
    "個人番号 013557772555",
    "Resident card ID A36560711AD / My Number 013295235825 / born 25/06/1985",
    "SerialNumber 016502876500",
])
def test_a_twelve_digit_number_starting_01_is_no_trunk_prefixed_mobile(text: str) -> None:
    assert not mainland(text)
    number = re.search(r"01[0-9]{10}", text)
    assert number is not None
    assert not mainland(json.dumps({"ref": number.group()}), "application/json")


@pytest.mark.parametrize("text", ["013912345678", "call 013912345678 today",
                                  "联系：013912345678。", "tel 013912345678",
                                  '{"mobile": "013912345678"}'])
def test_a_trunk_prefixed_mobile_is_still_read(text: str) -> None:
    assert mainland(text)


def test_a_north_american_number_with_its_code_apart_stays_foreign():
    rng = random.Random(42)
    for _ in range(300):
        area, exchange, line = rng.randrange(300, 1000), rng.randrange(0, 1000), rng.randrange(
            10000)
        for text in (f"+1 {area} {exchange:03d} {line:04d}", f"+1 ({area}) {exchange:03d}-{line:04d}",
                     f"Tel +1-{area}-{exchange:03d}-{line:04d}"):
            assert not mainland(text), text


@pytest.mark.parametrize("text", ["amount +13843301970 IDR", "balance: +13681921664 VND",
                                  "+13681921664.50", '{"delta": "+18920722928", "ccy": "IDR"}',
                                  "credit +15012345678 Rp"])
def test_a_signed_amount_is_no_mobile_typed_with_a_plus(text: str) -> None:
    assert not mainland(text, "application/json" if text.startswith("{") else "text/plain")


@pytest.mark.parametrize("text", ["+13912345678", "tel: +139 1234 5678", "+139-1234-5678",
                                  "mobile +13912345678.", "+008613912345678"])
def test_a_plus_typed_before_a_mobile_is_still_read(text: str) -> None:
    assert mainland(text)


def exif_jpeg(*strings: bytes) -> bytes:
    blob = b"".join(b"\x02\x00\x05" + s + b"\x00" for s in strings)
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(blob) + 8) + b"Exif\x00\x00" + blob + \
        b"\xff\xda" + bytes(range(256)) * 4


@pytest.mark.parametrize("strings", [
    (b"BodySerial 433170750116", b"187.0 mm f/5.4"),
    (b"OwnerName ID 121119", b"2020:12:09 10:18:67"),
    (b"SerialNumber 027621666244", b"2016:02:27 05:35:11"),
])
def test_metadata_runs_are_fields_of_their_own(strings: tuple[bytes, ...]) -> None:
    found = media_scan("jpeg", "image/jpeg", exif_jpeg(*strings)[:4096], key=KEY, today=TODAY,
                       conf=PayloadInspection())
    assert not found.ids and not any(p.jurisdiction == "CN" for p in found.phones)


def test_an_id_in_one_metadata_run_is_still_found():
    found = media_scan("jpeg", "image/jpeg", exif_jpeg(b"Canon", f"customer id {ADULT_ID}".encode(),
                                                        b"2020:12:09 10:18:07")[:4096],
                       key=KEY, today=TODAY, conf=PayloadInspection())
    assert found.ids


def test_the_trunk_rule_rate_it_was_removed_for():
    # one 12-digit number in ~180 is 0 + a mainland mobile: account numbers read that way
    rng = random.Random(43)
    numbers = ["".join(rng.choice("0123456789") for _ in range(12)) for _ in range(20000)]
    assert sum(n.startswith("01") and _cn_mobile(n[1:]) for n in numbers) > 50
    assert not any(mainland(f"account {n}") for n in numbers[:2000])


@pytest.mark.parametrize("html", [
    "<table><tr><td>Ramen</td><td>162</td><td>9461</td><td>7894</td></tr></table>",
    "<tr><th>Total</th><td>176</td><td>8232</td><td>1793</td></tr>",
    "<tr><td>162</td><td>9461</td><td>7894</td><td>Ramen</td></tr>",
    '<tr><td class="sku">Cable</td><td>153</td><td>5318</td><td>6811</td></tr>',
])
def test_the_number_columns_of_a_labelled_table_row_are_not_one_number(html: str) -> None:
    assert not mainland(html, "text/html")


def test_receipt_tables_stay_foreign():
    rng = random.Random(44)
    for _ in range(300):
        rows = "".join(
            f"<tr><td>{rng.choice(['Coffee', 'Nasi Lemak', 'Onigiri', 'Cable'])}</td>"
            f"<td>{rng.randrange(100, 999)}</td><td>{rng.randrange(1000, 9999)}</td>"
            f"<td>{rng.randrange(1000, 9999)}</td></tr>" for _ in range(3))
        assert not mainland(f"<table>{rows}</table>", "text/html"), rows


@pytest.mark.parametrize("html", [
    "<tr><td>139</td><td>1234</td><td>5678</td></tr>",
    "<tr><td>Tel</td><td>139</td><td>1234</td><td>5678</td></tr>",
    "<tr><td>手机</td><td>139</td><td>1234</td><td>5678</td></tr>",
])
def test_a_mobile_written_across_cells_is_still_read(html: str) -> None:
    assert mainland(html, "text/html")


@pytest.mark.parametrize("html", [
    "<p>Order 159</p><p>4049 0290</p>",
    "<h2>Invoice 171</h2><div>7613 0627</div>",
    "<li>Qty 151</li><li>9373 8544</li>",
])
def test_labelled_blocks_are_not_one_number(html: str) -> None:
    assert not mainland(html, "text/html")


@pytest.mark.parametrize("html", ["<p>139</p><p>1234 5678</p>", "<p>Tel: 139</p><p>1234 5678</p>",
                                  "<p>手机 139</p><p>1234 5678</p>"])
def test_a_mobile_across_blocks_is_still_read(html: str) -> None:
    assert mainland(html, "text/html")
