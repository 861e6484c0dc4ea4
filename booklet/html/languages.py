"""Texts in Latin-script languages and texts in several languages, as HTML.

A Latin-script text gets its typographic quotation marks (the language's, from content/languages.py)
and no CJK spans: its words are hyphenated and justified by WeasyPrint (`hyphens: auto` and the
`lang` attribute, styles/languages.css). A `Texts` (content/localize.py) becomes one span per language,
`<span class="lang-1" lang="zh-Hant">…</span><span class="lang-2" lang="pt">…</span>`: the second
language set in its own style below the first; the source text printed for want of a translation
is also classed `untranslated`, and where it stands already in the first language, the missing
translation is an empty span classed `untranslated missing` in its language (the proof marks both).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from booklet.content.languages import LANGUAGES
from booklet.content.localize import Texts

_DOUBLE = re.compile(r'"([^"\n]*)"')
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_SINGLE = re.compile(r"(?<![\w])'([^'\n]*)'(?![\w])")


def latin_quotes(text: str, tag: str) -> str:
    """Straight quotes → the language's marks: "a" → «a» (pt-PT), “a” (en, pt-BR); it's → it’s."""
    outer_open, outer_close, inner_open, inner_close = LANGUAGES[tag].quotes
    text = _APOSTROPHE.sub("’", text)
    text = _DOUBLE.sub(lambda m: f"{outer_open}{m.group(1)}{outer_close}", text)
    return _SINGLE.sub(lambda m: f"{inner_open}{m.group(1)}{inner_close}", text)


def latin_text(text: str, tag: str) -> Markup:
    return Markup(escape(latin_quotes(text, tag)))


def is_latin(tag: str) -> bool:
    return LANGUAGES[tag].latin


def per_language(text: Texts, render: Callable[[str, str], str]) -> Markup:
    """Each language's text rendered by `render(text, tag)` in its span."""
    out = []
    for i, (tag, piece, untranslated) in enumerate(text.parts):
        classes = f"lang-{i + 1}" + (" untranslated" if untranslated else "") + ("" if piece else " missing")
        source = text.sources[i] if i < len(text.sources) else None
        reference = f' data-source="{escape(source)}"' if source else ""  # the proof's reference
        out.append(
            f'<span class="{classes}" lang="{tag}"{reference}>{render(piece, tag) if piece else ""}</span>'
        )
    return Markup("".join(out))


def plain_texts(text: str) -> str:
    """A text in every language as one plain string, for attributes and bookmarks: 成效 / Impacto."""
    if isinstance(text, Texts):
        return " / ".join(piece for _, piece, _ in text.parts)
    return str(text)
