"""What a command reads and writes: argument types, problem and plan files, output paths,
the executor, and what an interrupted solve leaves."""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from dutyplan.budget import MAX_TIME_LIMIT
from dutyplan.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, EXIT_VIOLATIONS
from dutyplan.errors import DutyplanError
from dutyplan.io.files import save_problem
from dutyplan.writing import writable_file

MAX_DPI = 1200
MAX_ROWS = 1_000_000


def seconds_argument(text: str) -> float:
    """A time limit: a finite number of seconds, more than 0 and at most MAX_TIME_LIMIT."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIME_LIMIT):
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds, got {text}"
        )
    return value


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {text}")
        return value

    parse.__name__ = "whole number"
    return parse


FORMATS = ("auto", "dutyplan", "curtois", "timefold")


def format_of(spec: str, fmt: str = "auto") -> str:
    """The format of a problem file: ``fmt``, or recognised from the content for ``auto``."""
    from dutyplan.io import curtois, timefold

    path = Path(spec)
    if fmt != "auto" or not path.is_file():
        return "dutyplan" if fmt == "auto" else fmt
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return "dutyplan"
    if curtois.looks_like(text[:4096]):
        return "curtois"
    if timefold.looks_like(text):
        return "timefold"
    return "dutyplan"


def load_input(spec: str, fmt: str = "auto"):
    """A problem file path, or the name of a bundled example.

    ``fmt``: ``dutyplan`` (JSON or TOML), ``curtois`` (a nurse-rostering instance),
    ``timefold`` (an employee-scheduling data set) or ``auto`` (recognised from the file's
    content).
    """
    from dutyplan.examples import EXAMPLES, load_example
    from dutyplan.io import curtois, load_problem, timefold

    path = Path(spec)
    if not path.exists() and spec in EXAMPLES and fmt in ("auto", "dutyplan"):
        return load_example(spec)
    fmt = format_of(spec, fmt)
    if fmt == "curtois":
        return curtois.load(path)
    if fmt == "timefold":
        return timefold.load(path)
    return load_problem(path)


def timefold_score(args: argparse.Namespace, plan) -> bool | None:
    """Print the Timefold quickstart's score of a plan of a Timefold data set; True when it has
    no hard violation (None: not such a data set)."""
    from dutyplan.io import timefold

    if format_of(args.problem, args.format) != "timefold":
        return None
    data = timefold.read(args.problem)
    try:
        assignment = timefold.shift_assignment(data, plan)
    except DutyplanError as error:  # postings the data set has no shift for
        print(f"Timefold score: not computed: {error}")
        return False
    result = timefold.score(data, assignment)
    print(result.summary())
    return result.hard == 0


def write_plan(args: argparse.Namespace, plan, problem=None) -> None:  # noqa: ANN001
    """Write the plan to ``--out`` (and, for a re-plan, the changed problem beside it)."""
    if args.out:
        plan.to_json(args.out)
        print(f"plan written to {args.out}")
        if problem is not None:
            problem_path = beside(Path(args.out), ".problem.json")
            save_problem(problem, problem_path)
            print(f"the problem it plans (with the changes) written to {problem_path}")


def beside(path: Path, suffix: str) -> Path:
    """``plan.json`` -> ``plan<suffix>`` in the same directory."""
    stem = path.name[: -len(".json")] if path.name.lower().endswith(".json") else path.name
    return path.with_name(stem + suffix)


def interrupted(args: argparse.Namespace, name: str, plan, problem=None, check_with: str = "") -> int:  # noqa: ANN001
    """Ctrl-C: write the best plan found so far (to --out, or to the current directory, or
    to the temporary directory when that cannot be written) and say where; exit 130."""
    if plan.result.objective is None and not plan.assignments:
        print("interrupted before any plan was found", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.out:
        path = Path(args.out)
    else:
        path = Path(f"{file_stem(name)}.interrupted.plan.json")
        try:
            writable_file(path, "plan")
        except DutyplanError:
            path = Path(tempfile.gettempdir()) / path.name
    plan.to_json(path)
    print(f"interrupted: the best plan found so far ({plan.result.status}, objective "
          f"{plan.result.objective}) is written to {path}", file=sys.stderr)
    target = args.problem
    if problem is not None:
        target = beside(path, ".problem.json")
        save_problem(problem, target)
    print(f"check it with: dutyplan check {target} {path}{check_with}", file=sys.stderr)
    if getattr(args, "checkpoint", None):
        print(f"finished sites are kept in {args.checkpoint}; run again with --checkpoint to resume",
              file=sys.stderr)
    return EXIT_INTERRUPTED


def file_stem(name: str) -> str:
    """A problem name as a file name stem (letters of any script kept)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "plan"


@contextlib.contextmanager
def executor_of(address: str | None):  # noqa: ANN202
    """The executor sites are rostered on: None (a local process pool), or a Dask cluster
    (``local``: a LocalCluster of one worker process per core, else a scheduler address)."""
    if address is None:
        yield None
        return
    try:
        import distributed
    except ImportError:
        raise DutyplanError("--dask needs Dask: pip install 'dutyplan[dask]'") from None
    if address == "local":
        cluster = distributed.LocalCluster(threads_per_worker=1, processes=True, dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        cluster, client = None, distributed.Client(address)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def checked_plan_out(args: argparse.Namespace, plan, report, what: str, also=None) -> int:
    """Print the checker's verdict (the plan is written already), and exit 1 on violations."""
    print(f"\n{what}: {verdict(report)}; recomputed objective {report.objective}")
    if also is not None:
        also()
    if not report.ok:
        print(report.summary(), file=sys.stderr)
        return EXIT_VIOLATIONS
    return EXIT_OK


def moment(text: str, flag: str):  # noqa: ANN202
    """A date (its midnight) or a date-time from the command line."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DutyplanError(f"{flag}: not a date or a date-time (YYYY-MM-DD[THH:MM]): {text!r}") from None
    return moment.replace(tzinfo=None)


def verdict(report) -> str:  # noqa: ANN001
    """``passes``, or what fails: violations and false figures."""
    if report.ok:
        return "passes"
    found = [f"{len(report.violations)} violation(s)"] if report.violations else []
    if report.mismatches:
        found.append(f"{len(report.mismatches)} false figure(s) in the plan")
    return "FAILS with " + " and ".join(found)


def plan_and_problem(args: argparse.Namespace):
    from dutyplan.plan import Plan

    problem = load_input(args.problem, getattr(args, "problem_format", None) or args.format)
    plan = Plan.from_json(Path(args.plan))
    plan.ensure_fits(problem)
    return problem, plan
