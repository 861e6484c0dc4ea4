"""The whole book laid out part by part — front matter, each chapter's head, each section, back
matter — in parallel worker processes, each part remembered.

Chapters open on right-hand pages and sections on left-hand pages, so each can be laid out as a
document of its own (layout/parts.py). The workers lay the parts out side by side (the longest first);
the front matter comes last, when every heading's folio is known (the contents print them); then
the PDF stage joins the parts. `tests/layout/test_parts.py` checks that the pages are those of the whole
book laid out at once.

Start folios are guessed (the last build's, else the page plan's, else counted) and checked once
the parts are back; a part that starts elsewhere is laid out again — a part on the same side has
the same content pages wherever it starts, so one more round settles it. Pages reserved to keep
the page plan (folios.py) stand at the end of the part before the heading they push.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from booklet.assets.photos import PENDING
from booklet.content.model import Book
from booklet.content.rows import pieces
from booklet.core.files import read_json, remember_json
from booklet.core.findings import BuildError, Report
from booklet.core.parallel import heap_frozen, native_threads_ended, release_freed_memory, worker_start
from booklet.engine.patches import fontsubset, install
from booklet.layout.cache import digest
from booklet.layout.folios import chapter_of, first_folio, next_start
from booklet.layout.parts import BACK, FRONT, Context, PartResult, lay_out, remembered, use_context

Progress = Callable[[str], None]


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
    progress: Progress,
    alongside: Callable[[], None] | None = None,
) -> Parts:
    """Every part laid out with its true start folio; findings added to `report` in book order.
    `alongside` starts work in threads (the photos' conversion) once the workers have forked."""
    use_context(context)
    book = context.book
    context.cache.mkdir(parents=True, exist_ok=True)
    starts_file = context.cache / f"starts-{digest(str(book.edition_path))[:16]}.json"
    last_build = read_json(starts_file) or {}
    last_starts = last_build.get("starts", {})
    remembered_size = last_build.get("pages", {})  # the longest parts go first
    context.reserved_last = last_build.get("reserved", {})
    plan = book.edition.page_plan or {}
    names = pieces(book)
    install()  # every patch, behind the version gate, before the workers fork
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
                book, name, max(last_starts.get(name) or plan.get(name) or folio, folio)
            )
            folio = pending[name] + 1
        # The front matter (its contents print every heading's folio) and the back matter are laid out
        # alongside, as the last build left them, and again at the end if that has changed.
        ends = []
        headings = {a for c in book.chapters for a in (c.anchor, *(s.anchor for s in c.sections))}
        if isinstance(last_build.get("folios"), dict) and headings <= set(last_build["folios"]):
            ends.append((FRONT, 1, False, last_build["folios"]))  # (not when a chapter or section is new)
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
                folio = next_start(book, name, folio, result.pages - sum(result.reserved.values()), plan)
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


def _collect(result: PartResult, report: Report) -> None:
    for finding in result.findings:
        report.add(finding)
    result.findings = []
    if result.failure:
        message, code = result.failure
        raise BuildError(message, code, report)


class _Pool:
    """Worker processes forked with the context (started at the first batch of more than one part);
    in-process when there is one job."""

    def __init__(self, jobs: int, progress: Progress, book: Book):
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
            native_threads_ended()  # Pango's fontconfig thread, started by the shared faces
            with heap_frozen():  # the workers fork in Pool(): their collections skip the inherited heap
                self.pool = multiprocessing.get_context("fork").Pool(self.jobs, initializer=worker_start)

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


def _label(book: Book, name: str) -> str:
    """A part as the progress lines name it: its chapter file, and the section's numeral."""
    chapter = chapter_of(book, name)
    if chapter is None:
        return name
    section = next((section for section in chapter.sections if section.anchor == name), None)
    mark = str(
        book.labels.get("section_mark", "（{n}）")
    ).strip()  # （一） in Chinese, 2.1 in a Latin booklet
    return Path(chapter.path).name + (" " + mark.format(n=section.numeral) if section else "")
