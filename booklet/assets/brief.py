"""The photo brief: every photo and scan the chapters expect, for whoever collects them.

`python build.py check --photo-brief` writes it to `assets/photos/brief.csv` (one row a picture,
in book order): the file the chapters name, its chapter and section, the page its section
starts on in the edition's page plan, its caption, the shape the YAML names (if any), the size it
is placed at in mm (assets/shapes.py: from the photo's pixels when it is there, else from its
named shape, else a 4:3 landscape), and the pixels it needs at the press resolution. A test keeps
the committed file in sync with the chapters.
"""

from __future__ import annotations

import csv
import io
import math

from booklet.assets.collect import image_refs
from booklet.assets.shapes import DEFAULT_RATIO, LAYOUT_PPI, SHAPE_RATIOS, Sizer
from booklet.assets.theme import Geometry
from booklet.content.model import Book, Clipping, Figure, Gallery, ImageRef
from booklet.content.rows import FigureRow, group_blocks

BRIEF = "assets/photos/brief.csv"
COLUMNS = (
    "file",
    "chapter",
    "section",
    "section_starts_on_page",
    "caption",
    "shape",
    "placed_width_mm",
    "placed_height_mm",
    "pixels_needed",
)


def photo_brief(book: Book, geometry: Geometry) -> list[dict]:
    """One row for each picture the chapters place, in book order (a picture placed twice once,
    at its largest place)."""
    sizer = Sizer(book, {}, geometry, assumed=DEFAULT_RATIO)  # the places, not the files at hand
    plan = book.edition.page_plan or {}
    rows: dict[str, dict] = {}

    def add(ref, caption, shape, width, ratio, chapter, section, anchor):
        height = width * ratio
        row = {
            "file": ref,
            "chapter": f"{chapter.numeral} {chapter.title}",
            "section": section.title if section is not None else "",
            "section_starts_on_page": plan.get(anchor, ""),
            "caption": " ".join((caption or "").split()),
            "shape": shape or "",
            "placed_width_mm": f"{width:.0f}",
            "placed_height_mm": f"{height:.0f}",
            "pixels_needed": f"{_pixels(width)}×{_pixels(height)}",
        }
        if ref not in rows or width > float(rows[ref]["placed_width_mm"]):
            rows[ref] = row

    for chapter in book.chapters:
        for section in (None, *chapter.sections):
            blocks = chapter.blocks if section is None else section.blocks
            anchor = chapter.anchor if section is None else section.anchor
            for item in group_blocks(blocks):
                if isinstance(item, FigureRow):
                    figures = [placed.block for placed in item.items]
                    boxes = sizer.row(figures, item.size)
                    for figure, box in zip(figures, boxes or ()):
                        add(
                            figure.image,
                            figure.caption,
                            figure.shape,
                            box.width,
                            _ratio(figure),
                            chapter,
                            section,
                            anchor,
                        )
                    continue
                block = item.block
                if isinstance(block, Figure):
                    if block.size == "full-bleed":
                        width = sizer.measure + geometry.margin_inner + geometry.margin_outer
                    else:
                        width = sizer.figure(block).width
                    add(
                        block.image,
                        block.caption,
                        block.shape,
                        width,
                        _ratio(block),
                        chapter,
                        section,
                        anchor,
                    )
                elif isinstance(block, Gallery):
                    for row in sizer.gallery(block) or ():
                        for index, box in row:
                            image = block.images[index]
                            add(
                                image.image,
                                image.caption,
                                image.shape,
                                box.width,
                                _ratio(image),
                                chapter,
                                section,
                                anchor,
                            )
                elif isinstance(block, (ImageRef, Clipping)):
                    for ref, _ in image_refs(item):
                        caption = getattr(block, "caption", None) or getattr(block, "headline", None)
                        shape = getattr(block, "shape", None) or "scan"
                        ratio = SHAPE_RATIOS[shape]
                        width = min(sizer.measure, sizer.text_height * geometry.portrait_max / ratio)
                        add(ref, caption, shape, width, ratio, chapter, section, anchor)
    return list(rows.values())


def _ratio(ref: ImageRef) -> float:
    return SHAPE_RATIOS.get(ref.shape or "", DEFAULT_RATIO)


def _pixels(mm: float) -> int:
    return math.ceil(mm / 25.4 * LAYOUT_PPI)


def brief_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
