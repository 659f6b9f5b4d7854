"""Totals: days off per 7, hours per 7, minutes, shifts per type, weekends, each where it binds.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dutyplan.problem import Problem
from dutyplan.solve import solve

from _helpers import (
    DAY,
    EVENING,
    iso,
    NIGHT,
    NO_FAIRNESS,
    level,
    make_problem,
    rule_cost,
    runs,
    solve_ok,
    worked,
    worked_days,
)
from rule_problems import gate, site, soft


def _two_commuters(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """Two dates, one person needed a day; a lives at the site, b 10 km away (round trip)."""
    return make_problem(days=2, people=2, commute_km=[[0], [10]], rules=rules, **extra)


def test_min_minutes() -> None:
    plan, _ = solve_ok(_two_commuters())
    assert worked_days(plan, "a") == [0, 1] and worked(plan, "b") == []
    assert level(plan, "commute") == 0

    plan, _ = solve_ok(_two_commuters({"min_minutes": 480}))
    assert len(worked(plan, "a")) == len(worked(plan, "b")) == 1
    assert level(plan, "commute") == 10

    # soft, lexicographic: rules come before commute
    plan, _ = solve_ok(_two_commuters({"min_minutes": soft(480, 1)}))
    assert len(worked(plan, "b")) == 1
    assert (level(plan, "rules"), level(plan, "commute")) == (0, 10)

    # soft, weighted with commute x 100: 480 short x 1 < 10 km x 100
    plan, report = solve_ok(
        _two_commuters(
            {"min_minutes": soft(480, 1)},
            objective={"mode": "weighted", "weights": {"commute": 100}, **NO_FAIRNESS},
        )
    )
    assert worked(plan, "b") == []
    assert level(plan, "rules") == 480 == rule_cost(report, "min_minutes")
    assert plan.result.objective == 480


def test_min_minutes_hard_out_of_reach_is_infeasible() -> None:
    # b needs two shifts (481 > 480) and a one: three shifts for two places
    plan = solve(_two_commuters({"min_minutes": 481}), time_limit=5, workers=1, seed=0)
    assert plan.result.status == "infeasible"
    assert plan.assignments == [] and plan.result.objective is None


def test_max_minutes() -> None:
    plan, _ = solve_ok(make_problem(days=3, rules={"max_minutes": 960}))
    assert len(plan.assignments) == 2
    assert level(plan, "cover") == 480
    # soft, lexicographic: cover first, so all three are worked: 480 over x 1
    plan, report = solve_ok(make_problem(days=3, rules={"max_minutes": soft(960, 1)}))
    assert len(plan.assignments) == 3
    assert (level(plan, "cover"), level(plan, "rules")) == (0, 480)
    assert rule_cost(report, "max_minutes") == 480
    # weighted with rules x 2: 960 > 480, so one shift goes
    problem = make_problem(
        days=3,
        rules={"max_minutes": soft(960, 1)},
        objective={"mode": "weighted", "weights": {"rules": 2}, **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 2
    assert plan.result.objective == 480


def _day_and_evening(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """Two dates, D (a miss costs 1) and E (a miss costs 10); one person, one shift a day."""
    demand = {"D": {"need": 1, "under_weight": 1}, "E": {"need": 1, "under_weight": 10}}
    return make_problem(
        days=2, shifts=[DAY, EVENING], sites=[site(gate(demand))], rules=rules, **extra
    )


def test_max_shifts_per_type() -> None:
    plan, _ = solve_ok(_day_and_evening())
    assert worked(plan, "a") == [(0, "E"), (1, "E")]
    assert level(plan, "cover") == 2

    plan, _ = solve_ok(_day_and_evening({"max_shifts": {"E": 1}}))
    assert [s for _, s in worked(plan, "a")].count("E") == 1
    assert len(plan.assignments) == 2
    assert level(plan, "cover") == 11

    plan, _ = solve_ok(_day_and_evening({"max_shifts": {"E": 0}}))
    assert worked(plan, "a") == [(0, "D"), (1, "D")]
    assert level(plan, "cover") == 20

    plan, report = solve_ok(_day_and_evening({"max_shifts": {"E": soft(1, 5)}}))
    assert worked(plan, "a") == [(0, "E"), (1, "E")]
    assert level(plan, "rules") == 5 == rule_cost(report, "max_shifts")


def _nights(
    days: int = 4, rules: dict[str, Any] | None = None, night: bool | None = None
) -> Problem:
    """N (00-08, a miss costs 10) and D (a miss costs 1) every date; one person."""
    n = dict(NIGHT) if night is None else {**NIGHT, "night": night}
    demand = {"N": {"need": 1, "under_weight": 10}, "D": {"need": 1, "under_weight": 1}}
    return make_problem(days=days, shifts=[n, DAY], sites=[site(gate(demand))], rules=rules)


def test_max_consecutive_nights() -> None:
    plan, _ = solve_ok(_nights())
    assert worked(plan, "a") == [(d, "N") for d in range(4)]
    assert level(plan, "cover") == 4

    plan, _ = solve_ok(_nights(rules={"max_consecutive_nights": 2}))
    nights = [d for d, s in worked(plan, "a") if s == "N"]
    assert len(nights) == 3
    assert max(n for _, n in runs([d in nights for d in range(4)])) <= 2
    # one night missed (10) + three days missed (3)
    assert level(plan, "cover") == 13

    plan, report = solve_ok(_nights(rules={"max_consecutive_nights": soft(2, 5)}))
    assert len(worked(plan, "a")) == 4
    assert level(plan, "rules") == 10 == rule_cost(report, "max_consecutive_nights")


def test_max_consecutive_nights_follows_the_night_flag() -> None:
    plan, _ = solve_ok(_nights(rules={"max_consecutive_nights": 2}, night=False))
    assert worked(plan, "a") == [(d, "N") for d in range(4)]


SAT = dt.date(2024, 1, 6)


def _weekends(rules: dict[str, Any] | None = None) -> Problem:
    """Sat 6 Jan .. Sat 13 Jan 2024; the gate is open on weekend dates only."""
    weekend = {"sat": {"D": 1}, "sun": {"D": 1}}
    return make_problem(days=8, start=SAT, sites=[site(gate({}, weekdays=weekend))], rules=rules)


def test_max_weekends() -> None:
    plan, _ = solve_ok(_weekends())
    assert worked_days(plan, "a", SAT) == [0, 1, 7]
    plan, _ = solve_ok(_weekends({"max_weekends": 1}))
    assert worked_days(plan, "a", SAT) == [0, 1]  # the first weekend has two dates
    assert level(plan, "cover") == 480
    plan, report = solve_ok(_weekends({"max_weekends": soft(1, 100)}))
    assert worked_days(plan, "a", SAT) == [0, 1, 7]
    assert level(plan, "rules") == 100 == rule_cost(report, "max_weekends")


def test_max_weekends_counts_public_holidays_and_not_make_up_working_days() -> None:
    """Mon 1 .. Sun 14 Jan 2024, one person needed every day, at most one weekend worked
    (hard). Wed 10 is a public holiday, Sat 13 and Sun 14 make-up working days: the second
    week's only rest day is Wed 10, so giving it up is the cheapest (one date, 480)."""
    rules = {"max_weekends": 1}
    calendar = {"holidays": [iso(9)], "workdays": [iso(12), iso(13)]}
    plan, _ = solve_ok(make_problem(days=14, rules=rules, horizon=calendar))
    assert [d for d in range(14) if d not in worked_days(plan, "a")] == [9]
    assert level(plan, "cover") == 480
    plain, _ = solve_ok(make_problem(days=14, rules=rules))
    assert level(plain, "cover") == 480 * 2  # a whole ordinary weekend is given up
