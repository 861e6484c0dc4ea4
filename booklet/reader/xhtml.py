"""HTML as the templates render it → XHTML for the EPUB: parsed as a browser parses it (tinyhtml5,
WeasyPrint's own parser), copied into an lxml tree with the XHTML, SVG and EPUB namespaces, and
written as XML. The print folios go in here too, as page-break markers (`epub:type="pagebreak"`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import tinyhtml5
from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
OPS = "http://www.idpf.org/2007/ops"
XML = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML, "epub": OPS}
NO_MARKER_INSIDE = {
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "li",
    "p",
}
NO_MARKER_INSIDE |= {"h1", "h2", "h3", "h4", "h5", "h6", "svg", "figcaption", "picture"}


def parse(html: str) -> etree._Element:
    """The page as an lxml tree in the XHTML namespace (SVG in its own)."""
    return _copy(tinyhtml5.parse(html), None)


def _copy(source: ET.Element, parent: etree._Element | None) -> etree._Element:
    tag = source.tag
    namespace = etree.QName(tag).namespace
    if parent is None:
        element = etree.Element(tag, nsmap=NSMAP)
    elif namespace != etree.QName(parent.tag).namespace:  # inline SVG: its namespace as the default
        element = etree.SubElement(parent, tag, nsmap={None: namespace})
    else:
        element = etree.SubElement(parent, tag)
    for name, value in source.attrib.items():
        if name.startswith("{http://www.w3.org/2000/xmlns/}"):
            continue
        if name.startswith("epub:"):
            name = f"{{{OPS}}}{name[5:]}"
        elif name.startswith("xml:"):
            name = f"{{{XML}}}{name[4:]}"
        elif name.startswith("xmlns"):
            continue
        element.set(name, value)
    element.text = source.text
    for child in source:
        _copy(child, element).tail = child.tail
    return element


def local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def serialise(root: etree._Element) -> bytes:
    """The tree as an XHTML file: `lang` and `xml:lang` on the root, no data-source attributes."""
    lang = root.get("lang")
    if lang:
        root.set(f"{{{XML}}}lang", lang)
    for element in root.iter():
        if isinstance(element.tag, str):
            for name in [n for n in element.attrib if n.startswith("data-")]:
                del element.attrib[name]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n' + etree.tostring(
        root, encoding="utf-8"
    )


def insert_page_breaks(
    root: etree._Element, pages: list[tuple[int, tuple[str, int] | None]], first: bool
) -> list[int]:
    """Put a marker for each (folio, first new block on it) in document order; a page on which no
    block starts (a block running on, a reserved page) gets its marker after the one before.
    With `first`, the first page's marker opens the chapter. Returns the folios placed."""
    body = root.find(f"{{{XHTML}}}body")
    main = body.find(f".//{{{XHTML}}}article") if body is not None else None
    if main is None:
        return []
    by_source: dict[tuple[str, int], etree._Element] = {}
    order: dict[etree._Element, float] = {}
    for index, element in enumerate(main.iter()):
        order[element] = index
        source = element.get("data-source") if isinstance(element.tag, str) else None
        if source:
            path, _, line = source.rpartition(":")
            if line.isdigit():
                by_source.setdefault((path, int(line)), element)
    placed: list[int] = []
    last: etree._Element | None = None
    for number, (folio, source) in enumerate(pages):
        marker = etree.Element(f"{{{XHTML}}}span", nsmap=NSMAP)
        marker.set(f"{{{OPS}}}type", "pagebreak")
        marker.set("role", "doc-pagebreak")
        marker.set("id", f"page-{folio}")
        marker.set("aria-label", str(folio))
        target = by_source.get(source) if source else None
        if target is not None:
            target = _host(target, main)
        if number == 0 and first:
            header = main.find(f"{{{XHTML}}}header")
            (header if header is not None else main).insert(0, marker)
            order[marker] = -1.0
        elif target is not None and (last is None or order[target] > order[last]):
            target.addprevious(marker)
            order[marker] = order[target] - 0.5
        elif last is not None:
            last.addnext(marker)
            order[marker] = order[last] + 0.001
        else:
            main.insert(0, marker)
            order[marker] = -1.0
        marker.tail, last = None, marker
        placed.append(folio)
    return placed


def _host(element: etree._Element, main: etree._Element) -> etree._Element:
    """The element a marker may stand before: not inside a table, list, paragraph or heading."""
    current = element
    ancestor = element.getparent()
    while ancestor is not None and ancestor is not main:
        if local(ancestor) in NO_MARKER_INSIDE:
            current = ancestor
        ancestor = ancestor.getparent()
    if local(current) in {"tr", "td", "th", "li", "dt", "dd", "thead", "tbody"}:
        while current.getparent() is not None and local(current) not in {"table", "ul", "ol", "dl"}:
            current = current.getparent()
    return current
