"""Reproducible runs: ``--deterministic`` gives the same plan twice, also when another process
keeps a core busy during the second run (single model, decomposed, city path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dutyplan import synth

from _helpers import busy_core, curtois_instance

def solve(problem: str, out: Path, *extra: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "dutyplan.cli", "solve", problem, "--deterministic", "--seed", "3",
         "--workers", "2", "--quiet", "--out", str(out), *extra],
        capture_output=True, text=True, encoding="utf-8", timeout=600, cwd=out.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def assert_same(first: dict, second: dict) -> None:
    assert first["assignments"] == second["assignments"]
    assert first["result"]["objective"] == second["result"]["objective"]
    assert [lv["value"] for lv in first["result"]["levels"]] == [lv["value"] for lv in second["result"]["levels"]]
    assert first["result"]["deterministic"] and first["result"]["deterministic_seconds"] > 0


@pytest.mark.parametrize("extra", [
    pytest.param(["--time-limit", "3", "--strategy", "single"], id="single"),
    pytest.param(["--time-limit", "2", "--strategy", "decompose"], id="decomposed"),
])
def test_the_same_plan_twice_and_under_load(extra: list[str], tmp_path: Path) -> None:
    first = solve("shangzhuang", tmp_path / "first.json", *extra)
    with busy_core():
        second = solve("shangzhuang", tmp_path / "second.json", *extra)
    assert_same(first, second)


def test_the_same_city_plan_twice_and_under_load(tmp_path: Path) -> None:
    problem = synth.city(700, 80, 14, seed=5)  # 56,000 person-site pairs: the city path
    path = tmp_path / "city.json"
    path.write_text(problem.model_dump_json(), encoding="utf-8")
    first = solve(str(path), tmp_path / "first.json", "--time-limit", "2")
    with busy_core():
        second = solve(str(path), tmp_path / "second.json", "--time-limit", "2")
    assert_same(first, second)


def test_one_worker_in_python() -> None:
    import dutyplan

    problem = dutyplan.load_example("yuncheng")
    plans = [dutyplan.solve(problem, time_limit=1, workers=1, seed=7, deterministic=True, progress=False)
             for _ in range(2)]
    assert plans[0].assignments == plans[1].assignments
    assert plans[0].result.deterministic_seconds == plans[1].result.deterministic_seconds
    assert dutyplan.check(problem, plans[0]).ok


def test_the_roster_bound_and_dive_path_twice_and_under_load() -> None:
    """A weighted problem of per-person rules and cover (Curtois Instance5, whose roster LP is
    fractional): the column generation, the dive and the search give the same plan again,
    also with a core kept busy."""
    import dutyplan

    problem = curtois_instance(5)

    def once() -> dutyplan.Plan:
        return dutyplan.solve(problem, time_limit=6, workers=2, seed=3, deterministic=True, progress=False)

    first = once()
    with busy_core():
        second = once()
    assert first.assignments == second.assignments
    assert first.result.objective == second.result.objective
    assert first.result.deterministic_seconds == second.result.deterministic_seconds
    assert dutyplan.check(problem, first).objective == first.result.objective
