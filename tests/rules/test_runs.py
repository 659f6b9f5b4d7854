"""Runs: consecutive working days, days off and nights, each on a tiny instance where it binds.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from dutyplan.problem import Problem

from _helpers import (
    NO_FAIRNESS,
    calendar,
    iso,
    level,
    make_problem,
    rule_cost,
    runs,
    solve_ok,
    worked_days,
)
from rule_problems import gate, site, soft


def test_max_consecutive_days() -> None:
    plan, _ = solve_ok(make_problem(days=5))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]

    plan, _ = solve_ok(make_problem(days=5, rules={"max_consecutive_days": 3}))
    assert max(n for _, n in runs(calendar(plan, "a", 5))) <= 3
    assert len(worked_days(plan, "a")) == 4  # 5 - floor(5 / 4)
    assert level(plan, "cover") == 480

    # soft: one run of 5, 2 days over x 100
    plan, report = solve_ok(make_problem(days=5, rules={"max_consecutive_days": soft(3, 100)}))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]
    assert level(plan, "rules") == 200 == rule_cost(report, "max_consecutive_days")

    # soft and dear in weighted mode: a day over costs 1000 > 480 uncovered
    problem = make_problem(
        days=5,
        rules={"max_consecutive_days": soft(3, 1000)},
        objective={"mode": "weighted", **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(worked_days(plan, "a")) == 4
    assert (level(plan, "cover"), level(plan, "rules")) == (480, 0)


def _only_on(day_offset: int, days: int = 5, rules: dict[str, Any] | None = None) -> Problem:
    return make_problem(
        days=days, sites=[site(gate(dates={iso(day_offset): {"D": 1}}))], rules=rules
    )


def test_min_consecutive_days() -> None:
    plan, _ = solve_ok(_only_on(2))
    assert worked_days(plan, "a") == [2]
    # a lone day in the middle is a run of 1 < 2: not worked
    plan, _ = solve_ok(_only_on(2, rules={"min_consecutive_days": 2}))
    assert plan.assignments == []
    assert level(plan, "cover") == 480
    # soft: 3 - 1 = 2 days short x 100
    plan, report = solve_ok(_only_on(2, rules={"min_consecutive_days": soft(3, 100)}))
    assert worked_days(plan, "a") == [2]
    assert level(plan, "rules") == 200 == rule_cost(report, "min_consecutive_days")


@pytest.mark.parametrize("offset", [0, 4])
def test_min_consecutive_days_not_binding_at_the_horizon_ends(offset: int) -> None:
    plan, _ = solve_ok(_only_on(offset, rules={"min_consecutive_days": 3}))
    assert worked_days(plan, "a") == [offset]
    assert level(plan, "cover") == 0


def _closed_on(offsets: list[int], days: int = 5, rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate({"D": 1}, dates={iso(d): {} for d in offsets}))]
    return make_problem(days=days, sites=sites, rules=rules)


def test_min_consecutive_days_off() -> None:
    plan, _ = solve_ok(_closed_on([2]))
    assert worked_days(plan, "a") == [0, 1, 3, 4]
    # hard 2: the lone day off at 2 must grow to two: one more 480 uncovered
    plan, _ = solve_ok(_closed_on([2], rules={"min_consecutive_days_off": 2}))
    assert len(worked_days(plan, "a")) == 3
    cal = calendar(plan, "a", 5)
    for first, length in runs(cal, False):
        assert first == 0 or first + length == 5 or length >= 2
    assert level(plan, "cover") == 480
    # soft: one day short x 100
    plan, report = solve_ok(_closed_on([2], rules={"min_consecutive_days_off": soft(2, 100)}))
    assert worked_days(plan, "a") == [0, 1, 3, 4]
    assert level(plan, "rules") == 100 == rule_cost(report, "min_consecutive_days_off")
    # a day off at the start of the horizon is never too short
    plan, _ = solve_ok(_closed_on([0], rules={"min_consecutive_days_off": 3}))
    assert worked_days(plan, "a") == [1, 2, 3, 4]


def test_min_days_off_per_7() -> None:
    plan, _ = solve_ok(make_problem(days=8))
    assert len(worked_days(plan, "a")) == 8
    # 8 dates: windows 0-6 and 1-7; one day off inside both suffices
    plan, _ = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": 1}))
    off = [d for d in range(8) if d not in worked_days(plan, "a")]
    assert len(off) == 1 and 1 <= off[0] <= 6
    assert level(plan, "cover") == 480
    plan, _ = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": 2}))
    assert len(worked_days(plan, "a")) == 6
    assert level(plan, "cover") == 960
    # soft: both windows one day short x 100
    plan, report = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": soft(1, 100)}))
    assert len(worked_days(plan, "a")) == 8
    assert level(plan, "rules") == 200 == rule_cost(report, "min_days_off_per_7")


def test_min_days_off_per_7_no_window_in_a_short_horizon() -> None:
    plan, _ = solve_ok(make_problem(days=6, rules={"min_days_off_per_7": 7}))
    assert len(worked_days(plan, "a")) == 6


def _week(days: int = 7, rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate({"D": {"need": 1, "under_weight": 1000}}))]
    return make_problem(days=days, sites=sites, rules=rules)


def test_max_hours_per_7() -> None:
    plan, _ = solve_ok(_week())
    assert len(plan.assignments) == 7
    # 41 h = 2460 min: five 480-minute shifts (2400) fit, six (2880) do not
    plan, _ = solve_ok(_week(rules={"max_hours_per_7": 41}))
    assert len(plan.assignments) == 5
    assert level(plan, "cover") == 2000
    # soft: 7 x 480 - 2460 = 900 minutes over x 1
    plan, report = solve_ok(_week(rules={"max_hours_per_7": soft(41, 1)}))
    assert len(plan.assignments) == 7
    assert level(plan, "rules") == 900 == rule_cost(report, "max_hours_per_7")
    # no window in 6 dates
    plan, _ = solve_ok(_week(days=6, rules={"max_hours_per_7": 1}))
    assert len(plan.assignments) == 6


