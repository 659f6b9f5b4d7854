"""Solve a problem: build the model, optimise level by level within a time limit, make a plan.

Data flows one way: problem -> model (``dutyplan.model``) -> solution -> plan. The checker
(``dutyplan.checker``) verifies the plan without touching any of this.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, check_solve_arguments, interruptible, run
from dutyplan.errors import DutyplanError
from dutyplan.compile import build_index
from dutyplan.model import (
    DutyModel,
    available_bytes,
    build_model,
    estimated_build_seconds,
    estimated_peak_bytes,
)
from dutyplan.plan import Assignment, LevelResult, Plan, ProgressPoint, Result
from dutyplan.problem import LEVELS, Problem
from dutyplan.writing import writable_directory

logger = logging.getLogger("dutyplan")

# Relative share of the time limit each lexicographic stage gets (unused time rolls over).
STAGE_SHARE = {"cover": 4, "changes": 3, "rules": 2, "preferences": 1, "commute": 2, "fairness": 1, "weighted": 1}


@dataclass
class _Stage:
    name: str
    value: int | None = None
    bound: int | None = None
    optimal: bool = False


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records when solutions arrive and stops a stage once its share of time is used."""

    def __init__(self, floor: int | None) -> None:
        super().__init__()
        self.count = 0
        self.floor = floor  # no solution can be better than this: stop when reached
        self.first_at: float | None = None  # time.perf_counter() of the first solution
        self.points: list[tuple[float, int, int]] = []  # (perf_counter, value, bound)

    def on_solution_callback(self) -> None:
        self.count += 1
        now = time.perf_counter()
        if self.first_at is None:
            self.first_at = now
        bound = int(np.ceil(self.best_objective_bound - 1e-6))
        if self.floor is not None:  # a stage's own bound (e.g. 0) can be better than CP-SAT's
            bound = max(bound, self.floor)
        self.points.append((now, int(round(self.objective_value)), bound))
        if self.floor is not None and self.objective_value <= self.floor + 1e-9:
            self.stop_search()


# Above this many candidate postings (person x gate class x shift instance) ``auto``
# decomposes: choose sites first, then roster (see dutyplan.decompose).
DECOMPOSE_ABOVE = 20_000
# Above this many (person, site) pairs the whole problem is never indexed: the decomposition
# works on flat arrays and sparse candidate sites (see dutyplan.city)
CITY_ABOVE = 50_000
LIGHT_PRESOLVE_ABOVE = 8000  # posting variables; larger models get a light presolve
# posting variables; larger models get dutyplan's neighbourhood search. Measured at 60 s on
# Curtois 10 and 11 (5,600 and 8,400 postings) it cost more than it gained (4971 and 4004
# against 4640 and 3453 without it); on Instance20 (54,600) each of its sub-problems
# improved the plan (11974 at 120 s)
LNS_ABOVE = 20_000
LNS_SHARE = 0.7  # of a stage's time, once CP-SAT's own search has had the rest
LNS_MIN_SECONDS = 4.0  # stages with less time leave it all to CP-SAT
# the least time to complete a plan in hand into a solution of the model (propagation only)
COMPLETION_SECONDS = 0.5


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
) -> Plan:
    """Find the best duty plan within ``time_limit`` seconds of wall clock, model build included.

    ``deterministic``: count the time limit in CP-SAT's deterministic time instead (see
    :mod:`dutyplan.budget`): the same problem, seed and ``workers`` then give the same plan on
    any machine and under any load, decomposed solves included; the wall time is still
    reported. ``workers``: CP-SAT search workers (default: all cores). ``params``: extra
    CP-SAT parameters by name. ``strategy``: ``single`` (one model), ``decompose`` (sites
    first, then rosters, bound from a relaxation) or ``auto`` (decompose above
    ``DECOMPOSE_ABOVE`` candidate postings). Returns a :class:`Plan` whose ``result`` says
    how good it is and why the solve stopped; when no plan exists or none was found in
    time, the plan is empty and ``result.status`` is ``infeasible`` or ``unknown``. ``hint``:
    a plan to start from (used when it satisfies the hard rules; the result is never worse).
    ``stage_share``: relative time per lexicographic level (default :data:`STAGE_SHARE`).

    Ctrl-C (in the main thread) stops the search and returns the best plan found so far
    (``result.stop_reason == "interrupted"``); a second Ctrl-C raises KeyboardInterrupt.
    ``budget``: a :class:`~dutyplan.budget.Budget` to solve within instead of
    ``time_limit`` and ``deterministic`` (its stop request ends the solve early).

    Decomposed solves (see :mod:`dutyplan.decompose`) also take ``executor``, any
    ``concurrent.futures.Executor`` the sites are rostered on (default: a process pool of
    ``workers`` processes; a Dask cluster through ``distributed.Client(...).get_executor()``),
    ``checkpoint_dir``, where finished site plans are kept so that a rerun resumes (see
    :class:`dutyplan.sites.Checkpoint`), and ``progress``: a progress bar (``True``), none
    (``False``) or a function called with a :class:`dutyplan.progress.ProgressState`.
    """
    if budget is None:
        check_solve_arguments(time_limit, workers, seed)
        budget = Budget(time_limit, deterministic)
    else:
        check_solve_arguments(max(budget.seconds, 1e-9), workers, seed)
    if strategy not in ("auto", "single", "decompose"):
        raise DutyplanError(f"strategy must be 'auto', 'single' or 'decompose', got {strategy!r}")
    if checkpoint_dir is not None:
        writable_directory(checkpoint_dir, "checkpoint_dir")
    workers = workers or os.cpu_count() or 1
    with interruptible(budget.stop):
        plan = _solve(problem, budget, workers, seed, log, params, strategy, hint, stage_share,
                      executor, checkpoint_dir, progress)
    result = plan.result
    result.time_limit = budget.seconds
    result.deterministic = budget.deterministic
    result.deterministic_seconds = round(budget.charged, 4)
    result.stop_reason = stop_reason(result, budget)
    return plan


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
    """Why a solve ended: ``interrupted`` (a stop was requested), ``proven`` (every level
    optimal, or no plan can exist), else ``time limit``."""
    if budget.stop.requested:
        return "interrupted"
    if result.status in ("optimal", "infeasible"):
        return "proven"
    return "time limit"


def _solve(
    problem: Problem, budget: Budget, workers: int, seed: int, log: bool, params: dict[str, Any] | None,
    strategy: str, hint: Plan | None, stage_share: dict[str, int] | None, executor: Executor | None,
    checkpoint_dir: str | Path | None, progress: Any,
) -> Plan:
    started = budget.started
    city = len(problem.people) * len(problem.sites) > CITY_ABOVE and len(problem.sites) > 1
    if city and strategy != "single":
        from dutyplan.decompose import solve_decomposed

        logger.info("%d people x %d sites: decomposing at city scale", len(problem.people), len(problem.sites))
        return solve_decomposed(
            problem, budget, workers, seed, log, params, index=None,
            executor=executor, checkpoint_dir=checkpoint_dir, progress=progress,
        )
    index = build_index(problem)
    candidates = int(index.eligible.sum())
    large = candidates > DECOMPOSE_ABOVE and len(problem.sites) > 1
    if strategy == "decompose" or (strategy == "auto" and large):
        from dutyplan.decompose import solve_decomposed

        logger.info("%d candidate postings: choosing sites first", candidates)
        return solve_decomposed(
            problem, budget, workers, seed, log, params, index=index,
            executor=executor, checkpoint_dir=checkpoint_dir, progress=progress,
        )
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
        bound_time = min(0.1 * budget.seconds, 5.0)
    initial = None
    if hint is not None:
        initial = solution_from_assignments(dm, hint.assignments, budget.part(0.5 * budget.left()))
        if initial is None:
            logger.info("the hint is not a solution of the model (a hard rule broken, or no "
                        "time to complete it): solving without it")
    logger.info(
        "model built in %.2fs: %d posting variables, %d cost terms",
        dm.build_seconds, len(dm.x_vars), len(dm.terms),
    )
    if initial is None and len(dm.x_vars) > LIGHT_PRESOLVE_ABOVE:
        from dutyplan import start

        if start.applies(problem):
            # large models can be slow to give a first plan (and the whole model's first plan
            # is a poor one): one person at a time, each seeing the cover of those before, is
            # fast however long the horizon (LARGE Timefold set: no gate-shift short after 30 s
            # from this start, 23 short from the whole model's first plan)
            # (without it the one-year Curtois instances 22-24 have no plan at all: give it
            # the time it needs; measured, 120 s was too little for Instance23's 100 people,
            # and Instance24's 150 take 2-3 s each)
            # (0.6 of the time left, up to 0.8 when that leaves the whole model a minute)
            left = budget.left() - bound_time
            seconds = min(0.8 * left, max(0.6 * left, left - 60.0))
            assignments = start.person_by_person(problem, budget.part(seconds), workers, seed, index=index)
            if assignments is not None:
                left = budget.left() - bound_time
                initial = solution_from_assignments(dm, assignments, budget.part(0.5 * left))
            logger.info(
                "person-by-person start %s at %.2fs",
                "used" if initial is not None else "not usable", time.perf_counter() - started,
            )
    stages = budget.part(max(0.05, budget.left() - bound_time))
    plan = solve_model(dm, stages, workers, seed, log, params, initial, stage_share, started=started)
    if bound_time:
        from dutyplan.decompose import improve_bounds

        improve_bounds(plan, index, budget.part(), workers)
    # everything after the build: first plans, stages, bounds
    plan.result.solve_seconds = round(time.perf_counter() - started - dm.build_seconds, 4)
    return plan


def config_has_commute(problem: Problem) -> bool:
    return problem.objective.weight("commute") > 0


def solve_model(
    dm: DutyModel,
    time_limit: Budget | float,
    workers: int,
    seed: int,
    log: bool = False,
    params: dict[str, Any] | None = None,
    initial: np.ndarray | None = None,
    stage_share: dict[str, int] | None = None,
    started: float | None = None,
    order: list[str] | None = None,
) -> Plan:
    """Optimise an already built model; see :func:`solve`.

    ``order``: the lexicographic order of the levels (default: ``LEVELS``; a re-plan puts
    ``changes`` first once cover is capped, see :mod:`dutyplan.replan`).

    ``time_limit``: a :class:`~dutyplan.budget.Budget`, or wall seconds.
    ``initial``: a complete solution of the model to start from (kept if nothing better).
    With ``initial`` and ``time_limit=0`` the solution is only evaluated. ``started``: the
    ``time.perf_counter()`` of the solve call, which progress times count from (default:
    this call, less the model's build time).
    """
    budget = Budget.of(time_limit)
    shares = {**STAGE_SHARE, **(stage_share or {})}
    problem = dm.index.problem
    config = problem.objective
    mode = config.effective_mode
    weighted = mode == "weighted"
    active = [
        level for level in LEVELS
        if config.weight(level) > 0 and (level != "changes" or dm.uses_level(level))
    ]
    if order is not None:
        active.sort(key=order.index)
    t0 = time.perf_counter()
    origin = started if started is not None else t0 - dm.build_seconds
    solution: np.ndarray | None = initial
    progress: list[ProgressPoint] = []
    first_at: float | None = 0.0 if initial is not None else None
    final_status = "unknown"

    if mode == "weighted":
        stages = [("weighted", sum((config.weight(lv) * dm.level_expr(lv) for lv in active), 0))]
    else:
        stages = [(level, dm.level_expr(level)) for level in active]
    results: dict[str, _Stage] = {name: _Stage(name) for name, _ in stages}
    all_optimal = True

    for i, (name, expr) in enumerate(stages):
        stage = results[name]
        remaining = budget.left()
        # every level is a sum of non-negative costs, so 0 is always a bound too
        trivial = max(0, dm.level_trivial_bound(name)) if mode != "weighted" else None
        if solution is not None:
            levels_here = [name] if mode != "weighted" else active
            current = _scalar(dm, solution, levels_here, config, weighted)
            if i == 0 and initial is not None:  # the plan we start from
                progress.append(ProgressPoint(
                    seconds=round(t0 - origin, 4), stage=name, value=current,
                    bound=trivial if trivial is not None else 0))
            if mode != "weighted" and (current == trivial or not dm.has_level(name)):
                stage.value = stage.bound = current
                stage.optimal = True
                dm.model.add(expr <= current)
                continue
            if remaining <= 0.01:  # no time left: keep the solution in hand
                stage.value, stage.bound, stage.optimal = current, trivial, False
                all_optimal = False
                if mode != "weighted":
                    dm.model.add(expr <= current)
                continue
        # levels with no cost at all take no time: leave them out of the shares
        later = sum(shares[n] for n, _ in stages[i:] if mode == "weighted" or dm.has_level(n))
        share = remaining * shares[name] / max(1, later)
        # large rosters: CP-SAT's own search first (plan and bound), then our neighbourhood
        # search for the rest of the stage's share (see dutyplan.lns)
        lns_seconds = (
            LNS_SHARE * share if len(dm.x_vars) >= LNS_ABOVE and share >= LNS_MIN_SECONDS else 0.0
        )
        charged, began = budget.charged, time.perf_counter()
        status, response, callback = run_stage(
            dm, expr, solution, budget, share - lns_seconds, workers, seed, log, params, trivial
        )
        if callback.first_at is not None and first_at is None:
            first_at = callback.first_at - t0
        # only plans better than the one this stage started from (CP-SAT reports its hint too)
        best = _scalar(dm, solution, levels_here, config, weighted) if solution is not None else None
        for at, value, bound in callback.points:
            if best is None or value < best:
                best = value
                progress.append(
                    ProgressPoint(seconds=round(at - origin, 4), stage=name, value=value, bound=bound)
                )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = np.array(response.solution, dtype=np.int64)
            levels_here = [name] if mode != "weighted" else active
            # lexicographic: a tie on this level keeps the plan better on the levels after it
            later = active[active.index(name):] if mode != "weighted" else [None]

            def key(x: np.ndarray) -> list[int]:
                return [_scalar(dm, x, [lv] if lv else active, config, weighted) for lv in later]

            if solution is None or key(found) <= key(solution):
                solution = found
            stage.value = _scalar(dm, solution, levels_here, config, weighted)
            stage.bound = int(np.ceil(response.best_objective_bound - 1e-6))
            if trivial is not None:
                stage.bound = max(stage.bound, trivial)
            stage.optimal = status == cp_model.OPTIMAL or stage.value <= stage.bound
            # what is left of the stage's share after CP-SAT's own search
            used = budget.charged - charged if budget.deterministic else time.perf_counter() - began
            lns_budget = budget.part(share - used)
            if lns_seconds and not stage.optimal and lns_budget.left() > 1:
                from dutyplan import lns

                bound = stage.bound

                def improved(value: int) -> None:
                    progress.append(ProgressPoint(
                        seconds=round(time.perf_counter() - origin, 4), stage=name, value=value,
                        bound=bound))

                solution, _ = lns.improve(
                    dm, solution, _scalar(dm, solution, levels_here, config, weighted),
                    lns_budget, workers, seed, lns_params(dm, params), accept_ties=weighted,
                    floor=stage.bound, on_improve=improved,
                )
                stage.value = _scalar(dm, solution, levels_here, config, weighted)
                stage.optimal = stage.value <= stage.bound
            all_optimal &= stage.optimal
            if mode != "weighted":
                dm.model.add(expr <= stage.value)
        elif status == cp_model.INFEASIBLE and solution is None:
            final_status = "infeasible"
            break
        elif status == cp_model.MODEL_INVALID:
            raise DutyplanError(f"internal error: CP-SAT says the model is invalid: {response}")
        else:  # unknown: keep what we have
            all_optimal = False
            if solution is None:
                break
            current = _scalar(dm, solution, [name] if mode != "weighted" else active, config, weighted)
            stage.value, stage.bound = current, trivial
            if mode != "weighted":
                dm.model.add(expr <= current)
    solve_seconds = time.perf_counter() - t0

    if solution is None:
        result = Result(
            status=final_status,
            build_seconds=round(dm.build_seconds, 4),
            solve_seconds=round(solve_seconds, 4),
            mode=mode,
            time_limit=budget.seconds,
            workers=workers,
            seed=seed,
        )
        return Plan(problem=problem.name, result=result)

    levels = []
    for level in active:
        value = _evaluate(dm, solution, [level])
        if mode == "weighted":
            bound, optimal = None, all_optimal
        else:
            stage = results[level]
            bound, optimal = stage.bound, stage.optimal
        levels.append(
            LevelResult(name=level, value=value, bound=bound, optimal=optimal, weight=config.weight(level))
        )
    objective = sum(lv.weight * lv.value for lv in levels)
    if mode == "weighted":
        best_bound = results["weighted"].bound
    else:
        best_bound = sum(lv.weight * (lv.bound if lv.bound is not None else 0) for lv in levels)
    if all_optimal:
        best_bound = objective
    gap = (objective - best_bound) / max(1, abs(objective)) if best_bound is not None else None
    result = Result(
        status="optimal" if all_optimal else "feasible",
        objective=objective,
        best_bound=best_bound,
        gap=round(gap, 6) if gap is not None else None,
        build_seconds=round(dm.build_seconds, 4),
        solve_seconds=round(solve_seconds, 4),
        first_plan_seconds=round(first_at, 4) if first_at is not None else None,
        mode=mode,
        levels=levels,
        time_limit=budget.seconds,
        workers=workers,
        seed=seed,
        progress=progress,
    )
    return Plan.build(problem, extract_assignments(dm, solution), result)


def stage_params(
    dm: DutyModel, workers: int, params: dict[str, Any] | None, deterministic: bool = False
) -> dict[str, Any]:
    """CP-SAT parameters of a stage: the caller's, with dutyplan's portfolio and presolve."""
    params = dict(params or {})
    if "subsolvers" not in params:
        # CP-SAT's own small portfolios have no strong LP, so their bounds stay weak. Measured
        # on dutyplan's models: on 2 workers, one on the full linear relaxation plus one
        # core-based; on 1 worker, the full-LP search interleaved with a fast restart search
        # (first plans in a fraction of a second, 4x faster to full cover than either alone).
        # Deterministic runs on 2 workers interleave their search, where the fast restart
        # search has to come first: measured on Shangzhuang at 3 deterministic seconds, full
        # cover (objective 14,462) against 18,060 of cover missing with the LP and the core
        # search alone; on Yuncheng 22,208 against 22,718.
        if workers == 1:
            params["subsolvers"] = ["max_lp", "quick_restart_no_lp"]
            params.setdefault("interleave_search", True)
        elif workers == 2 and deterministic:
            params["subsolvers"] = ["quick_restart_no_lp", "max_lp", "core"]
        elif workers == 2:
            params["subsolvers"] = ["max_lp", "core"]
    if len(dm.x_vars) > LIGHT_PRESOLVE_ABOVE:
        # measured on a 60-person, 14-day district (20,000 postings): full presolve takes
        # 2.6 s of every stage and leaves a plan 37x worse after 5 s than one round
        # without probing (search starts at 0.5 s)
        params.setdefault("max_presolve_iterations", 1)
        params.setdefault("cp_model_probing_level", 0)
    return params


def lns_params(dm: DutyModel, params: dict[str, Any] | None) -> dict[str, Any]:
    """CP-SAT parameters of neighbourhood sub-problems: CP-SAT's own portfolio (they are
    small: first plans and quick proofs matter, not bounds), the caller's parameters."""
    result = {k: v for k, v in (params or {}).items()}
    if len(dm.x_vars) > LIGHT_PRESOLVE_ABOVE:
        result.setdefault("max_presolve_iterations", 1)
        result.setdefault("cp_model_probing_level", 0)
    return result


def run_stage(
    dm: DutyModel,
    expr: Any,
    hint: np.ndarray | None,
    budget: Budget,
    share: float,
    workers: int,
    seed: int,
    log: bool,
    params: dict[str, Any] | None,
    floor: int | None = None,
) -> tuple[int, Any, _Progress]:
    """Minimise ``expr`` on the model from ``hint`` for about ``share`` seconds of ``budget``.

    On the wall clock the search may go on past its share (up to all that is left) until it
    has a plan; in deterministic mode it gets its share, and once more the rest of the budget
    if it found no plan in it. ``floor``: a bound no solution beats (stated as a constraint,
    so CP-SAT proves optimality when it reaches it)."""
    model = dm.model
    model.minimize(expr)
    if floor is not None:
        model.add(expr >= floor)
    model.clear_hints()
    if hint is not None:
        proto = model.proto
        proto.solution_hint.vars.extend(range(len(hint)))
        proto.solution_hint.values.extend(hint.tolist())
    params = stage_params(dm, workers, params, budget.deterministic)
    callback = _Progress(floor)
    tries = [share, None] if budget.deterministic else [None]
    for seconds in tries:
        solver = budget.solver(seconds, workers, seed, params)
        if log:
            solver.parameters.log_search_progress = True
            solver.log_callback = lambda line: logger.info("cp-sat: %s", line)
        if budget.deterministic:
            status = run(solver, model, budget, callback)
        else:
            status = _run_with_watchdog(solver, model, budget, callback, share)
        if callback.count or status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) or budget.expired():
            break
    return status, solver.response_proto, callback


def _run_with_watchdog(
    solver: cp_model.CpSolver, model: cp_model.CpModel, budget: Budget, callback: _Progress, share: float
) -> int:
    """Search until ``share`` seconds have passed and a plan is in hand (or the budget ends)."""
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(share):
            return
        while not done.is_set():
            if callback.count > 0:
                solver.stop_search()
                return
            done.wait(0.05)

    timer = threading.Thread(target=watchdog, daemon=True)
    timer.start()
    try:
        return run(solver, model, budget, callback)
    finally:
        done.set()
        timer.join()


def _scalar(
    dm: DutyModel, solution: np.ndarray, levels: list[str], config: Any, weighted: bool = False
) -> int:
    """Weighted value of some levels in a solution (one level: its plain value, unless
    ``weighted``, as in weighted mode, whose objective is weighted even with one level)."""
    if len(levels) == 1 and not weighted:
        return _evaluate(dm, solution, levels)
    return sum(config.weight(level) * _evaluate(dm, solution, [level]) for level in levels)


def evaluate_levels(dm: DutyModel, solution: np.ndarray) -> dict[str, int]:
    """The value of every level of the model in a complete solution."""
    return {level: _evaluate(dm, solution, [level]) for level in LEVELS}


def _evaluate(dm: DutyModel, solution: np.ndarray, levels: list[str]) -> int:
    total = 0
    for term in dm.terms:
        if term.level not in levels:
            continue
        total += term.coef * (1 if term.var is None else _literal_value(term.var, solution))
    return total


def _literal_value(var: Any, solution: np.ndarray) -> int:
    index = var.index
    if index >= 0:
        return int(solution[index])
    return 1 - int(solution[-index - 1])


def extract_assignments(dm: DutyModel, solution: np.ndarray) -> list[Assignment]:
    """Read postings from the solution and spread each class's people over its gates."""
    ix = dm.index
    problem = ix.problem
    if not len(dm.x_vars):
        return []
    indices = np.array([v.index for v in dm.x_vars], dtype=np.int64)
    chosen = dm.x_keys[solution[indices] == 1]
    dates = problem.dates
    by_slot: dict[tuple[int, int, int], list[int]] = {}
    for p, c, d, s in chosen.tolist():
        by_slot.setdefault((c, d, s), []).append(p)
    assignments = []
    for (c, d, s), people in by_slot.items():
        gate_class = ix.classes[c]
        site = problem.sites[gate_class.site]
        need = int(gate_class.need[d, s])
        shift_id = ix.shift_ids[s]
        start = problem.shift_start(dates[d], shift_id)
        end = problem.shift_end(dates[d], shift_id)
        for rank, p in enumerate(sorted(people)):
            if need and rank < need * gate_class.size:
                g = rank // need
            else:  # extras, spread round robin
                g = (rank - need * gate_class.size) % gate_class.size
            gate = site.gates[gate_class.gates[g]]
            assignments.append(
                Assignment(
                    person=problem.people[p].id,
                    date=dates[d],
                    shift=shift_id,
                    start=start,
                    end=end,
                    site=site.id,
                    gate=gate.id,
                )
            )
    return assignments


def solution_from_assignments(
    dm: DutyModel, assignments: list[Assignment], time_limit: Budget | float = 60.0
) -> np.ndarray | None:
    """A complete solution of ``dm`` whose postings are exactly ``assignments``.

    None when an assignment has no posting variable (not admissible), when the postings
    break a hard rule, or when the completion does not finish within ``time_limit`` (a
    :class:`~dutyplan.budget.Budget` or wall seconds). Auxiliary variables are completed by a
    (propagation-only) solve, which a stop request does not interrupt.
    """
    budget = Budget.of(time_limit)
    chosen = np.zeros(len(dm.x_vars), dtype=bool)
    for a in assignments:
        row = dm.posting(a)
        if row < 0:
            return None
        chosen[row] = True
    model = dm.model.clone()
    for var, value in zip(dm.x_vars, chosen.tolist()):
        model.add(model.get_bool_var_from_proto_index(var.index) == int(value))
    model.clear_objective()
    # at least a little time, even when the budget is spent (a stop request): the plan in
    # hand is worth completing
    solver = Budget(max(COMPLETION_SECONDS, budget.left()), budget.deterministic).solver()
    status = run(solver, model, budget, stoppable=False)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array(solver.response_proto.solution, dtype=np.int64)
