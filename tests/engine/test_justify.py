"""Justification between Chinese characters (engine/patches/justify.py): where the gaps are, and lines
that end on the measure in a small project read back from its PDF."""

from __future__ import annotations

import re

import pytest
import yaml

from booklet.content.chars import is_cjk, is_han
from booklet.engine.patches.justify import gap_after

from ..conftest import ROOTS, Project
from ..pdfread import page_texts
from ..typography import audit_of, glyph_lines, without_autospace

SOURCE = ROOTS / "justified/chapters/01-text.yaml"  # three long paragraphs, the second ending 最後一字。


# ---------------------------------------------------------------- units


def test_justification_opportunities_are_next_to_cjk_characters_and_at_spaces():
    assert is_cjk("澳") and is_cjk("，") and is_cjk("「") and not is_cjk("M") and not is_cjk("5")
    assert gap_after("澳", "門") and gap_after("年", "5") and gap_after("5", "月")
    assert gap_after(" ", "M")  # the space itself widens
    assert not gap_after("M", "I") and not gap_after("年", " ")
    assert not gap_after("—", "—") and not gap_after("…", "…")
    assert not gap_after("門", None)


# ---------------------------------------------------------------- small projects

PARAGRAPHS = [block["paragraph"] for block in yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["blocks"]]


@pytest.fixture(scope="module")
def justified(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("typeset") / "project", "justified")
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert "typography:" in done.stderr
    return project.root / "dist/booklet.pdf"


def body_lines(pdf, page_index):
    return [line for line in glyph_lines(pdf, page_index) if abs(line[0]["size"] - 10.5) < 0.01]


def test_justified_lines_end_on_the_measure_and_last_lines_are_flush_left(justified):
    texts = page_texts(justified)
    page = next(i for i, t in enumerate(texts) if "最後一字" in t)
    lines = body_lines(justified, page)
    assert len(lines) >= 10
    ends = [line[-1]["matrix"][4] + line[-1]["x1"] - line[-1]["x0"] for line in lines]
    measure = max(ends)
    starts = {round(line[0]["matrix"][4], 1) for line in lines}
    assert len(starts) == 2  # the text block's edge and the 2em indent
    finals = [
        i
        for i, line in enumerate(lines)
        if i + 1 == len(lines) or round(lines[i + 1][0]["matrix"][4], 1) == max(starts)
    ]
    for index, end in enumerate(ends):
        if index in finals:
            assert end < measure - 5, "a last line is stretched"
        else:
            assert abs(end - measure) <= 0.5, "".join(c["text"] for c in lines[index])
    audit = audit_of(justified)
    assert audit["justified_lines"] >= 8 and audit["flush_fraction"] == 1.0


def test_pdftotext_of_a_justified_paragraph_is_its_source_text(justified):
    joined = "".join(text.replace("\n", "") for text in page_texts(justified))
    assert PARAGRAPHS[0] in joined and PARAGRAPHS[1] in joined  # no space inserted
    # The quarter-em autospace is seen by pdftotext as a space; the glyphs are the source's.
    assert without_autospace(PARAGRAPHS[2]) in without_autospace(joined)
    texts = page_texts(justified)
    page = next(i for i, t in enumerate(texts) if "最後一字" in t)
    printed = "".join("".join(c["text"] for c in line) for line in body_lines(justified, page))
    assert PARAGRAPHS[2] in printed


def test_digits_and_latin_words_have_a_quarter_em_on_both_sides(justified):
    texts = page_texts(justified)
    page = next(i for i, t in enumerate(texts) if "最後一字" in t)
    checked = 0
    for line in body_lines(justified, page):
        for i in range(1, len(line) - 1):
            char, before, after = line[i], line[i - 1], line[i + 1]
            latin = re.match(r"[0-9A-Za-z]", char["text"])
            if latin and is_han(before["text"]) and not re.match(r"[0-9A-Za-z]", line[i - 1]["text"]):
                gap = char["matrix"][4] - (before["matrix"][4] + before["x1"] - before["x0"])
                assert 0.25 * 10.5 - 0.1 <= gap <= 0.25 * 10.5 + 0.6, (before["text"], char["text"], gap)
                checked += 1
            if latin and is_han(after["text"]):
                gap = after["matrix"][4] - (char["matrix"][4] + char["x1"] - char["x0"])
                assert 0.25 * 10.5 - 0.1 <= gap <= 0.25 * 10.5 + 0.6, (char["text"], after["text"], gap)
                checked += 1
    assert checked == 5  # 年|5|月, 2021 on both sides, MIF|與 (after ， there is no gap)
