"""The alternative text of the drawn art, generated from the same data the drawing is made from.

A chart is read out as its kind, title and every value ("堆疊長條圖：…。2018年：教育 9、產業 3，合計 12；…"),
a timeline as its dated events, a map as the areas and places it marks, a QR code as the address
it leads to. The words come from the book's labels (content/model.py), so a converted edition
reads them in its own script. The text goes into the SVG as its `<title>`: WeasyPrint makes that the
tagged PDF's `/Alt` of the Figure, and the reader editions' browsers read it as the image's name.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from booklet.assets.art.charts import bar_data, tables_by_key
from booklet.content.model import Book, Chart, Map


def _number(value: float) -> str:
    return f"{value:g}"


def describe_chart(chart: Chart, book: Book) -> str:
    labels = book.labels
    sep = labels["list_sep"]
    head = labels["timeline_chart" if chart.type == "timeline" else f"{chart.type}_chart"]
    title = chart.title or chart.caption or ""
    unit = chart.unit or ""
    if chart.type == "timeline":
        colon = labels["role_mark"]
        items = [f"{event.date}{colon}{event.label}" for event in sorted(chart.events, key=lambda e: e.when)]
    else:
        data = bar_data(chart, tables_by_key(book))
        items = []
        totals = data.totals()
        for index, category in enumerate(data.categories):
            parts = [
                f"{name} {_number(values[index])}{unit}" for name, values in data.series if values[index]
            ]
            text = f"{category}{labels['role_mark']}" + labels["names_join"].join(parts)
            if len(data.series) > 1:
                text += f"{labels['clause_join']}{labels['total']} {_number(totals[index])}{unit}"
            items.append(text)
    end = labels["sentence_end"]
    return f"{head}{labels['role_mark']}{title}{end}" + sep.join(items) + end


def describe_map(block: Map, book: Book) -> str:
    names = list(dict.fromkeys([area.name for area in block.areas] + [place.name for place in block.places]))
    caption = re.sub(r"<[^>]+>", "", block.caption or "")
    labels = book.labels
    end = labels["sentence_end"]
    return (
        f"{labels['map']}{labels['role_mark']}"
        + (f"{caption}{end}" if caption else "")
        + labels["names_join"].join(names)
        + end
    )


def describe_qr(url: str, book: Book) -> str:
    return f"{book.labels['qr_code']} {url}"


def titled(svg: Markup | str, text: str) -> Markup:
    """The SVG with `text` as its first child `<title>`, and role="img"."""
    svg = str(svg)
    end = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:end]
    if "role=" not in opening:
        opening = opening.replace("<svg", '<svg role="img"', 1)
    return Markup(opening + f"<title>{escape(text)}</title>" + svg[end:])
