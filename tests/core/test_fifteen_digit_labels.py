"""A bare 15-digit number is read as a first-generation mainland ID when its digits have that
shape (a provincial prefix, a 19YY date), about 1 in 80 random ones, unless a label says it is
another of the 15-digit numbers of the product's markets (red team round 13: Indonesian NPWP
tax numbers and BRI account numbers routed to China)."""

from __future__ import annotations

import json
import random

import pytest

from tests.core.test_redteam_round6 import found

LABELS = ["npwp", "NPWP", "no_npwp", "no_rekening", "noRek", "norek", "account_no",
          "bank_account", "acct", "tax_id", "taxNumber", "order_id", "OrderNo", "invoice",
          "trx_id", "transaction_ref", "awb", "no_resi", "tracking_number", "waybill",
          "imei", "card_number", "amex"]  # (the last three: device and payment card words)


def first_generation_shaped(rng: random.Random) -> str:
    """A 15-digit number that reads as a first-generation ID (province, 19YY date, sequence)."""
    area = rng.choice(["110101", "310104", "440305", "510107", "650102"])
    yymmdd = f"{rng.randrange(30, 99):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    return area + yymmdd + f"{rng.randrange(1000):03d}"


@pytest.mark.parametrize("label", LABELS)
def test_a_labelled_fifteen_digit_number_is_not_an_id(label):
    rng = random.Random(label)
    for _ in range(20):
        number = first_generation_shaped(rng)
        assert found(json.dumps({label: number})) == set(), (label, number)
        assert found(f"{label}: {number}", "text/plain") == set(), (label, number)
        assert found(f"{label}={number}", "application/x-www-form-urlencoded") == set()


@pytest.mark.parametrize("body", [
    '{"id_number": "%s"}', '{"身份证": "%s"}', '{"value": "%s"}', "%s", '["%s"]',
    # an ID label nearer than another number's label still says what it is
    '{"order_id": 5, "id_card": "%s"}', "tax 身份证 %s", '{"id_card": "%s"}', "ID card: %s",
])
def test_an_unlabelled_or_id_labelled_fifteen_digit_id_is_still_read(body):
    rng = random.Random(body)
    for _ in range(10):
        number = first_generation_shaped(rng)
        ctype = "application/json" if body[:1] in "{[" else "text/plain"
        assert found(body % number, ctype), body % number


def test_an_eighteen_character_id_is_read_whatever_its_label():
    # (the check character says what it is)
    assert found(json.dumps({"npwp": "110101199003071233"}))
    assert found(json.dumps({"no_rekening": "110101199003071233"}))
