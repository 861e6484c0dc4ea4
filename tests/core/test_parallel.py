"""Work over the cores (core/parallel.py)."""

from __future__ import annotations

import gc
import multiprocessing
import os

from booklet.core.parallel import heap_frozen, map_in_processes


def test_map_in_processes_keeps_the_order_of_the_items_whatever_their_cost():
    items = list(range(23))
    assert map_in_processes(_square, items, workers=2, cost=lambda n: n % 5) == [n * n for n in items]
    assert map_in_processes(_square, items, workers=1) == [n * n for n in items]
    assert os.getpid() not in map_in_processes(_pid, [0, 1, 2, 3], workers=2)  # the work is done in workers


def _square(n: int) -> int:
    return n * n


def _pid(_: int) -> int:
    return os.getpid()


def _native_sleeper(seconds: float) -> None:
    """A thread outside Python: libc's usleep run by pthread_create, as a library's helper would be."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    thread = ctypes.c_ulong()
    start = ctypes.cast(libc.usleep, ctypes.c_void_p)
    assert libc.pthread_create(ctypes.byref(thread), None, start, ctypes.c_void_p(int(seconds * 1e6))) == 0
    assert libc.pthread_detach(thread) == 0


def test_a_fork_waits_for_threads_outside_python_to_end():
    """A worker forked while a library's thread (Pango's fontconfig start-up) holds a lock hangs."""
    import time

    from booklet.core.parallel import native_threads_ended

    assert native_threads_ended(timeout=10)  # a thread an earlier test left (or joined) may not be gone yet
    _native_sleeper(0.3)
    assert not native_threads_ended(timeout=0.05)  # still running
    started = time.monotonic()
    assert native_threads_ended(timeout=5)
    assert 0.1 < time.monotonic() - started < 2


def test_workers_forked_with_the_heap_frozen_leave_the_inherited_objects_out_of_their_collections():
    inherited = [[] for _ in range(100_000)]  # the parent's containers: what a worker's collection would walk
    with heap_frozen():
        pool = multiprocessing.get_context("fork").Pool(1)
    try:
        frozen = pool.apply(gc.get_freeze_count)
    finally:
        pool.terminate()
        pool.join()
    assert frozen >= len(inherited) and gc.get_freeze_count() == 0  # the parent collects as before
