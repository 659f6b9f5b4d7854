"""How many people are missing (dutyplan.staffing): a proven minimum and the cover curve."""

from __future__ import annotations

import pytest

import dutyplan
from dutyplan.errors import DutyplanError
from dutyplan.staffing import staffing

from _helpers import busy_core, make_problem

WEEK = {"max_shifts": {"D": 5}}  # each person works at most 5 of the 7 days


def test_one_person_short_of_a_week():
    problem = make_problem(days=7, people=1, rules=WEEK)
    answer = staffing(problem, time_limit=10, workers=1)
    assert answer.possible and answer.minimum == 1 and answer.proven
    assert [(e.site, e.count) for e in answer.extra] == [("S1", 1)]
    assert [(p.extra, p.uncovered, p.proven) for p in answer.curve] == [(0, 2, True), (1, 0, True)]
    report = dutyplan.check(answer.problem, answer.plan)
    assert report.ok and answer.plan.missing_person_shifts == 0
    assert "full cover needs 1 extra people (proven minimal)" in answer.summary()


def test_enough_people_need_no_one_more():
    problem = make_problem(days=7, people=2, rules=WEEK)
    answer = staffing(problem, time_limit=10, workers=1)
    assert answer.minimum == 0 and answer.proven and answer.extra == []
    assert [(p.extra, p.uncovered) for p in answer.curve] == [(0, 0)]


def test_a_count_bound_proves_the_minimum_over_sites():
    # two sites of 7 person-shifts each; 5 per person: 2 people a site, one already there
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]},
             {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    problem = make_problem(days=7, people=2, sites=sites, rules=WEEK)
    answer = staffing(problem, time_limit=15, workers=2)
    assert answer.minimum == 2 and answer.proven and answer.bound == 2
    assert sorted(e.site for e in answer.extra) == ["S1", "S2"]
    assert dutyplan.check(answer.problem, answer.plan).ok


def test_candidates_from_a_pool():
    problem = make_problem(days=7, people=1, rules=WEEK)
    pool = [{"id": "far", "name": "远"}, {"id": "near", "name": "近"}]
    answer = staffing(problem, pool=pool, time_limit=10, workers=1)
    assert answer.minimum == 1 and answer.proven
    # a pool person's site is where the plan sends them
    assert answer.extra[0].site == "S1" and answer.extra[0].people in (["far"], ["near"])


def test_not_possible_with_the_candidates():
    # three people at once, one generated candidate per site and role: never enough
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 3}}]}]
    problem = make_problem(days=2, people=1, sites=sites)
    answer = staffing(problem, per_site=1, time_limit=10, workers=1)
    assert not answer.possible and answer.minimum is None
    assert "not possible" in answer.summary()


def test_deterministic_staffing_gives_the_same_answer_twice_and_under_load():
    # three sites short of people, a time limit too short to prove every point of the curve:
    # on the wall clock the unproven points depend on the machine's load, in deterministic
    # time they do not
    sites = [{"id": f"S{k}", "gates": [{"id": "G1", "demand": {"D": 2}}, {"id": "G2", "demand": {"D": 1}}]}
             for k in range(3)]
    problem = make_problem(days=14, people=6, sites=sites, rules={"max_consecutive_days": {"value": 4}})

    def answer() -> tuple:
        found = staffing(problem, time_limit=1.0, workers=2, seed=0, deterministic=True)
        plan = None if found.plan is None else sorted(
            (a.person, a.date, a.shift, a.site, a.gate) for a in found.plan.assignments)
        return found.minimum, found.bound, found.proven, found.curve, found.extra, plan

    first = answer()
    with busy_core():  # another process keeps a core busy during the second answer
        second = answer()
    assert first == second
    assert not all(point.proven for point in first[3])  # the limit cut the search short


def test_staffing_refuses_a_deterministic_flag_that_is_not_a_bool():
    problem = make_problem(days=7, people=1, rules=WEEK)
    with pytest.raises(DutyplanError, match="deterministic"):
        staffing(problem, time_limit=1, deterministic="yes")


def test_staffing_and_explain_from_the_command_line(tmp_path, capsys):
    from dutyplan.cli import main
    from dutyplan.io import save_problem

    problem = make_problem(days=7, people=1, rules=WEEK)
    save_problem(problem, tmp_path / "p.json")
    assert main(["staffing", str(tmp_path / "p.json"), "--time-limit", "10", "--workers", "1",
                 "--out", str(tmp_path / "plan.json")]) == 0
    out = capsys.readouterr().out
    assert "full cover needs 1 extra people (proven minimal)" in out
    assert main(["staffing", str(tmp_path / "p.json"), "--time-limit", "10", "--workers", "2",
                 "--deterministic"]) == 0
    assert "full cover needs 1 extra people (proven minimal)" in capsys.readouterr().out
    assert main(["solve", str(tmp_path / "p.json"), "--time-limit", "5", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "short.json")]) == 0
    capsys.readouterr()
    assert main(["explain", str(tmp_path / "p.json"), str(tmp_path / "short.json")]) == 0
    out = capsys.readouterr().out
    assert "2 uncovered gate-shift(s)" in out and "stopped by" in out
