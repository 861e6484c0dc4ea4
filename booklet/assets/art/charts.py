"""Charts as vector SVG, written by hand from the chart block's data: text stays text.

One SVG user unit is one millimetre; the art is as wide as the text column (170 mm)
and scales with it. Colours and fonts come from the theme (assets/theme.Palette).

Bars counted from tables (`count_tables`) count the rows of each named table by their
tags, so the numbers in the chart are the tables' own rows, never typed twice.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from markupsafe import Markup, escape

from booklet.assets.theme import Palette
from booklet.content.chars import is_cjk
from booklet.content.model import Book, Chart, Table

WIDTH = 170.0
TEXT = 3.0  # mm: chart text size (≈ 8.5 pt)
SMALL = 2.6


class ChartError(ValueError):
    """The chart's data cannot be resolved; `field` names the offending YAML field."""

    def __init__(self, message: str, field: str, hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.hint = hint


@dataclass(frozen=True)
class BarData:
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]  # (name, one value per category)

    def totals(self) -> list[float]:
        return [sum(values[i] for _, values in self.series) for i in range(len(self.categories))]


def tables_by_key(book: Book) -> dict[str, Table]:
    return {
        placed.block.key: placed.block
        for placed in book.all_blocks()
        if isinstance(placed.block, Table) and placed.block.key
    }


def bar_data(chart: Chart, tables: dict[str, Table]) -> BarData:
    """The chart's bars: typed series, or the rows of the named tables counted by tag."""
    if chart.series:
        return BarData(tuple(chart.categories), tuple((s.name, tuple(s.values)) for s in chart.series))
    counts: list[Counter[str]] = []
    first_seen: dict[str, int] = {}
    for index, source in enumerate(chart.count_tables):
        where = f"count_tables[{index}].table"
        table = tables.get(source.table)
        if table is None:
            known = ", ".join(sorted(tables)) or "none"
            raise ChartError(
                f"no table has key {source.table!r} (table keys: {known})",
                where,
                f"give the table `key: {source.table}`",
            )
        if table.tags is None:
            raise ChartError(
                f"table {source.table!r} has no tags to count by",
                where,
                "give the table `tags:`, one per row",
            )
        counts.append(Counter(table.tags))
        for tag in table.tags:
            first_seen.setdefault(tag, len(first_seen))
    totals = sum(counts, Counter())
    order = sorted(first_seen, key=lambda tag: (-totals[tag], first_seen[tag]))
    series = tuple((tag, tuple(float(c[tag]) for c in counts)) for tag in order)
    return BarData(tuple(s.label for s in chart.count_tables), series)


def draw_chart(chart: Chart, book: Book, palette: Palette) -> Markup:
    if chart.type == "timeline":
        return draw_timeline(chart, palette, book.labels.get("year", "年"))
    return draw_bars(bar_data(chart, tables_by_key(book)), chart, palette)


# ---------------------------------------------------------------- drawing helpers


def text_width(text: str, size: float) -> float:
    """Estimated advance: CJK and full-width characters are one em, others about half."""
    return sum(size if is_cjk(ch) else size * 0.56 for ch in text)


def _number(value: float) -> str:
    return f"{value:g}"


def _style(palette: Palette) -> str:
    return (
        "<style>"
        f".chart-text{{font-family:{palette.font('heading')};font-size:{TEXT}px;fill:{palette['text']}}}"
        f".chart-small{{font-family:{palette.font('heading')};font-size:{SMALL}px;fill:{palette['muted']}}}"
        f".chart-label{{font-family:{palette.font('body')};font-size:{TEXT}px;fill:{palette['text']}}}"
        f".chart-strong{{font-weight:bold}}"
        # coloured one by one (fill attribute), so no fill here: a <style> rule would override the attribute
        f".chart-value{{font-family:{palette.font('heading')};font-size:{TEXT}px}}"
        f".chart-date{{font-family:{palette.font('heading')};font-size:{SMALL}px}}"
        "</style>"
    )


def _svg(height: float, body: list[str], palette: Palette, kind: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {WIDTH:g} {height:.1f}" '
        f'width="{WIDTH:g}mm" height="{height:.1f}mm" role="img">'
        + _style(palette)
        + "".join(body)
        + "</svg>"
    )


def series_colours(palette: Palette, count: int) -> list[tuple[str, str]]:
    """(fill, text colour on it) for each series: the theme's colours, then their tints."""
    strong = [
        ("accent", 1.0),
        ("accent-2", 1.0),
        ("muted", 1.0),
        ("accent", 0.5),
        ("accent-2", 0.45),
        ("muted", 0.4),
        ("accent", 0.22),
        ("accent-2", 0.2),
        ("text", 1.0),
        ("muted", 0.15),
    ]
    out = []
    for i in range(count):
        name, strength = strong[i % len(strong)]
        fill = palette.tint(name, strength)
        dark = strength >= 0.9 and name != "accent-2"
        out.append((fill, palette["paper"] if dark else palette["text"]))
    return out


# ---------------------------------------------------------------- bars


def draw_bars(data: BarData, chart: Chart, palette: Palette) -> Markup:
    """Horizontal bars, one per category; stacked: one segment per series, with its count inside."""
    stacked = chart.type == "stacked_bar" or len(data.series) == 1
    colours = series_colours(palette, len(data.series))
    unit = chart.unit or ""
    label_w = max(text_width(c, TEXT) for c in data.categories) + 3
    total_w = max(text_width(_number(t) + unit, TEXT) for t in data.totals()) + 3
    left, right = label_w, WIDTH - total_w
    maximum = max(data.totals() if stacked else [v for _, vs in data.series for v in vs]) or 1
    scale = (right - left) / maximum
    bar_h = 7.0 if stacked else 4.2
    group_h = bar_h if stacked else bar_h * len(data.series)
    body: list[str] = []

    # legend: one swatch per series, wrapped into rows
    y = 0.0
    if len(data.series) > 1:
        x, y = 0.0, 1.0
        for (name, _), (fill, _) in zip(data.series, colours):
            w = 3.2 + 1.2 + text_width(name, TEXT) + 5
            if x + w > WIDTH:
                x, y = 0.0, y + 5.5
            body.append(
                f'<rect class="chart-swatch" x="{x:.2f}" y="{y:.2f}" width="3.2" height="3.2" fill="{fill}"/>'
            )
            body.append(f'<text class="chart-text" x="{x + 4.4:.2f}" y="{y + 2.9:.2f}">{escape(name)}</text>')
            x += w
        y += 9.0
    top = y
    # grid and scale
    rows_h = len(data.categories) * (group_h + 5) - 5
    step = (
        1
        if maximum <= 12
        else 2
        if maximum <= 24
        else 5
        if maximum <= 60
        else 10 ** (len(str(int(maximum))) - 1)
    )
    tick = 0
    while tick <= maximum:
        gx = left + tick * scale
        body.append(
            f'<line class="chart-grid" x1="{gx:.2f}" y1="{top - 1.5:.2f}" x2="{gx:.2f}" y2="{top + rows_h + 1.5:.2f}" '
            f'stroke="{palette["rule"]}" stroke-width="0.2"/>'
        )
        body.append(
            f'<text class="chart-small" x="{gx:.2f}" y="{top + rows_h + 5:.2f}" text-anchor="middle">{tick}</text>'
        )
        tick += step
    # bars
    for i, category in enumerate(data.categories):
        y0 = top + i * (group_h + 5)
        body.append(
            f'<text class="chart-text chart-strong" x="0" y="{y0 + group_h / 2 + TEXT * 0.36:.2f}">{escape(category)}</text>'
        )
        x = left
        for s, ((name, values), (fill, ink)) in enumerate(zip(data.series, colours)):
            value = values[i]
            if not stacked:
                x = left
            yb = y0 if stacked else y0 + s * bar_h
            w = value * scale
            if value:
                body.append(
                    f'<rect class="chart-bar" x="{x:.2f}" y="{yb:.2f}" width="{w:.2f}" height="{bar_h - 0.6:.2f}" '
                    f'fill="{fill}" stroke="{palette["paper"]}" stroke-width="0.3"><title>{escape(name)}</title></rect>'
                )
                label = _number(value)
                if text_width(label, TEXT) + 1 < w:
                    body.append(
                        f'<text class="chart-value" x="{x + w / 2:.2f}" y="{yb + (bar_h - 0.6) / 2 + TEXT * 0.36:.2f}" '
                        f'text-anchor="middle" fill="{ink}">{label}</text>'
                    )
            if stacked:
                x += w
            else:
                body.append(
                    f'<text class="chart-small" x="{left + w + 1:.2f}" y="{yb + bar_h / 2 + 0.8:.2f}">{_number(value)}{escape(unit)}</text>'
                )
        if stacked:
            total = data.totals()[i]
            body.append(
                f'<text class="chart-text chart-total" x="{x + 1.5:.2f}" y="{y0 + group_h / 2 + TEXT * 0.36:.2f}">'
                f"{_number(total)}{escape(unit)}</text>"
            )
    return _svg(top + rows_h + 7, body, palette, chart.type.replace("_", "-"))


# ---------------------------------------------------------------- timeline


def _lane_cost(lane: int, x0: float, x1: float, x: float, boxes) -> int | None:
    """Lanes alternate above (even) and below (odd) the axis, deeper as they grow. None: the lane is
    taken (a label there overlaps, or this label would sit across the stem of a deeper one);
    otherwise the number of nearer labels this event's stem must cross."""
    side, depth = lane % 2, lane // 2
    crossings = 0
    for other, ox0, ox1, ox in boxes:
        if other % 2 != side:
            continue
        if other == lane and not (x1 + 1.5 < ox0 or x0 > ox1 + 1.5):
            return None
        if other // 2 > depth and x0 - 0.5 <= ox <= x1 + 0.5:
            return None
        if other // 2 < depth and ox0 - 0.5 <= x <= ox1 + 0.5:
            crossings += 1
    return crossings


def _choose_lane(x0: float, x1: float, x: float, boxes) -> int:
    """The free lane whose stem crosses the fewest labels, the nearest among equals."""
    lane, best = 0, None
    while True:
        cost = _lane_cost(lane, x0, x1, x, boxes)
        if cost is not None and (best is None or cost < best[0]):
            best = (cost, lane)
        if best is not None and (best[0] == 0 or lane >= 7):
            return best[1]
        lane += 1


def draw_timeline(chart: Chart, palette: Palette, year_word: str = "年") -> Markup:
    """A time axis by years; each event a dot and a stem to its date and label, in lanes above and below.
    `year_word` follows each year (年; nothing in a Latin-script booklet)."""
    events = sorted(chart.events, key=lambda e: e.when)
    first, last = events[0].when[0], events[-1].when[0]
    start, end = datetime.date(first, 1, 1), datetime.date(last + 1, 1, 1)
    margin = 2.0
    span = (end - start).days

    def x_of(when: tuple[int, int, int]) -> float:
        return margin + (datetime.date(*when) - start).days / span * (WIDTH - 2 * margin)

    groups = list(dict.fromkeys(e.group for e in events if e.group))
    colours = {group: fill for group, (fill, _) in zip(groups, series_colours(palette, len(groups)))}
    lane_h = SMALL + TEXT + 4.2
    boxes: list[tuple[int, float, float, float]] = []  # (lane, x0, x1, event x)
    placed = []
    for event in events:
        x = x_of(event.when)
        w = max(text_width(event.date, SMALL), text_width(event.label, TEXT)) + 1.5
        anchor_end = x + w > WIDTH
        x0, x1 = (x - w, x) if anchor_end else (x, x + w)
        lane = _choose_lane(x0, x1, x, boxes)
        boxes.append((lane, x0, x1, x))
        placed.append((event, x, lane, anchor_end))
    above = max((lane // 2 for _, _, lane, _ in placed if lane % 2 == 0), default=0) + 1
    below = max((lane // 2 for _, _, lane, _ in placed if lane % 2 == 1), default=-1) + 1
    band = 2.6  # half the height of the year band
    legend_h = 7.0 if groups else 0.0
    axis_y = legend_h + above * lane_h + band + 1
    height = axis_y + band + 1.5 + below * lane_h
    body: list[str] = []
    x = 0.0
    for group in groups:
        body.append(f'<circle cx="{x + 1.6:.2f}" cy="2.6" r="1.4" fill="{colours[group]}"/>')
        body.append(f'<text class="chart-text" x="{x + 4:.2f}" y="3.7">{escape(group)}</text>')
        x += text_width(group, TEXT) + 10
    for year in range(first, last + 1):
        x0, x1 = x_of((year, 1, 1)), x_of((year + 1, 1, 1))
        fill = palette.tint("accent", 0.12 if (year - first) % 2 == 0 else 0.22)
        body.append(
            f'<rect class="chart-year-band" x="{x0:.2f}" y="{axis_y - band:.2f}" width="{x1 - x0:.2f}" '
            f'height="{2 * band:.2f}" fill="{fill}"/>'
        )
        body.append(
            f'<text class="chart-text chart-strong chart-year" x="{(x0 + x1) / 2:.2f}" '
            f'y="{axis_y + TEXT * 0.36:.2f}" text-anchor="middle">{year}{escape(year_word)}</text>'
        )
    stems: list[str] = []
    labels: list[str] = []
    for event, x, lane, anchor_end in placed:
        up = lane % 2 == 0
        depth = lane // 2
        fill = colours.get(event.group, palette["accent"])
        if up:
            label_y = axis_y - band - 2.3 - depth * lane_h
            date_y = label_y - TEXT - 0.6
            edge, stem_end = axis_y - band, date_y - SMALL
        else:
            date_y = axis_y + band + 1.5 + SMALL + depth * lane_h
            label_y = date_y + TEXT + 0.6
            edge, stem_end = axis_y + band, label_y + 0.8
        stems.append(
            f'<line class="chart-stem" x1="{x:.2f}" y1="{edge:.2f}" x2="{x:.2f}" y2="{stem_end:.2f}" '
            f'stroke="{fill}" stroke-width="0.3"/>'
        )
        stems.append(
            f'<circle class="chart-event" cx="{x:.2f}" cy="{edge:.2f}" r="1.1" fill="{fill}" '
            f'stroke="{palette["paper"]}" stroke-width="0.3"/>'
        )
        anchor = ' text-anchor="end"' if anchor_end else ""
        tx = x - 0.9 if anchor_end else x + 0.9
        w = max(text_width(event.date, SMALL), text_width(event.label, TEXT))
        bx = tx - w if anchor_end else tx
        # a paper-coloured backing: a nearer label hides the stems that pass behind it
        labels.append(
            f'<rect x="{bx - 0.4:.2f}" y="{date_y - SMALL:.2f}" width="{w + 0.8:.2f}" '
            f'height="{label_y + 0.9 - date_y + SMALL:.2f}" fill="{palette["paper"]}"/>'
        )
        labels.append(
            f'<text class="chart-date"{anchor} x="{tx:.2f}" y="{date_y:.2f}" '
            f'fill="{fill}">{escape(event.date)}</text>'
        )
        labels.append(
            f'<text class="chart-label"{anchor} x="{tx:.2f}" y="{label_y:.2f}">{escape(event.label)}</text>'
        )
    body.extend(stems)
    body.extend(labels)
    return _svg(height, body, palette, "timeline")
