"""Round 24: identifiers split or hidden by a document's structure or its labels.

Each reading here takes a body's text (or its JSON tree) and returns the identifiers its
structure makes of parts sent apart, as a short text of candidates for the scan (which still
decides: an ID's check character, a mobile's plan), or None when there is nothing to read:

- yaml_aliases: a YAML document with its aliases (`*b`, `<<: *base`) replaced by what their
  anchors (`&b`) hold, as a loader builds it ("parts: [110101, *b, 1233]").
- index_ordered: the values of a JSON object keyed by indices ({"2": .., "0": .., "1": ..})
  in index order, as JavaScript's Object.values() and PHP after ksort() give them.
- gap_joined_ids: an ID's three parts (area, birth date, sequence) in the order of the ID
  with only structure and words that name an ID's parts between them: a two-column
  label/value table (CSV, an HTML table, [{"k": .., "v": ..}]), a key and a value of
  different objects with a decoy value between. Only a candidate whose area code is a known
  one and whose check character holds is given.
- labelled_parts: parts of an ID or a mobile each labelled by its place ("last 4: 1233,
  first 6: 110101, birth: 19900307"; "last four 5678, first three 139, middle 1234" after a
  phone word), put in the identifier's order.
- masked_merged: two masked copies of one identifier that each show what the other hides
  (139****5678 and 1391234****), merged place by place; an ellipsis as a mask
  (139...5678, with U+2026) written as the four-character mask the masked-mobile reading fills.
- operator_joined: string literals joined by an operator ("139" + "12345678", '139'||'5678').
- spelled_dates: birth dates in Chinese numerals, with an English month name or a Japanese
  era, written as ISO dates beside a masked ID (which the masked-ID reading fills).

Every reading is gated by a substring or a precompiled search on the text, so an ordinary
body pays a few microseconds; all are linear in the text (bounded gaps, no nested
quantifiers over the same characters) and give at most _MOST candidates.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from residency_gateway.core.areacodes import known_area
from residency_gateway.core.idnumber import check_character

_MOST = 64  # candidates given by one reading at most
_MAX_NODES = 20_000  # JSON nodes walked at most


def _id_ok(candidate: str) -> bool:
    """An 18-character candidate whose area code is a known one and check character holds
    (the birth date against the clock is the scan's to decide)."""
    return (len(candidate) == 18 and candidate[:17].isdigit() and known_area(candidate[:6])
            and candidate[6:8] in ("18", "19", "20")
            and check_character(candidate[:17]) == candidate[17].upper())


# -- YAML aliases ------------------------------------------------------------------------------

_YAML_ANCHOR = re.compile(r"&([A-Za-z0-9_.-]{1,64})[ \t]+([^\r\n,\[\]{}#&*]{1,256})")
_YAML_BLOCK_ANCHOR = re.compile(r"^([ \t]*)(?:- |[^\r\n:#]{1,128}:[ \t]*)&([A-Za-z0-9_.-]{1,64})"
                                r"[ \t]*\r?\n", re.MULTILINE)
_YAML_ALIAS = re.compile(r"(?<![\w&*])\*([A-Za-z0-9_.-]{1,64})")
_YAML_MERGE = re.compile(r"<<[ \t]*:[ \t]*")


def _yaml_block(text: str, start: int, indent: int, budget: list[int]) -> str:
    """The lines after `start` indented deeper than `indent` (a block an anchor names), 256
    at most, each line read counted against `budget` (all blocks' lines read at most)."""
    out: list[str] = []
    pos = start
    while pos < len(text) and len(out) < 256 and budget[0] > 0:
        budget[0] -= 1
        nl = text.find("\n", pos)
        nl = len(text) if nl < 0 else nl
        line = text[pos:nl].rstrip("\r")
        pos = nl + 1
        stripped = line.lstrip(" \t")
        if stripped and len(line) - len(stripped) <= indent:
            break
        out.append(stripped)
    return " ".join(s for s in out if s)


def yaml_aliases(text: str) -> str | None:
    """`text` (YAML) with each alias written as its anchor's scalar or block (one level: an
    alias inside an anchored block stays an alias), adding at most the text's size; None
    when it has no alias of a known anchor."""
    if "*" not in text or "&" not in text:
        return None
    anchors: dict[str, str] = {}
    budget = [65_536]  # (lines of anchored blocks read in all)
    for m in _YAML_BLOCK_ANCHOR.finditer(text):
        block = _yaml_block(text, m.end(), len(m.group(1).expandtabs()), budget)
        if block:
            anchors[m.group(2)] = block
    for m in _YAML_ANCHOR.finditer(text):
        anchors.setdefault(m.group(1), m.group(2).strip())
    if not anchors:
        return None
    room = [len(text) + 4096]  # (the aliases add at most the text's size: its scan at most 2x)

    def alias(m: re.Match[str]) -> str:
        value = anchors.get(m.group(1))
        if value is None or room[0] < len(value):
            return m.group()
        room[0] -= len(value)
        return value

    resolved = _YAML_ALIAS.sub(alias, text)
    if resolved == text:
        return None
    # (each anchored scalar left where its aliases are: the text as sent holds it where it
    # was anchored, and a number beside the parts, "p: &p 139" before "[*p, 1234, 5678]",
    # is one more field to the joined-fields reading)
    resolved = _YAML_ANCHOR.sub(lambda m: "&" + m.group(1), resolved)
    return _YAML_MERGE.sub("", resolved)


# -- JSON objects keyed by indices ------------------------------------------------------------

_INDEX_KEY = re.compile(rb'"[0-9]{1,3}"[ \t\r\n]*:')


def _leaf_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return str(value)
    return None


def index_ordered(data: bytes, tree: Any) -> str | None:
    """The values of each JSON object of `tree` keyed by the indices 0..n-1 or 1..n sent out
    of order, in index order (one line of quoted items each); None when there is none."""
    if tree is None or b'"1"' not in data or _INDEX_KEY.search(data) is None:
        return None  # (two or more indices from 0 or 1: "1" is one of them)
    lines: list[str] = []
    stack: list[tuple[str, Any]] = [("", tree)]
    seen = 0
    while stack and seen < _MAX_NODES and len(lines) < _MOST:
        name, node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend((name, item) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend((str(key), value) for key, value in node.items())
        keys = list(node)
        if len(keys) < 2 or not all(isinstance(k, str) and k.isdigit() and len(k) <= 3
                                    for k in keys):
            continue
        numbers = [int(k) for k in keys]
        low = min(numbers)
        if low > 1 or sorted(numbers) != list(range(low, low + len(numbers))) or \
                numbers == sorted(numbers):
            continue
        items = [_leaf_text(node[k]) for k in sorted(keys, key=int)]
        if all(item is not None for item in items):
            # (under the object's own key: "tel" names the parts of a mobile)
            lines.append(f'"{name[:64]}": [' + ", ".join(f'"{item}"' for item in items) + "]")
    return "\n".join(lines) if lines else None


# -- an ID's parts with structure and part words between ----------------------------------------

_GAP = 96  # characters between two parts at most
# Words that may stand between an ID's parts: what names a part of an ID, or the structure
# of a table (k/v, th/td). Any other word (postcode, pin, amount, qty, total ...) names a
# field of its own, and its number is not a part of an ID.
_PART_WORDS = frozenset({
    "area", "region", "district", "code", "birth", "born", "dob", "birthday", "birthdate",
    "seq", "sequence", "serial", "suffix", "check", "part", "piece", "first", "middle", "mid",
    "last", "head", "tail", "digits", "id", "value", "val", "key", "label", "field", "name",
    "row", "cell", "col", "table", "tbody", "thead", "span", "div", "item", "items",
    "data", "string", "td", "th", "tr", "li", "ul", "ol", "dd", "dt", "dl",
    "地区", "地区码", "区划", "出生", "生日", "出生日期", "顺序码", "顺序", "校验码", "部分",
    "前六位", "中间八位", "后四位", "尾号", "中间",
})
_CJK_OR_LATIN = re.compile(r"[A-Za-z]+|[\u3400-\u9fff]+")
_LETTERS_OR_CJK = re.compile(r"[^\W\d_]")
# (digits as 0: the runs of a text are found by memchr-speed searches for "0", not by a
# regex led by a digit class, ~100 us per 2 KB)
_ZEROS = bytes.maketrans(b"123456789", b"000000000")


def _gap_words(gap: bytes) -> bool | None:
    """Whether `gap` holds words, all of them part words or of two letters at most (True),
    none (False), or another word (None: the parts are fields of their own)."""
    text = gap.decode("utf-8", "replace")
    if _LETTERS_OR_CJK.search(text) is None:
        return False
    if all(len(piece) <= 2 or piece.lower() in _PART_WORDS
           for piece in _CJK_OR_LATIN.findall(text)):
        return True
    return None


def _run_before(skel: bytes, start: int) -> tuple[int, int] | None:
    """The digit run ending nearest before `start` within _GAP bytes: (start, end)."""
    end = skel.rfind(b"0", max(0, start - _GAP - 1), start)
    if end < 0:
        return None
    begin = end
    while begin > 0 and skel[begin - 1] == 48:
        begin -= 1
    return begin, end + 1


def _run_after(skel: bytes, end: int) -> tuple[int, int] | None:
    """The digit run starting nearest after `end` within _GAP bytes: (start, end)."""
    begin = skel.find(b"0", end, end + _GAP + 1)
    if begin < 0:
        return None
    stop = begin
    while stop < len(skel) and skel[stop] == 48:
        stop += 1
    return begin, stop


def gap_joined_ids(data: bytes, skel: bytes | None = None) -> str | None:
    """The IDs whose area code, birth date and sequence stand in that order in `data` (UTF-8)
    with only structure and part words between them (see _PART_WORDS); None when there is
    none. `skel`: `data` with every digit as 0."""
    skel = data.translate(_ZEROS) if skel is None else skel
    found: dict[str, None] = {}
    pos = skel.find(b"00000000")
    steps = 0
    while pos >= 0 and steps < 4096 and len(found) < _MOST:
        steps += 1
        stop = pos + 8
        if (pos and skel[pos - 1] == 48) or (stop < len(skel) and skel[stop] == 48) or \
                data[pos:pos + 2] not in (b"18", b"19", b"20"):
            while stop < len(skel) and skel[stop] == 48:
                stop += 1
            pos = skel.find(b"00000000", stop)
            continue
        head, tail = _run_before(skel, pos), _run_after(skel, stop)
        if head is not None and tail is not None and head[1] - head[0] == 6 and \
                tail[1] - tail[0] in (3, 4):
            last = tail[1] - tail[0] == 3
            rest = data[tail[0]:tail[1] + last].decode("ascii", "replace")
            candidate = data[head[0]:head[1]].decode() + data[pos:stop].decode() + rest
            after = data[tail[1] + last:tail[1] + last + 1]
            if not (after.isalnum() and after.isascii()) and _id_ok(candidate):
                # (a word in one gap at least: three numbers with punctuation alone between
                # them are a row's columns, "560001,20261130,1499", which the joined-fields
                # reading decides on; here rows and cells of labels and parts)
                gaps = (_gap_words(data[head[1]:pos]), _gap_words(data[stop:tail[0]]))
                if None not in gaps and True in gaps:
                    found[candidate] = None
        pos = skel.find(b"00000000", stop)
    return " |\n".join(found) if found else None


# -- parts labelled by their place -----------------------------------------------------------

_HEAD6, _BIRTH, _TAIL4, _HEAD3, _MID4 = range(5)
_SIZES = (6, 8, 4, 3, 4)  # characters of each part
_LABELS = (
    (_HEAD6, r"first[ _-]?(?:6|six)(?:[ _-]?digits)?|area(?:[ _-]?code)?|region(?:[ _-]?code)?"
             r"|前(?:6|六)位|地区码|地区"),
    (_BIRTH, r"birth(?:[ _-]?date|day)?|dob|date[ _-]?of[ _-]?birth|middle[ _-]?(?:8|eight)"
             r"(?:[ _-]?digits)?|出生日期|出生|生日|中间(?:8|八)位"),
    (_TAIL4, r"last[ _-]?(?:4|four)(?:[ _-]?digits)?|后(?:4|四)位|尾号|尾数|末(?:4|四)位"),
    (_HEAD3, r"first[ _-]?(?:3|three)(?:[ _-]?digits)?|前(?:3|三)位|开头"),
    (_MID4, r"middle(?:[ _-]?(?:4|four))?(?:[ _-]?digits)?|中间(?:(?:4|四)位)?"),
)
_LABELLED = re.compile(
    "(?i)(?<![A-Za-z])(?:" + "|".join(f"(?P<l{role}>{words})" for role, words in _LABELS)
    + r")(?![A-Za-z])[\s\"'\uff1a:=,_-]{0,6}(?:(?:is|are|是|为|為)[\s\"'\uff1a:=]{0,3})?"
    r"(?P<value>[0-9]{3,8}[Xx]?)(?![0-9])")
_PHONE_WORD = re.compile(r"(?i)phone|mobile|cell|tel\b|手机|手機|电话|電話|号码")
_LABELLED_REACH = 512  # characters from a labelled part to the others
# (the gate: a last-four label with four digits soon after it; found from the label's
# occurrences, each a memmem search, not by a regex tried at every byte)
_TAIL_WORDS = (b"last", b"Last", b"LAST", "后".encode(), "尾".encode(), "末".encode())
_TAIL_VALUE = re.compile(rb"[ _-]?4?[^0-9]{1,16}[0-9]{3}[0-9Xx](?![0-9])")


def _tail_labelled(data: bytes) -> bool:
    for word in _TAIL_WORDS:
        at = data.find(word)
        while at >= 0:
            if _TAIL_VALUE.match(data, at + len(word)) is not None:
                return True
            at = data.find(word, at + 1)
    return False


def labelled_parts(text: str, data: bytes | None = None) -> str | None:
    """An ID's or a mobile's parts each labelled by its place, in any order, put in the
    identifier's order (an ID: area code, birth date, last four; a mobile after a phone
    word: first three, middle four, last four); None when no set of parts is complete."""
    if not _tail_labelled(text.encode() if data is None else data):
        return None
    parts: list[tuple[int, int, str]] = []
    for m in _LABELLED.finditer(text):
        value = m.group("value")
        role = next(r for r in range(5) if m.group(f"l{r}") is not None)
        size = len(value)
        if role == _MID4 and size == 8:
            role = _BIRTH  # ("middle: 19900307" is an ID's)
        if size == _SIZES[role]:
            parts.append((m.start(), role, value))
        if len(parts) >= 256:
            break
    found: dict[str, None] = {}
    for at, role, value in parts:
        near = [(r, v) for a, r, v in parts if abs(a - at) <= _LABELLED_REACH]
        if role == _HEAD6:
            for r1, birth in near:
                for r2, tail in near:
                    if r1 == _BIRTH and r2 == _TAIL4 and _id_ok(value + birth + tail):
                        found[value + birth + tail] = None
        elif role == _HEAD3 and value[0] == "1" and value[1] in "3456789" and _PHONE_WORD.search(
                text, max(0, at - _LABELLED_REACH), at + _LABELLED_REACH) is not None:
            for r1, mid in near:
                for r2, tail in near:
                    if r1 == _MID4 and r2 == _TAIL4 and tail.isdigit():
                        found[value + mid + tail] = None
        if len(found) >= _MOST:
            break
    return " |\n".join(found) if found else None


def _windows(text: str, spans: list[tuple[int, int]], reach: int) -> list[tuple[int, int]]:
    """The stretches of `text` within `reach` of each span, overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        lo, hi = max(0, start - reach), min(len(text), end + reach)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


# -- masks -----------------------------------------------------------------------------------

_MASK_CHARS = "*\uff0axX#\u25cf\u2022"  # (the fullwidth asterisk, black circle, bullet)
_MASK = "*\uff0a#\u25cf\u2022"
_MASKED = re.compile(rf"(?<![0-9A-Za-z{_MASK}])([0-9xX{_MASK}]{{11}}|[0-9xX{_MASK}]{{17}}"
                     rf"[0-9Xx{_MASK}])(?![0-9A-Za-z{_MASK}])")
_MASK_RUNS = ("***", "\uff0a" * 3, "###", "\u25cf" * 3, "\u2022" * 3, "xxxx", "XXXX")
_MASKED_MOST = 4  # masked copies in a text at most (more: a list, none merged)
_MASKED_REACH = 1024
_ELLIPSIS_REACH = 512  # characters around a mask kept for its reading
_ELLIPSIS = re.compile(r"(?<![0-9])(1[3-9][0-9])[ ]?"
                       r"(?:\u2026{1,2}|\u22ef{1,2}|\.{3,6}|\u3002{3}|\\u2026)"
                       r"[ ]?([0-9]{4})(?![0-9])")


def _mask_of(token: str) -> str:
    return "".join("*" if c in _MASK_CHARS and not (c in "xX" and i == 17) else c
                   for i, c in enumerate(token))


def _merge(a: str, b: str) -> str | None:
    out = []
    for x, y in zip(a, b, strict=True):
        if x == "*":
            out.append(y)
        elif y in ("*", x):
            out.append(x)
        else:
            return None
    return "".join(out)


def masked_merged(text: str) -> str | None:
    """The identifiers two masked copies in `text` make together (each shows what the other
    hides, they agree where both show a character), and each mobile masked with an ellipsis
    (139...5678, with U+2026) written with four mask characters; None when there is none."""
    out: list[str] = []
    if "\u2026" in text or "\u22ef" in text or "..." in text or "\u3002\u3002\u3002" in text or \
            "\\u2026" in text:
        spans = [m.span() for _, m in zip(range(_MOST), _ELLIPSIS.finditer(text), strict=False)]
        # (each with what stands around it, where the middle four are told: not the whole
        # text again, whose scan would cost as much as the body's)
        out.extend(_ELLIPSIS.sub(r"\1****\2", text[lo:hi])
                   for lo, hi in _windows(text, spans, _ELLIPSIS_REACH))
    if not any(mask in text for mask in _MASK_RUNS):
        return " |\n".join(out) if out else None
    masked: list[tuple[int, str]] = []
    for m in _MASKED.finditer(text):
        token = _mask_of(m.group(1))
        if "*" in token and sum(c.isdigit() for c in token) >= 3:
            masked.append((m.start(), token))
            if len(masked) > _MASKED_MOST:
                # (a list of many masked numbers is many people's, each masked its own way:
                # two of them that fit together make a number of neither)
                return " |\n".join(out) if out else None
    found: dict[str, None] = {}
    for i, (at, a) in enumerate(masked):
        for bt, b in masked[i + 1:]:
            if bt - at > _MASKED_REACH:
                break
            if len(a) != len(b) or a == b:
                continue
            merged = _merge(a, b)
            if merged is None or "*" in merged:
                continue
            if (len(merged) == 11 and merged[0] == "1" and merged[1] in "3456789") or \
                    _id_ok(merged):
                found[merged] = None
    out.extend(found)
    return " |\n".join(out) if out else None


# -- string literals joined by an operator ------------------------------------------------------

_LITERAL = re.compile(r"""\\?(["'])([0-9]{1,18})\\?\1""")
_OPERATOR = re.compile(r"[ \t]{0,4}(?:\+|\|\||\.\.?|&|~)[ \t]{0,4}")
# (on the text with digits as 0: led by a literal, found at memchr speed)
_OPERATOR_HINT = re.compile(rb"""0\\?["'][ \t]{0,4}(?:\+|\|\||\.\.?|&|~)[ \t]{0,4}\\?["']0""")


def operator_joined(text: str, skel: bytes | None = None) -> str | None:
    """The values of chains of quoted digit literals joined by an operator (+ in JavaScript,
    Java, C#, Python; || in SQL; . in PHP, .. in Lua, & in VB, ~ in D), where they make 11,
    15 or 18 characters; None when there is none."""
    if _OPERATOR_HINT.search(text.encode().translate(_ZEROS) if skel is None else skel) is None:
        return None
    found: dict[str, None] = {}
    chain: list[str] = []
    end = -1
    for m in _LITERAL.finditer(text):
        if chain and _OPERATOR.fullmatch(text, end, m.start()) is not None:
            chain.append(m.group(2))
            if len(chain) >= 64:  # (a long chain read in stretches: its last pieces kept)
                _chain_values(chain, found)
                chain = chain[-3:]
        else:
            _chain_values(chain, found)
            chain = [m.group(2)]
        end = m.end()
        if len(found) >= _MOST:
            break
    _chain_values(chain, found)
    return " |\n".join(found) if found else None


# How people split what they join: a mobile 3-8, 3-4-4 or 7-4; an ID at its area code,
# birth date and sequence (the joined-fields groupings, scanner._MOBILE_GROUPINGS ...)
_CHAIN_GROUPINGS = frozenset({(3, 8), (3, 4, 4), (7, 4), (6, 8, 4), (6, 12), (14, 4),
                              (6, 8, 3, 1), (6, 6, 3), (6, 9), (12, 3)})


def _chain_values(chain: list[str], found: dict[str, None]) -> None:
    if len(chain) < 2:
        return
    for i in range(len(chain)):
        for j in range(i + 2, min(len(chain), i + 4) + 1):
            if tuple(len(piece) for piece in chain[i:j]) in _CHAIN_GROUPINGS:
                found["".join(chain[i:j])] = None


# -- birth dates spelled out ---------------------------------------------------------------

_CN_DIGIT = {c: str(n) for n, c in enumerate("\u3007一二三四五六七八九")} | {
    "零": "0", "\u25cb": "0"}
_CN_DATE = re.compile(r"([\u3007\u25cb零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                      r"([一二三四五六七八九十]{1,3})[日号]")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?"
_EN_DATE = re.compile(r"(?i)(?<![0-9A-Za-z])(?:([0-3]?[0-9])(?:st|nd|rd|th)?[ \t]+" + _MONTH
                      + r",?[ \t]+((?:18|19|20)[0-9]{2})|" + _MONTH.replace("(jan", "(?P<m2>jan")
                      + r"[ \t]+([0-3]?[0-9])(?:st|nd|rd|th)?,?[ \t]+((?:18|19|20)[0-9]{2}))"
                      r"(?![0-9])")
_ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
_ERA_DATE = re.compile(r"(明治|大正|昭和|平成|令和)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日")
_DATED_MOST = 8  # masked IDs whose dates are read (as scanner._MASKED_MOST)
_DATED_REACH = 2048  # characters either side (as scanner._MASKED_REACH)
_ID_MASKS = tuple(c * 8 for c in "*#xX_?\u25cf\u2022-")  # (the gate: substrings)
_ID_MASK = re.compile(r"[0-9]{6}[ -]?(?:[*#xX_?\u25cf\u2022-]{8}|\*{8})")


def _cn_number(run: str) -> int:
    """一 .. 三十一 as an integer (十 alone is ten)."""
    if "十" not in run:
        return int("".join(_CN_DIGIT[c] for c in run))
    tens, _, units = run.partition("十")
    return (int(_CN_DIGIT[tens]) if tens else 1) * 10 + (int(_CN_DIGIT[units]) if units else 0)


def spelled_dates(text: str) -> str | None:
    """`text` with its birth dates in Chinese numerals (一九九\u3007年三月七日), with an English
    month (7 Mar 1990, March 7, 1990) or in a Japanese era (平成2年3月7日) written as ISO
    dates, where a masked ID stands in it (which the masked-ID reading fills with a date
    told beside it); None when there is no masked ID or no such date."""
    if not any(mask in text for mask in _ID_MASKS):
        return None
    spans = [m.span() for _, m in zip(range(_DATED_MOST), _ID_MASK.finditer(text), strict=False)]
    if not spans:
        return None

    def cn(m: re.Match[str]) -> str:
        year = "".join(_CN_DIGIT[c] for c in m.group(1))
        return f"{year}-{_cn_number(m.group(2)):02d}-{_cn_number(m.group(3)):02d}"

    def en(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            day, month, year = m.group(1), m.group(2), m.group(3)
        else:
            month, day, year = m.group("m2"), m.group(5), m.group(6)
        return f"{year}-{_MONTHS.index(month.lower()) + 1:02d}-{int(day):02d}"

    def era(m: re.Match[str]) -> str:
        year = _ERAS[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2)))
        return f"{year}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"

    windows = []
    for lo, hi in _windows(text, spans, _DATED_REACH):
        window = _ERA_DATE.sub(era, _EN_DATE.sub(en, _CN_DATE.sub(cn, text[lo:hi])))
        if window != text[lo:hi]:
            windows.append(window)
    return "\n\n".join(windows) if windows else None


# (one skeleton for the gates: digits as 0, letters in lower case, the ASCII mask characters
# and the point as *; each gate is then one substring search)
_SKELETON = bytes.maketrans(b"123456789ABCDEFGHIJKLMNOPQRSTUVWYZ#xX_?-.",
                            b"000000000abcdefghijklmnopqrstuvwyz*******")
# (for the operator gate: digits as 0, quotes as ", the operators as +, blanks and
# backslashes gone: '139' || '5678' and \"139\" + \"5678\" are both 0"++"0 or 0"+"0)
_OPERATOR_SKELETON = bytes.maketrans(b"123456789'|&~.", b'000000000"++++')
_OPERATOR_GONE = b" \t\\"
_ASCII = bytes(range(128))
_WIDE_MASKS = tuple(mask.encode() for mask in ("\uff0a", "\u25cf", "\u2022", "\u2026", "\u22ef",
                                                 "\u3002\u3002\u3002"))
_WIDE_TAILS = ("后".encode(), "尾".encode(), "末".encode())


def _holds_any(data: bytes, needles: tuple[bytes, ...]) -> bool:
    for needle in needles:  # noqa: SIM110 (any() over a generator costs more than the searches)
        if needle in data:
            return True
    return False


def text_readings(data: bytes, yaml: bool = False) -> Iterator[tuple[str, str]]:
    """Each reading of this module that finds something in `data` (a body's bytes, read as
    UTF-8): (name, candidates). Each is tried only where a substring search on a skeleton of
    the bytes says it may find something (about 6 searches of the body in all)."""
    skel = data.translate(_SKELETON)
    text = ""
    if yaml and b"*" in data and b"&" in data:
        text = data.decode("utf-8", "replace")
        if (resolved := yaml_aliases(text)) is not None:
            yield "yaml-aliases", resolved
            if (got := gap_joined_ids(resolved.encode("utf-8", "replace"))) is not None:
                yield "yaml-aliases/part-gaps", got  # (parts a merged block brings beside)
    if (got := gap_joined_ids(data, skel)) is not None:  # (its first search is the gate)
        yield "part-gaps", got
    masks = b"***" in skel
    labelled = b"last" in skel
    if not data.isascii():
        wide = data.translate(None, _ASCII)  # (the non-ASCII bytes alone: a short string)
        masks = masks or _holds_any(wide, _WIDE_MASKS)
        labelled = labelled or _holds_any(wide, _WIDE_TAILS)
    operators = False
    if data[:1] not in (b"{", b"[") or b"'" in data or b"\\" in data:
        # (in a JSON document a literal is quoted '139' or \"139\" within a string)
        joints = data.translate(_OPERATOR_SKELETON, _OPERATOR_GONE)
        operators = b'0"+"0' in joints or b'0"++"0' in joints
    if not (masks or labelled or operators):
        return
    text = text or data.decode("utf-8", "replace")
    for name, reading in (("labelled-parts", labelled_parts(text, data) if labelled else None),
                          ("masks", masked_merged(text) if masks else None),
                          ("operators", operator_joined(text) if operators else None),
                          ("dates", spelled_dates(text) if masks else None)):
        if reading is not None:
            yield name, reading
