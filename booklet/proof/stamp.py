"""Proof: the print layout, stamped. Nothing of the proof enters the flow.

The book is laid out exactly as for print; then each page is read back from the layout (where
every block with a `data-source` stands), and a second, transparent document of the same page
size is drawn from that: a diagonal watermark, a slug line (edition, time, source revision,
page n/N) and, in the outside margin beside each block, its source file and line, with a red
mark where a finding points. That overlay is merged onto the pages of the print PDF, so the
proof has the print build's pagination by construction.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote, urlsplit

from booklet.content.model import Book
from booklet.core.files import write_whole
from booklet.core.findings import BuildError, Finding, Report
from booklet.engine.boxes import page_box
from booklet.layout.book import Parts
from booklet.layout.parts import PartResult
from booklet.proof.sourcemap import embed_map, proof_map

if TYPE_CHECKING:
    from weasyprint import Document

PX_PER_MM = 96 / 25.4
NOTE_HEIGHT = 2.2 * PX_PER_MM  # one margin note, with its leading
NOTE_GAP = 1.2 * PX_PER_MM  # from the text column to the note
NOT_IN_MARGIN = {"image.missing", "annotation.resolved"}  # the page says it already; nothing to flag
LOW_DPI = 150
BAR_GAP = 2.5 * PX_PER_MM  # from the text column to a change bar
BAR_WIDTH = 0.8 * PX_PER_MM


@dataclass(frozen=True)
class Note:
    """A source reference (or a finding) in the outside margin."""

    text: str
    top: float  # px from the trim's top edge
    finding: bool = False


@dataclass
class ProofPage:
    number: int  # 1-based, physical
    side: str  # left or right
    width: float  # px, the trim
    height: float
    text_left: float  # the text column's edges
    text_right: float
    sources: list[tuple[str, int, float]] = field(default_factory=list)  # (path, line, top px), in page order
    signature: str = ""  # changes when anything on the page moves or changes, slug time aside
    blocks: list[tuple[str, int, float, float, float, float]] = field(default_factory=list)
    bars: list[tuple[float, float]] = field(default_factory=list)  # change bars: (top, bottom) px
    # (path, line, left, top, right, bottom px) of every block with a source line: the proof map
    notes: list[Note] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def note_left(self) -> float:
        return self.text_right + NOTE_GAP if self.side == "right" else 0.0

    @property
    def bar_left(self) -> float:
        """Change bars stand in the margin opposite the notes, just off the text column."""
        return self.text_left - BAR_GAP if self.side == "right" else self.text_right + BAR_GAP - BAR_WIDTH

    @property
    def note_width(self) -> float:
        return (
            (self.width - self.text_right - NOTE_GAP) if self.side == "right" else self.text_left - NOTE_GAP
        )


@dataclass(frozen=True)
class PlacedImage:
    ref: str  # the file URL WeasyPrint read
    page: int
    width_px: float  # printed width in CSS px


@dataclass
class Layout:
    """What the proof and its report need to know of the laid-out book."""

    pages: list[ProofPage]
    images: list[PlacedImage]

    def page_of(self, path: str, line: int | None) -> ProofPage | None:
        """The page holding the block that a finding at path:line belongs to (the nearest block
        starting at or above that line)."""
        best: tuple[int, int] | None = None
        for page in self.pages:
            for source, start, _ in page.sources:
                if source == path and (line is None or start <= line) and (best is None or start > best[0]):
                    best = (start, page.number)
        return self.pages[best[1] - 1] if best else None


# ---------------------------------------------------------------- reading the layout back


def read_layout(document) -> Layout:
    pages: list[ProofPage] = []
    images: list[PlacedImage] = []
    for number, page in enumerate(document.pages, start=1):
        box = page_box(page)  # the laid-out page: the only place positions are known
        side = getattr(getattr(box, "page_type", None), "side", None) or ("right" if number % 2 else "left")
        proof_page = ProofPage(
            number,
            side,
            page.width,
            page.height,
            text_left=box.margin_left,
            text_right=page.width - box.margin_right,
        )
        seen: set[int] = set()
        extents: dict[int, list] = {}  # element → [path, line, left, top, right, bottom]
        digest = hashlib.sha256()
        for child in box.descendants():
            digest.update(
                f"{child.element_tag}|{child.position_x:.1f}|{child.position_y:.1f}|"
                f"{getattr(child, 'text', '')}\n".encode()
            )
            element = getattr(child, "element", None)
            if element is None or not hasattr(element, "get"):
                continue
            if id(element) in extents:
                _extend(extents[id(element)], child)
            if id(element) in seen:
                continue
            seen.add(id(element))
            source = element.get("data-source") or ""
            path, _, line = source.rpartition(":")
            if path and line.isdigit():
                proof_page.sources.append((path, int(line), child.border_box_y()))
                extents[id(element)] = [path, int(line), *_edges(child)]
            if child.element_tag == "img" and element.get("src", "").startswith("file:"):
                images.append(PlacedImage(element.get("src"), number, child.border_width()))
        proof_page.signature = digest.hexdigest()[:16]
        proof_page.blocks = [
            (path, line, round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))
            for path, line, x0, y0, x1, y1 in extents.values()
        ]
        pages.append(proof_page)
    return Layout(pages, images)


def _edges(box) -> tuple[float, float, float, float]:
    x, y = box.border_box_x(), box.border_box_y()
    return x, y, x + box.border_width(), y + box.border_height()


def _extend(extent: list, box) -> None:
    """Grow a block's extent on the page by one more of its boxes (a block split over columns)."""
    x0, y0, x1, y1 = _edges(box)
    extent[2:] = [min(extent[2], x0), min(extent[3], y0), max(extent[4], x1), max(extent[5], y1)]


class ProofStep:
    """A part's step in its worker (layout.parts.PartStep): where each block and image is on its pages."""

    name: ClassVar[str] = "proof"

    def laid_out(self, part: PartResult, document: Document) -> None:
        part.extras[self.name] = read_layout(document)

    def written(self, part: PartResult, pdf: Path, spare: Path) -> Path:
        return pdf


def place_notes(layout: Layout, findings: list[Finding]) -> None:
    """Source references beside their blocks, findings beside theirs; notes never overlap."""
    for finding in findings:
        if finding.location is None or finding.code in NOT_IN_MARGIN:
            continue
        page = layout.page_of(finding.location.path, finding.location.line)
        if page is not None:
            page.findings.append(finding)
    for page in layout.pages:
        wanted: list[tuple[float, str, bool]] = []
        for path, line, top in page.sources:
            wanted.append((top, f"{Path(path).name}:{line}", False))
        for finding in page.findings:
            loc = finding.location
            top = next(
                (
                    t
                    for p, line, t in reversed(page.sources)
                    if p == loc.path and (loc.line is None or line <= loc.line)
                ),
                page.sources[0][2],
            )
            where = f"{loc.line}:{loc.column}" if loc.column else f"{loc.line}"
            code = finding.code
            if code == "annotation.open":  # a proofreader's mark still to do: its number in the report
                code = "mark " + finding.message.split(" ", 2)[1]
            wanted.append((top + 0.1, f"⚑ {where}\n{code}", True))  # two lines: the margin is narrow
        wanted.sort(key=lambda item: item[0])
        floor = 0.0
        for top, text, is_finding in wanted:
            top = max(top, floor)
            page.notes.append(Note(text, top, is_finding))
            floor = top + NOTE_HEIGHT * (text.count("\n") + 1)
        notes = "|".join(f"{n.text}@{n.top:.1f}" for n in page.notes)
        page.signature = hashlib.sha256(f"{page.signature}|{notes}".encode()).hexdigest()[:16]


def place_bars(layout: Layout, changed: set[tuple[str, int]]) -> None:
    """A change bar beside the extent of every changed block on each page it stands on."""
    for page in layout.pages:
        page.bars = sorted(
            (top, bottom) for path, line, _, top, _, bottom in page.blocks if (path, line) in changed
        )
        if page.bars:
            bars = "|".join(f"{top:.1f}-{bottom:.1f}" for top, bottom in page.bars)
            page.signature = hashlib.sha256(f"{page.signature}|bars|{bars}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------- build information


def source_revision(root: Path) -> str:
    """`git describe --always --dirty`, said plainly; a folder outside git says so."""
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "describe", "--always", "--dirty=+"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "no revision (git is not available)"
    if done.returncode != 0 or not done.stdout.strip():
        return "no revision (not a git checkout)"
    revision = done.stdout.strip()
    return f"{revision[:-1]} + local changes" if revision.endswith("+") else revision


def build_info(book: Book, edition_file: Path, root: Path) -> dict[str, str]:
    """The slug's facts. Its time is the build's, or SOURCE_DATE_EPOCH's for a reproducible proof."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        now = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    else:
        now = datetime.datetime.now().astimezone()
    edition = book.edition
    return {
        "edition": " ".join(
            part for part in (edition.title, edition.edition or "", f"({edition_file.name})") if part
        ),
        "time": now.strftime("%Y-%m-%d %H:%M"),
        "revision": source_revision(root),
    }


# ---------------------------------------------------------------- the overlay and the merge


def overlay_html(pages: list[ProofPage], info: dict[str, str] | None, total: int) -> str:
    """The overlay of `pages` (watermark, page n/N, notes), or with `info` the slug page."""
    from booklet.html.document import make_environment

    return (
        make_environment()
        .get_template("proof-overlay.html")
        .render(pages=pages, info=info or {}, total=total, slug=info is not None)
    )


def render_overlay(html: str, pages: int, css_texts: list[str], root: Path) -> bytes:
    """A transparent page per page of `html`."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=root.resolve().as_uri() + "/").render(
        stylesheets=[CSS(string=text) for text in css_texts]
    )
    if len(document.pages) != pages:
        raise BuildError(f"the proof overlay has {len(document.pages)} pages for {pages}", 3)
    return document.write_pdf()


def _stamp(pdf, page, *forms) -> None:
    """Draw the forms over the page at its origin, as the overlay was laid out (nothing scaled)."""
    import pikepdf

    names = []
    taken = set(page.obj.get("/Resources", {}).get("/XObject", {}).keys())
    for number, form in enumerate(forms):
        name = f"/Proof{number}"  # named in order, not at random (pikepdf's prefix): reproducible proofs
        while name in taken:
            name += "x"
        taken.add(name)
        names.append(page.add_resource(form, pikepdf.Name.XObject, name=pikepdf.Name(name)))
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    page.contents_add(pdf.make_stream(("\nQ\n" + "".join(f"q {name} Do Q\n" for name in names)).encode()))


def book_layout(laid: Parts) -> Layout:
    """The proof layout of the joined book: the parts' pages numbered in the book, blanks included."""
    pages: list[ProofPage] = []
    images: list[PlacedImage] = []
    front = laid.front.extras["proof"]
    template = front.pages[1] if len(front.pages) > 1 else front.pages[0]
    for part in laid.in_order():
        for _ in range(laid.blanks_before.get(part.name, 0)):
            number = len(pages) + 1
            pages.append(
                replace(
                    template,
                    number=number,
                    side="right" if number % 2 else "left",
                    sources=[],
                    blocks=[],
                    notes=[],
                    findings=[],
                    signature=f"blank|{number}",
                )
            )
        offset = len(pages)
        for page in part.extras["proof"].pages:
            pages.append(
                replace(page, number=page.number + offset, sources=list(page.sources), notes=[], findings=[])
            )
        images.extend(replace(image, page=image.page + offset) for image in part.extras["proof"].images)
    return Layout(pages, images)


class Stamper:
    """Stamps the joined book (pdf/join.join_pdfs' `finish`): each part's overlay, remembered by its
    content in `cache` (an edit re-renders one chapter's), then the build's slug on every page."""

    def __init__(
        self,
        laid: Parts,
        book: Book,
        report: Report,
        edition_file: Path,
        root: Path,
        css_texts: list[str],
        cache: Path,
        code: str = "",
        changed: set[tuple[str, int]] | None = None,
        since: str = "",
    ):
        self.layout = book_layout(laid)
        place_notes(self.layout, report.findings)
        if changed is not None:
            place_bars(self.layout, changed)
        self.since = since
        self.ranges = []
        start = 0
        for part in laid.in_order():
            end = start + laid.blanks_before.get(part.name, 0) + part.pages
            self.ranges.append((start, end))
            start = end
        self.info = build_info(book, edition_file, root)
        self.map = proof_map(self.layout, book, edition_file, root, self.info)  # read back by annotations
        self.css, self.root, self.cache, self.code = css_texts, root, cache, code
        self.used: set[Path] = set()  # the remembered overlays this build stamped

    def __call__(self, pdf) -> None:
        import pikepdf

        total = len(self.layout.pages)
        slug_pdf = render_overlay(
            overlay_html(self.layout.pages[:1], self.info, total), 1, self.css, self.root
        )
        opened = []
        try:
            slug = pikepdf.open(io.BytesIO(slug_pdf))
            opened.append(slug)
            slug_form = pdf.copy_foreign(slug.pages[0].as_form_xobject())
            for start, end in self.ranges:
                overlay = pikepdf.open(self._part_overlay(self.layout.pages[start:end], total))
                opened.append(overlay)
                for page, stamp in zip(pdf.pages[start:end], overlay.pages):
                    _stamp(pdf, page, pdf.copy_foreign(stamp.as_form_xobject()), slug_form)
            embed_map(pdf, self.map)
        finally:
            for item in opened:
                item.close()

    @property
    def identity(self) -> str:
        """Everything the stamps are made of (pdf/join.join_pdfs' file identifier), once stamped."""
        return "|".join(
            [
                self.code,
                repr(sorted(self.info.items())),
                hashlib.sha256(self.map).hexdigest(),
                *(path.name for path in sorted(self.used)),
            ]
        )

    def _part_overlay(self, pages: list[ProofPage], total: int) -> Path:
        html = overlay_html(pages, None, total)
        key = hashlib.sha256("\0".join([html, *self.css]).encode()).hexdigest()
        target = self.cache / f"overlay-{key}.pdf"
        if not target.is_file():
            write_whole(target, render_overlay(html, len(pages), self.css, self.root))
        self.used.add(target)
        return target


def low_resolution(layout: Layout) -> list[tuple[str, int, float]]:
    """(file, page, effective dpi) for every printed photo under LOW_DPI."""
    from PIL import Image

    out = []
    for placed in layout.images:
        path = Path(unquote(urlsplit(placed.ref).path))
        try:
            with Image.open(path) as opened:
                pixels = opened.size[0]
        except Exception:
            continue
        dpi = pixels / (placed.width_px / 96) if placed.width_px else 0
        if dpi < LOW_DPI:
            out.append((str(path), placed.page, dpi))
    return out


def proof_output(edition_file: Path, root: Path) -> Path:
    return root / "dist" / f"{edition_file.stem}.proof.pdf"
