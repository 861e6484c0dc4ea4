"""The web edition: dist/<edition>.web/ — index.html (the title page and the contents), one page per
chapter, reader.css (with its print rules) and images/. Every link is relative and no page needs
JavaScript, so the folder reads the same from file:// as from any folder of a web server."""

from __future__ import annotations

from pathlib import Path

from booklet.assets.collect import Assets
from booklet.content.model import Book
from booklet.core.files import write_tree
from booklet.reader.pages import Reader, contents, pages, render_page
from booklet.reader.pictures import Made, published


def site_files(book: Book, assets: Assets, made: dict[str, Made], css: str) -> dict[str, bytes]:
    pictures, images = published(made, widest_only=False)
    reader = Reader("web", ".html", pictures=pictures, contents=contents(book, ".html"))
    files = {"reader.css": css.encode()}
    for page in pages(book, ".html"):
        files[page.file] = render_page(book, assets, reader, page).encode()
    for name, path in images.items():
        files[name] = path.read_bytes()
    return files


def write_site(target: Path, book: Book, assets: Assets, made: dict[str, Made], css: str) -> int:
    """Write the site whole (core/files.write_tree); returns the number of pages."""
    files = site_files(book, assets, made, css)
    write_tree(target, files)
    return sum(1 for name in files if name.endswith(".html"))
