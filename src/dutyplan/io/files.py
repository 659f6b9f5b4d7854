"""Problem files in JSON or TOML, with errors that say where the file is wrong."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem
from dutyplan.writing import write_atomic

Format = Literal["json", "toml"]

#: Arrays and objects within each other: a problem file needs about 7 (problem, sites, gates,
#: dates, a demand table, an entry); deeper is refused before validation, which would
#: otherwise recurse that deep.
MAX_DEPTH = 64


def check_depth(data: Any, source: str, limit: int = MAX_DEPTH) -> Any:
    """``data`` if its arrays and objects nest at most ``limit`` deep, else a
    :class:`ProblemError` naming ``source`` and the path where it goes deeper."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            shown = path if len(path) <= 60 else f"{path[:40]}...{path[-12:]}"
            raise ProblemError(
                f"{source}: nested more than {limit} deep at {shown or '(root)'} (arrays or "
                "objects within each other; a problem needs fewer than 10)"
            )
        if isinstance(node, dict):
            stack.extend(
                (value, depth + 1, f"{path}.{key}" if path else str(key))
                for key, value in node.items() if isinstance(value, (dict, list))
            )
        elif isinstance(node, list):
            stack.extend(
                (value, depth + 1, f"{path}.{i}" if path else str(i))
                for i, value in enumerate(node) if isinstance(value, (dict, list))
            )
    return data


def problem_from_dict(data: Any, source: str = "problem") -> Problem:
    """Validate a parsed document as a :class:`Problem`."""
    if not isinstance(data, dict):
        raise ProblemError(f"{source}: a problem is an object/table, got {type(data).__name__}")
    try:
        return Problem.model_validate(data)
    except ProblemError as error:
        error.args = (f"{source}: {error}",)
        raise


def parse_json(text: str, source: str) -> Any:
    """Parse JSON text, or a :class:`ProblemError` naming ``source`` and where it is malformed.

    Also refused as errors, not raised as they are: arrays or objects nested too deeply for
    the parser (``RecursionError``) and numbers of more digits than Python converts.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemError(
            f"{source}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ProblemError(
            f"{source}: JSON nested too deeply (arrays or objects within each other beyond "
            "what the parser can follow)"
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        reason = str(error).partition("; use sys.")[0]  # no advice to change the interpreter
        raise ProblemError(f"{source}: malformed JSON: {reason}") from None
    return check_depth(data, source)


def problem_from_text(text: str, fmt: Format = "json", source: str = "problem") -> Problem:
    """Parse JSON or TOML text into a :class:`Problem`."""
    if fmt == "json":
        data = parse_json(text, source)
    elif fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ProblemError(f"{source}: malformed TOML: {error}") from None
        except RecursionError:
            raise ProblemError(
                f"{source}: TOML nested too deeply (arrays or tables within each other beyond "
                "what the parser can follow)"
            ) from None
        check_depth(data, source)
    else:
        raise ProblemError(f"unknown problem format {fmt!r} (use 'json' or 'toml')")
    return problem_from_dict(data, source)


def read_text(path: Path, what: str = "problem file", encoding: str = "utf-8") -> str:
    """A file's text, or a :class:`ProblemError` naming ``what`` could not be read and why."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise ProblemError(f"{what} not found: {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemError(f"cannot read {what} {str(path)!r}: {error}") from None


def load_problem(path: str | Path, fmt: Format | None = None) -> Problem:
    """Read a problem file; the format comes from the suffix (.json, .toml) unless given."""
    path = Path(path)
    text = read_text(path)
    if fmt is None:
        suffix = path.suffix.lower()
        if suffix == ".toml":
            fmt = "toml"
        elif suffix == ".json":
            fmt = "json"
        else:
            fmt = "json" if text.lstrip().startswith("{") else "toml"
    return problem_from_text(text, fmt, source=str(path))


def save_problem(problem: Problem, path: str | Path) -> None:
    """Write a problem as JSON (UTF-8, names kept as they are)."""
    write_atomic(path, problem.model_dump_json(indent=2, exclude_defaults=True) + "\n")
