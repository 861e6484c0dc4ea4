"""What changed between two editions: the content block by block, and the pages.

Content: both editions are loaded to the model (converted to their script), chapters are
matched by number, and each chapter's blocks are aligned as sequences of their texts
(difflib); a changed block is shown line by line (a table row, a paragraph, a caption is a
line) with an inline character diff. YAML syntax, comments and line numbers never count.

Pages: both editions are laid out and each page's text is compared with the page of the
same number. A page is `changed` when it holds a block that changed (or the colophon when
the edition's metadata changed), `reflowed` when its text differs only because content
moved, `added` or `removed` when the page count changed. Unchanged things are not listed.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from booklet.app.check import check
from booklet.app.project import Options, project_root, theme_dir
from booklet.content.model import Book, Chapter, Edition, Placed, Strict, Table
from booklet.core.files import write_output
from booklet.core.findings import BuildError, ContentError, Report
from booklet.engine.boxes import children, is_text, page_box
from booklet.engine.render import render_document, stylesheets
from booklet.html.document import make_environment, render_html

CONTEXT = 12  # characters of unchanged text kept around an inline change
EDITION_MARKERS = frozenset({"cover", "colophon", "back-cover"})  # pages showing edition metadata


# ---------------------------------------------------------------- content


def block_lines(block: Strict) -> list[str]:
    """The readable text of a block, one line per paragraph, caption, table row…"""
    if isinstance(block, Table):
        lines = [block.title] if block.title else []
        lines.append(" | ".join(block.columns))
        lines += [" | ".join(cell.text for cell in row) for row in block.cells]
        if block.note:
            lines.append(block.note)
        return lines
    lines: list[str] = []
    for name in type(block).model_fields:
        value = getattr(block, name)
        if name == "text" and isinstance(value, str):
            lines.append(value)
        elif isinstance(value, str):
            lines.append(f"{name}: {value}")
        elif isinstance(value, list):
            for item in value:
                lines += block_lines(item) if isinstance(item, Strict) else [str(item)]
        elif isinstance(value, Strict):
            lines += block_lines(value)
        elif value is not None and value is not False:
            lines.append(f"{name}: {value}")
    return lines


@dataclass(frozen=True)
class Unit:
    """One comparable piece of a chapter: its title, a section title or a block."""

    kind: str
    lines: tuple[str, ...]
    section: str  # the section title it stands in ("" before the first section)
    placed: Placed | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.lines)

    @property
    def source(self) -> str | None:
        return f"{self.placed.path}:{self.placed.line}" if self.placed else None


def chapter_units(chapter: Chapter) -> list[Unit]:
    units = [Unit("title", (chapter.title,), "")]
    units += [Unit(p.kind, tuple(block_lines(p.block)), "", p) for p in chapter.blocks]
    for section in chapter.sections:
        units.append(Unit("section", (section.title,), section.title))
        units += [Unit(p.kind, tuple(block_lines(p.block)), section.title, p) for p in section.blocks]
    return units


@dataclass
class LineChange:
    op: str  # "-" removed, "+" added, "~" changed
    segments: list[tuple[str, str]]  # ("=", text) | ("-", text) | ("+", text)


@dataclass
class BlockChange:
    op: str  # added, removed, changed
    kind: str
    section: str
    old: Unit | None
    new: Unit | None
    lines: list[LineChange] = field(default_factory=list)


@dataclass
class ChapterChange:
    file: str
    title: str
    op: str  # added, removed, changed
    blocks: list[BlockChange] = field(default_factory=list)


@dataclass
class PageChange:
    page: int  # 1-based page of the new edition (of the old one for `removed`)
    op: str  # changed, reflowed, added, removed


@dataclass
class EditionDiff:
    old_label: str
    new_label: str
    metadata: list[tuple[str, str, str]] = field(default_factory=list)
    chapters: list[ChapterChange] = field(default_factory=list)
    pages: list[PageChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.metadata or self.chapters or any(p.op != "unchanged" for p in self.pages))


def inline(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level diff of two lines, long unchanged runs shortened to their ends."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            text = old[i1:i2]
            first, last = i1 == 0, i2 == len(old)
            if len(text) > 2 * CONTEXT:
                head = "" if first else text[:CONTEXT]
                tail = "" if last else text[-CONTEXT:]
                text = head + "…" + tail
            out.append(("=", text))
            continue
        if i2 > i1:
            out.append(("-", old[i1:i2]))
        if j2 > j1:
            out.append(("+", new[j1:j2]))
    return out


def line_changes(old: tuple[str, ...], new: tuple[str, ...]) -> list[LineChange]:
    changes: list[LineChange] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            changes.append(LineChange("~", inline(old[i1 + k], new[j1 + k])))
        changes += [LineChange("-", [("-", line)]) for line in old[i1 + paired : i2]]
        changes += [LineChange("+", [("+", line)]) for line in new[j1 + paired : j2]]
    return changes


def compare_chapter(old: Chapter, new: Chapter) -> list[BlockChange]:
    a, b = chapter_units(old), chapter_units(new)
    changes: list[BlockChange] = []
    matcher = difflib.SequenceMatcher(None, [u.key for u in a], [u.key for u in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        # pair blocks of the same kind, in order: those are edits; the rest are added or removed
        while olds and news and olds[0].kind == news[0].kind:
            before, after = olds.pop(0), news.pop(0)
            changes.append(
                BlockChange(
                    "changed",
                    after.kind,
                    after.section,
                    before,
                    after,
                    line_changes(before.lines, after.lines),
                )
            )
        changes += [
            BlockChange("removed", u.kind, u.section, u, None, [LineChange("-", [("-", t)]) for t in u.lines])
            for u in olds
        ]
        changes += [
            BlockChange("added", u.kind, u.section, None, u, [LineChange("+", [("+", t)]) for t in u.lines])
            for u in news
        ]
    return changes


def compare_books(old: Book, new: Book) -> EditionDiff:
    result = EditionDiff(old.edition_path, new.edition_path)
    result.metadata = compare_editions(old.edition, new.edition)
    old_chapters = {c.number: c for c in old.chapters}  # matched by number: a corrected copy
    new_numbers = {c.number for c in new.chapters}  # of a chapter file is the same chapter
    for chapter in new.chapters:
        before = old_chapters.get(chapter.number)
        if before is None:
            added = ChapterChange(chapter.path, chapter.title, "added")
            added.blocks = [
                BlockChange(
                    "added", u.kind, u.section, None, u, [LineChange("+", [("+", t)]) for t in u.lines]
                )
                for u in chapter_units(chapter)
            ]
            result.chapters.append(added)
            continue
        blocks = compare_chapter(before, chapter)
        if blocks:
            result.chapters.append(ChapterChange(chapter.path, chapter.title, "changed", blocks))
    for chapter in old.chapters:
        if chapter.number not in new_numbers:
            result.chapters.append(ChapterChange(chapter.path, chapter.title, "removed"))
    return result


def compare_editions(old: Edition, new: Edition) -> list[tuple[str, str, str]]:
    changed = []
    for name in type(new).model_fields:
        if name == "chapters":
            continue  # chapter changes are reported chapter by chapter
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changed.append((name, _show(before), _show(after)))
    return changed


def _show(value) -> str:
    if isinstance(value, Strict):
        return ", ".join(f"{k}={v}" for k, v in value.model_dump().items())
    if isinstance(value, list):
        return " / ".join(_show(v) for v in value)
    return "" if value is None else str(value)


# ---------------------------------------------------------------- pages


@dataclass
class PageText:
    text: str
    sources: frozenset[str]  # data-source of every block with text on the page, plus "edition"


def page_texts(document) -> list[PageText]:
    """The text on each laid-out page and the blocks it comes from (from WeasyPrint's boxes)."""
    pages = []
    for page in document.pages:
        texts: list[str] = []
        sources: set[str] = set()
        stack = [(page_box(page), None)]
        while stack:
            box, source = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and hasattr(element, "get"):
                source = element.get("data-source") or source
                classes = set((element.get("class") or "").split())
                if classes & EDITION_MARKERS:
                    source = "edition"
            if is_text(box):
                texts.append(box.text)
                if source:
                    sources.add(source)
            stack.extend((child, source) for child in reversed(children(box)))
        pages.append(PageText("".join("".join(texts).split()), frozenset(sources)))
    return pages


def compare_pages(old: list[PageText], new: list[PageText], content: EditionDiff) -> list[PageChange]:
    new_sources = {c.new.source for ch in content.chapters for c in ch.blocks if c.new and c.new.source}
    old_sources = {c.old.source for ch in content.chapters for c in ch.blocks if c.old and c.old.source}
    if content.metadata:
        new_sources.add("edition")
        old_sources.add("edition")
    pages = []
    for index, page in enumerate(new):
        before = old[index] if index < len(old) else None
        if before is None:
            pages.append(PageChange(index + 1, "added"))
        elif page.text == before.text:
            continue
        elif page.sources & new_sources or before.sources & old_sources:
            pages.append(PageChange(index + 1, "changed"))
        else:
            pages.append(PageChange(index + 1, "reflowed"))
    pages += [PageChange(index + 1, "removed") for index in range(len(new), len(old))]
    return pages


def lay_out(edition_file: Path) -> tuple[Book, list[PageText]]:
    """Load and lay out one edition (no PDF is written)."""
    options = Options(edition_file=edition_file)
    result = check(options)
    if result.book is None or result.report.errors:
        raise ContentError(result.report)
    root = project_root(edition_file)
    assert result.assets is not None
    html = render_html(result.book, result.assets)
    report = Report()
    document = render_document(html, stylesheets(theme_dir(root), result.book.edition), root, report)
    return result.book, page_texts(document)


def diff_editions(old_file: Path, new_file: Path, *, pages: bool = True) -> EditionDiff:
    if pages:
        old_book, old_pages = lay_out(old_file)
        new_book, new_pages = lay_out(new_file)
    else:
        old_book, new_book = _load(old_file), _load(new_file)
    result = compare_books(old_book, new_book)
    if pages:
        result.pages = compare_pages(old_pages, new_pages, result)
    return result


def _load(edition_file: Path) -> Book:
    result = check(Options(edition_file=edition_file))
    if result.book is None or result.report.errors:
        raise ContentError(result.report)
    return result.book


def checkout(edition_file: Path, rev: str, into: Path) -> Path:
    """Write every file of the edition's project at git revision `rev` into `into`; the old edition file."""
    root = project_root(edition_file)

    def git(*args: str) -> bytes:
        try:
            return subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, check=True, timeout=60
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise BuildError(
                f"git cannot read revision {rev!r}: {detail.decode(errors='replace').strip()}", 2
            ) from None

    names = [n for n in git("ls-tree", "-r", "-z", "--name-only", rev, ".").decode().split("\0") if n]
    for name in names:
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(git("show", f"{rev}:./{name}"))
    return into / edition_file.resolve().relative_to(root.resolve())


# ---------------------------------------------------------------- reports


def format_text(result: EditionDiff, *, colour: bool = False) -> str:
    red, green, dim, off = ("\033[31m", "\033[32m", "\033[2m", "\033[0m") if colour else ("", "", "", "")

    def segments(parts: list[tuple[str, str]]) -> str:
        out = ""
        for op, text in parts:
            if op == "=":
                out += text
            elif op == "-":
                out += f"{red}[-{text}-]{off}"
            else:
                out += f"{green}{{+{text}+}}{off}"
        return out

    lines = [f"{result.old_label} → {result.new_label}"]
    if result.metadata:
        lines.append("edition:")
        lines += [
            f"  {name}: {red}[-{old}-]{off} {green}{{+{new}+}}{off}" for name, old, new in result.metadata
        ]
    for chapter in result.chapters:
        lines.append(
            f"{chapter.file} ({chapter.title}): chapter {chapter.op}"
            if chapter.op != "changed"
            else f"{chapter.file} ({chapter.title}):"
        )
        for block in chapter.blocks:
            where = f" in （{block.section}）" if block.section else ""
            unit = block.new or block.old
            at = f" {dim}[{unit.source}]{off}" if unit and unit.source else ""
            lines.append(f"  {block.kind} {block.op}{where}{at}")
            for change in block.lines:
                lines.append(f"    {change.op} {segments(change.segments)}")
    if result.pages:
        for op in ("changed", "reflowed", "added", "removed"):
            numbers = [str(p.page) for p in result.pages if p.op == op]
            if numbers:
                lines.append(f"pages {op}: {', '.join(numbers)}")
    if len(lines) == 1:
        lines.append("no changes")
    return "\n".join(lines) + "\n"


def format_html(result: EditionDiff) -> str:
    template = make_environment().get_template("diff-report.html")
    return template.render(diff=result)


def run(
    old_file: Path,
    new_file: Path,
    output: Path | None,
    *,
    pages: bool = True,
    colour: bool = False,
    old_label: str | None = None,
) -> tuple[EditionDiff, Path]:
    result = diff_editions(old_file, new_file, pages=pages)
    result.old_label = old_label or result.old_label
    root = project_root(new_file)
    target = output or root / "dist" / f"{new_file.stem}.diff.html"
    write_output(target, format_html(result).encode())
    sys.stdout.write(format_text(result, colour=colour))
    return result, target


def run_rev(
    rev: str, edition_file: Path, output: Path | None, *, pages: bool = True, colour: bool = False
) -> tuple[EditionDiff, Path]:
    with tempfile.TemporaryDirectory(prefix="booklet-rev-") as folder:
        old_file = checkout(edition_file, rev, Path(folder))
        label = f"{old_file.relative_to(folder).as_posix()}@{rev}"
        return run(old_file, edition_file, output, pages=pages, colour=colour, old_label=label)
