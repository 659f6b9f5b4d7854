"""The synthetic district generator."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem, haversine_km
from dutyplan.synth import CENTRE, capacity_report, generate, main

MAX_RATIO = 0.80  # required person-shifts / (people x 6 shifts per 7 days)
SIZES = [(100, 10, 21, 28), (500, 50, 100, 28)]


def test_deterministic_per_seed() -> None:
    a = generate(40, 5, 8, 14, seed=3)
    b = generate(40, 5, 8, 14, seed=3)
    assert a.model_dump_json() == b.model_dump_json()
    assert generate(40, 5, 8, 14, seed=4).model_dump_json() != a.model_dump_json()


@pytest.mark.parametrize("people,sites,gates,days", SIZES)
def test_counts_and_validation(people: int, sites: int, gates: int, days: int) -> None:
    problem = generate(people, sites, gates, days, seed=1)
    assert len(problem.people) == people
    assert len(problem.sites) == sites
    assert sum(len(s.gates) for s in problem.sites) == gates
    assert all(len(s.gates) >= 1 for s in problem.sites)
    assert problem.horizon.days == days and problem.horizon.start == dt.date(2022, 4, 11)
    again = Problem.model_validate_json(problem.model_dump_json())
    assert again == problem
    assert len({p.id for p in problem.people}) == people


@pytest.mark.parametrize("people,sites,gates,days", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demand_fits_capacity(people: int, sites: int, gates: int, days: int, seed: int) -> None:
    report = capacity_report(generate(people, sites, gates, days, seed=seed))
    assert report["capacity"] == people * 6 * days / 7
    assert 0.6 <= report["ratio"] <= MAX_RATIO
    assert report["demand"] <= MAX_RATIO * report["capacity_available"]
    assert report["split_ok"]  # keep_one_site with the hard commute cap
    assert report["site_people_total"] <= 0.85 * people


def test_shape_of_the_district() -> None:
    problem = generate(500, 50, 100, 28, seed=0)
    assert problem.commute_km is None and problem.commute_minutes is None
    centre = np.array([CENTRE])
    places = np.array([[s.location.lat, s.location.lon] for s in problem.sites])
    assert haversine_km(centre, places).max() < 20  # sites within ~20-30 km across
    homes = np.array([[p.home.lat, p.home.lon] for p in problem.people])
    assert haversine_km(centre, homes).max() <= 40.01
    assert [s.id for s in problem.shift_types] == ["N", "D", "E"]
    # bigger sites get the extra gates
    gates = [len(s.gates) for s in problem.sites]
    assert max(gates) >= 2
    # kinds of gates: around the clock, by day only, morning peaks
    main_tables = [g.demand for s in problem.sites for g in s.gates]
    assert any("N" in t for t in main_tables)
    assert any("N" not in t and "D" in t and "E" in t for t in main_tables)
    assert any(t.get("D") and t["D"].need == 2 for t in main_tables)
    assert all(e.need in (1, 2) for t in main_tables for e in t.values())
    roles = {r for p in problem.people for r in p.roles}
    assert roles == {"agency-cadre", "township-cadre", "health"}
    assert len({p.unit for p in problem.people}) >= 4
    assert any(p.unavailable for p in problem.people)
    assert any(p.preferences for p in problem.people)
    rules = problem.rules
    assert rules.max_shifts_per_day.value == 1
    assert rules.min_rest_hours.value == 12
    assert rules.max_consecutive_days.value == 6
    assert rules.min_days_off_per_7.value == 1
    assert rules.max_consecutive_nights.value == 3
    assert rules.max_commute_km.value == 80 and rules.max_commute_km.hard
    assert rules.keep_one_site


def test_demand_scaled_down_when_people_are_few() -> None:
    report = capacity_report(generate(30, 5, 10, 14, seed=0))
    assert report["ratio"] <= MAX_RATIO


def test_bad_sizes() -> None:
    with pytest.raises(ProblemError, match="gates"):
        generate(10, 3, 2, 7)
    with pytest.raises(ProblemError):
        generate(0, 1, 1, 7)


def test_cli(tmp_path, capsys) -> None:
    out = tmp_path / "p.json"
    args = ["--people", "30", "--sites", "4", "--gates", "6", "--days", "7", "--seed", "1"]
    assert main([*args, "--out", str(out)]) == 0
    problem = Problem.model_validate_json(out.read_text(encoding="utf-8"))
    assert problem == generate(30, 4, 6, 7, seed=1)
    assert "ratio" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == problem.name
    assert main(["--sites", "3", "--gates", "2"]) == 2
