"""Solve a problem: the one call behind ``dutyplan.solve`` and ``dutyplan solve``.

It checks the arguments, makes the budget (wall clock or deterministic time) and the Ctrl-C
handling, and chooses the path: one model (:mod:`dutyplan.solver`), or sites first
(:mod:`dutyplan.decompose`) for large problems. Data flows one way: problem -> compiled
arrays (:mod:`dutyplan.compile`) -> model (:mod:`dutyplan.model`) -> solution -> plan; the
checker (:mod:`dutyplan.checker`) verifies the plan without touching any of this.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dutyplan.budget import Budget, Stop, check_solve_arguments, check_stall, interruptible
from dutyplan.compile import build_index
from dutyplan.decompose import solve_decomposed
from dutyplan.errors import DutyplanError, ProblemError
from dutyplan.plan import Plan
from dutyplan.problem import Problem
from dutyplan.progress import LiveSolve, make_live
from dutyplan.solver import solve_single, stop_reason, windows
from dutyplan.writing import writable_directory

logger = logging.getLogger("dutyplan")


# Above this many candidate postings (person x gate class x shift instance) ``auto``
# decomposes: choose sites first, then roster (see dutyplan.decompose).
DECOMPOSE_ABOVE = 20_000
# Above this many (person, site) pairs the whole problem is never indexed: the decomposition
# works on flat arrays and sparse candidate sites (see dutyplan.decompose.city)
CITY_ABOVE = 50_000


def solve(
    problem: Problem,
    time_limit: float = 30.0,
    workers: int | None = None,
    seed: int = 0,
    log: bool = False,
    params: dict[str, Any] | None = None,
    strategy: str = "auto",
    hint: Plan | None = None,
    stage_share: dict[str, int] | None = None,
    executor: Executor | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Any = True,
    deterministic: bool = False,
    budget: Budget | None = None,
    no_improvement: float | None = None,
) -> Plan:
    """Find the best duty plan within ``time_limit`` seconds of wall clock, model build included.

    ``deterministic``: count the time limit in CP-SAT's deterministic time instead (see
    :mod:`dutyplan.budget`): the same problem, seed and ``workers`` then give the same plan on
    any machine and under any load, decomposed solves included; the wall time is still
    reported. ``workers``: CP-SAT search workers (default: all cores). ``params``: extra
    CP-SAT parameters by name. ``strategy``: ``single`` (one model), ``decompose`` (sites
    first, then rosters, bound from a relaxation) or ``auto`` (decompose above
    ``DECOMPOSE_ABOVE`` candidate postings; a horizon longer than
    ``solver.windows.WINDOWS_ABOVE_DAYS`` days with more than ``WINDOWS_ABOVE_POSTINGS`` and
    no site to keep, four weeks at a time). Returns a :class:`Plan` whose ``result`` says
    how good it is and why the solve stopped; when no plan exists or none was found in
    time, the plan is empty and ``result.status`` is ``infeasible`` or ``unknown``. ``hint``:
    a plan to start from (used when it satisfies the hard rules; the result is never worse).
    ``stage_share``: relative time per lexicographic level (default
    :attr:`dutyplan.timing.TimeSplits.stage_shares`).

    Ctrl-C (in the main thread) stops the search and returns the best plan found so far
    (``result.stop_reason == "interrupted"``); a second Ctrl-C raises KeyboardInterrupt.
    ``no_improvement``: a level whose search finds no better plan for that many wall seconds
    ends there and the next level begins with the time left; when the last level stalls the
    solve ends early (``result.stop_reason == "no improvement"``). It applies to the
    searches this process runs (one model, the merge of a decomposed solve), not to site jobs
    on an executor, and cannot be combined with ``deterministic`` (a deterministic run stops
    by its time limit alone).
    ``budget``: a :class:`~dutyplan.budget.Budget` to solve within instead of
    ``time_limit`` and ``deterministic`` (its stop request ends the solve early).

    Decomposed solves (see :mod:`dutyplan.decompose`) also take ``executor``, any
    ``concurrent.futures.Executor`` the sites are rostered on (default: a process pool of
    ``workers`` processes; a Dask cluster through ``distributed.Client(...).get_executor()``),
    ``checkpoint_dir``, where finished site plans are kept so that a rerun resumes (see
    :class:`dutyplan.decompose.sites.Checkpoint`), and ``progress``: a progress bar (``True``), none
    (``False``) or a function called with a :class:`dutyplan.progress.ProgressState`.
    """
    if no_improvement is not None:
        check_stall(no_improvement, deterministic or (budget is not None and budget.deterministic))
    if budget is None:
        check_solve_arguments(time_limit, workers, seed)
        budget = Budget(time_limit, deterministic, Stop(stall=no_improvement))
    else:
        check_solve_arguments(max(budget.seconds, 1e-9), workers, seed)
        if no_improvement is not None:
            budget.stop.stall = no_improvement
    if strategy not in ("auto", "single", "decompose"):
        raise DutyplanError(f"strategy must be 'auto', 'single' or 'decompose', got {strategy!r}")
    if checkpoint_dir is not None:
        writable_directory(checkpoint_dir, "checkpoint_dir")
    workers = workers or os.cpu_count() or 1
    with interruptible(budget.stop):
        plan = _solve(problem, budget, workers, seed, log, params, strategy, hint, stage_share,
                      executor, checkpoint_dir, progress)
    return plan.with_result(
        time_limit=budget.seconds, deterministic=budget.deterministic,
        deterministic_seconds=round(budget.charged, 4), stop_reason=stop_reason(plan.result, budget),
    )


def _solve(
    problem: Problem, budget: Budget, workers: int, seed: int, log: bool, params: dict[str, Any] | None,
    strategy: str, hint: Plan | None, stage_share: dict[str, int] | None, executor: Executor | None,
    checkpoint_dir: str | Path | None, progress: Any,
) -> Plan:
    """One model, or sites first: by ``strategy`` and the problem's size."""
    if problem.households:
        # caseloads tie people across sites and dates: one model of the whole problem
        if strategy == "decompose":
            raise ProblemError(
                f"households: {len(problem.households)} households under watch are planned in one "
                "model of the whole problem; use strategy 'auto' or 'single' (not 'decompose')",
                [("households", "planned by the single model only")],
            )
        logger.info("%d households under watch: one model of the whole problem", len(problem.households))
        first = hint.assignments if hint is not None else None
        with live_solve(progress, budget, log):
            return solve_single(problem, budget, workers, seed, log, params, first, stage_share)
    city = len(problem.people) * len(problem.sites) > CITY_ABOVE and len(problem.sites) > 1
    if city and strategy != "single":
        logger.info("%d people x %d sites: decomposing at city scale", len(problem.people), len(problem.sites))
        return solve_decomposed(
            problem, budget, workers, seed, log, params, index=None,
            executor=executor, checkpoint_dir=checkpoint_dir, progress=progress,
        )
    index = build_index(problem)
    candidates = int(index.eligible.sum())
    large = candidates > DECOMPOSE_ABOVE and len(problem.sites) > 1
    if strategy == "decompose" or (strategy == "auto" and large):
        logger.info("%d candidate postings: choosing sites first", candidates)
        return solve_decomposed(
            problem, budget, workers, seed, log, params, index=index,
            executor=executor, checkpoint_dir=checkpoint_dir, progress=progress,
        )
    with live_solve(progress, budget, log):
        if strategy == "auto" and hint is None and windows.applies(problem, candidates):
            logger.info("%d days: planning %d-day windows", problem.horizon.days, windows.KEEP_DAYS)
            plan = windows.solve_windows(problem, budget, workers, seed, log, params, index=index)
            if plan.result.status != "unknown" or budget.expired():
                return plan
            logger.info("the windows gave no plan: the whole model with the %.1fs left", budget.left())
        first = hint.assignments if hint is not None else None
        return solve_single(problem, budget, workers, seed, log, params, first, stage_share, index=index)


@contextmanager
def live_solve(progress: Any, budget: Budget, log: bool) -> Iterator[LiveSolve]:
    """Show the solve of one model live (:class:`dutyplan.progress.LiveSolve`) while the block
    runs; nothing with ``progress`` False, or with ``log`` (CP-SAT's own lines go to stderr)."""
    live = make_live(False if log else progress, budget.seconds)
    budget.stop.live = live
    try:
        yield live
    finally:
        budget.stop.live = None
        live.close()
