"""Red-team round 8 (words): digits said in Japanese (kana and romaji), Korean, Thai,
Vietnamese and Tagalog, the misses round 7 left as strict xfails, as a class: spaced, with
commas, run together, mixed with digits, inside JSON values, in capitals, with each
language's other readings of a digit, and an ID ending in the check character X. Ordinary
text in each language (whose digit words are everyday words) stays clean."""

from __future__ import annotations

import json
import unicodedata

import pytest

from residency_gateway.core.payload import redact_path, scan_request_line
from residency_gateway.core.scanner import may_hold_identifier, says_digits
from tests.core.test_redteam_round7_words import (
    HIRAGANA,
    ID,
    KATAKANA,
    KEY,
    KOREAN,
    MOBILE,
    ROMAJI,
    TAGALOG,
    TEXT,
    THAI_WORDS,
    TODAY,
    VIETNAMESE,
    found,
    kind_of,
    said,
)

JSON = "application/json"

# Each language's words for 0-9 with its other readings (and spellings) of a digit.
HIRAGANA_OTHER = ["れい", "いち", "に", "さん", "し", "ご", "ろく", "しち", "はち", "く"]
HIRAGANA_LONG = ["まる", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅー"]
KATAKANA_OTHER = ["レイ", "イチ", "ニ", "サン", "シ", "ゴ", "ロク", "シチ", "ハチ", "キュー"]
HALFWIDTH = ["ｾﾞﾛ", "ｲﾁ", "ﾆ", "ｻﾝ", "ﾖﾝ", "ｺﾞ", "ﾛｸ", "ﾅﾅ", "ﾊﾁ", "ｷｭｳ"]
HALFWIDTH_OTHER = ["ﾏﾙ", "ｲﾁ", "ﾆ", "ｻﾝ", "ｼ", "ｺﾞ", "ﾛｸ", "ｼﾁ", "ﾊﾁ", "ｸ"]
ROMAJI_OTHER = ["rei", "ichi", "ni", "san", "shi", "go", "roku", "shichi", "hachi", "ku"]
ROMAJI_LONG = ["maru", "ichi", "ni", "san", "yon", "go", "roku", "nana", "hachi", "kyū"]
ROMAJI_SHORT = ["zero", "ichi", "ni", "san", "yon", "go", "roku", "nana", "hachi", "kyu"]
KOREAN_OTHER = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]
THAI_OTHER = ["ศูนย์", "หนึ่ง", "โท", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"]
VIETNAMESE_OTHER = ["linh", "một", "hai", "ba", "tư", "lăm", "sáu", "bẩy", "tám", "chín"]
VIETNAMESE_TONELESS = ["khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin"]
VIETNAMESE_NFD = [unicodedata.normalize("NFD", w) for w in VIETNAMESE]
VIETNAMESE_OTHER_NFD = [unicodedata.normalize("NFD", w) for w in VIETNAMESE_OTHER]

LANGUAGES = {
    "hiragana": ("電話 ", HIRAGANA), "hiragana-other": ("電話番号は", HIRAGANA_OTHER),
    "hiragana-long": ("でんわ：", HIRAGANA_LONG), "katakana": ("電話 ", KATAKANA),
    "katakana-other": ("TEL ", KATAKANA_OTHER), "halfwidth": ("ﾃﾞﾝﾜ ", HALFWIDTH),
    "halfwidth-other": ("tel ", HALFWIDTH_OTHER), "romaji": ("denwa ", ROMAJI),
    "romaji-other": ("tel: ", ROMAJI_OTHER), "romaji-long": ("keitai ", ROMAJI_LONG),
    "romaji-short": ("tel ", ROMAJI_SHORT), "korean": ("전화 ", KOREAN),
    "korean-other": ("휴대폰 번호는 ", KOREAN_OTHER), "thai": ("โทร ", THAI_WORDS),
    "thai-other": ("เบอร์โทร ", THAI_OTHER), "vietnamese": ("sđt ", VIETNAMESE),
    "vietnamese-other": ("Số điện thoại: ", VIETNAMESE_OTHER),
    "vietnamese-toneless": ("sdt ", VIETNAMESE_TONELESS),
    "vietnamese-nfd": ("sđt ", VIETNAMESE_NFD),
    "vietnamese-other-nfd": ("sđt ", VIETNAMESE_OTHER_NFD), "tagalog": ("tel ", TAGALOG),
}
LATIN = {"romaji", "romaji-other", "romaji-long", "romaji-short", "vietnamese",
         "vietnamese-other", "vietnamese-toneless", "vietnamese-nfd", "vietnamese-other-nfd",
         "tagalog"}

FORMS = {  # (a number said, how it is sent: (before, said) -> body, and its content type)
    "spaced": (lambda v, w: said(v, w), TEXT),
    "commas": (lambda v, w: said(v, w, ", "), TEXT),
    "run-together": (lambda v, w: said(v, w, ""), TEXT),
    "digits-mixed": (lambda v, w: said(v[:3], w) + " " + v[3:7] + " " + said(v[7:], w), TEXT),
    "digits-run-in": (lambda v, w: said(v[:3], w, "") + v[3:7] + said(v[7:], w, ""), TEXT),
    "lines": (lambda v, w: said(v, w, "\n"), TEXT),
    "hyphens": (lambda v, w: said(v[:3], w) + " - " + said(v[3:7], w) + " - "
                + said(v[7:], w), TEXT),
    "json": (lambda v, w: said(v, w), JSON),
    "json-escaped": (lambda v, w: said(v, w), JSON),
    "json-run-together": (lambda v, w: said(v, w, ""), JSON),
}


def body_of(form: str, before: str, value: str, words: list[str]) -> str:
    text = FORMS[form][0](value, words)
    if form.startswith("json"):
        return json.dumps({"contact": {"note": before + text, "n": 1}},
                          ensure_ascii=form == "json-escaped")
    return before + text


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("value", [MOBILE, ID], ids=["mobile", "id"])
def test_digits_said_in_the_languages_of_the_region(value, language, form):
    before, words = LANGUAGES[language]
    assert kind_of(value) in found(body_of(form, before, value, words), FORMS[form][1])


@pytest.mark.parametrize("sep", ["、", "　", "・", "，", " , "], ids=["touten", "ideographic-space",
                                                               "nakaguro", "fullwidth-comma",
                                                               "spaced-comma"])
@pytest.mark.parametrize("language", ["hiragana", "katakana", "halfwidth", "korean"])
def test_kana_and_hangul_with_cjk_separators(language, sep):
    before, words = LANGUAGES[language]
    assert "mobile" in found(before + said(MOBILE, words, sep), TEXT)


@pytest.mark.parametrize("case", [str.upper, str.title], ids=["upper", "title"])
@pytest.mark.parametrize("language", sorted(LATIN))
@pytest.mark.parametrize("value", [MOBILE, ID], ids=["mobile", "id"])
def test_latin_words_in_capitals(value, language, case):
    before, words = LANGUAGES[language]
    assert kind_of(value) in found(before + case(said(value, words)), TEXT)
    assert kind_of(value) in found(before + said(value, [case(w) for w in words], ""), TEXT)


@pytest.mark.parametrize("body", [
    # said digits in a sentence, glued to the words around them (no space: Japanese, Thai)
    "電話番号はいちさんきゅういちにさんよんごろくななはちです。",
    "お電話番号：イチサンキュウ、イチニサンヨン、ゴロクナナハチまでお願いします",
    "電話ichi san kyuu ichi ni san yon go roku nana hachiです",
    "電話番号はichisankyuuichinisanyongorokunanahachiです",
    "連絡先isa tatlo siyam isa dalawa tatlo apat lima anim pito walo",
    "전화번호는 일삼구일이삼사오육칠팔입니다",
    "제 번호는 일 삼 구, 일 이 삼 사, 오 육 칠 팔이에요",
    "เบอร์โทรหนึ่งสามเก้าหนึ่งสองสามสี่ห้าหกเจ็ดแปดครับ",
    "Số điện thoại của tôi là một ba chín một hai ba bốn năm sáu bảy tám nhé",
    "Ang numero ko ay isa-tatlo-siyam, isa-dalawa-tatlo-apat, lima-anim-pito-walo po",
    "Tel: ICHI-SAN-KYUU ICHI-NI-SAN-YON GO-ROKU-NANA-HACHI",
])
def test_said_digits_in_sentences(body):
    assert "mobile" in found(body, TEXT)


@pytest.mark.parametrize("sep", ["/", "-", "_"], ids=["segments", "hyphens", "underscores"])
@pytest.mark.parametrize("language", ["romaji", "vietnamese-toneless", "tagalog", "hiragana",
                                      "korean", "vietnamese"])
def test_said_digits_in_a_path_and_a_header(language, sep):
    _, words = LANGUAGES[language]
    path = "/v1/subjects/" + said(MOBILE, words, sep)
    assert any(p.jurisdiction == "CN" for p in scan_request_line(
        path, "", key=KEY, today=TODAY).phones)
    hits = scan_request_line("/v1/verify", "", key=KEY, today=TODAY,
                             headers=[("X-Contact", said(MOBILE, words))])
    assert any(p.jurisdiction == "CN" for p in hits.phones)
    if sep == "-":  # (a path with other characters than ASCII is redacted more widely)
        assert redact_path(path).endswith("/subjects/{redacted}")


def test_mixed_katakana_and_hiragana_and_digits():
    body = "電話 いちサン9 イチに3ヨン ごロクなな8"
    assert found(body, TEXT) == {"mobile"}


# 11010519491231002X is a valid ID (11010119900307123X is not)
X_ID = "11010519491231002X"


@pytest.mark.parametrize("x", [" X", " x", ", X"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_said_id_with_check_character_x(language, x):
    before, words = LANGUAGES[language]
    assert "id" in found(before + said(X_ID[:-1], words) + x, TEXT)


@pytest.mark.parametrize(("language", "x"), [("katakana", " エックス"), ("hiragana", "、えっくす"),
                                             ("halfwidth", " ｴｯｸｽ"), ("korean", " 엑스")])
def test_check_character_x_said(language, x):
    before, words = LANGUAGES[language]
    assert "id" in found(before + said(X_ID[:-1], words) + x, TEXT)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_said_digits_count_for_redaction(language):
    _, words = LANGUAGES[language]
    assert may_hold_identifier(said(MOBILE, words))
    assert may_hold_identifier(said(MOBILE, words, ""))


@pytest.mark.parametrize("body", [
    # Japanese: particles に and ご, さん of names, いちご (strawberry), counting to three
    "日本語の文章です。ここにいちごがあります。田中さんにご連絡ください。彼はにこにこしながら、"
    "ごはんを食べに行きました。さんぽに行く前に、しごとをしました。いち、に、さん！",
    "いち、に、さん", "イチ、ニ、サン、ダァー！", "ここにしごろくにんがいます",
    "東京都渋谷区1-2-3 サンシャインビル 4階、電話は受付まで。",
    "二〇二六年十一月二十九日（にせんにじゅうろくねん じゅういちがつ にじゅうくにち）",
    "Tanaka-san, Suzuki-san and Sato-san go to Nagoya; ni hao; Ichiro went to San Jose.",
    "Go go go! Kyushu, Shikoku, Honshu: ichi-go ichi-e.",
    # Korean: 이 (this), 일 (work), 사 (company), 오 (five/come), 구 (district)
    "이 일은 오늘 사무실에서 끝내야 합니다. 이사 가는 날에 오이를 샀어요. 일이삼 테스트, 서울시 "
    "강남구 테헤란로 123, 2026년 11월 29일 오후 세 시",
    "일 이 삼 사 오",
    # Thai: สอง (two), หก (six / spill), เก้าอี้ (chair), สี่ (four)
    "สวัสดีครับ วันนี้อากาศดีมาก สองคนไปตลาดสามครั้ง หกโมงเย็นกลับบ้าน ห้าสิบบาท เก้าอี้สี่ตัว",
    "ราคา ๑,๒๕๐ บาท วันที่ ๒๙ พฤศจิกายน ๒๕๖๙ บ้านเลขที่ ๑๒/๓",
    # Vietnamese: năm (year), ba (father), hai, không (not), một (a), làm, từ
    "Năm 2026, ba mẹ tôi có hai người con. Tôi không làm việc vào thứ bảy. Sau ba năm, tư "
    "tưởng của một người thay đổi. Ngày 29 tháng 11 năm 2026, số nhà 12.",
    "Nam 2026 ba me toi co hai nguoi con. Toi khong lam viec vao thu bay. Sau ba nam, tu tuong.",
    "ngày hai mươi chín tháng mười một năm hai nghìn không trăm hai mươi sáu",
    "Số 12 ngõ 34 phố Hai Bà Trưng, quận Ba Đình, Hà Nội",
    # Tagalog
    "Ang isa sa mga anak ay may dalawang aso at tatlong pusa. Lima sila sa bahay, anim ang "
    "kwarto, pito ang bintana at walo ang upuan.",
    "Blk 12 Lot 3, Barangay Walo, Lungsod ng Quezon; ika-29 ng Nobyembre, dalawang libo",
    # counting to ten (ten is no digit word): a number, no identifier
    "isa, dalawa, tatlo, apat, lima, anim, pito, walo, siyam, sampu",
    "ichi ni san shi go roku shichi hachi kyuu juu",
    "một hai ba bốn năm sáu bảy tám chín mười",
    "일 이 삼 사 오 육 칠 팔 구 십",
    "いち に さん し ご ろく しち はち く じゅう",
    "หนึ่ง สอง สาม สี่ ห้า หก เจ็ด แปด เก้า สิบ",
    json.dumps({"ghi_chu": "ba mẹ đi làm lúc bảy giờ", "nam": 2026, "so_nha": "12"},
               ensure_ascii=False),
    "Go go go go go go go go go go go", "na na na na na nananananana hey hey goodbye",
])
def test_ordinary_text_in_the_languages_stays_clean(body):
    assert found(body, TEXT) == set()


@pytest.mark.parametrize("body", [
    "日本語の文章です。ここにいちごがあります。田中さんにご連絡ください。彼はにこにこしながら、"
    "ごはんを食べに行きました。さんぽに行く前に、しごとをしました。",
    "이 일은 오늘 사무실에서 끝내야 합니다. 이사 가는 날에 오이를 샀어요.",
    "สวัสดีครับ วันนี้อากาศดีมาก สองคนไปตลาดสามครั้ง หกโมงเย็นกลับบ้าน ห้าสิบบาท เก้าอี้สี่ตัว",
    "Năm 2026, ba mẹ tôi có hai người con. Tôi không làm việc vào thứ bảy. Sau ba năm, một "
    "người bạn từ Hà Nội đến.",
    "Ang isa sa mga anak ay may dalawang aso at tatlong pusa.",
    "Tanaka-san and Sato-san go to Nagoya.",
])
def test_ordinary_prose_is_not_read_at_all(body):
    # the guard (seven digit words in a row) keeps prose out of the said-digits reading
    assert not says_digits(body.encode())


def test_six_words_are_no_run():
    # six digit words and a number: not read (seven in a row are)
    assert found("電話 いち さん きゅう いち に さん 45678", TEXT) == set()
    assert found("tel isa tatlo siyam isa dalawa tatlo 45678", TEXT) == set()
