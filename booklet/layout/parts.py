"""One part of the book — the front matter, a chapter's head, a section, the back matter — laid
out as a document of its own, its PDF written and remembered.

Its first page counts from its start folio (`@page :first { counter-reset }`; a part opening on
the left is laid out behind a lead page that is dropped), a section's running head names its
chapter, and nothing else in it depends on the other parts. In its worker the part's PDF is
written, given the later stages' steps (press finish, typographic audit, the proof's reading of
the layout: `PartStep`), and remembered in `.cache/parts` under a key of everything it was made
from (cache.py), so an edit lays out only the parts it touches. book.py lays out them all.
"""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from booklet.core.files import read_json, remember, remember_json, replace_with, temporary, write_failure
from booklet.core.findings import BuildError, Finding, Report
from booklet.engine.fetcher import stand_ins_replaced
from booklet.engine.patches import fontsubset
from booklet.layout.cache import digest
from booklet.layout.compose import Composition, composition_of, fill_pages
from booklet.layout.folios import chapter_of, is_section, planned_here, reserve_after

if TYPE_CHECKING:
    from weasyprint import Document

    from booklet.assets.collect import Assets
    from booklet.content.model import Book
    from booklet.core.profiles import Profile
    from booklet.engine.fetcher import Origins
    from booklet.engine.limits import Limits

FRONT, BACK = "front", "back"


class PartStep(Protocol):
    """Work a later stage does on each part inside its worker, composed by the build: `laid_out`
    while the part's boxes exist, then `written` on its PDF, which returns the file that now holds
    the part (`pdf` itself, or `spare` when the step wrote a new one there)."""

    name: str  # the step's result goes to PartResult.extras[name]

    def laid_out(self, part: PartResult, document: Document) -> None: ...

    def written(self, part: PartResult, pdf: Path, spare: Path) -> Path: ...


@dataclass
class Context:
    """What every part needs; set before the workers fork, so it is never pickled."""

    book: Book
    assets: Assets
    profile: Profile
    css: list[str]
    root: Path
    origins: Origins  # of the book's images and stylesheets
    limits: Limits
    in_process: bool  # keep the laid-out documents (screen: one tagged PDF written at once)
    steps: list[PartStep]  # what each part's PDF gets in its worker (press finish, audit, proof reading)
    cache: Path  # where part PDFs are remembered
    code: str  # digest of everything that makes a part besides its HTML
    reserved_last: dict = field(default_factory=dict)  # part → the pages it reserved in the last build


@dataclass
class PartResult:
    name: str
    start: int  # folio of the first page
    lead: bool
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)  # anchor → page index in the part
    reserved: dict[str, int] = field(default_factory=dict)
    pdf: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # each step's result, by the step's name
    document: Document | None = None  # in-process only
    cached: bool = False
    nested: bool = False  # a section: its bookmarks go under its chapter's
    folios: dict[str, int] | None = None  # the front matter: the folios its contents were given
    fonts: dict[str, list[int]] = field(
        default_factory=dict
    )  # shared face → glyphs (engine/patches/fontsubset.py)
    failure: tuple[str, int] | None = None  # (message, exit code) of a BuildError
    fill: dict | None = None  # page filling's changes (compose.py), found at the part's first layout
    composition: Composition | None = None  # its holes, figures moved and shrunk, wrapping headers


_CONTEXT: Context | None = None  # module-level: the forked workers see it


def use_context(context: Context) -> None:
    """What every part of this build needs; set before the workers fork."""
    global _CONTEXT
    _CONTEXT = context


# ---------------------------------------------------------------- one part


def part_html(
    context: Context,
    name: str,
    start: int,
    lead: bool,
    reserved: dict[str, int],
    folios: dict[str, int] | None = None,
    fill: dict | None = None,
) -> str:
    from booklet.html.document import render_html

    return render_html(
        context.book,
        context.assets,
        profile=context.profile.name,
        build_info={
            "parts": [name],
            "reserved": reserved,
            "lead": lead,
            "folios": folios or {},
            "fill": fill or {},
        },
    )


def part_css(context: Context, name: str, start: int, lead: bool) -> str:
    """The part's first page counts from its start folio; a lead page (dropped) puts it on the left;
    a section's running head names its chapter from the first page."""
    from booklet.engine.render import css_string

    first = start - 1 if lead else start
    css = (
        f"@page :first {{ counter-reset: page {first}; }}\n.part-lead {{ page: front; break-after: page; }}\n"
    )
    chapter = chapter_of(context.book, name)
    if chapter is not None and name != chapter.anchor:
        css += f"html {{ string-set: chapter {css_string(f'{chapter.numeral}．{chapter.title}')}; }}\n"
    return css


def lay_out(name: str, start: int, lead: bool, folios: dict[str, int] | None = None) -> PartResult:
    """Lay out one part (in a worker, or in-process); never raises for content: findings are returned."""
    context = _CONTEXT
    assert context is not None
    result = PartResult(name, start, lead, nested=is_section(_CONTEXT.book, name), folios=folios)
    report = Report()
    try:
        _lay_out(context, result, report, folios)
    except BuildError as exc:
        result.failure = (str(exc), exc.exit_code)
    result.findings = list(report.findings)
    return result


def _lay_out(context: Context, result: PartResult, report: Report, folios: dict[str, int] | None) -> None:
    from booklet.engine.limits import render_limits
    from booklet.engine.render import write_pdf

    book = context.book
    wanted, plan_key, reserved = _plan(context, result, folios)
    remembered = context.cache / f"{plan_key}.reserved.json"
    filled = context.cache / f"{plan_key}.fill.json"  # page filling's changes for this content
    found = read_json(filled)
    if isinstance(found, dict):
        result.fill = found
    if (
        reserved is not None
        and not context.in_process
        and _from_cache(context, result, report, plan_key, reserved)
    ):
        return

    if reserved is None and wanted:  # not known for this content: try what this part needed last time
        reserved = context.reserved_last.get(result.name)
    with render_limits(context.limits, report):
        document = None
        if reserved is not None:
            document = _render(context, result, report, reserved, folios)
            if wanted and not _holds(context, result, document, wanted, reserved):
                document = None  # the remembered pages no longer make the plan hold
        if document is None:
            document = _render(context, result, report, {}, folios)
            reserved = _reserve(context, result, document, wanted, report) if wanted else {}
            if reserved:
                document = _render(context, result, report, reserved, folios)
        elif wanted:
            _reserve(context, result, document, wanted, report)  # the overflow findings of a fresh layout
        if wanted:
            remember_json(remembered, reserved)  # the next build with this content lays it out once
        if result.fill is not None:
            remember_json(filled, result.fill)  # and fills its pages without trying again
        result.reserved = reserved or {}
        _read_pages(result, document)
        problem = stand_ins_replaced(document.stand_ins)  # photos laid out while they were converted
        if problem:
            raise BuildError(problem, 1)
        if context.in_process:
            result.document = document
            return
        key = _part_key(context, plan_key, result.reserved)
        result.pdf = context.cache / f"{key}.pdf"
        # written to a file, finished from it into another and read back from that: a part's
        # photographs are never held in memory whole (a buffer instead: +30 MB at the peak)
        written = finished = None
        try:
            written, finished = temporary(result.pdf), temporary(result.pdf)
            with fontsubset.deferring() as deferred:  # the join embeds one subset of each shared face
                write_pdf(document, book.edition, context.profile.pdf_options, target=written)
            result.fonts = deferred.glyphs
            for step in context.steps:
                step.laid_out(result, document)
            del document  # its boxes, before the PDF is finished and read back
            gc.collect()
            current = written
            for step in context.steps:
                current = step.written(result, current, finished if current == written else written)
            replace_with(current, result.pdf)
        except OSError as exc:
            raise write_failure(result.pdf, exc) from None
        finally:
            for temp in (written, finished):
                if temp is not None:
                    with contextlib.suppress(OSError):
                        temp.unlink()
    result.findings = list(report.findings)
    remember(context.cache / f"{key}.part", pickle.dumps(result))


def _plan(context: Context, result: PartResult, folios: dict[str, int] | None):
    """The planned folios the part decides, its key before pages are reserved, and the pages
    reserved last time for the same key (None: not known)."""
    wanted = (
        planned_here(context.book, result.name, context.book.edition.page_plan or {})
        if chapter_of(context.book, result.name)
        else {}
    )
    plain = part_html(context, result.name, result.start, result.lead, {}, folios)
    plan_key = digest(
        context.code,
        plain,
        *context.css,
        str(result.start),
        str(result.lead),
        json.dumps(wanted, sort_keys=True),
    )
    reserved = {} if not wanted else read_json(context.cache / f"{plan_key}.reserved.json")
    return wanted, plan_key, reserved


def remembered(name: str, start: int, lead: bool, folios: dict[str, int] | None = None) -> PartResult | None:
    """The part as an earlier build laid it out from the same inputs, or None."""
    context = _CONTEXT
    assert context is not None
    if context.in_process:
        return None
    result = PartResult(name, start, lead, nested=is_section(context.book, name), folios=folios)
    report = Report()
    _, plan_key, reserved = _plan(context, result, folios)
    if reserved is None or not _from_cache(context, result, report, plan_key, reserved):
        return None
    result.findings = list(report.findings)
    return result


def _part_key(context: Context, plan_key: str, reserved: dict[str, int]) -> str:
    steps = ",".join(step.name for step in context.steps)
    return digest(plan_key, json.dumps(reserved, sort_keys=True), f"steps={steps}")


def _from_cache(
    context: Context, result: PartResult, report: Report, plan_key: str, reserved: dict[str, int]
) -> bool:
    """The part as laid out by an earlier build from the same inputs, if it is remembered."""
    key = _part_key(context, plan_key, reserved)
    try:
        cached = pickle.loads((context.cache / f"{key}.part").read_bytes())
    except Exception:
        return False
    if not isinstance(cached, PartResult) or cached.pdf is None or not cached.pdf.is_file():
        return False
    for name in ("pages", "anchors", "reserved", "pdf", "extras", "fonts", "fill", "composition"):
        setattr(result, name, getattr(cached, name))
    for finding in cached.findings:
        report.add(finding)
    result.cached = True
    return True


def _render(
    context: Context,
    result: PartResult,
    report: Report,
    reserved: dict[str, int],
    folios: dict[str, int] | None,
):
    """The part laid out, its pages filled (compose.py) at its first layout; a later layout (with
    pages reserved after its end) keeps the same changes."""
    from booklet.assets.shapes import Sizer

    def render(fill: dict):
        return _render_once(context, result, report, reserved, folios, fill)

    sizer = Sizer(context.book, context.assets.images, context.assets.geometry)
    if result.fill is not None:
        document = render(result.fill)
        if result.composition is None:  # the fill an earlier build found for the same content
            result.composition = composition_of(document, result.fill, sizer.text_height)
        return document
    document, result.fill, result.composition = fill_pages(
        context.book, result.name, sizer, render, sizer.text_height
    )
    return document


def _render_once(
    context: Context,
    result: PartResult,
    report: Report,
    reserved: dict[str, int],
    folios: dict[str, int] | None,
    fill: dict,
):
    from booklet.engine.render import render_document

    html = part_html(context, result.name, result.start, result.lead, reserved, folios, fill)
    document = render_document(
        html,
        [*context.css, part_css(context, result.name, result.start, result.lead)],
        context.root,
        report,
        origins=replace(context.origins, html=html),
    )
    if result.lead:
        del document.pages[0]
    return document


def _read_pages(result: PartResult, document) -> None:
    result.pages = len(document.pages)
    result.anchors = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            result.anchors.setdefault(anchor, index)


def _reserve(
    context: Context, result: PartResult, document: Document, wanted: dict[str, int], report: Report
) -> dict[str, int]:
    return reserve_after(context.book, result.name, result.start, len(document.pages), wanted, report)


def _holds(
    context: Context, result: PartResult, document, wanted: dict[str, int], reserved: dict[str, int]
) -> bool:
    """Whether the part laid out with `reserved` pages puts the next part on its planned folio (or
    overflows it with nothing reserved, which no other number of pages would mend)."""
    check = Report()
    more = _reserve(context, result, document, wanted, check)
    return not more and (not check.by_code("pagination.overflow") or not any(reserved.values()))
