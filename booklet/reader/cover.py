"""The EPUB's cover image: the book's own cover page (html/templates/cover.html), laid out by the
renderer in the screen colours and drawn as a JPEG by PDFium."""

from __future__ import annotations

import io
from pathlib import Path

from booklet.assets.collect import Assets
from booklet.content.model import Book
from booklet.core.findings import Report
from booklet.engine.render import render_document, write_pdf
from booklet.html.document import render_html

COVER_HEIGHT = 1600  # px


def cover_jpeg(book: Book, assets: Assets, css: list[str], root: Path) -> bytes:
    import pypdfium2
    from PIL import Image

    html = render_html(book, assets, profile="screen", build_info={"parts": ["front"]})
    document = render_document(html, css, root, Report())
    first = document.copy(document.pages[:1])
    pdf = pypdfium2.PdfDocument(write_pdf(first, book.edition, {}))
    try:
        page = pdf[0]
        scale = COVER_HEIGHT / page.get_height()
        image: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()
