"""Long horizons planned a window of dates at a time (dutyplan.solver.windows)."""

from __future__ import annotations

import pytest
from _helpers import MON, assert_agrees, day, make_problem

from dutyplan.budget import Budget
from dutyplan.compile import window_problem
from dutyplan.problem import PastDuty, Problem
from dutyplan.solve import solve
from dutyplan.solver import windows

NIGHT = {"id": "N", "start": "00:00", "minutes": 480}
DAY = {"id": "D", "start": "08:00", "minutes": 480}


def _long(days: int = 40, **rules) -> Problem:
    # one gate needing a night and a day person every date; four people, each capped
    return make_problem(
        days=days, people=[{"id": "a", "rules": {"min_minutes": 14 * 480}}, {"id": "b"}, {"id": "c"},
                           {"id": "d", "unavailable": [day(d) for d in range(10, 20)]}],
        shifts=[NIGHT, DAY],
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1, "D": 1}}]}],
        rules={"max_consecutive_days": 3, "min_consecutive_days_off": 2, "max_minutes": 18 * 480,
               "max_shifts": {"N": 8}, "forbidden_successions": [{"first": "D", "then": "N"}],
               "min_days_off_per_7": None, **rules},
    )


@pytest.fixture
def short_windows(monkeypatch):
    """Windows on a 40-day horizon: 14 days kept, 7 more looked at."""
    monkeypatch.setattr(windows, "WINDOWS_ABOVE_DAYS", 20)
    monkeypatch.setattr(windows, "WINDOWS_ABOVE_POSTINGS", 0)
    monkeypatch.setattr(windows, "KEEP_DAYS", 14)
    monkeypatch.setattr(windows, "LOOKAHEAD_DAYS", 7)
    monkeypatch.setattr(windows, "EVALUATION_SECONDS", 2.0)


def test_applies_to_long_large_horizons_without_a_site_to_keep():
    many = windows.WINDOWS_ABOVE_POSTINGS + 1
    assert not windows.applies(_long(days=windows.WINDOWS_ABOVE_DAYS), many)
    assert windows.applies(_long(days=windows.WINDOWS_ABOVE_DAYS + 1), many)
    assert not windows.applies(_long(days=windows.WINDOWS_ABOVE_DAYS + 1), windows.WINDOWS_ABOVE_POSTINGS)
    two_sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]},
                 {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    long = windows.WINDOWS_ABOVE_DAYS + 1
    # a person kept to one site would be free to change it between windows
    assert not windows.applies(make_problem(days=long, people=2, sites=two_sites), many)
    assert windows.applies(make_problem(days=long, people=2, sites=two_sites, rules={"keep_one_site": False}), many)
    assert not windows.applies(make_problem(
        days=long, people=[{"id": "a"}, {"id": "b", "rules": {"keep_one_site": True}}], sites=two_sites,
        rules={"keep_one_site": False}), many)


def test_a_window_gets_its_share_of_the_totals_left_and_the_last_gets_the_rest():
    problem = _long()
    a, d = 0, 3
    # 14 + 7 of 40 dates: 21/40 of what is left, as hard as it was (a minimum soft when
    # asked); minutes with half a shift of slack each way, counts with none
    slack = round(windows.SLACK_SHIFTS * 480)
    rules = windows.window_rules(problem, a, 0, 21, 0, {}, 0)
    assert rules.min_minutes.value == 14 * 480 * 21 // 40 - slack and rules.min_minutes.hard
    soft = windows.window_rules(problem, a, 0, 21, 0, {}, 0, soft_minimum=True)
    assert soft.min_minutes.value == rules.min_minutes.value
    assert soft.min_minutes.weight == windows.SHORT_WEIGHT
    assert rules.max_minutes.value == -(-18 * 480 * 21 // 40) + slack and rules.max_minutes.hard
    assert rules.max_shifts["N"].value == -(-8 * 21 // 40)
    # after 10 shifts, 4 of them nights, the last window (days 28-39) gets exactly the rest
    last = windows.window_rules(problem, a, 28, 12, 10 * 480, {"N": 4}, 0)
    assert last.min_minutes.value == 4 * 480 and last.min_minutes.hard
    assert last.max_minutes.value == 8 * 480 and last.max_shifts["N"].value == 4
    # the person's own overrides stay; rules they do not override are not copied in
    assert last.model_fields_set >= {"min_minutes", "max_minutes", "max_shifts"}
    assert "max_consecutive_days" not in last.model_fields_set
    # shared by the dates the person is available on: d is away on 10 of the first 21
    share = windows.window_rules(problem, d, 0, 21, 0, {}, 0)
    assert share.max_minutes.value == -(-18 * 480 * 11 // 30) + slack


def test_a_window_problem_keeps_its_dates_and_the_history_given():
    problem = _long()
    history = [[PastDuty(date=day(13), shift="D")], [], [], []]
    rules = [windows.window_rules(problem, p, 14, 21, 0, {}, 0) for p in range(4)]
    sub = window_problem(problem, 14, 21, history, day(0), rules)
    assert sub.horizon.start == day(14) and sub.horizon.days == 21
    assert [u.date for u in sub.people[3].unavailable] == [day(d) for d in range(14, 20)]
    assert sub.people[0].history == history[0] and sub.people[0].history_from == day(0)
    # an ordinary problem: it passes validation as a user's would
    again = Problem.model_validate(sub.model_dump())
    assert again.effective_rules(again.people[0]).min_minutes == rules[0].min_minutes
    assert again.effective_rules(again.people[0]).max_consecutive_days.value == 3


def test_a_long_horizon_planned_in_windows_keeps_every_rule_of_the_whole(short_windows, monkeypatch):
    problem = _long()
    calls = []
    solve_single = windows.solve_single

    def counted(sub, *args, **kwargs):
        calls.append((sub.horizon.start, sub.horizon.days))
        return solve_single(sub, *args, **kwargs)

    monkeypatch.setattr(windows, "solve_single", counted)
    cut = windows.window_problem
    histories = []

    def recorded(problem, first, days, history, known_from, rules):
        histories.append((first, history, known_from))
        return cut(problem, first, days, history, known_from, rules)

    monkeypatch.setattr(windows, "window_problem", recorded)
    plan = solve(problem, time_limit=20, workers=1, seed=0, progress=False)
    # the second window's history is the plan's duties of the 14 dates before it
    first, history, known_from = histories[-1]
    assert first == 14 and known_from == day(0)
    for p, person in enumerate(problem.people):
        duties = sorted((a.date, a.shift) for a in plan.assignments if a.person == person.id and a.date < day(14))
        assert sorted((d.date, d.shift) for d in history[p]) == duties
    # 40 days: a window from day 0 (14 kept + 7 ahead), the last from day 14 to the end (a
    # window from day 28 would be shorter than 21 days)
    assert calls == [(MON, 21), (day(14), 26)]
    assert plan.result.status in ("feasible", "optimal")
    # the runs, successions and caps across the seams, and the hard horizon totals, hold
    report = assert_agrees(problem, plan)
    assert report.ok
    worked = sum(1 for x in plan.assignments if x.person == "a")
    assert worked >= 14


def test_a_window_without_a_plan_leaves_the_windows_without_one_and_the_whole_model_takes_over(short_windows):
    # everyone must work 30 shifts of the 40 dates, but no more than 3 in a row with 2 off
    problem = _long(min_minutes=30 * 480, max_minutes=None)
    alone = windows.solve_windows(problem, Budget(10), 1, 0)
    assert alone.result.status == "unknown" and not alone.assignments
    # solve() then gives the time left to the whole model, which proves there is no plan
    plan = solve(problem, time_limit=20, workers=1, seed=0, progress=False)
    assert plan.result.status == "infeasible" and not plan.assignments


def test_the_history_reaches_back_past_the_longest_run_a_rule_counts():
    assert windows.history_days(_long()) == windows.HISTORY_DAYS
    long_runs = _long(max_consecutive_days=20)
    assert windows.history_days(long_runs) == 21
    one = make_problem(days=40, people=[{"id": "a", "rules": {"min_consecutive_days_off": 30}}])
    assert windows.history_days(one) == 31


def test_people_who_cannot_meet_their_share_alone_get_it_soft():
    problem = _long()
    rules = [windows.window_rules(problem, p, 0, 21, 0, {}, 0) for p in range(4)]
    sub = window_problem(problem, 0, 21, [[] for _ in range(4)], None, rules)
    # a's share (7 shifts in 21 dates) fits 3 on, 2 off
    assert windows.short_people(sub, Budget(10), 0) == []
    rules[0] = rules[0].model_copy(update={"min_minutes": rules[0].min_minutes.model_copy(update={"value": 14 * 480})})
    sub = window_problem(problem, 0, 21, [[] for _ in range(4)], None, rules)
    assert windows.short_people(sub, Budget(10), 0) == [0]
    # no time: nobody looked at, nobody softened
    assert windows.short_people(sub, Budget(0.0), 0) == []
