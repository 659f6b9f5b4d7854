"""Measure a fixed split of the time limit (a field of dutyplan.timing.TimeSplits).

    python benchmarks/time_splits.py first_round_share 0.2 0.4 0.6
    python benchmarks/time_splits.py commute_bound_share 0.05 0.1 0.2 --seeds 0 1 2 --workers 1 2
    python benchmarks/time_splits.py --list

Each value is set (``dutyplan.timing.SPLITS``), then the split's scenario is solved for every
seed and worker count in deterministic time (the figures do not depend on the machine's load,
so other work may run meanwhile). Per value it prints the objective of every run (lower is
better), their median and spread, how many were proven optimal, and writes
``benchmarks/results/time_splits_<field>.{csv,md}``.

Scenarios, each traceable to ../shared/domain.md or a public benchmark:

* ``village``: the bundled Shangzhuang example (20 people, commute, several sites), one model.
* ``district``: a synthetic district of 500 people, 50 sites, 100 gates, 28 days (the synth
  generator's realistic commutes), sites first.
* ``curtois``: Curtois Instance13 (../shared/benchmarks/curtois), one model with neighbourhood
  search.
* ``replan``: Shangzhuang, the two busiest people ill from day 5 (as benchmarks/replan.py).
* ``staffing``: Shangzhuang with one village's demand doubled (as benchmarks/staffing.py);
  ``dutyplan.staffing`` has no deterministic time, so these runs are on the wall clock: run
  them with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import datetime as dt
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from _common import machine, write_results
from staffing import doubled  # benchmarks/staffing.py's scenario

import dutyplan
import dutyplan.timing as timing
from dutyplan.io import curtois as curtois_files
from dutyplan.synth import generate

SHARED = Path(__file__).resolve().parents[2] / "shared"

# the scenario where each split acts (None: none of these scenarios reaches it)
SCENARIO_OF: dict[str, str | None] = {
    "commute_bound_share": "village", "commute_bound_most": "village", "hint_share": None,
    "person_start_share": "curtois", "person_start_most_share": "curtois",
    "person_start_model_seconds": "curtois", "start_completion_share": "curtois",
    "lns_share": "curtois", "lns_least_seconds": "curtois", "lns_sub_seconds": "curtois",
    "completion_seconds": "village",
    "site_choice_share": "district", "site_choice_most": "district", "end_share": "district",
    "end_most": "district", "city_end_share": None, "city_end_most": None,
    "first_round_share": "district", "repair_round_share": "district",
    "improve_round_share": "district", "site_least_seconds": "district",
    "polish_bound_share": "district", "polish_bound_most": "district",
    "explain_share": None, "explain_most": None,
    "replan_start_share": "replan", "replan_cover_share": "replan", "replan_cover_lns_share": "replan",
    "staffing_site_bound_share": "staffing", "staffing_site_bound_most": "staffing",
    "staffing_minimum_share": "staffing",
}
LIMIT = {"village": 10.0, "district": 30.0, "curtois": 60.0, "replan": 5.0, "staffing": 30.0}


def village(seed: int, workers: int, limit: float) -> tuple[int | None, bool]:
    plan = dutyplan.solve(dutyplan.load_example("shangzhuang"), time_limit=limit, workers=workers,
                          seed=seed, strategy="single", deterministic=True, progress=False)
    return plan.result.objective, plan.result.status == "optimal"


def district(seed: int, workers: int, limit: float) -> tuple[int | None, bool]:
    plan = dutyplan.solve(generate(500, 50, 100, 28, seed=1), time_limit=limit, workers=workers,
                          seed=seed, strategy="decompose", deterministic=True, progress=False)
    return plan.result.objective, plan.result.status == "optimal"


def curtois(seed: int, workers: int, limit: float) -> tuple[int | None, bool]:
    problem = curtois_files.load(SHARED / "benchmarks" / "curtois" / "Instance13.txt")
    plan = dutyplan.solve(problem, time_limit=limit, workers=workers, seed=seed, strategy="single",
                          deterministic=True, progress=False)
    return plan.result.objective, plan.result.status == "optimal"


@functools.lru_cache(maxsize=1)
def published_village() -> tuple[dutyplan.Problem, dutyplan.Plan]:
    """The plan the re-plans start from: published once (20 s deterministic, 1 worker, seed 0)."""
    problem = dutyplan.load_example("shangzhuang")
    return problem, dutyplan.solve(problem, time_limit=20.0, workers=1, seed=0, deterministic=True, progress=False)


def replan(seed: int, workers: int, limit: float) -> tuple[int | None, bool]:
    problem, published = published_village()
    day5 = problem.horizon.start + dt.timedelta(days=4)
    later = Counter(a.person for a in published.assignments if a.date >= day5)
    changes = {"away": [{"person": p, "start": day5.isoformat()} for p, _ in later.most_common(2)]}
    result = dutyplan.replan(problem, published, changes, freeze_until=day5, time_limit=limit,
                             workers=workers, seed=seed, deterministic=True)
    return result.plan.result.objective, result.plan.result.status == "optimal"


def staffing(seed: int, workers: int, limit: float) -> tuple[int | None, bool]:
    answer = dutyplan.staffing(doubled(dutyplan.load_example("shangzhuang"), "shangzhuang"),
                               time_limit=limit, workers=workers, seed=seed)
    # fewest extra people first, then the uncovered person-shifts along the curve
    uncovered = sum(point.uncovered for point in answer.curve)
    value = None if answer.minimum is None else 1000 * answer.minimum + uncovered
    return value, answer.proven


RUN: dict[str, Callable[[int, int, float], tuple[int | None, bool]]] = {
    "village": village, "district": district, "curtois": curtois, "replan": replan, "staffing": staffing,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("field", nargs="?")
    parser.add_argument("values", nargs="*", type=float)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--time-limit", type=float, help="default: the scenario's")
    parser.add_argument("--list", action="store_true", help="the fields, their values and scenarios")
    args = parser.parse_args()
    if args.list or args.field is None:
        for field in dataclasses.fields(timing.TimeSplits):
            print(f"{field.name:28} {getattr(timing.SPLITS, field.name):>8g}  {SCENARIO_OF[field.name] or '-'}")
        return
    if args.field not in SCENARIO_OF:
        parser.error(f"no split named {args.field!r} (see --list)")
    scenario = SCENARIO_OF[args.field]
    if scenario is None:
        parser.error(f"{args.field} acts in no scenario of this script yet (a hint given to solve, a "
                     "city too large for the compiled index, or a site with no roster)")
    limit = args.time_limit or LIMIT[scenario]
    default = getattr(timing.SPLITS, args.field)
    values = args.values or [default]
    rows, lines = [], []
    print(f"machine: {machine()}\n{args.field} (now {default:g}) on {scenario}, {limit:g} s "
          f"deterministic, seeds {args.seeds}, workers {args.workers}")
    for value in values:
        timing.SPLITS = dataclasses.replace(timing.SPLITS, **{args.field: value})
        found = []
        for workers in args.workers:
            for seed in args.seeds:
                started = time.perf_counter()
                objective, proven = RUN[scenario](seed, workers, limit)
                wall = time.perf_counter() - started
                rows.append({"field": args.field, "value": value, "workers": workers, "seed": seed,
                             "objective": objective, "proven": proven, "wall": round(wall, 2)})
                print(f"  {value:g}: workers {workers} seed {seed}: objective {objective} "
                      f"{'proven' if proven else ''} (wall {wall:.1f} s)", flush=True)
                found.append((objective, proven))
        objectives = [o for o, _ in found if o is not None]
        median = statistics.median(objectives) if objectives else None
        line = (f"| {value:g}{' (now)' if value == default else ''} | "
                f"{', '.join(str(o) for o, _ in found)} | {median} | "
                f"{(max(objectives) - min(objectives)) if objectives else '-'} | "
                f"{sum(p for _, p in found)}/{len(found)} |")
        lines.append(line)
    timing.SPLITS = dataclasses.replace(timing.SPLITS, **{args.field: default})
    markdown = "\n".join([
        f"# {args.field}", "",
        f"Scenario `{scenario}`, {limit:g} s of deterministic time, seeds {args.seeds} with "
        f"workers {args.workers} (runs listed workers first). Machine: {machine()}.",
        f"Command: `python benchmarks/time_splits.py {args.field} {' '.join(f'{v:g}' for v in values)}`", "",
        "| value | objectives | median | spread | proven |", "|---|---|---|---|---|", *lines, "",
    ])
    print("\n" + markdown)
    write_results(f"benchmarks/results/time_splits_{args.field}", rows,
                  ["field", "value", "workers", "seed", "objective", "proven", "wall"], markdown)


if __name__ == "__main__":
    main()
