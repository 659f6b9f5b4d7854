"""Synthetic districts (3 x 8 h, realistic commutes): first plan, objective, bound and gap.

    python benchmarks/synthetic.py [--time-limit 60] [--workers 2] [--strategy auto]
                                   [--sizes 100,10,21,28 500,50,100,28] [--seed 1]
    python benchmarks/synthetic.py --build-only --sizes 500,50,100,28

Sizes are people,sites,gates,days. For each size it prints the model build time, time to
first plan, status, objective, best bound, gap, each level as value/bound, wall time, peak
memory and the independent checker's verdict. ``--build-only`` times the model build alone
(the single model and the decomposed path's models).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import level_text, machine, peak_memory_mb

import dutyplan
from dutyplan.decompose.choice import choose_sites
from dutyplan.model import build_model
from dutyplan.compile import build_index
from dutyplan.synth import generate


def run(size: tuple[int, int, int, int], args: argparse.Namespace) -> None:
    problem = generate(*size, seed=args.seed)
    started = time.perf_counter()
    plan = dutyplan.solve(
        problem, time_limit=args.time_limit, workers=args.workers, seed=0, strategy=args.strategy
    )
    wall = time.perf_counter() - started
    r = plan.result
    report = dutyplan.check(problem, plan)
    gap = "n/a" if r.gap is None else f"{100 * r.gap:.2f}%"
    print(f"\n{size} people,sites,gates,days; strategy {args.strategy}; limit {args.time_limit:g}s")
    print(f"  status {r.status} ({r.mode}), objective {r.objective}, bound {r.best_bound}, gap {gap}")
    print(f"  build {r.build_seconds:.2f}s, first plan {r.first_plan_seconds}s, solve {r.solve_seconds:.2f}s, wall {wall:.2f}s")
    print(f"  levels: {level_text(r)}")
    print(f"  uncovered person-shifts {plan.missing_person_shifts}, duties {len(plan.assignments)}")
    print(f"  checker {'ok' if report.ok else 'VIOLATIONS'}, objective equal: {report.objective == r.objective}")
    print(f"  peak memory {peak_memory_mb():.0f} MB")


def build_only(size: tuple[int, int, int, int], args: argparse.Namespace) -> None:
    problem = generate(*size, seed=args.seed)
    t0 = time.perf_counter()
    index = build_index(problem)
    t_index = time.perf_counter() - t0
    print(f"\n{size}: index {t_index:.2f}s, {int(index.eligible.sum())} candidate postings")
    t0 = time.perf_counter()
    site_of, _ = choose_sites(index, 5.0, args.workers, 0)
    t_sites = time.perf_counter() - t0
    allowed = np.zeros((index.n_people, index.n_sites), dtype=bool)
    placed = site_of >= 0
    allowed[np.flatnonzero(placed), site_of[placed]] = True
    dm = build_model(problem, site_allowed=allowed)
    print(f"  site choice {t_sites:.2f}s (5s limit); model with chosen sites: build {dm.build_seconds:.2f}s, "
          f"{len(dm.x_vars)} posting variables")
    if not args.skip_single:
        dm = build_model(problem, index=index)
        print(f"  single model: build {dm.build_seconds + t_index:.2f}s, {len(dm.x_vars)} posting variables")
    print(f"  peak memory {peak_memory_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strategy", default="auto", choices=["auto", "single", "decompose"])
    parser.add_argument("--sizes", nargs="+", default=["100,10,21,28", "500,50,100,28"])
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--skip-single", action="store_true", help="with --build-only")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for text in args.sizes:
        size = tuple(int(x) for x in text.split(","))
        (build_only if args.build_only else run)(size, args)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
