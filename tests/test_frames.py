"""Frames in and out (dutyplan.frames): same validation as files, same figures as the plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

import dutyplan  # noqa: E402
from dutyplan.errors import DutyplanError, ProblemError  # noqa: E402
from dutyplan.frames import problem_from_frames  # noqa: E402

SHIFTS = [
    {"id": "AM", "start": "08:00", "minutes": 420},
    {"id": "PM", "start": "15:00", "minutes": 420},
]
HORIZON = {"start": "2020-02-28", "days": 4, "timezone": "Asia/Shanghai"}


def frames():
    people = pd.DataFrame({
        "id": ["wang", "li", "zhao"],
        "name": ["王建国", "李卫东", "赵敏"],
        "unit": ["agency", "agency", "township"],
        "roles": ["agency-cadre", "agency-cadre, health", ["township-cadre"]],
        "lat": [40.10, 40.12, None],
        "lon": [116.20, 116.25, None],
    })
    sites = pd.DataFrame({
        "id": ["shangzhuang", "lijiafen"],
        "name": ["上庄村", "李家坟村"],
        "lat": [40.11, 40.13],
        "lon": [116.21, 116.27],
    })
    gates = pd.DataFrame({
        "site": ["shangzhuang", "lijiafen"],
        "id": ["main", "main"],
        "name": ["主路卡口", None],
        "priority": [3, None],
        "AM": [1, 1],
        "PM": [1, None],
    })
    return people, sites, gates


def expected_document():
    return {
        "name": "frames",
        "horizon": HORIZON,
        "shift_types": SHIFTS,
        "sites": [
            {"id": "shangzhuang", "name": "上庄村", "location": {"lat": 40.11, "lon": 116.21},
             "gates": [{"id": "main", "name": "主路卡口", "priority": 3,
                        "demand": {"AM": 1, "PM": 1},
                        "weekdays": {"sun": {"AM": 2}}}]},
            {"id": "lijiafen", "name": "李家坟村", "location": {"lat": 40.13, "lon": 116.27},
             "gates": [{"id": "main", "demand": {"AM": 1},
                        "dates": {"2020-03-01": {"PM": {"need": 1, "under_weight": 50}}}}]},
        ],
        "people": [
            {"id": "wang", "name": "王建国", "unit": "agency", "roles": ["agency-cadre"],
             "home": {"lat": 40.10, "lon": 116.20}, "unavailable": [{"date": "2020-02-29"}]},
            {"id": "li", "name": "李卫东", "unit": "agency", "roles": ["agency-cadre", "health"],
             "home": {"lat": 40.12, "lon": 116.25},
             "unavailable": [{"date": "2020-03-01", "shift": "PM"}]},
            {"id": "zhao", "name": "赵敏", "unit": "township", "roles": ["township-cadre"]},
        ],
        "commute_km": [[4, 12], [10, 6], [30, 25]],
        "rules": {"min_rest_hours": 10},
    }


def build(**overrides):
    people, sites, gates = frames()
    arguments = dict(
        people=people,
        sites=sites,
        gates=gates,
        horizon=HORIZON,
        shift_types=SHIFTS,
        demand=pd.DataFrame({
            "site": ["shangzhuang", "lijiafen"],
            "gate": ["main", "main"],
            "shift": ["AM", "PM"],
            "need": [2, 1],
            "weekday": ["sun", None],
            "date": [None, dt.date(2020, 3, 1)],
            "under_weight": [None, 50],
        }),
        commute_km=pd.DataFrame(
            [[4, 12], [10, 6], [30, 25]], index=["wang", "li", "zhao"], columns=["shangzhuang", "lijiafen"]
        ),
        availability=pd.DataFrame({
            "person": ["wang", "li", "zhao"],
            "date": [pd.Timestamp("2020-02-29"), "2020-03-01", "2020-03-02"],
            "shift": [None, "PM", None],
            "available": [False, False, True],
        }),
        rules={"min_rest_hours": 10},
        name="frames",
    )
    arguments.update(overrides)
    return problem_from_frames(**arguments)


def test_problem_from_frames_equals_the_same_problem_as_a_document():
    problem = build()
    assert problem == dutyplan.Problem.model_validate(expected_document())


def test_a_demand_row_for_holidays_fills_the_gates_holiday_table():
    demand = pd.DataFrame({"site": ["shangzhuang"], "gate": ["main"], "shift": ["AM"],
                           "need": [3], "weekday": ["Holiday"]})
    problem = build(demand=demand, horizon={**HORIZON, "holidays": ["2020-03-01"]})
    gate = problem.site("shangzhuang").gates[0]
    assert gate.holidays is not None and gate.holidays["AM"].need == 3
    assert problem.demand(0, 0, dt.date(2020, 3, 1), "AM").need == 3
    assert problem.demand(0, 0, dt.date(2020, 2, 29), "AM").need != 3


def test_commute_as_a_long_frame_equals_the_matrix():
    long = pd.DataFrame({
        "person": ["wang", "wang", "li", "li", "zhao", "zhao"],
        "site": ["shangzhuang", "lijiafen"] * 3,
        "km": [4, 12, 10, 6, 30, 25],
    })
    assert build(commute_km=long) == build()


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda p, s, g: (p.drop(columns="id"), s, g), ["people frame", "missing column", "'id'"]),
        (lambda p, s, g: (p.assign(age=1), s, g), ["people frame", "unknown column", "'age'"]),
        (lambda p, s, g: (p, s, g.assign(priority=[0, 1])), ["sites.0.gates.0.priority", "(got 0)"]),
        (lambda p, s, g: (p, s, g.assign(site=["shangzhuang", "nowhere"])), ["gates frame, row 1", "'nowhere'"]),
        (lambda p, s, g: (p, s.assign(lat=[40.1, 200.0]), g), ["sites.1.location.lat", "200"]),
        (lambda p, s, g: (p.assign(lon=[116.2, None, None]), s, g), ["people frame, row 1", "'lat' and 'lon'"]),
        (lambda p, s, g: (p.assign(id=["wang", "wang", "zhao"]), s, g), ["duplicate", "'wang'"]),
    ],
)
def test_bad_frames_name_the_field_and_the_value(change, words):
    people, sites, gates = change(*frames())
    with pytest.raises(ProblemError) as error:
        problem_from_frames(people, sites, gates, horizon=HORIZON, shift_types=SHIFTS)
    for word in words:
        assert word in str(error.value)


def test_bad_commute_and_availability_frames():
    matrix = pd.DataFrame([[4, 12], [10, 6]], index=["wang", "li"], columns=["shangzhuang", "lijiafen"])
    with pytest.raises(ProblemError, match="'zhao' not in its index"):
        build(commute_km=matrix)
    long = pd.DataFrame({"person": ["wang"], "site": ["lijiafen"], "km": [3]})
    with pytest.raises(ProblemError, match="no km for person 'wang' and site 'shangzhuang'"):
        build(commute_km=long)
    away = pd.DataFrame({"person": ["nobody"], "date": ["2020-02-29"]})
    with pytest.raises(ProblemError, match="availability frame, row 0: person 'nobody'"):
        build(availability=away)
    with pytest.raises(ProblemError, match="expected a pandas DataFrame"):
        problem_from_frames([{"id": "a"}], *frames()[1:], horizon=HORIZON)


def test_missing_pandas_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pandas)
    plan = dutyplan.Plan(problem="x", result=dutyplan.Result(status="unknown"))
    with pytest.raises(DutyplanError, match=r"pip install 'dutyplan\[tables\]'"):
        plan.people_frame()


# --------------------------------------------------------------------------- frames out


@pytest.fixture(scope="module")
def solved():
    problem = dutyplan.load_example("shangzhuang")
    return problem, dutyplan.solve(problem, time_limit=4, workers=1, seed=0, deterministic=True)


def test_assignments_frame_has_one_row_per_assignment(solved):
    problem, plan = solved
    frame = plan.to_frame(problem)
    assert len(frame) == len(plan.assignments) > 0
    rows = set(zip(frame.person, frame.date.dt.date, frame["shift"], frame.site, frame.gate))
    assert rows == {(a.person, a.date, a.shift, a.site, a.gate) for a in plan.assignments}
    assert frame.hours.sum() == pytest.approx(sum(p.minutes for p in plan.people) / 60)
    names = {p.id: p.label for p in problem.people}
    assert all(frame.person_name == frame.person.map(names))
    assert str(frame.start.dtype) == "datetime64[ns, Asia/Shanghai]"
    first = min(plan.assignments, key=lambda a: a.start)
    assert frame.start.min().tz_localize(None).to_pydatetime() == first.start  # wall clock


def test_coverage_frame_matches_the_plan(solved):
    problem, plan = solved
    frame = plan.coverage_frame(problem)
    short = frame[frame.uncovered > 0]
    assert len(short) == len(plan.uncovered)
    assert set(zip(short.site, short.gate, short.date.dt.date, short["shift"], short.uncovered)) == {
        (u.site, u.gate, u.date, u.shift, u.missing) for u in plan.uncovered
    }
    assert frame.assigned.sum() == len(plan.assignments)
    by_gate = frame.groupby(["site", "gate"], observed=True).demand.sum().to_dict()
    assert by_gate == {(c.site, c.gate): c.need for c in plan.coverage}


def test_people_frame_matches_the_plan(solved):
    _, plan = solved
    frame = plan.people_frame().set_index("person")
    for summary in plan.people:
        row = frame.loc[summary.person]
        assert row.shifts == summary.shifts
        assert row.hours == pytest.approx(summary.minutes / 60)
        assert row.nights == summary.nights
        assert row.weekend_shifts == summary.weekend_shifts
        assert row.commute_km == pytest.approx(summary.commute_km)


def test_roster_frame_is_person_by_date_with_shift_codes(solved):
    problem, plan = solved
    site = problem.sites[0]
    roster = plan.roster_frame(problem, site.id)
    assert list(roster.columns.date) == problem.dates and roster.columns.name == "date"
    label = {p.id: p.label for p in problem.people}
    expected: dict[tuple[str, str], list[str]] = {}
    for a in plan.assignments:
        if a.site == site.id:
            code = f"{a.shift}/{a.gate}" if len(site.gates) > 1 else a.shift
            expected.setdefault((label[a.person], a.date), []).append(code)
    cells = {
        (person, day.date()): value for person, row in roster.iterrows() for day, value in row.items() if value
    }
    assert cells == {key: "+".join(codes) for key, codes in expected.items()}
    with pytest.raises(ProblemError, match="unknown site 'nowhere'"):
        plan.roster_frame(problem, "nowhere")


# the dtypes docs/frames.md promises, frame by frame
DTYPES = {
    "to_frame": {"person": "category", "date": "datetime64[ns]", "shift": "category",
                 "start": "datetime64[ns, Asia/Shanghai]", "end": "datetime64[ns, Asia/Shanghai]",
                 "hours": "float64", "site": "category", "gate": "category", "person_name": "str",
                 "unit": "category", "site_name": "str", "gate_name": "str"},
    "coverage_frame": {"site": "category", "site_name": "str", "gate": "category",
                       "gate_name": "str", "date": "datetime64[ns]", "shift": "category",
                       "start": "datetime64[ns, Asia/Shanghai]", "end": "datetime64[ns, Asia/Shanghai]",
                       "demand": "int64", "assigned": "int64", "uncovered": "int64"},
    "people_frame": {"person": "category", "name": "str", "unit": "category", "n_sites": "int64",
                     "shifts": "int64", "hours": "float64", "nights": "int64",
                     "weekend_shifts": "int64", "commute_km": "float64"},
    "person_sites_frame": {"person": "category", "site": "category", "shifts": "int64",
                           "hours": "float64"},
}


@pytest.mark.parametrize("name", list(DTYPES))
def test_frames_have_the_documented_dtypes(solved, name):
    problem, plan = solved
    frame = getattr(plan, name)(problem)
    # text is pandas 3's "str" (object before pandas 3)
    text = "str" if pd.__version__ >= "3" else "object"
    expected = {column: text if dtype == "str" else dtype for column, dtype in DTYPES[name].items()}
    assert {column: str(dtype) for column, dtype in frame.dtypes.items()} == expected
    documented = (Path(__file__).parents[1] / "docs" / "frames.md").read_text(encoding="utf-8")
    for column, dtype in DTYPES[name].items():
        assert f"| `{column}` | `{dtype}` |" in documented.split(f"## {name}")[1].split("\n## ")[0]
    for column in ("person", "site", "shift"):
        if column in frame:  # categories in the problem's order
            order = {"person": [p.id for p in problem.people], "site": [s.id for s in problem.sites],
                     "shift": [s.id for s in problem.shift_types]}[column]
            assert list(frame[column].cat.categories) == order


def test_without_a_time_zone_clock_times_are_naive(solved):
    problem, plan = solved
    floating = problem.model_copy(update={"horizon": problem.horizon.model_copy(update={"timezone": None})})
    frame = plan.to_frame(floating)
    assert str(frame.start.dtype) == "datetime64[ns]"
    assert list(frame.start.dt.to_pydatetime()) == [a.start for a in plan.assignments]


def test_person_sites_frame_is_one_row_per_person_and_site(solved):
    problem, plan = solved
    frame = plan.person_sites_frame(problem)
    expected: dict[tuple[str, str], int] = {}
    for a in plan.assignments:
        expected[(a.person, a.site)] = expected.get((a.person, a.site), 0) + 1
    assert dict(zip(zip(frame.person, frame.site), frame.shifts)) == expected
    assert len(frame) == len(expected)
    people = plan.people_frame(problem).set_index("person")
    assert (frame.groupby("person", observed=True).size() == people.n_sites[people.n_sites > 0]).all()
