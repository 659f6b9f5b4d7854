"""Fairness terms on tiny instances where they bind.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from _helpers import (
    NO_FAIRNESS,
    iso,
    level,
    make_problem,
    rule_cost,
    solve_ok,
    worked_days,
)


def test_fairness_shift_squares_balances_shift_counts() -> None:
    # one gate, one person a day for 4 days; a may work any day, b only days 0 and 1
    people = [{"id": "a"}, {"id": "b", "unavailable": [iso(2), iso(3)]}]
    base = {**NO_FAIRNESS}
    # without the rule any split of days 0-1 between a and b costs the same
    _, report = solve_ok(make_problem(days=4, people=people, objective=base))
    assert level(_, "fairness") == 0
    # with it: a 2 + b 2 costs 2^2 + 2^2 = 8, better than 3 + 1 (10) or 4 + 0 (16)
    plan, report = solve_ok(
        make_problem(days=4, people=people, objective={**base, "fairness_shift_squares": 1})
    )
    assert worked_days(plan, "b") == [0, 1]
    assert level(plan, "fairness") == 8
    assert rule_cost(report, "fairness_shift_squares") == 8


def test_fairness_counts_a_person_pruned_by_a_hard_zero_total():
    # found by hypothesis: a hard max_minutes of 0 prunes every posting of p1, yet p1 has an
    # admissible duty as docs/rules.md defines it, so the minutes range counts them (at 0)
    problem = make_problem(
        days=2, people=[{"id": "a"}, {"id": "b", "rules": {"max_minutes": 0}}],
        shifts=[{"id": "A", "start": "00:00", "minutes": 120}],
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"A": 1}}]}],
        objective={"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 1},
    )
    plan, report = solve_ok(problem)
    assert report.levels["fairness"] == 240
