"""The proof: same pages as print, watermark, slug, and source lines beside the blocks they name."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from booklet.content.sources import load_source

from ..conftest import REPO, build_repo
from ..pdfread import contents_entries, flat, page_texts

pytestmark = pytest.mark.slow  # every test reads the real catalogue's proof back


@pytest.fixture(scope="session")
def proof(tmp_path_factory) -> Path:
    """The real catalogue's proof, built once per session."""
    return build_repo(tmp_path_factory, "booklet.proof.pdf", "--proof")


@pytest.fixture(scope="module")
def proof_words(proof) -> list[list[tuple[str, float, float, float]]]:
    """Per page, (text, x min, y min, x max) of every word, read once."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(proof), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    return [
        [(m[4], float(m[1]), float(m[2]), float(m[3])) for m in re.finditer(pattern, page)]
        for page in out.split("<page ")[1:]
    ]


def test_same_pages_and_contents_numbers_as_print(proof, catalogue):
    assert len(PdfReader(proof).pages) == len(PdfReader(catalogue).pages)
    proof_contents, print_contents = contents_entries(proof), contents_entries(catalogue)
    assert len(print_contents) == 15
    assert proof_contents == print_contents


def test_every_page_has_the_watermark_and_the_slug(proof):
    texts = page_texts(proof)
    revision = subprocess.run(
        ["git", "describe", "--always"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    for number, text in enumerate(texts, start=1):
        assert "校對稿PROOF" in flat(text), number
        assert f"page{number}/{len(texts)}" in flat(text), number
        assert "booklet.yaml" in text and "初版" in text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
        if revision:
            assert revision in text


def _where(relative: str, key: tuple) -> int:
    return load_source(REPO / relative, REPO).marks[key][0]


def _find(relative: str, kind: str, text: str, row: str | None = None) -> tuple:
    """The YAML path of the first `kind` block whose text (or table row) holds `text`."""
    data = load_source(REPO / relative, REPO).data
    places = [(("blocks", i), b) for i, b in enumerate(data.get("blocks") or [])]
    for s, section in enumerate(data.get("sections") or []):
        places += [(("sections", s, "blocks", i), b) for i, b in enumerate(section.get("blocks") or [])]
    for path, block in places:
        if kind not in block:
            continue
        if row is not None:
            for r, cells in enumerate(block[kind]["rows"]):
                if any(row in (c if isinstance(c, str) else c["text"]) for c in cells):
                    return path + (kind, "rows", r)
        elif text in str(block[kind]):
            return path + (kind,)
    raise LookupError(text)


SAMPLES = [  # (chapter, YAML path of the block, text printed at its start)
    (
        "chapters/01-preface.yaml",
        _find("chapters/01-preface.yaml", "paragraph", "貧困是人類社會的頑疾"),
        "貧困是人類社會的頑疾",
    ),
    ("chapters/02-congjiang.yaml", _find("chapters/02-congjiang.yaml", "paragraph", "2005"), "2005"),
    (
        "chapters/04-impact.yaml",
        _find("chapters/04-impact.yaml", "paragraph", "澳門在幫扶從江新建學校"),
        "澳門在幫扶從江新建學校",
    ),
    ("chapters/04-impact.yaml", _find("chapters/04-impact.yaml", "figure", "大歹小學"), "缺圖"),
    (
        "chapters/04-impact.yaml",
        _find("chapters/04-impact.yaml", "table", "", row="第二民族高級中學"),
        "第二民族高級中學",
    ),
    (
        "chapters/04-impact.yaml",
        _find("chapters/04-impact.yaml", "table", "", row="丙妹鎮大歹教學點"),
        "丙妹鎮大歹教學點",
    ),
    ("chapters/08-afterword.yaml", ("blocks", 0, "paragraph"), None),
]


@pytest.mark.parametrize("chapter, key, start", SAMPLES)
def test_blocks_carry_their_yaml_line_in_the_outside_margin(proof, proof_words, chapter, key, start):
    line = _where(chapter, key)
    label = f"{Path(chapter).name}:{line}"
    reader = PdfReader(proof)
    for number, page_words in enumerate(proof_words, start=1):  # noqa: B007 (used after the loop)
        found = [w for w in page_words if w[0] == label]
        if found:
            break
    else:
        pytest.fail(f"{label} is on no page")
    _, note_x, note_y, note_right = found[0]
    page = reader.pages[number - 1]
    left = float(page.trimbox[0]) - float(page.mediabox[0])  # pdftotext measures from the media box
    width = float(page.trimbox[2]) - float(page.trimbox[0])
    margin = 18 * 72 / 25.4  # the outside margin
    if number % 2 == 1:  # the cover, page 1, is a right-hand page
        assert left + width - margin < note_x and note_right < left + width, (
            "not in the right (outside) margin"
        )
    else:
        assert left < note_x and note_right < left + margin, "not in the left (outside) margin"
    if start:
        text = next((w for w in page_words if flat(w[0]).startswith(flat(start))), None)
        assert text is not None, f"{start} is not on page {number} beside {label}"
        assert abs(text[2] - note_y) < 24, f"{label} stands {text[2] - note_y:.0f} pt from its block"


def test_a_mark_on_the_catalogue_proof_comes_back_to_its_caption(proof, tmp_path):
    """The issue's own example: 千團 struck out and replaced in a caption of chapter 4."""
    from booklet.proof.annotations import read_marks

    from .marking import Marker

    marker = Marker(proof)
    page = marker.find_page("中國海外集團援建的千團")
    printed = "".join(c["text"] for c in marker.plumber.pages[page - 1].chars if c["text"].strip())
    caption = printed.index("中國海外集團援建的千團") + len(
        "中國海外集團援建的"
    )  # not the alt of a placeholder
    marker.replace(page, "千團", "幹團", occurrence=printed[:caption].count("千團"))
    marked = marker.save(tmp_path / "marked.pdf")
    marks, _ = read_marks(marked, REPO, "booklet.yaml", "思源同心 攜手圓夢")
    (mark,) = marks
    lines = (REPO / "chapters/04-impact.yaml").read_text(encoding="utf-8").splitlines()
    printed = "".join(c["text"] for c in marker.chars(page, "千團"))
    assert printed == "千團" and mark.quote == "千團" and mark.replacement == "幹團"
    line = mark.location.line
    assert lines[line - 1][mark.location.column - 1 :].startswith("千團"), (mark.location, lines[line - 1])
    assert mark.location.path == "chapters/04-impact.yaml" and mark.field.endswith(".caption")
