"""Smaller problems cut out of a problem: one site with its people, one person alone, a
stretch of dates.

Both are ordinary :class:`~dutyplan.problem.Problem` objects with exactly the costs the whole
problem gives them there, so that any solver (or the checker) can work on them: the
decomposition rosters each site as its :func:`site_problem`, a first plan is made person by
person from :func:`person_problem`, explanations look for conflicts in either, and a long
horizon is planned a stretch of dates at a time (:func:`window_problem`).
"""

from __future__ import annotations

import datetime as dt

from dutyplan.problem import Horizon, PastDuty, Preference, Problem, Rules

__all__ = ["person_problem", "site_problem", "window_problem"]


def site_problem(problem: Problem, k: int, members: list[int]) -> Problem:
    """The problem of one site with the people chosen for it (exactly the same costs there).

    Site preferences become per-shift costs (wanting another site costs per shift worked
    here; wanting this one costs nothing), team rules that span sites are dropped (their cost
    is fixed by the site choice), and role requirements keep only this site.
    """
    site = problem.sites[k]
    shift_ids = [s.id for s in problem.shift_types]
    people = []
    for p in members:
        person = problem.people[p]
        preferences = []
        for pref in person.preferences:
            if pref.kind != "site":
                preferences.append(pref)
                continue
            costs_here = (pref.site == site.id) != pref.want
            if costs_here:  # every shift worked here costs the weight
                preferences += [
                    Preference(kind="shift", shift=sid, date=pref.date, want=False, weight=pref.weight)
                    for sid in shift_ids
                ]
        people.append(person.model_copy(update={"preferences": preferences}))
    roles = [
        req.model_copy(update={"sites": None})
        for req in problem.rules.roles
        if req.sites is None or site.id in req.sites
    ]
    rules = problem.rules.model_copy(update={"unit_sites_weight": None, "roles": roles})

    def column(matrix: list[list[float]] | None) -> list[list[float]] | None:
        return None if matrix is None else [[matrix[p][k]] for p in members]

    return Problem(
        name=f"{problem.name}/{site.id}",
        horizon=problem.horizon,
        shift_types=problem.shift_types,
        sites=[site],
        people=people,
        commute_km=column(problem.commute_km),
        commute_minutes=column(problem.commute_minutes),
        commute_speed_kmh=problem.commute_speed_kmh,
        weekend=problem.weekend,
        rules=rules,
        objective=problem.objective,
    )


def person_problem(problem: Problem, p: int) -> Problem:
    """The whole problem with only person ``p`` (team rules dropped)."""

    def row(matrix: list[list[float]] | None) -> list[list[float]] | None:
        return None if matrix is None else [matrix[p]]

    return problem.model_copy(
        update={
            "name": f"{problem.name}/{problem.people[p].id}",
            "people": [problem.people[p]],
            "commute_km": row(problem.commute_km),
            "commute_minutes": row(problem.commute_minutes),
            "rules": problem.rules.model_copy(update={"roles": [], "unit_sites_weight": None}),
        }
    )


def window_problem(
    problem: Problem, first: int, days: int, history: list[list[PastDuty]], known_from: dt.date | None,
    rules: list[Rules],
) -> Problem:
    """The problem's dates ``first`` to ``first + days - 1`` (horizon day indices) alone.

    Each person keeps what falls in those dates (unavailability, dated preferences, gates'
    tables by date) and gets ``history[p]`` (the duties before the window: the problem's own
    history for the first window, else the plan so far) known from ``known_from`` (None: the
    person's own ``history_from``), and ``rules[p]`` as their whole rules (the caller shares
    the horizon totals out between windows).
    """
    start = problem.horizon.start + dt.timedelta(days=first)
    end = start + dt.timedelta(days=days)

    def inside(day: dt.date | None) -> bool:
        return day is None or start <= day < end

    people = []
    for p, person in enumerate(problem.people):
        people.append(person.model_copy(update={
            "unavailable": [u for u in person.unavailable if inside(u.date)],
            "preferences": [pref for pref in person.preferences if inside(pref.date)],
            "history": history[p],
            "history_from": known_from if known_from is not None else person.history_from,
            "rules": rules[p],
        }))
    sites = [
        site.model_copy(update={"gates": [
            gate.model_copy(update={"dates": {d: t for d, t in gate.dates.items() if inside(d)}})
            for gate in site.gates
        ]})
        for site in problem.sites
    ]
    return problem.model_copy(update={
        "name": f"{problem.name}/{start.isoformat()}",
        "horizon": Horizon(start=start, days=days, timezone=problem.horizon.timezone),
        "people": people,
        "sites": sites,
    })
