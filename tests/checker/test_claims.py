"""The checker verifies every figure a plan states about itself (dutyplan.checker.claims).

One correct plan file, then one figure altered at a time: ``dutyplan check`` exits 1 naming
the claim and both values, ``--rules-only`` keeps the hard-rule verdict, and the Python
report says the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import dutyplan
from dutyplan.cli import main
from dutyplan.plan import LevelResult, Plan, Result
from dutyplan.problem import Problem

Json = dict[str, Any]


@pytest.fixture(scope="module")
def problem() -> Problem:
    return dutyplan.load_example("shangzhuang")


@pytest.fixture(scope="module")
def plan_file(problem: Problem, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan whose every figure is true: a short solve with every fourth duty taken away (so
    that some gate-shifts are short), its figures rebuilt, and a result whose levels are the
    checker's own, with a bound below them."""
    solved = dutyplan.solve(problem, time_limit=2, workers=1, seed=0, progress=False,
                            deterministic=True)  # the same plan under any load
    kept = [a for k, a in enumerate(solved.assignments) if k % 4 != 1]
    draft = Plan.build(problem, kept, Result(status="feasible"))
    report = dutyplan.check(problem, draft)
    weights = problem.objective
    levels = [
        LevelResult(name=name, value=report.levels[name], bound=report.levels[name] // 2,
                    weight=weights.weight(name))
        for name in ("cover", "rules", "preferences", "commute", "fairness")
    ]
    best = sum(lv.weight * lv.bound for lv in levels)
    result = Result(
        status="feasible", objective=report.objective, best_bound=best,
        gap=round((report.objective - best) / max(1, report.objective), 6), levels=levels,
    )
    plan = Plan.build(problem, kept, result)
    assert plan.uncovered and plan.result.objective
    path = tmp_path_factory.mktemp("claims") / "plan.json"
    plan.to_json(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_true_plan_passes(problem: Problem, plan_file: Path, capsys) -> None:
    report = dutyplan.check(problem, Plan.from_json(plan_file))
    assert report.ok and report.rules_ok and not report.mismatches
    code, out = run(capsys, "check", "shangzhuang", str(plan_file))
    assert code == 0, out
    assert "every figure of the plan true" in out


def _first_person_with_duties(data: Json) -> Json:
    return next(row for row in data["people"] if row["shifts"] > 0)


def _covered_gate_shift(data: Json) -> Json:
    """An uncovered entry for a gate-shift that is in fact fully staffed."""
    short = {(u["site"], u["gate"], u["date"], u["shift"]) for u in data["uncovered"]}
    for a in data["assignments"]:
        if (a["site"], a["gate"], a["date"], a["shift"]) not in short:
            return {"site": a["site"], "gate": a["gate"], "date": a["date"], "shift": a["shift"],
                    "start": a["start"], "end": a["end"], "need": 1, "assigned": 0, "missing": 1}
    raise AssertionError("no covered gate-shift")


def _level(data: Json, name: str) -> Json:
    return next(lv for lv in data["result"]["levels"] if lv["name"] == name)


def _set(path: list[Any], change: Callable[[Any], Any]) -> Callable[[Json], None]:
    def alter(data: Json) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = change(node[path[-1]])

    return alter


# (claim named in the report, alteration of the plan's JSON)
ALTERATIONS: dict[str, tuple[str, Callable[[Json], None]]] = {
    "uncovered left out": ("uncovered[", lambda d: d["uncovered"].pop(0)),
    "uncovered invented": ("uncovered[", lambda d: d["uncovered"].append(_covered_gate_shift(d))),
    "uncovered twice": ("uncovered[", lambda d: d["uncovered"].append(dict(d["uncovered"][0]))),
    "uncovered need": (".need", _set(["uncovered", 0, "need"], lambda v: v + 1)),
    "uncovered assigned": (".assigned", _set(["uncovered", 0, "assigned"], lambda v: v + 1)),
    "uncovered missing": (".missing", _set(["uncovered", 0, "missing"], lambda v: v + 3)),
    "uncovered start": (".start", _set(["uncovered", 0, "start"], lambda v: v[:11] + "23:00:00")),
    "uncovered end": (".end", _set(["uncovered", 0, "end"], lambda v: v[:11] + "23:30:00")),
    "coverage need": ("coverage[", _set(["coverage", 0, "need"], lambda v: v + 1)),
    "coverage assigned": ("coverage[", _set(["coverage", 0, "assigned"], lambda v: v - 1)),
    "coverage uncovered": ("coverage[", _set(["coverage", 0, "uncovered"], lambda v: v + 2)),
    "coverage row left out": ("coverage[", lambda d: d["coverage"].pop(0)),
    "coverage of no gate": ("coverage[nowhere/x]", lambda d: d["coverage"].append(
        {"site": "nowhere", "gate": "x", "need": 0, "assigned": 0, "uncovered": 0})),
    "person shifts": (".shifts", lambda d: _first_person_with_duties(d).update(shifts=99)),
    "person minutes": (".minutes", lambda d: _first_person_with_duties(d).update(minutes=1)),
    "person nights": (".nights", lambda d: _first_person_with_duties(d).update(nights=5)),
    "person weekend shifts": (".weekend_shifts",
                              lambda d: _first_person_with_duties(d).update(weekend_shifts=40)),
    "person commute": (".commute_km", lambda d: _first_person_with_duties(d).update(commute_km=1.5)),
    "person sites": (".sites", lambda d: _first_person_with_duties(d).update(sites=["zaojiatun", "x"])),
    "person name": (".name", lambda d: _first_person_with_duties(d).update(name="somebody else")),
    "person unit": (".unit", lambda d: _first_person_with_duties(d).update(unit="another unit")),
    "person left out": ("people[", lambda d: d["people"].remove(_first_person_with_duties(d))),
    "person unknown": ("people[ghost]", lambda d: d["people"].append(
        {**d["people"][0], "person": "ghost"})),
    "level value": ("result.levels[commute].value",
                    lambda d: _level(d, "commute").update(value=_level(d, "commute")["value"] - 7)),
    "level weight": ("result.levels[cover].weight", lambda d: _level(d, "cover").update(weight=3)),
    "level bound above value": ("result.levels[fairness].bound", lambda d: _level(d, "fairness")
                                .update(bound=_level(d, "fairness")["value"] + 1)),
    "level left out": ("result.levels[commute]", lambda d: d["result"]["levels"].remove(_level(d, "commute"))),
    "objective": ("result.objective", _set(["result", "objective"], lambda v: v + 1)),
    "best bound above objective": ("result.best_bound",
                                   lambda d: d["result"].update(best_bound=d["result"]["objective"] + 5)),
    "gap": ("result.gap", _set(["result", "gap"], lambda v: round(v + 0.01, 6))),
    "status optimal": ("result.status", lambda d: d["result"].update(status="optimal")),
    "status infeasible with assignments": ("result.status", lambda d: d["result"].update(status="infeasible")),
    "level optimal below its bound": ("result.levels[commute].optimal",
                                      lambda d: _level(d, "commute").update(optimal=True)),
    "best bound not its levels'": ("result.best_bound", _set(["result", "best_bound"], lambda v: v - 1)),
    "problem of another name": ("problem", lambda d: d.update(problem="another problem")),
}


@pytest.mark.parametrize("case", sorted(ALTERATIONS))
def test_a_false_figure_fails_the_check_and_is_named(
    case: str, problem: Problem, plan_file: Path, tmp_path: Path, capsys
) -> None:
    claim, alter = ALTERATIONS[case]
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    alter(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    report = dutyplan.check(problem, Plan.from_json(bad))
    assert report.rules_ok, report.violations  # nothing but the figure is wrong
    assert not report.ok
    assert any(claim in m.claim for m in report.mismatches), [m.claim for m in report.mismatches]

    code, out = run(capsys, "check", "shangzhuang", str(bad))
    assert code == 1, out
    assert claim in out, out
    assert "false figure" in out
    code, out = run(capsys, "check", "shangzhuang", str(bad), "--rules-only")
    assert code == 0, out


def test_a_value_mismatch_names_both_values(problem: Problem, plan_file: Path, tmp_path: Path, capsys) -> None:
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    row = _first_person_with_duties(data)
    true_minutes = row["minutes"]
    row["minutes"] = true_minutes + 60
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (mismatch,) = dutyplan.check(problem, Plan.from_json(bad)).mismatches
    assert mismatch.claim == f"people[{row['person']}].minutes"
    assert (mismatch.plan, mismatch.checked) == (true_minutes + 60, true_minutes)
    code, out = run(capsys, "check", "shangzhuang", str(bad))
    assert code == 1
    assert f"the plan says {true_minutes + 60}, the checker finds {true_minutes}" in out


def test_assignment_times_are_checked(problem: Problem, plan_file: Path, tmp_path: Path, capsys) -> None:
    """An assignment whose written start or end is not its shift's real clock time is a
    ``times`` violation (the plan's times are claims too)."""
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    data["assignments"][3]["end"] = data["assignments"][3]["end"][:11] + "23:59:00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out = run(capsys, "check", "shangzhuang", str(bad))
    assert code == 1
    assert "times" in out and "23:59" in out


def test_a_hand_written_plan_claims_only_what_it_states(problem: Problem, plan_file: Path, tmp_path: Path) -> None:
    """A plan file with assignments and a status alone (no figures) claims nothing else."""
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    bare = {"problem": data["problem"], "assignments": data["assignments"],
            "result": {"status": "feasible"}}
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare, ensure_ascii=False), encoding="utf-8")
    report = dutyplan.check(problem, Plan.from_json(path))
    assert report.ok and not report.mismatches
    # but what it states is checked: an empty uncovered list claims that nothing is short
    bare["uncovered"] = []
    path.write_text(json.dumps(bare, ensure_ascii=False), encoding="utf-8")
    report = dutyplan.check(problem, Plan.from_json(path))
    assert not report.ok and all(m.claim.startswith("uncovered[") for m in report.mismatches)
    assert len(report.mismatches) == len(data["uncovered"])


def test_every_solver_plan_states_true_figures(problem: Problem) -> None:
    """The solver's own plans pass with their figures (single model, one and two workers)."""
    for workers in (1, 2):
        plan = dutyplan.solve(problem, time_limit=2, workers=workers, seed=1, progress=False)
        report = dutyplan.check(problem, plan)
        assert report.ok, report.summary()
