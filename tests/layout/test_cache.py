"""The part cache's code digest (layout/cache.py)."""

from __future__ import annotations

import pytest


def test_the_code_digest_covers_every_module_of_every_stage(tmp_path, monkeypatch):
    """Cached parts must not survive a change to any module, however deep in the package."""
    import shutil

    from booklet.core import resources
    from booklet.layout.cache import code_digest

    copy = tmp_path / "booklet"
    shutil.copytree(resources.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(resources, "PACKAGE", copy)
    before = code_digest("print")
    names = [resources.package_name(path) for path in resources.code_files()]
    assert "engine/patches/justify.py" in names and "html/templates/book.html" in names
    for name in ("engine/patches/justify.py", "core/files.py", "html/templates/book.html"):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert code_digest("print") != before, name
        path.write_bytes(original)
    assert code_digest("print") == before
    (copy / "engine" / "render.py").rename(copy / "engine" / "renderer.py")  # a move is a change too
    assert code_digest("print") != before


@pytest.mark.root("two-chapters")
def test_a_chapter_added_after_a_build_builds(project):
    """The front matter is laid out beside the chapters with the last build's folios only when those
    name every heading: a new chapter has none, and the contents would ask for it."""
    edition = project.root / "booklet.yaml"
    full = edition.read_text(encoding="utf-8")
    edition.write_text(full.replace("  - chapters/02-c.yaml\n", ""), encoding="utf-8")
    assert project.run("-q").returncode == 0
    edition.write_text(full, encoding="utf-8")
    done = project.run("-q")
    assert done.returncode == 0, done.stderr
