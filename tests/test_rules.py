"""Every rule of docs/rules.md, solved on a tiny instance where it binds.

Each test solves the same instance without the rule (or with it soft) and with it, checks
the plans differ the way the rule says, and that every plan passes the independent checker
with the solver's objective and level values. Costs are worked out by hand in the comments.
Fairness is switched off unless said (its ranges would muddle the hand computations).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dutyplan.checker import check
from dutyplan.plan import Plan
from dutyplan.problem import ObjectiveConfig, Preference, Problem
from dutyplan.solve import solve

from _helpers import (
    DAY,
    EVENING,
    NIGHT,
    NO_FAIRNESS,
    calendar,
    iso,
    level,
    make_problem,
    posts,
    rule_cost,
    runs,
    solve_ok,
    worked,
    worked_days,
)

THREE = [NIGHT, DAY, EVENING]  # 00-08, 08-16, 16-24


def gate(demand: dict[str, Any] | None = None, gid: str = "G1", **extra: Any) -> dict[str, Any]:
    return {"id": gid, "demand": demand if demand is not None else {}, **extra}


def site(*gates: dict[str, Any], sid: str = "S1", **extra: Any) -> dict[str, Any]:
    return {"id": sid, "gates": list(gates), **extra}


def soft(value: int, weight: int) -> dict[str, int]:
    return {"value": value, "weight": weight}


# =========================================================================== shifts and rest


SPLIT = [
    {"id": "A", "start": "08:00", "minutes": 240},
    {"id": "B", "start": "13:00", "minutes": 240},
]
SPLIT_SITE = [site(gate({"A": 1, "B": 1}))]


def split(rules: dict[str, Any] | None = None) -> Problem:
    """One person, one day, two 4-hour shifts that do not overlap, each needing one person."""
    return make_problem(shifts=SPLIT, sites=SPLIT_SITE, rules=rules)


def test_max_shifts_per_day_default_is_hard_one() -> None:
    plan, _ = solve_ok(split())
    assert len(plan.assignments) == 1
    # one 240-minute shift uncovered at priority 1: 240
    assert level(plan, "cover") == 240
    assert [(u.shift, u.missing) for u in plan.uncovered] in ([("A", 1)], [("B", 1)])


def test_max_shifts_per_day_off_or_raised() -> None:
    for rules in ({"max_shifts_per_day": None}, {"max_shifts_per_day": 2}):
        plan, _ = solve_ok(split(rules))
        assert worked(plan, "a") == [(0, "A"), (0, "B")]
        assert level(plan, "cover") == 0


def test_max_shifts_per_day_soft() -> None:
    # cheap: the second shift costs 100 x 1 shift over < 240 uncovered
    plan, report = solve_ok(split({"max_shifts_per_day": soft(1, 100)}))
    assert worked(plan, "a") == [(0, "A"), (0, "B")]
    assert level(plan, "rules") == 100 == rule_cost(report, "max_shifts_per_day")
    # weighted mode, dear: 300 x 1 > 240, so one shift is left uncovered
    problem = make_problem(
        shifts=SPLIT,
        sites=SPLIT_SITE,
        rules={"max_shifts_per_day": soft(1, 300)},
        objective={"mode": "weighted", **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 1
    assert (level(plan, "cover"), level(plan, "rules")) == (240, 0)
    assert plan.result.objective == 240


def _evening_then_night(rules: dict[str, Any] | None = None) -> Problem:
    """E on the first date (16-24), N on the second (00-08): no rest across midnight."""
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"N": 1}}))]
    return make_problem(days=2, shifts=THREE, sites=sites, rules=rules)


def test_min_rest_hours_across_midnight() -> None:
    plan, _ = solve_ok(_evening_then_night())
    assert worked(plan, "a") == [(0, "E"), (1, "N")]

    for hours in (1, 8):
        plan, _ = solve_ok(_evening_then_night({"min_rest_hours": hours}))
        assert len(plan.assignments) == 1
        assert level(plan, "cover") == 480

    # a rest of 0 h counts (0 <= start_j - end_i < 60 v): one pair x weight 5
    plan, report = solve_ok(_evening_then_night({"min_rest_hours": soft(8, 5)}))
    assert worked(plan, "a") == [(0, "E"), (1, "N")]
    assert level(plan, "rules") == 5 == rule_cost(report, "min_rest_hours")


LONG_SHORT = [
    {"id": "L", "start": "07:00", "minutes": 720},  # 07-19
    {"id": "S", "start": "05:00", "minutes": 240},  # 05-09
]


def _long_then_short(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """L (12 h) on the first date ends 19:00; S (4 h) on the next date starts 05:00: 10 h rest."""
    sites = [site(gate(dates={iso(0): {"L": 1}, iso(1): {"S": 1}}))]
    return make_problem(days=2, shifts=LONG_SHORT, sites=sites, rules=rules, **extra)


def test_min_rest_hours_between_shifts_of_different_lengths() -> None:
    # exactly 10 h of rest is enough for a 10 h rule
    plan, _ = solve_ok(_long_then_short({"min_rest_hours": 10}))
    assert worked(plan, "a") == [(0, "L"), (1, "S")]
    assert level(plan, "cover") == 0
    # 11 h: one of them goes; the 4 h shift is the cheaper miss (240 < 720)
    plan, _ = solve_ok(_long_then_short({"min_rest_hours": 11}))
    assert worked(plan, "a") == [(0, "L")]
    assert level(plan, "cover") == 240
    assert [(u.date, u.shift) for u in plan.uncovered] == [(dt.date(2024, 1, 2), "S")]
    # soft: one pair x 100 < 240
    plan, report = solve_ok(_long_then_short({"min_rest_hours": soft(11, 100)}))
    assert worked(plan, "a") == [(0, "L"), (1, "S")]
    assert level(plan, "rules") == 100 == rule_cost(report, "min_rest_hours")
    # soft but dear, weighted: 1000 > 240
    plan, _ = solve_ok(
        _long_then_short(
            {"min_rest_hours": soft(11, 1000)}, objective={"mode": "weighted", **NO_FAIRNESS}
        )
    )
    assert worked(plan, "a") == [(0, "L")]
    assert plan.result.objective == 240


def test_min_rest_hours_counts_every_pair() -> None:
    # N 00-08, D 08-16, E 16-24 on one date, up to 3 shifts a day: with a soft 9 h rest,
    # N->D (0 h) and D->E (0 h) are short, N->E (8 h) too: 3 pairs x weight 1
    sites = [site(gate({"N": 1, "D": 1, "E": 1}))]
    problem = make_problem(
        shifts=THREE,
        sites=sites,
        rules={"max_shifts_per_day": 3, "min_rest_hours": soft(9, 1)},
    )
    plan, report = solve_ok(problem)
    assert len(plan.assignments) == 3
    assert level(plan, "rules") == 3 == rule_cost(report, "min_rest_hours")


def _evening_then_day(rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"D": 1}}))]
    return make_problem(days=2, shifts=THREE, sites=sites, rules=rules)


def test_forbidden_successions() -> None:
    plan, _ = solve_ok(_evening_then_day())
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    # the other direction does not bind
    plan, _ = solve_ok(_evening_then_day({"forbidden_successions": [{"first": "D", "then": "E"}]}))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    # hard E -> D: one of the two 480-minute shifts is left
    plan, _ = solve_ok(_evening_then_day({"forbidden_successions": [{"first": "E", "then": "D"}]}))
    assert len(plan.assignments) == 1
    assert level(plan, "cover") == 480
    # soft: 7 per occurrence
    rules = {"forbidden_successions": [{"first": "E", "then": "D", "weight": 7}]}
    plan, report = solve_ok(_evening_then_day(rules))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    assert level(plan, "rules") == 7 == rule_cost(report, "forbidden_successions")


# =========================================================================== runs


def test_max_consecutive_days() -> None:
    plan, _ = solve_ok(make_problem(days=5))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]

    plan, _ = solve_ok(make_problem(days=5, rules={"max_consecutive_days": 3}))
    assert max(n for _, n in runs(calendar(plan, "a", 5))) <= 3
    assert len(worked_days(plan, "a")) == 4  # 5 - floor(5 / 4)
    assert level(plan, "cover") == 480

    # soft: one run of 5, 2 days over x 100
    plan, report = solve_ok(make_problem(days=5, rules={"max_consecutive_days": soft(3, 100)}))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]
    assert level(plan, "rules") == 200 == rule_cost(report, "max_consecutive_days")

    # soft and dear in weighted mode: a day over costs 1000 > 480 uncovered
    problem = make_problem(
        days=5,
        rules={"max_consecutive_days": soft(3, 1000)},
        objective={"mode": "weighted", **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(worked_days(plan, "a")) == 4
    assert (level(plan, "cover"), level(plan, "rules")) == (480, 0)


def _only_on(day_offset: int, days: int = 5, rules: dict[str, Any] | None = None) -> Problem:
    return make_problem(
        days=days, sites=[site(gate(dates={iso(day_offset): {"D": 1}}))], rules=rules
    )


def test_min_consecutive_days() -> None:
    plan, _ = solve_ok(_only_on(2))
    assert worked_days(plan, "a") == [2]
    # a lone day in the middle is a run of 1 < 2: not worked
    plan, _ = solve_ok(_only_on(2, rules={"min_consecutive_days": 2}))
    assert plan.assignments == []
    assert level(plan, "cover") == 480
    # soft: 3 - 1 = 2 days short x 100
    plan, report = solve_ok(_only_on(2, rules={"min_consecutive_days": soft(3, 100)}))
    assert worked_days(plan, "a") == [2]
    assert level(plan, "rules") == 200 == rule_cost(report, "min_consecutive_days")


@pytest.mark.parametrize("offset", [0, 4])
def test_min_consecutive_days_not_binding_at_the_horizon_ends(offset: int) -> None:
    plan, _ = solve_ok(_only_on(offset, rules={"min_consecutive_days": 3}))
    assert worked_days(plan, "a") == [offset]
    assert level(plan, "cover") == 0


def _closed_on(offsets: list[int], days: int = 5, rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate({"D": 1}, dates={iso(d): {} for d in offsets}))]
    return make_problem(days=days, sites=sites, rules=rules)


def test_min_consecutive_days_off() -> None:
    plan, _ = solve_ok(_closed_on([2]))
    assert worked_days(plan, "a") == [0, 1, 3, 4]
    # hard 2: the lone day off at 2 must grow to two: one more 480 uncovered
    plan, _ = solve_ok(_closed_on([2], rules={"min_consecutive_days_off": 2}))
    assert len(worked_days(plan, "a")) == 3
    cal = calendar(plan, "a", 5)
    for first, length in runs(cal, False):
        assert first == 0 or first + length == 5 or length >= 2
    assert level(plan, "cover") == 480
    # soft: one day short x 100
    plan, report = solve_ok(_closed_on([2], rules={"min_consecutive_days_off": soft(2, 100)}))
    assert worked_days(plan, "a") == [0, 1, 3, 4]
    assert level(plan, "rules") == 100 == rule_cost(report, "min_consecutive_days_off")
    # a day off at the start of the horizon is never too short
    plan, _ = solve_ok(_closed_on([0], rules={"min_consecutive_days_off": 3}))
    assert worked_days(plan, "a") == [1, 2, 3, 4]


def test_min_days_off_per_7() -> None:
    plan, _ = solve_ok(make_problem(days=8))
    assert len(worked_days(plan, "a")) == 8
    # 8 dates: windows 0-6 and 1-7; one day off inside both suffices
    plan, _ = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": 1}))
    off = [d for d in range(8) if d not in worked_days(plan, "a")]
    assert len(off) == 1 and 1 <= off[0] <= 6
    assert level(plan, "cover") == 480
    plan, _ = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": 2}))
    assert len(worked_days(plan, "a")) == 6
    assert level(plan, "cover") == 960
    # soft: both windows one day short x 100
    plan, report = solve_ok(make_problem(days=8, rules={"min_days_off_per_7": soft(1, 100)}))
    assert len(worked_days(plan, "a")) == 8
    assert level(plan, "rules") == 200 == rule_cost(report, "min_days_off_per_7")


def test_min_days_off_per_7_no_window_in_a_short_horizon() -> None:
    plan, _ = solve_ok(make_problem(days=6, rules={"min_days_off_per_7": 7}))
    assert len(worked_days(plan, "a")) == 6


def _week(days: int = 7, rules: dict[str, Any] | None = None) -> Problem:
    sites = [site(gate({"D": {"need": 1, "under_weight": 1000}}))]
    return make_problem(days=days, sites=sites, rules=rules)


def test_max_hours_per_7() -> None:
    plan, _ = solve_ok(_week())
    assert len(plan.assignments) == 7
    # 41 h = 2460 min: five 480-minute shifts (2400) fit, six (2880) do not
    plan, _ = solve_ok(_week(rules={"max_hours_per_7": 41}))
    assert len(plan.assignments) == 5
    assert level(plan, "cover") == 2000
    # soft: 7 x 480 - 2460 = 900 minutes over x 1
    plan, report = solve_ok(_week(rules={"max_hours_per_7": soft(41, 1)}))
    assert len(plan.assignments) == 7
    assert level(plan, "rules") == 900 == rule_cost(report, "max_hours_per_7")
    # no window in 6 dates
    plan, _ = solve_ok(_week(days=6, rules={"max_hours_per_7": 1}))
    assert len(plan.assignments) == 6


# =========================================================================== totals


def _two_commuters(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """Two dates, one person needed a day; a lives at the site, b 10 km away (round trip)."""
    return make_problem(days=2, people=2, commute_km=[[0], [10]], rules=rules, **extra)


def test_min_minutes() -> None:
    plan, _ = solve_ok(_two_commuters())
    assert worked_days(plan, "a") == [0, 1] and worked(plan, "b") == []
    assert level(plan, "commute") == 0

    plan, _ = solve_ok(_two_commuters({"min_minutes": 480}))
    assert len(worked(plan, "a")) == len(worked(plan, "b")) == 1
    assert level(plan, "commute") == 10

    # soft, lexicographic: rules come before commute
    plan, _ = solve_ok(_two_commuters({"min_minutes": soft(480, 1)}))
    assert len(worked(plan, "b")) == 1
    assert (level(plan, "rules"), level(plan, "commute")) == (0, 10)

    # soft, weighted with commute x 100: 480 short x 1 < 10 km x 100
    plan, report = solve_ok(
        _two_commuters(
            {"min_minutes": soft(480, 1)},
            objective={"mode": "weighted", "weights": {"commute": 100}, **NO_FAIRNESS},
        )
    )
    assert worked(plan, "b") == []
    assert level(plan, "rules") == 480 == rule_cost(report, "min_minutes")
    assert plan.result.objective == 480


def test_min_minutes_hard_out_of_reach_is_infeasible() -> None:
    # b needs two shifts (481 > 480) and a one: three shifts for two places
    plan = solve(_two_commuters({"min_minutes": 481}), time_limit=5, workers=1, seed=0)
    assert plan.result.status == "infeasible"
    assert plan.assignments == [] and plan.result.objective is None


def test_max_minutes() -> None:
    plan, _ = solve_ok(make_problem(days=3, rules={"max_minutes": 960}))
    assert len(plan.assignments) == 2
    assert level(plan, "cover") == 480
    # soft, lexicographic: cover first, so all three are worked: 480 over x 1
    plan, report = solve_ok(make_problem(days=3, rules={"max_minutes": soft(960, 1)}))
    assert len(plan.assignments) == 3
    assert (level(plan, "cover"), level(plan, "rules")) == (0, 480)
    assert rule_cost(report, "max_minutes") == 480
    # weighted with rules x 2: 960 > 480, so one shift goes
    problem = make_problem(
        days=3,
        rules={"max_minutes": soft(960, 1)},
        objective={"mode": "weighted", "weights": {"rules": 2}, **NO_FAIRNESS},
    )
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 2
    assert plan.result.objective == 480


def _day_and_evening(rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """Two dates, D (a miss costs 1) and E (a miss costs 10); one person, one shift a day."""
    demand = {"D": {"need": 1, "under_weight": 1}, "E": {"need": 1, "under_weight": 10}}
    return make_problem(
        days=2, shifts=[DAY, EVENING], sites=[site(gate(demand))], rules=rules, **extra
    )


def test_max_shifts_per_type() -> None:
    plan, _ = solve_ok(_day_and_evening())
    assert worked(plan, "a") == [(0, "E"), (1, "E")]
    assert level(plan, "cover") == 2

    plan, _ = solve_ok(_day_and_evening({"max_shifts": {"E": 1}}))
    assert [s for _, s in worked(plan, "a")].count("E") == 1
    assert len(plan.assignments) == 2
    assert level(plan, "cover") == 11

    plan, _ = solve_ok(_day_and_evening({"max_shifts": {"E": 0}}))
    assert worked(plan, "a") == [(0, "D"), (1, "D")]
    assert level(plan, "cover") == 20

    plan, report = solve_ok(_day_and_evening({"max_shifts": {"E": soft(1, 5)}}))
    assert worked(plan, "a") == [(0, "E"), (1, "E")]
    assert level(plan, "rules") == 5 == rule_cost(report, "max_shifts")


def _nights(
    days: int = 4, rules: dict[str, Any] | None = None, night: bool | None = None
) -> Problem:
    """N (00-08, a miss costs 10) and D (a miss costs 1) every date; one person."""
    n = dict(NIGHT) if night is None else {**NIGHT, "night": night}
    demand = {"N": {"need": 1, "under_weight": 10}, "D": {"need": 1, "under_weight": 1}}
    return make_problem(days=days, shifts=[n, DAY], sites=[site(gate(demand))], rules=rules)


def test_max_consecutive_nights() -> None:
    plan, _ = solve_ok(_nights())
    assert worked(plan, "a") == [(d, "N") for d in range(4)]
    assert level(plan, "cover") == 4

    plan, _ = solve_ok(_nights(rules={"max_consecutive_nights": 2}))
    nights = [d for d, s in worked(plan, "a") if s == "N"]
    assert len(nights) == 3
    assert max(n for _, n in runs([d in nights for d in range(4)])) <= 2
    # one night missed (10) + three days missed (3)
    assert level(plan, "cover") == 13

    plan, report = solve_ok(_nights(rules={"max_consecutive_nights": soft(2, 5)}))
    assert len(worked(plan, "a")) == 4
    assert level(plan, "rules") == 10 == rule_cost(report, "max_consecutive_nights")


def test_max_consecutive_nights_follows_the_night_flag() -> None:
    plan, _ = solve_ok(_nights(rules={"max_consecutive_nights": 2}, night=False))
    assert worked(plan, "a") == [(d, "N") for d in range(4)]


SAT = dt.date(2024, 1, 6)


def _weekends(rules: dict[str, Any] | None = None) -> Problem:
    """Sat 6 Jan .. Sat 13 Jan 2024; the gate is open on weekend dates only."""
    weekend = {"sat": {"D": 1}, "sun": {"D": 1}}
    return make_problem(days=8, start=SAT, sites=[site(gate({}, weekdays=weekend))], rules=rules)


def test_max_weekends() -> None:
    plan, _ = solve_ok(_weekends())
    assert worked_days(plan, "a", SAT) == [0, 1, 7]
    plan, _ = solve_ok(_weekends({"max_weekends": 1}))
    assert worked_days(plan, "a", SAT) == [0, 1]  # the first weekend has two dates
    assert level(plan, "cover") == 480
    plan, report = solve_ok(_weekends({"max_weekends": soft(1, 100)}))
    assert worked_days(plan, "a", SAT) == [0, 1, 7]
    assert level(plan, "rules") == 100 == rule_cost(report, "max_weekends")


# =========================================================================== commute


def _pair(km: float, rules: dict[str, Any] | None = None, **extra: Any) -> Problem:
    """One date, two people needed; a commutes ``km`` round trip, b 3 km."""
    sites = [site(gate({"D": 2}))]
    return make_problem(people=2, sites=sites, commute_km=[[km], [3]], rules=rules, **extra)


def test_max_commute_km() -> None:
    plan, _ = solve_ok(_pair(12.5))
    assert len(plan.assignments) == 2
    assert level(plan, "commute") == 16  # 12.5 rounds half up to 13, plus 3
    # 13 > 12: a may not go
    plan, _ = solve_ok(_pair(12.5, {"max_commute_km": 12}))
    assert [a.person for a in plan.assignments] == ["b"]
    assert (level(plan, "cover"), level(plan, "commute")) == (480, 3)
    # 13 <= 13, and 12.4 rounds to 12 <= 12
    plan, _ = solve_ok(_pair(12.5, {"max_commute_km": 13}))
    assert len(plan.assignments) == 2
    plan, _ = solve_ok(_pair(12.4, {"max_commute_km": 12}))
    assert len(plan.assignments) == 2 and level(plan, "commute") == 15
    # soft: 1 km over x 10
    plan, report = solve_ok(_pair(12.5, {"max_commute_km": soft(12, 10)}))
    assert len(plan.assignments) == 2
    assert level(plan, "rules") == 10 == rule_cost(report, "max_commute_km")


def test_max_day_minutes() -> None:
    # a: 480 min shift + 45.5 -> 46 min commute = 526
    plan, _ = solve_ok(_pair(0, {"max_day_minutes": 525}, commute_minutes=[[45.5], [0]]))
    assert [a.person for a in plan.assignments] == ["b"]
    assert level(plan, "cover") == 480
    plan, _ = solve_ok(_pair(0, {"max_day_minutes": 526}, commute_minutes=[[45.5], [0]]))
    assert len(plan.assignments) == 2
    # soft: 26 min over x 3
    plan, report = solve_ok(
        _pair(0, {"max_day_minutes": soft(500, 3)}, commute_minutes=[[45.5], [0]])
    )
    assert len(plan.assignments) == 2
    assert level(plan, "rules") == 78 == rule_cost(report, "max_day_minutes")
    # minutes from km at 30 km/h: 15 km -> 30 min, 510 > 509
    plan, _ = solve_ok(_pair(15, {"max_day_minutes": 509}))
    assert [a.person for a in plan.assignments] == ["b"]


# =========================================================================== sites and teams


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
    problem = _unit(50).model_copy(update={"objective": _weighted()})
    plan, _ = solve_ok(problem)
    assert [a.site for a in plan.assignments] == ["S1"]
    assert plan.result.objective == 30
    # 20 < 30
    problem = _unit(20).model_copy(update={"objective": _weighted()})
    plan, _ = solve_ok(problem)
    assert len(plan.assignments) == 2 and plan.result.objective == 20
    # no shared unit: no cost
    for units in ((None, None), ("u", "v"), ("u", None)):
        problem = _unit(50, units).model_copy(update={"objective": _weighted()})
        plan, _ = solve_ok(problem)
        assert len(plan.assignments) == 2 and plan.result.objective == 0


def _weighted(**weights: int) -> ObjectiveConfig:
    return ObjectiveConfig(mode="weighted", weights=weights, **NO_FAIRNESS)


# =========================================================================== roles


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
    problem = _leader_or_not([{"role": "leader", "weight": 1}], objective=_weighted(commute=100))
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


# =========================================================================== availability, cover


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
    weighted = _keen({"need": 1, "over_weight": 2}).model_copy(update={"objective": _weighted()})
    plan, report = solve_ok(weighted)
    assert len(plan.assignments) == 2
    assert (level(plan, "cover"), level(plan, "preferences")) == (2, 0)
    assert rule_cost(report, "over_cover") == 2
    # ... but not at 10 (the gate's weight is overridden by the entry's)
    weighted = _keen({"need": 1, "over_weight": 10}, over_cover_weight=1).model_copy(
        update={"objective": _weighted()}
    )
    plan, _ = solve_ok(weighted)
    assert len(plan.assignments) == 1 and plan.result.objective == 5
    # need 0 with an over weight: open, and each person there costs the over weight
    weighted = _keen({"need": 0, "over_weight": 1}).model_copy(update={"objective": _weighted()})
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


# =========================================================================== preferences


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


# =========================================================================== per-person overrides


def test_person_override_switches_a_rule_off() -> None:
    rules = {"max_consecutive_days": 3}
    plan, _ = solve_ok(make_problem(days=5, rules=rules))
    assert len(worked_days(plan, "a")) == 4
    people = [{"id": "a", "rules": {"max_consecutive_days": None}}]
    problem = make_problem(days=5, rules=rules, people=people)
    assert problem.effective_rules(problem.people[0]).max_consecutive_days is None
    assert problem.rules.max_consecutive_days is not None
    plan, _ = solve_ok(problem)
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]


def test_person_override_switches_the_default_max_shifts_per_day_off() -> None:
    people = [{"id": "a", "rules": {"max_shifts_per_day": None}}]
    plan, _ = solve_ok(make_problem(shifts=SPLIT, sites=SPLIT_SITE, people=people))
    assert len(plan.assignments) == 2


def test_person_override_makes_a_rule_soft() -> None:
    people = [{"id": "a", "rules": {"max_consecutive_days": soft(3, 1)}}]
    plan, report = solve_ok(make_problem(days=5, rules={"max_consecutive_days": 3}, people=people))
    assert len(worked_days(plan, "a")) == 5
    assert level(plan, "rules") == 2 == rule_cost(report, "max_consecutive_days")


def test_person_override_applies_to_that_person_only() -> None:
    # two posts a day for 5 days; only b is limited to 2 days in a row
    people = [{"id": "a"}, {"id": "b", "rules": {"max_consecutive_days": 2}}]
    plan, _ = solve_ok(make_problem(days=5, people=people, sites=[site(gate({"D": 2}))]))
    assert worked_days(plan, "a") == [0, 1, 2, 3, 4]
    assert worked_days(plan, "b") == [0, 1, 3, 4]
    assert level(plan, "cover") == 480


def test_person_override_of_a_list_rule() -> None:
    rules = {"forbidden_successions": [{"first": "E", "then": "D"}]}
    sites = [site(gate(dates={iso(0): {"E": 1}, iso(1): {"D": 1}}))]
    people = [{"id": "a", "rules": {"forbidden_successions": []}}]
    plan, _ = solve_ok(make_problem(days=2, shifts=THREE, sites=sites, rules=rules, people=people))
    assert worked(plan, "a") == [(0, "E"), (1, "D")]
    people = [{"id": "a", "rules": {"max_shifts": {"E": 0}}}]
    plan, _ = solve_ok(make_problem(days=2, shifts=THREE, sites=sites, people=people))
    assert worked(plan, "a") == [(1, "D")]


def test_plans_with_rules_are_reproducible() -> None:
    problem = make_problem(days=5, people=2, rules={"max_consecutive_days": 2})
    first = solve(problem, time_limit=5, workers=1, seed=0)
    second = solve(problem, time_limit=5, workers=1, seed=0)
    assert posts(first) == posts(second)
    assert isinstance(first, Plan)


def test_fairness_shift_squares_balances_shift_counts() -> None:
    # one gate, one person a day for 4 days; a may work any day, b only days 0 and 1
    people = [{"id": "a"}, {"id": "b", "unavailable": [iso(2), iso(3)]}]
    base = {**NO_FAIRNESS}
    # without the rule any split of days 0-1 between a and b costs the same
    _, report = solve_ok(make_problem(days=4, people=people, objective=base))
    assert level(_, "fairness") == 0
    # with it: a 2 + b 2 costs 2^2 + 2^2 = 8, better than 3 + 1 (10) or 4 + 0 (16)
    plan, report = solve_ok(
        make_problem(days=4, people=people, objective={**base, "fairness_shift_squares": 1})
    )
    assert worked_days(plan, "b") == [0, 1]
    assert level(plan, "fairness") == 8
    assert rule_cost(report, "fairness_shift_squares") == 8


def test_clique_covers_are_not_shared_between_shift_types_with_swapped_ids() -> None:
    # the same clock times with the ids swapped: the cached cover of the first problem must
    # not be reused for the second, whose forbidden succession is another pair of positions
    early, late = {"start": "07:00", "minutes": 480}, {"start": "23:00", "minutes": 480}
    rules = {"forbidden_successions": [{"first": "N", "then": "D"}], "min_rest_hours": None,
             "min_days_off_per_7": None}
    for shifts in ([{"id": "D", **early}, {"id": "N", **late}],
                   [{"id": "N", **early}, {"id": "D", **late}]):
        sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "N": 1}}]}]
        problem = make_problem(days=2, people=1, sites=sites, shifts=shifts, rules=rules)
        plan, report = solve_ok(problem)
        assert report.ok
        done = worked(plan, "a")
        assert not ((0, "N") in done and (1, "D") in done)


def test_fairness_counts_a_person_pruned_by_a_hard_zero_total():
    # found by hypothesis: a hard max_minutes of 0 prunes every posting of p1, yet p1 has an
    # admissible duty as docs/rules.md defines it, so the minutes range counts them (at 0)
    problem = make_problem(
        days=2, people=[{"id": "a"}, {"id": "b", "rules": {"max_minutes": 0}}],
        shifts=[{"id": "A", "start": "00:00", "minutes": 120}],
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"A": 1}}]}],
        objective={"fairness_nights": 0, "fairness_weekends": 0, "fairness_minutes": 1},
    )
    plan, report = solve_ok(problem)
    assert report.levels["fairness"] == 240
