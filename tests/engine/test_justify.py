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


# ---------------------------------------------------------------- Latin text, as WeasyPrint justifies it


def latin_lines(align: str) -> list:
    """Line boxes of a Latin paragraph with inline markup, and inline blocks inside an <em>."""
    from weasyprint import HTML

    from booklet import engine

    engine.install()
    page = (
        HTML(
            string=f"""<style>
              @page {{ size: 300px 400px; margin: 0 }} body {{ margin: 0 }}
              p {{ margin: 0; font: 15px "DejaVu Serif"; text-align: {align} }}
              .box {{ display: inline-block; width: 24px; height: 8px }}
            </style>
            <p>Print a catalogue with <em>some <b>inline</b> markup and <span class="box"></span>
            <span class="box"></span> <span class="box"></span> boxes</em> in justified Latin text, as
            WeasyPrint justifies it.</p>"""
        )
        .render()
        .pages[0]
        ._page_box
    )
    (html,) = page.children
    (body,) = html.children
    (paragraph,) = body.children
    return paragraph.children


def line_leaves(box) -> list:
    from weasyprint.formatting_structure import boxes

    leaves = []
    for child in box.children:
        if child.is_in_normal_flow():
            leaves.extend(line_leaves(child) if isinstance(child, boxes.InlineBox) else [child])
    return leaves


def test_latin_spaces_next_to_inline_blocks_in_markup_widen_like_every_other_space():
    """Every space of a justified line widens by the same amount, as WeasyPrint's own justification
    does: those before an inline block (inside an <em>) too."""
    from weasyprint.formatting_structure import boxes

    ragged, justified = latin_lines("left"), latin_lines("justify")
    assert len(ragged) == len(justified) >= 3
    before_a_box = 0
    for plain_line, wide_line in zip(ragged[:-1], justified[:-1]):
        pairs = list(zip(line_leaves(plain_line), line_leaves(wide_line), strict=True))
        end = pairs[-1][1]
        assert end.position_x + end.margin_width() == pytest.approx(300)  # on the measure
        extras = []  # the extra advance of each space of the line
        for (plain, wide), (following, _) in zip(pairs, [*pairs[1:], (None, None)]):
            spaces = plain.text.count(" ") if isinstance(plain, boxes.TextBox) else 0
            if not spaces:
                assert wide.width == pytest.approx(plain.width)
                continue
            extras += [(wide.width - plain.width) / spaces] * spaces
            before_a_box += following is not None and not isinstance(following, boxes.TextBox)
        assert extras[0] > 0 and extras == pytest.approx([extras[0]] * len(extras)), extras
    assert before_a_box >= 3  # "and ", and the spaces between the inline blocks inside the <em>
    last_ragged, last_justified = line_leaves(ragged[-1]), line_leaves(justified[-1])
    assert [leaf.width for leaf in last_justified] == [leaf.width for leaf in last_ragged]
