"""Joining the parts (pdf/join.py): each face embedded once with every part's glyphs, joins in rounds."""

from __future__ import annotations

import subprocess

import pytest

from ..pdfread import contents_entries, flat, outline, page_texts


@pytest.mark.root("three-chapters")
def test_each_face_is_embedded_once_with_the_glyphs_of_every_part(project):
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    done = project.run("-q", "-j", "2")
    assert done.returncode == 0, done.stderr
    programs: dict[str, set] = {}
    used: dict[str, set[int]] = {}
    with pikepdf.open(project.root / "dist/booklet.pdf") as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0]
                name = str(descendant.FontDescriptor.FontName).split("+", 1)[1]
                programs.setdefault(name, set()).add(descendant.FontDescriptor.FontFile3.objgen)
                widths = list(descendant.W)
                while widths:  # [first [w1 w2 …]] runs: the glyph ids (CIDs) this part prints
                    first, run = int(widths.pop(0)), widths.pop(0)
                    used.setdefault(name, set()).update(range(first, first + len(run)))
        assert len(programs) >= 2 and all(len(objects) == 1 for objects in programs.values()), programs
        for name, (objgen,) in programs.items():  # every glyph a part prints, drawn as in the font itself
            face = TTFont(io.BytesIO(pdf.get_object(objgen).read_bytes()))
            family = name.removesuffix("-Bold").replace("-", " ")
            found = subprocess.run(
                ["fc-match", "-f", "%{file}:%{index}", family + (":bold" if "Bold" in name else "")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            path, index = found.rsplit(":", 1)
            whole = TTFont(path, fontNumber=int(index), lazy=True)
            ours, theirs = (
                font["CFF "].cff[font["CFF "].cff.fontNames[0]].CharStrings for font in (face, whole)
            )
            order = whole.getGlyphOrder()
            for cid in sorted(used[name]):
                assert ours[order[cid]].bytecode == theirs[order[cid]].bytecode or _same(
                    ours, theirs, order[cid]
                )


def _same(ours, theirs, glyph: str) -> bool:
    """The same drawing, once both programs are decompiled (subsetting desubroutinizes)."""
    mine, original = ours[glyph], theirs[glyph]
    mine.decompile()
    original.decompile()
    from fontTools.pens.recordingPen import RecordingPen

    drawn = []
    for charstring in (mine, original):
        pen = RecordingPen()
        charstring.draw(pen)
        drawn.append(pen.value)
    return drawn[0] == drawn[1]


@pytest.mark.root("three-chapters")
def test_a_book_heavier_than_the_join_budget_is_joined_in_rounds_to_the_same_book(project, monkeypatch):
    import pikepdf

    from booklet.app.build import build
    from booklet.app.project import Options
    from booklet.pdf import join as assemble

    def built(name: str) -> dict:
        path = project.root / "dist" / name
        build(Options(edition_file=project.root / "booklet.yaml", output=path, jobs=2))
        with pikepdf.open(path) as pdf:
            dests = pdf.Root.Names.Dests.Names
            named = {
                str(dests[i]): pdf.pages.index(pikepdf.Page(dests[i + 1][0])) for i in range(0, len(dests), 2)
            }
            programs = {
                str(font.DescendantFonts[0].FontDescriptor.FontName): len(
                    font.DescendantFonts[0].FontDescriptor.FontFile3.read_bytes()
                )
                for page in pdf.pages
                for font in page.Resources.Font.values()
            }
        return {
            "texts": [flat(text) for text in page_texts(path)],
            "outline": outline(path),
            "contents": contents_entries(path),
            "named": named,
            "programs": programs,
        }

    whole = built("whole.pdf")
    rounds = []
    real = assemble._rounds
    monkeypatch.setattr(
        assemble, "_rounds", lambda order, budget: rounds.append(real(order, 1)) or rounds[-1]
    )
    assert built("rounds.pdf") == whole
    assert len(rounds[0]) > 3 and all(len(group) == 1 for group in rounds[0])  # a round for each part
    assert not list((project.root / "dist").glob(".*.tmp"))  # the rounds' files are gone
