"""Editions: extends chains and their located errors (tests/roots/editions/: booklet.yaml, extended by
editions/second.yaml, extended by editions/third.yaml), and the Simplified edition of a small project
(tests/roots/zh-hans/)."""

from __future__ import annotations

import hashlib

import pytest
from pypdf import PdfReader

from booklet.content.script import traditional_only
from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..pdfread import flat, fonts, page_texts


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- extends


@pytest.mark.root("editions")
def test_an_extends_chain_merges_mappings_replaces_values_and_appends_history(project):
    report = Report()
    book = load_book(project.root / "editions/third.yaml", project.root, report)
    assert report.errors == []
    edition = book.edition
    assert book.edition_files == ("booklet.yaml", "editions/second.yaml", "editions/third.yaml")
    assert (edition.edition, edition.date, edition.isbn) == ("第二版", "2021-12-01", "978-99965-0-000-8")
    assert (edition.trim.width, edition.trim.height) == ("170mm", "297mm")  # merged key by key
    assert (edition.fonts.body, edition.fonts.heading) == ("Noto Serif CJK TC", "Noto Sans CJK SC")
    assert edition.printing_history == ["2021年7月初版", "2021年12月第二版", "2022年3月第二版第二次印刷"]
    assert edition.chapters == ["chapters/01-a.yaml", "chapters/02-b.yaml", "chapters/03-c.yaml"]
    assert [c.title for c in book.chapters] == ["測試章", "第二章", "第三章"]


@pytest.mark.root("editions")
def test_a_bad_value_is_reported_in_the_file_and_line_that_set_it(project):
    second = project.root / "editions/second.yaml"
    second.write_text(
        second.read_text(encoding="utf-8").replace("date: 2021-12-01", "date: 1.12.2021"), encoding="utf-8"
    )
    project.write("editions/third.yaml", "extends: second.yaml\nsubtitle: 新副題\ntrim: {height: 20}\n")
    report = Report()
    assert load_book(project.root / "editions/third.yaml", project.root, report) is None
    located = {(f.code, str(f.location), f.field) for f in report.errors}
    assert ("schema.value", "editions/second.yaml:3:7", "date") in located
    assert ("schema.type", "editions/third.yaml:3:16", "trim.height") in located
    assert len(report.errors) == 2


@pytest.mark.root("editions")
def test_an_unknown_key_is_an_error_at_its_file_and_line(project):
    project.write("editions/third.yaml", "extends: second.yaml\n\nprinting_histroy: [x]\n")
    done = project.run("check", "--edition", "editions/third.yaml")
    assert done.returncode == 1
    assert "editions/third.yaml:3:1: error: printing_histroy: unknown field 'printing_histroy'" in done.stderr
    assert "[schema.unknown-field]" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.root("editions")
def test_a_cycle_of_extends_is_an_error_naming_the_files(project):
    project.write("editions/x.yaml", "extends: y.yaml\nedition: X\n")
    project.write("editions/y.yaml", "# loops back\nextends: x.yaml\n")
    done = project.run("check", "--edition", "editions/x.yaml")
    assert done.returncode == 1
    assert (
        "editions/y.yaml:2:10: error: extends: editions extend each other in a cycle: "
        "editions/x.yaml → editions/y.yaml → editions/x.yaml [edition.cycle]"
    ) in done.stderr


@pytest.mark.root("editions")
def test_a_missing_parent_and_a_chapter_not_listed_are_located(project):
    project.write("editions/x.yaml", "extends: nowhere.yaml\n")
    project.write("editions/y.yaml", "extends: ../booklet.yaml\nchapters_remove: [chapters/09-none.yaml]\n")
    report = Report()
    load_book(project.root / "editions/x.yaml", project.root, report)
    assert [(f.code, str(f.location)) for f in report.errors] == [
        ("edition.extends-missing", "editions/x.yaml:1:10")
    ]
    report = Report()
    load_book(project.root / "editions/y.yaml", project.root, report)
    assert [(f.code, str(f.location)) for f in report.errors] == [
        ("edition.chapter-not-listed", "editions/y.yaml:2:19")
    ]


# ---------------------------------------------------------------- the Simplified edition (small project)


@pytest.mark.root("zh-hans")
def test_the_simplified_edition_converts_content_but_not_quoted_simplified_text(project):
    done = project.run("-q", "--edition", "editions/zh-Hans.yaml")
    assert done.returncode == 0, done.stderr
    pdf = project.root / "dist/zh-Hans.pdf"
    text = flat("".join(page_texts(pdf)))
    assert "澳门与从江的帮扶工作，于二〇一八年开始。" in text
    assert "兑换澳门元的说明。" in text and "澳门币" not in text  # the override table, after conversion
    assert "“饮水思源”是澳门同胞的心声。" in text and "「" not in text
    assert "【本報訊】这段文字来自简体报纸，保持原样。" in text  # quoted Simplified text untouched
    assert "贵州省给澳门的感谢信" in text  # the editors' caption of a Simplified letter is converted
    assert "测试图册" in text and "缺图" in text  # edition metadata and template labels too
    assert "2021年7月初版" in text and "2021年10月简体中文版" in text
    assert set(traditional_only(text.replace("【本報訊】", ""))) == set()
    assert all("SC" in name for name in fonts(pdf) if "CJK" in name)
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "zh-Hans"
    # the sources stay Traditional
    assert "澳門與從江" in (project.root / "chapters/01-a.yaml").read_text(encoding="utf-8")
