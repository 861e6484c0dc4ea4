"""Inline markup in text: a small safe subset, everything else printed as written.

Where markup is allowed (see MARKUP_FIELDS), `<em>`, `<strong>`, `<sup>` and `<br>`
are honoured — lower- or upper-case, without attributes. Any other `<`, `>` or `&`
is text: `<b>粗</b>` prints as `<b>粗</b>`. The four tags are split off, the text between
them is escaped and given its CJK spans, and the whitelist sanitizer nh3 re-serialises
the result (those tags and classed spans only: html/inline.py), so no attribute, URL,
comment or other element can reach the renderer whatever is written.
Content is never evaluated as a template: it only ever enters Jinja2 as data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

TAGS = frozenset({"em", "strong", "sup", "br"})
MAX_NESTING = 3

# The fields, per block type, whose text may carry inline markup ("" is the block's own text).
MARKUP_FIELDS: dict[str, tuple[str, ...]] = {
    "paragraph": ("",),
    "lead": ("",),
    "quote": ("text",),
    "testimony": ("text",),
    "figure": ("caption",),
    "gallery": ("caption", "images.*.caption"),
    "map": ("caption",),
    "clipping": ("caption",),
    "letter": ("caption",),
    "leaflet": ("caption",),
}

TAG = re.compile(r"<(/?)(em|strong|sup)>|<(br)\s*/?>", re.IGNORECASE)


def problem(text: str) -> str | None:
    """Why the markup in `text` is unusable (unclosed, crossed or too deeply nested tags), or None."""
    open_tags: list[str] = []
    for match in TAG.finditer(text):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if match.group(3):
            continue
        if not closing:
            open_tags.append(name)
            if len(open_tags) > MAX_NESTING:
                return f"inline markup nested deeper than {MAX_NESTING} levels"
        elif not open_tags:
            return f"</{name}> closes nothing"
        elif open_tags[-1] != name:
            return f"</{name}> closes <{open_tags[-1]}>; close tags in the reverse order"
        else:
            open_tags.pop()
    if open_tags:
        return f"<{open_tags[-1]}> is never closed"
    return None


def plain(text: str) -> str:
    """The text without its markup tags (for alt text and other attributes)."""
    return TAG.sub(lambda m: " " if m.group(3) else "", text)


def markup_texts(kind: str, value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path below the block type, text) for every text of a raw block value that may carry markup."""
    for spec in MARKUP_FIELDS.get(kind, ()):
        yield from _walk(value, spec.split(".") if spec else [], ())


def _walk(value: Any, parts: list[str], path: tuple[str | int, ...]):
    if not parts:
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, list):  # a list of paragraphs
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield path + (i,), item
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _walk(item, rest, path + (i,))
    elif isinstance(value, dict) and head in value:
        yield from _walk(value[head], rest, path + (head,))
