"""Per-file work spread over the cores in forked worker processes, results in the order given;
the core count; and giving freed memory back to the system.

The work functions return their problems as values: findings are made by the caller, in the
parent, in the order of the inputs, so the report reads the same whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


def core_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def release_freed_memory() -> None:
    """Give back to the system what this process has freed: glibc keeps it (in each thread's
    arena) for the next allocations."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def heap_frozen():
    """Fork workers inside this: the objects made so far are left out of the garbage collector's
    passes in the workers (gc.freeze), so a worker's collection walks only what it makes. Walking
    the whole inherited heap cost each laid-out part about 65 ms of CPU, and touched (so copied,
    under copy-on-write) every page of it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # the parent collects as before


def native_threads_ended(timeout: float = 1.0) -> bool:
    """Wait, up to `timeout` seconds, for the threads this process runs outside Python to end, before
    it forks. Pango starts one to initialise fontconfig when its first font map is made; a worker
    forked while that thread holds one of fontconfig's locks inherits the lock held for ever, and
    hangs at its first line of text. True when none is left."""
    if sys.platform != "linux":
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            native = len(os.listdir("/proc/self/task")) - threading.active_count()
        except OSError:
            return True
        if native <= 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)


def map_in_processes(
    work: Callable[[Item], Outcome],
    items: Sequence[Item],
    *,
    cost: Callable[[Item], float] | None = None,
    workers: int | None = None,
) -> list[Outcome]:
    """[work(item) for item in items], over a pool of forked processes when there is more than one
    item and more than one core. The costliest items (by `cost`) are handed out first, so the
    workers finish together; the results keep the order of `items`."""
    workers = min(len(items), workers or core_count())
    if workers < 2 or sys.platform != "linux":  # fork is safe on Linux; elsewhere work in-process
        return [work(item) for item in items]
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost else list(range(len(items)))
    native_threads_ended()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_signals
    )
    try:
        futures = {i: pool.submit(work, items[i]) for i in order}
        return [futures[i].result() for i in range(len(items))]
    finally:  # on Ctrl-C or a failure, the queued items are dropped rather than finished
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_signals() -> None:
    """Ctrl-C is the parent's to handle (it cancels the pool); SIGTERM ends a worker at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def worker_start() -> None:
    """A worker leaves Ctrl-C and SIGTERM to its parent, and dies with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
