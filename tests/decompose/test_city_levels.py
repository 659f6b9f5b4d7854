"""The city's bounds on preferences and fairness (dutyplan.decompose.city.levels): they bind on
tiny problems where the optimum is known, and never exceed the value of a plan of cover 0."""

from __future__ import annotations

import itertools

import numpy as np
from _helpers import DAY, EVENING, NIGHT, NO_FAIRNESS, assert_agrees, iso, level, make_problem, solve_ok
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyplan.decompose import city
from dutyplan.solve import solve
from dutyplan.synth import generate


def bounds_of(problem) -> tuple[int, int]:  # noqa: ANN001
    view = city.city_view(problem)
    could = city.could_work(view, city.candidate_pairs(view, k_nearest=1))
    return city.preference_bound(view, could), city.fairness_bound(view, could)


def night_gate(days: int) -> list[dict]:
    return [{"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1}}]}]


def test_a_night_only_the_person_who_does_not_want_it_can_take_costs_in_the_bound() -> None:
    # b is away on day 2: that night falls to a, who does not want nights (2)
    problem = make_problem(
        days=2, shifts=[NIGHT], sites=night_gate(2),
        people=[{"id": "a", "preferences": [{"kind": "shift", "shift": "N", "want": False, "weight": 2}]},
                {"id": "b", "unavailable": [iso(1)]}],
    )
    plan, _ = solve_ok(problem)
    assert level(plan, "preferences") == 2
    assert bounds_of(problem)[0] == 2
    # with c there to take it, nothing has to cost
    more = problem.model_copy(update={"people": [*problem.people, problem.people[1].model_copy(
        update={"id": "c", "unavailable": []})]})
    assert bounds_of(more)[0] == 0


def test_a_wanted_day_off_costs_once_however_many_duties_that_day() -> None:
    # a alone, both shifts of day 1 needed: the day off is lost once (5), not per duty
    problem = make_problem(
        days=1, shifts=[DAY, EVENING],
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "E": 1}}]}],
        people=[{"id": "a", "preferences": [{"kind": "day_off", "date": iso(0), "weight": 5}]}],
        rules={"max_shifts_per_day": 2},
    )
    plan, _ = solve_ok(problem)
    assert level(plan, "cover") == 0 and level(plan, "preferences") == 5
    assert bounds_of(problem)[0] == 5


def test_fairness_bound_binds_when_one_person_can_take_little() -> None:
    # 3 day shifts; a can work only day 1, so b works at least 2: range >= 480 minutes, and
    # squares >= 1 + 4
    people = [{"id": "a", "unavailable": [iso(1), iso(2)]}, {"id": "b"}]
    problem = make_problem(days=3, people=people,
                           objective={**NO_FAIRNESS, "fairness_minutes": 1})
    plan, _ = solve_ok(problem)
    assert level(plan, "fairness") == 480
    assert bounds_of(problem)[1] == 480
    squares = make_problem(days=3, people=people,
                           objective={**NO_FAIRNESS, "fairness_shift_squares": 1})
    plan, _ = solve_ok(squares)
    assert level(plan, "fairness") == 5
    assert bounds_of(squares)[1] == 5


@settings(max_examples=60, deadline=None)
@given(caps=st.lists(st.integers(0, 5), min_size=1, max_size=4), demand=st.integers(0, 12))
def test_water_filling_matches_brute_force(caps: list[int], demand: int) -> None:
    shares = [x for x in itertools.product(*(range(c + 1) for c in caps)) if sum(x) == demand]
    caps_array = np.array(caps)
    if not shares:
        assert city.least_squares(caps_array, demand) == 0
        return
    assert city.least_squares(caps_array, demand) == min(sum(v * v for v in x) for x in shares)
    # no share keeps everyone below the level, and the ceiling of the level is reached by one
    level_ = city.water_level(caps_array, demand)
    assert min(max(x) for x in shares) == int(np.ceil(level_ - 1e-9))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), people=st.integers(8, 16))
def test_bounds_never_exceed_a_plan_of_cover_0(seed: int, people: int) -> None:
    problem = generate(people, 3, 4, 7, seed=seed)
    plan = solve(problem, time_limit=3, workers=2, seed=0, strategy="single", progress=False)
    if plan.result.objective is None or level(plan, "cover") > 0:
        return
    report = assert_agrees(problem, plan)
    preferences, fairness = bounds_of(problem)
    assert preferences <= report.levels["preferences"]
    assert fairness <= report.levels["fairness"]
