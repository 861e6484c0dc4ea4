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
