"""Proving a level with the aggregate master (:mod:`dutyplan.solver.aggregate`): logic-based
Benders decomposition on a built model.

The master gives a bound on the level and a site choice; the whole model restricted to that
choice (:func:`fixed_choice`) gives the best plan with it, which goes back to the master as a
cut, until the bound meets the best plan, the rounds or the time run out. Cover and rules
(without units to keep together) have no master bound: the restricted model is tried once,
with the covering site choice of least commute (rostered greedily per site), or with the plan's
own sites.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run, solution_objective
from dutyplan.compile import Index
from dutyplan.compile.subproblems import site_problem
from dutyplan.model import DutyModel
from dutyplan.plan import Plan
from dutyplan.solver.aggregate import LEVELS, Aggregate, Master
from dutyplan.solver.bounds import relaxation_bounds, with_bounds
from dutyplan.solver.greedy import greedy_roster

logger = logging.getLogger("dutyplan")

__all__ = ["MOST_POSTINGS", "choice_of", "fixed_choice", "greedy_hint", "master_bounds", "prove_level"]

#: of a proof's time, what the master gets each round (its plan gets the rest). Not measured
#: yet (set by judgement).
MASTER_SHARE = 0.6
#: ... and with a plan in hand that its site choice may already be optimal for. Not measured
#: yet (set by judgement).
PROVE_SHARE = 0.85

#: the cover step's site choice (least commute that covers everything) is only a start: its
#: master stops this close to its bound. Not measured yet (set by judgement).
COVER_GAP = 0.02

#: of the cover step's time, what the greedy rosters of the chosen sites may take (a start for
#: the restricted model). Not measured yet (set by judgement).
GREEDY_SHARE = 0.2

#: master and restricted-model rounds per level: most proofs take one or two (Shangzhuang),
#: and where the master ignores the rules that bind, each round only cuts off one choice
#: (Yuncheng's preferences: a dozen rounds, none with a plan). Set by judgement.
MOST_ROUNDS = 3

#: the cover step's site choice gives every site people for this much more than it needs,
#: where they suffice: a team of exactly the capacity a site needs is hard to roster under
#: the rest rules (Shangzhuang, 1 worker: such a choice was sometimes left 5 person-shifts
#: short). Set by judgement.
COVER_HEADROOM = 1.15

#: posting variables above which the proofs are not tried: larger models need CP-SAT's light
#: presolve and neighbourhood search (Yuncheng, 12,795 postings, 10 s: the level that binds
#: is soft rules the master cannot count, and a 60-person district's 3 s limit was once
#: overrun by 1.5 s with them). Set by judgement.
MOST_POSTINGS = 8000
# master_bounds stops a level's master within this relative gap of its own best (the bound
# is what it is then; the time goes to the next level). Set by judgement.
BOUND_GAP = 0.01


def prove_level(
    agg: Aggregate, dm: DutyModel, level: str, held: dict[str, int], hint: np.ndarray | None,
    budget: Budget, workers: int, seed: int, params: dict[str, Any],
) -> tuple[int | None, np.ndarray | None]:
    """A bound on ``level`` and a better plan for it, by logic-based Benders decomposition.

    The master (on counts) gives a bound and a site choice; the full model restricted to that
    choice (:func:`fixed_choice`) gives the best plan with it, which goes back to the master as a
    cut (this choice costs at least so much), until the bound meets the best plan or the budget
    ends. Cover and rules have no master bound: the restricted model is tried once, with the site
    choice of least commute that covers everything (cover) or the plan's own (rules).

    ``held``: the values the earlier levels are held at (the model holds them as caps);
    ``hint``: the solution in hand. Returns (bound or None, a better solution or None)."""
    expr = dm.level_expr(level)
    best = dm.level_value(hint, level) if hint is not None else None
    found: np.ndarray | None = None
    if level == "cover" or (level == "rules" and not agg.ix.problem.rules.unit_sites_weight):
        if best == 0:
            return None, None  # the plan in hand is optimal already
        choice = choice_of(dm, hint) if hint is not None else None
        if level == "cover":
            master = None
            for headroom in (COVER_HEADROOM, 1.0):  # a spare person where the people suffice
                master = agg.solve("covering", {"cover": 0}, budget.part(MASTER_SHARE * budget.left() / 2), workers,
                                   seed, gap=COVER_GAP, headroom=headroom)
                if master is not None and master.choice is not None:
                    break
            _log_master("cover (sites of least commute)", master, budget)
            choice = master.choice if master is not None else None
        if choice is None:
            return None, None
        start = hint
        if level == "cover" and hint is None:  # each site rostered greedily by the people it got
            start = greedy_hint(dm, choice, budget.part(GREEDY_SHARE * budget.left()))
        solution, status, value = fixed_choice(dm, expr, choice, 0, start, budget.part(), workers, seed, params)
        logger.info("%s: %s with those sites, after %.2fs", level, "no plan" if value is None else value, budget.used())
        if solution is not None and value == 0:
            return 0, solution
        if solution is not None and best is None:
            return None, solution  # a start for the whole model's search
        return None, None
    bound: int | None = None
    floor = 0
    if level == "commute":  # the transportation LP's bound is quick, and often the optimum
        floor = relaxation_bounds(agg.ix, 0, budget.part())[1] or 0
    previous = choice_of(dm, hint) if hint is not None else None
    for _ in range(MOST_ROUNDS):
        if budget.expired(0.01):
            break
        # with a plan in hand the master mostly has to prove it optimal: it gets nearly all
        share = PROVE_SHARE if best is not None and found is None else MASTER_SHARE
        master = agg.solve(level, held, budget.part(share * budget.left()), workers, seed, previous, floor)
        _log_master(level, master, budget)
        if master is None:
            break
        bound = floor = master.bound if bound is None else max(bound, master.bound)
        if best is not None and best <= bound:
            break  # the plan in hand is optimal
        if master.choice is None or budget.expired(0.01) or (best is not None and master.value >= best):
            break  # no choice, or none better than the plan in hand: the model's own search goes on
        solution, status, value = fixed_choice(
            dm, expr, master.choice, bound, found if found is not None else hint, budget.part(), workers, seed, params)
        logger.info("%s: %s with the master's sites (%s), after %.2fs", level,
                    "no plan" if value is None else value, _STATUS.get(status, "not proven"), budget.used())
        if solution is not None and (best is None or value < best):
            best, found = value, solution
        if best is not None and best <= bound:
            break  # proven
        if status == cp_model.OPTIMAL:  # the best plan with this choice: a Benders cut
            agg.exclude(level, master.choice, value)
        elif status == cp_model.INFEASIBLE:  # no plan with this choice
            agg.exclude(level, master.choice, None)
        else:
            break
        previous = master.choice
    return bound, found


_STATUS = {cp_model.OPTIMAL: "the best with them", cp_model.INFEASIBLE: "none with them"}


def _log_master(level: str, master: Master | None, budget: Budget) -> None:
    if master is None:
        logger.info("%s: the aggregate master proved nothing, after %.2fs", level, budget.used())
    else:
        logger.info("%s: aggregate master %s (bound %s), after %.2fs", level, master.value, master.bound,
                    budget.used())


def greedy_hint(dm: DutyModel, choice: np.ndarray, budget: Budget) -> np.ndarray | None:
    """Postings of a greedy roster of every site by the people ``choice`` sends there (a
    partial hint: -1 for every other variable), or None when no site could be rostered."""
    problem = dm.index.problem
    hint = np.full(len(dm.model.proto.variables), -1, dtype=np.int64)
    rows = dm.x_indices
    any_site = False
    for k in range(dm.index.n_sites):
        members = np.flatnonzero(choice[:, k]).tolist()
        if not members or budget.expired():
            continue
        roster = greedy_roster(site_problem(problem, k, members), budget)
        if roster is None:
            continue
        any_site = True
        hint[rows[[row for row in (dm.posting(a) for a in roster) if row >= 0]]] = 1
    if not any_site:
        return None
    hint[rows[hint[rows] < 0]] = 0  # nobody else posted
    return hint


def choice_of(dm: DutyModel, solution: np.ndarray) -> np.ndarray:
    """[P, K] the sites each person works at in ``solution``."""
    ix = dm.index
    choice = np.zeros((ix.n_people, ix.n_sites), dtype=bool)
    if len(dm.x_vars):
        keys = dm.x_keys[solution[dm.x_indices] == 1]
        choice[keys[:, 0], ix.class_site[keys[:, 1]]] = True
    return choice


def fixed_choice(
    dm: DutyModel, expr: Any, choice: np.ndarray, floor: int, hint: np.ndarray | None,
    budget: Budget, workers: int, seed: int, params: dict[str, Any],
) -> tuple[np.ndarray | None, int, int | None]:
    """The least ``expr`` over the solutions of ``dm`` where each person works only at the sites
    ``choice[p, k]`` gives them, stopping at ``floor`` (a bound of the level): the solution
    (None if none was found), CP-SAT's status and the value."""
    model = dm.model.clone()
    keys = dm.x_keys
    barred = dm.x_indices[~choice[keys[:, 0], dm.index.class_site[keys[:, 1]]]]
    proto = model.proto
    for index in barred.tolist():
        proto.variables[index].domain[1] = 0  # a posting's domain is [0, 1]
    model.minimize(expr)
    model.add(expr >= floor)
    model.clear_hints()
    # OR-Tools 9.15 aborts the process ("Check failed: heuristics.fixed_search") on some of
    # these restricted models under interleaved search with a hint (Yuncheng, 2 workers,
    # deterministic, seed 1): such a search starts without one
    if hint is not None and not (budget.deterministic and workers > 1):  # -1: no hint there
        hint = hint.copy()
        hint[barred] = -1  # none where barred
        given = np.flatnonzero(hint >= 0)
        proto.solution_hint.vars.extend(given.tolist())
        proto.solution_hint.values.extend(hint[given].tolist())
    solver = budget.solver(None, workers, seed, params)
    status = run(solver, model, budget)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.array(solver.response_proto.solution, dtype=np.int64), status, solution_objective(model, solver)
    return None, status, None


def master_bounds(plan: Plan, ix: Index, budget: Budget, workers: int, seed: int) -> Plan:
    """The plan with the bounds of its unproven levels raised by the aggregate master of the
    whole problem (``ix``), each with the earlier levels held at the plan's values, as every
    level bound of a lexicographic plan is; cover must be 0 (the master holds it so). Each
    level gets a share of the time in proportion to its open gap (value less bound,
    weighted). Unchanged when the master does not apply (one site, too many counts, a
    weighted objective) or proves nothing in time."""
    result = plan.result
    levels = result.levels
    if result.objective is None or result.mode.startswith("weighted"):
        return plan
    if not levels or levels[0].name != "cover" or levels[0].value != 0:
        return plan
    todo = [lv.name for lv in levels if lv.name in LEVELS and lv.name != "cover" and not lv.optimal]
    if not todo or budget.left() < 0.2:
        return plan
    agg = Aggregate.of(ix)
    if agg is None:
        return plan
    # the plan's own sites: a master solution to start from
    person = {p.id: i for i, p in enumerate(ix.problem.people)}
    site = {s.id: k for k, s in enumerate(ix.problem.sites)}
    choice = np.zeros((ix.n_people, ix.n_sites), dtype=bool)
    for a in plan.assignments:
        choice[person[a.person], site[a.site]] = True
    held: dict[str, int] = {}
    raised = []
    # each level's time in proportion to what is open on it (value less bound, weighted)
    open_on = {lv.name: max(1, lv.weight * (lv.value - (lv.bound or 0))) for lv in levels if lv.name in todo}
    for lv in levels:
        if lv.name in todo and budget.left() > 0.1:
            share = budget.left() * open_on[lv.name] / sum(open_on[name] for name in todo[todo.index(lv.name):])
            master = agg.solve(lv.name, held, budget.part(share), workers, seed, choice,
                               floor=lv.bound or 0, gap=BOUND_GAP)
            _log_master(f"{lv.name} bound", master, budget)
            if master is not None and master.bound > (lv.bound or 0):
                bound = min(lv.value, master.bound)
                lv = lv.model_copy(update={"bound": bound, "optimal": lv.value <= bound})
        raised.append(lv)
        held[lv.name] = lv.value
    if all(a.bound == b.bound for a, b in zip(raised, levels)):
        return plan
    return with_bounds(plan, raised, sum(lv.weight * (lv.bound or 0) for lv in raised),
                       all(lv.optimal for lv in raised))
