"""The reader fixture project built once per module: its web edition and its EPUB (with the print PDF)."""

from __future__ import annotations

import pytest

from tests.conftest import Project
from tests.photos import photo


@pytest.fixture(scope="module")
def reader_project(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("reader") / "project", "reader")
    (project.root / "assets" / "photos").mkdir(parents=True)
    photo(1800, 1200, 1).save(project.root / "assets" / "photos" / "wide.jpg", quality=90)
    return project
