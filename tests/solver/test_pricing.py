"""The pricing program (dutyplan.solver.pricing): on small random people it finds the same
cheapest roster as the person's CP-SAT model, its rosters keep every rule it claims (the
independent checker says so, at the cost it claims), and where it relaxes a rule its value
is still a lower bound."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from _helpers import curtois_instance
from test_properties import SETTINGS, busy_gate, chance, km_matrix, person, rules, shift_types

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.checker import check
from dutyplan.compile import build_index, person_problem
from dutyplan.plan import Plan, Result
from dutyplan.problem import Problem
from dutyplan.solver.columns import DUAL_SCALE, ROSTER_LEVELS, PersonPricer, Roster, roster_bound
from dutyplan.solver.pricing import DynamicPricer


@st.composite
def one_person(draw: Any) -> Problem:
    """One person over 1-10 days (weekends, runs and totals can bind), 1-2 sites of 1-2
    gates, up to 3 shift types, rules drawn often."""
    start = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 6)))
    dates = [start + dt.timedelta(days=d) for d in range(draw(st.integers(1, 10)))]
    shifts = draw(shift_types(max_shifts=3))
    shift_ids = [s["id"] for s in shifts]
    n_sites = draw(st.integers(1, 2))
    site_ids = [f"S{k + 1}" for k in range(n_sites)]
    sites = []
    for sid in site_ids:
        gates = [draw(busy_gate(shift_ids, dates)) for _ in range(draw(st.integers(1, 2)))]
        for g, item in enumerate(gates):
            item["id"] = f"G{g + 1}"
        sites.append({"id": sid, "gates": gates})
    who = draw(person("p0", shift_ids, site_ids, dates))
    if chance(draw, 0.8):
        who.pop("history", None)
        who.pop("history_from", None)
    the_rules = draw(rules(shift_ids, site_ids, p_rule=0.5))
    if chance(draw, 0.7):  # the default: one shift a date at most (else CP-SAT alone)
        the_rules.pop("max_shifts_per_day", None)
        who.get("rules", {}).pop("max_shifts_per_day", None)
    data = {
        "name": "one",
        "horizon": {"start": start.isoformat(), "days": len(dates)},
        "shift_types": shifts,
        "sites": sites,
        "people": [who],
        "rules": the_rules,
        "objective": {"mode": "weighted"},
        "commute_km": km_matrix(draw, 1, n_sites),
    }
    if draw(st.booleans()):
        data["commute_minutes"] = [[draw(st.sampled_from([0, 20, 61])) for _ in site_ids]]
    return Problem.model_validate(data)


def value_of(levels: np.ndarray, cells: np.ndarray, coefs: np.ndarray, duals: np.ndarray) -> float:
    return float(coefs @ levels) / DUAL_SCALE - float(duals[cells].sum())


@settings(max_examples=400, **SETTINGS)
@given(one_person(), st.integers(0, 2**32 - 1), st.sampled_from([None, None, 30]),
       st.lists(st.sampled_from([0, 1, 3]), min_size=3, max_size=3))
def test_the_program_and_cp_sat_agree_on_the_cheapest_roster(
    problem: Problem, seed: int, most: int | None, weights: list[int]
) -> None:
    whole = build_index(problem)
    class_of = {(c.site, tuple(c.gates)): k for k, c in enumerate(whole.classes)}
    level_weights = dict(zip(ROSTER_LEVELS, weights))
    cp = PersonPricer(problem, 0, whole, level_weights, class_of, use_program=False)
    program = DynamicPricer(whole, 0, most_states=most)
    if not program.usable:
        rules = whole.rules[0]
        person = problem.people[0]
        assert person.history or person.history_from or rules.max_shifts_per_day is None \
            or not rules.max_shifts_per_day.hard or rules.max_shifts_per_day.value > 1
        return
    rng = np.random.default_rng(seed)
    duals = np.round(rng.uniform(-20, 60, whole.n_classes * whole.n_days * whole.n_shifts), 2)
    coefs = np.array(weights, dtype=np.int64) * DUAL_SCALE
    found, value = program.price(np.round(duals * DUAL_SCALE), coefs, most=3)
    rosters, low, _ = cp.price(duals, coefs, Budget(30), 30, 0)
    if low == math.inf:  # the person has no roster at all
        assert value == math.inf and not found or not program.exact
        return
    assert rosters, "CP-SAT found no roster in 30 s"
    best = value_of(rosters[-1].levels, rosters[-1].cells, coefs, duals)
    assert low == pytest.approx(best, abs=1e-6), "CP-SAT did not prove its roster optimal"
    if program.exact:
        assert value / DUAL_SCALE == pytest.approx(best, abs=1e-6), program.relaxed
    else:
        assert value / DUAL_SCALE <= best + 1e-6, program.relaxed
        if found and found[0].keeps:  # its best roster keeps the relaxed rules: it is the best
            assert value / DUAL_SCALE == pytest.approx(best, abs=1e-6), program.relaxed
    assert found and found[0].value == value
    alone = person_problem(problem, 0)
    for priced in found:
        assert value_of(priced.levels, priced.cells, coefs, duals) == pytest.approx(priced.value / DUAL_SCALE)
        if not priced.keeps:
            continue
        x = np.isin(cp.cells, priced.cells).astype(np.int64)
        assert int(x.sum()) == len(priced.cells)
        roster = Roster(0, priced.cells, 0, priced.levels, x)
        plan = Plan(problem=alone.name, assignments=cp.assignments(roster), result=Result(status="feasible"))
        report = check(alone, plan)
        assert report.ok, report.summary()
        assert [report.levels[lv] for lv in ROSTER_LEVELS] == priced.levels.tolist()


def test_the_program_carries_the_curtois_rules_exactly() -> None:
    """Every nurse of Instance5 (two shift types, totals, runs, weekends, per-type maxima)
    is priced by the program alone, and the bound is the published optimum's."""
    problem = curtois_instance(5)
    whole = build_index(problem)
    programs = [DynamicPricer(whole, p) for p in range(len(problem.people))]
    assert all(program.exact for program in programs), [program.relaxed for program in programs]
    result = roster_bound(problem, time_limit=30, workers=2)
    assert result.converged and result.bound == 1141  # the CP-SAT pricing's bound, optimum 1,143


def test_a_relaxed_rule_leaves_the_person_to_cp_sat(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for few states the program relaxes totals and counters, and CP-SAT settles
    those people: the bound is still the optimum."""
    monkeypatch.setattr(timing, "SPLITS", dataclasses.replace(timing.SPLITS, pricing_states=100))
    problem = curtois_instance(2)
    whole = build_index(problem)
    assert all(DynamicPricer(whole, p).relaxed for p in range(len(problem.people)))
    result = roster_bound(problem, time_limit=30, workers=2)
    assert result.converged and result.bound == 828
