"""Large problems: choose each person's site first, then roster every site, with an honest bound.

1. **Capacity**: an upper bound on the duties each person can do over the horizon, from
   their admissible shift instances and hard rules (shifts per day, days off in each of the
   disjoint 7-day blocks, maximum run of days, maximum minutes).
2. **Site choice** (CP-SAT, small): ``y[p, k]`` person p goes to site k, ``z[p, k]`` duties
   there (at most the capacity), ``u[k]`` duties left uncovered; minimise uncovered (weighted
   by the cheapest miss at the site), then commute km, with some headroom at every site so
   the rosters have room to respect the rest rules.
3. **Rostering**: the ordinary model (every rule, every level) with each person allowed only
   at their chosen site, solved lexicographically for the remaining time.
4. **Bound**: site choice and rostering drop no constraint of the full problem, so their
   bounds hold only for the chosen sites. The reported bound comes instead from a linear
   relaxation of the full problem (transportation of duties from people to sites under the
   same capacities): a lower bound on the cover level, and, given the plan's cover, on the
   commute level. The other levels keep their trivial bounds.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from dutyplan.model import build_model
from dutyplan.model.index import Index, build_index
from dutyplan.plan import LevelResult, Plan
from dutyplan.problem import Preference, Problem

logger = logging.getLogger("dutyplan")

# Capacity is an upper bound: rest and rotation rules keep real rosters below it, so each
# site gets up to this much more capacity than demand, as far as the people allow.
MAX_HEADROOM = 1.35


def person_capacity(ix: Index) -> np.ndarray:
    """Upper bound on the duties of each person over the horizon (valid under hard rules)."""
    days_possible = ix.eligible.any(axis=(1, 3))  # [P, D]
    shifts_possible = ix.eligible.any(axis=1).sum(axis=2)  # [P, D] shift types possible
    caps = np.zeros(ix.n_people, dtype=np.int64)
    for p in range(ix.n_people):
        rules = ix.rules[p]
        per_day_rule = rules.max_shifts_per_day
        per_day = shifts_possible[p].copy()
        if per_day_rule is not None and per_day_rule.hard:
            per_day = np.minimum(per_day, per_day_rule.value)
        days = days_possible[p].astype(np.int64)
        bound = int(per_day.sum())
        day_bounds = [int(days.sum())]
        off = rules.min_days_off_per_7
        if off is not None and off.hard:
            day_bounds.append(_blocks(days, 7, max(0, 7 - off.value)))
        run = rules.max_consecutive_days
        if run is not None and run.hard:
            day_bounds.append(_blocks(days, run.value + 1, run.value))
        max_per_day = int(per_day.max()) if per_day.size else 0
        bound = min(bound, min(day_bounds) * max_per_day)
        if rules.max_minutes is not None and rules.max_minutes.hard:
            bound = min(bound, rules.max_minutes.value // int(ix.shift_minutes.min()))
        caps[p] = bound
    return caps


def _blocks(days: np.ndarray, size: int, most: int) -> int:
    """Most worked days when each disjoint block of ``size`` days allows ``most``."""
    total = 0
    for start in range(0, len(days), size):
        total += min(int(days[start : start + size].sum()), most)
    return total


def site_demand(ix: Index) -> tuple[np.ndarray, np.ndarray]:
    """Person-shifts needed per site, and the cheapest cost of missing one there."""
    demand = np.zeros(ix.n_sites, dtype=np.int64)
    cheapest = np.full(ix.n_sites, np.iinfo(np.int64).max, dtype=np.int64)
    for gate_class in ix.classes:
        needed = gate_class.open & (gate_class.need > 0)
        demand[gate_class.site] += int((gate_class.need * needed).sum()) * gate_class.size
        if needed.any():
            cheapest[gate_class.site] = min(
                cheapest[gate_class.site], int(gate_class.under_weight[needed].min())
            )
    cheapest[cheapest == np.iinfo(np.int64).max] = 0
    return demand, cheapest


def _site_options(ix: Index) -> np.ndarray:
    """[P, K] a person has some admissible duty at the site."""
    by_class = ix.eligible.any(axis=(2, 3))  # [P, C]
    options = np.zeros((ix.n_people, ix.n_sites), dtype=bool)
    for c, k in enumerate(ix.class_site.tolist()):
        options[:, k] |= by_class[:, c]
    return options


def choose_sites(
    ix: Index, time_limit: float, workers: int, seed: int
) -> tuple[np.ndarray, dict[str, float]]:
    """Site of each person (-1: not needed) from the capacitated assignment model."""
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    options = _site_options(ix)
    km = ix.km
    model = cp_model.CpModel()
    pairs = np.argwhere(options & (caps[:, None] > 0))
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
    slack_terms: list = []
    total_capacity = int(caps.sum())
    headroom = min(MAX_HEADROOM, 0.95 * total_capacity / max(1, int(demand.sum())))
    for k in range(ix.n_sites):
        items = by_site.get(k, [])
        model.add(sum(z[i] for i in items) + u[k] >= int(demand[k]))
        if headroom > 1 and demand[k] > 0:
            # soft: short capacity costs like a miss, so it is only used when unavoidable
            short = model.new_int_var(0, int(np.ceil(headroom * demand[k])), "")
            model.add(
                sum(int(caps[pairs[i, 0]]) * y[i] for i in items) + short
                >= int(np.ceil(headroom * demand[k]))
            )
            slack_terms.append(short)
    # cover first (by far), then commute; unit cohesion as in the rules level
    big = int(km.max(initial=0)) * int(caps.max(initial=1)) + 1
    objective = [big * int(max(1, cheapest[k])) * u[k] for k in range(ix.n_sites)]
    objective += [big * short for short in slack_terms]
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
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    site_of = np.full(ix.n_people, -1, dtype=np.int64)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError("site choice found no assignment")  # cannot happen: all-zero is valid
    for i, (p, k) in enumerate(pairs.tolist()):
        if solver.boolean_value(y[i]):
            site_of[p] = k
    info = {"site_choice_seconds": solver.wall_time, "site_choice_status": solver.status_name(status)}
    return site_of, info


def relaxation_bounds(ix: Index, cover_budget: int | None) -> tuple[int, int | None]:
    """Lower bounds from the transportation relaxation: cover, and commute given a cover budget.

    Cover: each missing person-shift at site k costs at least the cheapest miss there.
    Commute: the least km with the cover cost held at or below ``cover_budget``.
    """
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    options = _site_options(ix) & (caps[:, None] > 0)
    pairs = np.argwhere(options)

    def build() -> tuple[pywraplp.Solver, list, list]:
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

    lp, z, u = build()
    cover_cost = lp.Sum([float(cheapest[k]) * u[k] for k in range(ix.n_sites)])
    lp.Minimize(cover_cost)
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return 0, None
    cover_lb = int(np.ceil(lp.Objective().Value() - 1e-6))
    if cover_budget is None:
        return cover_lb, None
    lp, z, u = build()
    lp.Add(lp.Sum([float(cheapest[k]) * u[k] for k in range(ix.n_sites)]) <= float(cover_budget) + 1e-6)
    lp.Minimize(lp.Sum([float(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())]))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return cover_lb, None
    return cover_lb, int(np.ceil(lp.Objective().Value() - 1e-6))


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
    column = lambda matrix: None if matrix is None else [[matrix[p][k]] for p in members]  # noqa: E731
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


def solve_decomposed(
    problem: Problem,
    time_limit: float,
    workers: int,
    seed: int,
    log: bool = False,
    params: dict | None = None,
    index: Index | None = None,
) -> Plan:
    """Site choice, per-site rosters, a polish of the whole, and an honest bound."""
    from dutyplan.solve import solve, solve_model

    t0 = time.perf_counter()
    deadline = t0 + time_limit
    full = index if index is not None else build_index(problem)
    site_of, info = choose_sites(full, 0.15 * time_limit, workers, seed)
    logger.info("sites chosen in %.2fs (%s)", info["site_choice_seconds"], info["site_choice_status"])

    # rosters, one site at a time; time shared by size, unused time rolls over
    members = {k: np.flatnonzero(site_of == k).tolist() for k in range(full.n_sites)}
    sizes = {k: max(1, int(full.eligible[m][:, full.class_site == k].sum())) for k, m in members.items() if m}
    roster_budget = 0.6 * (deadline - time.perf_counter())
    roster_end = time.perf_counter() + roster_budget
    assignments = []
    left = sum(sizes.values())
    for k, size in sorted(sizes.items(), key=lambda item: -item[1]):
        share = max(0.2, (roster_end - time.perf_counter()) * size / left)
        left -= size
        sub = site_problem(problem, k, members[k])
        sub_plan = solve(sub, time_limit=share, workers=workers, seed=seed, params=params, strategy="single")
        assignments += sub_plan.assignments
        logger.info(
            "site %s: %s in %.2fs, levels %s", problem.sites[k].id, sub_plan.result.status,
            sub_plan.result.solve_seconds, {lv.name: lv.value for lv in sub_plan.result.levels},
        )

    # the whole, restricted to the chosen sites: evaluate the merged rosters, then polish
    allowed = np.zeros((full.n_people, full.n_sites), dtype=bool)
    placed = site_of >= 0
    allowed[np.flatnonzero(placed), site_of[placed]] = True
    dm = build_model(problem, site_allowed=allowed)
    start_solution = complete_solution(dm, assignments, workers)
    remaining = max(0.2, deadline - time.perf_counter())
    plan = solve_model(dm, remaining, workers, seed, log, params, initial=start_solution)
    result = plan.result
    result.solve_seconds = round(time.perf_counter() - t0 - result.build_seconds, 4)
    result.mode = f"{result.mode}, decomposed"
    if result.objective is None:
        return plan
    values = {lv.name: lv for lv in result.levels}
    cover_value = values["cover"].value if "cover" in values else None
    cover_lb, commute_lb = relaxation_bounds(full, cover_value)
    levels = []
    for lv in result.levels:
        # every level is a sum of non-negative costs; the rostering model's own bounds hold
        # only for the chosen sites, so they are not used
        bound = 0
        if lv.name == "cover":
            bound = max(bound, cover_lb)
        elif lv.name == "commute" and commute_lb is not None:
            bound = max(bound, commute_lb)
        levels.append(
            LevelResult(name=lv.name, value=lv.value, bound=bound, optimal=lv.value <= bound, weight=lv.weight)
        )
    result.levels = levels
    result.best_bound = sum(lv.weight * lv.bound for lv in levels)
    result.status = "optimal" if all(lv.optimal for lv in levels) else "feasible"
    result.gap = round((result.objective - result.best_bound) / max(1, abs(result.objective)), 6)
    return plan


def complete_solution(dm, assignments, workers: int) -> np.ndarray | None:  # noqa: ANN001
    """A full solution vector of ``dm`` in which the postings are exactly ``assignments``."""
    ix = dm.index
    problem = ix.problem
    person = {p.id: i for i, p in enumerate(problem.people)}
    site = {s.id: i for i, s in enumerate(problem.sites)}
    shift = {s: i for i, s in enumerate(ix.shift_ids)}
    gate_class = {}
    for c, cls in enumerate(ix.classes):
        for g in cls.gates:
            gate_class[(cls.site, problem.sites[cls.site].gates[g].id)] = c
    chosen = np.zeros(len(dm.x_vars), dtype=bool)
    for a in assignments:
        k = site[a.site]
        xi = dm.x_id[person[a.person], gate_class[(k, a.gate)], problem.day_index(a.date), shift[a.shift]]
        if xi < 0:
            return None
        chosen[xi] = True
    model = dm.model.clone()
    for var, value in zip(dm.x_vars, chosen.tolist()):
        model.add(model.get_bool_var_from_proto_index(var.index) == int(value))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array(solver.response_proto.solution, dtype=np.int64)
