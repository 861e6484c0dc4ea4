"""How the content is grouped for layout: figures set side by side in rows, and the book's parts."""

from __future__ import annotations

from dataclasses import dataclass

from booklet.content.model import Book, Clipping, Figure, Placed


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


def pieces(book: Book) -> list[str]:
    """The book's chapters and sections in order, by anchor: each is a part of the layout (layout/parts.py)."""
    return [
        anchor
        for chapter in book.chapters
        for anchor in (chapter.anchor, *(section.anchor for section in chapter.sections))
    ]


@dataclass(frozen=True)
class ScanRow:
    """Two clippings that are their scanned page alone (and its date line), side by side: one
    block for the layout, so a heading before them is kept with them."""

    kind = "scan_row"
    items: tuple[Placed, ...]


def scan_rows(items: list) -> list:
    """The grouped blocks with consecutive scan-only clippings paired in ScanRows (HTML only)."""
    out: list = []
    run: list[Placed] = []

    def flush():
        out.extend(ScanRow(tuple(run[i : i + 2])) for i in range(0, len(run), 2))
        run.clear()

    for item in items:
        if isinstance(item, Placed) and isinstance(item.block, Clipping) and item.block.scan_only:
            run.append(item)
            continue
        flush()
        out.append(item)
    flush()
    return out


def key_of(item) -> str:
    """A grouped block's name in a layout's adjustments: the source position of its (first) block."""
    first = item.items[0] if isinstance(item, (FigureRow, ScanRow)) else item
    return f"{first.path}:{first.line}"


def arrange(
    items: list[Placed | FigureRow], moves: dict[str, int], pairs: frozenset[str] | set[str] = frozenset()
) -> list[Placed | FigureRow]:
    """The grouped blocks with each one named in `moves` set after the `moves[key]` blocks that
    follow it, and each figure named in `pairs` set side by side with the figure after it (page
    filling, layout/compose.py: the text after a figure moves up before it; two figures share a row)."""
    out = list(items)
    for index in range(len(out) - 1, -1, -1):
        item = out[index]
        if key_of(item) in pairs and index + 1 < len(out) and _single(out[index + 1]):
            if _single(item):
                out[index : index + 2] = [FigureRow("half", (item, out[index + 1]))]
            elif isinstance(item, FigureRow) and len(item.items) < 3:  # a third photo joins the row
                out[index : index + 2] = [FigureRow("half", (*item.items, out[index + 1]))]
    for key, after in moves.items():
        index = next((i for i, item in enumerate(out) if key_of(item) == key), None)
        if index is None or after <= 0:
            continue
        item = out.pop(index)
        out.insert(min(index + after, len(out)), item)
    return out


def _single(item: Placed | FigureRow) -> bool:
    return isinstance(item, Placed) and isinstance(item.block, Figure) and item.block.size != "full-bleed"
