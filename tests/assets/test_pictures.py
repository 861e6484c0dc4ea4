"""Key figures, charts, the location map and the cover: vector art with its text as text (issue 9).

The real catalogue is read back with pdfplumber: the charts are vector paths with their labels
as text, the agreements chart counts the rows of the three tables (computed here from the
content model), no raster image stands where a chart or the map is, and the map's labels are
set in the body font.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from booklet.assets.art.charts import bar_data, tables_by_key
from booklet.assets.theme import Palette, read_palette, tint
from booklet.content.model import Chart, KeyFigures, Map, Table
from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import REPO

MM = 72 / 25.4


@pytest.fixture(scope="session")
def book():
    report = Report()
    loaded = load_book(REPO / "booklet.yaml", REPO, report)
    assert loaded is not None and not report.errors
    return loaded


@pytest.fixture(scope="session")
def pdf(catalogue: Path):
    with pdfplumber.open(catalogue) as opened:
        yield opened


def page_with(pdf, text: str):
    found = [page for page in pdf.pages if text in (page.extract_text() or "")]
    assert found, f"no page shows {text!r}"
    return found[0]


def blocks_of(book, kind):
    return [placed.block for placed in book.all_blocks() if isinstance(placed.block, kind)]


def agreements_chart(book) -> Chart:
    return next(c for c in blocks_of(book, Chart) if c.count_tables)


# ---------------------------------------------------------------- the agreements chart


@pytest.mark.slow
def test_agreements_chart_counts_equal_the_rows_of_the_three_tables(book, pdf):
    chart = agreements_chart(book)
    tables = {t.key: t for t in blocks_of(book, Table) if t.key}
    expected = {}
    for source in chart.count_tables:
        table = tables[source.table]
        assert table.tags is not None and len(table.tags) == len(table.rows)
        expected[source.label] = Counter(table.tags)
    assert sum(sum(c.values()) for c in expected.values()) == 27  # 每年簽署9項幫扶協議, three years

    page = page_with(pdf, chart.title)
    words = page.extract_words()
    for label, counts in expected.items():
        row = next(w for w in words if w["text"] == label)
        on_row = [w for w in words if abs(w["top"] - row["top"]) < 3 and w["x0"] > row["x1"]]
        numbers = [int(w["text"]) for w in on_row if w["text"].isdigit()]
        total = [w["text"] for w in on_row if w["text"].endswith(chart.unit)]
        assert sorted(numbers) == sorted(counts.values()), label
        assert total == [f"{sum(counts.values())}{chart.unit}"], label
        # one filled bar segment per sector, as long as its count
        bars = [
            r
            for r in page.rects
            if abs((r["top"] + r["bottom"]) / 2 - (row["top"] + row["bottom"]) / 2) < 4
            and r["width"] > 5
            and r["height"] > 10
        ]
        assert len(bars) == len(counts), label
        per_unit = {
            round(r["width"] / int(n["text"]), 1)
            for r in bars
            for n in on_row
            if n["text"].isdigit() and r["x0"] < (n["x0"] + n["x1"]) / 2 < r["x1"]
        }
        assert len(per_unit) == 1, (label, per_unit)


def test_chart_counts_follow_the_tables_not_typed_numbers(book):
    chart = agreements_chart(book)
    tables = tables_by_key(book)
    data = bar_data(chart, tables)
    assert data.categories == tuple(s.label for s in chart.count_tables)
    for i, source in enumerate(chart.count_tables):
        counts = Counter(tables[source.table].tags)
        assert {name: values[i] for name, values in data.series if values[i]} == counts
    # change a table and the chart follows
    first = tables[chart.count_tables[0].table]
    changed = dict(tables)
    changed[first.key] = first.model_copy(update={"tags": ["教育"] * len(first.rows)})
    assert {n: v[0] for n, v in bar_data(chart, changed).series}["教育"] == len(first.rows)


@pytest.mark.slow
def test_the_timeline_shows_every_event_in_date_order_on_a_year_axis(book, pdf):
    timeline = next(c for c in blocks_of(book, Chart) if c.type == "timeline")
    page = page_with(pdf, timeline.title)
    text = re.sub(r"\s+", "", page.extract_text())
    for event in timeline.events:
        assert event.date in text and event.label in text
    for year in range(timeline.events[0].when[0], timeline.events[-1].when[0] + 1):
        assert f"{year}年" in text
    dots = sorted(
        (c for c in page.curves if 5 < c["width"] < 8 and abs(c["width"] - c["height"]) < 0.5),
        key=lambda c: c["x0"],
    )
    assert len(dots) >= len(timeline.events)
    event_dots = [d for d in dots if d["top"] > page.extract_words()[0]["top"]]
    xs = [d["x0"] for d in event_dots][-len(timeline.events) :]
    assert xs == sorted(xs)


# ---------------------------------------------------------------- vector, text, fonts


@pytest.mark.slow
def test_charts_and_map_are_vector_with_no_raster_image(book, pdf):
    titles = [c.title for c in blocks_of(book, Chart)] + [m.caption for m in blocks_of(book, Map)]
    assert len(titles) >= 3
    for title in titles:
        page = page_with(pdf, title)
        assert page.images == [], title
        assert len(page.rects) + len(page.curves) + len(page.lines) > 10, title


@pytest.mark.slow
def test_map_is_drawn_from_boundaries_with_labels_in_the_body_font(book, pdf):
    block = blocks_of(book, Map)[0]
    assert block.areas, "the map names the areas drawn from the boundary data"
    page = page_with(pdf, block.caption)
    # boundaries: long paths, not a graticule of straight lines
    assert max(len(c["pts"]) for c in page.curves) > 200
    names = [p.name for p in block.places] + [a.name for a in block.areas]
    text = re.sub(r"\s+", "", page.extract_text())
    chars = page.chars
    for name in names:
        assert name in text, name
    frame = max(page.rects, key=lambda r: r["width"] * r["height"])  # the map's frame
    inside = [
        c
        for c in chars
        if frame["x0"] <= c["x0"]
        and c["x1"] <= frame["x1"]
        and frame["top"] <= c["top"]
        and c["bottom"] <= frame["bottom"]
    ]
    assert re.sub(r"\s+", "", "".join(c["text"] for c in inside if ord(c["text"]) > 0x2E80)) != ""
    label_fonts = {c["fontname"].split("+")[-1] for c in inside if ord(c["text"]) > 0x2E80}
    assert label_fonts and all("Serif-CJK-TC" in f for f in label_fonts), label_fonts


def test_key_figures_take_their_numbers_from_the_manuscript(book):
    manuscript = re.sub(r"\s+", "", (REPO / "docs/manuscript/catalogue-2021.txt").read_text(encoding="utf-8"))
    impact = next(c for c in book.chapters if c.title == "幫扶成效")
    assert any(isinstance(p.block, KeyFigures) for p in impact.blocks), "the 幫扶成效 opener has key figures"
    with_figures = [
        s.title for s in impact.sections if any(isinstance(p.block, KeyFigures) for p in s.blocks)
    ]
    assert len(with_figures) >= 6, with_figures
    for block in blocks_of(book, KeyFigures):
        for item in block.items:
            number = re.sub(r"\s+", "", str(item.number))
            assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", manuscript), item


@pytest.mark.slow
def test_key_figures_are_printed_large_on_the_impact_opener(book, pdf):
    impact = next(c for c in book.chapters if c.title == "幫扶成效")
    figures = next(p.block for p in impact.blocks if isinstance(p.block, KeyFigures))
    page = page_with(pdf, figures.note[:12])
    sizes: dict[str, float] = {}
    for word in page.extract_words():
        sizes[word["text"]] = max(sizes.get(word["text"], 0), word["bottom"] - word["top"])
    for item in figures.items:
        assert str(item.number) in sizes, item.number
        assert sizes[str(item.number)] > 20, item.number  # ≥ 24 pt set solid


# ---------------------------------------------------------------- the cover


@pytest.mark.slow
def test_the_cover_is_full_bleed_in_the_theme_colour_with_title_subtitle_year_organisers(book, pdf):
    cover = pdf.pages[0]
    edition = book.edition
    text = re.sub(r"\s+", "", cover.extract_text())
    for part in (edition.title, edition.subtitle, str(edition.year), *edition.organisers[0].names):
        assert re.sub(r"\s+", "", part) in text, part
    accent = read_palette([(REPO / "styles/variables.css").read_text(encoding="utf-8")])["accent"]
    if accent.startswith("device-cmyk("):  # the print theme's CMYK token
        colour = tuple(float(v) for v in accent[len("device-cmyk(") : -1].split())
    else:
        colour = tuple(int(accent[i : i + 2], 16) / 255 for i in (1, 3, 5))
    from booklet.pdf.marks import ZONE  # the marks' margin beyond the bleed

    x0, top, x1, bottom = cover.bbox
    x0, top, x1, bottom = x0 + ZONE, top + ZONE, x1 - ZONE, bottom - ZONE  # the BleedBox
    background = [
        r
        for r in cover.rects
        if r["x0"] <= x0 + 1 and r["x1"] >= x1 - 1 and r["top"] <= top + 1 and r["bottom"] >= bottom - 1
    ]
    assert background, "a rectangle covers the whole page, bleed included"
    assert tuple(round(c, 2) for c in background[0]["non_stroking_color"]) == tuple(
        round(c, 2) for c in colour
    )
    assert cover.images == []
    assert any(len(c["pts"]) > 50 for c in cover.curves), "the ornament is vector"


# ---------------------------------------------------------------- theme and content errors


def test_the_art_takes_its_colours_from_the_theme():
    css = ":root { --color-accent: #123456; --color-accent-2: device-cmyk(0 0.2 0.8 0.1); }"
    palette = read_palette(["/* base */ :root { --color-accent: #a3192e; }", css])
    assert palette["accent"] == "#123456"
    assert palette.tint("accent", 0.5) == "#889aaa"
    assert tint("#000000", 0.5) == "#808080"
    assert palette.tint("accent-2", 0.5) == "device-cmyk(0 0.1 0.4 0.05)"
    assert Palette()["paper"] == "#ffffff"


@pytest.mark.root("minimal")
def test_a_theme_override_restyles_the_map_and_charts(project):
    project.write(
        "chapters/01-test.yaml",
        """\
        number: 1
        title: 測試
        blocks:
          - map:
              caption: 位置示意圖
              places:
                - {name: 澳門, lat: 22.1987, lon: 113.5439}
                - {name: 從江縣, lat: 25.7532, lon: 108.9054}
              areas:
                - {name: 從江縣, code: 522633}
          - chart:
              type: bar
              title: 數字
              categories: [甲, 乙]
              series: [{name: 項目, values: [3, 5]}]
    """,
    )
    with (project.root / "styles/variables.css").open("a", encoding="utf-8") as css:
        css.write(":root { --color-accent: #0a6e4f; }\n")
    from booklet.app.check import check
    from booklet.app.project import Options

    result = check(Options(project.root / "booklet.yaml"))
    assert not result.report.errors
    art = [str(svg) for key, svg in result.assets.art.items() if key != "cover"]
    assert len(art) == 2 and all("#0a6e4f" in svg and "#a3192e" not in svg for svg in art)


@pytest.mark.root("minimal")
def test_a_chart_naming_an_unknown_table_or_untagged_rows_is_a_located_error(project):
    project.write(
        "chapters/01-test.yaml",
        """\
        number: 1
        title: 測試
        blocks:
          - table:
              key: plain
              columns: [名稱]
              rows: [[甲], [乙]]
          - table:
              key: tagged
              columns: [名稱]
              rows: [[甲], [乙]]
              tags: [教育]
          - chart:
              type: stacked_bar
              count_tables:
                - {table: nowhere, label: 2018年}
          - chart:
              type: stacked_bar
              count_tables:
                - {table: plain, label: 2019年}
    """,
    )
    done = project.run("check")
    assert done.returncode == 1
    assert (
        "chapters/01-test.yaml:9:7: error: blocks[1].table: tags has 1 entries for 2 rows; "
        "give one tag per row [schema.value]"
    ) in done.stderr
    assert (
        "chapters/01-test.yaml:14: error: chart.count_tables[0].table: no table has key 'nowhere' "
        "(table keys: plain) [chart.data]"
    ) in done.stderr
    assert (
        "chapters/01-test.yaml:18: error: chart.count_tables[0].table: table 'plain' has no tags "
        "to count by [chart.data]"
    ) in done.stderr


@pytest.mark.slow
def test_the_art_raises_no_renderer_warning(catalogue: Path):
    import json

    findings = json.loads(catalogue.with_suffix(".findings.json").read_text(encoding="utf-8"))
    assert [f["message"] for f in findings if f["code"].startswith("render.")] == []
