"""The real Simplified edition (editions/2021-zh-Hans.yaml), built once per session."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from pypdf import PdfReader

from booklet.content.model import Clipping, Letter
from booklet.content.script import traditional_only
from booklet.content.validate import load_book
from booklet.core.findings import Report

from ..conftest import REPO, build_repo
from ..pdfread import flat, fonts, page_texts

pytestmark = pytest.mark.slow  # every test reads the real Simplified edition back


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def zh_hans(tmp_path_factory):
    return build_repo(tmp_path_factory, "zh-Hans.pdf", "--edition", "editions/2021-zh-Hans.yaml")


def exempt_texts() -> list[str]:
    """The quoted text of blocks marked simplified_source, as printed (never converted)."""
    report = Report()
    book = load_book(REPO / "editions/2021-zh-Hans.yaml", REPO, report)
    out = []
    for placed in book.all_blocks():
        block = placed.block
        if isinstance(block, (Clipping, Letter)) and block.simplified_source:
            fields = (
                ("headline", "subheadline", "caption")
                if isinstance(block, Clipping)
                else ("sender", "title", "recipient")
            )
            out += [flat(getattr(block, f) or "") for f in fields] + [flat(t) for t in block.text]
    return [t for t in out if t]


def test_the_real_simplified_edition_has_no_traditional_characters_outside_exempt_blocks(zh_hans):
    exempt = exempt_texts()
    leftovers = []
    for number, page in enumerate(page_texts(zh_hans), 1):
        for line in page.splitlines():
            line = flat(line)
            if traditional_only(line) and not any(line in text for text in exempt):
                leftovers.append((number, line, traditional_only(line)))
    assert leftovers == []
    text = flat("".join(page_texts(zh_hans)))
    assert "澳门特别行政区政府" in text and "从江县" in text and "目录" in text
    assert "本報訊" in text  # a Simplified newspaper's own wording is printed as it is


def test_the_real_simplified_edition_embeds_only_sc_faces_and_says_zh_hans(zh_hans):
    names = fonts(zh_hans)
    cjk = [name for name in names if "CJK" in name]
    assert cjk and all("SC" in name and names[name] for name in cjk)
    reader = PdfReader(zh_hans)
    assert reader.trailer["/Root"]["/Lang"] == "zh-Hans"
    assert reader.metadata["/CreationDate"] == "D:20211001000000+08'00"


def test_two_builds_of_the_simplified_edition_are_byte_identical(zh_hans, tmp_path):
    again = tmp_path / "zh-Hans.pdf"
    done = subprocess.run(
        [sys.executable, "build.py", "-q", "--edition", "editions/2021-zh-Hans.yaml", "-o", str(again)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert sha(again) == sha(zh_hans)
