"""Team composition: the roles a site needs on duty at every moment of its open pieces
(docs/rules.md, ``roles``). The model side is :mod:`dutyplan.model.roles`."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from dutyplan.checker.calendar import DAY_MINUTES
from dutyplan.checker.state import CheckState
from dutyplan.problem import RoleRequirement


def check_roles(checker: CheckState) -> None:
    """``roles``: people with a role on duty at a site, piece by piece of its needed time."""
    problem = checker.problem
    requirements = problem.rules.roles
    if not requirements:
        return
    # open gate-shifts of each site: (start, end, needs people)
    open_at: list[list[tuple[int, int, bool]]] = [[] for _ in problem.sites]
    for (s, _g, d, shift_id), entry in checker.demand.items():
        if entry is not None:
            shift = checker.shifts[shift_id]
            start = d * DAY_MINUTES + shift.start_minute
            open_at[s].append((start, start + shift.minutes, entry.need > 0))
    duties_at: list[dict[int, list[tuple[int, int]]]] = [
        defaultdict(list) for _ in problem.sites
    ]
    for duty in checker.duties:
        duties_at[duty.site][duty.person].append((duty.start, duty.end))
    for req in requirements:
        scope = req.sites if req.sites is not None else [s.id for s in problem.sites]
        for site_id in dict.fromkeys(scope):  # each site once, in order
            s = checker.site_index[site_id]
            check_role_at(checker, req, s, open_at[s], duties_at[s])


def check_role_at(
    checker,
    req: RoleRequirement,
    s: int,
    gate_shifts: list[tuple[int, int, bool]],
    duties: dict[int, list[tuple[int, int]]],
) -> None:
    if not any(need for _, _, need in gate_shifts):
        return
    bounds = np.array(sorted({t for a, b, _ in gate_shifts for t in (a, b)}), dtype=np.int64)
    n_pieces = len(bounds) - 1
    # pieces where the site needs people
    needed = np.zeros(n_pieces + 1, dtype=np.int64)
    for a, b, need in gate_shifts:
        if need:
            needed[np.searchsorted(bounds, a)] += 1
            needed[np.searchsorted(bounds, b)] -= 1
    needed = np.cumsum(needed)[:n_pieces] > 0
    # distinct people with the role covering each piece
    present = np.zeros(n_pieces + 1, dtype=np.int64)
    for p, spans in duties.items():
        if req.role not in checker.problem.people[p].roles:
            continue
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        for a, b in merged:
            lo = int(np.searchsorted(bounds, a, side="left"))
            hi = int(np.searchsorted(bounds, b, side="right")) - 1
            if hi > lo:
                present[lo] += 1
                present[hi] -= 1
    present = np.cumsum(present)[:n_pieces]
    short = np.where(needed, np.maximum(0, req.count - present), 0)
    # group short pieces by the calendar date on which they start
    by_day: dict[int, list[int]] = defaultdict(list)
    for k in np.flatnonzero(short):
        by_day[int(bounds[k] // DAY_MINUTES)].append(int(k))
    for d, pieces in sorted(by_day.items()):
        parts = [
            f"{checker.span(int(bounds[k]), int(bounds[k + 1]))} has {int(present[k])} of "
            f"{req.count}"
            for k in pieces
        ]
        what = (
            f"{checker.where(s)}: too few people with role {req.role!r} on duty: "
            + "; ".join(parts)
        )
        if req.weight is None:
            checker.violate("roles", what, day=d, site=s)
        else:
            person_minutes = sum(
                int(short[k]) * int(bounds[k + 1] - bounds[k]) for k in pieces
            )
            checker.penalise(
                "rules",
                "roles",
                req.weight * person_minutes,
                f"{what} (cost {req.weight} x {person_minutes} missing person-minutes)",
                day=d,
                site=s,
            )
