"""The one font lookup: what fontconfig picks for a family, asked in this process as `fc-match` would
(no fork of a build that may hold hundreds of MB)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

_FONTCONFIG = """
typedef struct _FcPattern FcPattern;
typedef struct _FcConfig FcConfig;
typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId, FcResultOutOfMemory } FcResult;
typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
FcPattern *FcNameParse(const unsigned char *name);
int FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, unsigned char **s);
FcResult FcPatternGetInteger(const FcPattern *p, const char *object, int n, int *i);
void FcPatternDestroy(FcPattern *p);
"""


@dataclass(frozen=True)
class Match:
    families: tuple[str, ...]  # the matched font's family names
    file: str
    index: int  # the face in a collection (.ttc)


@functools.lru_cache(maxsize=1)
def _fontconfig():
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(_FONTCONFIG)
    return ffi, ffi.dlopen("libfontconfig.so.1")


def match(pattern: str) -> Match | None:
    """What `fc-match PATTERN` picks (parse, substitute, match), or None when fontconfig is absent."""
    try:
        ffi, fc = _fontconfig()
    except (OSError, ImportError):
        return None
    parsed = fc.FcNameParse(pattern.encode())
    if parsed == ffi.NULL:
        return None
    fc.FcConfigSubstitute(ffi.NULL, parsed, fc.FcMatchPattern)
    fc.FcDefaultSubstitute(parsed)
    found = fc.FcFontMatch(ffi.NULL, parsed, ffi.new("FcResult *"))
    fc.FcPatternDestroy(parsed)
    if found == ffi.NULL:
        return None
    try:  # the strings belong to the pattern: copied out before it is destroyed
        text = ffi.new("unsigned char **")
        families = []
        while fc.FcPatternGetString(found, b"family", len(families), text) == fc.FcResultMatch:
            families.append(ffi.string(text[0]).decode())
        file = ffi.string(text[0]).decode() if fc.FcPatternGetString(found, b"file", 0, text) == 0 else ""
        number = ffi.new("int *")
        index = number[0] if fc.FcPatternGetInteger(found, b"index", 0, number) == 0 else 0
    finally:
        fc.FcPatternDestroy(found)
    return Match(tuple(families), file, index) if file else None


def font_file(pattern: str) -> str:
    """What `fc-match -f %{file} PATTERN` prints ("" when nothing matches)."""
    found = match(pattern)
    return found.file if found else ""
