"""Inline markup → safe HTML: the allowed tags of content/markup.py kept, everything else escaped,
the text between them given its CJK spans, and the result re-serialised by a whitelist sanitizer."""

from __future__ import annotations

import nh3
from markupsafe import Markup, escape

from booklet.content.markup import TAG, TAGS
from booklet.html.spans import typeset_text


def inline(text: str, *, latin: bool = False) -> Markup:
    """Text → safe HTML (the Jinja2 filter `inline`): the allowed tags kept, everything else escaped,
    and the text between them typeset for CJK (html/spans.py: spacing, kept-together line end), or, for
    a Latin-script text (`latin`), only escaped: WeasyPrint hyphenates and justifies it.

    Safe by construction: the output holds only escaped text, the fixed tags above and cjk's spans.
    """
    pieces: list[tuple[bool, str]] = []  # (is_tag, text or normalised tag)
    position = 0
    for match in TAG.finditer(text):
        pieces.append((False, text[position : match.start()]))
        pieces.append((True, "<br>" if match.group(3) else f"<{match.group(1)}{match.group(2).lower()}>"))
        position = match.end()
    pieces.append((False, text[position:]))
    last = max(i for i, (is_tag, piece) in enumerate(pieces) if not is_tag and (piece or i == 0))
    out = [
        piece if is_tag else str(escape(piece)) if latin else str(typeset_text(piece, tail=i == last))
        for i, (is_tag, piece) in enumerate(pieces)
    ]
    # the whitelist sanitizer as a second wall: only the four tags and cjk's classed spans pass
    return Markup(
        nh3.clean(
            "".join(out),
            tags=set(TAGS) | {"span"},
            attributes={"span": {"class"}},
            link_rel=None,
            strip_comments=True,
        )
    )
