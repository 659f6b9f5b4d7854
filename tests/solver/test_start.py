"""First plans person by person (dutyplan.solver.start): each sees the cover others already give."""

from __future__ import annotations

from _helpers import make_problem

from dutyplan.checker import check
from dutyplan.model import build_model
from dutyplan.compile import build_index
from dutyplan.solver import solution_from_assignments, solve_model
from dutyplan.solver.start import applies, person_by_person


def _two_people_four_days():
    # one gate needing one person a day for 4 days; each person may work only 2 shifts
    return make_problem(
        days=4, people=2, rules={"max_shifts": {"D": 2}, "min_days_off_per_7": None}
    )


def test_people_planned_later_fill_what_earlier_ones_left():
    problem = _two_people_four_days()
    assignments = person_by_person(problem, time_limit=10, workers=1, seed=0)
    assert assignments is not None
    days = sorted(a.date for a in assignments)
    # alone, each person would take any 2 days; seeing the other's cover, they take the rest
    assert len(days) == 4 and len(set(days)) == 4
    by_person = {}
    for a in assignments:
        by_person.setdefault(a.person, []).append(a.date)
    assert sorted(len(v) for v in by_person.values()) == [2, 2]


def test_merged_schedules_are_a_plan_of_the_whole_problem():
    problem = _two_people_four_days()
    assignments = person_by_person(problem, time_limit=10, workers=2, seed=0)
    dm = build_model(problem)
    solution = solution_from_assignments(dm, assignments)
    assert solution is not None
    plan = solve_model(dm, 0, 1, 0, initial=solution)
    report = check(problem, plan)
    assert report.ok, report.summary()
    assert report.objective == plan.result.objective
    assert report.levels["cover"] == 0


def test_taken_cover_counts_towards_need():
    # another plan already covers day 0 and day 1: the one person left takes days 2 and 3
    problem = make_problem(days=4, people=1, rules={"max_shifts": {"D": 2}, "min_days_off_per_7": None})
    ix = build_index(problem)
    taken = ix.classes[0].need.copy() * 0
    taken[0, 0] = taken[1, 0] = 1
    ix.classes[0].taken = taken
    plan = solve_model(build_model(problem, index=ix), 5, 1, 0)
    assert sorted(a.date.day for a in plan.assignments) == [3, 4]


def test_extra_people_cost_over_cover_when_need_is_already_met():
    problem = make_problem(
        days=2, people=1,
        sites=[{"id": "S1", "gates": [{"id": "G1", "demand": {"D": 1}, "over_cover_weight": 5}]}],
        rules={"min_days_off_per_7": None},
    )
    ix = build_index(problem)
    ix.classes[0].taken = ix.classes[0].need.copy()  # both days already covered
    dm = build_model(problem, index=ix)
    plan = solve_model(dm, 5, 1, 0)
    assert plan.assignments == []  # working would only add extra people


def test_does_not_apply_with_hard_roles():
    problem = make_problem(
        days=1, people=[{"id": "a", "roles": ["health"]}, {"id": "b"}],
        rules={"roles": [{"role": "health", "count": 1}]},
    )
    assert not applies(problem)
    assert applies(make_problem(days=1, people=2))


def test_people_one_at_a_time_with_every_thread_when_one_thread_finds_nothing(monkeypatch):
    import importlib

    from ortools.sat.python import cp_model

    solve_module = importlib.import_module("dutyplan.solver.start")

    real = solve_module.run_stage
    threads_used = []

    def one_thread_finds_nothing(dm, expr, hint, hard, soft, workers, *args):
        threads_used.append(workers)
        if workers == 1:
            return cp_model.UNKNOWN, None, None
        return real(dm, expr, hint, hard, soft, workers, *args)

    monkeypatch.setattr(solve_module, "run_stage", one_thread_finds_nothing)
    problem = _two_people_four_days()
    assignments = person_by_person(problem, time_limit=20, workers=2, seed=0)
    assert assignments is not None and len({a.date for a in assignments}) == 4
    # both tried side by side with one thread, then each alone with two
    assert sorted(threads_used) == [1, 1, 2, 2]
