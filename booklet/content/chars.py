"""The one character class of the project: what is CJK, what is Han, and CJK punctuation.

Every stage that asks "is this character set on the em grid?" (the HTML's spans, the justification
patch, the editorial checks, the typographic audit, the charts' text estimate) asks here.
"""

from __future__ import annotations

import unicodedata

CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x31FF),  # CJK punctuation, kana, bopomofo
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # compatibility forms
    (0xFF00, 0xFF60),  # full-width forms
    (0x20000, 0x3FFFF),  # extensions B and later
)
# The same ranges as a regular-expression class, e.g. re.compile(f"[{CJK_CLASS}]").
CJK_CLASS = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in CJK_RANGES)

OPENING = "「『（《〈【〔“‘"
CLOSING = "」』）》〉】〕”’"
STOPS = "。，、；：！？"
PUNCTUATION = OPENING + CLOSING + STOPS + "…—·・"
# Characters a line may not start or end with (kinsoku).
FORBIDDEN_START = "，。、；：？！」』）》〉】〕”’々ー‐゠–〜・…"
FORBIDDEN_END = OPENING


def is_cjk(char: str) -> bool:
    """Han, kana, bopomofo, CJK punctuation and full-width forms: set on the em grid."""
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES) or (
        unicodedata.east_asian_width(char) in ("W", "F") and not char.isspace()
    )


def is_han(char: str) -> bool:
    """A Han character or kana: CJK but not punctuation or a full-width Latin form."""
    return is_cjk(char) and char not in PUNCTUATION and not ("\uff00" <= char <= "\uff60")
