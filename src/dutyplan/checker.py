"""The independent checker: recompute every violation and every unit of cost of a plan.

This module re-implements ``docs/rules.md`` from scratch, without the solver: it imports only
``dutyplan.problem``, ``dutyplan.plan``, ``dutyplan.errors``, the standard library and numpy.
Use it to audit a plan (from the solver, from a file, or written by hand)::

    report = check(problem, plan)
    if not report.ok:
        print(report.summary())

Conventions where the rules leave room (they only matter for plans that already break an
always-hard check):

* An assignment naming an unknown person, site, gate or shift type, or a date outside the
  horizon, is reported once as ``unknown`` and ignored for everything else.
* A person *works* a shift instance ``(date, shift)`` when at least one assignment says so;
  rules about time (rest, runs, windows, minutes, nights, weekends, shifts per day, fairness)
  count each worked instance once, even if it is assigned twice (``duplicate``).
* Rules about a *duty* (commute, ``max_commute_km``, ``max_day_minutes``, site preferences,
  ``gate_role``, ``unavailable``, ``closed_gate``) look at every assignment.
* Cover and roles count *distinct people* at a gate-shift / at a site. For roles, a duty
  counts for a piece only if it covers the whole piece (a duty at a closed gate-shift may not
  line up with the pieces).
* A ``roles`` shortfall is reported (hard) or itemised (soft) once per site, requirement and
  calendar date on which the short pieces start.
* Every time is measured in whole minutes from the horizon start, from the shift types (the
  ``start``/``end`` written in an assignment are only compared, under ``times``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dutyplan.plan import Assignment, Plan
from dutyplan.problem import (
    LEVELS,
    DemandEntry,
    Limit,
    Person,
    Problem,
    RoleRequirement,
    Rules,
    ShiftType,
)

__all__ = ["CheckReport", "Penalty", "Violation", "check"]

logger = logging.getLogger(__name__)

DAY_MINUTES = 24 * 60

#: Always-hard checks, in the order of docs/rules.md.
ALWAYS_HARD = (
    "unknown",
    "closed_gate",
    "times",
    "duplicate",
    "overlap",
    "gate_role",
    "unavailable",
    "over_cover",
)


# =========================================================================== report models


class Violation(BaseModel):
    """A broken hard rule: which rule, who, when, where, and a sentence saying what happened."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    person: str | None = None
    date: dt.date | None = None
    site: str | None = None
    detail: str


class Penalty(BaseModel):
    """One nonzero cost term of the objective (before the level weight is applied)."""

    model_config = ConfigDict(extra="forbid")

    level: str
    rule: str
    cost: int
    person: str | None = None
    site: str | None = None
    date: dt.date | None = None
    detail: str


class CheckReport(BaseModel):
    """What :func:`check` found: violations, itemised costs, level values and the objective.

    ``levels`` always holds the five levels; ``levels[level]`` is the sum of the costs of the
    penalties of that level. ``objective = sum(weights[level] * levels[level])``.
    ``objective_matches`` compares it with the objective the plan reports (None if the plan
    reports none).
    """

    model_config = ConfigDict(extra="forbid")

    problem: str
    violations: list[Violation] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    levels: dict[str, int]
    weights: dict[str, int]
    objective: int
    plan_objective: int | None = None
    objective_matches: bool | None = None

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations

    def violations_by_rule(self) -> dict[str, list[Violation]]:
        """Violations grouped by rule name (in order of first appearance)."""
        grouped: dict[str, list[Violation]] = {}
        for violation in self.violations:
            grouped.setdefault(violation.rule, []).append(violation)
        return grouped

    def costs_by_rule(self) -> dict[str, dict[str, int]]:
        """``{level: {rule: total cost}}`` over the penalties."""
        totals: dict[str, dict[str, int]] = {level: {} for level in LEVELS}
        for penalty in self.penalties:
            level = totals.setdefault(penalty.level, {})
            level[penalty.rule] = level.get(penalty.rule, 0) + penalty.cost
        return totals

    def summary(self, max_rows: int = 20) -> str:
        """A readable text report: violations by rule, level values and costs, objective."""
        lines: list[str] = []
        head = "OK, no hard rule broken" if self.ok else f"{len(self.violations)} violation(s)"
        lines.append(f"Check of a plan for {self.problem!r}: {head}")
        for rule, items in self.violations_by_rule().items():
            lines.append(f"  {rule} ({len(items)}):")
            for item in items[:max_rows]:
                lines.append(f"    - {item.detail}")
            if len(items) > max_rows:
                lines.append(f"    ... and {len(items) - max_rows} more")
        lines.append("Levels (value x weight):")
        by_rule = self.costs_by_rule()
        for level in LEVELS:
            value = self.levels.get(level, 0)
            weight = self.weights.get(level, 1)
            lines.append(f"  {level:<12} {value:>12} x {weight}")
            for rule, cost in sorted(by_rule.get(level, {}).items(), key=lambda kv: -kv[1]):
                lines.append(f"      {rule:<28} {cost:>12}")
        lines.append(f"Objective: {self.objective}")
        if self.plan_objective is not None:
            verdict = "matches" if self.objective_matches else "DOES NOT MATCH"
            lines.append(f"Plan reports objective {self.plan_objective}: {verdict}")
        return "\n".join(lines)


# =========================================================================== helpers


@dataclass(slots=True)
class _Duty:
    """A known assignment with indices and times in minutes from the horizon start."""

    assignment: Assignment
    person: int
    site: int
    gate: int
    day: int
    shift: ShiftType
    start: int
    end: int


@dataclass(slots=True)
class _Instance:
    """A shift instance worked by one person."""

    day: int
    shift: ShiftType
    start: int
    end: int


@dataclass(slots=True)
class _Days:
    """One person's calendar over the horizon, from their worked instances."""

    instances: list[_Instance]
    worked: list[bool]  # a shift starts on the date
    night: list[bool]  # a night shift starts on the date
    shifts: list[int]  # shifts starting on the date
    minutes: list[int]  # minutes of the shifts starting on the date
    worked_set: set[tuple[int, str]]  # (day, shift id)

    @classmethod
    def of(cls, instances: list[_Instance], n_days: int) -> _Days:
        days = cls(
            instances,
            [False] * n_days,
            [False] * n_days,
            [0] * n_days,
            [0] * n_days,
            {(i.day, i.shift.id) for i in instances},
        )
        for i in instances:
            days.worked[i.day] = True
            days.night[i.day] = days.night[i.day] or i.shift.is_night
            days.shifts[i.day] += 1
            days.minutes[i.day] += i.shift.minutes
        return days


def _runs(flags: Sequence[bool], value: bool = True) -> list[tuple[int, int]]:
    """``(first index, length)`` of each maximal run of ``value`` in ``flags``."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(flags):
        if flag == value:
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(flags) - start))
    return runs


def _hm(minutes: int) -> str:
    """``'8 h'`` or ``'7 h 30 min'``."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d} min"


# =========================================================================== the checker


class _Checker:
    """Holds the problem's lookups and the findings while one plan is checked."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.problem = problem
        self.plan = plan
        self.dates = problem.dates
        self.n_days = len(self.dates)
        self.day_labels = [day.isoformat() for day in self.dates]
        self.origin = dt.datetime.combine(problem.horizon.start, dt.time(0))
        self.shifts = {s.id: s for s in problem.shift_types}
        self.person_index = {p.id: i for i, p in enumerate(problem.people)}
        self.site_index = {s.id: i for i, s in enumerate(problem.sites)}
        self.gate_index = [{g.id: gi for gi, g in enumerate(s.gates)} for s in problem.sites]
        self.round_km = np.floor(problem.commute_km_matrix() + 0.5).astype(np.int64)
        self.commute_min = np.floor(problem.commute_minutes_matrix() + 0.5).astype(np.int64)
        self.rules = [problem.effective_rules(p) for p in problem.people]
        self.violations: list[Violation] = []
        self.penalties: list[Penalty] = []
        self.levels = dict.fromkeys(LEVELS, 0)
        # resolved demand of every gate-shift: (site, gate, day, shift id) -> entry or None
        self.demand: dict[tuple[int, int, int, str], DemandEntry | None] = {}
        for si, site in enumerate(problem.sites):
            for gi in range(len(site.gates)):
                for d, day in enumerate(self.dates):
                    for shift in problem.shift_types:
                        self.demand[(si, gi, d, shift.id)] = problem.demand(si, gi, day, shift.id)
        self.duties: list[_Duty] = []
        self.by_person: list[list[_Duty]] = [[] for _ in problem.people]
        self.instances: list[list[_Instance]] = [[] for _ in problem.people]

    # ------------------------------------------------------------------ recording
    def violate(
        self,
        rule: str,
        detail: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
    ) -> None:
        self.violations.append(
            Violation(
                rule=rule,
                person=None if person is None else self.problem.people[person].id,
                date=self._date(day),
                site=None if site is None else self.problem.sites[site].id,
                detail=detail,
            )
        )

    def penalise(
        self,
        level: str,
        rule: str,
        cost: int,
        detail: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
    ) -> None:
        if cost == 0:
            return
        self.levels[level] += int(cost)
        self.penalties.append(
            Penalty(
                level=level,
                rule=rule,
                cost=int(cost),
                person=None if person is None else self.problem.people[person].id,
                date=self._date(day),
                site=None if site is None else self.problem.sites[site].id,
                detail=detail,
            )
        )

    def limit(
        self,
        rule: str,
        limit: Limit | None,
        excess: int,
        what: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
    ) -> None:
        """Record ``excess`` units of a Limit: a violation if hard, a rules cost if soft."""
        if limit is None or excess <= 0:
            return
        if limit.weight is None:
            self.violate(rule, what, person, day, site)
        else:
            detail = f"{what} (cost {limit.weight} x {excess})"
            self.penalise("rules", rule, limit.weight * excess, detail, person, day, site)

    # ------------------------------------------------------------------ labels
    def _date(self, day: int | dt.date | None) -> dt.date | None:
        if day is None or isinstance(day, dt.date):
            return day
        return self.problem.horizon.start + dt.timedelta(days=day)

    def who(self, p: int) -> str:
        person = self.problem.people[p]
        return person.id if person.name is None else f"{person.name} ({person.id})"

    def where(self, s: int, g: int | None = None) -> str:
        site = self.problem.sites[s]
        if g is None:
            return site.label
        return f"{site.label} / {site.gates[g].label}"

    def day(self, d: int) -> str:
        if 0 <= d < self.n_days:
            return self.day_labels[d]
        return self._date(d).isoformat()  # type: ignore[union-attr]

    def clock(self, minute: int) -> str:
        return (self.origin + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M")

    def span(self, start: int, end: int) -> str:
        first, last = self.clock(start), self.clock(end)
        if first[:10] == last[:10]:
            return f"{first}-{last[11:]}"
        return f"{first} - {last}"

    def inst(self, shift: ShiftType, d: int) -> str:
        return f"{shift.label} on {self.day(d)}"

    # ------------------------------------------------------------------ steps
    def run(self) -> None:
        self.read_assignments()
        self.check_gate_shifts()
        for p in range(len(self.problem.people)):
            self.check_person(p)
        self.check_units()
        self.check_roles()
        self.check_commute()
        self.check_fairness()

    def read_assignments(self) -> None:
        """``unknown`` and ``times``; builds the duties and each person's worked instances."""
        problem = self.problem
        first, last = problem.horizon.start, problem.last_date
        for a in self.plan.assignments:
            wrong: list[str] = []
            p = self.person_index.get(a.person)
            s = self.site_index.get(a.site)
            shift = self.shifts.get(a.shift)
            g = None if s is None else self.gate_index[s].get(a.gate)
            if p is None:
                wrong.append(f"unknown person {a.person!r}")
            if s is None:
                wrong.append(f"unknown site {a.site!r}")
            elif g is None:
                wrong.append(f"unknown gate {a.gate!r} of site {problem.sites[s].label}")
            if shift is None:
                wrong.append(f"unknown shift type {a.shift!r}")
            if not first <= a.date <= last:
                wrong.append(f"date {a.date} outside the horizon {first}..{last}")
            if wrong:
                self.violations.append(
                    Violation(
                        rule="unknown",
                        person=a.person,
                        date=a.date,
                        site=a.site,
                        detail=(
                            f"assignment of {a.person!r} at {a.site!r}/{a.gate!r} on {a.date} "
                            f"shift {a.shift!r}: " + "; ".join(wrong)
                        ),
                    )
                )
                continue
            assert p is not None and s is not None and g is not None and shift is not None
            d = problem.day_index(a.date)
            start = d * DAY_MINUTES + shift.start_minute
            duty = _Duty(a, p, s, g, d, shift, start, start + shift.minutes)
            self.duties.append(duty)
            self.by_person[p].append(duty)
            real_start = dt.datetime.combine(a.date, shift.start)
            real_end = real_start + dt.timedelta(minutes=shift.minutes)
            if a.start != real_start or a.end != real_end:
                self.violate(
                    "times",
                    f"{self.who(p)} at {self.where(s, g)}: {self.inst(shift, d)} is written "
                    f"{a.start.isoformat(' ')} to {a.end.isoformat(' ')}, but the shift runs "
                    f"{real_start.isoformat(' ')} to {real_end.isoformat(' ')}",
                    p,
                    d,
                    s,
                )
        # worked instances and duplicates
        for p, duties in enumerate(self.by_person):
            seen: dict[tuple[int, str], list[_Duty]] = {}
            for duty in duties:
                seen.setdefault((duty.day, duty.shift.id), []).append(duty)
            for (d, _), group in seen.items():
                shift = group[0].shift
                self.instances[p].append(
                    _Instance(d, shift, group[0].start, group[0].end)
                )
                if len(group) > 1:
                    places = ", ".join(self.where(x.site, x.gate) for x in group)
                    self.violate(
                        "duplicate",
                        f"{self.who(p)} is assigned {len(group)} times to "
                        f"{self.inst(shift, d)} ({places})",
                        p,
                        d,
                    )
            self.instances[p].sort(key=lambda i: (i.start, i.end, i.shift.id))

    def check_gate_shifts(self) -> None:
        """``closed_gate``, ``gate_role``, ``unavailable``, ``over_cover`` and the cover level."""
        problem = self.problem
        people_at: dict[tuple[int, int, int, str], set[int]] = defaultdict(set)
        for duty in self.duties:
            key = (duty.site, duty.gate, duty.day, duty.shift.id)
            person = problem.people[duty.person]
            gate = problem.sites[duty.site].gates[duty.gate]
            label = f"{self.who(duty.person)} at {self.where(duty.site, duty.gate)}"
            if self.demand[key] is None:
                self.violate(
                    "closed_gate",
                    f"{label}: the gate is closed for {self.inst(duty.shift, duty.day)}",
                    duty.person,
                    duty.day,
                    duty.site,
                )
            people_at[key].add(duty.person)
            if gate.role is not None and gate.role not in person.roles:
                self.violate(
                    "gate_role",
                    f"{label} on {self.inst(duty.shift, duty.day)}: the gate needs role "
                    f"{gate.role!r}, which this person does not have",
                    duty.person,
                    duty.day,
                    duty.site,
                )
            if self._unavailable(person, duty.assignment.date, duty.shift.id):
                self.violate(
                    "unavailable",
                    f"{label} on {self.inst(duty.shift, duty.day)}, when this person is "
                    "unavailable",
                    duty.person,
                    duty.day,
                    duty.site,
                )
        for (s, g, d, shift_id), entry in self.demand.items():
            if entry is None:
                continue
            n = len(people_at.get((s, g, d, shift_id), ()))
            shift = self.shifts[shift_id]
            what = f"{self.where(s, g)}, {self.inst(shift, d)}"
            if n < entry.need:
                missing = entry.need - n
                under = entry.under_weight or 0
                self.penalise(
                    "cover",
                    "under_cover",
                    under * missing,
                    f"{what}: {n} of {entry.need} people, {missing} missing "
                    f"(cost {under} x {missing})",
                    day=d,
                    site=s,
                )
            elif n > entry.need:
                extra = n - entry.need
                if entry.over_weight is None:
                    self.violate(
                        "over_cover",
                        f"{what}: {n} people for a need of {entry.need}, and extra people "
                        "are not allowed there",
                        day=d,
                        site=s,
                    )
                else:
                    self.penalise(
                        "cover",
                        "over_cover",
                        entry.over_weight * extra,
                        f"{what}: {n} people for a need of {entry.need}, {extra} extra "
                        f"(cost {entry.over_weight} x {extra})",
                        day=d,
                        site=s,
                    )

    @staticmethod
    def _unavailable(person: Person, day: dt.date, shift_id: str) -> bool:
        return any(
            u.date == day and (u.shift is None or u.shift == shift_id) for u in person.unavailable
        )

    # ------------------------------------------------------------------ per person
    def check_person(self, p: int) -> None:
        """Every per-person rule (effective rules), overlap, and the preferences."""
        days = _Days.of(self.instances[p], self.n_days)
        rules = self.rules[p]
        self._check_overlap_and_rest(p, rules, days)
        self._check_successions(p, rules, days)
        self._check_runs(p, rules, days)
        self._check_windows(p, rules, days)
        self._check_totals(p, rules, days)
        self._check_duties(p, rules)
        self.check_preferences(p, days)

    def _check_overlap_and_rest(self, p: int, rules: Rules, days: _Days) -> None:
        """``overlap`` (always hard), ``max_shifts_per_day`` and ``min_rest_hours``."""
        who = self.who(p)
        instances = days.instances  # sorted by start
        for k, a in enumerate(instances):
            for b in instances[k + 1 :]:
                if b.start >= a.end:
                    break
                self.violate(
                    "overlap",
                    f"{who} works {self.inst(a.shift, a.day)} ({self.span(a.start, a.end)}) and "
                    f"{self.inst(b.shift, b.day)} ({self.span(b.start, b.end)}), which overlap",
                    p,
                    a.day,
                )

        limit = rules.max_shifts_per_day
        if limit is not None:
            for d, count in enumerate(days.shifts):
                self.limit(
                    "max_shifts_per_day",
                    limit,
                    count - limit.value,
                    f"{who} works {count} shifts starting on {self.day(d)}, "
                    f"more than {limit.value}",
                    p,
                    d,
                )

        # min_rest_hours: ordered pairs with 0 <= start_j - end_i < 60 v
        limit = rules.min_rest_hours
        if limit is not None and limit.value > 0:
            starts = [i.start for i in instances]
            rest_min = 60 * limit.value
            for a in instances:
                lo = bisect.bisect_left(starts, a.end)
                hi = bisect.bisect_left(starts, a.end + rest_min)
                for b in instances[lo:hi]:
                    self.limit(
                        "min_rest_hours",
                        limit,
                        1,
                        f"{who} rests {_hm(b.start - a.end)} between {self.inst(a.shift, a.day)} "
                        f"(ends {self.clock(a.end)}) and {self.inst(b.shift, b.day)} "
                        f"(starts {self.clock(b.start)}), less than {limit.value} h",
                        p,
                        a.day,
                    )

    def _check_successions(self, p: int, rules: Rules, days: _Days) -> None:
        """``forbidden_successions``: first on d, then on d + 1, both in the horizon."""
        who = self.who(p)
        for succ in rules.forbidden_successions:
            for d in range(self.n_days - 1):
                if (d, succ.first) in days.worked_set and (d + 1, succ.then) in days.worked_set:
                    first, then = self.shifts[succ.first], self.shifts[succ.then]
                    what = (
                        f"{who} works {self.inst(first, d)} then {self.inst(then, d + 1)} "
                        f"(forbidden succession {succ.first} -> {succ.then})"
                    )
                    if succ.weight is None:
                        self.violate("forbidden_successions", what, p, d)
                    else:
                        self.penalise(
                            "rules",
                            "forbidden_successions",
                            succ.weight,
                            f"{what} (cost {succ.weight} x 1)",
                            p,
                            d,
                        )

    def _check_runs(self, p: int, rules: Rules, days: _Days) -> None:
        """Runs of worked dates, days off and night dates (Curtois convention)."""
        who = self.who(p)
        last = self.n_days - 1
        limit = rules.max_consecutive_days
        if limit is not None:
            for start, length in _runs(days.worked, True):
                self.limit(
                    "max_consecutive_days",
                    limit,
                    length - limit.value,
                    f"{who} works {length} consecutive days {self.day(start)}.."
                    f"{self.day(start + length - 1)}, more than {limit.value}",
                    p,
                    start,
                )
        for rule, value, noun in (
            ("min_consecutive_days", True, "consecutive days worked"),
            ("min_consecutive_days_off", False, "consecutive days off"),
        ):
            limit = getattr(rules, rule)
            if limit is None:
                continue
            for start, length in _runs(days.worked, value):
                if start == 0 or start + length - 1 == last:
                    continue  # a run touching the horizon's ends is never too short
                self.limit(
                    rule,
                    limit,
                    limit.value - length,
                    f"{who} has only {length} {noun} {self.day(start)}.."
                    f"{self.day(start + length - 1)}, fewer than {limit.value}",
                    p,
                    start,
                )
        limit = rules.max_consecutive_nights
        if limit is not None:
            for start, length in _runs(days.night, True):
                self.limit(
                    "max_consecutive_nights",
                    limit,
                    length - limit.value,
                    f"{who} works {length} consecutive night dates {self.day(start)}.."
                    f"{self.day(start + length - 1)}, more than {limit.value}",
                    p,
                    start,
                )

    def _check_windows(self, p: int, rules: Rules, days: _Days) -> None:
        """Every window of 7 consecutive horizon dates (none if the horizon is shorter)."""
        who = self.who(p)
        limit_off, limit_hours = rules.min_days_off_per_7, rules.max_hours_per_7
        if limit_off is None and limit_hours is None:
            return
        for w in range(self.n_days - 6):
            window = f"{self.day(w)}..{self.day(w + 6)}"
            if limit_off is not None:
                off = 7 - sum(days.worked[w : w + 7])
                self.limit(
                    "min_days_off_per_7",
                    limit_off,
                    limit_off.value - off,
                    f"{who} has {off} day(s) off in {window}, fewer than {limit_off.value}",
                    p,
                    w,
                )
            if limit_hours is not None:
                minutes = sum(days.minutes[w : w + 7])
                self.limit(
                    "max_hours_per_7",
                    limit_hours,
                    minutes - 60 * limit_hours.value,
                    f"{who} works {_hm(minutes)} in {window}, more than {limit_hours.value} h",
                    p,
                    w,
                )

    def _check_totals(self, p: int, rules: Rules, days: _Days) -> None:
        """Minutes, shifts per type and weekends over the whole horizon."""
        who = self.who(p)
        instances = days.instances
        total = sum(days.minutes)
        if rules.min_minutes is not None:
            self.limit(
                "min_minutes",
                rules.min_minutes,
                rules.min_minutes.value - total,
                f"{who} works {total} minutes, fewer than {rules.min_minutes.value}",
                p,
            )
        if rules.max_minutes is not None:
            self.limit(
                "max_minutes",
                rules.max_minutes,
                total - rules.max_minutes.value,
                f"{who} works {total} minutes, more than {rules.max_minutes.value}",
                p,
            )
        for shift_id, limit in rules.max_shifts.items():
            count = sum(1 for i in instances if i.shift.id == shift_id)
            self.limit(
                "max_shifts",
                limit,
                count - limit.value,
                f"{who} works {count} {self.shifts[shift_id].label} shifts, more than "
                f"{limit.value}",
                p,
            )
        limit = rules.max_weekends
        if limit is not None:
            weekends = sorted(
                {
                    self.problem.weekend_index(self.dates[i.day])
                    for i in instances
                    if self.problem.is_weekend(self.dates[i.day])
                }
            )
            self.limit(
                "max_weekends",
                limit,
                len(weekends) - limit.value,
                f"{who} works on {len(weekends)} weekends, more than {limit.value}",
                p,
            )

    def _check_duties(self, p: int, rules: Rules) -> None:
        """Per duty: ``max_commute_km``, ``max_day_minutes``; then ``keep_one_site``."""
        who = self.who(p)
        for duty in self.by_person[p]:
            km = int(self.round_km[p, duty.site])
            cmin = int(self.commute_min[p, duty.site])
            at = f"{who} at {self.where(duty.site)} on {self.inst(duty.shift, duty.day)}"
            if rules.max_commute_km is not None:
                self.limit(
                    "max_commute_km",
                    rules.max_commute_km,
                    km - rules.max_commute_km.value,
                    f"{at}: round trip {km} km, more than {rules.max_commute_km.value} km",
                    p,
                    duty.day,
                    duty.site,
                )
            if rules.max_day_minutes is not None:
                day_minutes = duty.shift.minutes + cmin
                self.limit(
                    "max_day_minutes",
                    rules.max_day_minutes,
                    day_minutes - rules.max_day_minutes.value,
                    f"{at}: {duty.shift.minutes} min shift + {cmin} min commute = "
                    f"{day_minutes} min, more than {rules.max_day_minutes.value}",
                    p,
                    duty.day,
                    duty.site,
                )

        sites = sorted({duty.site for duty in self.by_person[p]})
        if rules.keep_one_site and len(sites) > 1:
            names = ", ".join(self.where(s) for s in sites)
            self.violate("keep_one_site", f"{who} works at {len(sites)} sites: {names}", p)

    def check_preferences(self, p: int, days: _Days) -> None:
        """The preferences level for one person."""
        problem = self.problem
        person = problem.people[p]
        who = self.who(p)
        for pref in person.preferences:
            d = None if pref.date is None else problem.day_index(pref.date)
            on = "" if d is None else f" on {self.day(d)}"
            count = 0
            if pref.kind == "site":
                target = self.site_index[pref.site]  # type: ignore[index]
                for duty in self.by_person[p]:
                    if d is not None and duty.day != d:
                        continue
                    if (duty.site != target) == pref.want:
                        count += 1
                where = "other sites than" if pref.want else "site"
                what = f"{who}: {count} shift(s){on} at {where} {problem.sites[target].label}"
                rule = "site_preference"
            elif pref.kind == "shift":
                shift = self.shifts[pref.shift]  # type: ignore[index]
                if d is not None:
                    works = (d, shift.id) in days.worked_set
                    count = int(works != pref.want)
                    verb = "does not work" if pref.want else "works"
                    what = f"{who} {verb} {self.inst(shift, d)}"
                else:
                    count = sum(
                        1 for (_, sid) in days.worked_set if (sid != shift.id) == pref.want
                    )
                    kind = "other than" if pref.want else "of type"
                    what = f"{who}: {count} shift(s) {kind} {shift.label}"
                rule = "shift_preference"
            else:  # day_off
                assert d is not None
                count = int(days.worked[d] == pref.want)
                if pref.want:
                    what = f"{who} works on {self.day(d)}, wished off"
                else:
                    what = f"{who} is off on {self.day(d)}, wished to work"
                rule = "day_off_preference"
            if count:
                wish = "wants" if pref.want else "does not want"
                self.penalise(
                    "preferences",
                    rule,
                    pref.weight * count,
                    f"{what} ({wish}; cost {pref.weight} x {count})",
                    p,
                    d,
                )

    # ------------------------------------------------------------------ team rules
    def check_units(self) -> None:
        """``unit_sites_weight``: sites used by a unit beyond the first."""
        weight = self.problem.rules.unit_sites_weight
        if weight is None:
            return
        sites: dict[str, set[int]] = defaultdict(set)
        for duty in self.duties:
            unit = self.problem.people[duty.person].unit
            if unit is not None:
                sites[unit].add(duty.site)
        for unit, used in sorted(sites.items()):
            extra = len(used) - 1
            if extra > 0:
                names = ", ".join(self.where(s) for s in sorted(used))
                self.penalise(
                    "rules",
                    "unit_sites_weight",
                    weight * extra,
                    f"unit {unit!r} works at {len(used)} sites ({names}), {extra} beyond the "
                    f"first (cost {weight} x {extra})",
                )

    def check_roles(self) -> None:
        """``roles``: people with a role on duty at a site, piece by piece of its needed time."""
        problem = self.problem
        requirements = problem.rules.roles
        if not requirements:
            return
        # open gate-shifts of each site: (start, end, needs people)
        open_at: list[list[tuple[int, int, bool]]] = [[] for _ in problem.sites]
        for (s, _g, d, shift_id), entry in self.demand.items():
            if entry is not None:
                shift = self.shifts[shift_id]
                start = d * DAY_MINUTES + shift.start_minute
                open_at[s].append((start, start + shift.minutes, entry.need > 0))
        duties_at: list[dict[int, list[tuple[int, int]]]] = [
            defaultdict(list) for _ in problem.sites
        ]
        for duty in self.duties:
            duties_at[duty.site][duty.person].append((duty.start, duty.end))
        for req in requirements:
            scope = req.sites if req.sites is not None else [s.id for s in problem.sites]
            for site_id in dict.fromkeys(scope):  # each site once, in order
                s = self.site_index[site_id]
                self._check_role_at(req, s, open_at[s], duties_at[s])

    def _check_role_at(
        self,
        req: RoleRequirement,
        s: int,
        gate_shifts: list[tuple[int, int, bool]],
        duties: dict[int, list[tuple[int, int]]],
    ) -> None:
        if not any(need for _, _, need in gate_shifts):
            return
        bounds = np.array(sorted({t for a, b, _ in gate_shifts for t in (a, b)}), dtype=np.int64)
        n_pieces = len(bounds) - 1
        # pieces where the site needs people
        needed = np.zeros(n_pieces + 1, dtype=np.int64)
        for a, b, need in gate_shifts:
            if need:
                needed[np.searchsorted(bounds, a)] += 1
                needed[np.searchsorted(bounds, b)] -= 1
        needed = np.cumsum(needed)[:n_pieces] > 0
        # distinct people with the role covering each piece
        present = np.zeros(n_pieces + 1, dtype=np.int64)
        for p, spans in duties.items():
            if req.role not in self.problem.people[p].roles:
                continue
            merged: list[list[int]] = []
            for a, b in sorted(spans):
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            for a, b in merged:
                lo = int(np.searchsorted(bounds, a, side="left"))
                hi = int(np.searchsorted(bounds, b, side="right")) - 1
                if hi > lo:
                    present[lo] += 1
                    present[hi] -= 1
        present = np.cumsum(present)[:n_pieces]
        short = np.where(needed, np.maximum(0, req.count - present), 0)
        # group short pieces by the calendar date on which they start
        by_day: dict[int, list[int]] = defaultdict(list)
        for k in np.flatnonzero(short):
            by_day[int(bounds[k] // DAY_MINUTES)].append(int(k))
        for d, pieces in sorted(by_day.items()):
            parts = [
                f"{self.span(int(bounds[k]), int(bounds[k + 1]))} has {int(present[k])} of "
                f"{req.count}"
                for k in pieces
            ]
            what = (
                f"{self.where(s)}: too few people with role {req.role!r} on duty: "
                + "; ".join(parts)
            )
            if req.weight is None:
                self.violate("roles", what, day=d, site=s)
            else:
                person_minutes = sum(
                    int(short[k]) * int(bounds[k + 1] - bounds[k]) for k in pieces
                )
                self.penalise(
                    "rules",
                    "roles",
                    req.weight * person_minutes,
                    f"{what} (cost {req.weight} x {person_minutes} missing person-minutes)",
                    day=d,
                    site=s,
                )

    # ------------------------------------------------------------------ commute, fairness
    def check_commute(self) -> None:
        """The commute level: whole km per duty, itemised per person and site."""
        count: dict[tuple[int, int], int] = defaultdict(int)
        for duty in self.duties:
            count[(duty.person, duty.site)] += 1
        for (p, s), n in sorted(count.items()):
            km = int(self.round_km[p, s])
            self.penalise(
                "commute",
                "commute",
                km * n,
                f"{self.who(p)}: {n} duty(ies) at {self.where(s)} x {km} km round trip",
                p,
                site=s,
            )

    def eligible(self) -> list[int]:
        """People with at least one admissible duty (see the fairness level in the rules)."""
        problem = self.problem
        # open dates of each (site, gate, shift)
        open_days: dict[tuple[int, int, str], list[int]] = defaultdict(list)
        for (s, g, d, shift_id), entry in self.demand.items():
            if entry is not None:
                open_days[(s, g, shift_id)].append(d)
        result: list[int] = []
        for p, person in enumerate(problem.people):
            rules = self.rules[p]
            max_km = rules.max_commute_km
            if max_km is not None and not max_km.hard:
                max_km = None  # a soft limit only costs; the duty stays admissible
            max_day = rules.max_day_minutes
            if max_day is not None and not max_day.hard:
                max_day = None
            off_days = {problem.day_index(u.date) for u in person.unavailable if u.shift is None}
            off_shifts = {
                (problem.day_index(u.date), u.shift) for u in person.unavailable if u.shift
            }
            found = False
            for (s, g, shift_id), days in open_days.items():
                gate = problem.sites[s].gates[g]
                if gate.role is not None and gate.role not in person.roles:
                    continue
                if max_km is not None and int(self.round_km[p, s]) > max_km.value:
                    continue
                minutes = self.shifts[shift_id].minutes + int(self.commute_min[p, s])
                if max_day is not None and minutes > max_day.value:
                    continue
                if any(d not in off_days and (d, shift_id) not in off_shifts for d in days):
                    found = True
                    break
            if found:
                result.append(p)
        return result

    def check_fairness(self) -> None:
        """The fairness level: weighted ranges of nights, weekend shifts and minutes; the
        weighted sum of squared shift counts."""
        objective = self.problem.objective
        if objective.fairness_shift_squares:
            for p in range(len(self.problem.people)):
                count = len(self.instances[p])
                if count:
                    self.penalise(
                        "fairness",
                        "fairness_shift_squares",
                        objective.fairness_shift_squares * count * count,
                        f"{self.who(p)}: {count} shifts, squared (cost "
                        f"{objective.fairness_shift_squares} x {count}^2)",
                        p,
                    )
        people = self.eligible()
        if len(people) < 2:
            return
        figures: dict[str, list[int]] = {"nights": [], "weekends": [], "minutes": []}
        for p in people:
            instances = self.instances[p]
            figures["nights"].append(sum(1 for i in instances if i.shift.is_night))
            figures["weekends"].append(
                sum(1 for i in instances if self.problem.is_weekend(self.dates[i.day]))
            )
            figures["minutes"].append(sum(i.shift.minutes for i in instances))
        for name, noun, weight in (
            ("nights", "night shifts", objective.fairness_nights),
            ("weekends", "weekend shifts", objective.fairness_weekends),
            ("minutes", "minutes worked", objective.fairness_minutes),
        ):
            values = figures[name]
            hi, lo = int(np.argmax(values)), int(np.argmin(values))
            spread = values[hi] - values[lo]
            self.penalise(
                "fairness",
                f"fairness_{name}",
                weight * spread,
                f"{noun} range over {len(people)} eligible people: {values[hi]} "
                f"({self.who(people[hi])}) - {values[lo]} ({self.who(people[lo])}) = {spread} "
                f"(cost {weight} x {spread})",
            )


# =========================================================================== entry point


def check(problem: Problem, plan: Plan) -> CheckReport:
    """Check ``plan`` against ``problem`` following docs/rules.md, without the solver.

    Never raises on a bad plan: unknown ids and dates are reported as ``unknown`` violations.
    """
    checker = _Checker(problem, plan)
    checker.run()
    weights = {level: problem.objective.weight(level) for level in LEVELS}
    objective = sum(weights[level] * checker.levels[level] for level in LEVELS)
    reported = plan.result.objective
    logger.debug(
        "checked %d assignments: %d violations, objective %d",
        len(plan.assignments),
        len(checker.violations),
        objective,
    )
    return CheckReport(
        problem=problem.name,
        violations=checker.violations,
        penalties=checker.penalties,
        levels=checker.levels,
        weights=weights,
        objective=objective,
        plan_objective=reported,
        objective_matches=None if reported is None else reported == objective,
    )
