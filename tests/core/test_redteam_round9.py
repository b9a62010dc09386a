"""Red-team round 9: spellings and placements not tried before: letters ID-card OCR reads for
digits beyond O/o/I/l, dictation words, identifiers split over parts in new ways, and
duplicated or mislabelled fields. Misses not fixed are strict xfails."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found

ID = "110101199003071233"
MOBILE = "13912345678"
ID_X = "11010519491231002X"  # (valid with the check character X)


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def ocr(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in text)


# -- letters OCR reads for digits, beyond O/o/I/l --------------------------------------------
# Missed before round 9: only O/o/I/l were read inside words of digits. ID-card OCR (and people
# copying its output) also writes S/s for 5, B for 8, Z/z for 2, G/b for 6, q/g for 9, T for 7,
# A for 4, D for 0; a receiver that post-corrects OCR (the usual step before a KYC check)
# reads the identifier. (110101199003071233 holds no 4, 5, 6 or 8: those are tried on a
# mobile and on an ID that holds them.)
OCR_CONFUSIONS = {"S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "G": "6", "b": "6",
                  "q": "9", "g": "9", "T": "7", "A": "4", "D": "0"}
ID_ALL = "440524198608154566"  # (valid; holds 0, 1, 2, 4, 5, 6, 8, 9)


@pytest.mark.parametrize("letter", sorted(OCR_CONFUSIONS))
def test_ocr_letters_in_a_mobile(letter):
    digit = OCR_CONFUSIONS[letter]
    assert "mobile" in found(j({"tel": ocr("13912345678" if digit != "0" else "13902345608",
                                            {digit: letter})}))


@pytest.mark.parametrize("letter", sorted(OCR_CONFUSIONS))
def test_ocr_letters_in_an_id(letter):
    digit = OCR_CONFUSIONS[letter]
    value = ID if digit in ID[:-1] else ID_ALL
    if digit not in value[:-1]:
        pytest.skip("no such digit")
    assert "id" in found(j({"ocr": ocr(value, {digit: letter})}))
    assert "id" in found("公民身份号码 " + ocr(value, {digit: letter}), "text/plain")


def test_an_id_glued_between_letters_is_still_its_id():
    # "ID" + ID (20 characters) is no OCR word: the ID inside it is read as before
    assert "id" in found(j({"ref": "ID" + ID + "Z"}))
    assert "id" in found(j({"ref": "ID" + ID}))


def test_ocr_letters_mixed_with_o_and_l():
    assert "id" in found(j({"n": "11O1O1199OO3O7IZ33"}))
    assert "mobile" in found(j({"n": "l39lZ345G78"}))
    assert "id" in found(j({"n": "11O1O5l949l23lOOZX"}))  # and the check character X


@pytest.mark.parametrize("body", [
    # ISO times, sizes, paper, codes: words with these letters and digits, short
    j({"t": "2026-11-29T12:00:00.123Z", "b": "20261129T120000Z", "paper": "A4", "v": "3D"}),
    j({"sku": "B2B-13912", "model": "G7X", "size": "T1000", "zip": "SW1A 2AA"}),
    # hex and base64 (digits and these letters, of any length)
    j({"sha": "1b2d3a4f5e6c7b8a9d0e1f2a3b4c5d6e7f8a9b0c", "short": "3b1bd2a",
       "b64": "Zm9vYmFyMTIzNDU2Nzg5MA==", "etag": "W/\"5d41402abc4b2a76b9719d911017c592\""}),
    # a UK VAT number, a UPS tracking number, a part number: letters and digits of other length
    j({"vat": "GB123456789", "ups": "1Z999AA10123456784", "part": "SB1234567890Z"}),
    # English words, ordinary prose with numbers
    "Deposit 2500 SGD at 3pm; gate B12, seat 34A. Bags: 2 x 23kg. Zip 94107.",
])
def test_ocr_letters_in_ordinary_text_stay_clean(body):
    assert found(body, "application/json" if body.startswith("{") else "text/plain") == set()


# Fixed after round 24 (scanner._ocr_grouped): '|' and '!' for 1 after a phone word.
@pytest.mark.parametrize("glyph", ["|", "!"])
def test_pipe_or_bang_for_one(glyph):
    assert "mobile" in found(j({"tel": MOBILE.replace("1", glyph)}))


# Fixed after round 24 (scanner._ocr_grouped): OCR letters in a mobile's groups after a phone
# word.
def test_ocr_letters_in_grouped_digits():
    assert "mobile" in found(j({"tel": "139 1Z34 S678"}))


# -- identifiers zero-filled to a fixed width ------------------------------------------------
# Missed before round 9: one unbroken number is read at its own length only, so an ID or a
# mobile zero-filled to a record's width (a bank or COBOL numeric field, a zero-padded CSV
# column) was no identifier; a receiver that reads the field as a number reads it.
@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (j({"id": "0" + ID}), "application/json", "id"),
    (j({"id": "00" + ID}), "application/json", "id"),
    ("acct,holder_id\n0001,00000" + ID + "\n", "text/csv", "id"),
    (j({"tel": "000" + MOBILE}), "application/json", "mobile"),
    (j({"tel": MOBILE.zfill(20)}), "application/json", "mobile"),
    ("msisdn=" + MOBILE.zfill(15) + "&x=1", "application/x-www-form-urlencoded", "mobile"),
    ("<r><n>" + MOBILE.zfill(18) + "</n></r>", "application/xml", "id_or_mobile"),
])
def test_zero_filled_identifiers(body, content_type, kind):
    kinds = found(body, content_type)
    assert kinds & ({"id", "mobile"} if kind == "id_or_mobile" else {kind})


@pytest.mark.parametrize("body", [
    # zero-filled amounts, counters, references and flags of every width
    j({"amount": "000000000012345", "seq": "0000000000000000001", "ref": "00000000000000000000",
       "acct": "000123456789012345678", "n": "0000000099999999999"}),
    # two zeros before an international number (the 00 prefix), a trunk 0 with no phone word
    # under a field named by another word (round 24: under no name or a letter's, as {"n":
    # ...} was here, it is read: test_redteam_round13.test_a_trunk_zero_mobile_outside_text)
    j({"intl": "0013912345678", "order_no": "013912345678"}),
    # a zero-filled 18-digit number that is no ID (bad check character, bad date)
    j({"a": "0" + ID[:-1] + "4", "b": "00110101199013071233"}),
])
def test_zero_filled_ordinary_numbers_stay_clean(body):
    assert found(body) == set()


# -- dictation words ---------------------------------------------------------------------------
# Held before round 9: double/triple/treble, "two-double-three", "oh" for zero, 幺/洞/拐/两.
# Missed: "and" between the groups of a number said in English (the word ended the run), and
# the Chinese count of a repeated digit (两个一: "two ones", 三个八: 888; 个 broke the run).
@pytest.mark.parametrize(("body", "kind"), [
    (j({"t": "one three nine and one two three four and five six seven eight"}), "mobile"),
    (j({"t": "One three nine, and one two three four, and five six seven eight."}), "mobile"),
    (j({"t": "一三九两个一二三四五六七"}), "mobile"),
    (j({"t": "手机幺三九三个八二三四五六"}), "mobile"),
    (j({"t": "两个幺洞幺洞幺幺两个九两个洞三洞七幺二两个三"}), "id"),
    (j({"t": "一三九两个1二三四五六七"}), "mobile"),
    # held: a sample of what earlier rounds read
    (j({"t": "one three nine double one two three four five six seven"}), "mobile"),
    (j({"t": "one three nine two-double-three four five six seven eight"}), "mobile"),
    (j({"t": "幺三九洞幺二三四五六七"}), "mobile"),
])
def test_dictation_words(body, kind):
    assert kind in found(body)


@pytest.mark.parametrize("body", [
    # counts and prose with "and", and with 两个/三个 before a numeral
    "Count one, two, three and four, five, six and seven, then stop.",
    "I have one dog and two cats and three fish and four birds and five hens.",
    "Between one and two hundred and thirty and forty people came.",
    "我买了两个一百元的礼品卡，三个八折优惠券，四个五星评价。",
    "三个一组，两个二等奖，两个一样的，共计13件。",
    j({"desc": "两个一级分类、三个二级分类", "qty": 2, "price": 139.5}),
])
def test_dictation_words_in_ordinary_text_stay_clean(body):
    assert found(body, "application/json" if body.startswith("{") else "text/plain") == set()


# Missed before: digits with 'double'/'triple' and no digit word never passed the said-digits
# prefilter (fixed: byte searches for the words' tails, then a digit-word-digit regex).
def test_digits_and_double_without_words():
    assert "mobile" in found(j({"t": "1 3 9 double 1 2 3 4 5 6 7"}))


# -- identifiers split over parts in new ways ------------------------------------------------
# Missed before round 9: parts in JSON keys and values in turn (the joined-fields reading took
# each number key for the label of the value after it; the names reading holds keys only), and
# parts in attributes of nested or sibling elements (a tag is one joint, whatever it holds).
@pytest.mark.parametrize(("body", "content_type"), [
    ('{"110101": "19900307", "1233": 1}', "application/json"),
    ('[{"110101": "19900307"}, {"1233": ""}]', "application/json"),
    ('{"110101": {"19900307": "1233"}}', "application/json"),
    ('<p a="110101"><q b="19900307"/><r c="1233"/></p>', "application/xml"),
    ('<p a="110101"><q b="19900307"></q><r c="1233"></r></p>', "application/xml"),
    ('<r><p a="110101"/><q b="19900307"/><s c="1233"/></r>', "application/xml"),
    ('<p a="110101">19900307<r c="1233"/></p>', "text/html"),
    # held: a sample of placements earlier rounds read
    ('<p a="110101" b="19900307" c="1233"/>', "application/xml"),
    ('{"110101": {"19900307": {"1233": null}}}', "application/json"),
    ("a,b,c\n110101,19900307,1233\n", "text/csv"),
    ("<table><tr><td>110101</td></tr><tr><td>19900307</td></tr><tr><td>1233</td></tr></table>",
     "text/html"),
    (j([int(c) for c in ID]), "application/json"),
    ('{"id":"x","id":"' + ID + '"}', "application/json"),  # the duplicate key parsers keep
])
def test_identifier_split_over_keys_values_and_attributes(body, content_type):
    assert "id" in found(body, content_type)


@pytest.mark.parametrize(("body", "content_type"), [
    # objects keyed by numbers with numbers as values: years, status codes, counters
    ('{"2019": 1100, "2020": 19900307, "404": 12, "500": 3, "1233": 8}', "application/json"),
    ('{"110101": "Dongcheng", "110102": "Xicheng", "110105": "Chaoyang"}', "application/json"),
    ('[{"1": 0.5}, {"2": 0.25}, {"3": 19900307}, {"4": 1233}]', "application/json"),
    # markup with numbers in attributes: sizes, coordinates, ids, numbered items
    ('<img width="1920" height="1080" data-id="1101011"><svg viewBox="0 0 1990 307">'
     '<rect x="12" y="33" width="110101" height="199003"/></svg>', "text/html"),
    ('<r><p n="1">x</p><p n="2">y</p><p n="3">z</p></r>', "application/xml"),
    ('<row id="110101" ts="1764410000"/><row id="110102" ts="1764410060"/>', "application/xml"),
])
def test_numbers_in_keys_and_attributes_stay_clean(body, content_type):
    assert found(body, content_type) == set()


def test_digits_each_in_an_object_of_their_own():
    # (found since round 22: a list of objects each holding one piece is joined, fx22-text)
    assert "id" in found(j({"digits": [{"v": c} for c in ID]}))


# Fixed after round 24 (structure_parts.labelled_parts): parts labelled by their place, put in the ID's order.
@pytest.mark.parametrize("body", [
    "last 4: 1233, first 6: 110101, birth: 19900307",
    j({"last4": "1233", "area": "110101", "dob": "19900307"}),
])
def test_labelled_parts_out_of_order(body):
    assert "id" in found(body, "application/json" if body.startswith("{") else "text/plain")


# Fixed after round 24 (structure_parts.gap_joined_ids): area, birth date and sequence in order with only structure and part words between.
def test_parts_with_a_word_value_between():
    assert "id" in found('[{"a": "1", "110101": "x"}, {"19900307": "1233"}]')


# Fixed after round 24 (structure_parts.gap_joined_ids): rows of a part word and a part.
@pytest.mark.parametrize(("body", "content_type"), [
    ("part,value\narea,110101\nbirth,19900307\nseq,1233\n", "text/csv"),
    ("<table><tr><th>area</th><td>110101</td></tr><tr><th>birth</th><td>19900307</td></tr>"
     "<tr><th>seq</th><td>1233</td></tr></table>", "text/html"),
])
def test_parts_in_label_value_rows(body, content_type):
    assert "id" in found(body, content_type)


# -- duplicated and mislabelled fields (held) -------------------------------------------------
@pytest.mark.parametrize(("body", "kind"), [
    ('{"id": "x", "id": "' + ID + '"}', "id"),  # parsers keep the last duplicate
    ('{"tel": "' + MOBILE + '", "tel": "x"}', "mobile"),  # ...or the first
    (j({"amount": int(ID)}), "id"),
    (j({"timestamp": MOBILE}), "mobile"),
    (j({"uuid": ID}), "id"),
    ('{"amount": -13912345678}', "mobile"),
    (j({"ref": "ID" + ID + "Z", "code": "abc" + ID + "xyz", "k": "user_" + ID + "_v2"}), "id"),
    (j({"x": "tel" + MOBILE + "ext"}), "mobile"),
])
def test_duplicated_and_mislabelled_fields(body, kind):
    assert kind in found(body)
