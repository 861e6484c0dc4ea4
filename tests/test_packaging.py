"""`pip install .` gives a working `booklet` command: every package and the theme are in the wheel.

The wheel itself is built once by hand (see docs/languages.md); these checks keep pyproject.toml's
explicit package list in step with the code, which `find` would not need but the theme requires."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

from booklet.cli import main
from booklet.core.resources import PACKAGE_STYLES, STYLE_ORDER, THEME_FILES

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_package_list_names_every_package_and_the_theme():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == {*find_packages(str(ROOT), include=["booklet*"]), "booklet.theme"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"booklet.theme": "styles"}


def test_the_theme_files_are_the_packed_ones():
    assert PACKAGE_STYLES == ROOT / "styles"
    assert {p.name for p in PACKAGE_STYLES.glob("*.css")} == set(THEME_FILES)
    assert set(STYLE_ORDER) <= set(THEME_FILES)


def test_the_console_command_is_the_command_line():
    assert PYPROJECT["project"]["scripts"] == {"booklet": "booklet.cli:main"}
    assert callable(main)
