"""Preferences: site, shift and day-off preferences, where they bind and what they cost.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from dutyplan.problem import Preference, Problem

from _helpers import (
    DAY,
    EVENING,
    iso,
    level,
    make_problem,
    posts,
    rule_cost,
    solve_ok,
    worked,
    worked_days,
)
from rule_problems import gate, site


def _two_sites(prefs: list[dict[str, Any]] | None, days: int = 1, **extra: Any) -> Problem:
    """Sites S1 and S2 each need one D; a lives at S1 (5 km to S2), b at S2."""
    sites = [site(gate({"D": 1}), sid="S1"), site(gate({"D": 1}), sid="S2")]
    people = [{"id": "a", "preferences": prefs or []}, {"id": "b"}]
    return make_problem(
        days=days, people=people, sites=sites, commute_km=[[0, 5], [5, 0]], **extra
    )


@pytest.mark.parametrize(
    "pref", [{"kind": "site", "site": "S2"}, {"kind": "site", "site": "S1", "want": False}]
)
def test_site_preference(pref: dict[str, Any]) -> None:
    plan, _ = solve_ok(_two_sites(None))
    assert posts(plan) == [("a", 0, "D", "S1", "G1"), ("b", 0, "D", "S2", "G1")]
    plan, _ = solve_ok(_two_sites([pref]))
    assert posts(plan) == [("a", 0, "D", "S2", "G1"), ("b", 0, "D", "S1", "G1")]
    assert (level(plan, "preferences"), level(plan, "commute")) == (0, 10)


def test_site_preference_cost_when_it_cannot_be_met() -> None:
    # a wants S2, b wants S2 twice as much
    problem = _two_sites([{"kind": "site", "site": "S2"}])
    people = [
        problem.people[0],
        problem.people[1].model_copy(
            update={"preferences": [_pref(kind="site", site="S2", weight=2)]}
        ),
    ]
    plan, report = solve_ok(problem.model_copy(update={"people": people}))
    assert posts(plan) == [("a", 0, "D", "S1", "G1"), ("b", 0, "D", "S2", "G1")]
    assert level(plan, "preferences") == 1 == rule_cost(report, "site_preference")


def _pref(**fields: Any) -> Preference:
    return Preference(**fields)


def test_site_preference_on_a_date() -> None:
    pref = {"kind": "site", "site": "S1", "want": False, "date": iso(0)}
    plan, _ = solve_ok(_two_sites([pref], days=2, rules={"keep_one_site": False}))
    assert posts(plan) == [
        ("a", 0, "D", "S2", "G1"),
        ("a", 1, "D", "S1", "G1"),
        ("b", 0, "D", "S1", "G1"),
        ("b", 1, "D", "S2", "G1"),
    ]
    assert (level(plan, "preferences"), level(plan, "commute")) == (0, 10)


def _d_or_e(prefs: list[dict[str, Any]], people: int = 1, days: int = 1, **extra: Any) -> Problem:
    """D and E each need one person; ``prefs`` belong to a."""
    people_list = [{"id": "a", "preferences": prefs}] + [{"id": x} for x in "bcd"[: people - 1]]
    sites = [site(gate({"D": 1, "E": 1}))]
    return make_problem(
        days=days, people=people_list, shifts=[DAY, EVENING], sites=sites, **extra
    )


@pytest.mark.parametrize(
    ("pref", "shift"),
    [
        ({"shift": "E"}, "E"),
        ({"shift": "D"}, "D"),
        ({"shift": "E", "want": False}, "D"),
        ({"shift": "D", "want": False}, "E"),
    ],
)
def test_shift_preference_on_a_date(pref: dict[str, Any], shift: str) -> None:
    plan, _ = solve_ok(_d_or_e([{"kind": "shift", "date": iso(0), **pref}]))
    assert worked(plan, "a") == [(0, shift)]
    assert (level(plan, "cover"), level(plan, "preferences")) == (480, 0)


def test_shift_preference_on_a_date_cost() -> None:
    # wants D on a date when unavailable: weight 3, once
    pref = {"kind": "shift", "date": iso(0), "shift": "D", "weight": 3}
    problem = make_problem(
        people=[{"id": "a", "preferences": [pref], "unavailable": [iso(0)]}],
        shifts=[DAY, EVENING],
        sites=[site(gate({"D": 1, "E": 1}))],
    )
    plan, report = solve_ok(problem)
    assert plan.assignments == []
    assert level(plan, "preferences") == 3 == rule_cost(report, "shift_preference")


def test_shift_preference_without_date() -> None:
    # a wants D (costs per shift of another type): a works D on both dates, b E
    plan, _ = solve_ok(_d_or_e([{"kind": "shift", "shift": "D"}], people=2, days=2))
    assert worked(plan, "a") == [(0, "D"), (1, "D")]
    assert worked(plan, "b") == [(0, "E"), (1, "E")]
    assert level(plan, "preferences") == 0
    plan, _ = solve_ok(_d_or_e([{"kind": "shift", "shift": "E", "want": False}], people=2, days=2))
    assert worked(plan, "a") == [(0, "D"), (1, "D")]
    # a alone, wants D: the two E shifts are still worked (cover first): 2 x weight 4
    plan, report = solve_ok(
        _d_or_e(
            [{"kind": "shift", "shift": "D", "weight": 4}],
            days=2,
            rules={"max_shifts_per_day": 2},
        )
    )
    assert len(plan.assignments) == 4
    assert level(plan, "preferences") == 8 == rule_cost(report, "shift_preference")


def test_day_off_preference() -> None:
    def problem(prefs: list[dict[str, Any]]) -> Problem:
        people = [{"id": "a", "preferences": prefs}, {"id": "b"}]
        return make_problem(days=2, people=people, commute_km=[[0], [5]])

    plan, _ = solve_ok(problem([]))
    assert worked_days(plan, "a") == [0, 1]
    plan, _ = solve_ok(problem([{"kind": "day_off", "date": iso(1)}]))
    assert worked_days(plan, "a") == [0] and worked_days(plan, "b") == [1]
    assert (level(plan, "preferences"), level(plan, "commute")) == (0, 5)
    # a wishes both dates off: preferences come before commute, so b works both
    wishes = [{"kind": "day_off", "date": iso(d), "weight": 2 + d} for d in (0, 1)]
    plan, _ = solve_ok(problem(wishes))
    assert worked(plan, "a") == [] and level(plan, "commute") == 10


def test_day_off_preference_not_wanted() -> None:
    # a wants to work (b lives at the site, a 5 km away)
    pref = [{"kind": "day_off", "date": iso(0), "want": False}]
    people = [{"id": "a", "preferences": pref}, {"id": "b"}]
    plan, _ = solve_ok(make_problem(people=people, commute_km=[[5], [0]]))
    assert [a.person for a in plan.assignments] == ["a"]
    assert (level(plan, "preferences"), level(plan, "commute")) == (0, 5)
    # cannot: unavailable that date, wish weight 4 costs
    people[0]["unavailable"] = [iso(0)]
    people[0]["preferences"] = [{**pref[0], "weight": 4}]
    plan, report = solve_ok(make_problem(people=people, commute_km=[[5], [0]]))
    assert [a.person for a in plan.assignments] == ["b"]
    assert level(plan, "preferences") == 4 == rule_cost(report, "day_off_preference")


