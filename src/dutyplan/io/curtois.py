"""Curtois & Qu nurse-rostering instances (``Instance1.txt`` ... ``Instance24.txt``).

The "Employee Shift Scheduling Benchmark" format (schedulingbenchmarks.org/nrp) in
sections: horizon, shifts (length and the shifts that cannot follow), staff (limits),
days off, shift on/off requests and cover. :func:`load` turns an instance into an ordinary
dutyplan :class:`~dutyplan.problem.Problem`, whose objective equals the instance's own:

* one site ``ward`` with one gate ``cover``; its demand for each date and shift type is the
  instance's requirement, with the instance's under- and over-cover weights;
* each shift type starts at 00:00 (the format has no clock times; rest between shifts is
  governed by the forbidden successions alone) and is not a night shift;
* rules: at most one shift per day; the successions that cannot follow are forbidden; per
  person max shifts per type, min/max total minutes, min/max consecutive worked days, min
  consecutive days off and max weekends, all hard, with the format's boundary conventions
  (dutyplan's own, see ``docs/rules.md``); days off become unavailable dates;
* requests become dated shift preferences (on: ``want=True``; off: ``want=False``) with the
  request's weight;
* objective: one weighted sum of cover, rules and preferences (commute and fairness off).

Day 0 is a Monday: the horizon starts on :data:`START` (any Monday would do).

Every number is checked at the line it is read from against the bound the problem applies
(:data:`~dutyplan.problem.MAX_DAYS`, :data:`~dutyplan.problem.MAX_NEED`, ...), so that a bad
file is refused before anything is built, with an error naming the section and the line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pydantic import TypeAdapter, ValidationError

from dutyplan.errors import ProblemError
from dutyplan.io.files import read_text
from dutyplan.problem import MAX_DAYS, MAX_LIMIT, MAX_NEED, MAX_WEIGHT, Id, Problem

START = dt.date(2024, 1, 1)  # a Monday: day 0 of every instance
SITE, GATE = "ward", "cover"
SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER")
MAX_SHIFT_MINUTES = 24 * 60  # a shift type lasts 1..1440 minutes in dutyplan
STAFF_LIMITS = (  # SECTION_STAFF fields 2..7, each a rule value of at most MAX_LIMIT
    "MaxTotalMinutes", "MinTotalMinutes", "MaxConsecutiveShifts",
    "MinConsecutiveShifts", "MinConsecutiveDaysOff", "MaxWeekends",
)
_ID: TypeAdapter[str] = TypeAdapter(Id)


def _shown(text: str, most: int = 40) -> str:
    """``repr(text)``, cut to about ``most`` characters for an error message."""
    shown = repr(text)
    if len(shown) <= most:
        return shown
    return f"{shown[: most - 4]}...{shown[-1]} ({len(text)} characters)"


def looks_like(text: str) -> bool:
    """True when ``text`` is in this format (its first section header is SECTION_HORIZON)."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line == "SECTION_HORIZON"
    return False


@dataclass
class _Line:
    number: int  # 1-based line number in the file
    fields: list[str]


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.sections: dict[str, list[_Line]] = {}
        self.section_line: dict[str, int] = {}
        current: str | None = None
        # only CR, LF and CRLF end lines (str.splitlines also splits at form feeds, U+2028...),
        # so that line numbers are those an editor shows
        for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("SECTION_"):
                if line not in SECTIONS:
                    self.fail(line, number, f"unknown section {line!r}; known: {', '.join(SECTIONS)}")
                if line in self.sections:
                    self.fail(line, number, "section appears twice")
                current = line
                self.sections[line] = []
                self.section_line[line] = number
                continue
            if current is None:
                self.fail("(before any section)", number, f"expected a SECTION_ header, got {line!r}")
            self.sections[current].append(_Line(number, [f.strip() for f in line.split(",")]))
        for name in REQUIRED:
            if name not in self.sections:
                raise ProblemError(f"{source}: missing section {name}")

    def fail(self, section: str, number: int, message: str) -> NoReturn:
        """Raise a :class:`ProblemError` naming the file, the section and the line."""
        raise ProblemError(f"{self.source}: {section}, line {number}: {message}")

    def rows(self, section: str, fields: int | tuple[int, int]) -> list[_Line]:
        lo, hi = (fields, fields) if isinstance(fields, int) else fields
        rows = self.sections.get(section, [])
        for row in rows:
            if not lo <= len(row.fields) <= hi:
                want = str(lo) if lo == hi else f"{lo} to {hi}"
                self.fail(section, row.number, f"expected {want} comma-separated fields, got {len(row.fields)}")
        return rows

    def integer(
        self, section: str, row: _Line, position: int, name: str, *, low: int = 0, high: int
    ) -> int:
        """Field ``position`` of ``row`` as a whole number in ``low..high``."""
        return self.number(section, row.number, row.fields[position], name, low=low, high=high)

    def number(
        self, section: str, line: int, text: str, name: str, *, low: int = 0, high: int
    ) -> int:
        """``text`` as a whole number in ``low..high``, or fail naming section and line.

        Only ASCII digits with an optional minus sign are numbers (not ``1e20``, ``+3`` or
        ``4.0``); a number of more digits than the bounds have is refused before it is
        converted, so that no length of digits can be slow or overflow.
        """
        if not re.fullmatch(r"-?[0-9]+", text):
            self.fail(section, line, f"{name} must be a whole number, got {_shown(text)}")
        digits = text.lstrip("-").lstrip("0") or "0"
        if len(digits) > len(str(max(abs(low), abs(high)))):  # beyond either bound
            shown = text if len(text) <= 40 else f"{text[:20]}... ({len(digits)} digits)"
            if text.startswith("-"):
                self.fail(section, line, f"{name} must be >= {low}, got {shown}")
            self.fail(section, line, f"{name} must be at most {high}, got {shown}")
        value = int(text)
        if value < low:
            self.fail(section, line, f"{name} must be >= {low}, got {value}")
        if value > high:
            self.fail(section, line, f"{name} must be at most {high}, got {value}")
        return value

    def identifier(self, section: str, row: _Line, text: str, what: str) -> str:
        """``text`` as an id the problem accepts (1 to 200 characters, no control characters)."""
        try:
            return _ID.validate_python(text)
        except ValidationError as error:
            message = error.errors()[0]["msg"].removeprefix("Value error, ")
            self.fail(section, row.number, f"{what} {_shown(text)}: {message}")


def loads(text: str, name: str = "curtois", source: str | None = None) -> Problem:
    """Parse the text of an instance (LF or CRLF line ends) into a :class:`Problem`."""
    source = source or name
    r = _Reader(text, source)

    horizon_rows = r.rows("SECTION_HORIZON", 1)
    if len(horizon_rows) != 1:
        where = horizon_rows[1].number if len(horizon_rows) > 1 else r.section_line["SECTION_HORIZON"]
        r.fail("SECTION_HORIZON", where, f"expected one line with the number of days, got {len(horizon_rows)}")
    # bounded here, before any date is built: a huge horizon is refused at its line
    days = r.integer(
        "SECTION_HORIZON", horizon_rows[0], 0, "the horizon length in days", low=1, high=MAX_DAYS
    )
    dates = [START + dt.timedelta(days=d) for d in range(days)]

    def day_of(section: str, row: _Line, position: int) -> dt.date:
        d = r.integer(section, row, position, "day index", high=MAX_DAYS)
        if d >= days:
            r.fail(section, row.number, f"day index {d} is outside the horizon (0..{days - 1})")
        return dates[d]

    shift_ids: list[str] = []
    lengths: dict[str, int] = {}
    cannot_follow: dict[str, tuple[int, list[str]]] = {}
    for row in r.rows("SECTION_SHIFTS", (2, 3)):
        sid = row.fields[0]
        if not sid:
            r.fail("SECTION_SHIFTS", row.number, "empty shift id")
        sid = r.identifier("SECTION_SHIFTS", row, sid, "shift id")
        if sid in lengths:
            r.fail("SECTION_SHIFTS", row.number, f"duplicate shift id {sid!r}")
        lengths[sid] = r.integer(
            "SECTION_SHIFTS", row, 1, f"length of shift {sid!r} in minutes",
            low=1, high=MAX_SHIFT_MINUTES,
        )
        shift_ids.append(sid)
        following = row.fields[2] if len(row.fields) == 3 else ""
        thens = [f.strip() for f in following.split("|") if f.strip()]
        for then in {then for then in thens if thens.count(then) > 1}:
            r.fail("SECTION_SHIFTS", row.number, f"shift {then!r} is listed twice after {sid!r}")
        cannot_follow[sid] = (row.number, thens)
    if not shift_ids:
        r.fail("SECTION_SHIFTS", r.section_line["SECTION_SHIFTS"], "no shift types")

    def known_shift(section: str, row: _Line, sid: str) -> str:
        if sid not in lengths:
            r.fail(section, row.number, f"unknown shift id {sid!r}; known: {', '.join(shift_ids)}")
        return sid

    successions = []
    for sid, (number, thens) in cannot_follow.items():
        for then in thens:
            known_shift("SECTION_SHIFTS", _Line(number, []), then)
            successions.append({"first": sid, "then": then})

    people: dict[str, dict[str, Any]] = {}
    for row in r.rows("SECTION_STAFF", 8):
        pid = row.fields[0]
        if not pid:
            r.fail("SECTION_STAFF", row.number, "empty employee id")
        pid = r.identifier("SECTION_STAFF", row, pid, "employee id")
        if pid in people:
            r.fail("SECTION_STAFF", row.number, f"duplicate employee id {pid!r}")
        max_shifts: dict[str, dict[str, int]] = {}
        for item in filter(None, (f.strip() for f in row.fields[1].split("|"))):
            if "=" not in item:
                r.fail("SECTION_STAFF", row.number, f"MaxShifts entries are ShiftID=max, got {item!r}")
            sid, _, value = item.partition("=")
            sid = known_shift("SECTION_STAFF", row, sid.strip())
            if sid in max_shifts:
                r.fail("SECTION_STAFF", row.number, f"MaxShifts names shift {sid!r} twice")
            limit = r.number(
                "SECTION_STAFF", row.number, value.strip(), f"MaxShifts for {sid!r}", high=MAX_LIMIT
            )
            max_shifts[sid] = {"value": limit}
        values = {
            name: r.integer("SECTION_STAFF", row, 2 + i, name, high=MAX_LIMIT)
            for i, name in enumerate(STAFF_LIMITS)
        }
        if values["MinTotalMinutes"] > values["MaxTotalMinutes"]:
            r.fail("SECTION_STAFF", row.number, "MinTotalMinutes is above MaxTotalMinutes")
        rules: dict[str, Any] = {
            "max_shifts": max_shifts,
            "max_minutes": {"value": values["MaxTotalMinutes"]},
            "max_consecutive_days": {"value": values["MaxConsecutiveShifts"]},
            "max_weekends": {"value": values["MaxWeekends"]},
        }
        if values["MinTotalMinutes"] > 0:
            rules["min_minutes"] = {"value": values["MinTotalMinutes"]}
        if values["MinConsecutiveShifts"] > 1:
            rules["min_consecutive_days"] = {"value": values["MinConsecutiveShifts"]}
        if values["MinConsecutiveDaysOff"] > 1:
            rules["min_consecutive_days_off"] = {"value": values["MinConsecutiveDaysOff"]}
        people[pid] = {"id": pid, "rules": rules, "unavailable": [], "preferences": []}

    def known_person(section: str, row: _Line) -> dict[str, Any]:
        pid = row.fields[0]
        if pid not in people:
            r.fail(section, row.number, f"unknown employee id {pid!r}")
        return people[pid]

    for row in r.rows("SECTION_DAYS_OFF", (1, days + 1)):
        person = known_person("SECTION_DAYS_OFF", row)
        for position in range(1, len(row.fields)):
            if row.fields[position]:
                person["unavailable"].append({"date": day_of("SECTION_DAYS_OFF", row, position)})

    for section, want in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for row in r.rows(section, 4):
            person = known_person(section, row)
            person["preferences"].append(
                {
                    "kind": "shift",
                    "date": day_of(section, row, 1),
                    "shift": known_shift(section, row, row.fields[2]),
                    "want": want,
                    "weight": r.integer(section, row, 3, "weight", low=1, high=MAX_WEIGHT),
                }
            )

    cover: dict[dt.date, dict[str, dict[str, int]]] = {day: {} for day in dates}
    for row in r.rows("SECTION_COVER", 5):
        day = day_of("SECTION_COVER", row, 0)
        sid = known_shift("SECTION_COVER", row, row.fields[1])
        if sid in cover[day]:
            r.fail("SECTION_COVER", row.number, f"a second cover row for day {row.fields[0]}, shift {sid!r}")
        cover[day][sid] = {
            "need": r.integer("SECTION_COVER", row, 2, "Requirement", high=MAX_NEED),
            "under_weight": r.integer("SECTION_COVER", row, 3, "Weight for under", high=MAX_WEIGHT),
            "over_weight": r.integer("SECTION_COVER", row, 4, "Weight for over", high=MAX_WEIGHT),
        }

    data = {
        "name": name,
        "horizon": {"start": START, "days": days},
        "shift_types": [
            {"id": sid, "start": "00:00", "minutes": lengths[sid], "night": False} for sid in shift_ids
        ],
        "sites": [{"id": SITE, "gates": [{"id": GATE, "dates": cover}]}],
        "people": list(people.values()),
        "rules": {
            "max_shifts_per_day": {"value": 1},
            "min_rest_hours": None,
            "forbidden_successions": successions,
        },
        "objective": {
            "mode": "weighted",
            "weights": {"cover": 1, "rules": 1, "preferences": 1, "commute": 0, "fairness": 0},
        },
    }
    try:
        return Problem.model_validate(data)
    except ProblemError as error:
        error.args = (f"{source}: {error}",)
        raise


def load(path: str | Path) -> Problem:
    """Read an instance file; the problem is named after the file (``Instance5``)."""
    path = Path(path)
    text = read_text(path, "instance file", encoding="utf-8-sig")
    return loads(text, name=path.stem, source=str(path))
