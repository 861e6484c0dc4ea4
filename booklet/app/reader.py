"""`build.py --web` and `--epub`: the reader editions, from the same content model as the PDFs.

--web: check → the photos at two widths → dist/<edition>.web/ (reader/web.py).
--epub: the print build first (its layout gives the folios of the page-list; its parts come from
the cache when the print PDF is current) → the photos, the cover, the subset fonts →
dist/<edition>.epub (reader/epub.py).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from booklet.app.build import build
from booklet.app.check import check
from booklet.app.project import Options, Progress, Result, project_root, theme_dir
from booklet.assets.art.codes import draw_ean13
from booklet.assets.art.draw import draw_art
from booklet.assets.theme import read_palette
from booklet.content.model import Book
from booklet.core.files import output_lock, write_output
from booklet.core.findings import ContentError, Report
from booklet.core.resources import theme_file
from booklet.engine.render import css_string, stylesheets
from booklet.reader.cover import cover_jpeg
from booklet.reader.epub import epub_bytes
from booklet.reader.fonts import subset_fonts
from booklet.reader.pictures import make_pictures
from booklet.reader.web import write_site

SCREEN_LAYERS = ("colours-rgb.css", "screen.css")


def reader_output(kind: str, edition_file: Path, root: Path) -> Path:
    return root / "dist" / f"{edition_file.stem}.{kind}"


def build_reader(options: Options, kind: str, progress: Progress = lambda _: None) -> Result:
    """Write the web edition (kind "web") or the EPUB ("epub"). Raises BuildError."""
    started = time.perf_counter()
    root = project_root(options.edition_file)
    if kind == "epub":
        progress("building the print edition first: its pages give the EPUB's page-list")
        printed = build(dataclasses.replace(options, profile="print", output=None), progress)
        checked = check(dataclasses.replace(options, profile=kind), lambda _: None)
        result = dataclasses.replace(checked, print_pages=printed.print_pages)
    else:
        result = check(dataclasses.replace(options, profile=kind), progress)
    if result.book is None or result.report.errors:
        raise ContentError(result.report)
    book, assets = result.book, result.assets
    assert assets is not None
    styles = theme_dir(root)
    css = stylesheets(
        styles, book.edition, [theme_file(styles, name).read_text(encoding="utf-8") for name in SCREEN_LAYERS]
    )
    assets.art.update(draw_art(book, read_palette(css), Report()))  # the screen colours
    if book.edition.isbn:
        assets.art["isbn"] = draw_ean13(book.edition.isbn, book.edition.fonts.heading)
    progress("making the photos at two widths")
    made = make_pictures(assets, root)
    reader_css = _reader_css(styles, book)
    output = options.output or reader_output(kind, options.edition_file, root)
    with output_lock(output):
        if kind == "web":
            progress(f"writing the web edition ({len(book.chapters)} chapters)")
            result.pages = write_site(output, book, assets, made, reader_css)
        else:
            progress("drawing the cover")
            cover = cover_jpeg(book, assets, css, root)
            progress("writing the EPUB (subsetting its fonts the first time)")
            fonts = {"body.otf": book.edition.fonts.body, "heading.otf": book.edition.fonts.heading}
            data, result.pages = epub_bytes(
                book,
                assets,
                made,
                reader_css,
                result.print_pages,
                cover,
                fonts=lambda text: subset_fonts(fonts, text, root / ".cache" / "fonts"),
            )
            write_output(output, data)
    result.profile = kind
    result.output = output
    result.reader_output = output
    result.seconds = time.perf_counter() - started
    return result


def _reader_css(styles: Path, book: Book) -> str:
    """The theme's RGB colours, the edition's fonts, then reader.css (the project's, else the package's)."""
    layer = theme_file(styles, "reader.css").read_text(encoding="utf-8")
    fonts = book.edition.fonts
    return (
        theme_file(styles, "colours-rgb.css").read_text(encoding="utf-8")
        + f":root {{ --font-body: {css_string(fonts.body)}; --font-heading: {css_string(fonts.heading)}; }}\n"
        + layer
    )
