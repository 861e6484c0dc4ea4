"""The preflight (pdf/preflight.py) on a joined book with a fault put in."""

from __future__ import annotations

import pytest


@pytest.mark.root("three-chapters")
def test_the_preflight_fails_a_font_whose_program_was_never_embedded(project, tmp_path):
    import pikepdf

    from booklet.engine.patches import fontsubset
    from booklet.pdf.preflight import preflight

    assert project.run("-q").returncode == 0
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(project.root / "dist/booklet.pdf") as pdf:  # a part's stand-in left in place
        font = next(iter(pdf.pages[4].Resources.Font.values()))
        font.DescendantFonts[0].FontDescriptor.FontFile3 = pdf.make_stream(fontsubset.STUB + b"ABCDEF")
        pdf.save(broken)
    fonts = next(check for check in preflight(broken, press=True, bleed=True).checks if check.name == "fonts")
    assert fonts.status == "fail" and "not embedded" in " ".join(fonts.details)
