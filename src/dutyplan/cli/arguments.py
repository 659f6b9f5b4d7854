"""The parser: every subcommand, its arguments and their checks."""

from __future__ import annotations

import argparse

from dutyplan.budget import MAX_SEED, MAX_WORKERS
from dutyplan.cli.commands import (
    PLOT_KINDS,
    check_command,
    example_command,
    explain_command,
    export_command,
    plot_command,
    replan_command,
    schema_command,
    solve_command,
    staffing_command,
    synth_command,
)
from dutyplan.cli.inputs import (
    FORMATS,
    MAX_DPI,
    MAX_ROWS,
    seconds_argument,
    whole_number,
)
from dutyplan.staffing import MAX_PER_SITE

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


def _version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dutyplan")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="dutyplan",
        description="Optimal duty timetables for gates and checkpoints.",
        epilog="exit codes: 0 plan written / check passed, 1 violations found, 2 bad input, 3 no plan",
    )
    main.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    main.add_argument("--version", action="version", version=f"dutyplan {_version()}")
    sub = main.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="solve a problem file (or a bundled example) and print the plan")
    p.add_argument("problem", help="problem file (.json or .toml) or a bundled example name")
    p.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    p.add_argument("--time-limit", type=seconds_argument, default=30.0, metavar="S",
                   help="seconds (default 30): wall clock, or deterministic with --deterministic")
    p.add_argument("--workers", type=whole_number(1, MAX_WORKERS), default=None, metavar="N",
                   help="solver threads (default: all cores)")
    p.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, metavar="N", help="random seed (default 0)")
    p.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    p.add_argument("--no-improvement", type=seconds_argument, default=None, metavar="S",
                   help="stop once S seconds pass without a better plan (wall clock; each level "
                   "starts its own count)")
    p.add_argument("--out", metavar="PLAN.json", help="write the plan as JSON")
    p.add_argument("--rows", type=whole_number(0, MAX_ROWS), default=40, help="rows per table in the summary")
    p.add_argument("--quiet", action="store_true", help="print only the check verdict (no progress bar)")
    p.add_argument("--log", action="store_true", help="log the CP-SAT search")
    p.add_argument("--strategy", choices=("auto", "single", "decompose"), default="auto",
                   help="one model, or sites first then rosters (default: by size)")
    p.add_argument("--checkpoint", metavar="DIR", default=None,
                   help="keep finished site plans in DIR; a rerun with DIR resumes (decomposed solves)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="roster sites on a Dask cluster: a scheduler address, or 'local'")
    p.set_defaults(run=solve_command)

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
    c.set_defaults(run=check_command)

    r = sub.add_parser("replan", help="re-plan a published plan after changes, changing as little as possible")
    r.add_argument("problem", help="the problem the plan was published for")
    r.add_argument("plan", help="the published plan (JSON)")
    r.add_argument("--changes", metavar="CHANGES.json",
                   help="away, remove_people, add_people, demand, add_sites, add_gates (see README)")
    r.add_argument("--freeze-until", metavar="DATE[THH:MM]", default=None,
                   help="nothing starting before this moves (default: the horizon start)")
    r.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    r.add_argument("--time-limit", type=seconds_argument, default=30.0, metavar="S")
    r.add_argument("--workers", type=whole_number(1, MAX_WORKERS), default=None, metavar="N")
    r.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, metavar="N")
    r.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    r.add_argument("--out", metavar="PLAN.json", help="write the new plan as JSON")
    r.set_defaults(run=replan_command)

    f = sub.add_parser("staffing", help="fewest extra people for full cover, and cover with 0, 1, 2... extra")
    f.add_argument("problem")
    f.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    f.add_argument("--pool", metavar="POOL.json", help="candidate people (JSON list; default: per site and role)")
    f.add_argument("--per-site", type=whole_number(1, MAX_PER_SITE), default=None, metavar="N",
                   help="generated candidates per site and role")
    f.add_argument("--time-limit", type=seconds_argument, default=30.0, metavar="S")
    f.add_argument("--workers", type=whole_number(1, MAX_WORKERS), default=None, metavar="N")
    f.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0, metavar="N")
    f.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    f.add_argument("--out", metavar="PLAN.json", help="write a fully covered plan with the extra people")
    f.set_defaults(run=staffing_command)

    w = sub.add_parser("explain", help="no plan: which rules cannot hold together; with a plan: for each "
                       "uncovered gate-shift, who could have stood there and which rule stopped the others")
    w.add_argument("problem")
    w.add_argument("plan", nargs="?", default=None)
    w.add_argument("--time-limit", type=seconds_argument, default=10.0, metavar="S",
                   help="seconds (default 10): to explain an infeasible problem, or the uncovered gate-shifts of a plan")
    w.add_argument("--deterministic", action="store_true", help=DETERMINISTIC_HELP)
    w.add_argument("--format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    w.add_argument("--people", default=None, help="comma-separated person ids (default: everyone)")
    w.add_argument("--limit", type=whole_number(0, MAX_ROWS), default=None, help="explain the first N uncovered gate-shifts")
    w.add_argument("--max-people", type=whole_number(0, MAX_ROWS), default=5, help="names listed per reason")
    w.add_argument("--json", action="store_true", help="print the explanations as JSON")
    w.add_argument("--households", action="store_true",
                   help="explain the households nobody answers for (caseloads) instead of the gate-shifts")
    w.set_defaults(run=explain_command)

    x = sub.add_parser(
        "export", help="export a plan as an Excel workbook, CSV files, calendars or printable HTML"
    )
    x.add_argument("plan", help="plan JSON written by 'dutyplan solve --out'")
    x.add_argument("--problem", required=True, help="the problem file (or bundled example) it plans")
    x.add_argument("--problem-format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    x.add_argument(
        "--format", choices=("xlsx", "csv", "ics", "html", "all"), default="xlsx",
        help="xlsx: one workbook (a summary, a roster sheet per site, uncovered, people); csv: "
        "one file per table; ics: a calendar per person; html: printable rosters, a page per "
        "site; all: every one of them into the directory --out (default xlsx)",
    )
    x.add_argument("--out", required=True, metavar="DIR", help="directory (or file for xlsx/html)")
    x.set_defaults(run=export_command)

    g = sub.add_parser("plot", help="draw a plan: map, Gantt chart, coverage heat map or convergence")
    g.add_argument("plan", help="plan JSON written by 'dutyplan solve --out'")
    g.add_argument("--problem", required=True, help="the problem file (or bundled example) it plans")
    g.add_argument("--problem-format", choices=FORMATS, default="auto", help=FORMAT_HELP)
    g.add_argument("--kind", choices=PLOT_KINDS, default="map", help="default: map")
    g.add_argument("--site", default=None, help="site id for the Gantt chart (default: the first)")
    g.add_argument("--page", type=whole_number(1, 100_000), default=1,
                   help="the Gantt chart's page, 60 people each (default 1)")
    g.add_argument("--font", default=None, help="font family for the labels (default: one with the glyphs)")
    g.add_argument("--dpi", type=whole_number(10, MAX_DPI), default=150, help=f"dots per inch, 10 to {MAX_DPI}")
    g.add_argument("--out", required=True, metavar="FILE.png", help="image file (png, svg or pdf)")
    g.set_defaults(run=plot_command)

    s = sub.add_parser("schema", help="print the JSON Schema of a problem file")
    s.set_defaults(run=schema_command)

    y = sub.add_parser("synth", help="write a synthetic problem: 'dutyplan synth city --people N --sites N "
                       "--days N [--roles] --out FILE' (or the district generator's options; "
                       "'dutyplan synth --help')", add_help=False)
    y.add_argument("args", nargs=argparse.REMAINDER)
    y.set_defaults(run=synth_command)

    e = sub.add_parser("example", help="print a bundled example problem as JSON (no name: list them)")
    e.add_argument("name", nargs="?")
    e.set_defaults(run=example_command)
    return main
