"""Roster column generation: a lower bound from whole rosters of one person.

The problem is read as a set-partitioning master: each person works exactly one roster (a
column: the postings of one person over the horizon that keeps every rule of that person),
and cover ties the people together::

    min  sum_p sum_r cost_pr lam_pr + sum_cell (under_w u_cell + over_w o_cell)
    s.t. sum_r lam_pr = 1                                   (each person, one roster)
         sum_p sum_r a_pr,cell lam_pr + u_cell - o_cell = need_cell   (each gate class, date,
                                                              shift; no o where extras are
                                                              not allowed)

Its LP relaxation is solved over a growing set of columns (GLOP, the LP solver that ships
with OR-Tools: no extra dependency, and it gives the duals pricing needs). Each round prices
every person: the roster of least reduced cost ``cost_r - sum pi_cell a_r,cell`` under the
cover duals ``pi``, found by a dynamic program over days and shift types where the person's
rules allow it (:mod:`dutyplan.solver.pricing`, which says what it carries and relaxes), and
otherwise, or where its roster breaks a rule it relaxed, by a CP-SAT model of that person
alone (:func:`~dutyplan.compile.person_problem`, every per-person rule the model knows). Whatever
the round, the Lagrangian bound

    L(pi) = sum_cell pi_cell need_cell + sum_p min_r (cost_r - pi . a_r)

is a valid lower bound on the objective (the duals keep ``-over_w <= pi <= under_w``), using
for each person the bound CP-SAT proved on that minimum; when no person has a negative
reduced cost left, it equals the LP value (the column-generation bound).

What it bounds: the weighted sum of the cover, rules, preferences and commute levels (the
per-person part of each and the cover). Rules that tie people together (role requirements,
units kept to few sites) and the fairness level are left out of every roster's cost: they
are never negative, so the bound stays valid, only weaker where they matter.

Levels held at a value (a lexicographic solve's earlier levels, ``held=``) are rows
``level <= value`` of the master; their multipliers join the rosters' costs in pricing and the
Lagrangian bound (``- mu . value``). The rosters found are also a start: :func:`roster_plan`
picks one per person (price and branch).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from dutyplan import timing
from dutyplan.budget import Budget, run, solution_objective
from dutyplan.compile import build_index, person_problem
from dutyplan.compile.index import GateClass, Index
from dutyplan.model import build_model
from dutyplan.model.builder import DutyModel
from dutyplan.plan import Assignment
from dutyplan.problem import Problem
from dutyplan.solver.pricing import DynamicPricer
from dutyplan.solver.stages import assignments_of_postings, extract_assignments

logger = logging.getLogger("dutyplan")

#: Levels whose per-person part a roster's cost carries (cover is the master's own).
ROSTER_LEVELS = ("rules", "preferences", "commute")
#: Duals are scaled by this and rounded for CP-SAT's integer objective; the rounding is
#: accounted for exactly in the bound.
DUAL_SCALE = 1_000_000
#: A person's pricing search, while it finds columns: the best roster in this time (its
#: bound counts too); once it finds none, each gets up to ``seconds_per_person``.
QUICK_PRICING_SECONDS = 0.2
#: Rosters a person's pricing adds in one round at most (the best ones it met).
MAX_COLUMNS_PER_PERSON = 4
#: Dual smoothing (Wentges): pricing uses this share of the duals that gave the best bound
#: so far and the rest of the master's own; with none of them a column the master wants,
#: the next round prices at the master's duals.
SMOOTHING = 0.5
#: What the master pays per unit a held level goes over its value (its rows are elastic so
#: that the LP always has a solution; the bound does not depend on it).
ELASTIC = 10_000.0
#: Deterministic seconds charged per state transition of the pricing program (about its wall
#: time on a 2-core Xeon), so that a deterministic budget also bounds the programs' work.
SECONDS_PER_TRANSITION = 5e-8
#: A reduced cost below this is negative (a column worth adding).
EPSILON = 1e-6


#: Column generation builds one CP-SAT model per person and prices each every round: used by
#: the solve up to this many people (beyond, the decomposition's sites are the place for it).
MOST_PEOPLE = 400
#: ... and up to this many days: measured on the Curtois instances (2 cores, bound only,
#: benchmarks/results/columns_*), the LP is optimal in 0.1-20 s on every 4-week instance
#: (1-12) and, priced by the program, in 7-45 s on the 6- to 12-week 14, 16, 17 and 18 (15
#: and 19 not within 120 s: bounds 2.2% and 20% below the best known); the 26-week 20 and 21
#: still had rosters missing after 120 s.
MOST_DAYS = 84


def applies(problem: Problem) -> bool:
    """The solve uses the roster bound: a weighted objective, no hard rule tying people
    together (cover aside: the master carries it), at most :data:`MOST_PEOPLE` people and
    :data:`MOST_DAYS` days."""
    return (
        problem.objective.effective_mode == "weighted"
        and 0 < len(problem.people) <= MOST_PEOPLE
        and problem.horizon.days <= MOST_DAYS
        and not any(req.weight is None for req in problem.rules.roles)
        and problem.objective.weight("cover") > 0
        and not problem.households  # caseloads tie people to households: not in the master
    )


def open_cells(whole: Index) -> Iterator[tuple[int, GateClass, int, int]]:
    """Every open gate-shift of the problem as (cell, gate class, date, shift): cell numbers
    ``(class * days + date) * shifts + shift``, the master's rows."""
    for c, cls in enumerate(whole.classes):
        for d, s in np.argwhere(cls.open).tolist():
            yield (c * whole.n_days + d) * whole.n_shifts + s, cls, d, s


@dataclass
class Roster:
    """One person's roster: the cover cells it posts them to and its own cost."""

    person: int
    cells: np.ndarray  # flat cell numbers (class, day, shift) of its postings
    cost: int  # weighted rules + preferences + commute of this person alone
    levels: np.ndarray  # this person's rules, preferences and commute (ROSTER_LEVELS order)
    solution: np.ndarray  # the person model's postings (x values), for a plan


@dataclass
class ColumnBound:
    """What a column-generation run gives."""

    bound: float  # best Lagrangian lower bound on the weighted objective (rounded up if integral)
    lp_value: float  # the restricted master's LP value at the end
    converged: bool  # no column of negative reduced cost was left: bound == LP bound
    rounds: int
    columns: int
    seconds: float
    weights: dict[str, int]
    rosters: list[list[Roster]] = field(default_factory=list)  # per person
    pricers: list[PersonPricer] = field(default_factory=list, repr=False)  # per person
    master: Master | None = field(default=None, repr=False)  # the restricted master, to dive from


class PersonPricer:
    """The CP-SAT model of one person, built once and re-priced each round."""

    def __init__(
        self, problem: Problem, p: int, whole: Index, weights: dict[str, int], class_of: dict[tuple, int],
        use_program: bool = True,
    ) -> None:
        """``class_of``: the whole model's gate class of each (site, gates); ``use_program``:
        price by the dynamic program (:mod:`dutyplan.solver.pricing`) where it can."""
        self.p = p
        ix = build_index(person_problem(problem, p))
        self.dm: DutyModel = build_model(ix.problem, index=ix)
        dm = self.dm
        # the person model's gate classes, as the whole model's
        to_whole = np.array([class_of[(c.site, tuple(c.gates))] for c in ix.classes], dtype=np.int64)
        keys = dm.x_keys if dm.x_keys is not None else np.zeros((0, 4), dtype=np.int64)
        self.cells = np.ravel_multi_index(
            (to_whole[keys[:, 1]], keys[:, 2], keys[:, 3]), (whole.n_classes, whole.n_days, whole.n_shifts)
        ).astype(np.int64) if len(keys) else np.zeros(0, dtype=np.int64)
        self.level_exprs = [dm.level_expr(lv) for lv in ROSTER_LEVELS]
        self.weights = np.array([weights.get(lv, 0) for lv in ROSTER_LEVELS], dtype=np.int64)
        self.x_index = np.array([v.index for v in dm.x_vars], dtype=np.int64)
        self.program = DynamicPricer(whole, p) if use_program and timing.SPLITS.pricing_states > 0 else None
        if self.program is not None and not self.program.usable:
            self.program = None

    def price(
        self, duals: np.ndarray, coefs: np.ndarray, parent: Budget, seconds: float, seed: int
    ) -> tuple[list[Roster], float, float]:
        """Rosters of low ``coefs / DUAL_SCALE . levels - duals . cells`` found in ``seconds``
        (every improving one the search met, best last) and a lower bound on the least value
        of any roster of this person (inf: the person has no roster; -inf: none found in
        time), and the deterministic seconds it took. ``coefs``: whole numbers per roster
        level (the weights and the multipliers of held levels, times DUAL_SCALE). The search
        has ``seconds`` of its own from when it starts (not from when it was queued), stopped
        with ``parent``."""
        budget = Budget(seconds, parent.deterministic, parent.stop)
        dm = self.dm
        pi = duals[self.cells] if len(self.cells) else np.zeros(0)
        scaled = np.round(pi * DUAL_SCALE).astype(np.int64)
        # true objective >= scaled objective / SCALE - sum of the roundings that flatter it
        slack = float(np.maximum(0.0, pi - scaled / DUAL_SCALE).sum())
        floor = -math.inf  # what the program proved, when it relaxed some rule
        hint: Roster | None = None
        if self.program is not None:
            priced = self._by_program(duals, coefs)
            if priced is not None:
                rosters, low, work, exact = priced
                if exact:
                    return rosters, low, work
                floor, hint = low, (rosters[-1] if rosters else None)
        base = sum((int(c) * e for c, e in zip(coefs, self.level_exprs) if c), 0)
        expr = base - cp_model.LinearExpr.weighted_sum(dm.x_vars, scaled.tolist())
        dm.model.minimize(expr)
        dm.model.clear_hints()
        if hint is not None:
            for var, on in zip(dm.x_vars, hint.solution.tolist()):
                dm.model.add_hint(var, on)
        solver = budget.solver(max(0.01, seconds), 1, seed)
        found = _Solutions(self)
        status = run(solver, dm.model, budget, found)
        if status == cp_model.INFEASIBLE:
            return [], math.inf, budget.charged
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [], floor, budget.charged
        low = max(floor, solver.best_objective_bound / DUAL_SCALE - slack)
        return found.rosters[-MAX_COLUMNS_PER_PERSON:], low, budget.charged

    def _by_program(
        self, duals: np.ndarray, coefs: np.ndarray
    ) -> tuple[list[Roster], float, float, bool] | None:
        """The dynamic program's rosters that keep every rule (best last), its least value
        (a lower bound where it relaxed a rule), the deterministic seconds it is charged (its
        state transitions at :data:`SECONDS_PER_TRANSITION`) and whether that value is the
        least of any roster (nothing relaxed, or its best roster keeps the relaxed rules
        anyway); None when it cannot price this time."""
        program = self.program
        assert program is not None
        scaled = np.round(duals * DUAL_SCALE)
        cells = program.cells[program.eligible]
        slack = float(np.maximum(0.0, duals[cells] - scaled[cells] / DUAL_SCALE).sum())
        work = program.work
        try:
            found, value = program.price(scaled, coefs, MAX_COLUMNS_PER_PERSON)
        except OverflowError:
            return None
        exact = math.isinf(value) if program.relaxed else True
        exact = exact or bool(found and found[0].keeps and found[0].value == value)
        rosters = []
        for priced in reversed(found):
            if not priced.keeps:
                continue
            x = np.isin(self.cells, priced.cells).astype(np.int64)
            if int(x.sum()) != len(priced.cells):  # a posting the person's model does not have
                logger.warning("roster pricing: the program's roster of person %d is not in its model", self.p)
                return None
            rosters.append(Roster(self.p, priced.cells, int(self.weights @ priced.levels), priced.levels, x))
        low = value / DUAL_SCALE - slack if math.isfinite(value) else value
        return rosters, low, (program.work - work) * SECONDS_PER_TRANSITION, exact

    def roster(self, values: np.ndarray) -> Roster:
        """The roster of a solution of the person model (its variable values)."""
        dm = self.dm
        x = values[self.x_index] if len(self.x_index) else np.zeros(0, dtype=np.int64)
        levels = np.array([dm.level_value(values, lv) for lv in ROSTER_LEVELS], dtype=np.int64)
        return Roster(self.p, self.cells[x > 0], int(self.weights @ levels), levels, x)

    def assignments(self, roster: Roster) -> list[Assignment]:
        """The roster as the person's assignments (to gates of each class, as a plan has them)."""
        values = np.zeros(len(self.dm.model.proto.variables), dtype=np.int64)
        values[self.x_index] = roster.solution
        return extract_assignments(self.dm, values)


class _Solutions(cp_model.CpSolverSolutionCallback):
    """Keeps every roster the pricing search finds."""

    def __init__(self, pricer: PersonPricer) -> None:
        super().__init__()
        self.pricer = pricer
        self.rosters: list[Roster] = []

    def on_solution_callback(self) -> None:
        values = np.array(self.response_proto.solution, dtype=np.int64)
        self.rosters.append(self.pricer.roster(values))


class Master:
    """The restricted master LP (GLOP), with one artificial column per person."""

    def __init__(self, whole: Index, weights: dict[str, int], held: dict[str, int], big: float) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        lp = self.lp
        n_cells = whole.n_classes * whole.n_days * whole.n_shifts
        self.need = np.zeros(n_cells)
        self.under_weight = np.zeros(n_cells)
        self.over_weight = np.full(n_cells, np.inf)  # inf: no extra people allowed
        self.rows: list[pywraplp.Constraint | None] = [None] * n_cells
        w_cover = weights.get("cover", 0)
        inf = lp.infinity()
        objective = lp.Objective()
        # held levels: at most their value (elastic, at a cost no plan reaches, so the LP
        # always has a solution); the cover row first, then the roster levels held
        self.held: list[pywraplp.Constraint] = []
        self.held_values = np.array(
            ([held["cover"]] if "cover" in held else []) + [held[lv] for lv in ROSTER_LEVELS if lv in held],
            dtype=float,
        )
        self.held_levels = [k for k, lv in enumerate(ROSTER_LEVELS) if lv in held]
        # the cover row in units of the largest under-cover weight (well scaled for the LP)
        self.cover_unit = max([1.0] + [float(cls.under_weight[cls.open].max()) for cls in whole.classes
                                       if cls.open.any()])
        if "cover" in held:
            self.held_values[0] /= self.cover_unit
        for value in self.held_values:
            row = lp.Constraint(-inf, float(value))
            elastic = lp.NumVar(0, inf, "")
            row.SetCoefficient(elastic, -1)
            objective.SetCoefficient(elastic, ELASTIC)
            self.held.append(row)
        cover_row = self.held[0] if "cover" in held else None
        for cell, cls, d, s in open_cells(whole):
            need = float(cls.need[d, s] * cls.size)
            self.need[cell] = need
            row = lp.Constraint(need, need)
            under = lp.NumVar(0, inf, "")
            row.SetCoefficient(under, 1)
            objective.SetCoefficient(under, w_cover * float(cls.under_weight[d, s]))
            if cover_row is not None:
                cover_row.SetCoefficient(under, float(cls.under_weight[d, s]) / self.cover_unit)
            self.under_weight[cell] = float(cls.under_weight[d, s])
            if cls.over_weight[d, s] >= 0:
                over = lp.NumVar(0, inf, "")
                row.SetCoefficient(over, -1)
                objective.SetCoefficient(over, w_cover * float(cls.over_weight[d, s]))
                if cover_row is not None:
                    cover_row.SetCoefficient(over, float(cls.over_weight[d, s]) / self.cover_unit)
                self.over_weight[cell] = float(cls.over_weight[d, s])
            self.rows[cell] = row
        self.convexity = []
        for _ in range(whole.n_people):
            row = lp.Constraint(1, 1)
            artificial = lp.NumVar(0, inf, "")
            row.SetCoefficient(artificial, 1)
            objective.SetCoefficient(artificial, big)
            self.convexity.append(row)
        objective.SetMinimization()
        self.columns = 0
        self.lambdas: list[tuple[pywraplp.Variable, Roster]] = []  # each column's variable

    def add(self, roster: Roster) -> None:
        var = self.lp.NumVar(0, self.lp.infinity(), "")
        self.lambdas.append((var, roster))
        self.lp.Objective().SetCoefficient(var, float(roster.cost))
        self.convexity[roster.person].SetCoefficient(var, 1)
        first = len(self.held) - len(self.held_levels)  # the cover row, if held, comes first
        for row, k in zip(self.held[first:], self.held_levels):
            if roster.levels[k]:
                row.SetCoefficient(var, float(roster.levels[k]))
        for cell in roster.cells.tolist():
            row = self.rows[cell]
            if row is not None:  # a closed cell costs nothing either way
                row.SetCoefficient(var, row.GetCoefficient(var) + 1)
        self.columns += 1

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """LP value, duals (cover per cell, 0 where closed, then the multiplier of each held
        level, >= 0) and convexity duals per person."""
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"the roster master LP ended with status {status}")
        duals = np.array([0.0 if row is None else row.dual_value() for row in self.rows]
                         + [max(0.0, -row.dual_value()) for row in self.held])
        convexity = np.array([row.dual_value() for row in self.convexity])
        return self.lp.Objective().Value(), duals, convexity

    def lagrangian_duals(self, duals: np.ndarray, w_cover: int, held_cover: bool) -> np.ndarray:
        """``duals`` made exact for a Lagrangian bound: multipliers rounded down to whole
        multiples of 1 / DUAL_SCALE (any multiplier >= 0 is valid), then the cover duals
        clipped to the range where every cell's under- and over-cover terms stay >= 0."""
        n = len(self.rows)
        out = duals.copy()
        out[n:] = np.floor(np.maximum(0.0, duals[n:]) * DUAL_SCALE) / DUAL_SCALE
        weight = w_cover + (out[n] / self.cover_unit if held_cover else 0.0)
        out[:n] = np.minimum(out[:n], weight * self.under_weight)
        allowed = np.isfinite(self.over_weight)
        lowest = np.where(allowed, -weight * np.where(allowed, self.over_weight, 0.0), -np.inf)
        out[:n] = np.maximum(out[:n], lowest)
        return out


def roster_bound(
    problem: Problem,
    time_limit: Budget | float,
    workers: int = 1,
    seed: int = 0,
    weights: dict[str, int] | None = None,
    seconds_per_person: float = 2.0,
    index: Index | None = None,
    held: dict[str, int] | None = None,
    give_up: float | None = None,
    program: bool = True,
) -> ColumnBound:
    """Column generation over whole rosters within ``time_limit`` (a
    :class:`~dutyplan.budget.Budget` or wall seconds): the best Lagrangian bound on
    ``sum(weights[level] * level)`` (default: the problem's own weights, fairness left out),
    the LP value and every roster found. In deterministic mode each pricing search has a
    deterministic limit and the rounds are the same on every run.

    ``held``: levels kept at most at a value (``cover`` and the roster levels), as a
    lexicographic solve holds the levels before the one it bounds; their multipliers join
    the Lagrangian bound. ``give_up``: stop once this share of the time is used while the bound is still at most 0
    (it tells nothing yet, and the rest of the time is worth more to the search).
    ``program``: price by the dynamic program where a person's rules allow it (else CP-SAT
    alone prices every person)."""
    began = time.monotonic()
    budget = Budget.of(time_limit)
    config = problem.objective
    if weights is None:
        weights = {lv: config.weight(lv) for lv in ("cover", *ROSTER_LEVELS)}
    held = {lv: int(v) for lv, v in (held or {}).items() if lv == "cover" or lv in ROSTER_LEVELS}
    whole = index if index is not None else build_index(problem)
    class_of = {(c.site, tuple(c.gates)): k for k, c in enumerate(whole.classes)}
    pricers = [PersonPricer(problem, p, whole, weights, class_of, program) for p in range(whole.n_people)]
    # an artificial roster must cost more than any real one: all cover missing, plus one
    big = 1.0 + max(1, weights.get("cover", 0)) * sum(
        float((cls.need * cls.size * cls.under_weight).sum()) for cls in whole.classes
    )
    master = Master(whole, weights, held, big)
    n_cells = len(master.rows)
    w_cover = weights.get("cover", 0)
    held_cover = "cover" in held
    roster_weights = np.array([weights.get(lv, 0) for lv in ROSTER_LEVELS], dtype=float)
    level_slot = {k: n_cells + int(held_cover) + i for i, k in enumerate(master.held_levels)}

    def multipliers(y: np.ndarray) -> np.ndarray:
        """Each roster level's weight plus its held multiplier."""
        out = roster_weights.copy()
        for k, slot in level_slot.items():
            out[k] += y[slot]
        return out

    rosters: list[list[Roster]] = [[] for _ in pricers]
    best = -math.inf
    rounds = 0
    value = math.inf
    converged = False
    center: np.ndarray | None = None  # the duals of the best bound so far
    smoothing = SMOOTHING
    exact = False  # pricing with the long limit (once the quick one finds nothing)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while True:
            value, duals, convexity = master.solve()
            left = budget.left()
            if left <= 0.01 or best >= value - 1e-6:
                converged = best >= value - 1e-6
                break
            if give_up is not None and best <= 0 and budget.used() >= give_up * budget.seconds:
                logger.info("roster columns: no bound above 0 after %.1fs, given up", budget.used())
                break
            rounds += 1
            plain = center is None or smoothing == 0  # priced at the master's own duals
            at = duals if plain else smoothing * center + (1 - smoothing) * duals
            at = master.lagrangian_duals(at, w_cover, held_cover)
            coefs = np.round(multipliers(at) * DUAL_SCALE).astype(np.int64)  # exact: on the grid
            fair = left * max(1, workers) / len(pricers)  # the whole budget in one round
            per_person = max(0.05, min(seconds_per_person if exact else QUICK_PRICING_SECONDS, fair))
            # each pricing has a budget of its own, the same whichever thread runs it, charged
            # in order afterwards
            n = len(pricers)
            priced = list(pool.map(PersonPricer.price, pricers, [at[:n_cells]] * n, [coefs] * n,
                                   [budget] * n, [per_person] * n, [seed] * n))
            share = budget.part(parallel=max(1, workers))
            for _, _, spent in priced:
                share.charge(spent)
            lagrangian = (float(at[:n_cells] @ master.need) - float(at[n_cells:] @ master.held_values)
                          + sum(low for _, low, _ in priced))
            if lagrangian > best:
                best, center = lagrangian, at
            added = 0
            level_duals = multipliers(duals)
            for pricer, (found, _, _) in zip(pricers, priced):
                for roster in found:
                    reduced = (float(level_duals @ roster.levels) - float(duals[roster.cells].sum())
                               - convexity[pricer.p])
                    if reduced < -EPSILON:
                        master.add(roster)
                        rosters[pricer.p].append(roster)
                        added += 1
            logger.debug(
                "roster columns: round %d, LP %.2f, bound %.2f, %d columns added (%.1fs)",
                rounds, value, best, added, time.monotonic() - began,
            )
            if added == 0:
                if plain:
                    # priced at the master's own duals and nothing to add: the LP is optimal
                    # over all rosters when every pricing was proven; if some were not, once
                    # more with the longer limit
                    converged = all(math.isfinite(low) for _, low, _ in priced)
                    if converged or exact:
                        break
                    exact = True
                    continue
                smoothing = 0.0  # mispriced: the next round uses the master's duals
                continue
            smoothing = SMOOTHING
    # every level is a whole number and every weight too
    bound = math.ceil(best - 1e-6) if math.isfinite(best) else best
    return ColumnBound(
        bound=bound, lp_value=value, converged=converged, rounds=rounds, columns=master.columns,
        seconds=time.monotonic() - began, weights=weights, rosters=rosters, pricers=pricers,
        master=master if not held else None,
    )


def roster_plan(
    problem: Problem,
    found: ColumnBound,
    time_limit: Budget | float,
    workers: int = 1,
    seed: int = 0,
    index: Index | None = None,
) -> tuple[list[Assignment], int] | None:
    """Price and branch: the best plan that gives each person one of the rosters the column
    generation found (a CP-SAT model over the columns with the exact cover costs) and its
    cost (the bound's weighted levels: cover and the rosters' own), or None
    when someone has no roster or no plan is found within ``time_limit`` (a
    :class:`~dutyplan.budget.Budget` or wall seconds).

    Every roster keeps its person's rules, so the plan keeps every per-person rule; the
    whole problem's checker has the last word (rules that tie people together are not in
    the columns)."""
    whole = index if index is not None else build_index(problem)
    if any(not rosters for rosters in found.rosters):
        return None
    return plan_over(whole, found.rosters, found.weights, time_limit, workers, seed)


def plan_over(
    whole: Index,
    rosters_of: list[list[Roster]],
    weights: dict[str, int],
    time_limit: Budget | float,
    workers: int = 1,
    seed: int = 0,
) -> tuple[list[Assignment], int] | None:
    """The best plan giving each person one of ``rosters_of[p]`` (a CP-SAT model over those
    columns with the exact cover costs, hinted at the last roster of each person) and its
    cost, or None when none is found within ``time_limit``."""
    model = cp_model.CpModel()
    w_cover = weights.get("cover", 0)
    picks: list[list[cp_model.IntVar]] = []
    at_cell: dict[int, list[cp_model.IntVar]] = {}
    terms: list[tuple[int, cp_model.IntVar]] = []
    for rosters in rosters_of:
        chosen = [model.new_bool_var("") for _ in rosters]
        model.add_exactly_one(chosen)
        picks.append(chosen)
        for roster, var in zip(rosters, chosen):
            if roster.cost:
                terms.append((roster.cost, var))
            for cell in roster.cells.tolist():
                at_cell.setdefault(cell, []).append(var)
    constant = 0
    for cell, cls, d, s in open_cells(whole):
        need = int(cls.need[d, s] * cls.size)
        people = at_cell.get(cell, [])
        under_w, over_w = w_cover * int(cls.under_weight[d, s]), w_cover * int(cls.over_weight[d, s])
        if not people:
            constant += under_w * need
            continue
        assigned = cp_model.LinearExpr.sum(people)
        under = model.new_int_var(0, need, "")
        model.add_max_equality(under, [need - assigned, 0])
        terms.append((under_w, under))
        if cls.over_weight[d, s] < 0:
            model.add(assigned <= need)
        elif over_w and len(people) > need:
            over = model.new_int_var(0, len(people) - need, "")
            model.add_max_equality(over, [assigned - need, 0])
            terms.append((over_w, over))
    model.minimize(cp_model.LinearExpr.weighted_sum([v for _, v in terms], [w for w, _ in terms]) + constant)
    # start from the cheapest roster of each person under the last duals' ranking: the last found
    for chosen in picks:
        for k, var in enumerate(chosen):
            model.add_hint(var, k == len(chosen) - 1)
    budget = Budget.of(time_limit)
    if budget.left() <= 0.01:
        return None
    solver = budget.solver(None, max(1, workers), seed)
    status = run(solver, model, budget)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    picked = [next(r for r, var in zip(rosters, chosen) if solver.boolean_value(var))
              for rosters, chosen in zip(rosters_of, picks)]
    # the cost of the solution read, not CP-SAT's objective_value (see solution_objective)
    return _plan_of(whole, picked), solution_objective(model, solver)


def _plan_of(whole: Index, rosters: list[Roster]) -> list[Assignment]:
    """The assignments of one roster per person (``rosters[p]`` for person p)."""
    keys = []
    for p, roster in enumerate(rosters):
        c, d, s = np.unravel_index(roster.cells, (whole.n_classes, whole.n_days, whole.n_shifts))
        keys.append(np.column_stack([np.full(len(c), p), c, d, s]))
    postings = np.concatenate(keys).astype(np.int64) if keys else np.zeros((0, 4), dtype=np.int64)
    return assignments_of_postings(whole, postings)


#: Column generation rounds at each step of a dive before it fixes more people.
DIVE_ROUNDS = 10
#: A column at least this much of its person's roster in the LP counts as chosen.
WHOLE = 0.999
#: ... and with none such, the people whose LP takes at least this much of one roster are
#: fixed to it together (a quarter of the people left at most).
DIVE_FIX = 0.9
#: ... else a tenth of the people left, those the LP takes most of one roster of.
DIVE_SOME = 10
#: A step whose fixing of people raises the LP by more than this share is taken back, and
#: those rosters kept out of the rest of the dive (Instance8: the LP from 1,302.9 to 1,350.5
#: in one step, a plan of 1,403 at the end), at most :data:`DIVE_BACKTRACKS` times a dive.
DIVE_JUMP = 0.005
DIVE_BACKTRACKS = 8
#: The share of a dive's time (at least DIVE_FINISH_SECONDS) kept to finish it: the people
#: left then get the best of their columns in the master (:func:`plan_over`), not the ones
#: the LP takes most of (Instance8, seed 2: 7 people left at the end, 2,320 fixed as the LP
#: had them).
DIVE_FINISH = 0.1
DIVE_FINISH_SECONDS = 0.5


def roster_dive(
    problem: Problem,
    found: ColumnBound,
    time_limit: Budget | float,
    workers: int = 1,
    seed: int = 0,
    index: Index | None = None,
) -> tuple[list[Assignment], int] | None:
    """Price and dive: from the column generation's master, fix people to rosters one step
    at a time (every person whose LP already takes one roster whole, else those it takes
    most of one roster, else a tenth of those left, by the share of a roster the LP takes) and
    price the others again after each step, until everyone has a roster; a step that raises
    the LP by more than :data:`DIVE_JUMP` is taken back. With :data:`DIVE_FINISH` of its time
    left, the people still free get the best of their columns (:func:`plan_over`; else the
    rosters the LP takes most of). Returns the plan and its cost
    (the bound's weighted levels: cover and the rosters' own, exact once everyone is fixed),
    or None when the LP cannot go on, someone has no roster, or the pace of its first steps
    says it would need more than twice the time left (the search gets that time instead).

    Each roster keeps its person's rules, so the plan keeps every per-person rule; the whole
    problem's checker has the last word (rules that tie people together are not in the
    columns). The master is changed: the people stay fixed."""
    master = found.master
    if master is None or any(not rosters for rosters in found.rosters):
        return None
    whole = index if index is not None else build_index(problem)
    budget = Budget.of(time_limit)
    pricers = found.pricers
    n_cells = len(master.rows)
    coefs = np.round(np.array([found.weights.get(lv, 0) for lv in ROSTER_LEVELS], dtype=float)
                     * DUAL_SCALE).astype(np.int64)
    chosen: dict[int, Roster] = {}
    steps = 0
    reserve = min(max(DIVE_FINISH * budget.seconds, DIVE_FINISH_SECONDS), 0.5 * budget.seconds)
    # the last step's fixing (person, column) of rosters the LP did not take whole, and the
    # LP before it; rosters taken back, kept out of the dive
    last: list[tuple[int, int]] = []
    before = math.inf
    kept_out: set[tuple[int, bytes]] = set()
    backtracks = 0
    fixings = 0  # people fixed, counting those taken back
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while len(chosen) < len(pricers):
            if steps >= 2 and len(chosen) < len(pricers) / 2:
                # at the pace so far, would the dive end in the time left? if not by far,
                # give up now and leave the time to the search (past half the people, it
                # goes on: out of time, the rest are settled over their columns)
                pace = budget.used() / fixings if fixings else math.inf
                if pace * (len(pricers) - len(chosen)) > 2 * budget.left():
                    logger.info("roster dive: %d of %d people fixed in %.1fs, too slow: given up",
                                len(chosen), len(pricers), budget.used())
                    return None
            steps += 1
            for _ in range(DIVE_ROUNDS):
                if budget.left() <= reserve:
                    break  # out of time: the rest are settled over the columns there are
                try:
                    _, duals, convexity = master.solve()
                except RuntimeError:
                    return None
                free = [pricer for pricer in pricers if pricer.p not in chosen]
                n = len(free)
                priced = list(pool.map(PersonPricer.price, free, [duals[:n_cells]] * n, [coefs] * n,
                                       [budget] * n, [QUICK_PRICING_SECONDS] * n, [seed] * n))
                share = budget.part(parallel=max(1, workers))
                added = 0
                for pricer, (rosters, _, spent) in zip(free, priced):
                    share.charge(spent)
                    for roster in rosters:
                        if (roster.person, roster.cells.tobytes()) in kept_out:
                            continue
                        reduced = (float(coefs @ roster.levels) / DUAL_SCALE - float(duals[roster.cells].sum())
                                   - convexity[pricer.p])
                        if reduced < -EPSILON:
                            master.add(roster)
                            added += 1
                if not added:
                    break
            try:
                lp_value, _, _ = master.solve()
            except RuntimeError:
                return None
            logger.debug("roster dive: step %d, %d of %d people fixed, LP %.2f (%.1fs)",
                         steps, len(chosen), len(pricers), lp_value, budget.used())
            if (last and backtracks < DIVE_BACKTRACKS and budget.left() > reserve
                    and lp_value > before + DIVE_JUMP * abs(before)):
                # the last fixing cost too much: take it back, and keep its rosters out
                # (of people with another roster in the master)
                back = 0
                for p, k in last:
                    var, roster = master.lambdas[k]
                    copies, others = [], 0  # its columns, and the person's other columns allowed
                    for other, same in master.lambdas:
                        if same.person != p:
                            continue
                        if np.array_equal(same.cells, roster.cells):
                            copies.append(other)
                        elif other.ub() > 0:
                            others += 1
                    if not others:
                        continue
                    var.SetLb(0.0)
                    for other in copies:
                        other.SetUb(0.0)
                    del chosen[p]
                    kept_out.add((p, roster.cells.tobytes()))
                    back += 1
                last = []
                if back:
                    backtracks += 1
                    logger.debug("roster dive: LP %.2f -> %.2f, %d people taken back", before, lp_value, back)
                    continue
            # how much of each column the LP takes, per person not fixed yet
            most: dict[int, tuple[float, int, Roster]] = {}
            for k, (var, roster) in enumerate(master.lambdas):
                if roster.person in chosen or var.ub() <= 0:
                    continue
                share_of = var.solution_value()
                if roster.person not in most or share_of > most[roster.person][0]:
                    most[roster.person] = (share_of, k, roster)
            if len(most) < len(pricers) - len(chosen):
                return None  # someone has no roster yet
            ranked = sorted(most.items(), key=lambda item: (-item[1][0], item[1][2].cost, item[0]))
            if budget.left() <= reserve:
                # out of time: the best plan over the master's columns of the people left,
                # else everyone left at the roster the LP takes most of
                finished = _finish(whole, master, chosen, found.weights, budget, workers, seed)
                if finished is not None:
                    logger.debug("roster dive: %d people left settled over the columns, %d",
                                 len(pricers) - len(chosen), finished[1])
                    return finished
                fix = ranked
            else:
                # the people the LP gives one roster whole; else those it gives most of one
                # roster (up to a quarter of the people left); else a tenth of those left
                fix = [item for item in ranked if item[1][0] >= WHOLE]
                if not fix:
                    fix = [item for item in ranked if item[1][0] >= DIVE_FIX][:max(1, len(ranked) // 4)]
                fix = fix or ranked[:max(1, len(ranked) // DIVE_SOME)]
            for p, (_, k, roster) in fix:
                master.lambdas[k][0].SetLb(1.0)
                chosen[p] = roster
            last = [(p, k) for p, (taken, k, _) in fix if taken < WHOLE]
            fixings += len(fix)
            before = lp_value
    try:
        value, _, _ = master.solve()
    except RuntimeError:
        return None
    logger.debug("roster dive: %d people fixed in %d steps, %.2f", len(chosen), steps, value)
    return _plan_of(whole, [chosen[p] for p in range(len(pricers))]), round(value)


def _finish(
    whole: Index, master: Master, chosen: dict[int, Roster], weights: dict[str, int],
    budget: Budget, workers: int, seed: int,
) -> tuple[list[Assignment], int] | None:
    """The dive's end: the people fixed keep their rosters, the others get the best of
    their columns still allowed in ``master`` (the one the LP takes most of as the hint)."""
    columns: list[list[tuple[float, Roster]]] = [[] for _ in range(whole.n_people)]
    for var, roster in master.lambdas:
        if roster.person not in chosen and var.ub() > 0:
            columns[roster.person].append((var.solution_value(), roster))
    rosters_of = []
    for p, these in enumerate(columns):
        if p in chosen:
            rosters_of.append([chosen[p]])
            continue
        if not these:
            return None
        unique: dict[bytes, tuple[float, Roster]] = {}
        for taken, roster in these:
            key = roster.cells.tobytes()
            if key not in unique or taken > unique[key][0]:
                unique[key] = (taken, roster)
        rosters_of.append([roster for _, roster in sorted(unique.values(), key=lambda item: item[0])])
    return plan_over(whole, rosters_of, weights, budget.part(), workers, seed)
