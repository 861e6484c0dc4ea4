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
