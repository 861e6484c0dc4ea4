"""The content model: typed, frozen, layout-free.

Block classes validate what a chapter file may say (field names are the YAML keys).
Numbering, anchors and source lines are added when the model is built (content/validate.py),
so templates compute nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from booklet.content.languages import LANGUAGES, LanguageTag, words

NonEmpty = Field(min_length=1)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# ---------------------------------------------------------------- blocks


class Text(Strict):
    """paragraph, lead, heading: the YAML value is the text itself."""

    text: str = NonEmpty


def _paragraphs(value: object) -> object:
    return [value] if isinstance(value, str) else value


class ImageRef(Strict):
    image: str = NonEmpty
    caption: str | None = None
    alt: str | None = None

    @field_validator("image")
    @classmethod
    def _under_assets(cls, value: str) -> str:
        if not value.startswith("assets/") or "\\" in value or ".." in value.split("/"):
            raise ValueError("expected a path under assets/ without '..', like assets/photos/01-name.jpg")
        return value


class Figure(ImageRef):
    size: Literal["full", "half", "third", "full-bleed"] = "full"
    credit: str | None = None


class Gallery(Strict):
    images: list[ImageRef] = Field(min_length=1)
    caption: str | None = None
    columns: Literal[2, 3] = 2


class Cell(Strict):
    text: str
    colspan: int = Field(default=1, ge=1, le=20)
    rowspan: int = Field(default=1, ge=1, le=200)


MAX_TABLE_ROWS = 1000  # the catalogue's largest table has 10; 20 000 pasted rows is a mistake


class Table(Strict):
    title: str | None = None
    columns: list[str] = Field(min_length=1, max_length=30)
    rows: list[list[str | Cell]] = Field(min_length=1, max_length=MAX_TABLE_ROWS)
    partial: bool = False
    note: str | None = None
    key: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]*$"
    )  # a name charts refer to; not printed
    tags: list[str] | None = None  # one tag per row (e.g. the sector), counted by charts; not printed

    @model_validator(mode="after")
    def _one_tag_per_row(self) -> Table:
        if self.tags is not None and len(self.tags) != len(self.rows):
            raise ValueError(
                f"tags has {len(self.tags)} entries for {len(self.rows)} rows; give one tag per row"
            )
        return self

    @property
    def cells(self) -> list[list[Cell]]:
        return [[c if isinstance(c, Cell) else Cell(text=c) for c in row] for row in self.rows]


class Quote(Strict):
    text: list[str] = Field(min_length=1)
    speaker: str | None = None
    context: str | None = None

    _text = field_validator("text", mode="before")(lambda cls, v: _paragraphs(v))


class Inscription(Strict):
    lines: list[str] = Field(min_length=1)
    signer: str = NonEmpty
    office: str | None = None


class NewsClip(Strict):
    title: str = NonEmpty
    date: str | None = None
    source: str | None = None
    video_url: str | None = None

    @field_validator("video_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("expected a web address starting with https://")
        return value


class Clipping(Strict):
    date: str = NonEmpty
    outlet: str = NonEmpty
    headline: str | None = None
    subheadline: str | None = None
    text: list[str] = []
    scan: str | None = None
    caption: str | None = None
    simplified_source: bool = False

    _text = field_validator("text", mode="before")(lambda cls, v: _paragraphs(v))
    _scan = field_validator("scan")(lambda cls, v: v if v is None else ImageRef._under_assets(v))

    @property
    def scan_only(self) -> bool:
        """Just the printed page and its date line: set two to a row."""
        return not (self.text or self.headline or self.subheadline or self.caption)


class LeaderQuote(Strict):
    name: str = NonEmpty
    office: list[str] = []
    date: str | None = None
    occasion: str | None = None
    words: list[str] = Field(min_length=1)

    _office = field_validator("office", mode="before")(lambda cls, v: _paragraphs(v))
    _words = field_validator("words", mode="before")(lambda cls, v: _paragraphs(v))


class ScannedDocument(ImageRef):
    sender: str | None = None
    title: str | None = None
    recipient: str | None = None
    text: list[str] = []
    simplified_source: bool = False

    _text = field_validator("text", mode="before")(lambda cls, v: _paragraphs(v))


class Letter(ScannedDocument):
    pass


class Leaflet(ScannedDocument):
    pass


class KeyFigure(Strict):
    number: str | int | float
    unit: str | None = None
    label: str = NonEmpty
    prefix: str | None = None  # 超過, 突破: the manuscript's qualifier, printed before the number


class KeyFigures(Strict):
    items: list[KeyFigure] = Field(min_length=1)
    note: str | None = None  # where the figures come from, printed under them

    @property
    def columns(self) -> int:
        """Grid columns: one, two or four figures sit in one row; others in rows of three."""
        return {1: 1, 2: 2, 4: 4}.get(len(self.items), 3)


class Place(Strict):
    name: str = NonEmpty
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Area(Strict):
    """An administrative area drawn from the boundary data, by its code (520000 貴州省, 522633 從江縣)."""

    name: str = NonEmpty
    code: int = Field(ge=100000, le=999999)
    highlight: bool = True  # filled; otherwise only labelled


class Map(Strict):
    caption: str | None = None
    places: list[Place] = Field(min_length=1)
    areas: list[Area] = []


class ChartSeries(Strict):
    name: str = NonEmpty
    values: list[int | float] = Field(min_length=1)


class TableCount(Strict):
    """A bar counted from a table's rows (by their tags), not typed again."""

    table: str = NonEmpty  # the table's key
    label: str = NonEmpty


class TimelineEvent(Strict):
    date: str = NonEmpty  # as the manuscript writes it: 2018年5月22日, 2018年9月18日至22日, 2018年5月
    label: str = NonEmpty
    group: str | None = None

    @field_validator("date")
    @classmethod
    def _readable(cls, value: str) -> str:
        parse_date(value)
        return value

    @property
    def when(self) -> tuple[int, int, int]:
        return parse_date(self.date)


class Chart(Strict):
    """A chart drawn by the build as vector art. Data sit in the chapter file or are counted from tables."""

    type: Literal["bar", "stacked_bar", "timeline"]
    title: str | None = None
    caption: str | None = None
    unit: str | None = None  # printed after the numbers, e.g. 項
    categories: list[str] = []  # bar / stacked_bar with typed data: one per bar
    series: list[ChartSeries] = []  # ... and one value per category in each series
    count_tables: list[TableCount] = []  # bar / stacked_bar counted from tables
    events: list[TimelineEvent] = []  # timeline

    @model_validator(mode="after")
    def _data_fits_type(self) -> Chart:
        if self.type == "timeline":
            if not self.events:
                raise ValueError("a timeline needs events")
            if self.categories or self.series or self.count_tables:
                raise ValueError("a timeline takes events only")
            return self
        if self.events:
            raise ValueError(f"a {self.type} chart takes categories and series, or count_tables, not events")
        if bool(self.count_tables) == bool(self.series):
            raise ValueError(f"a {self.type} chart needs either series (with categories) or count_tables")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.name!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories"
                )
        return self


_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\b")


def parse_date(text: str) -> tuple[int, int, int]:
    """2018年5月22日 → (2018, 5, 22); 2018年9月18日至22日 → its first day; 2018年5月 → (2018, 5, 1);
    in any language also 2018-05-22 and 2018-05."""
    text = re.sub(
        "^([\ue000\ue002][^\ue001]*\ue001)+", "", text.strip()
    )  # an untranslated text's mark (content/localize.py)
    found = _DATE.match(text) or _ISO_DATE.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 1 <= int(found.group(3) or 1) <= 31:
        raise ValueError(f"expected a date like 2018年5月22日 or 2018-05-22, got {text!r}")
    return int(found.group(1)), int(found.group(2)), int(found.group(3) or 1)


TEXT_BLOCKS = ("paragraph", "lead", "heading")
BLOCK_TYPES: dict[str, type[Strict]] = {
    "paragraph": Text,
    "lead": Text,
    "heading": Text,
    "figure": Figure,
    "gallery": Gallery,
    "table": Table,
    "quote": Quote,
    "testimony": Quote,
    "inscription": Inscription,
    "news_clip": NewsClip,
    "clipping": Clipping,
    "leader_quote": LeaderQuote,
    "letter": Letter,
    "leaflet": Leaflet,
    "key_figures": KeyFigures,
    "map": Map,
    "chart": Chart,
}


# ---------------------------------------------------------------- files


class ChapterHead(Strict):
    """The top level of a chapter file; blocks and sections are checked one by one."""

    number: int = Field(ge=1, le=99)
    title: str = NonEmpty
    blocks: list[object] = []
    sections: list[object] = []


class SectionHead(Strict):
    id: str | None = None  # which translations name it (content/localize.py)
    title: str = NonEmpty
    blocks: list[object] = []


class Organiser(Strict):
    role: str = NonEmpty
    names: list[str] = Field(min_length=1)


CSS_LENGTH = r"^\d+(\.\d+)?(mm|cm|in|pt|pc|px)$"  # printed into the page CSS, so nothing else


class Trim(Strict):
    width: str = Field(default="210mm", pattern=CSS_LENGTH)
    height: str = Field(default="297mm", pattern=CSS_LENGTH)


class Fonts(Strict):
    body: str = "Noto Serif CJK TC"
    heading: str = "Noto Sans CJK TC"


class Edition(Strict):
    """The edition file (booklet.yaml): metadata and the ordered chapter list."""

    title: str = NonEmpty
    subtitle: str | None = None
    year: int = Field(ge=1900, le=2200)
    language: LanguageTag = "zh-Hant"
    edition: str | None = None
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    isbn: str | None = None
    subject: str | None = None
    keywords: list[str] = []
    publisher: str | None = None
    organisers: list[Organiser] = []
    trim: Trim = Trim()
    bleed: str = Field(default="3mm", pattern=CSS_LENGTH)
    fonts: Fonts = Fonts()
    chapters: list[str] = Field(min_length=1)
    # press output (issue 3): the default profile, the press's CMYK ICC profile (a path in the
    # project; default: ghostscript's default_cmyk.icc) and the signature the page count rounds to
    profile: str | None = None
    icc_profile: str | None = None
    page_multiple: Literal[4, 8, 16] = 4
    # the first edition's pagination (layout/folios.py): chapter file stem or section anchor → start page
    page_plan: dict[str, int] = {}

    @model_validator(mode="before")
    @classmethod
    def _language_defaults(cls, data: object) -> object:
        """`languages` names the edition's language first; a Latin-script edition's faces default to
        its language's (Noto Serif / Noto Sans), named explicitly."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        languages = data.get("languages")
        if isinstance(languages, list) and languages and "language" not in data:
            data["language"] = languages[0]
        tag = data.get("language", "zh-Hant")
        fonts = data.get("fonts", {})
        if tag in LANGUAGES and LANGUAGES[tag].latin and isinstance(fonts, dict):
            data["fonts"] = {"body": LANGUAGES[tag].body, "heading": LANGUAGES[tag].heading, **fonts}
        return data

    @model_validator(mode="after")
    def _languages_start_with_language(self) -> Edition:
        if self.languages and self.languages[0] != self.language:
            raise ValueError(f"languages must start with the edition's language ({self.language})")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages lists a language twice")
        return self

    @property
    def printed_languages(self) -> list[str]:
        """The languages the edition prints, in order (one, unless `languages` names more)."""
        return list(self.languages) or [self.language]

    @property
    def text_language(self) -> str:
        """The language of the chapter files' plain (not per-language) texts."""
        if self.source_language:
            return self.source_language
        return "zh-Hant" if self.conversion else self.language

    @field_validator("isbn")
    @classmethod
    def _isbn13(cls, value: str | None) -> str | None:
        from booklet.content.isbn import isbn13_problem

        problem = value and isbn13_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    # editions (booklet/editions.py merges files that `extends:` another; see the README)
    printing_history: list[str] = []  # colophon lines, one per edition; extending editions append
    conversion: Literal["hk2s", "t2s", "tw2s"] | None = None  # OpenCC config applied to the text
    conversion_overrides: dict[str, str] = {}  # converted text → corrected text, after conversion
    # a bilingual (or trilingual) edition: the languages it prints, in order; the first is `language`
    languages: list[LanguageTag] = []
    # the language the chapter files' plain texts are written in (default: the edition's language, or
    # zh-Hant for an edition converted to zh-Hans); texts given per language or translated are picked by tag
    source_language: LanguageTag | None = None
    # a text with no translation in a printed language: an error (translation.missing), or `source`:
    # a warning, the source text printed in its place and marked in the proof
    missing_translations: Literal["error", "source"] = "error"

    @property
    def title_lines(self) -> list[str]:
        """The title's phrases (separated by spaces), set one a line on the cover; a Latin-script title
        is one text, broken where it has to be."""
        return [self.title] if LANGUAGES[self.language].latin else self.title.split()


# ---------------------------------------------------------------- the built model


@dataclass(frozen=True)
class Placed:
    """A block with its type and the source line it came from."""

    kind: str
    block: Strict
    path: str
    line: int
    row_lines: tuple[int, ...] = ()  # tables: the source line of each row
    id: str | None = None  # the block's `id:`, which its translations name (content/localize.py)


@dataclass(frozen=True)
class Section:
    number: int
    numeral: str  # 一
    title: str
    anchor: str
    blocks: tuple[Placed, ...]
    path: str
    line: int


@dataclass(frozen=True)
class Chapter:
    number: int
    numeral: str
    title: str
    anchor: str
    blocks: tuple[Placed, ...]
    sections: tuple[Section, ...]
    path: str

    def all_blocks(self):
        yield from self.blocks
        for section in self.sections:
            yield from section.blocks


# Fixed words the templates print (content/languages.py holds the table of every language), converted
# with the content in a zh-Hans edition.
LABELS = words("zh-Hant")


@dataclass(frozen=True)
class Book:
    edition: Edition
    edition_path: str
    chapters: tuple[Chapter, ...] = field(default_factory=tuple)
    edition_files: tuple[str, ...] = ()  # the extends chain, root first (for the manifest)
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))

    @property
    def language(self) -> str:
        return self.edition.language

    def all_blocks(self):
        for chapter in self.chapters:
            yield from chapter.all_blocks()
