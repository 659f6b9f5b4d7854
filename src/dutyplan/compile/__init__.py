"""Compile a problem into what solvers work on, without CP-SAT: arrays (:mod:`.index`),
capacities and demands (:mod:`.capacity`) and smaller problems cut out of it
(:mod:`.subproblems`)."""

from dutyplan.compile.capacity import (
    capacity_bound,
    demand_by_site,
    person_capacity,
    role_demand,
    site_demand,
    site_demand_by_date,
    site_options,
)
from dutyplan.compile.index import GateClass, Index, availability, build_index
from dutyplan.compile.subproblems import person_problem, site_problem, window_problem

__all__ = [
    "GateClass", "Index", "availability", "build_index", "capacity_bound", "demand_by_site",
    "person_capacity", "person_problem", "role_demand", "site_demand", "site_demand_by_date", "site_options",
    "site_problem", "window_problem",
]
