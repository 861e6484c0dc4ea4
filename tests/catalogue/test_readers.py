"""The real catalogue's reader editions: the EPUB checked by EPUBCheck with its page-list against the
printed contents, and the Simplified edition's web site checked by axe-core at two widths."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
import yaml
from lxml import etree

from ..conftest import REPO
from ..reader.test_epub import epubcheck, marker_before
from ..reader.test_web import CHROMIUM, axe_violations

pytestmark = pytest.mark.slow  # each test builds a reader edition of the real catalogue


def _build(*args: str) -> None:
    # --epub lays the print edition out first: its PDF goes to the repository's dist/ (the cache is warm there)
    done = subprocess.run(
        [sys.executable, "build.py", "-q", *args], cwd=REPO, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr


def test_the_catalogue_epub_passes_epubcheck_and_pages_its_headings_as_printed(tmp_path):
    epub = tmp_path / "booklet.epub"
    _build("--epub", "-o", str(epub))
    output = epubcheck(epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in output, output
    plan = yaml.safe_load((REPO / "booklet.yaml").read_text(encoding="utf-8"))["page_plan"]
    with zipfile.ZipFile(epub) as archive:
        for anchor, folio in plan.items():  # the printed first edition's contents page
            chapter = anchor if anchor.count("-") == 1 else anchor.rsplit("-", 1)[0]
            root = etree.fromstring(archive.read(f"OEBPS/{chapter}.xhtml"))
            if chapter == anchor:  # a chapter: its first marker opens it
                assert _first_marker(root) == folio, anchor
            else:  # a section: the last marker before its title
                assert marker_before(root, f"{anchor}-title") == folio, anchor


def _first_marker(root) -> int:
    for element in root.iter():
        if element.get("{http://www.idpf.org/2007/ops}type") == "pagebreak":
            return int(element.get("aria-label"))
    raise AssertionError("no page-break marker")


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make system installs it)"
)
def test_the_simplified_web_edition_has_no_axe_violation_on_any_page(tmp_path):
    site = tmp_path / "zh-Hans.web"
    _build("--web", "--edition", "editions/2021-zh-Hans.yaml", "-o", str(site))
    pages = sorted(site.glob("*.html"))
    assert len(pages) == 9 and 'lang="zh-Hans"' in (site / "index.html").read_text(encoding="utf-8")
    assert axe_violations(pages) == []
