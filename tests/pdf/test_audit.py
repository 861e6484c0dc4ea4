"""The typographic audit on a small page laid out by WeasyPrint alone: what it finds, and that its
read-back of the PDF places every character where pdfplumber does."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from booklet.core.findings import Report
from booklet.engine.render import render_document
from booklet.pdf.audit import audit_document
from booklet.pdf.glyphs import printed_glyphs

TEXT = (
    "澳門特別行政區政府積極響應國家號召對口幫扶貴州省從江縣在產業教育醫療消費等多個領域開展了一系列幫扶工作"
)
# Plain WeasyPrint (no booklet stylesheets): CJK lines are not justified, so they end short.
HTML = f"""<html lang="zh-Hant"><body>
<p style="text-align: justify">{TEXT}</p>
<p style="text-align: justify; letter-spacing: 3pt">{TEXT}</p>
<p style="text-align: justify">{TEXT[:20]}<br>。{TEXT[20:40]}</p>
</body></html>"""
CSS = "@page { size: 100mm 150mm; margin: 10mm } body { font: 10.5pt 'Noto Serif CJK TC' }"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    report = Report()
    document = render_document(HTML, [CSS], tmp_path_factory.mktemp("audit"), report)
    assert not report.errors
    return document, document.write_pdf()


def test_the_audit_finds_loose_ragged_and_badly_started_lines(page):
    audit = audit_document(*page)
    assert audit.lines == 10 and audit.justified_lines == 7
    loose = [p for p in audit.problems if p.code == "loose"]
    assert len(loose) == 3 and all("3.91 pt gap" in p.detail for p in loose)  # 3 pt letter-spacing
    assert audit.count("ragged") == 4
    assert [p.text[0] for p in audit.problems if p.code == "line-start"] == ["。"]
    assert [p.text for p in audit.problems if p.code == "single-character-line"] == ["領"]


def test_printed_glyphs_are_where_pdfplumber_puts_them(page):
    """The audit's read-back (pikepdf tokens into pdfminer) gives pdfplumber's numbers exactly."""
    pdf = page[1]
    glyphs = printed_glyphs(pdf, {0})[0]
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        plumber = document.pages[0]
        expected = plumber_glyphs(plumber)
    assert len(expected) > 100
    assert [(g.text, g.baseline, g.x0, g.x1, g.size) for g in glyphs] == expected


def test_printed_glyphs_skip_pages_not_asked_for(page):
    assert printed_glyphs(page[1], set()) == {}
    assert list(printed_glyphs(page[1], {0})) == [0]


@pytest.mark.slow
def test_the_repository_catalogue_glyphs_match_pdfplumber_on_a_text_page(catalogue: Path):
    data = catalogue.read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as document:
        number = max(range(len(document.pages)), key=lambda i: len(document.pages[i].chars))
        plumber = document.pages[number]
        expected = plumber_glyphs(plumber)
    glyphs = printed_glyphs(data, {number})[number]
    assert [(g.text, g.baseline, g.x0, g.x1, g.size) for g in glyphs] == expected


def plumber_glyphs(page) -> list[tuple]:
    """(text, baseline, x0, x1, size) of every character pdfplumber reads on `page`."""
    return [
        (
            c["text"],
            page.height - c["matrix"][5],
            c["matrix"][4],
            c["matrix"][4] + (c["x1"] - c["x0"]),
            c["size"],
        )
        for c in page.chars
    ]


def test_the_audit_finds_latin_lines_with_stretched_word_spaces(tmp_path):
    """Long unbreakable words in a narrow justified column: WeasyPrint widens the few spaces."""
    words = "Internationalisation " * 3 + "and " + "telecommunications " * 3
    html = f"""<html lang="en"><body>
    <p style="text-align: justify; width: 60mm">{words * 2}</p>
    <p style="text-align: justify; hyphens: auto; font-size: 8pt">{"The quick brown fox jumps over the lazy dog. " * 8}</p>
    </body></html>"""
    css = "@page { size: 200mm 150mm; margin: 10mm } body { font: 10.5pt 'Noto Serif' }"
    report = Report()
    document = render_document(html, [css], tmp_path, report)
    audit = audit_document(document, document.write_pdf())
    loose = [p for p in audit.problems if p.code == "loose-words"]
    assert loose and all("word spaces stretched by" in p.detail for p in loose)
    assert not [p for p in loose if "quick" in p.text or "lazy" in p.text]  # ordinary text stays within
