"""Round 23 fixes to the labels of 15-digit numbers (see scanner._identity_label,
_SHORT_IDENTITY_WORDS, _a_person_after, _PERSON_ABBREVIATIONS, _FUSED_PERSON):

- The identity words' abbreviations ("Nat. ID", "Natl ID", "Nat'l ID", natId, "Govt ID",
  "Gov't ID", government id, "Pspt No.", "I/C No.", "I.C.", Malay "K/P", Vietnam's CMT and
  CMTND) win over a payment word after them, as the words spelled out do. Those that also
  abbreviate another's number ("ID No.", "Res. ID", "PP No.", "DL No.", "Pers. ID", CMT)
  count only before any payment word: "Order ID No." stays the order's.
- A person's word after a payment word stops its excuse when abbreviated ("acct_hldr_id",
  "order_cstmr_id", "acct_usr_id") or fused into one lower-case token ("accountholderid",
  "order_custid"), when only generic words (id, no, number ...) follow it: "customfield",
  "userstatus", "custref" say nothing of a person.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.core.test_redteam_round22 import ACCOUNT_SHAPED, FIRST_GENERATION, found
from tests.core.test_round20_labels import ID18, MOBILES


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


IDENTITY_ABBREVIATIONS = [
    "Nat. ID account", "Natl. ID acct", "Nat'l ID account", "Nat\u2019l ID account",
    "nat_id_account", "natId account", "NatID order", "nat-id-rekening", "Natl ID No. A/C",
    "Govt ID account", "Govt. ID account", "Gov't ID account", "Gov\u2019t ID rekening",
    "gov id order", "government id account", "Government-issued ID account",
    "national-identity account", "Pspt No. account", "PSPT account", "Psprt no. order",
    "PP No. account", "PP No. invoice", "DL No. account", "DL No. tracking", "res_id account",
    "Res. ID account", "res. id order", "Pers. ID A/C", "pers id account", "I/C No. account",
    "I/C A/C", "I.C. account", "i.c. no. account", "K/P pemegang akaun", "No. K/P akaun",
    "CMT account", "cmt_no_account", "CMTND tài khoản", "id no. order", "ID No. order",
    "id_nr_invoice",
]


@pytest.mark.parametrize("label", IDENTITY_ABBREVIATIONS)
def test_identity_abbreviations_win_over_a_payment_word(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}
    assert found(j({"memo": f"{label} {FIRST_GENERATION}"})) == {"id"}


PERSON_LABELS = [
    # fused into one lower-case token
    "accountholderid", "acctholderid", "acctownerid", "ordercustomerid", "orderbuyerid",
    "invoicebuyerid", "invoicecustomerid", "transactionuserid", "awbconsigneeid",
    "trackingrecipientid", "order_custid", "order_custno", "rekeningpemilikid",
    "accountholderids", "ordermemberno", "accountbeneficiarynumber",
    # abbreviated
    "acct_hldr_id", "acct_ownr_id", "order_cstmr_id", "acct_usr_id", "acct_mbr_id",
    "acct_bnf_id", "order_rcvr_id", "awb_cnee_id", "AcctHldrId", "acct_hldrs_id",
    "invoice_pyr_id",
]


@pytest.mark.parametrize("label", PERSON_LABELS)
def test_a_fused_or_abbreviated_person_word_after_a_payment_word_found(label):
    assert found(j({label: FIRST_GENERATION})) == {"id"}
    assert found(j({"memo": f"{label} {FIRST_GENERATION}"})) == {"id"}


CLEAN = [
    # (an abbreviation that is another's number's after a payment word: the payment's)
    "Order ID No.", "order id no", "Invoice ID No.", "order_res_id", "tracking DL No.",
    "transaction PP No.",
    # (look-alikes of the identity abbreviations)
    "natural account", "natgas account", "pst account", "PT account", "government account",
    "pp account", "dl account", "icon account", "pci account",
    # (fused words that only contain a person word, or a payment reference)
    "order_customfield", "order_userstatus", "order_custom_id", "account_username",
    "orderusername_id", "accountcustref", "order_cust_ref", "ordertempid",
    # (as ever)
    "account_type_id", "order_status_no", "accountid", "orderid", "ordernumber", "accountno",
    "Acct. No.",
]


@pytest.mark.parametrize("label", CLEAN)
def test_payment_labels_and_look_alikes_stay_clean(label):
    assert found(j({label: ACCOUNT_SHAPED})) == set()
    assert found(j({"memo": f"{label} {ACCOUNT_SHAPED}"})) == set()


def test_a_comment_key_is_no_identity_word():
    # (CMT is also a comment: its text value is not the number's label)
    assert found(j({"cmt": f"paid to account {ACCOUNT_SHAPED}"})) == set()


@pytest.mark.parametrize("label", [*CLEAN[:6], "accountcustref", "order_userstatus"])
def test_clean_labels_never_excuse_an_id18_or_a_mobile(label):
    assert found(j({label: ID18})) == {"id"}
    assert "mobile" in found(j({"memo": f"{label} {MOBILES[0]}"}))


def test_label_reading_bounded():
    body = j({"rows": [{f"Nat. ID {i} account": ACCOUNT_SHAPED,
                        f"accountholder{i}id": ACCOUNT_SHAPED,
                        f"Order ID No. {i}": ACCOUNT_SHAPED} for i in range(700)]})
    start = time.process_time()
    found(body)
    assert time.process_time() - start < 3.0
