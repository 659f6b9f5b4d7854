"""Re-plan a published timetable with the least change: the past stays, the rest moves little.

Plans meet reality: a cadre falls ill, a village opens a new checkpoint, an agency sends more
people. :func:`replan` applies :class:`Changes` to the problem, keeps every published
assignment that starts before ``freeze_until`` exactly as it was (and adds none there), and
solves with a ``changes`` level right after cover: each published duty dropped and each new
duty costs the number of days from its date to the end of the horizon (a change sooner weighs
more), twice that when the new duty is at a site where the person had no published duty (a
move to another site weighs more than a moved shift). The usual levels follow. The published
plan is the solver's starting point (what of it still holds).

:func:`plan_diff` (independent of the solver) lists per person what was dropped and what was
added, and :func:`change_cost` recomputes the ``changes`` level from the two plans alone; the
checker uses it (``check(problem, plan, published=..., freeze_until=...)``).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from dutyplan import timing
from dutyplan.budget import Budget, check_solve_arguments, interruptible
from dutyplan.checker import check
from dutyplan.compile import build_index
from dutyplan.errors import ProblemError
from dutyplan.model import build_model
from dutyplan.model.caseloads import may_answer
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import LEVELS, Gate, Household, Person, Problem, Site
from dutyplan.rulebook import SITE_MOVE_FACTOR, change_weight
from dutyplan.solver import (
    model_fits,
    run_stage,
    solution_from_assignments,
    solve_model,
    stop_reason,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Away(_In):
    """A person who cannot work from ``start`` (from shift ``shift`` on that date, if given)
    to ``end`` (the last date away; default: the end of the horizon)."""

    person: str
    start: dt.date
    shift: str | None = None
    end: dt.date | None = None


class DemandChange(_In):
    """People needed at a gate for a shift type, on the dates ``start``..``end`` (default:
    from the start to the end of the horizon)."""

    site: str
    gate: str
    shift: str
    need: int = Field(ge=0, le=10_000)
    start: dt.date | None = None
    end: dt.date | None = None


class NewPerson(Person):
    """A person added to the problem; with a commute matrix, their km (and minutes) per site."""

    commute_km: dict[str, float] | None = None
    commute_minutes: dict[str, float] | None = None


class NewSite(Site):
    """A site added to the problem; with a commute matrix, each person's km (and minutes)."""

    commute_km: dict[str, float] | None = None
    commute_minutes: dict[str, float] | None = None


class NewGate(_In):
    site: str
    gate: Gate


class Changes(_In):
    """What happened since the plan was published."""

    away: list[Away] = Field(default_factory=list)
    remove_people: list[str] = Field(default_factory=list, description="away from freeze_until on")
    add_people: list[NewPerson] = Field(default_factory=list)
    demand: list[DemandChange] = Field(default_factory=list)
    add_sites: list[NewSite] = Field(default_factory=list)
    add_gates: list[NewGate] = Field(default_factory=list)
    add_households: list[Household] = Field(
        default_factory=list, description="households arrived since (today's arrivals): caseloads to assign"
    )


class PersonDiff(_In):
    """What changed for one person: duties dropped from and added to their published plan."""

    person: str
    name: str
    dropped: list[Assignment] = Field(default_factory=list)
    added: list[Assignment] = Field(default_factory=list)


class Replan(_In):
    """A re-plan: the changed problem, the new plan, and what changed for whom."""

    problem: Problem
    plan: Plan
    diff: list[PersonDiff]
    changed_assignments: int = Field(description="duties dropped plus duties added")
    frozen_assignments: int
    freeze_until: dt.datetime

    def summary(self) -> str:
        lines = [
            f"re-plan of {self.problem.name}: {self.changed_assignments} changed assignment(s) "
            f"for {len(self.diff)} person(s); {self.frozen_assignments} before "
            f"{self.freeze_until:%Y-%m-%d %H:%M} kept as published"
        ]
        for d in self.diff:
            parts = [f"-{a.date} {a.shift} {a.site}/{a.gate}" for a in d.dropped]
            parts += [f"+{a.date} {a.shift} {a.site}/{a.gate}" for a in d.added]
            lines.append(f"  {d.name}: " + ", ".join(parts))
        return "\n".join(lines)


# --------------------------------------------------------------------------- changes


def apply_changes(problem: Problem, changes: Changes, freeze_until: dt.datetime | None = None) -> Problem:
    """The problem after ``changes`` (people removed are away from ``freeze_until`` on)."""
    data = problem.model_dump(mode="json", exclude_unset=True)
    people = {p["id"]: p for p in data["people"]}
    sites = {s["id"]: s for s in data["sites"]}
    shift_ids = {s.id for s in problem.shift_types}
    last = problem.dates[-1]

    def person_doc(person_id: str, where: str) -> dict[str, Any]:
        if person_id not in people:
            raise ProblemError(f"changes.{where}: unknown person {person_id!r}")
        return people[person_id]

    def dates(start: dt.date, end: dt.date | None, where: str) -> list[dt.date]:
        end = last if end is None else min(end, last)
        if end < start:
            raise ProblemError(f"changes.{where}: end {end} is before start {start}")
        first = max(start, problem.horizon.start)
        return [first + dt.timedelta(days=i) for i in range((end - first).days + 1)]

    def away(person_id: str, start: dt.date, shift: str | None, end: dt.date | None, where: str) -> None:
        doc = person_doc(person_id, where)
        if shift is not None and shift not in shift_ids:
            raise ProblemError(f"changes.{where}.shift: unknown shift type {shift!r}")
        items = doc.setdefault("unavailable", [])
        for day in dates(start, end, where):
            if day == start and shift is not None:
                begin = problem.shift_start(day, shift)
                for s in problem.shift_types:
                    if problem.shift_start(day, s.id) >= begin:
                        items.append({"date": day.isoformat(), "shift": s.id})
            else:
                items.append({"date": day.isoformat()})

    for i, item in enumerate(changes.away):
        away(item.person, item.start, item.shift, item.end, f"away.{i}")
    for i, person_id in enumerate(changes.remove_people):
        moment = freeze_until or dt.datetime.combine(problem.horizon.start, dt.time(0))
        first_shift = next(
            (s.id for s in sorted(problem.shift_types, key=lambda s: s.start)
             if problem.shift_start(moment.date(), s.id) >= moment), None,
        )
        if first_shift is None:  # nothing left that date
            away(person_id, moment.date() + dt.timedelta(days=1), None, None, f"remove_people.{i}")
        else:
            away(person_id, moment.date(), first_shift, None, f"remove_people.{i}")

    for i, change in enumerate(changes.demand):
        site = sites.get(change.site)
        gate = None if site is None else next((g for g in site["gates"] if g["id"] == change.gate), None)
        if gate is None:
            raise ProblemError(f"changes.demand.{i}: no gate {change.gate!r} at site {change.site!r}")
        if change.shift not in shift_ids:
            raise ProblemError(f"changes.demand.{i}.shift: unknown shift type {change.shift!r}")
        site_index = [s.id for s in problem.sites].index(change.site)
        gate_index = [g.id for g in problem.sites[site_index].gates].index(change.gate)
        for day in dates(change.start or problem.horizon.start, change.end, f"demand.{i}"):
            table = gate.setdefault("dates", {}).setdefault(day.isoformat(), None)
            if table is None:  # the date's own table starts as what the gate had that date
                table = {
                    s.id: e.model_dump(mode="json", exclude_none=True)
                    for s in problem.shift_types
                    if (e := problem.demand(site_index, gate_index, day, s.id)) is not None
                }
                gate["dates"][day.isoformat()] = table
            table[change.shift] = change.need

    matrices = [m for m in ("commute_km", "commute_minutes") if data.get(m) is not None]
    for i, new in enumerate(changes.add_sites):
        doc = new.model_dump(mode="json", exclude_unset=True, exclude={"commute_km", "commute_minutes"})
        data["sites"].append(doc)
        sites[new.id] = doc
        for m in matrices:
            given = getattr(new, m)
            missing = [p.id for p in problem.people if given is None or p.id not in given]
            if missing:
                raise ProblemError(f"changes.add_sites.{i}.{m}: needed for every person; missing {missing[:5]}")
            for row, p in zip(data[m], problem.people):
                row.append(given[p.id])
    for i, new in enumerate(changes.add_gates):
        if new.site not in sites:
            raise ProblemError(f"changes.add_gates.{i}.site: unknown site {new.site!r}")
        sites[new.site]["gates"].append(new.gate.model_dump(mode="json", exclude_unset=True))
    known = {h.id for h in problem.households}
    for i, new in enumerate(changes.add_households):
        if new.site not in sites:
            raise ProblemError(f"changes.add_households.{i}.site: unknown site {new.site!r}")
        if new.id in known:
            raise ProblemError(f"changes.add_households.{i}.id: household {new.id!r} is already in the problem")
        known.add(new.id)
        data.setdefault("households", []).append(new.model_dump(mode="json", exclude_unset=True))
    site_order = [s["id"] for s in data["sites"]]
    for i, new in enumerate(changes.add_people):
        doc = new.model_dump(mode="json", exclude_unset=True, exclude={"commute_km", "commute_minutes"})
        data["people"].append(doc)
        for m in matrices:
            given = getattr(new, m)
            missing = [s for s in site_order if given is None or s not in given]
            if missing:
                raise ProblemError(f"changes.add_people.{i}.{m}: needed for every site; missing {missing[:5]}")
            data[m].append([given[s] for s in site_order])
    return Problem.model_validate(data)


# --------------------------------------------------------------------------- the cost of change


def _key(a: Assignment) -> tuple[str, dt.date, str, str, str]:
    return (a.person, a.date, a.shift, a.site, a.gate)


def day_weight(problem: Problem, day: dt.date) -> int:
    """Cost of one changed duty on ``day``: days from it to the end of the horizon (>= 1)."""
    return change_weight(problem.horizon.days, problem.day_index(day))


def change_cost(
    problem: Problem, published: list[Assignment], assignments: list[Assignment], freeze_until: dt.datetime
) -> int:
    """The ``changes`` level of ``assignments`` against ``published``, from duties starting at
    or after ``freeze_until`` (duties are compared by person, date, shift, site and gate)."""
    before = {_key(a) for a in published if a.start >= freeze_until}
    after = {_key(a) for a in assignments if a.start >= freeze_until}
    sites_of: dict[str, set[str]] = defaultdict(set)
    for person, _, _, site, _ in before:
        sites_of[person].add(site)
    cost = sum(day_weight(problem, day) for _, day, _, _, _ in before - after)
    for person, day, _, site, _ in after - before:
        factor = 1 if site in sites_of[person] else SITE_MOVE_FACTOR
        cost += factor * day_weight(problem, day)
    return cost


def household_change_cost(problem: Problem, published: dict[str, str], answers: dict[str, str],
                          freeze_until: dt.datetime) -> int:
    """The ``changes`` level's caseload part (docs/rules.md, "Re-planning"): each household of a
    published caseload answered for by someone else, or nobody, costs ``caseload.change_weight``
    per watched date on or after the freeze date."""
    cost = 0
    for household in problem.households:
        before = published.get(household.id)
        if before is None or answers.get(household.id) == before:
            continue
        cost += problem.caseload.change_weight * len(dates_left(problem, household, freeze_until))
    return cost


def dates_left(problem: Problem, household: Household, freeze_until: dt.datetime) -> list[dt.date]:
    """The household's watched dates in the horizon on or after the freeze date."""
    first, last = problem.watch_span(household)
    first = max(first, freeze_until.date())
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def plan_diff(problem: Problem, published: Plan | list[Assignment], plan: Plan) -> list[PersonDiff]:
    """Per person, the duties dropped from and added to the published plan (by person, date,
    shift and site; a gate change within a site is a change too, listed as both)."""
    old = published.assignments if isinstance(published, Plan) else published
    full = lambda a: (a.person, a.date, a.shift, a.site, a.gate)  # noqa: E731
    before = {full(a): a for a in old}
    after = {full(a): a for a in plan.assignments}
    names = {p.id: p.label for p in problem.people}
    diffs: dict[str, PersonDiff] = {}
    for key in sorted(set(before) - set(after), key=lambda k: before[k].start):
        a = before[key]
        diffs.setdefault(a.person, PersonDiff(person=a.person, name=names.get(a.person, a.person))).dropped.append(a)
    for key in sorted(set(after) - set(before), key=lambda k: after[k].start):
        a = after[key]
        diffs.setdefault(a.person, PersonDiff(person=a.person, name=names.get(a.person, a.person))).added.append(a)
    return [diffs[p] for p in sorted(diffs, key=lambda p: list(names).index(p) if p in names else len(names))]


# --------------------------------------------------------------------------- re-plan


def _upper(dm: Any, level: str) -> int:
    """The most a level can cost (every term at its worst)."""
    total = 0
    for term in dm.terms:
        if term.level == level:
            if term.var is None:
                total += max(0, term.coef)
            else:
                lo, hi = dm.domain(term.var)
                total += max(term.coef * lo, term.coef * hi)
    return total


def _recount_changes(problem: Problem, plan: Plan, published: list[Assignment], moment: dt.datetime,
                     published_answers: dict[str, str]) -> Plan:
    """The plan with its ``changes`` level at its value by gate (the model counted by gate
    class: the same unless a class had to move someone between its gates; its bound still
    holds)."""
    result = plan.result
    level = next((lv for lv in result.levels if lv.name == "changes"), None)
    if level is None or not plan.assignments and not published and not published_answers:
        return plan
    value = change_cost(problem, published, plan.assignments, moment)
    value += household_change_cost(problem, published_answers, plan.answers, moment)
    if value == level.value:
        return plan
    levels = [lv.model_copy(update={"value": value, "optimal": False}) if lv is level else lv
              for lv in result.levels]
    objective = sum(lv.weight * lv.value for lv in levels)
    gap = result.gap
    if result.best_bound is not None:
        gap = round((objective - result.best_bound) / max(1, abs(objective)), 6)
    status = "feasible" if result.status == "optimal" else result.status
    return plan.with_result(levels=levels, objective=objective, gap=gap, status=status)


def _keep_published_gates(ix: Any, plan: Plan, published: Plan) -> Plan:
    """The same plan with people moved between interchangeable gates (same site, date, shift,
    demand, role and weights: one gate class) so that as many as possible keep the gate the
    published plan gave them. Costs and rules are unchanged by such swaps."""
    class_of = ix.class_of_gate()
    duty = lambda a: (a.person, a.date, a.shift, a.site)  # noqa: E731 (the gate is what may move)
    was = {duty(a): a.gate for a in published.assignments}
    groups: dict[tuple[int, dt.date, str], list[int]] = defaultdict(list)
    for i, a in enumerate(plan.assignments):
        groups[(class_of[(a.site, a.gate)], a.date, a.shift)].append(i)
    moved = list(plan.assignments)
    for members in groups.values():
        slots = [plan.assignments[i].gate for i in members]  # the gates this group fills
        keep, rest = [], []
        for i in members:
            gate = was.get(duty(plan.assignments[i]))
            if gate is not None and gate in slots:
                slots.remove(gate)
                keep.append((i, gate))
            else:
                rest.append(i)
        for i, gate in keep + list(zip(rest, slots)):
            moved[i] = plan.assignments[i].model_copy(update={"gate": gate})
    if moved == plan.assignments:
        return plan
    return Plan.build(ix.problem, moved, plan.result, plan.answers)


def _decided_caseloads(problem: Problem, published: dict[str, str], moment: dt.datetime) -> dict[str, str | None]:
    """The households a re-plan does not choose for (see :func:`_household_changes`): those
    whose watch ended before the freeze date (their published person, or nobody) and those
    whose published person may still answer for them."""
    people = {p.id: p for p in problem.people}
    decided: dict[str, str | None] = {}
    for household in problem.households:
        before = published.get(household.id)
        if not dates_left(problem, household, moment):
            decided[household.id] = before
        elif before in people and may_answer(problem, people[before], household):
            decided[household.id] = before
    return decided


def _household_changes(dm: Any, published: dict[str, str], moment: dt.datetime) -> None:
    """Caseloads in a re-plan: a household whose watch ended before the freeze date keeps its
    published person (or nobody), and so does one still watched while that person may answer
    for it (both ``frozen``); one whose person may not any more (away on a watched date) moves,
    at the cost ``moved_household`` (:func:`household_change_cost`)."""
    problem = dm.index.problem
    person = {p.id: i for i, p in enumerate(problem.people)}
    by_household: dict[int, dict[int, Any]] = defaultdict(dict)
    for (h, p), a in dm.answer.items():
        by_household[h][p] = a
    for h, household in enumerate(problem.households):
        before = published.get(household.id)
        p0 = person.get(before) if before is not None else None
        left = dates_left(problem, household, moment)
        answers = by_household.get(h, {})
        if not left:  # a watch over before the freeze: as published
            if p0 is not None and p0 not in answers:
                raise ProblemError(
                    f"the published caseload of household {household.id!r} by {before!r} ended before "
                    f"freeze_until ({moment}) but breaks the changed problem (a change dated in the frozen past?)"
                )
            for p, a in answers.items():
                dm.model.add(a == int(p == p0))
            continue
        if p0 is None:
            continue
        a0 = answers.get(p0)
        if a0 is not None:  # a running caseload stays with its person while they may answer
            dm.model.add(a0 == 1)
        else:  # they may not any more (away on a watched date): a forced move
            dm.cost("changes", "moved_household", problem.caseload.change_weight * len(left), None, p0)


def _moment(problem: Problem, freeze_until: dt.datetime | dt.date | str | None) -> dt.datetime:
    if freeze_until is None:
        return dt.datetime.combine(problem.horizon.start, dt.time(0))
    if isinstance(freeze_until, str):
        try:
            freeze_until = dt.datetime.fromisoformat(freeze_until)
        except ValueError:
            raise ProblemError(f"freeze_until: not a date or date-time: {freeze_until!r}") from None
    if not isinstance(freeze_until, dt.datetime):
        freeze_until = dt.datetime.combine(freeze_until, dt.time(0))
    return freeze_until.replace(tzinfo=None)


def replan(
    problem: Problem,
    published: Plan,
    changes: Changes | dict[str, Any] | None = None,
    freeze_until: dt.datetime | dt.date | str | None = None,
    time_limit: float = 30.0,
    workers: int | None = None,
    seed: int = 0,
    deterministic: bool = False,
) -> Replan:
    """Re-plan ``published`` after ``changes``; nothing starting before ``freeze_until`` (a
    date means its midnight) moves. See the module docstring for the objective.
    ``deterministic``: count the time limit in CP-SAT's deterministic time (reproducible, see
    :func:`dutyplan.solve`); Ctrl-C stops early with the best re-plan found so far."""
    check_solve_arguments(time_limit, workers, seed)
    budget = Budget(time_limit, deterministic)
    started = budget.started
    if not isinstance(changes, Changes):
        try:
            changes = Changes.model_validate(changes or {})
        except Exception as error:  # pydantic's message names the field
            raise ProblemError(f"invalid changes: {error}") from None
    published.ensure_fits(problem)
    moment = _moment(problem, freeze_until)
    changed = apply_changes(problem, changes, moment)
    frozen = [a for a in published.assignments if a.start < moment]
    later = [a for a in published.assignments if a.start >= moment]

    index = build_index(changed)
    if not model_fits(changed, int(index.eligible.sum()), budget):
        result = Result(status="unknown", stop_reason="time limit", time_limit=time_limit,
                        build_seconds=round(budget.elapsed(), 4), deterministic=deterministic)
        return Replan(problem=changed, plan=Plan(problem=changed.name, result=result), diff=[],
                      changed_assignments=0, frozen_assignments=len(frozen), freeze_until=moment)
    dm = build_model(changed, index=index, fixed_answers=_decided_caseloads(changed, published.answers, moment))
    ix = dm.index
    person = {p.id: i for i, p in enumerate(changed.people)}
    site = {s.id: i for i, s in enumerate(changed.sites)}
    shift = {s: i for i, s in enumerate(ix.shift_ids)}
    class_of = ix.class_of_gate()

    keys = dm.x_keys
    starts = ix.start[keys[:, 2], keys[:, 3]] if len(keys) else np.zeros(0, dtype=np.int64)
    freeze_minute = int((moment - dt.datetime.combine(changed.horizon.start, dt.time(0))).total_seconds() // 60)
    fixed = np.zeros(len(dm.x_vars), dtype=bool)
    for a in frozen:
        i = dm.posting(a)
        if i < 0:
            raise ProblemError(
                f"the published duty of {a.person!r} on {a.date} {a.shift} at {a.site}/{a.gate} is "
                f"before freeze_until ({moment}) but breaks the changed problem (a change dated "
                "in the frozen past?)"
            )
        fixed[i] = True
    for i in np.flatnonzero(starts < freeze_minute).tolist():
        dm.model.add(dm.x_vars[i] == int(fixed[i]))

    # the changes level: a published duty dropped, a new duty added. The model sees gate
    # classes (interchangeable gates), so a duty kept in its class counts as kept; the plan
    # then keeps each person's published gate where the class allows (see
    # _keep_published_gates) and the level is recomputed by gate afterwards
    published_keys: dict[tuple[int, int, int, int], int] = defaultdict(int)
    sites_of: dict[int, set[int]] = defaultdict(set)
    for a in later:
        c = class_of[(a.site, a.gate)]
        published_keys[(person[a.person], changed.day_index(a.date), shift[a.shift], c)] += 1
        sites_of[person[a.person]].add(site[a.site])
    def weight(d: int) -> int:
        return change_weight(ix.n_days, d)

    for i in np.flatnonzero(starts >= freeze_minute).tolist():
        p, c, d, s = keys[i].tolist()
        k = int(ix.class_site[c])
        if (p, d, s, c) in published_keys:
            dm.cost("changes", "dropped_duty", weight(d), dm.x_vars[i].Not(), p, d, k)
        else:
            factor = 1 if k in sites_of[p] else SITE_MOVE_FACTOR
            dm.cost("changes", "added_duty", factor * weight(d), dm.x_vars[i], p, d, k)
    for p, d, s, c in published_keys:  # published duties the changed problem no longer admits
        if dm.x_id[p, c, d, s] < 0:
            dm.cost("changes", "dropped_duty", weight(d), None, p, d, int(ix.class_site[c]))

    _household_changes(dm, published.answers, moment)

    # start from what of the published plan still holds
    workers = workers or os.cpu_count() or 1
    admissible = [a for a in published.assignments if dm.posting(a) >= 0]
    initial = solution_from_assignments(dm, admissible, budget.part(timing.SPLITS.replan_start_share * budget.left()),
                                        answers=published.answers)
    hint = np.zeros(len(dm.x_vars), dtype=np.int64)
    for a in admissible:
        hint[dm.posting(a)] = 1

    # cover first, but never aim beyond what the published plan had: minimise
    # max(cover, published cover), cap cover there, then fewest changes, then the rest
    # (cover again among them), so with no changes the published plan is the answer
    order = list(LEVELS)
    if changed.objective.effective_mode != "weighted" and dm.uses_level("cover"):
        published_cover = check(problem, published, rules_only=True).levels["cover"]
        cover = dm.level_expr("cover")
        capped = dm.model.new_int_var(published_cover, max(published_cover, _upper(dm, "cover")), "")
        dm.model.add_max_equality(capped, [cover, published_cover])
        left = budget.left()
        with interruptible(budget.stop, "re-plan"):
            status, response, _ = run_stage(
                dm, capped, initial, budget.part(timing.SPLITS.replan_cover_share * left),
                timing.SPLITS.replan_cover_lns_share * left, workers, seed, False, None,
                published_cover,
            )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            dm.model.add(cover <= int(response.objective_value))
            initial = np.array(response.solution, dtype=np.int64)[: len(initial) if initial is not None else None]
            order = ["changes", *[lv for lv in LEVELS if lv != "changes"]]
    with interruptible(budget.stop, "re-plan"):
        plan = solve_model(dm, budget.part(max(0.05, budget.left())), workers, seed, initial=initial,
                           started=started, order=order)
    plan = plan.with_result(
        solve_seconds=round(time.perf_counter() - started - dm.build_seconds, 4), time_limit=time_limit,
        deterministic=deterministic, deterministic_seconds=round(budget.charged, 4),
        stop_reason=stop_reason(plan.result, budget),
    )
    plan = _keep_published_gates(ix, plan, published)
    plan = _recount_changes(changed, plan, published.assignments, moment, published.answers)
    diff = plan_diff(changed, published, plan)
    count = sum(len(d.dropped) + len(d.added) for d in diff)
    return Replan(
        problem=changed, plan=plan, diff=diff, changed_assignments=count,
        frozen_assignments=len(frozen), freeze_until=moment,
    )


__all__ = [
    "Away", "Changes", "DemandChange", "NewGate", "NewPerson", "NewSite", "PersonDiff", "Replan",
    "apply_changes", "change_cost", "dates_left", "day_weight", "household_change_cost", "plan_diff", "replan",
]
