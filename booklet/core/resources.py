"""Where the package's own files are: its code, its templates and the default theme."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # booklet/
TEMPLATES = PACKAGE / "html" / "templates"
# the default theme: the repository's styles/ beside the package, or, in an installed package, the copy
# that pyproject.toml packs into it (booklet/theme/)
PACKAGE_STYLES = (
    PACKAGE.parent / "styles"
    if (PACKAGE.parent / "styles" / "variables.css").is_file()
    else PACKAGE / "theme"
)
# the theme's layers of every PDF, in the order they cascade
STYLE_ORDER = (
    "variables.css",
    "pages.css",
    "type.css",
    "blocks.css",
    "contents.css",
    "typeset.css",
    "languages.css",
)
# the theme's files: a project's styles/ may replace any of them; its other .css files are added after them
THEME_FILES = (
    *STYLE_ORDER,
    "colours-rgb.css",
    "screen.css",
    "proof.css",
    "reader.css",  # the web edition and the EPUB only (booklet/reader/), never the PDFs
)


def theme_file(styles_dir: Path, name: str) -> Path:
    """The project's styles/<name> where it has one, else the package theme's."""
    own = styles_dir / name
    return own if own.is_file() else PACKAGE_STYLES / name


def override_files(styles_dir: Path) -> list[Path]:
    """A project's own stylesheets (styles/*.css that are not theme files), in name order."""
    if not styles_dir.is_dir() or styles_dir.resolve() == PACKAGE_STYLES.resolve():
        return []
    return sorted(p for p in styles_dir.glob("*.css") if p.name not in THEME_FILES and p.is_file())


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
