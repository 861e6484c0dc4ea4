"""ISBN-13 (content/isbn.py): the check digit, and a wrong number as a located content error."""

from __future__ import annotations

import re

import pytest

from booklet.content.isbn import check_digit, isbn13_problem

ISBN = "978-962-937-000-8"


def test_isbn_check_digit():
    assert check_digit("978962937000") == "8"
    assert isbn13_problem(ISBN) is None
    assert "wrong check digit 7" in isbn13_problem("978-962-937-000-7")
    assert "ISBN-13" in isbn13_problem("962-937-000-X")


@pytest.mark.root("minimal")
def test_wrong_isbn_is_a_content_error_naming_the_field(project):
    project.edition_with("isbn: 978-962-937-000-7\n")
    done = project.run()
    assert done.returncode == 1
    assert re.search(
        r"booklet\.yaml:\d+:\d+: error: isbn: wrong check digit 7: an ISBN-13 starting "
        r"978962937000 ends in 8 \[schema\.value\]",
        done.stderr,
    ), done.stderr
