"""Reproducible builds and the manifest (pdf/manifest.py): the same bytes anywhere, every input hashed."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from ..conftest import REPO, Project


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.root("zh-hans")
def test_builds_in_another_folder_are_byte_identical_and_the_manifest_hashes_everything(project, tmp_path):
    assert project.run("-q").returncode == 0
    elsewhere = Project.__new__(Project)
    elsewhere.root = tmp_path / "elsewhere" / "copy"
    shutil.copytree(project.root, elsewhere.root, ignore=shutil.ignore_patterns("dist"))
    assert elsewhere.run("-q").returncode == 0
    first, second = project.root / "dist/booklet.pdf", elsewhere.root / "dist/booklet.pdf"
    assert sha(first) == sha(second)
    assert PdfReader(first).metadata["/CreationDate"] == "D:20210701000000+08'00"
    manifest = json.loads((project.root / "dist/booklet.manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["booklet.pdf"] == sha(first)
    assert manifest["inputs"]["booklet.yaml"] == sha(project.root / "booklet.yaml")
    assert manifest["inputs"]["chapters/01-a.yaml"] == sha(project.root / "chapters/01-a.yaml")
    assert "styles/pages.css" in manifest["inputs"]
    assert any(name.startswith("<booklet>/booklet/html/templates/") for name in manifest["inputs"])
    assert {"python", "weasyprint", "pango", "opencc"} <= set(manifest["versions"])
    body = manifest["fonts"]["Noto Serif CJK TC"]
    assert len(body["sha256"]) == 64 and body["file"].endswith((".ttc", ".otf", ".ttf"))
    assert (elsewhere.root / "dist/booklet.manifest.json").read_bytes() == (
        project.root / "dist/booklet.manifest.json"
    ).read_bytes()


@pytest.mark.root("zh-hans")
def test_source_date_epoch_sets_the_pdf_dates(project):
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "-q"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert done.returncode == 0, done.stderr
    assert PdfReader(project.root / "dist/booklet.pdf").metadata["/CreationDate"] == "D:20231114221320+00'00"


@pytest.mark.root("figures")
def test_the_manifest_names_the_font_files_fc_match_names(project):
    """The manifest's fonts are matched in-process (no fork of a large build), as fc-match does."""
    import json
    import subprocess

    assert project.run("-q").returncode == 0
    fonts = json.loads((project.root / "dist/booklet.manifest.json").read_text())["fonts"]
    assert len(fonts) == 8 and any(name.endswith(":bold") for name in fonts)
    for pattern, entry in fonts.items():
        expected = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True
        ).stdout
        assert entry["file"] == expected
        assert entry["sha256"] == hashlib.sha256(Path(expected).read_bytes()).hexdigest()
