"""Faster font embedding for a book written in many parts, as a small extension of WeasyPrint 70.

Every part of the book embeds subsets of the same three CJK fonts, so WeasyPrint's per-font
fixed costs are paid once per part (layout/parts.py). `install()` removes the two that do no work here,
and lets the faces of the theme be subset once for the whole book (below: `share_faces`):

- `Font.__init__` copies the whole font file (20–26 MB for a Noto CJK face) into a Python bytes
  object, which subsetting then replaces: the copy is now made only if something reads it.
- `Font._harfbuzz_subset` subsets twice (≈ 10 + 18 ms a face): once keeping glyph ids, then again
  keeping every id up to the last used one, to drop the empty glyph slots after it. One pass
  keeping glyph ids gives the same glyph outlines; at most a few empty slots that HarfBuzz's
  layout closure reached stay at the end (+0.02 % on the catalogue). tests/engine/test_fontsubset.py
  compares the outlines with WeasyPrint's own subsets of the theme's fonts.

`uninstall()` puts WeasyPrint's own methods back (engine.install() checks the version first).
"""

from __future__ import annotations

import functools

ORIGINAL: dict[str, object] = {}  # WeasyPrint's own functions, for the tests' comparison
DROP_TABLES = (
    b"BASE",
    b"DSIG",
    b"EBDT",
    b"EBLC",
    b"EBSC",
    b"GPOS",
    b"GSUB",
    b"JSTF",
    b"LTSH",
    b"PCLT",
    b"SVG ",
)


def install() -> None:
    """Patch WeasyPrint's Font once (the version is checked by engine.patches.install)."""
    from weasyprint.pdf import fonts

    if installed():
        return
    ORIGINAL.update(init=fonts.Font.__init__, subset=fonts.Font._harfbuzz_subset, clean=fonts.Font.clean)
    fonts.Font.__init__ = _lazy_file_content(fonts.Font.__init__)
    fonts.Font.file_content = property(_file_content, _set_file_content)
    fonts.Font._harfbuzz_subset = _subset_once
    fonts.Font.clean = _clean
    fonts.Font.booklet_patch = True


def uninstall() -> None:
    """WeasyPrint's own Font back (faces already shared stay loaded: they are only a cache)."""
    from weasyprint.pdf import fonts

    if not installed():
        return
    fonts.Font.__init__ = ORIGINAL["init"]
    fonts.Font._harfbuzz_subset = ORIGINAL["subset"]
    fonts.Font.clean = ORIGINAL["clean"]
    del fonts.Font.file_content, fonts.Font.booklet_patch


def installed() -> bool:
    from weasyprint.pdf import fonts

    return bool(getattr(fonts.Font, "booklet_patch", False))


def _lazy_file_content(original_init):
    def __init__(self, *args, **kwargs):
        from weasyprint.pdf import fonts

        real = fonts.get_hb_object_data
        fonts.get_hb_object_data = lambda _face: None  # the file is read when first needed
        try:
            original_init(self, *args, **kwargs)
        finally:
            fonts.get_hb_object_data = real

    return __init__


def _file_content(self) -> bytes:
    if self.__dict__.get("_file_content") is None:
        from weasyprint.text.fonts import get_hb_object_data

        self.__dict__["_file_content"] = get_hb_object_data(self.hb_face)
    return self.__dict__["_file_content"]


def _set_file_content(self, value) -> None:
    self.__dict__["_file_content"] = value


def _subset_once(self, to_unicode, hinting) -> None:
    """WeasyPrint's HarfBuzz subset in one pass (same flags as its second pass, glyph ids kept)."""
    from weasyprint.logger import LOGGER

    data = _subset_face(self, to_unicode, hinting)
    if data:
        self.file_content = data
    else:
        LOGGER.warning('Unable to subset "%s" with HarfBuzz', self.family)


def _subset_face(self, to_unicode, hinting) -> bytes | None:
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    subset_input = ffi.gc(
        harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy
    )
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_glyph_set(subset_input),
        ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs),
        len(glyphs),
    )
    flags = (
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    )
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if self.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    drop = [harfbuzz.hb_tag_from_string(name, -1) for name in DROP_TABLES]
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(drop)}]", sorted(drop)),
        len(drop),
    )
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy)
    return get_hb_object_data(face) if face else None


# ---------------------------------------------------------------- one subset a font for the whole book
#
# Every part of the book embeds the same few faces, and a glyph-id-keeping subset of a 65 000-glyph
# CJK face is some 0.7 MB however few glyphs it keeps, so seventeen parts wrote, compressed and
# joined seventeen copies of each. Instead, the faces of the theme are loaded before the workers
# fork (`share_faces`); a part written while `deferring()` embeds a marked stub for each of them and
# reports the glyphs it uses (`Font.clean`); the join subsets each face once, with every part's
# glyphs, and points every part's font at that one program (pdf/join.py). Any other face (a
# fallback, one with missing glyphs, one drawn in a form) is subset in its part, as WeasyPrint does.

STUB = b"OTTO" + b"booklet: font program added when the parts are joined: "
_SHARED: dict[str, object] = {}  # Font.hash → WeasyPrint Font (with its HarfBuzz face) this process shares
_SHARED_FAMILIES: set[tuple[str, ...]] = set()  # the families loaded so far (a serve session builds often)
_DEFERRED: dict[str, set[int]] | None = None  # while a part is written: its glyphs of shared faces


def share_faces(families: list[str]) -> None:
    """Load the regular and bold faces of `families` in this process, before the workers fork."""
    from weasyprint.pdf.fonts import Font
    from weasyprint.text.ffi import ffi, gobject, pango
    from weasyprint.text.fonts import get_pango_font_key

    from booklet.engine.session import font_configuration

    install()  # (the caller passed the version gate: engine.patches.install)
    if tuple(families) in _SHARED_FAMILIES:
        return
    _SHARED_FAMILIES.add(tuple(families))
    font_map = font_configuration().font_map
    context = ffi.gc(pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
    for family in dict.fromkeys(families):
        for weight in (400, 700):
            wanted = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            pango.pango_font_description_set_family(wanted, family.encode())
            pango.pango_font_description_set_weight(wanted, weight)
            pango_font = pango.pango_font_map_load_font(font_map, context, wanted)
            if pango_font == ffi.NULL:
                continue
            _, description, size = get_pango_font_key(pango_font)
            font = Font(pango_font, description, size)
            if (
                "CFF " in font.tables
                and not (font.png or font.svg or font.colr)
                and "fvar" not in font.tables
            ):
                _SHARED.setdefault(font.hash, font)


class deferring:
    """While a part's PDF is written: shared faces get a stub; `glyphs` then holds what they need."""

    def __enter__(self):
        global _DEFERRED
        _DEFERRED = {}
        self.glyphs: dict[str, list[int]] = {}
        return self

    def __exit__(self, *exc) -> None:
        global _DEFERRED
        self.glyphs = {key: sorted(values) for key, values in sorted((_DEFERRED or {}).items())}
        _DEFERRED = None


def _clean(self, to_unicode, hinting) -> None:
    if _DEFERRED is not None and to_unicode and not self.missing and not hinting and self.hash in _SHARED:
        _DEFERRED.setdefault(self.hash, set()).update(to_unicode)
        self.file_content = STUB + self.hash.encode()
        return
    ORIGINAL["clean"](self, to_unicode, hinting)


def deferred_face(program) -> str | None:
    """The shared face a PDF font program stands in for, if it is a part's stub."""
    if int(program.get("/Length", 0)) > 4096:
        return None
    data = program.read_bytes()
    return data[len(STUB) :].decode("ascii", "replace") if data.startswith(STUB) else None


@functools.lru_cache(maxsize=16)
def _book_subset(face_hash: str, glyphs: frozenset[int]) -> bytes | None:
    return _subset_face(_SHARED[face_hash], set(glyphs), hinting=False)


def book_subset(face_hash: str, glyphs: set[int]) -> bytes:
    """One subset of a shared face with all the book's glyphs (BuildError if it is not loaded here).
    The last subsets made are kept: the preview's next build, an edit later, mostly prints the same
    glyphs (a subset of a CJK face takes about 40 ms)."""
    from booklet.core.findings import BuildError

    font = _SHARED.get(face_hash)
    data = _book_subset(face_hash, frozenset(glyphs)) if font is not None else None
    if not data:
        raise BuildError(
            f"the font program of a part ({face_hash}) cannot be made; delete .cache/parts and build again", 3
        )
    return data
