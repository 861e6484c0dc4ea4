"""The versions a build depends on beyond its files: Python, the packages, Pango. Read without
importing WeasyPrint, so a build with nothing changed can compare them cheaply."""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = (
    "weasyprint",
    "pydyf",
    "fonttools",
    "opencc",
    "jinja2",
    "pydantic",
    "pyyaml",
    "segno",
    "pillow",
    "pikepdf",
)


@functools.lru_cache(maxsize=1)
def pango_version() -> str:
    """The Pango library text is laid out with, e.g. "1.50.12" ("" if it cannot say)."""
    try:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef("int pango_version (void);")
        number = ffi.dlopen("libpango-1.0.so.0").pango_version()
    except (OSError, ImportError, AttributeError):
        return ""
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            pass
    pango = pango_version()
    if pango:
        out["pango"] = pango
    return out
