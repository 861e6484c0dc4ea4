"""How the content is grouped for layout: figures set side by side in rows, and the book's parts."""

from __future__ import annotations

from dataclasses import dataclass

from booklet.content.model import Book, Figure, Placed


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


def key_of(item: Placed | FigureRow) -> str:
    """A grouped block's name in a layout's adjustments: the source position of its (first) block."""
    first = item.items[0] if isinstance(item, FigureRow) else item
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
        if key_of(item) in pairs and index + 1 < len(out) and _single(item) and _single(out[index + 1]):
            out[index : index + 2] = [FigureRow("half", (item, out[index + 1]))]
    for key, after in moves.items():
        index = next((i for i, item in enumerate(out) if key_of(item) == key), None)
        if index is None or after <= 0:
            continue
        item = out.pop(index)
        out.insert(min(index + after, len(out)), item)
    return out


def _single(item: Placed | FigureRow) -> bool:
    return isinstance(item, Placed) and isinstance(item.block, Figure) and item.block.size != "full-bleed"
