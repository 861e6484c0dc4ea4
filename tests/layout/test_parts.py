"""The book laid out part by part (layout/parts.py, pdf/join.py) is the book laid out at once.

tests/roots/three-chapters/: lengths chosen so that chapters end on both sides of the spread (blank
pages between some)."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from weasyprint import HTML

from ..pdfread import contents_entries, flat, outline, page_texts


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.root("three-chapters")
def test_the_parts_give_the_pages_of_the_book_laid_out_at_once(project, tmp_path):
    done = project.run("-j", "2", "--html", "dist/whole.html")
    assert done.returncode == 0, done.stderr
    built = project.root / "dist/booklet.pdf"
    alone = tmp_path / "alone.pdf"  # the whole book's HTML (styles inlined) rendered by WeasyPrint in one go
    HTML(filename=str(project.root / "dist/whole.html"), base_url=project.root.as_uri() + "/").write_pdf(
        alone
    )
    ours = [flat(text) for text in page_texts(built)]
    theirs = [flat(text) for text in page_texts(alone)]
    pads = len(ours) - len(theirs)  # the press PDF adds blank pages before the colophon
    assert 0 <= pads < 4 and len(ours) % 4 == 0
    assert ours[: len(theirs) - 2] == theirs[:-2]  # every page, folios and running heads included
    assert ours[-2:] == theirs[-2:] and not any(ours[len(theirs) - 2 : -2])
    assert any(not text for text in ours[: len(theirs) - 2])  # a blank left-hand page before a chapter
    assert contents_entries(built) == contents_entries(alone)
    assert [entry[1:] for entry in outline(built)] == [entry[1:] for entry in outline(alone)]


@pytest.mark.root("three-chapters")
def test_remembered_parts_give_the_bytes_of_a_fresh_build(project, tmp_path):
    pdf = project.root / "dist/booklet.pdf"
    assert project.run("-q").returncode == 0
    two = project.root / "chapters/02-two.yaml"  # one chapter edited: a 15th paragraph before its sections
    added = f"  - paragraph: 第2章第14段。{'從江縣的幫扶工作持續推進，' * 12}\n"
    two.write_text(
        two.read_text(encoding="utf-8").replace("sections:\n", added + "sections:\n", 1), encoding="utf-8"
    )
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert "remembered 01-one.yaml" in done.stderr and "laid out 02-two.yaml" in done.stderr
    incremental = sha(pdf)
    shutil.rmtree(project.root / ".cache")
    assert project.run("-q", "-j", "1").returncode == 0
    assert sha(pdf) == incremental  # in one process, nothing remembered: the same bytes
    assert "第2章第14段" in flat("".join(page_texts(pdf)))
