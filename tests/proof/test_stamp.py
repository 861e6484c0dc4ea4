"""The proof stamp (proof/stamp.py) on the joined book of a small project."""

from __future__ import annotations

import pytest

from ..pdfread import page_texts


@pytest.mark.root("three-chapters")
def test_the_proof_is_stamped_on_every_page_of_the_joined_book(project):
    done = project.run("--proof", "-q")
    assert done.returncode == 0, done.stderr
    texts = page_texts(project.root / "dist/booklet.proof.pdf")
    for number, text in enumerate(texts, start=1):
        assert f"page {number}/{len(texts)}" in text and "校對稿" in text
