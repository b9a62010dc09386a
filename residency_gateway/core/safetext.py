"""Client text made safe to keep (pure): the one function every header value, path, token or
error text goes through before it enters a decision record, a log line or a metric label.

What a client sends is data, never an encoding hazard: bytes that are not UTF-8, lone
surrogates (what Python makes of them with `surrogateescape`), control characters and
oversized values are turned into a short printable string that always encodes as UTF-8 and
JSON. Undecodable bytes and characters that are not printable (controls, bidi overrides, line
separators, ...) become `\\xNN` / `\\uNNNN` escapes (a literal
backslash is doubled, so the result is unambiguous), and the result is capped at `limit`
characters with a `…(+N)` marker saying how much was cut.
"""

from __future__ import annotations

DEFAULT_LIMIT = 256
_ELLIPSIS = "…"


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _piece(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    # not printable: C0/C1 controls, surrogates, format characters (bidi overrides, zero
    # widths), line/paragraph separators, unassigned and private-use code points
    return ch if ch.isprintable() else _escape(ch)


def _marker(cut: int) -> str:
    return f"{_ELLIPSIS}(+{cut})"


def safe_text(value: str | bytes, limit: int = DEFAULT_LIMIT) -> str:
    """`value` as printable UTF-8-safe text of at most `limit` characters (at least 8)."""
    if (type(value) is str and len(value) <= limit and value.isascii() and value.isprintable()
            and "\\" not in value):
        return value  # the common case (a limit under 8 only allows more: never shorter)
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", "surrogateescape")
    else:
        text = value
    budget = max(limit, 8)
    if len(text) <= budget and text.isascii() and text.isprintable() and "\\" not in text:
        return text  # the common case: nothing to do
    # each piece is at least one character, so more than `budget` source characters never fit
    pieces = [_piece(ch) for ch in text[: budget + 1]]
    if len(text) <= budget and sum(map(len, pieces)) <= budget:
        return "".join(pieces)
    out: list[str] = []
    size = 0
    for index, piece in enumerate(pieces):
        if size + len(piece) + len(_marker(len(text) - index - 1)) > budget:
            break
        out.append(piece)
        size += len(piece)
    out.append(_marker(len(text) - len(out))[: budget - size])
    return "".join(out)
