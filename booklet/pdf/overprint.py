"""Black on press: 100 % K text and thin black rules overprint, large black areas print rich.

A black letter that knocks out of a photograph or a tint leaves a white halo at the slightest
misregistration; printed over what is below it (overprint: `/OP`, `/op` and `/OPM 1` in an
ExtGState), it cannot. A large area of K alone looks grey beside a photograph's shadows, so a
filled area of 100 % K at least the theme's `--rich-black-from` on both sides is printed in the
theme's `--color-rich-black` (e.g. 60/40/40/100) instead, and knocks out.

Run by the press finisher (pdf/press.py) on every page and form, after the colours are CMYK:
each content stream is read with the current fill and stroke colours, the matrix and the path
being built, and an ExtGState (`/BkOP<stroke><fill>`, all with `/OPM 1`) is set before each
thing painted whose overprint should differ from the state in force. Images and shadings are
painted with overprint off.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary, Matrix, Name, Operator

MM = 72 / 25.4
BLACK = (0.0, 0.0, 0.0, 1.0)
TEXT_SHOW = frozenset(("Tj", "TJ", "'", '"'))
PATH_BUILD = frozenset(("m", "l", "c", "v", "y", "re", "h"))
FILLS = frozenset(("f", "F", "f*", "B", "B*", "b", "b*"))
STROKES = frozenset(("S", "s", "B", "B*", "b", "b*"))
PAINTS = FILLS | STROKES | {"n"}
UNKNOWN = None  # the overprint state a form inherits from where it is drawn


def state_name(stroke: bool, fill: bool) -> Name:
    return Name(f"/BkOP{int(stroke)}{int(fill)}")


def overprint_states(pdf) -> dict[Name, Dictionary]:
    return {
        state_name(stroke, fill): pdf.make_indirect(
            Dictionary(Type=Name.ExtGState, OP=stroke, op=fill, OPM=1)
        )
        for stroke in (False, True)
        for fill in (False, True)
    }


@dataclass
class OverprintReport:
    streams: int = 0  # content streams changed
    rich: int = 0  # black areas made rich


def _is_black(values) -> bool:
    return values is not None and len(values) == 4 and all(abs(a - b) < 1e-4 for a, b in zip(values, BLACK))


def _floats(operands) -> tuple[float, ...]:
    return tuple(float(v) for v in operands)


def _gs_overprint(resources, name) -> tuple[bool | None, bool | None]:
    """What an ExtGState sets of (OP, op): None where it sets nothing."""
    state = (resources.get("/ExtGState") or {}).get(name) if resources is not None else None
    if state is None:
        return None, None
    stroke = state.get("/OP")
    fill = state.get("/op")
    stroke_value = bool(stroke) if stroke is not None else None
    fill_value = bool(fill) if fill is not None else stroke_value
    return stroke_value, fill_value


def apply(
    pdf,
    data: bytes,
    resources,
    rich: tuple[float, ...],
    rich_from_pt: float,
    report: OverprintReport,
    *,
    form: bool = False,
):
    """The content stream with overprint set for its black, or None when nothing changes. A page
    starts black with overprint off; a `form` inherits both from where it is drawn: unknown."""
    instructions = pikepdf.parse_content_stream(pikepdf.Stream(pdf, data))
    out: list = []
    fill: tuple | None = None if form else BLACK
    stroke: tuple | None = None if form else BLACK
    ctm = Matrix()
    current: list = [UNKNOWN, UNKNOWN] if form else [False, False]  # (OP, op) in force; None: not known
    stack: list = []
    path_start: int | None = None
    path_points: list[tuple[float, float]] = []
    changed = False

    def want(stroke_op: bool, fill_op: bool, at: int | None = None) -> None:
        nonlocal changed
        if current == [stroke_op, fill_op]:
            return
        instruction = ([state_name(stroke_op, fill_op)], Operator("gs"))
        if at is None:
            out.append(instruction)
        else:
            out.insert(at, instruction)
        current[:] = [stroke_op, fill_op]
        changed = True

    for instruction in instructions:
        operator = str(instruction.operator)
        operands = instruction.operands if operator != "INLINE IMAGE" else []
        if operator == "q":
            stack.append((fill, stroke, ctm, list(current)))
        elif operator == "Q" and stack:
            fill, stroke, ctm, saved = stack.pop()
            current[:] = saved
        elif operator == "cm" and len(operands) == 6:
            ctm = Matrix(*_floats(operands)) @ ctm
        elif operator == "k":
            fill = _floats(operands)
        elif operator == "K":
            stroke = _floats(operands)
        elif operator in ("g", "rg", "sc", "scn"):
            fill = None if operator != "g" else (0.0, 0.0, 0.0, 1.0 - float(operands[0]))
            if operator in ("sc", "scn") and len(operands) == 4:
                fill = _floats(operands)
        elif operator in ("G", "RG", "SC", "SCN"):
            stroke = None if operator != "G" else (0.0, 0.0, 0.0, 1.0 - float(operands[0]))
            if operator in ("SC", "SCN") and len(operands) == 4:
                stroke = _floats(operands)
        elif operator in ("cs", "CS"):
            black = operands and operands[0] in (Name.DeviceCMYK, Name.DeviceGray)
            if operator == "cs":
                fill = BLACK if black else None
            else:
                stroke = BLACK if black else None
        elif operator == "gs" and operands:
            stroke_op, fill_op = _gs_overprint(resources, operands[0])
            if stroke_op is not None:
                current[0] = stroke_op
            if fill_op is not None:
                current[1] = fill_op
        elif operator in TEXT_SHOW:
            want(current[0] if current[0] is not None else False, _is_black(fill))
        elif operator in PATH_BUILD:
            if path_start is None:
                path_start = len(out)
                path_points = []
            numbers = _floats(operands)
            if operator == "re" and len(numbers) == 4:
                x, y, w, h = numbers
                path_points += [(x, y), (x + w, y + h), (x + w, y), (x, y + h)]
            else:
                path_points += list(zip(numbers[0::2], numbers[1::2]))
        elif operator in PAINTS:
            start = path_start if path_start is not None else len(out)
            path_start = None
            if operator != "n":
                fills, strokes = operator in FILLS, operator in STROKES
                large = fills and _is_black(fill) and _large(path_points, ctm, rich_from_pt)
                if large:  # q <rich black> <knock out> … path … paint Q
                    out.insert(start, ([], Operator("q")))
                    out.insert(start + 1, (list(rich), Operator("k")))
                    out.insert(
                        start + 2, ([state_name(strokes and _is_black(stroke), False)], Operator("gs"))
                    )
                    out.append(instruction)
                    out.append(([], Operator("Q")))
                    report.rich += 1
                    changed = True
                    continue
                stroke_op = _is_black(stroke) if strokes else (current[0] or False)
                fill_op = _is_black(fill) if fills else (current[1] or False)
                want(stroke_op, fill_op, start)
        elif operator in ("Do", "sh", "INLINE IMAGE"):
            if operator != "Do" or _is_image(resources, operands):
                want(False, False)
        out.append(instruction)
    if not changed:
        return None
    report.streams += 1
    return pikepdf.unparse_content_stream(out)


def _is_image(resources, operands) -> bool:
    xobject = (
        (resources.get("/XObject") or {}).get(operands[0]) if resources is not None and operands else None
    )
    return xobject is not None and xobject.get("/Subtype") == Name.Image


def _large(points, ctm: Matrix, threshold: float) -> bool:
    if not points:
        return False
    placed = [ctm.transform(point) for point in points]
    xs, ys = [p[0] for p in placed], [p[1] for p in placed]
    return min(max(xs) - min(xs), max(ys) - min(ys)) >= threshold


def finish(pdf, rich: tuple[float, ...], rich_from_mm: float) -> OverprintReport:
    """Every page and form of `pdf` with its black overprinted (or rich), each form once."""
    report = OverprintReport()
    states = overprint_states(pdf)
    seen: set = set()

    def resources_with_states(owner):
        resources = owner.get("/Resources")
        if resources is None:
            owner.Resources = Dictionary()
            resources = owner.Resources
        if "/ExtGState" not in resources:
            resources.ExtGState = Dictionary()
        for name, state in states.items():
            if name not in resources.ExtGState:
                resources.ExtGState[name] = state
        return resources

    def container(owner, *, is_page: bool) -> None:
        if not is_page:
            if owner.objgen in seen:
                return
            seen.add(owner.objgen)
        resources = owner.get("/Resources")
        if is_page:
            contents = owner.get("/Contents")
            parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents else []
            data = b"\n".join(part.read_bytes() for part in parts)
        else:
            data = owner.read_bytes()
        new = apply(pdf, data, resources, rich, rich_from_mm * MM, report, form=not is_page)
        if new is not None:
            resources_with_states(owner)
            if is_page:
                owner.Contents = pdf.make_stream(new)
            else:
                owner.write(new)
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            if xobject is not None and xobject.get("/Subtype") == Name.Form:
                container(xobject, is_page=False)

    for page in pdf.pages:
        container(page.obj, is_page=True)
    return report
