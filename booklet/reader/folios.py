"""The print edition's folios, for the EPUB's page-list: each laid-out print part read back page by
page (proof/stamp.read_layout, the proof's own reading of where each block stands), as the folio of
each page and the first block that starts on it."""

from __future__ import annotations

from booklet.layout.book import Parts

PrintPages = dict[str, list[tuple[int, tuple[str, int] | None]]]


def print_pages(laid: Parts, step: str = "proof") -> PrintPages:
    """part anchor → [(folio, (path, line) of the first block starting on that page, or None)]."""
    out: PrintPages = {}
    for part in laid.chapters:
        layout = part.extras.get(step)
        if layout is None:
            continue
        seen: set[tuple[str, int]] = set()
        rows = []
        for page in layout.pages:
            new = [(path, line) for path, line, _ in page.sources if (path, line) not in seen]
            seen.update((path, line) for path, line, _ in page.sources)
            rows.append((part.start + page.number - 1, new[0] if new else None))
        out[part.name] = rows
    return out
