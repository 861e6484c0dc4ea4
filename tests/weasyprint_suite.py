#!/usr/bin/env python3
"""WeasyPrint's own test suite, run without and with booklet's patches (`make weasyprint-suite`).

The source distribution of the installed WeasyPrint is downloaded once into
.cache/weasyprint-suite/ and its tests/ unpacked afresh; the suite runs twice with this venv's
pytest, once plain and then with tests/weasyprint_patches.py loaded (booklet's patches installed
at session start). Exit status 0 when the patched run fails exactly the tests the plain one fails
(a few fail with this machine's fonts either way); else 1, with the tests that fail only with the
patches, and those that pass only with them.

    python tests/weasyprint_suite.py [--side-by-side] [pytest arguments, e.g. -k justify]

--side-by-side runs the two at once: worth it on two real cores, not here (two runs side by side
took 143 s, one after the other 69 + 75 s: the two CPUs of this machine do not add up to two).

Not collected by pytest (not named test_*.py). Loaded into each run as a plugin too
(`-p weasyprint_suite`), it writes the ids of the failing tests to $WEASYPRINT_SUITE_FAILURES.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".cache" / "weasyprint-suite"
FAILURES = "WEASYPRINT_SUITE_FAILURES"


# ---------------------------------------------------------------- the plugin side: record failures


def _record(report) -> None:
    if report.failed and os.environ.get(FAILURES):
        with open(os.environ[FAILURES], "a", encoding="utf-8") as out:
            out.write(report.nodeid + "\n")


def pytest_runtest_logreport(report):
    _record(report)


def pytest_collectreport(report):
    _record(report)


# ---------------------------------------------------------------- the runner


def sdist(version: str) -> Path:
    """WeasyPrint's source distribution, downloaded from the package index on first use."""
    archive = CACHE / f"weasyprint-{version}.tar.gz"
    if not archive.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps"]
            + ["--dest", str(CACHE), f"weasyprint=={version}"],
            check=True,
        )
    return archive


def unpack(archive: Path, version: str, name: str) -> Path:
    """The sdist's tests/ in a fresh folder of its own (failing drawing tests write images there)."""
    top = f"weasyprint-{version}/"
    target = CACHE / version / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(top + "tests/")]
        for member in members:
            member.name = member.name[len(top) :]
        tar.extractall(target, members=members, filter="data")
    (target / "pytest.ini").write_text("[pytest]\n")  # the rootdir: not booklet's pyproject.toml
    return target


class Run:
    """One pytest process over one unpacked copy of the suite; its output goes to pytest.log."""

    def __init__(self, suite: Path, patched: bool, extra: list[str]):
        self.suite, self.failures = suite, suite / "failures.txt"
        env = dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])
        env[FAILURES] = str(self.failures)
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "weasyprint_suite"]
        if patched:
            command += ["-p", "weasyprint_patches"]
        self.started = time.monotonic()
        with open(suite / "pytest.log", "wb") as log:
            self.process = subprocess.Popen(
                [*command, *extra, "tests"], cwd=suite, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait(self) -> Run:
        self.returncode = self.process.wait()
        self.elapsed = time.monotonic() - self.started
        lines = (self.suite / "pytest.log").read_text(encoding="utf-8", errors="replace").splitlines()
        self.summary = next((line.strip("= ") for line in reversed(lines) if line.strip()), "(no output)")
        text = self.failures.read_text(encoding="utf-8") if self.failures.exists() else ""
        self.failed = set(text.splitlines())
        return self


def main(argv: list[str]) -> int:
    import weasyprint

    side_by_side = "--side-by-side" in argv
    extra = [arg for arg in argv if arg != "--side-by-side"]
    if shutil.which("gs") is None:
        print("WeasyPrint's drawing tests need Ghostscript (apt-get install ghostscript)", file=sys.stderr)
        return 1
    version = weasyprint.__version__
    archive = sdist(version)
    runs: dict[str, Run] = {}
    for name in ("plain", "patched"):
        runs[name] = Run(unpack(archive, version, name), name == "patched", extra)
        if not side_by_side:
            runs[name].wait()
    if side_by_side:
        for run in runs.values():
            run.wait()

    broken = False
    for name, run in runs.items():
        print(f"WeasyPrint {version} tests, {name:7}: {run.summary} (wall {run.elapsed:.0f} s)")
        if run.returncode not in (0, 1):
            print(f"  pytest stopped with status {run.returncode}: see {run.suite / 'pytest.log'}")
            broken = True
    plain, patched = runs["plain"].failed, runs["patched"].failed
    print(f"failing: {len(plain)} plain, {len(patched)} patched")
    only_patched, only_plain = sorted(patched - plain), sorted(plain - patched)
    if only_patched:
        print(f"{len(only_patched)} fail only with booklet's patches:")
        print("".join(f"  {nodeid}\n" for nodeid in only_patched), end="")
    if only_plain:
        print(f"{len(only_plain)} pass only with booklet's patches:")
        print("".join(f"  {nodeid}\n" for nodeid in only_plain), end="")
    if broken or only_patched or only_plain:
        return 1
    print("the patched run fails exactly the tests the plain run fails")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
