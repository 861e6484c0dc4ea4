"""Machine-readable codes as inline vector SVG: the ISBN's EAN-13 barcode and QR codes of links."""

from __future__ import annotations

import re

from markupsafe import Markup

from booklet.content.isbn import isbn_digits

# EAN-13 at 100 % magnification: 0.33 mm modules; bars a little shorter than the nominal
# 22.85 mm, as books print them, with the digits below.
MODULE_MM = 0.33
BAR_HEIGHT_MM = 18.0


def draw_ean13(isbn: str, font_family: str = "DejaVu Sans") -> Markup:
    """The ISBN as an EAN-13 barcode, black bars on a white ground, as inline SVG."""
    import barcode
    from barcode.writer import SVGWriter

    digits = isbn_digits(isbn)
    code = barcode.get("ean13", digits[:12], writer=SVGWriter())
    svg = code.render(
        {
            "module_width": MODULE_MM,
            "module_height": BAR_HEIGHT_MM,
            "quiet_zone": 3.63,
            "font_size": 8,
            "text_distance": 3.5,
            "background": "white",
            "foreground": "black",
            "compress": True,
        }
    ).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->", "", svg)
    svg = svg.replace("<svg ", f'<svg class="isbn-barcode" role="img" aria-label="ISBN {digits}" ', 1)
    end = svg.index(">") + 1  # the title is the tagged PDF's /Alt of the figure
    svg = svg[:end] + f"<title>ISBN {digits}</title>" + svg[end:]
    # presentation attributes, not style="" (which the HTML cascade would also read), and no ids
    svg = svg.replace(' id="barcode_group"', "")
    svg = re.sub(r'style="fill:(\w+);?"', r'fill="\1"', svg)
    svg = re.sub(
        r'style="fill:(\w+);font-size:([\d.]+pt);text-anchor:middle;"',
        rf'fill="\1" font-size="\2" text-anchor="middle" font-family="{font_family}"',
        svg,
    )
    return Markup(svg)


def draw_qr(url: str) -> Markup:
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=1, border=0, dark="#000", omitsize=True)
    return Markup(svg)
