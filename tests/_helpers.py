"""Shared helpers of the solver tests: tiny problems, solve-and-check, plan readers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dutyplan.checker import CheckReport, check
from dutyplan.io import curtois
from dutyplan.plan import Plan
from dutyplan.problem import Problem
from dutyplan.solve import solve

MON = dt.date(2024, 1, 1)  # a Monday
NO_FAIRNESS = {"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0}
DAY = {"id": "D", "start": "08:00", "minutes": 480}
EVENING = {"id": "E", "start": "16:00", "minutes": 480}
NIGHT = {"id": "N", "start": "00:00", "minutes": 480}
ONE_GATE = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
#: the public Curtois & Qu instances, in ../shared beside the repository
CURTOIS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "curtois"


def day(offset: int, start: dt.date = MON) -> dt.date:
    return start + dt.timedelta(days=offset)


def iso(offset: int, start: dt.date = MON) -> str:
    return day(offset, start).isoformat()


def make_problem(
    days: int = 1,
    people: int | list[dict[str, Any]] = 1,
    sites: list[dict[str, Any]] | None = None,
    shifts: list[dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
    objective: dict[str, Any] | None = None,
    start: dt.date = MON,
    horizon: dict[str, Any] | None = None,
    **extra: Any,
) -> Problem:
    """A tiny problem; ``people`` is a count (ids a, b, c...) or a list of person dicts.

    Defaults: one site S1 with one gate G1 needing one person on the day shift D (08-16),
    fairness switched off. ``horizon``: more horizon fields (holidays, workdays, country).
    """
    if isinstance(people, int):
        people = [{"id": "abcdefgh"[i]} for i in range(people)]
    return Problem(
        name="tiny",
        horizon={"start": start, "days": days, **(horizon or {})},
        shift_types=shifts if shifts is not None else [DAY],
        sites=sites if sites is not None else ONE_GATE,
        people=people,
        rules=rules or {},
        objective=objective if objective is not None else dict(NO_FAIRNESS),
        **extra,
    )


def assert_agrees(problem: Problem, plan: Plan) -> CheckReport:
    """The checker accepts the plan and recomputes the solver's objective and every level."""
    report = check(problem, plan)
    assert report.ok, report.summary()
    assert plan.result.objective is not None
    assert report.objective == plan.result.objective, report.summary()
    assert report.objective_matches is True
    for level in plan.result.levels:
        assert report.levels[level.name] == level.value, (level.name, report.summary())
    # levels switched off (weight 0), and "changes" outside a re-plan, are not reported by
    # the solver and weigh nothing
    reported = {level.name for level in plan.result.levels}
    for name, weight in report.weights.items():
        if name not in reported:
            assert weight == 0 or (name == "changes" and report.levels[name] == 0), name
    return report


def solve_ok(
    problem: Problem, time_limit: float = 5.0, workers: int = 1, optimal: bool = True
) -> tuple[Plan, CheckReport]:
    """Solve a tiny problem (seed 0), insist on optimality, and check the plan."""
    plan = solve(problem, time_limit=time_limit, workers=workers, seed=0)
    if optimal:
        assert plan.result.status == "optimal", plan.result
        assert plan.result.best_bound == plan.result.objective
    else:
        assert plan.result.status in ("optimal", "feasible"), plan.result
    return plan, assert_agrees(problem, plan)


def level(plan: Plan, name: str) -> int:
    """The solver's value of one level (0 when the level is switched off)."""
    for item in plan.result.levels:
        if item.name == name:
            return item.value
    return 0


def levels(plan: Plan) -> dict[str, int]:
    return {item.name: item.value for item in plan.result.levels}


def worked(plan: Plan, person: str, start: dt.date = MON) -> list[tuple[int, str]]:
    """Sorted (day offset, shift id) pairs worked by a person."""
    return sorted(((a.date - start).days, a.shift) for a in plan.assignments if a.person == person)


def worked_days(plan: Plan, person: str, start: dt.date = MON) -> list[int]:
    return sorted({d for d, _ in worked(plan, person, start)})


def runs(flags: list[bool], value: bool = True) -> list[tuple[int, int]]:
    """(first index, length) of each maximal run of ``value``."""
    result: list[tuple[int, int]] = []
    begin = None
    for i, flag in enumerate([*flags, not value]):
        if flag == value and begin is None:
            begin = i
        elif flag != value and begin is not None:
            result.append((begin, i - begin))
            begin = None
    return result


def calendar(plan: Plan, person: str, n_days: int, start: dt.date = MON) -> list[bool]:
    days = set(worked_days(plan, person, start))
    return [d in days for d in range(n_days)]


def rule_cost(report: CheckReport, rule: str) -> int:
    return sum(p.cost for p in report.penalties if p.rule == rule)


def posts(plan: Plan) -> list[tuple[str, int, str, str, str]]:
    """Sorted (person, day offset, shift, site, gate) of every assignment."""
    return sorted(
        (a.person, (a.date - MON).days, a.shift, a.site, a.gate) for a in plan.assignments
    )


BUSY = "import time\nend = time.time() + 600\nwhile time.time() < end: pass\n"


@contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on one core while the block runs."""
    spinner = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def curtois_instance(number: int) -> Problem:
    """Curtois & Qu's InstanceN (the test is skipped when ../shared is not beside the repository)."""
    path = CURTOIS / f"Instance{number}.txt"
    if not path.exists():
        pytest.skip(f"{path} not found (../shared beside the repository)")
    return curtois.load(path)
