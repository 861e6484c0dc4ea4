"""WeasyPrint's native libraries found in one reading of the linker's cache.

WeasyPrint loads GObject, Pango, HarfBuzz and fontconfig by trying several names for each, and for
a name that is not a file Python's `ctypes.util.find_library` runs `ldconfig -p`, then gcc and ld
when that finds nothing: about twenty programs and 0.3 s for every process that imports WeasyPrint.
The first import of WeasyPrint after `install_quick_lookup()` looks each name up in one reading of
`ldconfig -p` instead (what find_library's first step reads). Should that find too little (libraries
outside the linker's cache), WeasyPrint is imported again the usual way.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import io
import os
import re
import subprocess
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import PathFinder

_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit"}


@functools.lru_cache(maxsize=1)
def _linker_cache() -> str:
    try:
        return subprocess.run(
            ["/sbin/ldconfig", "-p"],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def cached_library(name: str) -> str | None:
    """The soname `ctypes.util.find_library(name)` finds through ldconfig (its first step), or None."""
    machine = f"{os.uname().machine}-{8 * ctypes.sizeof(ctypes.c_void_p)}"
    found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({_ABI.get(machine, 'libc6')}", _linker_cache())
    return found.group(1) if found else None


@contextlib.contextmanager
def _quick_find_library():
    original = ctypes.util.find_library
    ctypes.util.find_library = cached_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


class _Loader:
    """WeasyPrint's own loader, its package executed with the quick lookup (and again without it if
    that fails); everything else asked of it goes to the real loader."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def create_module(self, spec):
        return self._real.create_module(spec)

    def exec_module(self, module) -> None:
        said = io.StringIO()  # WeasyPrint prints its own advice before it gives up on a library
        try:
            with _quick_find_library(), contextlib.redirect_stdout(said):
                self._real.exec_module(module)
        except OSError:
            for name in [name for name in sys.modules if name.startswith("weasyprint.")]:
                del sys.modules[name]
            self._real.exec_module(module)
            return
        sys.stdout.write(said.getvalue())


class _FirstImport(MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "weasyprint":
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # once: later imports are WeasyPrint's own
        spec = PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install_quick_lookup() -> None:
    """Before WeasyPrint is first imported in this process (idempotent; nothing if it already is)."""
    if "weasyprint" not in sys.modules and not any(isinstance(f, _FirstImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _FirstImport())
