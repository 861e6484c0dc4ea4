"""Read back the characters a PDF prints, where pdfplumber would place them, quickly.

pdfminer's interpreter and fonts place every glyph, as under pdfplumber, but each content stream
is tokenised by pikepdf (qpdf, C++) keeping only the text operators: pdfminer's own tokeniser, in
Python, and pdfplumber's conversion of every object to a dict took most of the audit's time.
Every operand reaches pdfminer as its tokeniser would have read it (integers as int, reals as the
same float, strings as bytes, names as literals), so on a well-formed content stream the
positions are the same numbers to the last bit (tests/pdf/test_audit.py compares them with
pdfplumber's). Pictures are not opened: they hold no text.
"""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pikepdf
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, resolve1, stream_value
from pdfminer.psparser import LIT, literal_name
from pdfminer.utils import apply_matrix_rect

# What moves the text cursor or draws text, and the forms that may hold some: the parser drops
# every other operator (paths, colours, marked content) before Python sees it.
TEXT_OPERATORS = "BT ET Tc Tw Tz TL Tf Tr Ts Td TD Tm T* TJ Tj ' \" cm q Q Do"


class Glyph(NamedTuple):
    """A printed character in layout coordinates: points from the media box's top-left corner."""

    text: str
    baseline: float
    x0: float  # the origin, from the text matrix
    x1: float  # the origin plus the advance
    size: float
    order: int  # drawing order on its page


def printed_glyphs(pdf: bytes | Path, pages: set[int]) -> dict[int, list[Glyph]]:
    """The characters printed on each of `pages` (0-based), in drawing order (`pdf`: its bytes or file)."""
    with open(pdf, "rb") if isinstance(pdf, Path) else contextlib.nullcontext(io.BytesIO(pdf)) as stream:
        return _printed_glyphs(stream, pdf if isinstance(pdf, Path) else io.BytesIO(pdf), pages)


def _printed_glyphs(stream, again, pages: set[int]) -> dict[int, list[Glyph]]:
    """`stream` for pdfminer, `again` (the same PDF) for pikepdf: each reads at its own place."""
    document = PDFDocument(PDFParser(stream))
    resources = PDFResourceManager(caching=True)
    found: dict[int, list[Glyph]] = {}
    last = max(pages, default=-1)
    with pikepdf.open(again) as source:
        recorder = _GlyphRecorder(resources, source)
        interpreter = _TextInterpreter(resources, recorder)
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number > last:
                break
            if number in pages:
                recorder.start(page)
                interpreter.process_page(page)
                found[number] = recorder.glyphs
    return found


def _operand(value):
    """A pikepdf operand as pdfminer's tokeniser reads it."""
    kind = type(value)
    if kind is int:
        return value
    if kind is Decimal:
        return float(value)  # the literal, correctly rounded: the double pdfminer's float() gives
    code = value._type_code
    if code == pikepdf.ObjectType.string:
        return bytes(value)
    if code == pikepdf.ObjectType.name_:
        return LIT(str(value)[1:])
    if code == pikepdf.ObjectType.array:
        return [_operand(item) for item in value]
    return value  # booleans and null: no text operator takes them


class _TextInterpreter(PDFPageInterpreter):
    """pdfminer's page interpreter, given the text operators by pikepdf's parser."""

    def execute(self, streams) -> None:
        self.stream_ids.clear()
        data = []
        for obj in streams:  # circular form references are refused as pdfminer's execute() does
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                continue
            self.stream_ids.add(stream.objid)
            data.append(stream.get_data())
        content = pikepdf.Stream(self.device.source, b"".join(data))  # joined as pdfminer reads them
        for operands, operator in pikepdf.parse_content_stream(content, TEXT_OPERATORS):
            method = _HANDLERS[str(operator)]
            arguments = [_operand(value) for value in operands]
            if len(arguments) == method.__code__.co_argcount - 1:  # pdfminer skips a malformed one too
                method(self, *arguments)

    def do_Do(self, xobjid_arg) -> None:
        reference = self.xobjmap.get(literal_name(xobjid_arg))
        if isinstance(reference, PDFObjRef) and self.device.is_image(reference.objid):
            return  # no text in a picture: pdfminer would read its data (megabytes) for nothing
        super().do_Do(xobjid_arg)

    def do_TJ(self, seq) -> None:
        if self.textstate.font is not None:  # no copy of the graphic state: colours are not recorded
            self.device.render_string(self.textstate, seq, None, None)


# operator → pdfminer's method, named as its execute() names them (T* → do_T_a, " → do__w, ' → do__q)
_HANDLERS = {
    name: getattr(_TextInterpreter, "do_" + name.replace("*", "_a").replace('"', "_w").replace("'", "_q"))
    for name in TEXT_OPERATORS.split()
}


class _GlyphRecorder(PDFTextDevice):
    """Keeps each character's text, baseline, extent and size as pdfplumber reports them."""

    def __init__(self, resources: PDFResourceManager, source: pikepdf.Pdf):
        super().__init__(resources)
        self.source = source  # the same file opened by pikepdf: XObjects looked at cheaply, streams parsed
        self.images: dict[int, bool] = {}

    def is_image(self, number: int) -> bool:
        if number not in self.images:
            self.images[number] = self.source.get_object(number, 0).get("/Subtype") == pikepdf.Name.Image
        return self.images[number]

    def start(self, page: PDFPage) -> None:
        self.glyphs: list[Glyph] = []
        self.height, self.shift = _plumber_height_and_shift(page)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"
        # pdfminer's LTChar box (pdfminer/layout.py), without building the object
        advance = font.char_width(cid) * fontsize * scaling
        if font.is_vertical():
            vx, vy = font.char_disp(cid)
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            box = (-vx, vy + rise + advance, -vx + fontsize, vy + rise)
        else:
            descent = font.get_descent() * fontsize
            box = (0, descent + rise, advance, descent + rise + fontsize)
        x0, y0, x1, y1 = apply_matrix_rect(matrix, box)
        size = x1 - x0 if font.is_vertical() else y1 - y0
        if self.shift:  # pdfplumber moves a box by the media box's left edge
            x0, x1 = x0 + self.shift, x1 + self.shift
        start = matrix[4]
        baseline = self.height - matrix[5]
        self.glyphs.append(Glyph(text, baseline, start, start + (x1 - x0), size, len(self.glyphs)))
        return advance


def _plumber_height_and_shift(page: PDFPage) -> tuple[float, float]:
    """pdfplumber's page height and the x offset it adds to character boxes, computed as
    pdfplumber/page.py computes them from the media box."""
    x0, y0, x1, y1 = (resolve1(v) for v in resolve1(page.attrs.get("MediaBox")))
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    if (resolve1(page.attrs.get("Rotate")) or 0) % 360 in (90, 270):
        x0, y0, x1, y1 = y0, x0, y1, x1
    height = y1 - y0
    return (height - y0) - (height - y1), x0
