"""Page filling: a part's pages measured for holes, and closed the way a designer closes them.

A hole is the white left at the foot of a page that is not the part's last (a chapter's or a
section's end) when it is more than `HOLE_SHARE` of the text block's height. It happens when
a block that does not break — a figure, a figure row, a gallery, an inscription — does not fit
under the text before it and goes over to the next page. The means tried, in this order:

1. **the text moves up** — the block that went over is set after the text that follows it
   (one block more each time, at most `MAX_DEFER`), so the text fills the page and the figure
   stands at the top of the next; it stays in its own part (section) and after the text that
   led to it, since it only ever moves later;
2. **the figure shrinks** — to what the hole holds, down to the theme's `--figure-shrink-floor`
   of its size (never below the profile's resolution: the photo was converted for its full
   size, so a smaller print has more pixels per inch);
3. **two figures pair** — the figure that went over and the one before it (or after it) are set
   side by side, one justified row (assets/shapes.py); or it joins the row of two before it.

A block is moved or shrunk only if it holds a photo that is present (or whose shape the YAML
names): a placeholder's size is not the photo's, and the catalogue without photos lays out as
before. A figure with `keep: here` is left where the editor put it. A change is kept only if it
closes (or makes smaller) the hole it is for without opening one before it or adding a page, so
the result is deterministic and a few layouts at most. The holes that are left, and what was moved or shrunk, are the part's composition record
(the composition audit, pdf/composition.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from booklet.assets.collect import image_refs
from booklet.assets.shapes import Sizer
from booklet.content.model import Figure, Gallery, Placed
from booklet.content.rows import FigureRow, arrange, group_blocks, key_of
from booklet.engine.boxes import lines_in, sourced_blocks, text_area
from booklet.layout.folios import chapter_of

HOLE_SHARE = 0.25  # a gap larger than this share of the text block is a hole
MAX_DEFER = 3  # blocks of text a figure may let go before it
MAX_PASSES = 12  # layouts of one part more, at most, while filling its pages
MOVABLE = {"figure", "figure_row", "gallery", "leaflet", "letter"}  # clippings keep their dates' order
FLOWING = {
    "paragraph",
    "lead",
    "quote",
    "testimony",
    "clipping",
    "letter",
    "table",
    "news_clip",
    "leader_quote",
}


@dataclass
class Hole:
    page: int  # index in the part
    size_mm: float
    share: float  # of the text block's height
    before: str  # the source of the last block on the page
    over: str  # the source of the block that went over to the next page


@dataclass
class Composition:
    """What page filling found and did in one part (pages are indexes in the part)."""

    holes: list[Hole] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # block source → blocks of text set before it
    shrunk: dict[str, float] = field(default_factory=dict)  # block source → its scale
    paired: list[str] = field(default_factory=list)  # the first of two figures set side by side
    wrapped_heads: list[tuple[int, str, int]] = field(default_factory=list)  # (page, header text, lines)


def part_items(book, name: str) -> list:
    """The grouped blocks of a part (a chapter's head or a section), as the HTML sets them."""
    chapter = chapter_of(book, name)
    if chapter is None:
        return []
    if name == chapter.anchor:
        return group_blocks(chapter.blocks)
    section = next(section for section in chapter.sections if section.anchor == name)
    return group_blocks(section.blocks)


def measure(document, text_height: float) -> tuple[list[Hole], list[tuple[int, str, int]]]:
    """The holes of a laid-out part, and the table header cells set in more than one line."""
    pages = []
    for page in document.pages:
        top, bottom = text_area(page)
        pages.append((top, bottom, sourced_blocks(page)))
    holes = []
    for index in range(len(pages) - 1):
        top, bottom, blocks = pages[index]
        following = pages[index + 1][2]
        if not blocks or not following:  # a blank, reserved or full-bleed page: not text to fill
            continue
        if any("figure-full-bleed" in css for _, css, _, _ in following):
            continue  # the page before a photo of its own page: nothing can come up past it
        gap = bottom - max(end for _, _, _, end in blocks)
        on_page = {source for source, _, _, _ in blocks}
        over = min(following, key=lambda block: block[2])[0]
        if gap > HOLE_SHARE * text_height and over not in on_page:
            last = max(blocks, key=lambda block: block[3])[0]
            holes.append(Hole(index, round(gap, 1), round(gap / text_height, 3), last, over))
    heads = [
        (index, text, lines)
        for index, page in enumerate(document.pages)
        for text, lines in lines_in(page, "th")
        if lines > 1
    ]
    return holes, heads


def _extent(document, page: int, source: str) -> float:
    """The height (mm) of the block `source` at the top of page `page`."""
    for name, _, top, bottom in sourced_blocks(document.pages[page]):
        if name == source:
            return bottom - top
    return 0.0


def fill_pages(book, name: str, sizer: Sizer, render, text_height: float):
    """Lay out the part with `render(fill)` until its holes are closed or nothing more helps;
    (the document, its fill, its Composition).

    The first hole is taken first: each of the means that applies to it is tried alone, and the
    first that makes the part's holes smaller in total (without adding a page) is kept; a hole
    no means helps is left, and the next is taken. At most MAX_PASSES layouts more."""
    items = part_items(book, name)
    fill: dict[str, dict] = {}
    document = render(fill)
    holes, heads = measure(document, text_height)
    stuck: set[str] = set()
    renders = 0
    while items and renders < MAX_PASSES:
        hole = next((hole for hole in holes if hole.over not in stuck), None)
        if hole is None:
            break
        for trial in _means(items, fill, hole, document, sizer):
            renders += 1
            candidate = render(trial)
            new_holes, new_heads = measure(candidate, text_height)
            if _better(new_holes, holes, hole.page) and len(candidate.pages) <= len(document.pages):
                document, fill, holes, heads = candidate, trial, new_holes, new_heads
                break
            if renders >= MAX_PASSES:
                break
        else:
            stuck.add(hole.over)
    return document, fill, _composition(holes, heads, fill)


def _better(new: list[Hole], old: list[Hole], page: int) -> bool:
    """Whether a trial closed (or made smaller) the hole on `page` without opening one before it:
    the pages are filled in reading order, so a hole the change pushes later is taken next."""

    def upto(holes):
        return sum(hole.size_mm for hole in holes if hole.page <= page)

    return upto(new) < upto(old) - 1


def composition_of(document, fill: dict, text_height: float) -> Composition:
    """The Composition of a part laid out with a fill found before (by an earlier build)."""
    holes, heads = measure(document, text_height)
    return _composition(holes, heads, fill)


def _composition(holes, heads, fill) -> Composition:
    return Composition(
        holes=holes,
        moved={key: change["after"] for key, change in fill.items() if change.get("after")},
        shrunk={key: change["scale"] for key, change in fill.items() if change.get("scale", 1) != 1},
        paired=[key for key, change in fill.items() if change.get("pair")],
        wrapped_heads=heads,
    )


def arranged(items, fill: dict) -> list:
    return arrange(
        items,
        {key: change["after"] for key, change in fill.items() if change.get("after")},
        {key for key, change in fill.items() if change.get("pair")},
    )


def _means(items, fill, hole: Hole, document, sizer: Sizer):
    """The fills to try for one hole, in the designer's order: the text after the block that
    went over moves up before it; it shrinks into the hole; it pairs with the figure before it
    (or after it) in one row."""
    order = arranged(items, fill)
    index = next((i for i, item in enumerate(order) if hole.over in _sources(item)), None)
    lead = 0.0  # a heading that went over with the block it is kept with
    if index is not None and order[index].kind == "heading" and index + 1 < len(order):
        lead = _extent(document, hole.page + 1, hole.over)
        index += 1
    if index is None or not _movable(order[index], sizer):
        return
    item = order[index]
    key = key_of(item)

    def changed(target: str, **change) -> dict:
        trial = {k: dict(v) for k, v in fill.items()}
        trial.setdefault(target, {}).update(change)
        return trial

    after = fill.get(key, {}).get("after", 0)
    following = order[index + 1] if index + 1 < len(order) else None
    if after < MAX_DEFER and following is not None and following.kind in FLOWING:
        yield changed(key, after=after + 1)  # 1. the text after it moves up
    scale = _shrink(item, sizer, hole.size_mm - lead, _extent(document, hole.page + 1, key))
    if scale is not None and scale < fill.get(key, {}).get("scale", 1):
        yield changed(key, scale=scale)  # 2. it shrinks into the hole
    before = order[index - 1] if index > 0 else None
    for first, second in ((before, item), (item, following)):  # 3. two figures side by side
        if first is not None and second is not None and _pairable(first, sizer) and _pairable(second, sizer):
            yield changed(key_of(first), pair=True)
    if before is not None and _joinable(before, sizer) and _pairable(item, sizer):
        yield changed(key_of(before), pair=True)  # or a third photo in the row before it


def _joinable(item, sizer: Sizer) -> bool:
    """A row of two half figures that a third may join."""
    return (
        isinstance(item, FigureRow)
        and item.size == "half"
        and len(item.items) == 2
        and all(getattr(p.block, "keep", None) != "here" for p in item.items)
        and sizer.row([p.block for p in item.items], item.size) is not None
    )


def _pairable(item, sizer: Sizer) -> bool:
    return (
        isinstance(item, Placed)
        and isinstance(item.block, Figure)
        and item.block.size in ("full", "half")
        and item.block.keep != "here"
        and sizer.figure(item.block) is not None
    )


def _sources(item) -> set[str]:
    placed = item.items if isinstance(item, FigureRow) else (item,)
    return {f"{p.path}:{p.line}" for p in placed}


def _movable(item, sizer: Sizer) -> bool:
    """Whether page filling may move or shrink this block: not kept here, holding a photo of a
    known shape."""
    if item.kind not in MOVABLE:
        return False
    blocks = [p.block for p in item.items] if isinstance(item, FigureRow) else [item.block]
    if any(getattr(block, "keep", None) == "here" for block in blocks):
        return False
    if isinstance(item, FigureRow):
        return sizer.row(blocks, item.size) is not None
    if isinstance(item.block, Figure):
        return sizer.figure(item.block) is not None
    if isinstance(item.block, Gallery):
        return sizer.gallery(item.block) is not None
    refs = image_refs(item)  # a leaflet, a letter, a clipping: moved with its scan, never shrunk
    return bool(refs) and all(sizer.ratio(None, ref) is not None for ref, _ in refs)


def _shrink(item, sizer: Sizer, room: float, extent: float) -> float | None:
    """The scale at which a figure (or row) fits the hole, if it is not below the theme's floor."""
    if isinstance(item, FigureRow):
        boxes = sizer.row([p.block for p in item.items], item.size)
        picture = boxes[0].height if boxes else 0
    elif isinstance(item.block, Figure):
        box = sizer.figure(item.block)
        picture = box.height if box else 0
    else:
        return None
    if not picture or not extent:
        return None
    rest = extent - picture  # the caption and the margins, which do not shrink
    scale = (room - rest - 2) / picture  # 2 mm to spare for rounding
    if scale >= 1 or scale < sizer.geometry.shrink_floor:
        return None
    return round(scale, 3)
