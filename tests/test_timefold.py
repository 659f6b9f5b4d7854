"""Timefold's employee-scheduling data sets: loading, the quickstart's score, solving, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from dutyplan.checker import check
from dutyplan.cli import main
from dutyplan.errors import ProblemError
from dutyplan.io import timefold
from dutyplan.plan import Plan
from dutyplan.solve import solve

from _helpers import assert_agrees

SHARED = Path(os.environ.get("DUTYPLAN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DATA = SHARED / "benchmarks" / "timefold-employee"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"benchmark data not found at {DATA} (set DUTYPLAN_SHARED)"
)


def tiny() -> dict:
    """A hand-made data set in the same JSON shape (times are naive local times)."""
    return {
        "start_date": "2026-01-05",
        "days": 3,
        "employees": [
            {"name": "Ann", "skills": ["Doctor"], "unavailable_dates": [], "undesired_dates": [],
             "desired_dates": []},
            {"name": "Bo", "skills": ["Nurse"], "unavailable_dates": ["2026-01-06"],
             "undesired_dates": ["2026-01-05"], "desired_dates": ["2026-01-07"]},
        ],
        "shifts": [
            {"id": "0", "start": "2026-01-05T06:00:00", "end": "2026-01-05T14:00:00",
             "location": "X", "required_skill": "Doctor"},
            {"id": "1", "start": "2026-01-05T09:00:00", "end": "2026-01-05T17:00:00",
             "location": "X", "required_skill": "Doctor"},
            {"id": "2", "start": "2026-01-05T22:00:00", "end": "2026-01-06T06:00:00",
             "location": "Y", "required_skill": "Nurse"},
            {"id": "3", "start": "2026-01-06T14:00:00", "end": "2026-01-06T22:00:00",
             "location": "X", "required_skill": "Nurse"},
            {"id": "4", "start": "2026-01-07T06:00:00", "end": "2026-01-07T14:00:00",
             "location": "Y", "required_skill": "Doctor"},
        ],
    }


def dataset(data: dict | None = None) -> timefold.Dataset:
    return timefold.parse(json.dumps(data or tiny()))


# --------------------------------------------------------------------------- the score


def test_score_by_hand_on_a_tiny_data_set() -> None:
    score = timefold.score(dataset(), {"0": "Ann", "1": "Ann", "2": "Bo", "3": "Bo", "4": "Bo"})
    b = score.breakdown
    assert b["overlap"] == -300  # 06-14 and 09-17
    assert b["one_shift_per_day"] == -1  # the same pair starts on one date
    # Bo unavailable 01-06: the night 22-06 has 360 minutes on it, 14-22 has 480
    assert b["unavailable"] == -(360 + 480)
    # 06:00 -> 14:00 is 8 h rest, 22:00 -> 06:00 is 8 h rest: 120 short each
    assert b["rest_10h"] == -240
    assert b["missing_skill"] == -1  # Bo (Nurse) on a Doctor shift
    assert score.hard == -300 - 1 - 840 - 240 - 1
    assert score.violations == 7
    # undesired 01-05: the night's 22:00-23:59:59.999999 part counts 119 minutes, not 120
    assert b["undesired"] == -119
    assert b["desired"] == 480
    # counts Ann 2, Bo 3, mean 2.5: sqrt(0.25 + 0.25)
    assert b["balance"] == -0.70711
    assert score.soft == round(480 - 119 - 0.70711, 5)
    assert str(score) == "-1382hard/360.29289soft"


def test_overlap_minutes_of_a_night_on_both_dates() -> None:
    night = (dt.datetime(2026, 1, 5, 22), dt.datetime(2026, 1, 6, 6))
    assert timefold.minutes_on(*night, dt.date(2026, 1, 5)) == 119
    assert timefold.minutes_on(*night, dt.date(2026, 1, 6)) == 360
    assert timefold.minutes_on(*night, dt.date(2026, 1, 7)) == 0
    day = (dt.datetime(2026, 1, 5, 6), dt.datetime(2026, 1, 5, 14))
    assert timefold.minutes_on(*day, dt.date(2026, 1, 5)) == 480
    # both dates of a night desired: two matches, 119 + 360
    data = tiny()
    data["employees"][1]["desired_dates"] = ["2026-01-05", "2026-01-06"]
    data["employees"][1]["unavailable_dates"] = []
    data["employees"][1]["undesired_dates"] = []
    score = timefold.score(dataset(data), {"0": "Ann", "1": None, "2": "Bo", "3": None, "4": "Ann"})
    assert score.breakdown["desired"] == 479
    assert score.unassigned == 2 and score.hard == -2


def test_balance_counts_employees_with_no_shift() -> None:
    # the README's check: counts 2, 0, 1 give 1.41421
    data = tiny()
    data["employees"].append({"name": "Cy", "skills": ["Doctor", "Nurse"]})
    data["shifts"] = data["shifts"][:3]
    score = timefold.score(dataset(data), {"0": "Ann", "1": "Ann", "2": "Cy"})
    assert score.breakdown["balance"] == -1.41421


def test_score_rejects_unknown_ids() -> None:
    with pytest.raises(ProblemError, match="unknown employee 'Zed'"):
        timefold.score(dataset(), {"0": "Zed"})
    with pytest.raises(ProblemError, match="unknown shift id '99'"):
        timefold.score(dataset(), {"99": "Ann"})


# --------------------------------------------------------------------------- loading


def test_tiny_data_set_as_a_problem() -> None:
    problem = timefold.loads(json.dumps(tiny()), "tiny")
    assert [s.id for s in problem.shift_types] == ["0600-1400", "0900-1700", "1400-2200", "2200-0600"]
    assert {s.id for s in problem.sites} == {"X", "Y"}
    gates = {(s.id, g.id): g for s in problem.sites for g in s.gates}
    assert gates[("X", "Doctor")].role == "Doctor"
    assert gates[("X", "Doctor")].table_for(dt.date(2026, 1, 5))["0600-1400"].need == 1
    assert "2200-0600" not in gates[("X", "Doctor")].table_for(dt.date(2026, 1, 5))
    bo = problem.people[1]
    # unavailable 01-06: its own shifts and the night starting 01-05 (360 minutes on 01-06)
    off = {(u.date.isoformat(), u.shift) for u in bo.unavailable}
    assert ("2026-01-05", "2200-0600") in off and ("2026-01-06", "1400-2200") in off
    assert ("2026-01-05", "0600-1400") not in off
    weights = {(p.date.isoformat(), p.shift, p.want): p.weight for p in bo.preferences}
    assert weights[("2026-01-05", "2200-0600", False)] == 119
    assert weights[("2026-01-07", "0600-1400", True)] == 480
    assert problem.rules.min_rest_hours.value == 10 and not problem.rules.keep_one_site


def test_malformed_data_names_the_field() -> None:
    data = tiny()
    del data["shifts"][0]["location"]
    with pytest.raises(ProblemError, match=r"shifts\.0\.location"):
        dataset(data)
    data = tiny()
    data["shifts"][1]["id"] = "0"
    with pytest.raises(ProblemError, match="duplicate shift id '0'"):
        dataset(data)
    with pytest.raises(ProblemError, match="malformed JSON"):
        timefold.parse("{", "x.json")


@needs_data
@pytest.mark.parametrize(
    "name, employees, shifts, locations, days",
    [("small", 15, 139, 3, 14), ("large", 50, 935, 7, 28)],
)
def test_data_sets_load_with_their_stated_counts(name, employees, shifts, locations, days) -> None:
    problem = timefold.load(DATA / f"{name}.json")
    assert len(problem.people) == employees
    assert len(problem.sites) == locations
    assert problem.horizon.days == days
    demand = sum(
        entry.need
        for site in problem.sites
        for gate in site.gates
        for table in gate.dates.values()
        for entry in table.values()
    )
    assert demand == shifts
    assert {s.start.hour for s in problem.shift_types} == {6, 9, 14, 22}


# --------------------------------------------------------------------------- solving


def test_solving_the_tiny_set_gives_the_best_quickstart_score() -> None:
    data = tiny()
    data["employees"].append({"name": "Cy", "skills": ["Doctor", "Nurse"]})
    data["employees"][1]["unavailable_dates"] = []
    problem = timefold.loads(json.dumps(data), "tiny")
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    assert plan.result.status == "optimal"
    assert_agrees(problem, plan)
    score = timefold.score(dataset(data), timefold.shift_assignment(dataset(data), plan))
    # shifts 0 and 1 overlap, so Ann and Cy take them; only Bo is left for the night of 01-05
    # (undesired: -119), so Cy takes 01-06 14:00 (Bo would rest 8 h) and Ann or Cy 01-07
    assert score.hard == 0 and score.unassigned == 0
    assert score.breakdown["undesired"] == -119
    assert sorted(score.shift_counts.values()) == [1, 2, 2]


@needs_data
def test_small_has_a_plan_with_no_hard_violation(tmp_path: Path) -> None:
    path = DATA / "small.json"
    out = tmp_path / "plan.json"
    assert main(["solve", str(path), "--format", "timefold", "--time-limit", "20", "--workers", "2",
                 "--quiet", "--out", str(out)]) == 0
    data = timefold.read(path)
    plan = Plan.from_json(out)
    score = timefold.score(data, timefold.shift_assignment(data, plan))
    assert score.hard == 0 and score.unassigned == 0
    assert check(timefold.load(path), plan).ok
    # the check command scores it too, and recognises the format from the content
    assert main(["check", str(path), str(out)]) == 0


def test_check_exits_1_on_a_hard_violation(tmp_path: Path, capsys) -> None:
    data = tiny()
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(data))
    problem = timefold.load(path)
    plan = solve(problem, time_limit=5, workers=1, seed=0)
    # leaving a shift out is a hard violation of the quickstart's (every shift is staffed)
    plan.assignments = plan.assignments[1:]
    out = tmp_path / "plan.json"
    plan.to_json(out)
    assert main(["check", str(path), str(out), "--format", "timefold"]) == 1
    # dutyplan's own check still passes (cover is soft in dutyplan); the quickstart's fails
    printed = capsys.readouterr().out
    assert "OK, no hard rule broken" in printed
    assert f"Timefold score -{5 - len(plan.assignments)}hard" in printed


def test_soft_upper_bound_holds_and_is_reached_when_both_parts_are_at_their_best() -> None:
    data = tiny()
    data["employees"].append({"name": "Cy", "skills": ["Doctor", "Nurse"]})
    data["employees"][1]["unavailable_dates"] = []
    problem = timefold.loads(json.dumps(data), "tiny")
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    prefs = next(lv for lv in plan.result.levels if lv.name == "preferences")
    bound = timefold.soft_upper_bound(dataset(data), problem, prefs.bound)
    score = timefold.score(dataset(data), timefold.shift_assignment(dataset(data), plan))
    assert score.soft <= bound
    # 5 shifts over 3 people split 2/2/1 at best: the plan's balance is that minimum, and its
    # preferences are proven optimal, so the bound is the plan's own soft score
    assert score.breakdown["balance"] == -0.8165
    assert prefs.optimal and score.soft == bound
