"""Content model → one HTML document, through Jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from booklet.assets.collect import Assets
from booklet.content.markup import plain
from booklet.content.model import Book
from booklet.content.rows import group_blocks, pieces
from booklet.core.resources import TEMPLATES
from booklet.core.stamps import w3c_date
from booklet.html.inline import inline
from booklet.html.spans import typeset_text


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
    env.filters["cjk"] = typeset_text  # CJK spacing and line-end spans (html/spans.py)
    env.filters["inline"] = inline  # the safe inline markup subset, then the CJK spans (html/inline.py)
    env.filters["plain"] = plain
    env.filters["machine_date"] = machine_date  # 2018年5月22日 → 2018-05-22, for <time datetime>
    return env


_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")


def machine_date(text: str | None) -> str:
    """A date as the manuscript writes it, as an HTML `datetime` value ("" when it is not one)."""
    found = _DATE.match(text or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or not 1 <= int(found.group(3) or 1) <= 31:
        return ""
    year, month, day = found.group(1), int(found.group(2)), found.group(3)
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")


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
        art=assets.art,
        profile=profile,
        build={
            "created": w3c_date(book.edition),
            "reserved": {},
            "lead": False,
            "folios": {},
            **build_info,
        },  # fixed: reproducible
    )
