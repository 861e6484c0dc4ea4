"""The parts' cache: keys of everything a part is made from, and forgetting parts no build uses.

A part's PDF and its result are remembered in `.cache/parts` under a digest of its HTML, its CSS,
its start folio, the code of the whole package and the renderer's version; an edit lays out
only the parts it touches.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from booklet.core.resources import code_files, package_name

CACHE_VERSION = "3"  # 3: the package in stage subpackages (pickles name the new modules)


def code_digest(*extra: str) -> str:
    """What makes a part besides its HTML and CSS: this package's code and templates, the renderer."""
    import weasyprint

    hashed = hashlib.sha256(f"{CACHE_VERSION}|{weasyprint.__version__}|".encode())
    for path in code_files():  # every module of every stage, by its path in the package
        hashed.update(package_name(path).encode() + b"\0" + path.read_bytes())
    for text in extra:
        hashed.update(text.encode() + b"\0")
    return hashed.hexdigest()


def digest(*texts: str) -> str:
    hashed = hashlib.sha256()
    for text in texts:
        hashed.update(text.encode() + b"\0")
    return hashed.hexdigest()


def prune(
    cache: Path, used: set[Path], keep_seconds: float = 3600, suffixes: tuple[str, ...] = (".pdf", ".part")
) -> None:
    """Forget the remembered parts (or other entries, by `suffixes`) this build did not use and no
    build used for `keep_seconds`."""
    now = time.time()
    for path in used:
        with contextlib.suppress(OSError):
            os.utime(path)
    with contextlib.suppress(OSError):
        for path in cache.iterdir():
            if path.suffix in suffixes and path not in used:
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > keep_seconds:
                        path.unlink()
