"""Curtois & Qu nurse-rostering instances: objective and bound against the best known.

    python benchmarks/curtois.py [--instances 1-12] [--time-limit 60] [--workers 2]
                                 [--seed 0] [--data ../shared/benchmarks/curtois]
                                 [--out benchmarks/results/curtois_60s]

``--instances`` takes numbers and ranges (``1-12``, ``1,3,5``, ``13-21``). Each instance runs
in its own process (so peak memory is its own). Writes ``OUT.csv`` (instance, days, staff,
shift types, status, objective, best bound, best known, gap to best known in %, build
seconds, solve seconds, workers, time limit, CPU model, peak memory, checker verdict) and
``OUT.md`` (a markdown table), and prints the table. The objective is the instance's own
(request penalties plus under/over cover penalties), recomputed by the independent checker.
"""

from __future__ import annotations

import argparse
import dataclasses
import csv
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine, markdown_table, peak_memory_mb, rows_of_children, write_results

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "benchmarks" / "curtois"
COLUMNS = [
    "instance", "days", "staff", "shift_types", "status", "objective", "best_bound", "best_known",
    "gap_to_best_known_pct", "build_seconds", "solve_seconds", "workers", "time_limit", "cpu",
    "peak_memory_mb", "checker",
]


def parse_instances(text: str) -> list[int]:
    numbers: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            numbers += range(int(lo), int(hi) + 1)
        elif part.strip():
            numbers.append(int(part))
    return numbers


def instance_arguments(doc: str | None, instances: str, time_limit: float) -> argparse.ArgumentParser:
    """The command line of a script that runs Curtois instances one process each."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", default=instances)
    parser.add_argument("--time-limit", type=float, default=time_limit)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--out", default=None, help="path prefix for .csv and .md (default: print only)")
    parser.add_argument("--split", action="append", default=[], metavar="NAME=VALUE",
                        help="set a field of dutyplan.timing.SPLITS, e.g. columns_share=0 (no roster bound)")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def set_splits(args: argparse.Namespace) -> None:
    """Apply ``--split NAME=VALUE`` to ``dutyplan.timing.SPLITS``."""
    from dutyplan import timing

    known = {f.name for f in dataclasses.fields(timing.SPLITS)}
    for item in args.split:
        name, _, value = item.partition("=")
        if name not in known or not value:
            raise SystemExit(f"--split {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(known))}")
        kind = type(getattr(timing.SPLITS, name))
        try:
            timing.SPLITS = dataclasses.replace(timing.SPLITS, **{name: kind(value)})
        except (TypeError, ValueError) as error:
            raise SystemExit(f"--split {item!r}: {name} takes a {kind.__name__}: {error}") from None


def child_arguments(args: argparse.Namespace) -> list[str]:
    """What each instance's process is given besides its number."""
    return ["--time-limit", str(args.time_limit), "--workers", str(args.workers),
            "--seed", str(args.seed), "--data", args.data, *(f"--split={item}" for item in args.split)]


def best_known(data: Path) -> dict[str, int]:
    with open(data / "best_known.csv", newline="") as handle:
        return {row["instance"]: int(row["best_known_upper_bound"]) for row in csv.DictReader(handle)}


def run_one(number: int, args: argparse.Namespace) -> dict:
    """Solve one instance in this process and return its row."""
    import dutyplan
    from dutyplan.io import curtois

    path = Path(args.data) / f"Instance{number}.txt"
    problem = curtois.load(path)
    started = time.perf_counter()
    plan = dutyplan.solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - started
    r = plan.result
    report = dutyplan.check(problem, plan) if r.objective is not None else None
    known = best_known(Path(args.data))[f"Instance{number}"]
    gap = "" if r.objective is None else round(100 * (r.objective - known) / known, 2)
    return {
        "instance": f"Instance{number}",
        "days": problem.horizon.days,
        "staff": len(problem.people),
        "shift_types": len(problem.shift_types),
        "status": r.status,
        "objective": "" if r.objective is None else r.objective,
        "best_bound": "" if r.best_bound is None else r.best_bound,
        "best_known": known,
        "gap_to_best_known_pct": gap,
        "build_seconds": round(r.build_seconds, 2),
        "solve_seconds": round(r.solve_seconds, 2),
        "wall_seconds": round(wall, 2),
        "workers": args.workers,
        "time_limit": args.time_limit,
        "cpu": machine(),
        "peak_memory_mb": round(peak_memory_mb()),
        "checker": "n/a" if report is None else (
            "ok" if report.ok and report.objective == r.objective else "MISMATCH"
        ),
    }


def markdown(rows: list[dict]) -> str:
    head = ["instance", "days", "staff", "shifts", "status", "objective", "bound", "best known",
            "gap %", "build s", "solve s", "peak MB", "checker"]
    keys = ["instance", "days", "staff", "shift_types", "status", "objective", "best_bound",
            "best_known", "gap_to_best_known_pct", "build_seconds", "solve_seconds",
            "peak_memory_mb", "checker"]
    return markdown_table(rows, head, keys)


def main_of(script: str, run: Callable[[int, argparse.Namespace], dict], line: Callable[[dict], str],
            markdown: Callable[[list[dict]], str], columns: list[str], instances: str, time_limit: float,
            what: str = "") -> None:
    """The main of a script that runs Curtois instances, one process each: ``run`` an
    instance (in the child), print a ``line`` per instance, then the ``markdown`` table, and
    write the results (``columns``) when asked."""
    args = instance_arguments(sys.modules["__main__"].__doc__, instances, time_limit).parse_args()
    set_splits(args)  # a bad --split is refused here, before any instance runs
    if args.one is not None:
        print(json.dumps(run(args.one, args)))
        return
    command = f"python benchmarks/{Path(script).name} " + " ".join(sys.argv[1:])
    print(f"$ {command}\nmachine: {machine()}", flush=True)
    rows = []
    for row in rows_of_children(script, parse_instances(args.instances), child_arguments(args)):
        rows.append(row)
        print(line(row), flush=True)
    table = markdown(rows)
    print("\n" + table)
    if args.out:
        write_results(
            args.out, rows, columns,
            f"Command: `{command}`\n\nMachine: {machine()}; {args.workers} workers, "
            f"{args.time_limit:g} s per instance{what}"
            f"{''.join(f', {item}' for item in args.split)}.\n\n{table}\n",
        )


def main() -> None:
    main_of(
        __file__, run_one,
        lambda row: (
            f"{row['instance']}: {row['status']} {row['objective']} (bound {row['best_bound']}, "
            f"best known {row['best_known']}, gap {row['gap_to_best_known_pct']}%), "
            f"build {row['build_seconds']}s, solve {row['solve_seconds']}s, "
            f"{row['peak_memory_mb']} MB, checker {row['checker']}"
        ),
        markdown, COLUMNS, "1-12", 60.0,
    )


if __name__ == "__main__":
    main()
