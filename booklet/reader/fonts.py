"""The EPUB's fonts: the edition's body and heading faces (Noto CJK: SIL Open Font License, which
allows embedding), each subset with fontTools to the characters the book prints, and embedded only
when the two together stay under MAX_BYTES. Remembered in .cache/fonts/ by font and characters."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from booklet.core.files import remember
from booklet.core.fontconfig import match

MAX_BYTES = 12 * 1024 * 1024
OPEN_LICENCES = ("SIL Open Font License", "OFL", "scripts.sil.org/OFL", "openfontlicense.org")


def subset_fonts(families: dict[str, str], text: str, cache: Path) -> dict[str, bytes]:
    """name (body.otf, heading.otf) → subset font bytes; {} when a face is missing, not openly
    licensed, or the subsets are too large to embed."""
    chars = "".join(sorted(set(text) | set(" 0123456789")))
    out: dict[str, bytes] = {}
    for name, family in families.items():
        found = match(family)
        if found is None or family not in found.families:
            return {}
        path = Path(found.file)
        try:
            stat = path.stat()
        except OSError:
            return {}
        key = hashlib.sha256(
            f"{path}|{found.index}|{stat.st_size}|{stat.st_mtime_ns}|{chars}".encode()
        ).hexdigest()
        cached = cache / f"{key[:32]}.otf"
        try:
            out[name] = cached.read_bytes()
            continue
        except OSError:
            pass
        data = _subset(path, found.index, chars)
        if data is None:
            return {}
        remember(cached, data)
        out[name] = data
    if sum(len(data) for data in out.values()) > MAX_BYTES:
        return {}
    return out


def _subset(path: Path, index: int, chars: str) -> bytes | None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index, lazy=False)
    licence = " ".join(str(record) for record in font["name"].names if record.nameID in (13, 14))
    if not any(word in licence for word in OPEN_LICENCES):
        return None
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
