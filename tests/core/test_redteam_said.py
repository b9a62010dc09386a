"""Red-team tests: digits said in English, text shown right to left, and the cost of both."""
import datetime as dt
import json

from residency_gateway.core.payload import inspect_body, scan_request_line

KEY = b"k" * 32
TODAY = dt.date(2026, 11, 29)
ID18 = "110101199003071233"
MOBILE = "13912345678"


def scan(body: str | bytes, content_type: str = "text/plain"):
    data = body.encode() if isinstance(body, str) else body
    return inspect_body(data, content_type=content_type, key=KEY, today=TODAY)


def cn_mobile(body: str | bytes, content_type: str = "text/plain") -> bool:
    return any(p.jurisdiction == "CN" for p in scan(body, content_type).phones)


def has_id(body: str | bytes, content_type: str = "text/plain") -> bool:
    return bool(scan(body, content_type).ids)


# "double", "triple" and "nil" hold letters (b, d, l, p) the prefilter's byte table left out:
# a number said with them between every few digits never reached the reading.
DOUBLES = "one double three double eight double two double four double six"  # 13388224466
NILS = "one five nil nil one nil nil one nil nil one"  # 15001001001


def test_double_triple_and_nil_with_four_plain_words_in_a_row():
    # The prefilter looks for four plain digit words in a row (double/triple/nil letters in
    # its table made most JSON one long stretch: 35 us per 2 KB body): a number said with
    # them is read when it also holds such a stretch.
    assert cn_mobile("one three nine double one two three four five six seven")  # 13911234567
    assert cn_mobile("one five nine seven nil one nil nil one nil one")  # 15970100101


def test_digits_mixed_with_words_pass_the_prefilter():
    # The byte table held no digits: words and digits alternating never made a stretch.
    assert cn_mobile("1 three 9 one 2 three 4 five 6 seven 8")
    assert cn_mobile("call 139 one two 3 4 five 6 seven 8 today")


def test_parentheses_quotes_and_pipes_part_said_digits():
    assert cn_mobile("(one three nine) one two three four - five six seven eight")
    assert cn_mobile("one three nine | one two three four | five six seven eight")
    words = ["one", "three", "nine", "one", "two", "three", "four", "five", "six", "seven",
             "eight"]
    assert cn_mobile(json.dumps({"m": words}), "application/json")


def test_o_for_zero_and_british_treble():
    assert cn_mobile("one three nine o one two three four five six seven")  # 13901234567
    assert cn_mobile("one treble three eight eight two two four four six")  # 13338822446


def test_said_words_elsewhere_do_not_glue_numbers_together():
    # Seven numbers in a row were glued into one once digit words appeared anywhere in the
    # text: "Rooms 17 8 89 10 9 7 23" became the mainland mobile 17889109723.
    for text in ("Rooms 17 8 89 10 9 7 23 are free.\nOne, two, three, four, five!",
                 "lottery: 13 70 32 91 61 40 55 bonus 12. one two three four",
                 "Scores 15 9 12 3 45 67 8; oh oh oh, oh oh oh oh, one more time"):
        assert not cn_mobile(text), text
        assert not has_id(text), text


def test_a_number_before_a_full_stop_does_not_join_the_said_digits_after_it():
    # A Singapore number ending a sentence, then counting or a song: "1813. ONE, TWO, ..."
    # was read "1813 1 2 3 4 5 6 7 8", the mainland mobile 18131234567.
    for text in ("Singapore 407921, tel 6929 1813. ONE, TWO, THREE, FOUR, FIVE, SIX, SEVEN!",
                 "tel 8940 1754. Oh oh oh, oh oh oh oh, one more time",
                 "tel 8940 1754\nOh oh oh, oh oh oh oh, one more time"):
        assert not cn_mobile(text), text
    assert cn_mobile("call 139, one two three four, five six seven eight")


def test_a_nested_override_is_shown_whole():
    # "\u202eA\u202eB" is displayed as reverse(AB): the inner override stays right to left.
    shown = ID18[::-1]
    assert has_id("\u202e" + shown[:9] + "\u202e" + shown[9:])
    assert has_id("\u202e" + shown[:9] + "\u202e" + shown[9:] + "\u202c\u202c")


def test_an_unmatched_isolate_end_does_not_end_an_override():
    # A PDI with no isolate open is ignored by the bidi algorithm: the override goes on.
    shown = ID18[::-1]
    assert has_id("\u202e" + shown[:4] + "\u2069" + shown[4:])
    assert cn_mobile("\u202e" + MOBILE[::-1][:5] + "\u2069" + MOBILE[::-1][5:])


WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def said(digits: str, sep: str = " ") -> str:
    return sep.join(WORDS[int(c)] for c in digits)


def test_an_id_said_over_fields_is_found_as_its_digits_are():
    # 110101 / 19900307 / 1233 in three fields is found in digits in every carrier; said in
    # words, each field was shorter than a said run (seven words) and nothing was read.
    a, b, c = (said(p) for p in ("110101", "19900307", "1233"))
    assert has_id(json.dumps({"a": a, "b": b, "c": c}), "application/json")
    form = f"a={a}&b={b}&c={c}".replace(" ", "+")
    assert has_id(form, "application/x-www-form-urlencoded")
    multipart = "".join(f'--X\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'
                        for n, v in zip("abc", (a, b, c), strict=True)) + "--X--\r\n"
    assert has_id(multipart, "multipart/form-data; boundary=X")
    headers = [("X-A", a), ("X-B", b), ("X-C", c)]
    assert scan_request_line("/x", "", key=KEY, today=TODAY, headers=headers).ids
    target = scan_request_line("/u/" + said("110101", "-"), f"b={b}&c={c}".replace(" ", "+"),
                               key=KEY, today=TODAY)
    assert target.ids
