"""Latin words inside the CJK theme (html/spans.py latin_runs): no CJK letter-spacing on them."""

from __future__ import annotations

import pdfplumber
import pytest

from booklet.html.spans import latin_runs


def test_latin_runs_are_marked_and_escaped():
    assert str(latin_runs("澳門 Macau <b> 2021")) == (
        '澳門 <span class="latin" lang="en">Macau</span> &lt;<span class="latin" lang="en">b</span>&gt; 2021'
    )


@pytest.mark.root("figures")
def test_a_latin_title_on_the_cover_is_not_letter_spaced(project):
    edition = project.root / "booklet.yaml"
    edition.write_text(
        edition.read_text(encoding="utf-8").replace("title: 測試圖冊", "title: 圖冊 Macau", 1),
        encoding="utf-8",
    )
    done = project.run("-q", "--screen")
    assert done.returncode == 0, done.stderr
    with pdfplumber.open(project.root / "dist" / "booklet.screen.pdf") as pdf:
        chars = [c for c in pdf.pages[0].chars if c["size"] > 30]  # the cover title (46 pt)
    text = "".join(c["text"] for c in chars)
    start = text.index("Macau")
    latin = chars[start : start + 5]
    gaps = [b["x0"] - a["x1"] for a, b in zip(latin, latin[1:])]
    assert max(gaps) < 1.0, gaps  # 0.18 em of a 46 pt title would be 8 pt
    cjk = chars[:2]
    assert cjk[1]["x0"] - cjk[0]["x1"] > 5  # the Chinese title keeps its spacing
