"""The one-pass font subset keeps exactly the glyph outlines WeasyPrint's own two-pass subset keeps."""

from __future__ import annotations

import io

import pikepdf
from fontTools.ttLib import TTFont

from booklet import engine
from booklet.engine.patches import fontsubset

HTML = """<html lang="zh-Hant"><body>
<p style="font-family: 'Noto Serif CJK TC'">澳門幫扶貴州省從江縣脫貧攻堅展，「思源同心」。ABC 2021</p>
<h1 style="font-family: 'Noto Sans CJK TC'; font-weight: 700">攜手圓夢（一）</h1>
<p style="font-family: 'Noto Sans CJK TC'">從江縣的鎮名：貫洞鎮、丙妹鎮。</p>
</body></html>"""


def _outlines(pdf: bytes) -> dict[str, dict[str, bytes]]:
    """Every embedded font's non-empty glyph programs, by font name and glyph name."""
    fonts = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                stream = next(descriptor[key] for key in descriptor.keys() if key.startswith("/FontFile"))
                face = TTFont(io.BytesIO(stream.read_bytes()))
                cff = face["CFF "].cff
                strings = cff[cff.fontNames[0]].CharStrings
                glyphs = {}
                for name in face.getGlyphOrder():
                    strings[name].decompile()
                    if len(strings[name].program) > 2:  # an empty slot is just "width endchar"
                        glyphs[name] = repr(strings[name].program).encode()
                fonts[str(font.BaseFont).split("+", 1)[1]] = glyphs
    return fonts


def test_one_pass_subset_keeps_the_same_outlines(monkeypatch):
    from weasyprint import HTML as Document
    from weasyprint.pdf import fonts

    engine.install()
    document = Document(string=HTML).render()
    patched = _outlines(document.write_pdf())

    monkeypatch.setattr(fonts.Font, "_harfbuzz_subset", fontsubset.ORIGINAL["subset"])
    monkeypatch.setattr(fonts.Font, "__init__", fontsubset.ORIGINAL["init"])
    original = _outlines(Document(string=HTML).render().write_pdf())

    assert set(patched) == {"Noto-Serif-CJK-TC", "Noto-Sans-CJK-TC", "Noto-Sans-CJK-TC-Bold"}
    assert patched == original
    assert all(len(glyphs) >= 6 for glyphs in patched.values())  # the text's characters, drawn


def test_the_font_file_is_read_only_when_needed():
    from weasyprint import HTML as Document
    from weasyprint.pdf import fonts

    engine.install()
    made = []
    init = fonts.Font.__init__

    def remember(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    fonts.Font.__init__ = remember
    try:
        Document(string=HTML).render().write_pdf()
    finally:
        fonts.Font.__init__ = init
    assert made
    for font in made:  # subset: the embedded file is the subset, far smaller than the 20 MB face
        assert font.__dict__["_file_content"] is not None
        assert len(font.file_content) < 5_000_000
