"""The EPUB 3: dist/<edition>.epub — reflowable, one XHTML file per chapter, the navigation document
with the contents and the print edition's page-list, the cover, accessibility metadata, the
language and reading direction, and the book's two CJK faces subset to the characters it uses.

The page-list comes from the print layout: for each folio, the first block that starts on that page
(pages.PrintPage, read from the laid-out print parts) gets a page-break marker before it in the
chapter's XHTML (`<span epub:type="pagebreak" role="doc-pagebreak" id="page-23" aria-label="23"/>`).
"""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from booklet.assets.collect import Assets
from booklet.content.model import Book
from booklet.core.stamps import build_datetime, document_id
from booklet.reader import xhtml
from booklet.reader.pages import Reader, contents, pages, render_page, render_template
from booklet.reader.pictures import Made, published

MEDIA = {".jpg": "image/jpeg", ".png": "image/png", ".svg": "image/svg+xml", ".otf": "font/otf"}
PrintPages = dict[str, list[tuple[int, tuple[str, int] | None]]]  # part anchor → (folio, first new block)


@dataclass(frozen=True)
class Item:
    id: str
    href: str
    type: str
    properties: str = ""


def epub_bytes(
    book: Book,
    assets: Assets,
    made: dict[str, Made],
    css: str,
    print_pages: PrintPages,
    cover: bytes,
    fonts=None,  # callable: the book's text → {file name: font bytes} (reader/fonts.py)
    stamp: datetime.datetime | None = None,
) -> tuple[bytes, int]:
    """The EPUB's bytes (the same for the same inputs and stamp) and the number of folios it marks."""
    pictures, images = published(made, widest_only=True)
    reader = Reader("epub", ".xhtml", pictures=pictures, contents=contents(book, ".xhtml"), cover="cover.jpg")
    files: dict[str, bytes] = {}
    manifest = [
        Item("nav", "nav.xhtml", "application/xhtml+xml", "nav"),
        Item("css", "reader.css", "text/css"),
    ]
    spine = ["cover", "title", "nav"]
    page_list: list[tuple[int, str]] = []
    for page in pages(book, ".xhtml", index="title"):
        root = xhtml.parse(render_page(book, assets, reader, page))
        if page.chapter is not None:
            parts = [page.chapter.anchor, *(s.anchor for s in page.chapter.sections)]
            for index, part in enumerate(parts):
                marks = print_pages.get(part, [])
                for folio in xhtml.insert_page_breaks(root, marks, first=index == 0):
                    page_list.append((folio, f"{page.file}#page-{folio}"))
        files[page.file] = xhtml.serialise(root)
        properties = "svg" if root.find(f".//{{{xhtml.SVG}}}svg") is not None else ""
        item_id = "title" if page.chapter is None else f"c-{page.chapter.anchor}"
        manifest.append(Item(item_id, page.file, "application/xhtml+xml", properties))
        if page.chapter is not None:
            spine.append(item_id)
    page_list.sort()
    reader.page_list = page_list
    files["nav.xhtml"] = xhtml.serialise(
        xhtml.parse(render_template("reader/nav.html", book, assets, reader))
    )
    files["cover.xhtml"] = xhtml.serialise(
        xhtml.parse(render_template("reader/cover.html", book, assets, reader))
    )
    manifest.insert(0, Item("cover", "cover.xhtml", "application/xhtml+xml"))
    files["cover.jpg"] = cover
    manifest.append(Item("cover-image", "cover.jpg", "image/jpeg", "cover-image"))
    text = "".join(
        "".join(xhtml.etree.fromstring(data).itertext())
        for name, data in files.items()
        if name.endswith(".xhtml")
    )
    fonts = fonts(text) if fonts else {}
    font_css = ""
    for number, (name, data) in enumerate(sorted(fonts.items())):
        href = f"fonts/{name}"
        files[href] = data
        manifest.append(Item(f"font-{number}", href, MEDIA[".otf"]))
    if fonts:
        font_css = "".join(
            f'@font-face {{ font-family: "{family}"; src: url("fonts/{name}"); }}\n'
            for name, family in _font_families(book, fonts)
        )
    files["reader.css"] = (font_css + css).encode()
    for number, (name, path) in enumerate(sorted(images.items())):
        files[name] = path.read_bytes()
        manifest.append(Item(f"img-{number}", name, MEDIA.get(Path(name).suffix, "image/jpeg")))
    when = (stamp or build_datetime(book.edition)).astimezone(
        datetime.UTC
    )  # core/stamps: the build's one time
    identifier = book.edition.isbn and f"urn:isbn:{book.edition.isbn.replace('-', '')}"
    identifier = identifier or document_id(book.edition, "epub")
    package = render_template(
        "reader/package.opf",
        book,
        assets,
        reader,
        epub={
            "identifier": identifier,
            "modified": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "manifest": manifest,
            "spine": spine,
            "page_source": identifier,
        },
    )
    files["package.opf"] = package.encode()
    return _zip(files, when), len(page_list)


def _font_families(book: Book, fonts: dict[str, bytes]):
    faces = {"body.otf": book.edition.fonts.body, "heading.otf": book.edition.fonts.heading}
    for name in sorted(fonts):
        yield name, faces.get(name, name)


CONTAINER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    b'<rootfiles><rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml"/>'
    b"</rootfiles></container>\n"
)


def _zip(files: dict[str, bytes], when: datetime.datetime) -> bytes:
    """The OCF container: `mimetype` first and stored, then every file, dated alike (reproducible)."""
    buffer = io.BytesIO()
    date = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("mimetype", date)
        archive.writestr(info, b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
        info = zipfile.ZipInfo("META-INF/container.xml", date)
        archive.writestr(info, CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        for name in sorted(files):
            info = zipfile.ZipInfo(f"OEBPS/{name}", date)
            stored = name.endswith((".jpg", ".png"))
            archive.writestr(
                info, files[name], compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()
