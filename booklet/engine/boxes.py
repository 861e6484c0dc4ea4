"""Laid-out pages read back: the one way into WeasyPrint's box tree for the stages that measure it
(the typographic audit, the proof's source positions, the page diff)."""

from __future__ import annotations


def page_box(page):
    """The laid-out box tree of a `Document` page (WeasyPrint keeps it private: `Page._page_box`)."""
    return page._page_box


def children(box) -> tuple:
    return tuple(getattr(box, "children", ()) or ())


def is_text(box) -> bool:
    """A run of text (its `.text` is what it prints)."""
    from weasyprint.formatting_structure.boxes import TextBox

    return isinstance(box, TextBox)


def is_line(box) -> bool:
    """One line of a paragraph."""
    from weasyprint.formatting_structure.boxes import LineBox

    return isinstance(box, LineBox)


PX_TO_MM = 25.4 / 96  # WeasyPrint lays out in CSS px


def text_area(page) -> tuple[float, float]:
    """The top and bottom of a page's text area, in mm from the page's top edge."""
    box = page_box(page)
    top = box.content_box_y()
    return top * PX_TO_MM, (top + box.height) * PX_TO_MM


def sourced_blocks(page, attribute: str = "data-source") -> list[tuple[str, str, float, float]]:
    """Every outermost box on the page of an element whose `attribute` names a source line
    (`path:line`: a block; a chapter names only its file), in document order: (its value, the
    element's class, top, bottom of its margin box in mm)."""
    found: list[tuple[str, str, float, float]] = []

    def walk(box) -> None:
        element = getattr(box, "element", None)
        value = element.get(attribute) if element is not None else None
        if value is not None and ":" in value and getattr(box, "element_tag", "") == element.tag:
            top = box.position_y
            found.append(
                (value, element.get("class") or "", top * PX_TO_MM, (top + box.margin_height()) * PX_TO_MM)
            )
            return
        for child in children(box):
            walk(child)

    walk(page_box(page))
    return found


def lines_in(page, tag: str) -> list[tuple[str, int]]:
    """For each box of a `tag` element on the page (a table's header cells, say): its text and the
    number of lines it is set in."""
    found: list[tuple[str, int]] = []

    def lines(box) -> list:
        if is_line(box):
            return [box]
        return [line for child in children(box) for line in lines(child)]

    def text(box) -> str:
        if is_text(box):
            return box.text
        return "".join(text(child) for child in children(box))

    def walk(box) -> None:
        element = getattr(box, "element", None)
        if element is not None and element.tag == tag and getattr(box, "element_tag", "") == tag:
            found.append((text(box).strip(), len([line for line in lines(box) if text(line).strip()])))
            return
        for child in children(box):
            walk(child)

    walk(page_box(page))
    return found
