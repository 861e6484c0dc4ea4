"""The image pipeline, before layout: every photo checked, colour-converted, resampled and cached.

For each raster image the content places: the format (by magic bytes, in assets.py), the pixel
size, the colour mode, an embedded ICC profile and the EXIF orientation are read; the image is
turned upright, converted through LittleCMS (Pillow ImageCms) to CMYK for the output profile
(print) or to sRGB (screen, proof), resampled to the profile's resolution at its largest placed
size (never upscaled), stripped of EXIF and saved as a JPEG. The result is cached on disk under
.cache/images/<sha256 of content + settings>.jpg, so a second build does no image work, and the
HTML points at the cached file. WeasyPrint then embeds the JPEG bytes as they are.

An image under the profile's resolution at its placed size is a finding naming the file and its
effective ppi.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .assets import Assets, image_refs
from .diagnostics import Location, Report
from .model import Book, Clipping, Figure, Gallery, ImageRef

PIPELINE_VERSION = 1  # part of the cache key: bump when the processing changes
JPEG_QUALITY = 90
MM_PER_INCH = 25.4
# The layout the placed sizes follow (styles/pages.css and styles/blocks.css):
TEXT_MARGINS_MM = 22 + 18  # inner + outer page margin
ROW_GAP_MM = 5  # .figure-row gap
MAX_HEIGHT_MM = {"full": 190, "small": 110}  # .picture max-height (full width / half, third, gallery)


@dataclass(frozen=True)
class Settings:
    colour: str  # "cmyk" or "rgb"
    ppi: int
    icc: bytes = b""  # the CMYK output profile (print)

    def key(self) -> dict:
        return {"colour": self.colour, "ppi": self.ppi, "quality": JPEG_QUALITY, "version": PIPELINE_VERSION,
                "icc": hashlib.sha256(self.icc).hexdigest() if self.icc else None}


@dataclass(frozen=True)
class Placement:
    """The largest place an image is put in: its width and height cap in mm, and where it is named."""

    width_mm: float
    max_height_mm: float
    location: Location
    field: str


@dataclass
class ImageStats:
    converted: int = 0
    cached: int = 0
    files: dict[str, str] = field(default_factory=dict)  # ref → cached file (relative to the project)
    sizes: dict[str, str] = field(default_factory=dict)  # "WxH" of the file WeasyPrint embeds → ref


def length_mm(text: str) -> float:
    match = re.fullmatch(r"\s*([\d.]+)\s*(mm|cm|in|pt|px)?\s*", text)
    if not match:
        raise ValueError(f"cannot read the length {text!r}")
    value, unit = float(match.group(1)), match.group(2) or "px"
    return value * {"mm": 1, "cm": 10, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}[unit]


def placements(book: Book) -> dict[str, Placement]:
    """ref → its largest placement, from the figure sizes as the layout sets them."""
    from .html import FigureRow, group_blocks  # the same grouping the HTML uses

    trim = length_mm(book.edition.trim.width)
    text = trim - TEXT_MARGINS_MM
    bleed = length_mm(book.edition.bleed)
    page_height = length_mm(book.edition.trim.height)
    found: dict[str, Placement] = {}

    def place(placed, ref: str, field_name: str, width: float, cap: float) -> None:
        current = found.get(ref)
        if current is None or width > current.width_mm:
            found[ref] = Placement(width, cap, Location(placed.path, placed.line), f"{placed.kind}.{field_name}")

    def visit(blocks) -> None:
        for item in group_blocks(blocks):
            if isinstance(item, FigureRow):
                if item.size == "third":
                    width = text * 0.31
                elif len(item.items) == 1:
                    width = text  # a lone half figure fills its row
                else:
                    width = (text - ROW_GAP_MM) / 2
                for placed in item.items:
                    place(placed, placed.block.image, "image", width, MAX_HEIGHT_MM["small"])
                continue
            block = item.block
            if isinstance(block, Figure):
                if block.size == "full-bleed":  # its own page, from bleed edge to bleed edge
                    place(item, block.image, "image", trim + 2 * bleed, page_height + 2 * bleed)
                else:
                    place(item, block.image, "image", text, MAX_HEIGHT_MM["full"])
            elif isinstance(block, Gallery):
                share = 0.315 if block.columns == 3 else 0.48
                for i, image in enumerate(block.images):
                    place(item, image.image, f"images[{i}].image", text * share, MAX_HEIGHT_MM["small"])
            elif isinstance(block, (ImageRef, Clipping)):
                for ref, field_name in image_refs(item):
                    place(item, ref, field_name, text, MAX_HEIGHT_MM["full"])

    for chapter in book.chapters:
        visit(chapter.blocks)
        for section in chapter.sections:
            visit(section.blocks)
    return found


def prepare_images(book: Book, assets: Assets, root: Path, settings: Settings, report: Report,
                   *, cache_dir: Path | None = None) -> ImageStats:
    """Convert every present raster image for the profile; point assets.images at the results."""
    root = root.resolve()
    cache_dir = cache_dir or root / ".cache" / "images"
    stats = ImageStats()
    jobs = []
    for ref, place in placements(book).items():
        image = assets.images.get(ref)
        if image is None or image.url is None or Path(ref).suffix.lower() == ".svg":
            continue
        jobs.append((ref, place, image))
    if not jobs:
        return stats
    cache_dir.mkdir(parents=True, exist_ok=True)
    workers = min(len(jobs), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:  # Pillow releases the GIL while it works
        results = list(pool.map(lambda job: _prepare(root / job[0], job[1], settings, cache_dir), jobs))
    for (ref, place, image), outcome in zip(jobs, results):
        if isinstance(outcome, str):
            report.error("image.invalid", f"image {ref}: {outcome}", location=place.location, field=place.field)
            assets.images[ref] = replace(image, url=None, problem=outcome)
            continue
        path, hit, info = outcome
        stats.cached += hit
        stats.converted += not hit
        stats.files[ref] = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        stats.sizes[f"{info['out_width']}x{info['out_height']}"] = ref
        assets.images[ref] = replace(image, url=path.as_uri(), ratio=info["height"] / info["width"])
        if info["ppi"] < settings.ppi:
            report.warning(
                "image.low-resolution",
                f"image {ref} is {info['width']}×{info['height']} px: {info['ppi']:.0f} ppi effective at its "
                f"placed size ({info['placed_mm']:.0f} mm wide); {settings.ppi} ppi wanted",
                location=place.location, field=place.field,
                hint="use a larger original, or place it smaller",
            )
    return stats


def _prepare(source: Path, place: Placement, settings: Settings, cache_dir: Path):
    """(cached path, cache hit, info) or a problem text."""
    try:
        content = source.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    digest = hashlib.sha256(content)
    digest.update(json.dumps({**settings.key(), "width_mm": round(place.width_mm, 2),
                              "max_height_mm": place.max_height_mm}, sort_keys=True).encode())
    key = digest.hexdigest()
    target = cache_dir / f"{key}.jpg"
    meta = cache_dir / f"{key}.json"
    if target.is_file() and meta.is_file():
        try:
            return target, True, json.loads(meta.read_text())
        except (OSError, ValueError):
            pass
    try:
        data, info = convert(content, place, settings)
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a content problem
        return f"cannot be converted ({type(exc).__name__}: {exc})"
    _write(target, data)
    _write(meta, json.dumps(info, sort_keys=True).encode())
    return target, False, info


def _write(target: Path, data: bytes) -> None:
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, target)


def convert(content: bytes, place: Placement, settings: Settings) -> tuple[bytes, dict]:
    """One image: upright, colour-converted, resampled, EXIF stripped, as JPEG bytes."""
    from PIL import Image as PILImage
    from PIL import ImageCms, ImageOps

    with PILImage.open(io.BytesIO(content)) as opened:
        opened.load()
        embedded = opened.info.get("icc_profile")
        orientation = opened.getexif().get(0x0112, 1)
        image = ImageOps.exif_transpose(opened) or opened.copy()
    source_mode = image.mode
    image = _flatten(image)
    width, height = image.size
    ratio = height / width
    placed_mm = min(place.width_mm, place.max_height_mm / ratio)
    ppi = width / (placed_mm / MM_PER_INCH)
    wanted = math.ceil(placed_mm / MM_PER_INCH * settings.ppi)
    if width > wanted:  # never upscale
        image = image.resize((wanted, max(1, round(wanted * ratio))), PILImage.Resampling.LANCZOS)
    image = _to_colour(image, embedded, settings, ImageCms)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    info = {"width": width, "height": height, "ppi": round(ppi, 1), "placed_mm": round(placed_mm, 1),
            "source_mode": source_mode, "icc": bool(embedded), "orientation": orientation,
            "out_width": image.width, "out_height": image.height, "colour": settings.colour}
    return buffer.getvalue(), info


def _flatten(image):
    """Palette, alpha, 16-bit and bilevel images → RGB (on white), L or CMYK as they are."""
    from PIL import Image as PILImage

    if image.mode in ("RGB", "CMYK", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = PILImage.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        return image.convert("L") if image.mode != "I;16" else image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _to_colour(image, embedded: bytes | None, settings: Settings, ImageCms):
    """Through LittleCMS: from the embedded profile (or sRGB / the output profile) to the target."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    output = ImageCms.ImageCmsProfile(io.BytesIO(settings.icc)) if settings.icc else None
    source = None
    if embedded:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        except (OSError, ImageCms.PyCMSError):
            source = None
    mode = image.mode
    if mode == "L":
        if settings.colour == "rgb":
            return image.convert("RGB")
        # grey photographs print on black ink alone
        from PIL import Image as PILImage

        empty = PILImage.new("L", image.size, 0)
        return PILImage.merge("CMYK", (empty, empty, empty, image.point(lambda v: 255 - v)))
    if mode == "CMYK":
        source = source or output
        if settings.colour == "cmyk":
            if source is None or output is None or embedded is None:
                return image  # already for this press (no other profile is named)
            return ImageCms.profileToProfile(image, source, output, outputMode="CMYK",
                                             renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                             flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        if source is None:
            return image.convert("RGB")
        return ImageCms.profileToProfile(image, source, srgb, outputMode="RGB",
                                         renderingIntent=ImageCms.Intent.PERCEPTUAL)
    source = source or srgb
    if settings.colour == "cmyk":
        assert output is not None
        return ImageCms.profileToProfile(image, source, output, outputMode="CMYK",
                                         renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                         flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
    if embedded:
        return ImageCms.profileToProfile(image, source, srgb, outputMode="RGB",
                                         renderingIntent=ImageCms.Intent.PERCEPTUAL)
    return image

