"""The build manifest: versions, fonts, and the hash of every input and output of a build.

Two builds of the same edition from the same inputs give byte-identical files (core/stamps.py);
the manifest says what they were made from.
"""

from __future__ import annotations

import json
from pathlib import Path

from booklet.content.model import Book, Edition
from booklet.core.fontconfig import font_file
from booklet.core.memo import sha256_file
from booklet.core.resources import PACKAGE, code_files
from booklet.core.stamps import w3c_date
from booklet.core.versions import versions


def font_files(edition: Edition) -> dict[str, str]:
    """Family (and weight) → the file fontconfig picks for it, as `fc-match` would (asked in this
    process: no fork of a build that may hold hundreds of MB)."""
    patterns: list[str] = []
    for family in (edition.fonts.body, edition.fonts.heading, "DejaVu Serif", "DejaVu Sans"):
        patterns += [family, f"{family}:bold"]
    files = {pattern: font_file(pattern) for pattern in patterns}
    return {pattern: file for pattern, file in files.items() if file}


def input_files(book: Book, root: Path, styles: list[Path], images: list[Path]) -> list[Path]:
    """Every file the build read: edition chain, chapters, styles, templates, code, images."""
    files = [root / name for name in book.edition_files]
    files += [root / chapter.path for chapter in book.chapters]
    files += styles
    files += code_files()
    files += sorted(set(images))
    return files


def manifest(book: Book, root: Path, inputs: list[Path], outputs: list[Path]) -> dict:
    """What went into the build and what came out, by hash. No times, no absolute project paths."""

    def name(path: Path) -> str:
        real = path.resolve()
        if real.is_relative_to(root.resolve()):
            return real.relative_to(root.resolve()).as_posix()
        if real.is_relative_to(PACKAGE.parent):
            return "<booklet>/" + real.relative_to(PACKAGE.parent).as_posix()
        return path.name

    fonts = {
        pattern: {"file": file, "sha256": sha256_file(Path(file))}
        for pattern, file in font_files(book.edition).items()
        if Path(file).is_file()
    }
    return {
        "edition": book.edition_path,
        "edition_chain": list(book.edition_files),
        "source_date": w3c_date(book.edition),
        "versions": versions(),
        "fonts": fonts,
        "inputs": {name(p): sha256_file(p) for p in inputs if p.is_file()},
        "outputs": {path.name: sha256_file(path) for path in outputs if path.is_file()},
    }


def manifest_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
