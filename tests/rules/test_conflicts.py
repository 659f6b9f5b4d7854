"""Conflicts: shifts a day, rest between shifts and forbidden successions, each on a tiny instance where it binds.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dutyplan.problem import Problem

from _helpers import NO_FAIRNESS, iso, level, make_problem, rule_cost, solve_ok, worked
from rule_problems import SPLIT, SPLIT_SITE, THREE, gate, site, soft


def split(rules: dict[str, Any] | None = None) -> Problem:
    """One person, one day, two 4-hour shifts that do not overlap, each needing one person."""
    return make_problem(shifts=SPLIT, sites=SPLIT_SITE, rules=rules)


def test_max_shifts_per_day_default_is_hard_one() -> None:
    plan, _ = solve_ok(split())
    assert len(plan.assignments) == 1
    # one 240-minute shift uncovered at priority 1: 240
    assert level(plan, "cover") == 240
    assert [(u.shift, u.missing) for u in plan.uncovered] in ([("A", 1)], [("B", 1)])


def test_max_shifts_per_day_off_or_raised() -> None:
    for rules in ({"max_shifts_per_day": None}, {"max_shifts_per_day": 2}):
        plan, _ = solve_ok(split(rules))
        assert worked(plan, "a") == [(0, "A"), (0, "B")]
        assert level(plan, "cover") == 0


def test_max_shifts_per_day_soft() -> None:
    # cheap: the second shift costs 100 x 1 shift over < 240 uncovered
    plan, report = solve_ok(split({"max_shifts_per_day": soft(1, 100)}))
    assert worked(plan, "a") == [(0, "A"), (0, "B")]
    assert level(plan, "rules") == 100 == rule_cost(report, "max_shifts_per_day")
    # weighted mode, dear: 300 x 1 > 240, so one shift is left uncovered
    problem = make_problem(
        shifts=SPLIT,
        sites=SPLIT_SITE,
        rules={"max_shifts_per_day": soft(1, 300)},
        objective={"mode": "weighted", **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 1
    assert (level(plan, "cover"), level(plan, "rules")) == (240, 0)
    assert plan.result.objective == 240


def _evening_then_night(rules: dict[str, Any] | None = None) -> Problem:
    """E on the first date (16-24), N on the second (00-08): no rest across midnight."""
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"N": 1}}))]
    return make_problem(days=2, shifts=THREE, sites=sites, rules=rules)


def test_min_rest_hours_across_midnight() -> None:
    plan, _ = solve_ok(_evening_then_night())
    assert worked(plan, "a") == [(0, "E"), (1, "N")]

    for hours in (1, 8):
        plan, _ = solve_ok(_evening_then_night({"min_rest_hours": hours}))
        assert len(plan.assignments) == 1
        assert level(plan, "cover") == 480

    # a rest of 0 h counts (0 <= start_j - end_i < 60 v): one pair x weight 5
    plan, report = solve_ok(_evening_then_night({"min_rest_hours": soft(8, 5)}))
    assert worked(plan, "a") == [(0, "E"), (1, "N")]
    assert level(plan, "rules") == 5 == rule_cost(report, "min_rest_hours")


LONG_SHORT = [
    {"id": "L", "start": "07:00", "minutes": 720},  # 07-19
    {"id": "S", "start": "05:00", "minutes": 240},  # 05-09
]


def _long_then_short(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """L (12 h) on the first date ends 19:00; S (4 h) on the next date starts 05:00: 10 h rest."""
    sites = [site(gate(dates={iso(0): {"L": 1}, iso(1): {"S": 1}}))]
    return make_problem(days=2, shifts=LONG_SHORT, sites=sites, rules=rules, **extra)


def test_min_rest_hours_between_shifts_of_different_lengths() -> None:
    # exactly 10 h of rest is enough for a 10 h rule
    plan, _ = solve_ok(_long_then_short({"min_rest_hours": 10}))
    assert worked(plan, "a") == [(0, "L"), (1, "S")]
    assert level(plan, "cover") == 0
    # 11 h: one of them goes; the 4 h shift is the cheaper miss (240 < 720)
    plan, _ = solve_ok(_long_then_short({"min_rest_hours": 11}))
    assert worked(plan, "a") == [(0, "L")]
    assert level(plan, "cover") == 240
    assert [(u.date, u.shift) for u in plan.uncovered] == [(dt.date(2024, 1, 2), "S")]
    # soft: one pair x 100 < 240
    plan, report = solve_ok(_long_then_short({"min_rest_hours": soft(11, 100)}))
    assert worked(plan, "a") == [(0, "L"), (1, "S")]
    assert level(plan, "rules") == 100 == rule_cost(report, "min_rest_hours")
    # soft but dear, weighted: 1000 > 240
    plan, _ = solve_ok(
        _long_then_short(
            {"min_rest_hours": soft(11, 1000)}, objective={"mode": "weighted", **NO_FAIRNESS}
        )
    )
    assert worked(plan, "a") == [(0, "L")]
    assert plan.result.objective == 240


def test_min_rest_hours_counts_every_pair() -> None:
    # N 00-08, D 08-16, E 16-24 on one date, up to 3 shifts a day: with a soft 9 h rest,
    # N->D (0 h) and D->E (0 h) are short, N->E (8 h) too: 3 pairs x weight 1
    sites = [site(gate({"N": 1, "D": 1, "E": 1}))]
    problem = make_problem(
        shifts=THREE,
        sites=sites,
        rules={"max_shifts_per_day": 3, "min_rest_hours": soft(9, 1)},
    )
    plan, report = solve_ok(problem)
    assert len(plan.assignments) == 3
    assert level(plan, "rules") == 3 == rule_cost(report, "min_rest_hours")


def _evening_then_day(rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"D": 1}}))]
    return make_problem(days=2, shifts=THREE, sites=sites, rules=rules)


def test_forbidden_successions() -> None:
    plan, _ = solve_ok(_evening_then_day())
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    # the other direction does not bind
    plan, _ = solve_ok(_evening_then_day({"forbidden_successions": [{"first": "D", "then": "E"}]}))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    # hard E -> D: one of the two 480-minute shifts is left
    plan, _ = solve_ok(_evening_then_day({"forbidden_successions": [{"first": "E", "then": "D"}]}))
    assert len(plan.assignments) == 1
    assert level(plan, "cover") == 480
    # soft: 7 per occurrence
    rules = {"forbidden_successions": [{"first": "E", "then": "D", "weight": 7}]}
    plan, report = solve_ok(_evening_then_day(rules))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    assert level(plan, "rules") == 7 == rule_cost(report, "forbidden_successions")


def test_clique_covers_are_not_shared_between_shift_types_with_swapped_ids() -> None:
    # the same clock times with the ids swapped: the cached cover of the first problem must
    # not be reused for the second, whose forbidden succession is another pair of positions
    early, late = {"start": "07:00", "minutes": 480}, {"start": "23:00", "minutes": 480}
    rules = {"forbidden_successions": [{"first": "N", "then": "D"}], "min_rest_hours": None,
             "min_days_off_per_7": None}
    for shifts in ([{"id": "D", **early}, {"id": "N", **late}],
                   [{"id": "N", **early}, {"id": "D", **late}]):
        sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "N": 1}}]}]
        problem = make_problem(days=2, people=1, sites=sites, shifts=shifts, rules=rules)
        plan, report = solve_ok(problem)
        assert report.ok
        done = worked(plan, "a")
        assert not ((0, "N") in done and (1, "D") in done)
