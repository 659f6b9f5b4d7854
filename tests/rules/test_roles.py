"""Roles: role requirements (hard and soft, counts, site scope) and gate roles, where they bind.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from typing import Any

from dutyplan.checker import check
from dutyplan.problem import Problem
from dutyplan.solve import solve

from _helpers import DAY, iso, level, make_problem, posts, rule_cost, solve_ok
from rule_problems import gate, site, weighted_objective


def _leader_or_not(roles: list[dict[str, Any]] | None, **extra: Any) -> Problem:
    """One post; a (leader) lives 10 km away, b (no role) at the site."""
    people = [{"id": "a", "roles": ["leader"]}, {"id": "b"}]
    return make_problem(
        people=people, commute_km=[[10], [0]], rules={"roles": roles or []}, **extra
    )


def test_roles_hard_and_soft() -> None:
    plan, _ = solve_ok(_leader_or_not(None))
    assert [a.person for a in plan.assignments] == ["b"]
    plan, _ = solve_ok(_leader_or_not([{"role": "leader"}]))
    assert [a.person for a in plan.assignments] == ["a"]
    assert level(plan, "commute") == 10
    # soft, lexicographic: rules before commute
    plan, _ = solve_ok(_leader_or_not([{"role": "leader", "weight": 1}]))
    assert [a.person for a in plan.assignments] == ["a"]
    assert level(plan, "rules") == 0
    # soft, weighted, commute x 100: 480 missing person-minutes x 1 < 10 km x 100
    problem = _leader_or_not([{"role": "leader", "weight": 1}], objective=weighted_objective(commute=100))
    plan, report = solve_ok(problem)
    assert [a.person for a in plan.assignments] == ["b"]
    assert level(plan, "rules") == 480 == rule_cost(report, "roles")


def test_roles_count_two() -> None:
    # three posts; leaders a, b live 10 km away, c, d at the site
    leader = ["leader"]
    people = [{"id": "a", "roles": leader}, {"id": "b", "roles": leader}, {"id": "c"}, {"id": "d"}]
    km = [[10], [10], [0], [0]]
    sites = [site(gate({"D": 3}))]
    plan, _ = solve_ok(make_problem(people=people, sites=sites, commute_km=km))
    assert level(plan, "commute") == 10
    plan, _ = solve_ok(
        make_problem(
            people=people,
            sites=sites,
            commute_km=km,
            rules={"roles": [{"role": "leader", "count": 2}]},
        )
    )
    assert {"a", "b"} <= {a.person for a in plan.assignments}
    assert level(plan, "commute") == 20


def test_roles_site_scope() -> None:
    sites = [site(gate({"D": 1}), sid="S1"), site(gate({"D": 1}), sid="S2")]
    people = [{"id": "a", "roles": ["leader"]}, {"id": "b"}, {"id": "c"}]
    km = [[0, 10], [10, 0], [0, 10]]
    plan, _ = solve_ok(make_problem(people=people, sites=sites, commute_km=km))
    assert level(plan, "commute") == 0
    rules = {"roles": [{"role": "leader", "sites": ["S2"]}]}
    plan, _ = solve_ok(make_problem(people=people, sites=sites, commute_km=km, rules=rules))
    assert ("a", 0, "D", "S2", "G1") in posts(plan)
    assert level(plan, "commute") == 10
    # every site needs the one leader at once: impossible
    rules = {"roles": [{"role": "leader"}]}
    plan = solve(
        make_problem(people=people, sites=sites, commute_km=km, rules=rules),
        time_limit=5,
        workers=1,
        seed=0,
    )
    assert plan.result.status == "infeasible"


def test_roles_pieces_with_shifts_of_different_lengths() -> None:
    # G1 needs one 08-16, G2 one 12-20: the site needs people 08-20, in pieces 08-12,
    # 12-16, 16-20. The only leader covers 8 of the 12 hours: 240 person-minutes short.
    shifts = [DAY, {"id": "L", "start": "12:00", "minutes": 480}]
    sites = [site(gate({"D": 1}), gate({"L": 1}, gid="G2"))]
    people = [{"id": "a", "roles": ["leader"]}, {"id": "b"}, {"id": "c"}]
    rules = {"roles": [{"role": "leader", "weight": 1}]}
    plan, report = solve_ok(make_problem(people=people, shifts=shifts, sites=sites, rules=rules))
    assert len(plan.assignments) == 2 and "a" in {a.person for a in plan.assignments}
    assert level(plan, "rules") == 240 == rule_cost(report, "roles")
    # weight 3: 720
    rules = {"roles": [{"role": "leader", "weight": 3}]}
    plan, _ = solve_ok(make_problem(people=people, shifts=shifts, sites=sites, rules=rules))
    assert level(plan, "rules") == 720
    # hard: infeasible
    rules = {"roles": [{"role": "leader"}]}
    plan = solve(
        make_problem(people=people, shifts=shifts, sites=sites, rules=rules),
        time_limit=5,
        workers=1,
        seed=0,
    )
    assert plan.result.status == "infeasible"


def test_roles_with_an_empty_site_list_apply_nowhere() -> None:
    problem = _leader_or_not([{"role": "leader", "sites": []}])
    plan = solve(problem, time_limit=5, workers=1, seed=0)
    assert check(problem, plan).ok
    assert [a.person for a in plan.assignments] == ["b"]
    assert level(plan, "commute") == 0


def test_roles_with_a_site_listed_twice_charge_once() -> None:
    people = [{"id": "a", "roles": ["leader"], "unavailable": [iso(0)]}, {"id": "b"}]
    rules = {"roles": [{"role": "leader", "sites": ["S1", "S1"], "weight": 1}]}
    plan, report = solve_ok(make_problem(people=people, rules=rules))
    assert level(plan, "rules") == 480 == rule_cost(report, "roles")


def test_gate_role() -> None:
    people = [{"id": "a", "roles": ["medic"]}, {"id": "b"}]
    km = [[10], [0]]
    plan, _ = solve_ok(make_problem(people=people, commute_km=km))
    assert [a.person for a in plan.assignments] == ["b"]
    sites = [site(gate({"D": 1}, role="medic"))]
    plan, _ = solve_ok(make_problem(people=people, commute_km=km, sites=sites))
    assert [a.person for a in plan.assignments] == ["a"]
    # the only medic away: nobody may stand in
    people[0]["unavailable"] = [iso(0)]
    plan, _ = solve_ok(make_problem(people=people, commute_km=km, sites=sites))
    assert plan.assignments == [] and level(plan, "cover") == 480


