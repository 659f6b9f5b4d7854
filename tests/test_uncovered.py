"""Tests of dutyplan.uncovered: why each uncovered gate-shift is uncovered, person by person.

Each small test builds a tiny problem and a hand-made plan in which exactly one rule stops a
person (``a``) from taking the uncovered duty, and another person (``b``) is free. The
property test at the end adds candidates (every free one, a sample of the others) to a solved
plan of the bundled Shangzhuang example and asks the whole-plan checker whether the
explanation was right.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from dutyplan.checker import CheckContext, check, check_people
from dutyplan.errors import DutyplanError, PlanFileError, ProblemError
from dutyplan.examples import load_example
from dutyplan.uncovered import (
    CandidateReason,
    UncoveredExplanation,
    explain_uncovered,
    explanation_text,
)
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import Problem
from dutyplan.solve import solve

from _helpers import DAY, iso, make_problem

LATE = {"id": "L", "start": "14:00", "minutes": 480}  # 14-22
NOON = {"id": "M", "start": "12:00", "minutes": 480}  # 12-20, overlaps D (08-16)


def site(sid: str = "S1", *gates: dict[str, Any]) -> dict[str, Any]:
    return {"id": sid, "gates": list(gates) or [{"id": "G1", "demand": {"D": 1}}]}


def plan_of(problem: Problem, *posts: tuple[str, int, str, str, str]) -> Plan:
    """A plan from (person, day offset, shift, site, gate) posts, figures filled in."""
    assignments = []
    for person, offset, shift, site_id, gate in posts:
        date = problem.horizon.start + dt.timedelta(days=offset)
        assignments.append(
            Assignment(
                person=person,
                date=date,
                shift=shift,
                start=problem.shift_start(date, shift),
                end=problem.shift_end(date, shift),
                site=site_id,
                gate=gate,
            )
        )
    return Plan.build(problem, assignments, Result(status="feasible"))


def only(explanations: list[UncoveredExplanation]) -> UncoveredExplanation:
    assert len(explanations) == 1, [(e.site, e.gate, e.date, e.shift) for e in explanations]
    return explanations[0]


def candidate(item: UncoveredExplanation, person: str) -> CandidateReason:
    (found,) = [c for c in item.candidates if c.person == person]
    return found


def rules_of(c: CandidateReason) -> list[str]:
    return [r.rule for r in c.blocked_by]


def assert_b_free(item: UncoveredExplanation) -> None:
    b = candidate(item, "b")
    assert b.free and b.blocked_by == [] and b.extra_cost == 0 and b.costs == {}
    assert item.candidates[0].person == "b"  # the free come first


# =========================================================================== one rule each


def test_availability() -> None:
    people = [{"id": "a", "name": "王建国", "unavailable": [iso(1)]}, {"id": "b"}]
    problem = make_problem(days=2, people=people)
    plan = plan_of(problem, ("b", 0, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert (item.date, item.shift, item.missing) == (dt.date(2024, 1, 2), "D", 1)
    a = candidate(item, "a")
    assert not a.free and rules_of(a) == ["unavailable"]
    assert a.name == "王建国"
    assert a.blocked_by[0].text == "王建国 is unavailable on 2024-01-02"
    assert_b_free(item)


def test_availability_of_one_shift() -> None:
    people = [{"id": "a", "unavailable": [{"date": iso(0), "shift": "D"}]}, {"id": "b"}]
    problem = make_problem(people=people)
    item = only(explain_uncovered(problem, plan_of(problem)))
    a = candidate(item, "a")
    assert rules_of(a) == ["unavailable"]
    assert a.blocked_by[0].text == "a is unavailable for D on 2024-01-01"


def test_gate_role() -> None:
    sites = [site("S1", {"id": "G1", "name": "north gate", "demand": {"D": 1}, "role": "medic"})]
    people = [{"id": "a", "roles": ["cadre"]}, {"id": "b", "roles": ["medic"]}]
    problem = make_problem(people=people, sites=sites)
    item = only(explain_uncovered(problem, plan_of(problem)))
    a = candidate(item, "a")
    assert rules_of(a) == ["gate_role"]
    assert a.blocked_by[0].text == "a does not have the role 'medic' that S1 / north gate needs"
    assert_b_free(item)


def test_hard_commute_cap() -> None:
    problem = make_problem(people=2, commute_km=[[150.4], [0]], rules={"max_commute_km": 140})
    item = only(explain_uncovered(problem, plan_of(problem)))
    a = candidate(item, "a")
    assert rules_of(a) == ["max_commute_km"]
    assert a.blocked_by[0].text == (
        "a's round trip to S1 is 150 km, more than the cap of 140 km"
    )
    assert a.costs == {"commute": 150}  # what it would cost besides breaking the cap
    assert_b_free(item)


def _rest_problem(**extra: Any) -> Problem:
    """L (14-22) on the first date, D (08-16) on the second: 10 h of rest, 11 needed."""
    sites = [site("S1", {"id": "G1", "dates": {iso(0): {"L": 1}, iso(1): {"D": 1}}})]
    return make_problem(
        days=2, people=2, shifts=[DAY, LATE], sites=sites, rules={"min_rest_hours": 11}, **extra
    )


def test_min_rest_names_the_duty_before() -> None:
    problem = _rest_problem()
    plan = plan_of(problem, ("a", 0, "L", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert (item.date, item.shift) == (dt.date(2024, 1, 2), "D")
    a = candidate(item, "a")
    assert rules_of(a) == ["min_rest_hours"]
    assert a.blocked_by[0].text == (
        "a works L at S1 on 2024-01-01, ending 22:00; D on 2024-01-02 starts 08:00: "
        "10 h rest, at least 11 h needed"
    )
    assert "rests 10 h" in a.blocked_by[0].detail  # the checker's own sentence
    assert_b_free(item)


def test_min_rest_names_the_duty_after() -> None:
    problem = _rest_problem()
    plan = plan_of(problem, ("a", 1, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert (item.date, item.shift) == (dt.date(2024, 1, 1), "L")
    a = candidate(item, "a")
    assert rules_of(a) == ["min_rest_hours"]
    assert a.blocked_by[0].text == (
        "a works D at S1 on 2024-01-02, starting 08:00; L on 2024-01-01 ends 22:00: "
        "10 h rest, at least 11 h needed"
    )


def test_max_consecutive_days() -> None:
    problem = make_problem(days=3, people=2, rules={"max_consecutive_days": 2})
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"), ("a", 1, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    a = candidate(item, "a")
    assert rules_of(a) == ["max_consecutive_days"]
    assert a.blocked_by[0].text == "a works 3 consecutive days 2024-01-01..2024-01-03, more than 2"
    assert_b_free(item)


def test_keep_one_site_is_site_continuity() -> None:
    sites = [
        {"id": "S1", "name": "上庄村", "gates": [{"id": "G1", "dates": {iso(0): {"D": 1}}}]},
        {"id": "S2", "name": "李家坟村", "gates": [{"id": "G1", "dates": {iso(1): {"D": 1}}}]},
    ]
    problem = make_problem(days=2, people=2, sites=sites)
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert item.site == "S2" and item.where == "李家坟村 / G1"
    a = candidate(item, "a")
    assert rules_of(a) == ["keep_one_site"]
    assert a.blocked_by[0].text == (
        "a already works at 上庄村, not at 李家坟村 (site continuity: one site per person)"
    )
    assert "stopped by site continuity: a" in item.summary()
    assert_b_free(item)


def test_already_on_duty_on_that_shift() -> None:
    sites = [site("S1", {"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"D": 1}})]
    problem = make_problem(people=2, sites=sites)
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert item.gate == "G2"
    a = candidate(item, "a")
    assert rules_of(a) == ["duplicate"]
    assert a.blocked_by[0].text == "a is already on duty D on 2024-01-01 at S1 / G1"
    assert_b_free(item)


def test_already_on_duty_at_an_overlapping_time() -> None:
    sites = [site("S1", {"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"M": 1}})]
    problem = make_problem(
        people=2, sites=sites, shifts=[DAY, NOON], rules={"max_shifts_per_day": 2}
    )
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    assert (item.gate, item.shift) == ("G2", "M")
    a = candidate(item, "a")
    assert rules_of(a) == ["overlap"]
    assert a.blocked_by[0].text == (
        "a works D at S1 on 2024-01-01 (08:00-16:00), which overlaps M on 2024-01-01 "
        "(12:00-20:00)"
    )
    assert_b_free(item)


def test_max_shifts_per_day() -> None:
    # D 08-16 and L 14-22 overlap; with the default of one shift per date both rules bind
    sites = [site("S1", {"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"L": 1}})]
    problem = make_problem(people=2, sites=sites, shifts=[DAY, LATE])
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    a = candidate(only(explain_uncovered(problem, plan)), "a")
    assert rules_of(a) == ["overlap", "max_shifts_per_day"]
    assert a.blocked_by[1].text == (
        "a already works D at S1 on 2024-01-01; at most 1 shift may start on one date"
    )


def test_soft_rule_is_free_but_costs() -> None:
    problem = make_problem(
        days=3, people=2, rules={"max_consecutive_days": {"value": 2, "weight": 50}}
    )
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"), ("a", 1, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    a = candidate(item, "a")
    assert a.free and a.blocked_by == []
    assert a.extra_cost == 50 and a.costs == {"max_consecutive_days": 50}
    assert a.soft_rules == [
        "max_consecutive_days +50: a works 3 consecutive days 2024-01-01..2024-01-03, "
        "more than 2 (soft rule)"
    ]
    # both could have stood there; the cheaper first
    assert [c.person for c in item.candidates] == ["b", "a"]
    assert "2 could have: b (+0), a (+50: max_consecutive_days +50)" in item.summary()


def test_free_person_and_the_costs_of_the_whole_plan() -> None:
    # fairness over minutes: a already works 480 min, b none. Giving b the duty closes the
    # range (480 -> 0), giving it to a widens it (480 -> 960). b also lives 7 km away.
    problem = make_problem(
        days=2,
        people=2,
        commute_km=[[0], [7]],
        objective={"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 1},
    )
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    item = only(explain_uncovered(problem, plan))
    a, b = candidate(item, "a"), candidate(item, "b")
    assert a.free and b.free
    assert a.costs == {"fairness_minutes": 480} and a.extra_cost == 480
    assert b.costs == {"fairness_minutes": -480, "commute": 7} and b.extra_cost == -473
    assert [c.person for c in item.candidates] == ["b", "a"]
    # the plan's own objective agrees: adding b saves 473 beyond the cover
    for person, saving in (("a", 480), ("b", -473)):
        before, after = check(problem, plan), check(problem, with_duty(plan, item, person))
        cover = after.levels["cover"] - before.levels["cover"]
        assert after.objective - before.objective - cover == saving


def test_unit_sites_count_the_rest_of_the_plan() -> None:
    # b (unit u) works at S1; a second site for unit u costs 100, whoever of u goes there
    sites = [site("S1"), site("S2")]
    people = [{"id": "a", "unit": "u"}, {"id": "b", "unit": "u"}, {"id": "c", "unit": "v"}]
    problem = make_problem(people=people, sites=sites, rules={"unit_sites_weight": 100})
    item = only(explain_uncovered(problem, plan_of(problem, ("b", 0, "D", "S1", "G1"))))
    assert item.site == "S2"
    assert [(c.person, c.free, c.costs) for c in item.candidates] == [
        ("c", True, {}),
        ("a", True, {"unit_sites_weight": 100}),
        ("b", False, {"unit_sites_weight": 100}),  # blocked; would cost the same
    ]
    assert rules_of(candidate(item, "b")) == ["keep_one_site", "duplicate"]
    assert candidate(item, "a").soft_rules == [
        "unit_sites_weight +100: unit 'u' works at 2 sites (S1, S2), 1 beyond the first "
        "(soft rule)"
    ]


def test_what_the_plan_already_breaks_is_no_reason() -> None:
    # a hand-made plan: a is posted on a date off (unavailable) and for 3 days in a row
    # (max 2, hard), and pays a soft preference; none of that is the new duty's doing
    wish = {"kind": "day_off", "date": iso(0), "weight": 9}
    people = [{"id": "a", "unavailable": [iso(0)], "preferences": [wish]}, {"id": "b"}]
    problem = make_problem(days=5, people=people, rules={"max_consecutive_days": 2})
    posts = [("a", d, "D", "S1", "G1") for d in (0, 1, 2)] + [("b", 4, "D", "S1", "G1")]
    plan = plan_of(problem, *posts)
    items = explain_uncovered(problem, plan)
    assert [i.date.day for i in items] == [4]  # day 3 (the 4th)
    a = candidate(items[0], "a")
    # only the longer run is new: 4 days instead of 3
    assert rules_of(a) == ["max_consecutive_days"]
    assert a.blocked_by[0].text == "a works 4 consecutive days 2024-01-01..2024-01-04, more than 2"
    assert a.costs == {}  # the preference is paid with or without the duty
    assert_b_free(items[0])
    # without the run, a is free: the unavailable date 0 is no reason either
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"), ("b", 4, "D", "S1", "G1"))
    item = [i for i in explain_uncovered(problem, plan) if i.date.day == 4][0]
    assert candidate(item, "a").free


def test_people_limit_and_unknown_people() -> None:
    problem = make_problem(days=3, people=3)
    plan = plan_of(problem)
    items = explain_uncovered(problem, plan, people=["c", "a"], limit=2)
    assert [(i.date.day, [c.person for c in i.candidates]) for i in items] == [
        (1, ["c", "a"]),
        (2, ["c", "a"]),
    ]
    assert explain_uncovered(problem, plan, limit=0) == []
    with pytest.raises(ProblemError, match="unknown person"):
        explain_uncovered(problem, plan, people=["zz"])
    other = make_problem(days=3, sites=[site("S9")])
    with pytest.raises(PlanFileError, match="does not fit"):
        explain_uncovered(problem, plan_of(other))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, -1, "5"])
def test_a_bad_time_limit_is_refused_naming_it(bad: Any) -> None:
    problem = make_problem(days=3, people=3)
    with pytest.raises(DutyplanError, match="time_limit"):
        explain_uncovered(problem, plan_of(problem), time_limit=bad)


def test_a_time_limit_stops_explaining() -> None:
    problem = make_problem(days=3, people=3)
    plan = plan_of(problem)
    assert len(explain_uncovered(problem, plan, time_limit=60)) == len(plan.uncovered) == 3
    assert len(explain_uncovered(problem, plan, time_limit=1e-9)) < 3


def test_nothing_uncovered() -> None:
    problem = make_problem(people=1)
    plan = plan_of(problem, ("a", 0, "D", "S1", "G1"))
    assert explain_uncovered(problem, plan) == []
    assert explanation_text([]) == "nothing uncovered"


def test_text_groups_people_by_rule() -> None:
    people = [{"id": x, "unavailable": [iso(0)]} for x in "acde"] + [{"id": "b"}, {"id": "f"}]
    sites = [site("S1", {"id": "G1", "demand": {"D": 1}})]
    problem = make_problem(
        people=people, sites=sites, commute_km=[[0]] * 5 + [[99]], rules={"max_commute_km": 50}
    )
    items = explain_uncovered(problem, plan_of(problem))
    text = explanation_text(items, max_people=2)
    assert text.splitlines() == [
        "1 uncovered gate-shift(s); someone could have stood at 1 of them",
        "S1 / G1, D on 2024-01-01 (08:00-16:00): 1 missing, 6 people considered",
        "  1 could have: b (+0)",
        "  4 stopped by availability: a, c and 2 more",
        "  1 stopped by commute cap: f",
    ]
    assert [c.person for c in items[0].candidates] == ["b", "a", "c", "d", "e", "f"]


# =========================================================================== the checker


def with_duty(plan: Plan, item: UncoveredExplanation, person: str) -> Plan:
    added = Assignment(
        person=person,
        date=item.date,
        shift=item.shift,
        start=item.start,
        end=item.end,
        site=item.site,
        gate=item.gate,
    )
    return plan.model_copy(update={"assignments": [*plan.assignments, added]})


@pytest.fixture(scope="module")
def shangzhuang() -> tuple[Problem, Plan]:
    """A 3 s plan of the Shangzhuang example (deterministic: the same under any load), with
    every fifth duty taken away so that there is plenty uncovered whatever the solver found
    (the example's rules only cap work, so fewer duties break none of them)."""
    problem = load_example("shangzhuang")
    solved = solve(problem, time_limit=3, workers=1, seed=0, deterministic=True)
    assert check(problem, solved).ok
    kept = [a for k, a in enumerate(solved.assignments) if k % 5 != 2]
    plan = Plan.build(problem, kept, Result(status="feasible"))  # no level claimed
    assert len(plan.uncovered) >= len(solved.assignments) // 5
    return problem, plan


def test_check_people_and_context_agree_with_check(shangzhuang: tuple[Problem, Plan]) -> None:
    problem, plan = shangzhuang
    ctx = CheckContext(problem)
    whole = check(problem, plan)
    assert check(problem, plan, context=ctx) == whole
    people = check_people(problem, plan.assignments, [p.id for p in problem.people], ctx, plan)
    # everything but cover and roles, which depend on everybody at a gate-shift or site
    team = ("under_cover", "over_cover", "roles")
    assert people.violations == [v for v in whole.violations if v.rule not in team]
    expected = Counter((x.rule, x.cost, x.detail) for x in whole.penalties if x.rule not in team)
    assert Counter((x.rule, x.cost, x.detail) for x in people.penalties) == expected
    with pytest.raises(ValueError, match="another problem"):
        check(make_problem(), Plan(problem="x", result=Result(status="unknown")), context=ctx)


def test_explanations_agree_with_the_checker(shangzhuang: tuple[Problem, Plan]) -> None:
    """Adding a free candidate gives a plan the checker accepts, at the cost the explanation
    says; adding a blocked one breaks exactly the rules it names."""
    problem, plan = shangzhuang
    ctx = CheckContext(problem)
    before = check(problem, plan, ctx)
    assert before.ok
    items = explain_uncovered(problem, plan, context=ctx)
    assert len(items) == len(plan.uncovered)
    rules_seen: Counter[str] = Counter()
    tried = free = 0
    blocked = sum(not c.free for item in items for c in item.candidates)
    stride = max(1, blocked // 250)  # the full check is slow: a rotating sample of the blocked
    for k, item in enumerate(items):
        assert len(item.candidates) == len(problem.people)
        # the free first, then the blocked with fewest reasons
        order = [(not c.free, len(c.blocked_by)) for c in item.candidates]
        assert order == sorted(order)
        for j, c in enumerate(item.candidates):
            assert c.free == (not c.blocked_by)
            assert c.extra_cost == sum(c.costs.values())
            if not c.free and (j + k) % stride:
                continue
            tried += 1
            after = check(problem, with_duty(plan, item, c.person), ctx)
            new = Counter((v.rule, v.detail) for v in after.violations) - Counter(
                (v.rule, v.detail) for v in before.violations
            )
            assert new == Counter((r.rule, r.detail) for r in c.blocked_by), (item, c)
            if c.free:
                free += 1
                assert after.rules_ok  # (the plan's own figures are those before the duty)
                cover = after.levels["cover"] - before.levels["cover"]
                assert cover < 0  # one missing person fewer
                assert after.objective - before.objective - cover == c.extra_cost, (item, c)
            rules_seen.update(r.rule for r in c.blocked_by)
    assert free >= 20 and tried >= 200, (free, tried)
    # the example's rules that stop people all show up
    for rule in ("keep_one_site", "duplicate", "min_rest_hours", "max_shifts_per_day"):
        assert rules_seen[rule] > 0, rules_seen
