"""A first plan person by person, for large models whose hard rules are all per person.

When no hard rule ties people together (cover is soft; no hard role requirement), a plan of
the whole problem is just one feasible schedule per person. Finding one for each person alone
is a small model, fast even when the whole model is slow to give its first plan (hard minimum
hours and run lengths over half a year, as in the Curtois & Qu instances 20-24). Each person's
own schedule minimises that person's own share of the objective (the cover they would give
alone, their preferences, commute); the merged schedules are then a starting plan that the
whole model only improves. If the merge breaks a rule of the whole (e.g. a gate that allows no
extra people), it is not used.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from dutyplan.plan import Assignment
from dutyplan.problem import Problem

logger = logging.getLogger("dutyplan")


def applies(problem: Problem) -> bool:
    """People can be scheduled one by one: no hard role requirement couples them."""
    return len(problem.people) > 1 and not any(req.weight is None for req in problem.rules.roles)


def person_problem(problem: Problem, p: int) -> Problem:
    """The whole problem with only person ``p`` (team rules dropped)."""

    def row(matrix: list[list[float]] | None) -> list[list[float]] | None:
        return None if matrix is None else [matrix[p]]

    return problem.model_copy(
        update={
            "name": f"{problem.name}/{problem.people[p].id}",
            "people": [problem.people[p]],
            "commute_km": row(problem.commute_km),
            "commute_minutes": row(problem.commute_minutes),
            "rules": problem.rules.model_copy(update={"roles": [], "unit_sites_weight": None}),
        }
    )


def person_by_person(problem: Problem, time_limit: float, workers: int, seed: int) -> list[Assignment] | None:
    """Assignments of one schedule per person, or None if someone got none in time."""
    from dutyplan.solve import solve

    deadline = time.perf_counter() + time_limit
    n = len(problem.people)
    each = max(0.05, time_limit * workers / n)

    def one(p: int) -> list[Assignment] | None:
        left = deadline - time.perf_counter()
        if left <= 0.02:
            return None
        plan = solve(person_problem(problem, p), time_limit=min(each, left), workers=1, seed=seed,
                     strategy="single")
        return plan.assignments if plan.result.objective is not None else None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        schedules = list(pool.map(one, range(n)))
    missing = sum(s is None for s in schedules)
    if missing:
        logger.info("person-by-person start: no schedule for %d of %d people in time", missing, n)
        return None
    return [a for schedule in schedules for a in schedule or []]
