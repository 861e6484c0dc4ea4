"""Assets: find and check every image the content names; draw the art the build makes.

Nothing is fetched: an image is a regular file inside the project, under assets/.
An absent image becomes a placeholder (and a finding); a press run refuses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from .diagnostics import Report
from .imagecheck import MAX_PIXELS, SUFFIXES, ImageProblem, inspect_image  # noqa: F401 - re-exported
from .model import Book, Clipping, Fonts, Gallery, ImageRef, Map, NewsClip, Placed

DEFAULT_RATIO = 2 / 3  # height / width of a placeholder


@dataclass(frozen=True)
class Image:
    ref: str  # as written in the YAML, e.g. assets/photos/01-x.jpg
    url: str | None  # file URL when present and usable, None → placeholder
    ratio: float  # height / width
    problem: str | None = None  # why it is a placeholder


@dataclass
class Assets:
    images: dict[str, Image]
    art: dict[str, Markup]  # block key (path:line) → inline SVG drawn by the build

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


def collect_assets(book: Book, root: Path, report: Report, *, strict: bool = False) -> Assets:
    images: dict[str, Image] = {}
    art: dict[str, Markup] = {}
    for placed in book.all_blocks():
        for ref, field in image_refs(placed):
            if ref not in images:
                images[ref] = _check_image(ref, root)
            image = images[ref]
            if image.url is None:
                where = dict(location=_loc(placed), field=f"{placed.kind}.{field}")
                if image.problem == "missing":
                    severity = report.error if strict else report.warning
                    severity("image.missing", f"image {ref} is missing; a placeholder is printed", **where,
                             hint="put the photo at that path, or change the path")
                else:
                    report.error("image.invalid", f"image {ref}: {image.problem}", **where)
        if isinstance(placed.block, Map):
            art[block_key(placed)] = draw_map(placed.block, book.edition.fonts)
        if isinstance(placed.block, NewsClip) and placed.block.video_url:
            art[block_key(placed)] = draw_qr(placed.block.video_url)
    return Assets(images=images, art=art)


def block_key(placed: Placed) -> str:
    return f"{placed.path}:{placed.line}"


def _loc(placed: Placed):
    from .diagnostics import Location

    return Location(placed.path, placed.line)


def _check_image(ref: str, root: Path) -> Image:
    root = root.resolve()
    path = root / ref
    suffix = Path(ref).suffix.lower()
    if suffix not in SUFFIXES:
        return Image(ref, None, DEFAULT_RATIO, f"unknown image type {suffix!r}; use .jpg, .png, .tif, .webp or .svg")
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
    try:
        found = inspect_image(real, SUFFIXES[suffix], root)
    except ImageProblem as problem:
        return Image(ref, None, DEFAULT_RATIO, str(problem))
    except OSError as exc:
        return Image(ref, None, DEFAULT_RATIO, f"cannot be read: {exc.strerror}")
    return Image(ref, real.as_uri(), found.ratio or DEFAULT_RATIO)


# ---------------------------------------------------------------- art


MAP_STYLE = (
    "<style>.map-sea{fill:#f4eeea}.map-grid{stroke:#c9c2c0;stroke-width:0.2}"
    ".map-link{stroke:#c8a24a;stroke-width:0.5;stroke-dasharray:1.5 1;fill:none}.map-place{fill:#a3192e}"
    ".map-label{font-family:'Noto Serif CJK TC';font-size:4.2px;fill:#231f20}"
    ".map-tick{font-family:'Noto Sans CJK TC';font-size:2.6px;fill:#5b5657}</style>"
)


def draw_map(block: Map, fonts: Fonts | None = None) -> Markup:
    """The places on an equirectangular projection with a graticule, as inline SVG."""
    style = MAP_STYLE if fonts is None else (  # the edition's faces (SC in a Simplified edition)
        MAP_STYLE.replace("Noto Serif CJK TC", fonts.body).replace("Noto Sans CJK TC", fonts.heading))
    lats = [p.lat for p in block.places]
    lons = [p.lon for p in block.places]
    pad = 1.5
    south, north = math.floor(min(lats) - pad), math.ceil(max(lats) + pad)
    west, east = math.floor(min(lons) - pad), math.ceil(max(lons) + pad)
    scale_x = math.cos(math.radians((north + south) / 2))
    width, height = 160.0, 160.0 * (north - south) / ((east - west) * scale_x)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - west) / (east - west) * width, (north - lat) / (north - south) * height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="-2 -2 {width + 4:.1f} {height + 4:.1f}" '
        f'width="{width + 4:.1f}mm" height="{height + 4:.1f}mm" role="img">',
        style,
        f'<rect class="map-sea" x="0" y="0" width="{width:.1f}" height="{height:.1f}"/>',
    ]
    for lon in range(west, east + 1):
        x, _ = xy(north, lon)
        parts.append(f'<line class="map-grid" x1="{x:.2f}" y1="0" x2="{x:.2f}" y2="{height:.2f}"/>')
        if lon % 2 == 0:
            parts.append(f'<text class="map-tick" x="{x + 0.8:.2f}" y="{height - 1:.2f}">{lon}°E</text>')
    for lat in range(south, north + 1):
        _, y = xy(lat, west)
        parts.append(f'<line class="map-grid" x1="0" y1="{y:.2f}" x2="{width:.2f}" y2="{y:.2f}"/>')
        if lat % 2 == 0:
            parts.append(f'<text class="map-tick" x="0.8" y="{y - 0.8:.2f}">{lat}°N</text>')
    points = [xy(p.lat, p.lon) for p in block.places]
    if len(points) > 1:
        first = points[0]
        for point in points[1:]:
            parts.append(
                f'<line class="map-link" x1="{first[0]:.2f}" y1="{first[1]:.2f}" x2="{point[0]:.2f}" y2="{point[1]:.2f}"/>'
            )
    for place, (x, y) in zip(block.places, points):
        anchor = "end" if x > width * 0.7 else "start"
        dx = -3 if anchor == "end" else 3
        parts.append(f'<circle class="map-place" cx="{x:.2f}" cy="{y:.2f}" r="1.8"/>')
        parts.append(
            f'<text class="map-label" x="{x + dx:.2f}" y="{y + 1.5:.2f}" text-anchor="{anchor}">{escape(place.name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def draw_qr(url: str) -> Markup:
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=1, border=0, dark="#000", omitsize=True)
    return Markup(svg)


