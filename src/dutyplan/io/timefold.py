"""Timefold's "employee scheduling" quickstart data sets, and its score.

The data sets (``small.json``, ``large.json``; see ``benchmarks/timefold-employee`` in the
shared data) list employees (name, skills, unavailable, undesired and desired dates) and
shifts (id, start, end, location, required skill). :func:`load` turns one into an ordinary
dutyplan :class:`~dutyplan.problem.Problem`:

* each location is a site; each required skill at a location is a gate whose role is that
  skill and whose demand, per date and shift type, is the number of the data's shifts with
  that location, skill, start date and clock times (interchangeable shifts are one demand);
* a shift type per distinct start time and length (e.g. ``0600-1400``, ``2200-0600``); a
  shift's date is its start date;
* people are the employees, with their skills as roles; they may work at any location;
* rules: at most one shift per start date, at least 10 hours between two shifts, no overlap
  (always hard in dutyplan), all hard;
* an unavailable date makes every shift that has minutes on that date unavailable (a night
  shift starting the day before included); undesired and desired dates become dated shift
  preferences weighted by the shift's minutes on that date, exactly as the quickstart weighs
  them (see :func:`minutes_on`);
* objective, lexicographic: cover (every shift staffed), then preferences, then the balance
  of shift counts (``fairness_shift_squares``; nothing else).

Times are local date-times without a UTC offset (``2026-01-05T06:00:00``), in whole minutes;
dates are ``YYYY-MM-DD``. Everything that flows into the problem is checked when the data set
is read (:func:`parse`), against the bounds the problem applies (the horizon at most
:data:`~dutyplan.problem.MAX_DAYS` days, at most :data:`~dutyplan.problem.MAX_NEED`
interchangeable shifts, ids as the problem's), so that every error names the data set's field
path (``shifts.3.start``) and value.

:func:`score` scores any assignment of shifts to employees the way the quickstart does (hard
and soft score), from the data alone; :func:`shift_assignment` reads a dutyplan plan as such
an assignment. Both never touch the solver.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from dutyplan.errors import ProblemError
from dutyplan.io.files import parse_json, read_text
from dutyplan.plan import Plan
from dutyplan.problem import MAX_DAYS, MAX_NEED, Id, Problem, validation_details

MIN_REST_MINUTES = 600
DAY_END = dt.time(23, 59, 59, 999999)  # the quickstart's day window ends here, not at 24:00
MAX_REPORTED = 10  # validation errors listed in one message; the rest are counted
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_text(value: Any) -> Any:
    """Let only a ``YYYY-MM-DD`` string (or a :class:`datetime.date`) through as a date.

    pydantic alone would also take a date-time at midnight with any UTC offset, or a number
    of seconds since 1970, as a date.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("expected a date as YYYY-MM-DD")


def _datetime_text(value: Any) -> Any:
    """Let only a string (or a :class:`datetime.datetime`) through as a date-time.

    pydantic alone would read a number as seconds since 1970, in UTC.
    """
    if isinstance(value, (str, dt.datetime)):
        return value
    raise ValueError("expected a local date-time such as 2026-01-05T06:00:00")


def _local_minute(value: dt.datetime) -> dt.datetime:
    """Refuse a date-time with a UTC offset, or one that is not on a whole minute."""
    if value.tzinfo is not None:
        raise ValueError(
            "has a UTC offset; local times without an offset are expected "
            "(such as 2026-01-05T06:00:00)"
        )
    if value.second or value.microsecond:
        raise ValueError("must be a whole minute (no seconds)")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_text)]
LocalTime = Annotated[dt.datetime, BeforeValidator(_datetime_text), AfterValidator(_local_minute)]


def _invalid(path: str, message: str) -> ProblemError:
    """An error to raise in a validator that names the field path below the model's own."""
    return ProblemError(message, [(path, message)])


class Employee(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Id
    skills: list[Id] = Field(default_factory=list)
    unavailable_dates: list[Date] = Field(default_factory=list)
    undesired_dates: list[Date] = Field(default_factory=list)
    desired_dates: list[Date] = Field(default_factory=list)


class Shift(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1)
    start: LocalTime
    end: LocalTime
    location: Id
    required_skill: Id

    @model_validator(mode="after")
    def _ends_after_start(self) -> Shift:
        if not self.start < self.end:
            raise _invalid(
                "end", f"shift {self.id!r} ends ({self.end}) before it starts ({self.start})"
            )
        if self.end - self.start > dt.timedelta(hours=24):
            raise _invalid(
                "end", f"shift {self.id!r} lasts more than 24 hours ({self.start} to {self.end})"
            )
        return self

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def type_id(self) -> str:
        return f"{self.start:%H%M}-{self.end:%H%M}"


class Dataset(BaseModel):
    """One data set as the JSON files hold it (``source`` and notes are kept, not used)."""

    model_config = ConfigDict(extra="allow")

    start_date: Date | None = None
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    employees: list[Employee] = Field(min_length=1)
    shifts: list[Shift] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Dataset:
        for what, field_path, ids in (
            ("employee name", "employees.{}.name", [e.name for e in self.employees]),
            ("shift id", "shifts.{}.id", [s.id for s in self.shifts]),
        ):
            seen: set[str] = set()
            for index, value in enumerate(ids):
                if value in seen:
                    raise _invalid(field_path.format(index), f"duplicate {what} {value!r}")
                seen.add(value)
        return self

    @model_validator(mode="after")
    def _horizon(self) -> Dataset:
        """Every shift starts in a horizon of at most MAX_DAYS days from the first date."""
        starts = [s.start.date() for s in self.shifts]
        first_index = min(range(len(starts)), key=starts.__getitem__)
        last_index = max(range(len(starts)), key=starts.__getitem__)
        if self.start_date is not None and starts[first_index] < self.start_date:
            raise _invalid(
                f"shifts.{first_index}.start",
                f"shift {self.shifts[first_index].id!r} starts on {starts[first_index]}, "
                f"before start_date {self.start_date}",
            )
        first = self.start_date or starts[first_index]
        span = (starts[last_index] - first).days + 1
        if span > MAX_DAYS:
            since = "start_date" if self.start_date is not None else f"shifts.{first_index}.start"
            raise _invalid(
                f"shifts.{last_index}.start",
                f"the shifts span {span} days, from {first} ({since}) to {starts[last_index]} "
                f"(shifts.{last_index}.start); at most {MAX_DAYS} days can be planned",
            )
        return self

    @model_validator(mode="after")
    def _interchangeable(self) -> Dataset:
        """At most MAX_NEED shifts share location, skill, start date and clock times."""
        counts: dict[tuple[str, str, dt.date, str], int] = defaultdict(int)
        for index, shift in enumerate(self.shifts):
            key = (shift.location, shift.required_skill, shift.start.date(), shift.type_id)
            counts[key] += 1
            if counts[key] > MAX_NEED:
                raise _invalid(
                    f"shifts.{index}",
                    f"more than {MAX_NEED} shifts at {shift.location!r} needing "
                    f"{shift.required_skill!r} on {key[2]} at {shift.type_id} (at most {MAX_NEED} "
                    "people can be needed on one shift)",
                )
        return self

    @property
    def first_date(self) -> dt.date:
        return self.start_date or min(s.start.date() for s in self.shifts)

    @property
    def horizon_days(self) -> int:
        last = max(s.start.date() for s in self.shifts)
        return max(self.days or 0, (last - self.first_date).days + 1)


# --------------------------------------------------------------------------- reading


def looks_like(text: str) -> bool:
    """True when ``text`` is a JSON object with ``employees`` and ``shifts`` lists."""
    head = text.lstrip()
    if not head.startswith("{"):
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # malformed, a number too long, or nested too deeply
        return False
    return isinstance(data, dict) and isinstance(data.get("employees"), list) and isinstance(
        data.get("shifts"), list
    ) and "sites" not in data


def read(path: str | Path) -> Dataset:
    """Read and validate a data set file."""
    path = Path(path)
    return parse(read_text(path, "Timefold data set"), str(path))


def parse(text: str, source: str = "timefold data") -> Dataset:
    """Parse and validate the JSON text of a data set; errors name the field path and value."""
    data = parse_json(text, source)
    try:
        return Dataset.model_validate(data)
    except ValidationError as error:
        details = validation_details(error)
        raise ProblemError(
            f"{source}: not a Timefold employee-scheduling data set: {_listed(details)}", details
        ) from None


def _listed(details: list[tuple[str, str]]) -> str:
    """``path: message`` pairs in one line, the first :data:`MAX_REPORTED` of them."""
    shown = "; ".join(
        f"{where or '(root)'}: {message}" for where, message in details[:MAX_REPORTED]
    )
    more = len(details) - MAX_REPORTED
    return f"{shown}; and {more} more error(s)" if more > 0 else shown


def _problem(data: Dataset, name: str, source: str) -> Problem:
    """:func:`to_problem`, with any error it raises prefixed by ``source``."""
    try:
        return to_problem(data, name=name)
    except ProblemError as error:
        error.args = (f"{source}: {error}",)
        raise


def load(path: str | Path) -> Problem:
    """A data set file as a dutyplan problem (see the module docstring)."""
    path = Path(path)
    return _problem(read(path), path.stem, str(path))


def loads(text: str, name: str = "timefold") -> Problem:
    """The JSON text of a data set as a dutyplan problem named ``name``."""
    return _problem(parse(text, name), name, name)


# --------------------------------------------------------------------------- the quickstart's weights


def minutes_on(start: dt.datetime, end: dt.datetime, date: dt.date) -> int:
    """Minutes of ``[start, end)`` inside ``date``, as the quickstart weighs date matches.

    Its day window is ``[00:00, 23:59:59.999999]`` and the overlap is cut to whole minutes:
    480 for a shift within one date, 119 (not 120) for the 22:00-24:00 part of a night shift,
    360 for its 00:00-06:00 part on the next date.
    """
    lo = max(start, dt.datetime.combine(date, dt.time(0)))
    hi = min(end, dt.datetime.combine(date, DAY_END))
    if hi <= lo:
        return 0
    return int((hi - lo).total_seconds() // 60)


def _dates_touched(shift: Shift) -> list[dt.date]:
    first, last = shift.start.date(), shift.end.date()
    return [first] if first == last else [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _date_weights(shift: Shift, dates: set[dt.date]) -> int:
    """Sum of the quickstart's weights of one shift against a set of dates."""
    return sum(minutes_on(shift.start, shift.end, d) for d in _dates_touched(shift) if d in dates)


# --------------------------------------------------------------------------- to a problem


def to_problem(data: Dataset, name: str = "timefold") -> Problem:
    start = data.first_date
    types: dict[str, dict[str, Any]] = {}
    for index, shift in enumerate(data.shifts):
        types.setdefault(
            shift.type_id,
            {"id": shift.type_id, "start": shift.start.time().isoformat(timespec="minutes"),
             "minutes": shift.minutes},
        )
        if types[shift.type_id]["minutes"] != shift.minutes:  # same clock times, other length
            raise ProblemError(
                f"shifts.{index}: shift {shift.id!r} lasts {shift.minutes} minutes, other shifts "
                f"of {shift.type_id} last {types[shift.type_id]['minutes']}"
            )
    # demand: location -> skill -> date -> type -> count
    demand: dict[str, dict[str, dict[dt.date, dict[str, int]]]] = {}
    for shift in data.shifts:
        per_date = demand.setdefault(shift.location, {}).setdefault(shift.required_skill, {})
        per_type = per_date.setdefault(shift.start.date(), {})
        per_type[shift.type_id] = per_type.get(shift.type_id, 0) + 1
    sites = [
        {
            "id": location,
            "gates": [
                {"id": skill, "role": skill,
                 "dates": {d.isoformat(): dict(sorted(t.items())) for d, t in sorted(dates.items())}}
                for skill, dates in sorted(skills.items())
            ],
        }
        for location, skills in demand.items()
    ]
    # one instance per (type, start date): its weights against a person's dates
    instances = {(s.type_id, s.start.date()): s for s in data.shifts}
    people = []
    for employee in data.employees:
        unavailable, prefs = [], []
        off = set(employee.unavailable_dates)
        for (type_id, day), shift in sorted(instances.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if _date_weights(shift, off) > 0:
                unavailable.append({"date": day.isoformat(), "shift": type_id})
            for dates, want in ((employee.desired_dates, True), (employee.undesired_dates, False)):
                weight = _date_weights(shift, set(dates))
                if weight:
                    prefs.append({"kind": "shift", "shift": type_id, "date": day.isoformat(),
                                  "want": want, "weight": weight})
        people.append({"id": employee.name, "roles": sorted(employee.skills),
                       "unavailable": unavailable, "preferences": prefs})
    return Problem.model_validate(
        {
            "name": name,
            "horizon": {"start": start.isoformat(), "days": data.horizon_days},
            "shift_types": sorted(types.values(), key=lambda t: (t["start"], t["minutes"])),
            "sites": sites,
            "people": people,
            "rules": {
                "max_shifts_per_day": 1,
                "min_rest_hours": MIN_REST_MINUTES // 60,
                "keep_one_site": False,
            },
            "objective": {
                "mode": "lexicographic",
                "weights": {"commute": 0},
                "fairness_nights": 0,
                "fairness_weekends": 0,
                "fairness_minutes": 0,
                "fairness_shift_squares": 1,
            },
        }
    )


# --------------------------------------------------------------------------- score


@dataclass
class Score:
    """The quickstart's score of one assignment: hard first, then soft; higher is better.

    ``hard`` and ``soft`` are the quickstart's numbers (soft to 5 decimals). ``breakdown``
    gives each rule's total (penalties negative, rewards positive), ``violations`` the number
    of hard-rule matches. ``unassigned``: shifts with no employee, which the quickstart cannot
    produce; dutyplan counts each as -1 hard.
    """

    hard: int
    soft: float
    violations: int
    unassigned: int
    breakdown: dict[str, float] = field(default_factory=dict)
    shift_counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.hard}hard/{self.soft:.5f}soft"

    def summary(self) -> str:
        parts = ", ".join(f"{rule} {value:g}" for rule, value in self.breakdown.items() if value)
        counts = sorted(self.shift_counts.values())
        spread = f"; shifts per employee {counts[0]}-{counts[-1]}" if counts else ""
        return (
            f"Timefold score {self}: {self.violations} hard violation(s)"
            f"{f', {self.unassigned} unassigned shift(s)' if self.unassigned else ''}"
            f"{f' ({parts})' if parts else ''}{spread}"
        )


def score(data: Dataset, assignment: dict[str, str | None]) -> Score:
    """Score ``assignment`` (shift id -> employee name, or None) the way the quickstart does."""
    employees = {e.name: e for e in data.employees}
    by_id = {s.id: s for s in data.shifts}
    for shift_id, name in assignment.items():
        if shift_id not in by_id:
            raise ProblemError(f"assignment names unknown shift id {shift_id!r}")
        if name is not None and name not in employees:
            raise ProblemError(f"assignment of shift {shift_id!r} names unknown employee {name!r}")
    rules = {name: 0 for name in ("unassigned", "missing_skill", "overlap", "rest_10h",
                                  "one_shift_per_day", "unavailable")}
    matches = defaultdict(int)
    soft = {"undesired": 0, "desired": 0}
    worked: dict[str, list[Shift]] = defaultdict(list)
    for shift in data.shifts:
        name = assignment.get(shift.id)
        if name is None:
            rules["unassigned"] -= 1
            matches["unassigned"] += 1
            continue
        worked[name].append(shift)
    for name, shifts in worked.items():
        employee = employees[name]
        off = set(employee.unavailable_dates)
        for shift in shifts:
            if shift.required_skill not in employee.skills:
                rules["missing_skill"] -= 1
                matches["missing_skill"] += 1
            for dates, bucket, sign in ((off, None, -1), (set(employee.undesired_dates), "undesired", -1),
                                        (set(employee.desired_dates), "desired", 1)):
                for d in _dates_touched(shift):
                    if d in dates:
                        weight = minutes_on(shift.start, shift.end, d)
                        if bucket is None:
                            rules["unavailable"] -= weight
                            matches["unavailable"] += weight > 0
                        else:
                            soft[bucket] += sign * weight
        ordered = sorted(shifts, key=lambda s: (s.start, s.end, s.id))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                overlap = (min(a.end, b.end) - max(a.start, b.start)).total_seconds() // 60
                if overlap > 0:
                    rules["overlap"] -= int(overlap)
                    matches["overlap"] += 1
                else:
                    first, second = (a, b) if a.end <= b.start else (b, a)
                    gap = int((second.start - first.end).total_seconds() // 60)
                    if gap < MIN_REST_MINUTES:
                        rules["rest_10h"] -= MIN_REST_MINUTES - gap
                        matches["rest_10h"] += 1
                if a.start.date() == b.start.date():
                    rules["one_shift_per_day"] -= 1
                    matches["one_shift_per_day"] += 1
    counts = {e.name: len(worked.get(e.name, [])) for e in data.employees}
    mean = len([s for s in data.shifts if assignment.get(s.id) is not None]) / len(counts)
    balance = round(math.sqrt(sum((c - mean) ** 2 for c in counts.values())), 5)
    hard = sum(rules.values())
    soft_total = round(soft["desired"] + soft["undesired"] - balance, 5)
    breakdown: dict[str, float] = {**rules, **soft, "balance": -balance}
    return Score(
        hard=hard,
        soft=soft_total,
        violations=sum(matches[k] for k in matches if k != "unassigned"),
        unassigned=matches["unassigned"],
        breakdown=breakdown,
        shift_counts=counts,
    )


def shift_assignment(data: Dataset, plan: Plan) -> dict[str, str | None]:
    """A dutyplan plan of this data set as shift id -> employee name.

    Interchangeable shifts (same location, skill, start and end) take the plan's people in
    name order; a posting that matches no shift of the data is an error.
    """
    slots: dict[tuple[str, str, dt.date, str], list[str]] = defaultdict(list)
    for shift in data.shifts:
        slots[(shift.location, shift.required_skill, shift.start.date(), shift.type_id)].append(shift.id)
    people: dict[tuple[str, str, dt.date, str], list[str]] = defaultdict(list)
    for a in plan.assignments:
        people[(a.site, a.gate, a.date, a.shift)].append(a.person)
    result: dict[str, str | None] = {s.id: None for s in data.shifts}
    for key, names in people.items():
        ids = slots.get(key, [])
        if len(names) > len(ids):
            raise ProblemError(
                f"the plan posts {len(names)} people at {key[0]}/{key[1]} on {key[2]} "
                f"shift {key[3]}, where the data has {len(ids)} shift(s)"
            )
        for shift_id, name in zip(ids, sorted(names)):
            result[shift_id] = name
    return result


def soft_upper_bound(data: Dataset, problem: Problem, preferences_bound: int) -> float:
    """An upper bound on the quickstart's soft score of any plan with no hard violation.

    The soft score is (desired minutes - undesired minutes) - balance. In the problem
    :func:`to_problem` builds, the preferences level is ``W - (desired - undesired)`` with
    ``W`` the total weight of the desired-date preferences, so a lower bound on that level
    (proven with every shift staffed) bounds the first part; the balance is at least that of
    the most even split of all shifts over all employees.
    """
    wanted = sum(p.weight for person in problem.people for p in person.preferences if p.want)
    shifts, people = len(data.shifts), len(data.employees)
    mean = shifts / people
    high = shifts % people  # this many employees get one shift more than the rest
    low_count = shifts // people
    spread = high * (low_count + 1 - mean) ** 2 + (people - high) * (low_count - mean) ** 2
    return round(wanted - preferences_bound - math.sqrt(spread), 5)
