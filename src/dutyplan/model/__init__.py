"""The CP-SAT model: decision variables and the cost registry (:mod:`.builder`), one function
per rule family (:mod:`.rules`), the objective levels (:mod:`.objective`), and the whole model
built from a problem (:mod:`.build`)."""

from dutyplan.model.build import available_bytes, build_model, estimated_build_seconds, estimated_peak_bytes
from dutyplan.model.builder import CostTerm, DutyModel

__all__ = [
    "CostTerm", "DutyModel", "available_bytes", "build_model", "estimated_build_seconds",
    "estimated_peak_bytes",
]
