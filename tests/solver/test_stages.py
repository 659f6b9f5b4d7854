"""Optimising a built model (dutyplan.solver.stages): a plan in hand is never lost."""

from __future__ import annotations

import pytest
from _helpers import NO_FAIRNESS, assert_agrees, make_problem

from dutyplan.model import build_model
from dutyplan.solver import solution_from_assignments, solve_model


def _problem(mode: str = "weighted"):
    # one gate needing one person a day for 3 days, two people
    return make_problem(days=3, people=2, objective={"mode": mode, **NO_FAIRNESS},
                        rules={"min_days_off_per_7": None})


def _best_and_empty(problem):
    best = solve_model(build_model(problem), 10, 1, 0)
    assert best.result.status == "optimal" and best.result.objective == 0
    dm = build_model(problem)
    full = solution_from_assignments(dm, best.assignments)
    empty = solution_from_assignments(dm, [])  # nobody posted: three days short
    assert full is not None and empty is not None
    return dm, full, empty


def test_a_better_fallback_replaces_the_start_when_there_is_no_time_to_search():
    problem = _problem()
    dm, full, empty = _best_and_empty(problem)
    plan = solve_model(dm, 0, 1, 0, initial=empty, fallback=full)
    assert plan.result.objective == 0
    assert len(plan.assignments) == 3
    assert_agrees(problem, plan)
    # the progress shows both plans in hand at the start, the start first
    values = [p.value for p in plan.result.progress]
    assert len(values) == 2 and values[0] > 0 and values[1] == 0


def test_the_fallback_is_kept_when_the_search_finds_nothing():
    problem = _problem()
    dm, full, _ = _best_and_empty(problem)
    plan = solve_model(dm, 0, 1, 0, fallback=full)  # no time: the search finds no plan
    assert plan.result.objective == 0
    assert_agrees(problem, plan)


def test_a_worse_fallback_does_not_hold_the_search_back():
    problem = _problem()
    dm, _, empty = _best_and_empty(problem)
    plan = solve_model(dm, 5, 1, 0, fallback=empty)
    assert plan.result.objective == 0 and len(plan.assignments) == 3
    assert_agrees(problem, plan)


def test_a_fallback_is_for_the_weighted_mode_only():
    problem = _problem("lexicographic")
    dm = build_model(problem)
    with pytest.raises(ValueError, match="weighted mode only"):
        solve_model(dm, 1, 1, 0, fallback=solution_from_assignments(dm, []))
