"""What the renderer may read, and where a refused or broken resource came from.

WeasyPrint's own fetcher reads any local file and the network. ConfinedFetcher lets it
read only regular files inside the project (real path checked, symlinks resolved, size
capped) and small data: URLs: no network, no file:// outside, no redirects. A photo whose
conversion is still running (assets/photos.PENDING) reads as a stand-in of its final size and mode. Origins maps
a URL back to what named it — the YAML field of an image, the block whose HTML holds it
(data-source="file:line"), or the stylesheet line — so every refusal is a located finding.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from booklet.assets.collect import Assets, image_refs
from booklet.assets.photos import PENDING, Pending, stand_in
from booklet.content.model import Book
from booklet.core.findings import Location

if TYPE_CHECKING:
    from weasyprint.images import RasterImage

MAX_DATA_URL = 64 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024

_DATA_SOURCE = re.compile(r'data-source="([^":]+)(?::(\d+))?"')
_URL_IN_MESSAGE = re.compile(r"""(?:at|image|resource) '?((?:file|data|https?|ftp)[^\s']*?)'?(?::? |$)""")


@dataclass
class ConfinedFetcher:
    """Reads regular files inside `root` and small data: URLs; refuses everything else."""

    root: Path
    refused: list[tuple[str, str]] = field(default_factory=list)  # (url, why)
    stand_ins: dict = field(default_factory=dict)  # URL → its Pending photo: laid out from a stand-in

    def make(self):
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        confined = self

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                parts = urlsplit(url)
                scheme = parts.scheme.lower()
                if scheme == "data":
                    if len(url) > MAX_DATA_URL:
                        return confined._refuse(url, "data: URL over 64 KiB")
                    return super().fetch(url, headers)
                if scheme != "file" or parts.netloc not in ("", "localhost"):
                    return confined._refuse(
                        url, "only files inside the project may be read, never the network"
                    )
                pending = PENDING.get(unquote(parts.path))
                if pending is not None and not pending.target.is_file():  # still converting
                    confined.stand_ins[url] = pending
                    return URLFetcherResponse(url, stand_in(pending.size, pending.mode))
                try:
                    real = Path(unquote(parts.path)).resolve(strict=True)
                except (OSError, RuntimeError):
                    return confined._refuse(url, "file not found")
                if not real.is_relative_to(confined.root) or not real.is_file():
                    return confined._refuse(url, "outside the project or not a regular file")
                if real.stat().st_size > MAX_FILE_BYTES:
                    return confined._refuse(url, f"over {MAX_FILE_BYTES // 2**20} MiB")
                return URLFetcherResponse(real.as_uri(), real.read_bytes())

        return _Fetcher(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)

    def _refuse(self, url: str, why: str):
        self.refused.append((url, why))
        raise ValueError(f"refused: {why}")


@dataclass
class Origins:
    """Where a URL the renderer met came from: an image field, a block, or a stylesheet line."""

    html: str = ""
    images: dict[str, list[tuple[Location, str]]] = field(default_factory=dict)  # url → (place, field)
    stylesheets: dict[str, str] = field(default_factory=dict)  # project-relative name → CSS text

    def locate(self, url: str) -> dict:
        """Keyword arguments (location, field) for a finding about `url`; empty when unknown."""
        if url in self.images:
            location, field_name = self.images[url][0]
            return {"location": location, "field": field_name}
        for needle in _needles(url):  # an attribute value (src, href) ending so; text has its quotes escaped
            position = self.html.find(html_escape(needle, quote=False) + '"')
            sources = list(_DATA_SOURCE.finditer(self.html, 0, position)) if position >= 0 else []
            if sources:
                path, line = sources[-1].group(1), sources[-1].group(2)
                return {"location": Location(path, int(line) if line else None)}
        for needle in _needles(url):
            for name, text in self.stylesheets.items():
                position = text.find(needle)
                if position >= 0:
                    return {"location": Location(name, text.count("\n", 0, position) + 1)}
        return {}


def image_origins(book: Book, assets: Assets) -> dict[str, list[tuple[Location, str]]]:
    """Image URL → [(location, YAML field)] of the blocks that name it."""
    origins: dict[str, list[tuple[Location, str]]] = {}
    for placed in book.all_blocks():
        for ref, field_name in image_refs(placed):
            image = assets.images.get(ref)
            if image is not None and image.url:
                origins.setdefault(image.url, []).append(
                    (Location(placed.path, placed.line), f"{placed.kind}.{field_name}")
                )
    return origins


def url_in_message(message: str) -> str | None:
    """The URL a WeasyPrint log line is about ('Failed to load image at 'file:///x': …')."""
    match = _URL_IN_MESSAGE.search(message)
    return match.group(1) if match else None


def _needles(url: str) -> list[str]:
    """The URL as written, then its path, then its last segment: relative URLs are resolved by then."""
    out = [url]
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        path = unquote(parts.path)
        out.append(path)
        name = path.rsplit("/", 1)[-1]
        if len(name) >= 3:
            out.append(name)
    return out


def stand_ins_replaced(stand_ins: list[tuple[RasterImage, Pending]], timeout: float = 600) -> str | None:
    """Point each image laid out from a stand-in (WeasyPrint's RasterImage and its Pending) at its
    converted file, once written: the PDF then embeds the file as if it had been laid out from it.
    Returns None, or why an image cannot be had."""
    from weasyprint.images import LazyLocalImage

    deadline = time.monotonic() + timeout
    for image, item in stand_ins:
        while not item.target.is_file():
            if item.failed.is_file() or time.monotonic() > deadline:
                return f"image {item.ref} could not be converted"
            time.sleep(0.01)
        image.image_data = LazyLocalImage(str(item.target))
    return None
