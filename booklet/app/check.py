"""`booklet check`: the edition's content and images validated, every finding reported; no PDF."""

from __future__ import annotations

import time
from dataclasses import replace

from booklet.app.project import Options, Progress, Result, project_root, theme_dir
from booklet.assets.brief import BRIEF, brief_csv, photo_brief
from booklet.assets.collect import collect_assets
from booklet.assets.theme import read_geometry, read_palette
from booklet.checks.editorial import run_checks
from booklet.checks.fonts import check_coverage
from booklet.content.script import convert_book
from booklet.content.validate import load_book
from booklet.core.files import write_output
from booklet.core.profiles import ALT_REQUIRED
from booklet.engine.render import stylesheets


def check(options: Options, progress: Progress = lambda _: None, *, decode: bool = True) -> Result:
    """Validate content and assets; no PDF. With decode=False (a build) the photos not checked
    before have their headers read; the image pipeline decodes them."""
    result = Result()
    started = time.perf_counter()
    root = project_root(options.edition_file)
    progress("loading content")
    book = load_book(options.edition_file, root, result.report)
    if book is not None:
        book = convert_book(book)  # the edition's script (zh-Hans editions); sources stay Traditional
    result.book = book
    if book is not None:
        for chapter in book.chapters:
            progress(f"checked {chapter.path}")
        progress("proofreading checks")
        values = run_checks(book, root, result.report)
        if options.strict and options.profile in ALT_REQUIRED:
            result.report.findings[:] = [  # read aloud: a figure without alt: is an error
                replace(f, severity="error") if f.code == "figure.no-alt" else f
                for f in result.report.findings
            ]
        progress("checking font coverage")
        result.fonts = check_coverage(book, result.report, values)
        progress("checking images")
        palette = read_palette(
            stylesheets(theme_dir(root), book.edition)
        )  # the art takes the theme's colours
        result.assets = collect_assets(
            book, root, result.report, strict=options.strict, palette=palette, decode=decode
        )
        if options.photo_brief and not result.report.errors:
            brief = photo_brief(book, read_geometry(stylesheets(theme_dir(root), book.edition)))
            write_output(root / BRIEF, brief_csv(brief).encode())
            progress(f"photo brief: {len(brief)} pictures → {BRIEF}")
    result.seconds = time.perf_counter() - started
    return result
