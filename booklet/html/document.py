"""Content model → one HTML document, through Jinja2 (autoescape, strict undefined)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from booklet.assets.collect import Assets
from booklet.content.markup import inline, plain
from booklet.content.model import Book, Figure, Placed
from booklet.core.resources import TEMPLATES
from booklet.html.spans import typeset_text
from booklet.pdf.manifest import w3c_date


@dataclass(frozen=True)
class FigureRow:
    """Consecutive half- or third-width figures set side by side."""

    kind = "figure_row"
    size: str
    items: tuple[Placed, ...]


def group_blocks(blocks: tuple[Placed, ...]) -> list[Placed | FigureRow]:
    """Gather runs of same-size half/third figures into rows of 2 or 3."""
    out: list[Placed | FigureRow] = []
    run: list[Placed] = []

    def flush():
        per_row = 3 if run and run[0].block.size == "third" else 2
        for start in range(0, len(run), per_row):
            out.append(FigureRow(run[0].block.size, tuple(run[start : start + per_row])))
        run.clear()

    for placed in blocks:
        small = isinstance(placed.block, Figure) and placed.block.size in ("half", "third")
        if small and (not run or run[0].block.size == placed.block.size):
            run.append(placed)
            continue
        if run:
            flush()
        if small:
            run.append(placed)
        else:
            out.append(placed)
    if run:
        flush()
    return out


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
    env.filters["cjk"] = typeset_text  # CJK spacing and line-end spans (cjk.py)
    env.filters["inline"] = inline  # the safe inline markup subset, then the CJK spans (markup.py)
    env.filters["plain"] = plain
    return env


def pieces(book: Book) -> list[str]:
    """The book's chapters and sections in order, by anchor: each is a part of the layout (parts.py)."""
    return [
        anchor
        for chapter in book.chapters
        for anchor in (chapter.anchor, *(section.anchor for section in chapter.sections))
    ]


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
