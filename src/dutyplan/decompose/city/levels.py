"""Bounds on the preferences and fairness levels of a whole city's plan.

Both hold for any plan that covers every gate-shift whose miss costs something (``under_weight``
above 0), so for the later levels of a lexicographic solve whose plan reached cover 0 (the
optimum then covers everything too). They relax the problem to **cells** (a date and a shift
type, summed over every site): who works which cell, not where.

- :func:`preference_bound`: a min-cost flow from people to cells. A person with a preference
  that costs per duty (a shift type not wanted, or only one wanted; a dated shift not wanted;
  a day off wanted, once per date) gets arcs at that cost to the cells they are available for,
  at most one duty per cell and their capacity in all; everyone else who could work is free,
  pooled per cell. Preferences that cost when a duty is *not* worked, and site preferences,
  count 0 (a relaxation).
- :func:`fairness_bound`: each range is at least (the least the busiest person must take) -
  (the most the least busy person can take), by water-filling the demand over the people who
  could work under their capacities; the sum of squared shift counts at least its integer
  water-filling. Commute is not held at its value, so on a city with people to spare the ranges'
  bound is often 0.
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from dutyplan.decompose.city.view import CityView

logger = logging.getLogger("dutyplan")


def needed_cells(view: CityView) -> np.ndarray:
    """[D, S] person-shifts that a plan of cover 0 must fill (gate-shifts whose miss costs)."""
    out = np.zeros(view.available.shape[1:], dtype=np.int64)
    for gate_class in view.classes:
        must = gate_class.open & (gate_class.need > 0) & (gate_class.under_weight > 0)
        out += np.where(must, gate_class.need, 0).astype(np.int64) * gate_class.size
    return out


def preference_costs(view: CityView, could: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """(people who could work with a cost per duty, their cost per cell [n, D, S], day-off
    weights per person [D] by position in the first array), from the preferences that cost
    when a duty is worked."""
    problem = view.problem
    n_days, n_shifts = view.available.shape[1:]
    shift_pos = {s.id: i for i, s in enumerate(problem.shift_types)}
    day_pos = {day: d for d, day in enumerate(problem.dates)}
    people: list[int] = []
    costs: list[np.ndarray] = []
    days_off: dict[int, np.ndarray] = {}
    for p in np.flatnonzero(could).tolist():
        person = problem.people[p]
        cost = np.zeros((n_days, n_shifts), dtype=np.int64)
        day_off = np.zeros(n_days, dtype=np.int64)
        for pref in person.preferences:
            if pref.kind == "shift" and pref.shift in shift_pos:
                s = shift_pos[pref.shift]
                if pref.date is None:
                    if pref.want:
                        cost[:, np.arange(n_shifts) != s] += pref.weight
                    else:
                        cost[:, s] += pref.weight
                elif not pref.want and pref.date in day_pos:
                    cost[day_pos[pref.date], s] += pref.weight
            elif pref.kind == "day_off" and pref.want and pref.date in day_pos:
                day_off[day_pos[pref.date]] += pref.weight
        if cost.any() or day_off.any():
            if day_off.any():
                days_off[len(people)] = day_off
            people.append(p)
            costs.append(cost)
    if not people:
        return np.zeros(0, np.int64), np.zeros((0, n_days, n_shifts), np.int64), {}
    return np.array(people, dtype=np.int64), np.stack(costs), days_off


def preference_bound(view: CityView, could: np.ndarray) -> int:
    """A lower bound on the preferences level of any plan of cover 0 (see the module). ``could``:
    [P] the people with an admissible duty somewhere (:func:`could_work`); nobody else works.
    0 when the cells cannot all be filled even in the relaxation (then no plan has cover 0)."""
    need = needed_cells(view)
    total = int(need.sum())
    people, costs, days_off = preference_costs(view, could)
    if total == 0 or not len(people):
        return 0
    n_days, n_shifts = need.shape
    n_cells = n_days * n_shifts
    free = could.copy()
    free[people] = False
    pooled = (view.available[free] & (need > 0)[None]).sum(axis=0).reshape(-1).astype(np.int64)

    # nodes: 0 source, 1 sink, cells, people, (person, date) where a day off is wanted
    source, sink, cell0, person0 = 0, 1, 2, 2 + n_cells
    n = len(people)
    tails: list[np.ndarray] = [np.full(n_cells, source), cell0 + np.arange(n_cells)]
    heads: list[np.ndarray] = [cell0 + np.arange(n_cells), np.full(n_cells, sink)]
    caps: list[np.ndarray] = [pooled, need.reshape(-1)]
    units: list[np.ndarray] = [np.zeros(n_cells, np.int64), np.zeros(n_cells, np.int64)]
    tails.append(np.full(n, source))
    heads.append(person0 + np.arange(n))
    caps.append(view.caps[people].astype(np.int64))
    units.append(np.zeros(n, np.int64))
    day_node = person0 + n
    open_cells = view.available[people] & (need > 0)[None]  # [n, D, S]
    for i in range(n):
        d_idx, s_idx = np.nonzero(open_cells[i])
        start = np.full(len(d_idx), person0 + i)
        off = days_off.get(i)
        if off is not None:
            # a wanted day off costs once if the date is worked, however many duties
            wanted = np.flatnonzero(off > 0)
            nodes = day_node + np.arange(len(wanted))
            for j, d in enumerate(wanted.tolist()):
                tails += [np.array([person0 + i, person0 + i])]
                heads += [np.array([nodes[j], nodes[j]])]
                caps += [np.array([1, n_shifts - 1])]
                units += [np.array([int(off[d]), 0])]
                start[d_idx == d] = nodes[j]
            day_node += len(wanted)
        tails.append(start)
        heads.append(cell0 + d_idx * n_shifts + s_idx)
        caps.append(np.ones(len(d_idx), np.int64))
        units.append(costs[i, d_idx, s_idx])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int64), np.concatenate(heads).astype(np.int64),
        np.concatenate(caps).astype(np.int64), np.concatenate(units).astype(np.int64))
    supplies = np.zeros(day_node, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(day_node), supplies)
    if flow.solve() != flow.OPTIMAL:
        logger.debug("preferences bound: the cells cannot all be filled in the relaxation")
        return 0
    return int(flow.optimal_cost())


def fairness_bound(view: CityView, could: np.ndarray) -> int:
    """A lower bound on the fairness level of any plan of cover 0 (see the module and
    docs/rules.md: weighted ranges over the people who could work, and the weighted sum of
    squared shift counts)."""
    config = view.problem.objective
    need = needed_cells(view)
    if not need.any():
        return 0
    eligible = np.flatnonzero(could)
    caps = view.caps[eligible].astype(np.int64)
    total = 0
    if config.fairness_shift_squares:
        total += config.fairness_shift_squares * least_squares(caps, int(need.sum()))
    if len(eligible) < 2:
        return total
    problem = view.problem
    open_any = np.zeros(need.shape, dtype=bool)  # a duty anywhere counts, needed or not
    for gate_class in view.classes:
        open_any |= gate_class.open
    available = view.available[eligible] & open_any[None]  # [n, D, S]
    night = np.array([s.is_night for s in problem.shift_types], dtype=bool)
    weekend = np.array([problem.is_weekend(day) for day in problem.dates], dtype=bool)
    minutes = view.shift_minutes.astype(np.int64)
    hard_minutes = np.array([
        r.max_minutes.value if r.max_minutes is not None and r.max_minutes.hard else np.iinfo(np.int64).max
        for r in (view.rules[p] for p in eligible.tolist())
    ], dtype=np.int64)
    longest = np.where(available, minutes[None, None, :], 0).max(axis=(1, 2))
    for weight, demand, most in (
        (config.fairness_nights, int(need[:, night].sum()),
         np.minimum(caps, available[:, :, night].sum(axis=(1, 2)))),
        (config.fairness_weekends, int(need[weekend].sum()),
         np.minimum(caps, available[:, weekend].sum(axis=(1, 2)))),
        (config.fairness_minutes, int((need * minutes[None, :]).sum()),
         np.minimum(caps * longest, hard_minutes)),
    ):
        if weight and demand > 0:
            total += weight * max(0, int(np.ceil(water_level(most, demand) - 1e-9)) - int(most.min()))
    return total


def water_level(caps: np.ndarray, demand: int) -> float:
    """The least ``m`` with ``sum(min(caps, m)) >= demand``: no way to share ``demand`` out
    under ``caps`` leaves everyone below it (inf when the caps cannot take it)."""
    caps = np.sort(caps.astype(np.float64))
    if demand <= 0:
        return 0.0
    if caps.sum() < demand:
        return float("inf")
    n = len(caps)
    below = np.concatenate([[0.0], np.cumsum(caps)[:-1]])  # sum of the i smallest
    # with the i smallest at their caps and the rest at m: below[i] + (n - i) * m >= demand;
    # the first i where that m is within the (i+1)-th cap is the level
    level = (demand - below) / (n - np.arange(n))
    return float(level[np.argmax(level <= caps)])


def least_squares(caps: np.ndarray, demand: int) -> int:
    """The least sum of ``x**2`` over integers ``0 <= x <= caps`` summing to ``demand`` (or more):
    everyone at a common level ``t`` or their cap, some at ``t + 1`` (0 if the caps cannot
    take it: no plan of cover 0 then)."""
    caps = caps.astype(np.int64)
    if demand <= 0 or int(caps.sum()) < demand:
        return 0
    low, high = 0, int(caps.max())
    while low < high:  # the largest t with sum(min(caps, t)) <= demand
        mid = (low + high + 1) // 2
        if int(np.minimum(caps, mid).sum()) <= demand:
            low = mid
        else:
            high = mid - 1
    base = np.minimum(caps, low)
    rest = demand - int(base.sum())
    return int((base**2).sum()) + rest * (2 * low + 1)
