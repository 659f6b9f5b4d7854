"""The arithmetic of a generated problem: can its people cover it (:func:`capacity_report`), and
its role rules (:func:`role_report`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dutyplan.compile.capacity import site_demand_by_date
from dutyplan.problem import Problem
from dutyplan.synth.districts import SHIFTS_PER_WEEK

SPLIT_CELLS = 4_000_000  # people x sites above which capacity_report skips the split check


def people_needed(row: np.ndarray) -> int:
    """Fewest people (one shift a day, at most 6 in any 7 days) who can cover a site's row."""
    days = len(row)
    window = min(7, days)
    per_person = min(SHIFTS_PER_WEEK, window)
    worst = max(int(row[i : i + window].sum()) for i in range(days - window + 1))
    return max(int(row.max()), math.ceil(worst / per_person))


def split_people(reach: np.ndarray, needed: list[int]) -> int:
    """Most site places (``needed[s]`` per site) fillable by distinct people who can reach
    the site: a maximum bipartite b-matching (Kuhn's augmenting paths)."""
    n_people, n_sites = reach.shape
    placed: list[list[int]] = [[] for _ in range(n_sites)]
    options = [list(np.flatnonzero(reach[p])) for p in range(n_people)]
    total = 0

    def augment(p: int, seen: set[int]) -> bool:
        for s in options[p]:  # a site with room first (cheap), then a path through full ones
            if s not in seen and len(placed[s]) < needed[s]:
                seen.add(s)
                placed[s].append(p)
                return True
        for s in options[p]:
            if s in seen or needed[s] == 0:
                continue
            seen.add(s)
            for i, q in enumerate(placed[s]):
                if augment(q, seen):
                    placed[s][i] = p
                    return True
        return False

    for p in range(n_people):
        if total == sum(needed):
            break
        if augment(p, set()):
            total += 1
    return total


def capacity_report(problem: Problem, split: bool | None = None) -> dict[str, Any]:
    """The demand/capacity arithmetic of a problem with one shift per day and 6 per 7 days.

    ``demand``: required person-shifts over the horizon; ``capacity``: people x 6 x days / 7;
    ``ratio``: demand / capacity; ``capacity_available``: the same bound counting each
    person's unavailable dates (at most 6 shifts in each block of 7 days); ``site_people``:
    fewest people each site needs on its own (one shift a day, 6 in any 7 days);
    ``split_ok``: whether distinct people within the hard ``max_commute_km`` can be found
    for every site at once (what ``keep_one_site`` needs).

    The split check builds the people x sites commute matrix and runs a b-matching in Python,
    which a whole city cannot afford (74,000 x 7,120 km would take 4 GB). ``split=None`` checks
    it when people x sites is at most ``SPLIT_CELLS`` and otherwise gives ``split_ok=None`` (not
    checked); ``True`` or ``False`` forces the check or skips it. Everything else is cheap.
    """
    table = site_demand_by_date(problem)
    demand = int(table.sum())
    days = problem.horizon.days
    capacity = len(problem.people) * SHIFTS_PER_WEEK * days / 7
    # an upper bound per person: available dates, at most 6 in each block of 7 days
    blocks = range(0, days, 7)
    everyone = sum(min(SHIFTS_PER_WEEK, min(7, days - i)) for i in blocks)
    available = 0
    for person in problem.people:
        off = {u.date for u in person.unavailable if u.shift is None}
        if not off:
            available += everyone
            continue
        free = [day not in off for day in problem.dates]
        available += sum(min(SHIFTS_PER_WEEK, sum(free[i : i + 7])) for i in blocks)
    needed = [people_needed(row) for row in table]
    if split is None:
        split = len(problem.people) * len(problem.sites) <= SPLIT_CELLS
    split_ok: bool | None = None
    if split:
        km = problem.commute_cost_km()
        reach = np.ones_like(km, dtype=bool)
        for pi, person in enumerate(problem.people):
            limit = problem.effective_rules(person).max_commute_km
            if limit is not None and limit.hard:
                reach[pi] = km[pi] <= limit.value
        split_ok = split_people(reach, needed) == sum(needed)
    return {
        "people": len(problem.people),
        "sites": len(problem.sites),
        "gates": sum(len(s.gates) for s in problem.sites),
        "days": problem.horizon.days,
        "demand": demand,
        "demand_per_day": demand / problem.horizon.days,
        "capacity": capacity,
        "ratio": demand / capacity,
        "capacity_available": available,
        "site_people": needed,
        "site_people_total": sum(needed),
        "split_ok": split_ok,
    }


def fewest_covering(spans: list[tuple[int, int]]) -> int:
    """Fewest of ``spans`` (start, end) whose union is the union of all (greedy: optimal)."""
    spans = sorted(spans)
    count, i = 0, 0
    while i < len(spans):
        reach = spans[i][0]  # first minute not covered yet
        while True:
            best = reach
            while i < len(spans) and spans[i][0] <= reach:
                best = max(best, spans[i][1])
                i += 1
            if best <= reach:
                break  # a gap: the next span starts a new stretch
            count += 1
            reach = best
    return count


def role_report(problem: Problem) -> dict[str, dict[str, float]]:
    """Each required role's work against its people, for ``rules.roles``.

    ``demand``: person-shifts the role must work at least: ``count`` x the fewest shift
    instances that cover the time each site in scope needs people (3 a day at a 24-hour
    site with 8-hour shifts); ``capacity``: people with the role x 6 x days / 7;
    ``ratio``: demand / capacity (above 1, the role cannot be on duty everywhere). Sums over
    requirements of the same role.
    """
    days = problem.horizon.days
    minutes = {s.id: (s.start_minute, s.minutes) for s in problem.shift_types}
    cover: dict[tuple, int] = {}  # opening pattern -> fewest covering shift instances
    fewest: list[int] = []
    for site in problem.sites:
        opening = tuple(
            tuple(
                sorted(
                    {
                        shift
                        for gate in site.gates
                        for shift, entry in problem.table_for(gate, day).items()
                        if entry.need > 0
                    }
                )
            )
            for day in problem.dates
        )
        if opening not in cover:
            spans = [
                (d * 1440 + minutes[shift][0], d * 1440 + sum(minutes[shift]))
                for d, shifts in enumerate(opening)
                for shift in shifts
            ]
            cover[opening] = fewest_covering(spans)
        fewest.append(cover[opening])
    index = {site.id: k for k, site in enumerate(problem.sites)}
    report: dict[str, dict[str, float]] = {}
    for requirement in problem.rules.roles:
        scope = requirement.sites if requirement.sites is not None else list(index)
        demand = requirement.count * sum(fewest[index[s]] for s in dict.fromkeys(scope))
        entry = report.setdefault(requirement.role, {"demand": 0, "capacity": 0.0, "ratio": 0.0})
        entry["demand"] += demand
    for role, entry in report.items():
        holders = sum(role in person.roles for person in problem.people)
        entry["capacity"] = holders * SHIFTS_PER_WEEK * days / 7
        entry["ratio"] = entry["demand"] / entry["capacity"] if holders else math.inf
    return report
