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

from booklet.app.project import INTERRUPTED, Options, Result, project_root
from booklet.app.unchanged import Unchanged, request, unchanged
from booklet.core.findings import BuildError, Finding, Report
from booklet.core.profiles import PROFILES, READER_OUTPUTS
from booklet.engine.limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, Limits

SHOWN_PER_CODE = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the exhibition catalogue PDF from the edition file and its chapters.",
        epilog="Exit codes: 0 success, 1 content error, 2 usage, 3 render failure, 4 output failure.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["build", "check", "diff", "serve", "new", "translate", "annotations", "impose"],
        default="build",
        help="build (default): write the PDF; check: validate content and images, no PDF; "
        "diff OLD NEW: what changed between two editions; "
        "serve: live preview of the proof on 127.0.0.1, rebuilt when the sources change; "
        "new FOLDER: start a booklet project there; "
        "translate LANG: give the chapters' blocks ids and write the translation files to fill in; "
        "annotations PROOF.pdf: the proofreaders' marks on a proof, read back to the YAML lines; "
        "impose: dist/<edition>.imposed.pdf, the print PDF's pages on sheets (saddle-stitch or signatures)",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="EDITION",
        help="diff only: the old and the new edition file (or one edition with --rev)",
    )
    parser.add_argument(
        "--rev",
        metavar="REV",
        help="diff only: compare the edition at this git revision with the working tree",
    )
    parser.add_argument(
        "--no-pages", action="store_true", help="diff only: compare the content, do not lay out the pages"
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="annotations only: make the marked corrections (replace, delete, insert) in the YAML",
    )
    parser.add_argument(
        "--annotations",
        type=Path,
        metavar="FILE",
        help="serve only: show the marks of this annotated proof beside the pages",
    )
    parser.add_argument(
        "--since",
        metavar="REV_OR_EDITION",
        help="proof only: a change bar beside every block changed since this git revision or edition file",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="N",
        help="serve: the port on 127.0.0.1 (default 8000; 0 picks a free one)",
    )
    parser.add_argument(
        "--edition",
        type=Path,
        default=Path("booklet.yaml"),
        metavar="FILE",
        help="edition file (default: booklet.yaml)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="PATH", help="output PDF (default: dist/<edition>.pdf)"
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="also write the HTML handed to the renderer (styles inlined)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="press run: missing images and preflight failures are errors"
    )
    parser.add_argument(
        "--photo-brief",
        action="store_true",
        help="check only: write assets/photos/brief.csv, every photo the chapters expect (size, pixels)",
    )
    outputs = parser.add_mutually_exclusive_group()
    for profile in PROFILES.values():  # one flag per output profile (core/profiles.py)
        outputs.add_argument(
            f"--{profile.name}",
            dest="profile",
            action="store_const",
            const=profile.name,
            help=f"{profile.description} → dist/<edition>{profile.suffix}.pdf",
        )
    for name, description in READER_OUTPUTS.items():  # the reader editions (booklet/reader/)
        outputs.add_argument(f"--{name}", dest="profile", action="store_const", const=name, help=description)
    outputs.add_argument(
        "--all",
        dest="profile",
        action="store_const",
        const="all",
        help=f"write every output: {', '.join([*PROFILES, *READER_OUTPUTS])}",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive(float),
        default=DEFAULT_SECONDS,
        metavar="SECONDS",
        help=f"stop the layout after this long, naming the chapter (default {DEFAULT_SECONDS:g})",
    )
    parser.add_argument(
        "--memory-limit",
        type=_positive(int),
        default=DEFAULT_MEMORY_MB,
        metavar="MIB",
        help=f"memory the layout may add, in MiB (default {DEFAULT_MEMORY_MB})",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_positive(int),
        default=os.cpu_count() or 1,
        metavar="N",
        help="chapters laid out side by side in N processes (default: the number of cores)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing changed since the last build of this output",
    )
    parser.add_argument(
        "--language",
        default="zh-Hant",
        metavar="TAG",
        help="new only: the booklet's language, zh-Hant (default), zh-Hans, pt or en",
    )
    parser.add_argument(
        "--binding",
        choices=["saddle-stitch", "perfect"],
        help="impose only: saddle-stitch 2-up, or perfect-bound signatures (default: the edition's imposition)",
    )
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

    def preflight(self, result: Result) -> None:
        if result.preflight is None or self.quiet:  # a failure that matters stops the build (--strict)
            return
        for line in result.preflight.lines():
            print(line, file=sys.stderr)

    def unchanged(self, last: Unchanged) -> None:
        if not self.quiet:
            print(
                f"nothing changed since the last {last.profile} build ({last.errors} errors, {last.warnings} warnings)"
                f" — {last.pages} pages → {last.output} (--force builds again)",
                file=sys.stderr,
            )

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
            unit = {"web": "pages", "epub": "print folios in its page-list"}.get(
                result.profile or "", "pages"
            )
            lines.append(f"{result.pages} {unit} → {result.output}")
        if result.audit is not None:
            lines.append(result.audit.summary())
        if result.composition is not None:
            lines.append(result.composition.summary())
        if result.proof_report:
            lines.append(f"proof report → {result.proof_report}")
        for line in lines:
            print(line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(args.quiet, args.verbose)
    if args.command == "diff":
        return _diff(args, console)
    if args.command == "annotations":
        from booklet.app.annotations import main as annotations

        return annotations(args, console)
    if args.command in ("new", "translate"):
        return _new_or_translate(args)
    if args.files or args.rev:
        print("build.py: error: edition files and --rev are for the diff command", file=sys.stderr)
        return 2
    if not args.edition.is_file():
        print(f"build.py: error: edition file {args.edition} not found", file=sys.stderr)
        return 2
    limits = Limits(args.time_limit, args.memory_limit)
    if args.command == "serve":
        from booklet.app.serve import serve

        if not 0 <= args.port <= 65535:
            print(f"build.py: error: --port {args.port} is not a port number", file=sys.stderr)
            return 2
        options = Options(
            edition_file=args.edition,
            output=args.output,
            strict=args.strict,
            profile="proof",
            limits=limits,
            jobs=args.jobs,
        )
        if args.annotations is not None and not args.annotations.is_file():
            print(f"build.py: error: {args.annotations} not found", file=sys.stderr)
            return 2
        return serve(
            options,
            args.port,
            lambda message: print(message, file=sys.stderr, flush=True),
            annotations=args.annotations,
        )
    profiles = [*PROFILES, *READER_OUTPUTS] if args.profile == "all" else [args.profile]
    if args.output and len(profiles) > 1:
        print("build.py: error: -o names one file; --all writes one per profile into dist/", file=sys.stderr)
        return 2
    with _terminate_as_interrupt():
        return _run(args, profiles, limits, console)


def _run(args: argparse.Namespace, profiles: list[str], limits: Limits, console: Console) -> int:
    try:
        if args.command == "check":
            from booklet.app.check import check

            result = check(
                Options(edition_file=args.edition, strict=args.strict, photo_brief=args.photo_brief),
                console.progress,
            )
            console.findings(result.report)
            console.summary(result, "checked")
            return 1 if result.report.errors else 0
        if args.command == "impose":
            from booklet.app.impose import impose_edition

            options = Options(edition_file=args.edition, output=args.output)
            result = impose_edition(options, console.progress, binding=args.binding)
            console.findings(result.report)
            console.summary(result, "imposed")
            return 0
        for profile in profiles:
            options = Options(
                edition_file=args.edition,
                output=args.output,
                strict=args.strict,
                profile=profile,
                html_output=args.html,
                limits=limits,
                jobs=args.jobs,
                since=args.since,
            )
            if profile in READER_OUTPUTS:
                from booklet.app.reader import build_reader

                result = build_reader(options, profile, console.progress)
            else:
                if args.force or options.since:  # a revision's content can change while its name does not
                    last = "--force" if args.force else "--since"
                else:
                    last = unchanged(request(options), project_root(args.edition))
                if isinstance(last, Unchanged):
                    console.unchanged(last)
                    continue
                console.progress(f"building: {last}")
                from booklet.app.build import (
                    build,  # only now: a build with nothing changed imports none of it
                )

                result = build(options, console.progress)
            console.findings(result.report)
            console.preflight(result)
            console.summary(result, f"built {result.profile}")
        return 0
    except BuildError as exc:
        if exc.report is not None:
            console.findings(exc.report)
        if getattr(exc, "preflight", None) is not None:
            for line in exc.preflight.lines():
                print(line, file=sys.stderr)
        print(f"build failed: {exc}; the previous PDF is untouched", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("BOOKLET_DEBUG"):
            raise
        print(
            f"build failed: internal error ({type(exc).__name__}: {exc}); the previous PDF is untouched; "
            "rerun with BOOKLET_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        print("interrupted; the previous PDF is untouched", file=sys.stderr)
        return 130


def _new_or_translate(args: argparse.Namespace) -> int:
    """build.py new FOLDER [--language TAG] | build.py translate LANG [--edition FILE]."""
    from booklet.app.new import new_project
    from booklet.app.translate import translate

    if len(args.files) != 1:
        what = "FOLDER" if args.command == "new" else "the language to translate into, e.g. pt"
        print(f"build.py: error: {args.command} needs {what}", file=sys.stderr)
        return 2
    try:
        if args.command == "new":
            written = new_project(args.files[0], args.language)
            if not args.quiet:
                print(
                    f"new {args.language} booklet in {args.files[0]}: {len(written)} files", file=sys.stderr
                )
                print(f"next: cd {args.files[0]} && booklet   (or python build.py there)", file=sys.stderr)
            return 0
        if not args.edition.is_file():
            print(f"build.py: error: edition file {args.edition} not found", file=sys.stderr)
            return 2
        for line in translate(args.edition, str(args.files[0])):
            if not args.quiet:
                print(line, file=sys.stderr)
        return 0
    except BuildError as exc:
        if exc.report is not None:
            Console(args.quiet, args.verbose).findings(exc.report)
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return exc.exit_code


def _diff(args: argparse.Namespace, console: Console) -> int:
    """build.py diff OLD NEW | build.py diff --rev REV [EDITION]: report, and write the HTML report."""
    from booklet.app.diff import run, run_rev

    files = list(args.files)
    if (args.rev is None and len(files) != 2) or (args.rev is not None and len(files) > 1):
        print("build.py: error: diff needs OLD NEW, or --rev REV [EDITION]", file=sys.stderr)
        return 2
    if args.rev is not None and not files:
        files = [args.edition]
    missing = [f for f in files if not f.is_file()]
    if missing:
        print(f"build.py: error: edition file {missing[0]} not found", file=sys.stderr)
        return 2
    try:
        console.progress("comparing editions" + ("" if args.no_pages else " and laying out both"))
        colour = sys.stdout.isatty()
        if args.rev is not None:
            _, report = run_rev(args.rev, files[0], args.output, pages=not args.no_pages, colour=colour)
        else:
            _, report = run(files[0], files[1], args.output, pages=not args.no_pages, colour=colour)
        if not args.quiet:
            print(f"diff report → {report}", file=sys.stderr)
        return 0
    except BuildError as exc:
        if exc.report is not None:
            console.findings(exc.report)
        print(f"diff failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("BOOKLET_DEBUG"):
            raise
        print(
            f"diff failed: internal error ({type(exc).__name__}: {exc}); rerun with BOOKLET_DEBUG=1",
            file=sys.stderr,
        )
        return 3


class _Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a closing terminal, a CI timeout) unwinds like Ctrl-C: temporary files and the lock go."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        INTERRUPTED.set()  # remembered too: an exception raised inside a callback from C can be lost
        raise _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    previous = signal.signal(signal.SIGTERM, terminate)
    previous_int = signal.signal(signal.SIGINT, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
