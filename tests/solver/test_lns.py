"""dutyplan.solver.lns: neighbourhoods free what they say, and the search only ever improves a plan."""

from __future__ import annotations

import dataclasses
import random
import sys

import numpy as np
import pytest

from dutyplan import timing
from dutyplan.model import build_model
from dutyplan.solve import solve
from dutyplan.solver import solution_from_assignments, solve_model
from dutyplan.solver.lns import free_mask, improve
from dutyplan.solver.stages import scalar_value
from dutyplan.synth import generate

from _helpers import assert_agrees


@pytest.fixture(scope="module")
def district():
    return generate(12, 2, 3, 14, seed=1)


def test_neighbourhoods_free_a_window_a_group_or_a_block(district) -> None:
    dm = build_model(district)
    keys = dm.x_keys
    rng = random.Random(0)
    days = free_mask(dm, "days", 0.25, rng)
    freed_days = np.unique(keys[days, 2])
    assert len(freed_days) == round(0.25 * 14)
    assert np.all(np.diff(freed_days) == 1)  # one window of consecutive dates
    assert set(np.unique(keys[days, 0])) == set(np.unique(keys[:, 0]))  # everyone
    people = free_mask(dm, "people", 0.25, rng)
    assert len(np.unique(keys[people, 0])) == round(0.25 * 12)
    assert np.all(people == np.isin(keys[:, 0], np.unique(keys[people, 0])))  # all their days
    block = free_mask(dm, "block", 0.25, rng)
    assert 0 < block.sum() < days.sum() + people.sum()


def test_improve_never_worsens_and_keeps_every_rule(district) -> None:
    dm = build_model(district)
    level = "cover"
    dm.model.minimize(dm.level_expr(level))
    # a poor plan: nobody works
    start = solution_from_assignments(dm, [])
    assert start is not None
    before = scalar_value(dm, start, [level], district.objective)
    solution, value = improve(dm, start, before, 4.0, 1, 0, {})
    assert value < before
    assert value == scalar_value(dm, solution, [level], district.objective)
    # the improved solution is a plan of the whole problem: the checker agrees on every level
    plan = solve_model(dm, 0, 1, 0, initial=solution)
    assert plan.result.levels[0].value == value
    assert_agrees(district, plan)


@pytest.mark.parametrize("workers", [1, 2])
def test_solve_with_the_neighbourhood_search_gives_checked_plans(district, monkeypatch, caplog, workers) -> None:
    # one worker searches neighbourhoods from the light-presolve size, two from LNS_ABOVE
    module = sys.modules["dutyplan.solver.stages"]
    monkeypatch.setattr(module, "LNS_ABOVE" if workers == 2 else "LIGHT_PRESOLVE_ABOVE", 10)
    # without the aggregate master's proofs, which settle this district before any search
    monkeypatch.setattr(timing, "SPLITS", dataclasses.replace(
        timing.SPLITS, lns_least_seconds=0.5, lns_least_seconds_one_worker=0.5, proof_share=0.0,
        cover_proof_share=0.0))
    with caplog.at_level("INFO", logger="dutyplan"):
        plan = solve(district, time_limit=8, workers=workers, seed=0)
    assert "neighbourhood search" in caplog.text
    assert plan.result.objective is not None
    assert_agrees(district, plan)
