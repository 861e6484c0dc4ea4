"""The image pipeline: every photo checked, colour-converted, resampled and cached, beside the layout.

For each raster image the content places: the format (by magic bytes, in assets/collect.py), the pixel
size, the colour mode, an embedded ICC profile and the EXIF orientation are read; the image is
turned upright, converted through LittleCMS (Pillow ImageCms) to CMYK for the output profile
(print) or to sRGB (screen, proof), resampled to the profile's resolution at its largest placed
size (never upscaled), stripped of EXIF and saved as a JPEG. Decoding it whole is also the check
that the file is not truncated (a build reads only the headers before). The result is cached on
disk under .cache/images/<sha256 of content + settings>.jpg, so a second build does no image
work, and the HTML points at the cached file; WeasyPrint then embeds the JPEG bytes as they are.
The content hash of each source is remembered by the file's identity (path, size, modification
time, inode) in .cache/images/sources/, so finding an unchanged photo in the cache does not read it.

The conversions run in threads of the build's process (decoding, resampling, LittleCMS and JPEG
encoding let go of the GIL) while the parts are laid out in the worker processes. The size and
mode of each result are known from the source's header, so a part is laid out from a stand-in
of the same (engine/fetcher.py serves it) and waits for the converted file only to write its PDF, which
embeds that file: the same bytes as a part laid out from it.

An image under the profile's resolution at its placed size is a finding naming the file and its
effective ppi.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import math
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from booklet.assets.collect import Assets, image_refs
from booklet.assets.inspect import (
    JPEG_CUT,
    SUFFIXES,
    Inspection,
    decode_problem,
    jpeg_complete,
    remember_inspection,
    truncation_refused,
)
from booklet.assets.theme import Geometry, length_mm, read_geometry
from booklet.content.model import Book, Clipping, Figure, Gallery, ImageRef
from booklet.core.files import write_whole
from booklet.core.findings import Location, Report
from booklet.core.parallel import core_count, release_freed_memory

PIPELINE_VERSION = 3  # bumped when the same settings would convert an image differently
JPEG_QUALITY = 90
MM_PER_INCH = 25.4
DRAFT_SHORTFALL = 0.99  # a reduced-scale decode may have 1 % fewer pixels than wanted (then resampled up)
# The layout the placed sizes follow (styles/pages.css and styles/blocks.css):


@dataclass(frozen=True)
class Settings:
    colour: str  # "cmyk" or "rgb"
    ppi: int
    icc: bytes = b""  # the CMYK output profile (print)
    ink_limit: int | None = None  # total ink (C+M+Y+K, %) a CMYK photo is kept under (print)

    def key(self) -> dict:
        return {
            "ink_limit": self.ink_limit,
            "colour": self.colour,
            "ppi": self.ppi,
            "quality": JPEG_QUALITY,
            "version": PIPELINE_VERSION,
            "icc": hashlib.sha256(self.icc).hexdigest() if self.icc else None,
        }


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
    # sha256 of the file WeasyPrint embeds (its bytes are the image's stream) → ref: the preflight's
    # exact way back from a placed image to its source photo (two photos of one size stay apart)
    digests: dict[str, str] = field(default_factory=dict)


def placements(book: Book, geometry: Geometry, images: dict | None = None) -> dict[str, Placement]:
    """ref → its largest placement: the size assets/shapes.py gives it (by the photo's shape, from
    `images`, the headers read), or its column's width and height cap when its shape is unknown."""
    from booklet.assets.shapes import Sizer
    from booklet.content.rows import FigureRow, group_blocks  # the same grouping the HTML uses

    trim = length_mm(book.edition.trim.width)
    text = geometry.measure(trim)
    small, full = geometry.picture_max_small, geometry.picture_max
    bleed = length_mm(book.edition.bleed)
    page_height = length_mm(book.edition.trim.height)
    sizer = Sizer(book, images or {}, geometry)
    found: dict[str, Placement] = {}

    def place(placed, ref: str, field_name: str, width: float, cap: float) -> None:
        current = found.get(ref)
        if current is None or width > current.width_mm:
            found[ref] = Placement(
                width, cap, Location(placed.path, placed.line), f"{placed.kind}.{field_name}"
            )

    def visit(blocks) -> None:
        for item in group_blocks(blocks):
            if isinstance(item, FigureRow):
                boxes = sizer.row([placed.block for placed in item.items], item.size)
                if boxes is not None:
                    for placed, box in zip(item.items, boxes):
                        place(placed, placed.block.image, "image", box.width, box.height + 0.01)
                    continue
                if item.size == "third":
                    width = text * geometry.third
                elif len(item.items) == 1:
                    width = text  # a lone half figure fills its row
                else:
                    width = (text - geometry.row_gap) / 2
                for placed in item.items:
                    place(placed, placed.block.image, "image", width, small)
                continue
            block = item.block
            if isinstance(block, Figure):
                box = sizer.figure(block)
                if block.size == "full-bleed":  # its own page, from bleed edge to bleed edge
                    place(item, block.image, "image", trim + 2 * bleed, page_height + 2 * bleed)
                elif box is not None:
                    place(item, block.image, "image", box.width, box.height + 0.01)
                else:
                    place(item, block.image, "image", text, full)
            elif isinstance(block, Gallery):
                rows = sizer.gallery(block)
                if rows is not None:
                    for row in rows:
                        for i, box in row:
                            place(
                                item,
                                block.images[i].image,
                                f"images[{i}].image",
                                box.width,
                                box.height + 0.01,
                            )
                    continue
                share = geometry.gallery_3 if block.columns == 3 else geometry.gallery_2
                for i, image in enumerate(block.images):
                    place(item, image.image, f"images[{i}].image", text * share, small)
            elif isinstance(block, (ImageRef, Clipping)):
                for ref, field_name in image_refs(item):
                    place(item, ref, field_name, text, full)

    for chapter in book.chapters:
        visit(chapter.blocks)
        for section in chapter.sections:
            visit(section.blocks)
    return found


def prepare_images(
    book: Book,
    assets: Assets,
    root: Path,
    settings: Settings,
    report: Report,
    *,
    geometry: Geometry | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> ImageStats:
    """Convert every present raster image for the profile and wait for them (see Conversion)."""
    conversion = Conversion(
        book, assets, root, settings, geometry=geometry, cache_dir=cache_dir, workers=workers
    )
    conversion.start()
    return conversion.finish(report)


@dataclass(frozen=True)
class Pending:
    """A photo being converted: the file its conversion writes, and the pixel size and mode that
    file will have, known from the source's header (a stand-in of the same is laid out meanwhile)."""

    ref: str
    source: Path
    place: Placement
    target: Path
    meta: Path
    size: tuple[int, int]
    mode: str
    ratio: float  # height / width of the upright source
    content_hash: str  # of the source as read for the cache key

    @property
    def failed(self) -> Path:
        """Written when the conversion fails, so nothing waits for the target for ever."""
        return self.target.with_suffix(".failed")


PENDING: dict[str, Pending] = {}  # target file path → its conversion; set before the layout workers fork


class Conversion:
    """The photos of one build, in three steps.

    Constructed: every present raster image is looked up in the cache (its content hash remembered
    by file identity, so an unchanged photo is not read); each of the others is read once, hashed,
    and its header gives the size and mode of its conversion. assets.images then points at the
    cached files, present or still to be written, and PENDING lists the latter.
    start(): the conversions run in threads (decoding, resampling, LittleCMS and encoding let go of
    the GIL), while the parts are laid out; a part waits for its photos only before its PDF is
    written (stand_ins_replaced). finish(): waits for them and reports what they found.
    """

    def __init__(
        self,
        book: Book,
        assets: Assets,
        root: Path,
        settings: Settings,
        *,
        geometry: Geometry | None = None,  # the package theme's when not given
        cache_dir: Path | None = None,
        workers: int | None = None,
    ):
        self.assets, self.root, self.settings = assets, root.resolve(), settings
        self.cache_dir = cache_dir or self.root / ".cache" / "images"
        self.workers = max(1, workers or core_count())
        self.outcomes: dict[str, tuple[Path, bool, dict] | Pending | str] = {}  # ref → what became of it
        self.places: dict[str, Placement] = {}
        self.futures: dict[str, Future] = {}
        self.executor: ThreadPoolExecutor | None = None
        self.refusing = contextlib.ExitStack()  # truncation refused while the conversions run
        self.waiting: list[Pending] = []
        for ref, place in placements(book, geometry or read_geometry([]), assets.images).items():
            image = assets.images.get(ref)
            if image is None or image.url is None or Path(ref).suffix.lower() == ".svg":
                continue
            self.places[ref] = place
        if not self.places:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        unknown = []
        for ref, place in self.places.items():
            found = _find_cached(self.root / ref, place, settings, self.cache_dir)
            if found is None:
                unknown.append(ref)
            else:
                self.outcomes[ref] = found
        if unknown:  # read and hashed side by side, before any layout worker forks
            with ThreadPoolExecutor(min(self.workers, len(unknown))) as pool:
                surveyed = pool.map(self._survey, unknown)
                self.outcomes.update(zip(unknown, surveyed))
        self.waiting = self.pending  # registered in PENDING until finish()
        for ref, outcome in self.outcomes.items():
            image = assets.images[ref]
            if isinstance(outcome, Pending):
                with contextlib.suppress(OSError):
                    outcome.failed.unlink()
                PENDING[str(outcome.target)] = outcome
                assets.images[ref] = replace(image, url=outcome.target.as_uri(), ratio=outcome.ratio)
            elif not isinstance(outcome, str):
                path, _, info = outcome
                assets.images[ref] = replace(
                    image, url=path.as_uri(), ratio=info["height"] / info["width"], decoded=True
                )

    @property
    def pending(self) -> list[Pending]:
        return [outcome for outcome in self.outcomes.values() if isinstance(outcome, Pending)]

    def _survey(self, ref: str):
        """(file, True, info) when the same content is cached under another name; else the Pending
        conversion; or a problem text."""
        source, place = self.root / ref, self.places[ref]
        try:
            with source.open("rb") as handle:
                identity = _identity(
                    source, os.fstat(handle.fileno())
                )  # before reading: a later change shows
                content = handle.read()
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
        content_hash = hashlib.sha256(content).hexdigest()
        memo = _content_memo(self.cache_dir, identity)
        try:
            memo.parent.mkdir(exist_ok=True)
            write_whole(memo, content_hash.encode())
        except OSError:
            pass  # only the next build is slower
        target, meta = _cache_entry(content_hash, place, self.settings, self.cache_dir)
        found = _read_cached(target, meta)
        if found:
            return found
        from PIL import Image as PILImage

        try:
            with PILImage.open(io.BytesIO(content)) as opened:
                width, height, _ = _upright_size(opened)
        except Exception as exc:
            return decode_problem(exc)
        size, _, _ = output_size(width, height, place, self.settings)
        return Pending(
            ref,
            source,
            place,
            target,
            meta,
            size or (width, height),
            "CMYK" if self.settings.colour == "cmyk" else "RGB",
            height / width,
            content_hash,
        )

    def start(self) -> None:
        """Start the conversions (after the layout workers have forked: no thread is copied into them)."""
        pending = self.pending
        if not pending or self.executor is not None:
            return
        self.refusing.enter_context(truncation_refused())  # the decode is the check that the file is whole
        self.executor = ThreadPoolExecutor(min(self.workers, len(pending)), thread_name_prefix="image")
        for item in pending:  # in book order, as the parts that wait for them are written
            self.futures[item.ref] = self.executor.submit(_convert_pending, item, self.settings)

    def failed(self) -> bool:
        """Whether a conversion has failed so far: its marker is written (and a part waiting for it
        stops) a moment before its thread ends."""
        return any(item.failed.is_file() for item in self.pending) or any(
            future.done()
            and not future.cancelled()
            and future.exception() is None
            and isinstance(future.result(), str)
            for future in self.futures.values()
        )

    def finish(self, report: Report, *, stop: bool = False) -> ImageStats:
        """Wait for the conversions (with `stop`, only for those running: the build is failing or
        interrupted); point assets.images at the results and report what was found."""
        if stop and self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        try:
            for ref, future in self.futures.items():
                if not future.cancelled():
                    self.outcomes[ref] = future.result()
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=True, cancel_futures=True)
                self.refusing.close()
                release_freed_memory()
            for item in self.waiting:
                PENDING.pop(str(item.target), None)
                with contextlib.suppress(OSError):
                    item.failed.unlink()
        stats = ImageStats()
        for ref, outcome in self.outcomes.items():
            place, image = self.places[ref], self.assets.images[ref]
            if isinstance(outcome, Pending):  # never started (the build stopped first)
                continue
            if isinstance(outcome, str):
                report.error(
                    "image.invalid", f"image {ref}: {outcome}", location=place.location, field=place.field
                )
                self.assets.images[ref] = replace(image, url=None, problem=outcome)
                continue
            path, hit, info = outcome
            stats.cached += hit
            stats.converted += not hit
            if not image.decoded:  # it decoded whole when converted (now, or for the cached result)
                fmt = SUFFIXES[Path(ref).suffix.lower()]
                upright = (info["width"], info["height"])  # as the header reading gives it
                remember_inspection((self.root / ref).resolve(), fmt, self.root, Inspection(fmt, *upright))
            stats.files[ref] = (
                path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
            )
            with contextlib.suppress(OSError):
                stats.digests[hashlib.sha256(path.read_bytes()).hexdigest()] = ref
            self.assets.images[ref] = replace(
                image, url=path.as_uri(), ratio=info["height"] / info["width"], decoded=True
            )
            if info["ppi"] < self.settings.ppi:
                report.warning(
                    "image.low-resolution",
                    f"image {ref} is {info['width']}×{info['height']} px: {info['ppi']:.0f} ppi effective at its "
                    f"placed size ({info['placed_mm']:.0f} mm wide); {self.settings.ppi} ppi wanted",
                    location=place.location,
                    field=place.field,
                    hint="use a larger original, or place it smaller",
                )
        return stats


class _Changed(Exception):
    """The photo read for the conversion is not the one hashed for its cache key."""


def _convert_pending(item: Pending, settings: Settings):
    """One photo into the cache, in a thread: (file, False, info) or a problem text (then the
    failure marker is written, so that a part waiting for it stops)."""
    try:
        try:
            content = item.source.read_bytes()
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror})"
        else:
            try:
                if hashlib.sha256(content).hexdigest() != item.content_hash:
                    raise _Changed
                data, info = convert(content, item.place, settings)
            except _Changed:
                problem = "changed while the book was being built (build again)"
            except Exception as exc:
                problem = decode_problem(exc)
            else:
                if (info["out_width"], info["out_height"]) != item.size or info["mode"] != item.mode:
                    raise RuntimeError(
                        f"{item.ref} converted to {info['out_width']}×{info['out_height']} "
                        f"{info['mode']}, not the {item.size} {item.mode} laid out"
                    )
                del content
                for target, written in (
                    (item.target, data),
                    (item.meta, json.dumps(info, sort_keys=True).encode()),
                ):
                    try:
                        write_whole(target, written)
                    except OSError as exc:  # named, for the build's output failure (exit 4)
                        raise OSError(exc.errno, exc.strerror, str(target)) from None
                return item.target, False, info
    except BaseException:
        write_whole(item.failed, b"the conversion stopped")
        raise
    write_whole(item.failed, problem.encode())
    return problem


@functools.lru_cache(maxsize=64)
def stand_in(size: tuple[int, int], mode: str) -> bytes:
    """A JPEG header that reads as `size` pixels in `mode` (as the conversion saves it: an Adobe
    marker for CMYK), with one pixel of data: what the layout needs of a photo still converting."""
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new(mode, (1, 1), 0).save(buffer, format="JPEG", quality=JPEG_QUALITY)
    data = bytearray(buffer.getvalue())
    frame = data.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    data[frame + 5 : frame + 9] = size[1].to_bytes(2, "big") + size[0].to_bytes(2, "big")
    return bytes(data)


def _identity(source: Path, stat: os.stat_result) -> str:
    return hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}".encode()).hexdigest()


def _content_memo(cache_dir: Path, identity: str) -> Path:
    """Where the content hash of the file with this identity is remembered."""
    return cache_dir / "sources" / f"{identity}.sha256"


def _cache_entry(
    content_hash: str, place: Placement, settings: Settings, cache_dir: Path
) -> tuple[Path, Path]:
    digest = hashlib.sha256(content_hash.encode())
    digest.update(
        json.dumps(
            {**settings.key(), "width_mm": round(place.width_mm, 2), "max_height_mm": place.max_height_mm},
            sort_keys=True,
        ).encode()
    )
    key = digest.hexdigest()
    return cache_dir / f"{key}.jpg", cache_dir / f"{key}.json"


def _read_cached(target: Path, meta: Path):
    if target.is_file():
        try:
            return target, True, json.loads(meta.read_text())
        except (OSError, ValueError):
            pass
    return None


def _find_cached(source: Path, place: Placement, settings: Settings, cache_dir: Path):
    """(cached path, True, info) when the file's content hash is remembered and its result cached, else None."""
    try:
        content_hash = _content_memo(cache_dir, _identity(source, source.stat())).read_text().strip()
    except OSError:
        return None
    return _read_cached(*_cache_entry(content_hash, place, settings, cache_dir))


SIDEWAYS = (5, 6, 7, 8)  # EXIF orientations stored with width and height swapped


def convert(content: bytes, place: Placement, settings: Settings) -> tuple[bytes, dict]:
    """One image: upright, colour-converted, resampled, EXIF stripped, as JPEG bytes.

    A JPEG larger than needed is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain when that
    still gives at least the wanted pixels (Image.draft), or all but 1 % of them (DRAFT_SHORTFALL:
    a 4000-px photo across a 170-mm column wants 2008 px; decoded at half scale it has 2000, and
    the last 0.4 % is interpolated: 0.23 s for the photo instead of 0.36 s decoded whole), then
    resampled to the exact size."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    with PILImage.open(io.BytesIO(content)) as opened:
        embedded = opened.info.get("icc_profile")
        width, height, orientation = _upright_size(opened)
        sideways = orientation in SIDEWAYS
        size, placed_mm, ppi = output_size(width, height, place, settings)
        if size:
            least = tuple(math.ceil(side * DRAFT_SHORTFALL) for side in size)
            opened.draft(opened.mode, least[::-1] if sideways else least)  # decodes to at least `least`
        opened.load()
        if opened.format == "JPEG" and not jpeg_complete(content):
            raise OSError(JPEG_CUT)  # every pixel may be there; the file is still cut short
        source_mode = opened.mode
        image = ImageOps.exif_transpose(opened) if orientation in range(2, 9) else opened
        image = _flatten(image)
        if size and image.size != size:
            image = image.resize(size, PILImage.Resampling.LANCZOS)
        if image is not opened:
            opened.close()  # its pixels go before the colour conversion makes more
        image = _to_colour(image, embedded, settings)
        if image.mode == "CMYK" and settings.colour == "cmyk" and settings.ink_limit:
            image = limit_ink(image, settings.ink_limit)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    info = {
        "width": width,
        "height": height,
        "ppi": round(ppi, 1),
        "placed_mm": round(placed_mm, 1),
        "source_mode": source_mode,
        "icc": bool(embedded),
        "orientation": orientation,
        "out_width": image.width,
        "out_height": image.height,
        "colour": settings.colour,
        "mode": image.mode,
    }
    return buffer.getvalue(), info


INK_MARGIN = 4  # % under the limit the photos are kept, for what JPEG compression adds back


def limit_ink(image, limit: int):
    """A CMYK image whose total ink (C+M+Y+K) stays INK_MARGIN under `limit` %: where a pixel is
    over, its C, M and Y are scaled down together (K and the grey balance kept), as a press
    profile's total area coverage limit does."""
    import numpy as np
    from PIL import Image as PILImage

    values = np.asarray(image, dtype=np.float32)
    cap = (limit - INK_MARGIN) / 100 * 255
    colour, black = values[..., :3], values[..., 3]
    total = colour.sum(axis=2) + black
    if float(total.max()) <= cap:
        return image
    inks = colour.sum(axis=2)
    scale = np.where((total > cap) & (inks > 0), np.clip((cap - black) / np.maximum(inks, 1e-6), 0, 1), 1)
    values[..., :3] = np.floor(colour * scale[..., None])
    return PILImage.fromarray(values.astype(np.uint8), "CMYK")


def _upright_size(opened) -> tuple[int, int, int]:
    """Width and height of an opened image once turned upright, and its EXIF orientation."""
    orientation = opened.getexif().get(0x0112, 1)
    width, height = opened.size[::-1] if orientation in SIDEWAYS else opened.size
    return width, height, orientation


def output_size(width: int, height: int, place: Placement, settings: Settings):
    """(the pixel size to resample to, or None to keep the image's own; placed width in mm; the
    source's effective ppi there): the profile's ppi at the largest placed size, never upscaled."""
    ratio = height / width
    placed_mm = min(place.width_mm, place.max_height_mm / ratio)
    wanted = math.ceil(placed_mm / MM_PER_INCH * settings.ppi)
    size = (wanted, max(1, round(wanted * ratio))) if width > wanted else None
    return size, placed_mm, width / (placed_mm / MM_PER_INCH)


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


def _to_colour(image, embedded: bytes | None, settings: Settings):
    """Through LittleCMS: from the embedded profile (or sRGB / the output profile) to the target."""
    from PIL import Image as PILImage
    from PIL import ImageCms

    output = settings.icc or None
    source = embedded if embedded and _profile(embedded) is not None else None
    mode = image.mode
    if mode == "L":
        if settings.colour == "rgb":
            return image.convert("RGB")
        # grey photographs print on black ink alone
        empty = PILImage.new("L", image.size, 0)
        return PILImage.merge("CMYK", (empty, empty, empty, image.point(lambda v: 255 - v)))
    if mode == "CMYK":
        source = source or output
        if settings.colour == "cmyk":
            if source is None or output is None or embedded is None:
                return image  # already for this press (no other profile is named)
            return _transform(
                source,
                output,
                "CMYK",
                "CMYK",
                ImageCms.Intent.RELATIVE_COLORIMETRIC,
                ImageCms.Flags.BLACKPOINTCOMPENSATION,
            ).apply(image)
        if source is None:
            return image.convert("RGB")
        return _transform(source, SRGB, "CMYK", "RGB", ImageCms.Intent.PERCEPTUAL).apply(image)
    source = source or SRGB
    if settings.colour == "cmyk":
        assert output is not None
        return _transform(
            source, output, mode, "CMYK", ImageCms.Intent.PERCEPTUAL, ImageCms.Flags.BLACKPOINTCOMPENSATION
        ).apply(image)
    if embedded:
        return _transform(source, SRGB, mode, "RGB", ImageCms.Intent.PERCEPTUAL).apply(image)
    return image


SRGB = b""  # stands for LittleCMS's built-in sRGB profile (no embedded profile is empty)


@functools.lru_cache(maxsize=16)
def _profile(data: bytes):
    """An ICC profile read once per process, or None when it cannot be read."""
    from PIL import ImageCms

    if not data:
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (OSError, ImageCms.PyCMSError):
        return None


@functools.lru_cache(maxsize=32)
def _transform(source: bytes, target: bytes, in_mode: str, out_mode: str, intent, flags=0):
    """A colour transform built once per process (what ImageCms.profileToProfile builds for each call)."""
    from PIL import ImageCms

    return ImageCms.buildTransform(
        _profile(source), _profile(target), in_mode, out_mode, renderingIntent=intent, flags=flags
    )
