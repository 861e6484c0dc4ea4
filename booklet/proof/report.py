"""The proof report: dist/<edition>.proof.html, one page a person reads beside the proof PDF.

Findings grouped by chapter, each linked to the image of the page it concerns; missing and
low-resolution images; a thumbnail of every page (pdftoppm, PNG files in dist/<edition>.proof/);
build time and source revision.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from booklet.content.model import Book
from booklet.core.files import remember, write_output
from booklet.core.findings import Finding, Report
from booklet.html.document import make_environment
from booklet.proof.stamp import Layout, low_resolution, source_revision

THUMBNAIL_DPI = 50


@dataclass(frozen=True)
class PageImage:
    number: int
    file: str  # relative to the report
    digest: str  # changes when the page's pixels change


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    page: int | None


def page_images(pdf: Path, folder: Path, signatures: list[str], dpi: int = THUMBNAIL_DPI) -> list[PageImage]:
    """Every page as PNG (pdftoppm); [] when poppler is not installed. A page whose layout
    signature is the one its image was made from is not drawn again (its slug time may be older)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "pages.json"
    try:
        drawn = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    except (OSError, ValueError):
        drawn = {}
    digits = len(str(len(signatures)))
    names = {n: folder / f"page-{n:0{digits}d}.png" for n in range(1, len(signatures) + 1)}
    for old in folder.glob("page-*.png"):
        if old not in names.values():
            old.unlink()
    stale = [n for n, file in names.items() if drawn.get(str(n)) != signatures[n - 1] or not file.is_file()]
    _render_pages(tool, pdf, folder / "page", dpi, stale)
    remember(manifest, json.dumps({str(n): signatures[n - 1] for n in names}).encode())
    return [PageImage(n, f"{folder.name}/{file.name}", signatures[n - 1]) for n, file in names.items()]


def _render_pages(tool: str, pdf: Path, prefix: Path, dpi: int, pages: list[int]) -> None:
    """pdftoppm on the given pages, shared out over the processors in runs of consecutive pages."""
    if not pages:
        return
    workers = max(1, min(os.cpu_count() or 1, 4, len(pages)))
    per = -(-len(pages) // workers)
    ranges: list[tuple[int, int]] = []
    for start in range(0, len(pages), per):
        chunk = pages[start : start + per]
        first = chunk[0]
        for previous, number in zip(chunk, chunk[1:] + [None]):
            if number != previous + 1 if number is not None else True:
                ranges.append((first, previous))
                first = number
    runs = [
        subprocess.Popen(
            [tool, "-r", str(dpi), "-png", "-f", str(first), "-l", str(last), str(pdf), str(prefix)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for first, last in ranges
    ]
    for run in runs:
        _, errors = run.communicate(timeout=300)
        if run.returncode != 0:
            raise subprocess.CalledProcessError(run.returncode, tool, stderr=errors)


def group_findings(
    findings: list[Finding], layout: Layout | None, chapters: list[str]
) -> dict[str, list[FindingRow]]:
    """chapter path (in book order, then other files) → its findings with their pages."""
    groups: dict[str, list[FindingRow]] = {path: [] for path in chapters}
    for finding in findings:
        path = finding.location.path if finding.location else "(no file)"
        page = layout.page_of(path, finding.location.line) if layout and finding.location else None
        groups.setdefault(path, []).append(FindingRow(finding, page.number if page else None))
    for rows in groups.values():
        rows.sort(key=lambda row: (row.finding.location.line or 0) if row.finding.location else 0)
    return {path: rows for path, rows in groups.items() if rows}


def write_proof_report(
    pdf: Path,
    book: Book,
    report: Report,
    layout: Layout | None,
    pages: int,
    seconds: float,
    edition_file: Path,
    root: Path,
    since: str = "",
) -> Path:
    """dist/<edition>.proof.html beside the proof PDF `pdf` of `pages` pages, built in `seconds`."""
    report_file = pdf.with_suffix(".html")
    signatures = [page.signature for page in layout.pages] if layout else [""] * pages
    images = page_images(pdf, pdf.parent / pdf.stem, signatures)
    chapters = [chapter.path for chapter in book.chapters]
    findings = report.findings
    html = (
        make_environment()
        .get_template("proof-report.html")
        .render(
            title=book.edition.title,
            edition=edition_file.name,
            pdf=pdf.name,
            pages=pages,
            seconds=f"{seconds:.1f}",
            revision=source_revision(root),
            groups=group_findings(findings, layout, chapters),
            missing=[f for f in findings if f.code in ("image.missing", "image.invalid")],
            low_resolution=low_resolution(layout) if layout else [],
            images=images,
            since=since,
            changed_pages=[page.number for page in layout.pages if page.bars] if layout else [],
            marks=[f for f in findings if f.code in ("annotation.open", "annotation.resolved")],
            counts={"errors": len(report.errors), "warnings": len(report.warnings)},
        )
    )
    write_output(report_file, html.encode("utf-8"))
    return report_file
