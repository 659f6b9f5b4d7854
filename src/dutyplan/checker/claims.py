"""What a plan says about itself, recomputed from its assignments and compared.

A plan carries figures besides its assignments: the gate-shifts left short (``uncovered``),
people needed and covered per gate (``coverage``), hours, nights, weekend shifts and commute
per person (``people``), and the solver's ``result`` (each level's value and bound, the
objective, its bound, the gap, the status). A planner reads those figures, not the
assignments, so :func:`dutyplan.checker.check` verifies every one of them with this module.
Each figure that differs from its recomputation is a :class:`Mismatch` naming the claim and
both values. The definitions are in ``docs/rules.md`` ("What a plan claims").

Only what a plan states is a claim: a plan file that leaves out ``uncovered``, ``coverage`` or
``people`` (a hand-written one, say) claims nothing about them, and a result without levels
claims no level values. This module imports only the problem and plan models: like the rest
of the checker, it never touches the solver.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from dutyplan.plan import Plan
from dutyplan.problem import DemandEntry, Problem

__all__ = ["Mismatch", "verify_claims"]

#: Commute km per person is written rounded to 0.1 km; sums in another order may round the
#: other way, so two figures within this much are the same claim.
KM_TOLERANCE = 0.1 + 1e-9
#: The gap is written rounded to 6 decimals.
GAP_TOLERANCE = 1e-6

GateShift = tuple[int, int, int, str]  # (site, gate, day index, shift id)


class Mismatch(BaseModel):
    """A figure the plan states that its assignments (or its own other figures) contradict.

    ``claim`` names the figure (``uncovered[lijiafen/main 2020-03-01 AM]``,
    ``coverage[lijiafen/main].assigned``, ``people[wang_jianguo].minutes``,
    ``result.levels[commute].value``, ``result.objective``...); ``plan`` is what the plan
    says and ``checked`` what the checker recomputed (``None``: the plan has no such entry, or
    the checker finds none); ``detail`` says what is wrong, in words.
    """

    model_config = ConfigDict(extra="forbid")

    claim: str
    plan: Any = None
    checked: Any = None
    detail: str


def verify_claims(
    problem: Problem,
    plan: Plan,
    demand: Mapping[GateShift, DemandEntry | None],
    levels: Mapping[str, int],
    weights: Mapping[str, int],
    published: bool = False,
) -> list[Mismatch]:
    """Every figure ``plan`` states, against its recomputation.

    ``demand``: the resolved demand of every gate-shift (``None``: closed), as the checker
    has it; ``levels`` and ``weights``: the level values the checker recomputed and the
    problem's level weights; ``published``: the checker was given the published plan of a
    re-plan (so it recomputed the ``changes`` level).
    """
    found: list[Mismatch] = []
    stated = plan.model_fields_set
    if plan.problem != problem.name:
        found.append(_differs("problem", plan.problem, problem.name))
    duties = _Duties(problem, plan)
    if "uncovered" in stated or "coverage" in stated:
        short, coverage = duties.cover(demand)
        if "uncovered" in stated:
            found += _uncovered(problem, plan, short)
        if "coverage" in stated:
            found += _coverage(problem, plan, coverage)
    if "people" in stated:
        found += _people(plan, duties.figures())
    if "caseloads" in stated or "unwatched" in stated:
        found += _caseloads(problem, plan)
    found += _result(plan, levels, weights, published)
    return found


def _caseloads(problem: Problem, plan: Plan) -> list[Mismatch]:
    """Each caseload's site and watched dates, and the households nobody answers for."""
    found: list[Mismatch] = []
    households = {h.id: h for h in problem.households}
    answered = set()
    for item in plan.caseloads:
        household = households.get(item.household)
        if household is None:
            continue  # the checker's unknown violation
        answered.add(item.household)
        first = max(household.arrival, problem.horizon.start)
        last = min(household.last_date, problem.last_date)
        stated, true = (item.site, item.first, item.last), (household.site, first, last)
        if stated != true:
            found.append(_differs(f"caseloads[{item.household}]", stated, true))
    unwatched = [h.id for h in problem.households if h.id not in answered]
    if plan.unwatched != unwatched:
        found.append(_differs("unwatched", plan.unwatched, unwatched))
    return found


# --------------------------------------------------------------------------- recomputation


class _Duties:
    """The plan's assignments whose person, site, gate, shift type and date the problem
    knows (the others are the checker's ``unknown`` violations and count for nothing here)."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.problem = problem
        person = {p.id: i for i, p in enumerate(problem.people)}
        site = {s.id: i for i, s in enumerate(problem.sites)}
        gate = [{g.id: j for j, g in enumerate(s.gates)} for s in problem.sites]
        self.shifts = {s.id: s for s in problem.shift_types}
        first = problem.horizon.start
        days = problem.horizon.days
        self.known: list[tuple[int, int, int, int, str]] = []  # (person, site, gate, day, shift)
        for a in plan.assignments:
            p, k = person.get(a.person), site.get(a.site)
            g = None if k is None else gate[k].get(a.gate)
            d = (a.date - first).days
            if p is None or g is None or a.shift not in self.shifts or not 0 <= d < days:
                continue
            self.known.append((p, k, g, d, a.shift))  # type: ignore[arg-type]

    def cover(
        self, demand: Mapping[GateShift, DemandEntry | None]
    ) -> tuple[dict[GateShift, tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
        """``({gate-shift short: (need, distinct people there)}, {(site, gate): (person-shifts
        needed, covered up to need)})`` over the open gate-shifts that need people."""
        people_at: dict[GateShift, set[int]] = defaultdict(set)
        for p, k, g, d, shift in self.known:
            people_at[(k, g, d, shift)].add(p)
        short: dict[GateShift, tuple[int, int]] = {}
        coverage: dict[tuple[int, int], list[int]] = {
            (k, g): [0, 0] for k, site in enumerate(self.problem.sites) for g in range(len(site.gates))
        }
        for key, entry in demand.items():
            if entry is None or entry.need <= 0:
                continue
            there = len(people_at.get(key, ()))
            totals = coverage[(key[0], key[1])]
            totals[0] += entry.need
            totals[1] += min(there, entry.need)
            if there < entry.need:
                short[key] = (entry.need, there)
        return short, {key: (need, got) for key, (need, got) in coverage.items()}

    def figures(self) -> dict[str, dict[str, Any]]:
        """Per person id: shifts, minutes, nights, weekend shifts (one per assignment), commute
        km (the sum of each assignment's round trip, rounded to 0.1 km), sites worked."""
        problem = self.problem
        rows: dict[str, dict[str, Any]] = {
            p.id: {"name": p.label, "unit": p.unit, "sites": set(), "shifts": 0, "minutes": 0,
                   "nights": 0, "weekend_shifts": 0, "commute_km": 0.0}
            for p in problem.people
        }
        if self.known:
            people = np.array([duty[0] for duty in self.known], dtype=np.int64)
            sites = np.array([duty[1] for duty in self.known], dtype=np.int64)
            km = problem.commute_km_pairs(people, sites).tolist()
        else:
            km = []
        weekend = {d: problem.is_weekend(problem.horizon.start + dt.timedelta(days=d))
                   for d in {duty[3] for duty in self.known}}
        for (p, k, _, d, shift_id), duty_km in zip(self.known, km, strict=True):
            row = rows[problem.people[p].id]
            shift = self.shifts[shift_id]
            row["shifts"] += 1
            row["minutes"] += shift.minutes
            row["nights"] += int(shift.is_night)
            row["weekend_shifts"] += int(weekend[d])
            row["commute_km"] += duty_km
            row["sites"].add(problem.sites[k].id)
        for row in rows.values():
            row["commute_km"] = round(row["commute_km"], 1)
        return rows


# --------------------------------------------------------------------------- comparisons


def _gate_label(problem: Problem, k: int, g: int) -> str:
    site = problem.sites[k]
    return f"{site.id}/{site.gates[g].id}"


def _uncovered(problem: Problem, plan: Plan, short: dict[GateShift, tuple[int, int]]) -> list[Mismatch]:
    """The plan's ``uncovered`` list against the gate-shifts really short: each listed once,
    with its need, people assigned, people missing and clock times."""
    site = {s.id: i for i, s in enumerate(problem.sites)}
    gate = [{g.id: j for j, g in enumerate(s.gates)} for s in problem.sites]
    first = problem.horizon.start
    shifts = {shift.id: shift for shift in problem.shift_types}
    found: list[Mismatch] = []
    listed: Counter[GateShift] = Counter()
    for i, u in enumerate(plan.uncovered):
        k = site.get(u.site)
        g = None if k is None else gate[k].get(u.gate)
        name = f"uncovered[{u.site}/{u.gate} {u.date} {u.shift}]"
        key = None if g is None else (k, g, (u.date - first).days, u.shift)
        if key is None or key not in short:
            found.append(Mismatch(
                claim=name, plan=f"{u.missing} missing", checked="not short",
                detail=f"the plan lists {u.site}/{u.gate} on {u.date}, shift {u.shift}, as "
                f"{u.missing} short (entry {i}), but that gate-shift is not short",
            ))
            continue
        listed[key] += 1
        if listed[key] > 1:
            found.append(Mismatch(claim=name, plan="listed twice", checked="listed once",
                                  detail=f"the plan lists {name} more than once"))
            continue
        need, there = short[key]
        start = dt.datetime.combine(u.date, shifts[u.shift].start)
        end = start + dt.timedelta(minutes=shifts[u.shift].minutes)
        for field, said, true in (("need", u.need, need), ("assigned", u.assigned, there),
                                  ("missing", u.missing, need - there), ("start", u.start, start),
                                  ("end", u.end, end)):
            if said != true:
                found.append(_differs(f"{name}.{field}", said, true))
    for key, (need, there) in sorted(short.items(), key=lambda item: (item[0][2], item[0][3], item[0][:2])):
        if key not in listed:
            k, g, d, shift = key
            day = first + dt.timedelta(days=d)
            found.append(Mismatch(
                claim=f"uncovered[{_gate_label(problem, k, g)} {day} {shift}]", plan=None,
                checked=f"{need - there} missing",
                detail=f"{_gate_label(problem, k, g)} on {day}, shift {shift}, has {there} of "
                f"{need} people, but the plan's uncovered list leaves it out",
            ))
    return found


def _coverage(
    problem: Problem, plan: Plan, coverage: dict[tuple[int, int], tuple[int, int]]
) -> list[Mismatch]:
    """The plan's ``coverage`` rows against person-shifts needed and covered per gate: one row
    per gate (a gate that needs nobody may be left out)."""
    truth = {_gate_label(problem, k, g): value for (k, g), value in coverage.items()}
    found: list[Mismatch] = []
    seen: set[str] = set()
    for row in plan.coverage:
        label = f"{row.site}/{row.gate}"
        name = f"coverage[{label}]"
        if label not in truth:
            found.append(Mismatch(claim=name, plan="a row", checked=None,
                                  detail=f"the plan has coverage for {label}, which is not a gate of the problem"))
            continue
        if label in seen:
            found.append(Mismatch(claim=name, plan="two rows", checked="one row",
                                  detail=f"the plan has more than one coverage row for {label}"))
            continue
        seen.add(label)
        need, covered = truth[label]
        for field, said, true in (("need", row.need, need), ("assigned", row.assigned, covered),
                                  ("uncovered", row.uncovered, need - covered)):
            if said != true:
                found.append(_differs(f"{name}.{field}", said, true))
    for label, (need, covered) in truth.items():
        if label not in seen and need > 0:
            found.append(Mismatch(
                claim=f"coverage[{label}]", plan=None, checked=f"{covered} of {need}",
                detail=f"the plan has no coverage row for {label}, which needs {need} person-shifts",
            ))
    return found


def _people(plan: Plan, truth: dict[str, dict[str, Any]]) -> list[Mismatch]:
    """The plan's per-person rows against the recomputed figures."""
    found: list[Mismatch] = []
    seen: set[str] = set()
    for row in plan.people:
        name = f"people[{row.person}]"
        if row.person not in truth:
            found.append(Mismatch(claim=name, plan="a row", checked=None,
                                  detail=f"the plan has figures for {row.person!r}, who is not a person of the problem"))
            continue
        if row.person in seen:
            found.append(Mismatch(claim=name, plan="two rows", checked="one row",
                                  detail=f"the plan has more than one row of figures for {row.person!r}"))
            continue
        seen.add(row.person)
        true = truth[row.person]
        for field in ("shifts", "minutes", "nights", "weekend_shifts"):
            if getattr(row, field) != true[field]:
                found.append(_differs(f"{name}.{field}", getattr(row, field), true[field]))
        if not math.isclose(row.commute_km, true["commute_km"], rel_tol=0.0, abs_tol=KM_TOLERANCE):
            found.append(_differs(f"{name}.commute_km", row.commute_km, true["commute_km"]))
        if set(row.sites) != true["sites"] or len(row.sites) != len(set(row.sites)):
            found.append(_differs(f"{name}.sites", sorted(row.sites), sorted(true["sites"])))
        if row.name != true["name"]:
            found.append(_differs(f"{name}.name", row.name, true["name"]))
        if row.unit != true["unit"]:
            found.append(_differs(f"{name}.unit", row.unit, true["unit"]))
    for person, true in truth.items():
        if person not in seen and true["shifts"] > 0:
            found.append(Mismatch(
                claim=f"people[{person}]", plan=None, checked=f"{true['shifts']} shifts",
                detail=f"the plan has no figures for {person!r}, who has {true['shifts']} duties",
            ))
    return found


def _result(
    plan: Plan, levels: Mapping[str, int], weights: Mapping[str, int], published: bool
) -> list[Mismatch]:
    """Level values and weights, the objective, bounds, gap and status: against the
    recomputed levels, and against each other."""
    result = plan.result
    found: list[Mismatch] = []
    named = {lv.name for lv in result.levels}
    for lv in result.levels:
        name = f"result.levels[{lv.name}]"
        if lv.name not in levels:
            found.append(Mismatch(claim=name, plan=lv.value, checked=None,
                                  detail=f"the plan states a level {lv.name!r}, which does not exist"))
            continue
        if lv.name == "changes" and not published:
            found.append(Mismatch(
                claim=f"{name}.value", plan=lv.value, checked=None,
                detail="a re-plan's changes level can only be verified against the published "
                "plan it changes (check(..., published=...), 'dutyplan check --published')",
            ))
        elif lv.value != levels[lv.name]:
            found.append(_differs(f"{name}.value", lv.value, levels[lv.name]))
        if lv.weight != weights[lv.name]:
            found.append(_differs(f"{name}.weight", lv.weight, weights[lv.name]))
        if lv.bound is not None and lv.bound > lv.value:
            found.append(Mismatch(
                claim=f"{name}.bound", plan=lv.bound, checked=f"at most {lv.value}",
                detail=f"the {lv.name} level's bound {lv.bound} is above its own value {lv.value}: "
                "no plan is worse than the level it reaches",
            ))
        if lv.optimal and lv.bound is not None and lv.bound < lv.value:
            found.append(Mismatch(
                claim=f"{name}.optimal", plan=True, checked=f"bound {lv.bound} below value {lv.value}",
                detail=f"the {lv.name} level is said optimal, but its bound {lv.bound} is below its "
                f"value {lv.value}",
            ))
    if result.levels:
        for level, value in levels.items():
            if level not in named and weights.get(level, 0) > 0 and value != 0:
                found.append(Mismatch(
                    claim=f"result.levels[{level}]", plan=None, checked=value,
                    detail=f"the plan states no {level} level, which is {value}",
                ))
        stated = sum(lv.weight * lv.value for lv in result.levels)
        if result.objective is not None and result.objective != stated:
            found.append(Mismatch(
                claim="result.objective", plan=result.objective, checked=f"{stated} (its own levels)",
                detail=f"the objective {result.objective} is not the weighted sum of the plan's "
                f"own level values ({stated})",
            ))
    if result.levels and all(lv.bound is not None for lv in result.levels) and result.best_bound is not None:
        summed = sum(lv.weight * lv.bound for lv in result.levels)  # type: ignore[operator]
        if result.best_bound != summed:
            found.append(Mismatch(
                claim="result.best_bound", plan=result.best_bound, checked=f"{summed} (its levels' bounds)",
                detail=f"the bound {result.best_bound} is not the weighted sum of the levels' own "
                f"bounds ({summed})",
            ))
    if result.status == "optimal" and any(not lv.optimal for lv in result.levels):
        unproven = ", ".join(lv.name for lv in result.levels if not lv.optimal)
        found.append(Mismatch(
            claim="result.status", plan="optimal", checked=f"levels not optimal: {unproven}",
            detail=f"the plan says optimal, but it says its levels {unproven} are not",
        ))
    if result.status in ("infeasible", "unknown") and plan.assignments and not result.unmet:
        found.append(Mismatch(
            claim="result.status", plan=result.status, checked=f"{len(plan.assignments)} assignments",
            detail=f"the plan says {result.status} (no plan) but has assignments, and names no "
            "hard rule it does not keep (result.unmet)",
        ))
    if result.objective is not None:
        true = sum(weights[level] * value for level, value in levels.items())
        changes_unverified = "changes" in named and not published
        if result.objective != true and not changes_unverified:
            found.append(_differs("result.objective", result.objective, true))
        if result.best_bound is not None:
            if result.best_bound > result.objective:
                found.append(Mismatch(
                    claim="result.best_bound", plan=result.best_bound,
                    checked=f"at most {result.objective}",
                    detail=f"the bound {result.best_bound} is above the plan's own objective "
                    f"{result.objective}",
                ))
            if result.gap is not None:
                gap = (result.objective - result.best_bound) / max(1, abs(result.objective))
                if abs(result.gap - gap) > GAP_TOLERANCE:
                    found.append(_differs("result.gap", result.gap, round(gap, 6)))
            if result.status == "optimal" and result.best_bound != result.objective:
                found.append(Mismatch(
                    claim="result.status", plan="optimal",
                    checked=f"bound {result.best_bound} below objective {result.objective}",
                    detail=f"the plan says optimal, but its bound {result.best_bound} is below its "
                    f"objective {result.objective}",
                ))
    return found


def _differs(claim: str, said: Any, true: Any) -> Mismatch:
    return Mismatch(claim=claim, plan=_json(said), checked=_json(true),
                    detail=f"the plan says {said}, the checker finds {true}")


def _json(value: Any) -> Any:
    """A value as it reads in a report (dates and times as ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
