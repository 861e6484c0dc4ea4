"""The proof map: what a proof remembers of its own layout, so that marks made on it can be read back.

Every proof carries, in its catalogue (key /BookletProofMap, a compressed JSON stream), the
edition it is a proof of, the revision, the box of every block with a source line on every page,
and the text of every source file those blocks come from, as it was when the proof was built.
A proof of an older revision is therefore read through its own layout and its own sources, then
found again in today's files (proof/annotations.py). The map is deterministic: same inputs, same
bytes.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.content.model import Book
from booklet.core.findings import relative

if TYPE_CHECKING:
    from booklet.proof.stamp import Layout

MAP_KEY = "/BookletProofMap"
FORMAT = "booklet-proof-map/1"


def proof_map(layout: Layout, book: Book, edition_file: Path, root: Path, info: dict[str, str]) -> bytes:
    """The map of a proof laid out as `layout`, as compressed JSON."""
    paths = sorted({block[0] for page in layout.pages for block in page.blocks})
    sources = {}
    for path in paths:
        try:
            sources[path] = (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    edition = book.edition
    data = {
        "format": FORMAT,
        "edition_file": relative(edition_file.resolve(), root.resolve()),
        "title": edition.title,
        "language": edition.language,
        "conversion": edition.conversion,
        "conversion_overrides": dict(sorted(edition.conversion_overrides.items())),
        "revision": info.get("revision", ""),
        "time": info.get("time", ""),
        "pages": [
            {
                "width": round(page.width, 3),
                "height": round(page.height, 3),
                "blocks": [list(b) for b in page.blocks],
            }
            for page in layout.pages
        ],
        "sources": sources,
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 9)


def embed_map(pdf, data: bytes) -> None:
    """Put the map into the proof (a pikepdf.Pdf), where viewers leave it when they save marks."""
    import pikepdf

    stream = pdf.make_stream(data)
    stream[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    pdf.Root[pikepdf.Name(MAP_KEY)] = stream


def read_map(pdf) -> dict | None:
    """The map of a proof opened with pikepdf, or None when it has none (not a proof of this tool)."""
    import pikepdf

    stream = pdf.Root.get(pikepdf.Name(MAP_KEY))
    if not isinstance(stream, pikepdf.Stream):
        return None
    try:
        data = json.loads(stream.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, pikepdf.PdfError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
