"""Large neighbourhood search over rosters: free a part of the plan, re-solve it, keep gains.

CP-SAT runs its own neighbourhood searches only on threads it has to spare; on 2 workers it
has none, and on large rosters (a year of shifts) its full search barely moves a plan. This
search frees one part of the current plan at a time, the way planners repair a roster by
hand, and lets CP-SAT re-optimise that part with everything else fixed:

* a window of consecutive dates, for everyone;
* a group of people, over the whole horizon;
* a group of people over a window of dates.

The rest of the plan is fixed in a copy of the model (all its posting variables at their
values), so presolve removes it and each sub-problem is small. A neighbourhood grows when
its sub-problems are solved to optimality quickly and shrinks when they time out. The current
plan is always a solution of each sub-problem (it is the hint), so the plan only improves, and
any plan this search returns satisfies every constraint of the whole model.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan import timing
from dutyplan.budget import MAX_SEED, Budget, run, solution_objective
from dutyplan.model import DutyModel

logger = logging.getLogger("dutyplan")

MIN_FREE, MAX_FREE = 0.02, 0.6  # share of posting variables a neighbourhood frees


@dataclass
class Neighbourhoods:
    """Adaptive sizes of the three neighbourhood kinds."""

    rng: random.Random
    size: dict[str, float] = field(default_factory=lambda: {"days": 0.15, "people": 0.15, "block": 0.25})

    def pick(self) -> str:
        return self.rng.choice(list(self.size))

    def update(self, kind: str, solved: bool) -> None:
        factor = 1.25 if solved else 0.8
        self.size[kind] = min(MAX_FREE, max(MIN_FREE, self.size[kind] * factor))


def free_mask(dm: DutyModel, kind: str, share: float, rng: random.Random) -> np.ndarray:
    """Which posting variables a neighbourhood of ``kind`` frees (about ``share`` of them)."""
    keys = dm.x_keys
    ix = dm.index
    people, days = ix.n_people, ix.n_days
    if kind == "days":
        length = max(1, round(share * days))
        first = rng.randrange(0, max(1, days - length + 1))
        return (keys[:, 2] >= first) & (keys[:, 2] < first + length)
    if kind == "people":
        count = max(1, round(share * people))
        chosen = np.zeros(people, dtype=bool)
        chosen[rng.sample(range(people), min(count, people))] = True
        return chosen[keys[:, 0]]
    # a block: people x window, each side about sqrt(share)
    side = float(np.sqrt(share))
    count = max(1, round(side * people))
    length = max(1, round(side * days))
    first = rng.randrange(0, max(1, days - length + 1))
    chosen = np.zeros(people, dtype=bool)
    chosen[rng.sample(range(people), min(count, people))] = True
    return chosen[keys[:, 0]] & (keys[:, 2] >= first) & (keys[:, 2] < first + length)


def improve(
    dm: DutyModel,
    solution: np.ndarray,
    value: int,
    seconds: Budget | float,
    workers: int,
    seed: int,
    params: dict[str, Any],
    floor: int | None = None,
    on_improve: Any = None,
    accept_ties: bool = False,
) -> tuple[np.ndarray, int]:
    """Improve ``solution`` (objective ``value`` of the model's current objective) for
    ``seconds`` (a :class:`~dutyplan.budget.Budget`, or wall seconds); returns the best
    solution and its objective. ``floor``: stop when reached.
    ``on_improve(value)`` is called at each improvement. ``accept_ties``: move to plans of
    equal objective too (only safe when nothing else ranks plans: not in a lexicographic
    stage, where a tie may be worse on the levels after it)."""
    budget = Budget.of(seconds)
    base = dm.model.proto
    indices = dm.x_indices
    rng = random.Random(seed)
    kinds = Neighbourhoods(rng)
    tries = gains = 0
    while True:
        left = budget.left()
        if left < 0.2 or (floor is not None and value <= floor) or budget.stop.stalled:
            break
        kind = kinds.pick()
        free = free_mask(dm, kind, kinds.size[kind], rng)
        sub = cp_model.CpModel()
        sub.proto.copy_from(base)
        sub.proto.clear_solution_hint()
        # fix the rest: two linear constraints (all of these 1, none of those), which
        # presolve turns into fixed variables; far faster to state than one domain each
        fixed_vars = indices[~free]
        fixed_values = solution[fixed_vars]
        for wanted in (1, 0):
            chosen = fixed_vars[fixed_values == wanted].tolist()
            if chosen:
                linear = sub.proto.constraints.add().linear
                linear.vars.extend(chosen)
                linear.coeffs.extend([1] * len(chosen))
                linear.domain.extend([wanted * len(chosen)] * 2)
        sub.proto.solution_hint.vars.extend(range(len(solution)))
        sub.proto.solution_hint.values.extend(solution.tolist())
        solver = budget.solver(timing.SPLITS.lns_sub_seconds, workers, (seed + tries) % (MAX_SEED + 1), params)
        status = run(solver, sub, budget, stall=True)
        tries += 1
        kinds.update(kind, status == cp_model.OPTIMAL)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = solution_objective(sub, solver)
            if found < value or (accept_ties and found == value):
                if found < value:
                    gains += 1
                    if on_improve is not None:
                        on_improve(found)
                solution = np.array(solver.response_proto.solution, dtype=np.int64)
                value = found
    logger.info("neighbourhood search: %d sub-problems, %d improvements, objective %d", tries, gains, value)
    return solution, value
