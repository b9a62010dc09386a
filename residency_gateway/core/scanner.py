"""The identifier tokenizer: mainland resident ID numbers and phone numbers *inside* any text.

One scanner serves bodies (whatever their structure), JSON strings and keys, form and multipart
values, path segments, query strings, header values, request ids, and the redaction of paths
and ids in records and logs. It is a scanner over normalised text, not a tree walk:

1. **Normalise** (only text that is not plain ASCII pays for it): Unicode NFKC turns fullwidth
   digits, ideographic spaces and fullwidth punctuation into ASCII; every other decimal digit
   (Arabic-Indic, Devanagari, ...) becomes its ASCII digit; invisible format characters
   (zero-width space/joiners, soft hyphen, BOM, bidi controls, tag characters) are removed, so
   they cannot split an identifier.
2. **Find candidates** with one compiled pattern: runs of digits joined by up to three
   separator characters (space, tab, newline, dash and Unicode dashes, dot, middle dot, slash,
   underscore, brackets), optionally ending in the check character X/x. Letters, CJK text or
   punctuation around a run do not hide it.
3. **Validate** windows of consecutive digit groups of a run: 18 characters as GB 11643-1999
   (ISO 7064 MOD 11-2 check, real birth date not after the decision's day, provincial area code
   or an HK/MO/TW residence-permit code), 15 digits as a first-generation ID (provincial area
   code, real 19YY birth date), and phones: a bare mainland mobile (1[3-9] + 9 digits), the
   same after `86`/`0086`/`+86`, and any `+CC`/`00CC` international number, validated against
   libphonenumber's metadata (`phonenumbers`). IDs win over phones for the same digits.
4. **Read again** where the text could hide an identifier otherwise: Chinese numerals that
   touch digits or stand in groups, as digits; text after a right-to-left override, as shown;
   digits said in words, as digits (`_said`: English, pinyin, Malay, Japanese, Korean, Thai,
   Vietnamese, Tagalog); letters typed for digits (O/o/I/l) inside words of digits
   (`_lettered`); TeX spacing and grouping between digits taken out (`_tex`); phone-keypad
   letters of a mobile (`_keypad`) and Japanese kun readings after a phone word (`_kun`), as
   digits; and the fields of a structure joined where they meet between digits (`_glued`),
   where only what proves itself is taken (see `_tokens`; the labels of a phone's parts,
   "country_code", "area_code", say a phone is there as a phone word does).

Runs inside canonical UUIDs and long hexadecimal tokens (32+ hex characters with at least 4
letters: hashes, trace ids) are skipped: their digits are not identifiers, and without this
about one SHA-256 in 300 would read as a mainland mobile.

Pure: no I/O. Work is bounded (`Budget`): a text that needs more candidate windows than the
budget allows is reported, so the caller can refuse it as uninspectable instead of spinning.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers

from residency_gateway.core.areacodes import known_area
from residency_gateway.core.idnumber import check_character, parse_resident_id

# Separators people and machines put between digit groups: whitespace, dash, dot, slash,
# underscore, brackets; after NFKC, Unicode dashes, minus and middle dots are folded into "-".
_ASCII_SEP = b" \t\r\n\f\v-./_()"
_UNICODE_SEP = re.compile("[\u00b7\u2010-\u2015\u2022\u2212\u2027\u2219\u22c5\u30fb\u30fc\uff65"
                          "\u115f\u1160\u3164\uffa0]")  # and the Hangul fillers (blank)


def _skeleton_table() -> bytes:
    table = bytearray(b"." * 256)
    for c in b"0123456789":
        table[c] = ord("0")
    for c in _ASCII_SEP:
        table[c] = ord(" ")
    table[ord("X")] = table[ord("x")] = ord("X")
    return bytes(table)


# Step 2 runs in C: the text's bytes are mapped to a skeleton (digit -> 0, separator -> space,
# X -> X, anything else -> .), and a pattern that starts with a literal finds the runs.
_SKELETON = _skeleton_table()
_COARSE = re.compile(rb"0[0 X]{7,}")  # cheap first pass: where runs of 8+ could be
# Exact runs (at least 8 characters): digit groups joined by up to 8 separators (a line wrapped
# and indented inside a digit group still joins).
_RUN = re.compile(rb"0(?:0| {1,8}(?=[0X])){7,}+X?")  # possessive: no backtracking stack
_GROUPS = re.compile(rb"[0-9]+|[Xx]")
_DIGIT_SKELETON = bytes.maketrans(b"0123456789", b"0000000000").translate(
    bytes.maketrans(bytes(c for c in range(256) if c not in b"0123456789"),
                    b"." * (256 - 10)))  # digits as 0, all else as "."
# A dotted quad is an IPv4 address, not a phone number ("138.10.138.100").
# (each part at most 255: "13.912.345.678", a mobile with thousands dots, is no address)
_OCTET = rb"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
_DOTTED_QUAD = re.compile(_OCTET + (rb"\." + _OCTET) * 3)
# Runs inside these are skipped (see module docstring).
_NOISE = re.compile(
    rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    rb"|(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")
# Seven digits could be part of an identifier (the redaction rule).
REDACT_DIGITS = 7

_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65"})
_BARE_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_EARLIEST = dt.date(1880, 1, 1)


class BudgetExceeded(Exception):
    """The text needs more candidate windows than the scan's budget allows."""


@dataclass(slots=True)
class Budget:
    """Work units (candidate windows examined) a scan may still spend. With `floor` set (to
    `remaining`, say), the lowest level the work since has demanded is kept there: what was
    spent, or asked for by a refusal made before spending (`demand`). A reading that started
    with `r` left and passed needs `r - floor` to pass again, whatever is left then (the
    request-line memo records it: see payload.NothingSeen)."""

    remaining: int = 2_000_000
    floor: int | None = None

    def spend(self, units: int) -> None:
        self.remaining -= units
        if self.floor is not None and self.remaining < self.floor:
            self.floor = self.remaining
        if self.remaining < 0:
            raise BudgetExceeded

    def exact(self, most: int) -> bool:
        """Whether a demand of at most `most` units must be worked out and made: it may be
        more than is left, or demands are being tracked (`floor`)."""
        return most > self.remaining or self.floor is not None

    def demand(self, units: int) -> None:
        """Refuse (BudgetExceeded) when `units` are more than is left; spends nothing."""
        if self.floor is not None and self.remaining - units < self.floor:
            self.floor = self.remaining - units
        if units > self.remaining:
            raise BudgetExceeded


@dataclass(frozen=True, slots=True)
class Token:
    """One identifier found in text. `value` is the normalised identifier (18-character ID,
    or E.164 phone): it exists only inside the core and is pseudonymised before leaving it."""

    kind: str  # "resident_id" | "phone"
    value: str
    offset: int  # where its run starts in the normalised text
    jurisdiction: str  # CN, HK/MO/TW (permits), or the phone's numbering-plan region
    birth_date: dt.date | None = None
    mobile: bool = False


@functools.lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    """One non-ASCII character after NFKC: format characters and combining marks vanish,
    decimal digits of any script become ASCII, dashes and spaces become separators, letters
    that look like the check character X become X."""
    cat = unicodedata.category(c)
    if cat in ("Cf", "Mn", "Me", "Mc") or c in _BLANKS:
        return ""
    if cat == "Nd":
        return str(unicodedata.digit(c, 0))
    if cat == "Cn":
        for zero in _NEWER_ZEROS:  # (unassigned here: see _NEWER_ZEROS)
            if 0 <= ord(c) - zero <= 9:
                return str(ord(c) - zero)
    if cat == "No" and unicodedata.digit(c, None) is not None:
        return str(unicodedata.digit(c))  # digits NFKC keeps: dingbat ➀ and ❶, Ethiopic ፩
    if cat in ("Pd", "Zs", "Zl", "Zp") or _UNICODE_SEP.match(c):
        return "-"
    if c in _X_LOOKALIKES:
        return "X"
    if c in _ARABIC_SEPARATORS:
        return _ARABIC_SEPARATORS[c]
    return _DIGIT_LETTER_LOOKALIKES.get(c, c)


# The zeros of the decimal digits added after Unicode 14, this Python's Unicode database, where
# they are unassigned (Cn): a receiver on Python 3.12+, current ICU or Java reads them as
# digits (int("\U00011f51\U00011f53") is 13). Unicode 15: Kawi, Nag Mundari; Unicode 16:
# Garay, Sunuwar, Myanmar Pao and Eastern Pwo Karen, Gurung Khema, Kirat Rai, outlined
# digits (Symbols for Legacy Computing Supplement), Ol Onal (red team round 13).
_NEWER_ZEROS = (0x11F50, 0x1E4F0, 0x10D40, 0x11BF0, 0x116D0, 0x116DA, 0x16130, 0x16D70,
                0x1CCF0, 0x1E5F1)
# (only unassigned characters are looked up here: on a Python that knows them, they are Nd)


# The Arabic thousands and decimal separators, as the comma and full stop they stand for
# ("١٣٬٩١٢٬٣٤٥٬٦٧٨" is "13,912,345,678").
_ARABIC_SEPARATORS = {"\u066c": ",", "\u066b": "."}
_BLANKS = frozenset("\u2800\ufffc\U0001d159")  # look like nothing: Braille blank, object mark
# Round 13: the Arabic tatweel (kashida), which only stretches the line between letters and
# which Arabic normalizers remove ("١ـ٣ـ٩..." is 139...)
_BLANKS |= frozenset("\u0640")
_X_LOOKALIKES = frozenset("\u0425\u0445\u03a7\u03c7\u2169\u2179")  # Cyrillic, Greek, Roman X
# Round 8: the crosses a symbol keyboard or palette offers for the check character (the ballot
# and multiplication X dingbats, saltire, box-drawing and vector-product crosses, the cross
# mark emoji, negative circled and squared X), and letters of other scripts that are drawn as
# an X (Cyrillic ha with descender and with hook, Coptic khi, Lisu and Latin chi, Bopomofo U,
# Tifinagh yach, the Canadian syllabics chi sign): "11010119900307109\u2715" is read with X.
_X_LOOKALIKES |= frozenset("\u2715\u2716\u2717\u2718\u2613\u2573\u2a2f\u274c\u274e"
                           "\U0001f167\U0001f187\u04b2\u04b3\u04fc\u04fd\u04fe\u04ff"
                           "\u2cac\u2cad\ua4eb\uab53\u3128\u2d5d\u166d"
                           # (round 13: the n-ary times operator, the ballot box with X)
                           "\u2a09\u2612")
# Cyrillic and Greek letters that look like the O and I read as 0 and 1 (see _lettered).
_DIGIT_LETTER_LOOKALIKES = {"\u041e": "O", "\u043e": "o", "\u039f": "O", "\u03bf": "o",
                            "\u0406": "I", "\u0399": "I", "\u04c0": "I", "\u04cf": "l"}


class _FoldTable(dict[int, str]):
    """_fold_char by code point, for str.translate: a character seen before is looked up in
    C; a new one asks _fold_char once (at most _FOLD_TABLE_SIZE are kept)."""

    def __missing__(self, code: int) -> str:
        folded = chr(code) if code < 128 else _fold_char(chr(code))
        if len(self) < _FOLD_TABLE_SIZE:
            self[code] = folded
        return folded


_FOLD_TABLE_SIZE = 8192
_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    # (str.translate: a Python step per character of the whole text, as a generator was, cost
    # ~0.1-0.2 us a character, for each of up to 32 decoded views of a body that one U+202E
    # sent here: red-team round 6; now ~0.03-0.05 us)
    if len(text) < _FOLD_BY_SET:
        return text.translate(_FOLD_TABLE)
    # Round 23: a long text of few distinct characters (binary bytes read in a charset: MPEG
    # frame headers, 0xFF fill) has each one that folds replaced in C, str.replace per
    # character (~1 ms an MB, not ~0.1 s): the same text, as each folds to ASCII or nothing
    # (which no later replace touches) or else translate is used.
    chars = set(text)
    if len(chars) > _FOLD_DISTINCT:
        return text.translate(_FOLD_TABLE)
    changes: list[tuple[str, str]] = []
    for c in chars:
        if c >= "\x80" and (folded := _FOLD_TABLE[ord(c)]) != c:
            if not folded.isascii():
                return text.translate(_FOLD_TABLE)
            changes.append((c, folded))
    for c, folded in changes:
        text = text.replace(c, folded)
    return text


_FOLD_BY_SET = 4096  # (characters: shorter texts are translated, the set costing as much)
_FOLD_DISTINCT = 64


# Fullwidth ASCII forms and the ideographic space: what Chinese and Japanese text is full of
# (the fullwidth comma, colon and brackets), each compatibility-equivalent to one ASCII character.
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _halfwidth(m: re.Match[str]) -> str:
    c = m.group()
    return " " if c == "\u3000" else chr(ord(c) - 0xFEE0)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster for CJK text: one fullwidth comma sends
    CPython's NFKC through its slow path for the whole string (a 5,400-character Chinese
    policy: 587 us), so fullwidth forms are replaced by their ASCII equivalents first (their
    NFKD, so the NFKC of the whole is unchanged) and the rest is normalised only if still
    needed. Property test: equal to unicodedata.normalize on any text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    if _FULLWIDTH.search(text) is not None:
        text = _FULLWIDTH.sub(_halfwidth, text)
        if unicodedata.is_normalized("NFKC", text):
            return text
    return unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """NFKC, every decimal digit as ASCII, invisible format characters and combining marks
    removed, Unicode dashes and spaces as separators."""
    if text.isascii():
        return text
    return _fold(nfkc(text))


# Chinese numerals written digit by digit (speech transcripts, handwriting, forms): seven or
# more in a row are a number ("一三九一二三四五六七八"); fewer are words ("第一", "一二"). Besides
# U+3007 and 零 to 九: the circle U+25CB typed for U+3007, the financial forms (壹 贰 叁 肆 伍 陆 柒
# 捌 玖 and the traditional 貳 參 陸), the old forms 弌 弍 弎, and the digits as numbers are
# read aloud and over radio: 幺 (1), 两/兩 (2), 拐 (7), 勾 (9), 洞 (0). Round 6: the Suzhou
# (Hangzhou) numerals U+3021-U+3029 (〡〢〣〤〥〦〧〨〩, still seen in Hong Kong markets and in
# handwriting), which a Chinese reader reads as digits and no Unicode digit property folds;
# nothing else uses them.
CN_NUMERALS = {"0": "\u3007\u25cb零洞", "1": "一壹弌幺\u3021", "2": "二贰貳弍两兩\u3022",
               "3": "三叁參弎\u3023", "4": "四肆\u3024", "5": "五伍\u3025", "6": "六陆陸\u3026",
               "7": "七柒拐\u3027", "8": "八捌\u3028", "9": "九玖勾\u3029"}
CN_NUMERAL_CHARS = "".join(CN_NUMERALS.values())
_CN_NUMERAL_SET = frozenset(CN_NUMERAL_CHARS)
_CN_DIGITS = str.maketrans({c: digit for digit, chars in CN_NUMERALS.items() for c in chars})
_CN_NUMERALS = re.compile(f"[{CN_NUMERAL_CHARS}]{{7,}}")


_CN_TIMES = {"两": 2, "兩": 2, "二": 2, "三": 3, "四": 4}
_CN_REPEAT = re.compile(f"([{''.join(_CN_TIMES)}])\u4e2a([{CN_NUMERAL_CHARS}0-9])")


_SEPARATORS = " \t\r\n./_()-"  # after NFKC and the fold, separators are ASCII


def _cn_skeleton(chars: str = CN_NUMERAL_CHARS, digits: bytes = b"0123456789"
                 + _SEPARATORS.encode()) -> bytes:
    """A byte table: the UTF-8 lead bytes of `chars` -> L, their other bytes -> c, `digits`
    (ASCII digits and separators) -> d, the rest -> ."""
    table = bytearray(b"." * 256)
    for ch in chars:
        lead, *rest = ch.encode()
        table[lead] = ord("L")
        for b in rest:
            table[b] = ord("c")
    for b in digits:
        table[b] = ord("d")
    return bytes(table)


# numerals' UTF-8 lead bytes -> L, their other bytes -> c; ASCII digits and separators -> d
_CN_SKELETON = _cn_skeleton()
_CN_RUN = b"Lcc" * 7


# Round 8's miss: Chinese numerals with place units, a number written as it is said or as a
# cheque writes an amount ("一百三十九亿一千二百三十四万五千六百七十八", financial
# "壹佰叁拾玖亿...", 两 for 2, U+3007/零 for a gap, 万 within 亿: "一万亿", digits among them:
# "139亿1234万5678"). A run is read as the integer it makes only when it holds 亿 (億): none
# shorter reaches the 10^10 of a mobile's or an ID's digits, and ordinary text ("三个二级分类",
# "五千元", "一百二十万") is not parsed at all. Kept apart: a number below 10^10; an amount or
# count (a currency or measure word after it, "元整", "人", "次"; an amount word or currency
# before it, "金额", "¥"); and any number with no phone or ID word before it (figures in
# prose, sales, populations: red team round 14).
_CN_PLACE_DIGITS = {c: d for d, chars in CN_NUMERALS.items() for c in chars
                    if c not in "洞幺拐勾" and not "\u3021" <= c <= "\u3029"}
_CN_PLACE_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000,
                   "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_PLACE_BELOW = "0-9{}十拾百佰千仟万萬".format("".join(_CN_PLACE_DIGITS))  # (all but 亿)
# (a run holding 亿, from a run's start only: one pass over the text, no run tried twice)
_CN_PLACE_RUN = re.compile(f"(?<![{_CN_PLACE_BELOW}亿億])(?:[{_CN_PLACE_BELOW}]*+[亿億])++"
                           f"[{_CN_PLACE_BELOW}]*+")
_CN_PLACE_PART = re.compile("[0-9]+|.")
_CN_PLACE_LONGEST = 64
_CN_PLACE_AFTER = re.compile("\\s*(?:[元圆圓块塊角分整円人个個条條次件台辆輛本张張页頁份套箱名家"
                             "笔筆项項岁歲米克斤吨噸股户戶美港日英欧歐韩韓泰越澳]|%|倍|亩|平方)")


def _cn_place_value(run: str) -> int:
    """The integer a run of Chinese numerals with place units makes (as it is read: units out
    of order are taken as they come)."""
    total = section = number = 0
    last_unit = 0
    digit_last = False  # the run ends with one numeral right after a unit ("一万五": 15000)
    for part in _CN_PLACE_PART.findall(run):
        unit = _CN_PLACE_UNITS.get(part)
        if unit is None:
            digit = int(part) if part.isdigit() else int(_CN_PLACE_DIGITS[part])
            digit_last = not part.isdigit() and last_unit >= 100 and digit != 0 and number == 0
            number = number * 10 ** len(part) + digit if part.isdigit() else (
                number * 10 + digit if number else digit)
            if digit == 0:
                last_unit = 0
            continue
        if unit == 10**8:
            total = (total + section + number) * unit
            section = 0
        elif unit == 10**4:
            section = (section + number) * unit
        else:
            section += (number or 1) * unit
        number, last_unit, digit_last = 0, unit, False
    if digit_last:
        number *= last_unit // 10
    return total + section + number


def _place_value_read(text: str, m: re.Match[str], run: str,
                      after: re.Pattern[str] = _CN_PLACE_AFTER,
                      words: re.Pattern[str] | None = None) -> str:
    """The digits of the number that the numerals with place units `run` (matched as `m` in
    `text`, in Chinese numerals) make, or the match as it stands: below 10^10, an amount or
    count (a measure word `after` it, an amount word before it), or with no phone or ID word
    (or one of `words`) before it."""
    if len(run) > _CN_PLACE_LONGEST:
        return m.group()  # (an 18-digit ID said in full is some 40 characters; parsing a
        # longer run would grow its integer for nothing)
    n = _cn_place_value(run)
    if n < 10**10 or after.match(text, m.end()) is not None:
        return m.group()
    if m.start() >= 2 and text[m.start() - 1] in ".,'" and text[m.start() - 2].isdigit():
        return m.group()  # (the digits after a decimal point or a thousands separator)
    said = text[max(0, m.start() - 12):m.start()]
    before = said.encode().lower()
    if _PLACE_AMOUNT_WORDS.search(before) is not None:
        return m.group()
    if not (_context(before, len(before), _PHONE_WORDS)
            or _context(before, len(before), _ID_WORDS)
            or (words is not None and words.search(said) is not None)):
        return m.group()  # (red team round 14: 売上 "139億1234万5678", a population, an
        # amount under a word no list holds: read after a phone or ID word only)
    return str(n)


def _cn_place_values(text: str) -> str:
    """`text` with each run of numerals with place units that holds 亿 and makes a number of
    ten digits or more as that number's digits (see above)."""
    return _CN_PLACE_RUN.sub(lambda m: _place_value_read(text, m, m.group()), text)


# Round 15's miss: the same in Sino-Korean numerals written in Hangul (139억 1234만 5678 as
# "백삼십구억 천이백삼십사만 오천육백칠십팔"; 억 10^8, 만 10^4, 천 백 십;
# 영/공 0, 육 or 륙 6), spaced after 억 and 만 as Korean
# spacing writes it, digits among them too: read as the Chinese numerals they stand for, under
# the same rules (a run holding 억, a number of ten digits or more, not an amount or count,
# and only after a phone or ID word, here Korean ones too). Each syllable is an everyday word
# or part of one (일 work, 이 this, 사 company, 구 district, 만 only, 억 in 기억 memory), hence
# the gate; and a run that ends in a digit and 이 before another syllable ends in a word
# ("...칠십팔이에요": the copula 이), whose syllable is left out.
_KO_PLACE_DIGITS = {"영": "零", "공": "零", "일": "一", "이": "二", "삼": "三", "사": "四",
                    "오": "五", "육": "六", "륙": "六", "칠": "七", "팔": "八", "구": "九"}
_KO_PLACE_UNITS = {"십": "十", "백": "百", "천": "千", "만": "万", "억": "亿"}
_KO_AS_CN = str.maketrans({**_KO_PLACE_DIGITS, **_KO_PLACE_UNITS})
_KO_PLACE_BELOW = "0-9{}십백천만".format("".join(_KO_PLACE_DIGITS))  # (all but 억)
_KO_PLACE_ITEM = f"(?:[{_KO_PLACE_BELOW}]|(?<=만) (?=[{_KO_PLACE_BELOW}]))"
_KO_PLACE_RUN = re.compile(f"(?<![{_KO_PLACE_BELOW}억])(?:{_KO_PLACE_ITEM}*+억"
                           f"(?: (?=[{_KO_PLACE_BELOW}]))?)++{_KO_PLACE_ITEM}*+")
_KO_COPULA = re.compile("[{}]이$".format("".join(_KO_PLACE_DIGITS)))
_KO_PLACE_AFTER = re.compile("\\s*(?:원|달러|엔|위안|유로|명|개|건|대|권|장|회|배|주|표|평|톤"
                             "|년|살|세|%)")  # (won, dollars, ... people, items, years, %)
# (phone, mobile, contact, resident registration, identity card, alien registration; not the
# idiom 전화위복, nor 번호 alone: 주문번호 and 계좌번호 are order and account numbers)
_KO_PLACE_WORDS = re.compile("전화(?!위복)|휴대|핸드폰|연락|폰|주민|신분|외국인등록")


def _ko_place_values(text: str) -> str:
    """`text` with each run of Sino-Korean numerals with place units that holds 억 as the
    number's digits where _place_value_read reads it (see above)."""
    def value(m: re.Match[str]) -> str:
        run = m.group()
        if (_KO_COPULA.search(run) is not None and m.end() < len(text)
                and "\uac00" <= text[m.end()] <= "\ud7a3"):
            return value_of(run[:-1], m.start()) + run[-1]
        return value_of(run, m.start())

    def value_of(run: str, start: int) -> str:
        # (the match as _place_value_read reads it: over `text` from `start`)
        at = _KO_PLACE_AT.match(text, start, start + len(run))
        assert at is not None
        return _place_value_read(text, at, run.replace(" ", "").translate(_KO_AS_CN),
                                 _KO_PLACE_AFTER, _KO_PLACE_WORDS)

    return _KO_PLACE_RUN.sub(value, text)


_KO_PLACE_AT = re.compile(".*", re.DOTALL)


# Round 15: Braille digits. After the number sign (U+283C) the cells of the letters a-j are
# the digits 1-9 and 0 (literary braille, UEB and the older codes alike: "⠼⠁⠉⠊" is 139), and
# a number goes on over the numeric space, comma and decimal point (⠐ ⠂ ⠲) to the next digit
# cell; in Nemeth code (and North American computer braille) the digits are the lower cells
# (⠂⠆⠒⠲⠢⠖⠶⠦⠔⠴ for 1-9, 0), after the number sign too. A hyphen (⠤) between numbers so read is
# a dash, and the letter x (⠭, after a capital or grade 1 sign or none) ending one the check
# character. Without the number sign, the cells are letters and punctuation: not read. A screen
# reader or braille display reads the number out, so the scan reads it as digits.
_BRAILLE_UPPER = "⠚⠁⠃⠉⠙⠑⠋⠛⠓⠊"  # 0-9: j a-i
_BRAILLE_LOWER = "⠴⠂⠆⠒⠲⠢⠖⠶⠦⠔"  # 0-9 (Nemeth)
_BRAILLE_NUMBER = re.compile(f"\u283c(?:[{_BRAILLE_UPPER}]++(?:[\u2810\u2802\u2832]"
                             f"[{_BRAILLE_UPPER}]++)*+(?:[\u2820\u2830]?\u282d)?"
                             f"|[{_BRAILLE_LOWER}]++)")
_BRAILLE_AS_DIGITS = str.maketrans({
    **{c: str(d) for d, c in enumerate(_BRAILLE_UPPER)},
    "\u2810": " ", "\u2802": ",", "\u2832": ".", "\u2820": "", "\u2830": "", "\u282d": "X"})
_BRAILLE_LOWER_AS_DIGITS = str.maketrans({c: str(d) for d, c in enumerate(_BRAILLE_LOWER)})
_BRAILLE_HYPHEN = re.compile("(?<=[0-9])\u2824(?=[0-9])")


def _braille_number(m: re.Match[str]) -> str:
    cells = m.group()[1:]
    return cells.translate(_BRAILLE_AS_DIGITS if cells[0] in _BRAILLE_UPPER
                           else _BRAILLE_LOWER_AS_DIGITS)


def _braille_digits(text: str) -> str:
    """`text` with each Braille number (see above) in ASCII digits."""
    read = _BRAILLE_NUMBER.sub(_braille_number, text)
    return read if "\u2824" not in read else _BRAILLE_HYPHEN.sub("-", read)


def _prepared(data: bytes) -> bytes:
    """UTF-8 `data` normalised: NFKC always (C, microseconds); the per-character folding only
    when a character it changes is present (found by byte searches)."""
    text = nfkc(data.decode("utf-8", "replace"))
    if "\u3001" in text:
        # The ideographic enumeration comma is a list's comma: "110101、19900307、1233" is
        # read as "110101,19900307,1233" is (str.replace: C speed, same length).
        text = text.replace("\u3001", ",")
    if "\u00d7" in text:
        # The multiplication sign (U+00D7) typed from a symbol palette for the check
        # character X: "44030619851231105" and the sign (here, not in _fold_char: its lead
        # byte C3 starts every accented Latin letter, which would all pay for the
        # per-character fold).
        text = text.replace("\u00d7", "X")
    if "\u4e2a" in text and _CN_REPEAT.search(text):
        # Round 9: a digit said with how many times it comes, as numbers are dictated in
        # Chinese: "一三九两个一二三..." is 139 11 23... (三个八: 888); written out, the
        # numerals are read as any others (missed before: 个 broke the run).
        text = _CN_REPEAT.sub(lambda m: m.group(2) * _CN_TIMES[m.group(1)], text)
    if "\u4e42" in text:
        # Round 8: the ideograph 乂, which Chinese net writing uses for the letter X (a CJK
        # lead byte: the per-character fold would run for all Chinese text).
        text = text.replace("\u4e42", "X")
    if "\u53c9" in text:
        # Round 13: 叉 ("cross"), how Chinese speech-to-text writes the check character said
        # aloud ("...1 0 9 叉"); elsewhere (叉子, 交叉) an X beside no digits reads as nothing.
        text = text.replace("\u53c9", "X")
    if "\u283c" in text:
        text = _braille_digits(text)
    out = text.encode("utf-8", "replace")
    if _needs_folding(text, out):
        # Before the numerals are read: a zero-width character, variation selector or
        # combining mark between them must not split a run (as it splits no digit run).
        text = _fold(text)
        out = text.encode("utf-8", "replace")
    if "亿" in text or "億" in text:
        text = _cn_place_values(text)
        out = text.encode("utf-8", "replace")
    if "억" in text:
        text = _ko_place_values(text)
        out = text.encode("utf-8", "replace")
    # Seven numerals in a row are seven "lead, continuation, continuation" byte triples from
    # a small set: a byte search finds where they could be (C speed), the regex decides.
    if out.translate(_CN_SKELETON).find(_CN_RUN) >= 0 and _CN_NUMERALS.search(text):
        text = _CN_NUMERALS.sub(lambda m: m.group().translate(_CN_DIGITS), text)
        out = text.encode("utf-8", "replace")
    return out


def _lead_table() -> bytes:
    table = bytearray(b"." * 256)
    for lead in _FOLD_LEADS:
        table[lead] = ord("!")
    for lead in b"\xe2\xe3\xef":
        table[lead] = ord("?")
    return bytes(table)


# After NFKC, the UTF-8 lead bytes of every character `_fold_char` changes (format characters,
# combining marks, other scripts' digits, dashes and spaces, X lookalikes), computed from
# Unicode data (tests/core/test_scanner_properties.py recomputes and compares them). Leads
# E2/E3/EF also start ordinary CJK punctuation, so for them the exact characters are listed.
_FOLD_LEADS = bytes.fromhex("c2cccdcecfd0d1d2d3d6d7d8d9dbdcdddedfe0e1eaf0f3")
_LEADS = _lead_table()
# For leads E2/E3/EF, the characters (in the decoded text: a character class scans CJK text,
# whose punctuation starts with these leads too, several times faster than a byte alternation).
_FOLD_CHARS = re.compile(
    "[\u200b-\u2010\u2012-\u2015\u2027-\u202e\u2060-\u2064\u2066-\u206f\u20d0-\u20f0"
    "\u2169\u2179\u2212\u2219\u22c5\u2022\u2573\u2612\u2613\u2715-\u2718\u274c\u274e\u2a09\u2a2f"
    "\u2cac\u2cad"
    "\u2d5d\u3128\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u2800\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u2e17\u2e1a"
    "\u2e3a-\u2e3b\u2e40\u2e5d\u301c\u302a-\u3030\u3099-\u309a\u30a0\u30fb-\u30fc"
    "\u3164\ufb1e\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffc]")


def _needs_folding(text: str, data: bytes) -> bool:
    """Whether `_fold` could change NFKC-normalised `text` (`data`: its UTF-8), decided with
    a byte table and, for the E2/E3/EF leads, one character class."""
    leads = data.translate(_LEADS)
    if b"!" in leads:
        return True
    return b"?" in leads and _FOLD_CHARS.search(text) is not None


_ALNUM_DASH = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
_ALNUM_DASH_BYTES = bytes(sorted(_ALNUM_DASH))


def _noise_start(data: bytes, start: int, end: int) -> int | None:
    """Where a UUID or long hex token overlapping the run [start, end) begins (looked at
    locally), or None."""
    span = _noise_span(data, start, end)
    return None if span is None else span[0]


def _noise_span(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the first UUID or long hex token overlapping the run [start, end)
    (looked at locally), or None."""
    lo, hi = start, end
    while lo > 0 and end - lo < 80 and data[lo - 1] in _ALNUM_DASH:
        lo -= 1
    while hi < len(data) and hi - start < 80 and data[hi] in _ALNUM_DASH:
        hi += 1
    if hi - lo < 32:
        return None
    for m in _NOISE.finditer(data, lo, hi):
        if m.start() < end and start < m.end() and (
                m.group()[8:9] == b"-" or sum(c > 0x39 for c in m.group()) >= 4):
            return m.span()
    return None


_DIGIT = re.compile(rb"[0-9]")


def _clean_runs(data: bytes) -> Iterator[tuple[int, int]]:
    """_runs(data), each that begins inside a UUID or long hex token begun again after it:
    the token's digits are no identifier, the groups after it may be ("<sha256>/13912345678",
    "<trace id>/<span id>" read whole, the number was missed)."""
    for start, end in _runs(data):
        while True:
            if not (start and data[start - 1] in _ALNUM_DASH) and (
                    len(data[start:start + 32].translate(None, _ALNUM_DASH_BYTES)) or
                    len(data) < start + 32):
                # (no token of 32 characters or more can overlap the run's start: it would
                # hold the byte before, or the 32 from the start; decided in C)
                yield start, end
                break
            span = _noise_span(data, start, end)
            if span is None or span[0] > start:
                yield start, end
                break
            after = _DIGIT.search(data, span[1], end)
            if after is None:
                break
            start = after.start()


def _cn_mobile_plan() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert metadata is not None and metadata.mobile is not None
    pattern = metadata.mobile.national_number_pattern
    assert pattern is not None
    return re.compile(pattern)


# libphonenumber's own CN mobile pattern, compiled once: validating a candidate is one C match
# (number_type() re-walks the metadata on every call, 20 times slower).
_CN_MOBILE = _cn_mobile_plan()


def _cn_mobile(national: str) -> bool:
    """A mainland mobile number (11 digits), per libphonenumber's CN mobile plan."""
    return _CN_MOBILE.fullmatch(national) is not None


_TYPE_DESCS = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
               "personal_number", "voip", "pager", "uan", "voicemail")


@dataclass(frozen=True, slots=True)
class _Plan:
    """One region's numbering plan from libphonenumber's metadata, compiled once."""

    region: str
    general: re.Pattern[str]
    mobile: re.Pattern[str] | None
    others: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=512)
def _plans(country_code: int) -> tuple[_Plan, ...]:
    plans: list[_Plan] = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        md = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if md is None or region == "001" or md.general_desc is None:
            continue
        general = md.general_desc.national_number_pattern
        if not general:
            continue
        patterns = {name: getattr(md, name).national_number_pattern for name in _TYPE_DESCS
                    if getattr(md, name, None) is not None
                    and getattr(md, name).national_number_pattern}
        mobile = patterns.pop("mobile", None)
        plans.append(_Plan(region, re.compile(general),
                           re.compile(mobile) if mobile else None,
                           tuple(re.compile(p) for p in patterns.values())))
    return tuple(plans)


def _international(e164: str) -> tuple[str, bool] | None:
    """(region, is mobile) of a valid international number `+CC...`, else None: the number
    matches a type of its country's plan, as libphonenumber's is_valid_number decides, with
    the metadata's patterns compiled once (parse() per candidate is 40 times slower)."""
    digits = e164[1:]
    for size in (1, 2, 3):
        plans = _plans(int(digits[:size]))
        if not plans:
            continue
        national = digits[size:]
        for plan in plans:
            if not plan.general.fullmatch(national):
                continue
            if plan.mobile is not None and plan.mobile.fullmatch(national):
                return plan.region, True
            if any(p.fullmatch(national) for p in plan.others):
                return plan.region, False
        return None
    return None


def _first_generation(digits: str) -> tuple[str, dt.date] | None:
    """A 15-digit first-generation ID (area, YYMMDD as 19YY, sequence): its 18-character
    equivalent (what the same person's second-generation number would be) and birth date."""
    if digits[:2] not in _PROVINCES:
        return None
    try:
        born = dt.date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return None
    if born < _EARLIEST:
        return None
    first17 = digits[:6] + "19" + digits[6:]
    return first17 + check_character(first17), born


def _id_token(candidate: str, offset: int, today: dt.date) -> Token | None:
    if len(candidate) == 18:
        parsed = parse_resident_id(candidate, today=today)
        if parsed is None:
            return None
        return Token("resident_id", parsed.normalized, offset, parsed.area_jurisdiction,
                     parsed.birth_date)
    if len(candidate) == 15 and candidate.isdigit():
        first = _first_generation(candidate)
        if first is None:
            return None
        return Token("resident_id", first[0], offset, "CN", first[1])
    return None


# How people group a mainland mobile's 11 digits (after an optional 86/0086 group): anything
# else joined from several groups (versions, coordinates, boxes) is not a phone number.
# Digit by digit ("1 3 9 1 2 ...", dictated) counts as a grouping too (of a whole run, as
# every grouping of a bare mobile: "1 1 1 1 ..." holds no mobile).
_MOBILE_GROUPINGS = frozenset({(11,), (3, 4, 4), (3, 8), (7, 4), (1,) * 11})
# A first-generation ID written in groups: area, birth date, sequence.
_FIRST_GEN_GROUPINGS = frozenset({(15,), (6, 6, 3), (6, 9), (6, 2, 2, 2, 3), (12, 3)})


def _any_of(*words: str | bytes) -> re.Pattern[bytes]:
    """One search for any of `words` (lower case; UTF-8 for text)."""
    return re.compile(b"|".join(re.escape(w if isinstance(w, bytes) else w.encode())
                                for w in words))


_PHONE_WORDS = re.compile(_any_of(
    b"tel", b"phone", b"mobile", b"cell", b"contact", b"whatsapp", b"wechat", "电话", "手机",
    "联系", "號碼", "号码", "電話", "手機", "聯絡", "聯繫", "聯系",
    # (round 13: the labels of the product's own markets and of Chinese schemas: MSISDN;
    # Indonesian/Malay nomor HP, ponsel, bimbit; Japanese keitai bangou; Korean; Vietnamese so
    # dien thoai; Thai; pinyin shouji, dianhua and their initials (sjh 手机号, lxdh 联系电话);
    # Spanish and Portuguese celular. Round 14: whole words only where a word holds one, so
    # 携帯品, 전화위복 and โทรทัศน์ (television) say nothing.)
    b"msisdn", b"no_hp", b"nohp", b"no hp", b"no. hp", b"nomor_hp", b"nomorhp", b"nomor hp",
    b"ponsel", b"bimbit", "携帯番号", "휴대폰", "핸드폰", "전화번호", b"dien thoai", b"dien_thoai",
    b"dienthoai", b"shouji", b"dianhua", b"sjh", b"lxdh", b"celular",
    # (as the text is read: the long vowel mark as a dash, Thai without its vowel marks; the
    # case of non-ASCII letters is kept, so each Vietnamese word in its cases)
    "ケ-タイ", "け-たい", "มอถอ", "โทรศพท", "เบอรโทร",
    *{c.encode().lower() for c in ("điện thoại", "Điện thoại", "Điện Thoại", "ĐIỆN THOẠI")},
).pattern + (
    # (round 14: not inside a word, "usdt", "automóvil")
    rb"|(?<![a-z])(?:sdt|s\xc4\x91t|s\xc4\x90t|movil|m\xc3\xb3vil|m\xc3\x93vil)"
    # (messengers a number is given for, and the phone signs: zalo, QQ, WA; ☎ ✆ 📱 📞)
    rb"|zalo|(?<![a-z])(?:qq|wa)(?![a-z])|\xe2\x98\x8e|\xe2\x9c\x86|\xf0\x9f\x93\xb1"
    rb"|\xf0\x9f\x93\x9e"))
# (with the traditional forms Hong Kong, Macau and Taiwan write: 身分證, 證件)
# "id" as a word of its own, or fused into an identity label (idcard, idno, identity,
# userid, nationalid); not inside another word: "IDR" (the rupiah), "paid", "valid",
# "android", "video" said nothing of an ID, and after one a 3-digit field and the next CSV
# row's 12-digit number joined into a first-generation ID (5 of 1,000 ordinary overseas
# bodies, tests/core/overseas_traffic.py).
_ID_FUSED_BEFORE = (b"user", b"customer", b"cust", b"person", b"personal", b"member",
                    b"client", b"holder", b"national", b"nat", b"gov", b"govt", b"owner",
                    b"subject", b"applicant", b"kyc", b"citizen", b"resident", b"card")
_ID_WORDS = re.compile(
    _any_of("身份", "身分", b"citizen", b"resident", "证", "證", "號").pattern
    + rb"|(?:(?<![a-z])" + b"".join(b"|(?<=" + w + b")" for w in _ID_FUSED_BEFORE)
    + rb")id(?:(?![a-z])|card|no|num|nr|ent)")
# Words that say the fields after them are one ID's parts, whatever those are labelled.
# Round 17: every spelling of an identity card as whole words (Identity Card, identity_card,
# ID-Card, "ID. card", idCardNo ...; not "paid card"), so a first-generation ID after one is no
# payment card's number though "card" is a device word. (Not Indonesia's KTP or kartu
# identitas: a card of the product's own markets says nothing of China.)
_STRONG_ID_WORDS = re.compile(_any_of(
    "身份", "身分", "证件", "證件", b"citizen", b"resident", b"id number", b"id_number",
    b"idnumber", b"id_no", b"idno").pattern
    + rb"|(?<![a-z])(?:identity|id)[ ._-]{0,2}card")
_DEVICE_WORDS = re.compile(_any_of(
    b"imei", b"imsi", b"meid", b"iccid", b"card", b"serial", b"amex",
    # (round 15: American Express spelled out)
    b"american express", b"americanexpress", b"american_express", b"american-express",
).pattern + (
    # Round 15: the names IMSIs go by where the label is not "imsi": Android's
    # TelephonyManager.getSubscriberId() (subscriberId, sim_subscriber_id), the 3GPP SUPI and
    # subscriber identity (MCC 510 Indonesia and 440 Japan begin Sichuan and Guangdong area
    # codes); whole words only ("subscription", "subtotal", "substation" say nothing), and as
    # ever a 15-digit number only: an 18-character ID has its check character. Not a bare
    # "sub": a JWT's subject or a form's short name is as often the person's own identifier.
    rb"|(?<![a-z])(?:supi|subscriber(?:s|[ _-]?(?:id|ids|identity|number|no|num))?)"
    rb"(?![a-z])"))
# Labels of the other 15-digit numbers of the product's markets, before which a bare 15-digit
# number is that, not a first-generation ID (about 1 in 80 random 15-digit numbers has a
# provincial prefix and a 19YY date where one has them): Indonesia's NPWP tax number and bank
# account numbers (BRI's are 15 digits), tax and account numbers, orders, invoices,
# transactions and shipments (red team round 13). An 18-character ID carries a checksum, and
# a number labelled as an ID (身份证, id_card ...) is read whatever stands before its label.
_FIFTEEN_DIGIT_WORDS = _any_of(b"npwp", b"rekening", b"norek", b"no_rek", b"account", b"acct",
                               b"acc_no", b"accno", b"tax", b"pajak", b"order", b"invoice",
                               b"faktur", b"trx", b"transaction", b"transaksi", b"pesanan",
                               b"awb", b"resi", b"tracking", b"waybill", b"tai_khoan",
                               b"taikhoan", "tài khoản", b"stk", b"don_hang", b"donhang",
                               "đơn hàng", "口座", "注文", "請求")


# Round 20: the labels of the region's payment and contract numbers, many of them 15 digits
# (BRIVA virtual accounts, Alfamart/Indomaret payment codes, PromptPay e-wallet ids, policy,
# loan and contract numbers, receipts, bills, bookings), which the closed list above left read
# as first-generation IDs (about 1 in 80 of them: a provincial prefix and a 19YY date). A
# label is read as a word list (keys split at camelCase, snake, kebab and dots: "vaNumber",
# "no_akaun", "bill-key", "device.id") and only the label nearest the number counts: generic
# words ("no", "id", "number", "code", "番号" ...) are passed over to the word they qualify,
# any other word stops the search ("loan": {"borrower_id": ...} says nothing of the loan),
# and a field's separator (, ; & a line end) ends the label, so another field's label does
# not reach over ({"loan_id": 5, "value": ...}). Latin words whole; Thai, Japanese and
# Chinese words inside a token (no spaces between their words); Vietnamese in its letters.
_GENERIC_LABEL_WORDS = frozenset((
    "no", "nos", "nr", "nbr", "num", "number", "numbers", "nomor", "nombor", "id", "ids",
    "code", "codes", "key", "ref", "reference", "value", "val", "so", "số", "ma", "mã", "kode",
    "the", "of", "your", "番号", "号", "号码", "號碼", "编号", "編號", "เลข", "เลขท", "หมายเลข",
    # (round 21: a device's identifier and serial number, "deviceIdentifier", "device_sn")
    "identifier", "identifiers", "sn"))
# Words that label a 15-digit number only with a generic word beside them ("va_number",
# "no_bil", "pay_code"): alone they are too short to say so ("va" is Vietnamese "and" typed
# without its accent, "bil" a Malay list's "No.").
_SHORT_LABEL_WORDS = frozenset(("va", "pay", "bil", "acc", "rek", "txn", "mid",
                                # (round 22: the payment words' abbreviations that
                                # say it only beside "No.", "Ref", "Số", "Mã": "Inv.
                                # No.", "Pol. No.", "Số TK", "Số HĐ", "Mã GD")
                                "inv", "ord", "pol", "ctr", "cntr", "contr", "tk", "hd",
                                "hđ", "dh", "đh", "gd", "shpt", "pemb"))
_LATIN_LABEL_WORDS = frozenset((
    # English
    "account", "accounts", "acct", "payment", "payments", "repayment", "paycode",
    "bill", "bills", "billing", "billkey", "receipt", "receipts", "booking", "bookings",
    "reservation", "policy", "policies", "loan", "loans", "contract", "contracts", "invoice",
    "order", "orders", "transaction", "trx", "tracking", "waybill", "awb", "shipment",
    "consignment", "promptpay", "ewallet", "wallet", "merchant", "npwp", "norek",
    # Indonesian
    "rekening", "akun", "tagihan", "pembayaran", "bayar", "polis", "pinjaman", "kontrak",
    "kwitansi", "kuitansi", "struk", "pemesanan", "reservasi", "transaksi", "pesanan", "resi",
    "faktur", "pajak", "briva",
    # Malay
    "akaun", "polisi", "resit", "tempahan", "invois", "bayaran",
    # (round 21: a prepaid, loyalty or member card's number in Indonesian and Malay, as
    # "card" excuses it in English; an identity card's label wins, see _IDENTITY_WORDS)
    "kartu", "kad",
    # Vietnamese typed without its accents (the two-word ones below)
    "stk", *_SHORT_LABEL_WORDS,
    # (round 22: abbreviations of the payment words that say it alone: "Pmt. Ref.", "Rcpt
    # No.", "Bkg Ref", "Resv No.", "Trk No.", a biller's code; Thai บช. for บัญชี)
    "pmt", "pmnt", "pymt", "pymnt", "rcpt", "recpt", "bkg", "bkng", "resv", "rsvn",
    "trk", "trkg", "plcy", "biller", "billers", "บช"))
# Two-word labels (Vietnamese; English "e wallet"), matched on the last two words.
_LABEL_PAIRS = frozenset((
    "tai khoan", "don hang", "hoa don", "hop dong", "khoan vay", "bien lai", "dat cho",
    "dat phong", "thanh toan", "giao dich", "van don", "e wallet", "the cao",
    "tài khoản", "đơn hàng", "hóa đơn", "hoá đơn", "hợp đồng", "khoản vay", "biên lai",
    "đặt chỗ", "đặt phòng", "thanh toán", "giao dịch", "vận đơn",
    # (round 22: "A/C" and Thai บ/ช, an account, as their letters are split)
    "a c", "บ ช"))
# (round 22: "Cust Ref" is a payment reference; "cust id" says nothing of one)
_REF_ONLY_LABEL_WORDS = frozenset(("cust", "customer"))
_REF_WORDS = frozenset(("ref", "reference", "refs"))
# Thai (as the text is read: without its vowel marks), Japanese and Chinese label words,
# found inside a token.
_SCRIPT_LABEL_WORDS = tuple(dict.fromkeys(_prepared(w.encode()).decode() for w in (
    "บัญชี", "กรมธรรม์", "สัญญา", "ใบเสร็จ", "พร้อมเพย์", "การจอง", "ชำระ", "เงินกู้",
    "สินเชื่อ", "ใบแจ้งหนี้", "คำสั่งซื้อ", "ธุรกรรม", "พัสดุ", "เลขที่บิล",
    "口座", "注文", "請求", "契約", "証券番号", "保険", "ローン", "融資", "借入", "領収", "予約",
    # (round 22: 单号, the short label of an order's or a waybill's number)
    "单号", "單號",
    "決済", "支払", "払込", "取引", "伝票", "追跡", "問い合わせ番号", "受付番号",
    "订单", "訂單", "保单", "保單", "合同", "发票", "發票", "运单", "運單", "账户", "帳戶",
    # (round 21: a card's number, Thai and Japanese: a Ponta or d POINT card's is 15 digits)
    "บัตร", "カード")))
# Device labels (Android's getDeviceId() is the IMEI; SDKs send it as deviceId, device_id,
# hwid, udid, android_id, device.id, X-Device-Id): under one, a 15-digit number whose Luhn
# check digit holds is an IMEI (an IMEI's last digit is its Luhn digit; a first-generation ID
# passes the check one time in ten, so the label and the check together must say it).
# ("imei", "meid" and "serial" excuse any 15-digit number: see _DEVICE_WORDS.)
_DEVICE_LABEL_WORDS = frozenset(("device", "devices", "deviceid", "hwid", "hw", "hardware",
                                 "udid", "android", "androidid", "handset", "equipment", "esn",
                                 "imeisv",
                                 # (round 21: devId, terminalId, Indonesian perangkat)
                                 "dev", "terminal", "terminals", "perangkat"))
# (Vietnamese "thiết bị", a device, matched on the last two words; Japanese 端末 inside a token)
_DEVICE_LABEL_PAIRS = frozenset(("thiet bi", "thiết bị"))
_SCRIPT_DEVICE_WORDS = ("端末",)
# (a line's end is a field's, unless the line ends with a colon: "imeis:\n  - ...")
_LABEL_CUT = re.compile(r"[,;&|\u3001]|(?<![:\s])[ \t]*[\r\n]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# (a word's letters, or digits; a dash between two non-ASCII letters is the long vowel mark
# as the text is read, "ロ-ン", not kebab-case's)
_LABEL_TOKENS = re.compile(r"(?:[^\W\d_]|(?<=[^\x00-\x7f])-(?=[^\W\d_\x00-\x7f]))+|\d+")
_LABEL_REACH = 48
# Round 21: what else ends a label's reach, as a field's separator does: an XML element's
# closing tag or a self-closing element ("<Account>A-1</Account><Id>" is the Id's label
# only), the end of another attribute's value (<customer type="loan" id=...>), a number of 6
# digits or more (the label before it is that number's: "Loan <account> <ID>"), and the end
# of a sentence (a full stop after a word that is no abbreviation: "Paid by e-wallet. ID";
# "Acct. No." and "No. KP" go on); and a field's separator (_LABEL_CUT) now ends the
# round-13 words' reach too ({"order": "1", "id": ...}). Only ever cuts: a label cut short
# excuses less.
_LABEL_END = re.compile(
    rb"[,;&|]|\xe3\x80[\x81\x82]|(?<![:\s])[ \t]*[\r\n]"
    rb"|</[^<>]{0,40}>|/>|[\"']\s+(?=[^\s=\"'<>]+\s*=)|[0-9]{6,}"
    rb"|(?<![A-Za-z])([A-Za-z]+)\.\s+")
_ABBREVIATIONS = frozenset((
    "no", "nos", "nr", "nbr", "num", "acct", "acc", "a", "c", "ac", "ref", "inv", "ord",
    "txn", "trx", "pol", "tel", "dev", "bil", "rek", "sdn", "bhd", "pt", "tbk", "co", "ltd",
    "inc", "corp", "mr", "mrs", "ms", "dr", "st", "jl", "jln", "vs", "e", "g", "i",
    # (round 22: the payment words' abbreviations, see _LATIN_LABEL_WORDS)
    "pmt", "pmnt", "pymt", "pymnt", "rcpt", "recpt", "bkg", "bkng", "resv", "rsvn", "ctr",
    "cntr", "contr", "trk", "trkg", "plcy", "cust", "shpt", "pemb", "tk", "hd", "gd", "dh"))
# What stands between the items of a list of numbers ('", "', ", ", "] [", a line's indent,
# a YAML item's dash): a 15-digit number in a list has the list's label (an "imeis" array,
# "imei_list").
_LIST_GAP = re.compile(rb"[\s\"',;/\[\]()-]{1,24}")  # (round 21: and a slash)
_NO_LABEL, _DEVICE_LABEL, _NUMBER_LABEL = 0, 1, 2


def _label_window(data: bytes, start: int) -> bytes:
    """The at most _LABEL_REACH bytes before `start` that can label what stands there: those
    after the last _LABEL_END (a few matches in 48 bytes: microseconds)."""
    window = data[max(0, start - _LABEL_REACH):start]
    cut = 0
    for m in _LABEL_END.finditer(window):
        word = m.group(1)
        if word is None or word.lower().decode() not in _ABBREVIATIONS:
            cut = m.end()
    return window[cut:]


# Round 21: a label names a list ("imeis", "deviceIds", "booking_ids", "imei_list", a JSON
# array): only then do the numbers after the first have its label (see _fifteen_digit_label);
# after a singular label ("Loan <account> <ID>", "IMEI <imei> <ID>") the next number is not
# the label's.
_LIST_FLAG = 4
_NOT_PLURAL = frozenset(("this", "does", "goes", "yes", "plus", "minus", "status", "alias",
                         "basis", "axis", "bias", "analysis", "thesis", "chassis"))
_LIST_WORDS = frozenset(("list", "lists", "ids", "nos", "daftar", "senarai", "danh", "一覧",
                         "列表", "清单"))


def _names_a_list(window: bytes) -> bool:
    """Whether the label text `window` names a list (see _LIST_FLAG)."""
    if b"[" in window:
        return True
    text = window.decode("utf-8", "ignore")
    # (split at camelCase, and not: "deviceIds", "IMEIs")
    for word in _LABEL_TOKENS.findall(f"{_CAMEL.sub(' ', text)} {text}".lower()):
        if word in _LIST_WORDS or any(w in word for w in ("一覧", "列表", "清单")) or (
                word.isascii() and len(word) >= 4 and word[-1] == "s"
                and word[-2:] not in ("ss", "us") and word not in _NOT_PLURAL):
            return True
    return False


def _label_kind(data: bytes, start: int) -> int:
    """What the label nearest before the 15-digit number at `start` says it is (see
    _LATIN_LABEL_WORDS): another of the region's 15-digit numbers (_NUMBER_LABEL), a device's
    number (_DEVICE_LABEL: an IMEI if its Luhn digit holds), or nothing (_NO_LABEL). At most
    _LABEL_REACH bytes are read (one small decode and split: ~3 us, once per 15-digit run)."""
    text = _label_window(data, start).decode("utf-8", "ignore")
    cuts = _LABEL_CUT.split(text)  # (the last field's text: a few pieces at most)
    text = cuts[-1]
    words = _LABEL_TOKENS.findall(_CAMEL.sub(" ", text).lower())
    k = len(words) - 1
    while k >= 0 and (words[k] in _GENERIC_LABEL_WORDS
                      or (words[k].isdigit() and len(words[k]) <= 2)):
        k -= 1
    if k < 0:
        return _NO_LABEL
    word = words[k]
    if word[-1:] == "s" and word[:-1] in _DEVICE_LABEL_WORDS:
        word = word[:-1]  # (a list of them: "udids", "hwids"; round 21)
    if word in _DEVICE_LABEL_WORDS or (k and f"{words[k - 1]} {word}" in _DEVICE_LABEL_PAIRS) \
            or (not word.isascii() and any(w in word for w in _SCRIPT_DEVICE_WORDS)):
        return _DEVICE_LABEL
    if word in _REF_ONLY_LABEL_WORDS:
        return _NUMBER_LABEL if k < len(words) - 1 and words[k + 1] in _REF_WORDS else _NO_LABEL
    # (round 22: the holder's word before the payment word, as Indonesian, Malay and
    # Vietnamese put it, "pemilik rekening ID": the number is the holder's, see _holder_before)
    held = k and _plain_label(words[k - 1]) in _HOLDER_HEADS
    if word in _SHORT_LABEL_WORDS:
        # (a generic word after it, passed over above, or before it)
        beside = k < len(words) - 1 or (k and words[k - 1] in _GENERIC_LABEL_WORDS)
        return _NUMBER_LABEL if beside else _NO_LABEL
    if word in _LATIN_LABEL_WORDS or (k and f"{words[k - 1]} {word}" in _LABEL_PAIRS):
        held = held or (k > 1 and f"{words[k - 1]} {word}" in _LABEL_PAIRS
                        and _plain_label(words[k - 2]) in _HOLDER_HEADS)
        return _NO_LABEL if held else _NUMBER_LABEL
    if not word.isascii():
        spans = [(word.rfind(w), len(w)) for w in _SCRIPT_LABEL_WORDS if w in word]
        if spans:
            # (round 22: a person's word after the label word in the token, 账户持有人ID,
            # 口座名義人ID: the number is that person's, as "loan_borrower_id" is; not after a
            # number word, เลขที่บัญชีลูกค้า)
            at, size = max(spans)
            person = _a_person_after(word[at + size:]) and not _numbered(
                " ".join(words[:k]) + " " + word[:at])
            return _NO_LABEL if held or person else _NUMBER_LABEL
    return _NO_LABEL


def _plain_label(text: str) -> str:
    """Label text in lower case without its accents and marks (Vietnamese typed with or
    without them, đ as d; Thai without its vowel marks; katakana's long vowel mark as the
    dash the text is read with): labels only, a few dozen characters."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("ー", "-"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


# Round 22: a person's word after a payment word says the number is that person's
# ("account_holder_id", "order_customer_id", "invoice_buyer_id", 口座名義人ID, 注文者ID, "請求先
# 顧客ID"), as round 20's words stop at one ("loan_borrower_id"); in Indonesian, Malay and
# Vietnamese the holder's word comes before ("pemilik rekening ID", "chủ tài khoản"). Closed
# lists (plain: _plain_label), whole words for the Latin ones: only ever keeps an ID read.
_PERSON_WORDS = frozenset((
    "holder", "owner", "customer", "cust", "user", "buyer", "consignee", "recipient",
    "receiver", "sender", "shipper", "payer", "payee", "beneficiary", "member", "client",
    "borrower", "insured", "applicant", "person", "passenger", "guest", "patient", "employee",
    "signatory", "signer", "debtor", "tenant", "cardholder", "accountholder", "policyholder",
    "purchaser", "subscriber", "principal", "account holder",
    "nasabah", "pemilik", "pemegang", "pelanggan", "pembeli", "penerima", "pengirim",
    "peminjam", "debitur", "tertanggung", "anggota", "pemohon", "penumpang", "tamu", "pasien",
    "karyawan", "pegawai", "pembayar", "penyewa", "ahli",
    "chu", "nguoi", "khach"))
_HOLDER_HEADS = frozenset(("pemilik", "pemegang", "empunya", "nasabah", "peminjam", "chu",
                           "nguoi"))
_SCRIPT_PERSON_WORDS = tuple(dict.fromkeys(_plain_label(_prepared(w.encode()).decode()) for w in (
    "名義", "者", "顧客", "会員", "會員", "本人", "人", "客", "用户", "用戶", "买家", "買家",
    "买方", "買方", "持有", "户主", "戶主",
    "ผู้ถือ", "ลูกค้า", "สมาชิก", "ผู้ซื้อ", "ผู้รับ", "ผู้ส่ง", "ผู้กู้", "ผู้เอาประกัน", "ผู้ใช้")))


# (a number word before the payment word heads the label in the region's head-first languages:
# "No. Rekening Nasabah", "Số tài khoản khách hàng", เลขที่บัญชีลูกค้า are the customer's account
# numbers, not the customer's ID)
_PLAIN_GENERIC = frozenset(_plain_label(_prepared(w.encode()).decode())
                           for w in _GENERIC_LABEL_WORDS)
_SCRIPT_GENERIC = tuple(w for w in _PLAIN_GENERIC if not w.isascii())


def _numbered(before: str) -> bool:
    """Whether the label text `before` a payment word ends with a number word (see
    _PLAIN_GENERIC)."""
    words = _LABEL_TOKENS.findall(_plain_label(_CAMEL.sub(" ", before)))
    return bool(words) and (words[-1] in _PLAIN_GENERIC or (
        not words[-1].isascii() and words[-1].endswith(_SCRIPT_GENERIC)))


# Round 23: the person words abbreviated ("acct_hldr_id", "order_cstmr_id", "acct_usr_id"),
# and the English ones fused with what follows into one lower-case token ("accountholderid",
# "ordercustomerid", "order_custid"): a fused one counts only when nothing but generic words
# (id, no, number ...; not "ref": "Cust Ref" is a payment's) follow it to the label's end, so
# "customfield" or "userstatus" say nothing of a person. Only ever keeps an ID read.
_PERSON_ABBREVIATIONS = frozenset((
    "hldr", "hlder", "holdr", "ownr", "cstmr", "custmr", "cstmer", "usr", "mbr", "mmbr",
    "memb", "clnt", "bnf", "bnfcry", "benef", "bene", "benf", "rcpnt", "recip", "rcvr",
    "sndr", "shpr", "shppr", "cnee", "csgnee", "brwr", "borr", "pax", "psngr", "empl", "emp",
    "subscr", "applcnt", "pyr", "pye", "purch"))
_FUSED_PERSON = re.compile(
    "(?:" + "|".join(sorted((w for w in _PERSON_WORDS | _PERSON_ABBREVIATIONS
                             if w.isascii() and " " not in w and len(w) >= 4
                             and w != "tamu"), key=len, reverse=True))
    + ")s?(?:ids?|nos?|nr|nbr|num|numbers?|nomor|nombor|codes?|keys?|identifiers?|sn)*$")


def _a_person_after(tail: str) -> bool:
    """Whether the label text `tail`, after a payment word, names a person (see
    _PERSON_WORDS, _PERSON_ABBREVIATIONS, _FUSED_PERSON)."""
    plain = _plain_label(_CAMEL.sub(" ", tail))
    for word in _LABEL_TOKENS.findall(plain):
        if word.isascii():
            if word in _PERSON_WORDS or word in _PERSON_ABBREVIATIONS or (
                    word[-1:] == "s" and (word[:-1] in _PERSON_WORDS
                                          or word[:-1] in _PERSON_ABBREVIATIONS)):
                return True
        elif any(w in word for w in _SCRIPT_PERSON_WORDS):
            return True
    # (round 23: fused, see _FUSED_PERSON: the label's letters alone, up to its end)
    fused = "".join(c for c in plain if "a" <= c <= "z")
    return bool(fused) and _FUSED_PERSON.search(fused) is not None


def _round13_word(window: bytes) -> bool:
    """Whether a round-13 payment word (_FIFTEEN_DIGIT_WORDS) stands in the last 24 bytes of
    the label `window`, and no person's word after it nor a holder's word before it (round 22:
    those make the number the person's, see _PERSON_WORDS)."""
    near = window[-24:]
    last = None
    for m in _FIFTEEN_DIGIT_WORDS.finditer(near.lower()):
        if not _inside_other_word(near, m.start(), m.end()):
            last = m
    if last is None:
        return False
    before = window[:len(window) - len(near) + last.start()].decode("utf-8", "ignore")
    if _numbered(before):
        return True
    if _a_person_after(near[last.end():].decode("utf-8", "ignore")):
        return False
    words = _LABEL_TOKENS.findall(_plain_label(_CAMEL.sub(" ", before)))
    return not (words and words[-1] in _HOLDER_HEADS)


# Round 24: English words that hold a round-13 payment word without being one ("border"
# holds order, "syntax" tax): a first-generation ID under such a key was read as a payment
# number. (Compounds that are payment words, "purchaseorder", "reorder", "taxid", stay so.)
_NOT_PAYMENT_WORDS = frozenset({b"border", b"borders", b"recorder", b"recorders", b"disorder",
                                b"syntax", b"taxi", b"taxis", b"taxon", b"taxonomy", b"taxa",
                                b"ataxia", b"syntaxes"})
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyz")


def _inside_other_word(near: bytes, start: int, end: int) -> bool:
    """Whether the payment word at near[start:end] is part of a word of _NOT_PAYMENT_WORDS."""
    low = near.lower()
    while start > 0 and low[start - 1] in _LETTERS:
        start -= 1
    while end < len(low) and low[end] in _LETTERS:
        end += 1
    return low[start:end] in _NOT_PAYMENT_WORDS


def _fifteen_digit_label(data: bytes, start: int, carried: tuple[int, int]) -> int:
    """The label of the 15-digit number (or run of numbers) at `start` (see _label_kind): a
    word of the round-13 list or a device word before it (_NUMBER_LABEL), its own label, or
    that of the list it goes on (`carried`: the end and label of the 15-digit number before
    it, with only a list's separators between them)."""
    # (round 21: the round-13 words too only within the label's reach, _label_window: not
    # across a sibling's closing tag, another attribute, a sentence or a number before)
    window = _label_window(data, start)
    if _context(window, len(window), _DEVICE_WORDS) or _round13_word(window):
        kind = _NUMBER_LABEL
    else:
        kind = _label_kind(data, start)
    if kind == _NO_LABEL:
        if carried[0] >= 0 and carried[1] & _LIST_FLAG and start - carried[0] <= 24 and \
                _LIST_GAP.fullmatch(data, carried[0], start):
            return carried[1]  # (an item of the list the label names)
        return _NO_LABEL
    return kind | (_LIST_FLAG if _names_a_list(window) else 0)


def _labelled_other(kind: int, digits: str, data: bytes, start: int) -> bool:
    """Whether a 15-digit number with label `kind` is that, not a first-generation ID: a
    payment or contract number's label, or a device's and its Luhn digit holds; an ID's own
    label (_STRONG_ID_WORDS, within _ID_LABEL_REACH) wins over either."""
    kind &= ~_LIST_FLAG
    return (kind == _NUMBER_LABEL or (kind == _DEVICE_LABEL and _luhn_ok(digits))) and \
        not _context(data, start, _STRONG_ID_WORDS, _ID_LABEL_REACH) and \
        not _identity_label(data, start)


# Round 21: an identity document's word ANYWHERE in the label says the number is an identity
# number, whatever payment or contract word comes after it: the region's languages put the
# holder's words after the identity word ("NIK Pemegang Polis", "số CMND chủ tài khoản", "No.
# KP pemegang akaun", เลขประจำตัวผู้ถือบัญชี, 账户持有人证号, "identity_no_of_account_holder").
# Whole words for the Latin ones (not a subscriber's or equipment's identity: an IMSI's, an
# IMEI's); only ever keeps a number read as an ID.
_IDENTITY_WORDS = re.compile(
    rb"(?<![a-z])(?:nik|ktp|cmnd|cccd|kp|ic|nric|my[ _.-]?kad|my[ _.-]?kid|identitas"
    rb"|pengenalan|passport"
    rb"|paspor|pasport|national[ _.-]?id|tuy[ _.-]?than|can[ _.-]?cuoc|chung[ _.-]?minh"
    rb"|(?<!subscriber[ _.-])(?<!equipment[ _.-])(?<!device[ _.-])(?<!subscriber)"
    rb"(?<!equipment)(?<!device)identity)(?![a-z])|" + b"|".join(
        re.escape(_prepared(v.encode())) for w in (
            "tùy thân", "căn cước", "chứng minh", "身份", "身分", "证号", "證號", "证件",
            "證件", "บัตรประชาชน", "เลขประจำตัว", "ประจำตัวประชาชน", "マイナンバー",
            "本人確認", "住民")
        for v in dict.fromkeys((w, w.lower(), w.upper(), w.capitalize(), w.title()))))


def _identity_label(data: bytes, start: int) -> bool:
    """Whether an identity word (_IDENTITY_WORDS) stands in the _ID_LABEL_REACH bytes before
    `start` (keys split at camelCase: "nomorIdentitas")."""
    window = data[max(0, start - _IDENTITY_REACH):start]
    cut = 0
    for m in _LABEL_END.finditer(window):  # (the number's own label only, as _label_window)
        if m.group(1) is None or (m.group(1).lower().decode() not in _ABBREVIATIONS
                                  and m.group(1).lower().decode() not in _ID_ABBREVIATIONS):
            cut = m.end()
    window = _CAMEL_BYTES.sub(b" ", window[cut:])
    if _IDENTITY_WORDS.search(window.lower()) is not None:
        return True
    plain = _plain_label(window.decode("utf-8", "ignore"))
    if _MORE_IDENTITY_WORDS.search(plain) is not None:
        return True
    # (round 23: the identity words' abbreviations; see _SHORT_IDENTITY_WORDS)
    short = _SHORT_IDENTITY_WORDS.search(plain)
    if short is None:
        return False
    if short.group("weak") is None:
        return True
    if short.group("weak") == "cmt" and _TEXT_AFTER_KEY.search(plain, short.end()):
        return False  # (a comment's key, {"cmt": "paid to account ..."}: not the number's)
    before = plain[:short.start()]
    words = _LABEL_TOKENS.findall(before)
    return not (_FIFTEEN_DIGIT_WORDS.search(before.encode()) or any(
        w in _LATIN_LABEL_WORDS for w in words) or any(
        f"{words[i]} {words[i + 1]}" in _LABEL_PAIRS for i in range(len(words) - 1)))


# Round 23: the identity words' abbreviations, in plain text (_plain_label), win over a payment
# word as the words do: "Nat. ID", "Natl ID", "Nat'l ID", natId, "Govt ID", "Gov't ID",
# government id, "Pspt No.", "I/C No.", "I.C.", Malay "K/P", Vietnam's CMT and CMTND (chứng
# minh thư). Those that also abbreviate another's number (weak: "ID No." an order's, "Res. ID"
# a reservation's, "PP No.", "DL No.", "Pers. ID", CMT a comment) count only before any
# payment word: "ID No. (account)" is the ID's, "Order ID No." stays the order's. Whole words;
# only ever keeps a number read as an ID.
_SHORT_IDENTITY_WORDS = re.compile(
    r"(?<![a-z0-9])(?:nat(?:l|['\u2019]l|ional)?\.?[ _.-]{0,2}id(?:entity)?"
    r"|gov(?:t|['\u2019]t|ernment)?\.?[ _.-]{0,2}(?:issued[ _.-]{0,2})?id(?:entity)?"
    r"|pspr?t|i[/.] ?c\.?|k[/.] ?p|cmtnd"
    r"|(?P<weak>id[ _.-]{0,2}(?:no|nr|num)|res(?:id(?:ent)?)?\.?[ _.-]{0,2}id"
    r"|pp[ _.-]{0,2}(?:no|nr|num|number)|d[/.]?l[ _.-]{0,2}(?:no|nr|num|number)"
    r"|pers\.?[ _.-]{0,2}id|cmt))(?![a-z])")
_TEXT_AFTER_KEY = re.compile(r"[:=][\s\"']*[^\W\d_]")  # (a key's text value: words in it)
_ID_ABBREVIATIONS = frozenset(("nat", "natl", "gov", "govt", "pspt", "pp", "dl", "res",
                               "pers", "id", "cmt", "k", "p"))


# Round 22: the region's other words for an identity document or its number, in plain text
# (_plain_label: Vietnamese with or without its accents, any case): NIK and KTP spelled out,
# the family card (KK), KITAS/KITAP, a driving licence (Indonesia's SIM, Malay lesen memandu,
# Vietnamese bằng lái xe, Thai ใบขับขี่, Japanese 運転免許), a passport (hộ chiếu, 护照, 旅券,
# パスポート, หนังสือเดินทาง), Vietnam's personal identification number, Japan's individual
# number by its legal name (個人番号), a residence permit or household register (居住证, 户口:
# both show the ID number; ทะเบียนบ้าน), mainland travel permits, Chinese schemas' pinyin
# initials (sfzh 身份证号, zjhm 证件号码), "personal_id". Whole words for the Latin ones (not a
# SIM card's, an e-SIM's); only ever keeps a number read as an ID.
_SEP = "[ _.-]?"
_MORE_IDENTITY_WORDS = re.compile(
    "(?<![a-z])(?:"
    + "|".join(w.replace(" ", _SEP) for w in (
        "personal (?:id|ids|identification|identity|number|no|nr)", "personalid",
        "driv(?:ing|ers?|er's)? ?licen[cs]e", "residen(?:ce|t) (?:permit|card)",
        "household regist(?:er|ration)", "hukou", "huji", "huzhao", "shenfen(?:zheng)?",
        "sfzh?(?:m|hm)?", "zjhm", "my number", "kojin bango", "zairyu", "menkyo",
        "(?:nomor )?induk kependudukan", "kependudukan", "(?:kartu )?tanda penduduk",
        "kartu keluarga", "kk", "e ?ktp", "kitas", "kitap", "izin tinggal",
        "(?:surat )?izin mengemudi", "lesen memandu",
        "dinh danh (?:ca nhan|cong dan)", "ho chieu", "giay phep lai xe", "bang lai xe", "gplx",
        "ho khau", "tam tru", "thuong tru"))
    + "|(?<!e[ _.-])(?<!nano[ _.-])(?<!dual[ _.-])sim(?![ _.-]?(?:card|kartu|kad|imsi|iccid"
    "|imei|serial|slot|sn|id|no|number|nomor|operator|provider|tray|pin|puk|msisdn|s"
    "|subscriber|subscription|sub|supi|status|state|type|info|data|lock|swap|profile)"
    "(?![a-z]))"
    + ")(?![a-z])|"
    + "|".join(re.escape(_plain_label(_prepared(w.encode()).decode())) for w in (
        "护照", "護照", "居住证", "居住證", "居留证", "居留證", "居留许可", "居留許可", "户口",
        "戶口", "户籍", "戶籍", "驾驶证", "駕駛證", "驾照", "駕照", "通行证", "通行證", "回乡证",
        "回鄉證", "台胞证", "台胞證", "社会保障号", "社會保障號", "社保号", "社保卡", "军官证",
        "軍官證", "個人番号", "个人番号", "旅券", "パスポート", "運転免許", "免許証", "在留",
        "永住", "หนังสือเดินทาง", "พาสปอร์ต", "ใบขับขี่", "ใบอนุญาตขับขี่", "ทะเบียนบ้าน",
        "บัตรประจำตัว")))


_CAMEL_BYTES = re.compile(rb"(?<=[a-z0-9])(?=[A-Z])")
# (twice a label's reach: the identity word begins a long Thai or Vietnamese label, three
# bytes a letter, เลขประจำตัวผู้ถือบัญชี)
_IDENTITY_REACH = 96


def labels_other_number(name: str) -> bool:
    """Whether a field's name (a header's) labels a 15-digit number under it as another than
    a first-generation ID: a device's (an IMEI, if its Luhn digit holds) or one of the
    region's payment and contract numbers (see _label_kind)."""
    data = name.encode("utf-8", "replace")[-_LABEL_REACH:]
    return (_label_kind(data, len(data)) != _NO_LABEL or _context(
        data, len(data), _DEVICE_WORDS) or _round13_word(data)) \
        and not _identity_label(data, len(data))  # (round 21: an identity word wins)


# Japan's corporate number (法人番号: a check digit, then 12 digits) and the invoice
# registration number every Japanese receipt prints since 2023-10 ("T" and the corporate
# number): about 1 in 1,300 begins 86 then 1[3-9], the unbroken "8613912345678" spelling of a
# mainland mobile (red team round 19). Such a number is that, not a mobile, where a "T" stands
# glued before it or a corporate-number label before it, its check digit holds and no phone
# word stands before it (a mobile passes the check one time in nine: the label or the T must
# say it too).
_CORPORATE_WORDS = _any_of(b"corporate", b"registration", b"invoice", b"houjin", b"hojin",
                           b"qualified", "法人番号", "登録番号", "事業者番号", "インボイス",
                           "適格請求書")


def _jp_corporate_number(data: bytes, start: int, digits: str) -> bool:
    """Whether the 13 unbroken `digits` at `start` are a Japanese corporate or invoice
    registration number (see _CORPORATE_WORDS)."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    check = 9 - sum(int(d) * (1 if i % 2 == 0 else 2)
                    for i, d in enumerate(reversed(digits[1:]))) % 9
    if int(digits[0]) != check:
        return False
    glued_t = data[start - 1:start] in (b"T", b"t") and not (
        start >= 2 and data[start - 2:start - 1].isalnum())
    return (glued_t or _context(data, start, _CORPORATE_WORDS, 48)) and not _context(
        data, start, _PHONE_WORDS)


def _luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check of a payment card number holds."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _amex_card(sizes: list[int], joined: str, data: bytes, start: int) -> bool:
    """Whether 15 digits joined from groups are clearly an American Express card number:
    34/37 (Anhui and Shandong area codes) and Luhn-valid, and grouped 4-6-5 as the card is
    embossed or after a card word ("AMEX", "card"), with no ID word before them (round 15). A
    bare, unbroken 15-digit number stays a first-generation ID: missing a Shandong ID is
    worse than pinning a card payment to China."""
    return (joined[:2] in ("34", "37") and _luhn_ok(joined)
            and (sizes == [4, 6, 5] or _context(data, start, _DEVICE_WORDS))
            and not _context(data, start, _STRONG_ID_WORDS, _ID_LABEL_REACH))


def _context(data: bytes, start: int, words: re.Pattern[bytes], reach: int = 24) -> bool:
    """One of `words` in the `reach` bytes before a run (case-insensitive for ASCII)."""
    return words.search(data[max(0, start - reach):start].lower()) is not None


# A key of its own between a label and a run: the label named the value before it (a key
# after the label's own "{" is its value's: "phone": {"area": "139", ...}).
_OTHER_KEY = re.compile(rb"[,;&\n][ \t]*[\"']?[a-z_][a-z0-9_ .-]{0,40}[\"']?[ \t]*[:=]")


def _labels_run(data: bytes, start: int, words: re.Pattern[bytes], reach: int = 24) -> bool:
    """_context, where the last of `words` labels the run itself: no key of its own stands
    between them ("phone": 0.9259}, "quad": [175, 1121, 1381]: the phone word is a confidence
    score's key, and the quad's coordinates are no mobile; ordinary overseas OCR results,
    tests/core/overseas_traffic.py, 6 in 4,000 bodies)."""
    window = data[max(0, start - reach):start].lower()
    if words.search(window) is None:
        return False  # (the common case: no word at all, one search)
    ends = [m.end() for m in words.finditer(window)]
    return _OTHER_KEY.search(window, ends[-1]) is None


# How far back an ID's own label is looked for where a card word would excuse a 15-digit
# number as a card's ("ID card back side, number ...": round 17).
_ID_LABEL_REACH = 48


_HEX_ID_CHARS = frozenset(b"0123456789abcdefABCDEF")
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _in_hex_id(data: bytes, start: int, end: int) -> bool:
    """Whether the digits data[start:end] are part of a whole hex token of 16 to 31 characters
    with three letters or more (Android ids, span ids, MongoDB ObjectIds, request ids: the
    32-character and longer ones are _noise_span's), whose digits are no phone number or
    first-generation ID (about 1 in 1,500 random such ids held a mobile's digits: red team
    rounds 13 and 18). An 18-character ID keeps its check character and is read all the same."""
    if not ((start and data[start - 1] in _HEX_ID_CHARS)
            or (end < len(data) and data[end] in _HEX_ID_CHARS)):
        return False
    lo, hi = start, end
    while lo > 0 and start - lo < 32 and data[lo - 1] in _HEX_ID_CHARS:
        lo -= 1
    while hi < len(data) and hi - end < 32 and data[hi] in _HEX_ID_CHARS:
        hi += 1
    if not 16 <= hi - lo < 32 or (lo and data[lo - 1] in _ALNUM) or (
            hi < len(data) and data[hi] in _ALNUM):
        return False
    return len(data[lo:hi].translate(None, b"0123456789")) >= 3


def _a_fraction(data: bytes, spans: list[tuple[int, int]], i: int) -> bool:
    """Whether group `i` of a run (its groups' `spans`) is the fraction of a decimal number: a
    decimal point between it and a group of digits alone before it, and no more groups
    after it (a dotted mobile or date goes on: "139.1234.5678")."""
    if i >= len(spans) or i != len(spans) - 1:
        return False
    lo = spans[i][0]
    return data[lo - 1:lo] == b"." and spans[i - 1][1] == lo - 1


def _grouping_ok(sizes: tuple[int, ...], candidate: str, plus: bool,
                 keyword: bool = False) -> bool:
    """Whether a bare number joined from groups of `sizes` reads as a mainland mobile or
    first-generation ID (18-character IDs carry a checksum; international numbers a plus).
    Next to a word such as "tel" / "手机" (`keyword`), any grouping does."""
    if len(sizes) == 1 or plus or keyword:
        return True
    if len(candidate) == 15 and not candidate.startswith("0086"):
        return sizes in _FIRST_GEN_GROUPINGS
    if (candidate.startswith("0086") and sizes[0] == 4) or (
            candidate.startswith("86") and sizes[0] == 2):
        sizes = sizes[1:]
    return sizes in _MOBILE_GROUPINGS or (candidate.startswith("00") and len(sizes) <= 4)


def _phone_token(candidate: str, offset: int, plus: bool, trunk: bool = False,
                 reread: bool = True) -> Token | None:
    """A phone number `candidate` (digits joined); `trunk`: a 12-digit number starting 01 may
    be a mobile after the trunk prefix 0 (said to be a phone number: see _trunk_ok);
    `reread` False: after a plus, a number that is no valid international one is not read
    without the plus (its country code was written apart: see _code_apart)."""
    if not candidate.isdigit():
        return None
    size = len(candidate)
    national: str | None = None
    if size == 11 and not plus:
        national = candidate
    elif size == 13 and candidate.startswith("86"):
        national = candidate[2:]
    elif size == 15 and candidate.startswith("0086") and not plus:
        national = candidate[4:]
    elif size == 12 and not plus and trunk and candidate.startswith("01"):
        national = candidate[1:]  # the trunk prefix 0 once dialled before a non-local mobile
    if national is not None and _BARE_MOBILE.fullmatch(national) and _cn_mobile(national):
        return Token("phone", "+86" + national, offset, "CN", mobile=True)
    international: str | None = None
    if plus and 8 <= size <= 15:
        international = "+" + candidate
    elif candidate.startswith("00") and 10 <= size <= 17 and candidate[2] != "0":
        international = "+" + candidate[2:]
    if international is not None and international.startswith("+860") and (reread or not plus):
        # The trunk prefix written after the country code ("+86 (0)139 1234 5678", as
        # numbers of countries that keep one are written, "+86 010 6512 3456", "0086 0
        # 139..."): no mainland number starts 0 after 86, so no other number reads this way
        # (but not the signed amount "amount +86013912345678 IDR": see `reread`).
        international = "+86" + international[4:]
    if international is None:
        return None
    found = _international(international)
    if found is None:
        # A plus sign typed before a number that is no international one ("+13912345678":
        # no +1 number; "+008613912345678"): the number as it would read without it.
        return _phone_token(candidate, offset, False, trunk) if plus and reread else None
    return Token("phone", international, offset, found[0], mobile=found[1])


def _zero_padded(number: str, offset: int, today: dt.date, resident_ids: bool,
                 phones: bool) -> Token | None:
    """An 18-digit ID or a mobile zero-filled to a fixed width ("0110101199003071233",
    "000000013912345678": a bank or COBOL record's numeric field, a zero-padded column), as a
    receiver that reads the field as a number reads it (missed before round 9: one unbroken
    number is read at its own length only). A mobile needs three zeros or more: "00" is an
    international prefix, "0" the trunk prefix (see _phone_token), each read as such."""
    value = number.lstrip("0")
    if resident_ids and len(value) == 18:
        return _id_token(value, offset, today)
    if phones and len(value) == 11 and len(number) - len(value) >= 3:
        return _phone_token(value, offset, False)
    return None


def _plus_before(data: bytes, start: int) -> bool:
    """`+86 ...`, `(+86)...`, `+ 86`: a plus sign just before the run (brackets/space between)."""
    i = start - 1
    while i >= 0 and start - i <= 3 and data[i] in b" (":
        i -= 1
    return i >= 0 and data[i] == 0x2B


_WINDOW_SIZES = frozenset({11, 13, 15, 18})


def _windows(groups: list[str], plus: bool) -> Iterator[tuple[int, int, str]]:
    """(first, last, joined) for each window of consecutive groups that could be an
    identifier by its length: 15 or 18 characters (IDs), 11/13/15 digits (mainland mobiles),
    10-17 digits starting 00, or 8-15 digits after a plus sign (international numbers). A
    check character X only ends a window."""
    sizes = [len(g) for g in groups]
    checks = [g == "X" or g == "x" for g in groups]
    count = len(groups)
    left = sum(sizes)  # characters from group i to the end
    for i in range(count):
        if i:
            left -= sizes[i - 1]
        if left < 8 or (left < 10 and not (plus and i == 0)):
            return  # no window starting here or later is long enough for anything
        if checks[i]:
            continue
        size = 0
        zeros = groups[i].startswith("00")
        lead = plus and i == 0
        for j in range(i, count):
            size += sizes[j]
            if size > 18:
                break
            if (size in _WINDOW_SIZES or (zeros and 10 <= size <= 17)
                    or (lead and 8 <= size <= 15)):
                yield i, j, "".join(groups[i:j + 1])
            if checks[j]:
                break


# How an 18-character ID is split over fields: by its parts (area 6, birth date 8, sequence 3,
# check character 1) or in fours (as it is printed), or character by character. Numbers in
# arrays (landmarks, boxes, pixels) join in other cuts, and one window in ~70,000 of those
# would pass the check character and date by chance.
_ID_CUTS = (frozenset({6, 14, 17}), frozenset({4, 8, 12, 16}))


def _split_id_ok(sizes: list[int], whole: bool) -> bool:
    """Whether groups of `sizes` are an ID split as people split one; character by character
    only as the `whole` run (an array of 18 characters, not 18 digits of a longer array)."""
    if max(sizes) == 1:
        return whole
    cuts = set(itertools.accumulate(sizes[:-1]))
    return any(cuts <= allowed for allowed in _ID_CUTS)


def _with_check(sizes: list[int], last: str) -> list[int]:
    """Group sizes with a final check character X counted in the group before it ("3X")."""
    if last in ("X", "x") and max(sizes) > 1:  # (not when split one per character)
        return [*sizes[:-2], sizes[-2] + 1]
    return sizes


def _structure_bounds(data: bytes, start: int, end: int,
                      marks: bytes = b"\v\f") -> frozenset[int]:
    """Indexes of the groups of the run [start, end) that follow a joint _glued marked with
    one of `marks`: a vertical tab where an array or object starts or ends, a form feed where
    a label names the next field."""
    run = data[start:end]
    if not any(mark in run for mark in marks):
        return frozenset()
    bounds = set()
    last = start
    for k, m in enumerate(_GROUPS.finditer(data, start, end)):
        if k and any(mark in data[last:m.start()] for mark in marks):
            bounds.add(k)
        last = m.end()
    return frozenset(bounds)


def _field_starts(data: bytes, start: int, end: int, spaces: list[int]) -> frozenset[int]:
    """Indexes of the groups of the run [start, end) that follow a joint of _glued (one of the
    sorted `spaces`): where a field begins."""
    starts = set()
    last = start
    for k, m in enumerate(_GROUPS.finditer(data, start, end)):
        if k and _joins(spaces, last, m.start()):
            starts.add(k)
        last = m.end()
    return frozenset(starts)


# Where an 18-character ID could start in a run of digits: its birth century in place.
_CENTURY_AT = re.compile(r"(?=[0-9]{6}(?:18|19|20)[0-9]{9}[0-9Xx])")


def _digit_by_digit_windows(groups: list[str]) -> Iterator[tuple[int, int, str]]:
    """The windows _windows would give that can hold an identifier, for a run of more than 18
    one-character groups with no word or plus sign before it ("1 1 0 1 0 1 ..."): only
    18-character IDs can be in it (a phone or a first-generation ID digit by digit is the
    whole run), found where the birth century stands (one C search, not 4 windows per
    digit)."""
    text = "".join(groups)
    for m in _CENTURY_AT.finditer(text):
        i = m.start()
        yield i, i + 17, text[i:i + 18]


def _id_windows(groups: list[str], first_generation: bool,
                bounds: frozenset[int] = frozenset(),
                fields: frozenset[int] | None = None,
                named: frozenset[int] = frozenset()) -> Iterator[tuple[int, int, str]]:
    """For joined fields: the windows of _windows that are 18 characters long and split as
    _ID_CUTS says (and 15 with `first_generation`: _grouping_ok decides those), found from
    prefix sums (long runs of joined fields have many groups). One character per group is an
    ID only as a whole: the whole run, or an array of its own (`bounds`: the groups after the
    start or end of an array or object). With `fields` (the groups that begin a field), a
    window is whole fields, two or more: a piece of a field is not a piece of an ID split over
    fields (the year of "2025-10-07T15:35:09Z", the first group of "780-522-9174"), and one
    field alone is read as it was before joining (an IMEI after another key's "id"). No
    window spans a field a label names as a thing of its own (`named`: the groups after such
    a joint; see _names_a_field)."""
    sizes = [len(g) for g in groups]
    # inside[k]: how many fields begin at groups 1..k (a window i..j spans a joint when
    # inside[j] > inside[i])
    inside = list(itertools.accumulate(k in fields for k in range(len(groups)))) \
        if fields is not None else []
    # (and so for `named` and `bounds`: a window spans one when the count grows over it. A scan
    # of the whole set per window was quadratic: "1 abc=" x 3,700, ~270 ms on the event loop)
    named_upto = list(itertools.accumulate(k in named for k in range(len(groups)))) \
        if named else []
    bounds_upto = list(itertools.accumulate(k in bounds for k in range(len(groups)))) \
        if bounds else []
    ends: dict[int, int] = {}
    total = 0
    for last, size in enumerate(sizes):
        total += size
        ends[total] = last
    total = 0
    for i, group in enumerate(groups):
        if group not in ("X", "x"):
            for length in ((15, 18) if first_generation else (18,)):
                j = ends.get(total + length)
                if j is not None and fields is not None and not (
                        (i == 0 or i in fields) and (j == len(groups) - 1 or j + 1 in fields)
                        and inside[j] > inside[i]):
                    continue
                if j is not None and named and named_upto[j] > named_upto[i]:
                    continue
                if j is not None and "X" not in groups[i:j] and "x" not in groups[i:j] and (
                        length == 15 or _split_id_ok(
                            _with_check(sizes[i:j + 1], groups[j]),
                            (i == 0 or i in bounds) and (j == len(groups) - 1
                                                         or j + 1 in bounds)
                            and not (bounds and bounds_upto[j] > bounds_upto[i]))):
                    yield i, j, "".join(groups[i:j + 1])
        total += sizes[i]


def tokens(text: str | bytes, *, today: dt.date, resident_ids: bool = True,
           phones: bool = True, budget: Budget | None = None) -> Iterator[Token]:
    """Every identifier in `text` (normalised here; bytes must be ASCII or UTF-8), IDs first
    within each run. Text where Chinese numerals touch digits, or stand in groups parted by
    separators, is read a second time with every numeral as its digit: an ID or mobile
    dictated in groups ("一三九 一二三四 五六七八") or mixed with digits ("一3九1二3四5六7八")."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    if b"\x00" in data:
        # Round 13: NUL between characters, which receivers strip before storing (PostgreSQL
        # text refuses it, sanitizers remove it): "1\x003\x009..." is read without them too.
        yield from tokens(data.replace(b"\x00", b""), today=today, resident_ids=resident_ids,
                          phones=phones, budget=budget)
    if len(data.translate(None, _CONTROL_GATE)) != len(data):
        # Round 24: other control characters (and private use ones) between digits, which a
        # receiver's Cc/Co filter strips as it strips NUL: "1\x7f3\x7f9...", "1%013%01...".
        stripped = _CONTROLS_BETWEEN_DIGITS.sub(b"", data)
        if stripped != data:
            yield from tokens(stripped, today=today, resident_ids=resident_ids, phones=phones,
                              budget=budget)
    if data.isascii():
        yield from _tokens(data, today, resident_ids, phones, budget)
        for reading, fields, phones_too in _other_readings(data, budget):
            yield from _tokens(reading, today, resident_ids, phones and phones_too, budget,
                               fields, phones_too)
        return
    if _RLO in data:
        # A right-to-left override shows the characters after it in reverse: what a reader
        # sees ("332170300991101011" shown as an ID) is read too.
        yield from tokens(_as_shown(data), today=today, resident_ids=resident_ids,
                          phones=phones, budget=budget)
    data = _prepared(data)
    yield from _tokens(data, today, resident_ids, phones, budget)
    spelled = _numerals_spelled(data)
    if spelled is not None:
        yield from _tokens(spelled, today, resident_ids, phones, budget)
    for reading, fields, phones_too in _other_readings(data, budget):
        yield from _tokens(reading, today, resident_ids, phones and phones_too, budget, fields,
                           phones_too)


# C0 controls but NUL (read apart above), the separators (tab, line ends, \v, \f) and FS/GS/RS/
# US (field separators, round 14); DEL; C1 controls (UTF-8 C2 80-9F); private use U+E000-EFFF
# (lead EE). The gate is a translate of single bytes (~1 us per 2 KB; C2 also starts Latin-1
# letters and NBSP, which pay one regex search).
_CONTROL_GATE = bytes([*range(1, 9), *range(14, 28), 0x7F, 0xC2, 0xEE])
_CONTROLS_BETWEEN_DIGITS = re.compile(
    rb"(?<=[0-9])(?:[\x01-\x08\x0e-\x1b\x7f]|\xc2[\x80-\x9f]|\xee[\x80-\xbf][\x80-\xbf]){1,4}"
    rb"(?=[0-9])")
_RLO = "\u202e".encode()
# Directional formatting characters and paragraph ends, as `_as_shown` walks them.
# (and a double quote: an override inside one JSON or CSV value is shown within that value
# by whatever displays it, not over the fields after it)
_BIDI_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069\n\r\u2029\x1c-\x1e\x85\"]")


def _as_shown(data: bytes) -> bytes:
    """UTF-8 `data` with each right-to-left override's text in the order it is displayed: to
    the PDF that closes it (nested overrides stay within it, the whole stretch reversed), to
    another embedding, override or isolate, or to the paragraph's end. A PDI ends it only when
    an isolate is open (an unmatched PDI is ignored)."""
    text = data.decode("utf-8", "replace")
    out: list[str] = []
    pos = start = depth = isolates = 0
    for m in _BIDI_MARKS.finditer(text):
        c = m.group()
        if depth:
            if c == "\u202e":
                depth += 1
                continue
            if c == "\u202c" and depth > 1:
                depth -= 1
                continue
            if c == "\u2069" and not isolates:
                continue
            out.append(text[start:m.start()].replace("\u202e", "")[::-1])
            pos, depth = m.start(), 0
            if c == "\u202c":
                continue
        if c == "\u202e":
            out.append(text[pos:m.start()])
            start, depth = m.end(), 1
        elif c in "\u2066\u2067\u2068":
            isolates += 1
        elif c == "\u2069":
            isolates = max(0, isolates - 1)
        elif c in "\n\r\u2029\x1c\x1d\x1e\x85":
            isolates = 0
    if depth:
        out.append(text[start:].replace("\u202e", "")[::-1])
    else:
        out.append(text[pos:])
    return "".join(out).encode("utf-8", "replace")


def _other_readings(data: bytes, budget: Budget | None = None
                    ) -> Iterator[tuple[bytes, list[int] | None, bool]]:
    """`data` read with letters that stand for digits as digits, and with the fields of a
    structure (or the labelled parts of a sentence) joined (with where they were joined: see
    _tokens), each reading only when it differs; with digits said in words as digits; and
    the numbers after an ID word joined (for 18-character IDs only: the third item says
    whether phone numbers and first-generation IDs are read too)."""
    kun = _kun(data)  # (before _said: a run of six on readings and a number is none)
    if kun is not None:
        yield kun, None, True
    said = _said(data, budget)
    if said is not None:
        yield said, None, True
        data = said
    if b"--" in data:  # (every run holds it: a mobile's 1, an ID's year 19.. or 20..)
        morse = _morse(data)
        if morse is not None:
            yield morse, None, True
    if ascii_digits(data) < 2:
        # an identifier split or misspelled still shows two digits somewhere, or is told in
        # short runs of Chinese numerals ("手机号一三九, 中间一二三四, 尾号五六七八")
        told_data = _told_numerals(data)
        if told_data is not data and ascii_digits(told_data) >= 11:
            told = _told_mobile(told_data, budget)
            if told is not None:
                yield told, None, True
        return
    skeleton = data.translate(_READINGS_SKELETON)
    lettered = _lettered(data, skeleton)
    if lettered is not None:
        yield lettered, None, True
        data = lettered
        skeleton = data.translate(_READINGS_SKELETON)
    hints = data.translate(_HINTS_TABLE, _HINTS_DELETED)
    if b"\\" in data or _EMPTY_GROUP_HINT.search(hints) is not None:
        tex = _tex(data)
        if tex is not None:
            yield tex, None, True
    if _KEYPAD_HINT.search(hints) is not None:
        keypad = _keypad(data)
        if keypad is not None:
            yield keypad, None, True
    marked = data  # (for a masked mobile: 139****5678 is no Markdown bold mark)
    unmarked = _unmarked(data)
    if unmarked is not None:
        yield unmarked, None, True
        data = unmarked
        skeleton = data.translate(_READINGS_SKELETON)
    glued = _glued(data, skeleton, budget)
    if glued is not None:
        yield glued[0], glued[1], True
    key_hint = _KEY_HINT.search(skeleton) is not None  # (once: both readings of keys need it)
    as_values = _keys_as_values(data) if key_hint else None
    if as_values is not None:
        glued = _glued(as_values, as_values.translate(_READINGS_SKELETON), budget)
        if glued is not None:
            yield glued[0], glued[1], True
    attributes = _attribute_values(data)
    if attributes is not None:
        glued = _glued(attributes, attributes.translate(_READINGS_SKELETON), budget)
        if glued is not None:
            yield glued[0], glued[1], True
    keys = _keys(data, skeleton, key_hint)
    if keys is not None:
        glued = _glued(keys, keys.translate(_READINGS_SKELETON), budget)
        if glued is not None:
            yield glued[0], glued[1], True
    thousands = _thousands(data, skeleton, budget)
    if thousands is not None:
        yield thousands, None, True
    dialled = _dialled(data)
    if dialled is not None:
        yield dialled, None, True
    if b"rev" in data or b"Rev" in data:  # (not PHONE_REV: two searches, not three)
        reversed_ = _reversed_values(data)
        if reversed_ is not None:
            yield reversed_, None, True
    grouped = _grouped_word_after(data, skeleton)
    if grouped is not None:
        yield grouped, None, True
    ocr = _ocr_grouped(data)
    if ocr is not None:
        yield ocr, None, True
    if ascii_digits(data) >= 15:
        told = _told_id(data, budget)
        if told is not None:
            yield told, None, False
    marked = _told_numerals(marked)
    digits = ascii_digits(marked)
    words = _told_words(marked) if digits >= 7 else marked
    if words is not marked:
        yield words, None, True  # (read as digits are: "one eight six 1234 5678")
        marked = words
        digits = ascii_digits(marked)
    if digits >= 11:
        told = _told_mobile(marked, budget)
        if told is not None:
            yield told, None, True
    if any(mask in marked for mask in _ID_MASKS) and (
            filled := _masked_ids_filled(marked)) is not None:
        yield filled, None, False


# Round 13: an ID shown masked as Chinese apps show one, its birth date hidden
# ("110101********1233", # or x for *), with that birth date told or sent beside it ("中间八位是
# 19900307", {"birthday": "1990-03-07"}): together they are the whole ID. Each masked ID is
# filled with each date of the text; only a fill whose check character holds is an ID (the
# scan decides), so a date that belongs to something else is mostly ruled out, and the area
# code the mask leaves shown is a mainland one all the same.
# (the masks as the text is read: * # x _ ?, the black circle, asterisk operator, heavy and
# low asterisks, and the bullet or middle dot folded to dashes; round 14)
_MASK_RUNS = (b"*", b"#", b"x", b"X", b"_", b"?", b"-", "\u25cf".encode(), "\u2217".encode(),
              "\u2731".encode(), "\u204e".encode())
_ID_MASKS = tuple(m * 8 for m in _MASK_RUNS)  # (memmem searches first)
_MASKED_ID = re.compile(rb"(?<![0-9])([1-9][0-9]{5})[ -]?(?:"
                        + b"|".join(b"(?:" + re.escape(m) + b"){8}" for m in _MASK_RUNS)
                        + rb")[ -]?([0-9]{3}[0-9Xx])(?![0-9])")
_TOLD_DATE = re.compile(rb"(?<![0-9])(19[0-9]{2}|20[0-9]{2})(?:(0[1-9]|1[0-2])"
                        rb"(0[1-9]|[12][0-9]|3[01])|([-/._ ]|\xe5\xb9\xb4) ?(0?[1-9]|1[0-2]) ?"
                        rb"(?:[-/._ ]|\xe6\x9c\x88) ?(0?[1-9]|[12][0-9]|3[01]))(?![0-9])")
# (a date with the year last: day first as Singapore, Indonesia and Vietnam write it, or month
# first; both readings are tried, the check character decides; round 14)
_TOLD_DATE_YEAR_LAST = re.compile(rb"(?<![0-9])(0?[1-9]|[12][0-9]|3[01])([-/.])"
                                  rb"(0?[1-9]|[12][0-9]|3[01])\2(19[0-9]{2}|20[0-9]{2})"
                                  rb"(?![0-9])")
_MASKED_NEAREST = 32  # dates tried per masked ID, the nearest first
_MASKED_MOST = 8  # masked IDs filled
_MASKED_REACH = 2048  # bytes either side of a masked ID where its date is looked for


def _masked_ids_filled(data: bytes) -> bytes | None:
    """Each masked ID of `data` after an ID word filled with each of the dates told nearest it
    (within _MASKED_REACH bytes), as a list of 18-character candidates for the scan; None when there
    is no masked ID or no date near one."""
    fills: dict[bytes, None] = {}
    for _, m in zip(range(_MASKED_MOST), _MASKED_ID.finditer(data), strict=False):
        if not _context(data, m.start(), _ID_WORDS):
            continue  # (round 14: a bank card masked 622202********1234 beside a statement's
            # dates, one in eleven holding: a masked ID is filled after an ID word only)
        at, area, rest = m.start(), m.group(1), m.group(2).upper()
        lo, hi = max(0, at - _MASKED_REACH), at + _MASKED_REACH
        dates = [(abs(d.start() - at), d.group(1) + (d.group(2) or d.group(5)).rjust(2, b"0")
                  + (d.group(3) or d.group(6)).rjust(2, b"0"))
                 for d in _TOLD_DATE.finditer(data, lo, hi)]
        for d in _TOLD_DATE_YEAR_LAST.finditer(data, lo, hi):
            first, second = d.group(1).rjust(2, b"0"), d.group(3).rjust(2, b"0")
            dates += [(abs(d.start() - at), d.group(4) + month + day)
                      for day, month in ((first, second), (second, first)) if month <= b"12"]
        for _, date in sorted(dates)[:_MASKED_NEAREST]:
            fills[area + date + rest] = None
    if not fills:
        return None
    return b" |\n".join(fills)


# The names of a structure's fields, where two or more are numbers: JSON keys
# ({"110101": null, "19900307": null, "1233": null}) and multipart field and file names
# (name="110101", filename="19900307.jpg"). The values between them are no field boundary
# _glued reads (text, or numbers of their own), so an identifier split over the names alone
# was missed; they are read again as an array of the names, under the rules of joined fields.
_JSON_KEY = re.compile(rb'"((?:[^"\\\r\n]|\\.){0,64}+)"[ \t\r\n]*+:')
_QUOTED_VALUE = re.compile(rb'="([^"\r\n]{0,64}+)"')  # name="...", filename="..."
_NUMBER_KEY = re.compile(rb"[0-9]+[Xx]?(?:\.[A-Za-z0-9]{1,5})?")
_MAX_KEYS = 4096  # names read at most (more: the first ones)
# On the readings skeleton: a key ending in a digit ('9":', '9" :')
_KEY_HINT = re.compile(rb"0q ?k")


# A JSON key that is a number, read as a value: {"110101": "19900307", "1233": 1} and
# [{"110101": "19900307"}, {"1233": ""}] hold an ID over keys and values in turn. As keys,
# the joined-fields reading takes each number key for the label of the value after it, and the
# names reading (_keys) holds the keys alone (missed before round 9).
_NUMBER_KEY_COLON = re.compile(rb'"([0-9]++[Xx]?)"([ \t\r\n]*+):')


# Markup with each tag written as its attribute values, as quoted items:
# <p a="110101"><q b="19900307"/><r c="1233"/></p> holds an ID over attributes of nested and
# sibling elements, which the joined-fields reading steps over with their tags (a tag is one
# joint, whatever its attributes hold: `<p n="2">` numbers its element). Missed before round
# 9 (the attributes of one element were read). Only text with `="` and a digit after pays.
_TAG_ATTRIBUTES = re.compile(rb"<[A-Za-z][^<>]{0,200}+>")
_ATTRIBUTE_VALUE = re.compile(rb'="([^"<>]{0,64}+)"')


def _attribute_values(data: bytes) -> bytes | None:
    """`data` with each tag that has a quoted attribute written as its values (`"v1","v2"`,
    one space around); None when no attribute value holds a digit."""
    if _ATTR_DIGIT.search(data) is None:  # (a regex: `b'="' in data` takes 3x longer)
        return None
    return _TAG_ATTRIBUTES.sub(lambda m: b' "' + b'","'.join(
        _ATTRIBUTE_VALUE.findall(m.group())) + b'" ' if b'="' in m.group() else m.group(), data)


_ATTR_DIGIT = re.compile(rb'="[0-9]')


def _keys_as_values(data: bytes) -> bytes | None:
    """`data` with each JSON key that is a number written as an array item (`"110101":` as
    `"110101",`); None when there is none (called only where _KEY_HINT is found)."""
    out = _NUMBER_KEY_COLON.sub(rb'"\1"\2,', data)
    return out if out != data else None


def _keys(data: bytes, skeleton: bytes, hint: bool | None = None) -> bytes | None:
    """The names of `data`'s fields (JSON keys, multipart names) as JSON arrays, and its file
    names (without their extensions) as another, when two or more are numbers; None otherwise
    (a byte search rules out most text: a digit, a quote and a colon in a row, or '="').
    (Each pattern starts with a literal, which the regex engine skips to in C: the text may
    be a 400 KB JSON of base64 photos.)"""
    lists: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])
    numbers = 0
    finds = []
    if (_KEY_HINT.search(skeleton) is not None) if hint is None else hint:
        finds.append(_JSON_KEY.finditer(data))
    if b'="' in data:
        finds.append(_QUOTED_VALUE.finditer(data))
    for m in itertools.islice(itertools.chain(*finds), _MAX_KEYS):
        kind = 0
        if m.re is _QUOTED_VALUE:
            label = data[max(0, m.start() - 9):m.start()].lower()
            if label.endswith(b"filename"):
                kind = 2
            elif label.endswith(b"name") and not label[-5:-4].isalpha():
                kind = 1
            else:
                continue
        name = m.group(1)
        if _NUMBER_KEY.fullmatch(name):
            numbers += 1
            name = name.partition(b".")[0]
        lists[kind].append(name)
    if numbers < 2:
        return None
    return b"\nfiles\n".join(b'["' + b'","'.join(n) + b'"]' for n in lists if n)


# A mobile formatted as a number with thousands separators (a spreadsheet's phone column set
# to "number", pasted or exported): "13,912,345,678", Indian "13,91,23,45,678", Swiss
# "13'912'345'678" (the Arabic U+066C folds to the comma). Read, with spaces for its
# separators, after a phone word only and standing alone: not an item of a list or array (no
# digit, comma, full stop, apostrophe or bracket before it, no separator and digit after it),
# since an amount or four numbers of a box are so written too.
_THOUSANDS = re.compile(rb"(?<![0-9,.'\[(])1[3-9](?:([,'])[0-9]{3}\1[0-9]{3}\1[0-9]{3}"
                        rb"|,[0-9]{2},[0-9]{2},[0-9]{2},[0-9]{3})(?![0-9]|[,.'][0-9])")
# Not read with no phone word (round 7; read for a while after round 13, taken back after red
# team round 14): a list of amount words cannot tell an amount from a mobile so written.
# Indonesian and Vietnamese amounts of 13-19 billion (a small firm's turnover, a loan: omzet,
# pinjaman, doanh thu; 売上 in yen) are written with the same separators under words no list
# holds, in CSV columns under a header a line away, in arrays; keeping them in China breaks
# their own residency rules, as often as a spreadsheet's phone column is sent unlabelled.
# Amount words, before which numerals with place units are an amount (_cn_place_values; not
# _AMOUNT_WORDS, the signed amounts' shorter list, which this one's name shadowed for a while):
_PLACE_AMOUNT_WORDS = re.compile(
    rb"total|amount|balance|price|payment|salary|income|revenue|budget|deposit|withdraw|credit"
    rb"|debit|capital|quantity|population|count|bytes|views|"  # (in camelCase keys too)
    rb"(?<![a-z])(?:sum|amt|bal|cost|fee|fees|paid|pay|payout|sales|limit|loan|cash|fund|funds"
    rb"|gdp|rp|rm|idr|usd|cny|rmb|sgd|jpy|vnd|krw|inr|thb|php|myr|hkd|twd|mop|eur|gbp|aud|cad"
    rb"|chf|nzd|yen|yuan|jumlah|harga|saldo|biaya|nominal|tong|gia|size|qty)(?![a-z])|[$#]|"
    + "|".join((
        "¥", "€", "£", "₹", "₩", "₫", "฿", "₱", "₽", "₺", "₪", "金额", "金額", "合计", "合計",
        "总计", "總計", "总额", "總額", "余额", "餘額", "残高", "价", "價", "费", "費", "款", "元",
        "円", "圆", "圓", "人民币", "大写", "大寫", "额", "額", "值", "收入", "营收", "營收",
        "利润", "利潤", "资产", "資產", "成本", "预算", "預算", "资本", "資本", "금액", "잔액",
        "원",
        # (round 17: the Korean amount, price and count words: 예산 budget, 가격 price, 매출
        # sales, 자본금 capital, 비용 cost ...; a Korean amount said a sentence after "전화
        # 문의" is no phone number)
        "예산", "가격", "매출", "자본", "비용", "총액", "합계", "수입", "소득", "급여", "연봉",
        "대출", "수익", "이익", "단가", "요금", "결제", "인구", "수량", "지출", "보증금",
        "ราคา", "ยอด", "บาท", "المبلغ", "مبلغ", "الإجمالي", "السعر", "ريال", "درهم",
        "tổng", "giá", "số tiền")).encode())


_LABEL_CUTS = ",;&{[\n|\t"


def amount_labelled(text: str, at: int) -> bool:
    """Round 24: whether the number at text[at] is an amount by its label: an amount word
    (_PLACE_AMOUNT_WORDS) and no phone word in the text of its own field before it ('"jumlah":
    ', 'total_idr='), or, as a CSV or TSV cell with no label of its own, in its column's
    header on the first line ("amount\\n13912345678.0"). Called per number written with a
    zero fraction only (see payload.zero_fractions)."""
    before = text[max(0, at - _LABEL_REACH):at]
    cut = max(before.rfind(c) for c in _LABEL_CUTS)
    label = before[cut + 1:]
    if not label.strip(" \"':=") and (cut >= 0 or at <= _LABEL_REACH) and (
            cut < 0 or before[cut] in ",\t\n"):
        # (a cell of its own: its column's header, when the first line is another line)
        line = text.rfind("\n", 0, at) + 1
        first = text.find("\n")
        if 0 < first < line and first <= 4096:
            sep = "\t" if "\t" in text[line:at] or "\t" in text[:first] else ","
            column = text.count(sep, line, at)
            cells = text[:first].split(sep)
            label = cells[column] if column < len(cells) else ""
    data = label.lower().encode("utf-8", "replace")
    return (_PLACE_AMOUNT_WORDS.search(data) is not None or _MORE_AMOUNT_WORDS.search(
        data) is not None) and _PHONE_WORDS.search(data) is None


# (the amount words of the region typed without their accents or not in the list above:
# Vietnamese "so tien", "thanh tien"; Indonesian omzet, nilai, tagihan)
_MORE_AMOUNT_WORDS = re.compile(rb"(?<![a-z])(?:so[ _-]?tien|thanh[ _-]?tien|omzet|nilai"
                                rb"|tagihan)(?![a-z])")


def _thousands(data: bytes, skeleton: bytes, budget: Budget | None = None) -> bytes | None:
    """`data` with each mobile written with thousands separators after a phone word written
    with spaces for them; None when there is none (two byte searches on the readings
    skeleton rule out most text: three digits after a comma or apostrophe after two); a
    Python step per number found is spent from `budget`."""
    if skeleton.find(b"00p000") < 0 and skeleton.find(b"00q000") < 0:
        return None
    pieces: list[bytes] = []
    last = 0
    for m in _THOUSANDS.finditer(data):
        if budget is not None:
            budget.spend(1)
        if not _context(data, m.start(), _PHONE_WORDS):
            continue
        pieces.append(data[last:m.start()])
        pieces.append(m.group().replace(b",", b" ").replace(b"'", b" "))
        last = m.end()
    if not pieces:
        return None
    pieces.append(data[last:])
    return b"".join(pieces)


# Round 24: a mobile written with thousands separators (commas, points, spaces, apostrophes,
# the thin space, the Arabic separator, and the right single quote U+2019 that word processors
# put for an apostrophe) with a phone word right AFTER it ("13,912,345,678 wechat", "... WA",
# "... (WhatsApp)", "...☎", "... ext", "13,912,345,678 是我的手机"): the writer says what it is
# as a word before it does (see _THOUSANDS, read after a word before it only). With U+2019,
# after a phone word before it too. Read as its 11 digits. (Led by the literal 1, ~2 us per
# 2 KB: cheaper than searching the readings skeleton for each separator's shape.)
_GROUPED_MOBILE = re.compile(rb"1[3-9]([,.' ]|\xe2\x80\x89|\xe2\x80\x99|\xd9\xac)[0-9]{3}\1[0-9]{3}"
                             rb"\1[0-9]{3}(?![0-9])")
_GROUPED_NOT_AFTER = frozenset(b"0123456789,.'")
_GROUPED_GAP = re.compile(rb"[ \t]{0,3}(?:[(\[:/-][ \t]{0,2})?")
_GROUPED_WORD = re.compile(_PHONE_WORDS.pattern + rb"|ext(?:ension)?(?![a-z])")


def _grouped_word_after(data: bytes, skeleton: bytes) -> bytes | None:
    """`data` with each thousands-grouped mobile that a phone word follows (see above) as its
    11 digits; None when there is none. `skeleton`: data.translate(_READINGS_SKELETON)."""
    if b"000" not in skeleton:
        return None
    pieces: list[bytes] = []
    last = 0
    for m in _GROUPED_MOBILE.finditer(data):
        if m.start() and data[m.start() - 1] in _GROUPED_NOT_AFTER:
            continue
        gap = _GROUPED_GAP.match(data, m.end())
        at = m.end() if gap is None else gap.end()
        word = _GROUPED_WORD.match(data[at:at + 24].lower())
        said = word is not None and not data[at + word.end():at + word.end() + 1].isalpha()
        if not said and not _phone_word_after(data, m.end()) and not (
                m.group(1) == "\u2019".encode() and _context(data, m.start(), _PHONE_WORDS)):
            continue
        before = data[max(0, m.start() - 24):m.start()].lower()
        if _PLACE_AMOUNT_WORDS.search(before) or _MORE_AMOUNT_WORDS.search(before):
            continue  # (an amount's word or currency before it: "Rp 13.912.345.678 (WA)")
        pieces += (data[last:m.start()], m.group().replace(m.group(1), b""))
        last = m.end()
    if not pieces:
        return None
    return b"".join(pieces) + data[last:]


# An ID told in parts after a word that says it is one, the parts labelled in words with no
# colon ("身份证号码前六位110101, 出生日期19900307, 顺序码123, 校验码3" with fullwidth commas,
# "身份证前六位是110101, 中间八位是...", "citizen ID: first six 110101, born 19900307, last
# four 1233"): the numbers that follow the word, each within _TOLD_GAP bytes of the one
# before, are tried joined (an 18-character ID proves itself: birth date, province and check
# character). A JSON key "id" is not such a word: records keyed by id hold numbers side by
# side by design.
# (each found with a byte search in the lower-cased text, then its form checked there)
_TOLD_ANCHORS = ("身份".encode(), "身分".encode(), "证件".encode(), "證件".encode(), b"citizen",
                 b"resident")
_TOLD_ID_WORD = re.compile(rb"id(?:[ _-]?(?:card|number|no)|(?=[ :]|\xef\xbc\x9a))")
_TOLD_PART = re.compile(rb"[0-9]+[Xx]?|(?<![A-Za-z])[Xx](?![A-Za-z])")  # (a lone X: checks)
_TOLD_COUNT = re.compile("[ \t]*(?:digits?|numbers?|characters?|chars?|位|个|位数)".encode(),
                         re.IGNORECASE)
_TOLD_RANGE = re.compile("[ \t]*(?:到|至|-|~|to )".encode())
_TOLD_NOT_BEFORE = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_SEPARATORS_BYTES = _SEPARATORS.encode()
_TOLD_GAP = 48  # bytes of words between two parts (", 出生日期(年月日)是" in fullwidth)
_TOLD_PARTS = 6


def _a_measure(data: bytes, start: int, end: int) -> bool:
    """Whether the number data[start:end] is part of a fraction, a dotted date or a time
    ("2020:12:09 10:18", as EXIF writes a timestamp): a measure, not a part of a number
    told in parts."""
    return data[start - 1:start] == b"." or (
        data[end:end + 1] in (b".", b":") and data[end + 1:end + 2].isdigit()) or (
        data[start - 1:start] == b":" and data[start - 2:start - 1].isdigit())


def _told_id(data: bytes, budget: Budget | None = None) -> bytes | None:
    """For each ID word in `data`, the parts after it joined: "id 110101 19900307 1233"
    lines, one per word; None when none. A Python step per word and per part looked at is
    spent from `budget` ("id 1 2 id 1 2 ..." took ~60 ms per 64 KiB view, and a body decoded
    into 16 such views ~2 s inline; now refused inline, read by a worker)."""
    lower = data.lower()
    # "id" a word of its own, not the end of another word ("request_id"); a JSON key "id"
    # (followed by its quote) is not such a word
    words = [m.span() for m in _TOLD_ID_WORD.finditer(lower)
             if not (m.start() and lower[m.start() - 1] in _TOLD_NOT_BEFORE)]
    for anchor in _TOLD_ANCHORS:
        pos = lower.find(anchor)
        while pos >= 0:
            words.append((pos, pos + len(anchor)))
            pos = lower.find(anchor, pos + len(anchor))
    if budget is not None:
        budget.spend(len(words))
    lines: list[bytes] = []
    end = 0
    digits = data.translate(_SKELETON)  # digits as 0: where a part could start, found in C
    for start, stop in sorted(words):
        if start < end or digits.find(b"0", stop, stop + _TOLD_GAP) < 0:
            continue  # "citizen ID", "身份证件": one word, read once; or no number after it
        parts: list[bytes] = []
        end = kept = stop
        plain = True  # only separators between the parts: one run, read as it is already
        while len(parts) < _TOLD_PARTS:
            if budget is not None:
                budget.spend(1)
            part = _TOLD_PART.search(data, end, end + _TOLD_GAP)
            if part is None:
                break
            if _a_measure(data, part.start(), part.end()):
                break
            end = part.end()
            if part.group() in (b"X", b"x") and sum(len(p) for p in parts) != 17:
                continue  # a lone X is the check character after 17 digits, or nothing
            if _TOLD_COUNT.match(data, end) is not None or (
                    len(part.group()) <= 2 and _TOLD_RANGE.match(data, end)):
                continue  # "the first 6 digits", "第7到14位": where a part is, not a part
            if parts and data[kept:part.start()].strip(_SEPARATORS_BYTES):
                plain = False
            parts.append(part.group())
            kept = end
        if len(parts) > 1 and not plain and sum(len(p) for p in parts) >= 18:
            lines.append(b"id " + b" ".join(parts))
    return b"\n".join(lines) if lines else None


# A mobile told in parts after a phone word, words between them ("my phone is 139 and then
# 1234 and 5678", "手机号139, 中间1234, 尾号5678" with fullwidth commas), or shown masked
# with the hidden digits given apart ("手机: 139****5678, 中间四位是1234", "tel
# 139-xxxx-5678 (middle: 1234)"): the numbers
# that follow the word, each within _TOLD_GAP bytes of the one before, joined as a mobile is
# grouped (3-4-4, 3-8, 7-4), a mask filled by the next number of its length. Read only when
# words stand between the parts (parts with separators alone are one run already) and the
# digits make a mainland mobile (1, then 3-9, eleven digits). (Missed before round 10.)
_TOLD_MOBILE_PART = re.compile(
    "[0-9]+(?:[ \\-.]?[*xX\u00d7#\u2022\u25cf]{3,5}[ \\-.]?[0-9]+)?".encode())
_MASK = re.compile("[*xX\u00d7#\u2022\u25cf]+".encode())
_TOLD_MOBILE_SIZES = frozenset({(3, 4, 4), (3, 8), (7, 4)})
# The phone words, and the words a mobile is told after in a sentence ("call me on", "my
# number is", "text me at", 手机号, 微信号, 联系方式)
_TOLD_MOBILE_WORDS = _any_of(b"tel", b"phone", b"mobile", b"cell", b"contact", b"whatsapp",
                             b"wechat", b"call", b"number", b"text me", b"sms", b"reach me",
                             "电话", "手机", "联系", "號碼", "号码", "電話", "手機", "聯絡",
                             "聯繫", "聯系", "微信", "短信")


_PREFIX_GROUPS = frozenset({b"0", b"86", b"086", b"0086"})


def _continues_number(data: bytes, start: int) -> bool:
    """Whether the number at `start` is a later group of a number begun before it, parted by a
    space, dash or dot ("+66 92 196 8799", "+63 970 183 0676"): no first part of a mobile told
    in parts. A trunk 0 or a country code 86 before it begins no other number. Ordinary overseas
    traffic measured (tests/core/overseas_traffic.py): a Thai or Philippine number after a
    phone word with a date after it was read as a mainland mobile from its last two groups and
    the year ("196 8799", "paid_at": "2024-08-16"), 3 bodies in 1,000."""
    i = start
    while i > 0 and start - i < 3 and data[i - 1] in b" -.":
        i -= 1
    if i == start or i == 0 or data[i - 1] not in _ASCII_DIGITS:
        return False
    j = i
    while j > 0 and i - j < 5 and data[j - 1] in _ASCII_DIGITS:
        j -= 1
    return data[j:i] not in _PREFIX_GROUPS or (j > 0 and data[j - 1] in _ASCII_DIGITS)


def _told_mobile(data: bytes, budget: Budget | None = None) -> bytes | None:
    """Each mobile told in parts after a phone word in `data` (see above), as "tel
    13912345678" lines; None when none. Found from its first part (a number of three or
    seven digits that begins as a mobile does, or one masked: a regex led by a literal "1",
    in C), then a phone word in the _TOLD_GAP bytes before it; a Python step per first part
    and per part is spent from `budget`. (A search for the phone words over the whole text
    cost ~40 us per 2 KB body.) Round 11: a number counted or priced ("139 calls, 1234
    items", "1234 条", "qty 1234", "¥1234") is no part, and a mask is filled only by a
    number labelled as its digits ("中间四位是1234", "middle: 1234"), not by a code, a year or
    an amount beside it ("139****5678, 验证码 4821")."""
    lines: list[bytes] = []
    end = 0
    for first in _TOLD_FIRST.finditer(data):
        start = first.start()
        if start < end or (start and data[start - 1] in _ASCII_DIGITS) or \
                _PLAIN_MOBILE.match(data, start) is not None:
            continue  # (a mobile written as one, "139 1234 5678": the digit rules read it)
        if _continues_number(data, start):
            continue  # (the groups of another number: "+66 92 196 8799", "paid_at": "2024")
        if budget is not None:
            budget.spend(1)
        words = [w.start() for w in _TOLD_MOBILE_WORDS.finditer(
            data[max(0, start - _TOLD_GAP):start].lower())]
        if words and _OTHER_KEY.search(data[max(0, start - _TOLD_GAP):start].lower(),
                                       words[-1]) is not None:
            continue  # (the word is another key's: "phone": 0.9259}, "quad": [175, 1121, ...)
        if words:
            anchor = max(0, start - _TOLD_GAP) + words[-1]  # (the last phone word before it)
        elif _TOLD_MOBILE_WORDS.search(data[start:start + _TOLD_AFTER_REACH].lower()) is None:
            continue
        else:
            anchor = -1  # (round 11: a phone word after the parts, checked once they are read)
        parts: list[bytes] = []
        fillers: list[bytes] = []  # (numbers labelled as a mask's digits)
        end = kept = start
        plain = True
        while len(parts) < 4:
            if budget is not None:
                budget.spend(1)
            part = _TOLD_MOBILE_PART.search(data, end, end + _TOLD_GAP)
            if part is None:
                break
            if _a_measure(data, part.start(), part.end()):
                break
            end = part.end()
            if _TOLD_COUNT.match(data, end) is not None:
                continue  # "the last 4 digits", "后4位": where a part is, not a part
            if parts and data[part.start() - 1] in _TOLD_WORD_BYTES:
                continue  # (a digit of a word or a key: "middle4", "part_2")
            if _TOLD_QUANTITY.match(data, end) is not None:
                break  # "139 人", "1234 条": a count
            gap = data[kept:part.start()]
            if parts and gap.strip(_SEPARATORS_BYTES):  # (words between: checked)
                if _FILL_LABEL.search(gap[-_FILL_REACH:].lower()) is not None:
                    fillers.append(part.group())
                elif not _told_gap(gap):
                    break  # "139 calls, then 1234 items", "qty 1234", "¥1234": counts, amounts
                plain = False
            parts.append(part.group())
            kept = end
        if plain and not any(_MASK.search(p) for p in parts):
            continue  # (parts with separators alone: one run, read by the digit rules)
        if anchor < 0:
            if not _phone_word_after(data, kept):
                end = start + 1  # (its parts may be another mobile's: not skipped)
                continue
            anchor = start
        before = [m.group() for m in _LONE_NUMBER.finditer(
            data, max(0, anchor - 2 * _TOLD_GAP), anchor)
            if _FILL_LABEL.search(data[max(0, m.start() - _FILL_REACH):m.start()].lower())
            ][-1:]  # (a mask's part told first, labelled)
        mobile = _told_mobile_digits(parts, plain, fillers + before)
        if mobile is not None:
            lines.append(b"tel " + mobile)
    return b"\n".join(lines) if lines else None


# Round 11's miss: a part told in Chinese numerals among digit parts ("手机号一三九, 中间1234,
# 尾号5678"): for the told mobiles only, a run of three, four, seven or eight numerals is read
# as its digits (runs of seven or more are digits already, see _prepared; shorter ones are
# words elsewhere: "一二", "三个"). The numerals a phone number is dictated in (the financial
# and old forms are left out: the lead and continuation bytes of all of them make three in a
# row of most Chinese text, the common ones of none of the bench's): found with a byte search
# of their skeleton; the parts still need a phone word, joining words and a mobile's digits.
_CN_TOLD_CHARS = "一二三四五六七八九\u3007\u25cb零两兩幺洞"
_CN_TOLD_RUN = re.compile(f"(?<![{CN_NUMERAL_CHARS}])(?:[{_CN_TOLD_CHARS}]{{7,8}}"
                          f"|[{_CN_TOLD_CHARS}]{{3,4}})(?![{CN_NUMERAL_CHARS}])")


_CN_TOLD_SKELETON = _cn_skeleton(_CN_TOLD_CHARS, b"")


def _told_numerals(data: bytes) -> bytes:
    """`data` with each run of three, four, seven or eight Chinese numerals as its digits (for
    _told_mobile: see above); `data` itself when it holds none."""
    if data.isascii() or data.translate(_CN_TOLD_SKELETON).find(b"LccLccLcc") < 0:
        return data
    text = data.decode("utf-8", "replace")
    read = _CN_TOLD_RUN.sub(lambda m: m.group().translate(_CN_DIGITS), text)
    return read.encode("utf-8", "replace") if read != text else data


# Round 24: a told part said in three or four English digit words among parts in digits ("my
# number is one three nine, then 1234 and 5678"): the words as digits, for _told_mobile only
# (whose parts follow a phone word and make a mobile's 3-4-4). Looked for where seven digits
# or more stand in the text (the other parts), at each "one" found by a byte search.
_TOLD_WORDS_RUN = re.compile(
    rb"(?<![A-Za-z])(?:zero|one|two|three|four|five|six|seven|eight|nine)(?:[ ,-]{1,3}+"
    rb"(?:zero|one|two|three|four|five|six|seven|eight|nine)){2,3}+(?![A-Za-z])",
    re.IGNORECASE)
# (where a run may begin: "one", as a mobile's first part does, found with a byte search; a
# later part said in words, or capitalised, is not read: each search costs ~1-2 us per 2 KB
# body, the round's budget)
_TOLD_WORDS_LEADS = (b"one",)
_TOLD_WORDS_DIGITS = {"zero": b"0", "one": b"1", "two": b"2", "three": b"3", "four": b"4",
                      "five": b"5", "six": b"6", "seven": b"7", "eight": b"8", "nine": b"9"}
_TOLD_WORDS_PART = re.compile(rb"[a-z]+")


def _told_words(data: bytes) -> bytes:
    """`data` with each run of three or four English digit words as its digits (see above);
    `data` itself when it holds none. Called where seven digits or more stand in it."""
    runs: list[tuple[int, int, bytes]] = []
    for lead in _TOLD_WORDS_LEADS:
        pos = data.find(lead)
        while pos >= 0:
            m = _TOLD_WORDS_RUN.match(data, pos)
            if m is not None:
                runs.append((m.start(), m.end(), b"".join(
                    _TOLD_WORDS_DIGITS[w.decode()] for w in _TOLD_WORDS_PART.findall(
                        m.group().lower()))))
            pos = data.find(lead, pos + 1)
    if not runs:
        return data
    pieces: list[bytes] = []
    last = 0
    for start, end, digits in sorted(runs):
        if start >= last:
            pieces += (data[last:start], digits)
            last = end
    return b"".join(pieces) + data[last:]


# Round 11's miss: the phone word after the parts ("139 then 1234 then 5678 is my mobile",
# "139, 然后1234, 然后5678是我的手机号"). Looked for only when a phone word is within
# _TOLD_AFTER_REACH bytes after a first part (one search of a slice); the parts are then read
# as after a word before them, and kept only when the phone word follows the last one, the
# sentence saying that they are it: a copula between ("is my mobile", "是我的手机", "was her
# cell"), only such small words, and the word whole ("5678 calls", "5678 telescopes": counts).
_TOLD_AFTER_REACH = 4 * _TOLD_GAP
_TOLD_AFTER_WORDS = frozenset(b"""is was are were be s my our his her their your the that this
    also still here it its actually number no""".split())
_TOLD_COPULAS = frozenset((b"is", b"was", b"are", b"were", b"s", "是".encode(), "为".encode(),
                           "為".encode()))
_TOLD_AFTER_HAN = frozenset("是为為我的他她你您们們就也这這那即")
_TOLD_AFTER_WORD = re.compile("[A-Za-z]+|[\u4e00-\u9fff]")
_TOLD_AFTER_MARKS = re.compile("[ \t,.:;'\u2019\uff0c\uff1a-]+")


def _phone_word_after(data: bytes, end: int) -> bool:
    """Whether a phone word follows told parts ending at data[end] with a copula between and
    only the small words above (see above)."""
    after = data[end:end + _TOLD_GAP]
    word = _TOLD_MOBILE_WORDS.search(after.lower())
    if word is None or after[word.end():word.end() + 1].isalpha():
        return False
    gap = after[:word.start()].decode("utf-8", "ignore")
    words = _TOLD_AFTER_WORD.findall(gap)
    if not any(w.encode().lower() in _TOLD_COPULAS for w in words):
        return False
    if _TOLD_AFTER_MARKS.sub("", _TOLD_AFTER_WORD.sub("", gap)):
        return False  # (digits or other marks between)
    return all(w.encode().lower() in _TOLD_AFTER_WORDS if w.isascii() else w in _TOLD_AFTER_HAN
               for w in words)


# What stands between two told parts: its first and last words (Latin letters) are words
# that join parts ("and then", "followed by", "ending", "middle") or none; a label or a unit
# ("ways", "qty", "total", "items") says the numbers are counts. Nor does the next part
# follow a currency sign.
_TOLD_JOINERS = frozenset(b"""and then next after followed follow following by plus is are was
    were be or the with ending ends end last lastly finally final middle mid first second third
    area rest dash space hyphen to at on in of it its s my me you that this one ones four three
    digits digit part group block bit remaining comes come again more also oh um uh so now
    starting starts start begins beginning before stars star hidden masked missing""".split())
_TOLD_JSON_KEY = re.compile(rb'"[^"]{0,40}+"[ \t]*+:')
_TOLD_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_TOLD_WORD_EDGES = re.compile(rb"^[^A-Za-z]*?([A-Za-z]+)|([A-Za-z]+)[^A-Za-z]*$")
_TOLD_AMOUNT = re.compile("(?:[$\u00a5\u20ac\u00a3\uffe5]|rmb|usd|cny)[ \t]*$".encode(),
                          re.IGNORECASE)
# Chinese measure words right after a number: it counts something ("139 人", "1234 条消息"),
# or is a place in an address ("139室", "139号楼")
_TOLD_QUANTITY = re.compile("[ \t]*(?:{})".format("|".join(
    "人个条次件元块分秒天年月日台辆本张页份套箱名家笔项岁米克斤万千百亿室楼层栋幢弄路街")).encode())


def _told_gap(gap: bytes) -> bool:
    """Whether `gap` (the text between two told parts) may join them (see above)."""
    if _TOLD_AMOUNT.search(gap) is not None:
        return False
    if len(gap) > 2 * _TOLD_GAP:
        return False
    if b'":' in gap:  # (JSON keys that name no field of their own, "note2", "b", "part_2",
        # are the structure's, not words of the text; "total", "qty" are labels: kept)
        gap = _TOLD_JSON_KEY.sub(lambda k: k.group() if _names_a_field(k.group()) else b" ", gap)
    if not all(word.lower() in _TOLD_JOINERS
               for m in _TOLD_WORD_EDGES.finditer(gap) for word in m.groups() if word):
        return False
    return gap.isascii() or all(
        c in _TOLD_JOINING_HAN for c in gap.decode("utf-8", "ignore") if "\u4e00" <= c <= "\u9fff")


# The Chinese characters of words that join told parts (然后, 接着, 中间, 尾号, 最后是, 后面,
# 开头, 再加上, 第二段, 剩下的, ...): a gap with any other ("库存", "邮编", "销量": a label)
# joins none.
_TOLD_JOINING_HAN = frozenset(
    "的了呢吧啊哦嗯还有就再又加上和跟与及以然后接着下来最前中间尾末头开结部分段号码数字位"
    "一二三四五六七八第是为剩其余补全隐藏星打边面半續续後號碼數後面開頭結間剩餘")


# A number fills a mask only when labelled as its digits (the middle, hidden or missing ones),
# in the _FILL_REACH bytes before it.
# (Latin labels as whole words: "interest", "arrest", "midnight" are none; the mask itself
# told equal to a number: "**** = 1234", "xxxx: 1234")
_FILL_LABEL = re.compile(
    rb"(?<![a-z])(?:middle|hidden|missing|masked|rest|fill|filled|blank|blanked|stars?|starred"
    rb"|covered)(?![a-z])|(?:\*{3,}|x{3,}|#{3,}|(?:\xe2\x80\xa2){3,}|(?:\xe2\x97\x8f){3,})[ \t]*"
    rb"(?:=|:|\xef\xbc\x9a|is |are )|" + "|".join((
        "中间(?!件)", "隐藏", "补全", "缺", "星号", "遮", "打码", "完整", "省略", "空", "隱藏",
        "補全", "中間")).encode())
_FILL_REACH = 32


_PLAIN_MOBILE = re.compile(rb"1[3-9][0-9](?:[ \-.]?[0-9]{4}){2}(?![0-9])")
_TOLD_FIRST = re.compile(
    "1[3-9][0-9](?:[0-9]{4}(?![0-9])|(?![0-9])|[0-9]{0,4}[ \\-.]?[*xX\u00d7#\u2022\u25cf]{3,5})"
    .encode())  # (round 11: 1391***5678 too, the mask after 4 to 7 digits)
_ASCII_DIGITS = frozenset(b"0123456789")


_LONE_NUMBER = re.compile(rb"(?<![0-9])[0-9]{3,5}(?![0-9])")


def _told_mobile_digits(parts: list[bytes], plain: bool, before: list[bytes]
                        ) -> bytes | None:
    """The mainland mobile that told parts make (a mask filled by a part labelled as its
    digits, or by such a number told just before the phone word: `before`), or None."""
    masked = next((i for i, p in enumerate(parts) if _MASK.search(p)), None)
    if masked is not None:
        head, mask, tail = _MASK.split(parts[masked], 1)[0], _MASK.search(
            parts[masked]), _MASK.split(parts[masked], 1)[1]
        assert mask is not None
        head, tail = head.strip(b" -."), tail.strip(b" -.")
        size = len(mask.group())
        filler = next((p for p in before if p.isdigit() and len(p) == size), None)
        if filler is None:
            return None
        number = head + filler + tail
    else:
        if plain or len(parts) < 2:
            return None
        for n in (3, 2):
            if tuple(len(p) for p in parts[:n]) in _TOLD_MOBILE_SIZES:
                number = b"".join(parts[:n])
                break
        else:
            return None
    if len(number) == 11 and number[:1] == b"1" and number[1:2] in b"3456789":
        return number
    return None


# Inline markup between two digits, which a page or a chat shows as nothing between them:
# HTML text-level elements and comments ("<b>139</b>12345678", "139<!-- -->12345678",
# "139<wbr>12345678") and Markdown emphasis and code marks ("**139**12345678", "`139`1234...").
# A line break (<br>) and the edge of a block or table cell show as a line break, which joins
# digit groups as a newline does ("<p>139</p><p>1234 5678</p>" reads as "139\n1234 5678",
# under the grouping rules of any digit run). Elements that show a number of their own
# (<sup>, <sub>) are not marks here. Nor is a run of three or more asterisks: a mask, empty
# emphasis that shows as it is (round 11: "139****5678" was read as 1395678, and the field
# beside it, {"mobile": "139****5678", "code": "4821"}, joined to it as a mobile).
_INLINE_MARKS = re.compile(
    rb"(?<=[0-9])(?:</?(?:b|i|u|s|em|strong|span|font|small|big|mark|code|kbd|tt|samp|var|ins"
    rb"|del|strike|a|abbr|bdi|bdo|nobr|wbr|br|p|div|li|td|th|tr|h[1-6]|dd|dt|pre|blockquote)"
    rb"(?:[ \t/][^<>]{0,200})?>|<!--[^<>]{0,200}?-->|(?<!\*)\*\*(?!\*)|~~|`|[ \t\r\n])++"
    rb"(?=[0-9Xx])",
    re.IGNORECASE)
_LINE_BREAK = re.compile(
    rb"<(?:br|/?(?:p|div|li|td|th|tr|h[1-6]|dd|dt|pre|blockquote))[ \t/>]", re.IGNORECASE)


_CELL_EDGE = re.compile(rb"</?t[dh][ \t/>]", re.IGNORECASE)
_ROW_START = re.compile(rb"<tr[ \t>]", re.IGNORECASE)
_ROW_END = re.compile(rb"</tr[ \t>]", re.IGNORECASE)
_BLOCK_START = re.compile(rb"<(?:p|div|li|h[1-6]|dd|dt|pre|blockquote)[ \t>]", re.IGNORECASE)
_BLOCK_END = re.compile(rb"</(?:p|div|li|h[1-6]|dd|dt|pre|blockquote)[ \t>]", re.IGNORECASE)
_TAG = re.compile(rb"<[^<>]{0,200}>")
_ROW_REACH = 120  # bytes looked at either side of an edge for its row's or blocks' words
# A letter in the text between tags (after a tag's end: what precedes the first one may be
# the rest of a tag cut by the window, and is left out)
_TEXT_LETTER = re.compile(rb">[^<>]*?[A-Za-z\x80-\xff]")


class _Edges:
    """Where rows and blocks start and end in a page, found once (four linear searches), so
    that each edge between digits finds its row or blocks by bisection."""

    def __init__(self, data: bytes):
        self.data = data
        self.row_starts = [m.start() for m in _ROW_START.finditer(data)]
        self.row_ends = [m.start() for m in _ROW_END.finditer(data)]
        self.block_starts = [m.start() for m in _BLOCK_START.finditer(data)]
        self.block_ends = [m.start() for m in _BLOCK_END.finditer(data)]
        # where text (between tags) holds a letter: most edges have none near them
        self.letters = [m.end() - 1 for m in _TEXT_LETTER.finditer(data)]
        self.known: dict[tuple[int, int], bool] = {}  # whole rows and blocks decided

    def labelled(self, start: int, end: int, cell: bool) -> bool:
        """Whether the row around the cell edge data[start:end] (`cell`), or the blocks either
        side of the block edge, hold words besides their numbers, other than a phone word:
        "<tr><td>Ramen</td><td>162</td><td>9461</td><td>7894</td></tr>" (quantity, price and
        amount columns, or "Total" and three sums), "<p>Order 159</p><p>4049 0290</p>": its
        numbers are columns or lines, not one number written across cells or blocks (as
        "<tr><td>139</td><td>1234</td><td>5678</td></tr>", "<p>Tel: 139</p><p>1234 5678</p>"
        are). Bounded: _ROW_REACH bytes either side."""
        starts, ends = (self.row_starts, self.row_ends) if cell else (
            self.block_starts, self.block_ends)
        k = bisect.bisect_right(starts, start) - 1
        lo = max(start - _ROW_REACH, starts[k] if k >= 0 else 0, 0)
        k = bisect.bisect_left(ends, end)
        hi = min(end + _ROW_REACH, ends[k] if k < len(ends) else len(self.data))
        k = bisect.bisect_left(self.letters, lo)
        if k == len(self.letters) or self.letters[k] >= hi:
            return False  # no letter in the text near: numbers alone (most edges)
        whole = (lo, hi) if lo > start - _ROW_REACH and hi < end + _ROW_REACH else None
        if whole is not None and whole in self.known:
            return self.known[whole]  # (another edge of the same row: the same words)
        html = self.data[lo:start] + b"<>" + self.data[end:hi]
        found = _TEXT_LETTER.search(html) is not None and _PHONE_WORDS.search(
            _TAG.sub(b" ", html[html.find(b"<"):]).lower()) is None
        if whole is not None:
            self.known[whole] = found
        return found


def _unmarked(data: bytes) -> bytes | None:
    """`data` with markup between digits read as a page shows it (see _INLINE_MARKS): removed,
    a space where whitespace stood around it, a newline for a line break or a block's edge;
    None when there is none (byte searches decide most texts). Linear: one possessive match
    per digit, each mark bounded."""
    if b"<" not in data and b"*" not in data and b"`" not in data and b"~" not in data:
        return None  # (one-byte searches: memchr; "__" joins already, as a separator)
    count = 0
    edges: _Edges | None = None

    def mark(m: re.Match[bytes]) -> bytes:
        nonlocal count, edges
        text = m.group()
        if text.strip(b" \t\r\n"):
            count += 1  # (whitespace alone is a separator already: kept as it is)
        else:
            return text
        if _LINE_BREAK.search(text):
            if edges is None:
                edges = _Edges(data)
            if edges.labelled(m.start(), m.end(), _CELL_EDGE.search(text) is not None):
                count -= 1
                return text  # columns of a data row, labelled blocks: kept apart
            return b"\n"
        # (a page shows whitespace around marks as one space: "139 <b>1234</b>" is "139 1234")
        return b" " if len(text.translate(None, b" \t\r\n")) < len(text) else b""

    out = _INLINE_MARKS.sub(mark, data)
    return out if count else None


# Round 16: TeX spacing and grouping between digits, which the typeset page does not show as
# anything but the digits ("$139\\,1234\\,5678$", "139{}1234{}5678", "\\mathrm{139}\\mathrm{1234}
# ...", "139\\hspace{1pt}1234", "{\\rm 139}{\\rm 1234}"): spacing commands (with their
# argument or dimension), font and box commands, and braces, between two digits (and one of
# them at least: spaces and ~ alone are separators already; braces alone, see _tex_joint).
# Backslashes may be doubled (JSON).
_TEX_COMMANDS = (
    rb"thinspace|medspace|thickspace|negthinspace|negmedspace|negthickspace|enspace|enskip|quad"
    rb"|qquad|space|nobreakspace|nobreak|allowbreak|relax|displaystyle|textstyle|scriptstyle"
    rb"|mathord|mathrm|mathit|mathbf|mathsf|mathtt|mathnormal|mathup|text|textrm|textit|textbf"
    rb"|textsf|texttt|textup|textnormal|textmd|mbox|hbox|makebox|operatorname|rm|it|bf|tt|sf"
    rb"|boldsymbol|bm|num|ensuremath|mathstrut|strut|hfil|hfill|nolinebreak|linebreak|ignorespaces"
    # (round 17: decorations of their one argument, the digit group itself, whose braces are
    # bits: \\overline{1234}, \\boxed{139}, \\underline, \\emph, \\mathbb, \\hat ...)
    rb"|overline|underline|boxed|fbox|framebox|emph|uline|uuline|uwave|sout|xout|hl|ul|st|so"
    rb"|cancel|bcancel|xcancel|widehat|widetilde|hat|bar|tilde|vec|check|breve|mathring"
    rb"|overrightarrow|overleftarrow|underbrace|overbrace|smash|mathcal|mathbb|mathfrak|mathscr"
    rb"|textsc|textsl|textmd|textlf|mathbfit|symbf|symrm|symup|pmb|large|Large|small|footnotesize"
    rb"|normalsize|huge|Huge|tiny|scriptsize|bfseries|itshape|ttfamily|rmfamily|sffamily|upshape")
# (round 17: a command's first argument taken with it, the decoration's colour or size, the
# digit group after it a group: \\textcolor{red}{139}, \\color[rgb]{1,0,0}, \\colorbox{..}{..};
# \\fcolorbox takes two)
_TEX_ARGUMENT = (rb"hspace|hphantom|phantom|mspace|mathclap|mathrlap|mathllap|rlap|llap"
                 rb"|textcolor|color|colorbox|highlight|hlc|raisebox|scalebox")
_TEX_TWO_ARGUMENTS = rb"fcolorbox|resizebox"
_TEX_ARG = rb"[ \t]*+\{[^{}]{0,24}+\}"
_TEX_DIMENSION = rb"kern|mkern|hskip|mskip"
_TEX_BIT = (rb"(?:\\++(?:[,:;!> ]|(?:" + _TEX_COMMANDS + rb")(?![A-Za-z])\*?|(?:"
            + _TEX_ARGUMENT + rb")(?![A-Za-z])\*?(?:\[[^\]]{0,16}+\])?" + _TEX_ARG + rb"|(?:"
            + _TEX_TWO_ARGUMENTS + rb")(?![A-Za-z])\*?(?:\[[^\]]{0,16}+\])?" + _TEX_ARG
            + _TEX_ARG + rb"|(?:" + _TEX_DIMENSION
            + rb")(?![A-Za-z])[ \t]*+=?[ \t]*+-?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)[ \t]*+"
            rb"(?:em|ex|pt|mu|mm|cm|in|sp|bp|pc|dd)(?![A-Za-z]))|[{}])")
_TEX_JOINT = re.compile(rb"[0-9]((?:[ \t~]*+" + _TEX_BIT + rb")++[ \t~]*+)(?=[0-9])")
# (round 17: a digit group in a command's argument, decorated, coloured or set in a font, is
# its digits: "$139\\overline{1234}5678$", "\\textcolor{red}{139}", "\\fcolorbox{r}{y}{139}")
_TEX_DECORATED = re.compile(
    rb"\\++(?:(?:" + _TEX_COMMANDS + rb")(?![A-Za-z])\*?|(?:" + _TEX_ARGUMENT
    + rb")(?![A-Za-z])\*?(?:\[[^\]]{0,16}+\])?" + _TEX_ARG + rb"|(?:" + _TEX_TWO_ARGUMENTS
    + rb")(?![A-Za-z])\*?(?:\[[^\]]{0,16}+\])?" + _TEX_ARG + _TEX_ARG
    + rb")[ \t]*+\{([0-9][0-9 \t~]{0,23}+)\}")


# Round 17: TeX's thousands grouping, a thin (or medium, thick) space or {,} before groups of
# exactly three digits to the number's end ("13\\,912\\,345\\,678", as siunitx and every paper
# set a large amount), is a comma: an amount stays an amount as "13,912,345,678" does, while
# "139\\,1234\\,5678" (groups of four) is still joined.
# The number whole (not its last groups after a group of other size: "1\\,391\\,23X"), and
# not one of an ID's lengths (15, 18 digits: an ID so grouped is read as ever).
_TEX_THOUSANDS = re.compile(rb"(?<![0-9])(?<!\\[,:;])(?<!\{,\})[0-9]{1,3}+(?:(?:\\++[,:;]|\{,\})"
                            rb"[0-9]{3}+)++(?![0-9])(?!(?:\\++[,:;]|\{,\})[0-9A-Za-z])")
_TEX_THOUSANDS_MARK = re.compile(rb"\\++[,:;]|\{,\}")


def _tex(data: bytes) -> bytes | None:
    """`data` with TeX spacing and grouping between digits taken out (see _TEX_BIT), and its
    thousands separators as commas (see _TEX_THOUSANDS); None when there is none (for most
    texts _other_readings decides that: see _HINTS_TABLE)."""
    out = data
    if b"\\" in data or b"{,}" in data:
        out = _TEX_DECORATED.sub(rb"\1", _TEX_THOUSANDS.sub(_tex_thousands, out))
    out = _TEX_JOINT.sub(_tex_joint, out)
    return out if len(out) != len(data) else None


def _tex_thousands(m: re.Match[bytes]) -> bytes:
    """A number in TeX's thousands grouping (see _TEX_THOUSANDS) with commas between."""
    text = m.group()
    out = _TEX_THOUSANDS_MARK.sub(b",", text)
    return text if len(out) - out.count(b",") in (15, 18) else out


def _tex_joint(m: re.Match[bytes]) -> bytes:
    """One joint of _TEX_JOINT taken out, if a command or an empty group is in it: braces
    alone are arguments' ("\\frac{139}{12345678}", "x^{139}{1234}"), not one number's."""
    joint = m.group(1)
    return m.group()[:1] if b"\\" in joint or b"{}" in joint else m.group()


# Round 16: phone-keypad letters in a mobile (a vanity number, "139-1ADG-JMPT", "+86 1DW 1ADG
# JMPT": A-C are 2, D-F 3, ... W-Z 9 on every keypad), read as the digits a dialer dials, only
# where the run is said to be a mainland mobile's by more than its letters: after +86 / 0086
# or a phone word (round 17: only there; the shape alone, 1[3-9]x first and grouped 3-4-4 /
# 3-8 / 7-4, is every SKU's, voucher's, tracking number's and order reference's). Capitals or
# lower case (round 17: "+86 139-1adg-jmpt", typed on a phone), 11 characters (with
# separators between); a North American 1-800 number ("1-800-FLOWERS") stays as it is.
_KEYPAD_GATE = re.compile(rb"[0-9][ .\-()]{0,2}[A-Za-z]")  # (a digit, then a letter)
_KEYPAD_NUMBER = re.compile(rb"(?<![0-9A-Za-z+])(?:(\+ ?86|0086)[ \-.]?\(?)?"
                            rb"(1(?:[ \-.()]{0,2}[0-9A-Za-z]){10})(?![0-9A-Za-z])")
_KEYPAD_DIGITS = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                 b"22233344455566677778889999" * 2)
_KEYPAD_NORTH_AMERICAN = re.compile(rb"1[ \-.]?8(?:00|88|77|66|55|44|33)(?:[ \-.]|[A-Za-z])")
_KEYPAD_REACH = 24
_KEYPAD_LOWER_WORD = re.compile(rb"[a-z]{5}")


_KEYPAD_SEPARATORS = b" -.()"


def _keypad_grouping_ok(body: bytes) -> bool:
    """Whether the separators of a keypad mobile `body` part it as a mobile is parted: none,
    after its 3rd, 4th and/or 7th character (3-4-4, 3-8, 7-4, a vanity 4-3-4 "1391-ADG-JMPT"),
    or after every character. A point
    after five digits is an amount's: "16518.67cell" is an RTF table's amount and its cell
    control word (a phone word), read as 165 1867 2355 in 105 of 300 RTF invoices."""
    positions, count = set(), 0
    for c in body:
        if c in _KEYPAD_SEPARATORS:
            positions.add(count)
        else:
            count += 1
    return positions <= {3, 4, 7} or positions >= set(range(1, 11))


def _keypad(data: bytes) -> bytes | None:
    """`data` with the keypad letters of a mobile read as digits (see _KEYPAD_NUMBER); None
    when there is none (for most texts _other_readings decides that: see _HINTS_TABLE)."""
    out: bytearray | None = None
    done = 0
    for gate in _KEYPAD_GATE.finditer(data):
        if gate.start() < done:
            continue
        hi = gate.end() + _KEYPAD_REACH
        for m in _KEYPAD_NUMBER.finditer(data, max(0, gate.start() - _KEYPAD_REACH), hi):
            if m.end() >= hi and hi < len(data):
                continue  # (cut by the window: the run goes on)
            body = m.group(2)
            if not _keypad_grouping_ok(body):
                continue  # (an amount and a word: "16518.67cell", RTF's cell control word)
            # (max < 65: no letter in it; lower case only after the mobile prefix in digits
            # and in groups of four letters at most, as a keypad word of a 4-4 mobile is:
            # "tel 1 hour before", "tel 139 hours ago" and "\\overline" are words)
            if (max(body) < 65 or m.start(2) > gate.start() + 1 or m.end(2) <= gate.start()
                    or (m.group(1) is None and (_KEYPAD_NORTH_AMERICAN.match(body) or not _context(
                        data, m.start(), _PHONE_WORDS)))
                    or (body != body.upper() and not (
                        body[:3].isdigit() and body[1] in b"3456789"
                        and _KEYPAD_LOWER_WORD.search(body) is None))):
                continue
            if out is None:
                out = bytearray(data)
            out[m.start(2):m.end(2)] = body.translate(_KEYPAD_DIGITS)
            done = m.end()
    return bytes(out) if out is not None else None


# Round 16: digits said in Japanese kun readings, the hifumi count (hito/hi, futa/fu, mi, yo,
# itsu, mu, nana, ya, kokono, to; ひと ふた み よ いつ む なな や ここの とお), mixed with on
# readings and zeros (rei, maru, zero): seven words or more in a row, only after a phone word
# (電話, denwa, tel ...: these words are everyday syllables, "mi", "ya", "to"). Gated in C:
# hiragana in the text, or a stretch of the romaji words' letters (see _KUN_TABLE).
_KUN_DIGITS = {
    "rei": "0", "maru": "0", "zero": "0", "to": "0", "too": "0", "tou": "0", "t\u014d": "0",
    "hito": "1", "hii": "1", "h\u012b": "1", "hi": "1", "ichi": "1", "futa": "2", "fuu": "2",
    "f\u016b": "2", "fu": "2", "ni": "2", "mi": "3", "san": "3", "yo": "4", "yon": "4",
    "shi": "4", "itsu": "5", "go": "5", "mu": "6", "roku": "6", "nana": "7", "shichi": "7",
    "ya": "8", "hachi": "8", "kokono": "9", "kyuu": "9", "kyu": "9", "ku": "9",
    "れい": "0", "まる": "0", "ぜろ": "0", "とお": "0", "と-": "0", "ひと": "1", "ひい": "1",
    "ひ-": "1", "いち": "1", "ふた": "2", "ふう": "2", "ふ-": "2", "に": "2", "み": "3",
    "さん": "3", "よん": "4", "よ": "4", "いつ": "5", "ご": "5", "む": "6", "ろく": "6",
    "なな": "7", "しち": "7", "や": "8", "はち": "8", "ここの": "9", "きゅう": "9", "きゅ-": "9",
    "く": "9"}
_KUN_WORD = "|".join(re.escape(w) for w in sorted(_KUN_DIGITS, key=len, reverse=True))
_KUN_RUN = re.compile(f"(?<![a-z\u00c0-\u024f])(?:{_KUN_WORD})"
                      f"(?:[\\s,.、・/_-]*+(?:{_KUN_WORD})){{6,}}(?![a-z\u00c0-\u024f])")
_KUN_PART = re.compile(_KUN_WORD)
_KUN_ASCII = frozenset(w.encode() for w in _KUN_DIGITS if w.isascii())
_KUN_SPACES = bytes.maketrans(b",/_\t-", b"     ")
_KUN_TABLE = bytes(ord("w") if chr(c) in "hitofuamynskrezcgHITOFUAMYNSKREZCG ,-/_\t" or c in (
    0xC4, 0xC5, 0xAB, 0x8D) else ord(".") for c in range(256))
_KUN_STRETCH = b"w" * 20  # seven words of two letters at least, and six marks between
_KUN_PHONE_WORDS = _any_of(b"denwa", "でんわ", b"keitai", "けいたい", "携帯")
# (round 24: and the words of an identity card or of a number, after which an ID or a number
# is said the same way: 身分証, マイナンバー (its long vowel mark as the text is read), 番号;
# byte searches, not more alternatives of the gate's regex: three of them begin with the kana
# lead byte E3, which a hostile text repeats, and each such byte then tried them: +0.3 s/MB)
_KUN_ID_WORDS = (*(w.encode() for w in ("身分証", "身分證", "みぶんしょう", "マイナンバ-", "番号",
                                        "番號", "ばんごう")), b"bangou", b"bango", b"mibunsho")
_KUN_REACH = 40  # bytes before a run where its phone word is looked for
# (round 23: the phone words without their lookarounds, searched once in the whole text: a
# run is taken only after one, so with none the whole kana text is not translated and
# searched (a charset's reading of MPEG frame headers, halfwidth katakana by the MB))
_KUN_GATE = re.compile(re.sub(rb"\(\?<?!\[a-z\]\)", b"", _PHONE_WORDS.pattern) + b"|"
                       + _KUN_PHONE_WORDS.pattern)


_KATA_AS_HIRA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def _kun(data: bytes) -> bytes | None:
    """`data` with each run of Japanese digit words after a phone word written in digits
    (see _KUN_DIGITS); None when there is none."""
    if b"\xe3" in data and (b"\xe3\x81" in data or b"\xe3\x82" in data
                            or b"\xe3\x83" in data):
        lower = data.lower()
        if _KUN_GATE.search(lower) is None and not any(w in lower for w in _KUN_ID_WORDS):
            return None  # (no phone word anywhere: no run is taken, see _KUN_GATE)
        spans = [(0, len(data))]  # kana: the whole text is read
    else:
        skeleton = data.translate(_KUN_TABLE)
        spans = []
        pos = skeleton.find(_KUN_STRETCH)
        while pos >= 0:
            end = skeleton.find(b".", pos)
            end = len(skeleton) if end < 0 else end
            spans.append((pos, end))
            pos = skeleton.find(_KUN_STRETCH, end)
        if not spans:
            return None
        # (four of the words at least: most stretches of _KUN_TABLE's letters are English)
        spans = [(lo, hi) for lo, hi in spans if sum(
            w in _KUN_ASCII for w in data[lo:hi].lower().translate(_KUN_SPACES).split()) >= 4]
    pieces: list[bytes] = []
    last = 0
    for lo, hi in spans:
        # (katakana as hiragana, as a form's readings field writes them: round 17; each is
        # three bytes in UTF-8 as its hiragana is, so offsets hold)
        text = data[lo:hi].decode("utf-8", "surrogateescape").lower().translate(_KATA_AS_HIRA)
        for m in _KUN_RUN.finditer(text):
            start = lo + len(text[:m.start()].encode("utf-8", "surrogateescape"))
            before = data[max(0, start - _KUN_REACH):start].lower()
            if _PHONE_WORDS.search(before) is None and _KUN_PHONE_WORDS.search(
                    before) is None and not any(w in before for w in _KUN_ID_WORDS):
                continue
            said = "".join(_KUN_DIGITS[w] for w in _KUN_PART.findall(m.group()))
            pieces.append(data[last:start])
            pieces.append(said.encode())
            last = lo + len(text[:m.end()].encode("utf-8", "surrogateescape"))
    if not pieces:
        return None
    pieces.append(data[last:])
    return b"".join(pieces)


# Where TeX (_tex) or keypad letters (_keypad) could stand between digits, decided in C for
# the whole text: a backslash (memchr), or on the text with its separators deleted, digits as
# 0, capitals as A, lower case as a, { } as o c: a digit then two letters of one case (keypad
# letters; no ISO "T12:00"), or a digit then an empty group (searches with literals: sre's
# fast prefix search).
_HINTS_TABLE = bytes(ord("0") if 48 <= c <= 57 else ord("A") if 65 <= c <= 90 else ord(
    "a") if 97 <= c <= 122 else ord({123: "o", 125: "c"}.get(c, ".")) for c in range(256))
_HINTS_DELETED = b" \t.-()~"
_KEYPAD_HINT = re.compile(rb"0AA|0aa")
_EMPTY_GROUP_HINT = re.compile(rb"0oc")


# Digits said in English (transcripts of calls and voice notes, forms filled in words): "one
# three nine, double one ...". A run of seven words or more (digits may mix in) is a number.
_SAID_DIGITS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
                "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9"}
# Numbers said in pairs ("one thirty-nine, twelve thirty-four, fifty-six seventy-eight"): a
# teen is two digits, a tens word its digit and the unit after it (or 0: "twenty oh five").
_SAID_TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
               "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
               "eighteen": "18", "nineteen": "19"}
_SAID_TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6",
              "seventy": "7", "eighty": "8", "ninety": "9"}
_SAID_UNITS = frozenset(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
_SAID_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_SAID_SEPARATORS = b" \t\r\n,.;:/_()[]|\"'-"
_SAID_WORD = (rb"(?:" + b"|".join(w.encode() for w in (
    *_SAID_DIGITS, *_SAID_TEENS, *_SAID_TENS, *_SAID_REPEAT)) + rb"|[0-9]+)")
# (an ID's check character X may end a run, as a word of its own: "..., seven, X")
# (six words or more: said in pairs, "one fifty, ten ten, ten ten" is eleven digits in six;
# a run written is kept only when it holds seven digits or more)
# (and "and" between groups, as numbers are dictated: "one three nine and one two three four
# and ...", missed before round 9: the word ended the run)
_SAID_RUN = re.compile(rb"(?<![a-z0-9])" + _SAID_WORD + rb"(?:[" + re.escape(_SAID_SEPARATORS)
                       + rb"]+(?:and[" + re.escape(_SAID_SEPARATORS) + rb"]+)?" + _SAID_WORD
                       + rb"){5,}(?:[" + re.escape(_SAID_SEPARATORS)
                       + rb"]+x(?![a-z0-9-]))?(?![a-z0-9])")


def _said_table() -> bytes:
    table = bytearray(b"." * 256)
    # The letters of the ten digit words (and "oh"), digits, which may stand among them, and
    # the separators of running text. Not the letters of double/triple/nil/nought (with them,
    # and with quotes and brackets, most JSON is one long stretch: 35 us per 2 KB body to rule
    # out, measured under load): a number said with those needs four plain words in a row.
    # (and the y and l of the tens words and of eleven and twelve: "fifty-six seventy-eight",
    # "one fifty, eleven oh zero, ...": stretches such as "OCR result for" that these letters
    # add cost ~4 us per 2 KB KYC body, each ruled out in C by counting its digit words)
    for letter in set("zeroonetwothreefourfivesixseveneightnineoh" "yl"):
        table[ord(letter)] = table[ord(letter.upper())] = ord("w")
    for c in b"0123456789 \t\r\n,.;/_-()[]|\"'":
        table[c] = ord("w")
    return bytes(table)


# Seven said digits hold four words in a row at least (13 characters or more, all letters of
# those words, digits or separators): a byte table and one search rule out most text; a
# stretch found must hold two digit words and three digit words or numbers (not a date)
# before the whole text is read.
_SAID_TABLE = _said_table()
_SAID_STRETCH = b"w" * 13
_DIGIT_RUNS = re.compile(rb"[0-9]+")
_SAID_WORDS = frozenset(w.encode() for w in (*_SAID_DIGITS, *_SAID_TEENS, *_SAID_TENS))
# A digit word standing as a word of its own (lower case): the words of _SAID_WORDS found in C
_SAID_WHOLE = re.compile(rb"(?<![a-z])(?:" + b"|".join(w.encode() for w in sorted(
    (*_SAID_DIGITS, *_SAID_TEENS, *_SAID_TENS), key=len, reverse=True)) + rb")(?![a-z])")
_NOT_LETTERS = re.compile(rb"[^a-z]+")




# Digit words run together ("onethreenine", "OneThreeNine"): a word made of two digit words
# or more (no English word is; "o" is left out: "ooh" is a word).
_SAID_GLUED = re.compile(rb"(?<![A-Za-z])(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
                         rb"{2,}(?![A-Za-z])", re.IGNORECASE)
_SAID_PARTS = re.compile(rb"zero|oh|one|two|three|four|five|six|seven|eight|nine")
_GLUED_WORD = re.compile(rb"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine){3,}")
# Letters of digit words only (no separator, no digit): nine in a row or more are where three
# digit words run together could be ("oneonesix"); each such word is then checked whole.
_GLUED_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("w") if chr(c).lower() in "zeroonetwothreefourfivesixseveneightnineoh" else ord(".")
    for c in range(256)))
_GLUED_STRETCH = b"w" * 9


def _stretches(data: bytes, table: bytes, least: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch of `data` whose bytes `table` maps to "w", at least
    len(`least`) long (`least` is that many "w"): found with byte searches, in C."""
    skeleton = data.translate(table)
    pos = skeleton.find(least)
    while pos >= 0:
        end = skeleton.find(b".", pos)
        end = len(skeleton) if end < 0 else end
        yield pos, end
        pos = skeleton.find(least, end)


def _says_glued(data: bytes) -> bool:
    """A word of three digit words run together or more ("onethreenine") in `data`."""
    return any((pos == 0 or not data[pos - 1:pos].isalpha())
               and (end == len(data) or not data[end:end + 1].isalpha())
               and _GLUED_WORD.fullmatch(data[pos:end].lower()) is not None
               for pos, end in _stretches(data, _GLUED_TABLE, _GLUED_STRETCH))

# Digits said in Mandarin and written in pinyin (transcripts, forms filled in Latin letters):
# "yao san jiu yi er san si wu liu qi ba" is 13912345678 (yao, the 1 of phone numbers; liang
# for 2), with tone marks or without, spaced or run together. Seven syllables in a row or
# more are read as the English words (so the runs of said digits hold them): single
# syllables are names and words (Liu, Wu, Yi), seven digit syllables in a row are neither.
# (Not the radio operators' dong, guai and gou for 0, 7 and 9: with their letter d in the
# prefilter's table, most English prose made stretches to rule out.)
_PINYIN_DIGITS = {"ling": "zero", "yao": "one", "yi": "one", "er": "two", "liang": "two",
                  "san": "three", "si": "four", "wu": "five", "liu": "six", "qi": "seven",
                  "ba": "eight", "jiu": "nine"}
_PINYIN_SYLLABLE = (rb"(?:" + b"|".join(w.encode() for w in sorted(_PINYIN_DIGITS, key=len,
                                                                    reverse=True)) + rb")")
# (a tone may be written as a number after its syllable: "yao1 san1 jiu3")
_PINYIN_RUN = re.compile(rb"(?<![A-Za-z0-9])" + _PINYIN_SYLLABLE + rb"[1-5]?(?:[ \t,;/_\-'\"]*"
                         + _PINYIN_SYLLABLE + rb"[1-5]?){6,}(?:[ \t,;/_\-'\"]*x)?(?![A-Za-z0-9])",
                         re.IGNORECASE)
_PINYIN_PARTS = re.compile(_PINYIN_SYLLABLE, re.IGNORECASE)
# The tone-marked vowels, for reading pinyin only.
_TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙ",
                          "aaaaeeeeiiiioooouuuuuuuuuAAAAEEEEIIIIOOOOUUUU")
_TONE_MARKED = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙ]")


def _pinyin_table() -> bytes:
    table = bytearray(b"." * 256)
    for letter in set("".join(_PINYIN_DIGITS)):
        table[ord(letter)] = table[ord(letter.upper())] = ord("w")
    for c in b" \t,;/_-'\"12345":
        table[c] = ord("w")
    for c in (*b"\xc3\xc4\xc5\xc7", *range(0x80, 0xC0)):  # tone-marked vowels, as UTF-8
        table[c] = ord("w")
    return bytes(table)


_PINYIN_TABLE = _pinyin_table()
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PINYIN_STRETCH = b"w" * 14  # seven syllables of two letters at least


def _toneless(data: bytes) -> bytes:
    """UTF-8 `data` with pinyin's tone marks taken off (only when it holds one)."""
    if data.isascii():
        return data
    text = data.decode("utf-8", "replace")
    if _TONE_MARKED.search(text) is None:
        return data
    return text.translate(_TONELESS).encode("utf-8", "replace")


def _says_pinyin(data: bytes) -> bool:
    """Seven pinyin digit syllables or more in a row somewhere in `data` (tones taken off)."""
    for pos, end in _stretches(data, _PINYIN_TABLE, _PINYIN_STRETCH):
        piece = _toneless(data[max(0, pos - 1):end + 1])  # (the byte before: a word's?)
        # (most stretches are JSON punctuation around a key or two: too few letters)
        if len(piece) - len(piece.translate(None, _ASCII_LETTERS)) >= 14 and \
                _PINYIN_RUN.search(piece) is not None:
            return True
    return False


# A list's separators (JSON arrays, CSV, TSV, "a; b", "a / b"), and a word written as a name
# is (capitalised, or in capitals as passports and OCR give it; a tone number may follow).
_LIST_SEPARATORS = re.compile(rb"[,;/\"\t]+")
_NAME_WORD = re.compile(rb"(?:[A-Z][a-z]*|[A-Z]+)[1-5]?")


def _pinyin_names(run: bytes) -> bool:
    """Whether a run of pinyin digit syllables is a list of names ("Yao Si Qi", "Liu Yi Ling",
    "Liang Wu", "WU YILING": directors, household members): items between list separators,
    each of two or three syllables (the first and last one to three: the run may begin or end
    inside a name, "Tan Wei Yi"), every word written as a name is. A number said in pinyin is
    one item, or one syllable an item ("Yao", "San", ...), or grouped as numbers are (three
    and four syllables: "Yao San Jiu, Yao Er San Si, ...")."""
    items = [item.strip(b" -'_") for item in _LIST_SEPARATORS.split(run)]
    items = [item for item in items if item]
    if len(items) < 3:
        return False  # (two items of three syllables at most are too few for a number)
    for n, item in enumerate(items):
        syllables = len(_PINYIN_PARTS.findall(item))
        least = 1 if n in (0, len(items) - 1) else 2
        if not least <= syllables <= 3 or not all(
                _NAME_WORD.fullmatch(w) for w in re.split(rb"[ \-'_]+", item)):
            return False
    return True


# Digits said in Malay and Indonesian (forms filled in words, transcripts of calls in
# Singapore, Malaysia and Indonesia): "satu tiga sembilan satu dua tiga empat ..." is
# 13912345678 (kosong or nol for 0, lapan in Malay and delapan in Indonesian for 8), spaced
# or run together. Seven words in a row or more are read as the English words (so the runs of
# said digits hold them, digits mixed in too); fewer are words ("lima", "satu dua tiga").
_MALAY_DIGITS = {"kosong": "zero", "nol": "zero", "satu": "one", "dua": "two",
                 "tiga": "three", "empat": "four", "lima": "five", "enam": "six",
                 "tujuh": "seven", "delapan": "eight", "lapan": "eight", "sembilan": "nine"}
_MALAY_WORD = (rb"(?:" + b"|".join(w.encode() for w in sorted(_MALAY_DIGITS, key=len,
                                                               reverse=True)) + rb")")
# (each word ends a word or runs into the next: a run that ends inside a longer word stops
# before it instead of failing, so a long run is never read again from each of its words;
# seven words, numbers may stand between them)
_MALAY_ITEM = _MALAY_WORD + rb"(?:(?![A-Za-z])|(?=" + _MALAY_WORD + rb"))"
_MALAY_GAP = rb"[" + re.escape(_SAID_SEPARATORS) + rb"]*+"
_MALAY_RUN = re.compile(rb"(?<![A-Za-z0-9])" + _MALAY_ITEM + rb"(?:" + _MALAY_GAP +
                        rb"(?:[0-9]++(?![A-Za-z])" + _MALAY_GAP + rb")*+" + _MALAY_ITEM +
                        rb"){6,}+", re.IGNORECASE)
_MALAY_PARTS = re.compile(_MALAY_WORD, re.IGNORECASE)
# The letters of the words (either case), digits and separators: seven words are 21 of them
# in a row at least; a byte table and one search find where such runs could be (in C), and
# only there is the pattern tried (base64 photo data holds "satu" and "dua" by chance).
_MALAY_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("w") if chr(c).lower() in set("".join(_MALAY_DIGITS)) or chr(c) in "0123456789" or
    c in _SAID_SEPARATORS else ord(".") for c in range(256)))
_MALAY_STRETCH = b"w" * 21


def _malay_runs(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch of `data` that holds a run of Malay digit words. (Every
    identifier said in them holds a "satu" or a "dua": a mobile starts with 1, an ID's birth
    year with 19 or 20. Two byte searches rule out most text in C: prose holds stretches.)"""
    lower = data.lower()
    if b"satu" not in lower and b"dua" not in lower:
        return
    for pos, end in _stretches(data, _MALAY_TABLE, _MALAY_STRETCH):
        if _MALAY_RUN.search(data, pos, end) is not None:
            yield pos, end


def _says_malay(data: bytes) -> bool:
    """Seven Malay or Indonesian digit words or more in a row somewhere in `data`."""
    return next(_malay_runs(data), None) is not None


def _malay_in_english(data: bytes, budget: Budget | None = None) -> bytes:
    """`data` with runs of Malay or Indonesian digit words as English digit words."""
    pieces: list[bytes] = []
    last = 0
    for pos, end in _malay_runs(data):
        for m in _MALAY_RUN.finditer(data, pos, end):
            if budget is not None:
                budget.spend(len(m.group()) // 2)  # (a Python step per word)
            pieces.append(data[last:m.start()])
            pieces.append(_MALAY_PARTS.sub(
                lambda w: b" " + _MALAY_DIGITS[w.group().lower().decode()].encode() + b" ",
                m.group()))
            last = m.end()
    pieces.append(data[last:])
    return b"".join(pieces)


# Digits said in the other languages of the region and its neighbours: Japanese (kana,
# hiragana or katakana, halfwidth too, and romaji), Korean (the Sino-Korean syllables in
# Hangul), Thai, Vietnamese (with its diacritics or without) and Tagalog. "いち さん きゅう ...",
# "일삼구일이삼사오육칠팔", "một ba chín ..." and "isa tatlo siyam ..." are 13912345678 to a reader,
# spaced, run together or with digits mixed in. Each word alone is an ordinary word (Japanese
# に and ご are particles, さん the "Mr" of Tanaka-san; Korean 이 is "this", 일 "work";
# Vietnamese "ba" is "father", "năm" "year", "không" "not"): as with pinyin and Malay, seven
# digit words in a row or more are read as the English words (so the runs of said digits hold
# them); fewer are words. Alternative readings are digits too: し/よん 4, しち/なな 7, く/きゅう 9,
# れい/ぜろ/まる 0; Korean 공/영/빵 0; Vietnamese linh 0, tư 4, lăm 5, bẩy 7; Thai โท, the 2 of
# phone numbers. (Vietnamese is read with its diacritics as written, or without any: "làm"
# and "từ", "do" and "from", are no digits, "lam" and "tu" written without marks are.)
_KANA_DIGITS = {"ぜろ": "zero", "れい": "zero", "まる": "zero", "いち": "one", "に": "two",
                "さん": "three", "よん": "four", "し": "four", "ご": "five", "ろく": "six",
                "なな": "seven", "しち": "seven", "はち": "eight", "きゅう": "nine",
                "きゅー": "nine", "きゅ-": "nine", "く": "nine"}  # (ー is folded to "-")
_HANGUL_DIGITS = {"공": "zero", "영": "zero", "빵": "zero", "일": "one", "이": "two",
                  "삼": "three", "사": "four", "오": "five", "육": "six", "륙": "six",
                  "칠": "seven", "팔": "eight", "구": "nine"}
# Thai as the normalised text holds it: its vowel and tone marks are combining marks, which
# the fold removes (หนึ่ง is read as หนง); every Thai stretch is read without them.
_THAI_MARKS = dict.fromkeys([0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)])
_THAI_WORDS = {"ศูนย์": "zero", "หนึ่ง": "one", "สอง": "two", "โท": "two", "สาม": "three",
               "สี่": "four", "ห้า": "five", "หก": "six", "เจ็ด": "seven", "แปด": "eight",
               "เก้า": "nine"}
_THAI_DIGITS = {w.translate(_THAI_MARKS): e for w, e in _THAI_WORDS.items()}
# the check character X said: エックス (read as えっくす), 엑스
_SAID_X = {"えっくす": "x", "엑스": "x"}
_ROMAJI_DIGITS = {"zero": "zero", "rei": "zero", "maru": "zero", "ichi": "one", "ni": "two",
                  "san": "three", "yon": "four", "shi": "four", "go": "five", "roku": "six",
                  "nana": "seven", "shichi": "seven", "hachi": "eight", "kyuu": "nine",
                  "kyū": "nine", "kyu": "nine", "ku": "nine"}
_VIETNAMESE_DIGITS = {"không": "zero", "linh": "zero", "một": "one", "mốt": "one",
                      "hai": "two", "ba": "three", "bốn": "four", "tư": "four", "năm": "five",
                      "lăm": "five", "sáu": "six", "bảy": "seven", "bẩy": "seven",
                      "tám": "eight", "chín": "nine",
                      "khong": "zero", "mot": "one", "bon": "four", "tu": "four",
                      "nam": "five", "lam": "five", "sau": "six", "bay": "seven",
                      "tam": "eight", "chin": "nine"}
_TAGALOG_DIGITS = {"sero": "zero", "isa": "one", "dalawa": "two", "tatlo": "three",
                   "apat": "four", "lima": "five", "anim": "six", "pito": "seven",
                   "walo": "eight", "siyam": "nine"}
_OTHER_DIGITS = {**_KANA_DIGITS, **_HANGUL_DIGITS, **_THAI_DIGITS, **_SAID_X,
                 **_ROMAJI_DIGITS, **_VIETNAMESE_DIGITS, **_TAGALOG_DIGITS}
_LATIN_LETTER = "a-z\u00c0-\u024f\u1e00-\u1eff"  # (text is lowered before it is matched)


def _alternation(words: list[str], boundary: str = "") -> str:
    """A pattern of `words` grouped by their first character ("b(?:ay|a)"), each branch a
    literal first: the engine skips in C to where a word could begin, and tries one branch
    for each first character there, not one for each word. `boundary`, a lookbehind, is
    checked after the first character (where it cannot keep the skip from working)."""
    firsts: dict[str, list[str]] = {}
    for word in words:
        firsts.setdefault(word[0], []).append(word[1:])
    return "(?:" + "|".join(re.escape(first) + boundary + "(?:" + "|".join(
        re.escape(rest) for rest in sorted(rests, key=len, reverse=True)) + ")"
        for first, rests in firsts.items()) + ")"


_LATIN_WORDS = [*_ROMAJI_DIGITS, *_VIETNAMESE_DIGITS, *_TAGALOG_DIGITS]
# (Korean 이 after a syllable that ends in a consonant is also the subject particle and the
# copula: "...칠 팔이에요" is "...7 8 it is", not "...7 8 2". 이 with 에, 예, 었, 였, 다, 야, 고,
# 며 or 라 after it is read so.)
_SCRIPT_WORD = _alternation([*_KANA_DIGITS, *_HANGUL_DIGITS, *_THAI_DIGITS]).replace(
    "이(?:)", "이(?![에예었였다야고며라])")
_LATIN_WORD = _alternation(_LATIN_WORDS)
_SAID_X_WORD = _alternation(list(_SAID_X))
# (a Latin word ends a word or runs into the next, as Malay's; kana, Hangul and Thai words
# have no boundary to keep: Japanese and Thai are written without spaces, and a number said
# in Korean runs into the word after it, "...육칠팔입니다". The first word of a run begins a
# word: the character before its first is no letter or digit.)
_LATIN_END = f"(?:(?![{_LATIN_LETTER}])|(?={_LATIN_WORD}))"
_OTHER_GAP = r"[\s,;\-/_、・]*+"
_OTHER_RUN = re.compile(
    f"(?:{_alternation(_LATIN_WORDS, f'(?<![{_LATIN_LETTER}0-9].)')}{_LATIN_END}|"
    f"{_SCRIPT_WORD})(?:{_OTHER_GAP}(?:[0-9]++{_OTHER_GAP})*+"
    f"(?:{_LATIN_WORD}{_LATIN_END}|{_SCRIPT_WORD})){{6,}}+(?:{_OTHER_GAP}{_SAID_X_WORD})?")
_OTHER_PARTS = re.compile(f"{_SAID_X_WORD}|{_SCRIPT_WORD}|{_LATIN_WORD}")
# (the characters an _OTHER_PARTS match can begin with: see _written_said)
_OTHER_FIRSTS = re.compile("[" + "".join(sorted({re.escape(w[0]) for w in [
    *_SAID_X, *_KANA_DIGITS, *_HANGUL_DIGITS, *_THAI_DIGITS, *_LATIN_WORDS]})) + "]")
# The same for ASCII text (most stretches are: prose, JSON), on its bytes lowered.
_ASCII_WORDS = [w for w in _LATIN_WORDS if w.isascii()]
_ASCII_END = "(?:(?![a-z])|(?=" + _alternation(_ASCII_WORDS) + "))"
_OTHER_ASCII_RUN = re.compile((
    _alternation(_ASCII_WORDS, "(?<![a-z0-9].)") + _ASCII_END + r"(?:[ \t\r\n,;\-/_]*+"
    r"(?:[0-9]++[ \t\r\n,;\-/_]*+)*+" + _alternation(_ASCII_WORDS) + _ASCII_END + "){6,}+"
).encode())
_KATAKANA_AS_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def _halfwidth_katakana() -> dict[str, str]:
    """Fullwidth katakana (and a voiced one, ゴ) -> the halfwidth form NFKC makes it from."""
    forms: dict[str, str] = {}
    for c in range(0xFF66, 0xFF9E):
        for mark in ("", "\uff9e", "\uff9f"):
            half = chr(c) + mark
            full = unicodedata.normalize("NFKC", half)
            if len(full) == 1:
                forms.setdefault(full, half)
    return forms


def _other_forms(word: str) -> set[str]:
    """`word` as it may be written: katakana for kana (full or halfwidth); Thai with its
    marks or without; Latin in either case, NFC or NFD."""
    if all(0x3041 <= ord(c) <= 0x3096 for c in word if c != "-"):
        katakana = "".join(chr(ord(c) + 0x60) if c != "-" else c for c in word)
        return {word, katakana, "".join(_HALFWIDTH_KATAKANA.get(c, c) for c in katakana)}
    if not all(c.isascii() or 0xC0 <= ord(c) <= 0x1EFF for c in word):
        return {word, word.translate(_THAI_MARKS)}  # (Hangul, Thai: no case, no NFD)
    forms = {word, word.upper(), word.title()}
    return forms | {unicodedata.normalize("NFD", form) for form in forms}


def _other_bytes(words: list[str]) -> set[int]:
    """The bytes of `words` as they may be written (see _other_forms)."""
    return {c for word in words for form in _other_forms(word) for c in form.encode()}


# What stands between the words of a run: spaces, commas, hyphens, slashes and underscores
# (a path's segments, a name's parts); not quotes, colons or brackets (JSON's punctuation:
# a number said in these languages is one value), nor full stops (decimals, dates).
_OTHER_SEPARATORS = b" \t\r\n,;-/_"


_HALFWIDTH_KATAKANA = _halfwidth_katakana()


def _other_table(words: list[str], extra: str = "") -> bytes:
    keep = _other_bytes(words) | set(extra.encode()) | set(b"0123456789") | set(_OTHER_SEPARATORS)
    return bytes(ord("w") if c in keep else ord(".") for c in range(256))


# Where a run could be, found in C as _MALAY_TABLE finds Malay's. A byte table for the
# letters of the romaji and Vietnamese words (d, f, p, w, which English is full of, are none
# of them) with Vietnamese's marked letters, and the bytes of the kana, Hangul and Thai words
# (whose UTF-8 lead bytes are no Chinese character's: Chinese text makes no stretch, and an
# ASCII body pays nothing for them); and one for Tagalog's (c, h, u, g are none of them). A
# said mobile is seven words at least and four more digits or words: 18 bytes in a row at
# least (romaji "ni", "go" and Vietnamese "ba", "tu" are two letters; a kana, Hangul or Thai
# word three bytes or more), 25 in Tagalog (three letters or more). Each table costs a pass
# over every body (~1 us per 2 KB): two, not one for each language. But English prose makes
# three times as many stretches of romaji's and Vietnamese's letters together as of either's
# (t, l and b are Vietnamese's, e, r and z romaji's), and the pattern costs ~20 ns a byte of
# them: where the first table finds ASCII stretches, the two languages' own tables are
# passed over the text and the pattern is tried on their stretches only.
# (and what stands between such words or for digits: 、・ー, the ideographic space, the
# fullwidth comma and digits)
_OTHER_MARKS = "\u3001\u30fb\u30fc\u3000\uff0c" + "".join(chr(0xFF10 + d) for d in range(10))
_OTHER_TABLE = _other_table([*_ROMAJI_DIGITS, *_VIETNAMESE_DIGITS, *_KANA_DIGITS,
                             *_HANGUL_DIGITS, *_THAI_WORDS, *_SAID_X], _OTHER_MARKS)
_TAGALOG_TABLE = _other_table(list(_TAGALOG_DIGITS))
_ROMAJI_TABLE = _other_table([w for w in _ROMAJI_DIGITS if w.isascii()])
_VIETNAMESE_TABLE = _other_table([w for w in _VIETNAMESE_DIGITS if w.isascii()])
_OTHER_STRETCH = b"w" * 18
_TAGALOG_STRETCH = b"w" * 25
_OTHER_TABLES = ((_OTHER_TABLE, _OTHER_STRETCH), (_TAGALOG_TABLE, _TAGALOG_STRETCH),
                 (_ROMAJI_TABLE, _OTHER_STRETCH), (_VIETNAMESE_TABLE, _OTHER_STRETCH))


# Text with characters other than ASCII where the table finds a stretch is decoded and read
# again more closely: the table takes the UTF-8 of all kana, Hangul and Vietnamese letters
# alike (their bytes after the first are shared), so Japanese, Korean and Vietnamese prose
# makes stretches. The text is read in UTF-16 (UTF-32 when it has characters beyond the
# BMP: a character is then four bytes), with a byte table of the code points of one
# language's digit words (a character whose bytes are not all the table's breaks a stretch:
# few others' are), only for the languages whose UTF-8 lead bytes are there (kana E3,
# halfwidth EF; Hangul EA-ED; Thai E0; Vietnamese's letters and NFD marks C3, C4, C6, CC,
# CD, E1; romaji's ū). Seven words and four more digits or words are eleven characters at
# least in kana, Hangul or Thai (a word one character or more), eighteen in romaji or
# Vietnamese (two letters or more), twenty-five in Tagalog (three).
def _wide_table(words: list[str]) -> bytes:
    chars = {c for word in words for form in _other_forms(word) for c in form}
    keep = {b for c in {*chars, *"0123456789", *_OTHER_SEPARATORS.decode(), *_OTHER_MARKS}
            for b in c.encode("utf-32-le")}
    return bytes(ord("w") if c in keep else ord(".") for c in range(256))


_KANA_WIDE = (_wide_table([*_KANA_DIGITS, "えっくす"]), 11)
_HANGUL_WIDE = (_wide_table([*_HANGUL_DIGITS, "엑스"]), 11)
_THAI_WIDE = (_wide_table([*_THAI_DIGITS, *_THAI_WORDS]), 11)
_VIETNAMESE_WIDE = (_wide_table(list(_VIETNAMESE_DIGITS)), 18)
_ROMAJI_WIDE = (_wide_table(list(_ROMAJI_DIGITS)), 18)
_TAGALOG_WIDE = (_wide_table(list(_TAGALOG_DIGITS)), 25)
_MARKED_LEADS = b"\xc3\xc4\xc6\xcc\xcd\xe1"  # (Latin letters with marks, NFD marks)


def _wide_tables(data: bytes, latin: bool) -> Iterator[tuple[bytes, int]]:
    """The tables (and least run, in characters) of the languages UTF-8 `data` may be in:
    the Latin ones all if `latin`; else romaji and Vietnamese only where marked letters are
    (written in ASCII, they are read in ASCII stretches: see _latin_said)."""
    if b"\xe3" in data or b"\xef" in data:
        yield _KANA_WIDE
    if len(data.translate(None, b"\xea\xeb\xec\xed")) < len(data):
        yield _HANGUL_WIDE
    if b"\xe0" in data:
        yield _THAI_WIDE
    if latin or len(data.translate(None, _MARKED_LEADS)) < len(data):
        yield _VIETNAMESE_WIDE
    if latin or b"\xc5\xab" in data or b"\xc5\xaa" in data or b"\xcc\x84" in data:
        yield _ROMAJI_WIDE  # (kyū)
    if latin:
        yield _TAGALOG_WIDE


def _written_said(text: str, latin: bool = False) -> bool:
    """Whether decoded `text` holds a run of digits said in Japanese, Korean, Thai or
    Vietnamese, or romaji with ū (or, if `latin`, in any Latin alphabet), each run read
    with the character before it."""
    def said(first: int, last: int) -> bool:
        piece = _other_text(text[max(0, first - 1):last].encode("utf-8", "surrogateescape"))
        # (seven words at all before seven in a row: the pattern, tried again from each word
        # of a run that fails, is slow on prose full of digit words, as Vietnamese is)
        # (round 23: no word's first character at all, found by a character class in C:
        # binary bytes whose every byte a table keeps, "\u10fb\uff00" repeated, made one
        # stretch of the whole text that the alternation tried at each character, ~0.25 s/MB)
        return (_OTHER_FIRSTS.search(piece) is not None
                and len(_OTHER_PARTS.findall(piece)) >= 7 and _OTHER_RUN.search(piece) is not None)

    data = text.encode("utf-8", "surrogateescape")
    wide = text.encode("utf-16-le", "surrogatepass")
    width = 2
    if len(wide) > 2 * len(text):
        wide, width = text.encode("utf-32-le", "surrogatepass"), 4
    return any(said(pos // width, (end + width - 1) // width)
               for table, least in _wide_tables(data, latin)
               for pos, end in _stretches(wide, table, b"w" * (least * width)))


# UTF-8 that _other_text must normalise (NFD marks, halfwidth forms)
_NFKC_BYTES = re.compile(rb"[\xcc\xcd\xef]")


def _other_text(piece: bytes) -> str:
    """Text as the words are matched: NFKC (halfwidth katakana, NFD Vietnamese), lower case,
    kana as hiragana, Thai without its marks (undecodable bytes kept as they are). Each step
    only when the text holds what it changes (byte searches, in C)."""
    text = piece.decode("utf-8", "surrogateescape")
    if _NFKC_BYTES.search(piece) is not None:
        text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    if b"\xe3\x82" in piece or b"\xe3\x83" in piece or b"\xef\xbd" in piece or \
            b"\xef\xbe" in piece:
        text = text.translate(_KATAKANA_AS_HIRAGANA)
    if b"\xe0\xb8" in piece or b"\xe0\xb9" in piece:
        text = text.translate(_THAI_MARKS)
    return text


def _one_word(piece: bytes) -> bool:
    """Whether an ASCII stretch is one word, as base64 data is (its / and base64url's - and _
    are one in 64 of its characters; between said words they are one in five or so)."""
    if len(piece.translate(None, b" \t\r\n,;")) < len(piece):
        return False
    return (len(piece) - len(piece.translate(None, b"/-_"))) * 5 < len(piece)


_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _no_word_begins(piece: bytes) -> bool:
    """Whether no word begins in an ASCII stretch (`piece`: with the byte before it): one
    word that began before it, no / - _ in it (most stretches of base64 data)."""
    return piece[0] in _ALNUM and len(piece.translate(None, b" \t\r\n,;/-_")) == len(piece)


def _opens_latin(piece: bytes, pos: int) -> bool:
    """Whether an ASCII stretch the first table finds (`piece`: with the byte before it, at
    `pos`) may hold a run in romaji or Vietnamese, so that their own tables are passed over
    the text: fourteen letters or more (seven words), and words apart, or one word in which
    the pattern finds a run (digit words run together). Base64 data is one word, most often
    begun before the stretch: it opens none (else each photo paid two passes more)."""
    if pos and _no_word_begins(piece):
        return False  # (first: most stretches of base64 data)
    if len(piece) - len(piece.translate(None, _ASCII_LETTERS)) < 14:
        return False
    return not _one_word(piece) or _OTHER_ASCII_RUN.search(piece.lower()) is not None


def _other_run_in(data: bytes, pos: int, end: int, floor: int = 0) -> tuple[int, str] | None:
    """Where the text of the stretch [pos, end) of `data` begins and the text as
    _other_text reads it, when the stretch holds a run of digits said in Japanese, Korean,
    Thai, Vietnamese or Tagalog; None otherwise. (Read with the byte before it, after
    `floor`: a Latin word that begins inside another word, "xichi", is none.)"""
    piece = data[pos:end]
    if piece.isascii():
        before = data[pos - 1:pos] if pos > floor else b""
        if before.isascii():
            lower = (before + piece).lower()
            found = _OTHER_ASCII_RUN.search(lower) is not None
            return (pos - len(before), lower.decode()) if found else None
        lower = piece.lower()  # ("電話ichi ...": a word begins after another script's)
        return (pos, lower.decode()) if _OTHER_ASCII_RUN.search(b" " + lower) else None
    start = max(floor, pos - 1)
    piece = data[start:end]
    if not _written_said(piece.decode("utf-8", "surrogateescape"), True):
        return None
    return start, _other_text(piece)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) spans, sorted, those that overlap merged."""
    merged: list[tuple[int, int]] = []
    for pos, end in sorted(spans):
        if merged and pos <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((pos, end))
    return merged


def _latin_said(data: bytes, ascii: bool, tables: tuple[tuple[bytes, bytes], ...]) -> bool:
    """A run of digits said in romaji, Vietnamese or Tagalog in an ASCII stretch of `data`
    that one of `tables` (ASCII only) finds (the stretches of all merged, each read once)."""
    spans = []
    for table, least in tables:
        skeleton = data.translate(table)
        pos = skeleton.find(least)
        while pos >= 0:  # (_stretches inline: most bodies have none, and all pay this)
            end = skeleton.find(b".", pos)
            end = len(skeleton) if end < 0 else end
            spans.append((pos, end))
            pos = skeleton.find(least, end)
    for pos, end in _merged(spans) if len(spans) > 1 else spans:
        # (the stretches are ASCII; the byte before, for the lookbehind, a space when it is
        # not: "電話ichi ..." begins a word)
        piece = data[pos:end]
        if len(piece) - len(piece.translate(None, _ASCII_LETTERS)) < 14:
            continue  # (seven words are fourteen letters at least)
        before = data[pos - 1:pos] if pos else b""
        if not (ascii or before.isascii()):
            before = b" "
        if _OTHER_ASCII_RUN.search((before + piece).lower()) is not None:
            return True
    return False


# The UTF-8 lead bytes of kana (E3, halfwidth EF), Hangul (EA-ED), Thai (E0) and of
# Vietnamese's letters (E1 BA/BB, C4, C6; CC, CD: NFD marks): a stretch with one is of text
# in them, which is mostly stretches: the whole text is decoded and read at once. (C3, which
# begins é, ô and á, is Latin-1 text's too, names in English: its stretches one by one.)
# (the UTF-8 lead bytes the first table takes: of kana, Hangul, Thai, Vietnamese's letters;
# each looked for with memchr, a class of them searched for with a regex is 2 ns a byte)
_TABLE_LEADS = [bytes((c,)) for c in range(0xC0, 0x100) if _OTHER_TABLE[c] == ord("w")]
_WHOLE_TEXT_LEADS = b"\xe0\xe3\xef\xea\xeb\xec\xed\xe1\xc4\xc6\xcc\xcd"
_OTHER_LATIN = ((_TAGALOG_TABLE, _TAGALOG_STRETCH), (_ROMAJI_TABLE, _OTHER_STRETCH),
                (_VIETNAMESE_TABLE, _OTHER_STRETCH))


def _says_other(data: bytes) -> bool:
    """Seven digit words or more in a row in Japanese, Korean, Thai, Vietnamese or Tagalog."""
    if len(data) < len(_OTHER_STRETCH):
        return False
    ascii = data.isascii()
    latin = False  # (an ASCII stretch: read in romaji's and Vietnamese's own, below)
    skeleton = data.translate(_OTHER_TABLE)
    pos = skeleton.find(_OTHER_STRETCH)
    while pos >= 0:
        end = skeleton.find(b".", pos)
        end = len(skeleton) if end < 0 else end
        piece = data[max(0, pos - 1):end]
        if ascii or piece.isascii():
            if not latin and _opens_latin(piece, pos):
                latin = True
                if ascii:
                    break
            if latin:
                # only stretches with other characters are left to read here: on to the
                # next UTF-8 lead byte of the table's (text in English with a few others,
                # é, —, ─, has few or none)
                pos = -1
                i = end
                while (i := min((at for lead in _TABLE_LEADS if (at := data.find(lead, i)) >= 0),
                                default=-1)) >= 0:
                    start = skeleton.rfind(b".", 0, i) + 1
                    stop = skeleton.find(b".", i)
                    stop = len(skeleton) if stop < 0 else stop
                    if stop - start >= len(_OTHER_STRETCH):
                        pos = start
                        break
                    i = stop
                continue
        elif len(piece.translate(None, _WHOLE_TEXT_LEADS)) < len(piece):
            if _written_said(data.decode("utf-8", "surrogateescape")):
                return True
            latin = True  # (and its ASCII stretches read as any are)
            break
        elif _other_run_in(data, pos, end) is not None:
            return True
        pos = skeleton.find(_OTHER_STRETCH, end)
    if latin:
        return _latin_said(data, ascii, _OTHER_LATIN)
    # (Tagalog's letters are not all the first table's: its own table, always; inline, as
    # most bodies have no stretch of it)
    if data.translate(_TAGALOG_TABLE).find(_TAGALOG_STRETCH) < 0:
        return False
    return _latin_said(data, ascii, _OTHER_LATIN[:1])


def _other_in_english(data: bytes, budget: Budget | None = None) -> bytes:
    """`data` with runs of digits said in Japanese, Korean, Thai, Vietnamese or Tagalog as
    English digit words (each stretch that holds one written as _other_text reads it; the
    stretches of all tables merged where they overlap: a run may be read partly in two)."""
    def english(m: re.Match[str]) -> str:
        if budget is not None:
            budget.spend(len(m.group()) // 2)  # (a Python step per word)
        return _OTHER_PARTS.sub(lambda w: " " + _OTHER_DIGITS.get(w.group(), w.group()) + " ",
                                m.group())

    pieces: list[bytes] = []
    last = 0
    for pos, end in _merged([span for table, least in _OTHER_TABLES
                             for span in _stretches(data, table, least)]):
        found = _other_run_in(data, pos, end, last)
        if found is not None:
            pieces.append(data[last:found[0]])
            pieces.append(_OTHER_RUN.sub(english, found[1]).encode("utf-8", "surrogateescape"))
            last = end
    if not pieces:
        return data
    pieces.append(data[last:])
    return b"".join(pieces)


def _in_english(data: bytes, budget: Budget | None = None, other: bool = True) -> bytes:
    """`data` with pinyin digit runs (and Malay, Japanese, Korean, Thai, Vietnamese and
    Tagalog ones) as English digit words and digit words run together apart ("yao san jiu",
    "いちさんきゅう" and "onethreenine" -> "one three nine"), for the said-digits rules.
    Each run spends from `budget` before it is rewritten (a Python step per syllable).
    `other`: whether _says_other found runs of the other languages (their stretches are
    read again only then: the four tables' passes over base64 photo data cost ~4 ms)."""
    spend = budget.spend if budget is not None else None

    def english(m: re.Match[bytes]) -> bytes:
        run = m.group()
        if spend is not None:
            spend(len(run) // 2)
        if _pinyin_names(run):
            return run
        return b" ".join(_PINYIN_DIGITS[w.lower().decode()].encode()
                         for w in _PINYIN_PARTS.findall(run)) + (
            b" x" if run[-1:] in b"xX" else b"")

    def apart(m: re.Match[bytes]) -> bytes:
        if spend is not None:
            spend(len(m.group()) // 2)
        return b" ".join(_SAID_PARTS.findall(m.group().lower()))

    # (first: the tone marks pinyin's reading takes off are Vietnamese's too, "làm" as "lam")
    if other:
        data = _other_in_english(data, budget)
    data = _toneless(data)
    if _says_pinyin(data):
        data = _PINYIN_RUN.sub(english, data)
    if _says_malay(data):
        data = _malay_in_english(data, budget)
    return _glued_apart(data, apart)


_GLUED_WORDS = re.compile(rb"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine){2,}",
                          re.IGNORECASE)
# Letters of digit words "w", other ASCII letters "L", the rest "."
_GLUED_WORD_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("w") if w == ord("w") else ord("L") if chr(c).isascii() and chr(c).isalpha() else ord(".")
    for c, w in zip(range(256), _GLUED_TABLE, strict=True)))
_GLUED_WHOLE = re.compile(rb"\.(w{4,})(?![wL])")


def _glued_apart(data: bytes, apart: Callable[[re.Match[bytes]], bytes]) -> bytes:
    """_SAID_GLUED.sub(apart, data), found on a letter skeleton: a match is a whole word
    (letters between non-letters) made of the letters of digit words only, four or more
    ("ohoh"), that is two digit words or more. (The regex over the whole text took ~12 ms per
    400 KB of base64 photo data, where most places begin some digit word.)"""
    pieces: list[bytes] = []
    last = 0
    # whole words of digit-word letters, four or more, in the skeleton after one "." (see
    # _from_the_byte_before): a stretch beside another letter is no word of its own
    skeleton = b"." + data.translate(_GLUED_WORD_TABLE)
    for w in _GLUED_WHOLE.finditer(skeleton):
        pos, end = w.start(1) - 1, w.end(1) - 1
        m = _GLUED_WORDS.fullmatch(data, pos, end)
        if m is None:
            continue
        pieces.append(data[last:pos])
        pieces.append(apart(m))
        last = end
    if not pieces:
        return data
    pieces.append(data[last:])
    return b"".join(pieces)


def has_said_digit(text: str) -> bool:
    """A digit word ("one", "Nine", "onethree") among the words of `text`, or seven pinyin
    digit syllables in a row (or Malay, Japanese, Korean, Thai, Vietnamese, Tagalog words)."""
    data = text.lower().encode("utf-8", "surrogateescape")  # undecodable request bytes
    return any(w in _SAID_WORDS for w in _NOT_LETTERS.split(data)) or \
        _SAID_GLUED.search(data) is not None or _says_pinyin(data) or _says_malay(data) or \
        _says_other(data)


def says_digits(data: bytes) -> bool:
    """Whether `data` may hold digits said in words (a stretch of four words or more made of
    digit words, digits and separators, two of them digit words; digit words run together
    count as words) or seven pinyin digit syllables in a row (or Malay, Japanese, Korean,
    Thai, Vietnamese or Tagalog digit words): text that could hold an identifier with no
    digit in it; or a run of single digits and digit words of any of those languages, fewer
    words than seven (see _MIXED_RUN)."""
    return _says_other(data) or _says_words(data) or _mixed_said(data) is not None or \
        _more_said(data) is not None


# Round 9's miss: digits with double/triple and no digit word ("1 3 9 double 1 2 3 4 5 6 7"),
# which the stretch search below (whose table leaves their letters out for cost) never saw.
# Two byte searches for their tails (most text holds none; "Double" has one too, an
# all-capitals "DOUBLE" none, nor the rare "treble": a third search would cost as much as
# these two do, ~1 us per 2 KB each), then one regex where each is: a digit, the word, a
# digit; the said-digits reading then writes the run as any other.
_REPEAT_TAILS = (b"ouble", b"iple")
_DIGIT_REPEAT = re.compile(rb"[0-9][ \t,\-]{1,3}(?:double|triple)[ \t\-]{1,3}[0-9]",
                           re.IGNORECASE)


def _says_words(data: bytes) -> bool:
    """says_digits but for _says_other: English digit words (apart or run together),
    pinyin and Malay; digits said with double/triple (round 9)."""
    if _says_pinyin(data) or _says_glued(data) or _says_malay(data):
        return True
    for tail in _REPEAT_TAILS:
        pos = data.find(tail)
        while pos >= 0:  # (each place checked where it is: "double-check" in a text)
            if _DIGIT_REPEAT.search(data, max(0, pos - 7), pos + 10) is not None:
                return True
            pos = data.find(tail, pos + 4)
    skeleton = data.translate(_SAID_TABLE)
    pos = skeleton.find(_SAID_STRETCH)
    while pos >= 0:
        end = skeleton.find(b".", pos)
        if end < 0:
            end = len(skeleton)
        stretch = data[pos:end].lower()
        pos = skeleton.find(_SAID_STRETCH, end)
        if stretch == stretch.upper():
            continue  # no letter (dates, numbers): decided in C
        # the digit words of the stretch, each a whole word ("none", "height" and "quality"
        # hold none), counted in C
        said = len(_SAID_WHOLE.findall(stretch))
        if said >= 2 and said + len(_DIGIT_RUNS.findall(stretch)) >= 3:
            return True
        if said == 1 and len(_DIGIT_RUNS.findall(stretch)) >= 3:
            # one digit word among digits ("1 3 9 1 2 3 4 five 6 7 8", a field "1 1 0 1 0
            # one"): a run, or a whole field of four words, may hold it (missed before:
            # the stretch needed two digit words)
            return True
    return False


# A whole field said in four words or more ({"a": "one one oh one oh one", "b": ...}, a=...&,
# "name: value, ..."): part of an identifier split over fields, which the joined-fields
# reading then finds as it finds digits.
_SAID_FIELD = re.compile(rb"(?<=[\"'=:/?>])[ \t]*(" + _SAID_WORD + rb"(?:[ \t-]+" + _SAID_WORD
                         + rb"){3,})[ \t]*(?=[\"'&<\n,/?]|$)")


_SAID_LETTER = re.compile(rb"[a-wyz]")


def _from_the_byte_before(rule: re.Pattern[bytes], lookbehind: bytes, before: bytes,
                          group: bool) -> re.Pattern[bytes]:
    """`rule`, which starts with `lookbehind`, as a pattern that consumes the byte before
    (`before`, the same class) instead: searched in the text after one "\n" it finds the same
    matches, its group 1 one byte on. A pattern that starts with a lookbehind is tried at
    every position; one that starts with a character class skips in C to where it can start
    (2x for each rule on 400 KB of base64 photo data). (Matches end with a letter or digit,
    so the byte before the next one is never the last of a match.)"""
    assert rule.pattern.startswith(lookbehind)
    rest = rule.pattern[len(lookbehind):]
    return re.compile(before + (b"(" + rest + b")" if group else rest))


_SAID_RUN_AT = _from_the_byte_before(_SAID_RUN, rb"(?<![a-z0-9])", rb"[^a-z0-9]", True)
_SAID_FIELD_AT = _from_the_byte_before(_SAID_FIELD, rb"(?<=[\"'=:/?>])", rb"[\"'=:/?>]", False)


# Digit words of any of the languages read here mixed with single digits, fewer than seven
# words ("1 3 9 1 dua 3 4 5 6 7 8", "yao 3 9 1 2 3 4 5 6 7 8", "1 3 9 いち 2 3 ...", "1-3-9-1-2-
# 3-4-5-6-7-팔"): each language's own rule reads seven words in a row (fewer are ordinary
# words: "lima", "ba", "năm"), and pinyin's none with digits between (missed before). A run of
# seven tokens or more, each a single digit or a digit word, parted by separators (kana, Hangul
# and Thai words may touch digits: those scripts are written without spaces), with a digit
# and a word at least, is written in digits (see _mixed_readings; as English words before
# round 10, which the English rules then kept apart at a full stop or line end). Numbers of
# two digits or more are no token: "năm 2024" (the year 2024), "lima 5 ekor" stay words. A
# word that is a digit in two languages (ba: 3 in Vietnamese, 8 in pinyin; san, lima, go,
# ni, tu, ...) is read in each language that has every word of its run, each reading apart
# (after a bar, which no reading joins over).
# Languages read in such runs (words among digits), and until round 15 not in runs of words
# alone: Cantonese (Jyutping and Yale, without tones), Hokkien, native Korean numbers, Spanish,
# Portuguese, French, German, Italian, Russian, Hindi (Latin and Devanagari), Arabic and (round
# 15) Tamil. (Runs of words alone: see _MORE_GATES and _MORE_LATIN.)
_MORE_DIGITS: dict[str, dict[str, str]] = {
    "Cantonese": {"ling": "zero", "jat": "one", "yat": "one", "ji": "two", "yih": "two",
                  "saam": "three", "sei": "four", "ng": "five", "luk": "six", "luhk": "six",
                  "cat": "seven", "chat": "seven", "baat": "eight", "gau": "nine"},
    "Hokkien": {"khong": "zero", "it": "one", "ji": "two", "li": "two", "nng": "two",
                "sam": "three", "sann": "three", "si": "four", "go": "five", "goo": "five",
                "lak": "six", "chhit": "seven", "tshit": "seven", "peh": "eight",
                "pat": "eight", "kau": "nine"},
    "Korean": {"공": "zero", "영": "zero",  # (no native zero: the Sino-Korean ones)
               "하나": "one", "한": "one", "둘": "two", "두": "two", "셋": "three", "세": "three",
               "넷": "four", "네": "four", "다섯": "five", "여섯": "six", "일곱": "seven",
               "여덟": "eight", "아홉": "nine"},
    "Spanish": {"cero": "zero", "uno": "one", "una": "one", "dos": "two", "tres": "three",
                "cuatro": "four", "cinco": "five", "seis": "six", "siete": "seven",
                "ocho": "eight", "nueve": "nine"},
    "Portuguese": {"zero": "zero", "um": "one", "uma": "one", "dois": "two", "duas": "two",
                   "três": "three", "tres": "three", "quatro": "four", "cinco": "five",
                   "seis": "six", "meia": "six", "sete": "seven", "oito": "eight",
                   "nove": "nine"},
    "French": {"zéro": "zero", "zero": "zero", "un": "one", "une": "one", "deux": "two",
               "trois": "three", "quatre": "four", "cinq": "five", "six": "six",
               "sept": "seven", "huit": "eight", "neuf": "nine"},
    "German": {"null": "zero", "eins": "one", "ein": "one", "zwei": "two", "zwo": "two",
               "drei": "three", "vier": "four", "fünf": "five", "funf": "five",
               "fuenf": "five", "sechs": "six", "sieben": "seven", "acht": "eight",
               "neun": "nine"},
    "Italian": {"zero": "zero", "uno": "one", "due": "two", "tre": "three",
                "quattro": "four", "cinque": "five", "sei": "six", "sette": "seven",
                "otto": "eight", "nove": "nine"},
    "Russian": {"ноль": "zero", "нуль": "zero", "один": "one", "одна": "one", "два": "two",
                "две": "two", "три": "three", "четыре": "four", "пять": "five",
                "шесть": "six", "семь": "seven", "восемь": "eight", "девять": "nine"},
    "Hindi": {"shunya": "zero", "shoonya": "zero", "ek": "one", "do": "two", "teen": "three",
              "tin": "three", "char": "four", "chaar": "four", "paanch": "five",
              "panch": "five", "chhah": "six", "chhe": "six", "saat": "seven",
              "aath": "eight", "nau": "nine", "शून्य": "zero", "एक": "one", "दो": "two",
              "तीन": "three", "चार": "four", "पांच": "five", "पाँच": "five", "छह": "six",
              "छः": "six", "सात": "seven", "आठ": "eight", "नौ": "nine"},
    # (round 15: Tamil, an official language of Singapore; the formal words and the spoken
    # ones, ஒண்ணு 1, ரெண்டு 2, மூணு 3, நாலு 4, அஞ்சு 5, and the zeros borrowed: சைபர், ஜீரோ)
    "Tamil": {"பூஜ்ஜியம்": "zero", "பூஜ்யம்": "zero", "சுழியம்": "zero", "சைபர்": "zero",
              "ஜீரோ": "zero", "ஒன்று": "one", "ஒண்ணு": "one", "இரண்டு": "two",
              "ரெண்டு": "two", "மூன்று": "three", "மூணு": "three", "நான்கு": "four",
              "நாலு": "four", "ஐந்து": "five", "அஞ்சு": "five", "ஆறு": "six", "ஏழு": "seven",
              "எட்டு": "eight", "ஒன்பது": "nine"},
    "Arabic": {"صفر": "zero", "واحد": "one", "اثنان": "two", "اثنين": "two",
               "ثلاثة": "three", "ثلاث": "three", "أربعة": "four", "اربعة": "four",
               "أربع": "four", "خمسة": "five", "خمس": "five", "ستة": "six", "ست": "six",
               "سبعة": "seven", "سبع": "seven", "ثمانية": "eight", "ثمان": "eight",
               "تسعة": "nine", "تسع": "nine"},
}
# Letters of the scripts written with spaces between words (a word of them is bounded as a
# Latin one is): Latin with marks, combining marks, Cyrillic, Arabic, Devanagari, Tamil.
_SPACED_LETTERS = ("\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f\u0400-\u04ff\u0600-\u06ff\u0900-\u097f"
                   "\u0b80-\u0bff")  # (and Tamil: round 15)


# Malay's other zero, read among digits only (its seven-word rule's byte table has no f or r;
# missed before round 10)
_MIXED_MALAY = {"sifar": "zero"}


def _mixed_words() -> tuple[dict[str, list[str]], list[str], list[str]]:
    english = {w: w for w in _SAID_DIGITS}
    languages = [english, _PINYIN_DIGITS, _MALAY_DIGITS, _ROMAJI_DIGITS, _VIETNAMESE_DIGITS,
                 _TAGALOG_DIGITS, _KANA_DIGITS, _HANGUL_DIGITS, _THAI_DIGITS,
                 *_MORE_DIGITS.values(), _MIXED_MALAY]
    meaning: dict[str, list[str]] = {}  # a form, lowered -> its English word in each language
    for n, table in enumerate(languages):
        for word, said in table.items():
            forms = _other_forms(word)
            # (and without its combining marks, as the fold may leave Devanagari or Arabic;
            # and as the scanner's normalisation leaves it: U+043E is Latin o there)
            forms |= {"".join(c for c in f if not unicodedata.combining(c)) for f in forms}
            forms |= {_prepared(f.encode()).decode() for f in forms if not f.isascii()}
            for form in forms:
                key = form.lower()
                if f"{n}:{said}" not in meaning.setdefault(key, []):
                    meaning[key].append(f"{n}:{said}")
    spaced = re.compile(f"[a-z0-9{_SPACED_LETTERS}]+")
    latin = sorted((w for w in meaning if spaced.fullmatch(w)), key=len, reverse=True)
    script = sorted((w for w in meaning if w not in latin), key=len, reverse=True)
    return meaning, latin, script


_MIXED_MEANING, _MIXED_LATIN, _MIXED_SCRIPT = _mixed_words()
# (separators: those of running text, and the punctuation a run's tokens may wear: full stops
# and brackets ("1. 3. 9.", "(dua)"), quotes and bars (JSON arrays ["1", "3", "dua", ...],
# [1, 3, "nine", ...], table cells), and markup tags between tokens ("<p>1</p><p>dua</p>",
# "1 3 9 <b>dua</b> ..."); missed before round 10 where the English rule did not read them)
_MIXED_SEPARATORS = " \t\r\n,;\\-/_.|()\\[\\]\"'\u30fb\u3000"
_MIXED_TAG = "</?[a-z][^<>]{0,60}>"
_MIXED_GAP = f"(?:(?:[{_MIXED_SEPARATORS}]|{_MIXED_TAG})*+)"
# Korean's attributive numerals (한, 두, 세, 네: "one", "two" before a counter) are everyday
# words too: not right after a digit, where they are a counter ("3세", aged 3; "1세, 3세, 5세"
# was a mobile), nor as a quoted value of their own ("네", yes: an answer in a JSON list)
_MIXED_ATTRIBUTIVE = ("한", "두", "세", "네")
# (round 24: after the words of a survey, its answers and ratings, 네 is "yes" and 한, 두, 세
# are counters: "설문 답: 1 3 네 5 2 4 3 5 네 1 2" is no mobile; such a run is not read)
_MIXED_ANSWER_WORDS = re.compile("설문|답|응답|평가|평점|점수|만족|별점|투표"
                                 "|survey|answer|rating|score")
_MIXED_WORD = (f"(?<![a-z0-9{_SPACED_LETTERS}])(?:"
               + "|".join(re.escape(w) for w in _MIXED_LATIN)
               + f")(?![a-z0-9{_SPACED_LETTERS}])|(?:"
               + "|".join(re.escape(w) for w in _MIXED_SCRIPT if w not in _MIXED_ATTRIBUTIVE)
               + ")|(?<![0-9\"'])(?:" + "|".join(_MIXED_ATTRIBUTIVE) + ")(?![\"'])")
_MIXED_TOKEN = f"(?:(?<![0-9])[0-9](?![0-9])|{_MIXED_WORD})"
# An ID's check character X may end a run, as a letter or said in the languages read here
# (Spanish equis, Tagalog ekis, Malay eks, Italian ics, iks, Russian икс, Japanese, Korean,
# Chinese 叉: missed before round 10)
# (and a run of digits alone that ends so: "1 1 0 ... 0 2 equis")
_MIXED_X_WORDS = frozenset(("equis", "ekis", "eks", "ics", "iks", "икс", "エックス", "えっくす",
                            "엑스", "叉"))
_MIXED_X = (f"(?:(?:x|equis|ekis|eks|ics|iks|икс)(?![a-z0-9{_SPACED_LETTERS}])"
            "|エックス|えっくす|엑스|叉)")
_MIXED_RUN = re.compile(f"{_MIXED_TOKEN}(?:{_MIXED_GAP}{_MIXED_TOKEN}){{6,}}+"
                        f"(?:{_MIXED_GAP}{_MIXED_X})?")
_MIXED_X_END = re.compile(f"{_MIXED_X}$")
_MIXED_PARTS = re.compile(f"[0-9]|{_MIXED_WORD}")
# (the tokens of a run, past its tags: <li> holds no token, li being a word of Hokkien)
_MIXED_TAGS_AND_PARTS = re.compile(f"{_MIXED_TAG}|[0-9]|{_MIXED_WORD}")


# (what in a run the English rules do not read over: see _mixed_readings)
_MIXED_UNREAD = re.compile("[.;\r\n<]")
_MIXED_PAUSE = re.compile("[,;.|\r\n]")


def _mixed_parts(run: str) -> list[str]:
    return [p for p in _MIXED_TAGS_AND_PARTS.findall(run) if not p.startswith("<")]
# On a byte table: digits 0, separators and the bytes of other scripts s (kana, Hangul, Thai,
# marked letters, which may touch digits), the rest a. A single digit with an s on both
# sides is where a run could be; only there, and only where a word stands next to it
# (letters, nothing else, between separators: not a JSON key, "day":), is the text decoded
# and the pattern tried. (One pattern, "s0s", searched in C: four took 5 us per 2 KB.)
_MIXED_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("0") if chr(c) in "0123456789"
    else ord("s") if chr(c) in " \t\r\n,;-/_.|()[]\"'<>" or c >= 0x80
    else ord("a") if chr(c).isalpha() else ord("p") for c in range(256)))
# A single digit apart ("s0s", found in C) but not one with a digit or other punctuation just
# past the separator on both sides, as a JSON number has ("blur": 0.02): that stands beside no
# word (with the full stop among the separators, each float took a Python step, 0.3 us)
_MIXED_GATE = re.compile(rb"s0(?=s)(?:(?!s[0p])|(?<![0p]s0))")
# The letters after a digit, past separators and tags; and, on the reversed text, before it
_MIXED_AFTER = re.compile(rb"(?:[ \t\r\n,;\-/_.|()\[\]\"']|</?[A-Za-z][^<>]{0,60}>)*+"
                          rb"([A-Za-z\x80-\xff]++)")
_MIXED_BEFORE = re.compile(rb"(?:[ \t\r\n,;\-/_.|()\[\]\"']|>[^<>]{0,60}[A-Za-z]/?<)*+"
                           rb"([A-Za-z\x80-\xff]++)")
_MIXED_REACH = 400  # bytes either side of a digit read for its run


def _mixed_said(data: bytes, budget: Budget | None = None) -> bytes | None:
    """`data` with each run of single digits and digit words of any language read here (see
    _MIXED_RUN) read (see _mixed_readings); None when there is none."""
    parts = _mixed_said_parts(data, budget)
    return None if parts is None else parts[0] + parts[1]


def _mixed_said_parts(data: bytes, budget: Budget | None = None
                      ) -> tuple[bytes, bytes] | None:
    """_mixed_said as `data` with the runs' words as English words (for the English rules) and
    the readings in digits, each after a bar (which the English rules must not read: a said
    run read over the bar joined the readings' digits)."""
    skeleton = b"s" + data.translate(_MIXED_TABLE) + b"ss"  # (offsets in it one on)
    windows: list[tuple[int, int]] = []
    for gate in _MIXED_GATE.finditer(skeleton):
        at = gate.start()  # the digit, in data
        if budget is not None:
            budget.spend(1)
        if windows and at < windows[-1][1] - _MIXED_REACH // 2:
            continue  # read with the window before
        # (the letters after the digit, then those before it, each only when needed)
        after = _MIXED_AFTER.match(data, at + 1)
        if after is None or not _mixed_word_in(after.group(1)):
            before = _MIXED_BEFORE.match(data[max(0, at - 128):at][::-1])
            if before is None or not _mixed_word_in(before.group(1)[::-1]):
                continue
        windows.append((max(0, at - _MIXED_REACH), min(len(data), at + 1 + _MIXED_REACH)))
    if not windows:
        return None  # (no single digit apart, decided in C: most text; or none beside a word)
    runs: list[tuple[int, int, tuple[list[bytes], list[bytes]]]] = []  # (start, end, readings)
    for lo, hi in _merged(windows):
        while lo > 0 and 0x80 <= data[lo] < 0xC0:
            lo -= 1  # (whole characters: offsets in the text are kept in bytes)
        while hi < len(data) and 0x80 <= data[hi] < 0xC0:
            hi += 1
        text = data[lo:hi].decode("utf-8", "replace")
        lower = _mixed_text(text)
        if len(lower) != len(text):
            continue  # (a character that lowers to two: no offsets to keep; none of the words)
        for m in _MIXED_RUN.finditer(lower):
            parts = _mixed_parts(m.group())
            if not any(p.isdigit() for p in parts):
                continue  # no digit (each language's own rule)
            if all(p.isdigit() for p in parts) and m.group()[-1] in "x0123456789":
                continue  # no word (digits alone, or with the letter X: the digit rules)
            if any(p in _MIXED_ATTRIBUTIVE for p in parts) and _MIXED_ANSWER_WORDS.search(
                    lower, max(0, m.start() - 24), m.start()) is not None:
                continue  # (round 24: 네 "yes" among the ratings of a survey's answers)
            if budget is not None:
                budget.spend(len(parts))
            start = lo + len(text[:m.start()].encode("utf-8", "replace"))
            end = start + len(text[m.start():m.end()].encode("utf-8", "replace"))
            runs.append((start, end, _mixed_readings(m.group())))
    if not runs:
        return None
    pieces: list[bytes] = []
    extra: list[bytes] = []
    in_digits: list[bytes] = []
    last = 0
    for start, end, (english, digits) in runs:
        if start < last:
            continue
        pieces.append(data[last:start])
        pieces.append(english[0])
        extra.extend(r for r in english[1:] if r != english[0] and r not in extra)
        in_digits.extend(digits)
        last = end
    pieces.append(data[last:])
    # (a line end in the bar: the English rules join said digits over " | " alone)
    return (b"".join(pieces) + b"".join(b" |\n" + r for r in extra),
            b"".join(b" |\n" + r for r in in_digits))


def _mixed_word_in(chunk: bytes) -> bool:
    """Whether the letters beside a digit are a digit word, or hold one of kana, Hangul or
    Thai (written without spaces)."""
    if chunk.isascii():
        word = chunk.lower().decode()
        return word in _MIXED_MEANING or word in _MIXED_X_WORDS
    # (kana E3, Hangul EA-ED, Thai E0: Chinese text, E4-E9, holds none of their words, and
    # a Vietnamese word is 12 bytes at most)
    scripts = len(chunk.translate(None, b"\xe0\xe3\xea\xeb\xec\xed")) < len(chunk)
    if not scripts and len(chunk) > 12:
        return False
    text = _mixed_text(chunk.decode("utf-8", "replace"))
    return (text in _MIXED_MEANING or text in _MIXED_X_WORDS
            or (scripts and _MIXED_PARTS.search(text) is not None))


def _mixed_text(text: str) -> str:
    """Text as the mixed runs are matched: lower case, pinyin's tone marks off (each
    character one character: offsets are kept)."""
    text = text.lower()
    return text.translate(_TONELESS) if _TONE_MARKED.search(text) else text


def _mixed_readings(run: str) -> tuple[list[bytes], list[bytes]]:
    """A run's words as English digit words (which the English rules then write in digits),
    once for each language that has every word of it (each word's first language when none
    has all). And where the English rules would not read it (a full stop, semicolon or line
    end after a word: their bar; tags between tokens), the run also with each word as its
    digit where it stands, as if typed in digits, which the digit rules read as they read
    digits ("1.3.9.1.2...", "1\n3\n9\n...", "<p>1</p><p>2</p>...": missed before round 10).
    An ID's check character said in words is written X."""
    parts = _mixed_parts(run)
    common: set[str] | None = None
    for word in parts:
        if not word.isdigit():
            langs = {m.split(":")[0] for m in _MIXED_MEANING.get(word, [])}
            common = langs if common is None else common & langs
    check = _MIXED_X_END.search(run)
    if check is not None:
        run = run[:check.start()] + " X"
    english: list[bytes] = []
    in_digits: list[bytes] = []
    for lang in sorted(common, key=int) if common else [None]:
        def said(word: str, lang: str | None = lang) -> str:
            if word.isdigit() or word.startswith("<"):
                return word
            meanings = _MIXED_MEANING.get(word, ["0:zero"])
            pick = next((m for m in meanings if m.split(":")[0] == lang), meanings[0])
            return pick.split(":")[1]
        english.append(_MIXED_TAGS_AND_PARTS.sub(
            lambda m: m.group() if m.group()[0] in "<0123456789" else f" {said(m.group())} ",
            run).encode())
        if _MIXED_UNREAD.search(run):
            in_digits.append(_MIXED_TAGS_AND_PARTS.sub(
                lambda m: _SAID_DIGITS.get(said(m.group()), m.group()), run).encode())
        if "<" in run and len(parts) <= 18:
            # (between tags, which the digit rules read over in HTML only: <d>1</d><d>3</d>...
            # in XML or in a JSON string, the digits together, a pause a space)
            out = []
            last = 0
            for piece in _MIXED_TAGS_AND_PARTS.finditer(run):
                if piece.group().startswith("<"):
                    continue
                if _MIXED_PAUSE.search(run, last, piece.start()):
                    out.append(" ")
                out.append(_SAID_DIGITS.get(said(piece.group()), piece.group()))
                last = piece.end()
            in_digits.append(("".join(out) + (" X" if check is not None else "")).encode())
    return english, list(dict.fromkeys(in_digits))


# Runs of seven words or more in the languages read among digits only until round 10
# ("jat saam gau jat ji ...", "один три девять ...", "하나 셋 아홉 ..."), read as the English
# words. Each language is looked for only where the text holds its word for 1 or 2 (a mobile
# begins with 1, an ID's year with 19 or 20: every identifier said in it holds one of them),
# and a script's words only where its UTF-8 lead bytes are (one pass, in C). A byte search
# costs ~1 us per 2 KB whatever it finds, so only languages whose gate is found in a few such
# steps are read so: Cantonese in Jyutping (after a memchr for j: jat, ji), Russian, Hindi in
# Devanagari, Arabic, native Korean and (round 15) Tamil. Yale Cantonese, Hokkien and
# Latin-script Hindi words for 1 and 2 ("yat", "it", "do", "ek") are in most text, or cost a
# search each: their words are read among digits only (see _MIXED_RUN). Spanish, Portuguese,
# French, German and Italian, whose words for 1 and 2 are as common, are read alone since
# round 15 behind a gate of their own (see _MORE_LATIN).
_MORE_GATES: dict[str, tuple[bytes, tuple[str, ...]]] = {  # lead bytes, words for 1 and 2
    "Cantonese": (b"j", ("jat", "ji")),
    "Russian": (b"\xd0\xd1", ("один", "одна", "два", "две")),
    "Hindi": (b"\xe0", ("एक", "दो")),
    "Arabic": (b"\xd8\xd9\xda\xdb", ("واحد", "اثنان", "اثنين")),
    "Korean": (b"\xea\xeb\xec\xed", ("하나", "둘")),
    "Tamil": (b"\xe0", ("ஒன்று", "ஒண்ணு", "இரண்டு", "ரெண்டு")),
}
# Round 15: Spanish, Portuguese, French, German and Italian words alone too (a mobile said in
# them was missed). Their words for 1 and 2 are in most text ("un", "dos", "ein", "due"), and a
# byte search for each costs a microsecond per 2 KB, so none is looked for: a byte table of
# their letters marks words and separators, and one pattern with a literal start (in C) finds
# seven words in a row of those letters, each of two to seven bytes as a digit word is (English
# prose breaks on g, j, k and y, on its one-letter words and on its longer words); only there
# are those languages read as the others are (each one's pattern over the text).
_MORE_LATIN = ("Spanish", "Portuguese", "French", "German", "Italian")
_MORE_LATIN_SEPARATORS = b" \t\r\n,;-/_.|()[]\"'=:>"
_MORE_LATIN_LETTERS = {b for lang in _MORE_LATIN for w in _MORE_DIGITS[lang]
                       for f in (w, w.upper(), w.title()) for b in f.encode()}
_MORE_LATIN_TABLE = bytes(
    ord("w") if c in _MORE_LATIN_LETTERS else ord(" ") if c in _MORE_LATIN_SEPARATORS
    else ord(".") for c in range(256))
# (seven words, each after separators; the skeleton is read after a space, so a word at the
# text's start has one too)
# (round 17: a connector of one letter may stand between words, as a number is said aloud:
# "uno tres nueve uno y dos ...", Portuguese and Italian "e"; "und", "et" are words of the
# letters already; ~1.5 us more per 2 KB than without)
_MORE_LATIN_SEVEN = re.compile(rb" ww{1,6}+" + rb" ++(?:[w.] ++)?+ww{1,6}+" * 6 + rb"(?!w)")
# (first, where seven such words could be at all: a stretch of those letters and separators as
# long as seven words of two letters and their separators, found with one translate and one
# search; most JSON has none, and the pattern is tried from the first only)
# (a quote, colon, equals sign or bracket, which only open a run, ends a stretch: in JSON, keys and
# values of those letters would otherwise make stretches)
_MORE_LATIN_STRETCH_TABLE = bytes(
    ord("w") if c in _MORE_LATIN_LETTERS or c in b" \t\r\n,;-/_.|yY" else ord(".")
    for c in range(256))
_MORE_LATIN_LEAST = b"w" * 20
# (each gate word as it may be written: capitals, a capital first, and as the scanner's
# normalisation leaves it, where Cyrillic O is the Latin letter)
_MORE_GATE_FORMS = {lang: tuple({f.encode() for w in words for f in (
    w, w.upper(), w.title(), _prepared(w.upper().encode()).decode(),
    _prepared(w.title().encode()).decode(), _prepared(w.encode()).decode())})
    for lang, (_, words) in _MORE_GATES.items()}
_MORE_NOT_LEADS = bytes(c for c in range(256) if bytes((c,)) not in b"".join(
    lead for lang, (lead, _) in _MORE_GATES.items() if lang != "Cantonese"))


def _more_runs() -> dict[str, tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]]:
    out = {}
    for lang in (*_MORE_GATES, *_MORE_LATIN):
        meaning: dict[str, str] = {}
        for word, said in _MORE_DIGITS[lang].items():
            forms = _other_forms(word)
            forms |= {"".join(c for c in f if not unicodedata.combining(c)) for f in forms}
            forms |= {_prepared(f.encode()).decode() for f in forms if not f.isascii()}
            for form in forms:
                meaning.setdefault(form.lower(), said)
        words = "|".join(re.escape(w) for w in sorted(meaning, key=len, reverse=True))
        tone = "[1-6]?" if lang == "Cantonese" else ""  # (Jyutping's tones: "jat1 saam1")
        if lang == "Korean":  # (written without spaces too: no bounds)
            word = f"(?:{words})"
        else:
            word = (f"(?<![a-z0-9{_SPACED_LETTERS}])(?:{words}){tone}"
                    f"(?![a-z0-9{_SPACED_LETTERS}])")
        gap = _MIXED_GAP
        if lang in _MORE_LATIN:  # (round 17: "y", "e", "und", "et" between digit words)
            gap = f"{_MIXED_GAP}(?:{_MORE_CONNECTORS}{_MIXED_GAP})?"
        out[lang] = (re.compile(f"{word}(?:{gap}{word}){{6,}}+"),
                     re.compile(f"({words}){tone}"), meaning)
    return out


# The words that join digit words said aloud in the Latin languages: Spanish y, Portuguese
# and Italian e, German und, French et (taken out of a run read: see _more_said).
_MORE_CONNECTORS = "(?<![a-z])(?:y|e|und|et)(?![a-z])"
_MORE_CONNECTOR = re.compile(f"[ \t]*+{_MORE_CONNECTORS}")


_MORE_RUNS = _more_runs()


def _more_said(data: bytes, budget: Budget | None = None) -> bytes | None:
    """`data` followed by each run of seven digit words or more in the languages of
    _MORE_GATES, as English digit words; None when there is none."""
    lower = data.lower()
    languages = []
    if b"j" in lower and (b"jat" in lower or b"ji" in lower):
        languages.append("Cantonese")
    if not lower.isascii() and (leads := lower.translate(None, _MORE_NOT_LEADS)):
        languages += [lang for lang, (lead, _) in _MORE_GATES.items()
                      if lang != "Cantonese" and any(c in lead for c in leads[:64])
                      and any(g in data for g in _MORE_GATE_FORMS[lang])]
    first = data.translate(_MORE_LATIN_STRETCH_TABLE).find(_MORE_LATIN_LEAST)
    if first >= 0 and _MORE_LATIN_SEVEN.search(
            b" " + data[first:].translate(_MORE_LATIN_TABLE)) is not None:
        languages += _MORE_LATIN
    if not languages:
        return None
    low = data.decode("utf-8", "replace").lower()
    runs: list[str] = []
    for lang in languages:
        pattern, parts, meaning = _MORE_RUNS[lang]

        def english(w: re.Match[str], meaning: dict[str, str] = meaning) -> str:
            return f" {meaning[w.group(1)]} "

        for m in pattern.finditer(low):
            if budget is not None:
                budget.spend(len(m.group()) // 2)  # (a Python step per word)
            # each word as its English one, what parts them kept ("один, три": "one, three",
            # a list of digits as the English rules read one)
            run = m.group()
            if lang in _MORE_LATIN:  # (a connector out, as the separators about it are)
                run = _MORE_CONNECTOR.sub("," if "," in run else "", run)
            runs.append(parts.sub(english, run))
    if not runs:
        return None
    # (after the text, each after a bar and a line end: in place, a Cantonese reading of
    # "ling ling ..." took the words a pinyin run "yi san jiu ling ..." is read with)
    return data + "".join(" |\n" + r for r in runs).encode("utf-8", "replace")


def _said(data: bytes, budget: Budget | None = None) -> bytes | None:
    """`data` with each run of digits said in words written in digits ("one three nine one
    two three four five six seven eight" -> "13912345678"; a comma or full stop between
    words stays a separator), and each whole field said in four words or more; None when
    there is none."""
    other = _says_other(data)  # (once: it is passed on)
    more = _more_said(data, budget)
    if more is not None:
        data = more
    mixed = _mixed_said_parts(data, budget)
    in_digits = b""
    if mixed is not None:
        data, in_digits = mixed
    elif more is None and not other and not _says_words(data):
        return None
    data = _in_english(data, budget, other)
    changed = mixed is not None or more is not None
    for rule in (_SAID_RUN_AT, _SAID_FIELD_AT):
        lower = b"\n" + data.lower()  # (offsets in it are one on: see _from_the_byte_before)
        pieces: list[bytes] = []
        last = 0
        for m in rule.finditer(lower):
            group = 1
            if _SAID_LETTER.search(m.group(group)) is None:
                # numbers only (a check character X is no word): nothing said. (Read, the
                # separators of [1, 3, 9, 1, 2, ...], a survey's answers, would be spaces
                # when anything else in the text says digits, pinyin names too: a mobile)
                continue
            if budget is not None:
                # writing a run costs a Python step per word: spent before, so a run of
                # tens of thousands of words is refused inline at once (and read by a worker)
                budget.spend(len(m.group(group)) // 2)
            written = _said_digits(m.group(group))
            if rule is _SAID_RUN_AT and ascii_digits(written) < 7:
                continue  # six digit words: six digits, no identifier
            pieces.append(data[last:m.start(group) - 1])
            pieces.append(written)
            last = m.end(group) - 1
        if pieces:
            pieces.append(data[last:])
            data = b"".join(pieces)
            changed = True
    return data + in_digits if changed else None


def _said_digits(run: bytes) -> bytes:
    """A run of said digits written in digits; a comma or full stop between words becomes a
    space. Two numbers in a row keep what parts them when either has two digits or more
    ("rooms 17 8 89 10 9 7 23" stays apart though digit words stand elsewhere in the text),
    and a number and a word parted by a full stop, colon or line end stay apart ("tel 6929
    1813. ONE, TWO, ...", "... 1754. Oh oh oh"): a bar no reading joins over marks it."""
    out: list[str] = []
    repeat = 1
    last = None  # the number last written (str), or "" after a word, None at the start
    sep = ""
    tens = -1  # where a tens word's digits were written, while a unit may follow it
    for n, piece in enumerate(re.split(rb"([,.;:]|[ \t\r\n/_()\[\]|\"'-]+)", run)):
        text = piece.decode()
        if n % 2:
            sep += text
            continue
        if not text:
            continue
        if tens >= 0 and text in _SAID_UNITS and not any(c in ",.;:" for c in sep):
            out[tens] = out[tens][0] + _SAID_DIGITS[text]  # "thirty-four": 34
            tens, sep = -1, ""
            continue
        tens = -1
        if text == "and":  # (between groups: a pause)
            sep += " "
            continue
        if text in _SAID_REPEAT:
            repeat = _SAID_REPEAT[text]
            continue
        if text == "x":  # the check character, which ends the run
            out.append("X")
            break
        said = _SAID_TENS[text] + "0" if text in _SAID_TENS else _SAID_TEENS.get(text)
        digits = said or (_SAID_DIGITS.get(text) or text) * repeat
        numeral = said is None and text.isdigit()
        if last is not None:
            if last and numeral and (len(last) > 1 or len(text) > 1):
                out.append(sep)
            elif (last or numeral) and any(c in ".;:\r\n" for c in sep):
                out.append(sep + "|")
            elif (last and len(last) > 1) or (numeral and len(text) > 1):
                out.append(" ")  # a number of its own beside a word ("51893 eight 2004...")
            elif any(c in ",.;:" for c in sep):
                out.append(" ")
        out.append(digits)
        if text in _SAID_TENS:
            tens = len(out) - 1
        last = text if numeral else ""
        repeat, sep = 1, ""
    return "".join(out).strip().encode()


_CN_ANY = re.compile(f"[{CN_NUMERAL_CHARS}]")
# Where a numeral may touch a digit or a separator, as the skeleton shows it (L and c stand
# for more characters than the numerals, and a c may end any character: each place is
# checked), with the offset of the numeral's first byte from the match.
# (round 23: each numeral whole, "Lcc", as _numeral_touching needs it: a numeral is three
# bytes; "cd" alone matched at each character of a charset's reading of MPEG frame headers,
# "\x9f3" repeated in cp037, ~250k checks of ~3 us an MB)
_CN_TOUCHING = ((b"Lccd", 0), (b"dLcc", 1))


def _touches(neighbours: str, stripped: str) -> bool:
    """The unit next to a numeral, past `neighbours` minus `stripped` separators: a digit
    (zero to three separators between) or another numeral (one to three: a group boundary)."""
    gap = len(neighbours) - len(stripped)
    if not stripped or gap > 3:
        return False
    unit = stripped[0]
    return unit in "0123456789" or (gap > 0 and unit in _CN_NUMERAL_SET)


def _numeral_touching(data: bytes, at: int) -> bool:
    """Whether the three bytes at `at` are a numeral that touches a unit (see _touches)."""
    if data[at:at + 3].decode("utf-8", "replace") not in _CN_NUMERAL_SET:
        return False
    # three separators and a unit fit in six bytes either side (a cut character decodes to
    # U+FFFD, which is no unit)
    before = data[max(0, at - 6):at].decode("utf-8", "replace")[::-1]
    after = data[at + 3:at + 9].decode("utf-8", "replace")
    return (_touches(before, before.lstrip(_SEPARATORS))
            or _touches(after, after.lstrip(_SEPARATORS)))


def _numerals_spelled(data: bytes) -> bytes | None:
    """Prepared UTF-8 `data` with every Chinese numeral as its digit, when a numeral touches a
    digit or, across one to three separators, another group of numerals or digits (the
    original reading stays: "卷一13912345678" holds a mobile there, and a twelve-digit number
    here); None otherwise (prose: "统一", "第一章", "张三", "4号"; a run of seven numerals or
    more is read as digits already). Found with byte searches, each place then checked."""
    skeleton = data.translate(_CN_SKELETON)
    for pattern, offset in _CN_TOUCHING:
        pos = skeleton.find(pattern)
        while pos >= 0:
            if pos + offset >= 0 and _numeral_touching(data, pos + offset):
                text = data.decode("utf-8", "replace")
                return _CN_ANY.sub(lambda m: m.group().translate(_CN_DIGITS), text).encode()
            pos = skeleton.find(pattern, pos + 1)
    return None


def _tokens(data: bytes, today: dt.date, resident_ids: bool, phones: bool,
            budget: Budget | None, fields: list[int] | None = None,
            first_generation: bool = True) -> Iterator[Token]:
    """tokens() of prepared `data` (ASCII, or UTF-8 normalised by _prepared). `fields`: where
    _glued joined the fields of a structure, whose numbers sit side by side by design
    (counters, coordinates, amounts): there only what proves itself is taken, an 18-character
    ID (its check character), and a first-generation ID or a phone with a word or plus sign
    before it saying what it is; a run that joins no fields is the reading before: skipped.
    `first_generation` False: 15-digit IDs are not read (the numbers told after an ID word,
    joined: a 15-digit ID has no check character, and a passport number, a date and a phone
    after "ID" join to 15 digits with a valid yymmdd in one cut of ten)."""
    if ascii_digits(data) < 8:
        return  # fewer than 8 digits in all: no identifier (decided in C)
    spend = budget.spend if budget is not None else None
    carried = (-1, _NO_LABEL)  # (the end and label of the last 15-digit number: a list's)
    for start, end in _clean_runs(data):
        if fields is not None and not _joins(fields, start, end):
            continue  # as the reading before joining has it
        # digits and a final check character, counted in C (most runs are dates and amounts)
        digits = ascii_digits(data[start:end]) + (data[end - 1] in b"Xx")
        if digits < 8:
            continue
        plus = _plus_before(data, start)
        if digits < 11 and not plus:
            continue
        if fields is not None and digits < 15 and not (
                plus or (phones and (_labels_run(data, start, _PHONE_WORDS)
                                     or _phone_parts(data, start, end, fields)))):
            continue  # joined fields: only an ID, or a phone said to be one (see above)
        if budget is not None and budget.exact(digits * 4):
            # a run of more digit groups than the budget has left is refused before its
            # groups are listed (a list of millions of strings: ~100 bytes per byte of a
            # run such as "1<1<1<..."), as spend(len(groups) * 4) below would refuse it
            noise = _noise_start(data, start, end)
            cut = end if noise is None or noise <= start else noise
            if noise is None or noise > start:
                budget.demand((b"." + data[start:cut].translate(_DIGIT_SKELETON)).count(
                    b".0") * 4)
        groups = [g.decode() for g in _GROUPS.findall(data, start, end)]
        if len(groups) == 4 and _DOTTED_QUAD.fullmatch(data, start, end):
            continue
        noise = _noise_start(data, start, end)
        if noise is not None:
            # Digits inside the UUID or hash are not identifiers; those before it still are.
            if noise <= start:
                continue
            end = noise
            groups = [g.decode() for g in _GROUPS.findall(data, start, end)]
            if sum(len(g) for g in groups) < 8:
                continue
        if len(groups) == 1:
            # The common case: one unbroken number.
            if spend is not None:
                spend(1)
            if len(groups[0]) < 18 and _in_hex_id(data, start, end):
                continue  # (the digits of a short hex id: round 13 and 18's false positives)
            # (an ID's own label wins: "id_card" holds a card word, which was taken for a
            # payment card's, and an ID so labelled was not read)
            first_gen_device = False
            if len(groups[0]) == 15:
                kind = _fifteen_digit_label(data, start, carried)
                carried = (end, kind)
                first_gen_device = _labelled_other(kind, groups[0], data, start)
            token = _id_token(groups[0].upper(), start, today) if (
                resident_ids and not first_gen_device
                and (first_generation or len(groups[0]) != 15)) else None
            if token is None and phones and not (
                    not plus and len(groups[0]) == 13 and groups[0].startswith("86")
                    and _jp_corporate_number(data, start, groups[0])):
                token = _phone_token(groups[0], start, plus, len(groups[0]) == 12 and groups[
                    0].startswith("01") and _trunk_ok(data, start, end),
                    reread=not (plus and _signed_amount(data, start, end)))
            if token is None and groups[0].startswith("0") and len(groups[0]) > 12:
                token = _zero_padded(groups[0], start, today, resident_ids, phones)
            if token is not None:
                yield token
            continue
        if spend is not None:
            spend(len(groups) * 4)
        phone_word = _labels_run(data, start, _PHONE_WORDS)
        # (told by the labels of a phone's parts only: a country code other than 86 first)
        parts = not phone_word and fields is not None and _phone_parts(data, start, end, fields)
        other_code = parts and groups[0].lstrip("0") != "86" and _context(
            data, start, _CALLING_CODE)
        # (a phone word before joined fields labels the first field's value only: a window of
        # later fields alone is no mobile it names, "has_phone": 1, "box": [175, 1121, 1381])
        first_only = fields is not None and bool(phone_word) and not plus
        phone_word = phone_word or parts
        id_word = _context(data, start, _ID_WORDS)
        if fields is not None and not (plus or phone_word):
            named = frozenset() if _context(data, start, _STRONG_ID_WORDS) else \
                _structure_bounds(data, start, end, b"\f")
            windows = list(_id_windows(groups, id_word, _structure_bounds(data, start, end),
                                       _field_starts(data, start, end, fields), named))
        elif len(groups) > 18 and not (plus or phone_word or id_word) and max(
                len(g) for g in groups) == 1:
            windows = list(_digit_by_digit_windows(groups))
        else:
            windows = list(_windows(groups, plus))
        if not windows:
            continue
        used = [False] * len(groups)
        sizes = [len(g) for g in groups]
        run_label: int | None = None  # (found when a 15-digit group stands alone, once a run)
        group_spans: list[tuple[int, int]] | None = None  # (where its groups are)
        code_apart = plus and (_code_apart(groups) or _signed_amount(
            data, start, start + len(groups[0])))  # (a run starts with its first group)
        if resident_ids:
            for i, j, joined in windows:
                strict = fields is not None and not id_word
                # In joined fields the ID word does not excuse the grouping: records such as
                # {"id": 747445, "parent": 69704835, ...} hold 15 digits with a valid yymmdd
                # in any cut (1 + 6 + 8); a first-generation ID split over fields is split
                # by its parts.
                if len(joined) == 15 and (strict or not first_generation or not _grouping_ok(
                        tuple(sizes[i:j + 1]), joined, False, id_word and fields is None)):
                    continue
                if len(joined) == 15 and _amex_card(sizes[i:j + 1], joined, data, start):
                    continue
                if len(joined) == 15 and i == j:
                    # Round 20: a list of 15-digit numbers after one label (a YAML list under
                    # "imeis:", "IMEI <a> / <b>") is one run of groups: each number alone
                    # has the run's label, as an unbroken number has its own.
                    if run_label is None:
                        run_label = _fifteen_digit_label(data, start, carried)
                        carried = (end, run_label)
                    # Round 21: a number after the first has the run's label only when the
                    # label names a list (see _LIST_FLAG) and the number has no label of its
                    # own ("Loan <account> <ID>": the account number before it is its label's
                    # end, so the ID is read)
                    label = run_label
                    at = start
                    if i:
                        if group_spans is None:  # (once a run; round 21)
                            group_spans = [m.span() for m in _GROUPS.finditer(data, start, end)]
                        at = group_spans[i][0]
                        label = _fifteen_digit_label(data, at, (group_spans[i - 1][1], run_label))
                    if _labelled_other(label, joined, data, at):
                        continue
                if len(joined) == 15 and i and _a_fraction(data, group_spans or (group_spans := [
                        m.span() for m in _GROUPS.finditer(data, start, end)]), i):
                    # (the spans once a run: a run of thousands of numbers took ~8 s, quadratic)
                    # Round 18: the digits after a decimal point ("brightness":
                    # 22.646366050515294; a face embedding's floats have 15-17) are no
                    # first-generation ID: 8 in 20 random 512-float embeddings were read
                    continue
                if len(joined) in (15, 18) and not any(used[i:j + 1]):
                    token = _id_token(joined.upper(), start, today)
                    if token is not None and len(joined) == 18 and i != j and not known_area(
                            joined[:6]):
                        # Round 22: an ID joined from separate fields (a structure's, or
                        # tab-separated columns) must have an area code ever in use, not only
                        # a province's two digits: a Singapore postal code, a date of birth
                        # and a card's last four side by side in a CSV row passed one row in
                        # eleven ('322945' is no county). One number is read as ever.
                        if group_spans is None:
                            group_spans = [m.span() for m in _GROUPS.finditer(data, start, end)]
                        if (fields is not None or b"\t" in data[
                                group_spans[i][1]:group_spans[j][0]]) and not _context(
                                    data, start, _STRONG_ID_WORDS):
                            token = None
                    if token is not None:
                        used[i:j + 1] = [True] * (j + 1 - i)
                        yield token
        if phones and (phone_word or plus or fields is None):
            # A group that is the end of a word ("/v1/139...", "rev2 139 ...") or the start
            # of one, or a last X (no phone number has one), is not the number's: the whole
            # number may leave it out.
            first = 1 if start and (data[start - 1:start].isalpha() or data[
                max(0, start - 3):start].endswith(_AMOUNT_MARKS)) else 0
            last = len(groups) - (2 if groups[-1] in ("X", "x") or data[
                end:end + 1].isalpha() else 1)
            # the groups' spans, found once per run when a window needs them (found per
            # window, a run of thousands of groups was quadratic: 9.9 s for 128 KB of
            # "one fifty, ten ten, ten ten, ...")
            found_spans: list[list[tuple[int, int]]] = []

            def spans(start: int = start, end: int = end,
                      found: list[list[tuple[int, int]]] = found_spans) -> list[tuple[int, int]]:
                if not found:
                    found.append([m.span() for m in _GROUPS.finditer(data, start, end)])
                return found[0]

            for i, j, joined in windows:
                lead = i == 0 and plus
                # A bare mobile joined from groups is the whole run (not 3 of 4 numbers of a
                # bounding box), unless a phone word or a prefix says what it is.
                # (one unbroken group is a number of its own when it stands apart as a word:
                # "13912345678 2026", "0 13912345678", see _own_number; so is a mobile written
                # 3-4-4 whose separator sets it apart, see _set_apart)
                whole = (i <= first and j >= last) or lead or phone_word or \
                    joined.startswith(("86", "00")) or (
                        i == j and _own_number(data, spans(), groups, i)) or (
                        j - i == 2 and sizes[i:j + 1] == [3, 4, 4]
                        and _set_apart(data, spans(), i, j))
                if fields is not None and ((other_code and i > 0) or not _joined_phone_ok(
                        sizes[i:j + 1], joined, lead, plus)):
                    continue
                if first_only and fields is not None and i > first and i >= min(
                        _field_starts(data, start, end, fields) - {first}, default=len(groups)):
                    continue
                if not phone_word and j > i and j + 1 < len(groups) and _amount_tail(
                        data, spans(), i, j):
                    continue
                if not any(used[i:j + 1]) and whole and _grouping_ok(
                        tuple(sizes[i:j + 1]), joined, lead, phone_word):
                    token = _phone_token(joined, start, lead, reread=not (lead and code_apart))
                    if token is not None:
                        used[i:j + 1] = [True] * (j + 1 - i)
                        yield token


_SPACES = re.compile(rb"[ \t\r\n\f\v]")


def _amount_tail(data: bytes, spans: list[tuple[int, int]], i: int, j: int) -> bool:
    """Whether the last group of the window i..j is an amount's integer part: a point and two
    digits follow it ("9949.18") while the window's own groups are parted otherwise. Three
    cells of an HTML table's consecutive rows ("156", "1096", "9949.18") were read as a mobile
    parted by line ends, 12 in 300 ordinary tables of numbers and amounts. (Not after a phone
    word: "tel 139 1234 5678.00" is read as its zero fraction says.)"""
    if len(spans) <= j + 1:
        return False
    after = data[spans[j][1]:spans[j + 1][0]]
    if after != b"." or spans[j + 1][1] - spans[j + 1][0] != 2:
        return False
    return any(data[spans[k][1]:spans[k + 1][0]] != b"." for k in range(i, j))


# Words before a number, and currencies after it, that say a plus sign is an amount's sign
# ("amount +13843301970 IDR", "balance: +13681921664 VND", "+15012345678.50"): no phone's.
_AMOUNT_WORDS = _any_of(b"amount", b"balance", b"total", b"credit", b"debit", b"price",
                        b"sum", b"saldo", b"jumlah", b"nominal", b"change", b"delta", b"diff",
                        b"payment", b"paid", b"fee", b"salary", b"income", "金额", "余额")
_CURRENCY_AFTER = re.compile(rb"[ \t]*(?:[A-Z]{3}(?![A-Za-z])|[.,][0-9]|rp|rm|sgd|idr|vnd|myr|"
                             rb"yen|won|dong|rupiah|ringgit|baht|peso|dollars?|euros?)",
                             re.IGNORECASE)


def _signed_amount(data: bytes, start: int, end: int) -> bool:
    """Whether the plus before the number data[start:end] is the sign of an amount: an amount
    word before it, or a currency or a decimal part after it. Such a number is not read
    without its plus as a mainland mobile (see _phone_token's `reread`)."""
    return _context(data, start, _AMOUNT_WORDS) or _CURRENCY_AFTER.match(data, end) is not None


def _code_apart(groups: list[str]) -> bool:
    """Whether the first group after a plus is a country code other than 86 written apart
    from the rest ("+1 (535) 804-6326", "+1 734 022 5998", "+44 20 ..."): a number whose
    writer says which country it is in; when it is no valid number of that country (an area
    code libphonenumber does not know yet, a typo, a placeholder) it is still that country's,
    not a mainland mobile read without its plus (+1 and ten digits are eleven digits starting
    1, and one unknown US or Canadian number in two is a mainland mobile that way)."""
    code = groups[0]
    return len(groups) > 1 and len(code) <= 3 and code[0] != "0" and code != "86" and \
        bool(_plans(int(code)))
# Words before a number that say it is dialled (with _PHONE_WORDS): a mobile after the trunk
# prefix 0 is read after one of these, or as the whole text.
_DIAL_WORDS = _any_of(b"call", b"dial", b"ring", b"sms", b"text me", b"hp", "拨", "致电", "打")


def _trunk_ok(data: bytes, start: int, end: int) -> bool:
    """Whether the 12-digit number data[start:end] starting 01 may be a mainland mobile after
    the trunk prefix 0 ("013912345678"): it is the whole text, or a phone word or a word of
    dialling comes before it. Twelve-digit numbers are account numbers, references, Japanese
    My Numbers and camera serials ("account 019128013488", "Ref 019075461804"), one in 180 of
    them a mobile after a 0."""
    if not (data[:start].strip() or data[end:].strip(b" \t\r\n.,;:!?\"'")):
        return True
    # (a word before another number labels that one: "SĐT: 0912345678, CCCD: 015090012345"
    # is a Vietnamese ID card after a phone, red team round 14)
    lo = max(0, start - 32)  # (a Thai or Korean label is 3 bytes a letter)
    window = data[lo:start]
    other = window.translate(_SKELETON).rfind(b"0000")
    if other >= 0:
        lo += other + 4
        window = window[other + 4:]
    window = window.lower()
    said = [m.start() for words in (_PHONE_WORDS, _DIAL_WORDS) for m in words.finditer(window)]
    return (bool(said) and _same_column(data, lo + max(said), start)) or _trunk_field(
        data, start, end)


_COLUMN_SEPARATORS = (b",", b"\t", b";", b"|")


def _same_column(data: bytes, word: int, start: int) -> bool:
    """Whether a label at `word` on an earlier line than the number at `start` names the
    number's column: a header row's labels name their own columns ("currency,phone,branch\n
    019690429435,..." is a transaction id under txn_id; ordinary overseas CSV exports,
    tests/core/overseas_traffic.py, 2 in 3,000 bodies). A label on the number's own line, or
    on a line of no columns ("Phone:\n013912345678"), names it."""
    word_end = data.find(b"\n", word, start)
    if word_end < 0:
        return True
    head = data[data.rfind(b"\n", 0, word) + 1:word_end]
    row = data.rfind(b"\n", 0, start) + 1
    for sep in _COLUMN_SEPARATORS:
        if sep in head:
            return head.count(sep, 0, word - data.rfind(b"\n", 0, word) - 1) == data.count(
                sep, row, start)
    return True


# Round 24: a mobile after the trunk prefix 0 as a field's whole value with no phone word (a
# JSON string, an array's item, a query or form value, a path segment: call records and CRMs
# store a non-local mobile so, "013912345678"), where the field has no name or a name that
# says nothing (a letter or two, "value", "number"): a field named by a word says what else it
# holds (a car's, an amount's, Japan's 12-digit My Number: round 14's "automovil", "usdt",
# マイナンバー), and it is then read after a phone word only. Nor a UPC-A bar code by its check
# digit (US grocery codes start 01: "013000006408" is Heinz's; one trunk mobile in ten passes
# that check and is then read after a phone word only).
_TRUNK_OPEN = re.compile(rb'(?:[:\[,][ \t\r\n]{0,8}"|=|/)\Z')
_TRUNK_CLOSE = frozenset(b'"&;#/?')
_TRUNK_PLAIN_NAMES = frozenset(("no", "nr", "num", "number", "nomor", "nombor", "value", "val",
                                "text", "data", "q", "query", "s", "search"))


# Round 24: a mobile written in groups after the trunk prefix 0, as dialled within China
# ("0139 1234 5678", "0139-12345678", "0 139 1234 5678"): joined, it is read as the unbroken
# "013912345678" is (after a phone or dialling word, or as a field's whole value: _trunk_ok).
# (led by the literal 0, found at memchr speed: a lookbehind first costs ~75 us per 2 KB; what
# stands before a match is checked after)
# (a separator after the 3 digits of its block: "0 13912345678" is read as it is; never a point
# after the 0, "0.13912345678" is a decimal fraction)
_TRUNK_GROUPED = re.compile(rb"0[ -]?1[3-9][0-9][ .-][0-9]{4}[ .-]?[0-9]{4}(?![0-9]|[.,-][0-9])")
_TRUNK_NOT_AFTER = frozenset(b"0123456789+.,")
# Round 24: an HL7 v2 XTN telephone (PID-13, NK1-5 ...) whose components part the number with
# carets: use code, equipment type (CP cellular, PH telephone ...), email, country code, area
# code, local number ("^PRN^CP^^86^139^12345678"). A mainland mobile when the country is 86 or
# left empty and the area and local parts are a mobile's 3 and 8 digits; read as its 11 digits.
_HL7_XTN = re.compile(rb"\^(?:[A-Z]{2,3})?\^(?:[A-Za-z0-9.]{2,8})?\^[^^|~\r\n]{0,64}+\^"
                      rb"(?:\+?86|0086)?\^(1[3-9][0-9])\^([0-9]{4})-?([0-9]{4})(?![0-9A-Za-z])")


def _dialled(data: bytes) -> bytes | None:
    """`data` with a mobile dialled after the trunk prefix 0 in groups written unbroken, and
    each HL7 XTN mobile written as its 11 digits (see above); None when there is neither (a
    caret, then a regex search led by a literal 0 over the text's digits)."""
    out = data
    if b"^" in data:
        out = _HL7_XTN.sub(lambda m: b"^ " + m.group(1) + m.group(2) + m.group(3) + b" ", out)
    pieces: list[bytes] = []
    last = 0
    for m in _TRUNK_GROUPED.finditer(out):
        if m.start() and out[m.start() - 1] in _TRUNK_NOT_AFTER:
            continue
        pieces += (out[last:m.start()], m.group().translate(None, b" .-"))
        last = m.end()
    if pieces:
        out = b"".join(pieces) + out[last:]
    return out if out != data else None


# Round 24: digits in Morse code (five dots and dashes each: 1 is .----, 0 -----), eleven to
# eighteen of them parted by spaces or slashes: a trivially decoded spelling that keyword
# filters miss. Read as the digits (the usual rules then decide: an 18-digit ID has its check
# character; a mobile its block). Markdown rules and ellipses are no run of 5-symbol groups.
_MORSE_DIGITS = {"-----": "0", ".----": "1", "..---": "2", "...--": "3", "....-": "4",
                 ".....": "5", "-....": "6", "--...": "7", "---..": "8", "----.": "9"}
# (a full stop may end the sentence after the last group)
_MORSE_RUN = re.compile(rb"(?<![.-])[.-]{5}(?:(?: {1,3}| ?/ ?)[.-]{5}){10,17}(?!-|\.[.-])")
_MORSE_GROUP = re.compile(rb"[.-]{5}")


def _morse(data: bytes) -> bytes | None:
    """`data` with each run of Morse digits (see above) in digits; None when there is none."""
    pieces: list[bytes] = []
    last = 0
    for m in _MORSE_RUN.finditer(data):
        said = [_MORSE_DIGITS.get(g.decode()) for g in _MORSE_GROUP.findall(m.group())]
        if None in said:
            continue
        pieces += (data[last:m.start()], "".join(d for d in said if d is not None).encode())
        last = m.end()
    if not pieces:
        return None
    return b"".join(pieces) + data[last:]


# Round 24: an ID or mobile written reversed under a field name that says so and says what
# it is ("id_reversed", "phone_rev", "reversedMobile": the receiving code reverses it back):
# the value is read reversed too. Both words are needed: "rev" alone is a revision's.
# (the values found first, each name then looked for in the 40 bytes before: a pattern led by
# the name's characters would try every position of the text)
_REVERSED_FIELD = re.compile(rb"[:=][ \t]*+[\"']?([0-9]{11,18}[Xx]?|[Xx][0-9]{17})"
                             rb"(?![0-9A-Za-z])")
_REVERSED_KEY = re.compile(rb"([A-Za-z0-9_.-]{1,40})[\"']?[ \t]*\Z")
_REVERSED_NAME = re.compile(rb"(?<![a-z])rev(?:ersed?)?(?![a-z])|revers")
_REVERSED_WHAT = re.compile(_PHONE_WORDS.pattern + rb"|(?<![a-z])(?:id|nik|sfz|sfzh)(?![a-z])"
                            rb"|identity|idcard|id_card|resident")


def _reversed_values(data: bytes) -> bytes | None:
    """`data` with each value under a reversed phone's or ID's name (see above) reversed;
    None when there is none."""
    pieces: list[bytes] = []
    last = 0
    for m in _REVERSED_FIELD.finditer(data):
        key = _REVERSED_KEY.search(data, max(0, m.start() - 44), m.start())
        if key is None:
            continue
        name = _CAMEL_BYTES.sub(b"_", key.group(1)).lower()
        if _REVERSED_NAME.search(name) is None or _REVERSED_WHAT.search(name) is None:
            continue
        pieces += (data[last:m.start(1)], b" " + m.group(1)[::-1] + b" ")
        last = m.end(1)
    if not pieces:
        return None
    return b"".join(pieces) + data[last:]


def _upc_a(digits: str) -> bool:
    """Whether the 12 `digits` are a UPC-A code by its check digit."""
    total = sum(int(c) * (3 if k % 2 == 0 else 1) for k, c in enumerate(digits[:11]))
    return (10 - total % 10) % 10 == int(digits[11])


def _trunk_field(data: bytes, start: int, end: int) -> bool:
    """Whether the 12-digit number data[start:end] starting 01 stands alone as a field's
    value and nothing says it is another number (see above)."""
    if end < len(data) and data[end] not in _TRUNK_CLOSE:
        return False
    if _TRUNK_OPEN.search(data, max(0, start - 10), start) is None:
        return False
    if data[start - 1:start] == b'"' and data[end:end + 1] != b'"':
        return False
    if _upc_a(data[start:end].decode()):
        return False
    text = _LABEL_CUT.split(_label_window(data, start).decode("utf-8", "ignore"))[-1]
    return all((len(w) <= 2 and w.isascii()) or w.isdigit() or w in _TRUNK_PLAIN_NAMES
               for w in _LABEL_TOKENS.findall(_CAMEL.sub(" ", text).lower()))


def _own_number(data: bytes, spans: list[tuple[int, int]], groups: list[str], i: int) -> bool:
    """Whether unbroken group `i` of the run data[start:end] is a number of its own beside
    the others ("0 13912345678", "13912345678 2026"): set off from each neighbouring group by
    whitespace (not the integer part of an amount, "15012345678.50", nor the part of a
    reference joined by a dash, slash, dot or underscore, "INV-2026-15012345678",
    "scan_20261029_15012345678.jpg"), and not the national number after a country code
    other than 86 written without its plus ("0049 15112345678", "55 13991234567": a German or
    Brazilian mobile). `spans`: the groups' spans in `data`."""
    if len(spans) != len(groups):
        return False
    if i > 0 and _SPACES.search(data, spans[i - 1][1], spans[i][0]) is None:
        return False
    if i + 1 < len(spans) and _SPACES.search(data, spans[i][1], spans[i + 1][0]) is None:
        return False
    if i > 0:
        code = groups[i - 1][2:] if groups[i - 1].startswith("00") else groups[i - 1]
        if 1 <= len(code) <= 3 and code[0] != "0" and code != "86" and \
                _international("+" + code + groups[i]) is not None:
            return False
    return True


# A group glued after one of these is an amount or an item number ("¥200 139 1234 5678",
# "#12 139-1234-5678"), not the start of the number beside it (UTF-8, after NFKC).
_AMOUNT_MARKS = tuple(c.encode() for c in "$\u00a5\u00a3\u20ac\u20b9#")


def _set_apart(data: bytes, spans: list[tuple[int, int]], first: int, last: int) -> bool:
    """Whether groups first..last of the run [start, end) are joined by one separator that
    differs from the separators to the groups beside them (or those beside them are joined by
    another): a mobile written 3-4-4 next to another number ("1. 139 1234 5678", "0
    139-1234-5678", "139-1234-5678 0", "2026-11-29 139 1234 5678"), not three of the numbers
    of an array that one separator joins ("box 12 139 1234 5678 3"). `spans`: the groups'
    spans in `data`."""
    inner = {data[spans[k - 1][1]:spans[k][0]] for k in range(first + 1, last + 1)}
    if len(inner) != 1:
        return False
    def sep(k: int) -> bytes | None:  # between groups k and k + 1
        return data[spans[k][1]:spans[k + 1][0]] if 0 <= k < len(spans) - 1 else None

    # each side: the separator to the next group, or that group's to the one past it (the
    # group beside is a piece of another number: "2026-11-29 139 1234 5678")
    return all(side[0] is None or not inner.issuperset(s for s in side if s is not None)
               for side in ((sep(first - 1), sep(first - 2)), (sep(last), sep(last + 1))))


def _joined_phone_ok(sizes: list[int], joined: str, lead: bool, plus: bool) -> bool:
    """For joined fields, a phone number's window: a plus sign is the country code of the
    first field, so no window
    after it is a mainland number ({"phone": "+49", "number": [1375, 737, 9161]}); and a 86 or
    0086 prefix is a field of its own (or part of one whole number), not the start of another
    number's first field ([861, 368, 8952] + "523...": 86 13688952523)."""
    if plus and not lead:
        return False
    if lead:
        return True
    for prefix, size in (("0086", 15), ("86", 13)):
        if len(joined) == size and joined.startswith(prefix) and sizes[0] not in (len(prefix),
                                                                                 size):
            return False
    # and split as people split a mobile (3-4-4, 3-8, 7-4, digit by digit): with a phone word
    # any cut passed ("tel=1&ts=3552867690" read as 13552867690)
    return _grouping_ok(tuple(sizes), joined, False)


# -- other readings -----------------------------------------------------------------------

def _joins(spaces: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted `spaces` lies in [start, end)."""
    i = bisect.bisect_left(spaces, start)
    return i < len(spaces) and spaces[i] < end


def _readings_skeleton() -> bytes:
    table = bytearray(b"." * 256)
    for c in range(0x80, 0x100):
        table[c] = ord("a")  # any non-ASCII character can be part of a label ("身份证号")
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        table[c] = ord("a")
    for chars, mark in ((b"0123456789", "0"), (b"Xx", "X"), (LETTER_DIGITS.encode(), "L"),
                        (b"_-", "u"), (b"\"'", "q"), (b" \t\r\n\f\v", " "),
                        # (round 13: the ASCII information separators, FS GS RS US, of RFC
                        # 7464 JSON text sequences and fixed-format exports, and HL7's ^)
                        (b",;&|]})>+*#~?\x1c\x1d\x1e\x1f^", "p"), (b":=", "k"),
                        (b"[{(<", "o"), (b"/", "/"),
                        (b".", "d")):
        for c in chars:
            table[c] = ord(mark)
    return bytes(table)


# Letters typed or OCR-read for digits: O/o for 0, I/l for 1 (fold() turns the Cyrillic and
# Greek O and I into these).
LETTER_DIGITS = "OoIl"
# One skeleton serves both readings: 0 digit, X check character, L a letter read as a digit,
# a other letter (or any non-ASCII character), u underscore or dash, q quote, p closing or list
# punctuation, k `:` or `=`, o opening bracket, / slash, d full stop, space.
_READINGS_SKELETON = _readings_skeleton()


# Where one field of a structure ends and the next begins, between a digit and a digit (or a
# final check character): JSON `", "b": "`, `], [`, form `&b=`, CSV `,`, `110101:1990`, an XML
# `</a><b>`, a labelled sentence `, 出生日期: ` (after NFKC). On the readings skeleton, a label
# (letters, digits, underscores, dashes; `c[]`, `id[1]` too) counts only before a k, so prose
# does not glue. Punctuation comes first, so at most digits the match fails at once, and possessive
# quantifiers never backtrack (linear in the text).
_GLUE_TAG = rb"o/?[aXLu][a0XLuk q/d]{0,63}+p"  # <ns:b>, <p n="2">, <br/>
# (a label before a single mark: the quote that opens a key is the key's; a label first only
# after a space, as in `110101\nb: 1990...`)
_GLUE_KEY = rb"(?:q[^q]{0,64}+q|[aXLu][a0XLuopd]{0,39}+) *+k"  # p.id.1=
_GLUE_ATOM = rb"(?:" + _GLUE_KEY + rb"|" + _GLUE_TAG + rb"|[pkoq]|u(?= ))"  # YAML `- "b"`
# A number with a fraction ("0.994", "2016.03.07") is a measure or a date, never a piece of an
# identifier: no glue touches one (which also keeps JSON full of scores cheap to read).
_GLUE = re.compile(rb"0(?<![0d]0)0*+((?: *+(?:[pkoq/]|" + _GLUE_TAG + rb")| ++" + _GLUE_KEY +
                   rb")(?: *+" + _GLUE_ATOM + rb"){0,15}+ *+)(?=0++(?!d0)|X(?![a0XLu]))")


def _glued(data: bytes, skeleton: bytes, budget: Budget | None = None
           ) -> tuple[bytes, _Joints] | None:
    """The places of `data` where fields meet between digits, each with the field boundary
    replaced by one space (so the scan joins an ID split over JSON fields, array items, form
    fields or labelled parts of a sentence as it joins digit groups), and where those spaces
    are; None when there is none. Only the neighbourhood of each joint is kept (the digit runs
    it joins and _GLUE_REACH bytes either side, never cut inside a run), neighbourhoods apart
    by a `|`: the rest of the text reads as before. `skeleton`: data.translate(_READINGS_SKELETON).
    """
    if b"null" in data or b"true" in data or b"false" in data:
        # JSON null/true/false between parts are field boundaries like the commas around them
        marked = bytearray(skeleton)
        for m in _JSON_WORDS.finditer(data):
            marked[m.start():m.end()] = b"p" * (m.end() - m.start())
        skeleton = bytes(marked)
    joints = [m.span(1) for m in _GLUE.finditer(skeleton)]
    if budget is not None:
        budget.spend(len(joints))  # a Python step each: "1<1<1<..." is refused inline at once
    if (b"*" in data and b"***" in data) or (b"#" in data and b"###" in data):  # (memchr first)
        # (round 11: a mask is no field boundary: "139****5678" was glued as "139 5678", and
        # with the field after it ({"mobile": "139****5678", "code": "4821"}) made a mobile)
        joints = [j for j in joints if _MASK_JOINT.fullmatch(data, *j) is None]
    if not joints:
        return None
    mask = skeleton.translate(_RUN_MASK)
    size = len(data)
    pieces: list[bytes] = []
    spaces = _Joints()
    out = cursor = 0
    hi = -1
    for begin, end in joints:
        reach = begin - _GLUE_REACH
        # Searched only when this joint may start a new neighbourhood, and forward only past
        # the current one: a run of many joints (an array of small numbers) is read once, not
        # once per joint (that was quadratic).
        if hi < 0 or reach >= hi:
            lo = 0 if reach <= 0 else mask.rfind(b".", max(0, hi), reach + 1) + 1
            if hi >= 0 and lo > hi:
                pieces.append(data[cursor:hi])
                pieces.append(b"|")
                out += hi - cursor + 1
                cursor = lo
            elif hi < 0:
                cursor = lo
        if end + _GLUE_REACH > hi:
            stop = mask.find(b".", min(size, end + _GLUE_REACH))
            hi = max(hi, size if stop < 0 else stop)
        piece = data[cursor:begin]
        pieces.append(piece)
        out += len(piece)
        spaces.append(out)
        if _names_a_phone_part(data[begin:end]):
            spaces.phone.append(out)
        # (a joint that names its next field: a form feed; where an array or object starts or
        # ends: a vertical tab; both separate as a space does)
        pieces.append(b"\f" if _names_a_field(data[begin:end]) else
                      b"\v" if _BRACKETS.search(data, begin, end) else b" ")
        out += 1
        cursor = end
    pieces.append(data[cursor:hi])
    return b"".join(pieces), spaces


class _Joints(list[int]):
    """Where _glued joined fields (sorted), and in `phone` those of them whose joint labels the
    next field as a part of a phone number (`_PHONE_PART_WORDS`)."""

    def __init__(self) -> None:
        super().__init__()
        self.phone: list[int] = []


# Round 16: the labels of the parts of a phone number stored as an object ({"country_code":
# "86", "area_code": "139", "number": "12345678"}, {"cc": "86", "prefix": "139", ...}), as
# US-style forms and CRMs keep one: for fields _glued joined, they say what a phone word says
# (see _phone_parts). Whole words only, and only labels of a phone's parts: "postal_code",
# "number", "line", a bare "prefix" say nothing (an address or an order is no phone), nor
# "cc_number" (a card). Round 17: "cc" alone as a whole word (not "engine_cc", an engine's
# displacement, nor "engine cc"), or after a phone's words (country_cc, phone_cc, tel-cc);
# the Chinese labels of the parts a mainland CRM writes (国家代码, 国际区号, 号段, 号码).
_CALLING_CODE_WORDS = (
    rb"(?<![a-z0-9])(?:(?:country|calling|dial|dialing|dialling|isd|idd)[ _-]?(?:code|prefix)"
    rb"(?![a-z0-9])|(?:country|calling|dial|phone|tel|mobile|intl|isd|idd)[ _-]?cc(?![a-z0-9_]))"
    rb"|(?<![a-z0-9_])(?<!engine )(?<!engine-)cc(?![a-z0-9_])|"
    + "|".join(("国家代码", "國家代碼", "国家码", "國家碼", "国际代码", "國際代碼", "国际区号",
                "國際區號", "国家区号", "國家區號", "国际冠码", "國際冠碼")).encode())
_PHONE_PART_WORDS = re.compile(
    _CALLING_CODE_WORDS + rb"|(?<![a-z0-9])(?:(?:area|std|trunk)[ _-]?(?:code|prefix)"
    rb"|(?:national|subscriber|local|dial)[ _-]?(?:number|num|no)|ndc)(?![a-z0-9])|"
    + "|".join(("区号", "區號", "市外局番", "号段", "號段", "号码", "號碼")).encode())
# (a country code given in the first field that is not 86: no mainland mobile after it)
_CALLING_CODE = re.compile(_CALLING_CODE_WORDS)


@functools.lru_cache(maxsize=4096)
def _names_a_phone_part(joint: bytes) -> bool:
    """Whether a joint of _glued labels the next field as a part of a phone number."""
    return _PHONE_PART_WORDS.search(joint.lower()) is not None


def _phone_parts(data: bytes, start: int, end: int, fields: list[int]) -> bool:
    """Whether the run [start, end) of joined fields is a phone number's parts by their labels:
    one before the run (its first field's), or one of the joints inside it."""
    return _context(data, start, _PHONE_PART_WORDS) or (
        isinstance(fields, _Joints) and _joins(fields.phone, start, end))


_BRACKETS = re.compile(rb"[\[\]{}]")
_MASK_JOINT = re.compile(rb"[ \-.]?(?:\*{3,}|#{3,})[ \-.]?")
# The labels of a joint: keys before ':' or '=' and element names.
_JOINT_LABELS = re.compile(
    rb"([A-Za-z_][\w.\-]*|[\x80-\xff]+)[\"']?[ \t]*[:=]|</?([A-Za-z][\w.:-]*)")
_GENERIC_WORDS = (b"id", b"part", b"seg", b"piece", b"chunk", "身份".encode(), "证".encode(),
                  "號".encode(), "号".encode(), "段".encode(), "位".encode(), "部分".encode(),
                  # round 8: labels that say the field goes on from the one before
                  "其余".encode(), "剩余".encode(), "后缀".encode(), "前缀".encode())
# (round 8, as whole words: "interest" and "detail" name fields of their own)
_CONTINUATION_WORDS = (b"rest", b"remainder", b"remaining", b"suffix", b"prefix", b"tail")
_GENERIC = re.compile(b"|".join(re.escape(w) for w in _GENERIC_WORDS) + b"|(?<![a-z])(?:"
                      + b"|".join(_CONTINUATION_WORDS) + b")(?![a-z])")
# A label whose last part (after - _ . :) is two characters or fewer: x-a, ns:b, p_2, id
_SHORT_LAST_PART = re.compile(rb"(?:\A|[-_.:])[^-_.:]{0,2}\Z")


@functools.lru_cache(maxsize=4096)
def _names_a_field(joint: bytes) -> bool:
    """Whether a joint labels the next field as a thing of its own ("dob", "postcode",
    "created", "出生日期"), not as a part (a, b, p1, part_2, id_b, x-id-born, 身份证后四位): a
    record of such fields (postcode 6 digits, date of birth 8, a PIN 4) is shaped as an ID
    cut in its parts and would pass its check character once in eleven.
    (Remembered: the joints of one API's bodies are its few field names, over and over, and
    the labels' regex and checks cost ~1 us each; a joint is at most ~1 KB.)"""
    for key, element in _JOINT_LABELS.findall(joint):
        label = (key or element).lower()
        if label[-1:].isdigit() or _SHORT_LAST_PART.search(label) or _GENERIC.search(label):
            continue
        return True
    return False
_JSON_WORDS = re.compile(rb"(?<![A-Za-z0-9_])(?:null|true|false)(?![A-Za-z0-9_])")
_GLUE_REACH = 40  # bytes kept either side of a joint (the words before a run: "phone")
# On the readings skeleton: what can be inside a digit run (digits, X, separators and a
# generous rest), never cut.
_RUN_MASK = bytes.maketrans(bytes(range(256)), bytes(
    ord("r") if chr(c) in "0X udo/p" else ord(".") for c in range(256)))


_AS_DIGITS = bytes.maketrans(b"OoIl", b"0011")
# A word of digits and those letters with at least one of each, optionally ending in the check
# character: nothing else of a word may be a letter ("Hello123", "lol" stay as they are).
# (Possessive, from the word's start: its 0s or its Ls, then one of the other, then the rest of
# it. The backtracking form `[0L]*(?:0L|L0)[0L]*X?` tried every split of a word that ends in a
# letter, "1O1O...1Oa": quadratic, 16 KB took 3 s and 64 KB ~50 s on the event loop.)
_LETTERED_WORD = re.compile(rb"(?<![aLX0])(?:0++L|L++0)[0L]*+X?+(?![aLX0])")
# (searched from the byte before: base64 photo data is full of digits beside O, o, I and l,
# and the lookbehind was tried at every byte of it: 5.2 -> 2.2 ms per 391 KiB)
_LETTERED_WORD_AT = _from_the_byte_before(_LETTERED_WORD, rb"(?<![aLX0])", rb"[^aLX0]", True)


# The other letters ID-card OCR reads for digits (S/s 5, B 8, Z/z 2, G/b 6, q/g 9, T 7, A 4,
# D 0). Unlike O/o/I/l they are common beside digits in ordinary text (ISO times "29T10:00Z",
# "3D", "A4", "B2B", hex): a word holding one is read only when it has an identifier's
# length (a mobile, 86 and a mobile, a first-generation or an 18-character ID) and at least
# seven digits, so short codes and times make no view at all, and "ID110101199003071233"
# (20) stays a word and its ID (missed before round 9: "110101199OO3O7IZ33", "1S9123456T8").
_OCR_LETTERS = b"SsBZzGbqgTAD"
_OCR_LENGTHS = frozenset({11, 13, 15, 18})
_AS_OCR_DIGITS = bytes.maketrans(b"OoIl" + _OCR_LETTERS, b"0011" + b"558226699740")
# (found as stretches of word bytes, with byte searches in C: a regex over the whole text for
# words that hold both a digit and a letter cost ~25 us per 2 KB JSON, its times and codes)
_OCR_WORD_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("w") if c in b"0123456789XxOoIl" + _OCR_LETTERS else ord(".") for c in range(256)))
_OCR_LEAST = b"w" * min(_OCR_LENGTHS)
_ASCII_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _ocr_words(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each word of `data` that is digits and OCR letters (at least one of
    _OCR_LETTERS), of an identifier's length, with seven digits or more, and a check X at
    most at its end."""
    words = []
    for start, end in _stretches(data, _OCR_WORD_TABLE, _OCR_LEAST):
        word = data[start:end]
        if (end - start not in _OCR_LENGTHS or (start and data[start - 1] in _ASCII_ALNUM)
                or (end < len(data) and data[end] in _ASCII_ALNUM)
                or len(word.translate(None, _OCR_LETTERS)) == len(word)
                or ascii_digits(word) < 7 or b"X" in word[:-1] or b"x" in word[:-1]):
            continue
        words.append((start, end))
    return words


# Round 24: after a phone word, a mobile written with OCR letters in its groups ("139 1Z34
# S678", "l39-lZ34-5G78"), and '|' or '!' drawn for 1 ("|39|2345678", "!39 !234 5678"); after
# an ID word, an ID so written in its printed groups (6-8-4) or with bars for ones. The word
# says what the number is: times, sizes, codes and pipe-delimited fields have these shapes
# too ("1|2|3|4|5|6", "T1000 SW1A"), and a bar between fields stays a separator in every other
# reading (this one is a reading beside them). Stretches of such characters are found with
# byte searches; the form is then checked in each.
_OCR_GROUP_CHARS = b"0123456789OoIl|!" + _OCR_LETTERS
_OCR_GROUP_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord("w") if c in _OCR_GROUP_CHARS + b" .-" else ord(".") for c in range(256)))
_OCR_GROUP_LEAST = b"w" * 11
_OCR_C = rb"[0-9OoIl|!" + _OCR_LETTERS + rb"]"
_OCR_GROUPED = re.compile(
    rb"(?<![0-9A-Za-z|!])(?:" + _OCR_C + rb"{3}([ .-]?)" + _OCR_C + rb"{4}\1" + _OCR_C + rb"{4}"
    + rb"|" + _OCR_C + rb"{6}([ .-]?)" + _OCR_C + rb"{8}\2" + _OCR_C + rb"{3}[0-9Xx|!"
    + _OCR_LETTERS + rb"])(?![0-9A-Za-z|!])")
_OCR_GROUP_DIGITS = bytes.maketrans(b"OoIl|!" + _OCR_LETTERS, b"001111" + b"558226699740")


def _ocr_grouped(data: bytes) -> bytes | None:
    """`data` with each mobile or ID written with OCR letters in its groups, or bars for
    ones, after its word (see above), as its digits; None when there is none."""
    pieces: list[bytes] = []
    last = 0
    for start, end in _stretches(data, _OCR_GROUP_TABLE, _OCR_GROUP_LEAST):
        if not data[start:end].translate(None, b"0123456789 .-"):
            continue  # (digits and separators only: most stretches, read as they are)
        for m in _OCR_GROUPED.finditer(data, start, end):
            word = m.group()
            digits = word.translate(None, b" .-")
            if ascii_digits(digits) < 7 or ascii_digits(digits) == len(digits) - (
                    digits[-1:] in b"Xx"):
                continue  # (a letter or bar among them: those with none are read already)
            read = digits[:-1].translate(_OCR_GROUP_DIGITS) + (
                digits[-1:] if digits[-1:] in b"Xx" else digits[-1:].translate(
                    _OCR_GROUP_DIGITS))
            if len(read) == 11 and _BARE_MOBILE.fullmatch(read.decode()) is None:
                continue  # (no mobile's shape: "3|9286|2478", cells of a pipe record)
            words = _PHONE_WORDS if len(read) == 11 else _ID_WORDS
            if not _context(data, m.start(), words):
                continue
            pieces += (data[last:m.start()], read)
            last = m.end()
    if not pieces:
        return None
    return b"".join(pieces) + data[last:]


# Round 15: letters of other scripts drawn as digits, or as the Latin OCR letters above (the
# same evasion typed on a Russian or Greek keyboard: "1\u0417912\u041745678" with Cyrillic
# Ze, Che for 4, be for 6): Cyrillic Ze (both cases), Abkhaz dze and Latin ezh for 3, Che for
# 4, be (both cases) for 6, dze (as S) for 5, Ve (as B) for 8, Te (as T) for 7, A for 4,
# Ukrainian i for 1; Greek Beta 8, Tau 7, Alpha 4, Zeta 2. (The O and I of both scripts are
# folded to the Latin letters: see _DIGIT_LETTER_LOOKALIKES.) Under
# the OCR letters' guard: a whole word (no letter or digit of any script beside it) of an
# identifier's length, seven ASCII digits or more, a check X only last; so Russian and Greek
# words and codes stay as they are. Only text holding one of their
# UTF-8 lead bytes (byte searches, in C) is decoded and searched.
_SCRIPT_LOOKALIKES = {"\u0417": "3", "\u0437": "3", "\u04e0": "3", "\u04e1": "3",
                      "\u01b7": "3", "\u0292": "3", "\u0427": "4", "\u0447": "4",
                      "\u0431": "6", "\u0411": "6", "\u0405": "5", "\u0455": "5",
                      "\u0412": "8", "\u0422": "7", "\u0410": "4", "\u0456": "1",
                      "\u0392": "8", "\u03a4": "7", "\u0391": "4", "\u0396": "2"}
_SCRIPT_LOOKALIKE_LEADS = tuple(sorted({c.encode()[:1] for c in _SCRIPT_LOOKALIKES}))
_NOT_SCRIPT_LOOKALIKE_LEADS = bytes(c for c in range(256)
                                    if bytes((c,)) not in _SCRIPT_LOOKALIKE_LEADS)
_SCRIPT_LOOKALIKE_CHARS = "".join(_SCRIPT_LOOKALIKES)
_SCRIPT_LOOKALIKE_ANY = re.compile(f"[{_SCRIPT_LOOKALIKE_CHARS}]")
_SCRIPT_LOOKALIKE_WORD = re.compile(
    f"(?<![^\\W_])[0-9XxOoIl{_OCR_LETTERS.decode()}{_SCRIPT_LOOKALIKE_CHARS}]{{11,18}}"
    f"(?![^\\W_])")
# (phone words of the scripts, for a look-alike first or last in a word: тел, телефон, моб,
# сотовый, τηλ, τηλέφωνο, κινητό; their o as _prepared has folded it, Latin)
_SCRIPT_PHONE_WORDS = re.compile("\u0442\u0435\u043b|\u043c[\u043eo]\u0431"
                                 "|\u0441[\u043eo]\u0442[\u043eo]\u0432"
                                 "|\u03c4\u03b7\u03bb|\u03ba\u03b9\u03bd\u03b7\u03c4")
_SCRIPT_AS_DIGITS = str.maketrans({**_SCRIPT_LOOKALIKES, **{
    chr(a): chr(b) for a, b in zip(b"OoIl" + _OCR_LETTERS, b"0011" + b"558226699740",
                                   strict=True)}})


def _script_lookalikes(data: bytes) -> bytes | None:
    """`data` with the words of digits and Cyrillic or Greek look-alikes of digits (see
    above) in digits; None when there is none."""
    if not data.translate(None, _NOT_SCRIPT_LOOKALIKE_LEADS):  # (one pass in C)
        return None
    text = data.decode("utf-8", "replace")
    if _SCRIPT_LOOKALIKE_ANY.search(text) is None:
        return None

    def read(m: re.Match[str]) -> str:
        word = m.group()
        if (len(word) not in _OCR_LENGTHS or _SCRIPT_LOOKALIKE_ANY.search(word) is None
                or sum(c in "0123456789" for c in word) < 7 or "X" in word[:-1]
                or "x" in word[:-1]):
            return word
        # (round 17: a look-alike first or last only, with no phone or ID word before the
        # word, is a series letter of a Russian invoice or order number: "1391234567" and Ze;
        # an 18-character ID carries its check character)
        if len(word) != 18 and _SCRIPT_LOOKALIKE_ANY.search(word, 1, len(word) - 1) is None:
            before = text[max(0, m.start() - 24):m.start()].lower()
            raw = before.encode("utf-8", "replace")
            if (_PHONE_WORDS.search(raw) is None and _ID_WORDS.search(raw) is None
                    and _SCRIPT_PHONE_WORDS.search(before) is None):
                return word
        return word.translate(_SCRIPT_AS_DIGITS)

    read_text = _SCRIPT_LOOKALIKE_WORD.sub(read, text)
    return None if read_text == text else read_text.encode("utf-8", "replace")


def _lettered(data: bytes, skeleton: bytes) -> bytes | None:
    """`data` with O/o/I/l as digits inside words of digits ("11O1O1199OO3O71233",
    "139l2345678"), and the other OCR letters in words of an identifier's length (see
    _OCR_LETTERS), and their Cyrillic and Greek look-alikes (see _SCRIPT_LOOKALIKES); None
    when no such word exists (byte searches decide that).
    `skeleton`: data.translate(_READINGS_SKELETON)."""
    looked = None if data.isascii() else _script_lookalikes(data)
    if looked is not None:
        data = looked
        skeleton = data.translate(_READINGS_SKELETON)
    words = _ocr_words(data)
    if skeleton.find(b"0L") >= 0 or skeleton.find(b"L0") >= 0:
        # (an O/o/I/l word is never inside an OCR word: it stands apart from letters)
        words.extend((m.start(1) - 1, m.end(1) - 1)  # (offsets one on)
                     for m in _LETTERED_WORD_AT.finditer(b"." + skeleton))
        words.sort()
    if not words:
        return looked
    pieces: list[bytes] = []
    last = 0
    for start, end in words:
        pieces.append(data[last:start])
        pieces.append(data[start:end].translate(_AS_OCR_DIGITS))
        last = end
    pieces.append(data[last:])
    return b"".join(pieces)


def _runs(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each separator-joined digit run of 8+ characters in `data`."""
    skeleton = data.translate(_SKELETON)
    for coarse in _COARSE.finditer(skeleton):
        for match in _RUN.finditer(skeleton, coarse.start(), coarse.end()):
            yield match.span()


def digit_run_spans(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each separator-joined run of 7+ digits in ASCII `data`."""
    for start, end in _runs(data):
        if sum(c in b"0123456789" for c in data[start:end]) >= REDACT_DIGITS:
            yield start, end


def ascii_digits(data: bytes) -> int:
    """How many ASCII digits `data` holds (counted in C)."""
    return len(data) - len(data.translate(None, b"0123456789"))


def may_hold_identifier(text: str) -> bool:
    """Seven or more digits in all, however spelled (fullwidth, other scripts) or punctuated:
    the text could hold (part of) an identifier, so it is never copied into a record or log."""
    if text.isascii():
        data = text.encode("ascii")
        return ascii_digits(data) >= REDACT_DIGITS or says_digits(data)
    return (sum(is_digit_like(c) for c in normalise(text)) >= REDACT_DIGITS
            or says_digits(text.encode("utf-8", "replace")))


def is_digit_like(ch: str) -> bool:
    """A digit in any script, or a Chinese numeral (seven in a row are read as a number by the
    scanner, so for redaction each one counts as a digit). `ch` is normalised."""
    return ch.isdigit() or ch in _CN_NUMERAL_SET
