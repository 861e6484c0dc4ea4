"""The screen PDF as PDF/UA: its structure tree read back (alt text, headings, header scopes, languages,
links) and the Matterhorn-style checks of the preflight, which fail on WeasyPrint's tagging alone."""

from __future__ import annotations

import json

import pikepdf
import pytest

from booklet import engine
from booklet.content.model import Edition
from booklet.core.findings import Report
from booklet.engine.render import render_document, write_pdf
from booklet.pdf.ua import ua_checks

from ..conftest import Project
from ..photos import photo


def structure(pdf) -> list[pikepdf.Dictionary]:
    out = []

    def visit(element):
        if isinstance(element, pikepdf.Dictionary):
            out.append(element)
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                visit(kid)

    visit(pdf.Root.StructTreeRoot)
    return out


@pytest.fixture(scope="module")
def screen(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("ua") / "project", "reader")
    (project.root / "assets" / "photos").mkdir(parents=True)
    photo(1800, 1200, 1).save(project.root / "assets" / "photos" / "wide.jpg", quality=90)
    done = project.run("--screen", "-q")
    assert done.returncode == 0, done.stderr
    return project.root / "dist"


def test_the_structure_tree_has_alt_scopes_languages_and_nested_headings(screen):
    pdf = pikepdf.open(screen / "booklet.screen.pdf")  # open while its objects are read
    elements = structure(pdf)
    kinds = [str(e.get("/S")) for e in elements]
    alts = [str(e.get("/Alt")) for e in elements if e.get("/S") == "/Figure"]
    assert "山坡上的梯田，遠處有村莊" in alts
    assert any(alt.startswith("長條圖：每年簽署的協議。2018年：教育 5項、產業 1項，合計 6項") for alt in alts)
    assert any(alt.startswith("地圖：位置示意圖。") for alt in alts)
    assert any(alt.startswith("二維碼，連結至 https://example.org/video") for alt in alts)
    assert all(alt and alt != "None" for alt in alts)
    headers = [e for e in elements if e.get("/S") == "/TH"]
    assert headers and all(str(e.A.Scope) == "/Column" for e in headers)
    assert "zh-Hans" in {str(e.get("/Lang")) for e in elements}
    levels = [int(k[2]) for k in kinds if k in {"/H1", "/H2", "/H3", "/H4"}]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    report = json.loads((screen / "booklet.screen.preflight.json").read_text())
    ua = {c["name"]: c["status"] for c in report["checks"] if c["name"].startswith("pdfua")}
    assert ua == dict.fromkeys(
        ["pdfua document", "pdfua figures", "pdfua headings", "pdfua tables", "pdfua links"], "pass"
    )


PAGE = """<!DOCTYPE html><html lang="zh-Hant"><head><title>測試</title></head><body>
<h1>標題</h1><h3 id="x">跳級的標題</h3>
<p><a href="#x">前往</a></p>
<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" aria-hidden="true"><rect width="20" height="20"/></svg>
<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" role="img"><rect width="20" height="20"/></svg>
<table><thead><tr><th>欄</th></tr></thead><tbody><tr><td>格</td></tr></tbody></table>
<p lang="zh-Hans">简体</p>
</body></html>"""


def _pdf(tmp_path, patched: bool = True) -> bytes:
    document = render_document(PAGE, [], tmp_path, Report())  # installs the patches
    edition = Edition(title="測試", year=2021, date="2021-07-01", chapters=["x"])
    if patched:
        return write_pdf(document, edition, {"pdf_variant": "pdf/ua-1", "pdf_tags": True})
    engine.uninstall()  # the tags are made as the PDF is written
    try:
        return write_pdf(document, edition, {"pdf_variant": "pdf/ua-1", "pdf_tags": True})
    finally:
        engine.install()


def test_the_checks_name_each_failure_and_the_patch_mends_what_it_can(tmp_path):
    patched = {c.name: c for c in ua_checks(_pdf(tmp_path))}
    assert patched["pdfua tables"].status == "pass" and patched["pdfua links"].status == "pass"
    assert patched["pdfua headings"].status == "fail"  # the page itself skips H2
    assert (
        "H3 after H1" in patched["pdfua headings"].details[0]
        and "page 1" in patched["pdfua headings"].details[0]
    )
    figures = patched["pdfua figures"]  # the decorative one is an artifact; the other lacks a title
    assert figures.status == "fail" and len(figures.details) == 1
    plain = {c.name: c for c in ua_checks(_pdf(tmp_path, patched=False))}
    assert plain["pdfua tables"].status == "fail" and "without /Scope" in plain["pdfua tables"].details[0]
    assert plain["pdfua links"].status == "fail"  # WeasyPrint describes a link by its target
    assert len(plain["pdfua figures"].details) == 2  # the decorative art is a Figure too


def test_a_failure_names_its_page_and_block(tmp_path):
    project = Project(tmp_path / "project", "reader")
    (project.root / "assets" / "photos").mkdir(parents=True)
    photo(900, 600, 2).save(project.root / "assets" / "photos" / "wide.jpg", quality=90)
    chapter = project.root / "chapters" / "02-second.yaml"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "  - figure: {image: assets/photos/wide.jpg}\n",
        encoding="utf-8",
    )
    line = chapter.read_text(encoding="utf-8").count("\n")
    done = project.run("--screen")
    assert done.returncode == 0, done.stderr  # reported; --strict would stop the build
    assert "preflight fail  pdfua figures: 1 problems" in done.stderr
    assert f"chapters/02-second.yaml:{line}: a Figure without alternative text" in done.stderr
    done = project.run("--screen", "--strict")
    assert done.returncode == 1 and "figure.no-alt" in done.stderr
