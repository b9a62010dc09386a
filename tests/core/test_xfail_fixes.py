"""Misses pinned as strict xfails by earlier red-team rounds, fixed as classes: each test sweeps
the other spellings of a fixed miss, and the ordinary text around it that must stay clean.

- round 7: a mobile written with thousands separators and no phone word ("13,912,345,678");
- round 8: Chinese numerals with place units (一百三十九亿一千二百三十四万五千六百七十八);
- round 11: a told mobile with the phone word after its parts, and a part in Chinese numerals;
- round 9: digits with double/triple and no digit word ("1 3 9 double 1 2 3 4 5 6 7")."""

from __future__ import annotations

import json

import pytest

from tests.core.test_redteam_round6 import found

ID = "110101199003071233"
JSON = "application/json"
TEXT = "text/plain"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"


def j(text: str) -> str:
    return json.dumps({"t": text}, ensure_ascii=False)


def arabic(text: str) -> str:
    return "".join(ARABIC_INDIC[int(c)] if c.isdigit() else c for c in text)


# -- round 7: thousands separators, no phone word --------------------------------------------

# (read with no word for a while; after red team round 14 only after a phone word, as round 7
# had it: IDR/VND/JPY amounts of 13-19 billion under words no list holds were read as mobiles.
# tests/core/test_redteam_round14.py pins the no-word spellings as a strict xfail.)
@pytest.mark.parametrize("body,content_type", [
    ('{"contact_no": "x", "mobile": "13,912,345,678"}', JSON),
    ('{"tel": "15,012,345,678"}', JSON),
    ('{"phone": "19\'912\'345\'678"}', JSON),  # Swiss
    ('{"phone": "13,91,23,45,678"}', JSON),  # Indian
    ("tel 13,912,345,678", TEXT),
    ("手机 13,912,345,678。", TEXT),
    ("电话 13\uff0c912\uff0c345\uff0c678", TEXT),  # fullwidth commas
    ("tel \uff11\uff13,\uff19\uff11\uff12,\uff13\uff14\uff15,\uff16\uff17\uff18", TEXT),
    ("tel " + arabic("13٬912٬345٬678"), TEXT),  # Arabic-Indic digits, Arabic separator
    ('name,mobile\n"Li","16,612,345,678"\n', "text/csv"),
])
def test_grouped_mobile_after_a_phone_word(body, content_type):
    assert "mobile" in found(body, content_type), body


@pytest.mark.parametrize("body", [
    "1,391,234.56", "139,123,456", "13,912,345", "12,912,345,678", "113,912,345,678",
    "13,912,345,6789", "13,912,345,678.50", "13,912,345,678,000",
    "Total: 13,912,345,678 IDR", "Total: 13,912,345,678", "Rp 15.120.340.480",
    "Rp15.120.340.480", "$13,912,345,678", "¥13,912,345,678", "€ 13.912.345.678",
    "13,912,345,678元", "13,912,345,678 VND", "13,912,345,678 bytes", "-13,912,345,678",
    "(13,912,345,678)", "[15,120,340,480]", "[0, 13,912,345,678]", "5 13 912 345 678",
    "2026 13 912 345 678", "13 912 345 678 9", "server 15.120.240.180",
    "revenue 13,912,345,678", "size: 13,912,345,678", "Order #13,912,345,678",
    "共13,912,345,678人", "金额 13,912,345,678", "المبلغ " + arabic("13٬912٬345٬678"),
    json.dumps({"amount": "13,912,345,678"}), json.dumps({"balance": "15,012,345,678"}),
    json.dumps({"bbox": [15, 120, 340, 480]}), "2026.11.29 13:45:12.345",
])
def test_amounts_counts_and_addresses_stay_clean(body):
    assert found(body, TEXT) == set(), body


# -- round 8: Chinese numerals with place units ----------------------------------------------

@pytest.mark.parametrize("body,kind", [
    ("电话 一百三十九亿一千二百三十四万五千六百七十八", "mobile"),
    ("电话 壹佰叁拾玖亿壹仟贰佰叁拾肆万伍仟陆佰柒拾捌", "mobile"),
    ("電話 壹佰叁拾玖億壹仟貳佰叁拾肆萬伍仟陸佰柒拾捌", "mobile"),  # traditional
    ("他的号码是一百三十九亿一千二百三十四万五千六百七十八。", "mobile"),
    ("手机 一百五十亿两千三百四十五万六千七百八十九", "mobile"),  # 两
    ("手机 一百三十九亿〇一十二万〇八百〇八", "mobile"),  # 〇 gaps
    ("手机 一百三十九亿零一十二万零八百零八", "mobile"),  # 零 gaps
    ("tel 139亿1234万5678", "mobile"),  # digits among the units
    ("手机：139亿1234万5678", "mobile"),
    ("电话 一百三十九亿一千二百三十四万", "mobile"),  # round, after a phone word
    ("身份证 十一亿零一百零一万一千九百九十亿零三百零七万一千二百三十三", "id"),  # 亿 within 亿
    ("身份证号 十一亿零一百零一万一千九百九十亿零三百零七万一千二百三十三", "id"),
])
def test_place_unit_numerals_read_as_their_number(body, kind):
    assert kind in found(body, TEXT), body
    assert kind in found(j(body), JSON), body


@pytest.mark.parametrize("body", [
    "壹佰叁拾玖亿壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元整",  # a cheque's amount
    "金额：一百三十九亿一千二百三十四万五千六百七十八",
    "人民币一百三十九亿一千二百三十四万五千六百七十八",
    "总市值一百三十九亿一千二百三十四万五千六百七十八",
    "播放量一百三十九亿一千二百三十四万五千六百七十八次",
    "一百三十九亿一千二百三十四万",  # round: a figure in prose
    "公司营收139亿元，同比增长", "公司营收一百三十九亿，同比增长", "全国人口十四亿一千二百万人",
    "净利润13.9亿元", "营收139.1234567亿", "一亿两千万", "两千亿", "三个二级分类",
    "价格一百二十万", "第一百三十九条", "一三九亿",
    # (no phone or ID word before it: a figure, red team round 14)
    "一百三十九亿一千二百三十四万五千六百七十八", "139亿1234万5678",
])
def test_place_unit_amounts_and_counts_stay_clean(body):
    assert found(body, TEXT) == set(), body


# -- round 11: told mobiles ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "139 then 1234 then 5678 is my mobile",
    "139, 1234, 5678 is my phone number",
    "139 and then 1234 and 5678 is my cell",
    "1391234 and 5678 is my whatsapp",
    "139 then 12345678 was his phone",
    "139，然后1234，然后5678是我的手机号",
])
def test_phone_word_after_the_parts(text):
    assert "mobile" in found(j(text)), text
    assert "mobile" in found(text, TEXT), text


@pytest.mark.parametrize("text", [
    "We handled 139, then 1234, then 5678 calls",
    "139 then 1234 then 5678 telescopes",
    "139 then 1234 then 5678 is not my phone",
    "139 items, 1234 orders and 5678 is my phone",
    "Room 139, floor 1234, 5678 is my phone extension",
    "139 then 1234 then 5678 cellos",
    "139，1234，5678是库存，不是手机",
])
def test_numbers_before_a_phone_word_stay_clean(text):
    assert found(j(text)) == set(), text


@pytest.mark.parametrize("text", [
    "手机号一三九，中间1234，尾号5678",
    "手机号139，中间一二三四，尾号5678",
    "手机号139，中间1234，尾号五六七八",
    "电话是幺三九，然后1234，最后是5678",
    "手机号一三九，中间一二三四，尾号五六七八",
    "微信号 一三九 后面 1234 再 5678",
])
def test_a_part_in_chinese_numerals(text):
    assert "mobile" in found(j(text)), text


@pytest.mark.parametrize("text", [
    "手机型号一三九，库存1234，销量5678",  # labels between
    "电话会议一三九人参加，一二三四条消息",
    "手机号一三九",  # one part
    "三个一二三，四个五六七",
])
def test_numerals_that_tell_no_mobile_stay_clean(text):
    assert found(j(text)) == set(), text


# -- round 9: double/triple among digits -----------------------------------------------------

@pytest.mark.parametrize("text,kind", [
    ("1 3 9 double 1 2 3 4 5 6 7", "mobile"),
    ("1 3 9 Double 1 2 3 4 5 6 7", "mobile"),
    ("1 3 9 triple 1 2 3 4 5 6", "mobile"),
    ("1-3-9-double-1-2-3-4-5-6-7", "mobile"),
    ("1 3 9 1 2 3 4 double 5 6 7", "mobile"),
    ("1 1 0 1 0 1 1 double 9 double 0 3 0 7 1 2 3 3", "id"),
])
def test_digits_with_double_or_triple(text, kind):
    assert kind in found(j(text)), text
    assert kind in found(text, TEXT), text


@pytest.mark.parametrize("text", [
    "Room 2 double 1 bed, 3 nights", "2 double rooms, 1 triple room, 3 nights",
    "Scores: 1 3 9 double 1 2 3", "please double-check 1 2 3 4", "a table of 1 2 3 4 5 6 7",
    "triple 7 jackpot: 1 2 3",
])
def test_double_and_triple_in_ordinary_text_stay_clean(text):
    assert found(j(text)) == set(), text


@pytest.mark.parametrize("key", ["totalAmount", "grandTotal", "amountDue", "paidAmount",
                                 "price_cents", "balanceAfter", "viewCount", "fileBytes"])
def test_amount_keys_in_camel_case_stay_clean(key):
    assert found(json.dumps({key: "13,912,345,678"})) == set(), key


# Fixed after round 24 (scanner._told_words): a first part said in English words.
def test_a_part_in_english_words():
    assert "mobile" in found(j("my number is one three nine, then 1234 and 5678"))
