"""The fixture projects under tests/roots/: each loads without a content error, and each is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from booklet.content.validate import load_book
from booklet.core.findings import Report

from .conftest import ROOTS

NAMES = sorted(path.parent.name for path in ROOTS.glob("*/booklet.yaml"))
TESTS = Path(__file__).resolve().parent


def test_there_are_fixture_projects():
    assert {"minimal", "three-chapters", "figures", "zh-hans"} <= set(NAMES)
    assert not list(ROOTS.glob("*/styles")), "a fixture project takes the repo's styles/ (conftest.Project)"


@pytest.mark.parametrize("name", NAMES)
def test_every_edition_of_a_fixture_project_loads(name):
    root = ROOTS / name
    for edition in [root / "booklet.yaml", *sorted((root / "editions").glob("*.yaml"))]:
        report = Report()
        book = load_book(edition, root, report)
        assert book is not None and report.errors == [], [f.format() for f in report.errors]


def test_every_fixture_project_is_used():
    sources = "".join(path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py"))
    unused = [name for name in NAMES if f'root("{name}")' not in sources and f'"{name}")' not in sources]
    assert unused == []
