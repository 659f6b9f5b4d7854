"""Long horizons a stretch of dates at a time (a rolling horizon).

A model of a whole year (Curtois & Qu instances 22-24: 364 days, up to 150 people and 32
shift types, a million candidate postings) takes 14 s to build and grows to 7.5 GB while
CP-SAT searches it, and its first plan comes late and poor (measured: Instance23 had no plan
after 60 s, and 618% above the best known after 600 s). Above :data:`WINDOWS_ABOVE_DAYS`
days and :data:`WINDOWS_ABOVE_POSTINGS` candidate postings a horizon is planned in windows
instead: each window is the next :data:`KEEP_DAYS` dates plus :data:`LOOKAHEAD_DAYS` more (so
that its end is not planned blind), solved as a problem of its own
(:func:`~dutyplan.compile.window_problem`, by the single-model solve, without the roster
columns: on Instance23's 6-week windows they found no bound in 10 s and their dive's plan was
not used, a third of each window's time). The window's first ``KEEP_DAYS`` dates are kept and
become the next window's history, so that rest, successions, runs and 7-day windows across the
seam count exactly as in the whole problem (docs/rules.md, "History").

Horizon totals (``min_minutes``, ``max_minutes``, ``max_shifts``, ``max_weekends``) are
shared out by the dates each person is available on: a window gets the part of what is left
that its dates are of the dates left, each as hard as it was. Minutes get :data:`SLACK_SHIFTS`
of the longest shift each way (so that whole shifts can meet them), counts none (measured on
Instance23, whose people must work within 2 shifts of a yearly total: two shifts below their
share, people fell behind and the last weeks could not make it up, no plan; one or two above,
they used their year up early and the last ten weeks were short of people). Sharing counts by
the four kept weeks instead of the six was tried once (56,213; this way 38,150 and 45,701 in
two runs) and not kept. A hard minimum that a person cannot meet alone in a window
(Instance22: people whose yearly minimum needs nearly every date they may work; the window's
search then found no plan in its time) is soft for them there (:data:`SHORT_WEIGHT` per unit
short). The last window, which takes the dates a window of fewer than ``KEEP_DAYS +
LOOKAHEAD_DAYS`` would leave, gets exactly what is left; when it has no plan, it is planned
again together with the window before (up to :data:`MOST_MERGES` times). The fairness level's
ranges are each window's own, so the plan is not optimised for fairness over the whole year
(its value is the whole plan's all the same).

The whole problem's model is built once, at the end, to value the plan level by level
(:func:`~dutyplan.solver.stages.solve_model` with no search time): the result is the whole
problem's objective, recomputed by the checker like any other, and the bound is the one that
evaluation proves (windows give no bound of the whole). Used for problems of one site or with
``keep_one_site`` off everywhere (a site chosen in one window is not carried to the next).
When the windows end with no plan, :func:`dutyplan.solve` gives the whole model the time left
(Instance24: its first window had no plan in its 47 s).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from typing import Any

from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run
from dutyplan.compile import Index, person_problem, window_problem
from dutyplan.model import build_model, estimated_build_seconds
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import Limit, PastDuty, Problem, Rules
from dutyplan.solver.single import solve_single
from dutyplan.solver.stages import solution_from_assignments, solve_model

logger = logging.getLogger("dutyplan")

__all__ = [
    "KEEP_DAYS", "LOOKAHEAD_DAYS", "WINDOWS_ABOVE_DAYS", "WINDOWS_ABOVE_POSTINGS", "applies", "history_days",
    "short_people", "solve_windows", "value_plan", "window_rules",
]

#: Horizons longer than this are planned in windows (the 26-week Curtois instances 20 and 21
#: stay one model: not measured with windows yet).
WINDOWS_ABOVE_DAYS = 182
#: ... and more candidate postings than this: the whole model of Instance22 (108,568) got a
#: plan at 600 s within 3.3 GB (80,504), where its windows fell further short of their people's
#: minima each window (half its people must work nearly every date they may) and had none;
#: Instance23's (332,592) grew to 7.5 GB.
WINDOWS_ABOVE_POSTINGS = 200_000
#: Dates of each window kept in the plan (four weeks: the Curtois instances a single model
#: solves best). Set by judgement, as are the lookahead, the weight and the merges below.
KEEP_DAYS = 28
#: Dates planned beyond them, and planned again by the next window.
LOOKAHEAD_DAYS = 14
#: Duties before a window given to it as history, at least: more when a run rule is longer
#: (:func:`history_days`).
HISTORY_DAYS = 14
#: Slack of a window's share of a total of minutes, each way, in the longest shift's minutes
#: (see the module's docstring for the measurements that chose it).
SLACK_SHIFTS = 0.5
#: Cost per unit a window but the last falls short of its share of a hard horizon minimum.
SHORT_WEIGHT = 100
#: Times the last window, without a plan, is planned again together with the one before.
MOST_MERGES = 2
#: Seconds a person alone may take to show they can meet a window's hard minimum, and the
#: share of a window's time all of them may take.
PERSON_SECONDS = 0.1
PERSON_SHARE = 0.3
#: Seconds kept at the end for the whole model's evaluation, beyond its estimated build time.
EVALUATION_SECONDS = 10.0


def applies(problem: Problem, postings: int) -> bool:
    """A horizon longer than :data:`WINDOWS_ABOVE_DAYS` days with more than
    :data:`WINDOWS_ABOVE_POSTINGS` candidate postings, and nothing tying a person to one site
    across windows (one site, or ``keep_one_site`` off for everyone) or a unit to few sites."""
    if problem.horizon.days <= WINDOWS_ABOVE_DAYS or postings <= WINDOWS_ABOVE_POSTINGS:
        return False
    if len(problem.sites) == 1:
        return True
    if problem.rules.unit_sites_weight is not None:
        return False
    return not any(problem.effective_rules(person).keep_one_site for person in problem.people)


def history_days(problem: Problem) -> int:
    """Dates before a window its history covers: :data:`HISTORY_DAYS`, or more than the
    longest run any rule of anyone counts (a run cut by the history's start would count as
    two)."""
    longest = HISTORY_DAYS
    for person in [None, *problem.people]:
        rules = problem.rules if person is None else problem.effective_rules(person)
        for limit in (rules.max_consecutive_days, rules.max_consecutive_nights, rules.min_consecutive_days,
                      rules.min_consecutive_days_off):
            if limit is not None:
                longest = max(longest, limit.value + 1)
    return longest


def window_rules(
    problem: Problem, p: int, first: int, days: int, minutes: int, shifts: dict[str, int], weekends: int,
    soft_minimum: bool = False,
) -> Rules:
    """Person ``p``'s rules for the window of ``days`` dates from day ``first``, having worked
    ``minutes``, ``shifts`` (per type) and ``weekends`` before it: their own overrides, with
    the horizon totals shared out (see the module's docstring)."""
    person = problem.people[p]
    rules = problem.effective_rules(person)
    last = first + days >= problem.horizon.days
    longest = max(s.minutes for s in problem.shift_types)
    away = {u.date for u in person.unavailable if u.shift is None}
    dates = problem.dates
    ahead = sum(1 for d in dates[first:] if d not in away)
    inside = sum(1 for d in dates[first:first + days] if d not in away)
    fraction = inside / ahead if ahead else 1.0

    def share(limit: Limit | None, used: int, upper: bool, fraction: float, slack: int) -> Limit | None:
        if limit is None:
            return None
        rest = max(0, limit.value - used)
        if last:
            return Limit(value=rest, weight=limit.weight)
        if upper:
            return Limit(value=min(rest, math.ceil(rest * fraction) + slack), weight=limit.weight)
        weight = limit.weight if limit.weight is not None or not soft_minimum else SHORT_WEIGHT
        return Limit(value=max(0, math.floor(rest * fraction) - slack), weight=weight)

    slack = round(SLACK_SHIFTS * longest)
    update: dict[str, Any] = {
        "min_minutes": share(rules.min_minutes, minutes, False, fraction, slack),
        "max_minutes": share(rules.max_minutes, minutes, True, fraction, slack),
        "max_shifts": {
            sid: share(limit, shifts.get(sid, 0), True, fraction, 0)
            for sid, limit in rules.max_shifts.items()
        },
    }
    if rules.max_weekends is not None:
        ahead_w = {problem.weekend_index(d) for d in dates[first:] if d not in away} - {None}
        inside_w = {problem.weekend_index(d) for d in dates[first:first + days] if d not in away} - {None}
        fraction_w = len(inside_w) / len(ahead_w) if ahead_w else 1.0
        update["max_weekends"] = share(rules.max_weekends, weekends, True, fraction_w, 0)
    own = person.rules.model_copy(update=update) if person.rules is not None else Rules(**update)
    return own


def solve_windows(
    problem: Problem, budget: Budget, workers: int, seed: int, log: bool = False,
    params: dict[str, Any] | None = None, index: Index | None = None,
) -> Plan:
    """Plan ``problem`` window by window within ``budget``, then value the whole plan (see the
    module's docstring). A window without a plan (none in time, or none exists within its
    share of the totals) leaves the whole without one: status ``unknown``."""
    started = budget.started
    candidates = int(index.eligible.sum()) if index is not None else None
    total = problem.horizon.days
    starts = list(range(0, total, KEEP_DAYS))
    # the last window looks ahead too: it takes the dates a short one would leave
    while len(starts) > 1 and total - starts[-1] < KEEP_DAYS + LOOKAHEAD_DAYS:
        starts.pop()
    reserve = EVALUATION_SECONDS + (estimated_build_seconds(candidates) if candidates is not None else 0.0)
    dates = problem.dates
    look_back = history_days(problem)
    kept: list[Assignment] = []
    merges = 0
    w = 0
    while w < len(starts):
        first = starts[w]
        last = w == len(starts) - 1
        days = total - first if last else min(KEEP_DAYS + LOOKAHEAD_DAYS, total - first)
        window_start = dates[first]
        minutes, shifts, weekends, by_person = _worked(problem, kept)
        # the first window has the problem's own history; the others the plan's last dates
        known_from = None if first == 0 else window_start - dt.timedelta(days=look_back)
        history = [
            list(person.history) if known_from is None
            else [PastDuty(date=a.date, shift=a.shift) for a in by_person[p] if a.date >= known_from]
            for p, person in enumerate(problem.people)
        ]
        seconds = max(0.0, budget.left() - reserve) / (len(starts) - w)
        window_budget = budget.part(seconds)
        rules = [
            window_rules(problem, p, first, days, minutes[p], shifts[p], weekends[p])
            for p in range(len(problem.people))
        ]
        sub = window_problem(problem, first, days, history, known_from, rules)
        if not last:
            # a hard minimum some person cannot meet alone is soft for them
            tight = short_people(sub, window_budget.part(PERSON_SHARE * seconds), seed)
            if tight:
                for p in tight:
                    rules[p] = window_rules(problem, p, first, days, minutes[p], shifts[p], weekends[p],
                                            soft_minimum=True)
                sub = window_problem(problem, first, days, history, known_from, rules)
        plan = solve_single(sub, window_budget.part(), workers, seed, log, params, roster_columns=False)
        logger.info(
            "window %d of %d (%s, %d days): %s %s (%s) at %.2fs", w + 1, len(starts), window_start, days,
            plan.result.status, plan.result.objective,
            ", ".join(f"{lv.name} {lv.value}" for lv in plan.result.levels), time.perf_counter() - started,
        )
        if not plan.assignments and plan.result.status in ("unknown", "infeasible"):
            if last and w > 0 and merges < MOST_MERGES and not budget.expired():
                # the totals left may be out of the last window's reach: plan it together
                # with the window before, from that one's first date
                logger.info("the last window has no plan (%s): planning it with the one before",
                            plan.result.status)
                merges += 1
                starts.pop(w)
                w -= 1
                kept = [a for a in kept if a.date < dates[starts[w]]]
                continue
            logger.info("window %d has no plan (%s): the horizon has none", w + 1, plan.result.status)
            return _no_plan(problem, workers, seed)
        keep_until = dates[-1] if last else dates[first + KEEP_DAYS - 1]
        kept += [a for a in plan.assignments if a.date <= keep_until]
        w += 1
    return value_plan(problem, kept, budget, workers, seed, started, index)


def short_people(sub: Problem, budget: Budget, seed: int) -> list[int]:
    """The people of window problem ``sub`` with a hard minimum of minutes who alone have no
    schedule that meets it (proven, or none found in :data:`PERSON_SECONDS`); those not
    looked at before ``budget`` ends are not among them."""
    tight = []
    for p, person in enumerate(sub.people):
        limit = sub.effective_rules(person).min_minutes
        if limit is None or not limit.hard or limit.value == 0:
            continue
        if budget.expired():  # the others keep their minimum
            break
        dm = build_model(person_problem(sub, p))
        dm.model.clear_objective()
        status = run(budget.solver(PERSON_SECONDS, seed=seed), dm.model, budget)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            tight.append(p)
    if tight:
        logger.info("%s: %d people cannot meet their share of a minimum alone: soft for them",
                    sub.name, len(tight))
    return tight


def _worked(
    problem: Problem, kept: list[Assignment],
) -> tuple[list[int], list[dict[str, int]], list[int], list[list[Assignment]]]:
    """Per person, what ``kept`` has them work: minutes, shifts per type, weekends (counted
    as the whole horizon counts them), and the assignments."""
    position = {person.id: p for p, person in enumerate(problem.people)}
    shift_minutes = {s.id: s.minutes for s in problem.shift_types}
    n = len(problem.people)
    minutes = [0] * n
    shifts: list[dict[str, int]] = [{} for _ in range(n)]
    weekends: list[set[int]] = [set() for _ in range(n)]
    by_person: list[list[Assignment]] = [[] for _ in range(n)]
    for a in kept:
        p = position[a.person]
        by_person[p].append(a)
        minutes[p] += shift_minutes[a.shift]
        shifts[p][a.shift] = shifts[p].get(a.shift, 0) + 1
        weekend = problem.weekend_index(a.date)
        if weekend is not None:
            weekends[p].add(weekend)
    return minutes, shifts, [len(w) for w in weekends], by_person


def _no_plan(problem: Problem, workers: int, seed: int, build_seconds: float = 0.0) -> Plan:
    """The empty plan of windows that gave none (status ``unknown``: the caller's whole model
    may still find one)."""
    return Plan(problem=problem.name, result=Result(
        status="unknown", mode=problem.objective.effective_mode, workers=workers, seed=seed,
        build_seconds=round(build_seconds, 4),
    ))


def value_plan(
    problem: Problem, assignments: list[Assignment], budget: Budget, workers: int, seed: int, started: float,
    index: Index | None,
) -> Plan:
    """The whole problem's plan of ``assignments``, each level valued by its model."""
    built = time.perf_counter()
    dm = build_model(problem, index=index)
    dm.build_seconds = time.perf_counter() - built
    logger.info("whole model built in %.2fs to value the plan", dm.build_seconds)
    solution = solution_from_assignments(dm, assignments, budget.part(max(budget.left(), EVALUATION_SECONDS)))
    if solution is None:
        logger.info("the windows' plan breaks a hard rule of the whole horizon: no plan")
        return _no_plan(problem, workers, seed, dm.build_seconds)
    plan = solve_model(dm, 0.0, workers, seed, initial=solution, started=started)
    return plan.with_result(
        build_seconds=round(dm.build_seconds, 4),
        solve_seconds=round(time.perf_counter() - started - dm.build_seconds, 4),
    )
