"""Red team round 17's scanner classes, fixed as classes: more spellings of each than the
round's own tests (tests/core/test_redteam_round17.py), and the false-positive guards that
must stay clean: payment cards after card words, keypad-shaped codes with no phone word, TeX
thousands, series letters of Russian numbers, Korean amounts, displacement labels."""

from __future__ import annotations

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round15 import j, luhn

ID = "110101199003071233"
FIRST_GEN = "110101900307123"  # Beijing Dongcheng, 1990-03-07
MOBILE = "13912345678"
JSON = "application/json"
TEXT = "text/plain"
AMEX = luhn("37010290030712")  # also a valid first-generation ID (Jinan, 1990-03-07)


# =============================================================================================
# Every spelling of an identity card is an ID's own label: the card word excuses nothing

@pytest.mark.parametrize("label", [
    "Identity Card", "identity-card", "IDENTITY_CARD", "IdentityCard", "identity  card",
    "ID Card", "id-card", "ID_CARD", "IDCard", "id. card", "ID.Card", "Resident Card",
    "身份证", "居民身份证", "身份證", "identity card (back side), no.",
])
def test_first_generation_id_after_identity_card_spellings_found(label):
    assert "id" in found(f"{label}: {FIRST_GEN}", TEXT)


@pytest.mark.parametrize("key", ["identityCard", "identity_card_no", "ID-Card", "idCardNo",
                                 "id_card_number", "identity-card"])
def test_first_generation_id_under_identity_card_keys_found(key):
    assert "id" in found(j(key, FIRST_GEN))


def test_identity_card_label_reaches_past_a_card_word():
    assert "id" in found(f"Identity card, reverse side of the card: {FIRST_GEN}", TEXT)


@pytest.mark.parametrize(("body", "content_type"), [
    (f"Credit card {AMEX}", TEXT),
    (f"card number {AMEX}", TEXT),
    (f"prepaid card {AMEX}", TEXT),
    (f"paid card {AMEX}", TEXT),
    (j("card_number", AMEX), JSON),
    (j("amex", AMEX), JSON),
    (j("creditCard", AMEX), JSON),
    (f"KTP card {AMEX}", TEXT),
    (f"kartu identitas card {AMEX}", TEXT),
])
def test_payment_cards_after_card_words_stay_clean(body, content_type):
    assert found(body, content_type) == set()
