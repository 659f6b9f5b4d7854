"""Solve one model: the stages that optimise it level by level (:mod:`.stages`), first plans
(:mod:`.start` person by person, :mod:`.greedy` for one site), neighbourhood search
(:mod:`.lns`), bounds from relaxations (:mod:`.bounds`) and from roster columns
(:mod:`.columns`), the whole single-model path (:mod:`.single`), and long horizons a window
of dates at a time (:mod:`.windows`)."""

from dutyplan.solver.single import (
    check_memory,
    config_has_commute,
    model_fits,
    solve_single,
    stop_reason,
)
from dutyplan.solver.stages import (
    evaluate_levels,
    extract_answers,
    extract_assignments,
    run_stage,
    solution_from_assignments,
    solve_model,
)

__all__ = [
    "check_memory", "config_has_commute", "evaluate_levels", "extract_answers", "extract_assignments", "model_fits",
    "run_stage", "solution_from_assignments", "solve_model", "solve_single", "stop_reason",
]
