"""load → validate → assets → html → render → checks → write (atomic)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .assets import Assets, collect_assets
from .diagnostics import BuildError, ContentError, Report
from .html import render_html
from .model import Book
from .render import render_document, stylesheets, write_pdf
from .theme import read_palette
from .validate import load_book

PACKAGE_STYLES = Path(__file__).resolve().parent.parent / "styles"

Progress = Callable[[str], None]


@dataclass
class Options:
    edition_file: Path
    output: Path | None = None
    strict: bool = False
    profile: str = "print"


@dataclass
class Result:
    report: Report = field(default_factory=Report)
    book: Book | None = None
    assets: Assets | None = None
    html: str | None = None
    output: Path | None = None
    pages: int = 0
    seconds: float = 0.0


def project_root(edition_file: Path) -> Path:
    """The folder holding booklet.yaml (or styles/) at or above the edition file."""
    folder = edition_file.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / "booklet.yaml").is_file() or (candidate / "styles").is_dir():
            return candidate
    return folder


def default_output(edition_file: Path, root: Path) -> Path:
    return root / "dist" / f"{edition_file.stem}.pdf"


def check(options: Options, progress: Progress = lambda _: None) -> Result:
    """Validate content and assets; no PDF."""
    result = Result()
    started = time.perf_counter()
    root = project_root(options.edition_file)
    progress("loading content")
    book = load_book(options.edition_file, root, result.report)
    result.book = book
    if book is not None:
        for chapter in book.chapters:
            progress(f"checked {chapter.path}")
        progress("checking images")
        palette = read_palette(stylesheets(_styles_dir(root), book.edition))  # the art takes the theme's colours
        result.assets = collect_assets(book, root, result.report, strict=options.strict, palette=palette)
    result.seconds = time.perf_counter() - started
    return result


def build(options: Options, progress: Progress = lambda _: None) -> Result:
    """Build the PDF. Raises BuildError (content errors are in result.report first)."""
    started = time.perf_counter()
    result = check(options, progress)
    root = project_root(options.edition_file)
    if result.book is None or result.report.errors:
        raise ContentError(result.report)
    book, assets = result.book, result.assets
    assert assets is not None
    output = options.output or default_output(options.edition_file, root)
    progress("writing HTML")
    result.html = render_html(book, assets, profile=options.profile)
    css = stylesheets(_styles_dir(root), book.edition)
    progress(f"laying out {len(book.chapters)} chapters")
    with _lock(output):
        try:
            document = render_document(result.html, css, root, result.report)
        except RecursionError:
            raise BuildError("the renderer ran out of stack laying out the book", 3, result.report) from None
        result.pages = len(document.pages)
        if result.report.errors:
            raise ContentError(result.report)
        progress(f"writing PDF ({result.pages} pages)")
        pdf = write_pdf(document, book.edition)
        write_atomic(output, pdf, check_pdf=True)
        findings = output.with_suffix(".findings.json")
        write_atomic(findings, json.dumps([f.to_dict() for f in result.report.findings],
                                          ensure_ascii=False, indent=1).encode())
    result.output = output
    result.seconds = time.perf_counter() - started
    return result


def _styles_dir(root: Path) -> Path:
    return root / "styles" if (root / "styles").is_dir() else PACKAGE_STYLES


def write_atomic(target: Path, data: bytes, *, check_pdf: bool = False) -> None:
    """Write next to the target, verify, then rename over it: the old file is never half-written."""
    if check_pdf and not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
        raise BuildError(f"refusing to write {target}: the renderer's output is not a complete PDF", 3)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise BuildError(f"cannot write to {target.parent}: {exc.strerror}", 4) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise BuildError(f"cannot write {target}: {exc.strerror}", 4) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _lock(output: Path) -> Iterator[None]:
    """One build per output at a time; a second one exits 4 naming the holder."""
    import fcntl

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        lock_path = output.parent / f".{output.name}.lock"
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise BuildError(f"cannot write to {output.parent}: {exc.strerror}", 4) from None
    held = False
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another build"
            raise BuildError(f"{output} is being built by {holder}; try again when it ends", 4) from None
        held = True
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        yield
    finally:
        if held:
            with contextlib.suppress(OSError):
                lock_path.unlink()
        handle.close()
