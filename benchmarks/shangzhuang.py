"""Shangzhuang (20 cadres, 4 villages, 14 days): time to a proven optimum on 2 cores.

    python benchmarks/shangzhuang.py [--time-limit 10] [--workers 2] [--seed 0]

Prints build and solve seconds, status, objective, bound, gap and each level as
value/bound (* = proven optimal), and the independent checker's verdict.
"""

from __future__ import annotations

import argparse
import time

from _common import level_text, machine

import dutyplan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    problem = dutyplan.load_example("shangzhuang")
    started = time.perf_counter()
    plan = dutyplan.solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    wall = time.perf_counter() - started
    r = plan.result
    report = dutyplan.check(problem, plan)
    print(f"machine: {machine()}")
    print(f"shangzhuang, time limit {args.time_limit:g}s, {args.workers} workers, seed {args.seed}")
    print(f"status {r.status}, objective {r.objective}, bound {r.best_bound}, gap {100 * (r.gap or 0):.2f}%")
    print(f"build {r.build_seconds:.2f}s, solve {r.solve_seconds:.2f}s, wall {wall:.2f}s, first plan {r.first_plan_seconds}s")
    print(f"levels: {level_text(r)}")
    print(f"checker: {'ok' if report.ok else 'VIOLATIONS'}, objective {report.objective} "
          f"({'equal' if report.objective == r.objective else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
