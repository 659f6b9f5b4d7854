"""Where people work: one site per person (``keep_one_site``), units kept together
(``unit_sites_weight``)."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.rulebook import RULES_LEVEL as LEVEL


def add_keep_one_site(dm: DutyModel) -> None:
    ix = dm.index
    by_person = defaultdict(list)
    for (p, k), y in dm.at_site.items():
        by_person[p].append(y)
    for p, ys in by_person.items():
        if ix.rules[p].keep_one_site and len(ys) > 1:
            dm.at_most_one(ys, ("keep_one_site", p))


def add_unit_sites(dm: DutyModel) -> None:
    ix = dm.index
    weight = ix.problem.rules.unit_sites_weight
    if not weight:
        return
    units = defaultdict(list)
    for p, person in enumerate(ix.problem.people):
        if person.unit is not None:
            units[person.unit].append(p)
    for unit, members in units.items():
        used = []
        for k in range(ix.n_sites):
            ys = [dm.at_site[(p, k)] for p in members if (p, k) in dm.at_site]
            if not ys:
                continue
            if len(ys) == 1:
                used.append(ys[0])
            else:
                z = dm.model.new_bool_var("")
                dm.model.add_max_equality(z, ys)
                used.append(z)
        if len(used) > 1:
            extra = dm.excess(cp_model.LinearExpr.sum(used), 1, len(used))
            dm.cost(LEVEL, "unit_sites_weight", weight, extra)
