"""Total ink and separations: the press PDF rendered back to its four plates, measured.

Ghostscript's `tiffsep` device (Debian: ghostscript) renders every page's BleedBox (the marks
beyond it print on every plate and are left out) to one 8-bit plate per process ink, simulating
overprint as the press prints it. From the plates: each page's total area coverage (C+M+Y+K, in
%) at every pixel — its maximum and the area over the limit —, the coverage of each plate (its
mean ink over the page, and the share of the page it prints on at all: what Ghostscript's
`inkcov` device reports) and a thumbnail strip of the four plates (C, M, Y, K) for the proof report.

The limit is the edition's `ink_limit:`, else the output profile's: 300 % for PSO Coated v3 (and
any profile whose name says "300%"), 330 % for ISO Coated v2, 320 % for SWOP (Ghostscript's
default profile is SWOP), 300 % for any other.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

PLATES = ("Cyan", "Magenta", "Yellow", "Black")
DPI = 150  # the resolution the plates are measured at (a 0.17 mm pixel)
THUMB_WIDTH = 90  # px, one plate's thumbnail
MIN_AREA_MM2 = 1.0  # a page fails when at least this much of it is over the limit
PROFILE_LIMITS = (  # (pattern in the profile's description, limit in %), first match wins
    (r"(\d{3})\s*%", None),  # a limit written in the name: "ISO Coated v2 300% (ECI)"
    (r"PSO\s*Coated\s*v3", 300),
    (r"ISO\s*Coated\s*v2", 330),
    (r"SWOP", 320),
)
DEFAULT_LIMIT = 300


def profile_limit(description: str) -> int:
    """The total ink limit (%) of an output profile, from its description."""
    for pattern, limit in PROFILE_LIMITS:
        match = re.search(pattern, description, re.IGNORECASE)
        if match:
            return int(match.group(1)) if limit is None else limit
    return DEFAULT_LIMIT


def icc_description(icc: bytes) -> str:
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
    except (OSError, ImageCms.PyCMSError):
        return ""
    return (profile.profile_description or profile.model or "").strip()


def ink_limit(edition_limit: int | None, icc: bytes) -> int:
    return edition_limit if edition_limit is not None else profile_limit(icc_description(icc))


@dataclass
class PageInk:
    page: int
    max_percent: float  # the highest C+M+Y+K of any pixel
    over_mm2: float  # the area over the limit
    coverage: dict[str, float] = field(default_factory=dict)  # plate → its mean ink over the page, %
    inked: dict[str, float] = field(default_factory=dict)  # plate → the share of the page it prints on, %
    thumbnail: str | None = None  # the strip of the four plates, relative to the report


@dataclass
class InkReport:
    limit: int
    dpi: int
    pages: list[PageInk]

    @property
    def failing(self) -> list[PageInk]:
        return [page for page in self.pages if page.over_mm2 >= MIN_AREA_MM2]

    def to_dict(self) -> dict:
        return {"limit": self.limit, "dpi": self.dpi, "pages": [asdict(page) for page in self.pages]}


class InkError(Exception):
    """Ghostscript is missing or failed."""


def ghostscript() -> str | None:
    return shutil.which("gs")


@functools.lru_cache(maxsize=1)
def _interpreter_flags(gs: str) -> tuple[str, ...]:
    """Ghostscript 9.55–10.02 still have the PostScript PDF interpreter beside the new one, and it
    reads these books about five times faster (the new one spends ~0.3 s a page on the CJK fonts)."""
    try:
        major, minor = (int(part) for part in _gs_version(gs).split(".")[:2])
    except ValueError:
        return ()
    return ("-dNEWPDF=false",) if (9, 55) <= (major, minor) < (10, 3) else ()


def measure(
    pdf: Path, count: int, limit: int, *, dpi: int = DPI, workers: int = 1, cache: Path | None = None
) -> tuple[InkReport, dict]:
    """Every page's ink, and {page: PNG bytes of its plate strip}. Raises InkError.

    With `cache`, a page is rendered only when no page of the same content was measured before
    (the same content streams, resources, boxes, limit, resolution and Ghostscript): a build that
    lays out the same book again renders nothing."""
    gs = ghostscript()
    if gs is None:
        raise InkError("Ghostscript (gs) is not installed: install the Debian package ghostscript")
    keys: list = _page_keys(pdf, gs, limit, dpi) if cache is not None else []
    if len(keys) != count:
        keys = [None] * count
    found: dict[int, tuple[PageInk, bytes]] = {}
    for number, key in enumerate(keys, 1):
        remembered = _remembered(cache, key, number) if key else None
        if remembered is not None:
            found[number] = remembered
    missing = [number for number in range(1, count + 1) if number not in found]
    if missing:
        with tempfile.TemporaryDirectory(prefix="booklet-inks-") as folder:
            ranges = _ranges(missing, max(1, min(workers, len(missing))))
            with ThreadPoolExecutor(max(1, len(ranges))) as pool:
                done = list(pool.map(lambda r: _render(gs, pdf, Path(folder), r, dpi), ranges))
            problems = [problem for problem in done if problem]
            if problems:
                raise InkError(problems[0])
            for number in missing:
                found[number] = _page(Path(folder), number, limit, dpi)
                if cache is not None and keys[number - 1]:
                    _remember(cache, keys[number - 1], *found[number])
    if cache is not None:
        from booklet.layout.cache import prune

        used = {cache / f"{key}{suffix}" for key in keys if key for suffix in (".json", ".png")}
        prune(cache, used, suffixes=(".json", ".png"))
    pages = [found[number][0] for number in range(1, count + 1)]
    return InkReport(limit, dpi, pages), {number: found[number][1] for number in found}


def _ranges(pages: list[int], workers: int) -> list[tuple[int, int]]:
    """The pages to render as runs of consecutive pages, about as many for each worker."""
    runs: list[list[int]] = []
    share = -(-len(pages) // workers)
    for page in pages:
        if runs and page == runs[-1][-1] + 1 and len(runs[-1]) < share:
            runs[-1].append(page)
        else:
            runs.append([page])
    return [(run[0], run[-1]) for run in runs]


def _page_keys(pdf: Path, gs: str, limit: int, dpi: int) -> list[str]:
    """A digest of each page as Ghostscript renders it: its dictionary, content streams and
    resources, followed through every reference (by content, not by object number), its parent
    and annotations left out."""
    import hashlib

    import pikepdf

    memo: dict[tuple[int, int], bytes] = {}
    skip = {"/Parent", "/Annots", "/StructParents", "/B", "/Thumb"}

    def digest(value) -> bytes:
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            key = value.objgen
            if key not in memo:
                memo[key] = b"cycle"
                memo[key] = direct(value)
            return memo[key]
        return direct(value)

    def direct(value) -> bytes:
        hashed = hashlib.sha256()
        if isinstance(value, pikepdf.Stream):
            hashed.update(b"S" + dictionary(value.stream_dict))
            hashed.update(hashlib.sha256(value.read_raw_bytes()).digest())
        elif isinstance(value, pikepdf.Dictionary):
            hashed.update(dictionary(value))
        elif isinstance(value, pikepdf.Array):
            hashed.update(b"A")
            for item in value:
                hashed.update(digest(item))
        else:
            hashed.update(
                b"V" + (value.unparse() if isinstance(value, pikepdf.Object) else repr(value).encode())
            )
        return hashed.digest()

    def dictionary(value) -> bytes:
        hashed = hashlib.sha256(b"D")
        for name in sorted(value.keys()):
            if name not in skip:
                hashed.update(name.encode() + digest(value[name]))
        return hashed.digest()

    settings = f"{limit}|{dpi}|{_gs_version(gs)}|{' '.join(_interpreter_flags(gs))}".encode()
    try:
        with pikepdf.open(pdf) as source:
            return [hashlib.sha256(settings + digest(page.obj)).hexdigest() for page in source.pages]
    except pikepdf.PdfError:
        return []


@functools.lru_cache(maxsize=1)
def _gs_version(gs: str) -> str:
    try:
        return subprocess.run([gs, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _remembered(cache: Path, key: str, number: int) -> tuple[PageInk, bytes] | None:
    import json

    try:
        data = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
        strip = (cache / f"{key}.png").read_bytes()
        return PageInk(number, data["max_percent"], data["over_mm2"], data["coverage"], data["inked"]), strip
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(cache: Path, key: str, page: PageInk, strip: bytes) -> None:
    import json

    from booklet.core.files import remember

    remember(cache / f"{key}.png", strip)  # before the entry that names it
    measured = {"max_percent": page.max_percent, "over_mm2": page.over_mm2, "coverage": page.coverage}
    remember(cache / f"{key}.json", json.dumps({**measured, "inked": page.inked}, sort_keys=True).encode())


def _render(gs: str, pdf: Path, folder: Path, pages: tuple[int, int], dpi: int) -> str | None:
    first, last = pages
    if first > last:
        return None
    own = folder / f"from{first}"  # gs numbers its files from 1 in each run
    own.mkdir()
    command = [
        gs,
        "-q",
        "-dSAFER",
        "-dBATCH",
        "-dNOPAUSE",
        *_interpreter_flags(gs),
        "-sDEVICE=tiffsep",
        "-dUseBleedBox",
        f"-r{dpi}",
        f"-dFirstPage={first}",
        f"-dLastPage={last}",
        "-sCompression=none",
        f"-sOutputFile={own}/p%04d.tif",
        str(pdf),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Ghostscript failed ({exc})"
    if done.returncode != 0:
        return f"Ghostscript failed: {(done.stderr or done.stdout).strip()[:300]}"
    for index in range(last - first + 1):  # named by the book's page
        for plate in PLATES:
            found = own / f"p{index + 1:04d}({plate}).tif"
            if found.exists():
                found.rename(folder / f"page{first + index:04d}({plate}).tif")
    return None


def _page(folder: Path, number: int, limit: int, dpi: int) -> tuple[PageInk, bytes]:
    import numpy as np
    from PIL import Image

    plates = []
    for plate in PLATES:
        path = folder / f"page{number:04d}({plate}).tif"
        with Image.open(path) as image:
            plates.append(255 - np.asarray(image.convert("L"), dtype=np.int32))  # tiffsep: 255 = no ink
    total = sum(plates)  # in 1/255 of 100 %
    over = int(np.count_nonzero(total * 100 > limit * 255))
    pixel_mm2 = (25.4 / dpi) ** 2
    page = PageInk(
        number,
        round(float(total.max()) * 100 / 255, 1),
        round(over * pixel_mm2, 1),
        {
            plate: round(float(values.mean()) * 100 / 255, 2)
            for plate, values in zip(PLATES, plates, strict=True)
        },
        {
            plate: round(float(np.count_nonzero(values)) * 100 / values.size, 2)
            for plate, values in zip(PLATES, plates, strict=True)
        },
    )
    return page, _strip(plates)


def _strip(plates) -> bytes:
    """The four plates side by side, each as it would print in black on white."""
    import numpy as np
    from PIL import Image

    height, width = plates[0].shape
    size = (THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width)))
    gap = 4
    strip = Image.new("L", (size[0] * 4 + gap * 3, size[1]), 255)
    for index, values in enumerate(plates):
        image = Image.fromarray((255 - values).astype(np.uint8), "L").resize(size, Image.Resampling.BOX)
        strip.paste(image, (index * (size[0] + gap), 0))
    buffer = io.BytesIO()
    strip.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
