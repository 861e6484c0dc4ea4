"""Script conversion of a whole book: a pure function over the frozen model.

The sources are Traditional Chinese as written in Macau (Hong Kong usage). An edition with
`conversion: hk2s` gets every text of the model converted by OpenCC's hk2s configuration:
Hong Kong variant forms normalised first (衞 → 衛, 綫 → 線), then the phrase table
(TSPhrases: 乾隆 stays 乾隆, 著名 stays 著名, 瞭解 → 了解), then characters. hk2s, not t2s,
because t2s leaves HK/Macau variants such as 衞 untouched; and not hk2sp, which would also
swap vocabulary (the names of Macau's offices must stay as they are).

After conversion the edition's `conversion_overrides` table is applied (longest match
first, one pass): names and terms the converter gets wrong. The quoted text of blocks
marked `simplified_source: true` is already Simplified and passes unchanged. Image paths and
addresses are never touched.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import lru_cache

from booklet.content.chars import is_han
from booklet.content.localize import Texts
from booklet.content.model import Book, Chapter, Placed, Strict

NOT_TEXT = frozenset({"image", "scan", "video_url"})  # fields that are paths or addresses
# With `simplified_source: true`, the fields quoted from the Simplified source pass unchanged;
# the editors' own words around them (a letter's caption and alt text, dates) are converted.
QUOTED = {
    "Clipping": frozenset({"headline", "subheadline", "text", "caption"}),  # caption: the clipping's own
    "Letter": frozenset({"sender", "title", "recipient", "text"}),
    "Leaflet": frozenset({"sender", "title", "recipient", "text"}),
}
EDITION_TEXT = (
    "title",
    "subtitle",
    "edition",
    "subject",
    "keywords",
    "publisher",
    "organisers",
    "printing_history",
)

Converter = Callable[[str], str]


@lru_cache(maxsize=8)
def opencc_converter(config: str) -> Converter:
    import opencc

    return opencc.OpenCC(config).convert


def make_converter(config: str, overrides: dict[str, str]) -> Converter:
    """OpenCC `config`, then the override table (longest key first, in one pass)."""
    convert = opencc_converter(config)
    if not overrides:
        return convert
    pattern = re.compile("|".join(re.escape(k) for k in sorted(overrides, key=len, reverse=True)))

    def converted(text: str) -> str:
        return pattern.sub(lambda m: overrides[m.group(0)], convert(text))

    return converted


def convert_book(book: Book) -> Book:
    """The book in the edition's script; the same book when the edition asks for no conversion."""
    edition = book.edition
    if edition.conversion is None:
        if edition.language == "zh-Hans":  # written in Simplified: the templates' words follow
            convert = opencc_converter("hk2s")
            return dataclasses.replace(
                book, labels={key: convert_value(text, convert) for key, text in book.labels.items()}
            )
        return book
    convert = make_converter(edition.conversion, edition.conversion_overrides)
    return dataclasses.replace(
        book,
        edition=edition.model_copy(
            update={name: convert_value(getattr(edition, name), convert) for name in EDITION_TEXT}
        ),
        chapters=tuple(_chapter(chapter, convert) for chapter in book.chapters),
        labels={key: convert_value(text, convert) for key, text in book.labels.items()},
    )


def convert_value(value, convert: Converter):
    """Every text inside a value: strings, lists and model fields (except paths). A text in several
    languages has its Chinese parts converted, the others kept."""
    if isinstance(value, Texts):
        parts = tuple(
            (tag, convert(text) if tag.startswith("zh") else text, untranslated)
            for tag, text, untranslated in value.parts
        )
        return Texts(parts, value.sources)
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [convert_value(item, convert) for item in value]
    if isinstance(value, Strict):
        keep = NOT_TEXT
        if getattr(value, "simplified_source", False):
            keep = NOT_TEXT | QUOTED.get(type(value).__name__, frozenset(type(value).model_fields))
        return value.model_copy(
            update={
                name: convert_value(getattr(value, name), convert)
                for name in type(value).model_fields
                if name not in keep
            }
        )
    return value


def _blocks(blocks: tuple[Placed, ...], convert: Converter) -> tuple[Placed, ...]:
    return tuple(dataclasses.replace(p, block=convert_value(p.block, convert)) for p in blocks)


def _chapter(chapter: Chapter, convert: Converter) -> Chapter:
    sections = tuple(
        dataclasses.replace(s, title=convert_value(s.title, convert), blocks=_blocks(s.blocks, convert))
        for s in chapter.sections
    )
    return dataclasses.replace(
        chapter,
        title=convert_value(chapter.title, convert),
        blocks=_blocks(chapter.blocks, convert),
        sections=sections,
    )


def traditional_only(text: str, config: str = "hk2s") -> list[str]:
    """Characters of `text` that the converter would still change: Traditional-only forms."""
    convert = opencc_converter(config)
    return sorted({ch for ch in text if is_han(ch) and convert(ch) != ch})
