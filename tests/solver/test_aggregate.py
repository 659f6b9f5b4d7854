"""The aggregate master (dutyplan.solver.aggregate): its bounds hold, its cuts cut, and with it
the bundled village is proven optimal (the value an independent model proved, see
../shared/notes/proof.md)."""

from __future__ import annotations

import numpy as np
from _helpers import assert_agrees, make_problem
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import SETTINGS, brute_force, tiny_problems

from dutyplan.budget import Budget
from dutyplan.compile import build_index
from dutyplan.examples import load_example
from dutyplan.problem import LEVELS, Problem
from dutyplan.solve import solve
from dutyplan.solver.aggregate import LEVELS as MASTER_LEVELS
from dutyplan.solver.aggregate import Aggregate
from dutyplan.solver.proofs import master_bounds


@settings(max_examples=30, **SETTINGS)
@given(st.sampled_from(["two sites"]).flatmap(lambda layout: tiny_problems("lexicographic", layout)))
def test_master_bounds_never_exceed_the_optimum(problem: Problem) -> None:
    """With the earlier levels held at the optimum's values, the master's bound on each level
    is at most the optimum's value there (brute force, scored by the checker)."""
    best, _ = brute_force(problem)
    active = [lv for lv in LEVELS if problem.objective.weight(lv) > 0 and lv != "changes"]
    if best is None or "cover" not in active or best[active.index("cover")] != 0:
        return
    aggregate = Aggregate.of(build_index(problem))
    assert aggregate is not None  # two sites, tiny
    values = dict(zip(active, best))
    for i, level in enumerate(active):
        if level not in MASTER_LEVELS or level in ("cover", "rules"):
            continue
        held = {lv: values[lv] for lv in active[:i]}
        master = aggregate.solve(level, held, Budget(5.0, deterministic=True), 1, 0)
        assert master is not None, (level, held)  # the optimum itself is a master solution
        assert master.bound <= values[level], (level, master, values)


def test_a_cut_moves_the_master_off_a_choice() -> None:
    """A Benders cut (this site choice costs at least v) raises the master's value above that
    choice's, or sends it to another choice."""
    index = build_index(load_example("yuncheng"))
    aggregate = Aggregate.of(index)
    assert aggregate is not None
    held = {"cover": 0}
    first = aggregate.solve("commute", held, Budget(10.0, deterministic=True), 1, 0)
    assert first is not None and first.choice is not None and first.value == first.bound
    aggregate.exclude("commute", first.choice, first.value + 1000)
    second = aggregate.solve("commute", held, Budget(10.0, deterministic=True), 1, 0)
    assert second is not None and second.choice is not None
    assert second.value >= first.value
    assert second.value < first.value + 1000  # another choice is cheaper than the cut one
    assert not np.array_equal(second.choice, first.choice)


def test_no_aggregate_for_one_site() -> None:
    """One site leaves no choice to make: the stages search the whole model as before."""
    assert Aggregate.of(build_index(make_problem(days=3, people=2))) is None


def test_the_village_is_proven_optimal() -> None:
    """Shangzhuang, deterministic: every level proven, at the optimum an independent model
    proved (commute 6,220, fairness 6,960), well before the limit."""
    problem = load_example("shangzhuang")
    plan = solve(problem, time_limit=40, workers=1, seed=0, deterministic=True)
    assert plan.result.status == "optimal", plan.result.levels
    levels = {lv.name: lv.value for lv in plan.result.levels}
    assert levels == {"cover": 0, "rules": 0, "preferences": 0, "commute": 6220, "fairness": 6960}
    assert plan.result.stop_reason == "proven"
    assert_agrees(problem, plan)


def test_master_bounds_of_a_village_plan_hold_and_rise() -> None:
    """A plan of the village with its bounds wiped: the master raises commute and fairness
    from 0, never above the optimum an independent model proved (commute 6,220, fairness
    6,960 with commute at 6,220: with earlier levels held no lower, the least fairness is no
    higher), nor above the plan's own values."""
    problem = load_example("shangzhuang")
    plan = solve(problem, time_limit=3, workers=1, seed=0, deterministic=True, progress=False)
    assert plan.result.levels[0].name == "cover" and plan.result.levels[0].value == 0
    wiped = plan.with_result(
        levels=[lv.model_copy(update={"bound": 0, "optimal": lv.value == 0}) for lv in plan.result.levels],
        best_bound=0, status="feasible",
    )
    raised = master_bounds(wiped, build_index(problem), Budget(20.0, deterministic=True), 1, 0)
    bounds = {lv.name: lv.bound for lv in raised.result.levels}
    values = {lv.name: lv.value for lv in raised.result.levels}
    assert 0 < bounds["commute"] <= 6220
    assert bounds["fairness"] <= 6960
    assert all(bounds[name] <= values[name] for name in bounds)
    assert raised.result.best_bound == sum(lv.weight * lv.bound for lv in raised.result.levels)
    assert raised.result.best_bound <= raised.result.objective
