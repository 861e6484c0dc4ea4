"""The page plan: chapters start on the planned pages; reserved pages fill the gap; overflows are reported.

Each test adds its page_plan to tests/roots/two-chapters/ (chapters 01-c and 02-c, a paragraph each)."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from ..pdfread import flat, outline, page_texts


def folio(text: str) -> int:
    return int([line for line in text.splitlines() if line.strip().isdigit()][-1])


@pytest.mark.root("two-chapters")
def test_a_chapter_starts_on_its_planned_page_with_reserved_pages_before_it(project):
    project.edition_with("page_plan: {01-c: 1, 02-c: 7}\n")
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert "booklet.yaml: warning: page_plan: 4 pages are reserved" in done.stderr
    pdf = project.root / "dist/booklet.pdf"
    texts = page_texts(pdf)
    start = {title: page for _, title, page in outline(pdf)}["二．第2章"]
    assert folio(texts[start]) == 7
    assert sum("RESERVED PAGE" in text for text in texts) == 4
    contents = flat(PdfReader(pdf).pages[2].extract_text())
    assert "一．第1章01" in contents and "二．第2章07" in contents


@pytest.mark.root("two-chapters")
def test_a_chapter_past_its_planned_page_is_reported(project):
    project.edition_with("page_plan: {02-c: 2}\n")
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert (
        "page_plan.02-c: 02-c starts on page 3, after its planned page 2 [pagination.overflow]" in done.stderr
    )


@pytest.mark.root("two-chapters")
def test_an_unknown_name_in_the_plan_is_a_located_error(project):
    project.edition_with("page_plan:\n  01-c: 1\n  09-x: 5\n")
    done = project.run()
    assert done.returncode == 1
    assert (
        "booklet.yaml:14:3: error: page_plan.09-x: page_plan names '09-x', which is no chapter or section"
        in done.stderr
    )
