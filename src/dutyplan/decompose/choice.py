"""Where each person goes: the site choice of a decomposed solve (small problems).

A capacitated assignment on CP-SAT (:class:`~dutyplan.solver.bounds.SiteChoice`): each person
to one site, at most their capacity in duties there, cover first (by the cheapest miss at each
site), some headroom at every site so the rosters have room for the rest rules, then km and
units kept together. Hinted with the transportation LP rounded; the nearest sites still in
need when CP-SAT gives no answer in time. City-scale problems choose by a min-cost flow
instead (:mod:`dutyplan.decompose.city`).
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run
from dutyplan.compile import Index, person_capacity, role_demand, site_demand
from dutyplan.solver.bounds import SiteChoice, headroom, hint_from_lp

logger = logging.getLogger("dutyplan")

__all__ = ["choose_sites", "nearest_sites"]


def nearest_sites(
    ix: Index, pairs: np.ndarray, caps: np.ndarray, demand: np.ndarray,
    roles: dict[tuple[int, str], int] | None = None,
) -> np.ndarray:
    """Greedy site choice: people with the fewest admissible sites first, each to the nearest
    of them whose demand is not yet met by the capacity already sent (-1: none needed).
    ``roles``: duties each site wants of each role's holders (:func:`role_targets`); holders
    go first, each to the nearest site still short of one of their roles."""
    site_of = np.full(ix.n_people, -1, dtype=np.int64)
    left = demand.astype(np.int64).copy()
    options: dict[int, list[int]] = {}
    for p, k in pairs.tolist():
        options.setdefault(p, []).append(k)
    order = sorted(options, key=lambda p: len(options[p]))
    role_left = dict(roles or {})
    if role_left:
        people = ix.problem.people
        for p in order:
            short = [k for k in options[p] if any(role_left.get((k, r), 0) > 0 for r in people[p].roles)]
            if short:
                k = min(short, key=lambda k: ix.km[p, k])
                site_of[p] = k
                left[k] -= int(caps[p])
                for r in people[p].roles:
                    if (k, r) in role_left:
                        role_left[(k, r)] -= int(caps[p])
    for p in order:
        if site_of[p] >= 0:
            continue
        open_sites = [k for k in options[p] if left[k] > 0]
        if open_sites:
            k = min(open_sites, key=lambda k: ix.km[p, k])
            site_of[p] = k
            left[k] -= int(caps[p])
    return site_of


def role_targets(
    ix: Index, caps: np.ndarray, needs: dict[tuple[int, str], int] | None = None
) -> dict[tuple[int, str], int]:
    """The role duties each site should get holders for: ``needs`` (default
    :func:`role_demand`) with headroom for the rest rules where the role's holders allow (as
    the headroom of ``choose_sites``)."""
    needs = role_demand(ix) if needs is None else needs
    people = ix.problem.people
    out = {}
    for role in {r for _, r in needs}:
        capacity = sum(int(caps[p]) for p, person in enumerate(people) if role in person.roles)
        wanted = sum(need for (_, r), need in needs.items() if r == role)
        room = max(1.0, headroom(capacity, wanted))
        out.update({(k, r): int(np.ceil(room * need)) for (k, r), need in needs.items() if r == role})
    return out


def role_terms(ix: Index, sc: SiteChoice, caps: np.ndarray, miss: np.ndarray, spare_cost: int) -> list:
    """The hard role requirements in the site choice: the holders of each required role sent
    to a site bring at least the duties the rule asks there (:func:`role_demand`), and the
    headroom of :func:`role_targets` where they can. A site short of holders gets no roster
    that keeps the rule, so a duty short costs twice a miss there (``miss[k]``); a duty short
    of the headroom costs ``spare_cost``, as the site's own headroom does. Returns the cost
    terms."""
    needs = role_demand(ix)
    if not needs:
        return []
    targets = role_targets(ix, caps, needs)
    people = ix.problem.people
    model, pairs = sc.model, sc.pairs
    terms: list = []
    for (k, role), need in needs.items():
        brought = sum(int(caps[pairs[i, 0]]) * sc.y[i] for i in sc.by_site.get(k, [])
                      if role in people[pairs[i, 0]].roles)
        short = model.new_int_var(0, need, "")
        model.add(brought + short >= need)
        terms.append(2 * int(miss[k]) * short)
        if targets[(k, role)] > need:
            spare = model.new_int_var(0, targets[(k, role)], "")
            model.add(brought + spare >= targets[(k, role)])
            terms.append(spare_cost * spare)
    return terms


def choose_sites(
    ix: Index, time_limit: Budget | float, workers: int, seed: int
) -> tuple[np.ndarray, dict[str, float]]:
    """Site of each person (-1: not needed) from the capacitated assignment model, within
    ``time_limit`` (a :class:`~dutyplan.budget.Budget` or wall seconds; at least 0.5 s)."""
    budget = Budget.of(time_limit)
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    km = ix.km
    sc = SiteChoice(ix, caps, demand)
    model, pairs, y, z, u, by_site = sc.model, sc.pairs, sc.y, sc.z, sc.u, sc.by_site
    slack_terms: list = []
    total_capacity = int(caps.sum())
    room = headroom(total_capacity, int(demand.sum()))
    for k in range(ix.n_sites):
        items = by_site.get(k, [])
        if room > 1 and demand[k] > 0:
            # soft: short capacity costs like a miss, so it is only used when unavoidable
            short = model.new_int_var(0, int(np.ceil(room * demand[k])), "")
            model.add(
                sum(int(caps[pairs[i, 0]]) * y[i] for i in items) + short
                >= int(np.ceil(room * demand[k]))
            )
            slack_terms.append(short)
    # cover first (by far), then commute; unit cohesion as in the rules level
    big = int(km.max(initial=0)) * int(caps.max(initial=1)) + 1
    objective = [big * int(max(1, cheapest[k])) * u[k] for k in range(ix.n_sites)]
    objective += [big * short for short in slack_terms]
    objective += role_terms(ix, sc, caps, big * np.maximum(1, cheapest), big)
    objective += [int(km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())]
    unit_weight = ix.problem.rules.unit_sites_weight
    if unit_weight:
        units: dict[str, list[int]] = {}
        for p, person in enumerate(ix.problem.people):
            if person.unit is not None:
                units.setdefault(person.unit, []).append(p)
        for members in units.values():
            used = []
            for k in range(ix.n_sites):
                ys = [y[i] for i in by_site.get(k, []) if pairs[i, 0] in members]
                if ys:
                    flag = model.new_bool_var("")
                    model.add_max_equality(flag, ys)
                    used.append(flag)
            if len(used) > 1:
                objective.append(unit_weight * sum(used))
    model.minimize(sum(objective))
    hint_from_lp(model, ix, pairs, caps, demand, y, z, u)
    solver = Budget(max(0.5, budget.left()), budget.deterministic, budget.stop).solver(workers=workers, seed=seed)
    status = run(solver, model, budget)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # no assignment within the time (a loaded machine, a short limit): nearest sites
        logger.info("site choice: no assignment in %.1fs, nearest sites instead", solver.wall_time)
        site_of = nearest_sites(ix, pairs, caps, demand, role_targets(ix, caps))
        info = {"site_choice_seconds": solver.wall_time, "site_choice_status": "nearest", "headroom": room}
        return site_of, info
    site_of = np.full(ix.n_people, -1, dtype=np.int64)
    for i, (p, k) in enumerate(pairs.tolist()):
        if solver.boolean_value(y[i]):
            site_of[p] = k
    info = {
        "site_choice_seconds": solver.wall_time,
        "site_choice_status": solver.status_name(status),
        "site_choice_km": sum(int(km[p, k]) * solver.value(z[i]) for i, (p, k) in enumerate(pairs.tolist())),
        "site_choice_uncovered": sum(solver.value(v) for v in u),
        "headroom": room,
    }
    return site_of, info
