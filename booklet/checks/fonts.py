"""Font coverage: every character of every text must be in the edition's fonts.

The families named in the edition (body and heading, each with its Latin fallback, as the CSS
lists them) are resolved to files with fontconfig (`fc-match -f '%{file}:%{index}'`; Noto CJK
is a TTC collection, hence the index). Their cmaps are read with fontTools and cached by file,
index, size and mtime. A character that a family chain lacks would be drawn by whatever font
fontconfig picks (a wrong-region glyph) or as a .notdef box: it is an error with file:line.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from booklet.content.languages import LANGUAGES
from booklet.content.localize import Texts
from booklet.content.model import Book, Placed, Strict
from booklet.core.files import remember
from booklet.core.findings import Location, Report
from booklet.core.fontconfig import match

FALLBACKS = {"body": "DejaVu Serif", "heading": "DejaVu Sans"}
IGNORED = {"\n", "\t", "\r", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


@dataclass(frozen=True)
class FontFile:
    family: str
    path: str
    index: int


def find_font(family: str) -> FontFile | None:
    """The file fontconfig uses for `family`, or None when it only has a substitute."""
    found = match(family)
    if found is None or family.lower() not in [name.lower() for name in found.families]:
        return None  # fontconfig substituted another family
    return FontFile(family, found.file, found.index)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "booklet" / "cmaps"


@cache
def cmap(font: FontFile) -> frozenset[int]:
    """The code points `font` maps, from a cache file when the font file is unchanged."""
    stat = os.stat(font.path)
    key = f"{Path(font.path).name}-{font.index}-{stat.st_size}-{int(stat.st_mtime)}.json"
    cached = _cache_dir() / key
    try:
        return frozenset(_expand(json.loads(cached.read_text())))
    except (OSError, ValueError):
        pass
    from fontTools.ttLib import TTFont

    with TTFont(font.path, fontNumber=font.index, lazy=True) as opened:
        points = sorted(opened["cmap"].getBestCmap())
    remember(cached, json.dumps(_ranges(points)).encode())  # a read-only home only costs speed
    return frozenset(points)


def _ranges(points: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for point in points:
        if out and out[-1][1] == point - 1:
            out[-1][1] = point
        else:
            out.append([point, point])
    return out


def _expand(ranges: list[list[int]]) -> Iterator[int]:
    for start, end in ranges:
        yield from range(start, end + 1)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Strict):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def texts(book: Book) -> Iterator[tuple[str, int | None, str]]:
    """(path, line, text) for every printed string of the book."""
    for path, line, text, _ in language_texts(book):
        yield path, line, text


def language_texts(book: Book) -> Iterator[tuple[str, int | None, str, str]]:
    """(path, line, text, language) for every printed string: a text in several languages
    (content/localize.Texts) gives each language's."""
    for path, line, text in _all_texts(book):
        if isinstance(text, Texts):
            for tag, piece, _ in text.parts:
                if piece:
                    yield path, line, piece, tag
        else:
            yield path, line, text, book.language


def _all_texts(book: Book) -> Iterator[tuple[str, int | None, str]]:
    for name in ("title", "subtitle", "publisher"):
        text = getattr(book.edition, name)
        if text:
            yield book.edition_path, None, text
    for organiser in book.edition.organisers:
        for text in (organiser.role, *organiser.names):
            yield book.edition_path, None, text
    for chapter in book.chapters:
        yield chapter.path, None, chapter.title
        for section in chapter.sections:
            yield section.path, section.line, section.title
        placed: Placed
        for placed in chapter.all_blocks():
            for text in _strings(placed.block):
                yield placed.path, placed.line, text


def _families(book: Book, tag: str) -> tuple[tuple[str, str], ...]:
    """The (role, family) pairs a text in language `tag` is printed in: the edition's fonts for its own
    language, the language's default faces for the others of a bilingual edition (styles/languages.css)."""
    if tag == book.language:
        return (("body", book.edition.fonts.body), ("heading", book.edition.fonts.heading))
    return (("body", LANGUAGES[tag].body), ("heading", LANGUAGES[tag].heading))


def check_coverage(book: Book, report: Report, values: list | None = None) -> list[FontFile]:
    """Report characters the fonts lack; returns the font files found (for the manifest).

    `values` (editorial.TextValue, the source strings with their places) give a finding its column and field."""
    by_language: dict[str, tuple[dict[str, list[FontFile]], dict[str, frozenset[int]]]] = {}

    def fonts_for(tag: str):
        if tag not in by_language:
            chains = _chains(book, tag, report)
            covered = {
                role: frozenset().union(*(cmap(font) for font in chain)) for role, chain in chains.items()
            }
            by_language[tag] = (chains, covered)
        return by_language[tag]

    fonts_for(book.language)
    for path, line, text, tag in language_texts(book):
        chains, covered = fonts_for(tag)
        if not chains:
            continue
        missing = {}
        for char in set(text):
            if char in IGNORED or unicodedata.category(char) in ("Cc", "Cf"):
                continue
            lacking = [role for role, points in covered.items() if ord(char) not in points]
            if lacking:
                missing[char] = lacking
        for char in sorted(missing):
            names = " and ".join(chains[role][0].family for role in missing[char])
            report.error(
                "font.missing-glyph",
                f"“{char}” (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}) is not in {names}: "
                "it would print in another region's face or as an empty box",
                **_place(values or [], path, line, char),
                hint="use the standard character, or name fonts that have it in the edition file",
            )
    found = []
    for chains, _ in by_language.values():
        found += [font for chain in chains.values() for font in chain if font not in found]
    return found


def _chains(book: Book, tag: str, report: Report) -> dict[str, list[FontFile]]:
    chains: dict[str, list[FontFile]] = {}
    for role, family in _families(book, tag):
        primary = find_font(family)
        if primary is None:
            own = tag == book.language
            report.error(
                "font.missing",
                f"the {role} font “{family}” is not installed"
                + ("" if own else f" (the {tag} text of this bilingual edition is printed in it)"),
                location=Location(book.edition_path),
                field=f"fonts.{role}" if own else "languages",
                hint="install it (fonts-noto-cjk, fonts-noto-core) or name an installed family",
            )
            continue
        chain = [primary]
        fallback = find_font(FALLBACKS[role])
        if fallback is not None:
            chain.append(fallback)
        chains[role] = chain
    return chains


def _place(values: list, path: str, line: int | None, char: str) -> dict:
    """The source string holding `char` near `line`: its file:line:column and field."""
    candidates = [v for v in values if v.path == path and char in v.text]
    exact = [v for v in candidates if line is None or v.line >= line]
    for value in exact or candidates:
        return {"location": value.locate(value.text.index(char)), "field": value.field}
    return {"location": Location(path, line)}
