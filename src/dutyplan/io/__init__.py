"""Reading and writing problems: dutyplan's own JSON and TOML files, and other formats.

* :mod:`dutyplan.io.files`: dutyplan's JSON and TOML problem files;
* :mod:`dutyplan.io.curtois`: Curtois & Qu nurse-rostering instances (``InstanceN.txt``);
* :mod:`dutyplan.io.timefold`: Timefold's employee-scheduling data sets, and their score.

``from dutyplan.io import curtois, timefold`` imports those on demand.
"""

from dutyplan.io.files import load_problem, problem_from_dict, problem_from_text, save_problem

__all__ = ["load_problem", "problem_from_dict", "problem_from_text", "save_problem"]
