"""Solve a problem as one model: build it, start it, optimise it, bound it.

The path of every problem small enough for one model (and of every site of a decomposed
one): refuse a model the machine has not the memory for, skip one that cannot be built in
the time left, build it, start from a hint or a plan made person by person, optimise the
levels (:mod:`dutyplan.solver.stages`), then raise the bounds with relaxations of the whole
problem (:mod:`dutyplan.solver.bounds`).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.compile import Index, build_index
from dutyplan.errors import DutyplanError
from dutyplan.model import (
    available_bytes,
    build_model,
    estimated_build_seconds,
    estimated_peak_bytes,
)
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import Problem
from dutyplan.solver import columns, start
from dutyplan.solver.bounds import improve_bounds
from dutyplan.solver.proofs import master_bounds
from dutyplan.solver.stages import LIGHT_PRESOLVE_ABOVE, solution_from_assignments, solve_model

logger = logging.getLogger("dutyplan")

__all__ = ["check_memory", "config_has_commute", "model_fits", "solve_single", "stop_reason"]


def solve_single(
    problem: Problem, budget: Budget, workers: int, seed: int, log: bool = False,
    params: dict[str, Any] | None = None, hint: list[Assignment] | None = None,
    stage_share: dict[str, int] | None = None, index: Index | None = None, roster_columns: bool = True,
) -> Plan:
    """One model of the whole problem, optimised within ``budget``: the plan and how good it is.

    ``hint``: assignments to start from (used when they keep the hard rules); a large model without
    one starts from a plan made person by person (:mod:`dutyplan.solver.start`). A model too
    large for the machine is refused, one too large to build in the time left is not built
    (no plan, status ``unknown``). ``index``: the problem's compiled index, if already built.
    ``roster_columns``: False skips the roster bound and its dive (see :mod:`.columns`).
    """
    started = budget.started
    index = index if index is not None else build_index(problem)
    candidates = int(index.eligible.sum())
    if not model_fits(problem, candidates, budget):
        return Plan(problem=problem.name, result=Result(
            status="unknown", build_seconds=round(budget.elapsed(), 4), mode=problem.objective.effective_mode,
            workers=workers, seed=seed,
        ))
    dm = build_model(problem, index=index)
    dm.build_seconds = time.perf_counter() - started
    # keep a little time for relaxation bounds on commute (see dutyplan.decompose)
    bound_time = 0.0
    if config_has_commute(problem) and len(problem.sites) > 1:
        bound_time = min(timing.SPLITS.commute_bound_share * budget.seconds, timing.SPLITS.commute_bound_most)
    initial = None
    if hint is not None:
        initial = solution_from_assignments(dm, hint, budget.part(timing.SPLITS.hint_share * budget.left()))
        if initial is None:
            logger.info("the hint is not a solution of the model (a hard rule broken, or no "
                        "time to complete it): solving without it")
    logger.info(
        "model built in %.2fs: %d posting variables, %d cost terms",
        dm.build_seconds, len(dm.x_vars), len(dm.terms),
    )
    floors = None
    fallback = None
    if roster_columns and timing.SPLITS.columns_share > 0 and columns.applies(problem) and budget.left() - bound_time > 0.5:
        budget.stop.tell("phase", "roster bound (column generation)")
        # weighted problems of per-person rules and cover: the roster LP bound, then a plan
        # from its columns to start from (see dutyplan.solver.columns)
        found = columns.roster_bound(
            problem, budget.part(timing.SPLITS.columns_share * (budget.left() - bound_time)),
            workers, seed, index=index, give_up=timing.SPLITS.columns_give_up,
        )
        if math.isfinite(found.bound) and found.bound > 0:  # 0 is every weighted objective's bound
            floors = {"weighted": int(found.bound)}
        logger.info(
            "roster columns: bound %s (LP %.2f, %s) from %d columns in %d rounds at %.2fs",
            found.bound, found.lp_value, "optimal" if found.converged else "not optimal",
            found.columns, found.rounds, time.perf_counter() - started,
        )
        if initial is None:
            # a dive first (its plan is often within 1% of the bound), else price and branch
            share = budget.part(timing.SPLITS.columns_dive_share * (budget.left() - bound_time))
            planned = columns.roster_dive(problem, found, share, workers, seed, index=index)
            logger.info("roster dive: %s at %.2fs", "no plan" if planned is None else planned[1],
                        time.perf_counter() - started)
            if planned is None:
                share = budget.part(timing.SPLITS.columns_plan_share * (budget.left() - bound_time))
                planned = columns.roster_plan(problem, found, share, workers, seed, index=index)
            if planned is not None:
                solution = solution_from_assignments(dm, planned[0], budget.part(timing.SPLITS.hint_share * share.seconds))
                # only a start close to the bound: a poor one steers the search badly
                # (measured); it is kept all the same if the search finds nothing better
                if planned[1] <= (1 + timing.SPLITS.columns_start_gap) * max(found.bound, 0):
                    initial = solution
                else:
                    fallback = solution
    if initial is None and len(dm.x_vars) > LIGHT_PRESOLVE_ABOVE:
        if start.applies(problem):
            # large models can be slow to give a first plan (and the whole model's first plan
            # is a poor one): one person at a time, each seeing the cover of those before, is
            # fast however long the horizon (LARGE Timefold set: no gate-shift short after 30 s
            # from this start, 23 short from the whole model's first plan)
            # (without it the one-year Curtois instances 22-24 have no plan at all: give it
            # the time it needs; measured, 120 s was too little for Instance23's 100 people,
            # and Instance24's 150 take 2-3 s each)
            # (see dutyplan.timing: person_start_share, up to person_start_most_share)
            splits = timing.SPLITS
            left = budget.left() - bound_time
            seconds = min(splits.person_start_most_share * left,
                          max(splits.person_start_share * left, left - splits.person_start_model_seconds))
            assignments = start.person_by_person(problem, budget.part(seconds), workers, seed, index=index)
            if assignments is not None:
                left = budget.left() - bound_time
                initial = solution_from_assignments(dm, assignments, budget.part(splits.start_completion_share * left))
            logger.info(
                "person-by-person start %s at %.2fs",
                "used" if initial is not None else "not usable", time.perf_counter() - started,
            )
    stages = budget.part(max(0.05, budget.left() - bound_time))
    plan = solve_model(dm, stages, workers, seed, log, params, initial, stage_share, started=started, floors=floors,
                       fallback=fallback)
    if bound_time:
        # a third of the time for the relaxations, the rest (and what they leave) for the master
        plan = improve_bounds(plan, index, budget.part(budget.left() / 3), workers)
        plan = master_bounds(plan, index, budget.part(), workers, seed)
    # everything after the build: first plans, stages, bounds
    return plan.with_result(solve_seconds=round(time.perf_counter() - started - dm.build_seconds, 4))


def config_has_commute(problem: Problem) -> bool:
    return problem.objective.weight("commute") > 0


def model_fits(problem: Problem, postings: int, budget: Budget) -> bool:
    """Before a model of ``postings`` candidate postings is built: refuse it when the machine
    has not the memory (:func:`check_memory`), and say it does not fit (False) when building
    it would take longer than the budget has left (on the wall clock)."""
    check_memory(problem, postings)
    need = estimated_build_seconds(postings)
    if not budget.deterministic and need > budget.left():
        logger.info(
            "%s: the model of %d candidate postings takes about %.1fs to build, more than the "
            "%.1fs left (give a longer time limit, or plan a shorter horizon)",
            problem.name, postings, need, budget.left(),
        )
        return False
    return True


def check_memory(problem: Problem, postings: int) -> None:
    """Refuse a model this machine has not the memory for, before building it, with the
    estimate and what to change."""
    need, free = estimated_peak_bytes(postings), available_bytes()
    if free is not None and need > free:
        raise DutyplanError(
            f"{problem.name}: the model of {postings} candidate postings (people x gate-shifts "
            f"they may work over horizon.days = {problem.horizon.days}) needs about "
            f"{_size(need)}, more than the {_size(free)} this machine has free: plan a shorter "
            "horizon, or fewer people or sites at once"
        )


def _size(size: float) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e8 else f"{size / 1e6:.0f} MB"


def stop_reason(result: Result, budget: Budget) -> str:
    """Why a solve ended: ``interrupted`` (a stop was requested), ``no improvement`` (no
    better plan for the stall seconds asked for), ``proven`` (every level optimal, or no plan
    can exist), else ``time limit``."""
    if budget.stop.requested:
        return "interrupted"
    if result.status in ("optimal", "infeasible"):
        return "proven"
    if budget.stop.stalled and not budget.expired():  # the last level stalled before the limit
        return "no improvement"
    return "time limit"
