"""Tests of the independent checker: hand-made problems and plans, costs worked out by hand."""

from __future__ import annotations

import ast
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import dutyplan.checker as checker_module
from dutyplan.checker import CheckReport, check
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import LEVELS, Problem

MON = dt.date(2024, 1, 1)  # a Monday
DEFAULT_SITES = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
NO_FAIRNESS = {"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0}
EIGHT_HOURS = [
    {"id": "N", "start": "00:00", "minutes": 480},
    {"id": "D", "start": "08:00", "minutes": 480},
    {"id": "E", "start": "16:00", "minutes": 480},
]


# --------------------------------------------------------------------------- helpers


def make_problem(
    days: int = 7,
    start: dt.date = MON,
    people: int | list[dict[str, Any]] = 1,
    sites: list[dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
    objective: dict[str, Any] | None = None,
    **extra: Any,
) -> Problem:
    """A small problem; ``people`` is a count (ids p1, p2...) or a list of person dicts."""
    if isinstance(people, int):
        people = [{"id": f"p{i + 1}"} for i in range(people)]
    return Problem(
        name="test",
        horizon={"start": start, "days": days},
        sites=sites if sites is not None else DEFAULT_SITES,
        people=people,
        rules=rules or {},
        objective=objective if objective is not None else dict(NO_FAIRNESS),
        **extra,
    )


def duty(
    problem: Problem,
    person: str,
    day: int | dt.date,
    shift: str,
    site: str = "S1",
    gate: str = "G1",
) -> Assignment:
    """An assignment with the right clock times (day = offset from the horizon start, or a date).

    An unknown shift type gets 00:00-01:00.
    """
    date = day if isinstance(day, dt.date) else problem.horizon.start + dt.timedelta(days=day)
    types = {s.id: s for s in problem.shift_types}
    clock, length = dt.time(0), 60
    if shift in types:
        clock, length = types[shift].start, types[shift].minutes
    begin = dt.datetime.combine(date, clock)
    return Assignment(
        person=person,
        date=date,
        shift=shift,
        start=begin,
        end=begin + dt.timedelta(minutes=length),
        site=site,
        gate=gate,
    )


def plan_of(problem: Problem, assignments: list[Assignment], objective: int | None = None) -> Plan:
    return Plan.build(problem, assignments, Result(status="feasible", objective=objective))


def raw_plan(assignments: list[Assignment]) -> Plan:
    """A plan built without Plan.build (which needs known ids)."""
    return Plan(problem="test", assignments=assignments, result=Result(status="feasible"))


def run(problem: Problem, assignments: list[Assignment]) -> CheckReport:
    report = check(problem, plan_of(problem, assignments))
    # invariants of every report
    assert set(report.levels) == set(LEVELS)
    for level in LEVELS:
        assert report.levels[level] == sum(p.cost for p in report.penalties if p.level == level)
    assert all(p.cost != 0 for p in report.penalties)
    return report


def rules_of(report: CheckReport) -> list[str]:
    return [v.rule for v in report.violations]


def rule_cost(report: CheckReport, rule: str) -> int:
    return sum(p.cost for p in report.penalties if p.rule == rule)


# --------------------------------------------------------------------------- always hard


def test_valid_plan_is_ok_and_costs_nothing() -> None:
    problem = make_problem(days=3)
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(3)])
    assert report.ok
    assert report.violations == []
    assert report.levels == dict.fromkeys(LEVELS, 0)
    assert report.objective == 0


def test_unknown_ids_and_dates_never_crash() -> None:
    problem = make_problem(days=2)
    bad = [
        duty(problem, "ghost", 0, "D"),
        duty(problem, "p1", 0, "D", site="nowhere"),
        duty(problem, "p1", 0, "D", gate="G9"),
        duty(problem, "p1", 0, "Z"),
        duty(problem, "p1", 5, "D"),  # outside the 2-day horizon
        duty(problem, "p1", -1, "D"),
    ]
    report = check(problem, raw_plan(bad))
    assert rules_of(report) == ["unknown"] * 6
    assert "ghost" in report.violations[0].detail
    assert "G9" in report.violations[2].detail
    # every bad assignment is skipped: both gate-shifts stay uncovered
    # cover = 2 gate-shifts x 1 missing x (priority 1 x 480 min) = 960
    assert report.levels["cover"] == 960


def test_closed_gate() -> None:
    sites = [
        {
            "id": "S1",
            "gates": [
                {"id": "G1", "demand": {"D": 1, "E": 0}},  # E: need 0, no over weight -> closed
                {"id": "G2", "demand": {"D": {"need": 0, "over_weight": 7}}},  # open, need 0
            ],
        }
    ]
    problem = make_problem(days=1, people=3, sites=sites, rules={"max_shifts_per_day": 3})
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "D"),
            duty(problem, "p1", 0, "N"),  # not in the table: closed
            duty(problem, "p2", 0, "E"),  # need 0 without over weight: closed
            duty(problem, "p3", 0, "D", gate="G2"),  # open with need 0: one extra
        ],
    )
    assert rules_of(report) == ["closed_gate", "closed_gate"]
    assert {v.person for v in report.violations} == {"p1", "p2"}
    # G2 D: over_weight 7 x 1 extra = 7
    assert report.levels["cover"] == 7


def test_times_must_match_the_shift_instance() -> None:
    problem = make_problem(days=1)
    good = duty(problem, "p1", 0, "D")
    bad = good.model_copy(update={"end": good.end + dt.timedelta(minutes=30)})
    report = run(problem, [bad])
    assert rules_of(report) == ["times"]
    assert "16:30" in report.violations[0].detail


def test_duplicate_counts_the_instance_once() -> None:
    sites = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"D": 1}}]}
    ]
    problem = make_problem(days=1, sites=sites, rules={"max_minutes": {"value": 0, "weight": 1}})
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p1", 0, "D", gate="G2")])
    # the same (date, shift) twice: a duplicate, not an overlap nor two shifts on one day
    assert rules_of(report) == ["duplicate"]
    # minutes worked count the instance once: 480 over 0 = 480
    assert rule_cost(report, "max_minutes") == 480


def test_overlap() -> None:
    shifts = [*EIGHT_HOURS, {"id": "L", "start": "12:00", "minutes": 480},
              {"id": "X", "start": "08:00", "minutes": 1440}]
    demand = {"N": 1, "D": 1, "E": 1, "L": 1, "X": 1}
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": demand}]}]
    problem = make_problem(
        days=3, people=2, sites=sites, shift_types=shifts, rules={"max_shifts_per_day": 3}
    )
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "D"),  # 08-16
            duty(problem, "p1", 0, "L"),  # 12-20: overlaps D
            duty(problem, "p1", 1, "X"),  # day 1 08:00 -> day 2 08:00
            duty(problem, "p1", 2, "N"),  # day 2 00-08: overlaps X
            duty(problem, "p2", 0, "E"),  # 16-24
            duty(problem, "p2", 1, "N"),  # 00-08 next day: touches, no overlap
        ],
    )
    assert rules_of(report) == ["overlap", "overlap"]
    assert all(v.person == "p1" for v in report.violations)


def test_gate_role() -> None:
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 2}, "role": "medic"}]}]
    people = [{"id": "p1", "roles": ["medic"]}, {"id": "p2", "roles": ["driver"]}]
    problem = make_problem(days=1, people=people, sites=sites)
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p2", 0, "D")])
    assert rules_of(report) == ["gate_role"]
    assert report.violations[0].person == "p2"
    assert "medic" in report.violations[0].detail


def test_unavailable_date_and_shift() -> None:
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "E": 1}}]}]
    people = [
        {"id": "p1", "unavailable": ["2024-01-01"]},
        {"id": "p2", "unavailable": [{"date": "2024-01-02", "shift": "E"}]},
    ]
    problem = make_problem(days=2, people=people, sites=sites)
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "D"),  # the whole date is unavailable
            duty(problem, "p2", 1, "D"),  # fine: only E is unavailable
            duty(problem, "p2", 0, "E"),  # fine: other date
            duty(problem, "p1", 1, "E"),  # fine
        ],
    )
    assert rules_of(report) == ["unavailable"]
    assert (report.violations[0].person, report.violations[0].date) == ("p1", MON)
    report = run(problem, [duty(problem, "p2", 1, "E")])
    assert rules_of(report) == ["unavailable"]


def test_over_cover_hard_and_soft() -> None:
    hard = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    problem = make_problem(days=1, people=3, sites=hard)
    report = run(problem, [duty(problem, f"p{i}", 0, "D") for i in (1, 2, 3)])
    assert rules_of(report) == ["over_cover"]  # one per gate-shift
    assert report.levels["cover"] == 0

    gate_weight = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}, "over_cover_weight": 5}]}
    ]
    problem = make_problem(days=1, people=3, sites=gate_weight)
    report = run(problem, [duty(problem, f"p{i}", 0, "D") for i in (1, 2, 3)])
    assert report.ok
    assert report.levels["cover"] == 10  # over_weight 5 x 2 extra

    entry_weight = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"D": {"need": 1, "over_weight": 3}},
                                "over_cover_weight": 5}]}
    ]
    problem = make_problem(days=1, people=3, sites=entry_weight)
    report = run(problem, [duty(problem, f"p{i}", 0, "D") for i in (1, 2, 3)])
    assert report.levels["cover"] == 6  # the entry's over_weight 3 wins: 3 x 2 extra


def test_under_cover_weights() -> None:
    sites = [
        {
            "id": "S1",
            "gates": [
                {"id": "G1", "demand": {"D": 2, "N": 1}, "priority": 3},
                {"id": "G2", "demand": {"D": {"need": 2, "under_weight": 11}}},
            ],
        }
    ]
    problem = make_problem(days=1, people=2, sites=sites)
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p2", 0, "D", gate="G2")])
    # G1 D: 1 missing x (3 x 480) = 1440; G1 N: 1 missing x 1440 = 1440;
    # G2 D: 1 missing x 11 = 11 -> 2891
    assert report.levels["cover"] == 2891
    assert len([p for p in report.penalties if p.rule == "under_cover"]) == 3


def test_demand_tables_weekdays_and_dates() -> None:
    sites = [
        {
            "id": "S1",
            "gates": [
                {
                    "id": "G1",
                    "demand": {"D": 1},
                    "weekdays": {"tue": {"E": 1}},
                    "dates": {"2024-01-03": {}},
                }
            ],
        }
    ]
    problem = make_problem(days=3, sites=sites)
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p1", 1, "E")])
    assert report.ok and report.levels["cover"] == 0
    report = run(problem, [duty(problem, "p1", 1, "D"), duty(problem, "p1", 2, "D")])
    assert rules_of(report) == ["closed_gate", "closed_gate"]
    # Mon D (480) and Tue E (480) are uncovered
    assert report.levels["cover"] == 960


# --------------------------------------------------------------------------- rules

ALL_SHIFTS_SITE = [{"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1, "D": 1, "E": 1}}]}]


def test_max_shifts_per_day_hard_default_and_soft() -> None:
    problem = make_problem(days=2, sites=ALL_SHIFTS_SITE)
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p1", 0, "E")])
    assert rules_of(report) == ["max_shifts_per_day"]  # default: hard, 1 per date

    problem = make_problem(
        days=2, sites=ALL_SHIFTS_SITE, rules={"max_shifts_per_day": {"value": 1, "weight": 7}}
    )
    report = run(problem, [duty(problem, "p1", 0, s) for s in ("N", "D", "E")])
    assert report.ok
    assert report.levels["rules"] == 14  # 3 shifts on day 0: 2 over x 7


def test_min_rest_across_midnight_between_shift_types() -> None:
    problem = make_problem(days=2, sites=ALL_SHIFTS_SITE, rules={"min_rest_hours": 8})
    # evening 16-24 on day 0, night 00-08 on day 1: 0 h rest < 8 h
    report = run(problem, [duty(problem, "p1", 0, "E"), duty(problem, "p1", 1, "N")])
    assert rules_of(report) == ["min_rest_hours"]
    assert report.violations[0].date == MON
    assert "0 h" in report.violations[0].detail
    # day 08-16 then night 00-08 next day: exactly 8 h rest is enough
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p1", 1, "N")])
    assert report.ok

    problem = make_problem(
        days=2, sites=ALL_SHIFTS_SITE, rules={"min_rest_hours": {"value": 9, "weight": 3}}
    )
    report = run(problem, [duty(problem, "p1", 0, "D"), duty(problem, "p1", 1, "N")])
    assert report.ok
    assert report.levels["rules"] == 3  # one pair (8 h < 9 h) x 3


def test_min_rest_counts_every_ordered_pair() -> None:
    problem = make_problem(
        days=2,
        sites=ALL_SHIFTS_SITE,
        rules={"min_rest_hours": {"value": 16, "weight": 1}, "max_shifts_per_day": 3},
    )
    report = run(
        problem,
        [duty(problem, "p1", 0, "E"), duty(problem, "p1", 1, "N"), duty(problem, "p1", 1, "D")],
    )
    # E0 -> N1: 0 min; E0 -> D1: 480 min; N1 -> D1: 0 min; all < 960 -> 3 pairs x 1
    assert report.levels["rules"] == 3


def test_forbidden_successions_hard_soft_and_horizon_end() -> None:
    rules = {"forbidden_successions": [{"first": "E", "then": "D"}]}
    problem = make_problem(days=3, sites=ALL_SHIFTS_SITE, rules=rules)
    report = run(problem, [duty(problem, "p1", 0, "E"), duty(problem, "p1", 1, "D")])
    assert rules_of(report) == ["forbidden_successions"]
    # E on the last date: the next date is outside the horizon, no occurrence
    report = run(problem, [duty(problem, "p1", 2, "E")])
    assert report.ok

    rules = {"forbidden_successions": [{"first": "E", "then": "D", "weight": 4}]}
    problem = make_problem(days=3, people=2, sites=ALL_SHIFTS_SITE, rules=rules)
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "E"),
            duty(problem, "p1", 1, "D"),
            duty(problem, "p2", 1, "E"),
            duty(problem, "p2", 2, "D"),
        ],
    )
    assert report.ok
    assert report.levels["rules"] == 8  # 2 occurrences x 4


def test_max_consecutive_days_counts_from_the_first_date() -> None:
    problem = make_problem(days=7, rules={"max_consecutive_days": 3})
    # worked days 0-4: a run of 5 starting on the first date (before it counts as off)
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(5)])
    assert rules_of(report) == ["max_consecutive_days"]
    assert report.violations[0].date == MON

    problem = make_problem(days=7, rules={"max_consecutive_days": {"value": 3, "weight": 10}})
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 1, 2, 3, 4)])
    assert report.levels["rules"] == 20  # L=5, (5 - 3) x 10
    # runs 0-1 (2) and 3-6 (4, touching the last date): (4 - 3) x 10
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 1, 3, 4, 5, 6)])
    assert report.levels["rules"] == 10


def test_min_consecutive_days_not_penalised_at_the_edges() -> None:
    problem = make_problem(days=7, rules={"min_consecutive_days": {"value": 3, "weight": 5}})
    # runs: day 0 (touches the first date), days 2-3 (L=2), day 6 (touches the last date)
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 2, 3, 6)])
    assert report.levels["rules"] == 5  # only the inner run: (3 - 2) x 5
    # nothing worked: no run at all
    assert run(problem, []).levels["rules"] == 0

    problem = make_problem(days=7, rules={"min_consecutive_days": 3})
    report = run(problem, [duty(problem, "p1", d, "D") for d in (2, 4, 5)])
    # day 2 (L=1) and days 4-5 (L=2) are inner runs: 2 violations
    assert rules_of(report) == ["min_consecutive_days", "min_consecutive_days"]


def test_min_consecutive_days_off() -> None:
    problem = make_problem(days=7, rules={"min_consecutive_days_off": {"value": 2, "weight": 3}})
    # worked 0,1,3,5,6: off runs day 2 (L=1) and day 4 (L=1), both inner
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 1, 3, 5, 6)])
    assert report.levels["rules"] == 6  # (2-1) x 3 + (2-1) x 3
    # worked 1..5: off runs day 0 and day 6 touch the edges
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(1, 6)])
    assert report.levels["rules"] == 0

    problem = make_problem(days=7, rules={"min_consecutive_days_off": 3})
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 3, 6)])
    # off runs 1-2 (L=2) and 4-5 (L=2): 2 violations
    assert rules_of(report) == ["min_consecutive_days_off"] * 2


def test_min_days_off_per_7_rolling_windows() -> None:
    problem = make_problem(days=9, rules={"min_days_off_per_7": {"value": 3, "weight": 2}})
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(6)])
    # windows 0-6: 1 off (short 2); 1-7: 2 off (short 1); 2-8: 3 off (short 0)
    # (2 + 1) x 2 = 6
    assert report.levels["rules"] == 6
    assert len([p for p in report.penalties if p.rule == "min_days_off_per_7"]) == 2

    problem = make_problem(days=9, rules={"min_days_off_per_7": 3})
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(6)])
    assert rules_of(report) == ["min_days_off_per_7"] * 2

    # a horizon shorter than 7 days has no window
    problem = make_problem(days=6, rules={"min_days_off_per_7": 7})
    assert run(problem, [duty(problem, "p1", d, "D") for d in range(6)]).ok


def test_max_hours_per_7() -> None:
    problem = make_problem(days=8, rules={"max_hours_per_7": {"value": 40, "weight": 1}})
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(8)])
    # windows 0-6 and 1-7: 7 x 480 = 3360 min, 3360 - 2400 = 960 over each -> 1920
    assert report.levels["rules"] == 1920
    problem = make_problem(days=8, rules={"max_hours_per_7": 40})
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(8)])
    assert rules_of(report) == ["max_hours_per_7"] * 2
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(5)])
    assert report.ok  # 5 x 480 = 2400 = 40 h, not over


def test_min_and_max_minutes() -> None:
    rules = {
        "min_minutes": {"value": 2000, "weight": 2},
        "max_minutes": {"value": 1000, "weight": 1},
    }
    problem = make_problem(days=3, people=2, rules=rules)
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(3)])
    # p1: 1440 min -> short 560 x 2 = 1120, over 440 x 1 = 440
    # p2: 0 min -> short 2000 x 2 = 4000
    assert rule_cost(report, "min_minutes") == 1120 + 4000
    assert rule_cost(report, "max_minutes") == 440
    assert report.levels["rules"] == 5560

    problem = make_problem(days=3, rules={"min_minutes": 1000, "max_minutes": 1000})
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(3)])
    assert rules_of(report) == ["max_minutes"]
    report = run(problem, [duty(problem, "p1", 0, "D")])
    assert rules_of(report) == ["min_minutes"]


def test_max_shifts_per_type_and_person_override() -> None:
    people = [{"id": "p1"}, {"id": "p2", "rules": {"max_shifts": {"N": 3}}}]
    rules = {"max_shifts": {"N": {"value": 1, "weight": 5}}}
    problem = make_problem(days=3, people=people, sites=ALL_SHIFTS_SITE, rules=rules)
    report = run(problem, [duty(problem, p, d, "N") for p in ("p1", "p2") for d in range(3)])
    # p1: 3 nights, 2 over x 5 = 10; p2: own hard limit 3, not over
    # (cover: over-cover on every N is hard, 2 people for need 1)
    assert report.levels["rules"] == 10
    assert set(rules_of(report)) == {"over_cover"}

    problem = make_problem(days=3, sites=ALL_SHIFTS_SITE, rules={"max_shifts": {"N": 1}})
    report = run(problem, [duty(problem, "p1", d, "N") for d in range(3)])
    assert rules_of(report) == ["max_shifts"]


def test_max_consecutive_nights() -> None:
    problem = make_problem(
        days=6, sites=ALL_SHIFTS_SITE, rules={"max_consecutive_nights": {"value": 2, "weight": 100}}
    )
    # nights on days 0-3 (run of 4) then an evening (not a night) on day 4, night on day 5
    report = run(
        problem,
        [*(duty(problem, "p1", d, "N") for d in range(4)), duty(problem, "p1", 4, "E"),
         duty(problem, "p1", 5, "N")],
    )
    assert report.levels["rules"] == 200  # (4 - 2) x 100; the night on day 5 is a run of 1
    problem = make_problem(days=6, sites=ALL_SHIFTS_SITE, rules={"max_consecutive_nights": 2})
    report = run(problem, [duty(problem, "p1", d, "N") for d in range(3)])
    assert rules_of(report) == ["max_consecutive_nights"]


def test_max_weekends() -> None:
    problem = make_problem(days=14, rules={"max_weekends": {"value": 1, "weight": 100}})
    # Sat 6 + Sun 7 are one weekend; Sat 13 is a second one
    report = run(problem, [duty(problem, "p1", d, "D") for d in (0, 6, 7, 13)])
    assert report.levels["rules"] == 100  # 2 weekends, 1 over x 100
    report = run(problem, [duty(problem, "p1", d, "D") for d in (5, 6, 7)])
    assert report.levels["rules"] == 0  # Fri, Sat, Sun: one weekend

    problem = make_problem(days=14, rules={"max_weekends": 0})
    report = run(problem, [duty(problem, "p1", 13, "D")])
    assert rules_of(report) == ["max_weekends"]

    # a custom weekend: Friday only
    problem = make_problem(days=14, rules={"max_weekends": 1}, weekend=["fri"])
    report = run(problem, [duty(problem, "p1", d, "D") for d in (4, 11)])
    assert rules_of(report) == ["max_weekends"]


def test_max_commute_km_rounding_hard_and_soft() -> None:
    problem = make_problem(
        days=2, rules={"max_commute_km": {"value": 10, "weight": 2}}, commute_km=[[12.5]]
    )
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(2)])
    # round(12.5) = 13 km per duty, 3 over x 2 = 6 per duty, 2 duties -> 12
    assert report.levels["rules"] == 12
    assert report.levels["commute"] == 26  # 2 duties x 13 km

    problem = make_problem(days=2, rules={"max_commute_km": 10}, commute_km=[[12.5]])
    report = run(problem, [duty(problem, "p1", d, "D") for d in range(2)])
    assert rules_of(report) == ["max_commute_km"] * 2

    problem = make_problem(days=2, rules={"max_commute_km": 10}, commute_km=[[10.49]])
    report = run(problem, [duty(problem, "p1", 0, "D")])
    assert report.ok  # 10.49 rounds to 10
    assert report.levels["commute"] == 10


def test_max_day_minutes() -> None:
    problem = make_problem(
        days=1,
        rules={"max_day_minutes": {"value": 500, "weight": 1}},
        commute_km=[[0.0]],
        commute_minutes=[[30.5]],
    )
    report = run(problem, [duty(problem, "p1", 0, "D")])
    assert report.levels["rules"] == 11  # 480 + round(30.5)=31 = 511, 11 over x 1
    problem = make_problem(days=1, rules={"max_day_minutes": 500}, commute_km=[[0.0]],
                           commute_minutes=[[30.5]])
    assert rules_of(run(problem, [duty(problem, "p1", 0, "D")])) == ["max_day_minutes"]


TWO_SITES = [
    {"id": "S1", "name": "上庄村", "gates": [{"id": "G1", "demand": {"D": 1}}]},
    {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]},
    {"id": "S3", "gates": [{"id": "G1", "demand": {"D": 1}}]},
]


def test_keep_one_site_default_and_override() -> None:
    people = [{"id": "p1"}, {"id": "p2", "rules": {"keep_one_site": False}}]
    problem = make_problem(days=2, people=people, sites=TWO_SITES)
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "D", site="S1"),
            duty(problem, "p1", 1, "D", site="S2"),
            duty(problem, "p2", 0, "D", site="S2"),
            duty(problem, "p2", 1, "D", site="S1"),
        ],
    )
    assert rules_of(report) == ["keep_one_site"]
    assert report.violations[0].person == "p1"
    assert "上庄村" in report.violations[0].detail


def test_unit_sites_weight() -> None:
    people = [
        {"id": "p1", "unit": "A"},
        {"id": "p2", "unit": "A"},
        {"id": "p3", "unit": "A"},
        {"id": "p4", "unit": "B"},
        {"id": "p5"},
    ]
    problem = make_problem(days=2, people=people, sites=TWO_SITES, rules={"unit_sites_weight": 50})
    report = run(
        problem,
        [
            duty(problem, "p1", 0, "D", site="S1"),
            duty(problem, "p2", 0, "D", site="S2"),
            duty(problem, "p3", 0, "D", site="S3"),
            duty(problem, "p4", 1, "D", site="S1"),
            duty(problem, "p5", 1, "D", site="S2"),  # no unit
        ],
    )
    # unit A: 3 sites, 2 beyond the first x 50 = 100; unit B: 1 site
    assert report.levels["rules"] == 100


# --------------------------------------------------------------------------- roles

ROLE_SHIFTS = [*EIGHT_HOURS, {"id": "X", "start": "08:00", "minutes": 1440}]


def role_problem(
    roles: list[dict[str, Any]], x_entry: Any = 1, leaders: tuple[str, ...] = ("L",)
) -> Problem:
    """One day; G1 needs N, D, E (8 h), G2 needs a 24 h shift X from 08:00."""
    sites = [
        {
            "id": "S1",
            "name": "上庄村",
            "gates": [
                {"id": "G1", "demand": {"N": 1, "D": 1, "E": 1}},
                {"id": "G2", "demand": {"X": x_entry}},
            ],
        },
        {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]},
    ]
    people = [
        {"id": pid, "roles": ["leader"] if pid in leaders else []} for pid in ("L", "a", "b", "c")
    ]
    return make_problem(days=1, people=people, sites=sites, shift_types=ROLE_SHIFTS,
                        rules={"roles": roles})


def role_plan(problem: Problem) -> list[Assignment]:
    return [
        duty(problem, "L", 0, "X", gate="G2"),  # 08:00 -> next day 08:00
        duty(problem, "a", 0, "N"),
        duty(problem, "b", 0, "D"),
        duty(problem, "c", 0, "E"),
    ]


def test_roles_pieces_with_a_24h_duty() -> None:
    # pieces: [00-08) G1 only, [08-16), [16-24), [24-32) G2 only; the leader covers the last three
    problem = role_problem([{"role": "leader", "count": 1, "weight": 2, "sites": ["S1"]}])
    report = run(problem, role_plan(problem))
    assert report.levels["rules"] == 960  # piece 00-08: 1 missing x 480 min x 2

    problem = role_problem([{"role": "leader", "count": 1, "weight": 2}], leaders=("L", "a"))
    report = run(problem, role_plan(problem))
    # S1 fully covered; S2 (all sites in scope) needs people 08-16 with no leader there:
    # 1 x 480 x 2 = 960
    assert report.levels["rules"] == 960
    assert [p.site for p in report.penalties if p.rule == "roles"] == ["S2"]

    problem = role_problem([{"role": "leader", "count": 2, "weight": 1, "sites": ["S1"]}],
                           leaders=("L", "a"))
    report = run(problem, role_plan(problem))
    # 00-08: a (1 of 2); 08-16, 16-24, 24-32: L (1 of 2) -> 4 pieces x 1 x 480 = 1920
    assert report.levels["rules"] == 1920


def test_roles_only_where_the_site_needs_people() -> None:
    # G2's X is open with need 0 (over weight set): it splits pieces but needs nobody
    problem = role_problem(
        [{"role": "leader", "count": 1, "weight": 1, "sites": ["S1"]}],
        x_entry={"need": 0, "over_weight": 1},
        leaders=("b",),
    )
    plan = [duty(problem, "a", 0, "N"), duty(problem, "b", 0, "D"), duty(problem, "c", 0, "E")]
    report = run(problem, plan)
    # needed time 00-24; leader b covers 08-16: missing 00-08 and 16-24 -> 2 x 480 x 1 = 960
    assert report.levels["rules"] == 960


def test_roles_hard_one_violation_per_site_and_date() -> None:
    problem = role_problem([{"role": "leader", "count": 1}])
    report = run(problem, role_plan(problem))
    # S1: 00-08 uncovered on day 0; S2: 08-16 on day 0
    assert rules_of(report) == ["roles", "roles"]
    assert [(v.site, v.date) for v in report.violations] == [("S1", MON), ("S2", MON)]
    assert "上庄村" in report.violations[0].detail
    assert "00:00-08:00" in report.violations[0].detail


def test_roles_count_distinct_people() -> None:
    problem = role_problem([{"role": "leader", "count": 2, "weight": 1, "sites": ["S2"]}],
                           leaders=("a", "b"))
    plan = [duty(problem, "a", 0, "D", site="S2")]
    report = run(problem, plan)
    # S2 08-16: 1 of 2 leaders -> 1 x 480 x 1
    assert rule_cost(report, "roles") == 480


def test_roles_partial_cover_and_overlapping_duties_of_one_person() -> None:
    shifts = [*EIGHT_HOURS, {"id": "L", "start": "12:00", "minutes": 480}]
    sites = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}, {"id": "G2", "demand": {"L": 1}}]}
    ]
    people = [{"id": "a", "roles": ["leader"]}, {"id": "b", "roles": ["leader"]}]
    rules = {"roles": [{"role": "leader", "count": 2, "weight": 1}], "max_shifts_per_day": 2}
    problem = make_problem(days=1, people=people, sites=sites, shift_types=shifts, rules=rules)
    report = run(problem, [duty(problem, "a", 0, "D"), duty(problem, "a", 0, "L", gate="G2")])
    # pieces 08-12 (a), 12-16 (a twice: one person), 16-20 (a): 1 of 2 everywhere
    # 3 pieces x 240 min x 1 missing x 1 = 720
    assert rules_of(report) == ["overlap"]
    assert rule_cost(report, "roles") == 720

    # a duty at a closed gate-shift that covers only part of a piece does not count for it
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    rules = {"roles": [{"role": "leader", "count": 1, "weight": 1}]}
    problem = make_problem(days=1, people=people, sites=sites, shift_types=shifts, rules=rules)
    report = run(problem, [duty(problem, "a", 0, "L")])
    # the only piece is 08-16: nobody covers it whole -> 480 x 1
    assert rules_of(report) == ["closed_gate"]
    assert rule_cost(report, "roles") == 480


# --------------------------------------------------------------------------- preferences


def pref_problem(prefs: list[dict[str, Any]]) -> Problem:
    sites = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1, "D": 1, "E": 1}}]},
        {"id": "S2", "gates": [{"id": "G1", "demand": {"N": 1, "D": 1, "E": 1}}]},
    ]
    people = [{"id": "p1", "preferences": prefs, "rules": {"keep_one_site": False}}]
    return make_problem(days=3, people=people, sites=sites)


def test_site_preferences() -> None:
    problem = pref_problem([{"kind": "site", "site": "S1", "weight": 3}])
    plan = [duty(problem, "p1", 0, "D", "S1"), duty(problem, "p1", 1, "D", "S2"),
            duty(problem, "p1", 2, "D", "S2")]
    assert run(problem, plan).levels["preferences"] == 6  # 2 shifts elsewhere x 3
    problem = pref_problem([{"kind": "site", "site": "S1", "weight": 3, "date": "2024-01-02"}])
    assert run(problem, plan).levels["preferences"] == 3  # only day 1 counts
    problem = pref_problem([{"kind": "site", "site": "S2", "want": False, "weight": 5}])
    assert run(problem, plan).levels["preferences"] == 10  # 2 shifts at S2 x 5


def test_shift_preferences_with_and_without_date() -> None:
    prefs = [
        {"kind": "shift", "shift": "N", "date": "2024-01-01", "weight": 7},  # not worked: 7
        # worked: 11
        {"kind": "shift", "shift": "D", "date": "2024-01-02", "want": False, "weight": 11},
        {"kind": "shift", "shift": "D", "date": "2024-01-01", "want": False, "weight": 1000},  # ok
    ]
    problem = pref_problem(prefs)
    plan = [duty(problem, "p1", 0, "E"), duty(problem, "p1", 1, "D"), duty(problem, "p1", 2, "N")]
    assert run(problem, plan).levels["preferences"] == 18  # 7 + 11

    problem = pref_problem([{"kind": "shift", "shift": "N", "weight": 2}])
    assert run(problem, plan).levels["preferences"] == 4  # E and D are not N: 2 x 2
    problem = pref_problem([{"kind": "shift", "shift": "D", "want": False, "weight": 2}])
    assert run(problem, plan).levels["preferences"] == 2  # one D x 2


def test_day_off_preferences() -> None:
    prefs = [
        {"kind": "day_off", "date": "2024-01-01", "weight": 4},  # worked: 4
        {"kind": "day_off", "date": "2024-01-02", "want": False, "weight": 6},  # not worked: 6
        {"kind": "day_off", "date": "2024-01-03", "weight": 100},  # off: 0
    ]
    problem = pref_problem(prefs)
    report = run(problem, [duty(problem, "p1", 0, "D")])
    assert report.levels["preferences"] == 10
    assert {p.rule for p in report.penalties if p.level == "preferences"} == {"day_off_preference"}


# --------------------------------------------------------------------------- levels


def test_commute_level_rounds_half_up_per_duty() -> None:
    problem = make_problem(days=2, people=2, sites=TWO_SITES[:2],
                           commute_km=[[2.5, 9.0], [0.49, 3.6]])
    report = run(problem, [duty(problem, "p1", 0, "D", "S1"), duty(problem, "p1", 1, "D", "S1"),
                           duty(problem, "p2", 0, "D", "S2")])
    # p1: 2 x round(2.5)=3 -> 6; p2: round(3.6)=4 -> 10
    assert report.levels["commute"] == 10


def fairness_problem(objective: dict[str, Any], **people_extra: Any) -> Problem:
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1, "D": 1}}]}]
    people = [
        {"id": "a"},
        {"id": "b"},
        {"id": "c", "rules": {"max_commute_km": 20}},  # every duty 30 km: not eligible
        {"id": "d", "unavailable": ["2024-01-05", "2024-01-06", "2024-01-07"]},  # not eligible
        {"id": "e", "rules": {"max_day_minutes": 500}},  # 480 + 100 > 500: not eligible
        {"id": "f", "rules": {"max_commute_km": {"value": 20, "weight": 1}}},  # soft: eligible
    ]
    return make_problem(
        days=3,
        start=dt.date(2024, 1, 5),  # Fri, Sat, Sun
        people=people,
        sites=sites,
        commute_km=[[0.0], [0.0], [30.0], [0.0], [0.0], [30.0]],
        commute_minutes=[[0.0], [0.0], [0.0], [0.0], [100.0], [0.0]],
        objective=objective,
    )


def test_fairness_ranges_over_eligible_people() -> None:
    problem = fairness_problem(
        {"fairness_nights": 10, "fairness_weekends": 100, "fairness_minutes": 1}
    )
    plan = [duty(problem, "a", 0, "N"), duty(problem, "a", 1, "N"), duty(problem, "b", 0, "D"),
            duty(problem, "f", 2, "D")]
    report = run(problem, plan)
    # eligible: a, b, f. nights a=2 b=0 f=0 -> range 2; weekend shifts a=1 (Sat N), b=0, f=1
    # -> range 1; minutes a=960 b=480 f=480 -> range 480.  10x2 + 100x1 + 1x480 = 600
    assert report.levels["fairness"] == 600
    assert report.ok


def test_fairness_shift_squares_over_everyone() -> None:
    problem = fairness_problem(
        {"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 0,
         "fairness_shift_squares": 3}
    )
    plan = [duty(problem, "a", 0, "N"), duty(problem, "a", 1, "N"), duty(problem, "b", 0, "D")]
    # a works 2 shifts, b 1, everyone else 0: 3 x (2^2 + 1^2) = 15
    assert run(problem, plan).levels["fairness"] == 15


def test_fairness_gate_role_and_shift_unavailability() -> None:
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}, "role": "guard"}]}]
    people = [
        {"id": "a", "roles": ["guard"]},
        {"id": "b"},  # no role: not eligible
        {"id": "c", "roles": ["guard"], "unavailable": [{"date": "2024-01-01", "shift": "D"}]},
    ]
    problem = make_problem(days=1, people=people, sites=sites,
                           objective={"fairness_nights": 0, "fairness_weekends": 0})
    report = run(problem, [duty(problem, "a", 0, "D")])
    assert report.levels["fairness"] == 0  # only a is eligible: fewer than two
    people[2]["unavailable"] = [{"date": "2024-01-01", "shift": "N"}]
    problem = make_problem(days=1, people=people, sites=sites,
                           objective={"fairness_nights": 0, "fairness_weekends": 0})
    report = run(problem, [duty(problem, "a", 0, "D")])
    assert report.levels["fairness"] == 480  # a and c eligible: minutes 480 - 0


def test_objective_weights_and_matches() -> None:
    problem = fairness_problem(
        {"weights": {"cover": 2, "rules": 5, "preferences": 1, "commute": 3, "fairness": 0},
         "fairness_nights": 10, "fairness_weekends": 100, "fairness_minutes": 1}
    )
    plan = [duty(problem, "a", 0, "N"), duty(problem, "f", 1, "D")]
    report = check(problem, plan_of(problem, plan))
    # cover: Fri D, Sat N, Sun N, Sun D uncovered: 4 x 480 = 1920
    # rules: f's soft max_commute_km: round 30 > 20 -> 10 x 1 = 10
    # commute: f 30 km; fairness is computed (nights range 1 ...) but weighted 0
    assert report.levels["cover"] == 1920
    assert report.levels["rules"] == 10
    assert report.levels["commute"] == 30
    assert report.levels["fairness"] > 0
    assert report.objective == 2 * 1920 + 5 * 10 + 3 * 30  # 3980
    assert report.objective_matches is None
    assert check(problem, plan_of(problem, plan, objective=3980)).objective_matches is True
    assert check(problem, plan_of(problem, plan, objective=3981)).objective_matches is False


def test_summary_is_readable_utf8() -> None:
    problem = role_problem([{"role": "leader", "count": 1}])
    report = check(problem, plan_of(problem, role_plan(problem), objective=1))
    text = report.summary()
    assert "roles (2)" in text
    assert "上庄村" in text
    assert "Objective:" in text and "DOES NOT MATCH" in text
    for level in LEVELS:
        assert level in text
    text.encode("utf-8")


# --------------------------------------------------------------------------- robustness


def test_random_plans_never_crash() -> None:
    rng = random.Random(7)
    sites = [
        {"id": "S1", "gates": [{"id": "G1", "demand": {"N": 1, "D": 2}, "role": "r"},
                               {"id": "G2", "demand": {"E": 1}, "over_cover_weight": 2}]},
        {"id": "S2", "gates": [{"id": "G1", "demand": {"D": 1}}]},
    ]
    people = [{"id": f"p{i}", "unit": "U" if i % 2 else None, "roles": ["r"] if i % 3 else [],
               "unavailable": ["2024-01-02"] if i == 1 else []} for i in range(5)]
    rules = {
        "min_rest_hours": {"value": 11, "weight": 1},
        "max_consecutive_days": 3,
        "min_consecutive_days": {"value": 2, "weight": 1},
        "min_days_off_per_7": 1,
        "max_hours_per_7": {"value": 40, "weight": 1},
        "unit_sites_weight": 3,
        "roles": [{"role": "r", "weight": 1}],
    }
    problem = make_problem(days=8, people=people, sites=sites, rules=rules,
                           objective={"fairness_nights": 1})
    choices = {
        "person": [*(p["id"] for p in people), "zz"],
        "shift": ["N", "D", "E", "Q"],
        "site": ["S1", "S2", "S9"],
        "gate": ["G1", "G2"],
    }
    for _ in range(30):
        assignments = []
        for _ in range(rng.randrange(0, 40)):
            a = duty(problem, rng.choice(choices["person"]), rng.randrange(-1, 10),
                     rng.choice(choices["shift"]), rng.choice(choices["site"]),
                     rng.choice(choices["gate"]))
            if rng.random() < 0.1:
                a = a.model_copy(update={"start": a.start + dt.timedelta(hours=1)})
            assignments.append(a)
        report = check(problem, raw_plan(assignments))
        assert report.objective == sum(report.levels.values())
        assert report.summary()


def test_large_problem_is_fast() -> None:
    n_people, n_sites, days = 500, 50, 28
    sites = [{"id": f"S{s}", "gates": [{"id": "G", "demand": {"N": 3, "D": 3, "E": 3}}]}
             for s in range(n_sites)]
    problem = make_problem(
        days=days, people=n_people, sites=sites,
        rules={"min_rest_hours": 11, "max_consecutive_days": 6, "min_days_off_per_7": 1,
               "roles": [{"role": "x", "weight": 1}]},
        objective={},
    )
    assignments = []
    for p in range(n_people):
        site = f"S{p % n_sites}"
        shift = ("N", "D", "E")[(p // n_sites) % 3]
        for d in range(days):
            if d % 7 < 5:
                assignments.append(duty(problem, f"p{p + 1}", d, shift, site, "G"))
    plan = raw_plan(assignments)
    began = time.perf_counter()
    report = check(problem, plan)
    elapsed = time.perf_counter() - began
    assert len(assignments) == 10000
    assert elapsed < 5.0, elapsed
    assert report.levels["commute"] == 0


# --------------------------------------------------------------------------- independence


def test_checker_does_not_import_the_solver() -> None:
    package = Path(checker_module.__file__).parent
    imported: set[str] = set()
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 10, modules  # the package, one module per rule family
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    allowed_dutyplan = {"dutyplan.problem", "dutyplan.plan", "dutyplan.errors", "dutyplan.rulebook"}
    for name in imported:
        assert not name.startswith("ortools"), name
        if name.startswith("dutyplan") and not name.startswith("dutyplan.checker"):
            assert name in allowed_dutyplan, name
    # The package __init__ re-exports the solver, so load the checker with a bare package
    # object: only what the checker itself pulls in gets imported.
    package_dir = str(Path(checker_module.__file__).parents[1])
    code = (
        "import sys, types\n"
        "pkg = types.ModuleType('dutyplan')\n"
        f"pkg.__path__ = [{package_dir!r}]\n"
        "sys.modules['dutyplan'] = pkg\n"
        "import dutyplan.checker\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'ortools'"
        " or m.startswith('dutyplan.model') or m == 'dutyplan.solve']\n"
        "print(sorted(m for m in sys.modules if m.startswith('dutyplan')), bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, bad = out.stdout.strip().rsplit(" ", 1)
    assert bad == "[]", out.stdout
    assert "'dutyplan.checker'" in loaded


@pytest.mark.parametrize("rule", checker_module.ALWAYS_HARD)
def test_always_hard_names_match_the_rules_doc(rule: str) -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert f"| `{rule}` |" in doc.read_text(encoding="utf-8")
