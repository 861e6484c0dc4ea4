"""`booklet annotations PROOF.pdf [--apply]`: the marks of an annotated proof, read back to the YAML.

Each mark is printed where it points (file:line:column of the first marked character). With
`--apply`, the unambiguous corrections — a strike-through with a replacement (a StrikeOut and a
Caret grouped: Acrobat's "replace text"), a strike-through alone (delete), a caret with text
(insert) — are made in the sources: only inside plain scalars, as a splice of the file's text (so
comments, order and quoting stay as written), each checked by parsing the file back with a
round-trip YAML parser (ruamel.yaml): the file must hold the same data but for the one value
changed, and exactly as marked. A mark whose text is no longer in the source is refused. Every
mark is kept with its status in dist/<edition>.annotations.json, which the next proof reads.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from booklet.app.project import project_root
from booklet.content.editions import load_edition
from booklet.core.files import read_json, write_output
from booklet.core.findings import BuildError, Finding, Report, relative
from booklet.proof.annotations import Mark, NotAProof, read_marks
from booklet.proof.tracking import tracking_file

EDITABLE = ("replace", "delete", "insert")
NOT_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")


@dataclass
class Outcome:
    marks: list[Mark]
    applied: list[Mark] = field(default_factory=list)
    refused: list[tuple[Mark, str]] = field(default_factory=list)  # (mark, why)
    tracking: Path | None = None
    proof_of: dict = field(default_factory=dict)


def run(pdf: Path, edition_file: Path, apply: bool = False) -> Outcome:
    root = project_root(edition_file)
    title = _title(edition_file, root)
    try:
        marks, data = read_marks(pdf, root, relative(edition_file, root), title)
    except NotAProof as exc:
        raise BuildError(Finding("error", exc.code, str(exc)).format().removeprefix("error: "), 1) from None
    outcome = Outcome(marks, proof_of=data)
    known = read_json(tracking_file(edition_file, root)) or {}
    done = {
        row.get("id")
        for row in known.get("marks", [])
        if isinstance(row, dict) and row.get("status") == "applied"
    }
    for mark in marks:
        mark.applied = mark.id in done
    if apply:
        apply_marks(outcome, root)
    outcome.tracking = tracking_file(edition_file, root)
    _track(outcome, pdf, root)
    return outcome


def _title(edition_file: Path, root: Path) -> str:
    """The edition's title (merged through `extends:`): a proof of another book is refused by it."""
    merged = load_edition(edition_file, root, Report())
    data = getattr(merged, "data", None) if merged is not None else None
    return str(data.get("title", "")) if isinstance(data, dict) else ""


# ---------------------------------------------------------------- --apply


def apply_marks(outcome: Outcome, root: Path) -> None:
    """Make the unambiguous corrections, file by file, from the end of each file backwards."""
    by_file: dict[str, list[Mark]] = {}
    for mark in outcome.marks:
        if mark.kind not in EDITABLE or mark.applied:
            continue
        why = _refusal(mark, outcome.proof_of.get("conversion"))
        if why:
            outcome.refused.append((mark, why))
            continue
        by_file.setdefault(mark.location.path, []).append(mark)
    for path, marks in sorted(by_file.items()):
        file = root / path
        text = original = file.read_text(encoding="utf-8")
        marks.sort(key=lambda m: m.index, reverse=True)
        floor = len(text) + 1
        for mark in marks:
            end = mark.index + len(mark.source_text)
            if end > floor:
                outcome.refused.append((mark, "it overlaps another mark"))
                continue
            if text[mark.index : end] != mark.source_text:
                outcome.refused.append((mark, "the marked text is no longer in the source"))
                continue
            new = text[: mark.index] + (mark.replacement or "") + text[end:]
            why = _parses_back(text, new, mark)
            if why:
                outcome.refused.append((mark, why))
                continue
            text, floor = new, mark.index
            outcome.applied.append(mark)
            mark.applied = True
        if text != original:
            write_output(file, text.encode("utf-8"))


def _refusal(mark: Mark, conversion: str | None = None) -> str | None:
    if mark.stale:
        return "the marked text is no longer in the source"
    if mark.location is None or mark.index is None:
        return "the marked text cannot be told apart from another place in the source"
    if mark.kind in ("replace", "insert") and not mark.replacement:
        return "the mark gives no text to put in"
    if mark.kind != "insert" and not mark.source_text:
        return "the marked text was not found in the source"
    if not mark.in_plain:
        return "the mark is not inside one plain text value (quoted, block, markup or more than one value)"
    new = mark.replacement or ""
    if conversion and new and not _same_in_both_scripts(new, conversion):
        return (
            "the proof is converted (zh-Hans) and the new text would enter the Traditional source as written"
        )
    if "\n" in new or ": " in new or " #" in new or new.endswith(":"):
        return "the new text cannot stand in a plain YAML value"
    return None


def _same_in_both_scripts(text: str, conversion: str) -> bool:
    """Whether `text` reads the same in Traditional and in the converted script (digits, punctuation,
    characters the conversion leaves alone both ways)."""
    from booklet.content.script import opencc_converter

    return opencc_converter(conversion)(text) == text and opencc_converter("s2hk")(text) == text


def _parses_back(old: str, new: str, mark: Mark) -> str | None:
    """Why `new` is not `old` with exactly the marked change, read by a round-trip YAML parser."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    parser = YAML(typ="rt")
    try:
        before = parser.load(io.StringIO(old))
        after = parser.load(io.StringIO(new))
    except YAMLError as exc:
        return f"the edited file would not parse ({str(exc).splitlines()[0]})"
    try:
        old_value, new_value = _at(before, mark.key), _at(after, mark.key)
    except (KeyError, IndexError, TypeError):
        return "the edited file would not hold the marked value"
    if not isinstance(old_value, str) or not isinstance(new_value, str):
        return "the marked value would stop being text"
    src, repl = mark.source_text, mark.replacement or ""
    if not any(
        old_value[k : k + len(src)] == src and new_value == old_value[:k] + repl + old_value[k + len(src) :]
        for k in range(len(old_value) + 1)
    ):
        return "the edit would change the value otherwise than marked"
    _put(after, mark.key, old_value)
    if _plain(after) != _plain(before):
        return "the edit would change other values of the file"
    return None


def _at(data, key: tuple):
    for part in key:
        data = data[part]
    return data


def _put(data, key: tuple, value) -> None:
    for part in key[:-1]:
        data = data[part]
    data[key[-1]] = value


def _plain(data):
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data if data is None or isinstance(data, (bool, int, float)) else str(data)


# ---------------------------------------------------------------- tracking


def _track(outcome: Outcome, pdf: Path, root: Path) -> None:
    """dist/<edition>.annotations.json: every mark ever read for this edition, with its status."""
    path = outcome.tracking
    assert path is not None
    known = read_json(path)
    marks = {m["id"]: m for m in (known or {}).get("marks", []) if isinstance(m, dict) and "id" in m}
    refused = {id(m): why for m, why in outcome.refused}
    for mark in outcome.marks:
        row = mark.to_dict()
        previous = marks.get(mark.id, {})
        row["proof"] = relative(pdf.resolve(), root)
        row["revision"] = outcome.proof_of.get("revision", "")
        row["status"] = "applied" if mark.applied or previous.get("status") == "applied" else "open"
        if id(mark) in refused:
            row["refused"] = refused[id(mark)]
        marks[mark.id] = row
    data = {"format": "booklet-annotations/1", "marks": sorted(marks.values(), key=_order)}
    write_output(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))


def _order(row: dict) -> tuple:
    return (row.get("path") or "~", row.get("line") or 0, row.get("column") or 0, row["id"])


# ---------------------------------------------------------------- the command


def main(args, console) -> int:
    """build.py annotations PROOF.pdf [--apply] [--edition FILE]: print every mark; exit 1 when the
    PDF is refused, 2 on a usage error."""
    import os
    import sys

    if len(args.files) != 1 or args.rev:
        print("build.py: error: annotations needs one PROOF.pdf", file=sys.stderr)
        return 2
    pdf = args.files[0]
    if not pdf.is_file():
        print(f"build.py: error: {pdf} not found", file=sys.stderr)
        return 2
    if not args.edition.is_file():
        print(f"build.py: error: edition file {args.edition} not found", file=sys.stderr)
        return 2
    try:
        console.progress(f"reading the marks of {pdf}")
        outcome = run(pdf, args.edition, apply=args.apply)
    except BuildError as exc:
        print(f"annotations: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("BOOKLET_DEBUG"):
            raise
        print(
            f"annotations failed: internal error ({type(exc).__name__}: {exc}); rerun with BOOKLET_DEBUG=1",
            file=sys.stderr,
        )
        return 3
    for mark in outcome.marks:
        print(mark.format())
    for mark, why in outcome.refused:
        print(
            Finding(
                "warning", "annotation.refused", f"not applied: {why}: {mark.message}", mark.location
            ).format()
        )
    if not args.quiet:
        counts = {}
        for mark in outcome.marks:
            counts[mark.kind] = counts.get(mark.kind, 0) + 1
        said = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no marks"
        line = f"{len(outcome.marks)} marks ({said})"
        if args.apply:
            line += f"; {len(outcome.applied)} applied, {len(outcome.refused)} refused"
        print(f"{line}; tracked in {outcome.tracking}", file=sys.stderr)
    return 0
