"""Command line: parse flags, run one pipeline function, map errors to exit codes.

Exit codes: 0 success, 1 content error, 2 usage, 3 render failure, 4 output failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from .diagnostics import BuildError, Finding, Report
from .pipeline import Options, Result, build, check, project_root
from .proof import proof_output

SHOWN_PER_CODE = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the exhibition catalogue PDF from the edition file and its chapters.",
        epilog="Exit codes: 0 success, 1 content error, 2 usage, 3 render failure, 4 output failure.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "check", "serve"], default="build",
                        help="build (default): write the PDF; check: validate content and images, no PDF; "
                             "serve: live preview of the proof on 127.0.0.1, rebuilt when the sources change")
    parser.add_argument("--port", type=int, default=8000, metavar="N",
                        help="serve: the port on 127.0.0.1 (default 8000; 0 picks a free one)")
    parser.add_argument("--edition", type=Path, default=Path("booklet.yaml"), metavar="FILE",
                        help="edition file (default: booklet.yaml)")
    parser.add_argument("-o", "--output", type=Path, metavar="PATH",
                        help="output PDF (default: dist/<edition>.pdf)")
    parser.add_argument("--proof", action="store_true",
                        help="proofreading copy: dist/<edition>.proof.pdf (watermark, slug, source lines in the "
                             "margin, same pages as print) and the report dist/<edition>.proof.html")
    parser.add_argument("--strict", action="store_true",
                        help="press run: missing images and other warnings are errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every finding")
    return parser.parse_args(argv)


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
        if result.proof_report:
            lines.append(f"proof report → {result.proof_report}")
        for line in lines:
            print(line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(args.quiet, args.verbose)
    if not args.edition.is_file():
        print(f"build.py: error: edition file {args.edition} not found", file=sys.stderr)
        return 2
    options = Options(edition_file=args.edition, output=args.output, strict=args.strict)
    if args.proof:
        options.profile = "proof"
        options.output = args.output or proof_output(args.edition, project_root(args.edition))
    if args.command == "serve":
        from .serve import serve

        if not 0 <= args.port <= 65535:
            print(f"build.py: error: --port {args.port} is not a port number", file=sys.stderr)
            return 2
        options.output = args.output or proof_output(args.edition, project_root(args.edition))
        return serve(options, args.port, lambda message: print(message, file=sys.stderr, flush=True))
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
