"""Time limits hold at any horizon length: a ten-year horizon with a limit of a few seconds
ends within the limit (5% + 1 s), for solve, re-plan, staffing and both kinds of explain,
and says that there was no time rather than overrun."""

from __future__ import annotations

import time

import pytest

import dutyplan
from dutyplan.plan import Plan, Result
from dutyplan.problem import Problem

LIMIT = 3.0


@pytest.fixture(scope="module")
def ten_years() -> Problem:
    problem = dutyplan.load_example("shangzhuang")
    return problem.model_copy(update={"horizon": problem.horizon.model_copy(update={"days": 3660})})


def within(began: float) -> float:
    seconds = time.perf_counter() - began
    assert seconds <= 1.05 * LIMIT + 1.0, seconds
    return seconds


@pytest.mark.parametrize("strategy", ["single", "auto"])
def test_solve(ten_years: Problem, strategy: str) -> None:
    began = time.perf_counter()
    plan = dutyplan.solve(ten_years, time_limit=LIMIT, workers=2, strategy=strategy, progress=False)
    within(began)
    assert plan.result.stop_reason == "time limit"
    assert dutyplan.check(ten_years, plan).ok


def test_replan(ten_years: Problem) -> None:
    published = Plan.build(ten_years, [], Result(status="feasible"))
    began = time.perf_counter()
    result = dutyplan.replan(ten_years, published, {"away": [{"person": "wang_jianguo", "start": "2020-03-03"}]},
                             time_limit=LIMIT, workers=2)
    within(began)
    assert result.plan.result.status == "unknown" and result.plan.result.stop_reason == "time limit"


def test_staffing(ten_years: Problem) -> None:
    began = time.perf_counter()
    answer = dutyplan.staffing(ten_years, time_limit=LIMIT, workers=2)
    within(began)
    assert answer.minimum is None and "no time" in answer.reason


def test_explain(ten_years: Problem) -> None:
    began = time.perf_counter()
    answer = dutyplan.explain(ten_years, time_limit=LIMIT)
    within(began)
    assert not answer.parts and "no time" in answer.status


def test_explain_uncovered(ten_years: Problem) -> None:
    plan = Plan.build(ten_years, [], Result(status="feasible"))
    began = time.perf_counter()
    explanations = dutyplan.explain_uncovered(ten_years, plan, time_limit=LIMIT)
    within(began)
    assert 0 < len(explanations) < len(plan.uncovered)
