"""Forking workers safely: no thread of a library may hold a lock at the fork."""

from __future__ import annotations


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

    assert native_threads_ended(timeout=0)
    _native_sleeper(0.3)
    assert not native_threads_ended(timeout=0.05)  # still running
    started = time.monotonic()
    assert native_threads_ended(timeout=5)
    assert 0.1 < time.monotonic() - started < 2
