"""The checker and the plan's figures without people x sites tables.

Problems with more than ``DENSE_CELLS`` people x sites (a city: 74,000 people and 7,120 sites
would need 4.2 GB per float table) work out the commute of the (person, site) pairs they need
and look for fairness eligibility site window by site window. These tests force that large
path on small problems and compare it with the dense path (and with the former
implementations, kept here as references) on many random problems and plans: the reports
must be identical.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import gate, problems, rules

from dutyplan.checker import fairness
from dutyplan.checker.context import DENSE_CELLS
from dutyplan.checker import CheckContext, PlanChecker, check, check_people
from dutyplan.plan import Assignment, PersonSummary, Plan, Result
from dutyplan.errors import ProblemError
from dutyplan.problem import MAX_LIMIT, Limit, Problem
from dutyplan.synth import generate
from dutyplan.uncovered import explain_uncovered

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
ROLES = ("lead", "med")


# =========================================================================== references


def reference_eligible(problem: Problem) -> list[int]:
    """Fairness eligibility as the checker worked it out with people x sites tables."""
    round_km = np.floor(problem.commute_km_matrix() + 0.5).astype(np.int64)
    commute_min = np.floor(problem.commute_minutes_matrix() + 0.5).astype(np.int64)
    shifts = {s.id: s for s in problem.shift_types}
    open_days: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for s, site in enumerate(problem.sites):
        for g in range(len(site.gates)):
            for d, day in enumerate(problem.dates):
                for shift in problem.shift_types:
                    if problem.demand(s, g, day, shift.id) is not None:
                        open_days[(s, g, shift.id)].append(d)
    result: list[int] = []
    for p, person in enumerate(problem.people):
        rules = problem.effective_rules(person)
        max_km = rules.max_commute_km
        if max_km is not None and not max_km.hard:
            max_km = None
        max_day = rules.max_day_minutes
        if max_day is not None and not max_day.hard:
            max_day = None
        off_days = {problem.day_index(u.date) for u in person.unavailable if u.shift is None}
        off_shifts = {(problem.day_index(u.date), u.shift) for u in person.unavailable if u.shift}
        for (s, g, shift_id), days in open_days.items():
            gate_ = problem.sites[s].gates[g]
            if gate_.role is not None and gate_.role not in person.roles:
                continue
            if max_km is not None and int(round_km[p, s]) > max_km.value:
                continue
            minutes = shifts[shift_id].minutes + int(commute_min[p, s])
            if max_day is not None and minutes > max_day.value:
                continue
            if any(d not in off_days and (d, shift_id) not in off_shifts for d in days):
                result.append(p)
                break
    return result


def reference_summaries(problem: Problem, assignments: list[Assignment]) -> list[PersonSummary]:
    """Per-person figures as the plan worked them out with the people x sites km table."""
    km = problem.commute_km_matrix()
    site_index = {s.id: i for i, s in enumerate(problem.sites)}
    shift = {s.id: s for s in problem.shift_types}
    rows = {p.id: PersonSummary(person=p.id, name=p.label, unit=p.unit) for p in problem.people}
    person_index = {p.id: i for i, p in enumerate(problem.people)}
    for a in assignments:
        row = rows[a.person]
        st_ = shift[a.shift]
        row.shifts += 1
        row.minutes += st_.minutes
        row.nights += int(st_.is_night)
        row.weekend_shifts += int(problem.is_weekend(a.date))
        row.commute_km += float(km[person_index[a.person], site_index[a.site]])
        if a.site not in row.sites:
            row.sites.append(a.site)
    for row in rows.values():
        row.commute_km = round(row.commute_km, 1)
    return list(rows.values())


def eligible(problem: Problem, dense: bool) -> list[int]:
    return fairness.eligible_people(PlanChecker(problem, [], CheckContext(problem, dense=dense)))


class tiny_batches:
    """Windows of one site, batches of a few pairs, groups of a few people: every round,
    batch and group boundary of the large path gets used on small problems."""

    def __enter__(self) -> None:
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(fairness, "FIRST_SITES", 1)
        self.patch.setattr(fairness, "PAIRS_PER_BATCH", 5)
        self.patch.setattr(fairness, "PEOPLE_PER_GROUP", 3)

    def __exit__(self, *exc: object) -> None:
        self.patch.undo()


# =========================================================================== strategies


def random_assignments(problem: Problem, rng: random.Random, n: int) -> list[Assignment]:
    """Duties with known ids and the right clock times (rules may break)."""
    result = []
    for _ in range(n):
        site = rng.choice(problem.sites)
        shift = rng.choice(problem.shift_types)
        date = rng.choice(problem.dates)
        start = dt.datetime.combine(date, shift.start)
        result.append(
            Assignment(
                person=rng.choice(problem.people).id,
                date=date,
                shift=shift.id,
                start=start,
                end=start + dt.timedelta(minutes=shift.minutes),
                site=site.id,
                gate=rng.choice(site.gates).id,
            )
        )
    return result


@st.composite
def shift_list(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 3))
    return [
        {
            "id": "ABC"[k],
            "start": f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 30])):02d}",
            "minutes": draw(st.sampled_from([60, 240, 480, 600, 720])),
        }
        for k in range(n)
    ]


def cap(draw: Any, values: Any) -> Any:
    value = draw(values)
    return value if draw(st.integers(0, 3)) else {"value": value, "weight": 2}


@st.composite
def located_problems(draw: Any) -> Problem:
    """Homes and sites with coordinates (near a pole, across the date line, all over a city
    or a continent), hard and soft commute caps, gate roles, closed gates and dates, people
    off for some or every date."""
    start = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))
    n_days = draw(st.integers(1, 9))
    dates = [start + dt.timedelta(days=d) for d in range(n_days)]
    shifts = draw(shift_list())
    shift_ids = [s["id"] for s in shifts]
    centre_lat = draw(st.sampled_from([0.0, 35.03, -33.9, 62.0, 89.5, -89.9]))
    centre_lon = draw(st.sampled_from([0.0, 111.0, 179.9, -179.95]))
    spread = draw(st.sampled_from([0.005, 0.05, 0.3, 3.0, 40.0]))
    meridian = draw(st.integers(0, 2)) == 0  # north-south distances only: the tightest band

    def place() -> dict[str, float]:
        lat = centre_lat + draw(st.floats(-spread, spread, allow_nan=False))
        lon = centre_lon
        if not meridian:
            lon += draw(st.floats(-spread, spread, allow_nan=False))
        lat = min(90.0, max(-90.0, lat))
        lon = ((lon + 180.0) % 360.0) - 180.0
        return {"lat": round(lat, 5), "lon": round(lon, 5)}

    n_sites = draw(st.integers(1, 9))
    sites = []
    for k in range(n_sites):
        n_gates = draw(st.integers(1, 3))
        sites.append(
            {
                "id": f"S{k}",
                "location": place(),
                "gates": [draw(gate(f"G{g}", shift_ids, dates)) for g in range(n_gates)],
            }
        )
    site_ids = [s["id"] for s in sites]
    km_values = st.sampled_from([0, 1, 2, 3, 5, 10, 20, 40, 80, 300, 3000, 20000])
    day_values = st.integers(0, 900)
    people = []
    for i in range(draw(st.integers(1, 25))):
        person: dict[str, Any] = {"id": f"p{i}", "home": place()}
        roles = draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=2))
        if roles:
            person["roles"] = roles
        off = draw(st.sampled_from([0, 0, 0, 1, 2, n_days]))
        unavailable: list[Any] = []
        for day in draw(st.permutations(dates))[:off]:
            if draw(st.integers(0, 2)):
                unavailable.append(day.isoformat())
            else:
                shift = draw(st.sampled_from(shift_ids))
                unavailable.append({"date": day.isoformat(), "shift": shift})
        if unavailable:
            person["unavailable"] = unavailable
        own: dict[str, Any] = {}
        if draw(st.integers(0, 3)) == 0:
            own["max_commute_km"] = None if draw(st.booleans()) else cap(draw, km_values)
        if draw(st.integers(0, 3)) == 0:
            own["max_day_minutes"] = None if draw(st.booleans()) else cap(draw, day_values)
        if own:
            person["rules"] = own
        people.append(person)
    team_rules = draw(rules(shift_ids, site_ids))
    team_rules["max_commute_km"] = None if draw(st.integers(0, 3)) == 0 else cap(draw, km_values)
    team_rules["max_day_minutes"] = None if draw(st.booleans()) else cap(draw, day_values)
    data: dict[str, Any] = {
        "name": "located",
        "horizon": {"start": start.isoformat(), "days": n_days},
        "shift_types": shifts,
        "sites": sites,
        "people": people,
        "rules": team_rules,
        "commute_speed_kmh": draw(st.sampled_from([5.0, 30.0, 55.5])),
        "objective": {"fairness_nights": 3, "fairness_weekends": 2, "fairness_minutes": 1},
    }
    if draw(st.integers(0, 4)) == 0:
        data["commute_minutes"] = [
            [draw(st.sampled_from([0, 10.5, 30, 75, 400])) for _ in sites] for _ in people
        ]
    if draw(st.booleans()):  # hard caps right at some pair's commute: edge cases
        trial = Problem.model_validate(data)
        km, minutes = trial.commute_km_matrix(), trial.commute_minutes_matrix()
        shortest = min(s["minutes"] for s in shifts)

        def pair() -> tuple[int, int]:
            return draw(st.integers(0, len(people) - 1)), draw(st.integers(0, n_sites - 1))

        def at_km() -> int:
            return max(0, int(np.floor(km[pair()] + 0.5)) + draw(st.integers(-1, 1)))

        def at_minutes() -> int:
            rounded = int(np.floor(minutes[pair()] + 0.5))
            return max(0, shortest + rounded + draw(st.integers(-1, 1)))

        data["rules"]["max_commute_km"] = at_km() if draw(st.booleans()) else None
        data["rules"]["max_day_minutes"] = at_minutes() if draw(st.booleans()) else None
        for person in people:
            if draw(st.integers(0, 2)) == 0:
                own = person.setdefault("rules", {})
                own["max_commute_km" if draw(st.booleans()) else "max_day_minutes"] = (
                    at_km() if draw(st.booleans()) else at_minutes()
                )
    return Problem.model_validate(data)


# =========================================================================== eligibility


@settings(max_examples=150, **SETTINGS)
@given(located_problems())
def test_eligibility_without_tables_equals_the_reference_on_located_problems(
    problem: Problem,
) -> None:
    expected = reference_eligible(problem)
    assert eligible(problem, dense=True) == expected
    assert eligible(problem, dense=False) == expected
    with tiny_batches():
        assert eligible(problem, dense=False) == expected
        assert eligible(problem, dense=True) == expected


@settings(max_examples=150, **SETTINGS)
@given(problems())
def test_eligibility_without_tables_equals_the_reference_on_random_problems(
    problem: Problem,
) -> None:
    """Commute tables given (or nothing known), roles, unavailability, rules per person."""
    expected = reference_eligible(problem)
    assert eligible(problem, dense=True) == expected
    with tiny_batches():
        assert eligible(problem, dense=False) == expected


@pytest.mark.parametrize("lat", [0.0, 47.5, -71.0])
@pytest.mark.parametrize("cap", [0, 1, 2, 7, 25, 80, 400])
def test_latitude_band_keeps_every_site_within_reach(lat: float, cap: int) -> None:
    """People due north and south of a site (the distance is all latitude), their round trips
    sweeping past a hard cap in km and in minutes: the band must keep every site in reach."""
    radius = 6371.0088
    gates = [{"id": "G", "demand": {"D": 1}}]
    sites = [
        {"id": "S", "location": {"lat": lat, "lon": 20.0}, "gates": gates},
        {"id": "far", "location": {"lat": lat + 5, "lon": 20.0}, "gates": gates},
    ]
    for limits, speed in (
        ({"max_commute_km": cap}, 30.0),
        ({"max_day_minutes": 480 + cap}, 60.0),
        ({"max_day_minutes": 480 + cap}, 7.5),
    ):
        scale = 1.0 if "max_commute_km" in limits else speed / 60  # km per unit of the cap
        people = []
        for sign in (1, -1):
            for k, step in enumerate(np.linspace(-1.6, 1.6, 81)):
                degrees = np.degrees(max(0.0, (cap + step) * scale) / 2 / radius)
                home = {"lat": lat + sign * degrees, "lon": 20.0}
                people.append({"id": f"p{sign}{k}", "home": home})
        problem = Problem.model_validate({
            "horizon": {"start": "2024-01-01", "days": 1},
            "shift_types": [{"id": "D", "start": "08:00", "minutes": 480}],
            "sites": sites, "people": people, "rules": limits, "commute_speed_kmh": speed,
        })
        expected = reference_eligible(problem)
        assert 0 < len(expected) < len(people)
        assert eligible(problem, dense=False) == expected
        with pytest.MonkeyPatch.context() as patch:  # every person a group of their own
            patch.setattr(fairness, "PEOPLE_PER_GROUP", 1)
            patch.setattr(fairness, "FIRST_SITES", 1)
            assert eligible(problem, dense=False) == expected


def test_eligibility_with_huge_caps() -> None:
    """The largest caps a problem may hold exclude nothing; larger ones are refused, naming
    the field (beyond int64 they would overflow)."""
    home = {"lat": 35.0, "lon": 111.0}
    people = [
        {"id": "a", "home": home, "rules": {"max_commute_km": MAX_LIMIT}},
        {"id": "b", "home": home, "rules": {"max_day_minutes": MAX_LIMIT}},
        {"id": "c", "home": home, "rules": {"max_commute_km": 100}},
        {"id": "d", "home": home},
    ]
    data = {
        "horizon": {"start": "2024-01-01", "days": 2},
        "sites": [{"id": "S", "location": {"lat": 35.5, "lon": 111.0},
                   "gates": [{"id": "G", "demand": {"D": 1}}]}],
        "people": people,
        "rules": {"max_commute_km": MAX_LIMIT, "max_day_minutes": MAX_LIMIT},
    }
    problem = Problem.model_validate(data)
    assert reference_eligible(problem) == [0, 1, 3]
    assert eligible(problem, dense=True) == eligible(problem, dense=False) == [0, 1, 3]
    people[0]["rules"]["max_commute_km"] = 10**30
    data["rules"]["max_day_minutes"] = 2**63
    with pytest.raises(ProblemError) as error:
        Problem.model_validate(data)
    assert "people.0.rules.max_commute_km.value" in str(error.value)
    assert "rules.max_day_minutes.value" in str(error.value)


# =========================================================================== whole reports


def assert_same_reports(problem: Problem, plan: Plan) -> None:
    dense = check(problem, plan, context=CheckContext(problem, dense=True))
    assert check(problem, plan) == dense
    with tiny_batches():
        large = check(problem, plan, context=CheckContext(problem, dense=False))
    assert large.model_dump() == dense.model_dump()
    if problem.commute_km is None:  # the pairs agree with the matrix to the last bit
        assert plan.people == reference_summaries(problem, plan.assignments)


@settings(max_examples=60, **SETTINGS)
@given(located_problems(), st.integers(0, 2**32 - 1))
def test_check_without_tables_equals_the_dense_check_on_located_problems(
    problem: Problem, seed: int
) -> None:
    rng = random.Random(seed)
    assignments = random_assignments(problem, rng, rng.randrange(0, 40))
    plan = Plan.build(problem, assignments, Result(status="feasible"))
    assert plan.people == reference_summaries(problem, plan.assignments)
    assert_same_reports(problem, plan)


@settings(max_examples=60, **SETTINGS)
@given(problems(), st.integers(0, 2**32 - 1))
def test_check_without_tables_equals_the_dense_check_on_random_problems(
    problem: Problem, seed: int
) -> None:
    rng = random.Random(seed)
    assignments = random_assignments(problem, rng, rng.randrange(0, 30))
    plan = Plan.build(problem, assignments, Result(status="feasible"))
    assert plan.people == reference_summaries(problem, plan.assignments)
    dense = check(problem, plan, context=CheckContext(problem, dense=True))
    with tiny_batches():
        large = check(problem, plan, context=CheckContext(problem, dense=False))
    assert large.model_dump() == dense.model_dump()


def greedy_assignments(problem: Problem, rng: random.Random) -> list[Assignment]:
    """A quick plausible plan: people spread over the sites, one shift a day each, the open
    gate-shifts filled in order (rules may break)."""
    members: list[list[int]] = [[] for _ in problem.sites]
    for p in range(len(problem.people)):
        members[rng.randrange(len(problem.sites))].append(p)
    result = []
    for s, site in enumerate(problem.sites):
        pool = members[s]
        for d, day in enumerate(problem.dates):
            free = [p for p in pool if rng.random() < 0.85]
            for shift in problem.shift_types:
                for g, gate_ in enumerate(site.gates):
                    entry = problem.demand(s, g, day, shift.id)
                    for _ in range(0 if entry is None else entry.need):
                        if not free:
                            break
                        p = free.pop()
                        start = dt.datetime.combine(day, shift.start)
                        result.append(
                            Assignment(
                                person=problem.people[p].id,
                                date=day,
                                shift=shift.id,
                                start=start,
                                end=start + dt.timedelta(minutes=shift.minutes),
                                site=site.id,
                                gate=gate_.id,
                            )
                        )
    return result


@pytest.mark.parametrize("seed", range(6))
def test_check_without_tables_equals_the_dense_check_on_synthetic_districts(seed: int) -> None:
    problem = generate(60 + 20 * seed, 5 + seed, 8 + 2 * seed, 7 + seed, seed=seed)
    rng = random.Random(seed)
    plan = Plan.build(problem, greedy_assignments(problem, rng), Result(status="feasible"))
    assert_same_reports(problem, plan)
    # a tight hard cap: some people have no admissible duty left
    tight = problem.model_copy(deep=True)
    tight.rules.max_commute_km = Limit(value=6 + seed)
    assert eligible(tight, dense=False) == reference_eligible(tight)
    assert_same_reports(tight, plan)


@pytest.mark.parametrize("seed", range(2))
def test_solved_plans_check_the_same_without_tables(seed: int) -> None:
    from dutyplan.solve import solve

    problem = generate(24, 3, 5, 7, seed=seed)
    plan = solve(problem, time_limit=5, workers=1, seed=0)
    assert plan.assignments
    assert plan.people == reference_summaries(problem, plan.assignments)
    assert_same_reports(problem, plan)
    dense = check(problem, plan, context=CheckContext(problem, dense=True))
    assert dense.objective_matches in (True, None)


def test_check_people_and_uncovered_without_tables() -> None:
    problem = generate(30, 3, 6, 7, seed=3)
    rng = random.Random(3)
    assignments = [a for a in greedy_assignments(problem, rng) if rng.random() < 0.8]
    plan = Plan.build(problem, assignments, Result(status="feasible"))
    assert plan.uncovered
    dense, large = CheckContext(problem, dense=True), CheckContext(problem, dense=False)
    assert not isinstance(large.round_km, np.ndarray)
    people = [p.id for p in problem.people[:10]]
    mine = [a for a in assignments if a.person in people]
    assert check_people(problem, mine, people, large, plan) == check_people(
        problem, mine, people, dense, plan
    )
    assert explain_uncovered(problem, plan, limit=3, context=large) == explain_uncovered(
        problem, plan, limit=3, context=dense
    )
    # the lookups the explanations use
    for p in range(0, len(problem.people), 7):
        for s in range(len(problem.sites)):
            assert large.round_km[p, s] == dense.round_km[p, s]
            assert large.commute_min[p, s] == dense.commute_min[p, s]
    rows, cols = np.arange(len(problem.people))[:, None], np.arange(len(problem.sites))[None, :]
    assert np.array_equal(large.round_km[rows, cols], dense.round_km)
    assert np.array_equal(large.commute_min[rows, cols], dense.commute_min)


# =========================================================================== scale


def test_big_problem_is_checked_without_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above DENSE_CELLS: no people x sites table is built, and it takes little time."""
    problem = generate(6000, 400, 1000, 7, seed=1)
    assert len(problem.people) * len(problem.sites) > DENSE_CELLS
    assignments = greedy_assignments(problem, random.Random(1))
    assert len(assignments) > 15_000

    def no_table(self: Problem) -> np.ndarray:
        raise AssertionError("a people x sites table was built")

    with monkeypatch.context() as patch:
        for name in ("commute_km_matrix", "commute_minutes_matrix", "commute_cost_km"):
            patch.setattr(Problem, name, no_table)
        began = time.perf_counter()
        context = CheckContext(problem)
        assert not context.dense
        raw = Plan(problem=problem.name, assignments=assignments, result=Result(status="feasible"))
        report = check(problem, raw, context=context)
        plan = Plan.build(problem, assignments, Result(status="feasible"))
        elapsed = time.perf_counter() - began
    assert elapsed < 60, elapsed
    assert report.levels["commute"] > 0 and report.levels["fairness"] > 0
    assert len(plan.people) == len(problem.people)
    # and the same as with the tables
    dense = check(problem, raw, context=CheckContext(problem, dense=True))
    assert report.model_dump() == dense.model_dump()
    assert plan.people == reference_summaries(problem, plan.assignments)
