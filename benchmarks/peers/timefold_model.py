"""The Timefold quickstart's employee-scheduling rules, stated with the timefold package's
public API (our own constraint provider, written from the rules in the shared data's README).

Only imported when the optional ``peers`` dependency group is installed (``timefold`` from
PyPI; it needs Java 17). Date matches use ``dutyplan.io.timefold.minutes_on``, the weights the
quickstart's solver actually applies (119/360/480), so Timefold optimises the very score that
``dutyplan.io.timefold.score`` computes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from timefold.solver import SolverFactory
from timefold.solver.config import (
    Duration,
    ScoreDirectorFactoryConfig,
    SolverConfig,
    TerminationConfig,
)
from timefold.solver.domain import (
    PlanningEntityCollectionProperty,
    PlanningId,
    PlanningScore,
    PlanningVariable,
    ProblemFactCollectionProperty,
    ValueRangeProvider,
    planning_entity,
    planning_solution,
)
from timefold.solver.score import (
    ConstraintCollectors,
    ConstraintFactory,
    HardSoftDecimalScore,
    Joiners,
    constraint_provider,
)

from dutyplan.io.timefold import MIN_REST_MINUTES, Dataset, minutes_on


@dataclass
class Employee:
    name: Annotated[str, PlanningId]
    skills: set[str] = field(default_factory=set)
    unavailable_dates: set[date] = field(default_factory=set)
    undesired_dates: set[date] = field(default_factory=set)
    desired_dates: set[date] = field(default_factory=set)


@planning_entity
@dataclass
class Shift:
    id: Annotated[str, PlanningId]
    start: datetime
    end: datetime
    location: str
    required_skill: str
    # the quickstart's weight of each date the shift touches (minutes on it, 119/360/480),
    # computed once in plain Python: the constraint streams only look them up
    date_weights: dict[date, int] = field(default_factory=dict)
    start_date: date | None = None
    minutes_start: int = 0  # minutes since the epoch below, for overlap and rest arithmetic
    minutes_end: int = 0
    employee: Annotated[Employee | None, PlanningVariable] = field(default=None)


@planning_solution
@dataclass
class EmployeeSchedule:
    employees: Annotated[list[Employee], ProblemFactCollectionProperty, ValueRangeProvider]
    shifts: Annotated[list[Shift], PlanningEntityCollectionProperty]
    score: Annotated[HardSoftDecimalScore | None, PlanningScore] = field(default=None)


EPOCH = datetime(2000, 1, 1)


def _overlap_minutes(a: Shift, b: Shift) -> int:
    return min(a.minutes_end, b.minutes_end) - max(a.minutes_start, b.minutes_start)


def _rest_gap(a: Shift, b: Shift) -> int:
    return b.minutes_start - a.minutes_end


def _on_dates(factory: ConstraintFactory, dates_of: Any) -> Any:
    """(shift, date) pairs where the shift's employee lists the date (``dates_of(employee)``)
    and the shift has minutes on it; each weighs ``shift.date_weights[date]``."""
    return (
        factory.for_each(Shift)
        .join(Employee, Joiners.equal(lambda s: s.employee, lambda e: e))
        .flatten_last(dates_of)
        .filter(lambda s, d: d in s.date_weights)
    )


@constraint_provider
def quickstart_constraints(factory: ConstraintFactory) -> list:
    hard, soft = HardSoftDecimalScore.ONE_HARD, HardSoftDecimalScore.ONE_SOFT
    return [
        factory.for_each(Shift)
        .filter(lambda s: s.required_skill not in s.employee.skills)
        .penalize(hard)
        .as_constraint("Missing required skill"),
        factory.for_each_unique_pair(
            Shift,
            Joiners.equal(lambda s: s.employee.name),
            Joiners.overlapping(lambda s: s.minutes_start, lambda s: s.minutes_end),
        )
        .penalize(hard, _overlap_minutes)
        .as_constraint("Overlapping shift"),
        factory.for_each(Shift)
        .join(
            Shift,
            Joiners.equal(lambda s: s.employee.name),
            Joiners.less_than_or_equal(lambda s: s.minutes_end, lambda s: s.minutes_start),
        )
        .filter(lambda a, b: _rest_gap(a, b) < MIN_REST_MINUTES)
        .penalize(hard, lambda a, b: MIN_REST_MINUTES - _rest_gap(a, b))
        .as_constraint("At least 10 hours between 2 shifts"),
        factory.for_each_unique_pair(
            Shift,
            Joiners.equal(lambda s: s.employee.name),
            Joiners.equal(lambda s: s.start_date),
        )
        .penalize(hard)
        .as_constraint("Max one shift per day"),
        _on_dates(factory, lambda e: e.unavailable_dates)
        .penalize(hard, lambda s, d: s.date_weights[d])
        .as_constraint("Unavailable employee"),
        _on_dates(factory, lambda e: e.undesired_dates)
        .penalize(soft, lambda s, d: s.date_weights[d])
        .as_constraint("Undesired day for employee"),
        _on_dates(factory, lambda e: e.desired_dates)
        .reward(soft, lambda s, d: s.date_weights[d])
        .as_constraint("Desired day for employee"),
        factory.for_each(Shift)
        .group_by(lambda s: s.employee, ConstraintCollectors.count())
        .complement(Employee, lambda e: 0)
        .group_by(ConstraintCollectors.load_balance(lambda e, n: e, lambda e, n: n))
        .penalize_decimal(soft, lambda balance: balance.unfairness())
        .as_constraint("Balance employee shift assignments"),
    ]


def schedule_of(data: Dataset) -> EmployeeSchedule:
    employees = [
        Employee(e.name, set(e.skills), set(e.unavailable_dates), set(e.undesired_dates),
                 set(e.desired_dates))
        for e in data.employees
    ]
    shifts = []
    for s in data.shifts:
        touched = [s.start.date() + timedelta(days=i) for i in range((s.end.date() - s.start.date()).days + 1)]
        weights = {d: minutes_on(s.start, s.end, d) for d in touched}
        shifts.append(Shift(
            s.id, s.start, s.end, s.location, s.required_skill,
            date_weights={d: w for d, w in weights.items() if w > 0},
            start_date=s.start.date(),
            minutes_start=int((s.start - EPOCH).total_seconds() // 60),
            minutes_end=int((s.end - EPOCH).total_seconds() // 60),
        ))
    return EmployeeSchedule(employees, shifts)


def solve(data: Dataset, seconds: float) -> dict[str, Any]:
    """Run Timefold for ``seconds`` (one solver thread, its defaults) and time its progress.

    Returns the assignment (shift id -> employee name), the solver's own final score, the
    seconds from this call to the first best solution with hard score 0 and to the last best
    solution, the seconds spent building the solver, and when solving started.
    """
    began = time.perf_counter()
    config = SolverConfig(
        solution_class=EmployeeSchedule,
        entity_class_list=[Shift],
        score_director_factory_config=ScoreDirectorFactoryConfig(
            constraint_provider_function=quickstart_constraints
        ),
        termination_config=TerminationConfig(spent_limit=Duration(seconds=int(seconds))),
    )
    solver = SolverFactory.create(config).build_solver()
    built = time.perf_counter()
    events: list[tuple[float, Any, bool]] = []

    def on_best(event: Any) -> None:
        events.append((time.perf_counter(), event.new_best_score, event.is_new_best_solution_initialized))

    solver.add_event_listener(on_best)
    problem = schedule_of(data)
    started = time.perf_counter()
    best = solver.solve(problem)
    first_feasible = next(
        (at - began for at, score, initialised in events
         if initialised and score.hard_score == Decimal(0)),
        None,
    )
    return {
        "assignment": {s.id: (s.employee.name if s.employee else None) for s in best.shifts},
        "own_score": str(best.score),
        "first_no_hard_s": first_feasible,
        "to_best_s": (events[-1][0] - began) if events else None,
        "build_s": built - began,
        "started": started,  # perf_counter() of the solve call
    }
