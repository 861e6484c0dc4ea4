"""Faster font embedding for a book written in many parts, as a small extension of WeasyPrint 70.

Every part of the book embeds subsets of the same three CJK fonts, so WeasyPrint's per-font
fixed costs are paid once per part (parts.py). `install()` removes the two that do no work here:

- `Font.__init__` copies the whole font file (20–26 MB for a Noto CJK face) into a Python bytes
  object, which subsetting then replaces: the copy is now made only if something reads it.
- `Font._harfbuzz_subset` subsets twice (≈ 10 + 18 ms a face): once keeping glyph ids, then again
  keeping every id up to the last used one, to drop the empty glyph slots after it. One pass
  keeping glyph ids gives the same glyph outlines; at most a few empty slots that HarfBuzz's
  layout closure reached stay at the end (+0.02 % on the catalogue). tests/test_fontsubset.py
  compares the outlines with WeasyPrint's own subsets of the theme's fonts.

Any other WeasyPrint version is left alone.
"""

from __future__ import annotations

SUPPORTED_MAJOR = "70."
ORIGINAL: dict[str, object] = {}  # WeasyPrint's own functions, for the tests' comparison
DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def install() -> bool:
    """Patch WeasyPrint's Font once; False when the version is not the supported one."""
    import weasyprint
    from weasyprint.pdf import fonts

    if not weasyprint.__version__.startswith(SUPPORTED_MAJOR):
        return False
    if getattr(fonts.Font, "booklet_patch", False):
        return True
    ORIGINAL.update(init=fonts.Font.__init__, subset=fonts.Font._harfbuzz_subset)
    fonts.Font.__init__ = _lazy_file_content(fonts.Font.__init__)
    fonts.Font.file_content = property(_file_content, _set_file_content)
    fonts.Font._harfbuzz_subset = _subset_once
    fonts.Font.booklet_patch = True
    return True


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
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                          harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(subset_input),
                                     ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if self.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    drop = [harfbuzz.hb_tag_from_string(name, -1) for name in DROP_TABLES]
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(drop)}]", sorted(drop)), len(drop))
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy)
    if face:
        data = get_hb_object_data(face)
        if data:
            self.file_content = data
            return
    LOGGER.warning('Unable to subset "%s" with HarfBuzz', self.family)
