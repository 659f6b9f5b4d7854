"""Roster column generation (dutyplan.solver.columns): its bound never exceeds the optimum,
its columns keep every rule of their person, and it closes the small Curtois instances."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from _helpers import curtois_instance
from test_properties import LAYOUTS, SETTINGS, tiny_problems

from dutyplan.budget import Budget
from dutyplan.checker import check
from dutyplan.compile import person_problem
from dutyplan.plan import Plan, Result
from dutyplan.problem import Problem
from dutyplan.solve import solve
from dutyplan.solver import columns
from dutyplan.solver.columns import ROSTER_LEVELS, plan_over, roster_bound, roster_dive, roster_plan


@settings(max_examples=40, **SETTINGS)
@given(st.sampled_from(list(LAYOUTS)).flatmap(lambda layout: tiny_problems("weighted", layout)))
def test_the_roster_bound_never_exceeds_the_optimum(problem: Problem) -> None:
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    result = roster_bound(problem, time_limit=10)
    if plan.result.status == "infeasible":
        return
    assert plan.result.status == "optimal", plan.result
    assert result.bound <= plan.result.objective, (result, plan.result)


@settings(max_examples=25, **SETTINGS)
@given(st.sampled_from(list(LAYOUTS)).flatmap(lambda layout: tiny_problems("lexicographic", layout)))
def test_the_cover_bound_never_exceeds_the_optimal_cover(problem: Problem) -> None:
    """The optimum's cover when cover comes first; any plan's cover when it weighs nothing."""
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    if plan.result.status == "infeasible":
        return
    assert plan.result.status == "optimal", plan.result
    result = roster_bound(problem, time_limit=10, weights={"cover": 1})
    cover = check(problem, plan).levels["cover"]  # also where cover weighs nothing
    assert result.bound <= cover, (result, plan.result)


def test_every_column_keeps_every_rule_of_its_person() -> None:
    problem = curtois_instance(2)
    result = roster_bound(problem, time_limit=20)
    assert sum(len(found) for found in result.rosters) == result.columns > 0
    for p, found in enumerate(result.rosters):
        alone = person_problem(problem, p)
        for roster in found:
            assignments = result.pricers[p].assignments(roster)
            report = check(alone, Plan(problem=alone.name, assignments=assignments, result=Result(status="feasible")))
            assert report.ok, report.summary()
            own = sum(result.weights[lv] * report.levels[lv] for lv in ROSTER_LEVELS)
            assert own == roster.cost


@pytest.mark.parametrize("number, optimum", [(2, 828), (3, 1001), (4, 1716)])
def test_the_lp_bound_closes_small_curtois_instances(number: int, optimum: int) -> None:
    """Published optima (../shared/benchmarks/curtois/best_known.csv); the CP-SAT bound of the
    whole model stays well below them in the same time."""
    result = roster_bound(curtois_instance(number), time_limit=30, workers=2)
    assert result.converged
    assert result.bound == optimum


def test_the_bound_is_valid_when_cut_short() -> None:
    """Stopped after its first rounds the Lagrangian bound is lower, never above the optimum."""
    result = roster_bound(curtois_instance(4), time_limit=0.3, workers=1)
    assert result.bound <= 1716


def test_a_weighted_solve_reports_the_roster_bound() -> None:
    """Instance5: CP-SAT's own bound was 1,017 after 60 s (benchmarks/results/
    curtois_1-12_60s.md); the roster LP's is 1,141 (optimum 1,143)."""
    problem = curtois_instance(5)
    plan = solve(problem, time_limit=15, workers=2, seed=0)
    assert 1141 <= plan.result.best_bound <= plan.result.objective
    report = check(problem, plan)
    assert report.ok and report.objective == plan.result.objective


def test_a_plan_that_meets_the_roster_bound_ends_the_solve() -> None:
    problem = curtois_instance(3)
    first = solve(problem, time_limit=20, workers=2, seed=0)
    assert first.result.objective == 1001
    again = solve(problem, time_limit=60, workers=2, seed=0, hint=first)
    assert again.result.status == "optimal" and again.result.objective == again.result.best_bound == 1001
    assert again.result.solve_seconds < 20
    assert not [point for point in again.result.progress if point.value < 1001]


def test_deterministic_column_generation_repeats_itself() -> None:
    problem = curtois_instance(5)
    first, second = (roster_bound(problem, Budget(1.0, deterministic=True), workers=2) for _ in range(2))
    assert (first.bound, first.lp_value, first.rounds, first.columns) == \
        (second.bound, second.lp_value, second.rounds, second.columns)


@settings(max_examples=30, **SETTINGS)
@given(st.sampled_from(list(LAYOUTS)).flatmap(lambda layout: tiny_problems("lexicographic", layout)))
def test_a_level_bound_with_the_levels_before_held_never_exceeds_the_optimum(problem: Problem) -> None:
    """As a lexicographic solve asks: each roster level bounded with the earlier levels held
    at their optimal values."""
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    if plan.result.status == "infeasible":
        return
    assert plan.result.status == "optimal", plan.result
    optimum = check(problem, plan).levels
    order = ["cover", *ROSTER_LEVELS]
    active = [lv for lv in order if problem.objective.weight(lv) > 0]
    for k, level in enumerate(active):
        if level == "cover":
            continue
        held = {lv: optimum[lv] for lv in active[:k]}
        result = roster_bound(problem, time_limit=10, weights={level: 1}, held=held)
        assert result.bound <= optimum[level], (level, held, result.bound, optimum[level])


def test_holding_cover_makes_the_far_person_work() -> None:
    """Two people, one gate needing both on one day: commute alone would leave them home (bound
    0); with cover held at 0 both must go, and the bound is the optimum's commute."""
    problem = Problem.model_validate({
        "name": "held",
        "horizon": {"start": "2024-01-01", "days": 1},
        "shift_types": [{"id": "D", "start": "08:00", "minutes": 480}],
        "sites": [{"id": "S", "gates": [{"id": "G", "demand": {"D": 2}}]}],
        "people": [{"id": "near"}, {"id": "far"}],
        "commute_km": [[1], [9]],
    })
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    commute = check(problem, plan).levels["commute"]
    assert commute > 0
    assert roster_bound(problem, 10, weights={"commute": 1}).bound == 0
    assert roster_bound(problem, 10, weights={"commute": 1}, held={"cover": 0}).bound == commute


def test_a_roster_bound_that_tells_nothing_leaves_the_solve_as_it_was(monkeypatch) -> None:
    """Given up, or cut short before every person had a roster: no bound (-inf), no start."""
    from dutyplan.solver import columns

    problem = curtois_instance(2)
    given_up = columns.ColumnBound(bound=-math.inf, lp_value=math.inf, converged=False, rounds=0, columns=0,
                                   seconds=0.0, weights={}, rosters=[[] for _ in problem.people])
    monkeypatch.setattr(columns, "roster_bound", lambda *args, **kwargs: given_up)
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    assert plan.result.objective == 828 and math.isfinite(plan.result.best_bound)
    assert check(problem, plan).ok


def test_price_and_branch_gives_a_checked_plan_at_its_cost() -> None:
    problem = curtois_instance(3)
    found = roster_bound(problem, time_limit=20, workers=2)
    planned = roster_plan(problem, found, 10, workers=2)
    assert planned is not None
    assignments, cost = planned
    report = check(problem, Plan(problem=problem.name, assignments=assignments, result=Result(status="feasible")))
    assert report.ok, report.summary()
    assert report.objective == cost >= found.bound


def test_a_dive_gives_a_checked_plan_at_its_cost() -> None:
    """Fixing people to rosters step by step: the plan passes the checker at the cost the
    dive claims, never below the bound (Instance4: optimum 1,716)."""
    problem = curtois_instance(4)
    found = roster_bound(problem, time_limit=20, workers=2)
    dived = roster_dive(problem, found, time_limit=30, workers=2)
    assert dived is not None
    assignments, cost = dived
    report = check(problem, Plan(problem=problem.name, assignments=assignments, result=Result(status="feasible")))
    assert report.ok, report.summary()
    assert report.objective == cost >= found.bound == 1716
    assert cost <= 1716 * 1.02


def test_a_dive_out_of_time_settles_the_people_left_over_the_columns(monkeypatch) -> None:
    """With next to no time, the people not fixed yet get the best of their columns (a
    CP-SAT model over them): still a checked plan at the cost claimed (Instance5, whose LP
    is fractional)."""
    problem = curtois_instance(5)
    found = roster_bound(problem, time_limit=20, workers=2)
    calls = []

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return plan_over(*args, **kwargs)

    monkeypatch.setattr(columns, "plan_over", counted)
    budget = Budget(2.0, deterministic=True)
    budget.charge(1.6)  # less than its reserve (0.5 s) left when the dive begins: it ends at once
    dived = roster_dive(problem, found, time_limit=budget, workers=2)
    assert calls == [len(problem.people)]
    assert dived is not None
    assignments, cost = dived
    report = check(problem, Plan(problem=problem.name, assignments=assignments, result=Result(status="feasible")))
    assert report.ok, report.summary()
    assert report.objective == cost >= found.bound


@settings(max_examples=30, **SETTINGS)
@given(st.sampled_from(list(LAYOUTS)).flatmap(lambda layout: tiny_problems("weighted", layout)))
def test_a_dive_on_small_problems_claims_what_the_checker_finds(problem: Problem) -> None:
    """Its plan keeps every rule (hard role rules aside: they tie people together and are not
    in the columns) and its cost is the checker's cover and roster levels, weighted (team
    rules aside, for the same reason)."""
    found = roster_bound(problem, time_limit=10)
    dived = roster_dive(problem, found, time_limit=10)
    if dived is None:
        assert any(not rosters for rosters in found.rosters)
        return
    assignments, cost = dived
    report = check(problem, Plan(problem=problem.name, assignments=assignments, result=Result(status="feasible")))
    if not any(req.weight is None for req in problem.rules.roles):
        assert report.ok, report.summary()
    checked = sum(found.weights[lv] * report.levels[lv] for lv in ("cover", *ROSTER_LEVELS))
    if problem.rules.roles or problem.rules.unit_sites_weight:  # team rules: in the checker's rules only
        assert cost <= checked
    else:
        assert cost == checked
