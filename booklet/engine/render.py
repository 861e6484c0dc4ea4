"""HTML + styles → WeasyPrint Document → PDF bytes, with a fetcher confined to the project."""

from __future__ import annotations

import logging
from pathlib import Path

from booklet.content.model import Edition
from booklet.core.findings import Report, relative
from booklet.core.resources import STYLE_ORDER, override_files, theme_file
from booklet.engine.fetcher import ConfinedFetcher, Origins, url_in_message
from booklet.engine.patches import install
from booklet.engine.session import font_configuration, parsed_css


class _Capture(logging.Handler):
    """Turns WeasyPrint's warnings and errors into findings."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.levelno, record.getMessage()))


def edition_css(edition: Edition) -> str:
    fonts = edition.fonts
    return (
        f"@page {{ size: {edition.trim.width} {edition.trim.height}; bleed: {edition.bleed}; }}\n"
        f':root {{ --font-body: {css_string(fonts.body)}, "DejaVu Serif"; '
        f'--font-heading: {css_string(fonts.heading)}, "DejaVu Sans"; --bleed: {edition.bleed}; }}\n'
        f"body {{ string-set: booktitle {css_string(edition.title)}; }}\n"
    )


def css_string(text: str) -> str:
    """Text as a quoted CSS string: quotes, backslashes and control characters escaped."""
    return (
        '"'
        + "".join(f"\\{ord(c):x} " if c in '"\\' or ord(c) < 32 or ord(c) == 127 else c for c in text)
        + '"'
    )


def stylesheets(styles_dir: Path, edition: Edition, extra: list[str] | None = None) -> list[str]:
    """The CSS texts in cascade order: theme layers (each the project's where it has one, else the
    package's), the edition's settings, the project's own stylesheets, then the profile's layers."""
    texts = [theme_file(styles_dir, name).read_text(encoding="utf-8") for name in STYLE_ORDER]
    texts.append(edition_css(edition))
    texts.extend(path.read_text(encoding="utf-8") for path in override_files(styles_dir))
    texts.extend(extra or [])
    return texts


def proof_stylesheets(styles_dir: Path, edition: Edition) -> list[str]:
    """The proof overlay's CSS: the theme variables, the page size and bleed, then styles/proof.css."""
    return [
        theme_file(styles_dir, "variables.css").read_text(encoding="utf-8"),
        edition_css(edition),
        theme_file(styles_dir, "proof.css").read_text(encoding="utf-8"),
    ]


def render_document(
    html: str, css_texts: list[str], root: Path, report: Report, origins: Origins | None = None
):
    """Lay out the book; returns the WeasyPrint Document.

    Every URL the confined fetcher refuses, and every ERROR WeasyPrint logs, becomes an error
    located by `origins` (the image's YAML field, the block, or the stylesheet line).
    """
    from weasyprint import HTML

    install()  # every patch, behind the version gate
    fetcher = ConfinedFetcher(root.resolve())
    url_fetcher = fetcher.make()
    font_config = font_configuration()
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    previous = logger.propagate
    logger.propagate = False
    try:
        images: dict = {}
        document = HTML(string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=url_fetcher).render(
            stylesheets=[parsed_css(text, root.resolve().as_uri() + "/", url_fetcher) for text in css_texts],
            font_config=font_config,
            cache=images,
        )
        document.stand_ins = [
            (images[url], pending) for url, pending in fetcher.stand_ins.items() if url in images
        ]
    finally:
        logger.removeHandler(capture)
        logger.propagate = previous
    origins = origins or Origins(html, {}, project_stylesheets(root / "styles", root))
    for url, why in fetcher.refused:
        report.error("fetch.refused", f"the renderer may not read {url[:200]} ({why})", **origins.locate(url))
    for level, message in capture.messages:
        if "refused:" in message:
            continue  # reported above, with its reason
        url = url_in_message(message)
        where = origins.locate(url) if url else {}
        if level >= logging.ERROR:
            report.error("render.error", message, **where)
        else:
            report.warning("render.warning", message, **where)
    return document


def project_stylesheets(styles_dir: Path, root: Path) -> dict[str, str]:
    """The project's stylesheets by project-relative name, to locate the URLs they hold."""
    if not styles_dir.is_dir():
        return {}
    return {
        relative(path, root): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(styles_dir.glob("*.css"))
        if path.is_file()
    }


def write_pdf(document, edition: Edition, options: dict | None = None, target=None) -> bytes | None:
    """The PDF bytes, or None when written to `target` (a path or a binary stream); `options` are
    the output profile's WeasyPrint options (profiles.Profile.pdf_options).

    No pdf_identifier: pydyf hashes a joined copy of every object for it, which doubles the
    memory and time of writing a photo-heavy book (960 MB against 240 MB for the catalogue);
    the press finisher sets the PDF/X document ID itself.
    """
    return document.write_pdf(target, **{"pdf_tags": False, **(options or {})})
