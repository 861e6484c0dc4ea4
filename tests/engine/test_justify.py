"""Chinese typesetting: justification between characters, line breaking, autospace, compression,
font coverage and the typographic audit — on small projects and on the real catalogue."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from booklet.content.chars import is_cjk, is_han
from booklet.content.validate import load_book
from booklet.core.findings import Report
from booklet.engine.patches.justify import gap_after
from booklet.html.spans import typeset_text

from ..conftest import REPO
from ..pdfread import page_texts
from ..typography import audit_of, glyph_lines, without_autospace

FORBIDDEN_START = "，。、；：？！」』）》"
LONG = (
    "澳門特別行政區政府積極響應國家號召，對口幫扶貴州省從江縣，在產業、教育、醫療、消費等多個領域"
    "開展了一系列「組合拳」式的幫扶工作，取得了顯著成效，得到了當地幹部群眾的廣泛好評與衷心感謝"
)


def strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---------------------------------------------------------------- units


def test_justification_opportunities_are_next_to_cjk_characters_and_at_spaces():
    assert is_cjk("澳") and is_cjk("，") and is_cjk("「") and not is_cjk("M") and not is_cjk("5")
    assert gap_after("澳", "門") and gap_after("年", "5") and gap_after("5", "月")
    assert gap_after(" ", "M")  # the space itself widens
    assert not gap_after("M", "I") and not gap_after("年", " ")
    assert not gap_after("—", "—") and not gap_after("…", "…")
    assert not gap_after("門", None)


def test_markup_keeps_the_source_text_exactly_and_escapes_it():
    for text in [
        "今年5月，澳門基金會與MIF簽署協議。",
        "今年 5 月，惠及學生約 3,000 人。",
        "他說：「發展是硬道理」。",
        "a<b> & 「引號」、（括號）、結束。",
        "短",
    ]:
        html = typeset_text(text)
        assert isinstance(html, Markup)
        assert strip_tags(str(html)) == text
    assert "<b>" not in str(typeset_text("a<b>字元測試文字結束"))


def test_latin_and_digits_between_han_get_a_quarter_em_unless_the_source_has_a_space():
    html = str(typeset_text("今年5月，在MIF的支持下，學生約 3,000 人參加了活動。"))
    assert '今年<span class="cjk-gap-l cjk-gap-r">5</span>月' in html
    assert '在<span class="cjk-gap-l cjk-gap-r">MIF</span>的' in html
    assert "約 3,000 人" in html  # spaces already there: nothing added
    # Next to full-width punctuation there is no gap: the bracket has its own space.
    assert "（MIF）" in str(typeset_text("澳門基金會（MIF）與從江縣簽署了協議。"))


def test_adjacent_punctuation_pairs_are_compressed_on_the_first_mark():
    html = str(typeset_text("他說「發展」。又說（一）、（二）兩點意見已經記錄"))
    assert '<span class="cjk-halt">」</span>。' in html
    assert '<span class="cjk-halt">）</span>、' in html
    assert "說「" in html  # an opening bracket alone is untouched


def test_a_paragraphs_last_two_characters_are_kept_together():
    html = str(typeset_text("澳門幫扶從江縣取得顯著成效。"))
    assert html.endswith('<span class="cjk-tail">成效。</span>')
    html = str(typeset_text("惠及學生約 3,000 人。"))
    assert html.endswith('<span class="cjk-tail">3,000 人。</span>')  # a number is not split
    assert "cjk-tail" not in str(typeset_text("短句。"))
    assert is_han("澳") and not is_han("。") and not is_han("Ｍ")


# ---------------------------------------------------------------- small projects


PARAGRAPHS = [
    LONG + "。",
    LONG + "，最後一字。",
    "今年5月，" + LONG + "，MIF與從江縣簽署了2021年的協議，" + LONG + "。",
]


@pytest.fixture(scope="module")
def justified(tmp_path_factory):
    from ..conftest import Project

    project = Project(tmp_path_factory.mktemp("typeset") / "project")
    blocks = "\n".join(f"  - paragraph: {text}" for text in PARAGRAPHS)
    project.write("chapters/01-text.yaml", f"number: 1\ntitle: 排版\nblocks:\n{blocks}\n")
    project.edition("chapters/01-text.yaml")
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


def test_a_chapter_with_characters_the_fonts_lack_is_refused_with_file_and_line(project):
    project.write(
        "chapters/01-x.yaml",
        "number: 1\ntitle: 缺字\nblocks:\n  - paragraph: 正文。\n"
        "  - paragraph: 這裏有一個擴展B區的字𠀀，不能印出。\n",
    )
    project.edition("chapters/01-x.yaml")
    done = project.run()
    assert done.returncode == 1
    assert "chapters/01-x.yaml:5:27: error: blocks[1].paragraph:" in done.stderr  # the character itself
    assert "U+20000" in done.stderr and "[font.missing-glyph]" in done.stderr
    assert not (project.root / "dist/booklet.pdf").exists()
    checked = project.run("check")
    assert checked.returncode == 1 and "U+20000" in checked.stderr


# ---------------------------------------------------------------- the real catalogue


def test_catalogue_audit_meets_the_typographic_standard(catalogue):
    audit = audit_of(catalogue)
    assert audit["justified_lines"] >= 100
    assert audit["flush_fraction"] >= 0.99, [p for p in audit["problems"] if p["code"] == "ragged"]
    for code in (
        "line-start",
        "line-end",
        "single-character-line",
        "overfull",
        "margin",
        "caption-separated",
        "unmatched",
    ):
        assert audit["counts"].get(code, 0) == 0, [p for p in audit["problems"] if p["code"] == code]


def test_no_catalogue_line_starts_with_closing_punctuation(catalogue):
    """Independent of the audit: every printed line of every page, read back with pdfplumber."""
    from pypdf import PdfReader

    starts = []
    for index in range(len(PdfReader(catalogue).pages)):
        for line in glyph_lines(catalogue, index):
            first = line[0]["text"]
            if first in FORBIDDEN_START:
                starts.append((index + 1, "".join(c["text"] for c in line)))
    assert starts == []


def test_catalogue_paragraphs_extract_as_their_source_text(catalogue):
    report = Report()
    book = load_book(REPO / "booklet.yaml", REPO, report)
    joined = without_autospace("".join(t.replace("\n", "") for t in page_texts(catalogue)))
    paragraphs = [p.block.text for p in book.all_blocks() if p.kind == "paragraph"]
    missing = [text for text in paragraphs if without_autospace(text) not in joined]
    # A paragraph broken over two pages has the running head between its halves.
    assert len(missing) <= 2, missing
    assert len(paragraphs) >= 15


def test_another_weasyprint_version_is_refused(monkeypatch):
    import weasyprint

    from booklet import engine
    from booklet.core.findings import BuildError

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(BuildError) as refused:
        engine.install()
    assert refused.value.exit_code == 3 and "WeasyPrint 71.0 is not supported" in str(refused.value)
    assert "70.x" in str(refused.value)
