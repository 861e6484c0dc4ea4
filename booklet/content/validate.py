"""Sources → content model. Every problem becomes a located finding; all are collected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from booklet.content.editions import load_edition
from booklet.content.languages import LANGUAGES, TAGS, words
from booklet.content.localize import END_MARK, SETTINGS, Localizer, load_translation, merge
from booklet.content.markup import markup_texts
from booklet.content.markup import problem as markup_problem
from booklet.content.model import (
    BLOCK_TYPES,
    TEXT_BLOCKS,
    Book,
    Chapter,
    ChapterHead,
    Edition,
    Placed,
    Section,
    SectionHead,
    Strict,
    Table,
    Text,
)
from booklet.content.sources import PathKey, Source, SourceError, field_name, load_source
from booklet.core.findings import Report

_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of fields",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "missing": "required field is missing",
    "string_too_short": "expected non-empty text",
    "too_short": "expected at least one item",
}


def edition_languages(data: Any) -> tuple[list[str], str]:
    """The printed languages and the plain texts' language, read from the raw edition (checked later)."""
    if not isinstance(data, dict):
        return ["zh-Hant"], "zh-Hant"
    languages = [t for t in data.get("languages") or [] if isinstance(t, str) and t in TAGS]
    first = data.get("language") if data.get("language") in TAGS else None
    tags = languages or [first or "zh-Hant"]
    text = data.get("source_language")
    if text not in TAGS:
        text = "zh-Hant" if data.get("conversion") else tags[0]
    return tags, text


class _Scratch(Report):
    """The findings of a further language's validation that the first language's did not give."""

    def copy_new(self, report: Report) -> None:
        seen = {(f.code, f.location, f.message) for f in report.findings}
        for finding in self.findings:
            if (finding.code, finding.location, finding.message) not in seen:
                report.add(finding)


def load_book(edition_file: Path, root: Path, report: Report) -> Book | None:
    """Load the edition file and every chapter it lists. Returns None if any file is unusable."""
    source = load_edition(edition_file, root, report)  # the merged extends chain
    if source is None:
        return None
    tags, text_tag = edition_languages(source.data)
    fallback = isinstance(source.data, dict) and source.data.get("missing_translations") == "source"
    editions = {}
    for n, tag in enumerate(tags):
        data = source.data
        if isinstance(data, dict):
            localizer = Localizer(tag, tag, report if n == 0 else Report(), source, fallback)  # type: ignore[arg-type]
            data = {k: localizer.value(v, (k,)) if k not in SETTINGS else v for k, v in data.items()}
            if n:
                data = {k: v for k, v in data.items() if k not in ("languages", "fonts")} | {"language": tag}
        scratch = _Scratch()
        editions[tag] = _validate(Edition, data, source, (), report if n == 0 else scratch)  # type: ignore[arg-type]
        if editions[tag] is None:
            return None
    edition = editions[tags[0]]
    chapters: dict[str, list[Chapter]] = {tag: [] for tag in tags}
    numbers: dict[int, str] = {}
    for index, name in enumerate(edition.chapters):
        where = source.locate(("chapters", index))
        path = (root / name).resolve()
        if not path.is_relative_to(root.resolve()):
            report.error(
                "edition.chapter-outside",
                f"chapter file {name!r} is outside the project",
                location=where,
                field=f"chapters[{index}]",
            )
            continue
        if not path.exists():
            report.error(
                "edition.chapter-missing",
                f"chapter file {name!r} does not exist",
                location=where,
                field=f"chapters[{index}]",
                hint="paths are relative to the project root, e.g. chapters/01-preface.yaml",
            )
            continue
        if not path.is_file() or (root / name).is_symlink():
            report.error(
                "edition.chapter-unreadable",
                f"chapter file {name!r} is not a regular file (a link, folder, device or pipe)",
                location=where,
                field=f"chapters[{index}]",
            )
            continue
        versions = chapter_versions(
            root / name, root, report, tags=tags, text_tag=text_tag, fallback=fallback
        )
        if versions is None:
            continue
        chapter = versions[0]
        if chapter.number in numbers:
            report.error(
                "chapter.duplicate-number",
                f"chapter number {chapter.number} is also used by {numbers[chapter.number]}",
                location=where,
                field=f"chapters[{index}]",
            )
        numbers[chapter.number] = chapter.path
        for tag, version in zip(tags, versions):
            chapters[tag].append(version)
    first = chapters[tags[0]]
    anchors = {a for c in first for a in (c.anchor, *(s.anchor for s in c.sections))}
    for name in edition.page_plan:
        if name not in anchors:
            report.error(
                "pagination.unknown",
                f"page_plan names {name!r}, which is no chapter or section; "
                f"expected a chapter file's stem or a section like {first[-1].anchor if first else ''}",
                location=source.locate(("page_plan", name), key=True),
                field=f"page_plan.{name}",
            )
    books = [
        Book(
            edition=editions[tag],
            edition_path=source.path,
            chapters=tuple(chapters[tag]),
            edition_files=tuple(source.files),
            labels=words(tag),
        )
        for tag in tags
    ]
    if len(books) == 1 and not _marked(books[0]):
        return books[0]
    others = [(tag, book) for tag, book in zip(tags[1:], books[1:])]
    merged = merge(books[0], others, tags[0])
    labels = {
        k: merge(v, [(tag, book.labels[k]) for tag, book in others], tags[0])
        for k, v in books[0].labels.items()
    }
    return Book(
        edition=merge(editions[tags[0]], [(t, editions[t]) for t in tags[1:]], tags[0]),
        edition_path=source.path,
        chapters=merged.chapters,
        edition_files=tuple(source.files),
        labels=labels,
    )


def _marked(book: Book) -> bool:
    """Does the book print any source text in place of a translation?"""
    from booklet.content.script import convert_value

    found = []

    def spot(text: str) -> str:
        if END_MARK in text:
            found.append(text)
        return text

    for chapter in book.chapters:
        if END_MARK in chapter.title or any(END_MARK in s.title for s in chapter.sections):
            return True
        for placed in chapter.all_blocks():
            convert_value(placed.block, spot)
            if found:
                return True
    return False


def load_chapter(file: Path, root: Path, report: Report) -> Chapter | None:
    versions = chapter_versions(file, root, report)
    return versions[0] if versions else None


def chapter_versions(
    file: Path,
    root: Path,
    report: Report,
    *,
    tags: list[str] | None = None,
    text_tag: str | None = None,
    fallback: bool = False,
) -> list[Chapter] | None:
    """The chapter in each of `tags` (default: its own language only), or None if unusable."""
    source = _load(file, root, report)
    if source is None:
        return None
    tags = tags or ["zh-Hant"]
    text_tag = text_tag or tags[0]
    out = []
    for n, tag in enumerate(tags):
        translation = None
        if tag.split("-")[0] != text_tag.split("-")[0]:
            translation = load_translation(file, tag, root, report)
        localizer = Localizer(tag, text_tag, report, source, fallback, translation)
        data = localizer.chapter(source.data)
        localizer.unused()
        scratch = _Scratch()
        chapter = _chapter(file, source, data, tag, report if n == 0 else scratch)
        if n:
            scratch.copy_new(report)
        if chapter is None:
            return None
        out.append(chapter)
    return out


def _chapter(file: Path, source: Source, data: Any, tag: str, report: Report) -> Chapter | None:
    head = _validate(ChapterHead, data, source, (), report)
    if head is None:
        return None
    language = LANGUAGES[tag]
    slug = file.stem
    blocks = _blocks(head.blocks, source, ("blocks",), report)
    sections = []
    for i, raw in enumerate(head.sections):
        section = _validate(SectionHead, raw, source, ("sections", i), report)
        if section is None:
            continue
        sections.append(
            Section(
                number=i + 1,
                numeral=language.section_numeral(head.number, i + 1),
                title=section.title,
                anchor=f"{slug}-{i + 1}",
                blocks=_blocks(section.blocks, source, ("sections", i, "blocks"), report),
                path=source.path,
                line=source.locate(("sections", i, "title")).line or 1,
            )
        )
    if not head.blocks and not sections:
        report.warning(
            "chapter.empty",
            "the chapter has no blocks and no sections",
            location=source.locate(()),
            field="blocks",
        )
    return Chapter(
        number=head.number,
        numeral=language.numeral(head.number),
        title=head.title,
        anchor=slug,
        blocks=blocks,
        sections=tuple(sections),
        path=source.path,
    )


def _blocks(raw_blocks: list[Any], source: Source, path: PathKey, report: Report) -> tuple[Placed, ...]:
    placed = []
    for i, raw in enumerate(raw_blocks):
        here = path + (i,)
        block_id = raw.get("id") if isinstance(raw, dict) else None
        if (
            not isinstance(raw, dict)
            or len(raw) != 1 + ("id" in raw)
            or not isinstance(block_id, (str, type(None)))
        ):
            report.error(
                "block.shape",
                "expected a block: a mapping with exactly one key, the block type (e.g. `- paragraph: text`), "
                "and optionally its id (`id: p-3f2a9c`)",
                location=source.locate(here),
                field=field_name(here),
            )
            continue
        ((kind, value),) = ((k, v) for k, v in raw.items() if k != "id")
        model = BLOCK_TYPES.get(kind)
        if model is None:
            report.error(
                "block.unknown-type",
                f"unknown block type {kind!r}; expected one of: {', '.join(BLOCK_TYPES)}",
                location=source.locate(here + (kind,), key=True),
                field=field_name(here),
            )
            continue
        if kind in TEXT_BLOCKS:
            if not isinstance(value, str) or not value.strip():
                report.error(
                    "schema.type",
                    f"expected text for a {kind}",
                    location=source.locate(here + (kind,)),
                    field=field_name(here + (kind,)),
                )
                continue
            block: Strict | None = Text(text=value)
        else:
            block = _validate(model, value, source, here + (kind,), report)
        if block is not None:
            rows = range(len(block.rows)) if isinstance(block, Table) else range(0)
            row_lines = tuple(source.locate(here + (kind, "rows", r)).line or 1 for r in rows)
            _check_markup(kind, value, source, here + (kind,), report)
            placed.append(
                Placed(kind, block, source.path, source.locate(here + (kind,)).line or 1, row_lines, block_id)
            )
    return tuple(placed)


def _check_markup(kind: str, value: Any, source: Source, path: PathKey, report: Report) -> None:
    """Inline markup (<em>, <strong>, <sup>, <br>) must be balanced and shallow where it is allowed."""
    for below, text in markup_texts(kind, value):
        why = markup_problem(text)
        if why:
            report.error(
                "markup.invalid",
                why,
                location=source.locate(path + below),
                field=field_name(path + below),
                hint="allowed: <em>, <strong>, <sup>, <br>; any other < > & is printed as written",
            )


MAX_ERRORS_PER_VALUE = 50  # past this, one summary line: a pasted table can hold 40 000 wrong cells


def _validate(model: type[Strict], data: Any, source: Source, path: PathKey, report: Report):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        deeper = {loc[:n] for loc in map(_clean_loc, (e["loc"] for e in errors)) for n in range(len(loc))}
        shown = [error for error in errors if not _shadowed(error, deeper)]
        for error in shown[:MAX_ERRORS_PER_VALUE]:
            _report_error(model, error, source, path, report)
        if len(shown) > MAX_ERRORS_PER_VALUE:
            report.error(
                "schema.many",
                f"… and {len(shown) - MAX_ERRORS_PER_VALUE} more errors here",
                location=source.locate(path),
                field=field_name(path) or None,
            )
        return None


def _shadowed(error: dict, deeper: set[tuple]) -> bool:
    """A union's "not text" error is noise when the mapping branch says more precisely what is wrong."""
    return error["type"].endswith("_type") and _clean_loc(error["loc"]) in deeper


def _clean_loc(loc: tuple) -> tuple:
    return tuple(
        part
        for part in loc
        if isinstance(part, int)
        or not (part.startswith("function-") or part in ("str", "Cell", "int", "float"))
    )


def _report_error(model, error: dict, source: Source, path: PathKey, report: Report) -> None:
    loc = _clean_loc(error["loc"])  # pydantic names union members and validators in loc; keep real keys
    full = path + loc
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = ", ".join(parent.model_fields) if parent else ""
        report.error(
            "schema.unknown-field",
            f"unknown field {loc[-1]!r}; expected one of: {allowed}",
            location=source.locate(full, key=True),
            field=field_name(full),
        )
        return
    if kind == "missing":
        report.error(
            "schema.missing",
            "required field is missing",
            location=source.locate(full[:-1]),
            field=field_name(full),
        )
        return
    message = _EXPECTED.get(kind) or error["msg"].replace("Value error, ", "")
    if kind == "too_long":
        message = (
            f"{error['ctx']['actual_length']} items, over the cap of {error['ctx']['max_length']}; split it"
        )
    got = error.get("input")
    if kind.endswith("_type") and got is not None:
        message += f", got {_describe(got)}"
    code = "schema.type" if kind.endswith(("_type", "_parsing")) else "schema.value"
    report.error(code, message, location=source.locate(full), field=field_name(full))


def _model_at(model, loc: tuple) -> type[Strict] | None:
    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _strict_in(info.annotation) or current
    return current


def _strict_in(annotation) -> type[Strict] | None:
    """The content model inside an annotation such as list[list[str | Cell]]."""
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return annotation
    for inner in getattr(annotation, "__args__", ()):
        found = _strict_in(inner)
        if found is not None:
            return found
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value[:20]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _load(file: Path, root: Path, report: Report) -> Source | None:
    try:
        return load_source(file, root)
    except SourceError as exc:
        report.add(exc.finding)
        return None
