"""Writing files safely: whole or not at all, and only where writing is possible.

* :func:`write_atomic` writes a temporary file next to the target, flushes and fsyncs it, then
  renames it over the target: a reader (or a rerun after Ctrl-C or ``kill -9``) sees the old
  file or the new one, never half of one.
* :func:`writable_file` and :func:`writable_directory` check a path before any work starts,
  so that a long solve never ends in "cannot write" with its plan lost.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dutyplan.errors import DutyplanError

__all__ = ["writable_directory", "writable_file", "write_atomic"]


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; its directory is created if missing.
    The file keeps the permissions it had (a new one gets the usual ones, umask applied), and
    a symbolic link is written through, not replaced."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """This process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _probe(directory: Path) -> None:
    """Create and remove a file in ``directory`` (raises OSError if that is not possible)."""
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix=".dutyplan-probe-", delete=True)
    handle.close()


def writable_directory(path: str | Path, what: str) -> Path:
    """``path`` as a directory this process can write in (created if missing), or a
    :class:`DutyplanError` naming ``what`` and the path."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DutyplanError(f"{what}: {str(path)!r} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        _probe(path)
    except OSError as error:
        raise DutyplanError(f"{what}: cannot write in {str(path)!r}: {error.strerror or error}") from None
    return path


def writable_file(path: str | Path, what: str, suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` as a file this process can write, or a :class:`DutyplanError` naming ``what``
    and the path. Nothing is created: the nearest directory that exists on its way must let
    this process create what is missing. ``suffixes``: the endings allowed (lower case, with
    the dot), if any."""
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise DutyplanError(
            f"{what}: {str(path)!r} must end in {', '.join(suffixes)} (got {path.suffix or 'no suffix'!r})"
        )
    if path.is_dir():
        raise DutyplanError(f"{what}: {str(path)!r} is a directory, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise DutyplanError(f"{what}: {str(path)!r} cannot be written (no permission)")
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise DutyplanError(f"{what}: {str(path)!r} cannot be written: {str(ancestor)!r} is a file")
    try:
        _probe(ancestor)
    except OSError as error:
        raise DutyplanError(
            f"{what}: {str(path)!r} cannot be written: no file can be made in {str(ancestor)!r} "
            f"({error.strerror or error})"
        ) from None
    return path
