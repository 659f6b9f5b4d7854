"""Where a decomposed plan's commute is lost (issue 18): the site choice or the site rosters.

Solves a synthetic city (``dutyplan.synth.city``, 14 days, seed 0) by decomposition, then
re-solves a sample of its sites with the same working people and longer limits (1 worker,
the site jobs' stage shares), and compares each site's commute in the plan, in the re-solve
and in the site's own transportation bound (its people's nearest first, each up to their
capacity): re-solves far below the plan mean the site rosters, not the site choice, leave
the gap.

    python benchmarks/city_sites.py                       # the 3,717-person district, 120 s
    python benchmarks/city_sites.py --sample 12 --site-limits 1,3,10
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, markdown_table, positive_seconds, seconds_list, write_results  # noqa: E402

from dutyplan import synth, timing  # noqa: E402
from dutyplan.compile import site_problem  # noqa: E402
from dutyplan.decompose import city  # noqa: E402
from dutyplan.solve import solve  # noqa: E402


def site_bound(view: city.CityView, members: np.ndarray, k: int) -> int:
    """The site's transportation bound on its own people: nearest first, each to capacity."""
    km = view.round_km(members, np.full(len(members), k))
    need, total = int(view.demand[k]), 0
    for i in np.argsort(km, kind="stable").tolist():
        take = min(int(view.caps[members[i]]), need)
        total += take * int(km[i])
        need -= take
        if need <= 0:
            break
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3717)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--time-limit", type=positive_seconds, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=6, help="sites re-solved (at least 1)")
    parser.add_argument("--site-limits", type=seconds_list, default=[1.0, 3.0, 10.0])
    parser.add_argument("--seed", type=int, default=1, help="which sites are sampled")
    parser.add_argument("--out", default="benchmarks/results/city_sites_district")
    args = parser.parse_args()
    if args.sample < 1:
        parser.error(f"argument --sample: at least 1 site, got {args.sample}")
    limits = args.site_limits
    problem = synth.city(args.people, args.sites, days=14, seed=0)
    began = time.perf_counter()
    plan = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=0, progress=False)
    wall = time.perf_counter() - began
    view = city.city_view(problem)
    person = {p.id: i for i, p in enumerate(problem.people)}
    site = {s.id: k for k, s in enumerate(problem.sites)}
    members: dict[int, set[int]] = {}
    duties: dict[int, int] = {}
    for a in plan.assignments:
        members.setdefault(site[a.site], set()).add(person[a.person])
        duties[person[a.person]] = duties.get(person[a.person], 0) + 1
    levels = {lv.name: lv for lv in plan.result.levels}
    # every site's own bound on the people the plan has working there: what the site choice
    # allows, whatever the rosters
    chosen = sum(site_bound(view, np.array(sorted(m), dtype=np.int64), k) for k, m in members.items())
    print(f"plan: commute {levels['commute'].value} (bound {levels['commute'].bound}, sites' own "
          f"bounds summed {chosen}) in {wall:.1f} s")
    rows = []
    for k in sorted(random.Random(args.seed).sample(sorted(members), min(args.sample, len(members)))):
        people = np.array(sorted(members[k]), dtype=np.int64)
        km = view.round_km(people, np.full(len(people), k))
        row = {"site": k, "people": len(people), "demand": int(view.demand[k]),
               "plan": int(sum(duties[p] * d for p, d in zip(people.tolist(), km.tolist()))),
               "site_bound": site_bound(view, people, k)}
        sub = site_problem(problem, k, people.tolist())
        for limit in limits:
            result = solve(sub, time_limit=limit, workers=1, seed=0, progress=False,
                           stage_share=timing.SPLITS.site_stage_shares).result
            commute = {lv.name: lv for lv in result.levels}.get("commute")
            row[f"resolve_{limit:g}s"] = None if commute is None else commute.value
        rows.append(row)
        print(row, flush=True)
    keys = ["site", "people", "demand", "plan", "site_bound", *[f"resolve_{x:g}s" for x in limits]]
    text = (f"# Site re-solves of a decomposed plan ({machine()})\n\n"
            f"{args.people} people, {args.sites} sites, 14 days, seed 0; plan {args.time_limit:g} s on "
            f"{args.workers} workers in {wall:.1f} s: commute {levels['commute'].value} against the "
            f"city bound {levels['commute'].bound}; each site's own bound on the people the plan "
            f"has working there, summed over all sites: {chosen}. Each sampled site re-solved with its plan's working "
            "people on 1 worker (commute after each limit).\n\n"
            + markdown_table(rows, keys, keys) + "\n")
    write_results(args.out, rows, keys, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
