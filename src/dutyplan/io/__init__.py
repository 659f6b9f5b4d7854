"""Reading and writing problems: dutyplan's own JSON and TOML files (and later, other formats)."""

from dutyplan.io.files import load_problem, problem_from_dict, problem_from_text, save_problem

__all__ = ["load_problem", "problem_from_dict", "problem_from_text", "save_problem"]
