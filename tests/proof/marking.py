"""Annotating a proof the way PDF viewers do (Acrobat's forms), for the annotation tests.

`Marker(pdf)` finds printed text on a page (pdfplumber) and adds annotations over it with pikepdf:
QuadPoints one quad a line (x1 y1 x2 y2 x3 y3 x4 y4: top left, top right, bottom left, bottom
right, as Acrobat writes them), a popup for each, /NM, /T, /M, /CreationDate and rich text /RC.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
from pikepdf import Array, Dictionary, Name, String


class Marker:
    def __init__(self, pdf: Path):
        self.path = pdf
        self.pdf = pikepdf.open(pdf)
        self.plumber = pdfplumber.open(pdf)
        self.count = 0

    def chars(self, page: int, text: str, occurrence: int = 0) -> list[dict]:
        """The printed characters of `text` on page `page` (1-based), in drawing order."""
        chars = [
            c
            for c in self.plumber.pages[page - 1].chars
            if abs(c["matrix"][1]) < 1e-6 and abs(c["matrix"][2]) < 1e-6 and c["text"].strip()
        ]
        owner = [n for n, c in enumerate(chars) for _ in c["text"]]  # a glyph may print two letters
        joined = "".join(c["text"] for c in chars)
        start = -1
        for _ in range(occurrence + 1):
            start = joined.find(text, start + 1)
            if start < 0:
                raise LookupError(f"{text!r} is not printed on page {page}")
        return chars[owner[start] : owner[start + len(text) - 1] + 1]

    def find_page(self, text: str) -> int:
        for number, page in enumerate(self.plumber.pages, start=1):
            if text in "".join(c["text"] for c in page.chars if c["text"].strip()):
                return number
        raise LookupError(text)

    def _y(self, page: int, value: float) -> float:
        return value + float(self.pdf.pages[page - 1].MediaBox[1])

    def quads(self, page: int, chars: list[dict]) -> list[float]:
        lines: list[list[dict]] = []
        for c in chars:
            if lines and abs(lines[-1][-1]["top"] - c["top"]) < 1:
                lines[-1].append(c)
            else:
                lines.append([c])
        out: list[float] = []
        for line in lines:
            x0, x1 = min(c["x0"] for c in line), max(c["x1"] for c in line)
            y0 = self._y(page, min(c["y0"] for c in line)) - 1
            y1 = self._y(page, max(c["y1"] for c in line)) + 1
            out += [x0, y1, x1, y1, x0, y0, x1, y0]
        return out

    def _base(
        self,
        subtype: str,
        page: int,
        rect,
        contents: str = "",
        author="proofreader",
        date="20261203101500+08'00'",
    ):
        self.count += 1
        annot = Dictionary(
            Type=Name.Annot,
            Subtype=Name("/" + subtype),
            Rect=Array(rect),
            NM=String(f"acrobat-{self.count:04d}"),
            T=String(author),
            M=String(f"D:{date}"),
            CreationDate=String(f"D:{date}"),
            F=4,
            C=Array([1, 0, 0]),
        )
        if contents:
            annot.Contents = String(contents)
            annot.RC = String(
                '<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml" '
                f'xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/" xfa:APIVersion="Acrobat:21.0.0" '
                f'xfa:spec="2.0.2"><p dir="ltr"><span style="font-size:10.0pt">{contents}</span></p></body>'
            )
        annot = self.pdf.make_indirect(annot)
        popup = self.pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Popup,
                Rect=Array([400, 600, 580, 700]),
                Parent=annot,
                Open=False,
            )
        )
        annot.Popup = popup
        page_obj = self.pdf.pages[page - 1].obj
        if "/Annots" not in page_obj:
            page_obj.Annots = Array()
        page_obj.Annots.append(annot)
        page_obj.Annots.append(popup)
        return annot

    def markup(self, subtype: str, page: int, text: str, contents: str = "", occurrence: int = 0, **kw):
        chars = self.chars(page, text, occurrence)
        quads = self.quads(page, chars)
        xs, ys = quads[0::2], quads[1::2]
        annot = self._base(subtype, page, [min(xs), min(ys), max(xs), max(ys)], contents, **kw)
        annot.QuadPoints = Array(quads)
        return annot

    def caret(self, page: int, after: str, contents: str, occurrence: int = 0, **kw):
        """A caret between the last character of `after` and the next one."""
        chars = self.chars(page, after, occurrence)
        last = chars[-1]
        x = last["x1"]
        y = self._y(page, last["y0"])
        annot = self._base("Caret", page, [x - 3, y - 4, x + 3, y + 3], contents, **kw)
        annot.Subj = String("Inserted Text")
        annot.Sy = Name.None_ if hasattr(Name, "None_") else Name("/None")
        return annot

    def replace(self, page: int, text: str, replacement: str, occurrence: int = 0, **kw):
        """Acrobat's "replace text": a Caret with the new text, and a StrikeOut grouped with it."""
        chars = self.chars(page, text, occurrence)
        last = chars[-1]
        y = self._y(page, last["y0"])
        caret = self._base("Caret", page, [last["x1"] - 3, y - 4, last["x1"] + 3, y + 3], replacement, **kw)
        caret.Subj = String("Inserted Text")
        strike = self.markup("StrikeOut", page, text, occurrence=occurrence, **kw)
        strike.IRT = caret
        strike.RT = Name.Group
        strike.Subj = String("Cross-Out")
        return caret, strike

    def note(self, page: int, x: float, y: float, contents: str, **kw):
        return self._base("Text", page, [x, y, x + 20, y + 20], contents, **kw)

    def reply(self, page: int, to, contents: str, **kw):
        rect = [float(v) for v in to.Rect]
        annot = self._base("Text", page, rect, contents, **kw)
        annot.IRT = to
        annot.RT = Name.R
        return annot

    def shape(self, subtype: str, page: int, text: str, contents: str = "", **kw):
        chars = self.chars(page, text)
        rect = [
            min(c["x0"] for c in chars) - 1,
            self._y(page, min(c["y0"] for c in chars)) - 1,
            max(c["x1"] for c in chars) + 1,
            self._y(page, max(c["y1"] for c in chars)) + 1,
        ]
        return self._base(subtype, page, rect, contents, **kw)

    def save(self, target: Path) -> Path:
        self.pdf.save(target)
        self.plumber.close()
        return target
