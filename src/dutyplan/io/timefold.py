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

:func:`score` scores any assignment of shifts to employees the way the quickstart does (hard
and soft score), from the data alone; :func:`shift_assignment` reads a dutyplan plan as such
an assignment. Both never touch the solver.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dutyplan.errors import ProblemError
from dutyplan.io.files import parse_json, read_text
from dutyplan.plan import Plan
from dutyplan.problem import Problem, validation_details

MIN_REST_MINUTES = 600
DAY_END = dt.time(23, 59, 59, 999999)  # the quickstart's day window ends here, not at 24:00


class Employee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    skills: list[str] = Field(default_factory=list)
    unavailable_dates: list[dt.date] = Field(default_factory=list)
    undesired_dates: list[dt.date] = Field(default_factory=list)
    desired_dates: list[dt.date] = Field(default_factory=list)


class Shift(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    start: dt.datetime
    end: dt.datetime
    location: str = Field(min_length=1)
    required_skill: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Shift:
        if not self.start < self.end:
            raise ValueError(f"shift {self.id!r} ends ({self.end}) before it starts ({self.start})")
        if self.end - self.start > dt.timedelta(hours=24):
            raise ValueError(f"shift {self.id!r} lasts more than 24 hours")
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

    start_date: dt.date | None = None
    days: int | None = Field(default=None, ge=1)
    employees: list[Employee] = Field(min_length=1)
    shifts: list[Shift] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Dataset:
        for what, ids in (("employee name", [e.name for e in self.employees]),
                          ("shift id", [s.id for s in self.shifts])):
            seen: set[str] = set()
            for value in ids:
                if value in seen:
                    raise ValueError(f"duplicate {what} {value!r}")
                seen.add(value)
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
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and isinstance(data.get("employees"), list) and isinstance(
        data.get("shifts"), list
    ) and "sites" not in data


def read(path: str | Path) -> Dataset:
    """Read and validate a data set file."""
    path = Path(path)
    return parse(read_text(path, "Timefold data set"), str(path))


def parse(text: str, source: str = "timefold data") -> Dataset:
    data = parse_json(text, source)
    try:
        return Dataset.model_validate(data)
    except ValidationError as error:
        details = "; ".join(f"{where}: {message}" for where, message in validation_details(error))
        raise ProblemError(f"{source}: not a Timefold employee-scheduling data set: {details}") from None


def load(path: str | Path) -> Problem:
    """A data set file as a dutyplan problem (see the module docstring)."""
    path = Path(path)
    return to_problem(read(path), name=path.stem)


def loads(text: str, name: str = "timefold") -> Problem:
    return to_problem(parse(text, name), name=name)


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
    for shift in data.shifts:
        types.setdefault(
            shift.type_id,
            {"id": shift.type_id, "start": shift.start.time().isoformat(timespec="minutes"),
             "minutes": shift.minutes},
        )
        if types[shift.type_id]["minutes"] != shift.minutes:  # same clock times, other length
            raise ProblemError(f"shift {shift.id!r}: spans more than a day differently from its type")
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
