"""Editions: extends chains, the Simplified edition, reproducible builds and the edition diff."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
from pypdf import PdfReader

from booklet.app.diff import compare_books
from booklet.content.model import Clipping, Letter
from booklet.content.script import traditional_only
from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import REPO, Project
from ..pdfread import flat, fonts, page_texts

CHAPTER = """\
number: 1
title: 測試章
blocks:
  - paragraph: 澳門與從江的幫扶工作，於二〇一八年開始。
  - quote:
      text: 「飲水思源」是澳門同胞的心聲。
  - clipping:
      date: 2018年5月24日
      outlet: 貴州日報
      text: 【本報訊】这段文字来自简体报纸，保持原样。
      simplified_source: true
  - letter:
      image: assets/scans/letter.jpg
      caption: 貴州省給澳門的感謝信
      text: 感谢信正文。
      simplified_source: true
  - paragraph: 兌換澳門幣的說明。
"""


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def three_editions(project: Project):
    project.write("chapters/01-a.yaml", CHAPTER)
    project.write("chapters/02-b.yaml", "number: 2\ntitle: 第二章\nblocks:\n  - paragraph: 第二章正文。\n")
    project.write("chapters/03-c.yaml", "number: 3\ntitle: 第三章\nblocks:\n  - paragraph: 第三章正文。\n")
    project.edition(
        "chapters/01-a.yaml",
        "chapters/02-b.yaml",
        extra="edition: 初版\nprinting_history: [2021年7月初版]\nfonts: {body: Noto Serif CJK TC}\n",
    )
    project.write(
        "editions/second.yaml",
        """\
        extends: ../booklet.yaml
        edition: 第二版
        date: 2021-12-01
        printing_history: [2021年12月第二版]
        trim: {width: 170mm}
        chapters_remove: [chapters/02-b.yaml]
        chapters_add: [chapters/03-c.yaml]
        """,
    )
    project.write(
        "editions/third.yaml",
        """\
        extends: second.yaml
        isbn: 978-99965-0-000-8
        printing_history: [2022年3月第二版第二次印刷]
        fonts: {heading: Noto Sans CJK SC}
        chapters_add: [{file: chapters/02-b.yaml, after: chapters/01-a.yaml}]
        """,
    )


# ---------------------------------------------------------------- extends


def test_an_extends_chain_merges_mappings_replaces_values_and_appends_history(project):
    three_editions(project)
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


def test_a_bad_value_is_reported_in_the_file_and_line_that_set_it(project):
    three_editions(project)
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


def test_an_unknown_key_is_an_error_at_its_file_and_line(project):
    three_editions(project)
    project.write("editions/third.yaml", "extends: second.yaml\n\nprinting_histroy: [x]\n")
    done = project.run("check", "--edition", "editions/third.yaml")
    assert done.returncode == 1
    assert "editions/third.yaml:3:1: error: printing_histroy: unknown field 'printing_histroy'" in done.stderr
    assert "[schema.unknown-field]" in done.stderr and "Traceback" not in done.stderr


def test_a_cycle_of_extends_is_an_error_naming_the_files(project):
    three_editions(project)
    project.write("editions/x.yaml", "extends: y.yaml\nedition: X\n")
    project.write("editions/y.yaml", "# loops back\nextends: x.yaml\n")
    done = project.run("check", "--edition", "editions/x.yaml")
    assert done.returncode == 1
    assert (
        "editions/y.yaml:2:10: error: extends: editions extend each other in a cycle: "
        "editions/x.yaml → editions/y.yaml → editions/x.yaml [edition.cycle]"
    ) in done.stderr


def test_a_missing_parent_and_a_chapter_not_listed_are_located(project):
    three_editions(project)
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


def simplified_project(project: Project):
    project.write("chapters/01-a.yaml", CHAPTER)
    project.edition("chapters/01-a.yaml", extra="printing_history: [2021年7月初版]\n")
    project.write(
        "editions/zh-Hans.yaml",
        """\
        extends: ../booklet.yaml
        language: zh-Hans
        date: 2021-10-01
        printing_history: [2021年10月简体中文版]
        fonts: {body: Noto Serif CJK SC, heading: Noto Sans CJK SC}
        conversion: hk2s
        conversion_overrides:
          澳门币: 澳门元
          "「": "“"
          "」": "”"
        """,
    )
    return project


def test_the_simplified_edition_converts_content_but_not_quoted_simplified_text(project):
    simplified_project(project)
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


# ---------------------------------------------------------------- the real Simplified edition


@pytest.fixture(scope="session")
def zh_hans(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh-Hans") / "zh-Hans.pdf"
    done = subprocess.run(
        [sys.executable, "build.py", "-q", "--edition", "editions/2021-zh-Hans.yaml", "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


def exempt_texts() -> list[str]:
    """The quoted text of blocks marked simplified_source, as printed (never converted)."""
    report = Report()
    book = load_book(REPO / "editions/2021-zh-Hans.yaml", REPO, report)
    out = []
    for placed in book.all_blocks():
        block = placed.block
        if isinstance(block, (Clipping, Letter)) and block.simplified_source:
            fields = (
                ("headline", "subheadline", "caption")
                if isinstance(block, Clipping)
                else ("sender", "title", "recipient")
            )
            out += [flat(getattr(block, f) or "") for f in fields] + [flat(t) for t in block.text]
    return [t for t in out if t]


def test_the_real_simplified_edition_has_no_traditional_characters_outside_exempt_blocks(zh_hans):
    exempt = exempt_texts()
    leftovers = []
    for number, page in enumerate(page_texts(zh_hans), 1):
        for line in page.splitlines():
            line = flat(line)
            if traditional_only(line) and not any(line in text for text in exempt):
                leftovers.append((number, line, traditional_only(line)))
    assert leftovers == []
    text = flat("".join(page_texts(zh_hans)))
    assert "澳门特别行政区政府" in text and "从江县" in text and "目录" in text
    assert "本報訊" in text  # a Simplified newspaper's own wording is printed as it is


def test_the_real_simplified_edition_embeds_only_sc_faces_and_says_zh_hans(zh_hans):
    names = fonts(zh_hans)
    cjk = [name for name in names if "CJK" in name]
    assert cjk and all("SC" in name and names[name] for name in cjk)
    reader = PdfReader(zh_hans)
    assert reader.trailer["/Root"]["/Lang"] == "zh-Hans"
    assert reader.metadata["/CreationDate"] == "D:20211001000000+08'00"


def test_two_builds_of_the_simplified_edition_are_byte_identical(zh_hans, tmp_path):
    again = tmp_path / "zh-Hans.pdf"
    done = subprocess.run(
        [sys.executable, "build.py", "-q", "--edition", "editions/2021-zh-Hans.yaml", "-o", str(again)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert sha(again) == sha(zh_hans)


# ---------------------------------------------------------------- reproducibility and the manifest


def test_builds_in_another_folder_are_byte_identical_and_the_manifest_hashes_everything(project, tmp_path):
    simplified_project(project)
    assert project.run("-q").returncode == 0
    elsewhere = Project.__new__(Project)
    elsewhere.root = tmp_path / "elsewhere" / "copy"
    shutil.copytree(project.root, elsewhere.root, ignore=shutil.ignore_patterns("dist"))
    assert elsewhere.run("-q").returncode == 0
    first, second = project.root / "dist/booklet.pdf", elsewhere.root / "dist/booklet.pdf"
    assert sha(first) == sha(second)
    assert PdfReader(first).metadata["/CreationDate"] == "D:20210701000000+08'00"
    manifest = json.loads((project.root / "dist/booklet.manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["booklet.pdf"] == sha(first)
    assert manifest["inputs"]["booklet.yaml"] == sha(project.root / "booklet.yaml")
    assert manifest["inputs"]["chapters/01-a.yaml"] == sha(project.root / "chapters/01-a.yaml")
    assert "styles/pages.css" in manifest["inputs"]
    assert any(name.startswith("<booklet>/booklet/html/templates/") for name in manifest["inputs"])
    assert {"python", "weasyprint", "pango", "opencc"} <= set(manifest["versions"])
    body = manifest["fonts"]["Noto Serif CJK TC"]
    assert len(body["sha256"]) == 64 and body["file"].endswith((".ttc", ".otf", ".ttf"))
    assert (elsewhere.root / "dist/booklet.manifest.json").read_bytes() == (
        project.root / "dist/booklet.manifest.json"
    ).read_bytes()


def test_source_date_epoch_sets_the_pdf_dates(project):
    simplified_project(project)
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "-q"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert done.returncode == 0, done.stderr
    assert PdfReader(project.root / "dist/booklet.pdf").metadata["/CreationDate"] == "D:20231114221320+00'00"


# ---------------------------------------------------------------- the edition diff


LONG_CHAPTER = "number: {n}\ntitle: 第{n}章\nblocks:\n{blocks}"


def diff_project(project: Project):
    """Three chapters, each two or three pages long, in a git repository."""
    paragraph = "澳門與從江攜手，推動教育、醫療、產業和就業等各方面的幫扶工作，成效顯著。" * 6
    for n in (1, 2, 3):
        blocks = [f"  - paragraph: 第{n}章第{i}段。{paragraph}" for i in range(14)]
        blocks.insert(
            3,
            f"  - figure:\n      image: assets/photos/{n}.jpg\n      caption: 第{n}章的圖片說明。\n"
            "      size: half",
        )
        blocks.insert(
            8,
            "  - table:\n      title: 項目一覽\n      columns: [序號, 項目]\n      rows:\n"
            + "".join(f"        - ['{r}', 第{n}章項目{r}]\n" for r in range(1, 5)),
        )
        project.write(f"chapters/0{n}.yaml", LONG_CHAPTER.format(n=n, blocks="\n".join(blocks) + "\n"))
    project.edition(
        "chapters/01.yaml",
        "chapters/02.yaml",
        "chapters/03.yaml",
        extra="edition: 初版\nprinting_history: [2021年7月初版]\n",
    )
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first"],
    ):
        subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True)


def test_the_diff_reports_each_edit_in_its_chapter_names_reflowed_pages_and_nothing_else(project):
    diff_project(project)
    edit = {
        "chapters/01.yaml": ("      caption: 第1章的圖片說明。", "      caption: 第1章的圖片說明（修訂）。"),
        "chapters/02.yaml": (
            "  - paragraph: 第2章第1段。",
            "  - paragraph: 新增的一段。\n  - paragraph: 第2章第1段。",
        ),
        "chapters/03.yaml": ("        - ['3', 第3章項目3]\n", ""),
    }
    for name, (old, new) in edit.items():
        path = project.root / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    done = project.run("diff", "--rev", "HEAD")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    sections = out.split("\nchapters/")
    by_chapter = {s.split(" ", 1)[0]: s for s in sections[1:]}
    assert set(by_chapter) == {"01.yaml", "02.yaml", "03.yaml"}
    assert "figure changed" in by_chapter["01.yaml"]
    assert "caption: 第1章的圖片說明{+（修訂）+}。" in by_chapter["01.yaml"]
    assert "paragraph added" in by_chapter["02.yaml"] and "{+新增的一段。+}" in by_chapter["02.yaml"]
    assert "table changed" in by_chapter["03.yaml"] and "[-3 | 第3章項目3-]" in by_chapter["03.yaml"]
    for chapter in by_chapter.values():  # one block each, nothing else
        assert chapter.count(" changed [") + chapter.count(" added [") + chapter.count(" removed [") == 1
    assert "edition:" not in out  # the edition file did not change
    pages = dict(line.split(": ", 1) for line in out.splitlines() if line.startswith("pages "))
    assert "pages changed" in pages and "pages reflowed" in pages  # the added paragraph pushed text on
    changed = {int(p) for p in pages["pages changed"].split(", ")}
    reflowed = {int(p) for p in pages["pages reflowed"].split(", ")}
    assert not changed & reflowed
    # the named pages are exactly those whose text differs, and the chapter 2 edit comes first
    old_pdf, new_pdf = project.root / "old.pdf", project.root / "new.pdf"
    subprocess.run(["git", "stash", "-q"], cwd=project.root, check=True)
    assert project.run("-q", "-o", str(old_pdf)).returncode == 0
    subprocess.run(["git", "stash", "pop", "-q"], cwd=project.root, check=True)
    assert project.run("-q", "-o", str(new_pdf)).returncode == 0
    old_texts, new_texts = page_texts(old_pdf), page_texts(new_pdf)
    differing = {
        i + 1
        for i in range(len(new_texts))
        if i >= len(old_texts) or flat(new_texts[i]) != flat(old_texts[i])
    }
    assert changed | reflowed == differing
    first_in_chapter_2 = min(i + 1 for i, t in enumerate(new_texts) if "新增的一段" in flat(t))
    assert first_in_chapter_2 in changed and min(reflowed) > first_in_chapter_2
    report = (project.root / "dist/booklet.diff.html").read_text(encoding="utf-8")
    assert "<ins>（修訂）</ins>" in report and "<del>3 | 第3章項目3</del>" in report


def test_an_edition_compared_with_itself_reports_nothing(project):
    three_editions(project)
    report = Report()
    book = load_book(project.root / "editions/third.yaml", project.root, report)
    result = compare_books(book, book)
    assert result.metadata == [] and result.chapters == []
