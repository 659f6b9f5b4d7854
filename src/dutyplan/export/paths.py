"""Where an export goes: safe file names, and the file or directory ``out`` names."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dutyplan.errors import DutyplanError

if TYPE_CHECKING:
    from dutyplan.problem import Problem


OutPath = str | os.PathLike[str]


FILE_UNSAFE = re.compile(r"[^\w.-]+")
FILE_STEM_LENGTH = 100


WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)
}


def require(message: str, *modules: str) -> None:
    """Import ``modules`` or raise :class:`DutyplanError` with ``message`` (an install hint)."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise DutyplanError(message) from None


def file_stem(text: str, fallback: str) -> str:
    """``text`` as a file name stem any file system accepts (letters of any script kept)."""
    stem = FILE_UNSAFE.sub("_", text).strip("._")[:FILE_STEM_LENGTH] or fallback
    if stem.split(".")[0].upper() in WINDOWS_RESERVED:
        stem += "_"
    return stem


def file_stems(ids: Iterable[str]) -> dict[str, str]:
    """A file name stem per id, distinct even on case-insensitive file systems."""
    used: set[str] = set()
    stems: dict[str, str] = {}
    for item in ids:
        base = stem = file_stem(item, "item")
        number = 2
        while stem.casefold() in used:
            stem = f"{base}-{number}"
            number += 1
        used.add(stem.casefold())
        stems[item] = stem
    return stems


def output_file(problem: Problem, out: OutPath, suffix: str) -> Path:
    """``out`` if it ends in ``suffix``, else ``out/<problem name><suffix>``; parents made."""
    path = Path(out)
    if path.suffix.lower() != suffix:
        path = path / f"{file_stem(problem.name, 'plan')}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def output_dir(out: OutPath, what: str) -> Path:
    """``out`` as a directory, created if missing."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise DutyplanError(f"{what} export writes into a directory, but {str(path)!r} is a file")
    path.mkdir(parents=True, exist_ok=True)
    return path
