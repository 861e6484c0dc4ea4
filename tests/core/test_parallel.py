"""Work over the cores (core/parallel.py)."""

from __future__ import annotations

import os

from booklet.core.parallel import map_in_processes


def test_map_in_processes_keeps_the_order_of_the_items_whatever_their_cost():
    items = list(range(23))
    assert map_in_processes(_square, items, workers=2, cost=lambda n: n % 5) == [n * n for n in items]
    assert map_in_processes(_square, items, workers=1) == [n * n for n in items]
    assert os.getpid() not in map_in_processes(_pid, [0, 1, 2, 3], workers=2)  # the work is done in workers


def _square(n: int) -> int:
    return n * n


def _pid(_: int) -> int:
    return os.getpid()
