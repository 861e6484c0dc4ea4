"""Where the package's own files are: its code, its templates and the default theme."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # booklet/
TEMPLATES = PACKAGE / "html" / "templates"
PACKAGE_STYLES = PACKAGE.parent / "styles"  # the theme a project without styles/ falls back on


def code_files() -> list[Path]:
    """Every file of the package's code and templates, in a stable order (subpackages included)."""
    return sorted(
        path
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix in (".py", ".html") and "__pycache__" not in path.parts
    )


def package_name(path: Path) -> str:
    """A code file's path inside the package, e.g. 'engine/render.py' (names repeat across stages)."""
    return path.resolve().relative_to(PACKAGE).as_posix()
