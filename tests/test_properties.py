"""Property tests: on random small problems the solver's plan passes the independent checker,
the checker's objective and levels equal the solver's, and on problems small enough to
enumerate, the solver's optimum equals the brute-force optimum scored by the checker."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dutyplan.checker import check
from dutyplan.plan import Assignment, Plan, Result
from dutyplan.problem import LEVELS, Problem
from dutyplan.solve import solve

from _helpers import assert_agrees

SETTINGS = dict(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHIFT_IDS = ("A", "B", "C")
ROLES = ("lead", "med")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# =========================================================================== strategies


def chance(draw: Any, p: float) -> bool:
    """True with probability ``p``; False in the simplest example (hypothesis shrinks to 0)."""
    return draw(st.floats(0, 1)) > 1 - p


@st.composite
def shift_types(draw: Any, max_shifts: int = 3) -> list[dict[str, Any]]:
    n = draw(st.integers(1, max_shifts))
    result = []
    for sid in SHIFT_IDS[:n]:
        hour = draw(st.sampled_from([0, 4, 6, 8, 12, 14, 16, 20, 22]))
        minute = draw(st.sampled_from([0, 0, 0, 30]))
        shift: dict[str, Any] = {
            "id": sid,
            "start": f"{hour:02d}:{minute:02d}",
            "minutes": draw(st.sampled_from([120, 240, 360, 480, 600, 720])),
        }
        night = draw(st.sampled_from([None, None, None, True, False]))
        if night is not None:
            shift["night"] = night
        result.append(shift)
    return result


@st.composite
def demand_value(draw: Any) -> Any:
    need = draw(st.integers(0, 2))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return need
    entry: dict[str, Any] = {"need": need}
    if draw(st.booleans()):
        entry["under_weight"] = draw(st.sampled_from([0, 1, 7, 100, 500]))
    if draw(st.booleans()):
        entry["over_weight"] = draw(st.sampled_from([0, 1, 5, 50]))
    return entry


@st.composite
def demand_table(draw: Any, shifts: list[str]) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(shifts), unique=True, max_size=len(shifts)))
    return {s: draw(demand_value()) for s in chosen}


@st.composite
def gate(draw: Any, gid: str, shifts: list[str], dates: list[dt.date]) -> dict[str, Any]:
    result: dict[str, Any] = {"id": gid, "demand": draw(demand_table(shifts))}
    if not result["demand"]:
        result["demand"] = {shifts[0]: 1}
    if chance(draw, 0.25):
        result["weekdays"] = {draw(st.sampled_from(WEEKDAYS)): draw(demand_table(shifts))}
    if chance(draw, 0.25):
        result["dates"] = {draw(st.sampled_from(dates)).isoformat(): draw(demand_table(shifts))}
    if chance(draw, 0.2):
        result["holidays"] = draw(demand_table(shifts))
    if chance(draw, 0.3):
        result["priority"] = draw(st.integers(1, 3))
    if chance(draw, 0.2):
        result["over_cover_weight"] = draw(st.sampled_from([0, 3, 20]))
    if chance(draw, 0.2):
        result["role"] = draw(st.sampled_from(ROLES))
    return result


@st.composite
def busy_gate(draw: Any, shifts: list[str], dates: list[dt.date]) -> dict[str, Any]:
    """A gate open for every shift type (mostly needing people), for the enumerated problems."""
    demand: dict[str, Any] = {}
    for sid in shifts:
        entry: dict[str, Any] = {"need": draw(st.sampled_from([1, 1, 2, 0]))}
        if chance(draw, 0.4):
            entry["under_weight"] = draw(st.sampled_from([0, 1, 7, 100, 500]))
        if chance(draw, 0.4) or entry["need"] == 0:
            entry["over_weight"] = draw(st.sampled_from([0, 1, 5, 50]))
        demand[sid] = entry
    result: dict[str, Any] = {"id": "G1", "demand": demand}
    if chance(draw, 0.15):
        result["dates"] = {draw(st.sampled_from(dates)).isoformat(): draw(demand_table(shifts))}
    if chance(draw, 0.15):
        result["weekdays"] = {draw(st.sampled_from(WEEKDAYS)): draw(demand_table(shifts))}
    if chance(draw, 0.1):
        result["role"] = draw(st.sampled_from(ROLES))
    return result


def limit(draw: Any, values: Any, p_soft: float = 0.6) -> Any:
    value = draw(values)
    if not chance(draw, 1 - p_soft):
        return {"value": value, "weight": draw(st.sampled_from([1, 2, 5, 30]))}
    return value


PERSON_RULES = (
    "max_shifts_per_day",
    "min_rest_hours",
    "forbidden_successions",
    "min_consecutive_days",
    "max_consecutive_days",
    "min_consecutive_days_off",
    "min_days_off_per_7",
    "max_hours_per_7",
    "min_minutes",
    "max_minutes",
    "max_shifts",
    "max_consecutive_nights",
    "max_weekends",
    "max_commute_km",
    "max_day_minutes",
    "keep_one_site",
)


def rule_value(draw: Any, name: str, shifts: list[str]) -> Any:
    """A random value of a per-person rule (None switches it off)."""
    if name == "max_shifts_per_day":
        return draw(st.sampled_from([None, 1, 2, {"value": 1, "weight": 50}]))
    if name == "min_rest_hours":
        return limit(draw, st.integers(0, 12))
    if name == "forbidden_successions":
        n = draw(st.integers(0, 2))
        result = []
        for _ in range(n):
            item: dict[str, Any] = {
                "first": draw(st.sampled_from(shifts)),
                "then": draw(st.sampled_from(shifts)),
            }
            if draw(st.booleans()):
                item["weight"] = draw(st.sampled_from([1, 10]))
            result.append(item)
        return result
    if name == "min_consecutive_days":
        return limit(draw, st.integers(1, 3))
    if name == "max_consecutive_days":
        return limit(draw, st.sampled_from([4, 2, 1]))
    if name == "min_consecutive_days_off":
        return limit(draw, st.integers(1, 3))
    if name == "min_days_off_per_7":
        return limit(draw, st.integers(0, 3))
    if name == "max_hours_per_7":
        return limit(draw, st.sampled_from([50, 30, 10]))
    if name == "min_minutes":
        return limit(draw, st.sampled_from([0, 240, 480, 1000]), p_soft=0.8)
    if name == "max_minutes":
        return limit(draw, st.sampled_from([2000, 900, 480, 0]))
    if name == "max_shifts":
        return {draw(st.sampled_from(shifts)): limit(draw, st.sampled_from([3, 1, 0]))}
    if name == "max_consecutive_nights":
        return limit(draw, st.sampled_from([3, 1, 2]))
    if name == "max_weekends":
        return limit(draw, st.sampled_from([2, 1, 0]))
    if name == "max_commute_km":
        return limit(draw, st.sampled_from([30, 12, 3, 0]))
    if name == "max_day_minutes":
        return limit(draw, st.sampled_from([800, 540, 500, 480, 300]))
    if name == "keep_one_site":
        return draw(st.booleans())
    raise AssertionError(name)


@st.composite
def rules(draw: Any, shifts: list[str], sites: list[str], p_rule: float = 0.3) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in PERSON_RULES:
        if chance(draw, p_rule):
            value = rule_value(draw, name, shifts)
            if value is not None or name in ("max_shifts_per_day",):
                result[name] = value
    if chance(draw, p_rule):
        result["unit_sites_weight"] = draw(st.sampled_from([1, 10, 100]))
    if chance(draw, p_rule):
        roles = []
        for _ in range(draw(st.integers(1, 2))):
            req: dict[str, Any] = {"role": draw(st.sampled_from(ROLES))}
            if draw(st.booleans()):
                req["count"] = draw(st.integers(1, 2))
            if draw(st.booleans()):
                req["sites"] = draw(st.lists(st.sampled_from(sites), min_size=1, unique=True))
            if not chance(draw, 0.3):
                req["weight"] = draw(st.sampled_from([1, 2]))
            roles.append(req)
        result["roles"] = roles
    return result


@st.composite
def preference(
    draw: Any, shifts: list[str], sites: list[str], dates: list[dt.date]
) -> dict[str, Any]:
    kind = draw(st.sampled_from(["site", "shift", "day_off"]))
    pref: dict[str, Any] = {"kind": kind, "want": draw(st.booleans())}
    if draw(st.booleans()):
        pref["weight"] = draw(st.integers(1, 20))
    if kind == "site":
        pref["site"] = draw(st.sampled_from(sites))
    if kind == "shift":
        pref["shift"] = draw(st.sampled_from(shifts))
    if kind == "day_off" or draw(st.booleans()):
        pref["date"] = draw(st.sampled_from(dates)).isoformat()
    return pref


@st.composite
def person(
    draw: Any, pid: str, shifts: list[str], sites: list[str], dates: list[dt.date]
) -> dict[str, Any]:
    result: dict[str, Any] = {"id": pid}
    roles = draw(st.lists(st.sampled_from(ROLES), unique=True, max_size=2))
    if roles:
        result["roles"] = roles
    unit = draw(st.sampled_from([None, None, "u1", "u2"]))
    if unit is not None:
        result["unit"] = unit
    unavailable = []
    for _ in range(draw(st.integers(0, 2))):
        date = draw(st.sampled_from(dates)).isoformat()
        if draw(st.booleans()):
            unavailable.append(date)
        else:
            unavailable.append({"date": date, "shift": draw(st.sampled_from(shifts))})
    if unavailable:
        result["unavailable"] = unavailable
    prefs = draw(st.lists(preference(shifts, sites, dates), max_size=2))
    if prefs:
        result["preferences"] = prefs
    if chance(draw, 0.25):
        name = draw(st.sampled_from(PERSON_RULES))
        result["rules"] = {name: rule_value(draw, name, shifts)}
    if chance(draw, 0.3):  # shifts worked before the horizon, up to 8 days back
        back = draw(st.integers(1, 8))
        worked = draw(st.lists(st.tuples(st.integers(1, back), st.sampled_from(shifts)), max_size=4))
        result["history"] = [
            {"date": (dates[0] - dt.timedelta(days=d)).isoformat(), "shift": s} for d, s in worked
        ]
        if draw(st.booleans()):
            result["history_from"] = (dates[0] - dt.timedelta(days=back)).isoformat()
    return result


@st.composite
def objective(draw: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "fairness_nights": draw(st.sampled_from([0, 1, 480])),
        "fairness_weekends": draw(st.sampled_from([0, 1, 480])),
        "fairness_minutes": draw(st.sampled_from([0, 1, 3])),
        "fairness_shift_squares": draw(st.sampled_from([0, 0, 1, 50])),
    }
    mode = draw(st.sampled_from(["lexicographic", "weighted", None]))
    if mode is not None:
        result["mode"] = mode
    if draw(st.booleans()):
        levels = draw(st.lists(st.sampled_from(LEVELS), unique=True, max_size=5))
        result["weights"] = {lv: draw(st.sampled_from([0, 1, 2, 3, 10])) for lv in levels}
    return result


def km_matrix(draw: Any, n_people: int, n_sites: int) -> list[list[float]]:
    cell = st.sampled_from([0, 0.5, 1.4, 2.5, 3, 7.5, 12, 25.5, 40])
    return [[draw(cell) for _ in range(n_sites)] for _ in range(n_people)]


@st.composite
def problems(draw: Any) -> Problem:
    start = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))
    n_days = draw(st.integers(2, 8))
    dates = [start + dt.timedelta(days=d) for d in range(n_days)]
    shifts = draw(shift_types())
    shift_ids = [s["id"] for s in shifts]
    n_sites = draw(st.integers(1, 2))
    site_ids = [f"S{k + 1}" for k in range(n_sites)]
    n_gates = draw(st.integers(n_sites, 3))
    per_site = [1] * n_sites
    for _ in range(n_gates - n_sites):
        per_site[draw(st.integers(0, n_sites - 1))] += 1
    sites = [
        {
            "id": sid,
            "gates": [draw(gate(f"G{g + 1}", shift_ids, dates)) for g in range(per_site[k])],
        }
        for k, sid in enumerate(site_ids)
    ]
    n_people = draw(st.integers(2, 5))
    people = [draw(person(f"p{i}", shift_ids, site_ids, dates)) for i in range(n_people)]
    data: dict[str, Any] = {
        "name": "random",
        "horizon": {"start": start.isoformat(), "days": n_days},
        "shift_types": shifts,
        "sites": sites,
        "people": people,
        "rules": draw(rules(shift_ids, site_ids)),
        "objective": draw(objective()),
    }
    if chance(draw, 0.8):
        data["commute_km"] = km_matrix(draw, n_people, n_sites)
    if chance(draw, 0.3):
        data["commute_minutes"] = [
            [draw(st.sampled_from([0, 10.5, 30, 75])) for _ in range(n_sites)]
            for _ in range(n_people)
        ]
    if chance(draw, 0.2):
        data["weekend"] = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=3))
    if chance(draw, 0.25):  # public holidays and make-up working days
        kinds = draw(st.lists(st.sampled_from([None, None, "holidays", "workdays"]),
                              min_size=n_days, max_size=n_days))
        for kind in ("holidays", "workdays"):
            data["horizon"][kind] = [d.isoformat() for d, k in zip(dates, kinds) if k == kind]
    return Problem.model_validate(data)


# =========================================================================== solver vs checker


def empty_plan(problem: Problem) -> Plan:
    return Plan.build(problem, [], Result(status="feasible"))


def assert_solver_consistent(problem: Problem, time_limit: float = 10.0) -> Plan:
    plan = solve(problem, time_limit=time_limit, workers=1, seed=0)
    result = plan.result
    event(f"status {result.status}")
    assert result.status in ("optimal", "feasible", "infeasible"), result
    if result.status == "infeasible":
        # the empty plan is a candidate, so it must break some hard rule
        assert plan.assignments == []
        assert not check(problem, empty_plan(problem)).ok
        return plan
    assert_agrees(problem, plan)
    active = [lv for lv in LEVELS if problem.objective.weight(lv) > 0 and lv != "changes"]  # only in re-plans
    assert [lv.name for lv in result.levels] == active
    assert result.objective == sum(lv.weight * lv.value for lv in result.levels)
    assert result.best_bound is not None and result.best_bound <= result.objective
    if result.status == "optimal":
        assert result.best_bound == result.objective
        assert result.gap == 0
        for lv in result.levels:
            assert lv.optimal
            if lv.bound is not None:
                assert lv.bound == lv.value
    else:
        for lv in result.levels:
            if lv.bound is not None:
                assert lv.bound <= lv.value
    return plan


@settings(max_examples=40, **SETTINGS)
@given(problems())
def test_solver_plans_pass_the_checker(problem: Problem) -> None:
    assert_solver_consistent(problem)


# =========================================================================== brute force


LAYOUTS = {
    # name: gates per site, most shift types
    "one gate": ([1], 2),
    "two gates": ([2], 1),  # may form one gate class (identical demand) or two
    "two sites": ([1, 1], 1),
}


@st.composite
def tiny_problems(draw: Any, mode: str, layout: str = "one gate") -> Problem:
    """2 people, 2-3 days, few posts (see LAYOUTS), at most one shift a person a date."""
    gates_per_site, max_shifts = LAYOUTS[layout]
    start = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))
    n_days = draw(st.integers(2, 3))
    dates = [start + dt.timedelta(days=d) for d in range(n_days)]
    shifts = draw(shift_types(max_shifts=max_shifts))
    shift_ids = [s["id"] for s in shifts]
    site_ids = [f"S{k + 1}" for k in range(len(gates_per_site))]
    sites = []
    for sid, n_gates in zip(site_ids, gates_per_site):
        gates = [draw(busy_gate(shift_ids, dates)) for _ in range(n_gates)]
        if n_gates == 2 and draw(st.booleans()):
            gates[1] = dict(gates[0])  # identical gates: one gate class of size 2
        for g, item in enumerate(gates):
            item["id"] = f"G{g + 1}"
        sites.append({"id": sid, "gates": gates})
    people = [draw(person(f"p{i}", shift_ids, site_ids, dates)) for i in range(2)]
    for p in people:  # enumeration needs at most one shift per person and date
        if "max_shifts_per_day" in p.get("rules", {}):
            del p["rules"]
    the_rules = draw(rules(shift_ids, site_ids, p_rule=0.35))
    the_rules.pop("max_shifts_per_day", None)
    if len(site_ids) > 1 and draw(st.booleans()):
        people[1]["unit"] = people[0]["unit"] = "u1"
    obj = draw(objective())
    obj["mode"] = mode
    if mode == "weighted":
        levels = draw(st.lists(st.sampled_from(LEVELS), unique=True, max_size=5))
        obj["weights"] = {lv: draw(st.sampled_from([0, 1, 2, 5])) for lv in levels}
    data = {
        "name": "tiny",
        "horizon": {"start": start.isoformat(), "days": n_days},
        "shift_types": shifts,
        "sites": sites,
        "people": people,
        "rules": the_rules,
        "objective": obj,
        "commute_km": km_matrix(draw, 2, len(site_ids)),
    }
    if draw(st.booleans()):
        data["commute_minutes"] = [
            [draw(st.sampled_from([0, 20, 61])) for _ in site_ids] for _ in range(2)
        ]
    return Problem.model_validate(data)


def brute_force(problem: Problem) -> tuple[Any, int]:
    """Best key over every assignment (each person, each date: off or one post, i.e. one
    shift type at one gate), scored by the checker: the weighted objective, or the tuple of
    active levels in order. Returns (best key or None when nothing is feasible, number of
    feasible plans)."""
    lexicographic = problem.objective.effective_mode == "lexicographic"
    active = [lv for lv in LEVELS if problem.objective.weight(lv) > 0 and lv != "changes"]  # only in re-plans
    by_day: list[list[Assignment | None]] = []
    for date in problem.dates:
        row: list[Assignment | None] = [None]
        for site in problem.sites:
            for gate_ in site.gates:
                for shift in problem.shift_types:
                    begin = dt.datetime.combine(date, shift.start)
                    row.append(
                        Assignment(
                            person="?",
                            date=date,
                            shift=shift.id,
                            start=begin,
                            end=begin + dt.timedelta(minutes=shift.minutes),
                            site=site.id,
                            gate=gate_.id,
                        )
                    )
        by_day.append(row)
    per_person = []
    for p in problem.people:
        rows = [
            [None if a is None else a.model_copy(update={"person": p.id}) for a in row]
            for row in by_day
        ]
        combos = itertools.product(*rows)
        per_person.append([[a for a in combo if a is not None] for combo in combos])
    result = Result(status="feasible")
    best = None
    feasible = 0
    for combo in itertools.product(*per_person):
        assignments = [a for part in combo for a in part]
        report = check(problem, Plan(problem=problem.name, assignments=assignments, result=result))
        if not report.ok:
            continue
        feasible += 1
        key: Any = (
            tuple(report.levels[lv] for lv in active) if lexicographic else report.objective
        )
        if best is None or key < best:
            best = key
    return best, feasible


def assert_matches_brute_force(problem: Problem) -> None:
    best, feasible = brute_force(problem)
    bucket = "0" if feasible == 0 else "1" if feasible == 1 else "2-9" if feasible < 10 else "10+"
    event(f"feasible plans: {bucket}")
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    if best is None:
        assert plan.result.status == "infeasible", plan.result
        return
    assert plan.result.status == "optimal", plan.result
    assert_agrees(problem, plan)
    if problem.objective.effective_mode == "lexicographic":
        assert tuple(lv.value for lv in plan.result.levels) == best
    else:
        assert plan.result.objective == best


@settings(max_examples=25, **SETTINGS)
@given(tiny_problems("weighted"))
def test_weighted_optimum_equals_brute_force(problem: Problem) -> None:
    assert_matches_brute_force(problem)


@settings(max_examples=25, **SETTINGS)
@given(tiny_problems("lexicographic"))
def test_lexicographic_optimum_equals_brute_force(problem: Problem) -> None:
    assert_matches_brute_force(problem)


@settings(max_examples=15, **SETTINGS)
@given(st.sampled_from(["two gates", "two sites"]).flatmap(
    lambda layout: tiny_problems("weighted", layout)
))
def test_weighted_optimum_equals_brute_force_with_two_posts(problem: Problem) -> None:
    assert_matches_brute_force(problem)


@settings(max_examples=15, **SETTINGS)
@given(st.sampled_from(["two gates", "two sites"]).flatmap(
    lambda layout: tiny_problems("lexicographic", layout)
))
def test_lexicographic_optimum_equals_brute_force_with_two_posts(problem: Problem) -> None:
    assert_matches_brute_force(problem)


# =========================================================================== monotonicity

#: What switches each per-person rule off. Hard ``max_commute_km`` and ``max_day_minutes``
#: are left out: they decide who has an admissible duty at all, so dropping one can add a
#: person to the fairness ranges (docs/rules.md, the fairness level), which is no loosening.
RULES_OFF: dict[str, Any] = {
    "max_shifts_per_day": None,
    "min_rest_hours": None,
    "forbidden_successions": [],
    "min_consecutive_days": None,
    "max_consecutive_days": None,
    "min_consecutive_days_off": None,
    "min_days_off_per_7": None,
    "max_hours_per_7": None,
    "min_minutes": None,
    "max_minutes": None,
    "max_shifts": {},
    "max_consecutive_nights": None,
    "max_weekends": None,
    "keep_one_site": False,
    "unit_sites_weight": None,
    "roles": [],
}


def without_rule(problem: Problem, name: str) -> Problem:
    """The same problem with rule ``name`` switched off, for everybody."""
    data = problem.model_dump(mode="json", exclude_unset=True)
    data.setdefault("rules", {})[name] = RULES_OFF[name]
    for item in data["people"]:
        item.get("rules", {}).pop(name, None)
    return Problem.model_validate(data)


def optimum_key(problem: Problem) -> Any:
    """The proven optimum of a tiny problem as the tuple of its levels (lexicographic) or
    the weighted objective; None when it has no plan."""
    plan = solve(problem, time_limit=10, workers=1, seed=0)
    if plan.result.status == "infeasible":
        return None
    assert plan.result.status == "optimal", plan.result
    assert_agrees(problem, plan)
    if problem.objective.effective_mode == "lexicographic":
        return tuple(level.value for level in plan.result.levels)
    return plan.result.objective


@settings(max_examples=60, **SETTINGS)
@given(
    st.sampled_from(["lexicographic", "weighted"]).flatmap(
        lambda mode: st.sampled_from(list(LAYOUTS)).flatmap(lambda layout: tiny_problems(mode, layout))
    ),
    st.data(),
)
def test_a_looser_rule_never_worsens_the_proven_optimum(problem: Problem, data: Any) -> None:
    """Switching a rule off only adds plans, so the proven optimum never gets worse: what a
    what-if sweep that loosens a rule relies on."""
    present = [
        name for name in RULES_OFF
        if name in problem.rules.model_fields_set
        or any(p.rules is not None and name in p.rules.model_fields_set for p in problem.people)
    ]
    name = data.draw(st.sampled_from(present or list(RULES_OFF)), label="rule switched off")
    event(f"rule set: {bool(present)}")
    before = optimum_key(problem)
    after = optimum_key(without_rule(problem, name))
    if before is None:
        return
    assert after is not None, f"switching {name} off made a feasible problem infeasible"
    assert after <= before, (name, before, after)
