"""Texts in several languages: per-field language maps, translation files, and the merged bilingual model.

Any text of a chapter or edition file may be given per language, `caption: {zh-Hant: 簽約儀式, pt: Cerimónia}`.
Plain texts are in the edition's `text_language`. A chapter `chapters/04-impact.yaml` may have a translation
beside it, `chapters/pt/04-impact.yaml`, whose entries name the chapter's blocks and sections by their
`id:` and hold the source text they were made from (`from:`) and the translation (`text:`):

    title: {from: 成效, text: Impacto}
    blocks:
      p-3f2a9c:
        from: 原文……
        text: Tradução……
      f-91c07e:
        from: {caption: 簽約儀式}
        text: {caption: Cerimónia de assinatura}

`localize(raw, tag, …)` turns the raw YAML data into the data of one language, before the schema sees
it. A text with no version in `tag` is reported (translation.missing) and replaced by the source text
behind MARK, which the model keeps; `merge` then takes the mark off into a `Texts` value, so the HTML
can tag it (and the proof mark it). `merge` also joins the books of a bilingual edition: where the
languages' texts differ, the first book's string becomes a `Texts` carrying every language.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from booklet.content.languages import TAGS, is_language_map, text_for
from booklet.content.sources import PathKey, Source, SourceError, field_name, load_source
from booklet.core.findings import Location, Report

MARK = "\ue000"  # private-use characters: MARK + the source's language + END_MARK + the source text,
END_MARK = "\ue001"  # "printed for want of a translation"; `merge` takes them off
UNMARK = re.compile("^\ue000([^\ue001]*)\ue001")
FROM_MARK = "\ue002"  # FROM_MARK + path:line + END_MARK + a translation: where the translation file has it
UNFROM = re.compile("^\ue002([^\ue001]*)\ue001")
# string fields that are names for the machine, not text for the reader: never translated
NOT_TEXT = frozenset({"image", "scan", "video_url", "size", "type", "key", "tags", "table", "number", "id"})
# edition fields that are settings, not printed text: never given per language, never merged
SETTINGS = frozenset(
    {
        "language",
        "languages",
        "source_language",
        "missing_translations",
        "date",
        "chapters",
        "page_plan",
        "trim",
        "bleed",
        "fonts",
        "profile",
        "icc_profile",
        "page_multiple",
        "conversion",
        "conversion_overrides",
        "isbn",
        "extends",
        "year",
        "chapters_add",
        "chapters_remove",
    }
)
ID_PREFIX = {"paragraph": "p", "lead": "l", "heading": "h", "figure": "f", "gallery": "g", "table": "t"}


class Texts(str):
    """A printed text in one or more languages: its str value is the first language's text.

    `parts` is ((tag, text, untranslated), …) in the edition's order; `untranslated` marks the source
    text printed in place of a missing translation (its tag is then the source's language)."""

    parts: tuple[tuple[str, str, bool], ...]
    sources: tuple[str | None, ...]  # each part's `path:line` in a translation file (the proof's reference)

    def __new__(cls, parts: tuple[tuple[str, str, bool], ...], sources: tuple[str | None, ...] = ()) -> Texts:
        made = super().__new__(cls, parts[0][1])
        made.parts = parts
        made.sources = sources or (None,) * len(parts)
        return made

    def __reduce__(self):
        return (Texts, (self.parts, self.sources))


def same_language(a: str, b: str) -> bool:
    """pt-PT text serves a pt-BR edition; Traditional text a zh-Hans one (the conversion translates)."""
    return a.split("-")[0] == b.split("-")[0]


@dataclass
class Translation:
    """One chapter's translation file, read: entries by key ('title', a block or section id)."""

    path: str
    source: Source | None
    entries: dict[str, tuple[Any, Any, PathKey]] = field(default_factory=dict)  # key → (from, text, where)
    used: set[str] = field(default_factory=set)

    def locate(self, key: PathKey) -> Location:
        return self.source.locate(key) if self.source else Location(self.path)


def translation_file(chapter: Path, tag: str) -> Path | None:
    """chapters/pt-PT/x.yaml, else chapters/pt/x.yaml, beside chapters/x.yaml."""
    for folder in dict.fromkeys((tag, tag.split("-")[0])):
        candidate = chapter.parent / folder / chapter.name
        if candidate.is_file():
            return candidate
    return None


def load_translation(chapter: Path, tag: str, root: Path, report: Report) -> Translation | None:
    file = translation_file(chapter, tag)
    if file is None:
        return None
    try:
        source = load_source(file, root)
    except SourceError as exc:
        report.add(exc.finding)
        return None
    out = Translation(source.path, source)
    data = source.data if isinstance(source.data, dict) else None
    if data is None or set(data) - {"title", "blocks", "sections"}:
        report.error(
            "translation.invalid",
            "expected a mapping with title, blocks and sections (entries by id, each {from: …, text: …})",
            location=source.locate(()),
        )
        return out
    entries = [("title", data["title"], ("title",))] if "title" in data else []
    for group in ("blocks", "sections"):
        if not isinstance(data.get(group, {}), dict):
            report.error(
                "translation.invalid", f"expected {group}: a mapping of ids", location=source.locate((group,))
            )
            continue
        entries += [(str(k), v, (group, k)) for k, v in (data.get(group) or {}).items()]
    for key, entry, where in entries:
        if not isinstance(entry, dict) or not set(entry) <= {"from", "text"} or "from" not in entry:
            report.error(
                "translation.invalid",
                "expected {from: the source text translated, text: the translation}",
                location=source.locate(where),
                field=field_name(where),
            )
            continue
        out.entries[key] = (entry.get("from"), entry.get("text"), where)
    return out


def skeleton(value: Any) -> Any:
    """The translatable texts of a raw value, in its shape (a string, or a mapping/list of them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and not is_language_map(value):
        out = {k: skeleton(v) for k, v in value.items() if k not in NOT_TEXT}
        return {k: v for k, v in out.items() if v not in (None, {}, [])} or None
    if isinstance(value, list):
        items = [skeleton(v) for v in value]
        return items if any(v is not None for v in items) else None
    return None


def overlay(value: Any, text: Any) -> Any:
    """`value` with the texts of `text` (a skeleton) put in; what `text` lacks stays as it was."""
    if isinstance(value, str):
        return text if isinstance(text, str) and text.strip() else value
    if isinstance(value, dict) and isinstance(text, dict):
        return {k: overlay(v, text[k]) if k in text and k not in NOT_TEXT else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(text, list):
        return [overlay(v, text[i]) if i < len(text) else v for i, v in enumerate(value)]
    return value


@dataclass
class Localizer:
    """Raw chapter or edition data → the data of one language, with findings for what is missing."""

    tag: str
    text_tag: str  # the language of plain texts
    report: Report
    source: Source
    fallback: bool  # print the source text where a translation is missing (else it is an error)
    translation: Translation | None = None

    def chapter(self, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        if "title" in out:
            out["title"] = self._entry("title", out["title"], ("title",))
        for group, items in (("blocks", out.get("blocks")), ("sections", out.get("sections"))):
            if isinstance(items, list):
                out[group] = [self._item(group, i, item) for i, item in enumerate(items)]
        return out

    def _item(self, group: str, index: int, item: Any) -> Any:
        here: PathKey = (group, index)
        if not isinstance(item, dict):
            return item
        if group == "sections":
            section = dict(item)
            if "title" in section:
                section["title"] = self._entry(section.get("id"), section["title"], here + ("title",))
            if isinstance(section.get("blocks"), list):
                section["blocks"] = [
                    self._block(here + ("blocks", i), block) for i, block in enumerate(section["blocks"])
                ]
            return section
        return self._block(here, item)

    def _block(self, here: PathKey, block: Any) -> Any:
        if not isinstance(block, dict):
            return block
        return {
            kind: value if kind == "id" else self._entry(block.get("id"), value, here + (kind,))
            for kind, value in block.items()
        }

    def _entry(self, key: Any, value: Any, here: PathKey) -> Any:
        """A block's (or title's) value in this language: the translation file's entry over the source."""
        if self.translation is not None and isinstance(key, str) and key in self.translation.entries:
            self.translation.used.add(key)
            made_from, text, where = self.translation.entries[key]
            now = skeleton(value)
            if made_from != now:
                self._stale(key, made_from, now, where)
            value = overlay(value, text) if text is not None else value
            return self.value(
                value, here, translated=skeleton(text) if text is not None else None, at=where + ("text",)
            )
        return self.value(value, here)

    def value(self, value: Any, here: PathKey, translated: Any = None, at: PathKey = ()) -> Any:
        """Every text under `value` in this language (`translated`: the translation file's texts there,
        at the path `at` of that file)."""
        if is_language_map(value):
            found = text_for(value, self.tag)
            if found is None:
                source_text = text_for(value, self.text_tag)
                return self._missing(next(iter(value.values())) if source_text is None else source_text, here)
            return found
        if isinstance(value, dict):
            return {
                k: v if k in NOT_TEXT else self.value(v, here + (k,), _at(translated, k), at + (k,))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v, here + (i,), _at(translated, i), at + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str) and not same_language(self.tag, self.text_tag):
            if not (isinstance(translated, str) and translated.strip()):
                return self._missing(value, here)
            where = self.translation.locate(at) if self.translation else None
            return f"{FROM_MARK}{where.path}:{where.line}{END_MARK}{value}" if where and where.line else value
        return value

    def _missing(self, text: Any, here: PathKey) -> Any:
        if not isinstance(text, str):
            return text
        message = f"no {self.tag} text for {text[:30]!r}" + ("…" if len(text) > 30 else "")
        where = {"location": self.source.locate(here), "field": field_name(here)}
        hint = f"give it per language ({{{self.text_tag}: …, {self.tag}: …}}) or in the translation file"
        if self.fallback:
            self.report.warning(
                "translation.missing", message + "; the source text is printed", **where, hint=hint
            )
        else:
            self.report.error(
                "translation.missing",
                message,
                **where,
                hint=hint + "; or `missing_translations: source` in the edition prints the source text",
            )
        return f"{MARK}{self.text_tag}{END_MARK}{text}"

    def _stale(self, key: str, old: Any, new: Any, where: PathKey) -> None:
        assert self.translation is not None
        self.report.warning(
            "translation.stale",
            f"the source of {key!r} changed after it was translated: was {_show(old)}, now {_show(new)}",
            location=self.translation.locate(where + ("from",)),
            field=field_name(where),
            hint="update the translation, then copy the new source text into `from:`",
        )

    def unused(self) -> None:
        """Entries of the translation file that name no block any more."""
        if self.translation is None:
            return
        for key, (_, _, where) in self.translation.entries.items():
            if key not in self.translation.used:
                self.report.warning(
                    "translation.orphan",
                    f"{key!r} names no block or section of the source chapter",
                    location=self.translation.locate(where),
                    field=field_name(where),
                    hint="the source block was removed, or its id changed",
                )


def _at(translated: Any, key: Any) -> Any:
    if isinstance(translated, dict) and isinstance(key, str):
        return translated.get(key)
    if isinstance(translated, list) and isinstance(key, int) and key < len(translated):
        return translated[key]
    return None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return repr(value) if value is not None else "nothing"


def block_id(kind: str, value: Any, taken: set[str]) -> str:
    """A new block id from the block's text as it is now: stable afterwards, since it is written into the file."""
    digest = hashlib.sha1(repr(skeleton(value)).encode()).hexdigest()
    prefix = ID_PREFIX.get(kind, kind[:1])
    for length in range(6, 41):
        made = f"{prefix}-{digest[:length]}"
        if made not in taken:
            taken.add(made)
            return made
    raise AssertionError("sha1 prefixes ran out")


# ---------------------------------------------------------------- the merged model


def merge(first: Any, others: list[tuple[str, Any]], tag: str) -> Any:
    """`first` (the model in language `tag`) with each text that differs in `others` ((tag, model), …)
    made a Texts; texts behind MARK become Texts marked untranslated. Same shape everywhere."""
    if isinstance(first, str):
        texts = [(tag, first), *((t, o) if isinstance(o, str) else (t, first) for t, o in others)]
        if not any(END_MARK in text for _, text in texts) and all(text == first for _, text in texts):
            return first
        parts: list[tuple[str, str, bool]] = []
        sources: list[str | None] = []
        seen: set[str] = set()
        for t, text in texts:
            marked = UNMARK.match(text)
            source_tag = marked.group(1) if marked else t
            text = text[marked.end() :] if marked else text
            came_from = UNFROM.match(text)
            text = text[came_from.end() :] if came_from else text
            if text in seen:
                if marked:  # the source text is printed already: only a mark of the missing translation
                    parts.append((t, "", True))
                    sources.append(None)
                continue
            seen.add(text)
            parts.append((source_tag, text, bool(marked)))
            sources.append(came_from.group(1) if came_from else None)
        if len(parts) == 1 and not parts[0][2] and parts[0][1] == first and END_MARK not in first:
            return first
        return Texts(tuple(parts), tuple(sources))
    if isinstance(first, (list, tuple)):
        merged = [
            merge(
                item,
                [(t, o[i] if isinstance(o, (list, tuple)) and i < len(o) else item) for t, o in others],
                tag,
            )
            for i, item in enumerate(first)
        ]
        return type(first)(merged)
    if isinstance(first, dict):
        return {
            k: merge(v, [(t, o.get(k, v) if isinstance(o, dict) else v) for t, o in others], tag)
            for k, v in first.items()
        }
    if isinstance(first, BaseModel):
        update = {}
        for name in type(first).model_fields:
            if name in SETTINGS or name in NOT_TEXT:
                continue
            value = getattr(first, name)
            merged = merge(value, [(t, getattr(o, name, value)) for t, o in others], tag)
            if merged is not value:
                update[name] = merged
        return first.model_copy(update=update) if update else first
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        update = {}
        for f in dataclasses.fields(first):
            if f.name in (
                "path",
                "anchor",
                "kind",
                "numeral",
                "number",
                "line",
                "row_lines",
                "id",
                "edition_path",
                "edition_files",
                "labels",
            ):
                continue
            value = getattr(first, f.name)
            merged = merge(value, [(t, getattr(o, f.name, value)) for t, o in others], tag)
            if merged is not value:
                update[f.name] = merged
        return dataclasses.replace(first, **update) if update else first
    return first


def known_tag(value: Any) -> bool:
    return isinstance(value, str) and value in TAGS
