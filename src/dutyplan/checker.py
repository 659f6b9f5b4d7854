"""The independent checker: recompute every violation and every unit of cost of a plan.

This module re-implements ``docs/rules.md`` from scratch, without the solver: it imports only
``dutyplan.problem``, ``dutyplan.plan``, ``dutyplan.claims`` (the plan's own figures,
recomputed), ``dutyplan.errors``, the standard library and numpy.
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

Many small checks of one problem (e.g. :mod:`dutyplan.uncovered`, which asks for every uncovered
gate-shift and every person what adding that duty would break) share the per-problem set-up
through a :class:`CheckContext`, and :func:`check_people` checks only what depends on some
people's own duties (every per-person rule, the per-duty always-hard checks, commute, and with
a base plan the team costs their duties change), not the cover of the whole plan.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dutyplan.claims import Mismatch, verify_claims
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
from dutyplan.rulebook import SITE_MOVE_FACTOR, change_weight

__all__ = [
    "CheckContext", "CheckReport", "Mismatch", "Penalty", "PlanChecker", "Violation", "check",
    "check_people", "check_people_of",
]

logger = logging.getLogger(__name__)

DAY_MINUTES = 24 * 60

#: Problems with at most this many people x sites keep whole people x sites tables of the
#: rounded commute (fast lookups); larger ones work out the pairs they need (no dense matrix).
DENSE_CELLS = 2_000_000

#: Looking for admissible duties without such a table: the sites tried first for each
#: person (then four times as many each round), the most (person, site) pairs worked out at
#: once, and how many people are looked at together (neighbours, when the commute comes
#: from coordinates).
FIRST_SITES = 16
PAIRS_PER_BATCH = 1_000_000
PEOPLE_PER_GROUP = 1024

#: Below the Earth's radius of every great-circle formula (6371 km or so): latitude bands
#: drawn with it hold every site within a person's reach.
EARTH_RADIUS_BELOW_KM = 6300.0

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
    reports none). ``mismatches``: every figure the plan states about itself (uncovered
    gate-shifts, coverage per gate, figures per person, level values, objective, bounds, gap,
    status) that its assignments contradict (see :mod:`dutyplan.claims`).

    ``ok``: no hard rule broken and every claim true; ``rules_ok``: no hard rule broken.
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
    mismatches: list[Mismatch] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken and everything the plan says of itself is true."""
        return not self.violations and not self.mismatches

    @property
    def rules_ok(self) -> bool:
        """True when no hard rule is broken (whatever the plan's own figures say)."""
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
        if self.ok:
            head = "OK, no hard rule broken, every figure of the plan true"
        else:
            found = [f"{len(self.violations)} violation(s)"] if self.violations else []
            if self.mismatches:
                found.append(f"{len(self.mismatches)} false figure(s) in the plan")
            head = ", ".join(found)
        lines.append(f"Check of a plan for {self.problem!r}: {head}")
        if self.mismatches:
            lines.append("  the plan says of itself what is not so:")
            for item in self.mismatches[:max_rows]:
                lines.append(f"    - {item.claim}: {item.detail}")
            if len(self.mismatches) > max_rows:
                lines.append(f"    ... and {len(self.mismatches) - max_rows} more")
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
    km: int = 0  # whole km of the round trip (rounded half up)
    cmin: int = 0  # whole minutes of the round trip (rounded half up)


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


@dataclass(slots=True)
class _Past:
    """A person's known dates before the horizon, oldest first (``Person.history``)."""

    worked: list[bool]
    night: list[bool]
    minutes: list[int]
    instances: list[_Instance]  # day < 0, minutes from the horizon start (negative)


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


# =========================================================================== shared set-up

#: An instance named in a finding: ``(day index, shift type id)``.
InstanceKey = tuple[int, str]


class CheckContext:
    """The per-problem set-up of the checker, built once and shared by many checks of one
    problem: lookups, commute in whole km and minutes, effective rules per person, the resolved
    demand of every gate-shift and (on first use) the people eligible for fairness.

    ``check(problem, plan, context=ctx)`` gives exactly what ``check(problem, plan)`` gives;
    the context only saves the set-up. It must not outlive a change of the problem.

    ``round_km[p, s]`` and ``commute_min[p, s]`` are the whole km and minutes (rounded half
    up) of a duty of person ``p`` at site ``s``. With ``dense`` (default: when people x sites
    is at most :data:`DENSE_CELLS`) they are people x sites arrays; otherwise no such matrix
    is built and they are worked out pair by pair on demand (:meth:`commute_km` and
    :meth:`commute_minutes` for many pairs at once). Both give the same figures.
    """

    def __init__(self, problem: Problem, dense: bool | None = None) -> None:
        self.problem = problem
        self.dates = problem.dates
        self.n_days = len(self.dates)
        self.day_labels = [day.isoformat() for day in self.dates]
        self.origin = dt.datetime.combine(problem.horizon.start, dt.time(0))
        self.shifts = {s.id: s for s in problem.shift_types}
        self.person_index = {p.id: i for i, p in enumerate(problem.people)}
        self.site_index = {s.id: i for i, s in enumerate(problem.sites)}
        self.gate_index = [{g.id: gi for gi, g in enumerate(s.gates)} for s in problem.sites]
        if dense is None:
            dense = len(problem.people) * len(problem.sites) <= DENSE_CELLS
        self.dense = dense
        self.round_km: np.ndarray | _PairTable
        self.commute_min: np.ndarray | _PairTable
        if dense:
            self.round_km = np.floor(problem.commute_km_matrix() + 0.5).astype(np.int64)
            self.commute_min = np.floor(problem.commute_minutes_matrix() + 0.5).astype(np.int64)
        else:
            self.round_km = _PairTable(self, 0)
            self.commute_min = _PairTable(self, 1)
        self._pair_cache: dict[tuple[int, int], tuple[int, int]] = {}  # large problems
        self.rules = [problem.effective_rules(p) for p in problem.people]
        # resolved demand of every gate-shift: (site, gate, day, shift id) -> entry or None;
        # equal entries are one object (a city has a few kinds and ~750,000 gate-shifts)
        self.demand: dict[tuple[int, int, int, str], DemandEntry | None] = {}
        kinds: dict[tuple[int, int | None, int | None], DemandEntry] = {}
        for si, site in enumerate(problem.sites):
            for gi, gate in enumerate(site.gates):
                # a gate has a few demand tables (every day, weekdays, dates): each is resolved
                # once, at the first date that uses it (the resolution depends on the table
                # and the gate only), and shared by the other dates
                resolved: dict[int, list[DemandEntry | None]] = {}
                for d, day in enumerate(self.dates):
                    table = id(gate.table_for(day))
                    if table not in resolved:
                        row = []
                        for shift in problem.shift_types:
                            entry = problem.demand(si, gi, day, shift.id)
                            if entry is not None:
                                kind = (entry.need, entry.under_weight, entry.over_weight)
                                entry = kinds.setdefault(kind, entry)
                            row.append(entry)
                        resolved[table] = row
                    for shift, entry in zip(problem.shift_types, resolved[table], strict=True):
                        self.demand[(si, gi, d, shift.id)] = entry
        self.eligible: list[int] | None = None  # filled by the first fairness check
        self._team: tuple[list[Assignment], _Team] | None = None  # of the last base plan

    def commute_km(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Whole km (rounded half up) of each pair ``(people[i], sites[i])`` (index arrays of
        one shape), as ``round_km[people, sites]``."""
        if self.dense:
            return np.asarray(self.round_km)[people, sites]
        return np.floor(self.problem.commute_km_pairs(people, sites) + 0.5).astype(np.int64)

    def commute_minutes(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Whole minutes (rounded half up) of each pair, as ``commute_min[people, sites]``."""
        if self.dense:
            return np.asarray(self.commute_min)[people, sites]
        return np.floor(self.problem.commute_minutes_pairs(people, sites) + 0.5).astype(np.int64)

    def pair_commute(
        self, pairs: Iterable[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """``{(p, s): (whole km, whole minutes)}`` of the given pairs of person and site."""
        wanted = list(dict.fromkeys(pairs))
        if self.dense:
            if not wanted:
                return {}
            people = np.array([p for p, _ in wanted], dtype=np.int64)
            sites = np.array([s for _, s in wanted], dtype=np.int64)
            km = self.commute_km(people, sites).tolist()
            minutes = self.commute_minutes(people, sites).tolist()
            return dict(zip(wanted, zip(km, minutes)))
        known = self._pair_cache
        missing = [pair for pair in wanted if pair not in known]
        if missing:
            people = np.array([p for p, _ in missing], dtype=np.int64)
            sites = np.array([s for _, s in missing], dtype=np.int64)
            km = self.commute_km(people, sites).tolist()
            minutes = self.commute_minutes(people, sites).tolist()
            known.update(zip(missing, zip(km, minutes)))
        return {pair: known[pair] for pair in wanted}

    def team(self, assignments: list[Assignment]) -> _Team:
        """The team figures of a base plan (cached for the last list of assignments seen)."""
        if self._team is None or self._team[0] is not assignments:
            checker = PlanChecker(self.problem, assignments, self)
            checker.read_assignments()
            self._team = (assignments, checker.team_figures())
        return self._team[1]


class _PairTable:
    """``table[p, s]`` of a large problem without a people x sites matrix: the figure of each
    pair asked for, worked out on demand (single pairs are remembered by the context)."""

    def __init__(self, context: CheckContext, column: int) -> None:
        self._context = context
        self._column = column  # 0: km, 1: minutes

    def __getitem__(self, key: tuple[Any, Any]) -> Any:
        people, sites = key
        if isinstance(people, (int, np.integer)) and isinstance(sites, (int, np.integer)):
            pair = (int(people), int(sites))
            return np.int64(self._context.pair_commute([pair])[pair][self._column])
        people, sites = np.broadcast_arrays(np.asarray(people), np.asarray(sites))
        if self._column == 0:
            return self._context.commute_km(people, sites)
        return self._context.commute_minutes(people, sites)


@dataclass(slots=True)
class _Team:
    """What the team-level costs need from a base plan, per person: the sites worked and the
    fairness figures (nights, weekend shifts, minutes)."""

    sites: list[set[int]]
    figures: list[tuple[int, int, int]]
    columns: dict[str, list[int]] | None = None  # figures of the eligible people, by name

    def eligible_columns(self, eligible: list[int]) -> dict[str, list[int]]:
        if self.columns is None:
            self.columns = {
                name: [self.figures[p][k] for p in eligible]
                for k, name in enumerate(("nights", "weekends", "minutes"))
            }
        return self.columns


# =========================================================================== the checker


class PlanChecker:
    """Holds the problem's lookups and the findings while one plan is checked.

    Next to every violation and penalty it keeps the shift instances the finding is about
    (``violation_refs``, ``penalty_refs``: overlap, rest, shifts per day, successions,
    duplicates), so that a caller can name the other duty involved.
    """

    def __init__(
        self,
        problem: Problem,
        assignments: Sequence[Assignment],
        context: CheckContext | None = None,
    ) -> None:
        ctx = context if context is not None else CheckContext(problem)
        if ctx.problem is not problem:
            raise ValueError("the check context was built for another problem")
        self.problem = problem
        self.context = ctx
        self.assignments = assignments
        self.dates = ctx.dates
        self.n_days = ctx.n_days
        self.day_labels = ctx.day_labels
        self.origin = ctx.origin
        self.shifts = ctx.shifts
        self.person_index = ctx.person_index
        self.site_index = ctx.site_index
        self.gate_index = ctx.gate_index
        self.round_km = ctx.round_km
        self.commute_min = ctx.commute_min
        self.rules = ctx.rules
        self.demand = ctx.demand
        self.violations: list[Violation] = []
        self.penalties: list[Penalty] = []
        self.violation_refs: list[tuple[InstanceKey, ...]] = []
        self.penalty_refs: list[tuple[InstanceKey, ...]] = []
        self.levels = dict.fromkeys(LEVELS, 0)
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
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        self.violation_refs.append(refs)
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
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        if cost == 0:
            return
        self.levels[level] += int(cost)
        self.penalty_refs.append(refs)
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
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        """Record ``excess`` units of a Limit: a violation if hard, a rules cost if soft."""
        if limit is None or excess <= 0:
            return
        if limit.weight is None:
            self.violate(rule, what, person, day, site, refs)
        else:
            detail = f"{what} (cost {limit.weight} x {excess})"
            self.penalise("rules", rule, limit.weight * excess, detail, person, day, site, refs)

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

    def run_people(self, people: Sequence[int], team: _Team | None) -> None:
        """Only what depends on the duties of ``people`` (``self.assignments`` holds all of
        their duties): the per-duty always-hard checks (not cover or ``over_cover``), every
        per-person rule and preference, commute, ``fairness_shift_squares``; with ``team`` (the
        base plan's figures), ``unit_sites_weight`` and the fairness ranges over the base plan
        with these people's duties in place of theirs. Not ``roles``: more people on duty
        never make a role shortfall worse."""
        self.read_assignments()
        self.check_duties_at_gates()
        for p in people:
            self.check_person(p)
        if team is not None:
            self.check_units(team, people)
        self.check_commute()
        self.check_fairness(team, people)

    def team_figures(self) -> _Team:
        """Per person: the sites worked and the fairness figures (after read_assignments)."""
        sites: list[set[int]] = [set() for _ in self.problem.people]
        for duty in self.duties:
            sites[duty.person].add(duty.site)
        figures = [self._figures(p) for p in range(len(self.problem.people))]
        return _Team(sites, figures)

    def read_assignments(self) -> None:
        """``unknown`` and ``times``; builds the duties and each person's worked instances."""
        problem = self.problem
        first, last = problem.horizon.start, problem.last_date
        for a in self.assignments:
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
                self.violation_refs.append(())
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
        # whole km and minutes of the round trip of each duty
        commute = self.context.pair_commute((duty.person, duty.site) for duty in self.duties)
        for duty in self.duties:
            duty.km, duty.cmin = commute[(duty.person, duty.site)]
        # worked instances and duplicates (people without duties have none)
        for p in sorted({duty.person for duty in self.duties}):
            duties = self.by_person[p]
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
                        refs=((d, shift.id),),
                    )
            self.instances[p].sort(key=lambda i: (i.start, i.end, i.shift.id))

    def check_gate_shifts(self) -> None:
        """``closed_gate``, ``gate_role``, ``unavailable``, ``over_cover`` and the cover level."""
        people_at = self.check_duties_at_gates()
        self.check_cover(people_at)

    def check_duties_at_gates(self) -> dict[tuple[int, int, int, str], set[int]]:
        """``closed_gate``, ``gate_role``, ``unavailable`` per duty; the people at each
        gate-shift."""
        problem = self.problem
        people_at: dict[tuple[int, int, int, str], set[int]] = defaultdict(set)
        for duty in self.duties:
            key = (duty.site, duty.gate, duty.day, duty.shift.id)
            person = problem.people[duty.person]
            gate = problem.sites[duty.site].gates[duty.gate]
            if self.demand[key] is None:
                label = f"{self.who(duty.person)} at {self.where(duty.site, duty.gate)}"
                self.violate(
                    "closed_gate",
                    f"{label}: the gate is closed for {self.inst(duty.shift, duty.day)}",
                    duty.person,
                    duty.day,
                    duty.site,
                )
            people_at[key].add(duty.person)
            if gate.role is not None and gate.role not in person.roles:
                label = f"{self.who(duty.person)} at {self.where(duty.site, duty.gate)}"
                self.violate(
                    "gate_role",
                    f"{label} on {self.inst(duty.shift, duty.day)}: the gate needs role "
                    f"{gate.role!r}, which this person does not have",
                    duty.person,
                    duty.day,
                    duty.site,
                )
            if self._unavailable(person, duty.assignment.date, duty.shift.id):
                label = f"{self.who(duty.person)} at {self.where(duty.site, duty.gate)}"
                self.violate(
                    "unavailable",
                    f"{label} on {self.inst(duty.shift, duty.day)}, when this person is "
                    "unavailable",
                    duty.person,
                    duty.day,
                    duty.site,
                )
        return people_at

    def check_cover(self, people_at: dict[tuple[int, int, int, str], set[int]]) -> None:
        """``over_cover`` and the cover level, from the people at each gate-shift."""
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
        past = self._past(p)
        self._check_overlap_and_rest(p, rules, days)
        self._check_successions(p, rules, days)
        self._check_seam(p, rules, days, past)
        self._check_runs(p, rules, days, past)
        self._check_windows(p, rules, days, past)
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
                    refs=((a.day, a.shift.id), (b.day, b.shift.id)),
                )

        limit = rules.max_shifts_per_day
        if limit is not None:
            for d, count in enumerate(days.shifts):
                if count <= limit.value:
                    continue  # nothing to record
                self.limit(
                    "max_shifts_per_day",
                    limit,
                    count - limit.value,
                    f"{who} works {count} shifts starting on {self.day(d)}, "
                    f"more than {limit.value}",
                    p,
                    d,
                    refs=tuple((i.day, i.shift.id) for i in instances if i.day == d),
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
                        refs=((a.day, a.shift.id), (b.day, b.shift.id)),
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
                    refs = ((d, succ.first), (d + 1, succ.then))
                    if succ.weight is None:
                        self.violate("forbidden_successions", what, p, d, refs=refs)
                    else:
                        self.penalise(
                            "rules",
                            "forbidden_successions",
                            succ.weight,
                            f"{what} (cost {succ.weight} x 1)",
                            p,
                            d,
                            refs=refs,
                        )

    def _past(self, p: int) -> _Past:
        """The person's known dates before the horizon, oldest first (``Person.history``)."""
        person = self.problem.people[p]
        first = self.problem.horizon.start
        n = (first - person.history_start(first)).days
        past = _Past([False] * n, [False] * n, [0] * n, [])
        for item in person.history:
            shift = self.shifts.get(item.shift)
            if shift is None:
                continue
            d = (item.date - first).days
            past.worked[n + d] = True
            past.night[n + d] = past.night[n + d] or shift.is_night
            past.minutes[n + d] += shift.minutes
            begin = d * DAY_MINUTES + shift.start.hour * 60 + shift.start.minute
            past.instances.append(_Instance(d, shift, begin, begin + shift.minutes))
        return past

    def _check_seam(self, p: int, rules: Rules, days: _Days, past: _Past) -> None:
        """Shifts worked before the horizon against those in it: ``overlap``,
        ``min_rest_hours`` and ``forbidden_successions`` across the horizon start."""
        who = self.who(p)
        rest = rules.min_rest_hours
        for a in past.instances:
            done = f"{a.shift.id} on {self.problem.horizon.start + dt.timedelta(days=a.day)} (before the horizon)"
            for b in days.instances:
                if b.start < a.end:
                    self.violate("overlap", f"{who} works {self.inst(b.shift, b.day)}, which overlaps "
                                 f"{done}", p, b.day)
                    continue
                if rest is not None and rest.value > 0 and b.start - a.end < 60 * rest.value:
                    self.limit("min_rest_hours", rest, 1, f"{who} rests {_hm(b.start - a.end)} between "
                               f"{done} and {self.inst(b.shift, b.day)}, less than {rest.value} h", p, b.day)
                for succ in rules.forbidden_successions:
                    if a.day == -1 and b.day == 0 and a.shift.id == succ.first and b.shift.id == succ.then:
                        what = (f"{who} works {done} then {self.inst(b.shift, 0)} "
                                f"(forbidden succession {succ.first} -> {succ.then})")
                        if succ.weight is None:
                            self.violate("forbidden_successions", what, p, 0)
                        else:
                            self.penalise("rules", "forbidden_successions", succ.weight,
                                          f"{what} (cost {succ.weight} x 1)", p, 0)

    def _check_runs(self, p: int, rules: Rules, days: _Days, past: _Past) -> None:
        """Runs of worked dates, days off and night dates (Curtois convention), the known
        dates before the horizon included: a run too long counts when it reaches into the
        horizon, a run too short when the day that ends it is in the horizon, and one touching
        the first known date or the horizon's last is never too short."""
        who = self.who(p)
        before = len(past.worked)
        worked = past.worked + days.worked
        last = len(worked) - 1

        def date(i: int) -> str:
            return self.problem.horizon.start.__add__(dt.timedelta(days=i - before)).isoformat()

        def over(start: int, length: int, most: int) -> int:
            """Dates of a run beyond ``most`` in a row that fall in the horizon."""
            return start + length - max(start + most, before)

        limit = rules.max_consecutive_days
        if limit is not None:
            for start, length in _runs(worked, True):
                if start + length - 1 < before:
                    continue  # all before the horizon
                self.limit(
                    "max_consecutive_days",
                    limit,
                    over(start, length, limit.value),
                    f"{who} works {length} consecutive days {date(start)}.."
                    f"{date(start + length - 1)}, more than {limit.value}",
                    p,
                    max(0, start - before),
                )
        for rule, value, noun in (
            ("min_consecutive_days", True, "consecutive days worked"),
            ("min_consecutive_days_off", False, "consecutive days off"),
        ):
            limit = getattr(rules, rule)
            if limit is None:
                continue
            for start, length in _runs(worked, value):
                if start == 0 or start + length - 1 == last or start + length < before:
                    continue  # touching the known calendar's ends, or ended before the horizon
                self.limit(
                    rule,
                    limit,
                    limit.value - length,
                    f"{who} has only {length} {noun} {date(start)}.."
                    f"{date(start + length - 1)}, fewer than {limit.value}",
                    p,
                    max(0, start - before),
                )
        limit = rules.max_consecutive_nights
        if limit is not None:
            for start, length in _runs(past.night + days.night, True):
                if start + length - 1 < before:
                    continue
                self.limit(
                    "max_consecutive_nights",
                    limit,
                    over(start, length, limit.value),
                    f"{who} works {length} consecutive night dates {date(start)}.."
                    f"{date(start + length - 1)}, more than {limit.value}",
                    p,
                    max(0, start - before),
                )

    def _check_windows(self, p: int, rules: Rules, days: _Days, past: _Past) -> None:
        """Every window of 7 consecutive known dates with at least one in the horizon (the
        dates before it from the history; none if fewer than 7 are known)."""
        who = self.who(p)
        limit_off, limit_hours = rules.min_days_off_per_7, rules.max_hours_per_7
        if limit_off is None and limit_hours is None:
            return
        before = len(past.worked)
        worked = past.worked + days.worked
        minutes_by_date = past.minutes + days.minutes
        for i in range(max(0, before - 6), before + self.n_days - 6):
            w = i - before  # the window's first date, as a horizon day index (< 0: before it)
            first = self.problem.horizon.start + dt.timedelta(days=w)
            window = f"{first}..{first + dt.timedelta(days=6)}"
            if limit_off is not None:
                off = 7 - sum(worked[i : i + 7])
                self.limit(
                    "min_days_off_per_7",
                    limit_off,
                    limit_off.value - off,
                    f"{who} has {off} day(s) off in {window}, fewer than {limit_off.value}",
                    p,
                    max(0, w),
                )
            if limit_hours is not None:
                minutes = sum(minutes_by_date[i : i + 7])
                self.limit(
                    "max_hours_per_7",
                    limit_hours,
                    minutes - 60 * limit_hours.value,
                    f"{who} works {_hm(minutes)} in {window}, more than {limit_hours.value} h",
                    p,
                    max(0, w),
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
            km, cmin = duty.km, duty.cmin
            day_minutes = duty.shift.minutes + cmin
            over_km = rules.max_commute_km is not None and km > rules.max_commute_km.value
            over_day = (
                rules.max_day_minutes is not None and day_minutes > rules.max_day_minutes.value
            )
            if not (over_km or over_day):
                continue  # nothing to record
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
    def check_units(self, team: _Team | None = None, people: Sequence[int] = ()) -> None:
        """``unit_sites_weight``: sites used by a unit beyond the first. With ``team``: the
        duties checked for ``people``, and the base plan's for everyone else."""
        weight = self.problem.rules.unit_sites_weight
        if weight is None:
            return
        sites: dict[str, set[int]] = defaultdict(set)
        for duty in self.duties:
            unit = self.problem.people[duty.person].unit
            if unit is not None:
                sites[unit].add(duty.site)
        if team is not None:
            checked = set(people)
            units = {self.problem.people[p].unit for p in checked} - {None}
            for q, person in enumerate(self.problem.people):
                if person.unit in units and q not in checked and team.sites[q]:
                    sites[person.unit].update(team.sites[q])  # type: ignore[index]
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
        km_of: dict[tuple[int, int], int] = {}
        for duty in self.duties:
            count[(duty.person, duty.site)] += 1
            km_of[(duty.person, duty.site)] = duty.km
        for (p, s), n in sorted(count.items()):
            km = km_of[(p, s)]
            self.penalise(
                "commute",
                "commute",
                km * n,
                f"{self.who(p)}: {n} duty(ies) at {self.where(s)} x {km} km round trip",
                p,
                site=s,
            )

    def eligible(self) -> list[int]:
        """People with at least one admissible duty (see the fairness level in the rules);
        worked out once per context (it depends on the problem only)."""
        if self.context.eligible is None:
            self.context.eligible = self._eligible()
        return self.context.eligible

    def _eligible(self) -> list[int]:
        """People with an admissible duty somewhere: an open gate-shift (``demand`` not None)
        at a gate whose role they have, on a date and shift they are not unavailable, within
        their hard ``max_commute_km`` and ``max_day_minutes`` (soft limits only cost).

        Worked out without a people x sites table: the open dates of each (gate role, shift
        type, site); then, for the people not yet known to be eligible, the sites in growing
        windows (``FIRST_SITES``, then four times more each round), their commute worked out
        pair by pair in batches. Most people are settled by the first few sites; only those
        with no admissible duty try every site, or with the commute from coordinates every
        site within their hard caps' reach in latitude (:meth:`_latitude_band`).
        """
        problem = self.problem
        n_people, n_sites, n_days = len(problem.people), len(problem.sites), self.n_days
        shift_ids = [shift.id for shift in problem.shift_types]
        shift_pos = {shift_id: j for j, shift_id in enumerate(shift_ids)}
        n_shifts = len(shift_ids)
        # open dates, as cells (gate role class, shift type, site) x date; class None: anybody
        classes: dict[str | None, int] = {}
        keys: list[int] = []
        for (s, g, d, shift_id), entry in self.demand.items():
            if entry is not None:
                k = classes.setdefault(problem.sites[s].gates[g].role, len(classes))
                keys.append(((k * n_shifts + shift_pos[shift_id]) * n_sites + s) * n_days + d)
        if not keys:
            return []
        n_classes = len(classes)
        open_keys = np.unique(np.array(keys, dtype=np.int64))
        cells = open_keys // n_days
        n_open = np.bincount(cells, minlength=n_classes * n_shifts * n_sites).reshape(
            n_classes, n_shifts, n_sites
        )
        has_open = n_open > 0

        # per person: roles, hard caps and unavailable dates per shift type
        unlimited = np.iinfo(np.int64).max
        role_ok = np.zeros((n_people, n_classes), dtype=bool)
        max_km = np.full(n_people, unlimited, dtype=np.int64)
        max_day = np.full(n_people, unlimited, dtype=np.int64)
        blocked: dict[tuple[int, int], set[int]] = {}  # (person, shift) -> dates
        n_blocked = np.zeros((n_people, n_shifts), dtype=np.int64)
        for p, person in enumerate(problem.people):
            for role, k in classes.items():
                role_ok[p, k] = role is None or role in person.roles
            rules = self.rules[p]
            # (a cap beyond int64 excludes nothing, as no cap)
            if rules.max_commute_km is not None and rules.max_commute_km.hard:
                max_km[p] = min(rules.max_commute_km.value, unlimited)
            if rules.max_day_minutes is not None and rules.max_day_minutes.hard:
                max_day[p] = min(rules.max_day_minutes.value, unlimited)
            if person.unavailable:
                off_days = {
                    problem.day_index(u.date) for u in person.unavailable if u.shift is None
                }
                off_shifts = {
                    (problem.day_index(u.date), u.shift) for u in person.unavailable if u.shift
                }
                for j, shift_id in enumerate(shift_ids):
                    days = off_days | {d for d, other in off_shifts if other == shift_id}
                    if days:
                        blocked[(p, j)] = days
                        n_blocked[p, j] = len(days)
        # cells whose few open dates somebody's unavailable dates may all cover
        most_blocked = int(n_blocked.max())
        fragile: dict[int, list[int]] = defaultdict(list)
        if most_blocked:
            few = (n_open.ravel() <= most_blocked)[cells]
            for cell, key in zip(cells[few].tolist(), open_keys[few].tolist(), strict=True):
                fragile[cell].append(key % n_days)
        shift_minutes = np.array([self.shifts[x].minutes for x in shift_ids], dtype=np.int64)

        def admissible(people: np.ndarray, sites: np.ndarray) -> np.ndarray:
            """Whether a duty of ``people[i]`` at ``sites[i]`` can be admissible."""
            within = np.ones(len(people), dtype=bool)
            if (max_km[people] != unlimited).any():
                within &= self.context.commute_km(people, sites) <= max_km[people]
            commute = None
            if (max_day[people] != unlimited).any():
                commute = self.context.commute_minutes(people, sites)
            ok = np.zeros(len(people), dtype=bool)
            for j in range(n_shifts):
                within_j = within
                if commute is not None:
                    within_j = within & (shift_minutes[j] + commute <= max_day[people])
                for k in range(n_classes):
                    duty_ok = within_j & role_ok[people, k] & has_open[k, j, sites] & ~ok
                    if most_blocked:  # sites whose open dates the person may all be off
                        opened = n_open[k, j, sites]
                        base = (k * n_shifts + j) * n_sites
                        maybe = duty_ok & (opened <= n_blocked[people, j])
                        for i in np.flatnonzero(maybe).tolist():
                            p, site = int(people[i]), int(sites[i])
                            if blocked[(p, j)].issuperset(fragile[base + site]):
                                duty_ok[i] = False
                    ok |= duty_ok
            return ok

        def batches(
            work: list[tuple[np.ndarray, np.ndarray]],
        ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
            """Every (person, site) pair of ``work`` (people x sites blocks), in batches of
            about PAIRS_PER_BATCH pairs."""
            people: list[np.ndarray] = []
            sites: list[np.ndarray] = []
            size = 0
            for rows, window in work:
                step = max(1, PAIRS_PER_BATCH // len(window))
                for lo in range(0, len(rows), step):
                    chunk = rows[lo : lo + step]
                    people.append(np.repeat(chunk, len(window)))
                    sites.append(np.tile(window, len(chunk)))
                    size += len(chunk) * len(window)
                    if size >= PAIRS_PER_BATCH:
                        yield np.concatenate(people), np.concatenate(sites)
                        people, sites, size = [], [], 0
            if size:
                yield np.concatenate(people), np.concatenate(sites)

        # groups of people, each with the sites to try in order
        everyone = np.flatnonzero(role_ok.any(axis=1))
        candidates = np.flatnonzero(has_open.any(axis=(0, 1)))
        band = self._latitude_band(max_km, max_day, int(shift_minutes.min()))
        groups: list[tuple[np.ndarray, np.ndarray]] = []
        if band is None:
            groups.append((everyone, candidates))
        else:  # neighbours together, with the sites within their reach, nearest first
            person_lat, site_lat, reach = band
            everyone = everyone[np.argsort(person_lat[everyone], kind="stable")]
            candidates = candidates[np.argsort(site_lat[candidates], kind="stable")]
            candidate_lat = site_lat[candidates]
            for lo in range(0, everyone.size, PEOPLE_PER_GROUP):
                rows = everyone[lo : lo + PEOPLE_PER_GROUP]
                lats, far = person_lat[rows], reach[rows].max()
                sites = candidates
                if np.isfinite(far):
                    a = int(np.searchsorted(candidate_lat, lats.min() - far, side="left"))
                    b = int(np.searchsorted(candidate_lat, lats.max() + far, side="right"))
                    sites = candidates[a:b]
                middle = (lats.min() + lats.max()) / 2
                nearest = np.argsort(np.abs(site_lat[sites] - middle), kind="stable")
                groups.append((rows, sites[nearest]))
        # the first sites of every group, then more and more for the people still unsettled
        found = np.zeros(n_people, dtype=bool)
        first, width = 0, FIRST_SITES
        while groups:
            work = [(rows, sites[first : first + width]) for rows, sites in groups]
            for people, sites in batches([(r, w) for r, w in work if len(r) and len(w)]):
                found[people[admissible(people, sites)]] = True
            first, width = first + width, width * 4
            groups = [
                (rows[~found[rows]], sites)
                for rows, sites in groups
                if first < len(sites) and not found[rows].all()
            ]
        return np.flatnonzero(found).tolist()

    def _latitude_band(
        self, max_km: np.ndarray, max_day: np.ndarray, shortest: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """When the commute comes from coordinates: the latitudes (radians) of homes and
        sites, and per person how far in latitude a site within their hard caps can be
        (``inf``: no such cap). A round trip is at least 2 x the Earth's radius x the
        difference in latitude (the great-circle distance is at least the north-south one);
        a smaller radius and half a km or minute of slack make the band a safe over-estimate.
        """
        problem = self.problem
        if problem.commute_km is not None:
            return None
        if any(p.home is None for p in problem.people) or any(
            s.location is None for s in problem.sites
        ):
            return None
        person_lat = np.radians([p.home.lat for p in problem.people])  # type: ignore[union-attr]
        site_lat = np.radians([s.location.lat for s in problem.sites])  # type: ignore[union-attr]
        unlimited = np.iinfo(np.int64).max
        reach_km = np.full(len(problem.people), np.inf)
        capped = max_km != unlimited
        reach_km[capped] = max_km[capped] + 1.0  # round trip km, rounded half up
        if problem.commute_minutes is None:  # minutes = km / speed x 60
            capped = max_day != unlimited
            by_minutes = (max_day[capped] - shortest + 1.0) * problem.commute_speed_kmh / 60.0
            reach_km[capped] = np.minimum(reach_km[capped], by_minutes)
        return person_lat, site_lat, reach_km / (2 * EARTH_RADIUS_BELOW_KM)

    def _figures(self, p: int) -> tuple[int, int, int]:
        """Night shifts, weekend shifts and minutes worked by one person."""
        instances = self.instances[p]
        return (
            sum(1 for i in instances if i.shift.is_night),
            sum(1 for i in instances if self.problem.is_weekend(self.dates[i.day])),
            sum(i.shift.minutes for i in instances),
        )

    def check_fairness(
        self, team: _Team | None = None, people: Sequence[int] | None = None
    ) -> None:
        """The fairness level: weighted ranges of nights, weekend shifts and minutes; the
        weighted sum of squared shift counts. With ``people``: only their squared counts, and
        the ranges only with ``team`` (the base plan's figures for everyone else)."""
        objective = self.problem.objective
        if objective.fairness_shift_squares:
            for p in range(len(self.problem.people)) if people is None else people:
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
        if people is not None and team is None:
            return
        checked: set[int] = set() if people is None else set(people)
        eligible = self.eligible()
        if len(eligible) < 2:
            return
        figures: dict[str, list[int]] = {"nights": [], "weekends": [], "minutes": []}
        if team is None:
            for p in eligible:
                nights, weekends, minutes = self._figures(p)
                figures["nights"].append(nights)
                figures["weekends"].append(weekends)
                figures["minutes"].append(minutes)
        else:  # the base plan's figures, with the checked people's own
            figures = {name: list(v) for name, v in team.eligible_columns(eligible).items()}
            for k, p in enumerate(eligible):
                if p in checked:
                    own = self._figures(p)
                    for j, name in enumerate(("nights", "weekends", "minutes")):
                        figures[name][k] = own[j]
        for name, noun, weight in (
            ("nights", "night shifts", objective.fairness_nights),
            ("weekends", "weekend shifts", objective.fairness_weekends),
            ("minutes", "minutes worked", objective.fairness_minutes),
        ):
            values = figures[name]
            # the first largest and the first smallest, as numpy's argmax and argmin
            hi = max(range(len(values)), key=values.__getitem__)
            lo = min(range(len(values)), key=values.__getitem__)
            spread = values[hi] - values[lo]
            self.penalise(
                "fairness",
                f"fairness_{name}",
                weight * spread,
                f"{noun} range over {len(eligible)} eligible people: {values[hi]} "
                f"({self.who(eligible[hi])}) - {values[lo]} ({self.who(eligible[lo])}) = {spread} "
                f"(cost {weight} x {spread})",
            )


# =========================================================================== entry point


def check(
    problem: Problem,
    plan: Plan,
    context: CheckContext | None = None,
    published: Plan | None = None,
    freeze_until: dt.datetime | None = None,
    rules_only: bool = False,
) -> CheckReport:
    """Check ``plan`` against ``problem`` following docs/rules.md, without the solver.

    Every hard rule, every cost, and every figure the plan states about itself (its
    uncovered list, coverage, per-person figures, level values, objective, bound, gap and
    status; see :mod:`dutyplan.claims`): ``report.ok`` is true only when no hard rule is
    broken and every figure is true. ``rules_only``: check the rules and costs only (no
    ``mismatches``; ``ok`` then means no hard rule broken).

    Never raises on a bad plan: unknown ids and dates are reported as ``unknown`` violations.
    ``context`` (a :class:`CheckContext` of this problem) saves the set-up when many plans of
    one problem are checked; the report is the same with or without it. ``published`` (with
    ``freeze_until``, default the horizon start) checks a re-plan: duties starting before the
    freeze must be exactly the published ones (``frozen``, hard) and the ``changes`` level is
    recomputed (docs/rules.md, "Re-planning").
    """
    checker = PlanChecker(problem, plan.assignments, context)
    checker.run()
    if published is not None:
        _check_changes(checker, published, freeze_until)
    weights = {level: problem.objective.weight(level) for level in LEVELS}
    objective = sum(weights[level] * checker.levels[level] for level in LEVELS)
    reported = plan.result.objective
    logger.debug(
        "checked %d assignments: %d violations, objective %d",
        len(plan.assignments),
        len(checker.violations),
        objective,
    )
    mismatches = [] if rules_only else verify_claims(
        problem, plan, checker.demand, checker.levels, weights, published=published is not None
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
        mismatches=mismatches,
    )


def _check_changes(checker: PlanChecker, published: Plan, freeze_until: dt.datetime | None) -> None:
    """The re-plan rules: a frozen past, and the cost of each changed duty after it."""
    problem = checker.problem
    moment = freeze_until or dt.datetime.combine(problem.horizon.start, dt.time(0))
    moment = moment.replace(tzinfo=None)
    person = {p.id: i for i, p in enumerate(problem.people)}

    def duty(a: Assignment) -> tuple[str, dt.date, str, str, str]:
        return (a.person, a.date, a.shift, a.site, a.gate)

    clock = {s.id: s.start for s in problem.shift_types}

    def start(a: Assignment) -> dt.datetime:  # from the shift type, as every other check
        return dt.datetime.combine(a.date, clock[a.shift])

    old = {duty(a): a for a in published.assignments if a.shift in clock}
    new = {duty(a): a for a in checker.assignments if a.shift in clock}
    before_old = {k for k, a in old.items() if start(a) < moment}
    before_new = {k for k, a in new.items() if start(a) < moment}
    for key in sorted(before_old - before_new, key=str):
        checker.violate("frozen", f"published duty {key[2]} at {key[3]}/{key[4]} before the "
                        f"freeze ({moment:%Y-%m-%d %H:%M}) is gone", person.get(key[0]), key[1])
    for key in sorted(before_new - before_old, key=str):
        checker.violate("frozen", f"new duty {key[2]} at {key[3]}/{key[4]} before the freeze "
                        f"({moment:%Y-%m-%d %H:%M})", person.get(key[0]), key[1])
    after_old = set(old) - before_old
    after_new = set(new) - before_new
    sites_of: dict[str, set[str]] = defaultdict(set)
    for who, _, _, site, _ in after_old:
        sites_of[who].add(site)
    site_index = {s.id: i for i, s in enumerate(problem.sites)}

    def weight(day: dt.date) -> int:  # days to the end of the horizon: sooner weighs more
        return change_weight(problem.horizon.days, (day - problem.horizon.start).days)

    for who, day, shift, site, gate in sorted(after_old - after_new, key=str):
        checker.penalise("changes", "dropped_duty", weight(day), f"published {shift} at {site}/{gate} dropped",
                         person.get(who), day, site_index.get(site))
    for who, day, shift, site, gate in sorted(after_new - after_old, key=str):
        factor = 1 if site in sites_of[who] else SITE_MOVE_FACTOR
        checker.penalise("changes", "added_duty", factor * weight(day),
                         f"new {shift} at {site}/{gate}" + ("" if factor == 1 else " (a site new to them)"),
                         person.get(who), day, site_index.get(site))


def check_people_of(
    problem: Problem,
    assignments: Sequence[Assignment],
    people: Sequence[int],
    context: CheckContext | None = None,
    base: Plan | None = None,
) -> PlanChecker:
    """Run the checker on the duties of ``people`` only (see :func:`check_people`)."""
    ctx = context if context is not None else CheckContext(problem)
    team = None if base is None else ctx.team(base.assignments)
    checker = PlanChecker(problem, assignments, ctx)
    checker.run_people(people, team)
    return checker


def check_people(
    problem: Problem,
    assignments: Sequence[Assignment],
    people: Sequence[str] | None = None,
    context: CheckContext | None = None,
    base: Plan | None = None,
) -> CheckReport:
    """Check only what depends on the own duties of some people: ``assignments`` are all the
    duties of ``people`` (default: the people they name).

    Reported: the always-hard checks of each assignment (``unknown``, ``times``,
    ``duplicate``, ``overlap``, ``closed_gate``, ``gate_role``, ``unavailable``), every
    per-person rule and preference, their commute and ``fairness_shift_squares``. Not
    reported: cover, ``over_cover`` and ``roles`` (they depend on everybody at a gate-shift or
    site). With ``base``, a plan of the problem, also ``unit_sites_weight`` and the fairness
    ranges of ``base`` with these people's duties in place of theirs there (other people as
    in ``base``). Comparing two such checks of one person, with and without a duty, tells what
    that duty would break or cost; :func:`check` of a whole plan is unchanged by all this.
    """
    ctx = context if context is not None else CheckContext(problem)
    if people is None:
        people = list(dict.fromkeys(a.person for a in assignments))
    indices = [ctx.person_index[p] for p in people if p in ctx.person_index]
    checker = check_people_of(problem, assignments, indices, ctx, base)
    weights = {level: problem.objective.weight(level) for level in LEVELS}
    return CheckReport(
        problem=problem.name,
        violations=checker.violations,
        penalties=checker.penalties,
        levels=checker.levels,
        weights=weights,
        objective=sum(weights[level] * checker.levels[level] for level in LEVELS),
    )
