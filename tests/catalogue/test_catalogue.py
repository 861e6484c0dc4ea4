"""End to end: build the real catalogue and read the PDF back."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import REPO
from ..pdfread import contents_entries, flat, fonts, outline, page_texts

pytestmark = pytest.mark.slow  # every test reads the real catalogue back

SEED = REPO / "docs" / "manuscript" / "catalogue-2021.txt"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def book():
    report = Report()
    loaded = load_book(REPO / "booklet.yaml", REPO, report)
    assert report.errors == []
    return loaded


@pytest.fixture(scope="module")
def texts(catalogue):
    return page_texts(catalogue)


@pytest.fixture(scope="module")
def bookmarks(catalogue):
    return outline(catalogue)


def folio(page_text: str) -> int | None:
    """The printed page number: the last line of the page that is a number."""
    numbers = [line.strip() for line in page_text.splitlines() if line.strip().isdigit()]
    return int(numbers[-1]) if numbers else None


def test_every_chapter_and_section_is_in_the_contents_with_the_page_it_stands_on(
    book, texts, bookmarks, catalogue
):
    entries = contents_entries(catalogue)
    expected = []
    for chapter in book.chapters:
        expected.append((f"{chapter.numeral}．{chapter.title}", chapter.title))
        expected += [(f"（{s.numeral}）{s.title}", s.title) for s in chapter.sections]
    assert len(expected) == 15
    levels = {title: page for _, title, page in bookmarks}
    for label, title in expected:
        assert label in entries, f"{label} not in the contents"
        page_index = levels[label]
        assert title in flat(texts[page_index]), f"{title} not on the bookmarked page"
        assert folio(texts[page_index]) == entries[label], f"{label}: contents says {entries[label]}"


def test_bookmarks_nest_sections_under_their_chapter(book, bookmarks):
    entries = bookmarks
    chapters = [(lvl, t) for lvl, t, _ in entries if "．" in t]
    assert [t for _, t in chapters] == [f"{c.numeral}．{c.title}" for c in book.chapters]
    sections = [t for lvl, t, _ in entries if lvl == 2 and t.startswith("（")]
    assert sections == [f"（{s.numeral}）{s.title}" for c in book.chapters for s in c.sections]


def test_first_chapter_is_folio_one_and_chapters_open_on_right_hand_pages(book, texts, bookmarks):
    entries = {t: p for _, t, p in bookmarks}
    first = entries[f"{book.chapters[0].numeral}．{book.chapters[0].title}"]
    assert folio(texts[first]) == 1
    for chapter in book.chapters:
        page = entries[f"{chapter.numeral}．{chapter.title}"]
        assert page % 2 == 0, (
            f"{chapter.title} starts on a left-hand page"
        )  # index 0 is the cover, a right page


def test_all_fonts_are_embedded_and_traditional_chinese_faces(catalogue):
    used = fonts(catalogue)
    assert used
    for name, embedded in used.items():
        assert embedded, f"{name} is not embedded"
        assert "CJK-TC" in name, f"{name} is not a TC face"
    assert any("Serif-CJK-TC" in n for n in used) and any("Sans-CJK-TC" in n for n in used)


def test_page_boxes_carry_the_bleed(catalogue):
    reader = PdfReader(catalogue)
    for page in reader.pages:
        trim = [float(v) for v in page.trimbox]
        media = [float(v) for v in page.mediabox]
        bleed = [float(v) for v in page.bleedbox]
        assert trim[2] - trim[0] == pytest.approx(210 * MM, abs=0.01)
        assert trim[3] - trim[1] == pytest.approx(297 * MM, abs=0.01)
        for side in range(2):
            assert trim[side] - bleed[side] == pytest.approx(3 * MM, abs=0.01)
            assert bleed[side + 2] - trim[side + 2] == pytest.approx(3 * MM, abs=0.01)
            # the marks' margin beyond the bleed (pdf/marks.py)
            assert bleed[side] - media[side] == pytest.approx(12 * MM, abs=0.01)
            assert media[side + 2] - bleed[side + 2] == pytest.approx(12 * MM, abs=0.01)


def test_metadata(catalogue):
    reader = PdfReader(catalogue)
    assert reader.metadata.title.startswith("思源同心 攜手圓夢")
    assert reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "zh-Hant"
    assert len(reader.pages) >= 60


def test_the_manuscript_is_in_the_pdf(catalogue, texts):
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.strip() == "前言"
    )  # after the printed contents page
    body = "\n".join(lines[start:])
    sentences = [flat(s) for s in re.split(r"[。！？\n]", body)]
    sentences = [s for s in sentences if len(s) >= 8]
    text = flat("".join(page.extract_text() for page in PdfReader(catalogue).pages))
    missing = [s for s in sentences if s not in text]
    assert len(sentences) > 350
    assert len(missing) / len(sentences) <= 0.02, missing


def test_placeholders_name_the_expected_files(catalogue, book):
    from booklet.assets.collect import image_refs

    every = flat("".join(page.extract_text() for page in PdfReader(catalogue).pages))
    refs = {ref for placed in book.all_blocks() for ref, _ in image_refs(placed)}
    assert len(refs) > 80
    for ref in refs:
        assert flat(ref) in every, ref


def test_map_is_vector_with_its_labels_as_text(texts):
    page = next(t for t in texts if "澳門、從江地理位置示意圖" in t)
    for name in ("澳門", "從江縣", "貴陽", "廣州"):
        assert name in page


def test_a_table_that_breaks_repeats_its_header_row(texts):
    pages = [i for i, t in enumerate(texts) if "2018年簽署的幫扶協議" in t]
    assert pages
    start = pages[0]
    assert "2019 年簽署的幫扶協議" not in texts[start], (
        "the 2018 table is expected to break onto the next page"
    )
    for index in (start, start + 1):
        assert "協議名稱" in texts[index] and "主要內容" in texts[index]


def test_the_contents_keep_the_printed_first_editions_pages(catalogue):
    """booklet.yaml's page_plan: every chapter and section starts where the printed contents say,
    and the contents print the numbers as the first edition did (01, 07, …) with no dot text."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    printed = [line.split("\t") for line in lines[lines.index("目錄") + 1 :] if "\t" in line][:15]
    text = flat(PdfReader(catalogue).pages[2].extract_text())
    for label, page in printed:
        assert flat(label.replace("(", "（").replace(")", "）")) + page in text, (label, page)
