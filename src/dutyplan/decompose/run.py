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
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.compile import Index, person_capacity, site_demand, site_options
from dutyplan.decompose import city
from dutyplan.decompose.choice import choose_sites
from dutyplan.decompose.merge import END_SECONDS, END_SECONDS_PER_GATE_SHIFT, city_plan, polish
from dutyplan.decompose.repair import RoleNeeds, reach_role_holders, repair, unmet
from dutyplan.decompose.runner import SiteRunner
from dutyplan.decompose.sites import Checkpoint
from dutyplan.plan import Plan, ProgressPoint
from dutyplan.problem import Problem
from dutyplan.progress import make_progress
from dutyplan.solver.bounds import headroom

logger = logging.getLogger("dutyplan")


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
    is treated at city scale (:mod:`dutyplan.decompose.city`: min-cost-flow site choice, levels summed
    over sites, bound from the transportation dual). ``executor``: where sites are rostered
    (default: a process pool of ``workers`` processes). ``checkpoint_dir``: finished work is
    kept there and taken back by a rerun (see :class:`dutyplan.decompose.sites.Checkpoint`).
    ``progress``: see :func:`dutyplan.progress.make_progress`. ``time_limit``: a
    :class:`~dutyplan.budget.Budget` (it may have begun before this call) or wall seconds.
    """
    budget = Budget.of(time_limit)
    splits = timing.SPLITS  # the fixed shares of the time (see dutyplan.timing)
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
            choice = budget.part(min(splits.site_choice_share * budget.seconds, splits.site_choice_most))
            site_of, found = choose_sites(index, choice, workers, seed)
            info.update(found)
    else:
        view = city.city_view(problem)
        pairs = city.candidate_pairs(view)
        options = None
        km_of = None
        logger.info("city view and %d candidate pairs at %.2fs", len(pairs[0]), time.perf_counter() - t0)
        if site_of is None:
            site_of, found = city.flow_site_choice(view, pairs, headroom(int(view.caps.sum()), view.total_demand))
            info.update(found)
    if checkpoint is not None and not info["resumed"]:
        checkpoint.save_site_choice(site_of)
    logger.info("sites chosen at %.2fs: %s", time.perf_counter() - t0, info)

    # time kept for the end: merging, evaluating, bounds (measured shares, see benchmarks),
    # and at least what the plan's figures take to build (one per gate-shift needing people)
    # the polish's bounds, which come last, need full cover: the sites keep their time for
    # them once every site is covered (see SiteRunner.improve), and may use it while short
    bound_reserve = 0.0
    if index is not None:
        reserve = min(splits.end_share * budget.seconds, splits.end_most)
        bound_reserve = min(splits.polish_bound_share * budget.seconds, splits.polish_bound_most)
    else:
        reserve = min(splits.city_end_share * budget.seconds, splits.city_end_most)
    gate_shifts = sum(int((c.open & (c.need > 0)).sum()) * c.size for c in (index or view).classes)
    reserve = max(reserve, END_SECONDS + gate_shifts * END_SECONDS_PER_GATE_SHIFT)
    runner = SiteRunner(
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
    roles = RoleNeeds(problem, caps, view)
    try:
        # the first round leaves time for repair rounds and for improving unproven sites
        runner.first_round(fraction=splits.first_round_share)
        if runner.infeasible and index is None:  # role holders from anywhere within reach
            reach_role_holders(reach, view, runner.infeasible, roles)
        rounds = repair(runner, reach, caps, demand, roles, view)
        runner.improve(keep=bound_reserve)
    except BaseException:  # a second Ctrl-C (or an error): do not wait for the jobs
        runner.close(abort=True)
        raise
    runner.close()
    bar.update(len(problem.sites), runner.people_placed(), runner.uncovered(), stage="merging")
    assignments = [a for k in sorted(runner.plans) for a in runner.plans[k].assignments]
    unkept: tuple[list[str], bool] = ([], False)  # hard rules the plan does not keep, proven?
    if runner.infeasible:
        view = view if view is not None else city.city_view(problem)
        unkept = unmet(problem, view, runner, budget)
        for line in unkept[0]:
            logger.warning("%s", line)
    plan = None
    if index is not None and not runner.infeasible:
        plan = polish(problem, runner.site_of, assignments, index, budget, workers, seed, log, params)
        # never lose the merged plan: evaluate it as a city (the restricted model can be
        # infeasible where the whole problem is not, e.g. a site given nobody with a role)
        if plan is not None and plan.result.objective is None:
            logger.warning("the whole model gave no plan in its time: summing the site plans instead")
            plan = None
    if plan is None:
        view = view if view is not None else city.city_view(problem)
        pairs = pairs if pairs is not None else city.candidate_pairs(view)
        plan = city_plan(problem, view, pairs, runner, assignments, budget, unkept)
    plan = plan.with_result(mode=f"{plan.result.mode}, decomposed", first_plan_seconds=runner.first_plan_at,
                            time_limit=budget.seconds)
    if not plan.result.progress and plan.result.objective is not None:
        # summed site plans: no search over the whole to follow; the plan and bound it ends with
        plan = plan.with_result(progress=[ProgressPoint(
            seconds=round(budget.elapsed(), 4), stage="sites first", value=plan.result.objective,
            bound=plan.result.best_bound if plan.result.best_bound is not None else 0)])
    logger.info(
        "decomposed: %d sites rostered (%d resumed), %d repair rounds, objective %s, bound %s at %.2fs",
        len(runner.plans), runner.resumed, rounds, plan.result.objective, plan.result.best_bound,
        time.perf_counter() - t0,
    )
    # the end: people with duties in the plan (while rostering, people posted to sites done)
    bar.update(len(problem.sites), plan.people_on_duty, len(plan.uncovered), stage="done")
    bar.close()
    return plan


