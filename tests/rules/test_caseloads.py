"""Caseloads ("1+N"): who answers for each household, each rule where it binds, the checker
on hand-made plans, bad input, and solver = checker = brute force on tiny cases.

How these tests work: see tests/rules/rule_problems.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyplan.checker import check
from dutyplan.errors import ProblemError
from dutyplan.plan import Assignment, Caseload, Plan, Result
from dutyplan.problem import Problem
from dutyplan.solve import solve

from _helpers import DAY, EVENING, MON, iso, level, make_problem, rule_cost, solve_ok
from rule_problems import gate, site, soft


def town(people: list[dict[str, Any]], households: list[dict[str, Any]], days: int = 2,
         sites: list[dict[str, Any]] | None = None, **extra: Any) -> Problem:
    """Households at S1 (no gate needs anyone unless ``sites`` says so)."""
    return make_problem(days=days, people=people, households=households,
                        sites=sites if sites is not None else [site(gate({"D": 0}))], **extra)


def household(hid: str, arrival: int = 0, **extra: Any) -> dict[str, Any]:
    return {"id": hid, "site": "S1", "arrival": iso(arrival), **extra}


def answers(plan: Plan) -> dict[str, str]:
    return {c.household: c.person for c in plan.caseloads}


def test_households_nobody_answers_for_cost_cover_by_priority() -> None:
    # a may answer for one household a day: the priority-3 one is watched, the other costs
    # 480 on each of its 2 watched dates
    problem = town([{"id": "a", "max_households": 1}],
                   [household("h1", watch_days=2), household("h2", watch_days=2, priority=3)])
    plan, report = solve_ok(problem)
    assert answers(plan) == {"h2": "a"} and plan.unwatched == ["h1"]
    assert level(plan, "cover") == 960 == rule_cost(report, "households")
    # a running caseload (arrived before the horizon) counts its dates in the horizon only
    late = town([{"id": "a", "max_households": 1}],
                [household("h1", watch_days=2), {"id": "h0", "site": "S1", "arrival": "2023-12-19"}])
    plan, _ = solve_ok(late)
    assert level(plan, "cover") == 480  # h0 is watched until 2024-01-01 only: it is the one left (one date)


@pytest.mark.parametrize("person, wants", [
    ({"id": "a"}, {}),  # no caseload capacity
    ({"id": "a", "max_households": 1, "communities": ["S2"]}, {}),
    ({"id": "a", "max_households": 1}, {"role": "health"}),
    ({"id": "a", "max_households": 1, "languages": ["ko"]}, {"language": "zh"}),
    ({"id": "a", "max_households": 1, "unavailable": [iso(1)]}, {}),
])
def test_household_person_who_may_not_answer(person: dict[str, Any], wants: dict[str, Any]) -> None:
    sites = [site(gate({"D": 0})), site(gate({"D": 0}), sid="S2")]
    problem = town([person], [household("h1", watch_days=2, **wants)], sites=sites)
    plan, _ = solve_ok(problem)
    assert plan.unwatched == ["h1"]
    # the checker says so when a plan gives it to them all the same
    forced = plan.model_copy(update={"caseloads": [Caseload(household="h1", person="a", site="S1",
                                                            first=MON, last=MON.replace(day=2))],
                                     "unwatched": []})
    report = check(problem, forced)
    assert [v.rule for v in report.violations] == ["household_person"]
    # and with what was missing, a answers for it
    fixed = {**person, "max_households": 1, "communities": None, "roles": [wants.get("role", "x")],
             "languages": [wants.get("language", "x")], "unavailable": []}
    plan, _ = solve_ok(town([fixed], [household("h1", watch_days=2, **wants)], sites=sites))
    assert answers(plan) == {"h1": "a"}


def test_household_twice_and_unknown_are_violations() -> None:
    problem = town([{"id": "a", "max_households": 2}, {"id": "b", "max_households": 2}],
                   [household("h1", watch_days=2)])
    plan, _ = solve_ok(problem)
    twice = [Caseload(household="h1", person=p, site="S1", first=MON, last=MON.replace(day=2)) for p in "ab"]
    report = check(problem, plan.model_copy(update={"caseloads": twice}))
    assert "household_twice" in [v.rule for v in report.violations]
    stray = [Caseload(household="h9", person="a", site="S1", first=MON, last=MON)]
    report = check(problem, plan.model_copy(update={"caseloads": stray}))
    assert "unknown" in [v.rule for v in report.violations]
    assert any(m.claim == "unwatched" for m in report.mismatches)


def test_max_households_per_date() -> None:
    # h1 days 0-1, h2 days 1-2 overlap on day 1: with N = 1 one of them is unwatched
    holds = [household("h1", watch_days=2), household("h2", arrival=1, watch_days=2)]
    plan, _ = solve_ok(town([{"id": "a", "max_households": 1}], holds, days=3))
    assert len(plan.unwatched) == 1
    plan, _ = solve_ok(town([{"id": "a", "max_households": 2}], holds, days=3))
    assert plan.unwatched == []
    # soft: one household over on one date, cost 7
    plan, report = solve_ok(town([{"id": "a", "max_households": soft(1, 7)}], holds, days=3))
    assert plan.unwatched == [] and level(plan, "rules") == 7 == rule_cost(report, "max_households")
    # apart in time, one person can answer for both with N = 1
    apart = [household("h1", watch_days=1), household("h2", arrival=1, watch_days=1)]
    plan, _ = solve_ok(town([{"id": "a", "max_households": 1}], apart))
    assert answers(plan) == {"h1": "a", "h2": "a"}


def test_max_household_people_per_date() -> None:
    holds = [household("h1", people=2), household("h2", people=2)]
    plan, _ = solve_ok(town([{"id": "a", "max_household_people": 3}], holds, days=1))
    assert len(plan.unwatched) == 1
    plan, _ = solve_ok(town([{"id": "a", "max_household_people": 4}], holds, days=1))
    assert plan.unwatched == []


def _evening(at: str = "S2") -> Problem:
    """Someone must stand the evening gate-shift (16-24) at site ``at``; a may, and h1 lives
    at S1."""
    sites = [site(gate({"E": int(at == "S1")})), site(gate({"E": int(at == "S2")}), sid="S2")]
    people = [{"id": "a", "max_households": 1}]
    return make_problem(days=1, shifts=[DAY, EVENING], people=people, sites=sites,
                        households=[household("h1", watch_days=1)], rules={"keep_one_site": False})


def test_visit_window_beside_a_duty_elsewhere() -> None:
    # a's evening duty at S2 takes the whole 18:00-21:00 window: the visit at S1 cannot fit,
    # so a covers the gate (480 at priority 1) and h1 is unwatched (480) or the reverse: 480
    problem = _evening()
    plan, _ = solve_ok(problem)
    assert level(plan, "cover") == 480
    assert (len(plan.assignments), len(plan.caseloads)) in ((1, 0), (0, 1))
    # the checker refuses a plan with both
    both = plan.model_copy(update={
        "assignments": [Assignment(person="a", date=MON, shift="E", start="2024-01-01T16:00",
                                   end="2024-01-02T00:00", site="S2", gate="G1")],
        "caseloads": [Caseload(household="h1", person="a", site="S1", first=MON, last=MON)],
        "unwatched": [],
    })
    assert "visit_window" in [v.rule for v in check(problem, both).violations]
    # a duty at the household's own site does not block the visit
    plan, _ = solve_ok(_evening("S1"))
    assert level(plan, "cover") == 0 and len(plan.caseloads) == 1


def test_max_day_minutes_with_caseload() -> None:
    # b may spend 520 min a day: a day shift (480) with 20 min commute leaves 20, less than
    # one household's 30 (two calls of 5, a visit of 20) and its 20-minute trip
    people = [{"id": "b", "max_households": 1, "rules": {"max_day_minutes": 520}}]
    sites = [site(gate({"D": 1}))]
    problem = town(people, [household("h1", watch_days=1)], days=1, sites=sites,
                   commute_km=[[1]], commute_minutes=[[20]])
    plan, _ = solve_ok(problem)
    assert level(plan, "cover") == 480 and (len(plan.assignments), len(plan.caseloads)) in ((1, 0), (0, 1))
    # soft: both, 480 + 20 + 30 + 20 = 550: 30 minutes over at 2 each
    soft_day = town([{**people[0], "rules": {"max_day_minutes": soft(520, 2)}}], [household("h1", watch_days=1)],
                    days=1, sites=sites, commute_km=[[1]], commute_minutes=[[20]])
    plan, report = solve_ok(soft_day)
    assert level(plan, "cover") == 0 and level(plan, "rules") == 60 == rule_cost(report, "max_day_minutes")
    # a caseload on a date with no duty counts alone
    alone = town([{"id": "b", "max_households": 1, "rules": {"max_day_minutes": 40}}],
                 [household("h1", watch_days=1)], days=1, commute_km=[[1]], commute_minutes=[[20]])
    plan, _ = solve_ok(alone)
    assert plan.unwatched == ["h1"]  # 30 + 20 > 40
    # soft, on a date where a duty was possible but not taken: the caseload alone, 10 over at 3
    idle = town([{"id": "b", "max_households": 1, "rules": {"max_day_minutes": soft(40, 3)}}],
                [household("h1", watch_days=1, under_weight=100_000)], days=1, sites=sites,
                commute_km=[[1]], commute_minutes=[[20]],
                objective={"weights": {"cover": 1, "rules": 1}, "fairness_nights": 0,
                           "fairness_weekends": 0, "fairness_minutes": 0})
    plan, report = solve_ok(idle)
    assert (len(plan.assignments), len(plan.caseloads)) == (0, 1)
    assert level(plan, "rules") == 30 == rule_cost(report, "max_day_minutes")


def test_max_hours_per_7_with_caseload() -> None:
    # 7 day shifts (56 h) and a household watched 7 dates (7 x 30 min, no trip minutes):
    # 59.5 h, over a cap of 57 h: one of the two gives way
    sites = [site(gate({"D": 1}))]
    people = [{"id": "a", "max_households": 1, "rules": {"max_hours_per_7": 57, "min_days_off_per_7": None}}]
    problem = town(people, [household("h1", watch_days=7)], days=7, sites=sites, commute_km=[[0]],
                   commute_minutes=[[0]], rules={"max_consecutive_days": None})
    plan, _ = solve_ok(problem)
    assert level(plan, "cover") in (480, 7 * 480)
    loose = town([{**people[0], "rules": {"max_hours_per_7": 60, "min_days_off_per_7": None}}],
                 [household("h1", watch_days=7)], days=7, sites=sites, commute_km=[[0]], commute_minutes=[[0]])
    plan, _ = solve_ok(loose)
    assert level(plan, "cover") == 0


def test_visit_trips_cost_a_round_trip_per_date() -> None:
    # a lives 6 km (round trip) from S1, b 2 km: b answers, 2 km on each of 3 dates
    people = [{"id": "a", "max_households": 1}, {"id": "b", "max_households": 1}]
    problem = town(people, [household("h1", watch_days=3)], days=3, commute_km=[[6], [2]])
    plan, report = solve_ok(problem)
    assert answers(plan) == {"h1": "b"}
    assert level(plan, "commute") == 6 == rule_cost(report, "visit_trips")


@pytest.mark.parametrize("bad, field", [
    ({"households": [{"id": "h", "site": "S9", "arrival": iso(0)}]}, "households[0].site"),
    ({"households": [{"id": "h", "site": "S1", "arrival": iso(0), "watch_days": 0}]}, "watch_days"),
    ({"households": [{"id": "h", "site": "S1", "arrival": "2025-01-01"}]}, "households[0]"),
    ({"households": [{"id": "h", "site": "S1", "arrival": iso(0), "people": 0}]}, "people"),
    ({"people": [{"id": "a", "max_households": -1}]}, "max_households"),
    ({"people": [{"id": "a", "max_households": 1, "communities": ["S9"]}]}, "communities"),
    ({"caseload": {"visit_from": "21:00", "visit_until": "18:00"}}, "caseload"),
])
def test_bad_caseload_input_names_the_field(bad: dict[str, Any], field: str) -> None:
    data = {"days": 2, "people": [{"id": "a"}], **bad}
    with pytest.raises(ProblemError) as error:
        make_problem(**data)
    assert field in str(error.value), str(error.value)


def test_decompose_refuses_households_clearly() -> None:
    problem = town([{"id": "a", "max_households": 1}], [household("h1")])
    with pytest.raises(ProblemError, match="households"):
        solve(problem, time_limit=2, strategy="decompose", progress=False)


# ----------------------------------------------------------------- solver = checker = brute force

def _brute_force(problem: Problem) -> tuple[int, ...] | None:
    """The lexicographically least level values over every plan (checked by the checker)."""
    people = [p.id for p in problem.people]
    cells = [(day, shift.id) for day in problem.dates for shift in problem.shift_types
             if problem.demand(0, 0, day, shift.id) is not None]
    best = None
    order = ("cover", "rules", "preferences", "commute", "fairness")
    for duty_choice in itertools.product([None, *people], repeat=len(cells)):
        assignments = []
        for (day, shift_id), who in zip(cells, duty_choice):
            if who is None:
                continue
            shift = next(s for s in problem.shift_types if s.id == shift_id)
            start = dt.datetime.combine(day, shift.start)
            end = start + dt.timedelta(minutes=shift.minutes)
            assignments.append(Assignment(person=who, date=day, shift=shift_id, start=start, end=end,
                                          site="S1", gate="G1"))
        for answer in itertools.product([None, *people], repeat=len(problem.households)):
            caseloads = [Caseload(household=h.id, person=who, site=h.site,
                                  first=max(h.arrival, problem.horizon.start),
                                  last=min(h.last_date, problem.last_date))
                         for h, who in zip(problem.households, answer) if who is not None]
            plan = Plan.build(problem, assignments, Result(status="feasible"),
                              {c.household: c.person for c in caseloads})
            report = check(problem, plan, rules_only=True)
            if report.violations:
                continue
            value = tuple(report.levels[name] for name in order)
            best = value if best is None or value < best else best
    return best


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_solver_equals_checker_equals_brute_force(data: st.DataObject) -> None:
    n_people = data.draw(st.integers(1, 2))
    people = []
    for i in range(n_people):
        person: dict[str, Any] = {"id": "ab"[i]}
        if data.draw(st.booleans()):
            person["max_households"] = data.draw(st.sampled_from([1, 2, soft(1, 3)]))
        if data.draw(st.booleans()):
            person["max_household_people"] = data.draw(st.integers(1, 3))
        if data.draw(st.booleans()):
            person["rules"] = {"max_day_minutes": data.draw(st.sampled_from([500, 520, soft(500, 1)]))}
        if data.draw(st.booleans()):
            person["unavailable"] = [iso(data.draw(st.integers(0, 1)))]
        people.append(person)
    if n_people == 2 and data.draw(st.booleans()):
        people[0]["deputy"] = "b"  # covers a's dates away
    holds = []
    for j in range(data.draw(st.integers(1, 2))):
        arrival = data.draw(st.integers(-1, 1))  # -1: a caseload already running
        holds.append(household(f"h{j}", arrival=arrival, watch_days=data.draw(st.integers(1 - min(0, arrival), 2)),
                               people=data.draw(st.integers(1, 2)), priority=data.draw(st.integers(1, 2))))
    shift = data.draw(st.sampled_from([DAY, EVENING]))
    objective = {"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0,
                 "fairness_households": data.draw(st.sampled_from([0, 5]))}
    caseload = {"dispatch_weight": data.draw(st.sampled_from([0, 3]))}
    problem = make_problem(days=2, shifts=[shift], people=people, households=holds, objective=objective,
                           caseload=caseload,
                           sites=[site(gate({shift["id"]: 1}))],
                           commute_km=[[data.draw(st.integers(0, 5))] for _ in people],
                           commute_minutes=[[data.draw(st.integers(0, 30))] for _ in people])
    plan = solve(problem, time_limit=10, workers=1, seed=0, progress=False)
    assert plan.result.status == "optimal"
    report = check(problem, plan)
    assert report.ok, report.summary()
    assert report.objective == plan.result.objective
    solved = tuple(level(plan, name) for name in ("cover", "rules", "preferences", "commute", "fairness"))
    assert solved == _brute_force(problem)


# ----------------------------------------------------------------- re-planning: daily dispatch

def test_moved_household_only_when_its_person_is_away() -> None:
    from dutyplan.replan import replan

    # a and b (N = 1, near) answer for one household each, c (N = 2) lives far; a is away
    # from day 2 on and a new household arrives on day 1: b keeps theirs, c takes a's (moved: 3
    # watched dates from the freeze) and the new one
    people = [{"id": "a", "max_households": 1, "home": {"lat": 42.90, "lon": 129.50}},
              {"id": "b", "max_households": 1, "home": {"lat": 42.91, "lon": 129.51}},
              {"id": "c", "max_households": 2, "home": {"lat": 42.95, "lon": 129.60}}]
    sites = [site(gate({"D": 0}), location={"lat": 42.90, "lon": 129.50})]
    problem = town(people, [household("h1", watch_days=4), household("h2", watch_days=4)], days=4, sites=sites)
    published, _ = solve_ok(problem)
    assert set(answers(published).values()) <= {"a", "b"} and not published.unwatched
    changes = {"away": [{"person": "a", "start": iso(2)}],
               "add_households": [household("h3", arrival=1, watch_days=3)]}
    result = replan(problem, published, changes, freeze_until=iso(1), time_limit=10, workers=1)
    plan = result.plan
    moved = [h for h, p in answers(published).items() if p == "a"]
    assert len(moved) == 1  # a and b, near, have one each
    assert all(answers(plan)[h] != "a" for h in moved)
    kept = [h for h, p in answers(published).items() if p != "a"]
    assert all(answers(plan)[h] == answers(published)[h] for h in kept)
    assert "h3" in answers(plan) and not plan.unwatched
    # the changes level: each moved household x its watched dates from the freeze date (3)
    assert level(plan, "changes") == 3 * len(moved)
    report = check(result.problem, plan, published=published, freeze_until=result.freeze_until)
    assert report.ok, report.summary()
    assert rule_cost(report, "moved_household") == 3 * len(moved)
    # moving a running caseload whose person may still answer for it breaks "frozen"
    assert kept
    if kept:
        taken = [c.model_copy(update={"person": "a"}) if c.household == kept[0] else c for c in plan.caseloads]
        report = check(result.problem, plan.model_copy(update={"caseloads": taken}), published=published,
                       freeze_until=result.freeze_until)
        assert "frozen" in [v.rule for v in report.violations]
    # a plan that moves a household whose watch ended before the freeze breaks "frozen"
    ended = town(people, [household("h1", watch_days=1)], days=4, sites=sites)
    before, _ = solve_ok(ended)
    other = "b" if answers(before)["h1"] == "a" else "a"
    shifted = before.model_copy(update={"caseloads": [before.caseloads[0].model_copy(update={"person": other})]})
    report = check(ended, shifted, published=before, freeze_until=dt.datetime.combine(MON, dt.time()) + dt.timedelta(days=2))
    assert "frozen" in [v.rule for v in report.violations]


def test_explain_says_why_a_household_has_nobody() -> None:
    from dutyplan.uncovered import explain_unwatched, unwatched_text

    # a is full (N = 1, h1), b does not speak Korean, c has no caseload capacity
    people = [{"id": "a", "max_households": 1, "languages": ["ko"]}, {"id": "b", "max_households": 1}, {"id": "c"}]
    problem = town(people, [household("h1", language="ko", priority=2), household("h2", language="ko")])
    plan, _ = solve_ok(problem)
    assert plan.unwatched == ["h2"]
    (item,) = explain_unwatched(problem, plan)
    reasons = {c.person: [r.rule for r in c.blocked_by] for c in item.candidates}
    assert reasons == {"a": ["max_households"] * len(reasons["a"]), "b": ["household_person"]}
    assert reasons["a"]
    text = unwatched_text([item])
    assert "h2" in text and "caseload" in text and "may not answer" in text


def test_staffing_counts_the_cadres_households_need() -> None:
    from dutyplan.staffing import staffing

    # one cadre answering for one household a day, three households watched together: two
    # more cadres must go to S1 (gates need nobody)
    problem = town([{"id": "a", "max_households": 1}], [household(f"h{i}", watch_days=2) for i in range(3)])
    answer = staffing(problem, time_limit=20, workers=1)
    assert (answer.minimum, answer.proven) == (2, True), answer.summary()
    assert [(e.site, e.count) for e in answer.extra] == [("S1", 2)]
    assert answer.curve[0].uncovered == 2  # with nobody extra, two households have nobody
    assert answer.plan is not None and not answer.plan.unwatched
    report = check(answer.problem, answer.plan, rules_only=True)
    assert not report.violations


def test_fairness_households_balances_caseloads() -> None:
    # three households of 2 watched dates, two people (N = 3): the best split is 2 + 1
    # households, a range of 2 household-dates, at 10 each
    holds = [household(f"h{i}", watch_days=2) for i in range(3)]
    people = [{"id": "a", "max_households": 3}, {"id": "b", "max_households": 3}]
    balanced = town(people, holds, objective={"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0,
                                              "fairness_households": 10})
    plan, report = solve_ok(balanced)
    assert sorted(Counter(answers(plan).values()).values()) == [1, 2]
    assert level(plan, "fairness") == 20 == rule_cost(report, "fairness_households")
    # the checker counts a lopsided plan's range: all three with a, 6 household-dates
    lopsided = plan.model_copy(update={"caseloads": [c.model_copy(update={"person": "a"}) for c in plan.caseloads]})
    assert check(balanced, lopsided, rules_only=True).levels["fairness"] == 60


def test_dispatched_fewest_people_each_day() -> None:
    # two households watched on the same 2 dates, a and b with N = 2 and the same (zero)
    # commute: with dispatch_weight 7 one person takes both, 2 person-dates, cost 14
    holds = [household("h1", watch_days=2), household("h2", watch_days=2)]
    people = [{"id": "a", "max_households": 2}, {"id": "b", "max_households": 2}]
    problem = town(people, holds, caseload={"dispatch_weight": 7})
    plan, report = solve_ok(problem)
    assert len(set(answers(plan).values())) == 1
    assert level(plan, "fairness") == 14 == rule_cost(report, "dispatched")
    split = plan.model_copy(update={"caseloads": [plan.caseloads[0].model_copy(update={"person": "a"}),
                                                  plan.caseloads[1].model_copy(update={"person": "b"})]})
    assert check(problem, split, rules_only=True).levels["fairness"] == 28


def test_household_person_with_a_deputy_for_dates_away() -> None:
    # a lives at the community (0 km), b 5 km; a is away on day 1, with b as deputy: a answers
    # for h1, b visits on day 1 only (5 km); without the deputy b must answer for all 3 dates
    people = [{"id": "a", "max_households": 1, "unavailable": [iso(1)], "deputy": "b"},
              {"id": "b", "max_households": 1}]
    problem = town(people, [household("h1", watch_days=3)], days=3, commute_km=[[0], [5]])
    plan, report = solve_ok(problem)
    assert answers(plan) == {"h1": "a"} and level(plan, "commute") == 5
    trips = [(p.person, p.date) for p in report.penalties if p.rule == "visit_trips"]
    assert trips == [("b", MON + dt.timedelta(days=1))]
    alone = town([{**people[0], "deputy": None}, people[1]], [household("h1", watch_days=3)], days=3,
                 commute_km=[[0], [5]])
    plan, _ = solve_ok(alone)
    assert answers(plan) == {"h1": "b"} and level(plan, "commute") == 15
    # the deputy's capacity counts on the dates they cover: b's own household that day leaves
    # no room, so one of the two households has nobody
    full = town(people, [household("h1", watch_days=3), household("h2", arrival=1, watch_days=1)], days=3,
                commute_km=[[0], [5]])
    plan, _ = solve_ok(full)
    assert len(plan.unwatched) == 1
    # a deputy away on the same date cannot cover: the checker says why
    both_away = town([people[0], {**people[1], "unavailable": [iso(1)]}], [household("h1", watch_days=3)], days=3,
                     commute_km=[[0], [5]])
    plan, _ = solve_ok(both_away)
    assert plan.unwatched == ["h1"]
    forced = plan.model_copy(update={"caseloads": [Caseload(household="h1", person="a", site="S1", first=MON,
                                                            last=MON + dt.timedelta(days=2))], "unwatched": []})
    (violation,) = check(both_away, forced).violations
    assert violation.rule == "household_person" and "so is their deputy b" in violation.detail


def test_bad_deputy_names_the_field() -> None:
    with pytest.raises(ProblemError, match=r"people\[0\]\.deputy"):
        make_problem(people=[{"id": "a", "deputy": "zz"}])
    with pytest.raises(ProblemError, match=r"people\[0\]\.deputy"):
        make_problem(people=[{"id": "a", "deputy": "a"}])


def test_staffing_from_a_pool_says_which_units_go_where() -> None:
    from dutyplan.staffing import staffing

    # candidates of two units; the households speak Korean and only one unit's cadres do: two
    # go, both from that unit, to S1
    problem = town([{"id": "a", "max_households": 1, "languages": ["ko"]}],
                   [household(f"h{i}", watch_days=2, language="ko") for i in range(3)], commute_km=[[0]])
    pool = [{"id": f"{unit}{i}", "unit": unit, "max_households": 1, "languages": languages, "commute_km": {"S1": 1}}
            for unit, languages in (("near", ["ko"]), ("far", ["zh"])) for i in range(2)]
    answer = staffing(problem, pool=pool, time_limit=20, workers=1)
    assert answer.minimum == 2 and answer.proven
    assert [(e.site, e.count, e.units) for e in answer.extra] == [("S1", 2, {"near": 2})]
    assert "2 from near" in answer.summary()


def test_command_line_explains_households_with_nobody(tmp_path, capsys) -> None:  # noqa: ANN001
    import json

    from dutyplan.cli import main

    people = [{"id": "a", "max_households": 1}, {"id": "b", "max_households": 1, "languages": ["ko"]}]
    problem = town(people, [household("h1", priority=2), household("h2", language="zh")])
    plan, _ = solve_ok(problem)
    assert plan.unwatched == ["h2"]
    (tmp_path / "p.json").write_text(problem.model_dump_json(), encoding="utf-8")
    plan.to_json(tmp_path / "plan.json")
    assert main(["explain", str(tmp_path / "p.json"), str(tmp_path / "plan.json"), "--households", "--json"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["household"] == "h2" and {c["person"] for c in item["candidates"]} == {"a", "b"}
    assert main(["explain", str(tmp_path / "p.json"), str(tmp_path / "plan.json")]) == 0
    assert "nobody answers for it" in capsys.readouterr().out


@pytest.mark.parametrize("bad, field", [
    ({"id": "hx", "site": "S9", "arrival": iso(0)}, "changes.add_households.0.site"),
    ({"id": "h1", "site": "S1", "arrival": iso(0)}, "changes.add_households.0.id"),
])
def test_a_bad_arrival_in_a_replan_names_its_field(bad: dict[str, Any], field: str) -> None:
    from dutyplan.replan import replan

    problem = town([{"id": "a", "max_households": 2}], [household("h1")])
    published, _ = solve_ok(problem)
    with pytest.raises(ProblemError, match=field.replace(".", r"\.")):
        replan(problem, published, {"add_households": [bad]}, freeze_until=iso(1), time_limit=5)
