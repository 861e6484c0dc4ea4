"""The real catalogue's typography: the audit's standard, line starts read back, paragraphs extract as
their source text."""

from __future__ import annotations

import pytest

from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import REPO
from ..pdfread import page_texts
from ..typography import audit_of, glyph_lines, without_autospace

pytestmark = pytest.mark.slow  # every test reads the real catalogue back

FORBIDDEN_START = "，。、；：？！」』）》"


def test_catalogue_audit_meets_the_typographic_standard(catalogue):
    audit = audit_of(catalogue)
    assert audit["justified_lines"] >= 100
    assert audit["flush_fraction"] >= 0.99, [p for p in audit["problems"] if p["code"] == "ragged"]
    for code in (
        "line-start",
        "line-end",
        "single-character-line",
        "overfull",
        "margin",
        "caption-separated",
        "unmatched",
    ):
        assert audit["counts"].get(code, 0) == 0, [p for p in audit["problems"] if p["code"] == code]


def test_no_catalogue_line_starts_with_closing_punctuation(catalogue):
    """Independent of the audit: every printed line of every page, read back with pdfplumber."""
    from pypdf import PdfReader

    starts = []
    for index in range(len(PdfReader(catalogue).pages)):
        for line in glyph_lines(catalogue, index):
            first = line[0]["text"]
            if first in FORBIDDEN_START:
                starts.append((index + 1, "".join(c["text"] for c in line)))
    assert starts == []


def test_catalogue_paragraphs_extract_as_their_source_text(catalogue):
    report = Report()
    book = load_book(REPO / "booklet.yaml", REPO, report)
    joined = without_autospace("".join(t.replace("\n", "") for t in page_texts(catalogue)))
    paragraphs = [p.block.text for p in book.all_blocks() if p.kind == "paragraph"]
    missing = [text for text in paragraphs if without_autospace(text) not in joined]
    # A paragraph broken over two pages has the running head between its halves.
    assert len(missing) <= 2, missing
    assert len(paragraphs) >= 15
