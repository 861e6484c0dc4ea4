"""The proof report: dist/<edition>.proof.html, one page a person reads beside the proof PDF.

Findings grouped by chapter, each linked to the image of the page it concerns; missing and
low-resolution images; a thumbnail of every page (pdftoppm, PNG files in dist/<edition>.proof/);
build time and source revision.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Finding
from .proof import Layout, low_resolution, source_revision

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


def page_images(pdf: Path, folder: Path, dpi: int = THUMBNAIL_DPI) -> list[PageImage]:
    """Every page as PNG (pdftoppm); [] when poppler is not installed."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    _render_pages(tool, pdf, folder / "page", dpi)
    images = []
    for file in sorted(folder.glob("page-*.png"), key=lambda f: int(f.stem.rpartition("-")[2])):
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
        images.append(PageImage(int(file.stem.rpartition("-")[2]), f"{folder.name}/{file.name}", digest))
    return images


def _render_pages(tool: str, pdf: Path, prefix: Path, dpi: int) -> None:
    """pdftoppm on every page, the pages shared out over the processors."""
    from pypdf import PdfReader

    count = len(PdfReader(pdf).pages)
    workers = max(1, min(os.cpu_count() or 1, 4, count))
    per = -(-count // workers)
    runs = [subprocess.Popen([tool, "-r", str(dpi), "-png", "-f", str(first), "-l", str(min(count, first + per - 1)),
                              str(pdf), str(prefix)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for first in range(1, count + 1, per)]
    for run in runs:
        _, errors = run.communicate(timeout=300)
        if run.returncode != 0:
            raise subprocess.CalledProcessError(run.returncode, tool, stderr=errors)


def group_findings(findings: list[Finding], layout: Layout | None, chapters: list[str]) -> dict[str, list[FindingRow]]:
    """chapter path (in book order, then other files) → its findings with their pages."""
    groups: dict[str, list[FindingRow]] = {path: [] for path in chapters}
    for finding in findings:
        path = finding.location.path if finding.location else "(no file)"
        page = layout.page_of(path, finding.location.line) if layout and finding.location else None
        groups.setdefault(path, []).append(FindingRow(finding, page.number if page else None))
    for rows in groups.values():
        rows.sort(key=lambda row: (row.finding.location.line or 0) if row.finding.location else 0)
    return {path: rows for path, rows in groups.items() if rows}


def write_proof_report(result, edition_file: Path, root: Path) -> Path:
    from .html import make_environment
    from .pipeline import write_atomic

    pdf: Path = result.output
    report_file = pdf.with_suffix(".html")
    images = page_images(pdf, pdf.parent / pdf.stem)
    layout: Layout | None = result.proof
    chapters = [chapter.path for chapter in result.book.chapters]
    findings = result.report.findings
    html = make_environment().get_template("proof-report.html").render(
        title=result.book.edition.title,
        edition=edition_file.name,
        pdf=pdf.name,
        pages=result.pages,
        seconds=f"{result.seconds:.1f}",
        revision=source_revision(root),
        groups=group_findings(findings, layout, chapters),
        missing=[f for f in findings if f.code in ("image.missing", "image.invalid")],
        low_resolution=low_resolution(layout) if layout else [],
        images=images,
        counts={"errors": len(result.report.errors), "warnings": len(result.report.warnings)},
    )
    write_atomic(report_file, html.encode("utf-8"))
    return report_file
