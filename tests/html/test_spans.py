"""The layout spans around Chinese text (html/spans.py): autospace, punctuation compression, the
kept-together tail; the source text stays exact and escaped."""

from __future__ import annotations

import re

from markupsafe import Markup

from booklet.content.chars import is_han
from booklet.html.spans import typeset_text


def strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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
