"""File hashes remembered by file identity (device, inode, size, mtime), as git does: an unchanged
photo or font is not read again, and a file renamed into place keeps its hash."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from booklet.core.files import remember

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
    remember(cache / "hashes.json", json.dumps({key: _HASHES[key] for key in sorted(_HASHES_USED)}).encode())
