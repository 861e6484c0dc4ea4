"""Editorial checks: the faults proofreaders find, found before they are printed.

Runs on the loaded sources (every text value with its file, line and column) after the model is
built. Every finding is a warning with a stable code, the place (file:line:column), the offending
text in the message and a suggestion in the hint:

  text.simplified-char   a simplified character in zh-Hant text (OpenCC's dictionary)
  text.simplified-word   a simplified word form: a simplified character with a neighbour that is
                         traditional too but not in this word (干部 → 幹部, 后发 → 後發)
  glossary.variant       a wrong variant of a term in chapters/glossary.yaml
  punct.half-width       , ; : ? ! ( ) between CJK characters
  punct.unbalanced       「」『』《》（）“” that do not pair up within one text
  punct.doubled          doubled punctuation (，， 。。 ，。)
  text.repeated          a paragraph that repeats one elsewhere in the book, verbatim or nearly
  heading.repeated       the same heading twice in one chapter
  figure.no-caption, figure.no-alt, section.empty, date.invalid

The checks of Chinese text (simplified characters, full-width punctuation, 年月日 dates) run on Chinese
texts only: a Latin-script booklet's, and the Portuguese or English texts of a bilingual one (given per
language, `caption: {zh-Hant: …, pt: …}`, or in a translation file), get the others. The glossary of a
further language is `chapters/<language>/glossary.yaml` (e.g. chapters/pt/glossary.yaml).

Text quoted from a Simplified-Chinese source (`simplified_source: true`) is exempt from the
simplified-character checks. Columns point at the offending character when the value is a
single-line scalar written verbatim in the file; otherwise at the start of the value.
"""

from __future__ import annotations

import datetime
import difflib
import re
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from booklet.content.chars import CJK_CLASS
from booklet.content.languages import LANGUAGES, is_language_map
from booklet.content.localize import same_language, translation_file
from booklet.content.model import Book
from booklet.content.sources import PathKey, Source, SourceError, field_name, load_source
from booklet.core.findings import Location, Report

GLOSSARY = "chapters/glossary.yaml"
NOT_TEXT = {"image", "scan", "video_url", "size"}  # paths, addresses and layout words, not prose
PARAGRAPH_KEYS = {"paragraph", "lead", "text", "words", "caption"}  # prose that may repeat by mistake
REPEAT_MIN_CHARS = 20
REPEAT_RATIO = 0.95  # captions of one series differ in a date and a name only: ~0.9

CJK = CJK_CLASS + "\u2018-\u201d"  # curly quotes count as Chinese text around a half-width mark
HALF_WIDTH = re.compile(rf"(?<=[{CJK}])\s?([,;:?!()])\s?(?=[{CJK}])")
FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
PAIRS = {"「": "」", "『": "』", "《": "》", "（": "）", "“": "”"}
DOUBLED = re.compile(r"([，。、；：])(?:\1|[，。、；：])+")
DATE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?(?:\s*[至到\-–—]\s*(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日)?"
)


# ---------------------------------------------------------------- text values with their places


@dataclass(frozen=True)
class TextValue:
    """One string in a chapter file and where it stands."""

    text: str
    path: str  # chapters/04-impact.yaml
    key: PathKey  # ('sections', 0, 'blocks', 3, 'figure', 'caption')
    line: int
    column: int
    verbatim: bool  # the text stands on its line as written: column + offset is exact
    simplified: bool  # inside a block marked simplified_source
    language: str = "zh-Hant"  # the text's language: the map key it stands under, else the file's

    @property
    def name(self) -> str:  # the key under which the text stands: paragraph, caption, text…
        return next((part for part in reversed(self.key) if isinstance(part, str)), "")

    def locate(self, offset: int = 0) -> Location:
        if self.verbatim:
            return Location(self.path, self.line, self.column + offset)
        return Location(self.path, self.line, self.column)

    @property
    def field(self) -> str:
        return field_name(self.key)


def text_values(
    source: Source, lines: list[str], language: str = "zh-Hant", skip: frozenset[str] = frozenset()
) -> list[TextValue]:
    """Every text of a source with its place and language (`language`: that of its plain texts)."""
    out: list[TextValue] = []

    def walk(value: Any, key: PathKey, simplified: bool, tag: str) -> None:
        if is_language_map(value):
            for name, item in value.items():
                walk(item, key + (name,), simplified, name)
        elif isinstance(value, dict):
            simplified = simplified or value.get("simplified_source") is True
            for name, item in value.items():
                if name not in NOT_TEXT and name not in skip and name != "id":
                    walk(item, key + (name,), simplified, tag)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, key + (index,), simplified, tag)
        elif isinstance(value, str) and value.strip():
            line, column = source.marks.get(key, (1, 1))
            start, verbatim = _verbatim_start(value, lines, line, column)
            out.append(TextValue(value, source.path, key, line, start, verbatim, simplified, tag))

    walk(source.data, (), False, language)
    return out


def _verbatim_start(text: str, lines: list[str], line: int, column: int) -> tuple[int, bool]:
    """The column of the text's first character when it stands verbatim on its line (plain or quoted)."""
    if "\n" in text or not 0 < line <= len(lines):
        return column, False
    here = lines[line - 1]
    for skip in (0, 1):  # plain scalar, or the first character after an opening quote
        start = column - 1 + skip
        if here[start : start + len(text)] == text and (skip == 0 or here[column - 1] in "'\""):
            return start + 1, True
    return column, False


# ---------------------------------------------------------------- simplified characters (OpenCC)


@lru_cache(maxsize=1)
def _converters():
    import opencc

    return {name: opencc.OpenCC(name) for name in ("s2t", "s2hk", "s2tw")}


@lru_cache(maxsize=1)
def _st_candidates() -> dict[str, str]:
    """OpenCC's simplified → traditional character table: 干 → 幹乾干榦 (a character that is also
    traditional lists itself). Read from the dictionary the opencc package ships."""
    import opencc

    share = Path(opencc.__file__).parent / "clib"
    tool, dictionary = share / "bin" / "opencc_dict", share / "share" / "opencc" / "STCharacters.ocd2"
    table: dict[str, str] = {}
    try:
        with tempfile.TemporaryDirectory() as temp:
            out = Path(temp) / "st.txt"
            subprocess.run(
                [str(tool), "-i", str(dictionary), "-o", str(out), "-f", "ocd2", "-t", "text"],
                check=True,
                capture_output=True,
                timeout=30,
            )
            for row in out.read_text(encoding="utf-8").splitlines():
                simplified, _, candidates = row.partition("\t")
                table[simplified] = candidates.replace(" ", "")
    except (OSError, subprocess.SubprocessError):
        return {}
    return table


def simplified_spans(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, code, traditional form) for every run of simplified characters or word forms."""
    conv = _converters()
    table = _st_candidates()
    targets = {name: c.convert(text) for name, c in conv.items()}
    if any(len(t) != len(text) for t in targets.values()):
        return
    flags: list[str | None] = []
    for i, char in enumerate(text):
        changed = all(t[i] != char for t in targets.values())
        if not changed:
            flags.append(None)
        elif table and char in table and char not in table[char]:
            # never a traditional character (东, 贻) — unless a regional standard keeps it (温 in Hong Kong)
            flags.append("text.simplified-char")
        elif not table and all(c.convert(char) != char for c in conv.values()):
            flags.append("text.simplified-char")  # no table: the character alone changes everywhere
        elif table and char in table:
            flags.append(
                "ambiguous"
            )  # also a traditional character (后, 里, 干, 了, 周): kept only in a simplified word
        else:
            flags.append(None)
    for i, flag in enumerate(flags):  # an ambiguous character counts only inside a word with a simplified one
        if flag == "ambiguous":
            near = flags[max(0, i - 1) : i + 2]
            flags[i] = "text.simplified-word" if "text.simplified-char" in near else None
    i = 0
    while i < len(text):
        if flags[i] is None:
            i += 1
            continue
        j = i
        while j < len(text) and flags[j] is not None:
            j += 1
        code = "text.simplified-word" if "text.simplified-word" in flags[i:j] else "text.simplified-char"
        yield i, j, code, targets["s2t"][i:j]
        i = j


def check_simplified(value: TextValue, report: Report) -> None:
    for start, end, code, traditional in simplified_spans(value.text):
        context = _context(value.text, start, end)
        fixed = context.replace(value.text[start:end], traditional)
        what = "simplified character" if code == "text.simplified-char" else "simplified word form"
        report.warning(
            code,
            f"{what} 「{value.text[start:end]}」 in zh-Hant text: 「{context}」",
            location=value.locate(start),
            field=value.field,
            hint=f"write 「{fixed}」, or mark the block simplified_source: true if it quotes a "
            "Simplified-Chinese source",
        )


def _context(text: str, start: int, end: int, around: int = 2) -> str:
    return text[max(0, start - around) : end + around]


# ---------------------------------------------------------------- glossary


class GlossaryTerm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    preferred: str = Field(min_length=1)
    simplified: str | None = None  # the preferred form in Simplified-Chinese quotations
    wrong: list[str] = Field(min_length=1)
    note: str | None = None


class Glossary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    terms: list[GlossaryTerm] = []


def load_glossary(root: Path, report: Report, language: str | None = None) -> Glossary:
    """chapters/glossary.yaml, or with `language` chapters/<language base>/glossary.yaml."""
    file = (
        root / GLOSSARY if language is None else root / "chapters" / language.split("-")[0] / "glossary.yaml"
    )
    if not file.is_file():
        return Glossary()
    try:
        source = load_source(file, root)
    except SourceError as exc:
        report.add(exc.finding)
        return Glossary()
    try:
        return Glossary.model_validate(source.data or {})
    except ValidationError as exc:
        for error in exc.errors():
            key = tuple(error["loc"])
            report.error("glossary.invalid", error["msg"], location=source.locate(key), field=field_name(key))
        return Glossary()


def check_glossary(value: TextValue, glossary: Glossary, report: Report) -> None:
    for term in glossary.terms:
        for wrong in term.wrong:
            start = value.text.find(wrong)
            while start >= 0:
                right = term.simplified if value.simplified and term.simplified else term.preferred
                note = f" ({term.note})" if term.note else ""
                report.warning(
                    "glossary.variant",
                    f"「{wrong}」 is a wrong form of 「{term.preferred}」{note}",
                    location=value.locate(start),
                    field=value.field,
                    hint=f"write 「{right}」 (chapters/glossary.yaml)",
                )
                start = value.text.find(wrong, start + len(wrong))


# ---------------------------------------------------------------- punctuation


def check_punctuation(value: TextValue, report: Report) -> None:
    text = value.text
    for match in HALF_WIDTH.finditer(text):
        mark = match[1]
        report.warning(
            "punct.half-width",
            f"half-width 「{mark}」 between Chinese characters: 「{_context(text, match.start(1), match.end(1))}」",
            location=value.locate(match.start(1)),
            field=value.field,
            hint=f"write the full-width 「{FULL_WIDTH[mark]}」",
        )
    for match in DOUBLED.finditer(text):
        report.warning(
            "punct.doubled",
            f"doubled punctuation 「{match[0]}」: 「{_context(text, match.start(), match.end())}」",
            location=value.locate(match.start()),
            field=value.field,
            hint=f"keep one mark: 「{match[0][-1] if match[0][-1] == '。' else match[0][0]}」",
        )
    closers = {close: open_ for open_, close in PAIRS.items()}
    stack: list[tuple[str, int]] = []
    for i, char in enumerate(text):
        if char in PAIRS:
            stack.append((char, i))
        elif char in closers:
            if stack and stack[-1][0] == closers[char]:
                stack.pop()
            else:
                _unbalanced(
                    value,
                    i,
                    char,
                    f"「{char}」 closes nothing that is open",
                    f"add 「{closers[char]}」 before it or remove it",
                    report,
                )
                if stack and closers[char] in (o for o, _ in stack):
                    while stack and stack[-1][0] != closers[char]:
                        stack.pop()
                    stack.pop()
    for char, i in stack:
        _unbalanced(
            value, i, char, f"「{char}」 is never closed", f"add the closing 「{PAIRS[char]}」", report
        )


def _unbalanced(value: TextValue, i: int, char: str, message: str, hint: str, report: Report) -> None:
    report.warning(
        "punct.unbalanced",
        f"{message}: 「{_context(value.text, i, i + 1, 6)}」",
        location=value.locate(i),
        field=value.field,
        hint=hint,
    )


# ---------------------------------------------------------------- dates


def check_dates(value: TextValue, report: Report) -> None:
    for match in DATE.finditer(value.text):
        year, month = int(match[1]), int(match[2])
        day = int(match[3]) if match[3] else None
        end_month = int(match[4]) if match[4] else month
        end_day = int(match[5]) if match[5] else None
        problem = _bad_date(year, month, day) or (end_day and _bad_date(year, end_month, end_day))
        if problem:
            report.warning(
                "date.invalid",
                f"「{match[0]}」 is not a real date: {problem}",
                location=value.locate(match.start()),
                field=value.field,
                hint="check the date against the source",
            )


def _bad_date(year: int, month: int, day: int | None) -> str | None:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day is None:
        return None
    try:
        datetime.date(year, month, day)
    except ValueError:
        return f"{year}年{month}月 has no day {day}"
    return None


# ---------------------------------------------------------------- repeated paragraphs


def _normal(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


def check_repeats(values: list[TextValue], report: Report) -> None:
    """Paragraphs that repeat an earlier one anywhere in the book: shingles find candidates,
    difflib confirms them."""
    items = [(v, _normal(v.text)) for v in values if v.name in PARAGRAPH_KEYS]
    items = [(v, n) for v, n in items if len(n) >= REPEAT_MIN_CHARS]
    shingles = [{n[i : i + 4] for i in range(len(n) - 3)} for _, n in items]
    index: dict[str, list[int]] = defaultdict(list)
    for number, grams in enumerate(shingles):
        for gram in grams:
            index[gram].append(number)
    for number, (value, normal) in enumerate(items):
        shared: dict[int, int] = defaultdict(int)
        for gram in shingles[number]:
            for other in index[gram]:
                if other < number:
                    shared[other] += 1
        for other in sorted(shared):
            if shared[other] < 0.5 * min(len(shingles[number]), len(shingles[other])):
                continue
            first, first_normal = items[other]
            ratio = (
                1.0
                if normal == first_normal
                else difflib.SequenceMatcher(None, normal, first_normal, autojunk=False).ratio()
            )
            if ratio >= REPEAT_RATIO:
                how = "verbatim" if ratio == 1.0 else f"{ratio:.0%} the same"
                report.warning(
                    "text.repeated",
                    f"this text repeats {first.path}:{first.line} ({how}): 「{value.text[:24]}…」",
                    location=value.locate(),
                    field=value.field,
                    hint="delete the repeated paragraph, or check the source for the text that belongs here",
                )
                break


def check_headings(values: list[TextValue], report: Report) -> None:
    seen: dict[tuple[str, str], TextValue] = {}
    for value in values:
        if value.name != "heading":
            continue
        first = seen.setdefault((value.path, value.text.strip()), value)
        if first is not value:
            report.warning(
                "heading.repeated",
                f"heading 「{value.text}」 already stands at line {first.line}",
                location=value.locate(),
                field=value.field,
                hint="merge the two parts, or rename one heading",
            )


# ---------------------------------------------------------------- structure


def check_structure(source: Source, report: Report) -> None:
    data = source.data if isinstance(source.data, dict) else {}
    for s, section in enumerate(data.get("sections") or []):
        if isinstance(section, dict) and not section.get("blocks"):
            key = ("sections", s)
            report.warning(
                "section.empty",
                f"section 「{section.get('title', '')}」 has no blocks",
                location=source.locate(key),
                field=field_name(key),
                hint="add its content or remove the section",
            )
    for key, block in _blocks(data):
        kind, value = next(iter(block.items()))
        if kind == "figure" and isinstance(value, dict):
            _figure_text(source, key + (kind,), value, report, caption=True)
        elif kind == "gallery" and isinstance(value, dict):
            for i, image in enumerate(value.get("images") or []):
                if isinstance(image, dict):
                    _figure_text(
                        source, key + (kind, "images", i), image, report, caption=not value.get("caption")
                    )


def _figure_text(source: Source, key: PathKey, value: dict, report: Report, *, caption: bool) -> None:
    image = value.get("image", "")
    if caption and not value.get("caption"):
        report.warning(
            "figure.no-caption",
            f"figure {image} has no caption",
            location=source.locate(key),
            field=field_name(key + ("caption",)),
            hint="add a caption: readers need to know what they see",
        )
    if not value.get("alt"):
        report.warning(
            "figure.no-alt",
            f"figure {image} has no alt text",
            location=source.locate(key),
            field=field_name(key + ("alt",)),
            hint="add alt: a short description of the picture",
        )


def _blocks(data: dict) -> Iterator[tuple[PathKey, dict]]:
    """Each block (its type and value; its `id:` left out) with its path."""

    def typed(block: Any) -> dict | None:
        if not isinstance(block, dict):
            return None
        rest = {k: v for k, v in block.items() if k != "id"}
        return rest if len(rest) == 1 else None

    for i, block in enumerate(data.get("blocks") or []):
        if typed(block):
            yield ("blocks", i), typed(block)
    for s, section in enumerate(data.get("sections") or []):
        if isinstance(section, dict):
            for i, block in enumerate(section.get("blocks") or []):
                if typed(block):
                    yield ("sections", s, "blocks", i), typed(block)


# ---------------------------------------------------------------- all together


def run_checks(book: Book, root: Path, report: Report) -> list[TextValue]:
    """Every editorial check on every chapter of the book (and its translations); findings go to the report."""
    edition = book.edition
    text_language = edition.text_language
    glossaries = {text_language.split("-")[0]: load_glossary(root, report)}
    everything: list[TextValue] = []
    traditional = edition.language == "zh-Hant"
    for chapter in book.chapters:
        try:
            source = load_source(root / chapter.path, root)
        except SourceError:
            continue  # already reported by the loader
        values = text_values(source, _lines(root / chapter.path), text_language)
        for tag in edition.printed_languages:
            translated = translation_file(root / chapter.path, tag)
            if translated is None or same_language(tag, text_language):
                continue
            try:
                values += text_values(
                    load_source(translated, root), _lines(translated), tag, skip=frozenset({"from"})
                )
            except SourceError:
                continue  # reported by the loader
        everything.extend(values)
        check_structure(source, report)
        check_headings(values, report)
        for value in values:
            chinese = not LANGUAGES[value.language].latin
            if chinese and traditional and value.language == "zh-Hant" and not value.simplified:
                check_simplified(value, report)
            base = value.language.split("-")[0]
            if base not in glossaries:
                glossaries[base] = load_glossary(root, report, value.language)
            check_glossary(value, glossaries[base], report)
            if chinese:
                check_punctuation(value, report)
                check_dates(value, report)
    check_repeats(everything, report)
    return everything


def _lines(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8").removeprefix("\ufeff").splitlines()
