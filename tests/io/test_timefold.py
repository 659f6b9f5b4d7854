"""Timefold's employee-scheduling data sets: loading, the quickstart's score, solving, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dutyplan.checker import check
from dutyplan.cli import main
from dutyplan.errors import ProblemError
from dutyplan.io import problem_from_text, timefold
from dutyplan.plan import Plan, Result
from dutyplan.problem import MAX_DAYS, MAX_NEED
from dutyplan.solve import solve

from _helpers import assert_agrees

SHARED = Path(os.environ.get("DUTYPLAN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
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


def refused(data: dict | str) -> str:
    """The message of the :class:`ProblemError` that loading ``data`` (or JSON text) raises."""
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(ProblemError) as info:
        timefold.loads(text, "bad.json")
    return str(info.value)


def changed(change: Callable[[dict], object]) -> dict:
    """The tiny data set after ``change`` (which edits it in place)."""
    data = tiny()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "path", "value", "words"),
    [
        (lambda d: d["shifts"][3].update(start="2026-01-06T14:00:00+08:00"),
         "shifts.3.start", "'2026-01-06T14:00:00+08:00'", ["local times without an offset"]),
        (lambda d: d["shifts"][0].update(end="2026-01-05T14:00:00Z"),
         "shifts.0.end", "'2026-01-05T14:00:00Z'", ["local times without an offset"]),
        (lambda d: d["shifts"][2].update(start="2026-01-05T22:00:00-05:00",
                                         end="2026-01-06T06:00:00-05:00"),
         "shifts.2.start", "-05:00", ["local times without an offset"]),
        (lambda d: d["shifts"][1].update(start=1767600000),  # seconds since 1970, UTC
         "shifts.1.start", "1767600000", ["local date-time"]),
        (lambda d: d["employees"][1].update(desired_dates=["2026-01-07T00:00:00+08:00"]),
         "employees.1.desired_dates.0", "'2026-01-07T00:00:00+08:00'", ["YYYY-MM-DD"]),
        (lambda d: d.update(start_date="2026-01-05T00:00:00+01:00"),
         "start_date", "'2026-01-05T00:00:00+01:00'", ["YYYY-MM-DD"]),
    ],
)
def test_times_with_a_utc_offset_are_refused_by_field(change, path: str, value: str, words) -> None:
    message = refused(changed(change))
    assert message.startswith("bad.json: "), message
    for word in (f"{path}: ", value, *words):
        assert word in message, message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["shifts"][4].update(start="2040-01-07T06:00:00", end="2040-01-07T14:00:00"),
         ["shifts.4.start: ", "span 5116 days", "2026-01-05 (start_date)", "2040-01-07",
          f"at most {MAX_DAYS} days"]),
        (lambda d: (d.update(start_date=None),
                    d["shifts"][1].update(start="1990-01-05T09:00:00", end="1990-01-05T17:00:00")),
         ["shifts.4.start: ", "1990-01-05 (shifts.1.start)", "2026-01-07", f"at most {MAX_DAYS}"]),
        (lambda d: d.update(start_date="2026-01-06"),
         ["shifts.0.start: ", "starts on 2026-01-05, before start_date 2026-01-06"]),
        (lambda d: d.update(days=10**9),
         ["data set: days: ", f"less than or equal to {MAX_DAYS}", "1000000000"]),
        (lambda d: d.update(days=MAX_DAYS + 1), ["data set: days: ", str(MAX_DAYS + 1)]),
    ],
)
def test_the_horizon_is_bounded_by_field(change, words: list[str]) -> None:
    message = refused(changed(change))
    for word in words:
        assert word in message, message


def test_days_beyond_any_number_is_refused_by_field() -> None:
    text = json.dumps(tiny()).replace('"days": 3', '"days": 1e400')  # inf to Python's json
    assert "days: Input should be a finite number (got inf)" in refused(text)


@pytest.mark.parametrize(
    ("change", "path", "value"),
    [
        (lambda d: d["employees"][1].update(skills="Nurse"), "employees.1.skills", "'Nurse'"),
        (lambda d: d["employees"][0].update(skills=["Doctor", 7]), "employees.0.skills.1", "7"),
        (lambda d: d["employees"][0].update(name="x" * 201), "employees.0.name", "xxxxxxxx"),
        (lambda d: d["employees"][0].update(name="Bo "), "employees.1.name", "'Bo'"),
        (lambda d: d["employees"][1].update(skills=["Nurse\u202e"]), "employees.1.skills.0",
         "U+202E"),
        (lambda d: d["shifts"][1].update(location=""), "shifts.1.location", "''"),
        (lambda d: d["shifts"][1].update(required_skill=None), "shifts.1.required_skill", "None"),
        (lambda d: d["shifts"][1].update(id="0"), "shifts.1.id", "'0'"),
        (lambda d: d["shifts"][2].update(end="2026-01-05T21:00:00"), "shifts.2.end",
         "2026-01-05 21:00:00"),
        (lambda d: d["shifts"][2].update(end="2026-01-06T23:00:00"), "shifts.2.end",
         "2026-01-06 23:00:00"),
        (lambda d: d["shifts"][0].update(end="2026-01-05T14:00:30"), "shifts.0.end",
         "'2026-01-05T14:00:30'"),
        (lambda d: d["employees"][0].update(unavailable_dates=["2026-02-30"]),
         "employees.0.unavailable_dates.0", "'2026-02-30'"),
        (lambda d: d.update(days=2.5), "days", "2.5"),
        (lambda d: d["shifts"].extend(dict(d["shifts"][0], id=f"x{i}") for i in range(MAX_NEED)),
         f"shifts.{5 + MAX_NEED - 1}", f"more than {MAX_NEED} shifts at 'X' needing 'Doctor'"),
    ],
)
def test_every_invalid_field_is_named_with_its_value(change, path: str, value: str) -> None:
    message = refused(changed(change))
    assert f"{path}: " in message and value in message, message


def test_a_data_set_that_is_not_an_object_or_has_many_errors() -> None:
    assert "(root): Input should be a valid dictionary" in refused("[1, 2]")
    data = changed(lambda d: d["shifts"].extend({"id": f"s{i}"} for i in range(30)))
    message = refused(data)
    assert "shifts.5.start: Field required" in message
    assert "more error(s)" in message and len(message) < 2000


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"employees": ' + "[" * 100_000,
        '{"employees": [], "shifts": [' + '{"a": ' * 100_000,
        '{"employees": [], "shifts": [' + "[" * 100_000 + "]" * 100_000 + "]}",
    ],
    ids=["arrays", "unclosed-in-employees", "objects-in-shifts", "closed-in-shifts"],
)
def test_deeply_nested_json_is_refused_not_a_recursion_error(text: str) -> None:
    assert timefold.looks_like(text) is False
    with pytest.raises(ProblemError, match=r"^bad\.json: JSON nested too deeply"):
        timefold.parse(text, "bad.json")
    with pytest.raises(ProblemError, match=r"^bad\.json: JSON nested too deeply"):
        timefold.loads(text, "bad.json")
    with pytest.raises(ProblemError, match=r"^bad\.json: JSON nested too deeply"):
        problem_from_text(text, "json", source="bad.json")  # dutyplan's own JSON files too


def test_a_number_of_too_many_digits_is_refused_not_a_value_error() -> None:
    text = '{"employees": [], "shifts": [], "days": ' + "9" * 5000 + "}"
    assert timefold.looks_like(text) is False
    with pytest.raises(ProblemError, match=r"^bad\.json: malformed JSON: .*5000 digits"):
        timefold.parse(text, "bad.json")


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dutyplan.cli", *argv], check=False, capture_output=True,
        text=True, encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=60,
    )


def test_command_line_refuses_a_bad_data_set_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "offset.json"
    path.write_text(
        json.dumps(changed(lambda d: d["shifts"][3].update(start="2030-04-01T06:00:00+08:00"))),
        encoding="utf-8",
    )
    done = run_cli("solve", str(path), "--time-limit", "1")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "shifts.3.start" in done.stderr, done.stderr
    assert "2030-04-01T06:00:00+08:00" in done.stderr, done.stderr
    nested = tmp_path / "nested.json"
    nested.write_text('{"employees": [], "shifts": ' + "[" * 100_000, encoding="utf-8")
    for fmt in ("timefold", "auto"):
        done = run_cli("solve", str(nested), "--time-limit", "1", "--format", fmt)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "JSON nested too deeply" in done.stderr, done.stderr


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
    plan = Plan.build(problem, plan.assignments[1:], Result(status="feasible"))
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
