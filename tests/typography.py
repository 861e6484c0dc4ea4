"""Test helper: the typographic audit of a built PDF, and text comparisons that ignore autospace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LATIN = r"0-9A-Za-z\u00c0-\u024f%"
AUTOSPACE = re.compile(rf"(?<=[{HAN}]) (?=[{LATIN}])|(?<=[{LATIN}]) (?=[{HAN}])")


def audit_of(pdf: Path) -> dict:
    """The audit the build wrote next to the PDF (dist/<edition>.audit.json)."""
    return json.loads(pdf.with_suffix(".audit.json").read_text(encoding="utf-8"))


def without_autospace(text: str) -> str:
    """Drop a space between a Han character and a Latin letter or digit (either way round)."""
    return AUTOSPACE.sub("", text)


def glyph_lines(pdf: Path, page_index: int) -> list[list[dict]]:
    """The printed characters of a page grouped into lines by baseline, left to right."""
    with pdfplumber.open(pdf) as document:
        page = document.pages[page_index]
        rows: dict[float, list[dict]] = {}
        for char in page.chars:
            baseline = round(page.height - char["matrix"][5], 1)
            rows.setdefault(baseline, []).append(char)
    return [sorted(row, key=lambda c: c["matrix"][4]) for _, row in sorted(rows.items())]
