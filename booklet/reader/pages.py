"""The reader editions' pages, rendered from the print edition's block templates.

Each chapter is one page (web: `NN-name.html`, EPUB: `NN-name.xhtml`); the blocks are the same
templates the print book is made of (html/templates/blocks/), only the frame (reader/page.html)
and the pictures differ: responsive photos where the print has one file per profile, and a
framed description where a photo is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from booklet.assets.collect import Assets
from booklet.content.model import Book, Chapter
from booklet.html.document import make_environment
from booklet.html.languages import plain_texts


@dataclass(frozen=True)
class Picture:
    """A photo made for the reader: its main file, the widths it is also made at, its pixel size."""

    src: str
    width: int
    height: int
    srcset: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    sections: tuple[Link, ...] = ()


@dataclass
class Reader:
    """What the frame templates know of the edition being made (the `reader` template variable)."""

    kind: str  # "web" or "epub"
    suffix: str  # ".html" or ".xhtml"
    pictures: dict[str, Picture] = field(default_factory=dict)
    up: str = ""  # from a page to the edition's top folder (every page sits at the top: "")
    contents: list[Link] = field(default_factory=list)
    page_list: list[tuple[int, str]] = field(default_factory=list)  # EPUB: (folio, href)
    cover: str = ""


def chapter_file(chapter: Chapter, suffix: str) -> str:
    return f"{chapter.anchor}{suffix}"


def chapter_label(book: Book, chapter: Chapter) -> str:
    return book.labels["chapter_mark"].format(n=chapter.numeral) + plain_texts(chapter.title)


def section_label(book: Book, section) -> str:
    return book.labels["section_mark"].format(n=section.numeral) + plain_texts(section.title)


def contents(book: Book, suffix: str) -> list[Link]:
    return [
        Link(
            chapter_file(chapter, suffix),
            chapter_label(book, chapter),
            tuple(
                Link(f"{chapter_file(chapter, suffix)}#{section.anchor}", section_label(book, section))
                for section in chapter.sections
            ),
        )
        for chapter in book.chapters
    ]


@dataclass(frozen=True)
class Page:
    file: str
    title: str
    chapter: Chapter | None = None
    previous: Link | None = None
    next: Link | None = None


def pages(book: Book, suffix: str, index: str = "index") -> list[Page]:
    """The front page, then one page per chapter, each linked to the one before and after."""
    title = plain_texts(book.edition.title)
    links = [Link(f"{index}{suffix}", title)] + [
        Link(chapter_file(c, suffix), chapter_label(book, c)) for c in book.chapters
    ]
    out = [Page(links[0].href, title, None, None, links[1] if len(links) > 1 else None)]
    for number, chapter in enumerate(book.chapters, start=1):
        out.append(
            Page(
                links[number].href,
                chapter_label(book, chapter),
                chapter,
                links[number - 1],
                links[number + 1] if number + 1 < len(links) else None,
            )
        )
    return out


def render_page(book: Book, assets: Assets, reader: Reader, page: Page) -> str:
    return render_template("reader/page.html", book, assets, reader, page=page)


def render_template(name: str, book: Book, assets: Assets, reader: Reader, **more) -> str:
    template = make_environment().get_template(name)
    return template.render(
        book=book,
        edition=book.edition,
        images=assets.images,
        art=assets.art,
        sizes=_Unshaped(),
        profile=reader.kind,
        reader=reader,
        lang=book.language,
        build={
            "created": book.edition.date,
            "reserved": {},
            "lead": False,
            "folios": {},
            "fill": {},
            "parts": [],
        },
        **more,
    )


class _Unshaped:
    """The print page's sizes of photos (assets/shapes.py) have no place on a screen of any width:
    the reader's stylesheet sizes them (responsive images), so no figure or gallery gets a box."""

    def figure(self, figure, scale: float = 1):
        return None

    def row(self, figures, size: str, scale: float = 1):
        return None

    def gallery(self, gallery):
        return None
