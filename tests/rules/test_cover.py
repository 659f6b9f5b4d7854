"""Cover: availability, over- and under-cover, gate priority and demand by weekday and date.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from dutyplan.problem import Problem

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
from rule_problems import THREE, gate, site, weighted_objective


def test_unavailable_date() -> None:
    plan, _ = solve_ok(make_problem(days=2))
    assert worked_days(plan, "a") == [0, 1]
    plan, _ = solve_ok(make_problem(days=2, people=[{"id": "a", "unavailable": [iso(0)]}]))
    assert worked(plan, "a") == [(1, "D")]
    assert level(plan, "cover") == 480


def test_unavailable_shift() -> None:
    sites = [site(gate({"D": 1, "E": {"need": 1, "under_weight": 1}}))]
    plan, _ = solve_ok(make_problem(shifts=[DAY, EVENING], sites=sites))
    assert worked(plan, "a") == [(0, "D")]
    people = [{"id": "a", "unavailable": [{"date": iso(0), "shift": "D"}]}]
    plan, _ = solve_ok(make_problem(shifts=[DAY, EVENING], sites=sites, people=people))
    assert worked(plan, "a") == [(0, "E")]
    assert level(plan, "cover") == 480


def _keen(demand: Any, **extra: Any) -> Problem:
    """One date, one post; a and b both wish to work (a day_off preference against, weight 5)."""
    wish = [{"kind": "day_off", "date": iso(0), "want": False, "weight": 5}]
    people = [{"id": "a", "preferences": wish}, {"id": "b", "preferences": wish}]
    return make_problem(people=people, sites=[site(gate({"D": demand}, **extra))])


def test_over_cover_not_allowed() -> None:
    plan, report = solve_ok(_keen(1))
    assert len(plan.assignments) == 1
    assert (level(plan, "cover"), level(plan, "preferences")) == (0, 5)
    assert rule_cost(report, "day_off_preference") == 5


def test_over_cover_with_weight() -> None:
    # free extra people
    plan, _ = solve_ok(_keen(1, over_cover_weight=0))
    assert len(plan.assignments) == 2 and plan.result.objective == 0
    # lexicographic: cover first, so no extra at 2
    plan, _ = solve_ok(_keen({"need": 1, "over_weight": 2}))
    assert len(plan.assignments) == 1
    # weighted: an extra at 2 beats a wish at 5 ...
    weighted = _keen({"need": 1, "over_weight": 2}).model_copy(update={"objective": weighted_objective()})
    plan, report = solve_ok(weighted)
    assert len(plan.assignments) == 2
    assert (level(plan, "cover"), level(plan, "preferences")) == (2, 0)
    assert rule_cost(report, "over_cover") == 2
    # ... but not at 10 (the gate's weight is overridden by the entry's)
    weighted = _keen({"need": 1, "over_weight": 10}, over_cover_weight=1).model_copy(
        update={"objective": weighted_objective()}
    )
    plan, _ = solve_ok(weighted)
    assert len(plan.assignments) == 1 and plan.result.objective == 5
    # need 0 with an over weight: open, and each person there costs the over weight
    weighted = _keen({"need": 0, "over_weight": 1}).model_copy(update={"objective": weighted_objective()})
    plan, _ = solve_ok(weighted)
    assert len(plan.assignments) == 2 and plan.result.objective == 2
    assert plan.uncovered == []


@pytest.mark.parametrize(("p1", "p3", "staffed", "cost"), [(1, 3, "G2", 480), (3, 1, "G1", 480)])
def test_gate_priority_decides_which_gate_stays_uncovered(
    p1: int, p3: int, staffed: str, cost: int
) -> None:
    sites = [site(gate({"D": 1}, priority=p1), gate({"D": 1}, gid="G2", priority=p3))]
    plan, _ = solve_ok(make_problem(sites=sites))
    assert [a.gate for a in plan.assignments] == [staffed]
    empty = "G1" if staffed == "G2" else "G2"
    assert [(u.gate, u.missing) for u in plan.uncovered] == [(empty, 1)]
    assert level(plan, "cover") == cost  # the priority-1 gate: 1 x 480 minutes


def test_explicit_under_weight_beats_priority() -> None:
    sites = [
        site(
            gate({"D": 1}),
            gate({"D": {"need": 1, "under_weight": 100}}, gid="G2", priority=3),
        )
    ]
    plan, _ = solve_ok(make_problem(sites=sites))
    assert [a.gate for a in plan.assignments] == ["G1"]
    assert level(plan, "cover") == 100


def test_demand_per_weekday_and_per_date() -> None:
    # Mon 1 .. Sun 7 Jan 2024. Default D x1; Fridays E x2; Saturdays E x1 (but the date
    # table of Sat 6 says D x2); Sundays closed; Wed 3 (date table) N x1.
    g = gate(
        {"D": 1},
        weekdays={"fri": {"E": 2}, "sat": {"E": 1}, "sun": {}},
        dates={iso(2): {"N": 1}, iso(5): {"D": 2}},
    )
    problem = make_problem(days=7, people=3, shifts=THREE, sites=[site(g)])
    expected = {(0, "D"): 1, (1, "D"): 1, (2, "N"): 1, (3, "D"): 1, (4, "E"): 2, (5, "D"): 2}
    for (d, s), need in expected.items():
        entry = problem.demand(0, 0, problem.dates[d], s)
        assert entry is not None and entry.need == need
    assert problem.demand(0, 0, problem.dates[6], "D") is None
    assert problem.demand(0, 0, problem.dates[5], "E") is None
    plan, _ = solve_ok(problem)
    got: dict[tuple[int, str], int] = {}
    for _, d, s, _, _ in posts(plan):
        got[(d, s)] = got.get((d, s), 0) + 1
    assert got == expected
    assert plan.uncovered == [] and level(plan, "cover") == 0


def test_demand_on_public_holidays_and_make_up_working_days() -> None:
    """Mon 1 .. Sun 7 Jan 2024: Tue 2 a public holiday (the gate's holiday table: E x1),
    Sat 6 a make-up working day (the every-day table, not the Saturday one), Wed 3 a holiday
    with a date table of its own (the date wins)."""
    g = gate(
        {"D": 1},
        weekdays={"sat": {}, "sun": {}},
        dates={iso(2): {"N": 1}},
        holidays={"E": 1},
    )
    calendar = {"holidays": [iso(1), iso(2)], "workdays": [iso(5)]}
    problem = make_problem(days=7, people=3, shifts=THREE, sites=[site(g)], horizon=calendar)
    expected = {(0, "D"): 1, (1, "E"): 1, (2, "N"): 1, (3, "D"): 1, (4, "D"): 1, (5, "D"): 1}
    plan, _ = solve_ok(problem)
    got: dict[tuple[int, str], int] = {}
    for _, d, s, _, _ in posts(plan):
        got[(d, s)] = got.get((d, s), 0) + 1
    assert got == expected and plan.uncovered == []
    # without the calendar: Tue 2 is an ordinary day, Sat 6 closed
    plain = make_problem(days=7, people=3, shifts=THREE, sites=[site(g)])
    plan, _ = solve_ok(plain)
    assert {(d, s) for _, d, s, _, _ in posts(plan)} == {(0, "D"), (1, "D"), (2, "N"), (3, "D"), (4, "D")}


