"""Page plan: keep an edition's chapters and sections on the pages of the printed first edition.

The edition's `page_plan` names, for a chapter (its file stem, e.g. `02-congjiang`) or a
section (`04-impact-1`), the folio it starts on. Once the part before it is laid out (parts.py),
each planned start that comes too early gets reserved pages in front of it (marked placeholders where the first
edition has photographs the project does not yet hold); one that comes too late is a finding,
since nothing can be taken away. Reprints and corrected editions keep their page numbers, and
the contents match the printed ones. Planned starts keep the book's parity (chapters on
odd, sections on even folios), so the reserved pages come in pairs and nothing else moves.
"""

from __future__ import annotations

from booklet.content.model import Book
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
