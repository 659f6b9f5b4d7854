"""Sites and teams: one site per person, units kept together, each where it binds.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from dutyplan.problem import Problem

from _helpers import iso, level, make_problem, rule_cost, solve_ok
from rule_problems import gate, site, weighted_objective

TWO_SITES_TWO_DATES = [
    site(gate(dates={iso(0): {"D": 1}}), sid="S1"),
    site(gate(dates={iso(1): {"D": 1}}), sid="S2"),
]


def test_keep_one_site() -> None:
    plan, _ = solve_ok(make_problem(days=2, sites=TWO_SITES_TWO_DATES))
    assert len(plan.assignments) == 1 and level(plan, "cover") == 480
    plan, _ = solve_ok(
        make_problem(days=2, sites=TWO_SITES_TWO_DATES, rules={"keep_one_site": False})
    )
    assert {a.site for a in plan.assignments} == {"S1", "S2"}
    # per person, either way
    people = [{"id": "a", "rules": {"keep_one_site": False}}]
    plan, _ = solve_ok(make_problem(days=2, people=people, sites=TWO_SITES_TWO_DATES))
    assert len(plan.assignments) == 2
    people = [{"id": "a", "rules": {"keep_one_site": True}}]
    plan, _ = solve_ok(
        make_problem(
            days=2, people=people, sites=TWO_SITES_TWO_DATES, rules={"keep_one_site": False}
        )
    )
    assert len(plan.assignments) == 1


def _unit(weight: int | None, units: tuple[str | None, str | None] = ("u", "u")) -> Problem:
    """Two sites on one date; a miss at S2 costs only 30; a and b of ``units``."""
    sites = [
        site(gate({"D": 1}), sid="S1"),
        site(gate({"D": {"need": 1, "under_weight": 30}}), sid="S2"),
    ]
    people = [{"id": "a", "unit": units[0]}, {"id": "b", "unit": units[1]}]
    rules = {} if weight is None else {"unit_sites_weight": weight}
    return make_problem(people=people, sites=sites, rules=rules)


def test_unit_sites_weight() -> None:
    plan, _ = solve_ok(_unit(None))
    assert len(plan.assignments) == 2
    # lexicographic: cover first, both sites staffed, one extra site x 50
    plan, report = solve_ok(_unit(50))
    assert len(plan.assignments) == 2
    assert level(plan, "rules") == 50 == rule_cost(report, "unit_sites_weight")
    # weighted: 50 > 30, so S2 stays empty
    problem = _unit(50).model_copy(update={"objective": weighted_objective()})
    plan, _ = solve_ok(problem)
    assert [a.site for a in plan.assignments] == ["S1"]
    assert plan.result.objective == 30
    # 20 < 30
    problem = _unit(20).model_copy(update={"objective": weighted_objective()})
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 2 and plan.result.objective == 20
    # no shared unit: no cost
    for units in ((None, None), ("u", "v"), ("u", None)):
        problem = _unit(50, units).model_copy(update={"objective": weighted_objective()})
        plan, _ = solve_ok(problem)
        assert len(plan.assignments) == 2 and plan.result.objective == 0


