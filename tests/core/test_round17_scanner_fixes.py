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


# =============================================================================================
# Keypad letters only after a phone word or +86 / 0086; lower case there too

@pytest.mark.parametrize(("body", "content_type"), [
    ("Tracking no. 139-ABCD-1234", TEXT),
    ("Resi 188-JKTX-0042 dikirim", TEXT),
    ("SKU 1391ABC5678", TEXT),
    (j("voucher_code", "1591ABC 5678"), JSON),
    (j("order_ref", "177-JPNX-2026"), JSON),
    (j("coupon", "138-SALE-2026"), JSON),
    ("Ticket 155-KA7Q2M9X", TEXT),
    ("Parcel 139 ABCD EFGH", TEXT),
    (j("note", "139-1ADG-JMPT"), JSON),  # (the round-16 shape rule: no phone word, no read)
])
def test_keypad_shaped_codes_without_a_phone_word_stay_clean(body, content_type):
    assert found(body, content_type) == set()


@pytest.mark.parametrize(("body", "content_type"), [
    ("tel +86 139-1adg-jmpt", TEXT),
    ("+86 139 1adg jmpt", TEXT),
    ("0086-139-1234-love", TEXT),
    ("手机 139-1adg-jmpt", TEXT),
    ("phone: 139 1234 love", TEXT),
    (j("mobile", "1391234jmpt"), JSON),
    ("tel 139-1ADG-JMPT", TEXT),
    ("Tel. +86 139.1ADG.JMPT", TEXT),
])
def test_keypad_letters_after_a_phone_word_or_plus_86_found(body, content_type):
    assert "mobile" in found(body, content_type)


@pytest.mark.parametrize("body", [
    "phone: call 1 hour before", "tel: 139 hours ago", "phone 1 day before you go",
    "tel 1-800-flowers", "ref 139-1adg-jmpt", "mobile apps: 1password vault",
])
def test_lower_case_words_after_a_phone_word_stay_clean(body):
    assert found(body, TEXT) == set()
