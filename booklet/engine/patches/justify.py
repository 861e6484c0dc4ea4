"""Inter-character justification for Chinese, as a small extension of WeasyPrint 70.

WeasyPrint justifies by widening U+0020 and U+00A0 only, so a line of Chinese never reaches
the right margin. `install()` replaces two functions (engine.install() checks the version first):

- `layout.inline.text_align`: after a line is laid out with `text-align: justify`, its slack
  is spread evenly over the line's justification opportunities (every gap next to a CJK
  character, and every space). Each text box remembers after which of its characters the
  extra advance goes (`box.cjk_justify`); boxes are widened and shifted as WeasyPrint does
  for word spacing. Autospace margins (class `cjk-gap-l` / `cjk-gap-r`, made by html/spans.py) are
  dropped at the edges of a line, as CSS `text-autospace` does.
- `draw.text.draw_first_line`: before a justified text box is drawn, the advance of the
  glyphs ending those characters is widened in Pango's glyph string, so the PDF shows the
  same characters at justified positions. The text stream itself is unchanged: no space is
  inserted, copy and search see the source text.

`uninstall()` puts WeasyPrint's own functions back.
"""

from __future__ import annotations

from dataclasses import dataclass

from booklet.content.chars import is_cjk

SPACES = " \u00a0"
# Pairs that must never be pulled apart (a two-em dash, an ellipsis).
UNBREAKABLE = {("—", "—"), ("…", "…"), ("─", "─")}
GAP_CLASSES = ("cjk-gap-l", "cjk-gap-r")
# What follows a character when the next leaf of the line is an atomic inline (an image, an inline
# block): U+FFFC OBJECT REPLACEMENT CHARACTER, as for line breaking.
OBJECT = "\ufffc"

ORIGINAL: dict[str, object] = {}  # WeasyPrint's own functions while the patch is installed


def gap_after(left: str, right: str | None) -> bool:
    """Is there a justification opportunity after `left` (followed by `right` on the line)?

    `right` is None at the end of the line, OBJECT before an atomic inline: a space before one
    widens (as WeasyPrint widens every space), a character next to one does not."""
    if right is None:
        return False
    if left in SPACES:
        return True  # the space itself widens
    if right in SPACES or right == OBJECT:
        return False  # the space after it takes the extra; no gap is made against an object
    if (left, right) in UNBREAKABLE:
        return False
    return is_cjk(left) or is_cjk(right)


# Above this extra advance per gap (in em) text extractors such as pdftotext read every gap
# as a word space (poppler breaks words at 0.1 em): the excess goes to spaces instead.
LOOSE_LIMIT = 0.09


def is_hard(left: str, right: str | None) -> bool:
    """A gap that already reads as a space: a space, or between Han and Latin (autospace)."""
    if left in SPACES or right is None:
        return left in SPACES
    return is_cjk(left) != is_cjk(right)


@dataclass(frozen=True)
class Justified:
    """Extra advance (CSS px) added after character indices of a text box: {index: extra}."""

    extras: dict[int, float]


# ---------------------------------------------------------------- layout


def _leaves(box, out: list) -> list:
    """In-flow inline-level leaves of a line, in visual (LTR) order."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            out.append(child)
        elif isinstance(child, boxes.InlineBox):
            _leaves(child, out)
        else:
            out.append(child)  # atomic: images, inline blocks
    return out


def _opportunities(leaves: list) -> list[list[tuple[int, bool]]]:
    """For each leaf, (index, hard) for its characters followed by a justification gap."""
    from weasyprint.formatting_structure import boxes

    result: list[list[int]] = []
    for position, leaf in enumerate(leaves):
        if not isinstance(leaf, boxes.TextBox) or leaf.style["white_space"] not in (
            "normal",
            "nowrap",
            "pre-line",
        ):
            result.append([])
            continue
        text = leaf.text
        following = leaves[position + 1] if position + 1 < len(leaves) else None
        if following is None:
            next_char = None
        elif isinstance(following, boxes.TextBox):
            next_char = following.text[:1] or None
        else:
            next_char = OBJECT  # an image, an inline block
        indices = []
        for i, char in enumerate(text):
            right = text[i + 1] if i + 1 < len(text) else next_char
            if gap_after(char, right):
                indices.append((i, is_hard(char, right)))
        result.append(indices)
    return result


def _is_gap_box(box, side: str) -> bool:
    from weasyprint.formatting_structure import boxes

    if not isinstance(box, boxes.InlineBox) or box.element is None:
        return False
    classes = (box.element.get("class") or "").split()
    return f"cjk-gap-{side}" in classes


def _widen(box, amount: float) -> None:
    box.width += amount


def _trim_edge_gaps(line) -> None:
    """Drop an autospace margin at the very start or end of a line (text-autospace)."""
    first_path, last_path = [], []
    box = line
    while getattr(box, "children", None):
        children = [c for c in box.children if c.is_in_normal_flow()]
        if not children:
            break
        box = children[0]
        first_path.append(box)
    box = line
    while getattr(box, "children", None):
        children = [c for c in box.children if c.is_in_normal_flow()]
        if not children:
            break
        box = children[-1]
        last_path.append(box)
    for box in first_path:
        if _is_gap_box(box, "l") and box.margin_left:
            shift = box.margin_left
            box.margin_left = 0
            for sibling in _following(line, box):
                sibling.translate(-shift, 0, ignore_floats=True)
            box.translate(-shift, 0, ignore_floats=True)
            for ancestor in [line, *first_path[: first_path.index(box)]]:
                ancestor.width -= shift
            break
    for box in last_path:
        if _is_gap_box(box, "r") and box.margin_right:
            shift = box.margin_right
            box.margin_right = 0
            for ancestor in [line, *last_path[: last_path.index(box)]]:
                ancestor.width -= shift
            break


def _following(line, target) -> list:
    """Boxes after `target` in the line (at every level), for shifting."""
    out: list = []

    def walk(box) -> bool:
        found = False
        for child in getattr(box, "children", []):
            if found:
                out.append(child)
            elif child is target or walk(child):
                found = True
        return found

    walk(line)
    return out


def _clear(box) -> None:
    for child in getattr(box, "children", []):
        if hasattr(child, "cjk_justify"):
            child.cjk_justify = None
        _clear(child)


def justify_line(line, available_width: float) -> int:
    """Spread the line's slack over its gaps; returns the number of gaps used."""
    from weasyprint.formatting_structure import boxes

    slack = available_width - line.width
    if slack <= 0:
        return 0
    leaves = _leaves(line, [])
    opportunities = _opportunities(leaves)
    count = sum(len(indices) for indices in opportunities)
    if not count:
        return 0
    hard = sum(1 for indices in opportunities for _, is_hard_gap in indices if is_hard_gap)
    soft_extra = hard_extra = slack / count
    limit = LOOSE_LIMIT * line.style["font_size"]
    if soft_extra > limit and hard:
        soft_extra = limit
        hard_extra = (slack - limit * (count - hard)) / hard
    added: dict[int, float] = {}
    for leaf, indices in zip(leaves, opportunities):
        if indices and isinstance(leaf, boxes.TextBox):
            extras = {i: hard_extra if is_hard_gap else soft_extra for i, is_hard_gap in indices}
            leaf.cjk_justify = Justified(extras)
            added[id(leaf)] = sum(extras.values())
    _spread(line, added, 0.0)
    return count


def _spread(box, added: dict[int, float], advance: float) -> float:
    """Shift every box by the extra width of those before it; widen boxes by their own."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        box.position_x += advance
        grow = added.get(id(box), 0.0)
        box.width += grow
        return advance + grow
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += advance
        before = advance
        for child in box.children:
            if child.is_in_normal_flow():
                advance = _spread(child, added, advance)
        box.width += advance - before
        return advance
    box.translate(advance, 0)
    return advance


def _text_align(original):
    def text_align(context, line, available_width, last):
        _clear(line)
        _trim_edge_gaps(line)
        align = line.style["text_align_all"]
        if last:
            align_last = line.style["text_align_last"]
            align = align if align_last == "auto" else align_last
        rtl = line.style["direction"] == "rtl"
        collapsing = line.style["white_space"] in ("normal", "nowrap", "pre-line")
        if align == "justify" and collapsing and not rtl:
            justify_line(line, available_width)
            return 0
        return original(context, line, available_width, last)

    text_align.booklet_patch = True
    return text_align


# ---------------------------------------------------------------- drawing


def widen_glyphs(textbox) -> None:
    """Widen, in the Pango glyph string about to be drawn, the glyphs that end a gap character."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    justified: Justified | None = getattr(textbox, "cjk_justify", None)
    if not justified or not justified.extras:
        return
    layout = textbox.pango_layout
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)  # as draw_first_line does
    text = layout.text
    starts: dict[int, int] = {}  # byte offset → character index
    offset = 0
    for index, char in enumerate(text):
        starts[offset] = index
        offset += len(char.encode())
    total = offset
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    run = line.runs[0] if line != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        item_offset = glyph_item.item.offset
        item_end = item_offset + glyph_item.item.length
        glyphs = glyph_item.glyphs
        count = glyphs.num_glyphs
        for i in range(count):
            cluster = item_offset + glyphs.log_clusters[i]
            if i + 1 < count and glyphs.log_clusters[i + 1] == glyphs.log_clusters[i]:
                continue  # not the last glyph of its cluster
            cluster_end = item_offset + glyphs.log_clusters[i + 1] if i + 1 < count else item_end
            first = starts.get(cluster)
            if first is None:
                continue
            last = starts.get(cluster_end, len(text)) if cluster_end < total else len(text)
            extra = sum(justified.extras.get(k, 0.0) for k in range(first, last))
            if extra:
                glyphs.glyphs[i].geometry.width += round(extra * TO_UNITS)


def _draw_first_line(original):
    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
        if text_overflow != "ellipsis" and block_ellipsis == "none":  # no re-layout follows
            widen_glyphs(textbox)
        return original(stream, textbox, text_overflow, block_ellipsis, matrix)

    draw_first_line.booklet_patch = True
    return draw_first_line


# ---------------------------------------------------------------- installation


def install() -> None:
    """Patch WeasyPrint once (the version is checked by engine.patches.install)."""
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import inline

    if not getattr(inline.text_align, "booklet_patch", False):
        ORIGINAL["text_align"] = inline.text_align
        inline.text_align = _text_align(inline.text_align)
    if not getattr(draw_text.draw_first_line, "booklet_patch", False):
        ORIGINAL["draw_first_line"] = draw_text.draw_first_line
        draw_text.draw_first_line = _draw_first_line(draw_text.draw_first_line)


def uninstall() -> None:
    """WeasyPrint's own line alignment and text drawing back."""
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import inline

    if "text_align" in ORIGINAL:
        inline.text_align = ORIGINAL.pop("text_align")
    if "draw_first_line" in ORIGINAL:
        draw_text.draw_first_line = ORIGINAL.pop("draw_first_line")


def installed() -> bool:
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import inline

    return bool(getattr(inline.text_align, "booklet_patch", False)) and bool(
        getattr(draw_text.draw_first_line, "booklet_patch", False)
    )
