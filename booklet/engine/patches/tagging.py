"""The tagged (PDF/UA) PDF: three things WeasyPrint's tagging leaves out, added where it tags.

- Lang: an element with a `lang` attribute (a clipping quoted from a Simplified source, `lang="zh-Hans"`
  inside the Traditional book) gives its structure element `/Lang`, so a screen reader switches voice.
- Scope: a header cell (`th`) gets `/Scope /Column` or `/Row` in its table attributes, from its
  `scope` attribute (`col` by default, `row` when the HTML says so).
- Links: a link annotation's `/Contents` (its alternate description) is the link's text, not its target.
- Artifacts: decorative art (an `img` or `svg` marked `aria-hidden="true"`, such as the cover ornament) is drawn as an `/Artifact`, not a Figure: no structure element, no
  alternative text asked of it.

Patched: `weasyprint.pdf.tags._build_box_tree` (which calls itself through the module, so nested boxes
pass through the patch too) and `weasyprint.pdf.stream.Stream.marked`.
"""

from __future__ import annotations

import contextlib

ORIGINAL: dict[str, object] = {}


def decorative(box) -> bool:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) not in ("img", "{http://www.w3.org/2000/svg}svg"):
        return False
    return element.get("aria-hidden") == "true"  # not alt="": a photo nobody described is no ornament


def _build_box_tree(original):
    def build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        import pydyf

        if decorative(box):
            return  # drawn as an artifact (Stream.marked below): nothing to tag
        element = getattr(box, "element", None)
        lang = element.get("lang") if element is not None and hasattr(element, "get") else None
        annotation = getattr(box, "link_annotation", None)
        if annotation is not None and element is not None and hasattr(element, "itertext"):
            said = " ".join("".join(element.itertext()).split())
            if said:  # WeasyPrint puts the link's target there; a reader wants its words
                annotation["Contents"] = pydyf.String(said)
        for made in original(box, parent, pdf, page_number, nums, annotations, tags):
            if lang and "Lang" not in made:
                made["Lang"] = pydyf.String(lang)
            if made.get("S") == "/TH" and "A" in made and "Scope" not in made["A"]:
                scope = element.get("scope") if element is not None else None
                made["A"]["Scope"] = "/Row" if scope == "row" else "/Column"
            yield made

    build_box_tree.booklet_patch = True
    return build_box_tree


def _marked(original):
    def marked(self, box, tag):
        if tag == "Figure" and decorative(box):
            return self.artifact()
        return original(self, box, tag)

    marked.booklet_patch = True
    return marked


def install() -> None:
    from weasyprint.pdf import stream, tags

    if not getattr(tags._build_box_tree, "booklet_patch", False):
        ORIGINAL["_build_box_tree"] = tags._build_box_tree
        tags._build_box_tree = _build_box_tree(tags._build_box_tree)
    if not getattr(stream.Stream.marked, "booklet_patch", False):
        ORIGINAL["marked"] = stream.Stream.marked
        stream.Stream.marked = _marked(stream.Stream.marked)


def uninstall() -> None:
    from weasyprint.pdf import stream, tags

    if "_build_box_tree" in ORIGINAL:
        tags._build_box_tree = ORIGINAL.pop("_build_box_tree")
    if "marked" in ORIGINAL:
        stream.Stream.marked = ORIGINAL.pop("marked")


def installed() -> bool:
    from weasyprint.pdf import stream, tags

    with contextlib.suppress(AttributeError):
        return bool(tags._build_box_tree.booklet_patch) and bool(stream.Stream.marked.booklet_patch)
    return False
