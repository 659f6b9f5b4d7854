"""Per-person overrides of the rules, and reproducible plans with rules.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from dutyplan.plan import Plan
from dutyplan.solve import solve

from _helpers import (
    iso,
    level,
    make_problem,
    posts,
    rule_cost,
    solve_ok,
    worked,
    worked_days,
)
from rule_problems import SPLIT, SPLIT_SITE, THREE, gate, site, soft


def test_person_override_switches_a_rule_off() -> None:
    rules = {"max_consecutive_days": 3}
    plan, _ = solve_ok(make_problem(days=5, rules=rules))
    assert len(worked_days(plan, "a")) == 4
    people = [{"id": "a", "rules": {"max_consecutive_days": None}}]
    problem = make_problem(days=5, rules=rules, people=people)
    assert problem.effective_rules(problem.people[0]).max_consecutive_days is None
    assert problem.rules.max_consecutive_days is not None
    plan, _ = solve_ok(problem)
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]


def test_person_override_switches_the_default_max_shifts_per_day_off() -> None:
    people = [{"id": "a", "rules": {"max_shifts_per_day": None}}]
    plan, _ = solve_ok(make_problem(shifts=SPLIT, sites=SPLIT_SITE, people=people))
    assert len(plan.assignments) == 2


def test_person_override_makes_a_rule_soft() -> None:
    people = [{"id": "a", "rules": {"max_consecutive_days": soft(3, 1)}}]
    plan, report = solve_ok(make_problem(days=5, rules={"max_consecutive_days": 3}, people=people))
    assert len(worked_days(plan, "a")) == 5
    assert level(plan, "rules") == 2 == rule_cost(report, "max_consecutive_days")


def test_person_override_applies_to_that_person_only() -> None:
    # two posts a day for 5 days; only b is limited to 2 days in a row
    people = [{"id": "a"}, {"id": "b", "rules": {"max_consecutive_days": 2}}]
    plan, _ = solve_ok(make_problem(days=5, people=people, sites=[site(gate({"D": 2}))]))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]
    assert worked_days(plan, "b") == [0, 1, 3, 4]
    assert level(plan, "cover") == 480


def test_person_override_of_a_list_rule() -> None:
    rules = {"forbidden_successions": [{"first": "E", "then": "D"}]}
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"D": 1}}))]
    people = [{"id": "a", "rules": {"forbidden_successions": []}}]
    plan, _ = solve_ok(make_problem(days=2, shifts=THREE, sites=sites, rules=rules, people=people))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    people = [{"id": "a", "rules": {"max_shifts": {"E": 0}}}]
    plan, _ = solve_ok(make_problem(days=2, shifts=THREE, sites=sites, people=people))
    assert worked(plan, "a") == [(1, "D")]


def test_plans_with_rules_are_reproducible() -> None:
    problem = make_problem(days=5, people=2, rules={"max_consecutive_days": 2})
    first = solve(problem, time_limit=5, workers=1, seed=0)
    second = solve(problem, time_limit=5, workers=1, seed=0)
    assert posts(first) == posts(second)
    assert isinstance(first, Plan)


