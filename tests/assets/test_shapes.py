"""Photos placed by their shape (assets/shapes.py)."""

from __future__ import annotations

import pytest

from booklet.assets.shapes import justified_rows


def test_justified_rows_are_flush_and_of_one_height():
    ratios = [2 / 3, 3 / 2, 1.0, 1 / 3, 9 / 16, 10 / 7, 3 / 4, 2 / 3]
    rows = justified_rows(ratios, 170, 4, 52, 1.15, 110)
    assert [i for row in rows for i, _ in row] == list(range(len(ratios)))  # reading order kept
    for row in rows[:-1]:
        heights = {round(box.height, 6) for _, box in row}
        assert len(heights) == 1
        assert sum(box.width for _, box in row) + 4 * (len(row) - 1) == pytest.approx(170)
        assert 52 * 0.6 < row[0][1].height < 52 * 1.6  # near the target height


def test_the_last_row_is_not_stretched_beyond_its_limit():
    rows = justified_rows([2 / 3] * 5, 170, 4, 52, 1.15, 110)
    last = rows[-1]
    assert last[0][1].height <= 52 * 1.15 + 1e-9
    assert sum(box.width for _, box in last) < 170  # left short, not blown up


def test_no_photo_is_wider_than_its_limit():
    rows = justified_rows([1 / 3, 1 / 3], 170, 4, 52, 1.15, 110, limits=[60, 200])
    assert all(box.width <= limit + 1e-9 for (_, box), limit in zip(rows[0], [60, 200]))
