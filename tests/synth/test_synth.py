"""The synthetic district generator."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict

import numpy as np
import pytest

from dutyplan import synth
from dutyplan.errors import ProblemError
from dutyplan.problem import Problem, haversine_km
from dutyplan.compile.capacity import site_demand_by_date as site_demand
from dutyplan.synth import (
    BEIJING,
    CENTRE,
    HIGH,
    LOW,
    capacity_report,
    city,
    generate,
    main,
    role_report,
)

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


# --------------------------------------------------------------------------- city()

ROLES = ("agency-cadre", "township-cadre", "health")


@pytest.fixture(scope="module")
def town() -> Problem:
    """300 communities in 2 districts, 10 people per site as in Beijing (74,000 / 7,120)."""
    return city(3000, 300, 14, seed=0)


@pytest.fixture(scope="module")
def town_roles() -> Problem:
    return city(1400, 100, 14, seed=0, roles=True)


def _districts(problem: Problem) -> dict[str, list[int]]:
    """Site indices by district, from the site names ("朝阳区第12社区（640户）")."""
    out: dict[str, list[int]] = defaultdict(list)
    for k, site in enumerate(problem.sites):
        out[site.name.split("第")[0]].append(k)
    return out


def test_city_deterministic_per_seed() -> None:
    a = city(400, 30, 7, seed=3).model_dump_json()
    assert city(400, 30, 7, seed=3).model_dump_json() == a
    assert city(400, 30, 7, seed=4).model_dump_json() != a
    assert city(400, 30, 7, seed=3, roles=True).model_dump_json() != a


def test_city_counts_and_shifts(town: Problem) -> None:
    assert len(town.people) == 3000 and len(town.sites) == 300
    assert town.sites[0].id == "s00001" and town.people[-1].id == "p03000"
    assert town.horizon.start == dt.date(2020, 2, 10) and town.horizon.days == 14
    shifts = {s.id: (s.start_minute, s.minutes) for s in town.shift_types}
    assert shifts == {
        "N": (0, 480), "D": (480, 480), "E": (960, 480), "A": (480, 420), "B": (900, 420)
    }
    assert town.commute_km is None and town.commute_minutes is None
    again = Problem.model_validate_json(town.model_dump_json(exclude_none=True))
    assert again == town


def test_city_gates(town: Problem) -> None:
    per_site = [len(s.gates) for s in town.sites]
    assert min(per_site) == 1 and max(per_site) == 4
    # bigger sites (households in the name) get more gates
    households = np.array([int(s.name.split("（")[1].rstrip("户）")) for s in town.sites])
    gates = np.array(per_site)
    assert households[gates >= 3].mean() > 2 * households[gates == 1].mean()
    around, daytime, peaks = 0, 0, 0
    for site in town.sites:
        for gi, gate in enumerate(site.gates):
            tables = [gate.demand, *gate.weekdays.values()]
            shifts = {frozenset(t) for t in tables}
            assert len(shifts) == 1  # a gate keeps its own shifts all week
            (own,) = shifts
            assert own in ({"N", "D", "E"}, {"A", "B"}, {"A"}), own
            around += own == {"N", "D", "E"}
            daytime += own == {"A", "B"}
            if gate.weekdays:  # a weekday morning peak: one more on D or A
                morning = "D" if "D" in own else "A"
                assert set(gate.weekdays) == {"sat", "sun"}
                assert gate.demand[morning].need == gate.weekdays["sat"][morning].need + 1
                peaks += 1
            assert gate.priority == (3 if gi == 0 else 2 if "N" in own else 1)
    assert around and daytime and peaks  # all three kinds in a city of 300 sites


def test_city_geography(town: Problem) -> None:
    centre = np.array([BEIJING])
    places = np.array([[s.location.lat, s.location.lon] for s in town.sites])
    assert haversine_km(centre, places).max() <= 50.0 + 0.1
    districts = _districts(town)
    assert len(districts) == 2 and all(name.endswith("区") for name in districts)
    for members in districts.values():
        middle = places[members].mean(axis=0, keepdims=True)
        # clustered: a few km around the district's middle, against a 50 km radius
        assert haversine_km(middle, places[members]).max() < 12.0
    homes = np.array([[p.home.lat, p.home.lon] for p in town.people])
    from_centre = haversine_km(centre, homes)[0]
    assert from_centre.max() <= 60.0 + 0.1
    assert 0.005 < (from_centre > 50.0).mean() < 0.05  # a few live far out
    # township cadres and health staff of a district reach every site of it (80 km round trip)
    names = list(districts)
    for person in town.people:
        if not person.unit.startswith("agency-"):
            members = districts[names[int(person.unit.split("-")[1]) - 1]]
            home = np.array([[person.home.lat, person.home.lon]])
            assert 2 * haversine_km(home, places[members]).max() <= 80.0


def test_city_people(town: Problem) -> None:
    units = Counter(p.unit for p in town.people)
    agencies = [n for unit, n in units.items() if unit.startswith("agency-")]
    assert len(agencies) >= 10 and all(5 <= n <= 200 for n in agencies)
    assert {u for u in units if not u.startswith("agency-")} == {
        "township-01", "township-02", "health-01", "health-02"
    }
    for person in town.people:
        expected = {"agency": "agency-cadre", "township": "township-cadre", "health": "health"}
        assert person.roles == [expected[person.unit.split("-")[0]]]
    roles = Counter(p.roles[0] for p in town.people)
    assert 0.5 < roles["agency-cadre"] / 3000 < 0.7

    def share(test) -> float:
        return sum(map(test, town.people)) / 3000

    assert 0.07 < share(lambda p: bool(p.unavailable)) < 0.13
    assert all(len(p.unavailable) <= 3 and all(u.shift is None for u in p.unavailable)
               for p in town.people)
    assert {len(p.unavailable) for p in town.people} == {0, 1, 2, 3}
    assert 0.12 < share(lambda p: any(k.kind == "shift" for k in p.preferences)) < 0.18
    assert 0.03 < share(lambda p: any(k.kind == "day_off" for k in p.preferences)) < 0.07
    assert all(k.kind != "site" for p in town.people for k in p.preferences)
    rules = town.rules
    assert rules.max_shifts_per_day.value == 1 and rules.min_rest_hours.value == 12
    assert rules.max_consecutive_days.value == 6 and rules.min_days_off_per_7.value == 1
    assert rules.max_consecutive_nights.value == 3
    assert rules.max_commute_km.value == 80 and rules.max_commute_km.hard
    assert rules.keep_one_site and rules.roles == []


@pytest.mark.parametrize(
    "people,sites,days,seed", [(3000, 300, 14, 1), (1040, 100, 10, 2), (400, 30, 7, 0)]
)
def test_city_demand_in_band(people: int, sites: int, days: int, seed: int) -> None:
    report = capacity_report(city(people, sites, days, seed=seed))
    assert report["capacity"] == people * 6 * days / 7
    assert LOW <= report["ratio"] <= HIGH
    assert report["demand"] <= 0.8 * report["capacity_available"]
    assert report["split_ok"]  # keep_one_site within the hard commute cap (exact check)
    assert report["site_people_total"] <= 0.85 * people


def test_city_roles(town_roles: Problem) -> None:
    problem = town_roles
    assert [(r.role, r.count, r.sites, r.weight) for r in problem.rules.roles] == [
        (role, 1, None, None) for role in ROLES
    ]
    for site in problem.sites:
        for day in problem.dates:
            for shift in ("N", "D", "E"):
                need = sum(
                    e.need for g in site.gates if (e := g.table_for(day).get(shift)) is not None
                )
                assert need >= 3, (site.id, day, shift)
    roles = role_report(problem)
    assert set(roles) == set(ROLES)
    for role in ROLES:
        assert roles[role]["demand"] == 3 * 100 * 14  # N, D and E at every site, every day
        assert roles[role]["ratio"] <= 0.85 + 1e-9
        assert roles[role]["capacity"] == sum(role in p.roles for p in problem.people) * 12
    # per district: its township cadres and health staff can do their 3 shifts a day there
    districts = _districts(problem)
    units = Counter(p.unit for p in problem.people)
    for d, members in enumerate(districts.values(), start=1):
        for office in ("township", "health"):
            assert 3 * len(members) * 14 <= 0.85 * units[f"{office}-{d:02d}"] * 12
    report = capacity_report(problem)
    assert report["ratio"] <= 0.85 and report["split_ok"]


def test_city_roles_need_enough_people() -> None:
    # 10.4 people per site (Beijing's 74,000 for 7,120) cannot staff three roles around the clock
    with pytest.raises(ProblemError, match=r"people: roles=True needs at least \d+ people"):
        city(1040, 100, 14, roles=True)
    problem = city(1300, 100, 10, seed=2, roles=True)
    assert max(entry["ratio"] for entry in role_report(problem).values()) <= 0.85 + 1e-9
    assert city(1040, 100, 14).rules.roles == []


@pytest.mark.parametrize(
    "args,name",
    [((0, 10), "people"), ((10, 0), "sites"), ((10, 10, 0), "days"), ((-5, 10), "people")],
)
def test_city_bad_arguments(args: tuple, name: str) -> None:
    with pytest.raises(ProblemError, match=rf"^{name} must be >= 1"):
        city(*args)
    with pytest.raises(ProblemError, match="radius_km"):
        city(10, 10, radius_km=0.0)


def test_city_tiny() -> None:
    problem = city(1, 1, 1)
    assert len(problem.people) == 1 and len(problem.sites) == 1
    assert len(problem.sites[0].gates) == 1
    small = city(200, 20, 7, radius_km=5.0)
    places = np.array([[s.location.lat, s.location.lon] for s in small.sites])
    assert haversine_km(np.array([BEIJING]), places).max() <= 5.0 + 0.01


def test_site_demand_matches_demand_entries() -> None:
    """The fast site_demand agrees with Problem.demand, cell by cell (dates, weekdays)."""
    data = city(120, 12, 9, seed=5).model_dump(mode="json", exclude_none=True)
    data["sites"][0]["gates"][0]["dates"] = {"2020-02-12": {"N": 4}, "2020-02-15": {}}
    with_dates = Problem.model_validate(data)
    assert with_dates.sites[0].gates[0].dates
    for problem in (with_dates, generate(60, 6, 12, 10, seed=2)):
        slow = np.zeros((len(problem.sites), problem.horizon.days), dtype=int)
        for si, site in enumerate(problem.sites):
            for gi in range(len(site.gates)):
                for di, day in enumerate(problem.dates):
                    for shift in problem.shift_types:
                        entry = problem.demand(si, gi, day, shift.id)
                        slow[si, di] += 0 if entry is None else entry.need
        assert (site_demand(problem) == slow).all()


def test_role_report_counts_the_fewest_covering_shifts() -> None:
    problem = Problem.model_validate(
        {
            "horizon": {"start": "2020-02-10", "days": 7},
            "shift_types": [
                {"id": sid, "start": f"{hour:02d}:00", "minutes": minutes}
                for sid, _, hour, minutes in synth.CITY_SHIFTS
            ],
            "sites": [
                {"id": "day", "gates": [{"id": "g", "demand": {"A": 1, "B": 1}}]},
                {"id": "both", "gates": [{"id": "g1", "demand": {"N": 1, "D": 1, "E": 1}},
                                         {"id": "g2", "demand": {"A": 2, "B": 1}}]},
                {"id": "weekdays", "gates": [{"id": "g", "demand": {"A": 1},
                                              "weekdays": {"sat": {}, "sun": {}}}]},
            ],
            "people": [{"id": "p1", "roles": ["health"]}, {"id": "p2", "roles": ["x"]}],
            "rules": {"roles": [{"role": "health", "count": 2}, {"role": "x", "sites": ["day"]}]},
        }
    )
    report = role_report(problem)
    assert report["health"]["demand"] == 2 * (2 * 7 + 3 * 7 + 5)
    assert report["health"]["capacity"] == 6
    assert report["x"] == {"demand": 14, "capacity": 6.0, "ratio": 14 / 6}
    assert role_report(generate(40, 5, 8, 7)) == {}


def test_capacity_report_skips_the_split_when_too_big(monkeypatch) -> None:
    problem = generate(40, 5, 8, 14, seed=3)
    full = capacity_report(problem)
    assert full["split_ok"] is True
    monkeypatch.setattr(synth.reports, "SPLIT_CELLS", 199)  # 40 x 5 = 200 cells
    skipped = capacity_report(problem)
    assert skipped["split_ok"] is None
    assert {k: v for k, v in skipped.items() if k != "split_ok"} == {
        k: v for k, v in full.items() if k != "split_ok"
    }
    assert capacity_report(problem, split=True)["split_ok"] is True
    monkeypatch.setattr(synth.reports, "SPLIT_CELLS", 10**9)
    assert capacity_report(problem, split=False)["split_ok"] is None


def test_city_cli(tmp_path, capsys) -> None:
    out = tmp_path / "city.json"
    args = ["city", "--people", "400", "--sites", "30", "--days", "7", "--seed", "2"]
    assert main([*args, "--out", str(out)]) == 0
    problem = Problem.model_validate_json(out.read_text(encoding="utf-8"))
    assert problem == city(400, 30, 7, seed=2)
    err = capsys.readouterr().err
    assert err.startswith("city-p400-s30-d7-seed2: demand ") and "ratio 0.7" in err
    assert "split ok" in err and "township-cadre" not in err

    out = tmp_path / "roles.json"
    assert main(["city", "--people", "500", "--sites", "30", "--days", "7", "--roles",
                 "--radius-km", "20", "--out", str(out)]) == 0
    problem = Problem.model_validate_json(out.read_text(encoding="utf-8"))
    assert problem == city(500, 30, 7, roles=True, radius_km=20.0)
    err = capsys.readouterr().err
    assert all(f"{role} 0." in err for role in ROLES)

    assert main(["city", "--people", "0", "--sites", "3"]) == 2
    assert "people must be >= 1" in capsys.readouterr().err


def test_old_cli_unchanged(tmp_path, capsys) -> None:
    out = tmp_path / "p.json"
    args = ["--people", "30", "--sites", "4", "--gates", "6", "--days", "7", "--seed", "1"]
    assert main([*args, "--out", str(out)]) == 0
    expected = generate(30, 4, 6, 7, seed=1).model_dump_json(indent=2, exclude_none=True) + "\n"
    assert out.read_text(encoding="utf-8") == expected
    err = capsys.readouterr().err
    assert err.startswith("synth-p30-s4-g6-d7-seed1: demand ") and err.endswith("split ok\n")
    assert main(args) == 0  # no --out: the JSON on stdout
    assert capsys.readouterr().out == expected
