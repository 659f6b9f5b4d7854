"""Caseloads ("1+N", issue 19): the Yanji example, and a month of daily dispatch at city scale.

The numbers come from the Yanji report in ../shared/domain.md: 14 cadres of one centre for
25 households (43 people) in one community; 900+ cadres over 70 communities, dispatched daily
according to the number of people arriving; each household watched for 14 days.

    python benchmarks/caseloads.py --runs yanji --seeds 0,1,2 --workers 1,2
    python benchmarks/caseloads.py --runs month                  # 900 cadres, 70 communities,
                                                                 # 3,000 households over 30 days

``yanji``: ``dutyplan.solve`` of the bundled example, to a proven optimum, checked.
``month``: day 0 solved, then each day re-planned (``wall_s``: the solve or re-plan alone,
the check after it not counted) with that day's arrivals
(``Changes.add_households``) and the cadres who fell ill that day (``Changes.away``, 3 days),
frozen up to that morning; each re-plan checked against the one before (``changes`` level).
Gate duty is left out at this scale (the communities' gates need nobody): the caseloads alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import level_text, machine, markdown_table, peak_memory_mb, seed_list, write_results  # noqa: E402

START = dt.date(2020, 2, 10)
YANJI = (42.905, 129.51)  # the city centre


def yanji_rows(seeds: list[int], workers: list[int], time_limit: float) -> list[dict]:
    from dutyplan import load_example, solve
    from dutyplan.checker import check

    problem = load_example("yanji")
    rows = []
    for w in workers:
        for seed in seeds:
            started = time.perf_counter()
            plan = solve(problem, time_limit=time_limit, workers=w, seed=seed, progress=False)
            wall = time.perf_counter() - started
            report = check(problem, plan)
            rows.append({
                "run": "yanji", "workers": w, "seed": seed, "wall_s": round(wall, 2),
                "status": plan.result.status, "objective": plan.result.objective,
                "bound": plan.result.best_bound, "households": len(plan.caseloads),
                "unwatched": len(plan.unwatched), "checked_ok": report.ok,
                "levels": level_text(plan.result),
            })
            print(rows[-1], flush=True)
    return rows


def month_problem(cadres: int, communities: int, households: int, days: int, seed: int):  # noqa: ANN201
    """The city on day 0 and every household of the month (arrivals drawn at random)."""
    from dutyplan.problem import Household, Problem

    rng = np.random.default_rng(seed)
    # communities within ~5 km of the centre; more arrivals where more people live
    place = np.column_stack([YANJI[0] + rng.normal(0, 0.02, communities), YANJI[1] + rng.normal(0, 0.03, communities)])
    weight = rng.gamma(2.0, 1.0, communities)
    weight /= weight.sum()
    # cadres dispatched to communities in proportion to their arrivals, living around the city
    dispatched = np.floor(weight * cadres).astype(int)
    dispatched[np.argsort(-weight)[: cadres - dispatched.sum()]] += 1
    community_of = np.repeat(np.arange(communities), dispatched)
    homes = np.column_stack([YANJI[0] + rng.normal(0, 0.03, cadres), YANJI[1] + rng.normal(0, 0.04, cadres)])
    sizes = rng.choice([1, 2, 3, 4], size=households, p=[0.45, 0.35, 0.15, 0.05])
    arrival = np.sort(rng.integers(0, days, households))
    site_of = rng.choice(communities, size=households, p=weight)
    problem = Problem.model_validate({
        "name": f"yanji-month-{cadres}",
        "horizon": {"start": START.isoformat(), "days": days + 14, "timezone": "Asia/Shanghai"},
        "shift_types": [{"id": "D", "start": "08:00", "minutes": 480}],
        "sites": [{"id": f"k{k:02d}", "name": f"社区{k + 1}", "location": {"lat": float(place[k, 0]), "lon": float(place[k, 1])},
                   "gates": [{"id": "main", "demand": {}}]} for k in range(communities)],
        "people": [{"id": f"c{i:04d}", "name": f"干部{i + 1}", "home": {"lat": float(homes[i, 0]), "lon": float(homes[i, 1])},
                    "communities": [f"k{int(community_of[i]):02d}"], "max_households": 2,
                    "max_household_people": 5} for i in range(cadres)],
        "rules": {"max_day_minutes": 600},
    })
    every = [Household(id=f"h{j:04d}", site=f"k{int(site_of[j]):02d}", people=int(sizes[j]),
                       arrival=START + dt.timedelta(days=int(arrival[j]))) for j in range(households)]
    return problem, every


def month_rows(cadres: int, communities: int, households: int, days: int, day_limit: float,
               workers: int, seed: int, ill_share: float) -> list[dict]:
    from dutyplan import solve
    from dutyplan.checker import check
    from dutyplan.replan import replan

    problem, every = month_problem(cadres, communities, households, days, seed)
    rng = np.random.default_rng(seed + 1)
    rows = []
    plan = None
    away_until: dict[str, int] = {}
    month_started = time.perf_counter()
    for t in range(days):
        today = START + dt.timedelta(days=t)
        arrivals = [h for h in every if h.arrival == today]
        started = time.perf_counter()
        if plan is None:
            problem = problem.model_copy(update={"households": arrivals})
            problem = type(problem).model_validate(problem.model_dump())
            plan = solve(problem, time_limit=day_limit, workers=workers, seed=seed, progress=False)
            wall = time.perf_counter() - started
            report = check(problem, plan)
            ill: list[str] = []
            moved = moved_ill = 0
        else:
            ill = [f"c{i:04d}" for i in np.flatnonzero(rng.random(cadres) < ill_share)
                   if away_until.get(f"c{i:04d}", -1) < t]
            for person in ill:
                away_until[person] = t + 2
            changes = {"add_households": [h.model_dump(mode="json") for h in arrivals],
                       "away": [{"person": p, "start": today.isoformat(), "end": (today + dt.timedelta(days=2)).isoformat()}
                                for p in ill]}
            before = plan
            result = replan(problem, before, changes, freeze_until=today.isoformat(), time_limit=day_limit,
                            workers=workers, seed=seed)
            problem, plan = result.problem, result.plan
            wall = time.perf_counter() - started
            report = check(problem, plan, published=before, freeze_until=result.freeze_until)
            old, new = before.answers, plan.answers
            # a running caseload moved: its person may have become unavailable on a date left
            unavailable = {p.id: {u.date for u in p.unavailable if u.shift is None} for p in problem.people}
            by_id = {h.id: h for h in problem.households}
            moved = moved_ill = 0
            for h, person in old.items():
                household = by_id[h]
                if household.last_date < today or new.get(h) == person:
                    continue
                moved += 1
                left = {today + dt.timedelta(days=i) for i in range((household.last_date - today).days + 1)}
                moved_ill += bool(unavailable[person] & left)
        rows.append({
            "run": "month", "day": t, "workers": workers, "seed": seed, "arrivals": len(arrivals),
            "households": len(problem.households), "ill": len(ill), "wall_s": round(wall, 2),
            "build_s": plan.result.build_seconds,
            "status": plan.result.status, "unwatched": len(plan.unwatched), "moved": moved,
            "moved_not_ill": moved - moved_ill, "checked_ok": report.ok,
            "peak_mb": round(peak_memory_mb()), "levels": level_text(plan.result),
        })
        print(rows[-1], flush=True)
    print(f"month: {time.perf_counter() - month_started:.1f}s", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="yanji", help="yanji, month")
    parser.add_argument("--seeds", type=seed_list, default=[0])
    parser.add_argument("--workers", default="2", help="comma-separated worker counts")
    parser.add_argument("--time-limit", type=float, default=30.0, help="yanji: seconds per solve")
    parser.add_argument("--cadres", type=int, default=900)
    parser.add_argument("--communities", type=int, default=70)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--day-limit", type=float, default=10.0, help="month: seconds per daily re-plan")
    parser.add_argument("--ill", type=float, default=0.005, help="month: share of cadres falling ill each day")
    parser.add_argument("--out", default="benchmarks/results/caseloads")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    runs = args.runs.split(",")
    text = [f"# Caseloads ({machine()})", ""]
    rows: list[dict] = []
    if "yanji" in runs:
        found = yanji_rows(args.seeds, workers, args.time_limit)
        rows += found
        text += ["## Yanji example", "", markdown_table(
            found, ["workers", "seed", "wall s", "status", "objective", "bound", "households", "unwatched", "checker", "levels"],
            ["workers", "seed", "wall_s", "status", "objective", "bound", "households", "unwatched", "checked_ok", "levels"]), ""]
    if "month" in runs:
        for w in workers:
            for seed in args.seeds:
                started = time.perf_counter()
                found = month_rows(args.cadres, args.communities, args.households, args.days, args.day_limit,
                                   w, seed, args.ill)
                total = time.perf_counter() - started
                rows += found
                slowest = max(r["wall_s"] for r in found)
                text += [f"## A month of daily dispatch: {args.cadres} cadres, {args.communities} communities, "
                         f"{args.households} households over {args.days} days ({w} worker(s), seed {seed})", "",
                         f"Whole month: solves and re-plans {sum(r['wall_s'] for r in found):.1f} s, "
                         f"{total:.1f} s with every check; slowest day {slowest:.1f} s; households moved whose person "
                         f"was not away: {sum(r['moved_not_ill'] for r in found)}; every plan checked: "
                         f"{all(r['checked_ok'] for r in found)}.", "",
                         markdown_table(found, ["day", "arrivals", "households", "ill", "wall s", "build s", "status",
                                                "unwatched", "moved", "moved, not ill", "checker", "peak MB"],
                                        ["day", "arrivals", "households", "ill", "wall_s", "build_s", "status",
                                         "unwatched", "moved", "moved_not_ill", "checked_ok", "peak_mb"]), ""]
    columns = sorted({k for row in rows for k in row})
    write_results(args.out, rows, columns, "\n".join(text) + "\n")


if __name__ == "__main__":
    main()
