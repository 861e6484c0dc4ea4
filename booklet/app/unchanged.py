"""A build with nothing changed does nothing: what each build was asked for, read and wrote, kept in
`.cache/builds/`, and checked by file identity before anything heavy (WeasyPrint, the layout) is
imported.

A record names the request (edition, profile flag, output, options, SOURCE_DATE_EPOCH), the
versions of Python, the packages and Pango, the font file fontconfig picks for each family, the
hash of every file the build read (edition chain, chapters, styles, templates, code, photos, the
ICC profile), the photos that were absent, and the hash of every file it wrote. A file's hash is
remembered by its identity (core/memo.py), so an unchanged photo is not read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from booklet.core.files import remember
from booklet.core.fontconfig import font_file
from booklet.core.memo import load_hashes, save_hashes, sha256_file
from booklet.core.versions import versions

RECORDS = Path(".cache") / "builds"
RECORD_VERSION = 1


@dataclass(frozen=True)
class Request:
    """What a build was asked for: the same request on the same files gives the same bytes."""

    edition: Path  # resolved
    profile: str | None  # the flag; None: the edition's profile, else print
    output: Path | None  # resolved, when -o names one
    html_output: Path | None
    strict: bool
    audit: bool
    preflight: bool

    def key(self) -> dict:
        return {
            "record": RECORD_VERSION,
            "edition": str(self.edition),
            "profile": self.profile,
            "output": str(self.output) if self.output else None,
            "html": str(self.html_output) if self.html_output else None,
            "strict": self.strict,
            "audit": self.audit,
            "preflight": self.preflight,
            "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "").strip(),
        }

    def path(self, root: Path) -> Path:
        digest = hashlib.sha256(json.dumps(self.key(), sort_keys=True).encode()).hexdigest()
        return root / RECORDS / f"{digest[:24]}.json"


def request(options) -> Request:
    """The request of an `app.project.Options`."""

    def resolved(path: Path | None) -> Path | None:
        return path.resolve() if path is not None else None

    return Request(
        edition=options.edition_file.resolve(),
        profile=options.profile,
        output=resolved(options.output),
        html_output=resolved(options.html_output),
        strict=options.strict,
        audit=options.audit,
        preflight=options.preflight,
    )


@dataclass(frozen=True)
class Unchanged:
    """The last build of this request, still true of every file it read and wrote."""

    output: Path
    profile: str
    pages: int
    errors: int
    warnings: int


def remember_build(
    wanted: Request,
    root: Path,
    *,
    profile: str,
    pages: int,
    errors: int,
    warnings: int,
    inputs: list[Path],
    absent: list[Path],
    fonts: list[str],
    outputs: list[Path],
) -> None:
    """Keep the record of a build that wrote its outputs (after them: a build stopped halfway
    leaves the old record, which its changed outputs no longer match)."""
    record = {
        "request": wanted.key(),
        "versions": versions(),
        "fonts": {pattern: font_file(pattern) for pattern in sorted(set(fonts))},
        "inputs": {str(path.resolve()): sha256_file(path) for path in sorted(set(inputs)) if path.is_file()},
        "absent": sorted({str(path.resolve()) for path in absent if not path.exists()}),
        "outputs": {
            str(path.resolve()): sha256_file(path) for path in sorted(set(outputs)) if path.is_file()
        },
        "output": str(outputs[0].resolve()),
        "profile": profile,
        "pages": pages,
        "errors": errors,
        "warnings": warnings,
    }
    remember(wanted.path(root), json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode())
    _forget_gone(root / RECORDS)


def _forget_gone(folder: Path) -> None:
    """Forget the records of outputs that are no longer there (a test's or a one-off `-o` build)."""
    for path in folder.glob("*.json"):
        try:
            if not Path(json.loads(path.read_text(encoding="utf-8"))["output"]).is_file():
                path.unlink()
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink()


def unchanged(wanted: Request, root: Path) -> Unchanged | str:
    """The last build of this request if nothing it read or wrote has changed since, else what did."""
    try:
        record = json.loads(wanted.path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no earlier build of this output"
    try:
        if record["request"] != wanted.key():
            return "another request"
        now = versions()
        for name in sorted(set(now) | set(record["versions"])):
            if now.get(name) != record["versions"].get(name):
                return f"{name} is now {now.get(name)}"
        for pattern, file in record["fonts"].items():
            if font_file(pattern) != file:
                return f"the font for {pattern} is now {font_file(pattern) or 'none'}"
        for path in record["absent"]:
            if os.path.lexists(path):
                return f"{_shown(path, root)} appeared"
        load_hashes(root / ".cache")
        for kind, files in (("output", record["outputs"]), ("input", record["inputs"])):
            for name, digest in files.items():  # outputs first: the cheapest to find changed
                path = Path(name)
                if not path.is_file():
                    return f"{kind} {_shown(name, root)} is gone"
                if sha256_file(path) != digest:
                    return f"{kind} {_shown(name, root)} changed"
        save_hashes(root / ".cache")  # a touched file, hashed once more, is not read again next time
        return Unchanged(
            Path(record["output"]), record["profile"], record["pages"], record["errors"], record["warnings"]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"the record of the last build is unreadable ({exc})"


def _shown(name: str, root: Path) -> str:
    path = Path(name)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else name
