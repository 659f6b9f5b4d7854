"""The bundled examples: they load, and they say what the news reports say."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from dutyplan.errors import ProblemError
from dutyplan.examples import EXAMPLES, example_path, load_example
from dutyplan.problem import Problem, haversine_km
from dutyplan.synth import capacity_report

MAX_RATIO = 0.80  # required person-shifts / (people x 6 shifts per 7 days)


def _person(problem: Problem, person_id: str) -> int:
    return [p.id for p in problem.people].index(person_id)


def _site(problem: Problem, site_id: str) -> int:
    return [s.id for s in problem.sites].index(site_id)


def test_names() -> None:
    assert EXAMPLES == ("shangzhuang", "yuncheng", "yanji")


@pytest.mark.parametrize("name", EXAMPLES)
def test_files_validate_as_json(name: str) -> None:
    path = example_path(name)
    assert path.name == f"{name}.json" and path.is_file()
    problem = Problem.model_validate_json(path.read_text(encoding="utf-8"))
    assert problem.name == name
    assert load_example(name) == problem


@pytest.mark.parametrize("name", EXAMPLES)
def test_ids_are_ascii_and_names_chinese(name: str) -> None:
    problem = load_example(name)
    ids = [s.id for s in problem.sites] + [p.id for p in problem.people]
    ids += [g.id for s in problem.sites for g in s.gates]
    assert all(i.isascii() for i in ids)
    for item in [*problem.sites, *problem.people]:
        assert item.name and not item.name.isascii()


@pytest.mark.parametrize("name", EXAMPLES)
def test_chinese_survives_json_round_trip(name: str) -> None:
    problem = load_example(name)
    # exclude_unset: a person's rule overrides must stay the fields that were given
    again = Problem.model_validate_json(problem.model_dump_json(exclude_unset=True))
    assert again == problem
    assert all(again.effective_rules(p) == problem.effective_rules(p) for p in problem.people)
    assert [p.name for p in again.people] == [p.name for p in problem.people]
    text = json.dumps(problem.model_dump(mode="json", exclude_unset=True), ensure_ascii=False)
    assert "上庄村" in text or "禹都花园小区" in text or "建设社区" in text
    assert Problem.model_validate(json.loads(text)) == problem


@pytest.mark.parametrize("name", EXAMPLES)
def test_demand_fits_capacity(name: str) -> None:
    report = capacity_report(load_example(name))
    assert report["ratio"] <= MAX_RATIO
    assert report["split_ok"]  # keep_one_site: every site can get the people it needs
    assert report["site_people_total"] < report["people"]


def test_full_dump_round_trip_with_person_rules() -> None:
    problem = load_example("yuncheng")  # lu_yan has rules {max_consecutive_days: 5}
    again = Problem.model_validate_json(problem.model_dump_json())
    assert all(again.effective_rules(p) == problem.effective_rules(p) for p in problem.people)


def test_unknown_example() -> None:
    with pytest.raises(ProblemError, match="shangzhuang, yuncheng, yanji"):
        load_example("wuhan")
    with pytest.raises(ProblemError, match="known"):
        example_path("wuhan")


# --------------------------------------------------------------------------- Shangzhuang


def test_shangzhuang_counts() -> None:
    problem = load_example("shangzhuang")
    assert len(problem.people) == 20
    assert [s.id for s in problem.sites] == ["dongxiaoying", "lijiafen", "shangzhuang", "zaojiatun"]
    assert [s.name for s in problem.sites] == ["东小营村", "李家坟村", "上庄村", "皂甲屯村"]
    assert problem.horizon.start == dt.date(2020, 2, 28) and problem.horizon.days == 14
    assert len({p.unit for p in problem.people}) == 1  # one company group


def test_shangzhuang_shifts_cover_0800_2200() -> None:
    problem = load_example("shangzhuang")
    shifts = {s.id: (s.start, s.minutes) for s in problem.shift_types}
    assert shifts == {"AM": (dt.time(8), 420), "PM": (dt.time(15), 420)}
    assert not any(s.is_night for s in problem.shift_types)
    for si, site in enumerate(problem.sites):
        for gi in range(len(site.gates)):
            for day in problem.dates:  # every day, Monday to Sunday
                assert problem.demand(si, gi, day, "AM") is not None


def test_shangzhuang_village_has_most_gates() -> None:
    problem = load_example("shangzhuang")
    gates = {s.id: len(s.gates) for s in problem.sites}
    assert gates["shangzhuang"] == 3
    assert all(n < gates["shangzhuang"] for k, n in gates.items() if k != "shangzhuang")
    site = problem.site("shangzhuang")
    main = max(site.gates, key=lambda g: g.priority)
    assert main.id == "main" and main.demand["AM"].need == 2


def test_shangzhuang_long_commutes() -> None:
    problem = load_example("shangzhuang")
    km = problem.commute_km_matrix()
    fangshan, wangsiying = _person(problem, "wang_jianguo"), _person(problem, "li_weidong")
    assert km[fangshan, _site(problem, "lijiafen")] == 130
    assert km[wangsiying, _site(problem, "zaojiatun")] == 110
    assert problem.people[fangshan].home.lat < 39.75  # Fangshan, south-west of the city
    assert problem.people[wangsiying].home.lon > 116.48  # outside the East 4th Ring
    # the whole matrix is road km: about 1.35 x the straight round trip from the coordinates
    homes = np.array([[p.home.lat, p.home.lon] for p in problem.people])
    places = np.array([[s.location.lat, s.location.lon] for s in problem.sites])
    straight = 2 * haversine_km(homes, places)
    far = straight > 10
    assert np.all((km[far] / straight[far] > 1.25) & (km[far] / straight[far] < 1.45))
    # the hard cap lets the Fangshan cadre drive to any village
    assert problem.rules.max_commute_km.hard and problem.rules.max_commute_km.value == 140
    assert km.max() <= 140
    assert problem.commute_minutes_matrix().shape == (20, 4)


def test_shangzhuang_rules_and_preferences() -> None:
    problem = load_example("shangzhuang")
    rules = problem.rules
    assert rules.max_shifts_per_day.value == 1 and rules.max_shifts_per_day.hard
    assert rules.max_consecutive_days.value == 6 and rules.max_consecutive_days.hard
    assert rules.min_days_off_per_7.value == 1
    assert rules.min_rest_hours.value == 10
    assert rules.keep_one_site
    kinds = {pref.kind for p in problem.people for pref in p.preferences}
    assert kinds == {"site", "shift", "day_off"}


def test_shangzhuang_arithmetic() -> None:
    report = capacity_report(load_example("shangzhuang"))
    # 7 gates: AM 1+1 +1 +2+1+1 +1 = 8, PM 1 +1 +1+1 +1 = 5 -> 13 a day, 182 in 14 days;
    # 20 people x 12 shifts (6 in each 7 days) = 240
    assert report["demand"] == 182 and report["capacity"] == 240
    assert report["site_people"] == [4, 3, 7, 3]


# --------------------------------------------------------------------------- Yuncheng


def test_yuncheng_counts_and_shifts() -> None:
    problem = load_example("yuncheng")
    assert 30 <= len(problem.people) <= 45
    assert 5 <= len(problem.sites) <= 8
    assert problem.horizon.start == dt.date(2022, 4, 11) and problem.horizon.days == 14
    shifts = [(s.id, s.start, s.minutes) for s in problem.shift_types]
    assert shifts == [("N", dt.time(0), 480), ("D", dt.time(8), 480), ("E", dt.time(16), 480)]
    assert problem.commute_km is None  # commute from coordinates
    for site in problem.sites:
        assert abs(site.location.lat - 35.03) < 0.1 and abs(site.location.lon - 111.0) < 0.1
    units = {p.unit for p in problem.people}
    assert len(units) >= 4
    assert problem.rules.unit_sites_weight is not None
    assert problem.rules.roles and problem.rules.roles[0].role == "party-member"
    assert problem.rules.min_rest_hours.value >= 8
    assert problem.rules.max_consecutive_nights.value == 3


def test_yuncheng_around_the_clock() -> None:
    problem = load_example("yuncheng")
    for si, site in enumerate(problem.sites):
        for day in problem.dates:
            for shift in ("N", "D", "E"):
                assert problem.demand(si, 0, day, shift).need >= 1  # main gates never close


def test_yuncheng_school_peaks() -> None:
    problem = load_example("yuncheng")
    school = _site(problem, "shiyan")
    monday, saturday = dt.date(2022, 4, 11), dt.date(2022, 4, 16)
    needs = {s: problem.demand(school, 0, monday, s).need for s in ("N", "D", "E")}
    assert needs == {"N": 1, "D": 2, "E": 2}
    assert problem.demand(school, 0, saturday, "D").need == 1


def test_yuncheng_retiring_cadre_wants_farthest_post() -> None:
    problem = load_example("yuncheng")
    cadre = _person(problem, "zhang_dehou")
    (pref,) = problem.people[cadre].preferences
    farthest = int(np.argmax(problem.commute_km_matrix()[cadre]))
    assert pref.kind == "site" and pref.want and pref.site == problem.sites[farthest].id


def test_yuncheng_arithmetic() -> None:
    report = capacity_report(load_example("yuncheng"))
    # weekdays 25 (7 gates x 3 + school peaks 2 + day-only side gate 2), weekends 23;
    # 10 x 25 + 4 x 23 = 342 against 40 x 12 = 480
    assert report["demand"] == 342 and report["capacity"] == 480


def test_yanji_caseloads_are_proven_optimal_and_checked() -> None:
    from dutyplan.checker import check
    from dutyplan.solve import solve

    problem = load_example("yanji")
    assert (len(problem.people), len(problem.households), sum(h.people for h in problem.households)) == (14, 25, 43)
    arrivals = sorted({h.arrival for h in problem.households})
    assert (arrivals[-1] - arrivals[0]).days <= 10
    plan = solve(problem, time_limit=60, workers=2, seed=0, progress=False)
    assert plan.result.status == "optimal"
    report = check(problem, plan)
    assert report.ok and report.objective == plan.result.objective
    assert not plan.unwatched and len(plan.caseloads) == 25
    # the households asking for a health worker or for Korean get one
    people = {p.id: p for p in problem.people}
    for household in problem.households:
        person = people[plan.answers[household.id]]
        assert household.role is None or household.role in person.roles
        assert household.language is None or household.language in person.languages
