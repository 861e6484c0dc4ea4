"""Photos placed by their shape: the size of every figure, figure row and gallery row, in mm,
computed from each photo's pixel size (its header) and the theme's geometry (assets/theme.py).

- A figure fills its column at its nominal width unless that makes it taller than its cap: a
  portrait photo stops at `--picture-portrait-max` of the text block's height (a full-width
  portrait would fill the page), and is centred in the measure at the width that height gives.
- A row of half- or third-width figures is one justified row: every photo the same height, the
  row flush with the measure (a short row — one third-width figure alone — stays at its columns'
  width instead of being blown up).
- A gallery is broken into justified rows the way photo-book software does it: photos are added
  to a row while the row, set to the target height `--gallery-row-height`, is narrower than the
  measure; the row is then scaled to be flush. The last row grows to at most
  `--gallery-last-row-stretch` of the target height (then it is left short, aligned left).

The same numbers size the `<img>` in the HTML and decide the pixels each photo is resampled to
(assets/photos.py), so the resolution finding is about the size it is printed at. A photo that is
absent is a placeholder: of the shape the YAML names (`shape: portrait`) when it names one, else
of the theme's placeholder heights (so the catalogue without photos lays out as before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from booklet.assets.theme import Geometry, length_mm
from booklet.content.model import Book, Figure, Gallery, ImageRef
from booklet.core.profiles import get as profile

# height / width of the shapes a YAML may name for a photo not yet delivered
SHAPE_RATIOS = {
    "landscape": 2 / 3,
    "portrait": 3 / 2,
    "square": 1.0,
    "panorama": 1 / 3,
    "scan": 297 / 210,  # an A4 page, upright
}
DEFAULT_RATIO = 3 / 4  # an absent photo in a row or gallery of present ones, with no shape named
# every profile lays out the same pages (the proof is the print pagination): photos are sized for the press
LAYOUT_PPI = profile("print").ppi


@dataclass(frozen=True)
class Box:
    """Where one photo is placed: its width and height in mm."""

    width: float
    height: float

    def scaled(self, scale: float) -> Box:
        return self if scale == 1 else Box(self.width * scale, self.height * scale)

    @property
    def style(self) -> str:
        """A placeholder's size."""
        return f"width: {_mm(self.width)}; height: {_mm(self.height)}"

    @property
    def img(self) -> str:
        """A photo's: its width, the height following from its pixels (resampled to the same shape)."""
        return f"width: {_mm(self.width)}; height: auto"

    @property
    def flex(self) -> str:
        """Its figure's width, in a row or alone."""
        return f"width: {_mm(self.width)}; flex: 0 0 {_mm(self.width)}"


def _mm(value: float) -> str:
    # floored to 0.01 mm, so that a justified row never comes out wider than the measure
    return f"{math.floor(value * 100) / 100:.2f}mm"


class Sizer:
    """The placed size of every picture of one book, for one theme geometry and one set of images."""

    def __init__(self, book: Book, images: dict, geometry: Geometry, assumed: float | None = None):
        # assumed: the ratio of a photo neither present nor of a named shape (None: a placeholder
        # of the theme's height; the photo brief assumes a 4:3 landscape)
        self.geometry, self.images, self.assumed = geometry, images, assumed
        self.measure = geometry.measure(length_mm(book.edition.trim.width))
        self.text_height = geometry.text_height(length_mm(book.edition.trim.height))

    # ------------------------------------------------------------------ ratios

    def ratio(self, ref: ImageRef | None, path: str | None = None) -> float | None:
        """height / width of a photo: from its header when present, from the shape the YAML names
        when absent, else None (a placeholder of the theme's own height)."""
        path = path or (ref.image if ref is not None else None)
        image = self.images.get(path) if path else None
        if image is not None and image.url is not None:
            return image.ratio
        shape = getattr(ref, "shape", None)
        return SHAPE_RATIOS.get(shape) if shape else self.assumed

    # ------------------------------------------------------------------ sizes

    def limit(self, ref: ImageRef | None, path: str | None = None) -> float:
        """The widest (mm) a photo prints at the press resolution; infinite when not known."""
        path = path or (ref.image if ref is not None else None)
        image = self.images.get(path) if path else None
        pixels = getattr(image, "width_px", None) if image is not None and image.url else None
        return pixels / LAYOUT_PPI * 25.4 if pixels else math.inf

    def single(self, ratio: float, width: float, cap: float, limit: float = math.inf) -> Box:
        """A photo at `width`, unless that is taller than `cap` or than the portrait limit, or
        wider than its pixels print at the press resolution (down to the shrink floor)."""
        cap = min(cap, self.geometry.portrait_max * self.text_height)
        width = min(width, max(limit, width * self.geometry.shrink_floor))
        height = width * ratio
        if height > cap:
            height = cap
            width = cap / ratio
        return Box(width, height)

    def figure(self, figure: Figure, scale: float = 1) -> Box | None:
        """A figure set alone (full width, or a lone half figure filling its row), at `scale` of
        its size when page filling shrinks it."""
        ratio = self.ratio(figure)
        if ratio is None or figure.size == "full-bleed":
            return None
        cap = self.geometry.picture_max if figure.size == "full" else self.geometry.picture_max_small
        return self.single(ratio, self.measure, cap, self.limit(figure)).scaled(scale)

    def row(self, figures: list[Figure], size: str, scale: float = 1) -> list[Box] | None:
        """Half or third figures side by side: one justified row (None: all placeholders)."""
        boxes = self._row(figures, size)
        return None if boxes is None else [box.scaled(scale) for box in boxes]

    def _row(self, figures: list[Figure], size: str) -> list[Box] | None:
        """Half or third figures side by side: one justified row (None: all placeholders)."""
        ratios = [self.ratio(f) for f in figures]
        if all(r is None for r in ratios):
            return None
        ratios = [DEFAULT_RATIO if r is None else r for r in ratios]
        if len(figures) == 1:
            return [
                self.single(ratios[0], self.measure, self.geometry.picture_max_small, self.limit(figures[0]))
            ]
        gap = self.geometry.row_gap
        per_row = 3 if size == "third" else 2
        column = self.measure * self.geometry.third if size == "third" else (self.measure - gap) / 2
        height = (self.measure - gap * (len(figures) - 1)) / sum(1 / r for r in ratios)
        if len(figures) < per_row:  # a short row: no taller than its columns would set it
            height = min(height, column * max(ratios))
        height = min(height, self.geometry.picture_max_small)
        for figure, ratio in zip(figures, ratios):  # none wider than its column and its pixels allow
            height = min(height, max(column, self.limit(figure)) * ratio)
        return [Box(height / r, height) for r in ratios]

    def gallery(self, gallery: Gallery) -> list[list[tuple[int, Box]]] | None:
        """The gallery's justified rows: (index of the image, its box) in reading order."""
        ratios = [self.ratio(image) for image in gallery.images]
        if all(r is None for r in ratios):
            return None
        ratios = [DEFAULT_RATIO if r is None else r for r in ratios]
        share = self.geometry.gallery_3 if gallery.columns == 3 else self.geometry.gallery_2
        limits = [max(self.measure * share, self.limit(image)) for image in gallery.images]
        return justified_rows(
            ratios,
            self.measure,
            self.geometry.gallery_gap,
            self.gallery_target(gallery.columns),
            self.geometry.gallery_last_row_stretch,
            self.geometry.picture_max_small,
            limits,
        )

    def gallery_target(self, columns: int) -> float:
        return self.geometry.gallery_row_height * (2 / 3 if columns == 3 else 1)


def justified_rows(
    ratios: list[float],
    measure: float,
    gap: float,
    target: float,
    stretch: float,
    cap: float,
    limits: list[float] | None = None,
) -> list[list[tuple[int, Box]]]:
    """Photos (height / width ratios) broken into rows flush with `measure`, each near `target` high.

    A row is closed at the photo that takes it past the measure, keeping that photo or leaving it
    for the next row, whichever sets the row's height nearer the target; the last row is flush too
    unless that would make it taller than `stretch` × the target; no photo is wider than its
    `limits` entry (the width its pixels print at the press resolution, or its column's)."""
    rows: list[list[int]] = []
    current: list[int] = []
    for index in range(len(ratios)):
        current.append(index)
        width = sum(target / ratios[i] for i in current) + gap * (len(current) - 1)
        if width >= measure:
            with_it = _row_height(current, ratios, measure, gap)
            without = _row_height(current[:-1], ratios, measure, gap) if len(current) > 1 else math.inf
            if abs(with_it - target) <= abs(without - target):
                rows.append(current)
                current = []
            else:
                rows.append(current[:-1])
                current = [index]
    if current:
        rows.append(current)
    out = []
    for number, row in enumerate(rows):
        height = min(_row_height(row, ratios, measure, gap), cap)
        if limits:
            height = min([height] + [limits[i] * ratios[i] for i in row])
        if number == len(rows) - 1:
            height = min(height, target * stretch)
        out.append([(i, Box(height / ratios[i], height)) for i in row])
    return out


def _row_height(row: list[int], ratios: list[float], measure: float, gap: float) -> float:
    return (measure - gap * (len(row) - 1)) / sum(1 / ratios[i] for i in row)
