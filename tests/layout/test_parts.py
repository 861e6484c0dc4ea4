"""The book laid out part by part (layout/parts.py, pdf/join.py) is the book laid out at once."""

from __future__ import annotations

import hashlib
import shutil

from weasyprint import HTML

from ..pdfread import contents_entries, flat, outline, page_texts


def chapter(number: int, title: str, paragraphs: int, sections: int = 1) -> str:
    body = "".join(
        f"  - paragraph: 第{number}章第{i}段。{'從江縣的幫扶工作持續推進，' * 12}\n"
        for i in range(paragraphs)
    )
    text = f"number: {number}\ntitle: {title}\nblocks:\n{body}"
    if sections:
        text += "sections:\n" + "".join(
            f"  - title: 第{s}節\n    blocks:\n      - paragraph: 小節{s}。{'澳門與從江攜手同行，' * 30}\n"
            for s in range(1, sections + 1)
        )
    return text


def three_chapters(project):
    # lengths chosen so that chapters end on both sides of the spread (blank pages between some)
    project.write("chapters/01-one.yaml", chapter(1, "第一章", 3))
    project.write("chapters/02-two.yaml", chapter(2, "第二章", 14, sections=2))
    project.write("chapters/03-three.yaml", chapter(3, "第三章", 30))
    project.edition("chapters/01-one.yaml", "chapters/02-two.yaml", "chapters/03-three.yaml")
    return project


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_parts_give_the_pages_of_the_book_laid_out_at_once(project, tmp_path):
    three_chapters(project)
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


def test_remembered_parts_give_the_bytes_of_a_fresh_build(project, tmp_path):
    three_chapters(project)
    pdf = project.root / "dist/booklet.pdf"
    assert project.run("-q").returncode == 0
    project.write("chapters/02-two.yaml", chapter(2, "第二章", 15, sections=2))  # one chapter edited
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert "remembered 01-one.yaml" in done.stderr and "laid out 02-two.yaml" in done.stderr
    incremental = sha(pdf)
    shutil.rmtree(project.root / ".cache")
    assert project.run("-q", "-j", "1").returncode == 0
    assert sha(pdf) == incremental  # in one process, nothing remembered: the same bytes
    assert "第2章第14段" in flat("".join(page_texts(pdf)))
