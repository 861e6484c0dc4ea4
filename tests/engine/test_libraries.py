"""WeasyPrint's native libraries found in one reading of the linker's cache (engine/libraries.py)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

from booklet.engine.libraries import cached_library

from ..conftest import REPO

COUNT_PROGRAMS = """
import sys
programs = []
sys.addaudithook(lambda event, args: programs.append(args[0]) if event == "subprocess.Popen" else None)
{before}
import weasyprint
from weasyprint.text.ffi import pango, harfbuzz
print(len(programs), pango.pango_version() > 0)
"""


REFUSING = """
import contextlib, cffi
import booklet.engine.libraries as lib

@contextlib.contextmanager
def refusing():  # no library loads while the quick lookup is in place: the first import fails
    real = cffi.FFI.dlopen
    def refuse(self, *args, **kwargs):
        raise OSError("no such library")
    cffi.FFI.dlopen = refuse
    try:
        yield
    finally:
        cffi.FFI.dlopen = real

lib._quick_find_library = refusing
"""


def programs_run(before: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_PROGRAMS.format(before=before)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    *said, last = done.stdout.strip().splitlines() or [""]
    count, loaded = last.split()
    assert loaded == "True"
    return int(count), "\n".join(said)


def test_the_cache_finds_what_find_library_finds_through_ldconfig():
    for name in ("pango-1.0", "fontconfig", "harfbuzz", "gobject-2.0"):
        assert cached_library(name) == ctypes.util.find_library(name) is not None
    assert cached_library("no-such-library-at-all") is None


def test_the_first_import_runs_one_program_instead_of_many():
    plain, _ = programs_run("")
    quick, said = programs_run("import booklet.engine")
    assert plain > 5 and quick == 1 and said == ""


def test_a_quick_lookup_that_fails_imports_weasyprint_again_the_usual_way():
    count, said = programs_run(REFUSING)
    assert count > 5 and said == ""  # WeasyPrint's advice about missing libraries is not shown
