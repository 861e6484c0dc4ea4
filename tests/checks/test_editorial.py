"""Editorial checks on small projects with seeded faults: code, file, line and column.

tests/roots/editorial/: chapters/01-test.yaml with a fault on most lines (the line and column each test
names), and a glossary."""

from __future__ import annotations

import pytest

from booklet.app.check import check
from booklet.app.project import Options

from ..conftest import REPO, ROOTS

CHAPTER = (ROOTS / "editorial/chapters/01-test.yaml").read_text(encoding="utf-8")


def findings(project, chapter: str | None = None):
    """The findings of `check`, by code and location; `chapter` replaces chapters/01-test.yaml."""
    if chapter is not None:
        project.write("chapters/01-test.yaml", chapter)
    result = check(Options(edition_file=project.root / "booklet.yaml"))
    assert result.report.errors == []
    return {(f.code, str(f.location)): f for f in result.report.findings}


def codes_at(found, code):
    return sorted(where for c, where in found if c == code)


@pytest.mark.root("editorial")
def test_simplified_characters_are_found_at_their_column(project):
    found = findings(project)
    assert codes_at(found, "text.simplified-char") == ["chapters/01-test.yaml:5:19"]  # 东 in 黔东南
    finding = found[("text.simplified-char", "chapters/01-test.yaml:5:19")]
    assert "东" in finding.message and "黔東南" in finding.hint


@pytest.mark.root("editorial")
def test_simplified_source_is_exempt_but_traditional_text_is_not_flagged(project):
    found = findings(project)
    simplified = [where for code, where in found if code.startswith("text.simplified")]
    assert simplified == ["chapters/01-test.yaml:5:19"]  # 从江… on line 20 is quoted from a simplified source
    marked = CHAPTER.replace("      simplified_source: true\n", "")
    found = findings(project, marked)
    assert "chapters/01-test.yaml:20:11" in [w for code, w in found if code == "text.simplified-char"]


@pytest.mark.root("editorial")
def test_glossary_variants_point_at_the_wrong_form(project):
    found = findings(project)
    assert codes_at(found, "glossary.variant") == [
        "chapters/01-test.yaml:22:18",
        "chapters/01-test.yaml:23:16",
    ]
    assert "幹團" in found[("glossary.variant", "chapters/01-test.yaml:22:18")].hint


@pytest.mark.root("editorial")
def test_folded_scalars_point_at_the_value(project):
    found = findings(project)
    assert "chapters/01-test.yaml:23:16" in codes_at(found, "glossary.variant")  # the `>-` of the value
    assert "諶貽琴" in found[("glossary.variant", "chapters/01-test.yaml:23:16")].hint


@pytest.mark.root("editorial")
def test_punctuation(project):
    found = findings(project)
    assert codes_at(found, "punct.half-width") == ["chapters/01-test.yaml:6:18"]
    assert "，" in found[("punct.half-width", "chapters/01-test.yaml:6:18")].hint
    assert codes_at(found, "punct.unbalanced") == ["chapters/01-test.yaml:7:16"]
    assert codes_at(found, "punct.doubled") == ["chapters/01-test.yaml:8:18"]


@pytest.mark.root("editorial")
def test_figures_dates_sections_headings_and_repeats(project):
    found = findings(project)
    assert codes_at(found, "figure.no-caption") == ["chapters/01-test.yaml:10:7"]
    assert codes_at(found, "figure.no-alt") == ["chapters/01-test.yaml:10:7"]
    assert codes_at(found, "date.invalid") == ["chapters/01-test.yaml:14:16"]
    assert codes_at(found, "section.empty") == ["chapters/01-test.yaml:27:5"]
    assert codes_at(found, "heading.repeated") == ["chapters/01-test.yaml:33:18"]
    assert codes_at(found, "text.repeated") == ["chapters/01-test.yaml:34:20"]
    assert "chapters/01-test.yaml:31" in found[("text.repeated", "chapters/01-test.yaml:34:20")].message


@pytest.mark.root("minimal")
def test_a_clean_chapter_has_no_editorial_findings(project):
    clean = """\
    number: 1
    title: 乾淨的章
    blocks:
      - paragraph: 2021年2月25日，全國脫貧攻堅總結表彰大會在北京舉行。後來，「幹團小學」（美娥）落成。
      - paragraph: 電視台的講台上，他說：「我們一百周年再見。」
      - figure:
          image: assets/photos/a.jpg
          caption: 2019年10月15日至18日，教師應邀來澳門。
          alt: 教師
    """
    found = findings(project, clean)  # no glossary
    assert [code for code, _ in found if code != "image.missing"] == []


@pytest.mark.root("minimal")
def test_a_broken_glossary_is_a_located_error(project):
    project.write("chapters/glossary.yaml", "terms:\n  - preferred: 幹團\n    wrong: 千團\n")
    result = check(Options(edition_file=project.root / "booklet.yaml"))
    errors = [(f.code, str(f.location)) for f in result.report.errors]
    assert errors == [("glossary.invalid", "chapters/glossary.yaml:3:12")]


def test_the_manuscript_faults_are_found():
    result = check(Options(edition_file=REPO / "booklet.yaml"))
    found = [(f.code, f.location.path, f.location.line, f.message) for f in result.report.findings]

    def at(code, path):
        return [(line, message) for c, p, line, message in found if c == code and p == path]

    assert any("东" in m for _, m in at("text.simplified-char", "chapters/07-gratitude.yaml"))  # 黔东南
    governor = at("glossary.variant", "chapters/07-gratitude.yaml") + at(
        "glossary.variant", "chapters/06-media.yaml"
    )
    assert any("陳怡琴" in m for _, m in governor) and any("谯贻琴" in m for _, m in governor)
    assert len([m for _, m in at("glossary.variant", "chapters/04-impact.yaml") if "千團" in m]) >= 4
    repeated = at("text.repeated", "chapters/06-media.yaml")
    assert len(repeated) >= 4  # the 新華網 paragraph three times, the 貴州日報 one four times
    assert len({line for line, _ in repeated}) == len(repeated)
    # no flood: the simplified check stays quiet on the traditional text of the whole book
    assert len([1 for c, *_ in found if c.startswith("text.simplified")]) <= 3
