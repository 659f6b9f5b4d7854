"""The end of a decomposed solve: one plan of the whole problem, its figures and bounds.

Small problems polish the merged site plans on the whole model restricted to the chosen sites
(:func:`polish`: exact levels, what time is left to improve them, bounds of the whole); large
ones sum the site plans' levels (:func:`city_plan`: every person works at one site, so every
level but fairness and unit cohesion is a sum over sites), count what working nothing costs
people in no site plan (:func:`idle_costs`), compute fairness over the whole plan and take the
bound from the transportation dual (:func:`dutyplan.decompose.city.transport_bound`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.compile import site_problem
from dutyplan.decompose import city
from dutyplan.decompose.runner import SiteRunner
from dutyplan.model import (
    available_bytes,
    build_model,
    estimated_build_seconds,
    estimated_peak_bytes,
)
from dutyplan.plan import LevelResult, Plan, Result
from dutyplan.problem import LEVELS, Problem
from dutyplan.solver.bounds import improve_bounds
from dutyplan.solver.proofs import master_bounds
from dutyplan.solver.stages import evaluate_levels, solution_from_assignments, solve_model

logger = logging.getLogger("dutyplan")

__all__ = [
    "END_SECONDS", "END_SECONDS_PER_GATE_SHIFT", "POLISH_COST", "city_plan", "fairness_value",
    "idle_costs", "polish", "unit_extra_sites",
]


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


def polish(problem, site_of, assignments, index, budget, workers, seed, log, params) -> Plan | None:  # noqa: ANN001
    """Small problems: the whole model restricted to the chosen sites, started from the merged
    plan (exact levels, and what time is left to improve it), then bounds of the whole. None
    when there is no memory or no time for that model (the site plans are summed instead)."""
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
    bound_time = min(timing.SPLITS.polish_bound_share * budget.seconds, timing.SPLITS.polish_bound_most)
    start = solution_from_assignments(dm, assignments, budget.part(max(0.5, budget.left() - bound_time)))
    if start is None:  # cannot happen unless a site plan broke a shared rule (or no time)
        logger.warning("merged site plans are not a solution of the whole model in time")
    plan = solve_model(dm, budget.part(max(0.0, budget.left() - bound_time)), workers, seed, log, params,
                       initial=start, started=budget.started)
    if plan.result.objective is not None:
        # a third of the time for the relaxations, the rest (and what they leave) for the master
        plan = improve_bounds(plan, index, budget.part(budget.left() / 3), workers, restricted=True)
        plan = master_bounds(plan, index, budget.part(), workers, seed)
    return plan.with_result(build_seconds=round(dm.build_seconds, 4),
                            solve_seconds=round(budget.elapsed() - dm.build_seconds, 4))


def city_plan(problem: Problem, view: Any, pairs: Any, runner: SiteRunner, assignments: list,
               budget: Budget, unmet: tuple[list[str], bool] = ([], False)) -> Plan:
    """Large problems: the levels summed over the site plans (each person works at one site,
    so every level but fairness and unit cohesion is a sum over sites), sites with no plan
    fully uncovered, fairness and unit cohesion over the whole city; bounds from the
    transportation dual (:func:`dutyplan.decompose.city.transport_bound`). ``unmet``: the hard rules
    the plan does not keep (see :func:`_unmet`) and whether that is proven unavoidable."""
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
        values["rules"] += problem.rules.unit_sites_weight * unit_extra_sites(problem, assignments)
    could = city.could_work(view, pairs) if {"fairness", "preferences"} & set(values) else None
    if "fairness" in values:
        values["fairness"] = fairness_value(problem, assignments, could)
    bounds = dict.fromkeys(active, 0)
    # the transportation LP over every admissible pair, by column generation from the
    # candidates and the pairs the plan uses (sites that took people from beyond the
    # candidates: a start nearer the LP's optimum)
    placed = np.flatnonzero(runner.site_of >= 0)
    start = city.with_pairs(view, pairs, placed, runner.site_of[placed])
    weighted = config.effective_mode == "weighted"
    for level, cover_first in (("cover", True), ("commute", False)):
        # on commute, given the plan's full cover: a bound of the level in lexicographic mode
        # only (a weighted plan may trade cover for km: see the joint bound below)
        if level not in values or values[level] <= 0 or (not cover_first and (weighted or values.get("cover", 0) > 0)):
            continue
        if not budget.expired():
            found = city.transport_bound(view, start, cover_first=cover_first, budget=budget)
            bounds[level] = min(values[level], max(bounds[level], found))
    # preferences and fairness over the cells (dates x shifts), given full cover: bounds of the
    # levels in lexicographic mode, once the plan's cover is 0 (see dutyplan.decompose.city.levels)
    if not weighted and values.get("cover", 0) == 0 and could is not None:
        for level, bound_of in (("preferences", city.preference_bound), ("fairness", city.fairness_bound)):
            if values.get(level, 0) > 0 and not budget.expired():
                bounds[level] = min(values[level], bound_of(view, could))
    joint = 0  # weighted: cover and commute together, misses at their weighted cost
    if weighted and values.get("commute", 0) > 0 and not budget.expired():
        joint = city.transport_bound(view, start, cover_first=False, budget=budget,
                                     weights=(config.weight("cover"), config.weight("commute")))
    levels = [
        LevelResult(name=lv, value=values[lv], bound=bounds[lv], optimal=values[lv] <= bounds[lv],
                    weight=config.weight(lv))
        for lv in active
    ]
    objective = sum(lv.weight * lv.value for lv in levels)
    best = sum(lv.weight * (lv.bound or 0) for lv in levels)
    rest = sum(lv.weight * (lv.bound or 0) for lv in levels if lv.name not in ("cover", "commute"))
    best = max(best, min(objective, joint + rest))
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
    return plan.with_result(solve_seconds=round(budget.elapsed(), 4))


def idle_costs(problem: Problem, people: list[int]) -> dict[str, int]:
    """What the rules and preferences of these people cost when they work nothing at all
    (docs/rules.md): a dated shift wanted (its weight), a working day wanted (a ``day_off``
    preference with ``want=False``), a soft ``min_minutes`` (weight x value). Without a
    history nothing else costs with no duty; people with a history (runs, days off and hours
    across the seam) are evaluated on their own one-person model, where they may work nowhere."""
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


def unit_extra_sites(problem: Problem, assignments: list) -> int:
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
