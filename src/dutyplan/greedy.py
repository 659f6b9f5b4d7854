"""A fast first roster for one small site, to start CP-SAT from.

Measured on synthetic districts, CP-SAT with one worker takes 0.3-1.7 s to reach full cover
of a 10-15 person site, too long for thousands of sites. :func:`greedy_roster` fills the
site's gate-shifts in time order with the least-worked admissible person (then the nearest)
who keeps the common rest rules: shifts per day, overlap and minimum rest, maximum run of
days, days off in every 7, maximum run of nights, and a person of each role the site needs.
It only handles those rules: with any other hard rule, or a history, it gives up (None).
Its plan is a hint only: :func:`dutyplan.solve.solve` checks it against every hard rule of
the model and drops it if any is broken, so a wrong guess here costs time, never a bad plan.
"""

from __future__ import annotations

import numpy as np

from dutyplan.model.index import build_index
from dutyplan.plan import Assignment
from dutyplan.problem import Problem

# hard rules the greedy keeps; any other hard rule set on someone makes it give up
HANDLED = {
    "max_shifts_per_day", "min_rest_hours", "max_consecutive_days", "min_days_off_per_7",
    "max_consecutive_nights", "max_commute_km", "max_day_minutes", "keep_one_site",
    "unit_sites_weight", "roles",
}


def _supported(problem: Problem) -> bool:
    if len(problem.sites) != 1 or any(p.history for p in problem.people):
        return False
    for person in problem.people:
        rules = problem.effective_rules(person)
        for name in type(rules).model_fields:
            if name in HANDLED:
                continue
            value = getattr(rules, name)
            if value in (None, [], {}, False):
                continue
            if name == "max_shifts" and all(not limit.hard for limit in value.values()):
                continue
            if getattr(value, "hard", True) is False:
                continue  # a soft rule: its cost is CP-SAT's business
            return False
    return True


def greedy_roster(problem: Problem) -> list[Assignment] | None:
    """Assignments for a one-site problem under the common rest rules, or None.

    Nearest people first (least commute); when that leaves a post empty, least-worked people
    first (spreading the work keeps more people within the rest rules late in the horizon).
    """
    if not _supported(problem):
        return None
    ix = build_index(problem)
    nearest, empty = _fill(problem, ix, nearest_first=True)
    if not empty:
        return nearest
    balanced, empty_balanced = _fill(problem, ix, nearest_first=False)
    return balanced if empty_balanced < empty else nearest


def _fill(problem: Problem, ix, nearest_first: bool) -> tuple[list[Assignment], int]:  # noqa: ANN001
    """One greedy pass; returns the assignments and the number of posts left empty."""
    n_people, n_days = ix.n_people, ix.n_days
    rules = ix.rules
    day_cap = [r.max_shifts_per_day.value if r.max_shifts_per_day and r.max_shifts_per_day.hard else 99 for r in rules]
    rest = [60 * r.min_rest_hours.value if r.min_rest_hours and r.min_rest_hours.hard else 0 for r in rules]
    run_cap = [r.max_consecutive_days.value if r.max_consecutive_days and r.max_consecutive_days.hard else 99 for r in rules]
    off7 = [r.min_days_off_per_7.value if r.min_days_off_per_7 and r.min_days_off_per_7.hard else 0 for r in rules]
    night_cap = [
        r.max_consecutive_nights.value if r.max_consecutive_nights and r.max_consecutive_nights.hard else 99
        for r in rules
    ]
    roles_needed = [req.role for req in problem.rules.roles if req.weight is None for _ in range(req.count)]
    shifts_on = np.zeros((n_people, n_days), dtype=np.int64)
    night_on = np.zeros((n_people, n_days), dtype=bool)
    last_end = np.full(n_people, -(10**9), dtype=np.int64)
    count = np.zeros(n_people, dtype=np.int64)
    km = ix.km[:, 0]
    person_roles = [set(p.roles) for p in problem.people]

    def ok(p: int, d: int, s: int) -> bool:
        if shifts_on[p, d] >= day_cap[p]:
            return False
        if ix.start[d, s] < last_end[p] + rest[p]:
            return False
        if shifts_on[p, d] == 0:
            run = 0
            while d - run - 1 >= 0 and shifts_on[p, d - run - 1] > 0:
                run += 1
            if run + 1 > run_cap[p]:
                return False
            if off7[p] and (shifts_on[p, max(0, d - 6) : d] > 0).sum() + 1 > 7 - off7[p]:
                return False
        if ix.shift_night[s] and not night_on[p, d]:
            run = 0
            while d - run - 1 >= 0 and night_on[p, d - run - 1]:
                run += 1
            if run + 1 > night_cap[p]:
                return False
        return True

    def take(p: int, d: int, s: int) -> None:
        shifts_on[p, d] += 1
        night_on[p, d] |= bool(ix.shift_night[s])
        last_end[p] = max(last_end[p], ix.end[d, s])
        count[p] += 1

    def rank(p: int) -> tuple[int, int, int]:
        return (km[p], count[p], p) if nearest_first else (count[p], km[p], p)

    empty = 0
    site = problem.sites[0]
    order = sorted((int(ix.start[d, s]), d, s) for d in range(n_days) for s in range(ix.n_shifts))
    out: list[Assignment] = []
    for _, d, s in order:
        posts = []  # (class, gate index) per person needed
        for c, gate_class in enumerate(ix.classes):
            if gate_class.open[d, s] and gate_class.need[d, s] > 0:
                for g in gate_class.gates:
                    posts += [(c, g)] * int(gate_class.need[d, s])
        if not posts:
            continue
        chosen: list[tuple[int, int, int]] = []  # (person, class, gate)
        free = list(posts)
        for role in roles_needed:  # one of each required role first, if any is on hand
            if any(role in person_roles[p] for p, _, _ in chosen):
                continue
            for i, (c, g) in enumerate(free):
                people = [
                    p for p in range(n_people)
                    if role in person_roles[p] and ix.eligible[p, c, d, s] and ok(p, d, s)
                    and all(p != q for q, _, _ in chosen)
                ]
                if people:
                    p = min(people, key=rank)
                    chosen.append((p, c, g))
                    take(p, d, s)
                    free.pop(i)
                    break
        for c, g in free:
            people = [
                p for p in range(n_people)
                if ix.eligible[p, c, d, s] and ok(p, d, s) and all(p != q for q, _, _ in chosen)
            ]
            if people:
                p = min(people, key=rank)
                chosen.append((p, c, g))
                take(p, d, s)
            else:
                empty += 1
        day = problem.dates[d]
        shift = problem.shift_types[s]
        for p, _, g in chosen:
            out.append(_assignment(problem, problem.people[p].id, day, shift.id, site.id, site.gates[g].id))
    return out, empty


def _assignment(problem: Problem, person: str, day, shift_id: str, site: str, gate: str) -> Assignment:  # noqa: ANN001
    return Assignment(
        person=person, date=day, shift=shift_id, start=problem.shift_start(day, shift_id),
        end=problem.shift_end(day, shift_id), site=site, gate=gate,
    )
