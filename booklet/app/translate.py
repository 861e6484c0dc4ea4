"""`booklet translate LANG`: ids for the chapters' blocks and sections, and the translation files to fill in.

Running it is the user's agreement to the ids being written into the chapter files: each block and
section that has no `id:` gets one (`p-3f2a9c`: the block type's letter and a digest of its text as it
is now; afterwards the id stays whatever the text becomes, and moves with the block). Nothing else in a
chapter file changes: the id is inserted as a line of its own, comments and layout stay.

Then `chapters/<LANG>/<chapter>.yaml` gets an entry for every block, section and chapter title it lacks:
`from:` the source text now, `text:` empty, to be filled in. Entries already there are kept as they are
(the build reports them stale when their `from:` no longer matches the source). The translation file is
rewritten whole (its comments are not kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from booklet.app.project import project_root
from booklet.content.editions import load_edition
from booklet.content.languages import TAGS
from booklet.content.localize import block_id, same_language, skeleton, translation_file
from booklet.content.sources import Source, SourceError, load_source
from booklet.content.validate import edition_languages
from booklet.core.files import write_whole
from booklet.core.findings import BuildError, Report

HEADER = (
    "# {tag} translation of {source}: fill in each `text:`. `from:` is the source text it translates;\n"
    "# when the source changes, the build reports the entry stale (translation.stale): update `text:`,\n"
    "# then copy the new source text into `from:`. Entries are named by the blocks' `id:`.\n"
)


def translate(edition_file: Path, tag: str) -> list[str]:
    """Give ids and write the translation files; returns what was done, a line per file."""
    if tag not in TAGS:
        raise BuildError(f"unknown language {tag!r}; expected one of: {', '.join(TAGS)}", 2)
    root = project_root(edition_file)
    report = Report()
    edition = load_edition(edition_file, root, report)
    if edition is None or not isinstance(edition.data, dict):
        raise BuildError("the edition file cannot be read", 1, report)
    _, text_tag = edition_languages(edition.data)
    if same_language(tag, text_tag):
        raise BuildError(
            f"the chapters are written in {text_tag}: there is nothing to translate into {tag}", 2
        )
    done = []
    for name in edition.data.get("chapters") or []:
        file = root / name
        if (
            not isinstance(name, str)
            or not file.is_file()
            or not file.resolve().is_relative_to(root.resolve())
        ):
            continue
        try:
            source = load_source(file, root)
        except SourceError as exc:
            report.add(exc.finding)
            raise BuildError(f"{name} cannot be read", 1, report) from None
        added = _give_ids(file, source)
        if added:
            source = load_source(file, root)
            done.append(f"{source.path}: {added} ids added")
        target = translation_file(file, tag) or file.parent / tag / file.name
        entries = _write_translation(target, source, tag)
        done.append(f"{target.relative_to(root).as_posix()}: {entries} entries to translate")
    return done


def _units(data: Any):
    """(path, kind, value) of each block and section of a chapter's data, in file order."""
    if not isinstance(data, dict):
        return
    for i, block in enumerate(data.get("blocks") or []):
        yield ("blocks", i), block
    for i, section in enumerate(data.get("sections") or []):
        yield ("sections", i), section
        if isinstance(section, dict):
            for j, block in enumerate(section.get("blocks") or []):
                yield ("sections", i, "blocks", j), block


def _kind(unit: dict) -> str:
    return next((k for k in unit if k != "id"), "section") if "title" not in unit else "section"


def _give_ids(file: Path, source: Source) -> int:
    """Insert `id:` into every block and section mapping that lacks one; returns how many."""
    taken = {u.get("id") for _, u in _units(source.data) if isinstance(u, dict) and u.get("id")}
    lines = file.read_text(encoding="utf-8").split("\n")
    inserts = []
    for path, unit in _units(source.data):
        if not isinstance(unit, dict) or "id" in unit:
            continue
        kind = "s" if path[0] == "sections" and len(path) == 2 else _kind(unit)
        made = block_id(kind, unit.get("title") if kind == "s" else unit.get(kind), taken)
        line, column = source.marks[path]
        inserts.append((line - 1, column - 1, made))
    for line, column, made in sorted(inserts, reverse=True):
        text = lines[line]
        if text[column : column + 1] == "{":  # a flow mapping: - {paragraph: …}
            lines[line] = f"{text[: column + 1]}id: {made}, {text[column + 1 :]}"
        else:
            lines[line : line + 1] = [f"{text[:column]}id: {made}", " " * column + text[column:]]
    if inserts:
        write_whole(file, "\n".join(lines).encode())
    return len(inserts)


def _blank(value: Any) -> Any:
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return value


def _write_translation(target: Path, source: Source, tag: str) -> int:
    existing: dict = {}
    if target.is_file():
        loaded = yaml.safe_load(target.read_text(encoding="utf-8"))
        existing = loaded if isinstance(loaded, dict) else {}
    data = source.data if isinstance(source.data, dict) else {}
    out: dict[str, Any] = {}
    if isinstance(data.get("title"), str):
        out["title"] = existing.get("title") or {"from": data["title"], "text": ""}
    for group in ("blocks", "sections"):
        known = existing.get(group) if isinstance(existing.get(group), dict) else {}
        entries = dict(known)
        for path, unit in _units(data):
            if not isinstance(unit, dict) or not unit.get("id"):
                continue
            is_section = path[0] == "sections" and len(path) == 2
            if (group == "sections") != is_section or unit["id"] in entries:
                continue
            value = unit.get("title") if is_section else unit.get(_kind(unit))
            text = skeleton(value)
            if text is not None:
                entries[unit["id"]] = {"from": text, "text": _blank(text)}
        if entries:
            out[group] = entries
    body = yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=100)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_whole(target, (HEADER.format(tag=tag, source=source.path) + body).encode())
    return sum(len(out.get(g, {})) for g in ("blocks", "sections")) + ("title" in out)
