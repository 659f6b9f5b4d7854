"""Commute: the commute cap and the day's minutes with commute, each where it binds.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from typing import Any

from dutyplan.problem import Problem

from _helpers import level, make_problem, rule_cost, solve_ok
from rule_problems import gate, site, soft


def _pair(km: float, rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """One date, two people needed; a commutes ``km`` round trip, b 3 km."""
    sites = [site(gate({"D": 2}))]
    return make_problem(people=2, sites=sites, commute_km=[[km], [3]], rules=rules, **extra)


def test_max_commute_km() -> None:
    plan, _ = solve_ok(_pair(12.5))
    assert len(plan.assignments) == 2
    assert level(plan, "commute") == 16  # 12.5 rounds half up to 13, plus 3
    # 13 > 12: a may not go
    plan, _ = solve_ok(_pair(12.5, {"max_commute_km": 12}))
    assert [a.person for a in plan.assignments] == ["b"]
    assert (level(plan, "cover"), level(plan, "commute")) == (480, 3)
    # 13 <= 13, and 12.4 rounds to 12 <= 12
    plan, _ = solve_ok(_pair(12.5, {"max_commute_km": 13}))
    assert len(plan.assignments) == 2
    plan, _ = solve_ok(_pair(12.4, {"max_commute_km": 12}))
    assert len(plan.assignments) == 2 and level(plan, "commute") == 15
    # soft: 1 km over x 10
    plan, report = solve_ok(_pair(12.5, {"max_commute_km": soft(12, 10)}))
    assert len(plan.assignments) == 2
    assert level(plan, "rules") == 10 == rule_cost(report, "max_commute_km")


def test_max_day_minutes() -> None:
    # a: 480 min shift + 45.5 -> 46 min commute = 526
    plan, _ = solve_ok(_pair(0, {"max_day_minutes": 525}, commute_minutes=[[45.5], [0]]))
    assert [a.person for a in plan.assignments] == ["b"]
    assert level(plan, "cover") == 480
    plan, _ = solve_ok(_pair(0, {"max_day_minutes": 526}, commute_minutes=[[45.5], [0]]))
    assert len(plan.assignments) == 2
    # soft: 26 min over x 3
    plan, report = solve_ok(
        _pair(0, {"max_day_minutes": soft(500, 3)}, commute_minutes=[[45.5], [0]])
    )
    assert len(plan.assignments) == 2
    assert level(plan, "rules") == 78 == rule_cost(report, "max_day_minutes")
    # minutes from km at 30 km/h: 15 km -> 30 min, 510 > 509
    plan, _ = solve_ok(_pair(15, {"max_day_minutes": 509}))
    assert [a.person for a in plan.assignments] == ["b"]


