"""The marks read from annotated proofs (dist/<edition>.annotations.json), as the next proof sees them.

`build.py annotations` keeps every mark there with an id and a status. The next proof reads the
file back: a mark whose text is unchanged in the source is still open (a finding
`annotation.open`, with a ⚑ flag beside it in the proof's margin, numbered in the report), one
whose text changed since — applied by `--apply` or by hand — is resolved (`annotation.resolved`).
"""

from __future__ import annotations

from pathlib import Path

from booklet.core.files import read_json
from booklet.core.findings import Finding, Location

NOT_FLAGGED = {"annotation.resolved"}


def tracking_file(edition_file: Path, root: Path) -> Path:
    return root / "dist" / f"{edition_file.stem}.annotations.json"


def still_there(text: str, row: dict) -> bool:
    """Whether the marked text (or, for an insertion, the place between its context) is in `text`."""
    span, before, after = row.get("source_text") or "", row.get("before") or "", row.get("after") or ""
    if span:
        return (before[-2:] + span + after[:2]) in text or (span in text and not (before or after))
    return bool(before or after) and (before + after) in text


def tracked_findings(edition_file: Path, root: Path) -> list[Finding]:
    """One finding per tracked mark of this edition that names a file: open or resolved."""
    data = read_json(tracking_file(edition_file, root))
    rows = data.get("marks", []) if isinstance(data, dict) else []
    out: list[Finding] = []
    texts: dict[str, str | None] = {}
    number = 0
    for row in rows:
        if not isinstance(row, dict) or not row.get("path") or row.get("kind") == "outside":
            continue
        path = str(row["path"])
        if path not in texts:
            try:
                texts[path] = (root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                texts[path] = None
        text = texts[path]
        number += 1
        resolved = row.get("status") == "applied" or text is None or not still_there(text, row)
        how = ("applied" if row.get("status") == "applied" else "the marked text changed") if resolved else ""
        out.append(
            Finding(
                "info",
                "annotation.resolved" if resolved else "annotation.open",
                f"mark {number} ({row.get('id')}): {_plain_message(row)}: "
                + (f"resolved ({how})" if resolved else "open"),
                Location(path, row.get("line"), row.get("column")),
                row.get("field"),
            )
        )
    return out


def _plain_message(row: dict) -> str:
    message = str(row.get("message", ""))
    for tail in (" (applied)", " (no longer in the source)"):
        message = message.removesuffix(tail)
    return message
