"""The book laid out part by part — front matter, each chapter's head, each section, back matter —
in parallel worker processes, each part remembered.

Chapters open on right-hand pages and sections on left-hand pages, so each can be laid out as a
document of its own: its first page counts from its start folio (`@page :first { counter-reset }`;
a part opening on the left is laid out behind a lead page that is dropped), a section's running
head names its chapter, and nothing else in it depends on the other parts. The workers lay the
parts out side by side (the longest first), write each one's PDF (press finish, typographic audit
and the proof's layout reading included) and remember it in `.cache/parts` under a key of
everything it was made from, so an edit lays out only the part it touches. The front matter comes
last, when every heading's folio is known (the contents print them); then `assemble.py` joins the
parts. `tests/test_parts.py` checks that the pages are those of the whole book laid out at once.

Start folios are guessed (the page plan's, else the last build's, else counted) and checked once
the parts are back; a part that starts elsewhere is laid out again — a part on the same side has
the same content pages wherever it starts, so one more round settles it. Pages reserved to keep
the page plan (pagination.py) stand at the end of the part before the heading they push.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from booklet.assets.photos import PENDING
from booklet.content.rows import pieces
from booklet.core.files import read_json, remember, remember_json
from booklet.core.findings import BuildError, Finding, Report
from booklet.core.parallel import release_freed_memory
from booklet.core.resources import code_files, package_name
from booklet.engine.fetcher import stand_ins_replaced
from booklet.engine.patches import fontsubset

if TYPE_CHECKING:
    from weasyprint import Document

    from booklet.assets.collect import Assets
    from booklet.content.model import Book
    from booklet.core.profiles import Profile
    from booklet.engine.fetcher import Origins
    from booklet.engine.limits import Limits

FRONT, BACK = "front", "back"
CACHE_VERSION = "3"  # 3: the package in stage subpackages (pickles name the new modules)


class PartStep(Protocol):
    """Work a later stage does on each part inside its worker, composed by the build: `laid_out`
    while the part's boxes exist, then `written` on its PDF, which returns the file that now holds
    the part (`pdf` itself, or `spare` when the step wrote a new one there)."""

    name: str  # the step's result goes to PartResult.extras[name]

    def laid_out(self, part: PartResult, document: Document) -> None: ...

    def written(self, part: PartResult, pdf: Path, spare: Path) -> Path: ...


@dataclass
class Context:
    """What every part needs; set before the workers fork, so it is never pickled."""

    book: Book
    assets: Assets
    profile: Profile
    css: list[str]
    root: Path
    origins: Origins  # of the book's images and stylesheets
    limits: Limits
    in_process: bool  # keep the laid-out documents (screen: one tagged PDF written at once)
    steps: list[PartStep]  # what each part's PDF gets in its worker (press finish, audit, proof reading)
    cache: Path  # where part PDFs are remembered
    code: str  # digest of everything that makes a part besides its HTML
    reserved_last: dict = field(default_factory=dict)  # part → the pages it reserved in the last build


@dataclass
class PartResult:
    name: str
    start: int  # folio of the first page
    lead: bool
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)  # anchor → page index in the part
    reserved: dict[str, int] = field(default_factory=dict)
    pdf: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # each step's result, by the step's name
    document: Document | None = None  # in-process only
    cached: bool = False
    nested: bool = False  # a section: its bookmarks go under its chapter's
    folios: dict[str, int] | None = None  # the front matter: the folios its contents were given
    fonts: dict[str, list[int]] = field(default_factory=dict)  # shared face → glyphs (fontsubset.py)
    failure: tuple[str, int] | None = None  # (message, exit code) of a BuildError


_CONTEXT: Context | None = None


# ---------------------------------------------------------------- one part


def part_html(
    context: Context,
    name: str,
    start: int,
    lead: bool,
    reserved: dict[str, int],
    folios: dict[str, int] | None = None,
) -> str:
    from booklet.html.document import render_html

    return render_html(
        context.book,
        context.assets,
        profile=context.profile.name,
        build_info={"parts": [name], "reserved": reserved, "lead": lead, "folios": folios or {}},
    )


def part_css(context: Context, name: str, start: int, lead: bool) -> str:
    """The part's first page counts from its start folio; a lead page (dropped) puts it on the left;
    a section's running head names its chapter from the first page."""
    from booklet.engine.render import css_string

    first = start - 1 if lead else start
    css = (
        f"@page :first {{ counter-reset: page {first}; }}\n.part-lead {{ page: front; break-after: page; }}\n"
    )
    chapter = _chapter(context.book, name)
    if chapter is not None and name != chapter.anchor:
        css += f"html {{ string-set: chapter {css_string(f'{chapter.numeral}．{chapter.title}')}; }}\n"
    return css


def lay_out(name: str, start: int, lead: bool, folios: dict[str, int] | None = None) -> PartResult:
    """Lay out one part (in a worker, or in-process); never raises for content: findings are returned."""
    context = _CONTEXT
    assert context is not None
    result = PartResult(name, start, lead, nested=_is_section(_CONTEXT.book, name), folios=folios)
    report = Report()
    try:
        _lay_out(context, result, report, folios)
    except BuildError as exc:
        result.failure = (str(exc), exc.exit_code)
    result.findings = list(report.findings)
    return result


def _lay_out(context: Context, result: PartResult, report: Report, folios: dict[str, int] | None) -> None:
    from booklet.engine.limits import render_limits
    from booklet.engine.render import write_pdf

    book = context.book
    wanted, plan_key, reserved = _plan(context, result, folios)
    remembered = context.cache / f"{plan_key}.reserved.json"
    if (
        reserved is not None
        and not context.in_process
        and _from_cache(context, result, report, plan_key, reserved)
    ):
        return

    if reserved is None and wanted:  # not known for this content: try what this part needed last time
        reserved = context.reserved_last.get(result.name)
    with render_limits(context.limits, report):
        document = None
        if reserved is not None:
            document = _render(context, result, report, reserved, folios)
            if wanted and not _holds(context, result, document, wanted, reserved):
                document = None  # the remembered pages no longer make the plan hold
        if document is None:
            document = _render(context, result, report, {}, folios)
            reserved = _reserve(context, result, document, wanted, report) if wanted else {}
            if reserved:
                document = _render(context, result, report, reserved, folios)
        elif wanted:
            _reserve(context, result, document, wanted, report)  # the overflow findings of a fresh layout
        if wanted:
            remember_json(remembered, reserved)  # the next build with this content lays it out once
        result.reserved = reserved or {}
        _read_pages(result, document)
        problem = stand_ins_replaced(document.stand_ins)  # photos laid out while they were converted
        if problem:
            raise BuildError(problem, 1)
        if context.in_process:
            result.document = document
            return
        key = _part_key(context, plan_key, result.reserved)
        result.pdf = context.cache / f"{key}.pdf"
        # written to a file, finished from it into another and read back from that: a part's
        # photographs are never held in memory whole (a buffer instead: +30 MB at the peak)
        written, finished = (
            result.pdf.with_name(f".{result.pdf.name}.{os.getpid()}.{step}") for step in ("w", "f")
        )
        try:
            with fontsubset.deferring() as deferred:  # the join embeds one subset of each shared face
                write_pdf(document, book.edition, context.profile.pdf_options, target=written)
            result.fonts = deferred.glyphs
            for step in context.steps:
                step.laid_out(result, document)
            del document  # its boxes, before the PDF is finished and read back
            gc.collect()
            current = written
            for step in context.steps:
                current = step.written(result, current, finished if current == written else written)
            os.replace(current, result.pdf)
        except OSError as exc:
            raise BuildError(f"cannot write {result.pdf}: {exc.strerror}", 4) from None
        finally:
            for temp in (written, finished):
                with contextlib.suppress(OSError):
                    temp.unlink()
    result.findings = list(report.findings)
    remember(context.cache / f"{key}.part", pickle.dumps(result))


def _plan(context: Context, result: PartResult, folios: dict[str, int] | None):
    """The planned folios the part decides, its key before pages are reserved, and the pages
    reserved last time for the same key (None: not known)."""
    wanted = (
        _planned_here(context.book, result.name, context.book.edition.page_plan or {})
        if _chapter(context.book, result.name)
        else {}
    )
    plain = part_html(context, result.name, result.start, result.lead, {}, folios)
    plan_key = _digest(
        context.code,
        plain,
        *context.css,
        str(result.start),
        str(result.lead),
        json.dumps(wanted, sort_keys=True),
    )
    reserved = {} if not wanted else read_json(context.cache / f"{plan_key}.reserved.json")
    return wanted, plan_key, reserved


def remembered(name: str, start: int, lead: bool, folios: dict[str, int] | None = None) -> PartResult | None:
    """The part as an earlier build laid it out from the same inputs, or None."""
    context = _CONTEXT
    assert context is not None
    if context.in_process:
        return None
    result = PartResult(name, start, lead, nested=_is_section(context.book, name), folios=folios)
    report = Report()
    _, plan_key, reserved = _plan(context, result, folios)
    if reserved is None or not _from_cache(context, result, report, plan_key, reserved):
        return None
    result.findings = list(report.findings)
    return result


def _part_key(context: Context, plan_key: str, reserved: dict[str, int]) -> str:
    steps = ",".join(step.name for step in context.steps)
    return _digest(plan_key, json.dumps(reserved, sort_keys=True), f"steps={steps}")


def _from_cache(
    context: Context, result: PartResult, report: Report, plan_key: str, reserved: dict[str, int]
) -> bool:
    """The part as laid out by an earlier build from the same inputs, if it is remembered."""
    key = _part_key(context, plan_key, reserved)
    try:
        cached = pickle.loads((context.cache / f"{key}.part").read_bytes())
    except Exception:
        return False
    if not isinstance(cached, PartResult) or cached.pdf is None or not cached.pdf.is_file():
        return False
    for name in ("pages", "anchors", "reserved", "pdf", "extras", "fonts"):
        setattr(result, name, getattr(cached, name))
    for finding in cached.findings:
        report.add(finding)
    result.cached = True
    return True


def _render(
    context: Context,
    result: PartResult,
    report: Report,
    reserved: dict[str, int],
    folios: dict[str, int] | None,
):
    from booklet.engine.render import render_document

    html = part_html(context, result.name, result.start, result.lead, reserved, folios)
    document = render_document(
        html,
        [*context.css, part_css(context, result.name, result.start, result.lead)],
        context.root,
        report,
        origins=replace(context.origins, html=html),
    )
    if result.lead:
        del document.pages[0]
    return document


def _read_pages(result: PartResult, document) -> None:
    result.pages = len(document.pages)
    result.anchors = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            result.anchors.setdefault(anchor, index)


def _chapter(book, name: str):
    """The chapter a part (its head or one of its sections) belongs to, or None (front, back)."""
    return next(
        (
            chapter
            for chapter in book.chapters
            if name == chapter.anchor or any(name == section.anchor for section in chapter.sections)
        ),
        None,
    )


def _is_section(book, name: str) -> bool:
    chapter = _chapter(book, name)
    return chapter is not None and name != chapter.anchor


def _following(book, name: str) -> str | None:
    from booklet.content.rows import pieces

    names = pieces(book)
    index = names.index(name) if name in names else len(names)
    return names[index + 1] if index + 1 < len(names) else None


def opens_on(book, name: str) -> int:
    """The parity of the folio a part opens on: chapters on the right (odd), sections on the left (even)."""
    return 1 if any(chapter.anchor == name for chapter in book.chapters) else 0


def first_folio(book, name: str, folio: int) -> int:
    """The first folio at or after `folio` on the side `name` opens on."""
    return folio + (folio % 2 != opens_on(book, name))


def _planned_here(book, name: str, plan: dict[str, int]) -> dict[str, int]:
    """The planned folio this part decides: the next part's (pages reserved at its end push it there)."""
    following = _following(book, name)
    return {following: plan[following]} if following in plan else {}


def _reserve(
    context: Context, result: PartResult, document, wanted: dict[str, int], report: Report
) -> dict[str, int]:
    """Pages to reserve at the end of this part so the next part starts on its planned folio."""
    from booklet.layout.folios import reserve

    book = context.book
    following = _following(book, result.name)
    if following is None:
        return {}
    end = result.start + len(document.pages) - 1
    natural = {following: first_folio(book, following, end + 1)}
    return reserve([following], natural, wanted, book, report)


# ---------------------------------------------------------------- the whole book


ProgressFn = Callable[[str], None]


@dataclass
class Parts:
    front: PartResult
    chapters: list[PartResult]  # every chapter head and section, in book order
    back: PartResult
    blanks_before: dict[str, int]  # part name → blank pages to put in front of it
    folios: dict[str, int]  # anchor → folio

    def in_order(self) -> list[PartResult]:
        return [self.front, *self.chapters, self.back]


def lay_out_book(
    context: Context,
    jobs: int,
    report: Report,
    progress: ProgressFn,
    alongside: Callable[[], None] | None = None,
) -> Parts:
    """Every part laid out with its true start folio; findings added to `report` in book order.
    `alongside` starts work in threads (the photos' conversion) once the workers have forked."""
    global _CONTEXT
    _CONTEXT = context
    book = context.book
    context.cache.mkdir(parents=True, exist_ok=True)
    starts_file = context.cache / f"starts-{_digest(str(book.edition_path))[:16]}.json"
    last_build = read_json(starts_file) or {}
    remembered = last_build.get("starts", {})
    remembered_size = last_build.get("pages", {})  # the longest parts go first
    context.reserved_last = last_build.get("reserved", {})
    plan = book.edition.page_plan or {}
    names = pieces(book)
    if not context.in_process:  # loaded before the workers fork: the parts leave their subsets to the join
        fontsubset.share_faces([book.edition.fonts.body, book.edition.fonts.heading])
    pool = _Pool(1 if context.in_process else jobs, progress, book)
    try:
        if alongside is not None:
            pool.fork()  # before the threads start: a fork copies no thread
            alongside()
        pending: dict[str, int] = {}
        folio = 1
        for (
            name
        ) in names:  # guesses: last build's folio (the plan's may not hold), else the plan's, else next
            pending[name] = first_folio(
                book, name, max(remembered.get(name) or plan.get(name) or folio, folio)
            )
            folio = pending[name] + 1
        # The front matter (its contents print every heading's folio) and the back matter are laid out
        # alongside, as the last build left them, and again at the end if that has changed.
        ends = []
        if isinstance(last_build.get("folios"), dict):
            ends.append((FRONT, 1, False, last_build["folios"]))
        if isinstance(last_build.get("back"), list) and len(last_build["back"]) == 2:
            ends.append((BACK, *last_build["back"], None))
        done: dict[str, PartResult] = {}
        while pending:
            tasks = [(name, start, start % 2 == 0, None) for name, start in pending.items()] + ends
            ends = []
            for result in pool.run(sorted(tasks, key=lambda task: -remembered_size.get(task[0], 0))):
                done[result.name] = result
            pending = {}
            folio = 1
            for name in names:  # each part opens on the first page of its side after the one before
                folio = first_folio(book, name, folio)
                result = done[name]
                if result.start != folio:
                    pending[name] = folio  # laid out again
                folio = _next_start(book, name, folio, result, plan)
        chapters = [done[name] for name in names]
        folios = {anchor: part.start + index for part in chapters for anchor, index in part.anchors.items()}
        last_folio = chapters[-1].start + chapters[-1].pages - 1 if chapters else 0
        wanted = {FRONT: (FRONT, 1, False, folios), BACK: (BACK, last_folio + 1, last_folio % 2 == 1, None)}
        again = [
            task
            for name, task in wanted.items()
            if name not in done or (done[name].start, done[name].lead, done[name].folios) != task[1:]
        ]
        for result in pool.run(again):
            done[result.name] = result
        front, back = done[FRONT], done[BACK]
        for part in [*chapters, front, back]:
            _collect(part, report)
        remember_json(
            starts_file,
            {
                "starts": {part.name: part.start for part in chapters},
                "reserved": {part.name: part.reserved for part in chapters},
                "pages": {part.name: part.pages for part in [*chapters, front, back]},
                "folios": folios,
                "back": [last_folio + 1, last_folio % 2 == 1],
            },
        )
    finally:
        pool.close()
    front_size = front.pages + front.pages % 2  # the first chapter opens on a right-hand page
    blanks = {names[0]: front_size - front.pages} if names else {}
    for before, part in zip(chapters, chapters[1:]):
        blanks[part.name] = part.start - (before.start + before.pages)
    total = front_size + last_folio + back.pages
    multiple = book.edition.page_multiple if context.profile.bleed else 1
    blanks[BACK] = -total % multiple  # the press wants whole signatures: blank pages before the colophon
    return Parts(front, chapters, back, blanks, folios)


def _holds(
    context: Context, result: PartResult, document, wanted: dict[str, int], reserved: dict[str, int]
) -> bool:
    """Whether the part laid out with `reserved` pages puts the next part on its planned folio (or
    overflows it with nothing reserved, which no other number of pages would mend)."""
    check = Report()
    more = _reserve(context, result, document, wanted, check)
    return not more and (not check.by_code("pagination.overflow") or not any(reserved.values()))


def _next_start(book, name: str, start: int, result: PartResult, plan: dict[str, int]) -> int:
    """Where the part after `name` starts if `name` starts on `start`. A part laid out on the same
    side has the same content pages wherever it starts; only the pages reserved at its end to
    reach the next part's planned folio differ."""
    end = start + result.pages - sum(result.reserved.values())  # the first folio after its content
    following = _following(book, name)
    if following is None:
        return end
    natural = first_folio(book, following, end)
    missing = plan.get(following, 0) - natural
    return natural + (missing - missing % 2 if missing > 0 else 0)


def _collect(result: PartResult, report: Report) -> None:
    for finding in result.findings:
        report.add(finding)
    result.findings = []
    if result.failure:
        message, code = result.failure
        raise BuildError(message, code, report)


def _label(book, name: str) -> str:
    chapter = _chapter(book, name)
    if chapter is None:
        return name
    section = next((section for section in chapter.sections if section.anchor == name), None)
    return Path(chapter.path).name + (f" （{section.numeral}）" if section else "")


class _Pool:
    """Worker processes forked with the context (started at the first batch of more than one part);
    in-process when there is one job."""

    def __init__(self, jobs: int, progress: ProgressFn, book):
        self.jobs = max(1, min(jobs, os.cpu_count() or 1))
        self.progress = progress
        self.book = book
        self.pool = None

    def run(self, tasks: list[tuple]) -> list[PartResult]:
        """The parts' results in the order of `tasks`."""
        names = [task[0] for task in tasks]
        by_name = {}
        for task in tasks:  # remembered parts are not worth a worker
            result = remembered(*task)
            if result is not None:
                by_name[result.name] = result
                self._report(result)
        tasks = [task for task in tasks if task[0] not in by_name]
        if self.jobs == 1 or (len(tasks) == 1 and self.pool is None):
            for task in tasks:
                by_name[task[0]] = lay_out(*task)
                self._report(by_name[task[0]])
        elif tasks:
            self.fork()
            for result in self.pool.imap_unordered(_lay_out_task, tasks):
                by_name[result.name] = result
                self._report(result)
        return [by_name[name] for name in names]

    def fork(self) -> None:
        if self.pool is None and self.jobs > 1:
            self.pool = multiprocessing.get_context("fork").Pool(self.jobs, initializer=_worker_start)

    def _report(self, result: PartResult) -> None:
        if result.pages and result.name not in (FRONT, BACK):
            how = "remembered" if result.cached else "laid out"
            self.progress(
                f"{how} {_label(self.book, result.name)}: {result.pages} pages from folio {result.start}"
            )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _lay_out_task(task: tuple) -> PartResult:
    try:
        return lay_out(*task)
    finally:
        if PENDING:  # photos converting beside: the worker gives back what its last part needed
            release_freed_memory()  # (not otherwise: taking it again costs ≈ 5 % of a long book's time)


def _worker_start() -> None:
    """Workers leave Ctrl-C and SIGTERM to the build, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# ---------------------------------------------------------------- keys and the cache


def code_digest(*extra: str) -> str:
    """What makes a part besides its HTML and CSS: this package's code and templates, the renderer."""
    import weasyprint

    digest = hashlib.sha256(f"{CACHE_VERSION}|{weasyprint.__version__}|".encode())
    for path in code_files():  # every module of every stage, by its path in the package
        digest.update(package_name(path).encode() + b"\0" + path.read_bytes())
    for text in extra:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def _digest(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def prune(cache: Path, used: set[Path], keep_seconds: float = 3600) -> None:
    """Forget the remembered parts this build did not use and no build used for `keep_seconds`."""
    import time

    now = time.time()
    for path in used:
        with contextlib.suppress(OSError):
            os.utime(path)
    with contextlib.suppress(OSError):
        for path in cache.iterdir():
            if path.suffix in (".pdf", ".part") and path not in used:
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > keep_seconds:
                        path.unlink()
