"""Roster column generation on the Curtois & Qu instances: the lower bound against the best known.

    python benchmarks/columns.py [--instances 1-21] [--time-limit 120] [--workers 2]
                                 [--seed 0] [--data ../shared/benchmarks/curtois]
                                 [--out benchmarks/results/columns_1-21_120s]

Runs :func:`dutyplan.solver.columns.roster_bound` alone (no plan search) on each instance in
its own process and writes, per instance: the bound, the restricted master's LP value,
whether the LP was proven optimal over all rosters, rounds, columns, seconds, the best known
objective and lower bound (``best_known.csv``), the bound's gap below the best known
objective in %, and the peak memory.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from _common import machine, markdown_table, peak_memory_mb
from curtois import main_of

COLUMNS = [
    "instance", "days", "staff", "shift_types", "bound", "lp_value", "lp_optimal", "rounds",
    "columns", "seconds", "best_known", "best_lower_bound", "bound_gap_pct", "workers",
    "time_limit", "cpu", "peak_memory_mb",
]


def run_one(number: int, args: argparse.Namespace) -> dict:
    from dutyplan.io import curtois
    from dutyplan.solver.columns import roster_bound

    problem = curtois.load(Path(args.data) / f"Instance{number}.txt")
    began = time.perf_counter()
    found = roster_bound(problem, args.time_limit, workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - began
    with open(Path(args.data) / "best_known.csv", newline="") as handle:
        known = {row["instance"]: row for row in csv.DictReader(handle)}[f"Instance{number}"]
    best = int(known["best_known_upper_bound"])
    return {
        "instance": f"Instance{number}",
        "days": problem.horizon.days,
        "staff": len(problem.people),
        "shift_types": len(problem.shift_types),
        "bound": found.bound,
        "lp_value": round(found.lp_value, 2),
        "lp_optimal": found.converged,
        "rounds": found.rounds,
        "columns": found.columns,
        "seconds": round(wall, 1),
        "best_known": best,
        "best_lower_bound": known["best_lower_bound"],
        "bound_gap_pct": round(100 * (best - found.bound) / best, 2),
        "workers": args.workers,
        "time_limit": args.time_limit,
        "cpu": machine(),
        "peak_memory_mb": round(peak_memory_mb()),
    }


def markdown(rows: list[dict]) -> str:
    head = ["instance", "days", "staff", "shifts", "bound", "LP", "LP optimal", "rounds", "columns",
            "s", "best known", "bound gap %", "peak MB"]
    keys = ["instance", "days", "staff", "shift_types", "bound", "lp_value", "lp_optimal", "rounds",
            "columns", "seconds", "best_known", "bound_gap_pct", "peak_memory_mb"]
    return markdown_table(rows, head, keys)


def main() -> None:
    main_of(
        __file__, run_one,
        lambda row: (
            f"{row['instance']}: bound {row['bound']} (LP {row['lp_value']}, optimal {row['lp_optimal']}), "
            f"best known {row['best_known']}, {row['bound_gap_pct']}% below, {row['seconds']} s"
        ),
        markdown, COLUMNS, "1-21", 120.0, ", bound only (no plan search)",
    )


if __name__ == "__main__":
    main()
