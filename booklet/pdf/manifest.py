"""Reproducible builds: fixed timestamps and identifiers, and the build manifest.

Two builds of the same edition from the same inputs give byte-identical files. Nothing
here reads the clock or a random source: the creation and modification dates are the
edition's `date` at midnight in Macau (UTC+8), or SOURCE_DATE_EPOCH when it is set (the
reproducible-builds.org convention); identifiers are hashes of the edition's metadata.
Writers of other outputs (PDF/X finishers, XMP packets) take their dates and document IDs
from here too.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from booklet.content.model import Book, Edition
from booklet.core.resources import PACKAGE, code_files

MACAU = timezone(timedelta(hours=8))
ID_NAMESPACE = uuid.UUID("6f1c7d0e-8a0b-5c2e-9d43-5b6f0e0a2021")  # booklet's own namespace


def build_datetime(edition: Edition) -> datetime:
    """The build's one timestamp: SOURCE_DATE_EPOCH if set, else the edition date 00:00 UTC+8."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.fromisoformat(edition.date).replace(tzinfo=MACAU)


def w3c_date(edition: Edition) -> str:
    """2021-07-01T00:00:00+08:00 (HTML dcterms, XMP xmp:CreateDate)."""
    return build_datetime(edition).isoformat()


def pdf_date(edition: Edition) -> str:
    """D:20210701000000+08'00' (PDF Info /CreationDate, /ModDate)."""
    moment = build_datetime(edition)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


def edition_seed(edition: Edition) -> str:
    return f"{edition.title}|{edition.edition}|{edition.date}|{edition.isbn}|{edition.language}"


def pdf_identifier(edition: Edition) -> bytes:
    """The PDF /ID: the same for every build of one edition."""
    return hashlib.sha256(edition_seed(edition).encode()).hexdigest()[:32].encode()


def document_id(edition: Edition, variant: str = "") -> str:
    """A stable UUID URN for XMP xmpMM:DocumentID / InstanceID (instead of uuid4)."""
    return uuid.uuid5(ID_NAMESPACE, edition_seed(edition) + "|" + variant).urn


# ---------------------------------------------------------------- the manifest


_HASHES: dict[str, str] = {}  # file identity → sha256, kept in .cache/hashes.json between builds
_HASHES_USED: set[str] = set()


def sha256_file(path: Path) -> str:
    """The file's sha256, remembered by its identity (device, inode, size, mtime), as git does: an
    unchanged photo or font is not read again, and a file renamed into place keeps its hash."""
    stat = path.stat()
    key = f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        _HASHES[key] = digest.hexdigest()
    _HASHES_USED.add(key)
    return _HASHES[key]


def load_hashes(cache: Path) -> None:
    """The hashes the last build remembered; from here on, those this build uses are counted."""
    _HASHES_USED.clear()
    with contextlib.suppress(OSError, ValueError, AttributeError):
        _HASHES.update({str(k): str(v) for k, v in json.loads((cache / "hashes.json").read_text()).items()})


def save_hashes(cache: Path) -> None:
    """Remember the hashes this process used (and no others: the file stays the size of a build)."""
    from booklet.layout.parts import write_bytes

    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
        write_bytes(
            cache / "hashes.json", json.dumps({key: _HASHES[key] for key in sorted(_HASHES_USED)}).encode()
        )


def font_files(edition: Edition) -> dict[str, str]:
    """Family (and weight) → the file fontconfig picks for it, as `fc-match` would (asked in this
    process: no fork of a build that may hold hundreds of MB)."""
    patterns: list[str] = []
    for family in (edition.fonts.body, edition.fonts.heading, "DejaVu Serif", "DejaVu Sans"):
        patterns += [family, f"{family}:bold"]
    files = {pattern: _font_file(pattern) for pattern in patterns}
    return {pattern: file for pattern, file in files.items() if file}


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
void FcPatternDestroy(FcPattern *p);
"""


@functools.lru_cache(maxsize=1)
def _fontconfig():
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(_FONTCONFIG)
    return ffi, ffi.dlopen("libfontconfig.so.1")


def _font_file(pattern: str) -> str:
    """What `fc-match -f %{file} PATTERN` prints: parse, substitute, match, the file."""
    try:
        ffi, fc = _fontconfig()
    except (OSError, ImportError):
        return ""
    parsed = fc.FcNameParse(pattern.encode())
    if parsed == ffi.NULL:
        return ""
    fc.FcConfigSubstitute(ffi.NULL, parsed, fc.FcMatchPattern)
    fc.FcDefaultSubstitute(parsed)
    found = fc.FcFontMatch(ffi.NULL, parsed, ffi.new("FcResult *"))
    fc.FcPatternDestroy(parsed)
    if found == ffi.NULL:
        return ""
    file = ffi.new("unsigned char **")
    matched = fc.FcPatternGetString(found, b"file", 0, file) == fc.FcResultMatch
    path = ffi.string(file[0]).decode() if matched else ""
    fc.FcPatternDestroy(found)  # owns the string
    return path


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("weasyprint", "pydyf", "fonttools", "opencc", "jinja2", "pydantic", "pyyaml", "segno"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            pass
    try:
        from weasyprint.text.ffi import pango

        number = pango.pango_version()
        out["pango"] = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
    except Exception:
        pass
    return out


def input_files(book: Book, root: Path, styles: list[Path], images: list[Path]) -> list[Path]:
    """Every file the build read: edition chain, chapters, styles, templates, code, images."""
    files = [root / name for name in book.edition_files]
    files += [root / chapter.path for chapter in book.chapters]
    files += styles
    files += code_files()
    files += sorted(set(images))
    return files


def manifest(book: Book, root: Path, inputs: list[Path], outputs: list[Path]) -> dict:
    """What went into the build and what came out, by hash. No times, no absolute project paths."""

    def name(path: Path) -> str:
        real = path.resolve()
        if real.is_relative_to(root.resolve()):
            return real.relative_to(root.resolve()).as_posix()
        if real.is_relative_to(PACKAGE.parent):
            return "<booklet>/" + real.relative_to(PACKAGE.parent).as_posix()
        return path.name

    fonts = {
        pattern: {"file": file, "sha256": sha256_file(Path(file))}
        for pattern, file in font_files(book.edition).items()
        if Path(file).is_file()
    }
    return {
        "edition": book.edition_path,
        "edition_chain": list(book.edition_files),
        "source_date": w3c_date(book.edition),
        "versions": versions(),
        "fonts": fonts,
        "inputs": {name(p): sha256_file(p) for p in inputs if p.is_file()},
        "outputs": {path.name: sha256_file(path) for path in outputs if path.is_file()},
    }


def manifest_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
