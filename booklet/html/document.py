"""Content model → one HTML document, through Jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from booklet.assets.collect import Assets
from booklet.assets.shapes import Sizer
from booklet.content.markup import plain
from booklet.content.model import Book
from booklet.content.rows import arrange, group_blocks, key_of, pieces, scan_rows
from booklet.core.resources import TEMPLATES
from booklet.core.stamps import w3c_date
from booklet.html.inline import inline
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
    env.filters["latin"] = latin_runs  # Latin words in a letter-spaced CJK title (html/spans.py)
    env.filters["table_cells"] = table_cells  # names one to a line, never broken (html/spans.py)
    env.filters["is_number"] = lambda text: bool(re.fullmatch(r"[\d.,%\s-]+", text or ""))
    env.filters["cjk"] = typeset_text  # CJK spacing and line-end spans (html/spans.py)
    env.filters["inline"] = inline  # the safe inline markup subset, then the CJK spans (html/inline.py)
    env.filters["plain"] = plain
    return env


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
        build={
            "created": w3c_date(book.edition),
            "reserved": {},
            "lead": False,
            "folios": {},
            "fill": {},
            **build_info,
        },  # fixed: reproducible
    )
