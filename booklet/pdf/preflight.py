"""Preflight: read the finished PDF back and check what a print shop checks.

Fonts embedded and none Type 3; the effective resolution of every placed image; no RGB left in a
press PDF (colour operators, images, shadings, transparency groups); TrimBox and BleedBox with at
least 3 mm of bleed; images that touch the trim edge reach the bleed; an output intent; a page
count that is a multiple of the edition's signature. Each check passes, warns or fails;
`--strict` makes a failure stop the build.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pikepdf
from pikepdf import Array, Dictionary, Matrix, Name

from booklet.engine.patches.fontsubset import deferred_face
from booklet.pdf.press import is_rgb_space

MM = 72 / 25.4
MIN_BLEED_MM = 3.0
PPI_WARN = 300
PPI_FAIL = 200
EDGE = 0.5  # pt: an image closer than this to the trim edge is meant to bleed
# The operators the page walk looks at: the parser drops the others (text, paths) before Python.
# An inline image (BI … ID … EI) comes back as one instruction, "INLINE IMAGE".
CHECKED_OPERATORS = "q Q cm rg RG cs CS BI ID EI Do k g sc scn gs Tj TJ ' \""
TEXT_SHOW = frozenset(("Tj", "TJ", "'", '"'))

Status = Literal["pass", "warn", "fail"]


@dataclass
class Check:
    name: str
    status: Status = "pass"
    summary: str = ""
    details: list[str] = field(default_factory=list)

    def worse(self, status: Status, detail: str) -> None:
        order = {"pass": 0, "warn": 1, "fail": 2}
        if order[status] > order[self.status]:
            self.status = status
        self.details.append(detail)


@dataclass
class PlacedImage:
    page: int  # 1-based
    name: str  # the XObject name, e.g. /i12
    pixels: tuple[int, int]
    size_pt: tuple[float, float]
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 in page space
    ppi: float
    source: str | None = None  # the photo it was made from (the build's cached file, matched by its bytes)


@dataclass
class Preflight:
    profile: str
    pages: int
    checks: list[Check]
    images: list[PlacedImage]
    inks: dict | None = None  # the press PDF's total ink and plate coverage per page (pdf/inks.py)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def to_json(self) -> bytes:
        data = {
            "profile": self.profile,
            "pages": self.pages,
            "passed": not self.failures,
            "checks": [asdict(c) for c in self.checks],
            "images": [asdict(i) for i in self.images],
        }
        if self.inks is not None:
            data["inks"] = self.inks
        return json.dumps(data, ensure_ascii=False, indent=1).encode()

    def lines(self) -> list[str]:
        out = []
        for check in self.checks:
            out.append(f"preflight {check.status:4}  {check.name}: {check.summary}")
            if check.status != "pass":
                out.extend(f"    {detail}" for detail in check.details[:8])
                if len(check.details) > 8:
                    out.append(f"    … and {len(check.details) - 8} more (see the .preflight.json)")
        return out


def preflight(
    pdf_bytes: bytes | Path,
    *,
    press: bool,
    bleed: bool,
    page_multiple: int = 4,
    image_names: dict[str, str] | None = None,
    ppi_warn: int = PPI_WARN,
    ppi_fail: int = PPI_FAIL,
    profile: str = "print",
) -> Preflight:
    """Check a finished PDF. `image_names` maps the sha256 of a file the build embedded as an image
    (the stream's bytes are the cached JPEG's bytes) to the source photo it was made from."""
    pdf = pikepdf.open(pdf_bytes if isinstance(pdf_bytes, Path) else io.BytesIO(pdf_bytes))
    walk = _Walk(image_names or {})
    for number, page in enumerate(pdf.pages, start=1):
        walk.page(number, page)
    checks = [
        _fonts(walk),
        _resolution(walk, ppi_warn, ppi_fail),
        _pages(len(pdf.pages), page_multiple),
    ]
    if press:
        checks += [_rgb(walk), _output_intent(pdf), _black_overprint(walk)]
    if bleed:
        checks += [_boxes(pdf), _bleed_reach(pdf, walk)]
    return Preflight(profile, len(pdf.pages), checks, walk.images)


# ---------------------------------------------------------------- walking the pages


class _Walk:
    """Every page's content and the forms it draws, with the graphics state's matrix."""

    def __init__(self, image_names: dict[str, str] | None = None):
        self.image_names = image_names or {}
        self._sources: dict[tuple[int, int], str | None] = {}  # image object → its source photo
        self.fonts: dict[tuple, tuple[str, str, bool]] = {}  # key → (name, subtype, embedded)
        self.images: list[PlacedImage] = []
        self.rgb: list[str] = []
        self._rgb_seen: set = set()
        self.knockouts: dict[int, int] = {}  # page → pieces of 100 % K text that knock out

    def page(self, number: int, page) -> None:
        self._number = number
        group = page.obj.get("/Group")
        if group is not None and is_rgb_space(group.get("/CS")):
            self._flag(("group", number), f"page {number}: transparency group in RGB")
        self._content(page, page.obj.get("/Resources"), Matrix(), depth=0, black=(True, False))

    def _flag(self, key, message: str) -> None:
        if key not in self._rgb_seen:
            self._rgb_seen.add(key)
            self.rgb.append(message)

    def _content(self, stream_owner, resources, ctm: Matrix, depth: int, black: tuple[bool, bool]) -> None:
        """`black`: whether the fill colour is 100 % K, and whether fills overprint, where it starts."""
        if depth > 12:
            return
        resources = resources if resources is not None else Dictionary()
        self._resources(resources)
        stack: list[tuple[Matrix, bool, bool]] = []
        fill_black, overprint = black
        for instruction in pikepdf.parse_content_stream(stream_owner, CHECKED_OPERATORS):
            name = str(instruction.operator)
            operands = instruction.operands
            if name == "q":
                stack.append((ctm, fill_black, overprint))
            elif name == "Q":
                ctm, fill_black, overprint = stack.pop() if stack else (ctm, fill_black, overprint)
            elif name in ("k", "sc", "scn", "g"):
                values = [float(v) for v in operands if isinstance(v, (int, float, Decimal))]
                fill_black = values in ([0, 0, 0, 1], [0]) if name != "g" else values == [0]
            elif name == "gs" and operands:
                state = (resources.get("/ExtGState") or {}).get(operands[0])
                if state is not None and ("/op" in state or "/OP" in state):
                    overprint = bool(state.get("/op", state.get("/OP")))
            elif name in TEXT_SHOW:
                if fill_black and not overprint:
                    self.knockouts.setdefault(self._number, 0)
                    self.knockouts[self._number] += 1
            elif name == "cm":
                ctm = Matrix(*[float(v) for v in operands]) @ ctm
            elif name in ("rg", "RG"):
                self._flag(("op", self._number, name), f"page {self._number}: DeviceRGB colour ({name})")
            elif name in ("cs", "CS"):
                rgb = is_rgb_space(operands[0], resources)
                if name == "cs":
                    fill_black = operands[0] in (Name.DeviceCMYK, Name.DeviceGray)
                if rgb:
                    self._flag(("cs", self._number, name), f"page {self._number}: RGB colour space ({name})")
            elif name == "INLINE IMAGE":
                self._flag(("inline", self._number), f"page {self._number}: inline image")
            elif name == "Do":
                xobject = (resources.get("/XObject") or {}).get(operands[0])
                if xobject is None:
                    continue
                if xobject.get("/Subtype") == Name.Image:
                    self._image(str(operands[0]), xobject, ctm)
                elif xobject.get("/Subtype") == Name.Form:
                    matrix = Matrix(*[float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])])
                    group = xobject.get("/Group")
                    if group is not None and is_rgb_space(group.get("/CS")):
                        self._flag(
                            ("fgroup", xobject.objgen), f"page {self._number}: form transparency group in RGB"
                        )
                    self._content(
                        xobject, xobject.get("/Resources"), matrix @ ctm, depth + 1, (fill_black, overprint)
                    )

    def _resources(self, resources) -> None:
        for font in (resources.get("/Font") or {}).values():
            key = font.objgen if font.is_indirect else (id(font),)
            if key in self.fonts:
                continue
            subtype = str(font.get("/Subtype"))
            target = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = target.get("/FontDescriptor")
            programs = [
                descriptor[k]
                for k in ("/FontFile", "/FontFile2", "/FontFile3")
                if descriptor is not None and k in descriptor
            ]
            # a part's stand-in for a font the join embeds once (engine/patches/fontsubset.py) is not a font
            embedded = bool(programs) and not any(deferred_face(program) for program in programs)
            self.fonts[key] = (str(font.get("/BaseFont", "?")), subtype, embedded)
        for space in (resources.get("/ColorSpace") or {}).values():
            if is_rgb_space(space):
                self._flag(("space", id(space)), f"page {self._number}: RGB colour space resource")
        for shading in (resources.get("/Shading") or {}).values():
            if is_rgb_space(shading.get("/ColorSpace")):
                self._flag(("shading", self._number), f"page {self._number}: RGB shading")
        for state in (resources.get("/ExtGState") or {}).values():
            mask = state.get("/SMask")
            if isinstance(mask, Dictionary) and "/G" in mask:
                group = mask.G.get("/Group")
                if group is not None and is_rgb_space(group.get("/CS")):
                    self._flag(("smask", self._number), f"page {self._number}: soft mask group in RGB")

    def _image(self, name: str, image, ctm: Matrix) -> None:
        width, height = int(image.Width), int(image.Height)
        corners = [ctm.transform((x, y)) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        # the unit square's sides as drawn: the image's placed width and height in points
        w_pt = (ctm.a**2 + ctm.b**2) ** 0.5
        h_pt = (ctm.c**2 + ctm.d**2) ** 0.5
        ppi = min(width / (w_pt / 72) if w_pt else 0, height / (h_pt / 72) if h_pt else 0)
        self.images.append(
            PlacedImage(
                self._number,
                name,
                (width, height),
                (round(w_pt, 2), round(h_pt, 2)),
                (round(min(xs), 2), round(min(ys), 2), round(max(xs), 2), round(max(ys), 2)),
                round(ppi, 1),
                self._source(image),
            )
        )
        if is_rgb_space(image.get("/ColorSpace")):
            self._flag(("image", image.objgen), f"page {self._number}: RGB image {name} ({width}×{height})")

    def _source(self, image) -> str | None:
        """The source photo of an image XObject: its encoded bytes are those of one cached file."""
        if not self.image_names:
            return None
        key = image.objgen if image.is_indirect else (id(image), 0)
        if key not in self._sources:
            digest = hashlib.sha256(image.read_raw_bytes()).hexdigest()
            self._sources[key] = self.image_names.get(digest)
        return self._sources[key]


# ---------------------------------------------------------------- checks


def _fonts(walk: _Walk) -> Check:
    check = Check("fonts")
    for name, subtype, embedded in walk.fonts.values():
        if subtype == "/Type3":
            check.worse("fail", f"{name}: Type 3 font")
        elif not embedded:
            check.worse("fail", f"{name}: not embedded")
    check.summary = (
        f"{len(walk.fonts)} fonts, all embedded, none Type 3"
        if check.status == "pass"
        else f"{len(check.details)} of {len(walk.fonts)} fonts unusable"
    )
    return check


def _resolution(walk: _Walk, warn: int, fail: int) -> Check:
    check = Check("image resolution")
    for image in walk.images:
        if image.ppi >= warn:
            continue
        label = image.source or f"image {image.name}"
        status: Status = "fail" if image.ppi < fail else "warn"
        check.worse(
            status,
            f"page {image.page}: {label}: {image.ppi:.0f} ppi effective "
            f"({image.pixels[0]}×{image.pixels[1]} px on {image.size_pt[0] / MM:.0f}×"
            f"{image.size_pt[1] / MM:.0f} mm)",
        )
    low = len(check.details)
    check.summary = (
        f"{len(walk.images)} placed images, all ≥ {warn} ppi"
        if not low
        else f"{low} of {len(walk.images)} placed images under {warn} ppi"
    )
    return check


def _pages(count: int, multiple: int) -> Check:
    check = Check("page count", summary=f"{count} pages, a multiple of {multiple}")
    if count % multiple:
        check.worse("fail", f"{count} pages is not a multiple of {multiple}")
        check.summary = f"{count} pages, not a multiple of {multiple}"
    return check


def _rgb(walk: _Walk) -> Check:
    check = Check("no RGB", summary="no RGB on any page")
    for message in walk.rgb:
        check.worse("fail", message)
    if walk.rgb:
        check.summary = f"{len(walk.rgb)} RGB objects left"
    return check


def ink_check(inks, problem: str | None = None) -> Check:
    """Total area coverage: a page with at least MIN_AREA_MM2 over the limit fails."""
    from booklet.pdf.inks import MIN_AREA_MM2

    check = Check("total ink")
    if inks is None:
        check.worse("warn", problem or "not measured")
        check.summary = f"not measured: {problem}"
        return check
    for page in inks.failing:
        check.worse(
            "fail",
            f"page {page.page}: total ink up to {page.max_percent:.0f} %, {page.over_mm2:.1f} mm² over "
            f"the {inks.limit} % limit",
        )
    highest = max(inks.pages, key=lambda page: page.max_percent, default=None)
    peak = f"{highest.max_percent:.0f} % on page {highest.page}" if highest else "no pages"
    check.summary = (
        f"at most {peak}, within the {inks.limit} % limit (measured at {inks.dpi} dpi)"
        if check.status == "pass"
        else f"{len(inks.failing)} pages over the {inks.limit} % limit (≥ {MIN_AREA_MM2:g} mm²); at most {peak}"
    )
    return check


def _black_overprint(walk: _Walk) -> Check:
    """100 % K text must overprint (a misregistered knock-out shows a white halo round each letter)."""
    check = Check("black overprint", summary="100 % K text overprints on every page")
    for page, count in sorted(walk.knockouts.items()):
        check.worse("fail", f"page {page}: {count} runs of 100 % K text knock out (no /op, /OPM 1)")
    if walk.knockouts:
        check.summary = f"100 % K text knocks out on {len(walk.knockouts)} pages"
    return check


def _output_intent(pdf) -> Check:
    check = Check("output intent")
    intents = pdf.Root.get("/OutputIntents") or Array()
    for intent in intents:
        profile = intent.get("/DestOutputProfile")
        if intent.get("/S") == Name.GTS_PDFX and profile is not None:
            n = int(profile.get("/N", 0))
            check.summary = f"PDF/X output intent {intent.get('/OutputConditionIdentifier')}, {n} components"
            if n != 4:
                check.worse("fail", "the output intent's profile is not CMYK")
            return check
    check.worse("fail", "no PDF/X output intent with a destination profile")
    check.summary = "missing"
    return check


def _box(page, name: str):
    box = page.obj.get(name)
    return [float(v) for v in box] if box is not None else None


def _boxes(pdf) -> Check:
    check = Check("trim and bleed")
    smallest = None
    for number, page in enumerate(pdf.pages, start=1):
        trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        if trim is None or bleed is None:
            check.worse("fail", f"page {number}: {'TrimBox' if trim is None else 'BleedBox'} missing")
            continue
        margins = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
        least = min(margins) / MM
        smallest = least if smallest is None else min(smallest, least)
        if least < MIN_BLEED_MM - 0.01:
            check.worse("fail", f"page {number}: bleed {least:.1f} mm, under {MIN_BLEED_MM:.0f} mm")
    check.summary = (
        f"TrimBox and BleedBox on every page, bleed ≥ {smallest:.1f} mm"
        if check.status == "pass"
        else f"{len(check.details)} pages without proper boxes"
    )
    return check


def _bleed_reach(pdf, walk: _Walk) -> Check:
    """An image that touches or crosses a trim edge must run on to the bleed edge."""
    check = Check("images reach the bleed")
    bleeding = 0
    for image in walk.images:
        page = pdf.pages[image.page - 1]
        trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        if trim is None or bleed is None:
            continue
        x0, y0, x1, y1 = image.bbox
        sides = {
            "left": (x0 <= trim[0] + EDGE, x0 <= bleed[0] + EDGE),
            "bottom": (y0 <= trim[1] + EDGE, y0 <= bleed[1] + EDGE),
            "right": (x1 >= trim[2] - EDGE, x1 >= bleed[2] - EDGE),
            "top": (y1 >= trim[3] - EDGE, y1 >= bleed[3] - EDGE),
        }
        touching = [side for side, (at_trim, _) in sides.items() if at_trim]
        if touching:
            bleeding += 1
        short = [side for side, (at_trim, at_bleed) in sides.items() if at_trim and not at_bleed]
        if short:
            check.worse(
                "fail", f"page {image.page}: image {image.name} stops at the trim on the {', '.join(short)}"
            )
    check.summary = (
        f"{bleeding} images at the trim edge, all run on to the bleed"
        if check.status == "pass"
        else f"{len(check.details)} images stop at the trim edge"
    )
    return check
