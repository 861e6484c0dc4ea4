"""Folios: which side each part opens on, where the next one starts, and the page plan.

Chapters open on right-hand pages (odd folios) and sections on left-hand pages (even).

The page plan keeps an edition's chapters and sections on the pages of the printed first edition.

The edition's `page_plan` names, for a chapter (its file stem, e.g. `02-congjiang`) or a
section (`04-impact-1`), the folio it starts on. Once the part before it is laid out,
each planned start that comes too early gets reserved pages in front of it (marked placeholders where the first
edition has photographs the project does not yet hold); one that comes too late is a finding,
since nothing can be taken away. Reprints and corrected editions keep their page numbers, and
the contents match the printed ones. Planned starts keep the book's parity (chapters on
odd, sections on even folios), so the reserved pages come in pairs and nothing else moves.
"""

from __future__ import annotations

from booklet.content.model import Book, Chapter
from booklet.content.rows import pieces
from booklet.core.findings import Location, Report


def reserve(
    order: list[str], natural: dict[str, int], plan: dict[str, int], book: Book, report: Report
) -> dict[str, int]:
    """Pages to reserve in front of each planned heading, given the folios they fall on without."""
    where = Location(book.edition_path)  # unknown names were refused when the edition was loaded
    reserved: dict[str, int] = {}
    shift = 0
    for anchor in order:
        if anchor not in plan or anchor not in natural:
            continue
        missing = plan[anchor] - (natural[anchor] + shift)
        if missing < 0:
            report.warning(
                "pagination.overflow",
                f"{anchor} starts on page {natural[anchor] + shift}, after its planned page {plan[anchor]}",
                location=where,
                field=f"page_plan.{anchor}",
                hint="the content before it grew: move the plan, or shorten what comes before",
            )
        elif missing % 2:
            report.warning(
                "pagination.parity",
                f"{anchor} is planned on page {plan[anchor]}, on the wrong side "
                "of the spread for it; the plan is kept to the nearest page on the right side",
                location=where,
                field=f"page_plan.{anchor}",
            )
            missing -= 1
        if missing > 0:
            reserved[anchor] = missing
            shift += missing
    return reserved


def report_reserved(reserved: dict[str, int], book: Book, report: Report) -> None:
    """The warning that names the reserved pages (they print as marked placeholders)."""
    if reserved:
        report.warning(
            "pagination.reserved",
            f"{sum(reserved.values())} pages are reserved to keep the planned "
            f"pagination ({', '.join(f'{a}: {n}' for a, n in reserved.items())}); they print as "
            "marked placeholders",
            location=Location(book.edition_path),
            field="page_plan",
        )


def chapter_of(book: Book, name: str) -> Chapter | None:
    """The chapter a part (its head or one of its sections) belongs to, or None (front, back)."""
    return next(
        (
            chapter
            for chapter in book.chapters
            if name == chapter.anchor or any(name == section.anchor for section in chapter.sections)
        ),
        None,
    )


def is_section(book: Book, name: str) -> bool:
    chapter = chapter_of(book, name)
    return chapter is not None and name != chapter.anchor


def following(book: Book, name: str) -> str | None:
    """The part after `name` in the book, or None after the last."""
    names = pieces(book)
    index = names.index(name) if name in names else len(names)
    return names[index + 1] if index + 1 < len(names) else None


def opens_on(book: Book, name: str) -> int:
    """The parity of the folio a part opens on: chapters on the right (odd), sections on the left (even)."""
    return 1 if any(chapter.anchor == name for chapter in book.chapters) else 0


def first_folio(book: Book, name: str, folio: int) -> int:
    """The first folio at or after `folio` on the side `name` opens on."""
    return folio + (folio % 2 != opens_on(book, name))


def planned_here(book: Book, name: str, plan: dict[str, int]) -> dict[str, int]:
    """The planned folio this part decides: the next part's (pages reserved at its end push it there)."""
    after = following(book, name)
    return {after: plan[after]} if after in plan else {}


def reserve_after(
    book: Book, name: str, start: int, pages: int, wanted: dict[str, int], report: Report
) -> dict[str, int]:
    """Pages to reserve at the end of part `name` (`pages` long from folio `start`) so the next part
    starts on its planned folio."""
    after = following(book, name)
    if after is None:
        return {}
    natural = {after: first_folio(book, after, start + pages)}
    return reserve([after], natural, wanted, book, report)


def next_start(book: Book, name: str, start: int, content_pages: int, plan: dict[str, int]) -> int:
    """Where the part after `name` starts if `name` starts on `start` with `content_pages` pages
    besides those it reserves. A part laid out on the same side has the same content pages wherever
    it starts; only the pages reserved at its end to reach the next part's planned folio differ."""
    end = start + content_pages  # the first folio after its content
    after = following(book, name)
    if after is None:
        return end
    natural = first_folio(book, after, end)
    missing = plan.get(after, 0) - natural
    return natural + (missing - missing % 2 if missing > 0 else 0)
