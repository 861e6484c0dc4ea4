"""The inline markup subset (content/markup.py): which texts are problems, and the plain text."""

from __future__ import annotations

import pytest

from booklet.content.markup import plain, problem


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("<em>a</em><strong>b</strong>", None),
        ("<em>a", "<em> is never closed"),
        ("a</sup>", "</sup> closes nothing"),
        ("<em><strong>a</em></strong>", "</em> closes <strong>; close tags in the reverse order"),
        ("<em>" * 4 + "a" + "</em>" * 4, "inline markup nested deeper than 3 levels"),
        ("<b><b>a</b>", None),  # not markup: printed as written
        ('<em onclick="x">a</em>', "</em> closes nothing"),  # an opener with attributes is text
    ],
)
def test_markup_problems(text, why):
    assert problem(text) == why


def test_plain_drops_the_tags():
    assert plain("<em>甲</em>乙<br>丙") == "甲乙 丙"
