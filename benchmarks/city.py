"""City scale (issue 7): district, city, decomposed vs single model, growth with size.

Each run generates a city with ``dutyplan.synth.city`` (districts over ~50 km, 1-4 gates per
site, agencies of 5-200 staff; see ../shared/domain.md: 74,000 cadres, 7,120 communities;
Tongzhou's 3,717 cadres), solves it in a child process (so each run's peak memory is its
own: the parent's and its process pool's, read from ``ru_maxrss``) and checks the plan with
the independent checker.

    python benchmarks/city.py --runs district            # 3,717 people, 300 sites, 120 s
    python benchmarks/city.py --runs district --district-limit 60 --solve-seeds 0,1,2 --workers 1
    python benchmarks/city.py --runs city --city-limit 1140   # 74,000 people, 7,120 sites
                                                         # (1,140 s: solve + check in 20 min)
    python benchmarks/city.py --runs compare             # 100 people, 10 sites, 21 gates, 28 days
    python benchmarks/city.py --runs scale --sizes 1000,3717,10000,25000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import level_text, machine, positive_seconds, seed_list, write_results  # noqa: E402

SITES_PER_PERSON = 7120 / 74000


def _child(spec: dict, queue) -> None:  # noqa: ANN001
    import logging

    from dutyplan import synth
    from dutyplan.checker import check
    from dutyplan.solve import solve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    began = time.perf_counter()
    if spec.get("gates"):
        problem = synth.generate(spec["people"], spec["sites"], spec["gates"], spec["days"], seed=spec["seed"])
    else:
        problem = synth.city(spec["people"], spec["sites"], days=spec["days"], seed=spec["seed"],
                             roles=spec.get("roles", False))
    generated = time.perf_counter() - began
    began = time.perf_counter()
    plan = solve(problem, time_limit=spec["time_limit"], workers=spec["workers"], seed=spec.get("solve_seed", 0),
                 strategy=spec["strategy"], progress=spec.get("progress", False))
    wall = time.perf_counter() - began
    began = time.perf_counter()
    report = check(problem, plan)
    checked = time.perf_counter() - began
    r = plan.result
    queue.put({
        **spec, "generate_s": round(generated, 1), "wall_s": round(wall, 1), "check_s": round(checked, 1),
        "status": r.status, "objective": r.objective, "bound": r.best_bound,
        "gap_pct": None if r.gap is None else round(100 * r.gap, 2),
        "uncovered": len(plan.uncovered), "checked_ok": report.ok,
        "checker_objective": report.objective, "levels": level_text(r),
        "peak_mb_self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_mb_children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "mode": r.mode,
    })


def run(spec: dict) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_child, args=(spec, queue))
    child.start()
    row = queue.get()
    child.join()
    row["peak_mb"] = row["peak_mb_self"] + row["peak_mb_children"]
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default="district,compare", help="district, city, compare, scale")
    parser.add_argument("--sizes", default="1000,3717,10000,25000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--roles", action="store_true", help="the Beijing role rule at every site")
    parser.add_argument("--city-limit", type=float, default=1200.0)
    parser.add_argument("--district-limit", type=positive_seconds, default=120.0)
    parser.add_argument("--solve-seeds", type=seed_list, default=[0],
                        help="the solver's seeds for the district, e.g. 0,1,2 (the problem's is 0)")
    parser.add_argument("--out", default="benchmarks/results/city")
    args = parser.parse_args()
    rows = []
    base = {"days": 14, "seed": 0, "workers": args.workers, "roles": args.roles}
    for name in args.runs.split(","):
        if name == "district":
            for solve_seed in args.solve_seeds:
                rows.append(run({**base, "run": "district", "people": 3717, "sites": 300,
                                 "time_limit": args.district_limit, "strategy": "auto", "solve_seed": solve_seed}))
        elif name == "city":
            rows.append(run({**base, "run": "city", "people": 74000, "sites": 7120,
                             "time_limit": args.city_limit, "strategy": "auto", "progress": True}))
        elif name == "compare":
            for strategy in ("decompose", "single"):
                rows.append(run({**base, "run": f"compare-{strategy}", "people": 100, "sites": 10, "gates": 21,
                                 "days": 28, "time_limit": 60.0, "strategy": strategy, "seed": 1}))
        elif name == "scale":
            for people in [int(s) for s in args.sizes.split(",")]:
                sites = max(2, round(people * SITES_PER_PERSON))
                # the city's 20 minutes for 74,000 people, in proportion (at least a minute)
                limit = max(60.0, args.city_limit * people / 74000)
                rows.append(run({**base, "run": f"scale-{people}", "people": people, "sites": sites,
                                 "time_limit": round(limit), "strategy": "auto"}))
    columns = ["run", "workers", "solve_seed", "people", "sites", "days", "time_limit", "wall_s", "check_s", "peak_mb", "status",
               "objective", "bound", "gap_pct", "uncovered", "checked_ok", "levels"]
    lines = [f"# City scale ({machine()})", "", "| " + " | ".join(columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    write_results(args.out, rows, columns, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
