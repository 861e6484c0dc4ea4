"""The theme's variables the Python needs, read from the print CSS: the colours and fonts of the
art the build draws (SVG), and the page geometry the photos are sized for.

WeasyPrint does not apply the page's CSS to inline SVG, so the art cannot say
`var(--color-accent)`. Instead the same custom properties are read from the stylesheets
(in cascade order, the last declaration wins) and written into the SVG as values:
an edition or a print profile that overrides `--color-accent` restyles the art too.
Values pass through as written (`#a3192e`, `device-cmyk(0 .9 .7 .3)`), so a CMYK theme
stays CMYK in the art.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import escape

from booklet.core.resources import PACKAGE_STYLES

_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_CMYK = re.compile(r"^device-cmyk\(\s*([^)]*)\)$")

# Used when a stylesheet does not define a variable (e.g. a test project without styles/).
DEFAULTS = {
    "--color-text": "#231f20",
    "--color-muted": "#5b5657",
    "--color-accent": "#a3192e",
    "--color-accent-2": "#c8a24a",
    "--color-rule": "#c9c2c0",
    "--color-tint": "#f4eeea",
    "--color-paper": "#ffffff",
    "--font-body": '"Noto Serif CJK TC", "DejaVu Serif"',
    "--font-heading": '"Noto Sans CJK TC", "DejaVu Sans"',
}


@dataclass(frozen=True)
class Palette:
    """The theme variables the art uses: one place, so a theme switch reaches every drawing."""

    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))

    def __getitem__(self, name: str) -> str:
        """`palette["accent"]` → the value of --color-accent, safe to put in an SVG attribute."""
        return str(escape(self.values.get(f"--color-{name}") or DEFAULTS[f"--color-{name}"]))

    def font(self, name: str) -> str:
        """`palette.font("body")` → the font-family list of --font-body, for an SVG style."""
        return str(escape(self.values.get(f"--font-{name}") or DEFAULTS[f"--font-{name}"])).replace(
            "&#34;", "'"
        )

    def tint(self, name: str, strength: float) -> str:
        """The colour `name` at `strength` (0 = paper, 1 = full), computed in its own colour space."""
        return tint(self[name], strength)


def theme_variables(css_texts: list[str], kinds: str = "color|font") -> dict[str, str]:
    """The custom properties `--<kind>-…` the stylesheets declare (the last declaration wins)."""
    declaration = re.compile(rf"(--(?:{kinds})-[a-z0-9-]+)\s*:\s*([^;}}]+)")
    values = {}
    for text in css_texts:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for name, value in declaration.findall(text):
            value = value.strip()
            if value and "var(" not in value:
                values[name] = value
    return values


def read_palette(css_texts: list[str]) -> Palette:
    return Palette({**DEFAULTS, **theme_variables(css_texts)})


@dataclass(frozen=True)
class Geometry:
    """The page and figure geometry the photos are converted for, in mm (and shares of the measure),
    from the theme's `--page-…`, `--figure-…`, `--gallery-…` and `--picture-…` variables."""

    margin_inner: float
    margin_outer: float
    row_gap: float  # between the figures of a row
    third: float  # a third-width figure's share of the measure
    gallery_2: float  # a gallery item's share, two columns
    gallery_3: float  # and three
    picture_max: float  # a full-width picture's height cap
    picture_max_small: float  # a half, third or gallery picture's
    margin_top: float = 24.0
    margin_bottom: float = 24.0
    portrait_max: float = 0.6  # a portrait photo's height cap, as a share of the text block's height
    shrink_floor: float = 0.7  # page filling shrinks a figure to no less than this share of its width
    gallery_gap: float = 4.0
    gallery_row_height: float = 52.0  # a gallery row's target height (two columns)
    gallery_last_row_stretch: float = 1.15  # the last row's height at most this share of the target

    def measure(self, trim_width: float) -> float:
        return trim_width - self.margin_inner - self.margin_outer

    def text_height(self, trim_height: float) -> float:
        return trim_height - self.margin_top - self.margin_bottom


GEOMETRY = {  # field → the variable that sets it
    "margin_inner": "--page-margin-inner",
    "margin_outer": "--page-margin-outer",
    "row_gap": "--figure-row-gap",
    "third": "--figure-third",
    "gallery_2": "--gallery-2",
    "gallery_3": "--gallery-3",
    "picture_max": "--picture-max-height",
    "picture_max_small": "--picture-max-height-small",
    "margin_top": "--page-margin-top",
    "margin_bottom": "--page-margin-bottom",
    "portrait_max": "--picture-portrait-max",
    "shrink_floor": "--figure-shrink-floor",
    "gallery_gap": "--gallery-gap",
    "gallery_row_height": "--gallery-row-height",
    "gallery_last_row_stretch": "--gallery-last-row-stretch",
}


def read_geometry(css_texts: list[str]) -> Geometry:
    """The geometry the stylesheets set. A variable they lack, or set to what is not a plain length
    (a calc(), say), comes from the package's theme: the photos are then converted for its sizes."""
    kinds = "page|figure|gallery|picture"
    theme = theme_variables([(PACKAGE_STYLES / "variables.css").read_text(encoding="utf-8")], kinds)
    given = theme_variables(css_texts, kinds)
    lengths = {}
    for field_name, variable in GEOMETRY.items():
        length = _length(given.get(variable, ""))
        lengths[field_name] = length if length is not None else _length(theme[variable])
    return Geometry(**lengths)


def length_mm(text: str) -> float:
    """A length as the edition writes it (`210mm`, `8.5in`; a bare number is in px) in mm."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(mm|cm|in|pt|px)?\s*", text)
    if not match:
        raise ValueError(f"cannot read the length {text!r}")
    value, unit = float(match.group(1)), match.group(2) or "px"
    return value * {"mm": 1, "cm": 10, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}[unit]


@dataclass(frozen=True)
class Black:
    """How the press prints black: 100 % K text and thin rules overprint; a filled area of K at
    least `rich_from_mm` on both sides prints as the rich black `rich` (C, M, Y, K in 0…1) instead.
    From the theme's `--color-rich-black` (device-cmyk) and `--rich-black-from` (a length)."""

    rich: tuple[float, float, float, float] = (0.6, 0.4, 0.4, 1.0)
    rich_from_mm: float = 20.0


def read_black(css_texts: list[str]) -> Black:
    """The theme's black settings (the package theme's where the stylesheets set none)."""
    theme = (PACKAGE_STYLES / "variables.css").read_text(encoding="utf-8")
    values = {**theme_variables([theme], "color|rich"), **theme_variables(css_texts, "color|rich")}
    rich = Black.rich
    match = _CMYK.match(values.get("--color-rich-black", "").strip())
    if match:
        numbers = re.findall(r"[\d.]+%?", match.group(1))
        if len(numbers) == 4:
            rich = tuple(float(n[:-1]) / 100 if n.endswith("%") else float(n) for n in numbers)  # type: ignore[assignment]
    size = _length(values.get("--rich-black-from", ""))
    return Black(rich, size if size is not None else Black.rich_from_mm)


def _length(text: str) -> float | None:
    """A length in mm, or a percentage as a share (31% → 0.31); None if it is neither."""
    match = re.fullmatch(r"\s*([\d.]+)\s*(mm|cm|in|pt|px|%)\s*", text)
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value * {"mm": 1, "cm": 10, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96, "%": 0.01}[unit]


def tint(colour: str, strength: float) -> str:
    """Mix a colour with white (RGB) or scale its inks (CMYK); other notations are returned as they are."""
    strength = max(0.0, min(1.0, strength))
    hexed = _HEX.match(colour)
    if hexed:
        digits = hexed.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        channels = [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
        mixed = [round(255 - (255 - c) * strength) for c in channels]
        return "#" + "".join(f"{c:02x}" for c in mixed)
    cmyk = _CMYK.match(colour)
    if cmyk:
        parts = cmyk.group(1).replace(",", " ").split()
        inks = []
        for part in parts[:4]:
            number = float(part[:-1]) / 100 if part.endswith("%") else float(part)
            inks.append(f"{number * strength:.3g}")
        return f"device-cmyk({' '.join(inks)})"
    return colour
