"""Chinese typesetting markup for the HTML stage: spacing, compression and a kept-together tail.

`typeset_text(text)` returns the text escaped, with spans that change layout only — the
characters are exactly the source's (no space is ever inserted):

- `cjk-gap-l` / `cjk-gap-r`: a Latin or digit run between Han characters gets a quarter-em
  margin on the side that touches a Han character (CSS `text-autospace`); where the source
  already has a space there, none is added. engine/patches/justify.py drops such a margin at a line's edge.
- `cjk-halt`: the first of two adjacent full-width punctuation marks (`」。`, `）、`) is set
  half-width with the font's `halt` feature, as in the printed book.
- `cjk-tail`: the last two characters of a paragraph (with the punctuation after them) do
  not break, so a paragraph's last line never holds a single character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from booklet.content.chars import CLOSING, OPENING, PUNCTUATION, STOPS, is_han

LATIN = r"0-9A-Za-z\u00C0-\u024F"
# A run of Latin letters or digits, with the punctuation and spaces that join them inside.
WESTERN_RUN = re.compile(rf"[{LATIN}](?:[{LATIN}.,:/'’&+%\- ]*[{LATIN}%])?")
TAIL_LETTERS = 2
MIN_TAIL_TEXT = 8  # shorter texts are one line anyway


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    classes: str


def autospace_spans(text: str) -> list[Span]:
    spans = []
    for match in WESTERN_RUN.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        classes = []
        if before and is_han(before):
            classes.append("cjk-gap-l")
        if after and is_han(after):
            classes.append("cjk-gap-r")
        if classes:
            spans.append(Span(start, end, " ".join(classes)))
    return spans


def halt_spans(text: str) -> list[Span]:
    """A closing bracket followed by another full-width mark (`」。`, `）、`, `」「`)."""
    spans = []
    for i in range(len(text) - 1):
        char, following = text[i], text[i + 1]
        if char in CLOSING and following in CLOSING + STOPS + OPENING:
            spans.append(Span(i, i + 1, "cjk-halt"))
    return spans


def tail_start(text: str) -> int | None:
    """Where the kept-together tail starts: the last two letters and what follows them."""
    if len(text) < MIN_TAIL_TEXT:
        return None
    letters = [i for i, char in enumerate(text) if not char.isspace() and char not in PUNCTUATION]
    if len(letters) < TAIL_LETTERS + 1:
        return None
    start = letters[-TAIL_LETTERS]
    # A tail starting inside a Latin run or after an opening bracket takes it whole.
    for run in WESTERN_RUN.finditer(text):
        if run.start() < start < run.end():
            start = run.start()
    while start > 0 and text[start - 1] in OPENING:
        start -= 1
    return start


def typeset_text(text: str, *, tail: bool = True) -> Markup:
    """The text as safe HTML with layout spans (see the module docstring)."""
    inner = sorted(autospace_spans(text) + halt_spans(text), key=lambda s: s.start)
    start = tail_start(text) if tail else None
    out: list[str] = []
    position = 0

    def emit(until: int) -> None:
        nonlocal position
        for span in inner:
            if span.start < position or span.start >= until:
                continue
            out.append(str(escape(text[position : span.start])))
            out.append(f'<span class="{span.classes}">{escape(text[span.start : span.end])}</span>')
            position = span.end
        out.append(str(escape(text[position:until])))
        position = until

    if start is not None and start > 0:
        emit(start)
        out.append('<span class="cjk-tail">')
        emit(len(text))
        out.append("</span>")
    else:
        emit(len(text))
    return Markup("".join(out))
