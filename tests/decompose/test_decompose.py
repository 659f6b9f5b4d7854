"""Decomposition: site choice, per-site rosters, and bounds that never overstate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_properties import problems

from dutyplan.checker import check
from dutyplan.decompose import choose_sites
from dutyplan.compile import (
    build_index,
    person_capacity,
    role_demand,
    site_demand,
    site_options,
    site_problem,
)
from dutyplan.solver.bounds import relaxation_bounds
from dutyplan.plan import Plan, Result
from dutyplan.problem import Problem
from dutyplan.solve import solve
from dutyplan.synth import city, generate

from _helpers import assert_agrees, make_problem


def two_villages(people: int = 6, days: int = 7, **rules: object):
    """Two sites, each with one day and one evening post; people live nearer one or the other."""
    sites = [
        {"id": "A", "gates": [{"id": "g", "demand": {"D": 1, "E": 1}}]},
        {"id": "B", "gates": [{"id": "g", "demand": {"D": 1}}]},
    ]
    km = [[10 + 7 * i % 23, 40 - 5 * i % 17] for i in range(people)]
    return make_problem(
        days=days,
        people=[{"id": f"p{i}", "unit": "u1" if i % 2 else "u2"} for i in range(people)],
        sites=sites,
        shifts=[
            {"id": "D", "start": "08:00", "minutes": 480},
            {"id": "E", "start": "16:00", "minutes": 480},
        ],
        commute_km=km,
        rules={"min_rest_hours": 12, "max_consecutive_days": 4, **rules},
    )


def test_decomposed_plan_passes_the_checker_and_bounds_hold() -> None:
    problem = two_villages()
    exact = solve(problem, time_limit=20, workers=2, strategy="single")
    assert exact.result.status == "optimal"
    decomposed = solve(problem, time_limit=10, workers=2, strategy="decompose")
    report = assert_agrees(problem, decomposed)
    assert report.ok
    assert "decomposed" in decomposed.result.mode
    exact_levels = {lv.name: lv.value for lv in exact.result.levels}
    for level in decomposed.result.levels:
        # a bound of the whole problem can never exceed a proven optimum of it
        if level.name in ("cover", "commute"):
            assert level.bound <= exact_levels[level.name]
        assert level.bound <= level.value
    assert decomposed.result.best_bound <= decomposed.result.objective


def test_decomposed_weighted_mode_keeps_only_valid_bounds() -> None:
    problem = two_villages()
    problem = problem.model_copy(
        update={"objective": problem.objective.model_copy(update={"weights": {"cover": 5, "commute": 1}})}
    )
    exact = solve(problem, time_limit=20, workers=2, strategy="single")
    assert exact.result.status == "optimal"
    plan = solve(problem, time_limit=8, workers=2, strategy="decompose")
    assert_agrees(problem, plan)
    assert plan.result.best_bound <= exact.result.objective <= plan.result.objective


def test_capacity_is_an_upper_bound_on_what_anyone_works() -> None:
    problem = two_villages(people=3, days=9, min_days_off_per_7=2)
    plan = solve(problem, time_limit=10, workers=2, strategy="single")
    caps = person_capacity(build_index(problem))
    worked = {s.person: s.shifts for s in plan.people}
    for p, person in enumerate(problem.people):
        assert worked[person.id] <= caps[p]
    # one shift a day, 2 days off in the 7 days 0..6, then days 7 and 8 free: 5 + 2
    assert caps.max() == 7


def test_capacity_ignores_the_days_off_rule_below_seven_days() -> None:
    # no 7-day window exists in a 5-day horizon: everyone may work all 5 days
    problem = two_villages(people=2, days=5, min_days_off_per_7=3, max_consecutive_days=6)
    assert person_capacity(build_index(problem)).tolist() == [5, 5]
    # the run rule still binds: at most 4 days in a row leaves 4 of 5
    problem = two_villages(people=2, days=5, min_days_off_per_7=3, max_consecutive_days=4)
    assert person_capacity(build_index(problem)).tolist() == [4, 4]


def test_relaxation_bound_of_a_coverable_problem() -> None:
    problem = two_villages()
    cover, commute = relaxation_bounds(build_index(problem), 0)
    assert cover == 0
    exact = solve(problem, time_limit=20, workers=2, strategy="single")
    assert 0 < commute <= {lv.name: lv.value for lv in exact.result.levels}["commute"]


def test_site_problem_translates_site_preferences_exactly() -> None:
    problem = two_villages(people=2, days=2)
    data = problem.model_dump()
    data["people"][0]["preferences"] = [{"kind": "site", "site": "B", "want": True, "weight": 3}]
    problem = problem.model_validate(data)
    sub = site_problem(problem, 0, [0, 1])
    assert [s.id for s in sub.sites] == ["A"]
    # wanting B costs 3 per shift worked at A: one "unwanted" shift preference per shift type
    prefs = sub.people[0].preferences
    assert {(p.kind, p.shift, p.want, p.weight) for p in prefs} == {("shift", "D", False, 3), ("shift", "E", False, 3)}
    plan = solve(sub, time_limit=5, workers=1)
    full_plan = solve(problem, time_limit=5, workers=1, strategy="single")
    assert check(sub, plan).ok and check(problem, full_plan).ok


@pytest.mark.parametrize("seed", [3])
def test_synthetic_district_decomposes_to_a_checked_plan(seed: int) -> None:
    problem = generate(40, 4, 6, 7, seed=seed)
    plan = solve(problem, time_limit=12, workers=2, strategy="decompose")
    report = assert_agrees(problem, plan)
    assert report.ok
    assert plan.result.best_bound <= plan.result.objective
    assert np.isfinite(plan.result.gap)


def test_site_choice_without_a_solver_answer_sends_people_to_the_nearest_needed_sites(monkeypatch) -> None:
    # a loaded machine or a short limit: CP-SAT may return no assignment at all
    import dutyplan.decompose as decompose
    from ortools.sat.python import cp_model

    class NoAnswer(cp_model.CpSolver):
        def solve(self, model, *args, **kwargs):
            super().solve(cp_model.CpModel())  # so wall_time is defined
            return cp_model.UNKNOWN

    problem = generate(60, 6, 10, 7, seed=3)
    ix = build_index(problem)
    monkeypatch.setattr(cp_model, "CpSolver", NoAnswer)
    site_of, info = decompose.choose_sites(ix, 1.0, 1, 0)
    assert info["site_choice_status"] == "nearest"
    options = site_options(ix)
    caps = person_capacity(ix)
    demand, _ = site_demand(ix)
    for p, k in enumerate(site_of.tolist()):
        assert k == -1 or options[p, k]
    sent = np.zeros(ix.n_sites, dtype=np.int64)
    for p, k in enumerate(site_of.tolist()):
        if k >= 0:
            sent[k] += caps[p]
    # every site with demand gets people while someone who could go there is left over
    idle = [p for p, k in enumerate(site_of.tolist()) if k == -1]
    for k in range(ix.n_sites):
        if sent[k] < demand[k]:
            assert not any(options[p, k] and caps[p] > 0 for p in idle)


# --------------------------------------------------------------------------- the role rule


def _holder_capacity(problem: Problem, caps: np.ndarray, site_of: np.ndarray, k: int, role: str) -> int:
    return sum(int(caps[p]) for p in np.flatnonzero(site_of == k) if role in problem.people[p].roles)


def test_site_choice_sends_each_site_the_role_holders_its_hard_rule_needs() -> None:
    # the Beijing rule round the clock at 3 communities; choosing by cover and km alone sent
    # one community holders of a role able to do 9 duties fewer than the rule asks there
    problem = city(48, 3, 7, seed=1, roles=True)
    ix = build_index(problem)
    caps = person_capacity(ix)
    needs = role_demand(ix)
    assert len(needs) == 3 * 3  # every role at every community
    site_of, info = choose_sites(ix, 10.0, 1, 0)
    assert info["site_choice_status"] in ("OPTIMAL", "FEASIBLE")
    for (k, role), need in needs.items():
        assert _holder_capacity(problem, caps, site_of, k, role) >= need, (k, role)


def test_nearest_sites_fallback_sends_role_holders_where_the_rule_needs_them(monkeypatch) -> None:
    # when CP-SAT gives no site choice in time (here: never), the greedy fallback sends the
    # holders of each required role first; by km alone it left one role short at a community
    from ortools.sat.python import cp_model

    class NoAnswer(cp_model.CpSolver):
        def solve(self, model, *args, **kwargs):
            super().solve(cp_model.CpModel())
            return cp_model.UNKNOWN

    problem = city(48, 3, 7, seed=1, roles=True)
    ix = build_index(problem)
    caps = person_capacity(ix)
    monkeypatch.setattr(cp_model, "CpSolver", NoAnswer)
    site_of, info = choose_sites(ix, 1.0, 1, 0)
    assert info["site_choice_status"] == "nearest"
    for (k, role), need in role_demand(ix).items():
        assert _holder_capacity(problem, caps, site_of, k, role) >= need, (k, role)


def test_role_demand_is_met_by_every_plan_that_keeps_the_rule() -> None:
    # a lower bound on the duties the holders do at each site: never above what a plan
    # that keeps the hard rule has them do
    problem = city(32, 2, 7, seed=0, roles=True)
    plan = solve(problem, time_limit=6, workers=1, seed=0, strategy="single", progress=False)
    assert check(problem, plan).ok and plan.result.objective is not None
    roles_of = {person.id: person.roles for person in problem.people}
    sites = [site.id for site in problem.sites]
    needs = role_demand(build_index(problem))
    assert needs
    for (k, role), need in needs.items():
        done = sum(1 for a in plan.assignments if a.site == sites[k] and role in roles_of[a.person])
        assert done >= need, (sites[k], role, done, need)


# --------------------------------------------------------------------------- people with no duty


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(problems())
def test_idle_costs_equal_the_checker_on_an_empty_plan(problem: Problem) -> None:
    """A decomposed plan counts, for people in no site plan, what working nothing costs them
    (wanted shifts and days, soft minimum minutes, rules across the seam with a history):
    the same as the independent checker finds for a plan with no duty at all."""
    from hypothesis import assume

    from dutyplan.decompose import idle_costs

    empty = check(problem, Plan.build(problem, [], Result(status="feasible")))
    assume(not empty.violations)  # (a hard rule that no duty breaks: no plan to count)
    costs = idle_costs(problem, list(range(len(problem.people))))
    for level in ("rules", "preferences"):  # a person's own costs (not a site's role shortfall)
        own = sum(x.cost for x in empty.penalties if x.level == level and x.person is not None)
        assert costs.get(level, 0) == own, (level, costs, empty.penalties)
