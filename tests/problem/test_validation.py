"""Bad input is a ProblemError naming the field path and the value, never a traceback."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from dutyplan.errors import DutyplanError, ProblemError
from dutyplan.io import load_problem, problem_from_dict, problem_from_text
from dutyplan.problem import Problem
from dutyplan.solve import solve

from _helpers import assert_agrees


def base() -> dict[str, Any]:
    return {
        "name": "valid",
        "horizon": {"start": "2024-01-01", "days": 3},
        "shift_types": [
            {"id": "D", "start": "08:00", "minutes": 480},
            {"id": "E", "start": "16:00", "minutes": 480},
        ],
        "sites": [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1, "E": 1}}]}],
        "people": [{"id": "a"}, {"id": "b"}],
    }


def edited(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(base())
    change(data)
    return data


def error_of(data: Any) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        problem_from_dict(data, source="problem.json")
    error = info.value
    assert isinstance(error, ValueError)  # ProblemError is also a ValueError
    assert str(error).startswith("problem.json: ")
    assert "Traceback" not in str(error)
    return error


def test_base_is_valid() -> None:
    problem = problem_from_dict(base())
    assert problem.dates == [dt.date(2024, 1, d) for d in (1, 2, 3)]


# (edit, words the message must contain: the field path and the offending value)
CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], list[str]]] = {
    "unknown shift in demand": (
        lambda d: d["sites"][0]["gates"][0]["demand"].update({"X": 1}),
        ["sites[0].gates[0].demand", "'X'"],
    ),
    "unknown shift in a weekday table": (
        lambda d: d["sites"][0]["gates"][0].update({"weekdays": {"sat": {"Q": 2}}}),
        ["sites[0].gates[0].weekdays.sat", "'Q'"],
    ),
    "unknown shift in a date table": (
        lambda d: d["sites"][0]["gates"][0].update({"dates": {"2024-01-02": {"Q": 2}}}),
        ["sites[0].gates[0].dates.2024-01-02", "'Q'"],
    ),
    "unknown site in a preference": (
        lambda d: d["people"][1].update({"preferences": [{"kind": "site", "site": "S9"}]}),
        ["people[1].preferences[0]", "'S9'"],
    ),
    "unknown shift in a preference": (
        lambda d: d["people"][0].update({"preferences": [{"kind": "shift", "shift": "Z"}]}),
        ["people[0].preferences[0]", "'Z'"],
    ),
    "unknown shift in unavailable": (
        lambda d: d["people"][0].update({"unavailable": [{"date": "2024-01-01", "shift": "Z"}]}),
        ["people[0].unavailable[0]", "'Z'"],
    ),
    "unknown shift in max_shifts": (
        lambda d: d.update({"rules": {"max_shifts": {"W": 1}}}),
        ["rules.max_shifts", "'W'"],
    ),
    "unknown shift in a succession": (
        lambda d: d.update({"rules": {"forbidden_successions": [{"first": "D", "then": "W"}]}}),
        ["rules.forbidden_successions[0]", "'W'"],
    ),
    "unknown shift in a person's rules": (
        lambda d: d["people"][1].update({"rules": {"max_shifts": {"W": 1}}}),
        ["people[1].rules.max_shifts", "'W'"],
    ),
    "unknown site in roles": (
        lambda d: d.update({"rules": {"roles": [{"role": "x", "sites": ["S7"]}]}}),
        ["rules.roles[0].sites", "'S7'"],
    ),
    "duplicate person": (lambda d: d["people"][1].update({"id": "a"}), ["people", "'a'"]),
    "duplicate site": (
        lambda d: d["sites"].append({"id": "S1", "gates": [{"id": "G1"}]}),
        ["sites", "'S1'"],
    ),
    "duplicate gate": (
        lambda d: d["sites"][0]["gates"].append({"id": "G1"}),
        ["sites.0", "gates", "'G1'"],
    ),
    "duplicate shift": (
        lambda d: d["shift_types"].append({"id": "D", "start": "09:00", "minutes": 60}),
        ["shift_types", "'D'"],
    ),
    "zero shift length": (
        lambda d: d["shift_types"][0].update({"minutes": 0}),
        ["shift_types.0.minutes", "got 0"],
    ),
    "negative shift length": (
        lambda d: d["shift_types"][1].update({"minutes": -30}),
        ["shift_types.1.minutes", "got -30"],
    ),
    "shift longer than a day": (
        lambda d: d["shift_types"][0].update({"minutes": 1500}),
        ["shift_types.0.minutes", "1440", "got 1500"],
    ),
    "start 24:00": (
        lambda d: d["shift_types"][0].update({"start": "24:00"}),
        ["shift_types.0.start", "'24:00'"],
    ),
    "start 25:00": (
        lambda d: d["shift_types"][0].update({"start": "25:00"}),
        ["shift_types.0.start", "'25:00'"],
    ),
    "empty people": (lambda d: d.update({"people": []}), ["people", "at least 1", "not 0"]),
    "empty sites": (lambda d: d.update({"sites": []}), ["sites", "at least 1", "not 0"]),
    "site without gates": (
        lambda d: d["sites"][0].update({"gates": []}),
        ["sites.0.gates", "at least 1"],
    ),
    "commute rows": (
        lambda d: d.update({"commute_km": [[1.0]]}),
        ["commute_km", "2 rows", "got 1"],
    ),
    "commute columns": (
        lambda d: d.update({"commute_km": [[1.0, 2.0], [3.0]]}),
        ["commute_km[0]", "1 columns", "got 2"],
    ),
    "commute minutes columns": (
        lambda d: d.update({"commute_minutes": [[1.0], []]}),
        ["commute_minutes[1]", "got 0"],
    ),
    "negative km": (
        lambda d: d.update({"commute_km": [[3.0], [-2.5]]}),
        ["commute_km[1][0]", "-2.5"],
    ),
    "nan km": (
        lambda d: d.update({"commute_km": [[float("nan")], [1]]}),
        ["commute_km.0.0", "nan"],
    ),
    "unavailable outside the horizon": (
        lambda d: d["people"][0].update({"unavailable": ["2024-02-01"]}),
        ["people[0].unavailable[0]", "2024-02-01", "2024-01-01..2024-01-03"],
    ),
    "date table outside the horizon": (
        lambda d: d["sites"][0]["gates"][0].update({"dates": {"2023-12-31": {"D": 1}}}),
        ["sites[0].gates[0].dates", "2023-12-31"],
    ),
    "preference date outside the horizon": (
        lambda d: d["people"][1].update(
            {"preferences": [{"kind": "day_off", "date": "2024-01-04"}]}
        ),
        ["people[1].preferences[0]", "2024-01-04"],
    ),
    "person override of roles": (
        lambda d: d["people"][0].update({"rules": {"roles": [{"role": "x"}]}}),
        ["people.0.rules", "'roles'", "team rule"],
    ),
    "person override of unit_sites_weight": (
        lambda d: d["people"][1].update({"rules": {"unit_sites_weight": 3}}),
        ["people.1.rules", "'unit_sites_weight'"],
    ),
    "boolean limit": (
        lambda d: d.update({"rules": {"max_consecutive_days": True}}),
        ["rules.max_consecutive_days", "True"],
    ),
    "negative limit": (
        lambda d: d.update({"rules": {"min_rest_hours": -1}}),
        ["rules.min_rest_hours.value", "-1"],
    ),
    "zero soft weight": (
        lambda d: d.update({"rules": {"max_minutes": {"value": 10, "weight": 0}}}),
        ["rules.max_minutes.weight", "got 0"],
    ),
    "boolean demand": (
        lambda d: d["sites"][0]["gates"][0]["demand"].update({"D": True}),
        ["sites.0.gates.0.demand.D", "True"],
    ),
    "negative need": (
        lambda d: d["sites"][0]["gates"][0]["demand"].update({"E": -1}),
        ["sites.0.gates.0.demand.E.need", "-1"],
    ),
    "unknown field": (lambda d: d.update({"colour": "red"}), ["colour", "'red'"]),
    "bad weekday": (
        lambda d: d.update({"weekend": ["sat", "funday"]}),
        ["weekend.1", "'funday'"],
    ),
    "negative level weight": (
        lambda d: d.update({"objective": {"weights": {"cover": -1}}}),
        ["objective.weights.cover", "-1"],
    ),
    "unknown level": (
        lambda d: d.update({"objective": {"weights": {"speed": 1}}}),
        ["objective.weights", "'speed'"],
    ),
    "zero days": (lambda d: d["horizon"].update({"days": 0}), ["horizon.days", "got 0"]),
    "bad date": (
        lambda d: d["horizon"].update({"start": "2024-13-01"}),
        ["horizon.start", "'2024-13-01'"],
    ),
    "site preference without site": (
        lambda d: d["people"][0].update({"preferences": [{"kind": "site"}]}),
        ["people.0.preferences.0", "'site'"],
    ),
    "partial coordinates": (
        lambda d: (
            d["people"][0].update({"home": {"lat": 40.0, "lon": 116.0}}),
            d["sites"][0].update({"location": {"lat": 40.1, "lon": 116.1}}),
        ),
        ["home", "'b'"],
    ),
    "unknown holiday country": (
        lambda d: d["horizon"].update({"country": "ZZ"}),
        ["horizon", "country", "'ZZ'"],
    ),
    "holiday twice": (
        lambda d: d["horizon"].update({"holidays": ["2024-01-02", "2024-01-02"]}),
        ["horizon", "holidays", "2024-01-02"],
    ),
    "holiday and make-up working day": (
        lambda d: d["horizon"].update({"holidays": ["2024-01-02"], "workdays": ["2024-01-02"]}),
        ["horizon", "workdays", "2024-01-02"],
    ),
    "bad holiday date": (
        lambda d: d["horizon"].update({"holidays": ["2024-02-30"]}),
        ["horizon.holidays.0", "'2024-02-30'"],
    ),
    "gate holiday table with unknown shift": (
        lambda d: d["sites"][0]["gates"][0].update({"holidays": {"X": 1}}),
        ["sites[0].gates[0].holidays", "'X'"],
    ),
    "latitude out of range": (
        lambda d: d["people"][0].update({"home": {"lat": 91, "lon": 0}}),
        ["people.0.home.lat", "91"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_problem_names_field_and_value(case: str) -> None:
    change, words = CASES[case]
    error = error_of(edited(change))
    message = str(error)
    for word in words:
        assert word in message, (word, message)
    assert error.details, message  # (field path, message) pairs
    # the same error from the constructor and from model_validate
    with pytest.raises(ProblemError):
        Problem(**edited(change))
    with pytest.raises(ProblemError):
        Problem.model_validate(edited(change))


def test_a_country_brings_its_holidays_and_make_up_working_days() -> None:
    """China, National Day 2026: 1-7 October off; Saturday 10 October worked in exchange."""
    data = edited(lambda d: d["horizon"].update({"start": "2026-09-28", "days": 14, "country": "cn"}))
    problem = problem_from_dict(data)
    assert problem.horizon.country == "CN"
    rest = [d.day for d in problem.dates if problem.is_weekend(d)]
    assert rest == [1, 2, 3, 4, 5, 6, 7, 11]  # Sun 4 an ordinary Sunday; Sat 10 worked
    assert problem.holiday_name(dt.date(2026, 10, 1)) == "National Day"
    assert problem.is_make_up_workday(dt.date(2026, 10, 10))
    # a date given by hand wins over the country's kind for it
    data["horizon"]["workdays"] = ["2026-10-07"]
    data["horizon"]["holidays"] = ["2026-10-10"]
    problem = problem_from_dict(data)
    assert not problem.is_weekend(dt.date(2026, 10, 7)) and problem.is_weekend(dt.date(2026, 10, 10))


def test_a_country_without_the_holidays_package_names_the_install(monkeypatch) -> None:
    import sys

    from dutyplan.problem.public_days import country_days

    country_days.cache_clear()
    monkeypatch.setitem(sys.modules, "holidays", None)
    error = error_of(edited(lambda d: d["horizon"].update({"country": "CN"})))
    assert "pip install 'dutyplan[holidays]'" in str(error) and "country" in str(error)
    country_days.cache_clear()


def test_several_errors_are_all_reported() -> None:
    def change(d: dict[str, Any]) -> None:
        d["shift_types"][0]["minutes"] = 0
        d["horizon"]["days"] = 0

    error = error_of(edited(change))
    assert "2 error(s)" in str(error)
    assert {loc for loc, _ in error.details} == {"shift_types.0.minutes", "horizon.days"}


@pytest.mark.parametrize("document", ["[]", "[1, 2]", '"text"', "42", "null"])
def test_non_object_json(document: str) -> None:
    with pytest.raises(ProblemError, match="problem.json: a problem is an object/table, got"):
        problem_from_text(document, "json", source="problem.json")


def test_malformed_json_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    text = '{"name": "x",\n  "horizon": {"start": "2024-01-01" "days": 3}}'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    message = str(info.value)
    assert str(path) in message and "malformed JSON" in message and "line 2" in message


def test_malformed_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[horizon\nstart = 2024-01-01\n', encoding="utf-8")
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(path) in str(info.value) and "malformed TOML" in str(info.value)


def test_invalid_values_in_a_json_file_name_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(edited(lambda d: d["shift_types"][0].update({"minutes": 1500}))))
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    assert str(path) in str(info.value)
    assert "shift_types.0.minutes" in str(info.value) and "1500" in str(info.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="not found"):
        load_problem(tmp_path / "nowhere.json")
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"name": "\xe9"}')
    with pytest.raises(ProblemError, match="cannot read"):
        load_problem(path)
    with pytest.raises(ProblemError, match="unknown problem format"):
        problem_from_text("{}", "yaml")  # type: ignore[arg-type]


def test_time_limit_and_workers_must_be_positive() -> None:
    problem = problem_from_dict(base())
    for limit in (0, -1.5, float("inf"), float("nan")):
        with pytest.raises(DutyplanError, match=rf"time_limit must be more than 0 and at most .*, got {limit}"):
            solve(problem, time_limit=limit, workers=1)
    with pytest.raises(DutyplanError, match="workers must be a whole number from 1 to 1024, got 0"):
        solve(problem, time_limit=1, workers=0)


def test_model_validate_json_raises_problem_error() -> None:
    text = json.dumps(edited(lambda d: d["shift_types"][0].update({"minutes": 0})))
    with pytest.raises(ProblemError):
        Problem.model_validate_json(text)


TOML = """
name = "toml problem"
weekend = ["sat", "sun"]

[horizon]
start = 2024-01-05          # a TOML date (a Friday)
days = 3

[[shift_types]]
id = "AM"
start = "08:00"             # a string time
minutes = 420

[[shift_types]]
id = "PM"
start = 15:00:00            # a TOML local time
minutes = 420

[[sites]]
id = "village"
name = "上庄村"

[[sites.gates]]
id = "south"
demand = { AM = 1, PM = 1 }

[sites.gates.weekdays]
sun = { AM = 1 }

[sites.gates.dates]
2024-01-06 = { PM = { need = 2, under_weight = 10 } }

[[people]]
id = "wang"
name = "王"
unavailable = [2024-01-05]

[[people]]
id = "li"
rules = { max_consecutive_days = 2 }

[[people]]
id = "zhao"
preferences = [{ kind = "shift", shift = "PM", want = false, weight = 3 }]

[rules]
min_rest_hours = 8
max_shifts_per_day = 1

[objective]
fairness_nights = 0
fairness_weekends = 0
fairness_minutes = 0
"""


def test_toml_problem_loads_and_solves(tmp_path: Path) -> None:
    path = tmp_path / "problem.toml"
    path.write_text(TOML, encoding="utf-8")
    problem = load_problem(path)
    assert problem.horizon.start == dt.date(2024, 1, 5)
    assert [s.start for s in problem.shift_types] == [dt.time(8), dt.time(15)]
    assert problem.sites[0].name == "上庄村"
    assert problem.people[0].unavailable[0].date == dt.date(2024, 1, 5)
    li_rules = problem.effective_rules(problem.people[1])
    assert li_rules.max_consecutive_days is not None
    assert li_rules.max_consecutive_days.value == 2
    # Fri: AM, PM; Sat (date table): PM x 2 only; Sun (weekday table): AM only
    assert problem.demand(0, 0, dt.date(2024, 1, 6), "PM").need == 2  # type: ignore[union-attr]
    assert problem.demand(0, 0, dt.date(2024, 1, 6), "AM") is None
    assert problem.demand(0, 0, dt.date(2024, 1, 7), "PM") is None
    # same problem when the format is forced or guessed from the content
    assert load_problem(path, fmt="toml") == problem
    other = tmp_path / "problem.txt"
    other.write_text(TOML, encoding="utf-8")
    assert load_problem(other) == problem

    plan = solve(problem, time_limit=3, workers=1, seed=0)
    assert plan.result.status == "optimal"
    assert_agrees(problem, plan)
    # 5 person-shifts needed, 3 people, one a date, wang away on Fri: all can be covered
    assert plan.uncovered == []
    assert not any(a.person == "wang" and a.date == dt.date(2024, 1, 5) for a in plan.assignments)
    # zhao dislikes PM: Fri AM (li takes PM), Sat PM x2 to wang and li: no cost
    assert plan.result.levels[2].name == "preferences" and plan.result.levels[2].value == 0
    assert not any(a.person == "zhao" and a.shift == "PM" for a in plan.assignments)
