"""The web edition: pages, links, pictures and semantics read from the files, then axe-core in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def site(reader_project) -> Path:
    done = reader_project.run("--web", "-q")
    assert done.returncode == 0, done.stderr
    return reader_project.root / "dist" / "booklet.web"


def _find(tree, tag: str, cls: str, below: str = ""):
    return tree.xpath(f"//{tag}[contains(concat(' ', @class, ' '), ' {cls} ')]{below}")


def _page(site: Path, name: str):
    return lxml_html.fromstring((site / name).read_bytes())


def test_one_page_per_chapter_linked_in_order_with_relative_links_only(site):
    assert sorted(p.name for p in site.glob("*.html")) == ["01-first.html", "02-second.html", "index.html"]
    index = _page(site, "index.html")
    assert [a.get("href") for a in _find(index, "nav", "contents", "//a")] == [
        "01-first.html",
        "01-first.html#01-first-1",
        "01-first.html#01-first-2",
        "02-second.html",
    ]
    first = _page(site, "01-first.html")
    assert first.xpath("//a[@rel='prev']")[0].get("href") == "index.html"
    assert first.xpath("//a[@rel='next']")[0].get("href") == "02-second.html"
    assert [s.get("id") for s in _find(first, "section", "subsection")] == ["01-first-1", "01-first-2"]
    for page in site.glob("*.html"):
        tree = _page(site, page.name)
        assert not tree.xpath("//script"), page.name
        for element in tree.iter():
            for attribute in ("href", "src"):
                link = element.get(attribute)
                if link:
                    assert not re.match(r"^(/|[a-z]+:)", link) or link.startswith("https://"), (page, link)
                    target = link.split("#")[0]
                    assert not target or link.startswith("https://") or (site / target).is_file(), link


def test_photos_at_two_widths_art_with_titles_tables_quotes_and_languages(site):
    page = _page(site, "01-first.html")
    assert page.get("lang") == "zh-Hant"
    image = _find(page, "img", "picture")[0]
    assert image.get("alt") == "山坡上的梯田，遠處有村莊"
    widths = [entry.split()[1] for entry in image.get("srcset").split(", ")]
    assert widths == ["640w", "1280w"]
    for entry in image.get("srcset").split(", "):
        assert (site / entry.split()[0]).stat().st_size > 1000
    placeholder = _find(page, "*", "placeholder")[0]
    assert placeholder.get("role") == "img" and placeholder.get("aria-label") == "學生在新教室上課"
    chart = _find(page, "*", "chart-art", "//svg")[0]
    assert chart.get("role") == "img"
    assert chart[0].tag.endswith("title") and "教育 5項、產業 1項，合計 6項" in chart[0].text
    assert [th.get("scope") for th in page.xpath("//table//th")] == ["col", "col"]
    assert _find(page, "blockquote", "quote", "//*[@class='quote-speaker']")
    headings = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert all(b <= a + 1 for a, b in zip(headings, headings[1:])), headings
    second = _page(site, "02-second.html")
    assert _find(second, "*", "clipping")[0].get("lang") == "zh-Hans"
    assert second.xpath("//time[@class='clipping-date']")[0].get("datetime") == "2018-05-23"
    assert second.xpath("//cite")[0].text == "貴州日報"
    assert second.xpath("//p[@class='news-clip-title']/a")[0].get("href") == "https://example.org/video"
    assert [int(h.tag[1]) for h in second.iter("h1", "h2", "h3")] == [1, 2, 3]
    assert "地圖：位置示意圖。澳門、從江縣。" in _find(second, "*", "map-art", "//svg/title")[0].text
    css = (site / "reader.css").read_text(encoding="utf-8")
    assert "@media print" in css and "--font-body" in css


def test_a_failed_build_leaves_the_previous_site(reader_project, site):
    before = (site / "index.html").read_bytes()
    chapter = reader_project.root / "chapters" / "02-second.yaml"
    good = chapter.read_text(encoding="utf-8")
    try:
        chapter.write_text(good + "  - paragraph: [unclosed\n", encoding="utf-8")
        done = reader_project.run("--web", "-q")
        assert done.returncode == 1 and "02-second.yaml" in done.stderr
    finally:
        chapter.write_text(good, encoding="utf-8")
    assert (site / "index.html").read_bytes() == before


def test_an_existing_folder_that_is_no_site_is_never_replaced(reader_project, tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    done = reader_project.run("--web", "-q", "-o", str(other))
    assert done.returncode == 4 and "is not an earlier output" in done.stderr
    assert (other / "mine.txt").read_text() == "keep me"


def test_a_figure_without_alt_is_an_error_under_strict_for_the_web(reader_project):
    chapter = reader_project.root / "chapters" / "02-second.yaml"
    good = chapter.read_text(encoding="utf-8")
    (reader_project.root / "assets" / "photos" / "plain.jpg").write_bytes(
        (reader_project.root / "assets" / "photos" / "wide.jpg").read_bytes()
    )
    try:
        chapter.write_text(
            good + "  - figure: {image: assets/photos/plain.jpg, caption: 說明。}\n", encoding="utf-8"
        )
        assert reader_project.run("--web", "-q").returncode == 0  # a warning without --strict
        done = reader_project.run("--web", "-q", "--strict")
        assert done.returncode == 1 and "figure.no-alt" in done.stderr and "error" in done.stderr
    finally:
        chapter.write_text(good, encoding="utf-8")
        (reader_project.root / "assets" / "photos" / "plain.jpg").unlink()


def axe_violations(pages: list[Path], widths=(390, 1280)) -> list[str]:
    """Every axe-core violation on each page at each width, in Debian's Chromium (axe.min.js from
    the axe-playwright-python package: installed with the other packages, never fetched)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    axe = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    script = (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    found = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                for path in pages:
                    page.goto(path.as_uri())
                    page.evaluate(script)
                    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                    found += [
                        f"{width}px {path.name}: {v['id']} {v['nodes'][0]['html'][:120]}"
                        for v in result["violations"]
                    ]
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (path.name, width)
                page.close()
        finally:
            browser.close()
    return found


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make system installs it)"
)
def test_axe_finds_no_violation_on_any_page_at_phone_and_desktop_widths(site):
    assert axe_violations(sorted(site.glob("*.html"))) == []
