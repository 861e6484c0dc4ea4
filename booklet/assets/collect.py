"""Assets: find and check every image the content names, and gather the art drawn for it (art/).

Nothing is fetched: an image is a regular file inside the project, under assets/.
An absent image becomes a placeholder (and a finding); a press run refuses it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from booklet.assets.art.draw import draw_art
from booklet.assets.inspect import (
    SUFFIXES,
    ImageProblem,
    inspect_image,  # noqa: F401
    inspect_images_cached,
)
from booklet.assets.theme import Geometry, Palette, read_geometry
from booklet.content.model import Book, Clipping, Gallery, ImageRef, Placed
from booklet.core.findings import Report

DEFAULT_RATIO = 2 / 3  # height / width of a placeholder


@dataclass(frozen=True)
class Image:
    ref: str  # as written in the YAML, e.g. assets/photos/01-x.jpg
    url: str | None  # file URL when present and usable, None → placeholder
    ratio: float  # height / width
    problem: str | None = None  # why it is a placeholder
    decoded: bool = True  # False: only its header was read (a build's image pipeline decodes it)
    width_px: float | None = None  # a raster photo's upright width in pixels (assets/shapes.py)


@dataclass
class Assets:
    images: dict[str, Image]
    art: dict[str, Markup]  # block key (path:line) → inline SVG drawn by the build
    geometry: Geometry = dataclasses.field(
        default_factory=lambda: read_geometry([])
    )  # the theme's (set by the build)

    @property
    def missing(self) -> list[Image]:
        return [image for image in self.images.values() if image.url is None]


def image_refs(placed: Placed) -> list[tuple[str, str]]:
    """(path, field) for every image a block names."""
    block = placed.block
    if isinstance(block, Gallery):
        return [(img.image, f"images[{i}].image") for i, img in enumerate(block.images)]
    if isinstance(block, ImageRef):
        return [(block.image, "image")]
    if isinstance(block, Clipping) and block.scan:
        return [(block.scan, "scan")]
    return []


def collect_assets(
    book: Book,
    root: Path,
    report: Report,
    *,
    strict: bool = False,
    palette: Palette | None = None,
    decode: bool = True,
) -> Assets:
    refs = list(dict.fromkeys(ref for placed in book.all_blocks() for ref, _ in image_refs(placed)))
    images = check_images(refs, root, decode=decode)
    _report_unusable(book, images, report, strict)
    return Assets(images=images, art=draw_art(book, palette or Palette(), report))


def decode_remaining(book: Book, assets: Assets, root: Path, report: Report, *, strict: bool = False) -> None:
    """Decode the images whose header alone was read and which the image pipeline did not decode."""
    refs = [ref for ref, image in assets.images.items() if image.url is not None and not image.decoded]
    if refs:
        images = check_images(refs, root)
        assets.images.update(images)
        _report_unusable(book, images, report, strict)


def _report_unusable(book: Book, images: dict[str, Image], report: Report, strict: bool) -> None:
    """A finding where each of `images` that cannot be used is placed."""
    for placed in book.all_blocks():
        for ref, field in image_refs(placed):
            image = images.get(ref)
            if image is not None and image.url is None:
                where = dict(location=_loc(placed), field=f"{placed.kind}.{field}")
                if image.problem == "missing":
                    severity = report.error if strict else report.warning
                    severity(
                        "image.missing",
                        f"image {ref} is missing; a placeholder is printed",
                        **where,
                        hint="put the photo at that path, or change the path",
                    )
                else:
                    report.error("image.invalid", f"image {ref}: {image.problem}", **where)


def _loc(placed: Placed):
    from booklet.core.findings import Location

    return Location(placed.path, placed.line)


def check_images(refs: list[str], root: Path, *, decode: bool = True) -> dict[str, Image]:
    """ref → Image for each ref: where the file is, then its content (inspected over the cores;
    with decode=False, the header only of a raster image not inspected before)."""
    root = root.resolve()
    images: dict[str, Image] = {}
    files: dict[str, tuple[Path, str]] = {}
    for ref in refs:
        located = _locate(ref, root)
        if isinstance(located, Image):
            images[ref] = located
        else:
            files[ref] = located
    inspected = inspect_images_cached(list(files.values()), root, decode=decode)
    for (ref, (real, _)), found in zip(files.items(), inspected):
        if isinstance(found, ImageProblem):
            images[ref] = Image(ref, None, DEFAULT_RATIO, str(found))
        elif isinstance(found, OSError):
            images[ref] = Image(ref, None, DEFAULT_RATIO, f"cannot be read: {found.strerror}")
        else:
            pixels = found.width if found.format != "svg" else None
            images[ref] = Image(
                ref, real.as_uri(), found.ratio or DEFAULT_RATIO, decoded=found.decoded, width_px=pixels
            )
    return {ref: images[ref] for ref in refs}


def _locate(ref: str, root: Path) -> Image | tuple[Path, str]:
    """The real file of `ref` inside the resolved `root` and its expected format, or why it cannot be used."""
    path = root / ref
    suffix = Path(ref).suffix.lower()
    if suffix not in SUFFIXES:
        return Image(
            ref, None, DEFAULT_RATIO, f"unknown image type {suffix!r}; use .jpg, .png, .tif, .webp or .svg"
        )
    if not path.exists() and not path.is_symlink():
        return Image(ref, None, DEFAULT_RATIO, "missing")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Image(ref, None, DEFAULT_RATIO, "a symbolic link that leads nowhere")
    if not real.is_relative_to(root):
        return Image(ref, None, DEFAULT_RATIO, "the file lies outside the project")
    if not real.is_file():
        return Image(ref, None, DEFAULT_RATIO, "not a regular file")
    return real, SUFFIXES[suffix]
