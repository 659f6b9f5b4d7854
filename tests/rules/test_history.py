"""History before the horizon: every rest and run-length rule counts it (rolling planning)."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyplan.checker import check
from dutyplan.errors import ProblemError
from dutyplan.plan import Assignment, Plan, Result

from _helpers import DAY, EVENING, MON, NIGHT, make_problem, solve_ok


def before(days: int) -> str:
    return (MON - dt.timedelta(days=days)).isoformat()


def worked_dates(plan: Plan, person: str = "a") -> list[int]:
    return sorted((a.date - MON).days for a in plan.assignments if a.person == person)


def one_person(history, rules, days=3, shifts=None, **person):
    return make_problem(
        days=days, shifts=shifts or [DAY],
        people=[{"id": "a", "history": history, **person}], rules=rules,
    )


CASES = {
    # each: history, rules, shifts; day 0 is free without the history, ruled out with it
    "rest": ([{"date": before(1), "shift": "E"}], {"min_rest_hours": 12}, [DAY, EVENING]),
    "overlap": ([{"date": before(1), "shift": "L"}], {}, [DAY, {"id": "L", "start": "20:00", "minutes": 780}]),
    "succession": ([{"date": before(1), "shift": "E"}],
                   {"forbidden_successions": [{"first": "E", "then": "D"}]}, [DAY, EVENING]),
    "max_consecutive_days": ([{"date": before(d), "shift": "D"} for d in range(1, 4)],
                             {"max_consecutive_days": 3}, [DAY]),
    "min_days_off_per_7": ([{"date": before(d), "shift": "D"} for d in range(1, 7)],
                           {"min_days_off_per_7": 1, "max_consecutive_days": 10}, [DAY]),
    "max_hours_per_7": ([{"date": before(d), "shift": "D"} for d in range(1, 6)],
                        {"max_hours_per_7": 40}, [DAY]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_rule_that_binds_only_because_of_the_history(case):
    history, rules, shifts = CASES[case]
    demand = {"D": 1}
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": demand}]}]
    plain = make_problem(days=2, shifts=shifts, sites=sites, people=[{"id": "a"}], rules=rules)
    plan, _ = solve_ok(plain)
    assert worked_dates(plan) == [0, 1]
    with_history = make_problem(days=2, shifts=shifts, sites=sites,
                                people=[{"id": "a", "history": history}], rules=rules)
    plan, _ = solve_ok(with_history)  # the checker agrees (solve_ok checks)
    assert 0 not in worked_dates(plan)
    # and the checker, on its own, flags the plan that ignores the history
    ignoring = Plan.build(with_history, [
        Assignment(person="a", date=MON, shift="D", start=dt.datetime.combine(MON, dt.time(8)),
                   end=dt.datetime.combine(MON, dt.time(16)), site="S1", gate="G1")
    ], Result(status="feasible"))
    report = check(with_history, ignoring)
    assert not report.ok
    expected = {"rest": "min_rest_hours", "overlap": "overlap", "succession": "forbidden_successions"}
    assert {v.rule for v in report.violations} == {expected.get(case, case)}


def test_max_consecutive_nights_counts_nights_before():
    history = [{"date": before(d), "shift": "N"} for d in (1, 2)]
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1}}]}]
    rules = {"max_consecutive_nights": 2, "max_consecutive_days": 10}
    problem = make_problem(days=2, shifts=[NIGHT], sites=sites, people=[{"id": "a", "history": history}], rules=rules)
    plan, _ = solve_ok(problem)
    assert worked_dates(plan) == [1]


def test_min_consecutive_days_a_run_in_progress_must_go_on():
    # worked the day before the horizon only (known off the day before that): a run of at
    # least 2 days means working day 0, even though no one asks for day 0 by cost
    history = [{"date": before(1), "shift": "D"}]
    sites = [{"id": "S1", "gates": [{"id": "G1", "dates": {MON.isoformat(): {"D": {"need": 0, "over_weight": 1}}},
                                     "demand": {"D": {"need": 1, "over_weight": 1}}}]}]
    problem = make_problem(days=3, sites=sites, rules={"min_consecutive_days": 2},
                           people=[{"id": "a", "history": history, "history_from": before(2)}])
    plan, _ = solve_ok(problem)
    assert 0 in worked_dates(plan)
    # without knowing the day before, the run touches the known calendar's start: no rule
    unknown = make_problem(days=3, sites=sites, rules={"min_consecutive_days": 2},
                           people=[{"id": "a", "history": history}])
    plan, _ = solve_ok(unknown)
    assert 0 not in worked_dates(plan)


def test_min_consecutive_days_off_counts_days_off_before():
    # off the day before the horizon after working: one more day off at least (2 in a row)
    history = [{"date": before(2), "shift": "D"}]
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    problem = make_problem(days=3, sites=sites, rules={"min_consecutive_days_off": 2},
                           people=[{"id": "a", "history": history}])
    plan, _ = solve_ok(problem)
    assert 0 not in worked_dates(plan)


def test_history_is_validated():
    with pytest.raises(ProblemError, match=r"people\[0\]\.history\[0\]: date 2024-01-01 is not before"):
        one_person([{"date": MON.isoformat(), "shift": "D"}], {})
    with pytest.raises(ProblemError, match=r"people\[0\]\.history\[0\]: unknown shift type 'X'"):
        one_person([{"date": before(1), "shift": "X"}], {})
    with pytest.raises(ProblemError, match=r"history_from"):
        one_person([{"date": before(3), "shift": "D"}], {}, history_from=before(1))


def test_a_soft_run_already_too_long_costs_only_its_horizon_days():
    from _helpers import assert_agrees, level

    history = [{"date": before(d), "shift": "D"} for d in range(1, 5)]  # 4 days, limit 3
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": {"need": 1, "under_weight": 100}}}]}]
    problem = make_problem(days=4, sites=sites, rules={"max_consecutive_days": {"value": 3, "weight": 1}},
                           people=[{"id": "a", "history": history}])
    plan, _ = solve_ok(problem)
    assert worked_dates(plan) == [0, 1, 2, 3]
    assert level(plan, "rules") == 4  # one per horizon date beyond 3 in a row, not 5
    assert_agrees(problem, plan)
