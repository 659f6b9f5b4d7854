"""Curtois & Qu instances: loading, the instance's own objective, boundary conventions, errors."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dutyplan.checker import check
from dutyplan.cli import main
from dutyplan.errors import ProblemError
from dutyplan.io import curtois
from dutyplan.plan import Plan
from dutyplan.problem import MAX_DAYS, MAX_LIMIT, MAX_NEED, MAX_WEIGHT
from dutyplan.solve import solve

from _helpers import assert_agrees

SHARED = Path(os.environ.get("DUTYPLAN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
INSTANCES = SHARED / "benchmarks" / "curtois"
needs_instances = pytest.mark.skipif(
    not INSTANCES.is_dir(), reason=f"benchmark data not found at {INSTANCES} (set DUTYPLAN_SHARED)"
)


def best_known() -> dict[str, dict[str, str]]:
    with open(INSTANCES / "best_known.csv", newline="") as handle:
        return {row["instance"]: row for row in csv.DictReader(handle)}


# --------------------------------------------------------------------------- loading


@needs_instances
@pytest.mark.parametrize("number", range(1, 25))
def test_every_instance_loads_with_its_published_size(number: int) -> None:
    row = best_known()[f"Instance{number}"]
    problem = curtois.load(INSTANCES / f"Instance{number}.txt")
    assert problem.name == f"Instance{number}"
    assert problem.horizon.days == int(row["days"])
    assert len(problem.people) == int(row["staff"])
    assert len(problem.shift_types) == int(row["shift_types"])
    assert problem.horizon.start.weekday() == 0  # day 0 is a Monday
    assert [s.id for s in problem.sites] == ["ward"]


@needs_instances
def test_instance24_counts_days_off_and_requests() -> None:
    problem = curtois.load(INSTANCES / "Instance24.txt")
    assert sum(len(p.unavailable) for p in problem.people) == 5400
    on = sum(1 for p in problem.people for q in p.preferences if q.want)
    off = sum(1 for p in problem.people for q in p.preferences if not q.want)
    assert (on, off) == (9540, 4269)


@needs_instances
def test_crlf_and_lf_give_the_same_problem() -> None:
    raw = (INSTANCES / "Instance2.txt").read_bytes()
    assert b"\r\n" in raw
    crlf = curtois.loads(raw.decode(), name="x")
    lf = curtois.loads(raw.decode().replace("\r\n", "\n"), name="x")
    assert crlf == lf


MICRO = """\
# a tiny instance in the same format
SECTION_HORIZON
# The horizon length in days:
{days}

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
D,480,
L,600,D

SECTION_STAFF
# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends
A,D={days}|L={days},10000,0,{max_run},{min_run},{min_off},{weekends}

SECTION_DAYS_OFF
# EmployeeID, DayIndexes (start at zero)
{days_off}
SECTION_SHIFT_ON_REQUESTS
# EmployeeID, Day, ShiftID, Weight
{on}
SECTION_SHIFT_OFF_REQUESTS
# EmployeeID, Day, ShiftID, Weight
{off}
SECTION_COVER
# Day, ShiftID, Requirement, Weight for under, Weight for over
{cover}
"""


def micro(
    need: list[int],
    max_run: int = 99,
    min_run: int = 1,
    min_off: int = 1,
    weekends: int = 99,
    days_off: str = "",
    on: str = "",
    off: str = "",
    late: list[int] | None = None,
) -> str:
    """One person A; shift D needs ``need[d]`` on day d (under 100, over 1); L needs ``late``."""
    late = late or [0] * len(need)
    cover = "\n".join(
        f"{d},D,{n},100,1\n{d},L,{m},100,1" for d, (n, m) in enumerate(zip(need, late, strict=True))
    )
    return MICRO.format(
        days=len(need), max_run=max_run, min_run=min_run, min_off=min_off, weekends=weekends,
        days_off=days_off, on=on, off=off, cover=cover,
    )


def solved_objective(text: str) -> int:
    problem = curtois.loads(text)
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    assert plan.result.status == "optimal", plan.result
    report = assert_agrees(problem, plan)
    assert report.ok
    assert plan.result.objective is not None
    return plan.result.objective


def test_micro_instance_maps_every_field() -> None:
    problem = curtois.loads(
        micro([1, 0, 1], max_run=2, min_run=2, min_off=2, weekends=1, days_off="A,1",
              on="A,0,D,2", off="A,2,L,3")
    )
    (person,) = problem.people
    rules = problem.effective_rules(person)
    assert rules.max_consecutive_days.value == 2
    assert rules.min_consecutive_days.value == 2
    assert rules.min_consecutive_days_off.value == 2
    assert rules.max_weekends.value == 1
    assert rules.max_minutes.value == 10000 and rules.min_minutes is None
    assert {k: v.value for k, v in rules.max_shifts.items()} == {"D": 3, "L": 3}
    assert [(s.first, s.then) for s in rules.forbidden_successions] == [("L", "D")]
    assert rules.max_shifts_per_day.value == 1 and rules.max_shifts_per_day.hard
    assert [u.date for u in person.unavailable] == [problem.horizon.start + __import__("datetime").timedelta(days=1)]
    assert [(q.shift, q.want, q.weight) for q in person.preferences] == [("D", True, 2), ("L", False, 3)]
    entry = problem.demand(0, 0, problem.horizon.start, "D")
    assert (entry.need, entry.under_weight, entry.over_weight) == (1, 100, 1)
    assert [s.minutes for s in problem.shift_types] == [480, 600]


def test_cover_and_requests_make_the_objective() -> None:
    # D needed on days 0 and 1; A wants L on day 1 (weight 3) and not D on day 0 (weight 2)
    text = micro([1, 1], on="A,1,L,3", off="A,0,D,2")
    # best: work D both days (request costs 3 + 2 = 5) rather than miss a cover (100)
    assert solved_objective(text) == 5


def test_days_outside_the_horizon_are_off_for_max_consecutive_shifts() -> None:
    # two days needed, at most two in a row: both worked is allowed at the horizon's start
    assert solved_objective(micro([1, 1], max_run=2)) == 0
    # three needed, at most two in a row: one day must go uncovered
    assert solved_objective(micro([1, 1, 1], max_run=2)) == 100


def test_a_short_run_of_shifts_touching_either_end_is_allowed() -> None:
    # min 3 consecutive shifts, only day 0 needed: a 1-day run at the start is fine
    assert solved_objective(micro([1, 0, 0, 0, 0], min_run=3)) == 0
    # only the last day needed: a 1-day run at the end is fine
    assert solved_objective(micro([0, 0, 0, 0, 1], min_run=3)) == 0
    # only the middle day needed: a 1-day run there is too short; the cheapest fix is to
    # work days 1..3 (two over-covers) or days 2..4 (two) or to leave it (100)
    assert solved_objective(micro([0, 0, 1, 0, 0], min_run=3)) == 2


def test_a_short_run_of_days_off_touching_either_end_is_allowed() -> None:
    # min 2 consecutive days off: a single day off at the start or end is fine
    assert solved_objective(micro([0, 1, 1, 1], min_off=2)) == 0
    assert solved_objective(micro([1, 1, 1, 0], min_off=2)) == 0
    # a single day off in the middle is not: work it (over-cover 1) or miss a day (100)
    assert solved_objective(micro([1, 1, 0, 1, 1], min_off=2)) == 1


def test_forbidden_succession_and_max_weekends_bind() -> None:
    # L then D on the next day is forbidden: one of the two covers is missed
    assert solved_objective(micro([0, 1], late=[1, 0])) == 100
    # days 5 and 6 are the first weekend, 12 and 13 the second; at most one weekend worked
    need = [0] * 14
    need[5] = need[12] = 1
    assert solved_objective(micro(need, weekends=1)) == 100
    assert solved_objective(micro(need, weekends=2)) == 0


def test_days_off_are_unavailable() -> None:
    assert solved_objective(micro([1, 1], days_off="A,1")) == 100


# --------------------------------------------------------------------------- errors


def broken(old: str, new: str) -> str:
    text = micro([1, 1])
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (broken("SECTION_COVER\n", ""), ["SECTION_COVER", "missing"]),
        (broken("SECTION_STAFF\n", ""), ["missing section SECTION_STAFF"]),
        (broken("D,480,", "D,480,,9"), ["SECTION_SHIFTS", "line 8", "expected 2 to 3", "got 4"]),
        (broken("0,D,1,100,1", "0,X,1,100,1"), ["SECTION_COVER", "line", "unknown shift id 'X'"]),
        (broken("0,D,1,100,1", "0,D,1,100"), ["SECTION_COVER", "expected 5", "got 4"]),
        (broken("A,D=2|L=2,", "A,D=2|Q=2,"), ["SECTION_STAFF", "line 13", "unknown shift id 'Q'"]),
        (broken(",10000,0,", ",lots,0,"), ["SECTION_STAFF", "MaxTotalMinutes", "'lots'"]),
        (broken("L,600,D", "L,600,Z"), ["SECTION_SHIFTS", "line 9", "unknown shift id 'Z'"]),
        (broken("1,D,1,100,1", "2,D,1,100,1"), ["SECTION_COVER", "day index 2", "outside"]),
        (broken("SECTION_HORIZON", "SECTION_HORIZONS"), ["unknown section", "SECTION_HORIZONS"]),
        (micro([1, 1], days_off="B,1"), ["SECTION_DAYS_OFF", "unknown employee id 'B'"]),
        (micro([1, 1], on="A,0,D,0"), ["SECTION_SHIFT_ON_REQUESTS", "weight must be >= 1"]),
    ],
)
def test_malformed_input_names_the_section_and_line(text: str, words: list[str]) -> None:
    with pytest.raises(ProblemError) as info:
        curtois.loads(text, source="bad.txt")
    message = str(info.value)
    assert message.startswith("bad.txt")
    for word in words:
        assert word in message, message


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the (first) line of ``text`` that holds ``fragment``."""
    return next(n for n, line in enumerate(text.split("\n"), start=1) if fragment in line)


def refused(text: str) -> str:
    """The message of the :class:`ProblemError` that loading ``text`` raises."""
    with pytest.raises(ProblemError) as info:
        curtois.loads(text, source="bad.txt")
    return str(info.value)


HORIZON = "# The horizon length in days:\n2\n"
STAFF = "A,D=2|L=2,10000,0,99,1,1,99"


@pytest.mark.parametrize("days", [10**9, 2_900_000, MAX_DAYS + 1, 10**30])
def test_a_huge_horizon_is_refused_at_its_line_before_anything_is_built(days: int) -> None:
    text = broken(HORIZON, HORIZON.replace("\n2\n", f"\n{days}\n"))
    started = time.perf_counter()
    message = refused(text)
    assert time.perf_counter() - started < 1.0
    for word in ("bad.txt", "SECTION_HORIZON", f"line {line_of(text, str(days))}",
                 f"must be at most {MAX_DAYS}", str(days)):
        assert word in message, message


def staff_field(position: int, value: str) -> tuple[str, str]:
    """``broken`` arguments that set field ``position`` of the staff row to ``value``."""
    fields = STAFF.split(",")
    fields[position] = value
    return STAFF, ",".join(fields)


HUGE = "99999999999999999999999"
STAFF_LIMITS = (  # SECTION_STAFF fields 2..7
    "MaxTotalMinutes", "MinTotalMinutes", "MaxConsecutiveShifts",
    "MinConsecutiveShifts", "MinConsecutiveDaysOff", "MaxWeekends",
)


@pytest.mark.parametrize(
    ("old", "new", "section", "words"),
    [
        ("0,D,1,100,1", "0,D,1000000000,100,1", "SECTION_COVER",
         [f"Requirement must be at most {MAX_NEED}", "got 1000000000"]),
        ("0,D,1,100,1", f"0,D,1,{HUGE},1", "SECTION_COVER",
         [f"Weight for under must be at most {MAX_WEIGHT}", HUGE]),
        ("0,D,1,100,1", "0,D,1,100,1000000001", "SECTION_COVER",
         [f"Weight for over must be at most {MAX_WEIGHT}", "1000000001"]),
        ("0,D,1,100,1", "0,D,1e20,100,1", "SECTION_COVER",
         ["Requirement must be a whole number", "'1e20'"]),
        ("0,D,1,100,1", "0,D,4.0,100,1", "SECTION_COVER",
         ["Requirement must be a whole number", "'4.0'"]),
        ("0,D,1,100,1", "0,D,\u0663,100,1", "SECTION_COVER",  # an Arabic-Indic digit three
         ["Requirement must be a whole number"]),
        ("0,D,1,100,1", f"0,D,-{HUGE},100,1", "SECTION_COVER",
         ["Requirement must be >= 0", f"-{HUGE}"]),
        ("0,D,1,100,1", f"{HUGE},D,1,100,1", "SECTION_COVER",
         [f"day index must be at most {MAX_DAYS}", HUGE]),
        ("0,D,1,100,1", f"0,D,{'9' * 6000},100,1", "SECTION_COVER",
         [f"Requirement must be at most {MAX_NEED}", "(6000 digits)"]),
        ("D,480,", "D,1441,", "SECTION_SHIFTS",
         ["length of shift 'D' in minutes must be at most 1440", "1441"]),
        ("D,480,", f"D,{HUGE},", "SECTION_SHIFTS", ["must be at most 1440", HUGE]),
        ("D,480,", "D,0,", "SECTION_SHIFTS", ["length of shift 'D' in minutes must be >= 1"]),
        *[
            (*staff_field(2 + i, value), "SECTION_STAFF",
             [f"{name} must be at most {MAX_LIMIT}", value])
            for i, name in enumerate(STAFF_LIMITS)
            for value in (str(MAX_LIMIT + 1), HUGE)
        ],
        (*staff_field(2, "1e20"), "SECTION_STAFF",
         ["MaxTotalMinutes must be a whole number", "'1e20'"]),
        ("D=2|", f"D={HUGE}|", "SECTION_STAFF",
         [f"MaxShifts for 'D' must be at most {MAX_LIMIT}", HUGE]),
        ("D=2|", "D=1e20|", "SECTION_STAFF",
         ["MaxShifts for 'D' must be a whole number", "'1e20'"]),
    ],
)
def test_every_number_is_bounded_at_its_section_and_line(
    old: str, new: str, section: str, words: list[str]
) -> None:
    text = broken(old, new)
    message = refused(text)
    assert message.startswith(f"bad.txt: {section}, line {line_of(text, new)}: "), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("section", "weight", "words"),
    [
        ("on", HUGE, [f"weight must be at most {MAX_WEIGHT}", HUGE]),
        ("off", str(MAX_WEIGHT + 1), [f"weight must be at most {MAX_WEIGHT}", str(MAX_WEIGHT + 1)]),
        ("off", "0", ["weight must be >= 1", "got 0"]),
        ("on", "1e20", ["weight must be a whole number", "'1e20'"]),
    ],
)
def test_request_weights_are_bounded_at_their_line(
    section: str, weight: str, words: list[str]
) -> None:
    text = micro([1, 1], **{section: f"A,0,D,{weight}"})
    message = refused(text)
    name = "SECTION_SHIFT_ON_REQUESTS" if section == "on" else "SECTION_SHIFT_OFF_REQUESTS"
    assert message.startswith(f"bad.txt: {name}, line {line_of(text, 'A,0,D,')}: "), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("text", "fragment", "words"),
    [
        # a days-off row is at most the employee and one field per day of the horizon
        (micro([1, 1], days_off="A,0,1,0"), "A,0,1,0",
         ["SECTION_DAYS_OFF", "expected 1 to 3 comma-separated fields", "got 4"]),
        (micro([1, 1], days_off="A" + ",1" * 100_000), "A,1,1",
         ["SECTION_DAYS_OFF", "expected 1 to 3", "got 100001"]),
        (broken("L,600,D", "L,600,D|D"), "L,600,D|D",
         ["SECTION_SHIFTS", "'D' is listed twice after 'L'"]),
        (broken("D=2|L=2", "D=2|D=3"), "D=2|D=3",
         ["SECTION_STAFF", "MaxShifts names shift 'D' twice"]),
        (broken("A,D=2|", "A\x00,D=2|"), "A\x00,D=2|",
         ["SECTION_STAFF", "employee id 'A\\x00'", "control character U+0000"]),
        (broken("L,600,D", f"{'L' * 201},600,D"), "L" * 201,
         ["SECTION_SHIFTS", "shift id", "200 characters"]),
    ],
)
def test_long_rows_repeats_and_bad_ids_name_the_section_and_line(
    text: str, fragment: str, words: list[str]
) -> None:
    message = refused(text)
    assert f"line {line_of(text, fragment)}:" in message, message
    for word in words:
        assert word in message, message


def test_line_numbers_count_only_line_ends() -> None:
    # a form feed or U+2028 inside the file is no line end (str.splitlines would count it)
    text = broken("# ShiftID, Length", "# Shift\x0cID,\u2028 Length").replace(
        "0,D,1,100,1", "0,D,1e20,100,1"
    )
    assert f"SECTION_COVER, line {line_of(text, '1e20')}:" in refused(text)


def test_command_line_refuses_a_bad_instance_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "Huge.txt"
    text = broken(HORIZON, "# The horizon length in days:\n1000000000\n")
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dutyplan.cli", "solve", str(path), "--time-limit", "1"],
        check=False, capture_output=True, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "SECTION_HORIZON, line 4" in done.stderr and "1000000000" in done.stderr, done.stderr


def test_missing_file() -> None:
    with pytest.raises(ProblemError, match="not found"):
        curtois.load("no/such/Instance99.txt")


def test_format_is_recognised_from_content() -> None:
    assert curtois.looks_like(micro([1]))
    assert not curtois.looks_like('{"horizon": {}}')


# --------------------------------------------------------------------------- benchmark values


@needs_instances
@pytest.mark.parametrize(("number", "limit"), [(1, 20), (2, 40)])
def test_small_instances_solve_to_their_proven_optimum(number: int, limit: float) -> None:
    problem = curtois.load(INSTANCES / f"Instance{number}.txt")
    optimum = int(best_known()[f"Instance{number}"]["best_known_upper_bound"])
    plan = solve(problem, time_limit=limit, workers=2, seed=0)
    assert plan.result.status == "optimal", plan.result
    assert plan.result.objective == optimum
    assert_agrees(problem, plan)


@needs_instances
def test_instance3_checker_agrees_with_the_solver() -> None:
    problem = curtois.load(INSTANCES / "Instance3.txt")
    plan = solve(problem, time_limit=5, workers=2, seed=0)
    report = assert_agrees(problem, plan)
    assert report.ok
    assert plan.result.objective >= int(best_known()["Instance3"]["best_known_upper_bound"])


@needs_instances
def test_command_line_solve_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = str(INSTANCES / "Instance1.txt")
    out = tmp_path / "plan.json"
    assert main(["solve", instance, "--format", "curtois", "--time-limit", "10", "--workers", "2",
                 "--quiet", "--out", str(out)]) == 0
    plan = Plan.from_json(out)
    assert plan.result.objective == 607
    capsys.readouterr()
    assert main(["check", instance, str(out), "--format", "curtois"]) == 0
    assert "607" in capsys.readouterr().out
    # recognised without --format too
    assert main(["check", instance, str(out)]) == 0
    problem = curtois.load(instance)
    assert check(problem, plan).objective == 607
