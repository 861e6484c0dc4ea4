"""Rendering limits: layout and PDF writing run under a time limit and a memory limit.

WeasyPrint runs in-process (the pipeline keeps its Document), so the limits are enforced
three ways: a SIGALRM timer (main thread only) raises an exception wherever the layout is;
WeasyPrint's progress logger checks the clock and the resident memory before every page
(any thread), which is the memory limit proper; and RLIMIT_AS caps the address space at
twice the limit plus 1 GiB, a backstop against a single runaway page: Python then fails
with MemoryError, though an allocation failing inside Pango or HarfBuzz may end the process. When a limit is hit, or
the layout recurses too deep, the traceback's frames tell which block was being laid out
(every block's HTML carries data-source="file:line"): the build names it and exits 3.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

from booklet.core.findings import BuildError, Location, Report

DEFAULT_SECONDS = 600.0  # the real catalogue lays out in ~5 s, with every photo in well under a minute
DEFAULT_MEMORY_MB = 4096  # it adds ~0.5 GB of address space


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


class LimitExceeded(BaseException):
    """Raised inside the renderer; a BaseException so that WeasyPrint's `except Exception` lets it through."""

    def __init__(self, kind: str, page: int | None = None):
        super().__init__(kind)
        self.kind, self.page = kind, page


class _Watch(logging.Handler):
    """Before every page WeasyPrint logs progress: check the clock and the memory there too."""

    def __init__(self, deadline: float, rss_cap: int | None):
        super().__init__(logging.INFO)
        self.deadline, self.rss_cap = deadline, rss_cap
        self.page: int | None = None
        self.step = ""  # WeasyPrint's last progress message, e.g. "Step 3 - Applying CSS"

    def emit(self, record: logging.LogRecord) -> None:
        self.step = record.getMessage()
        if record.msg.startswith("Step 5 - Creating layout - Page") and record.args:
            self.page = record.args[0]
        if time.monotonic() > self.deadline:
            raise LimitExceeded("time", self.page)
        if self.rss_cap is not None and (_resident() or 0) > self.rss_cap:
            raise LimitExceeded("memory", self.page)


@contextlib.contextmanager
def render_limits(limits: Limits, report: Report) -> Iterator[None]:
    """Run the block under the limits; an overrun becomes BuildError(exit 3) naming the block."""
    started = time.monotonic()
    resident = _resident()
    watch = _Watch(started + limits.seconds, resident + limits.memory_mb * 2**20 if resident else None)
    progress = logging.getLogger("weasyprint.progress")
    saved_level, saved_propagate = progress.level, progress.propagate
    progress.addHandler(watch)
    progress.setLevel(logging.INFO)
    progress.propagate = False
    with _address_space(limits.memory_mb), _alarm(limits.seconds, watch):
        try:
            yield
        except LimitExceeded as exc:
            what = (
                f"took longer than the {limits.seconds:g} s time limit (--time-limit)"
                if exc.kind == "time"
                else f"needed more than the {limits.memory_mb} MiB memory limit (--memory-limit)"
            )
            raise _failure(report, "render.limit", what, exc, exc.page or watch.page, watch.step) from None
        except MemoryError as exc:
            what = f"needed more than the {limits.memory_mb} MiB memory limit (--memory-limit)"
            raise _failure(report, "render.limit", what, exc, watch.page, watch.step) from None
        except RecursionError as exc:
            raise _failure(
                report, "render.recursion", "nests too deeply for the renderer", exc, watch.page, watch.step
            ) from None
        finally:
            progress.removeHandler(watch)
            progress.setLevel(saved_level)
            progress.propagate = saved_propagate


def _failure(
    report: Report, code: str, what: str, exc: BaseException, page: int | None, step: str
) -> BuildError:
    where = block_being_laid_out(exc.__traceback__)
    laying_out = step.startswith("Step 5") or where is not None
    on_page = f" (page {page})" if page and laying_out else ""
    if not laying_out and step:  # before or after the layout: "(applying css)", "(creating pdf)"
        on_page = f" ({step.partition(' - ')[2].lower() or step})"
    if where:
        report.error(
            code,
            f"laying out this block{on_page} {what}",
            location=where,
            hint="shorten or split the block, or raise the limit",
        )
        return BuildError(f"the renderer stopped: laying out {where.path}{on_page} {what}", 3, report)
    report.error(code, f"rendering{on_page} {what}")
    return BuildError(f"the renderer stopped: rendering{on_page} {what}", 3, report)


def block_being_laid_out(tb: TracebackType | None) -> Location | None:
    """The innermost element with data-source="file[:line]" among the boxes in the traceback's frames."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):  # innermost first: the most specific block
        try:
            values = list(frame.f_locals.items())
        except Exception:
            continue
        found = None
        for _name, value in values:
            found = found or _source_of(value)
        locals_ = dict(values)
        if found is None and "root_box" in locals_ and isinstance(locals_.get("resume_at"), dict):
            found = _source_at(locals_["root_box"], locals_["resume_at"])
        if found is not None:
            return found
    return None


def _source_of(box: object) -> Location | None:
    element = getattr(box, "element", None)
    get = getattr(element, "get", None)
    if get is None:
        return None
    try:
        value = get("data-source")
    except Exception:
        return None
    if not isinstance(value, str) or not value:
        return None
    path, _, line = value.partition(":")
    return Location(path, int(line) if line.isdigit() else None)


def _source_at(root_box: object, resume_at: dict) -> Location | None:
    """Follow a page's resume point (nested child indexes) down the box tree: the block it starts in."""
    box, found = root_box, None
    while isinstance(resume_at, dict) and resume_at:
        index, resume_at = next(iter(resume_at.items()))
        children = getattr(box, "children", None)
        if not isinstance(index, int) or not children or index >= len(children):
            break
        box = children[index]
        found = _source_of(box) or found
    return found


@contextlib.contextmanager
def _alarm(seconds: float, watch: _Watch) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield  # the progress watch still checks the clock before every page
        return

    def expired(signum, frame):
        raise LimitExceeded("time", watch.page)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)  # and again every second, should it be swallowed
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _address_space(memory_mb: int) -> Iterator[None]:
    try:
        import resource
    except ImportError:
        yield
        return
    size = _virtual()
    saved = resource.getrlimit(resource.RLIMIT_AS)
    if size is None:
        yield
        return
    cap = size + (2 * memory_mb + 1024) * 2**20  # a backstop: the per-page check stops the layout first
    if saved[1] != resource.RLIM_INFINITY:
        cap = min(cap, saved[1])
    if saved[0] != resource.RLIM_INFINITY:
        cap = min(cap, saved[0])
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, saved[1]))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, saved)


def _statm(field_index: int) -> int | None:
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[field_index]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _virtual() -> int | None:
    return _statm(0)


def _resident() -> int | None:
    return _statm(1)
