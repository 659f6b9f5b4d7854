"""The building blocks of a problem: the bounds of every value, the checks on text and
numbers, validation messages, and the base model every part derives from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from dutyplan.errors import ProblemError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


# "changes" is only in play when re-planning (dutyplan.replan): duties moved from a published plan
LEVELS = ("cover", "changes", "rules", "preferences", "commute", "fairness")


Level = Literal["cover", "changes", "rules", "preferences", "commute", "fairness"]


NIGHT_WINDOW = (0, 5 * 60)  # a shift touching 00:00-05:00 is a night shift by default


# --------------------------------------------------------------------------- input bounds
#: Every count and weight a problem can hold is bounded, so that no objective level of any
#: problem can overflow CP-SAT's 64-bit integer arithmetic (see :func:`check_magnitudes`,
#: which also bounds the worst case of each level for the problem at hand).
MAX_WEIGHT = 10**9  # cost per unit of any weight (a gate's priority x minutes: up to 1.44e9)
MAX_NEED = 10_000  # people one gate-shift needs
MAX_DAYS = 3660  # horizon length (ten years)
MAX_LIMIT = 10**9  # the value of a rule's limit (minutes, hours, days, km...)
MAX_COMMUTE_KM = 100_000.0  # round trip per duty (twice the way round the Earth and more)
MAX_COMMUTE_MINUTES = 100_000.0  # round trip per duty, minutes (about 69 days)
MAX_SPEED_KMH = 10_000.0
MAX_NAME = 1_000  # characters of a name; ids have at most 200


#: ``worst case of the scalar objective`` must stay below this: CP-SAT reports objective
#: values and bounds as doubles, exact up to 2**53.
MAX_OBJECTIVE = 2**53


# control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
# overrides and isolates ("Trojan Source"): never in an id or a name, so that no terminal,
# spreadsheet, calendar or XML file receives them
FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def plain_text(value: str) -> str:
    found = FORBIDDEN_CHARS.search(value)
    if found is not None:
        char = found.group()
        raise ValueError(
            f"control character U+{ord(char):04X} at position {found.start()} is not allowed "
            "in ids and names"
        )
    return value


def number_not_text(value: Any) -> Any:
    """A weight is a number: ``true`` or ``"30"`` are refused, not read as 1 or 30."""
    if isinstance(value, (bool, str)):
        raise ValueError(f"a weight is a whole number, not {type(value).__name__}")
    return value


Id = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(plain_text)]


Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(plain_text)]


Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT), BeforeValidator(number_not_text)]


PositiveWeight = Annotated[int, Field(ge=1, le=MAX_WEIGHT), BeforeValidator(number_not_text)]


def validation_details(error: ValidationError) -> list[tuple[str, str]]:
    """``(field.path, message)`` pairs of a pydantic error, nested errors flattened."""
    details: list[tuple[str, str]] = []
    for item in error.errors():
        loc = ".".join(str(part) for part in item["loc"])
        inner = (item.get("ctx") or {}).get("error")
        if isinstance(inner, ProblemError) and inner.details:
            for sub_loc, sub_msg in inner.details:
                details.append((".".join(x for x in (loc, sub_loc) if x), sub_msg))
            continue
        value = item.get("input")
        msg = item["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if not isinstance(value, (dict, list)) or item["type"] in ("missing",):
            shown = repr(value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            if item["type"] != "missing":
                msg = f"{msg} (got {shown})"
        details.append((loc, msg))
    return details


def format_validation_error(error: ValidationError, title: str = "invalid problem") -> str:
    """Turn a pydantic error into lines of ``field.path: message (got value)``."""
    return format_details(validation_details(error), title)


def format_details(details: list[tuple[str, str]], title: str) -> str:
    lines = [f"{title}: {len(details)} error(s)"]
    lines += [f"  {loc or '(root)'}: {msg}" for loc, msg in details]
    return "\n".join(lines)


def problem_error(error: ValidationError, title: str) -> ProblemError:
    details = validation_details(error)
    return ProblemError(format_details(details, title), details)


class ProblemPart(BaseModel):
    """Base of the input models: strict about unknown fields, errors as ProblemError."""

    model_config = ConfigDict(
        extra="forbid", frozen=False, str_strip_whitespace=True, allow_inf_nan=False
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise problem_error(error, f"invalid {type(self).__name__}") from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as error:
            raise problem_error(error, f"invalid {cls.__name__}") from None

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as error:
            raise problem_error(error, f"invalid {cls.__name__}") from None


def check_unique(ids: Iterable[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} id {item!r} in '{field}'")
        seen.add(item)
