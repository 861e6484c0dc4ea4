"""Printer's marks in registration colour: crop, bleed and registration marks and the slug.

Everything here prints on every separation: it is drawn in `/Separation /All` (the registration
colour, shown as 100 % of each ink), outside the BleedBox, in a margin the page's MediaBox gains
for it. The slug's text is drawn as glyph outlines (fontTools reads the theme's heading font), so
it needs no font in the PDF. The same drawing serves the press PDF's pages (`add_page_marks`)
and the imposed sheets (pdf/impose.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

MM = 72 / 25.4
ZONE = 12 * MM  # the margin beyond the bleed where the marks sit
OFFSET = 1.5 * MM  # a mark starts this far beyond the bleed edge
CROP = 6 * MM  # crop mark length
BLEED_MARK = 3 * MM
TARGET = 2.5 * MM  # registration target radius
HAIRLINE = 0.25  # pt
SLUG_SIZE = 6.0  # pt
REGISTRATION = "/Reg"  # the colour space's resource name in the marks' forms


def registration_space(pdf: pikepdf.Pdf) -> Array:
    """`[/Separation /All /DeviceCMYK tint→(t t t t)]`: printed on every plate."""
    function = pdf.make_indirect(
        Dictionary(FunctionType=2, Domain=Array([0, 1]), C0=Array([0, 0, 0, 0]), C1=Array([1, 1, 1, 1]), N=1)
    )
    return Array([Name.Separation, Name.All, Name.DeviceCMYK, function])


def _n(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _PathPen:
    """A fontTools pen writing PDF path operators, scaled and moved."""

    def __init__(self, glyphset, scale: float, x: float, y: float):
        from fontTools.pens.basePen import BasePen

        outer = self

        class Pen(BasePen):
            def _moveTo(self, p):
                outer.ops.append(f"{outer.p(p)} m")

            def _lineTo(self, p):
                outer.ops.append(f"{outer.p(p)} l")

            def _curveToOne(self, p1, p2, p3):
                outer.ops.append(f"{outer.p(p1)} {outer.p(p2)} {outer.p(p3)} c")

            def _closePath(self):
                outer.ops.append("h")

        self.ops: list[str] = []
        self.scale, self.x, self.y = scale, x, y
        self.pen = Pen(glyphset)

    def p(self, point) -> str:
        return f"{_n(self.x + point[0] * self.scale)} {_n(self.y + point[1] * self.scale)}"


@dataclass(frozen=True)
class Outliner:
    """Text as filled glyph outlines, in a font found by fontconfig (CJK and Latin)."""

    file: str
    index: int

    @functools.cached_property
    def _font(self):
        from fontTools.ttLib import TTFont

        return TTFont(self.file, fontNumber=self.index, lazy=True)

    def width(self, text: str, size: float) -> float:
        font = self._font
        cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
        units = font["head"].unitsPerEm
        return sum(metrics[cmap[ord(ch)]][0] if ord(ch) in cmap else units / 2 for ch in text) * size / units

    def path(self, text: str, x: float, y: float, size: float) -> str:
        """Path operators drawing `text` with its baseline's start at (x, y), filled with `f`."""
        font = self._font
        glyphset, cmap, metrics = font.getGlyphSet(), font.getBestCmap(), font["hmtx"].metrics
        scale = size / font["head"].unitsPerEm
        ops: list[str] = []
        for ch in text:
            name = cmap.get(ord(ch))
            if name is None:
                x += size / 2
                continue
            pen = _PathPen(glyphset, scale, x, y)
            glyphset[name].draw(pen.pen)
            ops.extend(pen.ops)
            x += metrics[name][0] * scale
        return "\n".join(ops) + ("\nf" if ops else "")


@functools.lru_cache(maxsize=4)
def outliner(family: str) -> Outliner | None:
    from booklet.core.fontconfig import match

    found = match(family)
    return Outliner(found.file, found.index) if found else None


def crop_marks(trim, bleed) -> list[str]:
    """Crop marks on the trim lines and bleed marks on the bleed lines, all beyond the bleed."""
    tx0, ty0, tx1, ty1 = trim
    bx0, by0, bx1, by1 = bleed
    ops = []
    for y in (ty0, ty1):
        ops += [f"{_n(bx0 - OFFSET)} {_n(y)} m {_n(bx0 - OFFSET - CROP)} {_n(y)} l"]
        ops += [f"{_n(bx1 + OFFSET)} {_n(y)} m {_n(bx1 + OFFSET + CROP)} {_n(y)} l"]
    for x in (tx0, tx1):
        ops += [f"{_n(x)} {_n(by0 - OFFSET)} m {_n(x)} {_n(by0 - OFFSET - CROP)} l"]
        ops += [f"{_n(x)} {_n(by1 + OFFSET)} m {_n(x)} {_n(by1 + OFFSET + CROP)} l"]
    if bleed != trim:
        for y in (by0, by1):
            ops += [f"{_n(bx0 - OFFSET)} {_n(y)} m {_n(bx0 - OFFSET - BLEED_MARK)} {_n(y)} l"]
            ops += [f"{_n(bx1 + OFFSET)} {_n(y)} m {_n(bx1 + OFFSET + BLEED_MARK)} {_n(y)} l"]
        for x in (bx0, bx1):
            ops += [f"{_n(x)} {_n(by0 - OFFSET)} m {_n(x)} {_n(by0 - OFFSET - BLEED_MARK)} l"]
            ops += [f"{_n(x)} {_n(by1 + OFFSET)} m {_n(x)} {_n(by1 + OFFSET + BLEED_MARK)} l"]
    return ops


def target(cx: float, cy: float) -> list[str]:
    """A registration target: a circle and a cross through it."""
    r, k = TARGET, TARGET * 0.5523
    return [
        f"{_n(cx + r)} {_n(cy)} m",
        f"{_n(cx + r)} {_n(cy + k)} {_n(cx + k)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} c",
        f"{_n(cx - k)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k)} {_n(cx - r)} {_n(cy)} c",
        f"{_n(cx - r)} {_n(cy - k)} {_n(cx - k)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} c",
        f"{_n(cx + k)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k)} {_n(cx + r)} {_n(cy)} c h",
        f"{_n(cx - 1.6 * r)} {_n(cy)} m {_n(cx + 1.6 * r)} {_n(cy)} l",
        f"{_n(cx)} {_n(cy - 1.6 * r)} m {_n(cx)} {_n(cy + 1.6 * r)} l",
    ]


def marks_form(pdf: pikepdf.Pdf, media, strokes: list[str], slug: str) -> pikepdf.Stream:
    """A form XObject drawing `strokes` (hairlines) and `slug` (filled outlines) in registration colour."""
    content = f"q {REGISTRATION} CS 1 SCN {REGISTRATION} cs 1 scn {HAIRLINE} w 0 J [] 0 d\n"
    content += "\n".join(strokes) + "\nS\n" + slug + "\nQ\n"
    return pdf.make_stream(
        content.encode(),
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=Array([float(v) for v in media]),
        Resources=Dictionary(ColorSpace=Dictionary({REGISTRATION: registration_space(pdf)})),
    )


def draw_form_on_page(pdf: pikepdf.Pdf, page, name: str, form) -> None:
    """Append `q /name Do Q` to the page, its own content wrapped in q … Q (resources copied: pages
    may share one dictionary)."""
    resources = Dictionary(dict((page.obj.get("/Resources") or Dictionary()).items()))
    xobjects = Dictionary(dict((resources.get("/XObject") or Dictionary()).items()))
    xobjects[name] = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    contents = page.obj.get("/Contents")
    parts = list(contents) if isinstance(contents, Array) else ([contents] if contents is not None else [])
    page.obj.Contents = Array(
        [pdf.make_stream(b"q\n"), *parts, pdf.make_stream(f"\nQ\nq {name} Do Q\n".encode())]
    )


def add_page_marks(pdf: pikepdf.Pdf, slug_text, heading_font: str) -> int:
    """Every page with a TrimBox and a BleedBox: the MediaBox grown by ZONE beyond the bleed, crop,
    bleed and registration marks and the slug (`slug_text(number, count)`) in it. Returns the pages marked."""
    font = outliner(heading_font)
    count = len(pdf.pages)
    marked = 0
    for number, page in enumerate(pdf.pages, start=1):
        trim, bleed = page.obj.get("/TrimBox"), page.obj.get("/BleedBox")
        if trim is None or bleed is None:
            continue
        trim = [float(v) for v in trim]
        bleed = [float(v) for v in bleed]
        media = [bleed[0] - ZONE, bleed[1] - ZONE, bleed[2] + ZONE, bleed[3] + ZONE]
        page.obj.MediaBox = Array(media)
        if "/CropBox" in page.obj:
            page.obj.CropBox = Array(media)
        strokes = crop_marks(trim, bleed)
        middle_x, middle_y = (trim[0] + trim[2]) / 2, (trim[1] + trim[3]) / 2
        far = OFFSET + TARGET * 1.8
        strokes += target(middle_x, bleed[3] + far)
        strokes += target(bleed[0] - far, middle_y)
        strokes += target(bleed[2] + far, middle_y)
        slug = ""
        if font is not None:
            slug = font.path(
                slug_text(number, count), trim[0] + CROP, bleed[1] - OFFSET - SLUG_SIZE, SLUG_SIZE
            )
        draw_form_on_page(pdf, page, "/BkMarks", marks_form(pdf, media, strokes, slug))
        marked += 1
    return marked
