"""The fairness level: the range of nights, weekend shifts and minutes over the people who
could work at all, and the sum of squared shift counts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel


def add_fairness(dm: DutyModel) -> None:
    """Range (max - min) of nights, weekend shifts and minutes over eligible people; the
    sum of squared shift counts."""
    ix = dm.index
    config = ix.problem.objective
    if config.weight("fairness") == 0:
        return
    if config.fairness_shift_squares:
        _add_shift_squares(dm, config.fairness_shift_squares)
    eligible = np.flatnonzero(ix.could_work).tolist()
    if len(eligible) < 2:
        return
    metrics = [
        (config.fairness_nights, "fairness_nights", lambda d, s: int(ix.shift_night[s])),
        (config.fairness_weekends, "fairness_weekends", lambda d, s: int(ix.weekend[d])),
        (config.fairness_minutes, "fairness_minutes", lambda d, s: int(ix.shift_minutes[s])),
    ]
    by_person = defaultdict(list)
    for (p, d, s), lit in dm.work.items():
        by_person[p].append((d, s, lit))
    for weight, rule, value in metrics:
        if weight == 0:
            continue
        totals = []
        top = 0
        for p in eligible:
            items = [(value(d, s), lit) for d, s, lit in by_person[p]]
            items = [(v, lit) for v, lit in items if v]
            totals.append(cp_model.LinearExpr.weighted_sum([i[1] for i in items], [i[0] for i in items]))
            top = max(top, sum(v for v, _ in items))
        if top == 0:
            continue
        high = dm.model.new_int_var(0, top, "")
        low = dm.model.new_int_var(0, top, "")
        dm.model.add_max_equality(high, totals)
        dm.model.add_min_equality(low, totals)
        dm.cost("fairness", rule, weight, high)
        dm.cost("fairness", rule, -weight, low)


def _add_shift_squares(dm: DutyModel, weight: int) -> None:
    """``weight * shifts^2`` per person, as ``sum_k (2k - 1) [shifts >= k]``: convex, so its
    linear relaxation is tight, with no product constraint."""
    by_person: dict[int, list[Any]] = defaultdict(list)
    for (p, d, s), lit in dm.work.items():
        by_person[p].append(lit)
    for p, lits in sorted(by_person.items()):
        per_day = dm.index.rules[p].max_shifts_per_day
        daily = per_day.value if per_day is not None and per_day.hard else dm.index.n_shifts
        top = min(len(lits), dm.index.n_days * daily)
        steps = [dm.model.new_bool_var("") for _ in range(top)]
        for a, b in zip(steps, steps[1:]):
            dm.model.add_implication(b, a)
        dm.model.add(cp_model.LinearExpr.sum(steps) == cp_model.LinearExpr.sum(lits))
        for k, step in enumerate(steps, start=1):
            dm.cost("fairness", "fairness_shift_squares", weight * (2 * k - 1), step, person=p)
