"""The CP-SAT model: compiled index, variables, rule families and objective levels."""

from dutyplan.model.builder import (
    CostTerm,
    DutyModel,
    available_bytes,
    build_model,
    estimated_build_seconds,
    estimated_peak_bytes,
)
from dutyplan.model.index import Index, build_index

__all__ = [
    "CostTerm", "DutyModel", "Index", "available_bytes", "build_index", "build_model",
    "estimated_build_seconds", "estimated_peak_bytes",
]
