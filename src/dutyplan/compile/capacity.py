"""What people can work and what sites need, counted: bounds valid under the hard rules.

Capacities are upper bounds on the duties a person can do over the horizon; demands are the
person-shifts each site needs. Both come from the compiled problem (:mod:`dutyplan.compile.index`)
alone, without a model, and serve the site choice, the relaxation bounds and staffing.
"""

from __future__ import annotations

import numpy as np

from dutyplan.compile.index import GateClass, Index
from dutyplan.problem import WEEKDAYS, DemandTable, Problem, Rules

__all__ = [
    "capacity_bound", "demand_by_site", "open_minutes", "person_capacity", "role_demand",
    "site_demand", "site_demand_by_date", "site_options",
]


def person_capacity(ix: Index) -> np.ndarray:
    """Upper bound on the duties of each person over the horizon (valid under hard rules)."""
    allowed = ix.eligible.any(axis=1)  # [P, D, S] shift instances possible somewhere
    shortest = int(ix.shift_minutes.min())
    return np.array(
        [capacity_bound(ix.rules[p], allowed[p], shortest) for p in range(ix.n_people)], dtype=np.int64
    )


def capacity_bound(rules: Rules, allowed: np.ndarray, shortest: int | None) -> int:
    """Most duties one person can do given the shift instances ``allowed`` to them ([D, S])
    and their hard rules: shifts per day, days off in each disjoint 7-day block, longest run
    of days, and total minutes (with ``shortest`` the shortest shift they may work)."""
    per_day = allowed.sum(axis=1)
    per_day_rule = rules.max_shifts_per_day
    if per_day_rule is not None and per_day_rule.hard:
        per_day = np.minimum(per_day, per_day_rule.value)
    days = allowed.any(axis=1).astype(np.int64)
    bound = int(per_day.sum())
    day_bounds = [int(days.sum())]
    off = rules.min_days_off_per_7
    if off is not None and off.hard and len(days) >= 7:  # no 7-day window otherwise
        day_bounds.append(_blocks(days, 7, max(0, 7 - off.value)))
    run = rules.max_consecutive_days
    if run is not None and run.hard:
        day_bounds.append(_blocks(days, run.value + 1, run.value))
    max_per_day = int(per_day.max()) if per_day.size else 0
    bound = min(bound, min(day_bounds) * max_per_day)
    if rules.max_minutes is not None and rules.max_minutes.hard and shortest:
        bound = min(bound, rules.max_minutes.value // shortest)
    return bound


def _blocks(days: np.ndarray, size: int, most: int) -> int:
    """Most worked days when each disjoint block of ``size`` days allows ``most``.

    Valid when every window of ``size`` days inside the horizon allows ``most``: a last,
    shorter block lies inside the last window (the horizon has at least ``size`` days, or
    the block is shorter than ``most`` anyway).
    """
    total = 0
    for start in range(0, len(days), size):
        total += min(int(days[start : start + size].sum()), most)
    return total


def site_demand(ix: Index) -> tuple[np.ndarray, np.ndarray]:
    """Person-shifts needed per site, and the cheapest cost of missing one there."""
    return demand_by_site(ix.classes, ix.n_sites)


def demand_by_site(classes: list[GateClass], n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Person-shifts the gate classes need per site, and the cheapest miss there (0: none)."""
    demand = np.zeros(n_sites, dtype=np.int64)
    cheapest = np.full(n_sites, np.iinfo(np.int64).max, dtype=np.int64)
    for gate_class in classes:
        needed = gate_class.open & (gate_class.need > 0)
        demand[gate_class.site] += int((gate_class.need * needed).sum()) * gate_class.size
        if needed.any():
            cheapest[gate_class.site] = min(
                cheapest[gate_class.site], int(gate_class.under_weight[needed].min())
            )
    cheapest[cheapest == np.iinfo(np.int64).max] = 0
    return demand, cheapest


def role_demand(ix: Index) -> dict[tuple[int, str], int]:
    """Duties the hard role requirements ask of each site's role holders, by (site, role):
    the count times the site's open minutes (the union of its needed shifts, day by day)
    over the longest shift, rounded up. No roster of the site keeps the rule with holders
    whose capacities (:func:`person_capacity`) sum to less."""
    problem = ix.problem
    starts = np.array([s.start_minute for s in problem.shift_types], dtype=np.int64)
    longest = int(ix.shift_minutes.max()) if ix.n_shifts else 1
    out: dict[tuple[int, str], int] = {}
    minutes_of: dict[int, int] = {}
    for requirement in problem.rules.roles:
        if requirement.weight is not None:
            continue
        for k, site in enumerate(problem.sites):
            if requirement.sites is not None and site.id not in requirement.sites:
                continue
            if k not in minutes_of:
                minutes_of[k] = open_minutes(ix.site_open(k)[1], starts, ix.shift_minutes)
            if minutes_of[k]:
                need = -(-requirement.count * minutes_of[k] // longest)
                out[(k, requirement.role)] = max(out.get((k, requirement.role), 0), need)
    return out


def open_minutes(needed: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> int:
    """Minutes covered by the union of the needed shifts, summed over days ([D, S] mask)."""
    minutes = 0
    for row in needed:
        end = -1
        for a, b in sorted((int(starts[s]), int(starts[s] + lengths[s])) for s in np.flatnonzero(row)):
            a = max(a, end)
            if b > a:
                minutes += b - a
                end = b
    return minutes


def site_options(ix: Index) -> np.ndarray:
    """[P, K] a person has some admissible duty at the site."""
    by_class = ix.eligible.any(axis=(2, 3))  # [P, C]
    options = np.zeros((ix.n_people, ix.n_sites), dtype=bool)
    for c, k in enumerate(ix.class_site.tolist()):
        options[:, k] |= by_class[:, c]
    return options


def _table_need(table: DemandTable) -> int:
    return sum(entry.need for entry in table.values())


def site_demand_by_date(problem: Problem) -> np.ndarray:
    """Required person-shifts (sum of ``need``), sites x dates, from the demand tables."""
    days = problem.horizon.days
    weekday = np.array([day.weekday() for day in problem.dates], dtype=np.int64)
    table = np.zeros((len(problem.sites), days), dtype=int)
    days_off, worked = problem.horizon.day_kinds()
    special = sorted({*days_off, *worked})
    for si, site in enumerate(problem.sites):
        for gate in site.gates:
            tables = [gate.weekdays.get(name, gate.demand) for name in WEEKDAYS]  # type: ignore[call-overload]
            by_weekday = np.array([_table_need(t) for t in tables])
            row = by_weekday[weekday]
            for day in special:  # public holidays and make-up working days
                row[problem.day_index(day)] = _table_need(problem.table_for(gate, day))
            for day, day_table in gate.dates.items():
                row[problem.day_index(day)] = _table_need(day_table)
            table[si] += row
    return table
