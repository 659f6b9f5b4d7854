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
import csv
import dataclasses
import functools
import re
import datetime as dt
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
    "stage_shares": None, "site_stage_shares": None,  # relative weights by level, not one number
    "commute_bound_share": "village", "commute_bound_most": "village", "hint_share": None,
    "person_start_share": "curtois", "person_start_most_share": "curtois",
    "person_start_model_seconds": "curtois", "start_completion_share": "curtois",
    "lns_share": "curtois", "lns_least_seconds": "curtois", "lns_sub_seconds": "curtois",
    "lns_least_seconds_one_worker": None,  # measured with benchmarks/quality.py on Yuncheng
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


Outcome = tuple[tuple[int, ...] | None, str, bool]  # lexicographic key, levels in words, proven


def outcome(result: dutyplan.plan.Result) -> Outcome:
    """A run's result as a key to compare runs by (the level values in the solve's order, or
    the objective in weighted mode: lower is better), its levels in words, and proven or not."""
    if result.objective is None:
        return None, "no plan", False
    weighted = result.mode.startswith("weighted")
    key = (result.objective,) if weighted else tuple(lv.value for lv in result.levels)
    text = f"objective {result.objective} (" + ", ".join(f"{lv.name} {lv.value}" for lv in result.levels) + ")"
    return key, text, result.status == "optimal"


def village(seed: int, workers: int, limit: float) -> Outcome:
    plan = dutyplan.solve(dutyplan.load_example("shangzhuang"), time_limit=limit, workers=workers,
                          seed=seed, strategy="single", deterministic=True, progress=False)
    return outcome(plan.result)


def district(seed: int, workers: int, limit: float) -> Outcome:
    plan = dutyplan.solve(generate(500, 50, 100, 28, seed=1), time_limit=limit, workers=workers,
                          seed=seed, strategy="decompose", deterministic=True, progress=False)
    return outcome(plan.result)


def curtois(seed: int, workers: int, limit: float) -> Outcome:
    problem = curtois_files.load(SHARED / "benchmarks" / "curtois" / "Instance13.txt")
    plan = dutyplan.solve(problem, time_limit=limit, workers=workers, seed=seed, strategy="single",
                          deterministic=True, progress=False)
    return outcome(plan.result)


@functools.lru_cache(maxsize=1)
def published_village() -> tuple[dutyplan.Problem, dutyplan.Plan]:
    """The plan the re-plans start from: published once (20 s deterministic, 1 worker, seed 0)."""
    problem = dutyplan.load_example("shangzhuang")
    return problem, dutyplan.solve(problem, time_limit=20.0, workers=1, seed=0, deterministic=True, progress=False)


def replan(seed: int, workers: int, limit: float) -> Outcome:
    problem, published = published_village()
    day5 = problem.horizon.start + dt.timedelta(days=4)
    later = Counter(a.person for a in published.assignments if a.date >= day5)
    changes = {"away": [{"person": p, "start": day5.isoformat()} for p, _ in later.most_common(2)]}
    result = dutyplan.replan(problem, published, changes, freeze_until=day5, time_limit=limit,
                             workers=workers, seed=seed, deterministic=True)
    return outcome(result.plan.result)


def staffing(seed: int, workers: int, limit: float) -> Outcome:
    answer = dutyplan.staffing(doubled(dutyplan.load_example("shangzhuang"), "shangzhuang"),
                               time_limit=limit, workers=workers, seed=seed)
    # fewest extra people first, then the uncovered person-shifts along the curve
    uncovered = sum(point.uncovered for point in answer.curve)
    if answer.minimum is None:
        return None, "no minimum", False
    return (answer.minimum, uncovered), f"{answer.minimum} extra, {uncovered} uncovered on the curve", answer.proven


RUN: dict[str, Callable[[int, int, float], Outcome]] = {
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
    parser.add_argument("--summarise", metavar="CSV", help="write the table again from a results CSV")
    args = parser.parse_args()
    if args.summarise:
        with open(args.summarise, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        field = rows[0]["field"]
        seeds = sorted({int(r["seed"]) for r in rows})
        workers = sorted({int(r["workers"]) for r in rows})
        scenario = SCENARIO_OF[field] or "-"
        limit = args.time_limit or LIMIT.get(scenario, 0.0)
        markdown = summary(field, scenario, limit, seeds, workers, getattr(timing.SPLITS, field), rows)
        Path(args.summarise).with_suffix(".md").write_text(markdown, encoding="utf-8")
        print(markdown)
        return
    if args.list or args.field is None:
        for field in dataclasses.fields(timing.TimeSplits):
            value = getattr(timing.SPLITS, field.name)
            shown = f"{value:>8g}" if isinstance(value, (int, float)) else str(value)
            print(f"{field.name:28} {shown}  {SCENARIO_OF[field.name] or '-'}")
        return
    if args.field not in SCENARIO_OF:
        parser.error(f"no split named {args.field!r} (see --list)")
    scenario = SCENARIO_OF[args.field]
    if scenario is None:
        parser.error(f"{args.field} is not measured by this script (a share by level, or it acts only "
                     "with a hint given to solve, a city too large for the compiled index, or a site "
                     "with no roster)")
    limit = args.time_limit or LIMIT[scenario]
    default = getattr(timing.SPLITS, args.field)
    values = args.values or [default]
    runs: dict[float, list[tuple[int, int, Outcome, float]]] = {}
    print(f"machine: {machine()}\n{args.field} (now {default:g}) on {scenario}, {limit:g} s "
          f"deterministic, seeds {args.seeds}, workers {args.workers}")
    for value in values:
        timing.SPLITS = dataclasses.replace(timing.SPLITS, **{args.field: value})
        runs[value] = []
        for workers in args.workers:
            for seed in args.seeds:
                started = time.perf_counter()
                found = RUN[scenario](seed, workers, limit)
                wall = time.perf_counter() - started
                runs[value].append((workers, seed, found, wall))
                print(f"  {value:g}: workers {workers} seed {seed}: {found[1]}"
                      f"{', proven' if found[2] else ''} (wall {wall:.1f} s)", flush=True)
    timing.SPLITS = dataclasses.replace(timing.SPLITS, **{args.field: default})
    rows = [
        {"field": args.field, "value": value, "workers": workers, "seed": seed, "levels": text,
         "key": " ".join(map(str, key)) if key is not None else "", "proven": proven, "wall": round(wall, 2)}
        for value in values for workers, seed, (key, text, proven), wall in runs[value]
    ]
    markdown = summary(args.field, scenario, limit, args.seeds, args.workers, default, rows)
    print("\n" + markdown)
    write_results(str(Path(__file__).resolve().parent / "results" / f"time_splits_{args.field}"), rows,
                  ["field", "value", "workers", "seed", "levels", "key", "proven", "wall"], markdown)


def summary(field: str, scenario: str, limit: float, seeds: list[int], workers: list[int], default: float,
            rows: list[dict]) -> str:
    """The experiment in a table: per value, its runs against the current value's run with the
    same seed and workers (levels compared in order, lower is better), runs proven, the worst."""
    def key(row: dict) -> tuple[int, ...] | None:
        if row.get("key"):
            return tuple(int(x) for x in str(row["key"]).split())
        inside = re.search(r"\((.*)\)", str(row["levels"]))  # levels in words, from an older CSV
        return tuple(int(x) for x in re.findall(r"-?\d+", inside.group(1))) if inside else None

    values = list(dict.fromkeys(float(row["value"]) for row in rows))
    now = {(int(r["workers"]), int(r["seed"])): key(r) for r in rows if float(r["value"]) == default}
    lines = []
    for value in values:
        mine = [r for r in rows if float(r["value"]) == value]
        better = same = worse = 0
        for r in mine:
            a, b = key(r), now.get((int(r["workers"]), int(r["seed"])))
            a_, b_ = (a is None, a), (b is None, b)
            better += a_ < b_
            same += a_ == b_
            worse += a_ > b_
        worst = max(mine, key=lambda r: (key(r) is None, key(r) or ()))
        proven = sum(str(r["proven"]) == "True" for r in mine)
        lines.append(f"| {value:g}{' (now)' if value == default else ''} | {better} / {same} / {worse} | "
                     f"{proven}/{len(mine)} | {worst['levels']} |")
    return "\n".join([
        f"# {field}", "",
        f"Scenario `{scenario}`, {limit:g} s of deterministic time, seeds {seeds} with workers {workers}. "
        f"Machine: {machine()}.",
        f"Command: `python benchmarks/time_splits.py {field} {' '.join(f'{v:g}' for v in values)}"
        f" --seeds {' '.join(map(str, seeds))} --workers {' '.join(map(str, workers))}`", "",
        f"Each run against the run with {default:g} (the value now) at the same seed and workers, "
        "levels compared in order (a lower first level wins).", "",
        "| value | better / same / worse | proven | worst run |", "|---|---|---|---|", *lines, "",
    ])


if __name__ == "__main__":
    main()
