"""A written PDF read back before it replaces the previous output: complete, and every page there."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from booklet.core.files import replace_with, write_failure
from booklet.core.findings import BuildError


def pdf_problem(data: bytes, pages: int | None = None) -> str | None:
    """Why `data` is not a complete PDF of `pages` pages, or None."""
    if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
        return "is not a complete PDF"
    if pages is not None:
        from pypdf import PdfReader

        try:
            found = len(PdfReader(BytesIO(data)).pages)
        except Exception as exc:
            return f"cannot be read back ({type(exc).__name__})"
        if found != pages:
            return f"has {found} pages instead of {pages}"
    return None


def refuse_broken(data: bytes, target: Path, pages: int) -> None:
    """Raise (exit 3) when the renderer's output is not a complete PDF of `pages` pages."""
    problem = pdf_problem(data, pages)
    if problem:
        raise BuildError(f"refusing to write {target}: the renderer's output {problem}", 3)


def commit_pdf(temp: Path, target: Path, *, pages: int) -> None:
    """Check the PDF written to `temp`, then rename it over the target."""
    import pikepdf

    try:
        with open(temp, "rb") as stream:
            stream.seek(max(0, temp.stat().st_size - 64))
            complete = stream.read().rstrip().endswith(b"%%EOF")
        with pikepdf.open(temp) as pdf:
            found = len(pdf.pages)
    except (OSError, pikepdf.PdfError) as exc:
        raise BuildError(
            f"refusing to write {target}: the joined PDF cannot be read back ({exc})", 3
        ) from None
    if not complete or found != pages:
        raise BuildError(
            f"refusing to write {target}: the joined PDF has {found} pages instead of {pages}", 3
        )
    try:
        replace_with(temp, target, durable=True)
    except OSError as exc:
        raise write_failure(target, exc) from None
