"""The screen PDF read back as PDF/UA-1: the machine-checkable conditions of the Matterhorn Protocol
that apply to this book, as preflight checks (each failure names its page and its block).

- `pdfua document` (Matterhorn 01, 06, 07, 11): a structure tree and `/MarkInfo /Marked true`; the
  PDF/UA identifier and a `dc:title` in the XMP; the title shown (`/DisplayDocTitle true`); the
  document's `/Lang`, and every `/Lang` in the tree, a language tag.
- `pdfua figures` (13-004): every Figure has `/Alt` (or `/ActualText`); decorative art is an
  artifact, so it is no Figure.
- `pdfua headings` (14-003): heading levels never skip going down (H1 → H3).
- `pdfua tables` (09-004, 15-003): TR inside Table, THead, TBody or TFoot; TH and TD inside TR;
  every TH has `/Scope`.
- `pdfua links` (28-002, 28-004, 28-011): every link annotation has a non-empty `/Contents` that is
  not just its target, is tagged (`/StructParent`), and its page has `/Tabs /S`.

The block a failure came from is found from the layout (page → (file, line, top) of each block):
the block whose top is nearest above the element's box, else the first on the page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf

from booklet.pdf.preflight import Check

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
HEADINGS = {f"/H{n}": n for n in range(1, 7)}
TABLE_PARENTS = {"/TR": {"/Table", "/THead", "/TBody", "/TFoot"}, "/TH": {"/TR"}, "/TD": {"/TR"}}
Sources = dict[int, list[tuple[str, int, float]]]  # page number → (path, line, top in CSS px)


def ua_checks(pdf_source: bytes | Path, sources: Sources | None = None) -> list[Check]:
    pdf = pikepdf.open(pdf_source if isinstance(pdf_source, Path) else io.BytesIO(pdf_source))
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    where = _Where(pages, sources or {})
    document = Check(
        "pdfua document", summary="structure tree, marked, PDF/UA identifier, title shown, languages"
    )
    figures = Check("pdfua figures")
    headings = Check("pdfua headings")
    tables = Check("pdfua tables")
    links = Check("pdfua links")
    root = pdf.Root
    tree = root.get("/StructTreeRoot")
    if tree is None:
        document.worse("fail", "no structure tree: the PDF is not tagged")
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        document.worse("fail", "/MarkInfo /Marked is not true")
    meta = pdf.open_metadata()
    if str(meta.get("pdfuaid:part", "")) != "1":
        document.worse("fail", "the XMP metadata lacks the PDF/UA identifier (pdfuaid:part 1)")
    if not str(meta.get("dc:title", "")).strip():
        document.worse("fail", "the XMP metadata has no dc:title")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        document.worse("fail", "the viewer is not told to show the title (/DisplayDocTitle)")
    lang = str(root.get("/Lang", ""))
    if not LANGUAGE_TAG.match(lang):
        document.worse("fail", f"the document's language {lang!r} is not a language tag")
    counts = {"figures": 0, "headings": 0, "headers": 0, "links": 0, "langs": 0}
    previous = [0]

    def visit(element, parent_type: str) -> None:
        if not isinstance(element, pikepdf.Dictionary):
            return
        kind = str(element.get("/S", ""))
        if "/Lang" in element:
            counts["langs"] += str(element.Lang) != lang
            if not LANGUAGE_TAG.match(str(element.Lang)):
                document.worse("fail", f"{where(element)}: {kind} has the language {str(element.Lang)!r}")
        if kind == "/Figure":
            counts["figures"] += 1
            if not str(element.get("/Alt", element.get("/ActualText", ""))).strip():
                figures.worse("fail", f"{where(element)}: a Figure without alternative text")
        elif kind in HEADINGS:
            counts["headings"] += 1
            level = HEADINGS[kind]
            if level > previous[0] + 1:
                headings.worse(
                    "fail",
                    f"{where(element)}: {kind[1:]} after H{previous[0]} «{_text(element)[:30]}»",
                )
            previous[0] = level
        if kind in TABLE_PARENTS and parent_type not in TABLE_PARENTS[kind]:
            tables.worse("fail", f"{where(element)}: {kind[1:]} inside {parent_type[1:] or 'nothing'}")
        if kind == "/TH":
            counts["headers"] += 1
            if "/Scope" not in element.get("/A", {}):
                tables.worse("fail", f"{where(element)}: header cell «{_text(element)[:20]}» without /Scope")
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            visit(kid, kind)

    if tree is not None:
        visit(tree, "")
    for number, page in enumerate(pdf.pages, start=1):
        annotations = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        if annotations and str(page.obj.get("/Tabs", "")) != "/S":
            links.worse("fail", f"page {number}: links, but the tab order is not the structure's (/Tabs /S)")
        for annotation in annotations:
            counts["links"] += 1
            said = str(annotation.get("/Contents", "")).strip()
            target = annotation.get("/Dest", annotation.get("/A", {}).get("/URI", ""))
            if not said or said == str(target).strip():
                links.worse(
                    "fail", f"page {number}: a link to {str(target)[:60]} without an alternate description"
                )
            if "/StructParent" not in annotation:
                links.worse("fail", f"page {number}: a link annotation outside the structure tree")
    figures.summary = figures.summary or f"{counts['figures']} figures, each with alternative text"
    headings.summary = f"{counts['headings']} headings, no level skipped"
    tables.summary = f"{counts['headers']} header cells with a scope, table structure nested"
    links.summary = f"{counts['links']} links, each described and tagged"
    document.summary += f"; {counts['langs']} elements in another language than {lang}"
    for check in (figures, headings, tables, links):
        if check.status != "pass":
            check.summary = f"{len(check.details)} problems"
    return [document, figures, headings, tables, links]


def _text(element) -> str:
    """The ActualText or Alt of a structure element, else its type."""
    return str(element.get("/ActualText", element.get("/Alt", ""))) or str(element.get("/S", ""))[1:]


class _Where:
    """page N, file:line of the block a structure element came from."""

    def __init__(self, pages, sources: Sources):
        self.pages, self.sources = pages, sources

    def __call__(self, element) -> str:
        page = element.get("/Pg")
        number = self.pages.get(page.objgen) if page is not None else None
        if number is None:
            return "page ?"
        blocks = self.sources.get(number, [])
        if not blocks:
            return f"page {number}"
        box = (
            element.get("/A", {}).get("/BBox") if isinstance(element.get("/A"), pikepdf.Dictionary) else None
        )
        chosen = blocks[0]
        if box is not None:
            top = float(box[1])  # WeasyPrint's tag boxes are the layout's: CSS px from the page's top
            above = [b for b in blocks if b[2] <= top + 1]
            chosen = above[-1] if above else blocks[0]
        return f"page {number}, {chosen[0]}:{chosen[1]}"
