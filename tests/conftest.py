"""Shared fixtures: small projects written into a temporary folder, and the real catalogue.

A test starts from one of the fixture projects under tests/roots/ with a marker:

    @pytest.mark.root("minimal")
    def test_something(project):  # project.root is a copy of tests/roots/minimal/ with the repo's styles/

(or `Project(folder, "minimal")` where a module or session fixture needs one). Without the marker the
project is empty but for styles/: the test writes what it is about with `project.write` and
`project.edition`. `project.edition_with("isbn: …")` is the fixture project's booklet.yaml with fields
of one test after it.

A test that uses the real catalogue (or its proof, or its Simplified edition) is marked `slow`;
collection stops on one that is not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).resolve().parent / "roots"
EDITION = """\
title: 測試圖冊
subtitle: 小型測試項目
year: 2021
language: zh-Hant
date: 2021-07-01
organisers:
  - role: 主辦單位
    names: [甲單位, 乙單位]
chapters:
{chapters}
"""
# Fixtures that build the whole real catalogue (or one of its editions): a test using one is `slow`.
CATALOGUE_FIXTURES = {"catalogue", "zh_hans", "proof"}


class Project:
    """A throwaway booklet project: booklet.yaml, chapters/, assets/ (styles come from the repo),
    empty or a copy of the fixture project tests/roots/<source>/."""

    def __init__(self, root: Path, source: str | None = None):
        self.root = root
        self.source = source
        if source is not None:
            if not (ROOTS / source / "booklet.yaml").is_file():
                raise LookupError(f"no fixture project tests/roots/{source}/booklet.yaml")
            shutil.copytree(ROOTS / source, root)
        (root / "chapters").mkdir(parents=True, exist_ok=True)
        shutil.copytree(REPO / "styles", root / "styles")

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def edition(self, *chapters: str, extra: str = "") -> Path:
        listed = "\n".join(f"  - {c}" for c in chapters)
        return self.write("booklet.yaml", EDITION.format(chapters=listed) + extra)

    def edition_with(self, extra: str) -> Path:
        """booklet.yaml: the fixture project's own, with `extra` (fields of one test) after it."""
        assert self.source is not None, "edition_with() needs a project copied from tests/roots/"
        original = (ROOTS / self.source / "booklet.yaml").read_text(encoding="utf-8")
        return self.write("booklet.yaml", original + textwrap.dedent(extra))

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(REPO / "build.py"), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def project(request, tmp_path: Path) -> Project:
    """A project in tmp_path: a copy of tests/roots/<name>/ under `@pytest.mark.root("<name>")`."""
    marker = request.node.get_closest_marker("root")
    return Project(tmp_path / "project", marker.args[0] if marker else None)


def build_repo(tmp_path_factory, name: str, *args: str) -> Path:
    """The repository's own booklet built with `args` into a fresh folder: the PDF `name`."""
    out = tmp_path_factory.mktemp(Path(name).stem) / name
    done = subprocess.run(
        [sys.executable, "build.py", "-q", *args, "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory) -> Path:
    """The real catalogue, built once per test session."""
    return build_repo(tmp_path_factory, "booklet.pdf")


def pytest_collection_modifyitems(config, items):
    """Every test that builds the real catalogue carries the `slow` marker (`make test-fast` skips them)."""
    unmarked = [
        item.nodeid
        for item in items
        if CATALOGUE_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("slow")
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that build the real catalogue need @pytest.mark.slow: " + ", ".join(unmarked)
        )
