"""``python -m dutyplan.synth`` (and ``dutyplan synth``): write a generated problem."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem
from dutyplan.synth.cities import city
from dutyplan.synth.districts import generate
from dutyplan.synth.reports import capacity_report, role_report


def summary(problem: Problem) -> str:
    """One line of arithmetic for the command line."""
    report = capacity_report(problem)
    split = {True: "ok", False: "NOT possible", None: "not checked (too big)"}[report["split_ok"]]
    roles = "".join(
        f", {role} {entry['ratio']:.2f}" for role, entry in role_report(problem).items()
    )
    return (
        f"{problem.name}: demand {report['demand']} person-shifts, capacity "
        f"{report['capacity']:.0f} (ratio {report['ratio']:.2f}{roles}), sites need "
        f"{report['site_people_total']} of {report['people']} people, split {split}"
    )


def write_problem(problem: Problem, out: Path | None, indent: int | None) -> None:
    text = problem.model_dump_json(indent=indent, exclude_none=True) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def no_terminal_dump(out: Path | None) -> bool:
    """True (with a message) when the problem would be written to a terminal: thousands of
    lines are no use there; a file (``--out``) or a pipe is."""
    if out is None and sys.stdout.isatty():
        print("error: --out: give a file to write the problem to (or pipe the output)", file=sys.stderr)
        return True
    return False


def city_main(argv: list[str], prog: str) -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Write a synthetic city (dutyplan.synth.city) as JSON; the defaults are "
        "Beijing's 74,000 cadres at 7,120 communities for two weeks.",
    )
    parser.add_argument("--people", type=int, default=74_000)
    parser.add_argument("--sites", type=int, default=7_120)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--roles", action="store_true", help="an agency cadre, a township cadre and a health "
        "professional at every site around the clock"
    )
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2020, 2, 10))
    parser.add_argument("--radius-km", type=float, default=50.0)
    parser.add_argument("--indent", type=int, default=None, help="JSON indent (default: compact)")
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    if no_terminal_dump(args.out):
        return 2
    try:
        problem = city(
            args.people, args.sites, args.days, args.seed, args.roles, args.start, args.radius_km
        )
    except ProblemError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_problem(problem, args.out, args.indent)
    print(summary(problem), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None, prog: str = "python -m dutyplan.synth") -> int:
    """The command line: ``city ...`` writes :func:`city`; without a subcommand,
    :func:`generate` (``--people --sites --gates --days --seed --start --out``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "city":
        return city_main(argv[1:], f"{prog} city")
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Write a synthetic dutyplan problem as JSON ('city --help' for a whole city).",
    )
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--gates", type=int, default=21)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2022, 4, 11))
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")
    args = parser.parse_args(argv)
    if no_terminal_dump(args.out):
        return 2
    try:
        problem = generate(args.people, args.sites, args.gates, args.days, args.seed, args.start)
    except ProblemError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_problem(problem, args.out, 2)
    print(summary(problem), file=sys.stderr)
    return 0
