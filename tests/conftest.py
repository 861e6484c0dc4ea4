"""Shared fixtures: small projects written into a temporary folder, and the real catalogue."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
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


class Project:
    """A throwaway booklet project: booklet.yaml, chapters/, assets/ (styles come from the repo)."""

    def __init__(self, root: Path):
        self.root = root
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

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(REPO / "build.py"), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory) -> Path:
    """The real catalogue, built once per test session."""
    out = tmp_path_factory.mktemp("catalogue") / "booklet.pdf"
    done = subprocess.run(
        [sys.executable, "build.py", "-q", "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out
