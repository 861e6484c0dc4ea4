"""Command line: parse flags, run one pipeline function, map errors to exit codes.

Exit codes: 0 success, 1 content error, 2 usage, 3 render failure, 4 output failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections import Counter
from pathlib import Path

from .diagnostics import BuildError, Finding, Report
from .limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Limits
from .pipeline import Options, Result, build, check

SHOWN_PER_CODE = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the exhibition catalogue PDF from the edition file and its chapters.",
        epilog="Exit codes: 0 success, 1 content error, 2 usage, 3 render failure, 4 output failure.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "check"], default="build",
                        help="build (default): write the PDF; check: validate content and images, no PDF")
    parser.add_argument("--edition", type=Path, default=Path("booklet.yaml"), metavar="FILE",
                        help="edition file (default: booklet.yaml)")
    parser.add_argument("-o", "--output", type=Path, metavar="PATH",
                        help="output PDF (default: dist/<edition>.pdf)")
    parser.add_argument("--strict", action="store_true",
                        help="press run: missing images and other warnings are errors")
    parser.add_argument("--time-limit", type=_positive(float), default=DEFAULT_SECONDS, metavar="SECONDS",
                        help=f"stop the layout after this long, naming the chapter (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--memory-limit", type=_positive(int), default=DEFAULT_MEMORY_MB, metavar="MIB",
                        help=f"memory the layout may add, in MiB (default {DEFAULT_MEMORY_MB})")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every finding")
    return parser.parse_args(argv)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not 0 < value < 10**7:
            raise argparse.ArgumentTypeError(f"expected a positive number (below 10 000 000), got {text!r}")
        return value

    return parse


class Console:
    def __init__(self, quiet: bool, verbose: bool):
        self.quiet, self.verbose = quiet, verbose
        self.tty = sys.stderr.isatty()

    def progress(self, message: str) -> None:
        if not self.quiet:
            print(f"  · {message}", file=sys.stderr, flush=True)

    def findings(self, report: Report) -> None:
        shown: Counter[str] = Counter()
        hidden: Counter[str] = Counter()
        for finding in report.findings:
            if finding.severity != "error" and self.quiet:
                continue
            if finding.severity == "error" or self.verbose or shown[finding.code] < SHOWN_PER_CODE:
                shown[finding.code] += 1
                print(self._colour(finding), file=sys.stderr)
            else:
                hidden[finding.code] += 1
        for code, count in hidden.items():
            print(f"  … and {count} more [{code}] (-v lists them all)", file=sys.stderr)

    def _colour(self, finding: Finding) -> str:
        text = finding.format()
        if not self.tty:
            return text
        colour = "31" if finding.severity == "error" else "33"
        return f"\033[{colour}m{text}\033[0m"

    def summary(self, result: Result, what: str) -> None:
        if self.quiet:
            return
        report = result.report
        codes = Counter(f.code for f in report.findings)
        parts = [f"{len(report.errors)} errors", f"{len(report.warnings)} warnings"]
        missing = codes.get("image.missing", 0)
        lines = [f"{what} in {result.seconds:.1f} s — " + ", ".join(parts)]
        if missing:
            lines.append(f"{missing} images missing: placeholders printed (--strict refuses)")
        if result.output:
            lines.append(f"{result.pages} pages → {result.output}")
        for line in lines:
            print(line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(args.quiet, args.verbose)
    if not args.edition.is_file():
        print(f"build.py: error: edition file {args.edition} not found", file=sys.stderr)
        return 2
    options = Options(edition_file=args.edition, output=args.output, strict=args.strict,
                      limits=Limits(args.time_limit, args.memory_limit))
    with _terminate_as_interrupt():
        return _run(args, options, console)


def _run(args: argparse.Namespace, options: Options, console: Console) -> int:
    try:
        if args.command == "check":
            result = check(options, console.progress)
            console.findings(result.report)
            console.summary(result, "checked")
            return 1 if result.report.errors else 0
        result = build(options, console.progress)
        console.findings(result.report)
        console.summary(result, "built")
        return 0
    except BuildError as exc:
        if exc.report is not None:
            console.findings(exc.report)
        print(f"build failed: {exc}; the previous PDF is untouched", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("BOOKLET_DEBUG"):
            raise
        print(f"build failed: internal error ({type(exc).__name__}: {exc}); the previous PDF is untouched; "
              "rerun with BOOKLET_DEBUG=1 for details", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted; the previous PDF is untouched", file=sys.stderr)
        return 130


class _Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a closing terminal, a CI timeout) unwinds like Ctrl-C: temporary files and the lock go."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
