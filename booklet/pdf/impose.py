"""Imposition: the print PDF's pages laid on sheets for a folded dummy or the press.

The pages are read from the finished print PDF (each page becomes a form XObject with pikepdf,
drawn clipped to its trim and, at the sheet's outer edges, its bleed), never laid out again.

- Saddle-stitch: 2-up on a sheet twice the trim wide, in booklet order. Sheet s (1-based) of
  S = N/4 carries on its front pages N−2s+2 (left) and 2s−1 (right), on its back 2s (left) and
  N−2s+1 (right): printed work-and-turn, folded and nested, the sheets read 1…N. An inner sheet
  sticks out at the fore-edge by the thickness of the leaves around it, so its pages are moved
  towards the spine by the creep: the edition's `imposition.creep` for the innermost sheet, or
  (S−1) × `paper_thickness`, shared out linearly from the outermost sheet (0) inwards.
- Perfect binding: signatures of 8 (2 × 2 a side) or 16 pages (4 × 2 a side) on a press sheet,
  the top row turned head to head, in the standard right-angle-fold schemes.

Every sheet has crop marks, fold marks and a slug (edition, sheet n/N, front or back, the pages
on it) in registration colour (pdf/marks.py). A page count that is not a multiple of 4 (or of
the signature) is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from booklet.core.findings import BuildError
from booklet.pdf import marks
from booklet.pdf.marks import MM, ZONE, _n

# Perfect-bound signatures: page numbers within the signature by row (top first) and column, for
# the front and the back of the sheet; the top row is printed upside down (heads together).
SIGNATURES = {
    8: {"front": [[5, 4], [8, 1]], "back": [[3, 6], [2, 7]]},
    16: {"front": [[5, 12, 9, 8], [4, 13, 16, 1]], "back": [[7, 10, 11, 6], [2, 15, 14, 3]]},
}


@dataclass
class Cell:
    page: int  # 1-based page of the book; 0 for none
    column: int
    row: int  # 0 = bottom
    rotated: bool = False  # head down
    shift: float = 0.0  # pt towards the spine (creep); + moves right
    clip: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, bottom, right, top extra beyond the trim


@dataclass
class Side:
    sheet: int
    face: str  # "front" or "back"
    cells: list[Cell]
    columns: int
    rows: int


@dataclass
class Imposed:
    sides: list[Side]
    sheets: int
    creep_mm: float  # innermost sheet's shift (saddle-stitch)
    pdf: bytes = b""


def saddle_order(count: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Per sheet: ((front left, front right), (back left, back right)) page numbers, 1-based."""
    if count % 4:
        raise ValueError(count)
    return [((count - 2 * s, 2 * s + 1), (2 * s + 2, count - 2 * s - 1)) for s in range(count // 4)]


def creep_per_sheet(sheets: int, creep_mm: float | None, paper_mm: float) -> tuple[list[float], float]:
    """Each sheet's shift towards the spine in mm (outermost first) and the innermost one's."""
    innermost = creep_mm if creep_mm is not None else (sheets - 1) * paper_mm
    if sheets <= 1:
        return [0.0] * sheets, innermost if creep_mm is not None else 0.0
    return [innermost * s / (sheets - 1) for s in range(sheets)], innermost


def plan_saddle(count: int, bleed: float, creep_mm: float | None, paper_mm: float) -> Imposed:
    sheets = count // 4
    shifts, innermost = creep_per_sheet(sheets, creep_mm, paper_mm)
    sides = []
    for index, (front, back) in enumerate(saddle_order(count)):
        shift = shifts[index] * MM
        for face, (left, right) in (("front", front), ("back", back)):
            cells = [
                Cell(left, 0, 0, shift=shift, clip=(bleed, bleed, 0, bleed)),  # clipped at the fold
                Cell(right, 1, 0, shift=-shift, clip=(0, bleed, bleed, bleed)),
            ]
            sides.append(Side(index + 1, face, cells, 2, 1))
    return Imposed(sides, sheets, innermost)


def plan_perfect(count: int, size: int, bleed: float) -> Imposed:
    scheme = SIGNATURES[size]
    sheets = count // size
    sides = []
    for sheet in range(sheets):
        first = sheet * size
        for face in ("front", "back"):
            rows = scheme[face]
            cells = []
            for r, row in enumerate(rows):
                for c, number in enumerate(row):
                    bottom = len(rows) - 1 - r
                    clip = (
                        bleed if c == 0 else 0,
                        bleed if bottom == 0 else 0,
                        bleed if c == len(row) - 1 else 0,
                        bleed if bottom == len(rows) - 1 else 0,
                    )
                    cells.append(Cell(first + number, c, bottom, rotated=r == 0 and len(rows) > 1, clip=clip))
            sides.append(Side(sheet + 1, face, cells, len(rows[0]), len(rows)))
    return Imposed(sides, sheets, 0.0)


def fold_marks(side: Side, width: float, height: float, margin: float, outer) -> list[str]:
    """Dashed fold marks beyond the bleed on every line between the cells (all are folds)."""
    ops = [f"S [{_n(1.5 * MM)} {_n(1 * MM)}] 0 d"]
    near, far = marks.OFFSET, marks.OFFSET + marks.CROP
    for column in range(1, side.columns):
        x = margin + column * width
        ops.append(f"{_n(x)} {_n(outer[1] - near)} m {_n(x)} {_n(outer[1] - far)} l")
        ops.append(f"{_n(x)} {_n(outer[3] + near)} m {_n(x)} {_n(outer[3] + far)} l")
    for row in range(1, side.rows):
        y = margin + row * height
        ops.append(f"{_n(outer[0] - near)} {_n(y)} m {_n(outer[0] - far)} {_n(y)} l")
        ops.append(f"{_n(outer[2] + near)} {_n(y)} m {_n(outer[2] + far)} {_n(y)} l")
    return [*ops, "S [] 0 d"]


def impose(
    source: Path,
    *,
    binding: str,
    signature: int,
    creep_mm: float | None,
    paper_mm: float,
    slug_name: str,
    heading_font: str,
) -> Imposed:
    """The imposed PDF of the print PDF `source` (bytes in the result)."""
    src = pikepdf.open(source)
    count = len(src.pages)
    multiple = 4 if binding == "saddle-stitch" else signature
    if count % multiple:
        what = (
            "saddle-stitch"
            if binding == "saddle-stitch"
            else f"perfect binding in {signature}-page signatures"
        )
        raise BuildError(
            f"cannot impose {source}: {count} pages is not a multiple of {multiple}, as {what} needs; "
            f"set page_multiple: {multiple} in the edition (the print build pads to it) and build again",
            1,
        )
    first = src.pages[0].obj
    trim = [float(v) for v in first.get("/TrimBox", first.MediaBox)]
    bleed_box = [float(v) for v in first.get("/BleedBox", trim)]
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    bleed = trim[0] - bleed_box[0]
    if binding == "saddle-stitch":
        plan = plan_saddle(count, bleed, creep_mm, paper_mm)
    else:
        plan = plan_perfect(count, signature, bleed)
    out = pikepdf.new()
    forms: dict[int, pikepdf.Object] = {}
    font = marks.outliner(heading_font)
    margin = bleed + ZONE
    for side in plan.sides:
        sheet_w, sheet_h = side.columns * width + 2 * margin, side.rows * height + 2 * margin
        content = []
        xobjects = Dictionary()
        for cell in side.cells:
            index = cell.page - 1
            if index not in forms:
                page = src.pages[index]
                page_trim = [float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox)]
                form = out.copy_foreign(src.make_indirect(page.as_form_xobject()))
                forms[index] = (form, page_trim)
            form, page_trim = forms[index]
            name = f"/P{cell.page}"
            xobjects[name] = form
            x0, y0 = margin + cell.column * width, margin + cell.row * height
            left, bottom, right, top = cell.clip
            clip = f"{_n(x0 - left)} {_n(y0 - bottom)} {_n(width + left + right)} {_n(height + bottom + top)} re W n"
            if cell.rotated:  # head down: turned 180° about the cell's centre
                place = f"-1 0 0 -1 {_n(x0 + width - cell.shift + page_trim[0])} {_n(y0 + height + page_trim[1])} cm"
            else:
                place = f"1 0 0 1 {_n(x0 + cell.shift - page_trim[0])} {_n(y0 - page_trim[1])} cm"
            content.append(f"q {clip} {place} {name} Do Q")
        spread = (margin, margin, margin + side.columns * width, margin + side.rows * height)
        outer = (spread[0] - bleed, spread[1] - bleed, spread[2] + bleed, spread[3] + bleed)
        strokes = marks.crop_marks(spread, outer)
        strokes += fold_marks(side, width, height, margin, outer)
        strokes += marks.target(sheet_w / 2, outer[3] + marks.OFFSET + marks.TARGET * 1.8)
        pages = ", ".join(str(cell.page) for cell in sorted(side.cells, key=lambda c: (-c.row, c.column)))
        slug_text = f"{slug_name} · sheet {side.sheet}/{plan.sheets} · {side.face} · pages {pages}"
        if binding == "saddle-stitch" and side.cells[0].shift:
            slug_text += f" · creep {side.cells[0].shift / MM:.2f} mm"
        slug = (
            font.path(
                slug_text, spread[0] + marks.CROP, outer[1] - marks.OFFSET - marks.SLUG_SIZE, marks.SLUG_SIZE
            )
            if font
            else ""
        )
        media = [0, 0, sheet_w, sheet_h]
        xobjects["/BkMarks"] = marks.marks_form(out, media, strokes, slug)
        content.append("q /BkMarks Do Q")
        page = pikepdf.Page(
            Dictionary(
                Type=Name.Page,
                MediaBox=Array(media),
                TrimBox=Array([float(v) for v in spread]),
                BleedBox=Array([float(v) for v in outer]),
                Resources=Dictionary(XObject=xobjects),
                Contents=out.make_stream("\n".join(content).encode()),
            )
        )
        out.pages.append(page)
    for key in ("/OutputIntents",):
        if key in src.Root:
            out.Root[key] = Array([out.copy_foreign(src.make_indirect(intent)) for intent in src.Root[key]])
    for key, value in src.docinfo.items():
        out.docinfo[key] = value
    buffer = io.BytesIO()
    out.save(
        buffer,
        deterministic_id=True,
        fix_metadata_version=False,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    src.close()
    plan.pdf = buffer.getvalue()
    return plan
