"""The ``dutyplan`` command.

Exit codes: 0 plan written (or check passed), 1 the checker found violations or false
figures, 2 bad input (problem or plan file, arguments, paths), 3 no plan (hard rules
infeasible, or none found within the time limit), 130 interrupted (Ctrl-C: the best plan
found so far is written and its path printed; a second Ctrl-C aborts at once).

Every argument and path is checked before any solving starts, and everything printed goes
through a filter that shows control characters as escapes (``\\x1b``), so no name in a
problem or plan file can send escape sequences to the terminal.

The parts: ``terminal`` (exit codes, text safe to print), ``inputs`` (argument types, problem
and plan files, output paths), ``commands`` (one function per subcommand), ``arguments`` (the
parser) and ``main``. Solving, checking and exporting are imported when a command runs, so
``dutyplan --help`` starts at once.
"""

from __future__ import annotations

from dutyplan.cli.arguments import parser
from dutyplan.cli.program import (
    main,
)
from dutyplan.cli.terminal import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO_PLAN,
    EXIT_OK,
    EXIT_VIOLATIONS,
    terminal_text,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_NO_PLAN",
    "EXIT_OK",
    "EXIT_VIOLATIONS",
    "main",
    "parser",
    "terminal_text",
]
