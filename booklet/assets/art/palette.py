"""The theme's colours and fonts for the art the build draws (SVG), read from the print CSS.

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

_DECLARATION = re.compile(r"(--(?:color|font)-[a-z0-9-]+)\s*:\s*([^;}]+)")
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


def read_palette(css_texts: list[str]) -> Palette:
    values = dict(DEFAULTS)
    for text in css_texts:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for name, value in _DECLARATION.findall(text):
            value = value.strip()
            if value and "var(" not in value:
                values[name] = value
    return Palette(values)


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
