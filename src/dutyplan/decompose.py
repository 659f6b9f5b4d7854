"""Large problems: choose each person's site first, then roster every site, with an honest bound.

1. **Capacity**: an upper bound on the duties each person can do over the horizon, from
   their admissible shift instances and hard rules (shifts per day, days off in each of the
   disjoint 7-day blocks, maximum run of days, maximum minutes).
2. **Site choice** (CP-SAT, small): ``y[p, k]`` person p goes to site k, ``z[p, k]`` duties
   there (at most the capacity), ``u[k]`` duties left uncovered; minimise uncovered (weighted
   by the cheapest miss at the site), then commute km, with some headroom at every site so
   the rosters have room to respect the rest rules.
3. **Rostering**: each site is its own small problem (the same model, every rule and level),
   rostered in rounds, two sites at a time on two workers; each round goes to the sites whose
   most important unproven level comes first, starting from their current plan. The merged
   plan is then evaluated exactly on the whole problem (people restricted to their sites).
4. **Bound**: site choice and rostering bounds hold only for the chosen sites, so the
   reported bound comes from relaxations of the whole problem instead: the transportation
   LP (duties from people to sites under the same capacities) bounds cover, and, given the
   plan's cover, commute; the same site choice with integer sites and no headroom, solved
   by CP-SAT, gives a stronger commute bound. Other levels keep the bound 0.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from concurrent.futures import BrokenExecutor, Executor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run
from dutyplan.checker import check
from dutyplan.compile import person_capacity, site_demand, site_options, site_problem
from dutyplan.errors import PlanFileError
from dutyplan.model import available_bytes, build_model, estimated_build_seconds, estimated_peak_bytes
from dutyplan.compile.index import Index
from dutyplan.plan import LevelResult, Plan, Result
from dutyplan.problem import LEVELS, Problem
from dutyplan.sites import SiteJob, process_pool, roster_site

logger = logging.getLogger("dutyplan")

# Capacity is an upper bound: rest and rotation rules keep real rosters below it, so each
# site gets up to this much more capacity than demand, as far as the people allow.
MAX_HEADROOM = 1.35


class _SiteChoice:
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


def _nearest_sites(ix: Index, pairs: np.ndarray, caps: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Greedy site choice: people with the fewest admissible sites first, each to the nearest
    of them whose demand is not yet met by the capacity already sent (-1: none needed)."""
    site_of = np.full(ix.n_people, -1, dtype=np.int64)
    left = demand.astype(np.int64).copy()
    options: dict[int, list[int]] = {}
    for p, k in pairs.tolist():
        options.setdefault(p, []).append(k)
    for p in sorted(options, key=lambda p: len(options[p])):
        open_sites = [k for k in options[p] if left[k] > 0]
        if open_sites:
            k = min(open_sites, key=lambda k: ix.km[p, k])
            site_of[p] = k
            left[k] -= int(caps[p])
    return site_of


def choose_sites(
    ix: Index, time_limit: Budget | float, workers: int, seed: int
) -> tuple[np.ndarray, dict[str, float]]:
    """Site of each person (-1: not needed) from the capacitated assignment model, within
    ``time_limit`` (a :class:`~dutyplan.budget.Budget` or wall seconds; at least 0.5 s)."""
    budget = Budget.of(time_limit)
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    km = ix.km
    sc = _SiteChoice(ix, caps, demand)
    model, pairs, y, z, u, by_site = sc.model, sc.pairs, sc.y, sc.z, sc.u, sc.by_site
    slack_terms: list = []
    total_capacity = int(caps.sum())
    headroom = min(MAX_HEADROOM, 0.95 * total_capacity / max(1, int(demand.sum())))
    for k in range(ix.n_sites):
        items = by_site.get(k, [])
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
    _hint_from_lp(model, ix, pairs, caps, demand, y, z, u)
    solver = Budget(max(0.5, budget.left()), budget.deterministic, budget.stop).solver(workers=workers, seed=seed)
    status = run(solver, model, budget)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # no assignment within the time (a loaded machine, a short limit): nearest sites
        logger.info("site choice: no assignment in %.1fs, nearest sites instead", solver.wall_time)
        site_of = _nearest_sites(ix, pairs, caps, demand)
        info = {"site_choice_seconds": solver.wall_time, "site_choice_status": "nearest", "headroom": headroom}
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
        "headroom": headroom,
    }
    return site_of, info


def _lp_duties(ix: Index, pairs: np.ndarray, caps: np.ndarray, demand: np.ndarray) -> np.ndarray | None:
    """Duties per (person, site) pair in an optimal transportation LP: cover, then commute."""
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
    big = float(ix.km.max(initial=0)) + 1.0
    lp.Minimize(lp.Sum([big * v for v in u]) + lp.Sum(
        [float(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())]
    ))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return np.array([v.solution_value() for v in z])


def _hint_from_lp(model, ix, pairs, caps, demand, y, z, u) -> None:  # noqa: ANN001
    """Hint the site choice with the LP's duties rounded: each person to the site where the
    LP gives them most, then people with no LP duties to the site short of capacity nearest."""
    duties = _lp_duties(ix, pairs, caps, demand)
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


# A site job's own seconds when the time is too short to share out. Each job starts from a
# greedy roster (see dutyplan.sites), so a short CP-SAT search only improves it: measured on
# 80 random sites of a 74,000-person city (4-18 people), 0.05 s each gave full cover at all
# 80 in 0.10 s a job (0.15 s: the same cover in 0.15 s a job). A site the greedy cannot roster
# and that has no plan after the first round is solved again with more time (repair).
MIN_SITE_SECONDS = 0.05
# Polishing on the whole model costs about this many times its build: the build, completing
# the merged plan into a solution, and evaluating every level (measured on Shangzhuang over
# 3,660 days, 1 worker: a 5 s build, then 2.6 s to find the completion had no time and 2.1 s
# to evaluate, 10 s in all).
POLISH_COST = 3.0
# The end of a decomposed solve (merging, the whole plan's figures, bounds) takes about this
# much, plus this much per gate-shift needing people (the plan's figures): measured on 3,000
# people, 300 sites and 120 days (186,720 such gate-shifts, all uncovered): 2.3 s, 12 us each.
END_SECONDS = 0.5
END_SECONDS_PER_GATE_SHIFT = 15e-6
# Rostering one site is cover first: it gets most of each site's time.
SITE_STAGE_SHARE = {"cover": 12, "rules": 2, "preferences": 1, "commute": 2, "fairness": 1}


def _unproven_rank(plan: Plan | None) -> int:
    """Position of the first level not proven optimal (-1: no plan; len(LEVELS): all proven)."""
    if plan is None or plan.result.objective is None:
        return -1
    for level in plan.result.levels:
        if not level.optimal:
            return LEVELS.index(level.name)
    return len(LEVELS)


def assignment_bound(ix: Index, cover_budget: int, time_limit: Budget | float, workers: int) -> int | None:
    """Lower bound on commute from the site choice with integer sites (stronger than the LP).

    The relaxation keeps one site per person, the per-person capacities and the cover budget,
    and drops every other rule, so any plan with cover cost at most ``cover_budget`` has at
    least this much commute. Returns CP-SAT's proven bound (None if it proved nothing).
    """
    budget = Budget.of(time_limit)
    caps = person_capacity(ix)
    demand, cheapest = site_demand(ix)
    sc = _SiteChoice(ix, caps, demand)
    model, pairs, y, z, u = sc.model, sc.pairs, sc.y, sc.z, sc.u
    model.add(sum(int(cheapest[k]) * u[k] for k in range(ix.n_sites)) <= cover_budget)
    model.minimize(sum(int(ix.km[p, k]) * z[i] for i, (p, k) in enumerate(pairs.tolist())))
    _hint_from_lp(model, ix, pairs, caps, demand, y, z, u)
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
) -> None:
    """Raise the plan's bounds with relaxations of the whole problem; update it in place.

    Cover: the transportation LP. Commute, given the plan's cover cost: the larger of the LP
    and the integer site-choice bound. Both hold for every plan of the whole problem.
    ``restricted``: the plan's bounds came from a model restricted to chosen sites, so they
    are discarded first (every level is a sum of non-negative costs, so 0 is a bound).
    In weighted mode only the cover bound can be used: ``weight(cover) * cover bound``.
    """
    result = plan.result
    if result.objective is None:
        return
    budget = Budget.of(time_limit)
    weighted = result.mode.startswith("weighted")
    if restricted:
        for lv in result.levels:
            lv.bound, lv.optimal = (None, False) if weighted else (0, lv.value <= 0)
        result.best_bound = 0
    values = {lv.name: lv for lv in result.levels}
    cover_value = values["cover"].value if "cover" in values else 0
    unproven = not all(lv.optimal for lv in result.levels) if not weighted else restricted
    if unproven:
        cover_lb, commute_lb = relaxation_bounds(ix, None if weighted else cover_value, budget)
        if weighted:
            cover_weight = values["cover"].weight if "cover" in values else 0
            result.best_bound = max(result.best_bound or 0, cover_weight * cover_lb)
        else:
            if "commute" in values and not values["commute"].optimal and budget.left() > 0.2:
                integer = assignment_bound(ix, cover_value, budget, workers)
                if integer is not None:
                    commute_lb = max(commute_lb or 0, integer)
            for lv in result.levels:
                bound = lv.bound if lv.bound is not None else 0
                if lv.name == "cover":
                    bound = max(bound, cover_lb)
                elif lv.name == "commute" and commute_lb is not None:
                    bound = max(bound, commute_lb)
                lv.bound = bound
                lv.optimal = lv.optimal or lv.value <= bound
            result.best_bound = sum(lv.weight * (lv.bound or 0) for lv in result.levels)
    proven = (
        result.best_bound is not None and result.best_bound >= result.objective
        if weighted
        else all(lv.optimal for lv in result.levels)
    )
    if proven:
        result.best_bound = result.objective
    result.status = "optimal" if proven else "feasible"
    if result.best_bound is not None:
        result.gap = round((result.objective - result.best_bound) / max(1, abs(result.objective)), 6)


def solve_decomposed(
    problem: Problem,
    time_limit: Budget | float,
    workers: int,
    seed: int,
    log: bool = False,
    params: dict | None = None,
    index: Index | None = None,
    executor: Executor | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Any = None,
) -> Plan:
    """Site choice, per-site rosters on an executor, repair, merge, honest bound.

    ``index``: the whole problem's index when it is small enough to build (then the site
    choice is the CP-SAT model, the merged plan is polished on the whole model restricted to
    the chosen sites and the bounds come from :func:`improve_bounds`); without it the problem
    is treated at city scale (:mod:`dutyplan.city`: min-cost-flow site choice, levels summed
    over sites, bound from the transportation dual). ``executor``: where sites are rostered
    (default: a process pool of ``workers`` processes). ``checkpoint_dir``: finished work is
    kept there and taken back by a rerun (see :class:`dutyplan.sites.Checkpoint`).
    ``progress``: see :func:`dutyplan.progress.make_progress`. ``time_limit``: a
    :class:`~dutyplan.budget.Budget` (it may have begun before this call) or wall seconds.
    """
    from dutyplan import city
    from dutyplan.progress import make_progress
    from dutyplan.sites import Checkpoint

    budget = Budget.of(time_limit)
    t0 = budget.started
    bar = make_progress(progress, len(problem.sites))
    checkpoint = Checkpoint(checkpoint_dir, problem) if checkpoint_dir is not None else None
    bar.update(0, 0, 0, stage="site choice")
    site_of = checkpoint.load_site_choice() if checkpoint is not None else None
    info: dict[str, Any] = {"resumed": site_of is not None}
    view = pairs = None
    if index is not None:
        options = site_options(index) & (person_capacity(index)[:, None] > 0)
        km_of = index.km
        if site_of is None:
            site_of, found = choose_sites(index, budget.part(min(0.1 * budget.seconds, 30.0)), workers, seed)
            info.update(found)
    else:
        view = city.city_view(problem)
        pairs = city.candidate_pairs(view)
        options = None
        km_of = None
        logger.info("city view and %d candidate pairs at %.2fs", len(pairs[0]), time.perf_counter() - t0)
        if site_of is None:
            headroom = min(MAX_HEADROOM, 0.95 * int(view.caps.sum()) / max(1, view.total_demand))
            site_of, found = city.flow_site_choice(view, pairs, headroom)
            info.update(found)
    if checkpoint is not None and not info["resumed"]:
        checkpoint.save_site_choice(site_of)
    logger.info("sites chosen at %.2fs: %s", time.perf_counter() - t0, info)

    # time kept for the end: merging, evaluating, bounds (measured shares, see benchmarks),
    # and at least what the plan's figures take to build (one per gate-shift needing people)
    reserve = min(0.05 * budget.seconds, 5.0) if index is not None else min(0.15 * budget.seconds, 120.0)
    gate_shifts = sum(int((c.open & (c.need > 0)).sum()) * c.size for c in (index or view).classes)
    reserve = max(reserve, END_SECONDS + gate_shifts * END_SECONDS_PER_GATE_SHIFT)
    runner = _SiteRunner(
        problem, site_of, executor, workers, seed, params, checkpoint, bar,
        budget.part(budget.left() - reserve, parallel=workers),
    )
    if index is not None:
        caps, demand = person_capacity(index), site_demand(index)[0]
        reach: dict[int, list[tuple[int, int]]] = defaultdict(list)  # site -> [(km, person)]
        for p, k in np.argwhere(options).tolist():
            reach[k].append((int(km_of[p, k]), p))
    else:
        caps, demand = view.caps, view.demand
        reach = defaultdict(list)
        for p, k, d in zip(pairs[0].tolist(), pairs[1].tolist(), pairs[2].tolist()):
            reach[k].append((d, p))
    for k in reach:
        reach[k].sort()
    roles = _RoleNeeds(problem, caps, view)
    try:
        # the first round leaves time for repair rounds and for improving unproven sites
        runner.first_round(fraction=0.4)
        if runner.infeasible and index is None:  # role holders from anywhere within reach
            _reach_role_holders(reach, view, runner.infeasible, roles)
        rounds = _repair(runner, reach, caps, demand, roles, view)
        runner.improve()
    except BaseException:  # a second Ctrl-C (or an error): do not wait for the jobs
        runner.close(abort=True)
        raise
    runner.close()
    bar.update(len(problem.sites), runner.people_placed(), runner.uncovered(), stage="merging")
    assignments = [a for k in sorted(runner.plans) for a in runner.plans[k].assignments]
    unmet: tuple[list[str], bool] = ([], False)
    if runner.infeasible:
        view = view if view is not None else city.city_view(problem)
        unmet = _unmet(problem, view, runner, budget)
        for line in unmet[0]:
            logger.warning("%s", line)
    plan = None
    if index is not None and not runner.infeasible:
        plan = _polish(problem, runner.site_of, assignments, index, budget, workers, seed, log, params)
        # never lose the merged plan: evaluate it as a city (the restricted model can be
        # infeasible where the whole problem is not, e.g. a site given nobody with a role)
        if plan is not None and plan.result.objective is None:
            logger.warning("the whole model gave no plan in its time: summing the site plans instead")
            plan = None
    if plan is None:
        view = view if view is not None else city.city_view(problem)
        pairs = pairs if pairs is not None else city.candidate_pairs(view)
        plan = _city_plan(problem, view, pairs, runner, assignments, budget, unmet)
    result = plan.result
    result.mode = f"{result.mode}, decomposed"
    result.first_plan_seconds = runner.first_plan_at
    result.time_limit = budget.seconds
    logger.info(
        "decomposed: %d sites rostered (%d resumed), %d repair rounds, objective %s, bound %s at %.2fs",
        len(runner.plans), runner.resumed, rounds, result.objective, result.best_bound,
        time.perf_counter() - t0,
    )
    bar.update(len(problem.sites), runner.people_placed(), len(plan.uncovered), stage="done")
    bar.close()
    return plan


class _SiteRunner:
    """The site plans of a run: who is where, which sites have a plan, and the executor.

    ``budget``: the time for rostering (its searches run ``workers`` side by side). A stop
    request cancels the jobs not started and asks those running in dutyplan's own pool to
    return the best roster they have."""

    def __init__(
        self, problem: Problem, site_of: np.ndarray, executor: Executor | None, workers: int,
        seed: int, params: dict | None, checkpoint: Any, bar: Any, budget: Budget,
    ) -> None:
        self.problem, self.site_of, self.workers, self.seed = problem, site_of.copy(), workers, seed
        self.params = dict(params or {})
        self.checkpoint, self.bar, self.budget = checkpoint, bar, budget
        self.own_executor = executor is None
        self.executor = executor
        self._pool_stop: Any = None  # the flag that stops the jobs of our own pool
        self._futures: list[Any] = []  # the jobs of the round in progress
        budget.stop.on_request(self._stop_jobs)
        self.plans: dict[int, Plan] = {}
        self.infeasible: set[int] = set()  # sites whose hard rules admit no roster with their people
        self.resumed = 0
        self.first_plan_at: float | None = None
        self.started = time.perf_counter()
        # seconds a site job takes beyond its solve: model build, greedy roster, hint check,
        # plan (measured on city sites of 4-18 people: 0.05 s; then measured per round)
        self.overhead = 0.08
        # running totals for the progress bar (a city has thousands of sites: no sums per plan)
        self._uncovered: dict[int, int] = {}
        self._uncovered_total = 0
        self.recount()

    # ------------------------------------------------------------------ bookkeeping
    def members(self, k: int) -> list[int]:
        return np.flatnonzero(self.site_of == k).tolist()

    def member_ids(self, k: int) -> list[str]:
        return [self.problem.people[p].id for p in self.members(k)]

    def keep(self, k: int, plan: Plan | None) -> None:
        """Take site k's plan (None: site k has no plan)."""
        if k in self.plans:
            self._placed -= int(self._counts[k])
            self._uncovered_total -= self._uncovered.pop(k)
            del self.plans[k]
        if plan is not None:
            self._placed += int(self._counts[k])
            self._uncovered[k] = len(plan.uncovered)
            self._uncovered_total += self._uncovered[k]
            self.plans[k] = plan

    def recount(self) -> None:
        """Bring the counts up to date after ``site_of`` changed."""
        placed = self.site_of >= 0
        self._counts = np.bincount(self.site_of[placed], minlength=len(self.problem.sites))
        self._placed = int(self._counts[list(self.plans)].sum()) if self.plans else 0

    def people_placed(self) -> int:
        """People at sites that have a plan."""
        return self._placed

    def uncovered(self) -> int:
        return self._uncovered_total

    def needed_sites(self) -> list[int]:
        """Sites with people (a site with nobody is left uncovered, with no job)."""
        return sorted(set(self.site_of[self.site_of >= 0].tolist()))

    def _executor(self) -> Executor:
        if self.executor is None:
            self.executor, self._pool_stop = process_pool(self.workers)
        return self.executor

    def _stop_jobs(self) -> None:
        """A stop request: jobs not started are cancelled, running ones in our pool stop."""
        for future in list(self._futures):
            future.cancel()
        if self._pool_stop is not None:
            self._pool_stop.value = 1

    def close(self, abort: bool = False) -> None:
        """Shut our pool down (``abort``: without waiting for the jobs, which are asked to
        stop)."""
        if self.own_executor and self.executor is not None:
            if abort:
                self._stop_jobs()
            self.executor.shutdown(wait=not abort, cancel_futures=True)
            self.executor = None

    # ------------------------------------------------------------------ rounds
    def run(
        self, seconds: dict[int, float], hints: bool | dict[int, Plan] = False, replace: set[int] = frozenset()
    ) -> set[int]:
        """Roster the given sites (each with its own seconds), as they finish: keep, save,
        report. ``hints``: start each site from its current plan (True) or from the plans
        given. A new plan is kept when it is better, or always for a site in ``replace``
        (whose current plan no longer fits its people). A site whose hard rules admit no
        roster is marked infeasible. Returns the sites that got a plan; jobs that could not
        start before the stop time keep their previous plan."""
        fresh: set[int] = set()
        if not seconds or self.budget.expired():
            return fresh
        deterministic = self.budget.deterministic
        wall_stop = self.budget.wall_deadline()
        jobs = []
        for k in sorted(seconds, key=lambda k: -seconds[k]):
            sub = site_problem(self.problem, k, self.members(k))
            hint = (self.plans.get(k) if hints is True else hints.get(k)) if hints else None
            jobs.append(SiteJob(
                site=k, problem_json=sub.model_dump_json(), seconds=seconds[k], deadline=wall_stop,
                seed=self.seed, params=self.params, stage_share=SITE_STAGE_SHARE,
                hint_json=hint.model_dump_json() if hint is not None else None,
                deterministic=deterministic,
            ))
        pool = self._executor()
        futures = self._futures = [pool.submit(roster_site, job) for job in jobs]
        if self.budget.stop.requested:  # asked to stop while the jobs were made
            self._stop_jobs()
        beyond = []
        # in deterministic mode the results are taken in the order the jobs were made, so
        # that nothing depends on which finishes first
        finished = iter(futures) if deterministic else as_completed(futures)
        broken = False
        try:
            for future in finished:
                if future.cancelled():
                    continue
                try:
                    k, plan_json, used, work = future.result()
                except BrokenExecutor as error:  # a worker died (kill -9, out of memory)
                    if not broken:
                        logger.warning("a site job's worker died (%s): its sites have no plan "
                                       "this round", error)
                    broken = True
                    continue
                except Exception:  # noqa: BLE001 - one failed job leaves one site without a plan
                    logger.exception("a site job failed: its site has no plan this round")
                    continue
                self.budget.charge(work)
                if plan_json is None:
                    continue
                beyond.append(max(0.0, used - seconds[k]))
                plan = Plan.model_validate_json(plan_json)
                if plan.result.status == "infeasible":
                    self.infeasible.add(k)
                    continue
                self.infeasible.discard(k)
                fresh.add(k)
                if k not in self.plans or k in replace or _better(plan, self.plans[k]):
                    self.keep(k, plan)
                    if self.checkpoint is not None:
                        self.checkpoint.save_site(k, self.member_ids(k), plan_json)
                self.bar.update(len(self.plans), self.people_placed(), self.uncovered(), stage=self.stage)
                if not deterministic and self.budget.expired():
                    break  # the rest finish or give up on their own deadline
        finally:
            for future in futures:
                future.cancel()
            self._futures = []
        if broken and self.own_executor and self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)  # a new pool next round
            self.executor = None
        if beyond and not deterministic:
            self.overhead = max(0.05, float(np.mean(beyond)))
        return fresh

    def first_round(self, fraction: float) -> None:
        """Every needed site: from the checkpoint when it was made for the same people, else
        solved with a share of the time by its size."""
        self.stage = "rostering"
        todo = []
        for k in self.needed_sites():
            saved = self.checkpoint.load_site(k, self.member_ids(k)) if self.checkpoint else None
            if saved is not None and self._usable(k, saved):
                self.keep(k, saved)
                self.resumed += 1
            else:
                todo.append(k)
        self.bar.update(len(self.plans), self.people_placed(), self.uncovered(), stage=self.stage)
        self.run(self._shares(todo, fraction), hints=False)
        if len(self.plans) == len(self.needed_sites()):
            self.first_plan_at = round(time.perf_counter() - self.started, 4)

    def _usable(self, k: int, saved: Plan) -> bool:
        """A saved site plan states every figure a site plan has (its levels are summed into
        the city's), fits site k with its people and passes the independent check (every hard
        rule, every figure); else the site is solved again."""
        stated = saved.model_fields_set >= {"assignments", "uncovered", "coverage", "people"}
        if not stated or saved.result.objective is None or not saved.result.levels:
            logger.warning("checkpoint plan of site %s does not state its figures: solving it again",
                           self.problem.sites[k].id)
            return False
        sub = site_problem(self.problem, k, self.members(k))
        try:
            saved.ensure_fits(sub)
        except PlanFileError as error:
            logger.warning("checkpoint plan of site %s does not fit it (%s): solving it again",
                           self.problem.sites[k].id, error)
            return False
        report = check(sub, saved)
        if not report.ok:
            logger.warning("checkpoint plan of site %s fails the check (%d violations, %d false "
                           "figures): solving it again", self.problem.sites[k].id,
                           len(report.violations), len(report.mismatches))
        return report.ok

    def _shares(self, sites: list[int], fraction: float) -> dict[int, float]:
        if not sites:
            return {}
        overhead = 0.0 if self.budget.deterministic else self.overhead
        budget = self.budget.left() * self.workers - overhead * len(sites)
        sizes = {k: max(1, len(self.members(k))) for k in sites}
        total = sum(sizes.values())
        return {k: max(MIN_SITE_SECONDS, fraction * budget * sizes[k] / total) for k in sites}

    def improve(self) -> None:
        """Rounds on the sites with a plan not proven optimal, each from its plan, the sites
        whose most important unproven level comes first first; sites a round neither proves
        nor improves are left alone after it. Until nothing is left to try or time is up."""
        self.stage = "improving"
        stalled: set[int] = set()
        overhead = 0.0 if self.budget.deterministic else self.overhead
        while self.budget.left() > 1.0:
            rank = {k: _unproven_rank(plan) for k, plan in self.plans.items() if k not in stalled}
            rank = {k: r for k, r in rank.items() if r < len(LEVELS)}
            if not rank:
                return
            first = min(rank.values())
            todo = [k for k in rank if rank[k] == first]
            budget = self.budget.left() * self.workers - overhead * len(todo)
            if budget < max(1.0, 0.2 * len(todo)):
                return
            before = {k: _values(self.plans[k]) for k in todo}
            self.run(self._shares(todo, 0.95), hints=True)
            stalled.update(
                k for k in todo
                if _unproven_rank(self.plans[k]) == first and _values(self.plans[k]) == before[k]
            )


def _values(plan: Plan) -> list[int]:
    return [lv.value for lv in plan.result.levels]


def _better(new: Plan, old: Plan) -> bool:
    """Lexicographically better level values (the hint makes a re-solve never worse)."""
    return _values(new) <= _values(old)


def _missing(plan: Plan) -> int:
    return sum(u.missing for u in plan.uncovered)


def _repair(runner: _SiteRunner, reach: dict[int, list[tuple[int, int]]], caps: np.ndarray,
            demand: np.ndarray, roles: _RoleNeeds, view: Any = None) -> int:
    """Sites left short, and sites whose hard rules admit no roster with their people, take
    people who may work there, nearest first, and are solved again; until nothing changes,
    nobody can help, or time is up. Returns the number of rounds.

    - Idle people first: placed nowhere, or with no duty at their site (whose plan stands).
    - Then people on duty at a site with slack: its capacity stays at ``FLOW_HEADROOM`` times
      its demand without them, and they hold no role it needs by a hard rule. That site gives
      one recipient per round and is solved again, from its plan less their duties.
    - A site whose hard role requirement fails wants people with the role (``roles``).

    A move stands only when every site it touches comes back with a plan; otherwise the
    people go back and the old plans stand. ``reach[k]``: (km, person) of everyone who may
    work at site k, nearest first; ``caps``: duties each person can do at most. ``view``: at
    city scale (where ``reach`` holds only the candidate pairs), short sites also reach the
    free people nearest to them from anywhere (:func:`dutyplan.city._free_people_near`).
    """
    from dutyplan import city
    from dutyplan.city import FLOW_HEADROOM

    runner.stage = "repair"
    problem = runner.problem
    person_index = {p.id: i for i, p in enumerate(problem.people)}
    rounds = 0
    tries: dict[int, int] = defaultdict(int)  # repair rounds each site had
    while runner.budget.left() > 2.0:
        unplanned = [k for k in runner.needed_sites() if k not in runner.plans and k not in runner.infeasible]
        if unplanned:  # no plan in their time: once more, with more time
            if not runner.run(runner._shares(unplanned, 0.5)):
                break
            continue
        wants = {k: _missing(plan) for k, plan in runner.plans.items() if _missing(plan) > 0}
        for k in range(len(problem.sites)):  # sites with demand and nobody at all
            if k not in runner.plans and k not in runner.infeasible and demand[k] > 0 and (reach.get(k) or view is not None):
                wants[k] = int(demand[k])
        role_wants = {k: roles.short(k, runner.members(k)) for k in runner.infeasible}
        role_wants = {k: w for k, w in role_wants.items() if w}
        todo = [k for k in dict.fromkeys((*wants, *role_wants)) if tries[k] < REPAIR_TRIES]
        if not todo:
            break
        if view is not None and wants:
            wanted = np.zeros(len(problem.sites))
            wanted[list(wants)] = list(wants.values())
            _reach_more(reach, *city._free_people_near(view, runner.site_of, wanted))
        on_duty = np.zeros(len(problem.people), dtype=bool)
        for plan in runner.plans.values():
            on_duty[[person_index[a.person] for a in plan.assignments]] = True
        capacity = np.bincount(
            runner.site_of[runner.site_of >= 0], weights=caps[runner.site_of >= 0], minlength=len(problem.sites)
        )
        moves: dict[int, list[tuple[int, int]]] = {}  # recipient -> [(person, from site)]
        taken = np.zeros(len(problem.people), dtype=bool)
        gives_to = dict.fromkeys(todo, -1)  # donor -> the one site it gives to (-1: none)
        for k in sorted(todo, key=lambda k: -(wants.get(k, 0) + sum(role_wants.get(k, {}).values()))):
            tries[k] += 1
            need = {None: wants.get(k, 0), **role_wants.get(k, {})}
            got: list[tuple[int, int]] = []
            for idle_pass in (True, False):
                for _, p in reach.get(k, []):
                    if sum(max(0, v) for v in need.values()) <= 0:
                        break
                    j = int(runner.site_of[p])
                    if taken[p] or j == k or caps[p] <= 0:
                        continue
                    helps = [r for r, v in need.items() if v > 0 and (r is None or r in problem.people[p].roles)]
                    if not helps:
                        continue
                    if idle_pass != (j < 0 or not on_duty[p]):
                        continue
                    if not idle_pass and (
                        gives_to.get(j, k) != k
                        or capacity[j] - caps[p] < FLOW_HEADROOM * demand[j]
                        or roles.needs_any(j, problem.people[p].roles)
                    ):
                        continue
                    taken[p] = True
                    got.append((p, j))
                    for r in helps:
                        need[r] -= int(caps[p])
                    if not idle_pass:
                        capacity[j] -= caps[p]
                        gives_to[j] = k
            if got:
                moves[k] = got
        if not moves:
            break
        rounds += 1
        old = {}
        donors: dict[int, set[int]] = {}
        for k, got in moves.items():
            donors[k] = {j for p, j in got if j >= 0 and on_duty[p]}
            for site in (k, *donors[k]):
                old[site] = runner.plans.get(site)
            for p, _ in got:
                runner.site_of[p] = k
        runner.recount()
        hints: dict[int, Plan] = {}
        for k, group in donors.items():
            if runner.plans.get(k) is not None:
                hints[k] = runner.plans[k]
            leaving = {problem.people[p].id for p, j in moves[k] if j in group}
            for j in group:
                kept = [a for a in runner.plans[j].assignments if a.person not in leaving]
                hints[j] = Plan(problem=runner.plans[j].problem, assignments=kept, result=Result(status="feasible"))
        replace = {j for group in donors.values() for j in group}
        logger.info(
            "repair round %d: %d people to %d sites, %d of them from sites with slack", rounds,
            sum(map(len, moves.values())), len(moves), sum(on_duty[p] for got in moves.values() for p, _ in got),
        )
        was_infeasible = runner.infeasible & set(old)
        fresh = runner.run(runner._shares(list(old), 0.5), hints=hints, replace=replace)
        for k, group in donors.items():
            if all(site in fresh for site in (k, *group)):
                continue
            # a site it touches has no new plan: the people go back, the old plans stand
            for p, j in moves[k]:
                runner.site_of[p] = j
            runner.recount()
            for site in (k, *group):
                runner.keep(site, old[site])
                if site in was_infeasible:
                    runner.infeasible.add(site)
        if runner.checkpoint is not None:
            runner.checkpoint.save_site_choice(runner.site_of)
    return rounds


REPAIR_TRIES = 3  # repair rounds a site may take part in as a recipient
EXPLAIN_MOST = 300  # people in a site's local explanation of why its hard rules fail


def _role_holders(view: Any, k: int, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(people, whole km) of everyone with ``role`` who may work at site k, nearest first."""
    from dutyplan import city

    problem = view.problem
    holders = np.array([p for p, person in enumerate(problem.people) if role in person.roles], dtype=np.int64)
    holders = holders[view.caps[holders] > 0] if len(holders) else holders
    if not len(holders):
        return holders, holders
    ok, km = city._admissible(view, holders, np.full(len(holders), k))
    order = np.argsort(km[ok], kind="stable")
    return holders[ok][order], km[ok][order]


def _reach_more(reach: dict[int, list[tuple[int, int]]], people: np.ndarray, sites: np.ndarray, km: np.ndarray) -> None:
    """Add pairs to ``reach`` (each once, nearest first)."""
    touched = set()
    for p, k, d in zip(people.tolist(), sites.tolist(), km.tolist()):
        if k not in touched:
            touched.add(k)
            known = {q for _, q in reach[k]}
        if p not in known:
            reach[k].append((d, p))
            known.add(p)
    for k in touched:
        reach[k].sort()


def _reach_role_holders(reach: dict[int, list[tuple[int, int]]], view: Any, sites: set[int], roles: _RoleNeeds) -> None:
    """Add to ``reach`` everyone with a role that these sites need who may work there (the
    candidate pairs hold only each person's nearest sites)."""
    for k in sites:
        for role in roles.by_site.get(k, {}):
            people, km = _role_holders(view, k, role)
            _reach_more(reach, people, np.full(len(people), k), km)


def _unmet(problem: Problem, view: Any, runner: _SiteRunner, budget: Budget) -> tuple[list[str], bool]:
    """Plain words for each site whose hard rules still admit no roster (it is left
    unstaffed), and whether that proves that no plan of the whole problem keeps every hard
    rule: a hard role requirement that nobody with the role may work at, or one the site
    cannot keep even with every such person (explained locally, as
    :func:`dutyplan.infeasible.explain` does, when they are few and none has a rule that
    forces work)."""
    from dutyplan.infeasible import explain, forces_work

    lines: list[str] = []
    proven = False
    for k in sorted(runner.infeasible):
        site = problem.sites[k]
        required = [
            req for req in problem.rules.roles
            if req.weight is None and (req.sites is None or site.id in req.sites)
        ]
        why = None
        subject: set[int] = set()
        for req in required:
            people, _ = _role_holders(view, k, req.role)
            if not len(people):
                why = (
                    f"it needs {req.count} with role {req.role!r} on duty whenever it is open (a hard "
                    f"rule), and nobody with that role may work there (commute cap, gate roles, availability)"
                )
                proven = True
                break
            subject.update(people.tolist())
        if why is None:
            local = sorted(subject) if required else runner.members(k)
            left = budget.left()
            if local and len(local) <= EXPLAIN_MOST and left > 1.0:
                answer = explain(site_problem(problem, k, local), time_limit=min(10.0, 0.5 * left),
                                 deterministic=budget.deterministic)
                if not answer.feasible and answer.parts:
                    why = "; ".join(part.text for part in answer.parts)
                    proven |= bool(required) and not any(forces_work(problem, p) for p in local)
            if why is None:
                why = "its hard rules admit no roster with the people the decomposition could send there"
                if required:
                    why += f" ({len(subject)} people with the roles it needs may work there)"
        lines.append(f"{site.label} ({site.id}) is left unstaffed: {why}")
    return lines, proven


class _RoleNeeds:
    """Hard role requirements per site, in duties: what a site needs of each role (its open
    shift-equivalents times the count, as the city site choice asks of the flow) and what its
    people bring (their capacity)."""

    def __init__(self, problem: Problem, caps: np.ndarray, view: Any = None) -> None:
        from dutyplan import city

        self.problem, self.caps = problem, caps
        self.need: dict[tuple[int, str], int] = {}
        if any(req.weight is None for req in problem.rules.roles):
            view = view if view is not None else city.city_view(problem)
            self.need = city._role_demand(view, city.FLOW_HEADROOM)
        self.by_site: dict[int, dict[str, int]] = defaultdict(dict)
        for (k, role), need in self.need.items():
            self.by_site[k][role] = need

    def short(self, k: int, members: list[int]) -> dict[str, int]:
        """Duties of each required role site k still wants from people with that role."""
        out = {}
        for role, need in self.by_site.get(k, {}).items():
            have = sum(int(self.caps[p]) for p in members if role in self.problem.people[p].roles)
            if need > have:
                out[role] = need - have
        return out

    def needs_any(self, k: int, roles: list[str]) -> bool:
        """Site k needs one of these roles by a hard rule."""
        return any(role in self.by_site.get(k, {}) for role in roles)


def _polish(problem, site_of, assignments, index, budget, workers, seed, log, params) -> Plan | None:  # noqa: ANN001
    """Small problems: the whole model restricted to the chosen sites, started from the merged
    plan (exact levels, and what time is left to improve it), then bounds of the whole. None
    when there is no memory or no time for that model (the site plans are summed instead)."""
    from dutyplan.solve import solution_from_assignments, solve_model

    allowed = np.zeros((index.n_people, index.n_sites), dtype=bool)
    placed = site_of >= 0
    allowed[np.flatnonzero(placed), site_of[placed]] = True
    postings = int((index.eligible & allowed[:, index.class_site][:, :, None, None]).sum())
    free = available_bytes()
    if free is not None and estimated_peak_bytes(postings) > free:
        logger.info("no memory to build the whole model (%d postings): summing the site plans", postings)
        return None
    if not budget.deterministic and POLISH_COST * estimated_build_seconds(postings) > budget.left():
        logger.info("no time to polish on the whole model (%d postings): summing the site plans", postings)
        return None
    dm = build_model(problem, site_allowed=allowed)
    bound_time = min(0.05 * budget.seconds, 5.0)
    start = solution_from_assignments(dm, assignments, budget.part(max(0.5, budget.left() - bound_time)))
    if start is None:  # cannot happen unless a site plan broke a shared rule (or no time)
        logger.warning("merged site plans are not a solution of the whole model in time")
    plan = solve_model(dm, budget.part(max(0.0, budget.left() - bound_time)), workers, seed, log, params,
                       initial=start, started=budget.started)
    plan.result.build_seconds = round(dm.build_seconds, 4)
    if plan.result.objective is not None:
        improve_bounds(plan, index, budget.part(), workers, restricted=True)
    plan.result.solve_seconds = round(budget.elapsed() - dm.build_seconds, 4)
    return plan


def _city_plan(problem: Problem, view: Any, pairs: Any, runner: _SiteRunner, assignments: list,
               budget: Budget, unmet: tuple[list[str], bool] = ([], False)) -> Plan:
    """Large problems: the levels summed over the site plans (each person works at one site,
    so every level but fairness and unit cohesion is a sum over sites), sites with no plan
    fully uncovered, fairness and unit cohesion over the whole city; bounds from the
    transportation dual (:func:`dutyplan.city.transport_bound`). ``unmet``: the hard rules
    the plan does not keep (see :func:`_unmet`) and whether that is proven unavoidable."""
    from dutyplan import city

    config = problem.objective
    active = [lv for lv in LEVELS if config.weight(lv) > 0 and lv != "changes"]
    values = dict.fromkeys(active, 0)
    for plan in runner.plans.values():
        for lv in plan.result.levels:
            if lv.name in values and lv.name != "fairness":
                values[lv.name] += lv.value
    for gate_class in view.classes:
        if gate_class.site not in runner.plans:
            needed = gate_class.open & (gate_class.need > 0)
            values["cover"] += int((gate_class.need * gate_class.under_weight * needed).sum()) * gate_class.size
    # people in no site plan (placed nowhere, or at a site left without a plan) work nothing,
    # and that can cost too: a wanted shift, a wanted working day, a soft minimum of minutes
    idle = np.ones(len(problem.people), dtype=bool)
    for k in runner.plans:
        idle[runner.site_of == k] = False
    for level, cost in idle_costs(problem, np.flatnonzero(idle).tolist()).items():
        if level in values:
            values[level] += cost
    if "rules" in values and problem.rules.unit_sites_weight:
        values["rules"] += problem.rules.unit_sites_weight * _unit_extra_sites(problem, assignments)
    if "fairness" in values:
        values["fairness"] = fairness_value(problem, assignments, city.could_work(view, pairs))
    bounds = dict.fromkeys(active, 0)
    # the relaxation on the candidates, and on them with the pairs the plan uses (sites that
    # took people from beyond the candidates): each dual is repaired over every admissible
    # pair, so each is a bound, and so is the larger (measured on a 3,717-person district:
    # 45,796 and 45,208 km; on the 74,000-person city the candidates alone cannot cover)
    placed = np.flatnonzero(runner.site_of >= 0)
    more = city.with_pairs(view, pairs, placed, runner.site_of[placed])
    tries = [pairs] if len(more[0]) == len(pairs[0]) else [pairs, more]
    for level, cover_first in (("cover", True), ("commute", False)):
        if level not in values or values[level] <= 0 or (not cover_first and values.get("cover", 0) > 0):
            continue
        for candidates in tries:
            if not budget.expired():
                found = city.transport_bound(view, candidates, cover_first=cover_first)
                bounds[level] = min(values[level], max(bounds[level], found))
    levels = [
        LevelResult(name=lv, value=values[lv], bound=bounds[lv], optimal=values[lv] <= bounds[lv],
                    weight=config.weight(lv))
        for lv in active
    ]
    objective = sum(lv.weight * lv.value for lv in levels)
    best = sum(lv.weight * (lv.bound or 0) for lv in levels)
    proven = all(lv.optimal for lv in levels) and not unmet[0]
    status = "optimal" if proven else "feasible"
    if unmet[0]:  # the plan breaks a hard rule: no plan keeps them all (proven), or none found
        status = "infeasible" if unmet[1] else "unknown"
    result = Result(
        status=status, objective=objective,
        best_bound=objective if proven else best,
        gap=0.0 if proven else round((objective - best) / max(1, abs(objective)), 6),
        mode=config.effective_mode, levels=levels,
        build_seconds=0.0, workers=runner.workers, seed=runner.seed, unmet=unmet[0],
    )
    plan = Plan.build(problem, assignments, result)
    result.solve_seconds = round(budget.elapsed(), 4)
    return plan


def idle_costs(problem: Problem, people: list[int]) -> dict[str, int]:
    """What the rules and preferences of these people cost when they work nothing at all
    (docs/rules.md): a dated shift wanted (its weight), a working day wanted (a ``day_off``
    preference with ``want=False``), a soft ``min_minutes`` (weight x value). Without a
    history nothing else costs with no duty; people with a history (runs, days off and hours
    across the seam) are evaluated on their own one-person model, where they may work nowhere."""
    from dutyplan.solve import evaluate_levels, solution_from_assignments

    totals: dict[str, int] = defaultdict(int)
    for p in people:
        person = problem.people[p]
        if person.history:
            sub = site_problem(problem, 0, [p])  # their own costs only: no site's role rule
            sub = sub.model_copy(update={"rules": sub.rules.model_copy(update={"roles": []})})
            dm = build_model(sub, site_allowed=np.zeros((1, 1), dtype=bool))
            solution = solution_from_assignments(dm, [])
            if solution is None:  # their hard rules fail with no duty: the checker says so
                continue
            for level, value in evaluate_levels(dm, solution).items():
                if level != "cover":
                    totals[level] += value
            continue
        for pref in person.preferences:
            wanted_shift = pref.kind == "shift" and pref.date is not None and pref.want
            wanted_day = pref.kind == "day_off" and not pref.want
            if wanted_shift or wanted_day:
                totals["preferences"] += pref.weight
        minimum = problem.effective_rules(person).min_minutes
        if minimum is not None and minimum.weight is not None:
            totals["rules"] += minimum.weight * minimum.value
    return dict(totals)


def _unit_extra_sites(problem: Problem, assignments: list) -> int:
    unit_of = {p.id: p.unit for p in problem.people}
    sites: dict[str, set[str]] = defaultdict(set)
    for a in assignments:
        unit = unit_of[a.person]
        if unit is not None:
            sites[unit].add(a.site)
    return sum(len(s) - 1 for s in sites.values() if s)


def fairness_value(problem: Problem, assignments: list, could: np.ndarray) -> int:
    """The fairness level of a plan (see :class:`dutyplan.problem.ObjectiveConfig`): ranges over
    the people who could work at all, plus the sum of squared shift counts."""
    config = problem.objective
    position = {p.id: i for i, p in enumerate(problem.people)}
    night = {s.id: s.is_night for s in problem.shift_types}
    minutes = {s.id: s.minutes for s in problem.shift_types}
    n = len(problem.people)
    nights = np.zeros(n, dtype=np.int64)
    weekends = np.zeros(n, dtype=np.int64)
    worked = np.zeros(n, dtype=np.int64)
    shifts = np.zeros(n, dtype=np.int64)
    weekend_of: dict = {}
    for a in assignments:
        p = position[a.person]
        nights[p] += night[a.shift]
        if a.date not in weekend_of:
            weekend_of[a.date] = problem.is_weekend(a.date)
        weekends[p] += weekend_of[a.date]
        worked[p] += minutes[a.shift]
        shifts[p] += 1
    total = config.fairness_shift_squares * int((shifts**2).sum())
    if int(could.sum()) >= 2:
        for weight, values in (
            (config.fairness_nights, nights), (config.fairness_weekends, weekends),
            (config.fairness_minutes, worked),
        ):
            chosen = values[could]
            if weight and chosen.max() > 0:
                total += weight * int(chosen.max() - chosen.min())
    return total
