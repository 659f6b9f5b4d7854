"""The Plan: JSON round trip, file errors, per-person figures, coverage and uncovered lists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dutyplan.errors import PlanFileError
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import Problem
from dutyplan.solve import solve

FRI = dt.date(2024, 1, 5)


@pytest.fixture(scope="module")
def problem() -> Problem:
    """Fri 5 .. Sun 7 Jan 2024. N 00-08, D 08-16, E 20-06 (a night shift crossing midnight)."""
    return Problem(
        name="figures",
        horizon={"start": FRI, "days": 3},
        shift_types=[
            {"id": "N", "start": "00:00", "minutes": 480},
            {"id": "D", "start": "08:00", "minutes": 480},
            {"id": "E", "start": "20:00", "minutes": 600},
        ],
        sites=[
            {
                "id": "S1",
                "name": "上庄村",
                "gates": [
                    {"id": "G1", "demand": {"D": 1, "E": 1}},
                    {"id": "G2", "demand": {"N": 2}},
                ],
            },
            {"id": "S2", "gates": [{"id": "G1", "demand": {"D": {"need": 1, "over_weight": 1}}}]},
        ],
        people=[
            {"id": "a", "name": "王建国", "unit": "u1"},
            {"id": "b"},
            {"id": "c"},
        ],
        commute_km=[[2.2, 10.0], [0.0, 3.3], [1.0, 1.0]],
        rules={"keep_one_site": False},
    )


def duty(
    problem: Problem, person: str, offset: int, shift: str, site: str, gate: str
) -> Assignment:
    date = FRI + dt.timedelta(days=offset)
    return Assignment(
        person=person,
        date=date,
        shift=shift,
        start=problem.shift_start(date, shift),
        end=problem.shift_end(date, shift),
        site=site,
        gate=gate,
    )


@pytest.fixture(scope="module")
def plan(problem: Problem) -> Plan:
    duties = [
        duty(problem, "c", 2, "D", "S1", "G1"),
        duty(problem, "a", 0, "D", "S1", "G1"),
        duty(problem, "a", 1, "E", "S1", "G1"),
        duty(problem, "a", 2, "N", "S1", "G2"),
        duty(problem, "b", 0, "N", "S1", "G2"),
        duty(problem, "b", 1, "D", "S2", "G1"),
        duty(problem, "c", 1, "D", "S2", "G1"),  # an extra person at S2 (need 1)
    ]
    return Plan.build(problem, duties, Result(status="feasible", objective=1))


def test_assignments_are_sorted_by_start(plan: Plan) -> None:
    keys = [(a.start, a.site, a.gate, a.person) for a in plan.assignments]
    assert keys == sorted(keys)
    assert plan.assignments[0].person == "b"  # Fri 00:00


def test_shift_crossing_midnight_has_its_real_end(problem: Problem) -> None:
    assert problem.shift_end(FRI, "E") == dt.datetime(2024, 1, 6, 6, 0)
    assert problem.shift_type("E").is_night and problem.shift_type("N").is_night
    assert not problem.shift_type("D").is_night


def test_person_figures(plan: Plan) -> None:
    rows = {row.person: row for row in plan.people}
    assert list(rows) == ["a", "b", "c"]
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert (a.name, a.unit) == ("王建国", "u1")
    assert (b.name, b.unit) == ("b", None)
    # a: D Fri, E Sat (night, weekend), N Sun (night, weekend); 3 x 2.2 km
    assert (a.shifts, a.minutes, a.nights, a.weekend_shifts) == (3, 1560, 2, 2)
    assert a.hours == 26.0
    assert a.commute_km == pytest.approx(6.6)
    assert a.sites == ["S1"]
    # b: N Fri at S1 (0 km), D Sat at S2 (3.3 km)
    assert (b.shifts, b.minutes, b.nights, b.weekend_shifts) == (2, 960, 1, 1)
    assert b.commute_km == pytest.approx(3.3)
    assert b.sites == ["S1", "S2"]
    # c: D Sat at S2, D Sun at S1, 1 km each
    assert (c.shifts, c.minutes, c.nights, c.weekend_shifts) == (2, 960, 0, 2)
    assert c.commute_km == pytest.approx(2.0)
    assert c.sites == ["S2", "S1"]


def test_coverage(plan: Plan) -> None:
    coverage = {(c.site, c.gate): (c.need, c.assigned, c.uncovered) for c in plan.coverage}
    assert coverage == {
        ("S1", "G1"): (6, 3, 3),  # D and E x 3 dates; D Fri, E Sat, D Sun covered
        ("S1", "G2"): (6, 2, 4),  # N x 2 x 3 dates; one on Fri and one on Sun
        ("S2", "G1"): (3, 1, 2),  # two on Sat count as one toward the need
    }


def test_uncovered(plan: Plan) -> None:
    got = [
        ((u.date - FRI).days, u.shift, u.site, u.gate, u.need, u.assigned, u.missing)
        for u in plan.uncovered
    ]
    assert got == [
        (0, "N", "S1", "G2", 2, 1, 1),
        (0, "D", "S2", "G1", 1, 0, 1),
        (0, "E", "S1", "G1", 1, 0, 1),
        (1, "N", "S1", "G2", 2, 0, 2),
        (1, "D", "S1", "G1", 1, 0, 1),
        (2, "N", "S1", "G2", 2, 1, 1),
        (2, "D", "S2", "G1", 1, 0, 1),
        (2, "E", "S1", "G1", 1, 0, 1),
    ]
    assert plan.missing_person_shifts == 9
    friday_evening = plan.uncovered[2]
    assert friday_evening.start == dt.datetime(2024, 1, 5, 20, 0)
    assert friday_evening.end == dt.datetime(2024, 1, 6, 6, 0)


def test_empty_plan_figures(problem: Problem) -> None:
    empty = Plan.build(problem, [], Result(status="infeasible"))
    assert all(row.shifts == 0 and row.commute_km == 0 for row in empty.people)
    assert sum(c.need for c in empty.coverage) == 15 == empty.missing_person_shifts


def test_summary_mentions_names(plan: Plan, problem: Problem) -> None:
    text = plan.summary(problem)
    assert "上庄村" in text and "王建国" in text
    assert "9 person-shifts uncovered" in text


# --------------------------------------------------------------------------- JSON


def test_round_trip_of_a_hand_made_plan(plan: Plan, tmp_path: Path) -> None:
    text = plan.to_json()
    assert Plan.from_json(text) == plan
    path = tmp_path / "plan.json"
    assert plan.to_json(path) == text
    assert Plan.from_json(path) == plan
    assert Plan.from_json(str(path)) == plan
    assert Plan.from_json("\n  " + text) == plan
    assert "王建国" in text and "王建国" in path.read_text(encoding="utf-8")


def test_round_trip_of_a_solved_plan(tmp_path: Path) -> None:
    problem = Problem(
        name="solved",
        horizon={"start": FRI, "days": 2},
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "E": 1}}]}],
        people=[{"id": "a"}, {"id": "b"}],
    )
    plan = solve(problem, time_limit=2, workers=1, seed=0)
    assert plan.result.status == "optimal" and plan.result.levels
    again = Plan.from_json(plan.to_json(tmp_path / "p.json"))
    assert again == plan
    assert again.result.levels == plan.result.levels
    assert again.to_json() == plan.to_json()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", ["invalid plan"]),
        ('{"problem": "x", "assignments": [', ["invalid plan"]),
        ('{"problem": "x"}', ["invalid plan", "result"]),
        ('{"result": {"status": "optimal"}}', ["problem"]),
        ('{"problem": "x", "result": {"status": "great"}}', ["result.status", "'great'"]),
        ('{"problem": "x", "result": {"status": "optimal"}, "extra": 1}', ["extra"]),
        (
            '{"problem": "x", "result": {"status": "optimal"}, "assignments": [{"person": "a"}]}',
            ["assignments.0.date", "assignments.0.shift"],
        ),
        (
            '{"problem": "x", "result": {"status": "optimal"}, "assignments": [{"person": "a", '
            '"date": "2024-02-30", "shift": "D", "start": "2024-01-01T08:00:00", '
            '"end": "2024-01-01T16:00:00", "site": "S1", "gate": "G1"}]}',
            ["assignments.0.date", "2024-02-30"],
        ),
    ],
)
def test_from_json_errors(text: str, words: list[str]) -> None:
    with pytest.raises(PlanFileError) as info:
        Plan.from_json(text)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_from_json_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot read plan file"):
        Plan.from_json(tmp_path / "missing.json")
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"problem": "x"}), encoding="utf-8")
    with pytest.raises(PlanFileError, match="result"):
        Plan.from_json(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(PlanFileError):
        Plan.from_json(path)


def test_a_plan_shows_itself_in_one_line_and_a_small_html_table() -> None:
    import xml.etree.ElementTree as ET

    import dutyplan

    problem = dutyplan.load_example("shangzhuang")
    plan = dutyplan.solve(problem, time_limit=3, workers=1, progress=False)
    text = repr(plan)
    assert text.startswith("Plan(problem='shangzhuang', status=") and "\n" not in text and len(text) < 300
    assert f"{len(plan.assignments)} assignments" in text
    page = ET.fromstring("<div>" + plan._repr_html_() + "</div>")  # well-formed
    assert [row[0].text for row in page.iter("tr")][1:] == [lv.name for lv in plan.result.levels]
    hostile = plan.model_copy(update={"problem": "<script>x</script>"})
    assert "<script>" not in hostile._repr_html_()


def test_the_summary_lists_the_worst_gates_first_within_rows() -> None:
    import dutyplan
    from dutyplan.report import plan_summary

    problem = dutyplan.load_example("yuncheng")
    people = problem.people[: len(problem.people) // 2]  # too few: some gates stay short
    problem = problem.model_copy(update={"people": people})
    problem = Problem.model_validate(problem.model_dump(exclude_unset=True))
    plan = solve(problem, time_limit=3, workers=1, progress=False)
    text = plan_summary(plan, problem, max_rows=2)
    gates = [c for c in plan.coverage]
    assert f"... and {len(gates) - 2} more gates" in text
    worst = max(c.uncovered for c in gates)
    table = text.split("uncovered\n", 1)[1]
    assert f" {worst}\n" in table.split("... and", 1)[0]  # the first rows are the worst gates


def test_the_summary_gives_totals_the_busiest_first_and_keeps_every_table_to_rows() -> None:
    import dutyplan
    from dutyplan.report import plan_summary

    problem = dutyplan.load_example("yuncheng")
    plan = solve(problem, time_limit=3, workers=1, progress=False)
    text = plan_summary(plan, problem, max_rows=2)
    on_duty = sum(1 for p in plan.people if p.shifts)
    hours = sum(p.minutes for p in plan.people) / 60
    assert (f"{len(plan.assignments):,} duties ({hours:,.0f} hours) by {on_duty:,} of "
            f"{len(plan.people):,} people") in text
    people = text.split("person  ", 1)[1].splitlines()[2:4]  # the two rows shown
    most = sorted((p.minutes / 60 for p in plan.people), reverse=True)[:2]
    assert [float(line.split()[-4]) for line in people] == most
    per_site = next(line for line in text.splitlines() if line.startswith("duties per site"))
    sites = {a.site for a in plan.assignments}
    assert per_site.count(",") <= 2 and (len(sites) <= 2 or f"and {len(sites) - 2} more sites" in per_site)


def test_the_summary_of_a_decomposed_solve_says_where_the_time_went() -> None:
    from dutyplan.report import timing_line

    sites_first = Result(status="feasible", mode="lexicographic, decomposed", build_seconds=0.0,
                         solve_seconds=32.5, first_plan_seconds=12.3)
    assert timing_line(sites_first) == "solved in 32.50s, sites first; every site had a plan after 12.30s"
    polished = sites_first.model_copy(update={"build_seconds": 1.5, "solve_seconds": 31.0})
    assert timing_line(polished).endswith("; the whole model to improve it built in 1.50s")
    one = Result(status="optimal", build_seconds=0.04, solve_seconds=2.0, first_plan_seconds=0.3)
    assert timing_line(one) == "model built in 0.04s, solved in 2.00s, first plan after 0.30s"
