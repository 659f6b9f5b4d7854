"""Commute: the hard or soft caps on km and on the working day with travel, per duty, and the
commute level (whole km of every duty)."""

from __future__ import annotations


import numpy as np

from dutyplan.model.builder import DutyModel
from dutyplan.model.caseloads import caseload_days
from dutyplan.rulebook import RULES_LEVEL as LEVEL


def add_commute_caps(dm: DutyModel) -> None:
    """Soft caps on km and working-day length per duty (hard ones prune eligibility)."""
    ix = dm.index
    soft = [
        (r.max_commute_km is not None and not r.max_commute_km.hard)
        or (r.max_day_minutes is not None and not r.max_day_minutes.hard)
        for r in ix.rules
    ]
    if not any(soft):
        return
    with_caseload = caseload_days(dm)  # there the caseload module has the working-day rule
    for (p, c, d, s), var in zip(dm.x_keys.tolist(), dm.x_vars):
        if not soft[p]:
            continue
        rules = ix.rules[p]
        k = int(ix.class_site[c])
        cap = rules.max_commute_km
        if cap is not None and not cap.hard and ix.km[p, k] > cap.value:
            dm.cost(LEVEL, "max_commute_km", cap.weight * int(ix.km[p, k] - cap.value), var, p, d, k)
        day_cap = rules.max_day_minutes
        if day_cap is not None and not day_cap.hard and (p, d) not in with_caseload:
            length = int(ix.commute_minutes[p, k] + ix.shift_minutes[s])
            if length > day_cap.value:
                dm.cost(LEVEL, "max_day_minutes", day_cap.weight * (length - day_cap.value), var, p, d, k)


def add_commute(dm: DutyModel) -> None:
    """Whole km per duty, summed over every duty."""
    ix = dm.index
    if not len(dm.x_vars):
        return
    km = ix.km[dm.x_keys[:, 0], ix.class_site[dm.x_keys[:, 1]]]
    for i in np.flatnonzero(km).tolist():
        p, c, d, _ = dm.x_keys[i].tolist()
        dm.cost("commute", "commute", int(km[i]), dm.x_vars[i], p, d, int(ix.class_site[c]))
