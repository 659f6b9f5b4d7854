"""Re-plan with the least change (dutyplan.replan): the past stays, the diff is the truth."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dutyplan
from dutyplan.errors import ProblemError
from dutyplan.replan import Changes, apply_changes, change_cost, plan_diff, replan

from _helpers import MON, day, iso, make_problem

SITES = [
    {"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "E": 1}}, {"id": "G2", "demand": {"D": 1}}]},
    {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]},
]
SHIFTS = [{"id": "D", "start": "08:00", "minutes": 480}, {"id": "E", "start": "16:00", "minutes": 480}]


def small():
    return make_problem(
        days=6, people=7, sites=SITES, shifts=SHIFTS,
        rules={"max_consecutive_days": 4, "min_rest_hours": 12, "keep_one_site": False},
        commute_km=[[4, 10], [6, 3], [8, 8], [2, 12], [9, 2], [5, 5], [7, 1]],
    )


@pytest.fixture(scope="module")
def published():
    problem = small()
    plan = dutyplan.solve(problem, time_limit=5, workers=1, seed=0, deterministic=True)
    assert plan.result.status in ("optimal", "feasible")
    return problem, plan


def keys(assignments, before=None, after=None):
    return {
        (a.person, a.date, a.shift, a.site, a.gate)
        for a in assignments
        if (before is None or a.start < before) and (after is None or a.start >= after)
    }


def test_no_changes_returns_the_published_plan(published):
    problem, plan = published
    result = replan(problem, plan, None, freeze_until=iso(2), time_limit=5, workers=1)
    assert keys(result.plan.assignments) == keys(plan.assignments)
    assert result.changed_assignments == 0 and result.diff == []


def test_a_cadre_falls_ill_nothing_before_the_freeze_moves(published):
    problem, plan = published
    worked = sorted({a.person for a in plan.assignments if a.date >= day(2)})
    ill = worked[0]
    freeze = dt.datetime.combine(day(2), dt.time(0))
    result = replan(problem, plan, {"away": [{"person": ill, "start": iso(2)}]}, freeze_until=freeze,
                    time_limit=8, workers=1)
    new = result.plan.assignments
    assert keys(new, before=freeze) == keys(plan.assignments, before=freeze)
    assert not [a for a in new if a.person == ill and a.start >= freeze]
    report = dutyplan.check(result.problem, result.plan, published=plan, freeze_until=freeze)
    assert report.ok
    assert report.objective == result.plan.result.objective
    # the changes level is exact, and it is the cost of the diff
    level = {lv.name: lv for lv in result.plan.result.levels}["changes"]
    assert level.value == change_cost(result.problem, plan.assignments, new, freeze) == report.levels["changes"]
    assert result.changed_assignments == len(keys(plan.assignments) ^ keys(new))


def test_the_diff_turns_the_published_plan_into_the_new_one(published):
    problem, plan = published
    result = replan(problem, plan, {"demand": [{"site": "S2", "gate": "G1", "shift": "E", "need": 1, "start": iso(3)}]},
                    freeze_until=iso(3), time_limit=5, workers=1)
    rebuilt = keys(plan.assignments)
    for person in result.diff:
        rebuilt -= keys(person.dropped)
        rebuilt |= keys(person.added)
        assert all(a.person == person.person for a in person.dropped + person.added)
    assert rebuilt == keys(result.plan.assignments)
    assert plan_diff(result.problem, plan, result.plan) == result.diff
    # the new evening gate-shifts are staffed from day 3 on
    assert any(a.site == "S2" and a.shift == "E" for a in result.plan.assignments)


def test_people_removed_and_added_sites_and_gates_added(published):
    problem, plan = published
    changes = {
        "remove_people": ["a"],
        "add_people": [{"id": "z", "name": "增援", "commute_km": {"S1": 3, "S2": 3}}],
        "add_sites": [{"id": "S3", "gates": [{"id": "G1", "demand": {"D": 1}}],
                       "commute_km": {p.id: 5 for p in problem.people}}],
        "add_gates": [{"site": "S2", "gate": {"id": "G2", "demand": {"E": 1}}}],
    }
    with pytest.raises(ProblemError, match=r"add_people\.0\.commute_km: needed for every site; missing \['S3'\]"):
        replan(problem, plan, changes, freeze_until=iso(1), time_limit=3, workers=1)
    changes["add_people"][0]["commute_km"]["S3"] = 2
    result = replan(problem, plan, changes, freeze_until=iso(1), time_limit=6, workers=1)
    assert not [a for a in result.plan.assignments if a.person == "a" and a.date >= day(1)]
    assert [s.id for s in result.problem.sites] == ["S1", "S2", "S3"]
    report = dutyplan.check(result.problem, result.plan, published=plan, freeze_until=result.freeze_until)
    assert report.ok, report.summary()
    # without the published plan the changes level cannot be verified: a false claim unless
    # only the rules are asked for
    alone = dutyplan.check(result.problem, result.plan)
    assert alone.rules_ok and not alone.ok
    assert [m.claim for m in alone.mismatches] == ["result.levels[changes].value"]


def test_bad_changes_name_the_field(published):
    problem, plan = published
    with pytest.raises(ProblemError, match=r"changes\.away\.0: unknown person 'nobody'"):
        apply_changes(problem, Changes.model_validate({"away": [{"person": "nobody", "start": iso(1)}]}))
    with pytest.raises(ProblemError, match="invalid changes"):
        replan(problem, plan, {"away": [{"who": "a"}]}, time_limit=1)
    with pytest.raises(ProblemError, match=r"changes\.demand\.0: no gate 'G9'"):
        replan(problem, plan, {"demand": [{"site": "S1", "gate": "G9", "shift": "D", "need": 2}]}, time_limit=1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    freeze_day=st.integers(min_value=0, max_value=5),
    away=st.lists(st.tuples(st.sampled_from("abcdefg"), st.integers(0, 5), st.sampled_from([None, "D", "E"])),
                  max_size=3),
    extra_need=st.lists(st.tuples(st.sampled_from(["S1/G1", "S1/G2", "S2/G1"]), st.sampled_from(["D", "E"]),
                                  st.integers(0, 2), st.integers(0, 5)), max_size=2),
)
def test_replan_never_touches_frozen_assignments(published, freeze_day, away, extra_need):
    problem, plan = published
    freeze = dt.datetime.combine(day(freeze_day), dt.time(12))  # mid-day: the day shift is frozen
    changes = {
        "away": [{"person": p, "start": iso(max(d, freeze_day + 1) if freeze_day < 5 else 5), "shift": s}
                 for p, d, s in away if freeze_day < 5],
        "demand": [{"site": g.split("/")[0], "gate": g.split("/")[1], "shift": s, "need": n,
                    "start": iso(max(d, freeze_day + 1) if freeze_day < 5 else 5)}
                   for g, s, n, d in extra_need if freeze_day < 5],
    }
    result = replan(problem, plan, changes, freeze_until=freeze, time_limit=3, workers=1)
    assert keys(result.plan.assignments, before=freeze) == keys(plan.assignments, before=freeze)
    report = dutyplan.check(result.problem, result.plan, published=plan, freeze_until=freeze)
    assert report.ok, report.summary()
    assert report.objective == result.plan.result.objective


def test_start_of_horizon_freeze_is_the_default():
    problem = make_problem(days=3, people=2)
    plan = dutyplan.solve(problem, time_limit=2, workers=1)
    result = replan(problem, plan, {"away": [{"person": "a", "start": MON.isoformat()}]}, time_limit=3, workers=1)
    assert result.freeze_until == dt.datetime.combine(MON, dt.time(0))
    assert all(a.person == "b" for a in result.plan.assignments)


def test_replan_from_the_command_line(published, tmp_path, capsys):
    import json

    from dutyplan.cli import main
    from dutyplan.io import save_problem

    problem, plan = published
    save_problem(problem, tmp_path / "problem.json")
    plan.to_json(tmp_path / "plan.json")
    ill = sorted({a.person for a in plan.assignments if a.date >= day(3)})[0]
    (tmp_path / "changes.json").write_text(json.dumps({"away": [{"person": ill, "start": iso(3)}]}))
    code = main(["replan", str(tmp_path / "problem.json"), str(tmp_path / "plan.json"),
                 "--changes", str(tmp_path / "changes.json"), "--freeze-until", iso(3),
                 "--time-limit", "4", "--workers", "1", "--out", str(tmp_path / "new.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "independent check (frozen past, changes): passes" in out
    new = dutyplan.Plan.from_json(tmp_path / "new.json")
    assert not [a for a in new.assignments if a.person == ill and a.date >= day(3)]


def test_people_keep_their_published_gate_among_interchangeable_gates():
    from dutyplan.plan import Assignment, Plan, Result

    two_gates = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"D": 1}}]}]
    problem = make_problem(days=2, people=2, sites=two_gates)

    def duty(person, offset, gate):
        start = dt.datetime.combine(day(offset), dt.time(8))
        return Assignment(person=person, date=day(offset), shift="D", start=start,
                          end=start + dt.timedelta(hours=8), site="S1", gate=gate)

    # the opposite of filling G1 first with the first person
    published = Plan.build(problem, [duty("a", d, "G2") for d in (0, 1)] + [duty("b", d, "G1") for d in (0, 1)],
                           Result(status="feasible"))
    result = replan(problem, published, None, time_limit=5, workers=1)
    assert keys(result.plan.assignments) == keys(published.assignments)
    assert result.changed_assignments == 0


def test_frozen_and_change_cost_bind() -> None:
    """The checker's re-plan rules on a tiny hand-made case: a published duty before the
    freeze that is gone (or a new one there) breaks ``frozen``; after the freeze a dropped
    duty costs its day's weight, a new one the same (twice that at a site new to the person)."""
    from dutyplan.plan import Assignment, Plan, Result
    from dutyplan.rulebook import SITE_MOVE_FACTOR, change_weight

    problem = make_problem(days=4, people=2, sites=[
        {"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]},
        {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]},
    ], rules={"keep_one_site": False}, objective={"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0})

    def duty(person: str, offset: int, site: str) -> Assignment:
        start = dt.datetime.combine(day(offset), dt.time(8))
        return Assignment(person=person, date=day(offset), shift="D", start=start,
                          end=start + dt.timedelta(hours=8), site=site, gate="G1")

    def plan(*duties: Assignment) -> Plan:
        return Plan.build(problem, list(duties), Result(status="feasible"))

    published = plan(duty("a", 0, "S1"), duty("a", 2, "S1"), duty("b", 2, "S2"))
    freeze = dt.datetime.combine(day(1), dt.time(0))
    # before the freeze: a's duty on day 0 gone, b's new one on day 0 there
    moved = plan(duty("b", 0, "S1"), duty("a", 2, "S1"), duty("b", 2, "S2"))
    report = dutyplan.check(problem, moved, published=published, freeze_until=freeze)
    assert sorted(v.rule for v in report.violations) == ["frozen", "frozen"]
    # after it: b's day-2 duty at S2 dropped, b at S1 on day 3 (a site new to b), a at S1 on
    # day 3 (a's own site)
    changed = plan(duty("a", 0, "S1"), duty("a", 2, "S1"), duty("b", 3, "S1"))
    report = dutyplan.check(problem, changed, published=published, freeze_until=freeze)
    assert report.rules_ok
    costs = sorted((p.rule, p.cost) for p in report.penalties if p.level == "changes")
    assert costs == [("added_duty", SITE_MOVE_FACTOR * change_weight(4, 3)), ("dropped_duty", change_weight(4, 2))]
    assert report.levels["changes"] == SITE_MOVE_FACTOR * 1 + 2
