"""Image files checked before layout: format by magic bytes, size caps, integrity, safe SVG.

Every check reads the file itself, never trusts its name: a photo must be a JPEG, PNG,
TIFF, WebP or SVG whose content agrees with its suffix; rasters stay under a pixel cap
well below Pillow's decompression-bomb threshold and must decode to the end (a truncated
JPEG is refused); SVG is parsed without DTDs or entities and may refer only to its own
fragments, small data: URLs and regular files inside the project.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from booklet.core.files import remember
from booklet.core.parallel import map_in_processes

MAX_PIXELS = 50_000_000  # Pillow warns at 89 M and refuses at 179 M; the largest scans are ~40 M
MAX_BYTES = 200 * 1024 * 1024
MAX_SVG_BYTES = 5 * 1024 * 1024
MAX_SVG_ELEMENTS = 100_000
MAX_DATA_URL = 64 * 1024

SUFFIXES = {
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".webp": "webp",
    ".svg": "svg",
}
_MAGIC = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
_SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml|<svg|<!--|<!DOCTYPE\s+svg)", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_STANDARD_DOCTYPE = re.compile(  # the W3C's own DTD, which no parser here loads
    rb'<!DOCTYPE\s+svg(\s+PUBLIC\s+"[^"]*"\s+"https?://www\.w3\.org/[^"]*")?\s*>', re.IGNORECASE
)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]*)|@import\s+['"]([^'"]*)""", re.IGNORECASE)
_XLINK = "{http://www.w3.org/1999/xlink}href"
_SVG_NS = "{http://www.w3.org/2000/svg}"


class ImageProblem(Exception):
    """Why an image cannot be used; the message is shown to the author."""


@dataclass(frozen=True)
class Inspection:
    format: str  # jpeg, png, tiff, webp, svg
    width: float | None
    height: float | None
    decoded: bool = True  # False: the header alone was read

    @property
    def ratio(self) -> float | None:
        return self.height / self.width if self.width and self.height else None


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file say it is."""
    found = next((fmt for magic, fmt in _MAGIC.items() if head.startswith(magic)), None)
    if found:
        return found
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _SVG_START.match(head):  # XML; the SVG check then insists on an <svg> root
        return "svg"
    return None


def inspect_image(real: Path, expected: str, root: Path, *, decode: bool = True) -> Inspection:
    """Check the regular file `real` (already resolved inside `root`) is a usable `expected` image.
    With decode=False a raster image's header alone is read (format, pixel cap): a build decodes
    every photo it converts anyway (assets/photos.py), and refuses a damaged one then."""
    size = real.stat().st_size
    if size == 0:
        raise ImageProblem("the file is empty")
    if size > MAX_BYTES:
        raise ImageProblem(f"the file is {size // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB cap")
    with real.open("rb") as handle:
        head = handle.read(1024)
    found = sniff(head)
    if found != expected:
        raise ImageProblem(f"the file's content is {found or 'not an image'}, not {expected}")
    if found == "svg":
        return _inspect_svg(real, root)
    return _inspect_raster(real, found, decode)


def decode_problem(exc: Exception) -> str:
    """What a decoder failure means to the author."""
    detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
    return f"cannot be read: {detail} (damaged or truncated file?)"


@contextlib.contextmanager
def truncation_refused():
    """Pillow raises on a truncated image (WeasyPrint makes it tolerant when imported)."""
    from PIL import ImageFile

    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _inspect_raster(real: Path, fmt: str, decode: bool = True) -> Inspection:
    from PIL import Image as PILImage

    try:
        with truncation_refused(), warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(real) as opened:
                width, height = opened.size
                if fmt in ("jpeg", "tiff") and opened.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # sideways
                    width, height = height, width
                if width * height > MAX_PIXELS:
                    raise ImageProblem(f"{width}×{height} pixels is over the {MAX_PIXELS:,} pixel cap")
                if not decode:
                    return Inspection(fmt, width, height, decoded=False)
                if fmt == "jpeg":  # decode at 1/8 scale: cheap, but reads every byte of the scan data
                    opened.draft(opened.mode, (max(1, width // 8), max(1, height // 8)))
                    opened.load()
                    if not jpeg_complete(real.read_bytes()):
                        raise OSError(JPEG_CUT)
                elif fmt == "png":  # chunk CRCs and the end of the file, without decoding
                    opened.verify()
                else:
                    opened.load()
    except ImageProblem:
        raise
    except PILImage.DecompressionBombError:
        raise ImageProblem(f"over the {MAX_PIXELS:,} pixel cap") from None
    except Exception as exc:
        raise ImageProblem(decode_problem(exc)) from None
    return Inspection(fmt, width, height)


JPEG_CUT = "image file is truncated (no end marker)"


def jpeg_complete(data: bytes) -> bool:
    """Whether the last scan of a JPEG is followed by its end-of-image marker (FF D9). Scan data
    never holds FF D9 (an FF in it is followed by 00 or a restart marker), so a file cut short,
    even by the two bytes of the marker only, has none after its last start-of-scan (FF DA); data
    a camera appends after the end marker does not matter."""
    return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") >= 0


def _inspect_svg(real: Path, root: Path) -> Inspection:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    data = real.read_bytes()
    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem(f"the SVG is over the {MAX_SVG_BYTES // 2**20} MiB cap")
    doctypes = list(_DOCTYPE.finditer(data))
    if doctypes and (len(doctypes) > 1 or not _STANDARD_DOCTYPE.match(data, doctypes[0].start())):
        raise ImageProblem("SVG with its own DOCTYPE (entities, external DTD) is refused")
    try:
        tree = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ImageProblem("SVG with entities or external references is refused") from None
    except SafeET.ParseError as exc:
        raise ImageProblem(f"not well-formed SVG ({exc})") from None
    if tree.tag not in (f"{_SVG_NS}svg", "svg"):
        raise ImageProblem("the XML file is not an SVG image")
    count = 0
    for element in tree.iter():
        count += 1
        if count > MAX_SVG_ELEMENTS:
            raise ImageProblem(f"the SVG has more than {MAX_SVG_ELEMENTS:,} elements")
        for name in ("href", _XLINK, "src"):
            if element.get(name):
                _check_reference(element.get(name), real, root)
        css = (element.get("style") or "") + (element.text or "" if element.tag.endswith("style") else "")
        for match in _CSS_URL.finditer(css):
            _check_reference(match.group(1) or match.group(2) or "", real, root)
    return Inspection("svg", *_svg_size(tree))


def _check_reference(url: str, svg: Path, root: Path) -> None:
    """An SVG may use its own fragments, small data: URLs and regular files inside the project."""
    url = url.strip()
    if not url or url.startswith("#"):
        return
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        if len(url) > MAX_DATA_URL:
            raise ImageProblem("the SVG holds a data: URL over 64 KiB")
        return
    if scheme not in ("", "file") or parts.netloc not in ("", "localhost"):
        raise ImageProblem(f"the SVG refers to {url[:80]!r}; only files inside the project may be used")
    target = Path(unquote(parts.path))
    target = target if target.is_absolute() else svg.parent / target
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ImageProblem(f"the SVG refers to {url[:80]!r}, which does not exist") from None
    if not real.is_relative_to(root) or not real.is_file():
        raise ImageProblem(f"the SVG refers to {url[:80]!r}, outside the project or not a regular file")


def _svg_size(tree) -> tuple[float | None, float | None]:
    box = (tree.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return float(box[2]), float(box[3])
        except ValueError:
            pass
    try:
        return (
            float(re.sub(r"[a-z%]+$", "", tree.get("width", ""))),
            float(re.sub(r"[a-z%]+$", "", tree.get("height", ""))),
        )
    except ValueError:
        return None, None


def inspect_image_cached(real: Path, expected: str, root: Path) -> Inspection:
    """inspect_image, remembered in <root>/.cache/imagecheck/ by the file's identity (path, size,
    modification time, inode): decoding every photo to find truncation takes seconds for a book,
    and an unchanged file needs it once. Only files that passed are remembered."""
    remembered, cached = _remembered(real, expected, root)
    if remembered is not None:
        return remembered
    found = inspect_image(real, expected, root)
    _remember(cached, found)
    return found


def remember_inspection(real: Path, expected: str, root: Path, found: Inspection) -> None:
    """Remember that the file as it is now passed (the image pipeline decoded it whole)."""
    try:
        _remember(_remembered(real, expected, root)[1], found)
    except OSError:
        pass


def _remember(cached: Path, found: Inspection) -> None:
    remember(
        cached, json.dumps({"format": found.format, "width": found.width, "height": found.height}).encode()
    )


def inspect_images_cached(
    files: Sequence[tuple[Path, str]], root: Path, *, workers: int | None = None, decode: bool = True
) -> list[Inspection | ImageProblem | OSError]:
    """inspect_image_cached for each (real, expected) in `files`: the remembered ones looked up
    here, the others inspected over the cores. Each outcome is the Inspection, or the ImageProblem
    or OSError that refused the file, in the order of `files`. With decode=False the files not
    remembered have their headers read here (inspect_image), and are not remembered."""
    outcomes: list[Inspection | ImageProblem | OSError | None] = []
    for real, expected in files:
        try:
            outcomes.append(_remembered(real, expected, root)[0])
        except OSError as exc:
            outcomes.append(exc)
    missing = [i for i, outcome in enumerate(outcomes) if outcome is None]
    if missing and not decode:
        for i in missing:
            outcomes[i] = _inspect_outcome((*files[i], root), decode=False)
    elif missing:
        from PIL import Image, ImageFile  # noqa: F401 - imported once, before the fork

        inspected = map_in_processes(_inspect_outcome, [(*files[i], root) for i in missing], workers=workers)
        for i, outcome in zip(missing, inspected):
            outcomes[i] = outcome
    return outcomes  # type: ignore[return-value]


def _inspect_outcome(job: tuple[Path, str, Path], decode: bool = True) -> Inspection | ImageProblem | OSError:
    try:
        return inspect_image_cached(*job) if decode else inspect_image(*job, decode=False)
    except (ImageProblem, OSError) as exc:
        return exc


def _remembered(real: Path, expected: str, root: Path) -> tuple[Inspection | None, Path]:
    """The remembered inspection of the file as it is now (or None), and where it is remembered."""
    stat = real.stat()
    key = hashlib.sha256(
        f"{real}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}|{expected}|upright".encode()
    ).hexdigest()
    cached = root / ".cache" / "imagecheck" / f"{key}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        return Inspection(data["format"], data["width"], data["height"]), cached
    except (OSError, ValueError, KeyError, TypeError):
        return None, cached
