"""A fast first roster for one small site, to start CP-SAT from.

Measured on synthetic districts, CP-SAT with one worker takes 0.3-1.7 s to reach full cover
of a 10-15 person site, too long for thousands of sites. :func:`greedy_roster` fills the
site's gate-shifts in time order with an admissible person who keeps the common rest rules
(shifts per day, overlap and minimum rest, maximum run of days, days off in every 7, maximum
run of nights, and a person of each role the site needs): one whose preferences this shift
costs least first, then by a mix of shifts worked so far and km (from nearest first to
least worked first: :data:`KM_WEIGHTS`), keeping the pass that leaves fewest posts empty,
then costs least in preferences, then in km.
It only handles those rules: with any other hard rule, or a history, it gives up (None).
Its plan is a hint only: :func:`dutyplan.solve.solve` checks it against every hard rule of
the model and drops it if any is broken, so a wrong guess here costs time, never a bad plan.
"""

from __future__ import annotations

import numpy as np

from dutyplan.budget import Budget
from dutyplan.compile.index import build_index
from dutyplan.plan import Assignment
from dutyplan.problem import Problem

BUDGET_EVERY = 64  # shift instances between two looks at the budget

# The passes: a person's key is shifts worked so far + weight x km (inf: nearest first, 0:
# least worked first). Nearest first alone leaves posts empty late in the horizon on sites of
# 10-25 people (the near ones run out of rest), least worked first alone spreads duties over
# the far ones. On 60 sampled sites of the synthetic 3,717-person district (each with the
# people a plan had there) the best pass was nearest first on 39 (ties counted), 2 on 15,
# 1 on 16, 0.5 on 9; passes leaving a post empty: nearest first 10, 2 on 7, 1 on 3, 0.5 on 1,
# least worked first none. Each pass takes 2-3 ms on a 13-person site over 14 days.
KM_WEIGHTS = (float("inf"), 2.0, 1.0, 0.5, 0.0)

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
            if isinstance(value, list) and all(getattr(item, "weight", None) is not None for item in value):
                continue  # soft rules only (forbidden successions with a weight)
            return False
    return True


def greedy_roster(problem: Problem, budget: Budget | None = None) -> list[Assignment] | None:
    """Assignments for a one-site problem under the common rest rules, or None (also when
    ``budget`` runs out first: it is a start, not worth the solver's time).

    One pass per weight of km against shifts worked (:data:`KM_WEIGHTS`); the pass that
    leaves fewest posts empty, then costs least in preferences, then in km, is kept.
    """
    if not _supported(problem):
        return None
    ix = build_index(problem)
    unwanted = _unwanted(problem, ix)
    best: tuple[tuple[int, int, int], list[Assignment]] | None = None
    for weight in KM_WEIGHTS:
        found = _fill(problem, ix, weight, unwanted, budget=budget)
        if found is None:  # out of time: the best pass so far, if any
            break
        out, rank = found
        if best is None or rank < best[0]:
            best = (rank, out)
    return None if best is None else best[1]


def _unwanted(problem: Problem, ix) -> np.ndarray:  # noqa: ANN001
    """[P, D, S] what working shift s on day d costs the person in preferences, less what it
    saves (wanted shifts and working days): the greedy's first key."""
    cost = np.zeros((ix.n_people, ix.n_days, ix.n_shifts), dtype=np.int64)
    site = problem.sites[0].id
    for p, person in enumerate(problem.people):
        for pref in person.preferences:
            days = slice(None) if pref.date is None else problem.day_index(pref.date)
            if pref.date is not None and not 0 <= days < ix.n_days:  # type: ignore[operator]
                continue
            if pref.kind == "site":
                if (pref.site == site) != pref.want:  # working here costs, with a date or not
                    cost[p, days, :] += pref.weight
            elif pref.kind == "shift":
                s = ix.shift_position(pref.shift)
                if pref.date is not None:
                    cost[p, days, s] += -pref.weight if pref.want else pref.weight
                else:
                    chosen = np.zeros(ix.n_shifts, dtype=bool)
                    chosen[s] = True
                    cost[p, :, chosen != pref.want] += pref.weight
            elif pref.kind == "day_off":
                cost[p, days, :] += pref.weight if pref.want else -pref.weight
    return cost


def _fill(
    problem: Problem, ix, km_weight: float, unwanted: np.ndarray, budget: Budget | None = None  # noqa: ANN001
) -> tuple[list[Assignment], tuple[int, int, int]] | None:
    """One greedy pass (people keyed by ``unwanted``, then shifts worked + ``km_weight`` x km);
    returns the assignments and (posts left empty, their preference cost, their km) (None:
    the budget ran out; on the wall clock only, its work is not CP-SAT's to count)."""
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
    day_cap, rest, run_cap, off7, night_cap = (np.array(v, dtype=np.int64) for v in (day_cap, rest, run_cap, off7, night_cap))
    roles_needed = [req.role for req in problem.rules.roles if req.weight is None for _ in range(req.count)]
    shifts_on = np.zeros((n_people, n_days), dtype=np.int64)
    night_on = np.zeros((n_people, n_days), dtype=bool)
    last_end = np.full(n_people, -(10**9), dtype=np.int64)
    count = np.zeros(n_people, dtype=np.int64)
    yesterday = np.full((n_people, n_days + 1), -1, dtype=np.int64)  # [p, d + 1]: shift on day d
    km = ix.km[:, 0]
    has_role = {role: np.array([role in p.roles for p in problem.people], dtype=bool) for role in set(roles_needed)}

    def run_before(worked: np.ndarray, d: int) -> np.ndarray:
        """Consecutive days in ``worked`` ending the day before d, per person."""
        run = np.zeros(n_people, dtype=np.int64)
        alive = np.ones(n_people, dtype=bool)
        for back in range(1, d + 1):
            alive &= worked[:, d - back]
            if not alive.any():
                break
            run += alive
        return run

    def ok_mask(d: int, s: int) -> np.ndarray:
        """People who may take one more shift (d, s) under the rules kept here."""
        mask = (shifts_on[:, d] < day_cap) & (ix.start[d, s] >= last_end + rest)
        first_today = shifts_on[:, d] == 0
        worked = shifts_on > 0
        too_long = run_before(worked, d) + 1 > run_cap
        week = worked[:, max(0, d - 6) : d].sum(axis=1) + 1 > 7 - off7
        mask &= ~(first_today & (too_long | ((off7 > 0) & week)))
        if ix.shift_night[s]:
            mask &= night_on[:, d] | (run_before(night_on, d) + 1 <= night_cap)
        return mask

    def take(p: int, d: int, s: int) -> None:
        shifts_on[p, d] += 1
        night_on[p, d] |= bool(ix.shift_night[s])
        last_end[p] = max(last_end[p], ix.end[d, s])
        count[p] += 1
        yesterday[p, d + 1] = s

    def best(candidates: np.ndarray, d: int, s: int, keep_on: bool = False) -> int | None:
        """The person to take among ``candidates`` for shift s on day d. ``keep_on``: a role
        holder, the one who had the same shift the day before first (a run of one shift type
        leaves the rest rules room for the holders of the next shifts; the least-worked
        holder first breaks the runs, and round the clock a night soon finds every holder
        resting)."""
        people = np.flatnonzero(candidates)
        if not len(people):
            return None
        if np.isinf(km_weight):
            mix = [count[people], km[people]]
        else:
            mix = [km[people], count[people] + km_weight * km[people]]
        keys = [people, *mix, unwanted[people, d, s]]
        if keep_on:
            keys.append(yesterday[people, d] != s)
        order = np.lexsort(tuple(keys))
        return int(people[order[0]])

    empty = preferences = commute = 0
    site = problem.sites[0]
    dates = problem.dates
    order = sorted((int(ix.start[d, s]), d, s) for d in range(n_days) for s in range(ix.n_shifts))
    out: list[Assignment] = []
    watch = budget is not None and not budget.deterministic
    for step, (_, d, s) in enumerate(order):
        if watch and step % BUDGET_EVERY == 0 and budget.expired():  # type: ignore[union-attr]
            return None
        posts = []  # (class, gate index) per person needed
        for c, gate_class in enumerate(ix.classes):
            if gate_class.open[d, s] and gate_class.need[d, s] > 0:
                for g in gate_class.gates:
                    posts += [(c, g)] * int(gate_class.need[d, s])
        if not posts:
            continue
        allowed = ok_mask(d, s)
        chosen: list[tuple[int, int, int]] = []  # (person, class, gate)
        free = list(posts)
        for role in roles_needed:  # one of each required role first, if any is on hand
            if any(has_role[role][p] for p, _, _ in chosen):
                continue
            for i, (c, g) in enumerate(free):
                p = best(allowed & has_role[role] & ix.eligible[:, c, d, s], d, s, keep_on=True)
                if p is not None:
                    chosen.append((p, c, g))
                    take(p, d, s)
                    allowed[p] = False
                    free.pop(i)
                    break
        for c, g in free:
            p = best(allowed & ix.eligible[:, c, d, s], d, s)
            if p is not None:
                chosen.append((p, c, g))
                take(p, d, s)
                allowed[p] = False
            else:
                empty += 1
        day = dates[d]
        shift = problem.shift_types[s]
        for p, _, g in chosen:
            out.append(_assignment(problem, problem.people[p].id, day, shift.id, site.id, site.gates[g].id))
            preferences += int(unwanted[p, d, s])
            commute += int(km[p])
    return out, (empty, preferences, commute)


def _assignment(problem: Problem, person: str, day, shift_id: str, site: str, gate: str) -> Assignment:  # noqa: ANN001
    return Assignment(
        person=person, date=day, shift=shift_id, start=problem.shift_start(day, shift_id),
        end=problem.shift_end(day, shift_id), site=site, gate=gate,
    )
