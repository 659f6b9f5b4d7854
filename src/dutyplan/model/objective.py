"""Objective levels other than soft rules: cover, preferences, commute and fairness."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel


def add_all(dm: DutyModel) -> None:
    add_cover(dm)
    add_preferences(dm)
    add_commute(dm)
    add_fairness(dm)


def add_no_extra_guards(dm: DutyModel) -> None:
    """Explain mode: a gate-shift that takes no extra people takes at most its need (the only
    hard part of cover), under the guard ``("no_extra", site, gate ids)``."""
    ix = dm.index
    by_class = dm.postings_by_class()
    for c, gate_class in enumerate(ix.classes):
        gates = tuple(ix.problem.sites[gate_class.site].gates[g].id for g in gate_class.gates)
        for d, s in np.argwhere(gate_class.open & (gate_class.over_weight < 0)).tolist():
            people = by_class.get((c, d, s), [])
            need = int(gate_class.need[d, s]) * gate_class.size
            if len(people) > need:
                dm.hard(dm.model.add(cp_model.LinearExpr.sum(people) <= need),
                        ("no_extra", gate_class.site, gates))


def add_cover(dm: DutyModel) -> None:
    """Per gate class and shift instance: missing people and extra people, both exact.

    People a class has already ``taken`` from outside the model count towards its need: the
    costs are then the cover still missing and the extra people this model's people add.
    """
    ix = dm.index
    by_class = dm.postings_by_class()
    for c, gate_class in enumerate(ix.classes):
        for d, s in np.argwhere(gate_class.open).tolist():
            people = by_class.get((c, d, s), [])
            need = int(gate_class.need[d, s]) * gate_class.size
            under_w = int(gate_class.under_weight[d, s])
            over_w = int(gate_class.over_weight[d, s])
            assigned = cp_model.LinearExpr.sum(people)
            if gate_class.taken is not None and gate_class.taken[d, s]:
                _add_cover_after(dm, gate_class, d, s, people, need - int(gate_class.taken[d, s]))
                continue
            if over_w < 0:  # extra people not allowed: missing = need - assigned exactly
                if not people:
                    dm.cost("cover", "under_cover", under_w * need, None, None, d, gate_class.site)
                    continue
                missing = dm.model.new_int_var(max(0, need - len(people)), need, "")
                dm.model.add(assigned + missing == need)
                dm.cost("cover", "under_cover", under_w, missing, None, d, gate_class.site)
                continue
            if not people:
                dm.cost("cover", "under_cover", under_w * need, None, None, d, gate_class.site)
                continue
            under = dm.shortfall(assigned, need)
            dm.cost("cover", "under_cover", under_w, under, None, d, gate_class.site)
            if len(people) > need and over_w > 0:
                over = dm.excess(assigned, need, len(people))
                dm.cost("cover", "over_cover", over_w, over, None, d, gate_class.site)


def _add_cover_after(dm: DutyModel, gate_class: Any, d: int, s: int, people: list, left: int) -> None:
    """Cover costs of this model's people when others already fill the class up to ``left``
    short of its need (``left`` < 0: that many extra already)."""
    if not people:
        return
    under_w = int(gate_class.under_weight[d, s])
    over_w = int(gate_class.over_weight[d, s])
    assigned = cp_model.LinearExpr.sum(people)
    if over_w < 0:  # no extra people allowed: at most what is left
        dm.model.add(assigned <= max(0, left))
    if left > 0:
        dm.cost("cover", "under_cover", under_w, dm.shortfall(assigned, left), None, d, gate_class.site)
        if len(people) > left and over_w > 0:
            over = dm.excess(assigned, left, len(people))
            dm.cost("cover", "over_cover", over_w, over, None, d, gate_class.site)
    elif over_w > 0:
        for var in people:
            dm.cost("cover", "over_cover", over_w, var, None, d, gate_class.site)


def add_preferences(dm: DutyModel) -> None:
    ix = dm.index
    problem = ix.problem
    site_pos = {s.id: k for k, s in enumerate(problem.sites)}
    for p, person in enumerate(problem.people):
        for pref in person.preferences:
            w = pref.weight
            day = problem.day_index(pref.date) if pref.date is not None else None
            rule = f"{pref.kind}_{'wanted' if pref.want else 'unwanted'}"
            if pref.kind == "site":
                k = site_pos[pref.site]  # type: ignore[index]
                for (q, c, d, s), var in _x_of(dm, p):
                    if day is not None and d != day:
                        continue
                    at_site = int(ix.class_site[c]) == k
                    if at_site != pref.want:
                        dm.cost("preferences", rule, w, var, p, d)
            elif pref.kind == "shift":
                s_pref = ix.shift_position(pref.shift)  # type: ignore[arg-type]
                if day is not None:
                    lit = dm.work.get((p, day, s_pref))
                    if pref.want:
                        dm.cost("preferences", rule, w, None, p, day)
                        if lit is not None:
                            dm.cost("preferences", rule, -w, lit, p, day)
                    elif lit is not None:
                        dm.cost("preferences", rule, w, lit, p, day)
                else:
                    for (q, d, s), lit in _work_of(dm, p):
                        if (s == s_pref) != pref.want:
                            dm.cost("preferences", rule, w, lit, p, d)
            else:  # day_off
                lit = dm.day.get((p, day))  # type: ignore[arg-type]
                if pref.want:
                    if lit is not None:
                        dm.cost("preferences", rule, w, lit, p, day)
                else:
                    dm.cost("preferences", rule, w, None, p, day)
                    if lit is not None:
                        dm.cost("preferences", rule, -w, lit, p, day)


def _x_of(dm: DutyModel, p: int) -> list[tuple[tuple[int, int, int, int], Any]]:
    lo, hi = dm.x_range(p)
    return [(tuple(dm.x_keys[i].tolist()), dm.x_vars[i]) for i in range(lo, hi)]


def _work_of(dm: DutyModel, p: int) -> list[tuple[tuple[int, int, int], Any]]:
    return [((p, d, s), lit) for d, s, lit in dm.person_work(p)]


def add_commute(dm: DutyModel) -> None:
    """Whole km per duty, summed over every duty."""
    ix = dm.index
    if not len(dm.x_vars):
        return
    km = ix.km[dm.x_keys[:, 0], ix.class_site[dm.x_keys[:, 1]]]
    for i in np.flatnonzero(km).tolist():
        p, c, d, _ = dm.x_keys[i].tolist()
        dm.cost("commute", "commute_km", int(km[i]), dm.x_vars[i], p, d, int(ix.class_site[c]))


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
        (config.fairness_nights, "fair_nights", lambda d, s: int(ix.shift_night[s])),
        (config.fairness_weekends, "fair_weekends", lambda d, s: int(ix.weekend[d])),
        (config.fairness_minutes, "fair_minutes", lambda d, s: int(ix.shift_minutes[s])),
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
