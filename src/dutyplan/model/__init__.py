"""The CP-SAT model: compiled index, variables, rule families and objective levels."""

from dutyplan.model.builder import CostTerm, DutyModel, build_model, estimated_build_seconds
from dutyplan.model.index import Index, build_index

__all__ = ["CostTerm", "DutyModel", "Index", "build_index", "build_model", "estimated_build_seconds"]
