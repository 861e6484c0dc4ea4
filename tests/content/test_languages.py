"""Languages: Latin-script editions, texts per language, translation files and their staleness."""

from __future__ import annotations

import pytest

from booklet.checks.editorial import run_checks
from booklet.content.languages import LANGUAGES, WORDS, words
from booklet.content.localize import Texts
from booklet.content.validate import load_book
from booklet.core.findings import Report

PT_EDITION = """\
title: Memória da Cidade
year: 2025
language: {language}
date: 2025-05-01
chapters: [chapters/01-a.yaml]
"""
PT_CHAPTER = """\
number: 4
title: Introdução
blocks:
  - paragraph: 'O texto corrido, com "aspas" (e um parêntese por fechar.'
sections:
  - title: Primeira secção
    blocks:
      - paragraph: Segundo parágrafo.
"""


def load(project, report=None):
    report = report if report is not None else Report()
    return load_book(project.root / "booklet.yaml", project.root, report), report


def test_every_language_has_every_fixed_word():
    keys = set(WORDS["zh"])
    assert all(set(table) == keys for table in WORDS.values())
    assert all(LANGUAGES[tag].base in WORDS for tag in LANGUAGES)
    assert words("pt-BR")["contents"] == "Índice" and words("zh-Hant")["contents"] == "目錄"


@pytest.mark.parametrize("language", ["pt", "pt-PT", "pt-BR", "en"])
def test_a_latin_edition_takes_the_latin_faces_words_and_numbers(project, language):
    project.write("booklet.yaml", PT_EDITION.format(language=language))
    project.write("chapters/01-a.yaml", PT_CHAPTER)
    book, report = load(project)
    assert report.errors == [], [f.format() for f in report.errors]
    assert (book.edition.fonts.body, book.edition.fonts.heading) == ("Noto Serif", "Noto Sans")
    assert book.labels["contents"] in ("Índice", "Contents") and book.labels["chapter_mark"] == "{n}. "
    chapter = book.chapters[0]
    assert (chapter.numeral, chapter.sections[0].numeral) == ("4", "4.1")
    findings = Report()
    run_checks(book, project.root, findings)
    assert not [f for f in findings.findings if f.code.startswith(("punct.", "text.simplified", "date."))]


def test_an_unknown_language_is_a_located_error(project):
    project.write("booklet.yaml", PT_EDITION.format(language="fr"))
    project.write("chapters/01-a.yaml", PT_CHAPTER)
    book, report = load(project)
    assert book is None
    (error,) = report.errors
    assert error.code == "schema.value" and error.field == "language" and error.location.line == 3
    assert "'pt'" in error.message and "'en'" in error.message


@pytest.mark.root("bilingual")
def test_a_bilingual_edition_carries_both_languages_in_each_text(project):
    book, report = load(project)
    assert report.errors == [] and report.warnings == [], [f.format() for f in report.findings]
    chapter = book.chapters[0]
    lead, history, figure = chapter.blocks
    assert isinstance(lead.block.text, Texts)
    assert [tag for tag, _, _ in lead.block.text.parts] == ["zh-Hant", "pt"]
    assert history.id == "p-history" and history.block.text.parts[1][1].startswith("Segundo a tradição")
    assert figure.block.caption.parts[1] == ("pt", "A entrada principal do templo", False)
    assert chapter.title.parts[1][1] == "O Templo de A-Má"
    assert chapter.sections[0].title.parts[1][1] == "A festa de Tin Hau"
    assert book.edition.language == "zh-Hant" and book.edition.title.parts[1][1] == "Templo de A-Má"
    assert book.labels["contents"].parts == (("zh-Hant", "目錄", False), ("pt", "Índice", False))


@pytest.mark.root("bilingual")
def test_a_changed_source_makes_its_translation_stale_with_both_texts(project):
    chapter = project.root / "chapters/01-temple.yaml"
    chapter.write_text(
        chapter.read_text(encoding="utf-8").replace("廟前均舉行慶祝活動", "廟前均舉行盛大的慶祝活動"),
        encoding="utf-8",
    )
    book, report = load(project)
    (stale,) = [f for f in report.findings if f.code == "translation.stale"]
    assert stale.severity == "warning" and stale.location.path == "chapters/pt/01-temple.yaml"
    assert stale.location.line == 14 and stale.field == "blocks.p-festival"
    assert "廟前均舉行慶祝活動" in stale.message and "廟前均舉行盛大的慶祝活動" in stale.message
    festival = book.chapters[0].sections[0].blocks[0]
    assert festival.block.text.parts[1][1].startswith("No dia 23")  # the stale translation is still printed


@pytest.mark.root("bilingual")
def test_ids_survive_reordering(project):
    chapter = project.root / "chapters/01-temple.yaml"
    text = chapter.read_text(encoding="utf-8")
    lead = text[text.index("  - lead:") : text.index("  - id: p-history")]
    chapter.write_text(text.replace(lead, "").replace("sections:", lead + "sections:"), encoding="utf-8")
    book, report = load(project)
    assert report.findings == [], [f.format() for f in report.findings]
    assert book.chapters[0].blocks[0].block.text.parts[1][1].startswith("Segundo a tradição")


@pytest.mark.root("bilingual")
def test_a_missing_translation_is_an_error_unless_the_source_may_stand_in(project):
    chapter = project.root / "chapters/01-temple.yaml"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "      - paragraph: 新加的段落，尚未翻譯。\n", encoding="utf-8"
    )
    _, report = load(project)
    (missing,) = report.errors
    assert missing.code == "translation.missing" and missing.location.path == "chapters/01-temple.yaml"
    assert missing.location.line == 19 and "新加的段落" in missing.message
    project.write(
        "booklet.yaml", (project.root / "booklet.yaml").read_text() + "missing_translations: source\n"
    )
    book, report = load(project)
    assert report.errors == [] and [f.code for f in report.warnings] == ["translation.missing"]
    added = book.chapters[0].sections[0].blocks[-1].block.text
    assert added.parts == (("zh-Hant", "新加的段落，尚未翻譯。", False), ("pt", "", True))


@pytest.mark.root("bilingual")
def test_a_translation_entry_for_no_block_is_an_orphan(project):
    translation = project.root / "chapters/pt/01-temple.yaml"
    translation.write_text(
        translation.read_text(encoding="utf-8").replace("  p-festival:", "  p-gone:"), encoding="utf-8"
    )
    _, report = load(project)
    assert {f.code for f in report.findings} == {"translation.orphan", "translation.missing"}


def test_a_pt_edition_of_chinese_chapters_prints_the_source_marked_when_told_to(project):
    project.write("booklet.yaml", PT_EDITION.format(language="pt") + "source_language: zh-Hant\n")
    project.write(
        "chapters/01-a.yaml",
        "number: 1\ntitle: {zh-Hant: 前言, pt: Prefácio}\nblocks:\n  - paragraph: 正文。\n",
    )
    book, report = load(project)
    assert book is None or report.errors
    assert [f.code for f in report.errors] == ["translation.missing"]
    project.write(
        "booklet.yaml",
        PT_EDITION.format(language="pt") + "source_language: zh-Hant\nmissing_translations: source\n",
    )
    book, report = load(project)
    assert report.errors == []
    assert book.chapters[0].title == "Prefácio"
    assert book.chapters[0].blocks[0].block.text.parts == (("zh-Hant", "正文。", True),)


@pytest.mark.root("bilingual")
def test_a_simplified_bilingual_edition_converts_the_chinese_parts_only(project):
    from booklet.content.script import convert_book

    project.write("zh-hans.yaml", "extends: booklet.yaml\nlanguages: [zh-Hans, pt]\nconversion: hk2s\n")
    report = Report()
    book = convert_book(load_book(project.root / "zh-hans.yaml", project.root, report))
    assert report.errors == [], [f.format() for f in report.errors]
    lead = book.chapters[0].blocks[0].block.text
    assert lead.parts == (
        ("zh-Hans", "妈阁庙是澳门最古老的庙宇之一。", False),
        ("pt", "O Templo de A-Má é um dos mais antigos de Macau.", False),
    )
    assert (
        book.labels["contents"].parts[0][1] == "目录"
        and book.chapters[0].title.parts[1][1] == "O Templo de A-Má"
    )
