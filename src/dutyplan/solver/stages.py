"""One model, optimised level by level within a budget: the lexicographic (or weighted)
stages, and moving between plans and solutions of the model.

:func:`solve_model` optimises an already built model: each level in turn, from the plan in
hand, within a share of the budget (unused time rolls over), each level then capped at the
value reached, so the best plan found is never lost; large models get neighbourhood search
(:mod:`dutyplan.solver.lns`) in each stage. :func:`extract_assignments` reads a plan from a
solution, and :func:`solution_from_assignments` completes a plan into a solution.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan import timing
from dutyplan.budget import Budget, Stop, run
from dutyplan.errors import DutyplanError
from dutyplan.compile.index import Index
from dutyplan.model import DutyModel
from dutyplan.plan import Assignment, LevelResult, Plan, ProgressPoint, Result
from dutyplan.problem import LEVELS
from dutyplan.solver import aggregate, lns, proofs

logger = logging.getLogger("dutyplan")

__all__ = [
    "LIGHT_PRESOLVE_ABOVE", "evaluate_levels",
    "extract_answers", "extract_assignments", "run_stage", "scalar_value", "solution_from_assignments", "solve_model", "stage_params",
]


@dataclass
class _Stage:
    name: str
    value: int | None = None
    bound: int | None = None
    optimal: bool = False


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records when solutions arrive and stops a stage once its share of time is used."""

    def __init__(self, floor: int | None, stop: Stop | None = None) -> None:
        super().__init__()
        self.count = 0
        self.floor = floor  # no solution can be better than this: stop when reached
        self.stop = stop  # told of every better plan (its stall clock starts again)
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
        value = int(round(self.objective_value))
        if self.stop is not None and (not self.points or value < self.points[-1][1]):
            self.stop.improved()
            self.stop.tell("solution", value, bound)
        self.points.append((now, value, bound))
        if self.floor is not None and self.objective_value <= self.floor + 1e-9:
            self.stop_search()


LIGHT_PRESOLVE_ABOVE = 8000  # posting variables; larger models get a light presolve


# posting variables; larger models get dutyplan's neighbourhood search. Measured at 60 s on
# Curtois 10 and 11 (5,600 and 8,400 postings) it cost more than it gained (4971 and 4004
# against 4640 and 3453 without it); on Instance20 (54,600) each of its sub-problems
# improved the plan (11974 at 120 s)
LNS_ABOVE = 20_000








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
    floors: dict[str, int] | None = None,
    fallback: np.ndarray | None = None,
) -> Plan:
    """Optimise an already built model; see :func:`solve`.

    ``floors``: lower bounds known from elsewhere per stage (a level, or ``weighted``; e.g.
    the roster column generation's), which the stage proves optimality against.

    ``order``: the lexicographic order of the levels (default: ``LEVELS``; a re-plan puts
    ``changes`` first once cover is capped, see :mod:`dutyplan.replan`).

    ``time_limit``: a :class:`~dutyplan.budget.Budget`, or wall seconds.
    ``initial``: a complete solution of the model to start from (kept if nothing better).
    ``fallback``: a complete solution kept if the search finds nothing better, but not handed
    to it as a start (a plan too far from the bound steers CP-SAT badly; weighted mode only).
    With ``initial`` and ``time_limit=0`` the solution is only evaluated. ``started``: the
    ``time.perf_counter()`` of the solve call, which progress times count from (default:
    this call, less the model's build time).
    """
    budget = Budget.of(time_limit)
    shares = {**timing.SPLITS.stage_shares, **(stage_share or {})}
    problem = dm.index.problem
    config = problem.objective
    if fallback is not None and config.effective_mode != "weighted":
        raise ValueError("solve_model: a fallback solution is for the weighted mode only")
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
    first_at: float | None = 0.0 if initial is not None or fallback is not None else None
    final_status = "unknown"

    if mode == "weighted":
        stages = [("weighted", sum((config.weight(lv) * dm.level_expr(lv) for lv in active), 0))]
    else:
        stages = [(level, dm.level_expr(level)) for level in active]
    results: dict[str, _Stage] = {name: _Stage(name) for name, _ in stages}
    all_optimal = True
    master: aggregate.Aggregate | None | bool = None  # built once cover is 0 (False: does not apply)

    for i, (name, expr) in enumerate(stages):
        stage = results[name]
        budget.stop.tell("stage", name, i + 1, len(stages))
        if solution is not None:  # the plan in hand, valued on this level
            budget.stop.tell("solution", scalar_value(
                dm, solution, [name] if mode != "weighted" else active, config, weighted), None)
        remaining = budget.left()
        # levels with no cost at all take no time: leave them out of the shares
        later = sum(shares[n] for n, _ in stages[i:] if mode == "weighted" or dm.has_level(n))
        share = remaining * shares[name] / max(1, later)
        # every level is a sum of non-negative costs, so 0 is always a bound too
        trivial = max(0, dm.level_trivial_bound(name)) if mode != "weighted" else None
        known = floors.get(name) if floors else None  # not stated in the model (run_stage)
        if trivial is not None and name in aggregate.LEVELS and dm.has_level(name) and proof_share(name) > 0:
            held = {n: results[n].value for n, _ in stages[:i] if results[n].value is not None}
            if master is None and (name == "cover" or held.get("cover") == 0):
                small = len(dm.x_vars) <= proofs.MOST_POSTINGS
                master = (aggregate.Aggregate.of(dm.index) if small else None) or False
            if master:
                proof, proved = proofs.prove_level(
                    master, dm, name, held, solution,
                    budget.part(proof_share(name) * share), workers, seed,
                    stage_params(dm, workers, params, budget.deterministic),
                )
                trivial = max(trivial, proof if proof is not None else 0)
                if proved is not None:
                    solution = proved
                    value = scalar_value(dm, solution, [name], config)
                    if first_at is None:
                        first_at = time.perf_counter() - t0
                    progress.append(ProgressPoint(
                        seconds=round(time.perf_counter() - origin, 4), stage=name, value=value, bound=trivial))
        best_known = max((b for b in (trivial, known) if b is not None), default=None)
        budget.stop.tell("bound", best_known)
        if i == 0 and initial is not None:  # the plan we start from
            progress.append(ProgressPoint(
                seconds=round(t0 - origin, 4), stage=name,
                value=scalar_value(dm, initial, [name] if mode != "weighted" else active, config, weighted),
                bound=best_known if best_known is not None else 0))
        # weighted mode is one stage: the fallback is a plan in hand from its start
        held_back = scalar_value(dm, fallback, active, config, weighted) if fallback is not None else None
        if held_back is not None and (
            solution is None or held_back < scalar_value(dm, solution, active, config, weighted)
        ):
            progress.append(ProgressPoint(
                seconds=round(t0 - origin, 4), stage=name, value=held_back,
                bound=best_known if best_known is not None else 0))
            if remaining <= 0.01 or (known is not None and held_back <= known):
                solution = fallback  # no time to search, or nothing to search for
        if solution is not None:
            levels_here = [name] if mode != "weighted" else active
            current = scalar_value(dm, solution, levels_here, config, weighted)
            budget.stop.tell("solution", current, best_known)
            if known is not None and current <= known:
                stage.value = stage.bound = current
                stage.optimal = True
                if mode != "weighted":
                    dm.model.add(expr <= current)
                continue
            if mode != "weighted" and (current == trivial or not dm.has_level(name)):
                stage.value = stage.bound = current
                stage.optimal = True
                dm.model.add(expr <= current)
                continue
            if remaining <= 0.01:  # no time left: keep the solution in hand
                stage.value, stage.bound, stage.optimal = current, best_known, False
                all_optimal = False
                if mode != "weighted":
                    dm.model.add(expr <= current)
                continue
        share = budget.left() * shares[name] / max(1, later)  # less what the proof used
        # large rosters: CP-SAT's own search first (plan and bound), then our neighbourhood
        # search for the rest of the stage's share (see dutyplan.solver.lns)
        # (one worker has no neighbourhood search of CP-SAT's own: ours from a smaller size)
        lns_from, lns_least = (
            (LIGHT_PRESOLVE_ABOVE, timing.SPLITS.lns_least_seconds_one_worker) if workers == 1
            else (LNS_ABOVE, timing.SPLITS.lns_least_seconds)
        )
        lns_seconds = (
            timing.SPLITS.lns_share * share if len(dm.x_vars) >= lns_from and share >= lns_least else 0.0
        )
        charged, began = budget.charged, time.perf_counter()
        status, response, callback = run_stage(
            dm, expr, solution, budget, share - lns_seconds, workers, seed, log, params, trivial, known
        )
        if callback.first_at is not None and first_at is None:
            first_at = callback.first_at - t0
        # only plans better than the one this stage started from (CP-SAT reports its hint too)
        best = scalar_value(dm, solution, levels_here, config, weighted) if solution is not None else None
        if held_back is not None and (best is None or held_back < best):
            best = held_back
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
                return [scalar_value(dm, x, [lv] if lv else active, config, weighted) for lv in later]

            if solution is None or key(found) <= key(solution):
                solution = found
            if fallback is not None and key(fallback) < key(solution):
                solution = fallback  # before the neighbourhood search, which improves it
            stage.value = scalar_value(dm, solution, levels_here, config, weighted)
            stage.bound = int(np.ceil(response.best_objective_bound - 1e-6))
            for floor in (trivial, known):
                if floor is not None:
                    stage.bound = max(stage.bound, floor)
            stage.optimal = status == cp_model.OPTIMAL or stage.value <= stage.bound
            # what is left of the stage's share after CP-SAT's own search
            used = budget.charged - charged if budget.deterministic else time.perf_counter() - began
            lns_budget = budget.part(share - used)
            if lns_seconds and not stage.optimal and lns_budget.left() > 1:

                bound = stage.bound

                def improved(value: int) -> None:
                    budget.stop.improved()
                    budget.stop.tell("solution", value, bound)
                    progress.append(ProgressPoint(
                        seconds=round(time.perf_counter() - origin, 4), stage=name, value=value,
                        bound=bound))

                solution, _ = lns.improve(
                    dm, solution, scalar_value(dm, solution, levels_here, config, weighted),
                    lns_budget, workers, seed, lns_params(dm, params), accept_ties=weighted,
                    floor=stage.bound, on_improve=improved,
                )
                stage.value = scalar_value(dm, solution, levels_here, config, weighted)
                stage.optimal = stage.value <= stage.bound
            all_optimal &= stage.optimal
            if stage.value is not None:
                budget.stop.tell("solution", stage.value, stage.bound)
            logger.info("%s: %s, bound %s, %s at %.2fs", name, stage.value, stage.bound,
                        "proven" if stage.optimal else "not proven", time.perf_counter() - origin)
            if mode != "weighted":
                dm.model.add(expr <= stage.value)
        elif status == cp_model.INFEASIBLE and solution is None:
            final_status = "infeasible"
            break
        elif status == cp_model.MODEL_INVALID:
            raise DutyplanError(f"internal error: CP-SAT says the model is invalid: {response}")
        else:  # unknown: keep what we have
            all_optimal = False
            if fallback is not None and (solution is None or held_back < scalar_value(
                    dm, solution, active, config, weighted)):
                solution = fallback
            if solution is None:
                break
            current = scalar_value(dm, solution, [name] if mode != "weighted" else active, config, weighted)
            stage.value, stage.bound = current, best_known
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
    return Plan.build(problem, extract_assignments(dm, solution), result, extract_answers(dm, solution))


def proof_share(level: str) -> float:
    """Of a level's time, what its proof by the aggregate master gets (see dutyplan.timing)."""
    return timing.SPLITS.cover_proof_share if level in ("cover", "rules") else timing.SPLITS.proof_share


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
        # and keeps the plan in hand a solution: seen on Yuncheng (12,795 postings, 1 worker),
        # the light presolve made the complete, feasible hint of the preferences stage
        # infeasible, and the stage and the two after it found no plan in 6 s
        params.setdefault("keep_all_feasible_solutions_in_presolve", True)
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
    known: int | None = None,
) -> tuple[int, Any, _Progress]:
    """Minimise ``expr`` on the model from ``hint`` for about ``share`` seconds of ``budget``.

    On the wall clock the search may go on past its share (up to all that is left) until it
    has a plan; in deterministic mode it gets its share, and once more the rest of the budget
    if it found no plan in it. ``floor``: a bound no solution beats (stated as a constraint,
    so CP-SAT proves optimality when it reaches it). ``known``: a bound from elsewhere, not
    stated (measured: stating the roster LP bound of Curtois Instance6 made CP-SAT's plan
    worse, 2,146 against 1,950 at 60 s); the search stops when it reaches it."""
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
    budget.stop.new_level(hint is not None)  # its own time without a better plan
    callback = _Progress(max((b for b in (floor, known) if b is not None), default=None), budget.stop)
    tries = [share, None] if budget.deterministic else [None]
    for seconds in tries:
        solver = budget.solver(seconds, workers, seed, params)
        if log:
            solver.parameters.log_search_progress = True
            solver.parameters.log_to_stdout = False  # once, through the logger (stderr), not twice
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
        return run(solver, model, budget, callback, stall=True)
    finally:
        done.set()
        timer.join()


def scalar_value(
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
    return sum(dm.level_value(solution, level) for level in levels)


def extract_assignments(dm: DutyModel, solution: np.ndarray) -> list[Assignment]:
    """Read postings from the solution and spread each class's people over its gates."""
    if not len(dm.x_vars):
        return []
    return assignments_of_postings(dm.index, dm.x_keys[solution[dm.x_indices] == 1])


def extract_answers(dm: DutyModel, solution: np.ndarray) -> dict[str, str]:
    """Who answers for each household (household id -> person id) in the solution."""
    problem = dm.index.problem
    return {
        problem.households[h].id: problem.people[p].id
        for (h, p), a in dm.answer.items() if int(solution[a.index]) == 1
    }


def assignments_of_postings(ix: Index, chosen: np.ndarray) -> list[Assignment]:
    """Postings ``[n, 4]`` (person, gate class, date, shift) as assignments, each class's
    people spread over its gates: each gate filled up to its need, extras round robin."""
    problem = ix.problem
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
    dm: DutyModel, assignments: list[Assignment], time_limit: Budget | float = 60.0,
    answers: dict[str, str] | None = None,
) -> np.ndarray | None:
    """A complete solution of ``dm`` whose postings are exactly ``assignments`` (and, with
    ``answers``, whose caseloads are exactly those: household id -> person id).

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
    if answers is not None:  # caseloads too: who answers for each household (else free)
        problem = dm.index.problem
        for (h, p), var in dm.answer.items():
            value = answers.get(problem.households[h].id) == problem.people[p].id
            model.add(model.get_bool_var_from_proto_index(var.index) == int(value))
    model.clear_objective()
    # at least a little time, even when the budget is spent (a stop request): the plan in
    # hand is worth completing
    solver = Budget(max(timing.SPLITS.completion_seconds, budget.left()), budget.deterministic).solver()
    status = run(solver, model, budget, stoppable=False)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array(solver.response_proto.solution, dtype=np.int64)
