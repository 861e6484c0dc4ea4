"""A new project in each language, a Latin-script build read back, a bilingual build, `translate`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
import yaml

from booklet.app.check import check
from booklet.app.new import STARTER_LANGUAGES, new_project
from booklet.app.project import Options

from ..conftest import REPO


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def fonts_of(pdf: Path) -> set[str]:
    with pdfplumber.open(pdf) as opened:
        return {re.sub(r"^[A-Z]{6}\+", "", c["fontname"]) for page in opened.pages for c in page.chars}


@pytest.mark.parametrize("language", STARTER_LANGUAGES)
def test_a_new_project_checks_clean_in_each_language(tmp_path, language):
    written = new_project(tmp_path / "book", language)
    names = {p.relative_to(tmp_path / "book").as_posix() for p in written}
    assert {"booklet.yaml", ".gitignore", "styles/custom.css"} <= names
    assert not (tmp_path / "book/styles/variables.css").exists()  # the package's theme is not copied
    edition = yaml.safe_load((tmp_path / "book/booklet.yaml").read_text(encoding="utf-8"))
    assert edition["language"] == language
    result = check(Options(edition_file=tmp_path / "book/booklet.yaml"))
    assert result.report.errors == [], [f.format() for f in result.report.errors]
    assert {f.code for f in result.report.warnings} == {"image.missing"}  # placeholders until photos come


def test_new_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken/notes.txt").write_text("mine")
    done = run(tmp_path, "new", "taken", "--language", "pt")
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert (tmp_path / "taken/notes.txt").read_text() == "mine"
    done = run(tmp_path, "new", "other", "--language", "fr")
    assert done.returncode == 2 and "--language must be one of" in done.stderr


def test_a_portuguese_booklet_is_justified_hyphenated_and_in_the_latin_faces(tmp_path):
    assert run(tmp_path, "new", "livro", "--language", "pt", "-q").returncode == 0
    folder = tmp_path / "livro"
    # the project's own styles/ is added after the package's theme
    (folder / "styles/custom.css").write_text(":root { --color-accent: device-cmyk(0.9 0.2 0 0.1); }")
    done = run(folder, "--screen", "-j", "1", "--html", "book.html")  # a process of its own: no thread stays
    assert done.returncode == 0 and ": error:" not in done.stderr, done.stderr
    html, pdf = (folder / "book.html").read_text(encoding="utf-8"), folder / "dist/booklet.screen.pdf"
    assert 'lang="pt"' in html and "«direitas»" in html  # straight quotes → the language's
    assert "Índice" in html and "目錄" not in html
    assert '<span class="cover-title-line">Memória da Cidade</span>' in html  # one text, not a line a word
    assert "device-cmyk(0.9 0.2 0 0.1)" in html  # styles/custom.css, after the package's theme
    assert {"Noto-Serif", "Noto-Sans"} <= fonts_of(pdf)
    assert not [f for f in fonts_of(pdf) if "CJK" in f]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert re.search(r"\w‐\n", text), "a word hyphenated at a line end"
    audit = json.loads((folder / "dist/booklet.screen.audit.json").read_text())
    assert audit["justified_lines"] >= 4 and audit["flush_fraction"] == 1.0
    assert "loose-words" not in audit["counts"]


@pytest.mark.root("bilingual")
def test_a_bilingual_leaflet_prints_both_languages_each_in_its_faces(project):
    done = project.run("--screen", "-j", "1", "--html", "book.html")
    assert done.returncode == 0 and ": error:" not in done.stderr, done.stderr
    html, pdf = (
        (project.root / "book.html").read_text(encoding="utf-8"),
        project.root / "dist/booklet.screen.pdf",
    )
    assert '<span class="lang-2" lang="pt">' in html and '<span class="lang-1" lang="zh-Hant">' in html
    assert 'data-bookmark="一．媽閣廟 / O Templo de A-Má"' in html
    assert 'lang="pt" data-source="chapters/pt/01-temple.yaml:8">Segundo a tradição' in html
    fonts = fonts_of(pdf)
    assert any("Serif-CJK" in f for f in fonts) and "Noto-Serif" in fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Segundo a tradição" in text and "相傳明朝時" in text and "«Macau»" in text


@pytest.mark.root("two-chapters")
def test_translate_gives_ids_and_writes_the_files_then_staleness_is_reported(project):
    source = project.root / "chapters/01-c.yaml"
    before = source.read_text(encoding="utf-8")
    done = project.run("translate", "pt")
    assert done.returncode == 0, done.stderr
    assert "chapters/pt/01-c.yaml: 2 entries to translate" in done.stderr
    after = source.read_text(encoding="utf-8")
    assert [line for line in after.splitlines() if "id: " not in line] == before.replace(
        "- paragraph", "  paragraph"
    ).splitlines()
    block_id = re.search(r"id: (p-[0-9a-f]{6})", after).group(1)
    for name, title, text in (
        ("01-c", "Capítulo 1", "Texto do capítulo 1."),
        ("02-c", "Capítulo 2", "Texto."),
    ):
        translation = project.root / f"chapters/pt/{name}.yaml"
        data = yaml.safe_load(translation.read_text(encoding="utf-8"))
        data["title"]["text"] = title
        ((_key, entry),) = data["blocks"].items()
        entry["text"] = text
        translation.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert (
        yaml.safe_load((project.root / "chapters/pt/01-c.yaml").read_text())["blocks"][block_id]["from"]
        == "第1章正文。"
    )
    project.write(
        "pt.yaml",
        "extends: booklet.yaml\nlanguage: pt\nsource_language: zh-Hant\n"
        "title: Catálogo de teste\nsubtitle: Pequeno projecto\norganisers: []\n",
    )
    done = project.run("check", "--edition", "pt.yaml")
    assert done.returncode == 0 and "translation." not in done.stderr, done.stderr
    source.write_text(after.replace("第1章正文。", "第1章修訂後的正文。"), encoding="utf-8")
    done = project.run("check", "--edition", "pt.yaml")
    assert done.returncode == 0
    assert "chapters/pt/01-c.yaml:" in done.stderr and "[translation.stale]" in done.stderr
    assert "was '第1章正文。', now '第1章修訂後的正文。'" in done.stderr
    again = project.run("translate", "pt")  # ids are given once: a second run changes no chapter file
    assert again.returncode == 0 and source.read_text(encoding="utf-8").count("id: ") == 1
