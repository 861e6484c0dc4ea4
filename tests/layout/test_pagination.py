"""The page plan: chapters start on the planned pages; reserved pages fill the gap; overflows are reported."""

from __future__ import annotations

from pypdf import PdfReader

from ..pdfread import flat, outline, page_texts

CHAPTER = "number: {n}\ntitle: 第{n}章\nblocks:\n  - paragraph: 第{n}章正文。\n"


def project_with_plan(project, plan: str):
    for n in (1, 2):
        project.write(f"chapters/0{n}-c.yaml", CHAPTER.format(n=n))
    project.edition("chapters/01-c.yaml", "chapters/02-c.yaml", extra=plan)
    return project


def folio(text: str) -> int:
    return int([line for line in text.splitlines() if line.strip().isdigit()][-1])


def test_a_chapter_starts_on_its_planned_page_with_reserved_pages_before_it(project):
    done = project_with_plan(project, "page_plan: {01-c: 1, 02-c: 7}\n").run()
    assert done.returncode == 0, done.stderr
    assert "booklet.yaml: warning: page_plan: 4 pages are reserved" in done.stderr
    pdf = project.root / "dist/booklet.pdf"
    texts = page_texts(pdf)
    start = {title: page for _, title, page in outline(pdf)}["二．第2章"]
    assert folio(texts[start]) == 7
    assert sum("RESERVED PAGE" in text for text in texts) == 4
    contents = flat(PdfReader(pdf).pages[2].extract_text())
    assert "一．第1章01" in contents and "二．第2章07" in contents


def test_a_chapter_past_its_planned_page_is_reported(project):
    done = project_with_plan(project, "page_plan: {02-c: 2}\n").run()
    assert done.returncode == 0, done.stderr
    assert (
        "page_plan.02-c: 02-c starts on page 3, after its planned page 2 [pagination.overflow]" in done.stderr
    )


def test_an_unknown_name_in_the_plan_is_a_located_error(project):
    done = project_with_plan(project, "page_plan:\n  01-c: 1\n  09-x: 5\n").run()
    assert done.returncode == 1
    assert (
        "booklet.yaml:14:3: error: page_plan.09-x: page_plan names '09-x', which is no chapter or section"
        in done.stderr
    )
