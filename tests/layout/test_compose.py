"""Page composition with photographs of mixed shapes (layout/compose.py, assets/shapes.py,
pdf/composition.py): holes closed, photos placed by their shape, galleries in justified rows,
table headers that never wrap, and the composition audit written after the build."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from tests.photos import photo

SHAPES = {  # name → pixels (the gallery's photos are small enough to be quick, large enough for 300 ppi)
    "landscape": (2400, 1600),
    "portrait": (1400, 2100),
    "g-landscape": (1200, 800),
    "g-portrait": (800, 1200),
    "g-square": (1000, 1000),
    "g-panorama": (2400, 800),
    "g-wide": (1600, 900),
    "g-tall": (700, 1000),
    "g-landscape-2": (1200, 900),
}


def make_photos(root: Path) -> None:
    folder = root / "assets" / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    for seed, (name, (width, height)) in enumerate(SHAPES.items()):
        photo(width, height, seed).save(folder / f"{name}.jpg", quality=85)


def build(project, *args: str) -> dict:
    done = project.run("-q", "--screen", *args)
    assert done.returncode == 0, done.stderr
    return json.loads((project.root / "dist" / "booklet.screen.composition.json").read_text())


@pytest.mark.root("composition")
def test_a_figure_that_did_not_fit_lets_the_text_after_it_move_up(project):
    make_photos(project.root)
    audit = build(project)
    assert audit["holes"] == [], audit["holes"]
    assert audit["moved"] and audit["moved"][0]["block"].startswith("chapters/01-compose.yaml:")
    assert audit["wrapped_headers"] == []  # 序號 is set on one line


@pytest.mark.root("composition")
def test_a_figure_kept_here_leaves_its_hole_and_the_audit_names_it(project):
    make_photos(project.root)
    chapter = project.root / "chapters" / "01-compose.yaml"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        text.replace("      alt: 橫幅照片\n", "      alt: 橫幅照片\n      keep: here\n", 1), encoding="utf-8"
    )
    audit = build(project)
    assert audit["moved"] == [] and audit["shrunk"] == []
    (hole,) = audit["holes"]
    assert hole["share"] > 0.25 and hole["went_over"] == "chapters/01-compose.yaml:9"


@pytest.mark.root("composition")
def test_photos_are_placed_by_their_shape_and_gallery_rows_are_flush(project):
    make_photos(project.root)
    audit = build(project)
    portrait = [item for item in audit["under_nominal"] if item["image"] == "assets/photos/portrait.jpg"]
    assert portrait and portrait[0]["placed_mm"] < 110  # not across the measure (a page of its own)
    with pdfplumber.open(project.root / "dist" / "booklet.screen.pdf") as pdf:
        text_height = float(pdf.pages[0].height) - 2 * 24 * 72 / 25.4
        images = [(page.page_number, image) for page in pdf.pages for image in page.images]
        heights = [image["height"] for _, image in images]
        assert max(heights) <= 0.6 * text_height + 1  # the portrait stops at 60 % of the text block
        rows: dict[tuple[int, float], list[dict]] = {}
        for number, image in images:  # the gallery's photos: those set side by side
            rows.setdefault((number, round(image["top"])), []).append(image)
        rows = {key: sorted(row, key=lambda image: image["x0"]) for key, row in rows.items() if len(row) > 1}
        assert len(rows) >= 2
        measure = 170 * 72 / 25.4
        *full, (_, last) = sorted(rows.items())
        for _, row in full:
            assert max(i["height"] for i in row) - min(i["height"] for i in row) < 0.5  # one height
            width = row[-1]["x1"] - row[0]["x0"]
            assert abs(width - measure) < 1.0, width  # flush with the measure
        last_width = last[-1]["x1"] - last[0]["x0"]
        # the last row is flush, or left short rather than blown up past its limit
        assert (
            abs(last_width - measure) < 1.0 or max(i["height"] for i in last) <= 52 * 1.15 * 72 / 25.4 + 0.5
        )


@pytest.mark.root("composition")
def test_signatories_stand_one_to_a_line(project):
    make_photos(project.root)
    done = project.run("-q", "--screen", "--html", "dist/book.html")
    assert done.returncode == 0, done.stderr
    html = (project.root / "dist" / "book.html").read_text(encoding="utf-8")
    assert '<span class="cell-name">澳門基金會</span><span class="cell-name">從江縣人民政府</span>' in html
    assert '<th scope="col">序號</th>' in html


@pytest.mark.root("composition")
def test_the_fill_found_once_is_used_again_with_the_same_pages(project):
    """A build that lays the same content out again (its parts forgotten) takes the page filling's
    changes it found before instead of trying them again: the same PDF, the same audit."""
    make_photos(project.root)
    pdf = project.root / "dist" / "booklet.pdf"
    audits = []
    for _ in range(2):
        for part in (project.root / ".cache" / "parts").glob("*"):
            if part.suffix in (".pdf", ".part"):
                part.unlink()
        done = project.run("-q", "--force")
        assert done.returncode == 0, done.stderr
        audits.append(((project.root / "dist" / "booklet.composition.json").read_text(), pdf.read_bytes()))
    assert list((project.root / ".cache" / "parts").glob("*.fill.json"))
    assert audits[0] == audits[1] and json.loads(audits[0][0])["moved"]
