"""Explain infeasibility (dutyplan.infeasible): small, minimal, worded for a planner."""

from __future__ import annotations

from ortools.sat.python import cp_model

import dutyplan
from dutyplan.infeasible import explain
from dutyplan.model import build_model

from _helpers import DAY, EVENING, NIGHT, iso, make_problem

THREE = [NIGHT, DAY, EVENING]  # around the clock


def satisfiable(problem, keys, pruning=False) -> bool:
    """Re-solve with only the rules ``keys`` on (the others switched off)."""
    dm = build_model(problem, explain="all" if pruning else True)
    dm.model.add_assumptions([dm.guards[k] for k in keys if k in dm.guards])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(dm.model)
    assert status != cp_model.UNKNOWN
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def keys_of(explanation, problem):
    ids = {p.id: i for i, p in enumerate(problem.people)}
    sites = {s.id: i for i, s in enumerate(problem.sites)}
    keys = []
    for part in explanation.parts:
        if part.rule == "roles":
            keys.append(("roles", sites[part.site], part.role))
        elif part.rule == "max_shifts":
            keys.append(("max_shifts", ids[part.person], part.shift))
        else:
            keys.append((part.rule, ids[part.person]))
    return keys


def planted():
    # the site needs a health professional around the clock; the only one works 8-hour shifts
    # with 16 hours of rest, so at most one shift a day
    sites = [{"id": "lijiafen", "name": "李家坟村", "gates": [{"id": "main", "demand": {"N": 1, "D": 1, "E": 1}}]}]
    people = [{"id": "doc", "name": "张医生", "roles": ["health"], "rules": {"min_rest_hours": 16}}]
    people += [{"id": f"c{i}", "roles": ["agency-cadre"]} for i in range(4)]
    return make_problem(days=3, shifts=THREE, sites=sites, people=people,
                        rules={"roles": [{"role": "health"}]})


def test_a_planted_conflict_is_explained_minimally():
    problem = planted()
    assert dutyplan.solve(problem, time_limit=5, workers=1).result.status == "infeasible"
    answer = explain(problem, time_limit=10)
    assert not answer.feasible and answer.minimal
    assert sorted(p.rule for p in answer.parts) == ["min_rest_hours", "roles"]
    text = answer.summary()
    assert "李家坟村 needs at least 1 health" in text and "张医生" in text
    # unsatisfiable as a whole, satisfiable when any one part is dropped (re-solved)
    keys = keys_of(answer, problem)
    assert not satisfiable(problem, keys)
    for dropped in keys:
        assert satisfiable(problem, [k for k in keys if k != dropped])
    # and in the problem itself: without the role requirement a plan exists
    relaxed = problem.model_copy(update={"rules": problem.rules.model_copy(update={"roles": []})})
    assert dutyplan.solve(relaxed, time_limit=5, workers=1).result.status in ("optimal", "feasible")


def test_a_person_who_must_work_more_than_availability_allows():
    sites = [{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}}]}]
    people = [{"id": "a", "name": "王建国", "unavailable": [iso(1), iso(2)],
               "rules": {"min_minutes": 3 * 480}}]
    problem = make_problem(days=4, sites=sites, people=people)
    answer = explain(problem, time_limit=10)
    assert answer.minimal
    assert sorted(p.rule for p in answer.parts) == ["min_minutes", "unavailable"]
    keys = keys_of(answer, problem)
    assert not satisfiable(problem, keys, pruning=True)
    for dropped in keys:
        assert satisfiable(problem, [k for k in keys if k != dropped], pruning=True)
    assert "王建国 is unavailable on 2 date(s)" in answer.summary()


def test_a_feasible_problem_has_nothing_to_explain():
    answer = explain(make_problem(days=3, people=2), time_limit=5)
    assert answer.feasible and answer.parts == []
    assert "can all hold together" in answer.summary()


def test_explain_from_the_command_line(tmp_path, capsys):
    from dutyplan.cli import main
    from dutyplan.io import save_problem

    save_problem(planted(), tmp_path / "p.json")
    assert main(["solve", str(tmp_path / "p.json"), "--time-limit", "5", "--workers", "1"]) == 3
    assert "dutyplan explain" in capsys.readouterr().err
    assert main(["explain", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    assert "these cannot all hold together" in out and "16 hours of rest" in out
