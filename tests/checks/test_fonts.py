"""Font coverage (checks/fonts.py): a character the configured fonts lack is refused before layout."""

from __future__ import annotations


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
