"""A first plan person by person, for large models whose hard rules are all per person.

When no hard rule ties people together (cover is soft; no hard role requirement), a plan of
the whole problem is just one feasible schedule per person. Finding one for each person alone
is a small model, fast even when the whole model is slow to give its first plan (hard minimum
hours and run lengths over a year, as in the Curtois & Qu instances 20-24).

People are planned a few at a time (as many as there are workers, one solver thread each; one
at a time with every thread once that fails to give someone a schedule), most constrained first,
and each sees the cover the people planned before them already give: their own model's cover
costs are for what is still missing and for the extra people they would add (see
``GateClass.taken``), a missing person weighing up to 5 times more at gates few people can
work (scarce roles). Each schedule also minimises that person's preferences and commute. The
merged schedules are a starting plan that the whole model only improves; if the merge breaks
a rule of the whole (e.g. a gate that allows no extra people), it is not used.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.budget import Budget
from dutyplan.compile import build_index, person_problem
from dutyplan.compile.index import Index
from dutyplan.model import build_model
from dutyplan.plan import Assignment
from dutyplan.problem import LEVELS, Problem
from dutyplan.solver.stages import extract_assignments, run_stage

logger = logging.getLogger("dutyplan")

MAX_SECONDS_PER_PERSON = 5.0  # a one-year person model needs 0.7-2 s for its first plan


def applies(problem: Problem) -> bool:
    """People can be scheduled one by one: no hard role requirement couples them, and no
    households (a caseload's visits and minutes are not in a one-person model)."""
    return (len(problem.people) > 1 and not any(req.weight is None for req in problem.rules.roles)
            and not problem.households)


def person_by_person(
    problem: Problem, time_limit: Budget | float, workers: int, seed: int, index: Index | None = None
) -> list[Assignment] | None:
    """Assignments of one schedule per person, or None if someone got none in time.

    ``time_limit``: a :class:`~dutyplan.budget.Budget`, or wall seconds. ``index``: the whole
    problem's compiled index, if already built. In deterministic mode the people planned side
    by side each get a budget of their own, fixed before they start, and are charged in order
    afterwards, so the result does not depend on which thread finishes first.
    """
    budget = Budget.of(time_limit)
    whole = index if index is not None else build_index(problem)
    n_classes = len(whole.classes)
    taken = np.zeros((n_classes, whole.n_days, whole.n_shifts), dtype=np.int64)
    class_of = whole.class_of_gate()
    shift_pos = {s: i for i, s in enumerate(whole.shift_ids)}
    # most constrained first: fewest admissible postings
    order = np.argsort(whole.eligible.reshape(whole.n_people, -1).sum(axis=1), kind="stable")

    # scarce gates first: a missing person weighs more where few people can stand (a role
    # few have), so those who can do scarce work take it rather than what anyone could do
    need = np.array([(cls.need * cls.size).sum() for cls in whole.classes], dtype=float)
    able = whole.eligible.any(axis=(2, 3)).sum(axis=0).astype(float) if n_classes else need
    ratio = need / np.maximum(able, 1)
    scarcity = 1 + np.round(4 * ratio / max(ratio.max(), 1e-9)).astype(np.int64) if n_classes else []

    def one(p: int, seconds: float, left: float, threads: int = 1) -> tuple[list[Assignment] | None, float]:
        """Person p's schedule (None: none in time) and the deterministic time it took;
        ``left``: the seconds the whole start had left when the batch began."""
        if left <= 0.05:
            return None, 0.0
        ix = build_index(person_problem(problem, p))
        for c, cls in enumerate(ix.classes):
            cls.under_weight = cls.under_weight * scarcity[c]
            if taken[c].any():
                cls.taken = taken[c].copy()
        dm = build_model(ix.problem, index=ix)
        config = ix.problem.objective
        levels = [lv for lv in LEVELS if config.weight(lv) > 0]
        expr = sum((config.weight(lv) * dm.level_expr(lv) for lv in levels), 0)
        # stop after ``seconds`` (less for small models) once a schedule is in hand; wait
        # longer for the first one
        soft = min(seconds, 0.05 + len(dm.x_vars) / 4000)
        hard = min(left, max(3 * seconds, 5.0))
        if hard <= 0.02:
            return None, 0.0
        own = Budget(hard, budget.deterministic, budget.stop)
        status, response, _ = run_stage(dm, expr, None, own, soft, threads, seed, False, None, 0)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, own.charged
        return extract_assignments(dm, np.array(response.solution, dtype=np.int64)), own.charged

    def planned(p: int, seconds: float, threads: int, parallel: int = 1) -> list[Assignment] | None:
        """Person p's schedule alone (one at a time), charged to the budget."""
        schedule, used = one(p, seconds, budget.left(), threads)
        budget.charge(used / parallel)
        return schedule

    capacity = np.stack([
        np.where(cls.over_weight < 0, cls.need * cls.size, np.iinfo(np.int64).max) for cls in whole.classes
    ]) if n_classes else taken

    def postings(schedule: list[Assignment]) -> tuple[np.ndarray, ...]:
        keys = [(class_of[(a.site, a.gate)], problem.day_index(a.date), shift_pos[a.shift]) for a in schedule]
        return tuple(np.array(k, dtype=np.int64).reshape(-1) for k in zip(*keys)) if keys else ()

    def fits(schedule: list[Assignment]) -> bool:
        """No gate that allows no extra people gets more than it needs."""
        at = postings(schedule)
        return not at or bool((taken[at] < capacity[at]).all())

    schedules: list[list[Assignment]] = []
    done = 0
    # people side by side, one solver thread each; once someone gets no schedule that way,
    # one person at a time with every thread (a one-year person with a hard window on total
    # minutes and 32 shift types, Curtois Instance24: no schedule in 30 s with one thread,
    # 2-3 s with two, whose second thread runs another kind of search)
    side_by_side = workers > 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while done < len(order):
            if budget.stop.requested:
                return None
            # give up early when the pace so far cannot plan everyone in time: the whole
            # model gets the time instead (a 3 s limit for 60 people)
            if done >= max(2 * workers, len(order) // 10):
                pace = budget.used() / done
                if pace * len(order) > 1.5 * budget.seconds:
                    logger.info(
                        "person-by-person start: %d of %d planned in %.2fs, too slow for %.2fs",
                        done, len(order), budget.used(), budget.seconds,
                    )
                    return None
            batch = order[done : done + (workers if side_by_side else 1)].tolist()
            left = budget.left()
            seconds = min(MAX_SECONDS_PER_PERSON, left * workers / (len(order) - done))
            batch_side_by_side = side_by_side
            if batch_side_by_side:
                found = list(pool.map(lambda p: one(p, seconds, left), batch))
                for _, used in found:  # in order: deterministic sums
                    budget.charge(used / len(batch))
                results = [schedule for schedule, _ in found]
            else:
                results = [planned(batch[0], seconds / workers, workers)]
            for p, schedule in zip(batch, results):
                if schedule is not None and not fits(schedule):
                    # planned alongside someone who took the same places: plan again after them
                    schedule = planned(p, seconds, 1 if side_by_side else workers)
                if schedule is None and batch_side_by_side:
                    if side_by_side:
                        side_by_side = False
                        logger.info(
                            "person-by-person start: one person at a time from person %s on",
                            problem.people[p].id,
                        )
                    schedule = planned(p, seconds / workers, workers)
                if schedule is None:
                    logger.info(
                        "person-by-person start: no schedule for person %s in time (%d of %d planned)",
                        problem.people[p].id, len(schedules), len(order),
                    )
                    return None
                at = postings(schedule)
                if at:
                    np.add.at(taken, at, 1)
                schedules.append(schedule)
            done += len(batch)
    return [a for schedule in schedules for a in schedule]
