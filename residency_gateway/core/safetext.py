"""Client text made safe to keep (pure): the one function every header value, path, token or
error text goes through before it enters a decision record, a log line or a metric label.

What a client sends is data, never an encoding hazard: bytes that are not UTF-8, lone
surrogates (what Python makes of them with `surrogateescape`), control characters and
oversized values are turned into a short printable string that always encodes as UTF-8 and
JSON. Undecodable bytes and control characters become `\\xNN` / `\\uNNNN` escapes (a literal
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
    return f"\\u{code:04x}"


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    # C0/C1 controls, DEL, surrogates, and the Unicode line/paragraph separators and BOM that
    # break log lines and terminals.
    return (code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xDFFF
            or code in (0x2028, 0x2029, 0xFEFF))


def safe_text(value: str | bytes, limit: int = DEFAULT_LIMIT) -> str:
    """`value` as printable UTF-8-safe text of at most `limit` characters (limit >= 8)."""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", "surrogateescape")
    else:
        text = value
    if text.isascii() and text.isprintable() and "\\" not in text and len(text) <= limit:
        return text  # the common case: nothing to do
    out: list[str] = []
    size = 0
    budget = max(limit, 8)
    for index, ch in enumerate(text):
        piece = "\\\\" if ch == "\\" else (_escape(ch) if _unsafe(ch) else ch)
        if size + len(piece) > budget:
            marker = f"{_ELLIPSIS}(+{len(text) - index})"
            while out and size + len(marker) > budget:
                size -= len(out.pop())
            out.append(marker[: budget - size])
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)
