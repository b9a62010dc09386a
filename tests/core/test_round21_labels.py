"""Round 21 fixes: round 20's label excuses for 15-digit numbers had opened misses.

- A label's reach now ends, as at a field's separator, at an XML closing tag or self-closing
  element, at the end of another attribute's value, at a number of 6 digits or more, at the end
  of a sentence (a full stop after a word that is no abbreviation), and the round-13 words'
  reach ends there too (and at , ; & and a line's end).
- An identity word anywhere in the label (NIK, KTP, CMND, CCCD, KP, MyKad, identitas,
  identity, passport, 身份, 证号, บัตรประชาชน, เลขประจำตัว ...) wins over a payment word after it.
- After a singular label only the first number is excused; the numbers after it have the label
  only when the label names a list ("IMEIs", "deviceIds", "booking_ids", a JSON array).
- More device labels (deviceIdentifier, devId, device_sn, terminalId, perangkat, thiết bị,
  端末) and card words (kartu, kad, บัตร, カード) excuse what round 20's English ones did.
What must stay found: an 18-character ID and a mainland mobile under every new label, a
first-generation ID under a device label whose Luhn digit does not hold.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from residency_gateway.core.payload import inspect_body
from tests.core.test_redteam_round6 import KEY, TODAY, found
from tests.core.test_round20_labels import ID15, ID18, MOBILES, luhn_first_generation, shaped

JSON = "application/json"
XML = "application/xml"
TEXT = "text/plain"
FORM = "application/x-www-form-urlencoded"
ACCOUNT = "860012345678901"
IMEI = "356938035643809"
LUHN_ID15 = shaped("r21-luhn", luhn=True)[0]
NON_LUHN_ID15 = shaped("r21-non-luhn", luhn=False)[0]


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# A label's reach ends at a sibling's closing tag, another attribute, a sentence, a number


@pytest.mark.parametrize("body", [
    f"<Customer><Account>A-1</Account><Id>{ID15}</Id></Customer>",
    f"<Customer><Account>A-1</Account>\n  <Id>{ID15}</Id></Customer>",
    f"<c:Customer><c:Loan>L-9</c:Loan><c:No>{ID15}</c:No></c:Customer>",
    f"<Customer><Order/><Id>{ID15}</Id></Customer>",
    f"<Customer><Invoice no='1'/><Id>{ID15}</Id></Customer>",
    f"<Customer><Transaction>T</Transaction><Value>{ID15}</Value></Customer>",
    f"<Customer><Tracking>x</Tracking><Id>{ID15}</Id></Customer>",
    f"<Customer><Polis>1</Polis><Nomor>{ID15}</Nomor></Customer>",
    f"<Customer><Rekening>BRI</Rekening><Id>{ID15}</Id></Customer>",
    f"<Kyc><IMEI>x</IMEI><Id>{ID15}</Id></Kyc>",
    f"<Kyc><Card>x</Card><Id>{ID15}</Id></Kyc>",
    f"<Kyc><DeviceId>x</DeviceId><Id>{LUHN_ID15}</Id></Kyc>",
], ids=["account", "account-newline", "namespaced", "self-closing", "self-closing-attr",
        "transaction", "tracking", "polis", "rekening", "imei", "card", "device-luhn"])
def test_xml_sibling_labels_end_at_the_closing_tag(body):
    assert found(body, XML) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (f"<customer type='loan' id='{ID15}'/>", XML),
    (f'<customer kind="wallet" value="{ID15}"/>', XML),
    (f'<x account="A-1" ref="{ID15}"/>', XML),
    (f'<x device="Redmi" id="{LUHN_ID15}"/>', XML),
    (f"Paid by e-wallet. ID {ID15}", TEXT),
    (f"Paid by e-wallet.  No. {ID15}", TEXT),
    (f"Order shipped.\tID {ID15}", TEXT),
    (f"Loan approved. Number: {ID15}", TEXT),
    (f"贷款已批准。{ID15}", TEXT),
    (j({"note": f"Paid by e-wallet. ID {ID15}"}), JSON),
], ids=["attr-type", "attr-kind", "attr-account", "attr-device-luhn", "sentence", "sentence-no",
        "sentence-tab", "sentence-number", "chinese-full-stop", "json-sentence"])
def test_other_attributes_and_sentences_end_the_label(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    (j({"order": "1", "id": ID15}), JSON),
    (j({"account": "x", "value": ID15}), JSON),
    (j({"imei": "x", "id": ID15}), JSON),
    (j({"card": "x", "no": ID15}), JSON),
    (f"tax=1&id={ID15}", FORM),
    (f"account: x\nid: {ID15}", "application/yaml"),
], ids=["json-order", "json-account", "json-imei", "json-card", "form-tax", "yaml"])
def test_round13_words_end_at_a_field_separator(body, content_type):
    assert found(body, content_type) == {"id"}


@pytest.mark.parametrize(("body", "content_type"), [
    # (round 20's own labels, and their abbreviations before a full stop, still excuse)
    ("<Account>{}</Account>", XML),
    ('<loan id="{}"/>', XML),
    ('<account number="{}"/>', XML),
    ("Acct. No. {}", TEXT),
    ("Policy No. {}", TEXT),
    ("Loan ID: {}", TEXT),
    ("Payment ref. {}", TEXT),
    ('{"booking_ids": ["{}", "{}"]}', JSON),
    ("<Order><Id>{}</Id></Order>", XML),
], ids=["element", "attr-of-loan", "attr-number", "acct-no", "policy-no", "loan-id",
        "payment-ref", "json-list", "nested-element"])
def test_own_labels_still_excuse(body, content_type):
    for number in shaped(body):
        assert found(body.replace("{}", number), content_type) == set(), number


# ---------------------------------------------------------------------------------------------
# An identity word anywhere in the label wins


HOLDER_IDENTITY_LABELS = [
    "Nomor Identitas Pemilik Rekening", "nomorIdentitasPemilikRekening", "no_ktp_pemilik_rekening",
    "NIK Pemegang Polis", "nik_peminjam_pinjaman", "KTP nasabah pinjaman",
    "số CMND chủ tài khoản", "so_cccd_chu_tai_khoan", "CCCD chủ hợp đồng",
    "số căn cước chủ tài khoản", "số giấy tờ tùy thân chủ hợp đồng",
    "No. KP pemegang akaun", "no_kp_pemegang_polisi", "MyKad pemegang akaun", "IC pemegang akaun",
    "เลขประจำตัวผู้ถือบัญชี", "เลขบัตรประชาชนผู้ถือกรมธรรม์",
    "账户持有人证号", "合同签署人证号", "账户持有人身份证号", "借款人身份 合同",
    "identity_no_of_account_holder", "passport_no_of_policy_holder", "national_id_loan_account",
    "kartu identitas pemilik rekening", "kad pengenalan pemegang akaun",
]


@pytest.mark.parametrize("label", HOLDER_IDENTITY_LABELS)
def test_identity_word_anywhere_wins(label):
    assert found(j({label: ID15})) == {"id"}
    assert found(f"{label}: {ID15}", TEXT) == {"id"}
    assert found(f"<r><v name=\"{label}\">{ID15}</v></r>", XML) == {"id"}


@pytest.mark.parametrize("label", ["subscriber_identity", "equipment identity",
                                   "deviceIdentity"])
def test_a_subscribers_or_devices_identity_is_no_persons(label):
    # (an IMSI's and an IMEI's labels: the Luhn-valid IMEI stays clean)
    assert found(j({label: IMEI})) == set()


# ---------------------------------------------------------------------------------------------
# A run of numbers after one label: only the first is the label's


@pytest.mark.parametrize("body", [
    f"Loan {ACCOUNT} {ID15}",
    f"Booking {ACCOUNT}; {ID15}",
    f"Receipt {ACCOUNT} | {ID15}",
    f"Policy No. {ACCOUNT} {ID15}",
    f"rekening {ACCOUNT} {ID15}",
    f"tài khoản {ACCOUNT} {ID15}",
    f"口座番号 {ACCOUNT} {ID15}",
    f"IMEI {IMEI}, {LUHN_ID15}",
    f"deviceId {IMEI} / {LUHN_ID15}",
    f"Account: {ACCOUNT}\n{ID15}",
    f"Account {ACCOUNT}\t{ID15}",
    f"card {ACCOUNT} ({ID15})",
], ids=["loan", "semicolon", "pipe", "policy-no", "rekening", "tai-khoan", "koza", "imei-comma",
        "device-slash", "next-line", "tab", "parenthesis"])
def test_the_number_after_a_labelled_number_is_read(body):
    assert found(body, TEXT) == {"id"}


@pytest.mark.parametrize("make", [
    lambda vs: "IMEIs " + " ".join(vs), lambda vs: "imei_list: " + ", ".join(vs),
    lambda vs: j({"imei": vs}), lambda vs: j({"device_ids": vs}),
    lambda vs: "devices:\n" + "".join(f"- {v}\n" for v in vs),
], ids=["imeis", "imei-list", "json-array", "device-ids", "yaml-devices"])
def test_lists_under_a_list_label_stay_clean(make):
    body = make(luhn_first_generation())
    assert found(body, TEXT if not body.startswith("{") else JSON) == set()


def test_a_list_label_excuses_only_luhn_valid_device_numbers():
    values = luhn_first_generation()
    assert found(j({"deviceIds": [*values, NON_LUHN_ID15]})) == {"id"}


# ---------------------------------------------------------------------------------------------
# More device labels and card words (false positives of round 21)


DEVICE_LABELS = ["deviceIdentifier", "device_identifier", "devId", "dev_id", "dev-id",
                 "device_sn", "deviceSN", "terminalId", "terminal_id", "TerminalID",
                 "perangkat_id", "id_perangkat", "nomorPerangkat", "ma_thiet_bi",
                 "thiet_bi_id", "mã thiết bị", "端末ID", "端末番号", "udids"]


@pytest.mark.parametrize("label", DEVICE_LABELS)
def test_imeis_under_more_device_labels_stay_clean(label):
    for value in luhn_first_generation()[:6]:
        assert found(j({label: value})) == set(), value


@pytest.mark.parametrize("label", DEVICE_LABELS)
def test_ids_under_more_device_labels_found(label):
    assert found(j({label: NON_LUHN_ID15})) == {"id"}
    assert found(j({label: ID18})) == {"id"}
    for mobile in MOBILES:
        assert found(j({label: mobile})) == {"mobile"}


CARD_LABELS = ["nomor_kartu", "noKartu", "kartu_no", "nomorKartu", "no_kad", "nombor kad",
               "NoKad", "หมายเลขบัตร", "เลขที่บัตรสมาชิก", "カード番号", "dポイントカード番号",
               "ポイントカード", "会員カード番号"]


@pytest.mark.parametrize("label", CARD_LABELS)
def test_card_numbers_under_more_languages_stay_clean(label):
    for number in shaped(label):
        assert found(j({label: number})) == set(), number


@pytest.mark.parametrize("label", CARD_LABELS)
def test_ids_and_mobiles_under_card_labels_found(label):
    assert found(j({label: ID18})) == {"id"}
    for mobile in MOBILES:
        assert found(j({label: mobile})) == {"mobile"}


@pytest.mark.parametrize("label", ["kartu identitas", "kartuIdentitas", "kad pengenalan",
                                   "เลขบัตรประชาชน", "身份证卡号", "id card no"])
def test_an_identity_card_is_no_card(label):
    assert found(j({label: ID15})) == {"id"}


# ---------------------------------------------------------------------------------------------
# Bounds


def test_many_siblings_and_long_runs_read_in_bounded_time():
    rng = random.Random(21)
    numbers = [f"{rng.randrange(10 ** 14, 10 ** 15)}" for _ in range(20_000)]
    bodies = [
        ("<r>" + "".join(f"<Account>A</Account><Id>{n}</Id>" for n in numbers) + "</r>", XML),
        # (one run of 2,000 numbers: a long run's windows cost as much unlabelled, round 20)
        ("Loan " + " ".join(numbers[:2_000]), TEXT),
        ("Paid. " * 20_000 + ID15, TEXT),
        (j({"IMEIs": numbers}), JSON),
    ]
    for body, content_type in bodies:
        start = time.process_time()
        r = inspect_body(body.encode(), content_type=content_type, key=KEY, today=TODAY)
        assert time.process_time() - start < 10, content_type
        assert r.error is None or r.error.name.startswith("PAYLOAD_TOO"), r.note
