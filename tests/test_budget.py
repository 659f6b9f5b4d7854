"""dutyplan.budget: what a search's solution is worth."""

from __future__ import annotations

from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run, solution_objective


def _slack_model(maximize: bool) -> tuple[cp_model.CpModel, list, cp_model.IntVar]:
    """Three people for a need of 5: ``under`` counts what is missing, only bounded below
    (as dutyplan's cover penalties are), so a solution may carry it above the shortfall."""
    model = cp_model.CpModel()
    people = [model.new_bool_var(f"p{i}") for i in range(3)]
    under = model.new_int_var(0, 5, "under")
    model.add(sum(people) + under >= 5)
    objective = 7 * under + 2 * ~people[0] + 3
    if maximize:
        model.maximize(-objective)
    else:
        model.minimize(objective)
    return model, people, under


def test_solution_objective_sums_the_terms_at_the_solution_returned() -> None:
    for maximize in (False, True):
        model, people, under = _slack_model(maximize)
        # pin a solution with slack in ``under`` (4, where 2 are missing) and one person off
        model.add(under == 4)
        model.add(people[0] == 0)
        solver = cp_model.CpSolver()
        assert run(solver, model, Budget(5)) == cp_model.OPTIMAL
        expected = 7 * 4 + 2 * 1 + 3
        assert solution_objective(model, solver) == (-expected if maximize else expected)
        assert solver.value(under) == 4
