"""dutyplan.solve: time limits, hints, strategies and argument errors."""

from __future__ import annotations

import time

import pytest

from dutyplan.budget import Stop
from dutyplan.errors import DutyplanError
from dutyplan.examples import load_example
from dutyplan.solve import solve
from dutyplan.synth import generate

from _helpers import assert_agrees

# measured wall time may run over the limit by the plan's construction and a solver's stop
SLACK = 1.5


@pytest.mark.parametrize("strategy", ["single", "decompose"])
def test_time_limit_counts_from_the_call(strategy: str) -> None:
    problem = generate(60, 6, 9, 14, seed=2)
    began = time.perf_counter()
    plan = solve(problem, time_limit=3, workers=2, strategy=strategy)
    elapsed = time.perf_counter() - began
    assert elapsed <= 3 + SLACK, elapsed
    # the best plan in hand at the limit is returned, and it is a plan of the problem
    assert plan.result.objective is not None
    assert_agrees(problem, plan)
    assert plan.result.build_seconds + plan.result.solve_seconds <= 3 + SLACK


def test_a_hint_is_never_made_worse() -> None:
    problem = load_example("shangzhuang")
    first = solve(problem, time_limit=3, workers=2, seed=1)
    again = solve(problem, time_limit=1, workers=2, seed=2, hint=first)
    assert again.result.objective is not None and first.result.objective is not None
    # lexicographic: level by level, the plan is never worse than the hint
    assert [lv.value for lv in again.result.levels] <= [lv.value for lv in first.result.levels]
    assert_agrees(problem, again)


def test_a_hint_breaking_a_hard_rule_is_ignored() -> None:
    problem = load_example("shangzhuang")
    first = solve(problem, time_limit=2, workers=2)
    data = problem.model_dump(exclude_unset=True)
    data["rules"]["min_rest_hours"] = 23
    tighter = type(problem).model_validate(data)
    plan = solve(tighter, time_limit=2, workers=2, hint=first)
    assert_agrees(tighter, plan)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"time_limit": 0}, ["time_limit", "0"]),
        ({"time_limit": -1}, ["time_limit", "-1"]),
        ({"workers": 0}, ["workers", "0"]),
        ({"strategy": "fast"}, ["strategy", "fast"]),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs: dict, words: list[str]) -> None:
    problem = load_example("shangzhuang")
    with pytest.raises(DutyplanError) as info:
        solve(problem, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_progress_records_each_plan_in_time_order() -> None:
    problem = load_example("shangzhuang")
    began = time.perf_counter()
    plan = solve(problem, time_limit=5, workers=1, seed=0)
    elapsed = time.perf_counter() - began
    points = plan.result.progress
    assert points, "no progress recorded"
    times = [p.seconds for p in points]
    assert times == sorted(times) and 0 < times[0] and times[-1] <= elapsed
    assert points[0].seconds >= plan.result.build_seconds  # counted from the call
    levels = {lv.name: lv for lv in plan.result.levels}
    for stage in {p.stage for p in points}:
        values = [p.value for p in points if p.stage == stage]
        assert values == sorted(values, reverse=True), stage  # each plan improves on the last
        assert all(p.bound <= p.value for p in points if p.stage == stage)
        # the plan kept is at least as good as the stage's last plan
        assert levels[stage].value <= values[-1]


# --------------------------------------------------------------------------- no improvement


def test_a_stalled_solve_ends_early_with_its_best_plan() -> None:
    problem = load_example("shangzhuang")  # its fairness level is never proven in seconds
    began = time.perf_counter()
    plan = solve(problem, time_limit=60, workers=2, seed=0, progress=False, no_improvement=0.5)
    elapsed = time.perf_counter() - began
    assert elapsed < 45, elapsed
    assert plan.result.stop_reason in ("no improvement", "proven"), plan.result.stop_reason
    assert plan.result.objective is not None
    assert_agrees(problem, plan)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "2"])
def test_no_improvement_must_be_seconds(bad: object) -> None:
    with pytest.raises(DutyplanError, match="no_improvement"):
        solve(load_example("shangzhuang"), time_limit=1, no_improvement=bad)


def test_no_improvement_is_not_for_deterministic_time() -> None:
    with pytest.raises(DutyplanError, match="no_improvement.*deterministic"):
        solve(load_example("shangzhuang"), time_limit=1, deterministic=True, no_improvement=1)


class _Search:
    stopped = 0

    def stop_search(self) -> None:
        self.stopped += 1


def test_a_stall_stops_the_search_once_a_plan_is_in_hand_and_a_better_plan_resets_it() -> None:
    stop = Stop(stall=0.01)
    search = _Search()
    with stop.watch(search):
        stop.new_level(plan_in_hand=False)
        time.sleep(0.03)
        assert not stop.check_stall() and search.stopped == 0  # no plan yet: keep searching
        stop.improved()  # the first plan
        assert not stop.check_stall()
        time.sleep(0.03)
        assert stop.check_stall() and stop.stalled and search.stopped == 1
        stop.improved()
        assert not stop.stalled and not stop.check_stall()
    assert not stop.requested  # a stall ends one search, it is no stop request
