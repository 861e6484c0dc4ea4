"""Marks made on a proof → what they say, the text under them, and where that text is in the sources.

A proofreader marks the proof PDF in a viewer (Acrobat, Preview, Okular, Foxit, pdf.js) and sends
it back. Every markup annotation is read (Text, Highlight, Underline, StrikeOut, Squiggly, Caret,
FreeText, Ink, Square, Circle, …; popups skipped, replies `/IRT` with `/RT /R` kept under their
mark, `/RT /Group` members folded into their mark, rich text `/RC` read when `/Contents` is
empty). The text under a mark is read from the proof itself: the characters whose centres fall in
the annotation's QuadPoints (or Rect), in the order the page draws them. The proof map
(proof/sourcemap.py) says which block each character belongs to and holds the sources the proof
was made from; the block's printed text is aligned with the block's YAML values (markup, the
zh-Hans conversion and CJK spacing make the two differ), so each marked character has a source
offset, hence a line and column. When today's file differs from the proof's, the marked text is
found again in today's file by its context.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import html.parser
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from booklet.core.findings import Finding, Location
from booklet.proof.sourcemap import read_map

PT_PER_PX = 0.75
CONTEXT = 8  # characters either side that find a marked text again in a changed file
SKIPPED = {"/Popup", "/Link", "/Widget", "/PrinterMark", "/TrapNet", "/Watermark", "/3D", "/Screen"}
LABELS = {
    "/Text": "note",
    "/Highlight": "highlight",
    "/Underline": "underline",
    "/StrikeOut": "strike",
    "/Squiggly": "squiggly",
    "/Caret": "caret",
    "/FreeText": "text box",
    "/Ink": "ink",
    "/Square": "square",
    "/Circle": "circle",
    "/Polygon": "polygon",
    "/PolyLine": "polyline",
    "/Line": "line",
    "/Stamp": "stamp",
    "/FileAttachment": "attachment",
    "/Sound": "sound",
}
NOT_IN_YAML = re.compile(r"\.(png|jpe?g|tiff?|svg|pdf|webp|gif)$", re.IGNORECASE)
STRUCTURE_KEYS = {"blocks", "sections", "rows", "chapters"}  # their own blocks, with their own lines
NOT_PRINTED = {
    "key",
    "tags",
    "image",
    "size",
    "simplified_source",
}  # never on the page as text (alt is: a missing image's placeholder)


class NotAProof(Exception):
    """The PDF cannot be read back: not a PDF, not a proof of this tool, or of another edition."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Reply:
    author: str
    date: str
    comment: str


@dataclass
class Mark:
    """One mark (a group of annotations counts once), located in the sources."""

    id: str
    kind: str  # replace, delete, insert, comment, outside
    label: str  # what the viewer calls it: strike, caret, highlight, note, …
    page: int
    author: str
    date: str
    comment: str
    quote: str = ""  # the printed text under the mark
    replacement: str | None = None  # replace and insert: the new text
    location: Location | None = None  # the first marked character (or the caret) in today's file
    nearest: str = ""  # the block nearest a mark outside every block, as path:line
    field: str | None = None  # the YAML field, e.g. blocks[3].paragraph
    source_text: str = ""  # the source characters the mark covers (empty for an insertion)
    before: str = ""  # context in the source, for finding the text again
    after: str = ""
    stale: bool = False  # the marked text is no longer in the source
    in_plain: bool = False  # the marked text is inside one plain scalar, with nothing but text between
    key: tuple = ()  # the scalar's path in its file
    index: int | None = None  # where the marked text starts in today's file (characters)
    applied: bool = False  # made by an earlier --apply (dist/<edition>.annotations.json says so)
    replies: list[Reply] = dataclasses.field(default_factory=list)

    @property
    def code(self) -> str:
        return as_finding(self).code

    @property
    def message(self) -> str:
        text = f"〔{self.label}〕"
        if self.kind == "insert":
            text += f"「{self.replacement}」 inserted"
            if self.quote:
                text += f" after「{self.quote}」"
        elif self.quote:
            text += f"「{self.quote}」"
        if self.kind == "replace":
            text += f"→「{self.replacement}」"
        elif self.kind == "delete":
            text += " deleted"
        if self.comment and self.kind not in ("replace", "insert"):
            text += f": {self.comment}"
        if self.kind == "outside":
            text += f" outside any block (nearest: {self.nearest})" if self.nearest else " outside any block"
        who = ", ".join(part for part in (self.author, self.date) if part)
        text += f" — {who + ', ' if who else ''}page {self.page}"
        if self.applied:
            text += " (applied)"
        elif self.stale:
            text += " (no longer in the source)"
        return text

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        lines = [f"{where}note: {self.message} [{self.code}]"]
        for reply in self.replies:
            who = ", ".join(part for part in (reply.author, reply.date) if part)
            lines.append(f"    ↳ {reply.comment}" + (f" — {who}" if who else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "code": self.code,
            "page": self.page,
            "author": self.author,
            "date": self.date,
            "comment": self.comment,
            "quote": self.quote,
            "replacement": self.replacement,
            "path": self.location.path if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "field": self.field,
            "source_text": self.source_text,
            "before": self.before,
            "after": self.after,
            "message": self.message,
            "replies": [reply.__dict__ for reply in self.replies],
        }


def as_finding(mark: Mark) -> Finding:
    """The mark as a finding (severity info; the command prints it as `note:`)."""
    if mark.kind == "outside":
        code = "annotation.outside"
    elif mark.applied:
        code = "annotation.applied"
    elif mark.stale:
        code = "annotation.stale"
    elif mark.kind == "replace":
        code = "annotation.replace"
    elif mark.kind == "delete":
        code = "annotation.delete"
    elif mark.kind == "insert":
        code = "annotation.insert"
    else:
        code = "annotation.comment"
    return Finding("info", code, mark.message, mark.location, mark.field)


# ---------------------------------------------------------------- the sources the proof was made of


@dataclass
class Scalar:
    value: str
    start: int  # index of the node in the file text
    end: int
    style: str | None  # None: plain
    key: tuple
    positions: list[int]  # file index of every character of the value (-1: not written as such)


class SourceFile:
    """One YAML file as text, with its string scalars and where each character of them is."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def location(self, index: int) -> Location:
        import bisect

        line = bisect.bisect_right(self.line_starts, index) - 1
        return Location(self.path, line + 1, index - self.line_starts[line] + 1)

    def block_scalars(self, line: int) -> list[Scalar]:
        """The text values of the block whose source line is `line` (not its nested blocks)."""
        found = self._outermost_at(self.root, line - 1, ())
        if found is None:
            return []
        node, key = found
        out: list[Scalar] = []
        self._scalars(node, key, out)
        return out

    def _outermost_at(self, node, line0: int, key: tuple):
        if node is None:
            return None
        if node.start_mark.line == line0 and not isinstance(node, yaml.ScalarNode):
            return node, key
        if node.start_mark.line > line0 or node.end_mark.line < line0:
            return None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.start_mark.line == line0:
                    return node, key
                hit = self._outermost_at(v, line0, (*key, k.value))
                if hit:
                    return hit
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value):
                hit = self._outermost_at(item, line0, (*key, number))
                if hit:
                    return hit
        elif node.start_mark.line == line0:
            return node, key
        return None

    def _scalars(self, node, key: tuple, out: list[Scalar]) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag.endswith(":str") and node.value.strip() and not NOT_IN_YAML.search(node.value):
                positions = _positions(self.text, node)
                out.append(
                    Scalar(node.value, node.start_mark.index, node.end_mark.index, node.style, key, positions)
                )
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value in STRUCTURE_KEYS or k.value in NOT_PRINTED:
                    continue
                self._scalars(v, (*key, k.value), out)
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value):
                self._scalars(item, (*key, number), out)


def _positions(text: str, node) -> list[int]:
    """Where each character of a scalar's value is written in the file (folded breaks and escapes: -1)."""
    raw_start, raw_end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):  # past the indicator line
        newline = text.find("\n", raw_start, raw_end)
        raw_start = newline + 1 if newline >= 0 else raw_end
    elif node.style in ('"', "'"):
        raw_start += 1
    out: list[int] = []
    at = raw_start
    for char in node.value:
        probe = at
        while probe < raw_end and text[probe] != char:
            if char == " " and text[probe] == "\n":
                break
            probe += 1
        if probe >= raw_end:
            out.append(-1)
            continue
        out.append(probe)
        at = probe + 1
    return out


def field_name(key: tuple) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------- reading the proof


@dataclass
class Char:
    text: str
    x0: float  # PDF user space
    y0: float
    x1: float
    y1: float
    order: int
    block: int | None = None  # index into the page's blocks
    source: tuple[int, int] | None = None  # (scalar index in the block, offset in its value)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def open_proof(pdf_path: Path):
    import pikepdf

    try:
        return pikepdf.open(pdf_path)
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise NotAProof("annotation.not-a-proof", f"{pdf_path} cannot be read as a PDF ({exc})") from None


def check_edition(data: dict | None, pdf_path: Path, edition_file: str, title: str) -> None:
    if data is None:
        raise NotAProof(
            "annotation.not-a-proof",
            f"{pdf_path} is not a proof made by this tool (it carries no proof map); "
            "mark up dist/<edition>.proof.pdf, from build.py --proof",
        )
    titles = {title}
    if data.get("conversion"):  # the proof prints the title converted
        from booklet.content.script import make_converter

        titles.add(make_converter(data["conversion"], data.get("conversion_overrides") or {})(title))
    if data.get("edition_file") != edition_file or data.get("title") not in titles:
        raise NotAProof(
            "annotation.other-edition",
            f"{pdf_path} is a proof of {data.get('edition_file')} ({data.get('title')}), "
            f"not of {edition_file} ({title}); name its edition with --edition",
        )


def read_marks(pdf_path: Path, root: Path, edition_file: str, title: str) -> tuple[list[Mark], dict]:
    """Every mark of the proof at `pdf_path`, located in the files under `root` as they are now."""
    import pdfplumber

    pdf = open_proof(pdf_path)
    with pdf:
        data = read_map(pdf)
        check_edition(data, pdf_path, edition_file, title)
        if len(data["pages"]) != len(pdf.pages):
            raise NotAProof(
                "annotation.not-a-proof",
                f"{pdf_path} has {len(pdf.pages)} pages, its proof map {len(data['pages'])}: pages were "
                "added or removed after the proof was made",
            )
        sources = {path: SourceFile(path, text) for path, text in data["sources"].items()}
        today: dict[str, SourceFile | None] = {}
        convert = _converter(data)
        annotations = _annotations(pdf)
        marks: list[Mark] = []
        if annotations:
            with pdfplumber.open(pdf_path) as plumber:
                for number, found in sorted(annotations.items()):
                    page_map = data["pages"][number - 1]
                    reader = _PageReader(
                        pdf.pages[number - 1], plumber.pages[number - 1], page_map, sources, convert
                    )
                    for primary, members, replies in found:
                        mark = reader.mark(primary, members, number)
                        mark.replies = [_reply(r) for r in replies]
                        _relocate(mark, reader, root, today)
                        marks.append(mark)
    return marks, data


def _converter(data: dict):
    if not data.get("conversion"):
        return None
    from booklet.content.script import make_converter

    whole = make_converter(data["conversion"], data.get("conversion_overrides") or {})

    def one(char: str) -> str:
        out = whole(char)
        return out if len(out) == 1 else char

    return one


def _annotations(pdf) -> dict[int, list[tuple]]:
    """page → [(primary, group members, replies)], replies and group members under their mark."""
    import pikepdf

    by_page: dict[int, list] = {}
    every: dict[tuple, tuple[int, object]] = {}
    for number, page in enumerate(pdf.pages, start=1):
        for annot in page.obj.get("/Annots", []) or []:
            if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") in SKIPPED:
                continue
            if annot.get("/Subtype") is None:
                continue
            every[annot.objgen] = (number, annot)
    children: dict[tuple, list] = {}
    members: dict[tuple, list] = {}
    tops = []
    for _objgen, (number, annot) in every.items():
        parent = annot.get("/IRT")
        if isinstance(parent, pikepdf.Dictionary) and parent.objgen in every:
            if str(annot.get("/RT", "/R")) == "/Group":
                members.setdefault(parent.objgen, []).append(annot)
            else:
                children.setdefault(parent.objgen, []).append(annot)
            continue
        tops.append((number, annot))

    def replies_of(annot) -> list:
        out = []
        for reply in children.get(annot.objgen, []):
            out.append(reply)
            out.extend(replies_of(reply))
        for member in members.get(annot.objgen, []):
            out.extend(replies_of(member))
        return out

    for number, annot in tops:
        group = members.get(annot.objgen, [])
        by_page.setdefault(number, []).append((annot, group, sorted(replies_of(annot), key=_date_key)))
    for found in by_page.values():
        found.sort(key=lambda item: _rect(item[0])[3] * -1)
    return by_page


def _date_key(annot) -> str:
    return str(annot.get("/M", annot.get("/CreationDate", "")))


def _rect(annot) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
    except (TypeError, ValueError):
        return (0.0, 0.0, 0.0, 0.0)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _quads(annot) -> list[tuple[float, float, float, float]]:
    points = annot.get("/QuadPoints")
    if points is None:
        return []
    try:
        values = [float(v) for v in points]
    except (TypeError, ValueError):
        return []
    out = []
    for start in range(0, len(values) - 7, 8):
        xs, ys = values[start : start + 8 : 2], values[start + 1 : start + 8 : 2]
        out.append((min(xs), min(ys), max(xs), max(ys)))
    return out


class _RichText(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("p", "br", "div") and self.parts:
            self.parts.append("\n")


def text_of(annot) -> str:
    """The annotation's comment: /Contents, or the text of its rich text /RC."""
    contents = str(annot.get("/Contents", "") or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if contents:
        return contents
    rich = annot.get("/RC")
    if rich is None:
        return ""
    import pikepdf

    raw = rich.read_bytes().decode("utf-8", "replace") if isinstance(rich, pikepdf.Stream) else str(rich)
    parser = _RichText()
    parser.feed(raw)
    return "".join(parser.parts).strip()


def pdf_date(value) -> str:
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)


def _reply(annot) -> Reply:
    return Reply(
        str(annot.get("/T", "") or ""),
        pdf_date(annot.get("/M") or annot.get("/CreationDate")),
        text_of(annot),
    )


class _PageReader:
    """One page of the proof: its characters, its blocks, and the alignment of both with the sources."""

    def __init__(self, page, plumber_page, page_map: dict, sources: dict[str, SourceFile], convert):
        trim = page.obj.get("/TrimBox") or page.MediaBox
        self.trim = [float(v) for v in trim]
        mediabox = [float(v) for v in page.MediaBox]
        self.blocks = [
            (
                path,
                line,
                (
                    self.trim[0] + x0 * PT_PER_PX,
                    self.trim[3] - y1 * PT_PER_PX,
                    self.trim[0] + x1 * PT_PER_PX,
                    self.trim[3] - y0 * PT_PER_PX,
                ),
            )
            for path, line, x0, y0, x1, y1 in page_map["blocks"]
        ]
        self.sources, self.convert = sources, convert
        self.chars: list[Char] = []
        for order, c in enumerate(plumber_page.chars):
            matrix = c.get("matrix") or (1, 0, 0, 1, 0, 0)
            if abs(matrix[1]) > 1e-6 or abs(matrix[2]) > 1e-6 or not c["text"].strip():
                continue  # the watermark is drawn turned; spaces are not marks
            char = Char(c["text"], c["x0"], c["y0"] + mediabox[1], c["x1"], c["y1"] + mediabox[1], order)
            char.block = self._innermost(char.cx, char.cy)
            if char.block is not None:
                self.chars.append(char)
        self.scalars: dict[int, list[Scalar]] = {}
        self._aligned: set[int] = set()

    def _innermost(self, x: float, y: float) -> int | None:
        best, area = None, 0.0
        for number, (_, _, (x0, y0, x1, y1)) in enumerate(self.blocks):
            if x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5:
                size = (x1 - x0) * (y1 - y0)
                if best is None or size < area:
                    best, area = number, size
        return best

    def _align(self, block: int) -> None:
        """Give each printed character of `block` its source (scalar, offset), where the texts agree."""
        if block in self._aligned:
            return
        self._aligned.add(block)
        path, line, _ = self.blocks[block]
        source = self.sources.get(path)
        scalars = source.block_scalars(line) if source else []
        self.scalars[block] = scalars
        chars = [c for c in self.chars if c.block == block]
        printed = "".join(c.text[:1] for c in chars)  # one symbol a printed glyph (a ligature: its first)
        taken = [False] * len(chars)
        left = list(range(len(scalars)))
        while left:  # the value that matches most of the still-free printed text first, and so on
            free = "".join(ch if not taken[i] else "\0" for i, ch in enumerate(printed))
            best = None
            for number in left:
                value = scalars[number].value
                wanted = "".join(self.convert(ch) for ch in value) if self.convert else value
                matcher = difflib.SequenceMatcher(None, free, wanted, autojunk=False)
                found = [
                    m for m in matcher.get_matching_blocks() if m.size >= 2 or (m.size and len(wanted) <= 2)
                ]
                score = sum(m.size for m in found)
                if best is None or score > best[0]:
                    best = (score, number, found)
            score, number, found = best
            left.remove(number)
            for a, b, size in found:
                for k in range(size):
                    chars[a + k].source = (number, b + k)
                    taken[a + k] = True

    def mark(self, annot, members: list, page: int) -> Mark:
        subtype = str(annot.get("/Subtype"))
        group = [annot, *members]
        subtypes = {str(a.get("/Subtype")) for a in group}
        strike = next((a for a in group if str(a.get("/Subtype")) == "/StrikeOut"), None)
        caret = next((a for a in group if str(a.get("/Subtype")) == "/Caret"), None)
        comment = next((text_of(a) for a in [annot, *members] if text_of(a)), "")
        author = next((str(a.get("/T")) for a in group if a.get("/T")), "")
        date = next(
            (
                pdf_date(a.get("/M") or a.get("/CreationDate"))
                for a in group
                if a.get("/M") or a.get("/CreationDate")
            ),
            "",
        )
        ident = str(annot.get("/NM", "") or "") or f"obj{annot.objgen[0]}"
        mark_id = hashlib.sha256(f"{page}|{ident}|{subtype}".encode()).hexdigest()[:8]
        if strike is not None and caret is not None:
            kind, label, shape = "replace", "strike", strike
            replacement = text_of(caret) or comment
        elif strike is not None and subtypes == {"/StrikeOut"}:
            kind, label, shape, replacement = "delete", "strike", strike, None
        elif caret is not None and subtypes == {"/Caret"} and str(annot.get("/Sy", "/None")) != "/P":
            kind, label, shape, replacement = "insert", "caret", caret, comment
        else:
            kind, label, shape, replacement = (
                "comment",
                LABELS.get(subtype, subtype.lstrip("/").lower()),
                annot,
                None,
            )
        mark = Mark(mark_id, kind, label, page, author, date, comment, replacement=replacement)
        if kind == "insert":
            self._caret(mark, shape)
        else:
            self._covered(mark, shape)
        return mark

    def _covered(self, mark: Mark, annot) -> None:
        boxes = (
            _quads(annot)
            if str(annot.get("/Subtype")) in ("/Highlight", "/Underline", "/StrikeOut", "/Squiggly")
            else []
        )
        boxes = boxes or [_rect(annot)]
        point_like = str(annot.get("/Subtype")) in (
            "/Text",
            "/FreeText",
            "/Stamp",
            "/FileAttachment",
            "/Sound",
        )
        marked = []
        if not point_like:
            marked = [
                c
                for c in self.chars
                if any(x0 <= c.cx <= x1 and y0 <= c.cy <= y1 for x0, y0, x1, y1 in boxes)
            ]
        if not marked:
            x0, y0, x1, y1 = boxes[0]
            block = self._innermost((x0 + x1) / 2, (y0 + y1) / 2) if point_like else None
            if block is None and point_like:
                block = self._innermost(x0, y1)
            if block is None:
                mark.kind = "outside"
                near = self._nearest_block((x0 + x1) / 2, (y0 + y1) / 2)
                if near is not None:
                    path, line, _ = self.blocks[near]
                    mark.nearest = f"{path}:{line}"
                    mark.location = Location(path, line)
                return
            path, line, _ = self.blocks[block]
            inside = [c for c in self.chars if c.block == block]
            self._align(block)
            nearest = min(inside, key=lambda c: _distance(c, x0, y1), default=None)
            mark.location = Location(path, line)
            if nearest is not None and nearest.source is not None:
                self._locate(mark, block, [nearest], quote=False)
            if mark.kind in ("replace", "delete"):
                mark.kind = "comment"
            return
        marked.sort(key=lambda c: c.order)
        first_block = marked[0].block
        for block in {c.block for c in marked}:
            self._align(block)
        mark.quote = _joined(marked)
        in_first = [c for c in marked if c.block == first_block]
        self._locate(mark, first_block, in_first, quote=True, whole=len(in_first) == len(marked))

    def _locate(self, mark: Mark, block: int, chars: list[Char], quote: bool, whole: bool = True) -> None:
        path, line, _ = self.blocks[block]
        scalars = self.scalars.get(block, [])
        source = self.sources.get(path)
        mark.location = Location(path, line)
        located = [c for c in chars if c.source is not None]
        if not located or source is None:
            return
        number, offset = located[0].source
        scalar = scalars[number]
        mark.field, mark.key = field_name(scalar.key), scalar.key
        start = scalar.positions[offset]
        if start < 0:
            return
        mark.location, mark.index = source.location(start), start
        if not quote:
            return
        same = [c for c in chars if c.source is not None and c.source[0] == number]
        offsets = [c.source[1] for c in same]
        last = max(offsets)
        end_index = scalar.positions[last] + 1 if scalar.positions[last] >= 0 else -1
        contiguous = (
            whole
            and len(same) == len(chars)
            and offsets == sorted(offsets)
            and end_index > start
            and all(p >= 0 for p in scalar.positions[offsets[0] : last + 1])
        )
        span = source.text[start:end_index] if end_index > start else ""
        mark.source_text = span
        mark.before = source.text[max(0, start - CONTEXT) : start]
        mark.after = source.text[end_index : end_index + CONTEXT] if end_index > 0 else ""
        mark.in_plain = bool(
            contiguous
            and scalar.style is None
            and span == scalar.value[offsets[0] : last + 1]
            and "\n" not in span
            and "<" not in span
        )

    def _caret(self, mark: Mark, caret) -> None:
        x0, y0, x1, y1 = _rect(caret)
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
        candidates = list(self.chars)
        if not candidates:
            mark.kind = "outside"
            return
        nearest = min(candidates, key=lambda c: _distance(c, x, y))
        if _distance(nearest, x, y) > 12:
            mark.kind = "outside"
            near = nearest.block
            path, line, _ = self.blocks[near]
            mark.nearest, mark.location = f"{path}:{line}", Location(path, line)
            return
        block = nearest.block
        self._align(block)
        line_chars = sorted(
            (
                c
                for c in self.chars
                if c.block == block and abs(c.cy - nearest.cy) < (nearest.y1 - nearest.y0) / 2
            ),
            key=lambda c: c.order,
        )
        before = [c for c in line_chars if c.cx < x]
        after = [c for c in line_chars if c.cx >= x]
        anchor = before[-1] if before else None
        mark.quote = anchor.text if anchor else ""
        path, line, _ = self.blocks[block]
        source = self.sources.get(path)
        mark.location = Location(path, line)
        pick = anchor or (after[0] if after else None)
        if pick is None or pick.source is None or source is None:
            return
        scalar = self.scalars[block][pick.source[0]]
        position = scalar.positions[pick.source[1]]
        if position < 0:
            return
        index = position + 1 if anchor else position
        mark.field, mark.key = field_name(scalar.key), scalar.key
        mark.location, mark.index = source.location(index), index
        mark.source_text = ""
        mark.before = source.text[max(0, index - CONTEXT) : index]
        mark.after = source.text[index : index + CONTEXT]
        mark.in_plain = scalar.style is None and "\n" not in mark.before[-1:] + mark.after[:1]

    def _nearest_block(self, x: float, y: float) -> int | None:
        best, distance = None, 0.0
        for number, (_, _, (x0, y0, x1, y1)) in enumerate(self.blocks):
            dx = max(x0 - x, 0, x - x1)
            dy = max(y0 - y, 0, y - y1)
            d = dx * dx + dy * dy
            if best is None or d < distance:
                best, distance = number, d
        return best


def _distance(c: Char, x: float, y: float) -> float:
    dx = max(c.x0 - x, 0, x - c.x1)
    dy = max(c.y0 - y, 0, y - c.y1)
    return (dx * dx + dy * dy) ** 0.5


def _joined(chars: list[Char]) -> str:
    """The marked characters as text: a space where the print has a gap between words."""
    out = ""
    for previous, char in zip([None, *chars], chars):
        if (
            previous is not None
            and out
            and (
                char.x0 - previous.x1 > 0.25 * (char.y1 - char.y0)
                and abs(char.cy - previous.cy) < 1
                and char.text.isascii()
                and previous.text.isascii()
            )
        ):
            out += " "
        out += char.text
    return out


def _relocate(mark: Mark, reader: _PageReader, root: Path, today: dict) -> None:
    """The mark's location in today's file: the same place when the file is the proof's, else found
    again by its text and context; a marked text that is gone is stale."""
    if mark.location is None or mark.kind == "outside":
        return
    path = mark.location.path
    if path not in today:
        try:
            today[path] = SourceFile(path, (root / path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            today[path] = None
    now, then = today[path], reader.sources.get(path)
    if now is None:
        mark.stale, mark.index = bool(mark.source_text), None
        return
    if then is not None and now.text == then.text:
        return
    if then is None or mark.index is None:
        return
    index = map_index(then.text, now.text, mark.index, mark.source_text, mark.before, mark.after)
    if index is None:
        mark.stale, mark.index = True, None
        return
    mark.location, mark.index = now.location(index), index


def map_index(old: str, new: str, index: int, span: str, before: str, after: str) -> int | None:
    """Where the text at `index` of `old` (`span`, between `before` and `after`) is in `new`: the same
    line when that line is unchanged, else found with a whole side of its context in the lines that
    replaced it; None when it is gone (a stale mark)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    starts_old = [0]
    for line in old_lines:
        starts_old.append(starts_old[-1] + len(line))
    starts_new = [0]
    for line in new_lines:
        starts_new.append(starts_new[-1] + len(line))
    import bisect

    line = max(0, bisect.bisect_right(starts_old, index) - 1)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if not a0 <= line < a1 and not (a0 == a1 == line):
            continue
        if tag == "equal":
            return starts_new[b0 + line - a0] + index - starts_old[line]
        region = new[starts_new[b0] : starts_new[b1]]
        tries = ((before + span + after, len(before)), (before + span, len(before)), (span + after, 0))
        for needle, shift in tries if span else tries[:1]:  # an insertion point needs both sides
            if not needle.strip() or needle == span:
                continue
            found = [m.start() for m in re.finditer(re.escape(needle), region)]
            if len(found) == 1:
                return starts_new[b0] + found[0] + shift
        return None
    return None
