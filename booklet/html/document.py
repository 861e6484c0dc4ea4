"""Content model → one HTML document, through Jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup, escape

from booklet.assets.collect import Assets
from booklet.assets.shapes import Sizer
from booklet.content.localize import Texts
from booklet.content.markup import plain
from booklet.content.model import Book
from booklet.content.rows import arrange, group_blocks, key_of, pieces, scan_rows
from booklet.core.resources import TEMPLATES
from booklet.core.stamps import w3c_date
from booklet.html.inline import inline
from booklet.html.languages import is_latin, latin_quotes, latin_text, per_language, plain_texts
from booklet.html.spans import latin_runs, table_cells, typeset_text


@functools.cache
def make_environment() -> Environment:
    """The templates' environment, made once: its compiled templates are kept for every render."""
    return _environment()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_finalize,
    )
    env.filters["group_blocks"] = group_blocks
    # page filling (layout/compose.py): build.fill names blocks by key, {"after": n, "scale": s}
    env.filters["arrange"] = lambda items, fill: arrange(
        items,
        {key: change["after"] for key, change in fill.items() if change.get("after")},
        {key for key, change in fill.items() if change.get("pair")},
    )
    env.filters["block_key"] = key_of
    env.filters["scan_rows"] = scan_rows
    env.filters["latin"] = _latin  # Latin words in a letter-spaced CJK title (html/spans.py)
    env.filters["table_cells"] = table_cells  # names one to a line, never broken (html/spans.py)
    env.filters["is_number"] = lambda text: bool(re.fullmatch(r"[\d.,%\s-]+", text or ""))
    env.filters["cjk"] = _cjk  # CJK spacing and line-end spans (html/spans.py)
    env.filters["inline"] = _inline  # the safe inline markup subset, then the CJK spans (html/inline.py)
    env.filters["plain"] = _plain
    env.filters["further_languages"] = further_languages
    env.filters["machine_date"] = machine_date  # 2018年5月22日 → 2018-05-22, for <time datetime>
    return env


_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")


def machine_date(text) -> str:
    """A date as the manuscript writes it, as an HTML `datetime` value ("" when it is not one)."""
    found = _DATE.match(plain_texts(text) if text is not None else "")
    if not found or not 1 <= int(found.group(2)) <= 12 or not 1 <= int(found.group(3) or 1) <= 31:
        return ""
    year, month, day = found.group(1), int(found.group(2)), found.group(3)
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")


# Each text filter takes the document's language (`lang`, a template variable) or, for a text in several
# languages (content/localize.Texts), each part's own (html/languages.py).


@pass_context
def _latin(context, value):
    """Latin runs in a CJK title set by Latin rules (html/spans.py latin_runs); a Latin-script
    book's titles, and texts in several languages, are left to their own rules."""
    if not isinstance(value, str) or is_latin(context.get("lang") or "zh-Hant"):
        return value
    return latin_runs(value)


def _finalize(value):
    """A text in several languages printed as it is ({{ block.title }}): one span per language."""
    if isinstance(value, Texts):
        return per_language(value, lambda text, tag: latin_text(text, tag) if is_latin(tag) else escape(text))
    return value


def _one(text: str, tag: str, typeset) -> str:
    if is_latin(tag):
        return str(typeset(latin_quotes(text, tag), latin=True))
    return str(typeset(text))


@pass_context
def _cjk(context, text: str) -> Markup:
    if isinstance(text, Texts):
        return per_language(text, lambda piece, tag: _one(piece, tag, _typeset))
    return Markup(_one(text, context["lang"], _typeset))


@pass_context
def _inline(context, text: str) -> Markup:
    if isinstance(text, Texts):
        return per_language(text, lambda piece, tag: _one(piece, tag, _markup))
    return Markup(_one(text, context["lang"], _markup))


def _typeset(text: str, latin: bool = False) -> Markup:
    return Markup(escape(text)) if latin else typeset_text(text)


def _markup(text: str, latin: bool = False) -> Markup:
    return inline(text, latin=latin)


def further_languages(text: str) -> list[tuple[str, str]]:
    """(tag, text) of a text's second and later languages (none for a text in one language)."""
    return [(tag, piece) for tag, piece, _ in text.parts[1:] if piece] if isinstance(text, Texts) else []


def _plain(text: str) -> str:
    return plain(plain_texts(text))


def render_html(book: Book, assets: Assets, *, profile: str = "print", build_info: dict | None = None) -> str:
    """The book's HTML; `build_info["parts"]` limits it to some parts ("front", "back", chapter and
    section anchors), else it is the whole book."""
    template = make_environment().get_template("book.html")
    build_info = dict(build_info or {})
    build_info["parts"] = build_info.get("parts") or ["front", *pieces(book), "back"]
    return template.render(
        book=book,
        edition=book.edition,
        images=assets.images,
        sizes=Sizer(book, assets.images, assets.geometry),  # every photo placed by its shape
        art=assets.art,
        profile=profile,
        lang=book.language,
        build={
            "created": w3c_date(book.edition),
            "reserved": {},
            "lead": False,
            "folios": {},
            "fill": {},
            **build_info,
        },  # fixed: reproducible
    )
