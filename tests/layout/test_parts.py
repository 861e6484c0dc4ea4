"""The book laid out part by part (layout/parts.py, pdf/join.py) is the book laid out at once."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

from weasyprint import HTML

from ..pdfread import contents_entries, flat, outline, page_texts


def chapter(number: int, title: str, paragraphs: int, sections: int = 1) -> str:
    body = "".join(
        f"  - paragraph: 第{number}章第{i}段。{'從江縣的幫扶工作持續推進，' * 12}\n"
        for i in range(paragraphs)
    )
    text = f"number: {number}\ntitle: {title}\nblocks:\n{body}"
    if sections:
        text += "sections:\n" + "".join(
            f"  - title: 第{s}節\n    blocks:\n      - paragraph: 小節{s}。{'澳門與從江攜手同行，' * 30}\n"
            for s in range(1, sections + 1)
        )
    return text


def three_chapters(project):
    # lengths chosen so that chapters end on both sides of the spread (blank pages between some)
    project.write("chapters/01-one.yaml", chapter(1, "第一章", 3))
    project.write("chapters/02-two.yaml", chapter(2, "第二章", 14, sections=2))
    project.write("chapters/03-three.yaml", chapter(3, "第三章", 30))
    project.edition("chapters/01-one.yaml", "chapters/02-two.yaml", "chapters/03-three.yaml")
    return project


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_parts_give_the_pages_of_the_book_laid_out_at_once(project, tmp_path):
    three_chapters(project)
    done = project.run("-j", "2", "--html", "dist/whole.html")
    assert done.returncode == 0, done.stderr
    built = project.root / "dist/booklet.pdf"
    alone = tmp_path / "alone.pdf"  # the whole book's HTML (styles inlined) rendered by WeasyPrint in one go
    HTML(filename=str(project.root / "dist/whole.html"), base_url=project.root.as_uri() + "/").write_pdf(
        alone
    )
    ours = [flat(text) for text in page_texts(built)]
    theirs = [flat(text) for text in page_texts(alone)]
    pads = len(ours) - len(theirs)  # the press PDF adds blank pages before the colophon
    assert 0 <= pads < 4 and len(ours) % 4 == 0
    assert ours[: len(theirs) - 2] == theirs[:-2]  # every page, folios and running heads included
    assert ours[-2:] == theirs[-2:] and not any(ours[len(theirs) - 2 : -2])
    assert any(not text for text in ours[: len(theirs) - 2])  # a blank left-hand page before a chapter
    assert contents_entries(built) == contents_entries(alone)
    assert [entry[1:] for entry in outline(built)] == [entry[1:] for entry in outline(alone)]


def test_remembered_parts_give_the_bytes_of_a_fresh_build(project, tmp_path):
    three_chapters(project)
    pdf = project.root / "dist/booklet.pdf"
    assert project.run("-q").returncode == 0
    project.write("chapters/02-two.yaml", chapter(2, "第二章", 15, sections=2))  # one chapter edited
    done = project.run()
    assert done.returncode == 0, done.stderr
    assert "remembered 01-one.yaml" in done.stderr and "laid out 02-two.yaml" in done.stderr
    incremental = sha(pdf)
    shutil.rmtree(project.root / ".cache")
    assert project.run("-q", "-j", "1").returncode == 0
    assert sha(pdf) == incremental  # in one process, nothing remembered: the same bytes
    assert "第2章第14段" in flat("".join(page_texts(pdf)))


def test_the_proof_is_stamped_on_every_page_of_the_joined_book(project):
    three_chapters(project)
    done = project.run("--proof", "-q")
    assert done.returncode == 0, done.stderr
    texts = page_texts(project.root / "dist/booklet.proof.pdf")
    for number, text in enumerate(texts, start=1):
        assert f"page {number}/{len(texts)}" in text and "校對稿" in text


def test_each_face_is_embedded_once_with_the_glyphs_of_every_part(project):
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    three_chapters(project)
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


def test_a_book_heavier_than_the_join_budget_is_joined_in_rounds_to_the_same_book(project, monkeypatch):
    import pikepdf

    from booklet.app.build import build
    from booklet.app.project import Options
    from booklet.pdf import join as assemble

    three_chapters(project)

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


def test_the_preflight_fails_a_font_whose_program_was_never_embedded(project, tmp_path):
    import pikepdf

    from booklet.engine.patches import fontsubset
    from booklet.pdf.preflight import preflight

    three_chapters(project)
    assert project.run("-q").returncode == 0
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(project.root / "dist/booklet.pdf") as pdf:  # a part's stand-in left in place
        font = next(iter(pdf.pages[4].Resources.Font.values()))
        font.DescendantFonts[0].FontDescriptor.FontFile3 = pdf.make_stream(fontsubset.STUB + b"ABCDEF")
        pdf.save(broken)
    fonts = next(check for check in preflight(broken, press=True, bleed=True).checks if check.name == "fonts")
    assert fonts.status == "fail" and "not embedded" in " ".join(fonts.details)


def test_the_code_digest_covers_every_module_of_every_stage(tmp_path, monkeypatch):
    """Cached parts must not survive a change to any module, however deep in the package."""
    import shutil

    from booklet.core import resources
    from booklet.layout.cache import code_digest

    copy = tmp_path / "booklet"
    shutil.copytree(resources.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(resources, "PACKAGE", copy)
    before = code_digest("print")
    names = [resources.package_name(path) for path in resources.code_files()]
    assert "engine/patches/justify.py" in names and "html/templates/book.html" in names
    for name in ("engine/patches/justify.py", "core/files.py", "html/templates/book.html"):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert code_digest("print") != before, name
        path.write_bytes(original)
    assert code_digest("print") == before
    (copy / "engine" / "render.py").rename(copy / "engine" / "renderer.py")  # a move is a change too
    assert code_digest("print") != before
