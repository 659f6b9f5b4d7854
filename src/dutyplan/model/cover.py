"""The cover level: people missing at each gate-shift (priority x minutes each by
default) and extra people where allowed; where none are, a hard limit."""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel


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
