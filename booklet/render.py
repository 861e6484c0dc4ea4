"""HTML + styles → WeasyPrint Document → PDF bytes, with a fetcher confined to the project."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .diagnostics import Report
from .model import Edition

STYLE_ORDER = ("variables.css", "pages.css", "type.css", "blocks.css", "contents.css", "typeset.css")
MAX_DATA_URL = 64 * 1024


@dataclass
class ConfinedFetcher:
    """Reads regular files inside `root` and small data: URLs; refuses everything else."""

    root: Path
    refused: list[str] = field(default_factory=list)

    def make(self):
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        confined = self

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                scheme = urlsplit(url).scheme.lower()
                if scheme == "data":
                    if len(url) > MAX_DATA_URL:
                        return confined._refuse(url, "data: URL too large")
                    return super().fetch(url, headers)
                if scheme != "file":
                    return confined._refuse(url, "only files inside the project may be read")
                path = Path(unquote(urlsplit(url).path))
                try:
                    real = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    return confined._refuse(url, "file not found")
                if not real.is_relative_to(confined.root) or not real.is_file():
                    return confined._refuse(url, "outside the project or not a regular file")
                return URLFetcherResponse(real.as_uri(), real.open("rb"))  # WeasyPrint closes it

        return _Fetcher(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)

    def _refuse(self, url: str, why: str):
        self.refused.append(f"{url[:200]} ({why})")
        raise ValueError(f"refused: {why}")


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
        f":root {{ --font-body: \"{fonts.body}\", \"DejaVu Serif\"; "
        f"--font-heading: \"{fonts.heading}\", \"DejaVu Sans\"; --bleed: {edition.bleed}; }}\n"
        f"body {{ string-set: booktitle \"{edition.title}\"; }}\n"
    )


def stylesheets(styles_dir: Path, edition: Edition, extra: list[str] | None = None) -> list[str]:
    """The CSS texts in cascade order: theme layers, then the edition's overrides."""
    texts = [(styles_dir / name).read_text(encoding="utf-8") for name in STYLE_ORDER]
    texts.append(edition_css(edition))
    texts.extend(extra or [])
    return texts


def proof_stylesheets(styles_dir: Path, edition: Edition) -> list[str]:
    """The proof overlay's CSS: the theme variables, the page size and bleed, then styles/proof.css."""
    return [(styles_dir / "variables.css").read_text(encoding="utf-8"), edition_css(edition),
            (styles_dir / "proof.css").read_text(encoding="utf-8")]


def render_document(html: str, css_texts: list[str], root: Path, report: Report):
    """Lay out the book; returns the WeasyPrint Document."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .typeset import install

    unsupported = install()
    if unsupported:
        report.warning("typeset.unsupported", unsupported)
    fetcher = ConfinedFetcher(root.resolve())
    url_fetcher = fetcher.make()
    font_config = FontConfiguration()
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    previous = logger.propagate
    logger.propagate = False
    try:
        document = HTML(string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=url_fetcher).render(
            stylesheets=[CSS(string=text, font_config=font_config, url_fetcher=url_fetcher) for text in css_texts],
            font_config=font_config,
        )
    finally:
        logger.removeHandler(capture)
        logger.propagate = previous
    for url in fetcher.refused:
        report.error("fetch.refused", f"the renderer was refused {url}")
    for level, message in capture.messages:
        if "refused:" in message:
            continue
        if level >= logging.ERROR:
            report.error("render.error", message)
        else:
            report.warning("render.warning", message)
    return document


def write_pdf(document, edition: Edition, options: dict | None = None) -> bytes:
    """The PDF bytes; `options` are the output profile's WeasyPrint options (profiles.Profile.pdf_options).

    No pdf_identifier: pydyf hashes a joined copy of every object for it, which doubles the
    memory and time of writing a photo-heavy book (960 MB against 240 MB for the catalogue);
    the press finisher sets the PDF/X document ID itself.
    """
    return document.write_pdf(**{"pdf_tags": False, **(options or {})})
