"""The press finisher: WeasyPrint's PDF → PDF/X-4 in CMYK with an ICC output intent.

WeasyPrint 70 only labels a file PDF/X: it writes no output intent without a @color-profile
(and its PDF/X-4 metadata carries a random document id), and it writes vector art that is not
styled by the theme (SVG: the map, QR codes, the ISBN barcode, crop marks) in DeviceRGB. This
finisher, run on the finished bytes with pikepdf:

- turns every DeviceRGB colour operator, shading, transparency group and image left on any
  page or form into DeviceCMYK: a theme colour becomes its CMYK token exactly (variables.css
  and its RGB fallbacks in colours-rgb.css pair them by name), black and neutral greys become
  K only, anything else goes through the output profile with LittleCMS;
- removes link annotations (PDF/X allows none inside the page);
- adds the output intent with the edition's CMYK ICC profile and deterministic PDF/X-4 XMP.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

from booklet.assets.theme import Black, theme_variables
from booklet.content.model import Edition
from booklet.core.resources import theme_file
from booklet.pdf.join import save_options

if TYPE_CHECKING:
    from weasyprint import Document

    from booklet.layout.parts import PartResult

DEFAULT_ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Debian: libgs-common
# Colour-setting operators in a content stream's bytes: rg/RG set an RGB colour; cs/CS set the
# colour space named by their one operand, read when it is a name at the start of the line (as
# WeasyPrint writes them: "/DeviceCMYK cs").
COLOUR_OPERATOR_NAMES = frozenset(("rg", "RG", "cs", "CS", "sc", "scn", "SC", "SCN"))
RGB_OPERATOR = re.compile(rb"\b(rg|RG)\b")
SET_SPACE = re.compile(rb"^(/[^\s/\[\]<>(){}%#]+)[ \t]+(?:cs|CS)\b", re.MULTILINE)
RGB_DEVICE_SPACES = (b"/DeviceRGB", b"/CalRGB")  # as is_rgb_space() reads a name outside the resources


# ---------------------------------------------------------------- colours


def parse_palette(styles_dir: Path) -> dict[tuple[int, int, int], tuple[float, ...]]:
    """8-bit sRGB fallback → CMYK token, paired by variable name across the two colour layers."""
    cmyk: dict[str, tuple[float, ...]] = {}
    rgb: dict[str, tuple[int, int, int]] = {}
    for name, value in theme_variables([_read(theme_file(styles_dir, "variables.css"))], "color").items():
        match = re.fullmatch(r"device-cmyk\(\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\)", value.strip())
        if match:
            cmyk[name] = tuple(float(v) for v in match.groups())
    for name, value in theme_variables([_read(theme_file(styles_dir, "colours-rgb.css"))], "color").items():
        value = value.strip().lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{6}", value):
            rgb[name] = (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    return {rgb[name]: cmyk[name] for name in rgb if name in cmyk}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@lru_cache(maxsize=4)
def _output_transform(icc: bytes):
    """The output profile and the sRGB → CMYK transform to it, built once per process (≈ 12 ms)."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return profile, ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        profile,
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


class ColourConverter:
    """sRGB → CMYK for the output profile: tokens exactly, greys as K, the rest by LittleCMS."""

    def __init__(self, icc: bytes, palette: dict[tuple[int, int, int], tuple[float, ...]]):
        self.palette = palette
        self.profile, self.transform = _output_transform(icc)
        self.convert = lru_cache(maxsize=4096)(self._convert)

    def _convert(self, rgb: tuple[int, int, int]) -> tuple[float, ...]:
        if rgb in self.palette:
            return self.palette[rgb]
        r, g, b = rgb
        if r == g == b:
            return (0.0, 0.0, 0.0, round(1 - r / 255, 4))
        from PIL import Image, ImageCms

        pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), self.transform).getpixel((0, 0))
        return tuple(round(v / 255, 4) for v in pixel)

    def operands(self, values: list) -> list[float]:
        rgb = tuple(max(0, min(255, round(float(v) * 255))) for v in values[:3])
        return list(self.convert(rgb))  # type: ignore[arg-type]

    def image(self, pil_image, source_profile: bytes | None = None):
        from PIL import ImageCms

        if source_profile:
            source = ImageCms.ImageCmsProfile(io.BytesIO(source_profile))
            transform = ImageCms.buildTransform(
                source,
                self.profile,
                "RGB",
                "CMYK",
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
            )
        else:
            transform = self.transform
        return ImageCms.applyTransform(pil_image.convert("RGB"), transform)


def is_rgb_space(space, resources=None) -> bool:
    """DeviceRGB, CalRGB, ICCBased with 3 components (also behind a resource name)."""
    if isinstance(space, Name) and resources is not None and "/ColorSpace" in resources:
        named = resources.ColorSpace.get(space)
        if named is not None:
            return is_rgb_space(named)
    if isinstance(space, Name):
        return space in (Name.DeviceRGB, Name.CalRGB)
    if isinstance(space, Array) and len(space) >= 2:
        family = space[0]
        if family == Name.ICCBased:
            return int(space[1].get("/N", 0)) == 3
        if family == Name.CalRGB:
            return True
        if family in (Name.Indexed,):
            return is_rgb_space(space[1])
    return False


# ---------------------------------------------------------------- the finisher


@dataclass
class PressReport:
    colours: int = 0  # colour operators converted
    images: int = 0  # RGB images converted
    groups: int = 0
    shadings: int = 0
    annotations: int = 0
    left: list[str] = field(default_factory=list)  # what could not be converted


def finish_press(
    source: bytes | Path,
    edition: Edition,
    icc: bytes,
    palette: dict,
    identifier: bytes,
    *,
    document_level: bool = True,
    target: Path | None = None,
    black: Black | None = None,
) -> tuple[bytes, PressReport]:
    """Every colour to CMYK, annotations dropped; with `document_level`, also the output intent and
    the PDF/X metadata (a part of the book leaves them to `finish_document` on the joined book).
    With `black` (the theme's), 100 % K text and rules overprint and large black areas print rich
    (pdf/overprint.py). Returns the finished PDF, or b"" when it is written to `target`."""
    converter = ColourConverter(icc, palette)
    report = PressReport()
    pdf = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    walk = _Walk(pdf, converter, report)
    for page in pdf.pages:
        walk.container(page.obj, is_page=True)
        if "/Annots" in page.obj:
            report.annotations += len(page.obj.Annots)
            del page.obj["/Annots"]
    if black is not None:
        from booklet.pdf import overprint

        overprint.finish(pdf, black.rich, black.rich_from_mm)
    if document_level:
        _add_output_intent(pdf, icc, converter)
        _set_metadata(pdf, edition, identifier)
    out = io.BytesIO() if target is None else target
    # a part's /ID is dropped when the parts are joined: no MD5 of its 30 MB of photographs for it
    pdf.save(
        out, **save_options(deterministic_id=document_level, static_id=not document_level, min_version="1.6")
    )
    pdf.close()
    return (out.getvalue() if target is None else b""), report


@dataclass
class PressStep:
    """A part's step in its worker (layout.parts.PartStep): every colour to CMYK, annotations dropped;
    the joined book gets its output intent and metadata from `finish_document`."""

    edition: Edition
    icc: bytes
    palette: dict
    identifier: bytes
    black: Black | None = None
    name: ClassVar[str] = "press"

    def laid_out(self, part: PartResult, document: Document) -> None:
        pass

    def written(self, part: PartResult, pdf: Path, spare: Path) -> Path:
        finish_press(
            pdf,
            self.edition,
            self.icc,
            self.palette,
            self.identifier,
            document_level=False,
            target=spare,
            black=self.black,
        )
        return spare


def finish_document(pdf, edition: Edition, icc: bytes, palette: dict, identifier: bytes) -> None:
    """The joined book's output intent and PDF/X-4 metadata (its pages are finished part by part),
    and the printer's marks and slug in registration colour beyond the bleed (pdf/marks.py)."""
    from booklet.pdf.marks import add_page_marks

    converter = ColourConverter(icc, palette)
    _add_output_intent(pdf, icc, converter)
    _set_metadata(pdf, edition, identifier)
    condition = _condition(converter)
    add_page_marks(
        pdf,
        lambda number, count: (
            f"{slug_name(edition)} · page {number}/{count} · {edition.date} · PDF/X-4 {condition}"
        ),
        edition.fonts.heading,
    )


def slug_name(edition: Edition) -> str:
    """The book's name in a slug: its title and edition."""
    return " ".join(part for part in (edition.title, edition.edition) if part)


def _condition(converter: ColourConverter) -> str:
    profile = converter.profile.profile
    return (profile.profile_description or profile.model or "CMYK").strip()


def _key(obj) -> tuple[int, int] | None:
    return obj.objgen if obj.is_indirect else None


class _Walk:
    """Every page and what its resources hold, each object converted once."""

    def __init__(self, pdf, converter: ColourConverter, report: PressReport):
        self.pdf = pdf
        self.converter = converter
        self.report = report
        self.seen: set[tuple[int, int]] = set()  # forms and images done
        self.xobjects_walked: set[tuple[int, int]] = set()  # /XObject dictionaries (or their owners) walked
        # converted content by its bytes, for streams whose conversion depends on nothing else
        # (WeasyPrint draws crop marks with one form per page, all alike): (new bytes, colours)
        self.converted: dict[bytes, tuple[bytes | None, int]] = {}

    def container(self, obj, *, is_page=False) -> None:
        """A page or form XObject: its group, its content, then everything its resources hold."""
        key = _key(obj)
        if key is not None and not is_page:
            if key in self.seen:
                return
            self.seen.add(key)
        group = obj.get("/Group")
        if group is not None and is_rgb_space(group.get("/CS")):
            group.CS = Name.DeviceCMYK
            self.report.groups += 1
        resources = obj.get("/Resources")
        if is_page:
            data = b"".join(part.read_bytes() for part in _contents(obj))
        else:
            data = obj.read_bytes()
        new = self.converted_content(data, resources)
        if new is not None:
            if is_page:
                obj.Contents = self.pdf.make_stream(new)
            else:
                obj.write(new)
        if resources is not None:
            self.walk_resources(resources)

    def converted_content(self, data: bytes, resources) -> bytes | None:
        """The content stream in CMYK, or None when it sets no RGB colour."""
        may_set_rgb, depends_on_bytes_only = _colour_operators(data, resources)
        if not may_set_rgb:
            return None
        if not depends_on_bytes_only:
            return _convert_stream(self.pdf, data, self.converter, self.report, resources)
        if data not in self.converted:
            before = self.report.colours
            new = _convert_stream(self.pdf, data, self.converter, self.report, resources)
            self.converted[data] = (new, self.report.colours - before)
            return new
        new, colours = self.converted[data]
        self.report.colours += colours
        return new

    def walk_resources(self, resources) -> None:
        for space_name, space in list((resources.get("/ColorSpace") or {}).items()):
            if is_rgb_space(space):
                resources.ColorSpace[space_name] = Name.DeviceCMYK
        xobjects = resources.get("/XObject")
        # WeasyPrint gives every page the same resources: their forms and images are walked once
        key = _key(xobjects if xobjects is not None and xobjects.is_indirect else resources)
        if key is None or key not in self.xobjects_walked:
            if key is not None:
                self.xobjects_walked.add(key)
            for xobject in (xobjects or {}).values():
                if xobject is None:
                    continue
                subtype = xobject.get("/Subtype")
                if subtype == Name.Form:
                    self.container(xobject)
                elif subtype == Name.Image:
                    _convert_image(self.pdf, xobject, self.converter, self.report, self.seen)
        for state in (resources.get("/ExtGState") or {}).values():
            mask = state.get("/SMask")
            if isinstance(mask, Dictionary) and "/G" in mask:
                self.container(mask.G)
        for pattern in (resources.get("/Pattern") or {}).values():
            if pattern.get("/PatternType") == 1:
                self.container(pattern)
            elif "/Shading" in pattern:
                _convert_shading(pattern.Shading, self.converter, self.report)
        for shading in (resources.get("/Shading") or {}).values():
            _convert_shading(shading, self.converter, self.report)


def _colour_operators(data: bytes, resources) -> tuple[bool, bool]:
    """From a content stream's bytes: whether it may set an RGB colour (_convert_stream would
    change it), and whether its conversion depends on its bytes only (no colour space looked up
    in the resources). Anything not plain errs towards parsing the stream."""
    if b"%" in data:  # a comment could stand between an operand and its operator
        return True, False
    spaces = SET_SPACE.findall(data)
    if len(spaces) != data.count(b"cs") + data.count(b"CS"):  # a cs/CS whose operand was not read
        return True, False
    named = resources.get("/ColorSpace") if resources is not None else None
    names = {str(name).encode("latin-1", "replace") for name in named.keys()} if named else set()
    if any(space in names for space in spaces):
        return True, False
    may_set_rgb = any(space in RGB_DEVICE_SPACES for space in spaces) or (
        (b"rg" in data or b"RG" in data) and RGB_OPERATOR.search(data) is not None
    )
    return may_set_rgb, True


def _contents(page) -> list:
    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, Array) else [contents]


def _convert_stream(
    pdf, data: bytes, converter: ColourConverter, report: PressReport, resources
) -> bytes | None:
    instructions = pikepdf.parse_content_stream(pikepdf.Stream(pdf, data))
    changed = False
    rgb_space = {"fill": False, "stroke": False}
    for index, instruction in enumerate(instructions):
        name = str(instruction.operator)
        if name not in COLOUR_OPERATOR_NAMES:
            continue  # left as parsed: its operands are not even read into Python
        operands, op = list(instruction.operands), instruction.operator
        if name in ("rg", "RG") and len(operands) == 3:
            operands, op = converter.operands(operands), Operator("k" if name == "rg" else "K")
            changed = True
            report.colours += 1
        elif name in ("cs", "CS") and operands:
            which = "fill" if name == "cs" else "stroke"
            rgb_space[which] = is_rgb_space(operands[0], resources)
            if rgb_space[which]:
                operands = [Name.DeviceCMYK]
                changed = True
        elif name in ("sc", "scn", "SC", "SCN") and rgb_space["fill" if name.islower() else "stroke"]:
            if len(operands) == 3:
                operands = converter.operands(operands)
                report.colours += 1
        instructions[index] = (operands, op)
    return pikepdf.unparse_content_stream(instructions) if changed else None


def _convert_shading(shading, converter: ColourConverter, report: PressReport) -> None:
    """Axial and radial shadings whose functions are exponential (type 2) or stitched ones."""
    if not is_rgb_space(shading.get("/ColorSpace")):
        return
    functions = shading.get("/Function")
    parts = [functions] if isinstance(functions, Dictionary) else list(functions or [])
    flat = []
    for function in parts:
        flat.extend(function.Functions if function.get("/FunctionType") == 3 else [function])
    if not flat or any(f.get("/FunctionType") != 2 for f in flat):
        report.left.append("an RGB shading with a function the finisher cannot convert")
        return
    for function in flat:
        for end in ("/C0", "/C1"):
            values = function.get(end) or ([0, 0, 0] if end == "/C0" else [1, 1, 1])
            function[end] = Array(converter.operands(list(values)))
    shading.ColorSpace = Name.DeviceCMYK
    report.shadings += 1


def _convert_image(pdf, image, converter: ColourConverter, report: PressReport, seen) -> None:
    key = _key(image)
    if key is not None:
        if key in seen:
            return
        seen.add(key)
    space = image.get("/ColorSpace")
    if not is_rgb_space(space):
        return
    from pikepdf import PdfImage

    source_profile = None
    if isinstance(space, Array) and space[0] == Name.ICCBased:
        source_profile = space[1].read_bytes()
    try:
        pil = PdfImage(image).as_pil_image()
    except Exception as exc:
        report.left.append(f"an RGB image that cannot be decoded ({type(exc).__name__})")
        return
    cmyk = converter.image(pil, source_profile)
    buffer = io.BytesIO()
    cmyk.save(buffer, format="JPEG", quality=90)
    image.write(buffer.getvalue(), filter=Name.DCTDecode)
    image.ColorSpace = Name.DeviceCMYK
    image.BitsPerComponent = 8
    image.Decode = Array([1, 0] * 4)  # Pillow writes Adobe (inverted) CMYK JPEGs
    for stale in ("/DecodeParms", "/SMaskInData"):
        if stale in image:
            del image[stale]
    report.images += 1


# ---------------------------------------------------------------- output intent and metadata


def _add_output_intent(pdf, icc: bytes, converter: ColourConverter) -> None:
    name = _condition(converter)
    stream = pdf.make_stream(icc)
    stream.N = 4
    stream.Alternate = Name.DeviceCMYK
    pdf.Root.OutputIntents = Array(
        [
            Dictionary(
                Type=Name.OutputIntent,
                S=Name.GTS_PDFX,
                OutputConditionIdentifier=pikepdf.String(name),
                OutputCondition=pikepdf.String(name),
                Info=pikepdf.String(name),
                RegistryName=pikepdf.String("http://www.color.org"),
                DestOutputProfile=stream,
            )
        ]
    )


def document_identifier(edition: Edition) -> bytes:
    """A stable identity for the edition: the same inputs give the same XMP document id."""
    from booklet.core.stamps import pdf_identifier

    return pdf_identifier(edition)


def _set_metadata(pdf, edition: Edition, identifier: bytes) -> None:
    """PDF/X-4 XMP, deterministic: dates from the edition, ids from the document identifier."""
    digest = hashlib.sha256(identifier).hexdigest()
    document_id = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    from booklet.core.stamps import w3c_date

    date = w3c_date(edition)  # the edition's date, or SOURCE_DATE_EPOCH
    title = _xml(edition.title + (f" — {edition.subtitle}" if edition.subtitle else ""))
    xmp = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>booklet</xmp:CreatorTool>
   <xmpMM:DocumentID>{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{document_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdf:Producer>{_xml(str(pdf.docinfo.get("/Producer", "WeasyPrint")))}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    metadata = pdf.make_stream(xmp.encode("utf-8"))
    metadata.Type = Name.Metadata
    metadata.Subtype = Name.XML
    pdf.Root.Metadata = metadata
    pdf.docinfo[Name.Trapped] = Name("/False")
    pdf.docinfo[Name.GTS_PDFXVersion] = pikepdf.String("PDF/X-4")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- the edition's press settings


def output_profile(edition: Edition, edition_file: Path, root: Path, report) -> bytes | None:
    """The CMYK ICC profile the edition names (a file in the project), or the default one."""
    from PIL import ImageCms

    from booklet.content.sources import SourceError, load_source

    def where():
        try:
            return load_source(edition_file, root).locate(("icc_profile",))
        except SourceError:
            return None

    if edition.icc_profile is None:
        if not DEFAULT_ICC.is_file():
            report.error(
                "edition.icc-profile",
                f"the default CMYK profile {DEFAULT_ICC} is not installed",
                hint="install the Debian package libgs-common (make system), or name one in icc_profile",
            )
            return None
        return DEFAULT_ICC.read_bytes()
    path = (root / edition.icc_profile).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        report.error(
            "edition.icc-profile",
            f"ICC profile {edition.icc_profile!r} is not a file in the project",
            location=where(),
            field="icc_profile",
        )
        return None
    data = path.read_bytes()
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
    except (OSError, ImageCms.PyCMSError):
        report.error(
            "edition.icc-profile",
            f"{edition.icc_profile} is not an ICC profile",
            location=where(),
            field="icc_profile",
        )
        return None
    if profile.xcolor_space.strip() != "CMYK" or profile.device_class.strip() != "prtr":
        report.error(
            "edition.icc-profile",
            f"{edition.icc_profile} is a {profile.xcolor_space.strip()} {profile.device_class.strip()} "
            "profile; the press needs a CMYK output (printer) profile",
            location=where(),
            field="icc_profile",
        )
        return None
    return data
