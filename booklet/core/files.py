"""Files written whole: the one writer of every output, cache entry and remembered value.

A file is written beside its target under a fresh name, then renamed over it, so a reader (or the
next build, after a crash) sees the old file or the new one, never half of either. Outputs are
synced to disk before the rename; cache entries need not be (losing one only costs time).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from booklet.core.findings import BuildError


def temporary(target: Path) -> Path:
    """A fresh, empty file beside `target` (unique across processes and threads). Raises OSError."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    return Path(temp)


def replace_with(temp: Path, target: Path, *, durable: bool = False) -> None:
    """Rename a finished temporary file over `target`, as an ordinary file (mkstemp makes 0600)."""
    if durable:
        with open(temp, "rb") as stream:
            os.fsync(stream.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, target)


def write_whole(target: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `target` whole. Raises OSError; leaves no temporary file behind."""
    temp = temporary(target)
    try:
        temp.write_bytes(data)
        replace_with(temp, target, durable=durable)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


WRITE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO)


def write_failure(target: Path, exc: OSError) -> BuildError:
    """The output failure (exit 4) for an OSError met while writing `target`: "cannot write
    dist/booklet.pdf: no space left on device" (a full disk, a file-size limit, a quota)."""
    reason = exc.strerror or str(exc)
    return BuildError(f"cannot write {target}: {reason[:1].lower()}{reason[1:]}", 4)


def is_write_failure(exc: BaseException) -> bool:
    """Whether an exception is the file system refusing a write (not a bug): ENOSPC, EFBIG, EDQUOT…"""
    return isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS


def write_output(target: Path, data: bytes) -> None:
    """An output of the build, synced to disk: a failure is a BuildError (exit 4) naming the file."""
    try:
        temp = temporary(target)
    except OSError as exc:
        raise BuildError(f"cannot write to {target.parent}: {exc.strerror}", 4) from None
    try:
        temp.write_bytes(data)
        replace_with(temp, target, durable=True)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise write_failure(target, exc) from None
        raise


def remember(target: Path, data: bytes) -> None:
    """A cache entry: written whole if it can be, else forgotten (the next build works it out again)."""
    with contextlib.suppress(OSError):
        write_whole(target, data)


def read_json(path: Path):
    """The JSON value remembered in `path`, or None when it is absent or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remember_json(path: Path, data) -> None:
    remember(path, json.dumps(data, sort_keys=True).encode())


@contextlib.contextmanager
def output_lock(output: Path, sidecars: tuple[str, ...] = ()) -> Iterator[None]:
    """One build per output at a time; a second one exits 4 naming the holder. Temporary files a
    killed build left beside the output (and its sidecars) are removed once the lock is held."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        lock_path = output.parent / f".{output.name}.lock"
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole build
    except OSError as exc:
        raise BuildError(f"cannot write to {output.parent}: {exc.strerror}", 4) from None
    held = False
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another build"
            raise BuildError(f"{output} is being built by {holder}; try again when it ends", 4) from None
        held = True
        for name in (output.name, *(output.with_suffix(suffix).name for suffix in sidecars)):
            for stale in output.parent.glob(f".{glob_escape(name)}.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        yield
    finally:
        if held:
            with contextlib.suppress(OSError):
                lock_path.unlink()
        handle.close()


def write_tree(target: Path, files: dict[str, bytes], marker: str = ".booklet-output") -> None:
    """A folder of outputs (a web site) written whole: into a fresh folder beside `target`, then
    swapped in, so a reader never sees half of it and a failure leaves the previous one as it was.
    `files` maps relative POSIX paths to their bytes. Only a folder this function wrote (it holds
    `marker`) is ever replaced: any other existing file or folder at `target` is refused.
    Raises BuildError (exit 4) naming the folder."""
    import shutil

    if (target.exists() or target.is_symlink()) and not (target.is_dir() and (target / marker).is_file()):
        raise BuildError(
            f"{target} exists and is not an earlier output of this build; it is left alone "
            "(remove it, or write elsewhere with -o)",
            4,
        )
    files = {**files, marker: b"written by booklet; replaced whole by the next build\n"}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise BuildError(f"cannot write to {target.parent}: {exc.strerror}", 4) from None
    old = None
    try:
        for name, data in sorted(files.items()):
            path = fresh / name
            if not path.resolve().is_relative_to(fresh.resolve()):
                raise ValueError(f"{name} lies outside {target}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(fresh, 0o777 & ~_umask())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / "previous")
        os.replace(fresh, target)
    except BaseException as exc:
        if old is not None and not target.exists():
            with contextlib.suppress(OSError):
                os.replace(old / "previous", target)
        shutil.rmtree(fresh, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BuildError(f"cannot write {target}: {exc.strerror}", 4) from None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
