"""The reader editions' photos: each made at two widths by the image pipeline (assets/photos.py:
upright, sRGB, resampled, EXIF stripped, JPEG) and cached under .cache/images/reader/, so a second
build does no image work. A photo narrower than a width is not enlarged: it is made once, at its own."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from booklet.assets.collect import Assets
from booklet.assets.photos import JPEG_QUALITY, MM_PER_INCH, PIPELINE_VERSION, Placement, Settings, convert
from booklet.core.files import remember
from booklet.core.findings import Location
from booklet.core.parallel import core_count
from booklet.reader.pages import Picture

WIDTHS = (640, 1280)  # px: a phone's column and a desktop's (or a phone's at 2x); the EPUB takes the wider
SCREEN_PPI = 96
VERSION = 1


@dataclass(frozen=True)
class Made:
    """A photo's files, relative to the project: (file, width, height) for each width made."""

    ref: str
    files: tuple[tuple[Path, int, int], ...]


def make_pictures(assets: Assets, root: Path, cache: Path | None = None) -> dict[str, Made]:
    """ref → its files at each width (SVG images as they are), made or taken from the cache."""
    root = root.resolve()
    cache = cache or root / ".cache" / "images" / "reader"
    refs = [ref for ref, image in assets.images.items() if image.url is not None]
    if not refs:
        return {}
    with ThreadPoolExecutor(max(1, min(core_count(), len(refs)))) as pool:
        made = list(pool.map(lambda ref: _make(ref, root, cache), refs))
    return {m.ref: m for m in made if m is not None}


def _make(ref: str, root: Path, cache: Path) -> Made | None:
    source = root / ref
    try:
        content = source.read_bytes()
    except OSError:
        return None
    if source.suffix.lower() == ".svg":
        return Made(ref, ((source, 0, 0),))
    digest = hashlib.sha256(content).hexdigest()
    files = []
    for width in WIDTHS:
        key = hashlib.sha256(
            f"{digest}|{width}|{JPEG_QUALITY}|{PIPELINE_VERSION}|{VERSION}".encode()
        ).hexdigest()
        target = cache / f"{key[:32]}.jpg"
        size_file = target.with_suffix(".size")
        try:
            w, h = (int(n) for n in size_file.read_text().split("x"))
            if target.is_file():
                files.append((target, w, h))
                if w < width:
                    break
                continue
        except (OSError, ValueError):
            pass
        place = Placement((width - 0.5) * MM_PER_INCH / SCREEN_PPI, 10**6, Location(ref), "image")
        try:
            data, info = convert(content, place, Settings("rgb", SCREEN_PPI))
        except Exception:  # the print build reports what is wrong with the file
            return None
        w, h = info["out_width"], info["out_height"]
        remember(target, data)
        remember(size_file, f"{w}x{h}".encode())
        files.append((target if target.is_file() else _kept(target, data), w, h))
        if w < width:  # the photo is narrower than this width: no larger file
            break
    return Made(ref, tuple(files))


def _kept(target: Path, data: bytes) -> Path:
    """Where the cache could not be written, a file beside it all the same (raises OSError)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def file_name(ref: str, width: int, suffix: str) -> str:
    """The published name of a photo at a width: images/<stem>-<width>.jpg (stems are unique per ref)."""
    stem = Path(ref).stem
    tag = hashlib.sha256(ref.encode()).hexdigest()[:6]
    return f"images/{stem}-{tag}-{width}{suffix}" if width else f"images/{stem}-{tag}{suffix}"


def published(made: dict[str, Made], *, widest_only: bool) -> tuple[dict[str, Picture], dict[str, Path]]:
    """The pictures the templates name, and published name → cached file to copy."""
    pictures: dict[str, Picture] = {}
    files: dict[str, Path] = {}
    for ref, item in made.items():
        names = []
        for path, width, height in item.files:
            name = file_name(ref, width, path.suffix.lower())
            names.append((name, width, height))
        chosen = names[-1:] if widest_only else names
        for (name, _, _), (path, _, _) in zip(names, item.files):
            if any(name == c[0] for c in chosen):
                files[name] = path
        main = chosen[0] if not widest_only else chosen[-1]
        srcset = tuple((name, width) for name, width, _ in chosen) if len(chosen) > 1 else ()
        pictures[ref] = Picture(main[0], main[1], main[2], srcset)
    return pictures, files
