"""Lower bounds for the whole problem from relaxations, and the site-choice model they share.

Every person works at one site (when their rules say so), so a plan sends duties from people
to sites: the **transportation relaxation** (each person carries at most their capacity, each
site needs its person-shifts, every other rule dropped) bounds cover, and commute given the
plan's cover, as an LP (:func:`relaxation_bounds`) and with integer sites by CP-SAT
(:func:`assignment_bound`). :func:`improve_bounds` raises a plan's level bounds with them;
they hold for every plan of the whole problem. :class:`SiteChoice` is the model the
decomposition's site choice is built on too.
"""

from __future__ import annotations

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run
from dutyplan.compile import Index, person_capacity, site_demand, site_options
from dutyplan.plan import Plan

__all__ = [
    "MAX_HEADROOM", "SiteChoice", "assignment_bound", "headroom", "hint_from_lp", "improve_bounds",
    "lp_duties", "relaxation_bounds", "with_bounds",
]


# Capacity is an upper bound: rest and rotation rules keep real rosters below it, so each
# site gets up to this much more capacity than demand, as far as the people allow.
MAX_HEADROOM = 1.35


def headroom(capacity: float, wanted: float) -> float:
    """How much more capacity than demand each site may get: up to :data:`MAX_HEADROOM`, as
    far as 95% of the people's ``capacity`` over the ``wanted`` duties allows (below 1 when
    the people cannot cover the demand)."""
    return min(MAX_HEADROOM, 0.95 * capacity / max(1, wanted))


class SiteChoice:
    """The core both site-choice models share, on CP-SAT variables.

    For each admissible (person, site) pair ``i`` of ``pairs``: ``y[i]`` the person goes there,
    ``z[i]`` their duties there (at most their capacity, only if they go); at most one site
    per person who keeps one site; ``u[k]`` duties of site k left uncovered, with
    ``sum(z at k) + u[k] >= demand[k]``.
    """

    def __init__(self, ix: Index, caps: np.ndarray, demand: np.ndarray) -> None:
        model = cp_model.CpModel()
        pairs = np.argwhere(site_options(ix) & (caps[:, None] > 0))
        y = [model.new_bool_var("") for _ in range(len(pairs))]
        z = [model.new_int_var(0, int(caps[p]), "") for p, _ in pairs.tolist()]
        u = [model.new_int_var(0, int(demand[k]), "") for k in range(ix.n_sites)]
        by_person: dict[int, list[int]] = {}
        by_site: dict[int, list[int]] = {}
        for i, (p, k) in enumerate(pairs.tolist()):
            by_person.setdefault(p, []).append(i)
            by_site.setdefault(k, []).append(i)
            model.add(z[i] <= int(caps[p]) * y[i])
        for p, items in by_person.items():
            if ix.rules[p].keep_one_site:
                model.add_at_most_one(y[i] for i in items)
            model.add(sum(z[i] for i in items) <= int(caps[p]))
        for k in range(ix.n_sites):
            model.add(sum(z[i] for i in by_site.get(k, [])) + u[k] >= int(demand[k]))
        self.model, self.pairs, self.y, self.z, self.u, self.by_site = model, pairs, y, z, u, by_site


def transport_lp(ix: Index, pairs: np.ndarray, caps: np.ndarray, demand: np.ndarray) -> tuple[pywraplp.Solver, list, list]:
    """The transportation LP over (person, site) ``pairs``: duties ``z`` per pair within each
    person's capacity, shortfall ``u`` per site so that duties plus shortfall meet its demand
    (no objective yet). Returns the solver, ``z`` and ``u``."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    z = [lp.NumVar(0, float(caps[p]), "") for p, _ in pairs.tolist()]
    u = [lp.NumVar(0, float(demand[k]), "") for k in range(ix.n_sites)]
    by_person: dict[int, list] = {}
    by_site: dict[int, list] = {}
    for i, (p, k) in enumerate(pairs.tolist()):
        by_person.setdefault(p, []).append(z[i])
        by_site.setdefault(k, []).append(z[i])
    for p, zs in by_person.items():
        lp.Add(lp.Sum(zs) <= float(caps[p]))
    for k in range(ix.n_sites):
        lp.Add(lp.Sum(by_site.get(k, [])) + u[k] >= float(demand[k]))
    return lp, z, u


def lp_duties(ix: Index, pairs: np.ndarray, caps: np.ndarray, demand: np.ndarray) -> np.ndarray | None:
    """Duties per (person, site) pair in an optimal transportation LP: cover, then commute."""
    lp, z, u = transport_lp(ix, pairs, caps, demand)
    big = float(ix.km.max(initial=0)) + 1.0
    lp.Minimize(lp.Sum([big * v for v in u]) + lp.Sum(
        [float(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())]
    ))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return np.array([v.solution_value() for v in z])


def hint_from_lp(model, ix, pairs, caps, demand, y, z, u) -> None:  # noqa: ANN001
    """Hint the site choice with the LP's duties rounded: each person to the site where the
    LP gives them most, then people with no LP duties to the site short of capacity nearest."""
    duties = lp_duties(ix, pairs, caps, demand)
    if duties is None or not len(pairs):
        return
    best: dict[int, tuple[float, int]] = {}
    for i, (p, k) in enumerate(pairs.tolist()):
        if duties[i] > 1e-6 and (p not in best or duties[i] > best[p][0]):
            best[p] = (duties[i], i)
    chosen = {i for _, i in best.values()}
    load = np.zeros(ix.n_sites)
    for i in chosen:
        load[pairs[i, 1]] += caps[pairs[i, 0]]
    for i in sorted(range(len(pairs)), key=lambda i: ix.km[pairs[i, 0], pairs[i, 1]]):
        p, k = pairs[i]
        if p not in best and load[k] < MAX_HEADROOM * demand[k]:
            best[p] = (0.0, i)
            chosen.add(i)
            load[k] += caps[p]
    assigned = np.zeros(ix.n_sites)
    for i in range(len(pairs)):
        on = i in chosen
        model.add_hint(y[i], on)
        take = int(min(caps[pairs[i, 0]], round(duties[i]))) if on else 0
        model.add_hint(z[i], take)
        assigned[pairs[i, 1]] += take
    for k in range(ix.n_sites):
        model.add_hint(u[k], int(max(0, demand[k] - assigned[k])))


def relaxation_bounds(
    ix: Index, cover_budget: int | None, time_limit: Budget | float = 60.0
) -> tuple[int, int | None]:
    """Lower bounds from the transportation relaxation: cover, and commute given a cover budget.

    Cover: each missing person-shift at site k costs at least the cheapest miss there.
    Commute: the least km with the cover cost held at or below ``cover_budget``.
    Each LP stops after ``time_limit`` seconds (a :class:`~dutyplan.budget.Budget` or wall
    seconds; in deterministic mode the LPs run to the end: they are small); an LP not solved
    to optimality proves nothing (0 or None is returned for its bound).
    """
    budget = Budget.of(time_limit)
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    options = site_options(ix) & (caps[:, None] > 0)
    pairs = np.argwhere(options)

    def build() -> tuple[pywraplp.Solver, list, list]:
        return transport_lp(ix, pairs, caps, demand)

    def solved(lp: pywraplp.Solver) -> bool:
        if budget.expired():
            return False
        if not budget.deterministic:
            lp.SetTimeLimit(max(1, int(1000 * budget.left())))
        return lp.Solve() == pywraplp.Solver.OPTIMAL

    lp, z, u = build()
    cover_cost = lp.Sum([float(cheapest[k]) * u[k] for k in range(ix.n_sites)])
    lp.Minimize(cover_cost)
    if not solved(lp):
        return 0, None
    cover_lb = int(np.ceil(lp.Objective().Value() - 1e-6))
    if cover_budget is None:
        return cover_lb, None
    lp, z, u = build()
    lp.Add(lp.Sum([float(cheapest[k]) * u[k] for k in range(ix.n_sites)]) <= float(cover_budget) + 1e-6)
    lp.Minimize(lp.Sum([float(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())]))
    if not solved(lp):
        return cover_lb, None
    return cover_lb, int(np.ceil(lp.Objective().Value() - 1e-6))


def assignment_bound(ix: Index, cover_budget: int, time_limit: Budget | float, workers: int) -> int | None:
    """Lower bound on commute from the site choice with integer sites (stronger than the LP).

    The relaxation keeps one site per person, the per-person capacities and the cover budget,
    and drops every other rule, so any plan with cover cost at most ``cover_budget`` has at
    least this much commute. Returns CP-SAT's proven bound (None if it proved nothing).
    """
    budget = Budget.of(time_limit)
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    sc = SiteChoice(ix, caps, demand)
    model, pairs, y, z, u = sc.model, sc.pairs, sc.y, sc.z, sc.u
    model.add(sum(int(cheapest[k]) * u[k] for k in range(ix.n_sites)) <= cover_budget)
    model.minimize(sum(int(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())))
    hint_from_lp(model, ix, pairs, caps, demand, y, z, u)
    portfolio = {"subsolvers": ["max_lp", "core"][:workers]} if workers <= 2 else None
    solver = budget.solver(None, workers, 0, portfolio)
    status = run(solver, model, budget)
    if status == cp_model.INFEASIBLE:
        return None  # the budget is below the relaxation's own cover bound: prove nothing
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.best_objective_bound <= 0:
        return None
    return int(np.ceil(solver.best_objective_bound - 1e-6))


def improve_bounds(
    plan: Plan, ix: Index, time_limit: Budget | float, workers: int, restricted: bool = False
) -> Plan:
    """The plan with its bounds raised by relaxations of the whole problem (a new result:
    levels' bounds, best bound, status and gap).

    Cover: the transportation LP. Commute, given the plan's cover cost: the larger of the LP
    and the integer site-choice bound. Both hold for every plan of the whole problem.
    ``restricted``: the plan's bounds came from a model restricted to chosen sites, so they
    are discarded first (every level is a sum of non-negative costs, so 0 is a bound).
    In weighted mode only the cover bound can be used: ``weight(cover) * cover bound``.
    """
    result = plan.result
    if result.objective is None:
        return plan
    budget = Budget.of(time_limit)
    weighted = result.mode.startswith("weighted")
    bounds = {lv.name: lv.bound for lv in result.levels}
    optimal = {lv.name: lv.optimal for lv in result.levels}
    best_bound = result.best_bound
    if restricted:
        for lv in result.levels:
            bounds[lv.name], optimal[lv.name] = (None, False) if weighted else (0, lv.value <= 0)
        best_bound = 0
    values = {lv.name: lv for lv in result.levels}
    cover_value = values["cover"].value if "cover" in values else 0
    unproven = not all(optimal.values()) if not weighted else restricted
    if unproven:
        cover_lb, commute_lb = relaxation_bounds(ix, None if weighted else cover_value, budget)
        if weighted:
            cover_weight = values["cover"].weight if "cover" in values else 0
            best_bound = max(best_bound or 0, cover_weight * cover_lb)
        else:
            if "commute" in values and not optimal["commute"] and budget.left() > 0.2:
                integer = assignment_bound(ix, cover_value, budget, workers)
                if integer is not None:
                    commute_lb = max(commute_lb or 0, integer)
            for lv in result.levels:
                bound = bounds[lv.name] if bounds[lv.name] is not None else 0
                if lv.name == "cover":
                    bound = max(bound, cover_lb)
                elif lv.name == "commute" and commute_lb is not None:
                    bound = max(bound, commute_lb)
                bounds[lv.name] = bound
                optimal[lv.name] = optimal[lv.name] or lv.value <= bound
            best_bound = sum(lv.weight * (bounds[lv.name] or 0) for lv in result.levels)
    proven = (
        best_bound is not None and best_bound >= result.objective
        if weighted
        else all(optimal.values())
    )
    levels = [lv.model_copy(update={"bound": bounds[lv.name], "optimal": optimal[lv.name]}) for lv in result.levels]
    return with_bounds(plan, levels, best_bound, proven)


def with_bounds(plan: Plan, levels: list, best_bound: int | None, proven: bool) -> Plan:
    """The plan (which has an objective) with these level results and best bound, its status
    and gap following from them (a proven plan's bound is its objective)."""
    result = plan.result
    if proven:
        best_bound = result.objective
    gap = result.gap
    if best_bound is not None:
        gap = round((result.objective - best_bound) / max(1, abs(result.objective)), 6)
    return plan.with_result(levels=levels, best_bound=best_bound, status="optimal" if proven else "feasible",
                            gap=gap)
