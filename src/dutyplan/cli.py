"""The ``dutyplan`` command.

Exit codes: 0 plan written (or check passed), 1 the checker found violations or false
figures, 2 bad input (problem or plan file, arguments, paths), 3 no plan (hard rules
infeasible, or none found within the time limit), 130 interrupted (Ctrl-C: the best plan
found so far is written and its path printed; a second Ctrl-C aborts at once).

Every argument and path is checked before any solving starts, and everything printed goes
through a filter that shows control characters as escapes (``\\x1b``), so no name in a
problem or plan file can send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from dutyplan.budget import MAX_SEED, MAX_TIME_LIMIT, MAX_WORKERS
from dutyplan.errors import DutyplanError
from dutyplan.io.files import save_problem
from dutyplan.staffing import MAX_PER_SITE
from dutyplan.writing import writable_directory, writable_file

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_NO_PLAN = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process ended by Ctrl-C

MAX_DPI = 1200
MAX_ROWS = 1_000_000

# what a terminal would act on: C0 controls but tab, line feed and carriage return, DEL, C1,
# line and paragraph separators, bidirectional overrides and isolates
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\x1b``)."""
    return TERMINAL_UNSAFE.sub(_escaped, text)


class _SafeStream:
    """A text stream that shows control characters as escapes instead of writing them."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_text(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# ---------------------------------------------------------------------------- argument types


def _seconds(text: str) -> float:
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


def _whole(low: int, high: int) -> Callable[[str], int]:
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


def _format_of(spec: str, fmt: str = "auto") -> str:
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


def _load(spec: str, fmt: str = "auto"):
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
    fmt = _format_of(spec, fmt)
    if fmt == "curtois":
        return curtois.load(path)
    if fmt == "timefold":
        return timefold.load(path)
    return load_problem(path)


def _timefold_score(args: argparse.Namespace, plan) -> bool | None:
    """Print the Timefold quickstart's score of a plan of a Timefold data set; True when it has
    no hard violation (None: not such a data set)."""
    from dutyplan.io import timefold

    if _format_of(args.problem, args.format) != "timefold":
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


def _solve(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.solve import solve

    if args.out:
        writable_file(args.out, "--out")
    if args.checkpoint:
        writable_directory(args.checkpoint, "--checkpoint")
    problem = _load(args.problem, args.format)
    with _executor(args.dask) as executor:
        plan = solve(
            problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed, log=args.log,
            strategy=args.strategy, executor=executor, checkpoint_dir=args.checkpoint,
            progress=not args.quiet, deterministic=args.deterministic,
        )
    if plan.result.stop_reason == "interrupted":
        return _interrupted(args, problem.name, plan)
    if plan.result.status in ("infeasible", "unknown"):
        if plan.result.status == "infeasible":
            why = "the hard rules cannot all hold together"
        elif plan.result.unmet:  # a decomposed solve: every site but these has a plan
            why = f"no plan that keeps every hard rule found within {args.time_limit:g}s"
        else:
            why = f"no plan found within {args.time_limit:g}s"
        print(f"no plan for {problem.name}: {why}", file=sys.stderr)
        for line in plan.result.unmet:
            print(f"  - {line}", file=sys.stderr)
        if plan.result.unmet and plan.assignments:
            where = f"is in {args.out}" if args.out else "is written with --out"
            print(f"the plan of every other site (keeping every rule there) {where}", file=sys.stderr)
        elif plan.result.status == "infeasible":
            print(f"run 'dutyplan explain {args.problem}' to see which rules conflict", file=sys.stderr)
        if args.out:
            plan.to_json(args.out)
        return EXIT_NO_PLAN
    _write_plan(args, plan)  # first: nothing after the solve (a slow check, Ctrl-C) can lose it
    if not args.quiet:
        print(plan.summary(problem, max_rows=args.rows))
    report = check(problem, plan)
    return _checked_plan_out(args, plan, report, "independent check", lambda: _timefold_score(args, plan))


def _write_plan(args: argparse.Namespace, plan, problem=None) -> None:  # noqa: ANN001
    """Write the plan to ``--out`` (and, for a re-plan, the changed problem beside it)."""
    if args.out:
        plan.to_json(args.out)
        print(f"plan written to {args.out}")
        if problem is not None:
            problem_path = _beside(Path(args.out), ".problem.json")
            save_problem(problem, problem_path)
            print(f"the problem it plans (with the changes) written to {problem_path}")


def _beside(path: Path, suffix: str) -> Path:
    """``plan.json`` -> ``plan<suffix>`` in the same directory."""
    stem = path.name[: -len(".json")] if path.name.lower().endswith(".json") else path.name
    return path.with_name(stem + suffix)


def _interrupted(args: argparse.Namespace, name: str, plan, problem=None, check_with: str = "") -> int:  # noqa: ANN001
    """Ctrl-C: write the best plan found so far (to --out, or to the current directory, or
    to the temporary directory when that cannot be written) and say where; exit 130."""
    if plan.result.objective is None and not plan.assignments:
        print("interrupted before any plan was found", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.out:
        path = Path(args.out)
    else:
        path = Path(f"{_file_stem(name)}.interrupted.plan.json")
        try:
            writable_file(path, "plan")
        except DutyplanError:
            path = Path(tempfile.gettempdir()) / path.name
    plan.to_json(path)
    print(f"interrupted: the best plan found so far ({plan.result.status}, objective "
          f"{plan.result.objective}) is written to {path}", file=sys.stderr)
    target = args.problem
    if problem is not None:
        target = _beside(path, ".problem.json")
        save_problem(problem, target)
    print(f"check it with: dutyplan check {target} {path}{check_with}", file=sys.stderr)
    if getattr(args, "checkpoint", None):
        print(f"finished sites are kept in {args.checkpoint}; run again with --checkpoint to resume",
              file=sys.stderr)
    return EXIT_INTERRUPTED


def _file_stem(name: str) -> str:
    """A problem name as a file name stem (letters of any script kept)."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "plan"


@contextlib.contextmanager
def _executor(address: str | None):  # noqa: ANN202
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


def _synth(args: argparse.Namespace) -> int:
    from dutyplan import synth

    return synth.main(args.args)


def _checked_plan_out(args: argparse.Namespace, plan, report, what: str, also=None) -> int:
    """Print the checker's verdict (the plan is written already), and exit 1 on violations."""
    print(f"\n{what}: {_verdict(report)}; recomputed objective {report.objective}")
    if also is not None:
        also()
    if not report.ok:
        print(report.summary(), file=sys.stderr)
        return EXIT_VIOLATIONS
    return EXIT_OK


def _moment(text: str, flag: str):  # noqa: ANN202
    """A date (its midnight) or a date-time from the command line."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DutyplanError(f"{flag}: not a date or a date-time (YYYY-MM-DD[THH:MM]): {text!r}") from None
    return moment.replace(tzinfo=None)


def _verdict(report) -> str:  # noqa: ANN001
    """``passes``, or what fails: violations and false figures."""
    if report.ok:
        return "passes"
    found = [f"{len(report.violations)} violation(s)"] if report.violations else []
    if report.mismatches:
        found.append(f"{len(report.mismatches)} false figure(s) in the plan")
    return "FAILS with " + " and ".join(found)


def _check(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.plan import Plan

    problem = _load(args.problem, args.format)
    plan = Plan.from_json(Path(args.plan))
    published = Plan.from_json(Path(args.published)) if args.published else None
    freeze = _moment(args.freeze_until, "--freeze-until") if args.freeze_until else None
    report = check(problem, plan, published=published, freeze_until=freeze, rules_only=args.rules_only)
    print(report.summary())
    # a Timefold data set is also scored the quickstart's way; a hard violation fails the check
    no_hard = _timefold_score(args, plan)
    return EXIT_OK if report.ok and no_hard is not False else EXIT_VIOLATIONS


def _replan(args: argparse.Namespace) -> int:
    from dutyplan.checker import check
    from dutyplan.io.files import parse_json, read_text
    from dutyplan.plan import Plan
    from dutyplan.replan import replan

    if args.out:
        writable_file(args.out, "--out")
    problem = _load(args.problem, args.format)
    published = Plan.from_json(Path(args.plan))
    changes = parse_json(read_text(Path(args.changes), "changes file"), args.changes) if args.changes else None
    result = replan(problem, published, changes, freeze_until=args.freeze_until,
                    time_limit=args.time_limit, workers=args.workers, seed=args.seed,
                    deterministic=args.deterministic)
    plan = result.plan
    # the re-plan is checked against the changed problem, the published plan and the freeze
    check_with = f" --published {args.plan} --freeze-until {result.freeze_until:%Y-%m-%dT%H:%M}"
    if plan.result.stop_reason == "interrupted":
        return _interrupted(args, problem.name, plan, result.problem, check_with)
    if plan.result.status in ("infeasible", "unknown"):
        print(f"no re-plan for {problem.name}: {plan.result.status}", file=sys.stderr)
        return EXIT_NO_PLAN
    _write_plan(args, plan, result.problem)
    print(result.summary())
    if args.out:
        print(f"check it with: dutyplan check {_beside(Path(args.out), '.problem.json')} {args.out}{check_with}")
    report = check(result.problem, plan, published=published, freeze_until=result.freeze_until)
    return _checked_plan_out(args, plan, report, "independent check (frozen past, changes)")


def _staffing(args: argparse.Namespace) -> int:
    from dutyplan.io.files import parse_json, read_text
    from dutyplan.staffing import staffing

    if args.out:
        writable_file(args.out, "--out")
    problem = _load(args.problem, args.format)
    pool = parse_json(read_text(Path(args.pool), "pool file"), args.pool) if args.pool else None
    if pool is not None and not isinstance(pool, list):
        raise DutyplanError(f"{args.pool}: a pool is a JSON list of people")
    answer = staffing(problem, pool=pool, per_site=args.per_site, time_limit=args.time_limit,
                      workers=args.workers, seed=args.seed)
    print(answer.summary())
    if args.out and answer.plan is not None:
        answer.plan.to_json(args.out)
        print(f"plan with the extra people written to {args.out}")
        if answer.problem is not None:
            problem_path = _beside(Path(args.out), ".problem.json")
            save_problem(answer.problem, problem_path)
            print(f"the problem with the extra people written to {problem_path}")
    return EXIT_OK if answer.possible and answer.minimum is not None else EXIT_NO_PLAN


def _explain(args: argparse.Namespace) -> int:
    from dutyplan.uncovered import explain_uncovered, explanation_text

    if args.plan is None:  # no plan: why the hard rules admit none
        from dutyplan.infeasible import explain

        problem = _load(args.problem, args.format)
        answer = explain(problem, time_limit=args.time_limit, deterministic=args.deterministic)
        print(answer.model_dump_json(indent=2) if args.json else answer.summary())
        return EXIT_OK if answer.feasible or answer.parts else EXIT_NO_PLAN
    problem, plan = _plan_and_problem(args)
    people = args.people.split(",") if args.people else None
    explanations = explain_uncovered(problem, plan, people=people, limit=args.limit,
                                     time_limit=args.time_limit)
    if args.json:
        print(json.dumps([e.model_dump(mode="json") for e in explanations], indent=2, ensure_ascii=False))
    elif not explanations and not plan.uncovered:
        print("nothing is uncovered")
    else:
        print(explanation_text(explanations, max_people=args.max_people))
    wanted = len(plan.uncovered) if args.limit is None else min(args.limit, len(plan.uncovered))
    if len(explanations) < wanted:
        print(f"explained {len(explanations)} of {wanted} uncovered gate-shifts within "
              f"{args.time_limit:g}s (--time-limit for more, --limit N for the first N)", file=sys.stderr)
    return EXIT_OK


def _plan_and_problem(args: argparse.Namespace):
    from dutyplan.plan import Plan

    problem = _load(args.problem, getattr(args, "problem_format", None) or args.format)
    plan = Plan.from_json(Path(args.plan))
    plan.ensure_fits(problem)
    return problem, plan


def _export(args: argparse.Namespace) -> int:
    from dutyplan.export import export

    out = Path(args.out)
    if args.format in ("xlsx", "html") and out.suffix.lower() == f".{args.format}":
        writable_file(out, "--out")
    else:
        writable_directory(out, "--out")
    problem, plan = _plan_and_problem(args)
    for path in export(problem, plan, args.format, Path(args.out)):
        print(path)
    return EXIT_OK


PLOT_KINDS = ("map", "gantt", "coverage", "convergence")


def _plot(args: argparse.Namespace) -> int:
    try:
        import matplotlib
    except ImportError:
        raise DutyplanError("plots need matplotlib: pip install 'dutyplan[plots]'") from None
    matplotlib.use("Agg")  # files only, no window
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dutyplan import plots

    kinds = FigureCanvasAgg.get_supported_filetypes()
    writable_file(args.out, "--out", tuple(f".{kind}" for kind in sorted(kinds)))
    problem, plan = _plan_and_problem(args)
    if args.kind == "map":
        figure = plots.plot_map(problem, plan, font=args.font)
    elif args.kind == "gantt":
        figure = plots.plot_gantt(problem, plan, site=args.site, font=args.font)
    elif args.kind == "coverage":
        figure = plots.plot_coverage(problem, plan, font=args.font)
    else:
        figure = plots.plot_convergence(plan, font=args.font)
    out = Path(args.out)
    figure.savefig(out, dpi=args.dpi)
    print(out)
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from dutyplan.problem import Problem

    print(json.dumps(Problem.model_json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _example(args: argparse.Namespace) -> int:
    from dutyplan.examples import EXAMPLES, example_path

    if args.name is None:
        print("\n".join(EXAMPLES))
        return EXIT_OK
    if args.name not in EXAMPLES:
        print(f"unknown example {args.name!r}; known: {', '.join(EXAMPLES)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(example_path(args.name).read_text(encoding="utf-8"))
    return EXIT_OK


DETERMINISTIC_HELP = (
    "count the time limit in CP-SAT's deterministic time: the same problem, seed and "
    "--workers give the same plan on any machine and under any load (the wall time may be "
    "longer or shorter; it is reported)"
)
FORMAT_HELP = (
    "problem file format: dutyplan (JSON/TOML), curtois (Curtois-Qu nurse rostering "
    "instance), timefold (Timefold employee-scheduling data set) or auto (from the content; "
    "default)"
)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="dutyplan",
        description="Optimal duty timetables for gates and checkpoints.",
        epilog="exit codes: 0 plan written / check passed, 1 violations found, 2 bad input, 3 no plan",
    )
    main.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = main.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="solve a problem file (or a bundled example) and print the plan")
    p.add_argument("problem", help="problem file (.json or .toml) or a bundled example name")
    p.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    p.add_argument("--time-limit", type=_seconds, default=30.0, metavar="S",
                   help="seconds (default 30): wall clock, or deterministic with --deterministic")
    p.add_argument("--workers", type=_whole(1, MAX_WORKERS), default=None, metavar="N",
                   help="solver threads (default: all cores)")
    p.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, metavar="N", help="random seed (default 0)")
    p.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    p.add_argument("--out", metavar="PLAN.json", help="write the plan as JSON")
    p.add_argument("--rows", type=_whole(0, MAX_ROWS), default=40, help="rows per table in the summary")
    p.add_argument("--quiet", action="store_true", help="print only the check verdict (no progress bar)")
    p.add_argument("--log", action="store_true", help="log the CP-SAT search")
    p.add_argument("--strategy", choices=("auto", "single", "decompose"), default="auto",
                   help="one model, or sites first then rosters (default: by size)")
    p.add_argument("--checkpoint", metavar="DIR", default=None,
                   help="keep finished site plans in DIR; a rerun with DIR resumes (decomposed solves)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="roster sites on a Dask cluster: a scheduler address, or 'local'")
    p.set_defaults(run=_solve)

    c = sub.add_parser(
        "check", help="check a plan against a problem: every hard rule, every cost and every "
        "figure the plan states (exit 1 on a violation or a false figure)")
    c.add_argument("problem")
    c.add_argument("plan")
    c.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    c.add_argument("--rules-only", action="store_true",
                   help="check the hard rules and costs only, not the plan's own figures")
    c.add_argument("--published", metavar="PLAN.json", default=None,
                   help="a re-plan: the published plan it changes (checks the frozen past and "
                   "the changes level)")
    c.add_argument("--freeze-until", metavar="DATE[THH:MM]", default=None,
                   help="with --published: the moment before which nothing may move")
    c.set_defaults(run=_check)

    r = sub.add_parser("replan", help="re-plan a published plan after changes, changing as little as possible")
    r.add_argument("problem", help="the problem the plan was published for")
    r.add_argument("plan", help="the published plan (JSON)")
    r.add_argument("--changes", metavar="CHANGES.json",
                   help="away, remove_people, add_people, demand, add_sites, add_gates (see README)")
    r.add_argument("--freeze-until", metavar="DATE[THH:MM]", default=None,
                   help="nothing starting before this moves (default: the horizon start)")
    r.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    r.add_argument("--time-limit", type=_seconds, default=30.0, metavar="S")
    r.add_argument("--workers", type=_whole(1, MAX_WORKERS), default=None, metavar="N")
    r.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, metavar="N")
    r.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    r.add_argument("--out", metavar="PLAN.json", help="write the new plan as JSON")
    r.set_defaults(run=_replan)

    f = sub.add_parser("staffing", help="fewest extra people for full cover, and cover with 0, 1, 2... extra")
    f.add_argument("problem")
    f.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    f.add_argument("--pool", metavar="POOL.json", help="candidate people (JSON list; default: per site and role)")
    f.add_argument("--per-site", type=_whole(1, MAX_PER_SITE), default=None, metavar="N",
                   help="generated candidates per site and role")
    f.add_argument("--time-limit", type=_seconds, default=30.0, metavar="S")
    f.add_argument("--workers", type=_whole(1, MAX_WORKERS), default=None, metavar="N")
    f.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, metavar="N")
    f.add_argument("--out", metavar="PLAN.json", help="write a fully covered plan with the extra people")
    f.set_defaults(run=_staffing)

    w = sub.add_parser("explain", help="no plan: which rules cannot hold together; with a plan: for each "
                       "uncovered gate-shift, who could have stood there and which rule stopped the others")
    w.add_argument("problem")
    w.add_argument("plan", nargs="?", default=None)
    w.add_argument("--time-limit", type=_seconds, default=10.0, metavar="S",
                   help="seconds (default 10): to explain an infeasible problem, or the uncovered gate-shifts of a plan")
    w.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    w.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    w.add_argument("--people", default=None, help="comma-separated person ids (default: everyone)")
    w.add_argument("--limit", type=_whole(0, MAX_ROWS), default=None, help="explain the first N uncovered gate-shifts")
    w.add_argument("--max-people", type=_whole(0, MAX_ROWS), default=5, help="names listed per reason")
    w.add_argument("--json", action="store_true", help="print the explanations as JSON")
    w.set_defaults(run=_explain)

    x = sub.add_parser(
        "export", help="export a plan as an Excel workbook, CSV files, calendars or printable HTML"
    )
    x.add_argument("plan", help="plan JSON written by 'dutyplan solve --out'")
    x.add_argument("--problem", required=True, help="the problem file (or bundled example) it plans")
    x.add_argument("--problem-format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    x.add_argument(
        "--format", choices=("xlsx", "csv", "ics", "html"), default="xlsx",
        help="xlsx: one workbook (a roster sheet per site, uncovered, people); csv: one file per "
        "table; ics: a calendar per person; html: printable rosters, a page per site "
        "(default xlsx)",
    )
    x.add_argument("--out", required=True, metavar="DIR", help="directory (or file for xlsx/html)")
    x.set_defaults(run=_export)

    g = sub.add_parser("plot", help="draw a plan: map, Gantt chart, coverage heat map or convergence")
    g.add_argument("plan", help="plan JSON written by 'dutyplan solve --out'")
    g.add_argument("--problem", required=True, help="the problem file (or bundled example) it plans")
    g.add_argument("--problem-format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    g.add_argument("--kind", choices=PLOT_KINDS, default="map", help="default: map")
    g.add_argument("--site", default=None, help="site id for the Gantt chart (default: the first)")
    g.add_argument("--font", default=None, help="font family for the labels (default: one with the glyphs)")
    g.add_argument("--dpi", type=_whole(10, MAX_DPI), default=150, help=f"dots per inch, 10 to {MAX_DPI}")
    g.add_argument("--out", required=True, metavar="FILE.png", help="image file (png, svg or pdf)")
    g.set_defaults(run=_plot)

    s = sub.add_parser("schema", help="print the JSON Schema of a problem file")
    s.set_defaults(run=_schema)

    y = sub.add_parser("synth", help="write a synthetic problem: 'dutyplan synth city --people N --sites N "
                       "--days N [--roles] --out FILE' (or the district generator's options)", add_help=False)
    y.add_argument("args", nargs=argparse.REMAINDER)
    y.set_defaults(run=_synth)

    e = sub.add_parser("example", help="print a bundled example problem as JSON (no name: list them)")
    e.add_argument("name", nargs="?")
    e.set_defaults(run=_example)
    return main


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        args = parser().parse_args(argv)
        if args.verbose or getattr(args, "log", False):
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        return args.run(args)
    except DutyplanError as error:
        print(f"dutyplan: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # the second Ctrl-C: abort at once, nothing written
        print("dutyplan: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    finally:
        sys.stdout, sys.stderr = streams


if __name__ == "__main__":
    sys.exit(main())
