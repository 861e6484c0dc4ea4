"""The edition diff (`build.py diff`, app/diff.py): each edit in its chapter, the pages it changed or reflowed.

tests/roots/diff/: three chapters, each two or three pages long, with a figure and a table."""

from __future__ import annotations

import subprocess

import pytest

from booklet.app.diff import compare_books
from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import Project
from ..pdfread import flat, page_texts


def commit(project: Project):
    """The project's files, committed in a new git repository."""
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first"],
    ):
        subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True)


@pytest.mark.root("diff")
def test_the_diff_reports_each_edit_in_its_chapter_names_reflowed_pages_and_nothing_else(project):
    commit(project)
    edit = {
        "chapters/01.yaml": ("      caption: 第1章的圖片說明。", "      caption: 第1章的圖片說明（修訂）。"),
        "chapters/02.yaml": (
            "  - paragraph: 第2章第1段。",
            "  - paragraph: 新增的一段。\n  - paragraph: 第2章第1段。",
        ),
        "chapters/03.yaml": ("        - ['3', 第3章項目3]\n", ""),
    }
    for name, (old, new) in edit.items():
        path = project.root / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    done = project.run("diff", "--rev", "HEAD")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    sections = out.split("\nchapters/")
    by_chapter = {s.split(" ", 1)[0]: s for s in sections[1:]}
    assert set(by_chapter) == {"01.yaml", "02.yaml", "03.yaml"}
    assert "figure changed" in by_chapter["01.yaml"]
    assert "caption: 第1章的圖片說明{+（修訂）+}。" in by_chapter["01.yaml"]
    assert "paragraph added" in by_chapter["02.yaml"] and "{+新增的一段。+}" in by_chapter["02.yaml"]
    assert "table changed" in by_chapter["03.yaml"] and "[-3 | 第3章項目3-]" in by_chapter["03.yaml"]
    for chapter in by_chapter.values():  # one block each, nothing else
        assert chapter.count(" changed [") + chapter.count(" added [") + chapter.count(" removed [") == 1
    assert "edition:" not in out  # the edition file did not change
    pages = dict(line.split(": ", 1) for line in out.splitlines() if line.startswith("pages "))
    assert "pages changed" in pages and "pages reflowed" in pages  # the added paragraph pushed text on
    changed = {int(p) for p in pages["pages changed"].split(", ")}
    reflowed = {int(p) for p in pages["pages reflowed"].split(", ")}
    assert not changed & reflowed
    # the named pages are exactly those whose text differs, and the chapter 2 edit comes first
    old_pdf, new_pdf = project.root / "old.pdf", project.root / "new.pdf"
    subprocess.run(["git", "stash", "-q"], cwd=project.root, check=True)
    assert project.run("-q", "-o", str(old_pdf)).returncode == 0
    subprocess.run(["git", "stash", "pop", "-q"], cwd=project.root, check=True)
    assert project.run("-q", "-o", str(new_pdf)).returncode == 0
    old_texts, new_texts = page_texts(old_pdf), page_texts(new_pdf)
    differing = {
        i + 1
        for i in range(len(new_texts))
        if i >= len(old_texts) or flat(new_texts[i]) != flat(old_texts[i])
    }
    assert changed | reflowed == differing
    first_in_chapter_2 = min(i + 1 for i, t in enumerate(new_texts) if "新增的一段" in flat(t))
    assert first_in_chapter_2 in changed and min(reflowed) > first_in_chapter_2
    report = (project.root / "dist/booklet.diff.html").read_text(encoding="utf-8")
    assert "<ins>（修訂）</ins>" in report and "<del>3 | 第3章項目3</del>" in report


@pytest.mark.root("editions")
def test_an_edition_compared_with_itself_reports_nothing(project):
    report = Report()
    book = load_book(project.root / "editions/third.yaml", project.root, report)
    result = compare_books(book, book)
    assert result.metadata == [] and result.chapters == []
