"""`--proof --since REV_OR_EDITION`: the blocks whose text changed since a revision or an edition.

The old edition is an edition file, or the project at a git revision (app/diff.checkout); both
are loaded to the content model and compared block by block (app/diff.compare_books: YAML
syntax, comments and line numbers never count). The proof prints a change bar beside each block
changed or added since, and its report lists those pages.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from booklet.app.diff import _load, checkout, compare_books
from booklet.content.model import Book


def changed_blocks(since: str, edition_file: Path, book: Book) -> set[tuple[str, int]]:
    """(path, line) of every block of `book` changed or added since `since`."""
    candidate = Path(since)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return _changed(_load(candidate), book)
    with tempfile.TemporaryDirectory(prefix="booklet-since-") as folder:
        old_file = checkout(edition_file, since, Path(folder))
        if not old_file.is_file():
            old_file = Path(folder) / "booklet.yaml"
        return _changed(_load(old_file), book)


def _changed(old: Book, new: Book) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for chapter in compare_books(old, new).chapters:
        for change in chapter.blocks:
            if change.op in ("changed", "added") and change.new is not None and change.new.placed is not None:
                out.add((change.new.placed.path, change.new.placed.line))
    return out
