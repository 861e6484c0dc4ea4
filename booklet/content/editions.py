"""Edition files that extend each other → one merged edition, every value still located.

`booklet.yaml` is the first edition; a later edition names the file it builds on with
`extends:` (a path relative to the extending file) and says only what differs.

Merge rules, applied from the root of the chain down to the edition being built:
- a mapping (`trim`, `fonts`, `conversion_overrides`) merges key by key, recursively;
- a scalar or a list replaces the inherited value (`keywords`, `organisers`, `chapters`);
- `printing_history` is the exception: an extending edition's lines are appended;
- `chapters_remove:` drops listed chapter files from the inherited list (each must be in it);
  `chapters_add:` appends chapter files, or inserts them: `{file: chapters/x.yaml, after: chapters/y.yaml}`.

Every merged value keeps the location (file, line, column) of the file that set it, so a
bad value in an inherited file is reported there. Cycles and unreadable parents are
located findings (edition.cycle, edition.extends-missing); unknown keys are reported by
the schema (schema.unknown-field) at the file and line that wrote them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booklet.content.sources import PathKey, Source, SourceError, field_name, load_source
from booklet.core.findings import Location, Report

MAX_CHAIN = 20
APPENDED = ("printing_history",)  # lists that an extending edition appends to
CHAPTER_EDITS = ("chapters_add", "chapters_remove")


@dataclass
class MergedSource:
    """The merged edition data with the location of every value (quacks like sources.Source)."""

    path: str  # the edition being built
    data: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # the chain, root first
    marks: dict[PathKey, Location] = field(default_factory=dict)
    key_marks: dict[PathKey, Location] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        table = self.key_marks if key else self.marks
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), Location(self.path, 1, 1))

    def set_from(self, source: Source, src_path: PathKey, dest_path: PathKey) -> None:
        """Take the value at src_path of `source` (with every location under it) to dest_path."""
        self._drop(dest_path)
        for table, dest_table in ((source.marks, self.marks), (source.key_marks, self.key_marks)):
            for key, (line, column) in table.items():
                if key[: len(src_path)] == src_path:
                    dest_table[dest_path + key[len(src_path) :]] = Location(source.path, line, column)

    def _drop(self, path: PathKey) -> None:
        for table in (self.marks, self.key_marks):
            for key in [k for k in table if k[: len(path)] == path and len(k) > len(path)]:
                del table[key]


def load_edition(file: Path, root: Path, report: Report) -> MergedSource | None:
    """Read the edition file and the chain it extends; merge; None if the chain is unusable."""
    chain = _chain(file, root, report)
    if chain is None:
        return None
    merged = MergedSource(path=chain[-1].path, files=[s.path for s in chain])
    merged.marks[()] = Location(chain[-1].path, *chain[-1].marks.get((), (1, 1)))
    for source in chain:
        _merge_file(merged, source, report)
    return merged


def _chain(file: Path, root: Path, report: Report) -> list[Source] | None:
    """The edition files from the root of the chain to `file`."""
    chain: list[Source] = []
    seen: dict[Path, str] = {}
    current, pointed_from = file, None
    while True:
        real = current.resolve()
        if real in seen:
            cycle = " → ".join([*seen.values(), seen[real]])
            report.error(
                "edition.cycle",
                f"editions extend each other in a cycle: {cycle}",
                location=pointed_from,
                field="extends",
                hint="an edition may extend only an earlier one",
            )
            return None
        if len(seen) >= MAX_CHAIN:
            report.error(
                "edition.chain-too-long",
                f"more than {MAX_CHAIN} editions extend each other",
                location=pointed_from,
                field="extends",
            )
            return None
        if pointed_from is not None and not real.is_relative_to(root.resolve()):
            report.error(
                "edition.extends-outside",
                f"{current} is outside the project",
                location=pointed_from,
                field="extends",
            )
            return None
        try:
            source = load_source(Path(os.path.normpath(current.absolute())), root)  # no "a/../b" names
        except SourceError as exc:
            if pointed_from is not None and exc.finding.code == "source.unreadable":
                report.error(
                    "edition.extends-missing",
                    f"the edition it extends, {current.name}, cannot be read ({exc.finding.message})",
                    location=pointed_from,
                    field="extends",
                    hint="`extends:` is a path relative to this file, e.g. ../booklet.yaml",
                )
            else:
                report.add(exc.finding)
            return None
        seen[real] = source.path
        chain.append(source)
        if not isinstance(source.data, dict):
            return list(reversed(chain))  # the schema reports the shape
        parent = source.data.get("extends")
        if parent is None:
            return list(reversed(chain))
        if not isinstance(parent, str) or not parent.strip():
            report.error(
                "schema.type",
                "expected the path of another edition file",
                location=source.locate(("extends",)),
                field="extends",
            )
            return None
        pointed_from = source.locate(("extends",))
        current = current.parent / parent


def _merge_file(merged: MergedSource, source: Source, report: Report) -> None:
    data = source.data
    if not isinstance(data, dict):
        merged.data = data  # type: ignore[assignment]  # the schema reports it
        return
    for key, value in data.items():
        if key == "extends" or key in CHAPTER_EDITS:
            continue
        if key in APPENDED and isinstance(value, list) and isinstance(merged.data.get(key), list):
            start = len(merged.data[key])
            merged.data[key] = [*merged.data[key], *value]
            for i in range(len(value)):
                merged.set_from(source, (key, i), (key, start + i))
            continue
        _merge_value(merged, source, (key,), merged.data, key, value)
    _edit_chapters(merged, source, report)


def _merge_value(merged: MergedSource, source: Source, path: PathKey, target: dict, key: str, value: Any):
    if isinstance(value, dict) and isinstance(target.get(key), dict):
        inner = dict(target[key])
        target[key] = inner
        merged.key_marks[path] = Location(source.path, *source.key_marks.get(path, (1, 1)))
        for sub_key, sub_value in value.items():
            _merge_value(merged, source, path + (sub_key,), inner, sub_key, sub_value)
        return
    target[key] = value
    merged.set_from(source, path, path)
    if path in source.key_marks:
        merged.key_marks[path] = Location(source.path, *source.key_marks[path])


def _edit_chapters(merged: MergedSource, source: Source, report: Report) -> None:
    """Apply chapters_remove, then chapters_add, keeping each entry's own location."""
    data = source.data
    if not any(key in data for key in CHAPTER_EDITS):
        return
    current = merged.data.get("chapters")
    if not isinstance(current, list):
        report.error(
            "edition.chapters-edit",
            "chapters_add/chapters_remove need an inherited chapters list",
            location=source.locate((next(k for k in CHAPTER_EDITS if k in data),), key=True),
        )
        return
    # each entry: (file, location)
    entries = [(name, merged.locate(("chapters", i))) for i, name in enumerate(current)]
    removals = _edit_list(data, "chapters_remove", source, report)
    for i, name in enumerate(removals):
        where = source.locate(("chapters_remove", i))
        if name not in [e[0] for e in entries]:
            report.error(
                "edition.chapter-not-listed",
                f"{name!r} is not in the inherited chapter list",
                location=where,
                field=f"chapters_remove[{i}]",
            )
            continue
        entries = [e for e in entries if e[0] != name]
    additions = _edit_list(data, "chapters_add", source, report)
    for i, item in enumerate(additions):
        here: PathKey = ("chapters_add", i)
        if isinstance(item, str):
            entries.append((item, source.locate(here)))
            continue
        if not (
            isinstance(item, dict)
            and isinstance(item.get("file"), str)
            and set(item) <= {"file", "after"}
            and isinstance(item.get("after", ""), str)
        ):
            report.error(
                "schema.value",
                "expected a chapter file, or {file: …, after: …}",
                location=source.locate(here),
                field=field_name(here),
            )
            continue
        entry = (item["file"], source.locate(here + ("file",)))
        after = item.get("after")
        if after is None:
            entries.append(entry)
            continue
        names = [e[0] for e in entries]
        if after not in names:
            report.error(
                "edition.chapter-not-listed",
                f"{after!r} (after) is not in the chapter list",
                location=source.locate(here + ("after",)),
                field=field_name(here + ("after",)),
            )
            continue
        entries.insert(names.index(after) + 1, entry)
    merged.data["chapters"] = [name for name, _ in entries]
    merged._drop(("chapters",))
    for i, (_, location) in enumerate(entries):
        merged.marks[("chapters", i)] = location


def _edit_list(data: dict, key: str, source, report: Report) -> list:
    """The `chapters_remove`/`chapters_add` list, or [] with a located error when it is not a list."""
    value = data.get(key) or []
    if isinstance(value, list):
        return value
    report.error("schema.type", "expected a list of chapter files", location=source.locate((key,)), field=key)
    return []
