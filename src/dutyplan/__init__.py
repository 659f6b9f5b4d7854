"""dutyplan: optimal duty timetables for gates and checkpoints.

Describe sites, gates, shift types, people and rules as a :class:`Problem`, call
:func:`solve`, read the :class:`Plan`, and verify it with the independent :func:`check`::

    import dutyplan
    problem = dutyplan.load_example("shangzhuang")
    plan = dutyplan.solve(problem, time_limit=10)
    print(plan.summary(problem))
    assert dutyplan.check(problem, plan).ok
"""

from dutyplan.checker import CheckReport, Violation, check
from dutyplan.errors import DutyplanError, PlanFileError, ProblemError
from dutyplan.examples import EXAMPLES, load_example
from dutyplan.io import load_problem, save_problem
from dutyplan.plan import Assignment, Caseload, LevelResult, PersonSummary, Plan, Result, UncoveredShift
from dutyplan.problem import (
    CaseloadTasks,
    Coordinates,
    DemandEntry,
    Gate,
    Horizon,
    Household,
    Limit,
    ObjectiveConfig,
    Person,
    Preference,
    Problem,
    RoleRequirement,
    Rules,
    ShiftType,
    Site,
    Succession,
    Unavailable,
)
from dutyplan.uncovered import explain_uncovered, explanation_text
from dutyplan.infeasible import Explanation, explain
from dutyplan.replan import Changes, Replan, replan
from dutyplan.staffing import Staffing, staffing
from dutyplan.solve import solve

__version__ = "0.1.0"

__all__ = [
    "EXAMPLES",
    "Assignment",
    "Caseload",
    "Changes",
    "CheckReport",
    "CaseloadTasks",
    "Coordinates",
    "DemandEntry",
    "DutyplanError",
    "Explanation",
    "Gate",
    "Horizon",
    "Household",
    "LevelResult",
    "Limit",
    "ObjectiveConfig",
    "Person",
    "PersonSummary",
    "Plan",
    "PlanFileError",
    "Preference",
    "Problem",
    "ProblemError",
    "Replan",
    "Result",
    "RoleRequirement",
    "Rules",
    "ShiftType",
    "Site",
    "Staffing",
    "Succession",
    "Unavailable",
    "UncoveredShift",
    "Violation",
    "check",
    "explain",
    "explain_uncovered",
    "explanation_text",
    "load_example",
    "load_problem",
    "replan",
    "save_problem",
    "solve",
    "staffing",
]
