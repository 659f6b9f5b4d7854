"""Roles on duty at a site whenever it needs people (``rules.roles``), minute by minute
over the pieces between its shift boundaries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.builder import DutyModel
from dutyplan.rulebook import RULES_LEVEL as LEVEL


def add_roles(dm: DutyModel) -> None:
    """At least ``count`` people with a role on duty at a site whenever it needs people."""
    ix = dm.index
    problem = ix.problem
    for requirement in problem.rules.roles:
        listed = requirement.sites if requirement.sites is not None else [s.id for s in problem.sites]
        sites = list(dict.fromkeys(listed))  # each site once; an empty list means nowhere
        has_role = np.array([requirement.role in p.roles for p in problem.people], dtype=bool)
        for site_id in sites:
            k = next(i for i, s in enumerate(problem.sites) if s.id == site_id)
            _role_at_site(dm, k, requirement, has_role)


def _role_at_site(dm: DutyModel, k: int, requirement: Any, has_role: np.ndarray) -> None:
    ix = dm.index
    class_ids = [c for c, cls in enumerate(ix.classes) if cls.site == k]
    if not class_ids:
        return
    is_open, needs = ix.site_open(k)
    if not needs.any():
        return
    instances = np.argwhere(is_open)  # (d, s) open at the site
    starts = ix.start[is_open]
    ends = ix.end[is_open]
    bounds = np.unique(np.concatenate([starts, ends]))
    need_starts, need_ends = ix.start[needs], ix.end[needs]
    # Pieces between consecutive boundaries, kept when some gate-shift needs people then.
    # Pieces covered by the same shift instances share one constraint (minutes add up).
    minutes: dict[tuple, int] = defaultdict(int)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if not np.any((need_starts <= lo) & (need_ends >= hi)):
            continue
        covering = tuple(map(tuple, instances[(starts <= lo) & (ends >= hi)].tolist()))
        minutes[covering] += hi - lo
    role_people = np.flatnonzero(has_role)
    for covering, piece_minutes in minutes.items():
        lits = []
        for d, s in covering:
            for c in class_ids:
                for p in role_people:
                    xi = dm.x_id[p, c, d, s]
                    if xi >= 0:
                        lits.append(dm.x_vars[xi])
        present = cp_model.LinearExpr.sum(lits)
        first_day = int(covering[0][0]) if covering else None
        if requirement.weight is None:
            dm.hard(dm.model.add(present >= requirement.count), ("roles", k, requirement.role))
        else:
            short = dm.shortfall(present, requirement.count)
            dm.cost(LEVEL, "roles", requirement.weight * piece_minutes, short, None, first_day, k)
