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

from booklet.content.chars import CJK_CLASS, CLOSING, OPENING, PUNCTUATION, STOPS, is_han

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


# ---------------------------------------------------------------- table cells

_NAME = rf"[{CJK_CLASS}]{{2,}}"
SIGNATORIES = re.compile(rf"^{_NAME}(?: +{_NAME})+$")  # 澳門基金會 從江縣人民政府


def signatories(text: str) -> list[str] | None:
    """The names a cell lists when the manuscript separates them by spaces (two organisations
    that signed together), else None: a cell of names and nothing else, no punctuation in it."""
    if not SIGNATORIES.match(text) or any(char in STOPS for char in text):
        return None
    return text.split()


def table_cells(rows: list[list], columns: list[str]) -> list[list[Markup]]:
    """Each cell's HTML: a list of names one to a line, and no line break inside a name that the
    table lists (a signatory named in one row is kept whole wherever it appears in the table)."""
    names = sorted(
        {name for row in rows for cell in row for name in (signatories(cell.text) or ())},
        key=len,
        reverse=True,
    )
    pattern = re.compile("|".join(re.escape(name) for name in names)) if names else None
    out = []
    for row in rows:
        cells = []
        for cell in row:
            listed = signatories(cell.text)
            if listed:
                cells.append(
                    Markup("").join(
                        Markup('<span class="cell-name">{}</span>').format(name) for name in listed
                    )
                )
            elif pattern is not None:
                cells.append(
                    Markup(
                        pattern.sub(
                            lambda match: f'<span class="nobreak">{match.group(0)}</span>',
                            str(escape(cell.text)),
                        )
                    )
                )
            else:
                cells.append(escape(cell.text))
        out.append(cells)
    return out


# ---------------------------------------------------------------- Latin inside the CJK theme


def latin_runs(text: str) -> Markup:
    """The text escaped, each run of Latin words in it (`Macau`, `MIF 2021`) in a
    `<span class="latin" lang="en">`: the theme's CJK letter-spacing (titles set 0.1–0.3 em apart)
    does not reach it, and its word spaces and line breaks follow Latin rules (styles/type.css)."""
    out, last = [], 0
    for match in WESTERN_RUN.finditer(text):
        if not re.search(r"[A-Za-z\u00C0-\u024F]", match.group(0)):
            continue  # figures alone (a year) keep the spacing of the line
        out.append(escape(text[last : match.start()]))
        out.append(Markup('<span class="latin" lang="en">{}</span>').format(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
