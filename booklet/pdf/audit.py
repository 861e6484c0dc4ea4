"""Typographic audit of a built PDF: measure what was printed against what was laid out.

`lines_of(document)` takes from WeasyPrint's layout every line of running text: its page, its
baseline, the measure it was set in, the paragraph it belongs to (and whether it is that
paragraph's last line). `audit_pdf(pdf, lines)` then reads the printed characters back from the
PDF (pdf/glyphs.py: pdfminer's glyph placement, as pdfplumber reports it), finds each line's glyphs
at its baseline, and measures where the printed line really ends. The result:

- justified: non-final lines of justified paragraphs that end within 0.5 pt of the measure;
- forbidden starts / ends: a line starting with closing punctuation or 々ー, or ending with an
  opening bracket;
- loose lines (a gap between two CJK characters wider than 0.1 em, which pdftotext reads as
  a space); loose words (a Latin-script line whose justified word spaces are stretched by more than
  WORD_STRETCH_MAX em beyond their natural width: the start of rivers); single-character last lines; widows and orphans (a paragraph leaving or starting a page with
  one line); captions on another page than their picture; overfull lines; lines running into
  the margin.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from booklet.content.chars import FORBIDDEN_END, FORBIDDEN_START, PUNCTUATION, is_cjk
from booklet.engine.boxes import children, is_line, is_text, page_box

if TYPE_CHECKING:
    from weasyprint import Document

    from booklet.layout.book import Parts
    from booklet.layout.parts import PartResult

PX_TO_PT = 0.75
TOLERANCE_PT = 0.5
LOOSE_GAP = 0.1  # em: poppler breaks words at wider gaps
# em: the most a justified word space of Latin text may be stretched beyond the space's own width
# (Noto Serif's space is 0.26 em: a space of 0.56 em at most). Latin lines are justified by WeasyPrint
# itself and hyphenated (styles/languages.css); a line stretched further is reported as loose-words.
WORD_STRETCH_MAX = 0.3


@dataclass
class Line:
    """A line as laid out (points, PDF page coordinates from the top-left of the media box)."""

    page: int
    baseline: float
    left: float  # where the line's content may start (after a first-line indent)
    right: float  # the measure's right edge
    text: str
    paragraph: int  # index of the paragraph (element) the line belongs to
    kind: str  # the paragraph's class, e.g. "paragraph", "figcaption"
    justified: bool
    final: bool = False
    first: bool = False


@dataclass
class Problem:
    code: str
    page: int  # 1-based physical page
    text: str
    detail: str = ""


@dataclass
class Audit:
    lines: int = 0
    justified_lines: int = 0
    justified_flush: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def flush_fraction(self) -> float:
        return self.justified_flush / self.justified_lines if self.justified_lines else 1.0

    def count(self, code: str) -> int:
        return sum(1 for p in self.problems if p.code == code)

    def summary(self) -> str:
        codes = defaultdict(int)
        for problem in self.problems:
            codes[problem.code] += 1
        parts = [
            f"{self.justified_flush}/{self.justified_lines} justified lines flush ({self.flush_fraction:.1%})"
        ]
        parts += [f"{count} {code}" for code, count in sorted(codes.items())] or ["no other problems"]
        return "typography: " + ", ".join(parts)

    def to_json(self) -> str:
        return json.dumps(
            {
                "lines": self.lines,
                "justified_lines": self.justified_lines,
                "justified_flush": self.justified_flush,
                "flush_fraction": round(self.flush_fraction, 4),
                "counts": {code: self.count(code) for code in sorted({p.code for p in self.problems})},
                "problems": [asdict(p) for p in self.problems],
            },
            ensure_ascii=False,
            indent=1,
        )


# ---------------------------------------------------------------- layout side


def _classes(box) -> str:
    element = getattr(box, "element", None)
    if element is None:
        return ""
    return element.get("class") or element.tag


def _text(box) -> str:
    if is_text(box):
        return box.text
    return "".join(_text(child) for child in children(box) if child.is_in_normal_flow())


def lines_of(document) -> tuple[list[Line], list[Problem]]:
    """Every text line of the book as laid out, and layout-only problems (captions, margins)."""
    lines: list[Line] = []
    problems: list[Problem] = []
    paragraphs: dict[int, int] = {}
    figures: dict[int, set[tuple[str, int]]] = defaultdict(set)

    for number, page in enumerate(document.pages):
        top = page_box(page)
        bleed_left = page.bleed["left"]
        bleed_top = page.bleed["top"]
        content_right = top.content_box_x() + top.width

        def walk(box, parent, figure=None):
            element = getattr(box, "element", None)
            if element is not None and element.tag == "figure":
                figure = box.element
            if figure is not None and element is not None and element is not figure:
                if element.tag == "figcaption":
                    figures[id(figure)].add(("caption", number))
                elif "picture" in (element.get("class") or "") or "placeholder" in (
                    element.get("class") or ""
                ):
                    figures[id(figure)].add(("picture", number))
            if is_line(box):
                text = _text(box)
                if not text.strip():
                    return
                key = id(parent.element) if parent.element is not None else id(parent)
                index = paragraphs.setdefault(key, len(paragraphs))
                style = box.style
                measure_right = parent.content_box_x() + parent.width
                line_right = box.position_x + box.width
                lines.append(
                    Line(
                        page=number,
                        baseline=(box.position_y + box.baseline + bleed_top) * PX_TO_PT,
                        left=(box.position_x + bleed_left) * PX_TO_PT,
                        right=(measure_right + bleed_left) * PX_TO_PT,
                        text=text.strip(),
                        paragraph=index,
                        kind=_classes(parent),
                        justified=style["text_align_all"] == "justify",
                    )
                )
                if line_right > measure_right + 1:
                    problems.append(
                        Problem(
                            "overfull",
                            number + 1,
                            text.strip(),
                            f"{(line_right - measure_right) * PX_TO_PT:.1f} pt too long",
                        )
                    )
                if line_right > content_right + 1 and "figure-full-bleed" not in _classes(parent):
                    problems.append(
                        Problem(
                            "margin",
                            number + 1,
                            text.strip(),
                            f"{(line_right - content_right) * PX_TO_PT:.1f} pt into the margin",
                        )
                    )
                return
            for child in children(box):
                walk(child, box, figure)

        walk(top, top)

    by_paragraph: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_paragraph[line.paragraph].append(line)
    for group in by_paragraph.values():
        group[0].first = True
        group[-1].final = True
    for parts in figures.values():
        pages = {page for _, page in parts}
        if len(pages) > 1:
            problems.append(
                Problem("caption-separated", min(pages) + 1, "", "a caption is not on its picture's page")
            )
    return lines, problems


# ---------------------------------------------------------------- PDF side


def _glyphs_on(line: Line, page_glyphs: list, baselines: list[float]) -> list:
    """The glyphs at the line's baseline within its measure, left to right (page order on a tie).
    `baselines` is page_glyphs' baselines, sorted, with page_glyphs in that order."""
    low = bisect.bisect_left(baselines, line.baseline - 0.7)
    high = bisect.bisect_right(baselines, line.baseline + 0.7)
    found = [
        g
        for g in page_glyphs[low:high]
        if abs(g.baseline - line.baseline) < 0.6 and line.left - 1 <= g.x0 <= line.right + 1
    ]
    return sorted(found, key=lambda g: (g.x0, g.order))


def _cjk(text: str) -> bool:
    return len(text) == 1 and is_cjk(text)


def audit_pdf(pdf: bytes | Path, lines: list[Line], layout_problems: list[Problem] = ()) -> Audit:
    from booklet.pdf.glyphs import printed_glyphs

    audit = Audit(problems=list(layout_problems))
    by_page = {}
    for number, glyphs in printed_glyphs(pdf, {line.page for line in lines}).items():
        glyphs = sorted(glyphs, key=lambda g: g.baseline)
        by_page[number] = (glyphs, [g.baseline for g in glyphs])
    for line in lines:
        glyphs = _glyphs_on(line, *by_page[line.page])
        audit.lines += 1
        printed = "".join(g.text for g in glyphs).strip()
        text = printed or line.text
        page = line.page + 1
        if line.justified and not line.final and not glyphs:
            audit.problems.append(Problem("unmatched", page, line.text, "no printed glyphs at this line"))
        if not line.first and text[:1] in FORBIDDEN_START:
            audit.problems.append(Problem("line-start", page, text, f"starts with {text[0]}"))
        if not line.final and text[-1:] in FORBIDDEN_END:
            audit.problems.append(Problem("line-end", page, text, f"ends with {text[-1]}"))
        letters = [c for c in text if not c.isspace() and c not in PUNCTUATION]
        if line.justified and line.final and not line.first and len(letters) == 1:
            audit.problems.append(Problem("single-character-line", page, text))
        if line.justified and not line.final and glyphs:
            audit.justified_lines += 1
            end = max(g.x1 for g in glyphs)
            widest = max(
                (b.x0 - a.x1 for a, b in zip(glyphs, glyphs[1:]) if _cjk(a.text) and _cjk(b.text)),
                default=0.0,
            )
            if widest > LOOSE_GAP * glyphs[0].size:
                audit.problems.append(
                    Problem(
                        "loose",
                        page,
                        text,
                        f"a {widest:.2f} pt gap between characters (pdftotext may read it as a space)",
                    )
                )
            stretch = _word_stretch(glyphs)
            if stretch > WORD_STRETCH_MAX * glyphs[0].size:
                audit.problems.append(
                    Problem(
                        "loose-words",
                        page,
                        text,
                        f"word spaces stretched by {stretch / glyphs[0].size:.2f} em "
                        f"(at most {WORD_STRETCH_MAX} em)",
                    )
                )
            if abs(end - line.right) <= TOLERANCE_PT:
                audit.justified_flush += 1
            else:
                audit.problems.append(Problem("ragged", page, text, f"ends {line.right - end:.2f} pt short"))
    _widows_orphans(lines, audit)
    return audit


def _word_stretch(glyphs: list) -> float:
    """The widest stretch of a word space (the gap after a space glyph) on a line without CJK, in pt."""
    if any(is_cjk(g.text) for g in glyphs if len(g.text) == 1):
        return 0.0
    return max(
        (b.x0 - a.x1 for a, b in zip(glyphs, glyphs[1:]) if a.text == " " and b.text != " "),
        default=0.0,
    )


def _widows_orphans(lines: list[Line], audit: Audit) -> None:
    by_paragraph: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_paragraph[line.paragraph].append(line)
    for group in by_paragraph.values():
        if not group[0].justified:
            continue  # table cells, headings: not running text
        pages: dict[int, int] = defaultdict(int)
        for line in group:
            pages[line.page] += 1
        if len(pages) < 2:
            continue
        ordered = sorted(pages)
        if pages[ordered[0]] < 2:
            audit.problems.append(Problem("orphan", ordered[0] + 1, group[0].text))
        if pages[ordered[-1]] < 2:
            audit.problems.append(Problem("widow", ordered[-1] + 1, group[-1].text))


class AuditStep:
    """A part's step in its worker (layout.parts.PartStep): its lines read from the boxes, then
    matched with the glyphs its finished PDF prints."""

    name: ClassVar[str] = "audit"

    def laid_out(self, part: PartResult, document: Document) -> None:
        part.extras[self.name] = lines_of(document)  # (lines, problems) until the PDF is written

    def written(self, part: PartResult, pdf: Path, spare: Path) -> Path:
        part.extras[self.name] = audit_pdf(pdf, *part.extras[self.name])
        return pdf


def audit_document(document, pdf_bytes: bytes) -> Audit:
    lines, problems = lines_of(document)
    return audit_pdf(pdf_bytes, lines, problems)


def joined_audit(laid: Parts) -> Audit:
    """The parts' audits as one, their pages numbered in the book."""
    joined = Audit()
    offset = 0
    for part in laid.in_order():
        offset += laid.blanks_before.get(part.name, 0)
        audit = part.extras.get(AuditStep.name)
        if audit is not None:
            joined.lines += audit.lines
            joined.justified_lines += audit.justified_lines
            joined.justified_flush += audit.justified_flush
            joined.problems.extend(replace(problem, page=problem.page + offset) for problem in audit.problems)
        offset += part.pages
    return joined
