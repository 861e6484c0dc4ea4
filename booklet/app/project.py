"""What every command shares: its options and result, the project an edition belongs to, its theme
and profile, and the interrupt the command line sets."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.core.findings import Location, Report
from booklet.core.profiles import DEFAULT_PROFILE, PROFILES, Profile
from booklet.core.resources import PACKAGE_STYLES
from booklet.engine.limits import Limits

if TYPE_CHECKING:  # the command line imports this module before it knows whether anything is to be built
    from booklet.assets.collect import Assets
    from booklet.assets.photos import ImageStats
    from booklet.checks.fonts import FontFile
    from booklet.content.model import Book
    from booklet.pdf.audit import Audit
    from booklet.pdf.composition import Composed
    from booklet.pdf.preflight import Preflight
    from booklet.proof.stamp import Layout, Stamper

Progress = Callable[[str], None]
INTERRUPTED = threading.Event()  # set by the command line's SIGINT/SIGTERM handler


def not_interrupted() -> None:
    """Raise if the build was interrupted, even if the interrupt's exception was lost on the way."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


@dataclass
class Options:
    edition_file: Path
    output: Path | None = None
    strict: bool = False
    profile: str | None = None  # a name in profiles.PROFILES; None: the edition's, else print
    html_output: Path | None = None  # also write the HTML handed to WeasyPrint, styles inlined
    limits: Limits = Limits()  # time and memory for layout and PDF writing
    photo_brief: bool = False  # check: also write assets/photos/brief.csv (assets/brief.py)
    audit: bool = True  # the typographic audit after the build (the live preview skips it: speed)
    preflight: bool = True  # the preflight of the PDF (the live preview skips it: speed)
    jobs: int = os.cpu_count() or 1  # worker processes laying out chapters side by side
    since: str | None = None  # proof: change bars beside the blocks changed since this revision or edition


@dataclass
class Result:
    report: Report = field(default_factory=Report)
    book: Book | None = None
    assets: Assets | None = None
    html: str | None = None
    output: Path | None = None
    pages: int = 0
    seconds: float = 0.0
    profile: str | None = None
    images: ImageStats | None = None
    preflight: Preflight | None = None
    audit: Audit | None = None
    composition: Composed | None = None  # the composition audit (pdf/composition.py)
    fonts: list[FontFile] = field(default_factory=list)
    proof: Layout | None = None  # of a proof build
    proof_report: Path | None = None
    proof_stamper: Stamper | None = None
    print_pages: dict = field(default_factory=dict)  # print: part → (folio, first block on it), for the EPUB
    reader_output: Path | None = None  # --web: the site's folder; --epub: the EPUB


def project_root(edition_file: Path) -> Path:
    """The folder holding booklet.yaml (or styles/) at or above the edition file."""
    folder = edition_file.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / "booklet.yaml").is_file() or (candidate / "styles").is_dir():
            return candidate
    return folder


def choose_profile(options: Options, book: Book, report: Report) -> Profile | None:
    """The flag's profile, else the edition's `profile:`, else print."""
    name = options.profile or book.edition.profile or DEFAULT_PROFILE
    if name in PROFILES:
        return PROFILES[name]
    report.error(
        "edition.profile",
        f"unknown profile {name!r}; expected one of: {', '.join(PROFILES)}",
        location=Location(book.edition_path),
        field="profile",
    )
    return None


def theme_dir(root: Path) -> Path:
    return root / "styles" if (root / "styles").is_dir() else PACKAGE_STYLES
