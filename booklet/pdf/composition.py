"""The composition audit, beside the typographic one (audit.py): how the pages are composed.

Written after every build as `<output>.composition.json`, and summed up in one line:

- **holes**: body pages (not a chapter's or section's last) whose text block ends more than a
  quarter of its height short, with the page number, the size of the hole, the block before it
  and the block that went over to the next page (layout/compose.py finds them);
- **moved**: figures set after the text that followed them in the YAML (by how many blocks);
- **shrunk**: figures page filling made smaller (their scale);
- **under nominal size**: photos placed smaller than their column (a portrait at its height
  limit, a gallery row shorter than the measure, a shrunk figure), with the width placed and the
  nominal width in mm;
- **wrapping table headers**: header cells set in more than one line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from booklet.assets.shapes import Sizer
from booklet.content.model import Figure, Gallery
from booklet.content.rows import FigureRow, group_blocks

if TYPE_CHECKING:
    from booklet.content.model import Book
    from booklet.layout.book import Parts


@dataclass
class Composed:
    holes: list[dict] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    shrunk: list[dict] = field(default_factory=list)
    under_nominal: list[dict] = field(default_factory=list)
    wrapped_headers: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"composition: {len(self.holes)} holes, {len(self.moved)} figures moved, "
            f"{len(self.shrunk)} shrunk, {len(self.under_nominal)} photos under nominal size, "
            f"{len(self.wrapped_headers)} table headers wrapping"
        )

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode()


def composition_audit(laid: Parts, book: Book, sizer: Sizer) -> Composed:
    """The parts' composition records as one, their pages numbered in the book (1-based)."""
    out = Composed()
    offset = 0
    for part in laid.in_order():
        offset += laid.blanks_before.get(part.name, 0)
        record = part.composition
        if record is not None:
            for hole in record.holes:
                out.holes.append(
                    {
                        "page": offset + hole.page + 1,
                        "hole_mm": hole.size_mm,
                        "share": hole.share,
                        "block_before": hole.before,
                        "went_over": hole.over,
                    }
                )
            out.moved += [{"block": key, "text_blocks_before_it": n} for key, n in record.moved.items()]
            out.shrunk += [{"block": key, "scale": scale} for key, scale in record.shrunk.items()]
            out.wrapped_headers += [
                {"page": offset + page + 1, "header": text, "lines": lines}
                for page, text, lines in record.wrapped_heads
            ]
        offset += part.pages
    shrunk = {item["block"]: item["scale"] for item in out.shrunk}
    out.under_nominal = under_nominal(book, sizer, shrunk)
    return out


def under_nominal(book: Book, sizer: Sizer, shrunk: dict[str, float]) -> list[dict]:
    """Photos placed narrower than their nominal width (their column's), and why."""
    found = []
    measure, gap = sizer.measure, sizer.geometry.row_gap

    def note(placed, ref, width, nominal, why):
        if width < nominal - 0.5:
            found.append(
                {
                    "image": ref,
                    "source": f"{placed.path}:{placed.line}",
                    "placed_mm": round(width, 1),
                    "nominal_mm": round(nominal, 1),
                    "why": why,
                }
            )

    for chapter in book.chapters:
        for blocks in (chapter.blocks, *(section.blocks for section in chapter.sections)):
            for item in group_blocks(blocks):
                if isinstance(item, FigureRow):
                    key = f"{item.items[0].path}:{item.items[0].line}"
                    scale = shrunk.get(key, 1)
                    boxes = sizer.row([p.block for p in item.items], item.size, scale)
                    if boxes is None:
                        continue
                    total = sum(box.width for box in boxes) + gap * (len(boxes) - 1)
                    why = "shrunk to fill a page" if scale != 1 else "the row at its height limit"
                    for placed, box in zip(item.items, boxes):
                        if total < measure - 0.5:
                            note(placed, placed.block.image, box.width, box.width * measure / total, why)
                    continue
                block = item.block
                if isinstance(block, Figure):
                    key = f"{item.path}:{item.line}"
                    scale = shrunk.get(key, 1)
                    box = sizer.figure(block, scale)
                    if box is not None:
                        why = "shrunk to fill a page" if scale != 1 else "a portrait at its height limit"
                        note(item, block.image, box.width, measure, why)
                elif isinstance(block, Gallery):
                    rows = sizer.gallery(block) or []
                    for row in rows:
                        total = sum(box.width for _, box in row) + sizer.geometry.gallery_gap * (len(row) - 1)
                        for index, box in row:
                            note(
                                item,
                                block.images[index].image,
                                box.width,
                                box.width * measure / total,
                                "a gallery row at its height limit",
                            )
    return found
