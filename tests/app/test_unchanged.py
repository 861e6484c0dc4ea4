"""A build with nothing changed does nothing (app/unchanged.py): it says so, exits 0, imports no
WeasyPrint — and anything the build read or wrote that changes makes it build again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from booklet.core.resources import PACKAGE

from ..conftest import REPO

NOTHING = "nothing changed since the last print build"


def build(project, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    return done


def rebuilt(done: subprocess.CompletedProcess) -> bool:
    assert "Traceback" not in done.stderr
    return NOTHING not in done.stderr


@pytest.mark.root("figures")
def test_nothing_changed_nothing_done_and_every_change_builds_again(project):
    pdf = project.root / "dist/booklet.pdf"
    assert rebuilt(build(project))
    before = pdf.stat()

    quiet = subprocess.run(  # the whole command, importing what it imports: WeasyPrint is not among it
        [sys.executable, "-X", "importtime", str(REPO / "build.py")],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0 and NOTHING in quiet.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in quiet.stderr.splitlines() if "|" in line}
    assert "booklet.cli" in imported and not {"weasyprint", "pikepdf", "PIL", "pydantic"} & imported
    assert pdf.stat().st_mtime_ns == before.st_mtime_ns  # not written again
    assert build(project, "-q").stderr == ""  # -q silences the message too

    chapter = project.root / "chapters/01-test.yaml"
    os.utime(chapter)  # touched, not changed: its hash is the same
    assert not rebuilt(build(project))

    chapter.write_text(chapter.read_text(encoding="utf-8").replace("第一段正文", "第一段改過的正文"), "utf-8")
    done = build(project)
    assert rebuilt(done) and "building: input chapters/01-test.yaml changed" in done.stderr
    assert not rebuilt(build(project))

    Image.new("RGB", (800, 600), (120, 90, 60)).save(project.root / "assets/photos/absent.jpg")
    done = build(project)  # a photo that was missing is there now
    assert rebuilt(done) and "assets/photos/absent.jpg appeared" in done.stderr

    pdf.unlink()
    assert rebuilt(build(project)) and pdf.is_file()
    assert rebuilt(build(project, env={"SOURCE_DATE_EPOCH": "1700000000"}))
    assert not rebuilt(build(project, env={"SOURCE_DATE_EPOCH": "1700000000"}))
    assert rebuilt(build(project, "--force", env={"SOURCE_DATE_EPOCH": "1700000000"}))
    html = ("--html", "dist/booklet.html")  # another request: built, then its own record holds
    assert rebuilt(build(project, *html, env={"SOURCE_DATE_EPOCH": "1700000000"}))
    assert not rebuilt(build(project, *html, env={"SOURCE_DATE_EPOCH": "1700000000"}))
    (project.root / "dist/booklet.html").write_text("edited by hand")
    assert rebuilt(build(project, *html, env={"SOURCE_DATE_EPOCH": "1700000000"}))


AUDITED = """
import json, os, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        opened.add(os.path.abspath(os.fspath(args[0])))
sys.addaudithook(hook)
sys.argv = ["build.py", "-q", "-j", "1", *os.environ["FLAGS"].split()]
from booklet.cli import main
code = main(sys.argv[1:])
json.dump(sorted(opened), open(os.environ["OPENED"], "w"))
sys.exit(code)
"""


@pytest.mark.root("figures")
@pytest.mark.parametrize("flags", ["", "--proof"])
def test_the_record_names_every_file_the_build_opened(project, tmp_path, flags):
    """Every file of the project and of the package that the build's process opened is in the
    record of the build (as an input, or an output it wrote), so none can change unnoticed."""
    opened_file = tmp_path / "opened.json"
    done = subprocess.run(
        [sys.executable, "-c", AUDITED],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OPENED": str(opened_file), "PYTHONPATH": str(REPO), "FLAGS": flags},
    )
    assert done.returncode == 0, done.stderr
    (record_file,) = (project.root / ".cache/builds").glob("*.json")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    known = set(record["inputs"]) | set(record["outputs"])
    root = project.root.resolve()
    opened = {Path(name) for name in json.loads(opened_file.read_text())}
    read = {
        path
        for path in opened
        if path.is_file()
        and (path.is_relative_to(root) or path.is_relative_to(PACKAGE))
        and not path.is_relative_to(root / ".cache")
        and "__pycache__" not in path.parts
    }
    assert read, "the audit hook saw no file"
    assert root / "chapters/01-test.yaml" in read and root / "assets/photos/present.png" in read
    missing = sorted(str(path) for path in read if str(path) not in known and path.parent != root / "dist")
    assert not missing, missing
