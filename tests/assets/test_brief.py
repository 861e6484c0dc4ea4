"""The photo brief (assets/brief.py): committed in assets/photos/brief.csv, kept in sync."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from booklet.assets.brief import BRIEF, brief_csv, photo_brief
from booklet.assets.theme import read_geometry
from booklet.content.validate import load_book
from booklet.core.findings import Report

REPO = Path(__file__).resolve().parents[2]


def repo_brief() -> str:
    book = load_book(REPO / "booklet.yaml", REPO, Report())
    # the theme's stylesheets read here (not through the renderer: no WeasyPrint in this process)
    css = [path.read_text(encoding="utf-8") for path in sorted((REPO / "styles").glob("*.css"))]
    return brief_csv(photo_brief(book, read_geometry(css)))


def test_the_committed_brief_lists_what_the_chapters_expect():
    committed = (REPO / BRIEF).read_text(encoding="utf-8")
    assert committed == repo_brief(), "the chapters changed: run `python build.py check --photo-brief`"


def test_every_picture_is_in_the_brief_with_the_pixels_its_place_needs():
    rows = list(csv.DictReader(io.StringIO(repo_brief())))
    files = [row["file"] for row in rows]
    assert len(files) == len(set(files)) > 100
    for row in rows:
        width, height = (int(n) for n in row["pixels_needed"].split("×"))
        assert width == pytest.approx(float(row["placed_width_mm"]) / 25.4 * 300, abs=12)
        assert height == pytest.approx(float(row["placed_height_mm"]) / 25.4 * 300, abs=12)
    scans = [row for row in rows if row["file"].startswith("assets/scans/") and row["shape"] == "scan"]
    assert scans and all(float(row["placed_height_mm"]) > float(row["placed_width_mm"]) for row in scans)


@pytest.mark.root("figures")
def test_check_photo_brief_writes_it_into_the_project(project):
    done = project.run("check", "--photo-brief")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((project.root / BRIEF).open(encoding="utf-8")))
    assert [row["file"] for row in rows] == ["assets/photos/present.png", "assets/photos/absent.jpg"]
    assert rows[1]["placed_width_mm"] == "147"  # a lone half figure, 4:3, 110 mm high
