"""YAML sources → plain data plus the line and column of every value.

Safe loading only, and stricter than YAML 1.1: duplicate keys, anchors and aliases,
explicit tags, files over a size cap and nesting past a depth cap are errors. Scalars
are never silently retyped: only `true`/`false`, plain decimal integers and decimal
numbers become non-strings, so a caption of `NO` or a code of `0644` stays text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from booklet.core.findings import Finding, Location

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FLOAT = re.compile(r"[-+]?(0|[1-9][0-9]*)\.[0-9]+")
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs",
    "tag:yaml.org,2002:set",
    "tag:yaml.org,2002:value",
}

PathKey = tuple[str | int, ...]


class SourceError(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.format())
        self.finding = finding


@dataclass
class Source:
    """A loaded YAML file: its data and where each value stands."""

    path: str  # relative to the project root
    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """Location of the value at `path`, or of its nearest located ancestor."""
        table = self.key_marks if key else self.marks
        probe = tuple(path)
        while probe:
            if probe in table:
                return Location(self.path, *table[probe])
            if probe in self.marks:
                return Location(self.path, *self.marks[probe])
            probe = probe[:-1]
        return Location(self.path, *self.marks.get((), (1, 1)))


def field_name(path: PathKey) -> str:
    """('blocks', 3, 'figure', 'image') → 'blocks[3].figure.image'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and deep nesting while composing."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _LoadProblem("yaml.alias", "anchors and aliases are not allowed", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise _LoadProblem(
                    "yaml.too-deep", f"nesting deeper than {MAX_DEPTH} levels", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _LoadProblem(Exception):
    def __init__(self, code: str, message: str, mark, path: PathKey | None = None):
        super().__init__(message)
        self.code, self.message, self.mark = code, message, mark
        self.field = field_name(path) or None if path is not None else None


def load_source(file: Path, root: Path) -> Source:
    """Read and parse one YAML file; raise SourceError with a located finding."""
    rel = _relative(file, root)
    try:
        if file.is_symlink() or not file.is_file():
            raise SourceError(Finding("error", "source.unreadable", "not a regular file", Location(rel)))
        with file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SourceError(
            Finding("error", "source.unreadable", f"cannot read: {exc.strerror}", Location(rel))
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SourceError(
            Finding("error", "yaml.too-large", f"file is over {MAX_FILE_BYTES // 1024} KiB", Location(rel))
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            Finding(
                "error",
                "yaml.encoding",
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                Location(rel, line, column),
            )
        ) from None
    text = text.removeprefix("\ufeff")
    try:
        node = _compose(text)
    except _LoadProblem as problem:
        raise SourceError(
            Finding("error", problem.code, problem.message, _mark_location(rel, problem.mark))
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        if "\\t" in message or "tab" in message:
            message += " (YAML does not allow tabs for indentation; use spaces)"
        raise SourceError(Finding("error", "yaml.syntax", message, _mark_location(rel, mark))) from None
    except yaml.reader.ReaderError as exc:  # control characters and the like
        before = text[: exc.position]
        where = Location(rel, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        raise SourceError(
            Finding(
                "error",
                "yaml.syntax",
                f"character U+{exc.character:04X} is not allowed (a control character; delete it)",
                where,
            )
        ) from None
    except yaml.YAMLError as exc:
        raise SourceError(Finding("error", "yaml.syntax", str(exc).splitlines()[0], Location(rel))) from None
    except RecursionError:
        raise SourceError(Finding("error", "yaml.too-deep", "nesting too deep", Location(rel))) from None
    source = Source(rel, None)
    if node is None:
        source.data = None
        source.marks[()] = (1, 1)
        return source
    try:
        source.data = _construct(node, (), source)
    except _LoadProblem as problem:
        raise SourceError(
            Finding(
                "error", problem.code, problem.message, _mark_location(rel, problem.mark), field=problem.field
            )
        ) from None
    return source


@functools.lru_cache(maxsize=64)
def _compose(text: str) -> Node | None:
    """The YAML node tree of a text: remembered, as the model and the editorial checks both read
    every chapter (nodes are only read, never changed; a text that fails raises each time)."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _construct(node: Node, path: PathKey, source: Source) -> Any:
    source.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _STANDARD_TAGS:
        raise _LoadProblem("yaml.tag", f"tag {node.tag!r} is not allowed", node.start_mark, path)
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _LoadProblem("yaml.key", "a key must be plain text", key_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _LoadProblem("yaml.merge", "merge keys (<<) are not allowed", key_node.start_mark)
            key = key_node.value
            if _SURROGATE.search(key):
                raise _LoadProblem(
                    "yaml.character", "the key holds an escaped lone surrogate", key_node.start_mark, path
                )
            if key in out:
                first = source.key_marks[path + (key,)]
                raise _LoadProblem(
                    "yaml.duplicate-key",
                    f"duplicate key {key!r} (first at line {first[0]})",
                    key_node.start_mark,
                    path + (key,),
                )
            source.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, path + (key,), source)
        return out
    if isinstance(node, SequenceNode):
        return [_construct(item, path + (i,), source) for i, item in enumerate(node.value)]
    if _SURROGATE.search(node.value):  # "\ud800" escapes make strings no file, font or PDF can hold
        raise _LoadProblem(
            "yaml.character",
            "the text holds an escaped lone surrogate (\\ud800–\\udfff); write the character itself",
            node.start_mark,
            path,
        )
    return _scalar(node)


def _scalar(node: ScalarNode) -> Any:
    value = node.value
    if node.style is not None or node.tag == "tag:yaml.org,2002:str":  # quoted or block scalar
        return value
    if value in ("", "~", "null"):
        return None
    if value in ("true", "false"):
        return value == "true"
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


def _mark_location(rel: str, mark) -> Location:
    if mark is None:
        return Location(rel)
    return Location(rel, mark.line + 1, mark.column + 1)


def _relative(file: Path, root: Path) -> str:
    try:
        return file.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(file)
