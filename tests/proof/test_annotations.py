"""Marks on a proof read back to the YAML (proof/annotations.py), applied (app/annotations.py),
tracked to the next proof (proof/tracking.py); and proofs that are the same bytes every time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from ..conftest import REPO, Project
from .marking import Marker

CHAPTER = """\
number: 1
title: 測試章
# a comment the edits must keep
blocks:
  - paragraph: 第一段正文，記錄<em>千團</em>之後的事，包含 MIF 與 2021 年。
  - paragraph: '單引號的段落，不可自動修改。'
  - quote:
      text: 飲水思源是澳門同胞的心聲。
      speaker: 一位老師
  - table:
      title: 項目一覽
      columns: [年份, 項目]
      rows:
        - [二〇一八年, 修建村道]
        - [二〇一九年, 捐建校舍]
  - figure:
      image: assets/photos/present.png
      caption: 村民在新校舍前合照。
"""
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}


def _run(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> Project:
    """A proof of paragraphs, a quote, a table and a caption, marked up as Acrobat writes marks."""
    project = Project(tmp_path_factory.mktemp("annotations") / "project", "figures")
    project.write("chapters/01-test.yaml", CHAPTER)
    done = _run(project.root, "--proof", "-q", env=EPOCH)
    assert done.returncode == 0, done.stderr
    marker = Marker(project.root / "dist/booklet.proof.pdf")
    page = marker.find_page("第一段正文")
    marker.replace(page, "千團", "幹團")
    marker.markup("StrikeOut", page, "包含")  # a deletion
    marker.caret(page, "2021", "—2022")  # an insertion
    highlight = marker.markup("Highlight", page, "心聲", "「心聲」要加引號嗎？", author="校對甲")
    marker.reply(page, highlight, "不必。", author="編輯乙")
    marker.markup("Underline", page, "捐建校舍", "查核年份")
    marker.markup("Squiggly", page, "新校舍", "")
    marker.replace(page, "單引號", "雙引號")  # in a quoted scalar: stays a to-do
    circle = marker.shape("Circle", page, "項目一覽", "標題字號")
    del circle.Contents  # rich text only, as some viewers write it
    marker.note(page, 5, 5, "頁角有污點")  # outside every block
    marker.save(project.root / "marked.pdf")
    return project


def _where(project: Project, text: str) -> str:
    source = (project.root / "chapters/01-test.yaml").read_text(encoding="utf-8")
    for number, line in enumerate(source.splitlines(), start=1):
        if text in line:
            return f"chapters/01-test.yaml:{number}:{line.index(text) + 1}"
    raise LookupError(text)


def test_every_mark_comes_back_with_file_line_column_and_quote(marked):
    done = _run(marked.root, "annotations", "marked.pdf")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()

    def line_of(code: str, quote: str) -> str:
        hits = [line for line in lines if f"「{quote}」" in line and f"[{code}]" in line]
        assert len(hits) == 1, (quote, lines)
        return hits[0]

    replace = line_of("annotation.replace", "千團")
    assert replace.startswith(
        _where(marked, "千團") + ": note: 〔strike〕「千團」→「幹團」 — proofreader, 2026-12-03"
    )
    assert line_of("annotation.delete", "包含").startswith(_where(marked, "包含") + ":")
    insert = line_of("annotation.insert", "—2022")
    assert insert.startswith(_where(marked, " 年。") + ":"), insert  # the caret stands after 2021
    quote = line_of("annotation.comment", "心聲")
    assert quote.startswith(
        _where(marked, "心聲") + ": note: 〔highlight〕「心聲」: 「心聲」要加引號嗎？ — 校對甲"
    )
    assert (
        lines[lines.index(quote) + 1].strip() == "↳ 不必。 — 編輯乙, 2026-12-03"
    )  # the reply under its mark
    assert line_of("annotation.comment", "捐建校舍").startswith(
        _where(marked, "捐建校舍") + ": note: 〔underline〕"
    )
    assert line_of("annotation.comment", "新校舍").startswith(
        _where(marked, "新校舍") + ": note: 〔squiggly〕"
    )
    assert line_of("annotation.comment", "項目一覽").startswith(
        _where(marked, "項目一覽") + ": note: 〔circle〕"
    )
    outside = [line for line in lines if "[annotation.outside]" in line]
    assert len(outside) == 1 and "頁角有污點" in outside[0] and "outside any block" in outside[0]
    assert not any("Popup" in line for line in lines)
    assert len([line for line in lines if "[annotation." in line]) == 9


def test_apply_makes_exactly_the_marked_corrections_and_the_next_proof_resolves_them(marked, tmp_path):
    chapter = marked.root / "chapters/01-test.yaml"
    before = chapter.read_text(encoding="utf-8")
    done = _run(marked.root, "annotations", "marked.pdf", "--apply")
    assert done.returncode == 0, done.stderr
    after = chapter.read_text(encoding="utf-8")
    assert after == before.replace("<em>千團</em>", "<em>幹團</em>").replace("包含 MIF", " MIF").replace(
        "2021 年", "2021—2022 年"
    )
    assert "[annotation.refused]" in done.stdout and "單引號" in done.stdout  # quoted: left to do
    tracking = json.loads((marked.root / "dist/booklet.annotations.json").read_text(encoding="utf-8"))
    status = {
        row["replacement"] if row["kind"] == "insert" else row["quote"]: row["status"]
        for row in tracking["marks"]
    }
    assert status["千團"] == status["包含"] == status["—2022"] == "applied"
    assert status["心聲"] == status["單引號"] == "open"
    again = _run(marked.root, "annotations", "marked.pdf", "--apply")  # nothing is made twice
    assert chapter.read_text(encoding="utf-8") == after, again.stdout
    proof = _run(marked.root, "--proof", "-q")
    assert proof.returncode == 0, proof.stderr
    findings = json.loads((marked.root / "dist/booklet.proof.findings.json").read_text(encoding="utf-8"))
    codes = {
        re.search(r"「([^」]*)」", f["message"])[1]: f["code"]
        for f in findings
        if f["code"].startswith("annotation.")
    }
    assert codes["千團"] == codes["包含"] == "annotation.resolved"
    assert codes["心聲"] == codes["單引號"] == "annotation.open"
    report = (marked.root / "dist/booklet.proof.html").read_text(encoding="utf-8")
    assert "annotation.resolved" in report and "annotation.open" in report


def test_a_stale_mark_is_refused(tmp_path):
    project = Project(tmp_path / "project", "figures")
    project.write("chapters/01-test.yaml", CHAPTER)
    assert _run(project.root, "--proof", "-q").returncode == 0
    marker = Marker(project.root / "dist/booklet.proof.pdf")
    page = marker.find_page("第一段正文")
    marker.replace(page, "飲水思源", "飲水思泉")
    marker.replace(page, "千團", "幹團")
    marker.save(project.root / "marked.pdf")
    chapter = project.root / "chapters/01-test.yaml"
    edited = "# 校對後加的一行\n" + chapter.read_text(encoding="utf-8").replace("飲水思源", "飲水知源")
    chapter.write_text(edited, encoding="utf-8")  # the proof is now of an older revision
    where = _where(project, "千團")
    done = _run(project.root, "annotations", "marked.pdf", "--apply")
    assert done.returncode == 0, done.stderr
    stale = [
        line for line in done.stdout.splitlines() if "「飲水思源」" in line and "[annotation.stale]" in line
    ]
    assert stale and "no longer in the source" in stale[0]
    moved = [line for line in done.stdout.splitlines() if "「千團」" in line]
    assert moved and moved[0].startswith(where + ":"), moved  # found one line lower
    assert chapter.read_text(encoding="utf-8") == edited.replace("千團", "幹團")


def test_a_pdf_that_is_not_a_proof_of_this_edition_is_refused(marked, tmp_path):
    other = tmp_path / "other.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(other)
    done = _run(marked.root, "annotations", str(other))
    assert done.returncode == 1 and "not a proof made by this tool" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    marked.write(
        "second.yaml",
        (marked.root / "booklet.yaml").read_text(encoding="utf-8").replace("測試圖冊", "另一本"),
    )
    done = _run(marked.root, "annotations", "marked.pdf", "--edition", "second.yaml")
    assert done.returncode == 1 and "[annotation.other-edition]" in done.stderr, done.stderr


def test_a_zh_hans_proof_maps_back_to_the_traditional_source(tmp_path):
    project = Project(tmp_path / "project", "zh-hans")
    done = _run(project.root, "--proof", "-q", "--edition", "editions/zh-Hans.yaml")
    assert done.returncode == 0, done.stderr
    marker = Marker(project.root / "dist/zh-Hans.proof.pdf")
    page = marker.find_page("帮扶工作")
    marker.markup("Highlight", page, "帮扶工作", "查")
    marker.save(project.root / "marked.pdf")
    done = _run(project.root, "annotations", "marked.pdf", "--edition", "editions/zh-Hans.yaml")
    assert done.returncode == 0, done.stderr
    source = (project.root / "chapters/01-a.yaml").read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(source, start=1) if "幫扶工作" in line)
    column = source[number - 1].index("幫扶工作") + 1
    assert done.stdout.startswith(
        f"chapters/01-a.yaml:{number}:{column}: note: 〔highlight〕「帮扶工作」: 查"
    ), done.stdout
    refused = _run(project.root, "annotations", "marked.pdf")  # the zh-Hant edition: another edition
    assert refused.returncode == 1 and "editions/zh-Hans.yaml" in refused.stderr
    marker = Marker(project.root / "dist/zh-Hans.proof.pdf")
    marker.replace(page, "帮扶", "扶贫")  # Simplified text would enter the Traditional source: a to-do
    marker.markup("StrikeOut", page, "工作，")  # a deletion is the same in both scripts
    marker.save(project.root / "marked.pdf")
    chapter = project.root / "chapters/01-a.yaml"
    before = chapter.read_text(encoding="utf-8")
    done = _run(project.root, "annotations", "marked.pdf", "--edition", "editions/zh-Hans.yaml", "--apply")
    assert done.returncode == 0, done.stderr
    assert "not applied: the proof is converted" in done.stdout
    assert chapter.read_text(encoding="utf-8") == before.replace("幫扶工作，", "幫扶", 1)


@pytest.mark.root("three-chapters")
def test_two_proofs_with_source_date_epoch_are_the_same_bytes(project):
    first = _run(project.root, "--proof", "-q", env=EPOCH)
    assert first.returncode == 0, first.stderr
    kept = (project.root / "dist/booklet.proof.pdf").read_bytes()
    for folder in (".cache", "dist"):
        subprocess.run(["rm", "-rf", str(project.root / folder)], check=True)
    second = _run(project.root, "--proof", "-q", env=EPOCH)
    assert second.returncode == 0, second.stderr
    assert (project.root / "dist/booklet.proof.pdf").read_bytes() == kept


@pytest.mark.root("three-chapters")
def test_change_bars_stand_beside_the_blocks_changed_since_a_revision(project):
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
            cwd=project.root,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "first proof")
    chapter = project.root / "chapters/02-two.yaml"
    chapter.write_text(
        chapter.read_text(encoding="utf-8").replace("第2章第5段。", "第2章第5段（改）。"), encoding="utf-8"
    )
    done = _run(project.root, "--proof", "-q", "--since", "HEAD")
    assert done.returncode == 0, done.stderr
    marker = Marker(project.root / "dist/booklet.proof.pdf")
    changed = marker.find_page("第2章第5段（改）")
    red = (0.752941, 0.078431, 0.109804)  # #c0141c, styles/proof.css .proof-bar
    bars = {
        number
        for number, page in enumerate(marker.plumber.pages, start=1)
        for rect in page.rects
        if tuple(round(v, 6) for v in (rect.get("non_stroking_color") or ())) == red and rect["height"] > 20
    }
    assert bars == {changed}
    report = (project.root / "dist/booklet.proof.html").read_text(encoding="utf-8")
    assert "Changed since HEAD" in report and f'href="#page-{changed}">p. {changed}</a>.' in report


def test_serve_shows_the_marks_of_the_proof_handed_to_it(marked):
    import http.client

    server = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--port", "0", "--annotations", "marked.pdf"],
        cwd=marked.root,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", server.stderr.readline())[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        page = connection.getresponse().read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
    marks = re.findall(r'<li class="mark"><a href="#page-(\d+)">', page)
    assert len(marks) == 9 and "〔strike〕「千團」" in page and "不必。" in page


PDFJS = REPO / ".cache/pdfjs/node_modules/pdfjs-dist"


@pytest.mark.skipif(
    not (PDFJS / "package.json").is_file(), reason="pdf.js not installed (make test installs it with npm)"
)
def test_marks_saved_by_pdfjs_come_back(tmp_path):
    """FreeText, Ink and Highlight annotations written by pdf.js's own saveDocument (its editors' form)."""
    project = Project(tmp_path / "project", "figures")
    project.write("chapters/01-test.yaml", CHAPTER)
    assert _run(project.root, "--proof", "-q").returncode == 0
    proof = project.root / "dist/booklet.proof.pdf"
    marker = Marker(proof)
    page = marker.find_page("第一段正文")
    quads = marker.quads(page, marker.chars(page, "心聲"))
    xs, ys = quads[0::2], quads[1::2]
    lit = [min(xs), min(ys), max(xs), max(ys)]
    cell = marker.chars(page, "捐建校舍")
    x0, x1 = cell[0]["x0"] - 1, cell[-1]["x1"] + 1
    y0, y1 = marker._y(page, cell[0]["y0"]) - 1, marker._y(page, cell[0]["y1"]) + 1
    middle = (y0 + y1) / 2
    specs = [
        {
            "annotationType": 9,
            "color": [255, 255, 0],
            "opacity": 1,
            "thickness": 12,
            "quadPoints": quads,
            "outlines": [[lit[0], lit[1], lit[0], lit[3], lit[2], lit[3], lit[2], lit[1]]],
            "pageIndex": page - 1,
            "rect": lit,
            "rotation": 0,
            "user": "pdf.js",
        },
        {
            "annotationType": 15,
            "color": [255, 0, 0],
            "thickness": 1,
            "opacity": 1,
            "paths": {
                "lines": [[None] * 4 + [x0, middle, x0, middle, x1, middle, x1, middle]],
                "points": [[x0, middle, x1, middle]],
            },
            "pageIndex": page - 1,
            "rect": [x0, y0, x1, y1],
            "rotation": 0,
            "user": "pdf.js",
        },
        {
            "annotationType": 3,
            "color": [0, 0, 255],
            "fontSize": 10,
            "value": "see the caption",
            "pageIndex": page - 1,
            "rect": [5, 5, 120, 25],
            "rotation": 0,
            "user": "pdf.js",
        },
    ]
    spec = tmp_path / "editors.json"
    spec.write_text(json.dumps(specs), encoding="utf-8")
    marker.plumber.close()
    saved = subprocess.run(
        [
            "node",
            str(Path(__file__).parent / "pdfjs/annotate.mjs"),
            str(PDFJS),
            str(proof),
            str(spec),
            str(project.root / "pdfjs.pdf"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert saved.returncode == 0, saved.stderr
    done = _run(project.root, "annotations", "pdfjs.pdf")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith(_where(project, "心聲") + ": note: 〔highlight〕「心聲」 — pdf.js") for line in lines
    ), lines
    assert any(
        line.startswith(_where(project, "捐建校舍") + ": note: 〔ink〕「捐建校舍」 — pdf.js")
        for line in lines
    ), lines
    assert any(
        "〔text box〕: see the caption" in line and "[annotation.outside]" in line for line in lines
    ), lines
