"""Findings: located, coded messages collected over a run and reported together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Location:
    path: str  # relative to the project root, e.g. "chapters/04-impact.yaml"
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str  # stable, e.g. "image.missing"
    message: str
    location: Location | None = None
    field: str | None = None  # dotted path of the YAML field, e.g. "blocks[3].figure.image"
    hint: str | None = None

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        what = f"{self.field}: " if self.field else ""
        text = f"{where}{self.severity}: {what}{self.message} [{self.code}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "path": self.location.path if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "field": self.field,
            "hint": self.hint,
        }


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    _seen: set[Finding] = field(default_factory=set, repr=False, compare=False)

    def add(self, finding: Finding) -> None:
        if finding not in self._seen:  # a set: hostile input may bring tens of thousands
            self._seen.add(finding)
            self.findings.append(finding)

    def error(self, code: str, message: str, **kwargs) -> None:
        self.add(Finding("error", code, message, **kwargs))

    def warning(self, code: str, message: str, **kwargs) -> None:
        self.add(Finding("warning", code, message, **kwargs))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]


class BuildError(Exception):
    """Stops the run; `exit_code` says why (1 content, 3 render, 4 output)."""

    def __init__(self, message: str, exit_code: int = 1, report: Report | None = None):
        super().__init__(message)
        self.exit_code = exit_code
        self.report = report


class ContentError(BuildError):
    """The content has errors; they are in the report."""

    def __init__(self, report: Report):
        count = len(report.errors)
        super().__init__(f"{count} content error{'s' if count != 1 else ''}", 1, report)


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
