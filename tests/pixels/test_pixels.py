"""Pixel tests: tiny renderings compared with reference images, for what only the eye can check.

Each test lays out a small page of the markup the templates make, with the theme's stylesheets
(styles/*.css through `booklet.engine.render.stylesheets`, then a page rule of this module's own: a
small page, narrow margins, no marks, no folios), through booklet's renderer (`render_document`,
which installs the engine's patches). The PDF is rasterised with `pdftoppm -r 30 -png`; the pages,
side by side, are compared with tests/pixels/<name>.png pixel for pixel. Renders are deterministic
here (three renders of each page, in one process and in separate ones, gave the same pixels), so
there is no tolerance. Each test also measures, on the rendering, what its image is meant to show
(line ends, where the photo and its caption are, a header band on every page), so a reference
regenerated from a broken build cannot pass unnoticed; `test_the_pixel_tests_can_fail` breaks each
case on purpose and checks that its comparison and its measure fail.

After an intended change of the look, regenerate the references, then look at them (enlarge them:
they are 30 dpi) before committing them:

    BOOKLET_UPDATE_PIXELS=1 .venv/bin/python -m pytest tests/pixels

A failing comparison writes the rendering and a difference image into the test's tmp_path and
names them in its message.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from booklet import engine
from booklet.content.model import Edition
from booklet.core.findings import Report
from booklet.engine import render as renderer
from booklet.html.spans import typeset_text

from ..conftest import REPO

REFERENCES = Path(__file__).resolve().parent
UPDATE = os.environ.get("BOOKLET_UPDATE_PIXELS") == "1"
DPI = 30
MARGIN_MM = 4
PAGE_CSS = f"""
@page {{ marks: none; margin: {MARGIN_MM}mm }}
@page :left {{ margin: {MARGIN_MM}mm; @top-left {{ content: none }} @bottom-left {{ content: none }} }}
@page :right {{ margin: {MARGIN_MM}mm; @top-right {{ content: none }} @bottom-right {{ content: none }} }}
"""
INK = 200  # a pixel darker than this (0-255 grey) is ink
# 59.3 mm less the margins is 13.85 em of 10.5 pt: lines that are not justified end 0.85 em short.
# Written so that every line ends with a Han character (punctuation has no ink at its right edge).
PARAGRAPH = "澳門特別行政區政府積極響應國家號召，對口幫扶貴州省從江縣，在產業、教育、醫療、消費等多個領域開展幫扶工作，成效顯著。"
LEAD_IN = "澳門特別行政區政府積極響應國家號召，對口幫扶貴州省從江縣，在產業、教育、醫療等領域開展幫扶工作。"
CAPTION = "2019年5月，澳門的教師在從江縣的學校上課。"
PHOTO_BLUE = (70, 110, 160)


def mm(length: float) -> float:
    return length / 25.4 * DPI


def render(tmp_path: Path, body: str, width: str, height: str, css: str = "") -> list[Image.Image]:
    """The pages of `body` laid out by booklet's renderer with the theme, rasterised at 30 dpi."""
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    edition = Edition(
        title="測試",
        year=2021,
        date="2021-07-01",
        chapters=["a.yaml"],
        trim={"width": width, "height": height},
        bleed="0mm",
    )
    css_texts = renderer.stylesheets(REPO / "styles", edition, extra=[PAGE_CSS, css])
    report = Report()
    html = f'<html lang="zh-Hant"><body>{body}</body></html>'
    document = renderer.render_document(html, css_texts, root, report)
    assert report.findings == [], [f.format() for f in report.findings]
    pdf = tmp_path / "render.pdf"
    pdf.write_bytes(document.write_pdf())
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    rendered = [Image.open(path).convert("RGB") for path in pages]
    for path in pages:
        path.unlink()
    return rendered


def side_by_side(pages: list[Image.Image]) -> Image.Image:
    """The pages in a row, a grey pixel column between them."""
    sheet = Image.new(
        "RGB", (sum(p.width for p in pages) + len(pages) - 1, max(p.height for p in pages)), "grey"
    )
    x = 0
    for page in pages:
        sheet.paste(page, (x, 0))
        x += page.width + 1
    return sheet


def differs(name: str, pages: list[Image.Image], tmp_path: Path) -> str | None:
    """Why the rendering is not tests/pixels/<name>.png (None: the same pixels)."""
    sheet = side_by_side(pages)
    reference = REFERENCES / f"{name}.png"
    if UPDATE:
        sheet.save(reference, optimize=True)
    if not reference.is_file():
        return f"no reference {reference.relative_to(REPO)} (BOOKLET_UPDATE_PIXELS=1 writes it)"
    expected = Image.open(reference).convert("RGB")
    if expected.size != sheet.size:
        why = f"{sheet.size[0]}×{sheet.size[1]} px, the reference is {expected.size[0]}×{expected.size[1]}"
    else:
        diff = ImageChops.difference(sheet, expected)
        box = diff.getbbox()
        if box is None:
            return None
        marked = diff.point(lambda v: 255 if v else 0)
        count = sheet.width * sheet.height - marked.convert("L").histogram()[0]
        marked.save(tmp_path / f"{name}.diff.png")
        why = f"{count} pixels differ within {box}"
    sheet.save(tmp_path / f"{name}.png")
    return f"{name}: {why}; the rendering is {tmp_path / name}.png (and .diff.png)"


def assert_pixels(name: str, pages: list[Image.Image], tmp_path: Path) -> None:
    why = differs(name, pages, tmp_path)
    if UPDATE:
        pytest.skip(f"reference tests/pixels/{name}.png written")
    assert why is None, why


# ---------------------------------------------------------------- what the images show


def ink_rows(page: Image.Image) -> list[tuple[int, int]]:
    """(top, bottom) of each band of rows with ink: a line of text."""
    grey = page.convert("L")
    inked = [any(grey.getpixel((x, y)) < INK for x in range(page.width)) for y in range(page.height)]
    bands, top = [], None
    for y, ink in enumerate([*inked, False]):
        if ink and top is None:
            top = y
        elif not ink and top is not None:
            bands.append((top, y))
            top = None
    return bands


def line_ends(page: Image.Image) -> list[int]:
    """The rightmost inked column of each line."""
    grey = page.convert("L")
    return [
        max(x for x in range(page.width) for y in range(top, bottom) if grey.getpixel((x, y)) < INK)
        for top, bottom in ink_rows(page)
    ]


def justified_problem(pages: list[Image.Image]) -> str | None:
    """Every line but the last ends at the right margin; the last ends well short of it."""
    (page,) = pages
    ends = line_ends(page)
    measure = page.width - mm(MARGIN_MM)
    if len(ends) != 5:
        return f"{len(ends)} lines, not 5"
    if not all(measure - 3 <= end <= measure for end in ends[:-1]):
        return f"lines end at {ends[:-1]}, not at the right margin ({measure:.0f} px)"
    if ends[-1] > measure - 10:
        return f"the last line ends at {ends[-1]}, on the margin"
    return None


def rows_with(page: Image.Image, colour) -> list[int]:
    """Rows where more than a third of the page width is close to `colour`."""
    near = [
        sum(
            1
            for x in range(page.width)
            if sum(abs(a - b) for a, b in zip(page.getpixel((x, y)), colour)) < 60
        )
        for y in range(page.height)
    ]
    return [y for y, count in enumerate(near) if count > page.width / 3]


def figure_problem(pages: list[Image.Image]) -> str | None:
    """The photo is not on the first page (no room for it with its caption); on the second, the caption
    stands under it."""
    if len(pages) != 2:
        return f"{len(pages)} pages, not 2"
    on_first, on_second = (rows_with(page, PHOTO_BLUE) for page in pages)
    if on_first:
        return "the photo is on the first page, its caption is not"
    if not on_second:
        return "the photo is on no page"
    below = [top for top, _ in ink_rows(pages[1]) if top > max(on_second)]
    if not below:
        return "no caption under the photo"
    return None


def header_rows(page: Image.Image) -> list[int]:
    """Rows of the header's accent band (red, across the table)."""
    return [
        y
        for y in range(page.height)
        if sum(1 for x in range(page.width) if _red(page.getpixel((x, y)))) > page.width / 2
    ]


def _red(pixel) -> bool:
    r, g, b = pixel
    return r > 120 and g < 80 and b < 90


def table_problem(pages: list[Image.Image]) -> str | None:
    """Two pages; on each, the header band stands above the rows."""
    if len(pages) != 2:
        return f"{len(pages)} pages, not 2"
    for number, page in enumerate(pages, start=1):
        band = header_rows(page)
        if not band:
            return f"no header row on page {number}"
        rows = [top for top, _ in ink_rows(page) if top > max(band)]
        if not rows:
            return f"no table row under the header on page {number}"
    return None


# ---------------------------------------------------------------- the cases


def justified_paragraph(tmp_path: Path, css: str = "") -> list[Image.Image]:
    body = f'<p class="paragraph">{typeset_text(PARAGRAPH)}</p>'
    return render(tmp_path, body, "59.3mm", "46mm", css)


def figure_after_text(tmp_path: Path, css: str = "") -> list[Image.Image]:
    """A paragraph, then a figure whose photo fits under it on the page but not with its caption."""
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    photo = Image.new("RGB", (300, 200), PHOTO_BLUE)
    ImageDraw.Draw(photo).rectangle((40, 40, 260, 160), fill=(230, 190, 60))
    photo.save(root / "photo.png")
    body = (
        f'<p class="paragraph">{typeset_text(LEAD_IN)}</p>'
        '<figure class="figure figure-full"><img class="picture picture-photo" src="photo.png" alt="照片">'
        f"<figcaption>{typeset_text(CAPTION)}</figcaption></figure>"
    )
    return render(tmp_path, body, "60mm", "75mm", css)


def table_over_two_pages(tmp_path: Path, css: str = "") -> list[Image.Image]:
    rows = "".join(f"<tr><td>{i}</td><td>第{i}項幫扶協議</td></tr>" for i in range(1, 7))
    body = (
        '<div class="table-block"><p class="table-title">幫扶協議一覽</p><table>'
        '<thead><tr><th scope="col">序號</th><th scope="col">協議名稱</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    return render(tmp_path, body, "60mm", "50mm", css)


def test_justified_chinese_lines_end_flush_right_but_the_last(tmp_path):
    pages = justified_paragraph(tmp_path)
    assert justified_problem(pages) is None, justified_problem(pages)
    assert_pixels("justified-cjk", pages, tmp_path)


def test_a_figure_keeps_its_caption_on_its_page(tmp_path):
    pages = figure_after_text(tmp_path)
    assert figure_problem(pages) is None, figure_problem(pages)
    assert_pixels("figure-caption", pages, tmp_path)


def test_a_table_repeats_its_header_row_on_the_next_page(tmp_path):
    pages = table_over_two_pages(tmp_path)
    assert table_problem(pages) is None, table_problem(pages)
    assert_pixels("table-header", pages, tmp_path)


@pytest.mark.skipif(UPDATE, reason="the references are being written")
@pytest.mark.parametrize(
    ("name", "case", "css", "problem", "expected"),
    [
        ("justified-cjk", justified_paragraph, None, justified_problem, "not at the right margin"),
        ("figure-caption", figure_after_text, "figure { break-inside: auto }", figure_problem, "first page"),
        ("table-header", table_over_two_pages, "thead { display: table-row-group }", table_problem, "page 2"),
    ],
    ids=["without-the-justify-patch", "figure-may-break", "thead-not-repeated"],
)
def test_the_pixel_tests_can_fail(tmp_path, monkeypatch, name, case, css, problem, expected):
    """Each case, broken on purpose: WeasyPrint without the engine's patches (it does not justify
    Chinese), a figure allowed to break, a header row that does not repeat."""
    if css is None:
        monkeypatch.setattr(renderer, "install", lambda: None)  # render_document would put them back
        engine.uninstall()
        try:
            pages = case(tmp_path)
        finally:
            engine.install()
    else:
        pages = case(tmp_path, css)
    assert expected in (problem(pages) or "")
    assert differs(name, pages, tmp_path) is not None
