"""`booklet impose`: the print PDF's pages on sheets, for a folded dummy or the press (pdf/impose.py)."""

from __future__ import annotations

import time

from booklet.app.project import Options, Progress, Result, project_root
from booklet.assets.theme import length_mm
from booklet.content.validate import load_book
from booklet.core.files import write_output
from booklet.core.findings import BuildError, ContentError, Report
from booklet.core.profiles import get
from booklet.pdf.impose import impose
from booklet.pdf.press import slug_name


def impose_edition(
    options: Options, progress: Progress = lambda _: None, *, binding: str | None = None
) -> Result:
    """dist/<edition>.imposed.pdf from dist/<edition>.pdf (or `options.output`). Raises BuildError."""
    started = time.perf_counter()
    root = project_root(options.edition_file)
    result = Result(report=Report())
    book = load_book(options.edition_file, root, result.report)
    if book is None or result.report.errors:
        raise ContentError(result.report)
    settings = book.edition.imposition
    source = get("print").output(options.edition_file, root)
    if not source.is_file():
        raise BuildError(f"there is no print PDF to impose: build {source} first (python build.py)", 1)
    binding = binding or settings.binding
    output = options.output or source.with_suffix(".imposed.pdf")
    what = "saddle-stitch 2-up" if binding == "saddle-stitch" else f"{settings.signature}-page signatures"
    progress(f"imposing {source.name}: {what}")
    plan = impose(
        source,
        binding=binding,
        signature=settings.signature,
        creep_mm=length_mm(settings.creep) if settings.creep else None,
        paper_mm=length_mm(settings.paper_thickness),
        slug_name=slug_name(book.edition),
        heading_font=book.edition.fonts.heading,
    )
    write_output(output, plan.pdf)
    result.output = output
    result.pages = len(plan.sides)
    result.profile = "imposed"
    result.seconds = time.perf_counter() - started
    if binding == "saddle-stitch":
        progress(f"{plan.sheets} sheets, front and back; creep {plan.creep_mm:.2f} mm at the innermost sheet")
    else:
        progress(f"{plan.sheets} press sheets of {settings.signature} pages, front and back")
    return result
